"""A fix for how FastStream's NATS pull loops and nats-py disagree on timeouts (applied on import).

nats-py's `fetch` can raise a plain `asyncio.TimeoutError` when a pull request expires with no message
(the no-wait/lingering request path of nats.py#934), while FastStream's pull loops catch only
`nats.errors.TimeoutError`. The loop task then dies: FastStream restarts it and logs an error, and a batch
consumer loses the messages it had already fetched until JetStream redelivers them after `ack_wait`.
Both exceptions are subclasses of the built-in `TimeoutError`, so the loops are made to catch that.
"""

from __future__ import annotations

from faststream.nats.subscriber.usecases import stream_pull_subscriber

stream_pull_subscriber.TimeoutError = TimeoutError  # type: ignore[attr-defined, misc]

"""FastStream's pull loops must treat nats-py's plain asyncio.TimeoutError as "no messages" (shared/bus/compat.py)."""

import nats.errors
from faststream.nats.subscriber.usecases import stream_pull_subscriber

import shared.bus.service  # noqa: F401 - importing the stage factory applies the fix


def test_the_pull_loops_catch_both_timeouts_nats_py_raises() -> None:
    caught = stream_pull_subscriber.TimeoutError
    for raised in (TimeoutError(), nats.errors.TimeoutError()):
        try:
            raise raised
        except caught:
            pass

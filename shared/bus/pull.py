"""What a pull consumer holds right now, taken without lingering.

nats-py's `fetch(n, timeout)` always sends its pull request with an expiry, and the server treats such a request
as a lingering pull even when `no_wait` is set: it holds it open until `n` messages came or the expiry passed, and
nats-py waits for that. Taking "whatever else is waiting" after a first message therefore cost the whole window
on every live event (10 ms per projected batch, bench/latency.py). A request with `no_wait` and no expiry is
answered at once: the messages that are waiting, then a 404 status when there were fewer than asked for.
"""

from __future__ import annotations

import asyncio
import json

from nats.aio.msg import Msg
from nats.js import api
from nats.js.client import JetStreamContext


async def fetch_waiting(sub: JetStreamContext.PullSubscription, batch: int, timeout: float = 2.0) -> list[Msg]:
    """Up to `batch` messages the consumer can deliver now (possibly none); never waits for new ones.

    `timeout` only bounds waiting for the server's answer (a connection lost mid-request raises TimeoutError;
    messages it delivers late land in the subscription's queue, where the next fetch takes them first).
    """
    inner = sub._sub  # nats-py keeps the inbox subscription, its request subject and reply inbox private
    assert inner is not None, "the pull subscription is closed"
    msgs: list[Msg] = []
    queue = inner._pending_queue
    while not queue.empty() and len(msgs) < batch:  # delivered for an earlier request after it gave up
        msg = queue.get_nowait()
        inner._pending_size -= len(msg.data)
        if JetStreamContext.is_status_msg(msg) is None:
            msgs.append(msg)
    if len(msgs) >= batch:
        return msgs
    request = json.dumps({"batch": batch - len(msgs), "no_wait": True}).encode()
    await sub._nc.publish(sub._nms, request, sub._deliver)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(msgs) < batch:
        msg = await inner.next_msg(timeout=max(0.001, deadline - loop.time()))
        status = JetStreamContext.is_status_msg(msg)
        if status is None:
            msgs.append(msg)
        elif status != api.StatusCode.CONTROL_MESSAGE:
            break  # 404 no more messages (or 408/409): the answer is complete
    return msgs

"""Message events for the gateway tests: one shape, numbered, published in batches keyed by natural key."""

from __future__ import annotations

from shared.contracts import utcnow
from shared.contracts.messages import Author, MessageIngested
from shared.testing.gateway import GatewayHarness


def message(i: int, chat: str = "-1001") -> MessageIngested:
    return MessageIngested(
        key=f"telegram:{chat}:{i}",
        chat_id=chat,
        message_id=i,
        text=f"повідомлення {i}: the deploy failed with error 500",
        sent_at=utcnow(),
        author=Author(source_user_id=str(100 + i % 3), display_name=f"User {i % 3}"),
        language="uk",
    )


async def publish_messages(harness: GatewayHarness, numbers: range) -> None:
    """`message(i)` for each number, in one batch, with the natural key as dedupe id."""
    events = [message(i) for i in numbers]
    await harness.publisher.publish_many([(harness.publisher.envelope(e), e.key) for e in events])

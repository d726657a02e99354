"""Telegram Bot API webhook: `POST /api/v1/webhooks/telegram` → `messages.ingested` / `messages.updated`.

Telegram retries any non-2xx answer, so everything that is valid but not wanted (other update kinds,
service messages, chats not monitored) is answered 200 with the reason, and only a wrong secret (401),
a body that is not a usable update (400) or a missing configuration (503) is refused.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Controller, Request, post
from litestar.exceptions import ClientException, HTTPException, NotAuthorizedException

from services.gateway.auth import PUBLIC
from services.ingest.bot_updates import Ignored, InvalidUpdate, parse_update
from shared.contracts.messages import MessageIngested, edit_msg_id

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["ingestion"]

    @post("/telegram", operation_id="telegramWebhook", status_code=200, opt=PUBLIC)
    async def telegram(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Accept one Bot API update (message, edited_message, channel_post, edited_channel_post)."""
        state = request.app.state
        secret: str = state.settings.telegram_webhook_secret
        if not secret:
            # Without a secret anyone could inject messages, so the endpoint stays shut until one is set.
            raise HTTPException(
                status_code=503,
                detail="webhook disabled: TELEGRAM_WEBHOOK_SECRET is not configured (pass it to setWebhook too)",
            )
        presented = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(presented.encode(), secret.encode()):
            raise NotAuthorizedException(f"missing or wrong {SECRET_HEADER}")
        try:
            parsed = parse_update(await request.body())
        except InvalidUpdate as exc:
            raise ClientException(detail=f"invalid update: {exc.reason}") from None
        if isinstance(parsed, Ignored):
            return {"status": "ignored", "update_id": parsed.update_id, "reason": parsed.reason}
        chat_id = parsed.chat_id if isinstance(parsed, MessageIngested) else parsed.key.split(":")[1]
        monitored = await state.pool.fetchval(
            "SELECT monitored FROM chats WHERE source = 'telegram' AND chat_id = $1", chat_id
        )
        if not monitored:
            return {"status": "ignored", "key": parsed.key, "reason": f"chat {chat_id} is not monitored"}
        msg_id = parsed.key if isinstance(parsed, MessageIngested) else edit_msg_id(parsed.key, parsed.edited_at)
        envelope = state.publisher.envelope(parsed)
        await state.publisher.publish(envelope, msg_id=msg_id)
        return {"status": "accepted", "key": parsed.key, "type": envelope.type}

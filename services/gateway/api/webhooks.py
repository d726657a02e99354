"""Telegram Bot API webhook: `POST /api/v1/webhooks/telegram` → `messages.ingested` / `messages.updated`.

Telegram retries any non-2xx answer, for as long as the webhook is set, so every update the gateway will never
accept is answered 200 too: valid but unwanted ones (other update kinds, service messages, chats not monitored)
with `ignored` and the reason, unusable ones (malformed JSON, a wrong field type, a date or id beyond range, a text
beyond 65,536 characters) with `rejected` and the reason, after recording it: a warning in the log, the
`tt_dlq_total` metric, and the body itself on `<prefix>.dlq.webhooks.telegram` (its first 64 KB when larger than
1 MB). Text Telegram really sends is normalised, not refused (services/ingest/normalise.py). Only a wrong secret
(401) or a missing configuration (503) is refused: those are fixed by configuration, and retrying is then right.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import HTTPException, NotAuthorizedException

from services.gateway.auth import PUBLIC
from services.gateway.input_checks import RAW_BODY
from services.ingest.bot_updates import Ignored, InvalidUpdate, parse_update
from shared.bus.dlq import dead_letter_raw
from shared.contracts.messages import MessageIngested, edit_msg_id
from shared.logging import get_logger

log = get_logger(__name__)
MAX_WEBHOOK_BODY = 10 * 1024 * 1024
KEPT_WHOLE = 1024 * 1024
KEPT_HEAD = 64 * 1024

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["ingestion"]

    @post(
        "/telegram",
        operation_id="telegramWebhook",
        status_code=200,
        opt={**PUBLIC, **RAW_BODY},
        request_max_body_size=MAX_WEBHOOK_BODY,
    )
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
        body = await request.body()
        try:
            parsed = parse_update(body)
        except InvalidUpdate as exc:
            return await self._reject(request, body, exc.reason)
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

    async def _reject(self, request: Request[Any, Any, Any], body: bytes, reason: str) -> dict[str, Any]:
        """Answer 200 (so Telegram stops retrying) after keeping the body and the reason on the DLQ subject."""
        state = request.app.state
        update_id = _update_id(body)
        digest = hashlib.sha256(body).hexdigest()[:32]
        kept = body if len(body) <= KEPT_WHOLE else body[:KEPT_HEAD]
        note = "" if kept is body else f" (body of {len(body):,} bytes; first {KEPT_HEAD:,} kept)"
        await dead_letter_raw(
            state.js,
            f"{state.prefix}.webhooks.telegram",
            kept,
            error=f"rejected update: {reason}{note}",
            service="gateway",
            prefix=state.prefix,
            msg_id=f"dlq:webhook:{digest}",  # Telegram's retries of one update are kept once
        )
        log.warning("webhook_update_rejected", update_id=update_id, reason=reason[:300], bytes=len(body))
        return {"status": "rejected", "update_id": update_id, "reason": reason}


class _UpdateId(msgspec.Struct):
    update_id: int | None = None


def _update_id(body: bytes) -> int | None:
    """The update's id when one can be read, for the log; the body may be anything."""
    try:
        return msgspec.json.decode(body, type=_UpdateId).update_id
    except (msgspec.DecodeError, RecursionError):
        return None

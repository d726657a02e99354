"""The live Telethon listener: new and edited messages of monitored chats → the bus.

Runs only when TELEGRAM_API_ID, TELEGRAM_API_HASH and TELEGRAM_SESSION (a Telethon StringSession of a user
account) are configured. Connecting happens in the background so a slow or unreachable Telegram never
delays the stage's start; the session string is a secret and never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from telethon import TelegramClient, events, types
from telethon.sessions import StringSession

from services.ingest.avatars import AvatarFetcher
from services.ingest.jobs import JobManager
from services.ingest.monitored import MonitoredChats
from services.ingest.source import TelethonHistorySource
from services.ingest.telethon_convert import to_ingested, to_updated
from shared.bus.publisher import Publisher
from shared.contracts.messages import edit_msg_id
from shared.logging import get_logger
from shared.settings import Settings

log = get_logger(__name__)


def telegram_configured(settings: Settings) -> bool:
    return bool(settings.telegram_api_id and settings.telegram_api_hash and settings.telegram_session)


class LiveListener:
    def __init__(
        self, client: Any, publisher: Publisher, monitored: MonitoredChats, avatars: AvatarFetcher | None = None
    ) -> None:
        self._client, self._publisher, self._monitored, self._avatars = client, publisher, monitored, avatars

    def attach(self) -> None:
        self._client.add_event_handler(self.on_new_message, events.NewMessage())
        self._client.add_event_handler(self.on_message_edited, events.MessageEdited())

    async def on_new_message(self, event: Any) -> None:
        if not await self._monitored.contains(str(event.chat_id)):
            return
        chat, sender = await event.get_chat(), await event.get_sender()
        ingested = to_ingested(event.message, channel="live", chat=chat, sender=sender)
        if ingested is None:
            return
        await self._publisher.publish(self._publisher.envelope(ingested), msg_id=ingested.key)
        if self._avatars is not None and isinstance(sender, types.User):
            self._avatars.want(sender)

    async def on_message_edited(self, event: Any) -> None:
        if not await self._monitored.contains(str(event.chat_id)):
            return
        updated = to_updated(event.message, channel="live")
        if updated is not None:
            await self._publisher.publish(
                self._publisher.envelope(updated), msg_id=edit_msg_id(updated.key, updated.edited_at)
            )


@dataclass
class TelegramConnection:
    """The user-session client with the listener, avatar fetcher and backfill source hanging off it."""

    settings: Settings
    publisher: Publisher
    monitored: MonitoredChats
    jobs: JobManager
    client: Any = None
    avatars: AvatarFetcher | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name="telegram-connect")

    async def _connect(self) -> None:
        try:
            await self._connect_once()
        except Exception as exc:  # the stage keeps serving export, webhook and job commands without Telegram
            log.error("telegram_connect_failed", error=f"{type(exc).__name__}: {exc}")

    async def _connect_once(self) -> None:
        settings = self.settings
        client = TelegramClient(
            StringSession(settings.telegram_session), settings.telegram_api_id, settings.telegram_api_hash
        )
        await client.connect()
        if not await client.is_user_authorized():
            log.error("telegram_session_not_authorized", hint="create a StringSession with a logged-in user account")
            await client.disconnect()
            return
        self.client = client
        self.avatars = AvatarFetcher(client, self.publisher, settings.data_dir)
        self.avatars.start()
        LiveListener(client, self.publisher, self.monitored, self.avatars).attach()
        self.jobs.history = lambda job_id: TelethonHistorySource(client, job_id=job_id)
        log.info("telegram_listener_started")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.avatars is not None:
            await self.avatars.stop()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.disconnect()

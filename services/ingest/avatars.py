"""Profile photos, fetched off the hot path and stored under the data dir.

The listener only enqueues a user; one background task downloads with Telethon's `download_profile_photo`
(MTProto, so no URL — and never a Bot API file URL, which embeds the bot token) and announces the local
path with `messages.profile_updated`. The file name carries the photo id, so a changed photo is fetched
again and an unchanged one never is.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from shared.bus.publisher import Publisher
from shared.contracts.messages import ProfileUpdated
from shared.logging import get_logger

log = get_logger(__name__)
AVATAR_DIR = Path("avatars") / "telegram"


class AvatarFetcher:
    def __init__(self, client: Any, publisher: Publisher, data_dir: Path, *, queue_size: int = 1000) -> None:
        self._client, self._publisher, self._data_dir = client, publisher, data_dir
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=queue_size)
        self._seen: set[tuple[int, int]] = set()
        self._task: asyncio.Task[None] | None = None

    def want(self, user: Any) -> None:
        """Enqueue a Telethon `User` whose current photo we do not have yet; never blocks."""
        photo = getattr(user, "photo", None)
        photo_id = getattr(photo, "photo_id", None)
        if photo_id is None or (user.id, photo_id) in self._seen:
            return
        self._seen.add((user.id, photo_id))
        with contextlib.suppress(asyncio.QueueFull):  # under a flood, avatars wait for the next message
            self._queue.put_nowait(user)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="avatar-fetcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            user = await self._queue.get()
            try:
                await self.fetch(user)
            except Exception as exc:  # a missing or private photo is not worth more than a log line
                log.info("avatar_fetch_failed", user_id=user.id, error=str(exc))

    async def fetch(self, user: Any) -> str | None:
        relative = AVATAR_DIR / f"{user.id}-{user.photo.photo_id}.jpg"
        target = self._data_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if await self._client.download_profile_photo(user, file=str(target), download_big=False) is None:
                return None
        await self._publisher.emit(ProfileUpdated(source_user_id=str(user.id), avatar_path=str(relative)))
        return str(relative)

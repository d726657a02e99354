"""When runs start: the auto trigger's per-chat counters and the cron schedule's due times (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from croniter import croniter

AUTO_WINDOW = timedelta(hours=24)
MAX_CATCH_UP = timedelta(minutes=10)  # a scheduler that was down longer fires the latest missed time only


class ChatCounters:
    """Unassigned signal messages per chat seen by this replica, seeded from the read model at start."""

    def __init__(self, threshold: int, initial: dict[str, int] | None = None) -> None:
        self.threshold = threshold
        self.counts: dict[str, int] = dict(initial or {})

    def add(self, chat_id: str) -> bool:
        """Count one message; True when the chat reached the threshold (a run should be considered)."""
        self.counts[chat_id] = self.counts.get(chat_id, 0) + 1
        return self.counts[chat_id] >= self.threshold

    def reset(self, chat_id: str) -> None:
        self.counts[chat_id] = 0


def due_times(cron: str, last_checked: datetime, now: datetime) -> list[datetime]:
    """Fire times of `cron` in (last_checked, now], bounded to the last `MAX_CATCH_UP` (at most a few)."""
    start = max(last_checked, now - MAX_CATCH_UP)
    it = croniter(cron, start)
    out: list[datetime] = []
    while len(out) < 10:
        due = it.get_next(datetime)
        if due > now:
            break
        out.append(due)
    return out

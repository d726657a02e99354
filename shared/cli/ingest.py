"""`tracker import <result.json> [--chat …]`: a Telegram Desktop export onto the bus, with a summary."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING, TextIO

import nats

from shared.cli.runtime import resolve_settings
from shared.settings import Settings

if TYPE_CHECKING:  # the ingest domain loads only when `import` runs, not on every `tracker` start
    from services.ingest.importer import ImportReport


def add_ingest_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import", help="import a Telegram Desktop export (result.json) through the bus")
    imp.add_argument("path", help="the export's result.json")
    imp.add_argument("--chat", help="only this chat (name, export id or Bot API id)")
    imp.add_argument("--batch-size", type=int, default=500, help="messages per publish batch (default 500)")
    imp.add_argument(
        "--no-monitor", action="store_true", help="do not mark the imported chats as monitored (live/webhook)"
    )
    imp.set_defaults(func=_import)


class Progress:
    """One `\\r` line on stderr while a terminal watches; a line every few seconds into a log otherwise."""

    def __init__(self, total_hint: int, stream: TextIO = sys.stderr) -> None:
        self._total, self._stream = total_hint, stream
        self._tty = stream.isatty()
        self._started = self._shown = time.monotonic()

    def __call__(self, report: ImportReport) -> None:
        now = time.monotonic()
        if now - self._shown < (0.2 if self._tty else 5.0):
            return
        self._shown = now
        self._stream.write(self.line(report) + ("\r" if self._tty else "\n"))
        self._stream.flush()

    def line(self, report: ImportReport) -> str:
        done = report.published
        rate = done / max(time.monotonic() - self._started, 1e-9)
        share = f" ({min(done / self._total, 1.0):.0%} of ~{self._total:,})" if self._total else ""
        rejected = sum(report.summary.rejected.values())
        return (
            f"  {done:,} messages{share}  new {report.imported:,}  dup {report.duplicates:,}"
            f"  rejected {rejected:,}  {rate:,.0f} msg/s"
        )

    def done(self) -> None:
        if self._tty:
            self._stream.write("\n")


def _import(args: argparse.Namespace) -> int:
    from shared.runtime.lifetimes import batch_priority

    settings = resolve_settings()
    if not settings.nats_url:
        print("no bus: set NATS_URL or start the system with `tracker up`", file=sys.stderr)
        return 2
    batch_priority()  # an import is batch work: the API's readers keep the CPU first (bench/api_load.py)
    try:
        return asyncio.run(_run_import(args, settings))
    except FileNotFoundError as exc:
        print(f"cannot read the export: {exc}", file=sys.stderr)
        return 2


async def _run_import(args: argparse.Namespace, settings: Settings) -> int:
    from services.ingest.export_reader import count_messages_hint
    from services.ingest.importer import import_export
    from services.ingest.publishing import read_model_keys
    from shared.bus.publisher import Publisher
    from shared.bus.streams import ensure_stream
    from shared.db.pool import create_pool

    progress = Progress(count_messages_hint(args.path))
    nc = await nats.connect(settings.nats_servers, name="tracker-import", max_reconnect_attempts=-1)
    # The read model (when reachable) tells apart messages stored long ago, past the bus's dedupe window.
    pool = await create_pool(settings.database_url, max_size=2) if settings.database_url else None
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings.subject_prefix)
        publisher = Publisher(js, producer="import", prefix=settings.subject_prefix)
        report = await import_export(
            args.path,
            publisher,
            chat=args.chat,
            batch_size=args.batch_size,
            monitor=not args.no_monitor,
            known=read_model_keys(pool) if pool is not None else None,
            on_progress=progress,
        )
    finally:
        progress.done()
        if pool is not None:
            await pool.close()
        await nc.drain()
    summary = report.summary
    print(f"chats: {', '.join(summary.chats) or 'none'}")
    if summary.chats_filtered_out:
        print(f"  not matching --chat: {len(summary.chats_filtered_out)}")
    print(f"imported:   {report.imported:,} new messages")
    print(f"duplicates: {report.duplicates:,} (already stored; each message is kept once)")
    print(f"skipped:    {sum(summary.skipped.values()):,}")
    for reason, count in summary.skipped.most_common():
        print(f"  {count:>8,}  {reason}")
    print(f"rejected:   {sum(summary.rejected.values()):,}")
    for reason, count in summary.rejected.most_common():
        print(f"  {count:>8,}  {reason}")
    for rejected in report.rejected_examples[:5]:
        print(f"    e.g. message #{rejected.position} (id {rejected.message_id}): {rejected.reason}")
    if report.monitored_chats:
        print(f"monitored:  {', '.join(report.monitored_chats)} (live and webhook messages from these are accepted)")
    if report.error is not None:
        error = report.error
        where = f"byte {error.position}" + (f", line {error.line}" if error.line is not None else "")
        print(f"error: the export is unreadable at {where}: {error.reason}", file=sys.stderr)
        print(f"the {report.published:,} messages read before that point were imported and stay", file=sys.stderr)
        return 1
    return 0

"""Telegram Desktop exports through the bus into the read model: dedupe, corrupt files, the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from services.ingest.importer import import_export
from services.ingest.publishing import read_model_keys
from shared.testing.gateway import GatewayHarness

from .waiting import settled

DEMO = Path(__file__).parents[3] / "data" / "demo" / "telegram_export.json"
DEMO_MESSAGES = 313  # 314 entries, one of them a service message (join)
DEMO_CHAT = "-1002145367890"


async def test_importing_the_same_export_twice_stores_each_message_once(harness: GatewayHarness) -> None:
    async with harness.serve():
        first = await import_export(DEMO, harness.publisher, batch_size=50)
        second = await import_export(DEMO, harness.publisher, batch_size=50)
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=DEMO_MESSAGES)
        # Past the bus's dedupe window the read model is what recognises old messages.
        third = await import_export(DEMO, harness.publisher, known=read_model_keys(harness.pool))  # type: ignore[arg-type]
        await asyncio.sleep(0.5)
        stored = await harness.pool.fetchval("SELECT count(*) FROM messages")  # type: ignore[attr-defined]
        keys = await harness.pool.fetchval("SELECT count(DISTINCT key) FROM messages")  # type: ignore[attr-defined]
        monitored = await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT monitored FROM chats WHERE chat_id = $1", DEMO_CHAT
        )
    assert (first.imported, first.duplicates) == (DEMO_MESSAGES, 0)
    assert (second.imported, second.duplicates) == (0, DEMO_MESSAGES)
    assert (third.imported, third.duplicates) == (0, DEMO_MESSAGES)
    assert stored == keys == DEMO_MESSAGES
    assert first.summary.skipped == {"service message: join_group_by_link": 1}
    assert first.monitored_chats == [DEMO_CHAT] and monitored is True


async def test_a_truncated_export_stops_with_position_and_reason_and_keeps_what_was_accepted(
    harness: GatewayHarness, tmp_path: Path
) -> None:
    data = DEMO.read_bytes()
    cut = tmp_path / "truncated.json"
    cut.write_bytes(data[: len(data) * 6 // 10])
    async with harness.serve():
        report = await import_export(cut, harness.publisher, batch_size=40)
        assert report.error is not None
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=report.imported)
    assert 100 < report.imported < DEMO_MESSAGES
    assert report.error.position == len(data) * 6 // 10
    assert report.error.line is not None and report.error.line > 1
    assert "truncated" in report.error.reason


async def test_a_corrupt_export_names_the_line_and_keeps_the_messages_before_it(
    harness: GatewayHarness, tmp_path: Path
) -> None:
    lines = DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
    broken_line = len(lines) // 2
    lines[broken_line - 1] = lines[broken_line - 1].replace('"', "'", 1) if '"' in lines[broken_line - 1] else "}{"
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("".join(lines), encoding="utf-8")
    async with harness.serve():
        report = await import_export(corrupt, harness.publisher)
        assert report.error is not None
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=report.imported)
    assert report.error.line == broken_line
    assert report.imported > 0


def _cli(harness: GatewayHarness, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NATS_URL": harness.settings.nats_url,
        "DATABASE_URL": harness.settings.database_url,
        "TT_SUBJECT_PREFIX": harness.settings.subject_prefix,
        "TT_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.cli.main", "import", *args], env=env, capture_output=True, text=True, timeout=120
    )


async def test_tracker_import_prints_a_summary_and_fails_loudly_on_a_broken_file(
    harness: GatewayHarness, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(DEMO.read_bytes()[:50_000])
    async with harness.serve():
        ok = await asyncio.to_thread(_cli, harness, tmp_path, str(DEMO))
        bad = await asyncio.to_thread(_cli, harness, tmp_path, str(broken))
    assert ok.returncode == 0, ok.stderr
    assert f"imported:   {DEMO_MESSAGES} new messages" in ok.stdout
    assert "1  service message: join_group_by_link" in ok.stdout
    assert f"monitored:  {DEMO_CHAT}" in ok.stdout
    assert bad.returncode == 1
    assert "unreadable at byte 50000, line" in bad.stderr and "truncated" in bad.stderr
    assert "read before that point were imported and stay" in bad.stderr
    assert f"duplicates: {0}" not in bad.stdout  # the second run met messages already stored

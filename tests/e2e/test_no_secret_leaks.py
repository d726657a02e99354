"""A full `tracker up` run, used the way a client (and a careless one) would: afterwards neither the API token nor
the webhook secret is in any log line, file, event or response, and the data directory is the owner's only."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest
import websockets

WEBHOOK_SECRET = "webhook-secret-7f3a9c"
PROVIDER_KEY = "sk-leak-check-5d1e0b"
CHAT = -1009876543210


def _tracker(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli.main", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


async def use_the_api(base: str, token: str, database_url: str) -> list[str]:
    """Every kind of request that once put a secret somewhere; returns every response body seen."""
    auth = {"Authorization": f"Bearer {token}"}
    seen: list[str] = []
    ws = base.replace("http://", "ws://") + "/ws?topics=messages"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        seen.append((await client.get("/api/v1/messages", params={"token": token})).text)  # refused: not the URL
        seen.append((await client.get("/api/v1/messages", headers={"Authorization": "Bearer wrong"})).text)
        seen.append((await client.patch(f"/api/v1/chats/{CHAT}", json={"monitored": True}, headers=auth)).text)
        async with websockets.connect(f"{ws}&token={token}") as refused:  # logged by uvicorn with its query
            with pytest.raises(websockets.ConnectionClosed):
                seen.append(await refused.recv())
        async with websockets.connect(ws) as live:
            await live.send(json.dumps({"action": "auth", "token": token}))
            seen.append(await live.recv())
            await asyncio.sleep(1.0)
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 7,
                    "date": 1_717_000_000,
                    "chat": {"id": CHAT, "type": "supergroup", "title": "Команда"},
                    "from": {"id": 42, "is_bot": False, "first_name": "Olha"},
                    "text": f"the deploy token is not {token[:4]}…",
                },
            }
            headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            seen.append((await client.post("/api/v1/webhooks/telegram", json=update, headers=headers)).text)
            seen.append((await client.post("/api/v1/webhooks/telegram", json=update, headers={})).text)
            async with asyncio.timeout(30):
                while True:
                    frame = await live.recv()
                    seen.append(frame)
                    if "messages.ingested" in frame:
                        break
        # A provider key is stored with the key the run generated for itself (no TT_SECRET_KEY configured).
        provider = {"name": "leak-check", "type": "openai_compatible", "base_url": "http://127.0.0.1:9/v1"}
        created = await client.post("/api/v1/providers", json=provider | {"api_key": PROVIDER_KEY}, headers=auth)
        assert created.status_code == 201, created.text
        assert created.json()["has_api_key"] is True
        seen.append(created.text)
        for path in (
            "/api/v1/messages",
            "/api/v1/chats",
            "/api/v1/providers",
            "/api/v1/health/detailed",
            "/api/docs/openapi.json",
        ):
            seen.append((await client.get(path, headers=auth)).text)
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT data::text AS data, headers::text AS headers FROM events")
    finally:
        await conn.close()
    assert rows, "the run stored no events"
    seen.extend(r["data"] + r["headers"] for r in rows)
    return seen


@pytest.mark.slow
def test_a_full_run_leaks_no_secret_and_keeps_its_files_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "tracker"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", "TT_API_TOKENS", "TT_SECRET_KEY")
    }
    env |= {"TT_DATA_DIR": str(data_dir), "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "LOG_LEVEL": "DEBUG"}
    try:
        up = _tracker("up", "--detach", env=env)
        assert up.returncode == 0, up.stdout + up.stderr
        token = _tracker("token", env=env).stdout.strip()
        assert len(token) > 20
        state = json.loads((data_dir / "runtime.json").read_text())
        # the API runs as replicas (api-1, …) beside the projector: any replica will do
        api = next(s["health"] for n, s in state["services"].items() if n.startswith("api"))
        base = api.removesuffix("/api/health")
        responses = asyncio.run(use_the_api(base, token, state["database_url"]))
    finally:
        down = _tracker("down", env=env, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    # TT_SECRET_KEY is not set here, so the run made its own in the data directory (owner-only).
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600
    generated_key = (data_dir / "secret_key").read_text()
    secrets = {
        "API token": token,
        "webhook secret": WEBHOOK_SECRET,
        "generated TT_SECRET_KEY": generated_key,
        "provider key": PROVIDER_KEY,
    }
    for name, secret in secrets.items():
        assert not [r for r in responses if secret in r], f"{name} in a response or an event"
        assert secret not in up.stdout + up.stderr + down.stdout + down.stderr, f"{name} printed"
    log = (data_dir / "tracker.log").read_text(errors="replace")
    assert "WebSocket /ws?topics=messages&token=***" in log  # the refused handshake was logged, masked
    leaks, loose = [], []
    for path in data_dir.rglob("*"):
        if (
            not path.is_file()
            or path.name in ("api_token", "secret_key")
            or "postgres" in path.relative_to(data_dir).parts
        ):
            continue  # the secrets' own files; PostgreSQL's files are its own (0600 by PostgreSQL)
        content = path.read_bytes()
        leaks += [f"{name} in {path}" for name, secret in secrets.items() if secret.encode() in content]
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            loose.append(f"{path.relative_to(data_dir)} {stat.filemode(path.stat().st_mode)}")
    assert leaks == []
    assert loose == []
    assert stat.S_IMODE((data_dir / "api_token").stat().st_mode) == 0o600

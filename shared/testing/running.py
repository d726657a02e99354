"""Run an ASGI service (a stage or the gateway) in-process on a free port, as a test or bench would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn

from shared.runtime.servers import free_port
from shared.settings import Settings


@contextlib.asynccontextmanager
async def serving(app: Any, *, health_path: str = "/health", start_timeout: float = 30.0) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on loopback until the block exits; yields its base URL once healthy."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None, access_log=False)
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the test owns signals
    task = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
            deadline = asyncio.get_running_loop().time() + start_timeout
            while True:
                if task.done():
                    task.result()
                    raise RuntimeError("server exited during start-up")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(health_path)).status_code == 200:
                        break
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"{base}{health_path} not healthy after {start_timeout}s")
                await asyncio.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def gateway_process(settings: Settings, data_dir: str) -> AsyncIterator[str]:
    """`tracker gateway` as its own process, as deployed (benchmarks: it must not share our event loop)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "NATS_URL": settings.nats_url,
        "TT_SUBJECT_PREFIX": settings.subject_prefix,
        "API_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "TT_DATA_DIR": data_dir,
    }
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "shared.cli.main", "gateway", env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
            for _ in range(600):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/api/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise TimeoutError(f"gateway process not healthy at {base}")
        yield base
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)


async def wait_until_projected(db: Any, last_seq: int) -> None:
    """Until the gateway has committed the stream up to `last_seq`: its position row commits with the rows,
    so polling it is cheap where count(*) over a growing table is not."""
    from services.gateway.projections.runner import stream_position

    while (await stream_position(db) or 0) < last_seq:
        await asyncio.sleep(0.05)

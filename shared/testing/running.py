"""Run an ASGI service (a stage or the gateway) in-process on a free port, as a test or bench would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn

from shared.runtime.servers import free_port


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

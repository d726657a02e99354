"""A real nginx on loopback with deploy/nginx's config proxies HTTP and WebSocket to a running gateway."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from shared.contracts.tasks import TaskCreated
from shared.runtime.servers import free_port, wait_for_port
from shared.testing.gateway import AUTH, ws_connect

from .conftest import REPO, GatewayHarness, require_binary

NGINX_HINT = "apt-get install -y --no-install-recommends nginx"


def render_template(template: Path, values: dict[str, str]) -> str:
    """What the nginx image's envsubst step does: replace only the named ${VARS}, keep nginx's $vars."""
    text = template.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text, "a template variable was left unrendered"
    return text


def write_config(root: Path, api_port: int, port: int, dashboard_port: int) -> Path:
    """nginx.conf around the compose templates: paths in a temp dir so no root-owned dirs are needed."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.chmod(root / sub, 0o777)  # workers run as an unprivileged user when the master is root
    (root / "default.conf").write_text(
        render_template(
            REPO / "deploy/nginx/templates/default.conf.template",
            {
                "NGINX_PORT": f"127.0.0.1:{port}",
                "TT_API_UPSTREAM": f"127.0.0.1:{api_port}",
                "TT_DASHBOARD_UPSTREAM": f"127.0.0.1:{dashboard_port}",
            },
        )
    )
    dashboard = (REPO / "deploy/dashboard/nginx.conf").read_text()
    dashboard = dashboard.replace("listen 3000;", f"listen 127.0.0.1:{dashboard_port};")
    dashboard = dashboard.replace("root /usr/share/nginx/html;", f"root {REPO / 'deploy/dashboard'};")
    (root / "dashboard.conf").write_text(dashboard)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    conf = root / "nginx.conf"
    conf.write_text(
        f"""
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 256; }}
http {{
    {mime}
    access_log {root}/logs/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/default.conf;
    include {root}/dashboard.conf;
}}
"""
    )
    return conf


@contextlib.contextmanager
def running_nginx(binary: str, conf: Path, port: int) -> Iterator[None]:
    check = subprocess.run([binary, "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(
        [binary, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc=proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.asynccontextmanager
async def nginx_in_front(harness: GatewayHarness, tmp_path: Path) -> AsyncIterator[str]:
    binary = require_binary("nginx", NGINX_HINT)
    async with harness.serve() as gateway:
        api_port = int(gateway.rsplit(":", 1)[1])
        port, dashboard_port = free_port(), free_port()
        conf = write_config(tmp_path / "nginx", api_port, port, dashboard_port)
        with running_nginx(binary, conf, port):
            yield f"http://127.0.0.1:{port}"


@pytest.fixture
def nginx_binary() -> str:
    return require_binary("nginx", NGINX_HINT)


async def test_nginx_routes_health_api_and_dashboard(
    nginx_binary: str, harness: GatewayHarness, tmp_path: Path
) -> None:
    async with (
        nginx_in_front(harness, tmp_path) as base,
        httpx.AsyncClient(base_url=base, timeout=5, headers=AUTH) as client,
    ):
        own = await client.get("/nginx-health")
        assert own.status_code == 200 and own.text.strip() == "ok"
        api = await client.get("/api/health")
        assert api.status_code == 200 and api.json()["status"] == "ok"
        detailed = await client.get("/api/v1/health/detailed")
        assert detailed.json()["checks"]["database"]["status"] == "ok"
        page = await client.get("/dashboard/")
        assert page.status_code == 200 and "Task Tracker" in page.text
        assert (await client.get("/")).headers["location"].endswith("/dashboard/")
        # Metrics stay on the internal network: nginx does not route them.
        assert (await client.get("/metrics")).status_code == 404


async def test_websocket_through_nginx_receives_published_events(
    nginx_binary: str, harness: GatewayHarness, tmp_path: Path
) -> None:
    async with nginx_in_front(harness, tmp_path) as base:
        async with ws_connect(base, "topics=tasks") as ws:
            hello = json.loads(await ws.recv())
            assert hello["type"] == "connection" and hello["data"]["topics"] == ["tasks"]
            await harness.publisher.emit(TaskCreated(task_id="0192a8a0-0000-7000-8000-00000000beef", title="Via nginx"))
            async with asyncio.timeout(15):
                while True:
                    frame = json.loads(await ws.recv())
                    if frame.get("type") == "tasks.created":
                        break
            assert frame["topic"] == "tasks" and frame["data"]["title"] == "Via nginx"

"""Access: every /api/v1 route needs a token of the right scope, from the header only; the WebSocket keeps the
token out of the URL; CORS comes from configuration; expensive routes are rate limited."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import msgspec
import websockets
from litestar.handlers import HTTPRouteHandler

from services.gateway.app import create_app
from shared.testing.gateway import AUTH, TOKEN, GatewayHarness, ws_url
from shared.testing.running import serving

READER, REVIEWER = "reader-token-1", "reviewer-token-1"
# Open to anyone, on purpose: health (for probes), the Telegram webhook (its own secret), the documents and the
# dashboard's static files (they hold no chat content), metrics (scraped on the internal network).
PUBLIC_ROUTES = {
    "/",
    "/api/health",
    "/api/v1/health/detailed",
    "/api/v1/webhooks/telegram",
    "/metrics",
    "/api/asyncapi",
    "/api/asyncapi.json",
}
PUBLIC_PREFIXES = ("/api/docs", "/dashboard")
# Writes a `review` token may make: review decisions and edits of knowledge, proposals, tasks, classification
# overrides, extraction runs. Every other write is configuration (providers, agents, projects, schedules, rules,
# ingestion, chats, analysis, experiments) and needs `admin`.
REVIEW_WRITES = re.compile(
    r"^/api/v1/(knowledge/(atoms|topics|versions|extract|runs)|proposals|tasks|messages/[^/]+/classification"
    r"|knowledge/schedules/[^/]+/run$)"
)


def concrete(path: str) -> str:
    """A request path for a route template: each parameter gets a well-formed value of its type."""
    values = {"int": "1", "uuid": str(uuid.uuid4()), "str": "telegram:-1:1", "path": "index.html"}
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: values.get(m.group(2), "x"), path)


def routes(app: Any) -> list[tuple[str, str, HTTPRouteHandler]]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, route.path, handler))
    return found


def scoped(harness: GatewayHarness, **changes: Any) -> Any:
    tokens = (TOKEN, f"{READER}:read", f"{REVIEWER}:review")
    return msgspec.structs.replace(harness.settings, api_tokens=tokens, **changes)


async def test_every_route_of_the_app_is_guarded_by_token_and_scope(harness: GatewayHarness) -> None:
    app = create_app(scoped(harness))
    table = routes(app)
    assert len(table) >= 20  # the app's own routes, plus whatever other features registered since
    async with serving(app, health_path="/api/health") as base, httpx.AsyncClient(base_url=base) as client:
        for method, path, handler in table:
            url = concrete(path)
            anonymous = await client.request(method, url, json={})
            public = path in PUBLIC_ROUTES or path.startswith(PUBLIC_PREFIXES)
            if public:
                assert anonymous.status_code != 401, (method, path)
                assert not path.startswith("/api/v1") or handler.opt.get("public"), (method, path)
                continue
            assert path.startswith("/api/v1"), f"{method} {path}: every non-public route lives under /api/v1"
            assert anonymous.status_code == 401, (method, path, anonymous.status_code)
            in_query = await client.request(method, url, params={"token": TOKEN}, json={})
            assert in_query.status_code == 401, (method, path)  # a token is taken from the header only
            wrong = await client.request(method, url, json={}, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401, (method, path)
            as_reader = await client.request(method, url, json={}, headers={"Authorization": f"Bearer {READER}"})
            readable = method == "GET" or handler.opt.get("scope") == "read"
            if readable:
                assert as_reader.status_code not in (401, 403), (method, path, as_reader.text)
            else:
                assert as_reader.status_code == 403, (method, path, as_reader.status_code)
                assert "scope" in as_reader.json()["detail"]
                reviewer = {"Authorization": f"Bearer {REVIEWER}"}
                as_reviewer = await client.request(method, url, json={}, headers=reviewer)
                if REVIEW_WRITES.match(path):
                    assert as_reviewer.status_code not in (401, 403), (method, path, as_reviewer.text)
                else:
                    assert as_reviewer.status_code == 403, (method, path, as_reviewer.status_code)
            as_admin = await client.request(method, url, json={}, headers=AUTH)
            assert as_admin.status_code not in (401, 403), (method, path)


async def test_review_tokens_may_override_classifications_but_not_configure(harness: GatewayHarness) -> None:
    review = {"Authorization": f"Bearer {REVIEWER}"}
    async with serving(create_app(scoped(harness)), health_path="/api/health") as base:
        async with httpx.AsyncClient(base_url=base, headers=review) as client:
            override = await client.post(
                "/api/v1/messages/telegram:-1:1/classification", json={"classification": "noise"}
            )
            configure = await client.patch("/api/v1/chats/-100", json={"monitored": True})
            read = await client.get("/api/v1/messages")
    assert override.status_code == 404  # allowed through to the handler: the message does not exist
    assert configure.status_code == 403 and read.status_code == 200


async def closed_with(ws: Any) -> tuple[int, str]:
    try:
        while True:
            await ws.recv()
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None
        return closed.rcvd.code, closed.rcvd.reason


async def test_the_websocket_authenticates_by_first_frame_and_refuses_a_token_in_the_url(
    harness: GatewayHarness,
) -> None:
    async with harness.serve() as base:
        async with websockets.connect(ws_url(base, "topics=tasks")) as ws:
            await ws.send(json.dumps({"action": "auth", "token": TOKEN}))
            hello = json.loads(await ws.recv())
            assert hello["type"] == "connection" and hello["data"]["topics"] == ["tasks"]
        async with websockets.connect(ws_url(base, "topics=tasks")) as ws:
            await ws.send(json.dumps({"action": "auth", "token": "wrong"}))
            assert (await closed_with(ws))[0] == 4401
        async with websockets.connect(ws_url(base, "topics=tasks")) as ws:
            await ws.send(json.dumps({"action": "subscribe", "topic": "tasks"}))
            assert (await closed_with(ws))[0] == 4401
        async with websockets.connect(ws_url(base, f"topics=tasks&token={TOKEN}")) as ws:
            code, reason = await closed_with(ws)
            assert code == 4401 and "first frame" in reason


async def test_cors_allows_only_the_configured_origins(harness: GatewayHarness) -> None:
    app = create_app(scoped(harness, cors_origins=("https://board.example",)))
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    async with serving(app, health_path="/api/health") as base, httpx.AsyncClient(base_url=base) as client:
        allowed = await client.options("/api/v1/messages", headers={"Origin": "https://board.example", **preflight})
        other = await client.options("/api/v1/messages", headers={"Origin": "https://evil.example", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "https://board.example"
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    async with harness.serve() as base, httpx.AsyncClient(base_url=base) as client:
        default = await client.options("/api/v1/messages", headers={"Origin": "https://board.example", **preflight})
    assert "access-control-allow-origin" not in default.headers  # no origins configured: same origin only


async def test_expensive_routes_are_rate_limited_per_caller(harness: GatewayHarness) -> None:
    app = create_app(scoped(harness, rate_limit_burst=3, rate_limit_per_min=6))
    body = {"text": "Реліз о 18:00, хто деплоїть?"}
    async with serving(app, health_path="/api/health") as base, httpx.AsyncClient(base_url=base) as client:
        mine = [(await client.post("/api/v1/noise/score", json=body, headers=AUTH)).status_code for _ in range(4)]
        limited = await client.post("/api/v1/noise/score", json=body, headers=AUTH)
        reader = await client.post("/api/v1/noise/score", json=body, headers={"Authorization": f"Bearer {READER}"})
        cheap = await client.get("/api/v1/messages", headers=AUTH)
    assert mine[:3] == [200, 200, 200] and mine[3] == 429
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert reader.status_code == 200  # another caller has its own bucket
    assert cheap.status_code == 200  # cheap routes are not limited

"""The built dashboard at /dashboard/ for the embedded run, where no nginx stands in front of the gateway.

The dashboard is a single-page app with its own routes (/dashboard/messages, …): any path that is not a built
file gets index.html, so a deep link or a reload works; a missing asset stays a 404. Hashed assets are cached
for good, index.html never (it names the current assets). The directory is looked up on every request, so a
dashboard built while the gateway runs is served at once instead of answering 404 until a restart.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

IMMUTABLE = "public, max-age=31536000, immutable"


def dashboard_router(dist: Path) -> Router:
    root = dist.resolve()

    def index() -> File:
        if not (root / "index.html").is_file():
            raise NotFoundException("the dashboard is not built: see the README (`npm run build` in deploy/dashboard)")
        return File(
            root / "index.html",
            filename="index.html",
            media_type="text/html",
            content_disposition_type="inline",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/", include_in_schema=False, sync_to_thread=False)
    def app() -> File:
        return index()

    @get("/{path:path}", include_in_schema=False, sync_to_thread=False)
    def serve(path: FromPath[str]) -> File:
        relative = path.lstrip("/")
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            raise NotFoundException(f"no file {relative}")  # a path escaping the build directory
        if relative and candidate.is_file() and root in candidate.parents:
            cache = IMMUTABLE if relative.startswith("assets/") else "no-cache"
            media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            return File(
                candidate,
                filename=candidate.name,
                media_type=media_type,
                content_disposition_type="inline",
                headers={"Cache-Control": cache},
            )
        if relative.startswith("assets/") or "." in relative.rsplit("/", 1)[-1]:
            raise NotFoundException(f"no file {relative}")
        return index()

    return Router("/dashboard", route_handlers=[app, serve])

"""The gateway serves the built dashboard: files as they are, the app's own routes as index.html, no escapes."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient

from services.gateway.dashboard import dashboard_router


def built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<title>Task Tracker</title>")
    (dist / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    return dist


def test_deep_links_get_the_app_and_assets_are_served_with_long_caching(tmp_path: Path) -> None:
    with TestClient(Litestar(route_handlers=[dashboard_router(built(tmp_path))], logging_config=None)) as client:
        for path in ("/dashboard/", "/dashboard", "/dashboard/messages", "/dashboard/messages/deep?key=x"):
            page = client.get(path)
            assert page.status_code == 200 and "Task Tracker" in page.text, path
            assert page.headers["cache-control"] == "no-cache" and page.headers["content-type"].startswith("text/html")
        asset = client.get("/dashboard/assets/index-abc.js")
        assert asset.status_code == 200 and asset.text == "console.log(1)"
        assert "javascript" in asset.headers["content-type"] and "immutable" in asset.headers["cache-control"]


def test_missing_assets_are_404_and_paths_cannot_leave_the_build(tmp_path: Path) -> None:
    with TestClient(Litestar(route_handlers=[dashboard_router(built(tmp_path))], logging_config=None)) as client:
        assert client.get("/dashboard/assets/gone.js").status_code == 404
        assert client.get("/dashboard/favicon.ico").status_code == 404
        escaped = client.get("/dashboard/..%2Fsecret.txt")
        assert "outside" not in escaped.text

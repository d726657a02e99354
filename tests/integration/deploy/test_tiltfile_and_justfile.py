"""The Tiltfile evaluates as Starlark against Tilt's API and names only real paths and services; the
justfile parses and its recipes call commands that exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .conftest import REPO, require_module


class TiltApi:
    """The part of Tilt's Starlark API the Tiltfile uses, recording what it is given."""

    TRIGGER_MODE_MANUAL = "manual"
    TRIGGER_MODE_AUTO = "auto"

    def __init__(self) -> None:
        self.compose_files: list[str] = []
        self.builds: list[dict[str, Any]] = []
        self.resources: list[str] = []
        self.paths: list[str] = []
        self.serve_cmds: dict[str, str] = {}

    def docker_compose(self, files: Any, **_: Any) -> None:
        self.compose_files += [files] if isinstance(files, str) else list(files)

    def docker_build(self, ref: str, context: str, dockerfile: str = "Dockerfile", **kw: Any) -> None:
        self.builds.append({"ref": ref, "context": context, "dockerfile": dockerfile, **kw})
        self.paths += [context, dockerfile, *kw.get("only", [])]

    def sync(self, local: str, remote: str) -> dict[str, str]:
        self.paths.append(local)
        return {"sync": local, "to": remote}

    def fall_back_on(self, files: Any) -> dict[str, Any]:
        self.paths += [files] if isinstance(files, str) else list(files)
        return {"fall_back_on": files}

    def restart_container(self) -> dict[str, bool]:
        return {"restart": True}

    def link(self, url: str, name: str = "") -> str:
        return url

    def dc_resource(self, name: str, **_: Any) -> None:
        self.resources.append(name)

    def local_resource(self, name: str, cmd: str = "", serve_cmd: str = "", deps: Any = (), **_: Any) -> None:
        self.resources.append(f"local:{name}")
        self.serve_cmds[name] = serve_cmd
        self.paths += list(deps)


def evaluate_tiltfile() -> TiltApi:
    import starlark as sl

    api = TiltApi()
    module = sl.Module()
    for name in ("docker_compose", "docker_build", "sync", "fall_back_on", "restart_container", "link"):
        module.add_callable(name, getattr(api, name))
    module.add_callable("dc_resource", api.dc_resource)
    module.add_callable("local_resource", api.local_resource)
    module["TRIGGER_MODE_MANUAL"] = api.TRIGGER_MODE_MANUAL
    module["TRIGGER_MODE_AUTO"] = api.TRIGGER_MODE_AUTO
    ast = sl.parse("Tiltfile", (REPO / "Tiltfile").read_text())
    sl.eval(module, ast, sl.Globals.standard())
    return api


def test_tiltfile_evaluates_and_references_real_paths_and_services() -> None:
    require_module("starlark", "uv add --dev starlark-pyo3")
    api = evaluate_tiltfile()
    for path in [*api.compose_files, *api.paths]:
        assert (REPO / path).exists(), f"Tiltfile names missing path {path}"
    services: set[str] = set()
    for file in api.compose_files:
        services |= set((yaml.safe_load((REPO / file).read_text()) or {}).get("services", {}))
    compose_images = {s.get("image") for s in yaml.safe_load((REPO / "compose.yml").read_text())["services"].values()}
    assert all(b["ref"] in compose_images for b in api.builds), "docker_build must build images compose runs"
    (app,) = [b for b in api.builds if "live_update" in b]
    assert {s["sync"] for s in app["live_update"] if "sync" in s} == {"services/", "shared/"}
    assert any(s.get("restart") for s in app["live_update"])
    dc = [r for r in api.resources if not r.startswith("local:")]
    assert set(dc) <= services and "dashboard" in dc
    # The dashboard also runs from Vite's dev server (hot module replacement) with the script package.json names.
    scripts = json.loads((REPO / "deploy/dashboard/package.json").read_text())["scripts"]
    assert api.serve_cmds["dashboard-dev"].endswith("run dev") and scripts["dev"] == "vite"


def just(*args: str) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).parent / "just"
    return subprocess.run([str(binary), *args], cwd=REPO, capture_output=True, text=True, check=False)


def test_justfile_has_the_guide_recipes_calling_real_commands() -> None:
    listed = just("--summary")
    assert listed.returncode == 0, listed.stderr
    recipes = set(listed.stdout.split())
    wanted = {"services", "services-dev", "services-stop", "db-migrate", "db-migrate-fresh", "db-nuclear-reset"}
    assert wanted | {"dev", "rebuild", "test", "lint", "bench"} <= recipes
    for recipe in ("db-migrate", "db-migrate-fresh", "dev"):
        lines = just("--dry-run", recipe).stderr.strip().splitlines()
        for line in lines:
            assert line.startswith("uv run tracker "), line
            # each `tracker` line must parse with the real CLI (help exits 0 without touching a database)
            words = line.split()[3:]
            command = [w for w in words if not w.startswith("--")][:2]
            helped = subprocess.run(
                [sys.executable, "-m", "shared.cli.ops", *command, "--help"], cwd=REPO, capture_output=True, text=True
            )
            assert helped.returncode == 0, f"{line}: {helped.stderr}"
            for flag in (w.split("=")[0] for w in words if w.startswith("--")):
                assert flag in helped.stdout, f"{line}: {flag} unknown"
    for recipe in ("bench",):
        for line in just("--dry-run", recipe).stderr.strip().splitlines():
            script = line.split()[3]
            assert (REPO / script).exists(), line

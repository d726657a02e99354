"""The dashboard's weight and the overview's first load in a real browser. Prints figures; asserts nothing.

Run: `uv run python bench/dashboard.py [--runs 5]` with a system up (`uv run tracker up --detach --demo`): it
builds deploy/dashboard (npm), reports the bundle (all assets, and what the overview loads first, raw and
gzip), then opens the overview N times in headless Chromium with a cold cache and reports the time until the
message count is on screen, first contentful paint and DOMContentLoaded (median and max).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "deploy" / "dashboard"
sys.path.insert(0, str(REPO))

from shared.runtime.state import read_state  # noqa: E402
from shared.settings import Settings  # noqa: E402


def kb(n: int) -> str:
    return f"{n / 1024:.1f} kB"


def sizes(dist: Path) -> None:
    assets = sorted((dist / "assets").iterdir())
    total = sum(p.stat().st_size for p in assets)
    total_gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in assets)
    index = (dist / "index.html").read_text()
    initial = [
        dist / m.removeprefix("/dashboard/") for m in re.findall(r'(?:src|href)="(/dashboard/assets/[^"]+)"', index)
    ]
    # The overview's chunk and every shared chunk it imports (statically, so they load before it renders).
    first = list(initial)
    todo = [p for p in assets if p.name.startswith("OverviewPage")]
    while todo:
        chunk = todo.pop()
        if chunk in first:
            continue
        first.append(chunk)
        todo += [dist / "assets" / name for name in re.findall(r'from"\./([^"]+\.js)"', chunk.read_text())]
    first_raw = sum(p.stat().st_size for p in first)
    first_gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in first)
    print(f"bundle: {len(assets)} files, {kb(total)} raw, {kb(total_gz)} gzip")
    print(f"overview's first load (entry, css, overview chunk + its imports): {kb(first_raw)} raw, {kb(first_gz)} gzip")
    # Each page is its own chunk, loaded when first opened: the biggest ones say what a page adds on top.
    pages = sorted((p for p in assets if p.suffix == ".js" and p not in initial), key=lambda p: -p.stat().st_size)
    print("largest page chunks: " + ", ".join(f"{p.name.split('-')[0]} {kb(p.stat().st_size)}" for p in pages[:4]))


def first_load(runs: int) -> None:
    settings = Settings.from_env()
    state = read_state(settings.data_dir)
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not state or chromium is None:
        print("first load: skipped (needs `tracker up --detach --demo` running and chromium installed)")
        return
    api = next(s["health"] for n, s in state["services"].items() if n.startswith(("api", "gateway"))).removesuffix(
        "/api/health"
    )
    token = (settings.data_dir / "api_token").read_text().strip()
    env = {
        **os.environ,
        "TT_BENCH_URL": api,
        "TT_BENCH_TOKEN": token,
        "CHROMIUM_PATH": chromium,
        "TT_BENCH_RUNS": str(runs),
    }
    out = subprocess.run(["node", "e2e/first-load.mjs"], cwd=APP, env=env, capture_output=True, text=True, check=True)
    results = json.loads(out.stdout.strip().splitlines()[-1])

    def line(name: str, key: str) -> None:
        values = [r[key] for r in results if r[key] is not None]
        print(f"  {name:<34} median {statistics.median(values):7.0f} ms   max {max(values):7.0f} ms")

    print(f"overview first load, cold cache, {runs} runs ({api}):")
    line("message count on screen", "figureMs")
    line("first contentful paint", "fcp")
    line("DOMContentLoaded", "domContentLoaded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        if not (APP / "node_modules").is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=APP, check=True)
        subprocess.run(["npm", "run", "build"], cwd=APP, check=True, capture_output=True)
    sizes(APP / "dist")
    first_load(args.runs)


if __name__ == "__main__":
    main()

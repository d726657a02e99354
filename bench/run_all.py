"""Run the latency, read-load and fan-out benches one after another and write bench/results.json.

Each figure is written with its target and its ratio to the raw baseline measured in the same run (the same
work without our services in the way), so runs on different machines compare. The README's table is made
from this file. Run: uv run python bench/run_all.py. Prints and writes figures; never asserts.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import platform
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(bench: str, figure: str, value: float, unit: str, target: str, raw: float | None) -> dict[str, Any]:
    return {
        "bench": bench,
        "figure": figure,
        "value": round(value, 2),
        "unit": unit,
        "target": target,
        "raw_baseline": None if raw is None else round(raw, 3),
        "ratio_to_raw": None if not raw else round(value / raw, 1),
    }


def main() -> None:
    rows: list[dict[str, Any]] = []
    load_before = os.getloadavg()  # the machine may be shared: the figures mean little without it
    latency = load("latency")
    f = asyncio.run(latency.measure(60))
    latency.report(f)
    rows += [
        row("latency.py", "webhook → message_scored frame p50", f["p50_ms"], "ms", "≤ 50 ms", f["raw_p50_ms"]),
        row("latency.py", "webhook → message_scored frame p95", f["p95_ms"], "ms", "", f["raw_p95_ms"]),
    ]
    load_bench = load("api_load")
    f = asyncio.run(load_bench.measure(5_000, 8.0))
    load_bench.report(f)
    rows += [
        row("api_load.py", "reads p50, idle (50 clients)", f["idle_p50_ms"], "ms", "", f["raw_p50_ms"]),
        row("api_load.py", "reads p95, idle (50 clients)", f["idle_p95_ms"], "ms", "", f["raw_p95_ms"]),
        row("api_load.py", "reads p50, during an import", f["import_p50_ms"], "ms", "", f["raw_p50_ms"]),
        row("api_load.py", "reads p95, during an import", f["import_p95_ms"], "ms", "≤ 100 ms", f["raw_p95_ms"]),
    ]
    fanout = load("ws_fanout")
    f = asyncio.run(fanout.measure(1000, 50))
    fanout.report(f, 1000)
    rows += [
        row("ws_fanout.py", "1,000 WebSocket clients: frame p50", f["p50_ms"], "ms", "", f["raw_p50_ms"]),
        row("ws_fanout.py", "1,000 WebSocket clients: frame p99", f["p99_ms"], "ms", "", f["raw_p99_ms"]),
        row("ws_fanout.py", "frames delivered", f["delivered"] * 100, "%", "100 %", None),
    ]
    out = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, shared with other work while measured",
        "load_average_1_5_15_min": {"before": list(load_before), "after": list(os.getloadavg())},
        "results": rows,
    }
    (HERE / "results.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {HERE / 'results.json'}")


if __name__ == "__main__":
    main()

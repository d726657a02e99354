"""No Grafana panel or alert queries a metric that no service exports: scraped from a real gateway and stage."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from shared.db import migrate
from shared.runtime.servers import free_port

from .conftest import REPO
from .test_prometheus import panel_queries

# Series Prometheus records itself for every scrape target, not exported by any service.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "unknown": ("",),
}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords, labels and durations removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', "", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name in KEYWORDS:
            continue
        names.add(name)
    return names


def test_metric_names_are_extracted_from_promql() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, service) (rate(tt_handler_duration_seconds_bucket{service!="x"}[5m])))'
        " / on() group_left scalar(max(tt_stream_last_seq)) - max by (projection) (tt_projection_last_seq) > 0.5"
    )
    assert metric_names(expr) == {"tt_handler_duration_seconds_bucket", "tt_stream_last_seq", "tt_projection_last_seq"}


def exported_series(metrics_text: str) -> set[str]:
    """Every series name a /metrics page can produce, including families that have no samples yet."""
    names = set()
    for family in text_string_to_metric_families(metrics_text):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


@contextlib.contextmanager
def service(args: list[str], env: dict[str, str], health_url: str, log: Path) -> Iterator[None]:
    """`tracker <args>` as its own process, as compose runs it; stopped with SIGTERM."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shared.cli.main", *args],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"`tracker {' '.join(args)}` exited {proc.returncode}:\n{log.read_text()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(health_url, timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"`tracker {' '.join(args)}` not healthy in 90 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def scraped(database_url: str, nats_url: str, subject_prefix: str, tmp_path: Path) -> set[str]:
    """Series names from the /metrics of a real gateway and a real scorer stage, each its own process."""
    migrate.apply(database_url)
    base_env = {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "TT_SUBJECT_PREFIX": subject_prefix,
        "TT_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "WARNING",
    }
    api_port, stage_port = free_port(), free_port()
    gateway_env = {**base_env, "API_HOST": "127.0.0.1", "API_PORT": str(api_port)}
    stage_env = {**base_env, "STAGE_HOST": "127.0.0.1", "STAGE_PORT": str(stage_port)}
    series: set[str] = set()
    with (
        service(["gateway"], gateway_env, f"http://127.0.0.1:{api_port}/api/health", tmp_path / "gateway.log"),
        service(["stage", "scorer"], stage_env, f"http://127.0.0.1:{stage_port}/health", tmp_path / "scorer.log"),
    ):
        for url in (f"http://127.0.0.1:{api_port}/metrics", f"http://127.0.0.1:{stage_port}/metrics"):
            response = httpx.get(url, timeout=5)
            assert response.status_code == 200
            series |= exported_series(response.text)
    return series


def alert_queries() -> list[tuple[str, str]]:
    rules = yaml.safe_load((REPO / "deploy/prometheus/rules.yml").read_text())
    return [(f"alert {r['alert']}", r["expr"]) for g in rules["groups"] for r in g["rules"]]


def test_every_panel_and_alert_queries_only_exported_metrics(scraped: set[str]) -> None:
    assert "faststream_received_processed_messages_total" in scraped, "the stage's FastStream metrics are missing"
    missing = {
        f"{where}: {name}"
        for where, expr in [*panel_queries(), *alert_queries()]
        for name in metric_names(expr)
        if name not in scraped and name not in PROMETHEUS_OWN
    }
    assert not missing, "queried but exported by no service:\n" + "\n".join(sorted(missing))


def test_dashboards_cover_the_operations_guide() -> None:
    queried = {name for _, expr in panel_queries() for name in metric_names(expr)}
    # throughput and lag per stage, DLQ, handler latency, WebSocket clients, ingestion jobs, signal ratio
    for needed in (
        "tt_events_consumed_total",
        "tt_consumer_pending",
        "tt_dlq_total",
        "tt_handler_duration_seconds_bucket",
        "tt_ws_clients",
        "tt_ingestion_jobs",
        "tt_messages_classified_total",
    ):
        assert needed in queried, needed

"""Prometheus config, alert rules and every Grafana panel query pass promtool's own checks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from .conftest import REPO, require_binary

PROMTOOL_HINT = "apt-get install -y --no-install-recommends prometheus (Debian ships promtool in it)"
PROMETHEUS = REPO / "deploy/prometheus"
# Grafana's own variables, replaced by what they stand for before Prometheus sees a query.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    binary = require_binary("promtool", PROMTOOL_HINT)
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, check=False)


def panel_queries() -> list[tuple[str, str]]:
    """(panel title, expression) for every query of every provisioned dashboard."""
    out = []
    for path in sorted((REPO / "deploy/grafana/dashboards").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                out.append((f"{path.name}: {panel['title']}", expr))
    return out


def test_prometheus_config_is_valid() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_are_valid_and_fire_on_the_series_they_describe() -> None:
    checked = promtool("check", "rules", "rules.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "rules.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_grafana_query_parses_as_promql(tmp_path: Path) -> None:
    queries = panel_queries()
    assert queries, "no dashboard queries found"
    # promtool parses the expression of every recording rule, so each panel query becomes one.
    rules = {
        "groups": [
            {
                "name": "grafana-panels",
                "rules": [{"record": f"panel:query_{i}", "expr": expr} for i, (_, expr) in enumerate(queries)],
            }
        ]
    }
    (tmp_path / "panels.yml").write_text(yaml.safe_dump(rules))
    result = promtool("check", "rules", "panels.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_provisioning_points_at_the_provisioned_datasource() -> None:
    datasources = yaml.safe_load((REPO / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uids = {d["uid"] for d in datasources["datasources"]}
    for path in (REPO / "deploy/grafana/dashboards").glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] in uids, panel["title"]
    provider = yaml.safe_load((REPO / "deploy/grafana/provisioning/dashboards/task-tracker.yml").read_text())
    # compose mounts deploy/grafana/dashboards at the provider's path
    assert provider["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"

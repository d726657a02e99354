"""compose.yml and the Kubernetes manifests validate against their schemas and follow the operations guide."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import REPO, require_module

COMPOSE_FILES = [REPO / "compose.yml", REPO / "deploy/compose.dev.yml"]
K8S_FILES = sorted((REPO / "deploy/k8s").glob("*.yaml"))
K8S_VERSION = "1.30.0"
# SPEC §9: CPU / memory limits.
LIMITS = {
    "postgres": ("2", "2G"),
    "nats": ("0.5", "512M"),
    "ingest": ("2", "2G"),
    "scorer": ("2", "2G"),
    "embedder": ("2", "2G"),
    "extractor": ("2", "2G"),
    "api": ("1", "1G"),
    "dashboard": ("0.5", "512M"),
    "nginx": ("0.5", "256M"),
}
STAGES = ("ingest", "scorer", "embedder", "extractor")


def tool(module: str, script: str) -> list[str]:
    """A validator's console script from this environment (installed beside the interpreter)."""
    path = Path(sys.executable).parent / script
    return [str(path)] if path.exists() else [sys.executable, "-m", module]


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "compose.yml").read_text())


def test_compose_files_match_the_compose_spec_schema() -> None:
    require_module("check_jsonschema", "uv add --dev check-jsonschema")
    # The compose-spec schema ships inside check-jsonschema (vendor.compose-spec): no network needed.
    result = subprocess.run(
        [
            *tool("check_jsonschema", "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            *map(str, COMPOSE_FILES),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_follows_the_operations_guide() -> None:
    services = compose()["services"]
    for name, svc in services.items():
        assert svc["container_name"] == f"task-tracker-{name}"
        if name != "migrate":
            assert "healthcheck" in svc and not svc["healthcheck"].get("disable"), f"{name} has no health check"
    for name, (cpus, memory) in LIMITS.items():
        assert services[name]["deploy"]["resources"]["limits"] == {"cpus": cpus, "memory": memory}, name
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg16")
    assert services["postgres"]["ports"] == ["${POSTGRES_HOST_PORT:-5555}:5432"]
    for stage in STAGES:
        health = " ".join(services[stage]["healthcheck"]["test"])
        assert "HEALTH_URL" in health and services[stage]["environment"]["HEALTH_URL"].endswith("/health")
        assert "pgrep" not in health
    # Start order: infrastructure healthy → migrations done → stages + api → dashboard → nginx.
    for app in (*STAGES, "api"):
        deps = services[app]["depends_on"]
        assert deps["postgres"]["condition"] == deps["nats"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert services["dashboard"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert {"api", "dashboard"} <= set(services["nginx"]["depends_on"])
    assert services["nginx"]["ports"] == ["${HTTP_PORT:-80}:80", "${HTTPS_PORT:-443}:443"]
    # NATS monitoring is published to the host only by the dev override.
    assert "ports" not in services["nats"]
    dev = yaml.safe_load((REPO / "deploy/compose.dev.yml").read_text())
    assert "8222:8222" in dev["services"]["nats"]["ports"]
    assert {s for s, v in services.items() if v.get("profiles") == ["monitoring"]} == {"prometheus", "grafana"}


def test_nats_configs_fsync_every_write() -> None:
    assert re.search(r"^\s*sync_interval:\s*always", (REPO / "deploy/nats/nats.conf").read_text(), re.M)
    nats_k8s = next(yaml.safe_load_all((REPO / "deploy/k8s/nats.yaml").read_text()))
    assert re.search(r"^\s*sync_interval:\s*always", nats_k8s["data"]["nats.conf"], re.M)


def test_compose_mounts_and_builds_only_files_that_exist() -> None:
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
        if "build" in svc:
            assert (REPO / svc["build"]["dockerfile"]).exists()


def test_kubernetes_manifests_match_the_kubernetes_schemas(tmp_path: Path) -> None:
    require_module("kubernetes_validate", "uv add --dev kubernetes-validate")
    files = [str(p) for p in K8S_FILES if p.name != "kustomization.yaml"]
    kubectl = shutil.which("kubectl")
    if kubectl:  # also validate what `kubectl apply -k` would send, namespace and labels applied
        built = subprocess.run([kubectl, "kustomize", str(REPO / "deploy/k8s")], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        (tmp_path / "built.yaml").write_text(built.stdout)
        files.append(str(tmp_path / "built.yaml"))
    result = subprocess.run(
        [*tool("kubernetes_validate", "kubernetes-validate"), "--strict", "-k", K8S_VERSION, *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr


def _k8s_objects() -> list[dict[str, Any]]:
    return [doc for path in K8S_FILES for doc in yaml.safe_load_all(path.read_text()) if doc and "metadata" in doc]


def test_kubernetes_scale_out_shape() -> None:
    objects = {(o["kind"], o["metadata"]["name"]): o for o in _k8s_objects()}
    nats = objects[("StatefulSet", "nats")]
    assert nats["spec"]["replicas"] == 3
    assert objects[("ConfigMap", "task-tracker-config")]["data"]["TT_STREAM_REPLICAS"] == "3"
    for name in (*STAGES, "gateway", "projector"):
        deployment = objects[("Deployment", name)]
        pod = deployment["spec"]["template"]
        assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
        (container,) = pod["spec"]["containers"]
        assert {"livenessProbe", "readinessProbe", "resources"} <= set(container)
        assert container["resources"]["limits"] and container["resources"]["requests"]
    for stage in STAGES:
        assert objects[("Deployment", stage)]["spec"]["replicas"] >= 2
    # The split: stateless API replicas, and a projector with a standby.
    assert objects[("Deployment", "gateway")]["spec"]["template"]["spec"]["containers"][0]["args"] == ["api"]
    assert objects[("Deployment", "gateway")]["spec"]["replicas"] >= 2
    assert objects[("Deployment", "projector")]["spec"]["template"]["spec"]["containers"][0]["args"] == ["projector"]
    assert objects[("Deployment", "projector")]["spec"]["replicas"] == 2
    ingress = objects[("Ingress", "gateway")]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "86400"
    assert {p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]} == {"/api", "/ws"}
    kustomization = yaml.safe_load((REPO / "deploy/k8s/kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (REPO / "deploy/k8s" / resource).exists()


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.M))
    read = set(re.findall(r'_env\("([A-Z0-9_]+)"', (REPO / "shared/settings.py").read_text()))
    read |= set(re.findall(r'ENV_VAR = "([A-Z0-9_]+)"', (REPO / "shared/crypto.py").read_text()))
    compose_vars = set(re.findall(r"\$\{([A-Z0-9_]+)", (REPO / "compose.yml").read_text()))
    missing = (read | compose_vars) - documented
    if missing:
        pytest.fail(f".env.example does not document: {', '.join(sorted(missing))}")


def test_dockerfile_is_multi_stage_non_root_with_health_check() -> None:
    lines = [
        line.strip()
        for line in (REPO / "deploy/Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) >= 2 and any("pip install" in line and "uv" in line for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    assert 'ENTRYPOINT ["tracker"]' in lines
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), f"Dockerfile copies missing {source}"


def test_compose_runs_the_split_shape() -> None:
    services = compose()["services"]
    assert services["api"]["command"] == ["api"]
    assert services["projector"]["command"] == services["projector-standby"]["command"] == ["projector"]
    for name in ("projector", "projector-standby"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "projector=http://projector:8105" in services["api"]["environment"]["TT_STAGE_URLS"]

"""deploy/ is valid without a Docker engine or a cluster: the compose file against the
compose-spec schema, the k8s manifests against Kubernetes' own schemas (strict), and the
hardening the security model promises is present in every container."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_compose_file_matches_the_compose_spec() -> None:
    out = run(
        str(BIN / "check-jsonschema"),
        "--builtin-schema",
        "vendor.compose-spec",
        str(DEPLOY / "compose.yaml"),
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_k8s_manifests_match_kubernetes_schemas() -> None:
    out = run(str(BIN / "kubernetes-validate"), "--strict", str(DEPLOY / "k8s/bounceflow.yaml"))
    assert out.returncode == 0, out.stdout + out.stderr


def test_k8s_validation_catches_a_broken_manifest(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "k8s/bounceflow.yaml").read_text()))
    docs[2]["spec"]["replicas"] = "two"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump_all(docs))
    assert run(str(BIN / "kubernetes-validate"), "--strict", str(broken)).returncode != 0


def containers() -> list[tuple[str, dict[str, object]]]:
    out = []
    for doc in yaml.safe_load_all((DEPLOY / "k8s/bounceflow.yaml").read_text()):
        spec = doc.get("spec", {}).get("template", {}).get("spec")
        for c in (spec or {}).get("containers", []):
            out.append((f"{doc['metadata']['name']}/{c['name']}", c))
    return out


@pytest.mark.parametrize(("name", "container"), containers())
def test_every_container_is_hardened_and_pinned(name: str, container: dict[str, object]) -> None:
    context = container["securityContext"]
    assert isinstance(context, dict), name
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    image = str(container["image"])
    assert ":" in image, image
    assert not image.endswith(":latest"), image

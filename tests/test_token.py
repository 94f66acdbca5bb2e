"""The Ray auth token (issue 12): Pulumi generates it (pulumi-random), keeps it secret in state, hands
it to KubeRay through authOptions.secretName in a Secret with the key KubeRay reads (`auth_token`,
raycluster_types.go AuthOptions, v1.7.0), and exports it as a secret output. Its value never
appears in plain text: not in the plan JSON, the rendered YAML, the logs or the test output."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, project, run_stack
from raystack import testing
from raystack.preview import cli
from raystack.testing import mocks
from support import HAVE_CRDS, NO_CRDS


@pytest.fixture
def captured_secrets(monkeypatch):
    """The raw inputs of every Secret the program registers (what the provider would receive)."""
    seen: dict[str, dict] = {}

    def capture(name, inputs):
        seen[name] = inputs
        return {}
    monkeypatch.setitem(mocks.COMPUTED_OUTPUTS, "kubernetes:core/v1:Secret", capture)
    return seen


def test_each_cluster_reads_its_token_from_a_secret_pulumi_generated(captured_secrets):
    rec = testing.run_stack(project().root, "serving")
    passwords = {r.name: r for r in rec.of_type("random:index/randomPassword:RandomPassword")}
    secrets = {r.inputs["metadata"]["name"]: r for r in rec.of_type("kubernetes:core/v1:Secret")}
    specs = [(r, r.inputs["spec"]) for r in rec.of_type("kubernetes:ray.io/v1:RayCluster")]
    specs += [(r, r.inputs["spec"]["rayClusterSpec"]) for r in rec.of_type("kubernetes:ray.io/v1:RayJob")]
    specs += [(r, r.inputs["spec"]["rayClusterConfig"]) for r in rec.of_type("kubernetes:ray.io/v1:RayService")]
    assert len(specs) == 3
    for r, spec in specs:
        name = spec["authOptions"]["secretName"]
        assert spec["authOptions"]["mode"] == "token", r.urn
        secret = secrets[name]
        assert secret.urn in r.dependencies, f"{r.urn} must wait for its token Secret"
        assert secret.inputs["stringData"] == testing.SECRET_PLACEHOLDER, "the token is a secret in state"
        raw = captured_secrets[secret.name]["stringData"]
        raw = raw.get("value", raw)  # the engine's wrapper of a secret value
        password = passwords[secret.name]
        assert raw == {"auth_token": mocks.mock_password(password.name)}, secret.urn
    assert rec.outputs["ray_auth_tokens"] == testing.SECRET_PLACEHOLDER


def _tokens(rec) -> list[str]:
    return [mocks.mock_password(r.name) for r in rec.of_type("random:index/randomPassword:RandomPassword")]


@pytest.mark.skipif(not HAVE_CRDS, reason=NO_CRDS)
def test_the_token_never_appears_in_plan_json_rendered_yaml_or_logs(tmp_path, capsys):
    rec = run_stack("serving")
    tokens = _tokens(rec)
    assert len(tokens) == 4, "three Ray clusters' tokens and the GCS Redis AUTH token"
    out_dir = tmp_path / "out"
    rc = cli.main(["plan", "--project-dir", str(ROOT), "--stack", "serving", "--format", "json",
                   "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    json.loads(out)
    texts = [out, err, json.dumps([r.to_json() for r in rec.resources]), json.dumps(rec.outputs),
             json.dumps(rec.logs)] + [p.read_text() for p in out_dir.glob("*.yaml")]
    for token in tokens:
        assert not any(token in t for t in texts), "a Ray token leaked"
    assert not any(p.name.startswith("secret.") for p in out_dir.glob("*.yaml")), "Secrets are not rendered"
    assert "ray-token" in err and "out of band" in err, "--out says which Secret to create"


def test_an_existing_operator_is_warned_to_read_the_token_secret():
    """authOptions.secretName appeared in KubeRay v1.6.0 (raycluster_types.go): an older operator's
    CRD drops it and the operator makes a token of its own."""
    from raystack import resolve

    platform = resolve({"clusterName": "team", "clusterMode": "existing", "kubeconfig": "~/.kube/config",
                        "clusterAutoscaler": False, "kuberay": {"install": False},
                        "existingPools": [{"name": "cpu", "nodeSelector": {"role": "cpu"},
                                           "instanceType": "m7i.2xlarge", "maxNodes": 2}],
                        "rayClusters": [{"name": "rc", "head": {"pool": "cpu"},
                                         "workerGroups": [{"name": "w", "pool": "cpu", "maxWorkers": 1}]}]})
    (w,) = [w for w in platform.warnings if w.key == "raystack:kuberay.install"]
    assert "1.6.0" in w.message and "secretName" in w.message

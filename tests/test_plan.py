"""`raystack plan`: text and JSON output, cost, --out/--graph, validation, exit codes.

The program runs in-process under the mock engine (cli.main with argv), so the
file stays fast; one test goes through the installed console script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from raystack import testing, versions
from raystack.hardware import catalog
from raystack.preview import cli
from raystack.preview import report as plan
from raystack.preview.checks.crd_schema import load_raycluster_schema
from raystack.preview.objects import RAYCLUSTER_TYPE
from raystack.rules.kube_objects import kubernetes_schema_version
from support import CRD_DIR as CRDS
from support import HAVE_CRDS, NO_CRDS, ROOT, project_copy

needs_shared = pytest.mark.skipif(not HAVE_CRDS, reason=NO_CRDS)

#: libyaml where built (the rendered CRDs are large); the same documents either way.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RAYSTACK_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "raystack-cache"))
    monkeypatch.setenv("RAYSTACK_OFFLINE", "1")  # never download in tests


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(["plan", "--project-dir", str(ROOT), *args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def dev_json() -> dict:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(["plan", "--project-dir", str(ROOT), "--stack", "dev", "--format", "json"])
    assert rc == 0, err.getvalue()
    return json.loads(out.getvalue())


def recorded(stack: str) -> testing.Recording:
    return testing.run_stack(ROOT, stack)


def test_import_is_cheap():
    code = "import sys, raystack.preview.cli; print(sorted(m for m in ('pulumi', 'rich', 'ray', 'jsonschema') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@needs_shared
def test_dev_plan_text(capsys):
    rc, out, err = run_cli(capsys, "--stack", "dev")
    assert rc == 0, err
    for text in ("pulumi:pulumi:Stack", "raystack:index:RayPlatform", "kubernetes:ray.io/v1:RayCluster",
                 "Node pools", "l4-spot", "g6.xlarge", "Ray clusters", "Cost", "valid"):
        assert text in out
    # The dev stack's explicit loosening is reported, as a warning naming the key.
    assert "warning: stack dev: raystack:publicAccessCidrs[0]" in err
    assert "error:" not in err


def test_summary_prints_the_tables_and_findings_not_every_resource(capsys):
    """Issue 25 (output): `--summary` leaves out the resource tree; the tables, cost and findings stay."""
    rc, out, err = run_cli(capsys, "--stack", "dev", "--summary", "--no-ray")
    assert rc == 0, err
    assert "kubernetes:ray.io/v1:RayCluster" not in out and "aws:eks/nodeGroup" not in out, out
    for text in ("resources (mock engine", "l4-spot", "Cost", "valid", "Idle /month", "a month is 730 hours"):
        assert text in out, out  # monthly figures beside hourly ones (issue 25)
    assert "warning: stack dev: raystack:publicAccessCidrs[0]" in err


@needs_shared
def test_json_lists_exactly_the_recorded_resources(dev_json):
    rec = recorded("dev")
    assert dev_json["stack"] == "dev"
    urns = [r["urn"] for r in dev_json["resources"]]
    assert sorted(urns) == sorted(r.urn for r in rec.resources) and len(set(urns)) == len(urns)
    by_urn = {r.urn: r for r in rec.resources}
    for r in dev_json["resources"]:
        src = by_urn[r["urn"]]
        assert (r["type"], r["name"], r["parent"], r["dependencies"]) == (
            src.type, src.name, src.parent or None, src.dependencies)
        assert r["inputs"] == testing.restore_ints(src.inputs)
    assert all(f["severity"] != "error" for f in dev_json["validation"])
    assert set(dev_json["checks"]) == {"crd-schema", "kubernetes-schema", "ray-parser", "policy"}


@needs_shared
def test_cost_matches_catalog(dev_json, capsys):
    from raystack.preview.cost import volume_usd_per_hour

    # Each node with its gp3 image volume (dev: 200 GiB on the L4 pool, 100 on the system pool, at $0.08/GB-month).
    g6 = catalog.lookup("g6.xlarge").price_usd_hour + volume_usd_per_hour(200)
    assert volume_usd_per_hour(200) == pytest.approx(200 * 0.08 / 730, rel=1e-4)
    assert dev_json["cost"]["idleUsdPerHour"] == 0
    assert dev_json["cost"]["maxUsdPerHour"] == pytest.approx(2 * g6, abs=1e-4)
    m7i = catalog.lookup("m7i.xlarge").price_usd_hour + volume_usd_per_hour(100)
    # The control plane, two system nodes, and dev's one NAT gateway (Amazon VPC pricing, us-east-1).
    assert dev_json["cost"]["baselineUsdPerHour"] == pytest.approx(0.10 + 2 * m7i + 0.045, abs=1e-4)
    rc, out, err = run_cli(capsys, "--stack", "prod", "--format", "json")
    assert rc == 0, err
    prod = json.loads(out)["cost"]
    volume = next(p["volumeUsdPerHour"] for p in prod["pools"] if p["pool"] == "l40s-x4")
    g6e = catalog.lookup("g6e.12xlarge").price_usd_hour + volume
    assert prod["idleUsdPerHour"] == pytest.approx(1 * g6e, abs=1e-4)
    assert prod["maxUsdPerHour"] == pytest.approx(4 * g6e, abs=1e-4)


@needs_shared
def test_out_passes_crd_schema_and_kubernetes_validate(tmp_path, capsys):
    import jsonschema
    import kubernetes_validate

    out_dir = tmp_path / "out"
    rc, _, err = run_cli(capsys, "--stack", "staging", "--out", str(out_dir), "--crd-dir", str(CRDS))
    assert rc == 0, err
    crd = yaml.load((CRDS / "ray.io_rayclusters.yaml").read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schema = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")["schema"]["openAPIV3Schema"]
    docs = {p.name: yaml.load(p.read_text(), Loader=LOADER) for p in sorted(out_dir.glob("*.yaml"))}
    kinds = sorted({d["kind"] for d in docs.values()})
    # staging installs kube-prometheus-stack (observability): its monitors and Ray's dashboards go with it.
    assert kinds == ["Application", "ConfigMap", "Namespace", "NetworkPolicy", "PodMonitor", "RayCluster"]
    for name, doc in docs.items():
        assert "[secret]" not in json.dumps(doc), name
        if doc["kind"] == "RayCluster":
            jsonschema.Draft7Validator(schema).validate(doc)
        elif doc["kind"] not in ("Application", "PodMonitor"):  # PodMonitors: test_observability.py
            kubernetes_validate.validate(doc, kubernetes_schema_version(versions.EKS_VERSION),
                                         strict=True)
    apps = {d["metadata"]["name"]: d for d in docs.values() if d["kind"] == "Application"}
    op = apps["staging-kuberay-operator"]["spec"]["source"]
    assert (op["chart"], op["targetRevision"], op["repoURL"]) == ("kuberay-operator", "1.7.0",
                                                                  versions.KUBERAY_CHART_REPO)
    assert op["helm"]["skipCrds"] is True
    prom = apps["staging-kube-prometheus-stack"]["spec"]["source"]
    assert (prom["chart"], prom["targetRevision"]) == ("kube-prometheus-stack", versions.KUBE_PROMETHEUS_STACK.version)
    crds = apps["staging-kuberay-crds"]["spec"]
    assert crds["source"] == {"repoURL": "https://github.com/ray-project/kuberay",
                              "path": "ray-operator/config/crd/bases", "targetRevision": "v1.7.0"}
    assert {"ServerSideApply=true", "Replace=true"} <= set(crds["syncPolicy"]["syncOptions"])

    def wave(d):
        return int(d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
    rc_wave = wave(docs["raycluster.ray.batch.yaml"])
    assert wave(apps["staging-kuberay-crds"]) < wave(apps["staging-kuberay-operator"]) < rc_wave


@needs_shared
def test_graph_is_mermaid(tmp_path, capsys):
    g = tmp_path / "graph.mmd"
    rc, _, err = run_cli(capsys, "--stack", "dev", "--graph", str(g), "--no-ray")
    assert rc == 0, err
    text = g.read_text()
    assert text.split(None, 1)[0] in ("graph", "flowchart")
    assert "kubernetes:ray.io/v1:RayCluster" in text and "-->" in text
    assert "warning: RayCluster: spec: Ray autoscaler parser check SKIPPED" in err


_project_copy = project_copy


def test_bad_config_exits_1_naming_the_key(tmp_path, capsys):
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.dev.yaml"
    f.write_text(f.read_text().replace("instanceType: g6.xlarge", "instanceType: g6.huge"))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "dev"])
    _, err = capsys.readouterr()
    assert rc == 1
    assert "error: stack dev: raystack:gpuPools[0].instanceType:" in err and "g6.huge" in err
    assert "Traceback" not in err


def test_config_error_raised_by_the_program_exits_1(tmp_path, capsys):
    proj = _project_copy(tmp_path)
    (proj / "infra" / "__main__.py").write_text(
        "from raystack import ConfigError, Finding\n"
        "raise ConfigError([Finding('raystack:rayClusters[0].cpu', 99, 'too many')])\n")
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "dev"])
    _, err = capsys.readouterr()
    assert rc == 1
    assert "raystack:rayClusters[0].cpu" in err and "Traceback" not in err


def test_usage_errors_exit_2(capsys):
    assert cli.main(["plan", "--project-dir", str(ROOT), "--stack", "nope"]) == 2
    assert "unknown stack 'nope'" in capsys.readouterr().err
    assert cli.main(["plan", "--format", "xml"]) == 2
    assert cli.main(["plan", "--project-dir", str(ROOT / "tests")]) == 2
    assert cli.main(["plan", "--project-dir", str(ROOT), "--crd-dir", str(ROOT)]) == 2
    assert cli.main(["plan", "--project-dir", str(ROOT), "--out", str(ROOT / "README.md")]) == 2  # a file


@needs_shared
def test_validation_findings_name_resource_and_field():
    rec = recorded("dev")
    p = testing.load_project(ROOT)
    platform, _ = plan.resolve(testing.load_stack_config(p, "dev"), "dev")
    rc = rec.of_type(RAYCLUSTER_TYPE)[0]
    group = rc.inputs["spec"]["workerGroupSpecs"][0]
    group["resources"] = {"GPU": "2"}  # Ray would believe 2 GPUs per worker on a 1-GPU pod
    group["maxReplica"] = 3  # typo: pruned by the API server
    np = rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")[0]
    np.inputs["spec"]["podSelectr"] = {}
    report = plan.build_report(rec, platform, project=p.name, stack="dev", project_dir=ROOT, crd_dir=CRDS)
    lines = [f.line() for f in report.findings if f.severity == "error"]
    assert not report.ok
    # A Ray object the config declares is named by its key (newcomer review P10); other objects by URN.
    at = "error: raystack:rayClusters[0]: "
    assert any(ln.startswith(at) and "spec.workerGroupSpecs[0].maxReplica: unknown field" in ln for ln in lines)
    assert any(np.urn in ln and "spec.podSelectr" in ln for ln in lines)
    assert any(ln.startswith(at) and "spec.workerGroupSpecs[0].resources" in ln and "GPU=2" in ln for ln in lines)


def test_offline_without_crds_warns_instead_of_passing(tmp_path, monkeypatch):
    monkeypatch.delenv("RAYSTACK_KUBERAY_CRD_DIR", raising=False)
    monkeypatch.setenv("RAYSTACK_OFFLINE", "1")
    schema, _, findings = load_raycluster_schema(None, tmp_path / "nowhere" / "proj")
    assert schema is None
    assert findings and findings[0].severity == "warning" and "SKIPPED" in findings[0].message


@needs_shared
def test_the_plan_reads_the_crds_from_raystack_kuberay_crd_dir(tmp_path, monkeypatch):
    """Newcomer review P11: the directory `pulumi up` reads the CRDs from serves the plan's check too."""
    monkeypatch.setenv("RAYSTACK_KUBERAY_CRD_DIR", str(CRDS))
    monkeypatch.setenv("RAYSTACK_OFFLINE", "1")
    schema, where, findings = load_raycluster_schema(None, tmp_path / "nowhere" / "proj")
    assert schema is not None and where == str(CRDS / "ray.io_rayclusters.yaml") and not findings, where


@needs_shared
def test_console_script(tmp_path):
    exe = shutil.which("raystack") or str(Path(sys.executable).parent / "raystack")
    if not Path(exe).exists():
        pytest.skip("raystack console script not installed (pip install -e .)")
    # As a user runs it: the checks in their child process (the suite runs its many plans' checks in-process).
    env = {k: v for k, v in os.environ.items() if k != "RAYSTACK_PLAN_CHECKS_IN_PROCESS"}
    res = subprocess.run([exe, "plan", "--stack", "dev", "--format", "json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    assert "ray-parser" in json.loads(res.stdout)["checks"], res.stderr
    assert len(json.loads(res.stdout)["resources"]) == len(recorded("dev").resources)


@pytest.mark.parametrize(("old", "new", "key", "fragment"), [
    ("raystack:rayClusters:", "raystack:rayCluster:", "raystack:rayCluster", "did you mean 'rayClusters'"),
    ("instanceType: g6.xlarge", "instanceType: g6.xlarg", "raystack:gpuPools[0].instanceType",
     "did you mean 'g6.xlarge'"),
    ("capacityType: SPOT", "capacityType: spot", "raystack:gpuPools[0].capacityType", "did you mean 'SPOT'"),
])
def test_bad_stack_exits_1_with_the_same_messages_in_text_and_json(tmp_path, capsys, old, new, key, fragment):
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.dev.yaml"
    f.write_text(f.read_text().replace(old, new))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "dev"])
    _, err = capsys.readouterr()
    assert rc == 1 and f"error: stack dev: {key}:" in err and fragment in err, err
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "dev", "--format", "json"])
    out, err_json = capsys.readouterr()
    doc = json.loads(out)
    assert rc == 1 and doc["valid"] is False and doc["resources"] == []
    (finding,) = [v for v in doc["validation"] if v["field"] == key]
    assert finding["severity"] == "error" and fragment in finding["message"], finding
    assert err_json == err, "text and JSON runs report the same findings"


def test_cost_is_unknown_rather_than_guessed_for_another_region(tmp_path, capsys):
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.dev.yaml"
    f.write_text(f.read_text().replace("aws:region: us-east-1", "aws:region: eu-west-1"))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "dev", "--format", "json", "--no-ray"])
    out, err = capsys.readouterr()
    cost = json.loads(out)["cost"]
    assert cost["maxUsdPerHour"] is None and "eu-west-1" in cost["notes"], cost
    assert "no catalog prices for eu-west-1" in err and rc == 0


_UNEDITED_PLANS: dict[str, str] = {}


def _compare_after_edit(tmp_path: Path, capsys, stack: str, old: str, new: str) -> str:
    """Plan a copy of the project, apply one text edit to the stack file, plan again with
    --compare against the first plan; the second run's stderr."""
    proj = _project_copy(tmp_path)
    if stack not in _UNEDITED_PLANS:  # the same for every edit of the stack: planned once per session
        rc = cli.main(["plan", "--project-dir", str(proj), "--stack", stack, "--format", "json", "--no-ray"])
        _UNEDITED_PLANS[stack], _ = capsys.readouterr()
        assert rc == 0
    (tmp_path / "before.json").write_text(_UNEDITED_PLANS[stack])
    f = proj / "stacks" / f"Pulumi.{stack}.yaml"
    assert old in f.read_text()
    f.write_text(f.read_text().replace(old, new))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", stack, "--no-ray",
                   "--compare", str(tmp_path / "before.json")])
    _, err = capsys.readouterr()
    assert rc == 0, err
    return err


@pytest.mark.parametrize(("edit", "recreates"), [
    (("idleTimeoutSeconds: 120", "idleTimeoutSeconds: 300"), True),   # a cluster-wide autoscaler option
    (("minWorkers: 0", "minWorkers: 1"), False),                        # replicas/min/max: scaling only
])
def test_compare_flags_edits_that_recreate_every_pod(tmp_path, capsys, edit, recreates):
    err = _compare_after_edit(tmp_path, capsys, "dev", *edit)
    flagged = [ln for ln in err.splitlines() if "recreates every pod" in ln]
    assert bool(flagged) == recreates, err
    if recreates:
        assert "spec.autoscalerOptions.idleTimeoutSeconds" in flagged[0], flagged


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"raystack {versions_of_package()}"


def versions_of_package() -> str:
    from importlib import metadata

    return metadata.version("pulumi-raystack")


def test_network_policy_exceptions_are_shown(tmp_path, capsys):
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.dev.yaml"
    f.write_text(f.read_text().replace("      idleTimeoutSeconds: 120\n", "      idleTimeoutSeconds: 120\n"
                                       "      allowFrom:\n        - namespaces: [monitoring]\n          ports: [8080]\n"))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "dev", "--no-ray"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "NetworkPolicy exception: ray/dev: ports 8080 from monitoring/*" in out


def test_the_plan_shows_each_groups_image_and_node_platform(capsys):
    rc, out, err = run_cli(capsys, "--stack", "workloads", "--format", "json", "--no-ray")
    assert rc == 0, err
    rows = {r["group"]: r for r in json.loads(out)["rayClusters"]}
    assert rows["l40s"]["image"] == "registry.example.com/ml/finetune:2.55.0-py311-gpu"
    assert rows["l40s"]["node"] == "al2023/x86_64" and rows["head"]["node"] == "al2023/x86_64"


@needs_shared
def test_the_plan_lists_jobs_and_services_and_checks_each_against_its_crd(capsys):
    rc, out, err = run_cli(capsys, "--stack", "serving", "--format", "json", "--crd-dir", str(CRDS))
    assert rc == 0, err
    doc = json.loads(out)
    rows = {w["name"]: w for w in doc["rayWorkloads"]}
    assert [rows[n]["kind"] for n in ("batch-embed", "llm", "nightly-eval")] == ["RayJob", "RayService", "RayCronJob"]
    # One L4 node kept warm, up to four: $0.80 idle (g6.xlarge, catalog) and its gp3 image volume, as the
    # pool totals count it; four times that at most.
    from raystack.model.resolve import resolve
    from raystack.preview.cost import volume_usd_per_hour
    from support import stack_spec
    (pool,) = [p for p in resolve(stack_spec("serving"), stack="serving", region="us-east-1").node_pools if p.name == "l4-serve"]
    node = catalog.lookup("g6.xlarge").price_usd_hour + volume_usd_per_hour(pool.disk_size_gib)
    assert rows["llm"]["clusterIdleUsdPerHour"] == pytest.approx(node, abs=1e-4)
    assert rows["llm"]["clusterMaxUsdPerHour"] == pytest.approx(4 * node, abs=1e-4)
    assert rows["nightly-eval"]["runsOn"] == "RayCluster eval (shared)"
    _follows_the_plan_schema(doc)
    for kind in ("RayJob", "RayService", "RayCronJob"):
        assert "against the KubeRay 1.7.0 CRD" in doc["checks"][f"crd-schema-{kind}"]
    assert "3 RayCluster(s) through Ray's autoscaler parser" in doc["checks"]["ray-parser"]
    assert not [v for v in doc["validation"] if "no Kubernetes" in v["message"]], "ray.io kinds go to their CRDs"
    names = {c["cluster"] for c in doc["rayClusters"]}
    assert {"eval", "llm", "batch-embed"} <= names, "the clusters jobs and services create are listed too"


@needs_shared
def test_a_planted_violation_in_a_rayjob_is_reported():
    rec = recorded("serving")
    p = testing.load_project(ROOT)
    platform, _ = plan.resolve(testing.load_stack_config(p, "serving"), "serving")
    (job,) = rec.of_type("kubernetes:ray.io/v1:RayJob")
    job.inputs["spec"]["entrypiont"] = "python x.py"  # a typo the API server would prune
    job.inputs["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["resources"] = {"GPU": "2"}
    report = plan.build_report(rec, platform, project=p.name, stack="serving", project_dir=ROOT, crd_dir=CRDS)
    lines = [f.line() for f in report.findings if f.severity == "error"]
    at = "error: raystack:rayJobs[0]: "  # the key that declares the job, not its URN
    assert any(ln.startswith(at) and "spec.entrypiont: unknown field" in ln for ln in lines), lines
    assert any(ln.startswith(at) and "GPU=2" in ln for ln in lines), lines


def test_out_owns_its_directory_prunes_a_removed_clusters_files_and_ignores_autoscaler_replicas(tmp_path, capsys):
    """Issue 13: `--out` run twice removes what a deleted cluster left (Argo CD would keep deploying
    it), leaves files it did not write alone, and every rendered object is deployed by an
    Application whose RayClusters ignore the replicas the Ray autoscaler owns."""
    proj = _project_copy(tmp_path)
    out = tmp_path / "gitops" / "serving"
    out.mkdir(parents=True)
    (out / "README.md").write_text("the team's own notes\n")
    args = ["plan", "--project-dir", str(proj), "--stack", "serving", "--out", str(out),
            "--repo-url", "https://git.example.com/ml/platform.git", "--repo-path", "gitops/serving"]
    rc = cli.main(args)
    _, err = capsys.readouterr()
    assert rc == 0, err
    first = {p.name for p in out.iterdir()}
    assert {"raycluster.ml.eval.yaml", "rayservice.serving.llm.yaml", "README.md"} <= first
    docs = {p.name: yaml.load(p.read_text(), Loader=LOADER) for p in out.glob("*.yaml")}
    apps = {d["metadata"]["name"]: d for d in docs.values() if d["kind"] == "Application"}
    included = set()
    for app in apps.values():
        include = app["spec"]["source"].get("directory", {}).get("include")
        if include:
            assert app["spec"]["source"]["repoURL"] == "https://git.example.com/ml/platform.git"
            included |= set(include.strip("{}").split(","))
    objects = {n for n, d in docs.items() if d["kind"] != "Application"}
    assert objects == included, f"not deployed by any Application: {objects - included}"
    ray_app = apps["serving-ray"]["spec"]
    assert {"group": "ray.io", "kind": "RayCluster",
            "jqPathExpressions": [".spec.workerGroupSpecs[].replicas", ".spec.workerGroupSpecs[].scaleStrategy"]} \
        in ray_app["ignoreDifferences"]
    assert "RespectIgnoreDifferences=true" in ray_app["syncPolicy"]["syncOptions"]
    # K8s N8: a RayJob edit must re-run it, as Pulumi replaces it; unchanged jobs are left alone.
    assert "ApplyOutOfSyncOnly=true" in ray_app["syncPolicy"]["syncOptions"]
    jobs = [d for d in docs.values() if d["kind"] == "RayJob"]
    assert jobs and all(set(d["metadata"]["annotations"]["argocd.argoproj.io/sync-options"].split(",")) >=
                        {"Replace=true", "Force=true", "SkipDryRunOnMissingResource=true"} for d in jobs)
    others = [d for d in docs.values() if d.get("apiVersion", "").startswith("ray.io/") and d["kind"] != "RayJob"]
    assert all("Replace=true" not in d["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] for d in others)
    # Newcomer review P5: what only pulumi-kubernetes reads is not rendered, and Argo CD, not Pulumi, manages them.
    for name, d in docs.items():
        meta = d.get("metadata") or {}
        assert not [k for k in meta.get("annotations") or {} if k.startswith("pulumi.com/")], name
        assert (meta.get("labels") or {}).get("app.kubernetes.io/managed-by") != "pulumi", name

    # The eval RayCluster and the RayCronJob that submits to it are removed from the stack.
    f = proj / "stacks" / "Pulumi.serving.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["config"]["raystack:rayClusters"] = []
    del doc["config"]["raystack:rayCronJobs"]
    f.write_text("# yaml-language-server: $schema=../schema/raystack-stack.schema.json\n" + yaml.safe_dump(doc))
    rc = cli.main(args)
    printed, err = capsys.readouterr()
    assert rc == 0, err
    second = {p.name for p in out.iterdir()}
    assert "raycluster.ml.eval.yaml" not in second and "raycronjob.ml.nightly-eval.yaml" not in second
    assert "networkpolicy.ml.eval-ingress.yaml" not in second
    assert "README.md" in second, "a file --out did not write is left alone"
    assert "rayservice.serving.llm.yaml" in second
    # Newcomer review P10: pruning is what --out is for; it is said, and it is not a warning.
    assert "pruned" not in err
    flat = " ".join(printed.split())  # rich wraps long paths
    assert "raycluster.ml.eval.yaml: written by an earlier --out of this stack, gone from the plan" in flat, printed
    assert flat.count("pruned ") >= 3, printed


@needs_shared
def test_the_text_plan_reads_in_an_80_column_terminal():
    """Newcomer review P11: one line per resource in the tree (a wrapped type left its connector
    behind), and pools, Ray groups and jobs as lines rather than tables of cut cells."""
    import argparse

    from raystack.preview.text import print_text
    from rich.console import Console

    rec = recorded("workloads")
    p = testing.load_project(ROOT)
    platform, _ = plan.resolve(testing.load_stack_config(p, "workloads"), "workloads")
    report = plan.build_report(rec, platform, project=p.name, stack="workloads", project_dir=ROOT, crd_dir=CRDS)
    console = Console(width=80, record=True, highlight=False, color_system=None)
    print_text(report, argparse.Namespace(out=None, graph=None), console)
    lines = console.export_text().splitlines()
    tree = [ln for ln in lines if ln.startswith("+ ")]
    assert len(tree) == len(rec.resources) + 1, "one line per resource (and the stack)"
    assert all(len(ln) <= 80 for ln in lines)
    assert any("m7i.2xlarge|m6i.2xlarge|m5.2xlarge" in ln for ln in lines), "instance types are not cut"
    assert any("registry.example.com/ml/finetune:2.55.0-py311-gpu" in ln for ln in lines), "images are not cut"


@pytest.mark.parametrize(("edit", "fragment"), [
    (("--suite nightly", "--suite weekly"), None),  # a RayCronJob: updated in place, no warning
    (("--output s3://acme-ml-embeddings/v1", "--output s3://acme-ml-embeddings/v2"), "the job runs again"),
    (("minWorkers: 1", "minWorkers: 2"), None),  # a RayService's replicas: scaling only
    (("MAX_MODEL_LEN: \"8192\"", "MAX_MODEL_LEN: \"4096\""), None),  # Serve config: applied in place
])
def test_compare_names_rerun_jobs_and_new_service_clusters(tmp_path, capsys, edit, fragment):
    err = _compare_after_edit(tmp_path, capsys, "serving", *edit)
    flagged = [ln for ln in err.splitlines() if "runs again" in ln or "new cluster beside" in ln]
    if fragment is None:
        assert not flagged, flagged
    else:
        assert flagged and fragment in flagged[0], err


def test_compare_warns_that_a_service_cluster_edit_doubles_its_nodes_for_a_while(tmp_path, capsys):
    err = _compare_after_edit(tmp_path, capsys, "serving",
                              "image: registry.example.com/ml/vllm-serve:2.55.0-py311-gpu",
                              "image: registry.example.com/ml/vllm-serve:2.55.0-py311-gpu-v2")
    assert "new cluster beside the running one" in err and "RayService" in err, err


def test_compare_knows_appended_groups_update_a_service_cluster_in_place(tmp_path, capsys):
    """KubeRay v1.7.0 isClusterSpecHashEqual(partial): groups added at the end update the running
    cluster instead of starting a second one."""
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.serving.yaml"
    f.write_text(f.read_text().replace("            pool: l4-serve\n            minWorkers: 1\n",
                                       "            pool: l4-serve\n            minWorkers: 1\n            maxWorkers: 3\n"))
    cli.main(["plan", "--project-dir", str(proj), "--stack", "serving", "--format", "json", "--no-ray"])
    before, _ = capsys.readouterr()
    (tmp_path / "before.json").write_text(before)
    f.write_text(f.read_text().replace("            maxWorkers: 3\n",
                                       "            maxWorkers: 3\n          - name: l4-extra\n"
                                       "            pool: l4-serve\n            maxWorkers: 1\n", 1))
    assert "l4-extra" in f.read_text() and "maxWorkers: 3" in f.read_text()
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "serving", "--no-ray", "--format", "json",
                   "--compare", str(tmp_path / "before.json")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert any(r["group"] == "l4-extra" for r in json.loads(out)["rayClusters"]), "the group was appended"
    assert "new cluster beside" not in err, err
    assert "appended worker groups update the running cluster in place" in err, err


def test_upgrade_strategy_none_is_warned_and_compare_says_the_edit_is_ignored(tmp_path, capsys):
    """K8s N4: under upgradeStrategy None KubeRay v1.7.0 neither starts a new cluster nor changes the running
    one (isZeroDowntimeUpgradeEnabled false); the plan says so instead of announcing a new cluster."""
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.serving.yaml"
    f.write_text(f.read_text().replace("      rayCluster:\n        image:", "      upgradeStrategy: None\n      rayCluster:\n"
                                       "        image:", 1))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "serving", "--format", "json", "--no-ray"])
    before, err = capsys.readouterr()
    assert rc == 0 and "raystack:rayServices[0].upgradeStrategy" in err and "ignores every later edit" in err, err
    (tmp_path / "before.json").write_text(before)
    f.write_text(f.read_text().replace("vllm-serve:2.55.0-py311-gpu", "vllm-serve:2.55.0-py311-gpu-v2"))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "serving", "--no-ray",
                   "--compare", str(tmp_path / "before.json")])
    _, err = capsys.readouterr()
    assert rc == 0 and "KubeRay ignores this edit" in err and "new cluster beside" not in err, err


def test_cost_without_a_stack_region_says_whose_prices_it_shows():
    """AWS N13: without aws:region the provider deploys to the environment's region; the plan says the
    prices are us-east-1's instead of pricing silently."""
    from raystack.model.resolve import resolve
    from raystack.preview.cost import cost

    platform = resolve({"clusterName": "x", "apiIngressCidrs": ["10.0.0.0/16"],
                        "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge"}]}, camel=True, stack="t")
    _, findings = cost(platform, None)
    assert [f.message for f in findings if "aws:region is not set" in f.message], findings
    assert not cost(platform, "us-east-1")[1]


def test_compare_says_to_drain_a_reserved_pool_before_a_version_update():
    """AWS #14: a Kubernetes version bump on a Capacity Block or ODCR pool needs spare capacity EKS cannot get
    from a fully used reservation; --compare says what to do first. An on-demand pool is not flagged."""
    from raystack import RayPlatform
    from raystack.preview.compare import reserved_pool_version_updates

    pools = [
        {"name": "cb", "instanceType": "p5.48xlarge", "capacityType": "CAPACITY_BLOCK", "minSize": 0, "maxSize": 1,
         "capacityReservationId": "cr-0123456789abcdef0", "availabilityZone": "us-east-1b"},
        {"name": "odcr", "instanceType": "p5.48xlarge", "capacityType": "ON_DEMAND", "minSize": 0, "maxSize": 1,
         "capacityReservationId": "cr-0123456789abcdef1", "availabilityZone": "us-east-1c"},
        {"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}]
    config = {**testing.load_stack_config(testing.load_project(ROOT), "dev"), "raystack:gpuPools": json.dumps(pools),
              "raystack:network": json.dumps({"cidr": "10.40.0.0/16", "availabilityZones":
                                              ["us-east-1a", "us-east-1b", "us-east-1c"]})}
    config.pop("raystack:rayClusters")

    def plan(version: str) -> dict:
        rec = testing.run(RayPlatform.from_stack_config, {**config, "raystack:kubernetesVersion": version})
        return {"resources": [{"urn": r.urn, "type": r.type, "parent": r.parent, "inputs": r.inputs}
                              for r in rec.resources]}

    found = reserved_pool_version_updates(plan("1.34"), plan("1.35"))
    flagged = sorted(f.resource.rsplit("::", 1)[-1] for f in found)
    assert flagged == ["raystack-cb-ng", "raystack-odcr-ng"], [f.message for f in found]
    assert all("minSize to 0" in f.message for f in found)


def test_the_baseline_counts_one_nat_gateway_per_az_where_the_vpc_has_them():
    """AWS N13: NAT gateways bill by the hour; prod's VPC has one per AZ."""
    from raystack.model.resolve import resolve
    from raystack.preview.cost import NAT_GATEWAY_USD_PER_HOUR, cost, volume_usd_per_hour
    from support import stack_spec

    platform = resolve(stack_spec("prod"), stack="prod", region="us-east-1")
    assert platform.system_pool is not None
    assert platform.network is not None and platform.network.nat_gateways == "per_az"
    doc, _ = cost(platform)
    system = platform.system_facts
    assert system is not None and system.price_usd_hour is not None
    node = system.price_usd_hour + volume_usd_per_hour(platform.system_pool.disk_size_gib)
    want = 0.10 + node * system.min_nodes + platform.network.az_count * NAT_GATEWAY_USD_PER_HOUR
    assert doc["baseline_usd_per_hour"] == pytest.approx(want, abs=1e-4)


def test_a_pool_without_a_price_makes_the_totals_unknown_not_smaller():
    """Newcomer review (issue 25): p5e.48xlarge has no published on-demand price in the catalog; leaving it out
    would show a bill smaller than the real one."""
    from raystack.hardware import catalog
    from raystack.model.resolve import resolve
    from raystack.preview.cost import cost

    assert catalog.lookup("p5e.48xlarge").price_usd_hour is None
    raw = {"clusterName": "unit", "apiIngressCidrs": ["10.0.0.0/16"],
           "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 1},
                        {"name": "h200", "instanceType": "p5e.48xlarge", "maxSize": 1}],
           "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"}]}]}
    doc, findings = cost(resolve(raw), "us-east-1")
    assert doc["idle_usd_per_hour"] is None and doc["max_usd_per_hour"] is None, doc
    assert doc["baseline_usd_per_hour"] is not None
    assert any("h200" in f.resource and "unknown" in f.message for f in findings), findings


def test_with_upgrade_strategy_none_compare_says_the_edit_reaches_only_new_pods(tmp_path, capsys):
    """Old #10 (K8s): a RayCluster may choose upgradeStrategy None; KubeRay then recreates nothing
    (shouldRecreatePodsForUpgrade, v1.7.0), and --compare says so instead of warning of a recreate."""
    err = _compare_after_edit(tmp_path, capsys, "dev", "      idleTimeoutSeconds: 120",
                              "      upgradeStrategy: None\n      idleTimeoutSeconds: 300")
    assert "recreates every pod" not in err, err
    (line,) = [ln for ln in err.splitlines() if "reaches only pods created from now on" in ln]
    assert "spec.autoscalerOptions.idleTimeoutSeconds" in line, line


@pytest.mark.parametrize(("version", "today", "support"), [
    ("1.34", "2026-12-02", "standard"),  # the last day of standard support
    ("1.34", "2026-12-03", "extended"),
    ("1.35", "2026-12-04", "standard"),
    ("1.35", "2027-03-28", "extended"),
])
def test_each_minor_leaves_standard_support_on_its_day(version, today, support):
    from raystack import versions

    assert set(versions.EKS_STANDARD_SUPPORT_ENDS) == set(versions.EKS_SUPPORTED_VERSIONS)
    assert versions.eks_support(version, today) == support


def test_a_minor_past_standard_support_is_warned_and_priced_as_extended(monkeypatch):
    """AWS old #17 (part): EKS bills extended support by default once a minor leaves standard support;
    the plan says so and prices the control plane at $0.60 an hour, not $0.10 (as of RAYSTACK_TODAY)."""
    from raystack.model.resolve import resolve
    from raystack.preview.cost import cost
    from support import stack_spec

    monkeypatch.setenv("RAYSTACK_TODAY", "2026-12-04")
    old = resolve({**stack_spec("prod"), "kubernetesVersion": "1.34"}, stack="prod", region="us-east-1")
    new = resolve(stack_spec("prod"), stack="prod", region="us-east-1")
    (w,) = [f for f in old.warnings if f.key == "raystack:kubernetesVersion"]
    assert "left standard support on 2026-12-02" in w.message and "$0.60" in w.message and "1.35" in w.message
    assert not [f for f in new.warnings if f.key == "raystack:kubernetesVersion"]
    assert cost(old)[0]["baseline_usd_per_hour"] == pytest.approx(cost(new)[0]["baseline_usd_per_hour"] + 0.50)


def test_outside_a_project_plan_says_so_and_plans_nothing_else(tmp_path, monkeypatch, capsys):
    """Newcomer review (issue 25): an editable install used to plan raystack's own checkout from any folder."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["plan"]) == 2
    err = capsys.readouterr().err
    assert f"no Pulumi.yaml in the current directory ({tmp_path})" in err and "--project-dir" in err, err


@pytest.mark.parametrize("columns", [80, 200])
def test_text_output_honours_columns(monkeypatch, capsys, columns):
    """Issue 25: COLUMNS sets the width when output is not a terminal (a pipe otherwise gets 140)."""
    monkeypatch.setenv("COLUMNS", str(columns))
    assert cli.main(["plan", "--project-dir", str(ROOT), "--stack", "dev", "--summary", "--no-ray"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= columns, max(lines, key=len)
    if columns == 80:
        assert max(map(len, lines)) > 60, "the tables use the width"


def test_without_ray_the_hint_names_the_distribution_extra(monkeypatch):
    """Issue 25: `pip install 'raystack[ray]'` installs an unrelated PyPI project's extra; the distribution is
    pulumi-raystack."""
    from raystack.preview.checks import ray_parser

    monkeypatch.setitem(sys.modules, "ray.autoscaler._private.kuberay.autoscaling_config", None)
    results, why = ray_parser._derive_with_ray([{}])
    assert results is None and why is not None and "pip install 'pulumi-raystack[ray]'" in why, why


def test_a_long_image_is_cut_from_the_left_so_its_tag_stays():
    from raystack.preview.text import left_truncated

    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/rayproject/ray:2.55.0-py311-gpu"
    cut = left_truncated(image, 30)
    assert len(cut) == 30 and cut.startswith("…") and cut.endswith(":2.55.0-py311-gpu"), cut
    assert left_truncated("rayproject/ray:2.55.0", 30) == "rayproject/ray:2.55.0"


def test_an_existing_cluster_stack_shows_its_pools_cost_apart_and_no_baseline():
    """Issue 25: an existing-cluster stack printed $0.00 everywhere. Its own cost is 0 (it creates no nodes); the
    existing pools its Ray clusters use are shown apart, at their min and max nodes; the baseline is not its."""
    from raystack.model.resolve import resolve
    from raystack.preview.cost import cost
    from support import stack_spec

    platform = resolve(stack_spec("byoc"), stack="byoc")
    doc, _ = cost(platform)
    pools = [p for p in platform.pools.values() if p.source == "existing"]
    assert pools and all(p.price_usd_hour is not None for p in pools)
    assert doc["existing_max_usd_per_hour"] == pytest.approx(sum(p.price_usd_hour * p.max_nodes for p in pools))
    assert doc["idle_usd_per_hour"] == doc["max_usd_per_hour"] == 0.0
    assert doc["baseline_usd_per_hour"] is None and "existing cluster" in doc["notes"]


def test_a_key_given_twice_in_a_stack_file_is_refused_naming_both_lines(tmp_path, capsys):
    """Newcomer review P9: PyYAML keeps the last of two equal keys silently; YAML keys are unique."""
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.dev.yaml"
    f.write_text(f.read_text() + "  raystack:protect: true\n  raystack:protect: false\n")
    assert cli.main(["plan", "--project-dir", str(proj), "--stack", "dev", "--no-ray"]) == 2
    err = capsys.readouterr().err
    assert "key 'raystack:protect' is given twice" in err and "YAML keys are unique" in err, err


def test_out_shared_by_two_stacks_never_prunes_the_other_stacks_files(tmp_path):
    """Newcomer review P5: two stacks rendered into one directory share namespace.*.yaml; one stack's prune
    used to delete a file the other still lists."""
    from raystack.preview.render.argocd import write_files

    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}}
    rc = {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "a", "namespace": "ml"}}
    write_files(tmp_path, {"namespace.ml.yaml": ns, "raycluster.ml.a.yaml": rc}, stack="dev")
    write_files(tmp_path, {"namespace.ml.yaml": ns}, stack="staging")
    _, pruned = write_files(tmp_path, {}, stack="dev")  # dev's clusters and namespace are gone
    assert [p.name for p in pruned] == ["raycluster.ml.a.yaml"]
    assert (tmp_path / "namespace.ml.yaml").is_file(), "staging still lists it"


def test_the_json_plan_follows_its_documented_schema_in_one_casing(dev_json):
    """Newcomer review P10: one casing (camelCase, as the stack files) for raystack's own keys, and a documented
    schema (schema/raystack-plan.schema.json, additionalProperties false on every raystack row)."""
    _follows_the_plan_schema(dev_json)
    own = [dev_json[k] for k in ("pools", "rayClusters", "rayWorkloads", "cost")]
    snake = [k for part in own for row in (part if isinstance(part, list) else [part]) for k in row if "_" in k]
    assert not snake, snake


def _follows_the_plan_schema(doc: dict) -> None:
    import jsonschema

    schema = json.loads((ROOT / "schema" / "raystack-plan.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    assert not errors, errors[:5]


def test_findings_on_a_declared_ray_object_name_its_key_not_its_urn(tmp_path, capsys):
    """Newcomer review P10: a plan's findings on a Ray object the stack config declares (here the pack's
    advisory ray-opt-outs) name the key, raystack:rayClusters[0], rather than a long URN."""
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.dev.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["config"]["raystack:security"] = "relaxed"
    f.write_text("# yaml-language-server: $schema=../schema/raystack-stack.schema.json\n" + yaml.safe_dump(doc))
    assert cli.main(["plan", "--project-dir", str(proj), "--stack", "dev", "--summary", "--no-ray"]) == 0
    _, err = capsys.readouterr()
    opt_outs = [line for line in err.splitlines() if "ray-opt-outs" in line]
    assert opt_outs and all(line.startswith("warning: raystack:rayClusters[0]: ") for line in opt_outs), err
    assert "urn:pulumi:" not in err, err


def test_a_gitops_stack_plans_the_cloud_side_and_renders_and_checks_the_kubernetes_side(tmp_path, capsys):
    """Newcomer review P5: kubernetesDelivery gitops. The plan's resources are what `pulumi up` applies (no
    Kubernetes object); the Kubernetes side is rendered with --out and still goes through every check."""
    proj = _project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.serving.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["config"]["raystack:kubernetesDelivery"] = "gitops"
    del doc["config"]["raystack:gcsFaultTolerance"]  # a created Redis is refused with gitops (test_gcs.py)
    # So is an installed Prometheus (test_observability.py); log shipping is not: its group and roles are AWS's.
    doc["config"]["raystack:observability"] = {"logs": doc["config"]["raystack:observability"]["logs"]}
    f.write_text("# yaml-language-server: $schema=../schema/raystack-stack.schema.json\n" + yaml.safe_dump(doc))
    out = tmp_path / "rendered"
    assert cli.main(["plan", "--project-dir", str(proj), "--stack", "serving", "--format", "json", "--no-ray",
                     "--out", str(out)]) == 0
    printed, err = capsys.readouterr()
    plan_doc = json.loads(printed)
    assert plan_doc["valid"] and plan_doc["kubernetesDelivery"] == "gitops", err
    applied = [r["type"] for r in plan_doc["resources"]]
    assert not [t for t in applied if t.startswith("kubernetes:")], applied
    assert "aws:eks/podIdentityAssociation:PodIdentityAssociation" in applied
    assert {"rayservice.serving.llm.yaml", "raycluster.ml.eval.yaml", "namespace.serving.yaml"} <= {
        p.name for p in out.iterdir()}
    assert plan_doc["checks"]["kubernetes-schema"].split()[0] != "0", plan_doc["checks"]
    assert "raystack:kubernetesDelivery" in err and "ray_auth_tokens" in err
    _follows_the_plan_schema(plan_doc)

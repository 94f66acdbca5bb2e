"""Ray namespaces enforce Pod Security "restricted" (issue 12). Proved on the pods KubeRay v1.7.0
actually creates, not only on raystack's templates: the head gets the autoscaler sidecar
(common/pod.go BuildAutoscalerContainer, with autoscalerOptions.securityContext merged), every
worker the `wait-gcs-ready` init container, whose securityContext is a copy of the Ray
container's (DefaultWorkerPodTemplate); submitter pods come from raystack's template. Every shipped
stack, every group shape: RayClusters and the clusters of RayJobs, RayServices and RayCronJobs."""

from __future__ import annotations

import copy

import pytest
from conftest import STACKS, run_stack
from raystack.policy.pss import violations


def kuberay_head_pod(spec: dict) -> dict:
    pod = copy.deepcopy(spec["headGroupSpec"]["template"]["spec"])
    if spec.get("enableInTreeAutoscaling"):
        sidecar = {"name": "autoscaler", "image": pod["containers"][0]["image"],
                   "securityContext": (spec.get("autoscalerOptions") or {}).get("securityContext")}
        pod["containers"].append(sidecar)
    return pod


def kuberay_worker_pod(group: dict) -> dict:
    pod = copy.deepcopy(group["template"]["spec"])
    ray = pod["containers"][0]
    pod.setdefault("initContainers", []).append(
        {"name": "wait-gcs-ready", "image": ray["image"], "securityContext": copy.deepcopy(ray.get("securityContext"))})
    return pod


def cluster_specs(rec) -> list[tuple[str, dict]]:
    out = [(r.urn, r.inputs["spec"]) for r in rec.of_type("kubernetes:ray.io/v1:RayCluster")]
    for kind, path in (("RayJob", ("rayClusterSpec",)), ("RayService", ("rayClusterConfig",)),
                       ("RayCronJob", ("jobTemplate", "rayClusterSpec"))):
        for r in rec.of_type(f"kubernetes:ray.io/v1:{kind}"):
            spec = r.inputs["spec"]
            for p in path:
                spec = (spec or {}).get(p)
            if spec:
                out.append((r.urn, spec))
    return out


def submitter_pods(rec) -> list[tuple[str, dict]]:
    out = []
    for r in rec.of_type("kubernetes:ray.io/v1:RayJob") + rec.of_type("kubernetes:ray.io/v1:RayCronJob"):
        spec = r.inputs["spec"].get("jobTemplate", r.inputs["spec"])
        if "submitterPodTemplate" in spec:
            out.append((r.urn, spec["submitterPodTemplate"]["spec"]))
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_every_pod_kuberay_creates_meets_restricted(stack):
    rec = run_stack(stack)
    pods = []
    for urn, spec in cluster_specs(rec):
        pods.append((f"{urn} head", kuberay_head_pod(spec)))
        pods += [(f"{urn} group {g['groupName']}", kuberay_worker_pod(g)) for g in spec["workerGroupSpecs"]]
    pods += [(f"{urn} submitter", p) for urn, p in submitter_pods(rec)]
    assert pods, f"{stack}: no Ray pods to check"
    for where, pod in pods:
        assert not violations(pod), f"{where}: {violations(pod)}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_ray_namespace_enforces_restricted_and_has_a_network_policy(stack):
    from conftest import project
    from raystack import testing

    if testing.load_stack_config(project(), stack).get("raystack:security") == "relaxed":
        pytest.skip(f"{stack} chose security: relaxed (baseline, no NetworkPolicies; the plan warns)")
    rec = run_stack(stack)
    ray_namespaces = {spec_ns for spec_ns in (
        r.inputs["metadata"]["namespace"] for kind in ("RayCluster", "RayJob", "RayService", "RayCronJob")
        for r in rec.of_type(f"kubernetes:ray.io/v1:{kind}"))}
    namespaces = {r.inputs["metadata"]["name"]: r.inputs["metadata"] for r in rec.of_type("kubernetes:core/v1:Namespace")}
    policies = {r.inputs["metadata"]["namespace"] for r in rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    for ns in ray_namespaces:
        assert namespaces[ns]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted", f"{stack}: {ns}"
        assert ns in policies, f"{stack}: namespace {ns} has no NetworkPolicy"
    for name, meta in namespaces.items():
        if meta["labels"]["pod-security.kubernetes.io/enforce"] != "restricted":
            assert meta.get("annotations", {}).get("raystack.io/pod-security-reason"), f"{stack}: {name} says no why"


def test_the_checker_can_fail():
    bad = {"containers": [{"name": "c", "securityContext": {"runAsUser": 0}}],
           "volumes": [{"name": "h", "hostPath": {"path": "/"}}, {"name": "n", "nfs": {"server": "x", "path": "/"}}]}
    found = violations(bad)
    for fragment in ("allowPrivilegeEscalation", "drop ALL", "runAsNonRoot", "runAsUser 0", "seccompProfile",
                     "volume h", "volume n"):
        assert any(fragment in v for v in found), (fragment, found)


@pytest.mark.parametrize(("spec", "annotations", "fragment"), [
    # Pod Security Standards, baseline: "AppArmor", "SELinux", "HostProcess", and seccomp Unconfined.
    ({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}, None, "pod appArmorProfile Unconfined"),
    ({"containers": [{"name": "c", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]}, None,
     "container c: appArmorProfile Unconfined"),
    ({}, {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}, "annotation container.apparmor"),
    ({"securityContext": {"seLinuxOptions": {"type": "spc_t"}}}, None, "pod seLinuxOptions type 'spc_t'"),
    ({"containers": [{"name": "c", "securityContext": {"seLinuxOptions": {"user": "system_u"}}}]}, None,
     "container c: seLinuxOptions user is set"),
    ({"securityContext": {"windowsOptions": {"hostProcess": True}}}, None, "pod windowsOptions.hostProcess"),
    ({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}, None, "pod seccompProfile Unconfined"),
    ({"ephemeralContainers": [{"name": "debug", "securityContext": {"privileged": True}}]}, None,
     "ephemeralContainer debug: privileged"),
])
def test_the_checker_knows_every_baseline_control(spec, annotations, fragment):
    found = violations(spec, annotations)
    assert any(fragment in v for v in found), (fragment, found)


@pytest.mark.parametrize(("spec", "annotations"), [
    ({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}, "seLinuxOptions": {"type": "container_t",
                                                                                           "level": "s0:c1"}}},
     {"container.apparmor.security.beta.kubernetes.io/c": "localhost/ray"}),
])
def test_what_baseline_allows_passes(spec, annotations):
    assert not [v for v in violations(spec, annotations) if "appArmor" in v or "seLinux" in v or "annotation" in v]


def test_security_relaxed_loosens_exactly_what_it_says_and_the_plan_names_it():
    from raystack import resolve

    cfg = {"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"], "security": "relaxed",
           "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}],
           "rayClusters": [{"name": "r", "volumes": [{"name": "n", "nfs": {"server": "nfs", "path": "/d"}}],
                            "workerGroups": [{"name": "g", "pool": "l4"}]}]}
    platform = resolve(cfg)
    assert platform.ray_pod_security == "baseline"
    (rc,) = platform.ray_clusters
    assert rc.network_policy_spec is None
    assert rc.manifest["spec"]["authOptions"]["mode"] == "token", "token auth is not among the loosenings"
    (w,) = [w for w in platform.warnings if w.key == "raystack:security"]
    assert "Pod Security baseline" in w.message and "no NetworkPolicy" in w.message


def test_pod_security_sets_who_the_pods_run_as_and_stays_restricted(raycluster_schema):
    """K8s N11: a team sets the UID, its group, the volumes' group (a root-owned PVC becomes writable) and extra
    groups (AMD's render group) per cluster, and a group overrides one of them; the pods still meet restricted and
    the CRD's schema."""
    import json

    import jsonschema
    from raystack import RayPlatform
    from raystack import testing as t
    from support import ROOT

    config = dict(t.load_stack_config(t.load_project(ROOT), "byoc"))
    rcs = json.loads(config["raystack:rayClusters"])
    rcs[0]["podSecurity"] = {"runAsUser": 2000, "runAsGroup": 2000, "fsGroup": 2000, "supplementalGroups": [109]}
    rcs[0]["workerGroups"][0]["podSecurity"] = {"runAsUser": 3000}
    config["raystack:rayClusters"] = json.dumps(rcs)
    rec = t.run(RayPlatform.from_stack_config, config, stack="byoc")
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    spec = rc.inputs["spec"]
    head = spec["headGroupSpec"]["template"]["spec"]
    worker = spec["workerGroupSpecs"][0]["template"]["spec"]
    assert head["containers"][0]["securityContext"]["runAsUser"] == 2000
    assert worker["containers"][0]["securityContext"]["runAsUser"] == 3000
    assert worker["containers"][0]["securityContext"]["runAsGroup"] == 2000
    assert head["securityContext"] == {"fsGroup": 2000, "fsGroupChangePolicy": "OnRootMismatch",
                                       "supplementalGroups": [109]}
    for pod in (kuberay_head_pod(spec), kuberay_worker_pod(spec["workerGroupSpecs"][0])):
        assert not violations(pod), violations(pod)
    jsonschema.validate(rc.inputs, raycluster_schema)

"""raystack's policy pack (issue 12): every rule fails on a fixture that breaks it and passes on one
that keeps it; every shipped stack passes the whole pack; `raystack plan` reports a planted
violation; the pulumi-policy wrappers carry the same rules."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import STACKS, project, run_stack
from raystack.policy.rules import RULES, Res, check_all
from raystack.testing.values import restore_ints

RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
              "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}


def pod(image: str = "rayproject/ray:2.55.0-py311", sc: dict | None = None, limits: bool = True) -> dict:
    c = {"name": "ray", "image": image, "securityContext": RESTRICTED if sc is None else sc}
    if limits:
        c["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}
    return {"spec": {"containers": [c], "nodeSelector": {"raystack.io/pool": "system"}}}


def raycluster(**over) -> Res:
    spec = {"headGroupSpec": {"serviceType": "ClusterIP", "template": pod()},
            "workerGroupSpecs": [{"groupName": "g", "template": pod()}],
            "authOptions": {"mode": "token", "secretName": "rc-ray-token"},
            "enableInTreeAutoscaling": True, "autoscalerOptions": {"securityContext": RESTRICTED}}
    spec.update(over)
    return Res("kubernetes:ray.io/v1:RayCluster", "rc", {"metadata": {"name": "rc", "namespace": "ray"}, "spec": spec})


def rayjob(head: dict | None = None, submitter: dict | None = None) -> Res:
    cluster = raycluster().props["spec"]
    if head is not None:
        cluster = {**cluster, "headGroupSpec": {"template": head}}
    spec = {"entrypoint": "python x.py", "rayClusterSpec": cluster, "submitterPodTemplate": submitter or pod()}
    return Res("kubernetes:ray.io/v1:RayJob", "j", {"metadata": {"name": "j", "namespace": "ray"}, "spec": spec})


def node_group(ami="AL2023_x86_64_NVIDIA", taints=None, min_size=0, env="dev", capacity="ON_DEMAND", pool="l4"):
    return Res("aws:eks/nodeGroup:NodeGroup", "ng", {
        "amiType": ami, "capacityType": capacity, "labels": {"raystack.io/pool": pool},
        "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}] if taints is None else taints,
        "scalingConfig": {"minSize": min_size, "maxSize": 2}, "tags": {"raystack.io/environment": env}})


def launch_template(tokens="required", hops=1.0, encrypted="true"):
    return Res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
        "metadataOptions": {"httpTokens": tokens, "httpPutResponseHopLimit": hops},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": encrypted}}]})


def eks(public=True, cidrs=("10.0.0.0/8",), env="prod"):
    return Res("aws:eks/cluster:Cluster", "eks", {"vpcConfig": {"endpointPublicAccess": public,
                                                                "publicAccessCidrs": list(cidrs)},
                                                  "tags": {"raystack.io/environment": env}})


def iam(actions, resources):
    return Res("aws:iam/rolePolicy:RolePolicy", "p", {"policy": json.dumps(
        {"Statement": [{"Sid": "S", "Effect": "Allow", "Action": actions, "Resource": resources}]})})


def service(type_="LoadBalancer", ranges=None):
    spec = {"type": type_, "selector": {"ray.io/node-type": "head"}}
    if ranges:
        spec["loadBalancerSourceRanges"] = ranges
    return Res("kubernetes:core/v1:Service", "svc", {"spec": spec})


def namespace(level="restricted", name="ray"):
    return Res("kubernetes:core/v1:Namespace", name, {"metadata": {"name": name, "labels": {
        "pod-security.kubernetes.io/enforce": level}}})


def netpol(ns="ray"):
    return Res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np", {"metadata": {"name": "x", "namespace": ns}})


def nodepool(taints=True):
    return Res("kubernetes:karpenter.sh/v1:NodePool", "np", {"spec": {"template": {
        "metadata": {"labels": {"nvidia.com/gpu.present": "true"}},
        "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}] if taints else []}}}})


def nodeclass(hops=1, encrypted=True):
    return Res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nc", {"spec": {
        "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": hops},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": encrypted}}]}})


# rule -> (resources that break it, resources that keep it)
FIXTURES: dict[str, tuple[list[Res], list[Res]]] = {
    "ray-head-not-exposed": ([service()], [service(ranges=["10.0.0.0/16"]), service("ClusterIP"), raycluster()]),
    "ray-token-auth": ([raycluster(authOptions={"mode": "disabled"})], [raycluster()]),
    "ray-pods-restricted": ([rayjob(submitter=pod(sc={"runAsNonRoot": True}))], [rayjob()]),
    "ray-pods-have-limits": ([rayjob(head=pod(limits=False))], [rayjob()]),
    "ray-images-pinned": ([rayjob(head=pod(image="rayproject/ray"))],
                          [rayjob(head=pod(image="registry.example.com:5000/ray@sha256:" + "a" * 64))]),
    "gpu-pools-tainted": ([node_group(taints=[]), nodepool(taints=False)],
                          [node_group(), node_group(ami="AL2023_x86_64_STANDARD", taints=[]), nodepool()]),
    "gpu-pools-scale-to-zero": ([node_group(min_size=1)], [node_group(), node_group(min_size=1, env="prod")]),
    "imdsv2-hop-limit-1": ([launch_template(hops=2.0), nodeclass(hops=2)], [launch_template(), nodeclass()]),
    "volumes-encrypted": ([launch_template(encrypted="false"), nodeclass(encrypted=False)],
                          [launch_template(), nodeclass()]),
    "api-endpoint-not-open": ([eks(cidrs=["0.0.0.0/0"])], [eks(), eks(cidrs=["0.0.0.0/0"], env="dev")]),
    "iam-no-wildcards": ([iam(["s3:GetObject"], "*")], [iam(["s3:GetObject"], ["arn:aws:s3:::b/*"])]),
    "node-role-narrow": ([Res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a",
                              {"policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"})],
                         [Res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a",
                              {"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"})]),
    "ray-namespaces-isolated": ([raycluster(), namespace("baseline"), netpol()],
                                [raycluster(), namespace(), netpol()]),
    "ray-opt-outs": ([Res("kubernetes:ray.io/v1:RayCluster", "rc", {"metadata": {
        "name": "rc", "namespace": "ray", "annotations": {"raystack.io/opt-out": "networkPolicy"}}, "spec": {}})],
                     [raycluster()]),
    "ray-head-not-on-spot": ([raycluster(), node_group(capacity="SPOT", pool="system")],
                             [raycluster(), node_group(capacity="SPOT")]),
}


def violated(resources: list[Res]) -> set[str]:
    return {rule.name for rule, _, _ in check_all(resources)}


def test_the_pack_has_at_least_twelve_rules_each_with_fixtures():
    assert len(RULES) >= 12
    assert set(FIXTURES) == {r.name for r in RULES}


@pytest.mark.parametrize("rule", sorted(FIXTURES))
def test_each_rule_fails_its_failing_fixture_and_passes_its_passing_one(rule):
    failing, passing = FIXTURES[rule]
    assert rule in violated(failing), f"{rule} did not catch {failing}"
    assert rule not in violated(passing), f"{rule} flagged {[(r.name, m) for x, r, m in check_all(passing)]}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_shipped_stack_passes_the_pack(stack):
    """No mandatory rule is broken (advisory ones, such as a warm GPU node outside prod, only warn:
    a stack a team adds may choose them)."""
    rec = run_stack(stack)
    found = [(rule.name, r.name if r else None, m) for rule, r, m in check_all(
        [Res(x.type, x.name, restore_ints(x.inputs)) for x in rec.resources if x.custom]) if rule.mandatory]
    assert not found, f"{stack}: {found}"


def test_raystack_plan_reports_a_planted_violation():
    from raystack.preview.report import run_policies

    rec = copy.deepcopy(run_stack("dev"))
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    rc.inputs["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["image"] = "rayproject/ray:latest"
    findings, what = run_policies(rec)
    lines = [f.line() for f in findings]
    assert any("ray-images-pinned" in ln and rc.urn in ln and "rayproject/ray:latest" in ln for ln in lines), lines
    assert all(f.severity == "error" for f in findings)
    assert f"{len(RULES)} policy rules" in what


def test_the_pulumi_policy_pack_carries_the_same_rules():
    from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
    from raystack.policy.pack import policies

    pols = {p.name: p for p in policies()}
    assert set(pols) == {r.name for r in RULES}
    for rule in RULES:
        p = pols[rule.name]
        assert isinstance(p, StackValidationPolicy if rule.types is None else ResourceValidationPolicy)
    # A resource policy, called as the engine calls it, reports what the rule finds.
    reported: list[str] = []

    class Args:
        resource_type = "aws:ec2/launchTemplate:LaunchTemplate"
        name = "lt"
        props = launch_template(tokens="optional").props
    pols["imdsv2-hop-limit-1"].validate(Args(), lambda message, urn: reported.append(message))
    assert reported and "IMDSv2" in reported[0]


def test_the_policies_directory_is_a_python_policy_pack():
    import py_compile

    import yaml

    root = project().root / "policies"
    meta = yaml.safe_load((root / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"]["name"] == "python"
    py_compile.compile(str(root / "__main__.py"), doraise=True)
    reqs = (root / "requirements.txt").read_text()
    assert "pulumi-policy" in reqs and "-e .." in reqs, "the pack installs the rules it wraps"


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_exposes_ray_and_every_launch_template_is_hardened(stack):
    rec = run_stack(stack)
    assert not rec.of_type("kubernetes:networking.k8s.io/v1:Ingress"), stack
    for s in rec.of_type("kubernetes:core/v1:Service"):
        assert s.inputs.get("spec", {}).get("type", "ClusterIP") == "ClusterIP", s.urn
    for r in rec.of_type("kubernetes:ray.io/v1:RayCluster"):
        assert r.inputs["spec"]["headGroupSpec"]["serviceType"] == "ClusterIP", r.urn
        assert r.inputs["spec"]["authOptions"]["mode"] == "token", r.urn
    for lt in rec.of_type("aws:ec2/launchTemplate:LaunchTemplate"):
        md = lt.inputs["metadataOptions"]
        assert md["httpTokens"] == "required" and md["httpPutResponseHopLimit"] == 1, lt.urn
        assert all(m["ebs"]["encrypted"] == "true" for m in lt.inputs["blockDeviceMappings"]), lt.urn


def test_rules_read_the_engines_proxy_and_only_the_values_they_need():
    """At preview some values are unknown: pulumi-policy's proxy raises UnknownValueError when a rule
    reads one (the engine then skips the rule). The pack hands rules the proxy itself, so an unknown
    value a rule does not read (an AMI id, a desired size) does not stop it."""
    from pulumi_policy.proxy import (
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UnknownValueError,
        _proxy_helper,
    )
    from raystack.policy.pack import policies

    lt = launch_template(hops=2.0).props
    props = _proxy_helper({**lt, "imageId": UNKNOWN_STRING_VALUE}, [])
    reported: list[str] = []

    class Args:
        resource_type = "aws:ec2/launchTemplate:LaunchTemplate"
        name = "lt"

    Args.props = props
    pols = {p.name: p for p in policies()}
    pols["imdsv2-hop-limit-1"].validate(Args(), lambda message, urn: reported.append(message))
    assert reported and "hop" in reported[0].lower(), reported
    unknown = _proxy_helper({**lt, "metadataOptions": {"httpTokens": "required",
                                                       "httpPutResponseHopLimit": UNKNOWN_NUMBER_VALUE}}, [])
    Args.props = unknown
    with pytest.raises(UnknownValueError):
        pols["imdsv2-hop-limit-1"].validate(Args(), lambda message, urn: None)


def test_a_policy_for_another_cluster_isolates_nothing_and_a_head_service_type_counts():
    """K8s N12: ray-namespaces-isolated asks for a policy selecting each Ray object's pods (KubeRay labels every
    RayCluster pod ray.io/cluster=<name>, common/pod.go labelPod@v1.7.0), not any policy in the namespace; and
    ray-head-not-exposed reads headService.spec.type, which overrides serviceType (common/service.go
    setServiceTypeForUserProvidedService@v1.7.0)."""
    other = Res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np", {
        "metadata": {"name": "other", "namespace": "ray"},
        "spec": {"podSelector": {"matchLabels": {"ray.io/cluster": "other"}}, "policyTypes": ["Ingress"]}})
    mine = Res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np2", {
        "metadata": {"name": "rc", "namespace": "ray"},
        "spec": {"podSelector": {"matchExpressions": [{"key": "ray.io/cluster", "operator": "In", "values": ["rc"]}]}}})
    egress_only = Res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np3", {
        "metadata": {"name": "e", "namespace": "ray"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"]}})
    assert "ray-namespaces-isolated" in violated([raycluster(), namespace(), other])
    assert "ray-namespaces-isolated" in violated([raycluster(), namespace(), egress_only])
    assert "ray-namespaces-isolated" not in violated([raycluster(), namespace(), other, mine])
    exposed = raycluster(headGroupSpec={"serviceType": "ClusterIP", "template": pod(),
                                        "headService": {"spec": {"type": "LoadBalancer"}}})
    assert "ray-head-not-exposed" in violated([exposed])


@pytest.mark.parametrize("loosening", [
    {"raystack:security": "relaxed"},
    {"raystack:rayClusters": [{"name": "dev", "namespace": "ray", "auth": "disabled",
                               "workerGroups": [{"name": "l4", "pool": "l4-spot"}]}]},
    {"raystack:rayClusters": [{"name": "dev", "namespace": "ray", "networkPolicy": False,
                               "workerGroups": [{"name": "l4", "pool": "l4-spot", "maxWorkers": 2}]},
                              {"name": "other", "namespace": "ray", "workerGroups": [{"name": "l4", "pool": "l4-spot",
                                                                                       "maxWorkers": 1}]}]},
], ids=["security-relaxed", "auth-disabled", "network-policy-false"])
def test_documented_opt_outs_pass_the_pack_and_show_as_advisory(loosening):
    """Issue 25 ("one truth"): a loosening the README documents passes the program (which warns) and the
    mandatory rules; the pack's advisory ray-opt-outs still names it, so `pulumi preview --policy-pack` shows it."""
    from raystack import RayPlatform
    from raystack import testing as t
    from support import ROOT

    config = dict(t.load_stack_config(t.load_project(ROOT), "dev"))
    config.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in loosening.items()})
    if "raystack:rayClusters" in loosening:  # room for the second cluster
        pools = json.loads(config["raystack:gpuPools"])
        pools[0]["maxSize"] = 4
        config["raystack:gpuPools"] = json.dumps(pools)
    rec = t.run(RayPlatform.from_stack_config, config, stack="dev")
    found = check_all([Res(x.type, x.name, restore_ints(x.inputs)) for x in rec.resources if x.custom])
    assert not [(rule.name, m) for rule, _, m in found if rule.mandatory], found
    assert [m for rule, _, m in found if rule.name == "ray-opt-outs"], "the loosening is named"


def _truth_cases() -> dict[str, tuple[dict, str]]:
    from test_bad_configs import cfg, cluster, group, pool

    pid = {"name": "sa", "podIdentity": {"managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}}
    return {
        "ray-head-not-exposed": (cfg(rayClusters=cluster(head={"serviceType": "LoadBalancer"})),
                                 "raystack:rayClusters[0].head.serviceType"),
        "ray-token-auth": (cfg(rayClusters=cluster(auth="none")), "raystack:rayClusters[0].auth"),
        "ray-pods-restricted": (cfg(rayClusters=cluster(podSecurity={"runAsUser": 0})),
                                "raystack:rayClusters[0].podSecurity.runAsUser"),
        "ray-images-pinned": (cfg(rayClusters=group(image="rayproject/ray:latest")),
                              "raystack:rayClusters[0].workerGroups[0].image"),
        "api-endpoint-not-open": (cfg(environment="staging", endpointPublicAccess=True,
                                      publicAccessCidrs=["0.0.0.0/0"]), "raystack:publicAccessCidrs[0]"),
        "iam-no-wildcards": (cfg(rayClusters=cluster(serviceAccount={"name": "sa", "podIdentity": {"s3Read": ["*"]}})),
                             "raystack:rayClusters[0].serviceAccount.podIdentity.s3Read[0]"),
        "node-role-narrow": (cfg(rayClusters=cluster(serviceAccount=pid)),
                             "raystack:rayClusters[0].serviceAccount.podIdentity.managedPolicyArns[0]"),
        "ray-head-not-on-spot": (cfg(gpuPools=pool(0, capacityType="SPOT", maxSize=4),
                                     rayClusters=cluster(head={"pool": "l4"})), "raystack:rayClusters[0].head.pool"),
        "ray-namespaces-isolated": (cfg(rayClusters=cluster(namespace="kube-system")),
                                    "raystack:rayClusters[0].namespace"),
    }


#: Mandatory rules no key can break: raystack writes the value itself, whatever the config says.
OWNED = {
    "ray-pods-have-limits": "every container's limits come from sizing (ray/pod.py); no key sets them",
    "gpu-pools-tainted": "the accelerator taint comes from the accelerator table; pool taints are added to it",
    "imdsv2-hop-limit-1": "the launch template's and the EC2NodeClass's metadataOptions are fixed (gpu_node_pool.py, "
                          "clouds/aws/karpenter.py)",
    "volumes-encrypted": "every block device mapping is encrypted (gpu_node_pool.py, clouds/aws/karpenter.py); no key "
                         "turns it off",
}


def test_every_mandatory_rule_is_refused_at_resolve_or_cannot_be_broken():
    """Issue 25, one truth: every rule the plan enforces as mandatory also fails `pulumi preview` at resolve, at
    the key; the rules no key reaches are named with the reason. A new mandatory rule fails here until placed."""
    mandatory = {r.name for r in RULES if r.mandatory}
    assert mandatory == set(_truth_cases()) | set(OWNED), (mandatory, set(_truth_cases()) | set(OWNED))
    assert not set(_truth_cases()) & set(OWNED)


@pytest.mark.parametrize("rule", sorted(_truth_cases()))
def test_a_config_that_breaks_a_mandatory_rule_fails_resolve_at_its_key(rule):
    from raystack import ConfigError, resolve

    config, key = _truth_cases()[rule]
    with pytest.raises(ConfigError) as err:
        resolve(config, stack="truth")
    assert [f.key for f in err.value.findings] == [key], f"{rule}: {[str(f) for f in err.value.findings]}"


def test_the_base_of_the_one_truth_cases_passes_resolve_and_every_mandatory_rule():
    from raystack import RayPlatform
    from raystack import testing as t
    from test_bad_configs import BASE, as_config

    rec = t.run(RayPlatform.from_stack_config, as_config(BASE))
    found = check_all([Res(x.type, x.name, restore_ints(x.inputs)) for x in rec.resources if x.custom])
    assert not [(rule.name, m) for rule, _, m in found if rule.mandatory], found


def test_karpenter_objects_are_held_to_the_node_rules():
    """A NodePool of an accelerator without its taint, an EC2NodeClass without IMDSv2 hop limit 1 or with an
    unencrypted volume: each caught alone; the Karpenter variants of dev and neuron pass the pack."""
    from raystack import RayPlatform, testing
    from support import KARPENTER_DEV, KARPENTER_NEURON

    assert "gpu-pools-tainted" in violated([nodepool(taints=False)])
    assert "imdsv2-hop-limit-1" in violated([nodeclass(hops=2)])
    assert "volumes-encrypted" in violated([nodeclass(encrypted=False)])
    assert not violated([nodepool(), nodeclass()])
    for stack, extra in (("dev", KARPENTER_DEV), ("neuron", KARPENTER_NEURON)):
        config = {**testing.load_stack_config(project(), stack), **extra}
        rec = testing.run(RayPlatform.from_stack_config, config, stack=stack)
        karpenter = [x for x in rec.resources if "karpenter" in x.type]
        assert len(karpenter) >= 2, json.dumps([x.type for x in rec.resources])
        found = [(rule.name, r.name if r else None, m) for rule, r, m in check_all(
            [Res(x.type, x.name, restore_ints(x.inputs)) for x in rec.resources if x.custom]) if rule.mandatory]
        assert not found, f"{stack}: {found}"

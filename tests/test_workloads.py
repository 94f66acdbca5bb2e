"""What teams add to their Ray pods (issue 9, first part): env and Secret env, image pull secrets,
pod labels and annotations, scheduler and priority class, extra `ray start` parameters, a head
that runs tasks; cluster-wide with per-head and per-group overrides. Checked with the KubeRay CRD
schema (strict) and Ray's own parser."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
from raystack import resolve

CONFIG = {
    "clusterName": "unit", "apiIngressCidrs": ["10.0.0.0/16"],
    "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}],
    "rayClusters": [{
        "name": "team", "namespace": "ml",
        "env": {"HF_HOME": "/cache/hf", "LOG_LEVEL": "info"},
        "secretEnv": {"HF_TOKEN": {"secret": "hf", "key": "token"}},
        "imagePullSecrets": ["registry-creds"],
        "podLabels": {"team": "ml"}, "podAnnotations": {"example.com/owner": "ml-platform"},
        "priorityClassName": "ray-batch", "rayStartParams": {"metrics-export-port": "8080"},
        "envFrom": [{"configMapRef": {"name": "team-settings"}}],
        "volumes": [{"name": "fsx", "persistentVolumeClaim": {"claimName": "fsx-lustre"}},
                    # Mountpoint for S3's CSI driver provisions statically only (its README): a PVC
                    # bound to the team's PV, not an inline csi volume.
                    {"name": "s3", "persistentVolumeClaim": {"claimName": "team-data-s3"}}],
        "volumeMounts": [{"name": "fsx", "mountPath": "/fsx"}],
        "serviceAccount": {"name": "team-workers", "podIdentity": {"s3Read": ["team-data"]}},
        "initContainers": [{"name": "warm-cache", "image": "busybox:1.36", "command": ["sh", "-c", "true"]}],
        "head": {"runTasks": True, "env": {"LOG_LEVEL": "debug"}},
        "workerGroups": [{"name": "l4", "pool": "l4", "schedulerName": "volcano",
                          "podLabels": {"queue": "gpu"}, "rayStartParams": {"disable-usage-stats": "true"},
                          "volumeMounts": [{"name": "s3", "mountPath": "/s3", "readOnly": True}]}],
    }],
}


def manifest() -> dict:
    (rc,) = resolve(copy.deepcopy(CONFIG)).ray_clusters
    return rc.manifest


def test_pod_options_reach_the_pods_merged_over_the_cluster(raycluster_schema):
    m = manifest()
    errors = [e.message for e in jsonschema.Draft7Validator(raycluster_schema).iter_errors(m)]
    assert not errors, errors
    head = m["spec"]["headGroupSpec"]
    (worker,) = m["spec"]["workerGroupSpecs"]
    head_c = head["template"]["spec"]["containers"][0]
    worker_c = worker["template"]["spec"]["containers"][0]
    assert {"name": "LOG_LEVEL", "value": "debug"} in head_c["env"], "the head's own env wins"
    assert {"name": "LOG_LEVEL", "value": "info"} in worker_c["env"]
    assert {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}} in worker_c["env"]
    for pod in (head["template"], worker["template"]):
        assert pod["spec"]["imagePullSecrets"] == [{"name": "registry-creds"}]
        assert pod["spec"]["priorityClassName"] == "ray-batch"
        assert pod["metadata"]["labels"]["team"] == "ml" and pod["metadata"]["labels"]["raystack.io/pool"]
        assert pod["metadata"]["annotations"] == {"example.com/owner": "ml-platform",
                                                  "raystack.io/pod-identity": "team-workers"}
    assert worker["template"]["spec"]["schedulerName"] == "volcano"
    assert "schedulerName" not in head["template"]["spec"]
    assert worker["template"]["metadata"]["labels"]["queue"] == "gpu"
    assert worker["rayStartParams"]["metrics-export-port"] == "8080"
    assert worker["rayStartParams"]["disable-usage-stats"] == "true"
    assert "num-cpus" not in head["rayStartParams"], "runTasks: the head schedules tasks"
    assert [m["mountPath"] for m in head_c["volumeMounts"]] == ["/dev/shm", "/fsx"]
    assert [m["mountPath"] for m in worker_c["volumeMounts"]] == ["/dev/shm", "/fsx", "/s3"]
    assert [v["name"] for v in worker["template"]["spec"]["volumes"]] == ["dshm", "fsx", "s3"]
    assert worker_c["envFrom"] == [{"configMapRef": {"name": "team-settings"}}]
    assert worker["template"]["spec"]["serviceAccountName"] == "team-workers"
    assert "serviceAccountName" not in head["template"]["spec"], "the head keeps KubeRay's autoscaler account"
    (init,) = worker["template"]["spec"]["initContainers"]
    assert init["securityContext"] == worker_c["securityContext"], "init containers run restricted too"


def test_the_pods_pass_kubernetes_own_pod_schema():
    """kubernetes-validate (strict) on a Pod made of each template: the oracle for the
    Kubernetes-shaped keys, separate from the check resolve() runs."""
    import kubernetes_validate
    from raystack import versions
    from raystack.rules.kube_objects import kubernetes_schema_version

    m = manifest()
    templates = [m["spec"]["headGroupSpec"]["template"]] + [g["template"] for g in m["spec"]["workerGroupSpecs"]]
    for t in templates:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", **t["metadata"]}, "spec": t["spec"]}
        kubernetes_validate.validate(pod, kubernetes_schema_version(versions.EKS_VERSION), strict=True)


def test_ray_sees_the_same_resources_with_the_options():
    types = _derive_autoscaling_config_from_ray_cr(manifest())["available_node_types"]
    assert types["headgroup"]["resources"]["CPU"] == 2
    assert types["l4"]["resources"]["GPU"] == 1


def test_a_group_env_replaces_a_cluster_secret_env_of_the_same_name():
    config = copy.deepcopy(CONFIG)
    config["rayClusters"][0]["workerGroups"][0]["env"] = {"HF_TOKEN": "public-model-no-token"}
    (rc,) = resolve(config).ray_clusters
    (worker,) = rc.manifest["spec"]["workerGroupSpecs"]
    env = worker["template"]["spec"]["containers"][0]["env"]
    names = [e["name"] for e in env]
    assert names.count("HF_TOKEN") == 1, names
    assert {"name": "HF_TOKEN", "value": "public-model-no-token"} in env


def test_s3_policy_names_only_its_buckets():
    from raystack.clouds.aws.iam import s3_access_policy

    assert s3_access_policy([], [], "aws") is None
    doc = s3_access_policy(["data"], ["ckpt"], "aws")
    assert doc is not None
    resources = {r for st in doc["Statement"] for r in st["Resource"]}
    assert resources == {"arn:aws:s3:::data", "arn:aws:s3:::ckpt", "arn:aws:s3:::data/*", "arn:aws:s3:::ckpt/*"}
    writes = next(st for st in doc["Statement"] if st["Sid"] == "WriteObjects")
    assert writes["Resource"] == ["arn:aws:s3:::ckpt/*"], "read-only buckets get no write"
    assert not any("*" in a for st in doc["Statement"] for a in st["Action"])


def test_workloads_stack_identity_exists_before_the_ray_pods_and_goes_after_them():
    """KubeRay refuses to reconcile a head or group naming an account that does not exist (v1.7.0
    reconcileAutoscalerServiceAccount), and the EKS Pod Identity webhook injects credentials only
    into pods admitted after the association exists: the RayCluster depends on both, so it is also
    deleted before them on destroy."""
    from conftest import run_stack

    rec = run_stack("workloads")
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    (sa,) = rec.of_type("kubernetes:core/v1:ServiceAccount")
    assert sa.inputs["metadata"]["name"] == "finetune-workers" and sa.inputs["metadata"]["namespace"] == "ml", sa.urn
    assocs = [r for r in rec.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
              if r.inputs["namespace"] == "ml"]
    assert sorted(a.inputs["serviceAccount"] for a in assocs) == ["finetune", "finetune-workers"], rc.urn
    for dep in [sa, *assocs]:
        assert dep.urn in rc.dependencies, f"{rc.urn} must wait for {dep.urn}"
    policies = [r for r in rec.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-identity-s3")]
    (policy,) = policies
    doc = json.loads(policy.inputs["policy"])
    buckets = {res.split(":::")[1].split("/")[0] for st in doc["Statement"] for res in st["Resource"]}
    assert buckets == {"acme-ml-training-data", "acme-ml-checkpoints"}, policy.urn


def test_extra_placement_on_an_existing_pool_keeps_the_pool_binding():
    config = {
        "clusterName": "team", "clusterMode": "existing", "kubeconfig": "~/.kube/config", "clusterAutoscaler": False,
        "existingPools": [{"name": "cpu", "nodeSelector": {"role": "cpu"}, "instanceType": "m7i.2xlarge", "maxNodes": 2},
                          {"name": "a10g", "nodeSelector": {"pool": "a10g"}, "instanceType": "g5.12xlarge",
                           "maxNodes": 2, "taints": [{"key": "nvidia.com/gpu", "value": "true",
                                                      "effect": "NoSchedule"}]}],
        "rayClusters": [{"name": "rc", "head": {"pool": "cpu"}, "workerGroups": [{
            "name": "w", "pool": "a10g", "nodeSelector": {"topology.kubernetes.io/zone": "us-east-1a"},
            "tolerations": [{"key": "team", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}]}]}],
    }
    (rc,) = resolve(config).ray_clusters
    (worker,) = rc.manifest["spec"]["workerGroupSpecs"]
    spec = worker["template"]["spec"]
    assert spec["nodeSelector"] == {"pool": "a10g", "topology.kubernetes.io/zone": "us-east-1a"}
    assert {"key": "team", "operator": "Equal", "value": "ml", "effect": "NoSchedule"} in spec["tolerations"]
    assert any(t["key"] == "nvidia.com/gpu" for t in spec["tolerations"]), "the pool's own tolerations stay"


def _gpu_head(head: dict, pools: list | None = None, group: dict | None = None):
    return resolve({"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"],
                    "gpuPools": pools or [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2},
                                          {"name": "x4", "instanceType": "g6.12xlarge", "maxSize": 2}],
                    "rayClusters": [{"name": "r", "head": head,
                                     "workerGroups": [group or {"name": "g", "pool": "x4"}]}]})


def test_a_head_on_a_gpu_pool_gets_its_devices_the_toleration_and_the_gpu_image(raycluster_schema):
    """head.pool on an accelerator pool: the head requests the node's devices (all by default),
    tolerates and selects the pool, runs the pool's accelerator image, and Ray's own parser sees
    the GPUs. KubeRay v1.7.0 refuses a group setting both rayStartParams resources and the
    `resources` field (validateRayGroupResources): the head keeps to rayStartParams."""
    (rc,) = _gpu_head({"pool": "l4", "cpu": 2, "memoryGib": 8}).ray_clusters
    m = rc.manifest
    errors = [e.message for e in jsonschema.Draft7Validator(raycluster_schema).iter_errors(m)]
    assert not errors, errors
    head = m["spec"]["headGroupSpec"]
    pod = head["template"]["spec"]
    c = pod["containers"][0]
    assert c["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert c["image"].endswith("-gpu"), c["image"]
    assert pod["nodeSelector"] == {"raystack.io/pool": "l4"}
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"]), pod["tolerations"]
    assert head["rayStartParams"]["num-gpus"] == "1" and "resources" not in head
    types = _derive_autoscaling_config_from_ray_cr(m)["available_node_types"]
    assert types["headgroup"]["resources"]["GPU"] == 1


def test_a_head_on_a_neuron_pool_declares_neuron_cores_as_ray_parses_them():
    pools = [{"name": "inf2", "instanceType": "inf2.xlarge", "maxSize": 2}]
    image = "registry.example.com/ray-neuron:2.55.0"
    (rc,) = _gpu_head({"pool": "inf2", "image": image}, pools,
                      {"name": "g", "pool": "inf2", "image": image, "maxWorkers": 1}).ray_clusters
    head = rc.manifest["spec"]["headGroupSpec"]
    assert head["template"]["spec"]["containers"][0]["resources"]["limits"]["aws.amazon.com/neuron"] == "1"
    types = _derive_autoscaling_config_from_ray_cr(rc.manifest)["available_node_types"]
    assert types["headgroup"]["resources"]["neuron_cores"] == 2, types["headgroup"]


def test_a_neuron_head_without_an_image_is_refused_naming_head_image():
    from raystack import ConfigError

    pools = [{"name": "inf2", "instanceType": "inf2.xlarge", "maxSize": 2}]
    try:
        _gpu_head({"pool": "inf2"}, pools, {"name": "g", "pool": "inf2", "image": "registry.example.com/r:2.55.0"})
    except ConfigError as e:
        assert [f.key for f in e.findings] == ["raystack:rayClusters[0].head.image"], e.findings
    else:
        raise AssertionError("a Neuron head without an image must be refused")


def test_a_head_that_leaves_its_devices_idle_is_warned_about():
    platform = _gpu_head({"pool": "l4", "accelerators": 0})
    (w,) = [w for w in platform.warnings if w.key.endswith("head.accelerators")]
    assert "without using its devices" in w.message, w
    (rc,) = platform.ray_clusters
    assert "nvidia.com/gpu" not in rc.manifest["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0][
        "resources"]["limits"]
    assert not rc.manifest["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"].endswith("-gpu")


def test_a_head_on_a_worker_pool_takes_a_node_the_groups_cannot_count_on():
    """A worker group alone may use the whole pool; with the head on it too, its default maxWorkers leaves the
    head's node out (newcomer review P1: a default never makes a valid config invalid), and an explicit maximum
    that counts on that node is refused."""
    from raystack import ConfigError

    platform = _gpu_head({"pool": "l4"}, group={"name": "g", "pool": "l4"})
    (group,) = platform.ray_clusters[0].manifest["spec"]["workerGroupSpecs"]
    assert group["maxReplicas"] == 1, group["maxReplicas"]
    try:
        _gpu_head({"pool": "l4"}, group={"name": "g", "pool": "l4", "maxWorkers": 2})
    except ConfigError as e:
        assert [f.key for f in e.findings] == ["raystack:gpuPools[0].maxSize"], e.findings
        assert "raystack:rayClusters[0].head keep(s) 1 of them" in str(e.findings[0])
        assert "raystack:rayClusters[0].workerGroups[0] can never reach its 2 node(s)" in str(e.findings[0])
    else:
        raise AssertionError("head + 2 workers on a 2-node pool must be refused")


def test_spot_alternatives_reach_the_node_group_and_size_for_the_smallest():
    from raystack.hardware import catalog

    platform = resolve({"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"], "nodePools": [
        {"name": "cpu", "instanceType": "m7i.2xlarge", "capacityType": "SPOT",
         "spotAlternatives": ["m6i.2xlarge", "m5.2xlarge"]}], "rayClusters": []})
    (pool,) = platform.node_pools
    assert pool.instance_types == ("m7i.2xlarge", "m6i.2xlarge", "m5.2xlarge")
    types = [catalog.lookup(n) for n in pool.instance_types]
    assert pool.facts.allocatable_memory_mib == min(t.allocatable_memory_mib for t in types)
    assert pool.facts.price_usd_hour == max(t.price_usd_hour or 0 for t in types)


def test_turning_pod_identity_on_changes_every_pod_template():
    """KubeRay's Recreate strategy replaces the pods when the spec hash (without replicas) changes
    (v1.7.0 shouldRecreatePodsForUpgrade); the webhook only gives credentials at admission. So
    adding podIdentity to an account the pods already use must still change each template."""
    without = copy.deepcopy(CONFIG)
    del without["rayClusters"][0]["serviceAccount"]["podIdentity"]
    (before,) = resolve(without).ray_clusters
    after = manifest()
    for path in (("headGroupSpec",), ("workerGroupSpecs", 0)):
        b, a = before.manifest["spec"], after["spec"]
        for p in path:
            b, a = b[p], a[p]
        assert b["template"] != a["template"], path
        assert a["template"]["metadata"]["annotations"]["raystack.io/pod-identity"] == "team-workers"


def test_a_head_on_spot_capacity_is_refused_as_the_pack_refuses_it():
    """Issue 25, one truth: the policy pack's mandatory ray-head-not-on-spot, at resolve (it was a warning)."""
    from raystack import ConfigError

    with pytest.raises(ConfigError) as err:
        _gpu_head({"pool": "l4"}, [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 3,
                                    "capacityType": "SPOT"}], {"name": "g", "pool": "l4", "maxWorkers": 2})
    (f,) = err.value.findings
    assert f.key == "raystack:rayClusters[0].head.pool" and "Spot" in f.message and f.value == "l4", f


def test_a_graviton_cpu_pool_gets_the_arm_ami_and_the_aarch64_image():
    platform = resolve({"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"],
                        "nodePools": [{"name": "arm", "instanceType": "m7g.4xlarge", "maxSize": 2}],
                        "rayClusters": [{"name": "r", "workerGroups": [
                            {"name": "c", "pool": "arm", "cpu": 4, "memoryGib": 16}]}]})
    (pool,) = platform.node_pools
    assert pool.ami_type == "AL2023_ARM_64_STANDARD" and pool.facts.architecture == "arm64"
    (rc,) = platform.ray_clusters
    (group,) = rc.manifest["spec"]["workerGroupSpecs"]
    assert group["template"]["spec"]["containers"][0]["image"].endswith("-aarch64")
    assert rc.groups[0].size.pods_per_node == 3, "three 4-CPU / 16 GiB workers share a 16-vCPU / 64 GiB node"

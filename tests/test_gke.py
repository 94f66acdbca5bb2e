"""GKE (issue 22): GPU and TPU node pools behind the cloud seam. The stacks plan valid; a TPU slice is what Ray's own
code says it is; each bad config is refused once; the requests are GKE API v1's (the discovery document)."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import googleapiclient
import pytest
from raystack.clouds.gcp import pools as gke_pools
from raystack.clouds.gcp import requests, tpu
from raystack.hardware import allocatable, catalog
from raystack.model.resolve import resolve
from support import planned, stack_spec
from test_bad_configs import assert_refused_once

ZONE = "us-central1-a"
BASE: dict[str, Any] = {
    "cloud": "gcp",
    "clusterName": "unit",
    "apiIngressCidrs": ["10.30.0.0/16"],
    "network": {"cidr": "10.30.0.0/16"},
    "systemPool": {"minSize": 1},
    "gpuPools": [{"name": "v5e", "instanceType": "ct5lp-hightpu-4t", "tpuTopology": "4x4", "maxSize": 2}],
    "kuberay": {"operator": "managed"},
    "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "v5e"}]}],
}


def cfg(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


def as_config(raw: dict[str, Any]) -> dict[str, str]:
    return {"gcp:zone": ZONE, "gcp:project": "unit",
            **{f"raystack:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}}


def pool(**changes: Any) -> list[dict[str, Any]]:
    return [{**BASE["gpuPools"][0], **changes}]


BAD = [
    # Each case: the config, the key the one finding names, a fragment of its message.
    ("tpu-topology-the-machine-cannot-form", cfg(gpuPools=pool(tpuTopology="2x4")), "raystack:gpuPools[0].tpuTopology",
     "forms the topologies 2x2, 4x4"),
    ("num-of-hosts-not-the-topologys", cfg(rayClusters=[{"name": "rc", "workerGroups": [
        {"name": "w", "pool": "v5e", "numOfHosts": 2}]}]), "raystack:rayClusters[0].workerGroups[0].numOfHosts",
     "forms slices of 4 host(s)"),
    ("gpu-type-not-on-the-family", cfg(gpuPools=[{"name": "l4", "instanceType": "g2-standard-4",
                                                  "gpuType": "nvidia-tesla-a100"}], rayClusters=[]),
     "raystack:gpuPools[0].gpuType", "carries nvidia-l4"),
    ("managed-operator-with-install", cfg(kuberay={"operator": "managed", "install": True}), "raystack:kuberay.install",
     "leave kuberay.install out"),
    ("multi-host-slice-without-the-tpu-webhook", cfg(kuberay={}), "raystack:gpuPools[0].tpuTopology",
     "Ray TPU webhook"),
    ("tpu-topology-on-a-gpu-pool", cfg(gpuPools=[{"name": "l4", "instanceType": "g2-standard-4", "tpuTopology": "2x2"}],
                                      rayClusters=[]), "raystack:gpuPools[0].tpuTopology", "not a TPU machine type"),
    ("part-of-a-tpu-host", cfg(rayClusters=[{"name": "rc", "workerGroups": [
        {"name": "w", "pool": "v5e", "acceleratorsPerWorker": 2}]}]),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "takes every one of its host's"),
    ("time-sharing-a-tpu", cfg(gpuPools=pool(gpuTimeSharing=2)), "raystack:gpuPools[0].gpuTimeSharing",
     "on a GPU machine"),
    ("two-shares-a-worker", cfg(gpuPools=[{"name": "l4", "instanceType": "g2-standard-16", "gpuTimeSharing": 2}],
                                rayClusters=[{"name": "rc", "workerGroups": [
                                    {"name": "w", "pool": "l4", "acceleratorsPerWorker": 2}]}]),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "a container takes one share"),
    ("tpu-topology-on-eks", {"clusterName": "unit", "apiIngressCidrs": ["10.30.0.0/16"],
                             "network": {"cidr": "10.30.0.0/16"},
                             "gpuPools": [{"name": "gpu", "instanceType": "g6.xlarge", "tpuTopology": "2x2"}]},
     "raystack:gpuPools[0].tpuTopology", "not on EKS"),
    ("mig-on-an-l4", cfg(gpuPools=[{"name": "l4", "instanceType": "g2-standard-16", "gpuPartitionSize": "1g.5gb"}],
                         rayClusters=[]), "raystack:gpuPools[0].gpuPartitionSize", "has no MIG partitions"),
    ("mig-size-of-another-gpu", cfg(gpuPools=[{"name": "a", "instanceType": "a2-highgpu-1g",
                                               "gpuPartitionSize": "1g.10gb"}], rayClusters=[]),
     "raystack:gpuPools[0].gpuPartitionSize", "1g.5gb, 2g.10gb, 3g.20gb, 7g.40gb"),
    ("ec2-type-on-gke", cfg(gpuPools=pool(instanceType="g6.xlarge", tpuTopology=None)),
     "raystack:gpuPools[0].instanceType", "not a GKE machine type"),
    ("overlapping-network", cfg(network={"cidr": "10.64.0.0/12"}, apiIngressCidrs=["10.64.0.0/12"]),
     "raystack:network.cidr", "overlaps the cluster's pod range"),
    ("s3-on-gke", cfg(rayClusters=[{"name": "rc", "serviceAccount": {"name": "ray", "podIdentity": {
        "s3Read": ["team-data"]}}, "workerGroups": [{"name": "w", "pool": "v5e"}]}]),
     "raystack:rayClusters[0].serviceAccount.podIdentity.s3Read", "AWS IAM, not on GKE"),
]


@pytest.mark.parametrize(("raw", "key", "fragment"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_gke_config_fails_naming_the_key_and_registers_nothing(raw, key, fragment):
    raw = {k: v for k, v in raw.items()}
    for p in raw.get("gpuPools") or []:
        if p.get("tpuTopology") is None:
            p.pop("tpuTopology", None)
    assert_refused_once(as_config(raw), key, fragment)


@pytest.mark.parametrize(("vcpu", "gib", "cpu_m", "mem_reserved"), [
    # GKE plan-node-sizes: CPU 6%/1%/0.5%/0.25% bands; memory 25% of 4 GiB, 20% of 4, 10% of 8, 6% to 128, 2% above.
    (8, 32, 7910, 1024 + 819.2 + 819.2 + 983.04),
    (112, 192, 111650, 1024 + 819.2 + 819.2 + 6881.28 + 1310.72),
    (4, 16, 3920, 1024 + 819.2 + 819.2),
])
def test_gke_allocatable_follows_the_documented_reservations(vcpu, gib, cpu_m, mem_reserved):
    assert allocatable.allocatable_cpu_millis(vcpu) == cpu_m
    assert allocatable.gke_kube_reserved_memory_mib(gib) == int(-(-mem_reserved // 1))
    assert allocatable.gke_kube_reserved_memory_mib(0.5) == 255


def test_every_tpu_row_is_a_slice_rays_own_tables_know():
    """The TPU table agrees with Ray 2.60.0: each topology is one Ray accepts for the generation, its chips per host
    are Ray's (get_chips_per_host), and the GKE accelerator label maps to the generation (KubeRay autoscaler utils)."""
    from ray._private.accelerators import tpu as ray_tpu
    from ray.autoscaler._private.kuberay.utils import (
        gke_tpu_accelerator_to_generation,
        tpu_node_selectors_to_type,
    )

    rows = [n for n in catalog.accelerator_types("gcp") if catalog.lookup(n).family in tpu.FAMILIES]
    assert len(rows) == 7
    for name in rows:
        it = catalog.lookup(name)
        family = tpu.FAMILIES[it.family]
        assert gke_tpu_accelerator_to_generation[family.gke_accelerator] == family.generation, name
        for topology in tpu.allowed(family, it.accelerator_count):
            assert topology in ray_tpu.VALID_TPU_TOPOLOGY[family.generation], (name, topology)
            assert ray_tpu.get_chips_per_host(topology, family.generation) == it.accelerator_count, (name, topology)
            assert tpu_node_selectors_to_type(topology, family.gke_accelerator) == tpu.pod_type(family, topology)


@pytest.mark.parametrize("stack", ["gke-dev", "gke-tpu"])
def test_the_gke_stacks_plan_valid(stack, capsys):
    """`raystack plan --stack gke-*`: valid, every RayCluster and RayJob checked against the KubeRay CRDs and through
    Ray's parser; the plan document keeps its schema."""
    doc = planned(stack, capsys)
    assert "Ray's autoscaler parser" in doc["checks"]["ray-parser"]


def test_a_v5e_16_slice_is_one_group_of_4_hosts_that_ray_sees_as_one_slice():
    """gke-tpu: the RayJob's slice group runs numOfHosts 4 pods of 4 chips each, replicas count slices, and Ray's own
    KubeRay parser gives every host TPU 4 and the group the slice head resource TPU-v5litepod-16-head."""
    from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr

    platform = resolve(stack_spec("gke-tpu"), region=ZONE)
    (job,) = platform.ray_workloads
    cluster = job.manifest["spec"]["rayClusterSpec"]
    (group,) = [g for g in cluster["workerGroupSpecs"] if g["groupName"] == "slice"]
    assert group["numOfHosts"] == 4 and group["maxReplicas"] == 1, group
    pod = group["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["google.com/tpu"] == "4"
    assert pod["nodeSelector"] == {"raystack.io/pool": "v5e", tpu.ACCELERATOR_LABEL: "tpu-v5-lite-podslice",
                                   tpu.TOPOLOGY_LABEL: "4x4"}
    assert {"key": "google.com/tpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"} in \
        pod["tolerations"]
    parsed = _derive_autoscaling_config_from_ray_cr({"metadata": {"name": "jax", "namespace": "ray"},
                                                     "spec": cluster})
    node_type = parsed["available_node_types"]["slice"]
    assert node_type["resources"]["TPU"] == 4 and node_type["resources"]["TPU-v5litepod-16-head"] == 1, node_type
    assert node_type["max_workers"] == 4, "Ray's autoscaler counts hosts: one slice of 4"
    facts = platform.pools["v5e"]
    assert (facts.hosts_per_slice, facts.max_nodes) == (4, 4)


def test_a_gpu_group_on_gke_sees_its_l4():
    platform = resolve(stack_spec("gke-dev"), region=ZONE)
    (rc,) = platform.ray_clusters
    (group,) = rc.manifest["spec"]["workerGroupSpecs"]
    assert group["resources"]["GPU"] == "1" and group["resources"]["accelerator_type:L4"] == "1", group
    assert group["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert platform.pools["l4spot"].price_usd_hour == pytest.approx(0.70683)


# --- the request-shape oracle: GKE API v1's discovery document ---------------------------------------------------

DISCOVERY = json.loads((__import__("pathlib").Path(os.path.dirname(googleapiclient.__file__)) /
                        "discovery_cache/documents/container.v1.json").read_text())
#: How terraform-provider-google expands pulumi-gcp's arguments into the GKE API request (resource_container_*.go,
#: node_config.go expandNodeConfig): renamed members; the rest are the camelCase of the argument.
RENAMED: dict[Any, str] = {"guest_accelerators": "accelerators", ("AcceleratorConfig", "type"): "acceleratorType",
           ("AcceleratorConfig", "count"): "acceleratorCount", "gpu_driver_installation_config": "gpuDriverInstallationConfig", "consume_reservation_type":
           "consumeReservationType", "node_config": "config", "initial_node_count": "initialNodeCount",
           "ray_operator_configs": "rayOperatorConfig", "cidr_blocks": "cidrBlocks"}
#: Arguments that are not API members (the provider's own, or set elsewhere in the request).
NOT_API = {"cluster", "location", "remove_default_node_pool", "deletion_protection", "min_master_version",
           "datapath_provider", "networking_mode", "enable_shielded_nodes", "release_channel", "spot",
           "ignore_node_count_changes", "initial_node_count"}


def api_shape(value: Any, schema: dict[str, Any], at: str, errors: list[str]) -> None:
    if "$ref" in schema:
        schema = DISCOVERY["schemas"][schema["$ref"]]
    if isinstance(value, dict) and schema.get("type") == "object" and "properties" in schema:
        for k, v in value.items():
            if k in NOT_API:
                continue
            member = RENAMED.get((schema.get("id"), k)) or RENAMED.get(k) or "".join(w.capitalize() if i else w for i, w in enumerate(k.split("_")))
            if member not in schema["properties"]:
                errors.append(f"{at}.{k}: {member} is not a member of {schema.get('id')}")
                continue
            sub = schema["properties"][member]
            if isinstance(v, list) and k == "ray_operator_configs":
                v = v[0]
            api_shape(v, sub, f"{at}.{k}", errors)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            api_shape(v, schema.get("items", {}), f"{at}[{i}]", errors)
    elif "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in {schema['enum']}")
    elif schema.get("type") == "integer" and not isinstance(value, int):
        errors.append(f"{at}: {value!r} is not an integer")


def requests_of(stack: str) -> list[tuple[str, dict[str, Any], str]]:
    platform = resolve(stack_spec(stack), region=ZONE)
    plan = platform.cloud_plan
    out = [("Cluster", requests.cluster(platform, plan, "unit"), "Cluster")]
    out.append(("system", requests.system_pool(platform.system_pool, "unit", ZONE, "n@unit.iam"), "NodePool"))
    out += [(b["name"], b, "NodePool") for p in platform.node_pools
            for b in requests.node_pools(p, "unit", ZONE, "n@unit.iam")]
    return out


@pytest.mark.parametrize("stack", ["gke-dev", "gke-tpu"])
def test_every_gke_request_is_a_gke_api_v1_request(stack):
    """Members, nesting and enums of each Cluster and NodePool request, as the provider sends them, against the GKE
    API v1 discovery document (google-api-python-client 2.202.0, revision 20261027)."""
    from raystack import versions

    assert DISCOVERY["revision"] == versions.GKE_DISCOVERY_REVISION
    errors: list[str] = []
    for name, body, kind in requests_of(stack):
        api_shape(body, {"$ref": kind}, f"{stack}:{name}", errors)
    assert not errors, errors
    tpu_pools = [b for n, b, _ in requests_of("gke-tpu") if "placement_policy" in b]
    assert tpu_pools and all(b["placement_policy"] == {"type": "COMPACT", "tpu_topology": "4x4"} for b in tpu_pools)


def test_the_oracle_fails_on_planted_mistakes():
    errors: list[str] = []
    bad = requests.node_pools(resolve(stack_spec("gke-dev"), region=ZONE).node_pools[0], "unit", ZONE, None)[0]
    bad["node_config"]["taints"][0]["effect"] = "NoSchedule"  # Kubernetes' spelling, not GKE's
    bad["placement_policy"] = {"type": "SPREAD"}
    bad["node_config"]["gpu_count"] = 1
    api_shape(bad, {"$ref": "NodePool"}, "bad", errors)
    assert len(errors) == 3, errors
    typed = typed_args_errors(bad["node_config"], "NodePoolNodeConfig", "bad.node_config")
    assert typed == ["bad.node_config.gpu_count: not an argument of NodePoolNodeConfigArgs"], typed


def test_a_zone_prices_as_its_region():
    assert gke_pools.region_of("us-central1-a") == "us-central1" and gke_pools.region_of(None) is None


def test_the_gke_components_stand_on_their_own():
    """GkeCluster and GkeNodePool from a team's own program: resolved before anything registers (a topology the
    machine cannot form fails with its key), then the same requests RayPlatform sends: a slice pool a slice."""
    from raystack import GkeCluster, GkeNodePool, testing
    from raystack.model.findings import ConfigError

    def program():
        cluster = GkeCluster("c", {"cluster_name": "team-gke", "project": "team", "zone": ZONE, "ray_operator": True,
                                   "api_ingress_cidrs": ["10.30.0.0/16"], "network": {"cidr": "10.30.0.0/16"}})
        GkeNodePool("tpu", {"pool": {"name": "v6e", "instance_type": "ct6e-standard-4t", "tpu_topology": "4x4",
                                     "max_size": 2}, "cluster_name": cluster.cluster_name, "zone": ZONE,
                            "node_service_account": cluster.node_service_account})

    rec = testing.run(program, {})
    (gke,) = rec.of_type("gcp:container/cluster:Cluster")
    assert gke.inputs["privateClusterConfig"]["enablePrivateEndpoint"] is True, gke.urn
    assert gke.inputs["addonsConfig"]["rayOperatorConfigs"] == [{"enabled": True}], gke.urn
    slices = [p for p in rec.of_type("gcp:container/nodePool:NodePool") if p.inputs["name"].startswith("v6e")]
    assert sorted(p.inputs["name"] for p in slices) == ["v6e-0", "v6e-1"]
    assert all(p.inputs["autoscaling"]["totalMaxNodeCount"] == 4 and p.inputs["placementPolicy"]["tpuTopology"] == "4x4"
               for p in slices), [p.inputs for p in slices]
    assert {p.inputs["nodeConfig"]["taints"][0]["key"] for p in slices} == {"google.com/tpu"}

    def bad():
        GkeNodePool("tpu", {"pool": {"name": "v6e", "instance_type": "ct6e-standard-4t", "tpu_topology": "2x4"},
                            "cluster_name": "c", "zone": ZONE})
    rec = testing.Recording()
    with pytest.raises(ConfigError, match="tpuTopology"):
        testing.run(bad, {}, recording=rec)
    assert not rec.resources


VARIANT = {**stack_spec("gke-dev"), "gpuPools": [
    {"name": "h100", "instanceType": "a3-highgpu-8g", "os": "ubuntu", "capacityReservationId": "team-h100",
     "maxSize": 2},
    {"name": "v6e", "instanceType": "ct6e-standard-8t", "tpuTopology": "2x4", "capacityType": "SPOT"},
    {"name": "v5p", "instanceType": "ct5p-hightpu-4t", "tpuTopology": "2x2x2", "maxSize": 2},
    {"name": "l4shared", "instanceType": "g2-standard-16", "gpuTimeSharing": 4},
    {"name": "a100mig", "instanceType": "a2-highgpu-1g", "gpuPartitionSize": "1g.5gb"}],
    "kuberay": {"operator": "managed"}, "rayClusters": []}


def _args_class(prefix: str, key: str, is_list: bool) -> str:
    name = "".join(w.capitalize() for w in key.split("_"))
    return prefix + (name[:-1] if is_list and name.endswith("s") else name)


def typed_args_errors(value: dict[str, Any], cls: str, at: str) -> list[str]:
    """Every key of a nested argument is a parameter of pulumi-gcp's typed Args class for it (NodePoolNodeConfigArgs,
    ClusterPrivateClusterConfigArgs, ...): the provider's own schema, as its SDK types it."""
    import inspect

    import pulumi_gcp as gcp

    args = getattr(gcp.container, f"{cls}Args", None)
    if args is None and all(isinstance(v, str) for v in value.values()):
        return []  # a map argument (labels): its keys are the user's
    if args is None:
        return [f"{at}: no pulumi-gcp {cls}Args"]
    params = set(inspect.signature(args.__init__).parameters) - {"__self__", "self"}
    errors = [f"{at}.{k}: not an argument of {cls}Args" for k in value if k not in params]
    for k, v in value.items():
        if isinstance(v, dict):
            errors += typed_args_errors(v, _args_class(cls, k, False), f"{at}.{k}")
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            errors += [e for x in v for e in typed_args_errors(x, _args_class(cls, k, True), f"{at}.{k}[]")]
    return errors


def test_every_gke_argument_is_one_pulumi_gcp_types_and_a_variant_passes_the_api_oracle():
    """A variant (an H100 pool on Ubuntu consuming a named reservation, a Spot v6e 2x4 on one 8-chip host, two v5p
    2x2x2 slices of 2 hosts) and the stacks: each nested argument is one pulumi-gcp's typed Args take, and each request
    passes the GKE API v1 discovery document."""
    import pulumi_gcp as gcp
    from raystack import versions

    assert gcp.__name__ and versions.PULUMI_GCP_VERSION.startswith("10.")
    platform = resolve(VARIANT, region=ZONE)
    bodies = [("Cluster", requests.cluster(platform, platform.cloud_plan, "unit"))] + [
        ("NodePool", b) for p in platform.node_pools for b in requests.node_pools(p, "unit", ZONE, "n@unit.iam")]
    for stack in ("gke-dev", "gke-tpu"):
        bodies += [(kind, body) for _, body, kind in requests_of(stack)]
    errors: list[str] = []
    for kind, body in bodies:
        for k, v in body.items():
            if isinstance(v, dict):
                errors += typed_args_errors(v, _args_class(kind, k, False), f"{kind}.{k}")
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                errors += [e for x in v for e in typed_args_errors(x, _args_class(kind, k, True), f"{kind}.{k}[]")]
        api_shape(body, {"$ref": kind}, f"variant:{body.get('name')}", errors)
    assert not errors, errors
    h100 = next(b for k, b in bodies if b.get("name") == "h100")
    assert h100["node_config"]["reservation_affinity"] == {
        "consume_reservation_type": "SPECIFIC_RESERVATION", "key": "compute.googleapis.com/reservation-name",
        "values": ["team-h100"]}
    assert h100["node_config"]["image_type"] == "UBUNTU_CONTAINERD"
    v5p = sorted(b["name"] for k, b in bodies if b.get("name", "").startswith("v5p"))
    assert v5p == ["v5p-0", "v5p-1"] and platform.pools["v5p"].hosts_per_slice == 2
    assert platform.pools["v6e"].hosts_per_slice == 1 and platform.pools["v6e"].accelerators_per_node == 8
    shared = next(b for k, b in bodies if b.get("name") == "l4shared")
    assert shared["node_config"]["guest_accelerators"][0]["gpu_sharing_config"] == {
        "gpu_sharing_strategy": "TIME_SHARING", "max_shared_clients_per_gpu": 4}
    assert (platform.pools["l4shared"].accelerators_per_node, platform.pools["l4shared"].shared_by) == (4, 4)
    mig = next(b for k, b in bodies if b.get("name") == "a100mig")
    assert mig["node_config"]["guest_accelerators"][0]["gpu_partition_size"] == "1g.5gb"
    # GKE's MIG example: seven 1g.5gb workloads on one a2-highgpu-1g, each nvidia.com/gpu 1.
    assert (platform.pools["a100mig"].accelerators_per_node, platform.pools["a100mig"].node_selector[
        gke_pools.PARTITION_LABEL]) == (7, "1g.5gb")


def test_an_existing_clusters_multi_host_slice_is_one_group_of_its_hosts():
    """An existing GKE cluster's v5e 4x4 slice (described by its labels, as GKE sets them): one worker group replica
    of 4 pods, one a host, Ray's parser seeing the slice head resource; the plan warns that the cluster must run
    the Ray TPU webhook, which raystack cannot see from here."""
    from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
    from raystack.model.resolve import resolve as resolve_with

    raw = {"clusterName": "theirs", "clusterMode": "existing", "kubeconfig": "apiVersion: v1", "existingPools": [
        {"name": "cpu", "nodeSelector": {"pool": "cpu"}, "instanceType": "n2-highmem-32", "maxNodes": 2},
        {"name": "slice", "nodeSelector": {tpu.ACCELERATOR_LABEL: "tpu-v5-lite-podslice", tpu.TOPOLOGY_LABEL: "4x4"},
         "instanceType": "ct5lp-hightpu-4t", "maxNodes": 8,
         "taints": [{"key": "google.com/tpu", "value": "present", "effect": "NoSchedule"}]}],
        "rayClusters": [{"name": "jax", "head": {"pool": "cpu"}, "workerGroups": [{"name": "v5e", "pool": "slice"}]}]}
    platform = resolve_with(raw)
    facts = platform.pools["slice"]
    assert (facts.hosts_per_slice, facts.max_nodes) == (4, 8)
    (group,) = platform.ray_clusters[0].manifest["spec"]["workerGroupSpecs"]
    assert (group["numOfHosts"], group["maxReplicas"]) == (4, 2), group
    parsed = _derive_autoscaling_config_from_ray_cr(platform.ray_clusters[0].manifest)
    assert parsed["available_node_types"]["v5e"]["resources"]["TPU-v5litepod-16-head"] == 1
    assert any("Ray TPU webhook" in w.message for w in platform.warnings), platform.warnings

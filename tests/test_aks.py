"""AKS (cloud: azure): bad configs refused with one message each before anything is registered, the AKS
allocatable formula as a table, pools and their facts, the managed operator, and the seam that lets a cloud
be added as a package and data rows."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from raystack import ConfigError, RayPlatform, resolve, testing
from raystack.hardware import allocatable, catalog
from support import planned
from test_bad_configs import assert_refused_once

BASE: dict[str, Any] = {
    "cloud": "azure",
    "clusterName": "unit",
    "apiIngressCidrs": ["10.20.0.0/16"],
    "network": {"cidr": "10.20.0.0/16"},
    "gpuPools": [{"name": "a100", "instanceType": "Standard_NC24ads_A100_v4", "maxSize": 2}],
    "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "a100"}]}],
}


def cfg(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


def pool(**changes: Any) -> list[dict[str, Any]]:
    return [{**BASE["gpuPools"][0], **changes}]


def as_config(raw: dict[str, Any], location: str | None = "eastus") -> dict[str, str]:
    config = {"azure-native:location": location} if location else {}
    config.update({f"raystack:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()})
    return config


CASES = [
    # The four the issue names.
    ("unknown-vm-size", cfg(gpuPools=pool(instanceType="Standard_NC24ads_A100_v9")), "raystack:gpuPools[0].instanceType",
     "did you mean 'Standard_NC24ads_A100_v4'"),
    ("gpus-above-the-size", cfg(rayClusters=[{"name": "rc", "workerGroups": [
        {"name": "w", "pool": "a100", "acceleratorsPerWorker": 2}]}]),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "nodes have 1 nvidia.com/gpu; allowed 1..1"),
    ("spot-system-pool", cfg(systemPool={"capacityType": "SPOT"}), "raystack:systemPool.capacityType",
     "AKS refuses Spot system pools"),
    ("private-and-unreachable", cfg(apiIngressCidrs=[]), "raystack:apiIngressCidrs",
     "nothing where `pulumi up` runs could reach it"),
    # And the rest of AKS's rules.
    ("pool-name-aks", cfg(gpuPools=pool(name="a100-spot"), rayClusters=[{"name": "rc", "workerGroups": [
        {"name": "w", "pool": "a100-spot"}]}]), "raystack:gpuPools[0].name", "at most 12 characters"),
    ("eks-type-on-aks", cfg(gpuPools=pool(instanceType="g6.xlarge")), "raystack:gpuPools[0].instanceType",
     "not an AKS VM size"),
    ("mi300x-refused", cfg(gpuPools=pool(instanceType="Standard_ND96isr_MI300X_v5")),
     "raystack:gpuPools[0].instanceType", "AMD GPU Operator"),
    ("eks-os", cfg(gpuPools=pool(os="bottlerocket")), "raystack:gpuPools[0].os", "allowed on AKS"),
    ("capacity-block", cfg(gpuPools=pool(capacityType="CAPACITY_BLOCK")), "raystack:gpuPools[0].capacityType",
     "allowed on AKS: ON_DEMAND, SPOT"),
    ("spot-price-without-spot", cfg(gpuPools=pool(spotMaxPrice=2.0)), "raystack:gpuPools[0].spotMaxPrice",
     "only with capacityType: SPOT"),
    ("spot-price-zero", cfg(gpuPools=pool(capacityType="SPOT", spotMaxPrice=0)), "raystack:gpuPools[0].spotMaxPrice",
     "-1 (up to the on-demand price)"),
    ("reserved-label", cfg(gpuPools=pool(labels={"kubernetes.azure.com/mode": "x"})),
     "raystack:gpuPools[0].labels['kubernetes.azure.com/mode']", "AKS reserves"),
    ("efa-on-aks", cfg(gpuPools=pool(efa=True)), "raystack:gpuPools[0].efa", "EFA is EC2's"),
    ("vnet-overlaps-pods", cfg(network={"cidr": "10.244.0.0/16"}, apiIngressCidrs=["10.244.0.0/16"]),
     "raystack:network.cidr", "overlaps the cluster's pod range"),
    ("az-count", cfg(network={"cidr": "10.20.0.0/16", "azCount": 3}), "raystack:network.azCount", "an EKS VPC setting"),
    ("admin-role-arns", cfg(adminRoleArns=["arn:aws:iam::123456789012:role/x"]), "raystack:adminRoleArns",
     "azure.adminGroupObjectIds"),
    ("deploy-window", cfg(deployFrom=["203.0.113.7/32"]), "raystack:deployFrom", "cannot be opened for one run"),
    ("group-id", cfg(azure={"adminGroupObjectIds": ["platform-admins"]}), "raystack:azure.adminGroupObjectIds[0]",
     "an Entra group object ID"),
    ("version", cfg(kubernetesVersion="1.30"), "raystack:kubernetesVersion", "allowed on AKS"),
    ("redis-create", cfg(gcsFaultTolerance={"redis": "create"}), "raystack:gcsFaultTolerance.redis.mode",
     "ElastiCache"),
    ("logs-cloudwatch", cfg(observability={"logs": {"destination": "cloudwatch"}}),
     "raystack:observability.logs.destination", "CloudWatch on AWS only"),
    ("s3-on-aks", cfg(rayClusters=[{"name": "rc", "serviceAccount": {"name": "rc-sa", "podIdentity": {
        "s3Read": ["datasets"]}}, "workerGroups": [{"name": "w", "pool": "a100"}]}]),
     "raystack:rayClusters[0].serviceAccount.podIdentity.s3Read", "use storageRead"),
    ("storage-scope", cfg(rayClusters=[{"name": "rc", "serviceAccount": {"name": "rc-sa", "podIdentity": {
        "storageRead": ["raystackdata"]}}, "workerGroups": [{"name": "w", "pool": "a100"}]}]),
     "raystack:rayClusters[0].serviceAccount.podIdentity.storageRead[0]", "the resource ID of a storage account"),
    ("managed-with-cron", cfg(kuberay={"operator": "managed"}, rayCronJobs=[{
        "name": "nightly", "schedule": "0 2 * * *", "entrypoint": "python x.py",
        "rayCluster": {"workerGroups": [{"name": "w", "pool": "a100"}]}}]), "raystack:rayCronJobs",
     "use kuberay.operator: helm"),
    ("unknown-cloud", cfg(cloud="oci"), "raystack:cloud", "allowed: aws, azure, gcp"),
    ("managed-beside-an-operator", cfg(kuberay={"operator": "managed", "install": False}), "raystack:kuberay.install",
     "a second one"),
]


@pytest.mark.parametrize(("raw", "key", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_aks_config_fails_naming_the_key_and_registers_nothing(raw, key, fragment):
    assert_refused_once(as_config(raw), key, fragment)


def test_the_base_config_is_valid_and_needs_a_location():
    rec = testing.run(RayPlatform.from_stack_config, as_config(BASE))
    assert rec.of_type("azure-native:containerservice:ManagedCluster")
    with pytest.raises(ConfigError, match="azure-native:location"):
        testing.run(RayPlatform.from_stack_config, as_config(BASE, location=None))


def test_managed_operator_and_eks():
    """kuberay.operator: managed is AKS's extension: refused on EKS and on existing clusters."""
    with pytest.raises(ConfigError, match="only on a cluster the stack creates where the cloud runs KubeRay"):
        resolve({"clusterName": "x", "apiIngressCidrs": ["10.0.0.0/16"], "kuberay": {"operator": "managed"}},
                region="us-east-1")
    p = resolve(cfg(kuberay={"operator": "managed"}), region="eastus")
    assert p.kuberay.managed and not p.kuberay.install
    assert any(w.key == "raystack:kuberay.operator" for w in p.warnings), "the plan says the version is AKS's"


#: AKS's kube-reserved CPU by cores (node-resource-reservations.md), and what raystack takes between and above.
@pytest.mark.parametrize(("cores", "reserved"), [(1, 60), (2, 100), (4, 140), (8, 180), (16, 260), (32, 420),
                                                 (64, 740), (24, 340), (48, 580), (96, 1060)])
def test_aks_cpu_reservation(cores, reserved):
    assert allocatable.aks_kube_reserved_cpu_millis(cores) == reserved


@pytest.mark.parametrize(("gib", "pods", "reserved"), [
    (28, 110, 2250),  # 20 MB x 110 + 50 MB, under 25% of 28 GiB
    (8, 110, 2048),  # 25% of 8 GiB is less
    (220, 110, 2250)])
def test_aks_memory_reservation(gib, pods, reserved):
    assert allocatable.aks_kube_reserved_memory_mib(gib, pods) == reserved


def test_aks_pool_facts_come_from_the_aks_formula_and_the_regional_price():
    p = resolve(cfg(gpuPools=pool(capacityType="SPOT")), region="eastus")
    (a100,) = p.node_pools
    it = catalog.lookup("Standard_NC24ads_A100_v4")
    assert a100.facts.allocatable_cpu_millis == 24000 - allocatable.aks_kube_reserved_cpu_millis(24)
    assert a100.facts.allocatable_memory_mib == allocatable.aks_allocatable_memory_mib(220, allocatable.AKS_MAX_PODS)
    assert it.cloud == "azure" and a100.facts.price_usd_hour == 3.673
    # AKS taints Spot nodes itself; the workers tolerate it, and raystack does not send it.
    assert ("kubernetes.azure.com/scalesetpriority", "spot") in [(t.key, t.value) for t in a100.facts.taints]
    assert a100.spot_max_price == -1.0
    assert resolve(cfg(), region="westeurope").node_pools[0].facts.price_usd_hour is None, "no row: unknown"


def test_a_cloud_is_a_package_and_data_rows():
    """The seam (issue 21): every cloud registers itself from its own package, its catalog and prices are files,
    and its backend is found by name; the cloud-neutral layers name no cloud (test_architecture)."""
    from raystack.clouds import base
    from raystack.hardware.catalog import CLOUDS
    from raystack.model.cloud import registered

    assert registered() == CLOUDS == ("aws", "azure", "gcp")
    other = {"aws": ("g6.xlarge", "us-east-1"), "gcp": ("g2-standard-4", "us-central1-a")}
    for cloud in registered():
        p = resolve(cfg(cloud=cloud, **({} if cloud == "azure" else {
            "network": {"cidr": "10.20.0.0/16"}, "systemPool": {"minSize": 1},
            "gpuPools": [{"name": "a100", "instanceType": other[cloud][0]}]})),
            region="eastus" if cloud == "azure" else other[cloud][1])
        assert p.cloud == cloud
        assert base.backend_for(p).__module__ == f"raystack.clouds.{cloud}.backend"


@pytest.mark.parametrize("stack", ["aks-dev", "aks-prod"])
def test_the_aks_stacks_plan_valid_with_groups_sized_from_their_aks_pools(stack, capsys):
    """`raystack plan --stack aks-*`: valid; every RayCluster checked against the KubeRay CRD and through Ray's
    parser; each worker group as large as its AKS pool's allocatable (the AKS formula) allows."""
    from support import stack_spec

    doc = planned(stack, capsys)
    assert "RayCluster" in doc["checks"]["crd-schema"] and "Ray's autoscaler parser" in doc["checks"]["ray-parser"]
    platform = resolve(stack_spec(stack), region="eastus")
    groups = [g for g in doc["rayClusters"] if g["group"] != "head"]
    assert groups, stack
    for g in groups:
        facts = platform.pools[g["pool"]]
        assert facts.source == "aks-agent-pool" and facts.os == "azurelinux", g
        per_node = facts.accelerators_per_node // max(g["acceleratorsPerWorker"], 1)
        # A whole-node worker takes what the node leaves after kube-reserved, eviction and the DaemonSets.
        assert per_node * g["cpu"] * 1000 <= facts.schedulable_cpu_millis, g
        assert per_node * g["memoryMib"] <= facts.schedulable_memory_mib, g
        assert (facts.schedulable_cpu_millis - per_node * g["cpu"] * 1000) < 1000 * per_node, f"{g}: CPU left idle"


def test_an_existing_aks_cluster_names_its_cloud_where_that_changes_taints_and_identity():
    """clusterMode existing on cloud azure: a Spot pool's nodes carry AKS's Spot taint (the workers tolerate it
    without the team listing it), the cluster is attached by kubeconfig, and podIdentity points at Workload ID."""
    existing = {"cloud": "azure", "clusterName": "team", "clusterMode": "existing", "kubeconfig": "~/.kube/config",
                "clusterAutoscaler": False,
                "existingPools": [{"name": "cpu", "nodeSelector": {"kubernetes.azure.com/agentpool": "cpu"},
                                   "instanceType": "Standard_D8s_v5", "maxNodes": 2},
                                  {"name": "t4", "nodeSelector": {"kubernetes.azure.com/agentpool": "t4"},
                                   "instanceType": "Standard_NC8as_T4_v3", "capacityType": "SPOT", "maxNodes": 2}],
                "rayClusters": [{"name": "rc", "head": {"pool": "cpu"}, "workerGroups": [{"name": "w", "pool": "t4"}]}]}
    p = resolve(existing)
    assert p.cloud == "azure" and not p.creates_cluster
    assert ("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule") in [
        (t.key, t.value, t.effect) for t in p.pools["t4"].taints]
    tolerations = p.ray_clusters[0].manifest["spec"]["workerGroupSpecs"][0]["template"]["spec"]["tolerations"]
    assert {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot",
            "effect": "NoSchedule"} in tolerations
    with pytest.raises(ConfigError, match="azure.workload.identity/client-id"):
        resolve({**existing, "rayClusters": [{**existing["rayClusters"][0], "serviceAccount": {
            "name": "rc-sa", "podIdentity": {"storageRead": [STORAGE_ACCOUNT]}}}]})
    with pytest.raises(ConfigError, match="on azure attach with kubeconfig"):
        resolve({**{k: v for k, v in existing.items() if k != "kubeconfig"}, "existingClusterName": "team"})


STORAGE_ACCOUNT = ("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/data/providers/"
                   "Microsoft.Storage/storageAccounts/raystackdata")


def test_the_aks_components_stand_on_their_own():
    """AksCluster and AksNodePool from a program of a team's own: resolved before anything registers (a bad pool
    name fails with its key), then the same requests RayPlatform sends."""
    from raystack import AksCluster, AksNodePool

    def program():
        cluster = AksCluster("c", {"cluster_name": "team-aks", "location": "eastus",
                                   "api_ingress_cidrs": ["10.30.0.0/16"], "network": {"cidr": "10.30.0.0/16"}})
        AksNodePool("gpu", {"pool": {"name": "a100", "instance_type": "Standard_NC24ads_A100_v4", "max_size": 2},
                            "cluster_name": cluster.cluster_name, "resource_group_name": cluster.resource_group_name,
                            "subnet_id": cluster.outputs.subnet_id, "location": "eastus"})

    rec = testing.run(program, {})
    (mc,) = rec.of_type("azure-native:containerservice:ManagedCluster")
    assert mc.inputs["apiServerAccessProfile"] == {"enablePrivateCluster": True}, mc.urn
    (ap,) = rec.of_type("azure-native:containerservice:AgentPool")
    assert (ap.inputs["vmSize"], ap.inputs["osSKU"], ap.inputs["nodeTaints"]) == (
        "Standard_NC24ads_A100_v4", "AzureLinux", ["nvidia.com/gpu=present:NoSchedule"]), ap.urn

    def bad():
        AksNodePool("gpu", {"pool": {"name": "a100-x", "instance_type": "Standard_NC24ads_A100_v4"},
                            "cluster_name": "c", "resource_group_name": "rg", "subnet_id": "s"})
    rec = testing.Recording()
    with pytest.raises(ConfigError, match="pool.name"):
        testing.run(bad, {}, recording=rec)
    assert not rec.resources


def test_every_aks_minor_raystack_allows_runs_the_managed_kuberay_extension():
    """The extension needs Kubernetes 1.34 or newer (kuberay-overview): every allowed AKS minor meets it, so a
    stack with kuberay.operator managed needs no version check of its own."""
    from raystack import versions

    least = tuple(map(int, versions.AKS_KUBERAY_EXTENSION_MIN_KUBERNETES.split(".")))
    assert all(tuple(map(int, v.split("."))) >= least for v in versions.AKS_SUPPORTED_VERSIONS)
    assert versions.AKS_VERSION in versions.AKS_SUPPORTED_VERSIONS


def test_without_the_azure_extra_an_aks_stack_stops_naming_it(monkeypatch):
    """cloud: azure without pulumi-azure-native: the program stops before registering anything, naming the extra."""
    import builtins

    real = builtins.__import__

    def hide(name, *args, **kwargs):
        if name.startswith("pulumi_azure_native"):
            raise ImportError("hidden", name=name)
        return real(name, *args, **kwargs)

    import sys
    for mod in [m for m in sys.modules if m.startswith("raystack.clouds.azure.backend")
                or m.startswith("raystack.clouds.azure.aks") or m.startswith("raystack.components.aks_")
                or m.startswith("raystack.clouds.azure.identity")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setattr(builtins, "__import__", hide)
    rec = testing.Recording()
    with pytest.raises(ConfigError, match=r"needs the azure extra: pip install 'pulumi-raystack\[azure\]'"):
        testing.run(RayPlatform.from_stack_config, as_config(BASE), recording=rec)
    assert not rec.resources

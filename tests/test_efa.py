"""EFA pools (issue 20): the tables in hardware/efa.py, the node side (interfaces, security group, subnet,
placement group, huge pages), the pods' requests and env, the device plugin and the autoscaler's
template tags, checked against botocore's EC2 model and the plan's own checks."""

from __future__ import annotations

import base64
import email
import functools
import json
import shutil
from typing import Any

import botocore.session
import pulumi
import pytest
import yaml
from aws_requests import request_for
from conftest import project
from raystack import testing, versions
from raystack.clouds.aws.ami import hugepages_user_data
from raystack.hardware import catalog, efa
from raystack.model.resolve import resolve
from raystack.preview import cli
from support import CRD_DIR, HAVE_CRDS, NO_CRDS, ROOT


@functools.cache
def ec2_model() -> Any:
    """botocore's EC2 model, loaded once when a test needs it (not at collection)."""
    return botocore.session.get_session().get_service_model("ec2")


#: The Capacity Block pool of the issue's first Must show, as a gpuPools entry.
P5_CAPACITY_BLOCK = {"name": "h100", "instanceType": "p5.48xlarge", "capacityType": "CAPACITY_BLOCK", "efa": True,
                     "minSize": 0, "maxSize": 2, "capacityReservationId": "cr-0123456789abcdef0",
                     "availabilityZone": "us-east-1b"}


@pytest.mark.parametrize(("instance", "interfaces"), [
    ("p5.48xlarge", 32), ("p5e.48xlarge", 32), ("p5en.48xlarge", 16), ("p4d.24xlarge", 4), ("p4de.24xlarge", 4),
    ("trn1.32xlarge", 8), ("trn1n.32xlarge", 16), ("trn2.48xlarge", 16), ("p5.4xlarge", 1)])
def test_efa_counts_come_from_the_sourced_catalog(instance, interfaces):
    """The catalog's efa_interfaces is Karpenter's generated vpc.amazonaws.com/efa (EC2 MaximumEfaInterfaces)."""
    it = catalog.lookup(instance)
    assert (it.efa_interfaces, efa.efa_capable(it.family, it.efa_interfaces)) == (interfaces, True), instance
    assert "karpenter-provider-aws" in it.source and "instance-types.md" in it.source, it.source


@pytest.mark.parametrize("instance", ["g6.xlarge", "g6e.12xlarge", "trn1.2xlarge", "inf2.48xlarge", "g5.48xlarge"])
def test_types_raystack_does_not_wire_efa_for(instance):
    it = catalog.lookup(instance)
    assert not efa.efa_capable(it.family, it.efa_interfaces), instance


@pytest.mark.parametrize("count", [1, 4, 8, 16, 32])
def test_one_efa_per_network_card_primary_first(count):
    """EC2 user guide efa-acc-inst-types: the primary interface (card 0, device 0) cannot be EFA-only; one
    EFA per card. The types are members of EC2's NetworkInterfaceCreationType and of the launch-template
    member's documented values (botocore's ec2 model)."""
    layout = efa.interface_layout(count)
    assert [i.network_card_index for i in layout] == list(range(count))
    assert (layout[0].device_index, layout[0].interface_type) == (0, "efa")
    assert all((i.device_index, i.interface_type) == (1, "efa-only") for i in layout[1:])
    allowed = set(ec2_model().shape_for("NetworkInterfaceCreationType").enum)
    documented = ec2_model().shape_for("LaunchTemplateInstanceNetworkInterfaceSpecificationRequest").members[
        "InterfaceType"].documentation
    for i in layout:
        assert i.interface_type in allowed and f"<code>{i.interface_type}</code>" in documented, i


@pytest.mark.parametrize(("interfaces", "devices", "per_worker", "expected"), [
    (32, 8, 8, 32), (32, 8, 1, 4), (32, 8, 3, 12),   # p5.48xlarge: 4 per GPU
    (4, 8, 8, 4), (4, 8, 2, 1), (4, 8, 1, None),      # p4d.24xlarge: a 1-GPU worker would get half of one
    (8, 16, 16, 8), (8, 16, 1, None),                 # trn1.32xlarge
    (16, 16, 1, 1)])                                  # trn2.48xlarge
def test_a_worker_gets_its_whole_share_of_the_nodes_efa(interfaces, devices, per_worker, expected):
    assert efa.per_worker(interfaces, devices, per_worker) == expected


def test_huge_page_user_data_for_each_os():
    """AL2023: a MIME part with a shell script (EKS merges MIME user data); Bottlerocket: a TOML setting."""
    pages = efa.hugepages_sysctl()
    assert pages * efa.HUGEPAGE_MIB == efa.HUGEPAGES_PER_NODE_MIB == 5120
    msg = email.message_from_string(hugepages_user_data("al2023", pages))
    assert msg.is_multipart()
    (part,) = msg.get_payload()
    script = part.get_payload()
    assert part.get_content_type() == "text/x-shellscript" and script.startswith("#!/bin/bash")
    assert f"sysctl -w vm.nr_hugepages={pages}" in script and "/etc/sysctl.d/" in script
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11's TOML parser reads the Bottlerocket settings")
    assert tomllib.loads(hugepages_user_data("bottlerocket", pages)) == {
        "settings": {"kernel": {"sysctl": {"vm.nr_hugepages": str(pages)}}}}


def dev_with(*pools: dict, clusters: list[dict] | None = None) -> dict[str, str]:
    config = testing.load_stack_config(project(), "dev")
    config["raystack:gpuPools"] = json.dumps(list(pools))
    config["raystack:network"] = json.dumps({"cidr": "10.40.0.0/16",
                                            "availabilityZones": ["us-east-1a", "us-east-1b"]})
    config["raystack:rayClusters"] = json.dumps(clusters or [
        {"name": "train", "namespace": "ray", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:2.55.0-py311",
         "workerGroups": [{"name": "h100", "pool": "h100", "maxWorkers": 2}]}])
    config.pop("raystack:rayJobs", None)
    config.pop("raystack:rayServices", None)
    return config


@pytest.fixture(scope="module")
def p5() -> testing.Recording:
    from raystack import RayPlatform
    return testing.run(RayPlatform.from_stack_config, dev_with(P5_CAPACITY_BLOCK), stack="dev")


def test_a_p5_capacity_block_pool_gets_every_efa_interface_and_no_placement_group_of_ours(p5):
    (lt,) = [r for r in p5.of_type("aws:ec2/launchTemplate:LaunchTemplate") if "h100" in r.name]
    data = request_for(lt)[2]["LaunchTemplateData"]  # type: ignore[index]
    nics = data["NetworkInterfaces"]
    assert len(nics) == 32 and [n["NetworkCardIndex"] for n in nics] == list(range(32)), lt.urn
    assert nics[0]["InterfaceType"] == "efa" and {n["InterfaceType"] for n in nics[1:]} == {"efa-only"}, lt.urn
    (sg,) = [r for r in p5.of_type("aws:ec2/securityGroup:SecurityGroup") if "h100" in r.name]
    assert all(n["Groups"] == ["sg-raystack-cluster-eks", f"{sg.name}-id"] for n in nics), nics[0]
    assert "SecurityGroupIds" not in data, lt.urn  # EC2: groups on the interfaces or the template, not both
    # A Capacity Block places its own nodes: no placement group that would keep them from it.
    assert "Placement" not in data and not p5.of_type("aws:ec2/placementGroup:PlacementGroup"), lt.urn
    assert data["InstanceMarketOptions"] == {"MarketType": "capacity-block"}, lt.urn
    assert "vm.nr_hugepages=2560" in base64.b64decode(data["UserData"]).decode(), lt.urn
    (ng,) = [r for r in p5.of_type("aws:eks/nodeGroup:NodeGroup") if "h100" in r.name]
    assert ng.inputs["labels"][efa.EFA_PRESENCE_LABEL[0]] == "true", ng.urn


def test_the_efa_security_group_admits_only_itself(p5):
    (sg,) = [r for r in p5.of_type("aws:ec2/securityGroup:SecurityGroup") if "h100" in r.name]
    assert sg.inputs["description"] == "EFA traffic among the nodes of raystack pool h100", sg.urn
    rules = [r for t in ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                         "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
             for r in p5.of_type(t) if r.inputs.get("securityGroupId") == f"{sg.name}-id"]
    assert sorted(r.type.rsplit(":", 1)[1] for r in rules) == ["SecurityGroupEgressRule", "SecurityGroupIngressRule"]
    for r in rules:
        assert r.inputs["ipProtocol"] == "-1" and r.inputs["referencedSecurityGroupId"] == f"{sg.name}-id", r.urn
        assert "cidrIpv4" not in r.inputs, r.urn


def test_the_workers_request_efa_and_huge_pages_and_still_fit_the_node(p5):
    (rc,) = p5.of_type("kubernetes:ray.io/v1:RayCluster")
    (group,) = rc.inputs["spec"]["workerGroupSpecs"]
    container = group["template"]["spec"]["containers"][0]
    limits = container["resources"]["limits"]
    assert limits[efa.EFA_RESOURCE] == "32" and limits[efa.HUGEPAGES_RESOURCE] == "5120Mi", rc.urn
    assert container["resources"]["requests"] == limits, rc.urn  # huge pages: requests = limits
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["FI_PROVIDER"] == "efa" and env["FI_EFA_USE_DEVICE_RDMA"] == "1", rc.urn
    # Pod Security restricted stays: EFA devices come from the device plugin, not privileges.
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, rc.urn
    node = catalog.lookup("p5.48xlarge")
    memory_mib = int(limits["memory"].removesuffix("Mi"))
    assert memory_mib + efa.HUGEPAGES_PER_NODE_MIB <= node.allocatable_memory_mib, rc.urn


def test_the_efa_device_plugin_is_pinned_and_runs_only_on_efa_pools(p5):
    (plugin,) = [r for r in p5.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "aws-efa-k8s-device-plugin"]
    chart = versions.EFA_DEVICE_PLUGIN
    assert (plugin.inputs["version"], plugin.inputs["repositoryOpts"]["repo"]) == (chart.version, chart.repo)
    values = plugin.inputs["values"]
    assert values["nodeSelector"] == {efa.EFA_PRESENCE_LABEL[0]: "true"}, plugin.urn
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    assert f"{values['image']['repository']}:{values['image']['tag']}" == versions.EFA_DEVICE_PLUGIN_IMAGE
    (rc,) = p5.of_type("kubernetes:ray.io/v1:RayCluster")
    assert plugin.urn in rc.dependencies, f"{rc.urn} does not wait for the EFA device plugin"


def test_the_autoscaler_can_scale_an_efa_pool_from_zero(p5):
    """cluster-autoscaler/cloudprovider/aws README: node-template resources from ASG tags, as quantities."""
    tags = {t.inputs["tag"]["key"].rsplit("/resources/", 1)[1]: t.inputs["tag"]["value"]
            for t in p5.of_type("aws:autoscaling/tag:Tag") if "h100" in t.inputs["autoscalingGroupName"]}
    assert tags == {efa.EFA_RESOURCE: "32", efa.HUGEPAGES_RESOURCE: "5120Mi"}, tags


def test_an_unreserved_efa_pool_gets_one_subnet_and_its_own_placement_group():
    from raystack import RayPlatform
    pool = {k: v for k, v in P5_CAPACITY_BLOCK.items()
            if k not in ("capacityType", "capacityReservationId", "availabilityZone")}
    rec = testing.run(RayPlatform.from_stack_config, dev_with(pool), stack="dev")
    (pg,) = rec.of_type("aws:ec2/placementGroup:PlacementGroup")
    assert pg.inputs["strategy"] == "cluster", pg.urn
    (lt,) = [r for r in rec.of_type("aws:ec2/launchTemplate:LaunchTemplate") if "h100" in r.name]
    assert lt.inputs["placement"]["groupName"] == pg.name and pg.urn in lt.dependencies, lt.urn
    (ng,) = [r for r in rec.of_type("aws:eks/nodeGroup:NodeGroup") if "h100" in r.name]
    assert ng.inputs["subnetIds"] == ["raystack-network-private-0-id"], ng.urn


@pytest.mark.skipif(not HAVE_CRDS, reason=NO_CRDS)
def test_the_p5_capacity_block_and_trn1_pools_plan_valid(tmp_path, capsys, monkeypatch):
    """The issue's first Must show through `raystack plan`: CRD schema, Kubernetes schemas, Ray's parser with
    the pods' EFA and huge pages held against the nodes, the policy pack; and the plan shows the pools'
    subnet and placement."""
    monkeypatch.setenv("RAYSTACK_OFFLINE", "1")
    monkeypatch.setenv("COLUMNS", "400")  # one line per EFA pool
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", proj / "Pulumi.yaml")
    shutil.copytree(ROOT / "infra", proj / "infra")
    shutil.copytree(ROOT / "stacks", proj / "stacks")
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    cfg = {k: json.loads(v) if k.startswith("raystack:") and v[:1] in "[{" else v for k, v in dev_with(
        P5_CAPACITY_BLOCK, {"name": "trn1", "instanceType": "trn1.32xlarge", "efa": True, "maxSize": 2},
        clusters=[{"name": "train", "namespace": "ray",
                   "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:2.55.0-py311",
                   "workerGroups": [{"name": "h100", "pool": "h100", "maxWorkers": 2},
                                    {"name": "trn1", "pool": "trn1", "maxWorkers": 2}]}]).items()}
    stack["config"] = cfg
    (proj / "stacks" / "Pulumi.efa.yaml").write_text(yaml.safe_dump(stack))
    rc = cli.main(["plan", "--project-dir", str(proj), "--stack", "efa", "--crd-dir", str(CRD_DIR)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "error" not in err, err
    assert "EFA pool h100: 32 interfaces" in out and "the Capacity Block's (cr-0123456789abcdef0)" in out, out
    assert "EFA pool trn1: 8 interfaces" in out and "a cluster placement group of its own (trn1)" in out, out
    assert "private subnet in us-east-1b (the reservation's AZ)" in out and "first private subnet, in us-east-1a" in out
    for check in ("crd-schema", "kubernetes-schema", "ray-parser", "policy"):
        assert f"checked {check}:" in out, out


def test_resolve_leaves_the_huge_pages_out_of_allocatable_memory():
    p = resolve(json_config(dev_with(P5_CAPACITY_BLOCK)))
    (pool,) = [n for n in p.node_pools if n.name == "h100"]
    it = catalog.lookup("p5.48xlarge")
    assert pool.facts.allocatable_memory_mib == it.allocatable_memory_mib - 5120
    assert (pool.facts.efa_interfaces, pool.facts.hugepages_mib, pool.placement_group) == (32, 5120, False)


def json_config(config: dict[str, str]) -> dict:
    return {k.split(":", 1)[1]: json.loads(v) if v[:1] in "[{" else v
            for k, v in config.items() if k.startswith("raystack:")}


def test_efa_is_refused_outside_the_aws_partition():
    from raystack import ConfigError
    raw = json_config(dev_with(P5_CAPACITY_BLOCK | {"availabilityZone": "us-gov-west-1b"}))
    raw["network"] = {"cidr": "10.40.0.0/16"}
    with pytest.raises(ConfigError) as e:
        resolve(raw, region="us-gov-west-1")
    assert [f.key for f in e.value.findings] == ["raystack:gpuPools[0].efa"] and "aws-us-gov" in str(e.value)



def test_a_standalone_efa_pool_without_its_network_inputs_registers_nothing():
    """Bad input fails before any resource is registered: an EFA pool needs the VPC and the cluster's
    security group for its EFA security group."""
    from raystack import ConfigError, GpuNodePool

    def program() -> None:
        GpuNodePool("p", {"pool": {"name": "h100", "instance_type": "p5.48xlarge", "efa": True},
                          "cluster_name": "c", "node_role_arn": "arn:aws:iam::123456789012:role/n",
                          "subnet_ids": ["subnet-1"]})

    with pytest.raises(ConfigError) as e:
        testing.run(program)
    assert sorted(f.key for f in e.value.findings) == ["cluster_security_group_id", "vpc_id"]
    monitor = pulumi.runtime.settings.SETTINGS.monitor
    assert not [u for u in monitor.resources if "raystack" in u.split("::")[2]], monitor.resources


def test_compare_says_turning_efa_on_replaces_the_pools_nodes():
    """`plan --compare`: turning efa on moves the pool to one subnet (node group subnet_ids is ForceNew in
    terraform-provider-aws eks/node_group.go) and changes its launch template; a disk-size edit only rolls
    the nodes onto a new template version. An untouched pool is not flagged."""
    from raystack import RayPlatform
    from raystack.preview.compare import replaced_pool_nodes

    base = {k: v for k, v in P5_CAPACITY_BLOCK.items()
            if k not in ("capacityType", "capacityReservationId", "availabilityZone", "efa")}
    other = {"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}

    def plan(*pools: dict) -> dict:
        rec = testing.run(RayPlatform.from_stack_config, dev_with(*pools), stack="dev")
        return {"resources": [{"urn": r.urn, "type": r.type, "parent": r.parent, "inputs": r.inputs}
                              for r in rec.resources]}

    before = plan(base, other)
    found = replaced_pool_nodes(before, plan(base | {"efa": True}, other))
    assert [(f.resource.rsplit("::", 1)[1], f.key) for f in found] == [("raystack-h100-ng", "subnetIds")], found
    assert "replaces the node group" in found[0].message
    (rolled,) = replaced_pool_nodes(before, plan(base | {"diskSizeGib": 400}, other))
    assert rolled.key == "launchTemplate" and "blockDeviceMappings" in rolled.message, rolled
    assert not replaced_pool_nodes(before, plan(base, other | {"maxSize": 3}))


def test_a_rayproject_image_on_an_efa_pool_is_warned_that_its_collectives_would_not_use_efa():
    """rayproject/ray images carry neither libfabric's EFA provider nor aws-ofi-nccl: NCCL would fall back to
    TCP sockets. raystack's default image for an NVIDIA group is one of them, so the warning says which."""
    raw = json_config(dev_with(P5_CAPACITY_BLOCK, clusters=[
        {"name": "train", "namespace": "ray", "workerGroups": [{"name": "h100", "pool": "h100", "maxWorkers": 2}]}]))
    found = [w for w in resolve(raw).warnings if "EFA" in w.message]
    assert [(w.key, w.value) for w in found] == [("raystack:rayClusters[0].workerGroups[0].image", None)], found
    assert "aws-ofi-nccl" in found[0].message and "name an image" in found[0].message


def test_an_efa_pool_larger_than_its_groups_need_is_warned_of_autoscaler_overshoot():
    """aws-deploy-review 2, N8, for EFA: the Cluster Autoscaler does not know vpc.amazonaws.com/efa as a GPU
    vendor's resource, so a new node without its EFA interfaces registered yet looks like no room."""
    raw = json_config(dev_with(P5_CAPACITY_BLOCK | {"maxSize": 3}, clusters=[
        {"name": "train", "namespace": "ray", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/t:2.55.0-py311",
         "workerGroups": [{"name": "h100", "pool": "h100", "maxWorkers": 2}]}]))
    (w,) = [w for w in resolve(raw).warnings if "EFA interfaces register" in w.message]
    assert w.key == "raystack:gpuPools[0].maxSize" and "set its maximum to 2" in w.message, w


def existing_p5(**extra) -> dict:
    return {"clusterName": "lab", "clusterMode": "existing", "kubeconfig": "~/.kube/config",
            "clusterAutoscaler": False,
            "existingPools": [{"name": "h100", "nodeSelector": {"node.kubernetes.io/instance-type": "p5.48xlarge"},
                               "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                               "instanceType": "p5.48xlarge", "maxNodes": 2, **extra}],
            "rayClusters": [{"name": "train", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/t:2.55.0-py311",
                             "head": {"pool": "h100", "accelerators": 0},
                             "workerGroups": [{"name": "h100", "pool": "h100", "acceleratorsPerWorker": 4}]}]}


def test_workers_on_existing_efa_nodes_request_their_share():
    """An existing cluster's EFA nodes (its own EFA device plugin): workers request their share of the
    interfaces and huge pages declared, and the huge pages leave the nodes' allocatable memory."""
    p = resolve(existing_p5(efaInterfaces=32, hugepagesMib=5120))
    pool = p.pools["h100"]
    assert (pool.efa_interfaces, pool.hugepages_mib) == (32, 5120)
    assert pool.allocatable_memory_mib == catalog.lookup("p5.48xlarge").allocatable_memory_mib - 5120
    (rc,) = p.ray_clusters
    limits = rc.manifest["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert (limits[efa.EFA_RESOURCE], limits[efa.HUGEPAGES_RESOURCE]) == ("16", "2560Mi"), limits
    no_pages = resolve(existing_p5(efaInterfaces=32)).ray_clusters[0].manifest
    limits = no_pages["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits[efa.EFA_RESOURCE] == "16" and efa.HUGEPAGES_RESOURCE not in limits, limits


@pytest.mark.parametrize(("extra", "key", "fragment"), [
    ({"efaInterfaces": -1}, "efaInterfaces", "0 or more"),
    ({"hugepagesMib": 5120}, "hugepagesMib", "only with efaInterfaces"),
    ({"efaInterfaces": 32, "hugepagesMib": 5121}, "hugepagesMib", "multiple of 2"),
    ({"efaInterfaces": 32, "instanceType": "m7i.2xlarge"}, "efaInterfaces", "only on an accelerator pool")])
def test_existing_efa_mistakes_are_refused(extra, key, fragment):
    from raystack import ConfigError

    raw = existing_p5(**extra)
    if extra.get("instanceType") == "m7i.2xlarge":
        raw["rayClusters"] = []
    with pytest.raises(ConfigError) as e:
        resolve(raw)
    assert [f.key for f in e.value.findings] == [f"raystack:existingPools[0].{key}"], e.value.findings
    assert fragment in str(e.value)


def test_a_team_stack_reading_the_platforms_efa_pool_gets_its_efa_facts():
    """A platform's EFA pool reaches a team stack as its PoolDescriptor (stack output); the interfaces and
    huge pages survive the round trip, so the team's workers request their share too."""
    from raystack.model.facts import PoolFacts

    (pool,) = [n for n in resolve(json_config(dev_with(P5_CAPACITY_BLOCK))).node_pools if n.name == "h100"]
    descriptor = pool.facts.to_descriptor()
    assert (descriptor["efa_interfaces"], descriptor["hugepages_mib"]) == (32, 5120)
    assert PoolFacts.from_descriptor(descriptor) == pool.facts
    assert "efa_interfaces" not in resolve(json_config(dev_with(P5_CAPACITY_BLOCK | {"efa": False}))).pools[
        "h100"].to_descriptor()

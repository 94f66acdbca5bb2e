"""Component tests under the SDK's mock engine: what each component registers."""

from __future__ import annotations

import json

import pulumi
import pytest
from raystack import ConfigError, GpuNodePool, RayPlatform, testing
from raystack.hardware import catalog


def pool_program(pool: dict, name: str = "gpu"):
    def program():
        GpuNodePool(name, {
            "pool": pool,
            "cluster_name": "unit",
            "node_role_arn": "arn:aws:iam::123456789012:role/node",
            "subnet_ids": ["subnet-a", "subnet-b"],
            "cluster_security_group_id": "sg-cluster",
        })
    return program


def only(rec: testing.Recording, typ: str) -> testing.Registered:
    found = rec.of_type(typ)
    assert len(found) == 1, f"expected one {typ}, got {[r.urn for r in found]}"
    return found[0]


def test_g6e_12xlarge_pool_is_a_hardened_nvidia_node_group():
    rec = testing.run(pool_program({"name": "l40s", "instance_type": "g6e.12xlarge", "min_size": 0, "max_size": 3}))
    ng = only(rec, "aws:eks/nodeGroup:NodeGroup")
    i = ng.inputs
    assert i["amiType"] == "AL2023_x86_64_NVIDIA", f"{ng.urn}: amiType {i['amiType']}"
    assert i["instanceTypes"] == ["g6e.12xlarge"], ng.urn
    assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"} in i["taints"], f"{ng.urn}: {i['taints']}"
    # A new node group starts at min; desiredSize is not ignored but read live on later updates.
    assert i["scalingConfig"] == {"minSize": 0, "maxSize": 3, "desiredSize": 0}, ng.urn
    assert not ng.ignore_changes, f"{ng.urn}: ignoring desiredSize breaks raising minSize later"
    assert i["labels"]["nvidia.com/gpu.present"] == "true", ng.urn
    assert i["labels"]["raystack.io/pool"] == "l40s", ng.urn
    # A prefix (the provider adds a unique suffix): a replacement creates the new group first.
    assert i["nodeGroupNamePrefix"] == "unit-l40s-" and "nodeGroupName" not in i, ng.urn
    lt = only(rec, "aws:ec2/launchTemplate:LaunchTemplate")
    md = lt.inputs["metadataOptions"]
    assert md["httpTokens"] == "required", f"{lt.urn}: IMDSv2 not required"
    assert md["httpPutResponseHopLimit"] == 1, f"{lt.urn}: hop limit {md['httpPutResponseHopLimit']}"
    (bdm,) = lt.inputs["blockDeviceMappings"]
    assert bdm["deviceName"] == "/dev/xvda", lt.urn
    assert bdm["ebs"]["encrypted"] == "true" and bdm["ebs"]["volumeType"] == "gp3", lt.urn
    assert bdm["ebs"]["volumeSize"] >= 100, lt.urn
    assert "keyName" not in lt.inputs, f"{lt.urn}: no SSH key by default"
    assert i["launchTemplate"] == {"id": "gpu-lt-id", "version": "1"}, f"{ng.urn}: {i['launchTemplate']}"


@pytest.mark.parametrize(("pool", "ami", "capacity"), [
    ({"name": "l4", "instance_type": "g6.xlarge", "capacity_type": "SPOT"}, "AL2023_x86_64_NVIDIA", "SPOT"),
    ({"name": "t4g", "instance_type": "g5g.xlarge"}, "AL2023_ARM_64_NVIDIA", "ON_DEMAND"),
    ({"name": "t4g-br", "instance_type": "g5g.2xlarge", "os": "bottlerocket"}, "BOTTLEROCKET_ARM_64_NVIDIA",
     "ON_DEMAND"),
    ({"name": "a10g-br", "instance_type": "g5.xlarge", "os": "bottlerocket"}, "BOTTLEROCKET_x86_64_NVIDIA",
     "ON_DEMAND"),
])
def test_ami_type_and_capacity_follow_the_catalog(pool, ami, capacity):
    rec = testing.run(pool_program(pool))
    ng = only(rec, "aws:eks/nodeGroup:NodeGroup")
    assert ng.inputs["amiType"] == ami, f"{ng.urn}: {ng.inputs['amiType']} != {ami}"
    assert ng.inputs["capacityType"] == capacity, ng.urn
    lt = only(rec, "aws:ec2/launchTemplate:LaunchTemplate")
    device = "/dev/xvdb" if ami.startswith("BOTTLEROCKET") else "/dev/xvda"
    assert lt.inputs["blockDeviceMappings"][0]["deviceName"] == device, f"{lt.urn}: image volume device"


def reserved_pool_program(pool: dict):
    def program():
        GpuNodePool("cb", {"pool": pool, "cluster_name": "unit", "node_role_arn": "arn:aws:iam::123456789012:role/node",
                           "subnet_ids": ["subnet-a", "subnet-b", "subnet-c"],
                           "subnet_availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"]})
    return program


def test_capacity_block_pool_targets_its_reservation_in_its_az():
    """EKS capacity-blocks-mng: the instance type goes in the launch template and not on the node group,
    and only a subnet in the reservation's AZ (terraform-aws-eks main.tf does the same)."""
    rec = testing.run(reserved_pool_program({
        "name": "cb", "instance_type": "p5.48xlarge", "capacity_type": "CAPACITY_BLOCK",
        "capacity_reservation_id": "cr-0123456789abcdef0", "availability_zone": "us-east-1b", "min_size": 0}))
    lt = only(rec, "aws:ec2/launchTemplate:LaunchTemplate")
    assert lt.inputs["instanceMarketOptions"] == {"marketType": "capacity-block"}, lt.urn
    assert lt.inputs["instanceType"] == "p5.48xlarge", f"{lt.urn}: a Capacity Block's type is in the template"
    target = lt.inputs["capacityReservationSpecification"]["capacityReservationTarget"]
    assert target["capacityReservationId"] == "cr-0123456789abcdef0", lt.urn
    ng = only(rec, "aws:eks/nodeGroup:NodeGroup")
    assert ng.inputs["capacityType"] == "CAPACITY_BLOCK" and "instanceTypes" not in ng.inputs, ng.urn
    assert ng.inputs["subnetIds"] == ["subnet-b"], f"{ng.urn}: only the reservation's AZ"


def test_odcr_pool_launches_only_in_the_reservations_az():
    rec = testing.run(reserved_pool_program({
        "name": "odcr", "instance_type": "p5.48xlarge", "capacity_reservation_id": "cr-0123456789abcdef1",
        "availability_zone": "us-east-1c"}))
    ng = only(rec, "aws:eks/nodeGroup:NodeGroup")
    assert ng.inputs["subnetIds"] == ["subnet-c"] and ng.inputs["instanceTypes"] == ["p5.48xlarge"], ng.urn
    assert "instanceType" not in only(rec, "aws:ec2/launchTemplate:LaunchTemplate").inputs


def test_a_reserved_pool_with_its_own_subnets_uses_them_as_given():
    """AWS N14 (a): the pool's own subnets are not matched against the cluster's subnet AZs (before: zipped
    with them, so the wrong subnet, or none, was picked)."""
    rec = testing.run(reserved_pool_program({
        "name": "odcr", "instance_type": "p5.48xlarge", "capacity_reservation_id": "cr-0123456789abcdef1",
        "availability_zone": "us-east-1c", "subnet_ids": ["subnet-own-c"]}))
    ng = only(rec, "aws:eks/nodeGroup:NodeGroup")
    assert ng.inputs["subnetIds"] == ["subnet-own-c"], ng.urn


@pytest.mark.parametrize(("pool", "key", "in_message"), [
    ({"name": "x", "instance_type": "g9.huge"}, "pool.instanceType", "allowed: g4dn.{12xlarge"),
    ({"name": "x", "instance_type": "g6.xlarge", "min_size": 3, "max_size": 2}, "pool.minSize", "allowed 0..2"),
    ({"name": "x", "instance_type": "m7i.xlarge"}, "pool.instanceType", "has no accelerator"),
    ({"name": "x", "instance_type": "dl1.24xlarge"}, "pool.instanceType", "implemented: nvidia, neuron"),
    ({"name": "x", "instance_type": "g6.xlarge", "efa": True}, "pool.efa", "allowed with efa: p4d.24xlarge"),
    ({"name": "x", "instance_type": "p5.48xlarge", "capacity_type": "CAPACITY_BLOCK"},
     "pool.capacityReservationId", "required"),
    ({"name": "x", "instance_type": "g6.xlarge", "disk_size_gib": 20}, "pool.diskSizeGib", "100 GiB or more"),
    ({"name": "x", "instance_type": "g6.xlarge", "capacity_type": "RESERVED"}, "pool.capacity_type", "'SPOT'"),
])
def test_bad_pool_fails_naming_the_key_and_registers_nothing(pool, key, in_message):
    with pytest.raises(ConfigError) as err:
        testing.run(pool_program(pool))
    keys = [f.key for f in err.value.findings]
    assert key in keys, f"{keys} does not name {key}"
    assert in_message in str(err.value), str(err.value)


def test_bad_pool_in_stack_config_registers_nothing():
    raw = {"clusterName": "unit", "gpuPools": [{"name": "gpu", "instanceType": "g9.huge", "maxSize": 1},
                                               {"name": "gpu2", "instanceType": "g6.xlarge", "minSize": 5,
                                                "maxSize": 1}]}

    config = {f"raystack:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}

    with pytest.raises(ConfigError) as err:
        testing.run(RayPlatform.from_stack_config, config)
    msg = str(err.value)
    assert "raystack:gpuPools[0].instanceType = 'g9.huge'" in msg and "allowed:" in msg, msg
    assert "raystack:gpuPools[1].minSize = 5" in msg and "allowed 0..1" in msg, msg
    # Validation runs before the component registers itself or any child.
    monitor = pulumi.runtime.settings.SETTINGS.monitor
    assert not [u for u in monitor.resources if "raystack" in u.split("::")[2]], monitor.resources


def test_each_component_twice_gives_unique_urns():
    def program():
        for n in ("a", "b"):
            GpuNodePool(f"gpu-{n}", {"pool": {"name": n, "instance_type": "g6.xlarge"}, "cluster_name": "unit",
                                     "node_role_arn": "arn", "subnet_ids": ["s"]})
    rec = testing.run(program)
    urns = [r.urn for r in rec.resources]
    assert len(urns) == len(set(urns)), f"duplicate URNs: {sorted(urns)}"


@pulumi.runtime.test
def test_pool_output_carries_the_facts_a_worker_group_needs():
    pulumi.runtime.set_mocks(testing.RecordingMocks(), project="raystack", stack="unit")
    pool = GpuNodePool("facts", {"pool": {"name": "l40s", "instance_type": "g6e.12xlarge", "max_size": 3},
                                 "cluster_name": "unit", "node_role_arn": "arn", "subnet_ids": ["s"]})

    def check(args):
        urn, facts = args
        assert facts["accelerator_resource"] == "nvidia.com/gpu", urn
        assert facts["accelerators_per_node"] == 4, urn
        assert facts["max_nodes"] == 3, urn
        assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"} in facts["taints"], urn
        assert facts["allocatable_cpu_millis"] == catalog.lookup("g6e.12xlarge").allocatable_cpu_millis, urn
    return pulumi.Output.all(pool.urn, pool.pool).apply(check)


def test_a_pool_feeds_a_raycluster_in_the_same_program_through_its_descriptor():
    """Issue 13: a RayCluster is resolved before it registers anything, so it takes plain pool
    descriptors: GpuNodePool.descriptor works; its Output (``pool``) is refused with what to pass."""
    from raystack import ConfigError, RayCluster, resolve

    system = resolve({"clusterName": "unit", "apiIngressCidrs": ["10.0.0.0/16"]}).system_pool
    assert system is not None
    head = system.facts.to_descriptor()

    def program():
        pool = GpuNodePool("l4", {"pool": {"name": "l4", "instance_type": "g6.xlarge"}, "cluster_name": "unit",
                                  "node_role_arn": "arn", "subnet_ids": ["s"]})
        RayCluster("rc", {"cluster": {"name": "rc", "worker_groups": [{"name": "g", "pool": "l4"}]},
                          "pools": [pool.descriptor], "head_pool": head})

    rec = testing.run(program, {})
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    assert rc.inputs["spec"]["workerGroupSpecs"][0]["template"]["spec"]["nodeSelector"] == {"raystack.io/pool": "l4"}

    def wrong():
        pool = GpuNodePool("l4", {"pool": {"name": "l4", "instance_type": "g6.xlarge"}, "cluster_name": "unit",
                                  "node_role_arn": "arn", "subnet_ids": ["s"]})
        RayCluster("rc", {"cluster": {"name": "rc", "worker_groups": [{"name": "g", "pool": "l4"}]},
                          "pools": [pool.pool], "head_pool": head})

    rec = testing.Recording()
    with pytest.raises(ConfigError) as err:
        testing.run(wrong, {}, recording=rec)
    assert [f.key for f in err.value.findings] == ["pools[0]"] and "GpuNodePool.descriptor" in str(err.value)
    assert not rec.of_type("kubernetes:ray.io/v1:RayCluster")

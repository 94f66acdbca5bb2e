"""What a real `pulumi up` needs beyond what the mock engine accepts (the deploy reviews' findings),
checked on the registered resources and the invokes the program makes."""

from __future__ import annotations

import json

import pytest
from conftest import AWS_STACKS, project
from raystack import RayPlatform, testing
from raystack.clouds.aws.rules import REFUSED_ZONE_IDS


def run_with(stack: str, **overrides: object) -> testing.Recording:
    config = testing.load_stack_config(project(), stack)
    for k, v in overrides.items():
        if v is None:
            config.pop(k, None)
        else:
            config[k] = v if isinstance(v, str) else json.dumps(v)
    return testing.run(RayPlatform.from_stack_config, config, stack=stack)


def ca_release(rec: testing.Recording) -> testing.Registered:
    (ca,) = [r for r in rec.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "cluster-autoscaler"]
    return ca


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-2"])
def test_the_autoscaler_uses_the_stacks_region(region):
    rec = run_with("dev", **{"aws:region": region})
    ca = ca_release(rec)
    assert ca.inputs["values"]["awsRegion"] == region, f"{ca.urn}: {ca.inputs['values']['awsRegion']}"
    assert ("aws:index/getRegion:getRegion", {}) in rec.invokes, "the region comes from the AWS provider"


def test_without_aws_region_config_the_providers_region_is_used_not_us_east_1():
    rec = run_with("dev", **{"aws:region": None})
    ca = ca_release(rec)
    assert ca.inputs["values"]["awsRegion"] == testing.mocks.REGION_WITHOUT_CONFIG != "us-east-1", ca.urn


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_az_discovery_excludes_the_zone_ids_eks_refuses_and_local_zones(stack):
    rec = testing.run_stack(project().root, stack)
    calls = [args for tok, args in rec.invokes if tok == "aws:index/getAvailabilityZones:getAvailabilityZones"]
    assert calls, f"{stack}: no AZ lookup"
    for args in calls:
        assert set(args["excludeZoneIds"]) >= REFUSED_ZONE_IDS >= {"use1-az3", "usw1-az2", "cac1-az3"}, args
        assert {"name": "opt-in-status", "values": ["opt-in-not-required"]} in args["filters"], args
        assert args["state"] == "available", args


ADMINS = ["arn:aws:iam::123456789012:role/platform", "arn:aws:iam::123456789012:role/sre",
          "arn:aws:iam::123456789012:user/jane"]


def access_entries(rec: testing.Recording) -> dict[str, str]:
    return {r.name: r.inputs["principalArn"] for r in rec.of_type("aws:eks/accessEntry:AccessEntry")}


def test_access_entries_are_named_by_principal_so_reordering_changes_nothing():
    forward = access_entries(run_with("dev", **{"raystack:adminRoleArns": ADMINS}))
    backward = access_entries(run_with("dev", **{"raystack:adminRoleArns": list(reversed(ADMINS))}))
    shorter = access_entries(run_with("dev", **{"raystack:adminRoleArns": ADMINS[1:]}))
    assert sorted(forward.values()) == sorted(ADMINS)
    assert forward == backward, "reordering adminRoleArns renamed (replaced) access entries"
    assert shorter == {k: v for k, v in forward.items() if v != ADMINS[0]}, "removing one touched the others"


def test_the_deploying_identity_gets_no_second_access_entry():
    deployer = f"arn:aws:iam::123456789012:role/{testing.mocks.DEPLOYER_ROLE}"
    rec = run_with("dev", **{"raystack:adminRoleArns": [deployer, ADMINS[0]]})
    assert sorted(access_entries(rec).values()) == [ADMINS[0]], "the creator is admin already: a second entry is a 409"
    (cluster,) = rec.of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is True, cluster.urn


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_cluster_node_groups_and_autoscaler_wait_for_their_iam(stack):
    rec = testing.run_stack(project().root, stack)
    by_name = {r.name: r for r in rec.resources}
    cluster_policies = {r.urn for r in rec.resources if r.name.startswith("raystack-cluster-cluster-role-")}
    node_policies = {r.urn for r in rec.resources if r.name.startswith("raystack-cluster-node-role-")}
    (cluster,) = rec.of_type("aws:eks/cluster:Cluster")
    assert cluster_policies and cluster_policies <= set(cluster.dependencies), cluster.urn
    for ng in rec.of_type("aws:eks/nodeGroup:NodeGroup"):
        # A GpuNodePool's children inherit the component's dependencies.
        parent = next((r for r in rec.resources if r.urn == ng.parent), None)
        deps = set(ng.dependencies) | set(parent.dependencies if parent else [])
        assert node_policies <= deps, f"{ng.urn} may outlive its node role's policies on destroy"
    ca = ca_release(rec)
    assert by_name["raystack-autoscaler-policy"].urn in ca.dependencies, ca.urn

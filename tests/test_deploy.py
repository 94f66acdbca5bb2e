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

"""Oracles for the AWS side nobody here wrote: botocore's service models (every request the registered
resources become: members, types, required fields, ranges and enums), EKS's documented node-group
and launch-template rules, and parliament's IAM policy linter. Over every stack that creates AWS
resources plus a Capacity Block (with EFA) and an ODCR variant."""

from __future__ import annotations

import json

import botocore.session
import botocore.validate
import parliament
import pytest
from aws_requests import enum_problems, request_for
from conftest import AWS_STACKS, project
from raystack import RayPlatform, testing
from support import KARPENTER_NEURON

SESSION = botocore.session.get_session()
RESERVED = [
    {"name": "l4-spot", "instanceType": "g6.xlarge", "capacityType": "SPOT", "maxSize": 2},
    {"name": "cb", "instanceType": "p5.48xlarge", "capacityType": "CAPACITY_BLOCK", "minSize": 0, "maxSize": 1,
     "capacityReservationId": "cr-0123456789abcdef0", "availabilityZone": "us-east-1b", "efa": True},
    {"name": "odcr", "instanceType": "p5.48xlarge", "capacityType": "ON_DEMAND", "minSize": 0, "maxSize": 1,
     "capacityReservationId": "cr-0123456789abcdef1", "availabilityZone": "us-east-1c"},
]
#: (stack, extra config) runs the oracles cover.
RUNS = [(s, {}) for s in AWS_STACKS] + [
    ("dev", {"raystack:gpuPools": json.dumps(RESERVED),
             "raystack:network": json.dumps({"cidr": "10.40.0.0/16", "availabilityZones":
                                             ["us-east-1a", "us-east-1b", "us-east-1c"]}),
             "raystack:adminRoleArns": json.dumps(["arn:aws:iam::123456789012:role/platform"])}),
    ("neuron", KARPENTER_NEURON),  # dev's Karpenter variant is a shipped stack, dev-karpenter (in AWS_STACKS)
]
IDS = [s for s in AWS_STACKS] + ["dev-with-capacity-block-and-odcr", "neuron-karpenter"]


def recorded(stack: str, extra: dict[str, str]) -> testing.Recording:
    config = {**testing.load_stack_config(project(), stack), **extra}
    return testing.run(RayPlatform.from_stack_config, config, stack=stack)


@pytest.fixture(scope="module", params=list(zip(RUNS, IDS, strict=True)), ids=IDS)
def rec(request) -> testing.Recording:
    (stack, extra), _ = request.param
    return recorded(stack, extra)


def test_every_request_matches_botocores_model(rec):
    validator = botocore.validate.ParamValidator()
    checked = set()
    for r in rec.resources:
        req = request_for(r)
        if req is None:
            continue
        service, operation, params = req
        shape = SESSION.get_service_model(service).operation_model(operation).input_shape
        report = validator.validate(params, shape)
        assert not report.has_errors(), f"{r.urn}: {operation} {report.generate_report()}"
        problems = enum_problems(shape, params)
        assert not problems, f"{r.urn}: {operation}: {problems}"
        checked.add(operation)
    assert {"CreateCluster", "CreateNodegroup", "CreateLaunchTemplate", "CreateAddon",
            "CreatePodIdentityAssociation"} <= checked, checked
    if rec.of_type("aws:sqs/queue:Queue"):  # Karpenter's interruption queue, its rules and discovery tags
        assert {"CreateQueue", "SetQueueAttributes", "PutRule", "PutTargets", "CreateTags"} <= checked, checked
        names = SESSION.get_service_model("sqs").shape_for("QueueAttributeName").enum
        for q in rec.of_type("aws:sqs/queue:Queue"):
            assert set(request_for(q)[2]["Attributes"]) <= set(names), q.urn  # type: ignore[index]


def test_eks_node_group_and_launch_template_rules(rec):
    """EKS user guide, launch-templates and capacity-blocks-mng: an instance type is in the template
    or on the node group, never both; a Capacity Block needs the template's InstanceType, market
    type capacity-block and reservation target; templates carry no IAM instance profile (EKS sets
    the node role) and no spot market options (capacityType SPOT does that); no AMI id with an EKS
    AMI type."""
    templates = {f"{r.name}-id": request_for(r)[2]["LaunchTemplateData"]  # type: ignore[index]
                 for r in rec.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    groups = rec.of_type("aws:eks/nodeGroup:NodeGroup")
    assert groups
    for ng in groups:
        req = request_for(ng)[2]  # type: ignore[index]
        lt = templates[req["launchTemplate"]["id"]]
        assert ("InstanceType" in lt) != ("instanceTypes" in req), f"{ng.urn}: instance type in both or neither"
        assert "IamInstanceProfile" not in lt and "ImageId" not in lt, ng.urn
        assert lt.get("InstanceMarketOptions", {}).get("MarketType") != "spot", ng.urn
        assert len(req["nodegroupName"]) <= 63, ng.urn
        if req["capacityType"] == "CAPACITY_BLOCK":
            assert lt["InstanceMarketOptions"] == {"MarketType": "capacity-block"}, ng.urn
            assert lt["CapacityReservationSpecification"]["CapacityReservationTarget"]["CapacityReservationId"], ng.urn
            assert len(req["subnets"]) == 1, f"{ng.urn}: a Capacity Block is in one AZ"
        if "CapacityReservationSpecification" in lt:
            assert len(req["subnets"]) == 1, f"{ng.urn}: a reservation is in one AZ"
        if "NetworkInterfaces" in lt:
            # EFA (EC2 user guide efa-acc-inst-types; efa.html): one interface per network card from 0, the
            # primary EFA with ENA, the pool in one AZ (EFA traffic does not cross AZs), security groups on
            # the interfaces and not at the template's top level (EC2 refuses both).
            nics = lt["NetworkInterfaces"]
            assert [n["NetworkCardIndex"] for n in nics] == list(range(len(nics))), ng.urn
            assert (nics[0]["DeviceIndex"], nics[0]["InterfaceType"]) == (0, "efa"), ng.urn
            assert all(n["InterfaceType"] == "efa-only" for n in nics[1:]), ng.urn
            assert "SecurityGroupIds" not in lt and all(len(n["Groups"]) == 2 for n in nics), ng.urn
            # EKS LaunchTemplateSpecification: the template "can't include SubnetId" (EKS sets it per node).
            assert not any("SubnetId" in n for n in nics), ng.urn
            assert len(req["subnets"]) == 1, f"{ng.urn}: an EFA pool is in one AZ"
            assert ("Placement" in lt) != ("CapacityReservationSpecification" in lt), \
                f"{ng.urn}: a placement group exactly where no reservation places the nodes"
        md = lt["MetadataOptions"]
        assert (md["HttpTokens"], md["HttpPutResponseHopLimit"]) == ("required", 1), ng.urn
        assert all(b["Ebs"]["Encrypted"] for b in lt["BlockDeviceMappings"]), ng.urn


def _uncovered(doc: str, mismatches: list[dict[str, str]]) -> list[dict[str, str]]:
    """Of parliament's RESOURCE_MISMATCH details (an action's required resource format that one statement's
    resources do not match), those no Allow statement of the policy matches. IAM authorizes each resource of a
    request on its own, against every statement (IAM user guide, policy evaluation logic), so an action may take
    its resource types from several statements, as Karpenter's own controller policy (cloudformation.yaml@v1.14.1)
    does for ec2:RunInstances and ec2:CreateFleet: scoped by tags on what it launches, unscoped on images."""
    statements = json.loads(doc)["Statement"]

    def kind(arn: str) -> tuple[str, str]:  # (service, resource type): arn:partition:service:region:account:type/...
        parts = arn.split(":", 5)
        return parts[2], parts[5].split("/")[0]

    def granted(action: str, fmt: str) -> bool:
        return any(s["Effect"] == "Allow" and action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
                   and any(kind(r) == kind(fmt) for r in
                           ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]))
                   for s in statements)
    return [m for m in mismatches if not granted(m["action"], m["required_format"])]


def test_every_iam_policy_passes_parliament(rec):
    policies = [(r.urn, r.inputs["policy"]) for r in rec.of_type("aws:iam/rolePolicy:RolePolicy")]
    assert policies
    for urn, doc in policies:
        findings = [(f.issue, f.detail) for f in parliament.analyze_policy_string(doc).findings
                    if f.issue != "RESOURCE_MISMATCH" or _uncovered(doc, f.detail)]
        assert not findings, f"{urn}: {findings}"
    for role in rec.of_type("aws:iam/role:Role"):
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert {s["Principal"]["Service"] for s in trust["Statement"]} <= {
            "eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"}, role.urn
        assert all(s["Effect"] == "Allow" and "Condition" not in s or s["Condition"] for s in trust["Statement"])


def test_the_oracles_can_fail():
    """The same checks reject what EKS would: a bad enum, a missing required member, a wildcard policy."""
    model = SESSION.get_service_model("eks").operation_model("CreateNodegroup").input_shape
    bad = {"clusterName": "c", "nodegroupName": "n", "subnets": ["s"], "nodeRole": "r", "capacityType": "RESERVED",
           "taints": [{"key": "k", "effect": "NoSchedule"}]}
    assert enum_problems(model, bad) == [
        "capacityType = 'RESERVED': not one of ['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK']",
        "taints[0].effect = 'NoSchedule': not one of ['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE']"]
    del bad["nodeRole"]
    assert botocore.validate.ParamValidator().validate(bad, model).has_errors()
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "eks:*", "Resource": "*"}]}
    assert parliament.analyze_policy_string(json.dumps(wide)).findings


@pytest.mark.parametrize("region", sorted({r for p in SESSION.get_data("endpoints")["partitions"]
                                           for r in list(p["regions"])[:1]}))
def test_the_partition_of_each_region_is_botocores(region):
    """AWS N11: ARNs name the region's partition; botocore's endpoint data says which that is."""
    from raystack.clouds.aws.partitions import partition_for_region

    (want,) = [p["partition"] for p in SESSION.get_data("endpoints")["partitions"] if region in p["regions"]]
    assert partition_for_region(region) == want
    for p in SESSION.get_data("endpoints")["partitions"]:
        for r in p["regions"]:
            assert partition_for_region(r) == p["partition"], r


def test_every_arn_in_a_govcloud_stack_names_its_partition():
    """AWS N11: managed policies, access policies, the autoscaler's and Pod Identity's policy documents."""
    config = {**testing.load_stack_config(project(), "workloads"), "aws:region": "us-gov-west-1",
              "raystack:adminRoleArns": json.dumps(["arn:aws-us-gov:iam::123456789012:role/platform"])}
    config.pop("raystack:network", None)
    rec = testing.run(RayPlatform.from_stack_config, config, stack="workloads")
    # What raystack writes (the mocks' own role ARNs and the caller's identity are not its to choose).
    written = [(r.urn, r.inputs["policyArn"]) for r in rec.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")]
    written += [(r.urn, r.inputs["policyArn"])
                for r in rec.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")]
    written += [(r.urn, res) for r in rec.of_type("aws:iam/rolePolicy:RolePolicy")
                for st in json.loads(r.inputs["policy"])["Statement"]
                for res in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]) if res != "*"]
    kinds = {urn.split("::")[-2].split("$")[-1] for urn, _ in written}
    assert {"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/rolePolicy:RolePolicy",
            "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"} <= kinds, kinds
    wrong = [(urn, arn) for urn, arn in written if not arn.startswith("arn:aws-us-gov:")]
    assert not wrong, wrong

"""observability.logs: Ray's log files shipped off every pod by a Fluent Bit sidecar to a CloudWatch Logs group
the stack creates, through each Ray cluster's Pod Identity role (raystack.ray.logs, clouds.aws.logs). The
lifecycle scenario is in test_lifecycle.py (test_ray_logs_outlive_their_pods_...)."""

from __future__ import annotations

import json
import re

import parliament
import pytest
from raystack import ConfigError, versions
from raystack.clouds.aws.iam import log_shipping_policy
from raystack.model.resolve import resolve
from raystack.policy.pss import violations
from raystack.ray.logs import RAY_TMP, SHIPPER, SHIPPER_CPU_MILLIS, SHIPPER_MEMORY_MIB, shipper_args
from raystack.testing.lifecycle.logs import allowed
from support import mirror_file, stack_spec

GROUP = "/raystack/raystack-prod/ray"
ARN = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"


@pytest.fixture(scope="module")
def prod():
    return resolve(stack_spec("prod"), stack="prod", region="us-east-1")


def _templates(platform):
    for rc in [*platform.ray_clusters, *(w.cluster for w in platform.ray_workloads if w.cluster is not None)]:
        spec = rc.manifest["spec"]
        yield rc, "head", spec["headGroupSpec"]["template"]
        for g in spec["workerGroupSpecs"]:
            yield rc, g["groupName"], g["template"]


def test_every_ray_pod_ships_through_a_restricted_native_sidecar_of_the_stacks_group(prod):
    """The sidecar starts first and stops last (restartPolicy Always), meets Pod Security restricted as the
    Ray container does (nothing but emptyDirs, read-only root), reads Ray's /tmp/ray read-only and writes
    to the region's group under the pod's name."""
    seen = 0
    for rc, group, t in _templates(prod):
        where = f"{rc.namespace}/{rc.name} {group}"
        spec = t["spec"]
        shipper = spec["initContainers"][0]
        assert (shipper["name"], shipper["restartPolicy"], shipper["image"]) == (SHIPPER, "Always",
                                                                                versions.FLUENT_BIT_IMAGE), where
        assert not violations(spec), f"{where}: {violations(spec)}"
        assert shipper["securityContext"]["readOnlyRootFilesystem"] is True, where
        ray = spec["containers"][0]
        assert {"name": "ray-logs", "mountPath": RAY_TMP} in ray["volumeMounts"], where
        assert {"name": "ray-logs", "mountPath": RAY_TMP, "readOnly": True} in shipper["volumeMounts"], where
        args = shipper["args"]
        assert {f"log_group_name={GROUP}", "region=us-east-1", "log_stream_prefix=$(POD_NAME).",
                "auto_create_group=false"} <= set(args), where
        assert {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} in shipper["env"]
        assert rc.identity is not None and rc.identity.pod_identity and rc.identity.log_group == GROUP, where
        seen += 1
    assert seen == 4  # two clusters, a head and one group each


def test_workers_leave_room_for_the_shipper_and_nothing_changes_without_logs(prod):
    """Sizing subtracts the sidecar's request from each pod's share of the node; without logs a cluster is
    byte-identical to before (no restart on upgrade)."""
    plain_spec = stack_spec("prod")
    plain_spec["observability"] = {k: v for k, v in plain_spec["observability"].items() if k != "logs"}
    plain = resolve(plain_spec, stack="prod", region="us-east-1")
    for with_logs, without in zip(prod.ray_clusters, plain.ray_clusters, strict=True):
        for a, b in zip(with_logs.groups, without.groups, strict=True):
            pool, n = prod.pools[a.pool], a.size.pods_per_node
            assert a.size.memory_mib + SHIPPER_MEMORY_MIB <= pool.schedulable_memory_mib // n, (a, pool)
            assert a.size.cpu * 1000 + SHIPPER_CPU_MILLIS <= pool.schedulable_cpu_millis // n, (a, pool)
            assert (a.size.memory_mib, a.size.cpu) <= (b.size.memory_mib, b.size.cpu)
        assert "initContainers" not in json.dumps(without.manifest)
        assert RAY_TMP not in json.dumps(without.manifest)


def test_a_stack_without_a_region_cannot_say_where_its_pods_ship():
    spec = stack_spec("prod")
    with pytest.raises(ConfigError) as err:
        resolve(spec, stack="prod", region=None)
    (f,) = err.value.findings
    assert f.key == "raystack:observability.logs.destination" and "aws:region" in f.message


def test_the_role_may_write_streams_of_the_stacks_group_and_nothing_else():
    """The policy passes parliament, and IAM's evaluation (the harness's) lets through exactly the group's
    streams: not another group's, not another action."""
    policy = log_shipping_policy(ARN)
    assert not parliament.analyze_policy_string(json.dumps(policy)).findings
    stream = f"{ARN}:log-stream:dev-head-0.ray.tmp.ray.session_1.logs.raylet.out"
    assert allowed([policy], "logs:PutLogEvents", stream) and allowed([policy], "logs:CreateLogStream", stream)
    assert not allowed([policy], "logs:PutLogEvents", stream.replace("raystack-prod", "other"))
    assert not allowed([policy], "logs:DeleteLogGroup", ARN)
    deny = {"Statement": [{"Effect": "Deny", "Action": "logs:*", "Resource": "*"}]}
    assert not allowed([policy, deny], "logs:PutLogEvents", stream), "an explicit Deny wins"


def test_the_plan_names_where_the_logs_go(prod):
    from raystack.preview.operations import operations, text_lines

    ops = operations(prod)
    logs = ops["logs"]
    assert (logs["destination"], logs["target"], logs["retentionDays"]) == ("cloudwatch", GROUP, 90)
    assert logs["clusters"] == ["ray-prod/training", "ray-prod/inference"]
    assert "ray-prod/training-workers" in logs["serviceAccounts"]
    (line,) = [x for x in text_lines(ops) if x.startswith("Logs:")]
    assert GROUP in line and "90 days" in line


def _config_keys(source: str) -> set[str]:
    """The property names a Fluent Bit plugin declares (its flb_config_map entries)."""
    return set(re.findall(r'FLB_CONFIG_MAP_\w+,\s*"([^"]+)"', source))


def test_every_shipper_property_is_one_the_pinned_fluent_bit_declares():
    """Oracle: fluent/fluent-bit at the pinned tag (skips without the fetched mirror). Each -p after -i tail
    is a tail input key (or a generic input key), each after -o a cloudwatch_logs key."""
    tag = "v" + versions.FLUENT_BIT_IMAGE.split(":")[1]
    tail = mirror_file("fluent/fluent-bit", tag, "plugins/in_tail/tail.c")
    out = mirror_file("fluent/fluent-bit", tag, "plugins/out_cloudwatch_logs/cloudwatch_logs.c")
    generic_input = {"tag", "mem_buf_limit", "match"}  # flb_input.c / flb_output.c properties of every plugin
    args = shipper_args("cloudwatch_logs", (("region", "us-east-1"), ("log_group_name", GROUP)))
    section, keys = None, _config_keys(tail)
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("-i", "-o"):
            section, keys = value, _config_keys(tail if flag == "-i" else out)
        elif flag == "-p":
            key = value.split("=", 1)[0]
            assert key in keys | generic_input, f"{section}: {key} is not a property of fluent-bit {tag}"


def test_the_shipper_is_pulled_through_image_registry_like_ray():
    """imageRegistry (an ECR pull-through cache of Docker Hub) serves the shipper too: fluent/fluent-bit is a
    Docker Hub image, and without the registry the warning names it."""
    spec = {**stack_spec("prod"), "imageRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub"}
    platform = resolve(spec, stack="prod", region="us-east-1")
    for rc, group, t in _templates(platform):
        assert t["spec"]["initContainers"][0]["image"] == \
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/{versions.FLUENT_BIT_IMAGE}", (rc.name, group)
    plain = resolve(stack_spec("serving"), stack="serving", region="us-east-1")
    (warning,) = [w for w in plain.warnings if w.key == "raystack:imageRegistry"]
    assert "fluent/fluent-bit" in warning.message

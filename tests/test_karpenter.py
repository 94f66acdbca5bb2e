"""autoscaler: karpenter. The NodePools and EC2NodeClasses of the Karpenter variants of the dev and neuron stacks pass
Karpenter's schemas (an npm oracle generated from Karpenter's Go API types); their workers fit every candidate type;
a g6 + g5 pool sizes a 1-GPU worker for the smallest; bad input fails naming the key; Spot workers' preStop is a
command Ray's own CLI accepts; and which NodePool or EC2NodeClass edits replace every node. (botocore and the IAM
lint cover the same variants in test_aws_oracles.py.)"""

from __future__ import annotations

import copy
import json
import re
import shlex

import pytest
from conftest import project
from raystack import RayPlatform, testing
from raystack.clouds.aws import karpenter
from raystack.hardware import catalog
from raystack.model.facts import DAEMONSET_RESERVE_CPU_MILLIS, DAEMONSET_RESERVE_MEMORY_MIB
from raystack.model.findings import ConfigError
from raystack.model.resolve import resolve
from support import (
    KARPENTER_DEV,
    KARPENTER_DEV_POOL,
    KARPENTER_NEURON,
    ROOT,
    mirror_file,
    npm_oracle,
    planned,
    project_copy,
)

VARIANTS = {"dev": KARPENTER_DEV, "neuron": KARPENTER_NEURON}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def variant(request) -> tuple[str, testing.Recording]:
    config = {**testing.load_stack_config(project(), request.param), **VARIANTS[request.param]}
    return request.param, testing.run(RayPlatform.from_stack_config, config, stack=request.param)


def _objects(rec: testing.Recording, kind: str) -> list[dict]:
    """Copies of the recorded objects of a kind (a test may plant a mistake in its copy)."""
    return [copy.deepcopy({k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")})
            for r in rec.resources if r.type.endswith(f":{kind}")]


def test_the_nodepools_and_nodeclasses_pass_karpenters_schemas(variant):
    stack, rec = variant
    docs = _objects(rec, "NodePool") + _objects(rec, "EC2NodeClass")
    assert len(docs) == {"dev": 2, "neuron": 4}[stack], f"{stack}: a NodePool and an EC2NodeClass a pool"
    assert npm_oracle("karpenter.mjs", docs) == [None] * len(docs), f"{stack}: {docs}"


def test_the_karpenter_oracle_can_fail(variant):
    _, rec = variant
    (np, *_), (nc, *_) = _objects(rec, "NodePool"), _objects(rec, "EC2NodeClass")
    np["spec"]["disruption"]["consolidationPolicy"] = "WhenIdle"
    np["spec"]["disruption"]["budgets"][0]["nodes"] = "ten"
    del nc["spec"]["amiSelectorTerms"]
    problems = npm_oracle("karpenter.mjs", [np, nc])
    assert problems[0] and "consolidationPolicy" in problems[0] and "nodes" in problems[0], problems
    assert problems[1] and "amiSelectorTerms" in problems[1], problems


def test_every_worker_fits_every_candidate(variant):
    """Whichever candidate Karpenter launches, a worker sized by raystack fits it beside the DaemonSet reserve."""
    stack, rec = variant
    pools = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in rec.resources if r.type.endswith(":NodePool")}
    checked = 0
    for rc in rec.of_type("kubernetes:ray.io/v1:RayCluster"):
        for g in rc.inputs["spec"]["workerGroupSpecs"]:
            pool = g["template"]["spec"]["nodeSelector"]["raystack.io/pool"]
            if pool not in pools:
                continue
            (req,) = [r for r in pools[pool]["template"]["spec"]["requirements"]
                      if r["key"] == "node.kubernetes.io/instance-type"]
            limits = g["template"]["spec"]["containers"][0]["resources"]["limits"]
            cpu, mem = float(limits["cpu"]) * 1000, int(limits["memory"].removesuffix("Mi"))
            devices = max([int(v) for k, v in limits.items() if k not in ("cpu", "memory")] or [0])
            for name in req["values"]:
                t = catalog.lookup(name)
                assert cpu <= t.allocatable_cpu_millis - DAEMONSET_RESERVE_CPU_MILLIS, (rc.urn, g["groupName"], name)
                assert mem <= t.allocatable_memory_mib - DAEMONSET_RESERVE_MEMORY_MIB, (rc.urn, g["groupName"], name)
                assert devices <= t.accelerator_count, (rc.urn, g["groupName"], name)
                checked += 1
    assert checked >= {"dev": 12, "neuron": 3}[stack], f"{stack}: {checked} (worker group, candidate) pairs"


def _dev(**changes) -> dict:
    import yaml

    cfg = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    raw = {k.split(":", 1)[1]: v for k, v in cfg.items() if k.startswith("raystack:")}
    raw["autoscaler"] = "karpenter"
    raw["systemPool"] = json.loads(KARPENTER_DEV["raystack:systemPool"])
    raw["gpuPools"] = [json.loads(json.dumps(KARPENTER_DEV_POOL))]
    for k, v in changes.items():
        if k.startswith("pool."):
            raw["gpuPools"][0][k[5:]] = v
        else:
            raw[k] = v
    return raw


def test_a_g6_and_g5_pool_sizes_a_1_gpu_worker_for_the_smallest_candidate():
    """g6.xlarge-g6.12xlarge plus every g5, Spot and on-demand: the worker takes 1 GPU and fits g6.xlarge and
    g5.xlarge (4 vCPUs, 16 GiB: the least allocatable), so Karpenter may launch any of the twelve."""
    platform = resolve(_dev(), stack="dev", region="us-east-1")
    (pool,) = platform.node_pools
    k = pool.karpenter
    assert set(k.candidates) == {"g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.8xlarge", "g6.12xlarge", "g5.xlarge",
                                 "g5.2xlarge", "g5.4xlarge", "g5.8xlarge", "g5.16xlarge", "g5.12xlarge", "g5.24xlarge"}
    assert k.capacity_types == ("spot", "on-demand")
    assert pool.instance_type in ("g5.xlarge", "g6.xlarge")
    (group,) = platform.ray_clusters[0].groups
    smallest = catalog.lookup("g6.xlarge")
    assert group.size.accelerators == 1
    assert group.size.cpu * 1000 <= smallest.allocatable_cpu_millis - DAEMONSET_RESERVE_CPU_MILLIS
    assert group.size.memory_mib <= smallest.allocatable_memory_mib - DAEMONSET_RESERVE_MEMORY_MIB
    assert k.price_range == (0.8048, 8.144)  # g6.xlarge .. g5.24xlarge, on demand (the catalog's us-east-1)
    assert k.limits == {"cpu": 4 * 96, "memory_gib": 4 * 384, "accelerators": 4 * 4}  # maxSize x the largest
    assert pool.facts.preemption_notice_s == karpenter.SPOT_NOTICE_S


BAD = [
    ({"pool.karpenter": {"instanceFamilies": ["g6"], "acceleratorModels": ["H100"]}},
     ["raystack:gpuPools[0].karpenter.acceleratorModels[0] = 'H100': no candidate carries it"]),
    ({"pool.karpenter": {"instanceFamilies": ["g6"], "acceleratorCounts": [3]}},
     ["raystack:gpuPools[0].karpenter.acceleratorCounts[0] = 3: no candidate has that many devices"]),
    ({"pool.karpenter": {"instanceTypes": ["m7i.2xlarge"]}},
     ["raystack:gpuPools[0].karpenter = ['m7i.2xlarge']: CPU-only types in a pool of nvidia instanceType g6.xlarge"]),
    ({"pool.karpenter": {"instanceTypes": ["g9.xlarge"]}},
     ["raystack:gpuPools[0].karpenter.instanceTypes[0] = 'g9.xlarge': not in raystack's catalog"]),
    ({"pool.karpenter": {"instanceFamilies": ["g6"], "limits": {"accelerators": 0}}},
     ["raystack:gpuPools[0].karpenter.limits.accelerators = 0: below one node"]),
    ({"pool.karpenter": {"consolidateAfter": "5 minutes"}},
     ["raystack:gpuPools[0].karpenter.consolidateAfter = '5 minutes': a duration like"]),
    ({"pool.efa": True}, ["raystack:gpuPools[0].efa = True: EFA pools stay managed node groups"]),
    ({"pool.labels": {"karpenter.sh/team": "ml"}},
     ["raystack:gpuPools[0].labels.karpenter.sh/team = 'ml': a label Karpenter's NodePool refuses"]),
    ({"pool.minSize": 1}, ["raystack:gpuPools[0].minSize = 1: Karpenter keeps no minimum of nodes"]),
    ({"clusterAutoscaler": True}, ["raystack:clusterAutoscaler = True: two node autoscalers"]),
    ({"kubernetesDelivery": "gitops"}, ["raystack:autoscaler = 'karpenter': not with kubernetesDelivery gitops"]),
    ({"autoscaler": "cluster-autoscaler"}, ["raystack:gpuPools[0].karpenter = {"]),
]


@pytest.mark.parametrize(("changes", "expected"), BAD, ids=[str(c) for c, _ in BAD])
def test_bad_karpenter_config_fails_naming_the_key(changes, expected):
    with pytest.raises(ConfigError) as e:
        resolve(_dev(**changes), stack="dev", region="us-east-1")
    got = [str(f) for f in e.value.findings if f.severity == "error"]
    assert len(got) == len(expected), got
    for g, want in zip(sorted(got), sorted(expected), strict=True):
        assert g.startswith(want), (g, want)


def test_karpenter_is_refused_outside_eks_clusters_the_stack_creates():
    raw = _dev()
    raw.update(clusterMode="existing", kubeconfig="~/.kube/config")
    with pytest.raises(ConfigError) as e:
        resolve(raw, stack="dev", region="us-east-1")
    assert any(f.key == "raystack:autoscaler" and "only on EKS clusters the stack creates" in f.message
               for f in e.value.findings), e.value.findings


def test_a_spot_workers_prestop_is_a_drain_rays_cli_accepts():
    """The preStop's `ray drain-node` parses with Ray's own click command (ray/scripts/scripts.py@2.60)."""
    from ray.scripts.scripts import drain_node

    rc = resolve(_dev(), stack="dev", region="us-east-1").ray_clusters[0]
    (group,) = rc.manifest["spec"]["workerGroupSpecs"]
    (sh, dash_c, script) = group["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    drain, stop = script.rsplit("; ", 1)
    assert (sh, dash_c, stop) == ("/bin/sh", "-c", "ray stop")
    node_id = re.search(r"\$\((python -c .*?')\)", drain)  # the node id: the pod's own, at run time
    assert node_id and shlex.split(node_id.group(1))[:2] == ["python", "-c"], drain
    args = shlex.split(drain.replace(node_id.group(0), "NODE"))
    assert args[:2] == ["ray", "drain-node"]
    ctx = drain_node.make_context("drain-node", args[2:])
    assert ctx.params["reason"] == "DRAIN_NODE_REASON_PREEMPTION"
    assert ctx.params["deadline_remaining_seconds"] == karpenter.SPOT_NOTICE_S - 30


DRIFT = [
    ("NodePool", ["template.spec.taints"], "every node"),
    ("NodePool", ["template.metadata.labels"], "every node"),
    ("NodePool", ["template.spec.requirements"], "nodes the new requirements exclude"),
    ("NodePool", ["limits", "disruption.consolidateAfter"], None),
    ("EC2NodeClass", ["blockDeviceMappings"], "every node"),
    ("EC2NodeClass", ["amiSelectorTerms"], "every node"),
    ("EC2NodeClass", ["subnetSelectorTerms"], None),
]


@pytest.mark.parametrize(("kind", "changed", "drifts"), DRIFT)
def test_which_edits_drift_replace_nodes(kind, changed, drifts):
    """core nodepool.go Hash (spec.template less requirements) and AWS ec2nodeclass.go Hash (the spec less the
    selector terms) at v1.14.1; a new AMI alias drifts by the AMI it resolves to."""
    assert karpenter.drift_of(kind, changed) == drifts


KARPENTER_REPO, KARPENTER_TAG = "aws/karpenter-provider-aws", "v1.14.1"
CRD_FILES = {"NodePool": "karpenter.sh_nodepools.yaml", "EC2NodeClass": "karpenter.k8s.aws_ec2nodeclasses.yaml"}


def _crd_schema(kind: str) -> dict:
    """The v1 openAPIV3Schema of a Karpenter kind's CRD at the pinned tag (pkg/apis/crds), from a local mirror."""
    import yaml

    crd = yaml.safe_load(mirror_file(KARPENTER_REPO, KARPENTER_TAG, f"pkg/apis/crds/{CRD_FILES[kind]}"))
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    return version["schema"]["openAPIV3Schema"]


def test_the_objects_pass_the_crds_at_the_pinned_tag(variant):
    """The NodePool and EC2NodeClass CRDs of aws/karpenter-provider-aws@v1.14.1 (pkg/apis/crds), their structural
    schemas as jsonschema reads them (CEL rules are the npm oracle's and the API server's), where a mirror of the
    repository is at hand; skipped elsewhere (CI runs the npm oracle above)."""
    import jsonschema

    stack, rec = variant
    for kind in CRD_FILES:
        schema = _crd_schema(kind)
        for doc in _objects(rec, kind):
            jsonschema.validate(doc, schema)
        bad = _objects(rec, kind)[0]
        bad["spec"]["unknownField"] = 1
        if kind == "NodePool":
            bad["spec"]["disruption"]["consolidationPolicy"] = "WhenIdle"
        else:
            bad["spec"]["metadataOptions"]["httpTokens"] = "sometimes"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def _cel_problems(schema: dict, value: object, at: str = "") -> list[str]:
    """The CRD's x-kubernetes-validations (CEL) that ``value`` breaks, walking the structural schema (cel-python,
    with the Kubernetes regex library's ``find``; transition rules, which need oldSelf, left out)."""
    import re as regex

    import celpy
    from celpy.adapter import json_to_cel

    def find(s: object, pattern: object) -> celpy.celtypes.StringType:  # Kubernetes' regex library
        m = regex.search(str(pattern), str(s))
        return celpy.celtypes.StringType(m.group(0) if m else "")

    def split(s: object, sep: object) -> celpy.celtypes.ListType:  # Kubernetes' strings library
        return celpy.celtypes.ListType([celpy.celtypes.StringType(x) for x in str(s).split(str(sep))])

    out = []
    env = celpy.Environment()
    for v in schema.get("x-kubernetes-validations") or []:
        if "oldSelf" in v["rule"]:
            continue
        try:
            ok = env.program(env.compile(v["rule"]), functions={"find": find, "split": split}).evaluate({"self": json_to_cel(value)})
        except celpy.CELEvalError as e:
            raise AssertionError(f"{at}: {v['rule']}: {e.args[0]}") from None
        if not ok:
            out.append(f"{at or '.'}: {v['message']}")
    if isinstance(value, dict):
        for k, sub in value.items():
            prop = (schema.get("properties") or {}).get(k) or (schema.get("additionalProperties") or None)
            if isinstance(prop, dict):
                out += _cel_problems(prop, sub, f"{at}.{k}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, sub in enumerate(value):
            out += _cel_problems(schema["items"], sub, f"{at}[{i}]")
    return out


def test_the_objects_pass_the_crds_cel_rules_at_the_pinned_tag(variant):
    """The CEL rules of the same CRDs (restricted label domains, requirement operators, budget schedules, the
    EC2NodeClass's selector and alias rules), where a mirror is at hand; a planted restricted label is caught."""
    _, rec = variant
    for kind in CRD_FILES:
        schema = _crd_schema(kind)
        for doc in _objects(rec, kind):
            assert _cel_problems(schema, doc) == [], doc["metadata"]["name"]
    bad = _objects(rec, "NodePool")[0]
    bad["spec"]["template"]["metadata"]["labels"]["karpenter.sh/team"] = "ml"
    assert any("karpenter.sh" in p for p in _cel_problems(_crd_schema("NodePool"), bad))


def test_the_controller_values_are_the_charts_at_the_pinned_tag():
    """Every value raystack sets is a key of charts/karpenter/values.yaml@v1.14.1."""
    import yaml

    chart = yaml.safe_load(mirror_file(KARPENTER_REPO, KARPENTER_TAG, "charts/karpenter/values.yaml"))

    def keys(d: dict, at: str = "") -> set[str]:
        return {k for key, v in d.items() for k in ({f"{at}{key}"} | (keys(v, f"{at}{key}.") if isinstance(v, dict)
                                                                         and key not in ("nodeSelector", "resources")
                                                                         else set()))}
    ours = keys(karpenter.controller_values("c", {"raystack.io/pool": "system"}, 2))
    assert ours <= keys(chart) | {"controller.resources.requests", "controller.resources.limits"}, ours - keys(chart)


def test_plan_compare_flags_nodepool_and_nodeclass_edits_that_drift_every_node():
    """`plan --compare`: a label on the pool (the NodePool's template) and a bigger disk (the EC2NodeClass's block
    devices) drift every node; a higher maxSize (limits only) drifts none."""
    from raystack.preview.compare import drifted_karpenter_nodes

    def plan(**pool) -> dict:
        config = {**testing.load_stack_config(project(), "dev"), **KARPENTER_DEV,
                  "raystack:gpuPools": json.dumps([{**KARPENTER_DEV_POOL, **pool}])}
        rec = testing.run(RayPlatform.from_stack_config, config, stack="dev")
        return {"resources": [{"urn": r.urn, "type": r.type, "parent": r.parent, "inputs": r.inputs}
                              for r in rec.resources]}

    before = plan()
    (labelled,) = drifted_karpenter_nodes(before, plan(labels={"team": "research"}))
    assert labelled.resource.endswith("raystack-l4-spot-nodepool") and "every node" in labelled.message, labelled
    (disk,) = drifted_karpenter_nodes(before, plan(diskSizeGib=400))
    assert disk.resource.endswith("raystack-l4-spot-nodeclass") and "blockDeviceMappings" in disk.message, disk
    assert not drifted_karpenter_nodes(before, plan(maxSize=8))


def test_an_expiry_is_a_warning_in_the_plan():
    platform = resolve(_dev(**{"pool.karpenter": {**KARPENTER_DEV_POOL["karpenter"], "expireAfter": "720h"}}),
                       stack="dev", region="us-east-1")
    (w,) = [w for w in platform.warnings if w.key.endswith("expireAfter")]
    assert w.value == "720h" and "busy Ray workers are evicted" in w.message
    assert not [w for w in resolve(_dev(), stack="dev", region="us-east-1").warnings if "expireAfter" in w.key]


@pytest.mark.parametrize("stack", sorted(VARIANTS))
def test_the_karpenter_variants_plan_valid(stack, tmp_path, capsys):
    """`raystack plan` of the variant, as a stack file: valid (CRD schema, Ray's parser, the policy pack) and true to
    the plan's schema; the pool rows list the candidates, the node workers are sized for and the price range; idle
    costs $0 and the maximum is maxSize of the dearest candidate."""
    import yaml

    proj = project_copy(tmp_path)
    cfg = yaml.safe_load((proj / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    cfg["config"].update({k: v if k == "raystack:autoscaler" else json.loads(v) for k, v in VARIANTS[stack].items()})
    (proj / "stacks" / f"Pulumi.{stack}-karpenter.yaml").write_text(yaml.safe_dump(cfg))
    doc = planned(f"{stack}-karpenter", capsys, proj)
    rows = {p["pool"]: p for p in doc["pools"] if p["source"] == "karpenter-node-pool"}
    assert len(rows) == {"dev": 1, "neuron": 2}[stack], doc["pools"]
    for row in rows.values():
        k = row["karpenter"]
        assert k["sizedFor"] in k["candidates"] and k["priceUsdPerHourMax"] == row["priceUsdPerHour"], row
        assert row["min"] == 0 and "WhenEmpty" in k["disruption"], row
    if stack == "dev":  # L4 and A10G candidates: one GPU a node, no accelerator_type (no one model is true of all)
        assert rows["l4-spot"]["karpenter"]["rayResourcesPerNode"] == [{"resource": "GPU", "count": 1}], rows
    else:  # one Inferentia2 device: two NeuronCores, accelerator_type of the one model
        assert rows["inf2"]["karpenter"]["rayResourcesPerNode"] == [
            {"resource": "neuron_cores", "count": 2}, {"resource": "accelerator_type:aws-neuron-core", "count": 1}], rows


def test_neuron_candidates_of_several_device_counts_and_a_growing_system_pool_are_refused():
    import yaml

    cfg = yaml.safe_load((ROOT / "stacks" / "Pulumi.neuron.yaml").read_text())["config"]
    raw = {k.split(":", 1)[1]: v for k, v in cfg.items() if k.startswith("raystack:")}
    raw.update(autoscaler="karpenter", rayClusters=json.loads(KARPENTER_NEURON["raystack:rayClusters"]))
    raw["gpuPools"] = [{"name": "trn1", "instanceType": "trn1.32xlarge", "maxSize": 2},
                       {"name": "inf2", "instanceType": "inf2.24xlarge", "maxSize": 2,
                        "karpenter": {"instanceTypes": ["inf2.48xlarge"]}}]
    raw["systemPool"] = {**raw["systemPool"], "maxSize": 3}
    with pytest.raises(ConfigError) as e:
        resolve(raw, stack="neuron", region="us-east-1")
    got = sorted((f.key, f.message.split(":")[0]) for f in e.value.findings if f.severity == "error")
    assert got == [("raystack:gpuPools[1].karpenter", "neuron candidates with different device counts"),
                   ("raystack:systemPool.maxSize", "nothing grows the system node group with autoscaler karpenter (Karpenter launches its own NodePools' nodes, and its controller runs here)")], got


def test_every_aws_argument_of_the_variants_is_one_pulumi_aws_types(variant):
    """Each AWS resource's inputs are parameters of pulumi-aws's typed Args for it (sqs.QueueArgs,
    cloudwatch.EventRuleArgs, ec2.TagArgs, ...): the provider's own schema, as its SDK types it."""
    import importlib
    import inspect

    from raystack.spec.coerce import to_snake

    stack, rec = variant
    errors, seen = [], set()
    for r in rec.resources:
        if not r.type.startswith("aws:"):
            continue
        module, cls = r.type.split(":")[1].split("/")[0], r.type.rsplit(":", 1)[1]
        args = getattr(importlib.import_module(f"pulumi_aws.{module}"), f"{cls}Args")
        params = set(inspect.signature(args.__init__).parameters)
        errors += [f"{r.urn}: {k}" for k in r.inputs if to_snake(k) not in params]
        seen.add(r.type)
    assert not errors, errors
    assert {"aws:sqs/queue:Queue", "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget",
            "aws:ec2/tag:Tag", "aws:sqs/queuePolicy:QueuePolicy"} <= seen, stack


NODE_IMAGES = [  # one pool a row of the EKS node-image table: (os, instance type, list)
    ("al2023", "g6.xlarge", "gpuPools"), ("bottlerocket", "g6.xlarge", "gpuPools"),
    ("al2023", "g5g.xlarge", "gpuPools"), ("al2023", "inf2.xlarge", "gpuPools"),
    ("al2023", "m7i.2xlarge", "nodePools"), ("bottlerocket", "m7g.xlarge", "nodePools"),
]


def test_every_node_image_makes_objects_karpenters_schemas_take():
    """A NodePool and EC2NodeClass for each OS, architecture and accelerator kind (Bottlerocket's two volumes, Arm,
    Neuron, CPU pools) pass the npm oracle; Bottlerocket's images go on its data volume."""
    docs = []
    for os_, it, list_key in NODE_IMAGES:
        raw = _dev()
        raw["gpuPools"] = []
        raw[list_key] = [{"name": "p", "instanceType": it, "os": os_, "maxSize": 2}]
        if list_key == "gpuPools":
            raw["rayClusters"] = []
        else:
            raw["rayClusters"][0]["workerGroups"][0]["pool"] = "p"
        (pool,) = resolve(raw, stack="dev", region="us-east-1").node_pools
        nc = karpenter.node_class_manifest("p", pool, "raystack-dev", {"team": "ml"}, "raystack-karpenter-node-role")
        docs += [karpenter.node_pool_manifest("p", pool, "raystack-dev"), nc]
        devices = [d["deviceName"] for d in nc["spec"]["blockDeviceMappings"]]
        assert devices == (["/dev/xvda", "/dev/xvdb"] if os_ == "bottlerocket" else ["/dev/xvda"]), (os_, devices)
        assert nc["spec"]["amiSelectorTerms"] == [{"alias": karpenter.versions.KARPENTER_AMI_ALIASES[os_]}]
    assert npm_oracle("karpenter.mjs", docs) == [None] * len(docs)


def test_an_existing_vpcs_private_subnets_get_the_discovery_tag_as_tags_of_their_own():
    """A created VPC's subnets carry the tag in their own tags (an aws.ec2.Tag on them would fight the subnet's
    tags); an existing VPC's get one aws.ec2.Tag each, removed on destroy."""
    subnets = ["subnet-0aaa", "subnet-0bbb"]
    config = {**testing.load_stack_config(project(), "dev"), **KARPENTER_DEV,
              "raystack:network": json.dumps({"vpcId": "vpc-0123", "privateSubnetIds": subnets})}
    rec = testing.run(RayPlatform.from_stack_config, config, stack="dev")
    tags = {(r.inputs["resourceId"], r.inputs["key"], r.inputs["value"]) for r in rec.of_type("aws:ec2/tag:Tag")}
    assert {(s, "karpenter.sh/discovery", "raystack-dev") for s in subnets} <= tags, tags
    created = testing.run(RayPlatform.from_stack_config,
                          {**testing.load_stack_config(project(), "dev"), **KARPENTER_DEV}, stack="dev")
    private = [r for r in created.of_type("aws:ec2/subnet:Subnet") if "private" in r.name]
    assert private and all(r.inputs["tags"]["karpenter.sh/discovery"] == "raystack-dev" for r in private)
    assert not [r for r in created.of_type("aws:ec2/tag:Tag") if r.inputs["resourceId"].startswith("subnet-")]


def test_the_controller_counts_on_the_system_pool_in_the_autoscalers_place():
    """Two Karpenter replicas (1 CPU, 1 GiB each) join the heads and add-ons on the system pool, which keeps minSize
    nodes: heads that fit with the Cluster Autoscaler's small pod may not fit beside them."""
    from raystack.rules.capacity import addon_pods

    assert ("cluster-autoscaler", 100, 600) in addon_pods("cluster-autoscaler", 2)
    pods = addon_pods("karpenter", 2)
    assert [p for p in pods if p[0] == "karpenter"] == [("karpenter", 1000, 1024)] * 2
    assert not [p for p in pods if p[0] == "cluster-autoscaler"]
    assert len([p for p in addon_pods("karpenter", 1) if p[0] == "karpenter"]) == 1
    values = karpenter.controller_values("c", {}, 2)["controller"]["resources"]
    assert values["requests"] == {"cpu": "1000m", "memory": "1024Mi"}
    raw = _dev(rayClusters=[{"name": f"c{i}", "namespace": "ray", "head": {"cpu": 2, "memoryGib": 8},
                             "workerGroups": [{"name": "l4", "pool": "l4-spot"}]} for i in range(2)])
    with pytest.raises(ConfigError) as e:  # two 2-CPU heads and Karpenter on two m7i.xlarge (4 vCPUs) nodes
        resolve(raw, stack="dev", region="us-east-1")
    assert [f.key for f in e.value.findings] == ["raystack:systemPool.maxSize"], e.value.findings


def test_the_components_on_their_own_and_bad_input_registers_nothing():
    """Karpenter and KarpenterNodePool in a team's program: the NodePool takes the controller's node role; its plain
    descriptor binds a worker group; a pool whose candidates match nothing fails before anything registers."""
    import pulumi
    from raystack import Karpenter, KarpenterNodePool

    def program() -> None:
        k = Karpenter("k", {"cluster_name": "c", "region": "us-east-1", "cluster_security_group_id": "sg-0123",
                            "node_selector": {"raystack.io/pool": "system"}})
        pool = KarpenterNodePool("gpu", {"pool": {"name": "gpu", "instance_type": "g6.xlarge", "max_size": 2,
                                                  "karpenter": {"instance_families": ["g6"],
                                                                "accelerator_counts": [1]}},
                                         "cluster_name": "c", "node_role": k.node_role_name},
                                 opts=pulumi.ResourceOptions(depends_on=[k]))
        pulumi.export("descriptor", pool.descriptor)

    rec = testing.run(program)
    (nc,) = [r for r in rec.resources if r.type.endswith(":EC2NodeClass")]
    assert nc.inputs["spec"]["role"] == "k-node-role", nc.inputs["spec"]["role"]  # the role's (generated) name
    assert rec.outputs["descriptor"]["source"] == "karpenter-node-pool"
    assert rec.outputs["descriptor"]["accelerators_per_node"] == 1

    def bad() -> None:
        KarpenterNodePool("gpu", {"pool": {"name": "gpu", "instance_type": "g6.xlarge",
                                           "karpenter": {"accelerator_models": ["H100"]}},
                                  "cluster_name": "c", "node_role": "r"})

    with pytest.raises(ConfigError) as e:
        testing.run(bad)
    assert [f.key for f in e.value.findings] == ["pool.karpenter.acceleratorModels[0]"], e.value.findings


def test_plan_out_leaves_karpenter_to_pulumi_up(tmp_path, capsys):
    """`raystack plan --out` writes no NodePool, EC2NodeClass or Karpenter chart (the EC2NodeClass names the role
    Pulumi generates, which no render knows), and says so; the rest of dev-karpenter's Kubernetes side is written."""
    from raystack.preview import cli

    rc = cli.main(["plan", "--project-dir", str(ROOT), "--stack", "dev-karpenter", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert rc == 0 and "raycluster.ray.dev.yaml" in files, files
    assert not [f for f in files if "karpenter-crd" in f or f.endswith("-karpenter.yaml")
                or f.startswith(("nodepool.", "ec2nodeclass."))], files
    assert err.count("not written to --out: Karpenter's objects are applied by `pulumi up`") == 2, err


def test_the_spot_prestop_drains_a_real_ray_node():
    """The preStop's drain, with its reason and deadline, against a real Ray 2.60 cluster (a head and a worker node on
    this machine, ray.cluster_utils): the GCS accepts it for the worker node, and the drained node leaves; the node-id
    step prints this node's id. (In the pod, "auto" finds the worker's own raylet from /tmp/ray.)"""
    ray = pytest.importorskip("ray")
    import os
    import subprocess
    import sys

    from ray.autoscaler.v2.sdk import get_cluster_status
    from ray.cluster_utils import Cluster

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    rc = resolve(_dev(), stack="dev", region="us-east-1").ray_clusters[0]
    (group,) = rc.manifest["spec"]["workerGroupSpecs"]
    script = group["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][2]
    node_step = re.search(r"\$\(python -c '(.*?)'\)", script)
    assert node_step, script
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        worker = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        env = {**os.environ, "RAY_ADDRESS": cluster.address}
        code = node_step.group(1).replace('address="auto"', f'address="{cluster.address}"')
        node_id = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
        assert len(node_id.stdout.strip()) == 56, node_id  # a Ray node id, hex
        drain = script.replace(node_step.group(0), worker.node_id).rsplit("; ", 1)[0]
        done = subprocess.run(["/bin/sh", "-c", drain], capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        status = get_cluster_status(cluster.address)
        assert worker.node_id not in {n.node_id for n in status.active_nodes + status.idle_nodes}, status
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_the_text_plan_says_what_a_karpenter_pool_launches_and_how_it_removes_nodes(capsys):
    from raystack.preview import cli

    assert cli.main(["plan", "--project-dir", str(ROOT), "--stack", "dev-karpenter"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Karpenter pool gpu: 12 candidates (g6.xlarge, g6.2xlarge, g5.xlarge" in out, out
    assert "spot/on-demand, $0.80-$8.14/h on demand; workers sized for g5.xlarge (Ray sees GPU 1 a node)" in out, out
    assert "WhenEmpty after 5m; drifted nodes wait until Ray empties them; expireAfter Never" in out, out

"""The whole infra program under the mock engine, once per stack file in stacks/."""

from __future__ import annotations

import jsonschema
import pytest
from conftest import AWS_STACKS, STACKS, raycluster_objects, run_stack
from raystack import testing, versions
from raystack.hardware import catalog
from raystack.hardware.accelerators import ACCELERATOR_KINDS
from raystack.model.resolve import resolve
from support import stack_region, stack_spec, tolerates

NVIDIA_AMIS = {"AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA",
               "BOTTLEROCKET_ARM_64_NVIDIA"}


def platform_for(stack: str):
    return resolve(stack_spec(stack), stack=stack, region=stack_region(stack))


def releases(rec: testing.Recording) -> dict[str, testing.Registered]:
    """Helm releases by chart name (an OCI chart reference counts by its last path segment)."""
    return {r.inputs["chart"].rsplit("/", 1)[-1]: r for r in rec.of_type("kubernetes:helm.sh/v3:Release")}


def test_every_stack_file_is_covered():
    assert set(STACKS) >= {"dev", "staging", "prod", "byoc"}, STACKS


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_aws_stack_registers_the_whole_platform(stack):
    rec = run_stack(stack)
    assert len(rec.of_type("aws:eks/cluster:Cluster")) == 1, f"{stack}: no EKS cluster"
    groups = [r for r in rec.of_type("aws:eks/nodeGroup:NodeGroup") if r.inputs["labels"]["raystack.io/pool"] != "system"]
    types = [g.inputs["instanceTypes"][0] for g in groups] + [  # or Karpenter NodePools' candidates
        t for np in rec.of_type("kubernetes:karpenter.sh/v1:NodePool") for r in np.inputs["spec"]["template"]["spec"][
            "requirements"] if r["key"] == "node.kubernetes.io/instance-type" for t in r["values"]]
    assert types, f"{stack}: no accelerator node group or NodePool"
    rel = releases(rec)
    kinds = {catalog.lookup(t).accelerator_kind for t in types} - {"none"}  # CPU pools
    for kind in kinds:  # every kind's device plugin, at its pinned chart version
        chart = ACCELERATOR_KINDS[kind].device_plugin
        assert chart is not None
        (plugin,) = [r for r in rec.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"].endswith(chart.chart)]
        assert plugin.inputs["version"] == chart.version, plugin.urn
    op = rel["kuberay-operator"]
    assert op.inputs["version"] == "1.7.0" and op.inputs["skipCrds"] is True, f"{op.urn}: {op.inputs}"
    assert op.inputs["values"]["image"]["tag"] == "v1.7.0", op.urn
    (crds,) = rec.of_type("kubernetes:yaml/v2:ConfigGroup")
    # The verified local copies of the tag's files (or, under the mock engine without them, the tag's URLs).
    assert [f.rsplit("/", 1)[-1] for f in crds.inputs["files"]] == [u.rsplit("/", 1)[-1]
                                                                    for u in versions.kuberay_crd_urls()], crds.urn
    assert crds.retain_on_delete, f"{crds.urn}: CRDs must survive a destroy by default"
    assert rec.of_type("kubernetes:ray.io/v1:RayCluster"), f"{stack}: no RayCluster"
    for r in rec.resources:
        if r.custom and r.type.startswith("kubernetes:"):
            assert r.provider, f"{r.urn}: uses the ambient default Kubernetes provider"


def test_byoc_creates_no_aws_resource():
    rec = run_stack("byoc")
    aws = [r.urn for r in rec.resources if r.type.startswith("aws:")]
    assert not aws, f"byoc registered AWS resources: {aws}"
    assert rec.of_type("kubernetes:ray.io/v1:RayCluster"), "byoc: no RayCluster"
    (prov,) = rec.of_type("pulumi:providers:kubernetes")
    # The kubeconfig (path or contents) always travels as a secret.
    assert prov.inputs["kubeconfig"] == testing.SECRET_PLACEHOLDER, prov.urn


def test_prod_protects_the_control_plane_and_dev_does_not():
    (prod,) = run_stack("prod").of_type("aws:eks/cluster:Cluster")
    (dev,) = run_stack("dev").of_type("aws:eks/cluster:Cluster")
    assert prod.protect and not dev.protect, (prod.urn, dev.urn)
    assert prod.inputs["vpcConfig"]["endpointPublicAccess"] is False, prod.urn


def test_dev_path_from_zero_is_complete():
    rec = run_stack("dev")
    (cluster,) = rec.of_type("aws:eks/cluster:Cluster")
    cluster_name = cluster.inputs["name"]
    gpu = [r for r in rec.of_type("aws:eks/nodeGroup:NodeGroup") if r.inputs["amiType"] in NVIDIA_AMIS]
    assert [g.inputs["scalingConfig"]["minSize"] for g in gpu] == [0], [g.urn for g in gpu]
    # The Cluster Autoscaler discovers this cluster's groups and may scale only them.
    ca = releases(rec)["cluster-autoscaler"]
    assert ca.inputs["values"]["autoDiscovery"]["clusterName"] == cluster_name, ca.urn
    assert ca.inputs["version"] == versions.cluster_autoscaler_pin(cluster.inputs["version"]).chart_version, ca.urn
    assert ca.inputs["values"]["image"]["tag"].startswith(f"v{cluster.inputs['version']}."), ca.urn
    assert ca.inputs["values"]["nodeSelector"] == {"raystack.io/pool": "system"}, ca.urn
    (policy,) = rec.of_type("aws:iam/rolePolicy:RolePolicy")
    import json
    doc = json.loads(policy.inputs["policy"])
    scale = [s for s in doc["Statement"] if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert scale and all(s["Condition"]["StringEquals"] == {
        f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"} for s in scale), policy.urn
    (assoc,) = rec.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert (assoc.inputs["namespace"], assoc.inputs["serviceAccount"]) == ("kube-system", "cluster-autoscaler")
    assert ca.inputs["values"]["rbac"]["serviceAccount"]["name"] == "cluster-autoscaler", ca.urn
    # The device plugin lands on exactly the GPU nodes: they carry the label its affinity needs and it
    # tolerates their taint.
    dp = releases(rec)["nvidia-device-plugin"]
    terms = dp.inputs["values"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    exprs = terms["nodeSelectorTerms"][0]["matchExpressions"]
    for g in gpu:
        labels = g.inputs["labels"]
        for e in exprs:
            ok = labels.get(e["key"]) in e["values"] if e["operator"] == "In" else labels.get(e["key"]) not in e["values"]
            assert ok, f"{g.urn}: device plugin affinity {e} does not match labels {labels}"
        for t in g.inputs["taints"]:
            assert any(tol["key"] == t["key"] and tol.get("effect") in (None, "NoSchedule")
                       for tol in dp.inputs["values"]["tolerations"]), f"{dp.urn} does not tolerate {t}"


def _k8s_effect(eks_effect: str) -> str:
    return {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}[eks_effect]


def _pool_nodes(stack: str, rec: testing.Recording) -> dict[str, dict]:
    """Per pool: the labels and taints its nodes will carry, taken from what was registered
    (node groups) or, for existing pools, from their description; and instance facts."""
    out = {}
    for ng in rec.of_type("aws:eks/nodeGroup:NodeGroup"):
        pool = ng.inputs["labels"]["raystack.io/pool"]
        out[pool] = {"labels": ng.inputs["labels"],
                     "taints": [{"key": t["key"], "value": t.get("value", ""), "effect": _k8s_effect(t["effect"])}
                                for t in ng.inputs.get("taints", [])],
                     "facts": platform_for(stack).pools.get(pool) or platform_for(stack).system_facts}
    for np in rec.of_type("kubernetes:karpenter.sh/v1:NodePool"):  # autoscaler karpenter: the template's
        tmpl = np.inputs["spec"]["template"]
        pool = tmpl["metadata"]["labels"]["raystack.io/pool"]
        out[pool] = {"labels": tmpl["metadata"]["labels"], "facts": platform_for(stack).pools[pool],
                     "taints": [{"value": "", **t} for t in tmpl["spec"].get("taints") or []]}
    for ap in rec.of_type("azure-native:containerservice:AgentPool"):
        pool = ap.inputs["nodeLabels"]["raystack.io/pool"]
        taints = [_aks_taint(t) for t in ap.inputs.get("nodeTaints") or []]
        if ap.inputs.get("scaleSetPriority") == "Spot":  # AKS adds it to every Spot node (spot-node-pool.md)
            taints.append({"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"})
        out[pool] = {"labels": ap.inputs["nodeLabels"], "taints": taints, "facts": platform_for(stack).pools[pool]}
    for np in rec.of_type("gcp:container/nodePool:NodePool"):
        config = np.inputs["nodeConfig"]
        pool = config["labels"]["raystack.io/pool"]
        facts = platform_for(stack).pools.get(pool) or platform_for(stack).system_facts
        # GKE's own node labels (GKE docs: gke-spot on Spot nodes, gke-accelerator on GPU nodes, the TPU accelerator
        # and topology on TPU slice nodes), from what the pool asks for.
        own = {"cloud.google.com/gke-spot": "true"} if config.get("spot") else {}
        for acc in config.get("guestAccelerators") or []:
            own["cloud.google.com/gke-accelerator"] = acc["type"]
        if np.inputs.get("placementPolicy"):
            own.update({"cloud.google.com/gke-tpu-topology": np.inputs["placementPolicy"]["tpuTopology"],
                        "cloud.google.com/gke-tpu-accelerator": gke_tpu_accelerator(config["machineType"])})
        out[pool] = {"labels": {**config["labels"], **own}, "facts": facts,
                     "taints": [{"key": t["key"], "value": t["value"], "effect": _k8s_effect(t["effect"])}
                                for t in config.get("taints") or []]}
    for name, facts in platform_for(stack).pools.items():
        if facts.source == "existing":
            out[name] = {"labels": facts.labels, "taints": [t.__dict__ for t in facts.taints], "facts": facts}
    return out


def rayjob_clusters(rec: testing.Recording) -> list[tuple[str, dict]]:
    return [(r.urn, {"spec": r.inputs["spec"]["rayClusterSpec"]}) for r in rec.of_type("kubernetes:ray.io/v1:RayJob")
            if r.inputs["spec"].get("rayClusterSpec")]


def gke_tpu_accelerator(machine_type: str) -> str:
    from raystack.clouds.gcp import tpu
    from raystack.hardware import catalog

    return tpu.FAMILIES[catalog.lookup(machine_type).family].gke_accelerator


def _aks_taint(text: str) -> dict[str, str]:
    """An AKS nodeTaints entry, key=value:Effect (AgentPool nodeTaints), as a taint."""
    kv, effect = text.rsplit(":", 1)
    key, _, value = kv.partition("=")
    return {"key": key, "value": value, "effect": effect}


def _cpu_millis(q: str) -> int:
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


def _mib(q: str) -> int:
    units = {"Mi": 1, "Gi": 1024}
    return int(q[:-2]) * units[q[-2:]]


@pytest.mark.parametrize("stack", STACKS)
def test_every_worker_group_fits_its_pool(stack):
    rec = run_stack(stack)
    pools = _pool_nodes(stack, rec)
    groups = 0
    for urn, rc in raycluster_objects(rec) or rayjob_clusters(rec):  # a stack of RayJobs only: their clusters
        for wg in rc["spec"]["workerGroupSpecs"]:
            where = f"{urn} group {wg['groupName']}"
            pod = wg["template"]["spec"]
            pool_name = wg["template"]["metadata"]["labels"]["raystack.io/pool"]
            pool = pools[pool_name]
            for k, v in pod["nodeSelector"].items():
                assert pool["labels"].get(k) == v, f"{where}: nodeSelector {k}={v} not on pool {pool_name} nodes"
            for taint in pool["taints"]:
                assert tolerates(pod["tolerations"], taint["key"], taint["value"], taint["effect"]), f"{where}: does not tolerate {taint}"
            res = pod["containers"][0]["resources"]
            assert res["requests"] == res["limits"], f"{where}: requests != limits"
            facts = pool["facts"]
            devices = int(res["limits"].get(facts.accelerator_resource or "-", 0))
            assert devices <= facts.accelerators_per_node, f"{where}: {devices} > {facts.accelerators_per_node} per node"
            per_node = facts.accelerators_per_node // devices if devices else 1
            # A pod requests its containers and its native sidecars (the log shipper) together (Kubernetes docs,
            # "Sidecar containers": resource sharing); each keeps requests = limits (Guaranteed QoS).
            side = [c["resources"] for c in pod.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
            assert all(r["requests"] == r["limits"] for r in side), f"{where}: a sidecar's requests != limits"
            cpu = _cpu_millis(res["requests"]["cpu"]) + sum(_cpu_millis(r["requests"]["cpu"]) for r in side)
            mem = _mib(res["requests"]["memory"]) + sum(_mib(r["requests"]["memory"]) for r in side)
            assert per_node * cpu <= facts.allocatable_cpu_millis, where
            assert per_node * mem <= facts.allocatable_memory_mib, where
            groups += 1
    assert groups, f"{stack}: no worker group"


@pytest.mark.parametrize("stack", STACKS)
def test_rayclusters_pass_the_kuberay_crd_schema(stack, raycluster_schema):
    validator = jsonschema.Draft7Validator(raycluster_schema)
    for urn, rc in raycluster_objects(run_stack(stack)):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(rc)]
        assert not errors, f"{urn}: {errors}"


@pytest.mark.parametrize("stack", STACKS)
def test_ray_parser_sees_the_intended_resources(stack):
    from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr

    rec = run_stack(stack)
    platform = platform_for(stack)
    for plan in platform.ray_clusters:
        (urn, rc), = [(u, r) for u, r in raycluster_objects(rec) if r["metadata"]["name"] == plan.name]
        cfg = _derive_autoscaling_config_from_ray_cr(rc)
        assert cfg["available_node_types"]["headgroup"]["resources"]["CPU"] == 0, f"{urn}: work on head"
        for g in plan.groups:
            pool = platform.pools[g.pool]
            want = g.size
            got = cfg["available_node_types"][g.name]
            where = f"{urn} group {g.name}"
            if pool.ray_accelerator_resource:  # Ray sees the devices (x cores per device) under the row's name
                assert got["resources"].get(pool.ray_accelerator_resource, 0) == \
                    want.accelerators * pool.ray_units_per_accelerator, f"{where}: {got['resources']}"
            assert got["resources"]["CPU"] == want.cpu, f"{where}: {got['resources']}"
            assert got["resources"]["memory"] == (want.memory_mib - want.object_store_mib) * 2**20, where
            assert (got["min_workers"], got["max_workers"]) == (want.min_workers, want.max_workers), where
            if pool.accelerators_per_node:
                per_node = pool.accelerators_per_node // max(want.accelerators, 1)
            else:  # a CPU pool: as many workers as a node's schedulable CPU and memory hold
                per_node = min(pool.schedulable_cpu_millis // (want.cpu * 1000),
                               pool.schedulable_memory_mib // want.memory_mib)
            assert want.max_workers <= pool.max_nodes * per_node, where


@pytest.mark.parametrize("stack", STACKS)
def test_raycluster_waits_for_operator_crds_pools_and_device_plugin(stack):
    rec = run_stack(stack)
    if platform_for(stack).kuberay.managed:  # AKS's KubeRay extension, GKE's Ray Operator add-on (the cluster's)
        (extension,) = rec.of_type("azure-native:kubernetesconfiguration:Extension") or rec.of_type(
            "gcp:container/cluster:Cluster")
        waits = [extension.urn]
    else:
        (crds,) = rec.of_type("kubernetes:yaml/v2:ConfigGroup")
        operator = releases(rec)["kuberay-operator"]
        assert crds.urn in operator.dependencies, f"{operator.urn} does not depend on {crds.urn}"
        waits = [operator.urn, crds.urn]
    gpu_groups = {ng.inputs["labels"]["raystack.io/pool"]: ng.urn for ng in rec.of_type("aws:eks/nodeGroup:NodeGroup")}
    nvidia = {ng.inputs["labels"]["raystack.io/pool"] for ng in rec.of_type("aws:eks/nodeGroup:NodeGroup")
              if any(t["key"] == "nvidia.com/gpu" for t in ng.inputs.get("taints") or [])}
    for ap in rec.of_type("azure-native:containerservice:AgentPool"):
        gpu_groups[ap.inputs["nodeLabels"]["raystack.io/pool"]] = ap.urn
        if any(t.startswith("nvidia.com/gpu=") for t in ap.inputs.get("nodeTaints") or []):
            nvidia.add(ap.inputs["nodeLabels"]["raystack.io/pool"])
    for np in rec.of_type("gcp:container/nodePool:NodePool"):
        gpu_groups.setdefault(np.inputs["nodeConfig"]["labels"]["raystack.io/pool"], np.urn)
    dp = releases(rec).get("nvidia-device-plugin")
    for rc in rec.of_type("kubernetes:ray.io/v1:RayCluster") + [
            j for j in rec.of_type("kubernetes:ray.io/v1:RayJob") if j.inputs["spec"].get("rayClusterSpec")]:
        for urn in waits:
            assert urn in rc.dependencies, f"{rc.urn} does not depend on {urn}"
        spec = rc.inputs["spec"].get("rayClusterSpec") or rc.inputs["spec"]
        for wg in spec["workerGroupSpecs"]:
            pool = wg["template"]["metadata"]["labels"]["raystack.io/pool"]
            if pool in gpu_groups:
                assert gpu_groups[pool] in rc.dependencies, f"{rc.urn} does not wait for pool {pool}"
                if pool in nvidia:
                    assert dp is None or dp.urn in rc.dependencies, f"{rc.urn} does not wait for the device plugin"
        # Not ignore_changes (a no-op for list paths under SSA): a forced apply carrying the live replicas (a RayCluster;
        # a RayJob's cluster is KubeRay's, and the RayJob replaces on any spec change).
        assert rc.type != "kubernetes:ray.io/v1:RayCluster" or \
            rc.inputs["metadata"]["annotations"]["pulumi.com/patchForce"] == "true", rc.urn
        assert not rc.ignore_changes, rc.urn


@pytest.mark.parametrize("stack", STACKS)
def test_secure_ray_defaults(stack):
    for urn, rc in raycluster_objects(run_stack(stack)):
        spec = rc["spec"]
        assert spec["authOptions"] == {"mode": "token", "secretName": f"{rc['metadata']['name']}-ray-token"}, urn
        assert spec["headGroupSpec"]["serviceType"] == "ClusterIP", urn
        ports = {p["containerPort"] for p in spec["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"]}
        assert 10001 not in ports, f"{urn}: Ray Client port exposed"
        assert versions.version_at_least(spec["rayVersion"], versions.RAY_MIN_VERSION), urn
        for wg in spec["workerGroupSpecs"]:
            sc = wg["template"]["spec"]["containers"][0]["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["runAsNonRoot"] is True, urn


#: What a warning tells the reader to do starts with one of these (issue 25: "every warning says what to do").
ACTIONS = ("set ", "use ", "raise ", "lower ", "keep ", "check", "list ", "remove ", "run ", "give ", "make sure",
           "move ", "drop ", "name ")


@pytest.mark.parametrize("stack", STACKS)
def test_every_warning_of_a_shipped_stack_names_its_key_and_says_what_to_do(stack):
    platform = resolve(stack_spec(stack), stack=stack, region="us-east-1")
    for w in platform.warnings:
        assert w.key.startswith("raystack:"), str(w)
        assert any(a in w.message.lower() for a in ACTIONS), f"says nothing to do: {w}"

"""Whole-platform validation: every problem reported at once, each naming key, value and what is allowed."""

from __future__ import annotations

import pytest
from raystack import ConfigError
from raystack.model.resolve import resolve

BASE = {
    "clusterName": "unit",
    "apiIngressCidrs": ["10.0.0.0/16"],
    "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}],
    "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"}]}],
    "imageRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub",
}


def with_(**changes):
    cfg = {k: v for k, v in BASE.items()}
    cfg.update(changes)
    return cfg


def test_base_resolves_to_a_fully_defaulted_model():
    p = resolve(BASE, stack="unit")
    assert p.pools["l4"].accelerators_per_node == 1 and p.pools["l4"].max_nodes == 2
    assert p.system_pool is not None and p.system_pool.instance_type == "m7i.xlarge"
    assert (p.system_pool.min_size, p.system_pool.max_size, p.system_pool.disk_size_gib) == (2, 3, 100)
    (pool,) = p.node_pools
    assert (pool.capacity_type, pool.os, pool.disk_size_gib, pool.min_size) == ("ON_DEMAND", "al2023", 200, 0)
    assert pool.ami_type == "AL2023_x86_64_NVIDIA" and pool.node_group_name == "unit-l4-"
    (rc,) = p.ray_clusters
    assert rc.head_pool.name == "system" and (rc.namespace, rc.python_tag) == ("ray", "py311")
    (group,) = rc.groups
    assert (group.size.accelerators, group.size.max_workers) == (1, 2)
    # The manifest is rendered once, in the model, from the sized groups.
    (wg,) = rc.manifest["spec"]["workerGroupSpecs"]
    assert wg["maxReplicas"] == group.size.max_workers and wg["resources"]["GPU"] == "1"
    assert rc.network_policy_spec is not None and p.kuberay.install and p.device_plugins == ("nvidia",)
    assert p.environment == "unit" and p.kubernetes_version == "1.35" and not p.warnings


@pytest.mark.parametrize(("cfg", "key", "fragment"), [
    (with_(gpuPools=[{"name": "l4", "instanceType": "g9.huge"}]), "raystack:gpuPools[0].instanceType", "allowed:"),
    (with_(gpuPools=[{"name": "l4", "instanceType": "g6.xlarge", "minSize": 3, "maxSize": 1}]),
     "raystack:gpuPools[0].minSize", "allowed 0..1"),
    (with_(gpuPools=[{"name": "l4", "instanceType": "g6.xlarge", "capacityType": "spot"}]),
     "raystack:gpuPools[0].capacityType", "'SPOT'"),
    (with_(gpuPools=[{"name": "l4", "instanceTyp": "g6.xlarge"}]), "raystack:gpuPools[0].instanceTyp",
     "unknown key"),
    (with_(rayClusters=[{"name": "rc", "workerGroups": [{"name": "w", "pool": "nope"}]}]),
     "raystack:rayClusters[0].workerGroups[0].pool", "allowed: l4"),
    (with_(rayClusters=[{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4", "maxWorkers": 9}]}]),
     "raystack:rayClusters[0].workerGroups[0].maxWorkers", "allowed 1..2"),
    (with_(rayClusters=[{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4", "acceleratorsPerWorker": 2}]}]),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "allowed 1..1"),
    (with_(rayClusters=[{"name": "rc", "rayVersion": "2.50.0"}]), "raystack:rayClusters[0].rayVersion",
     "2.54.0 or newer"),
    (with_(rayClusters=[{"name": "RC_1"}]), "raystack:rayClusters[0].name", "DNS-1035"),
    (with_(rayClusters=[{"name": "rc", "head": {"cpu": 64}}]), "raystack:rayClusters[0].head.cpu", "1..3"),
    (with_(endpointPublicAccess=True), "raystack:publicAccessCidrs", "0.0.0.0/0 explicitly"),
    (with_(kubernetesVersion="1.29"), "raystack:kubernetesVersion", "allowed: 1.34, 1.35"),
    (with_(clusterMode="existing", kubeconfig="~/.kube/config"), "raystack:gpuPools", "existingPools"),
    (with_(network={"cidr": "10.0.0.0/24"}), "raystack:network.cidr", "/16 to /20"),
    (with_(systemPool={"instanceType": "g6.xlarge"}), "raystack:systemPool.instanceType", "m7i.{"),
])
def test_bad_config_names_key_value_and_allowed(cfg, key, fragment):
    with pytest.raises(ConfigError) as err:
        resolve(cfg)
    matching = [f for f in err.value.findings if f.key == key]
    assert matching, f"no finding for {key}: {[str(f) for f in err.value.findings]}"
    assert any(fragment in f.message for f in matching), [str(f) for f in matching]


def test_all_problems_are_reported_together():
    cfg = with_(gpuPools=[{"name": "a", "instanceType": "g9.huge"}, {"name": "b", "instanceType": "g6.xlarge",
                                                                     "minSize": 4, "maxSize": 1}],
                kubernetesVersion="1.20")
    with pytest.raises(ConfigError) as err:
        resolve(cfg)
    keys = {f.key for f in err.value.findings}
    assert {"raystack:gpuPools[0].instanceType", "raystack:gpuPools[1].minSize",
            "raystack:kubernetesVersion"} <= keys, keys


def test_open_public_endpoint_is_allowed_but_warned_in_dev_and_refused_elsewhere():
    """Outside dev the policy pack's mandatory api-endpoint-not-open refuses it: resolve does too (issue 25)."""
    p = resolve(with_(environment="dev", endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]))
    assert [w.key for w in p.warnings] == ["raystack:publicAccessCidrs[0]"]
    with pytest.raises(ConfigError) as err:
        resolve(with_(environment="prod", endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]))
    assert [f.key for f in err.value.findings] == ["raystack:publicAccessCidrs[0]"]


def test_devices_stranded_by_accelerators_per_worker_are_warned():
    p = resolve(with_(gpuPools=[{"name": "x8", "instanceType": "p5.48xlarge", "maxSize": 1}],
                      rayClusters=[{"name": "rc", "workerGroups": [{"name": "w", "pool": "x8",
                                                                     "acceleratorsPerWorker": 3}]}]))
    (w,) = [w for w in p.warnings if w.key.endswith("acceleratorsPerWorker")]
    assert w.key == "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker" and "2 per node" in w.message


@pytest.mark.parametrize(("instance", "max_size", "max_workers", "efa", "outcome"), [
    ("trn1.32xlarge", 2, None, False, "warned"),    # a derived maxWorkers: a default must not refuse
    ("trn1.32xlarge", 2, 2, False, "refused"),      # asked to span nodes on a type with EFA: set efa
    ("trn1.32xlarge", 2, 2, True, "fine"),          # EFA wired: collectives run between the nodes
    ("trn1.2xlarge", 2, 2, False, "warned"),        # no EFA on the type: one job per worker still runs
    ("trn1.32xlarge", 1, None, False, "fine"),
    ("inf2.48xlarge", 2, None, False, "fine")])
def test_trainium_groups_spanning_nodes_need_efa(instance, max_size, max_workers, efa, outcome):
    """AWS N7 and issue 20: Neuron collectives between trn1 nodes run over EFA only ("Multi-node jobs ...
    requires EFA to be enabled on every participating trn1/trn1n 32xlarge instance", AWS Neuron docs)."""
    group = {"name": "w", "pool": "n", "image": "example.com/ray-neuronx:2.55.0",
             **({"maxWorkers": max_workers} if max_workers else {})}
    raw = with_(gpuPools=[{"name": "n", "instanceType": instance, "maxSize": max_size, "efa": efa}],
                rayClusters=[{"name": "rc", "workerGroups": [group]}])
    at = "raystack:rayClusters[0].workerGroups[0].maxWorkers"
    if outcome == "refused":
        with pytest.raises(ConfigError) as e:
            resolve(raw)
        assert [f.key for f in e.value.findings] == [at] and "set efa: true on pool 'n'" in str(e.value)
        return
    found = [w for w in resolve(raw).warnings if w.key == at and "EFA" in w.message]
    assert bool(found) is (outcome == "warned"), [w.message for w in found]


def test_groups_that_fit_a_shared_pool_only_at_its_maximum_are_warned():
    p = resolve(with_(rayClusters=[{"name": n, "workerGroups": [{"name": "w", "pool": "l4", "maxWorkers": 1}]}
                                   for n in ("a", "b")]))
    assert [w.key for w in p.warnings] == ["raystack:gpuPools[0].maxSize"]


def test_same_name_in_two_namespaces_gets_distinct_resource_names():
    from raystack import RayPlatform, testing

    raw = {"cluster_name": "unit", "api_ingress_cidrs": ["10.0.0.0/16"],
           "gpu_pools": [{"name": "l4", "instance_type": "g6.xlarge", "max_size": 2}],
           "ray_clusters": [{"name": "rc", "namespace": ns, "worker_groups": [{"name": "w", "pool": "l4",
                                                                              "max_workers": 1}]}
                            for ns in ("team-a", "team-b")]}
    rec = testing.run(lambda: RayPlatform("raystack", raw))
    names = sorted(r.name for r in rec.of_type("raystack:index:RayCluster"))
    assert names == ["raystack-team-a-rc", "raystack-team-b-rc"], names
    objs = sorted((r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"])
                  for r in rec.of_type("kubernetes:ray.io/v1:RayCluster"))
    assert objs == [("team-a", "rc"), ("team-b", "rc")], objs


def test_azs_are_checked_against_the_stack_region():
    with pytest.raises(ConfigError) as err:
        resolve(with_(network={"availabilityZones": ["eu-west-1a", "eu-west-1b"]}), region="us-west-2")
    assert [f.key for f in err.value.findings] == ["raystack:network.availabilityZones[0]",
                                                    "raystack:network.availabilityZones[1]"]
    resolve(with_(network={"availabilityZones": ["us-west-2a", "us-west-2b"]}), region="us-west-2")


def test_anonymous_docker_hub_pulls_through_the_nat_are_warned():
    """K8s old #8: without imageRegistry every node pulls rayproject/ray from Docker Hub through the NAT."""
    from raystack.model.resolve import resolve

    plain = {k: v for k, v in BASE.items() if k != "imageRegistry"}
    (w,) = [w for w in resolve(plain).warnings if w.key == "raystack:imageRegistry"]
    assert "Ray clusters rc pull rayproject/ray anonymously" in w.message
    image = {**plain, "rayClusters": [{**plain["rayClusters"][0], "image": "registry.example.com/ml/ray:2.55.0-gpu"}]}
    assert not [w for w in resolve(image).warnings if w.key == "raystack:imageRegistry"]

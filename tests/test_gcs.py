"""gcsFaultTolerance (issue 23, its GCS part): the Ray clusters keep their GCS in an existing Redis. The
address forms are Ray's own (its parser is the oracle), the rendered options pass KubeRay's CRD, and what
KubeRay would refuse, or what would leave a Redis open, is refused at preview."""

from __future__ import annotations

import jsonschema
import pytest
from raystack import ConfigError, resolve
from raystack.ray.gcs import PASSWORD_SECRET, parse_address

ADDRESS = "rediss://gcs.redis.internal:6379"
SERVICE = {"name": "llm", "serveConfigV2": {"applications": [{"name": "a", "import_path": "m:app",
                                                              "route_prefix": "/"}]},
           "rayCluster": {"workerGroups": [{"name": "w", "pool": "l4"}]}}


def config(**extra) -> dict:
    return {"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"],
            "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}],
            "gcsFaultTolerance": {"address": ADDRESS}, "gcsRedisPassword": "(secret)",
            "rayServices": [SERVICE],
            "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"}]}], **extra}


@pytest.mark.parametrize("address", ["10.0.3.7:6379", "redis://redis-master.redis:6379", ADDRESS,
                                     "master.gcs.abc123.use1.cache.amazonaws.com:6379"])
def test_addresses_are_read_as_ray_reads_them(address):
    """Ray's own parser (ray._private.services.get_address) is the oracle: host, port and TLS agree."""
    from ray._private.services import get_address

    got = parse_address(address)
    assert got is not None
    host, port, tls = get_address(address)
    assert (got.host, got.port, got.tls) == (host, int(port), tls), address


@pytest.mark.parametrize("address", ["redis-master", "http://redis:6379", "rediss://redis", "redis:0",
                                     "redis://redis:99999"])
def test_addresses_ray_cannot_use_are_not_parsed(address):
    assert parse_address(address) is None


def test_a_rayservice_keeps_its_gcs_in_the_redis_by_default_and_passes_the_crd(kuberay_schema):
    p = resolve(config())
    (svc,) = p.ray_workloads
    (rc,) = p.ray_clusters
    options = svc.manifest["spec"]["rayClusterConfig"]["gcsFaultToleranceOptions"]
    assert options == {"redisAddress": ADDRESS, "redisPassword": {"valueFrom": {"secretKeyRef": {
        "name": PASSWORD_SECRET, "key": "password"}}}}
    assert svc.cluster is not None and svc.cluster.gcs and not rc.gcs, "rayClusters opt in"
    errors = [e.message for e in jsonschema.Draft7Validator(kuberay_schema("RayService")).iter_errors(svc.manifest)]
    assert not errors, errors
    on = resolve(config(rayClusters=[{"name": "rc", "gcsFaultTolerance": True,
                                      "workerGroups": [{"name": "w", "pool": "l4"}]}])).ray_clusters[0]
    assert on.gcs and on.manifest["spec"]["gcsFaultToleranceOptions"]["redisAddress"] == ADDRESS
    errors = [e.message for e in jsonschema.Draft7Validator(kuberay_schema("RayCluster")).iter_errors(on.manifest)]
    assert not errors, errors


def test_a_passwordsecret_of_your_own_is_referenced_and_none_is_created():
    cfg = config(gcsFaultTolerance={"address": ADDRESS, "passwordSecret": {"secret": "redis-auth", "key": "pw"}})
    del cfg["gcsRedisPassword"]
    p = resolve(cfg)
    assert p.gcs is not None and not p.gcs.create_secret
    ref = p.ray_workloads[0].manifest["spec"]["rayClusterConfig"]["gcsFaultToleranceOptions"]["redisPassword"]
    assert ref == {"valueFrom": {"secretKeyRef": {"name": "redis-auth", "key": "pw"}}}


def refusals(cfg: dict) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as e:
        resolve(cfg)
    return [(f.key, f.message) for f in e.value.findings]


@pytest.mark.parametrize(("change", "key", "fragment"), [
    ({"gcsFaultTolerance": {}}, "gcsFaultTolerance.address", "is required"),
    ({"gcsFaultTolerance": {"address": "https://redis:6379"}}, "gcsFaultTolerance.address", "as Ray reads it"),
    ({"gcsFaultTolerance": {"address": ADDRESS, "passwordSecret": {"secret": "s", "key": "k"}}},
     "gcsFaultTolerance.passwordSecret", "keep one"),
    ({"gcsRedisPassword": None}, "gcsRedisPassword", "is required"),
    ({"gcsFaultTolerance": None}, "gcsRedisPassword", "set gcsFaultTolerance too"),
    ({"kubernetesDelivery": "gitops"}, "gcsRedisPassword", "would go to Git"),
    ({"rayClusters": [{"name": "rc", "gcsFaultTolerance": True, "env": {"RAY_REDIS_ADDRESS": "x:1"},
                       "workerGroups": [{"name": "w", "pool": "l4"}]}]}, "rayClusters[0].env.RAY_REDIS_ADDRESS",
     "KubeRay sets it"),
    ({"rayClusters": [{"name": "rc", "gcsFaultTolerance": True, "head": {"rayStartParams": {"redis-password": "p"}},
                       "workerGroups": [{"name": "w", "pool": "l4"}]}]},
     "rayClusters[0].head.rayStartParams.redis-password", "refuses them in rayStartParams")])
def test_what_kuberay_would_refuse_or_would_leave_redis_open_is_refused(change, key, fragment):
    cfg = config(**change)
    for k in [k for k, v in change.items() if v is None]:
        del cfg[k]
    got = refusals(cfg)
    assert any(k == f"raystack:{key}" and fragment in m for k, m in got), got


def test_a_cluster_asking_for_gcs_without_a_redis_is_refused():
    cfg = config(rayClusters=[{"name": "rc", "gcsFaultTolerance": True, "workerGroups": [{"name": "w", "pool": "l4"}]}])
    del cfg["gcsFaultTolerance"], cfg["gcsRedisPassword"]
    assert [k for k, _ in refusals(cfg)] == ["raystack:rayClusters[0].gcsFaultTolerance"]


def test_clear_text_redis_and_an_operator_of_unknown_version_are_warned_about():
    p = resolve(config(gcsFaultTolerance={"address": "redis://redis:6379"}, kuberay={"install": False}))
    keys = {w.key: w.message for w in p.warnings}
    assert "unencrypted" in keys["raystack:gcsFaultTolerance.address"]
    assert "KubeRay 1.3.0 or later" in keys["raystack:gcsFaultTolerance"]


def test_the_text_plan_names_the_redis_and_the_clusters_using_it(tmp_path, capsys):
    import yaml
    from raystack.preview import cli
    from support import project_copy

    proj = project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.serving.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["config"]["raystack:gcsFaultTolerance"] = {"address": ADDRESS}
    doc["config"]["raystack:gcsRedisPassword"] = {"secure": "v1:AAAA"}  # as `pulumi config set --secret` writes it
    f.write_text(yaml.safe_dump(doc))
    assert cli.main(["plan", "--project-dir", str(proj), "--stack", "serving", "--summary", "--no-ray"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (f"GCS fault tolerance: Redis {ADDRESS}, password from Secret raystack-gcs-redis (key password, "
            "created from gcsRedisPassword); used by RayService") in text, text[-1500:]


# --- gcsFaultTolerance.redis: create (an ElastiCache group raystack creates) ---------------------------

def created(**gcs) -> dict:
    cfg = config(gcsFaultTolerance={"redis": "create", **gcs})
    del cfg["gcsRedisPassword"]
    return cfg


def test_a_created_redis_is_sized_by_environment_and_its_stand_in_address_never_resolves(kuberay_schema):
    """Prod gets a replica (Multi-AZ, automatic failover), other environments one node; the manifests hold
    the .invalid stand-in (RFC 2606) that the components replace with the endpoint, and pass the CRD."""
    from raystack.ray.gcs import CREATED_ADDRESS, fill_address

    dev, prod = resolve(created()), resolve({**created(), "environment": "prod"})
    assert dev.gcs is not None and prod.gcs is not None and dev.gcs.managed and prod.gcs.managed
    assert (dev.gcs.managed.nodes, dev.gcs.managed.multi_az) == (1, False)
    assert (prod.gcs.managed.nodes, prod.gcs.managed.multi_az) == (2, True)
    assert (prod.gcs.managed.engine, prod.gcs.managed.engine_version) == ("valkey", "8.0")
    assert prod.gcs.managed.replication_group_id == "u-gcs" and prod.gcs.create_secret
    spec = prod.ray_workloads[0].manifest["spec"]
    assert spec["rayClusterConfig"]["gcsFaultToleranceOptions"]["redisAddress"] == CREATED_ADDRESS
    assert CREATED_ADDRESS.split(":")[1].endswith(".invalid")
    errors = [e.message for e in jsonschema.Draft7Validator(kuberay_schema("RayService")).iter_errors(
        prod.ray_workloads[0].manifest)]
    assert not errors, errors
    filled = fill_address(spec, "rediss://master.u-gcs.x.use1.cache.amazonaws.com:6379")
    assert filled["rayClusterConfig"]["gcsFaultToleranceOptions"]["redisAddress"].startswith("rediss://master.")
    assert CREATED_ADDRESS not in str(filled) and CREATED_ADDRESS in str(spec), "a copy; the model is untouched"


@pytest.mark.parametrize(("name", "want"), [
    ("raystack-serving", "raystack-serving-gcs"), ("A_B--c", "a-b-c-gcs"),
    ("x" * 60, "x" * 36 + "-gcs"), ("abc-" + "d" * 31 + "-e", "abc-" + "d" * 31 + "-gcs")])
def test_replication_group_ids_meet_elasticaches_rules(name, want):
    import re

    from raystack.model.gcs import replication_group_id

    got = replication_group_id(name)
    assert got == want and len(got) <= 40 and re.match(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$", got), got


@pytest.mark.parametrize(("cfg", "key", "fragment"), [
    (created(address=ADDRESS), "gcsFaultTolerance.address", "is what ElastiCache gives"),
    (created(passwordSecret={"secret": "s", "key": "k"}), "gcsFaultTolerance.passwordSecret", "AUTH token"),
    ({**created(), "gcsRedisPassword": "(secret)"}, "gcsRedisPassword", "raystack generates the AUTH token"),
    ({**created(), "clusterMode": "existing", "kubeconfig": "~/.kube/config"}, "gcsFaultTolerance.redis",
     "needs a cluster raystack creates"),
    ({**created(), "kubernetesDelivery": "gitops"}, "gcsFaultTolerance.redis", "known only after `pulumi up`"),
    (created(nodeType="r7g.large"), "gcsFaultTolerance.nodeType", "cache.<family>.<size>"),
    (created(replicas=6), "gcsFaultTolerance.replicas", "must be 0 to 5"),
    ({**config(), "gcsFaultTolerance": {"address": ADDRESS, "nodeType": "cache.t4g.small"}},
     "gcsFaultTolerance.nodeType", "set redis: create")])
def test_a_created_redis_is_refused_where_raystack_cannot_place_or_wire_it(cfg, key, fragment):
    got = refusals(cfg)
    assert any(k == f"raystack:{key}" and fragment in m for k, m in got), got


def test_one_redis_node_in_prod_is_warned_about():
    p = resolve({**created(replicas=0), "environment": "prod"})
    assert "one Redis node in prod" in {w.key: w.message for w in p.warnings}["raystack:gcsFaultTolerance.replicas"]
    assert "raystack:gcsFaultTolerance.replicas" not in {w.key for w in resolve(created(replicas=0)).warnings}

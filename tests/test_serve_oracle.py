"""raystack's checks of serveConfigV2 and runtime_env held to Ray's own: Ray Serve's
``ServeDeploySchema`` and route-prefix rule, and ``RuntimeEnv``. raystack may be stricter (it
refuses keys Ray would silently ignore: a typo there changes nothing and says nothing), never
looser: whatever Ray refuses, raystack refuses before apply."""

from __future__ import annotations

import pytest
from ray.runtime_env import RuntimeEnv
from ray.serve._private.utils import validate_route_prefix
from ray.serve.schema import (
    DeploymentSchema,
    RayActorOptionsSchema,
    ServeApplicationSchema,
    ServeDeploySchema,
)
from raystack.rules.workloads import (
    RUNTIME_ENV_KEYS,
    SERVE_CONFIG_SCHEMA,
    check_runtime_env,
    check_serve_config,
)


def _fields(model) -> set[str]:
    return set(getattr(model, "model_fields", None) or model.__fields__)


def test_every_key_raystack_allows_is_one_ray_reads():
    app = SERVE_CONFIG_SCHEMA["properties"]["applications"]["items"]
    dep = app["properties"]["deployments"]["items"]
    actor = dep["properties"]["ray_actor_options"]
    for ours, model in ((SERVE_CONFIG_SCHEMA, ServeDeploySchema), (app, ServeApplicationSchema),
                        (dep, DeploymentSchema), (actor, RayActorOptionsSchema)):
        assert set(ours["properties"]) <= _fields(model), (model.__name__, set(ours["properties"]) - _fields(model))
    assert set(RUNTIME_ENV_KEYS) <= RuntimeEnv.known_fields


def _ray_ok(config: dict) -> bool:
    try:
        parsed = ServeDeploySchema.parse_obj(config)
        for a in parsed.applications:
            validate_route_prefix(a.route_prefix)
    except Exception:  # noqa: BLE001 (any refusal)
        return False
    return True


def _ours_ok(config: dict) -> bool:
    findings: list = []
    check_serve_config("c", config, findings)
    return not findings


APP = {"name": "a", "import_path": "pkg.mod:app", "route_prefix": "/"}
CORPUS = [
    {"applications": [APP]},
    {"applications": [{"import_path": "mod.app"}]},
    {"applications": [{**APP, "import_path": "app"}]},
    {"applications": [{**APP, "route_prefix": "api"}]},
    {"applications": [{**APP, "route_prefix": "/api/"}]},
    {"applications": [{**APP, "route_prefix": "/api/{id}"}]},
    {"applications": [{**APP, "route_prefix": None}]},
    {"applications": [{**APP, "route_prefix": "/v1/chat"}]},
    {"applications": [APP, {**APP, "route_prefix": "/b"}]},
    {"applications": [APP, {**APP, "name": "b"}]},
    {"applications": [APP, {**APP, "name": "b", "route_prefix": "/b"}]},
    {"applications": [{**APP, "deployments": [{"num_replicas": 2}]}]},
    {"applications": [{**APP, "deployments": [{"name": "D", "num_replicas": "auto"}]}]},
    {"applications": [{**APP, "deployments": [{"name": "D", "num_replicas": -1}]}]},
    {"applications": [{**APP, "deployments": [{"name": "D", "ray_actor_options": {"num_gpus": 1, "num_cpus": 2}}]}]},
    {"applications": [{**APP, "deployments": [{"name": "D", "ray_actor_options": {"num_gpus": -1}}]}]},
    {"applications": [{**APP, "deployments": [{"name": "D", "max_ongoing_requests": 0}]}]},
    {"applications": [{**APP, "deployments": [{"name": "D", "max_ongoing_requests": 8,
                                                "autoscaling_config": {"min_replicas": 1, "max_replicas": 4}}]}]},
    {"applications": [{**APP, "runtime_env": {"pip": ["vllm"], "env_vars": {"A": "1"}}}]},
    {"applications": [{**APP, "port": 70000}]},
    {"proxy_location": "EveryNode", "applications": [APP]},
    {"proxy_location": "Everywhere", "applications": [APP]},
    {"target_capacity": 50, "applications": [APP]},
    {"target_capacity": 150, "applications": [APP]},
    {},
]


@pytest.mark.parametrize("config", CORPUS, ids=[str(i) for i in range(len(CORPUS))])
def test_raystack_refuses_what_ray_refuses_and_accepts_what_it_accepts(config):
    assert _ours_ok(config) == _ray_ok(config), config


STRICTER = [
    {"applications": [{**APP, "route_prefx": "/"}]},  # a typo Ray ignores: the app would serve on "/"
    {"applications": []},  # Ray accepts an empty list: a RayService that serves nothing
]


@pytest.mark.parametrize("config", STRICTER, ids=["typo", "empty"])
def test_where_raystack_is_stricter_it_is_on_purpose(config):
    assert _ray_ok(config) and not _ours_ok(config)


@pytest.mark.parametrize("env", [{"pip": ["a"], "conda": {"dependencies": []}}, {"pip": ["a"], "uv": ["b"]},
                                 {"env_vars": {"A": 1}}, {"py_modules": "x"}])
def test_runtime_envs_ray_refuses_are_refused(env):
    with pytest.raises(Exception):  # noqa: B017, PT011 (Ray's own refusal, whatever its type)
        RuntimeEnv(**env)
    findings: list = []
    check_runtime_env("e", env, findings)
    assert findings, env


@pytest.mark.parametrize("env", [{"pip": ["vllm==0.9.0"]}, {"env_vars": {"A": "1"}, "working_dir": "s3://b/k.zip"},
                                 {"conda": {"dependencies": ["numpy"]}}, {"py_modules": ["s3://b/m.zip"]}])
def test_runtime_envs_ray_accepts_are_accepted(env):
    RuntimeEnv(**env)
    findings: list = []
    check_runtime_env("e", env, findings)
    assert not findings, findings


AUTOSCALING = [
    {"min_replicas": 1, "max_replicas": 4},
    {"min_replicas": 0, "max_replicas": 4, "initial_replicas": 1, "target_ongoing_requests": 2},
    {"min_replicas": 3, "max_replicas": 2},
    {"min_replicas": 2},  # Ray's default max_replicas is 1
    {"min_replicas": 1, "max_replicas": 2, "initial_replicas": 5},
    {"max_replicas": 0},
    {"target_ongoing_requests": 0},
    {"aggregation_function": "median"},
    {"aggregation_function": "max", "upscale_delay_s": 5, "downscale_to_zero_delay_s": None},
]


@pytest.mark.parametrize("auto", AUTOSCALING)
def test_autoscaling_configs_ray_refuses_are_refused_before_apply(auto):
    """Ray builds AutoscalingConfig only when it deploys (a refusal then is a DEPLOY_FAILED application, after
    `up`); raystack refuses what that model refuses, at preview."""
    from ray.serve.config import AutoscalingConfig

    try:
        AutoscalingConfig(**auto)
        ray_ok = True
    except Exception:  # noqa: BLE001 (any refusal)
        ray_ok = False
    config = {"applications": [{**APP, "deployments": [{"name": "D", "autoscaling_config": auto}]}]}
    if not ray_ok:
        assert not _ours_ok(config), auto


@pytest.mark.parametrize("typo", ["max_replica", "target_ongoing_request", "min_replica"])
def test_a_typo_in_autoscaling_config_is_refused_though_ray_ignores_it(typo):
    """Newcomer review P4: Ray's model ignores unknown keys, so `max_replica: 2` left a service at one replica."""
    from ray.serve.config import AutoscalingConfig

    AutoscalingConfig(**{typo: 2})  # Ray: no error, the key is dropped
    findings: list = []
    check_serve_config("c", {"applications": [{**APP, "deployments": [
        {"name": "D", "autoscaling_config": {typo: 2}}]}]}, findings)
    assert [f.key for f in findings] == [f"c.applications[0].deployments[0].autoscaling_config.{typo}"], findings
    assert "not a Serve config key of Ray" in findings[0].message


def test_num_replicas_with_autoscaling_is_refused_as_ray_does():
    config = {"applications": [{**APP, "deployments": [
        {"name": "D", "num_replicas": 2, "autoscaling_config": {"max_replicas": 2}}]}]}
    assert not _ray_ok(config) and not _ours_ok(config)

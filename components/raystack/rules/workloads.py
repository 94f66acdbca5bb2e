"""Rules for what runs on Ray: Serve configs, runtime_env, cron schedules (cloud-neutral). Pulumi-free.

The Serve and runtime_env checks know the keys of the pinned Ray version (tests hold them to Ray's
own ``ServeDeploySchema`` and ``RuntimeEnv.known_fields``); the cron check follows the parser
KubeRay's RayCronJob controller uses (robfig/cron ``ParseStandard``, KubeRay v1.7.0).
"""

from __future__ import annotations

import re
from typing import Any

from ..model.findings import Finding
from .kube_objects import key_at

#: runtime_env keys of Ray 2.55 (``ray.runtime_env.RuntimeEnv.known_fields``, public ones).
RUNTIME_ENV_KEYS = ("working_dir", "py_modules", "py_executable", "excludes", "pip", "uv", "conda", "env_vars",
                    "container", "image_uri", "config", "worker_process_setup_hook", "java_jars")
#: Package managers Ray refuses together in one runtime_env.
_EXCLUSIVE_ENVS = ("pip", "uv", "conda")

_STR_LIST = {"type": "array", "items": {"type": "string"}}
_RUNTIME_ENV = {
    "type": "object",
    "properties": {
        "working_dir": {"type": "string"}, "py_modules": _STR_LIST, "py_executable": {"type": "string"},
        "excludes": _STR_LIST, "pip": {"type": ["array", "object", "string"]},
        "uv": {"type": ["array", "object", "string"]}, "conda": {"type": ["object", "string"]},
        "env_vars": {"type": "object", "additionalProperties": {"type": "string"}},
        "container": {"type": "object"}, "image_uri": {"type": "string"}, "config": {"type": "object"},
        "worker_process_setup_hook": {"type": "string"}, "java_jars": _STR_LIST,
    },
    "additionalProperties": False,
}
_NUMBER_GE0 = {"type": "number", "minimum": 0}
_ACTOR_OPTIONS = {
    "type": "object",
    "properties": {"num_cpus": _NUMBER_GE0, "num_gpus": _NUMBER_GE0, "memory": _NUMBER_GE0,
                   "resources": {"type": "object", "additionalProperties": _NUMBER_GE0},
                   "accelerator_type": {"type": "string"}, "runtime_env": _RUNTIME_ENV,
                   "label_selector": {"type": "object", "additionalProperties": {"type": "string"}}},
    "additionalProperties": False,
}
_POSITIVE = {"type": "number", "exclusiveMinimum": 0}
_POSITIVE_OR_NULL = {"anyOf": [_POSITIVE, {"type": "null"}]}
#: ``AutoscalingConfig`` as Ray 2.55 declares it (ray/serve/config.py: the same 16 fields in 2.60). Ray's
#: pydantic model ignores unknown keys, so `max_replica: 2` would silently cap a service at one replica
#: (newcomer review P4): raystack refuses them.
_AUTOSCALING = {
    "type": "object",
    "properties": {
        "min_replicas": {"type": "integer", "minimum": 0},
        "initial_replicas": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
        "max_replicas": {"type": "integer", "minimum": 1},
        "target_ongoing_requests": _POSITIVE_OR_NULL,
        "metrics_interval_s": _POSITIVE, "look_back_period_s": _POSITIVE, "smoothing_factor": _POSITIVE,
        "upscale_smoothing_factor": _POSITIVE_OR_NULL, "downscale_smoothing_factor": _POSITIVE_OR_NULL,
        "upscaling_factor": _POSITIVE_OR_NULL, "downscaling_factor": _POSITIVE_OR_NULL,
        "downscale_delay_s": _NUMBER_GE0, "upscale_delay_s": _NUMBER_GE0,
        "downscale_to_zero_delay_s": {"anyOf": [_NUMBER_GE0, {"type": "null"}]},
        "aggregation_function": {"enum": ["mean", "max", "min"]},
        "policy": {"type": "object"},
    },
    "additionalProperties": False,
}
_DEPLOYMENT = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "num_replicas": {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "auto"}]},
        "max_ongoing_requests": {"type": "integer", "minimum": 1},
        "max_queued_requests": {"type": "integer", "minimum": -1},
        "user_config": {},
        "autoscaling_config": _AUTOSCALING,
        "graceful_shutdown_wait_loop_s": _NUMBER_GE0, "graceful_shutdown_timeout_s": _NUMBER_GE0,
        "health_check_period_s": {"type": "number", "exclusiveMinimum": 0},
        "health_check_timeout_s": {"type": "number", "exclusiveMinimum": 0},
        "ray_actor_options": _ACTOR_OPTIONS,
        "placement_group_bundles": {"type": "array", "items": {"type": "object"}},
        "placement_group_strategy": {"enum": ["PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"]},
        "max_replicas_per_node": {"type": "integer", "minimum": 1, "maximum": 100},
        "logging_config": {"type": "object"},
        "request_router_config": {"type": "object"},
    },
    "additionalProperties": False,
}
#: Ray Serve's config (serveConfigV2) as Ray 2.55 reads it: ``ServeDeploySchema``,
#: ``ServeApplicationSchema`` and ``DeploymentSchema`` (the keys they know; a test compares).
SERVE_CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["applications"],
    "properties": {
        "proxy_location": {"enum": ["Disabled", "HeadOnly", "EveryNode"]},
        "http_options": {"type": "object"},
        "grpc_options": {"type": "object"},
        "logging_config": {"type": "object"},
        "target_capacity": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, {"type": "null"}]},
        "applications": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["import_path"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                # Ray: "module.submodule.attribute" or "module:attribute".
                "import_path": {"type": "string", "pattern": r"^[A-Za-z_][\w.]*[.:][A-Za-z_]\w*$"},
                # Ray: starts with "/", no trailing "/" (except "/"), no "{" or "}"; null: not over HTTP.
                "route_prefix": {"anyOf": [{"type": "string", "pattern": r"^/([^{}]*[^/{}])?$"}, {"type": "null"}]},
                "runtime_env": _RUNTIME_ENV,
                "host": {"type": "string"}, "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "deployments": {"type": "array", "items": _DEPLOYMENT},
                "args": {"type": "object"},
                "logging_config": {"type": "object"},
            },
            "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
}


def _schema_findings(at: str, value: Any, schema: dict[str, Any], what: str, findings: list[Finding]) -> None:
    import jsonschema  # only when a workload is declared: `raystack plan` starts without it

    for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path)):
        extra = err.validator == "additionalProperties"
        where = key_at(at, err.absolute_path)
        if extra:
            allowed = sorted(err.schema.get("properties", {}))
            unknown = sorted(set(err.instance) - set(allowed))
            findings.append(Finding(f"{where}.{unknown[0]}" if len(unknown) == 1 else where, unknown,
                                    f"not a {what} key of Ray; allowed: {', '.join(allowed)}"))
        else:
            findings.append(Finding(where, err.instance if not isinstance(err.instance, dict) else "(mapping)",
                                    f"{what}: {err.message}"))


def check_runtime_env(at: str, env: dict[str, Any], findings: list[Finding]) -> None:
    _schema_findings(at, env, _RUNTIME_ENV, "runtime_env", findings)
    given = [k for k in _EXCLUSIVE_ENVS if k in env]
    if len(given) > 1:
        findings.append(Finding(at, given, f"Ray allows one of {', '.join(_EXCLUSIVE_ENVS)} per runtime_env"))


def check_serve_config(at: str, config: dict[str, Any], findings: list[Finding]) -> None:
    """Structure as Ray Serve reads it, plus what ``ServeDeploySchema`` checks across applications:
    unique names and route prefixes."""
    before = len(findings)
    _schema_findings(at, config, SERVE_CONFIG_SCHEMA, "Serve config", findings)
    if len(findings) > before:
        return
    for i, app in enumerate(config["applications"]):
        for j, dep in enumerate(app.get("deployments") or []):
            check_deployment_scaling(f"{at}.applications[{i}].deployments[{j}]", dep, findings)
    names: set[str] = set()
    routes: set[str] = set()
    apps = config["applications"]
    for i, app in enumerate(apps):
        name = app.get("name", "default")
        if name in names:
            findings.append(Finding(f"{at}.applications[{i}].name", name, "application names must be unique"))
        names.add(name)
        route = app.get("route_prefix", "/")
        if route is not None and route in routes:
            findings.append(Finding(f"{at}.applications[{i}].route_prefix", route, "route prefixes must be unique"))
        if route is not None:
            routes.add(route)
        if len(apps) > 1 and "name" not in app:
            findings.append(Finding(f"{at}.applications[{i}].name", None, "required when there are several "
                                                                         "applications"))


def check_deployment_scaling(at: str, dep: dict[str, Any], findings: list[Finding]) -> None:
    """What Ray checks across a deployment's scaling keys (ray/serve/config.py ``AutoscalingConfig``
    validators and ``DeploymentConfig``, 2.55): min <= initial <= max, and num_replicas is not given
    with autoscaling_config (but as "auto")."""
    auto = dep.get("autoscaling_config")
    if auto is None:
        return
    if "num_replicas" in dep and dep["num_replicas"] != "auto":
        findings.append(Finding(f"{at}.num_replicas", dep["num_replicas"],
                                "not with autoscaling_config: Ray takes one or the other (\"auto\" is allowed)"))
    low, high = auto.get("min_replicas", 1), auto.get("max_replicas", 1)
    if low > high:
        findings.append(Finding(f"{at}.autoscaling_config.min_replicas", low,
                                f"above max_replicas ({high}): Ray refuses min_replicas > max_replicas"))
    initial = auto.get("initial_replicas")
    if initial is not None and not low <= initial <= high:
        findings.append(Finding(f"{at}.autoscaling_config.initial_replicas", initial,
                                f"must lie between min_replicas ({low}) and max_replicas ({high})"))


def deployment_replicas(dep: dict[str, Any]) -> tuple[int, int | None]:
    """(replicas always up, most replicas or None where Ray chooses) of a Serve deployment: ``num_replicas``
    (default 1), or ``autoscaling_config``'s ``min_replicas`` (default 1) and ``max_replicas`` (default 1);
    ``num_replicas: auto`` lets Serve pick its own bounds (AutoscalingConfig defaults, Ray 2.55)."""
    auto = dep.get("autoscaling_config")
    if dep.get("num_replicas") == "auto":
        return (auto or {}).get("min_replicas", 1), None
    if isinstance(auto, dict):
        return auto.get("min_replicas", 1), auto.get("max_replicas", 1)
    n = dep.get("num_replicas", 1)
    return n, n


def deployment_demands(config: dict[str, Any]) -> list[tuple[str, dict[str, float], dict[str, Any]]]:
    """(key path under serveConfigV2, Ray resources one replica asks for, the deployment) of each deployment
    that names any: ``num_cpus``, ``num_gpus`` and custom ``resources``."""
    out = []
    for i, app in enumerate(config.get("applications") or []):
        for j, dep in enumerate(app.get("deployments") or []):
            opts = dep.get("ray_actor_options") or {}
            demand = {k: float(v) for k, v in (opts.get("resources") or {}).items()}
            if "num_cpus" in opts:
                demand["CPU"] = float(opts["num_cpus"])
            if "num_gpus" in opts:
                demand["GPU"] = float(opts["num_gpus"])
            if any(demand.values()):
                out.append((f"applications[{i}].deployments[{j}].ray_actor_options", demand, dep))
    return out


# --- cron (robfig/cron v3 ParseStandard, as KubeRay's RayCronJob controller parses) ---------------

_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
#: (name, low, high, names) of the five standard fields.
CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS), ("day of week", 0, 6, _DAYS))


def _cron_number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number{' or name' if names else ''}")
    return int(text)


def _cron_field(expr: str, low: int, high: int, names: dict[str, int]) -> None:
    for part in expr.split(","):
        rng, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            raise ValueError(f"step {step!r} must be a positive number")
        if rng in ("*", "?"):
            continue
        a, dash, b = rng.partition("-")
        start = _cron_number(a, names)
        end = _cron_number(b, names) if dash else start
        if not low <= start <= end <= high:
            raise ValueError(f"{rng!r} is outside {low}-{high}" if start <= end else f"{rng!r} runs backwards")


def check_cron_schedule(at: str, schedule: str, findings: list[Finding]) -> None:
    s = schedule.strip()
    if s.startswith(("TZ=", "CRON_TZ=")):
        findings.append(Finding(at, schedule, "name the time zone in timeZone, not in the schedule"))
        return
    if s.startswith("@"):
        word, _, rest = s.partition(" ")
        if word == "@every":
            if not _GO_DURATION.match(rest.strip()):
                findings.append(Finding(at, schedule, "@every takes a duration such as 30m or 6h"))
        elif word not in _DESCRIPTORS or rest:
            findings.append(Finding(at, schedule, f"allowed descriptors: {', '.join(sorted(_DESCRIPTORS))}, "
                                                  "@every <duration>"))
        return
    fields = s.split()
    if len(fields) != len(CRON_FIELDS):
        findings.append(Finding(at, schedule, f"{len(fields)} field(s); a cron schedule has five: minute hour "
                                              "day-of-month month day-of-week (e.g. '0 3 * * *')"))
        return
    for text, (name, low, high, names) in zip(fields, CRON_FIELDS, strict=True):
        try:
            _cron_field(text, low, high, names)
        except ValueError as e:
            findings.append(Finding(at, schedule, f"{name} field {text!r}: {e}"))


def check_time_zone(at: str, zone: str, findings: list[Finding]) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        findings.append(Finding(at, zone, "not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)"))

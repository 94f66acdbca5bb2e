"""Ray's Grafana dashboards, generated from the installed Ray's own definitions (never copied by hand), for
Grafana's dashboard sidecar. Pulumi-free.

Ray's dashboard head writes the same JSON into each session's metrics/grafana/dashboards when it starts;
``ray.dashboard.modules.metrics.grafana_dashboard_factory`` builds it from the panel definitions in
``ray/dashboard/modules/metrics/dashboards`` (ray 2.60.0, the version pyproject's ray extra pins). The
factory reads RAY_GRAFANA_<NAME>_DASHBOARD_UID / _GLOBAL_FILTERS from the environment, as Ray's own head does.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from .monitoring import GRAFANA_DASHBOARD_LABEL

#: The dashboards raystack ships, by the factory's generate_<name>_grafana_dashboard.
DASHBOARDS = ("default", "serve", "serve_deployment", "data", "train")
#: The ConfigMap key of each dashboard.
CONFIGMAP_PREFIX = "raystack-ray-dashboard-"


def installed_ray_version() -> str | None:
    """The version of the Ray installed here, or None."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("ray")
    except PackageNotFoundError:
        return None


@functools.cache
def generate(name: str) -> tuple[str, str]:
    """(uid, compact JSON) of one of Ray's dashboards (once per process: the factory reads only Ray's own
    definitions and the RAY_GRAFANA_* variables, which a program does not change while it runs)."""
    from ray.dashboard.modules.metrics import grafana_dashboard_factory as factory

    content, uid = getattr(factory, f"generate_{name}_grafana_dashboard")()
    return uid, json.dumps(json.loads(content), separators=(",", ":"), sort_keys=True)


def dashboard_configmap(name: str, namespace: str, ray_version: str) -> dict[str, Any]:
    """The ConfigMap Grafana's sidecar loads one dashboard from."""
    uid, content = generate(name)
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{CONFIGMAP_PREFIX}{name.replace('_', '-')}", "namespace": namespace,
                         "labels": dict(GRAFANA_DASHBOARD_LABEL),
                         "annotations": {"raystack.io/ray-version": ray_version, "raystack.io/dashboard-uid": uid}},
            "data": {f"ray-{name.replace('_', '-')}.json": content}}

"""RayCluster: a KubeRay `ray.io/v1` RayCluster whose worker groups are derived from their pools.

The manifest comes from ``ray_spec.build_raycluster``; this component only
registers it, plus a NetworkPolicy that admits traffic from the cluster's own
pods and the KubeRay operator (the dashboard/Jobs port is never open to the
rest of the cluster).
"""


from typing import Any, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from . import versions
from .addons import KUBERAY_NAMESPACE
from .errors import ConfigError, Finding
from .pools import PoolFacts
from .ray_spec import SizingError, build_raycluster
from .spec import RayClusterSpec

#: The Ray autoscaler owns these; Pulumi must not fight it.
AUTOSCALER_OWNED = ["spec.workerGroupSpecs[*].replicas", "spec.workerGroupSpecs[*].scaleStrategy"]


class RayClusterArgs(TypedDict):
    cluster: RayClusterSpec
    pools: list[dict[str, Any]]
    """Facts (``PoolFacts.to_dict()``) of the pools the worker groups name."""
    head_pool: dict[str, Any]
    ray_version: NotRequired[str]
    operator_namespace: NotRequired[str]


def network_policy_spec(cluster_name: str, operator_namespace: str) -> dict[str, Any]:
    """Ingress to the cluster's pods only from its own pods and the operator."""
    return {
        "podSelector": {"matchLabels": {"ray.io/cluster": cluster_name}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"podSelector": {"matchLabels": {"ray.io/cluster": cluster_name}}}]},
            {
                "from": [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": operator_namespace}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "kuberay-operator"}},
                }],
                "ports": [{"protocol": "TCP", "port": 8265}, {"protocol": "TCP", "port": 8000}],
            },
        ],
    }


class RayCluster(pulumi.ComponentResource):
    name: pulumi.Output[str]
    namespace: pulumi.Output[str]

    def __init__(self, name: str, args: RayClusterArgs, opts: pulumi.ResourceOptions | None = None):
        pools = {p["name"]: PoolFacts.from_dict(p) for p in args["pools"]}
        try:
            manifest = build_raycluster(dict(args["cluster"]), pools, PoolFacts.from_dict(args["head_pool"]),
                                        args.get("ray_version", versions.RAY_VERSION))
        except (SizingError, KeyError) as e:
            field = e.field if isinstance(e, SizingError) else "pool"
            value = e.value if isinstance(e, SizingError) else str(e)
            raise ConfigError([Finding(f"cluster.{field}", value, str(e))]) from None
        super().__init__("raystack:index:RayCluster", name, {}, opts)
        # Children wait for whatever the component waits for (operator, CRDs,
        # pools, device plugin), so the ordering is explicit on the RayCluster.
        deps = opts.depends_on if opts and opts.depends_on else []
        deps = list(deps) if isinstance(deps, (list, tuple)) else [deps]
        self.manifest = manifest
        meta = manifest["metadata"]
        self.resource = k8s.apiextensions.CustomResource(
            f"{name}-raycluster",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=meta,
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=deps, ignore_changes=AUTOSCALER_OWNED),
        )
        if args["cluster"].get("network_policy", True):
            k8s.networking.v1.NetworkPolicy(
                f"{name}-netpol",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{meta['name']}-ingress", namespace=meta["namespace"]),
                spec=network_policy_spec(meta["name"], args.get("operator_namespace", KUBERAY_NAMESPACE)),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.name = pulumi.Output.from_input(meta["name"])
        self.namespace = pulumi.Output.from_input(meta["namespace"])
        self.register_outputs({"name": self.name, "namespace": self.namespace})

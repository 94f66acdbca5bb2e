"""The NetworkPolicy around a RayCluster. Pulumi-free."""

from __future__ import annotations

from typing import Any

#: Ports the KubeRay operator reaches on the head: dashboard/Jobs API and Serve.
OPERATOR_PORTS = (8265, 8000)


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
                "ports": [{"protocol": "TCP", "port": p} for p in OPERATOR_PORTS],
            },
        ],
    }

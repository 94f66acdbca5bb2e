"""The NetworkPolicy around a RayCluster. Pulumi-free."""

from __future__ import annotations

from typing import Any

#: Ports the KubeRay operator reaches on the head: dashboard/Jobs API and Serve.
OPERATOR_PORTS = (8265, 8000)
#: Ray ports an explicit exception may open: dashboard/Jobs API, Serve, Ray Client, metrics.
EXCEPTION_PORTS = (8265, 8000, 10001, 8080)


def allow_rule(allow: dict[str, Any]) -> dict[str, Any]:
    """One ingress rule for a defaulted AllowFromSpec (namespaces by name; none: the cluster's own)."""
    peer: dict[str, Any] = {"podSelector": {"matchLabels": dict(allow.get("pod_labels") or {})}}
    if allow.get("namespaces"):
        peer["namespaceSelector"] = {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": sorted(allow["namespaces"])}]}
    return {"from": [peer], "ports": [{"protocol": "TCP", "port": p} for p in sorted(set(allow["ports"]))]}


#: KubeRay labels every RayJob submitter pod with this, its own template's and the default one
#: (rayjob_controller.go getSubmitterTemplate, v1.7.0): the clusters of a namespace admit the
#: submitters of that namespace's RayJobs, the stack's and those applied with kubectl alike.
SUBMITTER_SELECTOR = {"ray.io/originated-from-crd": "RayJob"}
#: The Jobs API port a submitter reaches.
JOBS_PORT = 8265
#: The pods of the operator raystack installs: the KubeRay chart labels them so (helm-chart
#: kuberay-operator _helpers.tpl, v1.7.0). KubeRay's kustomize install says `kuberay`
#: (ray-operator/config/manager/manager.yaml), other installs other things.
CHART_OPERATOR_LABELS = {"app.kubernetes.io/name": "kuberay-operator"}
#: Ingress rules every Ray cluster's policy starts with: its own pods, the operator, RayJob submitters.
FIXED_RULES = 3


def network_policy_spec(cluster_name: str, operator_namespace: str,
                        allow_from: list[dict[str, Any]] | None = None,
                        pods: dict[str, str] | None = None,
                        operator_pods: dict[str, str] | None = CHART_OPERATOR_LABELS,
                        scrape: dict[str, Any] | None = None,
                        operator_cidrs: tuple[str, ...] = ()) -> dict[str, Any]:
    """Ingress to the cluster's pods only from its own pods, the operator, the RayJob submitters of
    its namespace (on the Jobs API port) and the explicit exceptions. ``pods``: the labels the
    cluster's pods carry (default ``ray.io/cluster``: the clusters KubeRay makes for RayJobs and
    RayServices have generated names, so theirs carry a raystack label instead). ``operator_pods``:
    the operator's pod labels, or None for every pod of the operator's namespace (an operator raystack
    did not install, whose labels it cannot know: kubernetes-deploy-review 2, N6). ``scrape``: the rule
    admitting the Prometheus pods on the metrics ports (ray.monitoring.scrape_rule), after the fixed ones.
    ``operator_cidrs``: where an operator the cloud hosts outside the cluster's pods connects from (GKE's Ray
    Operator add-on: the control plane's range), instead of the operator's namespace."""
    own = pods or {"ray.io/cluster": cluster_name}
    spec: dict[str, Any] = {
        "podSelector": {"matchLabels": dict(own)},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"podSelector": {"matchLabels": dict(own)}}]},
            {
                "from": [{"ipBlock": {"cidr": c}} for c in operator_cidrs] or [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": operator_namespace}},
                    **({"podSelector": {"matchLabels": dict(operator_pods)}} if operator_pods else {}),
                }],
                "ports": [{"protocol": "TCP", "port": p} for p in OPERATOR_PORTS],
            },
        ],
    }
    spec["ingress"].append({"from": [{"podSelector": {"matchLabels": dict(SUBMITTER_SELECTOR)}}],
                            "ports": [{"protocol": "TCP", "port": JOBS_PORT}]})
    assert len(spec["ingress"]) == FIXED_RULES
    if scrape is not None:
        spec["ingress"].append(scrape)
    spec["ingress"] += [allow_rule(a) for a in allow_from or []]
    return spec


def exception_rules(spec: dict[str, Any], scraped: bool = False) -> list[dict[str, Any]]:
    """The rules of a NetworkPolicy spec that ``allowFrom`` added (after the fixed ones and, when Prometheus
    scrapes the cluster, its rule)."""
    return list(spec.get("ingress", [])[FIXED_RULES + int(scraped):])

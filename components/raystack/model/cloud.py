"""The resolve-time seam to a cloud (issue 21): what ``resolve`` asks of the cloud a stack creates its
cluster in. Pulumi-free.

``model/`` never imports a cloud package: each cloud implements ``CloudRules`` in its own package and
registers it (``clouds.aws.cloud`` and ``clouds.azure.cloud``, registered when ``raystack`` is imported). A new cloud is a new
package that registers itself, not an edit here or in ``resolve``. The deploy-time seam is
``clouds.base.ClusterBackend``.
"""

from __future__ import annotations

from typing import Any, Protocol

from .facts import PoolFacts
from .findings import Finding
from .platform import NodePool


class CloudRules(Protocol):
    """What resolve asks of a cloud: its rules, its pools' facts, its network's route targets and node images."""

    name: str
    #: Whether the cloud runs KubeRay itself for a cluster the stack creates (kuberay.operator: managed).
    managed_kuberay: bool
    #: Who runs KubeRay when managed, at what version, and how to read it (the plan's warning), where managed.
    managed_kuberay_note: str
    #: The cloud's pod identity is named on the Kubernetes service accounts (AKS client ID, GKE service account), so
    #: a cluster's head runs as an account raystack creates and annotates.
    account_identity: bool
    #: The label a pod carries for its cloud identity to be injected (Entra Workload ID's webhook), or None.
    workload_identity_label: tuple[str, str] | None
    #: On a cluster the stack attaches to, how a team gives the Ray pods this cloud's identity itself.
    existing_identity_hint: str
    #: The stack config key the cloud's provider reads its region or location from (aws:region).
    region_key: str

    def existing_pool(self, spec: dict[str, Any]) -> PoolFacts:
        """A checked ExistingPoolSpec of a cluster on this cloud -> its facts, with what the cloud puts on such
        nodes itself (AKS: the Spot taint)."""
        ...

    def with_defaults(self, given: dict[str, Any]) -> dict[str, Any]:
        """The coerced config with the cloud's own defaults set where the user wrote none (before
        ``model.defaults.fill``, whose tables hold the defaults every cloud shares, and EKS's)."""
        ...

    def check_create_mode(self, spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                          warnings: list[Finding], region: str | None) -> None:
        """Checks of a stack that creates its cluster: version, API access, network."""
        ...

    def created_pool_specs(self, spec: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
        """(list key, index, defaulted spec) of every pool the stack creates."""
        ...

    def check_node_pool(self, base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                        accelerator_required: bool = True) -> None:
        """Checks of one pool the stack creates (``base``: its key path)."""
        ...

    def node_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        """A checked pool spec -> the pool the cloud creates, with its facts (``region``: where prices vary)."""
        ...

    def system_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        """The system pool spec -> the pool the cloud creates."""
        ...

    def managed_operator_cidrs(self, spec: dict[str, Any]) -> tuple[str, ...]:
        """Where a managed KubeRay operator the cloud hosts outside the cluster's pods connects from, else ()."""
        ...

    def check_pod_identity(self, at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
        """Checks of a service account's cloud identity (``at``: its key path)."""
        ...

    def log_destination(self, at: str, destination: str, days: int, cluster_name: str, region: str | None,
                        findings: list[Finding]) -> tuple[str, str, list[tuple[str, str]]] | None:
        """observability.logs (``at``): (what receives the logs, the Fluent Bit output plugin that writes
        there, its properties), or None after findings."""
        ...

    def cloud_plan(self, spec: dict[str, Any], region: str | None) -> Any:
        """The cloud's own resolved record of a checked create-mode spec (``Platform.cloud_plan``), or None."""
        ...

    def api_access(self, platform: Any) -> str | None:
        """Who can reach a created cluster's API, in the plan's words, where the cloud says it its own way; None:
        the plan's own (EKS's) description."""
        ...

    def cost(self, platform: Any, region: str | None) -> tuple[dict[str, Any], list[Any]] | None:
        """The plan's cost section of a created cluster where the cloud prices it its own way; None: the plan's
        own (EKS's, catalog prices)."""
        ...

    def return_route_targets(self) -> tuple[str, ...]:
        """The keys of ``network.returnRoutes`` entries that name a route's target."""
        ...

    def ships_device_plugin(self, pool: NodePool) -> bool:
        """Whether the pool's node image ships its accelerator's device plugin."""
        ...


_CLOUDS: dict[str, CloudRules] = {}


def register(rules: CloudRules) -> None:
    _CLOUDS[rules.name] = rules


def registered() -> tuple[str, ...]:
    return tuple(sorted(_CLOUDS))


def cloud_rules(name: str = "aws") -> CloudRules:
    try:
        return _CLOUDS[name]
    except KeyError:
        raise LookupError(f"no cloud {name!r} is registered (registered: {', '.join(sorted(_CLOUDS)) or 'none'}); "
                          "import raystack to register the clouds it ships") from None

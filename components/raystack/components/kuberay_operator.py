"""KubeRayOperator: the KubeRay CRDs and operator, pinned together.

The CRDs are applied as Pulumi resources (server-side apply, the default in
pulumi-kubernetes v4; they are too large for client-side apply) from the
pinned KubeRay tag, so they are upgraded with the operator: Helm never
upgrades CRDs. The chart is installed with `skip_crds` on the system pool.
By default the CRDs are retained on destroy, because deleting a CRD deletes
every custom resource of that kind in the cluster, other stacks' included.
"""


import os
from typing import Any, TypedDict, cast

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from .. import versions
from .._k8s import pinned_release, pss_namespace
from ..kube.crds import CrdUnavailable, verified_crd_files
from ..kube.values import kuberay_values
from ..model import defaults
from ..model.findings import ConfigError, Finding


class KubeRayOperatorArgs(TypedDict):
    """Inputs of a KubeRayOperator."""

    node_selector: dict[str, str]
    """Where the operator runs (the system pool)."""
    namespace: NotRequired[str]
    """Namespace of the operator (default kuberay-system; Pod Security restricted)."""
    retain_crds_on_delete: NotRequired[bool]
    """Leave the CRDs in the cluster on destroy (default true): deleting a CRD deletes every
    custom resource of that kind, also other stacks'."""
    feature_gates: NotRequired[list[str]]
    """KubeRay feature gates to turn on besides the chart's defaults (RayCronJob: its controller
    runs only with it)."""
    retain_namespace_on_delete: NotRequired[bool]
    """Keep the operator's namespace on destroy (default false). Set it on a cluster raystack did not
    create: the namespace may exist already and hold other objects, and deleting a namespace deletes
    everything in it."""


def _crd_files() -> list[str]:
    """The verified CRD files. Under raystack's mock engine (raystack plan, tests) with no verified
    copy at hand, the pinned URLs stand in: nothing is applied there."""
    try:
        return verified_crd_files()
    except CrdUnavailable as e:
        if os.environ.get("RAYSTACK_MOCK_ENGINE") == "1":
            return versions.kuberay_crd_urls()
        raise ConfigError([Finding("kuberay.crds", versions.kuberay_git_tag(), str(e))]) from None


CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"


def force_transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """Every CRD is applied with force (``pulumi.com/patchForce``). Otherwise CRDs that another manager
    left would conflict on every field whose value differs (kubernetes-deploy-review 2, N7). That
    manager may be a Helm-uninstalled operator, or this stack's own CRDs, retained across a destroy and
    a KubeRay bump: each Pulumi resource applies as a field manager of its own (pulumi-kubernetes
    v4.32.0 provider.go). The operator raystack installs needs its own CRD version."""
    if args.type_ != CRD_TYPE:
        return None
    meta: dict[str, Any] = dict(cast(dict[str, Any], args.props.get("metadata") or {}))
    meta["annotations"] = {**(meta.get("annotations") or {}), "pulumi.com/patchForce": "true"}
    return pulumi.ResourceTransformResult(props={**args.props, "metadata": meta}, opts=args.opts)


def retain_transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
    """Marks every object the CRD group renders as retained on delete."""
    return pulumi.ResourceTransformResult(
        props=args.props, opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=True)))


class KubeRayOperator(pulumi.ComponentResource):
    """The KubeRay operator and its CRDs at one pinned version."""

    namespace: pulumi.Output[str]
    """Namespace the operator runs in."""
    version: pulumi.Output[str]
    """KubeRay version of the operator and CRDs."""

    def __init__(self, name: str, args: KubeRayOperatorArgs, opts: pulumi.ResourceOptions | None = None):
        crd_files = _crd_files()  # fails before registering anything
        super().__init__("raystack:index:KubeRayOperator", name, {}, opts)
        a = defaults.fill(KubeRayOperatorArgs, args)
        retain = a["retain_crds_on_delete"]
        ns = pss_namespace(f"{name}-ns", a["namespace"], "restricted", pulumi.ResourceOptions(
            parent=self, retain_on_delete=a["retain_namespace_on_delete"] or None))
        self.crds = k8s.yaml.v2.ConfigGroup(
            f"{name}-crds",
            files=crd_files,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=retain,
                                        transforms=[force_transform, *([retain_transform] if retain else [])]),
        )
        self.release = pinned_release(
            f"{name}-chart",
            release_name="kuberay-operator",
            chart=versions.KUBERAY_CHART,
            version=versions.KUBERAY_VERSION,
            repo=versions.KUBERAY_CHART_REPO,
            namespace=ns.metadata.name,
            skip_crds=True,
            values=kuberay_values(a["node_selector"], tuple(a["feature_gates"])),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.crds]),
        )
        self.namespace = ns.metadata.name
        self.version = pulumi.Output.from_input(versions.KUBERAY_VERSION)
        self.register_outputs({"namespace": self.namespace, "version": self.version})

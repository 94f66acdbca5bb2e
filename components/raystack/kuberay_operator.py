"""KubeRayOperator: the KubeRay CRDs and operator, pinned together.

The CRDs are applied as Pulumi resources (server-side apply, the default in
pulumi-kubernetes v4; they are too large for client-side apply) from the
pinned KubeRay tag, so they are upgraded with the operator: Helm never
upgrades CRDs. The chart is installed with `skip_crds` on the system pool.
By default the CRDs are retained on destroy, because deleting a CRD deletes
every custom resource of that kind in the cluster, other stacks' included.
"""


from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from . import versions
from .addons import KUBERAY_NAMESPACE, kuberay_values, pss_labels
from .helm import pinned_release


class KubeRayOperatorArgs(TypedDict):
    node_selector: dict[str, str]
    namespace: NotRequired[str]
    retain_crds_on_delete: NotRequired[bool]


def retain_transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
    """Marks every object the CRD group renders as retained on delete."""
    return pulumi.ResourceTransformResult(
        props=args.props, opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=True)))


class KubeRayOperator(pulumi.ComponentResource):
    namespace: pulumi.Output[str]
    version: pulumi.Output[str]

    def __init__(self, name: str, args: KubeRayOperatorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:KubeRayOperator", name, {}, opts)
        retain = args.get("retain_crds_on_delete", True)
        ns = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.get("namespace", KUBERAY_NAMESPACE),
                                                labels=pss_labels("restricted")),
            opts=pulumi.ResourceOptions(parent=self))
        self.crds = k8s.yaml.v2.ConfigGroup(
            f"{name}-crds",
            files=versions.kuberay_crd_urls(),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=retain,
                                        transforms=[retain_transform] if retain else None),
        )
        self.release = pinned_release(
            f"{name}-chart",
            release_name="kuberay-operator",
            chart=versions.KUBERAY_CHART,
            version=versions.KUBERAY_VERSION,
            repo=versions.KUBERAY_CHART_REPO,
            namespace=ns.metadata.name,
            skip_crds=True,
            values=kuberay_values(args["node_selector"]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.crds]),
        )
        self.namespace = ns.metadata.name
        self.version = pulumi.Output.from_input(versions.KUBERAY_VERSION)
        self.register_outputs({"namespace": self.namespace, "version": self.version})

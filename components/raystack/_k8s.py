"""Kubernetes resource helpers shared by components: pinned Helm releases and namespaces with
Pod Security labels (helpers, not components)."""

from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from .kube.ownership import no_takeover_policy, policy_name
from .kube.values import pss_labels


def pinned_release(resource_name: str, *, release_name: str, chart: str, version: str, repo: str,
                   namespace: pulumi.Input[str], values: pulumi.Input[dict[str, Any]], opts: pulumi.ResourceOptions,
                   skip_crds: bool = False, timeout: int | None = None) -> k8s.helm.v3.Release:
    """A Helm release with chart, version and repository always set (an ``oci://`` repository
    is part of the chart reference, as Helm takes it). ``timeout``: seconds Helm's wait may take
    (pulumi-kubernetes v4.32.0 helm_release.go: client.Wait unless skipAwait, default 300)."""
    oci = repo.startswith("oci://")
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=f"{repo.rstrip('/')}/{chart}" if oci else chart,
        version=version,
        repository_opts=None if oci else k8s.helm.v3.RepositoryOptsArgs(repo=repo),
        namespace=namespace,
        skip_crds=skip_crds,
        timeout=timeout,
        values=values,
        opts=opts,
    )


#: Why a namespace enforces less than Pod Security restricted (on the namespace, for whoever audits it).
PSS_REASON_ANNOTATION = "raystack.io/pod-security-reason"


def pss_namespace(resource_name: str, name: str, level: str, opts: pulumi.ResourceOptions,
                  warn: str | None = None, reason: str | None = None) -> k8s.core.v1.Namespace:
    """A namespace enforcing a Pod Security Standards level (warn/audit at ``warn``, default the
    same); ``reason``: why it is below restricted."""
    return k8s.core.v1.Namespace(
        resource_name, metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name, labels=pss_labels(level, warn),
            annotations={PSS_REASON_ANNOTATION: reason} if reason else None), opts=opts)


def privileged_release(prefix: str, chart: Any, values: pulumi.Input[dict[str, Any]], reason: str,
                       opts: pulumi.ResourceOptions, *, namespace: str | None = None,
                       release_resource: str | None = None, timeout: int | None = None) -> k8s.helm.v3.Release:
    """A pinned chart (a ``versions.HelmChart``) in a namespace of its own that enforces Pod Security
    privileged, with ``reason`` on the namespace (and so in the plan). Resources ``<prefix>-ns`` and
    ``release_resource`` (default ``<prefix>-chart``); the release waits for its namespace."""
    ns = pss_namespace(f"{prefix}-ns", namespace or chart.namespace, "privileged", opts, reason=reason)
    return pinned_release(release_resource or f"{prefix}-chart", release_name=chart.release_name, chart=chart.chart,
                          version=chart.version, repo=chart.repo, namespace=ns.metadata.name, values=values, opts=opts,
                          timeout=timeout)


def device_plugin_release(component: pulumi.Resource, name: str, kind: str,
                          namespace: pulumi.Input[str] | None = None) -> k8s.helm.v3.Release:
    """The device plugin of one accelerator kind, from its row: chart pin, values, namespace. A
    namespace of its own (Pod Security privileged: the plugin mounts host paths) unless the chart
    installs into kube-system."""
    from .clouds.aws.ami import oses_shipping_device_plugin
    from .hardware.accelerators import ACCELERATOR_KINDS
    from .kube.values import device_plugin_values

    row = ACCELERATOR_KINDS[kind]
    chart = row.device_plugin
    assert chart is not None, f"{kind} has no device plugin"
    ns = namespace or chart.namespace
    values = device_plugin_values(row, oses_shipping_device_plugin(kind))
    opts = pulumi.ResourceOptions(parent=component)
    if ns != "kube-system":
        return privileged_release(name, chart, values, "the device plugin mounts the kubelet's device-plugin directory "
                                  "from the host (hostPath), which baseline and restricted reject", opts,
                                  namespace=str(ns))
    return pinned_release(f"{name}-chart", release_name=chart.release_name, chart=chart.chart, version=chart.version,
                          repo=chart.repo, namespace=ns, values=values, opts=opts)


def no_takeover_guard(resource_name: str, opts: pulumi.ResourceOptions) -> k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding:
    """The admission policy that keeps raystack from taking over a Ray object it did not create
    (``kube.ownership``), bound with Deny; Ray objects depend on the binding."""
    name = policy_name(pulumi.get_project(), pulumi.get_stack())
    spec, binding = no_takeover_policy(name)
    policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        resource_name, metadata=k8s.meta.v1.ObjectMetaArgs(name=name), spec=cast(Any, spec), opts=opts)
    return k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        resource_name, metadata=k8s.meta.v1.ObjectMetaArgs(name=name), spec=cast(Any, binding),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])))


def redis_password_secret(resource_name: str, namespace: str, password: Any,
                          opts: pulumi.ResourceOptions) -> k8s.core.v1.Secret:
    """The gcsFaultTolerance Redis password in a namespace's Secret (ray.gcs: the name and key the
    clusters' gcsFaultToleranceOptions read), kept secret in state."""
    from .ray.gcs import PASSWORD_KEY, PASSWORD_SECRET

    return k8s.core.v1.Secret(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=PASSWORD_SECRET, namespace=namespace,
                                            labels={"app.kubernetes.io/managed-by": "pulumi"}),
        type="Opaque", string_data={PASSWORD_KEY: pulumi.Output.secret(password)}, opts=opts)

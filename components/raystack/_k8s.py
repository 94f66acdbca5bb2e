"""Kubernetes resource helpers shared by components: pinned Helm releases and namespaces with
Pod Security labels (helpers, not components)."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .kube.values import pss_labels


def pinned_release(resource_name: str, *, release_name: str, chart: str, version: str, repo: str,
                   namespace: pulumi.Input[str], values: dict[str, Any], opts: pulumi.ResourceOptions,
                   skip_crds: bool = False) -> k8s.helm.v3.Release:
    """A Helm release with chart, version and repository always set."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart,
        version=version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repo),
        namespace=namespace,
        skip_crds=skip_crds,
        values=values,
        opts=opts,
    )


def pss_namespace(resource_name: str, name: str, level: str, opts: pulumi.ResourceOptions,
                  warn: str | None = None) -> k8s.core.v1.Namespace:
    """A namespace enforcing a Pod Security Standards level (warn/audit at ``warn``, default the same)."""
    return k8s.core.v1.Namespace(
        resource_name, metadata=k8s.meta.v1.ObjectMetaArgs(name=name, labels=pss_labels(level, warn)), opts=opts)

"""Pinned Helm releases (a helper, not a component): chart, version and repository always set."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def pinned_release(resource_name: str, *, release_name: str, chart: str, version: str, repo: str,
                   namespace: pulumi.Input[str], values: dict[str, Any], opts: pulumi.ResourceOptions,
                   skip_crds: bool = False) -> k8s.helm.v3.Release:
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

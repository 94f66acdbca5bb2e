"""GitOps rendering for ``raystack plan --out``: every Kubernetes object the program registers
as YAML, plus Argo CD Applications for the Helm charts and the KubeRay CRDs, ordered with sync
waves. Secrets are never written. Pulumi-free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ... import versions
from ...model.findings import Finding
from ...testing.values import restore_ints
from ..objects import CONFIG_GROUP_TYPE, HELM_RELEASE_TYPE, _contains_secret, issue, k8s_objects

ARGOCD_NAMESPACE = "argocd"
IN_CLUSTER = "https://kubernetes.default.svc"
#: Argo CD sync waves: CRDs, then namespaces, then charts (operator), then Ray clusters.
WAVE_CRDS, WAVE_NAMESPACES, WAVE_CHARTS, WAVE_WORKLOADS = -2, -1, 0, 1

def argo_applications(recording: Any, project: str, stack: str) -> list[tuple[str, dict[str, Any]]]:
    """One Argo CD Application per Helm release and per CRD ConfigGroup."""
    apps = []
    for r in recording.resources:
        inputs = restore_ints(r.inputs)
        if r.type == HELM_RELEASE_TYPE:
            release = inputs.get("name") or r.name
            is_operator = inputs.get("chart") == versions.KUBERAY_CHART
            helm: dict[str, Any] = {"releaseName": release}
            if inputs.get("values"):
                helm["valuesObject"] = inputs["values"]
            if inputs.get("skipCrds"):
                helm["skipCrds"] = True
            chart = str(inputs.get("chart") or "")
            if chart.startswith("oci://"):  # Argo CD: an OCI Helm repository is its host/path, no scheme
                repo_url, _, chart = chart[len("oci://"):].rpartition("/")
            else:
                repo_url = (inputs.get("repositoryOpts") or {}).get("repo", "")
            source = {"repoURL": repo_url, "chart": chart, "targetRevision": inputs.get("version"), "helm": helm}
            sync = ["ServerSideApply=true"]
            apps.append((r.urn, _application(f"{stack}-{release}", project, stack, source,
                                             inputs.get("namespace") or "default", WAVE_CHARTS, sync,
                                             operator=is_operator)))
        elif r.type == CONFIG_GROUP_TYPE and any(versions.KUBERAY_CRD_PLURALS[0] in str(f)
                                                 for f in inputs.get("files") or []):
            source = {"repoURL": versions.KUBERAY_GIT_REPO, "path": versions.kuberay_crd_path(),
                      "targetRevision": versions.kuberay_git_tag()}
            app = _application(f"{stack}-kuberay-crds", project, stack, source, "default", WAVE_CRDS,
                               ["ServerSideApply=true", "Replace=true"])
            # CRDs outlive the app (as in the Pulumi program, retain_on_delete): deleting a
            # CRD deletes every RayCluster in the cluster. No resources finalizer, no prune.
            app["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] = "Prune=false"
            app["spec"]["syncPolicy"]["automated"]["prune"] = False
            apps.append((r.urn, app))
    return apps


def _application(name: str, project: str, stack: str, source: dict[str, Any], namespace: str, wave: int,
                 sync_options: list[str], operator: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": ARGOCD_NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": "raystack", "raystack.io/stack": stack,
                       "raystack.io/project": project},
            "annotations": {"argocd.argoproj.io/sync-wave": str(wave)},
        },
        "spec": {
            "project": "default",
            "source": source,
            "destination": {"server": IN_CLUSTER, "namespace": namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": list(sync_options)},
        },
    }


def _wave(obj: dict[str, Any]) -> int:
    if obj["kind"] == "Namespace":
        return WAVE_NAMESPACES
    if obj["kind"] == "CustomResourceDefinition":
        return WAVE_CRDS
    return WAVE_WORKLOADS


#: Annotations only pulumi-kubernetes reads (await, SSA force): dropped from rendered files.
PULUMI_ANNOTATIONS = "pulumi.com/"
MANAGED_BY = "app.kubernetes.io/managed-by"


def gitops_files(recording: Any, project: str, stack: str) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """File name -> object for ``--out``: every Kubernetes object the program
    registers plus the Argo CD Applications. Objects holding a secret are left out."""
    files: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    for urn, obj in k8s_objects(recording):
        if obj["apiVersion"].startswith("karpenter."):
            # The EC2NodeClass names the node role Pulumi generates, which no offline render knows; and
            # autoscaler karpenter is applied by `pulumi up` only (karpenter_rules refuses gitops delivery).
            findings.append(issue("warning", "karpenter", urn, "spec", f"{obj['kind']} not written to --out: "
                                  "Karpenter's objects are applied by `pulumi up` (autoscaler karpenter has no gitops "
                                  "delivery yet)"))
            continue
        if obj["kind"] == "Secret" or _contains_secret(obj):
            meta = obj.get("metadata") or {}
            where = f"Secret {meta.get('namespace')}/{meta.get('name')}" if obj["kind"] == "Secret" else "it"
            findings.append(issue("warning", "secrets", urn, "inputs",
                                    f"holds a secret; not written to --out: create {where} out of band (a "
                                    "sealed or external secret)"))
            continue
        obj = json.loads(json.dumps(obj))
        meta = obj.setdefault("metadata", {})
        # What tells pulumi-kubernetes how to await and apply (pulumi.com/*) means nothing to Argo CD, and the
        # object is not Pulumi's once Argo CD applies it (newcomer review P5).
        ann = {k: v for k, v in (meta.get("annotations") or {}).items() if not k.startswith(PULUMI_ANNOTATIONS)}
        meta["annotations"] = ann
        labels = meta.get("labels") or {}
        if labels.get(MANAGED_BY) == "pulumi":
            labels[MANAGED_BY] = "argocd"
        ann["argocd.argoproj.io/sync-wave"] = str(_wave(obj))
        if obj["apiVersion"].startswith("ray.io/"):
            # The CRD may not exist yet at dry-run time on a fresh cluster.
            options = ["SkipDryRunOnMissingResource=true"]
            if obj["kind"] == "RayJob":
                # KubeRay reads a RayJob's spec only when it starts: an edit must replace it, as Pulumi does
                # (replaceOnChanges). Replace=true,Force=true makes gitops-engine delete and create it
                # (sync_context.go, argo-cd@37ee0097; kubernetes-deploy-review 2, N8).
                options += ["Replace=true", "Force=true"]
            ann["argocd.argoproj.io/sync-options"] = ",".join(options)
        files[object_filename(obj)] = obj
    for urn, app in argo_applications(recording, project, stack):
        if "karpenter" in str(((app.get("spec") or {}).get("source") or {}).get("chart", "")):
            continue  # with the objects above: the controller is pulumi up's
        if _contains_secret(app):
            findings.append(issue("warning", "secrets", urn, "values",
                                    "Helm values hold a secret; Application not written"))
            continue
        files[object_filename(app)] = app
    return files, findings


def object_filename(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    parts = [obj["kind"].lower()]
    if meta.get("namespace"):
        parts.append(meta["namespace"])
    parts.append(meta.get("name", "unnamed"))
    return ".".join(parts) + ".yaml"


#: RayCluster fields the Ray autoscaler owns: Argo CD must neither report nor reset them.
AUTOSCALER_OWNED = {"group": "ray.io", "kind": "RayCluster",
                    "jqPathExpressions": [".spec.workerGroupSpecs[].replicas",
                                          ".spec.workerGroupSpecs[].scaleStrategy"]}


def object_applications(files: dict[str, dict[str, Any]], project: str, stack: str, repo_url: str,
                        path: str) -> dict[str, dict[str, Any]]:
    """Two Applications for the rendered objects, so every one is deployed by some Application:
    the namespaces (before the charts, which install into them) and the rest (after the operator),
    with the autoscaler-owned replicas ignored and left alone on sync (RespectIgnoreDifferences)."""
    rendered = sorted(n for n, o in files.items() if o.get("kind") != "Application")
    namespaces = [n for n in rendered if files[n]["kind"] == "Namespace"]
    rest = [n for n in rendered if files[n]["kind"] != "Namespace"]
    out = {}
    for suffix, names, wave, sync in (
            ("namespaces", namespaces, WAVE_NAMESPACES, ["ServerSideApply=true"]),
            # ApplyOutOfSyncOnly: an unchanged RayJob is not replaced (re-run) on every sync.
            ("ray", rest, WAVE_WORKLOADS, ["ServerSideApply=true", "RespectIgnoreDifferences=true",
                                           "ApplyOutOfSyncOnly=true"])):
        if not names:
            continue
        source = {"repoURL": repo_url, "path": path, "targetRevision": "HEAD",
                  "directory": {"include": "{" + ",".join(names) + "}"}}
        app = _application(f"{stack}-{suffix}", project, stack, source, "default", wave, sync)
        if suffix == "ray":
            app["spec"]["ignoreDifferences"] = [dict(AUTOSCALER_OWNED)]
        out[object_filename(app)] = app
    return out


def manifest_name(stack: str) -> str:
    """The file in which ``--out`` lists what it wrote for a stack (what it may prune next time)."""
    return f".raystack-out.{stack}.json"


def write_files(out_dir: Path, files: dict[str, dict[str, Any]], stack: str = "") -> tuple[list[Path], list[Path]]:
    """Write the files and prune those this stack's previous run wrote and this one does not (a
    deleted cluster's); files raystack did not write are never touched. (written, pruned)."""
    import yaml

    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / manifest_name(stack)
    try:
        previous = set(json.loads(manifest.read_text()).get("files", []))
    except (OSError, ValueError):
        previous = set()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    written = []
    for name, obj in sorted(files.items()):
        p = out_dir / name
        p.write_text(yaml.dump(obj, Dumper=dumper, sort_keys=False, default_flow_style=False))
        written.append(p)
    # Files another stack's run wrote into the same directory (a shared namespace.*.yaml) are that stack's
    # too: this one stops listing them but never deletes them (newcomer review P5).
    others: set[str] = set()
    for m in out_dir.glob(manifest_name("*")):
        if m != manifest:
            try:
                others |= set(json.loads(m.read_text()).get("files", []))
            except (OSError, ValueError):
                continue
    pruned = []
    for name in sorted(previous - set(files) - others):
        p = out_dir / name
        if p.parent == out_dir and p.is_file():  # only plain names this stack wrote into this directory
            p.unlink()
            pruned.append(p)
    manifest.write_text(json.dumps({"stack": stack, "files": sorted(files)}, indent=1) + "\n")
    return written, pruned

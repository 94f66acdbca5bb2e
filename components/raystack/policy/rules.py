"""The rules of raystack's policy pack, as pure functions over planned resources. Pulumi-free.

A resource rule reads one resource (type token, properties as the engine sends them: camelCase,
booleans and numbers possibly as strings); a stack rule reads them all. Each returns one message
per violation. `raystack plan` runs them over the mock engine's registrations; ``pack`` wraps them
for `pulumi preview --policy-pack policies/`. The environment (``raystack.io/environment`` tag on
the AWS resources) decides the rules that differ between dev and prod.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..kube.selectors import selects
from ..ray.workloads import CLUSTER_SPEC_PATHS, cluster_pod_templates, cluster_spec_of
from ..rules.ray import BROAD_MANAGED_POLICIES
from ..testing.values import is_true as _true
from .pss import violations

RAY_TYPES = tuple(f"kubernetes:ray.io/v1:{k}" for k in CLUSTER_SPEC_PATHS)
ENV_TAG = "raystack.io/environment"
#: AMI types of accelerator node groups -> the taint key their pods must tolerate.
ACCELERATOR_AMI_TAINTS = {"NVIDIA": "nvidia.com/gpu", "NEURON": "aws.amazon.com/neuron"}
#: Node labels of accelerator Karpenter NodePools (the presence label raystack sets) -> the same taint key.
ACCELERATOR_LABEL_TAINTS = {"nvidia.com/gpu.present": "nvidia.com/gpu", "aws.amazon.com/neuron.present":
                            "aws.amazon.com/neuron"}
NODEPOOL = "kubernetes:karpenter.sh/v1:NodePool"
NODECLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"


@dataclass(frozen=True)
class Res:
    """A resource as a rule sees it."""

    type: str
    name: str
    #: A dict, or pulumi-policy's read-only Mapping proxy of one.
    props: Any


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    #: Resource types it reads (a resource rule), or None (a stack rule: all resources at once).
    types: tuple[str, ...] | None
    check: Callable[..., list[str]]
    #: Mandatory rules block (an error in the plan); advisory ones warn (cost, not security).
    mandatory: bool = True




def _env(props: dict[str, Any]) -> str | None:
    return (props.get("tags") or {}).get(ENV_TAG)


#: raystack marks what a stack deliberately loosened (ray/raycluster.py OPT_OUT_ANNOTATION) and the namespaces
#: it runs below restricted (_k8s.py PSS_REASON_ANNOTATION); rules skip those, and ray-opt-outs lists them.
OPT_OUT = "raystack.io/opt-out"
PSS_REASON = "raystack.io/pod-security-reason"


def opted_out(r: Res, what: str) -> bool:
    annotations = (r.props.get("metadata") or {}).get("annotations") or {}
    return what in str(annotations.get(OPT_OUT) or "").split(",")


def cluster_specs(r: Res) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, Ray cluster spec) of a RayCluster, or the cluster a RayJob, RayService or RayCronJob embeds."""
    kind = r.type.rsplit(":", 1)[-1]
    found = cluster_spec_of(kind, r.props.get("spec"))
    if found:
        yield ("spec" if kind == "RayCluster" else "its cluster"), found


def pod_templates(r: Res) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, pod template) of every Ray pod a Ray object makes: head, groups, submitter."""
    for where, spec in cluster_specs(r):
        for which, template in cluster_pod_templates(spec):
            yield f"{where} {which}", template
    spec = r.props.get("spec") or {}
    job = spec.get("jobTemplate") or spec
    if job.get("submitterPodTemplate"):
        yield "submitter", job["submitterPodTemplate"]


# --- resource rules ------------------------------------------------------------------------------

def head_not_exposed(r: Res) -> list[str]:
    """Services of type LoadBalancer or NodePort and Ingresses reaching Ray, and Ray heads or Serve
    Services not of type ClusterIP, need an explicit allow-list (loadBalancerSourceRanges)."""
    out = []
    if r.type.endswith(":Ingress"):
        return ["an Ingress: Ray's dashboard, Jobs API and Serve run code for whoever reaches them; expose "
                "them only through an allow-listed load balancer"]
    if r.type == "kubernetes:core/v1:Service":
        spec = r.props.get("spec") or {}
        selects_ray = any(k.startswith("ray.io/") for k in (spec.get("selector") or {}))
        if selects_ray and spec.get("type") in ("LoadBalancer", "NodePort") and not spec.get("loadBalancerSourceRanges"):
            out.append(f"a {spec.get('type')} Service selecting Ray pods without loadBalancerSourceRanges")
        return out
    for where, spec in cluster_specs(r):
        head = spec.get("headGroupSpec") or {}
        # KubeRay builds the head Service from headService when set; its spec.type overrides serviceType
        # (v1.7.0 ray-operator/controllers/ray/common/service.go BuildServiceForHeadPod).
        kind = ((head.get("headService") or {}).get("spec") or {}).get("type") or head.get("serviceType", "ClusterIP")
        if kind != "ClusterIP":
            out.append(f"{where}: the head Service is {kind} (allowed: ClusterIP)")
        if _true(head.get("enableIngress")):
            out.append(f"{where}: enableIngress exposes the head")
    serve = ((r.props.get("spec") or {}).get("serveService") or {}).get("spec") or {}
    if serve.get("type") in ("LoadBalancer", "NodePort") and not serve.get("loadBalancerSourceRanges"):
        out.append(f"serveService is {serve['type']} without loadBalancerSourceRanges")
    return out


def token_auth(r: Res) -> list[str]:
    if opted_out(r, "auth"):
        return []
    return [f"{where}: authOptions.mode is {((s.get('authOptions') or {}).get('mode') or 'unset')} (must be token)"
            for where, s in cluster_specs(r) if (s.get("authOptions") or {}).get("mode") != "token"]


def restricted_containers(r: Res) -> list[str]:
    """Every Ray pod (and the autoscaler sidecar) meets Pod Security restricted."""
    if opted_out(r, "podSecurity"):
        return []
    out = [f"{where}: {v}" for where, t in pod_templates(r)
           for v in violations(t.get("spec") or {}, (t.get("metadata") or {}).get("annotations"))]
    for where, spec in cluster_specs(r):
        if _true(spec.get("enableInTreeAutoscaling")):
            sidecar = {"containers": [{"name": "autoscaler",
                                       "securityContext": (spec.get("autoscalerOptions") or {}).get("securityContext")}]}
            out += [f"{where} autoscaler: {v}" for v in violations(sidecar)]
    return out


def pods_have_limits(r: Res) -> list[str]:
    out = []
    for where, t in pod_templates(r):
        for c in (t.get("spec") or {}).get("containers") or []:
            limits = (c.get("resources") or {}).get("limits") or {}
            if not {"cpu", "memory"} <= set(limits):
                out.append(f"{where} container {c.get('name')}: no cpu and memory limits")
    return out


def images_pinned(r: Res) -> list[str]:
    out = []
    for where, t in pod_templates(r):
        spec = t.get("spec") or {}
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            image = str(c.get("image") or "")
            last = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in last or last.endswith(":latest")):
                out.append(f"{where} container {c.get('name')}: image {image!r} is not pinned to a tag or digest")
    return out


def _launch(r: Res) -> Any:
    """What a node's launch settings sit in: a launch template's properties, or an EC2NodeClass's spec (Karpenter's
    metadataOptions and blockDeviceMappings have the launch template's names)."""
    return (r.props.get("spec") or {}) if r.type == NODECLASS else r.props


def gpu_pools_tainted(r: Res) -> list[str]:
    if r.type == NODEPOOL:
        tmpl = (r.props.get("spec") or {}).get("template") or {}
        labels = (tmpl.get("metadata") or {}).get("labels") or {}
        keys = {t.get("key") for t in (tmpl.get("spec") or {}).get("taints") or []}
        return [f"accelerator NodePool without the {key} taint: any pod may land there"
                for label, key in ACCELERATOR_LABEL_TAINTS.items() if label in labels and key not in keys]
    ami = str(r.props.get("amiType") or "")
    key = next((k for a, k in ACCELERATOR_AMI_TAINTS.items() if a in ami), None)
    if key is None:
        return []
    keys = {t.get("key") for t in r.props.get("taints") or []}
    return [] if key in keys else [f"accelerator node group ({ami}) without the {key} taint: any pod may land there"]


def gpu_pools_scale_to_zero(r: Res) -> list[str]:
    ami = str(r.props.get("amiType") or "")
    if not any(a in ami for a in ACCELERATOR_AMI_TAINTS) or _env(r.props) == "prod":
        return []
    low = float((r.props.get("scalingConfig") or {}).get("minSize") or 0)
    return [f"accelerator node group keeps {low:g} node(s) running outside prod (minSize must be 0)"] if low else []


def imdsv2_hop_one(r: Res) -> list[str]:
    md = _launch(r).get("metadataOptions") or {}
    out = []
    if md.get("httpTokens") != "required":
        out.append("IMDSv2 not required (metadataOptions.httpTokens)")
    if float(md.get("httpPutResponseHopLimit") or 0) != 1:
        out.append("metadataOptions.httpPutResponseHopLimit must be 1: pods must not reach the node's credentials")
    return out


def volumes_encrypted(r: Res) -> list[str]:
    maps = _launch(r).get("blockDeviceMappings") or []
    if not maps:
        return ["no block device mapping: the image volume's encryption is not set"]
    return [f"volume {m.get('deviceName')} is not encrypted" for m in maps
            if not _true((m.get("ebs") or {}).get("encrypted"))]


def api_not_open(r: Res) -> list[str]:
    vpc = r.props.get("vpcConfig") or {}
    if not _true(vpc.get("endpointPublicAccess")) or _env(r.props) == "dev":
        return []
    cidrs = vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]  # AWS's default when the list is empty
    return ["the Kubernetes API endpoint is open to 0.0.0.0/0 outside dev"] if "0.0.0.0/0" in cidrs else []


def iam_no_wildcards(r: Res) -> list[str]:
    """IAM policies name their actions and never grant S3 on every bucket."""
    try:
        doc = json.loads(r.props.get("policy") or "{}")
    except (TypeError, ValueError):
        return []
    out = []
    for st in doc.get("Statement") or []:
        if st.get("Effect") != "Allow":
            continue
        actions = [st.get("Action")] if isinstance(st.get("Action"), str) else st.get("Action") or []
        resources = [st.get("Resource")] if isinstance(st.get("Resource"), str) else st.get("Resource") or []
        if any(a in ("*", "s3:*") for a in actions):
            out.append(f"statement {st.get('Sid', '')!r} allows {actions}")
        if any(a.startswith("s3:") for a in actions) and "*" in resources:
            out.append(f"statement {st.get('Sid', '')!r} grants S3 on every bucket")
    return out


def node_role_narrow(r: Res) -> list[str]:
    arn = str(r.props.get("policyArn") or "")
    return [f"attaches {arn.rsplit('/', 1)[-1]}: broad S3 or admin rights for every pod that holds the role (a node "
            "role's: every pod on the node)"] if arn.rsplit("/", 1)[-1] in BROAD_MANAGED_POLICIES else []


# --- stack rules ---------------------------------------------------------------------------------

def ray_pod_labels(r: Res) -> list[dict[str, str]]:
    """The labels of each pod a Ray object's cluster makes: its templates' labels, and for a RayCluster the
    `ray.io/cluster` label KubeRay adds to every pod (v1.7.0 ray-operator/controllers/ray/common/pod.go
    labelPod). A RayJob's or RayService's cluster is named by KubeRay (`<name>-<random>`): only its
    templates' labels are known."""
    meta = r.props.get("metadata") or {}
    extra = {"ray.io/cluster": meta.get("name", "")} if r.type.endswith(":RayCluster") else {}
    return [{**((t.get("metadata") or {}).get("labels") or {}), **extra}
            for _, spec in cluster_specs(r) for _, t in cluster_pod_templates(spec)]


def _isolates(policy: dict[str, Any], pods: list[dict[str, str]]) -> bool:
    """A NetworkPolicy that selects every one of ``pods`` and governs their ingress (policyTypes lists
    Ingress, or is absent: Kubernetes then always includes Ingress)."""
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types and "Ingress" not in types:
        return False
    try:
        return all(selects(spec.get("podSelector") or {}, p) for p in pods)
    except ValueError:
        return False


def ray_namespaces_isolated(resources: list[Res]) -> list[str]:
    """Every Ray object's pods are selected by a NetworkPolicy of their namespace, and each namespace with
    Ray objects enforces Pod Security restricted (kubernetes-deploy-review 2, N12: a policy for another
    cluster of the namespace isolates nothing here)."""
    ray = [r for r in resources if r.type in RAY_TYPES]
    policies: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy":
            policies.setdefault((r.props.get("metadata") or {}).get("namespace") or "", []).append(r.props)
    labels = {(r.props.get("metadata") or {}).get("name"): (r.props.get("metadata") or {}).get("labels") or {}
              for r in resources if r.type == "kubernetes:core/v1:Namespace"
              and not ((r.props.get("metadata") or {}).get("annotations") or {}).get(PSS_REASON)}
    out = []
    for r in ray:
        ns = (r.props.get("metadata") or {}).get("namespace") or ""
        pods = ray_pod_labels(r)
        if pods and not opted_out(r, "networkPolicy") and not any(_isolates(p, pods) for p in policies.get(ns, [])):
            out.append(f"{r.type.rsplit(':', 1)[-1]} {ns}/{(r.props.get('metadata') or {}).get('name')}: no "
                       "NetworkPolicy of its namespace selects its pods")
    for ns in sorted({str((r.props.get("metadata") or {}).get("namespace") or "") for r in ray} - {""}):
        if ns in labels and labels[ns].get("pod-security.kubernetes.io/enforce") != "restricted":
            out.append(f"namespace {ns}: enforces Pod Security {labels[ns].get('pod-security.kubernetes.io/enforce')!r}"
                       ", not restricted")
    return out


def opt_outs(r: Res) -> list[str]:
    """Advisory: each loosening a stack chose, so `pulumi preview --policy-pack` still shows it."""
    annotations = (r.props.get("metadata") or {}).get("annotations") or {}
    return [f"opted out of {what} (raystack config)" for what in str(annotations.get(OPT_OUT) or "").split(",") if what]


def head_not_on_spot(resources: list[Res]) -> list[str]:
    spot = {(r.props.get("labels") or {}).get("raystack.io/pool") for r in resources
            if r.type == "aws:eks/nodeGroup:NodeGroup" and r.props.get("capacityType") == "SPOT"}
    out = []
    for r in resources:
        if r.type not in RAY_TYPES:
            continue
        for where, spec in cluster_specs(r):
            pool = ((((spec.get("headGroupSpec") or {}).get("template") or {}).get("spec") or {})
                    .get("nodeSelector") or {}).get("raystack.io/pool")
            if pool in spot:
                out.append(f"{r.name} ({where}): the head runs on Spot pool {pool}; an interruption ends the cluster")
    return out


RULES: tuple[Rule, ...] = (
    Rule("ray-head-not-exposed", "No LoadBalancer, NodePort or Ingress reaches Ray without an allow-list.",
         ("kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:Ingress", *RAY_TYPES), head_not_exposed),
    Rule("ray-token-auth", "Every Ray cluster authenticates with a token.", RAY_TYPES, token_auth),
    Rule("ray-pods-restricted", "Every Ray pod meets Pod Security restricted.", RAY_TYPES, restricted_containers),
    Rule("ray-pods-have-limits", "Every Ray container has CPU and memory limits.", RAY_TYPES, pods_have_limits),
    Rule("ray-images-pinned", "Ray images are pinned to a tag or digest, never latest.", RAY_TYPES, images_pinned),
    Rule("gpu-pools-tainted", "Accelerator node groups and Karpenter NodePools carry their accelerator's taint.",
         ("aws:eks/nodeGroup:NodeGroup", NODEPOOL), gpu_pools_tainted),
    Rule("gpu-pools-scale-to-zero", "Accelerator node groups scale to zero outside prod.",
         ("aws:eks/nodeGroup:NodeGroup",), gpu_pools_scale_to_zero, mandatory=False),
    Rule("imdsv2-hop-limit-1", "Launch templates and EC2NodeClasses require IMDSv2 with hop limit 1.",
         ("aws:ec2/launchTemplate:LaunchTemplate", NODECLASS), imdsv2_hop_one),
    Rule("volumes-encrypted", "Launch templates and EC2NodeClasses encrypt every volume.",
         ("aws:ec2/launchTemplate:LaunchTemplate", NODECLASS), volumes_encrypted),
    Rule("api-endpoint-not-open", "The EKS API endpoint is not open to 0.0.0.0/0 outside dev.",
         ("aws:eks/cluster:Cluster",), api_not_open),
    Rule("iam-no-wildcards", "IAM policies name their actions and never grant S3 on every bucket.",
         ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"), iam_no_wildcards),
    Rule("node-role-narrow", "No broad S3 or admin managed policy is attached to a node or Pod Identity role.",
         ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",), node_role_narrow),
    Rule("ray-namespaces-isolated", "Each Ray namespace has a NetworkPolicy and enforces Pod Security restricted.",
         None, ray_namespaces_isolated),
    Rule("ray-head-not-on-spot", "No Ray head runs on Spot capacity.", None, head_not_on_spot),
    Rule("ray-opt-outs", "Loosenings a stack chose (networkPolicy: false, auth: disabled, security: relaxed).",
         RAY_TYPES, opt_outs, mandatory=False),
)


def check_all(resources: list[Res]) -> list[tuple[Rule, Res | None, str]]:
    """(rule, resource or None for a stack rule, message) of every violation."""
    out: list[tuple[Rule, Res | None, str]] = []
    for rule in RULES:
        if rule.types is None:
            out += [(rule, None, m) for m in rule.check(resources)]
            continue
        for r in resources:
            if r.type in rule.types:
                out += [(rule, r, m) for m in rule.check(r)]
    return out

"""Every pinned version raystack uses, in one place.

Nothing else in the package spells a version. Components, the plan command,
the Argo CD manifests and the tests all read these constants, so a bump is a
one-line change here plus whatever the version rules below reject.
Pulumi-free on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- EKS -------------------------------------------------------------------
#: Kubernetes minor the EKS control plane and node groups run by default.
EKS_VERSION = "1.35"
#: Minors raystack is tested against (the Cluster Autoscaler pins below must
#: cover each of them).
#: 1.33 left standard support on 2026-07-29; 1.36 has no released Cluster
#: Autoscaler chart yet (kubernetes/autoscaler PR #10091 still open).
EKS_SUPPORTED_VERSIONS = ("1.34", "1.35")
#: The day each minor leaves EKS standard support (14 months after its EKS release; extended support,
#: billed per cluster hour, follows for 12 months: EKS user guide, kubernetes-versions; dates as
#: endoflife.date/amazon-eks lists them).
EKS_STANDARD_SUPPORT_ENDS = {"1.34": "2026-12-02", "1.35": "2027-03-27"}
#: EKS control-plane price per cluster hour, us-east-1 (Amazon EKS pricing): standard and extended support.
EKS_CONTROL_PLANE_USD_PER_HOUR = {"standard": 0.10, "extended": 0.60}


def eks_support(version: str, today: str | None = None) -> str:
    """``standard`` or ``extended``: where ``version`` is on ``today`` (ISO date; default the
    ``RAYSTACK_TODAY`` environment variable, else the date of the machine planning)."""
    import datetime
    import os

    day = today or os.environ.get("RAYSTACK_TODAY") or datetime.date.today().isoformat()
    end = EKS_STANDARD_SUPPORT_ENDS.get(version)
    return "extended" if end is not None and day > end else "standard"

# --- AKS (cloud: azure) ------------------------------------------------------
#: pulumi-azure-native, the provider the AKS backend builds with (the `azure` extra), and the Azure REST API
#: version its default modules speak: containerservice ManagedCluster and AgentPool "Use Azure REST API version
#: 2025-09-01" (their docstrings in the 3.29.0 wheel). The request-shape oracle (tests/test_azure_oracle.py) is
#: azure-mgmt-containerservice 40.1.0, whose default api_version is the same 2025-09-01.
AZURE_NATIVE_VERSION = "3.29.0"
AKS_API_VERSION = "2025-09-01"
#: Kubernetes minor an AKS cluster runs by default, and the minors raystack allows. AKS supports three GA minors
#: (N-2) with 12 months of support each (MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md);
#: which minors a region offers today is `az aks get-versions --location <location>` (not readable offline).
AKS_VERSION = "1.35"
AKS_SUPPORTED_VERSIONS = ("1.34", "1.35", "1.36")
#: AKS's managed KubeRay (kuberay.operator: managed): the cluster extension type and release train
#: (learn.microsoft.com azure/aks/kuberay-overview, preview), which needs Kubernetes 1.34 or newer. Its KubeRay
#: version is chosen by AKS and cannot be pinned here (the plan says so).
AKS_KUBERAY_EXTENSION_TYPE = "microsoft.kuberay"
AKS_KUBERAY_EXTENSION_TRAIN = "preview"
AKS_KUBERAY_EXTENSION_MIN_KUBERNETES = "1.34"
#: AKS control plane per cluster hour: the Free tier has no charge, Standard (the uptime SLA) is $0.10
#: (learn.microsoft.com azure/aks/free-standard-pricing-tiers). raystack creates Standard clusters.
AKS_CONTROL_PLANE_USD_PER_HOUR = 0.10

# --- GKE (cloud: gcp) ---------------------------------------------------------
#: pulumi-gcp, the provider the GKE backend builds with (the `gcp` extra): its container.Cluster and NodePool speak
#: the GKE API v1 (container.googleapis.com). The request-shape oracle (tests/test_gke_oracle.py) is that API's
#: discovery document as google-api-python-client 2.202.0 ships it (revision GKE_DISCOVERY_REVISION).
PULUMI_GCP_VERSION = "10.2.0"
GKE_DISCOVERY_REVISION = "20261027"
#: Kubernetes minor a GKE cluster runs by default (minMasterVersion), and the minors raystack allows, on the release
#: channel GKE_RELEASE_CHANNEL. Which versions a channel offers today is `gcloud container get-server-config`
#: (not readable offline); a minor the channel no longer offers fails at create with GKE's own message.
GKE_VERSION = "1.34"
GKE_SUPPORTED_VERSIONS = ("1.33", "1.34", "1.35")
GKE_RELEASE_CHANNEL = "REGULAR"
#: GKE's Ray Operator add-on (kuberay.operator: managed): "The minimum cluster version to enable Ray is
#: 1.30.0-gke.1747000" (pulumi-gcp 10.2.0, ClusterAddonsConfigRayOperatorConfigArgs). Its KubeRay version follows
#: the GKE version and cannot be pinned (the plan says so).
GKE_RAY_OPERATOR_MIN_KUBERNETES = "1.30"
#: GKE cluster management fee per cluster hour (cloud.google.com/kubernetes-engine/pricing: $0.10 per cluster per
#: hour, Standard and Autopilot alike; the free tier's monthly credit is not counted).
GKE_CONTROL_PLANE_USD_PER_HOUR = 0.10

# --- KubeRay ---------------------------------------------------------------
#: Operator image tag, Helm chart version and CRD tag move together.
KUBERAY_VERSION = "1.7.0"
KUBERAY_CHART_REPO = "https://ray-project.github.io/kuberay-helm/"
KUBERAY_CHART = "kuberay-operator"
KUBERAY_OPERATOR_IMAGE = "quay.io/kuberay/operator"
KUBERAY_GIT_REPO = "https://github.com/ray-project/kuberay"
#: CRD plurals shipped at the pinned tag (RayCronJob is new in 1.7.0).
KUBERAY_CRD_PLURALS = ("rayclusters", "rayjobs", "rayservices", "raycronjobs")


#: sha256 of each CRD file at the pinned tag (ray-operator/config/crd/bases at v1.7.0, read from the
#: tag's git tree): raystack checks what it downloads against these before applying anything.
KUBERAY_CRD_SHA256 = {
    "rayclusters": "c44704442eef0c6721ad40c1d66782c8bd3fdab9d3344306a5820910a679baa1",
    "rayjobs": "01a5cf3b17c1769fda44af7e82debcd98722f0c27b9ab84d084681c6649121f5",
    "rayservices": "0a8fc325e6e22b9231c1f282b309555e2ecf94227ca20a03df3d1d9a403907ab",
    "raycronjobs": "31c2c753bba01f7e8e89cb8e8c504131b58ee42090ca536d87f5ac27605a568e",
}


def kuberay_git_tag(version: str = KUBERAY_VERSION) -> str:
    return f"v{version}"


def kuberay_crd_path() -> str:
    """Path of the CRD bases inside the KubeRay repository at the tag."""
    return "ray-operator/config/crd/bases"


def kuberay_crd_urls(version: str = KUBERAY_VERSION) -> list[str]:
    """Raw URLs of the CRDs at the pinned tag; real users fetch them at `pulumi up`."""
    tag = kuberay_git_tag(version)
    return [
        f"https://raw.githubusercontent.com/ray-project/kuberay/{tag}/{kuberay_crd_path()}/ray.io_{p}.yaml"
        for p in KUBERAY_CRD_PLURALS
    ]


# --- Ray -------------------------------------------------------------------
#: The Ray version KubeRay 1.7.0's own CI runs; it has token auth, Kubernetes
#: token auth and the CVE-2025-62593 / CVE-2026-27482 fixes.
RAY_VERSION = "2.55.0"
#: Oldest Ray raystack will deploy: 2.54.0 carries the fix for
#: CVE-2026-27482 and is above 2.52.0 (token auth, CVE-2025-62593).
RAY_MIN_VERSION = "2.54.0"
#: Python tags published for rayproject/ray images of the supported range.
RAY_PYTHON_TAGS = ("py310", "py311", "py312")
RAY_DEFAULT_PYTHON_TAG = "py311"
RAY_IMAGE_REPO = "rayproject/ray"

#: The oracle: Ray's own RayCluster parser in the tests and `raystack plan` is
#: ray==2.60.0 (pyproject.toml [ray]/[dev]), newer than RAY_VERSION. Checked by diffing the
#: ray 2.55.0 and 2.60.0 wheels (kubernetes-deploy-review old #17): autoscaling_config.py gains
#: only a worker group `priority` key (raystack sets none; tests/test_ray_spec.py holds that) and
#: rewords the rayStartParams-labels warning; resources_from_ray_options is the same, and both
#: set the node resource accelerator_type:<T> to 1 (resource_and_label_spec.py).

# --- GCS fault tolerance: the Redis raystack creates (gcsFaultTolerance.redis: create) ---------------
#: ElastiCache engine -> the engine version raystack creates (cluster mode disabled, one shard). Valkey 8.0
#: and Redis OSS 7.1 both take an AUTH token with in-transit encryption (ElastiCache user guide, "AUTH
#: command"); Ray's GCS client speaks the Redis protocol both serve (redis_context.cc).
ELASTICACHE_ENGINE_VERSIONS = {"valkey": "8.0", "redis": "7.1"}

# --- Device plugins ---------------------------------------------------------
@dataclass(frozen=True)
class HelmChart:
    chart: str
    version: str
    repo: str
    #: Release name and namespace raystack installs it under.
    release_name: str
    namespace: str


NVIDIA_DEVICE_PLUGIN = HelmChart(chart="nvidia-device-plugin", version="0.20.0",
                                 repo="https://nvidia.github.io/k8s-device-plugin",
                                 release_name="nvidia-device-plugin", namespace="nvidia-device-plugin")
#: AWS Neuron: the chart (device plugin, optional scheduler extension, node problem detector) read at
#: aws-neuron/neuron-helm-charts@8172e5e: chart 1.0.0, plugin image 2.22.4.0. Its `neuronInstances`
#: list (the plugin's node affinity) has trn1, trn1n and inf2 but no trn2: trn2 pools are refused.
NEURON_DEVICE_PLUGIN = HelmChart(chart="neuron-helm-chart", version="1.0.0", repo="oci://public.ecr.aws/neuron",
                                 release_name="neuron-device-plugin", namespace="kube-system")
#: The EFA device plugin (advertises vpc.amazonaws.com/efa), read at aws/eks-charts@5239609
#: stable/aws-efa-k8s-device-plugin: chart v0.5.30 (the chart's own version string carries the "v"), plugin
#: image v0.5.20 from EKS's ECR in us-west-2, which nodes of every region of the aws partition pull. Its
#: DaemonSet runs privileged with hostNetwork and host paths (values.yaml securityContext), as kube-system
#: allows; its own node affinity lists the EFA instance types, each of hardware/efa.py's families included.
EFA_DEVICE_PLUGIN = HelmChart(chart="aws-efa-k8s-device-plugin", version="v0.5.30",
                              repo="https://aws.github.io/eks-charts", release_name="aws-efa-k8s-device-plugin",
                              namespace="kube-system")
EFA_DEVICE_PLUGIN_IMAGE = "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-efa-k8s-device-plugin:v0.5.20"
NVIDIA_DEVICE_PLUGIN_CHART = NVIDIA_DEVICE_PLUGIN.chart
NVIDIA_DEVICE_PLUGIN_VERSION = NVIDIA_DEVICE_PLUGIN.version
NVIDIA_DEVICE_PLUGIN_REPO = NVIDIA_DEVICE_PLUGIN.repo


# --- Karpenter (autoscaler: karpenter) ---------------------------------------------------------------------
#: Karpenter, read at aws/karpenter-provider-aws and kubernetes-sigs/karpenter tag v1.14.1: the controller chart
#: and the CRD chart (charts/karpenter, charts/karpenter-crd: NodePool and NodeClaim karpenter.sh/v1,
#: EC2NodeClass karpenter.k8s.aws/v1), published as OCI charts in public ECR (getting-started step08). The charts in
#: git at the tag still say 1.13.0: the release stamps the tag's version into both at publish (hack/release/common.sh
#: publishHelmChart), so the OCI charts of the tag are 1.14.1.
KARPENTER_VERSION = "1.14.1"
KARPENTER = HelmChart(chart="karpenter", version=KARPENTER_VERSION, repo="oci://public.ecr.aws/karpenter",
                      release_name="karpenter", namespace="kube-system")
KARPENTER_CRD = HelmChart(chart="karpenter-crd", version=KARPENTER_VERSION, repo="oci://public.ecr.aws/karpenter",
                          release_name="karpenter-crd", namespace="kube-system")
#: EKS-optimized AMI versions a Karpenter EC2NodeClass pins (amiSelectorTerms alias family@version; nodeclasses.md
#: at v1.14.1 recommends pinning over @latest, which drifts every node on each release): the AL2023 release whose
#: NVIDIA driver ../shared/notes/eks-gpu.md records (v20260714, driver 580.159.03), and Bottlerocket 1.66.0.
KARPENTER_AMI_ALIASES = {"al2023": "al2023@v20260714", "bottlerocket": "bottlerocket@v1.66.0"}


# --- Cluster Autoscaler ----------------------------------------------------
@dataclass(frozen=True)
class AutoscalerPin:
    chart_version: str
    image_tag: str


CLUSTER_AUTOSCALER_CHART = "cluster-autoscaler"
CLUSTER_AUTOSCALER_REPO = "https://kubernetes.github.io/autoscaler"
CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler"
#: Cluster Autoscaler must match the control plane's minor version. Chart ->
#: appVersion pairs from kubernetes/autoscaler (PR #8655, #9193; issue #8891).
#: The image tag is pinned explicitly rather than left to the chart default.
CLUSTER_AUTOSCALER_PINS: dict[str, AutoscalerPin] = {
    # Image patches newer than the charts' appVersion (tags cluster-autoscaler-1.34.5 and -1.35.2,
    # 2026-07-22, read by the kubernetes deploy review): the charts take an image override.
    "1.34": AutoscalerPin(chart_version="9.53.0", image_tag="v1.34.5"),
    "1.35": AutoscalerPin(chart_version="9.54.0", image_tag="v1.35.2"),
}


def cluster_autoscaler_pin(eks_version: str) -> AutoscalerPin:
    try:
        return CLUSTER_AUTOSCALER_PINS[eks_version]
    except KeyError:
        allowed = ", ".join(sorted(CLUSTER_AUTOSCALER_PINS))
        raise ValueError(
            f"no Cluster Autoscaler pin for Kubernetes {eks_version!r}; allowed: {allowed}"
        ) from None


def parse_version(v: str) -> tuple[int, ...]:
    """'2.55.0' -> (2, 55, 0); '2.55' -> (2, 55, 0). Raises ValueError on anything else."""
    parts = v.split(".")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a dotted numeric version: {v!r}")
    nums = [int(p) for p in parts]
    return tuple(nums + [0] * (3 - len(nums)))  # "2.55" == "2.55.0"


def version_at_least(v: str, minimum: str) -> bool:
    return parse_version(v) >= parse_version(minimum)


# --- Observability (observability.prometheus: install) ---------------------------------------------------
#: kube-prometheus-stack, read at prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3: the
#: Prometheus Operator v0.93.1 with its CRDs (charts/crds), Grafana chart 12.11.1, kube-state-metrics
#: 8.4.0, prometheus-node-exporter 4.56.1.
KUBE_PROMETHEUS_STACK = HelmChart(chart="kube-prometheus-stack", version="88.5.3",
                                  repo="https://prometheus-community.github.io/helm-charts",
                                  release_name="kube-prometheus-stack", namespace="monitoring")
#: NVIDIA's dcgm-exporter, read at NVIDIA/dcgm-exporter tag 4.5.3-4.8.2 (deployment/: chart 4.8.2, image
#: nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless, pinned here rather than left to the chart).
DCGM_EXPORTER = HelmChart(chart="dcgm-exporter", version="4.8.2", repo="https://nvidia.github.io/dcgm-exporter/helm-charts",
                          release_name="dcgm-exporter", namespace="dcgm-exporter")
DCGM_EXPORTER_IMAGE = "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless"

# --- Logs (observability.logs) ------------------------------------------------------------------------------
#: Fluent Bit, the log shipper beside every Ray container, read at fluent/fluent-bit tag v5.1.1: published to
#: Docker Hub as fluent/fluent-bit (.github/workflows/README.md, staging-release); distroless, entrypoint
#: /fluent-bit/bin/fluent-bit (dockerfiles/Dockerfile); EKS Pod Identity credentials from v3.2.10/v4.0.0 on
#: (src/aws/flb_aws_credentials_http.c reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, fluent-bit PR 10115).
FLUENT_BIT_IMAGE = "fluent/fluent-bit:5.1.1"
#: AWS's neuron-monitor exporter for Neuron devices, read at aws-neuron/aws-neuron-sdk@9f6387f
#: src/k8/k8s-neuron-monitor-daemonset.yml (the DaemonSet of AWS's k8s-neuron-monitor tutorial): image 1.3.0,
#: /opt/bin/entrypoint.sh --port 8000 with the image's own neuron-monitor.conf, privileged.
NEURON_MONITOR_IMAGE = "public.ecr.aws/neuron/neuron-monitor:1.3.0"
NEURON_MONITOR_NAMESPACE = "neuron-monitor"

"""The Kubernetes side of the simulated engine: which cluster a provider points at, whether the runner may
reach and write to it, and the writes themselves (pulumi-kubernetes' create, update and await)."""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

import yaml

from .awaits import check_wait, field_manager
from .azure import object_id
from .calls import Calls
from .charts import install_release
from .errors import AwaitFailed, CloudError, NotModelled
from .karpenter import KINDS as KARPENTER_KINDS
from .karpenter import Karpenter
from .state import _kube_key

if TYPE_CHECKING:
    from .azure import Azure
    from .gcp import Gcp
    from .kube import KubeCluster


class KubeSide(Calls):
    azure: Azure
    gcp: Gcp
    kube: dict[str, KubeCluster]

    def _provider_inputs(self, ref: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _kube_target(self, ref: str, urn: str) -> tuple[KubeCluster, bool]:
        """The cluster a Kubernetes resource's provider points at, and whether upserts are on."""
        inputs = self._provider_inputs(ref)
        if inputs is None:
            raise NotModelled(f"{urn}: a Kubernetes resource without an explicit provider (ambient kubeconfig)")
        raw = inputs.get("kubeconfig") or ""
        try:  # EKS's kubeconfig is JSON, AKS's YAML (listClusterUserCredential)
            doc = yaml.safe_load(raw)
            name = doc["clusters"][0]["name"]
        except (yaml.YAMLError, KeyError, IndexError, TypeError, AttributeError):
            name = f"kubeconfig:{raw}"
        upsert = str(inputs.get("enableUpsert", inputs.get("upsertExistingObjects", "false"))).lower() == "true"
        if name not in self.kube:
            raise CloudError("Unreachable", f"configured Kubernetes cluster is unreachable: no cluster {name}",
                             "pulumi-kubernetes provider.go:1706")
        return self.kube[name], upsert

    def _kube_access(self, kc: KubeCluster, write: bool) -> None:
        if kc.name in self.gcp.clusters:  # a GKE cluster: reachable from where the runner is (IAM is the project's)
            why = self._gke_reachable(kc.name)
            if why:
                raise CloudError("Unreachable", f"configured Kubernetes cluster is unreachable: {why}",
                                 "pulumi-kubernetes provider.go:1706")
        if kc.name in self.azure.clusters:  # an AKS cluster: reachable from where the runner is, and Azure RBAC
            why = self._aks_reachable(kc.name) or self.azure.authorized(kc.name, object_id(self.identity.name), write)
            if why:
                raise CloudError("Unreachable", f"configured Kubernetes cluster is unreachable: {why}",
                                 "pulumi-kubernetes provider.go:1706")
        if kc.name in self.aws.clusters:  # an EKS cluster; a kubeconfig-only cluster is taken as reachable
            why = self.aws.api_reachable(kc.name, self.identity) or self.aws.authorized(kc.name, self.identity, write)
            if why:
                # Discovery fails, so pulumi-kubernetes marks the cluster unreachable and fails every
                # non-preview operation (provider.go:1706, :2170, :2340).
                raise CloudError("Unreachable", f"configured Kubernetes cluster is unreachable: {why}",
                                 "pulumi-kubernetes provider.go:1706")

    def _kube_outputs(self, typ: str, inputs: dict[str, Any], provider: str) -> dict[str, Any]:
        if typ.startswith("kubernetes:helm") or typ.startswith("kubernetes:yaml"):
            return {}
        kc, _ = self._kube_target(provider, "")
        obj = kc.get(_kube_key(typ, inputs))
        return obj.live() if obj is not None else {}

    def _kube_write(self, urn: str, typ: str, inputs: dict[str, Any], provider: str, *, create: bool) -> str:
        kc, upsert = self._kube_target(provider, urn)
        self._kube_access(kc, write=True)
        if typ == "kubernetes:helm.sh/v3:Release":
            ns = inputs.get("namespace", "default")
            if ("Namespace", "", ns) not in kc.objects:
                raise CloudError("NotFound", f'namespaces "{ns}" not found', "helm install")
            install_release(kc, ns, inputs)
            chart = str(inputs.get("chart"))
            if chart.endswith("/karpenter-crd"):  # charts/karpenter-crd@v1.14.1 templates: the three CRDs
                kc.crds.update(KARPENTER_KINDS)
            elif chart.endswith("/karpenter"):
                if not set(KARPENTER_KINDS) <= kc.crds:  # the controller watches its kinds; it crash-loops without
                    raise AwaitFailed(f"helm release {ns}/karpenter: the controller does not become ready without "
                                      "its CRDs (karpenter-crd); installed with skipCrds")
                kc.karpenter = Karpenter(kc, self, inputs.get("values") or {})
                kc.reconcile()
            return f"{ns}/{inputs.get('name', '')}"
        if typ.startswith("kubernetes:yaml/"):
            files = json.dumps(inputs.get("files") or inputs.get("yaml") or "")
            if "ray.io_" in files:
                kc.crds.update(("RayCluster", "RayJob", "RayService", "RayCronJob"))
                kc.reconcile()
            return urn
        manifest = {k: v for k, v in inputs.items() if k != "status"}
        api, kind = typ.split(":", 1)[1].rsplit(":", 1)
        manifest.setdefault("apiVersion", api.replace("core/", "").replace("/", "/"))
        manifest.setdefault("kind", kind)
        annotations = (manifest.get("metadata") or {}).get("annotations") or {}
        force = annotations.get("pulumi.com/patchForce") == "true"
        obj = kc.apply(field_manager(urn), manifest, force=force, create=create, upsert=upsert)
        if annotations.get("pulumi.com/skipAwait") != "true" and annotations.get("pulumi.com/waitFor"):
            why = check_wait(obj.live(), annotations["pulumi.com/waitFor"])
            if why:
                secs = annotations.get("pulumi.com/timeoutSeconds", "600")
                raise AwaitFailed(
                    f"resource {urn} was successfully {'created' if create else 'updated'}, but the Kubernetes API "
                    f"server reported that it failed to fully initialize or become live: timed out after {secs}s "
                    f"waiting for {annotations['pulumi.com/waitFor']}: {why}")
        return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name


    def _aks_reachable(self, name: str) -> str | None:
        """A private cluster answers inside its VNet (private-clusters.md); a public one only the authorized IP
        ranges (api-server-authorized-ip-ranges.md)."""
        c = self.azure.cluster(name)
        return self._reachable(name, c.private, c.authorized, "VNet", "authorized IP ranges")

    def _gke_reachable(self, name: str) -> str | None:
        """A private endpoint answers inside the VPC (and its peers); either endpoint only the master authorized
        networks (GKE private clusters and authorized networks docs)."""
        c = self.gcp.cluster(name)
        return self._reachable(name, c.private_endpoint, c.authorized, "VPC", "master authorized networks")

    def _reachable(self, name: str, private: bool, authorized: list[str], network: str, ranges: str) -> str | None:
        who = self.identity
        if private:
            return None if who.routes_into_vpc else f"{name}'s endpoint is private and {who.name} does not route " \
                                                    f"into its {network}"
        if authorized and not any(ipaddress.ip_address(who.source_ip) in ipaddress.ip_network(r, strict=False)
                                  for r in authorized):
            return f"{who.source_ip} is not in {name}'s {ranges} {authorized}"
        return None

    def _gke_ray_operator(self, name: str) -> None:
        """GKE's Ray Operator add-on: "GKE automatically installs and hosts the KubeRay operator" with the CRDs
        (enable-ray-on-gke). Hosted: it reaches the heads from the control plane, taken here as the master CIDR's
        first address (where a hosted operator's traffic comes from is not documented in a source read here)."""
        kc = self.kube[name]
        kc.crds.update(("RayCluster", "RayJob", "RayService"))
        master = self.gcp.clusters[name].master_cidr or "172.16.0.0/28"
        kc.operator = {"namespace": "", "labels": {}, "address": str(next(ipaddress.ip_network(master).hosts()))}
        kc.reconcile()

    def _extension_installed(self, inputs: dict[str, Any]) -> None:
        """AKS's KubeRay extension "installs the KubeRay operator and the CRDs RayCluster, RayJob, RayCronJob and
        RayService" (learn.microsoft.com azure/aks/kuberay-overview) in its release namespace. Its pods' labels are
        not documented: the simulation gives them none a NetworkPolicy could select by."""
        if inputs.get("extensionType") != "microsoft.kuberay":
            raise NotModelled(f"cluster extension {inputs.get('extensionType')}")
        kc = self.kube[inputs["clusterName"]]
        ns = ((inputs.get("scope") or {}).get("cluster") or {}).get("releaseNamespace") or "kube-system"
        kc.crds.update(("RayCluster", "RayJob", "RayService", "RayCronJob"))
        kc.operator = {"namespace": ns, "labels": {"raystack.test/undocumented": "aks-kuberay-extension"}}
        kc.reconcile()

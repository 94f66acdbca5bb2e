"""A simulated Google Cloud project in one zone: what Compute Engine, GKE and IAM answer across runs.

One rule per method, each naming its source; a request the simulation has no rule for raises ``NotModelled``.
Errors are the APIs' canonical codes (google.rpc.Code) with the messages the provider surfaces, each cited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import CloudError, NotModelled

PROJECT = "raystack-dev"


@dataclass
class Gke:
    name: str
    subnetwork: str
    private_endpoint: bool
    authorized: list[str]
    deletion_protection: bool
    master_cidr: str
    ray_operator: bool
    #: node pool name -> node count (GKE's cluster autoscaler moves it; initial_node_count is ignored after creation).
    pools: dict[str, int] = field(default_factory=dict)
    pool_specs: dict[str, dict[str, Any]] = field(default_factory=dict)


class Gcp:
    """One project; ``zone``: the stack's (gcp:zone)."""

    def __init__(self, zone: str = "us-central1-a"):
        self.zone = zone
        self.resources: dict[str, dict[str, Any]] = {}
        self.clusters: dict[str, Gke] = {}
        #: subnetwork id -> its secondary range names.
        self.subnets: dict[str, set[str]] = {}
        #: The APIs enabled in the project: a new project has none of Compute Engine, GKE and IAM on (Service Usage
        #: itself is on).
        self.apis: set[str] = {"serviceusage.googleapis.com"}

    def _exists(self, rid: str) -> None:
        if rid in self.resources:
            # A create of a name that exists: 409 ALREADY_EXISTS ("The resource ... already exists", Compute Engine;
            # "Already exists: projects/.../clusters/...", GKE), which the provider surfaces as is.
            raise CloudError("ALREADY_EXISTS", f"Already exists: {rid}", "Google Cloud APIs (google.rpc.Code 6)")

    def _need(self, rid: str, what: str) -> None:
        if rid not in self.resources:
            raise CloudError("NOT_FOUND", f"The resource '{rid}' ({what}) was not found", "google.rpc.Code 5")

    def _api(self, api: str) -> None:
        if api not in self.apis:
            # google.rpc.ErrorInfo reason SERVICE_DISABLED: "<API> has not been used in project ... before or it is
            # disabled. Enable it by visiting ..." (403 PERMISSION_DENIED).
            raise CloudError("PERMISSION_DENIED", f"{api} has not been used in project {PROJECT} before or it is "
                             "disabled (SERVICE_DISABLED)", "Google Cloud APIs")

    def put(self, typ: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> str:
        kind = typ.split(":", 1)[1]
        self._api({"compute": "compute.googleapis.com", "container": "container.googleapis.com",
                   "serviceaccount": "iam.googleapis.com", "projects": "cloudresourcemanager.googleapis.com"}.get(
            kind.split("/")[0], "serviceusage.googleapis.com") if kind != "projects/service:Service" else
                  "serviceusage.googleapis.com")
        if kind == "projects/service:Service":
            rid = f"projects/{PROJECT}/services/{inputs['service']}"
            self.apis.add(inputs["service"])
        elif kind == "compute/network:Network":
            rid = str(outputs["id"])
        elif kind == "compute/subnetwork:Subnetwork":
            rid = str(outputs["id"])
            self._need(inputs["network"], "network")
            self.subnets[rid] = {r["rangeName"] for r in inputs.get("secondaryIpRanges") or []}
        elif kind in ("compute/router:Router", "compute/routerNat:RouterNat"):
            rid = f"projects/{PROJECT}/regions/{inputs.get('region', '')}/routers/{inputs['name']}" + (
                "/nat" if kind.endswith("RouterNat") else "")
            if kind.endswith("Router"):
                self._need(inputs["network"], "network")
        elif kind == "serviceaccount/account:Account":
            rid = str(outputs["email"])
        elif kind == "container/cluster:Cluster":
            rid = str(outputs["id"])
            self._exists(rid)
            subnet = inputs.get("subnetwork", "")
            self._need(subnet, "subnetwork")
            sa = (inputs.get("nodeConfig") or {}).get("serviceAccount")
            if sa is None or sa not in self.resources:
                # The default pool's nodes run as nodeConfig.serviceAccount, or the project's default Compute Engine
                # account, which a new project's organization may have removed: the harness has none.
                raise CloudError("INVALID_ARGUMENT", f"node service account {sa or 'default'} does not exist", "GKE")
            ranges = inputs.get("ipAllocationPolicy") or {}
            for want in (ranges.get("clusterSecondaryRangeName"), ranges.get("servicesSecondaryRangeName")):
                if want not in self.subnets[subnet]:
                    # VPC-native clusters name their subnet's secondary ranges (GKE alias IPs docs).
                    raise CloudError("INVALID_ARGUMENT", f"secondary range {want!r} not found in {subnet}", "GKE")
            private = inputs.get("privateClusterConfig") or {}
            addons = inputs.get("addonsConfig") or {}
            ray = addons.get("rayOperatorConfigs") or [addons.get("rayOperatorConfig") or {}]
            self.clusters[inputs["name"]] = Gke(
                inputs["name"], subnet, bool(private.get("enablePrivateEndpoint")),
                [c["cidrBlock"] for c in (inputs.get("masterAuthorizedNetworksConfig") or {}).get("cidrBlocks") or []],
                inputs.get("deletionProtection", True) is not False, private.get("masterIpv4CidrBlock", ""),
                bool(ray and ray[0].get("enabled")))
        elif kind == "container/nodePool:NodePool":
            c = self.cluster(inputs["cluster"])
            rid = f"projects/{PROJECT}/locations/{inputs['location']}/clusters/{c.name}/nodePools/{inputs['name']}"
            self._exists(rid)
            c.pools[inputs["name"]] = int(inputs.get("initialNodeCount", 0))
            c.pool_specs[inputs["name"]] = dict(inputs)
        elif kind in ("projects/iAMMember:IAMMember", "serviceaccount/iAMMember:IAMMember",
                      "storage/bucketIAMMember:BucketIAMMember"):
            rid = f"{kind}/{inputs.get('project') or inputs.get('serviceAccountId') or inputs.get('bucket')}/" \
                  f"{inputs['role']}/{inputs['member']}"
        else:
            raise NotModelled(f"create of {typ}")
        self._exists(rid)
        self.resources[rid] = {**outputs, "id": rid}
        return rid

    def update(self, typ: str, rid: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        kind = typ.split(":", 1)[1]
        if kind == "container/cluster:Cluster":
            c = self.cluster(new["name"])
            c.deletion_protection = new.get("deletionProtection", True) is not False
            c.authorized = [b["cidrBlock"] for b in (new.get("masterAuthorizedNetworksConfig") or {}).get(
                "cidrBlocks") or []]
        elif kind == "container/nodePool:NodePool":
            self.cluster(new["cluster"]).pool_specs[new["name"]] = dict(new)
        elif kind not in ("projects/service:Service", "compute/network:Network", "compute/subnetwork:Subnetwork",
                          "compute/router:Router",
                          "compute/routerNat:RouterNat", "serviceaccount/account:Account"):
            raise NotModelled(f"update of {typ}")

    def delete(self, typ: str, rid: str, inputs: dict[str, Any]) -> None:
        kind = typ.split(":", 1)[1]
        if kind == "container/cluster:Cluster":
            c = self.clusters.get(inputs["name"])
            if c is not None and c.deletion_protection:
                # pulumi-gcp 10.2.0 Cluster.deletion_protection: "Deleting this cluster ... will only succeed if this
                # field is false in the Terraform state" (the message is terraform-provider-google's).
                raise CloudError("FAILED_PRECONDITION", "Cannot destroy cluster because deletion_protection is set "
                                 "to true. Set it to false to proceed with cluster deletion.",
                                 "terraform-provider-google")
            self.clusters.pop(inputs["name"], None)  # its node pools go with it (GKE)
            for r in [r for r in self.resources if r.startswith(rid + "/nodePools/")]:
                del self.resources[r]
        elif kind == "container/nodePool:NodePool":
            c = self.clusters.get(inputs["cluster"])
            if c is not None:
                c.pools.pop(inputs["name"], None)
                c.pool_specs.pop(inputs["name"], None)
        elif kind == "compute/subnetwork:Subnetwork" and any(c.subnetwork == rid for c in self.clusters.values()):
            raise CloudError("RESOURCE_IN_USE", f"The subnetwork resource '{rid}' is already being used by a GKE "
                             "cluster", "Compute Engine (resourceInUseByAnotherResource)")
        elif kind == "compute/network:Network" and any(s.startswith(f"projects/{PROJECT}/regions/")
                                                       for s in self.subnets if s in self.resources):
            raise CloudError("RESOURCE_IN_USE", f"The network resource '{rid}' is already being used by a "
                             "subnetwork", "Compute Engine (resourceInUseByAnotherResource)")
        elif kind == "projects/service:Service" and inputs.get("disableOnDestroy", True) is not False:
            self.apis.discard(inputs["service"])  # the provider disables the API (google_project_service)
        self.resources.pop(rid, None)
        self.subnets.pop(rid, None)

    def cluster(self, name: str) -> Gke:
        if name not in self.clusters:
            raise CloudError("NOT_FOUND", f"Not found: projects/{PROJECT}/zones/{self.zone}/clusters/{name}.", "GKE")
        return self.clusters[name]

    def autoscale(self, cluster: str, pool: str, count: int) -> None:
        """GKE's cluster autoscaler moves a pool's node count (within its bounds)."""
        self.cluster(cluster).pools[pool] = count

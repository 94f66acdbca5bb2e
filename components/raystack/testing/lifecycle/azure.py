"""A simulated Azure subscription: what ARM, AKS and Microsoft Entra answer across runs.

One rule per method, each naming its source; a request the simulation has no rule for raises ``NotModelled``.
Error codes are ARM's and AKS's as their documentation names them (no service model of Azure's errors is
installed here, so the table is small and each code is cited).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import CloudError, NotModelled

SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
TENANT = "00000000-0000-4000-8000-000000000002"
#: azure-aks-docs manage-azure-rbac.md: "New role assignments can take up to five minutes to propagate".
RBAC_PROPAGATION_SECONDS = 300
_ids = itertools.count(1)


def object_id(name: str) -> str:
    """The Entra object ID of the identity the harness runs as (one per name)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"entra:{name}"))


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    if not duration or duration[-1] not in units or not duration[:-1].isdigit():
        raise NotModelled(f"time.Sleep duration {duration!r}")
    return int(duration[:-1]) * units[duration[-1]]


@dataclass
class Assignment:
    scope: str
    role: str
    principal: str
    #: A new assignment authorizes Kubernetes requests only once it has propagated.
    effective: bool = False


@dataclass
class Aks:
    name: str
    group: str
    subnet: str
    private: bool
    authorized: list[str]
    #: agent pool name -> node count (the autoscaler moves it; AgentPool count is ignored after creation).
    pools: dict[str, int] = field(default_factory=dict)
    pool_specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    extensions: set[str] = field(default_factory=set)


#: AgentPool properties AKS refuses to change on an existing pool (create-node-pools.md: "Taints and VM sizes can
#: only be set for node pools during node pool creation"; spot-node-pool.md: priority and max price are fixed;
#: use-nvidia-gpu.md: the GPU driver setting "can't be changed" after creation).
AGENT_POOL_FIXED = ("vmSize", "nodeTaints", "scaleSetPriority", "spotMaxPrice", "gpuProfile", "osSKU", "osType",
                    "vnetSubnetID")
#: RoleAssignment: "Tenant ID, application ID, principal ID, and scope are not allowed to be updated"
#: (RoleAssignmentUpdateNotPermitted, role-based-access-control/troubleshooting.md).
ASSIGNMENT_FIXED = ("principalId", "roleDefinitionId", "scope")


class Azure:
    """One subscription in one location."""

    def __init__(self, location: str = "eastus"):
        self.location = location
        #: resource group name -> ids of what is in it
        self.groups: dict[str, set[str]] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.clusters: dict[str, Aks] = {}
        self.assignments: dict[str, Assignment] = {}
        #: principal IDs Entra knows (identities created here, the runners, the groups a test adds).
        self.principals: set[str] = set()

    # -- ARM ----------------------------------------------------------------------------------------------
    def _exists(self, rid: str) -> None:
        if rid in self.resources:
            # pulumi-azure-native reads before it creates and refuses to take over what exists ("Cannot create
            # already existing resource ... consider importing it").
            raise CloudError("AlreadyExists", f"Cannot create already existing resource '{rid}'", "pulumi-azure-native")

    def _group(self, name: str) -> str:
        if name not in self.groups:
            raise CloudError("ResourceGroupNotFound", f"Resource group '{name}' could not be found.", "ARM")
        return name

    def put(self, typ: str, inputs: dict[str, Any], outputs: dict[str, Any], caller: str) -> str:
        """Create (``typ``'s rule), returning the resource ID."""
        kind = typ.split(":", 1)[1]
        if kind == "resources:ResourceGroup":
            rid = str(outputs["id"])
            self._exists(rid)
            self.groups[inputs["resourceGroupName"]] = set()
        elif kind in ("network:VirtualNetwork", "managedidentity:UserAssignedIdentity"):
            rid = str(outputs["id"])
            self._exists(rid)
            self.groups[self._group(inputs["resourceGroupName"])].add(rid)
            if "principalId" in outputs:
                self.principals.add(outputs["principalId"])
        elif kind == "network:Subnet":
            rid = str(outputs["id"])
            self._exists(rid)
            vnet = rid.rsplit("/subnets/", 1)[0]
            if vnet not in self.resources:
                raise CloudError("ResourceNotFound", f"The Resource '{vnet}' was not found.", "ARM")
            self.groups[self._group(inputs["resourceGroupName"])].add(rid)
        elif kind == "containerservice:ManagedCluster":
            rid = str(outputs["id"])
            self._exists(rid)
            group = self._group(inputs["resourceGroupName"])
            system = (inputs.get("agentPoolProfiles") or [{}])[0]
            subnet = system.get("vnetSubnetID", "")
            if subnet not in self.resources:
                raise CloudError("InvalidParameter", f"vnetSubnetID {subnet!r} does not exist", "AKS")
            access = inputs.get("apiServerAccessProfile") or {}
            c = Aks(inputs["resourceName"], group, subnet, bool(access.get("enablePrivateCluster")),
                    list(access.get("authorizedIPRanges") or []))
            c.pools[system["name"]] = int(system.get("count", 1))
            c.pool_specs[system["name"]] = dict(system)
            self.clusters[c.name] = c
            self.groups[group].add(rid)
            self.principals.add(outputs["identity"]["principalId"])
        elif kind == "containerservice:AgentPool":
            c = self.cluster(inputs["resourceName"])
            rid = f"{self.resources_of(c)}/agentPools/{inputs['agentPoolName']}"
            if inputs["agentPoolName"] in c.pools:
                raise CloudError("AlreadyExists", f"Cannot create already existing resource '{rid}'",
                                 "pulumi-azure-native")
            c.pools[inputs["agentPoolName"]] = int(inputs.get("count", 0))
            c.pool_specs[inputs["agentPoolName"]] = dict(inputs)
        elif kind == "kubernetesconfiguration:Extension":
            c = self.cluster(inputs["clusterName"])
            rid = f"{self.resources_of(c)}/providers/Microsoft.KubernetesConfiguration/extensions/{inputs['extensionName']}"
            c.extensions.add(inputs["extensionName"])
        elif kind == "managedidentity:FederatedIdentityCredential":
            parent = next((i for i, r in self.resources.items() if r.get("name") == inputs["resourceName"]
                           and i.endswith(f"/userAssignedIdentities/{inputs['resourceName']}")), None)
            if parent is None:
                raise CloudError("ResourceNotFound", f"identity {inputs['resourceName']} was not found", "ARM")
            rid = f"{parent}/federatedIdentityCredentials/{inputs['federatedIdentityCredentialResourceName']}"
            self._exists(rid)
        elif kind == "authorization:RoleAssignment":
            rid = self.assign(inputs, caller)
        else:
            raise NotModelled(f"create of {typ}")
        self.resources[rid] = {**outputs, "id": rid}
        return rid

    def update(self, typ: str, rid: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        kind = typ.split(":", 1)[1]
        changed = [k for k in set(old) | set(new) if old.get(k) != new.get(k)]
        if kind == "containerservice:AgentPool":
            fixed = [k for k in changed if k in AGENT_POOL_FIXED]
            if fixed:
                raise CloudError("PropertyChangeNotAllowed", f"Changing property '{fixed[0]}' is not allowed.", "AKS")
            self.cluster(new["resourceName"]).pool_specs[new["agentPoolName"]] = dict(new)
        elif kind == "authorization:RoleAssignment":
            if any(k in ASSIGNMENT_FIXED for k in changed):
                raise CloudError("RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and "
                                 "scope are not allowed to be updated.", "Azure RBAC troubleshooting")
        elif kind == "containerservice:ManagedCluster":
            c = self.cluster(new["resourceName"])
            access = new.get("apiServerAccessProfile") or {}
            if bool(access.get("enablePrivateCluster")) != c.private:
                # private-clusters.md: an existing cluster is not converted between public and private this way.
                raise CloudError("PropertyChangeNotAllowed", "Changing property 'enablePrivateCluster' is not "
                                 "allowed.", "AKS")
            c.authorized = list(access.get("authorizedIPRanges") or [])
        elif kind not in ("resources:ResourceGroup", "network:VirtualNetwork", "network:Subnet",
                          "managedidentity:UserAssignedIdentity", "managedidentity:FederatedIdentityCredential",
                          "kubernetesconfiguration:Extension"):
            raise NotModelled(f"update of {typ}")

    def delete(self, typ: str, rid: str, inputs: dict[str, Any]) -> None:
        kind = typ.split(":", 1)[1]
        if kind == "resources:ResourceGroup":
            # Deleting a resource group deletes everything in it (ARM: "Azure Resource Manager deletes ... all
            # resources in the group").
            for member in self.groups.pop(inputs["resourceGroupName"], set()):
                self.resources.pop(member, None)
            for name in [n for n, c in self.clusters.items() if c.group == inputs["resourceGroupName"]]:
                del self.clusters[name]
        elif kind == "network:Subnet" and any(c.subnet == rid for c in self.clusters.values()):
            raise CloudError("InUseSubnetCannotBeDeleted", f"Subnet {rid} is in use by an AKS cluster's nodes and "
                             "cannot be deleted.", "Azure virtual network")
        elif kind == "containerservice:ManagedCluster":
            self.clusters.pop(inputs["resourceName"], None)  # its agent pools go with it (AKS)
        elif kind == "containerservice:AgentPool":
            c = self.clusters.get(inputs["resourceName"])
            if c is not None:
                c.pools.pop(inputs["agentPoolName"], None)
                c.pool_specs.pop(inputs["agentPoolName"], None)
        elif kind == "authorization:RoleAssignment":
            self.assignments.pop(rid, None)
        self.resources.pop(rid, None)
        for members in self.groups.values():
            members.discard(rid)

    # -- AKS and Entra ------------------------------------------------------------------------------------
    def cluster(self, name: str) -> Aks:
        if name not in self.clusters:
            raise CloudError("ResourceNotFound", f"The Resource 'Microsoft.ContainerService/managedClusters/{name}' "
                             "was not found.", "ARM")
        return self.clusters[name]

    def resources_of(self, c: Aks) -> str:
        return (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{c.group}/providers/Microsoft.ContainerService/"
                f"managedClusters/{c.name}")

    def assign(self, inputs: dict[str, Any], caller: str) -> str:
        scope, principal = inputs["scope"], inputs["principalId"]
        role = inputs["roleDefinitionId"].rsplit("/", 1)[1]
        if not any(scope == r or scope.startswith(r + "/") for r in self.resources):
            raise CloudError("InvalidResourceGroup" if "/resourceGroups/" not in scope else "ResourceNotFound",
                             f"scope {scope} was not found", "ARM")
        if principal not in self.principals and not inputs.get("principalType"):
            # A principal Entra has not replicated yet is not found unless principalType says what it is
            # (role-assignments-template.md, "New service principal").
            raise CloudError("PrincipalNotFound", f"Principal {principal} does not exist in the directory {TENANT}.",
                             "Azure RBAC")
        for a in self.assignments.values():
            if (a.scope, a.role, a.principal) == (scope, role, principal):
                raise CloudError("RoleAssignmentExists", "The role assignment already exists.", "Azure RBAC")
        rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
        self.assignments[rid] = Assignment(scope, role, principal)
        return rid

    def sleep(self, duration: str) -> None:
        """A time.Sleep: the clock moves, and assignments made long enough ago take effect."""
        if _seconds(duration) >= RBAC_PROPAGATION_SECONDS:
            for a in self.assignments.values():
                a.effective = True

    def run_ended(self) -> None:
        """Between two runs time passes: every assignment has propagated."""
        for a in self.assignments.values():
            a.effective = True

    def authorized(self, cluster: str, principal: str, write: bool) -> str | None:
        """Why ``principal`` may not call the cluster's Kubernetes API (Azure RBAC for Kubernetes authorization),
        or None."""
        c = self.cluster(cluster)
        scope = self.resources_of(c)
        roles = {"b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"} | (set() if write else {"7f6c6a51-bcf8-42ba-9220-52d62157d7db"})
        held = [a for a in self.assignments.values() if a.principal == principal and a.role in roles
                and scope.startswith(a.scope)]
        if not held:
            return f"Forbidden: {principal} has no Azure Kubernetes Service RBAC role on {c.name}"
        if not any(a.effective for a in held):
            return f"Forbidden: the role assignment of {principal} on {c.name} has not propagated yet"
        return None

    def autoscale(self, cluster: str, pool: str, count: int) -> None:
        """AKS's cluster autoscaler moves a pool's node count (within its min and max)."""
        self.cluster(cluster).pools[pool] = count

    def credentials(self, resource_group: str, cluster: str) -> dict[str, Any]:
        """listClusterUserCredential: the exec kubeconfig of a cluster that exists."""
        from ..mocks import mock_kubeconfig

        c = self.cluster(cluster)
        if c.group != resource_group:
            raise CloudError("ResourceNotFound", f"cluster {cluster} is not in {resource_group}", "ARM")
        return {"kubeconfigs": [{"name": "clusterUser", "value": mock_kubeconfig(cluster)}]}

"""What running nodes hold on to in EC2: the placement group and the security groups their launch template
names. EC2 refuses to delete either while instances use it, so a destroy that removed them before the node
group fails in the harness as it does for real (issue 20's EFA pools)."""

from __future__ import annotations

from typing import Any

from .errors import CloudError

#: Resource types ``Held.delete`` handles.
EC2_HELD = ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/placementGroup:PlacementGroup",
            "aws:ec2/securityGroup:SecurityGroup")


def lt_id(inputs: dict[str, Any]) -> str:
    """The id of the launch template a node group's inputs name."""
    return str((inputs.get("launchTemplate") or {}).get("id", ""))


class Held:
    def __init__(self, clusters: dict[str, Any]):
        #: The account's EKS clusters (``Aws.clusters``), whose node groups name their launch template.
        self.clusters = clusters
        #: Launch template id -> (its placement group name, the security groups of its network interfaces).
        self.launch_templates: dict[str, tuple[str | None, frozenset[str]]] = {}
        #: Other holders of network interfaces (an ElastiCache group's nodes) -> their security groups.
        self.attached: dict[str, frozenset[str]] = {}

    def record(self, ident: str, inputs: dict[str, Any]) -> None:
        groups = frozenset(g for n in inputs.get("networkInterfaces") or [] for g in n.get("securityGroups") or [])
        self.launch_templates[ident] = ((inputs.get("placement") or {}).get("groupName"), groups)

    def _running(self) -> list[tuple[str | None, frozenset[str]]]:
        """The placement and interface security groups of every node group that has nodes (desired > 0)."""
        return [self.launch_templates[ng.launch_template] for c in self.clusters.values()
                for ng in c.nodegroups.values() if ng.desired_size > 0 and ng.launch_template in self.launch_templates]

    def delete(self, typ: str, ident: str, name: str) -> None:
        """Delete a launch template, placement group (by ``name``) or security group (by id ``ident``)."""
        if typ.endswith(":LaunchTemplate"):
            self.launch_templates.pop(ident, None)
        elif typ.endswith(":PlacementGroup"):
            self.delete_placement_group(name)
        else:
            self.delete_security_group(ident)

    def delete_placement_group(self, name: str) -> None:
        """EC2 DeletePlacementGroup refuses a group that still holds instances (EC2 API reference, error codes:
        InvalidPlacementGroup.InUse, "The specified placement group is in use"). terraform-provider-aws
        ec2/placement_group.go resourcePlacementGroupDelete fails on it at once; only
        InvalidPlacementGroup.Unknown (deleted by hand) counts as done, as here."""
        if any(placement == name for placement, _ in self._running()):
            raise CloudError("InvalidPlacementGroup.InUse", f"The placement group '{name}' is in use and may not be "
                             "deleted", "EC2 API reference, error codes")

    def delete_security_group(self, group_id: str) -> None:
        """EC2 DeleteSecurityGroup refuses a group attached to a network interface (EC2 API reference, error
        codes: DependencyViolation; VPC user guide, "delete a security group"). terraform-provider-aws
        ec2/vpc_security_group.go resourceSecurityGroupDelete retries DependencyViolation until its delete
        timeout; nodes of a node group that still exists never go, so the harness fails at once."""
        if any(group_id in groups for _, groups in self._running()) or \
                any(group_id in groups for groups in self.attached.values()):
            raise CloudError("DependencyViolation", f"resource {group_id} has a dependent object",
                             "EC2 API reference, error codes")

"""EKS rules: cluster, endpoint, network, system pool and node pools (pure). Pulumi-free."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ... import versions
from ...hardware import catalog, efa
from ...hardware.accelerators import ACCELERATOR_KINDS, IMPLEMENTED_KINDS
from ...model.findings import Finding
from ...rules.api_access import check_private_reachable, check_public_access, cidr_entries
from ...rules.common import DNS1123_LABEL, check_name, key
from ...rules.kube import check_labels, check_taints
from ...rules.pools import check_system_capacity
from ...spec.coerce import to_camel
from ..rules_base import GKE_ONLY_POOL, created_pool_specs
from . import karpenter_rules
from .ami import AMI_TABLE
from .partitions import partition_for_region
from .pools import NODEGROUP_NAME_MAX, NODEGROUP_SUFFIX_LENGTH, nodegroup_name

MIN_DISK_GIB = 100


#: botocore's logs model, PutRetentionPolicy retentionInDays: "Possible values are: 1, 3, ..., 3653".
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)


#: The widest deploy window: one runner, or the NAT range of a runner pool.
DEPLOY_WINDOW_MIN_PREFIX = 24


def check_deploy_window(cidrs: list[str], findings: list[Finding], warnings: list[Finding]) -> None:
    """deployFrom: public IPv4 CIDRs, /24 or narrower (EKS sees a runner's public egress address), each
    warned: the plan says that this run opens the endpoint."""
    before = len(findings)
    for i, c, net in cidr_entries("deployFrom", cidrs, findings, "203.0.113.7/32"):
        if net.prefixlen < DEPLOY_WINDOW_MIN_PREFIX:
            findings.append(Finding(key(f"deployFrom[{i}]"), c,
                                    f"a deploy window is one runner's address or a NAT range: /{DEPLOY_WINDOW_MIN_PREFIX}"
                                    " or narrower (publicAccessCidrs is for standing access)"))
        elif not net.is_global:
            findings.append(Finding(key(f"deployFrom[{i}]"), c,
                                    "not a public address: the public endpoint sees the runner's public egress "
                                    "address (a runner inside the VPC or a peered network uses apiIngressCidrs)"))
    if cidrs and len(findings) == before:
        warnings.append(Finding(key("deployFrom"), cidrs,
                                "deploy window: this run makes the API endpoint public to these addresses as well; "
                                "remove deployFrom and run `pulumi up` again to close it (the shipped up workflow "
                                "does both)", severity="warning"))


def check_create_mode(spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                      warnings: list[Finding], region: str | None = None) -> None:
    """``spec``: the defaulted PlatformSpec; ``given``: what the user wrote (for presence checks)."""
    ver = spec["kubernetes_version"]
    if ver not in versions.EKS_SUPPORTED_VERSIONS:
        findings.append(Finding(key("kubernetesVersion"), ver, f"allowed: {', '.join(versions.EKS_SUPPORTED_VERSIONS)}"))
    elif versions.eks_support(ver) == "extended":
        prices = versions.EKS_CONTROL_PLANE_USD_PER_HOUR
        warnings.append(Finding(key("kubernetesVersion"), ver,
                                f"EKS {ver} left standard support on {versions.EKS_STANDARD_SUPPORT_ENDS[ver]}: the "
                                f"control plane bills extended support, ${prices['extended']:.2f} an hour instead of "
                                f"${prices['standard']:.2f}, until you move to a newer minor "
                                f"({', '.join(v for v in versions.EKS_SUPPORTED_VERSIONS if v > ver)})",
                                severity="warning"))
    check_public_access(spec, findings, warnings)
    check_deploy_window(spec["deploy_from"], findings, warnings)
    days = spec["log_retention_days"]
    if days not in LOG_RETENTION_DAYS:
        findings.append(Finding(key("logRetentionDays"), days,
                                f"CloudWatch keeps logs for one of: {', '.join(map(str, LOG_RETENTION_DAYS))} days"))
    # The cluster security group admits only itself: with a private endpoint and no rule, every Kubernetes
    # resource would time out after the AWS resources are built (EKS cluster-endpoint docs).
    check_private_reachable(spec, findings, "the API endpoint is private and nothing where `pulumi up` runs could "
                            "reach it: list the networks it runs from (e.g. the VPC's CIDR for a CI runner inside it, "
                            "or a peered or VPN network), or set endpointPublicAccess with publicAccessCidrs limited "
                            "to the runner's addresses")
    check_network(spec["network"], findings)
    karpenter_rules.check_platform(spec, given, findings)
    partition = partition_for_region(region) if region else "aws"
    for list_key in ("gpu_pools", "node_pools"):
        for i, pool in enumerate(spec.get(list_key) or []):
            if pool.get("efa") and partition != "aws":
                findings.append(Finding(key(f"{to_camel(list_key)}[{i}].efa"), True,
                                        f"the EFA device plugin's image is published for the aws partition "
                                        f"({versions.EFA_DEVICE_PLUGIN_IMAGE}); raystack does not know its "
                                        f"registry in {partition} ({region}): remove efa"))
    explicit_azs = spec["network"].get("availability_zones")  # optional
    if explicit_azs:
        check_availability_zones(explicit_azs, region, findings)
    for list_key, i, p in created_pool_specs(spec):
        az = p.get("availability_zone")  # optional
        if not az:
            continue
        if region and not re.fullmatch(re.escape(region) + r"[a-z]", az):
            findings.append(Finding(key(f"{list_key}[{i}].availabilityZone"), az,
                                    f"not an availability zone of the stack's region {region}"))
        elif explicit_azs and az not in explicit_azs:
            findings.append(Finding(key(f"{list_key}[{i}].availabilityZone"), az,
                                    f"the cluster has no subnet there; network.availabilityZones: {', '.join(explicit_azs)}"))
    check_admin_arns(spec["admin_role_arns"], findings, region=region)
    check_admin_arns(spec["viewer_role_arns"], findings, "viewerRoleArns", region=region)
    for i, arn in enumerate(spec["viewer_role_arns"]):
        if arn in spec["admin_role_arns"]:
            findings.append(Finding(key(f"viewerRoleArns[{i}]"), arn, "also in adminRoleArns: EKS allows one access "
                                    "entry per principal; list it once"))
    if given.get("existing_pools"):
        findings.append(Finding(key("existingPools"), [p.get("name") for p in given["existing_pools"]],
                                "clusterMode create builds a new cluster: it has no existing nodes; declare pools "
                                "under gpuPools"))
    if given.get("azure"):
        findings.append(Finding(key("azure"), given["azure"], "only with cloud: azure (this stack's cloud is aws)"))
    sys_pool = spec["system_pool"]
    check_system_capacity(sys_pool, findings)
    if sys_pool["instance_type"] not in catalog.cpu_types():
        findings.append(Finding(key("systemPool.instanceType"), sys_pool["instance_type"],
                                catalog.describe_allowed(catalog.cpu_types(), sys_pool["instance_type"])))
    if not 1 <= sys_pool["min_size"] <= sys_pool["max_size"]:
        findings.append(Finding(key("systemPool.minSize"), sys_pool["min_size"],
                                f"allowed 1..{sys_pool['max_size']} (maxSize)"))


#: A return route's target keys, and the id each takes (EC2 id prefixes: tgw-, pcx-, vgw-).
RETURN_ROUTE_TARGETS = {"transit_gateway_id": "tgw", "vpc_peering_connection_id": "pcx", "vpn_gateway_id": "vgw"}


def check_return_routes(routes: list[dict[str, Any]], vpc_cidr: str, findings: list[Finding]) -> None:
    """network.returnRoutes: a peered or VPN network's IPv4 CIDR outside the VPC (the VPC's local route
    and the NAT default route are raystack's), each once, with exactly one target of the right kind."""
    try:
        vpc = ipaddress.IPv4Network(vpc_cidr)
    except ValueError:
        vpc = None
    seen: set[str] = set()
    for i, r in enumerate(routes):
        at = f"network.returnRoutes[{i}]"
        cidr = r.get("cidr")
        try:
            net = ipaddress.IPv4Network(cidr or "")
        except ValueError:
            findings.append(Finding(key(f"{at}.cidr"), cidr, "required: the other network's IPv4 CIDR, such as 10.90.0.0/16"))
            net = None
        if net is not None:
            if net.prefixlen == 0:
                findings.append(Finding(key(f"{at}.cidr"), cidr, "the default route is the NAT gateway's; name the "
                                        "other network's CIDR"))
            elif vpc is not None and net.overlaps(vpc):
                findings.append(Finding(key(f"{at}.cidr"), cidr, f"overlaps the VPC's {vpc_cidr}: traffic to it stays "
                                        "in the VPC (local route)"))
            elif str(net) in seen:
                findings.append(Finding(key(f"{at}.cidr"), cidr, "listed twice: a route table has one route per CIDR"))
            seen.add(str(net))
        targets = [t for t in RETURN_ROUTE_TARGETS if r.get(t)]
        if len(targets) != 1:
            findings.append(Finding(key(at), {to_camel(t): r[t] for t in targets},
                                    "exactly one of transitGatewayId, vpcPeeringConnectionId, vpnGatewayId"))
            continue
        (t,) = targets
        if not re.fullmatch(rf"{RETURN_ROUTE_TARGETS[t]}-[0-9a-f]{{8}}([0-9a-f]{{9}})?", str(r[t])):
            findings.append(Finding(key(f"{at}.{to_camel(t)}"), r[t],
                                    f"must be an EC2 id such as {RETURN_ROUTE_TARGETS[t]}-0123456789abcdef0"))


def check_network(net: dict[str, Any], findings: list[Finding]) -> None:
    if net.get("vpc_id"):  # optional: an existing VPC
        if net.get("return_routes"):
            findings.append(Finding(key("network.returnRoutes"), net["return_routes"],
                                    "only with a VPC raystack creates: add routes to an existing VPC's own route tables"))
        subnets = net.get("private_subnet_ids")
        if not subnets:
            findings.append(Finding(key("network.privateSubnetIds"), None,
                                    "required with network.vpcId (at least 2 subnets in different AZs)"))
        elif len(subnets) < 2:
            findings.append(Finding(key("network.privateSubnetIds"), subnets,
                                    "EKS needs subnets in at least 2 availability zones"))
        return
    cidr = net["cidr"]
    try:
        if not 16 <= ipaddress.IPv4Network(cidr).prefixlen <= 20:
            findings.append(Finding(key("network.cidr"), cidr, "allowed: a /16 to /20 IPv4 block (VPC limits)"))
    except ValueError:
        findings.append(Finding(key("network.cidr"), cidr, "must be an IPv4 CIDR such as 10.0.0.0/16"))
    azs = net.get("availability_zones")  # optional: else the first az_count available
    count = len(azs) if azs else net["az_count"]
    if not 2 <= count <= 4:
        at = "network.availabilityZones" if azs else "network.azCount"
        findings.append(Finding(key(at), azs or count, "allowed: 2 to 4 availability zones"))
    check_return_routes(net.get("return_routes") or [], cidr, findings)


def creatable_accelerator_types() -> list[str]:
    """Accelerator types a created pool may use: of an implemented kind and a supported model (the allowed
    list never offers what the next check refuses: newcomer review, mistakes table)."""
    return [n for n in catalog.accelerator_types() if (it := catalog.lookup(n)).accelerator_kind in IMPLEMENTED_KINDS
            and it.accelerator_model not in ACCELERATOR_KINDS[it.accelerator_kind].unsupported_models]


def check_node_pool(base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                    accelerator_required: bool = True) -> None:
    """``p``: a defaulted NodePoolSpec; ``base``: its key path (gpuPools need an accelerator, nodePools not)."""
    check_name(findings, f"{base}.name", p["name"], DNS1123_LABEL, 30, "DNS-1123 label")
    if "spot_max_price" in p:
        findings.append(Finding(f"{base}.spotMaxPrice", p["spot_max_price"],
                                "only on AKS (cloud: azure): EC2 Spot has no maximum price here; a node group's "
                                "Spot nodes cost the current Spot price"))
    for field, what in GKE_ONLY_POOL.items():
        if p.get(field) is not None:
            findings.append(Finding(f"{base}.{to_camel(field)}", p[field], f"not on EKS: {what}"))
    if p["os"] not in {o for o, _, _ in AMI_TABLE}:
        findings.append(Finding(f"{base}.os", p["os"], "not an EKS node OS (AKS's or GKE's); EKS pools run al2023 or "
                                                       "bottlerocket"))
        return
    prefix = nodegroup_name(cluster_name or "", p["name"])
    if cluster_name and len(prefix) + NODEGROUP_SUFFIX_LENGTH > NODEGROUP_NAME_MAX:
        findings.append(Finding(f"{base}.name", p["name"], f"node group name prefix '{prefix}' leaves no room for the "
                                                           f"{NODEGROUP_SUFFIX_LENGTH}-character unique suffix within "
                                                           f"{NODEGROUP_NAME_MAX}; allowed: at most "
                                                           f"{NODEGROUP_NAME_MAX - NODEGROUP_SUFFIX_LENGTH} characters"))
    check_labels(f"{base}.labels", p["labels"], findings)
    check_taints(f"{base}.taints", p["taints"], findings)
    for i, t in enumerate(p["taints"] if p.get("karpenter") is None else ()):
        if not t["value"]:
            # CA's template for a node group at zero keeps only taints with a value (cluster-autoscaler
            # cloudprovider/aws/aws_wrapper.go @1.35.0): a valueless taint would be invisible to it.
            findings.append(Finding(f"{base}.taints[{i}].value", None,
                                    "required on pools raystack creates: the Cluster Autoscaler ignores taints "
                                    "without a value when it scales a pool up from zero"))
    it_name = p["instance_type"]
    try:
        it = catalog.lookup(it_name)
    except catalog.UnknownInstanceType:
        findings.append(Finding(f"{base}.instanceType", it_name, "not in raystack's catalog; "
                                + catalog.describe_allowed(creatable_accelerator_types(), it_name)))
        return
    if not it.has_accelerator and accelerator_required:
        findings.append(Finding(f"{base}.instanceType", it_name,
                                "has no accelerator; gpuPools take accelerator instance types (CPU pools go under "
                                "nodePools); " + catalog.describe_allowed(creatable_accelerator_types())))
        return
    if it.has_accelerator and it.accelerator_kind not in IMPLEMENTED_KINDS:
        findings.append(Finding(f"{base}.instanceType", it_name,
                                f"{it.accelerator_kind} pools are not implemented for pools this stack creates "
                                f"(implemented: {', '.join(IMPLEMENTED_KINDS)}); nodes of an existing cluster "
                                "can be described under existingPools"))
        return
    reason = ACCELERATOR_KINDS[it.accelerator_kind].unsupported_models.get(it.accelerator_model) \
        if it.has_accelerator else None
    if reason:
        findings.append(Finding(f"{base}.instanceType", it_name, f"{it.accelerator_model} is not supported yet: {reason}"))
        return
    if (p["os"], it.accelerator_kind, it.architecture) not in AMI_TABLE:
        findings.append(Finding(f"{base}.os", p["os"], f"no EKS AMI for {it.accelerator_kind} on {it.architecture}"))
    if p.get("karpenter") is not None:  # a Karpenter NodePool: its own rules (karpenter_rules)
        karpenter_rules.check_pool(base, p, findings)
    mn, mx = p["min_size"], p["max_size"]
    if mn < 0:
        findings.append(Finding(f"{base}.minSize", mn, "allowed: 0 or more"))
    if mx < 1:
        findings.append(Finding(f"{base}.maxSize", mx, "allowed: 1 or more"))
    if mn > mx >= 1:  # a maxSize below 1 is its own finding (one mistake, one message)
        findings.append(Finding(f"{base}.minSize", mn, f"must not exceed maxSize ({mx}); allowed 0..{mx}"))
    if p["disk_size_gib"] < MIN_DISK_GIB:
        findings.append(Finding(f"{base}.diskSizeGib", p["disk_size_gib"],
                                f"Ray GPU images need room: allowed {MIN_DISK_GIB} GiB or more"))
    if p.get("karpenter") is not None:
        return  # node-group launch keys (reservations, EFA, alternatives) are refused for Karpenter pools above
    cap = p["capacity_type"]
    reservation = p.get("capacity_reservation_id")  # optional
    if cap == "CAPACITY_BLOCK" and not reservation:
        findings.append(Finding(f"{base}.capacityReservationId", None, "required with capacityType CAPACITY_BLOCK"))
    if cap == "SPOT" and reservation:
        findings.append(Finding(f"{base}.capacityReservationId", reservation, "not allowed with capacityType SPOT"))
    if p["efa"]:
        check_efa(base, it, p, findings)
    if p["spot_alternatives"] and not p["efa"]:  # with efa, check_efa refuses them: one message
        check_spot_alternatives(f"{base}.spotAlternatives", it, p["spot_alternatives"], cap, findings)
    if reservation and cap != "SPOT" and not p.get("availability_zone"):  # optional key, required here
        findings.append(Finding(f"{base}.availabilityZone", None,
                                "required with capacityReservationId: the AZ the reservation is in (the pool "
                                "launches only from the cluster's subnet there)"))


def check_efa(base: str, it: catalog.InstanceType, p: dict[str, Any], findings: list[Finding]) -> None:
    """EFA on a type raystack wires it for (hardware/efa.py), and on one launch shape: the interfaces are
    per instance type, and one AZ's cluster placement group cannot take a Spot pool's mix of types."""
    if not efa.efa_capable(it.family, it.efa_interfaces):
        capable = [n for n, t in catalog.load_catalog().items() if efa.efa_capable(t.family, t.efa_interfaces)]
        findings.append(Finding(f"{base}.efa", True,
                                f"{it.instance_type} has no EFA raystack wires (families "
                                f"{', '.join(efa.EFA_FAMILIES)}); allowed with efa: {', '.join(capable)}"))
        return
    if p["spot_alternatives"]:
        findings.append(Finding(f"{base}.spotAlternatives", p["spot_alternatives"],
                                "not allowed with efa: an EFA pool launches one instance type (its interfaces "
                                "are per type) into one AZ; remove spotAlternatives"))


#: Most alternatives a Spot pool lists (2-4 types in all): enough to ride out one type's Spot shortage;
#: more, and the catalog rarely has that many truly interchangeable types.
MAX_SPOT_ALTERNATIVES = 3


def interchangeable(a: catalog.InstanceType, b: catalog.InstanceType) -> list[str]:
    """How ``b`` differs from ``a`` in what sizing and placement read (empty: interchangeable).
    The accelerator model counts: Ray's accelerator-type label and the Cluster Autoscaler's GPU
    label are per node group, so a g5 (A10G) and a g6 (L4) cannot share one."""
    pairs = (("vCPUs", a.vcpu, b.vcpu), ("memory GiB", a.memory_gib, b.memory_gib),
             ("architecture", a.architecture, b.architecture),
             ("accelerators", f"{a.accelerator_count}x {a.accelerator_model or a.accelerator_kind}",
              f"{b.accelerator_count}x {b.accelerator_model or b.accelerator_kind}"))
    return [f"{what} {y} (not {x})" for what, x, y in pairs if x != y]


def check_spot_alternatives(at: str, it: catalog.InstanceType, alternatives: list[str], capacity_type: str,
                            findings: list[Finding]) -> None:
    if capacity_type != "SPOT":
        findings.append(Finding(at, alternatives, f"only with capacityType SPOT (this pool is {capacity_type}): "
                                                  "on-demand and reserved pools launch their one instanceType"))
        return
    candidates = [n for n, other in catalog.load_catalog().items()
                  if n != it.instance_type and not interchangeable(it, other)]
    allowed = f"allowed with {it.instance_type}: {', '.join(candidates) or 'none in the catalog'}"
    if len(alternatives) > MAX_SPOT_ALTERNATIVES:
        findings.append(Finding(at, alternatives, f"{len(alternatives)} listed; allowed: 1..{MAX_SPOT_ALTERNATIVES} "
                                                  f"(2-4 instance types with instanceType)"))
        return
    seen = {it.instance_type}
    for i, name in enumerate(alternatives):
        if name in seen:
            findings.append(Finding(f"{at}[{i}]", name, f"listed twice (instanceType is {it.instance_type})"))
            continue
        seen.add(name)
        try:
            other = catalog.lookup(name)
        except catalog.UnknownInstanceType:
            findings.append(Finding(f"{at}[{i}]", name, f"not in raystack's catalog; {allowed}"))
            continue
        diffs = interchangeable(it, other)
        if diffs:
            findings.append(Finding(f"{at}[{i}]", name, f"not interchangeable with {it.instance_type}: has "
                                                        f"{'; '.join(diffs)}; {allowed}"))


#: An IAM role or user ARN (access entries take these; an STS assumed-role ARN is a session, not a principal).
_IAM_PRINCIPAL = re.compile(r"^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")
_ASSUMED_ROLE = re.compile(r"^arn:aws[a-z-]*:sts::\d{12}:assumed-role/([\w+=,.@-]+)/")
#: Zone IDs EKS refuses for control-plane subnets (EKS user guide, "Subnet requirements").
REFUSED_ZONE_IDS = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})


def partition_problem(arn: str, region: str) -> str | None:
    """Why ``arn`` cannot be used by a stack in ``region`` (an ARN names its partition), or None."""
    theirs, ours = arn.split(":")[1], partition_for_region(region)
    return None if theirs == ours else f"an ARN of partition {theirs!r}; the stack deploys to {region}, partition {ours!r}"


#: The IRSA annotation (EKS IAM roles for service accounts).
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


def check_pod_identity(at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
    """``sa``: a defaulted ServiceAccountSpec with podIdentity (``at``: its key path)."""
    for field in ("storage_read", "storage_read_write"):
        if sa["pod_identity"].get(field):
            findings.append(Finding(f"{at}.podIdentity.{to_camel(field)}", sa["pod_identity"][field],
                                    "Azure storage scopes, only with cloud: azure; on EKS list S3 buckets under "
                                    f"{'s3Read' if field == 'storage_read' else 's3ReadWrite'}"))
    for i, arn in enumerate(sa["pod_identity"]["managed_policy_arns"]):
        problem = region and arn.startswith("arn:") and partition_problem(arn, region)
        if problem:
            findings.append(Finding(f"{at}.podIdentity.managedPolicyArns[{i}]", arn, problem))
    if IRSA_ANNOTATION in (sa.get("annotations") or {}):
        # The SDKs' default chain reads IRSA's web identity before the container credentials Pod Identity
        # serves (botocore credentials.py create_credential_resolver: the profile providers, web identity
        # among them, come before ContainerProvider): the pod would silently run as the IRSA role.
        findings.append(Finding(f"{at}.annotations[{IRSA_ANNOTATION!r}]", sa["annotations"][IRSA_ANNOTATION],
                                "IRSA next to a Pod Identity role (podIdentity, or the one observability.logs gives "
                                "the log shipper): the AWS SDKs pick IRSA's role first, so the Pod Identity role "
                                "would never be used; keep one of them"))


def check_admin_arns(arns: list[str], findings: list[Finding], list_key: str = "adminRoleArns",
                     region: str | None = None) -> None:
    seen: set[str] = set()
    for i, arn in enumerate(arns):
        at = key(f"{list_key}[{i}]")
        assumed = _ASSUMED_ROLE.match(arn)
        if assumed:
            account = arn.split(":")[4]
            findings.append(Finding(at, arn, "an STS assumed-role session ARN is not an IAM principal; use the role: "
                                             f"arn:aws:iam::{account}:role/{assumed.group(1)}"))
        elif not _IAM_PRINCIPAL.match(arn):
            findings.append(Finding(at, arn, "must be an IAM role or user ARN such as "
                                             "arn:aws:iam::123456789012:role/platform-admins"))
        elif region and (problem := partition_problem(arn, region)):
            # EKS access entries take principals of the cluster's own partition (an ARN names it).
            findings.append(Finding(at, arn, problem))
        if arn in seen:
            findings.append(Finding(at, arn, "listed twice"))
        seen.add(arn)


def check_availability_zones(azs: list[str], region: str | None, findings: list[Finding]) -> None:
    at = key("network.availabilityZones")
    if len(set(azs)) != len(azs):
        findings.append(Finding(at, azs, "availability zones must be distinct"))
    for i, az in enumerate(azs):
        if region and not re.fullmatch(re.escape(region) + r"[a-z]", az):
            findings.append(Finding(f"{at}[{i}]", az, f"not an availability zone of the stack's region {region} "
                                                      f"(aws:region); e.g. {region}a"))

"""The typed, plain-data description of a raystack platform.

These TypedDicts are the argument types of the components (so other Pulumi
languages see the same shapes) and the shape of the stack configuration.
Stack files spell keys in camelCase (``instanceType``); Python code uses
snake_case (``instance_type``). ``coerce`` walks a value against a TypedDict,
converts key spelling, checks types and reports unknown keys, collecting every
problem with the key path it came from. Pulumi-free.
"""


import json
import re
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypedDict, Union

from typing_extensions import NotRequired, Required

from .errors import Finding


# String enums rather than Literal: Pulumi's component analyzer turns them into
# schema enums for other languages, and their members compare equal to strings.
class CapacityType(str, Enum):
    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"
    CAPACITY_BLOCK = "CAPACITY_BLOCK"


class OperatingSystem(str, Enum):
    AL2023 = "al2023"
    BOTTLEROCKET = "bottlerocket"


class TaintEffect(str, Enum):
    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class ClusterMode(str, Enum):
    CREATE = "create"
    EXISTING = "existing"


class NatGateways(str, Enum):
    SINGLE = "single"
    PER_AZ = "per_az"


class UpscalingMode(str, Enum):
    DEFAULT = "Default"
    AGGRESSIVE = "Aggressive"
    CONSERVATIVE = "Conservative"


class RayAuth(str, Enum):
    TOKEN = "token"
    DISABLED = "disabled"


class TaintSpec(TypedDict):
    key: str
    value: NotRequired[str]
    effect: TaintEffect


class NodePoolSpec(TypedDict, total=False):
    """An accelerator node pool this stack creates (an EKS managed node group)."""

    name: Required[str]
    """Pool name: a DNS-1123 label, unique in the stack."""
    instance_type: Required[str]
    """An accelerator instance type from raystack's catalog."""
    capacity_type: CapacityType
    """ON_DEMAND (default), SPOT or CAPACITY_BLOCK."""
    min_size: int
    """Minimum nodes (default 0: the pool scales from zero)."""
    max_size: int
    """Maximum nodes (default 2)."""
    os: OperatingSystem
    """al2023 (default; raystack installs the NVIDIA device plugin) or bottlerocket."""
    disk_size_gib: int
    """Encrypted gp3 volume for container images, at least 100 GiB (default 200)."""
    labels: dict[str, str]
    """Extra node labels."""
    taints: list[TaintSpec]
    """Extra taints besides the accelerator taint."""
    efa: bool
    """Attach EFA interfaces and use a cluster placement group (families with EFA only)."""
    capacity_reservation_id: str
    """Capacity Block or ODCR id; required with CAPACITY_BLOCK."""
    subnet_ids: list[str]
    """Subnets for this pool (default: the cluster's private subnets; EFA and
    Capacity Blocks use the first one only)."""


class ExistingPoolSpec(TypedDict, total=False):
    """Nodes of an existing cluster, described by their labels and taints."""

    name: Required[str]
    node_selector: Required[dict[str, str]]
    """Labels every node of the pool carries (the worker group selects on them)."""
    taints: list[TaintSpec]
    instance_type: str
    """Catalog instance type; fills in accelerator, CPU, memory and price."""
    accelerator_kind: str
    accelerators_per_node: int
    allocatable_cpu_millis: int
    allocatable_memory_mib: int
    max_nodes: Required[int]
    min_nodes: int
    capacity_type: CapacityType


class SystemPoolSpec(TypedDict, total=False):
    instance_type: str
    min_size: int
    max_size: int
    disk_size_gib: int


class NetworkSpec(TypedDict, total=False):
    cidr: str
    """VPC CIDR (default 10.0.0.0/16)."""
    availability_zones: list[str]
    """Explicit AZs; otherwise the first ``az_count`` available ones."""
    az_count: int
    nat_gateways: NatGateways
    vpc_id: str
    """Use an existing VPC (with ``private_subnet_ids``) instead of creating one."""
    private_subnet_ids: list[str]
    public_subnet_ids: list[str]


class HeadSpec(TypedDict, total=False):
    cpu: int
    memory_gib: int
    pool: str
    """Pool the head runs on (default: the system pool; with an existing
    cluster, a CPU pool from existingPools)."""


class WorkerGroupSpec(TypedDict, total=False):
    name: Required[str]
    pool: Required[str]
    """Name of a pool in ``gpuPools`` or ``existingPools``."""
    accelerators_per_worker: int
    """Accelerators each Ray worker pod gets (default: all of the node's)."""
    min_workers: int
    max_workers: int
    """Default: what the pool can hold at its maximum size."""
    cpu: int
    """Whole CPUs per worker (default: the node's allocatable share)."""
    memory_gib: int
    idle_timeout_seconds: int


class RayClusterSpec(TypedDict, total=False):
    name: Required[str]
    namespace: str
    ray_version: str
    python_tag: str
    head: HeadSpec
    worker_groups: list[WorkerGroupSpec]
    idle_timeout_seconds: int
    upscaling_mode: UpscalingMode
    auth: RayAuth
    """Ray token authentication (default token)."""
    network_policy: bool
    """Create NetworkPolicies isolating the cluster (default true)."""


class KubeRaySpec(TypedDict, total=False):
    namespace: str
    retain_crds_on_delete: bool
    """Leave the CRDs in the cluster on destroy (default true): deleting a CRD
    deletes every custom resource of that kind, also other stacks'."""


class PlatformSpec(TypedDict, total=False):
    environment: str
    cluster_name: str
    cluster_mode: ClusterMode
    kubernetes_version: str
    endpoint_public_access: bool
    public_access_cidrs: list[str]
    admin_role_arns: list[str]
    protect: bool
    existing_cluster_name: str
    kubeconfig: str
    ray_version: str
    cluster_autoscaler: bool
    network: NetworkSpec
    system_pool: SystemPoolSpec
    gpu_pools: list[NodePoolSpec]
    existing_pools: list[ExistingPoolSpec]
    ray_clusters: list[RayClusterSpec]
    kuberay: KubeRaySpec


# --- key spelling ------------------------------------------------------------

def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def to_snake(name: str) -> str:
    return _CAMEL_RE.sub("_", name).lower()


# --- structural coercion -----------------------------------------------------

_HINTS: dict[type, tuple[dict[str, Any], frozenset[str]]] = {}


def _strip_marker(tp: Any) -> tuple[Any, bool | None]:
    """(type without Required/NotRequired, True/False if marked, None if not)."""
    origin = typing.get_origin(tp)
    if origin is Required:
        return typing.get_args(tp)[0], True
    if origin is NotRequired:
        return typing.get_args(tp)[0], False
    return tp, None


def _fields(td: type) -> tuple[dict[str, Any], frozenset[str]]:
    """Field types and required keys of a TypedDict. Worked out from the
    annotations: with postponed annotations, or on Python 3.10,
    ``__required_keys__`` does not see Required/NotRequired."""
    if td not in _HINTS:
        hints: dict[str, Any] = {}
        required: set[str] = set()
        for klass in reversed(td.__mro__):
            if not hasattr(klass, "__annotations__") or klass in (dict, object):
                continue
            total = getattr(klass, "__total__", True)
            own = typing.get_type_hints(klass, include_extras=True)
            for name in klass.__dict__.get("__annotations__", {}):
                tp, marked = _strip_marker(own[name])
                hints[name] = tp
                if marked is True or (marked is None and total):
                    required.add(name)
                else:
                    required.discard(name)
        _HINTS[td] = (hints, frozenset(required))
    return _HINTS[td]


def _hints(td: type) -> dict[str, Any]:
    return _fields(td)[0]


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    if _is_typeddict(tp):
        return "an object"
    if origin in (list,):
        return "a list"
    if origin in (dict,):
        return "a map of strings"
    return {str: "a string", int: "an integer", bool: "true or false", float: "a number"}.get(tp, str(tp))


class Coercer:
    """Walks a value against a type; camel or snake keys in, snake keys out."""

    def __init__(self, camel: bool):
        self.camel = camel
        self.findings: list[Finding] = []

    def key(self, path: str, field: str) -> str:
        shown = to_camel(field) if self.camel else field
        return f"{path}.{shown}" if path else shown

    def fail(self, path: str, value: Any, what: str) -> None:
        self.findings.append(Finding(path, value, what))

    def coerce(self, tp: Any, value: Any, path: str) -> Any:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if value is None:
                return None
            return self.coerce(args[0], value, path)
        if _is_typeddict(tp):
            return self._typeddict(tp, value, path)
        if isinstance(tp, type) and issubclass(tp, Enum):
            allowed = [m.value for m in tp]
            value = value.value if isinstance(value, Enum) else value
            if value not in allowed:
                self.fail(path, value, f"must be one of {', '.join(repr(a) for a in allowed)}")
            return value
        if origin is list:
            (item,) = typing.get_args(tp)
            if not isinstance(value, list):
                self.fail(path, value, f"must be {_describe(tp)}")
                return []
            return [self.coerce(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if origin is dict:
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                self.fail(path, value, "must be a map of string keys to string values")
                return {}
            return dict(value)
        if tp is bool:
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if not isinstance(value, bool):
                self.fail(path, value, "must be true or false")
            return value
        if tp is int:
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)  # other languages send numbers as floats
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, value, "must be an integer")
            return value
        if tp is str:
            if not isinstance(value, str):
                self.fail(path, value, "must be a string")
            return value
        return value

    def _typeddict(self, td: type, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, value, "must be an object")
            return {}
        hints = _hints(td)
        out: dict[str, Any] = {}
        for raw_key, v in value.items():
            field = to_snake(raw_key) if self.camel else raw_key
            if field not in hints:
                allowed = ", ".join((to_camel(f) if self.camel else f) for f in hints)
                self.fail(f"{path}.{raw_key}" if path else raw_key, v, f"unknown key; allowed keys: {allowed}")
                continue
            out[field] = self.coerce(hints[field], v, self.key(path, field))
        for req in sorted(_fields(td)[1]):
            if req not in out:
                self.fail(self.key(path, req), None, f"is required ({_describe(hints[req])})")
        return out


def coerce(td: type, value: Any, path: str = "", camel: bool = False) -> tuple[Any, list[Finding]]:
    c = Coercer(camel)
    out = c.coerce(td, value, path)
    return out, c.findings


#: PlatformSpec keys whose values may be secrets: passed through undecoded.
SECRET_KEYS = frozenset({"kubeconfig"})


def decode_config(values: Mapping[str, Any]) -> dict[str, Any]:
    """Stack config values as the engine hands them over (camelCase keys without
    the namespace; strings, objects as JSON) -> the raw dict ``resolve_platform``
    takes. String-typed keys stay strings; unknown keys are kept for the
    validator to report; undecodable JSON is kept as text for it to name."""
    fields = {to_camel(f): (f, tp) for f, tp in _hints(PlatformSpec).items()}
    raw: dict[str, Any] = {}
    for key, value in values.items():
        field, tp = fields.get(key, (None, None))
        if not isinstance(value, str) or field in SECRET_KEYS or tp is str or (
                isinstance(tp, type) and issubclass(tp, Enum)):
            raw[key] = value
            continue
        try:
            raw[key] = json.loads(value)
        except json.JSONDecodeError:
            raw[key] = value
    return raw

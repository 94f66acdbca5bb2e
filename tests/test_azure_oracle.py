"""The AKS requests raystack registers, checked against a model of Azure's API nobody here wrote:
azure-mgmt-containerservice 40.1.0, generated from azure-rest-api-specs at API 2025-09-01, the version
pulumi-azure-native 3.29.0's containerservice module speaks (raystack.versions.AKS_API_VERSION).

Every member of a ManagedCluster and AgentPool request must be one the model has (matched the way the provider
maps its camelCase inputs onto the API's members), writable (not read-only), of the model's type, inside its
range and pattern, and an enum member where the model's member is an enum; required members must be there.
Over both AKS stacks and a variant with everything the stacks leave out (Spot with a price, a CPU pool, Ubuntu,
Entra groups, a private cluster, Workload ID)."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest
from azure.mgmt.containerservice import _configuration, models
from conftest import AKS_STACKS, project, run_stack
from raystack import RayPlatform, testing, versions

#: Path parameters of the PUT: not members of the body.
URL_PARAMS = {"resourceGroupName", "resourceName", "agentPoolName"}
#: The Pulumi resource types and the API model each one's body is.
MODELS = {"azure-native:containerservice:ManagedCluster": models.ManagedCluster,
          "azure-native:containerservice:AgentPool": models.AgentPool}
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object}

VARIANT = {
    "raystack:environment": "prod",
    "raystack:endpointPublicAccess": "false",
    "raystack:publicAccessCidrs": "[]",
    "raystack:apiIngressCidrs": json.dumps(["10.80.0.0/16"]),
    "raystack:network": json.dumps({"cidr": "10.80.0.0/16"}),
    "raystack:azure": json.dumps({"resourceGroupName": "raystack-variant",
                                  "adminGroupObjectIds": ["11111111-2222-4333-8444-555555555555"],
                                  "viewerGroupObjectIds": ["66666666-7777-4888-8999-000000000000"]}),
    "raystack:kuberay": json.dumps({"operator": "helm"}),
    "raystack:gpuPools": json.dumps([
        {"name": "a100spot", "instanceType": "Standard_NC24ads_A100_v4", "capacityType": "SPOT",
         "spotMaxPrice": 2.5, "os": "ubuntu", "maxSize": 3,
         "taints": [{"key": "team", "value": "research", "effect": "NoSchedule"}], "labels": {"team": "research"}}]),
    "raystack:nodePools": json.dumps([{"name": "cpu", "instanceType": "Standard_E16ads_v5", "maxSize": 4}]),
    "raystack:rayClusters": json.dumps([{
        "name": "research", "namespace": "ray",
        "serviceAccount": {"name": "research-workers", "podIdentity": {"storageRead": [
            "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/data/providers/Microsoft.Storage/"
            "storageAccounts/raystackdata/blobServices/default/containers/datasets"]}},
        "workerGroups": [{"name": "gpu", "pool": "a100spot", "maxWorkers": 3},
                         {"name": "cpu", "pool": "cpu", "maxWorkers": 4}]}]),
}
RUNS = [(s, {}) for s in AKS_STACKS] + [("aks-dev", VARIANT)]
IDS = [*AKS_STACKS, "aks-variant"]


def norm(name: str) -> str:
    """A member's name the way the provider's and the SDK's spellings meet: osDiskSizeGB, os_disk_size_gb and
    the API's own (scale-down-unneeded-time) all become one token."""
    return re.sub(r"[-_]", "", name).lower()


def enum_of(model: type, attr: str) -> type | None:
    """The enum an SDK model's member takes (Union[str, "_models.X"] in its __init__), or None."""
    annotation = inspect.signature(model.__init__).parameters.get(attr)
    if annotation is None:
        return None
    found = re.search(r"_models\.(\w+)", str(annotation.annotation))
    enum = getattr(models, found.group(1), None) if found else None
    return enum if isinstance(enum, type) and hasattr(enum, "__members__") else None


def problems(model: type, body: dict[str, Any], at: str, top: bool = False) -> list[str]:
    out: list[str] = []
    # A member's API name is its key's last segment; where the flattened properties and the resource envelope
    # share one (AgentPool's properties.type, the pool's VM scale set type, and type, the read-only ARM type),
    # the provider's input is the property: only the envelope's location, tags, identity, sku... are inputs.
    attrs: dict[str, str] = {}
    for a, meta in model._attribute_map.items():  # type: ignore[attr-defined]
        seg = norm(meta["key"].replace("\\.", "").split(".")[-1])
        if meta["key"].startswith("properties.") or seg not in attrs:
            attrs[seg] = a
    validation = getattr(model, "_validation", {})
    for key, value in body.items():
        if top and key in URL_PARAMS:
            continue
        attr = attrs.get(norm(key))
        if attr is None:
            out.append(f"{at}.{key}: not a member of {model.__name__}")
            continue
        rules = validation.get(attr, {})
        if rules.get("readonly"):
            out.append(f"{at}.{key}: read-only in {model.__name__}")
        out += check_value(model, attr, model._attribute_map[attr]["type"], value, rules, f"{at}.{key}")  # type: ignore[attr-defined]
    for attr, rules in validation.items():
        if rules.get("required") and norm(attr) not in {norm(k) for k in body}:
            out.append(f"{at}: {model.__name__}.{attr} is required")
    return out


def check_value(model: type, attr: str, typ: str, value: Any, rules: dict[str, Any], at: str) -> list[str]:
    if value is None:
        return []
    if typ.startswith("[") and typ.endswith("]"):
        if not isinstance(value, list):
            return [f"{at}: a list ({typ}), not {value!r}"]
        return [p for i, v in enumerate(value) for p in check_value(model, attr, typ[1:-1], v, {}, f"{at}[{i}]")]
    if typ.startswith("{") and typ.endswith("}"):
        if not isinstance(value, dict):
            return [f"{at}: a map ({typ}), not {value!r}"]
        return [p for k, v in value.items() for p in check_value(model, attr, typ[1:-1], v, {}, f"{at}[{k}]")]
    nested = getattr(models, typ, None)
    if isinstance(nested, type) and hasattr(nested, "_attribute_map"):
        if not isinstance(value, dict):
            return [f"{at}: an object ({typ}), not {value!r}"]
        return problems(nested, value, at)
    kind = PRIMITIVES.get(typ)
    if kind is None:
        return [f"{at}: type {typ} is not modelled by this oracle"]
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)  # every number crosses the engine as a double (protobuf Struct); the provider's schema
        # makes it an integer again
    if kind is not object and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        return [f"{at}: {typ} expected, got {value!r}"]
    out = []
    enum = enum_of(model, attr)
    if enum is not None and value not in {m.value for m in enum}:  # type: ignore[attr-defined]
        out.append(f"{at}: {value!r} is not one of {sorted(m.value for m in enum)}")  # type: ignore[attr-defined]
    if "maximum" in rules and value > rules["maximum"]:
        out.append(f"{at}: {value} above {rules['maximum']}")
    if "minimum" in rules and value < rules["minimum"]:
        out.append(f"{at}: {value} below {rules['minimum']}")
    if "pattern" in rules and not re.search(rules["pattern"], value):
        out.append(f"{at}: {value!r} does not match {rules['pattern']}")
    return out


@pytest.fixture(scope="module", params=list(zip(RUNS, IDS, strict=True)), ids=IDS)
def rec(request) -> testing.Recording:
    (stack, extra), _ = request.param
    if not extra:  # a shipped stack as it is: the session's cached run
        return run_stack(stack)
    config = {**testing.load_stack_config(project(), stack), **extra}
    return testing.run(RayPlatform.from_stack_config, config, stack=stack)


def test_the_oracle_speaks_the_providers_api_version():
    """The SDK's default api_version is the one the provider's module is generated for."""
    assert re.search(rf'"api_version", "{versions.AKS_API_VERSION}"', inspect.getsource(_configuration))


def test_every_aks_request_matches_the_api_model(rec):
    checked = set()
    for r in rec.resources:
        model = MODELS.get(r.type)
        if model is None:
            continue
        found = problems(model, dict(r.inputs), r.type.rsplit(":", 1)[1], top=True)
        assert not found, f"{r.urn}: {found}"
        checked.add(r.type)
    assert checked == set(MODELS), f"{rec.resources[0].urn}: checked only {checked}"


def test_the_oracle_fails_a_request_the_api_refuses():
    """It is not an oracle that cannot fail: a wrong enum, an unknown member, a read-only member, a bad agent pool
    name and a disk beyond the API's range are each found."""
    body = {"resourceGroupName": "rg", "location": "eastus", "agentPoolProfiles": [
        {"name": "GPU-pool", "mode": "System", "scaleSetPriority": "spot", "osDiskSizeGB": 4096, "vmSizes": ["x"]}],
        "fqdn": "set-by-azure", "networkProfile": {"networkPluginMode": "Overlay"}}
    found = problems(models.ManagedCluster, body, "ManagedCluster", top=True)
    found += problems(models.AgentPool, {"gpuProfile": {"driver": "install"}, "osSKU": "Ubuntu2404LTS"}, "AgentPool")
    text = "\n".join(found)
    for expected in ("'spot' is not one of", "vmSizes: not a member", "fqdn: read-only", "'GPU-pool' does not match",
                     "4096 above 2048", "'Overlay' is not one of", "'install' is not one of",
                     "'Ubuntu2404LTS' is not one of"):
        assert expected in text, (expected, found)
    assert problems(models.ManagedCluster, {"resourceGroupName": "rg"}, "m", top=True) == [
        "m: ManagedCluster.location is required"]

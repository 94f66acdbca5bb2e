"""The JSON Schema of the stack file: generated from the spec types, shipped, referenced from every
stack file, and in agreement with the validator (what it rejects, resolve rejects; every config
resolve accepts, it accepts)."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
import yaml
from conftest import STACKS
from hypothesis import given
from raystack import ConfigError, resolve
from raystack.spec.json_schema import stack_file_schema
from support import ROOT
from test_bad_configs import CASES, as_config
from test_properties import _bad_capacity, _typo_top, profile, valid_configs

SHIPPED = ROOT / "schema" / "raystack-stack.schema.json"
REFERENCE = "# yaml-language-server: $schema=../schema/raystack-stack.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(stack_file_schema())


def stack_doc(raw: dict) -> dict:
    return {"config": {f"raystack:{k}": v for k, v in raw.items()}}


def test_the_shipped_schema_is_the_generated_one():
    jsonschema.Draft202012Validator.check_schema(stack_file_schema())
    assert json.loads(SHIPPED.read_text()) == stack_file_schema(), (
        "schema/raystack-stack.schema.json is stale: python -c 'import json; from raystack.spec.json_schema "
        "import stack_file_schema; print(json.dumps(stack_file_schema(), indent=1))' > schema/raystack-stack.schema.json")


def test_every_field_is_described():
    schema = stack_file_schema()
    for name, d in schema["$defs"].items():
        for field, prop in d.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_references_and_passes_the_schema(stack):
    path = ROOT / "stacks" / f"Pulumi.{stack}.yaml"
    if os.environ.get("RAYSTACK_UPDATE_GOLDEN") and path.read_text().splitlines()[0] != REFERENCE:
        path.write_text(REFERENCE + "\n" + path.read_text())  # the one documented command for a new stack file
    assert path.read_text().splitlines()[0] == REFERENCE, (
        f"{path}: first line must be {REFERENCE!r} (RAYSTACK_UPDATE_GOLDEN=1 adds it; README, 'Your own stacks')")
    errors = [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(path.read_text()))]
    assert not errors, f"{path}: {errors}"


STRUCTURAL = [c for c in CASES if "did you mean" in c[3] and c[2].rsplit(".", 1)[-1] not in ("pool", "clusterSelector")
              and "instanceType" not in c[2]] + [c for c in CASES if c[0] in (
                  "pool-labels-not-strings", "pool-size-not-int", "cluster-mode-enum", "rc-auth-enum", "pool-os-enum")]


@pytest.mark.parametrize(("raw", "key"), [(c[1], c[2]) for c in STRUCTURAL], ids=[c[0] for c in STRUCTURAL])
def test_structural_mistakes_are_rejected_by_both(raw, key):
    assert list(VALIDATOR.iter_errors(stack_doc(raw))), f"the schema accepts a config that names {key}"
    with pytest.raises(ConfigError):
        resolve(json.loads(json.dumps(raw)))
    assert as_config(raw)  # the same config the program test runs


def test_enough_structural_cases():
    assert len(STRUCTURAL) >= 20, len(STRUCTURAL)


@profile(100)
@given(valid_configs())
def test_what_resolve_accepts_the_schema_accepts(cfg):
    resolve(cfg)
    assert not [e.message for e in VALIDATOR.iter_errors(stack_doc(cfg))]


@profile(50)
@given(valid_configs())
def test_planted_structural_mistakes_fail_both(cfg):
    for plant in (_typo_top, _bad_capacity):
        bad = json.loads(json.dumps(cfg))
        plant(bad)
        assert list(VALIDATOR.iter_errors(stack_doc(bad))), plant.__name__
        with pytest.raises(ConfigError):
            resolve(bad)


def test_the_project_declares_every_scalar_and_string_list_key():
    """Pulumi checks declared project config types at `pulumi config set` and `up`: every scalar
    or list-of-string key of the stack config is declared in Pulumi.yaml (objects cannot be)."""
    import typing
    from enum import Enum

    from raystack.spec.coerce import field_types, to_camel
    from raystack.spec.types import PlatformSpec

    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for name, tp in field_types(PlatformSpec).items():
        scalar = tp in (str, bool, int) or (isinstance(tp, type) and issubclass(tp, Enum))
        str_list = typing.get_origin(tp) is list and typing.get_args(tp) == (str,)
        if scalar or str_list:
            assert to_camel(name) in declared, f"Pulumi.yaml does not declare {to_camel(name)}"


BELOW_BOUNDS = [  # (config change, key resolve names): one value just outside each INTEGER_BOUNDS entry
    ({"gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "minSize": -1, "maxSize": 2}]}, "minSize"),
    ({"gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 0}]}, "maxSize"),
    ({"gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2, "diskSizeGib": 99}]}, "diskSizeGib"),
    ({"network": {"cidr": "10.10.0.0/16", "azCount": 1}}, "azCount"),
    ({"network": {"cidr": "10.10.0.0/16", "azCount": 5}}, "azCount"),
    ({"rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4", "minWorkers": -1}]}]}, "minWorkers"),
    ({"rayClusters": [{"name": "rc", "idleTimeoutSeconds": -1, "workerGroups": [{"name": "w", "pool": "l4"}]}]},
     "idleTimeoutSeconds"),
]


@pytest.mark.parametrize(("change", "field"), BELOW_BOUNDS, ids=[f"{c[1]}-{i}" for i, c in enumerate(BELOW_BOUNDS)])
def test_integer_bounds_in_the_schema_are_the_resolvers(change, field):
    """Newcomer review P9: editors accepted `maxSize: -2`. The schema's bounds refuse what resolve refuses."""
    from raystack.clouds.aws.rules import MIN_DISK_GIB
    from raystack.spec.json_schema import INTEGER_BOUNDS

    assert INTEGER_BOUNDS["disk_size_gib"]["minimum"] == MIN_DISK_GIB
    raw = {**json.loads(json.dumps(BASE_OK)), **change}
    assert list(VALIDATOR.iter_errors(stack_doc(raw))), f"the schema accepts {change}"
    with pytest.raises(ConfigError) as err:
        resolve(raw)
    assert any(f.key.endswith(field) for f in err.value.findings), err.value


BASE_OK = {"clusterName": "unit", "apiIngressCidrs": ["10.10.0.0/16"], "network": {"cidr": "10.10.0.0/16"},
           "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}],
           "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"}]}]}


def test_the_base_of_the_bounds_table_is_valid_for_both():
    assert not list(VALIDATOR.iter_errors(stack_doc(BASE_OK)))
    resolve(json.loads(json.dumps(BASE_OK)))

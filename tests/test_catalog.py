"""raystack.catalog: the instance catalog and the kubelet-allocatable estimates."""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from raystack.hardware import allocatable, catalog
from raystack.hardware.accelerators import ACCELERATOR_KINDS

CATALOG = catalog.load_catalog()
ALL_TYPES = sorted(CATALOG)
ACCELERATOR_ROWS = [t for t in ALL_TYPES if CATALOG[t].has_accelerator]


def _raw_rows() -> list[dict[str, str]]:
    text = resources.files("raystack.hardware").joinpath("data/aws_instances.csv").read_text()
    return list(csv.DictReader(text.splitlines()))


# --- every row loads ----------------------------------------------------------

def test_catalog_is_not_empty():
    assert len(CATALOG) > 0


def test_every_csv_row_is_in_the_catalog_once():
    """No row silently overwrites another (the dict is keyed by instance type)."""
    rows = _raw_rows()
    names = [r["instance_type"] for r in rows]
    assert len(names) == len(set(names)), "duplicate instance types in the CSV"
    assert sorted(names) == ALL_TYPES


@pytest.mark.parametrize("instance_type", ALL_TYPES)
def test_row_is_well_formed(instance_type):
    it = CATALOG[instance_type]
    assert it.instance_type == instance_type
    assert instance_type.startswith(it.family + "."), (instance_type, it.family)
    assert it.architecture in ("x86_64", "arm64")
    assert it.vcpu > 0
    assert it.memory_gib > 0
    assert it.accelerator_count >= 0
    assert it.accelerator_memory_gib >= 0
    assert it.efa_interfaces >= 0
    assert it.max_pods is None or it.max_pods > 0
    assert it.effective_max_pods == (it.max_pods if it.max_pods is not None else catalog.FALLBACK_MAX_PODS)
    assert it.price_usd_hour is None or it.price_usd_hour > 0
    if it.accelerator_kind == "none":
        assert it.accelerator_count == 0
        assert not it.has_accelerator
    else:
        assert it.accelerator_count > 0
        assert it.accelerator_model
        assert it.has_accelerator


@pytest.mark.parametrize("instance_type", ALL_TYPES)
def test_every_row_has_a_source(instance_type):
    assert CATALOG[instance_type].source.strip()


@pytest.mark.parametrize("instance_type", ACCELERATOR_ROWS)
def test_accelerator_kind_is_known(instance_type):
    assert CATALOG[instance_type].accelerator_kind in ACCELERATOR_KINDS


def test_accelerator_and_cpu_types_partition_the_catalog():
    acc, cpu = catalog.accelerator_types(), catalog.cpu_types()
    assert set(acc).isdisjoint(cpu)
    assert sorted(acc + cpu) == ALL_TYPES
    assert acc == ACCELERATOR_ROWS


# --- lookups -------------------------------------------------------------------

LOOKUPS = [
    # instance type, field, expected
    ("g6e.12xlarge", "accelerator_count", 4),
    ("g6e.12xlarge", "accelerator_model", "L40S"),
    ("g6e.12xlarge", "accelerator_kind", "nvidia"),
    ("g6e.12xlarge", "vcpu", 48),
    ("g6e.12xlarge", "memory_gib", 384),
    ("g6e.12xlarge", "architecture", "x86_64"),
    ("g6e.12xlarge", "price_usd_hour", 10.4926),
    ("g6e.12xlarge", "family", "g6e"),
    ("g5g.xlarge", "architecture", "arm64"),
    ("g5g.xlarge", "accelerator_kind", "nvidia"),
    ("g5g.xlarge", "accelerator_count", 1),
    ("trn1.32xlarge", "accelerator_kind", "neuron"),
    ("trn1.32xlarge", "accelerator_count", 16),
    ("trn1.32xlarge", "architecture", "x86_64"),
    ("m7i.xlarge", "accelerator_kind", "none"),
    ("m7i.xlarge", "has_accelerator", False),
]


@pytest.mark.parametrize(("instance_type", "field", "expected"), LOOKUPS)
def test_lookup(instance_type, field, expected):
    got = getattr(catalog.lookup(instance_type), field)
    if isinstance(expected, float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected


@pytest.mark.parametrize("instance_type", ["g9.huge", "", "G6E.12XLARGE", "g6e.12xlarge ", "p5"])
def test_unknown_instance_type_raises(instance_type):
    with pytest.raises(catalog.UnknownInstanceType) as exc:
        catalog.lookup(instance_type)
    assert isinstance(exc.value, KeyError)
    assert exc.value.args == (instance_type,)


# --- allocatable: Karpenter's published values are the oracle -------------------

#: karpenter-provider-aws website/content/en/docs/reference/instance-types.md
#: (the "Resources" table of each instance type: cpu and memory allocatable).
KARPENTER_ALLOCATABLE = [
    ("g5.xlarge", 3920, 14162),
    ("g6e.xlarge", 3920, 29317),
    ("g5.12xlarge", 47810, 173400),
    ("p5.48xlarge", 191450, 1938410),
]


@pytest.mark.parametrize(("instance_type", "cpu_millis", "memory_mib"), KARPENTER_ALLOCATABLE)
def test_allocatable_matches_karpenter(instance_type, cpu_millis, memory_mib):
    it = catalog.lookup(instance_type)
    assert it.allocatable_cpu_millis == cpu_millis
    assert it.allocatable_memory_mib == memory_mib


@pytest.mark.parametrize(("vcpu", "reserved"), [
    (1, 60), (2, 70), (4, 80), (8, 90), (48, 190), (192, 550),
])
def test_kube_reserved_cpu_curve(vcpu, reserved):
    assert allocatable.kube_reserved_cpu_millis(vcpu) == reserved
    assert allocatable.allocatable_cpu_millis(vcpu) == vcpu * 1000 - reserved


@pytest.mark.parametrize(("max_pods", "reserved"), [(29, 574), (58, 893), (737, 8362)])
def test_kube_reserved_memory(max_pods, reserved):
    assert allocatable.kube_reserved_memory_mib(max_pods) == reserved


@settings(max_examples=len(ALL_TYPES) * 2, deadline=None)
@given(st.sampled_from(ALL_TYPES))
def test_allocatable_is_positive_and_below_nominal(instance_type):
    it = CATALOG[instance_type]
    assert 0 < it.allocatable_cpu_millis < it.vcpu * 1000
    assert 0 < it.allocatable_memory_mib < it.memory_gib * 1024


# --- describe_allowed ------------------------------------------------------------

@pytest.mark.parametrize(("wanted", "suggested"), [
    ("g6.xlarg", "'g6.xlarge'"),
    ("g6.huge", "'g6."),
    ("p5.48xl", "'p5.48xlarge'"),
])
def test_describe_allowed_suggests_and_lists_every_family(wanted, suggested):
    text = catalog.describe_allowed(catalog.accelerator_types(), wanted)
    assert text.startswith(f"did you mean {suggested}"), text
    families = {catalog.lookup(n).family for n in catalog.accelerator_types()}
    assert all(f"; {f}." in text or f"allowed: {f}." in text for f in families), text

"""Kubernetes syntax of labels and taints, and the labels raystack owns (cloud-neutral). Pulumi-free.

Syntax from Kubernetes' apimachinery validation: a qualified name is an optional
DNS-1123 subdomain prefix (<= 253) and '/', then a name of <= 63 characters of
alphanumerics, '-', '_' and '.', starting and ending alphanumeric; a label value
is empty or such a name.
"""

from __future__ import annotations

import re

from ..hardware.accelerators import ACCELERATOR_KINDS
from ..model.facts import OS_LABEL, POOL_LABEL
from ..model.findings import Finding

_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
#: A DNS-1123 subdomain (object names such as Secrets, PriorityClasses, ServiceAccounts).
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

#: Label keys raystack sets on the nodes of pools it creates; a pool's extra labels may not override them.
OWNED_LABEL_PREFIXES = ("raystack.io/",)
OWNED_LABELS = frozenset({POOL_LABEL, OS_LABEL, "k8s.amazonaws.com/accelerator"}
                         | {k.presence_label[0] for k in ACCELERATOR_KINDS.values()})


def qualified_name_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        return "the prefix before '/' must be a DNS-1123 subdomain of at most 253 characters"
    if not name or len(name) > 63 or not _NAME.match(name):
        return ("must be a qualified name: at most 63 letters, digits, '-', '_' or '.', starting and ending "
                "with a letter or digit (an optional 'prefix/' before it)")
    return None


def value_problem(value: str) -> str | None:
    if value == "":
        return None
    if len(value) > 63 or not _NAME.match(value):
        return ("must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
                "letter or digit")
    return None


def check_labels(base: str, labels: dict[str, str], findings: list[Finding], owned: bool = True) -> None:
    for k, v in labels.items():
        problem = qualified_name_problem(k)
        if problem:
            findings.append(Finding(f"{base}[{k!r}]", k, f"label key {problem}"))
            continue
        problem = value_problem(v)
        if problem:
            findings.append(Finding(f"{base}[{k!r}]", v, f"label value {problem}"))
        if owned and (k in OWNED_LABELS or k.startswith(OWNED_LABEL_PREFIXES)):
            findings.append(Finding(f"{base}[{k!r}]", v, "raystack sets this label itself (worker groups and "
                                                         "device plugins select on it); choose another key"))


def check_taints(base: str, taints: list[dict[str, str]], findings: list[Finding]) -> None:
    for i, t in enumerate(taints):
        problem = qualified_name_problem(t["key"])
        if problem:
            findings.append(Finding(f"{base}[{i}].key", t["key"], f"taint key {problem}"))
        problem = value_problem(t["value"])
        if problem:
            findings.append(Finding(f"{base}[{i}].value", t["value"], f"taint value {problem}"))

"""Kubernetes label selectors (metav1.LabelSelector), pure: matchLabels and the four matchExpressions
operators, as k8s.io/apimachinery pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector reads them. An
empty selector selects everything (a NetworkPolicy's `podSelector: {}`: every pod of its namespace)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` match; None or {} match everything. Raises ValueError on what is not a selector."""
    if not selector:
        return True
    unknown = set(selector) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise ValueError(f"not a label selector field: {sorted(unknown)}")
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        present, value = e["key"] in labels, labels.get(e["key"])
        op = e["operator"]
        if op == "In":
            ok = present and value in (e.get("values") or [])
        elif op == "NotIn":
            ok = not present or value not in (e.get("values") or [])
        elif op == "Exists":
            ok = present
        elif op == "DoesNotExist":
            ok = not present
        else:
            raise ValueError(f"not a label selector operator: {op}")
        if not ok:
            return False
    return True


def in_ip_block(address: str, block: dict[str, Any] | None) -> bool:
    """Whether a NetworkPolicy ipBlock peer (cidr, except) admits ``address``."""
    import ipaddress

    if not block:
        return False
    ip = ipaddress.ip_address(address)
    return ip in ipaddress.ip_network(block["cidr"]) and not any(
        ip in ipaddress.ip_network(x) for x in block.get("except") or [])

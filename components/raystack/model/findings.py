"""One kind of finding for config rules, plan checks and cost notes, and the error that carries them.

Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_UNSET: Any = object()


@dataclass(frozen=True)
class Finding:
    """One problem: the key (or field) it is under, the value found there, what is
    wrong with it / what is allowed, how bad it is, which check found it and on
    which resource (a URN; empty for config findings)."""

    key: str
    value: Any
    message: str
    severity: str = "error"  # error | warning
    check: str = "config"  # config | crd-schema | kubernetes-schema | ray-parser | cost | secrets | program
    resource: str = ""

    def __str__(self) -> str:
        shown = "" if self.value is None else f" = {self.value!r}"
        return f"{self.key}{shown}: {self.message}"

    def line(self, owner: str = "") -> str:
        """``severity: resource: key: message`` for stderr."""
        shown = "" if self.value is None else f" (found {self.value!r})"
        where = self.resource or owner
        return f"{self.severity}: {where}: {self.key}: {self.message}{shown}"

    def to_json(self, owner: str = "") -> dict[str, Any]:
        return {"severity": self.severity, "check": self.check, "resource": self.resource or owner,
                "field": self.key, "message": self.message,
                **({} if self.value is None else {"value": self.value})}

    def prefixed(self, prefix: str) -> Finding:
        return Finding(prefix + self.key, self.value, self.message, self.severity, self.check, self.resource)


class ConfigError(ValueError):
    """Raised before any resource is registered when the input is invalid."""

    def __init__(self, findings: list[Finding]):
        self.findings = [f for f in findings if f.severity == "error"]
        lines = "\n".join(f"  - {f}" for f in self.findings)
        super().__init__(f"invalid raystack configuration ({len(self.findings)} problem(s)):\n{lines}")


def raise_if_errors(findings: list[Finding]) -> None:
    if any(f.severity == "error" for f in findings):
        raise ConfigError(findings)

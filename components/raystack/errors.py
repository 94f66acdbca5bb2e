"""Findings and the error that carries them. Pulumi-free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One problem with the input: the key it is under, the value found there,
    and what is wrong with it / what is allowed."""

    key: str
    value: Any
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        shown = "" if self.value is None else f" = {self.value!r}"
        return f"{self.key}{shown}: {self.message}"


class ConfigError(ValueError):
    """Raised before any resource is registered when the input is invalid."""

    def __init__(self, findings: list[Finding]):
        self.findings = [f for f in findings if f.severity == "error"]
        lines = "\n".join(f"  - {f}" for f in self.findings)
        super().__init__(f"invalid raystack configuration ({len(self.findings)} problem(s)):\n{lines}")


def raise_if_errors(findings: list[Finding]) -> None:
    if any(f.severity == "error" for f in findings):
        raise ConfigError(findings)

"""raystack's rules as a pulumi-policy pack (`pulumi preview --policy-pack policies/`): each rule of
``rules.RULES`` becomes a resource or stack validation policy with the same name and checks."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Policy, ResourceValidationPolicy, StackValidationPolicy

from .rules import RULES, Res, Rule


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.mandatory else EnforcementLevel.ADVISORY


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    types = rule.types or ()

    def validate(args: Any, report_violation: Any) -> None:
        if args.resource_type in types:
            # The engine's proxy, not a copy: a value unknown at preview raises when a rule reads it
            # (pulumi-policy then skips the rule), and only the values a rule reads are touched.
            for message in rule.check(Res(args.resource_type, args.name, args.props)):
                report_violation(message, None)
    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate,
                                    enforcement_level=_level(rule))


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: Any, report_violation: Any) -> None:
        resources = [Res(r.resource_type, r.name, r.props) for r in args.resources]
        for message in rule.check(resources):
            report_violation(message, None)
    return StackValidationPolicy(name=rule.name, description=rule.description, validate=validate,
                                 enforcement_level=_level(rule))


def policies() -> list[Policy]:
    return [_stack_policy(r) if r.types is None else _resource_policy(r) for r in RULES]

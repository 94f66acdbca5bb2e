"""raystack's policy pack: `pulumi preview --policy-pack policies/` (the rules are raystack.policy.rules,
the same `raystack plan` runs offline)."""

from pulumi_policy import EnforcementLevel, PolicyPack
from raystack.policy.pack import policies

PolicyPack(name="raystack", enforcement_level=EnforcementLevel.MANDATORY, policies=policies())

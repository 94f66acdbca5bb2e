"""How the kubeconfig's `aws eks get-token` acts as the principal the AWS provider uses (pure).

The access entries name the provider's principal, so the token must be minted as it too. With
`aws:profile` the exec gets AWS_PROFILE. With `aws:assumeRoles` (pulumi-aws 7: a list, the last role
being the one the provider ends up as) the exec gets `--role-arn`, which `aws eks get-token` assumes
from the base credentials; it takes no external ID and no chain (aws-deploy-review 2, old #11)."""

from __future__ import annotations

import json
from typing import Any


def get_token_role(assume_roles: str | None) -> tuple[str | None, str | None]:
    """(the role for `--role-arn`, a warning) from the raw `aws:assumeRoles` config value."""
    if not assume_roles:
        return None, None
    try:
        roles: Any = json.loads(assume_roles)
    except ValueError:
        return None, None  # the provider itself reports a malformed value
    if isinstance(roles, dict):  # one object, as pulumi-aws 6's aws:assumeRole took it
        roles = [roles]
    arns = [r.get("roleArn") for r in roles if isinstance(r, dict) and r.get("roleArn")]
    if not arns:
        return None, None
    warning = None
    if len(arns) > 1:
        warning = (f"aws:assumeRoles chains {len(arns)} roles; the kubeconfig's `aws eks get-token --role-arn "
                   f"{arns[-1]}` assumes only the last from the base credentials: allow that, or use an aws:profile "
                   "whose role chain ends there")
    elif any(isinstance(r, dict) and r.get("externalId") for r in roles):
        warning = ("aws:assumeRoles sets an externalId, which `aws eks get-token --role-arn` cannot pass: use an "
                   "aws:profile with role_arn and external_id instead")
    return arns[-1], warning

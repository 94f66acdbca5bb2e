"""The AWS partition of a region (pure). ARNs carry it: `arn:<partition>:...`. Checked in the tests
against botocore's endpoints data (every region of every partition)."""

from __future__ import annotations

import re

#: Most specific first: `us-gov-`, `us-iso-`, `us-isob-` and `us-isof-` would otherwise read as `aws`.
_PARTITIONS: tuple[tuple[str, str], ...] = (
    (r"^cn-\w+-\d+$", "aws-cn"),
    (r"^us-gov-\w+-\d+$", "aws-us-gov"),
    (r"^us-iso-\w+-\d+$", "aws-iso"),
    (r"^us-isob-\w+-\d+$", "aws-iso-b"),
    (r"^us-isof-\w+-\d+$", "aws-iso-f"),
    (r"^eu-isoe-\w+-\d+$", "aws-iso-e"),
    (r"^eusc-de-\w+-\d+$", "aws-eusc"),
)


def partition_for_region(region: str) -> str:
    """`aws` unless the region belongs to China, GovCloud, an ISO region or the European Sovereign Cloud."""
    for pattern, partition in _PARTITIONS:
        if re.match(pattern, region):
            return partition
    return "aws"

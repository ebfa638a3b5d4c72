"""A check the solver could not decide within its limits.

## What it does
Notes a question the solver left undecided within `--timeout` / `--rlimit`
(today: a security group rule's shadowing, SG002; route and ACL questions are
decided exactly over address classes and never give up). The finding is
neither reported nor denied.

## Why it matters
peerproof never reports as proved, or as refuted, what the solver did not
decide. This note says where the answer is missing.

## Example
Any large table checked with a very small `--rlimit`.

## Use instead
Raise `--timeout` or `--rlimit`.

## References
- Z3: "timeout" and "rlimit" solver parameters.
"""

from verifier.catalog import Rule

RULE = Rule(code="CHECK002", name="check-undecided", severity="info", doc=__doc__, stage="report")

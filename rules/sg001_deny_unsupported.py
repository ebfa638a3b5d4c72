"""`deny` or `priority` in a security group where the provider has none.

## What it does
On `provider aws` and `provider outscale`, reports a security group rule
written with `deny` or with `priority`.

## Why it matters
AWS and Outscale security groups are allow-lists: a rule cannot deny and has no
priority. The rule cannot be deployed as written, and whatever it was meant to
block is not blocked (use a network ACL for that). The engine reads the refused
rule as absent: a rule the provider rejects does not exist on the platform.

## Example
```
provider aws
security-group web { inbound deny tcp 22 from any }
```

## Use instead
```
network-acl web-acl { inbound 100 deny tcp 22 from 0.0.0.0/0  inbound 200 allow all from 0.0.0.0/0 }
```

## References
- AWS: "Security group rules" (you can specify allow rules, but not deny rules).
- Outscale: "About Security Groups".
- LANGUAGE.md, "Providers".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.engine.topology import ALLOW_ONLY


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.provider not in ALLOW_ONLY:
        return
    for net in ctx.model.nets:
        for group in net.security_groups:
            for rule in group.rules:
                words = [
                    w for w, used in (("deny", rule.action == "deny"), ("priority", rule.priority is not None)) if used
                ]
                if words:
                    yield Finding(
                        rule.span,
                        f"security group '{group.name}' uses {' and '.join(words)}, which "
                        f"{ctx.provider} security groups do not have (allow rules only)",
                    )


RULE = Rule(code="SG001", name="deny-unsupported", severity="error", doc=__doc__, stage="semantic", check=check)

"""A security group rule naming a group the provider does not let it name.

## What it does
Reports a rule `from group G` / `to group G` where G belongs to another net
that is not joined to this one by an active peering (no provider allows
that), or, on `provider aws`, a peered net of another region. On `provider
alibaba`, a VPC-type (basic) group may name groups of its own VPC only, and
an enterprise group may name no group at all. The engine reads such a rule as
absent: a refused rule does not exist on the platform.

## Why it matters
The reference cannot be created (InvalidGroup.NotFound), or on AWS it is
refused for inter-region peerings: the rule that was supposed to let the peer's
instances in does not exist.

## Example
```
provider aws
net a { region us-east-1 ... security-group a-sg { inbound tcp 443 from group b-sg } }
net b { region eu-west-1 ... security-group b-sg { ... } }
```

## Use instead
Name the peer's block (`inbound tcp 443 from 10.1.0.0/16`).

## References
- AWS: "Update your security groups to reference peer security groups"
  (same region only).
- Alibaba Cloud: "Security group rules" (a VPC-type group can reference
  groups of the same VPC; enterprise groups cannot reference groups).
- LANGUAGE.md, "Providers".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import SecurityGroup


def check(ctx: Context) -> Iterator[Finding]:
    topo = ctx.engine.topo
    for net in ctx.model.nets:
        for group in net.security_groups:
            for rule in group.rules:
                reason = topo.refused_reference(group, rule)
                if reason is None:
                    continue
                other = ctx.model.lookup(rule.peer.group, SecurityGroup)
                assert other is not None  # a refused reference names a declared group
                yield Finding(
                    rule.span,
                    f"{reason}: the provider refuses it, and the rule does not exist",
                    related=(Related(other.span, f"group '{other.name}' of net '{other.net}'"),),
                )


RULE = Rule(code="SG003", name="group-reference", severity="error", doc=__doc__, stage="semantic", check=check)

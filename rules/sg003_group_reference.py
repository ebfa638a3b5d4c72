"""A security group rule naming a group the provider does not let it name.

## What it does
Reports a rule `from group G` / `to group G` where G belongs to another net
that is not joined to this one by an active peering (no provider allows
that), or, on `provider aws`, a peered net of another region.

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
- LANGUAGE.md, "Providers".
"""

from verifier.catalog import Finding, Rule
from verifier.diagnostics import Related
from verifier.model import SecurityGroup


def check(ctx):
    topo = ctx.engine.topo
    for net in ctx.model.nets:
        for group in net.security_groups:
            for rule in group.rules:
                other = ctx.model.lookup(rule.peer.group, SecurityGroup)
                if other is None or other.net == net.name:
                    continue
                peer = topo.nets[other.net]
                peered = any(topo.other_net(p, net) is peer and topo.state(p) == "active"
                             for p in topo.peerings_of.get(net.name, []))
                related = (Related(other.span, f"group '{other.name}' of net '{peer.name}'"),)
                if not peered:
                    yield Finding(rule.span, f"rule names group '{other.name}' of net '{peer.name}', which no active "
                                  f"peering joins to net '{net.name}'", related=related)
                elif ctx.provider == "aws" and net.region and peer.region and net.region != peer.region:
                    yield Finding(rule.span, f"rule names group '{other.name}' of net '{peer.name}' in region "
                                  f"{peer.region}; aws allows peer group references in one region only "
                                  f"(net '{net.name}' is in {net.region})", related=related)


RULE = Rule(code="SG003", name="group-reference", severity="error", doc=__doc__, stage="semantic", check=check)

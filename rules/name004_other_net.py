"""A reference to an object of another net where one of the same net is needed.

## What it does
Reports a subnet whose route table or network ACL, or a VM whose subnet or
security groups, are declared in another net.

## Why it matters
Clouds scope these associations to one Net/VPC: a subnet can only be associated
with a route table of its own VPC, and an instance only joins security groups
of its own VPC (InvalidParameter, "security groups belong to different
networks").

## Example
```
net a { cidr 10.0.0.0/16  security-group a-sg { outbound all to any } }
net b { cidr 10.1.0.0/16  subnet s { cidr 10.1.1.0/24 }
        vm b-1 { subnet s  ip 10.1.1.10  groups a-sg } }
```

## Use instead
Declare a group in net b and use it (a rule of b's group may name `group a-sg`
where the provider allows references across a peering).

## References
- AWS: "Security groups for your VPC" (a security group belongs to one VPC).
- Outscale: "About Security Groups".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Net, Peering


def check(ctx: Context) -> Iterator[Finding]:
    names = ctx.model.names
    for reference in ctx.model.references:
        decl = names.get(reference.ref.name)
        if reference.same_net is None or not isinstance(decl, reference.kinds):
            continue
        assert not isinstance(decl, (Net, Peering))  # what a name must declare in a net is held by a net
        if decl.net != reference.same_net:
            yield Finding(
                reference.ref.span,
                f"{decl.kind} '{decl.name}' belongs to net '{decl.net}', but {reference.role} "
                f"must name one of net '{reference.same_net}'",
                related=(Related(decl.span, f"'{decl.name}' is declared here"),),
            )


RULE = Rule(code="NAME004", name="other-net", severity="error", doc=__doc__, stage="structure", check=check, gates=True)

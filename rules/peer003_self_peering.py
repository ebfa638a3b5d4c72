"""A peering whose requester and accepter are the same net.

## What it does
Reports a peering that joins a net to itself.

## Why it matters
A peering connects two different Nets; the cloud rejects one to itself
(InvalidVpcPeeringConnectionId / "cannot peer a Net with itself"). Traffic
inside a net is carried by its local routes.

## Example
```
peering p { requester hub  accepter hub }
```

## Use instead
```
peering p { requester hub  accepter spoke-a }
```

## References
- AWS: "VPC peering limitations".
- Outscale: "About Net Peerings".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule


def check(ctx: Context) -> Iterator[Finding]:
    for peering in ctx.model.peerings:
        if peering.requester and peering.accepter and peering.requester.name == peering.accepter.name:
            yield Finding(
                peering.span,
                f"peering '{peering.name}' joins net '{peering.requester.name}' to itself",
            )


RULE = Rule(code="PEER003", name="self-peering", severity="error", doc=__doc__, stage="structure", check=check)

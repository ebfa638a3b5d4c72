"""Peered nets in different regions where the provider forbids it.

## What it does
On `provider outscale`, reports a peering between nets whose `region`s are
both given and differ.

## Why it matters
Outscale Net peering works within one Region only: the request fails, and
every route through it drops traffic.

## Example
```
provider outscale
net a { region eu-west-2  cidr 10.0.0.0/16 }
net b { region us-east-2  cidr 10.1.0.0/16 }
peering a-b { requester a  accepter b }
```

## Use instead
Peer Nets of one Region; across Regions, use a VPN connection.

## References
- Outscale: "About Net Peerings" (both Nets must be in the same Region).
- LANGUAGE.md, "Providers".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule

FORBIDDING = ("outscale",)


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.provider not in FORBIDDING:
        return
    for peering in ctx.model.peerings:
        requester, accepter = ctx.model.peering_nets(peering)
        if requester is None or accepter is None or not requester.region or not accepter.region:
            continue
        if requester.region != accepter.region:
            yield Finding(
                peering.span,
                f"peering '{peering.name}' joins net '{requester.name}' ({requester.region}) and net "
                f"'{accepter.name}' ({accepter.region}): {ctx.provider} peers nets of one region only",
            )


RULE = Rule(code="PEER004", name="cross-region-peering", severity="error", doc=__doc__, stage="semantic", check=check)

"""An active peering that no route table uses.

## What it does
Reports an active peering that no route of any table names. An imported
estate whose import left out a route of either net (a target or a table
unknown until apply, or masked: IMP002) is not reported: the route left out
may be one through the peering.

## Why it matters
A peering carries nothing until routes point at it: either the routes were
forgotten (and the connection everyone expects does not work), or the peering
is left over and widens the attack surface for no reason.

## Example
```
peering a-b { requester a  accepter b }    # no `via peering a-b` anywhere
```

## Use instead
Add routes on both sides, or delete the peering.

## References
- AWS: "Update your route tables for a VPC peering connection".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule


def check(ctx: Context) -> Iterator[Finding]:
    used = {
        route.via.name for _, _, _, route in ctx.model.routes() if route.target == "peering" and route.via is not None
    }
    for peering in ctx.model.peerings:
        if peering.name in used or ctx.model.peering_state(peering, ctx.now) != "active":
            continue
        requester, accepter = ctx.model.peering_nets(peering)
        if requester is None or accepter is None or requester is accepter:
            continue
        if any(gap.routes for gap in ctx.model.gaps_of((requester.name, accepter.name))):
            continue  # a route the import left out of these nets may use it
        yield Finding(
            peering.span,
            f"peering '{peering.name}' is active but no route table routes through it: it carries no traffic",
        )


RULE = Rule(code="ROUTE008", name="unused-peering", severity="warning", doc=__doc__, stage="semantic", check=check)

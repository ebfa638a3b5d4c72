"""A route via a peering that does not join the route table's net.

## What it does
Reports a route `via peering P` in a table of net N where P joins two other
nets.

## Why it matters
A cloud refuses the route (InvalidVpcPeeringConnectionID), and in the model
the packet is dropped: the peering is not attached to this net. It is usually
a copy-paste from another net's table.

## Example
```
net spoke-a { ... route-table a-rt { route 10.2.0.0/16 via peering hub-to-b } }
peering hub-to-b { requester hub  accepter spoke-b }
```

## Use instead
Route via a peering of this net, or peer the nets directly.

## References
- AWS: "Update your route tables for a VPC peering connection".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Peering


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        if route.target != "peering":
            continue
        peering = ctx.model.lookup(route.via, Peering)
        if peering is None or ctx.engine.topo.other_net(peering, net) is not None:
            continue
        if ctx.engine.route_facts(net, table, index).never_selected:
            continue  # ROUTE004 says it, and only it
        joined = " and ".join(f"'{r.name}'" for r in (peering.requester, peering.accepter) if r)
        yield Finding(
            route.span,
            f"route {route.destination} in '{table.name}' uses peering '{peering.name}', "
            f"which joins {joined}, not net '{net.name}': traffic is dropped",
            related=(Related(peering.span, f"peering '{peering.name}'"),),
        )


RULE = Rule(code="ROUTE001", name="foreign-peering", severity="error", doc=__doc__, stage="semantic", check=check)

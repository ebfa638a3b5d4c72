"""A route via a peering partly overridden by the local routes.

## What it does
Proves whether part of a peering route's destination lies inside the table's
local routes, and gives an address that the local route takes instead. (When
all of it does, ROUTE004 reports the route instead.)

## Why it matters
The local route always wins ("system route overrides"): traffic for that part
stays in the net and never crosses the peering. Usually the destination is
wider than the peer's blocks (`10.0.0.0/8` from inside `10.0.0.0/16`).

## Example
```
net a { cidr 10.0.0.0/16
  route-table rt { route 10.0.0.0/8 via peering a-b } }
```

## Use instead
Route exactly the peer's blocks: `route 10.1.0.0/16 via peering a-b`.

## References
- AWS: "Route priority" (the local route cannot be overridden by a broader route).
- Alibaba Cloud: "Route table overview" (system routes).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.language.model import Peering, address_text


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        if route.target != "peering":
            continue
        facts = ctx.engine.route_facts(net, table, index)
        if facts.never_selected or facts.local_override is None:
            continue
        address = address_text(facts.local_override, route.destination.version)
        assert route.via is not None  # a route via a peering names it
        peering = ctx.model.lookup(route.via, Peering)
        yield Finding(
            route.span,
            f"route {route.destination} via peering '{route.via.name}' is partly overridden by the local routes of "
            f"net '{net.name}': {address} stays in the net",
            counterexample={
                "address": address,
                "route": str(route.destination),
                "local_blocks": [
                    str(b) for b in ctx.engine.topo.local_blocks(net) if b.contains(facts.local_override, b.version)
                ],
            },
            help=None if peering is None else "route only the peer net's blocks",
        )


RULE = Rule(code="ROUTE005", name="local-override", severity="warning", doc=__doc__, stage="semantic", check=check)

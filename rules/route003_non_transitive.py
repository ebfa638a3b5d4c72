"""A route via a peering whose destination reaches outside the peer net.

## What it does
Proves, for a route via a peering, whether some address it selects lies
outside every block of the net across the peering, and gives such an address.

## Why it matters
Peering is not transitive: a peered net delivers only to its own blocks and
never forwards further, over another peering or a gateway. Traffic to that
part of the route's destination is dropped — the classic "spoke to spoke
through the hub" mistake.

## Example
```
net spoke-a { route-table a-rt { route 10.2.0.0/16 via peering hub-to-a } }   # 10.2/16 is spoke-b
```

## Use instead
Peer spoke-a and spoke-b directly (and route 10.2.0.0/16 via that peering), or
use a transit gateway outside the peering model.

## References
- AWS: "VPC peering limitations" (no transitive peering, no edge-to-edge routing).
- Outscale: "About Net Peerings".
- LANGUAGE.md, "What a model means", 4.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule, undecided
from verifier.language.model import Peering, address_text


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        if route.target != "peering":
            continue
        facts = ctx.engine.route_facts(net, table, index)
        for question in facts.undecided:
            yield undecided(route.span, "ROUTE003/ROUTE005", question.what, question.reason)
        if facts.never_selected or facts.outside_peer is None:
            continue
        peering = ctx.model.lookup(route.via, Peering)
        assert peering is not None  # a route outside its peer has a peering, and a peer net across it
        peer = ctx.engine.topo.other_net(peering, net)
        assert peer is not None
        address = address_text(facts.outside_peer, route.destination.version)
        yield Finding(
            route.span,
            f"route {route.destination} via peering '{peering.name}' reaches outside net '{peer.name}' "
            f"({', '.join(str(b) for b in peer.blocks)}): {address} is never delivered (peering is not transitive)",
            counterexample={
                "address": address,
                "route": str(route.destination),
                "peer_net": peer.name,
                "peer_blocks": [str(b) for b in peer.blocks],
            },
            help=f"peer net '{net.name}' directly with the net that holds {address}",
        )


RULE = Rule(
    code="ROUTE003", name="non-transitive-route", severity="warning", doc=__doc__, stage="semantic", check=check
)

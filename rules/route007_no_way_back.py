"""A route over a peering to a net that has no route back.

## What it does
For a route via an active peering, proves for each subnet that uses the table
and each subnet of the peer net the route delivers to, whether the peer
subnet's route table routes every address of the source subnet back over a
peering to this net. Gives the source subnet, the peer table that lacks the
route, and an address.

## Why it matters
A connection needs the reply: without the route back in the peer's table the
request arrives and the answer is dropped or sent elsewhere. It is the most
common half-done peering change.

## Example
```
net a { ... route-table a-rt { route 10.1.0.0/16 via peering a-b } }
net b { ... route-table b-rt { } }       # nothing back to a
```

## Use instead
```
net b { ... route-table b-rt { route 10.0.0.0/16 via peering a-b } }
```

## References
- AWS: "Update your route tables for a VPC peering connection" (add routes on both sides).
- Outscale: "Creating a Net Peering" (routes in both Nets).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule, undecided
from verifier.diagnostics import Related
from verifier.language.model import Subnet, address_text


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        if route.target != "peering" or ctx.engine.route_facts(net, table, index).never_selected:
            continue
        missing, open_questions = ctx.engine.missing_way_back(net, table, route)
        for question in open_questions:
            yield undecided(route.span, "ROUTE007", question.what, question.reason)
        if missing is None:
            continue
        assert route.via is not None  # a route via a peering names it
        peer_table = (
            missing.peer_table.name if missing.peer_table else f"the local routes of net '{missing.peer_subnet.net}'"
        )
        address = address_text(missing.address, route.destination.version)
        yield Finding(
            route.span,
            f"route {route.destination} via peering '{route.via.name}' carries traffic from subnet "
            f"'{missing.subnet.name}' to subnet '{missing.peer_subnet.name}', but {peer_table} has no route back "
            f"for {address}",
            related=(
                Related((missing.peer_table or missing.peer_subnet).span, "the peer table without the route back"),
            ),
            counterexample={
                "source_subnet": missing.subnet.name,
                "peer_subnet": missing.peer_subnet.name,
                "peer_table": missing.peer_table.name if missing.peer_table else None,
                "address": address,
            },
            help=f"add `route {_subnet_block(missing.subnet, route.destination.version)} via peering "
            f"{route.via.name}` to {peer_table}",
        )


def _subnet_block(subnet: Subnet, version: int) -> str:
    return next(str(b) for b in subnet.blocks if b.version == version)


RULE = Rule(code="ROUTE007", name="no-way-back", severity="warning", doc=__doc__, stage="semantic", check=check)

"""A route via a peering that is not active.

## What it does
Reports a route via a peering of its net whose state (at `--now`) is anything
but `active`: pending acceptance, expired, rejected, failed, deleted...

## Why it matters
Only an active peering carries traffic: until the accepter's owner accepts the
request, every packet this route selects is dropped.

## Example
```
net ours    { account 111111111111 ... route 192.168.0.0/20 via peering pcx-partner }
net partner { account 222222222222 ... }
peering pcx-partner { requester ours  accepter partner }   # cross-account: pending
```

## Use instead
Accept the peering (`state active` once accepted), or remove the route.

## References
- AWS: "VPC peering connection lifecycle".
- LANGUAGE.md, "Peering states".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import TRANSITIONAL_STATES, Peering


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        if route.target != "peering":
            continue
        peering = ctx.model.lookup(route.via, Peering)
        if peering is None or ctx.engine.topo.other_net(peering, net) is None:
            continue
        state = ctx.model.peering_state(peering, ctx.now)
        if state == "active" or ctx.engine.route_facts(net, table, index).never_selected:
            continue
        why = " (cross-account, not accepted)" if peering.state is None else ""
        fate = (
            "it may or may not carry traffic while the change is under way"
            if state in TRANSITIONAL_STATES
            else "traffic is dropped"
        )
        yield Finding(
            route.span,
            f"route {route.destination} in '{table.name}' uses peering '{peering.name}', which is {state}{why}: {fate}",
            related=(Related(peering.span, f"peering '{peering.name}'"),),
        )


RULE = Rule(code="ROUTE002", name="inactive-peering", severity="warning", doc=__doc__, stage="semantic", check=check)

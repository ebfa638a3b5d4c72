"""Two routes with the same destination in one table.

## What it does
Reports a route whose destination block an earlier route of the same table
already has, naming the earlier one. The earlier one is the one peerproof
follows.

## Why it matters
A cloud refuses the second (RouteAlreadyExists); in a model, which target was
meant is a guess. Usually one of them was meant for another block.

## Example
```
route-table rt {
  route 10.1.0.0/16 via peering a-b
  route 10.1.0.0/16 via peering a-c
}
```

## Use instead
One route per destination block.

## References
- AWS: "Route tables for your VPC" (CreateRoute: RouteAlreadyExists).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        earlier = ctx.engine.duplicate_of(table, route)
        if earlier is not None:
            yield Finding(
                route.span,
                f"route {route.destination} in '{table.name}' repeats the destination of an "
                f"earlier route; the earlier one is used",
                related=(Related(earlier.span, "the earlier route"),),
            )


RULE = Rule(code="ROUTE006", name="duplicate-route", severity="warning", doc=__doc__, stage="semantic", check=check)

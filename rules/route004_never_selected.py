"""A route that can never be selected.

## What it does
Proves that every address of a route's destination is taken by the table's
local routes (which take precedence over every declared route) or by more
specific routes, and names those covering routes. A route that gets ROUTE004
gets no other ROUTE finding.

## Why it matters
The route is dead configuration: whatever it says (a peering, a blackhole) never
happens. It usually reveals a wrong destination block, or a secondary block
added to the net that now shadows a peer's range.

## Example
```
net a { cidr 10.0.0.0/16
  route-table rt { route 10.0.5.0/24 via peering a-b } }   # inside 10.0.0.0/16: local wins
```

## Use instead
Fix the destination (`route 10.1.5.0/24 via peering a-b`), or delete the route.

## References
- AWS: "Route priority" (the local route takes precedence; longest prefix match).
- LANGUAGE.md, "What a model means", 2.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule, undecided
from verifier.diagnostics import Related
from verifier.language.model import Block


def check(ctx: Context) -> Iterator[Finding]:
    for net, table, index, route in ctx.model.routes():
        facts = ctx.engine.route_facts(net, table, index)
        if route.target != "peering":  # peering routes' undecided questions are noted by ROUTE003
            for question in facts.undecided:
                yield undecided(route.span, "ROUTE004", question.what, question.reason)
        if not facts.never_selected:
            continue
        names = [f"the local route {c}" if isinstance(c, Block) else f"route {c.destination}" for c in facts.covering]
        related = tuple(
            Related(c.span, "local route of the net" if isinstance(c, Block) else "more specific route")
            for c in facts.covering
        )
        yield Finding(
            route.span,
            f"route {route.destination} in '{table.name}' is never selected: every address "
            f"of it is taken by {', '.join(names)}",
            related=related,
        )


RULE = Rule(
    code="ROUTE004", name="never-selected-route", severity="warning", doc=__doc__, stage="semantic", check=check
)

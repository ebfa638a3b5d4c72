"""A net with more than one route table marked `main`.

## What it does
Reports every route table marked `main` after the first in one net.

## Why it matters
A Net has exactly one main route table; the subnets that name no table use it.
With two, which one routes those subnets is undefined.

## Example
```
route-table rt-1 { main }
route-table rt-2 { main }
```

## Use instead
Mark one table `main`, and associate subnets with the other explicitly.

## References
- AWS: "Route tables for your VPC", main route table.
- LANGUAGE.md, "Declarations".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        marked = [t for t in net.route_tables if t.main]
        for extra in marked[1:]:
            yield Finding(
                extra.span,
                f"net '{net.name}' already has a main route table, '{marked[0].name}'",
                related=(Related(marked[0].span, "the first main table"),),
            )


RULE = Rule(
    code="MODEL004",
    name="several-main-tables",
    severity="error",
    doc=__doc__,
    stage="structure",
    check=check,
    gates=True,
)

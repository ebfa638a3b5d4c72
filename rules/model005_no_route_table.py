"""A subnet left with local routes only, because its net has no main table.

## What it does
Reports a subnet that names no route table in a net that has several route
tables of which none is marked `main`. Such a subnet is routed by the implicit
local routes alone: it reaches its own net and nothing else.

## Why it matters
It is almost always an oversight: the author meant one of the tables to be the
main one, or meant to associate the subnet with one.

## Example
```
route-table rt-a { route 10.1.0.0/16 via peering p-a }
route-table rt-b { route 10.2.0.0/16 via peering p-b }
subnet web { cidr 10.0.1.0/24 }
```

## Use instead
```
route-table rt-a { main  route 10.1.0.0/16 via peering p-a }
```
or `subnet web { cidr 10.0.1.0/24  route-table rt-a }`.

## References
- LANGUAGE.md, "Declarations": "else the net's main route table".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        if ctx.model.main_table(net) is not None or not net.route_tables:
            continue
        tables = ", ".join(t.name for t in net.route_tables)
        for subnet in net.subnets:
            if subnet.route_table is None:
                yield Finding(
                    subnet.span,
                    f"subnet '{subnet.name}' names no route table and net '{net.name}' has no main "
                    f"table among {tables}: only local routes apply to it",
                    help=f"mark one table `main`, or add `route-table NAME` to subnet '{subnet.name}'",
                )


RULE = Rule(code="MODEL005", name="no-route-table", severity="warning", doc=__doc__, stage="structure", check=check)

"""A name declared more than once.

## What it does
Reports a declaration whose name an earlier declaration already holds, of any
kind (net, subnet, route-table, security-group, network-acl, vm, peering),
at the later declaration, naming the earlier one. "Earlier" is in the order of
files by path, then position.

## Why it matters
Every name is global to the model, as every cloud object has a unique id. With
two objects of one name, every reference to it is ambiguous.

## Example
```
net a { cidr 10.0.0.0/16  subnet web { cidr 10.0.1.0/24 } }
net b { cidr 10.1.0.0/16  subnet web { cidr 10.1.1.0/24 } }
```

## Use instead
```
net a { cidr 10.0.0.0/16  subnet a-web { cidr 10.0.1.0/24 } }
net b { cidr 10.1.0.0/16  subnet b-web { cidr 10.1.1.0/24 } }
```

## References
- LANGUAGE.md, "Files": names are unique across all kinds.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Declaration


def check(ctx: Context) -> Iterator[Finding]:
    first: dict[str, Declaration] = {}
    for decl in ctx.model.declarations():
        earlier = first.setdefault(decl.name, decl)
        if earlier is decl:
            continue
        where = f"{earlier.span.file}:{earlier.span.line}:{earlier.span.column}"
        yield Finding(
            decl.span,
            f"duplicate name '{decl.name}': already declared as {earlier.kind} at {where}",
            related=(Related(earlier.span, f"'{decl.name}' first declared here"),),
        )


RULE = Rule(
    code="NAME002", name="duplicate-name", severity="error", doc=__doc__, stage="structure", check=check, gates=True
)

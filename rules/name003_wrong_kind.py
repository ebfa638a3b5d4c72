"""A name that declares the wrong kind of object for where it is used.

## What it does
Reports a reference whose name is declared, but as another kind than the place
needs: `via peering` naming a net, a VM's `groups` naming a subnet, an
assertion endpoint naming a route table.

## Why it matters
Such a reference cannot be carried out; it usually means a typo that happens to
hit another name, or a name reused for two concepts.

## Example
```
route-table rt { route 10.1.0.0/16 via peering spoke-a }   # spoke-a is a net
```

## Use instead
```
route-table rt { route 10.1.0.0/16 via peering hub-to-a }
```

## References
- LANGUAGE.md, "Declarations".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import kinds_text


def check(ctx: Context) -> Iterator[Finding]:
    names = ctx.model.names
    for reference in ctx.model.references:
        decl = names.get(reference.ref.name)
        if decl is None or isinstance(decl, reference.kinds):
            continue
        wanted = kinds_text(reference.kinds)
        yield Finding(
            reference.ref.span,
            f"'{reference.ref.name}' is a {decl.kind}, but {reference.role} needs a {wanted}",
            related=(Related(decl.span, f"'{decl.name}' is declared here"),),
        )


RULE = Rule(
    code="NAME003", name="wrong-kind", severity="error", doc=__doc__, stage="structure", check=check, gates=True
)

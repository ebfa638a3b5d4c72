"""A reference to a name that no declaration holds.

## What it does
Finds every name used as a reference (a route's peering, a subnet's route
table or network ACL, a VM's subnet and groups, a rule's group, a peering's
nets, an assertion's endpoints) that is declared nowhere in the model, and
suggests the closest declared name.

## Why it matters
A dangling reference is a model that cannot mean anything: the cloud API would
reject it (InvalidRouteTableID.NotFound, InvalidGroup.NotFound), and
peerproof cannot reason about a route to a peering that does not exist.

## Example
```
route-table rt { route 10.1.0.0/16 via peering hub-to-aa }   # declared: hub-to-a
```

## Use instead
```
route-table rt { route 10.1.0.0/16 via peering hub-to-a }
```

## References
- LANGUAGE.md, "Files": every declared name is global to the model and unique.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule, did_you_mean
from verifier.language.model import kinds_text, references


def check(ctx: Context) -> Iterator[Finding]:
    names = ctx.model.names
    for reference in references(ctx.model):
        if reference.ref.name in names:
            continue
        candidates = [n for n, d in names.items() if isinstance(d, reference.kinds)]
        kinds = kinds_text(reference.kinds)
        yield Finding(
            reference.ref.span,
            f"unknown {kinds} '{reference.ref.name}' in {reference.role}{did_you_mean(reference.ref.name, candidates)}",
        )


RULE = Rule(
    code="NAME001", name="unknown-name", severity="error", doc=__doc__, stage="structure", check=check, gates=True
)

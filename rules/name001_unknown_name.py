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

from verifier.catalog import Context, Finding, Rule, Suggestions
from verifier.language.model import kinds_text
from verifier.language.parse import ECHO_CHARS, shown


def check(ctx: Context) -> Iterator[Finding]:
    names = ctx.model.names
    # One set of suggestions per kind of reference, built once (a list of every name per
    # reference made 10,000 misspelt names take hours).
    suggestions: dict[tuple[type, ...], Suggestions] = {}
    for reference in ctx.model.references:
        name = reference.ref.name
        if name in names:
            continue
        kinds = reference.kinds
        if kinds not in suggestions:
            suggestions[kinds] = Suggestions(n for n, d in names.items() if isinstance(d, kinds))
        yield Finding(
            reference.ref.span,
            f"unknown {kinds_text(kinds)} {_quoted(name)} in {reference.role}{suggestions[kinds](name)}",
        )


def _quoted(name: str) -> str:
    """The name as written, in quotes; a huge one cut, with its length (the span shows where)."""
    return f"'{name}'" if len(name) <= ECHO_CHARS else shown(name)


RULE = Rule(
    code="NAME001", name="unknown-name", severity="error", doc=__doc__, stage="structure", check=check, gates=True
)

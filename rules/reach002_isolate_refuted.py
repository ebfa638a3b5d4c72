"""`assert isolate` refuted.

## What it does
Tries to prove that no packet of the given kind (any source port) from any VM
of the source is delivered to any VM of the destination. When one is, gives
the concrete packet and its hops to delivery, replayed by the simulator.

## Why it matters
It is the separation the model's authors said must hold (prod from dev, a
partner from the core), and there is a path through it.

## Example
```
assert isolate dev -> prod       # dev-rt routes 10.3.0.0/16 via a peering that exists...
```

## Use instead
Remove the path at the hop that matters: a route, a peering, a group rule.

## References
- LANGUAGE.md, "Assertions".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule

from ._assertions import findings


def check(ctx: Context) -> Iterator[Finding]:
    return findings(ctx, "isolate", "refuted")


RULE = Rule(code="REACH002", name="isolate-refuted", severity="error", doc=__doc__, stage="semantic", check=check)

"""A network ACL entry shadowed by earlier entries.

## What it does
Proves that every packet a network ACL entry matches is matched by an entry
with a lower number in the same direction (the first match decides), and names
those entries.

## Why it matters
The entry never decides anything. A `deny` placed after a broad `allow` is the
classic case: the review believes the traffic is blocked; it is not.

## Example
```
network-acl db-acl {
  inbound 100 allow all from 0.0.0.0/0
  inbound 200 deny  tcp 22 from 0.0.0.0/0     # never decides
}
```

## Use instead
Number the specific entry before the broad one (`inbound 50 deny tcp 22 ...`).

## References
- AWS: "Network ACL rules" (evaluated in order, lowest number first).
"""

from dataclasses import replace
from typing import Iterator

from verifier.catalog import Context, Finding, Rule, undecided
from verifier.diagnostics import Related
from verifier.language.model import AclRule

from ._overlap import Box, box, neighbourhoods


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        for acl in net.network_acls:
            # Each entry is weighed against the entries that may match a packet in common with it (an
            # index: all the earlier ones made a question per entry the size of the ACL).
            for entry, near in neighbourhoods(acl.rules, _box):
                shadowing, open_questions = ctx.engine.shadowed_acl_entry(replace(acl, rules=(entry, *near)), entry)
                for question in open_questions:
                    yield undecided(entry.span, "ACL001", question.what, question.reason)
                if shadowing:
                    numbers = ", ".join(str(e.number) for e in shadowing)
                    yield Finding(
                        entry.span,
                        f"{entry.direction} entry {entry.number} of '{acl.name}' never decides: "
                        f"earlier entries ({numbers}) match every packet it matches",
                        related=tuple(Related(e.span, f"entry {e.number} ({e.action})") for e in shadowing),
                    )


def _box(entry: AclRule) -> Box:
    return box(entry.block, entry.protocol, entry.ports, entry.icmp)


RULE = Rule(code="ACL001", name="shadowed-acl-entry", severity="warning", doc=__doc__, stage="semantic", check=check)

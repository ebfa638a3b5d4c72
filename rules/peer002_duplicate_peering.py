"""More than one peering between the same two nets.

## What it does
Reports a peering that joins two nets already joined by another peering: the
one that is not active, or, when both are active or neither is, the later
one. It names the other. Only live peerings count: one that is `deleted`,
`rejected`, `failed` or `expired` (also a pending request past its 7 days) is
history, which the clouds keep listing for a while after it ended, not a
second peering: it neither is reported nor makes another one a duplicate.

## Why it matters
A cloud allows one active peering per pair of Nets
(VpcPeeringConnectionAlreadyExists); the second request fails or lingers.
Routes that name it do not carry traffic, and reviewers cannot tell which one
the tables are meant to use.

## Example
```
peering a-b   { requester a  accepter b }
peering a-b-2 { requester b  accepter a }
```

## Use instead
Keep one peering per pair of nets and route through it.

## References
- AWS: "VPC peering limitations" (one peering connection between two VPCs).
- AWS: "VPC peering connection lifecycle" (Amazon VPC Peering Guide,
  https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html):
  `deleted`, `rejected`, `failed` and `expired` connections stay visible for a
  while, and a new request between the same VPCs may follow them.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Peering

# Final states: a record of what was, carrying no traffic and standing in the way of no new request.
HISTORY = frozenset({"deleted", "rejected", "failed", "expired"})


def check(ctx: Context) -> Iterator[Finding]:
    pairs: dict[frozenset[str], list[Peering]] = {}
    for peering in sorted(ctx.model.peerings, key=lambda p: p.span):
        requester, accepter = ctx.model.peering_nets(peering)
        if requester is None or accepter is None or requester is accepter:
            continue
        if ctx.model.peering_state(peering, ctx.now) in HISTORY:
            continue
        pairs.setdefault(frozenset((requester.name, accepter.name)), []).append(peering)
    for first, *rest in pairs.values():
        if not rest:
            continue
        group = [first, *rest]
        active = [p for p in group if ctx.model.peering_state(p, ctx.now) == "active"]
        keep = active[0] if active else first
        assert keep.requester is not None and keep.accepter is not None  # both nets resolved above
        nets = " and ".join(f"'{name}'" for name in sorted((keep.requester.name, keep.accepter.name)))
        for peering in group:
            if peering is keep:
                continue
            state = ctx.model.peering_state(peering, ctx.now)
            yield Finding(
                peering.span,
                f"peering '{peering.name}' ({state}) joins nets {nets}, already joined by peering '{keep.name}'",
                related=(Related(keep.span, f"peering '{keep.name}'"),),
            )


RULE = Rule(code="PEER002", name="duplicate-peering", severity="error", doc=__doc__, stage="semantic", check=check)

"""Two subnets of one net whose blocks overlap.

## What it does
Reports a subnet block that overlaps a block of another subnet of the same net,
at the later subnet, naming the earlier one and an address in both.

## Why it matters
Within a Net every address belongs to at most one subnet; clouds reject an
overlapping subnet (InvalidSubnet.Conflict). In a model it makes the owner of
an address, and so the ACL and route table that apply, undefined.

## Example
```
subnet web { cidr 10.0.0.0/23 }
subnet db  { cidr 10.0.1.0/24 }
```

## Use instead
```
subnet web { cidr 10.0.0.0/24 }
subnet db  { cidr 10.0.1.0/24 }
```

## References
- AWS: "Subnet CIDR blocks" (the blocks of subnets cannot overlap).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Block, Subnet, address_text


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        entries = sorted(
            ((block, subnet) for subnet in net.subnets for block in subnet.blocks),
            key=lambda e: (e[0].version, e[0].first, e[0].span),
        )
        # Sweep in address order; `open_` holds the blocks that may still overlap.
        open_: list[tuple[Block, Subnet]] = []
        for block, subnet in entries:
            open_ = [(b, s) for b, s in open_ if b.version == block.version and b.last >= block.first]
            for other, other_subnet in open_:
                if other_subnet is subnet:
                    continue
                earlier, later = sorted([(other, other_subnet), (block, subnet)], key=lambda e: e[0].span)
                address = address_text(max(block.first, other.first), block.version)
                yield Finding(
                    later[0].span,
                    f"subnet '{later[1].name}' block {later[0]} overlaps subnet '{earlier[1].name}' "
                    f"block {earlier[0]}: {address} is in both",
                    related=(Related(earlier[0].span, f"block of subnet '{earlier[1].name}'"),),
                    counterexample={"address": str(address), "blocks": [str(earlier[0]), str(later[0])]},
                )
            open_.append((block, subnet))


RULE = Rule(code="ADDR003", name="overlapping-subnets", severity="error", doc=__doc__, stage="structure", check=check)

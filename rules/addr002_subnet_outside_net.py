"""A subnet block that lies outside every block of its net.

## What it does
Reports a subnet `cidr` not contained in any of its net's blocks of the same
family (IPv4 or IPv6), and gives an address of the subnet outside the net.

## Why it matters
A cloud refuses such a subnet (InvalidSubnet.Range). In a model it usually
means a typo in the third octet or a forgotten secondary block on the net.

## Example
```
net a { cidr 10.0.0.0/16  subnet web { cidr 10.1.1.0/24 } }
```

## Use instead
```
net a { cidr 10.0.0.0/16  subnet web { cidr 10.0.1.0/24 } }
```
or add `cidr 10.1.0.0/16` to the net as a secondary block.

## References
- AWS: "Subnet CIDR blocks" (a subnet's block is a subset of the VPC's).
- Outscale: "About Nets and Subnets".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.engine.atoms import outside
from verifier.language.model import address_text


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        for subnet in net.subnets:
            for block in subnet.blocks:
                first = outside(block.first, block.last, net.blocks, block.version)
                if first is None:
                    continue
                address = address_text(first, block.version)
                yield Finding(
                    block.span,
                    f"subnet '{subnet.name}' block {block} is not inside net '{net.name}' "
                    f"({', '.join(str(b) for b in net.blocks) or 'no blocks'}): {address} is outside",
                    counterexample={"address": address, "block": str(block)},
                )


RULE = Rule(code="ADDR002", name="subnet-outside-net", severity="error", doc=__doc__, stage="structure", check=check)

"""A block whose host bits are set.

## What it does
Reports every block (a net's or subnet's `cidr`, a route's destination, a
security group or network ACL rule's block) written with bits set after its
prefix length, such as `10.0.1.5/16`, and names the block that was probably
meant.

## Why it matters
`10.0.1.5/16` is ambiguous: the author may have meant the network
`10.0.0.0/16` or the host `10.0.1.5/32`. Some APIs silently mask it, others
reject it. peerproof will not guess which.

## Example
```
net a { cidr 10.0.1.5/16 }
```

## Use instead
```
net a { cidr 10.0.0.0/16 }
```

## References
- LANGUAGE.md, "Files": a block whose host bits are set is an error.
- RFC 4632, section 3.1 (prefix notation).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.language.model import Address, Block, Model


def blocks(model: Model) -> Iterator[Block]:
    for net in model.nets:
        yield from net.blocks
        for subnet in net.subnets:
            yield from subnet.blocks
        for table in net.route_tables:
            for route in table.routes:
                yield route.destination
        for group in net.security_groups:
            for rule in group.rules:
                if rule.peer.block is not None:
                    yield rule.peer.block
        for acl in net.network_acls:
            for entry in acl.rules:
                yield entry.block


def check(ctx: Context) -> Iterator[Finding]:
    for block in blocks(ctx.model):
        if block.host_bits_set:
            written = Address(block.version, block.value, block.span)
            yield Finding(
                block.span,
                f"block {written}/{block.prefixlen} has host bits set; did you mean {block} "
                f"(the network) or {written}/{block.width} (the host)?",
            )


RULE = Rule(
    code="ADDR001", name="host-bits-set", severity="error", doc=__doc__, stage="structure", check=check, gates=True
)

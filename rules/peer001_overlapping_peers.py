"""Peered nets whose blocks overlap.

## What it does
Reports a peering between two nets that have overlapping blocks (IPv4 or
IPv6), with an address in both and the two blocks. On `provider alibaba` an
overlap of the nets' blocks is a warning (the overlapping part is unreachable
across the peering: each side's local routes take it), but overlapping subnet
(vSwitch) blocks across the peering are an error.

## Why it matters
AWS and Outscale refuse to peer Nets whose blocks overlap (the request goes to
`failed`): the peering that the routes depend on never exists. Where the
provider accepts it, the overlapping addresses are still unreachable through
the peering, because every table's local route takes them first.

A peering whose record says it `failed` (or is otherwise history: `deleted`,
`rejected`, `expired`) is not reported: the cloud has already refused or ended
it, it carries no traffic (a route over it is reported on its own), and the
record AWS keeps listing for a while after a request between overlapping VPCs
fails is the expected outcome of that request, not a new problem. Every other
state is reported, `active` included (a model, or a record the cloud would not
keep): it is still a request the cloud refuses.

## Example
```
net a { cidr 10.0.0.0/16 }
net b { cidr 10.0.128.0/17 }
peering a-b { requester a  accepter b }
```

## Use instead
Renumber one side (`net b { cidr 10.1.0.0/16 }`); on Alibaba Cloud, at least
keep the vSwitch blocks of the two VPCs apart.

## References
- AWS: "VPC peering limitations" (overlapping CIDR blocks are not supported).
- Outscale: "About Net Peerings" (the Nets' IP ranges must not overlap).
- Alibaba Cloud: "VPC peering connection overview" (overlapping CIDR blocks).
- AWS: "CreateVpcPeeringConnection" (Amazon EC2 API Reference,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcPeeringConnection.html):
  a request between VPCs with overlapping CIDR blocks results in a connection
  whose status is `failed`; "VPC peering connection lifecycle" (Amazon VPC
  Peering Guide): a failed connection stays visible for a while.
"""

from typing import Iterable, Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Block, address_text

# Final states: the cloud refused the request or the peering ended (as PEER002 reads them).
HISTORY = frozenset({"deleted", "rejected", "failed", "expired"})


def _overlaps(blocks_a: Iterable[Block], blocks_b: Iterable[Block]) -> Iterator[tuple[Block, Block, str]]:
    for x in blocks_a:
        for y in blocks_b:
            if x.overlaps(y):
                yield x, y, address_text(max(x.first, y.first), x.version)


def check(ctx: Context) -> Iterator[Finding]:
    alibaba = ctx.provider == "alibaba"
    for peering in ctx.model.peerings:
        requester, accepter = ctx.model.peering_nets(peering)
        if requester is None or accepter is None or requester is accepter:
            continue
        if ctx.model.peering_state(peering, ctx.now) in HISTORY:
            continue  # the refusal already happened (or the peering ended): a record, not a request
        for x, y, address in _overlaps(requester.blocks, accepter.blocks):
            consequence = (
                "the overlapping part is unreachable across the peering"
                if alibaba
                else f"{ctx.provider if ctx.provider != 'generic' else 'the cloud'} refuses the peering"
            )
            yield Finding(
                peering.span,
                f"peered nets '{requester.name}' ({x}) and '{accepter.name}' ({y}) overlap: {address} is in both; "
                f"{consequence}",
                related=(
                    Related(x.span, f"block of net '{requester.name}'"),
                    Related(y.span, f"block of net '{accepter.name}'"),
                ),
                counterexample={"address": str(address), "blocks": [str(x), str(y)]},
                severity="warning" if alibaba else "error",
            )
        if not alibaba:
            continue
        for a_subnet in requester.subnets:
            for b_subnet in accepter.subnets:
                for x, y, address in _overlaps(a_subnet.blocks, b_subnet.blocks):
                    yield Finding(
                        peering.span,
                        f"vSwitches '{a_subnet.name}' ({x}) and '{b_subnet.name}' ({y}) of the peered nets "
                        f"overlap: {address} is in both; Alibaba Cloud refuses overlapping vSwitch blocks "
                        "across a peering",
                        related=(
                            Related(x.span, f"block of '{a_subnet.name}'"),
                            Related(y.span, f"block of '{b_subnet.name}'"),
                        ),
                        counterexample={"address": str(address), "blocks": [str(x), str(y)]},
                        severity="error",
                    )


RULE = Rule(code="PEER001", name="overlapping-peers", severity="error", doc=__doc__, stage="semantic", check=check)

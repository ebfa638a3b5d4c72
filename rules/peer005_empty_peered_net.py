"""A peered net with no VM where the provider requires one.

## What it does
On `provider outscale`, reports a peering one of whose nets holds no VM.

## Why it matters
Outscale accepts a Net peering only when each Net holds at least one virtual
machine: until then the peering fails and its routes drop traffic.

## Example
```
provider outscale
net a { cidr 10.0.0.0/16 }      # no vm
```

## Use instead
Create the VMs first, then the peering (or model them in the same change).

## References
- Outscale: "About Net Peerings" (each Net must contain at least one VM).
- LANGUAGE.md, "Providers".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related

REQUIRING = ("outscale",)


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.provider not in REQUIRING:
        return
    for peering in ctx.model.peerings:
        for net in dict.fromkeys(n for n in ctx.model.peering_nets(peering) if n is not None):
            if not net.vms:
                yield Finding(
                    peering.span,
                    f"net '{net.name}' of peering '{peering.name}' holds no vm; {ctx.provider} requires one in "
                    "each peered net",
                    related=(Related(net.span, f"net '{net.name}'"),),
                )


RULE = Rule(code="PEER005", name="empty-peered-net", severity="error", doc=__doc__, stage="semantic", check=check)

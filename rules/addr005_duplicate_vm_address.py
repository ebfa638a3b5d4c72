"""Two VMs holding the same address in one net.

## What it does
Reports a VM address already held by an earlier VM of the same net (or listed
twice by one VM), at the later one, naming the earlier.

## Why it matters
A private address belongs to one interface in a Net; a cloud refuses the second
(InvalidIPAddress.InUse). In a model it makes delivery to that address
ambiguous, so the verification of reachability does not run.

## Example
```
vm web-1 { subnet web  ip 10.0.1.10 }
vm web-2 { subnet web  ip 10.0.1.10 }
```

## Use instead
```
vm web-2 { subnet web  ip 10.0.1.11 }
```

## References
- AWS: "IP addressing for your VPCs and subnets".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        held = {}
        for vm in sorted(net.vms, key=lambda v: v.span):
            for address in vm.addresses:
                key = (address.version, address.value)
                if key not in held:
                    held[key] = (vm, address)
                    continue
                other, first = held[key]
                owner = "it" if other is vm else f"vm '{other.name}'"
                yield Finding(
                    address.span,
                    f"address {address} of vm '{vm.name}' is already held by {owner} in net '{net.name}' "
                    f"at {first.span.file}:{first.span.line}:{first.span.column}",
                    related=(Related(first.span, f"{address} first assigned here"),),
                )


RULE = Rule(
    code="ADDR005",
    name="duplicate-vm-address",
    severity="error",
    doc=__doc__,
    stage="structure",
    check=check,
    gates=True,
)

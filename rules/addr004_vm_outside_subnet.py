"""A VM address outside the blocks of its subnet.

## What it does
Reports each `ip` of a VM that lies in none of its subnet's blocks.

## Why it matters
A cloud assigns a VM's private addresses from its subnet; an address outside it
cannot exist, and reasoning about it would prove things about a VM that cannot
be deployed.

## Example
```
subnet web { cidr 10.0.1.0/24 }
vm web-1 { subnet web  ip 10.0.2.10 }
```

## Use instead
```
vm web-1 { subnet web  ip 10.0.1.10 }
```

## References
- AWS: "IP addressing for your VPCs and subnets".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related
from verifier.language.model import Subnet


def check(ctx: Context) -> Iterator[Finding]:
    for vm in ctx.model.vms():
        subnet = ctx.model.lookup(vm.subnet, Subnet)
        if subnet is None or subnet.net != vm.net:
            continue  # NAME001/NAME003/NAME004 report it
        for address in vm.addresses:
            if not any(b.contains(address.value, address.version) for b in subnet.blocks):
                yield Finding(
                    address.span,
                    f"vm '{vm.name}' address {address} is outside subnet '{subnet.name}' "
                    f"({', '.join(str(b) for b in subnet.blocks)})",
                    related=(Related(subnet.span, f"subnet '{subnet.name}'"),),
                )


RULE = Rule(code="ADDR004", name="vm-outside-subnet", severity="error", doc=__doc__, stage="structure", check=check)

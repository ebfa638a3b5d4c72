"""A VM in no security group.

## What it does
Reports a VM with no `groups`.

## Why it matters
A VM in no security group sends and receives nothing. Clouds put such an
instance in the Net's default group, whose rules the model does not show: what
it can reach is then unknown to the review.

## Example
```
vm web-1 { subnet web  ip 10.0.1.10 }
```

## Use instead
```
vm web-1 { subnet web  ip 10.0.1.10  groups web-sg }
```

## References
- AWS: "Default security groups for your VPCs".
- LANGUAGE.md, "What a model means": security groups.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule


def check(ctx: Context) -> Iterator[Finding]:
    for vm in ctx.model.vms():
        if not vm.groups:
            yield Finding(vm.span, f"vm '{vm.name}' is in no security group: it sends and receives nothing")


RULE = Rule(code="SG004", name="no-security-group", severity="warning", doc=__doc__, stage="semantic", check=check)

"""A declaration without an attribute it must have.

## What it does
Reports a net or subnet with no `cidr`, a VM with no `subnet` or no `ip`, and a
peering with no `requester` or no `accepter`. Reported while the model is
built.

## Why it matters
Without them the object has no place in the network: a Net without a block
cannot be created, a VM without an address neither sends nor receives.

## Example
```
vm web-1 { subnet web }
```

## Use instead
```
vm web-1 { subnet web  ip 10.0.1.10  groups web-sg }
```

## References
- LANGUAGE.md, "Declarations".
"""

from verifier.catalog import Rule

RULE = Rule(code="MODEL002", name="missing-attribute", severity="error", doc=__doc__, stage="build", gates=True)

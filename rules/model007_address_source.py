"""An assertion whose source is an address.

## What it does
Reports `assert reach` or `assert isolate` whose source endpoint is an address
rather than the name of a vm, subnet or net. Reported while the model is built.

## Why it matters
An assertion speaks of connections that VMs open; an address is allowed only as
a destination (reached if a VM holds it).

## Example
```
assert reach 10.0.1.10 -> db-1 tcp 5432
```

## Use instead
```
assert reach web-1 -> db-1 tcp 5432
```

## References
- LANGUAGE.md, "Declarations": ENDPOINT.
"""

from verifier.catalog import Rule

RULE = Rule(code="MODEL007", name="address-source", severity="error", doc=__doc__, stage="build", gates=True)

"""An assertion whose source or destination holds no VM.

## What it does
Reports an assertion one of whose endpoints stands for no VM: a subnet or net
with no VM, or an address no VM holds.

## Why it matters
It proves nothing: "every VM of an empty subnet reaches X" holds trivially, and
so does isolation from nobody. Usually the VMs were renamed or moved and the
assertion was left behind.

## Example
```
subnet spare { cidr 10.0.9.0/24 }
assert isolate spare -> db
```

## Use instead
Point the assertion at the VMs, subnet or net that hold the workload.

## References
- LANGUAGE.md, "Assertions" (a subnet or net stands for every VM in it).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule

from ._assertions import findings


def check(ctx: Context) -> Iterator[Finding]:
    return findings(ctx, None, "vacuous")


RULE = Rule(code="REACH004", name="vacuous-assertion", severity="warning", doc=__doc__, stage="semantic", check=check)

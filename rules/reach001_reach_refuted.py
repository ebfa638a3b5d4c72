"""`assert reach` refuted.

## What it does
Tries to prove that every VM of the source reaches every VM of the destination:
for every client source port 1024-65535, a connection to the port (or, with no
port, to some port) works both ways — forward through security groups,
network ACLs, routes and peerings, and the reply back through the network ACLs
and routes (security groups are stateful). When it cannot hold, gives the VM
pair, the packet and the hop where the connection dies, replayed by the
simulator.

## Why it matters
It is the connection the model's authors said must work, and it does not.

## Example
```
assert reach a-1 -> hub-1 tcp 22     # hub-sg lets 10.1.0.0/16 in on 22, but a-rt has no route...
```

## Use instead
Fix the blocking hop the counterexample names (`peerproof why` will show the
minimal repair).

## References
- LANGUAGE.md, "Assertions" and "What a model means".
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule

from ._assertions import findings


def check(ctx: Context) -> Iterator[Finding]:
    return findings(ctx, "reach", "refuted")


RULE = Rule(code="REACH001", name="reach-refuted", severity="error", doc=__doc__, stage="semantic", check=check)

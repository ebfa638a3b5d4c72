"""Ports given for a protocol that has none.

## What it does
Reports a port or port range after a protocol other than `tcp` and `udp`
(`icmp`, `all`, or a protocol number other than 6 and 17). Reported while the
model is built.

## Why it matters
Only TCP and UDP carry ports. `all 443` reads as "port 443 only" but a cloud
applies `all` to every port (AWS ignores the port range for protocol -1), so
the rule would allow more than it says.

## Example
```
inbound all 443 from 10.0.0.0/8
```

## Use instead
```
inbound tcp 443 from 10.0.0.0/8
```

## References
- AWS: "Security group rules", protocol -1 (all) ignores ports.
"""

from verifier.catalog import Rule

RULE = Rule(code="MODEL006", name="ports-without-ports", severity="error", doc=__doc__, stage="build", gates=True)

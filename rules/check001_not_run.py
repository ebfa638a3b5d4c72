"""Semantic checks and assertions not run on a model with structural errors.

## What it does
When the model has an error that leaves its meaning undefined (an unknown or
misused name, a repeated or missing attribute, a block with host bits set,
two VMs with one address), says that the semantic checks (routes, peerings,
groups, ACLs) and the assertions were not run, at the first such error.

## Why it matters
peerproof does not reason about a model it cannot read one way only, and it
does not skip anything without a word: until the structural errors are fixed,
an empty list of route findings means "not checked", not "fine".

## Example
```
net a { cidr 10.0.1.5/16 }    # ADDR001: is it 10.0.0.0/16 or 10.0.1.5/32?
```

## Use instead
Fix the structural errors; the semantic checks then run.

## References
- LANGUAGE.md, "What a model means".
"""

from verifier.catalog import Rule

RULE = Rule(code="CHECK001", name="checks-not-run", severity="info", doc=__doc__, stage="report")

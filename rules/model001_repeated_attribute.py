"""A single-valued attribute given more than once in one declaration.

## What it does
Reports the second and later `account`, `region`, `zone`, `route-table`,
`network-acl`, `main`, a VM's `subnet`, and a peering's `requester`,
`accepter`, `state` and `created` within one declaration. (Attributes that
take several values — `cidr`, `ip`, `groups`, rules and routes — may repeat.)
Reported while the model is built.

## Why it matters
Which of the two values is meant cannot be known; peerproof will not guess.

## Example
```
peering p { requester a  accepter b  state active  state pending-acceptance }
```

## Use instead
```
peering p { requester a  accepter b  state pending-acceptance }
```

## References
- LANGUAGE.md, "Declarations".
"""

from verifier.catalog import Rule

RULE = Rule(code="MODEL001", name="repeated-attribute", severity="error", doc=__doc__, stage="build", gates=True)

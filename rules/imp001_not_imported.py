"""Something in an imported input that peerproof does not understand.

## What it does
Reports, at the resource in the input file, a resource type, attribute or
value that the importer does not model (a route to a prefix list, an unknown
top-level key, an unknown peering status), and says it was not imported.

## Why it matters
A verifier that silently drops what it cannot read proves things about a
network that is not the one deployed. The warning says exactly what is missing
from the proof.

## Example
A route table with `"DestinationPrefixListId": "pl-6fa54006"` (a gateway
endpoint route).

## Use instead
Nothing to change in the network: model the missing part by hand in a `.peer`
file next to the dump, or accept the warning knowingly (suppress it in the
configuration).

## References
- AWS: "describe-route-tables" output (DestinationPrefixListId).
"""

from verifier.catalog import Rule

RULE = Rule(code="IMP001", name="not-imported", severity="warning", doc=__doc__, stage="report")

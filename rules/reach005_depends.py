"""An assertion whose verdict rests on a fact the model does not pin down.

## What it does
Reports an assertion that is neither proved nor refuted because the traffic it
speaks of passes through something whose behaviour the model does not say: a
route to a gateway that is not declared `kind internet` (a transit gateway, a
VPN, a NAT, an appliance may bring the packet back into a modelled net) or to
an internet gateway for a public address (the internet may deliver it), or a
peering in a transitional state (`initiating`, `provisioning`, `updating`,
`deleting`), which may or may not carry traffic. The message names each fact
and a packet that depends on it.

## Why it matters
A verifier that calls such an assertion proved would be guessing: two VPCs
joined by a transit gateway are not isolated, and a peering being modified
may drop traffic for minutes. It is an error, so that CI does not pass on it.

## Example
```
net a { ... gateway tgw-1 { kind transit }  route-table rt { route 10.1.0.0/16 via gateway tgw-1 } }
net b { cidr 10.1.0.0/16 ... }
assert isolate a -> b
```

## Use instead
Model what decides it: declare the gateway's kind (`kind internet` is known
never to deliver a private address), peer the nets directly, or give the
peering's settled state once the change is done.

## References
- LANGUAGE.md, "What a model means", 3 and 7.
- AWS: "Transit gateway attachments" (a transit gateway routes between attached VPCs).
- Alibaba Cloud: "VPC peering connection" (Updating: an activated connection being modified).
"""

from dataclasses import replace
from typing import Iterator

from verifier.catalog import Context, Finding, Rule

from ._assertions import findings

HELP = "declare the gateway's kind, or give the peering's settled state"
HELP_IMPORT = "give the import what it left out (see the IMP001 and IMP002 findings), or check the state after apply"


def check(ctx: Context) -> Iterator[Finding]:
    by_span = {a.span: a for a in ctx.model.assertions}
    for finding in findings(ctx, None, "unknown", help_text=HELP, depends=True):
        result = ctx.engine.assertion_result(by_span[finding.span])
        yield replace(finding, help=HELP_IMPORT) if result.gaps and result.gaps == result.depends else finding


RULE = Rule(code="REACH005", name="assertion-depends", severity="error", doc=__doc__, stage="semantic", check=check)

"""A value of a Terraform plan that stays unknown until apply, so part of the estate is not modelled.

## What it does
Reports, at the resource in the plan (or its `.tf` block with `--tf-root`), a
value that Terraform will only know after apply and that peerproof could not
work out: an instance's `private_ip` left to the cloud, a block allocated by
IPAM, an id whose `configuration` expression names no single resource (a
`for_each` over a computed map, a `lookup()` into a local). The finding says
what was left out of the model because of it.

peerproof first resolves unknown ids through the plan's `configuration`: the
`references` of the expression, through `count.index` / `each.key`, module
variables and module outputs. Only what survives that is reported.

A value masked in the input (`"########"`, as the Outscale provider's test
states write them) that the mapping needs is reported the same way: a masked
allow rule left out could make an `isolate` look proved.

## Why it matters
A proof about an estate with a missing piece is a proof about another estate.
Rather than guess (a first free address, the only VPC around), peerproof says
what it could not see; the error keeps a CI gate from passing on a partial
model. The import also records what it left out (an `unmodelled` declaration
in the printed text): an assertion whose verdict the missing part could
overturn is unknown (REACH005), never proved or refuted on the rest. A masked
allow rule of a security group cannot overturn a refuted isolation, nor a VM
left out an assertion between two VMs named; those verdicts stand.

## Example
```
resource "aws_instance" "this" {
  subnet_id = aws_subnet.this.id      # resolved through the configuration
  # no private_ip: the address is chosen at apply
}
```

## Use instead
Pin the value in the configuration (`private_ip = "10.0.1.10"`), or check the
state after apply (`terraform show -json`), where every value is known. To
accept the gap knowingly, lower the severity in the configuration
(`[tool.peerproof.severity] IMP002 = "warning"`).

## References
- Terraform: "JSON Output Format" (`planned_values`, `after_unknown`, `configuration` references).
"""

from verifier.catalog import Rule

RULE = Rule(code="IMP002", name="unknown-until-apply", severity="error", doc=__doc__, stage="report")

"""A security group setting that does not apply where it is written.

## What it does
Reports `type` and `inner-access` on a security group when the model's
provider is not `alibaba`, and `inner-access` on an Alibaba `type enterprise`
group. These settings are read only where they apply: anywhere else they
change nothing, and the engine reads the group without them.

## Why it matters
Nothing the user writes is ignored without a word. `inner-access drop` on an
AWS group reads like a restriction but AWS groups have no implicit member
access to drop; on an Alibaba enterprise group, members never reach each
other by default, so the setting says nothing either.

## Example
```
provider aws
security-group web { inner-access drop  inbound tcp 443 from any }
```

## Use instead
Remove the setting, or declare `provider alibaba` if the model is of Alibaba
Cloud.

## References
- Alibaba Cloud: "Basic security groups and advanced security groups" (the
  internal access policy applies to basic groups; advanced groups deny
  communication between their members).
- LANGUAGE.md, "What a model means" (Alibaba's basic and enterprise groups).
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule


def check(ctx: Context) -> Iterator[Finding]:
    alibaba = ctx.provider == "alibaba"
    for net in ctx.model.nets:
        for group in net.security_groups:
            for word, span in (("type", group.type_span), ("inner-access", group.inner_access_span)):
                if span is None:
                    continue
                if not alibaba:
                    yield Finding(
                        span,
                        f"'{word}' of security group '{group.name}' applies to provider alibaba only; "
                        f"with provider {ctx.provider} it changes nothing and is ignored",
                    )
                elif word == "inner-access" and group.type == "enterprise":
                    yield Finding(
                        span,
                        f"'inner-access' of security group '{group.name}' applies to basic groups "
                        "only; an enterprise group has no implicit member access, and it is ignored",
                    )


RULE = Rule(
    code="MODEL008", name="setting-not-applicable", severity="warning", doc=__doc__, stage="semantic", check=check
)

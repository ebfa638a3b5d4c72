"""A security group rule that can never decide.

## What it does
Proves, for a rule of a group with priorities or deny rules, that every packet
it matches is also matched by rules of the same group and direction with a
better priority (or by a deny rule of equal priority, which wins over an
allow), and names those rules.

## Why it matters
The rule is dead: it looks like it allows (or denies) something, and reviewers
trust it, but another rule always decides first.

## Example
```
provider alibaba
security-group web {
  inbound deny  priority 1 tcp 1-65535 from any
  inbound allow priority 5 tcp 443 from any        # never decides
}
```

## Use instead
Give the intended rule the better priority, or narrow the broad deny.

## References
- Alibaba Cloud: "Security group rules" (priority, and deny over allow at equal priority).
- LANGUAGE.md, "What a model means": security groups.
"""

from dataclasses import replace
from typing import Iterator

from verifier.catalog import Context, Finding, Rule, undecided
from verifier.diagnostics import Related
from verifier.language.model import GroupRule

from ._overlap import Box, box, neighbourhoods


def check(ctx: Context) -> Iterator[Finding]:
    for net in ctx.model.nets:
        for group in net.security_groups:
            if not _may_take_precedence(group.rules):
                continue  # every rule allows, at one priority (AWS, Outscale): none can shadow another
            # Each rule is weighed against the rules that may match a packet in common with it (an
            # index: all of them made a question per rule the size of the group).
            for rule, near in neighbourhoods(group.rules, _box):
                shadowing, open_questions = ctx.engine.shadowed_group_rule(replace(group, rules=(rule, *near)), rule)
                for question in open_questions:
                    yield undecided(rule.span, "SG002", question.what, question.reason)
                if shadowing:
                    yield Finding(
                        rule.span,
                        f"this {rule.direction} {rule.action} rule of '{group.name}' never decides: "
                        "rules that take precedence (a better priority, or deny at an equal one) match every packet "
                        "it matches",
                        related=tuple(
                            Related(q.span, f"{q.action} rule, priority {q.effective_priority}") for q in shadowing
                        ),
                    )


def _may_take_precedence(rules: tuple[GroupRule, ...]) -> bool:
    """Whether a rule of these may take precedence over another: a deny, or a priority better than
    another's. Without one, no rule has a better one to be shadowed by (`shadowed_group_rule`)."""
    return any(rule.action == "deny" for rule in rules) or len({rule.effective_priority for rule in rules}) > 1


def _box(rule: GroupRule) -> Box:
    return box(rule.peer.block if rule.peer.kind == "block" else None, rule.protocol, rule.ports, rule.icmp)


RULE = Rule(code="SG002", name="shadowed-group-rule", severity="warning", doc=__doc__, stage="semantic", check=check)

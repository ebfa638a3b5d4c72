"""A pending peering request that has expired or expires within a day.

## What it does
Reports a peering pending acceptance (written, or by default across accounts)
whose `created` time is 7 days or more before `--now` (it has expired), or
less than 7 days but more than 6 (it expires within 24 hours).

## Why it matters
A request not accepted within 7 days expires; it must then be made again, and
the routes that name it drop traffic in the meantime.

## Example
```
peering p { requester a  accepter b  created 2026-11-01T09:00:00Z }   # cross-account
```

## Use instead
Have the accepter's owner accept it (`state active`), or make a new request.

## References
- AWS: "VPC peering connection lifecycle" (pending-acceptance expires after 7 days).
- LANGUAGE.md, "Peering states".
"""

from datetime import timedelta
from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.language.model import PENDING_LIFETIME

WARNING_WINDOW = timedelta(hours=24)


def check(ctx: Context) -> Iterator[Finding]:
    for peering in ctx.model.peerings:
        if peering.created is None:
            continue
        state = ctx.model.peering_state(peering, ctx.now)
        expiry = peering.created + PENDING_LIFETIME
        when = expiry.isoformat().replace("+00:00", "Z")
        if state == "expired" and peering.state in (None, "pending-acceptance"):
            yield Finding(
                peering.span,
                f"peering '{peering.name}' was not accepted within 7 days: it expired at "
                f"{when}; routes through it drop traffic",
            )
        elif state == "pending-acceptance" and expiry - ctx.now <= WARNING_WINDOW:
            hours = max(0, int((expiry - ctx.now).total_seconds() // 3600))
            yield Finding(
                peering.span,
                f"peering '{peering.name}' is pending acceptance and expires at {when} (in {hours} hour(s))",
            )


RULE = Rule(code="PEER006", name="expiring-request", severity="warning", doc=__doc__, stage="semantic", check=check)

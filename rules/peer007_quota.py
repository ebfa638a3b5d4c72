"""A provider quota exceeded.

## What it does
Counts what the provider limits and reports the declaration that goes past a
quota: on `aws`, 50 active peerings a net, 50 declared routes a route table,
60 rules a security group per direction, 5 security groups a VM; on
`alibaba`, 10 same-region and 20 cross-region peerings a net, and 20
peerings an account per region.

## Why it matters
The API refuses the object past the quota (PeeringConnectionLimitExceeded,
RouteLimitExceeded, RulesPerSecurityGroupLimitExceeded): the change fails
half-applied, in production.

## Example
```
provider aws
route-table big { route 10.0.1.0/24 drop  ...  }   # 51 routes
```

## Use instead
Summarise routes into wider blocks, split groups, or ask the provider to raise
the (adjustable) quota and record that in the model's review.

## References
- AWS: "Amazon VPC quotas".
- Alibaba Cloud: "VPC peering connection quotas".
- LANGUAGE.md, "Providers".
"""

from collections import Counter
from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.language.model import Model, Net, Peering

AWS = {"peerings_per_net": 50, "routes_per_table": 50, "rules_per_group_direction": 60, "groups_per_vm": 5}
ALIBABA = {"same_region_per_net": 10, "cross_region_per_net": 20, "per_account_region": 20}


def _aws(ctx: Context) -> Iterator[Finding]:
    model = ctx.model
    # Counted once over the peerings, by net name (weighing every peering for every net was
    # quadratic: 115 s at 5,000 nets).
    active: Counter[str] = Counter()
    for p in model.peerings:
        if model.peering_state(p, ctx.now) == "active":
            active.update(_joined(model, p))
    for net in model.nets:
        if active[net.name] > AWS["peerings_per_net"]:
            yield Finding(
                net.span,
                f"net '{net.name}' has {active[net.name]} active peerings; aws allows {AWS['peerings_per_net']} a net",
            )
        for table in net.route_tables:
            if len(table.routes) > AWS["routes_per_table"]:
                extra = table.routes[AWS["routes_per_table"]]
                yield Finding(
                    extra.span,
                    f"route table '{table.name}' declares {len(table.routes)} routes; aws "
                    f"allows {AWS['routes_per_table']} a table",
                )
        for group in net.security_groups:
            for direction in ("inbound", "outbound"):
                rules = [r for r in group.rules if r.direction == direction]
                if len(rules) > AWS["rules_per_group_direction"]:
                    yield Finding(
                        rules[AWS["rules_per_group_direction"]].span,
                        f"security group '{group.name}' has {len(rules)} {direction} rules; aws allows "
                        f"{AWS['rules_per_group_direction']} a direction",
                    )
        for vm in net.vms:
            if len(vm.groups) > AWS["groups_per_vm"]:
                yield Finding(
                    vm.groups[AWS["groups_per_vm"]].span,
                    f"vm '{vm.name}' is in {len(vm.groups)} security groups; aws allows {AWS['groups_per_vm']} a vm",
                )


def _joined(model: Model, peering: Peering) -> set[str]:
    return {n.name for n in model.peering_nets(peering) if n is not None}


def _alibaba(ctx: Context) -> Iterator[Finding]:
    model = ctx.model
    peerings = sorted(model.peerings, key=lambda p: p.span)
    # Each net's peerings between two nets, in order, gathered once (quadratic when every peering
    # was weighed for every net).
    mine: dict[str, list[tuple[Peering, Net]]] = {}
    for p in peerings:
        joined = _joined(model, p)
        if len(joined) == 2:
            first, second = sorted(joined)
            mine.setdefault(first, []).append((p, model.net(second)))
            mine.setdefault(second, []).append((p, model.net(first)))
    for net in model.nets:
        same: list[Peering] = []
        cross: list[Peering] = []
        for p, other in mine.get(net.name, []):
            (same if other.region == net.region else cross).append(p)
        for kind, found, limit in (
            ("same-region", same, ALIBABA["same_region_per_net"]),
            ("cross-region", cross, ALIBABA["cross_region_per_net"]),
        ):
            if len(found) > limit:
                yield Finding(
                    found[limit].span,
                    f"net '{net.name}' has {len(found)} {kind} peerings; alibaba allows {limit} a net",
                )
    by_account: dict[tuple[str, str | None], list[Peering]] = {}
    for p in peerings:
        requester = model.lookup(p.requester, Net)
        if requester is not None and requester.account:
            by_account.setdefault((requester.account, requester.region), []).append(p)
    limit = ALIBABA["per_account_region"]
    for (account, region), found in sorted(by_account.items(), key=lambda kv: kv[1][0].span):
        if len(found) > limit:
            yield Finding(
                found[limit].span,
                f"account {account} has {len(found)} peerings in region "
                f"{region or '(none given)'}; alibaba allows {limit} an account per region",
            )


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.provider == "aws":
        yield from _aws(ctx)
    elif ctx.provider == "alibaba":
        yield from _alibaba(ctx)


RULE = Rule(code="PEER007", name="quota-exceeded", severity="error", doc=__doc__, stage="semantic", check=check)

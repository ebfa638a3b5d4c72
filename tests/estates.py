"""Hypothesis strategy: random well-formed estates of 2-6 nets, as peer text.

Addresses come from a small space (10.0-7.x.x, 2001:db8:0-7::) so that nets
overlap, routes shadow each other, and peerings go where they should not — the
corners where an encoding and a simulator can part ways.
"""

from __future__ import annotations

from hypothesis import strategies as st

PORTS = ["22", "80", "443", "1024-65535", "1000-2000", "53", "0-65535"]
PROTOCOLS = ["tcp", "udp", "icmp", "all", "tcp", "tcp", "icmp", "icmpv6"]
# ICMP types and codes: echo request and reply (of ICMP and ICMPv6), a message nothing answers,
# every code of a type.
ICMP_TYPES = {"icmp": ["8", "0", "3/4", "3", "8/0"], "icmpv6": ["128", "129", "1/4"]}


def detail(draw, proto: str) -> str:
    """What may follow a protocol in a rule or an assertion: ports, or an ICMP type (and code)."""
    if proto in ("tcp", "udp") and draw(st.booleans()):
        return f" {draw(st.sampled_from(PORTS))}"
    if proto in ICMP_TYPES and draw(st.booleans()):
        return f" {draw(st.sampled_from(ICMP_TYPES[proto]))}"
    return ""


STATES = [
    "active",
    "active",
    "active",
    "pending-acceptance",
    "failed",
    "deleted",
    "provisioning",
    "updating",
    "Activated",
    "deleting",
]
GATEWAY_KINDS = ["internet", "transit", "nat", None]  # None: undeclared (kind other)


@st.composite
def estates(draw, open_groups: bool = False) -> str:
    """With `open_groups`, group 0 of every net also lets everything in and out and every VM is in it,
    so that packets get as far as routing, ACLs and peerings (where verdicts are made) more often."""
    provider = draw(st.sampled_from(["generic", "generic", "alibaba", "aws", "outscale"]))
    n_nets = draw(st.integers(2, 6))
    nets = []
    for i in range(n_nets):
        octet = draw(st.integers(0, 7))
        dual = draw(st.booleans()) and draw(st.booleans())
        nets.append({"name": f"n{i}", "octet": octet, "v6": dual, "account": draw(st.sampled_from(["1", "2", None]))})
    peerings = []
    for k in range(draw(st.integers(0, n_nets + 2))):
        a, b = draw(st.integers(0, n_nets - 1)), draw(st.integers(0, n_nets - 1))
        if a != b:
            state = draw(st.sampled_from(STATES + [None, None]))
            peerings.append({"name": f"p{k}", "a": a, "b": b, "state": state})
    groups_all = [f"g{i}-{j}" for i in range(n_nets) for j in range(2)]

    def block(net_index: int | None = None) -> str:
        kind = draw(st.integers(0, 9))
        if kind == 0:
            return "0.0.0.0/0"
        if kind == 1:
            return "10.0.0.0/8"
        octet = nets[net_index]["octet"] if net_index is not None and draw(st.booleans()) else draw(st.integers(0, 7))
        if kind <= 5:
            return f"10.{octet}.0.0/16"
        if kind == 6:
            return f"10.{octet & ~1}.0.0/15"
        return f"10.{octet}.{draw(st.integers(0, 3))}.0/24"

    def v6_block() -> str:
        return draw(st.sampled_from([f"2001:db8:{draw(st.integers(0, 7))}::/48", "2001:db8::/32", "::/0"]))

    lines = [f"provider {provider}"]
    for i, net in enumerate(nets):
        lines.append(f"net {net['name']} {{")
        if net["account"]:
            lines.append(f"  account {net['account']}")
        lines.append(f"  cidr 10.{net['octet']}.0.0/16")
        if net["v6"]:
            lines.append(f"  cidr 2001:db8:{net['octet']}::/48")
        n_tables = draw(st.integers(0, 2))
        n_acls = draw(st.integers(0, 1))
        for s in range(draw(st.integers(1, 3))):
            extra = f"  cidr 2001:db8:{net['octet']}:{s}::/64" if net["v6"] else ""
            table = (
                f"  route-table t{i}-{draw(st.integers(0, n_tables - 1))}" if n_tables and draw(st.booleans()) else ""
            )
            acl = f"  network-acl acl{i}" if n_acls and draw(st.booleans()) else ""
            lines.append(f"  subnet s{i}-{s} {{ cidr 10.{net['octet']}.{s}.0/24{extra}{table}{acl} }}")
        for t in range(n_tables):
            main = "main  " if t == 0 and draw(st.booleans()) else ""
            routes = []
            for _ in range(draw(st.integers(0, 4))):
                dest = v6_block() if net["v6"] and draw(st.integers(0, 4)) == 0 else block(i)
                target = draw(st.integers(0, 5))
                if target <= 3 and peerings:
                    routes.append(f"route {dest} via peering {draw(st.sampled_from(peerings))['name']}")
                elif target == 4:
                    routes.append(f"route {dest} via gateway gw{i}")
                else:
                    routes.append(f"route {dest} drop")
            lines.append(f"  route-table t{i}-{t} {{ {main}{'  '.join(routes)} }}")
        for j in range(2):
            rules = []
            for _ in range(draw(st.integers(0, 4))):
                direction = draw(st.sampled_from(["inbound", "outbound"]))
                action = ""
                if provider not in ("aws", "outscale") and draw(st.integers(0, 3)) == 0:
                    action = draw(st.sampled_from(["allow ", "deny ", "deny priority 1 ", "allow priority 2 "]))
                proto = draw(st.sampled_from(PROTOCOLS))
                ports = detail(draw, proto)
                peer = draw(st.sampled_from(["block", "block", "any", "group"]))
                peer_text = (
                    block(i)
                    if peer == "block"
                    else "any"
                    if peer == "any"
                    else f"group {draw(st.sampled_from(groups_all))}"
                )
                word = "from" if direction == "inbound" else "to"
                rules.append(f"{direction} {action}{proto}{ports} {word} {peer_text}")
            if open_groups and j == 0 and draw(st.integers(0, 3)) > 0:
                rules += ["inbound all from any", "outbound all to any"]
            if provider == "alibaba":
                rules = [draw(st.sampled_from(["", "type enterprise", "inner-access drop"]))] + rules
            lines.append(f"  security-group g{i}-{j} {{ {'  '.join(rules)} }}")
        for _ in range(n_acls):
            entries = []
            for _ in range(draw(st.integers(0, 4))):
                direction = draw(st.sampled_from(["inbound", "outbound"]))
                proto = draw(st.sampled_from(PROTOCOLS))
                ports = detail(draw, proto)
                word = "from" if direction == "inbound" else "to"
                number = draw(st.integers(1, 5)) * 100
                action = draw(st.sampled_from(["allow", "allow", "deny"]))
                entries.append(f"{direction} {number} {action} {proto}{ports} {word} {block(i)}")
            lines.append(f"  network-acl acl{i} {{ {'  '.join(entries)} }}")
        kind = draw(st.sampled_from(GATEWAY_KINDS))
        if kind is not None:
            lines.append(f"  gateway gw{i} {{ kind {kind} }}")
        n_subnets = sum(1 for line in lines if line.startswith(f"  subnet s{i}-"))
        for v in range(draw(st.integers(0, 3))):
            s = draw(st.integers(0, n_subnets - 1))
            address = f"10.{net['octet']}.{s}.{10 + v}"
            if net["v6"] and draw(st.booleans()):
                address += f", 2001:db8:{net['octet']}:{s}::{10 + v}"
            groups = draw(st.lists(st.integers(0, 1), max_size=2, unique=True))
            if open_groups and 0 not in groups:
                groups.insert(0, 0)
            group_text = f"  groups {', '.join(f'g{i}-{g}' for g in groups)}" if groups else ""
            lines.append(f"  vm v{i}-{v} {{ subnet s{i}-{s}  ip {address}{group_text} }}")
        lines.append("}")
    for p in peerings:
        state = f"  state {p['state']}" if p["state"] else ""
        lines.append(
            f"peering {p['name']} {{ requester {nets[p['a']]['name']}  accepter {nets[p['b']]['name']}{state} }}"
        )
    return "\n".join(lines) + "\n"

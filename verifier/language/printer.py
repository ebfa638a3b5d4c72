"""Print a model as peer text: formatted, deterministic, and parsed back to the same model.

Used by the round-trip property tests and by importers (`peerproof import`).
Blocks are printed as written (host bits included), so what the user wrote
survives a round trip.
"""

from __future__ import annotations

import re
from datetime import timezone

from verifier.language import model as _model
from verifier.language.model import (
    AclRule,
    Address,
    Assertion,
    Block,
    Gap,
    GroupRule,
    Icmp,
    Model,
    Net,
    NetworkAcl,
    Peering,
    Ports,
    Protocol,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vm,
)

INDENT = "  "
BARE_NAME = re.compile(r"[A-Za-z_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?")


def name_text(name: str) -> str:
    """A name as written: bare when it can be, else quoted (Terraform addresses)."""
    if BARE_NAME.fullmatch(name):
        return name
    return f"'{name}'" if '"' in name else f'"{name}"'


def block_text(block: Block) -> str:
    return f"{_model.address_text(block.value, block.version)}/{block.prefixlen}"


def address_text(address: Address) -> str:
    return _model.address_text(address.value, address.version)


def _proto_ports(protocol: Protocol, ports: Ports | None, icmp: Icmp | None = None) -> str:
    """`tcp 443`, `icmp 3/4`, `all`: the protocol and what follows it (ports, or an ICMP type and code)."""
    detail = ports or icmp
    return f"{protocol}" + (f" {detail}" if detail else "")


def print_model(model: Model, notes: dict[str, str] | None = None, left_out: str | None = None) -> str:
    """`notes`: a comment to print at the top of a net, by its name (an import says what it knows of
    it); `left_out`: one to print above the `unmodelled` declarations."""
    parts: list[str] = []
    for provider in model.providers:
        parts.append(f"provider {provider.name}\n")
    for net in model.nets:
        parts.append(_net(net, (notes or {}).get(net.name)))
    if model.peerings:
        parts.append("".join(_peering(p) for p in model.peerings))
    if model.gaps:
        parts.append((f"# {left_out}\n" if left_out else "") + "".join(gap_text(g) + "\n" for g in model.gaps))
    if model.assertions:
        parts.append("".join(assertion_text(a) + "\n" for a in model.assertions))
    return "\n".join(parts)


def gap_text(gap: Gap) -> str:
    """An `unmodelled` declaration: what the model does not hold, the nets it touches and its effect."""
    words = [f"nets {', '.join(map(name_text, gap.nets))}"] if gap.nets else []
    words += [f"effect {gap.effect}"] if gap.effect != "any" else []
    words += ["routes"] if gap.routes else []
    return f"unmodelled {name_text(gap.what)} {{ {'  '.join(words)} }}".replace("{  }", "{ }")


def _net(net: Net, note: str | None = None) -> str:
    lines = [f"net {name_text(net.name)} {{"] + ([f"{INDENT}# {note}"] if note else [])
    if net.account is not None:
        lines.append(f"{INDENT}account {net.account if net.account.isdigit() else name_text(net.account)}")
    if net.region is not None:
        lines.append(f"{INDENT}region {name_text(net.region)}")
    lines.extend(f"{INDENT}cidr {block_text(b)}" for b in net.blocks)
    for subnet in net.subnets:
        lines.append(INDENT + _subnet(subnet))
    for table in net.route_tables:
        lines.extend(INDENT + line for line in _route_table(table))
    for group in net.security_groups:
        lines.extend(INDENT + line for line in _security_group(group))
    for acl in net.network_acls:
        lines.extend(INDENT + line for line in _network_acl(acl))
    for vm in net.vms:
        if vm.owner is None:
            interfaces = [i for i in net.vms if i.owner == vm.name]
            lines.extend(INDENT + line for line in _vm(vm, interfaces))
    for gateway in net.gateways:
        lines.append(f"{INDENT}gateway {name_text(gateway.name)} {{ kind {gateway.gateway_kind} }}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _subnet(subnet: Subnet) -> str:
    words = [f"cidr {block_text(b)}" for b in subnet.blocks]
    if subnet.zone is not None:
        words.append(f"zone {name_text(subnet.zone)}")
    if subnet.route_table is not None:
        words.append(f"route-table {name_text(subnet.route_table.name)}")
    if subnet.network_acl is not None:
        words.append(f"network-acl {name_text(subnet.network_acl.name)}")
    return (
        f"subnet {name_text(subnet.name)} {{ {'  '.join(words)} }}"
        if words
        else f"subnet {name_text(subnet.name)} {{ }}"
    )


def _route_table(table: RouteTable) -> list[str]:
    lines = [f"route-table {name_text(table.name)} {{"]
    if table.main:
        lines.append(f"{INDENT}main")
    for route in table.routes:
        target = "drop" if route.target == "drop" else f"via {route.target} {name_text(route.via.name)}"  # type: ignore[union-attr]
        lines.append(f"{INDENT}route {block_text(route.destination)} {target}")
    lines.append("}")
    return lines


def _group_rule(rule: GroupRule) -> str:
    words: list[str] = [rule.direction]
    if rule.action_written:
        words.append(rule.action)
    if rule.priority is not None:
        words.append(f"priority {rule.priority}")
    words.append(_proto_ports(rule.protocol, rule.ports, rule.icmp))
    words.append("from" if rule.direction == "inbound" else "to")
    peer = rule.peer
    if peer.kind == "any":
        words.append("any")
    elif peer.kind == "group":
        words.append(f"group {name_text(peer.group.name)}")  # type: ignore[union-attr]
    else:
        words.append(block_text(peer.block))  # type: ignore[arg-type]
    return " ".join(words)


def _security_group(group: SecurityGroup) -> list[str]:
    # Each as written (an import writes a basic group's type), else when it is not the default.
    head = [f"type {group.type}"] if group.type_span is not None or group.type != "basic" else []
    if group.inner_access_span is not None or group.inner_access != "accept":
        head.append(f"inner-access {group.inner_access}")
    body = head + [_group_rule(r) for r in group.rules]
    return [f"security-group {name_text(group.name)} {{", *(INDENT + line for line in body), "}"]


def _acl_rule(rule: AclRule) -> str:
    way = "from" if rule.direction == "inbound" else "to"
    return (
        f"{rule.direction} {rule.number} {rule.action} {_proto_ports(rule.protocol, rule.ports, rule.icmp)} "
        f"{way} {block_text(rule.block)}"
    )


def _network_acl(acl: NetworkAcl) -> list[str]:
    return [f"network-acl {name_text(acl.name)} {{", *(INDENT + _acl_rule(r) for r in acl.rules), "}"]


def _vm(vm: Vm, interfaces: list[Vm]) -> list[str]:
    """A VM on one line; with other interfaces, a block holding one line each."""
    head = f"vm {name_text(vm.name)} {{"
    if not interfaces:
        return [f"{head} {_interface_words(vm)} }}" if _interface_words(vm) else f"{head} }}"]
    lines = [head]
    if _interface_words(vm):
        lines.append(INDENT + _interface_words(vm))
    for interface in interfaces:
        words = _interface_words(interface)
        lines.append(
            f"{INDENT}interface {name_text(interface.name)} {{ {words} }}"
            if words
            else f"{INDENT}interface {name_text(interface.name)} {{ }}"
        )
    return lines + ["}"]


def _interface_words(vm: Vm) -> str:
    """Subnet, addresses and groups of a VM's primary interface, or of another interface."""
    words = []
    if vm.subnet is not None:
        words.append(f"subnet {name_text(vm.subnet.name)}")
    if vm.addresses:
        words.append("ip " + ", ".join(address_text(a) for a in vm.addresses))
    if vm.groups:
        words.append("groups " + ", ".join(name_text(g.name) for g in vm.groups))
    return "  ".join(words)


def _peering(peering: Peering) -> str:
    """A peering on one line, as the language's examples write one."""
    words = []
    if peering.requester is not None:
        words.append(f"requester {name_text(peering.requester.name)}")
    if peering.accepter is not None:
        words.append(f"accepter {name_text(peering.accepter.name)}")
    if peering.state is not None:
        words.append(f"state {peering.state}")
    if peering.created is not None:
        stamp = peering.created.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        words.append(f"created {stamp}")
    return f"peering {name_text(peering.name)} {{ {'  '.join(words)} }}\n".replace("{  }", "{ }")


def assertion_text(assertion: Assertion) -> str:
    destination = assertion.destination
    dst = name_text(destination.name.name) if destination.name else address_text(destination.address)  # type: ignore[arg-type]
    src = name_text(assertion.source.name.name) if assertion.source.name else address_text(assertion.source.address)  # type: ignore[arg-type]
    text = f"assert {assertion.kind} {src} -> {dst}"
    if assertion.protocol is not None:
        text += " " + _proto_ports(assertion.protocol, assertion.ports, assertion.icmp)
    return text

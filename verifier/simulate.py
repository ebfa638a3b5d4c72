"""The concrete packet simulator: walk one packet through the model, hop by hop.

Independent of the solver encoding (it shares only the model's facts, in
`topology`). Every counterexample the solver produces is replayed here before
it is reported, and this trace is what the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

import netaddr

from .model import (
    ANY_PROTOCOL,
    PORTED_PROTOCOLS,
    AclRule,
    Block,
    GroupRule,
    Net,
    NetworkAcl,
    Route,
    Span,
    Vm,
    protocol_name,
)
from .topology import Topology

Disposition = Literal["pass", "deliver", "drop"]
Direction = Literal["forward", "reply"]


@dataclass(frozen=True)
class Packet:
    version: int
    src: int
    dst: int
    protocol: int
    sport: int
    dport: int

    def reply(self) -> "Packet":
        return Packet(self.version, self.dst, self.src, self.protocol, self.dport, self.sport)

    def describe(self) -> str:
        src, dst = address_text(self.src, self.version), address_text(self.dst, self.version)
        proto = protocol_name(self.protocol)
        if self.protocol in PORTED_PROTOCOLS:
            return f"{proto} {src}:{self.sport} -> {dst}:{self.dport}"
        return f"{proto} {src} -> {dst}"

    def as_json(self) -> dict:
        return {
            "source": address_text(self.src, self.version),
            "destination": address_text(self.dst, self.version),
            "protocol": protocol_name(self.protocol),
            "source_port": self.sport,
            "destination_port": self.dport,
        }


@dataclass(frozen=True)
class Hop:
    """One step of a packet's walk: what was consulted, and what it decided."""

    step: str  # security-group, network-acl, route, peering, delivery
    description: str
    disposition: Disposition
    span: Span | None = None
    code: str | None = None  # the blocking code when disposition is drop

    def as_json(self) -> dict:
        return {
            "step": self.step,
            "description": self.description,
            "disposition": self.disposition,
            "code": self.code,
            "file": self.span.file if self.span else None,
            "line": self.span.line if self.span else None,
        }


@dataclass
class Trace:
    packet: Packet
    hops: list[Hop] = field(default_factory=list)
    delivered_to: Vm | None = None

    @property
    def blocked(self) -> Hop | None:
        return next((h for h in self.hops if h.disposition == "drop"), None)

    def add(self, hop: Hop) -> Hop:
        self.hops.append(hop)
        return hop


@dataclass
class Connection:
    forward: Trace
    reply: Trace | None
    source: Vm
    ok: bool

    @property
    def failed_direction(self) -> Direction | None:
        if self.ok:
            return None
        return "forward" if self.reply is None else "reply"


def address_text(value: int, version: int) -> str:
    return str(netaddr.IPAddress(value, version))


def _block_holds(block: Block, version: int, address: int) -> bool:
    return block.version == version and block.first <= address <= block.last


def _ports_match(rule_ports, packet: Packet) -> bool:
    if rule_ports is None:
        return True
    return packet.protocol in PORTED_PROTOCOLS and rule_ports.low <= packet.dport <= rule_ports.high


def _protocol_matches(number: int, packet: Packet) -> bool:
    return number == ANY_PROTOCOL or number == packet.protocol


class Simulator:
    def __init__(self, topology: Topology):
        self.topo = topology
        self._lpm: dict[tuple[str, int], tuple[list[int], dict[tuple[int, int], Route]]] = {}

    # --- filters ----------------------------------------------------------------
    def _group_rule_matches(self, rule: GroupRule, packet: Packet, peer_address: int) -> bool:
        if not _protocol_matches(rule.protocol.number, packet) or not _ports_match(rule.ports, packet):
            return False
        peer = rule.peer
        if peer.kind == "any":
            return True
        if peer.kind == "block":
            return _block_holds(peer.block, packet.version, peer_address)  # type: ignore[arg-type]
        return peer_address in self.topo.member_addresses(peer.group.name, packet.version)  # type: ignore[union-attr]

    def security_groups(self, vm: Vm, packet: Packet, direction: Literal["inbound", "outbound"]) -> Hop:
        """The decision of a VM's security groups; best priority decides, deny wins ties."""
        code = "SG_EGRESS_DENIED" if direction == "outbound" else "SG_INGRESS_DENIED"
        groups = self.topo.groups_of(vm)
        if not groups:
            return Hop("security-group", f"vm {vm.name} is in no security group: {direction} denied",
                       "drop", vm.span, code)
        peer_address = packet.dst if direction == "outbound" else packet.src
        matching = [(rule, group) for group in groups for rule in group.rules
                    if rule.direction == direction and self._group_rule_matches(rule, packet, peer_address)]
        names = ", ".join(g.name for g in groups)
        if not matching:
            return Hop("security-group", f"no {direction} rule of {names} matches: denied", "drop",
                       groups[0].span, code)
        best = min(rule.effective_priority for rule, _ in matching)
        deciders = [(r, g) for r, g in matching if r.effective_priority == best]
        deny = next(((r, g) for r, g in deciders if r.action == "deny"), None)
        rule, group = deny or deciders[0]
        if deny:
            return Hop("security-group", f"{direction} denied by a deny rule of {group.name}", "drop",
                       rule.span, code)
        return Hop("security-group", f"{direction} allowed by {group.name}", "pass", rule.span)

    def network_acl(self, acl: NetworkAcl | None, packet: Packet, direction: Literal["inbound", "outbound"],
                    subnet_name: str) -> Hop:
        """First matching entry in number order decides; no match is denied."""
        code = "NACL_EGRESS_DENIED" if direction == "outbound" else "NACL_INGRESS_DENIED"
        if acl is None:
            return Hop("network-acl", f"subnet {subnet_name} has no network ACL: {direction} passes", "pass")
        peer = packet.dst if direction == "outbound" else packet.src
        for entry in acl.ordered(direction):
            if self._acl_entry_matches(entry, packet, peer):
                verdict: Disposition = "pass" if entry.action == "allow" else "drop"
                return Hop("network-acl", f"{acl.name} {direction} entry {entry.number} {entry.action}s",
                           verdict, entry.span, None if verdict == "pass" else code)
        return Hop("network-acl", f"no {direction} entry of {acl.name} matches: denied", "drop", acl.span, code)

    @staticmethod
    def _acl_entry_matches(entry: AclRule, packet: Packet, peer: int) -> bool:
        return (_protocol_matches(entry.protocol.number, packet) and _ports_match(entry.ports, packet)
                and _block_holds(entry.block, packet.version, peer))

    # --- routing ----------------------------------------------------------------
    def select_route(self, net: Net, table, version: int, address: int) -> Route | Block | None:
        """The route a table selects for an address: a local block, a declared route, or None.

        Longest prefix match the classic way: one hash table of (length, network) per
        table, probed from the longest length down; the first declared route of a
        destination wins.
        """
        for block in self.topo.local_blocks(net):
            if _block_holds(block, version, address):
                return block
        if table is None:
            return None
        key = (table.name, version)
        if key not in self._lpm:
            index: dict[tuple[int, int], Route] = {}
            for route in table.routes:
                if route.destination.version == version:
                    index.setdefault((route.destination.prefixlen, route.destination.first), route)
            self._lpm[key] = (sorted({length for length, _ in index}, reverse=True), index)
        lengths, index = self._lpm[key]
        width = 32 if version == 4 else 128
        for length in lengths:
            network = address & ~((1 << (width - length)) - 1) & ((1 << width) - 1)
            found = index.get((length, network))
            if found is not None:
                return found
        return None

    def walk(self, source: Vm, packet: Packet, trace: Trace, egress_groups: bool = True,
             ingress_groups: bool = True) -> Trace:
        """Carry a packet from `source` to the VM holding its destination, or drop it."""
        subnet = self.topo.subnet_of(source)
        net = self.topo.net_of(source)
        if egress_groups:
            if trace.add(self.security_groups(source, packet, "outbound")).disposition == "drop":
                return trace
        else:
            trace.add(Hop("security-group", f"reply passes {source.name}'s groups (stateful)", "pass"))
        if trace.add(self.network_acl(self.topo.acl_of(subnet), packet, "outbound", subnet.name)).disposition == "drop":
            return trace
        table = self.topo.table_of(subnet)
        table_name = table.name if table else f"{net.name}'s local routes"
        selected = self.select_route(net, table, packet.version, packet.dst)
        dst_text = address_text(packet.dst, packet.version)
        if selected is None:
            trace.add(Hop("route", f"{table_name} has no route for {dst_text}: dropped", "drop",
                          table.span if table else None, "NO_ROUTE"))
            return trace
        if isinstance(selected, Block):
            trace.add(Hop("route", f"{table_name}: local route {selected} (net {net.name})", "pass", selected.span))
            destination_net = net
        else:
            route = selected
            if route.target == "drop":
                trace.add(Hop("route", f"{table_name}: route {route.destination} drop (blackhole)", "drop",
                              route.span, "ROUTE_DROP"))
                return trace
            if route.target == "gateway":
                trace.add(Hop("route", f"{table_name}: route {route.destination} via gateway {route.via.name} "
                              "leaves the modelled network", "drop", route.span, "ROUTE_TO_GATEWAY"))
                return trace
            peering = self.topo.peering(route.via.name)  # type: ignore[union-attr]
            trace.add(Hop("route", f"{table_name}: route {route.destination} via peering {route.via.name}",
                          "pass", route.span))
            other = self.topo.other_net(peering, net) if peering else None
            if peering is None or other is None:
                trace.add(Hop("peering", f"peering {route.via.name} does not join net {net.name}: dropped",
                              "drop", peering.span if peering else route.span, "PEERING_NOT_ATTACHED"))
                return trace
            state = self.topo.state(peering)
            if state != "active":
                trace.add(Hop("peering", f"peering {peering.name} is {state}, not active: dropped", "drop",
                              peering.span, "PEERING_NOT_ACTIVE"))
                return trace
            if not any(_block_holds(b, packet.version, packet.dst) for b in other.blocks):
                trace.add(Hop("peering", f"{dst_text} is outside net {other.name}'s blocks: a peered net never "
                              "forwards further (peering is not transitive)", "drop", peering.span,
                              "NON_TRANSITIVE"))
                return trace
            trace.add(Hop("peering", f"peering {peering.name} carries it to net {other.name}", "pass",
                          peering.span))
            destination_net = other
        target = self.topo.vm_holding(destination_net, packet.version, packet.dst)
        if target is None:
            trace.add(Hop("delivery", f"no vm of net {destination_net.name} holds {dst_text}: dropped", "drop",
                          None, "NO_DESTINATION"))
            return trace
        target_subnet = self.topo.subnet_of(target)
        if trace.add(self.network_acl(self.topo.acl_of(target_subnet), packet, "inbound",
                                      target_subnet.name)).disposition == "drop":
            return trace
        if ingress_groups:
            if trace.add(self.security_groups(target, packet, "inbound")).disposition == "drop":
                return trace
        else:
            trace.add(Hop("security-group", f"reply passes {target.name}'s groups (stateful)", "pass"))
        trace.add(Hop("delivery", f"delivered to vm {target.name}", "deliver", target.span))
        trace.delivered_to = target
        return trace

    # --- what the engine asks ------------------------------------------------------
    def forward(self, source: Vm, packet: Packet) -> Trace:
        return self.walk(source, packet, Trace(packet))

    def connection(self, source: Vm, packet: Packet, target: Vm | None = None) -> Connection:
        """A connection to `target` (or whoever holds the destination): the packet, then its
        reply routed back by the same rules.

        Security groups are stateful (the reply passes them); network ACLs are
        stateless (the reply must pass them again).
        """
        forward = self.forward(source, packet)
        if target is not None and forward.delivered_to is not None and forward.delivered_to is not target:
            # Another VM holds the same address (overlapping nets): the route led there instead.
            reached = forward.delivered_to
            forward.hops[-1] = Hop("delivery", f"delivered to vm {reached.name} of net {reached.net}, which also "
                                   f"holds {address_text(packet.dst, packet.version)}, not to vm {target.name} of net "
                                   f"{target.net}", "drop", reached.span, "NO_DESTINATION")
            forward.delivered_to = None
        if forward.delivered_to is None:
            return Connection(forward, None, source, False)
        reply = self.walk(forward.delivered_to, packet.reply(), Trace(packet.reply()),
                          egress_groups=False, ingress_groups=False)
        if reply.delivered_to is not None and reply.delivered_to is not source:
            reply.hops[-1] = Hop("delivery", f"the reply reaches vm {reply.delivered_to.name}, not "
                                 f"{source.name}: dropped", "drop", reply.delivered_to.span, "NO_DESTINATION")
            reply.delivered_to = None
        return Connection(forward, reply, source, reply.delivered_to is source)


def hops_json(hops: Iterable[Hop]) -> list[dict]:
    return [h.as_json() for h in hops]

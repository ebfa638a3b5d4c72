"""The concrete packet simulator: walk one packet through the model, hop by hop.

Independent of the solver encoding (it shares only the model's facts, in
`topology`). Every counterexample the solver produces is replayed here before
it is reported, and this trace is what the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from verifier.engine.topology import LocalRoute, RouteChoice, Topology
from verifier.language.model import (
    ICMP_PROTOCOLS,
    ICMP_REPLIES,
    PORTED_PROTOCOLS,
    TRANSITIONAL_STATES,
    AclRule,
    Block,
    GroupRule,
    Icmp,
    Net,
    NetworkAcl,
    Peering,
    Ports,
    Route,
    RouteTable,
    Span,
    Vm,
    address_text,
    any_protocol,
    family_width,
    protocol_name,
)

Disposition = Literal["pass", "deliver", "drop", "unknown"]


class Stop(StrEnum):
    """What a hop says about the packet's fate, as a code (public: `why`'s blocking points, the
    counterexamples' `blocked`). The values are the codes users see; README, "Why can't A reach C?"."""

    # What drops it (each has a model in fixtures/why/ and repairs in engine/repair.py)
    SG_EGRESS_DENIED = "SG_EGRESS_DENIED"
    NACL_EGRESS_DENIED = "NACL_EGRESS_DENIED"
    NO_ROUTE = "NO_ROUTE"
    ROUTE_DROP = "ROUTE_DROP"
    ROUTE_TO_GATEWAY = "ROUTE_TO_GATEWAY"
    PEERING_NOT_ACTIVE = "PEERING_NOT_ACTIVE"
    PEERING_NOT_ATTACHED = "PEERING_NOT_ATTACHED"
    NON_TRANSITIVE = "NON_TRANSITIVE"
    LOCAL_ROUTE_OVERRIDE = "LOCAL_ROUTE_OVERRIDE"
    NO_DESTINATION = "NO_DESTINATION"
    NACL_INGRESS_DENIED = "NACL_INGRESS_DENIED"
    SG_INGRESS_DENIED = "SG_INGRESS_DENIED"
    NOT_PEERED = "NOT_PEERED"
    NO_COMMON_FAMILY = "NO_COMMON_FAMILY"  # the two VMs share no address family: no packet at all
    BLOCKED = "BLOCKED"  # a dropping hop without a finer code (none today; kept so none is unnamed)
    # What leaves it open (disposition `unknown`): a fact the model does not pin down
    GATEWAY_MAY_RETURN = "GATEWAY_MAY_RETURN"
    PEERING_TRANSITIONAL = "PEERING_TRANSITIONAL"


Leg = Literal["forward", "reply"]
Outcome = Literal["deliver", "drop", "maybe"]


@dataclass(frozen=True)
class Packet:
    """A packet. For ICMP and ICMPv6, `dport` holds the message type and `sport` its code (as
    many tools keep them); every other protocol without ports has both 0."""

    version: int
    src: int
    dst: int
    protocol: int
    sport: int
    dport: int

    @property
    def icmp(self) -> bool:
        return self.protocol in ICMP_PROTOCOLS

    def reply(self) -> "Packet | None":
        """What answers the packet in a connection: addresses (and ports) swapped. An ICMP query is
        answered by its reply type with the same code (echo request 8 by echo reply 0; ICMPv6 128 by
        129); any other ICMP message is not answered (None)."""
        if self.icmp:
            answer = ICMP_REPLIES[self.protocol].get(self.dport)
            if answer is None:
                return None
            return Packet(self.version, self.dst, self.src, self.protocol, self.sport, answer)
        return Packet(self.version, self.dst, self.src, self.protocol, self.dport, self.sport)

    def describe(self) -> str:
        src, dst = address_text(self.src, self.version), address_text(self.dst, self.version)
        proto = protocol_name(self.protocol)
        if self.protocol in PORTED_PROTOCOLS:
            return f"{proto} {src}:{self.sport} -> {dst}:{self.dport}"
        if self.icmp:
            return f"{proto} {src} -> {dst} type {self.dport} code {self.sport}"
        return f"{proto} {src} -> {dst}"


@dataclass(frozen=True)
class Hop:
    """One step of a packet's walk: what was consulted, and what it decided."""

    step: str  # security-group, network-acl, route, peering, delivery
    description: str
    disposition: Disposition
    span: Span | None = None
    code: Stop | None = None  # with disposition drop or unknown: why
    # What the words name, as references: the nets the hop routes in or carries to, the peering it
    # crosses or stops at (the graph's overlay reads these, never the words).
    nets: tuple[str, ...] = ()
    peering: str | None = None


@dataclass
class Trace:
    """A packet's walk. It ends delivered, dropped, or — past a fact the model does not pin down (a
    gateway that may bring it back, a peering in a transitional state) — maybe delivered."""

    packet: Packet
    hops: list[Hop] = field(default_factory=list)
    delivered_to: Vm | None = None
    maybe_to: Vm | None = None  # where it may arrive, when `depends` is set
    depends: list[str] = field(default_factory=list)  # the unpinned facts the walk went through

    @property
    def blocked(self) -> Hop | None:
        return next((h for h in self.hops if h.disposition == "drop"), None)

    @property
    def outcome(self) -> Outcome:
        if self.delivered_to is not None:
            return "deliver"
        return "maybe" if self.maybe_to is not None else "drop"

    @property
    def reached(self) -> Vm | None:
        """Where the packet arrives, for certain or possibly."""
        return self.delivered_to or self.maybe_to

    def add(self, hop: Hop) -> Hop:
        self.hops.append(hop)
        return hop


@dataclass
class RoundTrip:
    forward: Trace
    reply: Trace | None
    source: Vm
    ok: bool  # works for certain
    possible: bool = False  # may work (ok, or resting only on unpinned facts)

    @property
    def failed_direction(self) -> Leg | None:
        if self.ok:
            return None
        if self.reply is None or self.forward.outcome == "drop":
            return "forward"
        if self.reply.outcome == "drop":
            return "reply"
        return "forward" if self.forward.outcome != "deliver" else "reply"

    @property
    def depends(self) -> list[str]:
        """The unpinned facts a possible (not certain) connection rests on."""
        facts = list(self.forward.depends) + (list(self.reply.depends) if self.reply else [])
        return list(dict.fromkeys(facts))


# --- hops both walks write (the simulator's and the explainer's) ----------------------------------
def local_route_hop(table_name: str, selected: LocalRoute, net: Net) -> Hop:
    return Hop(
        "route", f"{table_name}: local route {selected} (net {net.name})", "pass", selected.span, nets=(net.name,)
    )


def via_peering_hop(table_name: str, route: Route, peering_name: str) -> Hop:
    return Hop(
        "route",
        f"{table_name}: route {route.destination} via peering {peering_name}",
        "pass",
        route.span,
        peering=peering_name,
    )


def transitional_hop(peering: Peering, state: str) -> Hop:
    return Hop(
        "peering",
        f"peering {peering.name} is {state}: it may or may not carry traffic",
        "unknown",
        peering.span,
        Stop.PEERING_TRANSITIONAL,
        peering=peering.name,
    )


def carried_hop(peering: Peering, other: Net) -> Hop:
    return Hop(
        "peering",
        f"peering {peering.name} carries it to net {other.name}",
        "pass",
        peering.span,
        nets=(other.name,),
        peering=peering.name,
    )


def vm_text(vm: Vm) -> str:
    """`vm NAME`, or for another interface of a VM `interface NAME of vm OWNER`."""
    return f"interface {vm.name} of vm {vm.owner}" if vm.owner else f"vm {vm.name}"


def _block_holds(block: Block, version: int, address: int) -> bool:
    return block.version == version and block.first <= address <= block.last


def _ports_match(rule_ports: Ports | None, packet: Packet) -> bool:
    if rule_ports is None:
        return True
    return packet.protocol in PORTED_PROTOCOLS and rule_ports.low <= packet.dport <= rule_ports.high


def _protocol_matches(number: int, packet: Packet) -> bool:
    return any_protocol(number) or number == packet.protocol


def _icmp_matches(icmp: Icmp | None, packet: Packet) -> bool:
    """A rule's ICMP type (and code) against the packet's; no type written matches every one."""
    if icmp is None:
        return True
    return packet.icmp and packet.dport == icmp.type and (icmp.code is None or packet.sport == icmp.code)


class Simulator:
    def __init__(self, topology: Topology):
        self.topo = topology
        self._lpm: dict[tuple[str, int], tuple[list[int], dict[tuple[int, int], Route]]] = {}

    # --- filters ----------------------------------------------------------------
    def _group_rule_matches(self, rule: GroupRule, packet: Packet, peer_address: int, peer_vm: Vm | None) -> bool:
        if not _protocol_matches(rule.protocol.number, packet) or not _ports_match(rule.ports, packet):
            return False
        if not _icmp_matches(rule.icmp, packet):
            return False
        peer = rule.peer
        if peer.kind == "any":
            return True
        if peer.kind == "block":
            return _block_holds(peer.block, packet.version, peer_address)  # type: ignore[arg-type]
        return self.topo.is_member(peer_vm, peer.group.name)  # type: ignore[union-attr]

    def security_groups(
        self, vm: Vm, packet: Packet, direction: Literal["inbound", "outbound"], peer_vm: Vm | None = None
    ) -> Hop:
        """The decision of a VM's security groups; best priority decides, deny wins ties.

        `peer_vm` is the VM at the other end (the receiver of an outbound packet, the sender of an
        inbound one): a `group G` peer matches it by membership, never by address.
        """
        code = Stop.SG_EGRESS_DENIED if direction == "outbound" else Stop.SG_INGRESS_DENIED
        groups = self.topo.groups_of(vm)
        if not groups:
            return Hop(
                "security-group", f"vm {vm.name} is in no security group: {direction} denied", "drop", vm.span, code
            )
        peer_address = packet.dst if direction == "outbound" else packet.src
        matching = [
            (rule, group)
            for group in groups
            for rule in self.topo.rules_of(group)
            if rule.direction == direction and self._group_rule_matches(rule, packet, peer_address, peer_vm)
        ]
        names = ", ".join(g.name for g in groups)
        if not matching:
            return Hop(
                "security-group", f"no {direction} rule of {names} matches: denied", "drop", groups[0].span, code
            )
        best = min(rule.effective_priority for rule, _ in matching)
        deciders = [(r, g) for r, g in matching if r.effective_priority == best]
        deny = next(((r, g) for r, g in deciders if r.action == "deny"), None)
        rule, group = deny or deciders[0]
        if deny:
            return Hop("security-group", f"{direction} denied by a deny rule of {group.name}", "drop", rule.span, code)
        # Not one of the group's written rules (an imported rule may sit at its group's place: same resource)
        implicit = "" if any(rule is written for written in group.rules) else " (an implicit rule of a basic group)"
        return Hop("security-group", f"{direction} allowed by {group.name}{implicit}", "pass", rule.span)

    def network_acl(
        self,
        acl: NetworkAcl | None,
        packet: Packet,
        direction: Literal["inbound", "outbound"],
        subnet_name: str,
        within: bool = False,
    ) -> Hop:
        """First matching entry in number order decides; no match is denied. `within`: the packet
        stays inside the subnet, which its network ACL does not filter."""
        code = Stop.NACL_EGRESS_DENIED if direction == "outbound" else Stop.NACL_INGRESS_DENIED
        if acl is None:
            return Hop("network-acl", f"subnet {subnet_name} has no network ACL: {direction} passes", "pass")
        if within:
            return Hop("network-acl", f"within subnet {subnet_name}: its network ACL {acl.name} does not apply", "pass")
        peer = packet.dst if direction == "outbound" else packet.src
        for entry in acl.ordered(direction):
            if self._acl_entry_matches(entry, packet, peer):
                verdict: Disposition = "pass" if entry.action == "allow" else "drop"
                return Hop(
                    "network-acl",
                    f"{acl.name} {direction} entry {entry.number} {entry.action}s",
                    verdict,
                    entry.span,
                    None if verdict == "pass" else code,
                )
        return Hop("network-acl", f"no {direction} entry of {acl.name} matches: denied", "drop", acl.span, code)

    @staticmethod
    def _acl_entry_matches(entry: AclRule, packet: Packet, peer: int) -> bool:
        return (
            _protocol_matches(entry.protocol.number, packet)
            and _ports_match(entry.ports, packet)
            and _icmp_matches(entry.icmp, packet)
            and _block_holds(entry.block, packet.version, peer)
        )

    # --- routing ----------------------------------------------------------------
    def select_route(self, net: Net, table: RouteTable | None, version: int, address: int) -> RouteChoice:
        """The route a table selects for an address: the local route (with the block holding the
        address), a declared route, or None.

        A route that overrides the local route (aws: a gateway route for exactly a subnet block)
        first; then the local routes; then the longest prefix the classic way: one hash table of
        (length, network) per table, probed from the longest length down; the first declared route
        of a destination wins.
        """
        for route in self.topo.overrides(net, table):
            if _block_holds(route.destination, version, address):
                return route
        for block in self.topo.local_blocks(net):
            if _block_holds(block, version, address):
                return LocalRoute(block)
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
        width = family_width(version)
        for length in lengths:
            network = address & ~((1 << (width - length)) - 1) & ((1 << width) - 1)
            found = index.get((length, network))
            if found is not None:
                return found
        return None

    def _receiver(self, net: Net, selected: RouteChoice, packet: Packet, target: Vm | None) -> Vm | None:
        """The VM the routes would carry the packet to (possibly, past a gateway), before any filter."""
        if selected is None:
            return None
        if isinstance(selected, LocalRoute):
            return self.topo.vm_holding(net, packet.version, packet.dst)
        if selected.target == "peering":
            peering = self.topo.peering(selected.via.name)  # type: ignore[union-attr]
            other = self.topo.other_net(peering, net) if peering else None
            if other is None or not any(_block_holds(b, packet.version, packet.dst) for b in other.blocks):
                return None
            return self.topo.vm_holding(other, packet.version, packet.dst)
        if self.topo.may_come_back(selected, packet.version, packet.dst):
            if target is not None and any(
                a.version == packet.version and a.value == packet.dst for a in target.addresses
            ):
                return target
            holders = self.topo.holders_anywhere(packet.version, packet.dst)
            return holders[0] if holders else None
        return None

    def receiver(self, source: Vm, version: int, address: int) -> Vm | None:
        """The VM the source's routes carry a packet for `address` to, before any filter."""
        net = self.topo.net_of(source)
        table = self.topo.table_of(self.topo.subnet_of(source))
        selected = self.select_route(net, table, version, address)
        return self._receiver(net, selected, Packet(version, 0, address, 0, 0, 0), None)

    def walk(
        self,
        source: Vm,
        packet: Packet,
        trace: Trace,
        egress_groups: bool = True,
        ingress_groups: bool = True,
        target: Vm | None = None,
    ) -> Trace:
        """Carry a packet from `source` to the VM holding its destination, drop it, or follow it to a
        fact the model does not pin down. `target`: the VM the caller asks about, which a packet that
        leaves through a gateway may come back to."""
        subnet = self.topo.subnet_of(source)
        net = self.topo.net_of(source)
        table = self.topo.table_of(subnet)
        selected = self.select_route(net, table, packet.version, packet.dst)
        receiver = self._receiver(net, selected, packet, target)
        within = isinstance(selected, LocalRoute) and receiver is not None and self.topo.subnet_of(receiver) is subnet
        if egress_groups:
            if trace.add(self.security_groups(source, packet, "outbound", receiver)).disposition == "drop":
                return trace
        else:
            trace.add(Hop("security-group", f"reply passes {source.name}'s groups (stateful)", "pass"))
        if (
            trace.add(self.network_acl(self.topo.acl_of(subnet), packet, "outbound", subnet.name, within)).disposition
            == "drop"
        ):
            return trace
        table_name = table.name if table else f"{net.name}'s local routes"
        dst_text = address_text(packet.dst, packet.version)
        if selected is None:
            trace.add(
                Hop(
                    "route",
                    f"{table_name} has no route for {dst_text}: dropped",
                    "drop",
                    table.span if table else None,
                    Stop.NO_ROUTE,
                )
            )
            return trace
        if isinstance(selected, LocalRoute):
            trace.add(local_route_hop(table_name, selected, net))
            destination_net = net
        else:
            route = selected
            if route.target == "drop":
                trace.add(
                    Hop(
                        "route",
                        f"{table_name}: route {route.destination} drop (blackhole)",
                        "drop",
                        route.span,
                        Stop.ROUTE_DROP,
                    )
                )
                return trace
            via = route.via
            assert via is not None, "a route to a gateway or over a peering names it"
            if route.target == "gateway":
                gateway = via.name
                kind = self.topo.gateway_kind(gateway)
                if receiver is None:
                    why = (
                        "an internet gateway never delivers a private address"
                        if kind == "internet"
                        else "no modelled vm holds the destination"
                    )
                    trace.add(
                        Hop(
                            "route",
                            f"{table_name}: route {route.destination} via gateway {gateway} "
                            f"leaves the modelled network ({why})",
                            "drop",
                            route.span,
                            Stop.ROUTE_TO_GATEWAY,
                        )
                    )
                    return trace
                fact = f"gateway {gateway} ({kind})"
                trace.add(
                    Hop(
                        "route",
                        f"{table_name}: route {route.destination} via {fact} leaves the modelled "
                        f"network; it may come back to {vm_text(receiver)}, or not: unknown",
                        "unknown",
                        route.span,
                        Stop.GATEWAY_MAY_RETURN,
                    )
                )
                trace.depends.append(fact)
                trace.maybe_to = receiver
                return trace
            peering = self.topo.peering(via.name)
            trace.add(via_peering_hop(table_name, route, via.name))
            other = self.topo.other_net(peering, net) if peering else None
            if peering is None or other is None:
                trace.add(
                    Hop(
                        "peering",
                        f"peering {via.name} does not join net {net.name}: dropped",
                        "drop",
                        peering.span if peering else route.span,
                        Stop.PEERING_NOT_ATTACHED,
                        nets=(net.name,),
                        peering=via.name,
                    )
                )
                return trace
            state = self.topo.state(peering)
            if state in TRANSITIONAL_STATES:
                fact = f"peering {peering.name} ({state})"
                trace.add(transitional_hop(peering, state))
                trace.depends.append(fact)
            elif state != "active":
                refusal = self.topo.refusal(peering)
                why = f" (the provider refuses it: {refusal})" if refusal else ""
                trace.add(
                    Hop(
                        "peering",
                        f"peering {peering.name} is {state}{why}, not active: dropped",
                        "drop",
                        peering.span,
                        Stop.PEERING_NOT_ACTIVE,
                        peering=peering.name,
                    )
                )
                return trace
            if not any(_block_holds(b, packet.version, packet.dst) for b in other.blocks):
                trace.add(
                    Hop(
                        "peering",
                        f"{dst_text} is outside net {other.name}'s blocks: a peered net never "
                        "forwards further (peering is not transitive)",
                        "drop",
                        peering.span,
                        Stop.NON_TRANSITIVE,
                        nets=(other.name,),
                        peering=peering.name,
                    )
                )
                return trace
            if state == "active":
                trace.add(carried_hop(peering, other))
            destination_net = other
        if receiver is None:
            trace.add(
                Hop(
                    "delivery",
                    f"no vm of net {destination_net.name} holds {dst_text}: dropped",
                    "drop",
                    None,
                    Stop.NO_DESTINATION,
                    nets=(destination_net.name,),
                )
            )
            return trace
        target_subnet = self.topo.subnet_of(receiver)
        if (
            trace.add(
                self.network_acl(self.topo.acl_of(target_subnet), packet, "inbound", target_subnet.name, within)
            ).disposition
            == "drop"
        ):
            return trace
        if ingress_groups:
            if trace.add(self.security_groups(receiver, packet, "inbound", source)).disposition == "drop":
                return trace
        else:
            trace.add(Hop("security-group", f"reply passes {receiver.name}'s groups (stateful)", "pass"))
        if trace.depends:
            trace.add(
                Hop(
                    "delivery",
                    f"delivered to {vm_text(receiver)} if {' and '.join(trace.depends)} carries it",
                    "unknown",
                    receiver.span,
                )
            )
            trace.maybe_to = receiver
            return trace
        trace.add(Hop("delivery", f"delivered to {vm_text(receiver)}", "deliver", receiver.span))
        trace.delivered_to = receiver
        return trace

    # --- what the engine asks ------------------------------------------------------
    def forward(self, source: Vm, packet: Packet, target: Vm | None = None) -> Trace:
        return self.walk(source, packet, Trace(packet), target=target)

    def connection(self, source: Vm, packet: Packet, target: Vm | None = None) -> RoundTrip:
        """A connection to `target` (or whoever holds the destination): the packet, then its
        reply routed back by the same rules.

        Security groups are stateful (the reply passes them); network ACLs are
        stateless (the reply must pass them again). The connection works for certain, may work
        (resting on a gateway or a transitional peering), or fails for certain.
        """
        forward = self.forward(source, packet, target)
        reached = forward.reached
        if target is not None and reached is not None and reached is not target:
            # Another VM holds the same address (overlapping nets): the route led there instead.
            forward.hops[-1] = Hop(
                "delivery",
                f"delivered to {vm_text(reached)} of net {reached.net}, which also "
                f"holds {address_text(packet.dst, packet.version)}, not to {vm_text(target)} of net "
                f"{target.net}",
                "drop",
                reached.span,
                Stop.NO_DESTINATION,
                nets=(reached.net, target.net),
            )
            forward.delivered_to = forward.maybe_to = None
        reached = forward.reached
        if reached is None:
            return RoundTrip(forward, None, source, False, False)
        answer = packet.reply()
        if answer is None:  # an ICMP message nothing answers: the connection is the packet alone
            return RoundTrip(forward, None, source, forward.outcome == "deliver", True)
        reply = self.walk(reached, answer, Trace(answer), egress_groups=False, ingress_groups=False, target=source)
        back = reply.reached
        if back is not None and back is not source:
            reply.hops[-1] = Hop(
                "delivery",
                f"the reply reaches {vm_text(back)}, not {source.name}: dropped",
                "drop",
                back.span,
                Stop.NO_DESTINATION,
            )
            reply.delivered_to = reply.maybe_to = None
        ok = forward.outcome == "deliver" and reply.outcome == "deliver"
        possible = reply.reached is not None
        return RoundTrip(forward, reply, source, ok, possible)

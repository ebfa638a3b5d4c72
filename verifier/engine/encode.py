"""The packet semantics of LANGUAGE.md ("What a model means") as Z3 formulas.

Addresses are bit-vectors (32 bits for IPv4, 128 for IPv6; one family per
encoder), the protocol 8 bits, ports 16 bits; an ICMP or ICMPv6 packet holds its type in the
destination port and its code in the source port (0-255 each). Everything here is symbolic: a
formula speaks of every packet at once, and an unsatisfiable one is a proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Sequence, TypeVar

import z3

from verifier.engine.terms import (
    Numbers,
    and_,
    eq,
    eq_number,
    extract,
    if_bool,
    implies,
    ne_number,
    not_,
    or_,
    same,
    simplify,
    substitute,
    uge,
    ule,
)
from verifier.engine.topology import Holder, LocalRoute, Topology
from verifier.language.model import (
    EPHEMERAL_PORTS,
    ICMP_PROTOCOLS,
    ICMP_REPLIES,
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
    Subnet,
    Vm,
    any_protocol,
    family_width,
)

if TYPE_CHECKING:
    from verifier.engine.atoms import Atlas, RouteMap

_Item = TypeVar("_Item", GroupRule, AclRule)  # what a coverage question is about


@dataclass(frozen=True)
class Sym:
    """A symbolic packet. `tag` names it (with its direction) so formulas over it can be cached."""

    src: z3.BitVecRef
    dst: z3.BitVecRef
    proto: z3.BitVecRef
    sport: z3.BitVecRef
    dport: z3.BitVecRef
    tag: str = ""

    def reply(self) -> "Sym":
        """The answer in a connection: addresses swapped; ports swapped for tcp and udp; an ICMP query
        answered by its reply type, same code (what `answered` says has an answer)."""
        icmp = is_icmp(self.proto)
        answer = self.dport
        for protocol, pairs in ICMP_REPLIES.items():
            for request, reply in pairs.items():
                answer = z3.If(z3.And(self.proto == protocol, self.dport == request), z3.BitVecVal(reply, 16), answer)
        return Sym(
            self.dst,
            self.src,
            self.proto,
            z3.If(icmp, self.sport, self.dport),
            z3.If(icmp, answer, self.sport),
            self.tag + "'",
        )

    def answered(self) -> z3.BoolRef:
        """Whether a connection waits for an answer: always, but for an ICMP message that is no query."""
        queries = [
            z3.And(self.proto == protocol, self.dport == request)
            for protocol, pairs in ICMP_REPLIES.items()
            for request in pairs
        ]
        return z3.Or(z3.Not(is_icmp(self.proto)), *queries)

    def variables(self) -> dict[str, z3.ExprRef]:
        return {"src": self.src, "dst": self.dst, "proto": self.proto, "sport": self.sport, "dport": self.dport}


def is_icmp(proto: z3.BitVecRef) -> z3.BoolRef:
    return z3.Or([proto == number for number in ICMP_PROTOCOLS])


# A route table's choice for a destination that delivers it somewhere: the local route, or one declared route.
Outcome = LocalRoute | Route


class Encoder:
    """Formulas for one address family, in one reading of what the model leaves open.

    The definite reading (`possible=False`) delivers only what is certain: a transitional peering
    and a gateway that may bring a packet back carry nothing. The possible reading
    (`possible=True`) delivers everything that may arrive: a transitional peering carries, and a
    packet sent to such a gateway may come back to any VM holding its destination, without the
    model saying through what (LANGUAGE.md, "What a model means", 7). A connection that works in
    the definite reading works for certain; one that fails in the possible reading fails for
    certain; in between, the verdict is unknown.
    """

    def __init__(self, topology: Topology, version: int, atlas: Atlas | None = None, possible: bool = False):
        self.topo = topology
        self.possible = possible
        self.version = version
        self.width = family_width(version)
        self.atlas = atlas  # route maps: with them, walks to known destinations route concretely
        # Terms are made through `terms` (the same terms as z3's helpers make, for less), each value once.
        self.numbers = Numbers()
        self.true, self.false = self.numbers.true, self.numbers.false
        self._packets: dict[str, Sym] = {}
        # What is said of a packet alone (its reply, its kind...), by the packet's tag and what was asked:
        # the same terms for every connection it is asked about.
        self._replies: dict[str, Sym] = {}
        self._said: dict[tuple[object, ...], z3.BoolRef] = {}
        self._filters: dict[tuple[object, ...], z3.BoolRef] = {}
        self._rules: dict[tuple[str, str], tuple[tuple[str, ...], list[GroupRule]]] = {}
        self._routes: dict[tuple[int, str, int], tuple[Outcome, bool] | None] = {}  # by `_routed`

    # --- packets ---------------------------------------------------------------------
    def packet(self, prefix: str = "") -> Sym:
        """The symbolic packet of this name (one object per name, so formulas over it are cached)."""
        if prefix not in self._packets:
            self._packets[prefix] = Sym(
                z3.BitVec(f"{prefix}src", self.width),
                z3.BitVec(f"{prefix}dst", self.width),
                z3.BitVec(f"{prefix}proto", 8),
                z3.BitVec(f"{prefix}sport", 16),
                z3.BitVec(f"{prefix}dport", 16),
                prefix or "pkt",
            )
        return self._packets[prefix]

    def address(self, value: int) -> z3.BitVecRef:
        return self.numbers.bv(value, self.width)

    def port(self, value: int) -> z3.BitVecRef:
        """A 16-bit value: a port, an ICMP type or code."""
        return self.numbers.bv(value, 16)

    def is_proto(self, pkt: Sym, number: int) -> z3.BoolRef:
        """`pkt.proto == number`."""
        return eq_number(pkt.proto, self.numbers.bv(number, 8))

    def is_icmp(self, pkt: Sym) -> z3.BoolRef:
        """`is_icmp(pkt.proto)`, made once per packet."""
        return self.said((pkt.tag, "icmp"), lambda: or_([self.is_proto(pkt, number) for number in ICMP_PROTOCOLS]))

    def reply(self, pkt: Sym) -> Sym:
        """`pkt.reply()`, made once per packet."""
        if pkt.tag not in self._replies:
            self._replies[pkt.tag] = pkt.reply()
        return self._replies[pkt.tag]

    def said(self, key: tuple[object, ...], make: Callable[[], z3.BoolRef]) -> z3.BoolRef:
        """The formula `make` gives, made once per `key` (a packet's tag first, then what was asked)."""
        if key not in self._said:
            self._said[key] = make()
        return self._said[key]

    def answered(self, pkt: Sym) -> z3.BoolRef:
        """`pkt.answered()`, made once per packet."""
        return self.said((pkt.tag, "answered"), pkt.answered)

    def ported(self, pkt: Sym) -> z3.BoolRef:
        return self.said((pkt.tag, "ported"), lambda: or_([self.is_proto(pkt, 6), self.is_proto(pkt, 17)]))

    def wellformed(self, pkt: Sym) -> z3.BoolRef:
        """Only TCP and UDP carry ports; ICMP and ICMPv6 a type and a code (0-255); other protocols
        have both ports 0."""
        return self.said((pkt.tag, "wellformed"), lambda: self._wellformed(pkt))

    def _wellformed(self, pkt: Sym) -> z3.BoolRef:
        byte = self.port(255)
        icmp = and_([self.is_icmp(pkt), ule(pkt.sport, byte), ule(pkt.dport, byte)])
        none = self.port(0)
        return or_([self.ported(pkt), icmp, and_([eq_number(pkt.sport, none), eq_number(pkt.dport, none)])])

    def ephemeral(self, port: z3.BitVecRef) -> z3.BoolRef:
        low, high = EPHEMERAL_PORTS
        return and_([uge(port, self.port(low)), ule(port, self.port(high))])

    def protocol_is(self, pkt: Sym, number: int | None) -> z3.BoolRef:
        return self.true if any_protocol(number) else self.is_proto(pkt, number)  # type: ignore[arg-type]

    def icmp_is(self, pkt: Sym, icmp: Icmp | None) -> z3.BoolRef:
        """The packet's ICMP type (destination port) and code (source port) are those written, if any."""
        if icmp is None:
            return self.true
        parts = [self.is_icmp(pkt), eq_number(pkt.dport, self.port(icmp.type))]
        if icmp.code is not None:
            parts.append(eq_number(pkt.sport, self.port(icmp.code)))
        return and_(parts)

    def port_in(self, port: z3.BitVecRef, ports: Ports | None) -> z3.BoolRef:
        if ports is None:
            return self.true
        return and_([uge(port, self.port(ports.low)), ule(port, self.port(ports.high))])

    # --- address arithmetic ---------------------------------------------------------------
    def in_block(self, x: z3.BitVecRef, block: Block) -> z3.BoolRef:
        if block.version != self.version:
            return self.false
        if block.prefixlen == 0:
            return self.true
        host = self.width - block.prefixlen
        return eq(extract(self.width - 1, host, x), self.numbers.bv(block.first >> host, block.prefixlen))

    def in_any(self, x: z3.BitVecRef, blocks: Iterable[Block]) -> z3.BoolRef:
        return or_([self.in_block(x, b) for b in blocks if b.version == self.version] or [self.false])

    def one_of(self, x: z3.BitVecRef, values: Iterable[int]) -> z3.BoolRef:
        return or_([eq(x, self.address(v)) for v in values] or [self.false])

    # --- filters ------------------------------------------------------------------------------
    def rule_matches(self, rule: GroupRule, pkt: Sym, peer: z3.BitVecRef, peer_vm: Vm | None = None) -> z3.BoolRef:
        """Whether a rule matches; a `group G` peer matches the VM at the other end by membership."""
        matches = [
            self.protocol_is(pkt, rule.protocol.number),
            self.port_ported(pkt, rule.ports),
            self.icmp_is(pkt, rule.icmp),
        ]
        if rule.peer.kind == "block":
            matches.append(self.in_block(peer, rule.peer.block))  # type: ignore[arg-type]
        elif rule.peer.kind == "group":
            matches.append(self.numbers.boolean(self.topo.is_member(peer_vm, rule.peer.group.name)))  # type: ignore[union-attr]
        return and_(matches)

    def rule_matches_someone(self, rule: GroupRule, pkt: Sym, peer: z3.BitVecRef) -> z3.BoolRef:
        """Whether a rule matches a packet from or to some VM (a rule compared with rules): a `group G`
        peer is a member of G — a free choice per group — at one of the members' addresses."""
        if rule.peer.kind != "group":
            return self.rule_matches(rule, pkt, peer)
        name = rule.peer.group.name  # type: ignore[union-attr]
        members = self.topo.member_addresses(name, self.version)
        return and_(
            [
                self.protocol_is(pkt, rule.protocol.number),
                self.port_ported(pkt, rule.ports),
                self.icmp_is(pkt, rule.icmp),
                z3.Bool(f"member:{name}"),
                self.one_of(peer, members),
            ]
        )

    def port_ported(self, pkt: Sym, ports: Ports | None) -> z3.BoolRef:
        if ports is None:
            return self.true
        return and_([self.ported(pkt), self.port_in(pkt.dport, ports)])

    def decision(self, rules: list[GroupRule], pkt: Sym, peer: z3.BitVecRef, peer_vm: Vm | None) -> z3.BoolRef:
        """Allowed iff some matching allow rule has no matching deny rule of equal or better priority."""
        match = {id(r): self.rule_matches(r, pkt, peer, peer_vm) for r in rules}
        allowed = []
        for rule in rules:
            if rule.action != "allow":
                continue
            beaten = [
                match[id(d)] for d in rules if d.action == "deny" and d.effective_priority <= rule.effective_priority
            ]
            allowed.append(and_([match[id(rule)], not_(or_(beaten))]) if beaten else match[id(rule)])
        return or_(allowed) if allowed else self.false

    def groups_allow(self, vm: Vm, pkt: Sym, direction: str, peer_vm: Vm | None) -> z3.BoolRef:
        """`vm`'s groups let the packet through; `peer_vm` is the VM at the other end.

        The formula depends on `vm` only through its groups, and on `peer_vm` only through the groups
        its rules name that it belongs to: it is built once per such groups and set (most rules name no
        group: once per set of groups and direction)."""
        known = self._rules.get((vm.name, direction))
        if known is None:
            groups = self.topo.groups_of(vm)
            rules = [r for g in groups for r in self.topo.rules_of(g) if r.direction == direction]
            # VMs in the same groups share the formula.
            known = self._rules[(vm.name, direction)] = (tuple(g.name for g in groups), rules)
        group_names, rules = known
        named = sorted(
            {
                r.peer.group.name
                for r in rules
                if r.peer.group is not None and self.topo.is_member(peer_vm, r.peer.group.name)
            }
        )
        key = ("sg", group_names, direction, tuple(named), pkt.tag)
        if key not in self._filters:
            self._filters[key] = self.decision(rules, pkt, pkt.dst if direction == "outbound" else pkt.src, peer_vm)
        return self._filters[key]

    def acl_entry_matches(self, entry: AclRule, pkt: Sym, peer: z3.BitVecRef) -> z3.BoolRef:
        return and_(
            [
                self.protocol_is(pkt, entry.protocol.number),
                self.port_ported(pkt, entry.ports),
                self.icmp_is(pkt, entry.icmp),
                self.in_block(peer, entry.block),
            ]
        )

    def acl_allows(self, vm: Vm, pkt: Sym, direction: str, within: bool = False) -> z3.BoolRef:
        """`vm`'s subnet ACL lets the packet through; `within`: it stays in the subnet, unfiltered."""
        if within:
            return self.true
        key = ("acl-of", vm.name, direction, pkt.tag)
        if key not in self._filters:
            self._filters[key] = self._acl_allows(vm, pkt, direction)
        return self._filters[key]

    def _acl_allows(self, vm: Vm, pkt: Sym, direction: str) -> z3.BoolRef:
        acl = self.topo.acl_of(self.topo.subnet_of(vm))
        if acl is None:
            return self.true
        key = ("acl", acl.name, direction, pkt.tag)  # the VMs of the subnets it guards share it
        if key not in self._filters:
            self._filters[key] = self._acl_entries(acl, pkt, direction)
        return self._filters[key]

    def _acl_entries(self, acl: NetworkAcl, pkt: Sym, direction: str) -> z3.BoolRef:
        peer = pkt.dst if direction == "outbound" else pkt.src
        result: z3.BoolRef = self.false  # no match: denied
        for entry in reversed(acl.ordered(direction)):  # type: ignore[arg-type]
            matched = self.acl_entry_matches(entry, pkt, peer)
            result = if_bool(matched, self.numbers.boolean(entry.action == "allow"), result)
        return result

    # --- routing ---------------------------------------------------------------------------------
    def route_order(self, routes: Iterable[Route]) -> list[Route]:
        """Declared routes of this family, most specific first; equal prefixes in source order."""
        mine = [r for r in routes if r.destination.version == self.version]
        return sorted(mine, key=lambda r: -r.destination.prefixlen)  # stable: source order kept

    def outcomes(self, net: Net, table: RouteTable | None, dst: z3.BitVecRef) -> list[tuple[Outcome, z3.BoolRef]]:
        """Each possible choice of the table for `dst`, with the condition that it is chosen."""
        overrides = [r for r in self.topo.overrides(net, table) if r.destination.version == self.version]
        choices: list[tuple[Outcome, z3.BoolRef]] = []
        earlier: list[z3.BoolRef] = []
        for route in overrides:
            here = self.in_block(dst, route.destination)
            choices.append((route, and_([here, not_(or_(earlier))]) if earlier else here))
            earlier.append(here)
        local = self.in_any(dst, self.topo.local_blocks(net))
        choices.append((LocalRoute(), and_([local, not_(or_(earlier))]) if earlier else local))
        earlier.append(local)
        for route in self.route_order(table.routes if table else ()):
            here = self.in_block(dst, route.destination)
            choices.append((route, and_([here, not_(or_(earlier))])))
            earlier.append(here)
        return choices

    def carried(self, net: Net, outcome: Outcome) -> Net | None:
        """The net a chosen route carries the packet to, or None where it is dropped (in this reading)."""
        return self.topo.carries_to(net, outcome, self.carries)

    def carries(self, peering: Peering) -> bool:
        """Whether a peering carries traffic in this reading."""
        state = self.topo.state(peering)
        return state == "active" or (self.possible and state in TRANSITIONAL_STATES)

    def comes_back(self, outcome: Outcome, address: int) -> bool:
        """In the possible reading, a route to a gateway that may bring the packet for `address` back."""
        return self.possible and isinstance(outcome, Route) and self.topo.may_come_back(outcome, self.version, address)

    def _leave(self, source: Vm, pkt: Sym, stateful_reply: bool, receiver: Vm, within: bool) -> z3.BoolRef:
        """The packet leaves `source` towards `receiver`: its groups (not for a reply) and its ACL."""
        parts = [self.acl_allows(source, pkt, "outbound", within)]
        if not stateful_reply:
            parts.insert(0, self.groups_allow(source, pkt, "outbound", receiver))
        return and_(parts)

    def _arrive(
        self, source: Vm, pkt: Sym, stateful_reply: bool, receiver: Vm, address: int, within: bool
    ) -> z3.BoolRef:
        """The packet for `address` enters `receiver`: its ACL, then its groups (not for a reply)."""
        parts = [eq(pkt.dst, self.address(address)), self.acl_allows(receiver, pkt, "inbound", within)]
        if not stateful_reply:
            parts.append(self.groups_allow(receiver, pkt, "inbound", source))
        return and_(parts)

    def _within(self, source: Vm, outcome: Outcome, receiver: Vm) -> bool:
        """Local delivery inside the source's own subnet: network ACLs do not filter it."""
        return (
            isinstance(outcome, LocalRoute)
            and receiver.net == source.net
            and self.topo.subnet_of(receiver) is self.topo.subnet_of(source)
        )

    def walk(
        self, source: Vm, pkt: Sym, stateful_reply: bool = False, destinations: list[Vm] | None = None
    ) -> dict[str, z3.BoolRef]:
        """For each VM the packet can reach, the condition that it is delivered there.

        With `stateful_reply`, the packet is a reply: security groups let it
        pass (they are stateful), network ACLs are evaluated again. With
        `destinations` (and route maps), only those VMs are considered and the
        route to each of their addresses is looked up concretely: the formula
        keeps only what depends on the packet's protocol and ports.
        """
        net = self.topo.net_of(source)
        table = self.topo.table_of(self.topo.subnet_of(source))
        if destinations is not None and self.atlas is not None:
            return self._walk_to(source, net, table, pkt, stateful_reply, destinations)
        delivered: dict[str, list[z3.BoolRef]] = {}
        for outcome, chosen in self.outcomes(net, table, pkt.dst):
            if isinstance(outcome, Route) and outcome.target == "gateway":
                for holder in self._anywhere(destinations):
                    if not self.comes_back(outcome, holder.address):
                        continue
                    leave = self._leave(source, pkt, stateful_reply, holder.vm, False)
                    delivered.setdefault(holder.vm.name, []).append(
                        and_([chosen, leave, eq(pkt.dst, self.address(holder.address))])
                    )
                continue
            destination = self.carried(net, outcome)
            if destination is None:
                continue
            # Across a peering, only the peer net's own blocks are delivered (non-transitive).
            inside = self.true if isinstance(outcome, LocalRoute) else self.in_any(pkt.dst, destination.blocks)
            for holder in self.topo.holders_in(destination, self.version):
                if self.topo.vm_holding(destination, self.version, holder.address) is not holder.vm:
                    continue  # a second holder of one address is gated out (ADDR005)
                within = self._within(source, outcome, holder.vm)
                delivered.setdefault(holder.vm.name, []).append(
                    and_(
                        [
                            chosen,
                            inside,
                            self._leave(source, pkt, stateful_reply, holder.vm, within),
                            self._arrive(source, pkt, stateful_reply, holder.vm, holder.address, within),
                        ]
                    )
                )
        return {name: or_(conds) for name, conds in delivered.items()}

    def _anywhere(self, destinations: list[Vm] | None) -> list[Holder]:
        """The VMs (with their addresses) a packet that comes back through a gateway may reach."""
        vms = destinations if destinations is not None else list(self.topo.model.vms())
        return [Holder(vm, a.value, a.version) for vm in vms for a in vm.addresses if a.version == self.version]

    def _walk_to(
        self, source: Vm, net: Net, table: RouteTable | None, pkt: Sym, stateful_reply: bool, destinations: list[Vm]
    ) -> dict[str, z3.BoolRef]:
        assert self.atlas is not None, "the walk to given destinations reads the route maps"
        route_map = self.atlas.route_map(net, table, self.version)
        delivered: dict[str, list[z3.BoolRef]] = {}
        for vm in destinations:
            for address in (a.value for a in vm.addresses if a.version == self.version):
                routed = self._routed(net, route_map, vm, address)
                if routed is None:
                    continue
                outcome, back = routed
                if back:
                    leave = self._leave(source, pkt, stateful_reply, vm, False)
                    delivered.setdefault(vm.name, []).append(and_([leave, eq(pkt.dst, self.address(address))]))
                    continue
                within = self._within(source, outcome, vm)
                delivered.setdefault(vm.name, []).append(
                    and_(
                        [
                            self._leave(source, pkt, stateful_reply, vm, within),
                            self._arrive(source, pkt, stateful_reply, vm, address, within),
                        ]
                    )
                )
        return {name: or_(conds) for name, conds in delivered.items()}

    def _routed(self, net: Net, route_map: RouteMap, vm: Vm, address: int) -> tuple[Outcome, bool] | None:
        """Where `net`'s table (`route_map`) takes a packet for `vm`'s `address`: (the choice, whether a
        gateway may bring it back) where it may reach the VM, else None. Kept per table, VM and address:
        it is the same for every sender behind the table."""
        key = (id(route_map), vm.name, address)
        if key not in self._routes:
            self._routes[key] = self._route(net, route_map, vm, address)
        return self._routes[key]

    def _route(self, net: Net, route_map: RouteMap, vm: Vm, address: int) -> tuple[Outcome, bool] | None:
        outcome = route_map.choice(address)
        if outcome is None:
            return None
        if self.comes_back(outcome, address):
            return outcome, True
        destination = self.carried(net, outcome)
        if destination is None or destination.name != vm.net:
            return None
        outside = not any(b.contains(address, self.version) for b in destination.blocks)
        if isinstance(outcome, Route) and outside:
            return None  # non-transitive: outside the peer net's own blocks
        if self.topo.vm_holding(destination, self.version, address) is not vm:
            return None
        return outcome, False

    def leaves(self, source: Vm, pkt: Sym, target: Vm) -> z3.BoolRef:
        """The packet for `target` passes the source's groups and ACL (it gets as far as routing)."""
        within = target.net == source.net and self.topo.subnet_of(target) is self.topo.subnet_of(source)
        return and_(
            [self.groups_allow(source, pkt, "outbound", target), self.acl_allows(source, pkt, "outbound", within)]
        )

    def connection(self, source: Vm, target: Vm, pkt: Sym) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(forward delivered to target, reply delivered back to source); an ICMP message that is no
        query waits for no reply."""
        forward = self.walk(source, pkt, destinations=[target]).get(target.name, self.false)
        back = self.walk(target, self.reply(pkt), stateful_reply=True, destinations=[source]).get(
            source.name, self.false
        )
        return forward, or_([not_(self.answered(pkt)), back])


@dataclass(frozen=True)
class Query:
    """A formula to decide, the variables whose values a model should report, and its logic.

    `preferences` make a witness read naturally (TCP, an ephemeral client
    port); they are tried only once the formula is known satisfiable, and
    dropped one by one, last first, where they cannot hold.

    `pinned`, where known: (k, values) — the formula with its first k preferences (or more) holds for
    no values of the variables but these (each is fixed by an equation among its conjuncts), so a
    witness with these values needs no search for another (`Solver._pinned`).
    """

    formula: z3.BoolRef
    variables: dict[str, z3.ExprRef]
    quantified: bool = False
    preferences: tuple[z3.BoolRef, ...] = ()
    pinned: tuple[int, dict[str, int]] | None = None


class Queries:
    """The questions the engine asks, one method per question, for one address family."""

    def __init__(self, encoder: Encoder):
        self.enc = encoder
        self._natural: dict[tuple[object, ...], tuple[z3.BoolRef, ...]] = {}

    def _kind(self, pkt: Sym, protocol: int | None, ports: Ports | None, icmp: Icmp | None = None) -> z3.BoolRef:
        asked = (
            pkt.tag,
            "kind",
            protocol,
            (ports.low, ports.high) if ports else None,
            (icmp.type, icmp.code) if icmp else None,
        )
        return self.enc.said(asked, lambda: self._make_kind(pkt, protocol, ports, icmp))

    def _make_kind(self, pkt: Sym, protocol: int | None, ports: Ports | None, icmp: Icmp | None) -> z3.BoolRef:
        parts = [self.enc.wellformed(pkt), self.enc.protocol_is(pkt, protocol), self.enc.icmp_is(pkt, icmp)]
        if ports is not None:
            parts.append(self.enc.port_in(pkt.dport, ports))
        return and_(parts)

    # --- assertions -------------------------------------------------------------------
    def isolate(
        self,
        source: Vm,
        targets: list[Vm],
        protocol: int | None,
        ports: Ports | None,
        fixed_dst: int | None,
        icmp: Icmp | None = None,
    ) -> Query | None:
        """A packet of the kind, from `source`, delivered to one of `targets` (None: none can be)."""
        enc = self.enc
        pkt = enc.packet()
        names = {t.name for t in targets}
        reached = [cond for name, cond in enc.walk(source, pkt, destinations=targets).items() if name in names]
        if not reached:
            return None
        parts = [
            self._kind(pkt, protocol, ports, icmp),
            enc.one_of(pkt.src, [a.value for a in source.addresses if a.version == enc.version]),
            or_(reached),
        ]
        if fixed_dst is not None:
            parts.append(eq(pkt.dst, enc.address(fixed_dst)))
        return Query(and_(parts), pkt.variables(), preferences=self.natural(pkt, protocol))

    def natural(self, pkt: Sym, protocol: int | None = None) -> tuple[z3.BoolRef, ...]:
        """What makes a witness packet read naturally: TCP, from an ephemeral client port, to a port not 0;
        asked for ICMP, an echo request (type 8, ICMPv6 128) of code 0."""
        key = (pkt.tag, "natural", protocol in ICMP_PROTOCOLS and protocol)
        if key not in self._natural:
            self._natural[key] = self._make_natural(pkt, protocol)
        return self._natural[key]

    def _make_natural(self, pkt: Sym, protocol: int | None) -> tuple[z3.BoolRef, ...]:
        enc = self.enc
        if protocol in ICMP_PROTOCOLS:
            return (eq_number(pkt.dport, enc.port(8 if protocol == 1 else 128)), eq_number(pkt.sport, enc.port(0)))
        # Last (dropped first where it cannot hold): the client port pinned to the first ephemeral port.
        # A range alone leaves the solver its choice, which follows its history in the process (the
        # terms built before): the same input would not always give the same witness.
        return (
            enc.is_proto(pkt, 6),
            enc.ephemeral(pkt.sport),
            or_([not_(enc.ported(pkt)), ne_number(pkt.dport, enc.port(0))]),
            or_([not_(enc.ported(pkt)), eq_number(pkt.sport, enc.port(EPHEMERAL_PORTS[0]))]),
        )

    def reach(
        self,
        source: Vm,
        target: Vm,
        src: int,
        dst: int,
        protocol: int | None,
        ports: Ports | None,
        icmp: Icmp | None = None,
    ) -> "ReachQueries":
        return ReachQueries(self, source, target, src, dst, protocol, ports, icmp)

    # --- routes -------------------------------------------------------------------------
    def _selected(self, net: Net, table: RouteTable | None, route: Route, dst: z3.BitVecRef) -> z3.BoolRef:
        for outcome, cond in self.enc.outcomes(net, table, dst):
            if outcome is route:
                return cond
        raise AssertionError("the route is not in its table")

    def route_selectable(self, net: Net, table: RouteTable | None, route: Route) -> Query:
        """An address for which the table selects `route` (none: the route is never selected).

        Equal destinations are left to ROUTE006: only the local routes and more
        specific routes count as covering.
        """
        enc = self.enc
        dst = z3.BitVec("dst", enc.width)
        specific = [
            r
            for r in (table.routes if table else ())
            if r.destination.version == enc.version and r.destination.prefixlen > route.destination.prefixlen
        ]
        covered = z3.Or(
            [enc.in_any(dst, self.enc.topo.local_blocks(net))] + [enc.in_block(dst, r.destination) for r in specific]
        )
        if route in self.enc.topo.overrides(net, table):
            covered = z3.BoolVal(False)  # selected before the local route (aws middlebox route)
        return Query(z3.And(enc.in_block(dst, route.destination), z3.Not(covered)), {"dst": dst})

    def route_overridden(self, net: Net, table: RouteTable | None, route: Route) -> Query:
        """An address of the route's destination that the local routes take instead."""
        enc = self.enc
        dst = z3.BitVec("dst", enc.width)
        # An aws middlebox route takes its subnet block before the local route does.
        overrides = [r.destination for r in enc.topo.overrides(net, table)]
        return Query(
            z3.And(
                enc.in_block(dst, route.destination),
                enc.in_any(dst, enc.topo.local_blocks(net)),
                z3.Not(enc.in_any(dst, overrides)),
            ),
            {"dst": dst},
        )

    def route_outside_peer(self, net: Net, table: RouteTable | None, route: Route, peer: Net) -> Query:
        """An address the route carries across its peering that lies outside the peer net."""
        enc = self.enc
        dst = z3.BitVec("dst", enc.width)
        return Query(z3.And(self._selected(net, table, route, dst), z3.Not(enc.in_any(dst, peer.blocks))), {"dst": dst})

    def route_reaches(self, net: Net, table: RouteTable | None, route: Route, peer: Net, peer_subnet: Subnet) -> Query:
        """An address of `peer_subnet` that the route carries across and delivers."""
        enc = self.enc
        dst = z3.BitVec("dst", enc.width)
        return Query(
            z3.And(
                self._selected(net, table, route, dst),
                enc.in_any(dst, peer.blocks),
                enc.in_any(dst, peer_subnet.blocks),
            ),
            {"dst": dst},
        )

    def no_way_back(self, peer: Net, peer_table: RouteTable | None, home: Net, subnet: Subnet) -> Query:
        """An address of `subnet` (in `home`) that `peer_table` does not route back to `home`."""
        enc = self.enc
        back = z3.BitVec("back", enc.width)
        ways = [cond for outcome, cond in enc.outcomes(peer, peer_table, back) if enc.carried(peer, outcome) is home]
        return Query(
            z3.And(enc.in_any(back, subnet.blocks), z3.Not(z3.Or(ways or [z3.BoolVal(False)]))), {"back": back}
        )

    # --- filters ------------------------------------------------------------------------
    def group_rule_matches(self, rule: GroupRule, others: list[GroupRule], excluded: bool) -> Query:
        """A packet `rule` matches and (with `excluded`) none of `others` does; else one that both match."""
        return self._coverage(self.enc.rule_matches_someone, rule, others, excluded)

    def acl_entry_matches(self, entry: AclRule, others: list[AclRule], excluded: bool) -> Query:
        """A packet `entry` matches and (with `excluded`) none of `others` does; else one that both match."""
        return self._coverage(self.enc.acl_entry_matches, entry, others, excluded)

    def _coverage(
        self,
        matches: Callable[[_Item, Sym, z3.BitVecRef], z3.BoolRef],
        item: _Item,
        others: Sequence[_Item],
        excluded: bool,
    ) -> Query:
        enc = self.enc
        pkt = enc.packet()
        peer = z3.BitVec("peer", enc.width)
        alone = z3.And(enc.wellformed(pkt), matches(item, pkt, peer))
        if not others:
            return Query(alone, {})
        any_other = z3.Or([matches(other, pkt, peer) for other in others])
        return Query(z3.And(alone, z3.Not(any_other) if excluded else any_other), {})


class ReachQueries:
    """The questions about one connection from `source` (address src) to `target` (address dst)."""

    def __init__(
        self,
        queries: Queries,
        source: Vm,
        target: Vm,
        src: int,
        dst: int,
        protocol: int | None,
        ports: Ports | None,
        icmp: Icmp | None = None,
    ):
        enc = self.enc = queries.enc
        self.source = source
        self.target = target
        self.pkt = pkt = enc.packet()
        self.forward, self.back = enc.connection(source, target, pkt)
        self._asked = (protocol, (ports.low, ports.high) if ports else None, (icmp.type, icmp.code) if icmp else None)
        self._kind_only = queries._kind(pkt, protocol, ports, icmp)  # the kind, but for the addresses
        self.kind = and_([self._kind_only, eq(pkt.src, enc.address(src)), eq(pkt.dst, enc.address(dst))])
        # Client source ports: the ephemeral range, for the protocols that have ports.
        self.client = enc.said((pkt.tag, "client"), lambda: implies(enc.ported(pkt), enc.ephemeral(pkt.sport)))
        self.preferences = queries.natural(pkt, protocol)
        self.pinned = _connection_pins(src, dst, protocol, ports, icmp)
        self._works: z3.BoolRef | None = None

    def _query(self, *parts: z3.BoolRef, quantified: bool = False) -> Query:
        return Query(and_([self.kind, *parts]), self.pkt.variables(), quantified, self.preferences, self.pinned)

    def works(self) -> z3.BoolRef:
        """The connection completes: forward and back."""
        if self._works is None:
            self._works = and_([self.forward, self.back])
        return self._works

    def impossible(self) -> bool:
        """No packet of any kind completes the connection: the routes alone rule it out."""
        false = self.enc.false  # `z3.is_false(z3.simplify(...))`: Z3 makes `false` once
        return same(simplify(self.forward), false) or same(simplify(self.back), false)

    def pinned_success(self) -> dict[str, int] | None:
        """Once every connection of the kind from a client port is known to work (`violation` is
        unsatisfiable), the witness that `success` with all its preferences has: the values its
        equations pin down (`Query.pinned`), where they satisfy the kind, the client port and every
        preference — that question is then satisfiable, with these values only. None: ask it."""
        if self.pinned is None:
            return None
        enc, pkt, values = self.enc, self.pkt, self.pinned[1]
        # The addresses satisfy their equations: what is left to hold depends on what is asked only,
        # and is decided once for it (a formula without variables simplifies to true or false).
        holds = enc.said((pkt.tag, "pins hold", *self._asked), lambda: self._holds(values))
        return dict(values) if same(holds, enc.true) else None

    def _holds(self, values: dict[str, int]) -> z3.BoolRef:
        """The kind (but for the addresses), the client port and every preference at `values`."""
        pkt, numbers = self.pkt, self.enc.numbers
        point = [(pkt.proto, numbers.bv(values["proto"], 8))]
        point += [(pkt.sport, numbers.bv(values["sport"], 16)), (pkt.dport, numbers.bv(values["dport"], 16))]
        return simplify(substitute(and_([self._kind_only, self.client, *self.preferences]), point))

    def violation(self) -> Query:
        """A connection of the kind, from a client port, that fails."""
        return self._query(self.client, not_(self.works()))

    def success(self) -> Query:
        return self._query(self.client, self.forward, self.back)

    def violation_at(self, protocol: int, dport: int, sport: int) -> Query:
        """A client port for which the connection to this protocol and port fails (a protocol without
        ports has no client port: its source port, an ICMP code, stays `sport`)."""
        enc = self.enc
        fixed = [enc.is_proto(self.pkt, protocol), eq_number(self.pkt.dport, enc.port(dport))]
        if protocol not in (6, 17):
            fixed.append(eq_number(self.pkt.sport, enc.port(sport)))
        return self._query(self.client, *fixed, not_(self.works()))

    def some_port_for_every_client(self) -> Query:
        """A protocol and destination port that work from every client source port (for a protocol
        without ports, one packet of the kind that works: an ICMP code is no client port)."""
        sport = z3.BitVec("client_sport", 16)
        works = z3.And(self.forward, self.back)
        ported = self.enc.ported(self.pkt)
        every = z3.ForAll(
            [sport], z3.substitute(z3.Implies(z3.And(self.client, ported), works), (self.pkt.sport, sport))
        )
        return self._query(every, z3.Implies(z3.Not(ported), works), quantified=True)

    def telling_failures(self) -> list[Query]:
        """Failing connections, the most telling first: the reply dies; the forward packet
        dies after leaving the source; any failure."""
        failing = not_(self.works())
        return [
            self._query(self.client, self.forward, not_(self.back)),
            self._query(self.client, self.enc.leaves(self.source, self.pkt, self.target), not_(self.forward)),
            self._query(self.client, failing),
        ]


def _connection_pins(
    src: int, dst: int, protocol: int | None, ports: Ports | None, icmp: Icmp | None
) -> tuple[int, dict[str, int]] | None:
    """What the questions of one connection (`ReachQueries`: its kind, conjoined with anything more, and
    the preferences of `Queries.natural`) pin down, once how many of the preferences hold; None where
    a value stays open. Each value is fixed by an equation among the conjuncts: the addresses by the
    kind's; the protocol by the kind's, else by `proto == 6` (the first preference); the destination
    port by a one-port range, an ICMP type, or the echo request preferred for ICMP (its first); the
    client port by an ICMP code, the code 0 preferred for ICMP (its second), or, for TCP and UDP, by
    the fourth preference (ported -> sport == the first ephemeral port)."""
    held = 0  # the preferences that must hold
    natural_icmp = protocol in ICMP_PROTOCOLS  # `Queries.natural` prefers an echo request
    if not any_protocol(protocol):
        proto: int = protocol  # type: ignore[assignment]
    elif not natural_icmp:
        proto, held = 6, 1
    else:
        return None
    if ports is not None and ports.low == ports.high:
        dport = ports.low
    elif icmp is not None:
        dport = icmp.type
    elif natural_icmp:
        dport, held = (8 if protocol == 1 else 128), max(held, 1)
    else:
        return None
    if icmp is not None and icmp.code is not None:
        sport = icmp.code
    elif natural_icmp:
        sport, held = 0, max(held, 2)
    elif proto in (6, 17):
        sport, held = EPHEMERAL_PORTS[0], 4
    else:
        return None
    return held, {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport}


class DiffQueries:
    """Questions about two versions of a model: a connection one allows and the other does not."""

    def __init__(self, old: Encoder, new: Encoder):
        assert old.version == new.version
        self.old, self.new = old, new

    def gained(
        self,
        source_old: Vm,
        target_old: Vm,
        source_new: Vm,
        target_new: Vm,
        src_old: int,
        dst_old: int,
        src_new: int,
        dst_new: int,
        towards_new: bool,
    ) -> Query:
        """A connection (same protocol and ports) that works in one version and not in the other:
        in the new one only with `towards_new`, in the old one only otherwise."""
        old_pkt, new_pkt = self.old.packet("old_"), self.new.packet("new_")
        old_ok = z3.And(*self.old.connection(source_old, target_old, old_pkt))
        new_ok = z3.And(*self.new.connection(source_new, target_new, new_pkt))
        shared = z3.And(
            old_pkt.proto == new_pkt.proto,
            old_pkt.sport == new_pkt.sport,
            old_pkt.dport == new_pkt.dport,
            old_pkt.src == self.old.address(src_old),
            old_pkt.dst == self.old.address(dst_old),
            new_pkt.src == self.new.address(src_new),
            new_pkt.dst == self.new.address(dst_new),
            self.new.wellformed(new_pkt),
            z3.Implies(self.new.ported(new_pkt), self.new.ephemeral(new_pkt.sport)),
        )
        differs = z3.And(new_ok, z3.Not(old_ok)) if towards_new else z3.And(old_ok, z3.Not(new_ok))
        preferences = (
            new_pkt.proto == 6,
            z3.Or(z3.Not(self.new.ported(new_pkt)), new_pkt.dport != 0),
            z3.Or(z3.Not(self.new.ported(new_pkt)), self.new.ephemeral(new_pkt.sport)),
            z3.Or(z3.Not(self.new.ported(new_pkt)), new_pkt.sport == EPHEMERAL_PORTS[0]),  # as in `natural`
        )
        return Query(z3.And(shared, differs), new_pkt.variables(), preferences=preferences)

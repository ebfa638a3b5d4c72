"""The matrix's shortcuts: cells decided without the solver where the model pins the answer down.

A cell of `matrix` is `reach X -> Y` over every pair of VMs; most of a large estate's cells are
refuted by the routes alone, and most pairs meet no fact the model leaves open. Two shortcuts, each
giving the verdict the engine gives (tests/test_matrix_shortcuts.py holds them to the solver):

- `Reach`: the nets a packet from a net may be delivered in at all (its own, the far end of every
  peering one of its route tables names, any where a gateway may bring it back). A net outside that
  set receives no packet from it: every pair fails, the cell is refuted without asking anything.
- `Shortcut.pair`: one pair of VMs whose routes, both ways, meet no gateway that may bring a packet
  back and no transitional peering is decided by the simulator: the filters' verdicts on a packet
  depend on its protocol, ports and ICMP type and code only through the boundaries the matching
  rules and entries write, so one packet of each interval ("atom") stands for all of it. A proved
  pair has a packet that completes from every client port; a refuted one has none. What the routes
  leave open is the solver's (`None`).

What decides a pair besides the routes is the rules and entries whose peer matches it (the rest never
match its packets): pairs that agree on those are decided once (`_key`), which is what makes a
1,000-net matrix a matter of seconds.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Hashable, Literal

from verifier.engine.simulate import Packet, Simulator
from verifier.engine.topology import LocalRoute, RouteChoice, Topology
from verifier.language.model import (
    EPHEMERAL_PORTS,
    ICMP_PROTOCOLS,
    ICMP_REPLIES,
    PORTED_PROTOCOLS,
    TRANSITIONAL_STATES,
    Block,
    Icmp,
    Net,
    NetworkAcl,
    Ports,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vm,
    any_protocol,
)

PairStatus = Literal["proved", "refuted"]
Key = tuple[Hashable, ...]
# A pair's filters, as `Shortcut._connection` numbers them: version, the source's groups, its subnet's
# ACL, the target subnet's ACL, the target's groups, whether the reply comes back, the reply's ACLs.
PairKey = tuple[int, int, int, int, int, bool, int, int]
# What a rule or an entry writes of a packet: its protocol, ports and ICMP type and code.
Written = tuple[int, "tuple[int, int] | None", "tuple[int, int | None] | None"]
Place = tuple[Net, Subnet, "RouteTable | None", "NetworkAcl | None", tuple[SecurityGroup, ...]]
# Protocols tried first, so that a witness reads naturally: TCP, UDP, an ICMP echo.
_FIRST = (6, 17, 1, 58)


@dataclass(frozen=True)
class Decided:
    """A pair decided without the solver: the interface that sends, the VM asked about, and a packet
    of the kind asked — for `proved` one that completes from every client port (shown from the first),
    for `refuted` one that fails (None: the two share no address family, no packet at all)."""

    status: PairStatus
    sender: Vm
    target: Vm
    packet: Packet | None


class Reach:
    """Where a packet sent from each net may be delivered, at most (an over-approximation)."""

    # A gateway route whose block holds more VM addresses than this counts as reaching every net.
    _MANY = 4096

    def __init__(self, topology: Topology):
        self.topo = topology
        held = sorted((a.version, a.value, vm.net) for vm in topology.model.vms() for a in vm.addresses)
        self._held = held
        self._keys = [(version, value) for version, value, _ in held]
        self._seen: dict[Key, frozenset[str] | None] = {}
        self._nets: dict[str, frozenset[str] | None] = {}  # None: anywhere
        for net in topology.model.nets:
            self._nets[net.name] = self._of(net)

    def _of(self, net: Net) -> frozenset[str] | None:
        if any(vm.net != net.name or vm.subnet is None for vm in net.vms):
            return None  # not expected of a well-formed model; then nothing is ruled out
        found = {net.name}
        # the tables its VMs' subnets route by (`Topology.table_of`), read from this net
        tables = {id(t): t for t in (self.topo.table_of(self.topo.subnet_of(vm)) for vm in net.vms) if t}
        for table in tables.values():
            for route in table.routes:
                if route.via is None:
                    continue  # a drop route delivers nothing
                if route.target == "gateway":
                    nets = self._beyond(route)
                    if nets is None:
                        return None
                    found.update(nets)
                    continue
                peering = self.topo.peering(route.via.name)
                other = self.topo.other_net(peering, net) if peering is not None else None
                if other is not None:
                    found.add(other.name)
        return frozenset(found)

    def _beyond(self, route: Route) -> frozenset[str] | None:
        """The nets a packet sent to a gateway may come back into: those holding an address of the
        route's block that the gateway may bring back (`Topology.may_come_back`); None: too many to list."""
        block = route.destination
        internet = route.via is not None and self.topo.gateway_kind(route.via.name) == "internet"
        key = (block.version, block.first, block.last, internet)
        if key not in self._seen:
            low = bisect_left(self._keys, (block.version, block.first))
            high = bisect_right(self._keys, (block.version, block.last))
            held = self._held[low:high]
            if internet:  # it brings back public addresses only
                held = [(v, a, net) for v, a, net in held if self.topo.is_public(v, a)]
            self._seen[key] = None if len(held) > self._MANY else frozenset(net for _, _, net in held)
        return self._seen[key]

    def cut_off(self, source_net: str, target_net: str) -> bool:
        """Whether no packet from `source_net` can be delivered in `target_net`, by any route."""
        nets = self._nets.get(source_net)
        return nets is not None and target_net not in nets


class Shortcut:
    """Decides pairs of VMs by the simulator where their routes are pinned down (see the module).

    Every cache here holds a pure function of the model: a pair's verdict never depends on what was
    asked before it."""

    def __init__(self, topology: Topology, simulator: Simulator, protocol: int | None, port: int | None):
        self.topo = topology
        self.sim = simulator
        self.protocol = None if any_protocol(protocol) else protocol
        self.port = port
        self._found: dict[PairKey, tuple[PairStatus, tuple[int, int, int]]] = {}
        self._places: dict[
            str, tuple[Net, Subnet, RouteTable | None, NetworkAcl | None, tuple[SecurityGroup, ...]]
        ] = {}
        self._routes: dict[Key, tuple[bool, Vm | None, bool]] = {}
        self._group_views: dict[Key, _View] = {}
        self._acl_views: dict[Key, _View] = {}
        self._factors: dict[Key, int] = {}
        self._written: list[tuple[Written, ...]] = []  # by factor number: what its rules write (protocol, ports, icmp)

    # --- the pair --------------------------------------------------------------------------------
    def pair(self, source: Vm, target: Vm) -> Decided | None:
        """`reach source -> target` as the engine decides one pair of VMs (`Assertions._reach`), or
        None where a route leaves it open (the solver's). Two interfaces of one VM are not a pair."""
        common = [a for a in target.addresses if any(s.version == a.version for s in source.addresses)]
        if not common:
            return Decided("refuted", source, target, None)
        first: Decided | None = None
        open_ = False
        alone = not self.topo.interfaces_of(source)
        for address in common:
            sender = source if alone else self.topo.egress(source, address.version, address.value)
            src = next((a for a in sender.addresses if a.version == address.version), None)
            if src is None:
                sender = source
                src = next(a for a in source.addresses if a.version == address.version)
            decided = self._connection(sender, target, src.value, address.value, address.version)
            if decided is None:
                open_ = True
            elif decided.status == "refuted":
                return decided  # the engine's verdict whatever the other addresses give
            elif first is None:
                first = decided
        return None if open_ else first

    def _place(self, vm: Vm) -> tuple[Net, Subnet, RouteTable | None, NetworkAcl | None, tuple[SecurityGroup, ...]]:
        """Where a VM is: its net, subnet, route table, network ACL and security groups."""
        if vm.name not in self._places:
            subnet = self.topo.subnet_of(vm)
            self._places[vm.name] = (
                self.topo.net_of(vm),
                subnet,
                self.topo.table_of(subnet),
                self.topo.acl_of(subnet),
                tuple(self.topo.groups_of(vm)),
            )
        return self._places[vm.name]

    def _route(self, vm: Vm, version: int, address: int) -> tuple[bool, Vm | None, bool]:
        """From `vm` to `address`: whether the route is pinned down, the VM it delivers to (None:
        dropped, or carried nowhere), and whether it is the local route."""
        net, _, table, _, _ = self._place(vm)
        key = (net.name, table.name if table else None, version, address)
        if key not in self._routes:
            choice = self.sim.select_route(net, table, version, address)
            carried = self.topo.carries_to(net, choice) is not None
            receiver = self.sim.receiver(vm, version, address) if carried else None
            self._routes[key] = (self._pinned(choice, version, address), receiver, isinstance(choice, LocalRoute))
        return self._routes[key]

    def _pinned(self, choice: RouteChoice, version: int, address: int) -> bool:
        """Whether the route chosen meets no fact the model leaves open (a gateway that may bring the
        packet back, a peering in a transitional state)."""
        if not isinstance(choice, Route):
            return True
        if choice.target == "gateway":
            return not self.topo.may_come_back(choice, version, address)
        if choice.target == "peering" and choice.via is not None:
            peering = self.topo.peering(choice.via.name)
            return peering is None or self.topo.state(peering) not in TRANSITIONAL_STATES
        return True

    def _connection(self, sender: Vm, target: Vm, src: int, dst: int, version: int) -> Decided | None:
        pinned, receiver, local = self._route(sender, version, dst)
        if not pinned:
            return None
        if receiver is not target:  # dropped, or delivered to another VM
            return Decided("refuted", sender, target, self._sample(version, src, dst))
        pinned_back, back, local_back = self._route(target, version, src)
        if not pinned_back:
            return None
        answered = back is sender
        if not answered and not self._unanswered_kind():
            return Decided("refuted", sender, target, self._sample(version, src, dst))
        _, own, _, own_acl, _ = self._place(sender)
        _, other, _, other_acl, _ = self._place(target)
        within = local and own is other
        within_back = local_back and own is other
        reply = answered and not within_back
        key: PairKey = (
            version,
            self._groups(sender, "outbound", version, dst, target),
            self._acl(own_acl, "outbound", version, dst) if not within else 0,
            self._acl(other_acl, "inbound", version, src) if not within else 0,
            self._groups(target, "inbound", version, src, sender),
            answered,
            self._acl(other_acl, "outbound", version, src) if reply else 0,
            self._acl(own_acl, "inbound", version, dst) if reply else 0,
        )
        if key not in self._found:
            self._found[key] = self._search(sender, target, src, dst, version, key)
        status, (protocol, sport, dport) = self._found[key]
        return Decided(status, sender, target, Packet(version, src, dst, protocol, sport, dport))

    # --- what decides it ----------------------------------------------------------------------------
    def _factor(self, value: tuple[Any, ...]) -> int:
        """A number for what one filter decides (0: it lets everything through)."""
        if value not in self._factors:
            self._factors[value] = len(self._written) + 1
            self._written.append(tuple(item[-3:] for item in value[1:]))
        return self._factors[value]

    def _groups(self, vm: Vm, direction: str, version: int, peer: int, peer_vm: Vm) -> int:
        """The rules of `vm`'s groups in `direction` that match the peer (its address, its membership):
        with their action and priority, all the simulator's decision reads (`Simulator.security_groups`)."""
        view = self._group_views.get((vm.name, direction, version))
        if view is None:
            groups = self._place(vm)[4]
            shared = (tuple(g.name for g in groups), direction, version)
            if shared not in self._group_views:
                rules = [r for g in groups for r in self.topo.rules_of(g) if r.direction == direction]
                self._group_views[shared] = _View(rules, version, [r.peer.block for r in rules], bool(groups))
            view = self._group_views[(vm.name, direction, version)] = self._group_views[shared]
        place = (bisect_right(view.cuts, peer), tuple(self.topo.is_member(peer_vm, n) for n in view.named))
        factor = view.decided.get(place)
        if factor is None:
            if not view.any:
                factor = self._factor(("in no group",))
            else:
                matching = {
                    (rule.action, rule.effective_priority, rule.protocol.number, _ports(rule.ports), _icmp(rule.icmp))
                    for rule in view.rules
                    if rule.peer.kind == "any"
                    or (rule.peer.kind == "block" and _holds(rule.peer.block, version, peer))
                    or (rule.peer.group is not None and self.topo.is_member(peer_vm, rule.peer.group.name))
                }
                factor = self._factor(("rules", *sorted(matching, key=repr)))
            view.decided[place] = factor
        return factor

    def _acl(self, acl: NetworkAcl | None, direction: str, version: int, peer: int) -> int:
        """The entries of `acl` in `direction` whose block holds the peer, in order (first match
        decides); 0 where no ACL filters (`Simulator.network_acl`)."""
        if acl is None:
            return 0
        view = self._acl_views.get((acl.name, direction, version))
        if view is None:
            entries = acl.ordered(direction)  # type: ignore[arg-type]
            view = self._acl_views[(acl.name, direction, version)] = _View(entries, version, [e.block for e in entries])
        atom = bisect_right(view.cuts, peer)
        factor = view.decided.get(atom)
        if factor is None:
            factor = view.decided[atom] = self._factor(
                (
                    "entries",
                    *(
                        (entry.action, entry.protocol.number, _ports(entry.ports), _icmp(entry.icmp))
                        for entry in view.rules
                        if _holds(entry.block, version, peer)
                    ),
                )
            )
        return factor

    def _unanswered_kind(self) -> bool:
        """Whether the kind asked holds ICMP messages nothing answers (a connection with no reply)."""
        return self.protocol is None or self.protocol in ICMP_PROTOCOLS

    def _sample(self, version: int, src: int, dst: int) -> Packet:
        """A packet of the kind asked, to show where a pair fails whatever the packet."""
        protocol = 6 if self.protocol is None else self.protocol
        if protocol in PORTED_PROTOCOLS:
            return Packet(version, src, dst, protocol, EPHEMERAL_PORTS[0], 443 if self.port is None else self.port)
        if protocol in ICMP_PROTOCOLS:
            return Packet(version, src, dst, protocol, 0, 8 if protocol == 1 else 128)
        return Packet(version, src, dst, protocol, 0, 0)

    def _search(
        self, sender: Vm, target: Vm, src: int, dst: int, version: int, key: PairKey
    ) -> tuple[PairStatus, tuple[int, int, int]]:
        """Some (protocol, destination port or ICMP type) of the kind whose packets complete from every
        client port (ICMP: some code), one packet of each atom of what the key's rules write; else a
        packet that fails (the first tried). Returns the status and (protocol, sport, dport)."""
        factors = (key[1], key[2], key[3], key[4], key[6], key[7])
        written = [item for factor in factors if factor for item in self._written[factor - 1]]
        failing: tuple[int, int, int] | None = None

        def works(protocol: int, sport: int, dport: int) -> bool:
            nonlocal failing
            packet = Packet(version, src, dst, protocol, sport, dport)
            if self.sim.connection(sender, packet, target).ok:
                return True
            if failing is None:
                failing = (protocol, sport, dport)
            return False

        for protocol in self._protocols(written):
            if protocol in PORTED_PROTOCOLS:
                cuts = _port_cuts(written)
                clients = _atoms(cuts, *EPHEMERAL_PORTS)
                low, high = (0, 65535) if self.port is None else (self.port, self.port)
                for dport in _atoms(cuts, low, high, natural=True):
                    if all(works(protocol, sport, dport) for sport in clients):
                        return "proved", (protocol, EPHEMERAL_PORTS[0], dport)
            elif protocol in ICMP_PROTOCOLS:
                types, codes = _icmp_cuts(written, protocol)
                echo = 8 if protocol == 1 else 128
                ordered = sorted(_atoms(types, 0, 255), key=lambda t: (t != echo, t))
                for icmp_type in ordered:
                    for code in _atoms(codes, 0, 255):
                        if works(protocol, code, icmp_type):
                            return "proved", (protocol, code, icmp_type)
            elif works(protocol, 0, 0):
                return "proved", (protocol, 0, 0)
        assert failing is not None, "a kind of packet holds at least one packet"
        return "refuted", failing

    def _protocols(self, written: list[Written]) -> list[int]:
        """The protocols to try: the one asked, or one of each atom of the protocols written."""
        if self.protocol is not None:
            return [self.protocol]
        cuts = {0, 256}
        for number in list(_FIRST) + [number for number, _, _ in written]:
            if not any_protocol(number):
                cuts.update((number, number + 1))
        others = [low for low in _atoms(cuts, 0, 255) if low not in _FIRST]
        return list(_FIRST) + others


class _View:
    """One filter's rules (or entries) of one direction, for peers of one family: the addresses where
    a peer's match may change (cut points, as `Classes` cuts), the groups a `group` peer names, and
    what it decides for each (atom, membership) met so far."""

    def __init__(self, rules: list[Any], version: int, blocks: list[Block | None], any_: bool = True):
        self.rules = rules
        self.any = any_  # False: a VM in no group (it sends and receives nothing)
        self.cuts = sorted({p for b in blocks if b is not None and b.version == version for p in (b.first, b.last + 1)})
        self.named = sorted({r.peer.group.name for r in rules if getattr(r, "peer", None) and r.peer.group})
        self.decided: dict[Hashable, int] = {}


def _holds(block: Block | None, version: int, address: int) -> bool:
    return block is not None and block.version == version and block.first <= address <= block.last


def _ports(ports: Ports | None) -> tuple[int, int] | None:
    return None if ports is None else (ports.low, ports.high)


def _icmp(icmp: Icmp | None) -> tuple[int, int | None] | None:
    return None if icmp is None else (icmp.type, icmp.code)


def _port_cuts(written: list[Written]) -> set[int]:
    cuts: set[int] = set()
    for _, ports, _ in written:
        if ports is not None:
            cuts.update((ports[0], ports[1] + 1))
    return cuts


def _icmp_cuts(written: list[Written], protocol: int) -> tuple[set[int], set[int]]:
    """Where an ICMP type's or code's fate may change: at every type and code a rule writes, around
    every query type (each has its own reply)."""
    types: set[int] = set()
    codes: set[int] = set()
    for _, _, icmp in written:
        if icmp is not None:
            types.update((icmp[0], icmp[0] + 1))
            if icmp[1] is not None:
                codes.update((icmp[1], icmp[1] + 1))
    for request, reply in ICMP_REPLIES[protocol].items():
        types.update((request, request + 1, reply, reply + 1))
    return types, codes


def _atoms(cuts: set[int], low: int, high: int, natural: bool = False) -> list[int]:
    """One value of each interval of [low, high] that no cut splits: its first, or with `natural` the
    first that is not 0 (a destination port 0 reads oddly; it stands for its interval all the same)."""
    points = sorted({c for c in cuts if low < c <= high} | {low})
    bounds = list(zip(points, [p - 1 for p in points[1:]] + [high]))
    return [first + 1 if natural and first == 0 and last > 0 else first for first, last in bounds]

"""Route tables as equivalence classes of addresses.

A table's choice for an address depends only on which of its prefixes (and of
the net's local blocks) hold the address. Cutting the address space at every
prefix boundary gives intervals — atoms — inside which every address is routed
alike, so a question about every address is a question about every atom: an
exact decision, with an address of the atom as witness. Building a table's atoms
costs O(k log k) for k prefixes, once, instead of one solver query per
question; the solver encoding of the same semantics (`encode.Queries`) is held
to these answers by the differential tests.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, NamedTuple

from verifier.engine.topology import LocalRoute, RouteChoice, Topology
from verifier.language.model import AclRule, Block, GroupRule, Net, Route, RouteTable, any_protocol, family_width


class Atom(NamedTuple):
    """Addresses low..high, all routed alike (by `choice`). A named tuple: route questions make one for
    each atom they look at, 64,000 in a 1,000-net check."""

    low: int
    high: int
    choice: RouteChoice


class RouteMap:
    """The atoms of one table (with its net's local blocks) for one address family."""

    def __init__(
        self, local_blocks: Iterable[Block], table: RouteTable | None, version: int, overrides: Iterable[Route] = ()
    ):
        """`overrides`: routes selected before the local routes (aws middlebox routes)."""
        self.version = version
        override_spans = [
            (r.destination.first, r.destination.last, r) for r in overrides if r.destination.version == version
        ]
        width = family_width(version)
        local = [b for b in local_blocks if b.version == version]
        routes = [r for r in (table.routes if table else ()) if r.destination.version == version]
        cuts = {0, 1 << width}
        for block in local + [r.destination for r in routes]:
            cuts.add(block.first)
            cuts.add(block.last + 1)
        bounds = sorted(cuts)
        merged_local = _merge((b.first, b.last) for b in local)
        local_lows = [low for low, _ in merged_local]
        # Prefixes nest or are disjoint: a sweep with a stack keeps the most specific on top.
        # Equal prefixes: the first declared must end on top, so later ones are pushed first.
        starts = sorted(
            ((r.destination.first, r.destination.prefixlen, -i, r) for i, r in enumerate(routes)), key=lambda e: e[:3]
        )
        stack: list[Route] = []
        position = 0
        self.atoms: list[Atom] = []
        for low, next_low in zip(bounds, bounds[1:]):
            while stack and stack[-1].destination.last < low:
                stack.pop()
            while position < len(starts) and starts[position][0] == low:
                stack.append(starts[position][3])
                position += 1
            while stack and stack[-1].destination.last < low:
                stack.pop()
            at = bisect_right(local_lows, low) - 1
            override = next((r for first, last, r in override_spans if first <= low <= last), None)
            if override is not None:
                choice: RouteChoice = override
            elif at >= 0 and merged_local[at][1] >= low:
                choice = LocalRoute()
            else:
                choice = stack[-1] if stack else None
            self.atoms.append(Atom(low, next_low - 1, choice))
        self._lows = [a.low for a in self.atoms]

    def choice(self, address: int) -> RouteChoice:
        return self.atoms[bisect_right(self._lows, address) - 1].choice

    def within(self, first: int, last: int) -> Iterable[Atom]:
        """The atoms that meet [first, last], clipped to it."""
        index = bisect_right(self._lows, first) - 1
        while index < len(self.atoms) and self.atoms[index].low <= last:
            atom = self.atoms[index]
            yield Atom(max(atom.low, first), min(atom.high, last), atom.choice)
            index += 1


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def outside(low: int, high: int, blocks: Iterable[Block], version: int) -> int | None:
    """The first address of [low, high] in none of `blocks`, if any."""
    spans = sorted((b.first, b.last) for b in blocks if b.version == version)
    candidate = low
    for first, last in spans:
        if last < candidate:
            continue
        if first > candidate:
            break
        candidate = last + 1
        if candidate > high:
            return None
    return candidate if candidate <= high else None


def inside(low: int, high: int, blocks: Iterable[Block], version: int) -> int | None:
    """The first address of [low, high] in one of `blocks`, if any."""
    starts = [max(low, b.first) for b in blocks if b.version == version and b.first <= high and b.last >= low]
    return min(starts) if starts else None


class Atlas:
    """Route maps of a model, built on demand and kept (one per table, family)."""

    def __init__(self, topology: Topology) -> None:
        self.topo = topology
        self._maps: dict[tuple[str, str | None, int], RouteMap] = {}

    def route_map(self, net: Net, table: RouteTable | None, version: int) -> RouteMap:
        key = (net.name, table.name if table else None, version)
        if key not in self._maps:
            self._maps[key] = RouteMap(self.topo.local_blocks(net), table, version, self.topo.overrides(net, table))
        return self._maps[key]


# --- network ACL entries as boxes over (address, protocol, destination port, ICMP code) ------------
PORTED = (6, 17)
ICMP = (1, 58)  # their type is held where ports are, their code where the source port is


Interval = tuple[int, int]
Box = tuple[Interval, list[Interval], Interval, Interval]  # addresses, protocols, ports (ICMP types), ICMP codes


def entry_box(entry: AclRule) -> Box:
    """An ACL entry as (address interval, protocol intervals, port or ICMP type interval, ICMP code
    interval)."""
    return filter_box(entry, (entry.block.first, entry.block.last))


def rule_box(rule: GroupRule, version: int) -> Box | None:
    """A security group rule whose peer is a block or any address, as an ACL entry's box over the
    addresses of `version`; None when it matches no address of that family (a block of the other)."""
    if rule.peer.kind == "any":
        return filter_box(rule, (0, (1 << family_width(version)) - 1))
    block = rule.peer.block
    if rule.peer.kind != "block" or block is None or block.version != version:
        return None
    return filter_box(rule, (block.first, block.last))


def filter_box(item: AclRule | GroupRule, addresses: Interval) -> Box:
    number = item.protocol.number
    protocols = [(0, 255)] if any_protocol(number) else [(number, number)]
    ports = (0, 65535) if item.ports is None else (item.ports.low, item.ports.high)
    codes = (0, 65535)
    if item.ports is not None:  # only TCP and UDP have ports
        protocols = [(p, p) for p in PORTED if any(lo <= p <= hi for lo, hi in protocols)]
    if item.icmp is not None:  # only ICMP and ICMPv6 have types and codes
        protocols = [(p, p) for p in ICMP if any(lo <= p <= hi for lo, hi in protocols)]
        ports = (item.icmp.type, item.icmp.type)
        codes = (0, 255) if item.icmp.code is None else (item.icmp.code, item.icmp.code)
    return addresses, protocols, ports, codes


def _cells(cuts: set[int], low: int, high: int) -> list[tuple[int, int]]:
    points = sorted(c for c in cuts | {low, high + 1} if low <= c <= high + 1)
    return list(zip(points, (p - 1 for p in points[1:])))


def acl_entry_shadowed(entry: AclRule, earlier: list[AclRule]) -> bool | None:
    """Whether every packet `entry` matches is matched by one of `earlier` (same family and
    direction); None when `entry` matches no packet at all.

    Exact: the four dimensions are cut at every boundary of every entry, and each
    resulting cell inside `entry` must lie inside an earlier entry. Packets are
    well formed: ICMP has a type and a code of 0-255, another protocol without ports has
    destination port and code 0, and no entry constrains a TCP or UDP packet's source port.
    """
    return box_covered(entry_box(entry), [entry_box(e) for e in earlier if e.block.version == entry.block.version])


def box_covered(box: Box, boxes: list[Box]) -> bool | None:
    """Whether every well-formed packet in `box` is in one of `boxes`; None when `box` holds none."""
    (a_low, a_high), protocols, (p_low, p_high), (c_low, c_high) = box
    if not protocols:
        return None
    address_cuts = {b[0][0] for b in boxes} | {b[0][1] + 1 for b in boxes}
    protocol_cuts = (
        {0, 256, 1, 2, 6, 7, 17, 18, 58, 59}
        | {lo for b in boxes for lo, _ in b[1]}
        | {hi + 1 for b in boxes for _, hi in b[1]}
    )
    port_cuts = {0, 1, 256, 65536} | {b[2][0] for b in boxes} | {b[2][1] + 1 for b in boxes}
    code_cuts = {0, 1, 256, 65536} | {b[3][0] for b in boxes} | {b[3][1] + 1 for b in boxes}
    for low, high in protocols:
        for proto_low, proto_high in _cells(protocol_cuts, low, high):
            if proto_low in PORTED:
                dimensions = ((p_low, p_high), (0, 0))  # a source port no entry constrains
            elif proto_low in ICMP:
                if p_low > 255 or c_low > 255:
                    continue  # not well formed: no such packet
                dimensions = ((p_low, min(p_high, 255)), (c_low, min(c_high, 255)))
            else:
                if p_low > 0 or c_low > 0:
                    continue  # not well formed: no such packet
                dimensions = ((0, 0), (0, 0))
            (port_low, port_high), (code_low, code_high) = dimensions
            for port_cell in _cells(port_cuts, port_low, port_high):
                for code_cell in _cells(code_cuts, code_low, code_high):
                    for address_cell in _cells(address_cuts, a_low, a_high):
                        if not any(
                            _box_holds(b, address_cell, (proto_low, proto_high), port_cell, code_cell) for b in boxes
                        ):
                            return False
    return True


def _box_holds(box: Box, address: Interval, protocol: Interval, port: Interval, code: Interval) -> bool:
    (a_low, a_high), protocols, (p_low, p_high), (c_low, c_high) = box
    return (
        a_low <= address[0]
        and address[1] <= a_high
        and p_low <= port[0]
        and port[1] <= p_high
        and c_low <= code[0]
        and code[1] <= c_high
        and any(lo <= protocol[0] and protocol[1] <= hi for lo, hi in protocols)
    )

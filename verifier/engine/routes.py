"""Questions about route tables: is a route ever selected, do local routes take part of it, does it
carry traffic outside its peer, is there a way back. Decided over address atoms (exact) or by the solver
(the differential tests hold the two to each other); every answer is checked on the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from verifier.engine.atoms import inside, outside
from verifier.engine.encode import Query
from verifier.engine.part import Part
from verifier.engine.results import Disagreement, Undecided
from verifier.engine.topology import LocalRoute
from verifier.language.model import Block, Net, Route, RouteTable, Subnet, address_text

if TYPE_CHECKING:
    from verifier.engine.verify import Engine


@dataclass
class RouteFacts:
    never_selected: bool = False
    covering: list[Block | Route] = field(default_factory=list)  # the local blocks and routes that take it
    local_override: int | None = None  # an address the local routes take instead
    outside_peer: int | None = None  # an address carried across the peering, outside the peer net
    undecided: list[Undecided] = field(default_factory=list)


@dataclass(frozen=True)
class MissingWayBack:
    subnet: Subnet  # where the traffic comes from
    peer_subnet: Subnet  # where it arrives
    peer_table: RouteTable | None  # the table that has no route back (None: local routes only)
    address: int  # an address of `subnet` that the peer table does not route back


class Routes(Part):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._route_facts: dict[tuple[str, int], RouteFacts] = {}
        self._first_routes: dict[str, dict[tuple[int, int, int], Route]] = {}
        # (peer net, peer table, version, block, home net) -> an address of the block the table does
        # not route back to the home net, or None: the same for every route that asks it
        self._way_back: dict[tuple[str, str | None, int, int, int, str], int | None] = {}

    def route_facts(self, net: Net, table: RouteTable, index: int) -> RouteFacts:
        key = (table.name, index)
        if key not in self._route_facts:
            self._route_facts[key] = self._analyse_route(net, table, table.routes[index])
        return self._route_facts[key]

    def _analyse_route(self, net: Net, table: RouteTable, route: Route) -> RouteFacts:
        if self.duplicate_of(table, route) is not None:
            return RouteFacts()  # an earlier route of the same destination always wins: ROUTE006's concern
        if self.exact_routes:
            return self._analyse_route_atoms(net, table, route)
        return self._analyse_route_solver(net, table, route)

    def _covering(self, net: Net, table: RouteTable, route: Route) -> list[Block | Route]:
        """What takes every address of a never-selected route: local blocks and more specific routes."""
        version = route.destination.version
        local = [b for b in self.topo.local_blocks(net) if b.version == version]
        specific = [
            r
            for r in table.routes
            if r.destination.version == version
            and r.destination.prefixlen > route.destination.prefixlen
            and r.destination.overlaps(route.destination)
        ]
        # Cross-check the proof with independent address arithmetic.
        destination = route.destination
        held = [*local, *(r.destination for r in specific)]
        if outside(destination.first, destination.last, held, destination.version) is not None:
            raise Disagreement(
                f"route {route.destination} in {table.name}: proved never selected, but the "
                "address arithmetic finds it selected"
            )
        return [b for b in local if b.overlaps(route.destination)] + specific

    def _analyse_route_atoms(self, net: Net, table: RouteTable, route: Route) -> RouteFacts:
        facts = RouteFacts()
        version = route.destination.version
        atoms = list(self.atlas.route_map(net, table, version).within(route.destination.first, route.destination.last))
        selected = [a for a in atoms if a.choice is route]
        if not selected:
            facts.never_selected = True
            facts.covering = self._covering(net, table, route)
            return facts
        if self.sim.select_route(net, table, version, selected[0].low) is not route:
            raise Disagreement(
                f"route {route.destination} in {table.name}: the atoms select it for "
                f"{address_text(selected[0].low, version)}, the simulator does not"
            )
        if route.target != "peering":
            return facts
        local = next((a for a in atoms if isinstance(a.choice, LocalRoute)), None)
        if local is not None:
            if not isinstance(self.sim.select_route(net, table, version, local.low), LocalRoute):
                raise Disagreement(
                    f"route {route.destination}: the local route taking "
                    f"{address_text(local.low, version)} is not reproduced"
                )
            facts.local_override = local.low
        peering = self.topo.peering(route.via.name)  # type: ignore[union-attr]
        peer = self.topo.other_net(peering, net) if peering else None
        if peer is not None:
            found = next((x for a in selected if (x := outside(a.low, a.high, peer.blocks, version)) is not None), None)
            if found is not None:
                if self.sim.select_route(net, table, version, found) is not route or any(
                    b.contains(found, version) for b in peer.blocks
                ):
                    raise Disagreement(
                        f"route {route.destination}: {address_text(found, version)} outside net "
                        f"{peer.name} is not reproduced"
                    )
                facts.outside_peer = found
        return facts

    def _analyse_route_solver(self, net: Net, table: RouteTable, route: Route) -> RouteFacts:
        facts = RouteFacts()
        version = route.destination.version
        questions = self.queries[version]
        answer = self._decided(questions.route_selectable(net, table, route))
        if answer.status == "unknown":
            facts.undecided.append(
                Undecided(f"whether route {route.destination} is ever selected", answer.reason or "")
            )
            return facts
        if answer.status == "unsat":
            facts.never_selected = True
            facts.covering = self._covering(net, table, route)
            return facts
        chosen = answer.values["dst"]  # type: ignore[index]
        if self.sim.select_route(net, table, version, chosen) is not route:
            raise Disagreement(
                f"route {route.destination} in {table.name}: the solver selects it for "
                f"{address_text(chosen, version)}, the simulator does not"
            )
        if route.target != "peering":
            return facts
        facts.local_override = self._witness(
            questions.route_overridden(net, table, route),
            facts,
            f"whether local routes override {route.destination}",
            lambda address: isinstance(self.sim.select_route(net, table, version, address), LocalRoute),
        )
        peering = self.topo.peering(route.via.name)  # type: ignore[union-attr]
        peer = self.topo.other_net(peering, net) if peering else None
        if peer is not None:
            facts.outside_peer = self._witness(
                questions.route_outside_peer(net, table, route, peer),
                facts,
                f"whether {route.destination} reaches outside net {peer.name}",
                lambda address: (
                    self.sim.select_route(net, table, version, address) is route
                    and not any(b.contains(address, version) for b in peer.blocks)
                ),
            )
        return facts

    def _witness(self, query: Query, facts: RouteFacts, what: str, reproduces: Callable[[int], bool]) -> int | None:
        """The address the solver finds for `query`, once the simulator reproduces it; None if none.

        An undecided query is recorded, never read as "none".
        """
        answer = self._ask(query)
        if answer.status == "unknown":
            facts.undecided.append(Undecided(what, answer.reason or ""))
            return None
        if answer.status != "sat":
            return None
        address = answer.values["dst"]  # type: ignore[index]
        if not reproduces(address):
            raise Disagreement(f"{what}: the solver's witness {address} is not reproduced by the simulator")
        return address

    def duplicate_of(self, table: RouteTable, route: Route) -> Route | None:
        """An earlier route of `table` with the same destination, if any (indexed once per table)."""
        if table.name not in self._first_routes:
            first: dict[tuple[int, int, int], Route] = {}
            for other in table.routes:
                first.setdefault(
                    (other.destination.version, other.destination.first, other.destination.prefixlen), other
                )
            self._first_routes[table.name] = first
        earlier = self._first_routes[table.name][
            (route.destination.version, route.destination.first, route.destination.prefixlen)
        ]
        return None if earlier is route else earlier

    def missing_way_back(
        self, net: Net, table: RouteTable, route: Route
    ) -> tuple[MissingWayBack | None, list[Undecided]]:
        """Where traffic this route carries to the peer net finds no route back, if anywhere."""
        peering = self.topo.peering(route.via.name)  # type: ignore[union-attr]
        peer = self.topo.other_net(peering, net) if peering else None
        if peer is None or self.topo.state(peering) != "active":  # type: ignore[arg-type]
            return None, []
        if self.exact_routes:
            return self._missing_way_back_atoms(net, table, route, peer), []
        return self._missing_way_back_solver(net, table, route, peer)

    def _missing_way_back_atoms(self, net: Net, table: RouteTable, route: Route, peer: Net) -> MissingWayBack | None:
        version = route.destination.version
        selected = [
            a
            for a in self.atlas.route_map(net, table, version).within(route.destination.first, route.destination.last)
            if a.choice is route
        ]
        # the peer subnets the route carries traffic into, with their tables: asked once
        reached: list[tuple[Subnet, RouteTable | None]] | None = None
        for subnet in self.topo.subnets_using(table):
            home_blocks = [b for b in subnet.blocks if b.version == version]
            if not home_blocks:
                continue
            if reached is None:
                reached = [
                    (peer_subnet, self.topo.table_of(peer_subnet))
                    for peer_subnet in peer.subnets
                    if any(
                        inside(max(a.low, b.first), min(a.high, b.last), peer.blocks, version) is not None
                        for a in selected
                        for b in peer_subnet.blocks
                        if b.version == version and b.first <= a.high and b.last >= a.low
                    )
                ]
            for peer_subnet, peer_table in reached:
                for block in home_blocks:
                    address = self._not_routed_back(peer, peer_table, peer_subnet, block, net)
                    if address is not None:
                        return MissingWayBack(subnet, peer_subnet, peer_table, address)
        return None

    def _not_routed_back(
        self, peer: Net, peer_table: RouteTable | None, peer_subnet: Subnet, block: Block, net: Net
    ) -> int | None:
        """The first address of `block` that `peer_table` does not send back to `net`, or None; asked
        once for each table and block (every route over the peering asks the same)."""
        version = block.version
        key = (peer.name, peer_table.name if peer_table else None, version, block.first, block.last, net.name)
        if key in self._way_back:
            return self._way_back[key]
        found = None
        for atom in self.atlas.route_map(peer, peer_table, version).within(block.first, block.last):
            if self.topo.carries_to(peer, atom.choice) is net:
                continue
            found = atom.low
            if self.topo.carries_to(peer, self.sim.select_route(peer, peer_table, version, found)) is net:
                raise Disagreement(
                    f"the route back from {peer_subnet.name} to "
                    f"{address_text(found, version)}: missing for the atoms, present "
                    "for the simulator"
                )
            break
        self._way_back[key] = found
        return found

    def _missing_way_back_solver(
        self, net: Net, table: RouteTable, route: Route, peer: Net
    ) -> tuple[MissingWayBack | None, list[Undecided]]:
        version = route.destination.version
        questions = self.queries[version]
        undecided: list[Undecided] = []
        for subnet in self.topo.subnets_using(table):
            if not any(b.version == version for b in subnet.blocks):
                continue
            for peer_subnet in peer.subnets:
                if self._decided(questions.route_reaches(net, table, route, peer, peer_subnet)).status != "sat":
                    continue
                peer_table = self.topo.table_of(peer_subnet)
                answer = self._ask(questions.no_way_back(peer, peer_table, net, subnet))
                if answer.status == "unknown":
                    undecided.append(
                        Undecided(f"whether {peer_subnet.name} routes back to {subnet.name}", answer.reason or "")
                    )
                    continue
                if answer.status == "sat":
                    address = answer.values["back"]  # type: ignore[index]
                    if self.topo.carries_to(peer, self.sim.select_route(peer, peer_table, version, address)) is net:
                        raise Disagreement(
                            f"the route back from {peer_subnet.name} to "
                            f"{address_text(address, version)}: missing for the solver, present "
                            "for the simulator"
                        )
                    return MissingWayBack(subnet, peer_subnet, peer_table, address), undecided
        return None, undecided

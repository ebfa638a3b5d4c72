"""Why a connection fails: every blocking point on its path, not only the first.

The simulator stops at the first drop. Here the walk goes on past each
blocking point as if it were lifted — the way a reviewer reads a blocked path —
so that one answer names everything that stands between SRC and DST, each
item with its code, direction and the config line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.engine.simulate import (
    Hop,
    Leg,
    Packet,
    Simulator,
    Stop,
    carried_hop,
    local_route_hop,
    transitional_hop,
    via_peering_hop,
    vm_text,
)
from verifier.engine.topology import LocalRoute, Topology
from verifier.language.model import TRANSITIONAL_STATES, Net, Peering, Route, Span, Vm, address_text


@dataclass(frozen=True)
class Blocking:
    code: Stop
    direction: Leg
    message: str
    span: Span | None
    # What a repair needs to know: the VM / net / peering concerned.
    vm: Vm | None = None
    net: Net | None = None
    peering: Peering | None = None
    route: Route | None = None  # the route the table selected instead
    nets: tuple[str, ...] = ()  # the nets its words name (the graph's overlay reads these)


@dataclass
class Explanation:
    forward: list[Hop] = field(default_factory=list)
    reply: list[Hop] = field(default_factory=list)
    blocking: list[Blocking] = field(default_factory=list)


class Explainer:
    def __init__(self, topology: Topology):
        self.topo = topology
        self.sim = Simulator(topology)

    def explain(self, source: Vm, target: Vm | None, packet: Packet) -> Explanation:
        path = Explanation()
        arrived = self._leg(source, target, packet, "forward", path.forward, path)
        answer = packet.reply()
        if arrived and target is not None and answer is not None:
            self._leg(target, source, answer, "reply", path.reply, path)
        return path

    def _leg(
        self, start: Vm, end: Vm | None, packet: Packet, direction: Leg, hops: list[Hop], path: Explanation
    ) -> bool:
        """One direction; returns whether the walk could reach `end` (blocked points lifted)."""

        def blocked(hop: Hop, vm: Vm) -> None:
            """A filter (a group or an ACL of `vm`) that drops the packet."""
            hops.append(hop)
            path.blocking.append(
                Blocking(hop.code or Stop.BLOCKED, direction, hop.description, hop.span, vm=vm, nets=hop.nets)
            )

        subnet = self.topo.subnet_of(start)
        net = self.topo.net_of(start)
        # Local delivery inside one subnet: its network ACL does not filter it.
        within = (
            end is not None
            and end.net == start.net
            and self.topo.subnet_of(end) is subnet
            and isinstance(
                self.sim.select_route(net, self.topo.table_of(subnet), packet.version, packet.dst), LocalRoute
            )
        )
        if direction == "forward":
            hop = self.sim.security_groups(start, packet, "outbound", end)
            (blocked(hop, vm=start) if hop.disposition == "drop" else hops.append(hop))
        else:
            hops.append(Hop("security-group", f"reply passes {start.name}'s groups (stateful)", "pass"))
        hop = self.sim.network_acl(self.topo.acl_of(subnet), packet, "outbound", subnet.name, within)
        (blocked(hop, vm=start) if hop.disposition == "drop" else hops.append(hop))
        if end is None:
            hops.append(
                Hop(
                    "delivery",
                    f"no vm holds {address_text(packet.dst, packet.version)}",
                    "drop",
                    None,
                    Stop.NO_DESTINATION,
                )
            )
            path.blocking.append(Blocking(Stop.NO_DESTINATION, direction, hops[-1].description, None))
            return False
        if not self._route(net, self.topo.net_of(end), packet, direction, hops, path, start):
            return False
        end_subnet = self.topo.subnet_of(end)
        hop = self.sim.network_acl(self.topo.acl_of(end_subnet), packet, "inbound", end_subnet.name, within)
        (blocked(hop, vm=end) if hop.disposition == "drop" else hops.append(hop))
        if direction == "forward":
            hop = self.sim.security_groups(end, packet, "inbound", start)
            (blocked(hop, vm=end) if hop.disposition == "drop" else hops.append(hop))
        else:
            hops.append(Hop("security-group", f"reply passes {end.name}'s groups (stateful)", "pass"))
        hops.append(
            Hop(
                "delivery",
                f"delivered to {vm_text(end)}" + (" (with the blocking points above lifted)" if path.blocking else ""),
                "deliver",
                end.span,
            )
        )
        return True

    def _route(
        self, net: Net, destination: Net, packet: Packet, direction: Leg, hops: list[Hop], path: Explanation, start: Vm
    ) -> bool:
        """Route from `net` towards `destination`; record what stands in the way."""
        table = self.topo.table_of(self.topo.subnet_of(start))
        table_name = table.name if table else f"{net.name}'s local routes"
        dst_text = address_text(packet.dst, packet.version)
        selected = self.sim.select_route(net, table, packet.version, packet.dst)

        def add(code: Stop, message: str, span: Span | None, nets: tuple[str, ...], peering: str | None = None) -> None:
            """A blocking point of the routes of `net`: a dropping hop, and what a repair needs to know."""
            hops.append(Hop("route", message, "drop", span, code, nets=nets, peering=peering))
            route = selected if isinstance(selected, Route) else None
            path.blocking.append(Blocking(code, direction, message, span, vm=start, net=net, route=route, nets=nets))

        if isinstance(selected, Route) and self.topo.may_come_back(selected, packet.version, packet.dst):
            kind = self.topo.gateway_kind(selected.via.name)  # type: ignore[union-attr]
            hops.append(
                Hop(
                    "route",
                    f"{table_name}: route {selected.destination} via gateway {selected.via.name} "  # type: ignore[union-attr]
                    f"({kind}) leaves the modelled network; it may come back, or not: unknown",
                    "unknown",
                    selected.span,
                    Stop.GATEWAY_MAY_RETURN,
                )
            )
            return True
        if destination is net:
            if isinstance(selected, LocalRoute):
                hops.append(local_route_hop(table_name, selected, net))
                return True
            add(
                Stop.NO_ROUTE,
                f"{table_name}: {dst_text} is in net {net.name} but no local route covers it",
                None,
                (net.name,),
            )
            return True
        peerings = [p for p in self.topo.peerings_of.get(net.name, []) if self.topo.other_net(p, net) is destination]
        if not peerings:
            add(
                Stop.NOT_PEERED,
                f"no peering joins net {net.name} and net {destination.name}; peering is not "
                f"transitive: a direct peering between {net.name} and {destination.name} is needed",
                None,
                (net.name, destination.name),
            )
        if selected is None:
            add(Stop.NO_ROUTE, f"{table_name} has no route for {dst_text}", table.span if table else None, ())
        elif isinstance(selected, LocalRoute):
            add(
                Stop.LOCAL_ROUTE_OVERRIDE,
                f"{table_name}: the local route {selected} of net {net.name} takes "
                f"{dst_text} (the nets' blocks overlap); no route can override it",
                selected.span,
                (net.name,),
            )
            return False
        elif selected.target == "drop" or selected.via is None:
            add(Stop.ROUTE_DROP, f"{table_name}: route {selected.destination} drops it", selected.span, ())
        elif selected.target == "gateway":
            add(
                Stop.ROUTE_TO_GATEWAY,
                f"{table_name}: route {selected.destination} sends it to gateway "
                f"{selected.via.name}, out of the modelled network",
                selected.span,
                (),
            )
        else:
            peering = self.topo.peering(selected.via.name)
            other = self.topo.other_net(peering, net) if peering else None
            hops.append(via_peering_hop(table_name, selected, selected.via.name))
            if peering is None or other is None:
                add(
                    Stop.PEERING_NOT_ATTACHED,
                    f"peering {selected.via.name} does not join net {net.name}",
                    selected.span,
                    (net.name,),
                    peering=selected.via.name,
                )
            elif other is not destination:
                add(
                    Stop.NON_TRANSITIVE,
                    f"peering {peering.name} leads to net {other.name}, which never forwards "
                    f"to net {destination.name} (peering is not transitive)",
                    selected.span,
                    (other.name, destination.name),
                    peering=peering.name,
                )
            elif self.topo.state(peering) in TRANSITIONAL_STATES:
                hops.append(transitional_hop(peering, self.topo.state(peering)))
            elif self.topo.state(peering) != "active":
                hop = Hop(
                    "peering",
                    f"peering {peering.name} is {self.topo.state(peering)}, not active",
                    "drop",
                    peering.span,
                    Stop.PEERING_NOT_ACTIVE,
                    peering=peering.name,
                )
                hops.append(hop)
                path.blocking.append(
                    Blocking(Stop.PEERING_NOT_ACTIVE, direction, hop.description, peering.span, peering=peering)
                )
            else:
                hops.append(carried_hop(peering, other))
        return True

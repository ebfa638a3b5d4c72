"""The verification engine: asks the solver, replays every answer on the simulator.

Rules reach the engine through `Context.engine`. The engine takes its
questions from `encode.Queries`, decides them with `solve.Solver`, and checks
each witness concretely with `simulate.Simulator` before anything is reported.
A solver answer that the simulator contradicts raises `Disagreement`: a bug in
peerproof, reported as an internal error (exit 3), never hidden and never
reported as a finding. An `unknown` answer is never read as a proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

import netaddr

from verifier.engine.atoms import LOCAL, Atlas, acl_entry_shadowed, inside, outside
from verifier.engine.encode import Encoder, Queries, Query
from verifier.language.model import (
    TRANSITIONAL_STATES,
    ANY_PROTOCOL,
    EPHEMERAL_PORTS,
    PORTED_PROTOCOLS,
    AclRule,
    Assertion,
    Block,
    GroupRule,
    Model,
    Net,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    Span,
    Subnet,
    Vm,
    protocol_name,
)
from verifier.language.printer import assertion_text
from verifier.engine.simulate import Connection, Packet, Simulator, Trace, address_text, hops_json
from verifier.engine.solve import Answer, Limits, Solver
from verifier.engine.topology import Topology


class Disagreement(Exception):
    """The solver and the simulator disagree: a bug in peerproof."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.span = span


Status = Literal["proved", "refuted", "unknown", "vacuous"]


@dataclass
class AssertionResult:
    status: Status
    message: str
    counterexample: dict[str, Any] | None = None
    witness: dict[str, Any] | None = None
    # With `unknown`: the facts the model does not pin down that the verdict rests on (a gateway, a
    # transitional peering); empty when the solver's limits left it undecided.
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Undecided:
    """A question the solver could not answer within its limits."""

    what: str
    reason: str


@dataclass
class RouteFacts:
    never_selected: bool = False
    covering: list[Block | Route] = field(default_factory=list)
    local_override: int | None = None  # an address the local routes take instead
    outside_peer: int | None = None  # an address carried across the peering, outside the peer net
    undecided: list[Undecided] = field(default_factory=list)


@dataclass(frozen=True)
class MissingWayBack:
    subnet: Subnet  # where the traffic comes from
    peer_subnet: Subnet  # where it arrives
    peer_table: RouteTable | None  # the table that has no route back (None: local routes only)
    address: int  # an address of `subnet` that the peer table does not route back


# Protocols without ports: an assertion on one of them has no destination port to choose.
_UNPORTED = frozenset(range(256)) - set(PORTED_PROTOCOLS)


class Engine:
    def __init__(self, model: Model, now: datetime, limits: Limits | None = None, exact_routes: bool = True):
        """`exact_routes`: decide route questions over address atoms (exact, fast); False asks the
        solver for each (the differential tests hold the two to each other)."""
        self.model = model
        self.topo = Topology(model, now)
        self.sim = Simulator(self.topo)
        self.solver = Solver(limits)
        self.atlas = Atlas(self.topo)
        self.exact_routes = exact_routes
        self._route_facts: dict[tuple[str, int], RouteFacts] = {}
        self.results: dict[int, tuple[Assertion, AssertionResult]] = {}
        self._first_routes: dict[str, dict[tuple[int, int, int], Route]] = {}
        self._witness_wanted = True

    @cached_property
    def queries(self) -> dict[int, Queries]:
        """The definite reading: what is certain (see `encode.Encoder`)."""
        atlas = self.atlas if self.exact_routes else None
        return {4: Queries(Encoder(self.topo, 4, atlas)), 6: Queries(Encoder(self.topo, 6, atlas))}

    @cached_property
    def possible_queries(self) -> dict[int, Queries] | None:
        """The possible reading: what may happen; None where the model pins everything down."""
        if not self.topo.uncertain:
            return None
        atlas = self.atlas if self.exact_routes else None
        return {v: Queries(Encoder(self.topo, v, atlas, possible=True)) for v in (4, 6)}

    def _ask(self, query: Query) -> Answer:
        return self.solver.check(query)

    # --- assertions ------------------------------------------------------------------------
    def assertion_result(self, assertion: Assertion) -> AssertionResult:
        """The verdict on an assertion, decided once (several rules report on it)."""
        key = id(assertion)
        if key not in self.results:
            try:
                self.results[key] = (assertion, self.check_assertion(assertion))
            except Disagreement as exc:
                exc.span = exc.span or assertion.span
                raise
        return self.results[key][1]

    def start_parallel_proofs(self, assertions: list[Assertion], jobs: int):
        """Start deciding `assertions` in `jobs` worker processes; `finish_parallel_proofs`
        collects them. Meanwhile the caller runs its other checks: the workers and the
        caller share the cores.

        Workers take small chunks as they free up and keep one engine each; results
        are merged by position, so the output does not depend on `jobs`. None: no
        fork on this platform (the caller decides them in turn).
        """
        import multiprocessing

        global _WORK
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        _WORK = (self.model, self.topo.now, self.solver.limits, self.exact_routes, assertions)
        pool = multiprocessing.get_context("fork").Pool(jobs)
        # Small chunks, handed out as workers free up: costly assertions do not leave a core idle.
        chunk = max(1, len(assertions) // (jobs * 16))
        chunks = [(start, min(start + chunk, len(assertions))) for start in range(0, len(assertions), chunk)]
        return pool, pool.map_async(_prove_share, chunks, chunksize=1), assertions

    def finish_parallel_proofs(self, started) -> None:
        """Collect what `start_parallel_proofs` began; a disagreement in a worker is raised here."""
        if started is None:
            return
        pool, pending, assertions = started
        try:
            shares = pending.get()
        finally:
            pool.close()
            pool.join()
        for share in shares:
            for index, outcome in share:
                if isinstance(outcome, Disagreement):
                    raise Disagreement(str(outcome), assertions[index].span)
                self.results[id(assertions[index])] = (assertions[index], outcome)

    def check_assertion(self, assertion: Assertion, witness: bool = True) -> AssertionResult:
        """Prove or refute an assertion, or say what it depends on. Without `witness` (the matrix), a
        refuted `reach` carries no counterexample, which saves the search for a telling one.

        No state carries from one assertion to the next: a verdict never depends on what was asked
        before it, nor on `--jobs`.
        """
        self._witness_wanted = witness
        sources = self.topo.endpoint_vms(assertion.source)
        targets = self.topo.endpoint_vms(assertion.destination)
        if sources and not targets and assertion.kind == "reach" and assertion.destination.address is not None:
            return self._unheld(assertion, sources[0], assertion.destination.address)
        if not sources or not targets:
            side = assertion.source if not sources else assertion.destination
            return AssertionResult("vacuous", f"{assertion_text(assertion)} speaks of no connection: "
                                   f"'{side}' holds no vm")
        if assertion.kind == "isolate":
            return self._isolate(assertion, sources, targets)
        return self._reach(assertion, sources, targets)

    def _unheld(self, assertion: Assertion, source: Vm, address) -> AssertionResult:
        """`reach` to an address no VM holds: never reached (LANGUAGE.md: an address is reached only if a
        VM holds it); the counterexample walks a packet of the kind there."""
        protocol = assertion.protocol.number if assertion.protocol and assertion.protocol.number != ANY_PROTOCOL else 6
        ported = protocol in PORTED_PROTOCOLS
        dport = assertion.ports.low if assertion.ports else (443 if ported else 0)
        src = next((a.value for a in source.addresses if a.version == address.version), 0)
        packet = Packet(address.version, src, address.value, protocol, EPHEMERAL_PORTS[0] if ported else 0, dport)
        trace = self.sim.forward(source, packet)
        text = assertion_text(assertion)
        return AssertionResult("refuted", f"{text} is refuted: no vm holds {address}",
                               counterexample={"source_vm": source.name, "destination_vm": str(address),
                                               "packet": packet.as_json(), "direction": "forward",
                                               "blocked": "NO_DESTINATION", "forward": hops_json(trace.hops),
                                               "reply": []})

    def _isolate(self, assertion: Assertion, sources: list[Vm], targets: list[Vm]) -> AssertionResult:
        text = assertion_text(assertion)
        limits: list[str] = []
        maybe: list[str] = []
        depends: list[str] = []
        example: AssertionResult | None = None
        fixed = assertion.destination.address
        protocol = assertion.protocol.number if assertion.protocol else None
        for source in sources:
            others = [t for t in targets if t is not source]  # a VM's packets to itself never cross the network
            names = {t.name for t in others}
            for version in sorted({a.version for a in source.addresses}):
                if fixed is not None and fixed.version != version:
                    continue
                readings = [(self.queries, "deliver")]
                if self.possible_queries is not None and self._uncertain(source, others, version):
                    readings.append((self.possible_queries, "maybe"))
                for queries, outcome in readings:
                    query = queries[version].isolate(source, others, protocol, assertion.ports,
                                                     fixed.value if fixed else None)
                    if query is None:
                        continue
                    answer = self._ask(query)
                    if answer.status == "unknown":
                        limits.append(f"from {source.name} over IPv{version}: {answer.reason}")
                        break
                    if answer.status == "unsat":
                        continue
                    packet = _packet(version, answer.values)  # type: ignore[arg-type]
                    _check_kind(assertion, packet, text)
                    target = next((t for t in others if any(a.version == version and a.value == packet.dst
                                                            for a in t.addresses)), None)
                    trace = self.sim.forward(source, packet, target)
                    if trace.outcome != outcome or trace.reached is None or trace.reached.name not in names:
                        raise Disagreement(f"{text}: the solver finds {packet.describe()} "
                                           f"{'delivered' if outcome == 'deliver' else 'possibly delivered'}, "
                                           f"the simulator {_fate(trace)}")
                    counterexample = {"source_vm": source.name, "destination_vm": trace.reached.name,
                                      "packet": packet.as_json(), "hops": hops_json(trace.hops)}
                    if outcome == "deliver":
                        return AssertionResult(
                            "refuted", f"{text} is refuted: {packet.describe()} from vm {source.name} is delivered "
                            f"to vm {trace.reached.name}", counterexample=counterexample)
                    facts = " and ".join(trace.depends)
                    if example is None:
                        example = AssertionResult("unknown", "", counterexample=counterexample)
                    depends.extend(trace.depends)
                    maybe.append(f"{packet.describe()} from vm {source.name} may reach vm {trace.reached.name}: "
                                 f"it depends on {facts}")
                    break
        return self._undecided(text, limits, maybe, depends, example) or AssertionResult("proved", f"{text} is proved")

    @staticmethod
    def _undecided(text: str, limits: list[str], maybe: list[str], depends: list[str],
                   example: AssertionResult | None = None) -> AssertionResult | None:
        """The unknown verdict, when anything was left open: by the model first, then by the solver.
        `example`: the first connection or packet that rests on the model, shown with the verdict."""
        if maybe:
            facts = ", ".join(dict.fromkeys(depends))
            return AssertionResult("unknown", f"{text} is unknown: it depends on {facts}, which the model does "
                                   f"not pin down ({'; '.join(maybe)})", depends=tuple(dict.fromkeys(depends)),
                                   counterexample=example.counterexample if example else None,
                                   witness=example.witness if example else None)
        if limits:
            return AssertionResult("unknown", f"{text} could not be decided within the solver limits "
                                   f"({'; '.join(limits)})")
        return None

    def _reach(self, assertion: Assertion, sources: list[Vm], targets: list[Vm]) -> AssertionResult:
        text = assertion_text(assertion)
        limits: list[str] = []
        maybe: list[str] = []
        depends: list[str] = []
        witness: dict[str, Any] | None = None
        example: AssertionResult | None = None
        fixed = assertion.destination.address
        for source in sources:
            # An address is reached in the net the source's routes lead to (another net may reuse it).
            mine = [self._routed_holder(source, fixed, targets)] if fixed is not None else targets
            for target in mine:
                if target is source:
                    continue  # a VM to itself never crosses the network
                addresses = [a for a in target.addresses
                             if fixed is None or (a.version == fixed.version and a.value == fixed.value)]
                common = [a for a in addresses if any(s.version == a.version for s in source.addresses)]
                if not common:
                    return AssertionResult(
                        "refuted",
                        f"{text} is refuted: vm {source.name} has no address of the family of vm "
                        f"{target.name}'s {', '.join(str(a) for a in addresses)}",
                        counterexample={"source_vm": source.name, "destination_vm": target.name, "packet": None,
                                        "direction": "forward", "blocked": "NO_COMMON_FAMILY",
                                        "forward": [], "reply": []})
                for address in common:
                    # A VM opens connections from its first (primary) address of the family.
                    src = next(a for a in source.addresses if a.version == address.version)
                    result = self._reach_pair(assertion, source, target, src.value, address.value, address.version)
                    if result.status == "refuted":
                        return result
                    if result.status == "unknown":
                        (maybe if result.depends else limits).append(result.message)
                        depends.extend(result.depends)
                        if result.depends and example is None:
                            example = result
                    elif witness is None:
                        witness = result.witness
        return self._undecided(text, limits, maybe, depends, example) or AssertionResult(
            "proved", f"{text} is proved", witness=witness)

    def _routed_holder(self, source: Vm, address, holders: list[Vm]) -> Vm:
        """Of the VMs holding `address`, the one the source's routes lead to; where they lead to none,
        the source's own net's holder, else the first (the connection to it fails, and says where)."""
        reached = self.sim.receiver(source, address.version, address.value)
        if reached is not None and reached in holders:
            return reached
        return next((h for h in holders if h.net == source.net), holders[0])

    def _reach_pair(self, assertion: Assertion, source: Vm, target: Vm, src: int, dst: int,
                    version: int) -> AssertionResult:
        """One connection, read for certain first; where it does not work for certain, read as
        possible: it fails for certain only where it fails even there."""
        uncertain = self.possible_queries is not None and (
            self._uncertain(source, [target], version) or self._uncertain(target, [source], version))
        certain = self._decide_pair(assertion, source, target, src, dst, version, self.queries, "certain",
                                    witness_wanted=self._witness_wanted and not uncertain)
        if certain.status != "refuted" or not uncertain:
            return certain
        return self._decide_pair(assertion, source, target, src, dst, version, self.possible_queries, "possible")

    def _uncertain(self, source: Vm, targets: list[Vm], version: int) -> bool:
        """Whether a packet from `source` to one of `targets` may meet a fact the model leaves open: the
        route to an address of theirs leads to a gateway that may bring it back, or over a transitional
        peering. Where none does, the possible reading is the certain one and is not asked."""
        if not self.exact_routes:
            return True
        net = self.topo.net_of(source)
        route_map = self.atlas.route_map(net, self.topo.table_of(self.topo.subnet_of(source)), version)
        for target in targets:
            for address in (a.value for a in target.addresses if a.version == version):
                choice = route_map.choice(address)
                if not isinstance(choice, Route):
                    continue
                if self.topo.may_come_back(choice, version, address):
                    return True
                peering = self.topo.peering(choice.via.name) if choice.target == "peering" else None  # type: ignore[union-attr]
                if peering is not None and self.topo.state(peering) in TRANSITIONAL_STATES:
                    return True
        return False

    def _decide_pair(self, assertion: Assertion, source: Vm, target: Vm, src: int, dst: int, version: int,
                     readings: dict[int, Queries], reading: str, witness_wanted: bool | None = None
                     ) -> AssertionResult:
        protocol = assertion.protocol.number if assertion.protocol else None
        questions = readings[version].reach(source, target, src, dst, protocol, assertion.ports)
        pair = f"{source.name} -> {target.name} ({address_text(dst, version)})"
        # Not working for certain is refuted only once the possible reading fails too (where it can
        # differ): that reading gives the counterexample.
        if witness_wanted is None:
            witness_wanted = self._witness_wanted
        # With no port, some destination port must work (and with no protocol, some protocol);
        # `all` asks for every protocol and every port.
        some_port = assertion.ports is None and protocol != ANY_PROTOCOL and protocol not in _UNPORTED
        if questions.impossible() and not witness_wanted:
            return AssertionResult("refuted", f"{pair}: the routes allow no connection")
        if questions.impossible():
            return self._refute(assertion, source, target, version, questions.telling_failures(), some_port, reading)
        if some_port:
            # Cheap first: a port that works for some client port, then a proof that no client port
            # fails at it. The quantified query decides only what this leaves open.
            found = self._ask(questions.success())
            if found.status == "sat":
                candidate = (found.values["proto"], found.values["dport"])  # type: ignore[index]
                if self._ask(questions.violation_at(*candidate)).status == "unsat":
                    values = {"src": src, "dst": dst, "proto": candidate[0], "dport": candidate[1], "sport": 0}
                    return self._confirm(assertion, source, target, version, values, pair, reading)
            answer = self._ask(questions.some_port_for_every_client())
            if answer.status == "sat":
                return self._confirm(assertion, source, target, version, answer.values, pair, reading)  # type: ignore[arg-type]
        else:
            answer = self._ask(questions.violation())
            if answer.status == "unsat":
                success = self._ask(questions.success())
                if success.status == "sat":
                    return self._confirm(assertion, source, target, version, success.values, pair, reading)  # type: ignore[arg-type]
                return AssertionResult("unknown" if success.status == "unknown" else "proved", pair)
        if answer.status == "unknown":
            return AssertionResult("unknown", f"{pair}: {answer.reason}")
        if not witness_wanted:
            return AssertionResult("refuted", f"{pair}: no connection of the kind works")
        return self._refute(assertion, source, target, version, questions.telling_failures(), some_port, reading)

    def _confirm(self, assertion: Assertion, source: Vm, target: Vm, version: int, values: dict[str, int],
                 pair: str, reading: str) -> AssertionResult:
        """Replay a connection the solver finds working on the simulator, at both ends of the client port
        range: for certain (a proof), or possibly (an unknown that names what it rests on)."""
        protocol, dport = values["proto"], values["dport"]
        sports = EPHEMERAL_PORTS if protocol in PORTED_PROTOCOLS else (0,)
        depends: list[str] = []
        for sport in sports:
            packet = Packet(version, values["src"], values["dst"], protocol, sport, dport)
            _check_kind(assertion, packet, assertion_text(assertion))
            connection = self.sim.connection(source, packet, target)
            works = connection.ok if reading == "certain" else connection.possible
            if not works:
                raise Disagreement(f"{assertion_text(assertion)}: the solver finds {pair} working "
                                   f"({reading}), the simulator fails {packet.describe()} "
                                   f"({_connection_fate(connection)})")
            depends.extend(connection.depends)
        witness = {"source_vm": source.name, "destination_vm": target.name,
                   "source": address_text(values["src"], version), "destination": address_text(values["dst"], version),
                   "protocol": protocol_name(protocol), "destination_port": dport}
        if reading == "certain":
            return AssertionResult("proved", pair, witness=witness)
        facts = tuple(dict.fromkeys(depends))
        port = f" port {dport}" if protocol in PORTED_PROTOCOLS else ""
        return AssertionResult("unknown", f"vm {source.name} to vm {target.name} ({protocol_name(protocol)}{port}) "
                               f"works only if {' and '.join(facts)} carries it", witness=witness, depends=facts)

    def _refute(self, assertion: Assertion, source: Vm, target: Vm, version: int, failures: list[Query],
                some_port: bool, reading: str = "certain") -> AssertionResult:
        text = assertion_text(assertion)
        for query in failures:
            answer = self._ask(query)
            if answer.status == "sat":
                break
            if answer.status == "unknown":
                return AssertionResult("unknown", f"{source.name} -> {target.name}: {answer.reason}")
        else:
            raise Disagreement(f"{text}: refuted, yet the solver finds no failing connection")
        packet = _packet(version, answer.values)  # type: ignore[arg-type]
        _check_kind(assertion, packet, text)
        connection = self.sim.connection(source, packet, target)
        if connection.ok or (reading == "possible" and connection.possible):
            raise Disagreement(f"{text}: the solver finds {packet.describe()} failing ({reading}), the simulator "
                               f"{'completes' if connection.ok else 'may complete'} it")
        direction = connection.failed_direction
        trace = connection.reply if direction == "reply" else connection.forward
        blocked = trace.blocked if trace else None
        what = f"no destination port works, e.g. {packet.describe()}" if some_port else packet.describe()
        where = f"dies on the {direction}: {blocked.description}" if blocked else f"fails on the {direction}"
        return AssertionResult(
            "refuted",
            f"{text} is refuted: vm {source.name} to vm {target.name}, {what} {where}",
            counterexample={
                "source_vm": source.name, "destination_vm": target.name, "packet": packet.as_json(),
                "direction": direction, "blocked": blocked.code if blocked else None,
                "forward": hops_json(connection.forward.hops),
                "reply": hops_json(connection.reply.hops) if connection.reply else [],
            },
        )

    # --- routes ----------------------------------------------------------------------------
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
        specific = [r for r in table.routes if r.destination.version == version
                    and r.destination.prefixlen > route.destination.prefixlen
                    and r.destination.overlaps(route.destination)]
        # Cross-check the proof with independent address arithmetic.
        covered = netaddr.IPSet([b.network for b in local] + [r.destination.network for r in specific])
        if route.destination.network not in covered:
            raise Disagreement(f"route {route.destination} in {table.name}: proved never selected, but the "
                               "address arithmetic finds it selected")
        return [b for b in local if b.overlaps(route.destination)] + specific

    def _analyse_route_atoms(self, net: Net, table: RouteTable, route: Route) -> RouteFacts:
        facts = RouteFacts()
        version = route.destination.version
        atoms = list(self.atlas.route_map(net, table, version).within(route.destination.first,
                                                                      route.destination.last))
        selected = [a for a in atoms if a.choice is route]
        if not selected:
            facts.never_selected = True
            facts.covering = self._covering(net, table, route)
            return facts
        if self.sim.select_route(net, table, version, selected[0].low) is not route:
            raise Disagreement(f"route {route.destination} in {table.name}: the atoms select it for "
                               f"{address_text(selected[0].low, version)}, the simulator does not")
        if route.target != "peering":
            return facts
        local = next((a for a in atoms if a.choice == LOCAL), None)
        if local is not None:
            if not isinstance(self.sim.select_route(net, table, version, local.low), Block):
                raise Disagreement(f"route {route.destination}: the local route taking "
                                   f"{address_text(local.low, version)} is not reproduced")
            facts.local_override = local.low
        peering = self.topo.peering(route.via.name)  # type: ignore[union-attr]
        peer = self.topo.other_net(peering, net) if peering else None
        if peer is not None:
            found = next((x for a in selected if (x := outside(a.low, a.high, peer.blocks, version)) is not None),
                         None)
            if found is not None:
                if self.sim.select_route(net, table, version, found) is not route or any(
                        b.contains(found, version) for b in peer.blocks):
                    raise Disagreement(f"route {route.destination}: {address_text(found, version)} outside net "
                                       f"{peer.name} is not reproduced")
                facts.outside_peer = found
        return facts

    def _analyse_route_solver(self, net: Net, table: RouteTable, route: Route) -> RouteFacts:
        facts = RouteFacts()
        version = route.destination.version
        questions = self.queries[version]
        answer = self._ask(questions.route_selectable(net, table, route))
        if answer.status == "unknown":
            facts.undecided.append(Undecided(f"whether route {route.destination} is ever selected",
                                             answer.reason or ""))
            return facts
        if answer.status == "unsat":
            facts.never_selected = True
            facts.covering = self._covering(net, table, route)
            return facts
        chosen = answer.values["dst"]  # type: ignore[index]
        if self.sim.select_route(net, table, version, chosen) is not route:
            raise Disagreement(f"route {route.destination} in {table.name}: the solver selects it for "
                               f"{address_text(chosen, version)}, the simulator does not")
        if route.target != "peering":
            return facts
        facts.local_override = self._witness(
            questions.route_overridden(net, table, route), facts, f"whether local routes override {route.destination}",
            lambda address: isinstance(self.sim.select_route(net, table, version, address), Block))
        peering = self.topo.peering(route.via.name)  # type: ignore[union-attr]
        peer = self.topo.other_net(peering, net) if peering else None
        if peer is not None:
            facts.outside_peer = self._witness(
                questions.route_outside_peer(net, table, route, peer), facts,
                f"whether {route.destination} reaches outside net {peer.name}",
                lambda address: self.sim.select_route(net, table, version, address) is route
                and not any(b.contains(address, version) for b in peer.blocks))
        return facts

    def _witness(self, query: Query, facts: RouteFacts, what: str, reproduces) -> int | None:
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
                first.setdefault((other.destination.version, other.destination.first, other.destination.prefixlen),
                                 other)
            self._first_routes[table.name] = first
        earlier = self._first_routes[table.name][
            (route.destination.version, route.destination.first, route.destination.prefixlen)]
        return None if earlier is route else earlier

    def missing_way_back(self, net: Net, table: RouteTable, route: Route
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
        selected = [a for a in self.atlas.route_map(net, table, version).within(
            route.destination.first, route.destination.last) if a.choice is route]
        for subnet in self.topo.subnets_using(table):
            home_blocks = [b for b in subnet.blocks if b.version == version]
            if not home_blocks:
                continue
            for peer_subnet in peer.subnets:
                reaches = any(inside(max(a.low, b.first), min(a.high, b.last), peer.blocks, version) is not None
                              for a in selected for b in peer_subnet.blocks
                              if b.version == version and b.first <= a.high and b.last >= a.low)
                if not reaches:
                    continue
                peer_table = self.topo.table_of(peer_subnet)
                back_map = self.atlas.route_map(peer, peer_table, version)
                for block in home_blocks:
                    for atom in back_map.within(block.first, block.last):
                        if self._atom_carries(peer, atom.choice) is net:
                            continue
                        address = atom.low
                        if self._carries_to(peer, self.sim.select_route(peer, peer_table, version, address)) is net:
                            raise Disagreement(f"the route back from {peer_subnet.name} to "
                                               f"{address_text(address, version)}: missing for the atoms, present "
                                               "for the simulator")
                        return MissingWayBack(subnet, peer_subnet, peer_table, address)
        return None

    def _atom_carries(self, net: Net, choice) -> Net | None:
        if choice == LOCAL:
            return net
        return self._carries_to(net, choice)

    def _missing_way_back_solver(self, net: Net, table: RouteTable, route: Route, peer: Net
                                 ) -> tuple[MissingWayBack | None, list[Undecided]]:
        version = route.destination.version
        questions = self.queries[version]
        undecided: list[Undecided] = []
        for subnet in self.topo.subnets_using(table):
            if not any(b.version == version for b in subnet.blocks):
                continue
            for peer_subnet in peer.subnets:
                if self._ask(questions.route_reaches(net, table, route, peer, peer_subnet)).status != "sat":
                    continue
                peer_table = self.topo.table_of(peer_subnet)
                answer = self._ask(questions.no_way_back(peer, peer_table, net, subnet))
                if answer.status == "unknown":
                    undecided.append(Undecided(f"whether {peer_subnet.name} routes back to {subnet.name}",
                                               answer.reason or ""))
                    continue
                if answer.status == "sat":
                    address = answer.values["back"]  # type: ignore[index]
                    if self._carries_to(peer, self.sim.select_route(peer, peer_table, version, address)) is net:
                        raise Disagreement(f"the route back from {peer_subnet.name} to "
                                           f"{address_text(address, version)}: missing for the solver, present "
                                           "for the simulator")
                    return MissingWayBack(subnet, peer_subnet, peer_table, address), undecided
        return None, undecided

    def _carries_to(self, net: Net, choice: Route | Block | None) -> Net | None:
        """Where a concrete route choice carries traffic from `net` (simulator's reading)."""
        if choice is None:
            return None
        if isinstance(choice, Block):
            return net
        if choice.target != "peering":
            return None
        peering = self.topo.peering(choice.via.name)  # type: ignore[union-attr]
        if peering is None or self.topo.state(peering) != "active":
            return None
        return self.topo.other_net(peering, net)

    # --- filters ---------------------------------------------------------------------------
    def shadowed_group_rule(self, group: SecurityGroup, rule: GroupRule
                            ) -> tuple[list[GroupRule] | None, list[Undecided]]:
        """The rules of better priority that decide every packet `rule` matches, or None."""
        better = [q for q in group.rules if q is not rule and q.direction == rule.direction and (
            q.effective_priority < rule.effective_priority
            or (q.effective_priority == rule.effective_priority and q.action == "deny" and rule.action == "allow"))]
        if not better:
            return None, []
        matches_something = False
        for version in (4, 6):
            questions = self.queries[version]
            free = self._ask(questions.group_rule_matches(rule, better, excluded=True))
            if free.status == "unknown":
                return None, [Undecided("whether a security group rule is shadowed", free.reason or "")]
            if free.status == "sat":
                return None, []
            if self._ask(questions.group_rule_matches(rule, [], excluded=True)).status == "sat":
                matches_something = True
        if not matches_something:
            return None, []  # it matches no packet at all: not a question of shadowing
        shadowing = [q for q in better if any(
            self._ask(self.queries[v].group_rule_matches(rule, [q], excluded=False)).status == "sat" for v in (4, 6))]
        return shadowing, []

    def shadowed_acl_entry(self, acl: NetworkAcl, entry: AclRule) -> tuple[list[AclRule] | None, list[Undecided]]:
        """The earlier entries that decide every packet `entry` matches, or None."""
        order = acl.ordered(entry.direction)
        earlier = order[: order.index(entry)]
        if not earlier:
            return None, []
        if self.exact_routes:
            if not acl_entry_shadowed(entry, earlier):
                return None, []
            return [e for e in earlier if acl_entry_shadowed(entry, [e]) is not None
                    and _overlap(entry, e)], []
        questions = self.queries[entry.block.version]
        free = self._ask(questions.acl_entry_matches(entry, earlier, excluded=True))
        if free.status == "unknown":
            return None, [Undecided("whether a network ACL entry is shadowed", free.reason or "")]
        if free.status == "sat" or self._ask(questions.acl_entry_matches(entry, [], excluded=True)).status != "sat":
            return None, []
        shadowing = [e for e in earlier
                     if self._ask(questions.acl_entry_matches(entry, [e], excluded=False)).status == "sat"]
        return shadowing, []


_WORK: tuple | None = None  # what forked workers inherit: (model, now, limits, exact_routes, assertions)


_WORKER_ENGINE: Engine | None = None  # one per worker process, kept between its chunks


def _prove_share(chunk: tuple[int, int]) -> list[tuple[int, AssertionResult | Disagreement]]:
    global _WORKER_ENGINE
    model, now, limits, exact, assertions = _WORK  # type: ignore[misc]
    if _WORKER_ENGINE is None:
        _WORKER_ENGINE = Engine(model, now, limits, exact)
    engine = _WORKER_ENGINE
    out: list[tuple[int, AssertionResult | Disagreement]] = []
    for index in range(*chunk):
        try:
            out.append((index, engine.check_assertion(assertions[index])))
        except Disagreement as exc:
            out.append((index, Disagreement(str(exc))))
    return out


def _overlap(entry: AclRule, other: AclRule) -> bool:
    """Whether two ACL entries match a packet in common (names the entries that shadow)."""
    from verifier.engine.atoms import entry_box

    (a1, a2), protos_a, (p1, p2) = entry_box(entry)
    (b1, b2), protos_b, (q1, q2) = entry_box(other)
    if entry.block.version != other.block.version or a2 < b1 or b2 < a1:
        return False
    common = [(max(x1, y1), min(x2, y2)) for x1, x2 in protos_a for y1, y2 in protos_b if max(x1, y1) <= min(x2, y2)]
    ported = any(lo <= p <= hi for lo, hi in common for p in (6, 17))
    unported = any(not (lo == hi and lo in (6, 17)) for lo, hi in common)
    return (ported and max(p1, q1) <= min(p2, q2)) or (unported and p1 == 0 and q1 == 0)


def _check_kind(assertion: Assertion, packet: Packet, text: str) -> None:
    """A witness is believed only if it is a packet of the kind asserted: its protocol and ports."""
    protocol = assertion.protocol.number if assertion.protocol else None
    wrong = ((protocol not in (None, ANY_PROTOCOL) and packet.protocol != protocol)
             or (assertion.ports is not None and not assertion.ports.low <= packet.dport <= assertion.ports.high)
             or (packet.protocol in PORTED_PROTOCOLS and assertion.kind == "reach"
                 and not EPHEMERAL_PORTS[0] <= packet.sport <= EPHEMERAL_PORTS[1] and packet.sport != 0))
    if wrong:
        raise Disagreement(f"{text}: the solver's witness {packet.describe()} is not a packet of the kind asserted")


def _packet(version: int, values: dict[str, int]) -> Packet:
    return Packet(version, values["src"], values["dst"], values["proto"], values["sport"], values["dport"])


def _fate(trace: Trace) -> str:
    if trace.delivered_to is not None:
        return f"delivers it to vm {trace.delivered_to.name}"
    blocked = trace.blocked
    return f"drops it ({blocked.description})" if blocked else "does not deliver it"


def _connection_fate(connection: Connection) -> str:
    trace = connection.reply if connection.failed_direction == "reply" else connection.forward
    return _fate(trace) if trace else "fails"

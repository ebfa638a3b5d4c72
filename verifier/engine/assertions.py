"""Deciding `assert reach` and `assert isolate`: proved, refuted (with a counterexample the simulator
reproduces) or unknown (naming what the model leaves open, or the solver's limit).

A verdict is read twice where the model leaves a fact open: a connection that works for certain is
proved, one that fails even where it possibly works is refuted, anything between is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.engine.atoms import RouteMap
from verifier.engine.encode import Queries, Query
from verifier.engine.part import Part
from verifier.engine.results import AssertionResult, Connection, Delivery, Disagreement, connection_of
from verifier.engine.simulate import Packet, RoundTrip, Stop, Trace, vm_text
from verifier.engine.solve import SolverAnswer
from verifier.language.model import (
    ANY_PROTOCOL,
    EPHEMERAL_PORTS,
    ICMP_PROTOCOLS,
    PORTED_PROTOCOLS,
    TRANSITIONAL_STATES,
    Address,
    Assertion,
    Gap,
    Model,
    Route,
    Vm,
    address_text,
    any_protocol,
    protocol_name,
)
from verifier.language.printer import assertion_text

if TYPE_CHECKING:
    from verifier.engine.verify import Engine

# Protocols without ports: an assertion on one of them has no destination port to choose.
_UNPORTED = frozenset(range(256)) - set(PORTED_PROTOCOLS)


class Assertions(Part):
    def __init__(self, engine: "Engine"):
        super().__init__(engine)
        self._uncertain_routes: dict[tuple[int, int], bool] = {}  # by `_uncertain_route`

    def check(self, assertion: Assertion, witness: bool = True) -> AssertionResult:
        """Prove or refute an assertion, or say what it depends on. Without `witness` (the matrix), a
        refuted `reach` carries no counterexample, which saves the search for a telling one.

        A verdict never depends on what was asked before it, nor on `--jobs`: the solver kept from
        one assertion to the next holds nothing asserted (`Solver.session`), and the caches are of
        pure functions of the model.
        """
        # `isolate` holds for every interface of a VM; `reach` speaks of VMs, from the interface each
        # would send from, to their primary interfaces (docs/language.md, "Several interfaces").
        every = assertion.kind == "isolate"
        sources = self.topo.endpoint_vms(assertion.source, every_interface=every)
        targets = self.topo.endpoint_vms(assertion.destination, every_interface=every)
        with self.engine.solver.session():  # one incremental solver for this assertion's questions
            result = self._decide(assertion, sources, targets, witness)
        if not self.model.gaps:
            return result
        nets = {vm.net for vm in sources + targets} | self._endpoint_nets(assertion)
        return _with_gaps(self.model, assertion, result, self.model.gaps_of(nets))

    def _endpoint_nets(self, assertion: Assertion) -> set[str]:
        """The nets an assertion's endpoints name (a VM that the import left out would be there)."""
        nets = set()
        for endpoint in (assertion.source, assertion.destination):
            declared = self.model.lookup(endpoint.name)
            if declared is not None:
                nets.add(declared.name if declared.kind == "net" else getattr(declared, "net", ""))
        return nets - {""}

    def _decide(self, assertion: Assertion, sources: list[Vm], targets: list[Vm], witness: bool) -> AssertionResult:
        if sources and not targets and assertion.kind == "reach" and assertion.destination.address is not None:
            return self._unheld(assertion, sources[0], assertion.destination.address)
        if not sources or not targets:
            side = assertion.source if not sources else assertion.destination
            return AssertionResult(
                "vacuous", f"{assertion_text(assertion)} speaks of no connection: '{side}' holds no vm"
            )
        if assertion.kind == "isolate":
            return self._isolate(assertion, sources, targets)
        return self._reach(assertion, sources, targets, with_counterexample=witness)

    def _unheld(self, assertion: Assertion, source: Vm, address: Address) -> AssertionResult:
        """`reach` to an address no VM holds: never reached (LANGUAGE.md: an address is reached only if a
        VM holds it); the counterexample walks a packet of the kind there."""
        asked = assertion.protocol.number if assertion.protocol else None
        protocol = 6 if asked is None or any_protocol(asked) else asked
        ported = protocol in PORTED_PROTOCOLS
        dport = assertion.ports.low if assertion.ports else (443 if ported else 0)
        sport = EPHEMERAL_PORTS[0] if ported else 0
        if protocol in ICMP_PROTOCOLS:  # the type and code asked, else an echo request
            icmp = assertion.icmp
            dport = icmp.type if icmp else (8 if protocol == 1 else 128)
            sport = icmp.code if icmp and icmp.code is not None else 0
        src = next((a.value for a in source.addresses if a.version == address.version), 0)
        packet = Packet(address.version, src, address.value, protocol, sport, dport)
        trace = self.sim.forward(source, packet)
        text = assertion_text(assertion)
        return AssertionResult(
            "refuted",
            f"{text} is refuted: no vm holds {address}",
            counterexample=Connection(
                source.name, str(address), packet, tuple(trace.hops), (), "forward", Stop.NO_DESTINATION
            ),
        )

    def _isolate(self, assertion: Assertion, sources: list[Vm], targets: list[Vm]) -> AssertionResult:
        text = assertion_text(assertion)
        limits: list[str] = []
        maybe: list[str] = []
        depends: list[str] = []
        example: AssertionResult | None = None
        fixed = assertion.destination.address
        protocol = assertion.protocol.number if assertion.protocol else None
        for source in sources:
            # A VM's packets to itself (to another of its interfaces) never cross the network.
            others = [t for t in targets if self.topo.instance_of(t) != self.topo.instance_of(source)]
            names = {t.name for t in others}
            for version in sorted({a.version for a in source.addresses}):
                if fixed is not None and fixed.version != version:
                    continue
                readings = [(self.queries, "deliver")]
                if self.possible_queries is not None and self._uncertain(source, others, version):
                    readings.append((self.possible_queries, "maybe"))
                for queries, outcome in readings:
                    query = queries[version].isolate(
                        source, others, protocol, assertion.ports, fixed.value if fixed else None, assertion.icmp
                    )
                    if query is None:
                        continue
                    answer = self._ask(query)
                    if answer.status == "unknown":
                        limits.append(f"from {source.name} over IPv{version}: {answer.reason}")
                        break
                    if answer.status == "unsat":
                        continue
                    packet = _packet(version, answer.values)  # type: ignore[arg-type]
                    _check_kind(assertion, packet)
                    target = next(
                        (t for t in others if any(a.version == version and a.value == packet.dst for a in t.addresses)),
                        None,
                    )
                    trace = self.sim.forward(source, packet, target)
                    if trace.outcome != outcome or trace.reached is None or trace.reached.name not in names:
                        raise Disagreement(
                            f"{text}: the solver finds {packet.describe()} "
                            f"{'delivered' if outcome == 'deliver' else 'possibly delivered'}, "
                            f"the simulator {_fate(trace)}"
                        )
                    counterexample = Delivery(source.name, trace.reached.name, packet, tuple(trace.hops))
                    if outcome == "deliver":
                        return AssertionResult(
                            "refuted",
                            f"{text} is refuted: {packet.describe()} from {vm_text(source)} is delivered "
                            f"to {vm_text(trace.reached)}",
                            counterexample=counterexample,
                        )
                    facts = " and ".join(trace.depends)
                    if example is None:
                        example = AssertionResult("unknown", "", counterexample=counterexample)
                    depends.extend(trace.depends)
                    maybe.append(
                        f"{packet.describe()} from {vm_text(source)} may reach {vm_text(trace.reached)}: "
                        f"it depends on {facts}"
                    )
                    break
        return self._undecided(text, limits, maybe, depends, example) or AssertionResult("proved", f"{text} is proved")

    @staticmethod
    def _undecided(
        text: str, limits: list[str], maybe: list[str], depends: list[str], example: AssertionResult | None = None
    ) -> AssertionResult | None:
        """The unknown verdict, when anything was left open: by the model first, then by the solver.
        `example`: the first connection or packet that rests on the model, shown with the verdict."""
        if maybe:
            facts = ", ".join(dict.fromkeys(depends))
            return AssertionResult(
                "unknown",
                f"{text} is unknown: it depends on {facts}, which the model does not pin down ({'; '.join(maybe)})",
                depends=tuple(dict.fromkeys(depends)),
                counterexample=example.counterexample if example else None,
                witness=example.witness if example else None,
            )
        if limits:
            return AssertionResult(
                "unknown", f"{text} could not be decided within the solver limits ({'; '.join(limits)})"
            )
        return None

    def _reach(
        self, assertion: Assertion, sources: list[Vm], targets: list[Vm], with_counterexample: bool
    ) -> AssertionResult:
        text = assertion_text(assertion)
        limits: list[str] = []
        maybe: list[str] = []
        depends: list[str] = []
        witness: Connection | None = None
        example: AssertionResult | None = None
        fixed = assertion.destination.address
        for source in sources:
            # An address is reached in the net the source's routes lead to (another net may reuse it).
            mine = [self._routed_holder(source, fixed, targets)] if fixed is not None else targets
            for target in mine:
                if self.topo.instance_of(target) == self.topo.instance_of(source):
                    continue  # a VM to itself never crosses the network
                addresses = [
                    a
                    for a in target.addresses
                    if fixed is None or (a.version == fixed.version and a.value == fixed.value)
                ]
                common = [a for a in addresses if any(s.version == a.version for s in source.addresses)]
                if not common:
                    return AssertionResult(
                        "refuted",
                        f"{text} is refuted: {vm_text(source)} has no address of the family of vm "
                        f"{target.name}'s {', '.join(str(a) for a in addresses)}",
                        counterexample=Connection(
                            source.name, target.name, None, direction="forward", blocked=Stop.NO_COMMON_FAMILY
                        ),
                    )
                for address in common:
                    # A VM opens connections from the interface it sends from (the one in the
                    # destination's subnet, else its primary), from that interface's first address.
                    sender = self.topo.egress(source, address.version, address.value)
                    src = next((a for a in sender.addresses if a.version == address.version), None)
                    if src is None:
                        sender = source
                        src = next(a for a in source.addresses if a.version == address.version)
                    result = self._reach_pair(
                        assertion, sender, target, src.value, address.value, address.version, with_counterexample
                    )
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
            "proved", f"{text} is proved", witness=witness
        )

    def _routed_holder(self, source: Vm, address: Address, holders: list[Vm]) -> Vm:
        """Of the VMs holding `address`, the one the source's routes lead to; where they lead to none,
        the source's own net's holder, else the first (the connection to it fails, and says where)."""
        reached = self.sim.receiver(
            self.topo.egress(source, address.version, address.value), address.version, address.value
        )
        if reached is not None and reached in holders:
            return reached
        return next((h for h in holders if h.net == source.net), holders[0])

    def _reach_pair(
        self, assertion: Assertion, source: Vm, target: Vm, src: int, dst: int, version: int, with_counterexample: bool
    ) -> AssertionResult:
        """One connection, read for certain first; where it does not work for certain, read as
        possible: it fails for certain only where it fails even there."""
        uncertain = self.possible_queries is not None and (
            self._uncertain(source, [target], version) or self._uncertain(target, [source], version)
        )
        certain = self._decide_pair(
            assertion,
            source,
            target,
            src,
            dst,
            version,
            self.queries,
            "certain",
            witness_wanted=with_counterexample and not uncertain,
        )
        if certain.status != "refuted" or not uncertain or self.possible_queries is None:
            return certain
        return self._decide_pair(
            assertion,
            source,
            target,
            src,
            dst,
            version,
            self.possible_queries,
            "possible",
            witness_wanted=with_counterexample,
        )

    def _uncertain(self, source: Vm, targets: list[Vm], version: int) -> bool:
        """Whether a packet from `source` to one of `targets` may meet a fact the model leaves open: the
        route to an address of theirs leads to a gateway that may bring it back, or over a transitional
        peering. Where none does, the possible reading is the certain one and is not asked."""
        if not self.exact_routes:
            return True
        net = self.topo.net_of(source)
        route_map = self.atlas.route_map(net, self.topo.table_of(self.topo.subnet_of(source)), version)
        for target in targets:
            for address in target.addresses:
                if address.version == version and self._uncertain_route(route_map, version, address.value):
                    return True
        return False

    def _uncertain_route(self, route_map: RouteMap, version: int, address: int) -> bool:
        """Whether the route `route_map` takes to `address` may bring a packet back or crosses a transitional
        peering; kept per table and address (a fact of the model: many sources share a table)."""
        key = (id(route_map), address)
        known = self._uncertain_routes.get(key)
        if known is not None:
            return known
        choice = route_map.choice(address)
        uncertain = False
        if isinstance(choice, Route):
            peering = self.topo.peering(choice.via.name) if choice.target == "peering" else None  # type: ignore[union-attr]
            uncertain = self.topo.may_come_back(choice, version, address) or (
                peering is not None and self.topo.state(peering) in TRANSITIONAL_STATES
            )
        self._uncertain_routes[key] = uncertain
        return uncertain

    def _decide_pair(
        self,
        assertion: Assertion,
        source: Vm,
        target: Vm,
        src: int,
        dst: int,
        version: int,
        readings: dict[int, Queries],
        reading: str,
        witness_wanted: bool,
    ) -> AssertionResult:
        protocol = assertion.protocol.number if assertion.protocol else None
        questions = readings[version].reach(source, target, src, dst, protocol, assertion.ports, assertion.icmp)
        pair = f"{source.name} -> {target.name} ({address_text(dst, version)})"
        # Not working for certain is refuted only once the possible reading fails too (where it can
        # differ): that reading gives the counterexample.
        # With no port, some destination port must work (and with no protocol, some protocol);
        # `all` asks for every protocol and every port. ICMP: with no type, or a type and no code,
        # some type (code) must work.
        some_port = assertion.ports is None and protocol != ANY_PROTOCOL and protocol not in _UNPORTED
        if protocol in ICMP_PROTOCOLS and (assertion.icmp is None or assertion.icmp.code is None):
            some_port = True
        if questions.impossible() and not witness_wanted:
            return AssertionResult("refuted", f"{pair}: the routes allow no connection")
        if questions.impossible():
            return self._refute(assertion, source, target, version, questions.telling_failures(), some_port, reading)
        if some_port:
            # Cheap first: a port that works for some client port, then a proof that no client port
            # fails at it. The quantified query decides only what this leaves open.
            # The candidate's values are shown only through `_confirm`, with a witness wanted.
            found = self._ask(questions.success()) if witness_wanted else self._decided(questions.success())
            if found.status == "sat":
                values = found.values
                assert values is not None, "a satisfiable answer has values"
                candidate = (values["proto"], values["dport"], values["sport"])
                if self._decided(questions.violation_at(*candidate)).status == "unsat":
                    values = {
                        "src": src,
                        "dst": dst,
                        "proto": candidate[0],
                        "dport": candidate[1],
                        "sport": candidate[2],
                    }
                    return self._confirm(assertion, source, target, version, values, pair, reading)
            answer = self._ask(questions.some_port_for_every_client())
            if answer.status == "sat":
                return self._confirm(assertion, source, target, version, answer.values, pair, reading)  # type: ignore[arg-type]
        else:
            answer = self._decided(questions.violation())
            if answer.status == "unsat":
                # Every connection works: the witness shown is the one the natural question pins down, if
                # it holds (then no need to ask), else the solver's.
                pinned = questions.pinned_success() if witness_wanted else None
                if pinned is not None:
                    success = SolverAnswer("sat", pinned)
                else:
                    success = self._ask(questions.success()) if witness_wanted else self._decided(questions.success())
                if success.status == "sat":
                    return self._confirm(assertion, source, target, version, success.values, pair, reading)  # type: ignore[arg-type]
                return AssertionResult("unknown" if success.status == "unknown" else "proved", pair)
        if answer.status == "unknown":
            return AssertionResult("unknown", f"{pair}: {answer.reason}")
        if not witness_wanted:
            return AssertionResult("refuted", f"{pair}: no connection of the kind works")
        return self._refute(assertion, source, target, version, questions.telling_failures(), some_port, reading)

    def _confirm(
        self,
        assertion: Assertion,
        source: Vm,
        target: Vm,
        version: int,
        values: dict[str, int],
        pair: str,
        reading: str,
    ) -> AssertionResult:
        """Replay a connection the solver finds working on the simulator, at both ends of the client port
        range: for certain (a proof), or possibly (an unknown that names what it rests on)."""
        protocol, dport = values["proto"], values["dport"]
        # A protocol without ports has no client port: its source port (an ICMP code) is the solver's.
        sports = EPHEMERAL_PORTS if protocol in PORTED_PROTOCOLS else (values["sport"],)
        depends: list[str] = []
        for sport in sports:
            packet = Packet(version, values["src"], values["dst"], protocol, sport, dport)
            _check_kind(assertion, packet)
            connection = self.sim.connection(source, packet, target)
            works = connection.ok if reading == "certain" else connection.possible
            if not works:
                raise Disagreement(
                    f"{assertion_text(assertion)}: the solver finds {pair} working "
                    f"({reading}), the simulator fails {packet.describe()} "
                    f"({_connection_fate(connection)})"
                )
            depends.extend(connection.depends)
        witness = Connection(
            source.name, target.name, Packet(version, values["src"], values["dst"], protocol, sports[0], dport)
        )
        if reading == "certain":
            return AssertionResult("proved", pair, witness=witness)
        facts = tuple(dict.fromkeys(depends))
        port = f" port {dport}" if protocol in PORTED_PROTOCOLS else ""
        if protocol in ICMP_PROTOCOLS:
            port = f" type {dport} code {sports[0]}"
        return AssertionResult(
            "unknown",
            f"{vm_text(source)} to {vm_text(target)} ({protocol_name(protocol)}{port}) "
            f"works only if {' and '.join(facts)} carries it",
            witness=witness,
            depends=facts,
        )

    def _refute(
        self,
        assertion: Assertion,
        source: Vm,
        target: Vm,
        version: int,
        failures: list[Query],
        some_port: bool,
        reading: str = "certain",
    ) -> AssertionResult:
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
        _check_kind(assertion, packet)
        connection = self.sim.connection(source, packet, target)
        if connection.ok or (reading == "possible" and connection.possible):
            raise Disagreement(
                f"{text}: the solver finds {packet.describe()} failing ({reading}), the simulator "
                f"{'completes' if connection.ok else 'may complete'} it"
            )
        failed = connection_of(connection, target.name)
        trace = connection.reply if failed.direction == "reply" else connection.forward
        blocked = trace.blocked if trace else None
        direction = failed.direction
        what = f"no {_open_part(assertion, packet)} works, e.g. {packet.describe()}" if some_port else packet.describe()
        where = f"dies on the {direction}: {blocked.description}" if blocked else f"fails on the {direction}"
        return AssertionResult(
            "refuted",
            f"{text} is refuted: {vm_text(source)} to {vm_text(target)}, {what} {where}",
            counterexample=failed,
        )


def _with_gaps(model: Model, assertion: Assertion, result: AssertionResult, gaps: list[Gap]) -> AssertionResult:
    """The verdict given what the import left out (`Gap`): one the missing part could overturn is
    unknown, naming it. A part that could only allow more traffic cannot overturn a refuted isolation
    nor a proved reach; a VM left out matters where an endpoint is not a VM named, to a verdict it
    could add a pair to (a proof, or speaking of no VM) or an address holder to (a refuted `reach`
    to an address); any other can overturn every verdict. The counterexample or witness found on the
    rest of the estate is kept as an example."""
    if result.status not in ("proved", "refuted", "vacuous"):
        return result
    widens = (assertion.kind == "isolate") == (result.status == "proved")  # more traffic could overturn it
    named_vms = all(isinstance(model.lookup(e.name), Vm) for e in (assertion.source, assertion.destination))
    # A VM more is one more pair that a proof, or speaking of no VM, must cover, or the holder of an
    # address that a `reach` found held by no VM; it cannot undo a failing pair or a delivered packet.
    more_vms = not named_vms and (
        result.status in ("proved", "vacuous")
        or (assertion.kind == "reach" and assertion.destination.address is not None)
    )
    if result.status == "vacuous":  # only a VM left out could give it a connection to speak of
        relevant = [gap for gap in gaps if gap.effect == "vm" and more_vms]
    else:
        relevant = [
            gap
            for gap in gaps
            if gap.effect == "any" or (gap.effect == "vm" and more_vms) or (gap.effect == "allows" and widens)
        ]
    if not relevant:
        return result
    facts = tuple(dict.fromkeys(gap.what for gap in relevant))  # an import's names the resource
    found = {"proved": "is proved", "refuted": "is refuted", "vacuous": "speaks of no connection"}[result.status]
    return AssertionResult(
        "unknown",
        f"{assertion_text(assertion)} is unknown: it {found} on what was imported, but the import left out what "
        f"it may rest on: {'; '.join(facts)}",
        counterexample=result.counterexample,
        witness=result.witness,
        depends=facts,
        gaps=facts,
    )


def _check_kind(assertion: Assertion, packet: Packet) -> None:
    """A witness is believed only if it is a packet of the kind asserted: its protocol and ports."""
    protocol = assertion.protocol.number if assertion.protocol else None
    icmp = assertion.icmp
    wrong = (
        (not any_protocol(protocol) and packet.protocol != protocol)
        or (assertion.ports is not None and not assertion.ports.low <= packet.dport <= assertion.ports.high)
        or (icmp is not None and (packet.dport != icmp.type or icmp.code not in (None, packet.sport)))
        or (packet.protocol in ICMP_PROTOCOLS and not (packet.dport <= 255 and packet.sport <= 255))
        or (
            packet.protocol in PORTED_PROTOCOLS
            and assertion.kind == "reach"
            and not EPHEMERAL_PORTS[0] <= packet.sport <= EPHEMERAL_PORTS[1]
            and packet.sport != 0
        )
    )
    if wrong:
        witness = packet.describe()
        raise Disagreement(
            f"{assertion_text(assertion)}: the solver's witness {witness} is not a packet of the kind asserted"
        )


def _open_part(assertion: Assertion, packet: Packet) -> str:
    """What an assertion leaves open, of which none works: a destination port, an ICMP type or code."""
    if packet.protocol in ICMP_PROTOCOLS and assertion.protocol is not None:
        return "ICMP type" if assertion.icmp is None else "ICMP code"
    return "destination port"


def _packet(version: int, values: dict[str, int]) -> Packet:
    return Packet(version, values["src"], values["dst"], values["proto"], values["sport"], values["dport"])


def _fate(trace: Trace) -> str:
    if trace.delivered_to is not None:
        return f"delivers it to {vm_text(trace.delivered_to)}"
    blocked = trace.blocked
    return f"drops it ({blocked.description})" if blocked else "does not deliver it"


def _connection_fate(connection: RoundTrip) -> str:
    trace = connection.reply if connection.failed_direction == "reply" else connection.forward
    return _fate(trace) if trace else "fails"

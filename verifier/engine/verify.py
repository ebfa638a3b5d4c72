"""The verification engine: asks the solver, replays every answer on the simulator.

Rules reach the engine through `Context.engine`. The engine takes its
questions from `encode.Queries`, decides them with `solve.Solver`, and checks
each witness concretely with `simulate.Simulator` before anything is reported.
A solver answer that the simulator contradicts raises `Disagreement`: a bug in
peerproof, reported as an internal error (exit 3), never hidden and never
reported as a finding. An `unknown` answer is never read as a proof.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Hashable

from verifier.engine.assertions import Assertions
from verifier.engine.atoms import Atlas
from verifier.engine.encode import Encoder, Queries
from verifier.engine.filters import Filters
from verifier.engine.limits import Limits
from verifier.engine.results import AssertionResult, Disagreement, Undecided
from verifier.engine.routes import MissingWayBack, RouteFacts, Routes
from verifier.engine.simulate import Simulator
from verifier.engine.solve import Solver
from verifier.engine.terms import make_context_early
from verifier.engine.topology import Topology
from verifier.language.model import (
    AclRule,
    Assertion,
    GroupRule,
    Model,
    Net,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
)
from verifier.language.printer import assertion_text

if TYPE_CHECKING:
    from verifier.engine.parallel import ProofPool

__all__ = [
    "assertion_meaning",
    "Engine",
    "AssertionResult",
    "Disagreement",
    "Undecided",
    "RouteFacts",
    "MissingWayBack",
]


def assertion_meaning(assertion: Assertion) -> Hashable:
    """What an assertion says, without where it is written: two assertions with the same meaning get the
    same verdict, message and witness (its text is part of it: the messages quote it)."""
    ends = tuple(
        (e.name.name if e.name else None, (e.address.version, e.address.value) if e.address else None)
        for e in (assertion.source, assertion.destination)
    )
    protocol = assertion.protocol.number if assertion.protocol else None
    ports = (assertion.ports.low, assertion.ports.high) if assertion.ports else None
    icmp = (assertion.icmp.type, assertion.icmp.code) if assertion.icmp else None
    return (assertion.kind, ends, protocol, ports, icmp, assertion_text(assertion))


class Engine:
    """The one door to the engine: a model's facts, the simulator and the solver, and the questions the
    rules ask — assertions, routes, filters — each answered by its part."""

    def __init__(self, model: Model, now: datetime, limits: Limits | None = None, exact_routes: bool = True):
        """`exact_routes`: decide route questions over address atoms (exact, fast); False asks the
        solver for each (the differential tests hold the two to each other)."""
        make_context_early()  # Z3's, ready by the first question (the route rules need no solver)
        self.model = model
        self.topo = Topology(model, now)
        self.sim = Simulator(self.topo)
        self.solver = Solver(limits)
        self.atlas = Atlas(self.topo)
        self.exact_routes = exact_routes
        self.results: dict[int, tuple[Assertion, AssertionResult]] = {}
        self.decided: dict[Hashable, AssertionResult] = {}  # by `assertion_meaning`
        # Told how many assertions are decided, each time one more is (the progress line); it never
        # changes a verdict.
        self.on_decided: Callable[[int], None] | None = None
        self._assertions = Assertions(self)
        self._routes = Routes(self)
        self._filters = Filters(self)

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

    # --- assertions ------------------------------------------------------------------------
    def assertion_result(self, assertion: Assertion) -> AssertionResult:
        """The verdict on an assertion, decided once (several rules report on it), and once for all the
        assertions that say the same thing (a verdict is a function of what is asserted and the model)."""
        key = id(assertion)
        if key not in self.results:
            meaning = assertion_meaning(assertion)
            result = self.decided.get(meaning)
            if result is None:
                try:
                    result = self.decided[meaning] = self.check_assertion(assertion)
                except Disagreement as exc:
                    exc.span = exc.span or assertion.span
                    raise
            self.results[key] = (assertion, result)
            if self.on_decided is not None:
                self.on_decided(len(self.results))
        return self.results[key][1]

    def check_assertion(self, assertion: Assertion, witness: bool = True) -> AssertionResult:
        """Prove or refute an assertion, or say what it depends on (see `assertions.Assertions`)."""
        return self._assertions.check(assertion, witness)

    def start_parallel_proofs(self, assertions: list[Assertion], jobs: int) -> ProofPool | None:
        """Start deciding `assertions` in `jobs` worker processes; the pool's `collect` records their
        verdicts here. None where the platform does not fork (the caller decides them in turn)."""
        from verifier.engine.parallel import ProofPool  # only with --jobs above 1: a check's start needs none

        return ProofPool(self, assertions, jobs) if ProofPool.available() else None

    # --- routes and filters ----------------------------------------------------------------
    def route_facts(self, net: Net, table: RouteTable, index: int) -> RouteFacts:
        return self._routes.route_facts(net, table, index)

    def duplicate_of(self, table: RouteTable, route: Route) -> Route | None:
        return self._routes.duplicate_of(table, route)

    def missing_way_back(
        self, net: Net, table: RouteTable, route: Route
    ) -> tuple[MissingWayBack | None, list[Undecided]]:
        return self._routes.missing_way_back(net, table, route)

    def shadowed_group_rule(
        self, group: SecurityGroup, rule: GroupRule
    ) -> tuple[list[GroupRule] | None, list[Undecided]]:
        return self._filters.shadowed_group_rule(group, rule)

    def shadowed_acl_entry(self, acl: NetworkAcl, entry: AclRule) -> tuple[list[AclRule] | None, list[Undecided]]:
        return self._filters.shadowed_acl_entry(acl, entry)

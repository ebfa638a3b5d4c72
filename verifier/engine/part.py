"""What every part of the engine shares: the model's facts, the simulator, the solver and its questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.engine.encode import Queries, Query
from verifier.engine.solve import SolverAnswer

if TYPE_CHECKING:
    from verifier.engine.verify import Engine


class Part:
    """A part of the `Engine` (assertions, routes, filters), reading what the engine holds."""

    def __init__(self, engine: "Engine"):
        self.engine = engine
        self.model = engine.model
        self.topo = engine.topo
        self.sim = engine.sim
        self.atlas = engine.atlas
        self.exact_routes = engine.exact_routes

    @property
    def queries(self) -> dict[int, Queries]:
        return self.engine.queries

    @property
    def possible_queries(self) -> dict[int, Queries] | None:
        return self.engine.possible_queries

    def _ask(self, query: Query) -> SolverAnswer:
        """Satisfiable or not, with the values of a witness shown to the user (as natural as the query's
        preferences allow, the same wherever it is asked: `Solver.check`)."""
        return self.engine.solver.check(query)

    def _decided(self, query: Query) -> SolverAnswer:
        """Satisfiable or not, where the values are not read: no witness is made natural."""
        return self.engine.solver.check(query, natural=False)

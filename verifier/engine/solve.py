"""The one wrapper around the Z3 solver: fixed seeds, a timeout, an rlimit, three answers.

A query asks whether a formula is satisfiable. `sat` comes with the values of
the named variables; `unknown` (timeout, rlimit, incompleteness) is never read
as either of the others by the callers: it becomes REACH003 or a withheld
finding, never a pass.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from typing import Callable, Literal

import z3

from verifier.engine.encode import Query
from verifier.engine.limits import Limits

# Fixed seeds: the same input gives the same model, hence the same
# counterexample and byte-identical output.
SEED = 0

# Z3's own memory ceiling, in MB: a query that would need more gives up (memout,
# an `unknown`) instead of taking the machine down with it; 2 GiB leaves room
# for the rest of a large check on a small CI runner.
MEMORY_MAX_MB = 2048

z3.set_param("smt.random_seed", SEED)
z3.set_param("sat.random_seed", SEED)
z3.set_param("memory_max_size", MEMORY_MAX_MB)


@dataclass(frozen=True)
class SolverAnswer:
    status: Literal["sat", "unsat", "unknown"]
    values: dict[str, int] | None = None
    reason: str | None = None


class Solver:
    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self.queries = 0

    def check(self, query: Query, natural: bool = True) -> SolverAnswer:
        """Is the query's formula satisfiable? With `sat`, the values of its variables in a model,
        as natural as the query's preferences allow (`natural`; else whatever the solver found, for a
        caller that reads only the status)."""
        answer = self._check(query, query.formula)
        if answer.status != "sat" or not natural:
            return answer
        # The witness is asked again in a context of its own: the model Z3 finds follows the terms its
        # context holds, so in the shared one it would depend on what was asked before in the process
        # (the sequence of `--jobs 1`, a worker's, the shell's). Translated, the same formula gives the
        # same witness wherever it is asked. (Deciding stays in the shared context: it is the bulk.)
        # One context for the whole search (making one costs milliseconds): what it holds is only this
        # query's attempts, in a fixed order.
        own = z3.Context()
        preferences = list(query.preferences)
        while preferences:
            nicer = self._check(query, z3.And(query.formula, *preferences), own)
            if nicer.status == "sat":
                return nicer
            preferences.pop()
        alone = self._check(query, query.formula, own)
        return alone if alone.status == "sat" else answer

    def _check(self, query: Query, formula: z3.BoolRef, own: z3.Context | None = None) -> SolverAnswer:
        self.queries += 1
        own_context = own is not None
        context = own if own is not None else formula.ctx
        if own_context:
            formula = formula.translate(context)
        solver = z3.Solver(ctx=context) if query.quantified else z3.SolverFor("QF_BV", ctx=context)
        solver.set("random_seed", SEED)
        solver.set("ctrl_c", False)  # Ctrl-C is Python's (see `_interruptible`)
        solver.set("timeout", self.limits.timeout_ms)
        if self.limits.rlimit:
            solver.set("rlimit", self.limits.rlimit)
        solver.add(formula)
        try:
            result = _interruptible(solver.check, solver.ctx)
        except z3.Z3Exception as exc:  # out of memory, say: never a verdict (Ctrl-C is KeyboardInterrupt)
            return SolverAnswer("unknown", reason=f"the solver gave up: {exc}")
        if result == z3.sat:
            model = solver.model()
            values = {
                name: model.eval(var.translate(context) if own_context else var, model_completion=True).as_long()
                for name, var in query.variables.items()
            }
            return SolverAnswer("sat", values)
        if result == z3.unsat:
            return SolverAnswer("unsat")
        return SolverAnswer("unknown", reason=solver.reason_unknown() or "unknown")


def cheapest_cover(
    needs: list[list[str]], weights: dict[str, int], depends: dict[str, list[str]], limits: Limits | None = None
) -> list[str] | None:
    """MaxSAT: the cheapest set of edits that lifts every blocking point.

    `needs` lists, for each blocking point, the edits any one of which lifts it;
    an edit may need others (`depends`: a route via a new peering needs the
    peering). Returns the chosen edits, or None when no choice covers them all.
    """
    limits = limits or Limits()
    chosen = {name: z3.Bool(f"edit:{name}") for name in weights}
    optimizer = z3.Optimize()
    optimizer.set("timeout", limits.timeout_ms)
    optimizer.set("ctrl_c", False)  # Ctrl-C is Python's (see `_interruptible`)
    for options in needs:
        optimizer.add(z3.Or([chosen[o] for o in options] or [z3.BoolVal(False)]))
    for name, required in depends.items():
        for other in required:
            optimizer.add(z3.Implies(chosen[name], chosen[other]))
    for name, weight in sorted(weights.items()):
        optimizer.add_soft(z3.Not(chosen[name]), weight)
    if _interruptible(optimizer.check, optimizer.ctx) != z3.sat:
        return None
    model = optimizer.model()
    return sorted(name for name, var in chosen.items() if z3.is_true(model.eval(var, model_completion=True)))


def _interruptible(check: Callable[[], z3.CheckSatResult], context: z3.Context) -> z3.CheckSatResult:
    """`check()`, stopped by Ctrl-C with KeyboardInterrupt: an interrupt is never an answer.

    Left to itself, Z3 takes SIGINT during a query and answers `unknown` ("interrupted from keyboard",
    or "canceled", the word a timeout gives too): the interrupt became REACH003. So Z3 is told to leave
    the signal alone (`ctrl_c`), and Python keeps it; Python acts on a signal only between bytecodes,
    so the query runs in a helper thread (ctypes releases the GIL) while the main thread waits where
    KeyboardInterrupt reaches it, cancels the query and lets the interrupt go on. A worker process
    (which ignores SIGINT: its parent ends it) and other threads run the query directly.
    """
    if threading.current_thread() is not threading.main_thread() or not callable(signal.getsignal(signal.SIGINT)):
        return check()
    outcome: list[z3.CheckSatResult | BaseException] = []

    def run() -> None:
        try:
            outcome.append(check())
        except BaseException as exc:  # handed to the main thread, raised there
            outcome.append(exc)

    helper = threading.Thread(target=run, name="peerproof-query", daemon=True)
    helper.start()
    try:
        helper.join()
    except BaseException:
        context.interrupt()
        helper.join()
        raise
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]

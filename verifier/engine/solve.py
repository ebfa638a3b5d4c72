"""The one wrapper around the Z3 solver: fixed seeds, a timeout, an rlimit, three answers.

A query asks whether a formula is satisfiable. `sat` comes with the values of
the named variables; `unknown` (timeout, rlimit, incompleteness) is never read
as either of the others by the callers: it becomes REACH003 or a withheld
finding, never a pass.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Literal

import z3

from verifier.engine.encode import Query
from verifier.engine.limits import Limits
from verifier.engine.terms import Numbers, and_, context_made, ne, or_

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
        # The incremental solver of the assertions' questions (`session`), made on the first one and kept.
        self._session: z3.Solver | None = None
        self._in_session = False
        self._numbers: Numbers | None = None  # the values `_pinned` compares with, each made once

    @contextmanager
    def session(self) -> Iterator[None]:
        """The questions asked meanwhile (those of one assertion) go to one incremental solver, each
        pushed and popped: making a solver and its tactics costs milliseconds a question, about ten times
        what a small question costs. The solver is kept for the next assertion's questions (making it
        and its first answer cost about a millisecond, more than most assertions' questions). Nothing
        stays asserted in it between questions and its satisfiability answers are exact, so what was
        asked before changes no verdict; a natural witness is taken from it only where the question
        pins it down (`check`). The values of an answer asked with `natural=False` are whatever model it
        found: they follow what it was asked before, as they always followed the terms made before."""
        outer = self._in_session
        self._in_session = True
        try:
            yield
        finally:
            self._in_session = outer

    def check(self, query: Query, natural: bool = True) -> SolverAnswer:
        """Is the query's formula satisfiable? With `sat`, the values of its variables in a model,
        as natural as the query's preferences allow (`natural`; else whatever the solver found, for a
        caller that reads only the status)."""
        if natural and self._in_session and not query.quantified:
            return self._natural_in_session(query)
        answer = self._check(query, query.formula)
        if answer.status != "sat" or not natural:
            return answer
        return self._natural_alone(query, answer)

    def _natural_alone(self, query: Query, answer: SolverAnswer) -> SolverAnswer:
        """The natural witness of a satisfiable query, asked in a Z3 context of its own: the model Z3 finds
        follows the terms its context holds, so in the shared one it would depend on what was asked before
        in the process (the sequence of `--jobs 1`, a worker's, the shell's). Translated, the same formula
        gives the same witness wherever it is asked. One context for the whole search (making one costs
        milliseconds): what it holds is only this query's attempts, in a fixed order."""
        own = z3.Context()
        preferences = list(query.preferences)
        while preferences:
            nicer = self._check(query, z3.And(query.formula, *preferences), own)
            if nicer.status == "sat":
                return nicer
            preferences.pop()
        alone = self._check(query, query.formula, own)
        return alone if alone.status == "sat" else answer

    def _natural_in_session(self, query: Query) -> SolverAnswer:
        """The natural witness, found in the session's solver where it is the only one: the preferences
        are tried as `_natural_alone` tries them (all, then dropping the last), and where the formula
        with those that hold admits no other values of the variables, the witness is the one any context
        finds, whatever was asked before. Otherwise (or where the solver gave up) it is asked alone."""
        preferences = list(query.preferences)
        decided = False  # whether the formula alone is known satisfiable
        while True:
            formula = and_([query.formula, *preferences]) if preferences else query.formula
            nicer = self._check(query, formula)
            if nicer.status == "sat":
                pinned = self._pinned(query, formula, nicer, len(preferences))
                return nicer if pinned else self._natural_alone(query, nicer)
            if nicer.status == "unknown":
                answer = self._check(query, query.formula)  # the deciding question, as outside a session
                return self._natural_alone(query, answer) if answer.status == "sat" else answer
            if not preferences:
                return nicer  # unsatisfiable: no witness to find
            if not decided:  # whether there is a witness at all, before any preference is given up
                alone = self._check(query, query.formula, want_values=False)
                if alone.status != "sat":
                    return alone
                decided = True
            preferences.pop()

    def _pinned(self, query: Query, formula: z3.BoolRef, answer: SolverAnswer, held: int) -> bool:
        """Whether `formula` (the query's, with its first `held` preferences) holds for the values of
        `answer` only (then every solver finds them). Where the query says which values its equations
        fix (`Query.pinned`), these are those: nothing to ask."""
        assert answer.values is not None, "a satisfiable answer has values"
        if query.pinned is not None and held >= query.pinned[0] and answer.values == query.pinned[1]:
            return True
        if not all(z3.is_bv(var) for var in query.variables.values()):
            return False
        if self._numbers is None or self._numbers.ctx != formula.ctx:
            self._numbers = Numbers(formula.ctx)
        numbers = self._numbers
        other = [ne(var, numbers.bv(answer.values[name], var.size())) for name, var in query.variables.items()]
        return self._check(query, and_([formula, or_(other)]), want_values=False).status == "unsat"

    def _check(
        self, query: Query, formula: z3.BoolRef, own: z3.Context | None = None, want_values: bool = True
    ) -> SolverAnswer:
        self.queries += 1
        if own is None and self._in_session and not query.quantified:
            return self._check_in_session(query, formula, want_values)
        own_context = own is not None
        context = own if own is not None else formula.ctx
        if own_context:
            formula = formula.translate(context)
        solver = z3.Solver(ctx=context) if query.quantified else z3.SolverFor("QF_BV", ctx=context)
        self._limit(solver)
        solver.add(formula)
        try:
            result = _interruptible(solver.check, solver.ctx)
        except z3.Z3Exception as exc:  # out of memory, say: never a verdict (Ctrl-C is KeyboardInterrupt)
            return SolverAnswer("unknown", reason=f"the solver gave up: {exc}")
        return self._answer(query, solver, result, context if own_context else None)

    def _check_in_session(self, query: Query, formula: z3.BoolRef, want_values: bool) -> SolverAnswer:
        solver = self._session
        if solver is None or solver.ctx != formula.ctx:
            solver = self._session = z3.SolverFor("QF_BV", ctx=formula.ctx)
            self._limit(solver)
        solver.push()
        try:
            solver.add(formula)
            try:
                result = _interruptible(solver.check, solver.ctx)
            except z3.Z3Exception as exc:  # as in `_check`; the next question gets a new solver
                self._session = None
                return SolverAnswer("unknown", reason=f"the solver gave up: {exc}")
            if result == z3.sat and not want_values:
                return SolverAnswer("sat", {})
            return self._answer(query, solver, result, None)
        finally:
            solver.pop()

    def _limit(self, solver: z3.Solver) -> None:
        solver.set("random_seed", SEED)
        solver.set("ctrl_c", False)  # Ctrl-C is Python's (see `_interruptible`)
        solver.set("timeout", self.limits.timeout_ms)
        if self.limits.rlimit:
            solver.set("rlimit", self.limits.rlimit)

    @staticmethod
    def _answer(query: Query, solver: z3.Solver, result: z3.CheckSatResult, context: z3.Context | None) -> SolverAnswer:
        """The answer of a check; `context`: the context of its own the formula was translated into."""
        if result == z3.sat:
            model = solver.model()
            values = {
                name: model.eval(
                    var.translate(context) if context is not None else var, model_completion=True
                ).as_long()
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
    context_made()
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
    (which ignores SIGINT: its parent ends it) and other threads run the query directly. The helper
    lives as long as the process: starting a thread per query cost 1-4 ms, more than most queries.
    """
    if threading.current_thread() is not threading.main_thread() or not callable(signal.getsignal(signal.SIGINT)):
        return check()
    done = _helper().run(check)
    try:
        done.wait()
    except BaseException:
        context.interrupt()
        done.wait()
        raise
    return done.result()


class _Done:
    """A query handed to the helper thread: its outcome, once `wait` returns."""

    def __init__(self, check: Callable[[], z3.CheckSatResult]):
        self.check = check
        self._finished = threading.Event()
        self._outcome: z3.CheckSatResult | BaseException | None = None

    def run(self) -> None:
        try:
            self._outcome = self.check()
        except BaseException as exc:  # handed to the main thread, raised there
            self._outcome = exc
        finally:
            self._finished.set()

    def wait(self) -> None:
        """Until the query ends (Ctrl-C reaches the waiting thread here: the wait is interruptible)."""
        self._finished.wait()

    def result(self) -> z3.CheckSatResult:
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None, "a query that ended has an outcome"
        return self._outcome


class _Helper:
    """The thread that runs queries for the main thread, one at a time."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._work: queue.SimpleQueue[_Done] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="peerproof-query", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self._work.get().run()

    def run(self, check: Callable[[], z3.CheckSatResult]) -> _Done:
        done = _Done(check)
        self._work.put(done)
        return done


_helpers: list[_Helper] = []


def _helper() -> _Helper:
    """The process's helper thread (a forked child has none of its parent's threads: it starts its own)."""
    if not _helpers or _helpers[0].pid != os.getpid():
        _helpers[:] = [_Helper()]
    return _helpers[0]

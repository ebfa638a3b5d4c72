"""Assertions decided in worker processes (`--jobs`), merged by position so the output never depends on
the number of workers.

A `ProofPool` starts the workers and later collects their verdicts into the engine; meanwhile the
caller runs its other checks, so the workers and the caller share the cores. The work reaches the
forked workers through the pool's initializer (inherited by fork, never pickled); each worker keeps
one engine, which holds only caches of pure functions, between its chunks.

Ctrl-C reaches every process of the terminal's group: the workers ignore it, and the parent, which
alone says "interrupted", ends them. A worker also dies with its parent (on Linux), so none is left.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from verifier.engine.limits import Limits
from verifier.engine.results import AssertionResult, Disagreement
from verifier.language.model import Assertion, Model

if TYPE_CHECKING:
    from verifier.engine.verify import Engine


# What a worker is given when it starts: the model, the time, the limits, whether routes are exact,
# and the assertions (by index).
Work = tuple[Model, datetime, Limits, bool, list[Assertion]]


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the platform has one (a container's
    or `taskset`'s share of the machine), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class ProofPool:
    """Worker processes deciding a list of assertions. `collect` waits for them; `close` always ends them."""

    def __init__(self, engine: "Engine", assertions: list[Assertion], jobs: int):
        from verifier.engine.verify import assertion_meaning

        self.engine = engine
        # Each meaning is decided once (`Engine.assertion_result`): the first assertion that says it is sent,
        # and its verdict recorded for every one (`copies`).
        firsts: dict[object, int] = {}
        self.copies: list[list[Assertion]] = []
        for assertion in assertions:
            meaning = assertion_meaning(assertion)
            if meaning not in firsts:
                firsts[meaning] = len(self.copies)
                self.copies.append([])
            self.copies[firsts[meaning]].append(assertion)
        self.assertions = assertions = [copies[0] for copies in self.copies]
        work = (engine.model, engine.topo.now, engine.solver.limits, engine.exact_routes, assertions)
        # Never more workers than assertions or cores: more only cost a fork and a model's memory each.
        workers = max(1, min(jobs, len(assertions), usable_cores()))
        # SIGINT is held while the workers are forked, so none dies of it before it ignores it.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            import multiprocessing  # only with --jobs above 1: the pre-commit path never loads it

            self._pool = multiprocessing.get_context("fork").Pool(
                workers, initializer=_start_worker, initargs=(work, os.getpid())
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:
            # Small chunks, handed out as workers free up: costly assertions do not leave a core idle.
            chunk = max(1, len(assertions) // (workers * 16))
            chunks = [(first, min(first + chunk, len(assertions))) for first in range(0, len(assertions), chunk)]
            # In the order they finish (counted as they come, for the progress line); merged by position.
            self._pending = self._pool.imap_unordered(_prove_share, chunks, chunksize=1)
        except BaseException:  # Ctrl-C held during the fork arrives here
            self.close()
            raise

    @staticmethod
    def available() -> bool:
        """Whether this platform forks (elsewhere the caller decides the assertions in turn)."""
        import multiprocessing

        return "fork" in multiprocessing.get_all_start_methods()

    def collect(self) -> None:
        """Wait for every verdict and record it in the engine; a disagreement in a worker is raised here."""
        from verifier.engine.verify import assertion_meaning

        shares: list[list[tuple[int, AssertionResult | Disagreement]]] = []
        decided = 0
        try:
            for share in self._pending:
                shares.append(share)
                decided += sum(len(self.copies[index]) for index, _ in share)
                if self.engine.on_decided is not None:
                    self.engine.on_decided(decided)
        finally:
            self.close()
        shares.sort(key=lambda share: share[0][0])  # by position: the disagreement raised is the first one
        for share in shares:
            for index, outcome in share:
                if isinstance(outcome, Disagreement):
                    raise Disagreement(str(outcome), self.assertions[index].span)
                self.engine.decided[assertion_meaning(self.assertions[index])] = outcome
                for assertion in self.copies[index]:
                    self.engine.results[id(assertion)] = (assertion, outcome)

    def close(self) -> None:
        """End the workers now: after `collect` they are idle; before it (Ctrl-C, a failed check) their
        work is not wanted, and waiting for it would hang the interrupt."""
        self._pool.terminate()
        self._pool.join()


# In a worker process only: the work it was given and its engine (set by `_start_worker`).
_work: Work | None = None
_engine: "Engine | None" = None


def _start_worker(work: Work, parent: int) -> None:
    global _work, _engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent says "interrupted" and ends the workers
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    die_with(parent)
    from verifier.engine.verify import Engine

    _work = work
    model, now, limits, exact, _ = work
    _engine = Engine(model, now, limits, exact)


def die_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies: a parent killed outright (SIGKILL, the
    OOM killer) cannot end its workers, which would otherwise wait for work for ever. Linux only."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _prove_share(chunk: tuple[int, int]) -> list[tuple[int, AssertionResult | Disagreement]]:
    assert _work is not None and _engine is not None, "a worker is started by its pool's initializer"
    assertions = _work[4]
    out: list[tuple[int, AssertionResult | Disagreement]] = []
    for index in range(*chunk):
        try:
            out.append((index, _engine.check_assertion(assertions[index])))
        except Disagreement as exc:
            out.append((index, Disagreement(str(exc))))
    return out

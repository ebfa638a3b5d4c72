"""Assertions decided in worker processes (`--jobs`), merged by position so the output never depends on
the number of workers.

Forked workers inherit the work as a module global (what fork shares without pickling the model) and
keep one engine each between their chunks; the engine holds only caches of pure functions.
"""

from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING

from verifier.engine.results import AssertionResult, Disagreement
from verifier.language.model import Assertion

if TYPE_CHECKING:
    from verifier.engine.verify import Engine

_WORK: tuple | None = None  # what forked workers inherit: (model, now, limits, exact_routes, assertions)
_WORKER_ENGINE: "Engine | None" = None  # one per worker process, kept between its chunks


def start(engine: "Engine", assertions: list[Assertion], jobs: int):
    """Start deciding `assertions` in `jobs` worker processes; `finish` collects them. Meanwhile the
    caller runs its other checks: the workers and the caller share the cores.

    Workers take small chunks as they free up; results are merged by position, so the output does
    not depend on `jobs`. None: no fork on this platform (the caller decides them in turn).
    """
    global _WORK
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORK = (engine.model, engine.topo.now, engine.solver.limits, engine.exact_routes, assertions)
    pool = multiprocessing.get_context("fork").Pool(jobs)
    # Small chunks, handed out as workers free up: costly assertions do not leave a core idle.
    chunk = max(1, len(assertions) // (jobs * 16))
    chunks = [(first, min(first + chunk, len(assertions))) for first in range(0, len(assertions), chunk)]
    return pool, pool.map_async(_prove_share, chunks, chunksize=1), assertions


def finish(engine: "Engine", started) -> None:
    """Collect what `start` began into `engine.results`; a disagreement in a worker is raised here."""
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
            engine.results[id(assertions[index])] = (assertions[index], outcome)


def _prove_share(chunk: tuple[int, int]) -> list[tuple[int, AssertionResult | Disagreement]]:
    from verifier.engine.verify import Engine

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

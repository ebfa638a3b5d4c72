"""The rows of `peerproof matrix`: each cell `reach X -> Y` over every pair of VMs of X and Y, with
the pair that decides it; in this process or in worker processes (`--jobs`), merged by position.

Alike VMs (`engine.classes`) are asked about once: a cell is the verdict on one pair of each pair of
classes it holds. Without gaps, the shortcuts (`engine.matrix_shortcuts`) decide what the routes pin
down without the solver. A cell's deciding pair is always one of its own (a verdict a class shares is
shown for the cell's pair), so a row is the same whichever process computes it and whatever it
computed before: the output never depends on `--jobs`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Hashable

from verifier.engine import parallel
from verifier.engine.classes import Classes
from verifier.engine.limits import Limits
from verifier.engine.matrix_shortcuts import Reach, Shortcut
from verifier.engine.matrix_witness import CellWitness, Witnesses
from verifier.engine.results import AssertionResult
from verifier.engine.verify import Engine
from verifier.language.model import Assertion, Endpoint, Model, Ports, Protocol, Ref, Span, Vm

SPAN = Span.start("<matrix>")


@dataclass(frozen=True)
class Pair:
    """The verdict on a cell from one pair of VMs (by name); `result` where the solver gave it for
    this very pair (else a shortcut did, or the verdict is its class's)."""

    status: str
    source: str
    target: str
    result: AssertionResult | None = None


Members = list[tuple[int, list[Vm]]]  # the VMs of an endpoint, by class (numbered), in order


def reach_assertion(source: str, target: str, protocol: int | None, port: int | None) -> Assertion:
    """`reach source -> target` for the kind of traffic asked: some of it gets through."""
    return Assertion(
        "reach",
        Endpoint(Ref(source, SPAN), None, SPAN),
        Endpoint(Ref(target, SPAN), None, SPAN),
        Protocol(protocol, SPAN) if protocol not in (None, -1) else None,
        Ports(port, port, SPAN) if port is not None else None,
        SPAN,
    )


class Rows:
    """What every row of one matrix asks, and the verdicts asked so far (pure functions of the model)."""

    def __init__(
        self,
        model: Model,
        now: datetime,
        limits: Limits | None,
        names: list[str],
        protocol: int | None,
        port: int | None,
        witnesses: bool,
        shortcuts: bool,
    ):
        self.engine = Engine(model, now, limits)
        self.names, self.protocol, self.port, self.witnesses = names, protocol, port, witnesses
        self.classes = Classes(model, self.engine.topo)
        fast = shortcuts and not model.gaps  # what an import left out may single out any pair
        self.shortcut = Shortcut(self.engine.topo, self.engine.sim, protocol, port) if fast else None
        self.reach = Reach(self.engine.topo) if fast else None
        ids: dict[Hashable, int] = {}
        self.members: dict[str, Members] = {}
        for name in names:
            grouped: dict[int, list[Vm]] = {}
            for vm in self.engine.topo.endpoint_vms(Endpoint(Ref(name, SPAN), None, SPAN)):
                grouped.setdefault(ids.setdefault(self.classes.key(vm), len(ids)), []).append(vm)
            self.members[name] = list(grouped.items())
        self._asked: dict[
            tuple[int, int, bool], Pair
        ] = {}  # (class of the source, class of the target, one VM) -> verdict

    def row(self, x: str, each: Callable[[int], None] | None = None) -> list[Pair | None]:
        """The cells of row `x`, each as the pair that decides it (None: no pair of VMs to ask about);
        `each` is told how many are decided, as they are."""
        found: list[Pair | None] = []
        for y in self.names:
            if each is not None and found:
                each(len(found))
            sources, targets = self.members[x], self.members[y]
            if not sources or not targets or (x == y and sum(len(vms) for _, vms in sources) < 2):
                found.append(None)
                continue
            first = sources[0][1][0], targets[0][1][0]
            if self.reach is not None and first[0].net != first[1].net and self.reach.cut_off(*(v.net for v in first)):
                # no route leads from the one net to the other: no packet of any pair gets there
                found.append(Pair("refuted", first[0].name, first[1].name))
            else:
                found.append(self._cell(sources, targets))
        if each is not None:
            each(len(found))
        return found

    def _pair(self, source: Vm, source_class: int, target: Vm, target_class: int) -> Pair:
        key = (source_class, target_class, self.classes.same(source, target))
        known = self._asked.get(key)
        if known is None:
            decided = self.shortcut.pair(source, target) if self.shortcut is not None else None
            if decided is not None:
                known = Pair(decided.status, source.name, target.name)
            else:
                assertion = reach_assertion(source.name, target.name, self.protocol, self.port)
                result = self.engine.check_assertion(assertion, witness=self.witnesses)
                known = Pair(result.status, source.name, target.name, result)
            self._asked[key] = known
        if (known.source, known.target) != (source.name, target.name):
            return Pair(known.status, source.name, target.name)  # its class's verdict, for this pair
        return known

    def _cell(self, sources: Members, targets: Members) -> Pair:
        """`reach x -> y` from one pair of VMs of each pair of classes: refuted if one pair is, else
        unknown if one is, else proved (as the engine combines the pairs of an assertion). The deciding
        pair: the first refuted, else the first unknown, else the first."""
        same = self.classes.same
        decided: list[Pair] = []
        for source_class, from_vms in sources:
            for target_class, to_vms in targets:
                source = from_vms[0]
                # two VMs of one class: any two distinct ones stand for every such pair
                target = next((vm for vm in to_vms if not same(vm, source)), None)
                if target is None:
                    source = next((vm for vm in from_vms if not same(vm, to_vms[0])), None)  # type: ignore[assignment]
                    target = to_vms[0] if source is not None else None
                if target is None or source is None:
                    continue  # a VM to itself never crosses the network
                verdict = self._pair(source, source_class, target, target_class)
                if verdict.status == "refuted":
                    return verdict
                decided.append(verdict)
        if not decided:  # every pair is one VM twice: no connection crosses the network
            alone = AssertionResult("proved", "a vm's traffic to itself never crosses the network")
            return Pair("proved", sources[0][1][0].name, targets[0][1][0].name, alone)
        return next((p for p in decided if p.status == "unknown"), decided[0])

    def witness(self, pair: Pair, shown: Witnesses) -> CellWitness:
        """What a cell rests on. A pair without the solver's result is decided again by a shortcut,
        else asked of the engine with its example (a cell `Reach` refuted, a class's verdict)."""
        names = self.engine.model.names
        source, target = names[pair.source], names[pair.target]
        assert isinstance(source, Vm) and isinstance(target, Vm), "a matrix pair is a pair of vms"
        result = pair.result
        if result is None and (self.shortcut is None or self.shortcut.pair(source, target) is None):
            result = self.engine.check_assertion(reach_assertion(source.name, target.name, self.protocol, self.port))
        return shown.of(pair.status, source, target, result)


# --- in worker processes (`--jobs`) ----------------------------------------------------------------
# What a worker is given when it starts (inherited by fork, never pickled), and the rows it computes.
_rows: Rows | None = None
Arguments = tuple[Model, datetime, "Limits | None", list[str], "int | None", "int | None", bool, bool]


def decide(
    arguments: Arguments, jobs: int, done: Callable[[int], None] | None = None
) -> tuple[Rows | None, list[list[Pair | None]]]:
    """Every row, by `jobs` processes; `done` is told how many cells are decided, as they are (in
    this process each, from workers a share of rows at a time). Returns the rows' asker where it ran
    here (None where workers did) and the rows, in order."""
    names = arguments[3]
    workers = max(1, min(jobs, len(names), parallel.usable_cores()))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        rows = Rows(*arguments)
        found: list[list[Pair | None]] = []
        for x in names:
            before = len(found) * len(names)
            found.append(rows.row(x, None if done is None else lambda cells: done(before + cells)))
        return rows, found
    chunk = max(1, len(names) // (workers * 8))
    spans = [(first, min(first + chunk, len(names))) for first in range(0, len(names), chunk)]
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # no worker dies of it before ignoring it
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start, initargs=(arguments, os.getpid()))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    shares: dict[int, list[list[Pair | None]]] = {}
    try:
        for first, share in pool.imap_unordered(_share, spans, chunksize=1):
            shares[first] = share
            if done is not None:
                done(sum(len(s) for s in shares.values()) * len(names))
    finally:  # after the last share the workers are idle; before it (Ctrl-C, an error) not wanted
        pool.terminate()
        pool.join()
    return None, [row for first, _ in spans for row in shares[first]]


def _start(arguments: Arguments, parent: int) -> None:
    global _rows
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent says "interrupted" and ends the workers
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    parallel.die_with(parent)  # a parent killed outright cannot end its workers
    _rows = Rows(*arguments)


def _share(span: tuple[int, int]) -> tuple[int, list[list[Pair | None]]]:
    assert _rows is not None, "a worker starts with its rows"
    return span[0], [_rows.row(x) for x in _rows.names[span[0] : span[1]]]

"""What a matrix cell rests on, shown when it is clicked (issue 16): the pair of VMs that decides it
and, replayed on the simulator, the packet and its hops — for a reachable cell the witness, for an
unreachable one every blocking point (`explain`), for an undecided one the facts it depends on.

The cell's verdict was decided before (`commands/matrix.py`); here it is only shown. A replay that
contradicts the verdict is a bug in peerproof (`Disagreement`), never shown as a witness.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.engine.explain import Blocking, Explainer
from verifier.engine.matrix_shortcuts import Decided, Shortcut
from verifier.engine.results import AssertionResult, Connection, Delivery, Disagreement, connection_of
from verifier.engine.simulate import Stop
from verifier.engine.verify import Engine
from verifier.language.model import Vm


@dataclass(frozen=True)
class CellWitness:
    """The deciding pair of a cell, and what its verdict rests on."""

    status: str  # the cell's: proved, refuted, unknown
    source: str  # the pair of VMs asked about (the connection names the interface that sends)
    target: str
    connection: Connection | None  # the packet and its hops, both ways; None where none was found
    blocking: tuple[Blocking, ...] = ()  # refuted: everything that stands in the way
    depends: tuple[str, ...] = ()  # unknown: the facts the model does not pin down
    reason: str = ""  # unknown without such facts: what the solver said


class Witnesses:
    """Witnesses of the cells of one matrix, from the engine that decided them."""

    def __init__(self, engine: Engine, shortcut: Shortcut | None):
        self.engine = engine
        self.shortcut = shortcut
        self.explainer = Explainer(engine.topo)

    def of(self, status: str, source: Vm, target: Vm, result: AssertionResult | None) -> CellWitness:
        """The witness of a cell decided `status` by the pair `source -> target`. `result`: the
        engine's verdict with its example, where the solver decided the pair (else the shortcut)."""
        decided = self.shortcut.pair(source, target) if self.shortcut is not None and result is None else None
        if decided is not None:
            if decided.status != status:
                raise Disagreement(f"matrix: {source.name} -> {target.name} decided {status}, now {decided.status}")
            return self._decided(decided, source)
        assert result is not None, "a pair the shortcut leaves open was decided by the solver"
        if result.status != status:
            raise Disagreement(f"matrix: {source.name} -> {target.name} decided {status}, now {result.status}")
        example = result.witness if status == "proved" else result.counterexample or result.witness
        if isinstance(example, Delivery):  # `reach` never gives one; kept as its packet and hops
            example = Connection(example.source_vm, example.destination_vm, example.packet, example.hops)
        connection = self._replayed(example, status) if example is not None else None
        blocking = self._blocking(connection) if status == "refuted" and connection is not None else ()
        reason = result.message if status == "unknown" and not result.depends else ""
        return CellWitness(status, source.name, target.name, connection, blocking, result.depends, reason)

    def _decided(self, decided: Decided, source: Vm) -> CellWitness:
        sender, target = decided.sender, decided.target
        if decided.packet is None:
            connection = Connection(sender.name, target.name, None, direction="forward", blocked=Stop.NO_COMMON_FAMILY)
            return CellWitness(decided.status, source.name, target.name, connection)
        trip = self.engine.sim.connection(sender, decided.packet, target)
        if trip.ok != (decided.status == "proved"):
            raise Disagreement(
                f"matrix: {sender.name} -> {target.name} is {decided.status}, yet the simulator "
                f"{'completes' if trip.ok else 'fails'} {decided.packet.describe()}"
            )
        connection = connection_of(trip, target.name)
        blocking = () if trip.ok else self._blocking(connection)
        return CellWitness(decided.status, source.name, target.name, connection, blocking)

    def _vm(self, name: str) -> Vm | None:
        found = self.engine.model.names.get(name)
        return found if isinstance(found, Vm) else None

    def _replayed(self, connection: Connection, status: str) -> Connection:
        """A connection with its hops: a proof's witness carries its packet only."""
        sender, target = self._vm(connection.source_vm), self._vm(connection.destination_vm)
        if connection.forward or connection.packet is None or sender is None or target is None:
            return connection
        trip = self.engine.sim.connection(sender, connection.packet, target)
        if status == "proved" and not trip.ok:
            raise Disagreement(f"matrix: the witness {connection.packet.describe()} fails on the simulator")
        return connection_of(trip, target.name)

    def _blocking(self, connection: Connection) -> tuple[Blocking, ...]:
        """Every blocking point of a failing connection (the walk goes on past each, as `why` does)."""
        sender, packet = self._vm(connection.source_vm), connection.packet
        if sender is None or packet is None:
            return ()
        target = self._vm(connection.destination_vm)
        return tuple(self.explainer.explain(sender, target, packet).blocking)

"""What the engine answers: verdicts, undecided questions, and the error that is never a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from verifier.engine.simulate import Hop, Leg, Packet, RoundTrip, Stop
from verifier.language.model import Span


class Disagreement(Exception):
    """The solver and the simulator disagree: a bug in peerproof."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.span = span


Status = Literal["proved", "refuted", "unknown", "vacuous"]


@dataclass(frozen=True)
class Connection:
    """A connection between two VMs, replayed on the simulator: the packet and both walks.

    A refuted `reach` says on which leg it dies (`direction`) and at what (`blocked`, the blocking
    code); a proof's witness carries the packet only (no hops)."""

    source_vm: str
    destination_vm: str  # a VM name, or the address no VM holds
    packet: Packet | None  # None: no packet can be sent at all (the VMs share no address family)
    forward: tuple[Hop, ...] = ()
    reply: tuple[Hop, ...] = ()
    direction: Leg | None = None
    blocked: Stop | None = None


def connection_of(trip: RoundTrip, destination_vm: str) -> Connection:
    """The simulator's round trip as a connection: its walks, and where it dies if it does."""
    direction = trip.failed_direction
    trace = trip.reply if direction == "reply" else trip.forward
    blocked = trace.blocked if direction and trace else None
    return Connection(
        trip.source.name,
        destination_vm,
        trip.forward.packet,
        tuple(trip.forward.hops),
        tuple(trip.reply.hops) if trip.reply else (),
        direction,
        blocked.code if blocked else None,
    )


@dataclass(frozen=True)
class Delivery:
    """A packet delivered (or possibly delivered) where an `isolate` says none may be: its hops."""

    source_vm: str
    destination_vm: str
    packet: Packet
    hops: tuple[Hop, ...]


# What a finding shows as its counterexample: a connection, a delivery, or (lint rules) a few facts
# such as an address and the blocks that hold it.
Counterexample = Connection | Delivery | dict[str, Any]


@dataclass
class AssertionResult:
    status: Status
    message: str
    counterexample: Connection | Delivery | None = None
    witness: Connection | None = None
    # With `unknown`: the facts the model does not pin down that the verdict rests on (a gateway, a
    # transitional peering); empty when the solver's limits left it undecided.
    depends: tuple[str, ...] = ()
    # With `unknown`: of `depends`, the parts of the estate an import left out (`Gap`).
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Undecided:
    """A question the solver could not answer within its limits."""

    what: str
    reason: str

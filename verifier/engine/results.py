"""What the engine answers: verdicts, undecided questions, and the error that is never a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from verifier.language.model import Span


class Disagreement(Exception):
    """The solver and the simulator disagree: a bug in peerproof."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.span = span


Status = Literal["proved", "refuted", "unknown", "vacuous"]


@dataclass
class AssertionResult:
    status: Status
    message: str
    counterexample: dict[str, Any] | None = None
    witness: dict[str, Any] | None = None
    # With `unknown`: the facts the model does not pin down that the verdict rests on (a gateway, a
    # transitional peering); empty when the solver's limits left it undecided.
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Undecided:
    """A question the solver could not answer within its limits."""

    what: str
    reason: str

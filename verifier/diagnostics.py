"""Findings about a model, and errors that stop the tool from reading it.

Two channels, kept apart (as pyflakes' Reporter keeps them): a `Diagnostic` is
something wrong with the network model (exit 1 when error-level); an
`InputError` means the input could not be read or parsed at all (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verifier.language.model import Severity, Span

if TYPE_CHECKING:
    from verifier.engine.results import Counterexample

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Related:
    """Another place that explains a finding (the earlier declaration, a covering route)."""

    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    related: tuple[Related, ...] = ()
    counterexample: Counterexample | None = field(default=None, compare=False, hash=False)
    help: str | None = None
    resource: str | None = None  # the imported resource it is about: a Terraform address, a cloud id

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


class InputError(Exception):
    """The input cannot be read or parsed; carries located diagnostics (exit 2)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


class BadQuery(Exception):
    """A query (`why`, `matrix`, `graph`, the shell) that names the wrong thing: exit 2."""


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=Diagnostic.sort_key)


def print_errors(diagnostics: list[Diagnostic]) -> None:
    """Input errors on standard error, one `file:line:col: error CODE message` line each."""
    import sys

    for d in sort_diagnostics(diagnostics):
        print(f"{d.span.file}:{d.span.line}:{d.span.column}: error {d.code} {d.message}", file=sys.stderr)

"""Inline suppressions: `# peerproof: ignore[CODE, CODE] reason`.

A suppression written after a declaration applies to findings on its line; one
alone on its line applies to its line and the next. A suppression that
suppresses nothing is itself reported (SUP001), so suppressions do not outlive
the problems they were written for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.catalog import report
from verifier.diagnostics import Diagnostic
from verifier.language.model import Span

PATTERN = re.compile(r"#\s*peerproof:\s*ignore\[([^\]]*)\]\s*(.*)$")


@dataclass
class Suppression:
    file: str
    line: int  # where the comment is
    column: int
    codes: tuple[str, ...]
    reason: str
    alone: bool  # the comment is the whole line: it covers the next line too
    used: set[str]

    def covers(self, diagnostic: Diagnostic) -> bool:
        span = diagnostic.span
        lines = (self.line, self.line + 1) if self.alone else (self.line,)
        return span.file == self.file and span.line in lines and diagnostic.code in self.codes


def find(sources: dict[str, str]) -> list[Suppression]:
    found = []
    for path, text in sorted(sources.items()):
        for number, line in enumerate(text.splitlines(), 1):
            match = PATTERN.search(line)
            if match:
                codes = tuple(c.strip() for c in match.group(1).split(",") if c.strip())
                found.append(
                    Suppression(
                        path,
                        number,
                        match.start() + 1,
                        codes,
                        match.group(2).strip(),
                        not line[: match.start()].strip(),
                        set(),
                    )
                )
    return found


def apply(
    diagnostics: list[Diagnostic], sources: dict[str, str], known: set[str], not_run: set[str]
) -> list[Diagnostic]:
    """Drop suppressed findings; add SUP001 for each suppression (or code in it) that suppressed nothing.

    Codes in `not_run` (checks skipped on this model) are not reported unused:
    their suppressions may well be needed once the model is fixed.
    """
    from verifier.catalog import did_you_mean

    suppressions = find(sources)
    kept = []
    for diagnostic in diagnostics:
        covering = [s for s in suppressions if s.covers(diagnostic)]
        for suppression in covering:
            suppression.used.add(diagnostic.code)
        if not covering or diagnostic.code.startswith(("INTERNAL", "PARSE")):
            kept.append(diagnostic)
    for suppression in suppressions:
        span = Span(suppression.file, suppression.line, suppression.column, suppression.line, suppression.column + 1)
        if not suppression.codes:
            kept.append(report("SUP001", "suppression names no code: write ignore[CODE]", span))
        for code in suppression.codes:
            if code in suppression.used or code in not_run:
                continue
            if code not in known:
                message = f"suppression names unknown code '{code}'{did_you_mean(code, known)}"
            else:
                message = f"suppression of {code} suppresses nothing: remove it"
            kept.append(report("SUP001", message, span))
    return kept

"""Text output, compiler style: `file:line:col: severity CODE message`, the line, a caret."""

from __future__ import annotations

from typing import Any, Mapping

from verifier.diagnostics import Diagnostic
from verifier.engine.results import Connection, Counterexample, Delivery
from verifier.engine.simulate import Hop
from verifier.outputs.escape import shown_width, visible

COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def summary_counts(diagnostics: list[Diagnostic]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for d in diagnostics:
        counts[{"error": "errors", "warning": "warnings", "info": "infos"}[d.severity]] += 1
    return counts


def render_text(
    diagnostics: list[Diagnostic],
    sources: Mapping[str, str],
    files: int | None,
    verdicts: list | None = None,
    colour: bool = False,
) -> str:
    """Compiler-style: `file:line:col: severity CODE message`, the line and a caret.

    What the model wrote (names in messages, file names, excerpted lines) is shown with its
    control characters spelt out (`visible`): only our own colour codes reach the terminal."""
    lines_of = {path: text.split("\n") for path, text in sources.items()}  # lines as the parser counts them
    out: list[str] = []
    for d in diagnostics:
        s = d.span
        file, message = visible(s.file), visible(d.message)
        if colour:
            out.append(
                f"{BOLD}{file}:{s.line}:{s.column}:{RESET} {COLOURS[d.severity]}{d.severity}{RESET} "
                f"{BOLD}{visible(d.code)}{RESET} {message}"
            )
        else:
            out.append(f"{file}:{s.line}:{s.column}: {d.severity} {visible(d.code)} {message}")
        out.extend(_excerpt(lines_of.get(s.file), s.line, s.column, s.end_line, s.end_column))
        for related in d.related:
            r = related.span
            out.append(f"  {visible(r.file)}:{r.line}:{r.column}: note: {visible(related.message)}")
        if d.counterexample:
            out.extend("  " + line for line in describe_counterexample(d.counterexample))
        if d.help:
            out.append(f"  help: {visible(d.help)}")
    counts = summary_counts(diagnostics)
    if files is None:  # the input could not be read: there is no verdict to sum up
        out.append(f"peerproof: the input could not be read ({counts['errors']} error(s))")
    else:
        noun = "file" if files == 1 else "files"
        line = (
            f"{files} {noun} checked: {counts['errors']} error(s), {counts['warnings']} warning(s), "
            f"{counts['infos']} note(s)"
        )
        if verdicts:
            tally: dict[str, int] = {}
            for verdict in verdicts:
                tally[verdict.status] = tally.get(verdict.status, 0) + 1
            line += "; assertions: " + ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))
        out.append(line)
    return "\n".join(out) + "\n"


def _excerpt(lines: list[str] | None, line: int, column: int, end_line: int, end_column: int) -> list[str]:
    # `lines` are split at "\n" alone, as the parser counts lines: a lone CR, a form feed or U+2028
    # is inside its line (and shown spelt out); only the CR of a CRLF ending is left out.
    if not lines or not 1 <= line <= len(lines):
        return []
    text = lines[line - 1].removesuffix("\r").replace("\t", " ")
    if len(text) > 200:  # keep a huge line readable: show the neighbourhood of the column
        start = max(0, column - 80)
        text = ("..." if start else "") + text[start : start + 160] + "..."
        column = column - start + (3 if start else 0)
        end_column = column + 1 if end_line != line else min(end_column - start + (3 if start else 0), len(text) + 1)
    width = (end_column - column) if end_line == line else len(text) - column + 1
    width = max(1, width)
    # The line as shown: a control character is spelt out (`\x1b`), wider than it was; the caret
    # moves and widens by as much, so it still marks what the span covers.
    before, marked = text[: column - 1], text[column - 1 : column - 1 + width]
    column += shown_width(before) - len(before)
    width += shown_width(marked) - len(marked)
    gutter = f"{line:>5} | "
    return [f"{gutter}{visible(text)}", " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" + "~" * (width - 1)]


def describe_counterexample(counterexample: Counterexample) -> list[str]:
    """A counterexample as readable lines: the connection or the values, then the hops; names
    with their control characters spelt out (`visible`), for a terminal or a log."""
    return [visible(line) for line in _describe(counterexample)]


def _describe(counterexample: Counterexample) -> list[str]:
    if isinstance(counterexample, Connection):
        head = f"counterexample: vm {counterexample.source_vm} -> vm {counterexample.destination_vm}"
        if counterexample.packet is not None:
            head += f", {counterexample.packet.describe()}"
        if counterexample.direction:
            head += f"; dies on the {counterexample.direction}"
            if counterexample.blocked:
                head += f" ({counterexample.blocked})"
        return [head] + _hops("forward", counterexample.forward) + _hops("reply", counterexample.reply)
    if isinstance(counterexample, Delivery):
        head = (
            f"counterexample: vm {counterexample.source_vm} -> vm {counterexample.destination_vm}, "
            f"{counterexample.packet.describe()}"
        )
        return [head] + _hops("hops", counterexample.hops)
    return ["counterexample: " + ", ".join(f"{k} {_scalar(v)}" for k, v in counterexample.items())]


def _hops(name: str, hops: tuple[Hop, ...]) -> list[str]:
    if not hops:
        return []
    lines = [f"{name}:"]
    for i, hop in enumerate(hops, 1):
        where = f"  ({hop.span.file}:{hop.span.line})" if hop.span else ""
        lines.append(f"  {i}. {hop.description}{where}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)

"""A progress line on standard error, for a long run watched on a terminal.

`check`, `matrix`, `import` and `diff` say what they are doing and how far they are on one line of
standard error, rewritten in place (`\\r`, then the rest of the old line erased) and cleared
(`\\r\\x1b[K`) when the work ends, normally, by an error or by Ctrl-C (before "interrupted"): the
commands write nothing else while it is up.

It is shown only
- when standard error is a terminal: never to a pipe, a file or a CI log, so what tests and scripts
  capture is unchanged;
- when what goes to standard output is text, or everything goes to files: never beside a machine
  format (json, sarif, junit, github, csv, svg, html, markdown) on standard output, and never with
  `--quiet`;
- once the run has lasted `AFTER` seconds (a short run never flickers), at most every `EVERY` seconds;
- unless `PEERPROOF_NO_PROGRESS` is set (not empty) or `TERM` is `dumb` (no `\\x1b[K`).
`PEERPROOF_PROGRESS_AFTER` sets the delay in seconds (the tests use 0).

It never goes to standard output or into a file. Worker processes (`--jobs`) never write it: the
parent counts the verdicts it collects, and a line is written only by the process that made it.
There is no timer thread: the line is written when the work reports (a rule starts, an assertion is
decided, a cell is filled), so one long solver query holds it, seconds included, until it is answered.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Mapping, TextIO

from verifier.outputs.escape import visible

AFTER = 2.0  # seconds before the line first shows
EVERY = 0.1  # seconds between two writes at most: ten a second
ERASE = "\x1b[K"  # erase to the end of the line (ECMA-48 EL)
CLEAR = "\r" + ERASE


class Progress:
    """One progress line: a stage ("checking") and its counts ("rule ROUTE007 (23/51)", "assertions
    120/500"), written to `stream` when due; a Progress with no stream says nothing."""

    def __init__(
        self,
        stream: TextIO | None,
        clock: Callable[[], float] = time.monotonic,
        after: float = AFTER,
        every: float = EVERY,
    ):
        self.stream = stream
        self.clock = clock
        self.after = after
        self.every = every
        self.started = clock()
        self.what = ""
        self.parts: dict[str, str] = {}
        self._written: float | None = None  # when the line was last written
        self._up = False  # the line is on the terminal
        self._pid = os.getpid()  # the process that may write (a forked worker inherits the object)

    @property
    def on(self) -> bool:
        """Whether anything may be shown (the callers skip work done only for the line)."""
        return self.stream is not None

    def stage(self, what: str, **parts: str) -> None:
        """What the run does now ("reading", "checking", "comparing"), with its first parts (by name);
        the parts of the last stage go. Shown at once (when shown at all), not throttled."""
        self.what = what
        self.parts = dict(parts)
        self._tick(force=True)

    def count(self, name: str, done: int, total: int | None = None) -> None:
        """How far: `name done/total`, or `name done` when the total is not known."""
        self.item(name, f"{name} {done}/{total}" if total is not None else f"{name} {done}")

    def item(self, name: str, text: str) -> None:
        """A part of the line, kept under `name` until the stage changes."""
        self.parts[name] = text
        self._tick()

    def line(self, now: float) -> str:
        """The line as shown at `now`, without the terminal's controls."""
        said = f"{self.what}: {', '.join(self.parts.values())}" if self.parts else self.what
        return visible(f"peerproof: {said}, {elapsed(now - self.started)}")

    def clear(self) -> None:
        """Take the line off the terminal (before anything else is written there)."""
        if self._up and self._mine():
            assert self.stream is not None
            self._write(CLEAR)
        self._up = False

    def close(self) -> None:
        """Clear the line, and never show it again."""
        self.clear()
        self.stream = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # Ctrl-C and errors included: "interrupted" or the error is said on a clean line

    def _mine(self) -> bool:
        return os.getpid() == self._pid

    def _tick(self, force: bool = False) -> None:
        if self.stream is None or not self._mine():
            return
        now = self.clock()
        if now - self.started < self.after:
            return
        if not force and self._written is not None and now - self._written < self.every:
            return
        self._written = now
        self._up = True
        self._write("\r" + fitted(self.line(now), columns(self.stream)) + ERASE)

    def _write(self, text: str) -> None:
        assert self.stream is not None
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on without its line
            self.stream = None
            self._up = False


def elapsed(seconds: float) -> str:
    """`14 s`, `2 min 05 s`: whole seconds, as a person reads a clock."""
    whole = int(seconds)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


def fitted(text: str, width: int) -> str:
    """`text` cut to fit in `width` columns less one: a line that wraps cannot be rewritten with `\\r`."""
    return text if len(text) < width else text[: max(width - 1, 0)]


def columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80


def wanted(
    text_output: bool, quiet: bool = False, stream: TextIO | None = None, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether a run shows the line: standard error a terminal, text (or files) on standard output, not
    quiet, not turned off (`PEERPROOF_NO_PROGRESS`, `TERM=dumb`)."""
    env = os.environ if environ is None else environ
    if not text_output or quiet or env.get("PEERPROOF_NO_PROGRESS") or env.get("TERM") == "dumb":
        return False
    target = sys.stderr if stream is None else stream
    try:
        return target.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def start(text_output: bool, quiet: bool = False, environ: Mapping[str, str] | None = None) -> Progress:
    """The progress line of a command run now: on standard error when `wanted`, else silent."""
    env = os.environ if environ is None else environ
    try:
        after = float(env.get("PEERPROOF_PROGRESS_AFTER", AFTER))
    except ValueError:
        after = AFTER
    after = after if after >= 0 else AFTER  # nan and negative: the default
    return Progress(sys.stderr if wanted(text_output, quiet, environ=env) else None, after=after)


def silent() -> Progress:
    """A progress line that shows nothing (library callers, tests)."""
    return Progress(None)

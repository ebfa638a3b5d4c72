"""What the commands share: the parser class, option groups, value types, the configuration.

Kept light (no solver, no parser of the language): every run imports it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from verifier.catalog import did_you_mean, known_codes, report
from verifier.commands import ExitCode
from verifier.diagnostics import BadQuery, Diagnostic, InputError, print_errors
from verifier.engine.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT_MS
from verifier.language.model import PROVIDERS, Span
from verifier.outputs.escape import visible
from verifier.project.config import FAIL_ON, SEVERITIES, Config, discover, load


class UsageError(Exception):
    """A command line that asks for something impossible (exit 2, with the usage line)."""


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors on exit code 2 and no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(ExitCode.INPUT, f"peerproof: error: {message}\n")


# --- value types -------------------------------------------------------------
def timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid timestamp {text!r}; expected ISO 8601 like 2026-11-14T09:30:00Z"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise argparse.ArgumentTypeError(
            f"invalid timestamp {text!r}: it falls outside years 1 to 9999 in UTC"
        ) from None
    return moment


def amount(low: float, high: float) -> Callable[[str], float]:
    """The type of a decimal number from `low` to `high`: nan, inf and anything outside are refused."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # false for nan
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got {text!r}")
        return value

    return parse


def output_file(text: str) -> str:
    """A file to write: refused now, before any work, when it cannot be (the write says why anyway)."""
    path = Path(text)
    parent = path.parent
    if path.is_dir():
        why = "it is a directory"
    elif not parent.exists():
        why = f"no such directory: {parent}"
    elif not parent.is_dir():
        why = f"{parent} is not a directory"
    elif not os.access(parent, os.W_OK | os.X_OK):
        why = f"the directory {parent} is not writable"
    elif path.exists() and not os.access(path, os.W_OK):
        why = "it is not writable"
    else:
        return text
    raise argparse.ArgumentTypeError(f"cannot write {text}: {why}")


def config_file(text: str) -> Path:
    if Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; expected a peerproof.toml or pyproject.toml file")
    return Path(text)


def whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def job_count(text: str) -> int:
    from verifier.engine.parallel import usable_cores

    count = whole(text)
    return count or usable_cores()


PORT_MAX = 65535


def port_number(text: str) -> int:
    """A TCP or UDP port, 0 to 65535: a larger one is refused, never taken modulo 65536."""
    from verifier.language.parse import shown

    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > PORT_MAX:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to {PORT_MAX}, got {shown(text)}")
    return int(text)


def codes(text: str) -> tuple[str, ...]:
    chosen = tuple(c.strip() for c in text.split(",") if c.strip())
    known = known_codes()
    for code in chosen:
        if not any(k.startswith(code) for k in known):
            raise argparse.ArgumentTypeError(f"unknown code '{code}'{did_you_mean(code, known)}")
    return chosen


def severity(text: str) -> tuple[str, str]:
    code, _, level = text.partition("=")
    known = known_codes()
    if code not in known:
        raise argparse.ArgumentTypeError(f"unknown code '{code}'{did_you_mean(code, known)}")
    if level not in SEVERITIES:
        raise argparse.ArgumentTypeError(f"expected CODE=error|warning|info, got {text!r}")
    return code, level


# --- option groups -----------------------------------------------------------
def add_paths(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="*.peer files, or directories to search (default: `paths` of the configuration)",
    )


def model_options() -> argparse.ArgumentParser:
    """Options of every command that reads a model."""
    model = Parser(add_help=False)
    model.add_argument(
        "--config",
        type=config_file,
        metavar="FILE",
        help="configuration file (default: the nearest peerproof.toml or pyproject.toml)",
    )
    model.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    model.add_argument("--provider", choices=PROVIDERS, help="the provider when the model declares none")
    model.add_argument("--exclude", action="append", metavar="GLOB", help="leave out matching files")
    model.add_argument(
        "--max-file-size", type=whole, metavar="MB", help="refuse files larger than this (default 16 MiB)"
    )
    model.add_argument(
        "--tf-root",
        metavar="DIR",
        help="the Terraform configuration of an imported plan or state: findings point at .tf lines",
    )
    return model


def verify_options() -> argparse.ArgumentParser:
    """Options of every command that verifies: time, solver limits, which codes at which level."""
    verify = Parser(add_help=False)
    verify.add_argument(
        "--now", type=timestamp, default=None, help="the time for time-dependent rules, ISO 8601 (default: the clock)"
    )
    verify.add_argument(
        "--timeout",
        type=whole,
        metavar="MS",
        help=f"solver time limit per query, in ms (default: {DEFAULT_TIMEOUT_MS})",
    )
    verify.add_argument(
        "--rlimit",
        type=whole,
        metavar="N",
        help=f"solver resource limit per query, deterministic (default: {DEFAULT_RLIMIT}; 0: none)",
    )
    verify.add_argument("--select", type=codes, metavar="CODES", help="report only these codes (or prefixes)")
    verify.add_argument("--ignore", type=codes, metavar="CODES", help="never report these codes (or prefixes)")
    verify.add_argument(
        "--severity",
        type=severity,
        action="append",
        metavar="CODE=LEVEL",
        help="report CODE at LEVEL (error, warning, info)",
    )
    verify.add_argument("--fail-on", choices=FAIL_ON, help="the level that makes the exit code 1 (default: error)")
    return verify


def query_options() -> list[argparse.ArgumentParser]:
    """The option groups of the commands that ask questions of a model (why, diff, matrix...)."""
    return [model_options(), verify_options()]


# --- configuration -------------------------------------------------------------
def configuration(args: argparse.Namespace) -> Config:
    """The configuration file (unless --isolated), with the command line's flags over it."""
    config = Config()
    if not args.isolated:
        path = args.config or discover(Path.cwd())
        if args.config is not None and not args.config.is_file():
            raise InputError([report("CONFIG001", "no such configuration file", Span.start(str(args.config)))])
        if path is not None:
            shown = Path(os.path.relpath(path)) if path.is_absolute() else path
            config = load(shown if not str(shown).startswith("..") else path, known_codes())
    levels = dict(config.severity)
    levels.update(dict(getattr(args, "severity", None) or []))
    return config.merged(
        select=getattr(args, "select", None),
        ignore=getattr(args, "ignore", None),
        severity=tuple(sorted(levels.items())),
        provider=args.provider,
        fail_on=getattr(args, "fail_on", None),
        timeout=getattr(args, "timeout", None),
        rlimit=getattr(args, "rlimit", None),
        max_file_mb=getattr(args, "max_file_size", None),
        tf_root=getattr(args, "tf_root", None),
        exclude=tuple(config.exclude) + tuple(args.exclude or ()) or None,
    )


def model_paths(args: argparse.Namespace, config: Config) -> list[str]:
    """The paths to read: the command line's, else the configuration's (UsageError: none)."""
    paths = args.paths or list(config.paths)
    if not paths:
        raise UsageError(f"{args.command}: give a PATH, or `paths` in the configuration")
    return paths


# --- errors --------------------------------------------------------------------
def input_error(diagnostics: list[Diagnostic], fmt: str) -> ExitCode:
    """Say why the input could not be read, in `fmt`, with excerpts in text; exit 2."""
    from verifier.commands.check import CheckResult
    from verifier.diagnostics import sort_diagnostics
    from verifier.outputs import render

    result = CheckResult(sort_diagnostics(diagnostics), readable=False)
    if fmt != "text":
        sys.stdout.write(render(result, fmt))
        return ExitCode.INPUT
    texts = {}
    for d in result.diagnostics:
        if d.code != "PARSE003" and d.span.file not in texts:  # PARSE003: refused or unreadable, never shown
            text = _excerpt_source(d.span.file)
            if text is not None:
                texts[d.span.file] = text
    result.sources = texts
    sys.stderr.write(render(result, "text"))
    return ExitCode.INPUT


def _excerpt_source(file: str) -> str | None:
    """The text of `file` for excerpts, read as an input is: a regular file (a pipe would hang, /dev/zero
    never end), none the kernel serves (/proc/self/environ is the environment), no link leaving the
    working directory, no larger than a peer file may be; None otherwise. Only files that were read as
    inputs get here (a file refused is PARSE003): nothing else is ever shown."""
    from verifier.language.parse import MAX_FILE_BYTES, Refused, read_file, refusal

    path = Path(file)
    try:
        if refusal(path, Path.cwd().resolve()):
            return None
        return read_file(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except (OSError, Refused):
        return None


Query = Callable[[argparse.Namespace, Config, list[str]], ExitCode]


def run_query(query: Query, args: argparse.Namespace) -> ExitCode:
    """Run a query command; its bad input (exit 2) and internal errors (exit 3) are said here, once."""
    from verifier.engine.verify import Disagreement

    try:
        config = configuration(args)
    except InputError as exc:
        return input_error(exc.diagnostics, getattr(args, "format", "text"))
    paths = model_paths(args, config)
    try:
        return query(args, config, paths)
    except InputError as exc:
        print_errors(exc.diagnostics)
        return ExitCode.INPUT
    except BadQuery as exc:
        print(f"peerproof: error: {visible(str(exc))}", file=sys.stderr)  # it may quote a name
        return ExitCode.INPUT
    except Disagreement as exc:
        print(f"peerproof: internal error: the solver and the simulator disagree: {exc}", file=sys.stderr)
        return ExitCode.INTERNAL

"""The `peerproof` command line.

Exit codes (documented in the README):
  0  no error-level finding
  1  error-level findings
  2  the input could not be read or parsed, or bad usage
  3  internal error (a bug in peerproof, e.g. the solver and the simulator
     disagree; never a verdict)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Sequence

from . import __version__
from .build import build
from .catalog import Report, run_rules
from .diagnostics import Diagnostic, InputError, sort_diagnostics
from .model import Model
from .parse import SourceFile, read_sources
from .render import render_json, render_text
from .solve import DEFAULT_RLIMIT, DEFAULT_TIMEOUT_MS, Limits

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("text", "json")


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on exit code 2 and no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"peerproof: error: {message}\n")


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid timestamp {text!r}; expected ISO 8601 like 2026-11-14T09:30:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _positive(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="peerproof", description="Prove what peered cloud networks can and cannot reach.")
    parser.add_argument("--version", action="version", version=f"peerproof {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("paths", nargs="+", metavar="PATH", help="*.peer files, or directories to search")
    common.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")

    check = commands.add_parser("check", parents=[common], help="check a model and prove its assertions")
    check.add_argument("--now", type=_timestamp, default=None,
                       help="the time for time-dependent rules, ISO 8601 (default: the clock)")
    check.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT_MS, metavar="MS",
                       help=f"solver time limit per query, in ms (default: {DEFAULT_TIMEOUT_MS})")
    check.add_argument("--rlimit", type=_positive, default=DEFAULT_RLIMIT, metavar="N",
                       help=f"solver resource limit per query, deterministic (default: {DEFAULT_RLIMIT}; 0: none)")
    commands.add_parser("stats", parents=[common], help="parse and build only; count what was read")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    except KeyboardInterrupt:
        print("peerproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so plainly, never as a verdict
        print(f"peerproof: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in peerproof, not in your model; please report it with the input.",
              file=sys.stderr)
        return EXIT_INTERNAL


def _main(argv: Sequence[str] | None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    try:
        sources = read_sources(args.paths)
        model, build_findings = build(sources)
    except InputError as exc:
        return _report_input_error(exc.diagnostics, args.format)
    if args.command == "stats":
        return _stats(model, args.format)
    now = args.now or datetime.now(timezone.utc)
    limits = Limits(timeout_ms=args.timeout, rlimit=args.rlimit)
    report = run_rules(model, now, build_findings, {"limits": limits})
    _emit(report, sources, args.format)
    if any(d.code.startswith("INTERNAL") for d in report.diagnostics):
        return EXIT_INTERNAL
    return EXIT_FINDINGS if any(d.severity == "error" for d in report.diagnostics) else EXIT_OK


def _emit(report: Report, sources: list[SourceFile], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(render_json(report.diagnostics, len(sources), report.verdicts))
    else:
        sys.stdout.write(render_text(report.diagnostics, {s.path: s.text for s in sources}, len(sources),
                                     report.verdicts))


def _report_input_error(diagnostics: list[Diagnostic], fmt: str) -> int:
    diagnostics = sort_diagnostics(diagnostics)
    if fmt == "json":
        sys.stdout.write(render_json(diagnostics, len({d.span.file for d in diagnostics})))
    else:
        texts = {}
        for d in diagnostics:
            try:
                with open(d.span.file, encoding="utf-8", errors="replace") as handle:
                    texts[d.span.file] = handle.read()
            except OSError:
                pass
        sys.stderr.write(render_text(diagnostics, texts, None))
    return EXIT_INPUT


def stats_of(model: Model) -> dict[str, int]:
    nets = model.nets
    return {
        "files": len(model.files),
        "nets": len(nets),
        "subnets": sum(len(n.subnets) for n in nets),
        "vms": sum(len(n.vms) for n in nets),
        "peerings": len(model.peerings),
        "route_tables": sum(len(n.route_tables) for n in nets),
        "routes": sum(len(t.routes) for n in nets for t in n.route_tables),
        "security_groups": sum(len(n.security_groups) for n in nets),
        "network_acls": sum(len(n.network_acls) for n in nets),
        "rules": sum(len(g.rules) for n in nets for g in n.security_groups)
        + sum(len(a.rules) for n in nets for a in n.network_acls),
        "assertions": len(model.assertions),
    }


def _stats(model: Model, fmt: str) -> int:
    counts = stats_of(model)
    if fmt == "json":
        sys.stdout.write(json.dumps({"provider": model.provider, **counts}, indent=2) + "\n")
    else:
        sys.stdout.write(f"provider {model.provider}\n")
        sys.stdout.write("".join(f"{key.replace('_', ' ')} {value}\n" for key, value in counts.items()))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

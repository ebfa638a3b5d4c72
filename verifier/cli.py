"""The `peerproof` command line.

Exit codes (documented in the README):
  0  no finding at the failing level (`--fail-on`, default: error)
  1  findings at the failing level (or, for `diff`, a broken assertion)
  2  the input could not be read or parsed, bad configuration, or bad usage
  3  internal error (a bug in peerproof, e.g. the solver and the simulator
     disagree; never a verdict)
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from verifier import __version__
from verifier.catalog import did_you_mean, known_codes, registry, report
from verifier.commands.check import CheckResult, load_model, run_check
from verifier.diagnostics import BadQuery, Diagnostic, InputError, print_errors, sort_diagnostics
from verifier.engine.solve import DEFAULT_RLIMIT, DEFAULT_TIMEOUT_MS
from verifier.language.model import PROVIDERS, Model
from verifier.outputs import FORMATS, render
from verifier.project.config import FAIL_ON, SEVERITIES, Config, discover, load

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
# Commands whose module is imported only when they run (start-up stays short for `check`).
COMMAND_MODULES = {"why": "why", "diff": "diff", "matrix": "matrix", "graph": "graph", "shell": "shell"}


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


def _whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def _jobs(text: str) -> int:
    count = _whole(text)
    return count or (os.cpu_count() or 1)


def _codes(text: str) -> tuple[str, ...]:
    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    known = known_codes()
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise argparse.ArgumentTypeError(f"unknown code '{code}'{did_you_mean(code, known)}")
    return codes


def _severity(text: str) -> tuple[str, str]:
    code, _, level = text.partition("=")
    known = known_codes()
    if code not in known:
        raise argparse.ArgumentTypeError(f"unknown code '{code}'{did_you_mean(code, known)}")
    if level not in SEVERITIES:
        raise argparse.ArgumentTypeError(f"expected CODE=error|warning|info, got {text!r}")
    return code, level


def add_paths(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="*.peer files, or directories to search (default: `paths` of the configuration)",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="peerproof", description="Prove what peered cloud networks can and cannot reach.")
    parser.add_argument("--version", action="version", version=f"peerproof {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    model = _Parser(add_help=False)  # options of every command that reads a model
    model.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: the nearest peerproof.toml or pyproject.toml)",
    )
    model.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    model.add_argument("--provider", choices=PROVIDERS, help="the provider when the model declares none")
    model.add_argument("--exclude", action="append", metavar="GLOB", help="leave out matching files")
    model.add_argument(
        "--max-file-size", type=_whole, metavar="MB", help="refuse files larger than this (default 16 MiB)"
    )
    model.add_argument(
        "--tf-root",
        metavar="DIR",
        help="the Terraform configuration of an imported plan or state: findings point at .tf lines",
    )

    verify = _Parser(add_help=False)
    verify.add_argument(
        "--now", type=_timestamp, default=None, help="the time for time-dependent rules, ISO 8601 (default: the clock)"
    )
    verify.add_argument(
        "--timeout",
        type=_whole,
        metavar="MS",
        help=f"solver time limit per query, in ms (default: {DEFAULT_TIMEOUT_MS})",
    )
    verify.add_argument(
        "--rlimit",
        type=_whole,
        metavar="N",
        help=f"solver resource limit per query, deterministic (default: {DEFAULT_RLIMIT}; 0: none)",
    )
    verify.add_argument("--select", type=_codes, metavar="CODES", help="report only these codes (or prefixes)")
    verify.add_argument("--ignore", type=_codes, metavar="CODES", help="never report these codes (or prefixes)")
    verify.add_argument(
        "--severity",
        type=_severity,
        action="append",
        metavar="CODE=LEVEL",
        help="report CODE at LEVEL (error, warning, info)",
    )
    verify.add_argument("--fail-on", choices=FAIL_ON, help="the level that makes the exit code 1 (default: error)")

    check = commands.add_parser("check", parents=[model, verify], help="check a model and prove its assertions")
    add_paths(check)
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in text output (default: on a terminal, unless NO_COLOR is set)",
    )
    check.add_argument("--baseline", type=Path, metavar="FILE", help="accept the findings recorded in FILE")
    check.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="record today's findings in FILE (and exit 0)"
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        metavar="N",
        help="prove assertions in N processes (default 1; 0: one per core)",
    )

    stats = commands.add_parser("stats", parents=[model], help="parse and build only; count what was read")
    add_paths(stats)
    stats.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    rules = commands.add_parser("rules", help="list the rule catalog, or document one code")
    rules.add_argument("code", nargs="?", help="a code, such as ROUTE004")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    parents = [model, verify]
    why = commands.add_parser("why", parents=parents, help="why SRC can or cannot reach DST, and the fix")
    why.add_argument("source", metavar="SRC", help="a vm")
    why.add_argument("destination", metavar="DST", help="a vm or an address")
    add_paths(why)
    why.add_argument("--proto", default="tcp", help="tcp (default), udp, icmp, all or a protocol number")
    why.add_argument("--port", type=int, help="destination port (default: any port)")
    why.add_argument("--fix", action="store_true", help="write the minimal repair into the files")
    why.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    diff = commands.add_parser("diff", parents=parents, help="what a change does to reachability and findings")
    add_paths(diff)
    diff.add_argument("--git", metavar="REV", help="compare the files at git revision REV with the working tree")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    matrix = commands.add_parser("matrix", parents=parents, help="a reachability matrix by net, subnet or vm")
    add_paths(matrix)
    matrix.add_argument("--by", choices=("net", "subnet", "vm"), default="net")
    matrix.add_argument("--proto", default="all", help="tcp, udp, icmp, all (default) or a protocol number")
    matrix.add_argument("--port", type=int, help="destination port (default: some port)")
    matrix.add_argument("--format", choices=("text", "csv", "json", "svg", "html"), default="text")
    matrix.add_argument("-o", "--output", help="write to FILE instead of standard output")

    graph = commands.add_parser("graph", parents=parents, help="draw the topology (svg, html, dot, mmd)")
    add_paths(graph)
    graph.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.svg, .html, .dot or .mmd")
    graph.add_argument("--why", nargs=2, metavar=("SRC", "DST"), help="draw the path of a connection")
    graph.add_argument("--proto", default="tcp", help="with --why: the protocol (default tcp)")
    graph.add_argument("--port", type=int, help="with --why: the destination port")

    shell = commands.add_parser("shell", parents=parents, help="an interactive session over a loaded model")
    add_paths(shell)

    imports = commands.add_parser("import", help="write the peer text peerproof reads from a plan, state or dump")
    imports.add_argument(
        "source",
        metavar="SOURCE",
        nargs="+",
        help="Terraform plan or state JSON, terraform.tfstate "
        "files, or an AWS CLI / Outscale API dump (files or directories); read as one estate",
    )
    imports.add_argument("--tf-root", metavar="DIR", help="the Terraform configuration: origins point at .tf lines")
    imports.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    gen = commands.add_parser("gen", help="write a synthetic estate (for benchmarks and trials)")
    gen.add_argument("--nets", type=int, required=True, help="how many nets (1 to 8192)")
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_argument(
        "--assertions", type=float, default=0.5, metavar="K", help="assertions per spoke net (default 0.5)"
    )
    gen.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write (created)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # A run builds a large, mostly acyclic heap and then exits: the cyclic collector's
    # rescans of it cost 40% of a 1,000-net check and grow faster than the model. The
    # memory is the same without it (measured in benchmarks/); the shell turns it back on.
    gc.disable()
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
        print(
            f"peerproof: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in peerproof, not in your model; please report it with the input.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _main(argv: Sequence[str] | None) -> int:
    parser = make_parser()
    # Paths may come after options (`why a b --port 443 net/`): argparse leaves them over.
    args, extra = parser.parse_known_args(argv)
    if any(word.startswith("-") for word in extra) or (extra and not hasattr(args, "paths")):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.paths = list(args.paths) + extra
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    if args.command == "rules":
        return _rules(args.code, args.format)
    if args.command == "gen":
        from verifier.commands.gen import run_gen

        return run_gen(args)
    if args.command == "import":
        return _import(args.source, args.output, args.tf_root)
    try:
        config = configuration(args)
    except InputError as exc:
        return _input_error(exc.diagnostics, getattr(args, "format", "text"))
    paths = args.paths or list(config.paths)
    if not paths:
        parser.error(f"{args.command}: give a PATH, or `paths` in the configuration")
    if args.command == "stats":
        return _stats(paths, config, args.format)
    if args.command in COMMAND_MODULES:
        module = importlib.import_module(f"verifier.commands.{COMMAND_MODULES[args.command]}")
        return _answer(getattr(module, f"run_{args.command}"), args, config)
    now = args.now or datetime.now(timezone.utc)
    result = run_check(paths, config, now, args.baseline, args.jobs)
    if args.write_baseline is not None and result.readable:
        from verifier.project.baseline import write

        count = write(args.write_baseline, result.diagnostics, result.sources)
        print(f"peerproof: wrote {count} finding(s) to {args.write_baseline}", file=sys.stderr)
        return EXIT_OK
    return emit(result, args.format, args.color)


def _answer(run, args: argparse.Namespace, config: Config) -> int:
    """Run a query command; its bad input (exit 2) and internal errors (exit 3) are said here, once."""
    from verifier.engine.verify import Disagreement

    try:
        return run(args, config)
    except InputError as exc:
        print_errors(exc.diagnostics)
        return EXIT_INPUT
    except BadQuery as exc:
        print(f"peerproof: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except Disagreement as exc:
        print(f"peerproof: internal error: the solver and the simulator disagree: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


def configuration(args: argparse.Namespace) -> Config:
    """The configuration file (unless --isolated), with the command line's flags over it."""
    config = Config()
    if not args.isolated:
        path = args.config or discover(Path.cwd())
        if args.config is not None and not args.config.is_file():
            raise InputError([report("CONFIG001", "no such configuration file", _span(str(args.config)))])
        if path is not None:
            shown = Path(os.path.relpath(path)) if path.is_absolute() else path
            config = load(shown if not str(shown).startswith("..") else path, known_codes())
    severity = dict(config.severity)
    severity.update(dict(getattr(args, "severity", None) or []))
    return config.merged(
        select=getattr(args, "select", None),
        ignore=getattr(args, "ignore", None),
        severity=tuple(sorted(severity.items())),
        provider=args.provider,
        fail_on=getattr(args, "fail_on", None),
        timeout=getattr(args, "timeout", None),
        rlimit=getattr(args, "rlimit", None),
        max_file_mb=getattr(args, "max_file_size", None),
        tf_root=getattr(args, "tf_root", None),
        exclude=tuple(config.exclude) + tuple(args.exclude or ()) or None,
    )


def _span(file: str):
    from verifier.language.model import Span

    return Span(file, 1, 1, 1, 1)


def emit(result: CheckResult, fmt: str, colour_choice: str = "never") -> int:
    if not result.readable and fmt == "text":
        return _input_error(result.diagnostics, fmt)
    colour = colour_choice == "always" or (
        colour_choice == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    sys.stdout.write(render(result, fmt, colour))
    return result.exit_code


def _input_error(diagnostics: list[Diagnostic], fmt: str) -> int:
    result = CheckResult(sort_diagnostics(diagnostics), readable=False)
    if fmt != "text":
        sys.stdout.write(render(result, fmt))
        return EXIT_INPUT
    from verifier.language.parse import MAX_FILE_BYTES

    texts = {}
    for d in result.diagnostics:
        try:
            if os.path.getsize(d.span.file) <= MAX_FILE_BYTES:  # an excerpt is not worth reading a huge file
                with open(d.span.file, encoding="utf-8", errors="replace") as handle:
                    texts[d.span.file] = handle.read()
        except OSError:
            pass
    result.sources = texts
    sys.stderr.write(render(result, "text"))
    return EXIT_INPUT


def _import(sources: list[str], output: str | None, tf_root: str | None) -> int:
    from verifier import importers

    missing = [s for s in sources if not Path(s).exists()]
    if missing:
        return _input_error([report("PARSE003", "no such file or directory", _span(s)) for s in missing], "text")
    try:
        imported = importers.load([Path(s) for s in sources], Path(tf_root) if tf_root else None)
    except InputError as exc:
        return _input_error(exc.diagnostics, "text")
    for warning in sort_diagnostics([w for i in imported for w in i.warnings]):
        s = warning.span
        print(f"{s.file}:{s.line}:{s.column}: {warning.severity} {warning.code} {warning.message}", file=sys.stderr)
    text = "\n".join(i.text for i in imported)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"peerproof: wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


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


def _stats(paths: list[str], config: Config, fmt: str) -> int:
    try:
        model = load_model(paths, config).model
    except InputError as exc:
        return _input_error(exc.diagnostics, fmt)
    counts = stats_of(model)
    if fmt == "json":
        sys.stdout.write(json.dumps({"provider": model.provider, **counts}, indent=2) + "\n")
    else:
        sys.stdout.write(f"provider {model.provider}\n")
        sys.stdout.write("".join(f"{key.replace('_', ' ')} {value}\n" for key, value in counts.items()))
    return EXIT_OK


def _rules(code: str | None, fmt: str) -> int:
    entries = [(r.code, r.name, r.severity, r.summary(), r.doc) for r in registry()]
    if code is None:
        if fmt == "json":
            sys.stdout.write(
                json.dumps([{"code": c, "name": n, "severity": s, "summary": m} for c, n, s, m, _ in entries], indent=2)
                + "\n"
            )
        else:
            width = max(len(n) for _, n, _, _, _ in entries)
            sys.stdout.write("".join(f"{c:<12}{s:<8} {n:<{width}}  {m}\n" for c, n, s, m, _ in entries))
        return EXIT_OK
    found = next((e for e in entries if e[0] == code.upper()), None)
    if found is None:
        print(f"peerproof: unknown code '{code}'{did_you_mean(code.upper(), [e[0] for e in entries])}", file=sys.stderr)
        return EXIT_INPUT
    c, name, severity, summary, doc = found
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                {"code": c, "name": name, "severity": severity, "summary": summary, "doc": doc.strip()}, indent=2
            )
            + "\n"
        )
    else:
        sys.stdout.write(f"{c} {name} ({severity})\n\n{doc.strip()}\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""The commands of the command line: one module per command, listed in `COMMANDS`.

Each command module has `add_parser(commands, help)`, which declares its options,
and `run(args)`, which does the work and returns an `ExitCode`. `cli.py` imports
only the module of the command being run, so `check` (the pre-commit path) never
pays for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes (README, "Exit codes")."""

    OK = 0  # no finding at the failing level (--fail-on, default: error)
    FINDINGS = 1  # findings at the failing level (for `diff`, a broken assertion)
    INPUT = 2  # the input could not be read or parsed, bad configuration, or bad usage
    INTERNAL = 3  # a bug in peerproof (e.g. the solver and the simulator disagree); never a verdict
    INTERRUPTED = 130  # Ctrl-C


@dataclass(frozen=True)
class Command:
    name: str
    module: str  # under verifier.commands
    help: str


COMMANDS = (
    Command("check", "check", "check a model and prove its assertions"),
    Command("stats", "stats", "parse and build only; count what was read"),
    Command("rules", "rules", "list the rule catalog, or document one code"),
    Command("why", "why", "why SRC can or cannot reach DST, and the fix"),
    Command("diff", "diff", "what a change does to reachability and findings"),
    Command("matrix", "matrix", "a reachability matrix by net, subnet or vm"),
    Command("graph", "graph", "draw the topology (svg, html, dot, mmd)"),
    Command("shell", "shell", "an interactive session over a loaded model"),
    Command("import", "imports", "write the peer text peerproof reads from a plan, state or dump"),
    Command("gen", "gen", "write a synthetic estate (for benchmarks and trials)"),
)

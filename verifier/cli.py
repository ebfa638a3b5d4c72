"""The `peerproof` command line: a table of commands (`verifier.commands.COMMANDS`, and `completion`).

Only the module of the command being run is imported and declares its options;
the others appear in `--help` by name and summary. Exit codes: `ExitCode`
(documented in the README): 0 no finding at the failing level, 1 findings at
the failing level, 2 unreadable input, bad configuration or usage, 3 a bug in
peerproof (never a verdict).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from types import ModuleType
from typing import NoReturn, Sequence

from verifier import __version__
from verifier.commands import COMMANDS, Command, ExitCode
from verifier.commands.options import Parser, UsageError

# The command about the command line itself: it reads the parsers, not a model.
COMPLETION = Command("completion", "completion", "print a shell completion script (bash, zsh)")
ALL_COMMANDS = (*COMMANDS, COMPLETION)


def _chosen(argv: Sequence[str]) -> Command | None:
    """The command named on the command line: the first word that is not an option."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return next((c for c in ALL_COMMANDS if c.name == first), None)


def _module(command: Command) -> ModuleType:
    return importlib.import_module(f"verifier.commands.{command.module}")


def make_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser: the chosen command's options in full, the others by name; every command in full
    when `argv` is None (the README's usage, the completion scripts). With no command chosen
    (`--version`, `--help`), no command module is imported: none of them loads the solver then."""
    parser = Parser(prog="peerproof", description="Prove what peered cloud networks can and cannot reach.")
    parser.add_argument("--version", action="version", version=f"peerproof {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    chosen = _chosen(argv or ())
    for command in ALL_COMMANDS:
        if argv is None or command == chosen:
            _module(command).add_parser(commands, command.help)
        else:
            commands.add_parser(command.name, help=command.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` (default: the process's command line) and return its exit code. Run
    from the command line, the process then ends at once (`_leave`): freeing a large model object by
    object at the interpreter's exit took 0.5-0.7 s of a 1,000-net check, and a twentieth of a
    pre-commit run."""
    code = _guarded(argv)
    if argv is None:
        _leave(code)
    return code


def _guarded(argv: Sequence[str] | None) -> int:
    # A run builds a large, mostly acyclic heap and then exits: the cyclic collector's
    # rescans of it cost 40% of a 1,000-net check and grow faster than the model. The
    # memory is the same without it (measured in benchmarks/); the shell turns it back on.
    gc.disable()
    try:
        return int(_main(sys.argv[1:] if argv is None else list(argv)))
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else ExitCode.INPUT
    except KeyboardInterrupt:  # never a verdict: the solver and the workers pass it on (solve.py, parallel.py)
        print("peerproof: interrupted", file=sys.stderr)
        if argv is None:  # the command line itself, not a caller in this process
            _leave(ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # a bug: say so plainly, never as a verdict
        print(
            f"peerproof: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in peerproof, not in your model; please report it with the input.",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL
    finally:
        gc.enable()


def _leave(code: int) -> NoReturn:
    """End the process now: after a run, or after Ctrl-C. Every `finally` has run on the way here
    (each file written is whole and closed, workers ended) and the output is flushed; what is skipped
    is the interpreter's teardown. After a run it only frees memory the process gives back anyway.
    After an interrupt it can be unsafe: one landing inside Z3's Python binding (between making a term
    and counting a reference to it) can leave Z3's terms miscounted, and deleting its context at exit
    was seen to spin for many seconds after "interrupted" was said."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            pass
    os._exit(code)


def _main(argv: list[str]) -> ExitCode:
    parser = make_parser(argv)
    # Paths may come after options (`why a b --port 443 net/`): argparse leaves them over.
    args, extra = parser.parse_known_args(argv)
    if any(word.startswith("-") for word in extra) or (extra and not hasattr(args, "paths")):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.paths = list(args.paths) + extra
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitCode.INPUT
    command = next(c for c in ALL_COMMANDS if c.name == args.command)
    try:
        return _module(command).run(args)
    except UsageError as exc:
        parser.error(str(exc))
        raise  # unreachable: error() exits


if __name__ == "__main__":
    sys.exit(main())

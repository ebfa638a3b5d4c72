"""`peerproof shell`: an interactive session over a loaded model.

The model is read once (and again on `reload`), and the engine is kept between
queries, so questions on a large estate answer at once. Tab completes commands
and names; history is kept for the session (and `history` lists it).
"""

from __future__ import annotations

import argparse
import cmd
import shlex
import sys
from datetime import datetime, timezone
from typing import Literal

from verifier.catalog import did_you_mean, run_rules
from verifier.commands import ExitCode
from verifier.commands.check import LoadedModel, load_model
from verifier.commands.options import add_paths, port_number, query_options, run_query
from verifier.diagnostics import InputError
from verifier.engine.verify import Disagreement, Engine
from verifier.language.model import Assertion, Endpoint, Model, Ports, Protocol, Ref, Span
from verifier.language.printer import assertion_text
from verifier.outputs.escape import visible
from verifier.outputs.text import describe_counterexample
from verifier.project.config import Config

SPAN = Span.start("<shell>")
PROTOCOLS = ("tcp", "udp", "icmp", "all")


class PeerShell(cmd.Cmd):
    prompt = "peerproof> "

    def __init__(self, paths: list[str], config, now: datetime, limits, stdin=None, stdout=None):
        super().__init__(stdin=stdin, stdout=stdout)
        self.paths, self.config, self.now, self.limits = paths, config, now, limits
        self.model: Model | None = None
        self.sources: dict[str, str] = {}
        self.loaded: LoadedModel | None = None  # what was read: where a repair is searched (`repair_view`)
        self.engine: Engine | None = None
        self.history: list[str] = []

    # --- loading ------------------------------------------------------------------
    def load(self) -> bool:
        try:
            loaded = load_model(self.paths, self.config)
            sources, model, found = loaded.sources, loaded.model, loaded.findings
        except InputError as exc:
            for d in exc.diagnostics:
                self._say(f"{d.span.file}:{d.span.line}:{d.span.column}: error {d.code} {d.message}")
            return False
        report = run_rules(model, self.now, found)
        if any(d.code == "CHECK001" for d in report.diagnostics):
            for d in report.diagnostics:
                if d.severity == "error":
                    self._say(f"{d.span.file}:{d.span.line}:{d.span.column}: error {d.code} {d.message}")
            self._say("the model has structural errors: fix them, then `reload`")
            return False
        self.model, self.sources = model, {s.path: s.text for s in sources}
        self.loaded = loaded
        self.engine = Engine(model, self.now, self.limits)
        import gc

        gc.freeze()  # the model lives as long as the session: keep it out of the collector's scans
        errors = sum(1 for d in report.diagnostics if d.severity == "error")
        self._say(
            f"loaded {len(model.nets)} nets, {sum(1 for _ in model.vms())} vms, {len(model.peerings)} "
            f"peerings from {len(sources)} file(s); {errors} error(s). Type help, or a command; tab completes."
        )
        return True

    def preloop(self) -> None:
        try:
            import readline

            readline.set_completer_delims(" \t\n")  # names hold '-': complete them whole
        except ImportError:  # no readline here: the shell works, without completion
            pass

    def _say(self, text: str) -> None:
        # Names, messages and declarations as text: a control character in a name is spelt out
        # (`visible`), never sent to the terminal; tabs in a declaration are spaced out.
        self.stdout.write("\n".join(visible(line.expandtabs()) for line in text.split("\n")) + "\n")

    def precmd(self, line: str) -> str:
        if line.strip() and line.strip() != "EOF":
            self.history.append(line.strip())
        return line

    def onecmd(self, line: str) -> bool:
        try:
            return super().onecmd(line)
        except (ValueError, KeyError) as exc:
            self._say(f"error: {exc}")
        except Disagreement as exc:
            self._say(f"internal error: the solver and the simulator disagree: {exc}")
        return False

    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> None:  # an unknown command: said, and the session goes on
        word = line.split()[0]
        self._say(f"unknown command '{word}'{did_you_mean(word, self.completenames(''))}; type help")

    # --- completion -------------------------------------------------------------------
    def _names(self) -> list[str]:
        return sorted(self.model.names) if self.model else []

    def _complete(self, text: str, line: str, extra: tuple[str, ...] = ()) -> list[str]:
        words = sorted(set(self._names()) | set(extra))
        return [w for w in words if w.startswith(text)]

    def complete_why(self, text, line, begidx, endidx):
        return self._complete(text, line, PROTOCOLS)

    complete_reach = complete_isolate = complete_why

    def complete_show(self, text, line, begidx, endidx):
        return self._complete(text, line)

    def complete_matrix(self, text, line, begidx, endidx):
        return [w for w in ("net", "subnet", "vm", *PROTOCOLS) if w.startswith(text)]

    # --- commands ---------------------------------------------------------------------------
    def _query(self, arg: str, default_protocol: int | None) -> tuple[str, str, int | None, int | None]:
        from verifier.commands.why import parse_protocol
        from verifier.diagnostics import BadQuery

        words = shlex.split(arg)
        if len(words) < 2:
            raise ValueError("expected SRC DST [PROTO [PORT]]")
        try:
            protocol = parse_protocol(words[2]) if len(words) > 2 else default_protocol
        except BadQuery as exc:
            raise ValueError(str(exc)) from None
        port = _port(words[3]) if len(words) > 3 else None
        return words[0], words[1], protocol, port

    def _repair_view(self) -> tuple[Model, dict[str, str]]:
        assert self.loaded is not None  # a question is answered on a loaded model only
        return self.loaded.repair_view

    def do_why(self, arg: str) -> bool:
        """why SRC DST [PROTO [PORT]]: why a vm can or cannot reach another, and the minimal repair."""
        from verifier.commands.why import answer_why, why_text
        from verifier.diagnostics import BadQuery

        if not self.model:
            return self._not_loaded()
        source, destination, protocol, port = self._query(arg, 6)
        try:
            question = (source, destination, protocol, port)
            answer = answer_why(self.model, self.sources, self.now, *question, self.limits, view=self._repair_view)
        except BadQuery as exc:
            raise ValueError(str(exc)) from None
        self.stdout.write(why_text(answer))
        return False

    def _assert(self, kind: Literal["reach", "isolate"], arg: str) -> bool:
        if not self.model or not self.engine:
            return self._not_loaded()
        source, destination, protocol, port = self._query(arg, None)
        for name in (source, destination):
            if name not in self.model.names and ":" not in name and not name[:1].isdigit():
                raise ValueError(f"unknown name '{name}'{did_you_mean(name, self._names())}")
        target = Endpoint(Ref(destination, SPAN), None, SPAN)
        assertion = Assertion(
            kind,
            Endpoint(Ref(source, SPAN), None, SPAN),
            target,  # type: ignore[arg-type]
            Protocol(protocol, SPAN) if protocol is not None else None,
            Ports(port, port, SPAN) if port is not None else None,
            SPAN,
        )
        result = self.engine.check_assertion(assertion)
        self._say(f"{result.status}: {result.message if result.status != 'proved' else assertion_text(assertion)}")
        if result.counterexample:
            for line in describe_counterexample(result.counterexample):
                self._say("  " + line)
        return False

    def do_reach(self, arg: str) -> bool:
        """reach A B [PROTO [PORT]]: prove that every vm of A reaches every vm of B (vm, subnet or net)."""
        return self._assert("reach", arg)

    def do_isolate(self, arg: str) -> bool:
        """isolate A B [PROTO [PORT]]: prove that no packet of the kind gets from A to B."""
        return self._assert("isolate", arg)

    def do_matrix(self, arg: str) -> bool:
        """matrix [net|subnet|vm] [PROTO [PORT]]: the reachability matrix."""
        from verifier.commands.matrix import compute, render_table
        from verifier.commands.why import parse_protocol
        from verifier.diagnostics import BadQuery

        if not self.model:
            return self._not_loaded()
        words = shlex.split(arg)
        by = words.pop(0) if words and words[0] in ("net", "subnet", "vm") else "net"
        try:
            protocol = parse_protocol(words[0]) if words else None
        except BadQuery as exc:
            raise ValueError(str(exc)) from None
        port = _port(words[1]) if len(words) > 1 else None
        self._say(render_table(compute(self.model, self.now, by, protocol, port, self.limits)).removesuffix("\n"))
        return False

    def do_show(self, arg: str) -> bool:
        """show NAME: the declaration, and what refers to it."""
        from verifier.engine.repair import block_braces, offset_of

        if not self.model:
            return self._not_loaded()
        name = arg.strip()
        decl = self.model.names.get(name)
        if decl is None:
            raise ValueError(f"unknown name '{name}'{did_you_mean(name, self._names())}")
        text = self.sources[decl.span.file]
        start = offset_of(text, decl.span.line) + decl.span.column - 1
        try:
            _, closing = block_braces(text, start)
        except ValueError:
            closing = text.find("\n", start)
        self._say(f"{decl.kind} {name} ({decl.span.file}:{decl.span.line}):")
        self._say(text[start : closing + 1])
        users = [r for r in self.model.references if r.ref.name == name]
        self._say(f"referred to by {len(users)}:" if users else "referred to by nothing")
        for r in users:
            self._say(f"  {r.ref.span.file}:{r.ref.span.line}:{r.ref.span.column}: {r.role}")
        return False

    def do_reload(self, arg: str) -> bool:
        """reload: read the files again (after editing them)."""
        self.load()
        return False

    def do_history(self, arg: str) -> bool:
        """history: the commands of this session."""
        for i, line in enumerate(self.history[:-1], 1):
            self._say(f"{i:4}  {line}")
        return False

    def do_quit(self, arg: str) -> bool:
        """quit: leave the shell (or Ctrl-D)."""
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:
        self._say("")
        return True

    def _not_loaded(self) -> bool:
        self._say("no model is loaded: fix the errors above, then `reload`")
        return False


def _port(word: str) -> int:
    """A port typed in the shell, checked as `--port` is (0 to 65535, never wrapped)."""
    try:
        return port_number(word)
    except argparse.ArgumentTypeError as exc:
        raise ValueError(str(exc)) from None


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    shell = commands.add_parser("shell", parents=query_options(), help=help)
    add_paths(shell)


def run(args: argparse.Namespace) -> ExitCode:
    return run_query(_shell, args)


def _shell(args: argparse.Namespace, config: Config, paths: list[str]) -> ExitCode:
    now = args.now or datetime.now(timezone.utc)
    limits = config.limits()
    import gc

    gc.enable()  # a long session: collect as usual, but never rescan the loaded model
    shell = PeerShell(paths, config, now, limits)
    if not shell.load() and shell.model is None and not sys.stdin.isatty():
        return ExitCode.INPUT
    try:
        shell.cmdloop()
    except KeyboardInterrupt:
        # Ctrl-C, at the prompt or during a query, ends the session: the CLI says so in one line
        # and exits 130. A query is not resumed after it: an interrupt that lands inside Z3's
        # binding can leave its terms miscounted (cli._leave), and no later answer may rest on that.
        shell._say("")
        raise
    return ExitCode.OK

"""`peerproof completion bash|zsh`: a shell completion script, generated from the command parsers.

The script is made from the same parsers the command line runs (`cli.make_parser`), so a new
command or option completes as soon as it exists: commands, their options, the values an option
or argument chooses from (`--format`), and files wherever a path or a file name goes.

    peerproof completion bash > ~/.local/share/bash-completion/completions/peerproof
    peerproof completion zsh > "${fpath[1]}/_peerproof"     # or: source <(peerproof completion zsh)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

from verifier.commands import ExitCode

SHELLS = ("bash", "zsh")
# Every word the scripts hold comes from the parsers; anything else would need quoting.
WORD = re.compile(r"[A-Za-z0-9_.,+=/-]+")


# A value that names a file or a directory (by the metavar the option shows, or what reads it).
PATH_METAVARS = re.compile(r"FILE|DIR|PATH|GLOB")
PATH_TYPES = ("Path", "config_file", "output_file", "output_target")


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]
    takes_value: bool
    choices: tuple[str, ...]  # the values it takes, when it names them
    path: bool  # its value is a file or directory name
    repeats: bool  # it may be given more than once (--exclude, -o)
    help: str


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    choices: tuple[str, ...]  # what a positional argument chooses from (`completion bash|zsh`); else files


def commands_of(parser: argparse.ArgumentParser) -> tuple[tuple[Option, ...], tuple[Command, ...]]:
    """The top-level options and each command, as the scripts need them."""
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {a.dest: a.help or "" for a in subparsers._choices_actions}
    commands = []
    for name, command in subparsers.choices.items():
        positional = [a for a in command._actions if not a.option_strings]
        choices = tuple(str(c) for a in positional if a.choices for c in a.choices)
        commands.append(Command(_word(name), summaries.get(name, ""), _options(command), tuple(map(_word, choices))))
    return _options(parser), tuple(commands)


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    formatter = parser._get_formatter()
    options = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        names = tuple(_word(n) for n in action.option_strings)
        choices = tuple(_word(str(c)) for c in action.choices) if action.choices else ()
        text = formatter._expand_help(action) if action.help else ""
        options.append(Option(names, action.nargs != 0, choices, _names_a_path(action), _repeats(action), text))
    return tuple(options)


def _names_a_path(action: argparse.Action) -> bool:
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    kind = getattr(action.type, "__name__", "")
    return bool(PATH_METAVARS.search(metavar)) or kind in PATH_TYPES or action.dest == "output"


def _repeats(action: argparse.Action) -> bool:
    return isinstance(action, (argparse._AppendAction, argparse._CountAction))


def _word(text: str) -> str:
    if not WORD.fullmatch(text):  # a bug in a parser, not the user's input
        raise ValueError(f"completion: {text!r} is not a plain word")
    return text


# --- bash ------------------------------------------------------------------------------------
def bash(parser: argparse.ArgumentParser) -> str:
    top, commands = commands_of(parser)
    names = " ".join(c.name for c in commands)
    top_words = " ".join(n for o in top for n in o.names)
    cases = []
    for command in commands:
        values = []
        for option in command.options:
            if not option.takes_value:
                continue
            if option.choices:
                action = f'COMPREPLY=($(compgen -W "{" ".join(option.choices)}" -- "$cur")); '
            else:  # a file, or a value of its own (a number, a code): nothing to offer
                action = 'COMPREPLY=($(compgen -f -- "$cur")); ' if option.path else ""
            values.append(f"                {'|'.join(option.names)}) {action}return ;;")
        words = " ".join(n for o in command.options for n in o.names)
        rest = (
            f'COMPREPLY=($(compgen -W "{" ".join(command.choices)}" -- "$cur"))'
            if command.choices
            else 'COMPREPLY=($(compgen -f -- "$cur"))'
        )
        cases.append(
            f"        {command.name})\n"
            + ('            case "$prev" in\n' + "\n".join(values) + "\n            esac\n" if values else "")
            + f'            if [[ "$cur" == -* ]]; then\n'
            f'                COMPREPLY=($(compgen -W "{words}" -- "$cur"))\n'
            f"            else\n"
            f"                {rest}\n"
            f"            fi\n"
            f"            ;;"
        )
    body = "\n".join(cases)
    return f"""# bash completion for peerproof, generated by `peerproof completion bash`
_peerproof() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local command="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ "${{COMP_WORDS[i]}}" != -* ]]; then
            command="${{COMP_WORDS[i]}}"
            break
        fi
    done
    COMPREPLY=()
    case "$command" in
        "")
            COMPREPLY=($(compgen -W "{names} {top_words}" -- "$cur"))
            ;;
{body}
    esac
}}
complete -o filenames -o bashdefault -F _peerproof peerproof
"""


# --- zsh -------------------------------------------------------------------------------------
def _zsh_text(text: str) -> str:
    """A description inside `'...[text]'` or `'name:text'`: one line, quotes and brackets escaped."""
    line = " ".join(text.split())
    line = line.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")
    return line.replace("'", "'\\''")


def _zsh_spec(option: Option) -> list[str]:
    value = ""
    if option.takes_value and option.choices:
        value = f":value:({' '.join(option.choices)})"
    elif option.takes_value:
        value = ":path:_files" if option.path else ":value: "
    described = f"[{_zsh_text(option.help)}]" if option.help else ""
    if option.repeats:  # offered again after it is given
        return [f"'*{name}{described}{value}'" for name in option.names]
    if len(option.names) == 1:
        return [f"'{option.names[0]}{described}{value}'"]
    exclusive = " ".join(option.names)
    return [f"'({exclusive})'{{{','.join(option.names)}}}'{described}{value}'"]


def zsh(parser: argparse.ArgumentParser) -> str:
    top, commands = commands_of(parser)
    listing = "\n".join(f"        '{c.name}:{_zsh_text(c.help)}'" for c in commands)
    cases = []
    for command in commands:
        specs = [spec for option in command.options for spec in _zsh_spec(option)]
        rest = f"'*:argument:({' '.join(command.choices)})'" if command.choices else "'*:path:_files'"
        lines = " \\\n                ".join([*specs, rest])
        cases.append(
            f"            {command.name})\n                _arguments -s \\\n                {lines}\n            ;;"
        )
    top_specs = " \\\n        ".join(spec for option in top for spec in _zsh_spec(option))
    body = "\n".join(cases)
    return f"""#compdef peerproof
# zsh completion for peerproof, generated by `peerproof completion zsh`
_peerproof() {{
    local context state state_descr line
    typeset -A opt_args
    _arguments -C \\
        {top_specs} \\
        '1:command:->command' \\
        '*::argument:->argument'
    case $state in
    command)
        local -a commands
        commands=(
{listing}
        )
        _describe -t commands 'peerproof command' commands
        ;;
    argument)
        case $line[1] in
{body}
        esac
        ;;
    esac
}}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _peerproof "$@"
else
    compdef _peerproof peerproof
fi
"""


# --- the command -----------------------------------------------------------------------------
def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    completion = commands.add_parser("completion", help=help)
    completion.add_argument("shell", choices=SHELLS, metavar="bash|zsh", help="the shell to complete in")


def run(args: argparse.Namespace) -> ExitCode:
    from verifier.cli import make_parser

    parser = make_parser(None)  # every command, with all its options
    sys.stdout.write(bash(parser) if args.shell == "bash" else zsh(parser))
    return ExitCode.OK

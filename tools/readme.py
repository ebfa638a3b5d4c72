"""Regenerate the README's generated sections: the usage synopsis, the findings table and the speed tables.

    python tools/readme.py          rewrite README.md in place
    python tools/readme.py --check  exit 1 when README.md is not what this writes

They come from the code (the command parsers, the catalog) and the recorded benchmark results, so
they cannot drift:
`tests/test_readme.py` fails when they do.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- generated: {name} (python tools/readme.py) -->"
END = "<!-- end: {name} -->"


def _word(action: argparse.Action) -> str:
    """One option or positional, as the synopsis writes it."""
    if not action.option_strings:
        metavar = action.metavar or action.dest
        names = " ".join(metavar) if isinstance(metavar, tuple) else metavar
        if action.nargs == "*":
            return f"[{names}...]"
        if action.nargs == "+":
            return f"{names}..."
        if action.nargs == "?":
            return f"[{names}]"
        return names
    flag = action.option_strings[0]
    if action.nargs == 0:
        text = flag
    else:
        metavar = action.metavar or ("|".join(action.choices) if action.choices else action.dest.upper())
        text = f"{flag} {' '.join(metavar) if isinstance(metavar, tuple) else metavar}"
    return text if action.required else f"[{text}]"


def _wrap(head: str, words: list[str], width: int = 96) -> str:
    """`head` and the words, wrapped under the first word after `head`."""
    indent = " " * (len(head) + 1)
    lines, line = [], head
    for word in words:
        if len(line) + 1 + len(word) > width and line != indent.rstrip():
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}"
    lines.append(line)
    return "\n".join(lines)


def usage() -> str:
    from verifier.cli import make_parser
    from verifier.commands.options import model_options, verify_options

    groups = {"MODEL-OPTIONS": model_options(), "VERIFY-OPTIONS": verify_options()}
    members = {name: {a.dest for a in p._actions} - {"help"} for name, p in groups.items()}
    parser = make_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = []
    for name, command in commands.choices.items():
        own = [a for a in command._actions if not isinstance(a, argparse._HelpAction)]
        used = [group for group, dests in members.items() if dests <= {a.dest for a in own}]
        shared = set().union(*(members[group] for group in used))
        words = [_word(a) for a in own if not a.option_strings] + [f"[{group}]" for group in used]
        words += [_word(a) for a in own if a.option_strings and a.dest not in shared]
        out.append(_wrap(f"peerproof {name}", words))
    out.append("peerproof --version")
    for group, options in groups.items():
        words = [_word(a) for a in options._actions if not isinstance(a, argparse._HelpAction)]
        out.append("")
        out.append(_wrap(f"{group}:", words))
    return "```\n" + "\n".join(out) + "\n```"


def findings() -> str:
    from verifier.catalog import registry

    rows = ["| code | name | severity | what |", "| --- | --- | --- | --- |"]
    for rule in registry():
        summary = rule.summary().replace("|", "\\|")
        rows.append(f"| {rule.code} | {rule.name} | {rule.severity} | {summary} |")
    return "\n".join(rows)


def speed() -> str:
    """The benchmark tables, as benchmarks/run.py last recorded them (benchmarks/results/results.md)."""
    return (README.parent / "benchmarks" / "results" / "results.md").read_text().rstrip("\n")


SECTIONS = {"usage": usage, "findings": findings, "speed": speed}


def regenerate(text: str) -> str:
    for name, make in SECTIONS.items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + r"\n.*?\n" + re.escape(end), re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no '{begin}' ... '{end}' section")
        text = pattern.sub(lambda _: f"{begin}\n{make()}\n{end}", text)
    return text


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = regenerate(text)
    if "--check" in argv:
        if fresh != text:
            print("README.md is out of date: run python tools/readme.py", file=sys.stderr)
            return 1
        return 0
    if fresh != text:
        README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The README's public tables are generated from the code and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from tools import readme

ROOT = Path(__file__).resolve().parent.parent


def test_generated_sections_are_current():
    # usage (from the command parsers) and findings (from the catalog): `python tools/readme.py` rewrites them
    text = readme.README.read_text(encoding="utf-8")
    assert readme.regenerate(text) == text, "README.md is out of date: run python tools/readme.py"


def test_findings_table_lists_every_code():
    from verifier.catalog import registry

    table = readme.findings()
    for rule in registry():
        assert f"| {rule.code} | {rule.name} | {rule.severity} |" in table


def test_usage_names_every_command_and_option():
    from verifier.commands import COMMANDS

    synopsis = readme.usage()
    for command in COMMANDS:
        assert f"peerproof {command.name} " in synopsis
    for option in ("--format", "--baseline", "--jobs", "--fix", "--git", "--by", "--why", "--tf-root", "--fail-on"):
        assert option in synopsis


def test_layout_names_every_module():
    text = readme.README.read_text(encoding="utf-8")
    layout = text[text.index("## Layout") :]
    missing = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "verifier").rglob("*.py"))
        if path.stem != "__init__" and f"{path.stem}.py" not in layout and f"`{path.stem}`" not in layout
    ]
    assert not missing, f"the README's layout does not mention {missing}"

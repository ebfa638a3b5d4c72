"""The fast read path's stored table (`fast_table`, `peer_fast.json`, issue 15): current with the
grammar, refused when it is not (then Lark reads every file, as before), never a way to call
anything but the builder's rule methods; its scanners skip and match as Lark's lexer does; and a
pre-commit run over good files never imports Lark."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT
from hypothesis import example, given, settings
from hypothesis import strategies as st

from verifier.diagnostics import InputError
from verifier.language import fast, fast_table, parse
from verifier.language.transform import Builder

TEXT = "net a {\n  cidr 10.0.0.0/16  # the net\n  route-table 'main table' { main route 10.1.0.0/16 drop }\n}\n"


def _document() -> dict:
    return json.loads(fast.TABLE_PATH.read_text(encoding="utf-8"))


def _made() -> dict:
    declared = set(parse._DECLARED.findall(parse.grammar_text()))
    return fast_table.document(parse._built(None), declared, fast.made_from())


def test_the_stored_table_is_current():
    # After a change of the grammar or of Lark: python -m verifier.language.parse. The table made
    # now by the installed Lark is the stored one, whichever Lark made that (the states are numbered
    # in one order: the whole table compares).
    stored, made = _document(), _made()
    assert stored["made_from"] == fast.made_from()
    assert {k: v for k, v in stored.items() if k != "made_with"} == {k: v for k, v in made.items() if k != "made_with"}


def test_the_fast_path_reads_from_the_stored_table():
    assert fast.table() is not None
    declarations = fast.parse(TEXT, Builder("a.peer"))
    assert declarations is not None and declarations[0].name == "a"


@pytest.fixture
def table_at(tmp_path, monkeypatch):
    """Point the fast path at a table written by the test (the one read is forgotten before and after)."""

    def use(content: str) -> None:
        (tmp_path / "table.json").write_text(content)
        monkeypatch.setattr(fast, "TABLE_PATH", tmp_path / "table.json")
        fast.table.cache_clear()

    yield use
    fast.table.cache_clear()


def test_a_table_of_another_grammar_is_not_used_and_lark_reads_the_file(table_at):
    expected = parse.parse_source(parse.SourceFile("a.peer", TEXT), Builder("a.peer"))
    document = _document()
    document["made_from"]["grammar"] += "\n// another rule\n"
    table_at(json.dumps(document))
    assert fast.table() is None
    assert fast.parse(TEXT, Builder("a.peer")) is None
    assert parse.parse_source(parse.SourceFile("a.peer", TEXT), Builder("a.peer")) == expected


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"made_from": 1}'])
def test_an_unreadable_table_is_not_used(table_at, content):
    table_at(content)
    assert fast.table() is None


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["rules"][8].update(callback="value_error"),  # a helper of the builder, not a rule
        lambda d: d["rules"][8].update(callback="__init__"),
        lambda d: d["states"][0].update(NET=10**6),  # no such state
        lambda d: d["lexers"][0]["terminals"].append("end"),  # the scanner's own group
        lambda d: d["lexers"][0]["callbacks"].update(NET="eval"),  # no such callback
        lambda d: d["rules"][8]["children"].append([9, 0, 0]),  # past the rule's end
    ],
)
def test_a_table_naming_what_is_not_there_is_not_used(table_at, monkeypatch, change):
    # The table names builder methods and callbacks by name: only the builder's rule methods and
    # the callbacks the fast path knows are ever looked up; anything else refuses the whole table.
    document = _document()
    change(document)
    table_at(json.dumps(document))
    monkeypatch.setattr(Builder, "value_error", lambda *a: pytest.fail("a helper was called"))
    assert fast.table() is None


def test_a_terminal_that_is_not_a_pattern_leaves_the_file_to_lark(table_at):
    # A scanner is compiled when a file first needs it: a broken pattern then gives the file up.
    document = _document()
    document["terminals"]["NAME"]["pattern"] = "(unclosed"
    table_at(json.dumps(document))
    assert fast.table() is not None
    assert fast.parse(TEXT, Builder("a.peer")) is None
    assert parse.parse_source(parse.SourceFile("a.peer", TEXT), Builder("a.peer"))[0].name == "a"


def test_a_good_run_does_not_import_lark():
    # Guards against the fast path (or the builder's tokens) pulling Lark back in: 25-30 ms a run.
    model = FIXTURES / "models" / "multi-file-estate"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "verifier.cli", "check", str(model)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PEERPROOF_NO_CACHE": "1", "PATH": ""},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "verifier.language.fast" in imported  # the measure sees the reading
    assert not {m for m in imported if m.split(".")[0] == "lark"}


def test_a_syntax_error_is_still_worded_by_lark(tmp_path):
    bad = tmp_path / "bad.peer"
    bad.write_text("net a { cidr 10.0.0.0/16 @ }\n")
    builder = Builder(str(bad))
    with pytest.raises(InputError) as raised:
        parse.parse_source(parse.SourceFile(str(bad), bad.read_text()), builder)
    assert "unexpected character '@'" in raised.value.diagnostics[0].message


# --- the scanners, against Lark's lexer loop ----------------------------------------------------------


def _lark_scan(order: list[str], terminals: dict, text: str, pos: int) -> tuple[str, int, int] | None:
    """What Lark's `BasicLexer.next_token` does from `pos`: the first terminal in order that
    matches, skipped while it is an ignored one; (terminal, start, end), ("end", ...) at the end."""
    while pos < len(text):
        for name in order:
            match = re.match(terminals[name]["pattern"], text[pos:])
            if match:
                break
        else:
            return None
        if not terminals[name]["ignored"]:
            return name, pos, pos + match.end()
        pos += match.end()
    return "end", pos, pos


def _terminal(pattern: str, ignored: bool = False) -> dict:
    first = fast_table._firsts(pattern)
    return {
        "pattern": pattern,
        "ignored": ignored,
        "newline": True,
        "first": None if first is None else "".join(map(chr, first)),
    }


# A keyword Lark tries before the white space that a longer match of it overlaps (`ab`, then `[ab ]+`
# ignored: the skip must test it), a comment with disjoint first characters (skipped untested).
SYNTHETIC = {
    "AB": _terminal("ab"),
    "SPACE": _terminal("[ab ]+", ignored=True),
    "HASH": _terminal("#[^\n]*", ignored=True),
    "WORD": _terminal("[a-c]+"),
    "DASH": _terminal("-"),
}
ORDERS = [["AB", "SPACE", "HASH", "WORD", "DASH"], ["SPACE", "AB", "WORD", "HASH"], ["WORD", "HASH", "SPACE", "DASH"]]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ORDERS), st.text(alphabet="abc #-\nx", max_size=12))
@example(ORDERS[2], "a")  # Python 3.11.2's possessive `*+` over a look-ahead matched nothing here
def test_a_scanner_skips_and_matches_as_lark_s_lexer(order, text):
    pattern, _, _ = fast._scanner({"terminals": order, "retype": {}, "callbacks": {}}, SYNTHETIC)
    expected = _lark_scan(order, SYNTHETIC, text, 0)
    match = pattern.match(text, 0)
    if expected is None:
        assert match is None
    else:
        assert match is not None and (match.lastgroup, match.start(match.lastgroup), match.end()) == expected


PATTERNS = [t["pattern"] for t in _document()["terminals"].values()] + [
    "a*b",
    "(?:x|y?)z",
    "[^a]b",
    r"\s+",
    "(?i:ab)",
    "(?=a)[a-c]",
    "q{0,2}r",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.text(alphabet="abqrxyzAB09:.#- \t\n'\"/T", min_size=1, max_size=8))
def test_a_terminal_starts_only_with_the_characters_the_table_says(pattern, text):
    # Guards against a wrong first-character set: two terminals taken to start apart would let the
    # scanner skip white space where Lark's lexer reads a token.
    first = fast_table._firsts(pattern)
    match = re.match(pattern, text)
    if first is not None and match and match.end():
        assert ord(text[0]) in first


def test_a_grammar_the_fast_path_cannot_follow_is_refused():
    from lark import Lark

    grouped = Lark("start: A\nA: /a(b)/\n", parser="lalr", lexer="contextual")
    with pytest.raises(fast_table.Unsupported, match="capturing group"):
        fast_table.document(grouped, {"A"}, {})

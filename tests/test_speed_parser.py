"""The stored parse table (issue 15): current with the grammar, the same parser as one built from it,
and never a way to run code."""

from __future__ import annotations

import json
import random

import pytest
from conftest import FIXTURES

from verifier.diagnostics import InputError
from verifier.language import parse
from verifier.language.transform import Builder, reductions

PEER_FILES = sorted(FIXTURES.rglob("*.peer"))


def _callbacks() -> object:
    return reductions(set(parse._DECLARED.findall(parse.grammar_text())))


def test_the_stored_table_is_current():
    # After a change of the grammar, Lark or the parser's options: python -m verifier.language.parse.
    # (Lark numbers its states differently from run to run: what the table parses is compared below.)
    stored = json.loads(parse.TABLE_PATH.read_text(encoding="utf-8"))
    assert stored["stamp"] == parse.table_stamp()
    made = parse.table_document()["table"]["data"]
    table = stored["table"]["data"]
    assert len(table["rules"]) == len(made["rules"])
    assert len(table["parser"]["parser"]["states"]["#"]) == len(made["parser"]["parser"]["states"]["#"])


def test_the_parser_comes_from_the_stored_table():
    assert parse._stored(_callbacks()) is not None


def _outcome(lark, source: parse.SourceFile, monkeypatch) -> object:
    monkeypatch.setattr(parse, "parser", lambda: lark)
    builder = Builder(source.path)
    try:
        return ("built", parse.parse_source(source, builder), builder.errors, builder.findings)
    except InputError as exc:
        return ("error", exc.diagnostics)


def test_stored_and_built_parsers_agree_on_every_fixture_and_mutation(monkeypatch):
    # Guards against a table read back wrongly (Lark's state numbers are keys JSON turns to strings):
    # the same declarations, spans, errors and messages as the parser built from the grammar.
    callbacks = _callbacks()
    stored, built = parse._stored(callbacks), parse._built(callbacks)
    sources = [parse.SourceFile(str(p), p.read_text()) for p in PEER_FILES]
    rng = random.Random(15)
    cuts = ["", "}", "{", "->", "@", " route ", " 10.0.0.0/8 ", "\n", "vm x {", "'", "443-"]
    for index in range(600):
        source = rng.choice(sources)
        at = rng.randrange(len(source.text) + 1)
        text = source.text[:at] + rng.choice(cuts) + source.text[at + rng.randrange(4) :]
        sources.append(parse.SourceFile(f"mutated-{index}.peer", text))
    errors = 0
    for source in sources:
        fast = _outcome(stored, source, monkeypatch)
        assert fast == _outcome(built, source, monkeypatch), source.path
        errors += fast[0] == "error"
    assert errors > 100  # the mutations reach the error paths


def test_a_table_of_another_grammar_is_not_used(tmp_path, monkeypatch):
    document = json.loads(parse.TABLE_PATH.read_text(encoding="utf-8"))
    document["stamp"] = "0" * 64
    (tmp_path / "table.json").write_text(json.dumps(document))
    monkeypatch.setattr(parse, "TABLE_PATH", tmp_path / "table.json")
    assert parse._stored(_callbacks()) is None


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"stamp": 1}'])
def test_an_unreadable_table_is_not_used(tmp_path, monkeypatch, content):
    (tmp_path / "table.json").write_text(content)
    monkeypatch.setattr(parse, "TABLE_PATH", tmp_path / "table.json")
    assert parse._stored(_callbacks()) is None


def test_a_table_naming_another_class_makes_no_object_of_it(tmp_path, monkeypatch):
    # Lark's deserializer makes objects of its grammar classes only: a table that names any other
    # (here one whose making would run code) is refused, and the parser is built from the grammar.
    document = json.loads(parse.TABLE_PATH.read_text(encoding="utf-8"))
    text = json.dumps(document).replace('"__type__":"TerminalDef"', '"__type__":"Popen"', 1)
    text = text.replace('"__type__": "TerminalDef"', '"__type__": "Popen"', 1)
    assert "Popen" in text
    (tmp_path / "table.json").write_text(text)
    monkeypatch.setattr(parse, "TABLE_PATH", tmp_path / "table.json")
    assert parse._stored(_callbacks()) is None

"""The fast read path (`language.fast`) and Lark's parser read every file alike: the same declarations,
spans, errors and findings where a file parses, and where it does not, the fast path gives up and
Lark's own error is the one reported."""

from __future__ import annotations

import random

from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.diagnostics import InputError
from verifier.language import fast, parse
from verifier.language.transform import CURRENT, Builder

PEER_FILES = sorted(FIXTURES.rglob("*.peer"))
SOURCES = [parse.SourceFile(str(p), p.read_text()) for p in PEER_FILES]
CUTS = ["", "}", "{", "->", "@", " route ", " 10.0.0.0/8 ", "\n", "vm x {", "'", "443-", " main ", " drop ", '"a b"']


def _both(text: str) -> tuple[object, object]:
    """(the fast path's outcome, Lark's): each the declarations, errors and findings, or None / the
    error Lark raises."""
    lark = parse.parser()
    outcomes = []
    for reader in (fast.parse, lambda lark, text: lark.parse(text)):
        builder = Builder("file.peer")
        CURRENT.builder = builder
        try:
            parsed = reader(lark, text)
            outcomes.append(None if parsed is None else (parsed, builder.errors, builder.findings))
        except Exception as exc:  # Lark's syntax errors; the fast path never raises on bad input
            outcomes.append(("raised", type(exc).__name__))
        finally:
            CURRENT.builder = None
    return outcomes[0], outcomes[1]


def test_every_fixture_is_read_alike():
    assert len(SOURCES) > 100
    for source in SOURCES:
        quick, lark = _both(source.text)
        assert quick is not None and quick == lark, source.path


def test_mutated_files_are_read_alike_or_left_to_lark():
    rng = random.Random(6)
    refused = 0
    for _ in range(800):
        source = rng.choice(SOURCES)
        at = rng.randrange(len(source.text) + 1)
        text = source.text[:at] + rng.choice(CUTS) + source.text[at + rng.randrange(4) :]
        quick, lark = _both(text)
        if quick is None:  # given up: only where Lark does not read the file either
            refused += 1
            assert isinstance(lark, tuple) and lark[0] == "raised", text
        else:
            assert quick == lark, text
    assert refused > 100  # the mutations reach the error paths


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="net vmsubroute{}->#\"'\n0123456789./:abc-_", max_size=80))
def test_any_text_is_read_alike_or_left_to_lark(text):
    quick, lark = _both(text)
    if quick is None:
        assert isinstance(lark, tuple) and lark[0] == "raised"
    else:
        assert quick == lark


def test_a_syntax_error_is_lark_s_and_nothing_of_the_fast_path_stays(tmp_path):
    # The fast path fed the builder before giving up: what it found is dropped (Lark, reading again,
    # finds the same on its way), Lark's error said.
    text = "net a {\n  cidr 10.0.0.0/33\n}\nnet b { cidr 10.1.0.0/16 @ }\n"
    builder = Builder("broken.peer")
    try:
        parse.parse_source(parse.SourceFile("broken.peer", text), builder)
    except InputError as exc:
        (error,) = exc.diagnostics
        assert error.code == "PARSE001" and (error.span.line, error.span.column) == (4, 26)
    else:
        raise AssertionError("a syntax error was read")
    assert [e.message for e in builder.errors] == ["invalid prefix length /33: expected 0 to 32 for IPv4"]

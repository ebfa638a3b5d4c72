"""The fast read path (`language.fast`) and Lark's parser read every file alike: the same declarations,
spans, errors and findings where a file parses, and where it does not, the fast path gives up and
Lark's own error is the one reported. Beyond the results, every call of a builder method is the same:
its rule, its place and each argument (a token's terminal, text and every position field)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.diagnostics import InputError
from verifier.language import fast, parse
from verifier.language.transform import CURRENT, Builder, rule_methods

PEER_FILES = sorted(FIXTURES.rglob("*.peer"))
SOURCES = [parse.SourceFile(str(p), p.read_text()) for p in PEER_FILES]
CUTS = ["", "}", "{", "->", "@", " route ", " 10.0.0.0/8 ", "\n", "vm x {", "'", "443-", " main ", " drop ", '"a b"']
# Words the grammar reserves somewhere, each where a name may stand: the contextual lexer makes them
# keywords only where the parser's state takes the keyword.
RESERVED = ["main", "drop", "any", "routes", "net", "route", "route-table", "allow", "tcp", "icmpv6", "reach"]


def _both(text: str) -> tuple[object, object]:
    """(the fast path's outcome, Lark's): each the declarations, errors and findings, or None / the
    error Lark raises."""
    lark = parse.parser()
    outcomes = []
    for reader in (fast.parse, lambda text, builder: lark.parse(text)):
        builder = Builder("file.peer")
        CURRENT.builder = builder
        try:
            parsed = reader(text, builder)
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


# --- every call of the builder, recorded ------------------------------------------------------------


def _shown(value: Any) -> Any:
    """An argument as recorded: a token with every field Lark gives one, a list member by member."""
    if isinstance(value, str) and hasattr(value, "type"):
        fields = ("type", "line", "column", "end_line", "end_column", "start_pos", "end_pos")
        return ("token", str(value), value.value, *(getattr(value, f) for f in fields))  # type: ignore[attr-defined]
    if isinstance(value, (list, tuple)):
        return [_shown(v) for v in value]
    return value


class _Recording(Builder):
    """A builder that records each rule method's call (name, place, arguments) before making it."""

    def __init__(self, file: str):
        super().__init__(file)
        self.calls: list[tuple[Any, ...]] = []


def _recorded(name: str) -> Any:
    method = getattr(Builder, name)

    def record(self: _Recording, meta: Any, *args: Any) -> Any:
        place = (meta.line, meta.column, meta.end_line, meta.end_column)
        self.calls.append((name, place, _shown(args)))
        return method(self, meta, *args)

    return record


for _name in rule_methods():
    setattr(_Recording, _name, _recorded(_name))


@pytest.fixture(scope="module")
def recording_lark():
    """Lark's parser (its callbacks call the current builder's own methods: the recording ones)."""
    return parse.parser()


def _calls(text: str, lark: Any) -> tuple[Any, Any]:
    """Each reader's calls of the builder (None: the fast path gave up; "raised": Lark did)."""
    quick = _Recording("file.peer")
    fast_calls = quick.calls if fast.parse(text, quick) is not None else None
    slow = _Recording("file.peer")
    CURRENT.builder = slow
    try:
        lark.parse(text)
        lark_calls: Any = slow.calls
    except Exception:  # noqa: BLE001 - Lark's syntax errors
        lark_calls = "raised"
    finally:
        CURRENT.builder = None
    return fast_calls, lark_calls


def test_every_builder_call_is_the_same_on_every_fixture(recording_lark):
    for source in SOURCES:
        quick, slow = _calls(source.text, recording_lark)
        assert quick is not None and quick == slow, source.path


def test_every_builder_call_is_the_same_on_mutated_files(recording_lark):
    rng = random.Random(15)
    compared = 0
    for _ in range(300):
        source = rng.choice(SOURCES)
        at = rng.randrange(len(source.text) + 1)
        cut = rng.choice(CUTS + [f" {w} " for w in RESERVED] + ["\n\n# note\n", "'q\"uoted'", '"x y"'])
        text = source.text[:at] + cut + source.text[at + rng.randrange(4) :]
        quick, slow = _calls(text, recording_lark)
        if quick is None:
            assert slow == "raised", text
        else:
            compared += 1
            assert quick == slow, text
    assert compared > 50


@pytest.mark.parametrize("word", RESERVED)
def test_a_reserved_word_is_a_name_where_the_lexer_makes_it_one(word, recording_lark):
    # Guards against the fast path's scanners making a keyword of a word where Lark's contextual
    # lexer reads a name (a net, a table, a VM, a group called `main`, `drop`, `any`...), and the
    # reverse: `main`, `drop` and `any` are keywords in a table, a route and a rule.
    name = f'"{word}"' if "-" in word and word != "route-table" else word
    text = (
        f"net {name} {{\n  cidr 10.0.0.0/16\n"
        f"  route-table {name} {{ main\n    route 10.1.0.0/16 drop  # a comment {{\n  }}\n"
        f"  security-group {name} {{ inbound allow tcp 22 from any\n    outbound tcp to group {name} }}\n"
        f"  subnet {name} {{ cidr 10.0.1.0/24 route-table {name} zone {name} }}\n"
        f"  vm {name} {{ subnet {name} ip 10.0.1.5, 10.0.1.6 groups {name}, '{word}' }}\n}}\n"
        f"assert reach {name} -> {name} tcp 443\n"
    )
    quick, slow = _calls(text, recording_lark)
    assert quick is not None and quick == slow
    names = {arg[1] for _, _, args in quick for arg in args if isinstance(arg, tuple) and arg[0] == "token"}
    assert word in names


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "# only a comment, and no newline at the end",
        "net a{cidr 10.0.0.0/16}net b{cidr 10.1.0.0/16}peering p{requester a accepter b state active}",
        "net a {\r\n  cidr 10.0.0.0/16\r\n\f  vm w {\tsubnet s ip 10.0.1.5 }\r\n}\r\n",
        "net 'né t' {\n  cidr 10.0.0.0/16 }  # é\nassert reach 'né t' -> \"a b\" tcp 1-2",
    ],
    ids=["empty", "blank", "comment", "glued", "crlf-tab-formfeed", "unicode"],
)
def test_white_space_comments_and_positions_are_lark_s(text, recording_lark):
    # Guards against the fast path's skipping (one pattern: white space and comments before a token)
    # counting lines or columns otherwise than Lark's line counter: every place of every call.
    quick, slow = _calls(text, recording_lark)
    assert quick is not None and quick == slow

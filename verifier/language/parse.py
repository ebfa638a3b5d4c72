"""Read peer files and parse them with Lark; turn Lark's failures into located errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, cast

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.language.model import Span
from verifier.resources import grammar_text

if TYPE_CHECKING:
    from lark import Lark, Token, Tree
    from lark.exceptions import UnexpectedInput

PEER_SUFFIX = ".peer"
# Files larger than this are refused with a clear error rather than parsed for
# minutes (the parser takes about 20 us a token). A 1,000-net estate is about
# 6 MB in all; --max-file-size raises the limit.
MAX_FILE_BYTES = 16 * 1024 * 1024

# What each named terminal is, in words, for "expected ..." messages.
TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "PORT_RANGE": "a port range",
    "ADDR": "an address or block",
    "TIMESTAMP": "a timestamp (2026-11-14T09:30:00Z)",
    "ACTION": "'allow' or 'deny'",
    "ASSERT_KIND": "'reach' or 'isolate'",
    "PROTO_NAME": "a protocol (tcp, udp, icmp, all or a number)",
    "MAIN": "'main'",
    "DROP": "'drop'",
    "ANY": "'any'",
    "$END": "end of file",
}


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str


@cache
def grammar_digest() -> str:
    return hashlib.sha256(grammar_text().encode()).hexdigest()


@cache
def parser() -> "Lark":
    from lark import Lark  # imported on first use: a fully cached model never needs it

    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"NAME": _unquote},
    )


def _unquote(token: "Token") -> "Token":
    """A quoted name is the text between its quotes (its position still covers the quotes)."""
    if token.value[:1] in ("'", '"'):
        return token.update(value=token.value[1:-1])
    return token


def discover(paths: list[str]) -> list[str]:
    """Files to read: each file as given, and every *.peer file below each directory."""
    found: list[str] = []
    errors: list[Diagnostic] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.rglob(f"*{PEER_SUFFIX}")) if p.is_file())
        elif path.is_file():
            found.append(given)
        else:
            errors.append(_file_error(given, "no such file or directory"))
    if errors:
        raise InputError(errors)
    return sorted(dict.fromkeys(found))


def read_sources(paths: list[str], max_bytes: int | None = None) -> list[SourceFile]:
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    sources: list[SourceFile] = []
    errors: list[Diagnostic] = []
    for name in discover(paths):
        try:
            size = Path(name).stat().st_size
            if size > limit:
                errors.append(
                    _file_error(
                        name,
                        f"file is {size / 1048576:.1f} MiB, over the limit of "
                        f"{limit / 1048576:.0f} MiB a file; split the model into several "
                        "files, or raise --max-file-size",
                    )
                )
                continue
            data = Path(name).read_bytes()
        except OSError as exc:
            errors.append(_file_error(name, f"cannot read file: {exc.strerror or exc}"))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            span = Span(name, line, column, line, column + 1)
            errors.append(report("PARSE003", "file is not valid UTF-8 text", span))
            continue
        sources.append(SourceFile(name, text))
    if errors:
        raise InputError(errors)
    return sources


def _file_error(name: str, message: str) -> Diagnostic:
    return report("PARSE003", message, Span.start(name))


def parse_source(source: SourceFile) -> "Tree":
    """Parse one file; raise InputError with a located, worded syntax error."""
    from lark.exceptions import UnexpectedInput

    if "\x00" in source.text:
        offset = source.text.index("\x00")
        raise InputError([_syntax_error(source, offset, "unexpected NUL byte", None)])
    try:
        return parser().parse(source.text)
    except UnexpectedInput as exc:
        raise InputError([_describe(source, exc)]) from None


def _describe(source: SourceFile, exc: "UnexpectedInput") -> Diagnostic:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    end = len(source.text.rstrip())  # point just after the last token, not at an empty last line
    if isinstance(exc, UnexpectedEOF):
        offset = end
        return _syntax_error(source, offset, "unexpected end of file", _expected(exc.expected))
    if isinstance(exc, UnexpectedCharacters):
        # lark declares `pos_in_stream = None` on UnexpectedInput; the lexer's error sets the offset
        position = cast(int, exc.pos_in_stream)
        char = source.text[position] if position < len(source.text) else ""
        allowed = exc.allowed or set()
        return _syntax_error(source, position, f"unexpected character {char!r}", _expected(allowed))
    assert isinstance(exc, UnexpectedToken)
    # `accepts` replays the parser on each terminal: exact, where LALR's merged
    # lookahead sets (`expected`) may name terminals of another context.
    expected = exc.accepts or exc.expected
    token = exc.token
    if token.type == "$END":
        return _syntax_error(source, end, "unexpected end of file", _expected(expected))
    offset = token.start_pos if token.start_pos is not None else 0
    shown = token.value if len(token.value) <= 40 else token.value[:37] + "..."
    return _syntax_error(source, offset, f"unexpected {shown!r}", _expected(expected), length=len(token.value))


def _expected(terminals: Iterable[str]) -> str | None:
    words = sorted({_word(t) for t in terminals})
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _word(terminal: str) -> str:
    if terminal in TERMINAL_WORDS:
        return TERMINAL_WORDS[terminal]
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    return f"'{pattern.value}'"


def _syntax_error(source: SourceFile, offset: int, what: str, expected: str | None, length: int = 1) -> Diagnostic:
    line = source.text.count("\n", 0, offset) + 1
    column = offset - (source.text.rfind("\n", 0, offset) + 1) + 1
    message = f"syntax error: {what}"
    if expected:
        message += f"; expected {expected}"
    span = Span(source.path, line, column, line, column + max(1, length))
    return report("PARSE001", message, span)

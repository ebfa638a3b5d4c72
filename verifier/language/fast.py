"""The fast read path: a peer file parsed by Lark's own tables and scanners, with less bookkeeping.

Lark's LALR parser with its contextual lexer spends most of a large file's time on its own
bookkeeping: a line counter fed every token and every run of white space, a token made through
two constructors, a parser state object asked for each step. `parse` here drives the same
things — the parse table Lark built (or stored: `parse.parser`), the scanner Lark made for each
parser state (so a keyword is a keyword exactly where Lark's contextual lexer makes it one), the
terminal callbacks Lark applies (a quoted name unquoted, a word the grammar reserves) and the
rule callbacks of the builder — in one loop, and counts lines only where a newline can be.

It gives up at the first thing it does not expect (a character no terminal of the state matches,
a token the state does not take, an end of file too early): `None`, and the caller parses the
file again with Lark, whose error is the one reported (`parse.parse_source`). So a file that
parses gives the same declarations either way, and one that does not gives Lark's message;
tests/test_fast_parse.py holds the two to that on every fixture and on mutated files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from lark import Token
from lark.parsers.lalr_analysis import Shift

if TYPE_CHECKING:
    from lark import Lark

_new = str.__new__
_NONE = (None, None)


def _token(kind: str, value: str, pos: int, line: int, column: int, end_line: int, end_column: int) -> Token:
    """A token as Lark's lexer makes one (every field set), without its constructor's checks."""
    token = _new(Token, value)
    token.type = kind
    token.value = value
    token.start_pos = pos
    token.line = line
    token.column = column
    token.end_line = end_line
    token.end_column = end_column
    token.end_pos = pos + len(value)
    return token


class _Scanners:
    """For each parser state, what Lark's contextual lexer uses there: the compiled alternatives of its
    scanner, its terminal callbacks, which terminals are skipped and which may hold a newline."""

    def __init__(self, lark: "Lark"):
        self.lexers = lark.parser.lexer.lexers  # type: ignore[attr-defined]
        self.by_state: dict[Any, tuple[list, dict, frozenset, frozenset]] = {}
        self.by_lexer: dict[int, tuple[list, dict, frozenset, frozenset]] = {}

    def __getitem__(self, state: Any) -> tuple[list, dict, frozenset, frozenset]:
        found = self.by_state.get(state)
        if found is None:
            lexer = self.lexers[state]
            found = self.by_lexer.get(id(lexer))
            if found is None:
                scanner = lexer.scanner  # built on first use, as Lark builds it
                found = (scanner._mres, lexer.callback, lexer.ignore_types, lexer.newline_types)
                self.by_lexer[id(lexer)] = found
            self.by_state[state] = found
        return found


_SCANNERS: dict[int, _Scanners] = {}


def parse(lark: "Lark", text: str) -> Any | None:
    """What Lark's `parse` returns for `text` (the start rule's callback's value), or None where it
    would raise: then the caller asks Lark for its error."""
    try:  # Lark's insides, as of lark 1.1.9 to 1.3: another version may lay them out otherwise
        scanners = _SCANNERS.get(id(lark))
        if scanners is None:
            scanners = _SCANNERS[id(lark)] = _Scanners(lark)
        table = lark.parser.parser.parser  # type: ignore[attr-defined]
        states = table.parse_table.states
        start = table.parse_table.start_states["start"]
        end_state = table.parse_table.end_states["start"]
        callbacks = table.callbacks
        scanners[start]
    except (AttributeError, KeyError, TypeError):
        return None  # then Lark parses it all, as it always may
    state_stack = [start]
    value_stack: list[Any] = []
    # Lark's `feed_token`, step for step, inline (a call a token costs as much as the step)
    for token in _tokens(text, scanners, state_stack):
        if token is None:
            return None  # no terminal of this state matches: Lark's lexer error
        kind = token.type
        is_end = kind == "$END"
        while True:
            action, arg = states[state_stack[-1]].get(kind, _NONE)
            if action is Shift:
                if is_end:
                    return None
                state_stack.append(arg)
                value_stack.append(token if kind not in callbacks else callbacks[kind](token))
                break
            if action is None:
                return None  # a token this state does not take: Lark's parser error
            size = len(arg.expansion)
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value_stack.append(callbacks[arg](children))
            state_stack.append(states[state_stack[-1]][arg.origin.name][1])
            if is_end and state_stack[-1] == end_state:
                return value_stack[-1]
    return None


def _tokens(text: str, scanners: _Scanners, state_stack: list) -> Iterator[Token | None]:
    """The tokens of `text` as Lark's contextual lexer makes them, each with the scanner of the state
    the parser is in when it is asked for it; then Lark's end token. None where no terminal matches."""
    pos, line, line_start, length = 0, 1, 0, len(text)
    last: Token | None = None
    state = None
    while pos < length:
        if state_stack[-1] is not state:  # the scanner changes with the state only
            state = state_stack[-1]
            mres, terminal_callbacks, ignored, newlines = scanners[state]
        for mre in mres:
            match = mre.match(text, pos)
            if match:
                break
        else:
            yield None
            return
        value, kind = match.group(0), match.lastgroup
        column = pos - line_start + 1
        if kind in newlines and "\n" in value:
            end_line, end_start = line + value.count("\n"), pos + value.rindex("\n") + 1
        else:
            end_line, end_start = line, line_start
        start, pos = pos, pos + len(value)
        line, line_start, was = end_line, end_start, line
        if kind in ignored and kind not in terminal_callbacks:
            continue
        token = _token(kind, value, start, was, column, end_line, pos - end_start + 1)
        if kind in terminal_callbacks:
            token = terminal_callbacks[kind](token)  # it may retype it (a reserved word of a name's shape)
        if kind not in ignored:
            last = token
            yield token
    yield Token.new_borrow_pos("$END", "", last) if last is not None else Token("$END", "", 0, 1, 1)

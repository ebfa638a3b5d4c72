"""A token of peer text: what the builder's methods are given for a terminal of the grammar.

The fast read path (`fast`) makes these; Lark's parser, which reads a file the fast path gives up on,
makes its own `lark.Token`. Both are strings with the same fields, so the builder takes either
without importing Lark (a pre-commit run that reads only good files never loads it).
"""

from __future__ import annotations

from typing import Any


class Token(str):
    """The text of a terminal (a quoted name: without its quotes), its terminal's name and where it
    lies: 1-based line and column, exclusive end, and offsets in the file (`end_pos - start_pos` is
    the length as written, quotes included). Equal to a string of the same text, and to a token of
    the same terminal and text, as Lark's tokens are."""

    __slots__ = ("type", "start_pos", "value", "line", "column", "end_line", "end_column", "end_pos")

    type: str
    start_pos: int | None
    value: Any
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    end_pos: int | None

    def __new__(
        cls,
        type: str,
        value: Any,
        start_pos: int | None = None,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        end_pos: int | None = None,
    ) -> "Token":
        token = str.__new__(cls, value)
        token.type, token.value, token.start_pos, token.end_pos = type, value, start_pos, end_pos
        token.line, token.column, token.end_line, token.end_column = line, column, end_line, end_column
        return token

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.type, self.value, self.start_pos, self.line, self.column))

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> "Token":
        return Token(self.type, self.value, self.start_pos, self.line, self.column)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__

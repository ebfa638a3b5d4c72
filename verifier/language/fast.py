"""The fast read path: a peer file parsed from a stored table, without Lark.

`fast_table` takes from the parser Lark builds from the grammar everything its LALR parser, its
contextual lexer and its parse-tree builder do, and stores it (`peer_fast.json`, written with the
other table by `python -m verifier.language.parse`). `parse` does the same in one loop: each state's
scanner tries the state's terminals in Lark's order (so a keyword is a keyword exactly where Lark's
contextual lexer makes it one), skipping white space and comments within the same match; a
reserved word is retyped and a quoted name unquoted as Lark's callbacks do; and each reduction
calls the builder's method for its rule once, with the children Lark's tree builder would give it
(the keywords and punctuation left out, the inlined `_rule`s' children put in, None for an
optional part left out), worked out per rule when the table is read.

It gives up at the first thing it does not expect (a character no terminal of the state matches,
a token the state does not take, an end of file too early): `None`, and the caller parses the
file again with Lark, whose error is the one reported (`parse.parse_source`). So a file that
parses gives the same declarations either way, and one that does not gives Lark's message;
tests/test_fast_parse.py holds the two to that on every fixture and on mutated files. A table that
is not current with the grammar is not used: then Lark reads every file.
"""

from __future__ import annotations

import re
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable

from verifier.language.tokens import Token

# Of the table `fast_table.document` makes; part of what it was made from (a new one: write it again).
FORMAT = 1
TABLE_PATH = Path(__file__).with_name("peer_fast.json")
_QUOTES = ("'", '"')
_END = "end"  # the scanner's group for the end of the text (terminals' names are upper case)

_new = str.__new__
Reducer = Callable[[list[Any]], Any]


def made_from() -> dict[str, Any]:
    """What the table must have been made from: the grammar itself (compared whole: no digest to
    compute, nor hashlib to import, on every run), the parser's options and this format."""
    from verifier.language.parse import _LARK_OPTIONS
    from verifier.resources import grammar_text

    options = ",".join(f"{k}={v}" for k, v in sorted(_LARK_OPTIONS.items()))
    return {"format": FORMAT, "options": options, "grammar": grammar_text()}


class _Run(list[Any]):
    """The children of an inlined rule (`_net_item`, `__net_star_1`), as its parent's method takes
    them, and the first and last of them that have a place (keywords included; None: none), which
    place the parent where they stand at its edges."""

    __slots__ = ("first", "last")
    first: Any
    last: Any


Scanner = tuple["re.Pattern[str]", dict[str, Any], frozenset[str]]


class _Table:
    """The stored table made ready to run: per state its actions (a state to go to, or -1 - the rule
    to reduce) and its scanner (compiled on first use: a file uses about half of them); per rule its
    length, its name and the maker of its reducer."""

    def __init__(self, document: dict[str, Any]):
        self.terminals: dict[str, Any] = document["terminals"]
        self.lexers: list[dict[str, Any]] = document["lexers"]
        self.states: list[dict[str, int]] = document["states"]
        self.start: int = document["start"]
        self.end: int = document["end"]
        self.lexer_of: list[int] = document["lexer_of"]
        if len(self.lexer_of) != len(self.states) or not all(0 <= i < len(self.lexers) for i in self.lexer_of):
            raise ValueError("a scanner for each state")
        if not 0 <= self.start < len(self.states) or not 0 <= self.end < len(self.states):
            raise ValueError("no such state")
        if not all(terminal["newline"] for terminal in self.terminals.values() if terminal["ignored"]):
            raise ValueError("an ignored terminal whose newlines Lark does not count")  # `parse` counts them
        for actions in self.states:
            for target in actions.values():
                if not isinstance(target, int) or not -len(document["rules"]) <= target < len(self.states):
                    raise ValueError(f"no such state or rule: {target!r}")
        for lexer in self.lexers:
            for name in lexer["terminals"]:
                if not name.isidentifier() or name == _END or name not in self.terminals:
                    raise ValueError(f"not a terminal's name: {name!r}")
            if set(lexer["callbacks"].values()) - {"unquote"}:
                raise ValueError(f"no such callback: {lexer['callbacks']!r}")
            for words in lexer["retype"].values():
                if not set(words.values()) <= set(self.terminals):
                    raise ValueError(f"not a terminal's name: {words!r}")
        rules = _plain_values(document["rules"])
        self.rules = [(rule["size"], rule["origin"], rule["callback"], _maker(rule, self.terminals)) for rule in rules]
        _check_callbacks({rule["callback"] for rule in document["rules"]} - {None}, set(self.terminals))
        self.scanners: list[Scanner | None] = [None] * len(self.states)
        self._compiled: dict[int, Scanner] = {}

    def scanner(self, state: int) -> Scanner:
        """The scanner of `state`, compiled now if it is the first of its states met."""
        index = self.lexer_of[state]
        found = self._compiled.get(index)
        if found is None:
            try:
                found = _scanner(self.lexers[index], self.terminals)
            except re.error:  # not a pattern: a scanner that matches nothing, and Lark reads the file
                found = (re.compile("(?!)"), {}, frozenset())
            self._compiled[index] = found
        self.scanners[state] = found
        return found

    def reducers(self, builder: Any) -> list[tuple[int, str, Reducer]]:
        """Each rule's length, name and reducer, calling `builder`'s method for the rule."""
        return [
            (size, origin, make(getattr(builder, callback) if callback else None))
            for size, origin, callback, make in self.rules
        ]


def _scanner(lexer: dict[str, Any], terminals: dict[str, Any]) -> Scanner:
    """One state's scanner: a pattern that skips what Lark's lexer would skip there, then matches
    the token Lark's lexer would make (the first of its terminals, in its order, that matches) or the
    end of the text; what its callbacks do to a token of each terminal (retype a reserved word,
    unquote a name); the terminals whose newlines Lark counts. An ignored terminal is skipped where
    no terminal Lark tries before it matches: tested in the pattern, unless none of those can start
    with a character it starts with (`fast_table._firsts`)."""
    order = lexer["terminals"]
    patterns = [f"(?:{terminals[name]['pattern']})" for name in order]
    skips, tokens = [], []
    for index, name in enumerate(order):
        if not terminals[name]["ignored"]:
            tokens.append(f"(?P<{name}>{patterns[index]})")
            continue
        before = [i for i in range(index) if not _apart(terminals[order[i]], terminals[name])]
        if before:
            skips.append(f"(?!{'|'.join(patterns[i] for i in before)}){patterns[index]}")
        else:
            skips.append(patterns[index])
    tokens.append(rf"(?P<{_END}>\Z)")
    # An atomic group, not a possessive `*+`: Python 3.11.2's `*+` over a look-ahead fails to match
    # (`(?:(?!b)a)*+a` finds nothing in "a"); the two mean the same, and 3.11.2 reads this one right.
    skip = f"(?>(?:{'|'.join(skips)})*)" if skips else ""
    special = {}
    for name in set(lexer["retype"]) | set(lexer["callbacks"]):
        words = lexer["retype"].get(name)
        special[name] = (dict(words) if words else None, lexer["callbacks"].get(name) == "unquote")
    newline = frozenset(name for name in order if terminals[name]["newline"])
    return re.compile(f"{skip}(?:{'|'.join(tokens)})"), special, newline


def _apart(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether no text matches both terminals: they start with different characters. An ignored one
    is kept apart from the one tried before it by the skipping itself (they are tried in order)."""
    if one["ignored"]:
        return True
    first, second = one["first"], other["first"]
    return first is not None and second is not None and not set(first) & set(second)


def _check_callbacks(callbacks: set[str], terminals: set[str]) -> None:
    """Every callback the table names is one of the builder's rule methods (never another of its
    attributes), and none of them is named as a terminal (Lark would call it on each token of that
    terminal; the fast path does not). A rule the builder has no method for is said by `parse.parser`,
    building Lark's parser when the table is refused."""
    from verifier.language.transform import rule_methods

    methods = rule_methods()
    if callbacks - methods or methods & terminals:
        raise ValueError(
            f"callbacks the builder does not have: {sorted((callbacks - methods) | (methods & terminals))}"
        )


def _plain_values(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rules`, where an inlined rule whose every alternative is one child taken as it stands
    (`_net_item: account | region | ...`) gives that child itself rather than a run of one, and its
    parents take it as a child of their own: the same arguments and places, a run fewer an item."""
    rules = [dict(rule) for rule in rules]
    while True:
        alternatives: dict[str, list[dict[str, Any]]] = {}
        for rule in rules:
            alternatives.setdefault(rule["origin"], []).append(rule)
        plain = {
            origin
            for origin, each in alternatives.items()
            if all(
                r["callback"] is None
                and not r["after"]
                and not r["single"]
                and len(r["children"]) == 1
                and r["children"][0][1:] == [0, 0]
                for r in each
            )
        }
        changed = False
        for rule in rules:
            children = [
                [p, nones, 0] if what == 2 and rule["symbols"][p] in plain else [p, nones, what]
                for p, nones, what in rule["children"]
            ]
            if children != rule["children"]:
                rule["children"], changed = children, True
        if not changed:
            return [dict(r, plain=r["origin"] in plain) for r in rules]


def _maker(rule: dict[str, Any], terminals: dict[str, Any]) -> Callable[[Any], Reducer]:
    """What makes the reducer of `rule` (`fast_table._rule`) for a builder's method (None: an inlined
    rule): one call a reduction, the children picked as worked out here, once."""
    children = [(int(p), int(nones), int(what)) for p, nones, what in rule["children"]]
    after, size = int(rule["after"]), int(rule["size"])
    terms = {i for i, symbol in enumerate(rule["symbols"]) if symbol in terminals}
    if len(rule["symbols"]) != size:
        raise ValueError(f"not a rule: {rule!r}")
    if any(not 0 <= p < size or what not in (0, 1, 2) or nones < 0 for p, nones, what in children) or after < 0:
        raise ValueError(f"not a rule: {rule!r}")
    if rule["plain"]:  # the child itself (`_plain_values`)
        ((only, _, _),) = children
        return lambda method: lambda c: c[only]
    # The children that place the rule, in order: each a position and how its place is found.
    places = [(p, _TOKEN if p in terms and what != 2 else _RUN if what == 2 else _VALUE) for p, _, what in children]
    place = _placer(places)
    if rule["callback"] is None:
        return lambda method: _inliner(children, after)
    arguments = [p for p, _, what in children if what == 0]
    standing = after == 0 and all(nones == 0 and what != 2 for _, nones, what in children)  # no None, no run
    if rule["single"] and sum(nones for _, nones, _ in children) + len(children) + after == 1:
        # `?rule` with one child: the child stands for the rule, its method is not called
        alone = children[0][0] if children and not children[0][1] else None
        return lambda method: (lambda c: c[alone]) if alone is not None else (lambda c: None)
    if standing and places and places[0][1] == places[-1][1] == _TOKEN:  # placed by two tokens: most rules
        edges = (places[0][0], places[-1][0])
        return lambda method: _token_picker(method, edges, arguments)
    if standing:
        return lambda method: _picker(method, place, arguments)
    return lambda method: _assembler(method, place, children, after)


_TOKEN, _VALUE, _RUN = 0, 1, 2
_NOWHERE = (1, 1, 1, 1)  # where an empty file's start rule lies


def _placer(places: list[tuple[int, int]]) -> Callable[[list[Any]], Any]:
    """What places a reduction (`transform.At`): from the first of its children that has a place to
    the last (a token, a model object's span), as `transform._at` does."""
    from verifier.language.transform import At

    if not places:
        return lambda c: At(*_NOWHERE)
    (first, first_how), (last, last_how) = places[0], places[-1]
    if first_how == _TOKEN and last_how == _TOKEN:
        return lambda c: At(c[first].line, c[first].column, c[last].end_line, c[last].end_column)
    forward, backward = places, places[::-1]

    def place(c: list[Any]) -> Any:
        start = c[first] if first_how == _TOKEN else _edge(c, forward, "first")
        if start is None:
            return At(*_NOWHERE)
        end = c[last] if last_how == _TOKEN else _edge(c, backward, "last")
        if not isinstance(start, str):
            start = start.span
        if not isinstance(end, str):
            end = end.span
        return At(start.line, start.column, end.end_line, end.end_column)

    return place


def _edge(c: list[Any], places: list[tuple[int, int]], side: str) -> Any:
    """The first child in `places` order that has a place (an inlined rule's: its own `side`)."""
    for p, how in places:
        child = getattr(c[p], side) if how == _RUN else c[p]
        if child is not None:
            return child
    return None


def _picker(method: Any, place: Callable[[list[Any]], Any], arguments: list[int]) -> Reducer:
    """A reducer whose method takes some of the children as they stand."""
    if not arguments:
        return lambda c: method(place(c))
    if len(arguments) == 1:
        (a,) = arguments
        return lambda c: method(place(c), c[a])
    if len(arguments) == 2:
        a, b = arguments
        return lambda c: method(place(c), c[a], c[b])
    pick = itemgetter(*arguments)
    return lambda c: method(place(c), *pick(c))


def _token_picker(method: Any, edges: tuple[int, int], arguments: list[int]) -> Reducer:
    """A reducer whose method takes some of the children as they stand, placed from a token to a
    token (the keyword to the last token, as most rules): `_picker` and its placer in one call."""
    from verifier.language.transform import At

    first, last = edges
    new = object.__new__
    if len(arguments) == 1:
        (a,) = arguments

        def reduce_one(c: list[Any]) -> Any:
            start, end = c[first], c[last]
            at = new(At)
            at.line, at.column, at.end_line, at.end_column = start.line, start.column, end.end_line, end.end_column
            return method(at, c[a])

        return reduce_one
    pick = itemgetter(*arguments) if len(arguments) > 1 else lambda c: ()

    def reduce(c: list[Any]) -> Any:
        start, end = c[first], c[last]
        at = new(At)
        at.line, at.column, at.end_line, at.end_column = start.line, start.column, end.end_line, end.end_column
        return method(at, *pick(c))

    return reduce


def _assembler(
    method: Any, place: Callable[[list[Any]], Any], children: list[tuple[int, int, int]], after: int
) -> Reducer:
    """A reducer whose method takes inlined rules' children, or None for optional parts left out."""

    def reduce(c: list[Any]) -> Any:
        arguments: list[Any] = []
        for p, nones, what in children:
            if nones:
                arguments += [None] * nones
            if what == 0:
                arguments.append(c[p])
            elif what == 2:
                arguments += c[p]
        if after:
            arguments += [None] * after
        return method(place(c), *arguments)

    return reduce


def _inliner(children: list[tuple[int, int, int]], after: int) -> Reducer:
    """The reducer of an inlined rule: its children as a `_Run`, for its parent to take in."""
    if len(children) == 1 and not after and not children[0][1] and children[0][2] == 2:
        (p, _, _) = children[0]
        return lambda c: c[p]  # `__net_star_1: _net_item`: the child's own run (Lark's too)
    reuse = bool(children) and children[0][1] == 0 and children[0][2] == 2
    rest = children[1:] if reuse else children
    if not after and len(rest) == 1 and rest[0][1:] == (0, 0):
        return _one_more(children[0][0] if reuse else None, rest[0][0])

    def inline(c: list[Any]) -> _Run:
        if reuse:
            run = c[children[0][0]]  # `__net_star_1: __net_star_1 _net_item`: the left one grows
        else:
            run = _Run()
            run.first = run.last = None
        for p, nones, what in rest:
            if nones:
                run += [None] * nones
            child = c[p]
            if what == 2:
                run += child
                if child.first is not None:
                    if run.first is None:
                        run.first = child.first
                    run.last = child.last
            else:
                if what == 0:
                    run.append(child)
                if child is not None:
                    if run.first is None:
                        run.first = child
                    run.last = child
        if after:
            run += [None] * after
        return run

    return inline


def _one_more(grown: int | None, p: int) -> Reducer:
    """The reducer of an inlined rule that takes one child as it stands after a run (`__net_star_1:
    __net_star_1 _net_item`: the run grows) or alone (`__net_star_1: _net_item`: a run begins)."""

    def more(c: list[Any]) -> _Run:
        if grown is None:
            run = _Run()
            run.first = run.last = None
        else:
            run = c[grown]
        child = c[p]
        run.append(child)
        if child is not None:
            if run.first is None:
                run.first = child
            run.last = child
        return run

    return more


@cache
def table() -> _Table | None:
    """The stored table, ready to run, or None where there is none or it is not current (then Lark
    reads every file)."""
    import json

    try:
        document = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("made_from") != made_from():
            return None
        return _Table(document)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, re.error):
        return None


def parse(text: str, builder: Any) -> Any | None:
    """What Lark's `parse` returns for `text` with the builder's methods as its callbacks (the start
    rule's value), or None where it would raise, or where there is no current table: then the
    caller asks Lark."""
    ready = table()
    if ready is None:
        return None
    rules = ready.reducers(builder)[::-1]  # by action: -1 - rule, counted from the end
    states, scanners, end_state = ready.states, ready.scanners, ready.end
    state = ready.start
    state_stack = [state]
    value_stack: list[Any] = []
    pos, line, line_start = 0, 1, 0
    new, token_class = _new, Token
    while True:
        # The next token, with the scanner of the state the parser is in (Lark's `next_token`)
        pattern, special, newline = scanners[state] or ready.scanner(state)
        match = pattern.match(text, pos)
        if match is None:
            return None  # no terminal of this state matches: Lark's lexer error
        kind: str = match.lastgroup  # type: ignore[assignment]  # one of the pattern's groups matched
        start, end = match.span(kind)
        if start != pos:  # white space and comments skipped: every one may hold newlines
            skipped = text.count("\n", pos, start)
            if skipped:
                line += skipped
                line_start = text.rindex("\n", pos, start) + 1
        if kind == _END:
            token = None
            kind = "$END"
        else:
            pos = end
            value = text[start:pos]
            column = start - line_start + 1
            first_line = line
            if kind in newline and "\n" in value:
                line += value.count("\n")
                line_start = start + value.rindex("\n") + 1
            if kind in special:  # Lark's callbacks: a reserved word retyped, else a quoted name unquoted
                words, unquote = special[kind]
                retyped = kind if words is None else words.get(value, kind)
                if unquote and retyped == kind and value[:1] in _QUOTES:
                    value = value[1:-1]  # its place still covers the quotes
                kind = retyped
            token = new(token_class, value)
            token.type = kind
            token.value = value
            token.start_pos = start
            token.end_pos = pos
            token.line = first_line
            token.column = column
            token.end_line = line
            token.end_column = pos - line_start + 1
        # Lark's `feed_token`, step for step
        while True:
            action = states[state].get(kind)
            if action is None:
                return None  # a token this state does not take: Lark's parser error
            if action >= 0:
                if token is None:
                    return None
                state_stack.append(action)
                value_stack.append(token)
                state = action
                break
            size, origin, reduce = rules[action]
            if size == 1:
                del state_stack[-1]
                children = [value_stack.pop()]
            elif size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value_stack.append(reduce(children))
            state = states[state_stack[-1]][origin]
            state_stack.append(state)
            if token is None and state == end_state:
                return value_stack[-1]

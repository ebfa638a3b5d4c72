"""The fast read path's table (`fast`), made from the parser Lark builds from the grammar: run by
`python -m verifier.language.parse` (`parse.write_table`) after a change of the grammar, never at run
time. Only here are Lark's insides read; `fast` reads the table without Lark.

What it takes from Lark, as Lark does it (lark 1.1.9 to 1.3; `test_fast_table.py` holds the table to
a parser built by the installed Lark):
- the LALR table: per state, a terminal or rule name to a shift (or goto) or a reduction;
- per state, the scanner of Lark's contextual lexer: its terminals in the order it tries them
  (priority, then the longest possible match, ...: a word of NAME's shape is a NAME there and is
  retyped to a keyword only if the state takes that keyword), which are ignored (white space,
  comments), which may hold a newline (Lark counts lines in those only), and its callbacks: the
  retyping of a reserved word (Lark's `UnlessCallback`) and a quoted name's unquoting
  (`parse._unquote`);
- per rule, what Lark's parse-tree builder hands the rule's callback: the children it keeps, the
  `_rule` children it inlines, the None it puts for an optional part left out
  (`maybe_placeholders`), a `?rule`'s single child; and which callback it calls (the rule's alias,
  else its name; none for an inlined rule).
A grammar that needs anything else of Lark (a callback on an ignored terminal, a terminal with a
capturing group, a case-insensitive keyword...) is refused here, with what is missing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from lark import Lark

# The terminal callbacks the table may name, by what they do; `fast` does the same to its tokens.
USER_CALLBACKS = {"_unquote": "unquote"}


class Unsupported(Exception):
    """The grammar needs something of Lark that the fast path does not do."""


def document(lark: "Lark", declared: set[str], made_from: dict[str, Any]) -> dict[str, Any]:
    """The table of `lark` (an LALR parser with the contextual lexer), in plain JSON values, its
    states numbered in the order a walk from the start state meets them (Lark's own numbers vary from
    run to run), so that one grammar always makes the same table. `declared`: the terminals the
    grammar names (their tokens are a rule's arguments; the others, keywords and punctuation, only
    place it)."""
    import lark as lark_module

    table = lark.parser.parser.parser.parse_table  # type: ignore[attr-defined]
    rules = list(lark.rules)
    rule_index = {rule: index for index, rule in enumerate(rules)}
    start, end = table.start_states["start"], table.end_states["start"]
    order = _walk(table.states, start)
    number = {state: index for index, state in enumerate(order)}
    states = []
    for state in order:
        actions = {}
        for symbol, (action, arg) in sorted(table.states[state].items()):
            actions[symbol] = number[arg] if action.name == "Shift" else -1 - rule_index[arg]
        states.append(actions)
    lexers: list[dict[str, Any]] = []
    lexer_index: dict[str, int] = {}
    lexer_of = []
    builders = dict(lark._parse_tree_builder.rule_builders)  # type: ignore[attr-defined]
    for state in order:
        scanner = _scanner(lark.parser.lexer.lexers[state])  # type: ignore[attr-defined]
        key = repr(sorted(scanner.items()))
        if key not in lexer_index:
            lexer_index[key] = len(lexers)
            lexers.append(scanner)
        lexer_of.append(lexer_index[key])
    return {
        "made_from": made_from,
        "made_with": f"lark {lark_module.__version__}",
        "start": number[start],
        "end": number[end],
        "states": states,
        "lexer_of": lexer_of,
        "lexers": lexers,
        "terminals": _terminals(lark),
        "rules": [_rule(builders[rule], rule, declared) for rule in rules],
    }


def _walk(states: dict[Any, dict[str, Any]], start: Any) -> list[Any]:
    """Every state, in the order a breadth-first walk from `start` meets them, symbols by name."""
    order, seen = [start], {start}
    for state in order:
        for symbol, (action, arg) in sorted(states[state].items()):
            if action.name == "Shift" and arg not in seen:
                seen.add(arg)
                order.append(arg)
    missing = set(states) - seen
    if missing:
        raise Unsupported(f"{len(missing)} parser state(s) cannot be reached from the start state")
    return order


def _terminals(lark: "Lark") -> dict[str, dict[str, Any]]:
    """Each terminal's pattern as Lark's scanner compiles it, whether it is ignored, and whether
    Lark counts the newlines of its tokens (it guesses from the pattern: `_regexp_has_newline`)."""
    from lark.lexer import _regexp_has_newline

    ignored = set(lark.lexer_conf.ignore)
    found = {}
    for terminal in lark.terminals:
        pattern = terminal.pattern.to_regexp()
        if re.compile(pattern, lark.lexer_conf.g_regex_flags).groups:
            raise Unsupported(f"terminal {terminal.name} holds a capturing group: {pattern}")
        first = _firsts(pattern)
        found[terminal.name] = {
            "pattern": pattern,
            "ignored": terminal.name in ignored,
            "newline": bool(_regexp_has_newline(pattern)),
            "first": None if first is None else "".join(sorted(map(chr, first))),
        }
    for name in ignored:
        if not found[name]["newline"]:  # `fast` counts every newline of the text it skips
            raise Unsupported(f"ignored terminal {name} is one whose newlines Lark does not count")
    if lark.lexer_conf.g_regex_flags or lark.options.regex or lark.options.use_bytes:
        raise Unsupported("global regular expression flags, the regex module or bytes")
    return found


def _scanner(lexer: Any) -> dict[str, Any]:
    """What one state's contextual lexer does: the terminals its scanner tries, in order, and what
    its callbacks do to a token of each (retype a reserved word; unquote)."""
    from lark.lexer import CallChain, UnlessCallback

    scanner = lexer.scanner  # Lark builds it on first use, and the callbacks with it
    terminals = [t.name for t in scanner.terminals]
    if "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in scanner.terminals) != "|".join(
        m.pattern for m in scanner._mres
    ):
        raise Unsupported("a scanner that is not its terminals' patterns in order")
    retype: dict[str, dict[str, str]] = {}
    callbacks: dict[str, str] = {}
    for name, callback in sorted(lexer.callback.items()):
        if name not in terminals:
            continue  # never called: the state never makes such a token
        if name in lexer.ignore_types:
            raise Unsupported(f"a callback on the ignored terminal {name}")
        user = None
        if isinstance(callback, CallChain):
            callback, user = callback.callback1, callback.callback2
            if lexer.user_callbacks.get(name) is not user:
                raise Unsupported(f"a chain of callbacks on {name} that is not a retyping then the user's")
        elif not isinstance(callback, UnlessCallback):
            callback, user = None, callback
        if callback is not None:
            retype[name] = _words(callback)
        if user is not None:
            callbacks[name] = _user(name, user)
    return {"terminals": terminals, "retype": retype, "callbacks": callbacks}


def _words(unless: Any) -> dict[str, str]:
    """The words an `UnlessCallback` retypes, each to its keyword: the first of its scanner's
    terminals that matches the whole word (plain strings only: then only the string itself)."""
    words: dict[str, str] = {}
    for terminal in unless.scanner.terminals:
        if terminal.pattern.type != "str" or terminal.pattern.flags:
            raise Unsupported(f"keyword {terminal.name} is not a plain string (flags, or a pattern)")
        word = terminal.pattern.value
        words.setdefault(word, unless.scanner.fullmatch(word))
    return words


def _user(name: str, callback: Callable[..., Any]) -> str:
    what = USER_CALLBACKS.get(getattr(callback, "__name__", ""))
    if what is None:
        raise Unsupported(f"terminal callback {callback!r} on {name}: `fast` does not know what it does")
    return what


def _rule(wrappers: list[Any], rule: Any, declared: set[str]) -> dict[str, Any]:
    """What Lark's parse-tree builder does at a reduction of `rule`: the children it passes on, each
    as [position, Nones put before it, what: 0 an argument, 1 a token that only places the rule (a
    terminal the grammar does not name), 2 an inlined rule's children], the Nones put after them,
    whether a single child stands for the rule (`?rule`), and the callback (None: inlined)."""
    from lark.parse_tree_builder import ChildFilter, ChildFilterLALR, ChildFilterLALR_NoPlaceholders, ExpandSingleChild

    include = [(i, False, 0) for i in range(len(rule.expansion))]
    after, single = 0, False
    for wrapper in wrappers:
        if wrapper is ExpandSingleChild:
            single = True
        elif getattr(wrapper, "func", None) in (ChildFilterLALR, ChildFilter):
            include, after = wrapper.args
        elif getattr(wrapper, "func", None) is ChildFilterLALR_NoPlaceholders:
            include = [(i, expand, 0) for i, expand in wrapper.args[0]]
        else:
            raise Unsupported(f"rule {rule}: Lark's tree builder wraps it in {wrapper!r}")
    inlined = rule.origin.name.startswith("_")
    name = rule.alias or rule.options.template_source or rule.origin.name
    if inlined and name != rule.origin.name:
        raise Unsupported(f"rule {rule}: an inlined rule with an alias")
    children = []
    for position, expand, nones in include:
        symbol = rule.expansion[position]
        if expand:
            what = 2
        elif symbol.is_term and symbol.name not in declared:
            what = 1
        else:
            what = 0
        children.append([position, nones, what])
    if single and (inlined or any(what == 2 for _, _, what in children)):
        raise Unsupported(f"rule {rule}: a ?rule that inlines a rule, or is inlined")
    return {
        "origin": rule.origin.name,
        "size": len(rule.expansion),
        "symbols": [symbol.name for symbol in rule.expansion],
        "children": children,
        "after": after,
        "single": single,
        "callback": None if inlined else name,
    }


# A set of characters larger than this is "any character" (a negated class, a wide range).
_MANY = 512


def _firsts(pattern: str) -> set[int] | None:
    """The characters a match of `pattern` can start with (None: any, or not worked out): where two
    terminals share none, no text matches both, and `fast` need not test one before the other."""
    from re import _parser  # type: ignore[attr-defined]

    firsts, empty = _sequence_firsts(_parser.parse(pattern))
    return None if empty else firsts


def _sequence_firsts(items: Any) -> tuple[set[int] | None, bool]:
    """The first characters of a sequence of parsed items, and whether it can match empty text."""
    from re import _constants as c  # type: ignore[attr-defined]

    found: set[int] = set()
    first: set[int] | None
    for op, arg in items:
        if op is c.LITERAL:
            first, empty = {arg}, False
        elif op is c.IN:
            first, empty = _class_firsts(arg), False
        elif op is c.BRANCH:
            first, empty = set(), False
            for branch in arg[1]:
                one, one_empty = _sequence_firsts(branch)
                if one is None:
                    return None, True
                first |= one
                empty = empty or one_empty
        elif op is c.SUBPATTERN:
            if arg[1] or arg[2]:  # flags (case, dot-all...) change what it matches: not worked out
                return None, True
            first, empty = _sequence_firsts(arg[3])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            first, empty = _sequence_firsts(arg[2])
            empty = empty or arg[0] == 0
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero width: a look-ahead only narrows
            first, empty = set(), True
        else:  # any character, a back reference...: not worked out
            return None, True
        if first is None or len(found) + len(first) > _MANY:
            return None, True
        found |= first
        if not empty:
            return found, False
    return found, True


def _class_firsts(items: Any) -> set[int] | None:
    from re import _constants as c  # type: ignore[attr-defined]

    found: set[int] = set()
    for op, arg in items:
        if op is c.LITERAL:
            found.add(arg)
        elif op is c.RANGE and arg[1] - arg[0] < _MANY:
            found.update(range(arg[0], arg[1] + 1))
        else:  # negated, a category (\s, \d), a wide range
            return None
    return found

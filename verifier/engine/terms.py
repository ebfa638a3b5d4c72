"""Z3 terms made through Z3's C API: the very terms z3's Python helpers make, made cheaply.

`z3.And(a, b)` checks and converts its arguments through a dozen Python calls (the sort of each, a
common sort, a cast of each) before its one call to the C API, and `x == 5` makes the number 5 anew
each time: building an assertion's formulas spent most of its time there (issue 15). The helpers
here take terms of one context, of the sorts the call needs (the encoder's own), and make the C call
z3's helper would make, with the same arguments in the same order: the same term, so the solver is
asked the same formulas. `Numbers` makes each bit-vector value of a context once.

Only for terms the encoder made: a Python number or a term of another sort is not converted here
(a wrong sort is Z3's error, raised as `z3.Z3Exception`).
"""

from __future__ import annotations

import os
import threading
from ctypes import Array
from typing import Any, Sequence

import z3


def _array(terms: Sequence[z3.ExprRef]) -> Array[Any]:
    array: Array[Any] = (z3.Ast * len(terms))(*[t.ast for t in terms])
    return array


def and_(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """`z3.And(terms)`: a conjunction of the terms in this order (true for none)."""
    ctx = terms[0].ctx if terms else z3.main_ctx()
    return z3.BoolRef(z3.Z3_mk_and(ctx.ref(), len(terms), _array(terms)), ctx)


def or_(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """`z3.Or(terms)`: a disjunction of the terms in this order (false for none)."""
    ctx = terms[0].ctx if terms else z3.main_ctx()
    return z3.BoolRef(z3.Z3_mk_or(ctx.ref(), len(terms), _array(terms)), ctx)


def not_(term: z3.BoolRef) -> z3.BoolRef:
    """`z3.Not(term)`."""
    return z3.BoolRef(z3.Z3_mk_not(term.ctx.ref(), term.ast), term.ctx)


def implies(premise: z3.BoolRef, conclusion: z3.BoolRef) -> z3.BoolRef:
    """`z3.Implies(premise, conclusion)`."""
    return z3.BoolRef(z3.Z3_mk_implies(premise.ctx.ref(), premise.ast, conclusion.ast), premise.ctx)


def if_bool(condition: z3.BoolRef, then: z3.BoolRef, otherwise: z3.BoolRef) -> z3.BoolRef:
    """`z3.If(condition, then, otherwise)` of two truth values."""
    ctx = condition.ctx
    return z3.BoolRef(z3.Z3_mk_ite(ctx.ref(), condition.ast, then.ast, otherwise.ast), ctx)


def _reflected(left: z3.ExprRef, right: z3.ExprRef) -> bool:
    """Whether Python evaluates `left == right` as `right == left`: where the right operand is of a
    subclass of the left one's class (a value, `z3.BitVecNumRef`, against a term), its method comes
    first, and so does its term in the equation."""
    return type(right) is not type(left) and isinstance(right, type(left))


def eq(left: z3.ExprRef, right: z3.ExprRef) -> z3.BoolRef:
    """`left == right` of two terms of one sort, in the order Python puts them (`_reflected`)."""
    if _reflected(left, right):
        left, right = right, left
    return z3.BoolRef(z3.Z3_mk_eq(left.ctx.ref(), left.ast, right.ast), left.ctx)


def ne(left: z3.ExprRef, right: z3.ExprRef) -> z3.BoolRef:
    """`left != right` of two terms of one sort (z3 makes it a `distinct` of the two), in the order
    Python puts them (`_reflected`)."""
    if _reflected(left, right):
        left, right = right, left
    return z3.BoolRef(z3.Z3_mk_distinct(left.ctx.ref(), 2, _array((left, right))), left.ctx)


def eq_number(term: z3.ExprRef, number: z3.ExprRef) -> z3.BoolRef:
    """`term == 6`, the 6 made as `number`: z3 makes it in the term's sort and puts the term first."""
    return z3.BoolRef(z3.Z3_mk_eq(term.ctx.ref(), term.ast, number.ast), term.ctx)


def ne_number(term: z3.ExprRef, number: z3.ExprRef) -> z3.BoolRef:
    """`term != 6`, the 6 made as `number` (a `distinct`, the term first)."""
    return z3.BoolRef(z3.Z3_mk_distinct(term.ctx.ref(), 2, _array((term, number))), term.ctx)


def ule(left: z3.BitVecRef, right: z3.BitVecRef) -> z3.BoolRef:
    """`z3.ULE(left, right)`: unsigned less or equal."""
    return z3.BoolRef(z3.Z3_mk_bvule(left.ctx.ref(), left.ast, right.ast), left.ctx)


def uge(left: z3.BitVecRef, right: z3.BitVecRef) -> z3.BoolRef:
    """`z3.UGE(left, right)`: unsigned greater or equal."""
    return z3.BoolRef(z3.Z3_mk_bvuge(left.ctx.ref(), left.ast, right.ast), left.ctx)


def extract(high: int, low: int, term: z3.BitVecRef) -> z3.BitVecRef:
    """`z3.Extract(high, low, term)`: bits high..low."""
    return z3.BitVecRef(z3.Z3_mk_extract(term.ctx.ref(), high, low, term.ast), term.ctx)


def simplify(term: z3.BoolRef) -> z3.BoolRef:
    """`z3.simplify(term)` of a truth value, with Z3's default options."""
    return z3.BoolRef(z3.Z3_simplify(term.ctx.ref(), term.ast), term.ctx)


def substitute(term: z3.BoolRef, pairs: Sequence[tuple[z3.ExprRef, z3.ExprRef]]) -> z3.BoolRef:
    """`z3.substitute(term, *pairs)` of a truth value: each (from, to) of one sort."""
    sources, targets = _array([p[0] for p in pairs]), _array([p[1] for p in pairs])
    return z3.BoolRef(z3.Z3_substitute(term.ctx.ref(), term.ast, len(pairs), sources, targets), term.ctx)


def same(left: z3.ExprRef, right: z3.ExprRef) -> bool:
    """`left.eq(right)`: the same term (Z3 makes each term once: `true` is `true`)."""
    return bool(z3.Z3_is_eq_ast(left.ctx.ref(), left.ast, right.ast))


class Numbers:
    """The bit-vector values and the truth values of a context, each made once (a value is a pure
    function of its number and width: the same term wherever it is used)."""

    def __init__(self, ctx: z3.Context | None = None):
        if ctx is None:
            context_made()
        self.ctx = ctx if ctx is not None else z3.main_ctx()
        self.true = z3.BoolVal(True, self.ctx)
        self.false = z3.BoolVal(False, self.ctx)
        self._sorts: dict[int, z3.BitVecSortRef] = {}
        self._values: dict[tuple[int, int], z3.BitVecNumRef] = {}

    def bv(self, value: int, width: int) -> z3.BitVecNumRef:
        """`z3.BitVecVal(value, width)` (value not negative)."""
        key = (value, width)
        term = self._values.get(key)
        if term is None:
            sort = self._sorts.get(width)
            if sort is None:
                sort = self._sorts[width] = z3.BitVecSort(width, self.ctx)
            term = self._values[key] = z3.BitVecNumRef(z3.Z3_mk_numeral(self.ctx.ref(), str(value), sort.ast), self.ctx)
        return term

    def boolean(self, value: bool) -> z3.BoolRef:
        """`z3.BoolVal(value)`."""
        return self.true if value else self.false


# --- Z3's main context, made ahead ----------------------------------------------------------------
# Making Z3's main context takes about 10 ms in Z3's C code, a large part of a small check's first
# question. `make_context_early` starts making it in a thread when an engine is made (the route rules,
# which need no solver, run meanwhile); ctypes lets go of the GIL in C, so on a second core it costs
# no time. The thread only makes a `z3.Context`: it becomes Z3's main context in the thread that first
# needs one (`context_made`), unless one was made meanwhile (then it is dropped), and before any fork,
# so that no child inherits Z3 half way through making it.
_early: list[tuple[threading.Thread, list[z3.Context]]] = []


def make_context_early() -> None:
    """Start making Z3's main context, where none is made yet."""
    if _early or getattr(z3.z3, "_main_ctx", True) is not None:  # made, or a z3 that keeps it elsewhere
        return
    made: list[z3.Context] = []
    thread = threading.Thread(target=lambda: made.append(z3.Context()), name="peerproof-z3-context")
    thread.start()
    _early.append((thread, made))


def context_made() -> None:
    """Wait for the context `make_context_early` makes; make it Z3's main context if there is none."""
    while _early:
        thread, made = _early.pop()
        thread.join()
        if made and z3.z3._main_ctx is None:
            z3.z3._main_ctx = made[0]


os.register_at_fork(before=context_made)

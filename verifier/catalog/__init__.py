"""The rule API and the runner over the rule catalog in `rules/`.

A rule is a module in `rules/` holding `RULE = Rule(...)`; `rules/__init__.py`
lists them explicitly. Rules read the typed model and yield `Finding`s; the
runner turns them into `Diagnostic`s with the rule's code and severity.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal

from verifier.diagnostics import Diagnostic, Related, sort_diagnostics
from verifier.language.model import Assertion, Model, Severity, Span

if TYPE_CHECKING:
    from verifier.engine.parallel import ProofPool
    from verifier.engine.results import AssertionResult, Counterexample
    from verifier.engine.verify import Engine
    from verifier.outputs.progress import Progress

# build: reported while the model is built; structure / semantic: checks over the model;
# report: findings about the run; tool: the tool's own codes (input, configuration...).
Stage = Literal["build", "structure", "semantic", "report", "tool"]

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Use instead", "References")


@dataclass(frozen=True)
class Finding:
    """What a rule's check reports; the runner adds the rule's code and severity."""

    span: Span
    message: str
    related: tuple[Related, ...] = ()
    counterexample: Counterexample | None = None
    help: str | None = None
    severity: Severity | None = None  # overrides the rule's default (e.g. by provider)
    code: str | None = None  # CHECK002 only: a question the solver left undecided


def undecided(span: Span, rule_code: str, what: str, reason: str) -> Finding:
    """A note that a check could not be decided within the solver limits: nothing is claimed."""
    return Finding(
        span,
        f"{rule_code} not decided: could not decide {what} within the solver limits "
        f"({reason}); nothing is claimed either way",
        code="CHECK002",
    )


@dataclass
class Context:
    """What a check may consult besides the model."""

    model: Model
    now: datetime
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.model.provider

    _engine: "Engine | None" = field(default=None, init=False, repr=False)

    @property
    def engine(self) -> "Engine":
        """The verification engine, built on first use (structural checks never need it)."""
        if self._engine is None:
            from verifier.engine.limits import Limits
            from verifier.engine.verify import Engine

            self._engine = Engine(self.model, self.now, self.options.get("limits") or Limits())
        return self._engine

    @property
    def verdicts(self) -> dict[int, tuple[Assertion, AssertionResult]]:
        """The assertions decided so far (none when no semantic check ran): id -> (assertion, result)."""
        return self._engine.results if self._engine is not None else {}


Check = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    doc: str
    stage: Stage
    check: Check | None = None  # None: reported while the model is built, or by the pipeline
    # An error of a gating rule leaves the model's meaning undefined (an unknown
    # name, an ambiguous address): semantic checks do not run on such a model.
    gates: bool = False
    brief: str | None = None  # the summary, when it is not the doc's first line (tool codes)

    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.brief or self.doc.strip().splitlines()[0].strip()

    def sections(self) -> dict[str, str]:
        """The documentation's fixed sections, by heading."""
        parts = re.split(r"^## +(.+?)\s*$", self.doc, flags=re.M)
        return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


@cache
def registry() -> tuple[Rule, ...]:
    """Every code peerproof reports: the rules of `rules/`, then the tool's own codes."""
    from verifier.catalog.codes import tool_rules
    from verifier.resources import rules_package

    return tuple(rules_package().RULES) + tool_rules()


@cache
def rule_by_code() -> dict[str, Rule]:
    return {r.code: r for r in registry()}


def known_codes() -> set[str]:
    return set(rule_by_code())


def report(
    code: str,
    message: str,
    span: Span,
    related: tuple[Related, ...] = (),
    counterexample: Counterexample | None = None,
    help: str | None = None,
) -> Diagnostic:
    """A diagnostic with `code`, at the severity the catalog gives that code (KeyError: not registered)."""
    return Diagnostic(code, rule_by_code()[code].severity, message, span, related, counterexample, help)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest candidate, or ''."""
    return Suggestions(candidates)(word)


class Suggestions:
    """ "Did you mean" over one set of names, for many words (NAME001 asks once per unknown name).

    The closest name is difflib's (a ratio of at least 0.6, ties to the greater name), found among
    a bounded number of names, so that many misspellings among many names, or a name of 200,000
    characters, take linear time rather than hours:
    - a word over MAX_WORD characters gets no suggestion (nobody types it; comparing is quadratic
      in its length);
    - only names whose length allows a ratio of 0.6 are compared (exact: the ratio is at most
      2 * min / (sum of the lengths));
    - among more than NEAREST names, the WINDOW names on each side of the word in alphabetical
      order and as many in the order of the reversed names (a typo late or early in the word keeps
      the other end): an approximation, only past that many names.
    """

    MAX_WORD = 200
    NEAREST = 100  # names of one kind compared whole, up to this many
    WINDOW = 12  # past that, the names on each side of the word, alphabetically and backwards

    def __init__(self, candidates: Iterable[str]):
        self.names = sorted(set(candidates))
        self.backwards = sorted(name[::-1] for name in self.names) if len(self.names) > self.NEAREST else []

    def __call__(self, word: str) -> str:
        # difflib.get_close_matches(word, pool, n=1, cutoff=0.6), each ratio computed once.
        import difflib  # only for a name that is not found

        best: tuple[float, str] | None = None
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        for name in self._pool(word):
            matcher.set_seq1(name)
            if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
                score = matcher.ratio()
                if score >= 0.6 and (best is None or (score, name) > best):
                    best = (score, name)
        return f"; did you mean '{best[1]}'?" if best else ""

    def _pool(self, word: str) -> list[str]:
        if len(word) > self.MAX_WORD:
            return []
        if len(self.names) <= self.NEAREST:
            pool = self.names
        else:
            here = bisect.bisect_left(self.names, word)
            there = bisect.bisect_left(self.backwards, word[::-1])
            pool = sorted(
                set(self.names[max(0, here - self.WINDOW) : here + self.WINDOW])
                | {name[::-1] for name in self.backwards[max(0, there - self.WINDOW) : there + self.WINDOW]}
            )
        # A ratio of 0.6 needs 2 * min(a, b) >= 0.6 * (a + b): b between 3a/7 and 7a/3.
        return [name for name in pool if 3 * len(word) <= 7 * len(name) and 3 * len(name) <= 7 * len(word)]


@dataclass(frozen=True)
class Verdict:
    """An assertion and what became of it: proved, refuted, unknown, vacuous, or not-run."""

    text: str
    status: str
    span: Span
    depends: tuple[str, ...] = ()  # an unknown's unpinned facts (a gateway, a transitional peering)

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"assertion": self.text, "status": self.status}
        if self.depends:
            document["depends"] = list(self.depends)
        return document


@dataclass(frozen=True)
class Report:
    diagnostics: list[Diagnostic]
    verdicts: list[Verdict]


def run_rules(
    model: Model, now: datetime, build_findings: list[Diagnostic], options: dict[str, Any] | None = None
) -> Report:
    """Every check of the catalog over the model: sorted diagnostics and assertion verdicts.

    Semantic checks reason about what the model means, so they only run on a
    well-formed model: when a structural error is found they are skipped, and a
    CHECK001 note says so (nothing is skipped without a word).
    """
    context = Context(model, now, options or {})
    rules = registry()
    diagnostics = list(build_findings)
    structural = [r for r in rules if r.stage == "structure" and r.check is not None]
    semantic = [r for r in rules if r.stage == "semantic" and r.check is not None]
    say = _Ticker(context.options.get("progress"), len(structural) + len(semantic))  # the progress line
    for rule in structural:
        say(rule)
        diagnostics.extend(_run(rule, context))
    gating = {r.code for r in rules if r.gates}
    blocking = sorted({d.code for d in diagnostics if d.severity == "error" and d.code in gating})
    if blocking and semantic:
        first = min((d for d in diagnostics if d.code in blocking), key=Diagnostic.sort_key)
        diagnostics.append(
            report(
                "CHECK001",
                f"{len(semantic)} semantic checks and the assertions were not run because the model has "
                f"structural errors ({', '.join(blocking)}); fix them first",
                first.span,
            )
        )
    else:
        jobs = context.options.get("jobs", 1)
        say.assertions(context)
        pool = None
        if jobs > 1 and len(model.assertions) > 1:
            pool = context.engine.start_parallel_proofs(list(model.assertions), jobs)
        try:
            for rule in semantic:
                say(rule)
                if pool is not None and rule.code.startswith("REACH"):
                    diagnostics.extend(_collect(context, pool))
                    pool = None
                diagnostics.extend(_run(rule, context))
        finally:
            if pool is not None:  # a check failed before the assertions were collected
                pool.close()
    return Report(sort_diagnostics(diagnostics), _verdicts(context))


class _Ticker:
    """What `run_rules` tells the progress line: the rule being run (its place among the checks) and
    the assertions decided, out of all."""

    def __init__(self, progress: Progress | None, checks: int):
        self.progress = progress if progress is not None and progress.on else None
        self.checks = checks
        self.ran = 0

    def __call__(self, rule: Rule) -> None:
        self.ran += 1
        if self.progress is not None:
            self.progress.item("rule", f"rule {rule.code} ({self.ran}/{self.checks})")

    def assertions(self, context: Context) -> None:
        """Count the assertions the engine decides (under --jobs, the verdicts it collects). The engine
        is built here only for a line that shows (else when a check first asks for it: the same one)."""
        progress, total = self.progress, len(context.model.assertions)
        if progress is None or not total:
            return
        progress.count("assertions", len(context.engine.results), total)
        context.engine.on_decided = lambda decided: progress.count("assertions", decided, total)


def _collect(context: Context, pool: ProofPool) -> list[Diagnostic]:
    """Wait for the parallel proofs; a disagreement in one is an internal error, like any other."""
    from verifier.engine.results import Disagreement  # not the engine: a model with no assertion needs no z3

    try:
        pool.collect()
    except Disagreement as exc:
        span = exc.span or context.model.assertions[0].span
        return [
            report(
                "INTERNAL001",
                f"internal error in an assertion: the solver and the simulator disagree: {exc}",
                span,
            )
        ]
    return []


def _verdicts(context: Context) -> list[Verdict]:
    from verifier.language.printer import assertion_text

    results = context.verdicts
    verdicts = []
    for assertion in context.model.assertions:
        found = results.get(id(assertion))
        verdicts.append(
            Verdict(
                assertion_text(assertion),
                found[1].status if found else "not-run",
                assertion.span,
                found[1].depends if found else (),
            )
        )
    return sorted(verdicts, key=lambda v: v.span)


def _run(rule: Rule, context: Context) -> Iterator[Diagnostic]:
    from verifier.engine.results import Disagreement  # not the engine: a model with no assertion needs no z3

    assert rule.check is not None
    try:
        yield from (_diagnostic(rule, finding) for finding in rule.check(context))
    except Disagreement as exc:
        first = Span.start(context.model.files[0]) if context.model.files else Span.start("<model>")
        yield report(
            "INTERNAL001",
            f"internal error in {rule.code}: the solver and the simulator disagree: {exc}. "
            "This is a bug in peerproof; no verdict is given",
            exc.span or first,
        )


def _diagnostic(rule: Rule, finding: Finding) -> Diagnostic:
    return Diagnostic(
        code=finding.code or rule.code,
        severity=finding.severity or (rule_by_code()[finding.code].severity if finding.code else rule.severity),
        message=finding.message,
        span=finding.span,
        related=finding.related,
        counterexample=finding.counterexample,
        help=finding.help,
    )

"""What the REACH rules share: each reports the assertions of one verdict."""

from typing import Iterator

from verifier.catalog import Context, Finding


def findings(
    ctx: Context, kind: str | None, status: str, help_text: str | None = None, depends: bool | None = None
) -> Iterator[Finding]:
    """`depends`: True for the unknowns that rest on the model, False for the solver's, None for both."""
    for assertion in ctx.model.assertions:
        if kind is not None and assertion.kind != kind:
            continue
        result = ctx.engine.assertion_result(assertion)
        if result.status == status and (depends is None or bool(result.depends) == depends):
            yield Finding(assertion.span, result.message, counterexample=result.counterexample, help=help_text)

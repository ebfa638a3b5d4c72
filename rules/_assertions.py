"""What the REACH rules share: each reports the assertions of one verdict."""

from verifier.catalog import Finding


def findings(ctx, kind, status, help_text=None):
    for assertion in ctx.model.assertions:
        if kind is not None and assertion.kind != kind:
            continue
        result = ctx.engine.assertion_result(assertion)
        if result.status == status:
            yield Finding(assertion.span, result.message, counterexample=result.counterexample, help=help_text)

"""More than one `provider` declaration in a model.

## What it does
Reports every `provider` declaration after the first, across all files of the
model, naming the first.

## Why it matters
The provider selects the platform's rules (which overlaps fail, whether `deny`
exists, quotas). A model holds one platform; two declarations, even equal,
leave it unclear which file decides.

## Example
```
provider aws        # a.peer
provider outscale   # b.peer
```

## Use instead
One `provider` line, in one file of the model.

## References
- LANGUAGE.md, "Declarations": at most one per model.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule
from verifier.diagnostics import Related


def check(ctx: Context) -> Iterator[Finding]:
    providers = sorted(ctx.model.providers, key=lambda p: p.span)
    for extra in providers[1:]:
        first = providers[0]
        yield Finding(
            extra.span,
            f"a second provider declaration ('{extra.name}'); the model's provider is already "
            f"'{first.name}' at {first.span.file}:{first.span.line}:{first.span.column}",
            related=(Related(first.span, "first provider declaration"),),
        )


RULE = Rule(
    code="MODEL003", name="several-providers", severity="error", doc=__doc__, stage="structure", check=check, gates=True
)

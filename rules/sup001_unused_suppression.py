"""A suppression that suppresses nothing.

## What it does
Reports a `# peerproof: ignore[CODE] reason` comment, or one code in it, that
matched no finding on its line (or, for a comment alone on its line, on the
next line), and a suppression naming an unknown code. Codes of checks that did
not run on this model (CHECK001) are not reported.

## Why it matters
A suppression that outlives its problem hides the next one of the same kind,
written later on the same line, without anyone deciding to accept it.

## Example
```
route 10.1.0.0/16 via peering a-b   # peerproof: ignore[ROUTE004] kept for the migration
```
(the route is selected after all: nothing to suppress)

## Use instead
Remove the comment, or correct its code.

## References
- ruff: "unused-noqa" (RUF100), the same idea.
"""

from verifier.catalog import Rule

RULE = Rule(code="SUP001", name="unused-suppression", severity="warning", doc=__doc__, stage="report")

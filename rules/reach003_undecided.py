"""An assertion the solver could not decide within its limits.

## What it does
Reports an assertion for which the solver ran out of time (`--timeout`) or
resources (`--rlimit`) before it found either a proof or a counterexample,
naming the query.

## Why it matters
Neither a pass nor a failure: peerproof never reports as proved what the
solver did not prove. It is an error so that CI does not pass on it.

## Example
Any assertion over a very large estate with a small `--timeout`.

## Use instead
Raise `--timeout`/`--rlimit`, or narrow the assertion (a subnet instead of a
net, a port instead of every port).

## References
- Z3: "timeout" and "rlimit" solver parameters.
"""

from typing import Iterator

from verifier.catalog import Context, Finding, Rule

from ._assertions import findings


def check(ctx: Context) -> Iterator[Finding]:
    # An unknown that rests on the model (a gateway, a transitional peering) is REACH005's.
    return findings(
        ctx, None, "unknown", help_text="raise --timeout or --rlimit, or narrow the assertion", depends=False
    )


RULE = Rule(code="REACH003", name="assertion-undecided", severity="error", doc=__doc__, stage="semantic", check=check)

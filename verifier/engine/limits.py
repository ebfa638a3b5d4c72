"""The solver's limits per query, and their defaults (no z3 here: the command line reads them)."""

from __future__ import annotations

from dataclasses import dataclass

# Wall-clock limit per query, so one pathological query cannot hang a
# pre-commit hook; its expiry is an `unknown`, never a verdict.
DEFAULT_TIMEOUT_MS = 10_000
# Z3's resource counter is deterministic, unlike the clock: a query that gives
# up, gives up at the same point on every machine, so an `unknown` is
# reproducible in CI. Sized well above what the fixtures need (< 1e6).
DEFAULT_RLIMIT = 50_000_000


@dataclass(frozen=True)
class Limits:
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    rlimit: int = DEFAULT_RLIMIT

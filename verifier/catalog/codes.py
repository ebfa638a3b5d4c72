"""The tool's own codes (input errors, configuration, baselines, suppressions, internal errors).

They are rules of the catalog like any other (stage "tool", no check): listed by
`peerproof rules`, in SARIF's and JUnit's rule lists, and the severity of every
diagnostic carrying them comes from here (`verifier.catalog.report`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.language.model import Severity

if TYPE_CHECKING:
    from verifier.catalog import Rule


def _tool(code: str, name: str, severity: Severity, summary: str, doc: str) -> Rule:
    from verifier.catalog import Rule

    return Rule(code, name, severity, doc, "tool", brief=summary)


def tool_rules() -> tuple[Rule, ...]:
    """The tool's codes as catalog rules, in the order `peerproof rules` lists them."""
    return tuple(_tool(*entry) for entry in _TOOL_CODES)


_TOOL_CODES: tuple[tuple[str, str, Severity, str, str], ...] = (
    (
        "PARSE001",
        "syntax-error",
        "error",
        "A syntax error in a peer file (exit 2).",
        "The file does not follow the grammar. The message says what was found and what was expected; "
        "nothing of the model is checked until the file parses.",
    ),
    (
        "PARSE002",
        "malformed-value",
        "error",
        "A malformed value: address, prefix, port, state, timestamp, provider, protocol or rule number; or an "
        "imported JSON value of the wrong shape (exit 2).",
        "The value is located exactly; the message says what form was expected.",
    ),
    (
        "PARSE003",
        "unreadable-file",
        "error",
        "A file that cannot be read, or is not UTF-8 (exit 2).",
        "A path that does not exist, cannot be read, or holds bytes that are not UTF-8.",
    ),
    (
        "CONFIG001",
        "bad-configuration",
        "error",
        "An invalid configuration (exit 2).",
        "An unknown key or code in [tool.peerproof] or peerproof.toml, a value of the wrong type, or "
        "invalid TOML, located in the configuration file, with 'did you mean'.",
    ),
    (
        "BASE001",
        "stale-baseline",
        "warning",
        "Baseline entries that no longer match any finding.",
        "The problems they accepted were fixed, or changed: refresh the baseline with --write-baseline so "
        "that it does not hide a future finding with the same fingerprint.",
    ),
    (
        "BASE002",
        "bad-baseline",
        "error",
        "A baseline file that cannot be read or is not a baseline (exit 2).",
        "The file given to --baseline must be one written by --write-baseline.",
    ),
    (
        "INTERNAL001",
        "internal-error",
        "error",
        "The solver and the simulator disagree: a bug in peerproof (exit 3).",
        "Every witness the solver finds is replayed on the concrete simulator before it is reported. When "
        "they disagree, no verdict is given: please report the model.",
    ),
)

"""Codes the tool itself reports, outside the rule catalog: input errors and meta findings.

Listed with the catalog by `peerproof rules` and in SARIF's rule list.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.language.model import Severity


@dataclass(frozen=True)
class ToolCode:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str


TOOL_CODES = (
    ToolCode(
        "PARSE001",
        "syntax-error",
        "error",
        "A syntax error in a peer file (exit 2).",
        "The file does not follow the grammar. The message says what was found and what was expected; "
        "nothing of the model is checked until the file parses.",
    ),
    ToolCode(
        "PARSE002",
        "malformed-value",
        "error",
        "A malformed value: address, prefix, port, state, timestamp, provider, protocol or rule number (exit 2).",
        "The value is located exactly; the message says what form was expected.",
    ),
    ToolCode(
        "PARSE003",
        "unreadable-file",
        "error",
        "A file that cannot be read, or is not UTF-8 (exit 2).",
        "A path that does not exist, cannot be read, or holds bytes that are not UTF-8.",
    ),
    ToolCode(
        "CONFIG001",
        "bad-configuration",
        "error",
        "An invalid configuration (exit 2).",
        "An unknown key or code in [tool.peerproof] or peerproof.toml, a value of the wrong type, or "
        "invalid TOML, located in the configuration file, with 'did you mean'.",
    ),
    ToolCode(
        "BASE001",
        "stale-baseline",
        "warning",
        "Baseline entries that no longer match any finding.",
        "The problems they accepted were fixed, or changed: refresh the baseline with --write-baseline so "
        "that it does not hide a future finding with the same fingerprint.",
    ),
    ToolCode(
        "BASE002",
        "bad-baseline",
        "error",
        "A baseline file that cannot be read or is not a baseline (exit 2).",
        "The file given to --baseline must be one written by --write-baseline.",
    ),
    ToolCode(
        "INTERNAL001",
        "internal-error",
        "error",
        "The solver and the simulator disagree: a bug in peerproof (exit 3).",
        "Every witness the solver finds is replayed on the concrete simulator before it is reported. When "
        "they disagree, no verdict is given: please report the model.",
    ),
)

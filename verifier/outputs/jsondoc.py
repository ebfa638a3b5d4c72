"""The JSON document (`--format json`): public and stable, schema version 1 (see the README)."""

from __future__ import annotations

import json
from typing import Any

from verifier import __version__
from verifier.diagnostics import Diagnostic
from verifier.outputs.records import counterexample_json
from verifier.outputs.text import summary_counts

JSON_SCHEMA_VERSION = 1


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "file": d.span.file,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "related": [
            {"message": r.message, "file": r.span.file, "line": r.span.line, "column": r.span.column} for r in d.related
        ],
        "counterexample": counterexample_json(d.counterexample),
        "help": d.help,
        "resource": d.resource,
    }


def render_json(diagnostics: list[Diagnostic], files: int, verdicts: list | None = None) -> str:
    document = {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": "peerproof", "version": __version__},
        "files": files,
        "summary": summary_counts(diagnostics),
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
        "assertions": [
            {**v.as_json(), "file": v.span.file, "line": v.span.line, "column": v.span.column} for v in verdicts or []
        ],
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"

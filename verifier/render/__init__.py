"""Renderers: pure functions from a check result to bytes on standard output."""

from __future__ import annotations

from .github import render_github
from .jsondoc import render_json
from .junit import render_junit
from .sarif import render_sarif
from .text import render_text

FORMATS = ("text", "json", "sarif", "junit", "github")


def render(result, fmt: str, colour: bool = False) -> str:
    """The output of a check (or of an input error) in one format."""
    if fmt == "json":
        return render_json(result.diagnostics, result.files, result.verdicts)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "junit":
        return render_junit(result)
    if fmt == "github":
        return render_github(result)
    return render_text(result.diagnostics, result.sources, result.files if result.readable else None,
                       result.verdicts, colour)


__all__ = ["FORMATS", "render", "render_text", "render_json"]

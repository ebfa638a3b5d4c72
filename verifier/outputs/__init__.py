"""Renderers: pure functions from a check result to bytes on standard output.

Each format's module is imported when it is used: a pre-commit run pays only
for the text renderer.
"""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "junit", "github")


def render(result, fmt: str, colour: bool = False) -> str:
    """The output of a check (or of an input error) in one format."""
    if fmt == "json":
        from verifier.outputs.jsondoc import render_json

        return render_json(result.diagnostics, result.files, result.verdicts)
    if fmt == "sarif":
        from verifier.outputs.sarif import render_sarif

        return render_sarif(result)
    if fmt == "junit":
        from verifier.outputs.junit import render_junit

        return render_junit(result)
    if fmt == "github":
        from verifier.outputs.github import render_github

        return render_github(result)
    from verifier.outputs.text import render_text

    return render_text(
        result.diagnostics, result.sources, result.files if result.readable else None, result.verdicts, colour
    )


__all__ = ["FORMATS", "render"]

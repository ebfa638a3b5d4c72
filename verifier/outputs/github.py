"""GitHub Actions workflow commands (`--format github`): one annotation per finding."""

from __future__ import annotations

from verifier.outputs.escape import visible
from verifier.outputs.text import describe_counterexample, summary_counts

KINDS = {"error": "error", "warning": "warning", "info": "notice"}


# The runner's own escaping (actions/toolkit, `escapeData` and `escapeProperty`): `%`, CR and LF
# in the message; `:` and `,` too in a property. Beyond it, no control character reaches the log
# (an ANSI sequence would colour or erase it): the message's parts are made `visible` before our
# line breaks join them, so a name cannot start a line; a property keeps the runner's %0D/%0A
# (a file's path still names the file) and has any other control spelt out.
def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return visible(_data(text)).replace(":", "%3A").replace(",", "%2C")


def render_github(result) -> str:
    out = []
    for d in result.diagnostics:
        s = d.span
        body = visible(d.message)
        if d.counterexample:
            body += "\n" + "\n".join(describe_counterexample(d.counterexample))
        if d.help:
            body += f"\nhelp: {visible(d.help)}"
        properties = (
            f"file={_property(s.file)},line={s.line},col={s.column},endLine={s.end_line},"
            f"endColumn={s.end_column},title={_property(d.code)}"
        )
        out.append(f"::{KINDS[d.severity]} {properties}::{_data(body)}")
    counts = summary_counts(result.diagnostics)
    out.append(f"peerproof: {counts['errors']} error(s), {counts['warnings']} warning(s), {counts['infos']} note(s)")
    return "\n".join(out) + "\n"

"""GitHub Actions (`--format github`): one annotation per finding, and a summary for the job's page.

Each finding is a workflow command (`::error file=...,line=...,title=peerproof CODE::message`), which
the runner turns into an annotation on the file's line. GitHub shows at most 10 error and 10 warning
annotations per step (and 50 per job): the rest stay in the log only, so the last line sums up every
finding, and the full list is in the log, in SARIF (`-o sarif=FILE`, for code scanning, which has no
such limit) and in the step summary.

The step summary: when `$GITHUB_STEP_SUMMARY` names a file (as it does in every step of a job), the
check appends `render_summary`, a markdown table of the findings and the assertions, to it; GitHub
shows it on the run's page. Appended, never overwritten: the steps of a job share the file.
"""

from __future__ import annotations

from verifier.outputs.escape import markdown_cell, visible
from verifier.outputs.text import describe_counterexample, summary_counts

KINDS = {"error": "error", "warning": "warning", "info": "notice"}
TOOL = "peerproof"
SUMMARY_ROWS = 100  # findings listed in the step summary; the rest are counted (GitHub caps it at 1 MiB)


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
            f"endColumn={s.end_column},title={_property(f'{TOOL} {d.code}')}"
        )
        out.append(f"::{KINDS[d.severity]} {properties}::{_data(body)}")
    counts = summary_counts(result.diagnostics)
    out.append(f"peerproof: {counts['errors']} error(s), {counts['warnings']} warning(s), {counts['infos']} note(s)")
    return "\n".join(out) + "\n"


def render_summary(result) -> str:
    """The run as markdown for the job's summary page: the counts, the findings, the assertions."""
    counts = summary_counts(result.diagnostics)
    verdict = "passed" if int(result.exit_code) == 0 else "failed"
    lines = [
        f"### {TOOL}: {verdict}",
        "",
        f"{counts['errors']} error(s), {counts['warnings']} warning(s), {counts['infos']} note(s)"
        + (f" in {result.files} file(s)" if result.readable else "; the input could not be read"),
        "",
    ]
    if result.diagnostics:
        lines += ["| severity | code | where | finding |", "| --- | --- | --- | --- |"]
        for d in result.diagnostics[:SUMMARY_ROWS]:
            where = f"{d.span.file}:{d.span.line}:{d.span.column}"
            lines.append(f"| {d.severity} | {d.code} | {markdown_cell(where)} | {markdown_cell(d.message)} |")
        if len(result.diagnostics) > SUMMARY_ROWS:
            lines.append(f"| | | | and {len(result.diagnostics) - SUMMARY_ROWS} more: see the log |")
        lines.append("")
    if result.verdicts:
        lines += ["| assertion | verdict | where |", "| --- | --- | --- |"]
        for v in result.verdicts:
            lines.append(f"| {markdown_cell(v.text)} | {v.status} | {markdown_cell(f'{v.span.file}:{v.span.line}')} |")
        lines.append("")
    return "\n".join(lines) + "\n"

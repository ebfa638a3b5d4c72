"""Names made safe to show: what a model says reaches a terminal, a log or a page as text, never as control.

A quoted name holds almost any character (docs/language.md, "Quoted names"), an imported one
comes from a Terraform address or a cloud id, and an excerpt shows a comment as written: any of
them may hold an escape sequence that clears the screen and prints a fake verdict. Each renderer
passes what it did not write itself through `visible` (and its format's own quoting on top).
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL (ESC starts every ANSI/OSC sequence; CR, BS and FF rewrite what a
# line shows); the bidirectional overrides and marks (text that reads other than it is, CVE-2021-42574);
# the line and paragraph separators; lone surrogates (they cannot be encoded, and XML forbids
# them); and U+FFFE/U+FFFF, which XML 1.0 forbids too.
CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def _spelt(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control character spelt out (`\\x1b`, `\\u202e`): one line that shows
    exactly what it holds. Text with none comes back unchanged (the same object)."""
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(_spelt, text)


def visible_lines(text: str) -> str:
    """`visible` line by line: the line breaks we wrote stay line breaks."""
    return "\n".join(visible(line) for line in text.split("\n"))


def shown_width(text: str) -> int:
    """How many characters `text` takes once shown (`visible`)."""
    return len(visible(text))


# Inside a line: emphasis (`*`, `_`, `~`), code (`` ` ``), links and images (`[`, `]`, `(`, `)`),
# entities (`&`), cells (`|`), escapes (`\`), issue references (`#`), mentions (`@`), emoji and
# autolinks (`:` of `https:`, `.` of `www.example.com`), math (`$`); `{` and `}` for good measure.
MARKDOWN = frozenset("\\`*_~[]()&|#@:.${}")


def markdown_cell(text: str) -> str:
    """Text for a markdown table cell, shown as written: no markup, no HTML, no link, one line.

    Every ASCII punctuation character that means something inside a line of GitHub's markdown is
    escaped with a backslash (CommonMark: any ASCII punctuation may be), `|` included (it would end
    the cell), `<` and `>` as entities (no HTML tag or autolink), line breaks as spaces; control
    characters spelt out. For a
    pull-request comment and a step summary, where a name from the model is shown to reviewers."""
    text = visible(" ".join(text.splitlines()))
    out = []
    for char in text:
        if char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif char in MARKDOWN:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)

"""Output injection: what a model names or comments is shown as text in every output, never as control.

A quoted name holds any character but its quote and a line break (docs/language.md, "Quoted names"),
an imported one comes from a Terraform address, and an excerpt shows a comment as written. Each test
feeds hostile names through one output and checks it the way its reader would: a terminal (no raw
escape sequence), an XML parser (JUnit, SVG), Graphviz (no attribute added), Mermaid (generated ids,
entity-coded labels), a browser (no markup from a name), code scanning (no link in a message).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, run_cli

from verifier.outputs.escape import visible
from verifier.outputs.text import BOLD, COLOURS, DIM, RESET

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")

# Control characters a terminal acts on (ESC starts CSI and OSC sequences, 0x9b and 0x9d are their
# one-byte C1 forms), BEL, BS and DEL, a bidirectional override, and U+FFFE (XML forbids it).
# Characters that also end a line for str.splitlines (FF, NEL, U+2028) are left to the excerpt tests
# of line counting: here every excerpt must still show the line the finding is on.
VM = (
    "evil\x1b[2J\x1b[1;1HALL CLEAN\x1b]8;;javascript:alert(1)\x1b\\\x07\x08\x7f\x9b2J\x9d0;t\x9c"
    "\u202e\ufffe<b>&amp;#35;%%{init}%%`md`|[fix](https://evil.example)"
)
NET = 'b" [URL="javascript:alert(1)"] x="<script>alert(1)</script> %%{init: {"securityLevel": "loose"}}%%'
PEERING = "p\\"  # ends in a backslash: in Graphviz, `"p\"` would not end the string
HUB = "a\\"
COMMENT = "\x1b[2J\x1b[H ALL CLEAN \x1b]0;pwned\x07 \x9b31m"

# Raw characters no output may hold: C0 but tab and line feed, DEL, C1, bidi overrides, U+FFFE/FFFF.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def model_text(allow_443: bool = False) -> str:
    source = "10.0.0.0/16" if allow_443 else "10.9.0.0/16"
    return f"""# a model whose names and comments try to drive what shows them
net '{HUB}' {{
  cidr 10.0.0.0/16
  subnet sa {{ cidr 10.0.1.0/24 }}
  route-table a-rt {{ route 10.1.0.0/16 via peering '{PEERING}' }}
  security-group a-sg {{ outbound all to any }}
  vm "{VM}" {{ subnet sa  ip 10.0.1.10  groups a-sg }}   # {COMMENT}
}}
net '{NET}' {{
  cidr 10.1.0.0/16
  subnet sb {{ cidr 10.1.1.0/24 }}
  route-table b-rt {{ route 10.0.0.0/16 via peering '{PEERING}' }}
  security-group b-sg {{   # {COMMENT}
    inbound tcp 443 from {source}
  }}
  vm b-1 {{ subnet sb  ip 10.1.1.10  groups b-sg }}
}}
peering '{PEERING}' {{ requester '{HUB}'  accepter '{NET}' }}
assert reach "{VM}" -> b-1 tcp 443   # {COMMENT}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.peer"
    path.write_text(model_text(), encoding="utf-8")
    return path


def assert_inert(text: str) -> None:
    """No raw control character: each is spelt out (`\\x1b`)."""
    found = RAW.search(text)
    assert found is None, (
        f"raw {found.group()!r} at {found.start()}: {text[max(0, found.start() - 60) : found.end() + 20]!r}"
    )


# --- the terminal: text, why, diff, shell -----------------------------------------------------------


def test_text_spells_out_escape_sequences_in_names_and_excerpts(hostile):
    # guards: a name or a comment clearing the screen and printing a fake "ALL CLEAN"
    run = run_cli("check", *NOW, str(hostile))
    assert run.code == 1
    assert_inert(run.out)
    assert "vm evil\\x1b[2J\\x1b[1;1HALL CLEAN\\x1b]8;;" in run.out  # in the message, visibly
    excerpt = next(line for line in run.out.splitlines() if line.startswith("   19 | "))
    assert excerpt.endswith("   # \\x1b[2J\\x1b[H ALL CLEAN \\x1b]0;pwned\\x07 \\x9b31m")  # the comment, visibly


def test_text_in_colour_keeps_only_our_colour_codes(hostile):
    # guards: colour on must not let a name's own escape sequences through with ours
    run = run_cli("check", *NOW, "--color", "always", str(hostile))
    ours = run.out
    for code in sorted({*COLOURS.values(), BOLD, DIM, RESET}, key=len, reverse=True):
        ours = ours.replace(code, "")
    assert "\033[1;31merror\033[0m" in run.out
    assert_inert(ours)


def test_excerpt_caret_stays_under_the_span_after_a_spelt_out_character(tmp_path):
    # guards: an escaped character widens the shown line; the caret must move with it
    path = tmp_path / "caret.peer"
    path.write_text(
        "net a {\n  cidr 10.0.0.0/16\n  subnet sa { cidr 10.0.1.0/24 }\n"
        '  vm "e\x1b[2Jvil\x07" { subnet nosuch  ip 10.0.1.10 }  # \x1b]0;pwned\x07\n}\n',
        encoding="utf-8",
    )
    run = run_cli("check", *NOW, str(path))
    assert_inert(run.out)
    lines = run.out.splitlines()
    at = next(i for i, line in enumerate(lines) if "NAME001" in line)
    shown, caret = lines[at + 1], lines[at + 2]
    assert shown == '    4 |   vm "e\\x1b[2Jvil\\x07" { subnet nosuch  ip 10.0.1.10 }  # \\x1b]0;pwned\\x07'
    assert caret.index("^") == shown.index("nosuch") and caret.rstrip().endswith("^" + "~" * 5)
    assert len(caret.rstrip()) == shown.index("nosuch") + len("nosuch")


def test_hostile_file_name_is_shown_as_text(tmp_path, hostile):
    # guards: a file name is as hostile as a name (a repository may hold `evil\x1b[2J.peer`)
    path = tmp_path / "m\x1b[2J\x07.peer"
    path.write_text(hostile.read_text(encoding="utf-8"), encoding="utf-8")
    for fmt in ("text", "github"):
        run = run_cli("check", *NOW, "--format", fmt, str(path))
        assert_inert(run.out)
        assert "m\\x1b[2J\\x07.peer" in run.out


def test_why_and_diff_text_spell_out_names(tmp_path, hostile):
    # guards: `why` and `diff` print hops and names to the terminal too
    why = run_cli("why", *NOW, VM, "b-1", str(hostile), "--port", "443")
    assert why.out and "evil\\x1b[2J" in why.out
    assert_inert(why.out + why.err)
    new = tmp_path / "new.peer"
    new.write_text(model_text(allow_443=True), encoding="utf-8")
    diff = run_cli("diff", *NOW, str(hostile), str(new))
    assert "evil\\x1b[2J" in diff.out
    assert_inert(diff.out + diff.err)


def test_shell_shows_names_and_declarations_as_text(hostile):
    # guards: the shell's `show` prints a declaration with its comments, `matrix` prints names
    from datetime import datetime, timezone

    from verifier.commands.shell import PeerShell
    from verifier.project.config import Config

    out = StringIO()
    shell = PeerShell([str(hostile)], Config(), datetime(2026, 11, 21, tzinfo=timezone.utc), None, stdout=out)
    assert shell.load()
    for command in ("show b-sg", "matrix vm", "reach b-1 b-1", "nosuch\x1b[2J"):
        shell.onecmd(command)
    assert "\\x1b]0;pwned\\x07" in out.getvalue() and "evil\\x1b[2J" in out.getvalue()
    assert_inert(out.getvalue())


# --- CI: GitHub annotations, JUnit, SARIF -------------------------------------------------------------


def test_github_annotations_are_one_line_each_and_inert(hostile):
    # guards: a name writing its own workflow command, or colouring the log
    run = run_cli("check", *NOW, "--format", "github", str(hostile))
    assert_inert(run.out)
    lines = run.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("::error file=") and lines[1].startswith("peerproof: ")
    assert "evil\\x1b[2J" in lines[0] and "%0Acounterexample: vm evil\\x1b[2J" in lines[0]


def test_github_escaping_follows_the_runner():
    # guards: the runner's own escaping (actions/toolkit escapeData / escapeProperty)
    from verifier.outputs.github import _data, _property

    assert _data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert _property("a:b,c%\n\x1b") == "a%3Ab%2Cc%25%0A\\x1b"


def test_junit_is_well_formed_xml(hostile):
    # guards: a control character in a name making the whole report unreadable
    run = run_cli("check", *NOW, "--format", "junit", str(hostile))
    root = ET.fromstring(run.out)
    assert_inert(run.out)
    failing = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.find("failure").get("type") for c in failing] == ["REACH001", "refuted"]
    assert "evil\\x1b[2J" in failing[1].get("name") and "evil\\x1b[2J" in failing[1].find("failure").text


def test_junit_spells_out_what_xml_forbids():
    # guards: lone surrogates (from JSON input), U+FFFE/FFFF and C0 in any message or file name
    from verifier.commands.check import CheckResult
    from verifier.diagnostics import Diagnostic
    from verifier.language.model import Span
    from verifier.outputs.junit import render_junit

    message = "bad \ud800 \uffff \ufffe \x00\x0b\x1b[2J end"
    result = CheckResult([Diagnostic("REACH001", "error", message, Span("f\x01.peer", 1, 1, 1, 2))])
    text = render_junit(result)
    failure = ET.fromstring(text).find(".//failure")
    assert failure is not None
    assert failure.text == "f\\x01.peer:1:1: error REACH001 bad \\ud800 \\uffff \\ufffe \\x00\\x0b\\x1b[2J end"
    text.encode("utf-8")  # no lone surrogate left


def test_sarif_messages_cannot_embed_links(hostile):
    # guards: a name such as `[fix](https://evil.example)` becoming a link in code scanning
    run = run_cli("check", *NOW, "--format", "sarif", str(hostile))
    document = json.loads(run.out)
    jsonschema.validate(document, json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    texts = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("message"), dict):
                texts.append(node["message"]["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document["runs"][0]["results"])
    assert any("[fix\\](https://evil.example)" in text for text in texts)
    assert not [t for t in texts if re.search(r"(?<!\\)(?:\\\\)*\]\(", t)]


# --- pictures: Graphviz, Mermaid, SVG, HTML --------------------------------------------------------

QUOTED = r'"(?:\\[\\"]|\\(?![\\"])|[^"\\\n])*"'  # Graphviz's quoted string (lib/cgraph/scan.l), on one line
DOT_TOKEN = re.compile(rf"\s*(?:({QUOTED})|(--|[\[\]=,;{{}}])|([A-Za-z_][A-Za-z0-9_]*))")


def dot_statements(text: str) -> list[tuple[list[str], dict[str, str]]]:
    """The statements of one of our DOT graphs: (the IDs before any `[`, the attributes)."""
    assert text.startswith("graph peerproof {\n") and text.endswith("}\n")
    inner, tokens, at = text[len("graph peerproof {") : -2], [], 0
    while inner[at:].strip():
        match = DOT_TOKEN.match(inner, at)
        assert match, f"not DOT: {inner[at : at + 80]!r}"
        tokens.append(match.group(match.lastindex))
        at = match.end()
    statements: list[tuple[list[str], dict[str, str]]] = []
    while tokens:
        end = tokens.index(";")
        statement, tokens = tokens[:end], tokens[end + 1 :]
        head = statement[: statement.index("[")] if "[" in statement else statement
        attributes: dict[str, str] = {}
        if "[" in statement:
            assert statement[-1] == "]"
            body = statement[statement.index("[") + 1 : -1]
            for i in range(0, len(body), 4):
                key, equals, value = body[i : i + 3]
                assert equals == "=" and body[i + 3 : i + 4] in ([], [","]), body
                attributes[key] = value
        statements.append((head, attributes))
    return statements


def dot_id(token: str) -> str:
    """A quoted ID as Graphviz reads it: `\\"` is a quote, every other character stays."""
    return token[1:-1].replace('\\"', '"')


def check_dot(text: str, nodes: int) -> None:
    statements = dot_statements(text)
    for head, attributes in statements:
        assert set(attributes) <= {"label", "color", "style", "shape"}, attributes
        assert head in (["node"], ["label", "=", head[-1]]) or len(head) in (1, 3), head
    ids = [dot_id(head[0]) for head, attributes in statements if len(head) == 1 and head != ["node"]]
    assert len(ids) == len(set(ids)) == nodes


def test_dot_names_cannot_add_attributes(tmp_path, hostile):
    # guards: a name closing its quoted ID and adding `URL="javascript:..."`; a trailing backslash
    out = tmp_path / "g.dot"
    assert run_cli("graph", *NOW, str(hostile), "-o", str(out)).code == 0
    text = out.read_text(encoding="utf-8")
    assert_inert(text)
    check_dot(text, nodes=2)
    assert '"a\\\\\\\\" -- ' in text  # the ID of `a\`: its backslash doubled, then escaped
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg", str(out)], capture_output=True, text=True, check=True).stdout
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if any("href" in key or key == "URL" for key in e.attrib)]
        assert len([e for e in root.iter() if e.get("class") == "node"]) == 2


def test_dot_ids_stay_distinct_for_names_that_spell_alike():
    # guards: two names sharing one node once escaped (`\x1b` spelt out, and ESC itself)
    from verifier.commands.graph import Edge, Graph, Node
    from verifier.outputs.pictures import graph_dot

    names = ["x\\", "x\\\\", "\\x1b", "\x1b", 'a"b', 'a\\"b', "n\nm", "\\N"]
    graph = Graph("t\\", [Node(n, ["10.0.0.0/16"], "") for n in names], [Edge(names[0], names[3], "peering", "p\\")])
    text = graph_dot(graph)
    assert_inert(text)
    check_dot(text, nodes=len(names))
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
        assert len([e for e in ET.fromstring(svg).iter() if e.get("class") == "node"]) == len(names)


MERMAID_NODE = re.compile(r'^  (n\d+)\["(.*)"\]$')
MERMAID_EDGE = re.compile(r'^  (n\d+) (?:---|-\.-)\|"(.*)"\| (n\d+)$')


def check_mermaid_label(label: str) -> None:
    text = label.replace("<br/>", "")
    assert not set(text) & set('"<>&%`|'), label
    assert re.fullmatch(r"(?:[^#]|#\w+;)*", text), label  # every `#` starts an entity code


def test_mermaid_ids_are_generated_and_labels_are_text(tmp_path, hostile):
    # guards: raw HTML (`<script>`), a directive (`%%{init}%%`) or a quote ending a label
    out = tmp_path / "g.mmd"
    assert run_cli("graph", *NOW, str(hostile), "-o", str(out)).code == 0
    text = out.read_text(encoding="utf-8")
    assert_inert(text)
    lines = text.splitlines()
    assert lines[0] == "graph LR"
    for line in lines[1:]:
        node, edge = MERMAID_NODE.match(line), MERMAID_EDGE.match(line)
        assert node or edge or line.startswith("  linkStyle "), line
        check_mermaid_label((node or edge).group(2))  # type: ignore[union-attr]
    assert "#lt;script#gt;" in text and "#quot;javascript:alert(1)#quot;" in text


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)


SVG_TAGS = {"svg", "style", "title", "text", "g", "line", "rect"}


def check_markup(text: str, page: bool) -> None:
    parser = Tags()
    parser.feed(text)
    allowed = SVG_TAGS | ({"html", "head", "meta", "body", "h1", "p", "script"} if page else set())
    assert set(parser.tags) <= allowed, set(parser.tags) - allowed
    assert parser.tags.count("script") == (1 if page else 0)
    assert not [a for a in parser.attributes if a.startswith("on") or "href" in a or a == "url"]
    svg = text[text.index("<svg") : text.index("</svg>") + len("</svg>")]
    ET.fromstring(svg)  # well-formed XML: no control character, every `<` and `&` escaped


def test_svg_and_html_pictures_hold_names_as_text(tmp_path, hostile):
    # guards: `<script>` in a name running in the self-contained page; control characters breaking SVG
    for suffix in (".svg", ".html"):
        out = tmp_path / f"g{suffix}"
        assert run_cli("graph", *NOW, str(hostile), "-o", str(out)).code == 0
        text = out.read_text(encoding="utf-8")
        assert_inert(text)
        check_markup(text, page=suffix == ".html")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    for fmt in ("svg", "html"):
        run = run_cli("matrix", *NOW, "--by", "vm", "--format", fmt, str(hostile))
        assert_inert(run.out)
        check_markup(run.out, page=fmt == "html")
        assert "evil\\x1b[2J" in run.out and "&lt;b&gt;&amp;amp;#35;" in run.out


def test_matrix_page_attribute_is_not_rewritten_inside_names():
    # guards: the page's `data-cell=` -> `data-label=` rewrite reaching into a name
    from verifier.commands.matrix import Matrix
    from verifier.outputs.pictures import matrix_html

    page = matrix_html(
        Matrix("vm", ["x data-cell=y", "b"], [["vacuous", "proved"], ["refuted", "vacuous"]], "all", None)
    )
    assert "x data-cell=y" in page and page.count('data-label="') == 4


# --- imported names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "k\\u009b2J\\u009d0;t\\u009c\\u202e<b>&#%`|x",  # C1 controls and markup: imported today
        "k\\u001b[2J\\u001b]0;pwned\\u0007x",  # ESC and BEL: refused today, shown either way
    ],
    ids=["c1-markup", "esc"],
)
def test_imported_for_each_keys_are_shown_as_text(tmp_path, key):
    # guards: a Terraform `for_each` key (any string) reaching the terminal, the XML or the picture raw
    state = (FIXTURES / "imports" / "tf-aws-state-hub-spoke" / "state.json").read_text(encoding="utf-8")
    state = state.replace('spoke[\\"a\\"]', f'spoke[\\"{key}\\"]').replace('"index": "a"', f'"index": "{key}"')
    path = tmp_path / "state.json"
    path.write_text(state, encoding="utf-8")
    for fmt in ("text", "github", "junit"):
        run = run_cli("check", *NOW, "--format", fmt, str(path))
        assert_inert(run.out + run.err)
        if fmt == "junit" and run.out:
            ET.fromstring(run.out)
    for suffix in (".dot", ".mmd", ".svg"):
        out = tmp_path / f"g{suffix}"
        run = run_cli("graph", *NOW, str(path), "-o", str(out))
        assert_inert(run.err)
        if run.code == 0:
            text = out.read_text(encoding="utf-8")
            assert_inert(text)
            if suffix == ".dot":
                check_dot(text, nodes=3)
            elif suffix == ".svg":
                check_markup(text, page=False)


def test_ordinary_text_is_returned_unchanged():
    # guards: the snapshots (byte-identical outputs for ordinary names) and the cost of escaping
    for text in ("spoke-a", 'module.spoke["a"].aws_instance.this', "café 10.0.0.0/16", "tab\there"[:3]):
        assert visible(text) is text
    assert visible("\x1b[2J\x7f\x85\u2028\u202e\ud800\uffff") == "\\x1b[2J\\x7f\\x85\\u2028\\u202e\\ud800\\uffff"

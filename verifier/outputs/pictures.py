"""Pictures: the topology graph (SVG, self-contained HTML, Graphviz DOT, Mermaid) and the matrix.

A deterministic circular layout: the same model gives the same bytes. The HTML
page embeds everything (no network), so it opens offline.

A name is text in every picture, never markup: spelt out where it holds a control character
(`visible`), then quoted by the picture's own rules (`escape` for SVG and HTML, `_dot` for
Graphviz, `_mermaid` for Mermaid). No picture links anywhere.
"""

from __future__ import annotations

import math
from html import escape as html_escape

from verifier.outputs.escape import visible

STATE_COLOURS = {
    "active": "#2e7d32",
    "pending-acceptance": "#ef6c00",
    "initiating": "#ef6c00",
    "provisioning": "#ef6c00",
}
INACTIVE = "#9e9e9e"
HIGHLIGHT = {"path": "#1565c0", "blocked": "#c62828"}
CELL_COLOURS = {"proved": "#c8e6c9", "refuted": "#ffcdd2", "unknown": "#fff9c4", "vacuous": "#eeeeee"}


def escape(text: str) -> str:
    """Text for SVG or HTML, in an element or an attribute: `&<>"'` as references, control
    characters (which XML 1.0 forbids) spelt out."""
    return html_escape(visible(text), quote=True)


def _layout(graph) -> tuple[dict[str, tuple[float, float]], int]:
    count = max(1, len(graph.nodes))
    radius = max(170.0, 48.0 * count / math.pi)
    size = int(2 * radius + 320)
    centre = size / 2
    positions = {}
    for i, node in enumerate(graph.nodes):
        angle = 2 * math.pi * i / count - math.pi / 2
        positions[node.name] = (
            round(centre + radius * math.cos(angle), 1),
            round(centre + radius * math.sin(angle), 1),
        )
    return positions, size


def graph_svg(graph) -> str:
    positions, size = _layout(graph)
    height = size + 24 * len(graph.notes) + 40
    width_all = max([size] + [7 * len(note) + 40 for note in graph.notes])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_all}" height="{height}" '
        f'viewBox="0 0 {width_all} {height}" font-family="sans-serif" font-size="12" class="peerproof-graph">',
        "<style>.edge text { paint-order: stroke; stroke: #ffffff; stroke-width: 4px; }</style>",
        f"<title>{escape(graph.title)}</title>",
        f'<text x="12" y="20" font-size="14" font-weight="bold">{escape(graph.title)}</text>',
    ]
    for edge in graph.edges:
        (x1, y1), (x2, y2) = positions[edge.a], positions[edge.b]
        colour = HIGHLIGHT.get(edge.highlight) or (
            STATE_COLOURS.get(edge.state, INACTIVE) if edge.kind == "peering" else "#c62828"
        )
        dash = (
            ' stroke-dasharray="6 4"'
            if edge.kind == "gap" or (edge.kind == "peering" and edge.state != "active")
            else ""
        )
        width = 4 if edge.highlight else 2
        label = edge.label + (f" ({edge.state})" if edge.state else "")
        out.append(
            f'<g class="edge {edge.kind} {edge.highlight}" data-label="{escape(label)}">'
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" stroke-width="{width}"{dash}/>'
            f'<text x="{round((x1 + x2) / 2, 1)}" y="{round((y1 + y2) / 2 - 4, 1)}" text-anchor="middle" '
            f'fill="{colour}">{escape(label)}</text></g>'
        )
    for node in graph.nodes:
        x, y = positions[node.name]
        lines = [visible(line) for line in [node.name, *node.blocks[:3]] + ([node.detail] if node.detail else [])]
        width = max(90, 7 * max(len(line) for line in lines) + 16)
        height_box = 16 * len(lines) + 10
        stroke = HIGHLIGHT.get(node.highlight, "#37474f")
        out.append(
            f'<g class="node {node.highlight}" data-net="{escape(node.name)}">'
            f'<rect x="{round(x - width / 2, 1)}" y="{round(y - height_box / 2, 1)}" width="{width}" '
            f'height="{height_box}" rx="8" fill="#ffffff" stroke="{stroke}" '
            f'stroke-width="{3 if node.highlight else 1.5}"/>'
        )
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(
                f'<text x="{x}" y="{round(y - height_box / 2 + 18 + 16 * i, 1)}" text-anchor="middle"{weight}>'
                f"{escape(line)}</text>"
            )
        out.append("</g>")
    for i, note in enumerate(graph.notes):
        out.append(f'<text x="12" y="{size + 20 + 24 * i}" fill="#c62828">{escape(note)}</text>')
    legend = "green: active peering; orange, dashed: pending; grey, dashed: not active; red, dashed: no transit"
    out.append(f'<text x="12" y="{height - 10}" fill="#555">{escape(legend)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 16px; color: #263238; }}
.peerproof-graph .node:hover rect, .peerproof-graph .edge:hover line {{ stroke-width: 5; }}
#detail {{ min-height: 1.5em; color: #1565c0; }}
table.matrix td, table.matrix th {{ padding: 2px 6px; border: 1px solid #ccc; text-align: center; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p id="detail">Point at a net or a peering.</p>
{body}
<script>
// Self-contained: no network. Show what the pointer is over; mark the page as rendered.
document.querySelectorAll("[data-net], [data-label]").forEach(function (element) {{
  element.addEventListener("mouseenter", function () {{
    document.getElementById("detail").textContent = element.getAttribute("data-net") || element.getAttribute("data-label");
  }});
}});
document.body.setAttribute("data-rendered", document.querySelectorAll("svg g").length);
</script>
</body>
</html>
"""


def graph_html(graph) -> str:
    return PAGE.format(title=escape("peerproof: " + graph.title), body=graph_svg(graph))


def _dot(text: str) -> str:
    """Text inside a Graphviz quoted string: `"` and `\\` escaped, control characters spelt out, so
    the string cannot end early (no attribute can be added), nor hold a line break or a label
    escape (`\\N`, `\\G`, ...) that the name did not mean."""
    return visible(text).replace("\\", "\\\\").replace('"', '\\"')


def _dot_id(name: str) -> str:
    """A node's quoted ID: its name as `_dot` writes it, its own backslashes doubled first, so that
    two names never share an ID (a name spelling `\\x1b` and one holding ESC stay two nodes)."""
    return '"' + _dot(name.replace("\\", "\\\\")) + '"'


def graph_dot(graph) -> str:
    out = ["graph peerproof {", f'  label="{_dot(graph.title)}";', "  node [shape=box, style=rounded];"]
    for node in graph.nodes:
        label = "\\n".join(_dot(line) for line in [node.name, *node.blocks])
        colour = HIGHLIGHT.get(node.highlight, "black")
        out.append(f'  {_dot_id(node.name)} [label="{label}", color="{colour}"];')
    for edge in graph.edges:
        colour = HIGHLIGHT.get(edge.highlight) or (
            STATE_COLOURS.get(edge.state, INACTIVE) if edge.kind == "peering" else "#c62828"
        )
        style = "dashed" if edge.kind == "gap" or edge.state not in ("", "active") else "solid"
        label = _dot(edge.label + (f" ({edge.state})" if edge.state else ""))
        out.append(f'  {_dot_id(edge.a)} -- {_dot_id(edge.b)} [label="{label}", color="{colour}", style={style}];')
    out.append("}")
    return "\n".join(out) + "\n"


# Mermaid reads a label as HTML, and `#name;` or `#123;` in it as an entity: each character that is
# markup there, or starts an entity (`#`), a directive (`%%{`), a Markdown string (a backquote) or
# ends the label (`"`, `|`), is written as an entity. Node ids are generated (`n0`, `n1`), never names.
MERMAID_ENTITIES = {
    "#": "#35;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    '"': "#quot;",
    "`": "#96;",
    "%": "#37;",
    "|": "#124;",
}


def _mermaid(text: str) -> str:
    """A name as text in a quoted Mermaid label."""
    return "".join(MERMAID_ENTITIES.get(c, c) for c in visible(text))


def graph_mermaid(graph) -> str:
    ids = {node.name: f"n{i}" for i, node in enumerate(graph.nodes)}
    out = ["graph LR"]
    for node in graph.nodes:
        label = "<br/>".join(_mermaid(line) for line in [node.name, *node.blocks])
        out.append(f'  {ids[node.name]}["{label}"]')
    for edge in graph.edges:
        label = _mermaid(edge.label + (f" ({edge.state})" if edge.state else ""))
        arrow = "-.-" if edge.kind == "gap" or edge.state not in ("", "active") else "---"
        out.append(f'  {ids[edge.a]} {arrow}|"{label}"| {ids[edge.b]}')
    for i, edge in enumerate(graph.edges):
        if edge.highlight:
            out.append(f"  linkStyle {i} stroke:{HIGHLIGHT[edge.highlight]},stroke-width:4px")
    return "\n".join(out) + "\n"


def matrix_svg(matrix, cell_attribute: str = "data-cell") -> str:
    cell, margin = 28, max(60, 7 * max([len(n) for n in matrix.names] + [4]) + 12)
    size = margin + cell * len(matrix.names) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 30}" font-family="sans-serif" '
        'font-size="11" class="peerproof-matrix">',
        f"<title>reachability by {escape(matrix.by)}</title>",
    ]
    for i, name in enumerate(matrix.names):
        out.append(f'<text x="{margin - 4}" y="{margin + cell * i + 18}" text-anchor="end">{escape(name)}</text>')
        out.append(
            f'<text transform="translate({margin + cell * i + 18},{margin - 4}) rotate(-60)">{escape(name)}</text>'
        )
    for i, row in enumerate(matrix.cells):
        for j, status in enumerate(row):
            out.append(
                f'<rect x="{margin + cell * j}" y="{margin + cell * i}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{CELL_COLOURS[status]}" {cell_attribute}="{escape(matrix.names[i])} -> '
                f'{escape(matrix.names[j])}: {status}"><title>{escape(matrix.names[i])} -> '
                f"{escape(matrix.names[j])}: {status}</title></rect>"
            )
    out.append(
        f'<text x="4" y="{size + 20}" fill="#555">green: proved reachable; red: refuted; yellow: undecided; '
        "grey: no pair of vms</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def matrix_html(matrix) -> str:
    body = matrix_svg(matrix, cell_attribute="data-label")  # the page's script shows a cell's data-label
    return PAGE.format(title=escape(f"peerproof: reachability by {matrix.by}"), body=body)

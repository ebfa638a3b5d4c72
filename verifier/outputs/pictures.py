"""Pictures: the topology graph (SVG, self-contained HTML, Graphviz DOT, Mermaid) and the matrix.

The graph is laid out by `pictures_layout` (grouped by account and region, hubs in the middle of
their group, no box over another), deterministically: the same model gives the same bytes. The
HTML pages (`pictures_page`) embed everything (no network), so they open offline.

A name is text in every picture, never markup: spelt out where it holds a control character
(`visible`), then quoted by the picture's own rules (`escape` for SVG and HTML, `script_json` in
a page's script, `_dot` for Graphviz, `_mermaid` for Mermaid). No picture links anywhere.
"""

from __future__ import annotations

from html import escape as html_escape

from verifier.outputs.escape import visible
from verifier.outputs.pictures_layout import CHAR, EDGE_LABELS, LINE, columns, layout, nets_text

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


HUB = {"fill": "#ffe0b2", "stroke": "#e65100"}
FRAME = {"account": ("#eceff1", "#78909c", 16), "region": ("#fafafa", "#b0bec5", 13)}  # fill, stroke, font
LEGEND = [
    "green line: active peering; orange, dashed: pending; grey, dashed: not active",
    "red, dashed: a route that needs transit, which peerings do not give",
    "orange box: a hub (most peerings); boxes are grouped by account, then region",
]
WHY_LEGEND = "blue: the path asked about; red: where it stops"


def _edge_colour(edge) -> str:
    return HIGHLIGHT.get(edge.highlight) or (
        STATE_COLOURS.get(edge.state, INACTIVE) if edge.kind == "peering" else "#c62828"
    )


def _edge_label(edge) -> str:
    return edge.label + (f" ({edge.state})" if edge.state else "")


def _below(graph) -> list[tuple[str, str]]:
    """The lines under the drawing: the notes (of `why`), then the legend; with their colours."""
    legend = LEGEND + ([WHY_LEGEND] if any(n.highlight for n in graph.nodes) else [])
    return [(note, "#c62828") for note in graph.notes] + [(line, "#555") for line in legend]


def _size(placed, below: list[tuple[str, str]]) -> tuple[int, int]:
    width = max([placed.width] + [CHAR * columns(text) + 2 * 24 for text, _ in below])
    return width, placed.height + 22 * len(below) + 12


def graph_svg(graph, page: bool = False) -> str:
    """The topology as SVG, laid out by `pictures_layout`; `page`: to fill the HTML page (its
    script sets the view)."""
    placed = layout(graph)
    below = _below(graph)
    width, height = _size(placed, below)
    size = (
        f'width="100%" height="100%" id="drawing" data-size="{width} {height}"'
        if page
        else f'width="{width}" height="{height}"'
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} viewBox="0 0 {width} {height}" font-family="sans-serif" '
        'font-size="12" class="peerproof-graph">',
        "<style>.edge text { paint-order: stroke; stroke: #ffffff; stroke-width: 4px; }</style>",
        f"<title>{escape(graph.title)}</title>",
        f'<text x="24" y="32" font-size="16" font-weight="bold">{escape(graph.title)}</text>',
    ]
    labels = []
    for frame in placed.frames:
        fill, stroke, font = FRAME[frame.kind]
        box = frame.box
        dash = ' stroke-dasharray="5 3"' if frame.kind == "region" else ""
        grow = ' data-grow="1"' if frame.top else ""
        out.append(
            f'<g class="frame {frame.kind}"><rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="6" '
            f'fill="{fill}" stroke="{stroke}"{dash}/>'
            f'<text x="{box.x + box.w - 10}" y="{box.y + font + 6}" text-anchor="end" fill="{stroke}">'
            f"{nets_text(frame.nets)}</text></g>"
        )
        # drawn over the nets: on the page, a frame's title grows as it zooms out, to stay readable
        labels.append(
            f'<text class="frame-label" x="{box.x + 10}" y="{box.y + font + 6}" font-size="{font}" '
            f'font-weight="bold" fill="{stroke}" pointer-events="none" data-size="{font}" data-top="{box.y + 6}" '
            f'data-room="{box.w - 20}"{grow}>{escape(frame.label)}</text>'
        )
    drawn: dict[frozenset[str], int] = {}  # lines already drawn between two nets: their names go below
    for edge in graph.edges:
        (x1, y1), (x2, y2) = placed.boxes[edge.a].centre(), placed.boxes[edge.b].centre()
        pair = frozenset((edge.a, edge.b))
        below_by = 15 * drawn.get(pair, 0)
        drawn[pair] = drawn.get(pair, 0) + 1
        colour = _edge_colour(edge)
        dash = (
            ' stroke-dasharray="6 4"'
            if edge.kind == "gap" or (edge.kind == "peering" and edge.state != "active")
            else ""
        )
        label = escape(_edge_label(edge))
        text = (
            f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 4 + below_by:.1f}" text-anchor="middle" fill="{colour}">{label}</text>'
            if len(graph.edges) <= EDGE_LABELS or edge.highlight
            else ""
        )
        classes = " ".join(x for x in ("edge", edge.kind, edge.highlight) if x)
        out.append(
            f'<g class="{classes}" data-label="{label}"><title>{label}</title>'
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{4 if edge.highlight else 2}"{dash}/>{text}</g>'
        )
    for node in graph.nodes:
        box, lines = placed.boxes[node.name], placed.lines[node.name]
        hub = node.name in placed.hubs
        stroke = HIGHLIGHT.get(node.highlight) or (HUB["stroke"] if hub else "#37474f")
        classes = " ".join(x for x in ("node", "hub" if hub else "", node.highlight) if x)
        where = ", ".join(x for x in (node.detail, f"hub: {placed.degree[node.name]} peerings" if hub else "") if x)
        out.append(
            f'<g class="{classes}" data-net="{escape(node.name)}"><title>{escape(node.name)}'
            f"{escape(' · ' + where) if where else ''}</title>"
            f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="8" '
            f'fill="{HUB["fill"] if hub else "#ffffff"}" stroke="{stroke}" '
            f'stroke-width="{3 if node.highlight or hub else 1.5}"/>'
        )
        centre = box.x + box.w // 2
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(
                f'<text x="{centre}" y="{box.y + 18 + LINE * i}" text-anchor="middle"{weight}>{escape(line)}</text>'
            )
        out.append("</g>")
    out.extend(labels)
    for i, (text, colour) in enumerate(below):
        out.append(f'<text x="24" y="{placed.height + 16 + 22 * i}" fill="{colour}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _summary(graph, hubs: dict[str, int]) -> str:
    accounts = {n.account for n in graph.nodes if n.account}
    regions = {n.region for n in graph.nodes if n.region}
    parts = [
        f"{len(graph.nodes)} nets",
        f"{len(accounts)} accounts",
        f"{len(regions)} regions",
        f"{sum(1 for e in graph.edges if e.kind == 'peering')} peerings drawn",
    ]
    top = sorted(hubs, key=lambda name: (-hubs[name], name))
    text = ", ".join(parts)
    if top:
        shown = ", ".join(f"{visible(name)} ({hubs[name]})" for name in top[:8])
        text += f"; hubs: {shown}" + (f" and {len(top) - 8} more" if len(top) > 8 else "")
    return text


def graph_html(graph) -> str:
    """A page that opens offline: the SVG, and the data the panel shows, inline."""
    from verifier.outputs.pictures_page import GRAPH_SCRIPT, GRAPH_STYLE, PAGE, fill, script_json

    placed = layout(graph)  # as graph_svg lays it out (a pure function of the graph)
    data = {
        "view": [0, 0, *_size(placed, _below(graph))],
        "path": [n.name for n in graph.nodes if n.highlight],
        "nets": [
            {
                "name": visible(n.name),
                "account": visible(n.account),
                "region": visible(n.region),
                "blocks": n.blocks,
                "hub": placed.hubs.get(n.name, 0),
                "mark": n.highlight,
                "box": [placed.boxes[n.name].x, placed.boxes[n.name].y, placed.boxes[n.name].w, placed.boxes[n.name].h],
                "routes": [[visible(x) for x in (r.table, r.destination, r.target, r.via, r.to_net)] for r in n.routes],
                "to": [visible(x) for x in n.routes_to],
            }
            for n in graph.nodes
        ],
        "edges": [[visible(e.a), visible(e.b), e.kind, visible(e.label), e.state, e.highlight] for e in graph.edges],
    }
    data["path"] = [visible(x) for x in data["path"]]
    title = escape("peerproof: " + graph.title)
    body = (
        f'<p id="summary">{escape(_summary(graph, placed.hubs))}</p>\n'
        + "".join(f'<p class="note">{escape(note)}</p>\n' for note in graph.notes)
        + '<p id="detail"></p>\n'
        + graph_svg(graph, page=True)
    )
    script = GRAPH_SCRIPT.replace("@@DATA@@", script_json(data))
    return fill(PAGE, {"TITLE": title, "STYLE": GRAPH_STYLE, "BODY": body, "SCRIPT": script})


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


CELL_SYMBOLS = {"proved": "\u2713", "refuted": "\u2717", "unknown": "?", "vacuous": "\u2013"}
CELL_INK = {"proved": "#1b5e20", "refuted": "#b71c1c", "unknown": "#6d4c00", "vacuous": "#757575"}
CELL_WORDS = {
    "proved": "reaches (proved)",
    "refuted": "does not reach (refuted)",
    "unknown": "undecided",
    "vacuous": "no pair of vms",
}


def _matrix_what(matrix) -> str:
    return f"{matrix.protocol}" + (f" {matrix.port}" if matrix.port is not None else " (some port)")


def matrix_svg(matrix, cell_attribute: str = "data-cell") -> str:
    """Each cell coloured and marked with a symbol (colour is not the only sign), a legend below,
    one entry a line, so it fits however few the names."""
    cell, margin = 28, max(60, 7 * max([columns(n) for n in matrix.names] + [4]) + 12)
    size = margin + cell * len(matrix.names) + 10
    title = f"reachability by {matrix.by}, {_matrix_what(matrix)}: row reaches column"
    legend_top = size + 8
    width = max(size, 7 * columns(title) + 20, 260)
    height = legend_top + 20 * len(CELL_COLOURS) + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="11" class="peerproof-matrix">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for i, name in enumerate(matrix.names):
        out.append(f'<text x="{margin - 4}" y="{margin + cell * i + 18}" text-anchor="end">{escape(name)}</text>')
        out.append(
            f'<text transform="translate({margin + cell * i + 18},{margin - 4}) rotate(-60)">{escape(name)}</text>'
        )
    for i, row in enumerate(matrix.cells):
        for j, status in enumerate(row):
            x, y = margin + cell * j, margin + cell * i
            words = f"{escape(matrix.names[i])} -> {escape(matrix.names[j])}: {status}"
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{CELL_COLOURS[status]}" '
                f'class="cell {status}" data-row="{i}" data-column="{j}" {cell_attribute}="{words}">'
                f"<title>{words}</title></rect>"
                f'<text x="{x + (cell - 2) // 2}" y="{y + 18}" text-anchor="middle" font-size="15" '
                f'fill="{CELL_INK[status]}" pointer-events="none">{CELL_SYMBOLS[status]}</text>'
            )
    for k, status in enumerate(CELL_COLOURS):
        y = legend_top + 20 * k
        # the swatch is a thick line, not a rect: the cells are the picture's only rects
        out.append(
            f'<line x1="4" y1="{y + 8}" x2="22" y2="{y + 8}" stroke="{CELL_COLOURS[status]}" stroke-width="18"/>'
            f'<text x="13" y="{y + 13}" text-anchor="middle" font-size="14" fill="{CELL_INK[status]}">'
            f"{CELL_SYMBOLS[status]}</text>"
            f'<text x="30" y="{y + 12}" fill="#37474f">{escape(CELL_WORDS[status])}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def matrix_html(matrix) -> str:
    """The matrix page (`pictures_page.matrix_page`): a click on a cell shows its witness or its
    blocking points."""
    from verifier.outputs.pictures_page import matrix_page

    return matrix_page(matrix)

"""Where each net of the topology picture goes: grouped by account, then region, hubs at the centre.

A deterministic layout of our own (integers only: the same model gives the same bytes on every
machine), in three steps:

1. Boxes: each net's box is as wide as its longest line, at a fixed width per character.
2. Groups: the nets of one account and region are split in clusters, one per hub with the nets
   it serves, and the nets no hub serves; each cluster fills a grid of equal cells, the cells
   taken in order of distance from the grid's centre, the hub first: a hub sits in the middle of
   the nets it serves.
3. Frames: region frames are packed in rows inside their account's frame, account frames in rows
   on the page (shelf packing, rows about as wide as the whole is tall).

Nothing is placed on top of anything: cells of one grid are apart, frames are packed side by side
and every box lies inside its cell. `tests/test_pictures_layout.py` checks it on generated estates.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from verifier.outputs.escape import visible

CHAR = 7  # width of a character at font-size 12 (sans-serif), rounded up: text stays inside its box
LINE = 16  # height of a line of text
NAME_CHARS = 40  # a longer name is cut in its box (the whole name is in the panel and the tooltip)
BLOCK_LINES = 3  # blocks shown in a box; more are counted
CELL_GAP = (44, 40)  # room between two boxes of a grid, for the peerings drawn between them
EDGE_LABELS = 60  # up to this many lines, each is drawn with its name (the gaps widen to hold them)
LABEL_ROOM = 400  # at most
PAD = 16  # inside a frame, around what it holds
HEAD = {"account": 34, "region": 26}  # a frame's title row
HEAD_CHAR = {"account": 10, "region": 8}  # width of a character of a frame's title (bold 16, 13)
FRAME_GAP = 28  # between two frames
MARGIN = 24  # around the drawing
TOP = 36  # the drawing's title


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


@dataclass(frozen=True)
class Frame:
    kind: str  # account | region
    label: str
    box: Box
    nets: int = 0
    top: bool = False  # in no other frame (its title is kept readable when the page is zoomed out)


@dataclass
class Layout:
    boxes: dict[str, Box] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)  # what each box shows
    frames: list[Frame] = field(default_factory=list)
    hubs: dict[str, int] = field(default_factory=dict)  # hub -> its peerings
    degree: dict[str, int] = field(default_factory=dict)
    width: int = 0
    height: int = 0


def columns(text: str) -> int:
    """How many character widths `text` takes once shown: a wide (CJK) character counts two."""
    shown = visible(text)
    return len(shown) + sum(1 for c in shown if unicodedata.east_asian_width(c) in "WF")


def natural(name: str) -> tuple:
    """`n2` before `n10`."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name))


def box_lines(node, degree: int, hub: bool) -> list[str]:
    name = visible(node.name)
    lines = [name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"]
    lines += [visible(b) for b in node.blocks[:BLOCK_LINES]]
    if len(node.blocks) > BLOCK_LINES:
        lines.append(f"+{len(node.blocks) - BLOCK_LINES} more blocks")
    if hub:
        lines.append(f"hub: {degree} peerings")
    return lines


def find_hubs(graph, degree: dict[str, int], peers: dict[str, set[str]]) -> dict[str, int]:
    """A hub: peered with at least 3 nets and twice the average, or the centre of a star (2 or more
    peers, each peered with it alone)."""
    mean = sum(degree.values()) / max(1, len(degree))
    hubs = {}
    for node in graph.nodes:
        d = degree[node.name]
        star = d >= 2 and all(degree[p] == 1 for p in peers[node.name])
        if (d >= 3 and d >= 2 * mean) or star:
            hubs[node.name] = d
    return hubs


def _cells(count: int, columns: int) -> list[tuple[int, int]]:
    """The cells of a grid (column, row), nearest the centre first (ties: top to bottom, left to right)."""
    rows = math.ceil(count / columns)
    cells = [(c, r) for r in range(rows) for c in range(columns)]
    # doubled coordinates keep the centre of an even grid on integers
    return sorted(cells, key=lambda cr: ((2 * cr[0] - columns + 1) ** 2 + (2 * cr[1] - rows + 1) ** 2, cr[1], cr[0]))


def _clusters(names: list[str], hubs: dict[str, int], peers: dict[str, set[str]]) -> list[list[str]]:
    """The nets of a group in clusters: each hub (most peerings first) with the nets it serves (those
    peered with no busier hub), then the nets no hub serves. With one hub or none, one cluster."""
    hub_order = sorted((n for n in names if n in hubs), key=lambda n: (-hubs[n], natural(n)))
    rank = {hub: i for i, hub in enumerate(hub_order)}
    clusters: list[list[str]] = [[hub] for hub in hub_order] + [[]]
    for name in sorted((n for n in names if n not in hubs), key=natural):
        served = [rank[p] for p in peers[name] if p in rank]
        clusters[min(served) if served else -1].append(name)
    if len(hub_order) <= 1:
        return [[n for cluster in clusters for n in cluster]]
    return [cluster for cluster in clusters if cluster]


def _grid(names: list[str], sizes: dict[str, tuple[int, int]], gap: int) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Relative top-left corners of the boxes of one group, and the grid's size."""
    cell_w = max(sizes[n][0] for n in names) + gap
    cell_h = max(sizes[n][1] for n in names) + CELL_GAP[1]
    # about twice as wide as tall, as screens are (wider gaps for names spread it, never reshape it:
    # a star of three stays a triangle, with no line behind a box)
    shape = max(sizes[n][0] for n in names) + CELL_GAP[0]
    columns = min(len(names), max(2, round(math.sqrt(len(names) * 2 * cell_h / shape))))
    rows = math.ceil(len(names) / columns)
    places = {}
    for name, (c, r) in zip(names, _cells(len(names), columns)):
        w, h = sizes[name]
        places[name] = (c * cell_w + (cell_w - w) // 2, r * cell_h + (cell_h - h) // 2)
    return places, columns * cell_w, rows * cell_h


@dataclass
class _Block:
    """Something to pack: its size, and how to place its content once its corner is known."""

    w: int
    h: int
    place: list = field(default_factory=list)  # callables taking (x, y)


def _shelves(blocks: list[_Block], target: int) -> tuple[list[tuple[int, int]], int, int]:
    """Rows left to right, a new row when the next would pass `target`."""
    corners, x, y, row, width = [], 0, 0, 0, 0
    for block in blocks:
        if x > 0 and x + block.w > target:
            x, y, row = 0, y + row + FRAME_GAP, 0
        corners.append((x, y))
        x += block.w + FRAME_GAP
        row = max(row, block.h)
        width = max(width, x - FRAME_GAP)
    return corners, width, y + row


def _pack(blocks: list[_Block], aspect: float) -> tuple[list[tuple[int, int]], int, int]:
    """Shelves about `aspect` times as wide as tall."""
    area = sum((b.w + FRAME_GAP) * (b.h + FRAME_GAP) for b in blocks)
    target = max([b.w for b in blocks] + [int(math.sqrt(area * aspect))])
    return _shelves(blocks, target)


def layout(graph) -> Layout:
    result = Layout()
    peers: dict[str, set[str]] = {n.name: set() for n in graph.nodes}
    for edge in graph.edges:
        if edge.kind == "peering" and edge.a in peers and edge.b in peers:
            peers[edge.a].add(edge.b)
            peers[edge.b].add(edge.a)
    result.degree = {name: len(p) for name, p in peers.items()}
    result.hubs = find_hubs(graph, result.degree, peers)
    sizes = {}
    for node in graph.nodes:
        lines = box_lines(node, result.degree[node.name], node.name in result.hubs)
        result.lines[node.name] = lines
        sizes[node.name] = (max(90, CHAR * max(columns(line) for line in lines) + 16), LINE * len(lines) + 10)

    gap = CELL_GAP[0]
    if len(graph.edges) <= EDGE_LABELS:  # the lines' names are drawn: room for them between the boxes
        longest = max([columns(e.label + (f" ({e.state})" if e.state else "")) for e in graph.edges] + [0])
        gap = max(gap, min(LABEL_ROOM, CHAR * longest + 24))
    accounts: dict[str, dict[str, list[str]]] = {}
    for node in graph.nodes:
        accounts.setdefault(node.account, {}).setdefault(node.region, []).append(node.name)

    def framed(kind: str, name: str, nets: int, inner: _Block, account: str) -> _Block:
        """`inner` inside a frame titled with the account's (region's) `name`; none without a name."""
        if not name:
            return inner
        label = f"{kind} {name}"
        title = HEAD_CHAR[kind] * columns(label) + CHAR * len(nets_text(nets)) + 2 * PAD
        outer = _Block(max(inner.w, title) + 2 * PAD, inner.h + 2 * PAD + HEAD[kind])

        def place(x: int, y: int) -> None:
            top = kind == "account" or not account
            result.frames.append(Frame(kind, label, Box(x, y, outer.w, outer.h), nets, top))
            for step in inner.place:
                step(x + PAD, y + PAD + HEAD[kind])

        outer.place.append(place)
        return outer

    def cluster(names: list[str]) -> _Block:
        places, w, h = _grid(names, sizes, gap)

        def place(x: int, y: int) -> None:
            for name, (dx, dy) in places.items():
                result.boxes[name] = Box(x + dx, y + dy, *sizes[name])

        return _Block(w, h, [place])

    def group(names: list[str]) -> _Block:
        clusters = _clusters(names, result.hubs, peers)
        # a hub's cluster is about as wide as tall: side by side, a few make a row as wide as a screen
        return cluster(clusters[0]) if len(clusters) == 1 else packed([cluster(c) for c in clusters], 8.0)

    def packed(blocks: list[_Block], aspect: float = 2.4) -> _Block:
        corners, w, h = _pack(blocks, aspect)

        def place(x: int, y: int) -> None:
            for block, (dx, dy) in zip(blocks, corners):
                for step in block.place:
                    step(x + dx, y + dy)

        return _Block(w, h, [place])

    def first_by_name(key: str) -> tuple:
        return (key == "", natural(key))  # nets with no account (region) last

    tops = []
    for account in sorted(accounts, key=first_by_name):
        regions = accounts[account]
        count = sum(len(n) for n in regions.values())
        inner = packed(
            [
                framed("region", region, len(regions[region]), group(regions[region]), account)
                for region in sorted(regions, key=first_by_name)
            ]
        )
        tops.append(framed("account", account, count, inner, account))
    whole = packed(tops) if tops else _Block(0, 0)
    for step in whole.place:
        step(MARGIN, MARGIN + TOP)
    result.frames.sort(key=lambda f: (f.kind != "account", f.box.y, f.box.x))
    result.width = max(420, whole.w + 2 * MARGIN)
    result.height = whole.h + 2 * MARGIN + TOP
    return result


def nets_text(count: int) -> str:
    return f"{count} net" + ("" if count == 1 else "s")

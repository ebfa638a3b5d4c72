"""The topology and matrix pictures: laid out without overlap, grouped, the why path by identity,
offline pages, and DOT and Mermaid that hold any name (issue 16)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from itertools import combinations

import pytest
from conftest import FIXTURES, run_cli

NOW = ("--now", "2026-11-21T12:00:00Z", "--isolated")
WHEN = datetime(2026, 11, 21, 12, tzinfo=timezone.utc)
EXAMPLE = str(FIXTURES / "models" / "language-example.peer")
TF_STATE = str(FIXTURES / "imports" / "tf-aws-state-hub-spoke" / "state.json")
SVG = "{http://www.w3.org/2000/svg}"


def estate(tmp_path, nets: int) -> str:
    out = tmp_path / f"estate-{nets}"
    if out.exists():
        return str(out)
    assert run_cli("gen", "--nets", str(nets), "--seed", "1", "-o", str(out)).code == 0
    return str(out)


def drawing(text: str) -> ET.Element:
    return ET.fromstring(text[text.index("<svg") : text.index("</svg>") + len("</svg>")])


def rects(root: ET.Element, kind: str) -> dict[str, tuple[float, float, float, float]]:
    """The rectangles of the `g` elements of class `kind`, by net name (or frame title)."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if kind in (group.get("class") or "").split():
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            key = group.get("data-net") or f"frame {len(found)}"
            found[key] = tuple(float(rect.get(a)) for a in ("x", "y", "width", "height"))  # type: ignore[arg-type]
    return found


def intersect(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner, outer) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def graph_of(*args: str, suffix: str = ".svg", tmp_path) -> str:
    out = tmp_path / f"g{suffix}"
    run = run_cli("graph", *NOW, *args, "-o", str(out))
    assert run.code == 0, run.err
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("nets", [3, 20, 50])
def test_boxes_never_overlap_and_stay_in_their_frames(tmp_path, nets):
    # guards: the circular layout's boxes overlapping at 20 nets
    root = drawing(graph_of(estate(tmp_path, nets), tmp_path=tmp_path))
    nodes, frames = rects(root, "node"), rects(root, "frame")
    assert len(nodes) == nets
    assert not [(a, b) for a, b in combinations(nodes, 2) if intersect(nodes[a], nodes[b])]
    # every net sits in a frame (its account's region), and frames of one level do not overlap
    accounts = [g for g in root.iter(f"{SVG}g") if g.get("class") == "frame account"]
    assert accounts and all(any(inside(box, f) for f in frames.values()) for box in nodes.values())
    boxes = [tuple(float(g[0].get(a)) for a in ("x", "y", "width", "height")) for g in accounts]  # type: ignore[arg-type]
    assert not [(a, b) for a, b in combinations(boxes, 2) if intersect(a, b)]
    width, height = (float(v) for v in root.get("viewBox").split()[2:])  # type: ignore[union-attr]
    assert all(inside(box, (0, 0, width, height)) for box in nodes.values())


def test_nets_are_grouped_by_account_and_region_hubs_marked(tmp_path):
    from verifier.commands.check import load_model
    from verifier.commands.graph import topology
    from verifier.outputs.pictures_layout import layout
    from verifier.project.config import Config

    model = load_model([estate(tmp_path, 50)], Config()).model
    graph = topology(model, WHEN)
    placed = layout(graph)
    # the generator's hubs (20 peerings each) are the hubs, each in the middle of the nets it serves
    assert placed.hubs == {"n0": 20, "n21": 20}

    def distance(a: str, b: str) -> float:
        (x1, y1), (x2, y2) = placed.boxes[a].centre(), placed.boxes[b].centre()
        return ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5

    peers = {n.name: set() for n in graph.nodes}  # type: dict[str, set[str]]
    for edge in graph.edges:
        if edge.kind == "peering":
            peers[edge.a].add(edge.b)
            peers[edge.b].add(edge.a)
    for hub, other in (("n0", "n21"), ("n21", "n0")):
        served = [n for n in peers[hub] if n not in placed.hubs and other not in peers[n]]
        assert len(served) >= 10
        assert sum(distance(n, hub) for n in served) < 0.6 * sum(distance(n, other) for n in served)
    svg = graph_of(estate(tmp_path, 50), tmp_path=tmp_path)
    assert 'class="node hub" data-net="n0"' in svg and "hub: 20 peerings" in svg
    assert ">account 100000000000</text>" in svg and ">region eu-west-1</text>" in svg and ">50 nets</text>" in svg


def test_two_accounts_two_frames(tmp_path):
    svg = graph_of(str(FIXTURES / "imports" / "tf-aws-tfstate-cross-account"), tmp_path=tmp_path)
    titles = re.findall(r'class="frame-label"[^>]*>([^<]*)<', svg)
    assert len([t for t in titles if t.startswith("account ")]) == 2, titles


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_pictures_are_deterministic(tmp_path, suffix):
    path = estate(tmp_path, 20)
    first = graph_of(path, suffix=suffix, tmp_path=tmp_path)
    assert graph_of(path, suffix=suffix, tmp_path=tmp_path) == first


def write_prefix_model(tmp_path):
    """Nets `x` and `x-2`: a path to `x-2` must not mark `x` (a substring of it)."""
    text = open(EXAMPLE, encoding="utf-8").read()
    text = text.replace("spoke-a", "x").replace("spoke-b", "x-2").replace("hub-to-a", "p").replace("hub-to-b", "p-2")
    path = tmp_path / "prefix.peer"
    path.write_text(text, encoding="utf-8")
    return path


def test_why_path_is_marked_by_identity_not_by_name(tmp_path):
    # guards: a substring match marking net `x` (and peering `p`) on a path to `x-2` (via `p-2`)
    path = write_prefix_model(tmp_path)
    svg = graph_of(str(path), "--why", "hub-1", "b-1", "--port", "22", tmp_path=tmp_path)
    root = drawing(svg)
    marks = {g.get("data-net") or g.get("data-label"): g.get("class") for g in root.iter(f"{SVG}g")}
    assert marks["x-2"] == "node path" and marks["hub"] == "node hub path"  # the source's net, a hub
    assert marks["x"] == "node"
    assert marks["p-2 (active)"] == "edge peering path" and marks["p (active)"] == "edge peering"
    page = graph_of(str(path), "--why", "hub-1", "b-1", "--port", "22", suffix=".html", tmp_path=tmp_path)
    data = page_data(page)
    assert data["path"] == ["hub", "x-2"]
    assert {n["name"]: n["mark"] for n in data["nets"]} == {"hub": "path", "x": "", "x-2": "path"}


def page_data(page: str) -> dict:
    match = re.search(r"var DATA = (\{.*?\});\n", page)
    assert match
    return json.loads(match.group(1))


def test_page_is_offline_and_holds_what_a_click_shows(tmp_path):
    page = graph_of(EXAMPLE, suffix=".html", tmp_path=tmp_path)
    # nothing fetched: the only URL is the SVG namespace, no src or href, one inline script
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]
    assert not re.search(r"\s(src|href|xlink:href)=", page) and page.count("<script") == 1
    data = page_data(page)
    nets = {n["name"]: n for n in data["nets"]}
    assert nets["spoke-a"]["routes"] == [
        ["a-rt", "10.0.0.0/16", "peering", "hub-to-a", "hub"],
        ["a-rt", "10.2.0.0/16", "peering", "hub-to-a", "hub"],
    ]
    # spoke-a's route to spoke-b's block crosses hub-to-a to the hub, whose blocks it does not cover
    assert nets["spoke-a"]["to"] == ["hub"] and nets["hub"]["to"] == ["spoke-a", "spoke-b"]
    assert ["hub", "spoke-a", "peering", "hub-to-a", "active", ""] in data["edges"]
    assert nets["hub"]["box"] and nets["hub"]["account"] == "111122223333" and nets["hub"]["region"] == "eu-west-2"


def test_page_routes_to_leaves_out_peerings_not_active(tmp_path):
    # guards: the panel saying a net's routes lead across a pending peering
    page = graph_of(str(FIXTURES / "models" / "aws-cross-account-pending.peer"), suffix=".html", tmp_path=tmp_path)
    data = page_data(page)
    pending = [e for e in data["edges"] if e[2] == "peering" and e[4] != "active"]
    assert pending
    nets = {n["name"]: n for n in data["nets"]}
    for a, b, *_ in pending:
        assert b not in nets[a]["to"] and a not in nets[b]["to"]


def test_page_script_cannot_be_ended_by_a_name(tmp_path):
    # guards: a net named `</script><script>...` ending the page's data early
    text = open(EXAMPLE, encoding="utf-8").read().replace("spoke-b", '"</script><script>alert(1)</script>"')
    path = tmp_path / "m.peer"
    path.write_text(text, encoding="utf-8")
    page = graph_of(str(path), suffix=".html", tmp_path=tmp_path)
    assert page.count("</script>") == 1 and page.count("<script") == 1
    names = [n["name"] for n in page_data(page)["nets"]]
    assert "</script><script>alert(1)</script>" in names


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.parametrize("model", [TF_STATE, EXAMPLE])
def test_dot_reads_back_every_name(tmp_path, model):
    # guards: Terraform for_each addresses (quotes, brackets) breaking the DOT file or its node names
    text = graph_of(model, suffix=".dot", tmp_path=tmp_path)
    run = subprocess.run(["dot", "-Tjson"], input=text, capture_output=True, text=True, check=True)
    assert not run.stderr
    drawn = json.loads(run.stdout)
    names = {o["name"] for o in drawn["objects"]}
    expected = {n["name"] for n in page_data(graph_of(model, suffix=".html", tmp_path=tmp_path))["nets"]}
    assert names == expected
    if model == TF_STATE:
        assert 'module.spoke["a"].aws_vpc.this' in names


def test_mermaid_labels_hold_terraform_addresses(tmp_path):
    text = graph_of(TF_STATE, suffix=".mmd", tmp_path=tmp_path)
    assert '  n1["module.spoke[#quot;a#quot;].aws_vpc.this<br/>10.1.0.0/16"]' in text.splitlines()
    for line in text.splitlines()[1:]:
        label = re.search(r'"(.*)"', line)
        assert label and '"' not in label.group(1), line


def test_matrix_cells_have_symbols_a_legend_and_click_data(tmp_path):
    run = run_cli("matrix", *NOW, "--by", "vm", "--port", "22", "--format", "html", EXAMPLE)
    assert run.code == 0, run.err
    page = run.out
    root = drawing(page)
    cells = [r for r in root.iter(f"{SVG}rect")]
    assert len(cells) == 9 and all(c.get("data-row") and c.get("data-column") for c in cells)
    symbols = [t.text for t in root.iter(f"{SVG}text") if t.get("pointer-events") == "none"]
    assert sorted(set(symbols)) == sorted({"\u2713", "\u2717", "\u2013"})
    # a cell's symbol matches its verdict
    status = {(c.get("data-row"), c.get("data-column")): c.get("class", "").split()[1] for c in cells}
    assert status[("0", "0")] == "vacuous" and status[("1", "0")] == "proved"  # a-1 -> hub-1 tcp 22
    legend = [t.text for t in root.iter(f"{SVG}text")]
    for words in ("reaches (proved)", "does not reach (refuted)", "undecided", "no pair of vms"):
        assert words in legend
    width = float(root.get("width"))  # type: ignore[arg-type]
    assert all(7 * len(t.text or "") + 30 <= width for t in root.iter(f"{SVG}text") if t.get("x") == "30")
    data = page_data(page)
    assert data["names"] == ["hub-1", "a-1", "b-1"] and data["proto"] == "tcp" and data["port"] == 22
    assert "peerproof why " in page

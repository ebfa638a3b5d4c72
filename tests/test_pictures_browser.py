"""The graph page in headless chromium at 3, 50 and 1,000 nets: what the browser draws has no two
net boxes intersecting, every line of text inside its box, and a first screen showing the whole
estate with its account titles readable (issue 16).

Measured in the browser (getBBox: the fonts it really uses), by a checking script added to a copy
of the page. With PEERPROOF_SCREENSHOTS set, the screenshots are written to docs/pictures/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT, run_cli

NOW = ("--now", "2026-11-21T12:00:00Z", "--isolated")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

CHECK = """<script>
(function () {
  var boxes = [], overflow = [], small = [];
  // measured at natural size: zoomed out, chromium rounds each text's font to whole screen pixels
  var svg = document.getElementById("drawing"), view = svg.getAttribute("viewBox").split(" ").map(Number);
  document.querySelectorAll("text.frame-label[data-grow]").forEach(function (t) {  // on the first screen
    if (t.getBoundingClientRect().height < 12) { small.push(t.textContent); }
  });
  var whole = svg.getAttribute("data-size").split(" ");
  svg.style.width = whole[0] + "px"; svg.style.height = whole[1] + "px"; svg.style.flex = "none";
  svg.setAttribute("viewBox", "0 0 " + whole.join(" "));
  document.querySelectorAll("g.node").forEach(function (g) {
    var r = g.querySelector("rect").getBBox();
    boxes.push([g.getAttribute("data-net"), r]);
    g.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      var out = b.x < r.x - 0.5 || b.y < r.y - 0.5;
      if (out || b.x + b.width > r.x + r.width + 0.5 || b.y + b.height > r.y + r.height + 0.5) {
        overflow.push(g.getAttribute("data-net") + ": " + t.textContent);
      }
    });
  });
  boxes.sort(function (a, b) { return a[1].x - b[1].x; });
  var overlaps = [];
  for (var i = 0; i < boxes.length; i++) {
    var a = boxes[i][1];
    for (var j = i + 1; j < boxes.length && boxes[j][1].x < a.x + a.width; j++) {
      var b = boxes[j][1];
      if (a.y < b.y + b.height && b.y < a.y + a.height) { overlaps.push(boxes[i][0] + " / " + boxes[j][0]); }
    }
  }
  // as a person would: a click on the first net, then a search
  var first = document.querySelector("g.node");
  first.querySelector("rect").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  var panel = document.getElementById("detail").textContent;
  var search = document.querySelector("#tools input");
  search.value = "n1";
  search.dispatchEvent(new Event("input"));
  document.body.setAttribute("data-check", JSON.stringify({
    nodes: boxes.length, overlaps: overlaps, overflow: overflow, small: small, view: view,
    rendered: +document.body.getAttribute("data-rendered"), first: first.getAttribute("data-net"), panel: panel,
    lit: document.querySelectorAll("g.lit").length, matches: document.querySelectorAll("g.node.match").length
  }));
})();
</script>
</body>"""


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,900",
        "--virtual-time-budget=5000",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)  # type: ignore[list-item]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
@pytest.mark.parametrize("nets", [3, 50, 1000])
def test_graph_page_in_chromium(tmp_path, nets):
    estate = tmp_path / "estate"
    assert run_cli("gen", "--nets", str(nets), "--seed", "1", "-o", str(estate)).code == 0
    page = tmp_path / f"graph-{nets}.html"
    assert run_cli("graph", *NOW, str(estate), "-o", str(page)).code == 0
    text = page.read_text(encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(text.replace("</body>", CHECK), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", checked.as_uri()).stdout
    found = re.search(r'data-check="([^"]*)"', dom)
    assert found, dom[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["nodes"] == nets and result["rendered"] > nets
    assert result["overlaps"] == [] and result["overflow"] == []
    assert result["small"] == []  # the first screen's account titles are readable
    # the first screen shows the whole estate: the view holds the drawing
    width, height = (float(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', text).groups())  # type: ignore[union-attr]
    x, y, w, h = result["view"]
    assert x <= 0 and y <= 0 and x + w >= width and y + h >= height
    assert w < 3 * width or h < 3 * height  # and not lost in blank space
    # the click showed the net's peerings, routes and where they lead; the search marked the names
    names = re.findall(r'<g class="node[^"]*" data-net="([^"]*)"', text)
    data = json.loads(re.search(r"var DATA = (\{.*?\});\n", text).group(1))  # type: ignore[union-attr]
    peerings = [e for e in data["edges"] if e[2] == "peering" and result["first"] in e[:2]]
    assert result["panel"].startswith(result["first"]) and f"Peerings ({len(peerings)})" in result["panel"]
    assert "Routes (" in result["panel"] and "Its routes lead to (" in result["panel"]
    assert result["lit"] >= 1 and result["matches"] == len([n for n in names if "n1" in n])
    shot = tmp_path / f"graph-{nets}.png"
    chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000  # a drawing, not a blank page
    if os.environ.get("PEERPROOF_SCREENSHOTS"):
        shutil.copy(shot, ROOT / "docs" / "pictures" / shot.name)


WHY_CHECK = """<script>
(function () {
  var view = document.getElementById("drawing").getAttribute("viewBox").split(" ").map(Number);
  var path = Array.prototype.map.call(document.querySelectorAll("g.node.path, g.node.blocked"), function (g) {
    var r = g.querySelector("rect").getBBox();
    return [g.getAttribute("data-net"), r.x >= view[0] && r.y >= view[1] &&
      r.x + r.width <= view[0] + view[2] && r.y + r.height <= view[1] + view[3]];
  });
  document.body.setAttribute("data-check", JSON.stringify(path));
})();
</script>
</body>"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_why_page_opens_on_the_path(tmp_path):
    page = tmp_path / "graph-why.html"
    example = str(ROOT / "fixtures" / "models" / "language-example.peer")
    assert run_cli("graph", *NOW, example, "--why", "a-1", "b-1", "--port", "22", "-o", str(page)).code == 0
    checked = tmp_path / "checked.html"
    checked.write_text(page.read_text(encoding="utf-8").replace("</body>", WHY_CHECK), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", checked.as_uri()).stdout
    found = re.search(r'data-check="([^"]*)"', dom)
    assert found, dom[-2000:]
    # every net of the path is on the first screen, marked by identity
    assert json.loads(found.group(1).replace("&quot;", '"')) == [["hub", True], ["spoke-a", True], ["spoke-b", True]]
    shot = tmp_path / "graph-why.png"
    chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
    if os.environ.get("PEERPROOF_SCREENSHOTS"):
        shutil.copy(shot, ROOT / "docs" / "pictures" / shot.name)


MATRIX_CLICK = """<script>
var cell = document.querySelector('rect.cell[data-row="1"][data-column="0"]');
cell.dispatchEvent(new MouseEvent("click", {bubbles: true}));
document.body.setAttribute("data-check", document.getElementById("detail").textContent);
</script>
</body>"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_matrix_page_click_says_how_to_see_the_blocking_points(tmp_path):
    environments = str(ROOT / "fixtures" / "models" / "generic-environments.peer")
    run = run_cli("matrix", *NOW, "--by", "vm", "--port", "22", "--format", "html", environments)
    assert run.code == 0
    page = tmp_path / "matrix.html"
    page.write_text(run.out.replace("</body>", MATRIX_CLICK), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    found = re.search(r'data-check="([^"]*)"', dom)
    assert found, dom[-2000:]
    said = found.group(1).replace("&gt;", ">")
    assert said.startswith("dev-host -> runner (tcp port 22): does not reach: refuted")
    assert said.endswith("peerproof why dev-host runner --proto tcp --port 22")
    shot = tmp_path / "matrix.png"
    chromium(tmp_path, "--window-size=700,500", f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000
    if os.environ.get("PEERPROOF_SCREENSHOTS"):
        shutil.copy(shot, ROOT / "docs" / "pictures" / shot.name)

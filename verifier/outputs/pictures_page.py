"""The self-contained HTML pages around the pictures: style and script inline, nothing fetched.

The graph page: zoom (wheel, `+`/`-`, the buttons), pan (drag), fit (`0`), search by name (`/`,
Enter goes to the next match), and a click on a net showing its blocks, peerings, routes and the
nets its routes lead to; a click on a peering shows its ends. The matrix page (`matrix_page`): a
click on a cell shows its witness or its blocking points, and the `why` command that explains it.

The static markup holds only the picture and text; the script adds the controls. What the model
names reaches the script as JSON whose `<`, `>` and `&` are escaped, so no name can end the script.
"""

from __future__ import annotations

import json
import re

GRAPH_STYLE = """
html, body { margin: 0; height: 100%; }
body { font-family: sans-serif; color: #263238; display: flex; flex-direction: column; overflow: hidden; }
h1 { font-size: 16px; margin: 8px 12px 2px; }
#summary { font-size: 13px; margin: 0 12px 6px; color: #455a64; }
p.note { font-size: 13px; margin: 0 12px 4px; color: #c62828; }
#tools { margin: 0 12px 6px; font-size: 13px; display: flex; gap: 6px; align-items: center; }
#tools input { width: 16em; font-size: 13px; padding: 2px 4px; }
#tools button { font-size: 13px; min-width: 2em; }
#drawing { flex: 1 1 auto; min-height: 0; width: 100%; border-top: 1px solid #cfd8dc; cursor: grab; background: #fff; }
#drawing.panning { cursor: grabbing; }
#detail { position: fixed; right: 12px; top: 96px; width: 360px; max-height: calc(100% - 120px);
  overflow: auto; margin: 0; padding: 8px 12px; background: #fff; border: 1px solid #b0bec5;
  box-shadow: 0 2px 8px rgba(0, 0, 0, .2); font-size: 13px; display: none; }
#detail.shown { display: block; }
#detail h2 { font-size: 15px; margin: 4px 0; word-break: break-all; }
#detail h3 { font-size: 13px; margin: 10px 0 2px; }
#detail ul { margin: 0; padding-left: 18px; }
#detail .note { color: #607d8b; font-size: 12px; }
#detail .link { color: #1565c0; cursor: pointer; text-decoration: underline; }
.node, .edge { cursor: pointer; }
#drawing.focus .node { opacity: .3; }
#drawing.focus .edge { opacity: .08; }
#drawing.focus .node.lit, #drawing.focus .edge.lit { opacity: 1; }
.node.match rect { stroke: #6a1b9a; stroke-width: 5; }
.node.selected rect { stroke: #6a1b9a; stroke-width: 5; }
"""

GRAPH_SCRIPT = """
(function () {
  "use strict";
  var DATA = @@DATA@@;
  var svg = document.getElementById("drawing");
  var detail = document.getElementById("detail");
  var nets = new Map(), nodes = new Map(), edgesOf = new Map();
  DATA.nets.forEach(function (n) { nets.set(n.name, n); edgesOf.set(n.name, []); });
  svg.querySelectorAll("g.node").forEach(function (g) { nodes.set(g.getAttribute("data-net"), g); });
  var edgeElements = svg.querySelectorAll("g.edge");
  DATA.edges.forEach(function (e, i) {
    var item = {a: e[0], b: e[1], kind: e[2], label: e[3], state: e[4], mark: e[5], element: edgeElements[i]};
    edgesOf.get(e[0]).push(item);
    if (e[1] !== e[0]) { edgesOf.get(e[1]).push(item); }
  });
  var view = DATA.view.slice();
  var labels = Array.prototype.slice.call(svg.querySelectorAll("text.frame-label[data-grow]"));

  function size() {
    var r = svg.getBoundingClientRect();
    return {left: r.left, top: r.top, w: r.width || 1, h: r.height || 1};
  }
  function apply() {
    svg.setAttribute("viewBox", view.map(function (v) { return v.toFixed(1); }).join(" "));
    var perPixel = view[2] / size().w;
    labels.forEach(function (t) {  // frame titles stay readable when zoomed out, within their frame
      var base = +t.getAttribute("data-size"), room = +t.getAttribute("data-room");
      var font = Math.max(base, Math.min(13 * perPixel, room / (0.62 * t.textContent.length)));
      t.setAttribute("font-size", font.toFixed(1));
      t.setAttribute("y", (+t.getAttribute("data-top") + font).toFixed(1));
    });
  }
  var target = null;  // what the last fit showed, until a zoom or a pan: fitted again on a resize
  function fit(box, margin) {
    var s = size(), pad = margin === undefined ? 20 : margin;
    target = [box, pad];
    var scale = Math.max((box[2] + 2 * pad) / s.w, (box[3] + 2 * pad) / s.h);
    var cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
    view = [cx - s.w * scale / 2, cy - s.h * scale / 2, s.w * scale, s.h * scale];
    apply();
  }
  function zoom(factor, clientX, clientY) {
    var s = size();
    var fx = clientX === undefined ? 0.5 : (clientX - s.left) / s.w;
    var fy = clientY === undefined ? 0.5 : (clientY - s.top) / s.h;
    var px = view[0] + fx * view[2], py = view[1] + fy * view[3];
    target = null;
    view[2] *= factor; view[3] *= factor;
    view[0] = px - fx * view[2]; view[1] = py - fy * view[3];
    apply();
  }
  function union(names) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    names.forEach(function (name) {
      var b = nets.get(name).box;
      x0 = Math.min(x0, b[0]); y0 = Math.min(y0, b[1]);
      x1 = Math.max(x1, b[0] + b[2]); y1 = Math.max(y1, b[1] + b[3]);
    });
    return [x0, y0, x1 - x0, y1 - y0];
  }

  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    zoom(Math.pow(1.0015, event.deltaY), event.clientX, event.clientY);
  }, {passive: false});
  var drag = null, moved = false;
  svg.addEventListener("pointerdown", function (event) {
    drag = {x: event.clientX, y: event.clientY, view: view.slice()}; moved = false;
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) { return; }
    moved = true; target = null; svg.classList.add("panning");
    var perPixel = drag.view[2] / size().w;
    view[0] = drag.view[0] - dx * perPixel; view[1] = drag.view[1] - dy * perPixel;
    apply();
  });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("panning"); });

  function element(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (className) { e.className = className; }
    return e;
  }
  function netLink(name) {
    var e = element("span", name, "link");
    e.addEventListener("click", function () { select(name, true); });
    return e;
  }
  function list(title, items, note) {
    detail.appendChild(element("h3", title));
    if (note) { detail.appendChild(element("p", note, "note")); }
    var ul = element("ul");
    items.forEach(function (parts) {
      var li = element("li");
      parts.forEach(function (p) { li.appendChild(typeof p === "string" ? document.createTextNode(p) : p); });
      ul.appendChild(li);
    });
    if (!items.length) { ul.appendChild(element("li", "none")); }
    detail.appendChild(ul);
  }
  function clear() {
    svg.classList.remove("focus");
    svg.querySelectorAll(".lit, .selected").forEach(function (e) { e.classList.remove("lit", "selected"); });
    detail.classList.remove("shown");
    detail.textContent = "";
  }
  function select(name, go) {
    var net = nets.get(name);
    clear();
    svg.classList.add("focus");
    nodes.get(name).classList.add("lit", "selected");
    var peerings = [], gaps = [];
    edgesOf.get(name).forEach(function (e) {
      var other = e.a === name ? e.b : e.a;
      e.element.classList.add("lit");
      nodes.get(other).classList.add("lit");
      if (e.kind === "peering") {
        peerings.push([e.label + " to ", netLink(other), " (" + e.state + ")"]);
      } else {
        gaps.push([e.a === name ? "to " : "from ", netLink(other), ": " + e.label]);
      }
    });
    detail.appendChild(element("h2", net.name));
    var where = [net.account && "account " + net.account, net.region && "region " + net.region];
    detail.appendChild(element("p", where.filter(Boolean).join(", ") || "no account or region"));
    detail.appendChild(element("p", "blocks: " + (net.blocks.join(", ") || "none")));
    if (net.hub) { detail.appendChild(element("p", "a hub: " + net.hub + " peerings")); }
    if (net.mark) {
      detail.appendChild(element("p", "on the why path" + (net.mark === "blocked" ? ": where it stops" : "")));
    }
    list("Peerings (" + peerings.length + ")", peerings);
    if (gaps.length) { list("Routes with no transit", gaps); }
    list("Routes (" + net.routes.length + ")", net.routes.map(function (r) {
      var head = r[0] + ": " + r[1] + " ";
      if (r[2] === "peering") {
        return r[4] ? [head + "via peering " + r[3] + " to ", netLink(r[4])] : [head + "via peering " + r[3]];
      }
      if (r[2] === "gateway") { return [head + "via gateway " + r[3]]; }
      return [head + r[2]];
    }));
    list("Its routes lead to (" + net.to.length + ")", net.to.map(function (other) { return [netLink(other)]; }),
      "Nets its route tables send traffic to across an active peering. Security groups and network ACLs " +
      "are not read here: ask peerproof why for a proof.");
    detail.classList.add("shown");
    if (go) {  // bring it to the middle, zoomed in enough to read
      var b = net.box, cx = b[0] + b[2] / 2, cy = b[1] + b[3] / 2;
      if (view[2] / size().w > 1.2) {
        var span = Math.max(b[2] * 6, 600);
        fit([cx - span / 2, cy - span / 3, span, span * 2 / 3], 0);
        target = null;
      } else {
        view[0] = cx - view[2] / 2; view[1] = cy - view[3] / 2; target = null; apply();
      }
    }
  }
  svg.addEventListener("click", function (event) {
    if (moved) { return; }
    var node = event.target.closest("g.node"), edge = event.target.closest("g.edge");
    if (node) { select(node.getAttribute("data-net"), false); return; }
    if (edge) {
      var index = Array.prototype.indexOf.call(edgeElements, edge), e = DATA.edges[index];
      clear();
      svg.classList.add("focus");
      edge.classList.add("lit");
      nodes.get(e[0]).classList.add("lit"); nodes.get(e[1]).classList.add("lit");
      detail.appendChild(element("h2", e[3] + (e[4] ? " (" + e[4] + ")" : "")));
      var p = element("p");
      [e[2] === "gap" ? "a route with no transit, from " : "a peering between ", netLink(e[0]), " and ", netLink(e[1])]
        .forEach(function (x) { p.appendChild(typeof x === "string" ? document.createTextNode(x) : x); });
      detail.appendChild(p);
      detail.classList.add("shown");
      return;
    }
    clear();
  });

  var tools = element("div"); tools.id = "tools";
  var search = element("input"); search.type = "search"; search.placeholder = "find a net by name (/)";
  var found = element("span", "");
  var matches = [], at = -1;
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    matches = []; at = -1;
    nodes.forEach(function (g, name) {
      var hit = q !== "" && name.toLowerCase().indexOf(q) >= 0;
      g.classList.toggle("match", hit);
      if (hit) { matches.push(name); }
    });
    found.textContent = q ? matches.length + " found" + (matches.length ? " (Enter: next)" : "") : "";
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && matches.length) { at = (at + 1) % matches.length; select(matches[at], "zoom"); }
    if (event.key === "Escape") { search.value = ""; search.dispatchEvent(new Event("input")); search.blur(); }
  });
  function button(text, title, action) {
    var b = element("button", text); b.title = title; b.addEventListener("click", action); tools.appendChild(b);
  }
  tools.appendChild(search);
  button("+", "zoom in (+)", function () { zoom(1 / 1.5); });
  button("\\u2212", "zoom out (-)", function () { zoom(1.5); });
  button("fit", "the whole estate (0)", function () { fit(DATA.view); });
  tools.appendChild(found);
  tools.appendChild(element("span", "wheel: zoom; drag: pan; click a net or a peering", "note"));
  svg.parentNode.insertBefore(tools, svg);
  document.addEventListener("keydown", function (event) {
    if (event.target === search) { return; }
    if (event.key === "/") { event.preventDefault(); search.focus(); }
    else if (event.key === "+" || event.key === "=") { zoom(1 / 1.5); }
    else if (event.key === "-") { zoom(1.5); }
    else if (event.key === "0") { fit(DATA.view); }
    else if (event.key === "Escape") { clear(); }
  });
  if (window.ResizeObserver) {  // the window changed: show what was shown, at the new shape
    var known = size();
    new ResizeObserver(function () {
      var s = size();
      if (target) { fit(target[0], target[1]); } else {  // the same scale, about the same centre
        var perPixel = view[2] / known.w, cx = view[0] + view[2] / 2, cy = view[1] + view[3] / 2;
        view = [cx - s.w * perPixel / 2, cy - s.h * perPixel / 2, s.w * perPixel, s.h * perPixel];
        apply();
      }
      known = s;
    }).observe(svg);
  }

  if (DATA.path.length) {  // the path, at no more than its natural size
    var path = union(DATA.path), s = size(), w = Math.max(path[2], s.w - 160), h = Math.max(path[3], s.h - 160);
    fit([path[0] + path[2] / 2 - w / 2, path[1] + path[3] / 2 - h / 2, w, h], 80);
  } else { fit(DATA.view); }
  document.body.setAttribute("data-rendered", svg.querySelectorAll("g").length);
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@@TITLE@@</title>
<style>@@STYLE@@</style>
</head>
<body>
<h1>@@TITLE@@</h1>
@@BODY@@<script>@@SCRIPT@@</script>
</body>
</html>
"""


def script_json(value) -> str:
    """JSON to place inside a script element: no `<`, `>` or `&` (no `</script>`, no `<!--`) and no
    line separators, each written as its escape."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each `@@KEY@@` replaced in one pass: a value holding `@@...@@` stays as it is."""
    return re.sub(r"@@([A-Z]+)@@", lambda m: values[m.group(1)], template)


MATRIX_SCRIPT = """
(function () {
  "use strict";
  var DATA = @@DATA@@;
  var detail = document.getElementById("detail");
  var MEANING = {
    proved: "reaches: proved for every pair of vms, with some of this traffic getting through",
    refuted: "does not reach: refuted (some pair of vms gets none of this traffic through)",
    unknown: "undecided: the model does not pin down what decides it",
    vacuous: "no pair of vms to ask about"
  };
  var what = DATA.proto + (DATA.port === null ? "" : " port " + DATA.port);
  function add(parent, tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (className) { e.className = className; }
    parent.appendChild(e);
    return e;
  }
  function hops(title, ids, blocked) {
    if (!ids.length) { return; }
    add(detail, "h3", title);
    var list = add(detail, "ol", undefined, "hops");
    ids.forEach(function (id) {
      var hop = DATA.hops[id];  // [step, description, disposition, code]
      var item = add(list, "li", undefined, "hop " + hop[2]);
      add(item, "span", hop[0] + ":", "step");
      add(item, "span", " " + hop[1] + (hop[3] ? " [" + hop[3] + "]" : ""));
      if (blocked && hop[2] === "drop") { item.className += " stop"; }
    });
  }
  function show(i, j) {
    var from = DATA.names[i], to = DATA.names[j], status = DATA.cells[i][j], why = DATA.why ? DATA.why[i][j] : null;
    detail.textContent = "";
    add(detail, "p", from + " -> " + to + " (" + what + "): " + MEANING[status], "verdict " + status);
    if (status === "vacuous" || !why) { return; }
    var c = why.connection;
    if (DATA.by !== "vm") {
      add(detail, "p", "decided by the pair vm " + why.pair[0] + " -> vm " + why.pair[1], "note");
    }
    if (status === "proved") {
      add(detail, "h3", c ? "Witness: " + c.packet + " (from " + c.from + " to " + c.to + "), from every client port" :
        "No connection crosses the network (a vm's traffic to itself)");
    } else if (status === "refuted") {
      add(detail, "h3", "Counterexample: " + (c && c.packet ? c.packet : "no packet at all") +
        (c && c.direction ? ", dies on the " + c.direction + (c.blocked ? " (" + c.blocked + ")" : "") : ""));
      if (why.blocking.length) {
        add(detail, "h3", "Blocking points (" + why.blocking.length + ")");
        var points = add(detail, "ul", undefined, "blocking");
        why.blocking.forEach(function (b) { add(points, "li", b[0] + " on the " + b[1] + ": " + b[2]); });
      }
    } else {
      if (why.depends.length) { add(detail, "h3", "It depends on " + why.depends.join(", ")); }
      if (why.reason) { add(detail, "p", why.reason); }
      if (c && c.packet) { add(detail, "h3", "For example: " + c.packet); }
    }
    if (c) {
      hops("Forward (" + c.from + " to " + c.to + ")", c.forward, status === "refuted");
      hops("Reply", c.reply, status === "refuted");
    }
    var command = "peerproof why " + why.pair[0] + " " + why.pair[1];
    if (DATA.proto !== "all") { command += " --proto " + DATA.proto; }
    if (DATA.port !== null) { command += " --port " + DATA.port; }
    add(detail, "p", "The same, with repairs:", "note");
    add(detail, "p", command, "command");
  }
  document.querySelectorAll("rect.cell").forEach(function (cell) {
    cell.addEventListener("click", function () {
      document.querySelectorAll("rect.cell.chosen").forEach(function (c) { c.classList.remove("chosen"); });
      cell.classList.add("chosen");
      show(+cell.getAttribute("data-row"), +cell.getAttribute("data-column"));
    });
  });
  document.body.setAttribute("data-rendered", document.querySelectorAll("rect.cell").length);
})();
"""

MATRIX_STYLE = """
body { font-family: sans-serif; margin: 16px; color: #263238; }
h1 { font-size: 18px; }
#detail { display: block; position: sticky; top: 0; z-index: 1; max-height: 45vh; overflow: auto; min-height: 3em;
  padding: 4px 8px; border-left: 4px solid #90a4ae; background: #f5f7fa; font-size: 13px; }
#detail p { margin: 2px 0; }
#detail h3 { font-size: 13px; margin: 8px 0 2px; }
#detail ol, #detail ul { margin: 0; padding-left: 22px; }
#detail .verdict { font-weight: bold; }
#detail .step { color: #607d8b; }
#detail .hop.drop { color: #b71c1c; }
#detail .hop.unknown { color: #6d4c00; }
#detail .hop.stop { font-weight: bold; }
#detail .blocking li { color: #b71c1c; }
#detail .command { font-family: monospace; background: #263238; color: #fff; padding: 2px 6px; display: inline-block; }
#detail .note { color: #607d8b; }
rect.cell { cursor: pointer; }
rect.cell:hover, rect.cell.chosen { stroke: #263238; stroke-width: 2; }
"""


def matrix_page(matrix) -> str:
    """The matrix page: the picture, and a click on a cell shows what decides it — for a reachable
    cell the witness (a packet and its hops, both ways), for an unreachable one the counterexample
    and every blocking point, for an undecided one what it depends on — from `matrix.why`."""
    from verifier.outputs.escape import visible
    from verifier.outputs.pictures import escape, matrix_svg

    hops: dict[tuple, int] = {}

    def ids(walk) -> list[int]:
        found = []
        for hop in walk:
            row = (hop.step, visible(hop.description), hop.disposition, hop.code.value if hop.code else None)
            found.append(hops.setdefault(row, len(hops)))
        return found

    def cell(why) -> dict | None:
        if why is None:
            return None
        connection = why.connection
        shown = None
        if connection is not None:
            shown = {
                "from": visible(connection.source_vm),
                "to": visible(connection.destination_vm),
                "packet": connection.packet.describe() if connection.packet else None,
                "forward": ids(connection.forward),
                "reply": ids(connection.reply),
                "direction": connection.direction,
                "blocked": connection.blocked.value if connection.blocked else None,
            }
        return {
            "pair": [visible(why.source), visible(why.target)],
            "connection": shown,
            "blocking": [[b.code.value, b.direction, visible(b.message)] for b in why.blocking],
            "depends": [visible(fact) for fact in why.depends],
            "reason": visible(why.reason),
        }

    why = matrix.why or [[None] * len(matrix.names) for _ in matrix.names]
    cells = [[cell(w) for w in row] for row in why]
    data = {
        "by": matrix.by,
        "names": [visible(n) for n in matrix.names],
        "cells": matrix.cells,
        "proto": matrix.protocol,
        "port": matrix.port,
        "hops": [list(row) for row in hops],
        "why": cells,
    }
    body = (
        # a paragraph (the pages hold no other markup); the script fills it with the cell's witness
        '<p id="detail">Click a cell: its witness (a packet and its hops), or what blocks it.</p>\n'
        + matrix_svg(matrix, cell_attribute="data-label")
    )
    script = MATRIX_SCRIPT.replace("@@DATA@@", script_json(data))
    title = escape(f"peerproof: reachability by {matrix.by}")
    return fill(PAGE, {"TITLE": title, "STYLE": MATRIX_STYLE, "BODY": body, "SCRIPT": script})

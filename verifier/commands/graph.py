"""`peerproof graph`: the topology as a picture — nets with their blocks, grouped by account and
region, hubs marked, peerings coloured by state, non-transitive gaps, and (with --why) the path of
a connection with its blocking points. As SVG, a self-contained HTML page (zoom, pan, search, a
panel per net), Graphviz DOT or Mermaid."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from verifier.commands import ExitCode
from verifier.commands.options import add_paths, output_file, port_number, query_options, run_query
from verifier.engine.verify import Engine
from verifier.language.model import Model, Peering, Vm, address_text

if TYPE_CHECKING:
    from verifier.commands.why import WhyAnswer
from verifier.project.config import Config


@dataclass
class RouteLine:
    """One route of a net, as the page's panel shows it: where it sends a block, and to which net."""

    table: str
    destination: str
    target: str  # peering | gateway | drop
    via: str = ""
    to_net: str = ""  # with a peering: the net across it


@dataclass
class Node:
    name: str
    blocks: list[str]
    detail: str
    highlight: str = ""  # "" | path | blocked
    account: str = ""
    region: str = ""
    routes: list[RouteLine] = field(default_factory=list)
    # Nets this one has a route to across an active peering joining them, whose blocks the route
    # covers in part: what the route tables allow, not a proof (groups and ACLs are not read here).
    routes_to: list[str] = field(default_factory=list)


@dataclass
class Edge:
    a: str
    b: str
    kind: str  # peering | gap | path
    label: str
    state: str = ""
    highlight: str = ""  # "" | path | blocked


@dataclass
class Graph:
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def topology(model: Model, now: datetime, limits=None) -> Graph:
    engine = Engine(model, now, limits)
    graph = Graph(f"{len(model.nets)} nets, {len(model.peerings)} peerings ({model.provider})")
    nodes = {}
    for net in model.nets:
        detail = " ".join(x for x in (net.account and f"account {net.account}", net.region) if x)
        nodes[net.name] = Node(
            net.name, [str(b) for b in net.blocks], detail, account=net.account or "", region=net.region or ""
        )
        graph.nodes.append(nodes[net.name])
    for net, table, _, route in model.routes():
        via = route.via.name if route.via else ""
        crossed = model.names.get(via) if route.target == "peering" else None
        other = engine.topo.other_net(crossed, net) if isinstance(crossed, Peering) else None
        line = RouteLine(table.name, str(route.destination), route.target, via, other.name if other else "")
        nodes[net.name].routes.append(line)
        if (
            other is not None
            and isinstance(crossed, Peering)
            and engine.topo.state(crossed) == "active"
            and any(route.destination.overlaps(b) for b in other.blocks)
            and other.name not in nodes[net.name].routes_to
        ):
            nodes[net.name].routes_to.append(other.name)
    for peering in model.peerings:
        joined = engine.topo.joined(peering)
        if joined and joined[0] != joined[1]:
            state = engine.topo.state(peering)
            graph.edges.append(Edge(joined[0], joined[1], "peering", peering.name, state))
    for net, table, index, route in model.routes():
        if route.target != "peering":
            continue
        facts = engine.route_facts(net, table, index)
        if facts.outside_peer is None:
            continue
        version = route.destination.version
        holder = next(
            (n for n in model.nets if n is not net and any(b.contains(facts.outside_peer, version) for b in n.blocks)),
            None,
        )
        via = route.via.name if route.via else ""
        crossed = model.names.get(via)
        other = engine.topo.other_net(crossed, net) if isinstance(crossed, Peering) else None
        if holder is not None and other is not None and holder.name != other.name:
            graph.edges.append(
                Edge(
                    net.name,
                    holder.name,
                    "gap",
                    f"no transit via {via} ({address_text(facts.outside_peer, version)})",
                )
            )
    return graph


def overlay_why(graph: Graph, answer: WhyAnswer, source_net: str | None = None) -> None:
    """Mark the path of a `why` answer: the net it starts in, the nets and peerings it crosses, its
    blocking points.

    Read from the hops' references (the nets and peering each names) and the source VM's net, never
    from their words: net `x` is not on a path to `x-2`."""
    on_path = {net for hop in answer.forward for net in hop.nets} | ({source_net} if source_net else set())
    blocked_nets = {net for item in answer.blocking if item.span is not None for net in item.nets}
    for node in graph.nodes:
        if node.name in on_path:
            node.highlight = "path"
        if node.name in blocked_nets:
            node.highlight = "blocked"
    crossed = {hop.peering for hop in answer.forward if hop.peering}
    stopped = {hop.peering for hop in answer.forward if hop.peering and hop.disposition == "drop"}
    for edge in graph.edges:
        if edge.kind == "peering" and edge.label in crossed:
            edge.highlight = "blocked" if edge.label in stopped else "path"
    graph.title += f"; why: {answer.verdict}"
    graph.notes = [f"{b.code} [{b.direction}] {b.message}" for b in answer.blocking] or [answer.message]


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    graph = commands.add_parser("graph", parents=query_options(), help=help)
    add_paths(graph)
    graph.add_argument(
        "-o", "--output", type=output_file, required=True, metavar="FILE", help="FILE.svg, .html, .dot or .mmd"
    )
    graph.add_argument("--why", nargs=2, metavar=("SRC", "DST"), help="draw the path of a connection")
    graph.add_argument("--proto", default="tcp", help="with --why: the protocol (default tcp)")
    graph.add_argument("--port", type=port_number, help="with --why: the destination port")


def run(args: argparse.Namespace) -> ExitCode:
    return run_query(_graph, args)


def _graph(args: argparse.Namespace, config: Config, paths: list[str]) -> ExitCode:
    from verifier.commands.check import load_model
    from verifier.commands.why import answer_why, parse_protocol
    from verifier.outputs.pictures import graph_dot, graph_html, graph_mermaid, graph_svg

    renderers = {".svg": graph_svg, ".html": graph_html, ".dot": graph_dot, ".mmd": graph_mermaid}
    suffix = args.output[args.output.rfind(".") :] if "." in args.output else ""
    if suffix not in renderers:
        print(f"peerproof: error: -o must end in {', '.join(renderers)}", file=sys.stderr)
        return ExitCode.INPUT
    now = args.now or datetime.now(timezone.utc)
    limits = config.limits()
    loaded = load_model(paths, config)
    sources, model = loaded.sources, loaded.model
    graph = topology(model, now, limits)
    if args.why:
        answer = answer_why(
            model,
            {s.path: s.text for s in sources},
            now,
            args.why[0],
            args.why[1],
            parse_protocol(args.proto),
            args.port,
            limits,
            repair=False,
        )
        source = model.names.get(args.why[0])
        overlay_why(graph, answer, source.net if isinstance(source, Vm) else None)
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(renderers[suffix](graph))
    except OSError as exc:  # checked when given (`output_file`); a full disk, a race: said all the same
        print(f"peerproof: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.INPUT
    print(f"peerproof: wrote {args.output}", file=sys.stderr)
    return ExitCode.OK

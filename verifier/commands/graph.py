"""`peerproof graph`: the topology as a picture — nets with their blocks, peerings coloured by
state, non-transitive gaps, and (with --why) the path of a connection with its blocking points."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone

from verifier.commands import ExitCode
from verifier.commands.options import add_paths, query_options, run_query
from verifier.engine.simulate import address_text
from verifier.engine.verify import Engine
from verifier.language.model import Model, Peering
from verifier.project.config import Config


@dataclass
class Node:
    name: str
    blocks: list[str]
    detail: str
    highlight: str = ""  # "" | source | destination | blocked


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
    for net in model.nets:
        detail = " ".join(x for x in (net.account and f"account {net.account}", net.region) if x)
        graph.nodes.append(Node(net.name, [str(b) for b in net.blocks], detail))
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
        peering = model.names.get(route.via.name)
        if (
            holder is not None
            and isinstance(peering, Peering)
            and holder.name != engine.topo.other_net(peering, net).name
        ):
            graph.edges.append(
                Edge(
                    net.name,
                    holder.name,
                    "gap",
                    f"no transit via {route.via.name} ({address_text(facts.outside_peer, version)})",
                )
            )
    return graph


def overlay_why(graph: Graph, model: Model, answer) -> None:
    """Mark the path of a `why` answer: its ends, the peerings it crosses, its blocking points."""
    vm_net = {vm.name: vm.net for vm in model.vms()}
    source = answer.witness["source_vm"] if answer.witness else None
    forward = answer.forward
    nets_on_path: list[str] = []
    for hop in forward:
        for net in graph.nodes:
            if f"net {net.name}" in hop["description"] and net.name not in nets_on_path:
                nets_on_path.append(net.name)
    if source is None and forward:
        source = next(
            (vm for vm in vm_net if f"{vm}'s" in forward[0]["description"] or f" {vm} " in forward[0]["description"]),
            None,
        )
    blocked_nets = set()
    for item in answer.blocking:
        for net in graph.nodes:
            if item.get("file") and f"net {net.name}" in item["message"]:
                blocked_nets.add(net.name)
    for node in graph.nodes:
        if node.name in nets_on_path:
            node.highlight = "path"
        if node.name in blocked_nets:
            node.highlight = "blocked"
    for edge in graph.edges:
        if edge.kind == "peering" and any(f"peering {edge.label} " in hop["description"] for hop in forward):
            blocked = any(h["disposition"] == "drop" and f"peering {edge.label} " in h["description"] for h in forward)
            edge.highlight = "blocked" if blocked else "path"
    graph.title += f"; why: {answer.verdict}"
    graph.notes = [f"{b['code']} [{b['direction']}] {b['message']}" for b in answer.blocking] or [answer.message]


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    graph = commands.add_parser("graph", parents=query_options(), help=help)
    add_paths(graph)
    graph.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.svg, .html, .dot or .mmd")
    graph.add_argument("--why", nargs=2, metavar=("SRC", "DST"), help="draw the path of a connection")
    graph.add_argument("--proto", default="tcp", help="with --why: the protocol (default tcp)")
    graph.add_argument("--port", type=int, help="with --why: the destination port")


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
        overlay_why(graph, model, answer)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(renderers[suffix](graph))
    print(f"peerproof: wrote {args.output}", file=sys.stderr)
    return ExitCode.OK

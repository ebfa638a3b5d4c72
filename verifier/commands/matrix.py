"""`peerproof matrix`: who reaches whom, by net, subnet or VM; each cell proved, refuted or unknown."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

from verifier.commands import ExitCode
from verifier.commands.options import add_paths, output_file, port_number, query_options, run_query
from verifier.engine.classes import Classes
from verifier.engine.verify import Engine
from verifier.language.model import Assertion, Endpoint, Model, Ports, Protocol, Ref, Span, Vm
from verifier.outputs.escape import visible
from verifier.outputs.progress import Progress, silent, start
from verifier.project.config import Config

SPAN = Span.start("<matrix>")
SYMBOLS = {"proved": "yes", "refuted": "no", "unknown": "?", "vacuous": "-"}


@dataclass
class Matrix:
    by: str
    names: list[str]
    cells: list[list[str]]  # cells[i][j]: status of names[i] -> names[j]
    protocol: str
    port: int | None

    def as_json(self) -> dict:
        return {"by": self.by, "protocol": self.protocol, "port": self.port, "names": self.names, "cells": self.cells}


def groups(model: Model, by: str) -> list[str]:
    if by == "net":
        return [n.name for n in model.nets]
    if by == "subnet":
        return [s.name for n in model.nets for s in n.subnets]
    return [vm.name for vm in model.vms()]


def compute(
    model: Model,
    now: datetime,
    by: str,
    protocol: int | None,
    port: int | None,
    limits=None,
    progress: Progress | None = None,
) -> Matrix:
    """Each cell: `reach X -> Y` for the kind of traffic asked (some of it gets through), over every
    pair of VMs of X and Y. Alike VMs (`engine.classes`) are asked about once: a cell is the verdict
    on one pair of each pair of classes it holds. `progress` is told the cells filled."""
    progress = progress or silent()
    engine = Engine(model, now, limits)
    names = groups(model, by)
    members = {name: engine.topo.endpoint_vms(Endpoint(Ref(name, SPAN), None, SPAN)) for name in names}
    classes = Classes(model, engine.topo)
    asked: dict[tuple, str] = {}  # (class of the source, class of the target, one VM) -> verdict

    def pair(source: Vm, target: Vm) -> str:
        key = (classes.key(source), classes.key(target), classes.same(source, target))
        if key not in asked:
            assertion = Assertion(
                "reach",
                Endpoint(Ref(source.name, SPAN), None, SPAN),
                Endpoint(Ref(target.name, SPAN), None, SPAN),
                # a cell is reachable when some traffic of the kind gets through
                Protocol(protocol, SPAN) if protocol not in (None, -1) else None,
                Ports(port, port, SPAN) if port is not None else None,
                SPAN,
            )
            asked[key] = engine.check_assertion(assertion, witness=False).status
        return asked[key]

    cells: list[list[str]] = []
    progress.stage("matrix", cells=f"cells 0/{len(names) ** 2}")
    for x in names:
        row = []
        for y in names:
            if not members[x] or not members[y] or (x == y and len(members[x]) < 2):
                row.append("vacuous")
            else:
                row.append(_cell(x, y, members, classes, pair))
            progress.count("cells", len(cells) * len(names) + len(row), len(names) ** 2)
        cells.append(row)
    from verifier.language.model import protocol_name

    return Matrix(by, names, cells, protocol_name(protocol) if protocol is not None else "all", port)


def _cell(x: str, y: str, members: dict[str, list[Vm]], classes: Classes, pair) -> str:
    """`reach x -> y` from one pair of VMs of each pair of classes: refuted if one pair is, else unknown if
    one is, else proved (as the engine combines the pairs of an assertion)."""
    sources: dict = {}
    targets: dict = {}
    for vm in members[x]:
        sources.setdefault(classes.key(vm), []).append(vm)
    for vm in members[y]:
        targets.setdefault(classes.key(vm), []).append(vm)
    verdicts = set()
    for source_class, from_vms in sources.items():
        for target_class, to_vms in targets.items():
            source = from_vms[0]
            # two VMs of one class: any two distinct ones stand for every such pair
            target = next((vm for vm in to_vms if not classes.same(vm, source)), None)
            if target is None:
                source = next((vm for vm in from_vms if not classes.same(vm, to_vms[0])), None)
                target = to_vms[0] if source is not None else None
            if target is None or source is None:
                continue  # a VM to itself never crosses the network
            verdicts.add(pair(source, target))
            if "refuted" in verdicts:
                return "refuted"
    return "unknown" if "unknown" in verdicts else "proved"


def render_table(matrix: Matrix) -> str:
    width = max([len(n) for n in matrix.names] + [4])
    what = f"{matrix.protocol}" + (f" {matrix.port}" if matrix.port is not None else " (some port)")
    lines = [
        f"reachability by {matrix.by}, {what}: row reaches column (yes: proved, no: refuted, ?: undecided, "
        "-: no pair of vms)"
    ]
    lines.append(" " * (width + 2) + "  ".join(f"{n[:width]:>{width}}" for n in matrix.names))
    for name, row in zip(matrix.names, matrix.cells):
        lines.append(f"{name:<{width}}  " + "  ".join(f"{SYMBOLS[c]:>{width}}" for c in row))
    return "\n".join(visible(line) for line in lines) + "\n"  # names may hold control characters


def render_csv(matrix: Matrix) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["from \\ to", *matrix.names])
    for name, row in zip(matrix.names, matrix.cells):
        writer.writerow([name, *row])
    return out.getvalue()


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    matrix = commands.add_parser("matrix", parents=query_options(), help=help)
    add_paths(matrix)
    matrix.add_argument("--by", choices=("net", "subnet", "vm"), default="net")
    matrix.add_argument(
        "--proto", help="tcp, udp, icmp, all or a protocol number (default: all; tcp with --port, as in why)"
    )
    matrix.add_argument("--port", type=port_number, help="destination port (default: some port)")
    matrix.add_argument("--format", choices=("text", "csv", "json", "svg", "html"), default="text")
    matrix.add_argument("-o", "--output", type=output_file, help="write to FILE instead of standard output")


def run(args: argparse.Namespace) -> ExitCode:
    return run_query(_matrix, args)


def _matrix(args: argparse.Namespace, config: Config, paths: list[str]) -> ExitCode:
    from verifier.commands.check import load_model
    from verifier.commands.why import parse_protocol
    from verifier.diagnostics import BadQuery
    from verifier.outputs.pictures import matrix_html, matrix_svg

    now = args.now or datetime.now(timezone.utc)
    limits = config.limits()
    # A port alone means TCP, as in `why` (`--port 22` asks about SSH, not about every protocol).
    protocol = parse_protocol(args.proto or ("tcp" if args.port is not None else "all"))
    if args.port is not None and protocol not in (6, 17):
        raise BadQuery("--port goes with --proto tcp or udp")
    # On standard error while the cells are decided, cleared before anything is written.
    with start(args.format == "text" or args.output is not None) as progress:
        progress.stage("reading")
        model = load_model(paths, config).model
        matrix = compute(model, now, args.by, protocol, args.port, limits, progress)
    text = {
        "text": render_table,
        "csv": render_csv,
        "svg": matrix_svg,
        "html": matrix_html,
        "json": lambda m: json.dumps(m.as_json(), indent=2) + "\n",
    }[args.format](matrix)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:  # checked when given (`output_file`); a full disk, a race: said all the same
            print(f"peerproof: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return ExitCode.INPUT
    else:
        sys.stdout.write(text)
    return ExitCode.OK

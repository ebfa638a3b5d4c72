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
from verifier.commands.options import add_paths, job_count, output_file, port_number, query_options, run_query
from verifier.engine.matrix_rows import Rows, decide
from verifier.engine.matrix_witness import CellWitness, Witnesses
from verifier.language.model import Model
from verifier.outputs.escape import visible
from verifier.outputs.progress import Progress, silent, start
from verifier.project.config import Config

SYMBOLS = {"proved": "yes", "refuted": "no", "unknown": "?", "vacuous": "-"}


@dataclass
class Matrix:
    by: str
    names: list[str]
    cells: list[list[str]]  # cells[i][j]: status of names[i] -> names[j]
    protocol: str
    port: int | None
    # With witnesses asked for (the HTML page): what each cell rests on; None for a vacuous one.
    why: list[list[CellWitness | None]] | None = None

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
    witnesses: bool = False,
    shortcuts: bool = True,
    jobs: int = 1,
) -> Matrix:
    """Each cell: `reach X -> Y` for the kind of traffic asked (some of it gets through), over every
    pair of VMs of X and Y (`engine.matrix_rows`), by `jobs` processes. Without gaps, `shortcuts`
    decide what the routes pin down without the solver; the verdicts are the same. `witnesses`: keep
    what each cell rests on (`Matrix.why`). `progress` is told the cells filled."""
    progress = progress or silent()
    names = groups(model, by)
    total = len(names) ** 2
    progress.stage("matrix", cells=f"cells 0/{total}")
    arguments = (model, now, limits, names, protocol, port, witnesses, shortcuts)
    told = (lambda done: progress.count("cells", done, total)) if progress.on else None
    rows, deciding = decide(arguments, jobs, told)
    cells = [["vacuous" if pair is None else pair.status for pair in row] for row in deciding]
    from verifier.language.model import protocol_name

    matrix = Matrix(by, names, cells, protocol_name(protocol) if protocol is not None else "all", port)
    if witnesses:
        rows = rows or Rows(*arguments)
        shown = Witnesses(rows.engine, rows.shortcut)
        matrix.why = [[None if pair is None else rows.witness(pair, shown) for pair in row] for row in deciding]
    return matrix


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
    matrix.add_argument(
        "--jobs",
        "-j",
        type=job_count,
        default=1,
        metavar="N",
        help="decide the rows in N processes (default 1; 0: one per core); the output is the same",
    )


def run(args: argparse.Namespace) -> ExitCode:
    return run_query(_matrix, args)


def _matrix(args: argparse.Namespace, config: Config, paths: list[str]) -> ExitCode:
    from verifier.commands.check import load_model
    from verifier.commands.why import parse_protocol
    from verifier.diagnostics import BadQuery
    from verifier.outputs.pictures import matrix_svg
    from verifier.outputs.pictures_page import matrix_page

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
        html = args.format == "html"
        matrix = compute(model, now, args.by, protocol, args.port, limits, progress, witnesses=html, jobs=args.jobs)
    text = {
        "text": render_table,
        "csv": render_csv,
        "svg": matrix_svg,
        "html": matrix_page,
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

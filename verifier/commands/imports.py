"""`peerproof import`: the peer text peerproof reads from a plan, a state or a cloud dump."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from verifier.catalog import report
from verifier.commands import ExitCode
from verifier.commands.options import input_error
from verifier.diagnostics import InputError, sort_diagnostics
from verifier.language.model import Span


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    imports = commands.add_parser("import", help=help)
    imports.add_argument(
        "source",
        metavar="SOURCE",
        nargs="+",
        help="Terraform plan or state JSON, terraform.tfstate "
        "files, or an AWS CLI / Outscale API dump (files or directories); read as one estate",
    )
    imports.add_argument("--tf-root", metavar="DIR", help="the Terraform configuration: origins point at .tf lines")
    imports.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")


def run(args: argparse.Namespace) -> ExitCode:
    from verifier import importers

    missing = [s for s in args.source if not Path(s).exists()]
    if missing:
        return input_error([report("PARSE003", "no such file or directory", Span.start(s)) for s in missing], "text")
    try:
        imported = importers.load([Path(s) for s in args.source], Path(args.tf_root) if args.tf_root else None)
    except InputError as exc:
        return input_error(exc.diagnostics, "text")
    for warning in sort_diagnostics([w for i in imported for w in i.warnings]):
        s = warning.span
        print(f"{s.file}:{s.line}:{s.column}: {warning.severity} {warning.code} {warning.message}", file=sys.stderr)
    text = "\n".join(i.text for i in imported)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"peerproof: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return ExitCode.OK

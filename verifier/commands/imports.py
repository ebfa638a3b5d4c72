"""`peerproof import`: the peer text peerproof reads from a plan, a state or a cloud dump.

What it writes is what `check` reads back: the text is built into a model (as `check` builds
it) before anything is written. Text that would not build — a value the importer passed on
that is no address or block — is an input error (exit 2) at the resource it came from in
the plan, state or dump, and nothing is written: never a file that `check` then rejects.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from verifier.catalog import report
from verifier.commands import ExitCode
from verifier.commands.options import input_error, output_file
from verifier.diagnostics import InputError, sort_diagnostics
from verifier.importers import Imported
from verifier.language.model import Span
from verifier.outputs.progress import Progress, start


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
    imports.add_argument(
        "-o", "--output", type=output_file, metavar="FILE", help="write to FILE instead of standard output"
    )


def run(args: argparse.Namespace) -> ExitCode:
    missing = [s for s in args.source if not Path(s).exists()]
    if missing:
        return input_error([report("PARSE003", "no such file or directory", Span.start(s)) for s in missing], "text")
    # On standard error while the inputs are read and the text built; cleared before anything is written.
    with start(True) as progress:
        try:
            imported, written, invalid = _imported(args, progress)
        except InputError as exc:
            progress.close()
            return input_error(exc.diagnostics, "text")
    for warning in sort_diagnostics([w for i in imported for w in i.warnings]):
        s = warning.span
        print(f"{s.file}:{s.line}:{s.column}: {warning.severity} {warning.code} {warning.message}", file=sys.stderr)
    if invalid is not None:
        code = input_error(invalid.diagnostics, "text")
        print(f"peerproof: nothing written: `check` would not read {written.label}", file=sys.stderr)
        return code
    if args.output:
        try:
            Path(args.output).write_text(written.text, encoding="utf-8")
        except OSError as exc:  # checked when given (`output_file`); a full disk, a race: said all the same
            print(f"peerproof: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return ExitCode.INPUT
        print(f"peerproof: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(written.text)
    return ExitCode.OK


def _imported(args: argparse.Namespace, progress: Progress) -> tuple[list[Imported], Imported, InputError | None]:
    """The inputs imported, all of them as one import (the text to write), and why `check` would not
    read it (None: it would). An input that cannot be read raises InputError."""
    from verifier import importers

    progress.stage("reading", given=f"{len(args.source)} path(s) given")
    imported = importers.load([Path(s) for s in args.source], Path(args.tf_root) if args.tf_root else None)
    progress.stage("building the text", read=f"files read {len({path for one in imported for path in one.inputs})}")
    errors = [e for one in imported for e in one.errors]
    if errors:  # values the model cannot hold, each at its resource: an input error, as `check` says it
        raise InputError(errors)
    written = joined(imported, args.output or "<import>")
    try:
        validate(written)
    except InputError as exc:
        return imported, written, exc
    return imported, written, None


def joined(imported: list[Imported], label: str) -> Imported:
    """The imports as one (each kind of input's declarations, one after the other)."""
    return Imported(
        label,
        [d for one in imported for d in one.declarations],
        [],
        [],
        [],
        {path: source for one in imported for path, source in one.inputs.items()},
        {span: name for one in imported for span, name in one.resources.items()},
        "; ".join(one.heading for one in imported),
        {name: note for one in imported for name, note in one.notes.items()},
    )


def validate(written: Imported) -> None:
    """Build the text printed from `written` as `check` builds a peer file: what `import` writes is
    what `check` reads. Every value was validated as it was read; an error here is the printer's."""
    from verifier.language.build import build
    from verifier.language.parse import SourceFile

    build([SourceFile(written.label, written.text)])

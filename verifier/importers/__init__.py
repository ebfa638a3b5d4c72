"""Importers: Terraform plans and states, and cloud API dumps, to peer text.

An importer turns its input into peer text plus a map from each generated line
to where the resource was found (the dump file, the line of its id), so that a
finding on an imported resource points at something the user can open. What it
does not understand it reports (IMP001), never drops silently.

Detection is by content: `check` accepts a dump directory or file beside
`.peer` files. Each input's shape is checked as it is read (`shape`): a file of the
wrong shape is the user's to fix (PARSE002, at the value); an exception past that
check is a bug of peerproof's (exit 3), not blamed on the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.importers import shape as shapes
from verifier.language.model import Span


@dataclass
class Imported:
    """Peer text generated from one source, with where each of its lines came from."""

    label: str  # the name the generated text is parsed under
    text: str
    origins: dict[int, Span] = field(default_factory=dict)  # generated line -> origin
    warnings: list[Diagnostic] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # the files read: path -> text (for excerpts)

    def origin(self, line: int) -> Span:
        """Where a generated line came from: its own origin, else the nearest line above with one."""
        for candidate in range(line, 0, -1):
            if candidate in self.origins:
                return self.origins[candidate]
        return next(iter(self.origins.values()), Span(self.label, line, 1, line, 1))


class PeerWriter:
    """Builds peer text line by line, recording each line's origin."""

    def __init__(self, label: str):
        self.label = label
        self.lines: list[str] = []
        self.origins: dict[int, Span] = {}

    def add(self, text: str, origin: Span | None = None) -> None:
        self.lines.append(text)
        if origin is not None:
            self.origins[len(self.lines)] = origin

    def result(self, warnings: list[Diagnostic], inputs: dict[str, str]) -> Imported:
        return Imported(self.label, "\n".join(self.lines) + "\n", self.origins, warnings, inputs)


class Where:
    """Where an id appears in the dump files: the origin of a generated line."""

    def __init__(self):
        self.texts: dict[str, str] = {}
        self.holder: dict[str, str] = {}  # top-level key -> the file that holds it

    def add(self, file: Path, text: str, keys) -> None:
        self.texts[str(file)] = text
        for key in keys:
            self.holder.setdefault(key, str(file))

    def of(self, ident: str, key: str | None = None) -> Span:
        """Where `ident` appears, in the file of its own kind (`key`) first."""
        needle = f'"{ident}"'
        own = self.holder.get(key) if key else None
        files = ([own] if own else []) + [f for f in self.texts if f != own]
        for file in files:
            text = self.texts[file]
            offset = text.find(needle)
            if offset >= 0:
                line = text.count("\n", 0, offset) + 1
                column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                return Span(file, line, column, line, column + len(needle))
        return Span(next(iter(self.texts), "<dump>"), 1, 1, 1, 1)


def head(file: Path, suffixes: tuple[str, ...] = (".json",)) -> str:
    """The first 4 KiB of a candidate input (empty for another suffix or an unreadable file)."""
    if file.suffix not in suffixes:
        return ""
    try:
        with file.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(4096)
    except OSError:
        return ""


def read_dump(
    files: list[Path], keys: tuple[str, ...], envelope: str, shape: dict
) -> tuple[dict[str, list], Where, list[Diagnostic]]:
    """The lists under `keys` of API responses spread over `files` (each of `shape`), where each id
    sits in them, and an IMP001 for every other top-level key (but `envelope`: paging or request
    metadata)."""
    where = Where()
    data: dict[str, list] = {key: [] for key in keys}
    warnings: list[Diagnostic] = []
    for file, document, text in read_all(files, shape):
        where.add(file, text, document)
        for key, value in document.items():
            if key in data:
                data[key].extend(value or [])  # a list: the shape says so
            elif key != envelope:
                warnings.append(
                    report(
                        "IMP001",
                        f"{file.name}: top-level key '{key}' is not understood and was not imported",
                        Span(str(file), 1, 1, 1, 2),
                    )
                )
    return data, where, warnings


def read_all(files: list[Path], shape: shapes.Shape) -> list[tuple[Path, Any, str]]:
    """Each file's document and text; the errors of every file at once, not only the first one's."""
    documents, errors = [], []
    for file in files:
        try:
            documents.append((file, *read_json(file, shape)))
        except InputError as exc:
            errors += exc.diagnostics
    if errors:
        raise InputError(errors)
    return documents


def read_json(path: Path, shape: shapes.Shape | None = None) -> tuple[Any, str]:
    """A JSON file's document and text; a malformed one, or one not of `shape`, is a located input
    error (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([report("PARSE003", f"cannot read: {exc}", Span(str(path), 1, 1, 1, 1))]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        span = Span(str(path), exc.lineno, exc.colno, exc.lineno, exc.colno + 1)
        raise InputError([report("PARSE001", f"invalid JSON: {exc.msg}", span)]) from None
    if shape is not None:
        shapes.check(document, shape, path, text)
    return document, text


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".json", ".tfstate"))
    return [path]


def _kind(file: Path) -> str | None:
    from verifier.importers import aws_cli, outscale_api, terraform

    if terraform.detect_file(file):
        return "terraform"
    if outscale_api.detect_file(file):
        return "outscale-api"
    if aws_cli.detect_file(file):
        return "aws-cli"
    return None


def detect(path: Path) -> str | None:
    """Which importers read `path` (a file or directory), or None for peer files."""
    kinds = sorted({k for f in _files(path) if (k := _kind(f))})
    return ", ".join(kinds) or None


def load(paths: list[Path], tf_root: Path | None = None) -> list[Imported]:
    """The peer text of every importable input below `paths`: one per kind of input found.

    Files of one kind form one estate: an id of one Terraform state resolves in
    another (a peering between workspaces), a dump may be split over files."""
    from verifier.importers import aws_cli, outscale_api
    from verifier.importers.terraform import load

    groups: dict[str, list[Path]] = {}
    strays = []
    path = paths[0]
    for file in (f for p in paths for f in _files(p)):
        kind = _kind(file)
        if kind:
            groups.setdefault(kind, []).append(file)
        else:
            strays.append(file)
    if not groups:
        raise InputError(
            [
                report(
                    "PARSE003",
                    "not a peer file nor an input peerproof can import "
                    "(supported: Terraform plan and state JSON, raw terraform.tfstate, AWS CLI "
                    "describe-* dumps, Outscale API Read* dumps)",
                    Span(str(path), 1, 1, 1, 1),
                )
            ]
        )
    label = lambda kind: f"{path}.peer" if len(groups) == 1 else f"{path}#{kind}.peer"  # noqa: E731
    for kind in groups:
        groups[kind] = sorted(set(groups[kind]), key=str)
    readers = {
        "aws-cli": lambda files, name: aws_cli.load(files, name),
        "outscale-api": lambda files, name: outscale_api.load(files, name),
        "terraform": lambda files, name: load.load(files, name, tf_root),
    }
    imported = [readers[kind](files, label(kind)) for kind, files in sorted(groups.items())]
    for stray in strays:  # beside importable inputs: said, not skipped in silence
        imported[0].warnings.append(
            report(
                "IMP001",
                f"{stray.name}: not a Terraform plan or state nor "
                "an AWS CLI or Outscale API response peerproof reads; not imported",
                Span(str(stray), 1, 1, 1, 2),
            )
        )
    return imported

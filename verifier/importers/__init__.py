"""Importers: Terraform plans and states, and cloud API dumps, built into the model.

An importer reads its input into an `estate.Estate` and builds the model's
declarations from it through the language's own builder (`transform.PlacingBuilder`):
each value validated where it is read, each declaration located where its resource
was found (the file, the line and column of its id or address), so that a finding
on an imported resource points at something the user can open, and names the
resource (its Terraform address, its cloud id) as data. What it does not understand
it reports (IMP001), never drops silently. Peer text is only ever printed from the
model (`Imported.text`, for `peerproof import`), never parsed from an importer's output.

Detection is by content, whatever a file's name (`inputs`): each importer's
`detect_file` knows its input by the top-level keys of the JSON; a peer file is
one that is none of them. Each input's shape is checked as it is read (`shape`): a file of the
wrong shape is the user's to fix (PARSE002, at the value); an exception past that
check is a bug of peerproof's (exit 3), not blamed on the file.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.importers import shape as shapes
from verifier.language.model import Span
from verifier.language.parse import (
    EXCLUDED,
    GITIGNORE,
    MAX_FILE_BYTES,
    NOT_REGULAR,
    PEER_SUFFIX,
    Refused,
    Scan,
    check_sizes,
    deepest_bracket,
    read_file,
    read_head,
    refusal,
    scan,
)


@dataclass
class Imported:
    """The model's declarations built from one kind of input (`estate.Estate.build`), each at the place of
    the resource it came from, and what the import said of it."""

    label: str  # the name of the whole import (the file `peerproof import` would write)
    declarations: list[Any]
    errors: list[Diagnostic]  # values the model cannot hold (PARSE002 at their resource): nothing is imported
    findings: list[Diagnostic]  # model findings made while building (MODEL001...), at their resource
    warnings: list[Diagnostic] = field(default_factory=list)  # what the import said (IMP001, IMP002)
    inputs: dict[str, str] = field(default_factory=dict)  # the files read: path -> text (for excerpts)
    resources: dict[Span, str] = field(default_factory=dict)  # a resource's place -> its identity
    heading: str = ""  # what was imported, in words (the first line `peerproof import` writes)
    notes: dict[str, str] = field(default_factory=dict)  # a net's name -> what the import knows of it, in words

    def resource(self, span: Span) -> str | None:
        """The identity of the resource at `span` (a Terraform address, a cloud id); None when no one
        resource is there."""
        return self.resources.get(span)

    @property
    def text(self) -> str:
        """The peer text of the import: printed from the declarations built, never from the input's
        values (`printer`)."""
        from verifier.language.build import model_of
        from verifier.language.printer import print_model

        model = model_of(self.declarations)
        notes = {name: _comment(text) for name, text in self.notes.items()}
        return f"# {_comment(self.heading)}\n" + print_model(model, notes, LEFT_OUT)


LEFT_OUT = "left out of the import (IMP001, IMP002): a verdict that could rest on it is unknown"


def _comment(text: str) -> str:
    """`text` on one line of a comment (it may hold file names): a line break or control character as ?."""
    from verifier.importers.estate import UNPRINTABLE

    return UNPRINTABLE.sub("?", text)


Named = Callable[[Span], str | None]  # the identity of the resource written at a place of the input


def cloud_id(inputs: dict[str, str]) -> Named:
    """The cloud id written at a place of a dump (`"vpc-0a1b"`, with its quotes), else None: where a
    dump's importer points a resource's lines (`Where.of`)."""
    starts: dict[str, list[int]] = {}

    def named(span: Span) -> str | None:
        text = inputs.get(span.file)
        if text is None or span.line != span.end_line:
            return None
        if span.file not in starts:
            starts[span.file] = [0] + [match.end() for match in re.finditer("\n", text)]
        lines = starts[span.file]
        if span.line > len(lines):
            return None
        start = lines[span.line - 1] + span.column - 1
        written = text[start : lines[span.line - 1] + span.end_column - 1]
        if len(written) < 3 or written[0] != '"' or written[-1] != '"':
            return None
        try:
            ident = json.loads(written)
        except ValueError:
            return None
        return ident if isinstance(ident, str) and ident else None

    return named


def json_spellings(value: str) -> tuple[str, ...]:
    """How a JSON file may spell the string `value`, quotes included: escapes as JSON writes them,
    non-ASCII characters raw or as \\u escapes."""
    return tuple(dict.fromkeys((json.dumps(value, ensure_ascii=False), json.dumps(value))))


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
        own = self.holder.get(key) if key else None
        files = ([own] if own else []) + [f for f in self.texts if f != own]
        for file in files:
            text = self.texts[file]
            for needle in json_spellings(ident):
                offset = text.find(needle)
                if offset >= 0:
                    line = text.count("\n", 0, offset) + 1
                    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                    return Span(file, line, column, line, column + len(needle))
        return Span(next(iter(self.texts), "<dump>"), 1, 1, 1, 1)


HEAD_BYTES = 64 * 1024  # what detection reads of a file: every input's top-level keys come first
# A JSON string (group 1), with the colon that makes it a key (group 2), or a bracket.
_JSON_TOKEN = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"(\s*:)?|[{}\[\]]')
_BLANK = b"\xef\xbb\xbf \t\r\n"  # a byte order mark, white space


@dataclass(frozen=True)
class Head:
    """The start of a file, as detection sees it."""

    data: bytes = b""  # the first HEAD_BYTES (all of the file when asked)
    keys: frozenset[str] = frozenset()  # the top-level keys of a JSON object (of a JSON list's first object)
    complete: bool = True  # whether that object ends within `data`

    @property
    def json(self) -> bool:
        """Whether it starts as a JSON object or list does (peer text never does)."""
        return self.data.lstrip(_BLANK)[:1] in (b"{", b"[")

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def sniff(file: Path, whole: bool = False) -> Head:
    """The start of `file` (with `whole`, all of it up to MAX_FILE_BYTES: a larger file is refused
    by its size when read) and its top-level JSON keys; empty when unreadable or not a regular file."""
    try:
        data = read_head(file, MAX_FILE_BYTES if whole else HEAD_BYTES)
    except (OSError, Refused):
        return Head()
    head = Head(data)
    return Head(data, *_top_keys(head.text)) if head.json else head


def _top_keys(text: str) -> tuple[frozenset[str], bool]:
    """The keys of the JSON object `text` starts with (of the first object of a list it starts with),
    as far as `text` goes, and whether that object ends within it. Nested keys are not top-level keys."""
    level = 1 if text.lstrip("\ufeff \t\r\n")[:1] == "{" else 2
    depth, keys = 0, set()
    for match in _JSON_TOKEN.finditer(text):
        if match.group(1) is not None:
            if depth == level and match.group(2):
                keys.add(_unescape(match.group(1)))
        elif match.group(0) in "{[":
            depth += 1
        else:
            depth -= 1
            if depth < level:
                return frozenset(keys), True
    return frozenset(keys), False


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    try:
        return str(json.loads(f'"{raw}"'))
    except ValueError:
        return raw


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


def read_json(path: Path, shape: shapes.Shape | None = None, max_bytes: int | None = None) -> tuple[Any, str]:
    """A JSON file's document and text; a malformed one, or one not of `shape`, is a located input
    error (exit 2). Never more than `max_bytes` is read (without it: than the file's size when opened;
    `read` checked every size before any importer ran), never a pipe, a device or a file of /proc.
    What Python's json takes but no input holds is refused too: NaN and Infinity, a number beyond a
    float (1e400), an integer too long to convert, nesting deeper than the walks that follow go."""
    try:
        text = read_file(path, max_bytes).decode("utf-8")
    except Refused as exc:
        raise InputError([report("PARSE003", str(exc), Span.start(str(path)))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([report("PARSE003", f"cannot read: {exc}", Span(str(path), 1, 1, 1, 1))]) from None
    try:
        document = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except json.JSONDecodeError as exc:
        span = Span(str(path), exc.lineno, exc.colno, exc.lineno, exc.colno + 1)
        raise InputError([report("PARSE001", f"invalid JSON: {exc.msg}", span)]) from None
    except _Rejected as exc:
        raise InputError([_at_token(path, text, exc)]) from None
    except RecursionError:  # json.loads's C scanner counts its depth against Python's stack
        raise InputError([_too_deep(path, text)]) from None
    except ValueError:  # Python converts no integer of more than 4,300 digits (sys.int_info)
        error = _long_number(path, text)
        if error is None:
            raise  # not the file's: a bug of peerproof's
        raise InputError([error]) from None
    if shape is not None:
        try:
            shapes.check(document, shape, path, text)
        except RecursionError:  # a recursive shape (Terraform's modules) walked as deep as the file
            raise InputError([_too_deep(path, text)]) from None
    return document, text


class _Rejected(ValueError):
    """A value json.loads would take and no input holds: `written` as in the file, and why."""

    def __init__(self, written: str, code: str, message: str):
        super().__init__(message)
        self.written, self.code, self.message = written, code, message


def _not_json(constant: str) -> Any:
    """`NaN`, `Infinity`, `-Infinity`: Python's json reads them, JSON has no such thing."""
    raise _Rejected(constant, "PARSE001", f"invalid JSON: {constant} is not a JSON value; expected a number")


def _finite(written: str) -> float:
    """A number with a fraction or an exponent; one beyond a float's range is refused, never made
    infinite (an infinite port or rule number is no value an importer can take)."""
    value = float(written)
    if not math.isfinite(value):
        raise _Rejected(written, "PARSE002", f"the number {written[:24]} is too large; expected a finite number")
    return value


# What a located JSON error is looked for among: a string (skipped whole), a bracket, a number, a
# constant json.loads takes. Scanned only when reading failed.
_JSON_SCAN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{\]}]|-?[0-9][0-9.eE+-]*|NaN|-?Infinity')


def _at_token(path: Path, text: str, rejected: _Rejected) -> Diagnostic:
    """The error at the first value written as `rejected.written` (outside strings)."""
    found = next((m for m in _JSON_SCAN.finditer(text) if m.group() == rejected.written), None)
    return _json_error(path, text, found, rejected.code, rejected.message)


def _long_number(path: Path, text: str) -> Diagnostic | None:
    """The error at the first integer longer than Python converts; None when there is none."""
    limit = sys.get_int_max_str_digits()
    digits = (m for m in _JSON_SCAN.finditer(text) if m.group().lstrip("-").isdigit())
    found = next((m for m in digits if len(m.group().lstrip("-")) > limit), None)
    if found is None:
        return None
    return _json_error(
        path, text, found, "PARSE002", f"a number of {len(found.group())} digits; expected at most {limit}"
    )


def _too_deep(path: Path, text: str) -> Diagnostic:
    """The error at the deepest bracket: no plan, state or dump nests more than a few dozen levels."""
    deepest, where = deepest_bracket(_JSON_SCAN.finditer(text))
    return _json_error(
        path, text, where, "PARSE002", f"the JSON nests {deepest} levels deep here, more than peerproof reads"
    )


def _json_error(path: Path, text: str, found: re.Match[str] | None, code: str, message: str) -> Diagnostic:
    offset, end = (found.start(), found.end()) if found is not None else (0, 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return report(code, message, Span(str(path), line, column, line, column + min(end - offset, 40)))


# What peerproof reads, for the messages that say a path holds none of it.
READS = (
    "peerproof reads *.peer files, Terraform plans and states as JSON (`terraform show -json`), raw "
    "Terraform states (terraform.tfstate, under any name), AWS CLI describe-* and Outscale API Read* "
    "responses, and Alibaba Cloud CLI (aliyun) responses"
)
TERRAFORM_HINT = "run `terraform show -json` (or `terraform show -json PLANFILE`) and give its output"
# JSON that is not an input but is known, by a top-level key: what it is, in words.
KNOWN_JSON = {
    "AWSTemplateFormatVersion": "an AWS CloudFormation template",
    "provider_schemas": "Terraform provider schemas",
    "backend": "Terraform's backend settings, not a state (`terraform state pull` prints the state)",
}
# Terraform's copy of a state before its last change (`terraform.tfstate.backup`, or with a timestamp).
BACKUP = re.compile(r"(?P<state>.+?)(?:\.\d+)?\.backup")


def _kind(file: Path, head: Head | None = None) -> str | None:
    """Which importer reads `file`, by its content (whatever its name), or None."""
    head = head or sniff(file)
    if not head.json:
        return None  # peer text, or nothing an importer reads: their modules are not even loaded
    from verifier.importers import alibaba_api, aws_cli, outscale_api, terraform

    if terraform.detect_file(file, head):
        return "terraform"
    if alibaba_api.detect_file(file, head):  # before AWS's: both print `Vpcs`, `SecurityGroups`...
        return "alibaba-api"
    if outscale_api.detect_file(file, head):
        return "outscale-api"
    if aws_cli.detect_file(file, head):
        return "aws-cli"
    return None


def _what(file: Path, head: Head) -> tuple[str, str] | None:
    """What a file that is no input of a known kind is, and what to do instead; None for text (peer
    text, when given by name)."""
    if file.suffix in (".tf", ".tfvars", ".hcl") or file.name.endswith((".tf.json", ".tfvars.json")):
        return "Terraform configuration", TERRAFORM_HINT
    if head.data.startswith(b"PK\x03\x04"):
        return "a zip archive (a saved Terraform plan is one)", "for a plan, " + TERRAFORM_HINT
    if not head.data.strip(_BLANK):
        return "an empty file", ""
    if b"\x00" in head.data:
        return "a binary file", ""
    if ("Resources" in head.keys and '"AWS::' in head.text) or (
        file.suffix in (".yaml", ".yml", ".template") and "AWSTemplateFormatVersion" in head.text
    ):
        return KNOWN_JSON["AWSTemplateFormatVersion"], ""  # one without its optional version, or in YAML
    known = next((words for key, words in KNOWN_JSON.items() if key in head.keys), None)
    if known:
        return known, ""
    if head.json:
        return "JSON of no kind peerproof reads", ""
    if file.suffix in (".json", ".tfstate"):
        return "not JSON", ""
    return None


@dataclass
class Inputs:
    """What the given paths hold: peer files, the inputs to import (by kind), and the JSON files found
    beside them that are none (said with IMP001 when something is imported)."""

    peer: list[str] = field(default_factory=list)
    imports: dict[str, list[Path]] = field(default_factory=dict)
    strays: list[tuple[Path, str]] = field(default_factory=list)  # a file, what it is
    label: Path | None = None  # the first given path holding an input to import: names its peer text

    def add(self, given: Path, file: Path, kind: str) -> None:
        self.imports.setdefault(kind, []).append(file)
        self.label = self.label or given


def inputs(paths: list[str], exclude: tuple[str, ...] = ()) -> Inputs:
    """What `paths` hold, by content. A file given by name is an input of the kind its content shows,
    else peer text (unless it is something else peerproof does not read: JSON of another kind,
    Terraform configuration, a binary). A directory holds what a scan of it reads (`parse.scan`: not
    hidden, tool or .gitignore'd, nor excluded): inputs of a known kind under any name, and *.peer
    files; Terraform's backup of a state beside that state is left out.

    Input errors (exit 2), all at once: a path that does not exist, a file given that peerproof does
    not read, a directory with nothing it reads (saying what it holds), and `exclude` leaving nothing."""
    found = Inputs()
    errors: list[Diagnostic] = []
    excluded = False
    here = Path.cwd().resolve()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            scanned = scan(path, exclude)
            errors += [
                report("PARSE003", f"cannot read directory: {why}", Span.start(str(d))) for d, why in scanned.unreadable
            ]
            read, unread = _sort(found, path, scanned.files)
            excluded = excluded or EXCLUDED in scanned.skipped
            if not read and not scanned.unreadable and EXCLUDED not in scanned.skipped:
                errors.append(report("PARSE003", _nothing(scanned, unread), Span.start(given)))
        elif path.is_file():
            if any(fnmatch.fnmatch(path.as_posix(), pattern) for pattern in exclude):
                excluded = True  # left out as asked; said below if nothing is left
                continue
            why = refusal(path, here)  # before anything of it is read: /proc, a link leaving the directory
            if why:
                errors.append(report("PARSE003", why, Span.start(given)))
                continue
            head = sniff(path)
            kind = _kind(path, head)
            what = None if kind or path.suffix == PEER_SUFFIX else _what(path, head)
            if kind:
                found.add(path, path, kind)
            elif what is None:
                found.peer.append(given)
            else:
                message = f"not a peer file nor an input peerproof can import: {what[0]}"
                errors.append(report("PARSE003", f"{message}; {what[1] or READS}", Span.start(given)))
        else:
            errors.append(
                report("PARSE003", NOT_REGULAR if path.exists() else "no such file or directory", Span.start(given))
            )
    if not errors and excluded and not found.peer and not found.imports:
        patterns = ", ".join(f"'{p}'" for p in exclude)
        message = f"nothing to check: every file was left out by exclude ({patterns})"
        errors.append(report("PARSE003", message, Span.start(paths[0])))
    if errors:
        raise InputError(errors)
    found.peer = sorted(dict.fromkeys(found.peer))
    found.imports = {kind: sorted(set(files), key=str) for kind, files in found.imports.items()}
    return found


def _sort(found: Inputs, given: Path, files: list[Path]) -> tuple[bool, list[tuple[Path, str]]]:
    """Sort the files of a directory scan into `found`: whether any is read, and those that are not,
    with what each is."""
    kinds: dict[Path, str] = {}
    unread = []
    for file in files:
        head = sniff(file)
        kind = _kind(file, head)
        if kind:
            kinds[file] = kind
        elif file.suffix == PEER_SUFFIX:
            found.peer.append(str(file))
        else:
            what = _what(file, head)
            unread.append((file, what[0] if what else "neither *.peer nor JSON"))
            if file.suffix in (".json", ".tfstate"):
                found.strays.append((file, unread[-1][1]))
    for file, kind in kinds.items():
        backup = BACKUP.fullmatch(file.name)
        if backup and kind == "terraform" and kinds.get(file.with_name(backup["state"])) == "terraform":
            continue  # the state before its last change, beside the state: not the estate
        found.add(given, file, kind)
    return len(unread) < len(files), unread


def _nothing(scanned: Scan, unread: list[tuple[Path, str]]) -> str:
    """The message for a directory with nothing peerproof reads: what it holds, what the scan left
    out, what to do."""

    def listed(groups: dict[str, list[str]]) -> str:
        return ", ".join(
            ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "") + f" ({why})"
            for why, names in groups.items()
        )

    found: dict[str, list[str]] = {}
    for file, what in unread:
        found.setdefault(what, []).append(file.relative_to(scanned.root).as_posix())
    said = [f"found {listed(found)}"] if found else []
    said += [f"skipped {listed(scanned.skipped)}"] if scanned.skipped else []
    if "Terraform configuration" in found:
        said.append(TERRAFORM_HINT)
    if GITIGNORE in scanned.skipped:
        said.append("a file listed in .gitignore is read when given by name")
    return f"nothing peerproof reads in this directory: {'; '.join(said) or 'it is empty'}; {READS}"


def _nested(reader: Callable[[list[Path], str], Imported], files: list[Path], label: str) -> Imported:
    """Read; JSON that `json.loads` takes but that nests deeper than the readers' walks go (a value
    600 levels down) is the input's problem, said at its file (exit 2), never an internal error."""
    try:
        return reader(files, label)
    except RecursionError:
        names = ", ".join(f.name for f in files)
        message = f"{names}: the JSON nests deeper than peerproof reads (hundreds of levels); no input of a cloud does"
        raise InputError([report("PARSE002", message, Span.start(str(files[0])))]) from None


def read(
    found: Inputs, tf_root: Path | None = None, max_bytes: int | None = None, total_bytes: int | None = None
) -> list[Imported]:
    """The inputs `found` to import, built into declarations: one import per kind of input.

    Files of one kind form one estate: an id of one Terraform state resolves in
    another (a peering between workspaces), a dump may be split over files.

    Sizes first, by stat, before anything is read: an input to import over `max_bytes` (default
    MAX_FILE_BYTES, as a peer file), and every input found, peer files included, over `total_bytes`
    together (default MAX_TOTAL_BYTES), are input errors (exit 2)."""
    groups = found.imports
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    imports: list[tuple[str, int | None]] = [(str(file), limit) for files in groups.values() for file in files]
    too_large = check_sizes([(peer, None) for peer in found.peer] + imports, total_bytes)
    if too_large:
        raise InputError(too_large)
    if not groups:
        return []  # peer files only: no importer is even loaded
    from verifier.importers import alibaba_api, aws_cli, outscale_api
    from verifier.importers.terraform import load

    label = lambda kind: f"{found.label}.peer" if len(groups) == 1 else f"{found.label}#{kind}.peer"  # noqa: E731
    readers = {
        "alibaba-api": lambda files, name: alibaba_api.load(files, name),
        "aws-cli": lambda files, name: aws_cli.load(files, name),
        "outscale-api": lambda files, name: outscale_api.load(files, name),
        "terraform": lambda files, name: load.load(files, name, tf_root),
    }
    imported = [_nested(readers[kind], files, label(kind)) for kind, files in sorted(groups.items())]
    for stray, what in found.strays:  # beside importable inputs: said, not skipped in silence
        said = (
            "not a Terraform plan or state nor an AWS CLI or Outscale API response peerproof reads"
            if what == "JSON of no kind peerproof reads"
            else f"{what}, not an input peerproof reads"
        )
        imported[0].warnings.append(
            report("IMP001", f"{stray.name}: {said}; not imported", Span(str(stray), 1, 1, 1, 2))
        )
    return imported


def load(paths: list[Path], tf_root: Path | None = None) -> list[Imported]:
    """Every input to import below `paths`, built into declarations (peer files among them are left aside)."""
    found = inputs([str(p) for p in paths])
    if not found.imports:
        raise InputError(
            [
                report(
                    "PARSE003",
                    "not a peer file nor an input peerproof can import "
                    "(supported: Terraform plan and state JSON, raw terraform.tfstate, AWS CLI "
                    "describe-* dumps, Outscale API Read* dumps, Alibaba Cloud CLI responses)",
                    Span(str(paths[0]), 1, 1, 1, 1),
                )
            ]
        )
    return read(found, tf_root)

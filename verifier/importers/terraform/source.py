"""A Terraform input's text: where its values are written, and the values it masks.

Positions come from the JSON text, by path, not by searching for a needle: `terraform show
-json` writes one line, on which `"address": "aws_vpc.a"` is `"address":"aws_vpc.a"` and every
resource is on line 1. `Source` walks each container once (`shape.entries`, the walk behind
`shape.locate`), so a plan of a thousand resources is read in one pass, and each resource is
located by the line and column of its name in the file.

Masked values: the Outscale provider's acceptance tests keep states (`*.ref`) in which what
changes from run to run is replaced by `"########"` — the format version, the serial, private
addresses, a rule's `ip_ranges` list. Such a value is taken out before the file's shape is
checked (a masked version or list is no error): what is not masked is read, and the masked
values are said (IMP001), per resource for those the mapping reads (`Values`), per file for
the others. Ids masked as `"##id-3##"` name one object consistently and are read as ids.
"""

from __future__ import annotations

import bisect
import re
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.importers import read_json
from verifier.importers import shape as shapes
from verifier.importers.shape import JsonPath
from verifier.language.model import Span

MASK = re.compile(r"#{2,}")  # a value masked whole: "########"
MASKED = '"########"'  # how a message shows one


def masked(value: Any) -> bool:
    return isinstance(value, str) and MASK.fullmatch(value) is not None


class Values(dict):
    """A resource's values that remember which of them were asked for (at every depth: a rule's
    `ip_ranges` in a group's `outbound_rules`), so that a masked value is said when the mapping
    reads it, and only then (a masked `request_id` is no loss to the model)."""

    def __init__(self, values: dict, path: JsonPath = (), read: set[JsonPath] | None = None):
        self.path = path
        self.read: set[JsonPath] = set() if read is None else read  # shared by the values of one resource
        super().__init__({name: _tracked(value, path + (name,), self.read) for name, value in values.items()})

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(self.path + (key,))
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.read.add(self.path + (key,))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, (str, int)):
            self.read.add(self.path + (key,))
        return super().__contains__(key)

    def asked(self, path: JsonPath) -> bool:
        """Whether the value at `path` was asked for (an element of a list: the list)."""
        return (path if isinstance(path[-1], str) else path[:-1]) in self.read


def _tracked(value: Any, path: JsonPath, read: set[JsonPath]) -> Any:
    if isinstance(value, dict):
        return Values(value, path, read)
    if isinstance(value, list):
        return [_tracked(item, path + (index,), read) for index, item in enumerate(value)]
    return value


class Source:
    """One input file's text, and where its values are written (offsets into `text`)."""

    def __init__(self, path: Path, text: str):
        self.file = str(path)
        self.text = text
        self.lines = [0] + [match.end() for match in re.finditer("\n", text)]  # where each line starts

    def members(self, offset: int | None) -> dict[str | int, tuple[int, int]]:
        """The members (or elements) of the object (list) at `offset`: name -> (where it is written,
        where its value starts); of a name written twice, the last, which json.loads keeps."""
        if offset is None:
            return {}
        try:
            return {name: (start, value) for name, start, value in shapes.entries(self.text, offset)}
        except (ValueError, IndexError, KeyError):
            return {}

    def at(self, path: JsonPath) -> int:
        """The offset of the value at `path` (`shape.locate`: that of the document when it is not
        there, whose members then match none of what the path's value would hold)."""
        return shapes.locate(self.text, path)

    def member(self, offset: int | None, name: str, members: dict | None = None) -> Span:
        """Where member `name` of the object at `offset` (whose `members` may be known already) is
        written: from its name to the end of its value (to the end of its name when the value spans
        lines); the object's start when it has none, the file's when that is unknown."""
        found = (self.members(offset) if members is None else members).get(name)
        if found is None:
            return self.span(offset, offset + 1) if offset is not None else Span(self.file, 1, 1, 1, 2)
        start, value = found
        try:
            end = shapes.DECODER.raw_decode(self.text, value)[1]
        except ValueError:
            end = value + 1
        if "\n" in self.text[start:end]:
            end = shapes.DECODER.raw_decode(self.text, start)[1]
        return self.span(start, end)

    def span(self, start: int, end: int) -> Span:
        line = bisect.bisect_right(self.lines, start)
        column = start - self.lines[line - 1] + 1
        return Span(self.file, line, column, line, column + max(end - start, 1))


def read(files: list[Path], shape: shapes.Shape) -> list[tuple[Path, Any, str, list[JsonPath]]]:
    """Each file's document (its masked values taken out), text and the paths of those values;
    the errors of every file at once. A file of the wrong shape, but for its masked values, is a
    located input error (PARSE002), as `read_json` says it."""
    documents, errors = [], []
    for file in files:
        try:
            document, text = read_json(file)
            documents.append((file, document, text, _unmask(file, document, text, shape)))
        except InputError as exc:
            errors += exc.diagnostics
    if errors:
        raise InputError(errors)
    return documents


def _unmask(file: Path, document: Any, text: str, shape: shapes.Shape) -> list[JsonPath]:
    """Take the masked values out of `document`: a member is removed (absent: a required one is
    then missing), an element of a list dropped. Then check the rest against `shape`."""
    found = list(_masks(document))
    for path in found:
        holder = _at(document, path[:-1])
        if isinstance(holder, dict):
            del holder[path[-1]]
        else:
            holder[path[-1]] = None  # dropped below: indexes stay those of the text until then
    wrong = islice((m for m in shapes.mismatches(document, shape) if m[0] not in set(found)), shapes.LIMIT)
    errors = [
        report("PARSE002", f"{shapes.path_text(path)}: {message}", shapes.span(file, text, path))
        for path, message in wrong
    ]
    if errors:
        raise InputError(errors)
    for path in sorted((p for p in found if isinstance(p[-1], int)), key=lambda p: p[-1], reverse=True):
        del _at(document, path[:-1])[path[-1]]
    return found


def _masks(value: Any, path: JsonPath = ()) -> Iterator[JsonPath]:
    if masked(value):
        yield path
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _masks(item, path + (name,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _masks(item, path + (index,))


def _at(document: Any, path: JsonPath) -> Any:
    for step in path:
        document = document[step]
    return document


def relative(paths: list[JsonPath], prefix: JsonPath) -> list[JsonPath]:
    """The paths below `prefix`, from it."""
    return [p[len(prefix) :] for p in paths if p[: len(prefix)] == prefix and len(p) > len(prefix)]


def said_of_file(file: Path, text: str, paths: list[JsonPath], resources: list[JsonPath]) -> Diagnostic | None:
    """One IMP001 for the masked values of a file outside the values of its resources (its format
    version, serial, lineage...), at the first; None when there are none."""
    outside = [p for p in paths if not any(p[: len(r)] == r for r in resources)]
    if not outside:
        return None
    names = [shapes.path_text(p) for p in outside]
    listed = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    how = "; the state is read by its layout" if ("version",) in outside else ""
    message = f"{file.name}: masked values ({MASKED}) left out: {listed}{how}"
    return report("IMP001", message, shapes.span(file, text, outside[0]))

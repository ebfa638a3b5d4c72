"""The shape of an importer's input: the members it reads and the JSON type each must have.

Checked once, right after the JSON is parsed (`read_json`): a file of the wrong shape — a
list where an object belongs, a VPC without its `VpcId` — is a located input error
(PARSE002, exit 2) that says what was found and what was expected, at the value in the
file. Past this check an exception in an importer is peerproof's own bug (exit 3), never
blamed on the file.

A shape is data, written beside the importer that reads the input:
- `str`, `int` (any number), `bool`, `dict` (any object), `list` (any list): a value of
  that JSON type;
- `[shape]`: a list whose every element has `shape`;
- `{"Name": shape, "Id!": shape}`: an object; a member may be absent or null unless its
  name ends in "!" (required: present, not null, and not "" — an empty id names nothing);
  members not listed are not checked (the importer does not read them);
- `{"*": shape}`: an object whose every member has `shape` (a map by name);
- `(shape, shape)`: either, picked by the value's JSON type;
- `Tagged(...)`: an object whose shape depends on one of its string members (a Terraform
  resource's `type`).

jsonschema would say the same things less precisely: its messages name schema keywords,
not the member that is wrong, and it gives no position in the text, which is what a user
needs to open the file at the value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterator, Union

from verifier.catalog import report
from verifier.diagnostics import InputError
from verifier.language.model import Span

Shape = Union[type, list, dict, tuple, "Tagged"]
JsonPath = tuple[Union[str, int], ...]  # member names and list indexes, from the top

LIMIT = 20  # mismatches reported per file: enough to fix a batch, not a wall of text
KINDS = {str: "string", int: "number", float: "number", bool: "boolean", dict: "object", list: "list"}
WORDS = {
    "string": "a string",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "list": "a list",
    "null": "null",
}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Tagged:
    """An object whose shape is `common` updated with `cases[value of its member tag]`."""

    tag: str
    common: dict
    cases: dict[str, dict] = field(default_factory=dict)
    merged: dict[str, dict] = field(init=False, repr=False, compare=False)  # tag -> common and case

    def __post_init__(self) -> None:
        object.__setattr__(self, "merged", {tag: {**self.common, **case} for tag, case in self.cases.items()})

    def of(self, value: dict) -> dict:
        tag = value.get(self.tag)
        return self.merged.get(tag, self.common) if isinstance(tag, str) else self.common


def check(document: Any, shape: Shape, file: Path, text: str) -> None:
    """Raise a located PARSE002 for each place (up to LIMIT) where `document` is not of `shape`."""
    found = list(islice(mismatches(document, shape), LIMIT))
    if found:
        raise InputError(
            [report("PARSE002", f"{path_text(path)}: {message}", span(file, text, path)) for path, message in found]
        )


def mismatches(value: Any, shape: Shape, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str]]:
    """Where `value` is not of `shape`, and how, in document order."""
    kind = _kind(value)
    expected = _kinds(shape)
    if kind not in expected:
        yield path, f"expected {' or '.join(WORDS[k] for k in expected)}, found {WORDS[kind]}"
        return
    if shape is int and isinstance(value, float) and not value.is_integer():  # a port of 443.5
        yield path, f"expected a whole number, found {value!r}"
        return
    if isinstance(shape, tuple):
        yield from mismatches(value, next(s for s in shape if kind in _kinds(s)), path)
    elif isinstance(shape, Tagged):
        yield from mismatches(value, shape.of(value), path)
    elif isinstance(shape, list) and shape:
        for index, item in enumerate(value):
            if not _plain(item, shape[0]):
                yield from mismatches(item, shape[0], path + (index,))
    elif isinstance(shape, dict) and "*" in shape:
        for name, item in value.items():
            yield from mismatches(item, shape["*"], path + (name,))
    elif isinstance(shape, dict):
        for key, member in shape.items():
            name = key.removesuffix("!")
            item = value.get(name)
            if name not in value and key.endswith("!"):
                yield path, f'missing "{name}", which is required'
            elif item == "" and key.endswith("!") and "string" in _kinds(member):
                yield path + (name,), "expected a non-empty string, found an empty one"
            elif (item is not None or key.endswith("!")) and not _plain(item, member):
                yield from mismatches(item, member, path + (name,))


def _plain(value: Any, shape: Shape) -> bool:
    """A scalar of the scalar type `shape`: a shortcut past the generator for the common case."""
    if shape is int and isinstance(value, float) and not value.is_integer():
        return False  # a number, but not the whole number the input must hold here
    return isinstance(shape, type) and _kind(value) == KINDS[shape]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: True is an int to Python, not a number to JSON
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "list" if isinstance(value, list) else "object"


def _kinds(shape: Shape) -> tuple[str, ...]:
    if isinstance(shape, tuple):
        return tuple(dict.fromkeys(k for s in shape for k in _kinds(s)))
    if isinstance(shape, (dict, Tagged)):
        return ("object",)
    if isinstance(shape, list):
        return ("list",)
    return (KINDS[shape],)


def path_text(path: JsonPath) -> str:
    """`RouteTables[2].Routes`, `module_calls["vpc-a"].module`; the top level is "the document"."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif IDENTIFIER.fullmatch(step):
            text += f".{step}" if text else step
        else:
            text += f"[{json.dumps(step)}]"
    return text or "the document"


def span(file: Path, text: str, path: JsonPath) -> Span:
    """Where the value at `path` is written: its first line, from its first character to its end
    when that is on the same line (a scalar), else its opening bracket."""
    start = locate(text, path)
    try:
        end = DECODER.raw_decode(text, start)[1]
    except ValueError:
        end = start + 1
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    width = end - start if "\n" not in text[start:end] else 1
    return Span(str(file), line, column, line, column + width)


def locate(text: str, path: JsonPath) -> int:
    """The offset of the value at `path` in the JSON `text` (that of the document when it cannot be
    found); of a name an object repeats, the last copy's, which is the one json.loads keeps."""
    index = top = _skip(text, 0)
    try:
        for step in path:
            index = _member(text, index, step)
    except (ValueError, IndexError, KeyError):  # not where the path says: the document then
        return top
    return index


def _member(text: str, index: int, step: str | int) -> int:
    """The offset of member `step` of the object or list that opens at `index`."""
    found = None
    for name, _, value in entries(text, index):
        if name == step:
            found = value
            if isinstance(step, int):
                break
    if found is None:
        raise ValueError(f"no member {step!r}")
    return found


def entries(text: str, index: int) -> Iterator[tuple[str | int, int, int]]:
    """The members of the object (by name) or the elements of the list (by index) that opens at
    `index` of the JSON `text`, in one pass: each with the offset where it is written (a member's
    name, an element's value) and that of its value. Raises ValueError (or IndexError) where the
    text is not JSON."""
    closing = {"{": "}", "[": "]"}[text[index]]
    index = _skip(text, index + 1)
    position = 0
    while text[index] != closing:
        start = index
        name: str | int = position
        if closing == "}":
            name, index = DECODER.raw_decode(text, index)
            index = _skip(text, _skip(text, index) + 1)  # past the colon
        yield name, start, index
        position += 1
        index = _skip(text, DECODER.raw_decode(text, index)[1])
        if text[index] == ",":
            index = _skip(text, index + 1)


def _skip(text: str, index: int) -> int:
    """The offset past the white space at `index`."""
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    return index

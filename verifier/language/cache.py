"""A content-addressed cache of what each file builds to, so unchanged files are not parsed again.

Parsing is the cost of a pre-commit run (Lark's LALR parser takes about 20 us a
token); most files of a model do not change between runs. An entry is keyed by
the file's path and text, the grammar, peerproof's version and the code of the
language and the catalog (two commits installed from git may share a version),
so any change to one of them misses. A cache that cannot be read or written is skipped: it never
changes a result. PEERPROOF_NO_CACHE=1 turns it off.

Nothing read from it can run code: an entry is JSON, and it is turned back into
objects of an explicit list of the model's own classes, each built from its
fields; anything else (an unknown class, a field of the wrong kind, an entry of
another key) is a miss. The cache lives in the user's own cache directory
($PEERPROOF_CACHE_DIR, else $XDG_CACHE_HOME/peerproof, else ~/.cache/peerproof),
created private (0700); a directory that someone else owns, or that others may
write to, is not used at all.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import stat
import tempfile
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from verifier import __version__
from verifier.diagnostics import Diagnostic, Related
from verifier.language import model

_enabled = not os.environ.get("PEERPROOF_NO_CACHE")
FORMAT = 2  # of an entry; part of its key

# The only classes an entry may hold: the model's declarations and what they are made of, and
# the diagnostics of a build.
CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        model.Span,
        model.Ref,
        model.Block,
        model.Address,
        model.Ports,
        model.Icmp,
        model.Protocol,
        model.Route,
        model.RouteTable,
        model.Peer,
        model.GroupRule,
        model.SecurityGroup,
        model.Gateway,
        model.AclRule,
        model.NetworkAcl,
        model.Subnet,
        model.Vm,
        model.Net,
        model.Peering,
        model.Endpoint,
        model.Assertion,
        model.ProviderDecl,
        Diagnostic,
        Related,
    )
}
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in CLASSES.items()}
# Which fields hold sequences (tuples in the model, lists in JSON), by class.
_SEQUENCES = {
    name: tuple(i for i, f in enumerate(dataclasses.fields(cls)) if str(f.type).startswith("tuple"))
    for name, cls in CLASSES.items()
}


def _kind_check(hint: Any) -> Callable[[Any], bool]:
    """Whether a value read back is of the kind a field's annotation `hint` says (exact classes:
    a bool is no int, a list no tuple)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        allowed = set(args)
        return lambda v: type(v) in (str, int) and v in allowed
    if origin in (typing.Union, types.UnionType):
        parts = [_kind_check(a) for a in args]
        return lambda v: any(part(v) for part in parts)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _kind_check(args[0])
            return lambda v: type(v) is tuple and all(item(x) for x in v)
        items = [_kind_check(a) for a in args]
        return lambda v: type(v) is tuple and len(v) == len(items) and all(c(x) for c, x in zip(items, v))
    if hint is Any:
        return lambda v: True
    return lambda v: type(v) is hint


# What each field of each class may hold. A build's diagnostics never carry a counterexample.
_HINTS = {name: typing.get_type_hints(cls, localns={"Counterexample": type(None)}) for name, cls in CLASSES.items()}
_KINDS = {name: tuple(_kind_check(_HINTS[name][f]) for f in fields) for name, fields in _FIELDS.items()}


def disable() -> None:
    global _enabled
    _enabled = False


def directory() -> Path:
    if os.environ.get("PEERPROOF_CACHE_DIR"):
        return Path(os.environ["PEERPROOF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "peerproof"


@functools.cache
def _code_digest() -> str:
    """The code that builds a file's declarations and words its errors and findings (the language
    and the catalog): installed from a git commit, two builds may share a version number."""
    here = Path(__file__).resolve().parent
    sources = sorted([*here.glob("*.py"), *(here.parent / "catalog").glob("*.py")])
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _digest(path: str, text: str, grammar_digest: str) -> str:
    parts = (__version__, _code_digest(), str(FORMAT), grammar_digest, path, text)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _private(folder: Path) -> bool:
    """Whether `folder` is ours alone: owned by this user, not writable by others, not a link."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def load(path: str, text: str, grammar_digest: str) -> Any | None:
    """The cached build of this file, or None (a miss: absent, not ours, or not a valid entry)."""
    if not _enabled:
        return None
    digest = _digest(path, text, grammar_digest)
    root = directory()
    folder = root / digest[:2]
    if not (_private(root) and _private(folder)):
        return None
    try:
        with open(folder / f"{digest}.json", encoding="utf-8") as handle:
            entry = json.load(handle, object_hook=_decode)
        if not isinstance(entry, dict) or entry.get("key") != digest:
            return None
        decls, errors, findings = entry["value"]
        return list(decls), list(errors), list(findings)
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def store(path: str, text: str, grammar_digest: str, value: Any) -> None:
    """Keep the build of this file (a directory that is not ours alone is left untouched)."""
    if not _enabled:
        return
    digest = _digest(path, text, grammar_digest)
    root = directory()
    folder = root / digest[:2]
    try:
        for place in (root, folder):
            if not place.exists():
                place.mkdir(mode=0o700, parents=True)  # 0700 whatever the umask: it only takes bits away
            if not _private(place):
                return
        document = json.dumps({"key": digest, "value": value}, default=_encode, separators=(",", ":"))
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")  # 0600
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(document)
        os.replace(temporary, folder / f"{digest}.json")  # atomic: a concurrent reader sees all or nothing
    except (OSError, TypeError, ValueError):
        pass


def _encode(value: Any) -> Any:
    cls = type(value)
    name = cls.__name__
    if cls is model.Span:  # most of an entry: the fast way
        return {"@": "Span", "v": [value.file, value.line, value.column, value.end_line, value.end_column]}
    if CLASSES.get(name) is cls:
        return {"@": name, "v": [getattr(value, f) for f in _FIELDS[name]]}
    if cls is datetime:
        return {"@": "datetime", "v": value.isoformat()}
    raise TypeError(f"{name} is not cached")


def _decode(document: dict[str, Any]) -> Any:
    """An object of an allowed class from its fields (sequences become tuples), else the dict itself."""
    name = document.get("@")
    if name is None:
        return document
    values = document["v"]
    if name == "Span":  # most of an entry: the fast way
        if type(values) is not list or len(values) != 5 or type(values[0]) is not str:
            raise ValueError("Span: wrong fields")
        if not all(type(v) is int for v in values[1:]):
            raise ValueError("Span: wrong fields")
        return model.Span(*values)
    if name == "datetime":
        if type(values) is not str:
            raise ValueError("datetime: not a string")
        return datetime.fromisoformat(values)
    cls = CLASSES[name]  # KeyError: not a class an entry may hold, a miss
    if type(values) is not list or len(values) != len(_FIELDS[name]):
        raise ValueError(f"{name}: wrong fields")
    for index in _SEQUENCES[name]:
        if values[index] is not None:
            values[index] = _tuple(values[index])
    # A field of the wrong kind (a line that is a string) is a miss, never an object that fails later.
    if not all(check(v) for check, v in zip(_KINDS[name], values)):
        raise ValueError(f"{name}: a field of the wrong kind")
    return cls(*values)


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value

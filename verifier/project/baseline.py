"""Baselines: accept today's findings, fail only on new ones.

A finding is identified by its code, its file named from the repository's root
(the git work tree holding the working directory, else the working directory:
`check .`, `check ./net.peer` and an absolute path name it alike) and what it is
about: the text of its line in a file the user wrote (not the line number,
which moves as files are edited, nor the message, which names solver-chosen
packets), or the identity of the imported resource (its Terraform address, its
cloud id: a one-line plan puts every resource on line 1); plus its rank among
findings with the same identity. The same identity serves SARIF's
`partialFingerprints`.

Version 2 files name findings from the repository's root; version 1 files (the
files as the command line named them, line text only) are still read, and
matched by the identity they were written with.
"""

from __future__ import annotations

import contextlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Callable

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.language.model import Span
from verifier.language.parse import MAX_FILE_BYTES, Refused, read_file

VERSION = 2
READS = (1, 2)  # the versions `read` accepts: version 1 named files as the command line did


@cache
def _root_of(working: str) -> Path:
    """The root of the git work tree holding `working` (a `.git` directory or file), else `working`."""
    here = Path(working)
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def repository_root() -> Path:
    """Where findings are named from: the git work tree of the working directory, else the directory."""
    return _root_of(str(Path.cwd().resolve()))


def repository_path(file: str) -> str:
    """`file` named from the repository's root, with `/` (`net/a.peer`): the same name whichever way the
    command line spelt it. A name that is no file (`<command line>`), or a file outside the root, stays
    as it is (absolute, for a file outside)."""
    path = Path(file)
    if not path.exists():
        return file
    resolved = path.resolve()
    try:
        return resolved.relative_to(repository_root()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _identities(
    diagnostics: list[Diagnostic], sources: dict[str, str], name: Callable[[str], str], resources: bool
) -> list[str]:
    lines = {path: text.splitlines() for path, text in sources.items()}
    import hashlib  # only where fingerprints are made (a baseline, SARIF): 4 ms of every other run

    seen: dict[str, int] = {}
    result = []
    for d in diagnostics:
        if resources and d.resource:
            about = "resource " + d.resource
        else:
            file_lines = lines.get(d.span.file, [])
            text = file_lines[d.span.line - 1] if 0 < d.span.line <= len(file_lines) else ""
            about = " ".join(text.split("#", 1)[0].split())
        identity = f"{d.code}\0{name(d.span.file)}\0{about}"
        rank = seen.get(identity, 0)
        seen[identity] = rank + 1
        result.append(hashlib.sha256(f"{identity}\0{rank}".encode()).hexdigest()[:32])
    return result


def fingerprints(
    diagnostics: list[Diagnostic], sources: dict[str, str], name: Callable[[str], str] = repository_path
) -> list[str]:
    """One stable fingerprint per diagnostic, in the same order; files named by `name` (by default from
    the repository's root; `diff` names them from the folders it compares)."""
    return _identities(diagnostics, sources, name, True)


def _legacy(diagnostics: list[Diagnostic], sources: dict[str, str]) -> list[str]:
    """The fingerprints of a version 1 baseline: files as given, the line's text only."""
    return _identities(diagnostics, sources, str, False)


def write(path: Path, diagnostics: list[Diagnostic], sources: dict[str, str]) -> int:
    """Record the findings in `path`; the count. A file that cannot be written is BASE002 (exit 2), and
    an older baseline there is kept whole: the new one is written beside it, then renamed over it."""
    entries = sorted(
        (
            {"code": d.code, "file": repository_path(d.span.file), "fingerprint": f, "message": d.message}
            for d, f in zip(diagnostics, fingerprints(diagnostics, sources))
        ),
        key=lambda e: (e["file"], e["code"], e["fingerprint"]),
    )
    text = json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    handle = None
    try:
        # Created as any new file is (0666 less the umask), never over a file of that name.
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)  # over a directory: IsADirectoryError
    except OSError as exc:
        if handle is not None:  # ours, not renamed into place
            with contextlib.suppress(OSError):
                temporary.unlink()
        where = Span(str(path), 1, 1, 1, 1)
        raise InputError([report("BASE002", f"cannot write baseline: {exc.strerror or exc}", where)]) from None
    return len(entries)


def read(path: Path) -> tuple[int, list[dict]]:
    """The version of the baseline in `path` and its entries (BASE002: not one)."""
    where = Span(str(path), 1, 1, 1, 1)
    try:
        document = json.loads(read_file(path, MAX_FILE_BYTES, "a baseline is far smaller").decode("utf-8"))
    except OSError as exc:
        raise InputError([report("BASE002", f"cannot read baseline: {exc.strerror or exc}", where)]) from None
    except Refused as exc:  # a pipe, a device, a huge file: never read
        raise InputError([report("BASE002", f"cannot read baseline: {exc}", where)]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise InputError(
            [
                report(
                    "BASE002",
                    f"baseline is not valid JSON: {exc}",
                    Span(str(path), line, column, line, column + 1),
                )
            ]
        ) from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("version") not in READS
        or not isinstance(findings, list)
        or not all(isinstance(e, dict) and {"code", "file", "fingerprint"} <= set(e) for e in findings)
    ):
        raise InputError(
            [
                report(
                    "BASE002",
                    f"not a peerproof baseline (version {VERSION}): expected "
                    f'{{"version": {VERSION}, "findings": [{{"code", "file", "fingerprint", ...}}]}}',
                    where,
                )
            ]
        )
    return document["version"], findings


def apply(
    path: Path, diagnostics: list[Diagnostic], sources: dict[str, str]
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The findings the baseline does not accept, with BASE001 for its entries that no longer match any
    finding; and the findings it accepts (SARIF shows them as accepted, not as new)."""
    version, entries = read(path)
    accepted: dict[tuple[str, str, str], int] = {}
    for entry in entries:
        key = (entry["code"], entry["file"], entry["fingerprint"])
        accepted[key] = accepted.get(key, 0) + 1
    if version == 1:  # as the command line named the file, the line's text only
        keys = [(d.code, d.span.file, f) for d, f in zip(diagnostics, _legacy(diagnostics, sources))]
    else:
        keys = [
            (d.code, repository_path(d.span.file), f) for d, f in zip(diagnostics, fingerprints(diagnostics, sources))
        ]
    kept, baselined = [], []
    for d, key in zip(diagnostics, keys):
        if accepted.get(key, 0) > 0 and not d.code.startswith(("INTERNAL", "PARSE")):
            accepted[key] -= 1
            baselined.append(d)
            continue
        kept.append(d)
    stale = sum(accepted.values())
    if stale:
        kept.append(
            report(
                "BASE001",
                f"{stale} baseline entr{'y' if stale == 1 else 'ies'} no longer match any finding "
                "(fixed, or changed): refresh the baseline with --write-baseline",
                Span(str(path), 1, 1, 1, 1),
            )
        )
    return kept, baselined

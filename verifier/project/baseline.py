"""Baselines: accept today's findings, fail only on new ones.

A finding is identified by its code, its file and the text of the line it is
on (not the line number, which moves as files are edited, nor the message,
which names solver-chosen packets), plus its rank among findings with the same
identity. The same identity serves SARIF's `partialFingerprints`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.language.model import Span
from verifier.language.parse import MAX_FILE_BYTES, Refused, read_file

VERSION = 1


def fingerprints(diagnostics: list[Diagnostic], sources: dict[str, str]) -> list[str]:
    """One stable fingerprint per diagnostic, in the same order."""
    lines = {path: text.splitlines() for path, text in sources.items()}
    seen: dict[str, int] = {}
    result = []
    for d in diagnostics:
        file_lines = lines.get(d.span.file, [])
        text = file_lines[d.span.line - 1] if 0 < d.span.line <= len(file_lines) else ""
        text = text.split("#", 1)[0].strip()
        identity = f"{d.code}\0{d.span.file}\0{' '.join(text.split())}"
        rank = seen.get(identity, 0)
        seen[identity] = rank + 1
        result.append(hashlib.sha256(f"{identity}\0{rank}".encode()).hexdigest()[:32])
    return result


def write(path: Path, diagnostics: list[Diagnostic], sources: dict[str, str]) -> int:
    """Record the findings in `path`; the count. A file that cannot be written is BASE002 (exit 2), and
    an older baseline there is kept whole: the new one is written beside it, then renamed over it."""
    entries = sorted(
        (
            {"code": d.code, "file": d.span.file, "fingerprint": f, "message": d.message}
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


def read(path: Path) -> list[dict]:
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
        or document.get("version") != VERSION
        or not isinstance(findings, list)
        or not all(isinstance(e, dict) and {"code", "file", "fingerprint"} <= set(e) for e in findings)
    ):
        raise InputError(
            [
                report(
                    "BASE002",
                    f"not a peerproof baseline (version {VERSION}): expected "
                    '{"version": 1, "findings": [{"code", "file", "fingerprint", ...}]}',
                    where,
                )
            ]
        )
    return findings


def apply(path: Path, diagnostics: list[Diagnostic], sources: dict[str, str]) -> list[Diagnostic]:
    """Drop the findings the baseline accepts; report its entries that no longer match (BASE001)."""
    accepted: dict[tuple[str, str, str], int] = {}
    for entry in read(path):
        key = (entry["code"], entry["file"], entry["fingerprint"])
        accepted[key] = accepted.get(key, 0) + 1
    kept = []
    for d, f in zip(diagnostics, fingerprints(diagnostics, sources)):
        key = (d.code, d.span.file, f)
        if accepted.get(key, 0) > 0 and not d.code.startswith(("INTERNAL", "PARSE")):
            accepted[key] -= 1
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
    return kept

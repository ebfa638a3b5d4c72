"""Rewriting a user's files (`why --fix`): all or nothing, never half-written, never over an edit
made in the meantime.

Every target is checked first: it still holds the text that was read, and it and its directory
are writable. Then each new text goes to a temporary file beside its target, flushed to disk,
and only when all are written are they renamed into place, with Ctrl-C held off. A full disk, a
read-only file, an edit made since the read, an interrupt: the files are as they were, or (past
the renames) all as they should be. Two runs at once take turns (a lock on each directory).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterator

HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # held off while the files are renamed


class RewriteRefused(Exception):
    """Nothing was written, and why."""


def rewrite(changes: dict[str, tuple[str, str]]) -> None:
    """Replace the text of each file: `changes` maps a path to (the text read, the new text)."""
    paths = sorted(changes)
    with _locked({str(Path(p).resolve().parent) for p in paths}):
        for path in paths:
            _check(path, changes[path][0])
        temporaries: dict[str, str] = {}
        try:
            for path in paths:
                temporaries[path] = _write_beside(path, changes[path][1])
            with _held(HELD):
                for path in paths:
                    os.replace(temporaries.pop(path), path)
        finally:
            for temporary in temporaries.values():  # what was not renamed into place
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


def _check(path: str, read: str) -> None:
    try:
        now = Path(path).read_bytes()
    except OSError as exc:
        raise RewriteRefused(f"cannot read {path} again: {exc.strerror or exc}; nothing was written") from None
    if now != read.encode("utf-8"):
        raise RewriteRefused(f"{path} changed since it was read; nothing was written: run again")
    directory = str(Path(path).resolve().parent)
    if not os.access(path, os.W_OK):
        raise RewriteRefused(f"{path} is not writable; nothing was written")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise RewriteRefused(f"the directory of {path} is not writable; nothing was written")


def _write_beside(path: str, text: str) -> str:
    """The new text in a temporary file in the target's directory (same file system: the rename is
    atomic), with the target's permissions, on disk before it is used."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.resolve().parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, target.stat().st_mode & 0o7777)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise RewriteRefused(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None
    return temporary


@contextlib.contextmanager
def _locked(directories: set[str]) -> Iterator[None]:
    """An exclusive lock on each directory, taken in a fixed order (no two runs deadlock)."""
    handles: list[int] = []
    try:
        for directory in sorted(directories):
            handle = os.open(directory, os.O_RDONLY)
            handles.append(handle)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        for handle in reversed(handles):
            os.close(handle)  # closing releases the lock


@contextlib.contextmanager
def _held(signals: tuple[signal.Signals, ...]) -> Iterator[None]:
    """Signals that would stop the process are delivered after the block, not inside it.

    Python-level handlers, not a thread's signal mask: a signal sent to the process may land on
    any thread, but its Python handler always runs in the main thread, here."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread; there is nothing to hold off then
        return
    arrived: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: arrived.append(number)) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        for number in dict.fromkeys(arrived):
            signal.raise_signal(number)  # now, with the handler the process had

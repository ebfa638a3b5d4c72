"""A content-addressed cache of what each file builds to, so unchanged files are not parsed again.

Parsing is the cost of a pre-commit run (Lark's LALR parser takes about 20 us
a token); most files of a model do not change between runs. An entry is keyed
by the file's path and text, the grammar and peerproof's version, so any change
to one of them misses. The cache lives in the user's own cache directory
($PEERPROOF_CACHE_DIR, else $XDG_CACHE_HOME/peerproof, else ~/.cache/peerproof)
and is only ever read from there; `--no-cache` or PEERPROOF_NO_CACHE=1 turn it
off. A cache that cannot be read or written is skipped: it never changes a
result.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from verifier import __version__

_enabled = not os.environ.get("PEERPROOF_NO_CACHE")


def disable() -> None:
    global _enabled
    _enabled = False


def directory() -> Path:
    if os.environ.get("PEERPROOF_CACHE_DIR"):
        return Path(os.environ["PEERPROOF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "peerproof"


def _key(path: str, text: str, grammar_digest: str) -> Path:
    digest = hashlib.sha256("\0".join((__version__, grammar_digest, path, text)).encode()).hexdigest()
    return directory() / digest[:2] / f"{digest}.pickle"


def load(path: str, text: str, grammar_digest: str) -> Any | None:
    if not _enabled:
        return None
    try:
        with open(_key(path, text, grammar_digest), "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError):
        return None


def store(path: str, text: str, grammar_digest: str, value: Any) -> None:
    if not _enabled:
        return
    target = _key(path, text, grammar_digest)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, target)  # atomic: a concurrent reader sees all or nothing
    except OSError:
        pass

"""The parse cache can never run code, is private, and never changes a result."""

from __future__ import annotations

import json
import os
import stat

import pytest
from conftest import FIXTURES, run_cli

from verifier.language import cache
from verifier.language.build import build_file
from verifier.language.parse import SourceFile, grammar_digest

MODEL = FIXTURES / "models" / "language-example.peer"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PEERPROOF_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "_enabled", True)
    return folder


def source():
    return SourceFile(str(MODEL), MODEL.read_text())


def entry_path(folder, src):
    digest = cache._digest(src.path, src.text, grammar_digest())
    return folder / digest[:2] / f"{digest}.json", digest


def test_an_entry_reads_back_as_the_same_build(cache_dir):
    src = source()
    first = build_file(src)  # a miss: parsed and stored
    path, _ = entry_path(cache_dir, src)
    assert path.exists()
    assert cache.load(src.path, src.text, grammar_digest()) == first
    assert build_file(src) == first


def test_the_cache_is_created_private_whatever_the_umask(cache_dir):
    old = os.umask(0)
    try:
        build_file(source())
    finally:
        os.umask(old)
    path, _ = entry_path(cache_dir, source())
    for place in (cache_dir, path.parent):
        assert stat.S_IMODE(place.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_planted_entry_cannot_name_any_other_class(cache_dir):
    src = source()
    build_file(src)
    path, digest = entry_path(cache_dir, src)
    planted = {"key": digest, "value": [[{"@": "system", "v": ["touch /tmp/pwned"]}], [], []]}
    path.write_text(json.dumps(planted))
    assert cache.load(src.path, src.text, grammar_digest()) is None  # a miss, nothing built
    assert not os.path.exists("/tmp/pwned")


def test_an_entry_of_another_key_is_a_miss(cache_dir):
    src = source()
    build_file(src)
    path, _ = entry_path(cache_dir, src)
    document = json.loads(path.read_text())
    document["key"] = "0" * 64
    path.write_text(json.dumps(document))
    assert cache.load(src.path, src.text, grammar_digest()) is None


def test_a_pickle_is_never_read(cache_dir):
    # The old format: a pickle planted where an entry was kept is not even opened.
    src = source()
    path, digest = entry_path(cache_dir, src)
    path.parent.mkdir(parents=True, mode=0o700)
    cache_dir.chmod(0o700)
    (path.parent / f"{digest}.pickle").write_bytes(b"cos\nsystem\n(S'touch /tmp/pwned'\ntR.")
    assert cache.load(src.path, src.text, grammar_digest()) is None
    assert not os.path.exists("/tmp/pwned")


def test_a_directory_others_may_write_is_not_used(cache_dir):
    src = source()
    build_file(src)
    path, _ = entry_path(cache_dir, src)
    cache_dir.chmod(0o777)  # a shared runner's cache, say
    assert cache.load(src.path, src.text, grammar_digest()) is None
    path.unlink()
    build_file(src)
    assert not path.exists()  # not written there either


def test_a_directory_owned_by_someone_else_is_not_used(cache_dir, monkeypatch):
    src = source()
    build_file(src)
    someone_else = os.getuid() + 1
    monkeypatch.setattr(cache.os, "getuid", lambda: someone_else)
    assert cache.load(src.path, src.text, grammar_digest()) is None


def test_output_is_the_same_with_and_without_the_cache(cache_dir, monkeypatch):
    args = ("check", "--isolated", "--now", "2026-11-21T00:00:00Z", "--format", "json", str(FIXTURES / "models"))
    cold, warm = run_cli(*args), run_cli(*args)
    monkeypatch.setattr(cache, "_enabled", False)
    none = run_cli(*args)
    assert cold.out == warm.out == none.out and cold.code == warm.code == none.code

"""Files we rewrite (`why --fix`) are never left half-written, and `gen -o` never overwrites a
user's files: all or nothing, checked first, renamed into place with Ctrl-C held off."""

from __future__ import annotations

import os
import signal
import stat

import pytest
from conftest import run_cli

from verifier.project import rewrite as rewriting
from verifier.project.rewrite import RewriteRefused, rewrite

NOW = ("--isolated", "--now", "2026-11-21T00:00:00Z")
NET_A = """\
net a {
  cidr 10.0.0.0/16
  subnet sa { cidr 10.0.1.0/24 }
  security-group a-sg { outbound tcp 443 to 10.2.0.0/16 }
  vm a-1 { subnet sa  ip 10.0.1.10  groups a-sg }
}
"""
NET_C = """\
net c {
  cidr 10.2.0.0/16
  subnet sc { cidr 10.2.1.0/24 }
  security-group c-sg { inbound tcp 443 from 10.0.0.0/16 }
  vm c-1 { subnet sc  ip 10.2.1.10  groups c-sg }
}
"""


def two_files(tmp_path):
    a, c = tmp_path / "a.peer", tmp_path / "c.peer"
    a.write_text(NET_A)
    c.write_text(NET_C)
    return a, c


def leftovers(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))


def test_both_files_are_rewritten_with_their_modes(tmp_path):
    a, c = two_files(tmp_path)
    os.chmod(c, 0o640)
    rewrite({str(a): (NET_A, NET_A + "# a\n"), str(c): (NET_C, NET_C + "# c\n")})
    assert a.read_text().endswith("# a\n") and c.read_text().endswith("# c\n")
    assert stat.S_IMODE(c.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_file_refuses_the_whole_rewrite(tmp_path):
    a, c = two_files(tmp_path)
    os.chmod(c, 0o444)
    with pytest.raises(RewriteRefused, match="not writable"):
        rewrite({str(a): (NET_A, "x"), str(c): (NET_C, "y")})
    assert a.read_text() == NET_A and c.read_text() == NET_C and leftovers(tmp_path) == []


def test_a_read_only_file_refuses_the_whole_rewrite_even_for_root(tmp_path, monkeypatch):
    a, c = two_files(tmp_path)
    real = os.access
    monkeypatch.setattr(rewriting.os, "access", lambda p, mode: False if str(p) == str(c) else real(p, mode))
    with pytest.raises(RewriteRefused, match="not writable"):
        rewrite({str(a): (NET_A, "x"), str(c): (NET_C, "y")})
    assert a.read_text() == NET_A and c.read_text() == NET_C


def test_an_edit_made_since_the_read_is_never_overwritten(tmp_path):
    a, c = two_files(tmp_path)
    c.write_text(NET_C + "# edited meanwhile\n")
    with pytest.raises(RewriteRefused, match="changed since it was read"):
        rewrite({str(a): (NET_A, "x"), str(c): (NET_C, "y")})
    assert a.read_text() == NET_A and c.read_text().endswith("# edited meanwhile\n")


def test_a_full_disk_leaves_every_file_as_it_was(tmp_path, monkeypatch):
    a, c = two_files(tmp_path)
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second file's temporary cannot be flushed
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(rewriting.os, "fsync", fsync)
    with pytest.raises(RewriteRefused, match="No space left"):
        rewrite({str(a): (NET_A, "x" * 10_000), str(c): (NET_C, "y" * 10_000)})
    assert a.read_text() == NET_A and c.read_text() == NET_C and leftovers(tmp_path) == []


def test_ctrl_c_during_the_renames_waits_until_all_are_done(tmp_path, monkeypatch):
    a, c = two_files(tmp_path)
    real = os.replace

    def replace(source, target):
        os.kill(os.getpid(), signal.SIGINT)  # arrives mid-way: held until every file is in place
        real(source, target)

    monkeypatch.setattr(rewriting.os, "replace", replace)
    # Ctrl-C as a terminal delivers it, whatever this process inherited (a background job ignores it).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            rewrite({str(a): (NET_A, "new a\n"), str(c): (NET_C, "new c\n")})
    finally:
        signal.signal(signal.SIGINT, previous)
    assert a.read_text() == "new a\n" and c.read_text() == "new c\n" and leftovers(tmp_path) == []


def test_why_fix_across_two_files_writes_both_or_neither(tmp_path, monkeypatch):
    a, c = two_files(tmp_path)
    real = os.access
    monkeypatch.setattr(rewriting.os, "access", lambda p, mode: False if str(p) == str(c) else real(p, mode))
    run = run_cli("why", *NOW, "a-1", "c-1", "--port", "443", str(tmp_path), "--fix")
    assert run.code == 2 and "no fix written" in run.err and "not writable" in run.err
    assert a.read_text() == NET_A and c.read_text() == NET_C
    monkeypatch.undo()
    run = run_cli("why", *NOW, "a-1", "c-1", "--port", "443", str(tmp_path), "--fix")
    assert run.code == 0 and "wrote" in run.err, run.err
    assert "via peering" in a.read_text() and "via peering" in c.read_text()


def test_gen_never_overwrites_a_directory_that_holds_files(tmp_path):
    out = tmp_path / "estate"
    out.mkdir()
    (out / "mine.peer").write_text("# my model\n")
    run = run_cli("gen", "--nets", "2", "-o", str(out))
    assert run.code == 2 and "not empty" in run.err
    assert [p.name for p in out.iterdir()] == ["mine.peer"]
    assert run_cli("gen", "--nets", "2", "-o", str(out), "--force").code == 0
    assert (out / "mine.peer").read_text() == "# my model\n" and len(list(out.iterdir())) > 1
    assert run_cli("gen", "--nets", "2", "-o", str(tmp_path / "new")).code == 0

"""matrix, graph and shell: what a person sees, checked as a person would."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import FIXTURES, ROOT, run_cli

NOW = ("--now", "2026-11-21T12:00:00Z", "--isolated")
ENVIRONMENTS = str(FIXTURES / "models" / "generic-environments.peer")
EXAMPLE = str(FIXTURES / "models" / "language-example.peer")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_matrix_text_csv_json_agree():
    args = ("matrix", *NOW, "--by", "vm", "--proto", "tcp", "--port", "22", ENVIRONMENTS)
    text = run_cli(*args)
    assert text.code == 0
    assert text.out.splitlines()[2].split() == ["runner", "-", "yes", "yes", "yes"]
    document = json.loads(run_cli(*args, "--format", "json").out)
    assert document["names"] == ["runner", "dev-host", "stg-host", "prd-host"]
    assert document["cells"][0] == ["vacuous", "proved", "proved", "proved"]
    assert document["cells"][3] == ["refuted", "refuted", "refuted", "vacuous"]
    rows = list(csv.reader(io.StringIO(run_cli(*args, "--format", "csv").out)))
    assert rows[0] == ["from \\ to", *document["names"]] and rows[1][1:] == document["cells"][0]


def test_matrix_by_net_and_pictures(tmp_path):
    assert run_cli("matrix", *NOW, ENVIRONMENTS).code == 0
    out = tmp_path / "m.svg"
    assert run_cli("matrix", *NOW, ENVIRONMENTS, "--format", "svg", "-o", str(out)).code == 0
    svg = ET.parse(out).getroot()
    assert len([e for e in svg.iter() if e.tag.endswith("rect")]) == 16
    assert run_cli("matrix", *NOW, ENVIRONMENTS, "--proto", "icmp", "--port", "8").code == 2


@pytest.mark.parametrize("suffix", [".svg", ".html", ".dot", ".mmd"])
def test_graph_outputs(tmp_path, suffix):
    out = tmp_path / f"g{suffix}"
    run = run_cli("graph", *NOW, EXAMPLE, "-o", str(out))
    assert run.code == 0, run.err
    text = out.read_text()
    for name in ("hub", "spoke-a", "spoke-b", "hub-to-a", "hub-to-b"):
        assert name in text
    # the non-transitive gap of spoke-a's route to spoke-b is drawn
    assert "no transit via hub-to-a" in text
    if suffix == ".svg":
        ET.fromstring(text)
    if suffix == ".dot":
        assert text.startswith("graph peerproof {") and '"spoke-a" -- "spoke-b"' in text
    if suffix == ".mmd":
        assert text.startswith("graph LR") and "-.-" in text
    again = tmp_path / f"h{suffix}"
    run_cli("graph", *NOW, EXAMPLE, "-o", str(again))
    assert again.read_text() == text  # deterministic


def test_graph_why_marks_the_blocking_hop(tmp_path):
    out = tmp_path / "why.svg"
    assert run_cli("graph", *NOW, EXAMPLE, "--why", "a-1", "b-1", "--port", "22", "-o", str(out)).code == 0
    svg = out.read_text()
    assert 'class="edge peering blocked" data-label="hub-to-a (active)"' in svg
    assert "NON_TRANSITIVE [forward]" in svg and 'class="node path" data-net="spoke-a"' in svg
    assert run_cli("graph", *NOW, EXAMPLE, "-o", str(tmp_path / "x.png")).code == 2


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_html_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "graph.html"
    assert run_cli("graph", *NOW, EXAMPLE, "--why", "a-1", "b-1", "--port", "22", "-o", str(page)).code == 0
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1000,900",
    ]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    # the page's own script ran (offline) and counted the drawn elements
    assert 'data-rendered="' in dom and 'data-rendered="0"' not in dom
    shot = tmp_path / "graph.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000  # a drawing, not a blank page


def spawn_shell(path: str):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "verifier.cli", "shell", *NOW, path],
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    child.expect("loaded 3 nets, 3 vms, 2 peerings")
    child.expect_exact("peerproof> ")
    return child


def test_shell_driven_like_a_person(tmp_path):
    copy = tmp_path / "example.peer"
    shutil.copy(EXAMPLE, copy)
    child = spawn_shell(str(copy))
    child.sendline("reach a-1 hub-1 tcp 22")
    child.expect_exact("proved: assert reach a-1 -> hub-1 tcp 22")
    child.expect_exact("peerproof> ")
    child.sendline("why a-1 b-1 tcp 22")
    child.expect_exact("unreachable: vm a-1 cannot reach b-1")
    child.expect_exact("NON_TRANSITIVE [forward]")
    child.expect_exact("no repair keeps the model's assertions: assert isolate spoke-a -> spoke-b")
    child.expect_exact("peerproof> ")
    # tab completion of a command, then of a name
    child.send("sho\t")
    child.expect_exact("show")
    child.send(" hub-r\t")
    child.expect_exact("hub-rt")
    child.sendline("")
    child.expect_exact("route-table hub-rt (")
    child.expect_exact("peerproof> ")
    child.sendline("isolat spoke-a spoke-b")
    child.expect_exact("unknown command 'isolat'; did you mean 'isolate'?")
    child.expect_exact("peerproof> ")
    # edit the files, reload, ask again
    copy.write_text(copy.read_text().replace("inbound  tcp 22 from 10.1.0.0/16", "inbound  tcp 23 from 10.1.0.0/16"))
    child.sendline("reload")
    child.expect("loaded 3 nets")
    child.expect_exact("peerproof> ")
    child.sendline("reach a-1 hub-1 tcp 22")
    child.expect_exact("refuted: assert reach a-1 -> hub-1 tcp 22 is refuted")
    child.expect_exact("peerproof> ")
    child.sendline("history")
    child.expect_exact("1  reach a-1 hub-1 tcp 22")
    child.expect_exact("peerproof> ")
    child.sendline("quit")
    child.expect(__import__("pexpect").EOF)


def test_shell_bad_model_and_bad_commands(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    copy = tmp_path / "example.peer"
    shutil.copy(EXAMPLE, copy)
    child = spawn_shell(str(copy))
    child.sendline("why nobody b-1")
    child.expect_exact("error: SRC: unknown vm 'nobody'")
    child.sendline("reach a-1")
    child.expect_exact("error: expected SRC DST [PROTO [PORT]]")
    copy.write_text("net {\n")
    child.sendline("reload")
    child.expect_exact("error PARSE001")
    child.sendline("reach a-1 hub-1")  # the previous model stays loaded
    child.expect_exact("proved")
    child.sendeof()
    child.expect(pexpect.EOF)

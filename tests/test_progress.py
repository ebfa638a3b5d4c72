"""The progress line (issue 15): on standard error, on a terminal only, cleared before anything else
is written and at the end, throttled, never beside a machine format, never from a worker."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli

from verifier.outputs import progress as progress_module
from verifier.outputs.progress import CLEAR, Progress, elapsed, fitted, start, wanted

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
FAST = {"PEERPROOF_PROGRESS_AFTER": "0"}  # shown from the first report: the runs here are short
LINE = re.compile(rb"\rpeerproof: [^\r\n]*\x1b\[K")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- the line itself, with a fake clock ---------------------------------------------------------
def test_nothing_before_the_delay_then_throttled_to_ten_a_second():
    clock, out = Clock(), io.StringIO()
    line = Progress(out, clock=clock, after=2.0, every=0.1)
    line.stage("checking")
    line.count("assertions", 1, 500)
    clock.now += 1.875  # (binary fractions: the sums are exact)
    line.count("assertions", 2, 500)
    assert out.getvalue() == ""  # a run under two seconds never shows it
    clock.now += 0.25
    line.count("assertions", 3, 500)
    assert out.getvalue() == "\rpeerproof: checking: assertions 3/500, 2 s\x1b[K"
    clock.now += 0.0625
    line.count("assertions", 4, 500)  # within a tenth of a second of the last write
    assert out.getvalue().count("\r") == 1
    clock.now += 0.0625
    line.count("assertions", 5, 500)
    assert out.getvalue().endswith("\rpeerproof: checking: assertions 5/500, 2 s\x1b[K")
    assert out.getvalue().count("\r") == 2


def test_a_new_stage_is_shown_at_once_and_drops_the_last_counts():
    clock, out = Clock(), io.StringIO()
    line = Progress(out, clock=clock, after=0.0, every=0.1)
    line.stage("checking the old version")
    line.item("rule", "rule ROUTE007 (23/51)")  # throttled: same instant
    line.stage("comparing", pairs="VM pairs 0/90")
    assert out.getvalue() == (
        "\rpeerproof: checking the old version, 0 s\x1b[K\rpeerproof: comparing: VM pairs 0/90, 0 s\x1b[K"
    )


def test_the_line_reads_as_the_issue_shows_it():
    clock = Clock()
    line = Progress(io.StringIO(), clock=clock, after=0.0, every=0.0)
    line.stage("checking")
    line.item("rule", "rule ROUTE007 (23/51)")
    line.count("assertions", 120, 500)
    line.item("rule", "rule ROUTE008 (24/51)")  # a part keeps its place when it changes
    clock.now += 14.7
    assert line.line(clock()) == "peerproof: checking: rule ROUTE008 (24/51), assertions 120/500, 14 s"
    assert elapsed(125.2) == "2 min 05 s"
    assert elapsed(0.99) == "0 s"


def test_cleared_only_when_shown_and_never_shown_after_close():
    clock, out = Clock(), io.StringIO()
    line = Progress(out, clock=clock, after=2.0)
    line.stage("reading")
    line.clear()
    assert out.getvalue() == ""  # nothing to clear: nothing written
    clock.now += 3
    line.stage("checking")
    with line:
        pass
    assert out.getvalue().endswith(CLEAR)
    written = out.getvalue()
    clock.now += 3
    line.stage("late")
    line.count("cells", 1, 4)
    line.close()
    assert out.getvalue() == written


def test_cleared_when_the_work_is_interrupted():
    clock, out = Clock(), io.StringIO()
    with pytest.raises(KeyboardInterrupt), Progress(out, clock=clock, after=0.0) as line:
        line.stage("checking")
        raise KeyboardInterrupt
    assert out.getvalue() == "\rpeerproof: checking, 0 s\x1b[K" + CLEAR


def test_cut_to_the_terminal_width_so_that_it_never_wraps():
    assert fitted("x" * 100, 80) == "x" * 79
    assert fitted("short", 80) == "short"
    assert fitted("abc", 1) == ""


def test_control_characters_in_a_part_are_spelt_out():
    line = Progress(io.StringIO(), clock=Clock(), after=0.0)
    line.stage("reading")
    line.item("file", "a\x1b[2Jb")
    assert "\\x1b[2J" in line.line(100.0)


def test_a_forked_worker_never_writes_it(monkeypatch):
    out = io.StringIO()
    line = Progress(out, clock=Clock(), after=0.0)
    monkeypatch.setattr(progress_module.os, "getpid", lambda: -1)  # as in a process forked from this one
    line.stage("checking")
    line.count("assertions", 1, 2)
    line.close()
    assert out.getvalue() == ""


def test_a_silent_line_writes_nothing():
    line = Progress(None, clock=Clock(), after=0.0)
    line.stage("checking")
    line.count("cells", 1, 1)
    line.close()
    assert not line.on


# --- when it is shown --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text_output", "quiet", "stream", "environ", "shown"),
    [
        (True, False, Terminal(), {}, True),
        (True, False, io.StringIO(), {}, False),  # standard error captured: a pipe, a file, a CI log
        (False, False, Terminal(), {}, False),  # a machine format on standard output
        (True, True, Terminal(), {}, False),  # --quiet
        (True, False, Terminal(), {"PEERPROOF_NO_PROGRESS": "1"}, False),
        (True, False, Terminal(), {"PEERPROOF_NO_PROGRESS": ""}, True),  # set but empty: not set
        (True, False, Terminal(), {"TERM": "dumb"}, False),  # no erase-line control
    ],
)
def test_shown_only_on_a_terminal_beside_text(text_output, quiet, stream, environ, shown):
    assert wanted(text_output, quiet, stream, environ) is shown


@pytest.mark.parametrize(("value", "after"), [("0", 0.0), ("0.5", 0.5), ("soon", 2.0), ("-1", 2.0), ("nan", 2.0)])
def test_the_delay_can_be_set_for_tests(value, after):
    assert start(True, environ={"PEERPROOF_PROGRESS_AFTER": value}).after == after


# --- what the commands report, in process ------------------------------------------------------------
def _recorded() -> tuple[Progress, io.StringIO]:
    out = io.StringIO()
    return Progress(out, after=0.0, every=0.0), out


@pytest.mark.parametrize("jobs", [1, 2])
def test_check_reports_each_rule_and_every_assertion_decided(jobs):
    # Guards against the parent not counting the verdicts its workers send back (--jobs).
    from verifier.commands.check import run_check
    from verifier.project.config import Config

    line, out = _recorded()
    model = FIXTURES / "models" / "generic-environments.peer"
    result = run_check([str(model)], Config(), NOW, jobs=jobs, progress=line)
    total = len(result.verdicts)
    assert total > 1
    shown = out.getvalue()
    assert "\rpeerproof: reading, 0 s" in shown
    rules = list(dict.fromkeys(re.findall(r"rule ([A-Z]+\d{3}) \((\d+)/(\d+)\)", shown)))
    assert [int(i) for _, i, _ in rules] == list(range(1, len(rules) + 1))  # every check, in turn
    assert int(rules[-1][1]) == int(rules[-1][2])
    assert f"assertions {total}/{total}" in shown
    assert f"assertions 0/{total}" in shown
    # and the result is the one a run without the line gives
    assert run_check([str(model)], Config(), NOW, jobs=jobs).verdicts == result.verdicts


def test_matrix_reports_the_cells_filled():
    from verifier.commands.check import load_model
    from verifier.commands.matrix import compute
    from verifier.project.config import Config

    model = load_model([str(FIXTURES / "models" / "generic-environments.peer")], Config()).model
    line, out = _recorded()
    matrix = compute(model, NOW, "net", None, None, progress=line)
    cells = len(matrix.names) ** 2
    counts = re.findall(r"cells (\d+)/(\d+)", out.getvalue())
    assert [int(done) for done, _ in counts] == list(range(0, cells + 1))
    assert {int(total) for _, total in counts} == {cells}
    assert compute(model, NOW, "net", None, None).cells == matrix.cells


# --- on a pseudo-terminal ------------------------------------------------------------------------------
def _on_tty(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run the CLI with standard error on a pseudo-terminal and standard output to a file: the exit
    code, standard output, and what the terminal received."""
    master, slave = os.openpty()
    out_path = tmp_path / "stdout"
    with open(out_path, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "verifier.cli", *args], cwd=ROOT, stdout=out, stderr=slave, env=_environ(env)
        )
    os.close(slave)
    received = _drain(master)
    process.wait(timeout=120)
    return process.returncode, out_path.read_bytes(), received


def _environ(extra: dict[str, str] | None) -> dict[str, str]:
    """This environment without peerproof's settings or TERM (a test run's may say "dumb"), plus `extra`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PEERPROOF_") and k != "TERM"}
    return kept | (extra or {})


def _drain(master: int) -> bytes:
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("progress") / "nets"
    assert run_cli("gen", "--nets", "30", "-o", str(out)).code == 0
    return out


def _piped(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "verifier.cli", *args], cwd=ROOT, capture_output=True, env=_environ(FAST)
    )


def test_check_on_a_terminal_shows_the_line_and_clears_it(estate, tmp_path):
    code, out, tty = _on_tty(["check", "--now", "2026-11-21T12:00:00Z", str(estate)], tmp_path, FAST)
    assert code == 0, tty
    assert b"\rpeerproof: checking" in tty
    assert LINE.sub(b"", tty) == CLEAR.encode()  # nothing but the line, then cleared at the end
    assert tty.endswith(CLEAR.encode())
    piped = _piped(["check", "--now", "2026-11-21T12:00:00Z", str(estate)])
    assert piped.stderr == b""  # standard error not a terminal: nothing
    assert out == piped.stdout  # what is written is the same, byte for byte


def test_check_after_the_delay_only(estate, tmp_path):
    # The default delay (two seconds) is longer than this check of 30 nets takes when unhurried;
    # a delay of an hour is never reached.
    code, _, tty = _on_tty(["check", str(estate)], tmp_path, {"PEERPROOF_PROGRESS_AFTER": "3600"})
    assert code == 0
    assert tty == b""


@pytest.mark.parametrize(
    "extra",
    [
        ["--format", "json"],
        ["-o", "sarif"],
        ["--quiet"],
    ],
)
def test_check_never_beside_a_machine_format_or_quiet(estate, tmp_path, extra):
    code, out, tty = _on_tty(["check", *extra, str(estate)], tmp_path, FAST)
    assert code == 0
    assert tty == b""


def test_check_with_every_output_in_a_file_shows_it(estate, tmp_path):
    target = tmp_path / "out.json"
    now = ["--now", "2026-11-21T12:00:00Z"]
    code, out, tty = _on_tty(["check", *now, "-o", f"json={target}", str(estate)], tmp_path, FAST)
    assert code == 0
    assert out == b""
    assert b"\rpeerproof: checking" in tty and tty.endswith(CLEAR.encode())
    assert target.read_bytes() == _piped(["check", *now, "--format", "json", str(estate)]).stdout  # never in the file


def test_turned_off_by_the_environment(estate, tmp_path):
    code, _, tty = _on_tty(["check", str(estate)], tmp_path, FAST | {"PEERPROOF_NO_PROGRESS": "1"})
    assert code == 0
    assert tty == b""


def test_check_with_jobs_shows_the_collected_verdicts(estate, tmp_path):
    code, out, tty = _on_tty(["check", "--jobs", "2", str(estate)], tmp_path, FAST)
    assert code == 0
    assert b"\rpeerproof: checking" in tty and tty.endswith(CLEAR.encode())
    assert LINE.sub(b"", tty) == CLEAR.encode()  # no worker wrote anything


def test_matrix_and_diff_on_a_terminal(tmp_path):
    model = str(FIXTURES / "models" / "generic-environments.peer")
    code, out, tty = _on_tty(["matrix", "--isolated", model], tmp_path, FAST)
    assert code == 0 and out.startswith(b"reachability by net")
    assert b"\rpeerproof: matrix: cells " in tty and LINE.sub(b"", tty) == CLEAR.encode()
    assert _on_tty(["matrix", "--isolated", "--format", "csv", model], tmp_path, FAST)[2] == b""
    other = str(FIXTURES / "models" / "generic-full-mesh.peer")
    code, out, tty = _on_tty(["diff", "--isolated", model, other], tmp_path, FAST)
    assert code in (0, 1)
    assert b"\rpeerproof: checking the new version" in tty
    assert b"\rpeerproof: comparing" in tty and LINE.sub(b"", tty) == CLEAR.encode()
    assert _on_tty(["diff", "--isolated", "--format", "json", model, other], tmp_path, FAST)[2] == b""


def test_import_clears_the_line_before_its_messages(tmp_path):
    dump = str(FIXTURES / "imports" / "aws-cli-two-vpcs")
    written = tmp_path / "estate.peer"
    code, out, tty = _on_tty(["import", dump, "-o", str(written)], tmp_path, FAST)
    assert code == 0
    assert b"\rpeerproof: building the text: files read " in tty
    # the line is cleared, then the messages follow on a clean line
    assert LINE.sub(b"", tty).startswith(CLEAR.encode())
    assert tty.endswith(f"peerproof: wrote {written}\r\n".encode())


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="Ctrl-C as a terminal sends it")
def test_ctrl_c_clears_the_line_before_saying_interrupted(estate, tmp_path):
    master, slave = os.openpty()
    launch = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'verifier.cli', *sys.argv[1:]])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", launch, "check", str(estate)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=_environ(FAST),
        start_new_session=True,
    )
    os.close(slave)
    first = os.read(master, 65536)  # the line is up: the check is running
    assert first.startswith(b"\rpeerproof: ")
    os.killpg(process.pid, signal.SIGINT)
    rest = _drain(master)
    assert process.wait(timeout=30) == 130
    said = first + rest
    assert said.endswith(CLEAR.encode() + b"peerproof: interrupted\r\n"), said[-300:]

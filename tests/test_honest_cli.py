"""The command line is honest when stopped, sized and fed odd input (issue 14, items 9, 10 and 13):
Ctrl-C, --jobs, ports, TOML spellings, excerpts after odd line ends, huge tokens in messages."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli

from verifier.commands.options import job_count
from verifier.engine import parallel
from verifier.engine.parallel import ProofPool
from verifier.engine.verify import Engine
from verifier.language.build import build
from verifier.language.parse import SourceFile
from verifier.project.config import discover

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
EXAMPLE = FIXTURES / "models" / "language-example.peer"  # two assertions

# The CLI as a terminal starts it: its own process group (Ctrl-C reaches the whole group), SIGINT not
# ignored (a shell's background job would inherit SIG_IGN, and exec keeps it).
LAUNCH = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'verifier.cli', *sys.argv[1:]])"
)


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids


def _threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, waiting to be reaped
    except OSError:
        return False


def _wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.0005)
    return False


def _interrupt(process: subprocess.Popen[bytes]) -> tuple[int, str, list[int]]:
    """Ctrl-C as a terminal sends it (to the process group); the exit code, stderr, and the children
    the CLI had just before."""
    workers = _children(process.pid)
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        pytest.fail(f"still running 20 s after Ctrl-C: {err.decode()[-2000:]}")
    assert time.monotonic() - started < 10, "Ctrl-C is prompt"
    return process.returncode, err.decode(), workers


def _assert_interrupted(code: int, err: str, workers: list[int]) -> None:
    assert code == 130, err[-2000:]
    assert err == "peerproof: interrupted\n"  # one line: no worker's traceback, no verdict
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 5), "no worker outlives the CLI"


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("estate") / "nets"
    assert run_cli("gen", "--nets", "300", "-o", str(out)).code == 0
    return out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc for the workers")
def test_ctrl_c_with_jobs_ends_the_workers_without_tracebacks(estate):
    # Guards against Ctrl-C hanging in the proof pool, workers printing tracebacks and outliving the CLI.
    process = _start("check", "--jobs", "2", str(estate))
    assert _wait_for(lambda: bool(_children(process.pid)) or process.poll() is not None)
    assert process.poll() is None, "the check ended before its workers could be interrupted"
    time.sleep(0.3)  # the workers are proving
    _assert_interrupted(*_interrupt(process))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc for the query thread")
def test_ctrl_c_during_a_solver_query_is_an_interrupt_not_an_undecided_assertion(estate):
    # Guards against Z3 swallowing Ctrl-C and the interrupt being reported as REACH003 (exit 1).
    # With --jobs 1 the CLI has one thread, and a second while a solver query runs: Ctrl-C then.
    process = _start("check", "--jobs", "1", str(estate))
    _wait_for(lambda: _threads(process.pid) > 1 or process.poll() is not None, 30)  # else: wherever it is
    assert process.poll() is None, "the check ended before it could be interrupted"
    _assert_interrupted(*_interrupt(process))


HARD_QUERY = textwrap.dedent(
    """
    import signal, sys, z3
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from verifier.engine.encode import Query
    from verifier.engine.limits import Limits
    from verifier.engine.solve import Solver
    x, y = z3.BitVecs("x y", 128)  # factoring a 128-bit number: seconds to minutes for Z3
    formula = z3.And(x * y == 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFF61, z3.ULT(1, x), z3.ULT(1, y),
                     z3.ULT(x, 2**64), z3.ULT(y, 2**64))
    print("asking", flush=True)
    try:
        answer = Solver(Limits(timeout_ms=120_000, rlimit=0)).check(Query(formula, {"x": x}))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("answer", answer.status, answer.reason, flush=True)
    """
)


def test_an_interrupted_solver_query_raises_and_is_never_unknown():
    # Guards against an interrupt becoming an answer ("unknown", then REACH003 or "no repair").
    process = subprocess.Popen(
        [sys.executable, "-c", HARD_QUERY], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "asking\n"
    time.sleep(1.0)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert (process.returncode, out) == (130, "interrupted\n"), err
    assert time.monotonic() - started < 5


def _engine() -> Engine:
    model, _ = build([SourceFile(str(EXAMPLE), EXAMPLE.read_text())])
    return Engine(model, NOW)


def test_jobs_never_start_more_workers_than_assertions(monkeypatch):
    # Guards against --jobs 200 forking 200 processes for 2 assertions.
    monkeypatch.setattr(parallel, "usable_cores", lambda: 64)
    engine = _engine()
    assertions = list(engine.model.assertions)
    assert len(assertions) == 2
    pool = ProofPool(engine, assertions, 200)
    try:
        assert len(multiprocessing.active_children()) == 2
    finally:
        pool.collect()
    assert len(engine.results) == 2


def test_jobs_never_start_more_workers_than_usable_cores(monkeypatch):
    # Guards against more workers than the cores this process may run on.
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    engine = _engine()
    pool = ProofPool(engine, list(engine.model.assertions), 200)
    try:
        assert len(multiprocessing.active_children()) == 1
    finally:
        pool.collect()


def test_usable_cores_follow_the_cpu_affinity(monkeypatch):
    # Guards against a container's or taskset's share being read as the whole machine.
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 96)
    assert parallel.usable_cores() == 1
    assert job_count("0") == 1
    monkeypatch.delattr(os, "sched_getaffinity")
    assert parallel.usable_cores() == 96


@pytest.mark.parametrize(
    "args",
    [
        ("why", "a-1", "b-1", "--port", "70000"),
        ("why", "a-1", "b-1", "--port", "65536", "--fix"),
        ("matrix", "--proto", "tcp", "--port", "70000"),
        ("graph", "-o", "OUT", "--why", "a-1", "b-1", "--port", "70000"),
        ("why", "a-1", "b-1", "--port", "9" * 5000),
    ],
)
def test_a_port_out_of_range_is_refused_never_wrapped(tmp_path, args):
    # Guards against `--port 70000` answering (and fixing) for port 4464.
    model = tmp_path / "model.peer"
    model.write_bytes(EXAMPLE.read_bytes())
    args = tuple(str(tmp_path / "graph.svg") if a == "OUT" else a for a in args)
    run = run_cli(*args, str(model))
    assert run.code == 2
    assert "expected a port from 0 to 65535" in run.err
    assert len(run.err) < 2000  # the refused text is not echoed whole
    assert model.read_bytes() == EXAMPLE.read_bytes()  # --fix wrote nothing


def test_a_port_out_of_range_is_refused_in_the_shell(monkeypatch):
    # Guards against the shell's `why`/`matrix` wrapping a port modulo 65536.
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("why a-1 b-1 tcp 70000\nmatrix tcp 65536\n"))
    run = run_cli("shell", str(EXAMPLE))
    assert run.out.count("error: expected a port from 0 to 65535") == 2
    assert "4464" not in run.out


@pytest.mark.parametrize(
    "pyproject",
    [
        '[ tool.peerproof ]\nselect = ["ROUTE"]\n',
        '[tool . "peerproof"]  # ours\nselect = ["ROUTE"]\n',
        '[tool]\npeerproof = { select = ["ROUTE"] }\n',
        'tool.peerproof.select = ["ROUTE"]\n',
        '[project]\nname = "x"\n\n[tool.peerproof.severity]\nROUTE004 = "error"\n',
    ],
)
def test_pyproject_settings_are_found_however_toml_spells_the_table(tmp_path, pyproject):
    # Guards against `[tool.peerproof]` being found only as that literal line.
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert discover(tmp_path) == tmp_path / "pyproject.toml"


@pytest.mark.parametrize(
    "pyproject",
    ["[tool.black]\nline-length = 100\n# not [tool.peerproof]\n", 'name = "[tool.peerproof]"\n', "[tool\n"],
)
def test_pyproject_without_settings_is_passed_over(tmp_path, pyproject):
    # Guards against another tool's pyproject (or a string that looks like the header) being ours.
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert discover(tmp_path) is None


def test_a_pyproject_table_spelt_otherwise_is_applied(tmp_path, monkeypatch):
    # Guards against settings written as dotted keys being silently ignored by `check`.
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('tool.peerproof.select = ["NOSUCHCODE9"]\n')
    monkeypatch.chdir(tmp_path)
    run = run_cli("check", str(EXAMPLE))
    assert run.code == 2 and "unknown code 'NOSUCHCODE9'" in run.err


@pytest.mark.parametrize("line_end", ["\r", "\u2028", "\x0c", "\x85"])
def test_an_excerpt_shows_the_line_the_parser_counts(tmp_path, line_end):
    # Guards against excerpts showing the wrong line after a lone CR or U+2028 (splitlines splits there).
    model = tmp_path / "model.peer"
    model.write_text(
        f"# one{line_end}still line one\nnet a {{\n  cidr 10.0.0.0/16 }}}}\n", encoding="utf-8", newline=""
    )
    run = run_cli("check", str(model))
    assert run.code == 2
    assert ":3:" in run.err.splitlines()[0]
    assert "    3 |   cidr 10.0.0.0/16 }}" in run.err
    assert line_end not in run.err


def test_an_excerpt_of_a_crlf_file_shows_no_carriage_return(tmp_path):
    # Guards against CRLF files showing a spelt-out CR at the end of every excerpted line.
    model = tmp_path / "model.peer"
    model.write_bytes(b"net a {\r\n  cidr 10.0.0.0/16 }}\r\n")
    run = run_cli("check", str(model))
    assert "    2 |   cidr 10.0.0.0/16 }}\n" in run.err


def test_a_syntax_error_does_not_echo_a_huge_token(tmp_path):
    # Guards against a 1 MB token being copied whole into the message.
    model = tmp_path / "model.peer"
    model.write_text("net a { " + "x" * 1_000_000 + " }\n")
    run = run_cli("check", str(model))
    assert run.code == 2
    message = run.err.splitlines()[0]
    assert "... (1,000,000 characters)" in message
    assert len(message) < 600  # the path, the cut token and what was expected
    assert len(run.err) < 3000

"""Hostile inputs: each gets a result or a clear error, within bounded time and memory.

The timeouts here guard against hangs (a run that never ends fails the test);
they are not performance measurements, which live in benchmarks/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

LIMIT_S = 240  # a hang guard, far above what each case needs
MEMORY_MB = 2048  # no case may need more


def peerproof(*args: str) -> subprocess.CompletedProcess:
    """Run peerproof in a child with a memory ceiling; return its result."""
    limit = MEMORY_MB * 1024 * 1024

    def ceiling():  # runs in the child: an address-space limit makes a blow-up fail, not swap
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit * 2, limit * 2))

    return subprocess.run(
        [sys.executable, "-m", "verifier.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        preexec_fn=ceiling if os.name == "posix" else None,
    )


def assert_clean(result: subprocess.CompletedProcess, codes=(0, 1, 2)) -> None:
    assert result.returncode in codes, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_50_megabyte_file_is_refused_clearly(tmp_path):
    big = tmp_path / "big.peer"
    line = "# " + "x" * 98 + "\n"
    with big.open("w") as handle:
        for _ in range(500_000):
            handle.write(line)
    result = peerproof("check", "--isolated", str(big))
    assert_clean(result, (2,))
    assert "big.peer:1:1: error PARSE003 file is 48.2 MiB, over the limit of 16 MiB a file" in result.stderr


def test_a_100000_character_line(tmp_path):
    path = tmp_path / "line.peer"
    path.write_text(
        "net a { cidr 10.0.0.0/16 "
        + "  " * 50_000
        + "subnet s { cidr 10.0.1.0/24 } }\n# "
        + "y" * 100_000
        + "\nnet b "
        + "{"
        + "z" * 100_000
        + "\n"
    )
    result = peerproof("check", "--isolated", str(path))
    assert_clean(result, (2,))
    assert "error PARSE001" in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) < 400  # the excerpt is cut, not dumped


def test_10000_nested_braces(tmp_path):
    path = tmp_path / "nested.peer"
    path.write_text("net a " + "{ " * 10_000 + "}" * 10_000 + "\n")
    result = peerproof("check", "--isolated", str(path))
    assert_clean(result, (2,))
    assert "nested.peer:1:9: error PARSE001 syntax error: unexpected '{'" in result.stderr


@pytest.mark.slow
def test_100000_routes_in_one_table(tmp_path):
    path = tmp_path / "routes.peer"
    routes = "".join(
        f"    route 172.{16 + i // 65536}.{(i // 256) % 256}.{i % 256}/32 via gateway vpn-1\n" for i in range(100_000)
    )
    path.write_text(
        "net a {\n  cidr 10.0.0.0/16\n  route-table big {\n    route 172.16.0.0/12 drop\n" + routes + "  }\n}\n"
    )
    result = peerproof("check", "--isolated", "--select", "ROUTE", str(path))
    assert_clean(result)
    assert "1 file checked" in result.stdout


def test_names_of_10000_characters(tmp_path):
    name = "n" * 10_000
    path = tmp_path / "names.peer"
    path.write_text(f"net {name} {{ cidr 10.0.0.0/16 }}\nnet {name} {{ cidr 10.1.0.0/16 }}\n")
    result = peerproof("check", "--isolated", str(path))
    assert_clean(result, (1,))
    assert "error NAME002 duplicate name" in result.stdout


@pytest.mark.parametrize("rlimit", ["1", "50"])
def test_exhausted_solver_is_unknown_not_a_pass(rlimit):
    result = peerproof(
        "check",
        "--isolated",
        "--rlimit",
        rlimit,
        "--now",
        "2026-11-21T12:00:00Z",
        str(ROOT / "fixtures" / "models" / "aws-two-vpcs.peer"),
    )
    assert_clean(result, (1,))
    assert "error REACH003" in result.stdout and "assertions: 2 unknown" in result.stdout


# --- Ctrl-C in the shell --------------------------------------------------------------------------
def _shell(estate) -> subprocess.Popen[str]:
    """`peerproof shell` as a terminal starts it (its own process group, SIGINT not ignored), at its
    prompt: the line that says the model is loaded has been read."""
    from test_honest_cli import LAUNCH

    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "shell", "--isolated", "--now", "2026-11-21T12:00:00Z", str(estate)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("loaded "), process.stderr.read() if process.stderr else ""
    return process


def _ctrl_c(process: subprocess.Popen[str]) -> tuple[int, str]:
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the shell still runs 30 s after Ctrl-C")
    return process.returncode, err


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    out = tmp_path_factory.mktemp("estate") / "nets"
    assert (
        subprocess.run(
            [sys.executable, "-m", "verifier.cli", "gen", "--nets", "40", "-o", str(out)], cwd=ROOT
        ).returncode
        == 0
    )
    return out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc for the query thread")
def test_ctrl_c_during_a_shell_query_says_one_line_and_exits_130(estate):
    # Guards against Ctrl-C in a shell query ending the session with exit 0 (or a traceback).
    from test_honest_cli import _threads, _wait_for

    process = _shell(estate)
    assert process.stdin is not None
    process.stdin.write("matrix vm\n")
    process.stdin.flush()
    # A solver query runs in a thread of its own: Ctrl-C while one does.
    assert _wait_for(lambda: _threads(process.pid) > 1 or process.poll() is not None, 60)
    assert process.poll() is None, "the shell ended before it could be interrupted"
    assert _ctrl_c(process) == (130, "peerproof: interrupted\n")


def test_ctrl_c_at_the_shell_prompt_says_one_line_and_exits_130(estate):
    process = _shell(estate)
    time.sleep(0.3)  # waiting for a line
    assert _ctrl_c(process) == (130, "peerproof: interrupted\n")

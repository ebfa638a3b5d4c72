"""The command line: exit codes, formats, stats, version, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, ROOT, run_cli

from verifier import __version__

EXAMPLE = str(FIXTURES / "models" / "language-example.peer")


def test_version():
    run = run_cli("--version")
    assert run.code == 0
    assert run.out.strip() == f"peerproof {__version__}"


def test_version_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "verifier.cli", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"peerproof {__version__}"


def test_clean_model_exits_zero_with_summary():
    run = run_cli("check", str(FIXTURES / "models" / "aws-two-vpcs.peer"))
    assert run.code == 0
    assert run.out == "1 file checked: 0 error(s), 0 warning(s), 0 note(s); assertions: 2 proved\n"


def test_warnings_alone_exit_zero():
    run = run_cli("check", EXAMPLE)
    assert run.code == 0
    assert run.out.endswith("1 file checked: 0 error(s), 1 warning(s), 0 note(s); assertions: 2 proved\n")


def test_error_finding_text_is_compiler_style():
    path = FIXTURES / "rules" / "PEER003.peer"
    run = run_cli("check", str(path))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == f"{path}:2:1: error PEER003 peering 'p' joins net 'hub' to itself"
    assert lines[1] == "    2 | peering p { requester hub  accepter hub }   # expect: PEER003"
    assert lines[2] == "      | ^~~~~~~~~"


def test_json_schema_fields():
    run = run_cli("check", "--format", "json", str(FIXTURES / "rules" / "ADDR003.peer"))
    assert run.code == 1
    document = json.loads(run.out)
    assert document["version"] == 1
    assert document["summary"] == {"errors": 3, "warnings": 0, "infos": 0}
    first = document["diagnostics"][0]
    assert set(first) >= {
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "counterexample",
        "related",
        "help",
    }
    assert first["counterexample"] == {"address": "10.0.1.0", "blocks": ["10.0.0.0/23", "10.0.1.0/24"]}
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (4, 21, 4, 32)


def test_output_is_deterministic():
    runs = {run_cli("check", "--format", "json", str(FIXTURES / "rules")).out for _ in range(3)}
    assert len(runs) == 1


def test_directory_reads_every_peer_file():
    run = run_cli("stats", "--format", "json", str(FIXTURES / "models" / "multi-file-estate"))
    assert run.code == 0
    assert json.loads(run.out) == {
        "provider": "aws",
        "files": 4,
        "nets": 2,
        "subnets": 2,
        "vms": 2,
        "peerings": 1,
        "route_tables": 2,
        "routes": 2,
        "security_groups": 2,
        "network_acls": 0,
        "rules": 2,
        "assertions": 2,
    }


def test_stats_text():
    run = run_cli("stats", EXAMPLE)
    assert run.code == 0
    assert "nets 3\n" in run.out and "peerings 2\n" in run.out and "routes 5\n" in run.out


def test_missing_file_is_input_error(tmp_path):
    run = run_cli("check", str(tmp_path / "nope.peer"))
    assert run.code == 2
    assert "nope.peer:1:1: error PARSE003 no such file or directory" in run.err


def test_syntax_error_exit_two_and_json(tmp_path):
    bad = tmp_path / "bad.peer"
    bad.write_text("net a {\n  cidr 10.0.0.0/16\n  subnet s { cidr }\n}\n")
    run = run_cli("check", "--format", "json", str(bad))
    assert run.code == 2
    [diagnostic] = json.loads(run.out)["diagnostics"]
    assert diagnostic["code"] == "PARSE001"
    assert (diagnostic["line"], diagnostic["column"]) == (3, 19)
    assert diagnostic["message"] == "syntax error: unexpected '}'; expected an address or block"


def test_usage_errors_exit_two():
    assert run_cli("check").code == 2
    assert run_cli("frobnicate", EXAMPLE).code == 2
    assert run_cli().code == 2
    assert run_cli("check", "--format", "yaml", EXAMPLE).code == 2
    run = run_cli("check", "--now", "yesterday", EXAMPLE)
    assert run.code == 2 and "invalid timestamp 'yesterday'" in run.err


def test_now_accepts_iso_8601():
    assert run_cli("check", "--now", "2026-11-21T10:00:00+01:00", EXAMPLE).code == 0
    assert run_cli("check", "--now", "2026-11-21", EXAMPLE).code == 0


def test_invalid_utf8_is_located(tmp_path):
    bad = tmp_path / "bin.peer"
    bad.write_bytes(b"net a {\n  cidr 10.0.0.0/16 \xff\n}\n")
    run = run_cli("check", str(bad))
    assert run.code == 2
    assert f"{bad}:2:20: error PARSE003 file is not valid UTF-8 text" in run.err


def test_version_and_help_do_not_load_the_solver_or_the_parser():
    # Guards against `--version` importing every command module, and with them z3 and lark (a second
    # and more, on every shell prompt that asks the version).
    for flag in ("--version", "--help"):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "verifier.cli", flag], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0
        imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
        assert "verifier.commands.options" in imported  # the measure sees what the command line imports
        assert not {m for m in imported if m.split(".")[0] in ("z3", "lark")}, flag
        assert not {m for m in imported if m.startswith(("verifier.engine.verify", "verifier.commands.check"))}


def test_matrix_port_alone_means_tcp():
    # Guards against `matrix --port 22` refusing the port (no --proto): it means tcp, as in `why`.
    environments = str(FIXTURES / "models" / "generic-environments.peer")
    now = ("--now", "2026-11-21T12:00:00Z", "--isolated")
    alone = run_cli("matrix", *now, "--by", "vm", "--port", "22", "--format", "json", environments)
    assert alone.code == 0, alone.err
    tcp = run_cli("matrix", *now, "--by", "vm", "--proto", "tcp", "--port", "22", "--format", "json", environments)
    assert json.loads(alone.out) == json.loads(tcp.out) and json.loads(alone.out)["protocol"] == "tcp"
    assert json.loads(run_cli("matrix", *now, "--format", "json", environments).out)["protocol"] == "all"
    assert run_cli("matrix", *now, "--proto", "icmp", "--port", "22", environments).code == 2


def test_the_command_line_ends_without_the_interpreters_teardown_and_loses_no_output():
    """Run from its command line, peerproof ends its process when the run is done (freeing a large
    model at exit cost 0.5 s of a 1,000-net check): an exit handler never runs, and everything written
    to a pipe arrives, with the run's exit code."""
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('TEARDOWN', file=sys.stderr))\n"
        "from verifier.cli import main\n"
        f"sys.argv = ['peerproof', 'check', '--format', 'json', {EXAMPLE!r}]\n"
        "sys.exit(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "TEARDOWN" not in result.stderr
    in_process = run_cli("check", "--format", "json", EXAMPLE)
    assert (result.returncode, result.stdout) == (in_process.code, in_process.out)  # whole: flushed first
    assert json.loads(result.stdout)["summary"]["warnings"] == 1

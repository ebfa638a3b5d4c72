"""Configuration files, CLI overrides, baselines and the rules command, error cases included."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

ROUTE004 = (FIXTURES / "rules" / "ROUTE004.peer").read_text()
NOW = ("--now", "2026-11-21T12:00:00Z")


@contextmanager
def inside(directory: Path):
    before = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()  # config discovery stops at the repository root
    (tmp_path / "net.peer").write_text(ROUTE004)
    return tmp_path


def codes(run) -> list[str]:
    return [d["code"] for d in json.loads(run.out)["diagnostics"]]


def test_pyproject_table_is_read(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.peerproof]\nignore = ["ROUTE004"]\n')
    with inside(project):
        assert codes(run_cli("check", "--format", "json", *NOW, "net.peer")) == []


def test_peerproof_toml_wins_and_sets_severity_and_fail_on(project):
    (project / "peerproof.toml").write_text('fail-on = "warning"\n[severity]\nROUTE004 = "info"\n')
    with inside(project):
        run = run_cli("check", "--format", "json", *NOW, "net.peer")
    document = json.loads(run.out)
    assert [d["severity"] for d in document["diagnostics"]] == ["info", "info"]
    assert run.code == 0  # info never fails, even with fail-on = warning


def test_fail_on_warning(project):
    (project / "peerproof.toml").write_text('fail-on = "warning"\n')
    with inside(project):
        assert run_cli("check", *NOW, "net.peer").code == 1
        assert run_cli("check", *NOW, "--fail-on", "error", "net.peer").code == 0  # the flag overrides


def test_select_prefix_and_cli_override(project):
    (project / "peerproof.toml").write_text('select = ["PEER"]\n')
    with inside(project):
        assert codes(run_cli("check", "--format", "json", *NOW, "net.peer")) == []
        assert codes(run_cli("check", "--format", "json", *NOW, "--select", "ROUTE", "net.peer")) == ["ROUTE004"] * 2


def test_paths_and_exclude_from_config(project):
    (project / "models").mkdir()
    (project / "models" / "a.peer").write_text(ROUTE004)
    (project / "models" / "broken.peer").write_text("net {")
    (project / "peerproof.toml").write_text('paths = ["models"]\nexclude = ["*/broken.peer"]\n')
    with inside(project):
        run = run_cli("check", "--format", "json", *NOW)
    assert run.code == 0 and json.loads(run.out)["files"] == 1


def test_provider_from_config_and_conflict(project):
    (project / "peerproof.toml").write_text('provider = "aws"\n')
    (project / "sg.peer").write_text("net a { cidr 10.0.0.0/16  security-group g { inbound deny tcp 22 from any } }\n")
    with inside(project):
        assert codes(run_cli("check", "--format", "json", *NOW, "sg.peer")) == ["SG001"]
        (project / "sg.peer").write_text("provider alibaba\n" + (project / "sg.peer").read_text())
        run = run_cli("check", *NOW, "sg.peer")
    assert run.code == 2 and "CONFIG001 the model declares provider alibaba, the configuration says aws" in run.err


@pytest.mark.parametrize(
    "text,message",
    [
        ('selcet = ["ROUTE004"]\n', "1:1: error CONFIG001 unknown configuration key 'selcet'; did you mean 'select'?"),
        (
            'ignore = ["ROUTE04"]\n',
            "1:12: error CONFIG001 unknown code 'ROUTE04' in 'ignore'; did you mean 'ROUTE004'?",
        ),
        ('fail-on = "warnings"\n', "1:1: error CONFIG001 'fail-on' must be one of error, warning, not 'warnings'"),
        ('timeout = "fast"\n', "1:1: error CONFIG001 'timeout' must be a whole number (milliseconds for timeout)"),
        (
            '[severity]\nROUTE004 = "fatal"\n',
            "2:1: error CONFIG001 severity of ROUTE004 must be one of error, warning, info, not 'fatal'",
        ),
        (
            '[severity]\nROUTE044 = "error"\n',
            "2:1: error CONFIG001 unknown code 'ROUTE044' in 'severity'; did you mean",
        ),
        ("select = [\n", "error CONFIG001 invalid TOML"),
    ],
)
def test_bad_configuration_is_located(project, text, message):
    (project / "peerproof.toml").write_text(text)
    with inside(project):
        run = run_cli("check", *NOW, "net.peer")
    assert run.code == 2
    assert f"peerproof.toml:{message}" in run.err or message in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize(
    "text, message",
    [
        ("tool = 1\n", "pyproject.toml:1:1: error CONFIG001 'tool' must be a table ([tool.peerproof]), not a number"),
        (
            '[project]\nname = "x"\n[tool]\nruff = {}\npeerproof = "all"\n',
            "pyproject.toml:5:1: error CONFIG001 'tool.peerproof' must be a table ([tool.peerproof]), not a string",
        ),
        (
            "tool.peerproof = [1]\n",
            "pyproject.toml:1:1: error CONFIG001 'tool.peerproof' must be a table ([tool.peerproof]), not an array",
        ),
    ],
)
def test_a_tool_table_that_is_not_a_table_is_located(project, text, message):
    # Guards against `tool = 1` in pyproject.toml being an internal error (exit 3).
    (project / "pyproject.toml").write_text(text)
    with inside(project):
        run = run_cli("check", *NOW, "--config", "pyproject.toml", "net.peer")
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith(message + "\n") and "internal error" not in run.err


def test_bad_flags_are_usage_errors(project):
    with inside(project):
        run = run_cli("check", "--select", "ROUTE04X", "net.peer")
        assert run.code == 2 and "unknown code 'ROUTE04X'" in run.err
        run = run_cli("check", "--severity", "ROUTE004=fatal", "net.peer")
        assert run.code == 2 and "expected CODE=error|warning|info" in run.err
        run = run_cli("check", "--config", "nope.toml", "net.peer")
        assert run.code == 2 and "no such configuration file" in run.err
        assert run_cli("check").code == 2  # no path, no configured paths


def test_isolated_ignores_configuration(project):
    (project / "peerproof.toml").write_text('ignore = ["ROUTE"]\n')
    with inside(project):
        assert codes(run_cli("check", "--isolated", "--format", "json", *NOW, "net.peer")) == ["ROUTE004"] * 2


def test_baseline_accepts_old_findings_and_fails_on_new(project):
    with inside(project):
        assert run_cli("check", "--isolated", *NOW, "--write-baseline", "base.json", "net.peer").code == 0
        recorded = json.loads(Path("base.json").read_text())
        assert recorded["version"] == 2 and len(recorded["findings"]) == 2
        # the same findings, moved down two lines: still accepted
        Path("net.peer").write_text("# moved\n\n" + ROUTE004)
        run = run_cli("check", "--isolated", "--format", "json", *NOW, "--baseline", "base.json", "net.peer")
        assert codes(run) == []
        # a new finding is reported
        Path("net.peer").write_text(
            ROUTE004.replace("route 10.0.5.0/24", "route 10.0.6.0/24 drop\n    route 10.0.5.0/24")
        )
        run = run_cli("check", "--isolated", "--format", "json", *NOW, "--baseline", "base.json", "net.peer")
        assert codes(run) == ["ROUTE004"]


def test_stale_baseline_is_reported(project):
    with inside(project):
        run_cli("check", "--isolated", *NOW, "--write-baseline", "base.json", "net.peer")
        Path("net.peer").write_text(
            ROUTE004.replace("    route 10.0.5.0/24 via peering a-b   # expect: ROUTE004\n", "")
        )
        run = run_cli("check", "--isolated", *NOW, "--baseline", "base.json", "net.peer")
    assert "base.json:1:1: warning BASE001 1 baseline entry no longer match" in run.out


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "BASE002 baseline is not valid JSON"),
        ('{"version": 9, "findings": []}', "BASE002 not a peerproof baseline"),
    ],
)
def test_bad_baseline_exits_two(project, content, message):
    (project / "base.json").write_text(content)
    with inside(project):
        run = run_cli("check", "--isolated", *NOW, "--baseline", "base.json", "net.peer")
    assert run.code == 2 and message in run.err
    with inside(project):
        run = run_cli("check", "--isolated", *NOW, "--baseline", "missing.json", "net.peer")
    assert run.code == 2 and "BASE002 cannot read baseline" in run.err


def test_rules_command():
    listing = run_cli("rules")
    assert listing.code == 0
    assert any(line.startswith("ROUTE004    warning  never-selected-route") for line in listing.out.splitlines())
    one = run_cli("rules", "route004")
    assert one.code == 0 and one.out.startswith("ROUTE004 never-selected-route (warning)\n")
    assert "## Use instead" in one.out
    assert json.loads(run_cli("rules", "--format", "json").out)[0]["code"] == "NAME001"
    missing = run_cli("rules", "ROUTE044")
    assert missing.code == 2 and "did you mean 'ROUTE004'" in missing.err

"""What a CI job wires in: several outputs from one run, --quiet, colour by environment, the GitHub step
summary, and baselines that name findings the same way however the paths were spelt."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import FIXTURES, ROOT, run_cli

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
REFUTED = FIXTURES / "rules" / "REACH002.peer"
CLEAN = FIXTURES / "rules" / "REACH002-ok.peer"


@pytest.fixture
def solves(monkeypatch):
    """How many queries the solver is asked, counted (the number, not the time)."""
    from verifier.engine import solve

    calls = []
    original = solve.Solver.check

    def counting(self, query):
        calls.append(query)
        return original(self, query)

    monkeypatch.setattr(solve.Solver, "check", counting)
    return calls


def test_several_outputs_from_one_run(tmp_path):
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    run = run_cli("check", *NOW, "-o", f"sarif={sarif}", "-o", f"junit={junit}", "-o", "text", str(REFUTED))
    assert run.code == 1
    assert run.out == run_cli("check", *NOW, str(REFUTED)).out  # text alone on standard output
    assert sarif.read_text() == run_cli("check", *NOW, "--format", "sarif", str(REFUTED)).out
    assert junit.read_text() == run_cli("check", *NOW, "--format", "junit", str(REFUTED)).out


def test_two_outputs_solve_once(tmp_path, solves):
    run_cli("check", *NOW, str(REFUTED))
    once = len(solves)
    assert once > 0
    solves.clear()
    run_cli("check", *NOW, "-o", f"sarif={tmp_path / 'a.sarif'}", "-o", "text", str(REFUTED))
    assert len(solves) == once


def test_format_still_writes_standard_output_beside_files(tmp_path):
    target = tmp_path / "out.json"
    run = run_cli("check", *NOW, "--format", "github", "-o", f"json={target}", str(REFUTED))
    assert run.out.startswith("::error ") and json.loads(target.read_text())["summary"]["errors"] == 2


def test_only_one_output_goes_to_standard_output():
    run = run_cli("check", *NOW, "--format", "json", "-o", "sarif", str(REFUTED))
    assert run.code == 2 and "json and sarif both go to standard output" in run.err and run.out == ""


@pytest.mark.parametrize(
    "target, message",
    [("yaml=x", "unknown format 'yaml'"), ("sarif=", "no file after '='"), ("sarif={tmp}", "it is a directory")],
)
def test_a_bad_output_is_refused_before_any_work(tmp_path, target, message, solves):
    run = run_cli("check", *NOW, "-o", target.format(tmp=tmp_path), str(REFUTED))
    assert run.code == 2 and message in run.err and not solves


def test_an_unreadable_input_still_writes_every_output(tmp_path):
    bad = tmp_path / "bad.peer"
    bad.write_text("net {\n")
    sarif = tmp_path / "out.sarif"
    run = run_cli("check", *NOW, "-o", f"sarif={sarif}", str(bad))
    assert run.code == 2 and "PARSE001" in run.err and run.out == ""  # nothing for standard output: said on stderr
    assert json.loads(sarif.read_text())["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_quiet_says_the_summary_on_failure_and_nothing_on_success():
    failing = run_cli("check", *NOW, "--quiet", str(REFUTED))
    assert failing.code == 1
    assert failing.out == "1 file checked: 2 error(s), 0 warning(s), 0 note(s); assertions: 1 proved, 2 refuted\n"
    passing = run_cli("check", *NOW, "-q", str(CLEAN))
    assert passing.code == 0 and passing.out == "" and passing.err == ""


def test_quiet_leaves_machine_outputs_whole():
    assert run_cli("check", *NOW, "-q", "--format", "json", str(CLEAN)).out.startswith("{")


class Terminal:
    def __init__(self, tty):
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize(
    "env, tty, choice, expected",
    [
        ({}, False, "auto", False),
        ({}, True, "auto", True),
        ({"FORCE_COLOR": "1"}, False, "auto", True),
        ({"FORCE_COLOR": ""}, False, "auto", False),  # present but empty: not set (force-color.org)
        ({"NO_COLOR": "1"}, True, "auto", False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, "auto", False),  # NO_COLOR wins, as in Python 3.13
        ({"FORCE_COLOR": "1"}, True, "never", False),  # the flag wins over the environment
        ({"NO_COLOR": "1"}, False, "always", True),
    ],
)
def test_colour_follows_the_flag_then_no_color_then_force_color(monkeypatch, env, tty, choice, expected):
    from verifier.commands.check import colour_wanted

    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert colour_wanted(choice, Terminal(tty)) is expected


def test_force_color_colours_a_captured_run(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[1;31merror\033[0m" in run_cli("check", *NOW, str(REFUTED)).out


# --- GitHub ---------------------------------------------------------------------------------------


def test_github_appends_a_summary_to_the_step_summary(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("an earlier step's summary\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = run_cli("check", *NOW, "--format", "github", str(REFUTED))
    assert "title=peerproof REACH002::" in run.out
    text = summary.read_text()
    assert text.startswith("an earlier step's summary\n### peerproof: failed\n")
    assert "| error | REACH002 | fixtures/rules/REACH002\\.peer\\:17\\:1 |" in text.replace(str(ROOT) + "/", "")
    assert "| assert isolate dev \\-&gt; prd | refuted |" in text.replace("-", "\\-")


def test_no_step_summary_for_other_formats_or_without_the_variable(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli("check", *NOW, "--format", "sarif", str(REFUTED))
    assert not summary.exists()
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert run_cli("check", *NOW, "--format", "github", str(REFUTED)).code == 1


def test_a_step_summary_that_cannot_be_written_changes_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory
    run = run_cli("check", *NOW, "--format", "github", str(REFUTED))
    assert run.code == 1 and "cannot write the step summary" in run.err and run.out.startswith("::error")


def test_a_name_cannot_add_markup_to_the_summary():
    from verifier.outputs.escape import markdown_cell

    cell = markdown_cell("x|y <img src=a> [l](https://e.vil) @team #1 `c`\nz")
    assert "|" not in cell.replace("\\|", "") and "<" not in cell and "\n" not in cell
    assert "\\[l\\]\\(https\\://e\\.vil\\)" in cell and "\\@team" in cell and "\\#1" in cell


# --- JUnit ------------------------------------------------------------------------------------------

# The common junit-10 schema (Jenkins' xunit plugin, junit-10.xsd): each element's attributes, those
# required, and the children it may hold. Checked by hand: no XML schema validator is installed.
JUNIT10 = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": (
        {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id"}
        | {"package", "file", "log", "url"},
        {"name", "tests", "failures", "errors"},
        {"testsuite", "properties", "testcase", "system-out", "system-err"},
    ),
    "testcase": (
        {"name", "time", "classname", "group"},
        {"name"},
        {"skipped", "error", "failure", "system-out", "system-err"},
    ),
    "failure": ({"type", "message"}, set(), set()),
    "error": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}


def junit10(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    for element in root.iter():
        allowed, required, children = JUNIT10[element.tag]
        assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
        assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
        assert {child.tag for child in element} <= children, element.tag
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        for kind, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attribute)) == sum(1 for c in cases if c.find(kind) is not None)
    return root


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {c.get("name"): c for c in root.iter("testcase")}


@pytest.mark.parametrize("path", [REFUTED, CLEAN, FIXTURES / "rules" / "NAME002", FIXTURES / "models"])
def test_junit_is_valid_junit_10(path):
    junit10(run_cli("check", *NOW, "--format", "junit", str(path)).out)


def test_an_unreadable_input_is_an_error_and_no_rule_passes(tmp_path):
    # Guards: every rule "passed" on a file that failed to parse.
    bad = tmp_path / "bad.peer"
    bad.write_text("net {\n")
    run = run_cli("check", *NOW, "--format", "junit", str(bad))
    root = junit10(run.out)
    found = cases(root)
    error = found["PARSE001 syntax-error"].find("error")
    assert run.code == 2 and error is not None and "bad.peer:1:" in error.text
    others = [c for name, c in found.items() if not name.startswith("PARSE001")]
    assert others and all(c.find("skipped").get("message") == "not run: the input could not be read" for c in others)
    assert root.get("errors") == "1" and root.get("failures") == "0"


def test_rules_that_did_not_run_are_skipped_with_the_reason():
    run = run_cli("check", *NOW, "--format", "junit", "--ignore", "ROUTE", str(FIXTURES / "rules" / "ADDR001.peer"))
    found = cases(junit10(run.out))
    assert found["REACH002 isolate-refuted"].find("skipped").get("message") == (
        "not run: the model has structural errors (CHECK001)"
    )
    assert found["ROUTE004 never-selected-route"].find("skipped").get("message").startswith("not run: left out by")
    assert found["ADDR001 host-bits-set"].find("failure") is not None
    assert found["NAME001 unknown-name"].find("skipped") is None  # a structural rule ran, and passed


# --- baselines ------------------------------------------------------------------------------------


def baseline_entries(tmp_path, monkeypatch, where, *paths):
    monkeypatch.chdir(where)
    target = tmp_path / "base.json"
    assert run_cli("check", *NOW, "--write-baseline", str(target), *paths).code == 0
    document = json.loads(target.read_text())
    assert document["version"] == 2
    return sorted((e["code"], e["file"], e["fingerprint"]) for e in document["findings"])


def test_baselines_name_files_the_same_however_the_paths_are_spelt(tmp_path, monkeypatch):
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    (project / "net").mkdir()
    shutil.copy(FIXTURES / "rules" / "ROUTE004.peer", project / "net" / "estate.peer")
    spellings = [
        (project, ["."]),
        (project, ["./net/estate.peer"]),
        (project, [str(project / "net" / "estate.peer")]),
        (project / "net", ["estate.peer"]),
        (project / "net", ["."]),
    ]
    found = [baseline_entries(tmp_path, monkeypatch, where, *paths) for where, paths in spellings]
    assert found[0] and all(entries == found[0] for entries in found)
    assert {file for _, file, _ in found[0]} == {"net/estate.peer"}
    # and a baseline written from one spelling accepts the findings found through another
    monkeypatch.chdir(project / "net")
    run = run_cli("check", *NOW, "--baseline", str(tmp_path / "base.json"), str(project))
    assert run.code == 0 and "ROUTE004" not in run.out and "BASE001" not in run.out


def test_imported_findings_are_keyed_by_the_resource_not_the_line(tmp_path, monkeypatch):
    # Guards: on a one-line plan every finding is on line 1, and a change anywhere changes that line.
    from verifier.diagnostics import Diagnostic
    from verifier.language.model import Span
    from verifier.project.baseline import fingerprints

    plan = '{"resource_changes": [{"address": "aws_route_table.app"}]}'
    moved = plan.replace("[{", '[{"change": {}}, {')
    finding = Diagnostic("ROUTE007", "warning", "m", Span("plan.json", 1, 30, 1, 40), resource="aws_route_table.app")
    line_only = Diagnostic("ROUTE007", "warning", "m", Span("plan.json", 1, 30, 1, 40))
    assert fingerprints([finding], {"plan.json": plan}) == fingerprints([finding], {"plan.json": moved})
    assert fingerprints([line_only], {"plan.json": plan}) != fingerprints([line_only], {"plan.json": moved})


def test_a_version_1_baseline_is_still_read(tmp_path, monkeypatch):
    # Written before baselines named files from the repository's root: as the command line named them.
    import hashlib

    model = tmp_path / "net.peer"
    shutil.copy(FIXTURES / "rules" / "ROUTE004.peer", model)
    monkeypatch.chdir(tmp_path)
    lines = model.read_text().splitlines()
    document = json.loads(run_cli("check", *NOW, "--format", "json", "net.peer").out)
    entries = []
    for d in document["diagnostics"]:
        text = " ".join(lines[d["line"] - 1].split("#", 1)[0].split())
        digest = hashlib.sha256(f"{d['code']}\0net.peer\0{text}\0{0}".encode()).hexdigest()[:32]
        entries.append({"code": d["code"], "file": "net.peer", "fingerprint": digest, "message": d["message"]})
    assert entries
    (tmp_path / "old.json").write_text(json.dumps({"version": 1, "findings": entries}))
    run = run_cli("check", *NOW, "--format", "sarif", "--baseline", "old.json", "net.peer")
    states = [r["baselineState"] for r in json.loads(run.out)["runs"][0]["results"]]
    assert states == ["unchanged"] * len(entries)
    assert run_cli("check", *NOW, "--baseline", "old.json", "net.peer").code == 0

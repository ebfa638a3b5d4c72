"""Every output format: SARIF validates, JUnit parses, GitHub annotations escape, all deterministic."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, run_cli

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
NOW = "2026-11-21T12:00:00Z"
MODELS = [
    FIXTURES / "rules" / "REACH001.peer",
    FIXTURES / "rules" / "ROUTE004.peer",
    FIXTURES / "models" / "language-example.peer",
    FIXTURES / "rules" / "NAME002",
]


def check(fmt: str, *paths, extra=()):
    return run_cli("check", "--isolated", "--format", fmt, "--now", NOW, *extra, *map(str, paths))


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_sarif_validates_against_the_official_schema(path):
    run = check("sarif", path)
    document = json.loads(run.out)
    jsonschema.validate(document, SCHEMA)
    assert document["version"] == "2.1.0"


def test_sarif_carries_rules_levels_regions_and_code_flows():
    document = json.loads(check("sarif", FIXTURES / "rules" / "REACH001.peer").out)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "REACH001" in ids and "ROUTE004" in ids and "PARSE001" not in ids  # the tool's failures: notifications
    assert "PARSE001" in [n["id"] for n in run["tool"]["driver"]["notifications"]]
    reach = rules[ids.index("REACH001")]
    assert reach["defaultConfiguration"]["level"] == "error" and "## Why it matters" in reach["help"]["markdown"]
    result = run["results"][0]
    assert result["ruleId"] == "REACH001" and result["level"] == "error"
    assert result["ruleIndex"] == ids.index("REACH001")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (22, 1)
    flows = result["codeFlows"]
    assert [f["message"]["text"] for f in flows] == [
        "the forward path of the counterexample",
        "the reply path of the counterexample",
    ]
    last = flows[1]["threadFlows"][0]["locations"][-1]["location"]
    assert last["physicalLocation"]["region"]["startLine"] == 7
    assert last["message"]["text"] == "no inbound entry of a-acl matches: denied [drop]"


def test_sarif_of_unreadable_input_validates(tmp_path):
    bad = tmp_path / "bad.peer"
    bad.write_text("net {\n")
    run = check("sarif", bad)
    assert run.code == 2
    document = json.loads(run.out)
    jsonschema.validate(document, SCHEMA)
    # the tool could not do its work: a notification of the invocation, not a result about the model
    sarif_run = document["runs"][0]
    assert sarif_run["results"] == []
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (note,) = invocation["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "PARSE001" and note["level"] == "error"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 1  # where the parser stopped


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_byte_identical_across_runs(fmt):
    outputs = {check(fmt, *MODELS[:3]).out for _ in range(2)}
    assert len(outputs) == 1


def test_junit_one_case_per_rule_and_assertion():
    run = check("junit", FIXTURES / "models" / "generic-blackhole.peer")
    root = ET.fromstring(run.out)
    rules, assertions = root.findall("testsuite")
    assert rules.get("name") == "peerproof.rules" and assertions.get("name") == "peerproof.assertions"
    names = [c.get("name") for c in rules.findall("testcase")]
    assert "ROUTE007 no-way-back" in names and "REACH001 reach-refuted" in names and "PARSE001 syntax-error" in names
    route007 = rules.findall("testcase")[names.index("ROUTE007 no-way-back")]
    # warnings do not fail under the default fail-on=error, but are shown
    assert route007.find("failure") is None and "ROUTE007 route 10.200.0.0/16" in route007.find("system-out").text
    cases = assertions.findall("testcase")
    assert len(cases) == 2 and all(c.find("failure") is None for c in cases)
    assert root.get("failures") == "0"


def test_junit_failures_follow_fail_on():
    run = check("junit", FIXTURES / "rules" / "ROUTE004.peer", extra=("--fail-on", "warning"))
    root = ET.fromstring(run.out)
    assert run.code == 1
    failing = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failing == ["ROUTE004 never-selected-route"]


def test_junit_refuted_assertion_fails():
    root = ET.fromstring(check("junit", FIXTURES / "rules" / "REACH001.peer").out)
    cases = root.findall("testsuite")[1].findall("testcase")
    assert [c.find("failure").get("type") for c in cases] == ["refuted"] * 3
    assert "dies on the reply" in cases[0].find("failure").text


def test_github_annotations():
    run = check("github", FIXTURES / "rules" / "ROUTE004.peer", FIXTURES / "rules" / "PEER003.peer")
    lines = run.out.splitlines()
    path = FIXTURES / "rules" / "PEER003.peer"
    assert (
        f"::error file={path},line=2,col=1,endLine=2,endColumn=10,title=peerproof PEER003::peering 'p' joins net 'hub' "
        "to itself" in lines
    )
    warning = next(line for line in lines if "title=peerproof ROUTE004" in line)
    assert warning.startswith("::warning ") and "%0A" not in warning.split("::", 2)[1]
    assert lines[-1] == "peerproof: 1 error(s), 2 warning(s), 0 note(s)"


def test_github_escapes_newlines_in_counterexamples():
    run = check("github", FIXTURES / "rules" / "REACH002.peer")
    first = run.out.splitlines()[0]
    assert first.startswith("::error ") and "%0Acounterexample: vm dev-1 -> vm prd-db" in first


def test_colour_only_when_asked_or_on_a_terminal():
    plain = check("text", FIXTURES / "rules" / "PEER003.peer")
    assert "\033[" not in plain.out  # captured output is no terminal
    coloured = check("text", FIXTURES / "rules" / "PEER003.peer", extra=("--color", "always"))
    assert "\033[1;31merror\033[0m" in coloured.out

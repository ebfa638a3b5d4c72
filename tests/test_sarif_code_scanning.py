"""SARIF as GitHub code scanning reads it: rule properties, help pages, locations from the repository's
root, the invocation, suppressed and baselined findings (docs.github.com, "SARIF support for code
scanning"); every document also validates against the OASIS schema."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, run_cli

SCHEMA = json.loads(Path("/work/shared/schemas/sarif-schema-2.1.0.json").read_text())
NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")


def sarif(*args, validate=True):
    run = run_cli("check", *NOW, "--format", "sarif", *map(str, args))
    document = json.loads(run.out)
    if validate:
        jsonschema.validate(document, SCHEMA)
    return run, document["runs"][0]


def rules_of(run):
    return {r["id"]: r for r in run["tool"]["driver"]["rules"]}


@pytest.fixture(autouse=True)
def at_the_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_security_exposures_carry_the_security_tag_and_a_severity():
    from verifier.catalog import known_codes
    from verifier.outputs.sarif import SECURITY

    assert set(SECURITY) <= known_codes()
    _, run = sarif(FIXTURES / "rules" / "REACH002.peer")
    rules = rules_of(run)
    isolate = rules["REACH002"]["properties"]
    assert "security" in isolate["tags"] and isolate["security-severity"] == "8.0"
    assert "security" in rules["PEER001"]["properties"]["tags"]
    for code, (score, _) in SECURITY.items():
        assert isinstance(rules[code]["properties"]["security-severity"], str) and 0 < float(score) <= 10
    # an availability finding is not a security alert
    assert "security" not in rules["REACH001"]["properties"]["tags"]
    assert "security-severity" not in rules["ROUTE003"]["properties"]


def test_every_rule_is_very_high_precision_with_a_problem_severity():
    _, run = sarif(FIXTURES / "rules" / "REACH002.peer")
    rules = rules_of(run)
    assert {r["properties"]["precision"] for r in rules.values()} == {"very-high"}
    assert rules["REACH002"]["properties"]["problem.severity"] == "error"
    assert rules["ROUTE004"]["properties"]["problem.severity"] == "warning"
    assert rules["CHECK001"]["properties"]["problem.severity"] == "recommendation"


def test_help_uri_points_at_the_rule_page_in_the_repository(monkeypatch):
    from verifier.outputs import sarif as module

    monkeypatch.setattr(module, "repository_url", lambda: "https://github.com/example/peerproof")
    _, run = sarif(FIXTURES / "rules" / "REACH002.peer")
    driver = run["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/example/peerproof"
    for rule in driver["rules"] + driver["notifications"]:
        assert rule["helpUri"] == f"https://github.com/example/peerproof/blob/main/docs/rules/{rule['id']}.md"
        assert (ROOT / "docs" / "rules" / f"{rule['id']}.md").is_file()


def test_without_a_repository_address_no_uri_is_made_up(monkeypatch):
    # Guards: an informationUri naming a package index page that does not exist.
    from verifier.outputs import sarif as module

    monkeypatch.setattr(module, "repository_url", lambda: None)
    _, run = sarif(FIXTURES / "rules" / "REACH002.peer")
    driver = run["tool"]["driver"]
    assert "informationUri" not in driver and not any("helpUri" in r for r in driver["rules"])


def test_the_repository_address_is_read_from_project_urls(tmp_path, monkeypatch):
    from verifier.outputs import sarif as module

    assert module.repository_url.__wrapped__ is not None  # cached: read once per process
    text = '[project]\nname = "peerproof"\n[project.urls]\nRepository = "https://github.com/o/peerproof.git"\n'
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "verifier" / "outputs").mkdir(parents=True)
    monkeypatch.setattr(module, "__file__", str(tmp_path / "verifier" / "outputs" / "sarif.py"))
    assert module.repository_url.__wrapped__() == "https://github.com/o/peerproof"


def test_every_hop_of_a_code_flow_has_a_physical_location():
    # Guards: hops that no line decides (a subnet with no ACL) had a message and no location.
    _, run = sarif(FIXTURES / "rules" / "REACH001.peer")
    hops = [
        location["location"]
        for result in run["results"]
        for flow in result.get("codeFlows", [])
        for thread in flow["threadFlows"]
        for location in thread["locations"]
    ]
    assert hops and all("physicalLocation" in hop for hop in hops)
    implicit = [h for h in hops if h["message"]["text"].startswith("subnet sb has no network ACL")]
    assert implicit and implicit[0]["physicalLocation"]["region"]["startLine"] == 22  # the assertion's line


def uris(run):
    found = []
    for result in run["results"]:
        for location in result["locations"] + result.get("relatedLocations", []):
            found.append(location["physicalLocation"]["artifactLocation"])
    return found


def test_uris_are_relative_to_the_repository_root_whatever_the_working_directory(monkeypatch):
    model = FIXTURES / "rules" / "REACH002.peer"
    _, from_root = sarif("fixtures/rules/REACH002.peer")
    _, absolute = sarif(model)
    monkeypatch.chdir(ROOT / "fixtures" / "rules")
    _, from_below = sarif("./REACH002.peer")
    expected = {"uri": "fixtures/rules/REACH002.peer", "uriBaseId": "%SRCROOT%"}
    for run in (from_root, absolute, from_below):
        assert uris(run) and all(u == expected for u in uris(run))
    assert from_root["results"] == absolute["results"] == from_below["results"]


def test_a_file_outside_the_repository_is_a_file_uri(tmp_path, monkeypatch):
    model = tmp_path / "net.peer"
    shutil.copy(FIXTURES / "rules" / "REACH002.peer", model)
    _, run = sarif(model)
    assert {u["uri"] for u in uris(run)} == {model.resolve().as_uri()}
    assert all("uriBaseId" not in u for u in uris(run))


def test_a_directory_without_git_is_its_own_root(tmp_path, monkeypatch):
    (tmp_path / "net").mkdir()
    shutil.copy(FIXTURES / "rules" / "REACH002.peer", tmp_path / "net" / "a.peer")
    monkeypatch.chdir(tmp_path)
    _, run = sarif("net")
    assert {u["uri"] for u in uris(run)} == {"net/a.peer"}


def test_the_invocation_says_whether_the_run_succeeded(tmp_path):
    _, run = sarif(FIXTURES / "rules" / "REACH002.peer")
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    bad = tmp_path / "bad.peer"
    bad.write_text("net a { cidr 10.0.0.0/33 }\n")
    code, failed = sarif(bad)
    assert code.code == 2 and failed["results"] == []
    (invocation,) = failed["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    notes = failed["tool"]["driver"]["notifications"]
    assert notes[note["descriptor"]["index"]]["id"] == note["descriptor"]["id"] == "PARSE002"


def test_a_bad_configuration_is_a_notification_too(tmp_path, monkeypatch):
    (tmp_path / "peerproof.toml").write_text("colour = 3\n")
    shutil.copy(FIXTURES / "rules" / "REACH002.peer", tmp_path / "a.peer")
    monkeypatch.chdir(tmp_path)
    run = run_cli("check", "--format", "sarif", "a.peer")
    document = json.loads(run.out)
    jsonschema.validate(document, SCHEMA)
    (invocation,) = document["runs"][0]["invocations"]
    assert run.code == 2 and not invocation["executionSuccessful"]
    assert [n["descriptor"]["id"] for n in invocation["toolExecutionNotifications"]] == ["CONFIG001"]


SUPPRESSED = """\
net a {
  cidr 10.0.0.0/16
  route-table a-rt {
    route 10.0.5.0/24 drop   # peerproof: ignore[ROUTE004] kept until the migration ends
    route 10.0.6.0/24 drop
  }
}
"""


def test_suppressed_findings_are_results_with_their_reason(tmp_path, monkeypatch):
    (tmp_path / "a.peer").write_text(SUPPRESSED)
    monkeypatch.chdir(tmp_path)
    run, document = sarif("a.peer")
    results = document["results"]
    shown = [r for r in results if "suppressions" not in r]
    (hidden,) = [r for r in results if "suppressions" in r]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in shown] == [5]
    assert hidden["ruleId"] == "ROUTE004"
    assert hidden["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    (suppression,) = hidden["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["justification"] == "kept until the migration ends"
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == 4
    assert not any("baselineState" in r for r in results)  # no baseline given
    # the other formats still leave it out
    text = run_cli("check", *NOW, "a.peer").out
    assert "a.peer:4:" not in text and "a.peer:5:" in text


BEFORE = """\
net a {
  cidr 10.0.0.0/16
  route-table a-rt {
    route 10.0.5.0/24 drop
    route 10.0.6.0/24 drop
  }
}
"""


def test_baselined_findings_are_unchanged_and_new_ones_new(tmp_path, monkeypatch):
    (tmp_path / "a.peer").write_text(BEFORE)
    monkeypatch.chdir(tmp_path)
    assert run_cli("check", *NOW, "--write-baseline", "base.json", "a.peer").code == 0
    (tmp_path / "a.peer").write_text(BEFORE.replace("5.0/24 drop\n", "5.0/24 drop\n    route 10.0.7.0/24 drop\n"))
    _, run = sarif("--baseline", "base.json", "a.peer")
    states = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: (r["baselineState"], r.get("suppressions"))
        for r in run["results"]
    }
    accepted = [{"kind": "external", "justification": "accepted in the baseline base.json"}]
    assert states == {4: ("unchanged", accepted), 5: ("new", None), 6: ("unchanged", accepted)}


def test_an_assertion_suppressed_still_fails_and_is_no_suppressed_result(tmp_path, monkeypatch):
    # Guards: a refuted assertion shown both as suppressed and as reported.
    text = (FIXTURES / "rules" / "REACH002.peer").read_text()
    text = text.replace(
        "assert isolate dev -> prd   # expect: REACH002",
        "assert isolate dev -> prd   # peerproof: ignore[REACH002] known",
    )
    (tmp_path / "a.peer").write_text(text)
    monkeypatch.chdir(tmp_path)
    run, document = sarif("a.peer")
    assert run.code == 1
    on_line = [r for r in document["results"] if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 17]
    assert len(on_line) == 1 and "suppressions" not in on_line[0]


def test_related_locations_are_linked_from_the_message():
    _, run = sarif(FIXTURES / "rules" / "NAME002")
    linked = [r for r in run["results"] if r.get("relatedLocations")]
    assert linked
    for result in linked:
        for related in result["relatedLocations"]:
            assert f"]({related['id']})" in result["message"]["text"]


def test_a_name_cannot_form_a_link_in_a_related_message():
    from verifier.outputs.sarif import _link_text

    assert _link_text("x](https://evil) [y") == "x\\](https://evil) \\[y"
    assert _link_text("a\\]") == "a\\\\\\]"


def test_imported_findings_name_the_resource_and_the_plan(monkeypatch):
    _, run = sarif(FIXTURES / "imports" / "tf-aws-plan-one-line", validate=True)
    on_plan = [
        r
        for r in run["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("plan.json")
    ]
    assert on_plan
    for result in on_plan:
        (logical,) = result["locations"][0]["logicalLocations"]
        assert logical["kind"] == "resource" and logical["fullyQualifiedName"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_the_same_file_through_a_link_has_the_same_uri(tmp_path, monkeypatch):
    link = tmp_path / "link.peer"
    link.symlink_to(FIXTURES / "rules" / "REACH002.peer")
    _, run = sarif(link)
    assert {u["uri"] for u in uris(run)} == {"fixtures/rules/REACH002.peer"}

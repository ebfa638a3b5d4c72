"""The gate: an assertion that was not proved never passes, whatever the configuration.

--ignore, --select, --severity, inline suppressions and baselines choose which findings a team
sees; none of them may turn a refuted, undecided or never-run assertion into exit 0.
"""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, run_cli

NOW = ("--isolated", "--now", "2026-11-21T00:00:00Z")
REFUTED = FIXTURES / "rules" / "REACH001.peer"
UNDECIDED = FIXTURES / "rules" / "REACH003.peer"

STRUCTURAL = """\
net a {
  cidr 10.0.1.5/16
  subnet s { cidr 10.0.1.0/24 }
  security-group g { inbound tcp 22 from 10.0.0.0/16  outbound all to 0.0.0.0/0 }
  vm v { subnet s  ip 10.0.1.10  groups g }
  vm w { subnet s  ip 10.0.1.11  groups g }
}
assert reach v -> w tcp 22
"""

PROVED = """\
net a {
  cidr 10.0.0.0/16
  subnet s { cidr 10.0.1.0/24 }
  security-group g { inbound tcp 22 from 10.0.0.0/16  outbound all to 0.0.0.0/0 }
  vm v { subnet s  ip 10.0.1.10  groups g }
  vm w { subnet s  ip 10.0.1.11  groups g }
}
assert reach v -> w tcp 22
"""


def check(*args):
    run = run_cli("check", *NOW, "--format", "json", *map(str, args))
    return run, json.loads(run.out)


def errors(document, code):
    return [d for d in document["diagnostics"] if d["code"] == code and d["severity"] == "error"]


@pytest.mark.parametrize(
    "flags",
    [
        ("--ignore", "REACH001"),
        ("--ignore", "REACH"),
        ("--select", "ROUTE"),
        ("--severity", "REACH001=warning"),
        ("--severity", "REACH001=info"),
    ],
    ids=lambda f: " ".join(f),
)
def test_a_refuted_assertion_fails_whatever_the_flags(flags):
    run, document = check(*flags, REFUTED)
    assert run.code == 1
    kept = errors(document, "REACH001")
    assert len(kept) == 3 and all("never passes" in d["message"] for d in kept)
    assert all(a["status"] == "refuted" for a in document["assertions"])


def test_an_undecided_assertion_fails_even_when_ignored():
    run, document = check("--rlimit", "1", "--ignore", "REACH003", UNDECIDED)
    assert run.code == 1
    assert errors(document, "REACH003")
    assert {a["status"] for a in document["assertions"]} == {"unknown"}


def test_assertions_not_run_fail_when_the_structural_error_is_ignored(tmp_path):
    model = tmp_path / "m.peer"
    model.write_text(STRUCTURAL)
    run, document = check("--ignore", "ADDR001", model)
    assert run.code == 1
    assert [a["status"] for a in document["assertions"]] == ["not-run"]
    (note,) = errors(document, "CHECK001")
    assert "never passes" in note["message"]
    # Not ignored, the structural error explains the failure and CHECK001 stays a note.
    run, document = check(model)
    assert run.code == 1 and errors(document, "ADDR001") and not errors(document, "CHECK001")


def test_an_inline_suppression_does_not_pass_a_refuted_assertion(tmp_path):
    model = tmp_path / "m.peer"
    text = REFUTED.read_text().replace(
        "assert reach b-1 -> a-1   # expect: REACH001", "assert reach b-1 -> a-1   # peerproof: ignore[REACH001] known"
    )
    model.write_text(text)
    run, document = check(model)
    assert run.code == 1
    assert any(
        d["line"] == text.splitlines().index("assert reach b-1 -> a-1   # peerproof: ignore[REACH001] known") + 1
        for d in errors(document, "REACH001")
    )


def test_a_baseline_does_not_pass_a_refuted_assertion(tmp_path):
    baseline = tmp_path / "baseline.json"
    written = run_cli("check", *NOW, "--write-baseline", str(baseline), str(REFUTED))
    assert written.code == 0 and baseline.exists()
    run, document = check("--baseline", baseline, REFUTED)
    assert run.code == 1
    assert len(errors(document, "REACH001")) == 3


def test_text_output_says_why_it_fails():
    run = run_cli("check", *NOW, "--ignore", "REACH001", str(REFUTED))
    assert run.code == 1
    assert "error REACH001" in run.out and "never passes" in run.out


def test_proved_assertions_still_pass_with_their_codes_ignored(tmp_path):
    model = tmp_path / "m.peer"
    model.write_text(PROVED)
    run, document = check("--ignore", "REACH", model)
    assert run.code == 0, run.out
    assert [a["status"] for a in document["assertions"]] == ["proved"]


def test_a_baselined_refuted_assertion_is_no_accepted_result_in_sarif(tmp_path):
    # Guards: SARIF marking as accepted (unchanged, suppressed) a refuted assertion that still fails the run.
    baseline = tmp_path / "baseline.json"
    assert run_cli("check", *NOW, "--write-baseline", str(baseline), str(REFUTED)).code == 0
    run = run_cli("check", *NOW, "--format", "sarif", "--baseline", str(baseline), str(REFUTED))
    results = json.loads(run.out)["runs"][0]["results"]
    refuted = [r for r in results if r["ruleId"] == "REACH001"]
    assert run.code == 1 and len(refuted) == 3
    assert all(r["baselineState"] == "new" and "suppressions" not in r for r in refuted)


@pytest.mark.parametrize("flags", [("--quiet",), ("-o", "sarif={tmp}/out.sarif"), ("--quiet", "-o", "junit")])
def test_output_choices_do_not_change_the_verdict(tmp_path, flags):
    run = run_cli("check", *NOW, *(f.format(tmp=tmp_path) for f in flags), str(REFUTED))
    assert run.code == 1 and (run.out or (tmp_path / "out.sarif").exists())

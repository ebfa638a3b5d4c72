"""Hand-written Terraform plans and states and cloud API dumps, per provider, with expected results.

Each folder of fixtures/imports/ holding an `expect.json` is an estate: its inputs
(a plan, a state, raw tfstate files or an API dump) and `assertions.peer`. The
expectations say which findings `check` reports, the verdict of each assertion,
and the answers of `why` queries. `imported.txt` is the golden peer text of
`peerproof import`: what was understood, for review. Every estate also goes
through the round trip: imported, printed, checked again: same findings.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
from conftest import FIXTURES, run_cli

ESTATES = sorted(p.parent for p in (FIXTURES / "imports").glob("*/expect.json"))
NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")


def expectation(estate):
    return json.loads((estate / "expect.json").read_text())


def inputs(estate):
    return [str(estate / name) for name in expectation(estate).get("inputs", [])] or [str(estate)]


def check(*paths, extra=()):
    run = run_cli("check", *NOW, "--format", "json", *extra, *map(str, paths))
    assert run.code in (0, 1), run.err
    return run, json.loads(run.out)


def codes(document, leave_out=()):
    return dict(Counter(d["code"] for d in document["diagnostics"] if d["code"] not in leave_out))


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_findings_and_verdicts(estate):
    expected = expectation(estate)
    run, document = check(*inputs(estate), estate / "assertions.peer")
    assert codes(document) == expected["codes"]
    assert [a["status"] for a in document["assertions"]] == expected["assertions"]
    assert run.code == (1 if any(d["severity"] == "error" for d in document["diagnostics"]) else 0)


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_findings_point_into_the_inputs(estate):
    _, document = check(*inputs(estate), estate / "assertions.peer")
    for finding in document["diagnostics"]:
        assert not finding["file"].endswith(".peer") or finding["file"].endswith("assertions.peer"), finding
        assert finding["line"] >= 1


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_import_golden_and_deterministic(estate):
    runs = [run_cli("import", *inputs(estate)) for _ in range(2)]
    assert runs[0].code == 0, runs[0].err
    assert runs[0].out == runs[1].out
    text = runs[0].out.replace(str(estate) + "/", "").replace(str(estate), ".")
    golden = estate / "imported.txt"
    assert text == golden.read_text(), f"the import of {estate.name} changed; review and update imported.txt"


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_round_trip_same_findings(estate, tmp_path):
    expected = expectation(estate)
    out = tmp_path / "estate.peer"
    assert run_cli("import", *inputs(estate), "-o", str(out)).code == 0
    shutil.copy(estate / "assertions.peer", tmp_path / "assertions.peer")
    _, printed = check(tmp_path)
    assert codes(printed) == codes({"diagnostics": [{"code": c} for c, n in expected["codes"].items()
                                                    for _ in range(n)]}, leave_out=("IMP001", "IMP002"))
    assert [a["status"] for a in printed["assertions"]] == expected["assertions"]


@pytest.mark.parametrize("estate", [e for e in ESTATES if expectation(e).get("why")], ids=lambda p: p.name)
def test_why(estate):
    for query in expectation(estate)["why"]:
        args = ["why", *NOW, query["from"], query["to"], *inputs(estate), "--format", "json"]
        if "port" in query:
            args += ["--port", str(query["port"])]
        run = run_cli(*args)
        answer = json.loads(run.out)
        assert answer["verdict"] == query["verdict"], run.out
        assert [b["code"] for b in answer["blocking"]] == query["blocking"]

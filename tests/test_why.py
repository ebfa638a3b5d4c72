"""`peerproof why`: every blocking code has a fixture; every repair is verified and `--fix` works."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import FIXTURES, run_cli

NOW = ("--now", "2026-11-21T12:00:00Z", "--isolated")
# `NAME.fixed.peer` is the golden model after `why --fix` (tests/test_snapshots.py), not a why fixture.
WHY = sorted(p for p in (FIXTURES / "why").glob("*.peer") if not p.name.endswith(".fixed.peer"))
CODES = {
    "SG_EGRESS_DENIED",
    "NACL_EGRESS_DENIED",
    "NO_ROUTE",
    "ROUTE_DROP",
    "ROUTE_TO_GATEWAY",
    "PEERING_NOT_ACTIVE",
    "PEERING_NOT_ATTACHED",
    "NON_TRANSITIVE",
    "LOCAL_ROUTE_OVERRIDE",
    "NO_DESTINATION",
    "NACL_INGRESS_DENIED",
    "SG_INGRESS_DENIED",
    "NOT_PEERED",
}


def header(path, key):
    match = re.search(rf"^# {key}:(.*)$", path.read_text(), re.M)
    return match.group(1).strip() if match else None


def why(path, *extra):
    run = run_cli("why", *NOW, *header(path, "why").split(), str(path), "--format", "json", *extra)
    assert run.code == 0, run.err
    return json.loads(run.out)


def errors(path) -> set[str]:
    run = run_cli("check", *NOW, "--format", "json", str(path))
    return {
        f"{d['code']} {re.sub(r'[^ ]+:[0-9]+:[0-9]+', '', d['message'])}"
        for d in json.loads(run.out)["diagnostics"]
        if d["severity"] == "error" and not d["code"].startswith("REACH")
    }


def test_every_blocking_code_has_a_fixture():
    covered = {code.strip() for path in WHY for code in (header(path, "blocking") or "").split(",") if code.strip()}
    assert covered == CODES


@pytest.mark.parametrize("path", WHY, ids=lambda p: p.stem)
def test_why_reports_the_blocking_points(path):
    answer = why(path)
    expected = [c.strip() for c in header(path, "blocking").split(",") if c.strip()]
    assert [b["code"] for b in answer["blocking"]] == expected
    assert answer["verdict"] == ("reachable" if not expected else "unreachable")
    assert set(answer) >= {"verdict", "witness", "forward", "reply", "blocking", "repairs"}
    for item in answer["blocking"]:
        assert item["direction"] in ("forward", "reply") and set(item) >= {"code", "file", "line", "message"}
    if not expected:
        assert answer["witness"]["destination_port"] == 443 and answer["forward"][-1]["disposition"] == "deliver"


@pytest.mark.parametrize("path", [p for p in WHY if header(p, "blocking")], ids=lambda p: p.stem)
def test_fix_makes_it_reachable_without_new_errors(tmp_path, path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    before_errors, before_text = errors(copy), copy.read_text()
    run = run_cli("why", *NOW, *header(path, "why").split(), str(copy), "--fix")
    assert run.code == 0, run.err
    if header(path, "fix") and header(path, "fix").startswith("impossible"):
        assert "no fix written" in run.err and copy.read_text() == before_text
        return
    assert "peerproof: wrote" in run.err
    after = why(copy)
    assert after["verdict"] == "reachable", copy.read_text()
    assert errors(copy) <= before_errors
    # layout and comments are kept: every original line survives
    text = copy.read_text()
    assert all(line.strip().split("{")[0] in text for line in before_text.splitlines())
    assert header(copy, "why") == header(path, "why")


def test_one_line_block_is_opened_up(tmp_path):
    copy = tmp_path / "sg.peer"
    shutil.copy(FIXTURES / "why" / "SG_INGRESS_DENIED.peer", copy)
    run_cli("why", *NOW, "a-1", "b-1", "--port", "443", str(copy), "--fix")
    assert (
        "  security-group b-sg {\n    inbound tcp 22 from 10.0.0.0/16\n    inbound tcp 443 from 10.0.1.10/32\n  }\n"
        in copy.read_text()
    )


def test_refuted_reach_assertions_in_the_fixtures_can_be_fixed(tmp_path):
    # Every refuted `assert reach` of the fixtures is an unreachable pair: repair it, re-verify.
    for path in [FIXTURES / "rules" / "REACH001.peer", FIXTURES / "models" / "aws-cross-account-pending.peer"]:
        report = json.loads(run_cli("check", *NOW, "--format", "json", str(path)).out)
        for d in report["diagnostics"]:
            if d["code"] != "REACH001":
                continue
            cx = d["counterexample"]
            copy = tmp_path / f"{path.stem}-{d['line']}.peer"
            shutil.copy(path, copy)
            text = next(a["assertion"] for a in report["assertions"] if a["line"] == d["line"])
            assertion = re.fullmatch(r"assert reach \S+ -> \S+(?: (\w+))?(?: (\d+))?", text)
            extra = (["--proto", assertion.group(1)] if assertion.group(1) else []) + (
                ["--port", assertion.group(2)] if assertion.group(2) else []
            )
            run = run_cli("why", *NOW, cx["source_vm"], cx["destination_vm"], *extra, str(copy), "--fix")
            assert run.code == 0 and "wrote" in run.err, run.out + run.err
            again = run_cli("why", *NOW, cx["source_vm"], cx["destination_vm"], *extra, str(copy), "--format", "json")
            assert json.loads(again.out)["verdict"] == "reachable"


def test_bad_queries_exit_two():
    path = str(FIXTURES / "why" / "reachable.peer")
    run = run_cli("why", *NOW, "a-2", "b-1", path)
    assert run.code == 2 and "unknown vm 'a-2'; did you mean 'a-1'?" in run.err
    run = run_cli("why", *NOW, "sa", "b-1", path)
    assert run.code == 2 and "SRC 'sa' is a subnet; expected a vm" in run.err
    assert run_cli("why", *NOW, "a-1", "b-1", "--proto", "sctpx", path).code == 2
    assert run_cli("why", *NOW, "a-1", "b-1", "--proto", "icmp", "--port", "8", path).code == 2
    run = run_cli("why", *NOW, "a-1", "b-1", str(FIXTURES / "rules" / "NAME001.peer"))
    assert run.code == 2 and "NAME001" in run.err


EXPIRED = """
net a {
  account 111111111111
  cidr 10.0.0.0/16
  subnet sa { cidr 10.0.1.0/24 }
  route-table a-rt { route 10.1.0.0/16 via peering a-b }
  security-group a-sg { outbound all to any  inbound all from any }
  vm a-1 { subnet sa  ip 10.0.1.10  groups a-sg }
}
net b {
  account 222222222222
  cidr 10.1.0.0/16
  subnet sb { cidr 10.1.1.0/24 }
  route-table b-rt { route 10.0.0.0/16 via peering a-b }
  security-group b-sg { outbound all to any  inbound all from any }
  vm b-1 { subnet sb  ip 10.1.1.10  groups b-sg }
}
peering a-b { requester a  accepter b  created 2026-11-01T00:00:00Z }
"""


def test_why_an_expired_request_needs_a_new_one_accepted_by_the_owner(tmp_path):
    # An expired request can no longer be accepted: the repair is a new request, accepted by the
    # accepter's owner, named with its account (not "no edit lifts it").
    model = tmp_path / "expired.peer"
    model.write_text(EXPIRED)
    answer = json.loads(run_cli("why", *NOW, "a-1", "b-1", "--port", "443", str(model), "--format", "json").out)
    assert answer["verdict"] == "unreachable"
    assert {b["code"] for b in answer["blocking"]} == {"PEERING_NOT_ACTIVE"}
    [edit] = answer["repairs"]
    assert edit["text"] == "state active"
    assert "new peering request" in edit["note"] and "net b (account 222222222222)" in edit["note"]


def test_why_through_a_transit_gateway_depends_on_it(tmp_path):
    # Two VPCs joined by a transit gateway: neither reachable nor unreachable, and why says on what.
    model = tmp_path / "tgw.peer"
    model.write_text(
        EXPIRED.replace("route 10.1.0.0/16 via peering a-b", "route 10.1.0.0/16 via gateway tgw-1")
        .replace("route 10.0.0.0/16 via peering a-b", "route 10.0.0.0/16 via gateway tgw-1")
        .replace("  vm a-1", "  gateway tgw-1 { kind transit }\n  vm a-1")
    )
    run = run_cli("why", *NOW, "a-1", "b-1", "--port", "443", str(model), "--format", "json")
    answer = json.loads(run.out)
    assert answer["verdict"] == "unknown" and answer["depends"] == ["gateway tgw-1 (transit)"]
    assert [h["code"] for h in answer["forward"] if h["disposition"] == "unknown"] == ["GATEWAY_MAY_RETURN"]
    text = run_cli("why", *NOW, "a-1", "b-1", "--port", "443", str(model)).out
    assert text.startswith("unknown: vm a-1 reaches b-1 only if gateway tgw-1 (transit) carries it")


def test_every_stop_code_is_documented_and_has_a_model():
    # The codes of blocking points are public (why's JSON, counterexamples' `blocked`): one enum,
    # each named in the README, and each that drops a packet shown by a model in fixtures/why/.
    from verifier.engine.simulate import Stop

    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index('## "Why can\'t A reach C?"') :]
    section = section[: section.index("\n## ")]
    unexplained = {Stop.BLOCKED}  # no hop drops without a finer code; kept so none goes unnamed
    assert {s.value for s in Stop if s not in unexplained and s.value not in section} == set()
    without_model = {Stop.BLOCKED, Stop.NO_COMMON_FAMILY, Stop.GATEWAY_MAY_RETURN, Stop.PEERING_TRANSITIONAL}
    missing = {s.value for s in Stop if s not in without_model and not (FIXTURES / "why" / f"{s.value}.peer").exists()}
    assert missing == set()


def test_fix_keeps_every_assertion_of_the_model(tmp_path):
    # Guards against a repair "verified" on the connection alone: a route to b's whole subnet made
    # a-1 reach b-1, the next `check` failed with REACH002 on the model's own `assert isolate a-1 -> b-2`.
    copy = tmp_path / "net.peer"
    shutil.copy(FIXTURES / "repair" / "isolate-kept.peer", copy)
    assert json.loads(run_cli("check", *NOW, "--format", "json", str(copy)).out)["assertions"][1]["status"] == "proved"
    answer = why(copy)
    assert [e["text"] for e in answer["repairs"]] == ["route 10.1.1.10/32 via peering a-b"]  # not the cheaper /24
    run = run_cli("why", *NOW, "a-1", "b-1", "--port", "443", str(copy), "--fix")
    assert run.code == 0 and "wrote 1 edit(s)" in run.err, run.err
    after = json.loads(run_cli("check", *NOW, "--format", "json", str(copy)).out)
    assert [a["status"] for a in after["assertions"]] == ["proved", "proved"]
    assert not [d for d in after["diagnostics"] if d["code"].startswith("REACH")]


@pytest.mark.parametrize(
    "name, note",
    [
        # every rule that lets a-1 reach b-1 is in the group b-2 shares: the search tries them all
        ("isolate-shared-group", "the cheapest found breaks assert isolate a-1 -> b-2 tcp 443 ({path}), and no other"),
        # the model asserts the very isolation the question asks to lift: said before any search
        ("isolate-contradicted", "assert isolate a-1 -> b-1 tcp 443 ({path}) forbids this very connection"),
    ],
)
def test_fix_refuses_a_repair_that_breaks_an_assertion(tmp_path, name, note):
    copy = tmp_path / "net.peer"
    shutil.copy(FIXTURES / "repair" / f"{name}.peer", copy)
    before = copy.read_text()
    answer = why(copy)
    assert answer["verdict"] == "unreachable" and answer["repairs"] == []
    assert answer["repair_note"].startswith("no repair keeps the model's assertions: ")
    assert note.format(path=copy) in answer["repair_note"]
    run = run_cli("why", *NOW, "a-1", "b-1", "--port", "443", str(copy), "--fix")
    assert run.code == 0 and "no fix written: no repair keeps the model's assertions" in run.err
    assert copy.read_text() == before

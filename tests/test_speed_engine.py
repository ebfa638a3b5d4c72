"""The engine's shortcuts for speed (issue 15) change no verdict and no witness: one incremental solver
per assertion, a witness taken from it only where the question pins it down, and an assertion said
twice decided once."""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone

import pytest
from conftest import FIXTURES, run_cli

from verifier.catalog import run_rules
from verifier.engine import solve
from verifier.engine.verify import Engine, assertion_meaning
from verifier.language.build import build
from verifier.language.model import EPHEMERAL_PORTS
from verifier.language.parse import SourceFile, read_sources

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
SEMANTICS = sorted((FIXTURES / "semantics").rglob("*.peer"))
MODELS = sorted((FIXTURES / "models").glob("*.peer"))


def _verdicts(path):
    model, findings = build(read_sources([str(path)]))
    report = run_rules(model, NOW, findings)
    return [(v.text, v.status, v.span) for v in report.verdicts], report.diagnostics


@pytest.mark.parametrize("path", SEMANTICS + MODELS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_incremental_solving_gives_the_verdicts_and_witnesses_of_one_solver_a_question(path, monkeypatch):
    # Guards against the session's solver deciding otherwise than a fresh solver for each question
    # (a proof that rests on what an earlier question left behind), or showing another witness.
    fast = _verdicts(path)
    monkeypatch.setattr(solve.Solver, "session", lambda self: contextlib.nullcontext())
    alone = _verdicts(path)
    assert fast == alone


def _engine(text: str) -> tuple[Engine, list]:
    model, _ = build([SourceFile("m.peer", text)])
    return Engine(model, NOW), list(model.assertions)


NETS = """
net a { cidr 10.0.0.0/16
  subnet s { cidr 10.0.1.0/24 route-table rt }
  route-table rt { route 10.1.0.0/16 via peering p }
  security-group g { outbound tcp 443 to 10.1.0.0/16  outbound tcp 8000-8100 to 10.1.0.0/16  inbound tcp 22 from any }
  vm x { subnet s ip 10.0.1.10 groups g }
  vm x2 { subnet s ip 10.0.1.11 groups g }
}
net b { cidr 10.1.0.0/16
  subnet s2 { cidr 10.1.1.0/24 route-table rt2 }
  route-table rt2 { route 10.0.0.0/16 via peering p }
  security-group h { inbound tcp 443 from 10.0.0.0/16  inbound tcp 8000-8100 from 10.0.0.0/16 }
  vm y { subnet s2 ip 10.1.1.10 groups h }
}
peering p { requester a accepter b }
"""


def test_an_assertion_said_twice_is_decided_once():
    text = NETS + "assert reach x -> y tcp 443\nassert isolate a -> b tcp 22\nassert reach x -> y tcp 443\n"
    engine, assertions = _engine(text)
    first = engine.assertion_result(assertions[0])
    asked = engine.solver.queries
    assert engine.assertion_result(assertions[2]) is first
    assert engine.solver.queries == asked  # nothing asked again
    assert assertion_meaning(assertions[0]) == assertion_meaning(assertions[2])
    assert assertion_meaning(assertions[0]) != assertion_meaning(assertions[1])


@pytest.mark.parametrize(
    "one, other",
    [
        ("assert reach x -> y tcp 443", "assert reach x -> y tcp 444"),
        ("assert reach x -> y tcp 443", "assert reach x -> y udp 443"),
        ("assert reach x -> y tcp 443", "assert reach x2 -> y tcp 443"),
        ("assert reach x -> y tcp 443", "assert isolate x -> y tcp 443"),
        ("assert reach x -> 10.1.1.10 tcp 443", "assert reach x -> 10.1.1.11 tcp 443"),
        ("assert reach x -> y icmp 8", "assert reach x -> y icmp 8/0"),
    ],
)
def test_assertions_that_differ_are_not_merged(one, other):
    # Guards against a key that leaves out part of what an assertion says (one verdict for both).
    _, assertions = _engine(NETS + one + "\n" + other + "\n")
    assert assertion_meaning(assertions[0]) != assertion_meaning(assertions[1])


def test_a_witness_left_open_is_asked_alone(monkeypatch):
    # With no port asked, the destination port is the solver's choice: the session's model is not
    # shown; the witness comes from a context of its own (the same wherever it is asked).
    engine, assertions = _engine(NETS + "assert reach x -> y tcp\n")
    alone = []
    original = solve.Solver._natural_alone
    monkeypatch.setattr(solve.Solver, "_natural_alone", lambda s, q, a: alone.append(q) or original(s, q, a))
    result = engine.assertion_result(assertions[0])
    assert result.status == "proved" and alone
    assert result.witness is not None and result.witness.packet is not None
    again, _ = _engine(NETS + "assert reach x2 -> y tcp 443\nassert reach x -> y tcp\n")
    again.assertion_result(again.model.assertions[0])
    assert again.assertion_result(again.model.assertions[1]).witness == result.witness  # whatever was asked before


def test_a_pinned_witness_is_the_one_asked_alone():
    engine, assertions = _engine(NETS + "assert reach x -> y tcp 443\n")
    with engine.solver.session():
        queries = engine.queries[4].reach(
            engine.topo.endpoint_vms(assertions[0].source)[0],
            engine.topo.endpoint_vms(assertions[0].destination)[0],
            0x0A00010A,
            0x0A01010A,
            6,
            assertions[0].ports,
        )
        in_session = engine.solver.check(queries.success())
    alone = engine.solver.check(queries.success())
    assert in_session == alone
    pinned = {"src": 0x0A00010A, "dst": 0x0A01010A, "proto": 6, "sport": EPHEMERAL_PORTS[0], "dport": 443}
    assert in_session.values == pinned


def test_jobs_give_identical_output_with_repeated_assertions(tmp_path):
    estate = tmp_path / "estate"
    assert run_cli("gen", "--nets", "12", "--assertions", "6", "-o", str(estate)).code == 0
    outputs = {
        jobs: run_cli("check", "--isolated", "--now", "2026-11-21T12:00:00Z", "--jobs", jobs, str(estate)).out
        for jobs in ("1", "2")
    }
    assert outputs["1"] == outputs["2"]
    assert " proved" in outputs["1"]  # the assertions were decided

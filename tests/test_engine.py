"""The engine's contract: counterexamples replayed, unknown never a pass, disagreements loud."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import FIXTURES, examples, fixture_models, run_cli
from estates import estates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.catalog import run_rules
from verifier.engine import simulate
from verifier.engine.limits import Limits
from verifier.language.build import build
from verifier.language.parse import SourceFile, read_sources

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def report_for(path, **options):
    model, findings = build(read_sources([str(path)]))
    return run_rules(model, NOW, findings, options)


def test_reach_counterexample_in_json():
    run = run_cli("check", "--format", "json", str(FIXTURES / "rules" / "REACH001.peer"))
    first = json.loads(run.out)["diagnostics"][0]
    cx = first["counterexample"]
    assert first["code"] == "REACH001"
    assert cx["source_vm"] == "a-1" and cx["destination_vm"] == "b-1"
    assert cx["direction"] == "reply" and cx["blocked"] == "NACL_INGRESS_DENIED"
    assert cx["packet"]["destination_port"] == 443 and 1024 <= cx["packet"]["source_port"] <= 65535
    assert cx["forward"][-1]["disposition"] == "deliver"
    assert cx["reply"][-1] == {
        "step": "network-acl",
        "description": "no inbound entry of a-acl matches: denied",
        "disposition": "drop",
        "code": "NACL_INGRESS_DENIED",
        "file": str(FIXTURES / "rules" / "REACH001.peer"),
        "line": 7,
    }


def test_isolate_counterexample_is_a_delivered_packet():
    run = run_cli("check", "--format", "json", str(FIXTURES / "rules" / "REACH002.peer"))
    document = json.loads(run.out)
    cx = document["diagnostics"][0]["counterexample"]
    assert cx["hops"][-1]["description"] == "delivered to vm prd-db"
    assert cx["packet"]["destination"] == "10.13.1.10"
    assert [a["status"] for a in document["assertions"]] == ["refuted", "refuted", "proved"]


def test_unknown_is_never_a_pass():
    # Regression: a solver that gives up must give REACH003 (an error), not a proof.
    report = report_for(FIXTURES / "models" / "aws-two-vpcs.peer", limits=Limits(rlimit=1))
    assert {v.status for v in report.verdicts} == {"unknown"}
    assert {d.code for d in report.diagnostics if d.severity == "error"} == {"REACH003"}


def test_disagreement_is_an_internal_error(monkeypatch):
    # A simulator that contradicts the solver must surface as INTERNAL001 and exit 3, never a verdict.
    real_forward = simulate.Simulator.forward

    def lying_forward(self, source, packet, target=None):
        trace = real_forward(self, source, packet, target)
        trace.delivered_to = None
        return trace

    monkeypatch.setattr(simulate.Simulator, "forward", lying_forward)
    run = run_cli("check", str(FIXTURES / "rules" / "REACH002.peer"))
    assert run.code == 3
    assert "error INTERNAL001 internal error in REACH002: the solver and the simulator disagree" in run.out


def test_same_answer_every_run():
    # Fixed seeds: counterexamples, and so the output bytes, do not change between runs.
    for path in fixture_models("models") + [FIXTURES / "rules" / "REACH001.peer"]:
        outputs = {
            run_cli("check", "--format", "json", "--now", "2026-11-21T12:00:00Z", str(path)).out for _ in range(2)
        }
        assert len(outputs) == 1, path


@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_every_rule_replays_on_generated_estates(text):
    # Every witness of every rule is replayed on the simulator; none may disagree or stay undecided.
    model, findings = build([SourceFile("generated.peer", text)])
    report = run_rules(model, NOW, findings)
    codes = {d.code for d in report.diagnostics}
    assert "INTERNAL001" not in codes, [d.message for d in report.diagnostics if d.code == "INTERNAL001"]
    assert "CHECK002" not in codes


@pytest.mark.slow
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_route_atoms_agree_with_the_solver(text):
    # Route questions are decided over address atoms; the solver's encoding must give the same answers.
    from verifier.engine.verify import Engine

    model, findings = build([SourceFile("generated.peer", text)])
    if any(d.code == "CHECK001" for d in run_rules(model, NOW, findings).diagnostics):
        return
    exact, solver = Engine(model, NOW), Engine(model, NOW, exact_routes=False)
    for net, table, index, route in model.routes():
        a, b = exact.route_facts(net, table, index), solver.route_facts(net, table, index)
        assert a.never_selected == b.never_selected, (route, text)
        assert (a.local_override is None) == (b.local_override is None), (route, text)
        assert (a.outside_peer is None) == (b.outside_peer is None), (route, text)
        if route.target == "peering":
            found_a, _ = exact.missing_way_back(net, table, route)
            found_b, _ = solver.missing_way_back(net, table, route)
            assert (found_a is None) == (found_b is None), (route, text)


@pytest.mark.slow
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_acl_boxes_agree_with_the_solver(text):
    # ACL shadowing is decided over boxes; the solver's encoding must give the same answers.
    from verifier.engine.verify import Engine

    model, _ = build([SourceFile("generated.peer", text)])
    exact, solver = Engine(model, NOW), Engine(model, NOW, exact_routes=False)
    for net in model.nets:
        for acl in net.network_acls:
            for entry in acl.rules:
                a, _ = exact.shadowed_acl_entry(acl, entry)
                b, _ = solver.shadowed_acl_entry(acl, entry)
                assert (a is None) == (b is None), (entry, text)
                if a is not None:
                    assert [e.number for e in a] == [e.number for e in b], (entry, text)


def test_output_identical_across_jobs(tmp_path):
    # Regression: parallel proofs must merge in source order, whatever finishes first.
    from verifier.commands.gen import generate

    files, _ = generate(12, seed=3, assertions_per_net=4)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    outputs = {
        run_cli(
            "check", "--isolated", "--format", "json", "--now", "2026-11-21T12:00:00Z", "--jobs", jobs, str(tmp_path)
        ).out
        for jobs in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["assertions"]


STALE_PORT = """
net a {
  cidr 10.0.0.0/16
  subnet s { cidr 10.0.1.0/24 }
  security-group g { inbound tcp 1-65535 from any  outbound all to any }
  vm a-1 { subnet s  ip 10.0.1.10  groups g }
  vm a-2 { subnet s  ip 10.0.1.11  groups g }
}
"""


@pytest.mark.parametrize("order", [("tcp", "udp", "icmp"), ("udp", "icmp", "tcp"), ("icmp", "tcp", "udp")])
def test_a_verdict_does_not_depend_on_the_assertions_before_it(tmp_path, order):
    # Regression: the last proved (protocol, port) was tried first for the next assertion, and a query
    # unsatisfiable by construction (another protocol) was read as a proof: tcp then udp, both "proved".
    model = tmp_path / "m.peer"
    model.write_text(STALE_PORT + "".join(f"assert reach a-1 -> a-2 {p}\n" for p in order))
    outputs = {}
    for jobs in ("1", "2"):
        run = run_cli("check", "--isolated", "--format", "json", "--jobs", jobs, str(model))
        outputs[jobs] = run.out
        statuses = {a["assertion"].split()[-1]: a["status"] for a in json.loads(run.out)["assertions"]}
        assert statuses == {"tcp": "proved", "udp": "refuted", "icmp": "refuted"}
    assert outputs["1"] == outputs["2"]


def test_middlebox_route_is_not_a_local_override_for_the_solver():
    # Regression: the solver's "local routes override" question ignored an aws middlebox route, which
    # takes its subnet block before the local route; its witness was not reproduced by the simulator.
    from verifier.engine.verify import Engine

    text = """provider aws
net n0 { cidr 10.0.0.0/16  subnet s0 { cidr 10.0.0.0/24 } }
net n1 { cidr 10.1.0.0/16  subnet s1 { cidr 10.1.0.0/24 } }
net n2 {
  cidr 10.2.0.0/16
  subnet s2 { cidr 10.2.0.0/24 }
  gateway gw2 { kind nat }
  route-table t2 { route 0.0.0.0/0 via peering p0  route 10.2.0.0/24 via gateway gw2 }
}
peering p0 { requester n0  accepter n1 }
"""
    model, _ = build([SourceFile("m.peer", text)])
    exact, solver = Engine(model, NOW), Engine(model, NOW, exact_routes=False)
    for net, table, index, route in model.routes():
        a, b = exact.route_facts(net, table, index), solver.route_facts(net, table, index)
        assert (a.never_selected, a.local_override is None) == (b.never_selected, b.local_override is None)


# Security group rules over a few overlapping blocks, ports and protocols, so that one often shadows
# another: written as peer text so that each is a rule the language reads.
_GROUP_RULE = st.builds(
    lambda action, priority, proto, peer: f"inbound {action} priority {priority} {proto} from {peer}",
    st.sampled_from(["allow", "deny"]),
    st.integers(1, 3),
    st.sampled_from(["tcp", "tcp 22", "tcp 20-30", "udp", "udp 53", "icmp", "icmp 8", "icmp 3/4", "all", "47"]),
    st.sampled_from(["any", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "2001:db8::/32", "::/0"]),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_GROUP_RULE, min_size=2, max_size=5))
def test_group_rule_boxes_agree_with_the_solver(rules):
    # SG002 is decided over boxes where every peer is a block or any address; the solver's encoding
    # (the group-peer path) must give the same answers, naming the same shadowing rules.
    from verifier.engine.verify import Engine

    text = "provider alibaba\nnet n { cidr 10.0.0.0/8\n security-group g {\n" + "\n".join(rules) + "\n } }\n"
    model, _ = build([SourceFile("generated.peer", text)])
    group = model.nets[0].security_groups[0]
    exact, solver = Engine(model, NOW), Engine(model, NOW, exact_routes=False)
    for rule in group.rules:
        a, _ = exact.shadowed_group_rule(group, rule)
        b, _ = solver.shadowed_group_rule(group, rule)
        assert (a is None) == (b is None), (rule, text)
        if a is not None and b is not None:
            assert [q.span for q in a] == [q.span for q in b], (rule, text)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_GROUP_RULE, min_size=1, max_size=5), st.sampled_from(["aws", "alibaba"]))
def test_a_group_sg002_skips_has_no_rule_to_report(rules, provider):
    # SG002 does not weigh a group where no rule may take precedence over another (every rule allows,
    # at one priority: an AWS or Outscale group): the engine finds no shadowed rule and no open question
    # there, so skipping it changes nothing.
    import importlib

    from verifier.engine.verify import Engine
    from verifier.resources import rules_package

    rules_package()  # the catalog, as `verifier.rules`, wherever it lies
    sg002 = importlib.import_module("verifier.rules.sg002_shadowed_group_rule")

    text = f"provider {provider}\nnet n {{ cidr 10.0.0.0/8\n security-group g {{\n" + "\n".join(rules) + "\n } }\n"
    model, _ = build([SourceFile("generated.peer", text)])
    group = model.nets[0].security_groups[0]
    if sg002._may_take_precedence(group.rules):
        return
    for exact in (True, False):
        engine = Engine(model, NOW, exact_routes=exact)
        assert all(engine.shadowed_group_rule(group, rule) == (None, []) for rule in group.rules), text

"""The indexes that keep rules near-linear give the findings the all-pairs versions gave (issue 14,
item 8; issue 15, PEER007). Times are measured in benchmarks/ (the hostile group), not here."""

from __future__ import annotations

import difflib
import importlib
import random
from dataclasses import replace
from datetime import datetime, timezone
from types import ModuleType

import pytest
from conftest import run_cli

from verifier.catalog import Context, Suggestions, did_you_mean, rule_by_code
from verifier.engine.verify import Engine
from verifier.language.build import build
from verifier.language.model import ANY_PROTOCOL, Block, GroupRule, Model, Peering, Ports, Protocol, Span
from verifier.language.parse import SourceFile
from verifier.resources import rules_package

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
HERE = Span("<test>", 1, 1, 1, 2)


def _rules(name: str) -> ModuleType:
    """A module of the rule catalog (`rules/`, imported as `verifier.rules`)."""
    rules_package()
    return importlib.import_module(f"verifier.rules.{name}")


def _overlap() -> ModuleType:
    return _rules("_overlap")


def _model(text: str) -> Model:
    model, findings = build([SourceFile("m.peer", text)])
    assert not [f for f in findings if f.severity == "error"], findings
    return model


# --- the overlap index ------------------------------------------------------------------------------
def _random_block(rng: random.Random) -> Block | None:
    if rng.random() < 0.15:
        return None  # `any` or `group G`
    version = 6 if rng.random() < 0.1 else 4
    width = 32 if version == 4 else 128
    prefixlen = rng.choice([0, 8, 16, 20, 24, 28, 30, 32] if version == 4 else [0, 32, 48, 64, 128])
    value = rng.getrandbits(4) << (width - 4) | rng.getrandbits(width - 4) if prefixlen else 0
    value &= ~((1 << (width - prefixlen)) - 1) & ((1 << width) - 1)
    return Block(version, value, prefixlen, HERE)  # type: ignore[arg-type]


def _random_ports(rng: random.Random) -> Ports | None:
    if rng.random() < 0.3:
        return None
    low = rng.choice([22, 80, 443, 1000, 1024, rng.randrange(65536)])
    return Ports(low, min(65535, low + rng.choice([0, 0, 1, 10, 300, 70000])), HERE)


def _meets(a: tuple, b: tuple) -> bool:
    """Whether two (block, protocol, ports) share a packet, pair by pair: the index's oracle."""
    (block_a, proto_a, ports_a), (block_b, proto_b, ports_b) = a, b
    if block_a is not None and block_b is not None and not block_a.overlaps(block_b):
        return False
    if proto_a is not None and proto_b is not None and proto_a != proto_b:
        return False
    low_a, high_a = (ports_a.low, ports_a.high) if ports_a else (0, 65535)
    low_b, high_b = (ports_b.low, ports_b.high) if ports_b else (0, 65535)
    return low_a <= high_b and low_b <= high_a


@pytest.mark.parametrize("seed", range(8))
def test_the_overlap_index_finds_every_pair_that_shares_a_packet(seed):
    # Guards against the index losing a neighbour: SG002 / ACL001 would then miss a shadowing rule.
    overlap = _overlap()
    rng = random.Random(seed)
    items = [
        (_random_block(rng), rng.choice([None, 6, 17, 1]), _random_ports(rng)) for _ in range(rng.randrange(1, 150))
    ]
    boxes = [overlap.box(b, Protocol(ANY_PROTOCOL if p is None else p, HERE), ports, None) for b, p, ports in items]
    index = overlap.OverlapIndex(boxes)
    for i, item in enumerate(items):
        expected = [j for j, other in enumerate(items) if j != i and _meets(item, other)]
        assert index.meeting(i) == expected


# --- SG002 and ACL001 against the whole group -----------------------------------------------------
def _group_text(rng: random.Random, count: int) -> str:
    lines = ["provider alibaba", "net n {", "  cidr 10.0.0.0/8", "  subnet s { cidr 10.0.1.0/24 }"]
    lines.append("  security-group g {")
    for _ in range(count):
        direction = rng.choice(["inbound", "inbound", "outbound"])
        word = "from" if direction == "inbound" else "to"
        peer = rng.choice(["any", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "10.2.0.0/16", "group g"])
        proto = rng.choice(["tcp 22", "tcp 80-90", "tcp 85", "udp 53", "tcp", "all", "icmp"])
        lines.append(
            f"    {direction} {rng.choice(['allow', 'deny'])} priority {rng.randrange(1, 4)} {proto} {word} {peer}"
        )
    lines += ["  }", "  vm v { subnet s  ip 10.0.1.10  groups g }", "}", ""]
    return "\n".join(lines)


def _acl_text(rng: random.Random, count: int) -> str:
    lines = ["net n {", "  cidr 10.0.0.0/8", "  subnet s { cidr 10.0.1.0/24  network-acl a }", "  network-acl a {"]
    for number in rng.sample(range(1, 200), count):
        direction = rng.choice(["inbound", "inbound", "outbound"])
        word = "from" if direction == "inbound" else "to"
        block = rng.choice(["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "::/0"])
        proto = rng.choice(["tcp 22", "tcp 80-90", "tcp 85", "udp 53", "tcp", "all", "icmp"])
        lines.append(f"    {direction} {number} {rng.choice(['allow', 'deny'])} {proto} {word} {block}")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(6))
def test_sg002_asks_about_the_neighbours_and_finds_what_the_whole_group_gives(seed):
    # Guards: weighing a rule against its neighbours only must not change a finding (it made
    # 100,000 rules in one group take minutes instead of hours).
    rng = random.Random(seed)
    model = _model(_group_text(rng, 14))
    group = model.nets[0].security_groups[0]
    engine = Engine(model, NOW)
    neighbourhoods = _overlap().neighbourhoods(group.rules, _rules("sg002_shadowed_group_rule")._box)
    asked = 0
    for rule, near in neighbourhoods:
        whole = engine.shadowed_group_rule(group, rule)
        assert engine.shadowed_group_rule(replace(group, rules=(rule, *near)), rule) == whole
        asked += whole[0] is not None
    assert asked  # the seeds make shadowed rules


@pytest.mark.parametrize("seed", range(6))
def test_acl001_asks_about_the_neighbours_and_finds_what_the_whole_acl_gives(seed):
    # Guards: the same for network ACL entries (4,000 entries took two minutes).
    rng = random.Random(seed)
    model = _model(_acl_text(rng, 16))
    acl = model.nets[0].network_acls[0]
    neighbourhoods = list(_overlap().neighbourhoods(acl.rules, _rules("acl001_shadowed_entry")._box))
    shadowed = 0
    for exact in (True, False):  # over boxes, and by the solver
        engine = Engine(model, NOW, exact_routes=exact)
        for entry, near in neighbourhoods:
            whole = engine.shadowed_acl_entry(acl, entry)
            assert engine.shadowed_acl_entry(replace(acl, rules=(entry, *near)), entry) == whole
            shadowed += whole[0] is not None
    assert shadowed


def test_neighbourhoods_keep_each_rule_in_order_and_its_direction():
    overlap = _overlap()
    model = _model(_group_text(random.Random(3), 20))
    rules = model.nets[0].security_groups[0].rules
    seen = list(overlap.neighbourhoods(rules, lambda r: overlap.box(None, r.protocol, r.ports, r.icmp)))
    assert [r for r, _ in seen] == list(rules)
    for rule, near in seen:
        assert rule not in near and all(isinstance(q, GroupRule) and q.direction == rule.direction for q in near)
        assert [rules.index(q) for q in near] == sorted(rules.index(q) for q in near)


# --- PEER007 ----------------------------------------------------------------------------------------
def _peerings_text(provider: str, rng: random.Random) -> str:
    regions = ["r1", "r2"]
    lines = [f"provider {provider}"]
    for i in range(30):
        lines.append(f"net n{i} {{ account {1 + i % 2}  region {regions[i % 2]}  cidr 10.{i}.0.0/16 }}")
    for i in range(260):
        a, b = (0, rng.randrange(1, 30)) if i % 2 else (rng.randrange(30), rng.randrange(30))
        state = rng.choice(
            ["", "state active", "state active", "state active", "state pending-acceptance", "state deleted"]
        )
        lines.append(f"peering p{i} {{ requester n{a}  accepter n{b}  {state} }}")
    return "\n".join(lines) + "\n"


def _quota_by_all_pairs(model: Model) -> list[str]:
    """PEER007's messages as it once made them: every peering weighed for every net."""
    messages = []
    peerings = sorted(model.peerings, key=lambda p: p.span)

    def joined(p: Peering) -> set[str]:
        return {n.name for n in model.peering_nets(p) if n is not None}

    for net in model.nets:
        if model.provider == "aws":
            active = [p for p in peerings if net.name in joined(p) and model.peering_state(p, NOW) == "active"]
            if len(active) > 50:
                messages.append(f"{net.span.line}: net '{net.name}' has {len(active)} active peerings")
            continue
        mine = [p for p in peerings if net.name in joined(p) and len(joined(p)) == 2]
        for kind, limit in (("same-region", 10), ("cross-region", 20)):
            found = [
                p
                for p in mine
                if (model.net(next(n for n in joined(p) if n != net.name)).region == net.region)
                == (kind == "same-region")
            ]
            if len(found) > limit:
                messages.append(f"{found[limit].span.line}: net '{net.name}' has {len(found)} {kind} peerings")
    return messages


@pytest.mark.parametrize("provider", ["aws", "alibaba"])
@pytest.mark.parametrize("seed", range(3))
def test_peer007_counts_each_peering_once_and_reports_as_before(provider, seed):
    # Guards against the quota rule going back to weighing every peering for every net (115 s at
    # 5,000 nets) or counting differently from when it did.
    model = _model(_peerings_text(provider, random.Random(seed)))
    found = list(rule_by_code()["PEER007"].check(Context(model, NOW)))  # type: ignore[misc]
    per_net = [f"{f.span.line}: {f.message.split(';')[0]}" for f in found if f.message.startswith("net ")]
    expected = _quota_by_all_pairs(model)
    assert per_net == expected and expected


# --- did you mean -----------------------------------------------------------------------------------
def test_suggestions_among_few_names_are_difflibs():
    # Guards: bounding the candidates changes nothing where there are few (messages stay as they were).
    rng = random.Random(7)
    names = ["".join(rng.choice("abcde-") for _ in range(rng.randrange(1, 12))) for _ in range(Suggestions.NEAREST)]
    for _ in range(400):
        word = "".join(rng.choice("abcdef-") for _ in range(rng.randrange(0, 14)))
        close = difflib.get_close_matches(word, sorted(set(names)), n=1, cutoff=0.6)
        assert did_you_mean(word, names) == (f"; did you mean '{close[0]}'?" if close else "")


def test_a_typo_among_many_names_is_still_found():
    names = [f"subnet-{i:05d}-web" for i in range(20_000)]
    suggest = Suggestions(names)
    assert suggest("subnet-12345-wbe") == "; did you mean 'subnet-12345-web'?"
    assert suggest("sbnet-00042-web") == "; did you mean 'subnet-00042-web'?"
    assert suggest("xubnet-19999-web") == "; did you mean 'subnet-19999-web'?"


def test_a_word_over_200_characters_gets_no_suggestion():
    name = "ab" * 100_000
    assert did_you_mean(name[:-1] + "x", [name]) == ""
    assert did_you_mean("a" * 201, ["a" * 200]) == ""
    assert did_you_mean("a" * 200, ["a" * 199]) != ""


def test_name001_shows_a_huge_name_cut_with_its_length(tmp_path):
    # Guards against an error message echoing a 200,000-character name whole.
    name = "s" + "ab" * 100_000
    path = tmp_path / "m.peer"
    path.write_text(
        f"net n {{ cidr 10.0.0.0/16  subnet {name} {{ cidr 10.0.1.0/24 }}\n  vm v {{ subnet x{name} }} }}\n"
    )
    run = run_cli("check", "--isolated", "--select", "NAME001", str(path))
    assert run.code == 1
    line = next(line for line in run.out.splitlines() if "NAME001" in line)
    assert "unknown subnet 'xsababab" in line and "... (200,002 characters) in a vm's 'subnet'" in line
    assert len(line) < 300


def test_name001_keeps_short_names_as_written(tmp_path):
    path = tmp_path / "m.peer"
    path.write_text("net n { cidr 10.0.0.0/16  subnet web { cidr 10.0.1.0/24 }\n  vm v { subnet wbe } }\n")
    run = run_cli("check", "--isolated", "--select", "NAME001", str(path))
    assert "error NAME001 unknown subnet 'wbe' in a vm's 'subnet'; did you mean 'web'?" in run.out

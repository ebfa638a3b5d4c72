"""ICMP types and codes, and ICMPv6 (issue 13, item 11): the language keeps the type and code a rule
or an assertion names, the two readings match them alike, and the importers keep what the input
says instead of widening it to every ICMP message (or a tcp 0-0 to every port)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import FIXTURES

from verifier.catalog import run_rules
from verifier.engine.atoms import acl_entry_shadowed
from verifier.engine.filters import _overlap
from verifier.engine.simulate import Packet
from verifier.engine.verify import Engine
from verifier.importers.aws_cli import _permissions
from verifier.importers.estate import Estate, block_peer
from verifier.importers.terraform.mapping import Mapping, icmp_text
from verifier.language.build import build
from verifier.language.model import Icmp, Net, Span
from verifier.language.parse import SourceFile
from verifier.language.printer import print_model

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def _build(text: str):
    model, findings = build([SourceFile("icmp.peer", text)])
    return model, findings


def _net(body: str, asserts: str = "") -> str:
    return f"net a {{\n  cidr 10.0.0.0/16\n  cidr 2001:db8::/56\n{body}\n}}\n{asserts}"


def _verdicts(text: str) -> list[str]:
    model, findings = _build(text)
    gating = [d for d in run_rules(model, NOW, findings).diagnostics if d.code == "CHECK001"]
    assert not gating, gating
    engine = Engine(model, NOW)
    return [engine.check_assertion(a).status for a in model.assertions]


# --- the language ------------------------------------------------------------------------------
def test_type_and_code_are_read_where_ports_go():
    model, findings = _build(
        _net(
            "  security-group g {\n"
            "    inbound icmp from 10.0.0.0/8\n"
            "    inbound icmp 8 from 10.0.0.0/8\n"
            "    inbound icmp 3/4 from 10.0.0.0/8\n"
            "    inbound icmpv6 128 from ::/0\n"
            "    inbound 1 0/0 from 10.0.0.0/8\n"
            "    inbound allow all from any\n"  # regression: `allow` once lexed as `all` + `ow`
            "  }\n"
            "  network-acl n { inbound 100 allow icmp 3/4 from 10.0.0.0/8  outbound 100 deny 58 1 to ::/0 }",
            "assert reach a -> a icmp 8/0\nassert isolate a -> a icmpv6\n",
        )
    )
    assert not findings
    rules = model.nets[0].security_groups[0].rules
    got = [(r.protocol.number, (r.icmp.type, r.icmp.code) if r.icmp else None) for r in rules]
    assert got == [(1, None), (1, (8, None)), (1, (3, 4)), (58, (128, None)), (1, (0, 0)), (-1, None)]
    entries = model.nets[0].network_acls[0].rules
    assert [(e.protocol.number, str(e.icmp)) for e in entries] == [(1, "3/4"), (58, "1")]
    assert [(a.protocol.number, a.icmp) for a in model.assertions][1] == (58, None)
    assert model.assertions[0].icmp == Icmp(8, 0, model.assertions[0].icmp.span)


def test_printed_back_as_written():
    text = _net(
        "  security-group g {\n    inbound icmp 3/4 from 10.0.0.0/8\n    inbound icmpv6 128 from ::/0\n  }",
        "assert reach a -> a icmp 8\n",
    )
    printed = print_model(_build(text)[0])
    assert "inbound icmp 3/4 from 10.0.0.0/8" in printed
    assert "inbound icmpv6 128 from ::/0" in printed
    assert "assert reach a -> a icmp 8" in printed
    again = print_model(_build(printed)[0])
    assert again == printed


@pytest.mark.parametrize(
    "line",
    [
        "inbound icmp 3-4 from 10.0.0.0/8",  # a range is no ICMP type
        "inbound tcp 3/4 from 10.0.0.0/8",  # a type and code go with icmp and icmpv6 only
        "inbound all 8/0 from 10.0.0.0/8",
    ],
)
def test_misplaced_types_are_model006(line):
    _, findings = _build(_net(f"  security-group g {{ {line} }}"))
    assert [d.code for d in findings] == ["MODEL006"]


@pytest.mark.parametrize("detail", ["256", "3/256", "300/1"])
def test_out_of_range_type_or_code_is_an_input_error(detail):
    from verifier.language.build import build_file

    _, errors, _ = build_file(SourceFile("icmp.peer", _net(f"  security-group g {{ inbound icmp {detail} from any }}")))
    assert [d.code for d in errors] == ["PARSE002"]
    assert "ICMP" in errors[0].message


# --- packets -----------------------------------------------------------------------------------
def test_packet_reads_its_type_and_code():
    ping = Packet(4, 0x0A000001, 0x0A000002, 1, 0, 8)
    assert ping.describe() == "icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0"
    assert ping.reply() == Packet(4, 0x0A000002, 0x0A000001, 1, 0, 0)
    assert Packet(6, 1, 2, 58, 0, 128).reply() == Packet(6, 2, 1, 58, 0, 129)
    assert Packet(4, 1, 2, 1, 4, 3).reply() is None  # destination unreachable: nothing answers it
    assert Packet(4, 1, 2, 6, 1024, 443).reply() == Packet(4, 2, 1, 6, 443, 1024)


# --- what a model means ------------------------------------------------------------------------
OPEN_CLIENT = "  security-group client { outbound all to any }\n"


def test_a_rule_for_one_type_matches_that_type_only():
    text = _net(
        "  subnet s { cidr 10.0.1.0/24 }\n" + OPEN_CLIENT + "  security-group ping { inbound icmp 8 from 10.0.0.0/8 }\n"
        "  vm c { subnet s  ip 10.0.1.5  groups client }\n"
        "  vm p { subnet s  ip 10.0.1.6  groups ping }",
        "assert reach c -> p icmp 8\n"
        "assert reach c -> p icmp 8/5\n"
        "assert isolate c -> p icmp 0\n"
        "assert isolate c -> p icmp 3/4\n"
        "assert isolate c -> p tcp\n"
        "assert isolate c -> p icmp\n"
        "assert reach c -> p icmp\n"
        "assert reach c -> p all\n",
    )
    assert _verdicts(text) == ["proved", "proved", "proved", "proved", "proved", "refuted", "proved", "refuted"]


def test_icmp_rules_do_not_match_icmpv6():
    text = _net(
        "  subnet s { cidr 2001:db8:0:1::/64 }\n" + OPEN_CLIENT + "  security-group v4 { inbound icmp from ::/0 }\n"
        "  security-group v6 { inbound icmpv6 128 from ::/0 }\n"
        "  vm c { subnet s  ip 2001:db8:0:1::5  groups client }\n"
        "  vm p4 { subnet s  ip 2001:db8:0:1::6  groups v4 }\n"
        "  vm p6 { subnet s  ip 2001:db8:0:1::7  groups v6 }",
        "assert isolate c -> p4 icmpv6\nassert reach c -> p6 icmpv6 128\nassert isolate c -> p6 icmpv6 129\n",
    )
    assert _verdicts(text) == ["proved", "proved", "proved"]


def test_a_stateless_acl_must_allow_the_reply_type():
    acl = (
        "  network-acl n {{ outbound 100 allow icmp 8 to 10.0.0.0/16"
        "  inbound 100 allow icmp {back} from 10.0.0.0/16 }}\n"
    )
    body = (
        "  subnet s { cidr 10.0.1.0/24  network-acl n }\n  subnet t { cidr 10.0.2.0/24 }\n"
        "  security-group open { outbound all to any  inbound all from any }\n"
        "  vm c { subnet s  ip 10.0.1.5  groups open }\n  vm p { subnet t  ip 10.0.2.6  groups open }\n"
    )
    asserts = "assert reach c -> p icmp 8\n"
    assert _verdicts(_net(acl.format(back="8") + body, asserts)) == ["refuted"]
    assert _verdicts(_net(acl.format(back="0") + body, asserts)) == ["proved"]
    assert _verdicts(_net(acl.format(back="0/0") + body, asserts)) == ["proved"]


def test_a_message_nothing_answers_needs_no_reply():
    # Destination unreachable (3/4) is sent, not answered: the ACL need not let anything back.
    text = _net(
        "  subnet s { cidr 10.0.1.0/24  network-acl n }\n  subnet t { cidr 10.0.2.0/24 }\n"
        "  network-acl n { outbound 100 allow icmp 3/4 to 10.0.0.0/16 }\n"
        "  security-group open { outbound all to any  inbound all from any }\n"
        "  vm c { subnet s  ip 10.0.1.5  groups open }\n  vm p { subnet t  ip 10.0.2.6  groups open }",
        "assert reach c -> p icmp 3/4\nassert reach c -> p icmp 8\nassert isolate c -> p icmp 3/3\n",
    )
    assert _verdicts(text) == ["proved", "refuted", "proved"]


def test_counterexample_is_a_packet_of_the_kind_asserted():
    text = _net(
        "  subnet s { cidr 10.0.1.0/24 }\n" + OPEN_CLIENT + "  security-group ping { inbound icmp 3 from 10.0.0.0/8 }\n"
        "  vm c { subnet s  ip 10.0.1.5  groups client }\n  vm p { subnet s  ip 10.0.1.6  groups ping }",
        "assert isolate c -> p icmp 3/9\nassert reach c -> p icmp 8\n",
    )
    model, _ = _build(text)
    engine = Engine(model, NOW)
    isolate, reach = (engine.check_assertion(a) for a in model.assertions)
    assert isolate.status == "refuted"
    assert (isolate.counterexample.packet.dport, isolate.counterexample.packet.sport) == (3, 9)
    assert reach.status == "refuted"
    assert reach.counterexample.packet.protocol == 1 and reach.counterexample.packet.dport == 8
    assert "type 8 code" in reach.message


def test_conformance_cases_exist():
    names = {p.name for p in (FIXTURES / "semantics" / "aws").glob("icmp-*.peer")}
    assert {"icmp-type-and-code.peer", "icmp-nacl-reply-type.peer", "icmp-rule-not-icmpv6.peer"} <= names


# --- ACL shadowing over boxes -----------------------------------------------------------------------
def _entries(*lines: str):
    model, findings = _build(_net(f"  network-acl n {{ {'  '.join(lines)} }}"))
    assert not findings
    return list(model.nets[0].network_acls[0].rules)


def test_acl_shadowing_reads_types_and_codes():
    every, echo, code = _entries(
        "inbound 100 allow icmp from 10.0.0.0/8",
        "inbound 110 allow icmp 8 from 10.0.0.0/8",
        "inbound 120 allow icmp 8/0 from 10.0.0.0/8",
    )
    assert acl_entry_shadowed(echo, [every]) is True
    assert acl_entry_shadowed(code, [echo]) is True
    assert acl_entry_shadowed(echo, [code]) is False  # codes 1-255 of type 8 are left
    assert acl_entry_shadowed(every, [echo]) is False
    assert _overlap(echo, every) and _overlap(code, echo)
    reply, tcp = _entries("inbound 100 allow icmp 0 from 10.0.0.0/8", "inbound 110 allow tcp 8 from 10.0.0.0/8")
    assert not _overlap(echo, reply) and not _overlap(echo, tcp)
    assert acl_entry_shadowed(echo, [reply, tcp]) is False


# --- importers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "code", "text"),
    [(-1, -1, ""), (8, -1, " 8"), (3, 4, " 3/4"), (0, 0, " 0/0"), (None, None, ""), (256, 0, None), ("x", 0, None)],
)
def test_icmp_type_and_code_as_the_clouds_give_them(kind, code, text):
    assert icmp_text(kind, code) == text


def test_terraform_ports_keep_icmp_types_and_port_zero():
    assert Mapping.ports("icmp", 8, -1) == " 8"
    assert Mapping.ports("icmpv6", 128, 0) == " 128/0"
    assert Mapping.ports("icmp", -1, -1) == ""
    # Regression: tcp 0-0 was read as every port; it is port 0 (only protocol -1 uses 0-0 for all).
    assert Mapping.ports("tcp", 0, 0) == " 0"
    assert Mapping.ports("tcp", 0, 65535) == ""
    assert Mapping.protocol("58") == Mapping.protocol("icmpv6") == "icmpv6"


def test_aws_cli_permissions_keep_icmp_types():
    assert _permissions({"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1}) == ("icmp", " 8")
    assert _permissions({"IpProtocol": "icmp", "FromPort": 3, "ToPort": 4}) == ("icmp", " 3/4")
    assert _permissions({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}) == ("icmp", "")
    assert _permissions({"IpProtocol": "58", "FromPort": 128, "ToPort": -1}) == ("icmpv6", " 128")
    assert _permissions({"IpProtocol": "icmpv6"}) == ("icmpv6", "")


@pytest.mark.parametrize(
    "protocol, ports, expected",
    [("icmp", " 3/4", (1, 3, 4)), ("icmpv6", " 128", (58, 128, None)), ("icmp", "", (1, None, None))],
)
def test_imported_icmp_types_reach_the_model_through_the_builder(protocol, ports, expected):
    # The importers' rules go through the language's builder (no text): the type and code are kept.
    estate = Estate("aws", "dump.peer", "a test")
    origin = Span("dump.json", 3, 5, 3, 12)
    estate.net("vpc-a", origin)
    estate.block("vpc-a", "10.0.0.0/16")
    group = estate.item("security-group", "vpc-a", "sg-a", origin)
    group.rule("inbound", protocol, ports, block_peer("10.0.0.0/8"), origin)
    imported = estate.build({"dump.json": ""})
    assert imported.errors == [] and imported.findings == []
    (rule,) = next(d for d in imported.declarations if isinstance(d, Net)).security_groups[0].rules
    icmp = (rule.icmp.type, rule.icmp.code) if rule.icmp else (None, None)
    assert (rule.protocol.number, *icmp) == expected
    assert rule.span == origin  # located at the resource it was read from


def test_terraform_state_keeps_icmp_types_of_groups_and_acl_entries(tmp_path):
    from conftest import run_cli
    from test_import_terraform import entry, group, state, vpc, write

    net = "vpc-0111111111111111a"
    ping = {"protocol": "icmp", "from_port": 8, "to_port": -1, "cidr_blocks": ["10.0.0.0/8"], "self": False}
    mtu = {"protocol": "icmp", "from_port": 3, "to_port": 4, "cidr_blocks": ["0.0.0.0/0"], "self": False}
    port0 = {"protocol": "tcp", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/8"], "self": False}
    acl_entry = {
        "id": "nacl-1",
        "network_acl_id": "acl-0aaaaaaaaaaaaaaa0",
        "rule_number": 50,
        "egress": False,
        "rule_action": "allow",
        "protocol": "1",
        "from_port": 0,
        "to_port": 0,
        "icmp_type": 0,
        "icmp_code": -1,
        "cidr_block": "10.0.0.0/8",
    }
    document = state(
        entry("aws_vpc", "main", vpc(net, "10.1.0.0/16", "rtb-0111111111111111a")),
        entry("aws_security_group", "web", group("sg-0bbbbbbbbbbbbbbb0", net, [ping, mtu, port0])),
        entry("aws_network_acl_rule", "echo_reply", acl_entry),
    )
    run = run_cli("import", str(write(tmp_path / "terraform.tfstate", document)))
    assert run.code == 0, run.err
    assert "inbound icmp 8 from 10.0.0.0/8" in run.out
    assert "inbound icmp 3/4 from 0.0.0.0/0" in run.out
    assert "inbound tcp 0 from 10.0.0.0/8" in run.out  # port 0, not every port
    assert "inbound 50 allow icmp 0 from 10.0.0.0/8" in run.out


def test_json_spells_the_type_and_code():
    from verifier.outputs.records import packet_json

    record = packet_json(Packet(4, 1, 2, 1, 4, 3))
    assert (record["protocol"], record["icmp_type"], record["icmp_code"]) == ("icmp", 3, 4)
    assert "icmp_type" not in packet_json(Packet(4, 1, 2, 6, 1024, 443))

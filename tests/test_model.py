"""Model semantics that rules rely on: peering state defaults, main tables, blocks."""

from __future__ import annotations

from datetime import datetime, timezone

import netaddr
import pytest
from conftest import shape
from hypothesis import example, given
from hypothesis import strategies as st

from verifier.diagnostics import InputError
from verifier.engine.atoms import outside
from verifier.language.build import build
from verifier.language.model import Block, Span, address_text
from verifier.language.parse import SourceFile

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
SPAN = Span("x", 1, 1, 1, 1)


def model_of(text: str):
    model, findings = build([SourceFile("m.peer", text)])
    return model


NETS = (
    "net a { account 1 cidr 10.0.0.0/16 }\nnet b { account 2 cidr 10.1.0.0/16 }\nnet c { cidr 10.2.0.0/16 }\n"
    "net d { account 1 cidr 10.3.0.0/16 }\nnet e { cidr 10.4.0.0/16 }\n"
)


def states(text: str, now=NOW):
    model = model_of(NETS + text)
    return [model.peering_state(p, now) for p in model.peerings]


def test_same_account_or_no_account_is_active():
    assert states("peering p { requester a accepter d }") == ["active"]
    assert states("peering p { requester c accepter e }") == ["active"]


def test_one_account_named_is_not_same_account():
    # Regression: a net that names no account is not known to share the other's: the request waits.
    assert states("peering p { requester a accepter c }") == ["pending-acceptance"]
    assert states("peering p { requester c accepter a }") == ["pending-acceptance"]


def test_cross_account_is_pending():
    assert states("peering p { requester a accepter b }") == ["pending-acceptance"]


def test_pending_expires_after_seven_days():
    text = "peering p { requester a accepter b created 2026-11-14T12:00:00Z }"
    assert states(text, datetime(2026, 11, 21, 11, 59, 59, tzinfo=timezone.utc)) == ["pending-acceptance"]
    assert states(text, datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)) == ["expired"]
    # an explicit state other than pending never expires
    assert states("peering p { requester a accepter b state active created 2020-01-01T00:00:00Z }") == ["active"]


def test_timestamp_without_offset_is_utc():
    model = model_of(NETS + "peering p { requester a accepter b created 2026-11-14T12:00 }")
    assert model.peerings[0].created == datetime(2026, 11, 14, 12, 0, tzinfo=timezone.utc)


def test_main_table():
    model = model_of(
        "net a { cidr 10.0.0.0/16 route-table only { } }\n"
        "net b { cidr 10.1.0.0/16 route-table x { } route-table y { main } }\n"
        "net c { cidr 10.2.0.0/16 route-table x2 { } route-table y2 { } }\n"
    )
    a, b, c = model.nets
    assert model.main_table(a).name == "only"
    assert model.main_table(b).name == "y"
    assert model.main_table(c) is None


def test_declaration_order_does_not_matter():
    one = model_of("net a { cidr 10.0.0.0/16 }\npeering p { requester a accepter a }\n")
    two = model_of("peering p { requester a accepter a }\nnet a { cidr 10.0.0.0/16 }\n")
    assert [d.name for d in one.declarations()] == ["a", "p"]
    assert {d.name for d in two.declarations()} == {"a", "p"}
    assert shape(one.nets) == shape(two.nets) and shape(one.peerings) == shape(two.peerings)


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_block_arithmetic_matches_netaddr(value, prefix):
    block = Block(4, value, prefix, SPAN)
    oracle = netaddr.IPNetwork((value, prefix), version=4)
    assert block.first == oracle.first and block.last == oracle.last
    assert block.host_bits_set == (value != oracle.first)
    assert str(block) == str(oracle.cidr)


@given(st.integers(0, 2**128 - 1), st.integers(0, 128), st.integers(0, 2**128 - 1))
def test_ipv6_contains_matches_netaddr(value, prefix, probe):
    block = Block(6, value, prefix, SPAN)
    oracle = netaddr.IPNetwork((value, prefix), version=6)
    assert block.contains(probe, 6) == (netaddr.IPAddress(probe, 6) in oracle)
    assert not block.contains(probe & 0xFFFFFFFF, 4)


@given(st.integers(0, 2**128 - 1))
def test_ipv6_written_as_netaddr_writes_it(value):
    assert address_text(value, 6) == str(netaddr.IPAddress(value, 6))
    assert str(Block(6, value, 128, SPAN)) == f"{netaddr.IPAddress(value, 6)}/128"


def _ipv6_written(value: int, upper: bool, v4_tail: bool) -> str:
    text = str(netaddr.IPAddress(value, 6)) if not v4_tail else f"::ffff:{netaddr.IPAddress(value & 0xFFFFFFFF, 4)}"
    return text.upper() if upper else text


@given(
    st.one_of(
        st.builds(_ipv6_written, st.integers(0, 2**128 - 1), st.booleans(), st.booleans()),
        st.from_regex(r"[0-9A-Fa-f]{0,5}:[0-9A-Fa-f:.]{0,40}", fullmatch=True),
    )
)
@example("1:2:3:4:5:6:7::")  # "::" for a single group
@example("::ffff:1.2.3.4")  # an IPv4 tail
@example("::ffff:01.2.3.4")  # a leading zero in it
@example("::ffff:1.2.3")
@example("00000::")
@example("1::2::3")
def test_ipv6_read_as_netaddr_reads_it(text):
    """An IPv6 address is read (or refused) exactly as netaddr reads it with version=6 (the C
    library's inet_pton): any text the language lexes as an address."""
    try:
        expected: int | None = int(netaddr.IPAddress(text, version=6))
    except (ValueError, netaddr.AddrFormatError):
        expected = None
    source = SourceFile("m.peer", f"net a {{ cidr {text}/128 }}")
    if expected is None:
        with pytest.raises(InputError) as refused:
            build([source])
        assert [d.message for d in refused.value.diagnostics] == [f"invalid IPv6 address {text!r}"]
    else:
        model, _ = build([source])
        assert [(b.version, b.value) for b in model.nets[0].blocks] == [(6, expected)]


@given(
    st.tuples(st.integers(0, 2**12 - 1), st.integers(20, 32)),
    st.lists(st.tuples(st.integers(0, 2**12 - 1), st.integers(18, 32), st.sampled_from([4, 4, 4, 6])), max_size=6),
)
def test_outside_is_the_lowest_address_netaddr_finds_outside(target, parts):
    """The sweep ADDR002, ROUTE004's cross-check and ROUTE003 use (`atoms.outside`), held to netaddr's
    set arithmetic (small numbers shifted into one /20 so that parts meet, cover and miss each other)."""
    block = Block(4, 0x0A000000 | target[0] << 20 - 12, target[1], SPAN)
    given_parts = [Block(version, 0x0A000000 | value << 20 - 12, prefix, SPAN) for value, prefix, version in parts]
    space = netaddr.IPSet(p.network for p in given_parts if p.version == 4)
    left = netaddr.IPSet([block.network]) - space
    expected = next(iter(left.iter_cidrs()))[0].value if left else None
    assert outside(block.first, block.last, given_parts, block.version) == expected

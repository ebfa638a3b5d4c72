"""The matrix's shortcuts against the solver (`engine.matrix_shortcuts`), on random estates.

- A pair the simulator decides has the verdict the engine gives `assert reach a -> b` (the solver's,
  replayed), and its packet replays: a proof's completes from both ends of the client port range, a
  refutation's fails.
- Nets that `Reach` says no route joins are isolated: the engine proves `assert isolate X -> Y` (no
  packet, certain or possible), so every pair of the cell fails.
- Whole matrices with and without shortcuts are the same, cell for cell.

The estates (tests/estates.py) have transitional peerings and gateways that may bring packets back
(the solver's part), overlapping nets, ACLs and priorities; some VMs get a second interface or an
IPv6 address only.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from conftest import ROOT, examples, run_cli
from estates import estates
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from verifier.catalog import run_rules
from verifier.commands.matrix import compute
from verifier.engine.matrix_rows import SPAN, reach_assertion
from verifier.engine.matrix_shortcuts import Reach, Shortcut
from verifier.engine.verify import Engine
from verifier.language.build import build
from verifier.language.model import EPHEMERAL_PORTS, PORTED_PROTOCOLS, Assertion, Endpoint, Ref
from verifier.language.parse import SourceFile, read_sources

NOW = datetime(2026, 11, 21, 12, tzinfo=timezone.utc)
SETTINGS = settings(
    max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
# (protocol, port) as `matrix` asks: some protocol, tcp or udp with or without a port, ICMP, ICMPv6, ESP
KINDS = [(None, None), (6, None), (6, 22), (6, 443), (17, 53), (1, None), (58, None), (50, None)]


@st.composite
def varied(draw) -> str:
    """An estate, where some VMs hold a second interface (in another subnet of their net, in group
    0) and some nets a VM with an IPv6 address only."""
    text = draw(estates(open_groups=draw(st.integers(0, 3)) > 0))
    lines = text.splitlines()
    for index, line in enumerate(lines):
        vm = re.match(r"  vm (v(\d+)-(\d+)) \{ subnet s\d+-(\d+)  ip 10\.(\d+)\.", line)
        if vm is None or not draw(st.integers(0, 3)) == 0:
            continue
        name, net, number, subnet, octet = vm.groups()
        other = draw(st.integers(0, 2))
        if f"subnet s{net}-{other} " in text:
            interface = f"interface {name}-b {{ subnet s{net}-{other}  ip 10.{octet}.{other}.{60 + int(number)}"
            lines[index] = line[:-1] + f" {interface}  groups g{net}-0 }} }}"
    for net, octet in re.findall(r"net n(\d+) \{\n(?:  account \S+\n)?  cidr 10\.(\d+)\.0\.0/16\n  cidr 2001", text):
        if draw(st.booleans()):
            at = lines.index(f"net n{net} {{") + 1
            while not lines[at].startswith("  subnet"):
                at += 1
            lines.insert(at + 1, f"  vm v{net}-six {{ subnet s{net}-0  ip 2001:db8:{octet}:0::99  groups g{net}-0 }}")
    return "\n".join(lines) + "\n"


def engine_for(text: str) -> Engine:
    model, findings = build([SourceFile("generated.peer", text)])
    gating = [d for d in run_rules(model, NOW, findings).diagnostics if d.code == "CHECK001"]
    assert not gating, f"the generator made an ill-formed model: {gating}\n{text}"
    return Engine(model, NOW)


@SETTINGS
@given(text=varied(), kind=st.sampled_from(KINDS), data=st.data())
def test_a_pair_the_simulator_decides_has_the_solvers_verdict(text, kind, data):
    engine = engine_for(text)
    protocol, port = kind
    shortcut = Shortcut(engine.topo, engine.sim, protocol, port)
    vms = [vm for vm in engine.model.vms() if vm.owner is None]
    pairs = [(a, b) for a in vms for b in vms if a is not b]
    if not pairs:
        return
    for a, b in data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=6, unique_by=lambda p: id(p))):
        decided = shortcut.pair(a, b)
        expected = engine.check_assertion(reach_assertion(a.name, b.name, protocol, port), witness=False)
        if decided is None:
            event("left to the solver")
            continue
        event(f"decided {decided.status}")
        assert decided.status == expected.status, f"{a.name} -> {b.name} {kind}: {expected.message}\n{text}"
        if decided.packet is None:
            continue
        ends = (decided.packet.sport,)
        if decided.status == "proved" and decided.packet.protocol in PORTED_PROTOCOLS:
            ends = EPHEMERAL_PORTS
        for sport in ends:
            packet = decided.packet.__class__(**{**decided.packet.__dict__, "sport": sport})
            trip = engine.sim.connection(decided.sender, packet, decided.target)
            assert trip.ok == (decided.status == "proved"), f"{packet.describe()}\n{text}"


@SETTINGS
@given(text=varied())
def test_nets_no_route_joins_are_isolated(text):
    engine = engine_for(text)
    reach = Reach(engine.topo)
    names = [net.name for net in engine.model.nets]
    for x in names:
        for y in names:
            if x != y and reach.cut_off(x, y):
                event("cut off")
                isolate = Assertion(
                    "isolate", Endpoint(Ref(x, SPAN), None, SPAN), Endpoint(Ref(y, SPAN), None, SPAN), None, None, SPAN
                )
                assert engine.check_assertion(isolate).status in ("proved", "vacuous"), f"{x} -> {y}\n{text}"


@settings(
    max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(text=varied(), kind=st.sampled_from(KINDS), by=st.sampled_from(["net", "subnet", "vm"]))
def test_matrices_with_and_without_shortcuts_are_the_same(text, kind, by):
    model = engine_for(text).model
    protocol, port = kind
    assert (
        compute(model, NOW, by, protocol, port).cells == compute(model, NOW, by, protocol, port, shortcuts=False).cells
    )


@pytest.mark.slow
def test_a_generated_estate_has_the_same_matrix_by_the_solver(tmp_path):
    # guards: the shortcuts deciding the generated estates (benchmarks) otherwise than the solver
    assert run_cli("gen", "--nets", "6", "--seed", "3", "-o", str(tmp_path)).code == 0
    model, _ = build(read_sources([str(tmp_path)]))
    fast = compute(model, NOW, "subnet", None, None)
    assert fast.cells == compute(model, NOW, "subnet", None, None, shortcuts=False).cells
    assert {"proved", "refuted"} <= {c for row in fast.cells for c in row}


def test_a_gap_leaves_every_cell_to_the_engine():
    # guards: a shortcut deciding a cell that what an import left out may overturn
    text = (ROOT / "fixtures" / "models" / "language-example.peer").read_text(encoding="utf-8")
    gap = 'unmodelled "a rule of a-sg" { nets spoke-a  effect allows }\n'
    model, _ = build([SourceFile("gap.peer", text + gap)])
    cells = compute(model, NOW, "net", 6, 22).cells
    assert "unknown" in {c for row in cells for c in row}
    assert cells == compute(model, NOW, "net", 6, 22, shortcuts=False).cells

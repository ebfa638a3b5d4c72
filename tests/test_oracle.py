"""A brute-force oracle: every assertion decided by enumerating packet classes through the simulator.

The engine decides an assertion with the solver; here the same assertion is decided without it,
by walking one packet of every class through the concrete simulator. A packet's fate depends on
its protocol only through the protocols the model names, and on a port only through which of the
model's port ranges hold it, so one representative per interval between range boundaries covers
every packet; an ICMP packet's type and code matter only where a rule names them, and the type
through whether it is a query (which a reply answers), so the named ones, the queries and one
other stand for all. The oracle reads the assertion's words itself (every port or some port, `all`,
a VM to itself), so that glue bugs in the engine — state carried from one assertion to the next,
a witness of the wrong protocol, a verdict that changes with `--jobs` — show up as a different
verdict. The engine is run on the assertions in file order, on each alone, with its routes encoded
for the solver rather than looked up, and in two workers.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from conftest import examples
from estates import estates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.catalog import run_rules
from verifier.engine.simulate import Packet, Simulator
from verifier.engine.topology import Topology
from verifier.engine.verify import Engine
from verifier.language.build import build
from verifier.language.model import (
    ANY_PROTOCOL,
    EPHEMERAL_PORTS,
    ICMP_PROTOCOLS,
    ICMP_REPLIES,
    PORTED_PROTOCOLS,
    Assertion,
    Endpoint,
    Icmp,
    Ports,
    Protocol,
    Ref,
    Span,
)
from verifier.language.parse import SourceFile

pytestmark = pytest.mark.slow  # a minute and a half of brute force

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
SPAN = Span("generated.peer", 1, 1, 1, 1)
SETTINGS = settings(
    max_examples=int(os.environ.get("ORACLE_EXAMPLES") or examples(300)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KINDS = [
    (None, None, None),
    (6, None, None),
    (6, (443, 443), None),
    (17, None, None),
    (1, None, None),
    (ANY_PROTOCOL, None, None),
    (6, (1000, 2000), None),
    (17, (53, 53), None),
    (1, None, (8, None)),
    (1, None, (3, 4)),
    (1, None, (0, 0)),
    (58, None, None),
    (58, None, (128, None)),
]


def _model(text: str):
    model, findings = build([SourceFile("generated.peer", text)])
    if any(d.code == "CHECK001" for d in run_rules(model, NOW, findings).diagnostics):
        return None  # ill-formed: assertions are not run at all
    return model


def _boundaries(model, extra: list[tuple[int, int]]) -> list[int]:
    """One port of every class: the first port of each interval the model's port ranges cut."""
    cuts = {0, EPHEMERAL_PORTS[0]}
    ranges = list(extra)
    for net in model.nets:
        ranges += [(r.ports.low, r.ports.high) for g in net.security_groups for r in g.rules if r.ports]
        ranges += [(r.ports.low, r.ports.high) for a in net.network_acls for r in a.rules if r.ports]
    for low, high in ranges:
        cuts.update((low, high + 1))
    return sorted(c for c in cuts if c <= 65535)


def _protocols(model) -> list[int]:
    named = {r.protocol.number for n in model.nets for g in n.security_groups for r in g.rules}
    named |= {r.protocol.number for n in model.nets for a in n.network_acls for r in a.rules}
    return sorted(({6, 17, 1, 58, 99} | named) - {ANY_PROTOCOL})


def _icmp_values(model) -> tuple[list[int], list[int]]:
    """One ICMP type and code of every class: those the model names, the queries, one other."""
    written = [r.icmp for n in model.nets for g in n.security_groups for r in g.rules if r.icmp]
    written += [r.icmp for n in model.nets for a in n.network_acls for r in a.rules if r.icmp]
    types = {i.type for i in written} | {t for pairs in ICMP_REPLIES.values() for t in pairs} | {250}
    codes = {i.code for i in written if i.code is not None} | {0, 250}
    return sorted(types), sorted(codes)


class Oracle:
    def __init__(self, model):
        self.model = model
        self.topo = Topology(model, NOW)
        self.sim = Simulator(self.topo)
        self.protocols = _protocols(model)
        self.types, self.codes = _icmp_values(model)

    def packets(self, protocol: int, assertion: Assertion, client: bool = False) -> list[tuple[int, int]]:
        """(destination port, source port) of every class for a protocol: for ICMP (type, code)."""
        if protocol in ICMP_PROTOCOLS:
            icmp = assertion.icmp if assertion.protocol and assertion.protocol.number == protocol else None
            types = [icmp.type] if icmp else self.types
            codes = [icmp.code] if icmp and icmp.code is not None else self.codes
            return [(t, c) for t in types for c in codes]
        return [(d, 0) for d in self.ports(protocol, assertion.ports)]

    def ports(self, protocol: int, wanted: Ports | None, client: bool = False) -> list[int]:
        if protocol not in PORTED_PROTOCOLS:
            return [0]
        extra = [(wanted.low, wanted.high)] if wanted else []
        low, high = EPHEMERAL_PORTS if client else (wanted.low, wanted.high) if wanted else (0, 65535)
        return [p for p in _boundaries(self.model, extra) if low <= p <= high] or [low]

    def kinds(self, assertion: Assertion) -> list[int]:
        number = assertion.protocol.number if assertion.protocol else None
        return self.protocols if number in (None, ANY_PROTOCOL) else [number]

    def verdict(self, assertion: Assertion) -> str:
        sources = self.topo.endpoint_vms(assertion.source)
        targets = self.topo.endpoint_vms(assertion.destination)
        if not sources or not targets:
            return "vacuous"
        return (
            self.isolate(assertion, sources, targets)
            if assertion.kind == "isolate"
            else self.reach(assertion, sources, targets)
        )

    def isolate(self, assertion, sources, targets) -> str:
        verdict = "proved"
        for source in sources:
            for target in targets:
                if target is source:
                    continue  # a VM's traffic to itself is not counted
                for src in source.addresses:
                    for dst in target.addresses:
                        if dst.version != src.version:
                            continue
                        for protocol in self.kinds(assertion):
                            for dport, code in self.packets(protocol, assertion):
                                for sport in self.ports(protocol, None) if protocol in PORTED_PROTOCOLS else [code]:
                                    packet = Packet(src.version, src.value, dst.value, protocol, sport, dport)
                                    trace = self.sim.forward(source, packet, target)
                                    if trace.delivered_to is target:
                                        return "refuted"
                                    if trace.reached is target:
                                        verdict = "unknown"
        return verdict

    def reach(self, assertion, sources, targets) -> str:
        verdict = "proved"
        number = assertion.protocol.number if assertion.protocol else None
        every_port = assertion.ports is not None or number == ANY_PROTOCOL
        for source in sources:
            for target in targets:
                if target is source:
                    continue
                common = [a for a in target.addresses if any(s.version == a.version for s in source.addresses)]
                if not common:
                    return "refuted"
                for dst in common:
                    src = next(a for a in source.addresses if a.version == dst.version)
                    fate = self.pair(assertion, source, target, src.value, dst.value, dst.version, every_port)
                    if fate == "fail":
                        return "refuted"
                    if fate == "maybe":
                        verdict = "unknown"
        return verdict

    def pair(self, assertion, source, target, src, dst, version, every_port) -> str:
        """ok / maybe / fail for one VM pair and address."""
        fates = {}  # (protocol, dport, ICMP code) -> the worst fate over the client ports
        for protocol in self.kinds(assertion):
            for dport, code in self.packets(protocol, assertion):
                worst = "ok"
                for sport in self.ports(protocol, None, client=True) if protocol in PORTED_PROTOCOLS else [code]:
                    connection = self.sim.connection(source, Packet(version, src, dst, protocol, sport, dport), target)
                    fate = "ok" if connection.ok else "maybe" if connection.possible else "fail"
                    worst = max(worst, fate, key=["ok", "maybe", "fail"].index)
                fates[(protocol, dport, code)] = worst
        if every_port:  # every protocol and port of the kind must work
            return max(fates.values(), key=["ok", "maybe", "fail"].index)
        return min(fates.values(), key=["ok", "maybe", "fail"].index)  # some port (and protocol) must work


@st.composite
def assertions(draw, model):
    vms = [vm.name for vm in model.vms()]
    subnets = [s.name for n in model.nets for s in n.subnets]
    names = vms + subnets + [n.name for n in model.nets]
    found = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["reach", "isolate"]))
        source = draw(st.sampled_from(vms if draw(st.booleans()) else names))
        target = draw(st.sampled_from(vms if draw(st.booleans()) else names))
        protocol, ports, icmp = draw(st.sampled_from(KINDS))
        found.append(
            Assertion(
                kind,
                Endpoint(Ref(source, SPAN), None, SPAN),
                Endpoint(Ref(target, SPAN), None, SPAN),
                Protocol(protocol, SPAN) if protocol is not None else None,
                Ports(*ports, SPAN) if ports else None,
                SPAN,
                Icmp(*icmp, SPAN) if icmp else None,
            )
        )
    return found


@SETTINGS
@given(estates(open_groups=True), st.data())
def test_engine_agrees_with_the_oracle(text, data):
    if data.draw(st.booleans()):
        # global IPv6 addresses, which the internet may deliver (documentation addresses it never does)
        text = text.replace("2001:db8:", "2600:1f18:")
    model = _model(text)
    if model is None or not any(True for _ in model.vms()):
        return
    asked = data.draw(assertions(model))
    oracle = Oracle(model)
    expected = [oracle.verdict(a) for a in asked]
    in_order = Engine(model, NOW)
    got = [in_order.check_assertion(a).status for a in asked]
    assert got == expected, f"in file order\n{text}\n{asked}"
    alone = [Engine(model, NOW).check_assertion(a).status for a in asked]
    assert alone == expected, f"each alone\n{text}\n{asked}"
    symbolic = Engine(model, NOW, exact_routes=False)  # routes encoded for the solver, not looked up
    assert [symbolic.check_assertion(a).status for a in asked] == expected, f"symbolic routes\n{text}\n{asked}"
    engine = Engine(model, NOW)
    pool = engine.start_parallel_proofs(asked, 2)
    if pool is not None:
        pool.collect()
        assert [engine.results[id(a)][1].status for a in asked] == expected, f"--jobs 2\n{text}\n{asked}"

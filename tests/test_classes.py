"""The matrix asks once per pair of alike VMs (`engine.classes`): its cells are the verdicts of the
assertions they stand for, asked of every pair of VMs.

Differential: each cell of `matrix.compute` against the engine's verdict on `assert reach X -> Y`
(every pair of VMs, as `check` decides it), on estates where classes do merge VMs and where a rule, an
ACL entry, a second interface or a route singles one VM out.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import fixture_models

from verifier.commands.matrix import compute, groups
from verifier.engine.classes import Classes
from verifier.engine.matrix_rows import SPAN
from verifier.engine.verify import Engine
from verifier.language.build import build
from verifier.language.model import Assertion, Endpoint, Ports, Protocol, Ref
from verifier.language.parse import SourceFile, read_sources

NOW = datetime(2026, 11, 21, 12, tzinfo=timezone.utc)

ALIKE = """
net a {
  cidr 10.1.0.0/16
  subnet web { cidr 10.1.1.0/24  route-table rt }
  subnet ops { cidr 10.1.9.0/24  route-table rt  network-acl ops-acl }
  route-table rt { route 10.2.0.0/16 via peering ab }
  network-acl ops-acl { inbound 100 allow all from 0.0.0.0/0  outbound 100 allow tcp 1024-65535 to 10.2.0.0/16 }
  security-group web-sg { inbound tcp 443 from 10.2.0.0/16  outbound all to any }
  security-group ops-sg { outbound all to any  inbound tcp 22 from 10.2.1.7/32 }
  vm w1 { subnet web  ip 10.1.1.10  groups web-sg }
  vm w2 { subnet web  ip 10.1.1.11  groups web-sg }
  vm w3 { subnet web  ip 10.1.1.12  groups web-sg }
  vm o1 { subnet ops  ip 10.1.9.10  groups ops-sg }
  vm o2 { subnet ops  ip 10.1.9.11  groups ops-sg
    interface o2-b { subnet web  ip 10.1.1.99  groups web-sg } }
}
net b {
  cidr 10.2.0.0/16
  subnet app { cidr 10.2.1.0/24  route-table rt }
  route-table rt { route 10.1.1.0/24 via peering ab }
  security-group app-sg { inbound tcp 22 from 10.1.0.0/16  inbound tcp 443 from 10.1.9.0/24  outbound all to any }
  vm p1 { subnet app  ip 10.2.1.5  groups app-sg }
  vm p2 { subnet app  ip 10.2.1.6  groups app-sg }
  vm p3 { subnet app  ip 10.2.1.7  groups app-sg }
}
peering ab { requester a  accepter b }
"""


def _model(text: str):
    model, _ = build([SourceFile("alike.peer", text)])
    return model


def _direct(model, by: str, protocol: int | None, port: int | None) -> list[list[str]]:
    """Each cell as `check` decides `assert reach X -> Y`: every pair of VMs, one by one."""
    engine = Engine(model, NOW)
    names = groups(model, by)
    members = {n: engine.topo.endpoint_vms(Endpoint(Ref(n, SPAN), None, SPAN)) for n in names}
    cells = []
    for x in names:
        row = []
        for y in names:
            if not members[x] or not members[y] or (x == y and len(members[x]) < 2):
                row.append("vacuous")
                continue
            assertion = Assertion(
                "reach",
                Endpoint(Ref(x, SPAN), None, SPAN),
                Endpoint(Ref(y, SPAN), None, SPAN),
                Protocol(protocol, SPAN) if protocol is not None else None,
                Ports(port, port, SPAN) if port is not None else None,
                SPAN,
            )
            row.append(engine.check_assertion(assertion, witness=False).status)
        cells.append(row)
    return cells


def test_alike_vms_share_a_class_and_what_singles_one_out_splits_it():
    model = _model(ALIKE)
    classes = Classes(model, Engine(model, NOW).topo)
    key = {vm.name: classes.key(vm) for vm in model.vms() if vm.owner is None}
    assert key["w1"] == key["w2"] == key["w3"]  # same subnet, groups, and atom of every block
    assert key["o1"] != key["o2"]  # o2 has a second interface
    assert key["p1"] == key["p2"] != key["p3"]  # ops-sg names 10.2.1.7/32: p3 is in an atom of its own


@pytest.mark.parametrize("by", ["net", "subnet", "vm"])
@pytest.mark.parametrize("protocol,port", [(None, None), (6, 22), (6, 443), (17, 53)])
def test_cells_are_the_verdicts_of_every_pair(by, protocol, port):
    model = _model(ALIKE)
    matrix = compute(model, NOW, by, protocol, port)
    assert matrix.cells == _direct(model, by, protocol, port)


@pytest.mark.parametrize("path", fixture_models("models"), ids=lambda p: p.name)
def test_fixture_matrices_by_subnet_match_every_pair(path):
    model, _ = build(read_sources([str(path)]))
    assert compute(model, NOW, "subnet", 6, 22).cells == _direct(model, "subnet", 6, 22)


def test_a_gap_groups_nothing():
    model = _model(ALIKE + 'unmodelled "a rule of web-sg" { nets a  effect allows }\n')
    classes = Classes(model, Engine(model, NOW).topo)
    assert len({classes.key(vm) for vm in model.vms()}) == len(list(model.vms()))

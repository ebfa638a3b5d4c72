"""The matrix page (issue 16): a click on a cell shows what decides it — for a reachable cell the
witness (the packet and its hops, both ways), for an unreachable one the counterexample and every
blocking point, for an undecided one the facts it depends on — and the page is the same for every
`--jobs`. Read from the page's data, and in headless chromium as a person clicks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timezone

import pytest
from conftest import FIXTURES, ROOT, run_cli

from verifier.commands.matrix import compute
from verifier.engine.simulate import Packet, Simulator
from verifier.engine.topology import Topology
from verifier.language.build import build
from verifier.language.model import EPHEMERAL_PORTS, PORTED_PROTOCOLS, Vm
from verifier.language.parse import SourceFile, read_sources

NOW = ("--now", "2026-11-21T12:00:00Z", "--isolated")
WHEN = datetime(2026, 11, 21, 12, tzinfo=timezone.utc)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ENVIRONMENTS = str(FIXTURES / "models" / "generic-environments.peer")
EXAMPLE = str(FIXTURES / "models" / "language-example.peer")
# What the model leaves open: a transit gateway each way between a and b, a peering being set up
# between a and c; b and c are joined by nothing.
OPEN = """
net a {
  cidr 10.1.0.0/16
  subnet sa { cidr 10.1.1.0/24 }
  route-table rt-a { route 10.2.0.0/16 via gateway tgw-a  route 10.3.0.0/16 via peering ac }
  gateway tgw-a { kind transit }
  security-group ga { inbound all from any  outbound all to any }
  vm a1 { subnet sa  ip 10.1.1.10  groups ga }
}
net b {
  cidr 10.2.0.0/16
  subnet sb { cidr 10.2.1.0/24 }
  route-table rt-b { route 10.1.0.0/16 via gateway tgw-b }
  gateway tgw-b { kind transit }
  security-group gb { inbound tcp 22 from any  outbound all to any }
  vm b1 { subnet sb  ip 10.2.1.10  groups gb }
}
net c {
  cidr 10.3.0.0/16
  subnet sc { cidr 10.3.1.0/24 }
  route-table rt-c { route 10.1.0.0/16 via peering ac }
  security-group gc { inbound all from 10.1.0.0/16  outbound all to any }
  vm c1 { subnet sc  ip 10.3.1.10  groups gc }
}
peering ac { requester a  accepter c  state provisioning }
"""


def page_data(page: str) -> dict:
    found = re.search(r"var DATA = (\{.*?\});\n", page)
    assert found
    return json.loads(found.group(1))


def open_model(tmp_path) -> str:
    path = tmp_path / "open.peer"
    path.write_text(OPEN, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ("--by", "vm", "--port", "22", ENVIRONMENTS),
        ("--by", "subnet", ENVIRONMENTS),
        ("--proto", "udp", EXAMPLE),
        ("--proto", "icmp", EXAMPLE),
        ("OPEN",),
    ],
    ids=["vm-ssh", "subnet-any", "udp", "icmp", "open"],
)
def test_every_cell_holds_what_decides_it(tmp_path, args):
    args = tuple(open_model(tmp_path) if a == "OPEN" else a for a in args)
    run = run_cli("matrix", *NOW, "--format", "html", *args)
    assert run.code == 0, run.err
    data = page_data(run.out)
    hops = data["hops"]
    for i, row in enumerate(data["cells"]):
        for j, status in enumerate(row):
            why = data["why"][i][j]
            if status == "vacuous":
                assert why is None
                continue
            walk = why["connection"]
            if status == "proved":  # the witness arrives, and so does its reply (but for an ICMP message)
                assert walk["packet"] and walk["direction"] is None
                assert hops[walk["forward"][-1]][2] == "deliver"
                assert not walk["reply"] or hops[walk["reply"][-1]][2] == "deliver"
            elif status == "refuted":  # where it dies, among every blocking point
                assert walk["direction"] in ("forward", "reply") and walk["blocked"]
                codes = {code for code, _, _ in why["blocking"]}
                assert walk["blocked"] in codes or walk["blocked"] == "NO_COMMON_FAMILY", why
                dying = walk["forward"] if walk["direction"] == "forward" else walk["reply"]
                assert hops[dying[-1]][2] == "drop" and hops[dying[-1]][3] == walk["blocked"]
            else:
                assert why["depends"] or why["reason"]
    if args[-1].endswith("open.peer"):
        assert {c for row in data["cells"] for c in row} == {"vacuous", "unknown", "refuted"}
        assert data["why"][0][1]["depends"] == ["gateway tgw-a (transit)", "gateway tgw-b (transit)"]
        assert data["why"][0][2]["depends"] == ["peering ac (provisioning)"]


def test_a_witness_completes_from_every_client_port():
    # guards: a witness shown for a reachable cell that the simulator does not complete
    model, _ = build(read_sources([ENVIRONMENTS]))
    matrix = compute(model, WHEN, "subnet", None, None, witnesses=True)
    sim = Simulator(Topology(model, WHEN))
    shown = 0
    for row, whys in zip(matrix.cells, matrix.why or []):
        for status, why in zip(row, whys):
            if status != "proved" or why is None or why.connection is None or why.connection.packet is None:
                continue
            packet = why.connection.packet
            source, target = model.names[why.connection.source_vm], model.names[why.connection.destination_vm]
            assert isinstance(source, Vm) and isinstance(target, Vm)
            ends = EPHEMERAL_PORTS if packet.protocol in PORTED_PROTOCOLS else (packet.sport,)
            for sport in ends:
                again = Packet(packet.version, packet.src, packet.dst, packet.protocol, sport, packet.dport)
                assert sim.connection(source, again, target).ok, again.describe()
            shown += 1
    assert shown >= 3


def test_the_page_is_the_same_for_every_jobs(tmp_path):
    # guards: rows decided by workers coming back in another order, or a class's pair shown for a cell
    assert run_cli("gen", "--nets", "8", "--seed", "2", "-o", str(tmp_path / "estate")).code == 0
    for args in (("--by", "subnet", str(tmp_path / "estate")), ("--by", "vm", open_model(tmp_path))):
        pages = [run_cli("matrix", *NOW, "--format", "html", "--jobs", jobs, *args) for jobs in ("1", "2", "3")]
        assert pages[0].code == 0 and pages[0].out == pages[1].out == pages[2].out
    texts = [run_cli("matrix", *NOW, "--jobs", jobs, str(tmp_path / "estate")).out for jobs in ("1", "2")]
    assert texts[0] == texts[1] and " yes " in texts[0] and " no " in texts[0]


def test_a_cell_of_alike_vms_shows_its_own_pair():
    # guards: the witness of w2 -> p1 naming w1, the first vm of its class asked about
    text = (ROOT / "tests" / "test_classes.py").read_text(encoding="utf-8")
    alike = re.search(r'ALIKE = """(.*?)"""', text, re.S)
    assert alike
    model, _ = build([SourceFile("alike.peer", alike.group(1))])
    matrix = compute(model, WHEN, "vm", 6, 443, witnesses=True)
    for name, whys in zip(matrix.names, matrix.why or []):
        for other, why in zip(matrix.names, whys):
            if why is not None:
                assert (why.source, why.target) == (name, other)


CLICK = """<script>
var said = [];
[[0, 1], [1, 2], [2, 0]].forEach(function (at) {
  var cell = document.querySelector('rect.cell[data-row="' + at[0] + '"][data-column="' + at[1] + '"]');
  cell.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  said.push(document.getElementById("detail").innerText);
});
document.body.setAttribute("data-check", JSON.stringify(said));
</script>
</body>"""


def clicked(tmp_path, page: str) -> list[str]:
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("</body>", CLICK), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    flags += [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=900,700", "--virtual-time-budget=5000"]
    run = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", checked.as_uri()],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'data-check="([^"]*)"', run.stdout)
    assert found, run.stdout[-2000:]
    text = found.group(1).replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    return json.loads(text)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_a_click_shows_the_witness_the_blocking_points_or_what_it_depends_on(tmp_path):
    run = run_cli("matrix", *NOW, "--by", "vm", "--port", "22", "--format", "html", ENVIRONMENTS)
    assert run.code == 0, run.err
    proved, refuted, _ = clicked(tmp_path, run.out)  # runner -> dev-host, dev-host -> stg-host
    assert proved.startswith("runner -> dev-host (tcp port 22): reaches: proved")
    assert "Witness: tcp 10.9.1.10:1024 -> 10.11.1.10:22" in proved and "delivered to vm dev-host" in proved
    assert "Reply" in proved and "delivered to vm runner" in proved
    assert proved.rstrip().endswith("peerproof why runner dev-host --proto tcp --port 22")
    assert refuted.startswith("dev-host -> stg-host (tcp port 22): does not reach: refuted")
    assert "Counterexample: tcp " in refuted and "Blocking points (" in refuted
    undecided = clicked(tmp_path, run_cli("matrix", *NOW, "--format", "html", open_model(tmp_path)).out)
    gateway, nothing, peering = undecided  # a -> b, b -> c, c -> a
    assert "It depends on gateway tgw-a (transit), gateway tgw-b (transit)" in gateway
    assert "decided by the pair vm a1 -> vm b1" in gateway and "For example: " in gateway
    assert "NOT_PEERED on the forward" in nothing and "NO_ROUTE" in nothing
    assert "It depends on peering ac (provisioning)" in peering
    shot = tmp_path / "matrix-witness.png"
    page = tmp_path / "matrix.html"
    page.write_text(run.out.replace("</body>", CLICK.replace("said.push", "void")), encoding="utf-8")
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p2'}"]  # type: ignore[list-item]
        + ["--window-size=900,700", "--virtual-time-budget=5000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000
    if os.environ.get("PEERPROOF_SCREENSHOTS"):
        shutil.copy(shot, ROOT / "docs" / "pictures" / shot.name)

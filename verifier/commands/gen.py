"""`peerproof gen`: synthetic estates of realistic shape, for benchmarks and for trying the tool.

Per 1,000 nets, about: 2,000 peerings, 4,000 subnets, 10,000 VMs, 20,000
routes, 40,000 security group and ACL rules, 500 assertions. Shapes: groups of
spokes around shared-services hubs, a partial mesh between spokes, several
accounts and regions, multi-CIDR and dual-stack nets. A known share of
problems is planted (written in `planted.txt`): transit routes through a hub
(ROUTE003), missing routes back (ROUTE007), pending cross-account peerings
(ROUTE002), shadowed routes (ROUTE004), shadowed ACL entries (ACL001), VMs in
no group (SG004). The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from verifier.commands import ExitCode
from verifier.commands.options import amount

NETS_PER_FILE = 50
SPOKES_PER_HUB = 20


def _net_block(i: int) -> str:
    # A /21 a net: 8,192 of them fit in 10.0.0.0/8.
    value = i * 8
    return f"10.{value // 256}.{value % 256}.0/21"


def _subnet(i: int, s: int) -> str:
    value = i * 8 + s
    return f"10.{value // 256}.{value % 256}.0/24"


def _host(i: int, s: int, h: int) -> str:
    value = i * 8 + s
    return f"10.{value // 256}.{value % 256}.{10 + h}"


def generate(nets: int, seed: int, assertions_per_net: float = 0.5) -> tuple[dict[str, str], list[str]]:
    """The files of an estate (name -> text) and the list of planted problems."""
    rng = random.Random(seed)
    accounts = [f"{100000000000 + a}" for a in range(max(1, nets // 50))]
    regions = ["eu-west-1", "eu-central-1", "us-east-1"]
    hubs = list(range(0, nets, SPOKES_PER_HUB + 1))
    hub_of = {i: max(h for h in hubs if h <= i) for i in range(nets)}
    peerings: list[tuple[str, int, int, str | None]] = []
    planted: list[str] = []
    for i in range(nets):
        if i not in hubs:
            state = None
            if rng.random() < 0.02:
                state = "pending-acceptance"
                planted.append(f"ROUTE002 peering p-{hub_of[i]}-{i} is pending: routes through it drop traffic")
            peerings.append((f"p-{hub_of[i]}-{i}", hub_of[i], i, state))
    spokes = [i for i in range(nets) if i not in hubs]
    for i in spokes:  # a partial mesh: each spoke peers with a neighbour spoke of its group
        j = i + 1
        if j < nets and j not in hubs and hub_of[j] == hub_of[i]:
            peerings.append((f"m-{i}-{j}", i, j, None))
    peers: dict[int, list[tuple[str, int]]] = {i: [] for i in range(nets)}
    for name, a, b, _ in peerings:
        peers[a].append((name, b))
        peers[b].append((name, a))
    account = {i: accounts[(i // 10) % len(accounts)] for i in range(nets)}
    for name, a, b, state in peerings:
        if state is None and account[a] != account[b]:
            account[b] = account[a]  # keep default peerings within one account, so they are active
    texts: dict[str, list[str]] = {}
    assertions: list[str] = []
    for i in range(nets):
        lines = _net(rng, i, i in hubs, peers[i], account[i], regions[hub_of[i] % len(regions)], planted, nets)
        texts.setdefault(f"nets-{i // NETS_PER_FILE:03}.peer", []).extend(lines)
        for _ in range(int(assertions_per_net) + (rng.random() < assertions_per_net % 1)):
            if i in hubs:
                break
            if rng.random() < 0.6:
                assertions.append(f"assert reach n{i}-vm0 -> n{hub_of[i]}-vm0 tcp 443")
            else:
                other = rng.choice(spokes)
                if hub_of[other] != hub_of[i] and other != i:
                    assertions.append(f"assert isolate n{i} -> n{other}")
                else:
                    assertions.append(f"assert reach n{i}-vm1 -> n{i}-vm2 tcp 22")
    peering_lines = []
    for name, a, b, state in peerings:
        extra = f"  state {state}  created 2026-11-20T00:00:00Z" if state else ""
        peering_lines.append(f"peering {name} {{ requester n{a}  accepter n{b}{extra} }}")
    texts["peerings.peer"] = ["# peerings: spokes to their hub, and a partial mesh between spokes"] + peering_lines
    texts["assertions.peer"] = ["# what must and must not reach"] + assertions
    return {name: "\n".join(lines) + "\n" for name, lines in texts.items()}, planted


def _net(
    rng: random.Random,
    i: int,
    hub: bool,
    peers: list[tuple[str, int]],
    account: str,
    region: str,
    planted: list[str],
    nets: int,
) -> list[str]:
    lines = [f"net n{i} {{", f"  account {account}", f"  region {region}", f"  cidr {_net_block(i)}"]
    dual = i % 10 == 3
    if i % 7 == 5:  # a secondary block
        lines.append(f"  cidr 100.64.{i % 256}.{(i // 256) * 16 % 256}/28")
    if dual:
        lines.append(f"  cidr 2001:db8:{i:x}::/56")
    for s in range(4):
        v6 = f"  cidr 2001:db8:{i:x}:{s}::/64" if dual else ""
        acl = "  network-acl n{}-acl".format(i) if s == 3 else ""
        table = f"  route-table n{i}-rt{s % 2}"
        lines.append(f"  subnet n{i}-s{s} {{ cidr {_subnet(i, s)}{v6}{table}{acl} }}")
    for t in range(2):
        routes = [f"    route {_net_block(other)} via peering {name}" for name, other in peers]
        if t == 0 and not hub and rng.random() < 0.05 and peers:
            name, other = peers[0]
            far = (other + 5) % nets
            if far != i and far not in [o for _, o in peers]:
                routes.append(f"    route {_net_block(far)} via peering {name}   # transit through the hub")
                planted.append(f"ROUTE003 n{i}-rt0 routes {_net_block(far)} via {name}, through n{other}")
        if t == 0 and rng.random() < 0.05:
            routes.append(f"    route {_subnet(i, 2)} drop   # shadowed by the local route")
            planted.append(f"ROUTE004 n{i}-rt0 route {_subnet(i, 2)} is never selected")
        for k in range(9 - len(routes)):
            routes.append(f"    route 192.168.{(i * 9 + k) % 256}.{(k * 16) % 256}/28 via gateway vpn-n{i}")
        routes.append(f"    route 0.0.0.0/0 via gateway igw-n{i}")
        lines.append(f"  route-table n{i}-rt{t} {{")
        lines.extend(routes)
        lines.append("  }")
    # Declared kinds: an internet gateway never brings a packet back into the nets; a VPN may.
    lines.append(f"  gateway igw-n{i} {{ kind internet }}")
    lines.append(f"  gateway vpn-n{i} {{ kind vpn }}")
    for g in range(3):
        lines.append(f"  security-group n{i}-g{g} {{")
        lines.append("    inbound tcp 443 from 10.0.0.0/8")
        lines.append(f"    inbound tcp 22 from {_net_block(i)}")
        for k in range(8):
            port = 8000 + (i + g * 7 + k) % 1000
            lines.append(f"    inbound tcp {port} from {_subnet(i, k % 4)}")
        lines.append("    outbound all to any")
        lines.append("  }")
    lines.append(f"  network-acl n{i}-acl {{")
    lines.append("    inbound 100 allow all from 10.0.0.0/8")
    lines.append("    outbound 100 allow all to 0.0.0.0/0")
    if rng.random() < 0.1:
        lines.append("    inbound 200 deny tcp 22 from 10.0.0.0/8   # shadowed by entry 100")
        planted.append(f"ACL001 n{i}-acl entry 200 is shadowed")
    else:
        lines.append("    inbound 200 allow udp 53 from 100.64.0.0/10")
    lines.append("  }")
    for v in range(10):
        s = v % 4
        groups = f"  groups n{i}-g{v % 3}"
        if v == 9 and rng.random() < 0.03:
            groups = ""
            planted.append(f"SG004 n{i}-vm{v} is in no security group")
        lines.append(f"  vm n{i}-vm{v} {{ subnet n{i}-s{s}  ip {_host(i, s, v)}{groups} }}")
    lines.append("}")
    return lines


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    gen = commands.add_parser("gen", help=help)
    gen.add_argument("--nets", type=int, required=True, help="how many nets (1 to 8192)")
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_argument(
        "--assertions",
        type=amount(0, 100),
        default=0.5,
        metavar="K",
        help="assertions per spoke net, 0 to 100 (default 0.5)",
    )
    gen.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write (created; must be empty)")
    gen.add_argument("--force", action="store_true", help="write into DIR even if it holds files (same names replaced)")


def run(args: argparse.Namespace) -> ExitCode:
    if not 1 <= args.nets <= 8192:
        print("peerproof: error: --nets must be from 1 to 8192", file=sys.stderr)
        return ExitCode.INPUT
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        print(f"peerproof: error: {out} is not a directory", file=sys.stderr)
        return ExitCode.INPUT
    if out.is_dir() and any(out.iterdir()) and not args.force:
        print(
            f"peerproof: error: {out} is not empty; give a new or empty directory, or --force to write into it",
            file=sys.stderr,
        )
        return ExitCode.INPUT
    files, planted = generate(args.nets, args.seed, args.assertions)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
        (out / "planted.txt").write_text("".join(line + "\n" for line in planted), encoding="utf-8")
    except OSError as exc:  # a read-only directory, a file on the way, a full disk
        where = f" ({exc.filename})" if exc.filename and exc.filename != str(out) else ""
        print(f"peerproof: error: cannot write {out}{where}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.INPUT
    print(
        f"peerproof: wrote {args.nets} nets in {len(files)} files to {out} ({len(planted)} planted problems)",
        file=sys.stderr,
    )
    return ExitCode.OK

"""`peerproof why SRC DST`: why a VM can (or cannot) reach another, and the minimal repair.

Reachable: the witness connection and both traces. Not reachable: every
blocking point of the path (code, direction, config line), and the cheapest
verified repair; `--fix` writes it into the files.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import netaddr

from verifier.catalog import did_you_mean, run_rules
from verifier.commands import ExitCode
from verifier.commands.check import load_model
from verifier.commands.options import add_paths, port_number, query_options, run_query
from verifier.diagnostics import BadQuery, InputError
from verifier.engine.explain import Blocking, Explainer
from verifier.engine.limits import Limits
from verifier.engine.repair import Repair, apply_edits, find_repair
from verifier.engine.results import Connection
from verifier.engine.simulate import Hop, Packet, Stop
from verifier.engine.verify import Disagreement, Engine
from verifier.language.model import (
    ANY_PROTOCOL,
    PROTOCOL_NUMBERS,
    Address,
    Assertion,
    Endpoint,
    Model,
    Ports,
    Protocol,
    Ref,
    Span,
    Vm,
)
from verifier.language.parse import SourceFile
from verifier.outputs.answers import why_json, why_text
from verifier.project.config import Config
from verifier.project.rewrite import RewriteRefused, rewrite

WHY = Span.start("<why>")


@dataclass
class WhyAnswer:
    """What `why` answers; `outputs.answers` writes it as text or JSON."""

    verdict: str  # reachable | unreachable | unknown
    message: str
    witness: Connection | None = None  # reachable (or unknown): the connection that works
    forward: list[Hop] = field(default_factory=list)
    reply: list[Hop] = field(default_factory=list)
    blocking: list[Blocking] = field(default_factory=list)
    repair: Repair | None = None
    depends: list[str] = field(default_factory=list)  # with `unknown`: the facts the model does not pin down


def parse_protocol(text: str) -> int | None:
    """A protocol as typed: `all` is every protocol (as in an assertion)."""
    if text == "all":
        return ANY_PROTOCOL
    if text in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[text]
    if text.isdigit() and int(text) <= 255:
        return int(text)
    raise BadQuery(f"unknown protocol {text!r}: expected tcp, udp, icmp, icmpv6, all or 0-255")


def destination_endpoint(model: Model, text: str) -> Endpoint:
    try:
        address = netaddr.IPAddress(text)
        return Endpoint(None, Address(address.version, int(address), WHY), WHY)
    except (netaddr.AddrFormatError, ValueError):
        pass
    if not isinstance(model.names.get(text), Vm):
        raise BadQuery(_not_a_vm(model, text, "DST", "a vm or an address"))
    return Endpoint(Ref(text, WHY), None, WHY)


def _not_a_vm(model: Model, name: str, role: str, wanted: str) -> str:
    found = model.names.get(name)
    if found is not None:
        return f"{role} '{name}' is a {found.kind}; expected {wanted}"
    vms = [vm.name for vm in model.vms()]
    return f"{role}: unknown vm '{name}'{did_you_mean(name, vms)}"


def answer_why(
    model: Model,
    sources: dict[str, str],
    now: datetime,
    source: str,
    destination: str,
    protocol: int | None,
    port: int | None,
    limits: Limits | None = None,
    repair: bool = True,
    view: Callable[[], tuple[Model, dict[str, str]]] | None = None,
) -> WhyAnswer:
    """`view`: the model and texts to search a repair in (`LoadedModel.repair_view`), when they are not
    `model` and `sources` (an imported estate: its edits are of the text `import` prints)."""
    src_vm = model.names.get(source)
    if not isinstance(src_vm, Vm):
        raise BadQuery(_not_a_vm(model, source, "SRC", "a vm"))
    if port is not None and protocol not in (6, 17):
        raise BadQuery("--port goes with --proto tcp or udp")
    target = destination_endpoint(model, destination)
    # No --proto: some protocol must work (an assertion with no protocol), not every one (`all`).
    assertion = Assertion(
        "reach",
        Endpoint(Ref(source, WHY), None, WHY),
        target,
        Protocol(protocol, WHY) if protocol is not None else None,
        Ports(port, port, WHY) if port is not None else None,
        WHY,
    )
    engine = Engine(model, now, limits)
    result = engine.check_assertion(assertion)
    if result.status == "proved":
        return _reachable(engine, src_vm, result.witness, result.message)
    if result.status == "vacuous" or (target.address is not None and not engine.topo.endpoint_vms(target)):
        # an address no VM holds
        packet = _first_packet(src_vm, target, protocol, port)
        path = Explainer(engine.topo).explain(src_vm, None, packet)
        return WhyAnswer(
            "unreachable",
            f"no vm holds {destination}",
            None,
            path.forward,
            [],
            path.blocking,
            Repair([], False, f"no edit of the network makes {destination} reachable: no vm holds it"),
        )
    if result.status == "unknown" and result.gaps:  # the import left out what the answer may rest on
        return WhyAnswer("unknown", result.message, result.witness, depends=list(result.gaps))
    if result.status == "unknown" and result.depends and result.witness:
        return _depends(engine, src_vm, result.witness, result.depends)
    if result.status == "unknown":
        return WhyAnswer("unknown", result.message)
    cx = result.counterexample
    if not isinstance(cx, Connection):
        raise Disagreement(f"why: {result.message}, with no failing connection to show")
    if cx.packet is None:  # no packet can be sent at all
        blocking = [Blocking(cx.blocked or Stop.BLOCKED, "forward", result.message, None)]
        return WhyAnswer("unreachable", result.message, blocking=blocking)
    target_vm = _vm_named(model, cx.destination_vm)
    packet = _telling_packet(engine, src_vm, target_vm, cx.packet, port is None)
    path = Explainer(engine.topo).explain(src_vm, target_vm, packet)
    answer = WhyAnswer(
        "unreachable",
        f"vm {source} cannot reach {destination}: {len(path.blocking)} blocking "
        f"point(s) on the path of {packet.describe()}",
        None,
        path.forward,
        path.reply,
        path.blocking,
    )
    if repair:
        in_model, in_texts = view() if view is not None else (model, sources)
        answer.repair = find_repair(in_texts, in_model, now, assertion, limits, (source, target_vm.name, packet))
    return answer


def _vm_named(model: Model, name: str) -> Vm:
    """The VM the engine's answer names (anything else is a bug, not the user's input)."""
    found = model.names.get(name)
    if not isinstance(found, Vm):
        raise Disagreement(f"why: the engine's answer names {name!r}, which is not a vm of the model")
    return found


def _reachable(engine: Engine, source: Vm, witness: Connection | None, message: str) -> WhyAnswer:
    assert witness is not None
    target = _vm_named(engine.model, witness.destination_vm)
    packet = witness.packet
    assert packet is not None, "a proof's witness is a packet"
    connection = engine.sim.connection(source, packet, target)
    if not connection.ok:
        raise Disagreement(f"why: the engine proves {packet.describe()}, the simulator fails it")
    return WhyAnswer(
        "reachable",
        f"vm {source.name} reaches {target.name}: e.g. {packet.describe()}",
        witness,
        connection.forward.hops,
        connection.reply.hops if connection.reply else [],
    )


def _depends(engine: Engine, source: Vm, witness: Connection, depends: tuple[str, ...]) -> WhyAnswer:
    """Neither reachable nor unreachable: the connection works only if what the model leaves open carries it."""
    target = _vm_named(engine.model, witness.destination_vm)
    packet = witness.packet
    assert packet is not None, "an unknown's witness is a packet"
    connection = engine.sim.connection(source, packet, target)
    if not connection.possible or connection.ok:
        raise Disagreement(f"why: the engine finds {packet.describe()} possible only, the simulator does not")
    facts = " and ".join(depends)
    return WhyAnswer(
        "unknown",
        f"vm {source.name} reaches {target.name} only if {facts} carries it: it depends on "
        f"{facts}, which the model does not pin down (e.g. {packet.describe()})",
        witness,
        connection.forward.hops,
        connection.reply.hops if connection.reply else [],
        depends=list(depends),
    )


def _telling_packet(engine: Engine, source: Vm, target: Vm, packet: Packet, any_port: bool) -> Packet:
    """With no port asked, the port whose path has the fewest blocking points (the one most nearly open)."""
    if not any_port or packet.protocol not in (6, 17):
        return packet
    # The ports the groups speak of first, then the usual services, then the solver's choice.
    ports: list[int] = []
    for vm, direction in ((target, "inbound"), (source, "outbound")):
        for group in engine.topo.groups_of(vm):
            ports += [r.ports.low for r in group.rules if r.direction == direction and r.ports]
    ports = list(dict.fromkeys(ports + [443, 80, 22, packet.dport]))
    explainer = Explainer(engine.topo)

    def cost(port: int) -> int:
        candidate = Packet(packet.version, packet.src, packet.dst, packet.protocol, packet.sport, port)
        return len(explainer.explain(source, target, candidate).blocking)

    best = min(ports, key=cost)  # the first of the ports with the fewest blocking points
    return Packet(packet.version, packet.src, packet.dst, packet.protocol, packet.sport, best)


def _first_packet(source: Vm, target: Endpoint, protocol: int | None, port: int | None) -> Packet:
    dst = target.address
    assert dst is not None
    src = next((a for a in source.addresses if a.version == dst.version), source.addresses[0])
    proto = 6 if protocol is None else protocol
    ported = proto in (6, 17)
    if proto in (1, 58):  # ICMP: an echo request (type 8, ICMPv6 128), code 0
        return Packet(dst.version, src.value, dst.value, proto, 0, 8 if proto == 1 else 128)
    return Packet(dst.version, src.value, dst.value, proto, 1024 if ported else 0, (port or 443) if ported else 0)


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    why = commands.add_parser("why", parents=query_options(), help=help)
    why.add_argument("source", metavar="SRC", help="a vm")
    why.add_argument("destination", metavar="DST", help="a vm or an address")
    add_paths(why)
    why.add_argument("--proto", default="tcp", help="tcp (default), udp, icmp, all or a protocol number")
    why.add_argument("--port", type=port_number, help="destination port (default: any port)")
    why.add_argument("--fix", action="store_true", help="write the minimal repair into the files")
    why.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def run(args: argparse.Namespace) -> ExitCode:
    return run_query(_why, args)


def _why(args: argparse.Namespace, config: Config, paths: list[str]) -> ExitCode:
    now = args.now or datetime.now(timezone.utc)
    limits = config.limits()
    loaded = load_model(paths, config)
    sources, model, origins = loaded.sources, loaded.model, loaded.origins
    report = run_rules(model, now, loaded.findings)
    if any(d.code == "CHECK001" for d in report.diagnostics):  # structural errors: no question can be answered
        raise InputError([d for d in report.diagnostics if d.severity == "error"])
    texts = {s.path: s.text for s in sources}
    question = (args.source, args.destination, parse_protocol(args.proto), args.port)
    answer = answer_why(model, texts, now, *question, limits, view=lambda: loaded.repair_view)
    edits = answer.repair.edits if answer.repair else []
    touches_import = any(origins.generated(e.file) for e in edits)
    if answer.repair is not None and touches_import:  # shown at the imported resource they change
        answer.repair.edits = origins.placed(edits, model)
    if args.format == "json":
        sys.stdout.write(json.dumps(why_json(answer), indent=2) + "\n")
    else:
        sys.stdout.write(why_text(answer))
    if args.fix and touches_import:
        print(
            "peerproof: no fix written: the repair changes imported resources; make the change in the "
            "Terraform configuration or the cloud (the edits above are in peer terms)",
            file=sys.stderr,
        )
        return ExitCode.OK
    if args.fix:
        return _fix(answer, texts, model, paths, config, now, limits)
    return ExitCode.OK


def _fix(answer: WhyAnswer, texts: dict[str, str], model: Model, paths, config, now, limits) -> ExitCode:
    repair = answer.repair
    if answer.verdict != "unreachable" or repair is None:
        print("peerproof: nothing to fix", file=sys.stderr)
        return ExitCode.OK
    if not repair.verified or not repair.edits:
        print(f"peerproof: no fix written: {repair.message}", file=sys.stderr)
        return ExitCode.OK
    repaired = apply_edits(texts, model, repair.edits)
    try:
        rewrite({path: (texts[path], text) for path, text in repaired.items() if text != texts[path]})
    except RewriteRefused as exc:
        print(f"peerproof: no fix written: {exc}", file=sys.stderr)
        return ExitCode.INPUT
    after = load_model(paths, config)
    report = run_rules(after.model, now, after.findings, {"limits": limits})
    errors = sum(1 for d in report.diagnostics if d.severity == "error")
    warnings = sum(1 for d in report.diagnostics if d.severity == "warning")
    print(
        f"peerproof: wrote {len(repair.edits)} edit(s); the model now has {errors} error(s) and {warnings} warning(s)",
        file=sys.stderr,
    )
    return ExitCode.OK


__all__ = ["run", "answer_why", "why_text", "SourceFile"]

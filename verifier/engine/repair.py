"""Minimal repairs: the smallest set of config edits that makes a connection work.

Each blocking point of the explained path offers candidate edits, narrow ones
cheaper than wide ones (a /32 before a subnet's block, the one port before a
range). The solver picks the cheapest set that lifts every point
(`solve.cheapest_cover`); the edits are applied to the source text, the model
is read again and the connection re-verified. A new blocking point found then
joins the problem and the choice is made again; a repair is shown only once
the engine proves the connection and the model has no new error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from verifier.catalog import run_rules
from verifier.diagnostics import InputError
from verifier.engine.explain import Blocking, Explainer
from verifier.engine.limits import Limits
from verifier.engine.results import Connection
from verifier.engine.simulate import Packet, Stop, address_text
from verifier.engine.solve import cheapest_cover
from verifier.engine.topology import Topology
from verifier.language.build import build
from verifier.language.model import (
    EPHEMERAL_PORTS,
    PORTED_PROTOCOLS,
    Assertion,
    Declaration,
    Model,
    Net,
    NetworkAcl,
    Peering,
    Span,
    Vm,
    family_width,
    protocol_name,
)
from verifier.language.parse import SourceFile

MAX_ROUNDS = 5


@dataclass(frozen=True)
class Edit:
    """One line of peer text and where it goes."""

    key: str  # identity, for the solver
    action: str  # insert (a line into a block) | state (set a peering's state) | append (a declaration)
    block: str  # "<kind> <name>" of the block it goes into ("file" for an appended declaration)
    text: str
    file: str
    line: int
    weight: int
    note: str | None = None  # what the edit stands for in the cloud, where the text alone does not say


@dataclass
class Repair:
    edits: list[Edit]
    verified: bool
    message: str
    sources: dict[str, str] | None = None  # the repaired texts


class Candidates:
    """Candidate edits for the blocking points of one connection."""

    def __init__(self, model: Model, topo: Topology, source: Vm, target: Vm, packet: Packet):
        self.model, self.topo = model, topo
        self.source, self.target, self.packet = source, target, packet
        self.edits: dict[str, Edit] = {}
        self.depends: dict[str, list[str]] = {}

    def _add(self, edit: Edit, needs: list[str] | None = None) -> str:
        self.edits.setdefault(edit.key, edit)
        if needs:
            self.depends[edit.key] = needs
        return edit.key

    # --- helpers ----------------------------------------------------------------
    def _proto(self) -> str:
        return protocol_name(self.packet.protocol)

    def _ports(self, direction: str) -> str:
        """The destination ports a rule must allow: the service port forward, every client port on the reply;
        for ICMP, the type of the packet (forward) or of its answer (reply)."""
        if self.packet.icmp:
            answer = self.packet if direction == "forward" else self.packet.reply()
            return f" {answer.dport}" if answer is not None else ""
        if self.packet.protocol not in PORTED_PROTOCOLS:
            return ""
        return f" {self.packet.dport}" if direction == "forward" else f" {EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]}"

    def _host(self, vm: Vm) -> str:
        value = self.packet.src if vm is self.source else self.packet.dst
        return f"{address_text(value, self.packet.version)}/{family_width(self.packet.version)}"

    def _subnet_block(self, vm: Vm) -> str:
        subnet = self.topo.subnet_of(vm)
        return str(next(b for b in subnet.blocks if b.version == self.packet.version))

    @staticmethod
    def _insert(block: Declaration, kind: str, text: str, weight: int, tag: str = "") -> Edit:
        return Edit(
            f"{kind} {block.name}: {text}{tag}",
            "insert",
            f"{kind} {block.name}",
            text,
            block.span.file,
            block.span.line,
            weight,
        )

    # --- per blocking point -------------------------------------------------------
    def options(self, item: Blocking) -> list[str]:
        code = item.code
        if code in (Stop.SG_EGRESS_DENIED, Stop.SG_INGRESS_DENIED):
            return self._group(item)
        if code in (Stop.NACL_EGRESS_DENIED, Stop.NACL_INGRESS_DENIED):
            return self._acl(item)
        if code in (
            Stop.NO_ROUTE,
            Stop.ROUTE_DROP,
            Stop.ROUTE_TO_GATEWAY,
            Stop.NON_TRANSITIVE,
            Stop.PEERING_NOT_ATTACHED,
        ):
            return self._route(item)
        if code == Stop.PEERING_NOT_ACTIVE:
            return self._activate(item.peering) if item.peering else []
        if code == Stop.NOT_PEERED:
            return [self._new_peering(*self._ends(item))]
        return []  # LOCAL_ROUTE_OVERRIDE, NO_DESTINATION: no edit of this model can help

    def _ends(self, item: Blocking) -> tuple[Net, Net]:
        near = self.topo.net_of(self.source if item.direction == "forward" else self.target)
        far = self.topo.net_of(self.target if item.direction == "forward" else self.source)
        return near, far

    def _group(self, item: Blocking) -> list[str]:
        vm = item.vm
        assert vm is not None
        outbound = item.code == Stop.SG_EGRESS_DENIED
        other = self.target if outbound else self.source
        word = "outbound" if outbound else "inbound"
        way = "to" if outbound else "from"
        lines = [
            (f"{word} {self._proto()}{self._ports('forward')} {way} {self._host(other)}", 1),
            (f"{word} {self._proto()}{self._ports('forward')} {way} {self._subnet_block(other)}", 2),
        ]
        groups = self.topo.groups_of(vm)
        if groups:
            return [self._add(self._insert(groups[0], "security-group", text, weight)) for text, weight in lines]
        # A VM in no group: give it a group of its own, with the rule.
        net = self.topo.net_of(vm)
        name = f"{vm.name}-sg"
        declare = self._add(
            Edit(
                f"net {net.name}: security-group {name}",
                "insert",
                f"net {net.name}",
                f"security-group {name} {{ {lines[0][0]} }}",
                net.span.file,
                net.span.line,
                2,
            )
        )
        return [
            self._add(
                Edit(
                    f"vm {vm.name}: groups {name}",
                    "insert",
                    f"vm {vm.name}",
                    f"groups {name}",
                    vm.span.file,
                    vm.span.line,
                    1,
                ),
                [declare],
            )
        ]

    def _acl(self, item: Blocking) -> list[str]:
        vm = item.vm
        assert vm is not None
        acl = self.topo.acl_of(self.topo.subnet_of(vm))
        if acl is None:
            return []
        outbound = item.code == Stop.NACL_EGRESS_DENIED
        direction = "outbound" if outbound else "inbound"
        sender = self.source if item.direction == "forward" else self.target
        receiver = self.target if item.direction == "forward" else self.source
        other = receiver if outbound else sender
        packet = self.packet if item.direction == "forward" else self.packet.reply()
        assert packet is not None, "a reply leg is walked only for a packet that is answered"
        number = _free_number(acl, direction, packet, self.topo)
        if number is None:
            return []
        way = "to" if outbound else "from"
        ports = self._ports(item.direction)
        return [
            self._add(
                self._insert(
                    acl,
                    "network-acl",
                    f"{direction} {number} allow {self._proto()}{ports} {way} {block}",
                    weight,
                    f" ({item.direction})",
                )
            )
            for block, weight in ((self._host(other), 1), (self._subnet_block(other), 2))
        ]

    def _route(self, item: Blocking) -> list[str]:
        near, far = self._ends(item)
        start = self.source if item.direction == "forward" else self.target
        end = self.target if item.direction == "forward" else self.source
        table = self.topo.table_of(self.topo.subnet_of(start))
        peerings = [p for p in self.topo.peerings_of.get(near.name, []) if self.topo.other_net(p, near) is far]
        active = [p for p in peerings if self.topo.state(p) == "active"]
        via: list[tuple[str, list[str]]] = []
        for peering in (active or peerings)[:1]:
            via.append((peering.name, [] if self.topo.state(peering) == "active" else self._activate(peering)))
        if not peerings:
            new = self._new_peering(near, far)
            via.append((self.edits[new].text.split()[1], [new]))
        destinations = [(self._subnet_block(end), 1), (self._host(end), 3)]
        options = []
        for name, needs in via:
            for block, weight in destinations:
                if item.route is not None and int(block.rsplit("/", 1)[1]) <= item.route.destination.prefixlen:
                    continue  # it would not win over the route the table selects now
                text = f"route {block} via peering {name}"
                if table is not None:
                    options.append(self._add(self._insert(table, "route-table", text, weight), needs))
                elif not near.route_tables:
                    table_text = f"route-table {near.name}-rt {{ main  {text} }}"
                    options.append(
                        self._add(
                            Edit(
                                f"net {near.name}: {table_text}",
                                "insert",
                                f"net {near.name}",
                                table_text,
                                near.span.file,
                                near.span.line,
                                weight + 1,
                            ),
                            needs,
                        )
                    )
        return options

    def _activate(self, peering: Peering) -> list[str]:
        state = self.topo.state(peering)
        note = None
        if state == "expired":
            # An expired request cannot be accepted any more: a new request, accepted by the accepter's owner.
            _, accepter = self.model.peering_nets(peering)
            owner = (
                f"the owner of net {accepter.name}"
                + (f" (account {accepter.account})" if accepter and accepter.account else "")
                if accepter
                else "its owner"
            )
            note = (
                f"peering {peering.name} expired and can no longer be accepted: make a new peering request "
                f"and have {owner} accept it within 7 days; the routes then use the new peering's id"
            )
        elif state not in ("pending-acceptance", "initiating", "provisioning", "updating"):
            return []  # failed, rejected, deleted: it cannot become active; a new peering is needed
        return [
            self._add(
                Edit(
                    f"peering {peering.name}: state active",
                    "state",
                    f"peering {peering.name}",
                    "state active",
                    peering.span.file,
                    peering.span.line,
                    1,
                    note,
                )
            )
        ]

    def _new_peering(self, near: Net, far: Net) -> str:
        """One new peering per pair of nets, whichever direction asks for it first."""
        key = "new peering " + " ".join(sorted((near.name, far.name)))
        if key in self.edits:
            return key
        name = f"{near.name}-to-{far.name}"
        while name in self.model.names:
            name += "-2"
        text = f"peering {name} {{ requester {near.name}  accepter {far.name} }}"
        return self._add(Edit(key, "append", "file", text, near.span.file, 0, 4))


def _free_number(acl: NetworkAcl, direction: str, packet: Packet, topo: Topology) -> int | None:
    """A rule number that comes before every entry that matches the packet, if one is free."""
    from verifier.engine.simulate import Simulator

    entries = acl.ordered(direction)  # type: ignore[arg-type]
    peer = packet.dst if direction == "outbound" else packet.src
    matching = [e.number for e in entries if Simulator._acl_entry_matches(e, packet, peer)]
    taken = {e.number for e in entries}
    if not matching:
        number = max(taken, default=0) + 10
        return number if number not in taken else None
    for number in range(min(matching) - 1, 0, -1):
        if number not in taken:
            return number
    return None


# --- applying edits to text ----------------------------------------------------------------
def offset_of(text: str, line: int) -> int:
    position = 0
    for _ in range(line - 1):
        position = text.index("\n", position) + 1
    return position


def block_braces(text: str, start: int) -> tuple[int, int]:
    """Offsets of the `{` that opens the block declared at `start`, and of its matching `}`."""
    depth, opening, i = 0, -1, start
    while i < len(text):
        char = text[i]
        if char == "#":
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        if char == "{":
            if depth == 0:
                opening = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return opening, i
        i += 1
    raise ValueError("unbalanced block")


def _line_indent(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    line = text[start:]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _insert_line(text: str, span: Span, new_line: str) -> str:
    start = offset_of(text, span.line) + span.column - 1
    opening, closing = block_braces(text, start)
    indent = _line_indent(text, start)
    inner = text[opening + 1 : closing]
    if "\n" not in inner:  # a one-line block: open it up
        content = inner.strip()
        body = (
            f"\n{indent}  {content}\n{indent}  {new_line}\n{indent}" if content else f"\n{indent}  {new_line}\n{indent}"
        )
        return text[: opening + 1] + body + text[closing:]
    line_start = text.rfind("\n", 0, closing) + 1
    if text[line_start:closing].strip():  # `}` ends a line of content
        return text[:closing].rstrip(" ") + f"\n{indent}  {new_line}\n{indent}" + text[closing:]
    return text[:line_start] + f"{indent}  {new_line}\n" + text[line_start:]


def apply_edits(sources: dict[str, str], model: Model, edits: list[Edit]) -> dict[str, str]:
    """The texts with the edits made, layout and comments kept."""
    texts = dict(sources)
    for edit in sorted(edits, key=lambda e: (e.file, -e.line, e.key)):
        text = texts[edit.file]
        if edit.action == "append":
            texts[edit.file] = text.rstrip("\n") + "\n" + edit.text + "\n"
            continue
        kind, name = edit.block.split(" ", 1)
        decl = _declaration(model, kind, name)
        if edit.action == "state" and isinstance(decl, Peering) and decl.state_span is not None:
            s = decl.state_span
            offset = offset_of(text, s.line) + s.column - 1
            texts[edit.file] = text[:offset] + "active" + text[offset + (s.end_column - s.column) :]
            continue
        texts[edit.file] = _insert_line(text, decl.span, edit.text)
    return texts


def _declaration(model: Model, kind: str, name: str) -> Declaration:
    decl = model.names.get(name)
    if decl is None or decl.kind != kind:
        raise KeyError(f"{kind} {name}")
    return decl


# --- the loop ------------------------------------------------------------------------------------
def find_repair(
    sources: dict[str, str],
    model: Model,
    now: datetime,
    assertion: Assertion,
    limits: Limits | None = None,
    first: tuple[str, str, Packet] | None = None,
) -> Repair:
    """The cheapest verified repair that makes `assertion` (a reach) hold, or why there is none.

    `first` is the failing connection to start from (source, target, packet), as the explanation
    showed it; later rounds start from the engine's counterexamples.
    """
    from verifier.engine.verify import Engine

    before = model_errors(sources, now)
    needs: list[list[str]] = []
    pool: dict[str, Edit] = {}
    depends: dict[str, list[str]] = {}
    choice: list[str] = []
    current_model, current_sources = model, sources
    for _ in range(MAX_ROUNDS):
        engine = Engine(current_model, now, limits)
        result = engine.check_assertion(assertion)
        if result.status == "proved":
            chosen = [pool[k] for k in choice]
            if not chosen:
                return Repair([], True, "the connection already works")
            added = model_errors(current_sources, now) - before
            if added:
                return Repair(chosen, False, "the repair found would add errors: " + "; ".join(sorted(added)))
            return Repair(
                chosen, True, "verified: with these edits the connection works, and no new error", current_sources
            )
        cx = result.counterexample
        if result.status != "refuted" or not isinstance(cx, Connection) or cx.packet is None:
            return Repair([], False, f"no repair: {result.message}")
        ends = (cx.source_vm, cx.destination_vm) if first is None else (first[0], first[1])
        packet = cx.packet if first is None else first[2]
        first = None
        source, target = current_model.names[ends[0]], current_model.names[ends[1]]
        if not isinstance(source, Vm) or not isinstance(target, Vm):
            return Repair([], False, f"no repair: {ends[0]} and {ends[1]} are not both vms of the repaired model")
        path = Explainer(engine.topo).explain(source, target, packet)
        candidates = Candidates(current_model, engine.topo, source, target, packet)
        for item in path.blocking:
            options = candidates.options(item)
            if not options:
                return Repair([], False, f"no edit of this model lifts {item.code}: {item.message}")
            needs.append(options)
        for key, edit in candidates.edits.items():
            pool.setdefault(key, edit)
        for key, required in candidates.depends.items():
            depends.setdefault(key, required)
        found = cheapest_cover(needs, {k: e.weight for k, e in pool.items()}, depends, limits)
        if found is None:
            return Repair([], False, "no set of edits lifts every blocking point")
        choice = found
        chosen = [pool[k] for k in choice]
        try:
            current_sources = apply_edits(sources, model, chosen)
            current_model, _ = build([SourceFile(p, t) for p, t in sorted(current_sources.items())])
        except (InputError, KeyError, ValueError) as exc:
            return Repair(chosen, False, f"the repair could not be applied: {exc}")
    return Repair([], False, f"no verified repair within {MAX_ROUNDS} rounds of the solver")


POSITION = re.compile(r"\S+:\d+:\d+")


def model_errors(sources: dict[str, str], now: datetime) -> set[str]:
    """The model's error-level findings, assertions aside, by code and message (positions left out:
    they move when lines are inserted)."""
    model, found = build([SourceFile(p, t) for p, t in sorted(sources.items())])
    report = run_rules(model, now, found)
    return {
        f"{d.code}: {POSITION.sub('<here>', d.message)}"
        for d in report.diagnostics
        if d.severity == "error" and not d.code.startswith("REACH")
    }

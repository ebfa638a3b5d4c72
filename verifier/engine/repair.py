"""Minimal repairs: the smallest set of config edits that makes a connection work.

Each blocking point of the explained path offers candidate edits, narrow ones
cheaper than wide ones (a /32 before a subnet's block, the one port before a
range). The solver picks the cheapest set that lifts every point
(`solve.cheapest_cover`); the edits are applied to the source text, the model
is read again and the connection re-verified. A new blocking point found then
joins the problem and the choice is made again; a repair is shown only once
the engine proves the connection and the model has no new error: no new
finding, and every assertion of the model that held still holds (when the
cheapest edits break one, the next cheapest without them are tried).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from verifier.catalog import run_rules
from verifier.diagnostics import InputError
from verifier.engine.explain import Blocking, Explainer
from verifier.engine.limits import Limits
from verifier.engine.results import Connection
from verifier.engine.simulate import Packet, Stop
from verifier.engine.solve import cheapest_cover
from verifier.engine.topology import Topology
from verifier.language.build import build
from verifier.language.model import (
    ANY_PROTOCOL,
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
    address_text,
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
# How many repairs are tried in all when the cheapest ones would break an assertion of the model
# (each try is a whole search, the solver and every assertion of the repaired model included).
MAX_TRIES = 8


@dataclass(frozen=True)
class Standing:
    """What a version of the model says, positions left out (they move when lines are inserted): its
    error-level findings other than the assertions', and the assertions that fail (refuted or unknown)."""

    errors: frozenset[str]
    failing: frozenset[str]

    def new_problems(self, after: Standing) -> tuple[list[str], list[str]]:
        """The errors `after` adds, and the assertions that held here and fail there."""
        return sorted(after.errors - self.errors), sorted(after.failing - self.failing)


@dataclass(frozen=True)
class _Try:
    """One search with some edits banned: a repair, or the cheapest edits and the assertions they break."""

    banned: frozenset[str]
    repair: Repair
    breaks: tuple[str, ...] = ()

    @property
    def cost(self) -> tuple[int, list[str]]:
        return sum(e.weight for e in self.repair.edits), [e.key for e in self.repair.edits]


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
    showed it; later rounds start from the engine's counterexamples. A repair is verified against
    the whole model: no new error, and every assertion of the model that held still holds (a route
    wide enough for the connection asked about may open one the model asserts isolated). When the
    cheapest edits break one, the searches go on without one of those edits, level by level, and
    the cheapest repair of the first level that has one is shown.
    """
    before = standing(sources, now, limits)
    if first is not None:
        forbidding = _forbidding(model, Topology(model, now), assertion, first[0], first[1], before)
        if forbidding is not None:
            message = f"no repair keeps the model's assertions: {forbidding} forbids this very connection"
            return Repair([], False, message)
    level, seen = [frozenset[str]()], {frozenset[str]()}
    tries, rejected = 0, None
    while level and tries < MAX_TRIES:
        batch, level = level[: MAX_TRIES - tries], level[MAX_TRIES - tries :]  # the rest waits for the budget
        tries += len(batch)
        found = [_search(sources, model, now, assertion, limits, first, banned, before) for banned in batch]
        held = [t for t in found if t.repair.verified]
        if held:
            return min(held, key=lambda t: t.cost).repair
        breaking = [t for t in found if t.breaks]
        if rejected is None and not breaking:
            return found[0].repair  # no repair at all, whatever it would break
        rejected = rejected or min(breaking, key=lambda t: t.cost)
        for outcome in breaking:
            for edit in outcome.repair.edits:
                child = outcome.banned | {edit.key}
                if child not in seen:
                    seen.add(child)
                    level.append(child)
    assert rejected is not None
    return _rejected(rejected, tries, exhausted=not level)


def _forbidding(
    model: Model, topo: Topology, asked: Assertion, source: str, target: str, before: Standing
) -> str | None:
    """An `assert isolate` of the model, holding now, that the connection asked for (`asked`, a reach,
    from VM `source` to VM `target`) would refute whatever the edits: its name, or None."""
    names = assertion_names(model)
    for isolate in model.assertions:
        if isolate.kind != "isolate" or names[id(isolate)] in before.failing or source == target:
            continue
        ends = (topo.endpoint_vms(isolate.source, True), topo.endpoint_vms(isolate.destination, True))
        if not (any(vm.name == source for vm in ends[0]) and any(vm.name == target for vm in ends[1])):
            continue
        if _kind_covers(isolate, asked):
            return names[id(isolate)]
    return None


def _kind_covers(isolate: Assertion, asked: Assertion) -> bool:
    """Whether every connection that makes `asked` hold is a packet `isolate` forbids."""
    every = isolate.protocol is None or isolate.protocol.number == ANY_PROTOCOL
    if asked.protocol is not None and asked.protocol.number == ANY_PROTOCOL:
        return True  # every protocol must work: the isolated kind among them
    if every and isolate.ports is None and isolate.icmp is None:
        return True
    if asked.protocol is None or isolate.protocol is None or isolate.protocol.number != asked.protocol.number:
        return False
    if isolate.icmp is not None or asked.icmp is not None:
        return False  # types and codes: left to the search
    if isolate.ports is None:
        return True
    return asked.ports is not None and isolate.ports.low <= asked.ports.low and asked.ports.high <= isolate.ports.high


def _rejected(cheapest: _Try, tries: int, exhausted: bool) -> Repair:
    """No repair keeps the model's assertions: the cheapest edits found, unverified, and what they break."""
    others = "no other repair keeps them" if exhausted else f"none of the {tries - 1} others tried keeps them"
    return Repair(
        cheapest.repair.edits,
        False,
        f"no repair keeps the model's assertions: the cheapest found breaks {'; '.join(cheapest.breaks)}, and {others}",
    )


def _search(
    sources: dict[str, str],
    model: Model,
    now: datetime,
    assertion: Assertion,
    limits: Limits | None,
    first: tuple[str, str, Packet] | None,
    banned: frozenset[str],
    before: Standing,
) -> _Try:
    """The cheapest set of edits, none of them `banned`, that makes `assertion` hold, checked against
    the whole model; each round adds the blocking points the last choice left."""
    from verifier.engine.verify import Engine

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
                return _Try(banned, Repair([], True, "the connection already works"))
            added, broken = before.new_problems(standing(current_sources, now, limits))
            if added:
                return _Try(banned, Repair(chosen, False, "the repair found would add errors: " + "; ".join(added)))
            if broken:
                return _Try(banned, Repair(chosen, False, "it breaks an assertion"), tuple(broken))
            return _Try(
                banned,
                Repair(
                    chosen, True, "verified: with these edits the connection works, and no new error", current_sources
                ),
            )
        cx = result.counterexample
        if result.status != "refuted" or not isinstance(cx, Connection) or cx.packet is None:
            return _Try(banned, Repair([], False, f"no repair: {result.message}"))
        ends = (cx.source_vm, cx.destination_vm) if first is None else (first[0], first[1])
        packet = cx.packet if first is None else first[2]
        first = None
        source, target = current_model.names[ends[0]], current_model.names[ends[1]]
        if not isinstance(source, Vm) or not isinstance(target, Vm):
            message = f"no repair: {ends[0]} and {ends[1]} are not both vms of the repaired model"
            return _Try(banned, Repair([], False, message))
        path = Explainer(engine.topo).explain(source, target, packet)
        candidates = Candidates(current_model, engine.topo, source, target, packet)
        for item in path.blocking:
            options = candidates.options(item)
            if not options:
                return _Try(banned, Repair([], False, f"no edit of this model lifts {item.code}: {item.message}"))
            needs.append(options)
        for key, edit in candidates.edits.items():
            pool.setdefault(key, edit)
        for key, required in candidates.depends.items():
            depends.setdefault(key, required)
        found = _cheapest(needs, pool, depends, banned, limits)
        if found is None:
            return _Try(banned, Repair([], False, "no set of edits lifts every blocking point"))
        choice = found
        chosen = [pool[k] for k in choice]
        try:
            current_sources = apply_edits(sources, model, chosen)
            current_model, _ = build([SourceFile(p, t) for p, t in sorted(current_sources.items())])
        except (InputError, KeyError, ValueError) as exc:
            return _Try(banned, Repair(chosen, False, f"the repair could not be applied: {exc}"))
    return _Try(banned, Repair([], False, f"no verified repair within {MAX_ROUNDS} rounds of the solver"))


def _cheapest(
    needs: list[list[str]],
    pool: dict[str, Edit],
    depends: dict[str, list[str]],
    banned: frozenset[str],
    limits: Limits | None,
) -> list[str] | None:
    """`solve.cheapest_cover` over the edits that are not banned (nor need one that is)."""
    out = set(banned)
    while True:  # an edit that needs an edit left out is left out too
        more = {k for k, required in depends.items() if k not in out and out.intersection(required)}
        if not more:
            break
        out |= more
    weights = {k: e.weight for k, e in pool.items() if k not in out}
    allowed = [[o for o in options if o not in out] for options in needs]
    return cheapest_cover(allowed, weights, {k: v for k, v in depends.items() if k not in out}, limits)


POSITION = re.compile(r"\S+:\d+:\d+")


def standing(sources: dict[str, str], now: datetime, limits: Limits | None = None) -> Standing:
    """The model's error-level findings, assertions aside, by code and message, and its failing
    assertions (`assertion_names`)."""
    model, found = build([SourceFile(p, t) for p, t in sorted(sources.items())])
    report = run_rules(model, now, found, {"limits": limits} if limits else None)
    errors = frozenset(
        f"{d.code}: {POSITION.sub('<here>', d.message)}"
        for d in report.diagnostics
        if d.severity == "error" and not d.code.startswith("REACH")
    )
    statuses = {verdict.span: verdict.status for verdict in report.verdicts}
    named = assertion_names(model)
    failing = {named[id(a)] for a in model.assertions if statuses.get(a.span) in ("refuted", "unknown")}
    return Standing(errors, frozenset(failing))


def assertion_names(model: Model) -> dict[int, str]:
    """Each assertion (by id) named by its text and file, positions left out (they move when lines are
    inserted); one that appears twice in a file is numbered in its order."""
    from verifier.language.printer import assertion_text

    names, counts = {}, Counter[tuple[str, str]]()
    for item in model.assertions:
        key = (item.span.file, assertion_text(item))
        counts[key] += 1
        names[id(item)] = f"{key[1]} ({key[0]}, #{counts[key]})" if counts[key] > 1 else f"{key[1]} ({key[0]})"
    return names

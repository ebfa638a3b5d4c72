"""An estate being imported: nets and what they hold, collected in any order, built into the model.

Importers whose input lists resources in no useful order (Terraform plans and
states, API dumps) collect them here: an association may come before the subnet
it names. `build` then makes the model's objects in a fixed order (nets in the
order first seen, and inside each: subnets, route tables, groups, ACLs, VMs),
each located at the resource it came from.

Every value read from an input reaches the model through the language's own builder
(`transform.PlacingBuilder`, the one the parser calls), validated as a written value is:
an address that is none, a block "10.0.0.1", a masked "########", a name that peer text
cannot hold, is a located PARSE002 at its resource, and nothing of the input is imported.
No value is ever pasted into peer text and parsed back: the text `peerproof import`
writes is printed from the model built (`Imported.text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Literal

from verifier.catalog import report
from verifier.diagnostics import Diagnostic
from verifier.importers import Imported, Named
from verifier.language.model import Gap, Span
from verifier.language.transform import Placed, PlacingBuilder, placed

ADDRESS = re.compile(r"[0-9A-Fa-f.:/]+")  # what an address or block may hold (a prefix list id holds more)
KINDS = ("subnet", "route-table", "security-group", "network-acl", "vm", "gateway")

# What a name, an account, a region or a zone may hold to be printed as peer text and read back: not
# empty, no line break nor other control character (`printer.name_text` quotes the rest).
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_NUMBER = re.compile(r"[0-9]+")
_PORTS = re.compile(r"[0-9]+(?:[-/][0-9]+)?")
_MASK_SHOWN = re.compile(r' ?\("#{2,}"\)')  # `("########")`, as a message shows a masked value


def model_name(name: Any) -> str:
    """A name read from an input, as the model holds it. One holding both quote kinds (a Terraform address with the key
    o'reilly, `aws_instance.web["o'reilly"]`) has its single quotes written as HCL writes one in a
    string, \\u0027, so that the text `import` prints can quote it: check and import name it alike."""
    name = str(name)
    return name.replace("'", "\\u0027") if '"' in name and "'" in name else name


# Where a route goes, and whom a group rule speaks of, as an importer reads them.
Via = tuple[Literal["peering", "gateway", "drop"], str | None]
PeerOf = tuple[Literal["block", "group", "any"], str | None]
DROP: Via = ("drop", None)
ANY: PeerOf = ("any", None)


def via_peering(name: str) -> Via:
    return ("peering", name)


def via_gateway(name: str) -> Via:
    return ("gateway", name)


def group_peer(name: str) -> PeerOf:
    return ("group", name)


def block_peer(block: Any) -> PeerOf:
    return ("block", str(block))


@dataclass(frozen=True)
class Route:
    destination: str
    target: Via


@dataclass(frozen=True)
class Rule:
    """A security group rule: protocol (as peer text names it), ports or ICMP type ("22", "22-80",
    "8/0"; None: every one), peer; `action` and `priority` for Alibaba's groups."""

    direction: str
    protocol: str
    ports: str | None
    peer: PeerOf
    action: str | None = None
    priority: str | None = None


@dataclass(frozen=True)
class Entry:
    """A network ACL entry."""

    direction: str
    number: str
    action: str
    protocol: str
    ports: str | None
    block: str


@dataclass(frozen=True)
class Flag:
    """`main` of a route table; `type` and `inner-access` of an Alibaba group."""

    key: str
    value: str | None = None


@dataclass(frozen=True)
class Interface:
    """One more network interface of a VM."""

    name: str
    subnet: str
    addresses: tuple[str, ...]
    groups: tuple[str, ...]


Part = Route | Rule | Entry | Flag | Interface


def _ports(text: str | None) -> str | None:
    """Ports or an ICMP type as the mappings give them ('' or None: every one; " 22", " 3/4")."""
    return (text or "").strip() or None


# A protocol as the clouds' APIs and providers spell it (names, numbers, -1 for all) -> as peer text.
PROTOCOLS = {
    "-1": "all",
    "all": "all",
    "6": "tcp",
    "17": "udp",
    "1": "icmp",
    "58": "icmpv6",
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "icmpv6",
}


@dataclass
class Item:
    """A subnet, route table, security group, network ACL or VM of a net."""

    kind: str
    name: str
    origin: Span
    attrs: dict[str, list[str]] = field(default_factory=dict)  # cidr, zone, route-table, ip, groups, kind...
    parts: list[tuple[Part, Span]] = field(default_factory=list)  # routes, rules, entries, interfaces
    kept: set[Part] = field(default_factory=set, repr=False)  # the parts, to keep each once

    def set(self, key: str, value: Any) -> None:
        value = str(value)  # as it is: a malformed one is refused where the model is built, at the resource
        values = self.attrs.setdefault(key, [])
        if value not in values:
            values.append(value)

    def primary(self, subnet: str | None, addresses: Iterable[str], groups: Iterable[str]) -> None:
        """A VM's own interface: its subnet, addresses and security groups (each once, in order)."""
        if subnet is not None:
            self.set("subnet", subnet)
        for address in addresses:
            self.set("ip", address)
        for group in groups:
            self.set("groups", group)

    def add(self, part: Part, origin: Span) -> None:
        if part not in self.kept:  # inline and separate copies of one rule
            self.kept.add(part)
            self.parts.append((part, origin))

    def route(self, destination: Any, target: Via, origin: Span) -> None:
        self.add(Route(str(destination), target), origin)

    def rule(
        self,
        direction: str,
        protocol: str,
        ports: str | None,
        peer: PeerOf,
        origin: Span,
        action: str | None = None,
        priority: Any = None,
    ) -> None:
        priority = None if priority is None else str(priority)
        self.add(Rule(direction, protocol, _ports(ports), peer, action, priority), origin)

    def entry(
        self, direction: str, number: Any, action: str, protocol: str, ports: str | None, block: Any, origin: Span
    ) -> None:
        self.add(Entry(direction, str(number), action, protocol, _ports(ports), str(block)), origin)

    def flag(self, key: str, origin: Span, value: str | None = None) -> None:
        self.add(Flag(key, value), origin)

    def interface(self, name: str, subnet: str, addresses: Iterable[str], groups: Iterable[str], origin: Span) -> None:
        self.add(
            Interface(name, subnet, tuple(dict.fromkeys(map(str, addresses))), tuple(dict.fromkeys(groups))), origin
        )


@dataclass
class NetDraft:
    name: str
    origin: Span
    account: str | None = None
    region: str | None = None
    blocks: list[str] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)
    note: str | None = None  # what the import knows of it, in words (`import` prints it in the net)


@dataclass
class PeeringDraft:
    name: str
    origin: Span
    requester: str
    accepter: str
    state: str | None
    created: str | None = None  # when a pending request was made (ISO 8601): its expiry follows


class Estate:
    def __init__(self, provider: str, label: str, heading: str):
        self.provider = provider
        self.label = label
        self.heading = heading
        self.nets: dict[str, NetDraft] = {}
        self.peerings: dict[str, PeeringDraft] = {}
        self.warnings: list[Diagnostic] = []
        self.gaps: list[Gap] = []
        self.owner: dict[str, str] = {}  # item name -> its net

    def warn(self, code: str, message: str, origin: Span) -> None:
        """An IMP finding about the import (its severity is the catalog's)."""
        self.warnings.append(report(code, message, origin))

    def leave_out(
        self, code: str, message: str, origin: Span, nets: Iterable[str] = (), effect: str = "any", routes: bool = False
    ) -> None:
        """An IMP finding that part of the estate is not modelled, and the `Gap` it leaves: verdicts that
        could rest on it are unknown. `nets`: the nets it could change traffic of (none: any)."""
        self.warn(code, message, origin)
        self.unmodelled(message, origin, nets, effect, routes)

    def unmodelled(
        self, message: str, origin: Span, nets: Iterable[str] = (), effect: str = "any", routes: bool = False
    ) -> None:
        """The `Gap` a part left out leaves (said already, by `message`). A gap names the nets it
        touches when every one is a net of the estate; else it touches any."""
        named = tuple(dict.fromkeys(nets))
        known = tuple(net for net in named if net in self.nets)
        what = _MASK_SHOWN.sub("", message)  # the printed text never holds a masked value's mask
        self.gaps.append(Gap(what, origin, known if len(known) == len(named) else (), effect, routes))  # type: ignore[arg-type]

    def known_groups(
        self,
        holder: str,
        groups: Iterable[str],
        net: str,
        at: Callable[[str], Span],
        known: Callable[[str], bool] | None = None,
        effect: str = "allows",
        consequence: str = "; what it lets through is not modelled",
    ) -> list[str]:
        """The security groups of an instance or interface (`holder`, of `net`) that the estate holds
        (`known`; by default, a group declared in it). One it does not (another account's, a VPC's
        outside the input) may let in what the others do not: it is said at `at(group)`, and a part of
        `net` the model does not hold, of `effect` (allows where groups only allow: AWS, Outscale; any
        where they deny too: Alibaba), so what could rest on it is unknown."""
        found = []
        for group in dict.fromkeys(groups):
            if known(group) if known is not None else getattr(self.find(group), "kind", None) == "security-group":
                found.append(group)
                continue
            message = f"{holder}: its security group {group} is not in the input{consequence}"
            self.leave_out("IMP001", message, at(group), [net], effect)
        return found

    def net(self, name: str, origin: Span) -> NetDraft:
        if name not in self.nets:
            self.nets[name] = NetDraft(name, origin)
        return self.nets[name]

    def block(self, net: str, block: Any) -> None:
        block = str(block)  # as it is: a malformed one is refused where the model is built, at the net
        draft = self.nets[net]
        if block not in draft.blocks:
            draft.blocks.append(block)

    def item(self, kind: str, net: str, name: str, origin: Span) -> Item:
        draft = self.nets[net]
        if name not in draft.items:
            draft.items[name] = Item(kind, name, origin)
            self.owner[name] = net
        return draft.items[name]

    def gateway(self, net: str, name: str, kind: str, origin: Span) -> None:
        """Declare the kind of a gateway a route of `net` names, once across the estate (names are global)."""
        if name not in self.owner and net in self.nets:
            self.item("gateway", net, name, origin).set("kind", kind)

    def find(self, name: str) -> Item | None:
        net = self.owner.get(name)
        return self.nets[net].items.get(name) if net else None

    def peering(
        self, name: str, origin: Span, requester: str, accepter: str, state: str | None, created: str | None = None
    ) -> None:
        self.peerings[name] = PeeringDraft(name, origin, requester, accepter, state, created)

    def build(
        self, inputs: dict[str, str], named: Named | None = None, moved: dict[Span, Span] | None = None
    ) -> Imported:
        """The estate as the model's declarations, each at the place of the resource it came from (with
        `moved`, a place of the input -> where to point instead: a `.tf` block). `named` says which
        resource is written at a place (by default, the cloud id there: `cloud_id`)."""
        from verifier.importers import cloud_id

        return _Building(self, named or cloud_id(inputs), moved or {}).imported(inputs)


class _Building:
    """One estate built through the language's builder (`PlacingBuilder`): each method gives the builder
    what the parser would, each value and position placed at its resource."""

    def __init__(self, estate: Estate, named: Named, moved: dict[Span, Span]):
        self.estate = estate
        self.builder = PlacingBuilder(estate.label)
        self.named = named
        self.moved = moved
        self.resources: dict[Span, str] = {}
        self.asked: set[Span] = set()

    def at(self, origin: Span, text: Any = "", kind: str = "VALUE") -> Placed:
        """`text` at the place of the resource `origin` (recording which resource is there)."""
        place = self.moved.get(origin, origin)
        if origin not in self.asked:  # each place once: naming one reads the input there
            self.asked.add(origin)
            resource = self.named(origin)
            if resource is not None:
                self.resources.setdefault(place, resource)
        return placed(str(text), place, kind)

    def name(self, origin: Span, name: Any) -> Placed:
        """A name, account, region or zone; one that peer text cannot hold is refused at its resource."""
        text = model_name(name)
        token = self.at(origin, text, "NAME")
        if not text or UNPRINTABLE.search(text):
            self.builder.value_error(
                token, f"a name peer text cannot hold (empty, or with a line break or control character): {text!r}"
            )
        return token

    def number(self, origin: Span, text: Any, kind: str = "INT") -> Placed:
        """A whole number (a rule number, a priority, a protocol number); another value is refused."""
        token = self.at(origin, text, kind)
        if not _NUMBER.fullmatch(str(text)):
            self.builder.value_error(token, f"expected a whole number, got {str(text)!r}")
            return self.at(origin, "1", kind)
        return token

    def protocol(self, origin: Span, text: str) -> Placed:
        if text in ("all", "tcp", "udp", "icmp", "icmpv6"):
            return self.at(origin, text, "PROTO")
        return self.number(origin, text, "PROTO")

    def ports(self, origin: Span, text: str | None) -> Placed | None:
        if text is None:
            return None
        kind = "ICMP_TYPE_CODE" if "/" in text else "PORT_RANGE" if "-" in text else "INT"
        token = self.at(origin, text, kind)
        if not _PORTS.fullmatch(text):
            self.builder.value_error(token, f"expected a port, a port range or an ICMP type, got {text!r}")
            return None
        return token

    def imported(self, inputs: dict[str, str]) -> Imported:
        estate, b = self.estate, self.builder
        first = Span.start(next(iter(inputs), estate.label))  # the provider: said by the input as a whole
        declarations: list[Any] = [b.provider(self.at(first), self.at(first, estate.provider, "NAME"))]
        declarations += [self.net(net) for net in estate.nets.values()]
        declarations += [self.peering(peering) for peering in estate.peerings.values()]
        declarations += [self.gap(gap) for gap in estate.gaps]
        warnings = [  # each naming its resource, where `moved` points it
            replace(w, resource=w.resource or self.named(w.span), span=self.moved.get(w.span, w.span))
            for w in estate.warnings
        ]
        return Imported(
            estate.label,
            declarations,
            [self.resource(e) for e in b.errors],
            [self.resource(f) for f in b.findings],
            warnings,
            inputs,
            self.resources,
            estate.heading,
            {model_name(net.name): net.note for net in estate.nets.values() if net.note},
        )

    def resource(self, diagnostic: Diagnostic) -> Diagnostic:
        """An error or finding of the builder, naming the resource it is at."""
        return replace(diagnostic, resource=self.resources.get(diagnostic.span))

    def net(self, net: NetDraft) -> Any:
        b, at = self.builder, self.at(net.origin)
        items: list[Any] = []
        if net.account:
            items.append(b.account(at, self.name(net.origin, net.account)))
        if net.region:
            items.append(b.region(at, self.name(net.origin, net.region)))
        items += [b.cidr(at, self.at(net.origin, block, "ADDR")) for block in net.blocks]
        for kind in KINDS:
            items += [self.item(item) for item in net.items.values() if item.kind == kind]
        return b.net(at, self.name(net.origin, net.name), *items)

    def item(self, item: Item) -> Any:
        b, origin = self.builder, item.origin
        at, name = self.at(origin), self.name(origin, item.name)
        attrs = item.attrs
        if item.kind == "subnet":
            words = [b.cidr(at, self.at(origin, block, "ADDR")) for block in attrs.get("cidr", [])]
            words += [b.zone(at, self.name(origin, zone)) for zone in attrs.get("zone", [])[:1]]
            words += [b.subnet_route_table(at, self.name(origin, t)) for t in attrs.get("route-table", [])[:1]]
            words += [b.subnet_network_acl(at, self.name(origin, a)) for a in attrs.get("network-acl", [])[:1]]
            return b.subnet(at, name, *words)
        if item.kind == "gateway":
            return b.gateway(at, name, b.gateway_kind(at, self.at(origin, attrs["kind"][0], "NAME")))
        if item.kind == "vm":
            interfaces = [self.interface(part, place) for part, place in item.parts if isinstance(part, Interface)]
            return b.vm(at, name, *self.interface_words(origin, attrs), *interfaces)
        parts = [self.part(part, place) for part, place in item.parts]
        if item.kind == "route-table":
            return b.route_table(at, name, *parts)
        if item.kind == "security-group":
            return b.security_group(at, name, *parts)
        return b.network_acl(at, name, *parts)

    def interface_words(self, origin: Span, attrs: dict[str, list[str]]) -> list[Any]:
        b, at = self.builder, self.at(origin)
        words = [b.vm_subnet(at, self.name(origin, subnet)) for subnet in attrs.get("subnet", [])[:1]]
        if attrs.get("ip"):
            words.append(b.vm_ip(at, *(self.at(origin, ip, "ADDR") for ip in attrs["ip"])))
        if attrs.get("groups"):
            words.append(b.vm_groups(at, *(self.name(origin, group) for group in attrs["groups"])))
        return words

    def interface(self, part: Interface, origin: Span) -> Any:
        attrs = {"subnet": [part.subnet], "ip": list(part.addresses), "groups": list(part.groups)}
        return self.builder.vm_interface(
            self.at(origin), self.name(origin, part.name), *self.interface_words(origin, attrs)
        )

    def part(self, part: Part, origin: Span) -> Any:
        b, at = self.builder, self.at(origin)
        if isinstance(part, Flag):
            if part.key == "main":
                return b.main(at, self.at(origin, "main"))
            word = self.at(origin, part.value, "NAME")
            return b.group_type(at, word) if part.key == "type" else b.group_inner_access(at, word)
        if isinstance(part, Route):
            kind, via = part.target
            if kind == "drop":
                target = b.via_drop(at, self.at(origin, "drop"))
            elif kind == "peering":
                target = b.via_peering(at, self.name(origin, via))
            else:
                target = b.via_gateway(at, self.name(origin, via))
            return b.route(at, self.at(origin, part.destination, "ADDR"), target)
        if isinstance(part, Rule):
            whom, value = part.peer
            if whom == "block":
                peer = b.peer_block(at, self.at(origin, value, "ADDR"))
            elif whom == "group":
                peer = b.peer_group(at, self.name(origin, value))
            else:
                peer = b.peer_any(at, self.at(origin, "any"))
            rule = b.group_inbound if part.direction == "inbound" else b.group_outbound
            action = self.at(origin, part.action, "ACTION") if part.action else None
            priority = self.number(origin, part.priority) if part.priority is not None else None
            return rule(
                at, action, priority, self.protocol(origin, part.protocol), self.ports(origin, part.ports), peer
            )
        assert isinstance(part, Entry)  # an ACL's parts are entries
        entry = b.acl_inbound if part.direction == "inbound" else b.acl_outbound
        action = self.at(origin, part.action, "ACTION")
        if part.action not in ("allow", "deny"):
            b.value_error(action, f"expected allow or deny, got {part.action!r}")
        return entry(
            at,
            self.number(origin, part.number),
            action,
            self.protocol(origin, part.protocol),
            self.ports(origin, part.ports),
            self.at(origin, part.block, "ADDR"),
        )

    def peering(self, peering: PeeringDraft) -> Any:
        b, origin = self.builder, peering.origin
        at = self.at(origin)
        words = [
            b.requester(at, self.name(origin, peering.requester)),
            b.accepter(at, self.name(origin, peering.accepter)),
        ]
        if peering.state:
            words.append(b.state(at, self.at(origin, peering.state, "NAME")))
        if peering.created:
            words.append(b.created(at, self.at(origin, peering.created, "STAMP")))
        return b.peering(at, self.name(origin, peering.name), *words)

    def gap(self, gap: Gap) -> Gap:
        place = self.at(gap.span).span
        return Gap(gap.what, place, tuple(model_name(n) for n in gap.nets), gap.effect, gap.routes)

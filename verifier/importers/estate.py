"""An estate being imported: nets and what they hold, collected in any order, written as peer text.

Importers whose input lists resources in no useful order (Terraform plans and
states, Outscale API dumps) collect them here: an association may come before
the subnet it names. `write` then prints the estate in a fixed order (nets in
the order first seen, and inside each: subnets, route tables, groups, ACLs,
VMs), every line carrying the origin of the resource it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from verifier.catalog import report
from verifier.diagnostics import Diagnostic
from verifier.importers import Imported, PeerWriter
from verifier.language.model import Span
from verifier.language.printer import name_text

ADDRESS = re.compile(r"[0-9A-Fa-f.:/]+")  # what an address or block value may hold (no peer syntax)
KINDS = ("subnet", "route-table", "security-group", "network-acl", "vm", "gateway")
LISTS = ("ip", "groups")  # comma-separated lists
NAMED = ("zone", "route-table", "network-acl", "subnet")  # single names


@dataclass
class Item:
    """A subnet, route table, security group, network ACL or VM of a net."""

    kind: str
    name: str
    origin: Span
    attrs: dict[str, list[str]] = field(default_factory=dict)  # one-line attributes: cidr, zone, ip, groups...
    body: list[tuple[str, Span]] = field(default_factory=list)  # lines of a block: routes, rules, entries

    def set(self, key: str, value: str) -> None:
        if key in ("cidr", "ip") and not ADDRESS.fullmatch(str(value)):
            value = f"{value!r}"  # not an address: left for the parser to refuse, at the resource
        values = self.attrs.setdefault(key, [])
        if value not in values:
            values.append(value)

    def line(self, text: str, origin: Span) -> None:
        if all(text != existing for existing, _ in self.body):  # inline and separate copies of one rule
            self.body.append((text, origin))


@dataclass
class NetDraft:
    name: str
    origin: Span
    account: str | None = None
    region: str | None = None
    blocks: list[str] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)


@dataclass
class PeeringDraft:
    name: str
    origin: Span
    requester: str
    accepter: str
    state: str | None


class Estate:
    def __init__(self, provider: str, label: str, heading: str):
        self.provider = provider
        self.label = label
        self.heading = heading
        self.nets: dict[str, NetDraft] = {}
        self.peerings: dict[str, PeeringDraft] = {}
        self.warnings: list[Diagnostic] = []
        self.owner: dict[str, str] = {}  # item name -> its net

    def warn(self, code: str, message: str, origin: Span) -> None:
        """An IMP finding about the import (its severity is the catalog's)."""
        self.warnings.append(report(code, message, origin))

    def net(self, name: str, origin: Span) -> NetDraft:
        if name not in self.nets:
            self.nets[name] = NetDraft(name, origin)
        return self.nets[name]

    def block(self, net: str, block: str) -> None:
        if not ADDRESS.fullmatch(str(block)):
            block = f"{block!r}"  # not a block: left for the parser to refuse, at the resource
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

    def peering(self, name: str, origin: Span, requester: str, accepter: str, state: str | None) -> None:
        self.peerings[name] = PeeringDraft(name, origin, requester, accepter, state)

    def write(self, inputs: dict[str, str]) -> Imported:
        writer = PeerWriter(self.label)
        writer.add(f"# {self.heading}")
        writer.add(f"provider {self.provider}")
        for net in self.nets.values():
            writer.add("")
            writer.add(f"net {name_text(net.name)} {{", net.origin)
            if net.account:
                account = str(net.account)
                writer.add(f"  account {account if account.isdigit() else name_text(account)}")
            if net.region:
                writer.add(f"  region {name_text(net.region)}")
            for block in net.blocks:
                writer.add(f"  cidr {block}")
            for kind in KINDS:
                for item in (i for i in net.items.values() if i.kind == kind):
                    _write_item(writer, item)
            writer.add("}")
        if self.peerings:
            writer.add("")
        for peering in self.peerings.values():
            text = (
                f"peering {name_text(peering.name)} {{ requester {name_text(peering.requester)}  "
                f"accepter {name_text(peering.accepter)}"
            )
            writer.add(text + (f"  state {peering.state}" if peering.state else "") + " }", peering.origin)
        return writer.result(self.warnings, inputs)


def _attr_text(key: str, values: list[str]) -> str:
    if key in LISTS:
        return f"{key} {', '.join(map(name_text, values)) if key == 'groups' else ', '.join(values)}"
    if key in NAMED:
        return f"{key} {name_text(values[0])}"
    return "  ".join(f"{key} {value}" for value in values)  # cidr: one per block


def _write_item(writer: PeerWriter, item: Item) -> None:
    if item.kind in ("subnet", "vm", "gateway"):
        attrs = "  ".join(_attr_text(key, values) for key, values in item.attrs.items() if values)
        writer.add(f"  {item.kind} {name_text(item.name)} {{ {attrs} }}", item.origin)
        return
    writer.add(f"  {item.kind} {name_text(item.name)} {{", item.origin)
    for text, origin in item.body:
        writer.add(f"    {text}", origin)
    writer.add("  }")

"""An estate being imported: nets and what they hold, collected in any order, written as peer text.

Importers whose input lists resources in no useful order (Terraform plans and
states, Outscale API dumps) collect them here: an association may come before
the subnet it names. `write` then prints the estate in a fixed order (nets in
the order first seen, and inside each: subnets, route tables, groups, ACLs,
VMs), every line carrying the origin of the resource it came from.

Every value read from an input reaches peer text through `name_text` (names) and lines that
`CheckedWriter` accepts as one declaration or attribute of a known shape: a value holding a
quote, a brace, a line break or peer syntax never adds a declaration, whatever the mapping
pasted it into. A line that is not one is a located PARSE002 at its resource, and nothing of the
input is imported (until the model is built without generated text: issue 14, item 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.importers import Imported, Named, PeerWriter
from verifier.language import printer
from verifier.language.model import Gap, Span

ADDRESS = re.compile(r"[0-9A-Fa-f.:/]+")  # what an address or block value may hold (no peer syntax)
KINDS = ("subnet", "route-table", "security-group", "network-acl", "vm", "gateway")
LISTS = ("ip", "groups")  # comma-separated lists
NAMED = ("zone", "route-table", "network-acl", "subnet")  # single names


def name_text(name: str) -> str:
    """A name as peer text: bare when it can be, else quoted (`printer.name_text`). A name holding both
    quote kinds (a Terraform address with the key o'reilly, `aws_instance.web["o'reilly"]`) has its
    single quotes written as HCL writes one in a string, \\u0027, and is quoted with them:
    `'aws_instance.web["o\\u0027reilly"]'`. One that cannot be quoted at all (empty, holding a line
    break or another control character) is written as printer writes it, and `CheckedWriter` refuses
    every line holding it: refused at its resource, never pasted."""
    if '"' in name and "'" in name:
        name = name.replace("'", "\\u0027")
    return printer.name_text(name)


# The shapes of a line of generated peer text, each one declaration or attribute. A name is bare, or
# quoted without its quote or a control character; an address or block holds no space; numbers are
# digits. A value that breaks out of its place makes its line match none of them.
_NAME = (
    r"(?:[A-Za-z_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
    r"|\"[^\"\x00-\x1f\x7f\x85\u2028\u2029]+\"|'[^'\x00-\x1f\x7f\x85\u2028\u2029]+')"
)
_ADDR = ADDRESS.pattern
_PROTO = r"(?:tcp|udp|icmpv6|icmp|all|[0-9]+)(?: [0-9]+(?:[-/][0-9]+)?)?"
_STAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9:]+)?"
_INTERFACE = rf"(?:subnet {_NAME}|ip {_ADDR}(?:, {_ADDR})*|groups {_NAME}(?:, {_NAME})*)"


def _braced(*attributes: str) -> str:
    """`{ }` around the attributes of a one-line declaration, any number of each."""
    return r"\{(?: +(?:" + "|".join(attributes) + r"))* *\}"


LINE = re.compile(
    " *(?:"
    + "|".join(
        [
            "",
            "#.*",  # a comment (`CheckedWriter` shows its line breaks as ?)
            rf"provider {_NAME}",
            rf"(?:net|route-table|security-group|network-acl|vm) {_NAME} \{{",
            r"\}",
            rf"account (?:[0-9]+|{_NAME})",
            rf"region {_NAME}",
            rf"cidr {_ADDR}",
            rf"subnet {_NAME} " + _braced(rf"cidr {_ADDR}", rf"(?:zone|route-table|network-acl) {_NAME}"),
            rf"(?:vm|interface) {_NAME} " + _braced(_INTERFACE),
            rf"{_INTERFACE}(?: +{_INTERFACE})*",  # a VM's primary interface, in its block
            rf"gateway {_NAME} " + _braced(rf"kind {_NAME}"),
            rf"peering {_NAME} " + _braced(rf"(?:requester|accepter|state) {_NAME}", rf"created {_STAMP}"),
            "main",
            rf"route {_ADDR} (?:drop|via (?:peering|gateway) {_NAME})",
            rf"(?:inbound|outbound)(?: (?:allow|deny))?(?: priority [0-9]+)? {_PROTO} (?:from|to)"
            rf" (?:{_ADDR}|any|group {_NAME})",
            rf"(?:inbound|outbound) [0-9]+ (?:allow|deny) {_PROTO} (?:from|to) {_ADDR}",
            rf"(?:type|inner-access) {_NAME}",
            rf"unmodelled {_NAME} " + _braced(rf"nets {_NAME}(?:, {_NAME})*", r"effect (?:any|allows|vm)", "routes"),
        ]
    )
    + ")"
)
_MASK_SHOWN = re.compile(r' ?\("#{2,}"\)')  # `("########")`, as a message shows a masked value
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class CheckedWriter(PeerWriter):
    """A PeerWriter that writes only lines of `LINE`'s shapes. Any other line (a value holding a line
    break, a brace, peer syntax, a name that cannot be quoted) is not written: it is a PARSE002 at its
    origin (else at the last origin given), and `result` raises them all. A comment's line breaks and
    control characters are shown as ? (a file's name in a heading)."""

    def __init__(self, label: str):
        super().__init__(label)
        self.errors: list[Diagnostic] = []
        self.last: Span | None = None

    def add(self, text: str, origin: Span | None = None) -> None:
        self.last = origin or self.last
        if text.lstrip(" ").startswith("#"):
            text = _BREAKS.sub("?", text)
        if LINE.fullmatch(text):
            super().add(text, origin)
            return
        shown = text.strip()
        shown = repr(shown) if len(shown) <= 120 else repr(shown[:117]) + "..."
        message = (
            "a value of this resource cannot be imported: the line it gives is not one declaration or "
            f"attribute of peer text (a value holds a line break, a brace, peer syntax, or a name that "
            f"cannot be quoted): {shown}"
        )
        self.errors.append(report("PARSE002", message, self.last or Span.start(self.label)))

    def result(self, *args: Any, **kwargs: Any) -> Imported:
        if self.errors:
            raise InputError(self.errors)
        return super().result(*args, **kwargs)


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
    attrs: dict[str, list[str]] = field(default_factory=dict)  # one-line attributes: cidr, zone, ip, groups...
    body: list[tuple[str, Span]] = field(default_factory=list)  # lines of a block: routes, rules, entries
    written: set[str] = field(default_factory=set, repr=False)  # the body's lines, to keep each once

    def set(self, key: str, value: str) -> None:
        value = str(value)  # as it is: a line holding a malformed one is refused (CheckedWriter), at the resource
        values = self.attrs.setdefault(key, [])
        if value not in values:
            values.append(value)

    def line(self, text: str, origin: Span) -> None:
        if text not in self.written:  # inline and separate copies of one rule
            self.written.add(text)
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
        """The `Gap` a part left out leaves (said already, by `message`)."""
        nets = tuple(nets)
        known = tuple(dict.fromkeys(net for net in nets if net in self.nets))
        what = _MASK_SHOWN.sub("", message)  # the printed text never holds a masked value's mask
        self.gaps.append(Gap(what, origin, known if len(known) == len(nets) else (), effect, routes))  # type: ignore[arg-type]

    def net(self, name: str, origin: Span) -> NetDraft:
        if name not in self.nets:
            self.nets[name] = NetDraft(name, origin)
        return self.nets[name]

    def block(self, net: str, block: str) -> None:
        block = str(block)  # as it is: a line holding a malformed one is refused (CheckedWriter), at the net
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

    def write(self, inputs: dict[str, str], named: Named | None = None) -> Imported:
        """The estate as peer text; `named` says which resource is written at an origin (by default,
        the cloud id there: `PeerWriter.result`)."""
        writer = CheckedWriter(self.label)
        writer.add(f"# {self.heading}")
        writer.add(f"provider {self.provider}")
        for net in self.nets.values():
            writer.add("")
            writer.add(f"net {name_text(net.name)} {{", net.origin)
            if net.account:
                account = str(net.account)
                writer.add(f"  account {account if account.isascii() and account.isdigit() else name_text(account)}")
            if net.region:
                writer.add(f"  region {name_text(str(net.region))}")
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
            text += f"  state {name_text(peering.state)}" if peering.state else ""
            writer.add(text + (f"  created {peering.created}" if peering.created else "") + " }", peering.origin)
        if self.gaps:
            writer.add("")
            writer.add("# left out of the import (IMP001, IMP002): a verdict that could rest on it is unknown")
        for gap in self.gaps:  # the estate's nets keep their names in the text
            writer.add(printer.gap_text(gap), gap.span)
        return writer.result(self.warnings, inputs, named)


def _attr_text(key: str, values: list[str]) -> str:
    if key in LISTS:
        return f"{key} {', '.join(map(name_text, values)) if key == 'groups' else ', '.join(values)}"
    if key in NAMED:
        return f"{key} {name_text(values[0])}"
    return "  ".join(f"{key} {value}" for value in values)  # cidr: one per block


def _write_item(writer: CheckedWriter, item: Item) -> None:
    if item.kind == "vm" and item.body:  # several interfaces: the primary's attributes, then each `interface`
        writer.add(f"  vm {name_text(item.name)} {{", item.origin)
        writer.add("    " + "  ".join(_attr_text(key, values) for key, values in item.attrs.items() if values))
        for text, origin in item.body:
            writer.add(f"    {text}", origin)
        writer.add("  }")
        return
    if item.kind in ("subnet", "vm", "gateway"):
        attrs = "  ".join(_attr_text(key, values) for key, values in item.attrs.items() if values)
        writer.add(f"  {item.kind} {name_text(item.name)} {{ {attrs} }}", item.origin)
        return
    writer.add(f"  {item.kind} {name_text(item.name)} {{", item.origin)
    for text, origin in item.body:
        writer.add(f"    {text}", origin)
    writer.add("  }")

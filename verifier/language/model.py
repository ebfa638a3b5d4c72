"""The typed, immutable model of a network: what the peer language describes.

Every object carries the `Span` of its declaration. References to other
declarations are kept as `Ref`s (a name and where it was written) and resolved
through `Model.lookup`, so rules can report an unknown or misused name at the
very token the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, Iterator, Literal, NamedTuple, TypeVar, overload

if TYPE_CHECKING:
    import netaddr


Severity = Literal["error", "warning", "info"]
Direction = Literal["inbound", "outbound"]
IpVersion = Literal[4, 6]
RouteTarget = Literal["peering", "gateway", "drop"]

PROVIDERS = ("aws", "outscale", "alibaba", "generic")

PEERING_STATES = (
    "initiating",
    "pending-acceptance",
    "provisioning",
    "active",
    "rejected",
    "expired",
    "failed",
    "deleting",
    "deleted",
    "updating",
)
# The clouds' own spellings (Alibaba's `Activated`, AWS's `initiating-request`...), read in any case.
PEERING_STATE_ALIASES = {
    "activated": "active",
    "accepting": "pending-acceptance",
    "creating": "initiating",
    "initiating-request": "initiating",
}
# States in which a peering may or may not carry traffic: a verdict that depends on one is unknown
# (LANGUAGE.md, "What a model means", 7).
TRANSITIONAL_STATES = frozenset({"initiating", "provisioning", "updating", "deleting"})

GATEWAY_KINDS = ("internet", "nat", "transit", "vpn", "endpoint", "other")
GROUP_TYPES = ("basic", "enterprise")
# A request not accepted within this time expires (LANGUAGE.md, peering states).
PENDING_LIFETIME = timedelta(days=7)

PROTOCOL_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}
ANY_PROTOCOL = -1  # `all`
PORTED_PROTOCOLS = (6, 17)
EPHEMERAL_PORTS = (1024, 65535)
# ICMP (1) and ICMPv6 (58) carry a type and a code (0-255 each); a packet holds the type where other
# protocols hold the destination port and the code where they hold the source port (docs/language.md).
ICMP_PROTOCOLS = (1, 58)
# The ICMP queries and the type that answers each (RFC 792, RFC 4443, RFC 4620): the reply of a
# connection. Every other ICMP message is not answered.
ICMP_REPLIES = {1: {8: 0, 13: 14, 15: 16, 17: 18}, 58: {128: 129, 139: 140}}


def address_text(value: int, version: int) -> str:
    """An address as written: dotted for IPv4, the C library's compact form for IPv6 (as netaddr's)."""
    if version == 4:
        return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"
    from socket import AF_INET6, inet_ntop

    return inet_ntop(AF_INET6, value.to_bytes(16, "big"))


def family_width(version: int) -> int:
    """The number of bits of an address of IPv4 (32) or IPv6 (128)."""
    return 32 if version == 4 else 128


class Span(NamedTuple):
    """A region of a source file: 1-based, end exclusive (as SARIF's region). Ordered by its fields in
    turn (file, line, column...). A named tuple, not a dataclass: a 1,000-net model has 370,000 of
    them, and a tuple is made in a third of the time, in half the memory, and compared without a call."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def start(cls, file: str) -> Span:
        """The start of `file` (or of a pseudo-file such as `<why>`): where a finding about the whole of it points."""
        return cls(file, 1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class Ref:
    """A name as written where it refers to a declaration."""

    name: str
    span: Span


_Kept = TypeVar("_Kept")


class _kept(Generic[_Kept]):
    """`functools.cached_property` without the lock Python 3.11 takes at each first read: a value
    computed once an object and kept in its dict, where later reads find it first. For what tens of
    thousands of objects are each asked (a block's bounds)."""

    def __init__(self, compute: Callable[[Any], _Kept]):
        self.compute = compute
        self.name = compute.__name__

    def __get__(self, instance: Any, owner: type | None = None) -> _Kept:
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Block:
    """An IPv4 or IPv6 address block, kept as written (host bits included)."""

    version: IpVersion
    value: int
    prefixlen: int
    span: Span

    @property
    def width(self) -> int:
        return family_width(self.version)

    @_kept  # asked by every rule that compares blocks: kept (the fields never change)
    def first(self) -> int:
        return self.value & ~((1 << (self.width - self.prefixlen)) - 1) & ((1 << self.width) - 1)

    @_kept
    def last(self) -> int:
        return self.first | ((1 << (self.width - self.prefixlen)) - 1)

    @property
    def host_bits_set(self) -> bool:
        return self.value != self.first

    @property
    def network(self) -> netaddr.IPNetwork:
        import netaddr

        return netaddr.IPNetwork((self.first, self.prefixlen), version=self.version)

    def contains(self, address: int, version: int) -> bool:
        return version == self.version and self.first <= address <= self.last

    def covers(self, other: "Block") -> bool:
        return other.version == self.version and self.first <= other.first and other.last <= self.last

    def overlaps(self, other: "Block") -> bool:
        return other.version == self.version and self.first <= other.last and other.first <= self.last

    def __str__(self) -> str:
        return f"{address_text(self.first, self.version)}/{self.prefixlen}"


@dataclass(frozen=True, slots=True)
class Address:
    version: IpVersion
    value: int
    span: Span

    def __str__(self) -> str:
        return address_text(self.value, self.version)


@dataclass(frozen=True, slots=True)
class Ports:
    low: int
    high: int
    span: Span

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class Icmp:
    """An ICMP type, and its code (None: every code of the type): `8`, `3/4`."""

    type: int
    code: int | None
    span: Span

    def __str__(self) -> str:
        return str(self.type) if self.code is None else f"{self.type}/{self.code}"


@dataclass(frozen=True, slots=True)
class Protocol:
    """An IP protocol number, or ANY_PROTOCOL for `all`."""

    number: int
    span: Span

    def __str__(self) -> str:
        return protocol_name(self.number)


def any_protocol(number: int | None) -> bool:
    """Whether a protocol constraint lets every protocol through: none given, or `all`."""
    return number is None or number == ANY_PROTOCOL


def protocol_name(number: int) -> str:
    if number == ANY_PROTOCOL:
        return "all"
    for name, value in PROTOCOL_NUMBERS.items():
        if value == number:
            return name
    return str(number)


@dataclass(frozen=True, slots=True)
class Route:
    destination: Block
    target: RouteTarget
    via: Ref | None  # the peering or gateway; None for drop
    span: Span


@dataclass(frozen=True)
class RouteTable:
    name: str
    net: str
    main: bool
    routes: tuple[Route, ...]
    span: Span
    kind = "route-table"


@dataclass(frozen=True, slots=True)
class Peer:
    """Whom a security group rule speaks of: a block, a group, or any address."""

    kind: Literal["block", "group", "any"]
    block: Block | None
    group: Ref | None
    span: Span


@dataclass(frozen=True, slots=True)
class GroupRule:
    direction: Direction
    action: Literal["allow", "deny"]
    action_written: bool
    priority: int | None  # None: not written (the default, 1)
    protocol: Protocol
    ports: Ports | None
    peer: Peer
    span: Span
    icmp: Icmp | None = None  # with icmp or icmpv6: the type (and code) matched; None: every one

    @property
    def effective_priority(self) -> int:
        return 1 if self.priority is None else self.priority


@dataclass(frozen=True)
class SecurityGroup:
    name: str
    net: str
    rules: tuple[GroupRule, ...]
    span: Span
    type: str = "basic"  # alibaba: basic | enterprise
    inner_access: str = "accept"  # alibaba basic groups: accept | drop
    type_span: Span | None = None  # where `type` was written (None: not written)
    inner_access_span: Span | None = None  # where `inner-access` was written
    kind = "security-group"


@dataclass(frozen=True)
class Gateway:
    """Where a `via gateway` route leaves the modelled network; only `internet` is known never to
    bring a packet back into a modelled net's private addresses."""

    name: str
    net: str
    gateway_kind: str
    span: Span
    kind = "gateway"


@dataclass(frozen=True, slots=True)
class AclRule:
    direction: Direction
    number: int
    action: Literal["allow", "deny"]
    protocol: Protocol
    ports: Ports | None
    block: Block
    span: Span
    icmp: Icmp | None = None  # with icmp or icmpv6: the type (and code) matched; None: every one


@dataclass(frozen=True)
class NetworkAcl:
    name: str
    net: str
    rules: tuple[AclRule, ...]
    span: Span
    kind = "network-acl"

    def ordered(self, direction: Direction) -> list[AclRule]:
        """The rules of one direction in evaluation order (increasing number)."""
        return sorted((r for r in self.rules if r.direction == direction), key=lambda r: (r.number, r.span))


@dataclass(frozen=True)
class Subnet:
    name: str
    net: str
    blocks: tuple[Block, ...]
    zone: str | None
    route_table: Ref | None
    network_acl: Ref | None
    span: Span
    kind = "subnet"


@dataclass(frozen=True)
class Vm:
    """A VM, or one more network interface of a VM (`owner` names the VM; docs/language.md).

    A VM's own subnet, addresses and groups are its primary interface; each `interface` of it is
    a Vm of its own in its net's `vms`, with its subnet, addresses and groups, and `owner` set."""

    name: str
    net: str
    subnet: Ref | None
    addresses: tuple[Address, ...]
    groups: tuple[Ref, ...]
    span: Span
    owner: str | None = None  # for an interface: the VM it belongs to
    kind = "vm"


@dataclass(frozen=True)
class Net:
    name: str
    account: str | None
    region: str | None
    blocks: tuple[Block, ...]
    subnets: tuple[Subnet, ...]
    route_tables: tuple[RouteTable, ...]
    security_groups: tuple[SecurityGroup, ...]
    network_acls: tuple[NetworkAcl, ...]
    vms: tuple[Vm, ...]
    span: Span
    gateways: tuple[Gateway, ...] = ()
    kind = "net"


@dataclass(frozen=True)
class Peering:
    name: str
    requester: Ref | None
    accepter: Ref | None
    state: str | None  # canonical state as written, None when not written
    state_span: Span | None
    created: datetime | None
    span: Span
    kind = "peering"


@dataclass(frozen=True)
class Endpoint:
    """An assertion endpoint: a declared name, or (destination only) an address."""

    name: Ref | None
    address: Address | None
    span: Span

    def __str__(self) -> str:
        return self.name.name if self.name else str(self.address)


@dataclass(frozen=True)
class Assertion:
    kind: Literal["reach", "isolate"]
    source: Endpoint
    destination: Endpoint
    protocol: Protocol | None
    ports: Ports | None
    span: Span
    icmp: Icmp | None = None  # with icmp or icmpv6: the type (and code) asserted


@dataclass(frozen=True)
class ProviderDecl:
    name: str
    span: Span


GAP_EFFECTS = ("any", "allows", "vm")


@dataclass(frozen=True)
class Gap:
    """Part of an imported estate that the model does not hold: a value masked in the input, unknown
    until apply, or a resource left out (each said with IMP001 or IMP002 where it was read). A verdict
    that could rest on it is unknown (REACH005), never proved on the rest of the estate.

    `nets`: the nets whose traffic it could change (empty: any net of the estate). `effect`: what the
    missing part could do: "allows" (it could only let more traffic through: a security group rule
    of an allow-only cloud), "vm" (a VM: it matters to an assertion whose endpoint is not a VM named,
    a net, a subnet or an address, that could hold it), or "any" (a route, an ACL entry: it could let
    traffic through or stop it). `routes`: it is a route of those nets (a peering with no route may
    have one there)."""

    what: str
    span: Span
    nets: tuple[str, ...] = ()
    effect: Literal["allows", "vm", "any"] = "any"
    routes: bool = False


Declaration = Net | Subnet | RouteTable | SecurityGroup | NetworkAcl | Vm | Peering | Gateway
_Decl = TypeVar("_Decl", bound=Declaration)


@dataclass(frozen=True)
class Model:
    """A whole model: every file read, merged. Order of declarations is source order."""

    providers: tuple[ProviderDecl, ...]
    nets: tuple[Net, ...]
    peerings: tuple[Peering, ...]
    assertions: tuple[Assertion, ...]
    files: tuple[str, ...] = ()
    gaps: tuple[Gap, ...] = ()  # what an import could not model (`Gap`)

    def gaps_of(self, nets: Iterable[str]) -> list[Gap]:
        """The gaps that could change traffic of `nets`: theirs and the estate's."""
        wanted = set(nets)
        return [gap for gap in self.gaps if not gap.nets or wanted.intersection(gap.nets)]

    @property
    def provider(self) -> str:
        return self.providers[0].name if self.providers else "generic"

    def declarations(self) -> Iterator[Declaration]:
        """Every named declaration, in source order (files sorted, then position)."""
        items: list[Declaration] = list(self.peerings)
        for net in self.nets:
            items.append(net)
            items.extend(net.subnets)
            items.extend(net.route_tables)
            items.extend(net.security_groups)
            items.extend(net.network_acls)
            items.extend(net.vms)
            items.extend(net.gateways)
        return iter(sorted(items, key=lambda d: d.span))

    @cached_property
    def references(self) -> tuple[Reference, ...]:
        """Every name reference in the model, in source order of the owners (made once: three checks
        ask)."""
        return tuple(_references(self))

    @cached_property
    def names(self) -> dict[str, Declaration]:
        """Name to declaration; where a name is declared twice, the first wins."""
        index: dict[str, Declaration] = {}
        for decl in self.declarations():
            index.setdefault(decl.name, decl)
        return index

    @overload
    def lookup(self, ref: Ref | None) -> Declaration | None: ...

    @overload
    def lookup(self, ref: Ref | None, kind: type[_Decl]) -> _Decl | None: ...

    def lookup(self, ref: Ref | None, kind: type | None = None) -> Declaration | None:
        """The declaration `ref` names, if it exists (and is of `kind`)."""
        if ref is None:
            return None
        decl = self.names.get(ref.name)
        if decl is None or (kind is not None and not isinstance(decl, kind)):
            return None
        return decl

    def net(self, name: str) -> Net:
        decl = self.names[name]
        assert isinstance(decl, Net)
        return decl

    def vms(self) -> Iterator[Vm]:
        for net in self.nets:
            yield from net.vms

    def routes(self) -> Iterator[tuple[Net, RouteTable, int, Route]]:
        """Every declared route, with its net, its table and its index in the table."""
        for net in self.nets:
            for table in net.route_tables:
                for index, route in enumerate(table.routes):
                    yield net, table, index, route

    def main_table(self, net: Net) -> RouteTable | None:
        """The net's main table: the one marked `main`, or its only table."""
        marked = [t for t in net.route_tables if t.main]
        if marked:
            return marked[0]
        if len(net.route_tables) == 1:
            return net.route_tables[0]
        return None

    def subnet_table(self, subnet: Subnet) -> RouteTable | None:
        """The table a subnet uses: its own, else its net's main table (None: local routes only)."""
        if subnet.route_table is not None:
            table = self.lookup(subnet.route_table, RouteTable)
            return table if isinstance(table, RouteTable) else None
        return self.main_table(self.net(subnet.net))

    def peering_nets(self, peering: Peering) -> tuple[Net | None, Net | None]:
        requester = self.lookup(peering.requester, Net)
        accepter = self.lookup(peering.accepter, Net)
        return requester, accepter

    def peering_state(self, peering: Peering, now: datetime) -> str:
        """The state a peering is in at `now` (LANGUAGE.md, peering states)."""
        state = peering.state
        if state is None:
            # Accepted automatically only when both nets name the same account, or both name
            # none: a net that names no account is not known to share the other's.
            requester, accepter = self.peering_nets(peering)
            accounts = {n.account if n is not None else None for n in (requester, accepter)}
            state = "pending-acceptance" if len(accounts) > 1 else "active"
        if state == "pending-acceptance" and peering.created is not None:
            # The time since the request, not its expiry: a difference of two datetimes never
            # leaves the calendar, whatever the years (a request of year 1 is expired).
            if now - peering.created >= PENDING_LIFETIME:
                return "expired"
        return state


def canonical_state(word: str) -> str | None:
    """The canonical peering state for a written state or alias, in any case; None if unknown."""
    word = word.lower()
    if word in PEERING_STATES:
        return word
    return PEERING_STATE_ALIASES.get(word)


@dataclass(frozen=True)
class Reference:
    """A place where the model refers to a declaration by name."""

    ref: Ref
    kinds: tuple[type[Declaration], ...]  # what the name must declare
    role: str  # how the reference reads, for messages: "'via peering'"
    same_net: str | None  # the net the declaration must belong to, if any


def _references(model: Model) -> Iterator[Reference]:
    for peering in model.peerings:
        for ref in (peering.requester, peering.accepter):
            if ref is not None:
                yield Reference(ref, (Net,), "a peering's requester or accepter", None)
    for net in model.nets:
        for subnet in net.subnets:
            if subnet.route_table is not None:
                yield Reference(subnet.route_table, (RouteTable,), "a subnet's 'route-table'", net.name)
            if subnet.network_acl is not None:
                yield Reference(subnet.network_acl, (NetworkAcl,), "a subnet's 'network-acl'", net.name)
        for table in net.route_tables:
            for route in table.routes:
                if route.target == "peering" and route.via is not None:
                    yield Reference(route.via, (Peering,), "'via peering'", None)
        for group in net.security_groups:
            for rule in group.rules:
                if rule.peer.group is not None:
                    yield Reference(rule.peer.group, (SecurityGroup,), "a rule's 'group'", None)
        for vm in net.vms:
            if vm.subnet is not None:
                yield Reference(vm.subnet, (Subnet,), "a vm's 'subnet'", net.name)
            for ref in vm.groups:
                yield Reference(ref, (SecurityGroup,), "a vm's 'groups'", net.name)
    for assertion in model.assertions:
        for endpoint in (assertion.source, assertion.destination):
            if endpoint.name is not None:
                yield Reference(endpoint.name, (Vm, Subnet, Net), "an assertion endpoint", None)


def kinds_text(kinds: tuple[type[Declaration], ...]) -> str:
    """'vm, subnet or net' for a tuple of declaration classes."""
    words = [k.kind for k in kinds]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]

"""Model objects built while the file is parsed: one method per grammar rule, called at each reduction
of the parser (the fast path's, `fast`; Lark's, through `reductions`, for a file with a syntax
error), with no parse tree in between.

Values the lexer accepts liberally (addresses, ports, states, timestamps) are
validated here; a malformed one is an input error (exit 2). An attribute given
twice or a required one missing is a model finding (MODEL001, MODEL002).

Each method takes the position of its reduction (`At`: from its first token, the keyword, to its
last) and the children a parse tree would hold: the parser keeps every token, so that positions
start at the keyword, and the keywords and punctuation are left out before the call. A token is a
string with its terminal's name and place (`tokens.Token`, or Lark's own of the same fields).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Iterable

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, Related
from verifier.language.model import (
    ANY_PROTOCOL,
    GAP_EFFECTS,
    GATEWAY_KINDS,
    GROUP_TYPES,
    ICMP_PROTOCOLS,
    PEERING_STATE_ALIASES,
    PEERING_STATES,
    PENDING_LIFETIME,
    PORTED_PROTOCOLS,
    PROTOCOL_NUMBERS,
    PROVIDERS,
    AclRule,
    Address,
    Assertion,
    Block,
    Direction,
    Endpoint,
    Gap,
    Gateway,
    GroupRule,
    Icmp,
    IpVersion,
    Net,
    NetworkAcl,
    Peer,
    Peering,
    Ports,
    Protocol,
    ProviderDecl,
    Ref,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    Span,
    Subnet,
    Vm,
    canonical_state,
    family_width,
)
from verifier.language.parse import shown
from verifier.language.tokens import Token


@dataclass(frozen=True)
class _Attr:
    """One attribute line inside a block, before it is placed into its object."""

    key: str
    value: Any
    span: Span


class At:
    """Where a reduction lies: from its first token to its last (what a tree's `Meta` would hold)."""

    __slots__ = ("line", "column", "end_line", "end_column")

    def __init__(self, line: int, column: int, end_line: int, end_column: int):
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column


Meta = At | Token  # the position a rule's method is given (an importer's: a `Placed` value)


def _at(children: list[Any]) -> At:
    """The position of a reduction: its first and last children that have one (a token, or a model
    object's span; an optional part left out is None)."""
    for first in children:  # plain loops: this runs at every reduction
        if first is not None:
            break
    else:
        return At(1, 1, 1, 1)  # an empty file
    for last in reversed(children):
        if last is not None:
            break
    start = first if isinstance(first, str) else first.span  # a token (ours or Lark's), else a model object
    end = last if isinstance(last, str) else last.span
    # a token's position is typed Optional (a token made by hand has none); the parser's always have one
    return At(start.line, start.column, end.end_line, end.end_column)  # type: ignore[arg-type,union-attr]


class _Current:
    """The builder of the file being parsed: the parser's callbacks are made once, for every file."""

    builder: "Builder | None" = None


CURRENT = _Current()


def reductions(declared: set[str]) -> object:
    """The callbacks Lark's parser calls at each reduction, one per grammar rule, each calling the
    current builder's method of that name (its own: a subclass's where it has one, as the fast path
    calls them). Lark reads only a file with a syntax error (`parse.parse_source`). Tokens of a type
    the grammar does not declare by name (keywords, braces, `->`) are left out of the children, as a
    parse tree leaves them out."""
    callbacks = {}
    for name in rule_methods():

        def reduce(children: list[Any], name: str = name) -> Any:
            kept = [c for c in children if not (isinstance(c, str) and c.type not in declared)]  # type: ignore[attr-defined]
            return getattr(CURRENT.builder, name)(_at(children), *kept)

        callbacks[name] = staticmethod(reduce)
    return type("Reductions", (), callbacks)()


def rule_methods() -> frozenset[str]:
    """The names of the builder's methods that are grammar rules (the others are its helpers)."""
    return frozenset(
        name
        for name, method in vars(Builder).items()
        if not name.startswith("_") and callable(method) and name not in _HELPERS
    )


def _span(file: str, meta: At | Token) -> Span:
    # a token's position is typed Optional (a token made by hand has none); the parser's always have one
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)  # type: ignore[arg-type]


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}", re.ASCII)

# The numbers of the language are small (a port, a priority: 65535 at most; a prefix length, a
# protocol, an ICMP type: less); Python does not even convert one of 4,300 digits (ValueError).
MAX_DIGITS = 18


class _Long(int):
    """A number written with more than MAX_DIGITS digits: greater than every bound of the language,
    so that the check of each value refuses it with its own message; shown by its first digits and
    its length, never converted nor echoed whole."""

    text: str

    def __str__(self) -> str:
        return f"{self.text[:8]}... ({len(self.text)} digits)"


def _int(text: str) -> int:
    """The value of a run of digits the lexer took (INT, a part of PORT_RANGE...), or a `_Long`."""
    digits = text.lstrip("0") or "0"
    if len(digits) <= MAX_DIGITS:
        return int(digits)
    number = _Long(10**MAX_DIGITS)
    number.text = digits
    return number


class Builder:
    """One file's model pieces, built as it is parsed. Every grammar rule has a method."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[Diagnostic] = []  # malformed values: input errors
        self.findings: list[Diagnostic] = []  # model findings found while building

    # --- helpers -----------------------------------------------------------
    def span(self, meta: Meta | Token) -> Span:
        return _span(self.file, meta)

    def head(self, meta: Meta, name: Token) -> Span:
        """Where a named declaration is reported: from its keyword to its name."""
        # lark types a token's position Optional (a token made by hand has none); the parser's always have one
        return Span(self.file, meta.line, meta.column, name.end_line, name.end_column)  # type: ignore[arg-type]

    def ref(self, token: Token) -> Ref:
        return Ref(str(token), self.span(token))

    def value_error(self, token: Token, message: str) -> None:
        self.errors.append(report("PARSE002", message, self.span(token)))

    def block(self, token: Token) -> Block:
        text = str(token)
        if "/" not in text:
            self.value_error(
                token, f"expected a block with a prefix length (like {shown(text, quoted=False)}/32), got {shown(text)}"
            )
            return _placeholder_block(self.span(token))
        address, _, prefix = text.partition("/")
        parsed = self._address_value(token, address)
        if parsed is None:
            return _placeholder_block(self.span(token))
        version, value = parsed
        width = family_width(version)
        length = _int(prefix) if prefix.isdigit() else None
        if length is None or length > width:
            written = prefix if length is None else length
            self.value_error(
                token,
                f"invalid prefix length /{shown(str(written), quoted=False)}: expected 0 to {width} for IPv{version}",
            )
            return _placeholder_block(self.span(token))
        return Block(version, value, length, self.span(token))

    def address(self, token: Token) -> Address:
        text = str(token)
        if "/" in text:
            self.value_error(token, f"expected an address without a prefix length, got {shown(text)}")
            return Address(4, 0, self.span(token))
        parsed = self._address_value(token, text)
        if parsed is None:
            return Address(4, 0, self.span(token))
        return Address(parsed[0], parsed[1], self.span(token))

    def _address_value(self, token: Token, text: str) -> tuple[IpVersion, int] | None:
        if ":" not in text:
            # four decimal numbers of 0-255 without a leading zero (which some read as octal), as
            # inet_pton reads them
            if _IPV4.fullmatch(text):
                a, b, c, d = text.split(".")
                return 4, int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)
            self.value_error(token, f"invalid IPv4 address {shown(text)}")
            return None
        from ipaddress import IPv6Address  # loaded already (pathlib's urllib); IPv6 only

        try:  # what the lexer takes as an address is read as inet_pton reads it (tests/test_model.py)
            return 6, int(IPv6Address(text))
        except ValueError:
            self.value_error(token, f"invalid IPv6 address {shown(text)}")
            return None

    def attrs(
        self, items: Iterable[Any], required: dict[str, str], owner: str, span: Span, single: tuple[str, ...]
    ) -> dict[str, list[_Attr]]:
        """Group attribute items by key; report repeated single-valued and missing required ones."""
        grouped: dict[str, list[_Attr]] = {}
        for item in items:
            grouped.setdefault(item.key, []).append(item)
        for key in single:
            for extra in grouped.get(key, [])[1:]:
                first = grouped[key][0]
                self.findings.append(
                    report(
                        "MODEL001",
                        f"{owner} gives '{key}' more than once",
                        extra.span,
                        related=(Related(first.span, f"'{key}' first given here"),),
                    )
                )
        for key, what in required.items():
            if key not in grouped:
                self.findings.append(report("MODEL002", f"{owner} has no {what}", span))
        return grouped

    # --- top level ----------------------------------------------------------
    def start(self, meta: Meta, *decls: Any) -> list[Any]:
        return list(decls)

    def provider(self, meta: Meta, name: Token) -> ProviderDecl:
        if str(name) not in PROVIDERS:
            self.value_error(name, f"unknown provider {shown(str(name))}; expected one of {', '.join(PROVIDERS)}")
        return ProviderDecl(str(name), self.span(meta))

    def net(self, meta: Meta, name: Token, *items: Any) -> Net:
        span = self.head(meta, name)
        attrs = [i for i in items if isinstance(i, _Attr)]
        grouped = self.attrs(attrs, {"cidr": "'cidr' block"}, f"net {name}", span, ("account", "region"))
        net_name = str(name)

        def owned(kind: type) -> tuple:
            return tuple(_rebind(i, net_name) for i in items if isinstance(i, kind))

        vms = tuple(_rebind(vm, net_name) for group in items if isinstance(group, _Vms) for vm in group.vms)

        return Net(
            name=net_name,
            account=_first(grouped, "account"),
            region=_first(grouped, "region"),
            blocks=tuple(a.value for a in grouped.get("cidr", [])),
            subnets=owned(Subnet),
            route_tables=owned(RouteTable),
            security_groups=owned(SecurityGroup),
            network_acls=owned(NetworkAcl),
            vms=vms,
            span=span,
            gateways=owned(Gateway),
        )

    def account(self, meta: Meta, value: Token) -> _Attr:
        return _Attr("account", str(value), self.span(meta))

    def region(self, meta: Meta, value: Token) -> _Attr:
        return _Attr("region", str(value), self.span(meta))

    def cidr(self, meta: Meta, value: Token) -> _Attr:
        return _Attr("cidr", self.block(value), self.span(meta))

    def zone(self, meta: Meta, value: Token) -> _Attr:
        return _Attr("zone", str(value), self.span(meta))

    def subnet_route_table(self, meta: Meta, name: Token) -> _Attr:
        return _Attr("route-table", self.ref(name), self.span(meta))

    def subnet_network_acl(self, meta: Meta, name: Token) -> _Attr:
        return _Attr("network-acl", self.ref(name), self.span(meta))

    def subnet(self, meta: Meta, name: Token, *items: _Attr) -> Subnet:
        span = self.head(meta, name)
        grouped = self.attrs(
            items, {"cidr": "'cidr' block"}, f"subnet {name}", span, ("zone", "route-table", "network-acl")
        )
        return Subnet(
            name=str(name),
            net="",
            blocks=tuple(a.value for a in grouped.get("cidr", [])),
            zone=_first(grouped, "zone"),
            route_table=_first(grouped, "route-table"),
            network_acl=_first(grouped, "network-acl"),
            span=span,
        )

    # --- route tables --------------------------------------------------------
    def main(self, meta: Meta, token: Token) -> _Attr:
        return _Attr("main", True, self.span(meta))

    def route(self, meta: Meta, destination: Token, target: _Target) -> _Attr:
        return _Attr("route", Route(self.block(destination), target.kind, target.via, self.span(meta)), self.span(meta))

    def via_peering(self, meta: Meta, name: Token) -> _Target:
        return _Target("peering", self.ref(name), self.span(meta))

    def via_gateway(self, meta: Meta, name: Token) -> _Target:
        return _Target("gateway", self.ref(name), self.span(meta))

    def via_drop(self, meta: Meta, token: Token) -> _Target:
        return _Target("drop", None, self.span(meta))

    def route_table(self, meta: Meta, name: Token, *items: _Attr) -> RouteTable:
        span = self.head(meta, name)
        grouped = self.attrs(items, {}, f"route-table {name}", span, ("main",))
        routes = tuple(a.value for a in grouped.get("route", []))
        return RouteTable(str(name), "", "main" in grouped, routes, span)

    # --- security groups and ACLs -------------------------------------------------
    def protocol(self, token: Token) -> Protocol:
        text = str(token)
        if text == "all":
            return Protocol(ANY_PROTOCOL, self.span(token))
        if text in PROTOCOL_NUMBERS:
            return Protocol(PROTOCOL_NUMBERS[text], self.span(token))
        number = _int(text)
        if number > 255:
            self.value_error(token, f"invalid protocol number {number}: expected 0 to 255")
        return Protocol(number, self.span(token))

    def proto(self, meta: Meta, token: Token) -> Token:
        return token

    def priority(self, meta: Meta, token: Token) -> Token:
        return token

    def ports(self, meta: Meta, token: Token) -> Token:
        return token

    def port_range(self, token: Token | None, protocol: Protocol) -> tuple[Ports | None, Icmp | None]:
        """What follows a protocol: ports (tcp, udp), or an ICMP type and code (icmp, icmpv6)."""
        if token is None:
            return None, None
        if protocol.number in ICMP_PROTOCOLS:
            return None, self.icmp_type(token, protocol)
        if token.type == "ICMP_TYPE_CODE":
            self.findings.append(
                report(
                    "MODEL006",
                    f"an ICMP type and code ({shown(token, quoted=False)}) is given for protocol {protocol}: "
                    "only icmp and icmpv6 have types",
                    self.span(token),
                )
            )
            return None, None
        low_text, _, high_text = str(token).partition("-")
        low, high = _int(low_text), _int(high_text or low_text)
        if low > 65535 or high > 65535:
            self.value_error(token, f"invalid port {max(low, high)}: expected 0 to 65535")
        elif low > high:
            self.value_error(
                token, f"invalid port range {shown(token, quoted=False)}: the first port is greater than the last"
            )
        if protocol.number not in PORTED_PROTOCOLS:
            self.findings.append(
                report(
                    "MODEL006",
                    f"ports are given for protocol {protocol}, which has no ports (only tcp and udp do)",
                    self.span(token),
                )
            )
        return Ports(low, high, self.span(token)), None

    def icmp_type(self, token: Token, protocol: Protocol) -> Icmp | None:
        """`8` (type 8, every code) or `3/4` (type 3, code 4); a range is not an ICMP type."""
        if token.type == "PORT_RANGE":
            self.findings.append(
                report(
                    "MODEL006",
                    f"a range ({shown(token, quoted=False)}) is given for protocol {protocol}: an ICMP type is one "
                    "type (8) or a type and code (3/4)",
                    self.span(token),
                )
            )
            return None
        type_text, _, code_text = str(token).partition("/")
        numbers = [_int(type_text)] + ([_int(code_text)] if code_text else [])
        if max(numbers) > 255:
            what = "type" if numbers[0] > 255 else "code"
            self.value_error(token, f"invalid ICMP {what} {max(numbers)}: expected 0 to 255")
        return Icmp(numbers[0], numbers[1] if code_text else None, self.span(token))

    def peer_block(self, meta: Meta, token: Token) -> Peer:
        return Peer("block", self.block(token), None, self.span(meta))

    def peer_group(self, meta: Meta, name: Token) -> Peer:
        return Peer("group", None, self.ref(name), self.span(meta))

    def peer_any(self, meta: Meta, token: Token) -> Peer:
        return Peer("any", None, None, self.span(meta))

    def _group_rule(
        self,
        direction: Direction,
        meta: Meta,
        action: Token | None,
        priority: Token | None,
        proto: Token,
        ports: Token | None,
        peer: Peer,
    ) -> _Attr:
        protocol = self.protocol(proto)
        ports_given, icmp = self.port_range(ports, protocol)
        number: int | None = None
        if priority is not None:
            number = _int(priority)
            if not 1 <= number <= 65535:
                self.value_error(priority, f"invalid priority {number}: expected 1 (best) to 65535")
        rule = GroupRule(
            direction=direction,
            action="deny" if action is not None and str(action) == "deny" else "allow",
            action_written=action is not None,
            priority=number,
            protocol=protocol,
            ports=ports_given,
            peer=peer,
            span=self.span(meta),
            icmp=icmp,
        )
        return _Attr("rule", rule, rule.span)

    def group_inbound(self, meta: Meta, *args: Any) -> _Attr:
        return self._group_rule("inbound", meta, *args)

    def group_outbound(self, meta: Meta, *args: Any) -> _Attr:
        return self._group_rule("outbound", meta, *args)

    def group_type(self, meta: Meta, word: Token) -> _Attr:
        return _Attr("type", self.choice(word, GROUP_TYPES, "security group type"), self.span(meta))

    def group_inner_access(self, meta: Meta, word: Token) -> _Attr:
        return _Attr("inner-access", self.choice(word, ("accept", "drop"), "inner-access policy"), self.span(meta))

    def choice(self, word: Token, allowed: tuple[str, ...], what: str) -> str:
        """A keyword value from a fixed list; another is an input error at the value."""
        text = str(word)
        if text not in allowed:
            self.value_error(word, f"unknown {what} {shown(text)}; expected {', '.join(allowed[:-1])} or {allowed[-1]}")
            return allowed[0]
        return text

    def security_group(self, meta: Meta, name: Token, *items: _Attr) -> SecurityGroup:
        span = self.head(meta, name)
        grouped = self.attrs(items, {}, f"security-group {name}", span, ("type", "inner-access"))
        return SecurityGroup(
            str(name),
            "",
            tuple(i.value for i in grouped.get("rule", [])),
            span,
            type=_first(grouped, "type") or "basic",
            inner_access=_first(grouped, "inner-access") or "accept",
            type_span=grouped["type"][0].span if "type" in grouped else None,
            inner_access_span=grouped["inner-access"][0].span if "inner-access" in grouped else None,
        )

    def gateway_kind(self, meta: Meta, word: Token) -> _Attr:
        return _Attr("kind", self.choice(word, GATEWAY_KINDS, "gateway kind"), self.span(meta))

    def gateway(self, meta: Meta, name: Token, *items: _Attr) -> Gateway:
        span = self.head(meta, name)
        grouped = self.attrs(items, {}, f"gateway {name}", span, ("kind",))
        return Gateway(str(name), "", _first(grouped, "kind") or "other", span)

    def _acl_rule(
        self,
        direction: Direction,
        meta: Meta,
        number: Token,
        action: Token,
        proto: Token,
        ports: Token | None,
        block: Token,
    ) -> _Attr:
        protocol = self.protocol(proto)
        ports_given, icmp = self.port_range(ports, protocol)
        rule_number = _int(number)
        if rule_number < 1:
            self.value_error(number, "invalid rule number 0: expected 1 or more")
        elif isinstance(rule_number, _Long):
            self.value_error(number, f"invalid rule number {rule_number}: expected at most {MAX_DIGITS} digits")
        rule = AclRule(
            direction=direction,
            number=rule_number,
            action=str(action),  # type: ignore[arg-type]
            protocol=protocol,
            ports=ports_given,
            block=self.block(block),
            span=self.span(meta),
            icmp=icmp,
        )
        return _Attr("rule", rule, rule.span)

    def acl_inbound(self, meta: Meta, *args: Any) -> _Attr:
        return self._acl_rule("inbound", meta, *args)

    def acl_outbound(self, meta: Meta, *args: Any) -> _Attr:
        return self._acl_rule("outbound", meta, *args)

    def network_acl(self, meta: Meta, name: Token, *items: _Attr) -> NetworkAcl:
        return NetworkAcl(str(name), "", tuple(i.value for i in items), self.head(meta, name))

    # --- VMs --------------------------------------------------------------------
    def vm_subnet(self, meta: Meta, name: Token) -> _Attr:
        return _Attr("subnet", self.ref(name), self.span(meta))

    def vm_ip(self, meta: Meta, *addresses: Token) -> _Attr:
        return _Attr("ip", tuple(self.address(a) for a in addresses), self.span(meta))

    def vm_groups(self, meta: Meta, *names: Token) -> _Attr:
        return _Attr("groups", tuple(self.ref(n) for n in names), self.span(meta))

    def vm(self, meta: Meta, name: Token, *items: _Attr) -> _Vms:
        span = self.head(meta, name)
        interfaces = [replace(i.value, owner=str(name)) for i in items if i.key == "interface"]
        attrs = [i for i in items if i.key != "interface"]
        return _Vms((self._vm(str(name), attrs, span, f"vm {name}"), *interfaces))

    def vm_interface(self, meta: Meta, name: Token, *items: _Attr) -> _Attr:
        span = self.head(meta, name)
        return _Attr("interface", self._vm(str(name), items, span, f"interface {name}"), span)

    def _vm(self, name: str, items: Iterable[_Attr], span: Span, owner: str) -> Vm:
        grouped = self.attrs(items, {"subnet": "'subnet'", "ip": "'ip' address"}, owner, span, ("subnet",))
        return Vm(
            name=name,
            net="",
            subnet=_first(grouped, "subnet"),
            addresses=tuple(a for attr in grouped.get("ip", []) for a in attr.value),
            groups=tuple(g for attr in grouped.get("groups", []) for g in attr.value),
            span=span,
        )

    # --- peerings ----------------------------------------------------------------
    def requester(self, meta: Meta, name: Token) -> _Attr:
        return _Attr("requester", self.ref(name), self.span(meta))

    def accepter(self, meta: Meta, name: Token) -> _Attr:
        return _Attr("accepter", self.ref(name), self.span(meta))

    def state(self, meta: Meta, word: Token) -> _Attr:
        state = canonical_state(str(word))
        if state is None:
            known = ", ".join(PEERING_STATES + tuple(PEERING_STATE_ALIASES))
            self.value_error(word, f"unknown peering state {shown(str(word))}; expected one of {known}")
        return _Attr("state", (state, self.span(word)), self.span(meta))

    def created(self, meta: Meta, stamp: Token) -> _Attr:
        try:
            moment = datetime.fromisoformat(str(stamp))
        except ValueError:
            self.value_error(
                stamp, f"invalid timestamp {shown(str(stamp))}; expected ISO 8601 like 2026-11-14T09:30:00Z"
            )
            moment = datetime(1970, 1, 1, tzinfo=timezone.utc)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)  # documented: no offset means UTC
        # A request and its expiry must both fall within datetime's years 1 to 9999, in UTC too: the
        # rules and the printer compute both. A request of year 1 is valid, and long expired.
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:
            self.value_error(
                stamp, f"invalid timestamp {shown(stamp, quoted=False)}: it falls outside years 1 to 9999 in UTC"
            )
            moment = datetime(1970, 1, 1, tzinfo=timezone.utc)
        try:
            (moment + PENDING_LIFETIME).astimezone(timezone.utc)
        except OverflowError:
            self.value_error(
                stamp,
                f"invalid timestamp {shown(stamp, quoted=False)}: a request made then would expire 7 days later, "
                "after the end of year 9999; expected a time at least 7 days before it",
            )
            moment = datetime(1970, 1, 1, tzinfo=timezone.utc)
        return _Attr("created", moment, self.span(meta))

    def peering(self, meta: Meta, name: Token, *items: _Attr) -> Peering:
        span = self.head(meta, name)
        grouped = self.attrs(
            items,
            {"requester": "'requester' net", "accepter": "'accepter' net"},
            f"peering {name}",
            span,
            ("requester", "accepter", "state", "created"),
        )
        state = _first(grouped, "state")
        return Peering(
            name=str(name),
            requester=_first(grouped, "requester"),
            accepter=_first(grouped, "accepter"),
            state=state[0] if state else None,
            state_span=state[1] if state else None,
            created=_first(grouped, "created"),
            span=span,
        )

    # --- what the model does not hold -------------------------------------------
    def unmodelled_nets(self, meta: Meta, *names: Token) -> _Attr:
        return _Attr("nets", tuple(str(n) for n in names), self.span(meta))

    def unmodelled_effect(self, meta: Meta, word: Token) -> _Attr:
        return _Attr("effect", self.choice(word, GAP_EFFECTS, "effect"), self.span(meta))

    def unmodelled_routes(self, meta: Meta, token: Token) -> _Attr:
        return _Attr("routes", True, self.span(meta))

    def unmodelled(self, meta: Meta, what: Token, *items: _Attr) -> Gap:
        span = self.head(meta, what)
        grouped = self.attrs(items, {}, f"unmodelled {what}", span, ("effect", "routes"))
        nets = tuple(n for attr in grouped.get("nets", []) for n in attr.value)
        return Gap(str(what), span, nets, _first(grouped, "effect") or "any", "routes" in grouped)

    # --- assertions ------------------------------------------------------------
    def endpoint(self, meta: Meta, token: Token) -> Endpoint:
        if token.type == "ADDR":
            return Endpoint(None, self.address(token), self.span(meta))
        return Endpoint(self.ref(token), None, self.span(meta))

    def assertion(
        self, meta: Meta, kind: Token, source: Endpoint, destination: Endpoint, proto: Token | None, ports: Token | None
    ) -> Assertion:
        protocol = self.protocol(proto) if proto is not None else None
        port_range, icmp = self.port_range(ports, protocol) if protocol is not None else (None, None)
        if source.address is not None:
            self.findings.append(
                report(
                    "MODEL007",
                    f"an assertion's source must name a vm, subnet or net, not an address ({source.address})",
                    source.span,
                )
            )
        return Assertion(str(kind), source, destination, protocol, port_range, self.span(meta), icmp)  # type: ignore[arg-type]


class Placed(Token):
    """A value read from an imported input (a plan, a state, a dump), with where it was read: what an
    importer gives the builder's methods in place of the parser's tokens and positions. The value is
    validated as a written one is, and an error or a finding points at the resource it came from."""

    span: Span  # the resource's place in the input (no __slots__: a token of the parser has none)


def placed(text: str, span: Span, kind: str = "VALUE") -> Placed:
    """`text` read at `span`, as a token of type `kind` (the grammar's terminal it stands for)."""
    token = Placed(kind, text)
    token.span = span
    return token


class PlacingBuilder(Builder):
    """The builder an importer calls (`importers.estate`): every position is the place of the resource
    a value was read from (`Placed.span`), in whichever input file it is, not a place of peer text."""

    def span(self, meta: Any) -> Span:
        return meta.span

    def head(self, meta: Any, name: Any) -> Span:
        return meta.span


def _placeholder_block(span: Span) -> Block:
    return Block(4, 0, 32, span)


def _first(grouped: dict[str, list[_Attr]], key: str) -> Any:
    values = grouped.get(key)
    return values[0].value if values else None


@dataclass(frozen=True)
class _Target:
    """Where a route goes, before it is placed in its route."""

    kind: RouteTarget
    via: Ref | None
    span: Span


@dataclass(frozen=True)
class _Vms:
    """A `vm` block: the VM, then its other interfaces (each a Vm with `owner` set)."""

    vms: tuple[Vm, ...]

    @property
    def span(self) -> Span:
        return self.vms[0].span


# The methods of `Builder` that are not grammar rules (each rule's method builds its object from them).
_HELPERS = frozenset(
    {"span", "head", "ref", "value_error", "block", "address", "attrs", "protocol", "port_range", "icmp_type", "choice"}
)


def _rebind(item: Any, net: str) -> Any:
    """Record the enclosing net on a declaration built before its net was known."""
    return replace(item, net=net)

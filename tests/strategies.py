"""Hypothesis strategies: peer-language models built directly as model objects.

The names include words that are keywords elsewhere in the language (`main`,
`drop`, `tcp`...): the contextual lexer must read them as names where a name
is expected.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from hypothesis import strategies as st

from verifier.language.model import (
    ANY_PROTOCOL,
    PEERING_STATES,
    PROVIDERS,
    AclRule,
    Address,
    Assertion,
    Block,
    Endpoint,
    Gap,
    GroupRule,
    Icmp,
    Model,
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
    SecurityGroup,
    Span,
    Subnet,
    Vm,
)

SPAN = Span("generated.peer", 1, 1, 1, 1)
KEYWORDS = [
    "main",
    "drop",
    "any",
    "tcp",
    "all",
    "allow",
    "deny",
    "reach",
    "group",
    "net",
    "via",
    "peering",
    "route",
    "from",
    "to",
    "inbound",
    "cidr",
    "subnet",
    "priority",
    "_x",
    "a-1",
    "pcx-12",
    "vpc-a",
    "Z9",
]
names = st.one_of(
    st.sampled_from(KEYWORDS),
    st.from_regex(r"[A-Za-z_]([A-Za-z0-9_-]{0,12}[A-Za-z0-9_])?", fullmatch=True),
    # quoted names: Terraform addresses and the like
    st.sampled_from(["aws_instance.web[0]", 'aws_vpc.this["eu"]', "module.net.aws_subnet.a", "1st", "a b", "x-"]),
)
refs = names.map(lambda n: Ref(n, SPAN))


@st.composite
def blocks(draw, version=None):
    version = version or draw(st.sampled_from([4, 6]))
    width = 32 if version == 4 else 128
    prefix = draw(st.integers(0, width))
    value = draw(st.integers(0, (1 << width) - 1))
    return Block(version, value, prefix, SPAN)


@st.composite
def addresses(draw):
    version = draw(st.sampled_from([4, 6]))
    return Address(version, draw(st.integers(0, (1 << (32 if version == 4 else 128)) - 1)), SPAN)


protocols = st.sampled_from([6, 17, 1, 58, ANY_PROTOCOL, 50, 0, 255]).map(lambda n: Protocol(n, SPAN))


@st.composite
def proto_ports(draw):
    """A protocol and what follows it: ports (tcp, udp), an ICMP type and code (icmp, icmpv6), or nothing."""
    protocol = draw(protocols)
    ports = icmp = None
    if protocol.number in (6, 17) and draw(st.booleans()):
        low = draw(st.integers(0, 65535))
        ports = Ports(low, draw(st.integers(low, 65535)), SPAN)
    if protocol.number in (1, 58) and draw(st.booleans()):
        icmp = Icmp(draw(st.integers(0, 255)), draw(st.none() | st.integers(0, 255)), SPAN)
    return protocol, ports, icmp


@st.composite
def group_rules(draw):
    protocol, ports, icmp = draw(proto_ports())
    kind = draw(st.sampled_from(["block", "group", "any"]))
    peer = Peer(kind, draw(blocks()) if kind == "block" else None, draw(refs) if kind == "group" else None, SPAN)
    action_written = draw(st.booleans())
    return GroupRule(
        direction=draw(st.sampled_from(["inbound", "outbound"])),
        action=draw(st.sampled_from(["allow", "deny"])) if action_written else "allow",
        action_written=action_written,
        priority=draw(st.none() | st.integers(1, 65535)),
        protocol=protocol,
        ports=ports,
        peer=peer,
        span=SPAN,
        icmp=icmp,
    )


@st.composite
def acl_rules(draw):
    protocol, ports, icmp = draw(proto_ports())
    return AclRule(
        draw(st.sampled_from(["inbound", "outbound"])),
        draw(st.integers(1, 32766)),
        draw(st.sampled_from(["allow", "deny"])),
        protocol,
        ports,
        draw(blocks()),
        SPAN,
        icmp,
    )


@st.composite
def routes(draw):
    target = draw(st.sampled_from(["peering", "gateway", "drop"]))
    return Route(draw(blocks()), target, None if target == "drop" else draw(refs), SPAN)


def _small(strategy, most=3):
    return st.lists(strategy, max_size=most).map(tuple)


def _interfaces(draw, vms: tuple) -> tuple:
    """Some VMs after the first made interfaces of it (in the order a vm block lists them)."""
    count = draw(st.integers(0, max(0, len(vms) - 1)))
    if not count or len({vm.name for vm in vms}) < len(vms):
        return vms  # with two VMs of one name, which one an interface belongs to is ambiguous
    owner = vms[0].name
    return (vms[0], *(replace(vm, owner=owner) for vm in vms[1 : 1 + count]), *vms[1 + count :])


@st.composite
def nets(draw):
    name = draw(names)
    return Net(
        name=name,
        account=draw(st.none() | names | st.from_regex(r"[0-9]{1,16}", fullmatch=True)),
        region=draw(st.none() | names),
        blocks=draw(_small(blocks())),
        subnets=draw(
            _small(
                st.builds(
                    Subnet,
                    name=names,
                    net=st.just(name),
                    blocks=_small(blocks()),
                    zone=st.none() | names,
                    route_table=st.none() | refs,
                    network_acl=st.none() | refs,
                    span=st.just(SPAN),
                )
            )
        ),
        route_tables=draw(
            _small(
                st.builds(
                    RouteTable,
                    name=names,
                    net=st.just(name),
                    main=st.booleans(),
                    routes=_small(routes()),
                    span=st.just(SPAN),
                )
            )
        ),
        security_groups=draw(
            _small(
                st.builds(SecurityGroup, name=names, net=st.just(name), rules=_small(group_rules()), span=st.just(SPAN))
            )
        ),
        network_acls=draw(
            _small(st.builds(NetworkAcl, name=names, net=st.just(name), rules=_small(acl_rules()), span=st.just(SPAN)))
        ),
        vms=_interfaces(
            draw,
            draw(
                _small(
                    st.builds(
                        Vm,
                        name=names,
                        net=st.just(name),
                        subnet=st.none() | refs,
                        addresses=_small(addresses()),
                        groups=_small(refs),
                        span=st.just(SPAN),
                    )
                )
            ),
        ),
        span=SPAN,
    )


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))


@st.composite
def peerings(draw):
    state = draw(st.none() | st.sampled_from(PEERING_STATES))
    return Peering(
        draw(names),
        draw(st.none() | refs),
        draw(st.none() | refs),
        state,
        SPAN if state else None,
        draw(st.none() | moments),
        SPAN,
    )


@st.composite
def assertions(draw):
    destination = draw(
        st.one_of(refs.map(lambda r: Endpoint(r, None, SPAN)), addresses().map(lambda a: Endpoint(None, a, SPAN)))
    )
    protocol, ports, icmp = draw(st.none() | proto_ports()) or (None, None, None)
    return Assertion(
        draw(st.sampled_from(["reach", "isolate"])),
        Endpoint(draw(refs), None, SPAN),
        destination,
        protocol,
        ports,
        SPAN,
        icmp,
    )


@st.composite
def gaps(draw):
    """An `unmodelled` declaration (what an import left out)."""
    return Gap(
        draw(names),
        SPAN,
        tuple(dict.fromkeys(draw(st.lists(names, max_size=2)))),
        draw(st.sampled_from(["any", "allows", "vm"])),
        draw(st.booleans()),
    )


@st.composite
def models(draw):
    return Model(
        providers=draw(_small(st.sampled_from(PROVIDERS).map(lambda p: ProviderDecl(p, SPAN)), 2)),
        nets=draw(_small(nets(), 3)),
        peerings=draw(_small(peerings())),
        assertions=draw(_small(assertions())),
        gaps=draw(_small(gaps(), 2)),
    )

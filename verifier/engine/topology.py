"""Facts about a well-formed model, indexed once: who holds which address, which
table and ACL a subnet uses, which peerings join which nets, in what state.

Both the solver encoding and the concrete simulator read these facts; neither
shares the other's evaluation code, so the differential tests compare two
independent readings of the same semantics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Callable

from verifier.language.model import (
    ANY_PROTOCOL,
    TRANSITIONAL_STATES,
    Block,
    Endpoint,
    Gateway,
    GroupRule,
    Model,
    Net,
    NetworkAcl,
    Peer,
    Peering,
    Protocol,
    Ref,
    Route,
    RouteTable,
    SecurityGroup,
    Span,
    Subnet,
    Vm,
)

# Alibaba's implicit rules of a basic group rank below every written rule (priorities 1-100).
IMPLICIT_PRIORITY = 1_000_000
# Providers whose security groups have allow rules only: a deny or a priority is refused (SG001).
ALLOW_ONLY = ("aws", "outscale")


@dataclass(frozen=True)
class LocalRoute:
    """A net's local route: delivery within the net's own blocks.

    `block` is the block that holds the address when one address was looked up
    (the simulator); None where a range of addresses is meant (the atoms, the solver)."""

    block: Block | None = None

    def __str__(self) -> str:
        return str(self.block) if self.block is not None else "local"

    @property
    def span(self) -> Span | None:
        return self.block.span if self.block is not None else None


# What a route table chooses for a destination: the local route, a declared route, or none (dropped).
RouteChoice = LocalRoute | Route | None


@dataclass(frozen=True)
class Holder:
    vm: Vm
    address: int
    version: int


class Topology:
    """Indexes over a model at a moment `now` (peering states depend on it)."""

    def __init__(self, model: Model, now: datetime):
        self.model = model
        self.now = now
        self.nets: dict[str, Net] = {n.name: n for n in model.nets}
        self._rules: dict[str, tuple[GroupRule, ...]] = {}
        self._states: dict[str, str] = {}
        self._public: dict[tuple[int, int], bool] = {}

    # --- nets and subnets ------------------------------------------------------
    def net_of(self, vm: Vm) -> Net:
        return self.nets[vm.net]

    def subnet_of(self, vm: Vm) -> Subnet:
        subnet = self.model.lookup(vm.subnet, Subnet)
        assert isinstance(subnet, Subnet), f"vm {vm.name} has no subnet (gated by NAME/MODEL checks)"
        return subnet

    def table_of(self, subnet: Subnet) -> RouteTable | None:
        return self.model.subnet_table(subnet)

    def acl_of(self, subnet: Subnet) -> NetworkAcl | None:
        acl = self.model.lookup(subnet.network_acl, NetworkAcl)
        return acl if isinstance(acl, NetworkAcl) else None

    def local_blocks(self, net: Net) -> tuple[Block, ...]:
        """The blocks of the implicit local routes of every table of `net`.

        One per net block; with `provider alibaba`, one per subnet (vSwitch)
        block of the net (its system routes).
        """
        if self.model.provider == "alibaba":
            return tuple(b for s in net.subnets for b in s.blocks)
        return net.blocks

    def overrides(self, net: Net, table: RouteTable | None) -> list[Route]:
        """Routes of `table` selected before the local route (`provider aws`): a `via gateway` route
        whose destination is exactly a subnet block of the net (middlebox insertion)."""
        if table is None or self.model.provider != "aws":
            return []
        subnet_blocks = {(b.version, b.first, b.prefixlen) for s in net.subnets for b in s.blocks}
        chosen: dict[tuple[int, int, int], Route] = {}
        for route in table.routes:
            key = (route.destination.version, route.destination.first, route.destination.prefixlen)
            if route.target == "gateway" and key in subnet_blocks:
                chosen.setdefault(key, route)
        return list(chosen.values())

    # --- gateways ------------------------------------------------------------------
    def gateway_kind(self, name: str) -> str:
        """The declared kind of a gateway; an undeclared one is `other`."""
        decl = self.model.names.get(name)
        return decl.gateway_kind if isinstance(decl, Gateway) else "other"

    def may_come_back(self, route: Route, version: int, address: int) -> bool:
        """Whether a packet for `address` that a route sends to a gateway may come back into a modelled
        net (LANGUAGE.md, "What a model means", 3): through every kind but `internet`; through an
        internet gateway only to a public address (the internet never delivers a private one)."""
        if route.target != "gateway" or route.via is None:
            return False
        return self.gateway_kind(route.via.name) != "internet" or self.is_public(version, address)

    def is_public(self, version: int, address: int) -> bool:
        """Whether the internet routes to an address (not private, shared, link-local, documentation...)."""
        key = (version, address)
        if key not in self._public:
            import netaddr  # loaded here, where a gateway to the internet is: most runs never need it

            self._public[key] = netaddr.IPAddress(address, 6 if version == 6 else 4).is_global()
        return self._public[key]

    @cached_property
    def uncertain(self) -> bool:
        """Whether any verdict may rest on a fact the model does not pin down (a gateway that may bring
        a packet back, a transitional peering). Without one, the definite and the possible readings agree."""
        if any(self.state(p) in TRANSITIONAL_STATES for p in self.model.peerings):
            return True
        kinds = {
            self.gateway_kind(r.via.name)
            for _, _, _, r in self.model.routes()
            if r.target == "gateway" and r.via is not None
        }
        if kinds - {"internet"}:
            return True
        return bool(kinds) and any(self.is_public(a.version, a.value) for vm in self.model.vms() for a in vm.addresses)

    # --- VMs and addresses --------------------------------------------------------
    @cached_property
    def _holders(self) -> dict[tuple[str, int, int], Vm]:
        index: dict[tuple[str, int, int], Vm] = {}
        for vm in self.model.vms():
            for address in vm.addresses:
                index.setdefault((vm.net, address.version, address.value), vm)
        return index

    def vm_holding(self, net: Net, version: int, address: int) -> Vm | None:
        return self._holders.get((net.name, version, address))

    def holders_anywhere(self, version: int, address: int) -> list[Vm]:
        """The VMs of every net holding an address, by net and name (one per net)."""
        return sorted(
            (vm for (net, v, value), vm in self._holders.items() if v == version and value == address),
            key=lambda vm: (vm.net, vm.name),
        )

    def holders_in(self, net: Net, version: int) -> list[Holder]:
        return [Holder(vm, a.value, a.version) for vm in net.vms for a in vm.addresses if a.version == version]

    def groups_of(self, vm: Vm) -> list[SecurityGroup]:
        groups = [self.model.lookup(ref, SecurityGroup) for ref in vm.groups]
        return [g for g in groups if isinstance(g, SecurityGroup)]

    def is_member(self, vm: Vm | None, group_name: str) -> bool:
        """Whether `vm` is in the group: `group G` in a rule matches by membership, not address."""
        return vm is not None and any(ref.name == group_name for ref in vm.groups)

    def rules_of(self, group: SecurityGroup) -> tuple[GroupRule, ...]:
        """The rules the platform applies: the written ones it accepts, then the implicit ones.

        A rule the provider refuses (SG003) does not exist. With `provider alibaba`, a basic group
        allows all outbound traffic and inbound traffic from its members (unless `inner-access drop`),
        below every written rule.
        """
        if group.name not in self._rules:
            rules = [r for r in group.rules if self.refused_rule(group, r) is None]
            if self.model.provider == "alibaba" and group.type == "basic":
                everything = Protocol(ANY_PROTOCOL, group.span)
                rules.append(
                    GroupRule(
                        "outbound",
                        "allow",
                        False,
                        IMPLICIT_PRIORITY,
                        everything,
                        None,
                        Peer("any", None, None, group.span),
                        group.span,
                    )
                )
                if group.inner_access == "accept":
                    rules.append(
                        GroupRule(
                            "inbound",
                            "allow",
                            False,
                            IMPLICIT_PRIORITY,
                            everything,
                            None,
                            Peer("group", None, Ref(group.name, group.span), group.span),
                            group.span,
                        )
                    )
            self._rules[group.name] = tuple(rules)
        return self._rules[group.name]

    def refused_rule(self, group: SecurityGroup, rule: GroupRule) -> str | None:
        """Why the provider refuses a rule (SG001, SG003), or None where it accepts it."""
        if self.model.provider in ALLOW_ONLY and (rule.action == "deny" or rule.priority is not None):
            return f"{self.model.provider} security groups have allow rules only, without priorities"
        return self.refused_reference(group, rule)

    def refused_reference(self, group: SecurityGroup, rule: GroupRule) -> str | None:
        """Why the provider refuses a rule's group reference (SG003), or None where it accepts it."""
        if rule.peer.group is None:
            return None
        other = self.model.lookup(rule.peer.group, SecurityGroup)
        if other is None:
            return None
        net = self.nets[group.net]
        provider = self.model.provider
        if provider == "alibaba":
            if group.type == "enterprise":
                return (
                    f"rule names group '{other.name}'; an Alibaba Cloud enterprise security group cannot "
                    "name a security group"
                )
            if other.net != group.net:
                return (
                    f"rule names group '{other.name}' of net '{other.net}'; an Alibaba Cloud VPC-type "
                    f"security group names groups of its own VPC only (net '{group.net}')"
                )
            return None
        if other.net == group.net:
            return None
        peer = self.nets[other.net]
        peered = any(
            self.other_net(p, net) is peer and self.state(p) == "active" for p in self.peerings_of.get(net.name, [])
        )
        if not peered:
            return (
                f"rule names group '{other.name}' of net '{peer.name}', which no active peering joins to net "
                f"'{net.name}'"
            )
        if provider == "aws" and net.region and peer.region and net.region != peer.region:
            return (
                f"rule names group '{other.name}' of net '{peer.name}' in region {peer.region}; aws allows "
                f"peer group references in one region only (net '{net.name}' is in {net.region})"
            )
        return None

    @cached_property
    def _members(self) -> dict[str, list[Vm]]:
        members: dict[str, list[Vm]] = {}
        for vm in self.model.vms():
            for ref in dict.fromkeys(r.name for r in vm.groups):
                members.setdefault(ref, []).append(vm)
        return members

    def member_addresses(self, group_name: str, version: int) -> list[int]:
        """Addresses of every VM in the group (of any net), of one family."""
        return sorted(
            {a.value for vm in self._members.get(group_name, []) for a in vm.addresses if a.version == version}
        )

    def endpoint_vms(self, endpoint: Endpoint, every_interface: bool = False) -> list[Vm]:
        """The VMs an assertion endpoint stands for (for an address: the interfaces holding it).

        A VM with several interfaces is its primary interface, unless `every_interface` (an
        `isolate`: no interface of it may send or receive): then each of its interfaces, and a
        subnet or net stands for every interface in it. An interface named explicitly is itself."""
        if endpoint.address is not None:
            return [
                vm
                for vm in self.model.vms()
                if any(
                    a.version == endpoint.address.version and a.value == endpoint.address.value for a in vm.addresses
                )
            ]
        decl = self.model.lookup(endpoint.name)
        if isinstance(decl, Vm):
            return [decl] + (self.interfaces_of(decl) if every_interface else [])
        if isinstance(decl, Subnet):
            found = [vm for vm in self.nets[decl.net].vms if vm.subnet and vm.subnet.name == decl.name]
        elif isinstance(decl, Net):
            found = list(decl.vms)
        else:
            return []
        return found if every_interface else [vm for vm in found if vm.owner is None]

    @cached_property
    def _interfaces(self) -> dict[str, list[Vm]]:
        index: dict[str, list[Vm]] = {}
        for vm in self.model.vms():
            if vm.owner is not None:
                index.setdefault(vm.owner, []).append(vm)
        return index

    def interfaces_of(self, vm: Vm) -> list[Vm]:
        """A VM's other interfaces (none for an interface itself)."""
        return self._interfaces.get(vm.name, []) if vm.owner is None else []

    @staticmethod
    def instance_of(vm: Vm) -> str:
        """The VM an interface belongs to (a VM is its own): packets between them never cross the network."""
        return vm.owner or vm.name

    def egress(self, vm: Vm, version: int, address: int) -> Vm:
        """The interface a VM sends a packet for `address` from: the one whose subnet holds the address
        (the instance's own route to a subnet it has an interface in), else its primary interface. An
        interface named explicitly sends from itself."""
        for interface in [vm] + self.interfaces_of(vm):
            subnet = self.subnet_of(interface)
            if any(b.contains(address, version) for b in subnet.blocks) and any(
                a.version == version for a in interface.addresses
            ):
                return interface
        return vm

    # --- peerings -------------------------------------------------------------------
    def peering(self, name: str) -> Peering | None:
        decl = self.model.names.get(name)
        return decl if isinstance(decl, Peering) else None

    def state(self, peering: Peering) -> str:
        """The state the platform puts a peering in: as declared (and expired), or `failed` where the
        provider refuses it (PEER001, PEER004): a refused configuration carries no traffic."""
        if peering.name not in self._states:
            self._states[peering.name] = (
                "failed" if self.refusal(peering) else self.model.peering_state(peering, self.now)
            )
        return self._states[peering.name]

    def refusal(self, peering: Peering) -> str | None:
        """Why the provider fails a peering request, if it does."""
        requester, accepter = self.model.peering_nets(peering)
        if requester is None or accepter is None or requester is accepter:
            return None
        provider = self.model.provider
        if provider != "alibaba" and any(x.overlaps(y) for x in requester.blocks for y in accepter.blocks):
            return "the peered nets' blocks overlap"
        if provider == "alibaba" and any(
            x.overlaps(y) for a in requester.subnets for b in accepter.subnets for x in a.blocks for y in b.blocks
        ):
            return "the peered nets' vSwitch blocks overlap"
        if provider == "outscale" and requester.region and accepter.region and requester.region != accepter.region:
            return "the peered nets are in different regions"
        return None

    def joined(self, peering: Peering) -> tuple[str, str] | None:
        """The two net names a peering joins, if both are declared."""
        requester, accepter = self.model.peering_nets(peering)
        if requester is None or accepter is None:
            return None
        return requester.name, accepter.name

    def other_net(self, peering: Peering, net: Net) -> Net | None:
        """The net across `peering` from `net`; None if the peering does not join `net`."""
        joined = self.joined(peering)
        if joined is None or net.name not in joined or joined[0] == joined[1]:
            return None
        return self.nets[joined[1] if joined[0] == net.name else joined[0]]

    def carries_to(self, net: Net, choice: RouteChoice, carries: Callable[[Peering], bool] | None = None) -> Net | None:
        """The net a route chosen in `net` carries a packet to: `net` itself for the local route, the
        peer net for a route over a peering that carries traffic, None otherwise (no route, a drop,
        a gateway out of the modelled network). `carries` says which peerings carry (default: the
        active ones; the possible reading adds the transitional ones)."""
        if choice is None:
            return None
        if isinstance(choice, LocalRoute):
            return net
        if choice.target != "peering" or choice.via is None:
            return None
        peering = self.peering(choice.via.name)
        if peering is None or not (carries(peering) if carries else self.state(peering) == "active"):
            return None
        return self.other_net(peering, net)

    @cached_property
    def peerings_of(self) -> dict[str, list[Peering]]:
        index: dict[str, list[Peering]] = {}
        for peering in self.model.peerings:
            joined = self.joined(peering)
            if joined:
                for name in dict.fromkeys(joined):
                    index.setdefault(name, []).append(peering)
        return index

    def subnets_using(self, table: RouteTable) -> list[Subnet]:
        net = self.nets[table.net]
        return [s for s in net.subnets if self.table_of(s) is table]

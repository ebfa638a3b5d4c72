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

from .model import (
    Block,
    Endpoint,
    Model,
    Net,
    NetworkAcl,
    Peering,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vm,
)


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

    def holders_in(self, net: Net, version: int) -> list[Holder]:
        return [Holder(vm, a.value, a.version) for vm in net.vms for a in vm.addresses if a.version == version]

    def groups_of(self, vm: Vm) -> list[SecurityGroup]:
        groups = [self.model.lookup(ref, SecurityGroup) for ref in vm.groups]
        return [g for g in groups if isinstance(g, SecurityGroup)]

    @cached_property
    def _members(self) -> dict[str, list[Vm]]:
        members: dict[str, list[Vm]] = {}
        for vm in self.model.vms():
            for ref in dict.fromkeys(r.name for r in vm.groups):
                members.setdefault(ref, []).append(vm)
        return members

    def member_addresses(self, group_name: str, version: int) -> list[int]:
        """Addresses of every VM in the group (of any net), of one family."""
        return sorted({a.value for vm in self._members.get(group_name, []) for a in vm.addresses
                       if a.version == version})

    def endpoint_vms(self, endpoint: Endpoint) -> list[Vm]:
        """The VMs an assertion endpoint stands for (for an address: the VMs holding it)."""
        if endpoint.address is not None:
            return [vm for vm in self.model.vms()
                    if any(a.version == endpoint.address.version and a.value == endpoint.address.value
                           for a in vm.addresses)]
        decl = self.model.lookup(endpoint.name)
        if isinstance(decl, Vm):
            return [decl]
        if isinstance(decl, Subnet):
            return [vm for vm in self.nets[decl.net].vms if vm.subnet and vm.subnet.name == decl.name]
        if isinstance(decl, Net):
            return list(decl.vms)
        return []

    # --- peerings -------------------------------------------------------------------
    def peering(self, name: str) -> Peering | None:
        decl = self.model.names.get(name)
        return decl if isinstance(decl, Peering) else None

    def state(self, peering: Peering) -> str:
        return self.model.peering_state(peering, self.now)

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

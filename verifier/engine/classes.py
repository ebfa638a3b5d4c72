"""VMs that the network cannot tell apart: equivalence classes for questions about many VM pairs.

Two VMs are alike when each interface of one has a counterpart in the other in the same subnet, with
the same security groups, and with addresses that fall, one for one, in the same atoms of every block
the model writes (net and subnet blocks, route destinations, rule and entry blocks): every route
table, security group, network ACL and peering then treats their packets alike, and so does the
simulator. A connection from a VM of class A to one of class B works exactly when it works from any
other VM of A to any other of B; the `matrix` asks once per pair of classes instead of once per pair of
VMs. What an import left out (`Gap`) may single out one VM: with gaps, nothing is grouped.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Hashable

from verifier.engine.topology import Topology
from verifier.language.model import Block, Model, Vm


def _blocks(model: Model) -> list[Block]:
    """Every block the model writes, which an address may fall inside or outside of."""
    blocks: list[Block] = []
    for net in model.nets:
        blocks.extend(net.blocks)
        for subnet in net.subnets:
            blocks.extend(subnet.blocks)
        for table in net.route_tables:
            blocks.extend(route.destination for route in table.routes)
        for group in net.security_groups:
            blocks.extend(rule.peer.block for rule in group.rules if rule.peer.block is not None)
        for acl in net.network_acls:
            blocks.extend(entry.block for entry in acl.rules)
    return blocks


class Classes:
    """The class of each VM of a model (a key: equal keys, alike VMs)."""

    def __init__(self, model: Model, topology: Topology):
        self.topology = topology
        cuts: dict[int, set[int]] = {4: set(), 6: set()}
        for block in _blocks(model):
            cuts[block.version].update((block.first, block.last + 1))
        self._cuts = {version: sorted(points) for version, points in cuts.items()}
        # With a gap or an assertion naming an address, every VM is its own class.
        self._alone = bool(model.gaps)
        self._keys: dict[str, Hashable] = {}

    def _atom(self, version: int, value: int) -> int:
        return bisect_right(self._cuts[version], value)

    def _interface(self, vm: Vm) -> Hashable:
        subnet = vm.subnet.name if vm.subnet else None
        groups = tuple(sorted(g.name for g in vm.groups))
        addresses = tuple((a.version, self._atom(a.version, a.value)) for a in vm.addresses)
        return subnet, groups, addresses

    def same(self, one: Vm, other: Vm) -> bool:
        """Whether two VMs (or interfaces) are one instance: its packets to itself never cross the network."""
        return self.topology.instance_of(one) == self.topology.instance_of(other)

    def key(self, vm: Vm) -> Hashable:
        """The class of `vm` (of its instance: every interface counts)."""
        if vm.name not in self._keys:
            if self._alone or vm.owner is not None:  # an interface named alone is itself only
                self._keys[vm.name] = vm.name
            else:
                interfaces = tuple(self._interface(i) for i in self.topology.interfaces_of(vm))
                self._keys[vm.name] = (vm.net, self._interface(vm), interfaces)
        return self._keys[vm.name]

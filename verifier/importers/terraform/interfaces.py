"""Network interfaces managed apart from their VM (AWS `aws_network_interface`, Outscale `outscale_nic`),
placed on the VMs they are attached to.

A VM of the language is its primary interface (its own subnet, addresses and groups) and any number
of `interface NAME { subnet ... ip ... groups ... }` blocks (docs/language.md, "Several
interfaces"): a packet to an interface's address arrives through that interface's subnet ACL and
groups, so an instance with a second interface in another subnet is reachable there. Leaving that
interface out, or moving its addresses onto the primary's subnet, would let `assert isolate` be
proved while the instance is reachable through it.

The mapping reads each interface (`Nic`) and what attaches it (its own attachment block, an
attachment resource, the VM's own interface blocks: `NicBlock`, which may also create the interface,
as Outscale's `nics` do); `place` puts it on its VM: device 0 is the
VM's primary interface (its addresses and groups are the VM's own), any other device one more
`interface` of the VM. What cannot be placed is said, never moved: an interface attached to no VM of
the input carries no modelled traffic (IMP001), one in another net than its VM's (AWS's multi-VPC
attachments) is not modelled (IMP001).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verifier.importers.estate import Item
from verifier.importers.terraform import Resource, Target, iter_blocks
from verifier.importers.terraform.mapping import Fields, Mapping, Resolver


@dataclass
class Link:
    """An attachment: the VM's declared name (None: not resolved, said already or below), the device
    index (None: not given), and the resource that makes it."""

    vm: str | None
    device: int | None
    resource: Resource


@dataclass
class Nic:
    """A network interface read from its resource: its declared subnet and net, addresses, groups."""

    resource: Resource
    subnet: str
    net: str
    addresses: list[str]
    groups: list[str]
    links: list[Link] = field(default_factory=list)
    placed: bool = False  # taken as a VM's primary interface by the mapping


def device(value: Any) -> int | None:
    """A device index as the providers write it (a number, or a string in a format-3 state)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def attached_to(mapping: Mapping, resource: Resource, fields: Fields, attribute: str, index: Any, what: str) -> Link:
    """The attachment `resource` makes (its `fields`: the resource's, or one of its blocks): to the VM
    `attribute` names (said when that is none of the input), at device `index`."""
    name = mapping.name(fields.target(attribute))
    if name is None:
        mapping.lookup(resource, attribute, what, "the attachment of the interface is not modelled", fields)
    return Link(name, device(index), resource)


def subnet_of(mapping: Mapping, resource: Resource, what: str) -> tuple[str, str] | None:
    """The declared subnet `subnet_id` of `resource` names, and its net; None, said, when it is none."""
    subnet = mapping.lookup(resource, "subnet_id", "subnet", f"the {what} is not modelled")
    net = mapping.estate.owner.get(subnet) if subnet else None
    return (subnet, net) if subnet is not None and net is not None else None


def primary_link(nic: Nic) -> Link | None:
    """The attachment that makes `nic` its VM's primary interface (device 0), if any."""
    return next((link for link in nic.links if link.device == 0 and link.vm is not None), None)


def place(mapping: Mapping, nics: dict[str, Nic]) -> None:
    """Each interface on its VM: device 0 joins the VM's primary interface, any other device is one more
    `interface` of it; what cannot be is said at the interface."""
    estate = mapping.estate
    for name, nic in nics.items():
        if nic.placed:
            continue
        vms = list(dict.fromkeys(link.vm for link in nic.links if link.vm is not None))
        unresolved = [link for link in nic.links if link.vm is None]
        if not vms:
            if not unresolved:  # what failed to resolve was said where it was looked up
                mapping.not_modelled(
                    nic.resource,
                    "the network interface is attached to no instance of the input: it sends and receives "
                    "nothing that is modelled",
                )
            continue
        if len(vms) > 1:
            mapping.not_modelled(
                nic.resource,
                f"the network interface is attached to {' and '.join(vms)} (an interface is attached to one "
                "instance at a time); traffic through it is not modelled",
                gap=[nic.net, *(estate.owner.get(vm, "") for vm in vms)],
            )
            continue
        vm = estate.find(vms[0])
        if vm is None or vm.kind != "vm":
            mapping.not_modelled(  # something answers at its addresses: a VM the model does not hold
                nic.resource,
                f"the network interface is attached to {vms[0]}, which is not modelled; traffic through it is "
                "not modelled",
                gap=[nic.net],
                effect="vm",
            )
            continue
        if estate.owner.get(vm.name) != nic.net:
            mapping.not_modelled(
                nic.resource,
                f"the network interface is in subnet {nic.subnet} of {nic.net}, and its instance {vm.name} in "
                f"{estate.owner.get(vm.name)}: an interface of another net than its VM's is not modelled; "
                "traffic through it is not checked",
                gap=[nic.net, estate.owner.get(vm.name, "")],
            )
            continue
        link = next(link for link in nic.links if link.vm == vm.name)
        if link.device == 0:
            join_primary(mapping, vm, nic)
        else:
            vm.interface(name, nic.subnet, nic.addresses, nic.groups, nic.resource.origin)


def join_primary(mapping: Mapping, vm: Item, nic: Nic) -> None:
    """`nic` is the VM's primary interface: its addresses and groups are the VM's (said when the VM's
    own subnet is another one, which no cloud allows)."""
    subnet = (vm.attrs.get("subnet") or [nic.subnet])[0]
    if subnet != nic.subnet:
        mapping.not_modelled(
            nic.resource,
            f"the network interface is the primary (device 0) of {vm.name}, whose subnet is {subnet}, but it is "
            f"in subnet {nic.subnet}; its addresses and groups are not modelled",
            gap=[mapping.estate.owner.get(vm.name, ""), nic.net],
        )
        return
    vm.primary(nic.subnet, nic.addresses, nic.groups)
    nic.placed = True


class NicBlock(Fields):
    """A block of a VM's NICs (Outscale's `nics` and `primary_nic`), with its device number (the block's,
    else its `link_nic`'s)."""

    def __init__(self, resolver: Resolver, vm: Resource, attribute: str, index: int, block: dict):
        super().__init__(resolver, vm, attribute, index, block)
        links = list(iter_blocks(block.get("link_nic")))
        number = block.get("device_number")
        self.device = device(number if number is not None else (links[0].get("device_number") if links else None))
        self.label = f"{attribute}[{index}]"

    def references(self, field: str) -> list[Target]:
        """As `Fields.references`; a configuration may write the device number as a string ("0"), which
        the plan holds as the number it stands for: the configured block is found by either."""
        found = super().references(field)
        if found or self.device is None:
            return found
        quoted = {**self.values, "device_number": str(self.device)}
        return self.r.block_references(self.resource, self.attribute or "", quoted, field)


def marked(block: Fields, field: str) -> bool:
    """Whether `field` of the block, or any part of it, is unknown until apply."""
    if block.unknown(field):
        return True
    mark = block.resource.unknown.get(block.attribute or "")
    mark = mark[block.index] if isinstance(mark, list) and block.index < len(mark) else None
    return _any_true(mark.get(field) if isinstance(mark, dict) else None)


def _any_true(mark: Any) -> bool:
    if isinstance(mark, dict):
        return any(_any_true(m) for m in mark.values())
    if isinstance(mark, list):
        return any(_any_true(m) for m in mark)
    return mark is True

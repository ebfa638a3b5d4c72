"""The outscale provider's network resources, as an estate.

outscale_net, outscale_subnet, outscale_net_peering, outscale_net_peering_acceptation,
outscale_route_table (its computed `routes` and `link_route_tables` in states),
outscale_route, outscale_route_table_link, outscale_main_route_table_link,
outscale_security_group (its computed `inbound_rules` / `outbound_rules` in states),
outscale_security_group_rule (`rules` with `ip_ranges` and `security_groups_members`),
outscale_vm (with its `nics` and `primary_nic` blocks), outscale_nic and outscale_nic_link (a VM's
other NICs: `interfaces`). Outscale has no network ACLs.

Outscale behaviour the resources leave implicit: a subnet with no route table link
uses the Net's main table (local routes only unless managed); a peering waits in
`pending-acceptance` until accepted (outscale_net_peering_acceptation, whose own
`state`, read after accepting, wins over the one the peering resource recorded
when it was created, as an AWS accepter's `accept_status` does); a new security
group holds a rule allowing all outbound traffic unless
`remove_default_outbound_rule` is set.

A VM launched with its NICs (`nics`, or `primary_nic` and outscale_nic_link) has no `subnet_id` in
its configuration: the NIC of device 0 is its primary interface (its subnet, addresses and groups are
the VM's), any other device one more interface of it. A block names an outscale_nic (`nic_id`), which
is then attached to the VM, or creates a NIC (`subnet_id`, `private_ips`, `security_group_ids`). A
state holds every NIC of the VM in `nics` (and device 0 again in `primary_nic`), with the computed
`security_groups` of each: the top-level `security_group_ids` of such a VM is empty.
"""

from __future__ import annotations

from typing import Any

from verifier.importers.estate import DROP, Estate, Item, block_peer, group_peer
from verifier.importers.terraform import External, Resource, Target, iter_blocks
from verifier.importers.terraform.interfaces import (
    Link,
    Nic,
    NicBlock,
    attached_to,
    join_primary,
    marked,
    place,
    subnet_of,
)
from verifier.importers.terraform.mapping import Fields, Ids, Mapping, Resolver, after_apply, blocks_of
from verifier.importers.terraform.source import MASKED
from verifier.language.model import canonical_state

# What the ids of the resources are ids of (each also holds its own id under a second name, `net_id`
# for a Net), and what each attribute that holds one refers to.
IDS = Ids(
    kinds={
        "outscale_net": "net",
        "outscale_subnet": "subnet",
        "outscale_net_peering": "peering",
        "outscale_route_table": "route-table",
        "outscale_security_group": "security-group",
        "outscale_vm": "vm",
        "outscale_nic": "nic",
    },
    holders={
        "outscale_net": {"net_id": "net"},
        "outscale_subnet": {"subnet_id": "subnet"},
        "outscale_net_peering": {"net_peering_id": "peering"},
        "outscale_route_table": {"route_table_id": "route-table"},
        "outscale_security_group": {"security_group_id": "security-group"},
        "outscale_vm": {"vm_id": "vm"},
        "outscale_nic": {"nic_id": "nic"},
    },
    refers={
        "net_id": "net",
        "source_net_id": "net",
        "accepter_net_id": "net",
        "subnet_id": "subnet",
        "route_table_id": "route-table",
        "security_group_id": "security-group",
        "security_group_ids": "security-group",
        "net_peering_id": "peering",
        "vm_id": "vm",
        "nic_id": "nic",
    },
)
UNDERSTOOD = {
    "outscale_net",
    "outscale_subnet",
    "outscale_net_peering",
    "outscale_net_peering_acceptation",
    "outscale_route_table",
    "outscale_route",
    "outscale_route_table_link",
    "outscale_main_route_table_link",
    "outscale_security_group",
    "outscale_security_group_rule",
    "outscale_vm",
    "outscale_nic",
    "outscale_nic_link",
}
IRRELEVANT = {
    "outscale_internet_service",
    "outscale_internet_service_link",
    "outscale_nat_service",
    "outscale_public_ip",
    "outscale_public_ip_link",
    "outscale_keypair",
    "outscale_image",
    "outscale_volume",
    "outscale_volume_link",
    "outscale_tag",
    "outscale_net_attributes",
    "outscale_load_balancer",
    "outscale_net_access_point",
    "outscale_flexible_gpu",
    "outscale_snapshot",
}
GATEWAYS = ("gateway_id", "nat_service_id", "nic_id", "vm_id", "net_access_point_id")

_TARGETS = {attribute: str for attribute in GATEWAYS + ("net_peering_id",)}
_RULE = {"ip_ranges": [str], "security_groups_members": [{"security_group_id": str}]}
# A NIC block of a VM (`nics`, `primary_nic`): a plan holds a device number as a number, a state's
# `link_nic` as a string; a plan's `security_group_ids` (a list) holds null where an id is unknown.
_NIC = {
    "device_number": (int, str),
    "nic_id": str,
    "subnet_id": str,
    "private_ips": [{"private_ip": str}],
    "security_group_ids": list,
    "security_groups": [{"security_group_id": str}],
    "link_nic": [{"device_number": (int, str)}],
}
# The attributes read whose type the mapping relies on (names, lists, blocks), by resource type (`shape`).
VALUES = {
    "outscale_subnet": {"subregion_name": str},
    "outscale_route_table": {"link_route_tables": [{"subnet_id": str}], "routes": [_TARGETS]},
    "outscale_route": _TARGETS,
    "outscale_net_peering": {"state": [{"name": str}], "source_net": [dict], "accepter_net": [dict]},
    "outscale_net_peering_acceptation": {"state": [{"name": str}]},
    "outscale_security_group": {"inbound_rules": [_RULE], "outbound_rules": [_RULE]},
    "outscale_security_group_rule": {**_RULE, "rules": [_RULE]},
    "outscale_vm": {"private_ips": [str], "security_group_ids": [str], "nics": [_NIC], "primary_nic": [_NIC]},
    "outscale_nic": {
        "private_ips": [{"private_ip": str}],
        "security_group_ids": [str],
        "security_groups": [{"security_group_id": str}],
        "link_nic": [dict],
    },
    "outscale_nic_link": {"vm_id": str, "nic_id": str},
}


class OutscaleMapping(Mapping):
    DATA = frozenset({"outscale_net"})

    def run(self) -> Estate:
        self.name_resources(UNDERSTOOD, IDS.holders)
        self.name_accepters("outscale_net_peering_acceptation", "net_peering_id")
        self.report_types("outscale", UNDERSTOOD | IRRELEVANT, UNDERSTOOD)
        self._nets()
        self._tables()
        self._peerings()
        self._routes()
        self._groups()
        self._vms()
        return self.estate

    def _net_of(self, resource: Resource) -> str | None:
        return self.net_of(resource, "net_id", "Net")

    def _nets(self) -> None:
        for net in self.r.of_type("outscale_net", data=True):
            if not net.get("ip_range"):
                self.unknown(net, "ip_range", "the Net and everything in it are not modelled")
                continue
            self.estate.net(net.address, net.origin).region = self.r.region(net)
            self.estate.block(net.address, net.get("ip_range"))
        for subnet in self.r.of_type("outscale_subnet"):
            net_name = self._net_of(subnet)
            if net_name is None:
                continue
            item = self.estate.item("subnet", net_name, subnet.address, subnet.origin)
            item.set("cidr", subnet.get("ip_range"))
            if subnet.get("subregion_name"):
                item.set("zone", subnet.get("subregion_name"))

    def _tables(self) -> None:
        r = self.r
        mains: dict[str, str] = {}
        for table in r.of_type("outscale_route_table"):
            net = self._net_of(table)
            if net is None:
                continue
            self.estate.item("route-table", net, table.address, table.origin)
            for link in iter_blocks(table.get("link_route_tables")):
                if link.get("main"):
                    mains[net] = table.address
                elif link.get("subnet_id"):
                    subnet = self.name(r.resolve(link["subnet_id"], "subnet_id", table))
                    if subnet and self.declared(subnet):
                        self.attach(self.estate.find(subnet), "route-table", table.address, table)
                    else:
                        self.not_in_input(table, f"subnet {link['subnet_id']}", "subnet", "its link is not modelled")
        for resource in r.of_type("outscale_route_table_link"):
            subnet = self.lookup(resource, "subnet_id", "subnet", "the link is not modelled")
            table_name = self.lookup(resource, "route_table_id", "route table", "the link is not modelled")
            if subnet and table_name and self.estate.find(table_name) and self.estate.find(subnet):
                self.attach(self.estate.find(subnet), "route-table", table_name, resource)
        for resource in r.of_type("outscale_main_route_table_link"):
            net = self._net_of(resource)
            table_name = self.lookup(resource, "route_table_id", "route table", "the link is not modelled")
            if net and table_name and self.estate.find(table_name):
                mains[net] = table_name
        for table_name in mains.values():
            item = self.estate.find(table_name)
            assert item is not None  # every main table was declared above
            item.flag("main", item.origin)
        for draft in list(self.estate.nets.values()):
            if draft.name not in mains and any(
                i.kind == "subnet" and "route-table" not in i.attrs for i in draft.items.values()
            ):
                self.main_table(draft.name, None, draft.name)

    def _peerings(self) -> None:
        r = self.r
        acceptations: dict[str, Resource] = {}
        for accepting in r.of_type("outscale_net_peering_acceptation"):
            peering_name = self.name(r.one(accepting, "net_peering_id"))
            if peering_name:
                acceptations[peering_name] = accepting
            else:
                self.lookup(accepting, "net_peering_id", "Net peering", "the acceptation is not modelled")
        for peering in r.of_type("outscale_net_peering"):
            source = self.lookup(peering, "source_net_id", "Net", "the peering is not modelled")
            accepter = self._accepter(peering)
            if source not in self.estate.nets or accepter is None:
                self.outside.add(peering.address)
                continue
            # The acceptation reads the peering after accepting it: its record is the later one, while
            # the peering resource keeps what it read when it was created (pending-acceptance).
            acceptation = acceptations.get(peering.address)
            names = [s.get("name") for s in iter_blocks(acceptation.get("state"))] if acceptation else []
            names = names or [s.get("name") for s in iter_blocks(peering.get("state"))]
            if names and names[0] and canonical_state(names[0]):
                state = canonical_state(names[0])
            elif names and names[0]:
                self.not_modelled(
                    peering, f"state '{names[0]}' is not understood; its state is left to the language's default"
                )
                state = None
            else:
                state = "active" if acceptation else "pending-acceptance"
            for side, net in (("source_net", source), ("accepter_net", accepter)):
                for info in iter_blocks(peering.get(side)):
                    self.estate.nets[net].account = self.estate.nets[net].account or info.get("account_id") or None
            if peering.get("accepter_owner_id"):
                self.estate.nets[accepter].account = self.estate.nets[accepter].account or peering.get(
                    "accepter_owner_id"
                )
            self.estate.peering(peering.address, peering.origin, source, accepter, state)

    def _accepter(self, peering: Resource) -> str | None:
        """The accepter Net, when it is one of the input (a Net of another account is not modelled:
        what it holds is unknown)."""
        target = self.r.one(peering, "accepter_net_id")
        name = self.name(target)
        if name in self.estate.nets:
            return name
        self.lookup(peering, "accepter_net_id", "Net", "routes over the peering are modelled as leaving the network")
        return None

    def _routes(self) -> None:
        for table in self.r.of_type("outscale_route_table"):
            item = self.estate.find(table.address)
            if item is None:
                continue
            for route in iter_blocks(table.get("routes")):
                if route.get("gateway_id") == "local" or route.get("creation_method") == "CreateRouteTable":
                    continue
                self._route(table, item, route.get("destination_ip_range"), route, None)
        for resource in self.r.of_type("outscale_route"):
            fields = Fields(self.r, resource)
            table_target = fields.target("route_table_id")
            name = self.name(table_target)
            item = self.estate.find(name) if name and self.declared(name) else None
            if item is None and (resource.get("net_peering_id") or fields.unknown("net_peering_id")):
                peering = self.name(fields.target("net_peering_id"))
                item = self.peering_table(resource, table_target, peering, resource.get("destination_ip_range"))
            if item is None:
                table_name = self.lookup(resource, "route_table_id", "route table", "the route is not modelled")
                item = self.estate.find(table_name) if table_name else None
            if item is not None:
                self._route(
                    resource, item, resource.get("destination_ip_range"), resource.values, Fields(self.r, resource)
                )

    def _route(
        self, resource: Resource, item: Item, destination: str | None, route: dict[str, Any], fields: Fields | None
    ) -> None:
        if not destination:
            self.not_modelled(resource, "a route with no destination_ip_range (a service route)")
            return
        if route.get("state") == "blackhole":
            item.route(destination, DROP, resource.origin)
            return
        if route.get("net_peering_id") or (fields and fields.unknown("net_peering_id")):
            target = (
                fields.target("net_peering_id")
                if fields
                else self.r.resolve(route["net_peering_id"], "net_peering_id", resource)
            )
            via = self.peering_route(resource, target, "net_peering_id", destination, "peering")
            if via is not None:
                item.route(destination, via, resource.origin)
            return
        self.route_to_gateway(item, destination, resource.origin, GATEWAYS, route, fields)

    def _groups(self) -> None:
        r = self.r
        groups: list[tuple[Resource, str, Item]] = []
        for group in r.of_type("outscale_security_group"):  # all declared first: rules name each other
            net = self._net_of(group)
            if net is not None:
                groups.append((group, net, self.estate.item("security-group", net, group.address, group.origin)))
        for group, net, group_item in groups:
            if group.get("account_id"):
                self.estate.nets[net].account = self.estate.nets[net].account or group.get("account_id")
            for key, direction in (("inbound_rules", "inbound"), ("outbound_rules", "outbound")):
                for inline in iter_blocks(group.get(key)):
                    self._rule(group_item, group, direction, inline)
            if group.is_unknown("outbound_rules") and not group.get("remove_default_outbound_rule"):
                group_item.rule(
                    "outbound", "all", None, block_peer("0.0.0.0/0"), group.origin
                )  # Outscale's default outbound rule
        for rule in r.of_type("outscale_security_group_rule"):
            name = self.lookup(rule, "security_group_id", "security group", "the rule is not modelled")
            item = self.estate.find(name) if name else None
            if item is None:
                continue
            direction = "inbound" if str(rule.get("flow")).lower() == "inbound" else "outbound"
            if rule.get("ip_range") or rule.get("ip_protocol"):
                self._rule(item, rule, direction, {**rule.values, "ip_ranges": self.blocks([rule.get("ip_range")])})
            for index, nested in enumerate(iter_blocks(rule.get("rules"))):
                self._rule(item, rule, direction, nested, Fields(r, rule, "rules", index, nested))

    def _rule(
        self, item: Item, resource: Resource, direction: str, rule: dict[str, Any], fields: Fields | None = None
    ) -> None:
        proto = self.protocol(rule.get("ip_protocol", "-1"))
        ports = self.ports(proto, rule.get("from_port_range"), rule.get("to_port_range")) if proto else None
        if proto is None or ports is None:
            self.not_modelled(resource, f"a rule with protocol '{rule.get('ip_protocol')}' is not understood")
            return
        peers = self.peer_blocks(rule.get("ip_ranges"))
        for member in iter_blocks(rule.get("security_groups_members")):
            value = member.get("security_group_id")
            target: Target | External | None = self.r.resolve(value, "security_group_id", resource) if value else None
            if target is None and fields is not None:
                refs = self.r.block_references(fields.resource, "rules", rule, "security_groups_members")
                target = refs[0] if len(refs) == 1 else None
            name = self.name(target)
            if name and self.declared(name):
                peers.append(group_peer(name))
            elif value:
                self.not_in_input(
                    resource,
                    f"security group {value}",
                    "security group",
                    "the rule naming it matches no modelled VM and is left out",
                )
            else:
                self.unknown(resource, "security_groups_members", "the rule naming the group is not modelled")
        for peer in peers:
            item.rule(direction, proto, ports, peer, resource.origin)

    def _vms(self) -> None:
        nics = self._nics()
        for vm in self.r.of_type("outscale_vm"):
            blocks = self._nic_blocks(vm)
            first = next((b for b in blocks if b.device == 0), None)
            unread = [a for a in ("primary_nic", "nics") if vm.is_unknown(a) and self.r.configured(vm, a)]
            for attribute in unread:
                self.unknown(vm, attribute, "the VM's NICs are not modelled")
            done = None  # the block read to place the VM
            if vm.get("subnet_id") or not (blocks or unread):
                item = self._vm(vm)
            elif unread:  # launched with NICs that are not known: said above
                continue
            else:  # launched with its NICs: the VM is where its primary NIC is
                done = first
                item = self._primary_vm(vm, self._block_nic(vm, first, nics, None, True) if first else None, first)
            net = self.estate.owner.get(vm.address) if item is not None else None
            for block in blocks:
                if block is not done:
                    self._block_nic(vm, block, nics, net)
        place(self, nics)

    def _vm(self, vm: Resource) -> Item | None:
        """A VM by its own subnet, addresses and groups (launched with `subnet_id`; any VM in a state)."""
        subnet = self.lookup(vm, "subnet_id", "subnet", "the VM is not modelled")
        net = self.estate.owner.get(subnet) if subnet else None
        if subnet is None or net is None:  # no subnet: no net either
            return None
        addresses = self.blocks(vm.get("private_ips")) or self.blocks([vm.get("private_ip")])
        if not addresses:
            self.unknown(vm, "private_ip", "the VM is not modelled (set private_ips to verify it)")
            return None
        groups = self.lookup_many(
            vm, "security_group_ids", "security group", "the VM's groups are not all modelled", [net], "allows"
        )
        item = self.estate.item("vm", net, vm.address, vm.origin)
        item.primary(subnet, addresses, [g for g in groups if self.estate.find(g)])
        return item

    def _primary_vm(self, vm: Resource, primary: Nic | None, block: NicBlock | None) -> Item | None:
        """A VM launched with its NICs, in the net of its primary NIC (device 0), whose subnet,
        addresses and groups are the VM's. What the VM's own attributes add is said: the documentation
        does not say which NIC it would go to."""
        if primary is None:
            if block is None:
                self.not_modelled(
                    vm, "no NIC of device 0 (its primary interface) in nics or primary_nic: the VM", gap=(), effect="vm"
                )
            return None
        item = self.estate.item("vm", primary.net, vm.address, vm.origin)
        join_primary(self, item, primary)
        beside = [
            a for a in self.blocks([*(vm.get("private_ips") or []), vm.get("private_ip")]) if a not in primary.addresses
        ]
        if beside:
            self.not_modelled(
                vm,
                f"private_ips {', '.join(beside)} beside NICs: not addresses of its primary NIC, they are not modelled",
                gap=[primary.net],
            )
        given = vm.get("security_group_ids") or (
            vm.is_unknown("security_group_ids") and self.r.configured(vm, "security_group_ids")
        )
        groups = (
            self.lookup_many(
                vm,
                "security_group_ids",
                "security group",
                "the VM's groups are not all modelled",
                [primary.net],
                "allows",
            )
            if given
            else []
        )
        beside = [g for g in groups if g not in primary.groups and self.estate.find(g) is not None]
        if beside:
            self.not_modelled(
                vm,
                f"security_group_ids {', '.join(beside)} beside NICs: which NIC they are groups of is not documented; "
                "they are not modelled",
                gap=[primary.net],
                effect="allows",
            )
        return item

    def _nic_blocks(self, vm: Resource) -> list[NicBlock]:
        """The VM's NIC blocks, one per device: `primary_nic` (device 0), then `nics` (a state lists
        device 0 in both)."""
        blocks: list[NicBlock] = []
        devices: set[Any] = set()
        for attribute in ("primary_nic", "nics"):
            for index, value in enumerate(vm.get(attribute) or []):
                if isinstance(value, dict):
                    block = NicBlock(self.r, vm, attribute, index, value)
                    key = block.device if block.device is not None else (attribute, index)
                    if key not in devices:
                        devices.add(key)
                        blocks.append(block)
        return blocks

    def _block_nic(
        self, vm: Resource, block: NicBlock, nics: dict[str, Nic], net: str | None, primary: bool = False
    ) -> Nic | None:
        """The NIC a block of `vm` attaches: an outscale_nic of the input (`nic_id`), or one it creates
        (`subnet_id`, `private_ips`, groups), put with the others to be placed on the VM. `net`: the VM's
        (None: the VM is not modelled); `primary`: the block places the VM (its device 0)."""
        name = self.name(block.target("nic_id"))
        if name in nics:
            nics[name].links.append(Link(vm.address, block.device, vm))
            return nics[name]
        if name is not None or (net is None and not primary):
            return None  # an outscale_nic not modelled (said there), or a NIC of a VM not modelled (said)
        gap = ("the VM is not modelled", "vm", ()) if primary else ("the NIC is not modelled", "any", (net,))
        if not (block.get("subnet_id") or block.unknown("subnet_id")):  # it names a NIC, not one of the input
            self._block_name(vm, block, "nic_id", "NIC", *gap)
            return None
        subnet = self._block_name(vm, block, "subnet_id", "subnet", *gap)
        subnet_net = self.estate.owner.get(subnet) if subnet else None
        if subnet is None or subnet_net is None:
            return None
        ips = sorted(iter_blocks(block.get("private_ips")), key=lambda ip: not ip.get("is_primary"))
        addresses = self.blocks([ip.get("private_ip") for ip in ips])
        if not addresses or len(addresses) < len(ips):
            left = gap if not addresses else ("its other addresses are modelled", "any", (subnet_net,))
            self._block_unknown(vm, block, "private_ips", *left)
            if not addresses:
                return None
        groups = self._block_groups(vm, block, subnet_net)
        label = f"{vm.address}.{block.attribute}[{block.device if block.device is not None else block.index}]"
        found = nics[label] = Nic(vm, subnet, subnet_net, addresses, groups, [Link(vm.address, block.device, vm)])
        return found

    def _block_groups(self, vm: Resource, block: NicBlock, net: str) -> list[str]:
        """The groups of a NIC a block creates: its `security_group_ids` (configured, or in a state), else a
        state's computed `security_groups`; what is not modelled is said (a group left out could only
        allow more)."""
        values = block.get("security_group_ids")
        unknown = marked(block, "security_group_ids")
        if values is None and not unknown:
            values = [g.get("security_group_id") for g in iter_blocks(block.get("security_groups"))]
        targets: list[Target | External] = [
            self.r.resolve(v, "security_group_ids", vm) for v in values or [] if isinstance(v, str) and v
        ]
        if unknown:
            references = block.references("security_group_ids")
            targets += [t for t in references if t not in targets]
            if not references:
                self._block_unknown(
                    vm, block, "security_group_ids", "the NIC's groups are not all modelled", "allows", (net,)
                )
        groups: list[str] = []
        for target in targets:
            name = self.name(target)
            if name is not None and self.declared(name) and self.estate.find(name) is not None:
                groups.append(name)
                continue
            label = target.value if isinstance(target, External) else name or target.address
            self.not_in_input(vm, f"{block.label}.security_group_ids {label}", "security group", "it is left out")
            self.estate.unmodelled(f"{vm.address}: a group of {block.label} is left out", vm.origin, [net], "allows")
        return list(dict.fromkeys(groups))

    def _block_name(
        self, vm: Resource, block: NicBlock, field: str, what: str, consequence: str, effect: str, nets: tuple
    ) -> str | None:
        """The declared name the `field` of a NIC block points at; None, said with the gap it leaves."""
        target = block.target(field)
        name = self.name(target)
        if name is not None and self.declared(name):
            return name
        if target is None:
            self._block_unknown(vm, block, field, consequence, effect, nets)
            return None
        label = name or (target.value if isinstance(target, External) else target.address)
        self.not_in_input(vm, f"{block.label}.{field} {label}", what, consequence)
        self.estate.unmodelled(f"{vm.address}: {consequence}", vm.origin, nets, effect)
        return None

    def _block_unknown(
        self, vm: Resource, block: NicBlock, field: str, consequence: str, effect: str, nets: tuple
    ) -> None:
        """A field of a NIC block that is masked, unknown until apply (IMP002), or not given (IMP001)."""
        where = f"{vm.address}: {block.label}.{field}"
        if any(p[:2] == (block.attribute, block.index) and field in p[2:] for p in vm.masked):
            vm.said.add(block.attribute or "")
            self.estate.leave_out(
                "IMP002", f"{where} is masked in the input ({MASKED}); {consequence}", vm.origin, nets, effect
            )
        elif marked(block, field):
            self.estate.leave_out("IMP002", f"{where} {after_apply(field)}; {consequence}", vm.origin, nets, effect)
        else:
            self.estate.leave_out("IMP001", f"{where} is not given; {consequence}", vm.origin, nets, effect)

    def _nics(self) -> dict[str, Nic]:
        """The NICs, each with what links it to a VM: its computed `link_nic` (a state), the
        outscale_nic_link resources (device 1-7; 0 is the VM's own primary NIC)."""
        nics: dict[str, Nic] = {}
        for nic in self.r.of_type("outscale_nic"):
            where = subnet_of(self, nic, "NIC")
            if where is None:
                continue
            subnet, net = where
            ips = sorted(iter_blocks(nic.get("private_ips")), key=lambda ip: not ip.get("is_primary"))
            addresses = self.blocks([ip.get("private_ip") for ip in ips])
            if not addresses:
                self.unknown(nic, "private_ips", "the NIC is not modelled (set private_ips to verify it)")
                continue
            if nic.get("security_group_ids") or nic.is_unknown("security_group_ids"):
                groups = self.lookup_many(
                    nic,
                    "security_group_ids",
                    "security group",
                    "the NIC's groups are not all modelled",
                    [net],
                    "allows",
                )
            else:  # a state's computed list of the groups the NIC is in
                groups = []
                for member in iter_blocks(nic.get("security_groups")):
                    value = member.get("security_group_id")
                    name = self.name(self.r.resolve(value, "security_group_id", nic)) if value else None
                    if name is not None and self.estate.find(name) is not None:
                        groups.append(name)
                    elif value:  # what a group of another workspace lets in is unknown
                        self.estate.leave_out(
                            "IMP001",
                            f"{nic.address}: security_groups {value} is not a security group of the input; what it "
                            "lets through the NIC is not modelled",
                            nic.origin,
                            [net],
                            "allows",
                        )
            groups = [g for g in groups if self.estate.find(g) is not None]
            found = nics[nic.address] = Nic(nic, subnet, net, addresses, groups)
            for block in blocks_of(self.r, nic, "link_nic"):
                if block.get("vm_id") and block.get("state") not in ("detaching", "detached"):
                    found.links.append(attached_to(self, nic, block, "vm_id", block.get("device_number"), "VM"))
        for resource in self.r.of_type("outscale_nic_link"):
            name, number = self.name(Fields(self.r, resource).target("nic_id")), resource.get("device_number")
            if name is None:
                self.lookup(resource, "nic_id", "NIC", "the link is not modelled")
            elif name in nics:
                nics[name].links.append(attached_to(self, resource, Fields(self.r, resource), "vm_id", number, "VM"))
        return nics


def build(resolver: Resolver, estate: Estate) -> Estate:
    return OutscaleMapping(resolver, estate).run()

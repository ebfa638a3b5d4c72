"""Outscale API `Read*` responses: ReadNets, ReadSubnets, ReadNetPeerings, ReadRouteTables,
ReadSecurityGroups, ReadVms (as `oapi-cli` or `osc-cli` print them), a directory or a file.

Files are recognised by their top-level keys (Nets, Subnets with NetId, NetPeerings,
RouteTables, SecurityGroups, Vms), whatever their names. Resources are named by
their ids (vpc-…, subnet-…, pcx-…, rtb-…, sg-…, i-…). The region is the
subregion's without its letter; accounts come from the peerings and groups.
"""

from __future__ import annotations

from pathlib import Path

from verifier.importers import Head, Imported, Where, read_dump, sniff
from verifier.importers.estate import DROP, Estate, Item, block_peer, group_peer, via_gateway, via_peering
from verifier.importers.gateways import gateway_kind
from verifier.importers.terraform.mapping import Mapping
from verifier.language.model import Span, canonical_state

KEYS = ("Nets", "Subnets", "NetPeerings", "RouteTables", "SecurityGroups", "Vms")
OWN_KEYS = ("Nets", "NetPeerings", "Vms", "ResponseContext")  # top-level keys no AWS response has
OWN = {
    "Nets": "Nets",
    "subnet": "Subnets",
    "pcx": "NetPeerings",
    "rtb": "RouteTables",
    "sg": "SecurityGroups",
    "i": "Vms",
    "vpc": "Nets",
}
_GROUPS = [{"SecurityGroupId": str}]
_RULE = {
    "IpProtocol": str,
    "FromPortRange": int,
    "ToPortRange": int,
    "IpRanges": [str],
    "SecurityGroupsMembers": _GROUPS,
    "ServiceIds": list,
}
_SIDE = {"NetId": str, "AccountId": str, "IpRange": str}
_TARGETS = ("GatewayId", "NatServiceId", "VmId", "NicId", "NetAccessPointId")
# What the importer reads of each response, and the type it relies on (`shape`: "!" is required).
SHAPE = {
    "Nets": [{"NetId": str, "IpRange": str}],
    "Subnets": [{"SubnetId!": str, "NetId": str, "IpRange": str, "SubregionName": str}],
    "NetPeerings": [{"NetPeeringId": str, "SourceNet": _SIDE, "AccepterNet": _SIDE, "State": {"Name": str}}],
    "RouteTables": [
        {
            "RouteTableId!": str,
            "NetId": str,
            "LinkRouteTables": [{"Main": bool, "SubnetId": str}],
            "Routes": [
                {key: str for key in ("DestinationIpRange", "CreationMethod", "State", "NetPeeringId") + _TARGETS}
            ],
        }
    ],
    "SecurityGroups": [
        {
            "SecurityGroupId!": str,
            "NetId": str,
            "AccountId": str,
            "InboundRules": [_RULE],
            "OutboundRules": [_RULE],
        }
    ],
    "Vms": [
        {
            "VmId!": str,
            "SubnetId": str,
            "State": str,
            "PrivateIp": str,
            "SecurityGroups": _GROUPS,
            "Nics": [
                {
                    "NicId": str,
                    "SubnetId": str,
                    "PrivateIps": [{"PrivateIp": str, "IsPrimary": bool}],
                    "SecurityGroups": _GROUPS,
                    "LinkNic": {"DeviceNumber": int, "State": str},
                }
            ],
        }
    ],
}


def detect_file(file: Path, head: Head | None = None) -> bool:
    """A Read* response, by its top-level keys, whatever the file's name: one only Outscale's API has
    (`ResponseContext`, `Nets`...), or one it shares with AWS (`Subnets`, `RouteTables`,
    `SecurityGroups`) over resources that name their Net (`NetId`, where AWS says `VpcId`)."""
    head = head or sniff(file)
    if not head.keys.isdisjoint(OWN_KEYS):
        return True
    return not head.keys.isdisjoint(KEYS) and '"NetId"' in head.text


def load(files: list[Path], label: str) -> Imported:
    data, where, warnings = read_dump(files, KEYS, "ResponseContext", SHAPE)
    estate = Estate(
        "outscale", label, f"imported from Outscale API Read* responses: {', '.join(f.name for f in files)}"
    )
    estate.warnings.extend(warnings)
    _Reader(estate, where, data).run()
    return estate.build(where.texts)


class _Reader:
    def __init__(self, estate: Estate, where: Where, data: dict):
        self.estate, self.where, self.data = estate, where, data

    def at(self, ident: str) -> Span:
        return self.where.of(ident, OWN.get(ident.split("-", 1)[0]))

    def note(self, ident: str, message: str) -> None:
        self.estate.warn("IMP001", f"{ident}: {message}; not imported", self.at(ident))

    def run(self) -> None:
        estate = self.estate
        for net in self.data["Nets"]:
            ident = net.get("NetId")
            if not ident or not net.get("IpRange"):
                self.note(ident or "a Net", "a Net with no NetId or IpRange")
                continue
            estate.net(ident, self.where.of(ident, "Nets"))
            estate.block(ident, net["IpRange"])
        for subnet in self.data["Subnets"]:
            ident, net = subnet.get("SubnetId"), subnet.get("NetId")
            if net not in estate.nets or not subnet.get("IpRange"):
                self.note(ident or "a subnet", f"the subnet's Net {net} is not in the input")
                continue
            item = estate.item("subnet", net, ident, self.at(ident))
            item.set("cidr", subnet["IpRange"])
            zone = subnet.get("SubregionName")
            if zone:
                item.set("zone", zone)
                estate.nets[net].region = estate.nets[net].region or zone[:-1]
        self._peerings()
        self._tables()
        self._groups()
        self._vms()

    def _peerings(self) -> None:
        estate = self.estate
        self.outside: dict[str, str] = {}
        for peering in self.data["NetPeerings"]:
            ident = peering.get("NetPeeringId") or "a peering"
            source, accepter = peering.get("SourceNet") or {}, peering.get("AccepterNet") or {}
            name = (peering.get("State") or {}).get("Name")
            for side in (source, accepter):
                net = side.get("NetId")
                if net in estate.nets and side.get("AccountId"):
                    estate.nets[net].account = estate.nets[net].account or side["AccountId"]
            outside = [s for s in (source, accepter) if s.get("NetId") not in estate.nets]
            if outside:  # a Net of another account: what it holds is unknown, so it is not modelled
                self.outside[ident] = (
                    f"{outside[0].get('NetId')} ({outside[0].get('IpRange')}, account "
                    f"{outside[0].get('AccountId')}), state {name}"
                )
                continue
            state = canonical_state(name) if name else None
            if name and state is None:
                self.note(ident, f"peering state '{name}' is unknown")
            estate.peering(ident, self.at(ident), source["NetId"], accepter["NetId"], state)

    def _tables(self) -> None:
        estate = self.estate
        mains = set()
        for table in self.data["RouteTables"]:
            ident, net = table.get("RouteTableId"), table.get("NetId")
            if net not in estate.nets:
                self.note(ident or "a route table", f"the table's Net {net} is not in the input")
                continue
            item = estate.item("route-table", net, ident, self.at(ident))
            for link in table.get("LinkRouteTables") or []:
                if link.get("Main"):
                    item.flag("main", self.at(ident))
                    mains.add(net)
                elif estate.find(link.get("SubnetId", "")):
                    subnet = estate.find(link["SubnetId"])
                    assert subnet is not None  # found just above
                    subnet.attrs["route-table"] = [ident]
            for route in table.get("Routes") or []:
                destination = route.get("DestinationIpRange")
                if route.get("GatewayId") == "local" or route.get("CreationMethod") == "CreateRouteTable":
                    continue
                if not destination:
                    self.note(ident, "a route with no DestinationIpRange (a service route)")
                    continue
                if route.get("State") == "blackhole":
                    target = DROP
                elif route.get("NetPeeringId"):
                    peering = route["NetPeeringId"]
                    target = via_peering(peering) if peering in estate.peerings else via_gateway(peering)
                    if peering in self.outside:
                        self.estate.warn(
                            "IMP001",
                            f"{ident}: route {destination} over peering {peering} to Net "
                            f"{self.outside[peering]}, which is not in the input: modelled as leaving "
                            "the network",
                            self.at(ident),
                        )
                    elif peering not in estate.peerings:
                        self.note(
                            ident,
                            f"route {destination} over peering {peering}, not in the input (modelled "
                            "as leaving the network)",
                        )
                else:
                    key = next(
                        (k for k in _TARGETS if route.get(k)),
                        None,
                    )
                    gateway = route[key] if key else "gateway"
                    owner = estate.owner.get(item.name)
                    if owner is not None:
                        estate.gateway(
                            owner, gateway, gateway_kind(attribute=key, value=gateway if key else None), self.at(ident)
                        )
                    target = via_gateway(gateway)
                item.route(destination, target, self.at(ident))
        for net in estate.nets.values():
            if net.name not in mains and any(
                i.kind == "subnet" and "route-table" not in i.attrs for i in net.items.values()
            ):
                self.note(
                    net.name,
                    "no main route table in the input: subnets without a link are given one with local routes only",
                )
                estate.item("route-table", net.name, f"{net.name}.main_route_table", net.origin).flag(
                    "main", net.origin
                )

    def _groups(self) -> None:
        estate = self.estate
        for group in self.data["SecurityGroups"]:
            ident, net = group.get("SecurityGroupId"), group.get("NetId")
            if net not in estate.nets:
                self.note(ident or "a security group", f"the group's Net {net} is not in the input")
                continue
            if group.get("AccountId"):
                estate.nets[net].account = estate.nets[net].account or group["AccountId"]
            item = estate.item("security-group", net, ident, self.at(ident))
            for key, direction in (("InboundRules", "inbound"), ("OutboundRules", "outbound")):
                for rule in group.get(key) or []:
                    proto = Mapping.protocol(rule.get("IpProtocol", "-1"))
                    ports = Mapping.ports(proto, rule.get("FromPortRange"), rule.get("ToPortRange")) if proto else None
                    if proto is None or ports is None:
                        self.note(ident, f"a rule with protocol '{rule.get('IpProtocol')}' is not understood")
                        continue
                    peers = [block_peer(r) for r in rule.get("IpRanges") or [] if isinstance(r, str)]
                    for member in rule.get("SecurityGroupsMembers") or []:
                        if member.get("SecurityGroupId") in (
                            g.get("SecurityGroupId") for g in self.data["SecurityGroups"]
                        ):
                            peers.append(group_peer(member["SecurityGroupId"]))
                        else:
                            self.note(
                                ident,
                                f"a rule naming group {member.get('SecurityGroupId')}, not in the "
                                "input (it matches no modelled VM)",
                            )
                    if rule.get("ServiceIds"):
                        self.note(ident, "a rule naming services (ServiceIds are not modelled)")
                    for peer in peers:
                        item.rule(direction, proto, ports, peer, self.at(ident))

    def _vms(self) -> None:
        """Each VM, its primary NIC (device 0) its own subnet, addresses and groups, each other NIC an
        interface of it with its own (ReadVms gives a VM's `Nics`, each with its `LinkNic.DeviceNumber`)."""
        estate = self.estate
        for vm in self.data["Vms"]:
            ident, subnet = vm.get("VmId"), vm.get("SubnetId")
            net = estate.owner.get(subnet or "")
            if net is None:
                self.note(ident or "a VM", f"the VM's subnet {subnet} is not in the input")
                continue
            if vm.get("State") in ("terminated", "shutting-down"):
                continue  # gone: holds no address any more
            nics = [nic for nic in vm.get("Nics") or [] if isinstance(nic, dict)]
            primary = _primary_nic(nics, subnet, vm.get("PrivateIp"))
            item = estate.item("vm", net, ident, self.at(ident))
            addresses = (_nic_addresses(primary) if primary else []) or (
                [vm["PrivateIp"]] if vm.get("PrivateIp") else []
            )
            groups = _group_ids(primary if primary else vm)
            beside = [g for g in _group_ids(vm) if g not in groups] if primary else []
            if beside:  # the VM's list names a group its primary NIC is not in: which NIC it is is not told
                estate.leave_out(
                    "IMP001",
                    f"{ident}: security groups {', '.join(beside)} of the VM are not its primary NIC's; what they "
                    "let through is not modelled",
                    self.at(ident),
                    [net],
                    "allows",
                )
            item.primary(subnet, addresses, estate.known_groups(ident, groups, net, lambda _: self.at(ident)))
            for nic in nics:  # (with no primary told, the NIC holding the VM's own address is it)
                if nic is not primary and not (primary is None and vm.get("PrivateIp") in _nic_addresses(nic)):
                    self._interface(ident, net, item, nic)

    def _interface(self, vm: str, net: str, item: Item, nic: dict) -> None:
        """A NIC of `vm` but its primary: an interface of the VM, in its own subnet, with its own groups."""
        estate, name = self.estate, nic.get("NicId") or f"{vm}.nic{(nic.get('LinkNic') or {}).get('DeviceNumber')}"
        subnet, addresses = nic.get("SubnetId"), _nic_addresses(nic)
        origin = self.at(nic["NicId"]) if nic.get("NicId") else self.at(vm)
        if estate.owner.get(subnet or "") != net or not addresses:
            why = "no private address" if not addresses else f"its subnet {subnet} is not in the VM's Net in the input"
            estate.leave_out(
                "IMP001",
                f"{vm}: NIC {name}: {why}; not imported: traffic through it is not checked",
                origin,
                [net],
            )
            return
        groups = estate.known_groups(vm, _group_ids(nic), net, lambda _: origin)
        item.interface(name, str(subnet), addresses, groups, origin)


def _primary_nic(nics: list[dict], subnet: str | None, address: str | None) -> dict | None:
    """The NIC of device 0; else the one in the VM's subnet holding its address; else the first."""
    for nic in nics:
        if (nic.get("LinkNic") or {}).get("DeviceNumber") == 0:
            return nic
    for nic in nics:
        if nic.get("SubnetId") == subnet and (address is None or address in _nic_addresses(nic)):
            return nic
    return nics[0] if len(nics) == 1 else None


def _nic_addresses(nic: dict) -> list[str]:
    ips = sorted(
        (p for p in nic.get("PrivateIps") or [] if isinstance(p, dict) and p.get("PrivateIp")),
        key=lambda p: not p.get("IsPrimary"),
    )
    return list(dict.fromkeys(p["PrivateIp"] for p in ips))


def _group_ids(holder: dict) -> list[str]:
    return list(
        dict.fromkeys(g["SecurityGroupId"] for g in holder.get("SecurityGroups") or [] if g.get("SecurityGroupId"))
    )

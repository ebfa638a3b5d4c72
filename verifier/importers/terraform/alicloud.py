"""The alicloud provider's network resources, as an estate (provider alibaba).

alicloud_vpc (and data alicloud_vpcs is not read), alicloud_vpc_ipv4_cidr_block,
alicloud_vswitch, alicloud_vpc_peer_connection(+_accepter), alicloud_route_table,
alicloud_route_table_attachment, alicloud_route_entry, alicloud_security_group,
alicloud_security_group_rule, alicloud_network_acl, alicloud_instance.

Alibaba behaviour the resources leave implicit, modelled as Alibaba documents it:
a vSwitch with no custom table uses the VPC's system route table
(`alicloud_vpc.X.route_table_id`); a basic ("normal") security group allows all
outbound traffic and, unless `inner_access_policy` is "Drop", inbound traffic from
its own members — written `type basic` and `inner-access`, whose implicit rules
the language places below the group's own (an enterprise group: `type enterprise`,
none); a network ACL's entries are evaluated in their order and
deny what none matches; a peering between accounts waits in `pending-acceptance`
until accepted (alicloud_vpc_peer_connection_accepter).
"""

from __future__ import annotations

from functools import partial

from verifier.importers.estate import Estate, Item, group_peer
from verifier.importers.gateways import resource_type_of
from verifier.importers.terraform import Resource, iter_blocks
from verifier.importers.terraform.mapping import Fields, Ids, Mapping, Resolver
from verifier.language.model import canonical_state

# What the ids of the resources are ids of, and what each attribute that holds one refers to.
IDS = Ids(
    kinds={
        "alicloud_vpc": "vpc",
        "alicloud_vswitch": "subnet",
        "alicloud_route_table": "route-table",
        "alicloud_security_group": "security-group",
        "alicloud_network_acl": "network-acl",
        "alicloud_vpc_peer_connection": "peering",
        "alicloud_instance": "instance",
    },
    holders={"alicloud_vpc": {"route_table_id": "route-table"}},
    refers={
        "vpc_id": "vpc",
        "accepting_vpc_id": "vpc",
        "vswitch_id": "subnet",
        "resource_id": "subnet",  # a network ACL's vSwitch
        "route_table_id": "route-table",
        "security_group_id": "security-group",
        "source_security_group_id": "security-group",
        "security_groups": "security-group",
        "instance_id": "peering",  # an accepter's connection
    },
)
UNDERSTOOD = {
    "alicloud_vpc",
    "alicloud_vpc_ipv4_cidr_block",
    "alicloud_vswitch",
    "alicloud_vpc_peer_connection",
    "alicloud_vpc_peer_connection_accepter",
    "alicloud_route_table",
    "alicloud_route_table_attachment",
    "alicloud_route_entry",
    "alicloud_security_group",
    "alicloud_security_group_rule",
    "alicloud_network_acl",
    "alicloud_instance",
}
IRRELEVANT = {
    "alicloud_nat_gateway",
    "alicloud_eip",
    "alicloud_eip_address",
    "alicloud_eip_association",
    "alicloud_snat_entry",
    "alicloud_key_pair",
    "alicloud_ecs_key_pair",
    "alicloud_zones",
    "alicloud_images",
    "alicloud_instance_types",
    "alicloud_vpc_ipv6_gateway",
    "alicloud_slb",
    "alicloud_ram_role",
    "alicloud_oss_bucket",
    "alicloud_disk",
    "alicloud_ecs_disk",
}
PROTOCOLS = {"gre": "47", "icmpv6": "icmpv6"}

# The attributes read whose type the mapping relies on (names, lists, blocks), by resource type (`shape`).
VALUES = {
    "alicloud_vpc": {"region_id": str, "secondary_cidr_blocks": [str]},
    "alicloud_vswitch": {"zone_id": str, "availability_zone": str},
    "alicloud_vpc_peer_connection": {"status": str, "accepting_region_id": str},
    "alicloud_route_entry": {"nexthop_id": str, "nexthop_type": str},
    "alicloud_security_group_rule": {"priority": int},
    "alicloud_network_acl": {"ingress_acl_entries": [dict], "egress_acl_entries": [dict], "resources": [dict]},
    "alicloud_instance": {"secondary_private_ips": [str], "security_groups": [str]},
}


class AlicloudMapping(Mapping):
    def run(self) -> Estate:
        r = self.r
        self.name_resources(UNDERSTOOD)
        for vpc in r.of_type("alicloud_vpc"):
            name = f"{vpc.address}.system_route_table"
            self.names[(vpc.address, "main_route_table")] = name
            self.names[(vpc.address, "route_table_id")] = name
            self.implicit[name] = partial(self._system_table, vpc.address)
        self.name_accepters("alicloud_vpc_peer_connection_accepter", "instance_id")
        self.report_types("alicloud", UNDERSTOOD | IRRELEVANT, UNDERSTOOD)
        self._nets()
        self._tables()
        self._peerings()
        self._routes()
        self._groups()
        self._acls()
        self._instances()
        return self.estate

    def _net_of(self, resource: Resource) -> str | None:
        return self.net_of(resource, "vpc_id", "VPC")

    def _system_table(self, vpc: str) -> None:
        """The VPC's system route table, named (a route entry in `route_table_id`) and managed by no resource."""
        if vpc in self.estate.nets:
            self.main_table(vpc, None, vpc)

    def _nets(self) -> None:
        for vpc in self.r.of_type("alicloud_vpc"):
            blocks = self.blocks([vpc.get("cidr_block")]) + self.blocks(vpc.get("secondary_cidr_blocks"))
            if not blocks:
                self.unknown(vpc, "cidr_block", "the VPC and everything in it are not modelled")
                continue
            net = self.estate.net(vpc.address, vpc.origin)
            net.region = vpc.get("region_id") or self.r.region(vpc)
            for block in blocks + self.blocks([vpc.get("ipv6_cidr_block")]):
                self.estate.block(vpc.address, block)
            if vpc.get("enable_ipv6") and vpc.is_unknown("ipv6_cidr_block"):
                self.unknown(vpc, "ipv6_cidr_block", "its IPv6 block (allocated by Alibaba Cloud) is not modelled")
        for resource in self.r.of_type("alicloud_vpc_ipv4_cidr_block"):
            net_name = self._net_of(resource)
            if net_name and resource.get("secondary_cidr_block"):
                self.estate.block(net_name, resource.get("secondary_cidr_block"))
            elif net_name:
                self.unknown(resource, "secondary_cidr_block", "the block is not modelled")
        for vswitch in self.r.of_type("alicloud_vswitch"):
            net_name = self._net_of(vswitch)
            if net_name is None:
                continue
            item = self.estate.item("subnet", net_name, vswitch.address, vswitch.origin)
            for attribute in ("cidr_block", "ipv6_cidr_block"):
                if vswitch.get(attribute):
                    item.set("cidr", vswitch.get(attribute))
            zone = vswitch.get("zone_id") or vswitch.get("availability_zone")
            if zone:
                item.set("zone", zone)

    def _tables(self) -> None:
        r = self.r
        for table in r.of_type("alicloud_route_table"):
            net = self._net_of(table)
            if net:
                self.estate.item("route-table", net, table.address, table.origin)
        for attachment in r.of_type("alicloud_route_table_attachment"):
            vswitch = self.lookup(attachment, "vswitch_id", "vSwitch", "the attachment is not modelled")
            table_name = self.lookup(attachment, "route_table_id", "route table", "the attachment is not modelled")
            if vswitch and table_name and self.estate.find(table_name) and self.estate.find(vswitch):
                self.attach(self.estate.find(vswitch), "route-table", table_name, attachment)
        for draft in list(self.estate.nets.values()):
            if any(i.kind == "subnet" and "route-table" not in i.attrs for i in draft.items.values()):
                self.main_table(draft.name, None, draft.name)

    def _peerings(self) -> None:
        r = self.r
        accepted = {self.name(r.one(a, "instance_id")) for a in r.of_type("alicloud_vpc_peer_connection_accepter")}
        for peering in r.of_type("alicloud_vpc_peer_connection"):
            requester = self._net_of(peering)
            accepter = self.lookup(
                peering, "accepting_vpc_id", "VPC", "routes over the peering are modelled as leaving the network"
            )
            if requester is None or accepter not in self.estate.nets:
                self.outside.add(peering.address)
                continue
            status = peering.get("status")
            if status and canonical_state(status):
                state = canonical_state(status)
            elif status:
                self.not_modelled(
                    peering, f"status '{status}' is not understood; its state is left to the language's default"
                )
                state = None
            elif peering.address in accepted or not peering.get("accepting_ali_uid"):
                state = "active"  # the same account: Alibaba activates it at once
            else:
                state = "pending-acceptance"
            peer = self.estate.nets[accepter]
            peer.account = peer.account or (
                str(peering.get("accepting_ali_uid")) if peering.get("accepting_ali_uid") else None
            )
            peer.region = peer.region or peering.get("accepting_region_id") or None
            self.estate.peering(peering.address, peering.origin, requester, accepter, state)

    def _routes(self) -> None:
        for entry in self.r.of_type("alicloud_route_entry"):
            fields = Fields(self.r, entry)
            destination = entry.get("destination_cidrblock")
            target = fields.target("route_table_id")
            table = self.name(target)
            item = self.estate.find(table) if table and self.declared(table) else None
            if item is None and entry.get("nexthop_type") == "VpcPeer":
                item = self.peering_table(entry, target, self.name(fields.target("nexthop_id")), destination)
            if item is None:
                table = self.lookup(entry, "route_table_id", "route table", "the route is not modelled")
                item = self.estate.find(table) if table else None
            if item is None:
                continue
            if not destination:
                self.unknown(entry, "destination_cidrblock", "the route is not modelled")
                continue
            if entry.get("nexthop_type") == "VpcPeer":
                via = self.peering_route(
                    entry, fields.target("nexthop_id"), "nexthop_id", destination, "peer connection"
                )
                if via is not None:
                    item.route(destination, via, entry.origin)
                continue
            refs = fields.references("nexthop_id") if fields.unknown("nexthop_id") else []
            gateway = entry.get("nexthop_id") or (refs[0].address if refs else entry.get("nexthop_type", "gateway"))
            self.gateway_route(
                item,
                destination,
                gateway,
                entry.origin,
                nexthop_type=entry.get("nexthop_type"),
                resource_type=resource_type_of(refs[0].address) if refs else None,
            )

    def _groups(self) -> None:
        r = self.r
        for group in r.of_type("alicloud_security_group"):
            net = self._net_of(group)
            if net is None:
                continue
            self._group_type(group, self.estate.item("security-group", net, group.address, group.origin))
        for rule in r.of_type("alicloud_security_group_rule"):
            name = self.lookup(rule, "security_group_id", "security group", "the rule is not modelled")
            item = self.estate.find(name) if name else None
            if item is None:
                continue
            protocol = str(rule.get("ip_protocol", "all")).lower()
            proto = PROTOCOLS.get(protocol) or self.protocol(protocol)
            low, _, high = str(rule.get("port_range", "-1/-1")).partition("/")
            ports = self.ports(proto, low, high) if proto else None
            if proto in ("icmp", "icmpv6"):  # Alibaba's ICMP rules name no type: the range is -1/-1
                ports = "" if (low, high) == ("-1", "-1") else None
            action = {"accept": "allow", "drop": "deny"}.get(str(rule.get("policy", "accept")).lower())
            if proto is None or ports is None or action is None:
                self.not_modelled(
                    rule,
                    f"rule {rule.get('ip_protocol')} {rule.get('port_range')} {rule.get('policy')} is not understood",
                )
                continue
            peers = self.peer_blocks([rule.get("cidr_ip"), rule.get("ipv6_cidr_ip")])
            if rule.get("source_security_group_id") or rule.is_unknown("source_security_group_id"):
                source = self.lookup(rule, "source_security_group_id", "security group", "the rule is not modelled")
                if source is None:
                    continue
                peers.append(group_peer(source))
            if rule.get("prefix_list_id"):
                self.not_modelled(rule, "a rule naming a prefix list (prefix lists are not modelled)")
            direction = "inbound" if rule.get("type") == "ingress" else "outbound"
            priority = int(rule.get("priority", 1) or 1)
            for peer in peers:
                item.rule(direction, proto, ports, peer, rule.origin, action, priority)

    def _group_type(self, group: Resource, item: Item) -> None:
        """`type` and `inner-access`, as the API importer writes them: the language gives a basic group
        its implicit rules (below every written one), an enterprise group none. Written as rules of
        priority 100 they came on top of the language's own, which a `type` or `inner-access` left
        out made a basic group's with member access: an enterprise or Drop group's members reached
        each other."""
        kind = group.get("security_group_type") or "normal"
        if kind == "enterprise":
            item.flag("type", group.origin, "enterprise")
            return
        if kind != "normal":
            self.estate.warn(
                "IMP001",
                f"{group.address}: security group type '{kind}' is not understood; read as basic",
                group.origin,
            )
        item.flag("type", group.origin, "basic")
        policy = group.get("inner_access_policy")
        if not policy and group.get("inner_access") is not None:  # the attribute it replaced: a boolean
            policy = "Accept" if group.get("inner_access") else "Drop"
        if str(policy).lower() in ("accept", "drop"):
            item.flag("inner-access", group.origin, str(policy).lower())
        elif policy:
            self.estate.warn(
                "IMP001",
                f"{group.address}: inner_access_policy '{policy}' is not understood; read as Accept",
                group.origin,
            )

    def _acls(self) -> None:
        for acl in self.r.of_type("alicloud_network_acl"):
            net = self._net_of(acl)
            if net is None:
                continue
            item = self.estate.item("network-acl", net, acl.address, acl.origin)
            for key, direction, field in (
                ("ingress_acl_entries", "inbound", "source_cidr_ip"),
                ("egress_acl_entries", "outbound", "destination_cidr_ip"),
            ):
                self.inline_unknown(acl, key, "its entries are not modelled")
                for number, entry in enumerate(iter_blocks(acl.get(key)), start=1):
                    protocol = str(entry.get("protocol", "all")).lower()
                    proto = PROTOCOLS.get(protocol) or self.protocol(protocol)
                    low, _, high = str(entry.get("port", "-1/-1")).partition("/")
                    ports = self.ports(proto, low, high) if proto else None
                    action = {"accept": "allow", "drop": "deny"}.get(str(entry.get("policy")).lower())
                    if proto is None or ports is None or action is None or not entry.get(field):
                        self.not_modelled(acl, f"{direction} entry {number} is not understood")
                        continue
                    item.entry(direction, number, action, proto, ports, entry[field], acl.origin)
            for index, resource in enumerate(iter_blocks(acl.get("resources"))):
                if resource.get("resource_type", "VSwitch") != "VSwitch":
                    continue
                fields = Fields(self.r, acl, "resources", index, resource)
                vswitch = self.lookup(acl, "resource_id", "vSwitch", "the association is not modelled", fields)
                if vswitch and self.estate.find(vswitch):
                    self.attach(self.estate.find(vswitch), "network-acl", acl.address, acl)

    def _instances(self) -> None:
        for instance in self.r.of_type("alicloud_instance"):
            vswitch = self.lookup(instance, "vswitch_id", "vSwitch", "the instance is not modelled")
            net = self.estate.owner.get(vswitch) if vswitch else None
            if vswitch is None or net is None:  # no vSwitch: no net either
                continue
            addresses = self.blocks([instance.get("private_ip")]) + self.blocks(instance.get("secondary_private_ips"))
            if not addresses:
                self.unknown(instance, "private_ip", "the instance is not modelled (set private_ip to verify it)")
                continue
            groups = self.lookup_many(  # an Alibaba group left out may deny as well as allow
                instance, "security_groups", "security group", "the instance's groups are not all modelled", [net]
            )
            item = self.estate.item("vm", net, instance.address, instance.origin)
            item.primary(vswitch, addresses, [g for g in groups if self.estate.find(g)])


def build(resolver: Resolver, estate: Estate) -> Estate:
    return AlicloudMapping(resolver, estate).run()

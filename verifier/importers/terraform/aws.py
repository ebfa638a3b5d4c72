"""The aws provider's network resources, as an estate.

aws_vpc (and data aws_vpc), aws_vpc_ipv4/ipv6_cidr_block_association, aws_subnet,
aws_vpc_peering_connection(+_accepter), aws_route_table, aws_default_route_table,
aws_route, aws_route_table_association, aws_main_route_table_association,
aws_security_group, aws_default_security_group, aws_security_group_rule,
aws_vpc_security_group_ingress_rule / _egress_rule, aws_network_acl,
aws_default_network_acl, aws_network_acl_rule, aws_network_acl_association,
aws_instance, aws_network_interface, aws_network_interface_attachment,
aws_network_interface_sg_attachment (an instance's other interfaces: `interfaces`).

AWS behaviour that the resources leave implicit, modelled as AWS documents it:
a subnet with no table association uses the VPC's main table (local routes only
unless managed); a peering without `auto_accept` or an accepter waits in
`pending-acceptance`; a subnet with no ACL association uses the VPC's default
ACL (allow all, unless `aws_default_network_acl` manages it); an instance with
no groups is in the VPC's default group (inbound from itself, outbound to any,
unless `aws_default_security_group` manages it), and so is a network interface
created with none.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Iterable

from verifier.importers.estate import ANY, DROP, Estate, Item, PeerOf, block_peer, group_peer
from verifier.importers.terraform import External, Resource, Target, iter_blocks
from verifier.importers.terraform.interfaces import (
    Link,
    Nic,
    attached_to,
    device,
    join_primary,
    place,
    primary_link,
    subnet_of,
)
from verifier.importers.terraform.mapping import Fields, Ids, Mapping, Resolver, blocks_of
from verifier.language.model import canonical_state

# What the ids of the resources are ids of, and what each attribute that holds one refers to.
IDS = Ids(
    kinds={
        "aws_vpc": "vpc",
        "aws_subnet": "subnet",
        "aws_route_table": "route-table",
        "aws_default_route_table": "route-table",
        "aws_security_group": "security-group",
        "aws_default_security_group": "security-group",
        "aws_network_acl": "network-acl",
        "aws_default_network_acl": "network-acl",
        "aws_vpc_peering_connection": "peering",
        "aws_instance": "instance",
        "aws_network_interface": "network-interface",
    },
    holders={
        "aws_vpc": {
            "default_route_table_id": "route-table",
            "main_route_table_id": "route-table",
            "default_security_group_id": "security-group",
            "default_network_acl_id": "network-acl",
        },
        "aws_instance": {"primary_network_interface_id": "network-interface"},
    },
    refers={
        "vpc_id": "vpc",
        "peer_vpc_id": "vpc",
        "subnet_id": "subnet",
        "subnet_ids": "subnet",
        "route_table_id": "route-table",
        "default_route_table_id": "route-table",
        "network_acl_id": "network-acl",
        "default_network_acl_id": "network-acl",
        "security_group_id": "security-group",
        "source_security_group_id": "security-group",
        "referenced_security_group_id": "security-group",
        "vpc_security_group_ids": "security-group",
        "security_groups": "security-group",
        "vpc_peering_connection_id": "peering",
        "instance": "instance",
        "instance_id": "instance",
        "network_interface_id": "network-interface",
    },
)
GATEWAYS = (
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "network_interface_id",
    "instance_id",
    "egress_only_gateway_id",
    "local_gateway_id",
    "carrier_gateway_id",
    "vpc_endpoint_id",
    "core_network_arn",
)
UNDERSTOOD = {
    "aws_vpc",
    "aws_vpc_ipv4_cidr_block_association",
    "aws_vpc_ipv6_cidr_block_association",
    "aws_subnet",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_route_table",
    "aws_default_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_instance",
    "aws_network_interface",
    "aws_network_interface_attachment",
    "aws_network_interface_sg_attachment",
}
# Resources with no bearing on what reaches what (they are not reported as left out).
IRRELEVANT = re.compile(
    r"aws_(internet_gateway|egress_only_internet_gateway|nat_gateway|eip|key_pair|iam_.*|s3_.*|"
    r"cloudwatch_.*|kms_.*|vpc_dhcp_options.*|flow_log|vpc_endpoint.*|ami.*|availability_zones|"
    r"caller_identity|region|partition|ssm_.*|route53_.*|acm_.*|lb.*|alb.*|ebs_.*|"
    r"vpc_peering_connection_options)$"
)

_TARGETS = {attribute: str for attribute in GATEWAYS}
_RULES = [{"security_groups": [str], "cidr_blocks": [str], "ipv6_cidr_blocks": [str]}]
_ACL = {"ingress": [dict], "egress": [dict], "subnet_ids": [str]}
# The attributes read whose type the mapping relies on (names, lists, blocks), by resource type (`shape`).
VALUES = {
    "aws_vpc": {"arn": str, "region": str, "cidr_block_associations": [dict]},
    "aws_subnet": {"availability_zone": str},
    "aws_vpc_peering_connection": {"accept_status": str, "peer_region": str},
    "aws_vpc_peering_connection_accepter": {"accept_status": str},
    "aws_route_table": {"route": [_TARGETS]},
    "aws_default_route_table": {"route": [_TARGETS]},
    "aws_route": _TARGETS,
    "aws_security_group": {"ingress": _RULES, "egress": _RULES},
    "aws_default_security_group": {"ingress": _RULES, "egress": _RULES},
    "aws_security_group_rule": {"cidr_blocks": [str], "ipv6_cidr_blocks": [str]},
    "aws_network_acl": _ACL,
    "aws_default_network_acl": _ACL,
    "aws_instance": {
        "private_ip": str,
        "secondary_private_ips": [str],
        "ipv6_addresses": [str],
        "vpc_security_group_ids": [str],
        "network_interface": [dict],
    },
    "aws_network_interface": {
        "private_ip": str,
        "private_ips": [str],
        "private_ip_list": [str],
        "ipv6_addresses": [str],
        "ipv6_address_list": [str],
        "security_groups": [str],
        "attachment": [dict],
    },
}


class AwsMapping(Mapping):
    DATA = frozenset({"aws_vpc"})

    def run(self) -> Estate:
        self.main_of: dict[str, str] = {}  # net -> its main table
        self._name_all()
        self._nets()
        self._tables()
        self._subnets()
        self._peerings()
        self._routes()
        self._groups()
        self._acls()
        self._instances()
        return self.estate

    # -- names first: references may point forwards ---------------------------------------------
    def _name_all(self) -> None:
        r = self.r
        self.name_resources(UNDERSTOOD)
        for vpc in r.of_type("aws_vpc", data=True):
            self.names[(vpc.address, "default_security_group_id")] = f"{vpc.address}.default_security_group"
            self.names[(vpc.address, "default_network_acl_id")] = f"{vpc.address}.default_network_acl"
        for table in r.of_type("aws_default_route_table"):
            target = r.one(table, "default_route_table_id")
            if isinstance(target, Target):
                self.names[(target.address, "main_route_table")] = table.address
        for vpc in r.of_type("aws_vpc", data=True):
            main = self.names.setdefault((vpc.address, "main_route_table"), f"{vpc.address}.main_route_table")
            self.names[(vpc.address, "default_route_table_id")] = main
            self.names[(vpc.address, "main_route_table_id")] = main
        for group in r.of_type("aws_default_security_group"):
            target = r.one(group, "vpc_id")
            if isinstance(target, Target):
                self.names[(target.address, "default_security_group_id")] = group.address
        for acl in r.of_type("aws_default_network_acl"):
            target = r.one(acl, "default_network_acl_id")  # the VPC's attribute: the ACL's own id is no answer
            if isinstance(target, Target):
                self.names[(target.address, "default_network_acl_id")] = acl.address
        for instance in r.of_type("aws_instance"):  # its primary interface is the instance (its VM) itself
            self.names[(instance.address, "primary_network_interface_id")] = instance.address
        for vpc in r.of_type("aws_vpc", data=True):  # what AWS creates with every VPC, declared when named
            self.implicit[f"{vpc.address}.main_route_table"] = partial(self._implicit_main, vpc.address)
            self.implicit[f"{vpc.address}.default_security_group"] = partial(self._default_group, vpc.address)
            self.implicit[f"{vpc.address}.default_network_acl"] = partial(self._default_acl, vpc.address)
        self.name_accepters("aws_vpc_peering_connection_accepter", "vpc_peering_connection_id")
        self.report_types(
            "aws", UNDERSTOOD | {t.type for t in r.found.resources if IRRELEVANT.match(t.type)}, UNDERSTOOD
        )

    def _implicit_main(self, vpc: str) -> None:
        """The VPC's main table, named (a route into `main_route_table_id`) and managed by no resource."""
        if vpc in self.estate.nets:
            name = f"{vpc}.main_route_table"
            self.main_table(vpc, None, vpc, main=self.main_of.setdefault(vpc, name) == name)

    def _default_acl(self, vpc: str) -> None:
        """The VPC's default network ACL, when no aws_default_network_acl manages it and something names
        it: AWS's default entries (allow all in and out, rule 100; 101 for IPv6), then the deny."""
        if vpc not in self.estate.nets:
            return
        net = self.estate.nets[vpc]
        acl = self.estate.item("network-acl", vpc, f"{vpc}.default_network_acl", net.origin)
        for direction in ("inbound", "outbound"):
            acl.entry(direction, 100, "allow", "all", None, "0.0.0.0/0", net.origin)
            if any(":" in block for block in net.blocks):
                acl.entry(direction, 101, "allow", "all", None, "::/0", net.origin)

    def _net_of(self, resource: Resource) -> str | None:
        return self.net_of(resource, "vpc_id", "VPC")

    # -- nets -----------------------------------------------------------------------------------
    def _nets(self) -> None:
        for vpc in self.r.of_type("aws_vpc", data=True):
            blocks = [vpc.get("cidr_block")] if vpc.get("cidr_block") else []
            blocks += [
                b.get("cidr_block")
                for b in iter_blocks(vpc.get("cidr_block_associations"))
                if b.get("state", "associated") == "associated"
            ]
            if vpc.get("ipv6_cidr_block"):
                blocks.append(vpc.get("ipv6_cidr_block"))
            elif vpc.is_unknown("ipv6_cidr_block") and vpc.get("assign_generated_ipv6_cidr_block"):
                self.unknown(vpc, "ipv6_cidr_block", "its IPv6 block (allocated by AWS) is not modelled")
            if not any(blocks):
                self.unknown(vpc, "cidr_block", "the VPC and everything in it are not modelled")
                continue
            net = self.estate.net(vpc.address, vpc.origin)
            arn = re.match(r"arn:aws[\w-]*:ec2:([\w-]+):(\d+):", vpc.get("arn", ""))
            net.account = vpc.get("owner_id") or (arn.group(2) if arn else None)
            net.region = vpc.get("region") or (arn.group(1) if arn else None) or self.r.region(vpc)
            for block in blocks:
                if block:
                    self.estate.block(vpc.address, block)
        for kind, attribute in (
            ("aws_vpc_ipv4_cidr_block_association", "cidr_block"),
            ("aws_vpc_ipv6_cidr_block_association", "ipv6_cidr_block"),
        ):
            for association in self.r.of_type(kind):
                net_name = self._net_of(association)
                if net_name is None:
                    continue
                if association.get(attribute):
                    self.estate.block(net_name, association.get(attribute))
                else:
                    self.unknown(association, attribute, "the block is not modelled")

    # -- route tables and subnets ---------------------------------------------------------------
    def _tables(self) -> None:
        r = self.r
        for table in r.of_type("aws_default_route_table"):
            target = r.one(table, "default_route_table_id")
            net = target.address if isinstance(target, Target) and target.address in self.estate.nets else None
            if net is None:
                self.lookup(table, "default_route_table_id", "VPC's main route table", "the table is not modelled")
                continue
            self.estate.item("route-table", net, table.address, table.origin)
            self.main_of[net] = table.address
        for table in r.of_type("aws_route_table"):
            net = self._net_of(table)
            if net:
                self.estate.item("route-table", net, table.address, table.origin)
        for association in r.of_type("aws_main_route_table_association"):
            net = self._net_of(association)
            table_name = self.lookup(association, "route_table_id", "route table", "the association is not modelled")
            if net and table_name and self.estate.find(table_name):
                self.main_of[net] = table_name
        for table_name in self.main_of.values():
            item = self.estate.find(table_name)
            assert item is not None  # every main table was declared above
            item.flag("main", item.origin)

    def _subnets(self) -> None:
        r = self.r
        for subnet in r.of_type("aws_subnet"):
            net = self._net_of(subnet)
            if net is None:
                continue
            item = self.estate.item("subnet", net, subnet.address, subnet.origin)
            for attribute in ("cidr_block", "ipv6_cidr_block"):
                if subnet.get(attribute):
                    item.set("cidr", subnet.get(attribute))
                elif subnet.is_unknown(attribute):
                    self.unknown(subnet, attribute, "the block is not modelled")
            if subnet.get("availability_zone"):
                item.set("zone", subnet.get("availability_zone"))
        for association in r.of_type("aws_route_table_association"):
            if association.get("gateway_id"):
                continue  # an edge association (a gateway's table): not a subnet's
            subnet_name = self.lookup(association, "subnet_id", "subnet", "the association is not modelled")
            table = self.lookup(association, "route_table_id", "route table", "the association is not modelled")
            if subnet_name and table and self.estate.find(table):
                self.attach(self.estate.find(subnet_name), "route-table", table, association)
        for draft in list(self.estate.nets.values()):
            for item in list(draft.items.values()):
                if item.kind == "subnet" and "route-table" not in item.attrs and draft.name not in self.main_of:
                    self.main_of[draft.name] = self.main_table(draft.name, None, draft.name)

    # -- peerings -------------------------------------------------------------------------------
    def _peerings(self) -> None:
        r = self.r
        accepters: dict[str, Resource] = {}
        for resource in r.of_type("aws_vpc_peering_connection_accepter"):
            target = r.one(resource, "vpc_peering_connection_id")
            if isinstance(target, Target):
                accepters[target.address] = resource
        for peering in r.of_type("aws_vpc_peering_connection"):
            requester = self._net_of(peering)
            accepter_net = self.lookup(
                peering, "peer_vpc_id", "VPC", "routes over the peering are modelled as leaving the network"
            )
            if requester is None or accepter_net not in self.estate.nets:
                self.outside.add(peering.address)
                continue
            accepter = accepters.get(peering.address)
            status = (accepter.get("accept_status") if accepter else None) or peering.get("accept_status")
            if status and canonical_state(status):
                state = canonical_state(status)
            elif status:
                self.not_modelled(
                    peering, f"accept_status '{status}' is not understood; its state is left to the language's default"
                )
                state = None
            elif peering.get("auto_accept") or (accepter and accepter.get("auto_accept")):
                state = "active"
            else:
                state = "pending-acceptance"
            peer = self.estate.nets[accepter_net]
            peer.account = peer.account or peering.get("peer_owner_id") or None
            peer.region = peer.region or peering.get("peer_region") or None
            self.estate.peering(peering.address, peering.origin, requester, accepter_net, state)

    # -- routes ---------------------------------------------------------------------------------
    def _routes(self) -> None:
        for table in self.r.of_type("aws_route_table", "aws_default_route_table"):
            item = self.estate.find(table.address)
            if item is None:
                continue
            self.inline_unknown(table, "route", "its inline routes are not modelled")
            for route in blocks_of(self.r, table, "route"):
                self._route(table, item, route, "cidr_block", "ipv6_cidr_block")
        for resource in self.r.of_type("aws_route"):
            fields = Fields(self.r, resource)
            table_target = fields.target("route_table_id")
            item = self._table(table_target)
            if item is None and (
                resource.get("vpc_peering_connection_id") or fields.unknown("vpc_peering_connection_id")
            ):
                peering = self.name(fields.target("vpc_peering_connection_id"))
                destination = resource.get("destination_cidr_block") or resource.get("destination_ipv6_cidr_block")
                item = self.peering_table(resource, table_target, peering, destination)
            if item is None:
                table_name = self.lookup(resource, "route_table_id", "route table", "the route is not modelled")
                item = self.estate.find(table_name) if table_name else None
            if item is not None:
                self._route(resource, item, fields, "destination_cidr_block", "destination_ipv6_cidr_block")

    def _table(self, target: Target | External | None) -> Item | None:
        """The declared route table `target` names (a VPC's main table is declared when named)."""
        name = self.name(target)
        item = self.estate.find(name) if name and self.declared(name) else None
        return item if item is not None and item.kind == "route-table" else None

    def _route(self, resource: Resource, item: Item, route: Fields, v4: str, v6: str) -> None:
        destination = route.get(v4) or route.get(v6)
        if not destination:
            if route.get("destination_prefix_list_id") or route.unknown("destination_prefix_list_id"):
                self.not_modelled(resource, "a route to a prefix list (prefix lists are not modelled)")
            else:
                self.unknown(resource, v4, "the route is not modelled")
            return
        if route.get("gateway_id") == "local":
            return  # the implicit local route
        if route.get("state") == "blackhole":
            item.route(destination, DROP, resource.origin)
            return
        if route.get("vpc_peering_connection_id") or route.unknown("vpc_peering_connection_id"):
            target = self.peering_route(
                resource, route.target("vpc_peering_connection_id"), "vpc_peering_connection_id", destination, "peering"
            )
            if target is not None:
                item.route(destination, target, resource.origin)
            return
        self.route_to_gateway(item, destination, resource.origin, GATEWAYS, route, route)

    # -- security groups ------------------------------------------------------------------------
    def _groups(self) -> None:
        r = self.r
        for group in r.of_type("aws_security_group", "aws_default_security_group"):
            net = self._net_of(group)
            if net is None:
                continue
            group_item = self.estate.item("security-group", net, group.address, group.origin)
            for key, direction in (("ingress", "inbound"), ("egress", "outbound")):
                self.inline_unknown(group, key, "its inline rules are not modelled")
                for inline in iter_blocks(group.get(key)):
                    peers = self.peer_blocks(inline.get("cidr_blocks"), inline.get("ipv6_cidr_blocks"))
                    peers += [group_peer(n) for n in self._group_names(group, inline.get("security_groups"))]
                    if inline.get("self"):
                        peers.append(group_peer(group.address))
                    if inline.get("prefix_list_ids"):
                        self.not_modelled(group, "a rule naming a prefix list (prefix lists are not modelled)")
                    self._rule(
                        group_item,
                        group,
                        direction,
                        inline.get("protocol"),
                        inline.get("from_port"),
                        inline.get("to_port"),
                        peers,
                    )
        for rule in r.of_type("aws_security_group_rule"):
            item = self._rule_group(rule)
            if item is None:
                continue
            peers = self.peer_blocks(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks"))
            if rule.get("self"):
                peers.append(group_peer(item.name))
            elif rule.get("source_security_group_id") or rule.is_unknown("source_security_group_id"):
                source = self.lookup(rule, "source_security_group_id", "security group", "the rule is not modelled")
                if source is None:
                    continue
                peers.append(group_peer(source))
            if rule.get("prefix_list_ids"):
                self.not_modelled(rule, "a rule naming a prefix list (prefix lists are not modelled)")
            direction = "inbound" if rule.get("type") == "ingress" else "outbound"
            self._rule(item, rule, direction, rule.get("protocol"), rule.get("from_port"), rule.get("to_port"), peers)
        for kind, direction in (
            ("aws_vpc_security_group_ingress_rule", "inbound"),
            ("aws_vpc_security_group_egress_rule", "outbound"),
        ):
            for rule in r.of_type(kind):
                item = self._rule_group(rule)
                if item is None:
                    continue
                peers = [block_peer(rule.get(k)) for k in ("cidr_ipv4", "cidr_ipv6") if rule.get(k)]
                if rule.get("referenced_security_group_id") or rule.is_unknown("referenced_security_group_id"):
                    source = self.lookup(
                        rule, "referenced_security_group_id", "security group", "the rule is not modelled"
                    )
                    if source is None:
                        continue
                    peers.append(group_peer(source))
                if rule.get("prefix_list_id"):
                    self.not_modelled(rule, "a rule naming a prefix list (prefix lists are not modelled)")
                self._rule(
                    item, rule, direction, rule.get("ip_protocol"), rule.get("from_port"), rule.get("to_port"), peers
                )

    def _rule_group(self, rule: Resource) -> Item | None:
        name = self.lookup(rule, "security_group_id", "security group", "the rule is not modelled")
        return self._group_item(name) if name else None

    def _group_item(self, name: str) -> Item | None:
        return self.estate.find(name) if self.declared(name) else None

    def _default_group(self, vpc: str) -> None:
        """The VPC's default group, when no aws_default_security_group manages it and something names it."""
        if vpc in self.estate.nets:
            name = f"{vpc}.default_security_group"
            origin = self.estate.nets[vpc].origin
            item = self.estate.item("security-group", vpc, name, origin)
            item.rule("inbound", "all", None, group_peer(name), origin)  # AWS's default rules
            item.rule("outbound", "all", None, ANY, origin)

    def _group_names(self, resource: Resource, values: Iterable[str] | None) -> list[str]:
        names = []
        for value in values or []:
            name = self.name(self.r.resolve(value, "security_groups", resource))
            if name is None or not self.declared(name):
                self.not_in_input(
                    resource,
                    f"security group {value}",
                    "security group",
                    "the rule naming it matches no modelled VM and is left out",
                )
            else:
                names.append(name)
        return names

    def _rule(
        self, item: Item, resource: Resource, direction: str, protocol: Any, low: Any, high: Any, peers: list[PeerOf]
    ) -> None:
        proto = self.protocol(protocol)
        ports = self.ports(proto, low, high) if proto else None
        if proto is None or ports is None:
            self.not_modelled(resource, f"a rule with protocol '{protocol}' and ports {low}-{high} is not understood")
            return
        for peer in peers:
            item.rule(direction, proto, ports, peer, resource.origin)

    # -- network ACLs ---------------------------------------------------------------------------
    def _acls(self) -> None:
        r = self.r
        for acl in r.of_type("aws_network_acl", "aws_default_network_acl"):
            if acl.type == "aws_default_network_acl":
                target = r.one(acl, "default_network_acl_id")
                net = target.address if isinstance(target, Target) and target.address in self.estate.nets else None
                if net is None:
                    self.lookup(acl, "default_network_acl_id", "VPC's default ACL", "the ACL is not modelled")
                    continue
            else:
                net = self._net_of(acl)
                if net is None:
                    continue
            acl_item = self.estate.item("network-acl", net, acl.address, acl.origin)
            for key, egress in (("ingress", False), ("egress", True)):
                self.inline_unknown(acl, key, "its inline entries are not modelled")
                for index, inline in enumerate(acl.get(key) or []):
                    if not isinstance(inline, dict):
                        continue
                    unknown = [f for f in ("icmp_type", "icmp_code") if acl.unknown_in(key, index, f)]
                    if unknown:
                        self._icmp_unknown(acl, unknown[0], inline.get("rule_no"))
                        continue
                    self._entry(
                        acl_item,
                        acl,
                        egress,
                        inline.get("rule_no"),
                        inline.get("action"),
                        inline.get("protocol"),
                        inline.get("from_port"),
                        inline.get("to_port"),
                        inline.get("cidr_block") or inline.get("ipv6_cidr_block"),
                        (inline.get("icmp_type"), inline.get("icmp_code")),
                    )
            for subnet in self.lookup_many(acl, "subnet_ids", "subnet", "its subnet associations are not modelled"):
                self.attach(self.estate.find(subnet), "network-acl", acl.address, acl)
        for entry in r.of_type("aws_network_acl_rule"):
            name = self.lookup(entry, "network_acl_id", "network ACL", "the entry is not modelled")
            item = self.estate.find(name) if name else None
            unknown = [f for f in ("icmp_type", "icmp_code") if entry.is_unknown(f)]
            if item is not None and unknown:
                self._icmp_unknown(entry, unknown[0], entry.get("rule_number"))
            elif item is not None:
                self._entry(
                    item,
                    entry,
                    bool(entry.get("egress")),
                    entry.get("rule_number"),
                    entry.get("rule_action"),
                    entry.get("protocol"),
                    entry.get("from_port"),
                    entry.get("to_port"),
                    entry.get("cidr_block") or entry.get("ipv6_cidr_block"),
                    (entry.get("icmp_type"), entry.get("icmp_code")),
                )
        for association in r.of_type("aws_network_acl_association"):
            acl_name = self.lookup(association, "network_acl_id", "network ACL", "the association is not modelled")
            subnet_name = self.lookup(association, "subnet_id", "subnet", "the association is not modelled")
            if acl_name and subnet_name and self.estate.find(acl_name):
                self.attach(self.estate.find(subnet_name), "network-acl", acl_name, association)
        for net, draft in self.estate.nets.items():  # subnets with no other ACL use the VPC's default one
            default = self.names.get((net, "default_network_acl_id"))
            if default is None or self.estate.owner.get(default) != net:
                continue  # not managed nor named: allow all, as no ACL does
            for item in draft.items.values():
                if item.kind == "subnet" and "network-acl" not in item.attrs:
                    item.attrs["network-acl"] = [default]

    def _entry(
        self,
        item: Item,
        resource: Resource,
        egress: bool,
        number: Any,
        action: Any,
        protocol: Any,
        low: Any,
        high: Any,
        block: Any,
        icmp: tuple[Any, Any] = (None, None),
    ) -> None:
        proto = self.protocol(protocol)
        # An ICMP entry gives its type and code in icmp_type and icmp_code, not in ports (`_icmp`).
        ports = self.ports(proto, *(_icmp(*icmp) if proto in ("icmp", "icmpv6") else (low, high))) if proto else None
        if proto is None or ports is None or not block or action not in ("allow", "deny") or number is None:
            self.not_modelled(resource, f"network ACL entry {number} ({action} {protocol} {block}) is not understood")
            return
        item.entry("outbound" if egress else "inbound", number, action, proto, ports, block, resource.origin)

    def _icmp_unknown(self, resource: Resource, attribute: str, number: Any) -> None:
        """An ICMP entry whose type or code is known only after apply: which messages it matches is unknown."""
        self.unknown(resource, attribute, f"network ACL entry {number} (its ICMP type or code) is not modelled")

    # -- instances and their network interfaces ---------------------------------------------------
    def _instances(self) -> None:
        nics = self._nics()
        for instance in self.r.of_type("aws_instance"):
            primary = next((n for n in nics.values() if _primary_of(n, instance.address)), None)
            if primary is not None and not instance.get("subnet_id"):
                # launched with its primary interface (a network_interface block of device 0): the instance's
                # subnet, addresses and groups are that interface's, known before the instance's own are
                item = self.estate.item("vm", primary.net, instance.address, instance.origin)
                join_primary(self, item, primary)
                continue
            subnet = self.lookup(instance, "subnet_id", "subnet", "the instance is not modelled")
            net = self.estate.owner.get(subnet) if subnet else None
            if subnet is None or net is None:  # no subnet: no net either
                continue
            addresses = [instance.get("private_ip")] if instance.get("private_ip") else []
            if not addresses:
                self.unknown(instance, "private_ip", "the instance is not modelled (set private_ip to verify it)")
                continue
            addresses += self.blocks(instance.get("secondary_private_ips"))
            addresses += self.blocks(instance.get("ipv6_addresses"))
            groups = self._member_of(instance, net, "vpc_security_group_ids", "the instance's groups")
            item = self.estate.item("vm", net, instance.address, instance.origin)
            item.primary(subnet, addresses, groups)
        self._group_attachments(nics)
        place(self, nics)

    def _member_of(self, resource: Resource, net: str, attribute: str, what: str) -> list[str]:
        """The declared groups `attribute` names; none configured: the VPC's default group, where AWS
        puts an instance or a network interface created with none."""
        groups = []
        if self.r.configured(resource, attribute) is not False or resource.get(attribute):
            # a group left out may allow more (AWS lets in what any group of the VM allows)
            groups = self.lookup_many(
                resource, attribute, "security group", f"{what} are not all modelled", gap=[net], effect="allows"
            )
        if not groups and self.r.configured(resource, attribute) is not True:
            groups = [self.names.get((net, "default_security_group_id"), f"{net}.default_security_group")]
        return [g for g in groups if self._group_item(g) is not None]

    def _nics(self) -> dict[str, Nic]:
        """The network interfaces, each with what attaches it: its `attachment` blocks, the
        aws_network_interface_attachment resources, the `network_interface` blocks of instances."""
        nics: dict[str, Nic] = {}
        for eni in self.r.of_type("aws_network_interface"):
            where = subnet_of(self, eni, "network interface")
            if where is None:
                continue
            subnet, net = where
            addresses = [eni.get("private_ip")] if eni.get("private_ip") else []
            addresses += self.blocks(eni.get("private_ip_list")) + self.blocks(eni.get("private_ips"))
            if not addresses:
                self.unknown(eni, "private_ips", "the network interface is not modelled (set private_ips to verify it)")
                continue
            addresses += self.blocks(eni.get("ipv6_address_list")) + self.blocks(eni.get("ipv6_addresses"))
            groups = self._member_of(eni, net, "security_groups", "the network interface's groups")
            nic = nics[eni.address] = Nic(eni, subnet, net, list(dict.fromkeys(addresses)), groups)
            for block in blocks_of(self.r, eni, "attachment"):
                nic.links.append(attached_to(self, eni, block, "instance", block.get("device_index"), "instance"))
        for attachment in self.r.of_type("aws_network_interface_attachment"):
            attached = self._nic(nics, attachment, "the attachment is not modelled")
            if attached is not None:
                index = attachment.get("device_index")
                attached.links.append(
                    attached_to(self, attachment, Fields(self.r, attachment), "instance_id", index, "instance")
                )
        for instance in self.r.of_type("aws_instance"):
            for block in blocks_of(self.r, instance, "network_interface"):
                name = self.name(block.target("network_interface_id"))
                if name in nics:
                    nics[name].links.append(Link(instance.address, device(block.get("device_index")), instance))
                elif name is None and device(block.get("device_index")) != 0:
                    self.lookup(
                        instance,
                        "network_interface_id",
                        "network interface",
                        "traffic through that interface of the instance is not modelled",
                        block,
                    )
        return nics

    def _nic(self, nics: dict[str, Nic], resource: Resource, consequence: str) -> Nic | None:
        """The interface `network_interface_id` of `resource` names; None, said, when it is none of the input
        (one of the input that is not modelled was said at the interface)."""
        name = self.name(Fields(self.r, resource).target("network_interface_id"))
        if name is None:
            self.lookup(resource, "network_interface_id", "network interface", consequence)
        return nics.get(name) if name else None

    def _group_attachments(self, nics: dict[str, Nic]) -> None:
        """aws_network_interface_sg_attachment: one more group of an interface, or of an instance's primary
        interface (its `primary_network_interface_id`)."""
        for attachment in self.r.of_type("aws_network_interface_sg_attachment"):
            group = self.lookup(attachment, "security_group_id", "security group", "the attachment is not modelled")
            if group is None or self._group_item(group) is None:
                continue
            name = self.name(Fields(self.r, attachment).target("network_interface_id"))
            holders = []
            if name in nics:
                nics[name].groups.append(group)
                link = primary_link(nics[name]) if nics[name].placed else None
                holders = [link.vm] if link and link.vm else []
            elif name is None:
                self.lookup(attachment, "network_interface_id", "network interface", "the attachment is not modelled")
            else:
                holders = [name]
            for holder in holders:
                vm = self.estate.find(holder)
                if vm is not None and vm.kind == "vm":
                    vm.set("groups", group)
                else:
                    self.not_declared(attachment, "network_interface_id", holder, "the attachment is not modelled")


def _icmp(kind: Any, code: Any) -> tuple[Any, Any]:
    """The ICMP type and code a network ACL entry of the aws provider gets on AWS.

    AWS reads -1 as every type (or every code of the type) ("IcmpTypeCode", Amazon EC2 API Reference,
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IcmpTypeCode.html). An icmp_type or
    icmp_code left unset is not "every": the provider sends 0 for it (its documentation of
    aws_network_acl and aws_network_acl_rule: "Default 0"; it sends the attribute's zero value), so
    the entry matches type 0 (echo reply) code 0 only, and null reads as 0 here. A value known only
    after apply never comes here (`_icmp_unknown`)."""
    return (0 if kind is None or kind == "" else kind), (0 if code is None or code == "" else code)


def _primary_of(nic: Nic, instance: str) -> bool:
    link = primary_link(nic)
    return link is not None and link.vm == instance


def build(resolver: Resolver, estate: Estate) -> Estate:
    return AwsMapping(resolver, estate).run()

"""Alibaba Cloud CLI (`aliyun`) responses, read as one estate (`provider alibaba`): VPCs, vSwitches,
route tables and entries, network ACLs, security groups and their rules, ECS instances and VPC
peering connections (`alibaba_responses` says which responses, their shape and their pages).

Files are known by their top-level keys whatever they are called, and any number of them, of any
number of accounts, are one estate: an object listed twice is one object, a peering both accounts
list is one peering (of its views, the state further along). Resources are named by their ids
(`vpc-bp1…`, `vsw-…`, `vtb-…`, `sg-bp…`, `nacl-…`, `i-bp…`, `pcc-…`); every line points at the
object in its response. What is not modelled is said (IMP001), never dropped in silence.

API references read (Alibaba Cloud documentation): Virtual Private Cloud, "DescribeVpcs"
(https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevpcs),
"DescribeVSwitches" (https://alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevswitches),
"DescribeRouteTableList" (https://alibabacloud.com/help/en/vpc/api-describeroutetablelist),
"DescribeRouteEntryList" (https://alibabacloud.com/help/en/vpc/api-describerouteentrylist),
"DescribeNetworkAcls" (https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describenetworkacls),
"DescribeNetworkAclAttributes" (https://alibabacloud.com/help/en/vpc/api-describenetworkaclattributes),
"ListVpcPeerConnections"
(https://alibabacloud.com/help/en/vpc/developer-reference/api-vpcpeer-2022-01-01-listvpcpeerconnections);
Elastic Compute Service, "DescribeSecurityGroups" (https://alibabacloud.com/help/doc-detail/25556.htm),
"DescribeSecurityGroupAttribute" (https://alibabacloud.com/help/en/ecs/api-describesecuritygroupattribute),
"DescribeInstances" (https://alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances),
"DescribeNetworkInterfaces" (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-describenetworkinterfaces).

What the responses leave implicit, read as Alibaba documents it:
- "Route table overview" (https://www.alibabacloud.com/help/doc-detail/106224.htm): a VPC's system
  table routes every vSwitch that names no custom table, and holds a system route for each vSwitch
  block (the language's `provider alibaba` local routes) and one for 100.64.0.0/10, the range of
  Alibaba's cloud services, which no VPC or vSwitch holds: neither is written. A gateway route table
  routes traffic entering through an IPv4/IPv6 gateway, which the language does not model (said).
- "Security group rules" and "Basic and advanced security groups", ECS User Guide
  (https://help.aliyun.com/en/ecs/user-guide/security-group-rules,
  https://help.aliyun.com/en/ecs/user-guide/basic-security-groups-and-advanced-security-groups): a
  basic (`normal`) group allows all outbound traffic and inbound traffic from its own members; an
  advanced (`enterprise`) group denies both. Written `type basic` / `type enterprise`: the language
  gives a basic group those implicit rules. `InnerAccessPolicy` (Accept/Drop, "ModifySecurityGroupPolicy",
  https://www.alibabacloud.com/help/en/ecs/developer-reference/api-modifysecuritygrouppolicy) is a
  basic group's `inner-access`. A rule's `Priority` (1-100, 1 first), `Policy` Accept/Drop and
  `PortRange` (`22/22`; `-1/-1` for every port, and the only range of an ICMP, GRE or all-protocol
  rule: every ICMP type and code) are written as they are ("AuthorizeSecurityGroup",
  https://alibabacloud.com/help/en/ecs/api-authorizesecuritygroup: priorities 1-100, a Drop beats an
  Accept of the same priority, as the language reads them).
- "Elastic network interfaces: Overview", ECS User Guide
  (https://www.alibabacloud.com/help/en/elastic-compute-service/latest/elastic-network-interfaces-overview):
  an instance has one primary ENI and may have secondary ENIs of its VPC (and zone), each with its
  own vSwitch, private addresses and security groups. DescribeInstances lists an instance's ENIs but
  gives a secondary ENI's vSwitch and groups nowhere: DescribeNetworkInterfaces does, and each
  secondary ENI it attaches to an instance (`InstanceId`) is written as an `interface` of the
  instance's VM; one it does not describe is said. An ENI attached to no instance (`Available`)
  carries nothing and is said; one in use without an imported instance (an instance outside the
  input, or an Alibaba Cloud service's: no `InstanceId`) is a VM of its own, since something answers
  at its addresses.
- "Network ACL overview" (https://www.alibabacloud.com/help/en/vpc/network-acl-overview): entries are
  matched in their order, the first match decides, ports are destination ports: numbered 1, 2, ... as
  listed, system entries included.
- "CreateVpcPeerConnection" and "AcceptVpcPeerConnection"
  (https://www.alibabacloud.com/help/ja/vpc/api-createvpcpeer,
  https://www.alibabacloud.com/help/en/vpc/api-acceptvpcpeerconnection): `Creating` is being created,
  `Accepting` waits for the accepter's account (`pending-acceptance`), `Updating` is being activated
  (or modified), `Activated` carries traffic; read through `canonical_state`. A request's expiry is
  `GmtExpired` (7 days after `GmtCreate`): `created` is written so that the language's expiry is it.
- "ALIYUN::ECS::Route", ROS (https://www.alibabacloud.com/help/en/ros/developer-reference/aliyun-ecs-route):
  the next-hop types of a route; `VpcPeer` is a VPC peering connection, every other one a gateway of
  the kind `gateways.py` gives it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from verifier.importers import Head, Imported, read_all, sniff
from verifier.importers.alibaba_responses import (
    ACL_ATTRIBUTE,
    OWN_KEYS,
    SHAPE,
    SHARED_KEYS,
    Dump,
    Found,
    count,
    dicts,
    dig,
    pages,
    strings,
)
from verifier.importers.estate import ADDRESS, Estate, Item, block_peer, group_peer, via_gateway, via_peering
from verifier.importers.gateways import gateway_kind
from verifier.language.model import PENDING_LIFETIME, Span, canonical_state

PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "all", "gre": "47", "icmpv6": "icmpv6"}
ACTIONS = {"accept": "allow", "drop": "deny"}
EVERY_PORT = ((-1, -1), (1, 65535), (0, 65535))
CLOUD_SERVICES = "100.64.0.0/10"  # the system route to Alibaba's cloud services ("Route table overview")
# Next-hop types that gateways.py does not name (as the route references spell them).
NEXT_HOP_KINDS = {"IPv6Gateway": "internet", "GatewayEndpoint": "endpoint", "CenBasic": "transit"}
# States of a peering further along Alibaba's lifecycle rank higher; `updating` ranks above `active`
# (an activated connection being modified may not carry traffic: of two views, the unsure one wins).
LIFECYCLE = {"initiating": 0, "pending-acceptance": 1, "provisioning": 2, "active": 3, "updating": 4}
LIFECYCLE |= {"deleting": 5, "deleted": 6, "rejected": 6, "expired": 6, "failed": 6}
STOPPED = ("Stopped", "Stopping", "Pending")  # instances that hold their addresses but send nothing now


def detect_file(file: Path, head: Head | None = None) -> bool:
    """An `aliyun` response, by its top-level keys, whatever the file's name: a key only Alibaba's
    responses have, or one other tools' JSON has too beside a `RequestId` or holding Alibaba's object."""
    head = head or sniff(file)
    if not head.keys.isdisjoint(OWN_KEYS):
        return True
    shared = head.keys & SHARED_KEYS.keys()
    if not shared:
        return False
    return "RequestId" in head.keys or any(
        re.search(rf'"{key}"\s*:\s*\{{\s*"{SHARED_KEYS[key]}"\s*:', head.text) for key in shared
    )


SIDES = (("Vpc", "OwnerId", "RegionId"), ("AcceptingVpc", "AcceptingOwnerUid", "AcceptingRegionId"))


@dataclass
class Side:
    """One VPC of a peering, as the peering's records give it; for an outside net, every peering of it."""

    vpc: str | None
    found: Found
    blocks: list[str]
    account: str | None
    region: str | None
    peerings: list[str] = field(default_factory=list)


def _account(value: Any) -> str | None:
    return str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value) else None


def load(files: list[Path], label: str) -> Imported:
    dump = Dump()
    for file, document, text in read_all(files, SHAPE):
        if isinstance(document, dict):  # the shape says so
            dump.add(file, document, text)
    estate = Estate("alibaba", label, f"imported from Alibaba Cloud CLI responses: {', '.join(f.name for f in files)}")
    _Reader(estate, dump).run()
    pages(dump)
    estate.warnings.extend(dump.warnings)
    return estate.build(dump.where.texts)


class _Reader:
    def __init__(self, estate: Estate, dump: Dump):
        self.estate, self.dump = estate, dump
        self.tables: dict[str, str] = {}  # declared route table -> its VPC
        self.system: dict[str, str] = {}  # VPC -> its system route table
        self.gateway_tables: set[str] = set()  # tables associated with a gateway: not modelled
        self.blocks: dict[str, set[str]] = {}  # VPC -> the blocks of its vSwitches (its system routes)

    # -- what is said ------------------------------------------------------------------------------
    def say(self, at: Span, message: str) -> None:
        self.dump.say(at, message)

    def unique(self, key: str, id_key: str) -> dict[str, Found]:
        """The objects of `key` by id: one object per id, the first description read (a second that
        differs but in its tags, which each account sets, is said)."""
        objects: dict[str, Found] = {}
        for found in self.dump.found.get(key, []):
            ident = found.item.get(id_key)
            if not isinstance(ident, str) or not ident:
                continue  # required by the shape where it is an object's id; a route entry may have none
            first = objects.setdefault(ident, found)
            if first is not found and _untagged(first.item) != _untagged(found.item):
                self.say(found.at(ident), f"{ident}: described twice, differently; the first description is read")
        return objects

    def run(self) -> None:
        self._nets()
        self._subnets()
        self._tables()
        self._groups()
        self._acls()
        self._instances()
        self._peerings()
        self._routes()

    # -- VPCs and vSwitches ------------------------------------------------------------------------
    def _nets(self) -> None:
        for ident, found in self.unique("Vpcs", "VpcId").items():
            vpc = found.item
            blocks = [vpc.get("CidrBlock")] + strings(dig(vpc, "SecondaryCidrBlocks", "SecondaryCidrBlock"))
            blocks += [vpc.get("Ipv6CidrBlock")]
            blocks += [b.get("Ipv6CidrBlock") for b in dicts(dig(vpc, "Ipv6CidrBlocks", "Ipv6CidrBlock"))]
            cidrs = list(dict.fromkeys(b for b in blocks if isinstance(b, str) and b))
            if not cidrs:
                self.say(found.at(ident), f"{ident}: a VPC with no CIDR block; it and what it holds are not imported")
                continue
            net = self.estate.net(ident, found.at(ident))
            net.account = _account(vpc.get("OwnerId"))
            net.region = vpc.get("RegionId") or None
            for cidr in cidrs:
                self.estate.block(ident, cidr)
            self.blocks[ident] = set()

    def _subnets(self) -> None:
        for ident, found in self.unique("VSwitches", "VSwitchId").items():
            vswitch, vpc = found.item, found.item.get("VpcId")
            if vpc not in self.estate.nets:
                self.say(found.at(ident), f"{ident}: its VPC {vpc} is not in the input; not imported")
                continue
            blocks = [b for b in (vswitch.get("CidrBlock"), vswitch.get("Ipv6CidrBlock")) if b]
            if not blocks:
                self.say(found.at(ident), f"{ident}: a vSwitch with no CIDR block; not imported")
                continue
            item = self.estate.item("subnet", vpc, ident, found.at(ident))
            for block in blocks:
                item.set("cidr", block)
                self.blocks[vpc].add(block)
            if vswitch.get("ZoneId"):
                item.set("zone", vswitch["ZoneId"])

    # -- route tables ------------------------------------------------------------------------------
    def _table(self, ident: str, vpc: str, origin: Span, system: bool) -> None:
        item = self.estate.item("route-table", vpc, ident, origin)
        self.tables[ident] = vpc
        if system and vpc not in self.system:
            self.system[vpc] = ident
            item.flag("main", origin)

    def _tables(self) -> None:
        listed: dict[str, str] = {}  # vSwitch -> the table that lists it
        for ident, found in self.unique("RouterTableList", "RouteTableId").items():
            record, vpc = found.item, found.item.get("VpcId")
            if vpc not in self.estate.nets:
                self.say(found.at(ident), f"{ident}: its VPC {vpc} is not in the input; its routes are not imported")
                continue
            if record.get("AssociateType") == "Gateway":
                self.gateway_tables.add(ident)
                self.say(
                    found.at(ident),
                    f"{ident}: a gateway route table (it routes traffic entering the VPC through its IPv4 or "
                    "IPv6 gateway, which is not modelled); not imported",
                )
                continue
            self._table(ident, vpc, found.at(ident), record.get("RouteTableType") == "System")
            for vswitch in strings(dig(record, "VSwitchIds", "VSwitchId")):
                listed.setdefault(vswitch, ident)
        for ident, found in self.unique("VSwitches", "VSwitchId").items():
            subnet = self.estate.find(ident)
            if subnet is None or subnet.kind != "subnet":
                continue
            vpc = self.estate.owner[ident]
            own = found.item.get("RouteTable") or {}
            table = own.get("RouteTableId")
            if table and table not in self.tables and table not in self.gateway_tables:
                # named by the vSwitch (DescribeRouteTableList not given): a table of the vSwitch's VPC
                self._table(table, vpc, found.at(table), own.get("RouteTableType") == "System")
            table = table if table in self.tables else listed.get(ident)
            if table and table != self.system.get(vpc) and self.tables.get(table) == vpc:
                subnet.set("route-table", table)
        for vpc, net in self.estate.nets.items():
            unrouted = [
                name for name, item in net.items.items() if item.kind == "subnet" and "route-table" not in item.attrs
            ]
            if vpc in self.system or not unrouted:
                continue
            if any(t == vpc for t in self.tables.values()):
                name = f"{vpc}.system_route_table"
                self._table(name, vpc, net.origin, True)
                self.say(
                    net.origin,
                    f"{vpc}: its system route table is not in the input: vSwitches {', '.join(unrouted)} are "
                    "routed by their system routes only",
                )
            else:
                self.say(
                    net.origin,
                    f"{vpc}: none of its route tables is in the input: its vSwitches are routed by their system "
                    "routes only",
                )

    # -- security groups ---------------------------------------------------------------------------
    def _groups(self) -> None:
        listed = self.unique("SecurityGroups", "SecurityGroupId")
        pages: dict[str, list[Found]] = {}
        for response in self.dump.attributes:
            ident = response.item.get("SecurityGroupId")
            if not ident:
                self.say(
                    response.at(),
                    f"{Path(response.file).name}: a DescribeSecurityGroupAttribute response that names no "
                    "SecurityGroupId; its rules are not imported",
                )
                continue
            pages.setdefault(ident, []).append(response)
        for ident in dict.fromkeys([*listed, *pages]):
            found = listed.get(ident)
            responses = pages.get(ident, [])
            origin = (found or responses[0]).at(ident)
            vpc = (found.item.get("VpcId") if found else None) or next(
                (r.item.get("VpcId") for r in responses if r.item.get("VpcId")), None
            )
            if vpc not in self.estate.nets:
                where = f"its VPC {vpc} is not in the input" if vpc else "it is in no VPC (a classic network group)"
                self.say(origin, f"{ident}: {where}; not imported")
                continue
            item = self.estate.item("security-group", vpc, ident, origin)
            kind = found.item.get("SecurityGroupType") if found else None
            if kind == "enterprise":
                item.flag("type", origin, "enterprise")
            else:
                if kind not in ("normal", None):
                    self.say(origin, f"{ident}: security group type '{kind}' is not understood; read as basic")
                elif kind is None:
                    self.say(
                        origin,
                        f"{ident}: its type is not in the input (DescribeSecurityGroups gives it): read as basic, "
                        "with a basic group's implicit rules",
                    )
                item.flag("type", origin, "basic")
                policy = next((r.item["InnerAccessPolicy"] for r in responses if r.item.get("InnerAccessPolicy")), None)
                if policy and policy.lower() in ("accept", "drop"):
                    item.flag("inner-access", origin, policy.lower())
                elif policy:
                    self.say(origin, f"{ident}: InnerAccessPolicy '{policy}' is not understood; read as Accept")
            if not responses:
                self.say(
                    origin,
                    f"{ident}: its rules are not in the input (DescribeSecurityGroupAttribute gives them): "
                    "modelled with no written rule",
                )
        for ident, responses in pages.items():
            group = self.estate.find(ident)
            if group is not None and group.kind == "security-group":
                for response in responses:
                    for rule in self.dump.permissions.get(id(response), []):
                        self._rule(ident, group, rule)

    def _rule(self, group: str, item: Item, found: Found) -> None:
        rule = found.item
        origin = found.at(rule.get("SecurityGroupRuleId"))
        words = " ".join(
            str(rule.get(k)) for k in ("Direction", "Policy", "IpProtocol", "PortRange") if rule.get(k) is not None
        )
        direction = {"ingress": ("inbound", "from", "Source"), "egress": ("outbound", "to", "Dest")}.get(
            str(rule.get("Direction")).lower()
        )
        proto = PROTOCOLS.get(str(rule.get("IpProtocol")).lower())
        ports = _ports(proto, rule.get("PortRange")) if proto else None
        action = ACTIONS.get(str(rule.get("Policy") or "Accept").lower())
        priority = _priority(rule.get("Priority"))
        if direction is None or proto is None or ports is None or action is None or priority is None:
            self.say(
                origin, f"{group}: rule '{words}' (priority {rule.get('Priority')}) is not understood; not imported"
            )
            return
        why = _unmodelled(rule)
        if why:
            self.say(origin, f"{group}: rule '{words}' {why}; not imported")
            return
        keyword, way, side = direction
        peers = [block_peer(p) for p in (rule.get(f"{side}CidrIp"), rule.get(f"Ipv6{side}CidrIp")) if p]
        other = rule.get(f"{side}GroupId")
        if other:
            declared = self.estate.find(other)
            if declared is not None and declared.kind == "security-group":
                peers.append(group_peer(other))
            else:
                self.say(
                    origin,
                    f"{group}: rule '{words}' names security group {other}, which is not in the input: read as "
                    "matching nothing (no VM of the input is in it)",
                )
        if rule.get(f"{side}PrefixListId"):
            self.say(
                origin,
                f"{group}: rule '{words}' names prefix list {rule[f'{side}PrefixListId']} (prefix lists are not "
                "modelled); that part is not imported",
            )
        elif not peers and not other:
            self.say(
                origin, f"{group}: rule '{words}' names no {'source' if way == 'from' else 'destination'}; not imported"
            )
        for peer in peers:
            item.rule(keyword, proto, ports, peer, origin, action, priority)

    # -- network ACLs ------------------------------------------------------------------------------
    def _acls(self) -> None:
        acls = self.unique("NetworkAcls", "NetworkAclId")
        for ident, found in self.unique(ACL_ATTRIBUTE.key, "NetworkAclId").items():
            acls.setdefault(ident, found)
        for ident, found in acls.items():
            acl, vpc = found.item, found.item.get("VpcId")
            if vpc not in self.estate.nets:
                self.say(found.at(ident), f"{ident}: its VPC {vpc} is not in the input; not imported")
                continue
            item = self.estate.item("network-acl", vpc, ident, found.at(ident))
            for keyword, key, member, peer in (
                ("inbound", "IngressAclEntries", "IngressAclEntry", "SourceCidrIp"),
                ("outbound", "EgressAclEntries", "EgressAclEntry", "DestinationCidrIp"),
            ):
                for number, entry in enumerate(dicts(dig(acl, key, member)), start=1):
                    origin = found.at(entry.get("NetworkAclEntryId"))
                    proto = PROTOCOLS.get(str(entry.get("Protocol")).lower())
                    ports = _ports(proto, entry.get("Port")) if proto else None
                    action = ACTIONS.get(str(entry.get("Policy")).lower())
                    if proto is None or ports is None or action is None or not entry.get(peer):
                        self.say(
                            origin,
                            f"{ident}: {keyword} entry {number} ({entry.get('Policy')} {entry.get('Protocol')} "
                            f"{entry.get('Port')}) is not understood; not imported",
                        )
                        continue
                    item.entry(keyword, number, action, proto, ports, entry[peer], origin)
            for resource in dicts(dig(acl, "Resources", "Resource")):
                vswitch, status = resource.get("ResourceId"), resource.get("Status")
                if resource.get("ResourceType", "VSwitch") != "VSwitch" or not vswitch:
                    continue
                if status in ("BINDING", "UNBINDING"):
                    self.say(
                        found.at(vswitch),
                        f"{ident}: its association with {vswitch} is {status}: modelled as associated",
                    )
                self._attach(ident, vpc, vswitch, found)
        for ident, found in self.unique("VSwitches", "VSwitchId").items():
            named = found.item.get("NetworkAclId")
            if named and self.estate.find(ident) is not None:
                self._attach(named, self.estate.owner[ident], ident, found)

    def _attach(self, acl: str, vpc: str, vswitch: str, found: Found) -> None:
        subnet = self.estate.find(vswitch)
        if subnet is None or subnet.kind != "subnet" or self.estate.owner[vswitch] != vpc:
            self.say(
                found.at(vswitch), f"{acl}: its vSwitch {vswitch} is not in the input; the association is not imported"
            )
        elif self.estate.find(acl) is None:
            self.say(found.at(acl), f"{vswitch}: its network ACL {acl} is not in the input; read as no ACL")
        else:
            subnet.set("network-acl", acl)

    # -- instances and their network interfaces ----------------------------------------------------
    def _instances(self) -> None:
        """Each instance is a VM: its primary ENI (vSwitch, addresses, the instance's groups) and, as
        `interface` blocks, its secondary ENIs as DescribeNetworkInterfaces describes them. An ENI
        that is no imported instance's is read by `_loose_interface`."""
        enis = self.unique("NetworkInterfaceSets", "NetworkInterfaceId")
        attached: dict[str, list[str]] = {}  # instance -> the ENIs DescribeNetworkInterfaces attaches to it
        for eni, described in enis.items():
            owner = _attached_to(described.item)
            if owner:
                attached.setdefault(owner, []).append(eni)
        instances = self.unique("Instances", "InstanceId")
        read: set[str] = set()  # ENIs read as an instance's (written, or said with it)
        for ident, found in instances.items():
            read.update(attached.get(ident, []))
            self._instance(ident, found, enis, attached.get(ident, []))
        for eni, described in enis.items():
            if eni not in read:
                self._loose_interface(eni, described, instances)

    def _instance(self, ident: str, found: Found, enis: dict[str, Found], attached: list[str]) -> None:
        instance = found.item
        origin = found.at(ident)
        vswitch = dig(instance, "VpcAttributes", "VSwitchId")
        subnet = self.estate.find(vswitch) if vswitch else None
        interfaces = dicts(dig(instance, "NetworkInterfaces", "NetworkInterface"))
        primary = next((i for i in interfaces if i.get("Type") == "Primary"), None)
        primary = primary or (interfaces[0] if len(interfaces) == 1 and not interfaces[0].get("Type") else None)
        primary_id = (primary or {}).get("NetworkInterfaceId") or next(
            (e for e in attached if enis[e].item.get("Type") == "Primary"), None
        )
        secondaries = [i.get("NetworkInterfaceId") or "(no id)" for i in interfaces if i is not primary]
        secondaries += [e for e in attached if e != primary_id and e not in secondaries]
        also = f" (nor are its network interfaces {', '.join(secondaries)})" if secondaries else ""
        if subnet is None or subnet.kind != "subnet":
            where = f"its vSwitch {vswitch} is not in the input" if vswitch else "it is in no VPC (classic network)"
            self.say(origin, f"{ident}: {where}; not imported{also}")
            return
        addresses = strings(dig(instance, "VpcAttributes", "PrivateIpAddress", "IpAddress"))
        if primary is not None:
            addresses += [a for a in [primary.get("PrimaryIpAddress")] if isinstance(a, str) and a]
            addresses += _addresses(primary)
        if primary_id in enis:
            addresses += _addresses(enis[primary_id].item)
        if not addresses:
            self.say(origin, f"{ident}: an instance with no private address; not imported{also}")
            return
        vpc = self.estate.owner[vswitch]
        groups = self._known_groups(
            ident, found, strings(dig(instance, "SecurityGroupIds", "SecurityGroupId")), "the instance's", vpc
        )
        status = instance.get("Status")
        if status in STOPPED:
            self.say(
                origin,
                f"{ident}: the instance is {status}: it keeps its vSwitch, addresses and security groups, and "
                "is modelled as when it runs, so verdicts about it say what the network lets through",
            )
        vm = self.estate.item("vm", vpc, ident, origin)
        vm.primary(vswitch, addresses, groups)
        for eni in secondaries:
            if eni in enis:
                self._interface(ident, vpc, eni, enis[eni], vm)
            else:
                # An interface left out: a verdict about its VM's net could rest on it (`Gap`).
                self.estate.leave_out(
                    "IMP001",
                    f"{ident}: secondary network interface {eni} is not described (DescribeNetworkInterfaces gives "
                    "its vSwitch, addresses and security groups); not imported: traffic to and from its addresses "
                    "is not checked",
                    found.at(eni),
                    nets=[vpc],
                )

    def _interface(self, ident: str, vpc: str, eni: str, described: Found, vm: Item) -> None:
        """A secondary ENI of instance `ident` as one of its VM's interfaces, or said."""
        parts = self._interface_parts(eni, described, vpc, f"{ident}: secondary network interface {eni}")
        if parts is not None:
            vm.interface(eni, *parts, described.at(eni))

    def _interface_parts(
        self, eni: str, described: Found, vpc: str | None, who: str
    ) -> tuple[str, list[str], list[str]] | None:
        """The vSwitch, addresses and groups of a described ENI (of `vpc`, when it must be), or None and said."""
        item, origin = described.item, described.at(eni)
        vswitch = str(item.get("VSwitchId") or "")
        subnet = self.estate.find(vswitch) if vswitch else None
        if subnet is None or subnet.kind != "subnet":
            self.say(origin, f"{who}: its vSwitch {vswitch or '(none)'} is not in the input; not imported")
            return None
        if vpc is not None and self.estate.owner[vswitch] != vpc:
            self.say(
                origin,
                f"{who}: its vSwitch {vswitch} is in VPC {self.estate.owner[vswitch]}, not in its instance's VPC "
                f"{vpc} (Alibaba attaches an ENI of the instance's VPC only); not imported",
            )
            return None
        addresses = list(dict.fromkeys(_addresses(item)))
        if not addresses:
            self.say(origin, f"{who}: an ENI with no private address; not imported")
            return None
        groups = self._known_groups(
            eni,
            described,
            strings(dig(item, "SecurityGroupIds", "SecurityGroupId")),
            "the interface's",
            self.estate.owner[vswitch],
        )
        if item.get("Status") not in (None, "InUse"):
            self.say(origin, f"{who} is {item['Status']}: modelled as attached")
        for key in ("Ipv4PrefixSets", "Ipv6PrefixSets"):
            if any(isinstance(v, list) and v for v in (item.get(key) or {}).values()):
                self.say(origin, f"{who}: its {key} (address prefixes delegated to it) are not modelled")
        return vswitch, addresses, groups

    def _loose_interface(self, eni: str, described: Found, instances: dict[str, Found]) -> None:
        """An ENI that no imported instance holds. Detached (no instance): nothing sends or receives
        through it, so it is not a VM. Attached to an instance not in the input, or used by an Alibaba
        Cloud service (no instance id): something answers at its addresses, so it is a VM of its own."""
        item, origin = described.item, described.at(eni)
        owner = _attached_to(item)
        if owner in instances:
            return  # said with its instance
        if not owner and not item.get("ServiceManaged") and item.get("Status") in (None, "", "Available"):
            self.say(
                origin,
                f"{eni}: an ENI attached to no instance ({item.get('Status') or 'no status'}): nothing sends or "
                "receives through it; not imported",
            )
            return
        who = (
            f"{eni}: an ENI of instance {owner}, which is not in the input"
            if owner
            else f"{eni}: an ENI used by an Alibaba Cloud service (no instance)"
        )
        parts = self._interface_parts(eni, described, None, who)
        if parts is None:
            return
        vswitch, addresses, groups = parts
        self.say(origin, f"{who}: modelled as a VM of its own, {eni}, so that traffic to its addresses is checked")
        vm = self.estate.item("vm", self.estate.owner[vswitch], eni, origin)
        vm.primary(vswitch, addresses, groups)

    def _known_groups(self, ident: str, found: Found, groups: list[str], whose: str, vpc: str) -> list[str]:
        """The groups of an instance or ENI that are in the input (`Estate.known_groups`). One that is not
        may allow or deny (Alibaba's groups have priorities and deny rules): what rests on the traffic of
        the VPC is unknown."""
        consequence = f": {whose} rules are unknown; what rests on them is not checked"
        return self.estate.known_groups(ident, groups, vpc, found.at, effect="any", consequence=consequence)

    # -- peering connections -----------------------------------------------------------------------
    def _peerings(self) -> None:
        views: dict[str, list[Found]] = {}
        for found in self.dump.found.get("VpcPeerConnects", []):
            views.setdefault(found.item["InstanceId"], []).append(found)
        outside: dict[str, Side] = {}  # VPCs that peerings join and no response describes
        declared: list[tuple[str, Found, str, str, str | None, str | None]] = []
        for ident, founds in views.items():
            requester, accepter = (self._side(ident, founds, *keys) for keys in SIDES)
            for side in (requester, accepter):
                if side.vpc in self.estate.nets:
                    net = self.estate.nets[side.vpc]
                    net.account, net.region = net.account or side.account, net.region or side.region
                elif side.vpc:
                    known = outside.setdefault(side.vpc, Side(side.vpc, founds[0], [], side.account, side.region))
                    known.blocks += [b for b in side.blocks if b not in known.blocks]
                    known.peerings.append(ident)
            state, created = self._state(ident, founds)
            if requester.vpc and accepter.vpc:
                declared.append((ident, founds[0], requester.vpc, accepter.vpc, state, created))
            else:
                role = "requester" if not requester.vpc else "accepter"
                self.say(founds[0].at(ident), f"{ident}: its record names no {role} VPC; not imported")
        for vpc, side in outside.items():
            if not side.blocks:
                continue  # each of its peerings says why it is not imported
            origin = side.found.at(vpc)
            net = self.estate.net(vpc, origin)
            net.account, net.region = side.account, side.region
            for block in side.blocks:
                self.estate.block(vpc, block)
            self.say(
                origin,
                f"{vpc}: a VPC of peering {', '.join(side.peerings)} that is not in the input; modelled as an outside "
                f"net with the blocks the peering record gives ({', '.join(side.blocks)}): its vSwitches, route "
                "tables, security groups and instances are unknown and not modelled",
            )
        for ident, found, requester_vpc, accepter_vpc, state, created in declared:
            missing = [v for v in (requester_vpc, accepter_vpc) if v not in self.estate.nets]
            if missing:
                self.say(
                    found.at(ident),
                    f"{ident}: its VPC {missing[0]} is not in the input and the record gives none of its blocks; "
                    f"the peering ({state or 'status unknown'}) is not imported",
                )
                continue
            self.estate.peering(ident, found.at(ident), requester_vpc, accepter_vpc, state, created)

    def _side(self, ident: str, founds: list[Found], side: str, owner: str, region: str) -> Side:
        """One VPC of a peering as its records give it: the requester (`Vpc`, `OwnerId`, `RegionId`)
        or the accepter (`AcceptingVpc`, `AcceptingOwnerUid`, `AcceptingRegionId`)."""
        fallback = "VpcId" if side == "Vpc" else None  # a requester's id at the top, where a tool put it
        vpcs = [dig(f.item, side, "VpcId") or (f.item.get(fallback) if fallback else None) for f in founds]
        vpc = next((v for v in vpcs if v), None)
        if any(v and v != vpc for v in vpcs):
            self.say(founds[0].at(ident), f"{ident}: its records name different {side} VPCs; the first is read")
        blocks = [b for f in founds for key in ("Ipv4Cidrs", "Ipv6Cidrs") for b in strings(dig(f.item, side, key))]
        account = next((a for f in founds if (a := _account(f.item.get(owner)))), None)
        place = next((f.item[region] for f in founds if f.item.get(region)), None)
        return Side(vpc, founds[0], list(dict.fromkeys(blocks)), account, place)

    def _state(self, ident: str, founds: list[Found]) -> tuple[str | None, str | None]:
        """The peering's state (of its views, the one further along Alibaba's lifecycle) and, for a
        request waiting for its accepter, when it was made (its expiry, `GmtExpired`, less 7 days)."""
        states: list[str] = []
        for status in dict.fromkeys(f.item.get("Status") for f in founds):
            state = canonical_state(status) if isinstance(status, str) and status else None
            if state is None:
                said = f"status '{status}' is not understood" if status else "its record gives no status"
                self.say(
                    founds[0].at(ident),
                    f"{ident}: {said}: read as updating (it may or may not carry traffic)",
                )
                state = "updating"
            if state not in states:
                states.append(state)
        state = max(states, key=lambda s: LIFECYCLE.get(s, -1)) if states else None
        if len(states) > 1:
            self.say(
                founds[0].at(ident),
                f"{ident}: the responses give it as {' and '.join(states)}; read as {state}, the state further "
                "along Alibaba's lifecycle (an activated connection being updated may not carry traffic)",
            )
        if any(f.item.get("BizStatus") == "FinancialLocked" for f in founds) and state == "active":
            self.say(
                founds[0].at(ident),
                f"{ident}: its business status is FinancialLocked (locked for an overdue payment): whether it "
                "carries traffic is not known; read as updating",
            )
            state = "updating"
        if state != "pending-acceptance":
            return state, None
        expired = next((f.item["GmtExpired"] for f in founds if f.item.get("GmtExpired")), None)
        made = next((f.item["GmtCreate"] for f in founds if f.item.get("GmtCreate")), None)
        key, value = ("GmtExpired", expired) if _moment(expired) else ("GmtCreate", made)
        moment = _moment(value)
        if moment is None:
            if expired or made:
                self.say(founds[0].at(ident), f"{ident}: GmtExpired '{expired}' / GmtCreate '{made}' is not a time")
            return state, None
        created = _created(moment, key == "GmtExpired")
        if created is None:  # hostile or corrupt: a time the calendar (years 1-9999, UTC) cannot hold
            self.say(
                founds[0].at(value),
                f"{ident}: {key} '{value}' puts the request's 7 days outside the years 1-9999 (UTC): the pending "
                "request is read without its expiry",
            )
            return state, None
        return state, created

    # -- routes ------------------------------------------------------------------------------------
    def _routes(self) -> None:
        seen: set[str] = set()  # tables whose routes the input lists
        unknown: set[str] = set()
        for found in self._entries():
            entry, table = found.item, found.item.get("RouteTableId")
            if table not in self.tables:
                if table not in self.gateway_tables and table not in unknown:
                    unknown.add(str(table))
                    self.say(found.at(table), f"route table {table} is not in the input: its routes are not imported")
                continue
            seen.add(table)
            vpc = self.tables[table]
            destination = entry.get("DestinationCidrBlock")
            origin = found.at(entry.get("RouteEntryId") or destination)
            if entry.get("Type") == "System":
                if destination != CLOUD_SERVICES and destination not in self.blocks.get(vpc, ()):
                    self.say(
                        origin,
                        f"{table}: system route {destination} (of a vSwitch not in the input) is not imported",
                    )
                continue
            if not isinstance(destination, str) or not ADDRESS.fullmatch(destination):
                self.say(origin, f"{table}: a route to {destination} (prefix lists are not modelled) is not imported")
                continue
            hops = [h for h in dicts(dig(entry, "NextHops", "NextHop")) if h.get("NextHopId")]
            if not hops:
                self.say(origin, f"{table}: route {destination} names no next hop; not imported")
                continue
            if entry.get("Status") not in (None, "Available"):
                self.say(origin, f"{table}: route {destination} is {entry['Status']}: modelled as in effect")
            kinds = {h.get("NextHopType") for h in hops}
            if len(hops) > 1:
                self.say(
                    origin,
                    f"{table}: route {destination} has {len(hops)} next hops (ECMP): modelled through the first, "
                    f"{hops[0]['NextHopId']}",
                )
            hop_type, hop = hops[0].get("NextHopType"), hops[0]["NextHopId"]
            if hop_type == "VpcPeer" and len(kinds) == 1 and hop in self.estate.peerings:
                target = via_peering(hop)
            else:
                if hop_type == "VpcPeer":
                    self.say(
                        origin,
                        f"{table}: route {destination} over peering {hop}, which is not imported: modelled as leaving "
                        "the network",
                    )
                kind = _gateway_kind(hop_type) if len(kinds) == 1 else "other"
                name = self._gateway_name(hop)
                self.estate.gateway(vpc, name, kind, origin)
                target = via_gateway(name)
            self.estate.nets[vpc].items[table].route(destination, target, origin)
        for table, vpc in self.tables.items():
            if table not in seen and not table.endswith(".system_route_table"):
                self.say(
                    self.estate.nets[vpc].items[table].origin,
                    f"{table}: no DescribeRouteEntryList response lists its routes: modelled with its system "
                    "routes only",
                )

    def _entries(self) -> list[Found]:
        """Every route entry once (by its id; one without an id by its table, destination and hops)."""
        unique: dict[str, Found] = {}
        for found in self.dump.found.get("RouteEntrys", []):
            entry = found.item
            key = entry.get("RouteEntryId") or json.dumps(
                [entry.get("RouteTableId"), entry.get("DestinationCidrBlock"), entry.get("NextHops")], sort_keys=True
            )
            unique.setdefault(str(key), found)
        return list(unique.values())

    def _gateway_name(self, hop: str) -> str:
        """A gateway's name: its id, unless a VM, a net or a peering of the estate has that name (an
        instance that routes for others, a peering not imported...)."""
        item = self.estate.find(hop)
        taken = (item is not None and item.kind != "gateway") or hop in self.estate.nets or hop in self.estate.peerings
        return f"{hop}-next-hop" if taken else hop


def _attached_to(eni: dict) -> str | None:
    """The instance an ENI of DescribeNetworkInterfaces is attached to (`InstanceId`, or its `Attachment`'s)."""
    owner = eni.get("InstanceId") or dig(eni, "Attachment", "InstanceId")
    return owner if isinstance(owner, str) and owner else None


def _addresses(interface: dict) -> list[str]:
    """An ENI's private addresses: its primary one, those of its `PrivateIpSets`, its IPv6 ones."""
    addresses = [interface.get("PrivateIpAddress")]
    addresses += [p.get("PrivateIpAddress") for p in dicts(dig(interface, "PrivateIpSets", "PrivateIpSet"))]
    addresses += [p.get("Ipv6Address") for p in dicts(dig(interface, "Ipv6Sets", "Ipv6Set"))]
    return strings(addresses)


def _untagged(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "Tags"}


def _ports(proto: str, text: Any) -> str | None:
    """The PORTS text of an Alibaba port range (`22/22`, `1024/65535`; `-1/-1` is every port): ''
    for every port, None when it is not a range. ICMP, ICMPv6, GRE and all protocols take `-1/-1`
    alone: Alibaba's ICMP rules name no type ("All ICMP (IPv4)", "All ICMP (IPv6)"), so -1/-1 is every
    ICMP type and code; any other range there is not one Alibaba writes (None: said, not guessed)."""
    if proto not in ("tcp", "udp"):
        return "" if str(text if text is not None else "-1/-1") in ("-1/-1", "") else None
    low, _, high = str(text).partition("/")
    try:
        first, last = int(low), int(high)
    except ValueError:
        return None
    if (first, last) in EVERY_PORT:
        return ""
    if not 0 < first <= last <= 65535:
        return None
    return f" {first}" if first == last else f" {first}-{last}"


def _priority(value: Any) -> int | None:
    """A rule's priority, 1 (first) to 100; Alibaba's default, 1, when the response gives none."""
    if value is None or value == "":
        return 1
    number = count(value)
    return number if number is not None and 1 <= number <= 100 else None


def _unmodelled(rule: dict) -> str | None:
    """Why a security group rule cannot be written as one of the language's, or None."""
    if str(rule.get("NicType") or "intranet").lower() != "intranet":
        return f"applies to the {rule['NicType']} network interface of a classic-network instance"
    if rule.get("PortRangeListId"):
        return f"takes its ports from port list {rule['PortRangeListId']} (port lists are not modelled)"
    source_ports = str(rule.get("SourcePortRange") or "-1/-1")
    if source_ports not in ("-1/-1", "1/65535", "0/65535"):
        return f"matches source ports {source_ports} (the language's rules match destination ports only)"
    return None


def _gateway_kind(hop_type: Any) -> str:
    kind = gateway_kind(nexthop_type=hop_type if isinstance(hop_type, str) else None)
    return NEXT_HOP_KINDS.get(hop_type, "other") if kind == "other" and isinstance(hop_type, str) else kind


def _moment(value: Any) -> datetime | None:
    """A time as the responses write it (`2026-11-26T03:15:42Z`, UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _created(moment: datetime, is_expiry: bool) -> str | None:
    """When a pending request was made (its expiry less 7 days, when `is_expiry`), as the language's
    `created` writes it (UTC), or None when that time or its expiry is outside the years 1-9999."""
    try:
        expiry = (moment if is_expiry else moment + PENDING_LIFETIME).astimezone(timezone.utc)
        return _stamp(expiry - PENDING_LIFETIME)
    except OverflowError:
        return None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

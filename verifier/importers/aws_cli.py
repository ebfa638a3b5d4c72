"""AWS CLI `describe-*` JSON dumps: a directory (or one file) of the usual outputs.

Read: describe-vpcs (Vpcs), describe-subnets (Subnets), describe-vpc-peering-connections
(VpcPeeringConnections), describe-route-tables (RouteTables), describe-security-groups
(SecurityGroups), describe-network-acls (NetworkAcls), describe-instances (Reservations).
Files are recognised by their top-level key, whatever their names. Resources are named by
their cloud ids (vpc-…, subnet-…, pcx-…), so assertions in `.peer` files can name them.
"""

from __future__ import annotations

from pathlib import Path

from verifier.catalog import report
from verifier.importers import Imported, PeerWriter, Where, head, read_dump
from verifier.importers.gateways import gateway_kind
from verifier.language.model import canonical_state

KEYS = ("Vpcs", "Subnets", "VpcPeeringConnections", "RouteTables", "SecurityGroups", "NetworkAcls", "Reservations")
PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "tcp": "tcp", "udp": "udp", "icmp": "icmp"}
KNOWN_ROUTE_KEYS = {
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "GatewayId",
    "VpcPeeringConnectionId",
    "NatGatewayId",
    "TransitGatewayId",
    "State",
    "Origin",
    "InstanceId",
    "InstanceOwnerId",
    "NetworkInterfaceId",
    "EgressOnlyInternetGatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "VpcEndpointId",
}
_PERMISSION = {
    "IpProtocol": str,
    "FromPort": int,
    "ToPort": int,
    "IpRanges": [{"CidrIp!": str}],
    "Ipv6Ranges": [{"CidrIpv6!": str}],
    "UserIdGroupPairs": [{"GroupId!": str}],
    "PrefixListIds": list,
}
_GROUPS = [{"GroupId!": str}]
# What the importer reads of each response, and the type it relies on (`shape`: "!" is required).
SHAPE = {
    "Vpcs": [
        {
            "VpcId!": str,
            "OwnerId": str,
            "CidrBlock": str,
            "CidrBlockAssociationSet": [{"CidrBlock!": str, "CidrBlockState": {"State": str}}],
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock!": str, "Ipv6CidrBlockState": {"State": str}}],
        }
    ],
    "Subnets": [
        {
            "SubnetId!": str,
            "VpcId": str,
            "CidrBlock": str,
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": str}],
            "AvailabilityZone": str,
        }
    ],
    "VpcPeeringConnections": [
        {
            "VpcPeeringConnectionId!": str,
            "RequesterVpcInfo": {"VpcId": str},
            "AccepterVpcInfo": {"VpcId": str},
            "Status": {"Code": str},
        }
    ],
    "RouteTables": [
        {
            "RouteTableId!": str,
            "VpcId": str,
            "Associations": [{"SubnetId": str, "Main": bool}],
            "Routes": [{key: str for key in sorted(KNOWN_ROUTE_KEYS | {"DestinationPrefixListId"})}],
        }
    ],
    "SecurityGroups": [
        {"GroupId!": str, "VpcId": str, "IpPermissions": [_PERMISSION], "IpPermissionsEgress": [_PERMISSION]}
    ],
    "NetworkAcls": [
        {
            "NetworkAclId!": str,
            "VpcId": str,
            "Associations": [{"SubnetId": str}],
            "Entries": [
                {
                    "RuleNumber!": int,
                    "RuleAction!": str,
                    "Protocol": str,
                    "CidrBlock": str,
                    "Ipv6CidrBlock": str,
                    "Egress": bool,
                    "PortRange": {"From!": int, "To!": int},
                }
            ],
        }
    ],
    "Reservations": [
        {
            "Instances": [
                {
                    "InstanceId!": str,
                    "VpcId": str,
                    "SubnetId": str,
                    "PrivateIpAddress": str,
                    "SecurityGroups": _GROUPS,
                    "NetworkInterfaces": [
                        {
                            "PrivateIpAddresses": [{"PrivateIpAddress!": str}],
                            "Ipv6Addresses": [{"Ipv6Address!": str}],
                            "Groups": _GROUPS,
                        }
                    ],
                }
            ]
        }
    ],
}


def detect_file(file: Path) -> bool:
    text = head(file)
    return any(f'"{key}"' in text for key in KEYS)


def load(files: list[Path], label: str) -> Imported:
    data, where, warnings = read_dump(files, KEYS, "NextToken", SHAPE)
    instances = [i for r in data["Reservations"] for i in r.get("Instances") or []]
    writer = PeerWriter(label)
    writer.add(f"# imported from AWS CLI describe-* dumps: {', '.join(f.name for f in files)}")
    writer.add("provider aws")

    def note(ident: str, message: str) -> None:
        kind = {
            "rtb": "RouteTables",
            "sg": "SecurityGroups",
            "acl": "NetworkAcls",
            "i": "Reservations",
            "pcx": "VpcPeeringConnections",
        }.get(ident.split("-", 1)[0])
        warnings.append(report("IMP001", f"{ident}: {message}; not imported", where.of(ident, kind)))

    declared: set[str] = set()  # gateways declared so far (in the first VPC whose routes name them)
    for vpc in data["Vpcs"]:
        _vpc(writer, where, vpc, data, instances, note, declared)
    for peering in data["VpcPeeringConnections"]:
        ident = peering["VpcPeeringConnectionId"]
        requester, accepter = peering.get("RequesterVpcInfo") or {}, peering.get("AccepterVpcInfo") or {}
        state = canonical_state((peering.get("Status") or {}).get("Code") or "")
        text = f"peering {ident} {{ requester {requester.get('VpcId')}  accepter {accepter.get('VpcId')}"
        if state:
            text += f"  state {state}"
        elif peering.get("Status"):
            note(ident, f"peering status '{peering['Status'].get('Code')}' is unknown")
        writer.add(text + " }", where.of(ident, "VpcPeeringConnections"))
    return writer.result(warnings, where.texts)


def _vpc(writer: PeerWriter, where: Where, vpc: dict, data: dict, instances: list, note, declared: set[str]) -> None:
    ident = vpc["VpcId"]
    writer.add(f"net {ident} {{", where.of(ident, "Vpcs"))
    if vpc.get("OwnerId"):
        writer.add(f"  account {vpc['OwnerId']}")
    blocks = [
        a["CidrBlock"]
        for a in vpc.get("CidrBlockAssociationSet") or []
        if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"
    ] or [vpc.get("CidrBlock")]
    blocks += [
        a["Ipv6CidrBlock"]
        for a in vpc.get("Ipv6CidrBlockAssociationSet") or []
        if (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"
    ]
    for block in dict.fromkeys(b for b in blocks if b):
        writer.add(f"  cidr {block}")
    tables = [t for t in data["RouteTables"] if t.get("VpcId") == ident]
    table_of = {
        a["SubnetId"]: t["RouteTableId"] for t in tables for a in t.get("Associations") or [] if a.get("SubnetId")
    }
    acls = [a for a in data["NetworkAcls"] if a.get("VpcId") == ident]
    acl_of = {
        a["SubnetId"]: acl["NetworkAclId"] for acl in acls for a in acl.get("Associations") or [] if a.get("SubnetId")
    }
    for subnet in (s for s in data["Subnets"] if s.get("VpcId") == ident):
        sid = subnet["SubnetId"]
        parts = [f"cidr {subnet['CidrBlock']}"] if subnet.get("CidrBlock") else []
        parts += [
            f"cidr {a['Ipv6CidrBlock']}"
            for a in subnet.get("Ipv6CidrBlockAssociationSet") or []
            if a.get("Ipv6CidrBlock")
        ]
        if subnet.get("AvailabilityZone"):
            parts.append(f"zone {subnet['AvailabilityZone']}")
        if sid in table_of:
            parts.append(f"route-table {table_of[sid]}")
        if sid in acl_of:
            parts.append(f"network-acl {acl_of[sid]}")
        writer.add(f"  subnet {sid} {{ {'  '.join(parts)} }}", where.of(sid, "Subnets"))
    gateways: dict[str, str] = {}
    for table in tables:
        _table(writer, where, table, note, gateways)
    for gateway, kind in gateways.items():
        if gateway not in declared:  # one declaration across the estate: names are global
            declared.add(gateway)
            writer.add(f"  gateway {gateway} {{ kind {kind} }}")
    for group in (g for g in data["SecurityGroups"] if g.get("VpcId") == ident):
        _group(writer, where, group, note)
    for acl in acls:
        _acl(writer, where, acl, note)
    for instance in (i for i in instances if i.get("VpcId") == ident):
        _instance(writer, where, instance, note)
    writer.add("}")


def _table(writer: PeerWriter, where: Where, table: dict, note, gateways: dict[str, str]) -> None:
    tid = table["RouteTableId"]
    writer.add(f"  route-table {tid} {{", where.of(tid, "RouteTables"))
    if any(a.get("Main") for a in table.get("Associations") or []):
        writer.add("    main")
    for route in table.get("Routes") or []:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        if route.get("GatewayId") == "local":
            continue  # the implicit local routes
        if destination is None:
            note(
                tid,
                f"a route to {route.get('DestinationPrefixListId') or 'an unknown destination'} "
                "(prefix lists are not modelled)",
            )
            continue
        unknown = set(route) - KNOWN_ROUTE_KEYS
        if unknown:
            note(tid, f"route {destination} has attributes {', '.join(sorted(unknown))} that are not understood")
        if route.get("State") == "blackhole":
            target = "drop"
        elif route.get("VpcPeeringConnectionId"):
            target = f"via peering {route['VpcPeeringConnectionId']}"
        else:
            key = next(
                (
                    k
                    for k in (
                        "GatewayId",
                        "NatGatewayId",
                        "TransitGatewayId",
                        "InstanceId",
                        "NetworkInterfaceId",
                        "EgressOnlyInternetGatewayId",
                        "VpcEndpointId",
                    )
                    if route.get(k)
                ),
                None,
            )
            gateway = route[key] if key else "gateway"
            gateways.setdefault(gateway, gateway_kind(attribute=key, value=gateway if key else None))
            target = f"via gateway {gateway}"
        writer.add(f"    route {destination} {target}", where.of(tid, "RouteTables"))
    writer.add("  }")


def _permissions(permission: dict) -> tuple[str, str] | None:
    protocol = PROTOCOLS.get(str(permission.get("IpProtocol")))
    if protocol is None:
        number = str(permission.get("IpProtocol"))
        if not number.isdigit():
            return None
        protocol = number
    ports = ""
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if protocol in ("tcp", "udp", "6", "17") and low is not None and high is not None and low >= 0:
        ports = f" {low}" if low == high else f" {low}-{high}"
    return protocol, ports


def _group(writer: PeerWriter, where: Where, group: dict, note) -> None:
    gid = group["GroupId"]
    writer.add(f"  security-group {gid} {{", where.of(gid, "SecurityGroups"))
    for key, direction, way in (("IpPermissions", "inbound", "from"), ("IpPermissionsEgress", "outbound", "to")):
        for permission in group.get(key) or []:
            parsed = _permissions(permission)
            if parsed is None:
                note(gid, f"protocol '{permission.get('IpProtocol')}' is not understood")
                continue
            protocol, ports = parsed
            peers = [r["CidrIp"] for r in permission.get("IpRanges") or []]
            peers += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges") or []]
            peers += [f"group {p['GroupId']}" for p in permission.get("UserIdGroupPairs") or []]
            if permission.get("PrefixListIds"):
                note(gid, "a rule naming a prefix list (prefix lists are not modelled)")
            for peer in peers:
                writer.add(f"    {direction} {protocol}{ports} {way} {peer}", where.of(gid, "SecurityGroups"))
    writer.add("  }")


def _acl(writer: PeerWriter, where: Where, acl: dict, note) -> None:
    aid = acl["NetworkAclId"]
    writer.add(f"  network-acl {aid} {{", where.of(aid, "NetworkAcls"))
    for entry in acl.get("Entries") or []:
        if entry.get("RuleNumber") == 32767:
            continue  # the default deny: peerproof denies what no entry matches
        protocol = PROTOCOLS.get(str(entry.get("Protocol")), str(entry.get("Protocol")))
        block = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
        if block is None or not (protocol in PROTOCOLS.values() or protocol.isdigit()):
            note(aid, f"entry {entry.get('RuleNumber')} is not understood")
            continue
        span = entry.get("PortRange")
        ports = ""
        if span and protocol in ("tcp", "udp", "6", "17"):
            ports = f" {span['From']}" if span["From"] == span["To"] else f" {span['From']}-{span['To']}"
        direction, way = ("outbound", "to") if entry.get("Egress") else ("inbound", "from")
        writer.add(
            f"    {direction} {entry['RuleNumber']} {entry['RuleAction']} {protocol}{ports} {way} {block}",
            where.of(aid, "NetworkAcls"),
        )
    writer.add("  }")


def _instance(writer: PeerWriter, where: Where, instance: dict, note) -> None:
    iid = instance["InstanceId"]
    interfaces = instance.get("NetworkInterfaces") or []
    addresses = [instance["PrivateIpAddress"]] if instance.get("PrivateIpAddress") else []
    for interface in interfaces:
        addresses += [a["PrivateIpAddress"] for a in interface.get("PrivateIpAddresses") or []]
        addresses += [a["Ipv6Address"] for a in interface.get("Ipv6Addresses") or []]
    groups = [g["GroupId"] for g in instance.get("SecurityGroups") or []]
    groups += [g["GroupId"] for i in interfaces for g in i.get("Groups") or []]
    if len(interfaces) > 1:
        note(iid, "several network interfaces: all addresses are modelled on the instance's subnet")
    parts = [f"subnet {instance.get('SubnetId')}", "ip " + ", ".join(dict.fromkeys(addresses))]
    if groups:
        parts.append("groups " + ", ".join(dict.fromkeys(groups)))
    writer.add(f"  vm {iid} {{ {'  '.join(parts)} }}", where.of(iid, "Reservations"))

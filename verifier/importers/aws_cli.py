"""AWS CLI `describe-*` JSON dumps: a directory (or one file) of the usual outputs.

Read: describe-vpcs (Vpcs), describe-subnets (Subnets), describe-vpc-peering-connections
(VpcPeeringConnections), describe-route-tables (RouteTables), describe-security-groups
(SecurityGroups), describe-network-acls (NetworkAcls), describe-instances (Reservations).
Files are recognised by their top-level key, whatever their names. Resources are named by
their cloud ids (vpc-…, subnet-…, pcx-…), so assertions in `.peer` files can name them.

Several accounts' dumps given together are one estate. An id is one object: the peering
that both accounts list is one peering (their two views merged, `_merged`), a VPC that two
dumps describe (a shared VPC) is one net. A VPC that a peering joins but no dump describes
is an outside net with the blocks, account and region the peering record gives; what it
holds is unknown, and said (IMP001). What is read differently from a running instance in
one subnet — a stopped instance, a second interface, a group of another account — is said
where it is read.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from verifier.catalog import report
from verifier.diagnostics import Diagnostic
from verifier.importers import Head, Imported, Where, json_spellings, read_dump, sniff
from verifier.importers.estate import DROP, PROTOCOLS, Estate, Via, block_peer, group_peer, via_gateway, via_peering
from verifier.importers.gateways import gateway_kind
from verifier.importers.shape import locate
from verifier.importers.terraform.mapping import icmp_text
from verifier.language.model import PENDING_LIFETIME, Span, canonical_state

KEYS = ("Vpcs", "Subnets", "VpcPeeringConnections", "RouteTables", "SecurityGroups", "NetworkAcls", "Reservations")
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
# The top-level key each id prefix is listed under (where a finding about the id points first).
KIND_OF_PREFIX = {
    "vpc": "Vpcs",
    "subnet": "Subnets",
    "rtb": "RouteTables",
    "sg": "SecurityGroups",
    "acl": "NetworkAcls",
    "i": "Reservations",
    "eni": "Reservations",
    "pcx": "VpcPeeringConnections",
}
# The id member of each listed object: two objects with one id are one object.
ID_OF = {
    "Vpcs": "VpcId",
    "Subnets": "SubnetId",
    "RouteTables": "RouteTableId",
    "SecurityGroups": "GroupId",
    "NetworkAcls": "NetworkAclId",
}
# AWS's "VPC peering connection lifecycle" (Amazon VPC Peering Guide,
# https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle):
# a request goes initiating-request -> pending-acceptance -> provisioning -> active -> deleting ->
# deleted, or ends rejected, expired or failed; a status never goes back, and a final one is final
# ("After you delete a connection, it can't be accepted, rejected, or edited": "Delete a VPC peering
# connection", same guide). So of two views of one peering taken at different times, the one further
# along is the later one: it is the peering's state.
LIFECYCLE = {
    "initiating": 0,
    "pending-acceptance": 1,
    "provisioning": 2,
    "active": 3,
    "deleting": 4,
    "deleted": 5,
    "rejected": 5,
    "expired": 5,
    "failed": 5,
}
GONE = ("shutting-down", "terminated")  # instance states whose interfaces are being or have been released
STOPPED = ("stopping", "stopped")
_PERMISSION = {
    "IpProtocol": str,
    "FromPort": int,
    "ToPort": int,
    "IpRanges": [{"CidrIp!": str}],
    "Ipv6Ranges": [{"CidrIpv6!": str}],
    "UserIdGroupPairs": [{"GroupId!": str, "UserId": str, "VpcId": str, "VpcPeeringConnectionId": str}],
    "PrefixListIds": list,
}
_GROUPS = [{"GroupId!": str}]
_VPC_INFO = {
    "VpcId": str,
    "OwnerId": str,
    "Region": str,
    "CidrBlock": str,
    "CidrBlockSet": [{"CidrBlock!": str}],
    "Ipv6CidrBlockSet": [{"Ipv6CidrBlock!": str}],
}
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
            "RequesterVpcInfo": _VPC_INFO,
            "AccepterVpcInfo": _VPC_INFO,
            "Status": {"Code": str},
            "ExpirationTime": str,
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
                    "IcmpTypeCode": {"Type": int, "Code": int},
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
                    "State": {"Name": str},
                    "SecurityGroups": _GROUPS,
                    "NetworkInterfaces": [
                        {
                            "NetworkInterfaceId": str,
                            "SubnetId": str,
                            "PrivateIpAddress": str,
                            "Attachment": {"DeviceIndex": int, "NetworkCardIndex": int},
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


def detect_file(file: Path, head: Head | None = None) -> bool:
    """A describe-* response, by its top-level key (`Vpcs`, `Subnets`...), whatever the file's name."""
    return not (head or sniff(file)).keys.isdisjoint(KEYS)


@dataclass
class Side:
    """One VPC of a peering, as the peering record gives it (`RequesterVpcInfo`, `AccepterVpcInfo`)."""

    vpc: str | None = None
    account: str | None = None
    region: str | None = None
    blocks: list[str] = field(default_factory=list)
    peerings: list[str] = field(default_factory=list)  # for an outside net: the peerings that name it

    def read(self, info: dict) -> None:
        """Add what one view of the record says (the first view's VPC, account and region stand)."""
        blocks = [info.get("CidrBlock")] + [b["CidrBlock"] for b in info.get("CidrBlockSet") or []]
        blocks += [b["Ipv6CidrBlock"] for b in info.get("Ipv6CidrBlockSet") or []]
        self.merge(Side(info.get("VpcId"), info.get("OwnerId"), info.get("Region"), [b for b in blocks if b]))

    def merge(self, other: Side) -> None:
        self.vpc, self.account = self.vpc or other.vpc, self.account or other.account
        self.region = self.region or other.region
        self.blocks += [b for b in dict.fromkeys(other.blocks) if b not in self.blocks]

    def text(self) -> str:
        facts = [f"account {self.account}" if self.account else "", f"region {self.region}" if self.region else ""]
        return f"{self.vpc} ({', '.join(f for f in facts if f) or 'no account or region given'})"


@dataclass
class Peering:
    """A peering as the dumps describe it: every view of its id merged."""

    ident: str
    requester: Side
    accepter: Side
    state: str | None  # canonical; None when no view gives a status peerproof knows
    created: datetime | None  # from the request's ExpirationTime
    declared: bool = False  # both of its nets are in the model


class Origins:
    """Where each object of the dumps is described: the object in its own response, not the first
    mention of its id (in two accounts' dumps, a group is first named by the other account's rule).
    For a peering, also where each of its views names each VPC (an outside net is found there)."""

    def __init__(self, where: Where):
        self.lines: dict[str, list[int]] = {}  # file -> where each of its lines starts
        self.spans: dict[str, Span] = {}
        self.starts: dict[str, tuple[str, str, int]] = {}  # id -> the file, its text, where its object starts
        self.mentions: dict[tuple[str, str], Span] = {}  # (peering, VPC) -> where a view names the VPC
        for file, text in where.texts.items():
            self.lines[file] = [0] + [match.end() for match in re.finditer("\n", text)]
            document = json.loads(text)  # read (and its shape checked) already
            for key in KEYS:
                for item, start in zip(document.get(key) or [], _starts(text, key)):
                    self._item(key, item, file, text, start)

    def _item(self, key: str, item: dict, file: str, text: str, start: int) -> None:
        if key == "Reservations":  # instances in order: each found from the one before (one pass)
            for instance in item.get("Instances") or []:
                self._define(instance["InstanceId"], file, text, start)
                start = self._offset(self.spans[instance["InstanceId"]], file, start)
                for interface in instance.get("NetworkInterfaces") or []:
                    if interface.get("NetworkInterfaceId"):
                        self._define(interface["NetworkInterfaceId"], file, text, start)
        elif key == "VpcPeeringConnections":
            ident = item["VpcPeeringConnectionId"]
            self._define(ident, file, text, start)
            for info in (item.get("RequesterVpcInfo") or {}, item.get("AccepterVpcInfo") or {}):
                if info.get("VpcId") and (ident, info["VpcId"]) not in self.mentions:
                    self.mentions[(ident, info["VpcId"])] = self._span(info["VpcId"], file, text, start)
        else:
            self._define(item[ID_OF[key]], file, text, start)

    def _define(self, ident: str, file: str, text: str, start: int) -> None:
        if ident not in self.spans:
            self.spans[ident] = self._span(ident, file, text, start)
            self.starts[ident] = (file, text, start)

    def _offset(self, span: Span, file: str, start: int) -> int:
        """Where `span` starts in `file`, at or after `start`; else `start` (an id described twice: its
        span is in another file, or before)."""
        if span.file != file:
            return start
        offset = self.lines[file][span.line - 1] + span.column - 1
        return offset if offset >= start else start

    def within(self, ident: str, other: str) -> Span | None:
        """Where the object `ident` names `other` (a rule its group, a route its peering)."""
        if ident not in self.starts:
            return None
        file, text, start = self.starts[ident]
        return self._span(other, file, text, start)

    def _span(self, ident: str, file: str, text: str, start: int) -> Span:
        """The first mention of `ident` from `start` (the object that holds it) on."""
        found = [(text.find(n, start), n) for n in json_spellings(ident)]
        offset, needle = min(((o, n) for o, n in found if o >= 0), default=(start, json_spellings(ident)[0]))
        starts = self.lines[file]
        line = bisect.bisect_right(starts, offset)  # the lines that start at or before it
        column = offset - starts[line - 1] + 1
        return Span(file, line, column, line, column + len(needle))


_DECODER = json.JSONDecoder()


def _starts(text: str, key: str) -> list[int]:
    """Where each element of the top-level list `key` of the JSON `text` starts (one pass)."""
    index = locate(text, (key,))
    if text[index : index + 1] != "[":
        return []
    starts = []
    index = _skip(text, index + 1)
    while index < len(text) and text[index] != "]":
        starts.append(index)
        index = _skip(text, _DECODER.raw_decode(text, index)[1])
        if text[index : index + 1] == ",":
            index = _skip(text, index + 1)
    return starts


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


@dataclass
class Dump:
    """What the writers of one estate share: the responses, where each id sits, what is declared."""

    data: dict[str, list]
    where: Where
    origins: Origins
    warnings: list[Diagnostic]
    instances: dict[str, list[dict]] = field(default_factory=dict)  # VPC -> its instances (to import)
    groups: set[str] = field(default_factory=set)  # security groups declared
    members: set[str] = field(default_factory=set)  # groups some imported VM is in
    nets: set[str] = field(default_factory=set)  # nets declared: the VPCs of the input, outside nets
    peerings: set[str] = field(default_factory=set)  # peerings declared
    regions: dict[str, str] = field(default_factory=dict)  # VPC -> its region (from peering records)

    @cached_property
    def of_vpc(self) -> dict[tuple[str, Any], list[dict]]:
        """(response key, VPC id) -> the objects of that response in that VPC, in their order: each
        VPC's objects found once, not by a pass over every response per VPC."""
        found: dict[tuple[str, Any], list[dict]] = {}
        for key in ("Subnets", "RouteTables", "SecurityGroups", "NetworkAcls"):
            for item in self.data[key]:
                found.setdefault((key, item.get("VpcId")), []).append(item)
        return found

    @cached_property
    def vpc_of_subnet(self) -> dict[Any, Any]:
        return {s.get("SubnetId"): s.get("VpcId") for s in self.data["Subnets"]}

    def at(self, ident: str) -> Span:
        """Where the object `ident` is described (where it is first named, for one not described)."""
        return self.origins.spans.get(ident) or self.where.of(ident, KIND_OF_PREFIX.get(ident.split("-", 1)[0]))

    def say(self, ident: str, message: str, at: Span | None = None) -> None:
        """An IMP001 at `ident` (or at `at`): how something was read, or that it was not."""
        self.warnings.append(report("IMP001", f"{ident}: {message}", at or self.at(ident)))

    def note(self, ident: str, message: str) -> None:
        self.say(ident, f"{message}; not imported")


def load(files: list[Path], label: str) -> Imported:
    data, where, warnings = read_dump(files, KEYS, "NextToken", SHAPE)
    dump = Dump(data, where, Origins(where), warnings)
    _one_per_id(dump)
    vpcs = {vpc["VpcId"] for vpc in data["Vpcs"]}
    peerings = [_merged(dump, ident, views) for ident, views in _views(data["VpcPeeringConnections"]).items()]
    outside: dict[str, Side] = {}  # VPCs that peerings join and no dump describes
    for peering in peerings:
        for side in (peering.requester, peering.accepter):
            if side.vpc and side.vpc not in vpcs:
                net = outside.setdefault(side.vpc, Side())
                net.merge(side)
                net.peerings.append(peering.ident)
            elif side.vpc and side.region:
                dump.regions.setdefault(side.vpc, side.region)
    dump.nets = vpcs | {vpc for vpc, side in outside.items() if side.blocks}  # a net needs a block
    for peering in peerings:
        peering.declared = peering.requester.vpc in dump.nets and peering.accepter.vpc in dump.nets
        if peering.declared:
            dump.peerings.add(peering.ident)
    _sort_out(dump, vpcs)

    estate = Estate("aws", label, f"imported from AWS CLI describe-* dumps: {', '.join(f.name for f in files)}")
    for vpc in data["Vpcs"]:
        _vpc(estate, dump, vpc)
    for side in outside.values():
        _outside_net(estate, dump, side)
    for peering in peerings:
        _peering(estate, dump, peering)
    estate.warnings.extend(warnings)
    return estate.build(where.texts)


def _one_per_id(dump: Dump) -> None:
    """One object per id: two dumps that describe one object (a VPC shared with another account) give
    it once. A second description that differs (but in its tags, which each account sets) is said."""
    for key, id_key in ID_OF.items():
        first: dict[str, dict] = {}
        for item in dump.data[key]:
            ident = item[id_key]
            if ident not in first:
                first[ident] = item
            elif _untagged(item) != _untagged(first[ident]):
                dump.note(ident, "described twice, differently; the first description is read, the second")
        dump.data[key] = list(first.values())


def _untagged(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "Tags"}


def _sort_out(dump: Dump, vpcs: set[str]) -> None:
    """Which groups and instances are imported; what belongs to no VPC of the input is said."""
    data = dump.data
    for key in ("Subnets", "RouteTables", "SecurityGroups", "NetworkAcls"):
        for item in data[key]:
            if item.get("VpcId") not in vpcs:
                where = f"its VPC {item['VpcId']} is not in the input" if item.get("VpcId") else "it names no VPC"
                dump.note(item[ID_OF[key]], where)
    dump.groups = {g["GroupId"] for g in data["SecurityGroups"] if g.get("VpcId") in vpcs}
    seen: set[str] = set()
    for reservation in data["Reservations"]:
        for instance in reservation.get("Instances") or []:
            iid = instance["InstanceId"]
            if iid in seen:
                continue  # listed by two dumps: one instance
            seen.add(iid)
            state = (instance.get("State") or {}).get("Name")
            if state in GONE:  # its interfaces are released: it has no address any more
                dump.note(iid, f"the instance is {state}")
            elif instance.get("VpcId") not in vpcs:
                vpc = instance.get("VpcId")
                dump.note(iid, f"its VPC {vpc} is not in the input" if vpc else "it names no VPC")
            else:
                dump.instances.setdefault(instance["VpcId"], []).append(instance)
                _, _, groups, others = _vm(instance)
                dump.members.update(groups)
                for interface in _own_vpc(dump, instance, others):
                    dump.members.update(_groups(interface))


# -- peerings --------------------------------------------------------------------------------------
def _views(records: list[dict]) -> dict[str, list[dict]]:
    """Each peering id's records, in the order the dumps list them (both accounts list a peering)."""
    views: dict[str, list[dict]] = {}
    for record in records:
        views.setdefault(record["VpcPeeringConnectionId"], []).append(record)
    return views


def _merged(dump: Dump, ident: str, views: list[dict]) -> Peering:
    requester, accepter = Side(), Side()
    for view in views:
        for side, key in ((requester, "RequesterVpcInfo"), (accepter, "AccepterVpcInfo")):
            info = view.get(key) or {}
            if side.vpc and info.get("VpcId") and info["VpcId"] != side.vpc:
                dump.note(ident, f"one view names {info['VpcId']} as its {key[:-7].lower()}, another {side.vpc}")
                continue
            side.read(info)
    states: list[str] = []
    for code in dict.fromkeys((view.get("Status") or {}).get("Code") for view in views):
        state = canonical_state(code) if code else None
        if state is None and code is not None:
            dump.note(ident, f"peering status '{code}' is unknown")
        elif state is not None and state not in states:
            states.append(state)
    state = max(states, key=lambda s: LIFECYCLE.get(s, -1)) if states else None  # the first of the latest
    if len(states) > 1:
        dump.say(
            ident,
            f"the dumps give it as {' and '.join(states)}; a peering's status only moves forward "
            f"(AWS's peering lifecycle), so the view further along is the later one: read as {state}",
        )
    created = None
    expiration = next((view["ExpirationTime"] for view in views if view.get("ExpirationTime")), None)
    if expiration is not None:
        made = _created(expiration)
        if isinstance(made, str):
            dump.note(ident, f"ExpirationTime '{expiration}' {made}")
        else:
            created = made
    return Peering(ident, requester, accepter, state, created)


def _created(expiration: str) -> datetime | str:
    """When a peering request was made, from its ExpirationTime, in UTC; else why not (words).

    AWS: "The VPC peering connection request expires after 7 days" (CreateVpcPeeringConnection,
    Amazon EC2 API Reference, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcPeeringConnection.html);
    the language's `created` is the request's creation, and a pending request expires PENDING_LIFETIME
    (7 days) after it (LANGUAGE.md, "Peering states"). The CLI prints the time as the API gives it
    (`2026-11-22T08:30:00.000Z`, CLI v1) or in ISO 8601 (`2026-11-22T08:30:00+00:00`, CLI v2).
    Read in UTC first: the creation and the expiry (creation + 7 days) are then both within years
    1-9999 whenever the creation is, so neither overflows where it is written or compared.
    """
    try:
        moment = datetime.fromisoformat(expiration)
    except ValueError:
        return "is not a timestamp"
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(
            timezone.utc
        ) - PENDING_LIFETIME
    except OverflowError:  # at the ends of the calendar: 0001-01-03, or 9999-12-31T23:00-05:00 (10000 in UTC)
        return (
            "is too close to the ends of the calendar: the request would have been made 7 days before it, "
            "in UTC, outside years 1-9999"
        )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _outside_net(estate: Estate, dump: Dump, side: Side) -> None:
    """A VPC no dump describes, as its peering record gives it. Its blocks bound what crosses a
    peering to it (nothing is delivered beyond them) and decide an overlap; it holds no VM, so no
    traffic starts or ends in it, and an assertion that names it is vacuous, never proved."""
    assert side.vpc is not None  # only VPCs a record names are outside nets
    peerings = ", ".join(side.peerings)
    if not side.blocks:
        return  # not declared: each of its peerings says why (`_peering`)
    origin = dump.origins.mentions[(side.peerings[0], side.vpc)]
    net = estate.net(side.vpc, origin)
    net.account, net.region = side.account or None, side.region or None
    net.note = f"not in the input: known only from peering {peerings}"
    for block in side.blocks:
        estate.block(side.vpc, block)
    dump.warnings.append(
        report(
            "IMP001",
            f"{side.text()}: a VPC of peering {peerings} that is not in the input; modelled as an outside "
            f"net with the blocks the peering record gives ({', '.join(side.blocks)}): its subnets, route "
            "tables, security groups and instances are unknown and not modelled",
            origin,
        )
    )


def _peering(estate: Estate, dump: Dump, peering: Peering) -> None:
    ident = peering.ident
    if not peering.declared:
        side = next(s for s in (peering.requester, peering.accepter) if s.vpc not in dump.nets)
        role = "requester" if side is peering.requester else "accepter"
        why = (
            f"its {role} {side.text()} is not in the input and the peering record gives none of its blocks "
            "(AWS gives them once a peering is active)"
            if side.vpc
            else f"its record names no {role} VPC"
        )
        state = peering.state or "status unknown"
        if peering.state == "pending-acceptance" and peering.created is not None:
            state += f", expiring at {_stamp(peering.created + PENDING_LIFETIME)}"
        dump.say(ident, f"{why}: the peering ({state}) is not imported")
        return
    assert peering.requester.vpc and peering.accepter.vpc  # a declared peering joins two nets
    created = _stamp(peering.created) if peering.created is not None else None
    estate.peering(ident, dump.at(ident), peering.requester.vpc, peering.accepter.vpc, peering.state or None, created)


# -- a VPC and what it holds -------------------------------------------------------------------------
def _vpc(estate: Estate, dump: Dump, vpc: dict) -> None:
    ident = vpc["VpcId"]
    net = estate.net(ident, dump.at(ident))
    net.account = vpc.get("OwnerId") or None
    net.region = dump.regions.get(ident)  # describe-vpcs does not give it; a peering record does
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
        estate.block(ident, block)
    tables = dump.of_vpc.get(("RouteTables", ident), [])
    table_of = {
        a["SubnetId"]: t["RouteTableId"] for t in tables for a in t.get("Associations") or [] if a.get("SubnetId")
    }
    acls = dump.of_vpc.get(("NetworkAcls", ident), [])
    acl_of = {
        a["SubnetId"]: acl["NetworkAclId"] for acl in acls for a in acl.get("Associations") or [] if a.get("SubnetId")
    }
    for subnet in dump.of_vpc.get(("Subnets", ident), []):
        sid = subnet["SubnetId"]
        item = estate.item("subnet", ident, sid, dump.at(sid))
        blocks = [subnet["CidrBlock"]] if subnet.get("CidrBlock") else []
        blocks += [
            a["Ipv6CidrBlock"] for a in subnet.get("Ipv6CidrBlockAssociationSet") or [] if a.get("Ipv6CidrBlock")
        ]
        for block in blocks:
            item.set("cidr", block)
        if subnet.get("AvailabilityZone"):
            item.set("zone", subnet["AvailabilityZone"])
        if sid in table_of:
            item.set("route-table", table_of[sid])
        if sid in acl_of:
            item.set("network-acl", acl_of[sid])
    for table in tables:
        _table(estate, dump, ident, table)
    for group in dump.of_vpc.get(("SecurityGroups", ident), []):
        _group(estate, dump, ident, group)
    for acl in acls:
        _acl(estate, dump, ident, acl)
    for instance in dump.instances.get(ident, []):
        _instance(estate, dump, ident, instance)


def _table(estate: Estate, dump: Dump, vpc: str, table: dict) -> None:
    tid = table["RouteTableId"]
    origin = dump.at(tid)
    item = estate.item("route-table", vpc, tid, origin)
    if any(a.get("Main") for a in table.get("Associations") or []):
        item.flag("main", origin)
    for route in table.get("Routes") or []:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        if route.get("GatewayId") == "local":
            continue  # the implicit local routes
        if destination is None:
            dump.note(
                tid,
                f"a route to {route.get('DestinationPrefixListId') or 'an unknown destination'} "
                "(prefix lists are not modelled)",
            )
            continue
        unknown = set(route) - KNOWN_ROUTE_KEYS
        if unknown:
            dump.note(tid, f"route {destination} has attributes {', '.join(sorted(unknown))} that are not understood")
        target: Via
        if route.get("State") == "blackhole":
            target = DROP
        elif route.get("VpcPeeringConnectionId") in dump.peerings:
            target = via_peering(route["VpcPeeringConnectionId"])
        else:
            key = next(
                (
                    k
                    for k in (
                        "VpcPeeringConnectionId",
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
            if key == "VpcPeeringConnectionId":  # a peering that is not declared (`_peering` says why)
                why = "is not imported" if gateway in dump.origins.spans else "no peering record lists"
                dump.say(
                    tid,
                    f"route {destination} over peering {gateway}, which {why}: modelled as leaving the network",
                    at=dump.origins.within(tid, gateway),
                )
            estate.gateway(vpc, gateway, gateway_kind(attribute=key, value=gateway if key else None), origin)
            target = via_gateway(gateway)
        item.route(destination, target, origin)


def _permissions(permission: dict) -> tuple[str, str] | None:
    protocol = PROTOCOLS.get(str(permission.get("IpProtocol")))
    if protocol is None:
        number = str(permission.get("IpProtocol"))
        if not number.isdigit():
            return None
        protocol = number
    ports: str | None = ""
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if protocol in ("icmp", "icmpv6"):  # FromPort is the ICMP type, ToPort the code (-1: every one)
        ports = icmp_text(low, high)
        if ports is None:
            return None
    elif protocol in ("tcp", "udp", "6", "17") and low is not None and high is not None and low >= 0:
        ports = f" {low}" if low == high else f" {low}-{high}"
    return protocol, ports or ""


def _group(estate: Estate, dump: Dump, vpc: str, group: dict) -> None:
    gid = group["GroupId"]
    origin = dump.at(gid)
    item = estate.item("security-group", vpc, gid, origin)
    for key, direction, way in (("IpPermissions", "inbound", "from"), ("IpPermissionsEgress", "outbound", "to")):
        for permission in group.get(key) or []:
            parsed = _permissions(permission)
            if parsed is None:
                dump.note(gid, f"protocol '{permission.get('IpProtocol')}' is not understood")
                continue
            protocol, ports = parsed
            peers = [block_peer(r["CidrIp"]) for r in permission.get("IpRanges") or []]
            peers += [block_peer(r["CidrIpv6"]) for r in permission.get("Ipv6Ranges") or []]
            for pair in permission.get("UserIdGroupPairs") or []:
                if pair["GroupId"] in dump.groups:
                    peers.append(group_peer(pair["GroupId"]))
                else:
                    _dangling(dump, gid, f"{direction} {protocol}{ports} {way} group", pair)
            if permission.get("PrefixListIds"):
                dump.note(gid, "a rule naming a prefix list (prefix lists are not modelled)")
            for peer in peers:
                item.rule(direction, protocol, ports, peer, origin)


def _dangling(dump: Dump, gid: str, rule: str, pair: dict) -> None:
    """A rule naming a group that is not in the input (of another account, of a VPC outside the input,
    or deleted) is read as matching nothing.

    That reading is exact for every VM of the model. A group's members are network interfaces of the
    group's own VPC (an instance can only be in groups of its VPC), and every instance of the input
    lists its groups: when none lists this one, no modelled VM is a member, so the rule lets no
    modelled packet through — a `reach` never rests on it, and an `isolate` between modelled VMs is
    decided as AWS decides it. The members it does let through are instances the model does not
    hold (of an outside net, or of no net of the input): no assertion can name them as a VM — one
    that names an outside net is vacuous (REACH004), never proved. When an instance of the input is
    in the group, the group is left out of it and is a part of its VPC the model does not hold
    (`_known`): what rests on the instance's traffic is unknown (REACH005), not wrongly proved.
    """
    group = pair["GroupId"]
    owner = [f"account {pair['UserId']}" if pair.get("UserId") else "", pair.get("VpcId") or ""]
    owner += [f"over peering {pair['VpcPeeringConnectionId']}" if pair.get("VpcPeeringConnectionId") else ""]
    whose = f" ({', '.join(o for o in owner if o)})" if any(owner) else ""
    members = (
        "an instance of the input is in it, but its rules are not: what rests on them is unknown"
        if group in dump.members
        else "no instance of the input is in it, so it lets no modelled traffic through"
    )
    dump.say(
        gid,
        f"rule {rule} {group}{whose} names a security group that is not in the input: read as matching "
        f"nothing ({members})",
        at=dump.origins.within(gid, group),
    )


def _acl(estate: Estate, dump: Dump, vpc: str, acl: dict) -> None:
    aid = acl["NetworkAclId"]
    origin = dump.at(aid)
    item = estate.item("network-acl", vpc, aid, origin)
    for entry in acl.get("Entries") or []:
        if entry.get("RuleNumber") in (32767, 32768):
            continue  # the default denies (IPv4, IPv6; rules are 1-32766): peerproof denies what no entry matches
        protocol = PROTOCOLS.get(str(entry.get("Protocol")), str(entry.get("Protocol")))
        block = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
        if block is None or not (protocol in PROTOCOLS.values() or protocol.isdigit()):
            dump.note(aid, f"entry {entry.get('RuleNumber')} is not understood")
            continue
        span = entry.get("PortRange")
        ports = ""
        if protocol in ("icmp", "icmpv6"):  # IcmpTypeCode: the type and code (-1: every one)
            kind = entry.get("IcmpTypeCode") or {}
            # AWS always gives an ICMP entry's type and code; without them, which messages it matches is
            # not known (reading them as every one would widen an allow, and narrow a deny, silently).
            given = kind.get("Type") is not None and kind.get("Code") is not None
            text = icmp_text(kind.get("Type"), kind.get("Code")) if given else None
            if text is None:
                dump.note(aid, f"entry {entry.get('RuleNumber')} is not understood")
                continue
            ports = text
        elif span and protocol in ("tcp", "udp", "6", "17"):
            ports = f" {span['From']}" if span["From"] == span["To"] else f" {span['From']}-{span['To']}"
        direction = "outbound" if entry.get("Egress") else "inbound"
        item.entry(direction, entry["RuleNumber"], entry["RuleAction"], protocol, ports, block, origin)


def _instance(estate: Estate, dump: Dump, vpc: str, instance: dict) -> None:
    iid = instance["InstanceId"]
    subnet, addresses, groups, others = _vm(instance)
    own = _own_vpc(dump, instance, others)
    for interface in others:
        if not any(interface is i for i in own):
            _other_interface(dump, iid, interface)
    state = (instance.get("State") or {}).get("Name")
    if state in STOPPED:
        dump.say(
            iid,
            f"the instance is {state}: it keeps its subnet, addresses and security groups, and sends and "
            "receives nothing until it is started; modelled as when it runs, so verdicts about it say what "
            "the network lets through, not that it answers",
        )
    vm = estate.item("vm", vpc, iid, dump.at(iid))
    vm.primary(subnet, addresses, _known(estate, dump, vpc, iid, groups))
    for interface in own:  # several interfaces, each with its subnet and groups
        eni = interface["NetworkInterfaceId"]
        known = _known(estate, dump, vpc, eni, _groups(interface))
        vm.interface(eni, interface["SubnetId"], _addresses(interface), known, dump.at(eni))


def _known(estate: Estate, dump: Dump, vpc: str, holder: str, groups: list[str]) -> list[str]:
    """The groups of an interface that are in the input (`Estate.known_groups`: one that is not, another
    account's or of a VPC outside the dump, may let in what the others do not, as AWS lets a packet in
    when any group of the interface allows it: an isolation to it is unknown, a reach through its other
    groups stands)."""
    return estate.known_groups(
        holder,
        groups,
        vpc,
        lambda group: dump.origins.within(holder, group) or dump.at(holder),
        dump.groups.__contains__,
    )


def _vm(instance: dict) -> tuple[str | None, list[str], list[str], list[dict]]:
    """The VM an instance is: its primary interface (device 0 of card 0) — subnet, addresses, groups —
    and the interfaces that are not it. Another interface in the same subnet with the same groups is
    the same to the network and adds its addresses; one in another subnet or with other groups cannot
    be part of one VM of the language: it is left out, and said, never moved onto the primary's subnet."""
    interfaces = instance.get("NetworkInterfaces") or []
    primary = _primary(instance, interfaces)
    subnet = instance.get("SubnetId") or (primary or {}).get("SubnetId")
    addresses = [instance["PrivateIpAddress"]] if instance.get("PrivateIpAddress") else []
    groups = [g["GroupId"] for g in instance.get("SecurityGroups") or []]
    if primary is None:
        return subnet, addresses, groups, []
    if primary.get("Groups") is not None:
        groups = _groups(primary)  # the instance's own list holds every interface's groups
    others = []
    for interface in interfaces:
        if interface is primary or (interface.get("SubnetId") == subnet and set(_groups(interface)) == set(groups)):
            addresses += _addresses(interface)
        else:
            others.append(interface)
    return subnet, addresses, groups, others


def _primary(instance: dict, interfaces: list[dict]) -> dict | None:
    """The primary interface: device 0 (of network card 0); without attachments, the one holding the
    instance's own address, else the first."""
    for interface in interfaces:
        attachment = interface.get("Attachment") or {}
        if attachment.get("DeviceIndex") == 0 and not attachment.get("NetworkCardIndex"):
            return interface
    address = instance.get("PrivateIpAddress")
    return next((i for i in interfaces if address and address in _addresses(i)), interfaces[0] if interfaces else None)


def _addresses(interface: dict) -> list[str]:
    addresses = [interface["PrivateIpAddress"]] if interface.get("PrivateIpAddress") else []
    addresses += [a["PrivateIpAddress"] for a in interface.get("PrivateIpAddresses") or []]
    return addresses + [a["Ipv6Address"] for a in interface.get("Ipv6Addresses") or []]


def _groups(interface: dict) -> list[str]:
    return [g["GroupId"] for g in interface.get("Groups") or []]


def _own_vpc(dump: Dump, instance: dict, others: list[dict]) -> list[dict]:
    """The instance's other interfaces that can be VMs of its net: in a subnet of its own VPC, with an
    id and an address."""
    vpc_of = dump.vpc_of_subnet
    return [
        i
        for i in others
        if i.get("NetworkInterfaceId") and _addresses(i) and vpc_of.get(i.get("SubnetId")) == instance.get("VpcId")
    ]


def _other_interface(dump: Dump, iid: str, interface: dict) -> None:
    eni = interface.get("NetworkInterfaceId")
    device = (interface.get("Attachment") or {}).get("DeviceIndex")
    facts = [f"device {device}" if device is not None else "", f"subnet {interface.get('SubnetId')}"]
    facts += [", ".join(dict.fromkeys(_addresses(interface))), "groups " + (", ".join(_groups(interface)) or "none")]
    dump.say(
        iid,
        f"network interface {eni or '(no id)'} ({'; '.join(f for f in facts if f)}) is not imported: it is not "
        "in a subnet of the instance's VPC (or has no id or address); traffic to and from it is not checked",
        at=dump.at(eni) if eni else None,
    )

"""Alibaba Cloud CLI (`aliyun`) responses: which response a file is, the shape of each, its objects
with where each is written, and its paging members. The estate they describe is `alibaba_api`'s.

`aliyun` prints a response decoded and encoded again (`openapi/commando.go`, `sortJSON`): keys sorted,
tab-indented. With `--pager` it prints the merged list alone, under the same keys, without
`RequestId` or paging members ("Aggregate the results of paging operations", Alibaba Cloud CLI,
https://www.alibabacloud.com/help/doc-detail/122112.htm). The members read are those of the API
references (Virtual Private Cloud: DescribeVpcs, DescribeVSwitches, DescribeRouteTableList,
DescribeRouteEntryList, DescribeNetworkAcls, DescribeNetworkAclAttributes, ListVpcPeerConnections;
Elastic Compute Service: DescribeSecurityGroups, DescribeSecurityGroupAttribute, DescribeInstances,
DescribeNetworkInterfaces; addresses in `alibaba_api`) and of the Alibaba Cloud SDKs' response models:

- `Vpcs.Vpc[]`, `VSwitches.VSwitch[]`, `RouterTableList.RouterTableListType[]` (`RouterTableList`, not
  `RouteTableList`), `RouteEntrys.RouteEntry[]` (one table's entries, each with `NextHops.NextHop[]`),
  `NetworkAcls.NetworkAcl[]`, `NetworkAclAttribute` (one ACL), `SecurityGroups.SecurityGroup[]`,
  `Instances.Instance[]`, `NetworkInterfaceSets.NetworkInterfaceSet[]` (an ENI: `Type` Primary or
  Secondary, `Status`, `InstanceId` of the instance it is attached to, `VSwitchId`, `PrivateIpAddress`,
  `PrivateIpSets.PrivateIpSet[]`, `Ipv6Sets.Ipv6Set[]`, `SecurityGroupIds.SecurityGroupId[]`),
  `VpcPeerConnects[]` (a plain list; the requester VPC is `Vpc.VpcId`);
- DescribeSecurityGroupAttribute is one group at the top level: `SecurityGroupId`, `VpcId`,
  `InnerAccessPolicy`, `Permissions.Permission[]` (a rule's `Priority` is a string, "1");
- around each list, `RequestId`, `PageNumber`, `PageSize`, `TotalCount` (strings in DescribeNetworkAcls),
  `NextToken`, `MaxResults`: they say nothing of the estate, but tell a missing page (`pages`).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.catalog import report
from verifier.diagnostics import Diagnostic
from verifier.importers import Where
from verifier.importers.shape import entries, locate
from verifier.language.model import Span


@dataclass(frozen=True)
class Kind:
    """A list a response holds: its top-level key, the member holding the list (None: the value is the
    list), the CLI command that prints it, and the member of each object that is its id."""

    key: str
    member: str | None
    command: str
    id: str


KINDS = (
    Kind("Vpcs", "Vpc", "aliyun vpc DescribeVpcs", "VpcId"),
    Kind("VSwitches", "VSwitch", "aliyun vpc DescribeVSwitches", "VSwitchId"),
    Kind("RouterTableList", "RouterTableListType", "aliyun vpc DescribeRouteTableList", "RouteTableId"),
    Kind("RouteEntrys", "RouteEntry", "aliyun vpc DescribeRouteEntryList", "RouteEntryId"),
    Kind("NetworkAcls", "NetworkAcl", "aliyun vpc DescribeNetworkAcls", "NetworkAclId"),
    Kind("SecurityGroups", "SecurityGroup", "aliyun ecs DescribeSecurityGroups", "SecurityGroupId"),
    Kind("Instances", "Instance", "aliyun ecs DescribeInstances", "InstanceId"),
    Kind("NetworkInterfaceSets", "NetworkInterfaceSet", "aliyun ecs DescribeNetworkInterfaces", "NetworkInterfaceId"),
    Kind("VpcPeerConnects", None, "aliyun vpcpeer ListVpcPeerConnections", "InstanceId"),
)
BY_KEY = {kind.key: kind for kind in KINDS}
ACL_ATTRIBUTE = Kind("NetworkAclAttribute", None, "aliyun vpc DescribeNetworkAclAttributes", "NetworkAclId")
GROUP_ATTRIBUTE = Kind("Permissions", "Permission", "aliyun ecs DescribeSecurityGroupAttribute", "SecurityGroupId")
# Top-level keys only Alibaba's responses have; keys other tools' JSON has too (AWS CLI dumps print
# `Vpcs`, `SecurityGroups`, `NetworkAcls`, `RouteTables` as lists), known by a `RequestId` beside them
# or, in a `--pager` output (no `RequestId`), by Alibaba's object as their value: `"Vpcs": {"Vpc": [`.
OWN_KEYS = frozenset(
    "VSwitches RouterTableList RouteEntrys VpcPeerConnects NetworkAclAttribute InnerAccessPolicy "
    "NetworkInterfaceSets".split()
)
SHARED_KEYS = {"Vpcs": "Vpc", "SecurityGroups": "SecurityGroup", "NetworkAcls": "NetworkAcl", "Instances": "Instance"}
SHARED_KEYS |= {"RouteTables": "RouteTable", "Permissions": "Permission"}  # each key, and the member of its object
# Paging and request members around a response's list, and the members of a group's own response.
ENVELOPE = frozenset(
    "RequestId PageNumber PageSize TotalCount NextToken MaxResults RegionId Code Message Success HttpStatusCode".split()
)
ATTRIBUTE_KEYS = frozenset(
    "SecurityGroupId SecurityGroupName Description VpcId InnerAccessPolicy Permissions SnapshotPolicyIds".split()
)
# What the importers read of each response, and the type it relies on (`shape`: "!" is required). An
# account id is a number (int64) in the responses; paging numbers are strings in DescribeNetworkAcls.
_NUMBER = (int, str)
_SIDE: dict[str, Any] = {"VpcId": str, "Ipv4Cidrs": [str], "Ipv6Cidrs": [str]}
_TEXT: dict[str, Any] = {
    key: str for key in "NetworkAclEntryId Policy Protocol Port SourceCidrIp DestinationCidrIp".split()
}
_ACL: dict[str, Any] = {
    "NetworkAclId!": str,
    "VpcId": str,
    "Resources": {"Resource": [{"ResourceId": str, "ResourceType": str}]},
}
_ACL |= {"IngressAclEntries": {"IngressAclEntry": [_TEXT]}, "EgressAclEntries": {"EgressAclEntry": [_TEXT]}}
_PERMISSION: dict[str, Any] = {"Priority": (str, int)} | {
    key: str
    for key in "SecurityGroupRuleId Direction Policy IpProtocol PortRange SourcePortRange NicType SourceCidrIp "
    "Ipv6SourceCidrIp SourceGroupId SourcePrefixListId DestCidrIp Ipv6DestCidrIp DestGroupId DestPrefixListId "
    "PortRangeListId".split()
}
_VPC: dict[str, Any] = {"VpcId!": str, "CidrBlock": str, "Ipv6CidrBlock": str, "RegionId": str, "OwnerId": _NUMBER}
_VPC |= {
    "SecondaryCidrBlocks": {"SecondaryCidrBlock": [str]},
    "Ipv6CidrBlocks": {"Ipv6CidrBlock": [{"Ipv6CidrBlock": str}]},
}
_VSWITCH: dict[str, Any] = {"VSwitchId!": str, "VpcId": str, "CidrBlock": str, "Ipv6CidrBlock": str, "ZoneId": str}
_VSWITCH |= {"NetworkAclId": str, "RouteTable": {"RouteTableId": str, "RouteTableType": str}}
_TABLE: dict[str, Any] = {"RouteTableId!": str, "VpcId": str, "RouteTableType": str, "AssociateType": str}
_TABLE |= {"VSwitchIds": {"VSwitchId": [str]}}
_ENTRY: dict[str, Any] = {
    "RouteEntryId": str,
    "RouteTableId": str,
    "DestinationCidrBlock": str,
    "Type": str,
    "Status": str,
}
_ENTRY |= {"NextHops": {"NextHop": [{"NextHopType": str, "NextHopId": str}]}}
_INTERFACE: dict[str, Any] = {"NetworkInterfaceId": str, "Type": str, "PrimaryIpAddress": str}
_INTERFACE |= {
    "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": str}]},
    "Ipv6Sets": {"Ipv6Set": [{"Ipv6Address": str}]},
}
_INSTANCE: dict[str, Any] = {"InstanceId!": str, "Status": str, "SecurityGroupIds": {"SecurityGroupId": [str]}}
_INSTANCE |= {"VpcAttributes": {"VpcId": str, "VSwitchId": str, "PrivateIpAddress": {"IpAddress": [str]}}}
_INSTANCE |= {"NetworkInterfaces": {"NetworkInterface": [_INTERFACE]}}
_ENI: dict[str, Any] = {"NetworkInterfaceId!": str, "Type": str, "Status": str, "InstanceId": str, "VpcId": str}
_ENI |= {"VSwitchId": str, "PrivateIpAddress": str, "PrivateIpSets": _INTERFACE["PrivateIpSets"]}
_ENI |= {"Ipv6Sets": _INTERFACE["Ipv6Sets"], "SecurityGroupIds": {"SecurityGroupId": [str]}}
_ENI |= {"Attachment": {"InstanceId": str}, "ServiceManaged": bool, "Ipv4PrefixSets": dict, "Ipv6PrefixSets": dict}
_PEERING: dict[str, Any] = {
    "InstanceId!": str,
    "Status": str,
    "BizStatus": str,
    "Vpc": _SIDE,
    "AcceptingVpc": _SIDE,
    "VpcId": str,
}
_PEERING |= {"OwnerId": _NUMBER, "AcceptingOwnerUid": _NUMBER, "RegionId": str, "AcceptingRegionId": str}
_PEERING |= {"GmtCreate": str, "GmtExpired": str}
SHAPE: dict[str, Any] = {
    "Vpcs": {"Vpc": [_VPC]},
    "VSwitches": {"VSwitch": [_VSWITCH]},
    "RouterTableList": {"RouterTableListType": [_TABLE]},
    "RouteEntrys": {"RouteEntry": [_ENTRY]},
    "NetworkAcls": {"NetworkAcl": [_ACL]},
    "NetworkAclAttribute": _ACL,
    "SecurityGroups": {"SecurityGroup": [{"SecurityGroupId!": str, "VpcId": str, "SecurityGroupType": str}]},
    "Permissions": {"Permission": [_PERMISSION]},
    "Instances": {"Instance": [_INSTANCE]},
    "NetworkInterfaceSets": {"NetworkInterfaceSet": [_ENI]},
    "VpcPeerConnects": [_PEERING],
} | {"SecurityGroupId": str, "VpcId": str, "InnerAccessPolicy": str, "NextToken": str}
SHAPE |= {"PageNumber": _NUMBER, "PageSize": _NUMBER, "TotalCount": _NUMBER}


@dataclass
class Found:
    """An object of a response, where it is written (the offsets of its braces; a group's own response:
    from its `SecurityGroupId` on), and what printed it."""

    item: dict
    file: str
    text: str
    start: int
    end: int
    command: str

    def at(self, ident: Any = None) -> Span:
        """Where the object names `ident` (its id, the VPC it is in...), else where it opens."""
        offset = self.text.find(f'"{ident}"', self.start, self.end) if isinstance(ident, str) and ident else -1
        if offset < 0:
            return _span(self.file, self.text, self.start, 1)
        return _span(self.file, self.text, offset, len(ident) + 2)


@functools.lru_cache(maxsize=64)
def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(match.end() for match in re.finditer("\n", text)))


def _span(file: str, text: str, offset: int, width: int) -> Span:
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, offset)
    column = offset - starts[line - 1] + 1
    return Span(file, line, column, line, column + width)


@dataclass
class Page:
    """A response's paging members: which page of which listing it is."""

    command: str
    topic: str  # what the call was about: a group, a route table ("" for a listing of a region)
    file: str
    text: str
    number: int | None
    size: int | None
    total: int | None
    token: str | None


@dataclass
class Dump:
    """Every response given, its objects by kind, and what was said of them."""

    where: Where = field(default_factory=Where)
    found: dict[str, list[Found]] = field(default_factory=dict)  # top-level key -> objects, in file order
    attributes: list[Found] = field(default_factory=list)  # DescribeSecurityGroupAttribute responses
    permissions: dict[int, list[Found]] = field(default_factory=dict)  # id(response) -> its rules
    pages: list[Page] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def add(self, file: Path, document: dict, text: str) -> None:
        name = str(file)
        self.where.add(file, text, document)
        top = locate(text, ())
        attribute = "Permissions" in document or "InnerAccessPolicy" in document
        for key in document:
            if key in BY_KEY or key == ACL_ATTRIBUTE.key or key in ENVELOPE or (attribute and key in ATTRIBUTE_KEYS):
                continue
            self.say(
                Span(name, 1, 1, 1, 2), f"{file.name}: top-level key '{key}' is not understood and was not imported"
            )
        command, topic = "", ""
        for kind in KINDS:
            if kind.key in document:
                self.found.setdefault(kind.key, []).extend(_objects(name, text, document, kind))
                command = command or kind.command
        if isinstance(document.get(ACL_ATTRIBUTE.key), dict):
            self.found.setdefault(ACL_ATTRIBUTE.key, []).extend(_objects(name, text, document, ACL_ATTRIBUTE))
            command = ACL_ATTRIBUTE.command
        if attribute:
            # the group's own id, at the top (sorted after `Permissions`, where a rule may name it too)
            at = locate(text, ("SecurityGroupId",)) if "SecurityGroupId" in document else top
            response = Found(document, name, text, at, len(text), GROUP_ATTRIBUTE.command)
            self.attributes.append(response)
            self.permissions[id(response)] = _objects(name, text, document, GROUP_ATTRIBUTE)
            command, topic = GROUP_ATTRIBUTE.command, str(document.get("SecurityGroupId") or "")
        entries_found = self.found.get("RouteEntrys", [])
        if "RouteEntrys" in document and entries_found and entries_found[-1].file == name:
            topic = str(entries_found[-1].item.get("RouteTableId") or "")
        if command and any(key in document for key in ("PageNumber", "TotalCount", "NextToken")):
            token = document.get("NextToken")
            self.pages.append(
                Page(
                    command,
                    topic,
                    name,
                    text,
                    count(document.get("PageNumber")),
                    count(document.get("PageSize")),
                    count(document.get("TotalCount")),
                    token if isinstance(token, str) and token else None,
                )
            )

    def say(self, at: Span, message: str) -> None:
        self.warnings.append(report("IMP001", message, at))


def _objects(file: str, text: str, document: dict, kind: Kind) -> list[Found]:
    """The objects of `kind` in one response, each with where it is written."""
    value = document.get(kind.key)
    path: tuple[str, ...] = (kind.key,)
    if kind.member is not None:
        value = value.get(kind.member) if isinstance(value, dict) else None
        path += (kind.member,)
    if isinstance(value, dict):  # one object (DescribeNetworkAclAttributes)
        start = locate(text, path)
        return [Found(value, file, text, start, _end(text, start), kind.command)]
    if not isinstance(value, list):
        return []
    index = locate(text, path)
    starts = [start for _, start, _ in entries(text, index)] if text[index : index + 1] == "[" else []
    return [
        Found(item, file, text, start, _end(text, start), kind.command)
        for item, start in zip(value, starts)
        if isinstance(item, dict)
    ]


_DECODER = json.JSONDecoder()


def _end(text: str, start: int) -> int:
    try:
        return _DECODER.raw_decode(text, start)[1]
    except ValueError:
        return len(text)


def count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def dig(value: Any, *path: str) -> Any:
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return value


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def pages(dump: Dump) -> None:
    """Say where a listing's pages are not all in the input. Pages by `NextToken`: every page but
    the last names the next, so when every page given names one, one is missing. Pages by number:
    `TotalCount` over `PageSize` pages, each `PageNumber` once. (Two calls with the same totals
    are one listing to this check: a page they lack may go unsaid.)"""
    listings: dict[tuple[str, str], list[Page]] = {}
    for page in dump.pages:
        listings.setdefault((page.command, page.topic), []).append(page)
    for (command, topic), given in listings.items():
        about = f" of {topic}" if topic else ""
        tokened = [p for p in given if p.token]
        if tokened:
            if len(tokened) == len(given):
                last = tokened[-1]
                dump.say(
                    _span(last.file, last.text, locate(last.text, ("NextToken",)), 1),
                    f"{Path(last.file).name}: `{command}`{about} says a further page follows (NextToken), "
                    "which is not in the input: what it lists is not imported (`--pager` prints every page)",
                )
            continue
        numbered: dict[tuple[int, int], set[int]] = {}
        for page in given:
            if page.size and page.total is not None and page.number:
                numbered.setdefault((page.size, page.total), set()).add(page.number)
        for (size, total), numbers in numbered.items():
            expected = math.ceil(total / size)
            absent = expected - len({n for n in numbers if n <= expected})
            if absent > 0:  # the first few missing numbers are found within len(numbers) + 5 steps
                missing = list(itertools.islice((n for n in range(1, expected + 1) if n not in numbers), 5))
                page = next(p for p in given if p.size == size and p.total == total)
                dump.say(
                    _span(page.file, page.text, locate(page.text, ("TotalCount",)), 1),
                    f"{Path(page.file).name}: `{command}`{about} lists {total} objects, {size} a page: page(s) "
                    f"{', '.join(map(str, missing))}{', ...' if absent > len(missing) else ''} not in the input; "
                    "what they list is not imported "
                    "(`--pager` prints every page)",
                )

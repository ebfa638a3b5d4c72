"""AWS CLI describe-* dumps: several accounts as one estate, peer VPCs outside the input, groups of
other accounts, instances with several interfaces or stopped, a pending request's expiry.

Each test writes the few responses it needs (the shapes `aws ec2 describe-* --output json` prints)
and reads them with the importer, or checks them with the CLI. The whole two-account estate, with
its findings and verdicts, is fixtures/imports/aws-cli-two-accounts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_cli

from verifier.importers import aws_cli

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
A, B, C = "111122223333", "444455556666", "777788889999"


def vpc(ident: str, block: str, owner: str = A, **extra) -> dict:
    return {
        "CidrBlock": block,
        "State": "available",
        "VpcId": ident,
        "OwnerId": owner,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": f"vpc-cidr-assoc-{ident[4:]}",
                "CidrBlock": block,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": False,
        **extra,
    }


def subnet(ident: str, vpc_id: str, block: str, owner: str = A) -> dict:
    return {"AvailabilityZone": "eu-west-1a", "CidrBlock": block, "SubnetId": ident, "VpcId": vpc_id, "OwnerId": owner}


def info(vpc_id: str, owner: str = A, blocks: tuple[str, ...] = (), region: str = "eu-west-1", **extra) -> dict:
    item: dict = {"OwnerId": owner, "VpcId": vpc_id, "Region": region, **extra}
    if blocks:
        item["CidrBlock"] = blocks[0]
        item["CidrBlockSet"] = [{"CidrBlock": b} for b in blocks]
    return item


def peering(ident: str, requester: dict, accepter: dict, code: str = "active", **extra) -> dict:
    return {
        "AccepterVpcInfo": accepter,
        "RequesterVpcInfo": requester,
        "Status": {"Code": code, "Message": code.capitalize()},
        "Tags": [],
        "VpcPeeringConnectionId": ident,
        **extra,
    }


def table(ident: str, vpc_id: str, routes: list[dict], subnets: tuple[str, ...] = ()) -> dict:
    associations = [{"Main": True, "RouteTableAssociationId": f"rtbassoc-{ident[4:]}", "RouteTableId": ident}]
    associations += [{"Main": False, "RouteTableId": ident, "SubnetId": s} for s in subnets]
    return {"Associations": associations, "RouteTableId": ident, "Routes": routes, "VpcId": vpc_id, "OwnerId": A}


def group(ident: str, vpc_id: str, inbound: list[dict] = (), outbound: list[dict] | None = None) -> dict:
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "UserIdGroupPairs": []}]
    return {
        "GroupId": ident,
        "GroupName": ident,
        "Description": ident,
        "IpPermissions": list(inbound),
        "IpPermissionsEgress": everything if outbound is None else outbound,
        "VpcId": vpc_id,
        "OwnerId": A,
    }


def tcp(port: int, *, cidr: str | None = None, group_id: str | None = None, **pair) -> dict:
    return {
        "FromPort": port,
        "IpProtocol": "tcp",
        "IpRanges": [{"CidrIp": cidr}] if cidr else [],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": group_id, **pair}] if group_id else [],
    }


def interface(ident: str, subnet_id: str, address: str, groups: list[str], device: int, vpc_id: str = "vpc-a") -> dict:
    return {
        "Attachment": {"DeviceIndex": device, "NetworkCardIndex": 0, "Status": "attached"},
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
        "Ipv6Addresses": [],
        "NetworkInterfaceId": ident,
        "PrivateIpAddress": address,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": address}],
        "SubnetId": subnet_id,
        "VpcId": vpc_id,
    }


def instance(ident: str, interfaces: list[dict], state: str = "running", vpc_id: str = "vpc-a") -> dict:
    primary = next(i for i in interfaces if i["Attachment"]["DeviceIndex"] == 0) if interfaces else None
    item: dict = {"InstanceId": ident, "State": {"Code": 16, "Name": state}}
    if primary:
        item.update(PrivateIpAddress=primary["PrivateIpAddress"], SubnetId=primary["SubnetId"], VpcId=vpc_id)
    item["NetworkInterfaces"] = interfaces
    item["SecurityGroups"] = [g for i in interfaces for g in i["Groups"]]
    return item


def write(folder: Path, name: str, key: str, items: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({key: items}, indent=4) + "\n")
    return path


def two_vpcs(folder: Path, *, peerings: list[dict] | None = None, groups: list[dict] = (), instances=()) -> Path:
    """Account A's VPC vpc-a (10.1.0.0/16) and B's vpc-b (10.2.0.0/16), one subnet and instance each
    unless told otherwise, peered by pcx-ab unless `peerings` says otherwise."""
    write(folder, "describe-vpcs.json", "Vpcs", [vpc("vpc-a", "10.1.0.0/16"), vpc("vpc-b", "10.2.0.0/16", B)])
    write(
        folder,
        "describe-subnets.json",
        "Subnets",
        [
            subnet("subnet-a", "vpc-a", "10.1.1.0/24"),
            subnet("subnet-a2", "vpc-a", "10.1.2.0/24"),
            subnet("subnet-b", "vpc-b", "10.2.1.0/24", B),
        ],
    )
    if peerings is None:
        peerings = [peering("pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B, ("10.2.0.0/16",)))]
    write(folder, "describe-vpc-peering-connections.json", "VpcPeeringConnections", peerings)
    write(
        folder,
        "describe-route-tables.json",
        "RouteTables",
        [
            table("rtb-a", "vpc-a", [{"DestinationCidrBlock": "10.2.0.0/16", "VpcPeeringConnectionId": "pcx-ab"}]),
            table("rtb-b", "vpc-b", [{"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-ab"}]),
        ],
    )
    groups = list(groups) or [group("sg-a", "vpc-a"), group("sg-b", "vpc-b", [tcp(5432, cidr="10.1.0.0/16")])]
    write(folder, "describe-security-groups.json", "SecurityGroups", groups)
    instances = list(instances) or [
        instance("i-a", [interface("eni-a", "subnet-a", "10.1.1.10", ["sg-a"], 0)]),
        instance("i-b", [interface("eni-b", "subnet-b", "10.2.1.10", ["sg-b"], 0, "vpc-b")], vpc_id="vpc-b"),
    ]
    write(folder, "describe-instances.json", "Reservations", [{"Instances": instances, "ReservationId": "r-1"}])
    return folder


def imported(*folders: Path) -> tuple[str, list[str]]:
    """The peer text of the dumps in `folders` (one estate), and its IMP001 messages."""
    files = sorted(f for folder in folders for f in folder.glob("*.json"))
    result = aws_cli.load(files, "dump.peer")
    return result.text, [w.message for w in result.warnings if w.code == "IMP001"]


def check(tmp_path: Path, *paths: Path, assertions: str = "") -> dict:
    extra = []
    if assertions:
        (tmp_path / "assertions.peer").write_text(assertions)
        extra = [str(tmp_path / "assertions.peer")]
    run = run_cli("check", *NOW, "--format", "json", *map(str, paths), *extra)
    assert run.code in (0, 1), run.err
    return json.loads(run.out)


def codes(document: dict) -> Counter:
    return Counter(d["code"] for d in document["diagnostics"])


# -- one id, one object ------------------------------------------------------------------------------
def test_a_peering_both_accounts_list_is_one_peering(tmp_path):
    # Regression: each account's describe-vpc-peering-connections lists the peering: NAME002.
    a = two_vpcs(tmp_path / "a")
    b = tmp_path / "b"
    b.mkdir()
    (b / "describe-vpc-peering-connections.json").write_text((a / "describe-vpc-peering-connections.json").read_text())
    text, warnings = imported(a, b)
    assert text.count("peering pcx-ab ") == 1
    assert warnings == []
    document = check(tmp_path, a, b, assertions="assert reach i-a -> i-b tcp 5432\n")
    assert "NAME002" not in codes(document)
    assert [a["status"] for a in document["assertions"]] == ["proved"]


@pytest.mark.parametrize(
    "first, second, read",
    [
        ("pending-acceptance", "active", "active"),  # accepted between the two dumps
        ("active", "pending-acceptance", "active"),  # whichever dump comes first
        ("provisioning", "active", "active"),
        ("active", "deleted", "deleted"),  # deleted after the first dump: final
        ("pending-acceptance", "expired", "expired"),
        ("rejected", "deleted", "rejected"),  # two final states (cannot both happen): the first
    ],
)
def test_two_views_that_disagree_read_the_later_status(tmp_path, first, second, read):
    views = [
        peering("pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B, ("10.2.0.0/16",)), code)
        for code in (first, second)
    ]
    folder = two_vpcs(tmp_path / "a", peerings=views)
    text, warnings = imported(folder)
    assert text.count("peering pcx-ab ") == 1
    assert f"peering pcx-ab {{ requester vpc-a  accepter vpc-b  state {read} }}" in text
    assert [w for w in warnings if w.startswith("pcx-ab:")] == [
        f"pcx-ab: the dumps give it as {first} and {second}; a peering's status only moves forward (AWS's "
        f"peering lifecycle), so the view further along is the later one: read as {read}"
    ]


def test_a_vpc_two_dumps_describe_is_one_net(tmp_path):
    # A VPC shared with another account (AWS RAM) is listed by both accounts' describe-vpcs, with
    # each account's own tags.
    folder = two_vpcs(tmp_path / "a")
    other = tmp_path / "b"
    write(other, "describe-vpcs.json", "Vpcs", [vpc("vpc-a", "10.1.0.0/16", Tags=[{"Key": "Name", "Value": "x"}])])
    text, warnings = imported(folder, other)
    assert text.count("net vpc-a {") == 1 and warnings == []
    write(other, "describe-vpcs.json", "Vpcs", [vpc("vpc-a", "10.9.0.0/16")])
    text, warnings = imported(folder, other)
    assert text.count("net vpc-a {") == 1 and "cidr 10.9.0.0/16" not in text
    assert warnings == ["vpc-a: described twice, differently; the first description is read, the second; not imported"]


# -- peer VPCs outside the input --------------------------------------------------------------------
def test_a_peer_vpc_outside_the_input_is_an_outside_net(tmp_path):
    # Regression: the peering's accepter was an unknown name (NAME001) and nothing was checked.
    outside = info(
        "vpc-c", C, ("10.3.0.0/16", "10.4.0.0/16"), Ipv6CidrBlockSet=[{"Ipv6CidrBlock": "2a05:d018:1:200::/56"}]
    )
    views = [
        peering("pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B, ("10.2.0.0/16",))),
        peering("pcx-ac", info("vpc-a", A, ("10.1.0.0/16",)), outside),
    ]
    folder = two_vpcs(tmp_path / "a", peerings=views)
    text, warnings = imported(folder)
    assert (
        "net vpc-c {\n  # not in the input: known only from peering pcx-ac\n  account 777788889999\n"
        "  region eu-west-1\n  cidr 10.3.0.0/16\n  cidr 10.4.0.0/16\n  cidr 2a05:d018:1:200::/56\n}\n"
    ) in text
    assert "peering pcx-ac { requester vpc-a  accepter vpc-c  state active }" in text
    assert warnings == [
        "vpc-c (account 777788889999, region eu-west-1): a VPC of peering pcx-ac that is not in the input; "
        "modelled as an outside net with the blocks the peering record gives (10.3.0.0/16, 10.4.0.0/16, "
        "2a05:d018:1:200::/56): its subnets, route tables, security groups and instances are unknown and not "
        "modelled"
    ]
    document = check(tmp_path, folder, assertions="assert isolate vpc-c -> vpc-a\n")
    assert "NAME001" not in codes(document) and "CHECK001" not in codes(document)
    assert [a["status"] for a in document["assertions"]] == ["vacuous"]  # what vpc-c holds is unknown


def test_an_inactive_peering_to_a_vanished_vpc_is_kept(tmp_path):
    # A peering whose VPC was deleted is listed (deleted) for a while after: an inactive peering.
    views = [
        peering("pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B, ("10.2.0.0/16",))),
        peering("pcx-ad", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-d", A, ("10.7.0.0/16",)), "deleted"),
    ]
    folder = two_vpcs(tmp_path / "a", peerings=views)
    text, _ = imported(folder)
    assert "peering pcx-ad { requester vpc-a  accepter vpc-d  state deleted }" in text
    document = check(tmp_path, folder)
    assert not [d for d in document["diagnostics"] if d["severity"] == "error"], document["diagnostics"]


def test_a_peer_vpc_whose_blocks_the_record_omits_is_said_and_its_routes_leave(tmp_path):
    # AWS gives the VPCs' blocks in the record once a peering is active: a request to a VPC outside
    # the input that is still pending has none for it, and a net needs one. AWS holds routes over
    # a pending peering as blackholes (drop); a route over a peering no record lists leaves the
    # network (a gateway of unknown kind: what depends on it is unknown).
    views = [
        peering("pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B, ("10.2.0.0/16",))),
        peering(
            "pcx-ae",
            info("vpc-a", A, ("10.1.0.0/16",)),
            info("vpc-e", C),
            "pending-acceptance",
            ExpirationTime="2026-11-25T10:00:00.000Z",
        ),
    ]
    folder = two_vpcs(tmp_path / "a", peerings=views)
    tables = json.loads((folder / "describe-route-tables.json").read_text())
    tables["RouteTables"][0]["Routes"] += [
        {"DestinationCidrBlock": "10.5.0.0/16", "VpcPeeringConnectionId": "pcx-ae", "State": "blackhole"},
        {"DestinationCidrBlock": "10.6.0.0/16", "VpcPeeringConnectionId": "pcx-zz", "State": "active"},
    ]
    (folder / "describe-route-tables.json").write_text(json.dumps(tables, indent=4))
    text, warnings = imported(folder)
    assert "peering pcx-ae" not in text and "net vpc-e" not in text
    assert "route 10.5.0.0/16 drop" in text
    assert "route 10.6.0.0/16 via gateway pcx-zz" in text and "gateway pcx-zz { kind other }" in text
    assert warnings == [
        "rtb-a: route 10.6.0.0/16 over peering pcx-zz, which no peering record lists: modelled as leaving the network",
        "pcx-ae: its accepter vpc-e (account 777788889999, region eu-west-1) is not in the input and the peering "
        "record gives none of its blocks (AWS gives them once a peering is active): the peering "
        "(pending-acceptance, expiring at 2026-11-25T10:00:00Z) is not imported",
    ]


def test_a_dump_directory_region_comes_from_the_peering_record(tmp_path):
    # describe-vpcs gives no region; a peering record gives each VPC's. AWS refuses a group reference
    # across regions: with the regions known, the rule is SG003 and lets nothing in.
    views = [
        peering("pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B, ("10.2.0.0/16",), region="us-east-1"))
    ]
    groups = [group("sg-a", "vpc-a"), group("sg-b", "vpc-b", [tcp(5432, group_id="sg-a", UserId=A)])]
    folder = two_vpcs(tmp_path / "a", peerings=views, groups=groups)
    text, _ = imported(folder)
    assert "net vpc-b {\n  account 444455556666\n  region us-east-1\n" in text
    document = check(tmp_path, folder, assertions="assert reach i-a -> i-b tcp 5432\n")
    assert codes(document)["SG003"] == 1
    assert [a["status"] for a in document["assertions"]] == ["refuted"]


# -- a pending request's expiry ------------------------------------------------------------------------
@pytest.mark.parametrize("expiration", ["2026-11-22T08:30:00.000Z", "2026-11-22T08:30:00+00:00"])
def test_expiration_time_gives_the_request_its_creation(tmp_path, expiration):
    # The CLI prints the API's timestamp (v1) or ISO 8601 (v2); a request expires 7 days after it is made.
    views = [
        peering(
            "pcx-ab",
            info("vpc-a", A, ("10.1.0.0/16",)),
            info("vpc-b", B),
            "pending-acceptance",
            ExpirationTime=expiration,
        )
    ]
    folder = two_vpcs(tmp_path / "a", peerings=views)
    text, _ = imported(folder)
    assert "state pending-acceptance  created 2026-11-15T08:30:00Z }" in text
    document = check(tmp_path, folder)
    peer006 = [d["message"] for d in document["diagnostics"] if d["code"] == "PEER006"]
    assert peer006 == ["peering 'pcx-ab' is pending acceptance and expires at 2026-11-22T08:30:00Z (in 20 hour(s))"]


def test_an_expired_request_is_said_by_peer006(tmp_path):
    views = [
        peering(
            "pcx-ab",
            info("vpc-a", A, ("10.1.0.0/16",)),
            info("vpc-b", B),
            "pending-acceptance",
            ExpirationTime="2026-11-20T08:30:00.000Z",
        )
    ]
    document = check(tmp_path, two_vpcs(tmp_path / "a", peerings=views))
    assert codes(document)["PEER006"] == 1


def test_an_expiration_time_that_is_no_timestamp_is_said(tmp_path):
    views = [
        peering(
            "pcx-ab", info("vpc-a", A, ("10.1.0.0/16",)), info("vpc-b", B), "pending-acceptance", ExpirationTime="soon"
        )
    ]
    text, warnings = imported(two_vpcs(tmp_path / "a", peerings=views))
    assert "created" not in text
    assert warnings == ["pcx-ab: ExpirationTime 'soon' is not a timestamp; not imported"]


@pytest.mark.parametrize("outside", [False, True], ids=["peer-in-input", "peer-outside"])
@pytest.mark.parametrize(
    "expiration",
    ["0001-01-03T00:00:00Z", "0001-01-08T00:00:00+14:00", "0001-01-01T00:00:00-05:00", "9999-12-31T23:00:00-05:00"],
)
def test_an_expiration_time_at_the_ends_of_the_calendar_is_said_not_a_crash(tmp_path, expiration, outside):
    # Regression: 7 days before year 1, or an expiry in year 10000 once read in UTC, was an internal error (exit 3).
    folder = two_vpcs(tmp_path / "a", peerings=pending(expiration, "vpc-z" if outside else "vpc-b"))
    text, warnings = imported(folder)
    assert "created" not in text
    assert f"pcx-ab: ExpirationTime '{expiration}' is too close to the ends of the calendar" in "\n".join(warnings)
    assert codes(check(tmp_path, folder))["IMP001"] >= 1


def test_an_expiration_time_late_in_year_9999_gives_its_creation(tmp_path):
    text, _ = imported(two_vpcs(tmp_path / "a", peerings=pending("9999-12-31T23:59:59+00:00")))
    assert "created 9999-12-24T23:59:59Z }" in text


def pending(expiration: str, accepter: str = "vpc-b") -> list[dict]:
    """Account A's request pcx-ab to `accepter` of account B, pending, with its ExpirationTime."""
    requester = info("vpc-a", A, ("10.1.0.0/16",))
    return [peering("pcx-ab", requester, info(accepter, B), "pending-acceptance", ExpirationTime=expiration)]


# -- groups that are not in the input -----------------------------------------------------------------
def test_a_rule_naming_a_group_not_in_the_input_matches_nothing(tmp_path):
    # Regression: `group sg-c` was an unknown name (NAME001), and nothing was checked.
    groups = [
        group("sg-a", "vpc-a"),
        group(
            "sg-b",
            "vpc-b",
            [
                tcp(5432, group_id="sg-c", UserId=C, VpcId="vpc-c", VpcPeeringConnectionId="pcx-bc"),
                tcp(22, cidr="10.1.1.0/24"),
            ],
        ),
    ]
    folder = two_vpcs(tmp_path / "a", groups=groups)
    text, warnings = imported(folder)
    assert "sg-c" not in text and "inbound tcp 22 from 10.1.1.0/24" in text
    assert warnings == [
        "sg-b: rule inbound tcp 5432 from group sg-c (account 777788889999, vpc-c, over peering pcx-bc) names a "
        "security group that is not in the input: read as matching nothing (no instance of the input is in it, "
        "so it lets no modelled traffic through)"
    ]
    document = check(
        tmp_path,
        folder,
        assertions="assert reach i-a -> i-b tcp 5432\nassert isolate vpc-a -> vpc-b tcp 5432\n",
    )
    assert "NAME001" not in codes(document)
    # Nothing of the input is in sg-c: the rule lets none of its VMs in, as on AWS.
    assert [a["status"] for a in document["assertions"]] == ["refuted", "proved"]
    warning = next(d for d in document["diagnostics"] if d["code"] == "IMP001")
    line = (folder / "describe-security-groups.json").read_text().splitlines()[warning["line"] - 1]
    assert '"sg-c"' in line  # at the rule's group


def test_an_instance_in_a_group_not_in_the_input_leaves_what_rests_on_it_open(tmp_path):
    # Its rules are unknown, and so is what a rule naming it lets in: no reading of them is safe for
    # both reach and isolate. The group is left out of the instance, said, and a part of its VPC the
    # model does not hold: an isolation from or to the instance is unknown, not wrongly proved, and
    # the rest of the estate is checked (it was NAME001 and nothing was).
    instances = [
        instance("i-a", [interface("eni-a", "subnet-a", "10.1.1.10", ["sg-a", "sg-gone"], 0)]),
        instance("i-b", [interface("eni-b", "subnet-b", "10.2.1.10", ["sg-b"], 0, "vpc-b")], vpc_id="vpc-b"),
    ]
    groups = [group("sg-a", "vpc-a"), group("sg-b", "vpc-b", [tcp(5432, group_id="sg-gone", UserId=A)])]
    folder = two_vpcs(tmp_path / "a", groups=groups, instances=instances)
    _, warnings = imported(folder)
    assert warnings == [
        "i-a: its security group sg-gone is not in the input; what it lets through is not modelled",
        "sg-b: rule inbound tcp 5432 from group sg-gone (account 111122223333) names a security group that is "
        "not in the input: read as matching nothing (an instance of the input is in it, but its rules are not: "
        "what rests on them is unknown)",
    ]
    document = check(tmp_path, folder, assertions="assert isolate vpc-a -> vpc-b tcp 5432\n")
    assert "NAME001" not in codes(document) and codes(document)["REACH005"] == 1
    assert [a["status"] for a in document["assertions"]] == ["unknown"]


# -- instances ---------------------------------------------------------------------------------------
def two_interfaces() -> list[dict]:
    """i-a with its primary interface in subnet-a and a second one (device 1, listed first) in
    subnet-a2 with other groups; i-b in vpc-b."""
    both = [
        interface("eni-mgmt", "subnet-a2", "10.1.2.20", ["sg-mgmt"], 1),
        interface("eni-app", "subnet-a", "10.1.1.20", ["sg-a"], 0),
    ]
    return [
        instance("i-a", both),
        instance("i-b", [interface("eni-b", "subnet-b", "10.2.1.10", ["sg-b"], 0, "vpc-b")], vpc_id="vpc-b"),
    ]


def test_an_instance_is_its_primary_interface_and_its_other_interfaces(tmp_path):
    # Regression: the second interface's address was put on the primary's subnet (ADDR004). Device 0
    # is the primary wherever describe-instances lists it; the other interface is an `interface` of
    # the VM, with its own subnet, addresses and groups: nothing left out, nothing to warn about.
    instances = two_interfaces()
    groups = [group("sg-a", "vpc-a"), group("sg-mgmt", "vpc-a"), group("sg-b", "vpc-b")]
    folder = two_vpcs(tmp_path / "a", groups=groups, instances=instances)
    text, warnings = imported(folder)
    assert (
        "  vm i-a {\n    subnet subnet-a  ip 10.1.1.20  groups sg-a\n"
        "    interface eni-mgmt { subnet subnet-a2  ip 10.1.2.20  groups sg-mgmt }\n  }\n"
    ) in text
    assert warnings == []
    document = check(tmp_path, folder)
    assert "ADDR004" not in codes(document) and "IMP001" not in codes(document)


def test_a_second_interface_is_checked_at_its_subnet(tmp_path):
    # Regression (soundness): with the second interface left out, `isolate` from the peer VPC to the
    # interface's subnet, or to the instance, was proved although its group lets that VPC in.
    instances = two_interfaces()
    mgmt = group("sg-mgmt", "vpc-a", [tcp(22, cidr="10.2.0.0/16")])
    groups = [group("sg-a", "vpc-a"), mgmt, group("sg-b", "vpc-b", [], [tcp(22, cidr="10.1.0.0/16")])]
    folder = two_vpcs(tmp_path / "a", groups=groups, instances=instances)
    document = check(
        tmp_path, folder, assertions="assert isolate vpc-b -> subnet-a2 tcp 22\nassert isolate vpc-b -> i-a tcp 22\n"
    )
    assert [a["status"] for a in document["assertions"]] == ["refuted", "refuted"]


def test_an_interface_outside_the_instance_vpc_is_said(tmp_path):
    # An interface in a subnet that is not of the instance's VPC cannot be part of its VM: said, at it.
    instances = two_interfaces()
    instances[0]["NetworkInterfaces"][0]["SubnetId"] = "subnet-b"
    groups = [group("sg-a", "vpc-a"), group("sg-mgmt", "vpc-a"), group("sg-b", "vpc-b")]
    folder = two_vpcs(tmp_path / "a", groups=groups, instances=instances)
    document = check(tmp_path, folder)
    warning = next(d for d in document["diagnostics"] if d["code"] == "IMP001")
    assert "eni-mgmt" in warning["message"] and "not imported" in warning["message"]
    line = (folder / "describe-instances.json").read_text().splitlines()[warning["line"] - 1]
    assert '"eni-mgmt"' in line


def test_a_second_interface_like_the_primary_adds_its_addresses(tmp_path):
    # Same subnet, same groups: to the network, one interface with both addresses.
    both = [
        interface("eni-1", "subnet-a", "10.1.1.20", ["sg-a"], 0),
        interface("eni-2", "subnet-a", "10.1.1.21", ["sg-a"], 1),
    ]
    folder = two_vpcs(tmp_path / "a", instances=[instance("i-a", both)])
    text, warnings = imported(folder)
    assert "  vm i-a { subnet subnet-a  ip 10.1.1.20, 10.1.1.21  groups sg-a }" in text
    assert warnings == []


def test_a_stopped_instance_is_read_as_configured_and_said(tmp_path):
    # It keeps its address and groups; `reach` speaks of what the network lets through, and an
    # isolation must hold the moment it is started: it is modelled as when it runs.
    instances = [
        instance("i-a", [interface("eni-a", "subnet-a", "10.1.1.10", ["sg-a"], 0)], state="stopped"),
        instance("i-b", [interface("eni-b", "subnet-b", "10.2.1.10", ["sg-b"], 0, "vpc-b")], vpc_id="vpc-b"),
    ]
    folder = two_vpcs(tmp_path / "a", instances=instances)
    text, warnings = imported(folder)
    assert "  vm i-a { subnet subnet-a  ip 10.1.1.10  groups sg-a }" in text
    assert warnings == [
        "i-a: the instance is stopped: it keeps its subnet, addresses and security groups, and sends and receives "
        "nothing until it is started; modelled as when it runs, so verdicts about it say what the network lets "
        "through, not that it answers"
    ]
    document = check(
        tmp_path, folder, assertions="assert reach i-a -> i-b tcp 5432\nassert isolate vpc-a -> vpc-b tcp 22\n"
    )
    assert [a["status"] for a in document["assertions"]] == ["proved", "proved"]


@pytest.mark.parametrize("state", ["terminated", "shutting-down"])
def test_a_terminated_instance_is_said(tmp_path, state):
    gone = {"InstanceId": "i-gone", "State": {"Code": 48, "Name": state}, "NetworkInterfaces": [], "SecurityGroups": []}
    folder = two_vpcs(tmp_path / "a")
    reservations = json.loads((folder / "describe-instances.json").read_text())
    reservations["Reservations"][0]["Instances"].append(gone)
    (folder / "describe-instances.json").write_text(json.dumps(reservations, indent=4))
    text, warnings = imported(folder)
    assert "i-gone" not in text
    assert warnings == [f"i-gone: the instance is {state}; not imported"]


def test_what_belongs_to_no_vpc_of_the_input_is_said(tmp_path):
    # Regression: a subnet, table, group, ACL or instance of a VPC not described was dropped silently.
    folder = two_vpcs(tmp_path / "a")
    write(folder, "describe-vpcs.json", "Vpcs", [vpc("vpc-a", "10.1.0.0/16")])
    text, warnings = imported(folder)
    assert "vpc-b {" in text  # from the peering record: an outside net
    assert [w for w in warnings if not w.startswith("vpc-b")] == [
        "subnet-b: its VPC vpc-b is not in the input; not imported",
        "rtb-b: its VPC vpc-b is not in the input; not imported",
        "sg-b: its VPC vpc-b is not in the input; not imported",
        "i-b: its VPC vpc-b is not in the input; not imported",
    ]


def test_the_default_ipv6_deny_entry_is_the_default(tmp_path):
    # Entry 32768 is the IPv6 twin of 32767 ("*", deny): what no entry matches is denied anyway.
    folder = two_vpcs(tmp_path / "a")
    entries = [
        {"CidrBlock": "0.0.0.0/0", "Egress": False, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
        {"Ipv6CidrBlock": "::/0", "Egress": False, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 101},
        {"CidrBlock": "0.0.0.0/0", "Egress": False, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767},
        {"Ipv6CidrBlock": "::/0", "Egress": False, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32768},
    ]
    acl = {"Associations": [], "Entries": entries, "IsDefault": True, "NetworkAclId": "acl-a", "VpcId": "vpc-a"}
    write(folder, "describe-network-acls.json", "NetworkAcls", [acl])
    text, _ = imported(folder)
    body = re.search(r"network-acl acl-a \{\n(.*?)\n  \}", text, re.S)
    assert body and body.group(1).splitlines() == [
        "    inbound 100 allow all from 0.0.0.0/0",
        "    inbound 101 allow all from ::/0",
    ]


@pytest.mark.parametrize(
    ("icmp", "written"),
    [
        ({"Type": -1, "Code": -1}, "icmp"),  # -1: every type ("IcmpTypeCode", Amazon EC2 API Reference)
        ({"Type": 8, "Code": -1}, "icmp 8"),
        ({"Type": 0, "Code": 0}, "icmp 0/0"),
        (None, None),  # AWS always gives them: without, the entry is said, never read as every type
        ({"Code": -1}, None),
        ({"Type": 8}, None),
    ],
)
def test_an_icmp_entry_is_read_by_its_type_and_code(tmp_path, icmp, written):
    folder = two_vpcs(tmp_path / "a")
    entry = {"CidrBlock": "10.0.0.0/8", "Egress": False, "Protocol": "1", "RuleAction": "deny", "RuleNumber": 90}
    if icmp is not None:
        entry["IcmpTypeCode"] = icmp
    acl = {"Associations": [], "Entries": [entry], "IsDefault": False, "NetworkAclId": "acl-a", "VpcId": "vpc-a"}
    write(folder, "describe-network-acls.json", "NetworkAcls", [acl])
    text, warnings = imported(folder)
    body = re.search(r"network-acl acl-a \{\n(.*?)  \}", text, re.S)
    assert body is not None
    if written is None:
        assert body.group(1) == ""
        assert warnings == ["acl-a: entry 90 is not understood; not imported"]
    else:
        assert body.group(1).splitlines() == [f"    inbound 90 deny {written} from 10.0.0.0/8"]


def test_findings_point_at_the_account_that_describes_the_object(tmp_path):
    # Two accounts' groups files: account B's rule names account A's group before A's file
    # describes it; the group's lines come from A's file.
    a, b = tmp_path / "a", tmp_path / "b"
    two_vpcs(a, groups=[group("sg-a", "vpc-a")])
    write(b, "describe-security-groups.json", "SecurityGroups", [group("sg-b", "vpc-b", [tcp(5432, group_id="sg-a")])])
    result = aws_cli.load([b / "describe-security-groups.json", *sorted(a.glob("*.json"))], "dump.peer")
    built = next(g for net in result.declarations if net.name == "vpc-a" for g in net.security_groups)
    assert built.name == "sg-a" and Path(built.span.file) == a / "describe-security-groups.json"

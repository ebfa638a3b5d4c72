"""Alibaba Cloud CLI (`aliyun`) responses: detection by content, each response's shape, the paging
members around the lists, peering states, basic and enterprise groups, routes and their next hops,
and `why` on the imported estate.

Most tests copy the two-account estate of fixtures/imports/alibaba-api-two-accounts (responses as
`aliyun` prints them: keys sorted, tab-indented) and change the one response they are about; its
findings and verdicts, and those of alibaba-api-overlap, are checked by test_import_estates.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import pytest
from conftest import FIXTURES, run_cli

from verifier import importers
from verifier.importers import alibaba_api

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
ESTATE = FIXTURES / "imports" / "alibaba-api-two-accounts"
ORDERS, BILLING, ANALYTICS = "vpc-bp1qpo0kug3a20qqe76ux", "vpc-bp18sth14qii3pnvodkvt", "vpc-uf6d8pnhb2yxr9wtxkz4v"
I_ORDERS, I_BILLING = "i-bp1g6zv0ce8oghu7kwxm", "i-bp1a5hbvgmn1h2c73zd4"
SG_ORDERS, SG_BILLING = "sg-bp1fg655nh68xyz9i2bp", "sg-bp1b2ymv0nwn9iupjx2e"
PCC_BILLING, PCC_ANALYTICS = "pcc-lnk0m24khwvtkmx7ca2", "pcc-90n0mi5h4aaa6ocfqs9d2"
ORDERS_APP_RT = "vtb-bp1krxvkz7bmkcl6lu8ga"


def printed(document: dict) -> str:
    """A response as the CLI prints it: decoded and encoded again (keys sorted), tab-indented."""
    return json.dumps(document, indent="\t", sort_keys=True) + "\n"


def responses(estate: Path, tmp_path: Path) -> Path:
    """A copy of the responses of a fixture estate (its JSON files but `expect.json`)."""
    folder = tmp_path / "dump"
    folder.mkdir()
    for file in estate.glob("*.json"):
        if file.name != "expect.json":
            shutil.copy(file, folder / file.name)
    return folder


@pytest.fixture
def dump(tmp_path) -> Path:
    """A copy of the two-account estate's responses."""
    return responses(ESTATE, tmp_path)


def edit(folder: Path, name: str, change: Callable[[dict], object]) -> None:
    document = json.loads((folder / name).read_text())
    change(document)
    (folder / name).write_text(printed(document))


def imported(*paths: Path) -> tuple[str, list[str]]:
    """The peer text of the responses under `paths`, and what the import said (IMP001 messages)."""
    [result] = importers.load(list(paths))
    return result.text, [w.message for w in result.warnings]


def said(messages: list[str], *words: str) -> list[str]:
    return [m for m in messages if all(w in m for w in words)]


def check(*paths: Path) -> dict:
    run = run_cli("check", *NOW, "--format", "json", *map(str, paths))
    assert run.code in (0, 1), run.err
    return json.loads(run.out)


# --- detection ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in ESTATE.glob("*.json") if p.name != "expect.json"))
def test_every_response_of_the_estate_is_known_by_its_content(name, tmp_path):
    renamed = tmp_path / "no-suffix"  # whatever the file is called
    shutil.copy(ESTATE / name, renamed)
    assert importers._kind(renamed) == "alibaba-api"


@pytest.mark.parametrize(
    "document, kind",
    [
        ({"Vpcs": {"Vpc": []}}, "alibaba-api"),  # `aliyun vpc DescribeVpcs --pager`: no RequestId
        ({"RequestId": "C6532AA8", "Instances": {"Instance": []}}, "alibaba-api"),
        ({"InnerAccessPolicy": "Accept", "Permissions": {"Permission": []}}, "alibaba-api"),
        ({"VpcPeerConnects": []}, "alibaba-api"),
        ({"Vpcs": [{"VpcId": "vpc-0a1b2c3d", "CidrBlock": "10.0.0.0/16"}]}, "aws-cli"),  # the AWS CLI's list
        ({"SecurityGroups": []}, "aws-cli"),
        ({"Instances": [{"InstanceId": "i-0a1b"}], "ReservationId": "r-1"}, None),  # aws ec2 run-instances
    ],
)
def test_keys_shared_with_other_dumps_are_told_apart(document, kind, tmp_path):
    file = tmp_path / "response.json"
    file.write_text(printed(document))
    assert importers._kind(file) == kind


def test_a_response_whose_list_outruns_the_detection_head_is_still_known(tmp_path):
    # Keys are sorted: `Instances` comes first, before `RequestId`, which may lie past the head.
    document = json.loads((ESTATE / "network-describe-instances.json").read_text())
    document["Instances"]["Instance"] *= 60
    file = tmp_path / "instances.json"
    file.write_text(printed(document))
    assert file.stat().st_size > importers.HEAD_BYTES
    assert alibaba_api.detect_file(file)


def test_a_response_not_read_is_said_not_dropped(tmp_path):
    # DescribeRouteTables (deprecated for DescribeRouteTableList): known as Alibaba's, and said.
    file = tmp_path / "describe-route-tables.json"
    file.write_text(printed({"RequestId": "1", "RouteTables": {"RouteTable": [{"RouteTableId": "vtb-1"}]}}))
    text, messages = imported(file)
    assert "provider alibaba" in text
    assert said(messages, "top-level key 'RouteTables' is not understood")


# --- shapes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, change, message",
    [
        (
            "network-describe-vpcs-1.json",
            lambda d: d["Vpcs"]["Vpc"][0].pop("VpcId"),
            'Vpcs.Vpc[0]: missing "VpcId", which is required',
        ),
        (
            "network-describe-vswitches.json",
            lambda d: d["VSwitches"].update(VSwitch={"VSwitchId": "vsw-1"}),
            "VSwitches.VSwitch: expected a list, found an object",
        ),
        (
            "network-describe-security-group-attribute-orders.json",
            lambda d: d["Permissions"]["Permission"][0].update(Priority=[1]),
            "Permissions.Permission[0].Priority: expected a string or a number, found a list",
        ),
        (
            "network-list-vpc-peer-connections.json",
            lambda d: d["VpcPeerConnects"][0]["AcceptingVpc"].update(Ipv4Cidrs="10.20.0.0/16"),
            "VpcPeerConnects[0].AcceptingVpc.Ipv4Cidrs: expected a list, found a string",
        ),
        (
            "network-describe-route-entry-list-billing.json",
            lambda d: d["RouteEntrys"]["RouteEntry"][2]["NextHops"].update(NextHop=[{"NextHopId": 7}]),
            "RouteEntrys.RouteEntry[2].NextHops.NextHop[0].NextHopId: expected a string, found a number",
        ),
    ],
)
def test_a_response_of_the_wrong_shape_is_a_located_parse002(dump, name, change, message):
    edit(dump, name, change)
    run = run_cli("import", str(dump))
    assert run.code == 2
    line = next(line for line in run.err.splitlines() if message in line)
    assert line.startswith(f"{dump / name}:") and "error PARSE002" in line


# --- paging ---------------------------------------------------------------------------------------
def test_a_missing_numbered_page_is_said(dump):
    (dump / "network-describe-vpcs-2.json").unlink()  # page 2 of 2 of DescribeVpcs
    text, messages = imported(dump)
    assert "vsw-bp1s5fnvk4gn2tws03624" not in text  # billing's vSwitch: its VPC was on page 2
    [message] = said(messages, "aliyun vpc DescribeVpcs")
    assert "lists 2 objects, 1 a page: page(s) 2 not in the input" in message


def test_a_missing_token_page_is_said(dump):
    (dump / "network-describe-route-entry-list-orders-app-2.json").unlink()  # its NextToken names it
    _, messages = imported(dump)
    [message] = said(messages, "NextToken")
    assert f"aliyun vpc DescribeRouteEntryList` of {ORDERS_APP_RT} says a further page follows" in message


def test_complete_listings_and_pager_outputs_say_nothing_of_pages(dump):
    _, messages = imported(dump)  # two numbered pages, two token pages, a --pager output, string counts
    assert not said(messages, "page")


def test_one_object_listed_twice_is_one_object(dump):
    shutil.copy(dump / "network-describe-vpcs-1.json", dump / "network-describe-vpcs-again.json")
    text, messages = imported(dump)
    assert text.count(f"net {ORDERS} {{") == 1 and not said(messages, "described twice")
    edit(dump, "network-describe-vpcs-again.json", lambda d: d["Vpcs"]["Vpc"][0].update(CidrBlock="10.99.0.0/16"))
    text, messages = imported(dump)
    assert "10.99.0.0/16" not in text and said(messages, ORDERS, "described twice, differently")


# --- peering states -------------------------------------------------------------------------------
def _peering_line(text: str, ident: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"peering {ident} "))


@pytest.mark.parametrize(
    "status, state",
    [
        ("Creating", "initiating"),
        ("Accepting", "pending-acceptance"),
        ("Updating", "updating"),
        ("Activated", "active"),
        ("Rejected", "rejected"),
        ("Expired", "expired"),
        ("Deleting", "deleting"),
        ("Deleted", "deleted"),
    ],
)
def test_alibaba_states_are_read_through_canonical_state(dump, status, state):
    for name in ("network-list-vpc-peer-connections.json", "partner-list-vpc-peer-connections.json"):
        edit(dump, name, lambda d: [p.update(Status=status) for p in d["VpcPeerConnects"]])
    text, messages = imported(dump)
    assert f"state {state}" in _peering_line(text, PCC_ANALYTICS)
    assert ("created" in _peering_line(text, PCC_ANALYTICS)) == (state == "pending-acceptance")
    assert not said(messages, PCC_ANALYTICS)


def test_a_pending_request_expires_when_alibaba_says(dump):
    # GmtExpired 2026-11-26T03:15:42Z: created is 7 days before, so the language's expiry is Alibaba's.
    text, _ = imported(dump)
    assert _peering_line(text, PCC_ANALYTICS).endswith("created 2026-11-19T03:15:42Z }")
    late = run_cli("check", "--isolated", "--now", "2026-11-25T12:00:00Z", "--format", "json", str(dump))
    [warning] = [d for d in json.loads(late.out)["diagnostics"] if d["code"] == "PEER006"]
    assert "expires at 2026-11-26T03:15:42Z" in warning["message"]


def test_views_that_differ_take_the_one_further_along(dump):
    edit(dump, "partner-list-vpc-peer-connections.json", lambda d: d["VpcPeerConnects"][0].update(Status="Updating"))
    text, messages = imported(dump)
    assert "state updating" in _peering_line(text, PCC_ANALYTICS)
    assert said(messages, PCC_ANALYTICS, "pending-acceptance and updating; read as updating")


@pytest.mark.parametrize(
    "change, words",
    [
        ({"Status": "Provisioning-ish"}, "status 'Provisioning-ish' is not understood: read as updating"),
        ({"Status": None}, "its record gives no status: read as updating"),
        ({"BizStatus": "FinancialLocked"}, "FinancialLocked"),
    ],
)
def test_a_state_not_pinned_down_is_transitional_never_active(dump, change, words):
    edit(dump, "network-list-vpc-peer-connections.json", lambda d: d["VpcPeerConnects"][0].update(change))
    text, messages = imported(dump)
    assert "state updating" in _peering_line(text, PCC_BILLING)
    assert said(messages, PCC_BILLING, words)


def test_a_peering_being_updated_makes_a_verdict_unknown(dump, tmp_path):
    edit(dump, "network-list-vpc-peer-connections.json", lambda d: d["VpcPeerConnects"][0].update(Status="Updating"))
    model = tmp_path / "assertions.peer"
    model.write_text(f"assert reach {I_ORDERS} -> {I_BILLING} tcp 5432\n")
    document = check(dump, model)
    assert [a["status"] for a in document["assertions"]] == ["unknown"]


def test_a_peer_vpc_outside_the_input_is_an_outside_net(dump):
    for name in dump.glob("partner-*.json"):
        name.unlink()  # the partner account's responses are not given
    text, messages = imported(dump)
    assert f"net {ANALYTICS} {{\n  account 2345678901234567\n  region cn-shanghai\n  cidr 10.30.0.0/16\n}}" in text
    assert said(messages, ANALYTICS, f"a VPC of peering {PCC_ANALYTICS} that is not in the input")


# --- security groups ------------------------------------------------------------------------------
def _group(text: str, ident: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(f"  security-group {ident} {{")
    return [line.strip() for line in lines[start + 1 : lines.index("  }", start)]]


def test_basic_and_enterprise_groups(dump):
    text, _ = imported(dump)
    assert _group(text, SG_ORDERS)[:2] == ["type basic", "inner-access accept"]
    # an enterprise group has no inner-access (its InnerAccessPolicy, Drop, is not a setting of it)
    assert _group(text, SG_BILLING) == [
        "type enterprise",
        "inbound allow priority 1 tcp 5432 from 10.10.1.0/24",
        "outbound allow priority 1 all to 10.10.0.0/16",
    ]
    assert "inner-access drop" in _group(text, "sg-uf6bxfg7yq4z0h9kqmw2")


def test_inner_access_decides_between_members_of_a_basic_group(dump, tmp_path):
    def second(d: dict) -> None:
        twin = json.loads(json.dumps(d["Instances"]["Instance"][0]))
        twin["InstanceId"], twin["VpcAttributes"]["PrivateIpAddress"]["IpAddress"] = (
            "i-bp1twin0000000000000",
            ["10.10.1.11"],
        )
        twin["NetworkInterfaces"]["NetworkInterface"][0].update(
            NetworkInterfaceId="eni-bp1twin00", PrimaryIpAddress="10.10.1.11"
        )
        d["Instances"]["Instance"].append(twin)

    edit(dump, "network-describe-instances.json", second)
    model = tmp_path / "assertions.peer"
    model.write_text(f"assert reach i-bp1twin0000000000000 -> {I_ORDERS} tcp 8080\n")
    assert [a["status"] for a in check(dump, model)["assertions"]] == ["proved"]
    edit(dump, "network-describe-security-group-attribute-orders.json", lambda d: d.update(InnerAccessPolicy="Drop"))
    assert [a["status"] for a in check(dump, model)["assertions"]] == ["refuted"]


def test_a_group_known_by_one_response_only_is_said(dump):
    (dump / "network-describe-security-groups.json").unlink()  # types unknown
    (dump / "network-describe-security-group-attribute-billing.json").unlink()  # and billing's rules
    text, messages = imported(dump)
    assert _group(text, SG_ORDERS)[0] == "type basic"
    assert said(messages, SG_ORDERS, "its type is not in the input")
    assert not any(f"security-group {SG_BILLING}" in line for line in text.splitlines())  # known by no response
    assert said(messages, I_BILLING, f"its security group {SG_BILLING} is not in the input")


def test_an_instance_in_a_group_not_in_the_input_leaves_its_vpc_s_verdicts_open(dump, tmp_path):
    # Its rules may allow or deny (priorities, deny rules): a verdict on its VPC's traffic is unknown,
    # never proved on the groups that are known; the rest of the estate is checked (it was NAME001,
    # and nothing was).
    (dump / "network-describe-security-groups.json").unlink()
    (dump / "network-describe-security-group-attribute-billing.json").unlink()
    model = tmp_path / "assertions.peer"
    model.write_text(f"assert isolate {I_BILLING} -> {I_ORDERS}\n")
    document = check(dump, model)
    assert not {"NAME001", "CHECK001"} & {d["code"] for d in document["diagnostics"]}
    assert [a["status"] for a in document["assertions"]] == ["unknown"]
    (reason,) = [d["message"] for d in document["diagnostics"] if d["code"] == "REACH005"]
    assert f"its security group {SG_BILLING} is not in the input" in reason


def _rule(**fields) -> dict:
    rule = {"Direction": "ingress", "Policy": "Accept", "Priority": "1", "IpProtocol": "TCP", "PortRange": "80/80"}
    return {"SecurityGroupRuleId": "sgr-bp1test0000000000", "NicType": "intranet", **rule, **fields}


@pytest.mark.parametrize(
    "fields, line",
    [
        ({"SourceCidrIp": "10.20.0.0/16"}, "inbound allow priority 1 tcp 80 from 10.20.0.0/16"),
        (
            {"Ipv6SourceCidrIp": "2408:4002::/48", "PortRange": "1/65535"},
            "inbound allow priority 1 tcp from 2408:4002::/48",
        ),
        (
            {
                "Direction": "egress",
                "Policy": "Drop",
                "Priority": 100,
                "IpProtocol": "UDP",
                "PortRange": "53/54",
                "DestCidrIp": "0.0.0.0/0",
            },
            "outbound deny priority 100 udp 53-54 to 0.0.0.0/0",
        ),
        (
            {"IpProtocol": "ICMP", "PortRange": "-1/-1", "SourceCidrIp": "10.0.0.0/8"},
            "inbound allow priority 1 icmp from 10.0.0.0/8",
        ),
        (
            {"IpProtocol": "GRE", "PortRange": "-1/-1", "SourceCidrIp": "10.0.0.0/8"},
            "inbound allow priority 1 47 from 10.0.0.0/8",
        ),
        (
            {"IpProtocol": "ICMPv6", "PortRange": "-1/-1", "Ipv6SourceCidrIp": "::/0"},
            "inbound allow priority 1 icmpv6 from ::/0",
        ),
        (
            {"IpProtocol": "ALL", "PortRange": "-1/-1", "SourceGroupId": SG_ORDERS},
            f"inbound allow priority 1 all from group {SG_ORDERS}",
        ),
    ],
)
def test_permissions_become_rules(dump, fields, line):
    edit(
        dump,
        "network-describe-security-group-attribute-orders.json",
        lambda d: d["Permissions"].update(Permission=[_rule(**fields)]),
    )
    text, messages = imported(dump)
    assert _group(text, SG_ORDERS)[2:] == [line]
    assert not said(messages, SG_ORDERS)


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"SourceCidrIp": "10.0.0.0/8", "Priority": "101"}, "is not understood"),
        ({"SourceCidrIp": "10.0.0.0/8", "IpProtocol": "SCTP"}, "is not understood"),
        ({"SourceCidrIp": "10.0.0.0/8", "PortRange": "90/80"}, "is not understood"),
        # ICMP, GRE and all-protocol rules take -1/-1 alone (every ICMP type): any other range is said
        ({"SourceCidrIp": "10.0.0.0/8", "IpProtocol": "ICMP", "PortRange": "8/0"}, "is not understood"),
        ({"SourceCidrIp": "10.0.0.0/8", "IpProtocol": "ALL", "PortRange": "22/22"}, "is not understood"),
        ({"SourceCidrIp": "10.0.0.0/8", "NicType": "internet"}, "classic-network instance"),
        ({"SourceCidrIp": "10.0.0.0/8", "SourcePortRange": "22/22"}, "matches source ports 22/22"),
        ({"SourceCidrIp": "10.0.0.0/8", "PortRangeListId": "prl-2ze9743"}, "port list prl-2ze9743"),
        ({"SourcePrefixListId": "pl-x1j1k5ykzqlixabc"}, "prefix list pl-x1j1k5ykzqlixabc"),
        # every peer member empty, as the CLI prints the ones a rule does not set: said, not dropped
        ({"SourceCidrIp": "", "Ipv6SourceCidrIp": "", "SourceGroupId": ""}, "names no source; not imported"),
        (
            {"SourceGroupId": "sg-bp1elsewhere0000000"},
            "names security group sg-bp1elsewhere0000000, which is not in the input",
        ),
    ],
)
def test_permissions_the_language_cannot_hold_are_said(dump, fields, words):
    edit(
        dump,
        "network-describe-security-group-attribute-orders.json",
        lambda d: d["Permissions"].update(Permission=[_rule(**fields)]),
    )
    text, messages = imported(dump)
    assert _group(text, SG_ORDERS)[2:] == []
    assert said(messages, SG_ORDERS, words)


# --- routes, tables, ACLs, instances --------------------------------------------------------------
def _hop(entry: dict, kind: str, ident: str) -> None:
    entry["NextHops"]["NextHop"] = [{"NextHopId": ident, "NextHopType": kind}]


@pytest.mark.parametrize(
    "kind, ident, gateway",
    [
        ("NatGateway", "ngw-bp1test", "gateway ngw-bp1test { kind nat }"),
        ("Ipv4Gateway", "ipv4gw-bp1test", "gateway ipv4gw-bp1test { kind internet }"),
        ("IPv6Gateway", "ipv6gw-bp1test", "gateway ipv6gw-bp1test { kind internet }"),
        ("VpnGateway", "vpn-bp1test", "gateway vpn-bp1test { kind vpn }"),
        ("Attachment", "tr-attach-test", "gateway tr-attach-test { kind transit }"),
        ("GatewayEndpoint", "vpce-bp1test", "gateway vpce-bp1test { kind endpoint }"),
        ("HaVip", "havip-bp1test", "gateway havip-bp1test { kind other }"),
        ("Instance", I_ORDERS, f"gateway {I_ORDERS}-next-hop {{ kind other }}"),  # not the vm of that name
    ],
)
def test_next_hops_are_gateways_of_their_kind(dump, kind, ident, gateway):
    edit(
        dump,
        "network-describe-route-entry-list-orders-app-2.json",
        lambda d: _hop(d["RouteEntrys"]["RouteEntry"][1], kind, ident),
    )
    text, _ = imported(dump)
    assert f"  {gateway}" in text.splitlines()
    assert f"route 0.0.0.0/0 via gateway {gateway.split()[1]}" in text


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda e: e.update(DestinationCidrBlock="pl-2ze0aaaabbbbcccc"), "prefix lists are not modelled"),
        (lambda e: e["NextHops"].update(NextHop=[]), "names no next hop"),
        (lambda e: e.update(Status="Pending"), "is Pending: modelled as in effect"),
        (lambda e: e["NextHops"]["NextHop"].append({"NextHopId": "ri-2", "NextHopType": "RouterInterface"}), "ECMP"),
        (lambda e: e.update(Type="System", DestinationCidrBlock="10.10.9.0/24"), "of a vSwitch not in the input"),
        (lambda e: e.update(RouteTableId="vtb-bp1gone"), "route table vtb-bp1gone is not in the input"),
        (
            lambda e: e["NextHops"]["NextHop"][0].update(NextHopId="pcc-gone", NextHopType="VpcPeer"),
            "over peering pcc-gone, which is not imported",
        ),
    ],
)
def test_routes_not_modelled_as_written_are_said(dump, change, words):
    edit(
        dump, "network-describe-route-entry-list-orders-app-2.json", lambda d: change(d["RouteEntrys"]["RouteEntry"][1])
    )
    _, messages = imported(dump)
    assert said(messages, words)


def test_a_gateway_route_table_and_a_table_without_entries_are_said(dump):
    edit(
        dump,
        "network-describe-route-table-list.json",
        lambda d: d["RouterTableList"]["RouterTableListType"][0].update(AssociateType="Gateway"),
    )
    (dump / "network-describe-route-entry-list-orders-system.json").unlink()
    text, messages = imported(dump)
    assert said(messages, "vtb-bp1b6mgv0ww1k9ubnlx31", "a gateway route table")
    assert said(messages, "vtb-bp1fzwlbmikc3zqm3glco", "no DescribeRouteEntryList response lists its routes")
    assert "route-table vtb-bp1b6mgv0ww1k9ubnlx31" not in text


def test_a_vswitch_names_its_table_when_the_table_list_is_not_given(dump):
    (dump / "network-describe-route-table-list.json").unlink()
    text, messages = imported(dump)
    assert f"route-table {ORDERS_APP_RT} }}" in text  # the custom table, from vsw-bp1nhbnpv2jqiyde3ztvp
    assert "  route-table vtb-bp1b6mgv0ww1k9ubnlx31 {\n    main\n" in text  # billing's system table
    assert said(messages, "vtb-bp1fzwlbmikc3zqm3glco", "not in the input")  # orders' system table: its entries


def test_acl_entries_are_numbered_in_their_order_and_associations_are_read(dump):
    text, _ = imported(dump)
    assert "network-acl nacl-bp1lhl0taikrteen8ox4b }" in text  # on billing-db's subnet line
    acl = text[text.index("network-acl nacl-bp1lhl0taikrteen8ox4b {") :]
    assert acl.index("inbound 1 allow tcp 5432") < acl.index("inbound 4 deny all from 0.0.0.0/0")


def test_instances_read_as_the_language_holds_them(dump):
    def change(d: dict) -> None:
        first = d["Instances"]["Instance"][0]
        first["Status"] = "Stopped"
        first["NetworkInterfaces"]["NetworkInterface"].append(
            {"NetworkInterfaceId": "eni-bp1second000", "PrimaryIpAddress": "10.10.1.99", "Type": "Secondary"}
        )

    edit(dump, "network-describe-instances.json", change)
    text, messages = imported(dump)
    assert f"vm {I_ORDERS} {{ subnet vsw-bp1nhbnpv2jqiyde3ztvp  ip 10.10.1.10  groups {SG_ORDERS} }}" in text
    assert said(messages, I_ORDERS, "is Stopped")
    # not described by DescribeNetworkInterfaces: its vSwitch and groups are unknown, so it is said
    assert said(messages, I_ORDERS, "secondary network interface eni-bp1second000 is not described", "not imported")


# --- why ------------------------------------------------------------------------------------------
def test_why_answers_on_the_imported_estate_and_points_into_the_responses():
    files = [str(p) for p in sorted(ESTATE.glob("*.json")) if p.name != "expect.json"]
    run = run_cli("why", *NOW, I_ORDERS, I_BILLING, "--port", "22", *files, "--format", "json")
    answer = json.loads(run.out)
    assert answer["verdict"] == "unreachable"
    [blocking] = answer["blocking"]
    assert blocking["code"] == "SG_INGRESS_DENIED"
    assert Path(blocking["file"]).name == "network-describe-security-groups.json"  # the enterprise group
    text = run_cli("why", *NOW, I_ORDERS, I_BILLING, "--port", "5432", *files)
    assert text.code == 0 and text.out.startswith("reachable")
    assert "network-describe-route-entry-list-orders-app-1.json" in text.out  # the route, where it is written


def test_a_group_known_by_its_own_response_points_at_its_id_not_at_a_rule_naming_it(dump):
    # Regression: keys are sorted, so a rule naming the group (under `Permissions`) comes before the
    # response's own `SecurityGroupId`; the group's lines point at the latter.
    edit(dump, "partner-describe-security-groups.json", lambda d: d["SecurityGroups"].update(SecurityGroup=[]))
    [result] = importers.load([dump])
    [warning] = [w for w in result.warnings if "sg-uf6bxfg7yq4z0h9kqmw2: its type is not in the input" in w.message]
    text = (dump / "partner-describe-security-group-attribute-analytics.json").read_text()
    assert text.splitlines()[warning.span.line - 1] == '\t"SecurityGroupId": "sg-uf6bxfg7yq4z0h9kqmw2",'


def test_a_huge_total_count_is_said_without_counting_every_page(dump):
    # Regression: the missing pages were listed one by one, however many TotalCount made.
    edit(dump, "network-describe-vpcs-1.json", lambda d: d.update(TotalCount=10**12))
    _, messages = imported(dump)
    assert said(messages, "lists 1000000000000 objects, 1 a page: page(s) 2, 3, 4, 5, 6, ... not in the input")

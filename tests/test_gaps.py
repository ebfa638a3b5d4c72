"""What an import leaves out decides no verdict: a proof or refutation it could overturn is unknown.

A raw Terraform state of two peered VPCs, complete, then with one value masked as the Outscale
provider's test states mask them ("########", read as IMP002: left out of the model). Each masked
value leaves a `Gap`: a security group rule of AWS only allows (it can overturn an isolation proved
or a reach refuted, nothing else), a route or an ACL entry can overturn any verdict, a VM left out
matters where an endpoint is a net, a subnet or an address (it may hold a VM that is not modelled).
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES, run_cli
from test_import_terraform import entry

MASK = "########"

ASSERTIONS = """\
assert reach   "aws_instance.a" -> "aws_instance.b" tcp 5432
assert isolate "aws_instance.a" -> "aws_instance.b" tcp 22
assert isolate "aws_vpc.a" -> "aws_vpc.b" tcp 5432
assert isolate "aws_vpc.a" -> "aws_vpc.b" tcp 22
"""


def _rule(port: int, cidr: str) -> dict:
    return {
        "cidr_blocks": [cidr],
        "description": "",
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": "tcp",
        "security_groups": [],
        "self": False,
        "to_port": port,
    }


def _state(mask: str | None = None) -> dict:
    """Two VPCs peered, each routing to the other over the peering; b's group lets 5432 in from a.
    `mask`: which value is masked ("sg": a second ingress rule's blocks, "routes": both routes'
    peering, "vm": a second VM of b's address)."""
    everything = {**_rule(0, "0.0.0.0/0"), "protocol": "-1"}
    b_ingress = [_rule(5432, "10.1.0.0/16")]
    if mask == "sg":
        b_ingress.append({**_rule(22, "10.1.0.0/16"), "cidr_blocks": [MASK]})
    resources = []
    for side, other, octet in (("a", "b", 1), ("b", "a", 2)):
        resources += [
            entry("aws_vpc", side, {"id": f"vpc-{side}", "cidr_block": f"10.{octet}.0.0/16", "owner_id": "1"}),
            entry(
                "aws_subnet",
                side,
                {"id": f"subnet-{side}", "cidr_block": f"10.{octet}.1.0/24", "vpc_id": f"vpc-{side}"},
            ),
            entry("aws_route_table", side, {"id": f"rtb-{side}", "route": [], "vpc_id": f"vpc-{side}"}),
            entry(
                "aws_route",
                side,
                {
                    "id": f"r-{side}",
                    "route_table_id": f"rtb-{side}",
                    "destination_cidr_block": f"10.{3 - octet}.0.0/16",
                    "vpc_peering_connection_id": MASK if mask == "routes" else "pcx-ab",
                },
            ),
            entry(
                "aws_route_table_association",
                side,
                {"id": f"rtbassoc-{side}", "route_table_id": f"rtb-{side}", "subnet_id": f"subnet-{side}"},
            ),
            entry(
                "aws_security_group",
                side,
                {
                    "id": f"sg-{side}",
                    "name": side,
                    "vpc_id": f"vpc-{side}",
                    "egress": [everything],
                    "ingress": b_ingress if side == "b" else [],
                },
            ),
            entry(
                "aws_instance",
                side,
                {
                    "id": f"i-{side}",
                    "private_ip": f"10.{octet}.1.10",
                    "subnet_id": f"subnet-{side}",
                    "vpc_security_group_ids": [f"sg-{side}"],
                },
            ),
        ]
    if mask == "vm":
        resources.append(
            entry(
                "aws_instance",
                "b2",
                {"id": "i-b2", "private_ip": MASK, "subnet_id": "subnet-b", "vpc_security_group_ids": ["sg-b"]},
            )
        )
    resources.append(
        entry(
            "aws_vpc_peering_connection",
            "ab",
            {"id": "pcx-ab", "accept_status": "active", "vpc_id": "vpc-a", "peer_vpc_id": "vpc-b"},
        )
    )
    return {
        "version": 4,
        "terraform_version": "1.9.5",
        "serial": 1,
        "lineage": "x",
        "outputs": {},
        "resources": resources,
    }


def _check(tmp_path, mask: str | None) -> tuple[list[str], dict[str, int], dict]:
    return _check_state(tmp_path, _state(mask))


def _check_state(tmp_path, state: dict) -> tuple[list[str], dict[str, int], dict]:
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
    (tmp_path / "assertions.peer").write_text(ASSERTIONS)
    run = run_cli("check", "--isolated", "--format", "json", str(tmp_path))
    assert run.code in (0, 1), run.err
    document = json.loads(run.out)
    codes: dict[str, int] = {}
    for finding in document["diagnostics"]:
        codes[finding["code"]] = codes.get(finding["code"], 0) + 1
    return [a["status"] for a in document["assertions"]], codes, document


def test_the_complete_state_decides_every_assertion(tmp_path):
    statuses, codes, _ = _check(tmp_path, None)
    assert statuses == ["proved", "proved", "refuted", "proved"]
    assert "IMP002" not in codes and "REACH005" not in codes


def test_a_masked_allow_rule_leaves_isolations_proved_unknown_and_the_rest_decided(tmp_path):
    statuses, codes, document = _check(tmp_path, "sg")
    # The reach and the refuted isolation stand (an allow rule more cannot undo them); the proved
    # isolations could be undone by the rule left out.
    assert statuses == ["proved", "unknown", "refuted", "unknown"]
    assert codes["IMP002"] == 1 and codes["REACH005"] == 2
    unknown = [d for d in document["diagnostics"] if d["code"] == "REACH005"]
    assert all(
        "aws_security_group.b: ingress[1].cidr_blocks[0] is masked in the input" in d["message"] for d in unknown
    )
    assert all("what it left out" in d["help"] for d in unknown)


def test_masked_routes_leave_every_verdict_between_the_nets_unknown_and_no_unused_peering(tmp_path):
    statuses, codes, _ = _check(tmp_path, "routes")
    assert statuses == ["unknown"] * 4
    assert "ROUTE008" not in codes  # the routes left out may be the ones through the peering


def test_a_vm_left_out_matters_only_where_an_endpoint_is_a_net(tmp_path):
    statuses, codes, _ = _check(tmp_path, "vm")
    # VM to VM: the VM left out is neither. Net to net: it may be one more of b's VMs, which a proof
    # must cover; a packet delivered to a VM that is modelled refutes the isolation all the same.
    assert statuses == ["proved", "proved", "refuted", "unknown"]
    assert codes["REACH005"] == 1


@pytest.mark.parametrize("mask", ["sg", "routes", "vm"])
def test_why_says_unknown_where_the_check_does(tmp_path, mask):
    statuses, _, _ = _check(tmp_path, mask)
    run = run_cli("why", "--isolated", "aws_instance.a", "aws_instance.b", str(tmp_path), "--format", "json")
    assert run.code in (0, 1), run.err
    answer = json.loads(run.out)
    assert answer["verdict"] == ("unknown" if mask == "routes" else "reachable")


def test_the_printed_import_keeps_what_was_left_out(tmp_path):
    """`import -o` writes an `unmodelled` declaration for each part left out: the printed estate,
    checked alone, gives the import's verdicts (it proves nothing the import could not)."""
    imported_dir, printed_dir = tmp_path / "imported", tmp_path / "printed"
    imported_dir.mkdir(), printed_dir.mkdir()
    expected, _, _ = _check(imported_dir, "sg")
    run = run_cli("import", str(imported_dir / "terraform.tfstate"), "-o", str(printed_dir / "estate.peer"))
    assert run.code == 0, run.err
    text = (printed_dir / "estate.peer").read_text()
    assert 'unmodelled "aws_security_group.b: ingress[1].cidr_blocks[0] is masked' in text and "effect allows" in text
    (printed_dir / "assertions.peer").write_text(ASSERTIONS)
    run = run_cli("check", "--isolated", "--format", "json", str(printed_dir))
    assert [a["status"] for a in json.loads(run.out)["assertions"]] == expected


def test_a_hand_written_unmodelled_part_makes_what_it_touches_unknown(tmp_path):
    (tmp_path / "m.peer").write_text(
        "net a { cidr 10.1.0.0/16  subnet sa { cidr 10.1.1.0/24 }  security-group ga { outbound all to any }\n"
        "  vm va { subnet sa  ip 10.1.1.10  groups ga } }\n"
        "net b { cidr 10.2.0.0/16  subnet sb { cidr 10.2.1.0/24 }  security-group gb { }\n"
        "  vm vb { subnet sb  ip 10.2.1.10  groups gb } }\n"
        "net c { cidr 10.3.0.0/16 }\n"
        'unmodelled "an ingress rule of gb, not written yet" { nets b  effect allows }\n'
        'unmodelled "a vm of c" { nets c  effect vm }\n'
        "assert isolate va -> vb tcp 22\n"
        "assert isolate va -> c\n"
    )
    run = run_cli("check", "--isolated", "--format", "json", str(tmp_path / "m.peer"))
    document = json.loads(run.out)
    assert [a["status"] for a in document["assertions"]] == ["unknown", "unknown"]
    messages = [d["message"] for d in document["diagnostics"] if d["code"] == "REACH005"]
    assert messages[0].endswith("the import left out what it may rest on: an ingress rule of gb, not written yet")


def test_a_network_interface_type_not_read_leaves_every_verdict_open(tmp_path):
    """A network interface of a type the mapping does not read (the alicloud provider's ENIs) may be a
    second interface of a modelled VM, or answer in a modelled subnet: nothing proved rests on its
    absence."""
    estate = FIXTURES / "imports" / "tf-alicloud-tfstate-overlap"
    state = json.loads((estate / "terraform.tfstate").read_text())
    provider = state["resources"][0]["provider"]
    eni = {"id": "eni-bp1x", "vswitch_id": "vsw-x", "security_group_ids": ["sg-x"], "primary_ip_address": "10.0.2.9"}
    state["resources"].append(
        {
            "mode": "managed",
            "type": "alicloud_ecs_network_interface",
            "name": "mgmt",
            "provider": provider,
            "instances": [{"schema_version": 0, "attributes": eni, "sensitive_attributes": []}],
        }
    )
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
    shutil.copy(estate / "assertions.peer", tmp_path / "assertions.peer")
    document = json.loads(run_cli("check", "--isolated", "--format", "json", str(tmp_path)).out)
    assert [a["status"] for a in document["assertions"]] == ["unknown", "unknown"]  # both proved without it
    said = [d["message"] for d in document["diagnostics"] if d["code"] == "IMP001"]
    assert said == [
        "alicloud_ecs_network_interface.mgmt: resource type alicloud_ecs_network_interface is not understood; "
        "not imported"
    ]


def test_an_instance_the_mapping_cannot_place_leaves_its_nets_assertions_open(tmp_path):
    """An instance whose subnet is not given (launched through a network interface block, say) is said
    and left out; something answers at its addresses, so what speaks of every VM of a net is unknown,
    and what speaks of two VMs named stands."""
    state = _state()
    state["resources"].append(
        entry("aws_instance", "b3", {"id": "i-b3", "private_ip": "10.2.1.30", "vpc_security_group_ids": []})
    )
    statuses, codes, document = _check_state(tmp_path, state)
    assert statuses == ["proved", "proved", "refuted", "unknown"]
    assert "aws_instance.b3: no subnet_id; the instance is not modelled" in [
        d["message"] for d in document["diagnostics"] if d["code"] == "IMP001"
    ]


def test_a_gap_naming_one_net_twice_touches_that_net_only():
    # Regression: a part left out whose nets were [n, n] (an interface and its VM, both of n) was a
    # gap of the whole estate: every verdict of every net was unknown.
    from verifier.importers.estate import Estate
    from verifier.language.model import Span

    estate = Estate("aws", "estate.peer", "a test")
    origin = Span("state.json", 4, 3, 4, 20)
    for name in ("vpc-a", "vpc-b"):
        estate.net(name, origin)
    estate.unmodelled("an interface of vpc-a", origin, nets=["vpc-a", "vpc-a"])
    estate.unmodelled("something of vpc-a and a net not in the input", origin, nets=["vpc-a", "vpc-x"])
    touched, unknown_net = estate.gaps
    assert touched.nets == ("vpc-a",)
    assert unknown_net.nets == ()  # a net the estate does not hold: it could be any


@pytest.mark.parametrize("where", ["instance", "interface"])
def test_a_group_of_a_vm_not_in_the_input_leaves_its_isolations_open(tmp_path, where):
    """A VM is in every group it lists; AWS lets a packet in when any of them allows it. A group of
    another workspace (not in the input) may allow what the modelled ones do not: an isolation to the
    VM is unknown, not proved; a reach proved through the groups that are modelled stands."""
    state = _state()
    instance = next(r for r in state["resources"] if r["type"] == "aws_instance" and r["name"] == "b")
    if where == "instance":
        instance["instances"][0]["attributes"]["vpc_security_group_ids"] = ["sg-b", "sg-0elsewhere"]
    else:  # the same, through the instance's primary interface resource
        attributes = instance["instances"][0]["attributes"]
        attributes["vpc_security_group_ids"] = []
        state["resources"].append(
            entry(
                "aws_network_interface",
                "b",
                {
                    "id": "eni-b",
                    "subnet_id": "subnet-b",
                    "private_ips": ["10.2.1.10"],
                    "security_groups": ["sg-b", "sg-0elsewhere"],
                    "attachment": [{"instance": "i-b", "device_index": 0, "attachment_id": "eni-attach-b"}],
                },
            )
        )
    statuses, codes, document = _check_state(tmp_path, state)
    assert statuses[0] == "proved" and statuses[1] == "unknown", statuses  # reach stands; isolate open
    assert codes.get("REACH005"), codes
    assert any("sg-0elsewhere" in d["message"] for d in document["diagnostics"] if d["code"] == "IMP001")

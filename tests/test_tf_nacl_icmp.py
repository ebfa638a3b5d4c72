"""ICMP network ACL entries of the aws provider read as AWS applies them: -1 is every type (or every code
of the type), and an icmp_type or icmp_code left unset is 0, the value the provider sends, never
"every". The conformance case fixtures/semantics/aws/icmp-nacl-type-minus-one-and-zero.peer gives
the verdicts AWS's documents demand of the text read here; the tests below check that the imported
estate gives the same verdicts.
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from test_import_terraform import NOW, codes, entry, state, vpc, write

from verifier.importers.terraform.load import load

VPC = "vpc-0cccccccccccccc01"


def acl_entry(rule: int, action: str, icmp_type, icmp_code, cidr: str = "10.1.0.0/16") -> dict:
    return {
        "action": action,
        "cidr_block": cidr,
        "from_port": 0,
        "icmp_code": icmp_code,
        "icmp_type": icmp_type,
        "ipv6_cidr_block": "",
        "protocol": "1",
        "rule_no": rule,
        "to_port": 0,
    }


def estate(icmp_type, icmp_code, *, rule_resource: dict | None = None) -> dict:
    """Subnet a (10.1.1.0/24) behind an ACL whose ICMP entries have the given type and code, and
    subnet b (10.1.2.0/24) with no ACL of its own; one open instance in each."""
    entries = [acl_entry(100, "allow", icmp_type, icmp_code)]
    acl = {"id": "acl-0c1", "vpc_id": VPC, "subnet_ids": ["subnet-0a"], "ingress": entries, "egress": entries}
    if rule_resource is not None:
        acl.update(ingress=[], egress=[])
    open_group = {
        "id": "sg-0c1",
        "vpc_id": VPC,
        "ingress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.1.0.0/16"], "self": False}],
        "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "self": False}],
    }
    resources = [
        entry("aws_vpc", "a", vpc(VPC, "10.1.0.0/16", "rtb-0c1")),
        entry("aws_subnet", "a", {"id": "subnet-0a", "vpc_id": VPC, "cidr_block": "10.1.1.0/24"}),
        entry("aws_subnet", "b", {"id": "subnet-0b", "vpc_id": VPC, "cidr_block": "10.1.2.0/24"}),
        entry("aws_network_acl", "a", acl),
        entry("aws_security_group", "open", open_group),
        entry(
            "aws_instance",
            "a",
            {"id": "i-0a", "subnet_id": "subnet-0a", "private_ip": "10.1.1.10", "vpc_security_group_ids": ["sg-0c1"]},
        ),
        entry(
            "aws_instance",
            "b",
            {"id": "i-0b", "subnet_id": "subnet-0b", "private_ip": "10.1.2.10", "vpc_security_group_ids": ["sg-0c1"]},
        ),
    ]
    if rule_resource is not None:
        resources += [
            entry("aws_network_acl_rule", f"{way}", {**rule_resource, "network_acl_id": "acl-0c1", "egress": egress})
            for way, egress in (("in", False), ("out", True))
        ]
    return state(*resources)


def entries(path) -> list[str]:
    text = load([path], "x.peer").text
    return [line.strip() for line in text.splitlines() if line.strip().startswith(("inbound 1", "outbound 1"))]


@pytest.mark.parametrize(
    ("icmp_type", "icmp_code", "written"),
    [
        (-1, -1, "icmp"),  # every type
        ("-1", "-1", "icmp"),  # a format-3 state's strings
        (8, -1, "icmp 8"),  # echo request, any code
        (3, 4, "icmp 3/4"),
        (None, None, "icmp 0/0"),  # left unset: the provider sends 0 and 0
        (8, None, "icmp 8/0"),
    ],
)
def test_icmp_type_and_code_of_an_inline_entry(tmp_path, icmp_type, icmp_code, written):
    path = write(tmp_path / "terraform.tfstate", estate(icmp_type, icmp_code))
    assert entries(path) == [
        f"inbound 100 allow {written} from 10.1.0.0/16",
        f"outbound 100 allow {written} to 10.1.0.0/16",
    ]


def test_an_unset_icmp_type_of_a_rule_resource_is_type_0(tmp_path):
    rule = {
        "rule_number": 100,
        "rule_action": "allow",
        "protocol": "icmp",
        "cidr_block": "10.1.0.0/16",
        "icmp_type": None,
        "icmp_code": None,
        "from_port": None,
        "to_port": None,
    }
    path = write(tmp_path / "terraform.tfstate", estate(None, None, rule_resource=rule))
    assert entries(path) == [
        "inbound 100 allow icmp 0/0 from 10.1.0.0/16",
        "outbound 100 allow icmp 0/0 to 10.1.0.0/16",
    ]


@pytest.mark.parametrize(
    ("icmp_type", "verdicts"),
    [
        (None, ["proved", "refuted"]),  # type 0 only: no echo request leaves, the echo reply does
        (-1, ["refuted", "refuted"]),  # every type
    ],
)
def test_imported_entries_give_the_conformance_verdicts(tmp_path, icmp_type, verdicts):
    # Regression: an unset icmp_type was read as every ICMP type, and a ping was said to pass.
    path = write(tmp_path / "terraform.tfstate", estate(icmp_type, None if icmp_type is None else -1))
    (tmp_path / "assertions.peer").write_text(
        'assert isolate "aws_instance.a" -> "aws_instance.b" icmp 8\n'
        'assert isolate "aws_instance.a" -> "aws_instance.b" icmp 0\n'
    )
    run = run_cli("check", *NOW, "--format", "json", str(path), str(tmp_path / "assertions.peer"))
    assert [a["status"] for a in json.loads(run.out)["assertions"]] == verdicts


def test_an_icmp_type_known_only_after_apply_is_said(tmp_path):
    document = estate(8, -1)
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": [],
        "configuration": {"root_module": {"resources": []}},
    }
    for item in document["resources"]:
        address = f"{item['type']}.{item['name']}"
        values = item["instances"][0]["attributes"]
        plan["planned_values"]["root_module"]["resources"].append(
            {
                "address": address,
                "mode": "managed",
                "type": item["type"],
                "name": item["name"],
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": values,
            }
        )
        unknown = {}
        if item["type"] == "aws_network_acl":
            unknown = {"ingress": [{"icmp_type": True}], "egress": [{}]}
            values["ingress"] = [{k: v for k, v in values["ingress"][0].items() if k != "icmp_type"}]
        plan["resource_changes"].append(
            {"address": address, "type": item["type"], "change": {"actions": ["create"], "after_unknown": unknown}}
        )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    result = load([path], "x.peer")
    assert entries(path) == ["outbound 100 allow icmp 8 to 10.1.0.0/16"]
    assert [w.message for w in result.warnings if w.code == "IMP002"] == [
        "aws_network_acl.a: icmp_type is known only after apply; network ACL entry 100 (its ICMP type or code) is "
        "not modelled"
    ]
    run = run_cli("check", *NOW, "--format", "json", str(path))
    assert codes(json.loads(run.out))["IMP002"] == 1

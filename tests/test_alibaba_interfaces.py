"""Alibaba ECS instances with several ENIs (elastic network interfaces), read from the Alibaba Cloud
CLI's DescribeNetworkInterfaces response beside DescribeInstances.

The estate is fixtures/imports/alibaba-api-multi-eni (its findings, verdicts and round trip are
checked by test_import_estates.py); each test here copies it and changes one response.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from test_import_alibaba_api import edit, imported, responses, said

from verifier import importers

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
ESTATE = FIXTURES / "imports" / "alibaba-api-multi-eni"
ENIS = "describe-network-interfaces.json"
I_APP, I_OPS = "i-bp1f3h5j7l9n1p3r5t7v", "i-bp1k2m4o6q8s0u2w4y6a"
ENI_MGMT, ENI_RDS, ENI_SPARE = "eni-bp1b2d4f6h8j0l2n4p6r", "eni-bp1d4f6h8j0l2n4p6r8t", "eni-bp1e5g7i9k1m3o5q7s9u"
VSW_APP, VSW_MGMT = "vsw-bp1a7kq2zx9mv3c5rt8ye", "vsw-bp1m3tz8wq6yk0d2hx4rj"
SG_APP, SG_MGMT = "sg-bp1c8w2m5q7x9z3k6n4a", "sg-bp1h5j7l9n1p3r5t7v9x"


@pytest.fixture
def dump(tmp_path) -> Path:
    return responses(ESTATE, tmp_path)


def eni(document: dict, ident: str) -> dict:
    return next(e for e in document["NetworkInterfaceSets"]["NetworkInterfaceSet"] if e["NetworkInterfaceId"] == ident)


def statuses(folder: Path, assertions: str) -> list[str]:
    (folder / "assertions.peer").write_text(assertions)
    run = run_cli("check", *NOW, "--format", "json", str(folder))
    assert run.code in (0, 1), run.err
    return [a["status"] for a in json.loads(run.out)["assertions"]]


def test_the_response_is_known_by_its_content(tmp_path):
    renamed = tmp_path / "enis"  # no suffix, any name
    shutil.copy(ESTATE / ENIS, renamed)
    assert importers._kind(renamed) == "alibaba-api"


def test_a_secondary_eni_is_an_interface_of_its_instance_with_its_own_vswitch_and_groups(dump):
    text, _ = imported(dump)
    vm = text[text.index(f"vm {I_APP} {{") :]
    vm = vm[: vm.index("\n  }")]
    assert f"subnet {VSW_APP}  ip 10.40.1.10  groups {SG_APP}" in vm
    assert f"interface {ENI_MGMT} {{ subnet {VSW_MGMT}  ip 10.40.2.10  groups {SG_MGMT} }}" in vm


def test_the_second_eni_refutes_an_isolation_to_the_instance(dump):
    # Regression: with the secondary ENI left out, ssh from ops to the instance was proved isolated.
    assertions = f"assert isolate {I_OPS} -> {I_APP} tcp 22\nassert isolate {I_OPS} -> {I_APP} tcp 3306\n"
    assert statuses(dump, assertions) == ["refuted", "proved"]


def test_an_eni_only_describeinstances_lists_is_said_not_dropped(dump):
    (dump / ENIS).unlink()
    text, messages = imported(dump)
    assert "  interface " not in text
    assert said(messages, I_APP, f"secondary network interface {ENI_MGMT} is not described", "not imported")
    # The interface left out could answer ssh: the isolation proved on the rest is unknown (REACH005).
    assert "unmodelled" in text
    assertions = f"assert isolate {I_OPS} -> {I_APP} tcp 22\n"
    assert statuses(dump, assertions) == ["unknown"]


def test_an_eni_attached_to_an_instance_is_read_even_when_describeinstances_omits_it(dump):
    def change(d: dict) -> None:
        d["Instances"]["Instance"][0]["NetworkInterfaces"]["NetworkInterface"].pop()  # the secondary ENI

    edit(dump, "describe-instances.json", change)
    text, _ = imported(dump)
    assert f"interface {ENI_MGMT} {{ subnet {VSW_MGMT}  ip 10.40.2.10  groups {SG_MGMT} }}" in text


def test_a_described_primary_eni_adds_its_secondary_private_addresses(dump):
    def change(d: dict) -> None:
        primary = eni(d, "eni-bp1a1c3e5g7i9k1m3o5q")
        primary["PrivateIpSets"]["PrivateIpSet"].append({"Primary": False, "PrivateIpAddress": "10.40.1.11"})

    edit(dump, ENIS, change)
    text, _ = imported(dump)
    assert f"subnet {VSW_APP}  ip 10.40.1.10, 10.40.1.11  groups {SG_APP}" in text


def test_loose_enis_a_service_eni_is_a_vm_a_detached_one_is_not(dump):
    text, messages = imported(dump)
    assert f"vm {ENI_RDS} {{ subnet {VSW_MGMT}  ip 10.40.2.20  groups {SG_MGMT} }}" in text
    assert said(messages, ENI_RDS, "used by an Alibaba Cloud service", "VM of its own")
    assert ENI_SPARE not in text and "10.40.2.30" not in text
    assert said(messages, ENI_SPARE, "attached to no instance (Available)", "not imported")


def test_an_eni_of_an_instance_not_in_the_input_is_a_vm_of_its_own(dump):
    edit(dump, ENIS, lambda d: eni(d, ENI_SPARE).update(Status="InUse", InstanceId="i-bp1notlisted00000000"))
    text, messages = imported(dump)
    assert f"vm {ENI_SPARE} {{ subnet {VSW_MGMT}  ip 10.40.2.30  groups {SG_MGMT} }}" in text
    assert said(messages, ENI_SPARE, "instance i-bp1notlisted00000000, which is not in the input", "VM of its own")


@pytest.mark.parametrize(
    "change, words",
    [
        (
            {"VSwitchId": "vsw-bp1elsewhere0000000"},
            ["vSwitch vsw-bp1elsewhere0000000 is not in the input", "not imported"],
        ),
        ({"PrivateIpAddress": "", "PrivateIpSets": {"PrivateIpSet": []}}, ["no private address", "not imported"]),
        ({"SecurityGroupIds": {"SecurityGroupId": ["sg-bp1gone000000000000"]}}, ["sg-bp1gone000000000000 is not in"]),
        ({"Status": "Attaching"}, ["is Attaching: modelled as attached"]),
        ({"Ipv4PrefixSets": {"Ipv4PrefixSet": [{"Ipv4Prefix": "10.40.2.128/28"}]}}, ["Ipv4PrefixSets", "not modelled"]),
    ],
)
def test_what_an_interface_cannot_be_read_as_is_said(dump, change, words):
    edit(dump, ENIS, lambda d: eni(d, ENI_MGMT).update(change))
    _, messages = imported(dump)
    assert said(messages, ENI_MGMT, *words), messages


def test_an_eni_in_another_vpc_than_its_instance_is_said(dump):
    def change(d: dict) -> None:
        vpc = json.loads(json.dumps(d["Vpcs"]["Vpc"][0]))
        vpc.update(VpcId="vpc-bp1other000000000000", CidrBlock="172.16.0.0/16")
        d["Vpcs"]["Vpc"].append(vpc)

    def move(d: dict) -> None:
        vswitch = json.loads(json.dumps(d["VSwitches"]["VSwitch"][1]))
        vswitch.update(
            VSwitchId="vsw-bp1other000000000000", VpcId="vpc-bp1other000000000000", CidrBlock="172.16.2.0/24"
        )
        d["VSwitches"]["VSwitch"].append(vswitch)

    edit(dump, "describe-vpcs.json", change)
    edit(dump, "describe-vswitches.json", move)
    edit(
        dump,
        ENIS,
        lambda d: eni(d, ENI_MGMT).update(VSwitchId="vsw-bp1other000000000000", PrivateIpAddress="172.16.2.10"),
    )
    text, messages = imported(dump)
    assert "  interface " not in text
    assert said(messages, ENI_MGMT, "not in its instance's VPC", "not imported")


def test_an_eni_without_its_id_is_a_located_input_error(dump):
    edit(dump, ENIS, lambda d: eni(d, ENI_MGMT).pop("NetworkInterfaceId"))
    run = run_cli("import", str(dump))
    assert run.code == 2
    assert f"{ENIS}:" in run.err and "PARSE002" in run.err and "NetworkInterfaceId" in run.err

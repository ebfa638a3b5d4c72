"""Network interfaces managed apart from their instance (aws_network_interface and its attachments,
outscale_nic and outscale_nic_link) are interfaces of the VM they are attached to, never dropped in
silence nor moved onto the primary's subnet.

The realistic estates (a state, a one-line plan, an Outscale state, with their verdicts and round
trip) are fixtures/imports/tf-aws-state-multi-eni, tf-aws-plan-multi-eni and tf-outscale-state-nic;
each case here holds only what it needs, in the shape of a raw state (format 4, or 3 where said).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from test_import_terraform import check, codes, entry, group, messages, state, tcp, vpc, write

from verifier.importers.terraform.load import load

MAIN = "vpc-0aaaaaaaaaaaaaaa1"
OTHER = "vpc-0bbbbbbbbbbbbbbb1"


def subnet(sid: str, vpc_id: str, cidr: str) -> dict:
    return {"id": sid, "vpc_id": vpc_id, "cidr_block": cidr, "availability_zone": "eu-west-1a"}


def instance(iid: str, subnet_id: str, ip: str, groups: list[str], eni: str) -> dict:
    return {
        "id": iid,
        "subnet_id": subnet_id,
        "private_ip": ip,
        "secondary_private_ips": [],
        "ipv6_addresses": [],
        "vpc_security_group_ids": groups,
        "primary_network_interface_id": eni,
        "network_interface": [],
    }


def eni(
    eid: str = "eni-0aaaaaaaaaaaaaa09",
    subnet_id: str = "subnet-0aaaaaaaaaaaaaa09",
    ip: str = "10.0.9.10",
    groups: tuple[str, ...] = ("sg-0aaaaaaaaaaaaaa09",),
    instance_id: str | None = "i-0aaaaaaaaaaaaaa01",
    device: int = 1,
) -> dict:
    """An interface as the state holds it (by default: web's management interface, mgmt, device 1)."""
    attachment = [{"attachment_id": f"eni-attach-{eid[4:]}", "device_index": device, "instance": instance_id}]
    return {
        "id": eid,
        "subnet_id": subnet_id,
        "private_ip": ip,
        "private_ips": [ip],
        "private_ip_list": [ip],
        "ipv6_addresses": [],
        "ipv6_address_list": [],
        "security_groups": list(groups),
        "attachment": attachment if instance_id else [],
    }


def estate(*extra: dict) -> dict:
    """One VPC (10.0.0.0/16) with subnets app and mgmt, a group each, and the instance web in app."""
    return state(
        entry("aws_vpc", "main", vpc(MAIN, "10.0.0.0/16", "rtb-0aaaaaaaaaaaaaaa1")),
        entry("aws_subnet", "app", subnet("subnet-0aaaaaaaaaaaaaa01", MAIN, "10.0.1.0/24")),
        entry("aws_subnet", "mgmt", subnet("subnet-0aaaaaaaaaaaaaa09", MAIN, "10.0.9.0/24")),
        entry("aws_security_group", "app", group("sg-0aaaaaaaaaaaaaa01", MAIN, [tcp(443, "10.0.0.0/16")])),
        entry("aws_security_group", "mgmt", group("sg-0aaaaaaaaaaaaaa09", MAIN, [tcp(22, "10.0.0.0/16")])),
        entry(
            "aws_instance",
            "web",
            instance(
                "i-0aaaaaaaaaaaaaa01", "subnet-0aaaaaaaaaaaaaa01", "10.0.1.10", ["sg-0aaaaaaaaaaaaaa01"], "eni-0p"
            ),
        ),
        *extra,
    )


def imported(path: Path) -> tuple[str, list[str]]:
    result = load([path], "x.peer")
    return result.text, [f"{w.code} {w.message}" for w in result.warnings]


def test_a_second_interface_in_another_subnet_is_an_interface_of_its_vm(tmp_path):
    # Regression: the interface was not imported, and `assert isolate` to the instance on port 22 was proved.
    mgmt = eni()
    path = write(tmp_path / "terraform.tfstate", estate(entry("aws_network_interface", "mgmt", mgmt)))
    text, warnings = imported(path)
    assert (
        '    interface "aws_network_interface.mgmt" { subnet "aws_subnet.mgmt"  ip 10.0.9.10  '
        'groups "aws_security_group.mgmt" }\n'
    ) in text
    assert warnings == []


def test_an_interface_at_device_0_is_the_primary_interface(tmp_path):
    primary = eni("eni-0aaaaaaaaaaaaaa01", "subnet-0aaaaaaaaaaaaaa01", "10.0.1.11", device=0)
    path = write(tmp_path / "terraform.tfstate", estate(entry("aws_network_interface", "primary", primary)))
    text, _ = imported(path)
    assert (
        'vm "aws_instance.web" { subnet "aws_subnet.app"  ip 10.0.1.10, 10.0.1.11  '
        'groups "aws_security_group.app", "aws_security_group.mgmt" }'
    ) in text
    assert "interface" not in text


def test_an_interface_of_another_vpc_is_said_not_moved(tmp_path):
    other = [
        entry("aws_vpc", "other", vpc(OTHER, "10.5.0.0/16", "rtb-0bbbbbbbbbbbbbbb1")),
        entry("aws_subnet", "other", subnet("subnet-0bbbbbbbbbbbbbb01", OTHER, "10.5.1.0/24")),
        entry("aws_security_group", "other", group("sg-0bbbbbbbbbbbbbb01", OTHER, [tcp(22, "10.0.0.0/8")])),
    ]
    far = eni("eni-0bbbbbbbbbbbbbb01", "subnet-0bbbbbbbbbbbbbb01", "10.5.1.10", ("sg-0bbbbbbbbbbbbbb01",))
    path = write(tmp_path / "terraform.tfstate", estate(*other, entry("aws_network_interface", "far", far)))
    text, warnings = imported(path)
    assert "10.5.1.10" not in text
    assert warnings == [
        "IMP001 aws_network_interface.far: the network interface is in subnet aws_subnet.other of aws_vpc.other, "
        "and its instance aws_instance.web in aws_vpc.main: an interface of another net than its VM's is not "
        "modelled; traffic through it is not checked; not imported"
    ]
    # ...and it is an unmodelled part of both nets: "no VM holds 10.5.1.10" is not a refutation then.
    assert 'unmodelled "aws_network_interface.far: ' in text and '{ nets "aws_vpc.other", "aws_vpc.main" }' in text
    (tmp_path / "assertions.peer").write_text('assert reach "aws_instance.web" -> 10.5.1.10 tcp 22\n')
    run = run_cli("check", "--isolated", "--format", "json", str(tmp_path))
    assert [a["status"] for a in json.loads(run.out)["assertions"]] == ["unknown"]


def test_interfaces_attached_to_nothing_modelled_are_said(tmp_path):
    spare = eni("eni-0aaaaaaaaaaaaaa98", ip="10.0.9.98", instance_id=None)
    elsewhere = eni("eni-0aaaaaaaaaaaaaa99", ip="10.0.9.99", groups=(), instance_id="i-0fffffffffffffff9")
    path = write(
        tmp_path / "terraform.tfstate",
        estate(entry("aws_network_interface", "spare", spare), entry("aws_network_interface", "elsewhere", elsewhere)),
    )
    text, warnings = imported(path)
    assert "interface" not in text
    assert sorted(warnings) == [
        "IMP001 aws_network_interface.elsewhere: instance i-0fffffffffffffff9 is not a instance of the input; "
        "the attachment of the interface is not modelled",
        "IMP001 aws_network_interface.spare: the network interface is attached to no instance of the input: it sends "
        "and receives nothing that is modelled; not imported",
    ]


def test_an_attachment_resource_and_a_group_attachment_are_read(tmp_path):
    mgmt = eni(instance_id=None)
    attachment = {
        "id": "eni-attach-0aaaaaaaaaaaaa09",
        "instance_id": "i-0aaaaaaaaaaaaaa01",
        "network_interface_id": "eni-0aaaaaaaaaaaaaa09",
        "device_index": 1,
        "status": "attached",
    }
    groups = {
        "id": "sg_eni",
        "network_interface_id": "eni-0aaaaaaaaaaaaaa09",
        "security_group_id": "sg-0aaaaaaaaaaaaaa01",
    }
    on_primary = {"id": "sg_eni_p", "network_interface_id": "eni-0p", "security_group_id": "sg-0aaaaaaaaaaaaaa09"}
    path = write(
        tmp_path / "terraform.tfstate",
        estate(
            entry("aws_network_interface", "mgmt", mgmt),
            entry("aws_network_interface_attachment", "mgmt", attachment),
            entry("aws_network_interface_sg_attachment", "mgmt_app", groups),
            entry("aws_network_interface_sg_attachment", "web_mgmt", on_primary),
        ),
    )
    text, warnings = imported(path)
    assert 'ip 10.0.1.10  groups "aws_security_group.app", "aws_security_group.mgmt"\n' in text  # the primary's
    assert (
        'interface "aws_network_interface.mgmt" { subnet "aws_subnet.mgmt"  ip 10.0.9.10  '
        'groups "aws_security_group.mgmt", "aws_security_group.app" }'
    ) in text
    assert warnings == []


def test_an_interface_name_holding_quotes_and_braces_stays_one_name(tmp_path):
    # A for_each key is part of the name: it never adds a declaration (issue 14, item 2).
    mgmt = eni()
    found = entry("aws_network_interface", "mgmt", mgmt)
    found["instances"][0]["index_key"] = "o'reilly } net x {"
    path = write(tmp_path / "terraform.tfstate", estate(found))
    text, _ = imported(path)
    assert "net x" not in text.replace('"o\\u0027reilly } net x {"', "")
    document = check(path)
    assert codes(document).get("PARSE002", 0) == 0
    assert [d for d in document["diagnostics"] if d["severity"] == "error"] == []


def test_a_format3_state_gives_device_indexes_as_strings(tmp_path):
    def flat(rtype: str, **attributes: str) -> dict:
        return {"type": rtype, "primary": {"id": attributes["id"], "attributes": attributes}}

    resources = {
        "aws_vpc.main": flat("aws_vpc", id=MAIN, cidr_block="10.0.0.0/16"),
        "aws_subnet.app": flat("aws_subnet", id="subnet-01", vpc_id=MAIN, cidr_block="10.0.1.0/24"),
        "aws_subnet.mgmt": flat("aws_subnet", id="subnet-09", vpc_id=MAIN, cidr_block="10.0.9.0/24"),
        "aws_security_group.mgmt": flat("aws_security_group", id="sg-09", vpc_id=MAIN),
        "aws_instance.web": flat(
            "aws_instance",
            id="i-01",
            subnet_id="subnet-01",
            private_ip="10.0.1.10",
            **{"vpc_security_group_ids.#": "1", "vpc_security_group_ids.2806385327": "sg-09"},
        ),
        "aws_network_interface.mgmt": flat(
            "aws_network_interface",
            id="eni-09",
            subnet_id="subnet-09",
            private_ip="10.0.9.10",
            **{
                "private_ips.#": "1",
                "private_ips.1371346573": "10.0.9.10",
                "security_groups.#": "1",
                "security_groups.2806385327": "sg-09",
                "attachment.#": "1",
                "attachment.3425471234.attachment_id": "eni-attach-09",
                "attachment.3425471234.device_index": "1",
                "attachment.3425471234.instance": "i-01",
            },
        ),
    }
    legacy = {
        "version": 3,
        "terraform_version": "0.11.14",
        "serial": 4,
        "modules": [{"path": ["root"], "resources": resources}],
    }
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(legacy, indent=2))
    text, _ = imported(path)
    assert 'interface "aws_network_interface.mgmt" { subnet "aws_subnet.mgmt"  ip 10.0.9.10' in text


def test_an_outscale_nic_link_to_a_vm_outside_the_input_is_said(tmp_path):
    def outscale(rtype: str, name: str, **attributes) -> dict:
        return entry(rtype, name, attributes, provider='provider["registry.terraform.io/outscale/outscale"]')

    document = state(
        outscale("outscale_net", "n", id="vpc-01", net_id="vpc-01", ip_range="10.30.0.0/16", state="available"),
        outscale(
            "outscale_subnet", "s", id="subnet-01", subnet_id="subnet-01", net_id="vpc-01", ip_range="10.30.1.0/24"
        ),
        outscale(
            "outscale_nic",
            "nic",
            id="eni-01",
            nic_id="eni-01",
            subnet_id="subnet-01",
            private_ips=[{"is_primary": True, "private_ip": "10.30.1.20"}],
            security_group_ids=[],
            security_groups=[],
            link_nic=[],
        ),
        outscale("outscale_nic_link", "link", id="eni-attach-01", nic_id="eni-01", vm_id="i-0ff", device_number="1"),
    )
    path = write(tmp_path / "terraform.tfstate", document)
    _, warnings = imported(path)
    assert warnings == [
        "IMP001 outscale_nic_link.link: vm_id i-0ff is not a VM of the input; the attachment of the interface is "
        "not modelled"
    ]
    assert "10.30.1.20" not in run_cli("import", str(path)).out
    assert messages(check(path), "IMP001")

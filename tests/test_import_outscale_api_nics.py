"""Outscale API dumps: a VM's NICs, each with its own subnet, addresses and security groups.

ReadVms gives each VM its `Nics` (NicLight: `NicId`, `SubnetId`, `PrivateIps` with `IsPrimary`,
`SecurityGroups`, `LinkNic.DeviceNumber`; the OUTSCALE API's NicLight and LinkNicLight models, as the
osc SDKs document them: https://docs.rs/crate/outscale_api/latest/source/docs/NicLight.md). A NIC's
security groups filter the traffic of that NIC only; device 0 is the VM's primary NIC.

Regressions: every NIC's addresses were put on the VM's own subnet and every NIC's groups on the VM,
so a port a second NIC's group opens was proved open on the primary address too (a false `reach`,
a false alarm on `isolate`); a group of the VM that is not in the input was dropped without a word,
and an isolation to the VM proved although that group may open it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import FIXTURES, run_cli

PENDING = FIXTURES / "imports" / "outscale-api-pending"
NOW = ("--now", "2026-11-20T00:00:00Z")


def _dump(tmp_path: Path) -> Path:
    """The pending-peering dump, with a second subnet in vpc-1b2c3d4e, a group `sg-admin` there letting
    tcp 22 in from vpc-0a1b2c3d, and VM i-1b2c3d4e given a second NIC (device 1) in that subnet."""
    folder = tmp_path / "dump"
    shutil.copytree(PENDING, folder)
    subnets = json.loads((folder / "ReadSubnets.json").read_text())
    subnets["Subnets"].append(
        {
            "IpRange": "10.60.2.0/24",
            "NetId": "vpc-1b2c3d4e",
            "State": "available",
            "SubnetId": "subnet-2c3d4e5f",
            "SubregionName": "eu-west-2b",
        }
    )
    (folder / "ReadSubnets.json").write_text(json.dumps(subnets, indent=2))
    groups = json.loads((folder / "ReadSecurityGroups.json").read_text())
    groups["SecurityGroups"].append(
        {
            "AccountId": "123456789012",
            "NetId": "vpc-1b2c3d4e",
            "SecurityGroupId": "sg-admin0001",
            "SecurityGroupName": "admin",
            "InboundRules": [
                {"FromPortRange": 22, "IpProtocol": "tcp", "IpRanges": ["10.50.0.0/16"], "ToPortRange": 22}
            ],
            "OutboundRules": [{"FromPortRange": -1, "IpProtocol": "-1", "IpRanges": ["0.0.0.0/0"], "ToPortRange": -1}],
        }
    )
    (folder / "ReadSecurityGroups.json").write_text(json.dumps(groups, indent=2))
    vms = json.loads((folder / "ReadVms.json").read_text())
    vm = next(v for v in vms["Vms"] if v["VmId"] == "i-1b2c3d4e")
    vm["Nics"][0]["LinkNic"] = {"DeviceNumber": 0, "LinkNicId": "eni-attach-0001", "State": "attached"}
    vm["Nics"].append(
        {
            "NicId": "eni-admin0001",
            "SubnetId": "subnet-2c3d4e5f",
            "PrivateIps": [{"IsPrimary": True, "PrivateIp": "10.60.2.20"}],
            "SecurityGroups": [{"SecurityGroupId": "sg-admin0001", "SecurityGroupName": "admin"}],
            "LinkNic": {"DeviceNumber": 1, "LinkNicId": "eni-attach-0002", "State": "attached"},
            "State": "in-use",
        }
    )
    (folder / "ReadVms.json").write_text(json.dumps(vms, indent=2))
    (folder / "assertions.peer").write_text(
        "assert isolate i-0a1b2c3d -> i-1b2c3d4e tcp 22\n"  # through the admin NIC: refuted
        "assert isolate i-0a1b2c3d -> 10.60.1.20 tcp 22\n"  # the primary address: its group keeps 22 shut
        "assert reach   i-0a1b2c3d -> 10.60.2.20 tcp 22\n"
        "assert reach   i-0a1b2c3d -> i-1b2c3d4e tcp 8443\n"
    )
    (folder / "expect.json").unlink()
    (folder / "imported.txt").unlink()
    return folder


def _check(folder: Path) -> tuple[list[str], dict]:
    run = run_cli("check", *NOW, "--isolated", "--format", "json", str(folder))
    assert run.code in (0, 1), run.err
    document = json.loads(run.out)
    return [a["status"] for a in document["assertions"]], document


def test_each_nic_is_an_interface_with_its_own_subnet_addresses_and_groups(tmp_path):
    folder = _dump(tmp_path)
    run = run_cli("import", str(folder))
    assert run.code == 0, run.err
    assert (
        "vm i-1b2c3d4e {\n    subnet subnet-1b2c3d4e  ip 10.60.1.20  groups sg-1b2c3d4e\n"
        "    interface eni-admin0001 { subnet subnet-2c3d4e5f  ip 10.60.2.20  groups sg-admin0001 }\n  }"
    ) in run.out
    statuses, document = _check(folder)
    assert statuses == ["refuted", "proved", "proved", "proved"], statuses
    assert not [d for d in document["diagnostics"] if "several NICs" in d["message"]]


def test_a_group_of_a_nic_not_in_the_input_leaves_isolations_to_the_vm_open(tmp_path):
    folder = _dump(tmp_path)
    vms = json.loads((folder / "ReadVms.json").read_text())
    vm = next(v for v in vms["Vms"] if v["VmId"] == "i-1b2c3d4e")
    elsewhere = {"SecurityGroupId": "sg-elsewhere", "SecurityGroupName": "other-account"}
    vm["Nics"][0]["SecurityGroups"].append(elsewhere)
    vm["SecurityGroups"].append(elsewhere)
    (folder / "ReadVms.json").write_text(json.dumps(vms, indent=2))
    statuses, document = _check(folder)
    # the primary address's isolation rests on a group the input does not hold: unknown, not proved
    assert statuses == ["refuted", "unknown", "proved", "proved"], statuses
    said = [d["message"] for d in document["diagnostics"] if d["code"] == "IMP001"]
    assert any("sg-elsewhere is not in the input" in m for m in said), said


def test_a_nic_in_a_subnet_outside_the_input_is_said_and_left_open(tmp_path):
    folder = _dump(tmp_path)
    vms = json.loads((folder / "ReadVms.json").read_text())
    vm = next(v for v in vms["Vms"] if v["VmId"] == "i-1b2c3d4e")
    vm["Nics"][1]["SubnetId"] = "subnet-notthere"
    (folder / "ReadVms.json").write_text(json.dumps(vms, indent=2))
    statuses, document = _check(folder)
    assert statuses[0] == "unknown" and statuses[2] == "refuted", statuses  # no VM holds 10.60.2.20
    said = [d["message"] for d in document["diagnostics"] if d["code"] == "IMP001"]
    assert any("NIC eni-admin0001" in m and "subnet-notthere" in m for m in said), said

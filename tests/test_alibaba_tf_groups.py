"""The Terraform alicloud mapping's security groups: `type` and `inner-access` as the API importer
writes them (the language gives a basic group its implicit rules), and ICMP rules (-1/-1 only).

The estate is fixtures/imports/tf-alicloud-tfstate-group-types (its verdicts, with and without the
implicit rules that matter, are checked by test_import_estates.py); each test changes one resource.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

STATE = FIXTURES / "imports" / "tf-alicloud-tfstate-group-types" / "terraform.tfstate"


def imported(tmp_path: Path, name: str, **attributes) -> tuple[list[str], str]:
    """The lines of group `name` in the import of the state with `attributes` set on the resource
    `name` (a group or a rule), and what the import said."""
    state = json.loads(STATE.read_text())
    resource = next(r for r in state["resources"] if r["name"] == name)
    resource["instances"][0]["attributes"].update(attributes)
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
    run = run_cli("import", str(tmp_path / "terraform.tfstate"))
    assert run.code == 0, run.err
    group = name.split("_")[0]
    block = run.out[run.out.index(f'security-group "alicloud_security_group.{group}" {{') :]
    return [line.strip() for line in block[: block.index("\n  }")].splitlines()[1:]], run.err


def test_no_implicit_rule_is_written_as_a_rule(tmp_path):
    lines, _ = imported(tmp_path, "open")
    assert lines == ["type basic", "inner-access accept"]
    assert not any("priority 100" in line for line in lines)


@pytest.mark.parametrize(
    "attributes, expected",
    [
        ({"security_group_type": "enterprise", "inner_access_policy": "Accept"}, ["type enterprise"]),
        ({"inner_access_policy": "Drop"}, ["type basic", "inner-access drop"]),
        ({"inner_access_policy": "drop"}, ["type basic", "inner-access drop"]),
        ({"inner_access_policy": None, "inner_access": False}, ["type basic", "inner-access drop"]),  # the old flag
        ({"inner_access_policy": None, "inner_access": True}, ["type basic", "inner-access accept"]),
        ({"security_group_type": None, "inner_access_policy": None}, ["type basic"]),  # the provider's defaults
    ],
)
def test_group_type_and_inner_access(tmp_path, attributes, expected):
    lines, err = imported(tmp_path, "open", **attributes)
    assert lines == expected
    assert "IMP001" not in err


@pytest.mark.parametrize(
    "attributes, words",
    [
        ({"security_group_type": "premium"}, "security group type 'premium' is not understood; read as basic"),
        ({"inner_access_policy": "Sometimes"}, "inner_access_policy 'Sometimes' is not understood; read as Accept"),
    ],
)
def test_a_group_setting_not_understood_is_said(tmp_path, attributes, words):
    _, err = imported(tmp_path, "open", **attributes)
    assert "IMP001" in err and words in err and "alicloud_security_group.open" in err


@pytest.mark.parametrize(
    "attributes, line",
    [
        ({}, "inbound allow priority 1 icmp from 10.50.0.0/16"),  # -1/-1: every ICMP type and code
        ({"ip_protocol": "icmpv6", "cidr_ip": "", "ipv6_cidr_ip": "::/0"}, "inbound allow priority 1 icmpv6 from ::/0"),
        ({"port_range": "8/0"}, None),  # Alibaba names no ICMP type: not a range it writes
    ],
)
def test_icmp_rules_take_every_type_or_are_said(tmp_path, attributes, line):
    lines, err = imported(tmp_path, "enterprise_ping", **attributes)
    if line is None:
        assert not any("icmp" in text for text in lines)
        assert "IMP001" in err and "alicloud_security_group_rule.enterprise_ping" in err
    else:
        assert line in lines

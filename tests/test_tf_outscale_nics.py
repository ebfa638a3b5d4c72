"""An Outscale VM launched with its NICs (`nics` and `primary_nic` blocks of outscale_vm) is read: the NIC
of device 0 is the VM's primary interface, any other device one more interface of it, and a block's
`nic_id` naming an outscale_nic attaches that NIC to the VM.

What the provider documents and writes, followed here:
- "outscale_vm Resource", terraform-provider-outscale docs/resources/vm.md
  (https://registry.terraform.io/providers/outscale/outscale/latest/docs/resources/vm): `nics` are
  "One or more NICs. If you specify this parameter, you must not specify the subnet_id"; a block either
  attaches an existing NIC (`nic_id`) or creates one (`subnet_id`, `private_ips { private_ip is_primary }`,
  `security_group_ids`); `device_number` 0 is the primary network interface (the newer `primary_nic`
  block holds that one alone, "must be 0", to be used with outscale_nic_link for the others). Its
  example writes `device_number = "0"`, a string, for a number attribute.
- The provider's acceptance fixtures, outscale/terraform-provider-outscale
  tests/data/oapi/nets/TF-145_vm_resource_private_with_multiple_NICs_attributes_ok (step1 .tf and its
  state .ref) and tests/data/oapi/vm/TF-212_vm_primary_nic_ok, TF-213_vm_nics_ok: the state lists every
  NIC of the VM in `nics` (device 1 first there) and device 0 again in `primary_nic`, each with
  `nic_id`, `subnet_id`, `security_group_ids`, `security_groups [{security_group_id,
  security_group_name}]`, `private_ips [{is_primary, private_ip, ...}]`, `device_number` (a number) and
  `link_nic [{device_number (a string), state}]`; the VM's own `security_group_ids` is empty, its
  `subnet_id` and `private_ip` are device 0's; the outscale_nic attached through `nics` keeps the
  `link_nic: []` it read when it was created.

The realistic state is fixtures/imports/tf-outscale-nics (verdicts, `why`, round trip); the cases here
vary it, and a one-line `terraform show -json` plan is built below the way Terraform writes one.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES, run_cli
from test_import_terraform import NOW, write

from verifier.importers.terraform.load import load

ESTATE = FIXTURES / "imports" / "tf-outscale-nics"
PROVIDER = "registry.terraform.io/outscale/outscale"
APP = (
    'vm "outscale_vm.app" {\n'
    '    subnet "outscale_subnet.app"  ip 10.40.1.10  groups "outscale_security_group.app"\n'
    '    interface "outscale_nic.admin" { subnet "outscale_subnet.admin"  ip 10.40.9.10  '
    'groups "outscale_security_group.admin" }\n'
    "  }"
)


def imported(*paths: Path) -> tuple[str, list[str]]:
    result = load(list(paths), "x.peer")
    return result.text, sorted(f"{w.code} {w.message}" for w in result.warnings)


def verdicts(*paths: Path, assertions: str) -> list[str]:
    folder = paths[0].parent
    (folder / "assertions.peer").write_text(assertions)
    run = run_cli("check", *NOW, "--format", "json", *map(str, paths), str(folder / "assertions.peer"))
    assert run.code in (0, 1), run.err
    return [a["status"] for a in json.loads(run.out)["assertions"]]


def fixture_state() -> dict:
    return json.loads((ESTATE / "terraform.tfstate").read_text())


def attributes(document: dict, address: str) -> dict:
    found = next(r for r in document["resources"] if f"{r['type']}.{r['name']}" == address)
    return found["instances"][0]["attributes"]


# -- a state -------------------------------------------------------------------------------------


def test_a_state_reads_the_nics_of_a_vm(tmp_path):
    # Regression: the admin NIC (attached by the VM's nics, its own link_nic empty) was "attached to no
    # instance" and left out without a gap, and `assert isolate` from ops to the VM was proved.
    text, warnings = imported(ESTATE / "terraform.tfstate")
    assert APP in text
    assert warnings == []
    path = write(tmp_path / "terraform.tfstate", fixture_state())
    assert verdicts(
        path,
        assertions='assert isolate "outscale_net.ops" -> "outscale_vm.app" tcp 22\n'
        'assert isolate "outscale_net.ops" -> "outscale_nic.admin" tcp 22\n'
        'assert isolate "outscale_net.ops" -> "outscale_vm.app" tcp 443\n',
    ) == ["refuted", "refuted", "proved"]


def test_the_vm_groups_are_its_primary_nics_not_its_empty_security_group_ids(tmp_path):
    # The state's own security_group_ids of a VM launched with nics is []: read alone, the VM was in
    # no group, and sent and received nothing (`reach` refuted, every isolation proved).
    document = fixture_state()
    assert attributes(document, "outscale_vm.app")["security_group_ids"] == []
    path = write(tmp_path / "terraform.tfstate", document)
    assert verdicts(path, assertions='assert reach "outscale_vm.web" -> "outscale_vm.app" tcp 443\n') == ["proved"]


def test_a_nic_created_by_the_vm_at_device_1_is_an_interface_named_by_its_device(tmp_path):
    document = fixture_state()
    vm = attributes(document, "outscale_vm.app")
    admin = attributes(document, "outscale_nic.admin")
    created = next(n for n in vm["nics"] if n["device_number"] == 1)
    created["nic_id"] = "eni-0a0a0a77"  # created by the VM: no outscale_nic holds it
    created["link_nic"][0]["link_nic_id"] = "eni-attach-0a0a0a77"
    document["resources"] = [r for r in document["resources"] if r["type"] != "outscale_nic"]
    path = write(tmp_path / "terraform.tfstate", document)
    text, warnings = imported(path)
    assert (
        '    interface "outscale_vm.app.nics[1]" { subnet "outscale_subnet.admin"  ip 10.40.9.10  '
        'groups "outscale_security_group.admin" }\n'
    ) in text
    assert warnings == [] and admin["subnet_id"] == created["subnet_id"]


def test_a_masked_address_of_a_second_nic_leaves_a_gap_not_a_proof(tmp_path):
    # As the provider's .ref states keep it: the private address masked ("########").
    document = fixture_state()
    vm = attributes(document, "outscale_vm.app")
    created = next(n for n in vm["nics"] if n["device_number"] == 1)
    created["nic_id"] = "eni-0a0a0a77"
    created["private_ips"][0]["private_ip"] = "########"
    document["resources"] = [r for r in document["resources"] if r["type"] != "outscale_nic"]
    path = write(tmp_path / "terraform.tfstate", document)
    text, warnings = imported(path)
    assert "interface" not in text
    assert warnings == [
        'IMP002 outscale_vm.app: nics[0].private_ips is masked in the input ("########"); the NIC is not modelled'
    ]
    assert verdicts(path, assertions='assert isolate "outscale_net.ops" -> "outscale_vm.app" tcp 22\n') == ["unknown"]


def test_a_nic_id_of_no_nic_of_the_input_is_said_with_a_gap(tmp_path):
    document = fixture_state()
    vm = attributes(document, "outscale_vm.app")
    linked = next(n for n in vm["nics"] if n["device_number"] == 1)
    for attribute in ("subnet_id", "private_ips", "security_group_ids", "security_groups"):
        del linked[attribute]  # only what a nic_id block says of an existing NIC
    linked["nic_id"] = "eni-0fffffff"
    document["resources"] = [r for r in document["resources"] if r["type"] != "outscale_nic"]
    path = write(tmp_path / "terraform.tfstate", document)
    _, warnings = imported(path)
    assert warnings == [
        "IMP001 outscale_vm.app: nics[0].nic_id eni-0fffffff is not a NIC of the input; the NIC is not modelled"
    ]
    assert verdicts(path, assertions='assert isolate "outscale_vm.bastion" -> "outscale_vm.app" tcp 22\n') == [
        "unknown"
    ]


def test_a_state_and_its_show_json_form_read_the_nics_alike(tmp_path):
    from test_import_estates import _show_json

    shown = write(tmp_path / "state.json", _show_json(fixture_state()))
    assert APP in imported(shown)[0]


# -- a plan --------------------------------------------------------------------------------------


def _resource(rtype: str, name: str, values: dict, unknown: dict, expressions: dict) -> dict[str, Any]:
    return {"type": rtype, "name": name, "values": values, "unknown": unknown, "expressions": expressions}


def _ref(address: str, attribute: str) -> dict:
    return {"references": [f"{address}.{attribute}", address]}


def _const(value: Any) -> dict:
    return {"constant_value": value}


def plan(*resources: dict) -> str:
    """`terraform show -json` of a plan creating `resources`, on one line as Terraform writes it."""
    planned, changes, configured = [], [], []
    for r in resources:
        address = f"{r['type']}.{r['name']}"
        common = {"address": address, "mode": "managed", "type": r["type"], "name": r["name"]}
        planned.append(
            {**common, "provider_name": PROVIDER, "schema_version": 0, "values": r["values"], "sensitive_values": {}}
        )
        change = {"actions": ["create"], "before": None, "after": r["values"], "after_unknown": r["unknown"]}
        changes.append({**common, "provider_name": PROVIDER, "change": change})
        configured.append(
            {**common, "provider_config_key": "outscale", "expressions": r["expressions"], "schema_version": 0}
        )
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "outscale": {"name": "outscale", "full_name": PROVIDER, "expressions": {"region": _const("eu-west-2")}}
            },
            "root_module": {"resources": configured},
        },
        "timestamp": "2026-11-20T10:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    return json.dumps(document, separators=(",", ":")) + "\n"


def _estate() -> list[dict]:
    """Net prod (subnets app and admin, groups app and admin) and net ops (subnet ops, the VM bastion),
    peered, with routes both ways: all to be created, their ids unknown."""
    ids = {"id": True, "net_id": True}
    found = [
        _resource("outscale_net", "prod", {"ip_range": "10.40.0.0/16"}, ids, {"ip_range": _const("10.40.0.0/16")}),
        _resource("outscale_net", "ops", {"ip_range": "10.41.0.0/16"}, ids, {"ip_range": _const("10.41.0.0/16")}),
        _resource(
            "outscale_net_peering",
            "prod_ops",
            {},
            {"id": True, "net_peering_id": True, "state": True, "source_net_id": True, "accepter_net_id": True},
            {
                "source_net_id": _ref("outscale_net.prod", "net_id"),
                "accepter_net_id": _ref("outscale_net.ops", "net_id"),
            },
        ),
        _resource(
            "outscale_net_peering_acceptation",
            "prod_ops",
            {},
            {"id": True, "state": True, "net_peering_id": True},
            {
                "net_peering_id": _ref("outscale_net_peering.prod_ops", "net_peering_id"),
            },
        ),
    ]
    for name, net, cidr in (
        ("app", "prod", "10.40.1.0/24"),
        ("admin", "prod", "10.40.9.0/24"),
        ("ops", "ops", "10.41.1.0/24"),
    ):
        found.append(
            _resource(
                "outscale_subnet",
                name,
                {"ip_range": cidr, "subregion_name": "eu-west-2a"},
                {"id": True, "subnet_id": True, "net_id": True},
                {"ip_range": _const(cidr), "net_id": _ref(f"outscale_net.{net}", "net_id")},
            )
        )
    for name, net, port, cidr in (
        ("app", "prod", 443, "10.40.0.0/16"),
        ("admin", "prod", 22, "10.41.0.0/16"),
        ("ops", "ops", 22, "10.0.0.0/8"),
    ):
        found.append(
            _resource(
                "outscale_security_group",
                name,
                {"security_group_name": name, "description": name},
                {"id": True, "security_group_id": True, "net_id": True, "inbound_rules": True, "outbound_rules": True},
                {"net_id": _ref(f"outscale_net.{net}", "net_id")},
            )
        )
        found.append(
            _resource(
                "outscale_security_group_rule",
                name,
                {
                    "flow": "Inbound",
                    "from_port_range": port,
                    "to_port_range": port,
                    "ip_protocol": "tcp",
                    "ip_range": cidr,
                },
                {"id": True, "security_group_id": True},
                {"security_group_id": _ref(f"outscale_security_group.{name}", "security_group_id")},
            )
        )
    for name, net, peer in (("prod", "prod", "10.41.0.0/16"), ("ops", "ops", "10.40.0.0/16")):
        found.append(
            _resource(
                "outscale_route_table",
                name,
                {},
                {"id": True, "route_table_id": True, "net_id": True, "routes": True, "link_route_tables": True},
                {"net_id": _ref(f"outscale_net.{net}", "net_id")},
            )
        )
        found.append(
            _resource(
                "outscale_route",
                name,
                {"destination_ip_range": peer},
                {"id": True, "route_table_id": True, "net_peering_id": True},
                {
                    "destination_ip_range": _const(peer),
                    "route_table_id": _ref(f"outscale_route_table.{name}", "route_table_id"),
                    "net_peering_id": _ref("outscale_net_peering.prod_ops", "net_peering_id"),
                },
            )
        )
    for subnet, table in (("app", "prod"), ("admin", "prod"), ("ops", "ops")):
        found.append(
            _resource(
                "outscale_route_table_link",
                subnet,
                {},
                {"id": True, "route_table_id": True, "subnet_id": True},
                {
                    "route_table_id": _ref(f"outscale_route_table.{table}", "route_table_id"),
                    "subnet_id": _ref(f"outscale_subnet.{subnet}", "subnet_id"),
                },
            )
        )
    found.append(
        _resource(
            "outscale_vm",
            "bastion",
            {"image_id": "ami-a3ca408c", "vm_type": "tinav6.c2r4p2", "private_ips": ["10.41.1.10"]},
            {
                "id": True,
                "vm_id": True,
                "subnet_id": True,
                "security_group_ids": True,
                "nics": True,
                "primary_nic": True,
            },
            {
                "subnet_id": _ref("outscale_subnet.ops", "subnet_id"),
                "private_ips": _const(["10.41.1.10"]),
                "security_group_ids": _ref("outscale_security_group.ops", "security_group_id"),
            },
        )
    )
    return found


# What a NIC block holds once planned: the configured values; the computed ones unknown.
COMPUTED = {"nic_id": True, "link_nic": True, "security_groups": True, "private_dns_name": True, "state": True}


def _app(second: dict, second_unknown: dict, second_expressions: dict, device: Any = "1") -> dict:
    """The VM app launched with its NICs: device 0 created in subnet app (10.40.1.10, group app), and
    `second` (device 1) as given."""
    primary = {
        "device_number": 0,
        "delete_on_vm_deletion": True,
        "private_ips": [{"is_primary": True, "private_ip": "10.40.1.10"}],
        "security_group_ids": [None],
    }
    primary_unknown = {
        **COMPUTED,
        "subnet_id": True,
        "security_group_ids": [True],
        "private_ips": [{"link_public_ip": True, "private_dns_name": True}],
    }
    primary_configured = {
        "device_number": _const("0"),
        "delete_on_vm_deletion": _const(True),
        "subnet_id": _ref("outscale_subnet.app", "subnet_id"),
        "security_group_ids": _ref("outscale_security_group.app", "security_group_id"),
        "private_ips": [{"private_ip": _const("10.40.1.10"), "is_primary": _const(True)}],
    }
    return _resource(
        "outscale_vm",
        "app",
        {"image_id": "ami-a3ca408c", "vm_type": "tinav6.c2r4p2", "nics": [{"device_number": 1, **second}, primary]},
        {
            "id": True,
            "vm_id": True,
            "subnet_id": True,
            "private_ip": True,
            "security_group_ids": True,
            "primary_nic": True,
            "nics": [{**COMPUTED, **second_unknown}, primary_unknown],
        },
        {
            "image_id": _const("ami-a3ca408c"),
            "vm_type": _const("tinav6.c2r4p2"),
            "nics": [primary_configured, {"device_number": _const(device), **second_expressions}],
        },
    )


def _admin_nic() -> dict:
    return _resource(
        "outscale_nic",
        "admin",
        {"private_ips": [{"is_primary": True, "private_ip": "10.40.9.10"}]},
        {
            "id": True,
            "nic_id": True,
            "subnet_id": True,
            "security_group_ids": True,
            "link_nic": True,
            "security_groups": True,
        },
        {
            "subnet_id": _ref("outscale_subnet.admin", "subnet_id"),
            "security_group_ids": _ref("outscale_security_group.admin", "security_group_id"),
            "private_ips": [{"private_ip": _const("10.40.9.10"), "is_primary": _const(True)}],
        },
    )


def test_a_plan_reads_nics_given_by_nic_id_and_created_by_the_vm(tmp_path):
    # Regression: the VM, whose subnet_id is computed from its nics, was said not modelled (IMP002).
    second = _app({}, {}, {"nic_id": _ref("outscale_nic.admin", "nic_id")})
    path = tmp_path / "plan.json"
    path.write_text(plan(*_estate(), _admin_nic(), second))
    assert path.read_text().count("\n") == 1
    text, warnings = imported(path)
    assert APP in text
    assert warnings == []
    assert verdicts(
        path,
        assertions='assert isolate "outscale_net.ops" -> "outscale_vm.app" tcp 22\n'
        'assert isolate "outscale_net.ops" -> "outscale_vm.app" tcp 443\n'
        'assert reach "outscale_vm.bastion" -> "outscale_nic.admin" tcp 22\n',
    ) == ["refuted", "proved", "proved"]


def test_a_number_written_as_a_number_in_the_configuration_finds_its_block_too(tmp_path):
    second = _app({}, {}, {"nic_id": _ref("outscale_nic.admin", "nic_id")}, device=1)
    path = tmp_path / "plan.json"
    path.write_text(plan(*_estate(), _admin_nic(), second))
    assert APP in imported(path)[0]


def test_a_plan_nic_created_at_device_1_is_an_interface(tmp_path):
    second = _app(
        {"private_ips": [{"is_primary": True, "private_ip": "10.40.9.20"}], "security_group_ids": [None]},
        {"subnet_id": True, "security_group_ids": [True]},
        {
            "subnet_id": _ref("outscale_subnet.admin", "subnet_id"),
            "security_group_ids": _ref("outscale_security_group.admin", "security_group_id"),
            "private_ips": [{"private_ip": _const("10.40.9.20"), "is_primary": _const(True)}],
        },
    )
    path = tmp_path / "plan.json"
    path.write_text(plan(*_estate(), second))
    text, warnings = imported(path)
    assert (
        'interface "outscale_vm.app.nics[1]" { subnet "outscale_subnet.admin"  ip 10.40.9.20  '
        'groups "outscale_security_group.admin" }'
    ) in text
    assert warnings == []


def test_an_address_of_a_second_nic_unknown_until_apply_is_a_gap(tmp_path):
    # The NIC's address is chosen at apply: the VM answers there, so no isolation to it is proved.
    second = _app(
        {"security_group_ids": [None]},
        {"subnet_id": True, "security_group_ids": [True], "private_ips": True},
        {
            "subnet_id": _ref("outscale_subnet.admin", "subnet_id"),
            "security_group_ids": _ref("outscale_security_group.admin", "security_group_id"),
        },
    )
    path = tmp_path / "plan.json"
    path.write_text(plan(*_estate(), second))
    text, warnings = imported(path)
    assert "interface" not in text
    assert warnings == [
        "IMP002 outscale_vm.app: nics[0].private_ips is known only after apply; the NIC is not modelled"
    ]
    assert verdicts(path, assertions='assert isolate "outscale_vm.bastion" -> "outscale_vm.app" tcp 22\n') == [
        "unknown"
    ]


def test_a_primary_nic_block_places_the_vm_and_a_nic_link_adds_the_other(tmp_path):
    # TF-212's layout: primary_nic { nic_id = outscale_nic.nic01.nic_id  device_number = "0" } and an
    # outscale_nic_link of device 1.
    eth0 = copy.deepcopy(_admin_nic())
    eth0.update(name="eth0")
    eth0["values"]["private_ips"][0]["private_ip"] = "10.40.1.10"
    eth0["expressions"]["subnet_id"] = _ref("outscale_subnet.app", "subnet_id")
    eth0["expressions"]["security_group_ids"] = _ref("outscale_security_group.app", "security_group_id")
    eth0["expressions"]["private_ips"][0]["private_ip"] = _const("10.40.1.10")
    vm = _resource(
        "outscale_vm",
        "app",
        {"image_id": "ami-a3ca408c", "vm_type": "tinav6.c2r4p2", "primary_nic": [{"device_number": 0}]},
        {
            "id": True,
            "vm_id": True,
            "subnet_id": True,
            "security_group_ids": True,
            "nics": True,
            "primary_nic": [COMPUTED],
        },
        {"primary_nic": [{"device_number": _const("0"), "nic_id": _ref("outscale_nic.eth0", "nic_id")}]},
    )
    link = _resource(
        "outscale_nic_link",
        "admin",
        {"device_number": 1},
        {"id": True, "vm_id": True, "nic_id": True},
        {
            "device_number": _const("1"),
            "vm_id": _ref("outscale_vm.app", "vm_id"),
            "nic_id": _ref("outscale_nic.admin", "nic_id"),
        },
    )
    path = tmp_path / "plan.json"
    path.write_text(plan(*_estate(), eth0, _admin_nic(), vm, link))
    text, warnings = imported(path)
    assert (
        'vm "outscale_vm.app" {\n'
        '    subnet "outscale_subnet.app"  ip 10.40.1.10  groups "outscale_security_group.app"\n'
        '    interface "outscale_nic.admin" {'
    ) in text
    assert warnings == []


def test_a_vm_with_nics_but_none_of_device_0_is_left_out_and_said(tmp_path):
    second = _app({}, {}, {"nic_id": _ref("outscale_nic.admin", "nic_id")})
    second["values"]["nics"] = second["values"]["nics"][:1]
    second["unknown"]["nics"] = second["unknown"]["nics"][:1]
    second["expressions"]["nics"] = second["expressions"]["nics"][1:]
    path = tmp_path / "plan.json"
    path.write_text(plan(*_estate(), _admin_nic(), second))
    text, warnings = imported(path)
    assert 'vm "outscale_vm.app"' not in text
    assert warnings == [
        "IMP001 outscale_nic.admin: the network interface is attached to outscale_vm.app, which is not modelled; "
        "traffic through it is not modelled; not imported",
        "IMP001 outscale_vm.app: no NIC of device 0 (its primary interface) in nics or primary_nic: the VM; "
        "not imported",
    ]

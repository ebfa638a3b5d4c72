"""The Terraform importer on the shapes real inputs take: ids resolved by what they refer to, whatever
the order of the state; workspaces that share addresses kept apart; format-3 states read; accepted
peerings read as accepted; routes never dropped in silence.

Each estate here is written the way Terraform writes it (a raw state: `version`, `resources` sorted
by module, mode, type and name) but holds only what the case needs; the realistic estates are in
fixtures/imports/tf-*/.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

from verifier.importers.terraform import expand, file_labels

IMPORTS = FIXTURES / "imports"
NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
OUTSCALE = 'provider["registry.terraform.io/outscale/outscale"]'


def entry(
    rtype: str,
    name: str,
    attributes: dict,
    module: str = "",
    mode: str = "managed",
    provider: str = AWS,
    index: int | None = None,
) -> dict:
    found = {"module": module} if module else {}
    found.update(mode=mode, type=rtype, name=name, provider=provider)
    instance = {"index_key": index} if index is not None else {}
    instance.update(schema_version=0, attributes=attributes, sensitive_attributes=[])
    found["instances"] = [instance]
    return found


def state(*resources: dict, serial: int = 1) -> dict:
    ordered = sorted(resources, key=lambda r: (r.get("module", ""), r["mode"], r["type"], r["name"]))
    return {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": serial,
        "lineage": "0f6b7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b",
        "outputs": {},
        "resources": ordered,
        "check_results": None,
    }


def write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def check(*paths: Path) -> dict:
    run = run_cli("check", *NOW, "--format", "json", *map(str, paths))
    assert run.code in (0, 1), run.err
    return json.loads(run.out)


def codes(document: dict) -> Counter:
    return Counter(d["code"] for d in document["diagnostics"])


def messages(document: dict, code: str) -> list[str]:
    return [d["message"] for d in document["diagnostics"] if d["code"] == code]


def attributes(document: dict, address: str) -> dict:
    """The attributes of the resource at `address` (root module, one instance) of a raw state."""
    found = next(r for r in document["resources"] if f"{r['type']}.{r['name']}" == address and r["mode"] == "managed")
    return found["instances"][0]["attributes"]


def vpc(vid: str, cidr: str, main: str, acl: str = "acl-0aaaaaaaaaaaaaaa0", sg: str = "sg-0aaaaaaaaaaaaaaa0") -> dict:
    return {
        "arn": f"arn:aws:ec2:eu-west-1:210987654321:vpc/{vid}",
        "cidr_block": cidr,
        "default_network_acl_id": acl,
        "default_route_table_id": main,
        "default_security_group_id": sg,
        "id": vid,
        "ipv6_cidr_block": "",
        "main_route_table_id": main,
        "owner_id": "210987654321",
    }


def instance(iid: str, subnet: str, ip: str, groups: list[str]) -> dict:
    return {"id": iid, "private_ip": ip, "subnet_id": subnet, "vpc_security_group_ids": groups, "ipv6_addresses": []}


def group(sid: str, vpc_id: str, ingress: list[dict]) -> dict:
    everything = {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "self": False}
    return {"id": sid, "vpc_id": vpc_id, "ingress": ingress, "egress": [everything]}


def tcp(port: int, cidr: str) -> dict:
    return {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": [cidr], "self": False}


# -- item 1: ids resolve to what the attribute refers to ---------------------------------------------


def _net_lines(text: str) -> list[str]:
    """The peer text's lines without the heading, in no particular order (nets come in input order)."""
    return sorted(line.strip() for line in text.splitlines()[1:] if line.strip())


@pytest.mark.parametrize("seed", range(5))
def test_ids_resolve_alike_whatever_the_order_of_the_state(tmp_path, seed):
    # Regression: the VPC's default_network_acl_id resolved to the default ACL written before it.
    source = json.loads((IMPORTS / "tf-aws-modules-vpc-state" / "terraform.tfstate").read_text())
    random.Random(seed).shuffle(source["resources"])
    shuffled = write(tmp_path / "terraform.tfstate", source)
    original = run_cli("import", str(IMPORTS / "tf-aws-modules-vpc-state" / "terraform.tfstate"))
    reordered = run_cli("import", str(shuffled))
    assert original.code == reordered.code == 0
    assert _net_lines(reordered.out) == _net_lines(original.out)
    assert 'network-acl "module.vpc.aws_default_network_acl.this[0]"' in reordered.out
    assert 'route-table "module.vpc.aws_default_route_table.default[0]" {' in reordered.out


def test_an_accepter_written_before_its_peering_still_accepts_it(tmp_path):
    # Regression: the accepter (module "a" sorts before the root... here, before the peering's
    # module) took the peering's id for itself and the peering stayed pending-acceptance.
    document = state(
        entry("aws_vpc", "one", vpc("vpc-0111111111111111a", "10.1.0.0/16", "rtb-0111111111111111a"), "module.b"),
        entry("aws_vpc", "two", vpc("vpc-0222222222222222b", "10.2.0.0/16", "rtb-0222222222222222b"), "module.b"),
        entry(
            "aws_vpc_peering_connection",
            "this",
            {
                "id": "pcx-0333333333333333c",
                "vpc_id": "vpc-0111111111111111a",
                "peer_vpc_id": "vpc-0222222222222222b",
                "peer_owner_id": "444455556666",
                "accept_status": "pending-acceptance",
            },
            "module.b",
        ),
        entry(
            "aws_vpc_peering_connection_accepter",
            "this",
            {
                "id": "pcx-0333333333333333c",
                "vpc_peering_connection_id": "pcx-0333333333333333c",
                "accept_status": "active",
            },
            "module.a",
        ),
    )
    run = run_cli("import", str(write(tmp_path / "terraform.tfstate", document)))
    assert run.code == 0, run.err
    assert "state active }" in run.out


def test_an_instance_without_groups_is_in_the_managed_default_group(tmp_path):
    # Regression: AWS's default rules were used even where aws_default_security_group manages the group.
    document = state(
        entry("aws_vpc", "main", vpc("vpc-0111111111111111a", "10.1.0.0/16", "rtb-0111111111111111a")),
        entry(
            "aws_subnet",
            "a",
            {"id": "subnet-0111111111111111a", "vpc_id": "vpc-0111111111111111a", "cidr_block": "10.1.1.0/24"},
        ),
        entry(
            "aws_default_security_group",
            "main",
            {"id": "sg-0aaaaaaaaaaaaaaa0", "vpc_id": "vpc-0111111111111111a", "ingress": [], "egress": []},
        ),
        entry("aws_instance", "a", instance("i-0111111111111111a", "subnet-0111111111111111a", "10.1.1.10", [])),
    )
    run = run_cli("import", str(write(tmp_path / "terraform.tfstate", document)))
    assert 'groups "aws_default_security_group.main"' in run.out
    assert "aws_vpc.main.default_security_group" not in run.out


def test_an_entry_added_to_the_default_acl_is_kept_with_aws_default_entries(tmp_path):
    # Regression: an aws_network_acl_rule on the VPC's default ACL (no aws_default_network_acl) was dropped.
    document = state(
        entry("aws_vpc", "main", vpc("vpc-0111111111111111a", "10.1.0.0/16", "rtb-0111111111111111a")),
        entry(
            "aws_subnet",
            "a",
            {"id": "subnet-0111111111111111a", "vpc_id": "vpc-0111111111111111a", "cidr_block": "10.1.1.0/24"},
        ),
        entry(
            "aws_network_acl_rule",
            "no_telnet",
            {
                "id": "nacl-1234567890",
                "network_acl_id": "acl-0aaaaaaaaaaaaaaa0",
                "rule_number": 50,
                "egress": False,
                "rule_action": "deny",
                "protocol": "tcp",
                "from_port": 23,
                "to_port": 23,
                "cidr_block": "0.0.0.0/0",
            },
        ),
    )
    run = run_cli("import", str(write(tmp_path / "terraform.tfstate", document)))
    assert 'network-acl "aws_vpc.main.default_network_acl" {' in run.out
    assert "inbound 50 deny tcp 23 from 0.0.0.0/0" in run.out
    assert "inbound 100 allow all from 0.0.0.0/0" in run.out  # AWS's default entry
    assert 'network-acl "aws_vpc.main.default_network_acl" }' in run.out  # the subnet uses it


# -- item 2: several workspaces ------------------------------------------------------------------------


def test_file_labels_take_as_many_folders_as_tell_the_files_apart():
    assert file_labels(["/x/prod.tfstate", "/x/staging.tfstate"]) == {
        "/x/prod.tfstate": "prod.tfstate",
        "/x/staging.tfstate": "staging.tfstate",
    }
    assert file_labels(["/x/d/prod/terraform.tfstate", "/x/d/staging/terraform.tfstate"]) == {
        "/x/d/prod/terraform.tfstate": "prod/terraform.tfstate",
        "/x/d/staging/terraform.tfstate": "staging/terraform.tfstate",
    }


def test_two_workspaces_keep_their_vpcs_apart(tmp_path):
    # Regression: module.vpc.aws_vpc.this[0] of two workspaces became one net with both blocks.
    prefix = "terraform.tfstate.d"
    for env, second in (("prod", "10"), ("staging", "20")):
        document = state(
            entry(
                "aws_vpc",
                "this",
                vpc(f"vpc-0{second}00000000000000", f"10.{second}.0.0/16", f"rtb-0{second}0000000000000"),
                "module.vpc",
                index=0,
            ),
        )
        write(tmp_path / prefix / env / "terraform.tfstate", document)
    run = run_cli(
        "import",
        str(tmp_path / prefix / "prod" / "terraform.tfstate"),
        str(tmp_path / prefix / "staging" / "terraform.tfstate"),
    )
    assert run.code == 0, run.err
    assert 'net "prod/terraform.tfstate:module.vpc.aws_vpc.this[0]" {' in run.out
    assert 'net "staging/terraform.tfstate:module.vpc.aws_vpc.this[0]" {' in run.out
    assert run.out.count("cidr 10.") == 2


def test_one_object_in_two_files_stays_one(tmp_path):
    # A state and an older copy of it (its backup): the same cloud ids, one estate, no qualified names.
    document = state(entry("aws_vpc", "main", vpc("vpc-0111111111111111a", "10.1.0.0/16", "rtb-0111111111111111a")))
    older = dict(document, serial=0)
    run = run_cli("import", str(write(tmp_path / "a.tfstate", document)), str(write(tmp_path / "b.tfstate", older)))
    assert run.code == 0, run.err
    assert run.out.count("net ") == 1 and 'net "aws_vpc.main"' in run.out


def test_a_data_source_of_a_type_not_read_is_said_and_so_is_what_names_it(tmp_path):
    # Nothing dropped in silence: an instance in a subnet read only by data.aws_subnet.
    document = state(
        entry("aws_vpc", "main", vpc("vpc-0111111111111111a", "10.1.0.0/16", "rtb-0111111111111111a")),
        entry(
            "aws_subnet",
            "shared",
            {"id": "subnet-0999999999999999f", "vpc_id": "vpc-0111111111111111a", "cidr_block": "10.1.9.0/24"},
            mode="data",
        ),
        entry("aws_instance", "a", instance("i-0111111111111111a", "subnet-0999999999999999f", "10.1.9.10", [])),
    )
    document = check(write(tmp_path / "terraform.tfstate", document))
    said = messages(document, "IMP001")
    assert any(m.startswith("data.aws_subnet.shared: a data source reading a aws_subnet") for m in said), said
    assert any(m.startswith("aws_instance.a: subnet_id (data.aws_subnet.shared)") for m in said), said


def test_a_deposed_object_is_said_not_modelled_twice(tmp_path):
    # create_before_destroy: the old VPC stays in the state, deposed, beside the new one at its address.
    vpcs = entry("aws_vpc", "main", vpc("vpc-0111111111111111a", "10.1.0.0/16", "rtb-0111111111111111a"))
    old = {
        "deposed": "7c1e2a3d",
        "schema_version": 0,
        "attributes": vpc("vpc-0999999999999999f", "10.9.0.0/16", "rtb-0999"),
    }
    vpcs["instances"].append(old)
    path = write(tmp_path / "terraform.tfstate", state(vpcs))
    run = run_cli("import", str(path))
    assert run.out.count("net ") == 1 and "10.9.0.0/16" not in run.out
    assert any(m.startswith("aws_vpc.main: a deposed object") for m in messages(check(path), "IMP001"))


# -- item 3: format-3 states ---------------------------------------------------------------------------


def test_flat_attributes_expand_to_nested_values():
    flat = {
        "id": "sg-1",
        "ingress.#": "2",
        "ingress.2541437006.from_port": "22",
        "ingress.2541437006.cidr_blocks.#": "1",
        "ingress.2541437006.cidr_blocks.0": "10.0.0.0/8",
        "ingress.2541437006.self": "false",
        "ingress.17.from_port": "443",
        "ingress.17.cidr_blocks.#": "0",
        "ingress.17.self": "true",
        "vpc_security_group_ids.#": "1",
        "vpc_security_group_ids.3297516133": "sg-2",
        "tags.%": "2",
        "tags.Name": "web",
        "tags.kubernetes.io/role/elb": "1",
        "egress.#": "0",
        "owner_id": "210987654321",
    }
    assert expand(flat) == {
        "id": "sg-1",
        "ingress": [
            {"from_port": 443, "cidr_blocks": [], "self": True},
            {"from_port": 22, "cidr_blocks": ["10.0.0.0/8"], "self": False},
        ],
        "vpc_security_group_ids": ["sg-2"],
        "tags": {"Name": "web", "kubernetes.io/role/elb": "1"},
        "egress": [],
        "owner_id": "210987654321",
    }


def _legacy(resources: dict, path: list[str] | None = None, version: int = 3) -> dict:
    return {
        "version": version,
        "terraform_version": "0.11.14",
        "serial": 3,
        "lineage": "7c2a9e41-5b3d-4f08-a6e2-1d9c8b7f3e05",
        "modules": [{"path": path or ["root"], "outputs": {}, "resources": resources, "depends_on": []}],
    }


def _flat(rtype: str, attributes: dict, deposed: list | None = None) -> dict:
    return {
        "type": rtype,
        "depends_on": [],
        "primary": {"id": attributes["id"], "attributes": attributes, "meta": {}, "tainted": False},
        "deposed": deposed or [],
        "provider": "provider.aws",
    }


def test_a_format3_state_names_modules_counts_and_data_sources(tmp_path):
    resources = {
        "aws_vpc.this": _flat("aws_vpc", {"id": "vpc-0111111111111111a", "cidr_block": "10.1.0.0/16"}),
        "aws_subnet.private.1": _flat(
            "aws_subnet",
            {"id": "subnet-0111111111111111b", "vpc_id": "vpc-0111111111111111a", "cidr_block": "10.1.2.0/24"},
        ),
        "data.aws_vpc.peer": _flat("aws_vpc", {"id": "vpc-0222222222222222b", "cidr_block": "10.2.0.0/16"}),
    }
    run = run_cli("import", str(write(tmp_path / "legacy.json", _legacy(resources, ["root", "vpc"]))))
    assert run.code == 0, run.err
    assert 'net "module.vpc.aws_vpc.this" {' in run.out
    assert 'subnet "module.vpc.aws_subnet.private[1]" { cidr 10.1.2.0/24' in run.out
    assert 'net "module.vpc.data.aws_vpc.peer" {' in run.out


def test_a_deposed_object_of_a_format3_state_is_said(tmp_path):
    deposed = [
        {"id": "vpc-0333333333333333c", "attributes": {"id": "vpc-0333333333333333c"}, "meta": {}, "tainted": False}
    ]
    resources = {
        "aws_vpc.this": _flat("aws_vpc", {"id": "vpc-0111111111111111a", "cidr_block": "10.1.0.0/16"}, deposed)
    }
    document = check(write(tmp_path / "legacy.json", _legacy(resources)))
    assert any(m.startswith("aws_vpc.this: a deposed object") for m in messages(document, "IMP001"))


@pytest.mark.parametrize(
    "document, where",
    [
        (_legacy({}, version=2), '"version": 2'),
        (_legacy({}, path=["vpc"]), '"path": ['),
    ],
)
def test_a_legacy_state_peerproof_cannot_read_is_a_located_error(tmp_path, document, where):
    path = write(tmp_path / "legacy.json", document)
    run = run_cli("check", "--isolated", str(path))
    assert run.code == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if where in text)
    assert f"{path}:{line}:" in run.err and "PARSE002" in run.err


def test_flat_values_of_the_wrong_shape_are_a_located_error(tmp_path):
    resources = {
        "aws_instance.web": _flat(
            "aws_instance", {"id": "i-0111111111111111a", "private_ip.#": "1", "private_ip.0": "10.1.1.10"}
        )
    }
    path = write(tmp_path / "legacy.json", _legacy(resources))
    run = run_cli("import", str(path))
    assert run.code == 2
    assert "private_ip (from its flat attributes): expected a string, found a list" in run.err


# -- item 4: Outscale acceptations ---------------------------------------------------------------------


def _outscale(peering_state: str | None, acceptation_state: str | None, acceptation: bool = True) -> dict:
    def net(name: str, vid: str, cidr: str) -> dict:
        return entry("outscale_net", name, {"id": vid, "net_id": vid, "ip_range": cidr}, provider=OUTSCALE)

    def states(name: str | None) -> list:
        return [{"message": name.title(), "name": name}] if name else []

    peering = {
        "id": "pcx-1a2b3c4d",
        "net_peering_id": "pcx-1a2b3c4d",
        "source_net_id": "vpc-11111111",
        "accepter_net_id": "vpc-22222222",
        "state": states(peering_state),
    }
    resources = [
        net("a", "vpc-11111111", "10.1.0.0/16"),
        net("b", "vpc-22222222", "10.2.0.0/16"),
        entry("outscale_net_peering", "ab", peering, provider=OUTSCALE),
    ]
    if acceptation:
        accepted = {"id": "pcx-1a2b3c4d", "net_peering_id": "pcx-1a2b3c4d", "state": states(acceptation_state)}
        resources.append(entry("outscale_net_peering_acceptation", "ab", accepted, provider=OUTSCALE))
    return state(*resources)


@pytest.mark.parametrize(
    "peering, accepted, acceptation, expected",
    [
        ("pending-acceptance", "active", True, "active"),  # the acceptation read the peering last
        (None, None, True, "active"),  # a plan: accepted at apply
        ("pending-acceptance", None, False, "pending-acceptance"),
        ("failed", None, False, "failed"),
    ],
)
def test_an_outscale_acceptation_decides_the_state(tmp_path, peering, accepted, acceptation, expected):
    path = write(tmp_path / "terraform.tfstate", _outscale(peering, accepted, acceptation))
    run = run_cli("import", str(path))
    assert run.code == 0, run.err
    assert f"state {expected} }}" in run.out


# -- item 5: routes into tables the input does not hold ------------------------------------------------


def _peered(route_table: str, extra: tuple = ()) -> dict:
    """Two VPCs peered (active), and a route to the second over the peering in `route_table`."""
    one, two = "vpc-0111111111111111a", "vpc-0222222222222222b"
    return state(
        entry("aws_vpc", "one", vpc(one, "10.1.0.0/16", "rtb-0111111111111111a")),
        entry("aws_vpc", "two", vpc(two, "10.2.0.0/16", "rtb-0222222222222222b")),
        entry(
            "aws_vpc_peering_connection",
            "one_two",
            {"id": "pcx-0333333333333333c", "vpc_id": one, "peer_vpc_id": two, "accept_status": "active"},
        ),
        entry(
            "aws_route",
            "to_two",
            {
                "id": "r-rtb-1",
                "route_table_id": route_table,
                "destination_cidr_block": "10.2.0.0/16",
                "vpc_peering_connection_id": "pcx-0333333333333333c",
            },
        ),
        *extra,
    )


def test_a_route_into_a_main_table_named_by_a_data_source_is_kept(tmp_path):
    # Regression: the route was dropped in silence, and ROUTE008 said the peering carried nothing.
    data = entry(
        "aws_vpc",
        "shared",
        {"id": "vpc-0444444444444444d", "cidr_block": "10.4.0.0/16", "main_route_table_id": "rtb-0444444444444444d"},
        mode="data",
    )
    document = _peered("rtb-0444444444444444d", (data,))
    attributes(document, "aws_vpc_peering_connection.one_two")["peer_vpc_id"] = "vpc-0444444444444444d"
    attributes(document, "aws_route.to_two")["destination_cidr_block"] = "10.1.0.0/16"
    path = write(tmp_path / "terraform.tfstate", document)
    run = run_cli("import", str(path))
    assert (
        'route-table "data.aws_vpc.shared.main_route_table" {\n    main\n    route 10.1.0.0/16 via peering' in run.out
    )
    assert "ROUTE008" not in codes(check(path))


def test_a_route_over_a_peering_into_a_table_not_in_the_input_keeps_the_peering_used(tmp_path):
    # The table is another workspace's: the route is kept in a table of that id, in the VPC the
    # peering leaves (its destination is the other's), and said; the peering is not "unused".
    path = write(tmp_path / "terraform.tfstate", _peered("rtb-0555555555555555e"))
    run = run_cli("import", str(path))
    assert (
        'route-table rtb-0555555555555555e {\n    route 10.2.0.0/16 via peering "aws_vpc_peering_connection.one_two"'
        in run.out
    )
    assert run.out.index("rtb-0555555555555555e") < run.out.index('net "aws_vpc.two"')  # in net one
    document = check(path)
    assert "ROUTE008" not in codes(document)
    assert any("rtb-0555555555555555e" in m and "not in the input" in m for m in messages(document, "IMP001"))


def test_a_route_into_a_table_not_in_the_input_is_said(tmp_path):
    # Not over a peering: nowhere to keep it, and it is said at the route, never dropped in silence.
    document = _peered("rtb-0555555555555555e")
    attributes(document, "aws_route.to_two").update(vpc_peering_connection_id="", gateway_id="igw-0666666666666666f")
    said = messages(check(write(tmp_path / "terraform.tfstate", document)), "IMP001")
    table = "rtb-0555555555555555e"
    assert (
        f"aws_route.to_two: route_table_id {table} is not a route table of the input; the route is not modelled" in said
    )

"""Where findings on imported resources point, what they name, and what `import` refuses to write.

- Positions come from the JSON text by path: `terraform show -json` writes one line, and each
  resource is found at the line and column of its address there, not at 1:1 (issue 13, item 10).
- `--tf-root` moves a finding to the `.tf` block of its resource, by address, not by JSON line.
- Every finding on an imported resource names it (`resource`: a Terraform address, a cloud id) in
  JSON and as a SARIF logical location; a finding on a peer file names none.
- `import` builds what it writes first: text that `check` would reject is an input error at the
  resource (exit 2) and nothing is written (issue 13, item 12); masked values of the Outscale
  provider's `*.ref` states are left out and said, not a reason to refuse the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

from verifier import importers
from verifier.language.model import Net

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
ONE_LINE = FIXTURES / "imports" / "tf-aws-plan-one-line"
PLAN = ONE_LINE / "plan.json"
MASKED = FIXTURES / "imports" / "tf-outscale-ref-masked"
REF = MASKED / "step1.net_peering_vms_ok.ref"


def check(*args: object) -> dict:
    run = run_cli("check", *NOW, "--format", "json", *map(str, args))
    assert run.code in (0, 1), run.err
    return json.loads(run.out)


def by_code(document: dict) -> dict[str, dict]:
    return {d["code"]: d for d in document["diagnostics"]}


def column_of(text: str, needle: str, after: str = "") -> int:
    """The 1-based column of the first `needle` past `after` in a one-line text."""
    return text.index(needle, text.index(after)) + 1


def planned(text: str, address: str) -> int:
    """The column of a resource's address in a plan's planned values (a plan also names it in its
    changes and configuration)."""
    return column_of(text, f'"address":{json.dumps(address)}', '"planned_values"')


def test_the_fixture_is_one_line_as_terraform_writes_it():
    text = PLAN.read_text()
    assert text.count("\n") == 1 and text.endswith("}\n")


def test_findings_on_a_one_line_plan_are_at_the_address_of_their_resource():
    # Regression: every finding of a one-line plan was at plan.json:1:1.
    text = PLAN.read_text()
    found = by_code(check(PLAN, ONE_LINE / "assertions.peer"))
    expected = {
        "ROUTE007": "aws_route_table.app",
        "IMP002": "aws_instance.app[1]",
        "ACL001": "module.db.aws_network_acl.this",
    }
    for code, address in expected.items():
        member = f'"address":{json.dumps(address)}'
        d = found[code]
        assert (d["file"], d["line"], d["column"]) == (str(PLAN), 1, planned(text, address)), code
        assert d["end_line"] == 1 and d["end_column"] == d["column"] + len(member)
        assert d["resource"] == address
    # the related place of ROUTE007 (the table without the route back) is its own resource's
    related = found["ROUTE007"]["related"][0]
    assert related["column"] == planned(text, "module.db.aws_route_table.this")
    assert found["REACH001"]["resource"] is None  # on the assertion, in the peer file
    assert found["REACH001"]["file"].endswith("assertions.peer")


def test_each_resource_of_a_one_line_plan_has_its_own_place_and_identity():
    (imported,) = importers.load([PLAN])
    text = PLAN.read_text()
    places = [d.span for d in imported.declarations] + [
        part.span for net in imported.declarations if isinstance(net, Net) for part in net.vms + net.route_tables
    ]
    seen = {}
    for origin in places:
        assert origin.line == origin.end_line == 1
        written = text[origin.column - 1 : origin.end_column - 1]
        address = imported.resource(origin)
        if address is None:  # the provider: said by the plan as a whole
            assert (origin.column, origin.end_column) == (1, 1)
            continue
        assert written == f'"address":{json.dumps(address)}', written
        seen.setdefault(address, origin)
        assert seen[address] == origin  # one place per resource
    assert len(set(seen.values())) == len(seen)
    assert {"aws_instance.app[0]", "module.db.aws_instance.this", "aws_vpc_peering_connection.app_db"} <= set(seen)


def test_tf_root_maps_each_finding_to_the_block_of_its_resource():
    # Regression: with a one-line plan, every finding mapped to the same (wrong) block.
    tf = ONE_LINE / "tf"
    found = by_code(check(PLAN, ONE_LINE / "assertions.peer", "--tf-root", tf))
    where = {
        code: (Path(d["file"]).relative_to(tf).as_posix(), d["line"])
        for code, d in found.items()
        if not code.startswith("REACH")  # the assertions' findings: in assertions.peer
    }
    assert where == {
        "ROUTE007": ("main.tf", 27),  # resource "aws_route_table" "app"
        "IMP002": ("main.tf", 54),  # resource "aws_instance" "app" (count = 2): the block of [1]
        "ACL001": ("modules/db/main.tf", 36),  # module "db": resource "aws_network_acl" "this"
    }
    related = found["ROUTE007"]["related"][0]
    assert (Path(related["file"]).relative_to(tf).as_posix(), related["line"]) == ("modules/db/main.tf", 19)
    for code, (file, line) in where.items():
        block = (tf / file).read_text().splitlines()[line - 1]
        local = found[code]["resource"].split(".")[-2:]  # aws_instance.app[1] -> the block's type and name
        assert block.startswith(f'resource "{local[0]}" "{local[1].split("[")[0]}"'), (code, block)
    assert found["IMP002"]["resource"] == "aws_instance.app[1]"  # the instance, though the block is shared


def test_tf_root_moves_importer_warnings_by_resource():
    run = run_cli("import", str(PLAN), "--tf-root", str(ONE_LINE / "tf"))
    assert run.code == 0, run.err
    assert f"{ONE_LINE / 'tf' / 'main.tf'}:54:1: error IMP002 aws_instance.app[1]: private_ip" in run.err


def test_an_indented_copy_of_the_plan_gives_the_same_findings_at_the_same_resources(tmp_path):
    indented = tmp_path / "plan.json"
    indented.write_text(json.dumps(json.loads(PLAN.read_text()), indent=2) + "\n")
    lines = indented.read_text().splitlines()
    one, other = check(PLAN, ONE_LINE / "assertions.peer"), check(indented, ONE_LINE / "assertions.peer")
    key = lambda d: (d["code"], d["resource"], d["message"])  # noqa: E731
    assert sorted(map(key, one["diagnostics"])) == sorted(map(key, other["diagnostics"]))
    for d in other["diagnostics"]:
        if d["resource"]:
            at = lines[d["line"] - 1][d["column"] - 1 :]
            assert at.startswith(f'"address": {json.dumps(d["resource"])}'), d


def test_sarif_names_the_resource_as_a_logical_location():
    run = run_cli("check", *NOW, "--format", "sarif", str(PLAN), str(ONE_LINE / "assertions.peer"))
    results = {r["ruleId"]: r for r in json.loads(run.out)["runs"][0]["results"]}
    (location,) = results["ACL001"]["locations"]
    assert location["logicalLocations"] == [
        {"name": "aws_network_acl.this", "fullyQualifiedName": "module.db.aws_network_acl.this", "kind": "resource"}
    ]
    assert location["physicalLocation"]["region"]["startLine"] == 1
    assert results["IMP002"]["locations"][0]["logicalLocations"][0]["name"] == "aws_instance.app[1]"
    assert "logicalLocations" not in results["REACH001"]["locations"][0]  # the peer file's assertion


def test_findings_on_a_cloud_dump_name_the_cloud_id():
    estate = FIXTURES / "imports" / "outscale-api-pending"
    document = check(estate, estate / "assertions.peer")
    named = [d for d in document["diagnostics"] if d["resource"]]
    assert named
    for d in named:
        line = Path(d["file"]).read_text().splitlines()[d["line"] - 1]
        assert line[d["column"] - 1 :].startswith(json.dumps(d["resource"])), d


def test_count_instances_of_a_raw_state_are_each_at_their_own_key(tmp_path):
    # Regression: every instance of a resource was located at the first instance's index_key.
    state = {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 3,
        "lineage": "9a1b",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_vpc",
                "name": "this",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    {"index_key": key, "schema_version": 1, "attributes": {"id": f"vpc-0{key}", "cidr_block": cidr}}
                    for key, cidr in ((0, "10.0.0.0/16"), (1, "10.1.0.0/16"))
                ],
            }
        ],
    }
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(state, separators=(",", ":")))
    (imported,) = importers.load([path])
    places = {name: span for span, name in imported.resources.items()}
    text = path.read_text()
    assert places["aws_vpc.this[0]"].column == column_of(text, '"index_key":0')
    assert places["aws_vpc.this[1]"].column == column_of(text, '"index_key":1')


# -- import writes nothing `check` rejects -----------------------------------------------------------


def _state_with_vpc_block(tmp_path: Path, block: object) -> Path:
    state = json.loads((FIXTURES / "imports" / "tf-aws-tfstate-cross-account" / "network.tfstate").read_text())
    vpc = next(r for r in state["resources"] if r["type"] == "aws_vpc")
    vpc["instances"][0]["attributes"]["cidr_block"] = block
    path = tmp_path / "network.tfstate"
    path.write_text(json.dumps(state, indent=2))
    return path


@pytest.mark.parametrize("block", ["10.0.0.1", "10.0.0.0/33", True])
def test_import_refuses_text_check_would_reject_at_the_resource(tmp_path, block):
    # Regression: `import` wrote `cidr 10.0.0.1` (a bare address where a block belongs), exit 0.
    state = _state_with_vpc_block(tmp_path, block)
    out = tmp_path / "estate.peer"
    run = run_cli("import", str(state), "-o", str(out))
    assert run.code == 2 and run.out == ""
    assert not out.exists()
    errors = [line for line in run.err.splitlines() if ": error " in line]
    line = next(i for i, text in enumerate(state.read_text().splitlines(), 1) if '"type": "aws_vpc"' in text)
    assert errors and all(e.startswith(f"{state}:{line}:") and " PARSE002 " in e for e in errors), run.err
    if isinstance(block, str):  # refused where it is read, as a block written in peer text is
        assert ("expected a block" in run.err or "invalid prefix length" in run.err) and "could not be read" in run.err
    on_stdout = run_cli("import", str(state))
    assert on_stdout.code == 2 and on_stdout.out == ""


def test_check_says_the_same_error_as_import_with_its_resource(tmp_path):
    state = _state_with_vpc_block(tmp_path, "10.0.0.1")
    run = run_cli("check", *NOW, "--format", "json", str(state))
    assert run.code == 2
    (error,) = json.loads(run.out)["diagnostics"]
    assert error["code"] == "PARSE002" and error["file"] == str(state)
    assert error["resource"] == "aws_vpc.main"


# -- masked values of the Outscale provider's test states ---------------------------------------------


def test_a_masked_ref_state_is_read_and_what_was_masked_is_said():
    # Regression: `"version": "########"` made the file a PARSE002; masked values became peer text.
    run = run_cli("import", str(REF))
    assert run.code == 0, run.err
    assert "########" not in run.out
    said = [line for line in run.err.splitlines() if " IMP001 " in line or " IMP002 " in line]
    assert any('IMP001 step1.net_peering_vms_ok.ref: masked values ("########") left out: version' in s for s in said)
    # What the mapping needs and cannot have is an error (IMP002): the model misses it.
    assert any("IMP002 outscale_security_group.back: outbound_rules[0].ip_ranges is masked" in s for s in said)
    assert any("IMP002 outscale_vm.batch: private_ip is masked in the input" in s for s in said)
    # masked values the mapping never reads (request_id, creation_date...) are no loss, and not said
    assert not any("request_id" in s or "creation_date" in s for s in said)
    assert 'vm "outscale_vm.front" { subnet "outscale_subnet.outscale_subnet2"  ip 10.32.1.10' in run.out


def test_masked_findings_are_at_their_resources_with_their_addresses():
    document = check(REF)
    masked = {d["resource"]: d for d in document["diagnostics"] if "masked" in d["message"]}
    assert set(masked) == {None, "outscale_security_group.back", "outscale_vm.batch"}
    text = REF.read_text().splitlines()
    assert text[masked[None]["line"] - 1].strip() == '"version": "########",'
    for address in ("outscale_security_group.back", "outscale_vm.batch"):
        rtype, name = address.split(".")
        at = masked[address]["line"]
        assert text[at - 1].strip() == f'"type": "{rtype}",' and text[at].strip() == f'"name": "{name}",'


def test_a_masked_value_where_a_list_belongs_is_left_out_not_refused(tmp_path):
    state = json.loads(REF.read_text())
    front = next(r for r in state["resources"] if r["type"] == "outscale_vm" and r["name"] == "front")
    front["instances"][0]["attributes"]["security_group_ids"] = "########"
    path = tmp_path / "step1.ref"
    path.write_text(json.dumps(state, indent=4))
    run = run_cli("import", str(path))
    assert run.code == 0, run.err
    assert "outscale_vm.front: security_group_ids is masked in the input" in run.err


def test_a_masked_format3_state_is_read_by_its_layout(tmp_path):
    legacy = {
        "version": "########",
        "terraform_version": "########",
        "serial": "########",
        "lineage": "########",
        "modules": [
            {
                "path": ["root"],
                "outputs": {},
                "resources": {
                    "aws_vpc.this": {
                        "type": "aws_vpc",
                        "depends_on": [],
                        "primary": {"id": "vpc-01", "attributes": {"id": "vpc-01", "cidr_block": "10.1.0.0/16"}},
                        "deposed": [],
                        "provider": "provider.aws",
                    }
                },
                "depends_on": [],
            }
        ],
    }
    path = tmp_path / "legacy.ref"
    path.write_text(json.dumps(legacy, indent=4))
    run = run_cli("import", str(path))
    assert run.code == 0, run.err
    assert 'net "aws_vpc.this" {' in run.out and "cidr 10.1.0.0/16" in run.out

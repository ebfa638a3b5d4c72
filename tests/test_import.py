"""Importing AWS CLI describe-* dumps: check them directly, locate findings in them, round-trip."""

from __future__ import annotations

import json
import shutil
from collections import Counter

from conftest import FIXTURES, run_cli

ESTATE = FIXTURES / "imports" / "aws-cli-two-vpcs"
NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")


def check(*paths):
    run = run_cli("check", *NOW, "--format", "json", *map(str, paths))
    return run, json.loads(run.out)


def test_a_dump_directory_checks_with_peer_assertions():
    run, document = check(ESTATE, ESTATE / "assertions.peer")
    assert run.code == 1
    assert Counter(d["code"] for d in document["diagnostics"]) == {"REACH001": 1, "ROUTE007": 1, "IMP001": 1}
    assert [a["status"] for a in document["assertions"]] == ["proved", "refuted", "proved"]


def test_findings_point_at_the_resource_in_the_dump():
    _, document = check(ESTATE, ESTATE / "assertions.peer")
    route007 = next(d for d in document["diagnostics"] if d["code"] == "ROUTE007")
    assert route007["file"].endswith("describe-route-tables.json")
    line = (ESTATE / "describe-route-tables.json").read_text().splitlines()[route007["line"] - 1]
    assert "rtb-0app000000000001" in line
    reach = next(d for d in document["diagnostics"] if d["code"] == "REACH001")
    hops = reach["counterexample"]["reply"]
    assert hops[-1]["code"] == "NO_ROUTE" and hops[-1]["file"].endswith("describe-route-tables.json")
    peering_hop = next(h for h in reach["counterexample"]["forward"] if h["step"] == "peering")
    assert peering_hop["file"].endswith("describe-vpc-peering-connections.json")


def test_import_round_trip_gives_the_same_findings(tmp_path):
    out = tmp_path / "estate.peer"
    run = run_cli("import", str(ESTATE), "-o", str(out))
    assert run.code == 0 and "warning IMP001" in run.err
    shutil.copy(ESTATE / "assertions.peer", tmp_path / "assertions.peer")
    _, direct = check(ESTATE, ESTATE / "assertions.peer")
    _, printed = check(tmp_path)
    codes = lambda doc: Counter(d["code"] for d in doc["diagnostics"] if d["code"] != "IMP001")  # noqa: E731
    assert codes(direct) == codes(printed)
    assert [a["status"] for a in direct["assertions"]] == [a["status"] for a in printed["assertions"]]
    again = run_cli("import", str(ESTATE))
    assert again.out == out.read_text()  # deterministic


def test_why_on_an_imported_estate():
    run = run_cli(
        "why", *NOW, "i-0app000000000002", "i-0db0000000000001", "--port", "5432", str(ESTATE), "--format", "json"
    )
    answer = json.loads(run.out)
    assert answer["verdict"] == "unreachable"
    assert [b["code"] for b in answer["blocking"]] == ["NO_ROUTE"]


def test_malformed_json_is_a_located_error(tmp_path):
    shutil.copytree(ESTATE, tmp_path / "dump")
    (tmp_path / "dump" / "describe-subnets.json").write_text('{\n  "Subnets": [\n    {"SubnetId": }\n  ]\n}\n')
    run = run_cli("check", *NOW, str(tmp_path / "dump"))
    assert run.code == 2
    assert "describe-subnets.json:3:18: error PARSE001 invalid JSON: Expecting value" in run.err


def test_unknown_top_level_key_is_reported(tmp_path):
    shutil.copytree(ESTATE, tmp_path / "dump")
    (tmp_path / "dump" / "describe-transit-gateways.json").write_text('{"TransitGateways": [], "Vpcs": []}\n')
    _, document = check(tmp_path / "dump")
    messages = [d["message"] for d in document["diagnostics"] if d["code"] == "IMP001"]
    assert (
        "describe-transit-gateways.json: top-level key 'TransitGateways' is not understood and was not "
        "imported" in messages
    )


def test_gateway_kinds_are_declared_from_the_dump(tmp_path):
    # The kind a route's target has decides whether a verdict through it can be known: an internet
    # gateway never brings traffic back into the VPCs, a transit gateway may (LANGUAGE.md, 3 and 7).
    shutil.copytree(ESTATE, tmp_path / "estate")
    tables_file = tmp_path / "estate" / "describe-route-tables.json"
    tables = json.loads(tables_file.read_text())
    app_routes = tables["RouteTables"][0]["Routes"]
    app_routes.append(
        {"DestinationCidrBlock": "10.20.1.20/32", "GatewayId": "igw-0feed", "Origin": "CreateRoute", "State": "active"}
    )  # the database, away from the peering
    tables_file.write_text(json.dumps(tables, indent=1))
    text = run_cli("import", str(tmp_path / "estate")).out
    assert "gateway nat-0123456789abcdef0 { kind nat }" in text
    assert "gateway igw-0feed { kind internet }" in text
    _, document = check(tmp_path / "estate", ESTATE / "assertions.peer")
    assert document["assertions"][0]["status"] == "refuted"  # the internet never delivers it
    app_routes[-1] = {
        "DestinationCidrBlock": "10.20.1.20/32",
        "TransitGatewayId": "tgw-0feed",
        "Origin": "CreateRoute",
        "State": "active",
    }
    tables_file.write_text(json.dumps(tables, indent=1))
    assert "gateway tgw-0feed { kind transit }" in run_cli("import", str(tmp_path / "estate")).out
    _, document = check(tmp_path / "estate", ESTATE / "assertions.peer")
    reach = document["assertions"][0]
    assert reach["status"] == "unknown" and reach["depends"] == ["gateway tgw-0feed (transit)"]


def test_terraform_gateway_kinds_are_declared(tmp_path):
    # `terraform show -json` writes one line; the route's attribute (or the id's prefix) tells the kind.
    state = json.loads((FIXTURES / "imports" / "tf-aws-state-hub-spoke" / "state.json").read_text())
    tables = [
        r
        for m in state["values"]["root_module"]["child_modules"]
        for r in m["resources"]
        if r["type"] == "aws_route_table"
    ]
    tables[0]["values"]["route"].append(
        dict(
            tables[0]["values"]["route"][0], cidr_block="0.0.0.0/0", vpc_peering_connection_id="", gateway_id="igw-0a1b"
        )
    )
    tables[1]["values"]["route"].append(
        dict(
            tables[1]["values"]["route"][0],
            cidr_block="172.16.0.0/12",
            vpc_peering_connection_id="",
            transit_gateway_id="tgw-0a1b",
        )
    )
    (tmp_path / "state.json").write_text(json.dumps(state))
    run = run_cli("import", str(tmp_path / "state.json"))
    assert run.code == 0, run.err
    assert "gateway igw-0a1b { kind internet }" in run.out
    assert "gateway tgw-0a1b { kind transit }" in run.out


def test_alibaba_updating_is_its_own_state(tmp_path):
    # A peer connection Alibaba reports as "Updating" is `updating` (transitional), not `provisioning`:
    # the importers read states through the language's one reading of the clouds' spellings.
    state = (FIXTURES / "imports" / "tf-alicloud-tfstate-overlap" / "terraform.tfstate").read_text()
    (tmp_path / "terraform.tfstate").write_text(state.replace('"status": "Activated"', '"status": "Updating"'))
    run = run_cli("import", str(tmp_path / "terraform.tfstate"))
    assert run.code == 0, run.err
    assert "state updating" in run.out and "provisioning" not in run.out

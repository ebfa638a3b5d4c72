"""The shape of an imported file is checked where it is read: the user's bad input is a located
PARSE002 (exit 2); an exception in an importer past that check is peerproof's bug (exit 3)."""

from __future__ import annotations

import copy
import json
import re
import shutil

import pytest
from conftest import FIXTURES, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.importers.shape import locate, path_text

IMPORTS = FIXTURES / "imports"
DELETE = object()  # the member is removed instead of replaced
INPUT_FILES = sorted(f for f in IMPORTS.glob("*/*") if f.suffix in (".json", ".tfstate") and f.name != "expect.json")


def written(tmp_path, source: str, path: tuple, value) -> tuple:
    """A copy of fixture `source` with the value at `path` replaced (or deleted), and its text."""
    document = json.loads((IMPORTS / source).read_text())
    holder = document
    for step in path[:-1]:
        holder = holder[step]
    if value is DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = copy.deepcopy(value)
    target = tmp_path / source.replace("/", "-")
    target.write_text(json.dumps(document, indent=2))
    return target, target.read_text()


def at(text: str, line: int, column: int) -> str:
    return text.splitlines()[line - 1][column - 1 :]


# (fixture, where, the value written there or DELETE, the message, what the span points at)
MALFORMED = [
    (
        "aws-cli-two-vpcs/describe-route-tables.json",
        ("RouteTables", 1, "Routes"),
        "oops",
        "RouteTables[1].Routes: expected a list, found a string",
        '"oops"',
    ),
    (
        "aws-cli-two-vpcs/describe-vpcs.json",
        ("Vpcs", 1, "VpcId"),
        DELETE,
        'Vpcs[1]: missing "VpcId", which is required',
        "{",
    ),
    (
        "aws-cli-two-vpcs/describe-vpcs.json",
        ("Vpcs",),
        {"VpcId": "vpc-1"},
        "Vpcs: expected a list, found an object",
        "{",
    ),
    (
        "aws-cli-two-vpcs/describe-security-groups.json",
        ("SecurityGroups", 0, "IpPermissions", 0, "FromPort"),
        "443",
        "SecurityGroups[0].IpPermissions[0].FromPort: expected a number, found a string",
        '"443"',
    ),
    (
        "aws-cli-two-vpcs/describe-instances.json",
        ("Reservations", 0, "Instances", 0),
        [],
        "Reservations[0].Instances[0]: expected an object, found a list",
        "[]",
    ),
    (
        "outscale-api-pending/ReadNets.json",
        ("Nets",),
        "vpc-1",
        "Nets: expected a list, found a string",
        '"vpc-1"',
    ),
    (
        "outscale-api-pending/ReadNetPeerings.json",
        ("NetPeerings", 0, "State"),
        ["active"],
        "NetPeerings[0].State: expected an object, found a list",
        "[",
    ),
    (
        "outscale-api-pending/ReadRouteTables.json",
        ("RouteTables", 0, "Routes", 1, "NetPeeringId"),
        7,
        "RouteTables[0].Routes[1].NetPeeringId: expected a string, found a number",
        "7",
    ),
    (
        "outscale-api-pending/ReadVms.json",
        ("Vms", 0, "VmId"),
        None,
        "Vms[0].VmId: expected a string, found null",
        "null",
    ),
    (
        "tf-aws-plan-two-vpcs/plan.json",
        ("planned_values", "root_module", "resources", 0, "values"),
        [],
        "planned_values.root_module.resources[0].values: expected an object, found a list",
        "[]",
    ),
    (
        "tf-aws-plan-two-vpcs/plan.json",
        ("planned_values", "root_module", "resources", 5, "values", "route"),
        "10.0.0.0/8",
        "planned_values.root_module.resources[5].values.route: expected a list, found a string",
        '"10.0.0.0/8"',
    ),
    (
        "tf-aws-plan-two-vpcs/plan.json",
        ("planned_values", "root_module", "resources", 0, "address"),
        "",
        "planned_values.root_module.resources[0].address: expected a non-empty string, found an empty one",
        '""',
    ),
    (
        "tf-aws-plan-two-vpcs/plan.json",
        ("resource_changes", 0, "change", "after_unknown"),
        True,
        "resource_changes[0].change.after_unknown: expected an object, found true or false",
        "true",
    ),
    (
        "tf-aws-plan-two-vpcs/plan.json",
        ("configuration", "root_module", "resources", 0, "expressions"),
        [],
        "configuration.root_module.resources[0].expressions: expected an object, found a list",
        "[]",
    ),
    (
        "tf-aws-state-hub-spoke/state.json",
        ("values", "root_module", "child_modules"),
        {},
        "values.root_module.child_modules: expected a list, found an object",
        "{}",
    ),
    (
        "tf-aws-tfstate-cross-account/network.tfstate",
        ("resources", 0, "instances", 0, "attributes", "arn"),
        5,
        "resources[0].instances[0].attributes.arn: expected a string, found a number",
        "5",
    ),
    (
        "tf-alicloud-tfstate-overlap/terraform.tfstate",
        ("resources", 0, "type"),
        DELETE,
        'resources[0]: missing "type", which is required',
        "{",
    ),
    (  # a port must be a whole number: 443.5 is no port (it once became "tcp 443.5-443" in peer text)
        "aws-cli-two-vpcs/describe-security-groups.json",
        ("SecurityGroups", 0, "IpPermissions", 0, "FromPort"),
        443.5,
        "SecurityGroups[0].IpPermissions[0].FromPort: expected a whole number, found 443.5",
        "443.5",
    ),
    (
        "tf-outscale-tfstate-overlap/terraform.tfstate",
        ("resources", 4, "instances", 0, "attributes", "state"),
        "active",
        "resources[4].instances[0].attributes.state: expected a list, found a string",
        '"active"',
    ),
]


@pytest.mark.parametrize("command", ["import", "check"])
@pytest.mark.parametrize(
    "source, path, value, message, token", MALFORMED, ids=[f"{m[0].split('/')[1]}:{path_text(m[1])}" for m in MALFORMED]
)
def test_a_value_of_the_wrong_shape_is_a_located_input_error(tmp_path, command, source, path, value, message, token):
    target, text = written(tmp_path, source, path, value)
    run = run_cli(command, *(["--isolated"] if command == "check" else []), str(target))
    assert run.code == 2, run.err
    located = re.search(rf"^{re.escape(str(target))}:(\d+):(\d+): error PARSE002 {re.escape(message)}$", run.err, re.M)
    assert located, run.err
    assert at(text, int(located[1]), int(located[2])).startswith(token)
    assert "internal error" not in run.err and "Traceback" not in run.err


def test_a_top_level_list_is_not_a_dump(tmp_path):
    target = tmp_path / "describe-vpcs.json"
    target.write_text(json.dumps([json.loads((IMPORTS / "aws-cli-two-vpcs" / "describe-vpcs.json").read_text())]))
    run = run_cli("import", str(target))
    assert run.code == 2
    assert f"{target}:1:1: error PARSE002 the document: expected an object, found a list" in run.err


def test_every_file_of_a_dump_is_checked_before_stopping(tmp_path):
    dump = tmp_path / "dump"
    shutil.copytree(IMPORTS / "aws-cli-two-vpcs", dump)
    for name, key in (("describe-subnets.json", "Subnets"), ("describe-vpcs.json", "Vpcs")):
        document = json.loads((dump / name).read_text())
        document[key][0] = "oops"
        (dump / name).write_text(json.dumps(document, indent=2))
    run = run_cli("import", str(dump))
    assert run.code == 2
    assert "Subnets[0]: expected an object, found a string" in run.err
    assert "Vpcs[0]: expected an object, found a string" in run.err


def test_optional_members_may_be_absent_or_null(tmp_path):
    dump = tmp_path / "dump"
    shutil.copytree(IMPORTS / "aws-cli-two-vpcs", dump)
    tables = json.loads((dump / "describe-route-tables.json").read_text())
    del tables["RouteTables"][0]["Routes"]
    tables["RouteTables"][1]["Associations"] = None
    (dump / "describe-route-tables.json").write_text(json.dumps(tables))
    vpcs = json.loads((dump / "describe-vpcs.json").read_text())
    vpcs["Vpcs"][0]["CidrBlockAssociationSet"] = None
    (dump / "describe-vpcs.json").write_text(json.dumps(vpcs))
    run = run_cli("import", str(dump))
    assert run.code == 0, run.err


# One value of each JSON type: a replacement is drawn among those of another type than the original's.
BY_TYPE = {
    "string": ["", "x", "10.0.0.0/33", "10.0.0.0/16 } net x { cidr 1.0.0.0/8"],
    "number": [0, -1, 7.5, 99999],
    "boolean": [True, False],
    "null": [None],
    "list": [[], [1], ["x"], [{}], [None]],
    "object": [{}, {"a": None}, {"a": []}],
}


def _type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "list", dict: "object"}[type(value)]


def _nodes(document, path=()):
    yield path, document
    children = (
        document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) else ()
    )
    for key, value in children:
        yield from _nodes(value, path + (key,))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_one_value_of_another_type_imports_or_is_a_located_parse002(data, tmp_path):
    """Never an internal error: what the importers rely on is checked before they read it."""
    source = data.draw(st.sampled_from(INPUT_FILES))
    document = json.loads(source.read_text())
    path, original = data.draw(st.sampled_from([(p, v) for p, v in _nodes(document) if p]))
    kind = data.draw(st.sampled_from(sorted(k for k in BY_TYPE if k != _type(original))))
    target, _ = written(tmp_path, str(source.relative_to(IMPORTS)), path, data.draw(st.sampled_from(BY_TYPE[kind])))
    run = run_cli("import", str(target))
    assert "internal error" not in run.err and "Traceback" not in run.err, (path, run.err)
    assert run.code in (0, 2), run.err
    if run.code == 2:
        errors = [line for line in run.err.splitlines() if ": error " in line]
        assert errors and all(re.match(rf"{re.escape(str(target))}:\d+:\d+: error PARSE002 ", e) for e in errors), (
            path,
            run.err,
        )


def _fail(*args, **kwargs):
    raise KeyError("VpcId")


@pytest.mark.parametrize("command", ["import", "check"])
@pytest.mark.parametrize(
    "estate, module, name",
    [
        ("aws-cli-two-vpcs", "verifier.importers.aws_cli", "_vpc"),
        ("outscale-api-pending", "verifier.importers.outscale_api._Reader", "_peerings"),
        ("tf-aws-plan-two-vpcs/plan.json", "verifier.importers.terraform.aws.AwsMapping", "_nets"),
    ],
)
def test_a_bug_in_an_importer_is_an_internal_error(monkeypatch, command, estate, module, name):
    # Regression: a KeyError in the mapping was reported as the user's PARSE002 (exit 2).
    monkeypatch.setattr(f"{module}.{name}", _fail)
    run = run_cli(command, *(["--isolated"] if command == "check" else []), str(IMPORTS / estate))
    assert run.code == 3
    assert "peerproof: internal error: KeyError: 'VpcId'" in run.err
    assert "This is a bug in peerproof, not in your model; please report it" in run.err
    assert "PARSE002" not in run.err


@pytest.mark.parametrize(
    "text, path, found",
    [
        ('{"a": 1, "b": {"c" : [1, {"d": "x"}]}}', ("b", "c", 1, "d"), '"x"'),
        ('{"a": 1, "b": 2, "a": 3}', ("a",), "3"),  # a repeated name: json.loads keeps the last
        ('{"a\\"b": [true]}', ('a"b', 0), "true"),
        ('\n  [ {"x": null} ]', (0, "x"), "null"),
        ('{"a": 1}', ("missing",), '{"a"'),  # not found: the document
    ],
)
def test_locate_finds_the_value_at_a_path(text, path, found):
    assert text[locate(text, path) :].startswith(found)


def test_path_text():
    assert path_text(("RouteTables", 2, "Routes")) == "RouteTables[2].Routes"
    assert path_text(("module_calls", "vpc-a", "module")) == 'module_calls["vpc-a"].module'
    assert path_text(()) == "the document"

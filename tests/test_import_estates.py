"""Hand-written Terraform plans and states and cloud API dumps, per provider, with expected results.

Each folder of fixtures/imports/ holding an `expect.json` is an estate: its inputs
(a plan, a state, raw tfstate files or an API dump) and `assertions.peer`. The
expectations say which findings `check` reports, the verdict of each assertion,
and the answers of `why` queries. `imported.txt` is the golden peer text of
`peerproof import`: what was understood, for review. Every estate also goes
through the round trip: imported, printed, checked again: same findings.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, examples, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ESTATES = sorted(p.parent for p in (FIXTURES / "imports").glob("*/expect.json"))
NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")


def expectation(estate):
    return json.loads((estate / "expect.json").read_text())


def inputs(estate):
    return [str(estate / name) for name in expectation(estate).get("inputs", [])] or [str(estate)]


def check(*paths, extra=()):
    run = run_cli("check", *NOW, "--format", "json", *extra, *map(str, paths))
    assert run.code in (0, 1), run.err
    return run, json.loads(run.out)


def codes(document, leave_out=()):
    return dict(Counter(d["code"] for d in document["diagnostics"] if d["code"] not in leave_out))


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_findings_and_verdicts(estate):
    expected = expectation(estate)
    run, document = check(*inputs(estate), estate / "assertions.peer")
    assert codes(document) == expected["codes"]
    assert [a["status"] for a in document["assertions"]] == expected["assertions"]
    assert run.code == (1 if any(d["severity"] == "error" for d in document["diagnostics"]) else 0)


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_findings_point_into_the_inputs(estate):
    _, document = check(*inputs(estate), estate / "assertions.peer")
    for finding in document["diagnostics"]:
        assert not finding["file"].endswith(".peer") or finding["file"].endswith("assertions.peer"), finding
        assert finding["line"] >= 1


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_import_golden_and_deterministic(estate):
    runs = [run_cli("import", *inputs(estate)) for _ in range(2)]
    assert runs[0].code == 0, runs[0].err
    assert runs[0].out == runs[1].out
    text = runs[0].out.replace(str(estate) + "/", "").replace(str(estate), ".")
    golden = estate / "imported.txt"
    assert text == golden.read_text(), f"the import of {estate.name} changed; review and update imported.txt"


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.name)
def test_round_trip_same_findings(estate, tmp_path):
    expected = expectation(estate)
    out = tmp_path / "estate.peer"
    assert run_cli("import", *inputs(estate), "-o", str(out)).code == 0
    shutil.copy(estate / "assertions.peer", tmp_path / "assertions.peer")
    _, printed = check(tmp_path)
    assert codes(printed) == codes(
        {"diagnostics": [{"code": c} for c, n in expected["codes"].items() for _ in range(n)]},
        leave_out=("IMP001", "IMP002"),
    )
    assert [a["status"] for a in printed["assertions"]] == expected["assertions"]


@pytest.mark.parametrize("estate", [e for e in ESTATES if expectation(e).get("why")], ids=lambda p: p.name)
def test_why(estate):
    for query in expectation(estate)["why"]:
        args = ["why", *NOW, query["from"], query["to"], *inputs(estate), "--format", "json"]
        if "port" in query:
            args += ["--port", str(query["port"])]
        run = run_cli(*args)
        answer = json.loads(run.out)
        assert answer["verdict"] == query["verdict"], run.out
        assert [b["code"] for b in answer["blocking"]] == query["blocking"]


def _show_json(tfstate: dict) -> dict:
    """The `terraform show -json` form of a raw state (format 4): the same resources, nested by module."""
    modules: dict[str, list] = {}
    for entry in tfstate["resources"]:
        prefix = f"{entry['module']}." if entry.get("module") else ""
        local = f"{'data.' if entry['mode'] == 'data' else ''}{entry['type']}.{entry['name']}"
        provider = entry["provider"].split('"')[1]
        for instance in entry["instances"]:
            key = instance.get("index_key")
            item = {
                "address": prefix + local + ("" if key is None else f"[{json.dumps(key)}]"),
                "mode": entry["mode"],
                "type": entry["type"],
                "name": entry["name"],
                "provider_name": provider,
                "schema_version": instance.get("schema_version", 0),
                "values": instance["attributes"],
                "sensitive_values": {},
            }
            if key is not None:
                item["index"] = key
            modules.setdefault(entry.get("module", ""), []).append(item)
    root = {"resources": modules.pop("", [])}
    if modules:
        root["child_modules"] = [{"address": name, "resources": items} for name, items in sorted(modules.items())]
    return {"format_version": "1.0", "terraform_version": tfstate["terraform_version"], "values": {"root_module": root}}


RAW_STATES = sorted((FIXTURES / "imports").glob("*/*.tfstate"))


@pytest.mark.parametrize("raw", RAW_STATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_raw_and_show_json_states_import_alike(raw, tmp_path):
    """A raw tfstate and its `terraform show -json` form are one estate: the same peer text."""
    shown = tmp_path / raw.with_suffix(".json").name
    shown.write_text(json.dumps(_show_json(json.loads(raw.read_text())), indent=2))
    from_raw, from_show = run_cli("import", str(raw)), run_cli("import", str(shown))
    assert from_raw.code == from_show.code == 0
    body = lambda run: run.out.split("\n", 1)[1]  # noqa: E731 (past the heading that names the file)
    assert body(from_raw) == body(from_show)
    assert body(from_raw).count("net ") >= 1


ODD_VALUES = [
    None,
    0,
    -1,
    7.5,
    "",
    "x",
    [],
    {},
    [None],
    [1],
    {"a": None},
    True,
    "10.0.0.0/33",
    "not-an-ip",
    "10.0.0.0/16 } net x { cidr 1.0.0.0/8",
    99999,
]
INPUT_FILES = sorted(
    f for f in (FIXTURES / "imports").glob("*/*") if f.suffix in (".json", ".tfstate") and f.name != "expect.json"
)


def _nodes(document, path=()):
    yield path
    children = (
        document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) else ()
    )
    for key, value in children:
        yield from _nodes(value, path + (key,))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mangled_inputs_give_findings_or_located_errors(data, tmp_path):
    """Any value of any input replaced by one of another type: an import, or a located error; never a crash."""
    import copy

    from verifier import importers
    from verifier.commands.check import load_model
    from verifier.diagnostics import InputError
    from verifier.project.config import Config

    source = data.draw(st.sampled_from(INPUT_FILES))
    document = json.loads(source.read_text())
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [p for p in _nodes(document) if p]
        path = data.draw(st.sampled_from(paths))
        holder = document
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
    target = tmp_path / source.name
    target.write_text(json.dumps(document))
    try:
        importers.load([target])
        load_model([str(target)], Config())
    except InputError as exc:
        assert all(d.span.file == str(target) and d.span.line >= 1 for d in exc.diagnostics)


def test_tf_root_points_findings_at_tf_blocks():
    estate = FIXTURES / "imports" / "tf-aws-plan-overlap"
    _, document = check(estate / "plan.json", estate / "assertions.peer", extra=("--tf-root", str(estate / "tf")))
    where = {d["code"]: (Path(d["file"]).relative_to(estate), d["line"]) for d in document["diagnostics"]}
    tf = lambda path, line: (Path(path), line)  # noqa: E731
    assert where["PEER001"] == tf("tf/main.tf", 20)  # resource "aws_vpc_peering_connection" "legacy"
    assert where["IMP002"] == tf("tf/modules/vpc/main.tf", 14)  # the module's aws_instance.this
    peer001 = next(d for d in document["diagnostics"] if d["code"] == "PEER001")
    assert [(Path(r["file"]).name, r["line"]) for r in peer001["related"]] == [("main.tf", 5), ("main.tf", 5)]
    line = (estate / "tf/main.tf").read_text().splitlines()[19]
    assert line.startswith('resource "aws_vpc_peering_connection" "legacy"')


def test_diff_of_two_plans_is_located_in_the_plans():
    base = FIXTURES / "imports"
    run = run_cli(
        "diff", *NOW, str(base / "tf-aws-plan-two-vpcs" / "plan.json"), str(base / "tf-aws-plan-overlap" / "plan.json")
    )
    assert run.code == 0
    assert "tf-aws-plan-overlap/plan.json:11:10: error PEER001" in run.out
    assert "tf-aws-plan-two-vpcs/plan.json:90:11: warning ROUTE007" in run.out


def test_import_of_a_missing_or_unknown_input_is_an_input_error(tmp_path):
    missing = run_cli("import", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "no such file or directory" in missing.err
    (tmp_path / "notes.json").write_text('{"hello": "world"}\n')
    unknown = run_cli("import", str(tmp_path / "notes.json"))
    assert unknown.code == 2 and "not a peer file nor an input peerproof can import" in unknown.err


def test_why_fix_never_writes_generated_text(tmp_path):
    estate = tmp_path / "estate"
    shutil.copytree(FIXTURES / "imports" / "tf-aws-tfstate-cross-account", estate)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    run = run_cli(
        "why",
        *NOW,
        "aws_instance.app",
        "aws_instance.api[0]",
        "--port",
        "443",
        "--fix",
        str(estate / "network.tfstate"),
        str(estate / "partner.tfstate"),
    )
    assert run.code == 0
    assert "no fix written: the repair changes imported resources" in run.err
    assert "network.tfstate:111): state active" in run.out  # the repair, shown at the peering in the state
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_diff_locates_an_invalid_imported_value_at_its_resource(tmp_path):
    state = json.loads((FIXTURES / "imports" / "tf-alicloud-tfstate-overlap" / "terraform.tfstate").read_text())
    state["resources"][2]["instances"][0]["attributes"]["cidr_block"] = "10.0.1.0/33"
    bad = tmp_path / "terraform.tfstate"
    bad.write_text(json.dumps(state, indent=2))
    run = run_cli("diff", *NOW, str(FIXTURES / "imports" / "tf-aws-plan-two-vpcs" / "plan.json"), str(bad))
    assert run.code == 2
    assert f"{bad}:54:7: error PARSE002 invalid prefix length /33" in run.err

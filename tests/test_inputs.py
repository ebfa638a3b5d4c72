"""What a path holds: inputs known by content whatever their name, what a directory scan reads and
skips (hidden and tool directories, .gitignore, --exclude, Terraform's backups, links), and that
reading nothing is an input error (exit 2), never "0 files checked"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli

from verifier import importers
from verifier.language.parse import scan

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
IMPORTS = FIXTURES / "imports"
NETWORK = IMPORTS / "tf-aws-tfstate-cross-account" / "network.tfstate"
PARTNER = IMPORTS / "tf-aws-tfstate-cross-account" / "partner.tfstate"
ASSERTIONS = IMPORTS / "tf-aws-tfstate-cross-account" / "assertions.peer"
PLAN = IMPORTS / "tf-aws-plan-two-vpcs" / "plan.json"
TF_HINT = "run `terraform show -json` (or `terraform show -json PLANFILE`) and give its output"
READS = "peerproof reads *.peer files, Terraform plans and states as JSON"


def check(*paths, extra=()):
    run = run_cli("check", *NOW, "--format", "json", *extra, *map(str, paths))
    return run, (json.loads(run.out) if run.out else None)


def read(*paths, exclude=()) -> dict[str, list[str]]:
    """Which files are read, by kind ("peer" for peer text), as names relative to the temporary tree."""
    found = importers.inputs([str(p) for p in paths], tuple(exclude))
    kinds = {kind: sorted(f.name for f in files) for kind, files in found.imports.items()}
    return kinds | ({"peer": sorted(Path(p).name for p in found.peer)} if found.peer else {})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def masked(state: Path) -> str:
    """A raw state as the Outscale provider keeps its acceptance references (`*.ref`): values masked."""
    document = json.loads(state.read_text())
    document.update(version="########", terraform_version="########", serial="########", lineage="########")
    return json.dumps(document, indent=4)


OUTSCALE_STATE = IMPORTS / "tf-outscale-tfstate-overlap" / "terraform.tfstate"


# --- by content, whatever the name ------------------------------------------------------------
@pytest.mark.parametrize(
    "name, text",
    [
        ("terraform.tfstate.backup", NETWORK.read_text()),
        ("step1.net_peering_ok.ref", json.dumps(json.loads(OUTSCALE_STATE.read_text()), indent=4)),
        ("network-state", NETWORK.read_text()),  # no suffix
        ("plan", json.dumps(json.loads(PLAN.read_text()), separators=(",", ":"))),  # one line, as show -json writes
    ],
)
def test_a_state_or_plan_under_any_name_is_imported_not_parsed_as_peer_text(tmp_path, name, text):
    # Regression: these names were parsed as peer text (PARSE001).
    given = write(tmp_path / name, text)
    run, document = check(given)
    assert run.code in (0, 1), run.err
    assert not [d for d in document["diagnostics"] if d["code"].startswith("PARSE")]
    assert document["files"] == 1  # the input itself (no peer text is generated from it)
    assert run_cli("import", str(given)).code == 0


def test_a_state_is_known_by_its_keys_whatever_their_values(tmp_path):
    # The Outscale provider's acceptance references mask every value, "version" included.
    given = write(tmp_path / "step1.net_peering_resource_attributes_ok.ref", masked(OUTSCALE_STATE))
    assert read(given) == {"terraform": ["step1.net_peering_resource_attributes_ok.ref"]}


def test_the_kind_is_read_from_top_level_keys_not_from_anywhere_in_the_file(tmp_path):
    # Regression: a substring anywhere in the first 4 KiB decided ("terraform_version" in a value).
    nested = write(tmp_path / "notes.json", json.dumps({"data": {"Vpcs": [], "terraform_version": "1.9.5"}}))
    run = run_cli("check", *NOW, str(nested))
    assert run.code == 2
    assert "not a peer file nor an input peerproof can import: JSON of no kind peerproof reads" in run.err
    version = write(tmp_path / "version.json", '{"terraform_version": "1.9.5", "platform": "linux_amd64"}')
    assert run_cli("check", *NOW, str(version)).code == 2  # `terraform version -json`: not a state


def test_a_format_3_state_is_known_as_a_terraform_state(tmp_path):
    state = {"version": 3, "terraform_version": "0.11.14", "serial": 4, "lineage": "x", "modules": []}
    given = write(tmp_path / "terraform.tfstate", json.dumps(state))
    assert read(given) == {"terraform": ["terraform.tfstate"]}


def test_a_state_whose_outputs_outrun_the_detection_head_is_still_known(tmp_path):
    state = json.loads(NETWORK.read_text())
    state["outputs"] = {"big": {"value": ["x" * 100] * 2000, "type": ["list", "string"]}}  # ~200 KB first
    given = write(tmp_path / "big-state", json.dumps(state))
    assert given.stat().st_size > importers.HEAD_BYTES
    assert read(given) == {"terraform": ["big-state"]}


def test_an_aws_dump_and_an_outscale_dump_that_share_a_key_are_told_apart(tmp_path):
    aws = write(tmp_path / "a", (IMPORTS / "aws-cli-two-vpcs/describe-subnets.json").read_text())
    outscale = json.loads((IMPORTS / "outscale-api-pending/ReadSubnets.json").read_text())
    del outscale["ResponseContext"]  # `Subnets` alone: the Net ids tell
    osc = write(tmp_path / "b", json.dumps(outscale))
    assert read(aws) == {"aws-cli": ["a"]}
    assert read(osc) == {"outscale-api": ["b"]}


# --- what a directory scan reads --------------------------------------------------------------
@pytest.fixture
def workspace(tmp_path) -> Path:
    """A Terraform working directory as it is after a few applies, with a model beside it."""
    root = tmp_path / "infra"
    write(root / "terraform.tfstate", NETWORK.read_text())
    write(root / "terraform.tfstate.backup", PLAN.read_text())  # an older state: must not join the estate
    write(root / "terraform.tfstate.1718000000.backup", PLAN.read_text())
    write(root / "workspaces" / "partner", PARTNER.read_text())  # a state with no suffix
    write(root / "assertions.peer", ASSERTIONS.read_text())
    write(root / "main.tf", 'resource "aws_vpc" "app" {}\n')
    schema = {"format_version": "1.0", "provider_schemas": {"registry.terraform.io/hashicorp/aws": {}}}
    write(root / ".terraform" / "providers" / "schema.json", json.dumps(schema))
    write(root / ".terraform" / "terraform.tfstate", json.dumps({"version": 3, "backend": {"type": "s3"}}))
    write(root / "node_modules" / "cdktf" / "plan.json", PLAN.read_text())
    write(root / "venv" / "lib" / "plan.json", PLAN.read_text())
    write(root / "old-plan.json", PLAN.read_text())
    write(root / "generated" / "broken.peer", "net {\n")
    write(root / ".gitignore", "old-plan.json\ngenerated/\n")
    write(root / "package.json", '{"name": "infra"}\n')
    return root


def test_a_scan_skips_hidden_and_tool_directories_gitignored_files_and_backups(workspace):
    assert read(workspace) == {"terraform": ["partner", "terraform.tfstate"], "peer": ["assertions.peer"]}
    run, document = check(workspace)
    assert run.code in (0, 1), run.err
    assert document["files"] == 3  # assertions.peer and the two states
    strays = [d["message"] for d in document["diagnostics"] if d["message"].startswith("package.json")]
    assert strays == [
        "package.json: not a Terraform plan or state nor an AWS CLI or Outscale API response peerproof reads; "
        "not imported"
    ]
    stats = run_cli("stats", "--isolated", "--format", "json", str(workspace))
    assert stats.code == 0 and json.loads(stats.out)["files"] == 3  # as `check` counts them


def test_what_a_scan_leaves_out_is_read_when_given_by_name(workspace):
    # As ruff does: a path given explicitly is not filtered by .gitignore or the hidden rule.
    assert read(workspace / "old-plan.json") == {"terraform": ["old-plan.json"]}
    assert read(workspace / "terraform.tfstate.backup") == {"terraform": ["terraform.tfstate.backup"]}
    assert read(workspace / "node_modules") == {"terraform": ["plan.json"]}
    run = run_cli("check", *NOW, str(workspace / "generated" / "broken.peer"))
    assert run.code == 2 and "PARSE001" in run.err


def test_a_backup_without_its_state_beside_it_is_read(tmp_path):
    write(tmp_path / "terraform.tfstate.backup", NETWORK.read_text())
    assert read(tmp_path) == {"terraform": ["terraform.tfstate.backup"]}


def test_gitignore_files_nest_and_negate_as_git_does(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / ".gitignore", "archive/\n*.tmp.peer\n")
    write(repo / "net" / ".gitignore", "!x.tmp.peer\nsecret*.peer\n")
    write(repo / "net" / "keep" / ".gitignore", "!secret-ok.peer\n")
    for name in ("a.peer", "x.tmp.peer", "y.tmp.peer", "archive/old.peer", "secret.peer", "keep/secret-ok.peer"):
        write(repo / "net" / name, "")
    scanned = scan(repo / "net")  # the repository's .gitignore above the scanned directory applies too
    read_names = [f.relative_to(repo / "net").as_posix() for f in scanned.files]
    assert read_names == ["a.peer", "keep/secret-ok.peer", "x.tmp.peer"]
    assert sorted(scanned.skipped["listed in .gitignore"]) == ["archive/", "secret.peer", "y.tmp.peer"]
    if shutil.which("git"):  # the oracle
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        ignored = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "net"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        assert sorted(line[3:] for line in ignored.splitlines() if line.startswith("!!")) == [
            "net/archive/",
            "net/secret.peer",
            "net/y.tmp.peer",
        ]
    # A directory given by name is read even when git ignores it (as ripgrep and ruff do).
    assert [f.name for f in scan(repo / "net" / "archive").files] == ["old.peer"]


# --- --exclude, on every kind -----------------------------------------------------------------
def test_exclude_applies_to_imported_json_found_or_given(tmp_path):
    estate = tmp_path / "estate"
    estate.mkdir()
    for source in (NETWORK, PARTNER, ASSERTIONS):
        shutil.copy(source, estate / source.name)
    pattern = "*/partner.tfstate"
    assert read(estate, exclude=[pattern]) == {"terraform": ["network.tfstate"], "peer": ["assertions.peer"]}
    _, whole = check(estate)
    _, less = check(estate, extra=("--exclude", pattern))
    assert (whole["files"], less["files"]) == (3, 2)  # the peer file and the states
    assert read(estate / "network.tfstate", estate / "partner.tfstate", exclude=[pattern]) == {
        "terraform": ["network.tfstate"]
    }


def test_exclude_leaving_nothing_is_an_input_error(tmp_path):
    write(tmp_path / "net" / "a.peer", (FIXTURES / "models" / "aws-two-vpcs.peer").read_text())
    write(tmp_path / "net" / "plan.json", PLAN.read_text())
    config = write(tmp_path / "peerproof.toml", 'exclude = ["*"]\n')
    run = run_cli("check", "--config", str(config), str(tmp_path / "net"))
    assert run.code == 2
    assert "nothing to check: every file was left out by exclude ('*')" in run.err
    assert "checked" not in run.out
    alone = run_cli("check", "--isolated", "--exclude", "*", str(tmp_path / "net" / "a.peer"))
    assert alone.code == 2 and "every file was left out by exclude" in alone.err


# --- reading nothing is an input error --------------------------------------------------------
def _empty(root: Path) -> None:
    root.mkdir()


def _terraform_configuration(root: Path) -> None:
    write(root / "main.tf", 'resource "aws_vpc" "app" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    write(root / "variables.tf", 'variable "region" {}\n')


def _cloudformation(root: Path) -> None:
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}}}
    write(root / "template.json", json.dumps(template, indent=2))


def _stray_json(root: Path) -> None:
    write(root / "data.json", '{"hello": "world"}\n')


def _all_skipped(root: Path) -> None:
    write(root / ".terraform" / "providers" / "schema.json", '{"format_version": "1.0", "provider_schemas": {}}')
    write(root / "node_modules" / "x" / "plan.json", PLAN.read_text())
    write(root / "plan.json", PLAN.read_text())
    write(root / ".gitignore", "plan.json\n")


@pytest.mark.parametrize(
    "make, said",
    [
        (_empty, ["nothing peerproof reads in this directory: it is empty"]),
        (_terraform_configuration, ["found main.tf, variables.tf (Terraform configuration)", TF_HINT]),
        (_cloudformation, ["found template.json (an AWS CloudFormation template)"]),
        (_stray_json, ["found data.json (JSON of no kind peerproof reads)"]),
        (
            _all_skipped,
            [
                "skipped .gitignore, .terraform/ (hidden), node_modules/ (a tool's directory), "
                "plan.json (listed in .gitignore)",
                "a file listed in .gitignore is read when given by name",
            ],
        ),
    ],
    ids=["empty", "terraform-configuration", "cloudformation", "stray-json", "all-skipped"],
)
def test_a_directory_with_nothing_to_read_is_an_input_error_that_says_what_it_holds(tmp_path, make, said):
    # Regression: "0 files checked", exit 0: in CI that silently turned the gate off.
    root = tmp_path / "network"
    make(root)
    for command in ("check", "stats"):
        run = run_cli(command, "--isolated", str(root))
        assert run.code == 2, (command, run.out, run.err)
        assert f"{root}:1:1: error PARSE003 nothing peerproof reads in this directory" in run.err
        for words in said + [READS]:
            assert words in run.err
        assert "checked" not in run.out
    run, document = check(root)
    assert run.code == 2 and [d["code"] for d in document["diagnostics"]] == ["PARSE003"]


def test_a_directory_with_nothing_to_read_fails_even_beside_a_good_model(tmp_path):
    (tmp_path / "empty").mkdir()
    run = run_cli("check", *NOW, str(FIXTURES / "models" / "aws-two-vpcs.peer"), str(tmp_path / "empty"))
    assert run.code == 2 and "it is empty" in run.err


@pytest.mark.parametrize(
    "name, text, said",
    [
        ("main.tf", 'resource "aws_vpc" "app" {}\n', f"Terraform configuration; {TF_HINT}"),
        ("template.json", '{"AWSTemplateFormatVersion": "2010-09-09"}', "an AWS CloudFormation template"),
        ("plan.json", "", "an empty file"),  # `terraform show -json` failed and wrote nothing
        ("plan.out", "PK\x03\x04\x14\x00", "a zip archive (a saved Terraform plan is one)"),
        (
            "terraform.tfstate",
            '{"version": 3, "terraform_version": "1.9.5", "backend": {"type": "s3"}}',
            "Terraform's backend settings, not a state",
        ),
    ],
)
def test_a_file_given_that_peerproof_does_not_read_is_an_input_error(tmp_path, name, text, said):
    given = write(tmp_path / name, text)
    run = run_cli("check", *NOW, str(given))
    assert run.code == 2
    assert f"{given}:1:1: error PARSE003 not a peer file nor an input peerproof can import: {said}" in run.err


def test_a_peer_file_without_the_suffix_is_still_peer_text(tmp_path):
    given = write(tmp_path / "model", (FIXTURES / "models" / "aws-two-vpcs.peer").read_text())
    run, document = check(given)
    assert run.code == 0 and document["files"] == 1


# --- links --------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symbolic links")
def test_a_link_loop_ends_and_a_link_leaving_the_tree_is_not_followed(tmp_path):
    tree = tmp_path / "tree"
    write(tree / "a" / "vpcs.peer", (FIXTURES / "models" / "aws-two-vpcs.peer").read_text())
    write(tmp_path / "outside" / "other.peer", "net {\n")  # read, it would fail the check
    (tree / "a" / "up").symlink_to("..")
    (tree / "a" / "self").symlink_to(".")
    (tree / "out").symlink_to(tmp_path / "outside")
    (tree / "gone").symlink_to(tmp_path / "nowhere")
    # In a subprocess with a timeout: a regression would hang, not fail.
    done = subprocess.run(
        [sys.executable, "-m", "verifier.cli", "check", *NOW, "--format", "json", str(tree)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"] == 1
    skipped = scan(tree).skipped
    assert skipped["a link to a directory outside the tree"] == ["out/"]
    assert skipped["not a regular file (a pipe, a device, a broken link)"] == ["gone"]

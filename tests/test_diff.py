"""`peerproof diff`: newly allowed and blocked connections, findings, lifecycle, broken assertions."""

from __future__ import annotations

import json
import subprocess

from conftest import run_cli
from test_config import inside

BASE = """
net dev {
  cidr 10.11.0.0/16
  subnet dev-sn { cidr 10.11.1.0/24 }
  route-table dev-rt { route 10.13.0.0/16 via peering dev-prd }
  security-group dev-sg { outbound all to any }
  vm dev-1 { subnet dev-sn  ip 10.11.1.10  groups dev-sg }
}
net prd {
  cidr 10.13.0.0/16
  subnet prd-sn { cidr 10.13.1.0/24 }
  route-table prd-rt { route 10.11.0.0/16 via peering dev-prd }
  security-group prd-sg { inbound tcp 5432 from 10.11.0.0/16  outbound all to any }
  vm prd-db { subnet prd-sn  ip 10.13.1.10  groups prd-sg }
}
peering dev-prd { requester dev  accepter prd  state STATE }
assert ASSERTION
"""
NOW = ("--now", "2026-11-21T12:00:00Z", "--isolated")


def versions(tmp_path, old_state, new_state, old_assert="isolate dev -> prd", new_assert="isolate dev -> prd"):
    for name, state, assertion in (("old", old_state, old_assert), ("new", new_state, new_assert)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "estate.peer").write_text(BASE.replace("STATE", state).replace("ASSERTION", assertion))
    return str(tmp_path / "old"), str(tmp_path / "new")


def test_accepting_a_peering_allows_flows_and_breaks_isolation(tmp_path):
    old, new = versions(tmp_path, "pending-acceptance", "active")
    run = run_cli("diff", *NOW, "--format", "json", old, new)
    assert run.code == 1
    result = json.loads(run.out)
    [flow] = result["allowed"]
    assert (flow["source_vm"], flow["destination_vm"]) == ("dev-1", "prd-db")
    assert flow["packet"]["protocol"] == "tcp" and flow["packet"]["destination_port"] == 5432
    assert flow["new"]["ok"] and not flow["old"]["ok"] and flow["old"]["blocked"] == "PEERING_NOT_ACTIVE"
    assert result["blocked"] == [] and result["lifecycle"] == []
    assert result["assertions"] == [
        {"assertion": "assert isolate dev -> prd", "old": "proved", "new": "refuted", "broken": True}
    ]
    # the ROUTE002 warnings on the pending peering disappeared with it
    assert {d["code"] for d in result["findings"]["disappeared"]} == {"ROUTE002"}
    text = run_cli("diff", *NOW, old, new)
    assert "newly allowed: 1 connection(s)\n  net dev -> net prd\n    dev-1 -> prd-db: tcp 10.11.1.10:" in text.out
    assert "error: the change breaks `assert isolate dev -> prd` (proved before, refuted now)" in text.out


def test_deleting_a_peering_blocks_flows_and_breaks_reach(tmp_path):
    old, new = versions(
        tmp_path, "active", "deleted", "reach dev-1 -> prd-db tcp 5432", "reach dev-1 -> prd-db tcp 5432"
    )
    run = run_cli("diff", *NOW, "--format", "json", old, new)
    result = json.loads(run.out)
    assert run.code == 1 and result["allowed"] == [] and len(result["blocked"]) == 1
    assert result["blocked"][0]["new"]["blocked"] == "PEERING_NOT_ACTIVE"
    assert result["assertions"][0]["broken"]


def test_impossible_lifecycle_transition(tmp_path):
    old, new = versions(
        tmp_path, "failed", "active", "reach dev-1 -> prd-db tcp 5432", "reach dev-1 -> prd-db tcp 5432"
    )
    run = run_cli("diff", *NOW, "--format", "json", old, new)
    result = json.loads(run.out)
    assert run.code == 1
    assert result["lifecycle"][0].endswith(
        "peering 'dev-prd' cannot go from failed to active; from failed it can become deleted"
    )


def test_no_change_no_failure(tmp_path):
    old, new = versions(
        tmp_path, "active", "active", "reach dev-1 -> prd-db tcp 5432", "reach dev-1 -> prd-db tcp 5432"
    )
    run = run_cli("diff", *NOW, old, new)
    assert run.code == 0
    assert "newly allowed: 0 connection(s)" in run.out and "the change breaks nothing it asserts" in run.out


def test_diff_against_git_revision(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "estate.peer").write_text(
        BASE.replace("STATE", "pending-acceptance").replace("ASSERTION", "isolate dev -> prd")
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    (repo / "estate.peer").write_text(BASE.replace("STATE", "active").replace("ASSERTION", "isolate dev -> prd"))
    with inside(repo):
        run = run_cli("diff", *NOW, "--format", "json", "--git", "HEAD", ".")
    assert run.code == 1, run.err
    assert len(json.loads(run.out)["allowed"]) == 1


def test_diff_usage_and_bad_input(tmp_path):
    old, new = versions(tmp_path, "active", "active")
    assert run_cli("diff", *NOW, old).code == 2
    (tmp_path / "new" / "estate.peer").write_text("net {")
    run = run_cli("diff", *NOW, old, new)
    assert run.code == 2 and "estate.peer:1:5: error PARSE001" in run.err


def test_diff_of_two_dumps_points_each_finding_at_its_own_input(tmp_path):
    # Each side's findings point into that side's dump: the origins of imported lines are passed per
    # load (they were module state, filled for OLD and NEW alike and never cleared by diff).
    import shutil

    from conftest import FIXTURES

    estate = FIXTURES / "imports" / "aws-cli-two-vpcs"
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(estate, old)
    shutil.copytree(estate, new)
    for side in (old, new):
        (side / "assertions.peer").unlink()
    tables = json.loads((new / "describe-route-tables.json").read_text())
    tables["RouteTables"][1]["Routes"][1]["DestinationCidrBlock"] = "10.10.0.0/16"  # the way back, widened
    (new / "describe-route-tables.json").write_text(json.dumps(tables, indent=1))
    run = run_cli("diff", *NOW, str(old), str(new), "--format", "json")
    document = json.loads(run.out)
    gone = [f for f in document["findings"]["disappeared"] if f["code"] == "ROUTE007"]
    assert gone and all(f["file"] == str(old / "describe-route-tables.json") for f in gone), document


def test_markdown_is_a_pull_request_comment_with_a_witness_per_net_pair(tmp_path):
    old, new = versions(tmp_path, "pending-acceptance", "active")
    run = run_cli("diff", *NOW, "--format", "markdown", old, new)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == "### peerproof diff: the change breaks an assertion or the peering lifecycle"
    reachable = lines.index("#### Newly reachable: 1 net pair(s)")
    assert lines[reachable + 2] == "| from net | to net | witness | now | path |"
    row = lines[reachable + 4]
    assert row.startswith("| dev | prd | vm dev-1 -&gt; vm prd-db, tcp 10\\.11\\.1\\.10\\:")
    assert "\\:5432 | works | on the new model:<br>forward 1\\. outbound allowed by dev-sg" in row
    assert "<br>reply 1\\." in row and row.endswith(" |") and row.count(" | ") == 4
    assert "#### Newly isolated: 0 net pair(s)" in lines
    assert "- the change breaks \\`assert isolate dev -&gt; prd\\` \\(proved before, refuted now\\)" in lines


def test_markdown_of_a_blocked_pair_says_where_it_dies(tmp_path):
    old, new = versions(
        tmp_path, "active", "deleted", "reach dev-1 -> prd-db tcp 5432", "reach dev-1 -> prd-db tcp 5432"
    )
    out = run_cli("diff", *NOW, "--format", "markdown", old, new).out
    assert "#### Newly isolated: 1 net pair(s)" in out and "#### Newly reachable: 0 net pair(s)\n\nNone." in out
    assert "| dies on the forward \\(PEERING\\_NOT\\_ACTIVE\\) |" in out


def test_markdown_escapes_what_the_model_names(tmp_path):
    # Guards: a quoted name ending a table cell, opening a tag or a link, or mentioning a team.
    hostile = "x|y <b>@team [l](https://e.vil)"
    old, new = versions(tmp_path, "pending-acceptance", "active")
    for side in (old, new):
        path = tmp_path / side / "estate.peer"
        path.write_text(path.read_text().replace("vm dev-1 {", f'vm "{hostile}" {{'))
    out = run_cli("diff", *NOW, "--format", "markdown", old, new).out
    row = next(line for line in out.splitlines() if line.startswith("| dev | prd |"))
    assert "vm x\\|y &lt;b&gt;\\@team \\[l\\]\\(https\\://e\\.vil\\) -&gt; vm prd-db" in row
    assert "<b>" not in out and "@team" not in out.replace("\\@team", "") and "](" not in out
    assert row.replace("\\|", "").count("|") == 6  # five cells

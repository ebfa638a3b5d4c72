"""Installing and wiring peerproof in: what the README tells a user to type names things that exist,
the pre-commit hook runs on the files it should, and `.peerproof.toml` is read like `peerproof.toml`."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from conftest import FIXTURES, ROOT, run_cli

from verifier import __version__

README = (ROOT / "README.md").read_text()
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
NOW = ("--now", "2026-11-21T12:00:00Z")


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_one_version():
    # docs/release.md: the version is raised in both places at once.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__


def test_readme_installs_from_the_repository_not_an_index():
    # Guards against `pip install peerproof`: no package of that name is published.
    commands = re.findall(r"(?:pip|pipx) install [^\n`]+", README)
    assert commands, "the README says how to install"
    for command in commands:
        target = re.split(r"\s+(?:&&|#)", command.split(" install ", 1)[1])[0].split()[-1].strip('"')
        assert target in (".", "'.[test]'") or target.startswith("git+https://"), command


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git history")
def test_readme_pre_commit_rev_exists_and_holds_the_hook():
    # Guards against `rev: v0.1.0`, a tag that was never made: pre-commit fails to clone it.
    block = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README, re.S)
    assert block
    rev = yaml.safe_load(block.group(1))["repos"][0]["rev"]
    assert git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode == 0, f"{rev} is no commit here"
    hooks = yaml.safe_load(git("show", f"{rev}:.pre-commit-hooks.yaml").stdout)
    assert [h["id"] for h in hooks] == ["peerproof"]
    if re.fullmatch(r"[0-9a-f]{40}", rev) is None:
        assert re.fullmatch(r"v\d+\.\d+\.\d+", rev), "a release tag is vX.Y.Z (docs/release.md)"


@pytest.mark.parametrize(
    "name, runs",
    [
        ("network/hub.peer", True),
        ("peerproof.toml", True),
        ("infra/.peerproof.toml", True),
        ("pyproject.toml", True),
        ("sub/pyproject.toml", True),
        ("plan.json", True),
        ("infra/terraform.tfstate", True),
        ("aws/describe-vpcs.json", True),
        ("README.md", False),
        ("notpyproject.toml", False),
        ("my-peerproof.toml", False),
        ("infra/main.tf", False),
        ("net.peer.bak", False),
    ],
)
def test_hook_runs_on_models_imports_and_configuration(name, runs):
    # pre-commit matches `files` with re.search on the path from the repository's root.
    (hook,) = HOOKS
    assert (re.search(hook["files"], name) is not None) == runs
    assert hook["pass_filenames"] is False and hook["args"] == ["."]


# --- .peerproof.toml ------------------------------------------------------------------------------
def project(tmp_path, files: dict[str, str]):
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "models" / "language-example.peer", tmp_path / "net.peer")  # one warning
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_hidden_configuration_is_read_like_peerproof_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path, {".peerproof.toml": 'fail-on = "warning"\npaths = ["net.peer"]\n'}))
    assert run_cli("check", *NOW).code == 1  # its `paths` and its `fail-on`
    assert run_cli("check", *NOW, "--isolated", "net.peer").code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.peerproof]\nfail-on = "error"\n')
    assert run_cli("check", *NOW).code == 1, "it wins over pyproject.toml, as peerproof.toml does"


def test_hidden_configuration_errors_are_located_in_it(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path, {".peerproof.toml": 'fail-on = "warnin"\n'}))
    run = run_cli("check", *NOW, "net.peer")
    assert run.code == 2 and ".peerproof.toml:1:1: error CONFIG001 'fail-on' must be one of" in run.err


def test_both_configuration_files_in_one_directory_is_an_error(tmp_path, monkeypatch):
    # Whichever won, the other would be ignored without a word.
    monkeypatch.chdir(project(tmp_path, {"peerproof.toml": "", ".peerproof.toml": ""}))
    run = run_cli("check", *NOW, "net.peer")
    assert run.code == 2
    assert ".peerproof.toml:1:1: error CONFIG001 both peerproof.toml and .peerproof.toml are here; keep one" in run.err
    assert run_cli("check", *NOW, "--config", "peerproof.toml", "net.peer").code == 0  # naming one settles it
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "peerproof.toml").write_text("")
    monkeypatch.chdir(tmp_path / "sub")
    assert run_cli("check", *NOW, "../net.peer").code == 0  # the nearer directory holds one: no ambiguity

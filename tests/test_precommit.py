"""The pre-commit hook, with the real `pre-commit try-repo`, in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # installs the hook in a fresh environment


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo, home, *files: str) -> subprocess.CompletedProcess:
    """The hook on `files` (as if they were the change), or on every file."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    chosen = ["--files", *files] if files else ["--all-files"]
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "peerproof", *chosen],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def make_repo(path, files):
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    subprocess.run([*GIT, "add", "."], cwd=path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "model"], cwd=path, check=True)
    return path


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_passes_on_a_clean_model_and_fails_on_a_broken_one(tmp_path, pre_commit_home):
    clean = make_repo(
        tmp_path / "clean",
        {
            "network/vpcs.peer": (FIXTURES / "models" / "aws-two-vpcs.peer").read_text(),
            "README.md": "not a model\n",
        },
    )
    result = try_repo(clean, pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "peerproof" in result.stdout and "Passed" in result.stdout

    broken = make_repo(
        tmp_path / "broken",
        {
            "network/vpcs.peer": (FIXTURES / "models" / "aws-two-vpcs.peer").read_text(),
            # the error is in a file the change did not touch: the whole model is checked
            "network/self.peer": (FIXTURES / "rules" / "PEER003.peer").read_text().replace("hub", "hub2"),
        },
    )
    result = try_repo(broken, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout and "error PEER003 peering 'p' joins net 'hub2' to itself" in result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_runs_when_the_configuration_or_an_imported_input_changes(tmp_path, pre_commit_home):
    # Guards against a hook that ran on `.peer` files only: a configuration that turns a warning into
    # a failure, or a broken Terraform state, went in unchecked.
    configured = make_repo(
        tmp_path / "configured",
        {
            "network/net.peer": (FIXTURES / "models" / "language-example.peer").read_text(),  # one warning
            ".peerproof.toml": 'fail-on = "warning"\n',
            "notes.txt": "not a model\n",
        },
    )
    result = try_repo(configured, pre_commit_home, ".peerproof.toml")
    assert result.returncode == 1 and "Failed" in result.stdout, result.stdout + result.stderr
    assert "warning ROUTE" in result.stdout  # the model's warning, failing as the configuration asks
    result = try_repo(configured, pre_commit_home, "notes.txt")
    assert result.returncode == 0 and "(no files to check)Skipped" in result.stdout, result.stdout

    imported = make_repo(tmp_path / "imported", {"infra/terraform.tfstate": "{\n"})
    result = try_repo(imported, pre_commit_home, "infra/terraform.tfstate")
    assert result.returncode == 1 and "Failed" in result.stdout, result.stdout + result.stderr
    assert "infra/terraform.tfstate" in result.stdout  # what was read, and why it fails

"""The GitHub Action (`action.yml`): its shape, the README's workflow that uses it, and its shell steps
run here as a runner would run them, in a temporary git repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
import yaml
from conftest import FIXTURES, ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def step(name: str) -> dict:
    return next(s for s in STEPS if s["name"] == name)


def test_composite_action_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"paths", "version", "sarif-file", "fail-on", "upload-sarif", "args"}
    for name, spec in ACTION["inputs"].items():
        assert spec["description"] and "default" in spec, name
    used = set()
    for item in STEPS:
        assert ("run" in item) != ("uses" in item), item["name"]
        if "run" in item:
            assert item["shell"] == "bash", item["name"]  # a composite step's `run` must name its shell
            # Guards against script injection: workflow values reach a script only through `env`.
            assert "${{" not in item["run"], item["name"]
        expressions = [m.group(1) for m in EXPRESSION.finditer(yaml.safe_dump(item))] + [item.get("if", "")]
        used.update(name for text in expressions for name in re.findall(r"inputs\.([\w-]+)", text))
    assert used == set(ACTION["inputs"]), "every input is used, and only inputs that exist"
    upload = step("Upload the findings to code scanning")
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"].startswith("always()")  # the findings are uploaded when the check fails too
    # one run, solved once: the SARIF report for code scanning and annotations for the log
    assert '-o sarif="$PEERPROOF_SARIF" -o github' in step("Check the network model")["run"]


def readme_workflow() -> dict:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### GitHub Actions, with code scanning") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block
    return yaml.safe_load(block.group(1))


def test_readme_workflow_uses_the_action():
    workflow = readme_workflow()
    steps = workflow["jobs"]["verify"]["steps"]
    ours = [s for s in steps if s.get("uses", "").split("@")[0].endswith("/peerproof")]
    assert len(ours) == 1
    assert set(ours[0].get("with", {})) <= set(ACTION["inputs"])
    assert workflow["jobs"]["verify"]["permissions"]["security-events"] == "write"
    assert not [s for s in steps if "pip install peerproof" in s.get("run", "")]  # there is no such package


# --- the steps, run here -----------------------------------------------------------------------
def evaluate(text: str, inputs: dict[str, str], outputs: dict[str, str], action_path: str) -> str:
    """The expressions the action's steps use, as GitHub evaluates them; any other fails the test."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression.startswith("steps.check.outputs."):
            return outputs.get(expression.removeprefix("steps.check.outputs."), "")
        known = {"github.action_path": action_path, "github.action_repository": "example/peerproof"}
        assert expression in known, f"the test does not know {expression!r}"
        return known[expression]

    return EXPRESSION.sub(value, str(text))


def run_step(item: dict, inputs: dict[str, str], outputs: dict[str, str], workspace, path_prefix) -> int:
    """One `run:` step as the runner runs it (`bash --noprofile --norc -eo pipefail`), its outputs kept."""
    output_file = workspace.parent / "github-output"
    output_file.write_text("")
    env = dict(os.environ, GITHUB_WORKSPACE=str(workspace), GITHUB_OUTPUT=str(output_file))
    env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
    env.pop("VIRTUAL_ENV", None)
    env.update({k: evaluate(v, inputs, outputs, str(ROOT)) for k, v in item.get("env", {}).items()})
    cwd = workspace / evaluate(item.get("working-directory", "."), inputs, outputs, str(ROOT))
    script = workspace.parent / "step.sh"
    script.write_text(item["run"])
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    for line in output_file.read_text().splitlines():
        key, _, val = line.partition("=")
        outputs[key] = val
    item_log = done.stdout + done.stderr
    print(f"--- {item['name']}: {done.returncode}\n{item_log}")
    return done.returncode


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The install step, run once in a fresh virtual environment (as setup-python gives one)."""
    base = tmp_path_factory.mktemp("action")
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True)
    bin_dir = base / "venv" / "bin"
    workspace = base / "workspace"
    workspace.mkdir()
    defaults = {name: spec["default"] for name, spec in ACTION["inputs"].items()}
    assert run_step(step("Install peerproof"), defaults, {}, workspace, bin_dir) == 0
    assert (bin_dir / "peerproof").exists()
    return bin_dir


def workspace_with(tmp_path, files: dict[str, str]):
    workspace = tmp_path / "workspace"
    for name, text in files.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=workspace, check=True)
    return workspace


def run_action(workspace, bin_dir, **given: str) -> tuple[dict[str, str], int]:
    inputs = {name: spec["default"] for name, spec in ACTION["inputs"].items()} | given
    outputs: dict[str, str] = {}
    assert run_step(step("Check the network model"), inputs, outputs, workspace, bin_dir) == 0  # the code is kept
    return outputs, run_step(step("Fail on findings"), inputs, outputs, workspace, bin_dir)


@pytest.mark.slow  # installs peerproof from the action's checkout in a fresh environment
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_steps_write_sarif_and_fail_as_the_check_does(tmp_path, installed):
    broken = workspace_with(
        tmp_path / "broken",
        {
            "network/vpcs.peer": (FIXTURES / "models" / "aws-two-vpcs.peer").read_text(),
            "network/self.peer": (FIXTURES / "rules" / "PEER003.peer").read_text().replace("hub", "hub2"),
        },
    )
    outputs, code = run_action(broken, installed, paths="network")
    assert outputs["exit-code"] == "1" and code == 1
    assert outputs["sarif-file"] == "peerproof.sarif"
    document = json.loads((broken / "peerproof.sarif").read_text())
    jsonschema.validate(document, SARIF_SCHEMA)
    assert "PEER003" in {r["ruleId"] for r in document["runs"][0]["results"]}

    # A clean model passes; the report goes where it is asked, relative to the working directory.
    model = (FIXTURES / "models" / "aws-two-vpcs.peer").read_text()
    clean = workspace_with(tmp_path / "clean", {"infra/vpcs.peer": model})
    outputs, code = run_action(clean, installed, **{"working-directory": "infra", "sarif-file": "out.sarif"})
    assert outputs["exit-code"] == "0" and code == 0
    assert outputs["sarif-file"] == "infra/out.sarif"
    assert json.loads((clean / "infra" / "out.sarif").read_text())["runs"][0]["results"] == []

    # No path and no configuration: a usage error (exit 2), and no empty report to upload.
    (clean / "infra" / "out.sarif").unlink()
    outputs, code = run_action(clean, installed, paths="", **{"working-directory": "infra", "sarif-file": "out.sarif"})
    assert outputs["exit-code"] == "2" and code == 2 and "sarif-file" not in outputs

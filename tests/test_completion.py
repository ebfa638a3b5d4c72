"""`peerproof completion bash|zsh`: scripts generated from the parsers, accepted by the shells, completing."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import ROOT, run_cli

BASH = shutil.which("bash")
ZSH = shutil.which("zsh")


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory):
    run = run_cli("completion", "bash")
    assert run.code == 0 and run.err == ""
    path = tmp_path_factory.mktemp("completion") / "peerproof.bash"
    path.write_text(run.out)
    return path


def complete(script, *words: str) -> list[str]:
    """What bash offers for the last of `words` (the word being typed), as the shell would ask."""
    quoted = " ".join(f"'{w}'" for w in ("peerproof", *words))
    program = (
        f'source "{script}"\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words)}; _peerproof\n'
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run([BASH, "--norc", "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return sorted(line for line in result.stdout.splitlines() if line)


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_bash_script_is_valid_and_registered(bash_script):
    assert subprocess.run([BASH, "-n", str(bash_script)], capture_output=True, text=True).returncode == 0
    shown = subprocess.run(
        [BASH, "--norc", "-c", f'source "{bash_script}" && complete -p peerproof'], capture_output=True, text=True
    )
    assert shown.stdout.strip().endswith("-F _peerproof peerproof")


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_bash_completes_commands_options_values_and_files(bash_script):
    from verifier.cli import make_parser

    assert "check" in complete(bash_script, "ch") and "completion" in complete(bash_script, "comp")
    assert complete(bash_script, "why", "--f") == ["--fail-on", "--fix", "--format"]
    assert complete(bash_script, "check", "--format", "") == ["github", "json", "junit", "sarif", "text"]
    assert complete(bash_script, "matrix", "--by", "s") == ["subnet"]
    assert complete(bash_script, "completion", "") == ["bash", "zsh"]
    assert complete(bash_script, "check", "fixt") == ["fixtures"]  # a path
    assert complete(bash_script, "check", "--timeout", "") == []  # a number: no file names offered
    # every command of the parser, and every option of each, is in the script
    parser = make_parser(None)
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert sorted(complete(bash_script, "")) == sorted([*commands, "-h", "--help", "--version"])
    for name, command in commands.items():
        options = sorted(o for a in command._actions for o in a.option_strings)
        assert complete(bash_script, name, "-") == options, name


@pytest.mark.skipif(ZSH is None, reason="needs zsh")
def test_zsh_script_is_valid_and_found_by_compinit(tmp_path):
    run = run_cli("completion", "zsh")
    assert run.code == 0 and run.out.startswith("#compdef peerproof\n")
    (tmp_path / "_peerproof").write_text(run.out)
    assert subprocess.run([ZSH, "-n", str(tmp_path / "_peerproof")], capture_output=True).returncode == 0
    # installed in $fpath, as the script's docstring says; and sourced after compinit
    show = "print -r -- ${_comps[peerproof]}"
    found = f"fpath=({tmp_path} $fpath); autoload -U compinit && compinit -u -D; {show}"
    sourced = f"autoload -U compinit && compinit -u -D; source {tmp_path}/_peerproof; {show}"
    for program in (found, sourced):
        result = subprocess.run([ZSH, "-f", "-c", program], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert result.stdout.strip() == "_peerproof", result.stderr


def test_zsh_descriptions_are_escaped():
    from verifier.commands.completion import _zsh_text

    assert _zsh_text("a [b]: it's\nc") == "a \\[b\\]\\: it'\\''s c"


def test_unknown_shell_is_a_usage_error():
    run = run_cli("completion", "fish")
    assert run.code == 2 and "invalid choice: 'fish'" in run.err

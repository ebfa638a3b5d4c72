"""Snapshots of what users see: each output below, byte for byte, with its exit code.

Guards the output of `peerproof check` in every format, `why` (text, json, and what `--fix`
says and writes), `diff` and `graph` (dot, mermaid) on a handful of fixtures, so that a
refactoring can be shown to change nothing a user sees. Each case runs the CLI in-process
from the repository root, with relative paths, `--isolated` and a fixed `--now`.

A snapshot file is `# exit: N`, then one `# stderr: ...` line per line of standard error, then
standard output exactly (for `graph`, the file it wrote, and its standard output as
`# stdout: ...` lines). The model `why --fix` writes is kept apart, as
`fixtures/why/<NAME>.fixed.peer`, a plain model. The inputs of `diff` are in
tests/snapshots/inputs/ (edited by hand, never rewritten).

A missing or different snapshot fails. After an intended change of output:

    python -m pytest tests/test_snapshots.py --update-snapshots

rewrites the files (and deletes those no case produces); review them with `git diff`.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
SNAPSHOTS = ROOT / "tests" / "snapshots"
INPUTS = SNAPSHOTS / "inputs"
UPDATE = "python -m pytest tests/test_snapshots.py --update-snapshots"

# check: a name -> the paths given (relative to the repository root)
CHECKED = {
    "language-example": ["fixtures/models/language-example.peer"],
    "REACH001": ["fixtures/rules/REACH001.peer"],  # refuted reach, counterexample hops
    "REACH002": ["fixtures/rules/REACH002.peer"],
    "REACH005": ["fixtures/rules/REACH005.peer"],  # unknown: depends on a gateway, a peering
    "ROUTE007": ["fixtures/rules/ROUTE007.peer"],
    "PEER001": ["fixtures/rules/PEER001.peer"],
    "aws-cli-two-vpcs": ["fixtures/imports/aws-cli-two-vpcs", "fixtures/imports/aws-cli-two-vpcs/assertions.peer"],
}
FORMATS = {"text": "text", "json": "json", "sarif": "sarif.json", "junit": "junit.xml", "github": "github"}

# why: every fixture of fixtures/why/, its arguments on its first line (`# why: a-1 b-1 --port 443`)
WHY = sorted(p for p in (FIXTURES / "why").glob("*.peer") if not p.name.endswith(".fixed.peer"))

# diff: a name -> (OLD, NEW), one edit apart
DIFFS = {
    "route-narrowed": (
        "tests/snapshots/inputs/diff/route-narrowed/old.peer",  # aws-two-vpcs.peer, data-rt's
        "tests/snapshots/inputs/diff/route-narrowed/new.peer",
    ),  # route back narrowed to app-a
    "peering-accepted": (
        "tests/snapshots/inputs/diff/peering-accepted/old.peer",  # aws-cross-account-pending.peer,
        "tests/snapshots/inputs/diff/peering-accepted/new.peer",
    ),  # its peering now active
}

# graph: a name -> the arguments but -o
GRAPHS = {
    "language-example": ["fixtures/models/language-example.peer"],
    "language-example-why": ["fixtures/models/language-example.peer", "--why", "a-1", "b-1", "--port", "22"],
    "aws-cross-account-pending": ["fixtures/models/aws-cross-account-pending.peer"],
    "REACH005": ["fixtures/rules/REACH005.peer"],
}


def header(path: Path, key: str) -> str | None:
    match = re.search(rf"^# {key}:(.*)$", path.read_text(), re.M)
    return match.group(1).strip() if match else None


def has_blocking(path: Path) -> bool:
    return bool(header(path, "blocking"))


def fix_possible(path: Path) -> bool:
    return has_blocking(path) and not (header(path, "fix") or "").startswith("impossible")


def fixed(path: Path) -> Path:
    return path.with_name(f"{path.stem}.fixed.peer")


# --- running and rendering ---------------------------------------------------------------------


def normalise(text: str, tmp_path: Path) -> str:
    # Every path given is relative to the repository root, and none of today's outputs holds an
    # absolute one. Only `graph -o` and `why --fix` (on a copy) name a file in the temporary
    # directory: it becomes `<tmp>`. Should an absolute path of the checkout ever appear, it
    # becomes `<root>`, so the snapshot shows the change the same way on every machine.
    for path, mark in ((tmp_path, "<tmp>"), (ROOT, "<root>")):
        for spelling in sorted({str(path), str(path.resolve())}, key=len, reverse=True):
            text = text.replace(spelling, mark)
    return text


def lines(prefix: str, text: str) -> list[str]:
    """`# prefix: LINE` for each line of text (an unterminated last line said so)."""
    if not text:
        return []
    parts = text.split("\n")
    tail = [] if parts[-1] == "" else [f"# {prefix}: (no newline at end)"]
    if not tail:
        parts.pop()
    return [f"# {prefix}:" + (f" {part}" if part else "") for part in parts] + tail


def render(run, body: str | None = None) -> str:
    """`# exit: N`, standard error line by line, then the body: standard output unless given."""
    head = [f"# exit: {run.code}"] + lines("stderr", run.err)
    if body is None:
        body = run.out
    else:
        head += lines("stdout", run.out)
    return "\n".join(head) + "\n" + body


def compare(path: Path, actual: str, update: bool) -> str | None:
    """None when `path` holds exactly `actual` (or was just rewritten to); else what differs."""
    where = path.relative_to(ROOT)
    if update:
        if not path.exists() or path.read_bytes() != actual.encode():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode())
        return None
    if not path.exists():
        return f"snapshot {where} is missing: run `{UPDATE}` to write it, then review it"
    expected = path.read_bytes().decode()
    if expected == actual:
        return None
    diff = list(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"{where} (stored)",
            f"{where} (today)",
        )
    )
    shown = "".join(line if line.endswith("\n") else line + "\n\\ no newline at end\n" for line in diff[:200])
    more = f"... {len(diff) - 200} more diff lines\n" if len(diff) > 200 else ""
    return f"output differs from snapshot {where} (if intended: `{UPDATE}`):\n{shown}{more}"


def check(name: str, fmt: str, tmp_path: Path) -> str:
    return render(run_cli("check", *NOW, "--format", fmt, *CHECKED[name]))


def why(path: Path, fmt: str, tmp_path: Path) -> str:
    relative = str(path.relative_to(ROOT))
    return render(run_cli("why", *NOW, *header(path, "why").split(), relative, "--format", fmt))


def diff(name: str, fmt: str, tmp_path: Path) -> str:
    return render(run_cli("diff", *NOW, "--format", fmt, *DIFFS[name]))


def graph(name: str, ext: str, tmp_path: Path) -> str:
    output = tmp_path / f"{name}.{ext}"
    run = run_cli("graph", *NOW, *GRAPHS[name], "-o", str(output))
    body = output.read_bytes().decode() if output.exists() else ""
    return normalise(render(run, body), tmp_path)


# snapshot path (relative to tests/snapshots/) -> how to make it
CASES = {}
for _name in CHECKED:
    for _fmt, _ext in FORMATS.items():
        CASES[f"check/{_name}.{_ext}"] = (check, _name, _fmt)
for _path in WHY:
    for _fmt in ("text", "json"):
        CASES[f"why/{_path.stem}.{_fmt}"] = (why, _path, _fmt)
for _name in DIFFS:
    for _fmt, _ext in (("text", "text"), ("json", "json"), ("markdown", "md")):
        CASES[f"diff/{_name}.{_ext}"] = (diff, _name, _fmt)
for _name in GRAPHS:
    for _ext in ("dot", "mmd"):
        CASES[f"graph/{_name}.{_ext}"] = (graph, _name, _ext)
FIX_CASES = [p for p in WHY if has_blocking(p)]  # what `why --fix` says: why/<NAME>.fix.text


@pytest.fixture(autouse=True)
def at_the_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths in, relative paths out


@pytest.mark.parametrize("snapshot", sorted(CASES))
def test_output_matches_snapshot(snapshot, tmp_path, update_snapshots):
    make, *args = CASES[snapshot]
    problem = compare(SNAPSHOTS / snapshot, make(*args, tmp_path), update_snapshots)
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.mark.parametrize("path", FIX_CASES, ids=lambda p: p.stem)
def test_fix_writes_the_fixed_golden(path, tmp_path, update_snapshots):
    # `why --fix` on a copy: the copy becomes fixtures/why/<NAME>.fixed.peer exactly (where a
    # repair exists), and what it says is why/<NAME>.fix.text.
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    run = run_cli("why", *NOW, *header(path, "why").split(), str(copy), "--fix")
    problems = [
        compare(SNAPSHOTS / "why" / f"{path.stem}.fix.text", normalise(render(run), tmp_path), update_snapshots)
    ]
    if fix_possible(path):
        problems.append(compare(fixed(path), copy.read_bytes().decode(), update_snapshots))
    else:
        assert copy.read_bytes() == path.read_bytes(), "no repair exists, yet --fix changed the model"
    problems = [p for p in problems if p]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("path", [p for p in WHY if fix_possible(p)], ids=lambda p: p.stem)
def test_fixed_golden_is_a_model_that_reaches(path):
    golden = fixed(path)
    if not golden.exists():
        pytest.fail(f"{golden.relative_to(ROOT)} is missing: run `{UPDATE}`", pytrace=False)
    relative = str(golden.relative_to(ROOT))
    run = run_cli("check", *NOW, "--format", "json", relative)
    assert run.code in (0, 1) and '"PARSE' not in run.out, run.out + run.err
    answer = run_cli("why", *NOW, *header(path, "why").split(), relative, "--format", "json")
    assert answer.code == 0 and '"verdict": "reachable"' in answer.out, answer.out + answer.err


def test_no_stale_snapshots(update_snapshots):
    # A snapshot no case makes (a renamed fixture, a dropped format) would be dead weight.
    wanted = {SNAPSHOTS / name for name in CASES} | {SNAPSHOTS / "why" / f"{p.stem}.fix.text" for p in FIX_CASES}
    stale = sorted(p for p in SNAPSHOTS.rglob("*") if p.is_file() and INPUTS not in p.parents and p not in wanted)
    stale += sorted(
        p for p in (FIXTURES / "why").glob("*.fixed.peer") if not any(p == fixed(w) for w in WHY if fix_possible(w))
    )
    if update_snapshots:
        for path in stale:
            path.unlink()
    elif stale:
        pytest.fail(
            "stale snapshots (delete them, or run `"
            + UPDATE
            + "`):\n"
            + "\n".join(str(p.relative_to(ROOT)) for p in stale),
            pytrace=False,
        )

"""Shared helpers: run the CLI in-process, read inline expectations, compare models."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # on sys.path first: pyproject's `pythonpath`

FIXTURES = ROOT / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9_,\s]+)")


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str) -> Run:
    from verifier.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


FLAGS = re.compile(r"^#\s*flags:\s*(.+)$", re.M)


def fixture_flags(path: Path) -> list[str]:
    """Extra command-line flags a fixture asks for (`# flags: --rlimit 1`), as mypy's test data does."""
    flags: list[str] = []
    for file in model_files(path):
        for match in FLAGS.finditer(file.read_text()):
            flags.extend(match.group(1).split())
    return flags


def model_files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.peer")) if path.is_dir() else [path]


def expectations(path: Path) -> list[tuple[str, int, str]]:
    """(file, line, code) for every `# expect: CODE[, CODE]` in a fixture (file or directory)."""
    found = []
    sidecar = path / "expect.txt" if path.is_dir() else None
    if sidecar is not None and sidecar.exists():  # findings located in files that have no comments (JSON)
        for line in sidecar.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, number, code = line.split()
                found.append((str(path / name), int(number), code))
    for file in model_files(path):
        for number, line in enumerate(file.read_text().splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                for code in filter(None, (c.strip() for c in match.group(1).split(","))):
                    found.append((str(file), number, code))
    return sorted(found)


def fixture_models(*folders: str) -> list[Path]:
    """Every model below the folders: each *.peer file, and each directory of them."""
    found: list[Path] = []
    for folder in folders:
        for entry in sorted((FIXTURES / folder).iterdir()):
            if entry.suffix == ".peer" or (entry.is_dir() and any(entry.rglob("*.peer"))):
                found.append(entry)
    return found


def shape(value):
    """A model without its spans, for comparing models read from different text."""
    from verifier.language.model import Span

    if isinstance(value, Span):
        return None
    if dataclasses.is_dataclass(value):
        return (type(value).__name__,) + tuple(
            shape(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in ("span", "files")
        )
    if isinstance(value, (tuple, list)):
        return tuple(shape(v) for v in value)
    return value


@pytest.fixture
def cli():
    return run_cli


def pytest_addoption(parser):
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ and fixtures/why/*.fixed.peer from today's output "
        "instead of comparing with them (review the change with git diff)",
    )


@pytest.fixture
def update_snapshots(request) -> bool:
    return request.config.getoption("--update-snapshots")


from hypothesis import HealthCheck, Phase, settings  # noqa: E402

# Profiles (`--hypothesis-profile=NAME` or HYPOTHESIS_PROFILE): `ci` runs every example, the same ones
# every time (CI must not be flaky); `dev`, the default off CI, runs a fifth of them (`examples()`), so
# the property tests stay a quick check while you work; `triage` skips shrinking to show a failure fast.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.register_profile(
    "triage", phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=list(HealthCheck)
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """How many examples a property test runs: `count` on CI, a fifth of it (at least 20) while you work."""
    return count if settings.default.derandomize else max(20, count // 5)

"""The checks the repository keeps, by name: `nox -s lint types fast` while you work, `nox` for all.

Sessions run in the current environment (`pip install -e '.[test]'` installed the tools, pinned);
nothing is downloaded per session, so `.ci/run` calls them after the README's quick start.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "types", "tests"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and format (checked, never rewritten here)."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def types(session: nox.Session) -> None:
    """mypy, as configured in pyproject.toml (strict on the model, the engine and the catalog)."""
    session.run("mypy")


@nox.session
def fast(session: nox.Session) -> None:
    """The tests you run while you work: all but the slow ones (about a minute)."""
    session.run("python", "-m", "pytest", "-m", "not slow", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Every test, as CI runs them."""
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def readme(session: nox.Session) -> None:
    """Rewrite the README's generated sections (usage, findings) from the code."""
    session.run("python", "tools/readme.py")

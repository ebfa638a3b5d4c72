"""Meta-tests over the rule registry: codes, documentation, fixtures."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, expectations, fixture_models

from verifier.catalog import DOC_SECTIONS, registry

RULES = tuple(r for r in registry() if r.stage != "tool")  # the rules of rules/
TRIGGERED = {code for path in fixture_models("models", "rules") for _, _, code in expectations(path)}


def test_codes_unique_and_well_formed():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    for code in codes:
        assert re.fullmatch(r"[A-Z]+[0-9]{3}", code)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_documented(rule):
    sections = rule.sections()
    for heading in DOC_SECTIONS:
        assert sections.get(heading), f"{rule.code} lacks a '{heading}' section"
    assert rule.summary() and not rule.summary().startswith("#")
    assert rule.severity in ("error", "warning", "info")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_triggering_fixture(rule):
    assert rule.code in TRIGGERED, f"no fixture expects {rule.code}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_clean_fixture(rule):
    # A near miss that must not trigger the rule (and, being a fixture, triggers nothing unexpected).
    clean = FIXTURES / "rules" / f"{rule.code}-ok.peer"
    if not clean.exists():
        clean = FIXTURES / "rules" / f"{rule.code}-ok"  # a directory (an imported dump and peer files)
    assert clean.exists(), f"missing {clean.name}"
    assert rule.code not in {code for _, _, code in expectations(clean)}


def test_rule_modules_are_all_registered():
    # One file per rule, and every file listed in the explicit registry.
    from verifier.resources import resource_dir

    files = {p.stem for p in resource_dir("rules").glob("*.py") if not p.stem.startswith("_")}
    modules = {r.check.__module__.rsplit(".", 1)[-1] for r in RULES if r.check} | {
        m for m in files if any(m.startswith(r.code.lower()) for r in RULES)
    }
    assert files == modules


def _sources():
    from verifier.resources import resource_dir

    root = FIXTURES.parent
    return sorted((root / "verifier").rglob("*.py")) + sorted(resource_dir("rules").glob("*.py"))


def test_every_emitted_code_is_registered():
    # A code written anywhere in the source (a report, a finding, a message naming another rule)
    # is one the catalog knows: `peerproof rules`, SARIF and --select can all name it.
    known = {r.code for r in registry()} | {"RUF100"}  # ruff's rule, cited in SUP001's documentation
    written = {
        (path.name, code)
        for path in _sources()
        for code in re.findall(r"[\"' (]([A-Z]{3,8}[0-9]{3})\b", path.read_text(encoding="utf-8"))
    }
    assert written, "the scan found no code at all: the pattern is wrong"
    unknown = sorted((name, code) for name, code in written if code not in known)
    assert not unknown


def test_severities_come_from_the_catalog():
    # No diagnostic is built with a literal severity: `report()` takes it from the catalog.
    literal = re.compile(r"Diagnostic\(\s*\"[A-Z]+[0-9]{3}\",\s*\"(error|warning|info)\"")
    offenders = [path.name for path in _sources() if literal.search(path.read_text(encoding="utf-8"))]
    assert not offenders


def test_tool_codes_are_catalog_rules():
    from verifier.catalog import report
    from verifier.language.model import Span

    tools = {r.code: r for r in registry() if r.stage == "tool"}
    assert {"PARSE001", "PARSE002", "PARSE003", "CONFIG001", "BASE001", "BASE002", "INTERNAL001"} <= set(tools)
    for code, rule in tools.items():
        assert rule.check is None and rule.summary() and rule.doc
        assert report(code, "m", Span("f", 1, 1, 1, 2)).severity == rule.severity
    with pytest.raises(KeyError):
        report("NOPE001", "m", Span("f", 1, 1, 1, 2))

"""The rule pages (docs/rules/, the target of SARIF's helpUri) are generated from the catalog and must not drift."""

from __future__ import annotations

from conftest import ROOT

from tools import rule_docs


def test_rule_pages_are_current():
    # `python tools/rule_docs.py` rewrites them from the catalog
    assert rule_docs.drift() == [], "docs/rules/ is out of date: run python tools/rule_docs.py"


def test_one_page_per_code_with_its_documentation():
    from verifier.catalog import registry

    for rule in registry():
        page = (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        assert f"# {rule.code}: {rule.name}" in page and f"**{rule.severity}**" in page
        for heading in rule.sections():
            assert f"## {heading}" in page
    index = (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    assert all(f"[{rule.code}]({rule.code}.md)" in index for rule in registry())


def test_security_exposures_say_so_on_their_page():
    from verifier.outputs.sarif import SECURITY

    for code, (score, _) in SECURITY.items():
        assert f"security-severity {score}" in (ROOT / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")


def test_drift_is_seen(tmp_path, monkeypatch):
    monkeypatch.setattr(rule_docs, "RULES", tmp_path)
    assert "README.md: missing" in rule_docs.drift()
    assert rule_docs.main([]) == 0 and rule_docs.drift() == []
    (tmp_path / "REACH002.md").write_text("edited by hand\n")
    (tmp_path / "GONE001.md").write_text("a code that is no more\n")
    assert rule_docs.drift() == ["GONE001.md: no such code in the catalog", "REACH002.md: differs from the catalog"]
    assert rule_docs.main(["--check"]) == 1
    rule_docs.main([])
    assert rule_docs.drift() == [] and not (tmp_path / "GONE001.md").exists()

"""Write the rule pages, docs/rules/CODE.md (one per code of the catalog) and docs/rules/README.md (their index).

    python tools/rule_docs.py          rewrite docs/rules/ (and delete pages of codes that are gone)
    python tools/rule_docs.py --check  exit 1 when docs/rules/ is not what this writes

Each page is the rule's documentation from the catalog (its sections: What it does, Why it
matters, Example, Use instead, References), under its code, name and default severity, and, for
a security exposure, what code scanning is told (verifier/outputs/sarif.py, `SECURITY`). SARIF's
`helpUri` points at these pages; `tests/test_rule_docs.py` fails when they drift from the catalog.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules"
HEAD = "<!-- generated from the rule catalog by python tools/rule_docs.py: edit the rule, not this page -->"


def page(rule) -> str:
    """The page of one rule."""
    from verifier.outputs.sarif import NOTIFICATIONS, PROBLEM, SECURITY

    lines = [HEAD, "", f"# {rule.code}: {rule.name}", "", rule.summary(), ""]
    lines.append(f"- Default severity: **{rule.severity}** (code scanning: {PROBLEM[rule.severity]})")
    if rule.code in NOTIFICATIONS:
        lines.append("- The tool could not do its work: in SARIF, a tool execution notification, not a result")
    if rule.code in SECURITY:
        score, why = SECURITY[rule.code]
        lines.append(f"- Security exposure, security-severity {score}: {why}")
    lines.append("")
    body = rule.doc.strip()
    if rule.stage != "tool":
        body = body.split("\n", 1)[1].strip() if "\n" in body else ""  # the first line is the summary above
    if body:
        lines += [body, ""]
    lines += ["[All rules](README.md)", ""]
    return "\n".join(lines)


def index() -> str:
    """docs/rules/README.md: every code, linked to its page."""
    from verifier.catalog import registry
    from verifier.outputs.sarif import SECURITY

    rows = [
        HEAD,
        "",
        "# Rules",
        "",
        "Every code peerproof reports, with its page. `security` marks a finding that is a security",
        "exposure (its security-severity for GitHub code scanning in brackets).",
        "",
        "| code | name | severity | what |",
        "| --- | --- | --- | --- |",
    ]
    for rule in registry():
        summary = rule.summary().replace("|", "\\|")
        severity = rule.severity + (f", security ({SECURITY[rule.code][0]})" if rule.code in SECURITY else "")
        rows.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {severity} | {summary} |")
    return "\n".join(rows) + "\n"


def pages() -> dict[str, str]:
    """File name -> content, for every page of docs/rules/."""
    from verifier.catalog import registry

    written = {f"{rule.code}.md": page(rule) for rule in registry()}
    written["README.md"] = index()
    return written


def drift() -> list[str]:
    """The pages that are missing, differ, or name no code of the catalog."""
    wanted = pages()
    found = {p.name for p in RULES.glob("*.md")} if RULES.is_dir() else set()
    problems = [f"{name}: missing" for name in sorted(set(wanted) - found)]
    problems += [f"{name}: no such code in the catalog" for name in sorted(found - set(wanted))]
    problems += [
        f"{name}: differs from the catalog"
        for name in sorted(set(wanted) & found)
        if (RULES / name).read_text(encoding="utf-8") != wanted[name]
    ]
    return problems


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = drift()
        for problem in problems:
            print(f"docs/rules/{problem}: run python tools/rule_docs.py", file=sys.stderr)
        return 1 if problems else 0
    RULES.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for stale in RULES.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        target = RULES / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))

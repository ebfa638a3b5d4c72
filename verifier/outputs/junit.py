"""JUnit XML (`--format junit`): one test case per rule and one per assertion.

A rule's case fails when it has findings at or above `fail-on`, and is skipped,
with the reason, when the rule did not run (the model has structural errors,
the configuration leaves it out); an input that could not be read is an
`<error>` of the case of its code (PARSE001, CONFIG001...), and every other
rule is skipped: nothing was checked, so nothing passed. An assertion's case
fails when it is refuted or undecided, and is skipped when it was not run or
speaks of no VM. No timestamps: the same input, the same bytes. The document is
valid against the common junit-10 schema (Jenkins' xunit plugin, junit-10.xsd):
`testsuites` carries name, tests, failures and errors only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from verifier.catalog import registry
from verifier.outputs.escape import visible, visible_lines


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", {"name": name})


def _finish(suite: ET.Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    return len(cases), failures, errors


def _well_formed(root: ET.Element) -> None:
    """Spell out every control character (`visible`) in the names and texts of the document.

    ElementTree writes any character it is given, and XML 1.0 forbids most C0 controls, lone
    surrogates and U+FFFE/U+FFFF: a name holding one would make the whole report unreadable.
    Line breaks in a text are kept (a failure lists one finding a line)."""
    for element in root.iter():
        for key, value in list(element.attrib.items()):
            element.set(key, visible(value))
        if element.text:
            element.text = visible_lines(element.text)


UNREAD = "not run: the input could not be read"


def render_junit(result) -> str:
    failing = ("error",) if result.fail_on == "error" else ("error", "warning")
    root = ET.Element("testsuites", {"name": "peerproof"})
    rules = _suite(root, "peerproof.rules")
    by_code: dict[str, list] = {}
    for d in result.diagnostics:
        by_code.setdefault(d.code, []).append(d)
    not_run = result.not_run
    for rule in registry():
        code = rule.code
        case = ET.SubElement(rules, "testcase", {"classname": "peerproof.rules", "name": f"{code} {rule.name}"})
        found = by_code.get(code, [])
        lines = "\n".join(
            f"{d.span.file}:{d.span.line}:{d.span.column}: {d.severity} {d.code} {d.message}" for d in found
        )
        failed = [d for d in found if d.severity in failing]
        if not result.readable:  # the tool could not do its work: its codes are errors, nothing else ran
            if found:
                error = ET.SubElement(case, "error", {"type": code, "message": f"{len(found)} input error(s)"})
                error.text = lines
            else:
                ET.SubElement(case, "skipped", {"message": UNREAD})
        elif failed:
            failure = ET.SubElement(case, "failure", {"type": code, "message": f"{len(failed)} finding(s)"})
            failure.text = lines
        elif code in not_run:
            ET.SubElement(case, "skipped", {"message": not_run[code]})
        elif found:
            ET.SubElement(case, "system-out").text = lines
    assertions = _suite(root, "peerproof.assertions")
    for verdict in result.verdicts:
        where = f"{verdict.span.file}:{verdict.span.line}"
        case = ET.SubElement(
            assertions, "testcase", {"classname": "peerproof.assertions", "name": f"{verdict.text} ({where})"}
        )
        if verdict.status in ("refuted", "unknown"):
            messages = [
                d.message
                for d in result.diagnostics
                if d.span.file == verdict.span.file and d.span.line == verdict.span.line and d.code.startswith("REACH")
            ]
            failure = ET.SubElement(case, "failure", {"type": verdict.status, "message": verdict.status})
            failure.text = "\n".join(messages)
        elif verdict.status in ("vacuous", "not-run"):
            ET.SubElement(case, "skipped", {"message": verdict.status})
    totals = [_finish(rules), _finish(assertions)]
    root.set("tests", str(sum(t[0] for t in totals)))
    root.set("failures", str(sum(t[1] for t in totals)))
    root.set("errors", str(sum(t[2] for t in totals)))
    _well_formed(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""SARIF 2.1.0 (`--format sarif`): for code scanning.

The rule catalog (with its documentation) is the driver's rule list; each
finding is a result with its level and region, and a counterexample's hops
become `codeFlows`, so code scanning shows the packet's path through the
model. Deterministic: no timestamps, no absolute times, sorted.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from verifier import __version__
from verifier.catalog import registry
from verifier.diagnostics import Diagnostic
from verifier.engine.results import Connection, Counterexample, Delivery
from verifier.engine.simulate import Hop
from verifier.language.model import Span
from verifier.outputs.records import counterexample_json
from verifier.project.baseline import fingerprints

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The module path of a Terraform address: `module.vpc.`, `module.spoke["a"].module.net[0].`
MODULES = re.compile(r'^(?:module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.)+')


# A message's text may embed links, `[text](3)` to a related location or `[text](https://...)`
# (SARIF 2.1.0, 3.11.6), which code scanning shows as links: a name such as `[fix](https://evil)`
# in a message must stay text. `\]` is a literal bracket there, so each `](` becomes `\](`
# (a backslash the name put before it doubled, so that it cannot cancel ours).
LINK_END = re.compile(r"(\\*)\](?=\()")


def _message(text: str) -> dict[str, str]:
    """A plain-text message object: what the model wrote cannot form an embedded link."""
    return {"text": LINK_END.sub(lambda m: m.group(1) * 2 + "\\]", text)}


def _uri(path: str) -> str:
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path.replace("\\", "/"))


def _location(span: Span, message: str | None = None, resource: str | None = None) -> dict[str, Any]:
    """A physical location (file and region); with the imported resource it is about as a logical
    location (its Terraform address or cloud id), when it is one."""
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(span.file)},
            "region": {
                "startLine": span.line,
                "startColumn": span.column,
                "endLine": span.end_line,
                "endColumn": max(span.end_column, span.column + 1),
            },
        }
    }
    if resource:
        location["logicalLocations"] = [{"name": _short(resource), "fullyQualifiedName": resource, "kind": "resource"}]
    if message:
        location["message"] = _message(message)
    return location


def _short(resource: str) -> str:
    """A resource's name without its module path: `aws_vpc.this[0]` of `module.vpc.aws_vpc.this[0]`
    (a cloud id is its own name)."""
    return MODULES.sub("", resource)


def _descriptors() -> list[dict[str, Any]]:
    descriptors = []
    for rule in registry():
        if rule.stage == "tool":
            descriptors.append(_tool_descriptor(rule))
            continue
        sections = rule.sections()
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": sections.get("What it does", rule.summary())},
                "help": {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"tags": [rule.code.rstrip("0123456789").lower()]},
            }
        )
    return descriptors


def _tool_descriptor(rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": rule.doc},
        "help": {"text": rule.doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["tool"]},
    }


def _hop_location(hop: Hop) -> dict[str, Any]:
    text = f"{hop.description} [{hop.disposition}]"
    if hop.span is not None:
        location = _location(Span(hop.span.file, hop.span.line, 1, hop.span.line, 2), text)
    else:
        location = {"message": _message(text)}
    return {"location": location}


def _code_flows(counterexample: Counterexample) -> list[dict[str, Any]]:
    if isinstance(counterexample, Connection):
        paths = [("forward", counterexample.forward), ("reply", counterexample.reply)]
    elif isinstance(counterexample, Delivery):
        paths = [("packet", counterexample.hops)]
    else:
        return []
    return [
        {
            "message": {"text": f"the {name} path of the counterexample"},
            "threadFlows": [{"locations": [_hop_location(h) for h in hops]}],
        }
        for name, hops in paths
        if hops
    ]


def _result(d: Diagnostic, index: dict[str, int], fingerprint: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVELS[d.severity],
        "message": _message(d.message + (f" (help: {d.help})" if d.help else "")),
        "locations": [_location(d.span, resource=d.resource)],
        "partialFingerprints": {"peerproof/v1": fingerprint},
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.related:
        result["relatedLocations"] = [dict(_location(r.span, r.message), id=i) for i, r in enumerate(d.related, 1)]
    if d.counterexample:
        flows = _code_flows(d.counterexample)
        if flows:
            result["codeFlows"] = flows
        result["properties"] = {"counterexample": counterexample_json(d.counterexample)}
    return result


def render_sarif(result) -> str:
    rules = _descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    prints = fingerprints(result.diagnostics, result.sources)
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "peerproof",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://pypi.org/project/peerproof/",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index, f) for d, f in zip(result.diagnostics, prints)],
                "properties": {"assertions": [v.as_json() for v in result.verdicts]},
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"

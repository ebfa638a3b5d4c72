"""SARIF 2.1.0 (`--format sarif`): for code scanning (GitHub's and any other SARIF reader).

The rule catalog (with its documentation) is the driver's rule list; each
finding is a result with its level and region, and a counterexample's hops
become `codeFlows`, so code scanning shows the packet's path through the
model. Deterministic: no timestamps, no absolute times, sorted.

What GitHub code scanning reads (docs.github.com, "SARIF support for code
scanning"), and what peerproof gives it:

- Each rule: `properties.precision` `very-high` (a result is a proof, its
  witness replayed on the concrete simulator; a structural finding is exact);
  `properties.problem.severity` (error, warning, recommendation for a note);
  a `helpUri`, the rule's page in the repository (docs/rules/CODE.md, written
  by tools/rule_docs.py), when the package names its repository
  (`[project.urls]` of pyproject.toml).
- A finding that is a security exposure carries the `security` tag and a
  `security-severity` (GitHub: 9.0 and over critical, 7.0 high, 4.0 medium,
  below low). `SECURITY` says which rules, and why; the others are about
  availability or the model's consistency.
- Locations are named from the repository's root with `uriBaseId` `%SRCROOT%`
  (the git work tree holding the working directory, else the directory), so a
  run from any folder, on any spelling of the paths, gives the same URIs;
  every hop of a code flow has a physical location (the finding's own, for a
  hop that no line of the model decides, such as an implicit route).
- The run's `invocations` say whether it succeeded: an input that could not be
  read, a bad configuration or baseline, or a bug in peerproof is a tool
  notification (`toolExecutionNotifications`), never a result about the model.
- Findings suppressed in the source are results with a `suppressions` entry
  (`inSource`, the comment's reason); those a baseline accepts, `external` and
  `baselineState` `unchanged` (new ones are `new`), as CodeQL and checkov do.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from verifier import __version__
from verifier.catalog import registry
from verifier.diagnostics import Diagnostic
from verifier.engine.results import Connection, Counterexample, Delivery
from verifier.engine.simulate import Hop
from verifier.language.model import Span
from verifier.outputs.records import counterexample_json
from verifier.project.baseline import fingerprints, repository_path

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
PROBLEM = {"error": "error", "warning": "warning", "info": "recommendation"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
# The module path of a Terraform address: `module.vpc.`, `module.spoke["a"].module.net[0].`
MODULES = re.compile(r'^(?:module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.)+')

# The findings that are security exposures: code -> (security-severity, why). A finding is one when
# traffic the model's authors meant to be blocked can pass, or reaches other hosts than meant.
# Availability findings (a refuted `reach`, a route or peering that does not carry traffic, a refused
# group reference, which blocks) and the model's consistency are not.
SECURITY: dict[str, tuple[str, str]] = {
    "REACH002": ("8.0", "a proved path through a separation the model requires (`assert isolate` refuted)"),
    "SG001": ("7.0", "a `deny` the provider does not have: what it was written to block is not blocked"),
    "PEER001": (
        "5.0",
        "overlapping peered blocks: the peering fails, or traffic meant for the peer's addresses stays on "
        "local hosts holding the same addresses",
    ),
    "ACL001": ("5.0", "a network ACL entry that never decides: a `deny` after a broader `allow` blocks nothing"),
    "SG002": ("4.0", "a security group rule that never decides: a `deny` that another rule overrides"),
    "SG004": ("3.0", "a VM the cloud puts in its net's default group, whose rules the model does not show"),
}

# The codes that say the tool could not do its work (the input, the configuration or the baseline could
# not be read; a bug): tool notifications of the run's invocation, never results about the model.
NOTIFICATIONS = ("PARSE001", "PARSE002", "PARSE003", "CONFIG001", "BASE002", "INTERNAL001")


# A message's text may embed links, `[text](3)` to a related location or `[text](https://...)`
# (SARIF 2.1.0, 3.11.6), which code scanning shows as links: a name such as `[fix](https://evil)`
# in a message must stay text. `\]` is a literal bracket there, so each `](` becomes `\](`
# (a backslash the name put before it doubled, so that it cannot cancel ours).
LINK_END = re.compile(r"(\\*)\](?=\()")
BRACKET = re.compile(r"(\\*)([\[\]])")


def _text(text: str) -> str:
    return LINK_END.sub(lambda m: m.group(1) * 2 + "\\]", text)


def _message(text: str) -> dict[str, str]:
    """A plain-text message object: what the model wrote cannot form an embedded link."""
    return {"text": _text(text)}


def _link_text(text: str) -> str:
    """Text for inside `[...](n)`: every bracket escaped (a backslash before it doubled)."""
    return BRACKET.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), text)


@cache
def repository_url() -> str | None:
    """The repository's address, from `[project.urls]` (Repository, Source or Homepage): of the checkout's
    pyproject.toml when run from one, else of the installed package's metadata; None when neither names
    one (then no rule has a `helpUri`)."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    urls: dict[str, str] = {}
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "peerproof":
            urls = {str(k).lower(): str(v) for k, v in (project.get("urls") or {}).items()}
    except (OSError, tomllib.TOMLDecodeError):
        pass
    if not urls:
        from importlib import metadata

        try:
            for entry in metadata.metadata("peerproof").get_all("Project-URL") or []:
                label, _, url = entry.partition(",")
                urls[label.strip().lower()] = url.strip()
        except metadata.PackageNotFoundError:
            pass
    for label in ("repository", "source", "source code", "homepage"):
        url = urls.get(label, "")
        if url.startswith("https://"):
            return url.rstrip("/").removesuffix(".git")
    return None


def rule_page(code: str) -> str | None:
    """The address of a rule's page (docs/rules/CODE.md) in the repository, when it is known."""
    url = repository_url()
    return f"{url}/blob/main/docs/rules/{code}.md" if url else None


def _artifact(file: str) -> dict[str, str]:
    """An artifact location: named from the repository's root (`%SRCROOT%`), a `file:` URI for a file
    outside it, and a name that is no file (`<command line>`) as it is."""
    path = repository_path(file)
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    if path != file or Path(file).exists():
        return {"uri": quote(path), "uriBaseId": SRCROOT}
    return {"uri": quote(path.replace("\\", "/"))}


def _location(span: Span, message: str | None = None, resource: str | None = None) -> dict[str, Any]:
    """A physical location (file and region); with the imported resource it is about as a logical
    location (its Terraform address or cloud id), when it is one."""
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": _artifact(span.file),
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


def rule_properties(code: str, severity: str, tags: list[str]) -> dict[str, Any]:
    """What code scanning reads of a rule: its tags (`security` for an exposure), precision, the problem's
    severity and, for an exposure, its security-severity."""
    properties: dict[str, Any] = {"tags": list(tags), "precision": "very-high", "problem.severity": PROBLEM[severity]}
    if code in SECURITY:
        properties["tags"].append("security")
        properties["security-severity"] = SECURITY[code][0]
    return properties


def _descriptor(rule) -> dict[str, Any]:
    tool = rule.stage == "tool"
    sections = {} if tool else rule.sections()
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": rule.doc if tool else sections.get("What it does", rule.summary())},
        "help": {"text": rule.doc} if tool else {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }
    page = rule_page(rule.code)
    if page:
        descriptor["helpUri"] = page
    tags = ["tool"] if tool else [rule.code.rstrip("0123456789").lower()]
    descriptor["properties"] = rule_properties(rule.code, rule.severity, tags)
    return descriptor


def _hop_location(hop: Hop, fallback: Span) -> dict[str, Any]:
    """A hop as a thread flow location: at the line that decided it, else (an implicit route, a subnet
    with no ACL: nothing written decides it) at the finding's own place."""
    text = f"{hop.description} [{hop.disposition}]"
    span = Span(hop.span.file, hop.span.line, 1, hop.span.line, 2) if hop.span is not None else fallback
    return {"location": _location(span, text)}


def _code_flows(counterexample: Counterexample, fallback: Span) -> list[dict[str, Any]]:
    if isinstance(counterexample, Connection):
        paths = [("forward", counterexample.forward), ("reply", counterexample.reply)]
    elif isinstance(counterexample, Delivery):
        paths = [("packet", counterexample.hops)]
    else:
        return []
    return [
        {
            "message": {"text": f"the {name} path of the counterexample"},
            "threadFlows": [{"locations": [_hop_location(h, fallback) for h in hops]}],
        }
        for name, hops in paths
        if hops
    ]


def _result(d: Diagnostic, index: dict[str, int], fingerprint: str) -> dict[str, Any]:
    text = _text(d.message + (f" (help: {d.help})" if d.help else ""))
    if d.related:  # each place named in the message, as a link code scanning follows
        text += " (" + "; ".join(f"[{_link_text(r.message)}]({i})" for i, r in enumerate(d.related, 1)) + ")"
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVELS[d.severity],
        "message": {"text": text},
        "locations": [_location(d.span, resource=d.resource)],
        "partialFingerprints": {"peerproof/v1": fingerprint},
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.related:
        result["relatedLocations"] = [dict(_location(r.span, r.message), id=i) for i, r in enumerate(d.related, 1)]
    if d.counterexample:
        flows = _code_flows(d.counterexample, d.span)
        if flows:
            result["codeFlows"] = flows
        result["properties"] = {"counterexample": _from_root(counterexample_json(d.counterexample))}
    return result


def _from_root(counterexample: dict[str, Any] | None) -> dict[str, Any] | None:
    """A counterexample's hops with their files named from the repository's root, as the locations are."""
    for key in ("forward", "reply", "hops"):
        for hop in (counterexample or {}).get(key) or []:
            if hop.get("file"):
                hop["file"] = repository_path(hop["file"])
    return counterexample


def _notification(d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": LEVELS[d.severity],
        "message": _message(d.message),
        "locations": [_location(d.span, resource=d.resource)],
        "descriptor": {"id": d.code},
    }
    if d.code in index:
        notification["descriptor"]["index"] = index[d.code]
    return notification


def _results(result, index: dict[str, int]) -> list[dict[str, Any]]:
    """Every finding as a result: those reported, then those accepted (suppressed, or in the baseline),
    fingerprinted together as the baseline fingerprints them."""
    reported = [d for d in result.diagnostics if d.code not in NOTIFICATIONS]
    accepted = list(result.accepted)
    everything = reported + [a.diagnostic for a in accepted]
    order = sorted(range(len(everything)), key=lambda i: everything[i].sort_key())
    prints = dict(zip(order, fingerprints([everything[i] for i in order], result.sources)))
    baselined = result.baselined
    out = []
    for i, d in enumerate(reported):
        entry = _result(d, index, prints[i])
        if baselined:
            entry["baselineState"] = "new"
        out.append(entry)
    for j, a in enumerate(accepted, len(reported)):
        entry = _result(a.diagnostic, index, prints[j])
        suppression: dict[str, Any] = {"kind": a.kind, "justification": a.justification}
        if a.span is not None:
            suppression["location"] = _location(a.span)
        entry["suppressions"] = [suppression]
        if baselined:
            entry["baselineState"] = "unchanged" if a.kind == "external" else "new"
        out.append(entry)
    return out


def render_sarif(result) -> str:
    catalog = registry()
    rules = [_descriptor(r) for r in catalog if r.code not in NOTIFICATIONS]
    notes = [_descriptor(r) for r in catalog if r.code in NOTIFICATIONS]
    index = {r["id"]: i for i, r in enumerate(rules)}
    note_index = {r["id"]: i for i, r in enumerate(notes)}
    failures = [_notification(d, note_index) for d in result.diagnostics if d.code in NOTIFICATIONS]
    driver: dict[str, Any] = {
        "name": "peerproof",
        "version": __version__,
        "semanticVersion": __version__,
    }
    if repository_url():
        driver["informationUri"] = repository_url()
    driver |= {"rules": rules, "notifications": notes}
    invocation: dict[str, Any] = {
        "executionSuccessful": result.readable and not failures,
        "exitCode": int(result.exit_code),
    }
    if failures:
        invocation["toolExecutionNotifications"] = failures
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": _results(result, index),
                "properties": {"assertions": [v.as_json() for v in result.verdicts]},
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"

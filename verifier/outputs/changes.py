"""`peerproof diff`'s report as text, as JSON (schema version 1) and as markdown (a pull-request comment)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verifier.engine.results import Connection
from verifier.outputs.escape import markdown_cell, visible
from verifier.outputs.jsondoc import diagnostic_json
from verifier.outputs.records import hops_json, packet_json

if TYPE_CHECKING:
    from verifier.commands.diff import DiffResult, Flow


def _state_json(connection: Connection) -> dict[str, Any]:
    """One side of a flow: does the connection work on that model, and its walks."""
    return {
        "ok": connection.direction is None,
        "direction": connection.direction,
        "blocked": connection.blocked,
        "forward": hops_json(connection.forward),
        "reply": hops_json(connection.reply),
    }


def flow_json(flow: Flow) -> dict[str, Any]:
    return {
        "source_net": flow.source.net,
        "destination_net": flow.target.net,
        "source_vm": flow.source.name,
        "destination_vm": flow.target.name,
        "packet": packet_json(flow.packet),
        "new": _state_json(flow.new),
        "old": _state_json(flow.old),
    }


def diff_json(result: DiffResult) -> dict[str, Any]:
    return {
        "version": 1,
        "allowed": [flow_json(f) for f in result.allowed],
        "blocked": [flow_json(f) for f in result.blocked],
        "findings": {
            "appeared": [diagnostic_json(d) for d in result.appeared],
            "disappeared": [diagnostic_json(d) for d in result.disappeared],
        },
        "lifecycle": result.lifecycle,
        "assertions": result.assertions,
        "vms": {"added": result.added_vms, "removed": result.removed_vms},
        "undecided": result.undecided,
        "failing": result.failing,
    }


def diff_text(result: DiffResult) -> str:
    out: list[str] = []
    for title, flows in (("newly allowed", result.allowed), ("newly blocked", result.blocked)):
        out.append(f"{title}: {len(flows)} connection(s)")
        groups: dict[tuple[str, str], list[Flow]] = {}
        for flow in flows:
            groups.setdefault((flow.source.net, flow.target.net), []).append(flow)
        for (source_net, target_net), members in groups.items():
            out.append(f"  net {source_net} -> net {target_net}")
            for flow in members:
                out.append(f"    {flow.source.name} -> {flow.target.name}: {flow.packet.describe()}")
                for label, conn in (("new", flow.new), ("old", flow.old)):
                    state = "works" if conn.direction is None else f"dies on the {conn.direction} ({conn.blocked})"
                    out.append(f"      {label}: {state}")
                    for key, hops in (("forward", conn.forward), ("reply", conn.reply)):
                        for i, hop in enumerate(hops, 1):
                            where = f"  ({hop.span.file}:{hop.span.line})" if hop.span else ""
                            out.append(f"        {key} {i}. {hop.description}{where}")
    for title, diags in (("findings appeared", result.appeared), ("findings disappeared", result.disappeared)):
        out.append(f"{title}: {len(diags)}")
        out.extend(f"  {d.span.file}:{d.span.line}:{d.span.column}: {d.severity} {d.code} {d.message}" for d in diags)
    if result.added_vms or result.removed_vms:
        out.append(
            f"vms added: {', '.join(result.added_vms) or 'none'}; removed: {', '.join(result.removed_vms) or 'none'}"
        )
    for line in result.lifecycle:
        out.append(f"error: {line}")
    for entry in result.assertions:
        if entry["broken"]:
            out.append(f"error: the change breaks `{entry['assertion']}` ({entry['old']} before, {entry['new']} now)")
    for line in result.undecided:
        out.append(f"error: could not decide {line} within the solver limits")
    out.append(
        "the change breaks nothing it asserts"
        if not result.failing
        else "the change breaks an assertion or the peering lifecycle"
    )
    return "\n".join(visible(line) for line in out) + "\n"  # names spelt out: no control reaches the terminal


def _hop_lines(connection: Connection) -> list[str]:
    """A connection's hops, one escaped cell line each: `forward 1. ... (file:line)`."""
    lines = []
    for key, hops in (("forward", connection.forward), ("reply", connection.reply)):
        for i, hop in enumerate(hops, 1):
            where = f" ({hop.span.file}:{hop.span.line})" if hop.span else ""
            lines.append(markdown_cell(f"{key} {i}. {hop.description}{where}"))
    return lines


def _state(connection: Connection) -> str:
    return "works" if connection.direction is None else f"dies on the {connection.direction} ({connection.blocked})"


def _flow_table(title: str, flows: list[Flow], side: str) -> list[str]:
    """One row per net pair: the first witness found (VMs, packet) and its hops on the `side` model."""
    groups: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        groups.setdefault((flow.source.net, flow.target.net), []).append(flow)
    out = [f"#### {title}: {len(groups)} net pair(s)", ""]
    if not groups:
        return out + ["None.", ""]
    out += ["| from net | to net | witness | now | path |", "| --- | --- | --- | --- | --- |"]
    for (source_net, target_net), members in groups.items():
        flow = members[0]
        witness = markdown_cell(f"vm {flow.source.name} -> vm {flow.target.name}, {flow.packet.describe()}")
        if len(members) > 1:
            witness += f" (and {len(members) - 1} more VM pair(s))"
        walk = flow.new if side == "new" else flow.old
        state = markdown_cell(_state(flow.new))
        path = "<br>".join([f"on the {side} model:"] + _hop_lines(walk))
        out.append(f"| {markdown_cell(source_net)} | {markdown_cell(target_net)} | {witness} | {state} | {path} |")
    return out + [""]


def diff_markdown(result: DiffResult) -> str:
    """The report as a pull-request comment (GitHub-flavoured markdown): the net pairs the change makes
    newly reachable or newly isolated, each with a witness packet and its hops, then what else changed.
    Every name is escaped (`markdown_cell`): a model cannot add markup, links or mentions."""
    verdict = "breaks an assertion or the peering lifecycle" if result.failing else "breaks nothing it asserts"
    out = [f"### peerproof diff: the change {verdict}", ""]
    out += _flow_table("Newly reachable", result.allowed, "new")
    out += _flow_table("Newly isolated", result.blocked, "new")
    problems = [markdown_cell(line) for line in result.lifecycle]
    problems += [
        markdown_cell(f"the change breaks `{a['assertion']}` ({a['old']} before, {a['new']} now)")
        for a in result.assertions
        if a["broken"]
    ]
    problems += [markdown_cell(f"could not decide {line} within the solver limits") for line in result.undecided]
    if problems:
        out += ["#### Errors", ""] + [f"- {p}" for p in problems] + [""]
    for title, diags in (
        ("Findings that appeared", result.appeared),
        ("Findings that disappeared", result.disappeared),
    ):
        if diags:
            out += [
                f"#### {title}: {len(diags)}",
                "",
                "| severity | code | where | finding |",
                "| --- | --- | --- | --- |",
            ]
            for d in diags:
                where = markdown_cell(f"{d.span.file}:{d.span.line}:{d.span.column}")
                out.append(f"| {d.severity} | {d.code} | {where} | {markdown_cell(d.message)} |")
            out.append("")
    if result.added_vms or result.removed_vms:
        added = ", ".join(result.added_vms) or "none"
        removed = ", ".join(result.removed_vms) or "none"
        out += [markdown_cell(f"VMs added: {added}; removed: {removed}"), ""]
    return "\n".join(out)

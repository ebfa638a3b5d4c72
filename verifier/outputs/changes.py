"""`peerproof diff`'s report as text and as JSON (schema version 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verifier.engine.results import Connection
from verifier.outputs.escape import visible
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

"""The engine's typed results as JSON (schema version 1): packets, hops, connections, deliveries.

The engine hands out frozen dataclasses; this is the one place they become JSON,
for `check --format json`, SARIF's properties, `why --format json` and `diff`.
"""

from __future__ import annotations

from typing import Any

from verifier.engine.explain import Blocking
from verifier.engine.repair import Edit
from verifier.engine.results import Connection, Counterexample, Delivery
from verifier.engine.simulate import Hop, Packet
from verifier.language.model import address_text, protocol_name


def packet_json(packet: Packet) -> dict[str, Any]:
    """A packet; an ICMP one also spells its type and code (held in the port fields)."""
    record: dict[str, Any] = {
        "source": address_text(packet.src, packet.version),
        "destination": address_text(packet.dst, packet.version),
        "protocol": protocol_name(packet.protocol),
        "source_port": packet.sport,
        "destination_port": packet.dport,
    }
    if packet.icmp:
        record["icmp_type"], record["icmp_code"] = packet.dport, packet.sport
    return record


def hop_json(hop: Hop) -> dict[str, Any]:
    return {
        "step": hop.step,
        "description": hop.description,
        "disposition": hop.disposition,
        "code": hop.code,
        "file": hop.span.file if hop.span else None,
        "line": hop.span.line if hop.span else None,
    }


def hops_json(hops: tuple[Hop, ...] | list[Hop]) -> list[dict[str, Any]]:
    return [hop_json(h) for h in hops]


def blocking_json(blocking: Blocking) -> dict[str, Any]:
    """A blocking point of a `why` answer."""
    return {
        "code": blocking.code,
        "direction": blocking.direction,
        "message": blocking.message,
        "file": blocking.span.file if blocking.span else None,
        "line": blocking.span.line if blocking.span else None,
    }


def edit_json(edit: Edit) -> dict[str, Any]:
    """An edit of a verified repair."""
    document = {"block": edit.block, "text": edit.text, "file": edit.file, "line": edit.line}
    if edit.note:
        document["note"] = edit.note
    return document


def connection_json(connection: Connection) -> dict[str, Any]:
    """A refuted `reach`'s counterexample."""
    return {
        "source_vm": connection.source_vm,
        "destination_vm": connection.destination_vm,
        "packet": packet_json(connection.packet) if connection.packet else None,
        "direction": connection.direction,
        "blocked": connection.blocked,
        "forward": hops_json(connection.forward),
        "reply": hops_json(connection.reply),
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "source_vm": delivery.source_vm,
        "destination_vm": delivery.destination_vm,
        "packet": packet_json(delivery.packet),
        "hops": hops_json(delivery.hops),
    }


def witness_json(witness: Connection) -> dict[str, Any]:
    """A proof's witness: the VM pair and the packet, also spelled out (the `why` document's form)."""
    packet = witness.packet
    assert packet is not None, "a witness is a packet that works"
    return {
        "source_vm": witness.source_vm,
        "destination_vm": witness.destination_vm,
        "source": address_text(packet.src, packet.version),
        "destination": address_text(packet.dst, packet.version),
        "protocol": protocol_name(packet.protocol),
        "destination_port": packet.dport,
        "packet": packet_json(packet),
    }


def counterexample_json(counterexample: Counterexample | None) -> dict[str, Any] | None:
    if isinstance(counterexample, Connection):
        return connection_json(counterexample)
    if isinstance(counterexample, Delivery):
        return delivery_json(counterexample)
    return counterexample

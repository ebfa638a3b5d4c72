"""`why`'s answer as text and as JSON (the `why --format json` document)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verifier.outputs.escape import visible
from verifier.outputs.records import blocking_json, edit_json, hops_json, witness_json

if TYPE_CHECKING:
    from verifier.commands.why import WhyAnswer


def why_json(answer: WhyAnswer) -> dict[str, Any]:
    repair = answer.repair
    return {
        "verdict": answer.verdict,
        "message": answer.message,
        "witness": witness_json(answer.witness) if answer.witness else None,
        "forward": hops_json(answer.forward),
        "reply": hops_json(answer.reply),
        "blocking": [blocking_json(b) for b in answer.blocking],
        "depends": answer.depends,
        "repairs": [edit_json(e) for e in repair.edits] if repair and repair.verified else [],
        "repair_note": repair.message if repair else None,
    }


def why_text(answer: WhyAnswer) -> str:
    out = [f"{answer.verdict}: {answer.message}"]
    for key, hops in (("forward", answer.forward), ("reply", answer.reply)):
        if hops:
            out.append(f"{key}:")
            for i, hop in enumerate(hops, 1):
                where = f"  ({hop.span.file}:{hop.span.line})" if hop.span else ""
                mark = {"drop": "  <-- blocked", "unknown": "  <-- unknown"}.get(hop.disposition, "")
                out.append(f"  {i}. {hop.description}{where}{mark}")
    if answer.blocking:
        out.append("blocking:")
        for item in answer.blocking:
            where = f" ({item.span.file}:{item.span.line})" if item.span else ""
            out.append(f"  {item.code} [{item.direction}] {item.message}{where}")
    if answer.repair is not None:
        if answer.repair.verified and answer.repair.edits:
            out.append(f"minimal repair ({answer.repair.message}):")
            for edit in answer.repair.edits:
                where = f"{edit.file}:{edit.line}" if edit.line else edit.file
                place = f"in {edit.block}" if edit.block != "file" else "at the end of the file"
                out.append(f"  {place} ({where}): {edit.text}")
                if edit.note:
                    out.append(f"    ({edit.note})")
        else:
            out.append(f"repair: {answer.repair.message}")
    return "\n".join(visible(line) for line in out) + "\n"  # names spelt out: no control reaches the terminal

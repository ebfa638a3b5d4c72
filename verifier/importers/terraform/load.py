"""Terraform inputs to peer text: read, pick the provider, map, and point origins at `.tf` lines.

Each generated line carries the Terraform address of the resource it came from (`Imported.resources`),
found by where the resource is written (`Input.named`: each resource is at its own line and column,
even in a one-line plan), so that `--tf-root` moves it to that resource's block, and a finding on it
names it.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from verifier.importers import Imported
from verifier.importers.estate import Estate
from verifier.importers.shape import path_text
from verifier.importers.terraform import PROVIDERS, Input, Resource, file_labels, local_name, read
from verifier.importers.terraform.mapping import Resolver
from verifier.importers.terraform.source import MASKED, Values
from verifier.language.model import Span
from verifier.language.parse import MAX_FILE_BYTES, Refused, read_file, refusal

MAPPINGS = ("aws", "outscale", "alicloud")


def load(files: list[Path], label: str, tf_root: Path | None = None) -> Imported:
    from verifier.importers.terraform import alicloud, aws, outscale

    modules = {"aws": aws, "outscale": outscale, "alicloud": alicloud}
    found = read(files, {rtype: values for m in modules.values() for rtype, values in m.VALUES.items()})
    counts = Counter(
        r.provider for r in found.resources if r.provider in MAPPINGS and r.type in modules[r.provider].UNDERSTOOD
    )
    provider = min(counts, key=lambda p: (-counts[p], p)) if counts else "aws"
    kinds = sorted({found.kinds[str(f)] for f in files})
    labels = file_labels([str(f) for f in files])
    heading = f"imported from Terraform {' and '.join(kinds)} JSON: {', '.join(labels[str(f)] for f in files)}"
    estate = Estate(PROVIDERS[provider], label, heading)
    for resource in found.resources:
        if resource.provider in MAPPINGS and resource.provider != provider:
            estate.warn(
                "IMP001",
                f"{resource.address}: a resource of provider {resource.provider}, in an estate of "
                f"provider {provider} (a model has one provider); not imported",
                resource.origin,
            )
    for file in files:
        if found.kinds[str(file)] == "empty":
            estate.warn("IMP001", f"{file.name}: a Terraform file with no resources", Span(str(file), 1, 1, 1, 2))
    for message, origin in found.left_out:
        estate.warn("IMP001", message, origin)
    modules[provider].build(Resolver(found, modules[provider].IDS), estate)
    for resource in found.resources:
        _say_masked(estate, resource)
    moved = _source_blocks(found, tf_root) if tf_root is not None else {}
    imported = estate.build(dict(found.texts), found.named.get, moved)
    if moved:
        _read_sources(imported, moved)
    return imported


def _say_masked(estate: Estate, resource: Resource) -> None:
    """IMP002 for the masked values of `resource` that the mapping read (and did not say already)."""
    values = resource.values
    if not isinstance(values, Values):
        return
    left = [
        p
        for p in resource.masked
        if _attribute(p) not in resource.said and values.asked((_attribute(p),) if _flat(p) else p)
    ]
    if left:
        paths = ", ".join(path_text(p) for p in left)
        verb = "is" if len(left) == 1 else "are"
        # A security group rule of AWS or Outscale only allows: one left out could only let more through.
        allows = "security_group" in resource.type and resource.provider in ("aws", "outscale")
        estate.leave_out(
            "IMP002",
            f"{resource.address}: {paths} {verb} masked in the input ({MASKED}); left out",
            resource.origin,
            effect="allows" if allows else "any",
            routes="route" in resource.type,
        )


def _attribute(path: tuple) -> str:
    """The attribute a masked value is in (of a format-3 state's flat name, `ingress.123.cidr_blocks.0`,
    its first part)."""
    return str(path[0]).split(".")[0]


def _flat(path: tuple) -> bool:
    return len(path) == 1 and "." in str(path[0])


def _source_blocks(found: Input, root: Path) -> dict[Span, Span]:
    """Where each resource is in the JSON -> its `resource` (or `data`) block in the .tf files under
    `root`, by its address in the configuration (`module.net.aws_vpc.this`, whatever its count index or
    for_each key), wherever in the JSON it is written: what is built of it points there."""
    blocks = _resource_blocks(root, found)
    by_origin: dict[Span, Span] = {}
    for resource in found.resources:
        config_address = ".".join(p for p in (resource.config_module, local_name(resource)) if p)
        if config_address in blocks:
            by_origin[resource.origin] = blocks[config_address]
    return by_origin


def _read_sources(imported: Imported, moved: dict[Span, Span]) -> None:
    """The .tf files findings now point at, for their excerpts."""
    for file in sorted({s.file for s in moved.values()}):
        try:
            imported.inputs[file] = read_file(file, MAX_FILE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError, Refused):
            pass  # only for excerpts: a file not read shows none


RESOURCE = re.compile(r'^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"', re.MULTILINE)
MODULE = re.compile(r'^\s*module\s+"([^"]+)"\s*\{', re.MULTILINE)
SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.MULTILINE)


def _resource_blocks(root: Path, found: Input, prefix: str = "", depth: int = 0) -> dict[str, Span]:
    """Config address ("module.net.aws_vpc.this") -> the span of its block in a .tf file."""
    blocks: dict[str, Span] = {}
    if depth > 8 or not root.is_dir():
        return blocks
    sources = _module_sources(found, prefix)
    for file in sorted(root.glob("*.tf")):
        if refusal(file) is not None:
            continue  # a pipe, a device, a kernel file: never read (it could hang, or hold secrets)
        try:
            text = read_file(file, MAX_FILE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError, Refused):
            continue
        for match in RESOURCE.finditer(text):
            local = f"{'data.' if match.group(1) == 'data' else ''}{match.group(2)}.{match.group(3)}"
            line = text.count("\n", 0, match.start(1)) + 1
            column = match.start(1) - (text.rfind("\n", 0, match.start(1)) + 1) + 1
            span = Span(str(file), line, column, line, column + len(match.group(0).strip()))
            blocks.setdefault(f"{prefix}.{local}".lstrip("."), span)
        for match in MODULE.finditer(text):
            name = match.group(1)
            body = text[match.end() : match.end() + 2000]
            source = sources.get(name) or (written.group(1) if (written := SOURCE.search(body)) else None)
            if source and source.startswith((".", "/")):
                child = f"{prefix}.module.{name}".lstrip(".")
                blocks.update(_resource_blocks(Path(os.path.normpath(root / source)), found, child, depth + 1))
    return blocks


def _module_sources(found: Input, prefix: str) -> dict[str, str]:
    """Module call name -> source, from the plans' configuration (for the module at `prefix`)."""
    sources: dict[str, str] = {}
    for configuration in found.configs.values():
        module = configuration.get("root_module") or {}
        for name in [p for p in prefix.split(".") if p and p != "module"]:
            module = ((module.get("module_calls") or {}).get(name) or {}).get("module") or {}
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call.get("source"), str):
                sources.setdefault(name, call["source"])
    return sources

"""Terraform inputs to peer text: read, pick the provider, map, and point origins at `.tf` lines."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from verifier.diagnostics import Diagnostic
from verifier.importers import Imported
from verifier.importers.estate import Estate
from verifier.importers.terraform import PROVIDERS, Input, file_labels, local_name, read
from verifier.importers.terraform.mapping import Resolver
from verifier.language.model import Span

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
    imported = estate.write(dict(found.texts))
    if tf_root is not None:
        _point_at_sources(imported, found, tf_root)
    return imported


def _point_at_sources(imported: Imported, found: Input, root: Path) -> None:
    """Move origins from the JSON to the `resource` blocks in the .tf files under `root`."""
    blocks = _resource_blocks(root, found)
    by_json: dict[tuple[str, int], Span] = {}
    for resource in found.resources:
        config_address = ".".join(p for p in (resource.config_module, local_name(resource)) if p)
        if config_address in blocks:
            by_json[(resource.origin.file, resource.origin.line)] = blocks[config_address]
    for line, origin in list(imported.origins.items()):
        moved = by_json.get((origin.file, origin.line))
        if moved is not None:
            imported.origins[line] = moved
    warnings = []
    for warning in imported.warnings:
        span = by_json.get((warning.span.file, warning.span.line), warning.span)
        warnings.append(Diagnostic(warning.code, warning.severity, warning.message, span))
    imported.warnings[:] = warnings
    for file in {s.file for s in blocks.values()}:
        try:
            imported.inputs[file] = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass


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
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
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

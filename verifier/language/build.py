"""Build the typed model from peer files: parse each, then merge.

Input errors (unparseable files, malformed values) raise InputError (exit 2);
findings made while building (MODEL001, MODEL002, MODEL006, MODEL007) are
returned with the model.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from verifier.diagnostics import Diagnostic, InputError
from verifier.language.model import Assertion, Gap, Model, Net, Peering, ProviderDecl
from verifier.language.parse import SourceFile, parse_source


def build_file(source: SourceFile) -> tuple[list[Any], list[Diagnostic], list[Diagnostic]]:
    """One file's declarations, input errors and build findings."""
    from verifier.language.transform import Builder

    builder = Builder(source.path)
    try:
        declarations = parse_source(source, builder)
    except InputError as exc:
        return [], exc.diagnostics, []
    return declarations, builder.errors, builder.findings


def build(sources: list[SourceFile], imported: Sequence[Any] = ()) -> tuple[Model, list[Diagnostic]]:
    """Parse and build every file into one model, with what was `imported` (`importers.Imported`: the
    declarations an importer built through the same builder); raise InputError on unreadable input."""
    errors: list[Diagnostic] = []
    findings: list[Diagnostic] = []
    decls: list[Any] = []
    for source in sorted(sources, key=lambda s: s.path):
        file_decls, file_errors, file_findings = build_file(source)
        decls.extend(file_decls)
        errors.extend(file_errors)
        findings.extend(file_findings)
    for one in imported:
        decls.extend(one.declarations)
        errors.extend(one.errors)
        findings.extend(one.findings)
    if errors:
        raise InputError(errors)
    files = {s.path for s in sources} | {path for one in imported for path in one.inputs}
    return model_of(decls, files), findings


def model_of(decls: Sequence[Any], files: Iterable[str] = ()) -> Model:
    """The model the declarations make, in their order (the files they were read from: sorted)."""
    return Model(
        providers=tuple(d for d in decls if isinstance(d, ProviderDecl)),
        nets=tuple(d for d in decls if isinstance(d, Net)),
        peerings=tuple(d for d in decls if isinstance(d, Peering)),
        assertions=tuple(d for d in decls if isinstance(d, Assertion)),
        files=tuple(sorted(files)),
        gaps=tuple(d for d in decls if isinstance(d, Gap)),
    )

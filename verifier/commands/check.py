"""The `check` pipeline: read, build, run the catalog, then apply what the user configured.

Order: rules -> per-code severities -> inline suppressions (SUP001) ->
select/ignore -> baseline (BASE001). The result is what every renderer shows.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from verifier.catalog import Verdict, known_codes, registry, report, run_rules
from verifier.commands import ExitCode
from verifier.commands.options import (
    UsageError,
    add_paths,
    configuration,
    input_error,
    job_count,
    model_options,
    model_paths,
    output_file,
    verify_options,
)
from verifier.diagnostics import Diagnostic, InputError, sort_diagnostics
from verifier.language.build import build
from verifier.language.model import Model, Span
from verifier.language.parse import SourceFile, read_sources
from verifier.outputs import FORMATS, render
from verifier.outputs.progress import Progress, silent, start
from verifier.project import baseline, suppress
from verifier.project.config import Config

if TYPE_CHECKING:
    from verifier.engine.repair import Edit
    from verifier.importers import Inputs


@dataclass(frozen=True)
class Accepted:
    """A finding the team accepted: suppressed in the source (`inSource`, by the comment at `span`) or
    recorded in a baseline (`external`). Not reported, and shown as such by SARIF."""

    diagnostic: Diagnostic
    kind: str  # inSource | external
    justification: str
    span: Span | None = None  # the suppression comment


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    verdicts: list[Verdict] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    readable: bool = True  # False: the input could not be read (exit 2)
    fail_on: str = "error"
    model: Model | None = None
    accepted: list[Accepted] = field(default_factory=list)  # suppressed inline, or in the baseline
    baselined: bool = False  # a baseline was given: every finding reported is new to it
    not_run: dict[str, str] = field(default_factory=dict)  # code -> why its rule did not run

    @property
    def files(self) -> int:
        return len(self.sources)

    @property
    def exit_code(self) -> ExitCode:
        if not self.readable or any(d.code in ("CONFIG001", "BASE002") for d in self.diagnostics):
            return ExitCode.INPUT
        if any(d.code.startswith("INTERNAL") for d in self.diagnostics):
            return ExitCode.INTERNAL
        if any(v.status in UNPROVED for v in self.verdicts):
            return ExitCode.FINDINGS  # an assertion not proved never passes
        levels = ("error",) if self.fail_on == "error" else ("error", "warning")
        return ExitCode.FINDINGS if any(d.severity in levels for d in self.diagnostics) else ExitCode.OK


def select_files(paths: list[str], exclude: tuple[str, ...]) -> "Inputs":
    """What `paths` hold, by content (peer files, plans, states, dumps), less what `exclude` leaves out
    (fnmatch on each path found, whatever its kind); an input error for a path with nothing to read."""
    from verifier import importers

    return importers.inputs(paths, exclude)


@dataclass(frozen=True)
class Origins:
    """What was imported, for one load: an import's label -> the import (`importers.Imported`).

    What an importer builds is located at the resources of its inputs (the plan, state or dump:
    file, line and column of the resource), so findings, hops and repairs on imported resources
    point there already; this names the resource (its Terraform address, its cloud id) as data and
    tells places of imported inputs (not files to edit) from places of peer files. A value passed
    along, never module state: two loads (`diff`'s OLD and NEW) each have their own.
    """

    imports: dict = field(default_factory=dict)

    def generated(self, file: str) -> bool:
        """Whether `file` is an input that was imported (a plan, a state, a dump), or the text printed
        from one (`LoadedModel.repair_view`): not a file to edit."""
        return file in self.imports or any(file in imported.inputs for imported in self.imports.values())

    def placed(self, edits: list[Edit], model: Model) -> list[Edit]:
        """Edits of the text printed from an import, shown at the imported resource they change (the
        declaration of `model` they go into; a new declaration: the start of the import's first input)."""
        shown = []
        for edit in edits:
            imported = self.imports.get(edit.file)
            if imported is None:
                shown.append(edit)
                continue
            decl = model.names.get(edit.block.split(" ", 1)[-1]) if edit.block != "file" else None
            span = decl.span if decl is not None else Span.start(next(iter(imported.inputs), edit.file))
            shown.append(replace(edit, file=span.file, line=span.line))
        return shown

    def resource(self, span: Span) -> str | None:
        """The identity of the imported resource at `span` (its Terraform address, its cloud id); None
        for a place of a file the user wrote."""
        for imported in self.imports.values():
            found = imported.resource(span)
            if found is not None:
                return found
        return None

    def diagnostics(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """Findings on imported resources, naming the resource (`resource`)."""
        if not self.imports:
            return diagnostics
        return [d if d.resource else replace(d, resource=self.resource(d.span)) for d in diagnostics]

    def texts(self) -> dict[str, str]:
        """The imported input files' texts: path -> text (for excerpts and suppressions)."""
        return {path: text for imported in self.imports.values() for path, text in imported.inputs.items()}


@dataclass(frozen=True)
class LoadedModel:
    """What a load gives: the sources read, the model built, the findings of building, and the origins."""

    sources: list[SourceFile]
    model: Model
    findings: list[Diagnostic]
    origins: Origins

    @cached_property
    def repair_view(self) -> tuple[Model, dict[str, str]]:
        """The model and texts a repair is searched in (a repair is edits of peer text): the peer
        files, and each import as the text `peerproof import` prints, the model built from them. Made
        when a repair is first searched (printing and building an imported estate again costs)."""
        texts = {s.path: s.text for s in self.sources}
        if not self.origins.imports:
            return self.model, texts
        texts |= {label: imported.text for label, imported in self.origins.imports.items()}
        model, _ = build([SourceFile(path, text) for path, text in sorted(texts.items())])
        return model, texts


def read_inputs(paths: list[str], config: Config) -> tuple[list[SourceFile], Origins, list]:
    """What `paths` hold: peer files read (with the size limit), plans, states and dumps imported
    (built into declarations), each found by its content (`select_files`). Returns the peer
    sources, the origins of what was imported, and the imports."""
    from verifier import importers

    limit = config.max_file_mb * 1048576 if config.max_file_mb else None
    tf_root = Path(config.tf_root) if config.tf_root else None
    found = select_files(paths, config.exclude)
    imported = importers.read(found, tf_root, limit)
    origins = Origins({i.label: i for i in imported})
    return read_sources(found.peer, limit), origins, imported


def build_located(sources: list[SourceFile], origins: Origins) -> tuple[Model, list[Diagnostic]]:
    """Build the peer files with what was imported; an invalid value of an import (a block
    "10.0.0.0/33") is an input error at its resource already."""
    return build(sources, list(origins.imports.values()))


def load_model(paths: list[str], config: Config) -> LoadedModel:
    """Read and build; raise InputError when the input cannot be read.

    Paths holding plans, states or cloud dumps are imported (their peer text joins the
    model); the importers' warnings come back with the build findings.
    """
    sources, origins, imported = read_inputs(paths, config)
    model, findings = build_located(sources, origins)
    findings = findings + [w for i in imported for w in i.warnings]
    if config.provider and model.providers and model.providers[0].name != config.provider:
        first = model.providers[0]
        raise InputError(
            [
                report(
                    "CONFIG001",
                    f"the model declares provider {first.name}, the configuration says {config.provider}",
                    first.span,
                )
            ]
        )
    if config.provider and not model.providers:
        from verifier.language.model import ProviderDecl

        where = Span.start(config.source or "<command line>")
        model = replace(model, providers=(ProviderDecl(config.provider, where),))
    return LoadedModel(sources, model, findings, origins)


def run_check(
    paths: list[str],
    config: Config,
    now: datetime,
    baseline_path: Path | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> CheckResult:
    """`progress`: the line that says how far the run is (on a terminal only; it changes nothing else)."""
    progress = progress or silent()
    progress.stage("reading")
    try:
        loaded = load_model(paths, config)
    except InputError as exc:
        return CheckResult(sort_diagnostics(exc.diagnostics), readable=False, fail_on=config.fail_on)
    model = loaded.model
    texts = {s.path: s.text for s in loaded.sources} | loaded.origins.texts()
    limits = config.limits()
    progress.stage("checking")
    outcome = run_rules(model, now, loaded.findings, {"limits": limits, "jobs": jobs, "progress": progress})
    found = loaded.origins.diagnostics(outcome.diagnostics)
    diagnostics = [_with_severity(d, config) for d in found]
    structural = any(d.code == "CHECK001" for d in diagnostics)
    skipped = {r.code for r in registry() if r.stage == "semantic"} if structural else set()
    accepted = _suppressed(diagnostics, texts)
    diagnostics = suppress.apply(diagnostics, texts, known_codes(), skipped)
    diagnostics = [d for d in diagnostics if config.selects(d.code) or d.code.startswith("INTERNAL")]
    accepted = [a for a in accepted if config.selects(a.diagnostic.code)]
    if baseline_path is not None:
        try:
            diagnostics, recorded = baseline.apply(baseline_path, sort_diagnostics(diagnostics), texts)
        except InputError as exc:
            return CheckResult(sort_diagnostics(exc.diagnostics), readable=False, fail_on=config.fail_on)
        accepted += [Accepted(d, "external", f"accepted in the baseline {baseline_path}") for d in recorded]
    diagnostics = _unproved_stay(diagnostics, found, outcome.verdicts)
    kept = {(d.code, d.span, d.message.removesuffix(KEPT)) for d in diagnostics}
    accepted = [a for a in accepted if (a.diagnostic.code, a.diagnostic.span, a.diagnostic.message) not in kept]
    not_run = {code: "not run: the model has structural errors (CHECK001)" for code in sorted(skipped)}
    not_run |= {
        r.code: "not run: left out by --select, --ignore or the configuration"
        for r in registry()
        if not config.selects(r.code) and r.stage != "tool"
    }
    return CheckResult(
        sort_diagnostics(diagnostics),
        outcome.verdicts,
        texts,
        True,
        config.fail_on,
        model,
        sorted(accepted, key=lambda a: a.diagnostic.sort_key()),
        baseline_path is not None,
        not_run,
    )


def _suppressed(diagnostics: list[Diagnostic], texts: dict[str, str]) -> list[Accepted]:
    """The findings an inline suppression covers (as `suppress.apply` drops them), with its reason."""
    suppressions = suppress.find(texts)
    accepted = []
    for d in diagnostics:
        covering = next((s for s in suppressions if s.covers(d)), None)
        if covering is not None and not d.code.startswith(("INTERNAL", "PARSE")):
            where = Span(covering.file, covering.line, covering.column, covering.line, covering.column + 1)
            reason = covering.reason or "suppressed in the source, with no reason given"
            accepted.append(Accepted(d, "inSource", reason, where))
    return accepted


# An assertion the user wrote and the tool did not prove fails the gate, whatever the configuration.
UNPROVED = ("refuted", "unknown", "not-run")
KEPT = " (kept at error whatever the configuration: an assertion that is not proved never passes)"


def _unproved_stay(reported: list[Diagnostic], found: list[Diagnostic], verdicts: list[Verdict]) -> list[Diagnostic]:
    """The findings that say why an assertion is not proved, kept at error level: --ignore, --select,
    --severity, inline suppressions and baselines cannot take them away (nor make a check that ran
    nothing pass). CHECK001 (the assertions were not run) is kept where nothing else fails the run."""
    unproved = [v for v in verdicts if v.status in UNPROVED]
    if not unproved:
        return reported
    spans = {v.span for v in unproved}
    needed = [d for d in found if d.code in ("REACH001", "REACH002", "REACH003", "REACH005") and d.span in spans]
    if any(v.status == "not-run" for v in unproved) and not any(d.severity == "error" for d in reported):
        needed += [d for d in found if d.code == "CHECK001"]
    key = lambda d: (d.code, d.span, d.message)  # noqa: E731
    missing = {key(d) for d in needed} - {key(d) for d in reported if d.severity == "error"}
    if not missing:
        return reported
    kept = [d for d in reported if key(d) not in missing]
    return kept + [replace(d, severity="error", message=d.message + KEPT) for d in needed if key(d) in missing]


def _with_severity(diagnostic: Diagnostic, config: Config) -> Diagnostic:
    level = config.severity_of(diagnostic.code)
    return replace(diagnostic, severity=level) if level else diagnostic


def output_target(text: str) -> tuple[str, str | None]:
    """`-o FORMAT=PATH` (that format written to PATH) or `-o FORMAT` (to standard output)."""
    fmt, sign, path = text.partition("=")
    if fmt not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown format {fmt!r} in {text!r}: expected one of {', '.join(FORMATS)}")
    if sign and not path:
        raise argparse.ArgumentTypeError(f"no file after '=' in {text!r}: write {fmt}=PATH, or {fmt} alone")
    return fmt, output_file(path) if sign else None


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    check = commands.add_parser("check", parents=[model_options(), verify_options()], help=help)
    add_paths(check)
    check.add_argument("--format", choices=FORMATS, help="output format on standard output (default: text)")
    check.add_argument(
        "-o",
        "--output",
        type=output_target,
        action="append",
        metavar="FORMAT[=FILE]",
        help="write FORMAT to FILE (to standard output without =FILE); repeat for several, from one run",
    )
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in text output (default: on a terminal or with FORCE_COLOR, unless NO_COLOR is set)",
    )
    check.add_argument(
        "--quiet", "-q", action="store_true", help="text output: the summary line only, and nothing on success"
    )
    check.add_argument("--baseline", type=Path, metavar="FILE", help="accept the findings recorded in FILE")
    check.add_argument(
        "--write-baseline", type=output_file, metavar="FILE", help="record today's findings in FILE (and exit 0)"
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=job_count,
        default=1,
        metavar="N",
        help="prove assertions in N processes (default 1; 0: one per core)",
    )


Output = tuple[str, "str | None"]  # a format, and the file it goes to (None: standard output)


def outputs(args: argparse.Namespace) -> list[Output]:
    """What to write: `--format` to standard output and every `-o`; text alone when neither is given
    (UsageError: two outputs for standard output)."""
    chosen: list[Output] = ([(args.format, None)] if args.format else []) + list(args.output or [])
    if not chosen:
        return [("text", None)]
    on_stdout = [fmt for fmt, path in chosen if path is None]
    if len(on_stdout) > 1:
        raise UsageError(
            f"check: {' and '.join(on_stdout)} both go to standard output: give one a file (-o FORMAT=FILE)"
        )
    return chosen


def run(args: argparse.Namespace) -> ExitCode:
    targets = outputs(args)
    shown = next((fmt for fmt, path in targets if path is None), "text")  # how an input error is said
    try:
        config = configuration(args)
    except InputError as exc:
        return input_error(exc.diagnostics, shown)
    paths = model_paths(args, config)
    now = args.now or datetime.now(timezone.utc)
    # On standard error, cleared before anything is written: only beside text on standard output.
    text_only = all(fmt == "text" for fmt, path in targets if path is None)
    with start(text_only, args.quiet) as progress:
        result = run_check(paths, config, now, args.baseline, args.jobs, progress)
    if args.write_baseline is not None and result.readable:
        try:
            count = baseline.write(Path(args.write_baseline), result.diagnostics, result.sources)
        except InputError as exc:
            return input_error(exc.diagnostics, shown)
        if not args.quiet:
            print(f"peerproof: wrote {count} finding(s) to {args.write_baseline}", file=sys.stderr)
        return ExitCode.OK
    return emit(result, targets, args.color, args.quiet)


def colour_wanted(choice: str, stream=None) -> bool:
    """Colour for `--color CHOICE` on `stream`: always, never, or (auto) on a terminal or with FORCE_COLOR
    set; NO_COLOR set (not empty) turns auto off, and wins over FORCE_COLOR (no-color.org, force-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or (stream or sys.stdout).isatty()


def emit(
    result: CheckResult, targets: Sequence[Output] | str = "text", colour_choice: str = "never", quiet: bool = False
) -> ExitCode:
    """Write the result in each format asked (`targets`: a format for standard output, or (format, file)
    pairs), from this one result: the model is solved once however many outputs there are."""
    if isinstance(targets, str):
        targets = [(targets, None)]
    for fmt, path in targets:
        if path is not None:
            try:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(render(result, fmt))
            except OSError as exc:  # checked when given (`output_file`); a full disk, a race: said all the same
                print(f"peerproof: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
                return ExitCode.INPUT
        elif not result.readable and fmt == "text":  # said in full, quiet or not: nothing was checked
            input_error(result.diagnostics, fmt)
        elif fmt == "text" and quiet:
            if result.exit_code != ExitCode.OK:
                sys.stdout.write(render(result, fmt, colour_wanted(colour_choice)).splitlines()[-1] + "\n")
        else:
            sys.stdout.write(render(result, fmt, colour_wanted(colour_choice)))
    if not result.readable and all(path is not None for _, path in targets):
        input_error(result.diagnostics, "text")  # every output went to a file: the log still says why
    if any(fmt == "github" for fmt, _ in targets):
        _step_summary(result)
    return result.exit_code


def _step_summary(result: CheckResult) -> None:
    """Append the run's markdown summary to the file GitHub names in $GITHUB_STEP_SUMMARY (when set): the
    job's summary page. Appended, as GitHub expects of each step; a file that cannot be written is said
    on standard error and changes nothing else (the annotations are written)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from verifier.outputs.github import render_summary

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(render_summary(result))
    except OSError as exc:
        print(f"peerproof: warning: cannot write the step summary {target}: {exc.strerror or exc}", file=sys.stderr)

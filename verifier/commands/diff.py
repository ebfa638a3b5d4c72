"""`peerproof diff OLD NEW`: what a change does to reachability, the reviewer's question.

For every pair of VMs present in both versions, the solver looks for a
connection (protocol, ports) that one version allows and the other does not;
each witness is replayed on both versions' simulators. Findings that appeared
or disappeared, peering state changes against the lifecycle, and assertions the
change broke complete the answer. Exit 1 when the change breaks an assertion
(allows a flow an `assert isolate` forbids, or blocks one an `assert reach`
needs) or makes an impossible peering transition.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from verifier.catalog import report, run_rules
from verifier.commands import ExitCode
from verifier.commands.check import Origins, build_located, read_inputs
from verifier.commands.options import add_paths, query_options, run_query
from verifier.diagnostics import BadQuery, Diagnostic, InputError, sort_diagnostics
from verifier.engine.encode import DiffQueries, Encoder
from verifier.engine.limits import Limits
from verifier.engine.results import Connection, connection_of
from verifier.engine.simulate import Packet, Simulator
from verifier.engine.solve import Solver
from verifier.engine.topology import Topology
from verifier.engine.verify import Disagreement
from verifier.language.model import Model, Span, Vm
from verifier.language.parse import PEER_SUFFIX, SourceFile, read_sources
from verifier.outputs.changes import diff_json, diff_markdown, diff_text
from verifier.outputs.progress import Progress, silent, start
from verifier.project.baseline import fingerprints
from verifier.project.config import Config

# Which state a peering may move to from each state (LANGUAGE.md's states; the
# clouds' lifecycle). A state may always stay as it is.
LIFECYCLE = {
    "initiating": {"pending-acceptance", "failed", "deleted"},
    "pending-acceptance": {"provisioning", "active", "rejected", "expired", "deleting", "deleted"},
    "provisioning": {"active", "failed", "deleting", "deleted"},
    "active": {"deleting", "deleted"},
    "deleting": {"deleted"},
    "rejected": {"deleted"},
    "expired": {"deleted"},
    "failed": {"deleted"},
    "deleted": set(),
}


@dataclass
class Flow:
    direction: str  # allowed | blocked
    source: Vm
    target: Vm
    packet: Packet
    new: Connection  # on the new model: works (no direction) or where it dies
    old: Connection


@dataclass
class DiffResult:
    allowed: list[Flow] = field(default_factory=list)
    blocked: list[Flow] = field(default_factory=list)
    appeared: list[Diagnostic] = field(default_factory=list)
    disappeared: list[Diagnostic] = field(default_factory=list)
    lifecycle: list[str] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    added_vms: list[str] = field(default_factory=list)
    removed_vms: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return bool(self.lifecycle) or any(a["broken"] for a in self.assertions) or bool(self.undecided)


def _git_sources(rev: str, paths: list[str]) -> list[SourceFile]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise InputError(
                [report("PARSE003", f"git {' '.join(args)}: {done.stderr.strip()}", Span.start(f"{rev}:"))]
            )
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    names = []
    for path in paths:
        relative = str(Path(path).resolve().relative_to(top)) if Path(path).exists() else path
        names += [
            n
            for n in git("ls-tree", "-r", "--name-only", rev, "--", relative or ".").splitlines()
            if n.endswith(PEER_SUFFIX)
        ]
    here = Path.cwd().resolve()
    sources = []
    for name in sorted(set(names)):
        text = git("show", f"{rev}:{name}")
        try:
            shown = str((top / name).relative_to(here))
        except ValueError:
            shown = str(top / name)
        sources.append(SourceFile(f"{rev}:{shown}", text))
    return sources


def _relative(path: str, roots: list[str]) -> str:
    """A file's name relative to the root it was found under, so OLD/x.peer matches NEW/x.peer."""
    if ":" in path and not Path(path).exists():
        path = path.split(":", 1)[1]
    for root in roots:
        root_path = Path(root)
        if root_path.is_dir():
            try:
                return str(Path(path).relative_to(root_path))
            except ValueError:
                continue
        elif Path(path) == root_path:
            return root_path.name
    return path


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    diff = commands.add_parser("diff", parents=query_options(), help=help)
    add_paths(diff)
    diff.add_argument("--git", metavar="REV", help="compare the files at git revision REV with the working tree")
    diff.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="output format (default: text; markdown: a pull-request comment)",
    )


def run(args: argparse.Namespace) -> ExitCode:
    return run_query(_diff, args)


def _diff(args: argparse.Namespace, config: Config, paths: list[str]) -> ExitCode:
    now = args.now or datetime.now(timezone.utc)
    limits = config.limits()
    if not args.git and len(paths) != 2:
        raise BadQuery("diff takes OLD and NEW (two paths), or --git REV")
    # On standard error while the versions are read, checked and compared; cleared before anything is written.
    with start(args.format == "text") as progress:
        progress.stage("reading")
        if args.git:
            old_sources, new_sources = _git_sources(args.git, paths), read_sources(paths)
            old_origins = new_origins = Origins()
            old_roots = new_roots = paths
        else:
            (old_sources, old_origins, _), (new_sources, new_origins, _) = (
                read_inputs([paths[0]], config),
                read_inputs([paths[1]], config),
            )
            old_roots, new_roots = [paths[0]], [paths[1]]
        old_model, old_found = build_located(old_sources, old_origins)
        new_model, new_found = build_located(new_sources, new_origins)
        result = compare(
            old_model,
            old_found,
            old_sources,
            old_roots,
            new_model,
            new_found,
            new_sources,
            new_roots,
            now,
            limits,
            progress,
        )
    # Each finding is pointed at the input it came from: NEW's for what appeared, OLD's for what went.
    result.appeared = new_origins.diagnostics(result.appeared)
    result.disappeared = old_origins.diagnostics(result.disappeared)
    if args.format == "json":
        sys.stdout.write(json.dumps(diff_json(result), indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(diff_markdown(result))
    else:
        sys.stdout.write(diff_text(result))
    return ExitCode.FINDINGS if result.failing else ExitCode.OK


def compare(
    old: Model,
    old_found,
    old_sources,
    old_roots,
    new: Model,
    new_found,
    new_sources,
    new_roots,
    now: datetime,
    limits: Limits,
    progress: Progress | None = None,
) -> DiffResult:
    """`progress`: the line that says how far the comparison is (on a terminal only)."""
    progress = progress or silent()
    result = DiffResult()
    progress.stage("checking the old version")
    old_report = run_rules(old, now, old_found, {"limits": limits, "progress": progress})
    progress.stage("checking the new version")
    new_report = run_rules(new, now, new_found, {"limits": limits, "progress": progress})
    _findings(result, old_report.diagnostics, old_sources, old_roots, new_report.diagnostics, new_sources, new_roots)
    _lifecycle(result, old, new, now)
    old_status = {v.text: v.status for v in old_report.verdicts}
    for verdict in new_report.verdicts:
        before = old_status.get(verdict.text, "absent")
        broken = verdict.status in ("refuted", "unknown") and before not in ("refuted", "unknown")
        result.assertions.append({"assertion": verdict.text, "old": before, "new": verdict.status, "broken": broken})
    if any(d.code == "CHECK001" for d in old_report.diagnostics + new_report.diagnostics):
        return result  # a version with structural errors has no reachability to compare
    _flows(result, old, new, now, limits, progress)
    return result


def _findings(result, old_diags, old_sources, old_roots, new_diags, new_sources, new_roots) -> None:
    def keyed(diags, sources, roots):
        texts = {s.path: s.text for s in sources}
        relabelled = [(d, _relative(d.span.file, roots)) for d in diags]
        texts_rel = {_relative(p, roots): t for p, t in texts.items()}
        from dataclasses import replace

        moved = [replace(d, span=d.span._replace(file=rel)) for d, rel in relabelled]
        return {f: d for f, d in zip(fingerprints(moved, texts_rel, str), diags)}

    before, after = keyed(old_diags, old_sources, old_roots), keyed(new_diags, new_sources, new_roots)
    result.appeared = sort_diagnostics([d for f, d in after.items() if f not in before])
    result.disappeared = sort_diagnostics([d for f, d in before.items() if f not in after])


def _lifecycle(result: DiffResult, old: Model, new: Model, now: datetime) -> None:
    from verifier.language.model import Peering

    for peering in new.peerings:
        before = old.names.get(peering.name)
        if not isinstance(before, Peering):
            continue
        was, now_state = old.peering_state(before, now), new.peering_state(peering, now)
        if was != now_state and now_state not in LIFECYCLE.get(was, set()):
            allowed = ", ".join(sorted(LIFECYCLE.get(was, set()))) or "nothing (it is final)"
            result.lifecycle.append(
                f"{peering.span.file}:{peering.span.line}: peering '{peering.name}' cannot go "
                f"from {was} to {now_state}; from {was} it can become {allowed}"
            )


def _flows(result: DiffResult, old: Model, new: Model, now: datetime, limits: Limits, progress: Progress) -> None:
    old_topo, new_topo = Topology(old, now), Topology(new, now)
    old_sim, new_sim = Simulator(old_topo), Simulator(new_topo)
    solver = Solver(limits)
    old_vms = {vm.name: vm for vm in old.vms()}
    new_vms = {vm.name: vm for vm in new.vms()}
    result.added_vms = sorted(set(new_vms) - set(old_vms))
    result.removed_vms = sorted(set(old_vms) - set(new_vms))
    common = sorted(set(old_vms) & set(new_vms), key=lambda n: new_vms[n].span)
    from verifier.engine.atoms import Atlas

    old_atlas, new_atlas = Atlas(old_topo), Atlas(new_topo)
    queries = {v: DiffQueries(Encoder(old_topo, v, old_atlas), Encoder(new_topo, v, new_atlas)) for v in (4, 6)}
    pairs, compared = len(common) * (len(common) - 1), 0
    progress.stage("comparing", pairs=f"VM pairs 0/{pairs}")
    for a in common:
        for b in common:
            if a == b:
                continue
            progress.item("pairs", f"VM pairs {compared}/{pairs}")
            compared += 1
            for version in (4, 6):
                found = [_primary(vm, version) for vm in (old_vms[a], old_vms[b], new_vms[a], new_vms[b])]
                ends = [e for e in found if e is not None]
                if len(ends) < len(found):
                    continue
                for towards_new in (True, False):
                    query = queries[version].gained(
                        old_vms[a], old_vms[b], new_vms[a], new_vms[b], ends[0], ends[1], ends[2], ends[3], towards_new
                    )
                    answer = solver.check(query)
                    if answer.status == "unknown":
                        result.undecided.append(f"{a} -> {b} (IPv{version}): {answer.reason}")
                        continue
                    if answer.status != "sat":
                        continue
                    values = answer.values
                    assert values is not None, "sat comes with the values"
                    new_packet = Packet(version, ends[2], ends[3], values["proto"], values["sport"], values["dport"])
                    old_packet = Packet(version, ends[0], ends[1], values["proto"], values["sport"], values["dport"])
                    new_conn = new_sim.connection(new_vms[a], new_packet, new_vms[b])
                    old_conn = old_sim.connection(old_vms[a], old_packet, old_vms[b])
                    if new_conn.ok != towards_new or old_conn.ok == towards_new:
                        raise Disagreement(
                            f"{a} -> {b}: the solver finds {new_packet.describe()} "
                            f"{'newly allowed' if towards_new else 'newly blocked'}, the simulators "
                            "do not"
                        )
                    flow = Flow(
                        "allowed" if towards_new else "blocked",
                        new_vms[a],
                        new_vms[b],
                        new_packet,
                        connection_of(new_conn, b),
                        connection_of(old_conn, b),
                    )
                    (result.allowed if towards_new else result.blocked).append(flow)


def _primary(vm: Vm, version: int) -> int | None:
    return next((a.value for a in vm.addresses if a.version == version), None)

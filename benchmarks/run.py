"""peerproof benchmarks: time and peak memory against estate size. Not a test: a measurement.

    python benchmarks/run.py [--sizes 10,100,1000,5000] [--repeat 3] [--out benchmarks/results]
                             [--against REV]

Generates estates with `peerproof gen` (seed 0), then runs, each in a fresh
process (the way a user runs it): `stats` (parse and build), and beside it its
floor (benchmarks/floor.py: `stats` with the model's objects made from their values,
nothing parsed), `check`, and `check --jobs 2` on an assertion-heavy estate;
in-process, on a loaded model: `why` queries (what the shell answers) and `matrix`; and `check` on the hostile inputs of
benchmarks/hostile.py (inputs that once took quadratic time). Wall time is the
median of --repeat runs; peak memory is the child's maximum resident set size.
Writes results.json, results.md (the table the README quotes) and results.png.

With `--against REV` (a tag or commit: the previous release), `stats` and `check` are also run by
that revision's code (`git archive` into a temporary directory, run with the same Python and
packages) on the same estates, side by side: the ratio says what changed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-21T12:00:00Z"


def run(args: list[str], env: dict[str, str] | None = None, code: Path = ROOT) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one peerproof process, of the code at `code` (this
    checkout, or an earlier revision's files)."""
    # As a user runs it: with compiled bytecode (some sandboxes set PYTHONDONTWRITEBYTECODE,
    # which would recompile every module on every start and measure that instead).
    return _timed([sys.executable, "-m", "verifier.cli", *args], {"PYTHONPATH": str(code), **(env or {})}, code)


def _timed(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> tuple[float, int, int]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**base, **(env or {})}, cwd=cwd
    )
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def measure(args: list[str], repeat: int, env=None, code: Path = ROOT) -> dict:
    runs = [run(args, env, code) for _ in range(repeat)]
    return {
        "seconds": round(statistics.median(r[0] for r in runs), 3),
        "peak_mib": max(r[1] for r in runs),
        "exit": runs[0][2],
    }


def in_process(estate: Path, queries: int) -> dict:
    """`why` on a loaded model (the shell's case): load once, then time each query."""
    sys.path.insert(0, str(ROOT))
    from verifier.commands.check import load_model
    from verifier.commands.why import answer_why
    from verifier.project.config import Config

    now = datetime.fromisoformat(NOW)
    loaded = load_model([str(estate)], Config())
    model, texts = loaded.model, {s.path: s.text for s in loaded.sources}
    vms = [vm.name for vm in model.vms()]
    pairs = [(vms[(i * 37) % len(vms)], vms[(i * 101 + 13) % len(vms)]) for i in range(queries)]
    answer_why(model, texts, now, *pairs[0], 6, 443, repair=False)  # warm the solver and the route maps
    times = []
    for source, target in pairs:
        if source == target:
            continue
        start = time.perf_counter()
        answer_why(model, texts, now, source, target, 6, 443, repair=False)
        times.append(time.perf_counter() - start)
    return {
        "why_ms_median": round(1000 * statistics.median(times), 1),
        "why_ms_max": round(1000 * max(times), 1),
        "queries": len(times),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--only",
        choices=("jobs", "hostile", "engine", "scaling"),
        help="re-measure one part, merged into the recorded results (engine: the pre-commit and "
        "assertion-heavy checks, written to engine-speed.md, beside the previous release with --against)",
    )
    parser.add_argument("--against", metavar="REV", help="also run stats and check by this revision's code")
    args = parser.parse_args()
    if args.only == "engine":
        work = Path(tempfile.mkdtemp(prefix="peerproof-bench-"))
        run(["--version"])
        previous = _checkout(args.against, work / "previous") if args.against else None
        found = measure_engine(work, args.repeat, previous)
        found["against"] = args.against
        (args.out / "engine-speed.md").write_text(engine_table(found))
        print(engine_table(found))
        shutil.rmtree(work, ignore_errors=True)
        return 0
    if args.only:
        work = Path(tempfile.mkdtemp(prefix="peerproof-bench-"))
        run(["--version"])
        results = json.loads((args.out / "results.json").read_text())
        if args.only == "jobs":
            results["jobs"] = measure_jobs(work, args.repeat)
        elif args.only == "scaling":
            results["scaling"] = measure_scaling(work, args.repeat)
        else:
            results["hostile"] = measure_hostile(work, args.repeat)
        write(results, args.out)
        shutil.rmtree(work, ignore_errors=True)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="peerproof-bench-"))
    run(["--version"])  # compile the bytecode once, outside the measurements
    previous = _checkout(args.against, work / "previous") if args.against else None
    rows = []
    for n in sizes:
        estate = work / f"estate-{n}"
        subprocess.run(
            [sys.executable, "-m", "verifier.cli", "gen", "--nets", str(n), "-o", str(estate)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        repeat = args.repeat if n <= 1000 else 1
        row = {"nets": n}
        row["stats"] = measure(["stats", str(estate)], repeat)
        row["check"] = measure(["check", "--isolated", "--now", NOW, str(estate)], repeat)
        row["stats_floor"] = measure_floor(estate, work / f"values-{n}.json", repeat)
        if previous is not None:  # its parse cache (if it has one) off: each of our runs reads every file
            cold = {"PEERPROOF_NO_CACHE": "1"}
            row["previous"] = {
                "stats": measure(["stats", str(estate)], repeat, cold, previous),
                "check": measure(["check", "--isolated", "--now", NOW, str(estate)], repeat, cold, previous),
            }
        if n <= 1000:
            row["why"] = in_process(estate, 20)
        if n <= 10:
            row["matrix"] = measure(["matrix", "--isolated", "--now", NOW, str(estate)], 1)
        print(json.dumps(row), flush=True)
        rows.append(row)
    jobs = measure_jobs(work, args.repeat)
    scaling = measure_scaling(work, args.repeat) if {1000, 5000} <= set(sizes) else None
    pre_commit = work / "estate-20"
    subprocess.run(
        [sys.executable, "-m", "verifier.cli", "gen", "--nets", "20", "--force", "-o", str(pre_commit)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    twenty = {"check": measure(["check", "--isolated", "--now", NOW, str(pre_commit)], 9)}
    if previous is not None:
        twenty["previous"] = measure(
            ["check", "--isolated", "--now", NOW, str(pre_commit)], 9, {"PEERPROOF_NO_CACHE": "1"}, previous
        )
    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.system()},
        "against": args.against,
        "sizes": rows,
        "twenty_nets": twenty,
        "jobs": jobs,
        **({"scaling": scaling} if scaling else {}),
        "hostile": measure_hostile(work, args.repeat),
    }
    write(results, args.out)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _checkout(revision: str, into: Path) -> Path:
    """The files of `revision` (a tag or commit of this repository), to run its code."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    run(["--version"], code=into)
    return into


def measure_floor(estate: Path, values: Path, repeat: int) -> dict:
    """The floor of reading `estate` (benchmarks/floor.py): the model made from its values in a fresh
    process, nothing parsed."""
    floor = Path(__file__).resolve().parent / "floor.py"
    subprocess.run([sys.executable, str(floor), "--dump", str(estate), str(values)], cwd=ROOT, check=True)
    runs = [_timed([sys.executable, str(floor), str(values)]) for _ in range(repeat)]
    return {"seconds": round(statistics.median(r[0] for r in runs), 3), "peak_mib": max(r[1] for r in runs)}


def measure_scaling(work: Path, repeat: int) -> dict:
    """`check` on 1,000 and on 5,000 nets, run in turn (1,000, 5,000, 1,000...) so that both see the
    machine alike: on a shared machine whose speed drifts by a quarter, one 5,000-net run beside a
    median of 1,000-net runs taken minutes apart cannot tell 5 times from 6."""
    estates = {}
    for n in (1000, 5000):
        estates[n] = work / f"estate-{n}"
        if not estates[n].exists():
            subprocess.run(
                [sys.executable, "-m", "verifier.cli", "gen", "--nets", str(n), "-o", str(estates[n])],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
    times: dict[int, list[float]] = {1000: [], 5000: []}
    for _ in range(repeat):
        for n in (1000, 5000):
            times[n].append(run(["check", "--isolated", "--now", NOW, str(estates[n])])[0])
    small, large = (round(statistics.median(times[n]), 3) for n in (1000, 5000))
    return {"repeat": repeat, "check_1000": small, "check_5000": large, "ratio": round(large / small, 2)}


def measure_jobs(work: Path, repeat: int) -> dict:
    """check --jobs 1 and 2 on an assertion-heavy estate (100 nets, 16 assertions a spoke net)."""
    heavy = work / "assertion-heavy"
    subprocess.run(
        [sys.executable, "-m", "verifier.cli", "gen", "--nets", "100", "--assertions", "16", "-o", str(heavy)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {
        str(j): measure(["check", "--isolated", "--now", NOW, "--jobs", str(j), str(heavy)], repeat) for j in (1, 2)
    }


def measure_engine(work: Path, repeat: int, previous: Path | None = None) -> dict:
    """The two checks issue 15 names for the engine: `check` on 20 nets (the pre-commit hook: process start
    included, median of 5) and on the assertion-heavy estate at --jobs 1 and 2; each also by the
    code of `previous` (another revision's files) where given, on the same estates."""
    twenty, heavy = work / "estate-20", work / "assertion-heavy"
    for estate, options in ((twenty, ["--nets", "20"]), (heavy, ["--nets", "100", "--assertions", "16"])):
        subprocess.run(
            [sys.executable, "-m", "verifier.cli", "gen", *options, "-o", str(estate)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    cold = {"PEERPROOF_NO_CACHE": "1"}  # for an earlier revision that had a parse cache
    codes = {"now": ROOT, **({"previous": previous} if previous is not None else {})}
    found: dict = {}
    for name, code in codes.items():
        found[name] = {
            "twenty_cold": measure(["check", "--isolated", "--now", NOW, str(twenty)], 5, cold, code),
            **{
                f"heavy_jobs_{j}": measure(
                    ["check", "--isolated", "--now", NOW, "--jobs", str(j), str(heavy)], repeat, cold, code
                )
                for j in (1, 2)
            },
        }
        print(json.dumps({name: found[name]}), flush=True)
    found["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.system()}
    return found


def engine_table(found: dict) -> str:
    rows = [
        ("20 nets, pre-commit (`check`, process start included, median of 5)", "twenty_cold"),
        ("assertion-heavy (100 nets, 16 assertions a spoke net), `check --jobs 1`", "heavy_jobs_1"),
        ("assertion-heavy, `check --jobs 2`", "heavy_jobs_2"),
    ]
    before = found.get("previous")
    head = "| run | now | peak memory |" + (f" {found['against']} | ratio |" if before else "")
    lines = [
        "# Engine speed (issue 15): the pre-commit and assertion-heavy checks",
        "",
        "Measured by `python benchmarks/run.py --only engine"
        + (f" --against {found['against']}`" if before else "`")
        + f" (Python {found['machine']['python']}, {found['machine']['cpus']} cores; no parse cache).",
        "",
        head,
        "| --- | ---: | ---: |" + (" ---: | ---: |" if before else ""),
    ]
    for label, key in rows:
        now = found["now"][key]
        line = f"| {label} | {now['seconds']} s | {now['peak_mib']} MiB |"
        if before:
            line += f" {before[key]['seconds']} s | {now['seconds'] / before[key]['seconds']:.2f} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


# What issue 14 measured on these inputs before they were made near-linear (2-core machine).
HOSTILE_BEFORE = {
    "group-rules": "killed at 600 s",
    "acl-entries": "130 s",
    "misspelt-names": "killed at 600 s",
    "long-name-typo": "98 s",
}


def measure_hostile(work: Path, repeat: int) -> dict:
    """`check` on each hostile input of benchmarks/hostile.py, at the size issue 14 reported."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import hostile

    found = {}
    for case in hostile.CASES:
        path = hostile.write(case, work / f"hostile-{case}")
        row = measure(["check", "--isolated", "--now", NOW, str(path)], repeat)
        found[case] = {"size": hostile.SIZES[case], **row}
        print(json.dumps({case: found[case]}), flush=True)
    return found


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(table(results))
    plot(results, out / "results.png")
    print(table(results))


def table(results: dict) -> str:
    lines = [
        "| nets | stats (parse, build) | the floor: stats with nothing parsed | stats / floor | check | "
        "peak memory of check | why on a loaded model (median / max) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["sizes"]:
        why = row.get("why")
        why_text = f"{why['why_ms_median']} / {why['why_ms_max']} ms" if why else "-"
        floor = row.get("stats_floor")
        floor_text = f"{floor['seconds']} s | {row['stats']['seconds'] / floor['seconds']:.1f}" if floor else "- | -"
        lines.append(
            f"| {row['nets']:,} | {row['stats']['seconds']} s | {floor_text} | {row['check']['seconds']} s | "
            f"{row['check']['peak_mib']} MiB | {why_text} |"
        )
    if any("previous" in row for row in results["sizes"]):
        lines += [
            "",
            f"Against the previous release ({results.get('against')}), same estates, same machine "
            "(its parse cache off):",
            "",
            "| nets | stats before | stats now | ratio | check before | check now | ratio | peak memory before / now |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in results["sizes"]:
            before = row.get("previous")
            if not before:
                continue
            stats, check = (
                (before["stats"]["seconds"], row["stats"]["seconds"]),
                (before["check"]["seconds"], row["check"]["seconds"]),
            )
            lines.append(
                f"| {row['nets']:,} | {stats[0]} s | {stats[1]} s | {stats[1] / stats[0]:.2f} | {check[0]} s | "
                f"{check[1]} s | {check[1] / check[0]:.2f} | {before['check']['peak_mib']} / "
                f"{row['check']['peak_mib']} MiB |"
            )
    twenty, jobs = results["twenty_nets"], results["jobs"]
    lines.append("")
    lines.append(
        f"20 nets (pre-commit): check {twenty['check']['seconds']} s (median of 9, process start included)"
        + (
            f"; the previous release: {twenty['previous']['seconds']} s, its parse cache off."
            if "previous" in twenty
            else "."
        )
    )
    scaling = results.get("scaling")
    if scaling:
        lines.append(
            f"5,000 against 1,000 nets, `check` run in turn (median of {scaling['repeat']} each): "
            f"{scaling['check_5000']} s / {scaling['check_1000']} s = {scaling['ratio']} times."
        )
    speedup = jobs["1"]["seconds"] / jobs["2"]["seconds"]
    lines.append(
        f"Assertion-heavy estate (100 nets, 16 assertions a spoke net): check --jobs 1 "
        f"{jobs['1']['seconds']} s, --jobs 2 {jobs['2']['seconds']} s ({speedup:.2f}x)."
    )
    if results.get("hostile"):
        lines += [
            "",
            "| hostile input (benchmarks/hostile.py) | size | check | peak memory | before |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for case, row in results["hostile"].items():
            lines.append(
                f"| {case} | {row['size']:,} | {row['seconds']} s | {row['peak_mib']} MiB | "
                f"{HOSTILE_BEFORE.get(case, '-')} |"
            )
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)", file=sys.stderr)
        return
    nets = [r["nets"] for r in results["sizes"]]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("stats_floor", "the floor (nothing parsed)"), ("stats", "stats"), ("check", "check")):
        left.plot(nets, [r[key]["seconds"] for r in results["sizes"]], marker="o", label=label)
    left.set(xscale="log", yscale="log", xlabel="nets", ylabel="seconds (wall)", title="time")
    left.legend()
    right.plot(nets, [r["check"]["peak_mib"] for r in results["sizes"]], marker="o", color="tab:red")
    right.set(xscale="log", xlabel="nets", ylabel="MiB", title="peak memory of check")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())

"""A fuzzing campaign longer than the test suite's: imported JSON with values of every type and size.

    python benchmarks/fuzz.py [--mutations N] [--seed S]

Every JSON input of fixtures/imports/ is taken, one of its values (a leaf, or a whole object or
list) is replaced by an odd value — another JSON type, an empty one, a number of every size up to
5,000 digits, a string of control characters or 100,000 characters, JSON nested 2,000 deep — and
`peerproof check` reads it in-process. The only acceptable outcomes are an answer (exit 0 or 1) or a
located input error (exit 2); a traceback or an internal error (exit 3) is a failure, printed with
the mutation that caused it. The results are recorded in benchmarks/FUZZING.md.

The grammar and the peer-text mutation fuzzers are the test suite's (tests/test_grammar_fuzz.py,
tests/test_mutation_fuzz.py), run longer with PEERPROOF_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.cli import main  # noqa: E402

ODD = [
    None,
    True,
    0,
    -1,
    2**63,
    1.5,
    "",
    "0",
    "10.0.0.0/33",
    "\x1b[2J\x07",
    '" } vm x { subnet s  ip 10.0.0.1 } #',
    "x" * 100_000,
    [],
    {},
    [None],
    {"": None},
]
# Written as they are, not as JSON strings: numbers past the limits, and nesting json.loads refuses
# (2,000 deep) or takes (600 deep).
RAW = ["1" * 5_000, "1e400", "-1e400", "[" * 2_000 + "]" * 2_000, "[" * 600 + "]" * 600]


def leaves(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, path + (index,))


def replaced(document, path, new):
    if not path:
        return new
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = replaced(document[head], tuple(rest), new)
    return copy


def run(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


def main_(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutations", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)
    inputs = sorted(
        p
        for p in (ROOT / "fixtures" / "imports").rglob("*")
        if p.is_file() and p.suffix in (".json", ".tfstate", ".ref") and p.name != "expect.json"
    )
    documents = [(p, json.loads(p.read_text())) for p in inputs]
    counts = {0: 0, 1: 0, 2: 0}
    failures = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        for number in range(options.mutations):
            path, document = rng.choice(documents)
            where = rng.choice(list(leaves(document)))
            target = Path(scratch) / path.name
            odd = rng.choice(ODD + RAW)
            if odd in RAW:
                marker = "__PEERPROOF_FUZZ__"
                text = json.dumps(replaced(document, where, marker)).replace(f'"{marker}"', odd)
            else:
                text = json.dumps(replaced(document, where, odd))
            target.write_text(text)
            code, err = run(["check", "--isolated", "--format", "json", str(target)])
            if code in counts and "internal error" not in err and "Traceback" not in err:
                counts[code] += 1
            else:
                failures.append((number, path.name, where, repr(odd)[:60], code, err[-300:]))
            target.unlink()
    seconds = time.monotonic() - start
    summary = f"{options.mutations} mutations of {len(inputs)} inputs in {seconds:.0f} s: exit codes {counts}"
    print(f"{summary}, {len(failures)} failures")
    for failure in failures[:20]:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main_())

"""10,000 random mutations of the fixtures through `peerproof check`: no traceback, ever.

Every run must end in a verdict (exit 0/1) or a located input error (exit 2),
never an internal error (exit 3). Seeded, so a failure is reproducible: the
assertion message carries the seed and the mutated text.
"""

from __future__ import annotations

import random
import re

import pytest
from conftest import FIXTURES, run_cli

pytestmark = pytest.mark.slow  # ten thousand mutated files


# Not the `why --fix` goldens (fixtures/why/*.fixed.peer): near copies of their fixtures, and adding
# them would change which mutations the seeded runs make.
SOURCES = sorted(p.read_bytes() for p in FIXTURES.rglob("*.peer") if not p.name.endswith(".fixed.peer"))
TOKEN = re.compile(rb"\s+|[^\s]+")
GARBAGE = [
    b"{",
    b"}",
    b",",
    b"->",
    b"/",
    b"::",
    b"#",
    b"\xff",
    b"\x00",
    b"\xc3",
    b"10.0.0.0/8",
    b"-",
    b"net",
    b"vm",
    b"assert",
    b"9" * 30,
    b"a" * 300,
    b"\t",
    b"\r\n",
    b"priority",
    b"\xe2\x82\xac",
]
LOCATED = re.compile(r"^\S+:\d+:\d+: error PARSE00\d ")
RUNS, CHUNKS = 10_000, 20


def mutate(rng: random.Random, data: bytes) -> bytes:
    tokens = TOKEN.findall(data)
    for _ in range(rng.randint(1, 4)):
        if not tokens:
            break
        i = rng.randrange(len(tokens))
        kind = rng.randrange(6)
        if kind == 0:
            del tokens[i]
        elif kind == 1:
            tokens.insert(i, tokens[i])
        elif kind == 2:
            tokens.insert(i, rng.choice(GARBAGE))
        elif kind == 3:
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == 4:
            tokens = tokens[:i]
        else:
            token = bytearray(tokens[i])
            token[rng.randrange(len(token))] = rng.randrange(256)
            tokens[i] = bytes(token)
    return b"".join(tokens)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_mutations_never_crash(tmp_path, chunk):
    path = tmp_path / "mutant.peer"
    per_chunk = RUNS // CHUNKS
    for n in range(per_chunk):
        seed = chunk * per_chunk + n
        rng = random.Random(seed)
        data = mutate(rng, rng.choice(SOURCES))
        path.write_bytes(data)
        fmt = "json" if seed % 5 == 0 else "text"
        run = run_cli("check", "--format", fmt, "--now", "2026-11-21T00:00:00Z", str(path))
        context = f"seed {seed}: {data[:2000]!r}\n{run.err}"
        assert run.code in (0, 1, 2), context
        assert "internal error" not in run.err and "Traceback" not in run.err, context
        if run.code == 2 and fmt == "text":
            assert LOCATED.match(run.err), context

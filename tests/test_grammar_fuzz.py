"""Grammar-aware fuzzing of the parser and the whole `check` pipeline (hypothesis).

Token streams drawn from the language's own vocabulary — keywords, names,
addresses and blocks (valid and not), ports, timestamps, braces — in
grammatical skeletons with random edits. Every run must end in a verdict or a
located input error: never a traceback, never an internal error.

The suite runs 400 examples; `PEERPROOF_FUZZ_EXAMPLES=20000 python -m pytest
tests/test_grammar_fuzz.py` runs a longer campaign (benchmarks/FUZZING.md).
"""

from __future__ import annotations

import os
import re

import pytest
from conftest import examples, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("PEERPROOF_FUZZ_EXAMPLES") or examples(400))
KEYWORDS = [
    "provider",
    "aws",
    "outscale",
    "alibaba",
    "generic",
    "net",
    "subnet",
    "route-table",
    "security-group",
    "network-acl",
    "vm",
    "peering",
    "assert",
    "reach",
    "isolate",
    "account",
    "region",
    "cidr",
    "zone",
    "main",
    "route",
    "via",
    "gateway",
    "drop",
    "inbound",
    "outbound",
    "allow",
    "deny",
    "priority",
    "tcp",
    "udp",
    "icmp",
    "all",
    "from",
    "to",
    "any",
    "group",
    "ip",
    "groups",
    "requester",
    "accepter",
    "state",
    "created",
    "active",
    "pending-acceptance",
    "deleted",
    "{",
    "}",
    ",",
    "->",
    "\n",
    "# comment\n",
]
VALUES = [
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.1.10",
    "10.1.0.0/16",
    "0.0.0.0/0",
    "2001:db8::/56",
    "::/0",
    "fe80::1",
    "10.0.0.300/8",
    "10.0.1.5/16",
    "1.2.3.4/33",
    ":::",
    "443",
    "1024-65535",
    "65536",
    "0",
    "22",
    "6",
    "2026-11-14T09:30:00Z",
    "2026-13-45T00:00:00Z",
    "a",
    "b",
    "a-1",
    "hub",
    "spoke-a",
    "p1",
    "x" * 300,
    "_",
    "-",
    "9" * 40,
    "\t",
    "\u00e9t\u00e9",
    "\x00",
]
SKELETON = (
    "provider aws\nnet a { account 1 region r cidr 10.0.0.0/16\n subnet s { cidr 10.0.1.0/24 }\n"
    " route-table rt { route 10.1.0.0/16 via peering p }\n security-group g { inbound tcp 443 from any "
    "outbound all to any }\n network-acl n { inbound 100 allow all from 0.0.0.0/0 }\n"
    " vm v { subnet s ip 10.0.1.10 groups g } }\nnet b { cidr 10.1.0.0/16 subnet t { cidr 10.1.1.0/24 } "
    "vm w { subnet t ip 10.1.1.10 groups h } security-group h { inbound all from 10.0.0.0/16 } }\n"
    "peering p { requester a accepter b state active created 2026-11-14T09:30:00Z }\n"
    "assert reach v -> w tcp 443\nassert isolate b -> a\n"
)
TOKENS = re.findall(r"\s+|[^\s]+", SKELETON)

word = st.sampled_from(KEYWORDS + VALUES)


@st.composite
def programs(draw) -> str:
    tokens = list(TOKENS)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(tokens)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
        if action == "insert" or not tokens:
            tokens.insert(position, " " + draw(word) + " ")
        elif action == "delete":
            del tokens[min(position, len(tokens) - 1)]
        elif action == "replace":
            tokens[min(position, len(tokens) - 1)] = " " + draw(word) + " "
        else:
            other = draw(st.integers(0, len(tokens) - 1))
            index = min(position, len(tokens) - 1)
            tokens[index], tokens[other] = tokens[other], tokens[index]
    if draw(st.booleans()):
        tokens.extend(" " + draw(word) + " " for _ in range(draw(st.integers(0, 8))))
    return "".join(tokens)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(["text", "json", "sarif"]))
def test_check_never_crashes(tmp_path_factory, text, fmt):
    path = tmp_path_factory.mktemp("fuzz") / "model.peer"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run = run_cli("check", "--isolated", "--format", fmt, "--now", "2026-11-21T00:00:00Z", str(path))
    assert run.code in (0, 1, 2), run.err
    assert "Traceback" not in run.err and "internal error" not in run.err + run.out
    if run.code == 2 and fmt == "text":
        assert re.match(r"^\S+:\d+:\d+: error PARSE00\d ", run.err), run.err

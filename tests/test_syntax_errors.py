"""Bad input: a located error in words, exit 2, never a traceback."""

from __future__ import annotations

import pytest
from conftest import run_cli

CASES = [
    (
        "net a { cidr 10.0.0.0/16\n",
        "1:25: error PARSE001 syntax error: unexpected end of file; expected 'account', 'cidr', 'gateway', "
        "'network-acl', 'region', 'route-table', 'security-group', 'subnet', 'vm' or '}'",
    ),
    ("net { }\n", "1:5: error PARSE001 syntax error: unexpected '{'; expected a name"),
    ("net a { cidr 10.0.0.300/16 }\n", "1:14: error PARSE002 invalid IPv4 address '10.0.0.300'"),
    ("net a { cidr 10.0.0.0/40 }\n", "1:14: error PARSE002 invalid prefix length /40: expected 0 to 32 for IPv4"),
    (
        "net a { cidr 10.0.0.0 }\n",
        "1:14: error PARSE002 expected a block with a prefix length (like 10.0.0.0/32), got '10.0.0.0'",
    ),
    ("net a { cidr 2001:db8:::/64 }\n", "1:14: error PARSE002 invalid IPv6 address '2001:db8:::'"),
    (
        "peering p { state bogus }\n",
        "1:19: error PARSE002 unknown peering state 'bogus'; expected one of "
        "initiating, pending-acceptance, provisioning, active, rejected, expired, failed, deleting, deleted, "
        "updating, activated, accepting, creating, initiating-request",
    ),
    (
        "net a { gateway g { kind wormhole } }\n",
        "1:26: error PARSE002 unknown gateway kind 'wormhole'; expected internet, nat, transit, vpn, endpoint or other",
    ),
    (
        "net a { security-group g { type premium } }\n",
        "1:33: error PARSE002 unknown security group type 'premium'; expected basic or enterprise",
    ),
    (
        "provider azure\n",
        "1:10: error PARSE002 unknown provider 'azure'; expected one of aws, outscale, alibaba, generic",
    ),
    (
        "net a { vm v { ip 10.0.0.1/32 } }\n",
        "1:19: error PARSE002 expected an address without a prefix length, got '10.0.0.1/32'",
    ),
    (
        "net a { security-group g { inbound tcp 70000 from any } }\n",
        "1:40: error PARSE002 invalid port 70000: expected 0 to 65535",
    ),
    (
        "net a { security-group g { inbound tcp 443 to any } }\n",
        "1:44: error PARSE001 syntax error: unexpected 'to'; expected 'from'",
    ),
    (
        "assert reach a -> b tcp 443-80\n",
        "1:25: error PARSE002 invalid port range 443-80: the first port is greater than the last",
    ),
    (
        "peering p { created 2026-13-45T10:00:00Z }\n",
        "1:21: error PARSE002 invalid timestamp '2026-13-45T10:00:00Z'; expected ISO 8601 like 2026-11-14T09:30:00Z",
    ),
    (
        "net a { cidr 10.0.0.0/16 } }\n",
        "1:28: error PARSE001 syntax error: unexpected '}'; expected 'assert', 'net', 'peering', 'provider', "
        "'unmodelled' or end of file",
    ),
    ("net a $ { }\n", "1:7: error PARSE001 syntax error: unexpected character '$'; expected '{'"),
    (
        "net a { route-table r { route 10.0.0.0/8 via nat x } }\n",
        "1:46: error PARSE001 syntax error: unexpected 'nat'; expected 'gateway' or 'peering'",
    ),
    (
        "assert connect a -> b\n",
        "1:8: error PARSE001 syntax error: unexpected 'connect'; expected 'reach' or 'isolate'",
    ),
    (
        "net a { security-group g { inbound 300 from any } }\n",
        "1:36: error PARSE002 invalid protocol number 300: expected 0 to 255",
    ),
    (
        "net a { network-acl n { inbound 0 allow all from 0.0.0.0/0 } }\n",
        "1:33: error PARSE002 invalid rule number 0: expected 1 or more",
    ),
    ("net a\x00 { }\n", "1:6: error PARSE001 syntax error: unexpected NUL byte"),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[1].split(" error ")[1][:40] for c in CASES])
def test_located_error(tmp_path, text, expected):
    path = tmp_path / "bad.peer"
    path.write_text(text)
    run = run_cli("check", str(path))
    assert run.code == 2
    first = run.err.splitlines()[0]
    assert first == f"{path}:{expected}"
    # the source line and a caret follow
    assert run.err.splitlines()[2].strip().startswith("| ") and "^" in run.err.splitlines()[2]
    assert "Traceback" not in run.err


def test_errors_in_several_files_are_all_reported(tmp_path):
    (tmp_path / "a.peer").write_text("net a {\n")
    (tmp_path / "b.peer").write_text("net b { cidr 10.0.0.0/99 }\n")
    run = run_cli("check", str(tmp_path))
    assert run.code == 2
    assert "a.peer:1:8: error PARSE001" in run.err
    assert "b.peer:1:14: error PARSE002" in run.err

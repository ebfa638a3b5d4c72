"""Bad input is a located input error (exit 2), never "internal error, a bug in peerproof" (exit 3).

Each case was an internal error: a number Python will not convert (over 4,300 digits), nesting
deeper than Python's stack, NaN and Infinity in JSON, a configuration that cannot be read, an output
that cannot be written, a date at the edge of the calendar, `gen --assertions nan`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

from verifier.commands import graph, imports, matrix

NOW = ("--now", "2026-11-21T00:00:00Z")
HUGE = "9" * 5000  # more digits than Python converts (sys.get_int_max_str_digits(): 4,300)
OUTSCALE = FIXTURES / "imports" / "outscale-api-pending"
MODEL = FIXTURES / "models" / "language-example.peer"


def honest(run, where: str, *words: str) -> None:
    """Exit 2, an error at `where` (file:line:col), saying `words`; no internal error, no echo."""
    assert run.code == 2, (run.code, run.err[:2000])
    assert "internal error" not in run.err and "Traceback" not in run.err, run.err[:2000]
    assert where in run.err, run.err[:2000]
    for word in words:
        assert word in run.err, run.err[:2000]
    assert HUGE[:1000] not in run.err + run.out  # a 5,000-digit number is never echoed whole


def position(text: str, needle: str) -> str:
    """`line:col` (1-based) of the first `needle` in `text`."""
    offset = text.index(needle)
    return f"{text.count(chr(10), 0, offset) + 1}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


# --- numbers too long to convert, in a peer file ------------------------------------------------
PEER = """\
net a {
  cidr 10.0.0.0/PREFIX
  subnet s { cidr 10.0.1.0/24 }
  security-group sg { inbound priority PRIORITY tcp PORTS from 10.0.0.0/8  inbound icmp ICMP from any }
  network-acl n { inbound RULE allow PROTO 22 from 10.0.0.0/8 }
}
assert reach a -> a tcp ASSERTED
"""
VALUES = {"PREFIX": "16", "PRIORITY": "1", "PORTS": "22", "ICMP": "3/4", "RULE": "100", "PROTO": "6", "ASSERTED": "22"}


@pytest.mark.parametrize(
    "field, written, says",
    [
        ("PREFIX", HUGE, "invalid prefix length"),
        ("PRIORITY", HUGE, "invalid priority"),
        ("PORTS", HUGE, "invalid port"),
        ("PORTS", f"1-{HUGE}", "invalid port"),
        ("ICMP", f"3/{HUGE}", "invalid ICMP code"),
        ("RULE", HUGE, "invalid rule number"),
        ("PROTO", HUGE, "invalid protocol number"),
        ("ASSERTED", HUGE, "invalid port"),
    ],
)
def test_a_number_too_long_to_convert_in_a_peer_file_is_a_located_error(tmp_path, field, written, says):
    # Guards: int() of more than 4,300 digits raised ValueError inside the builder: exit 3.
    text = PEER
    for name, value in VALUES.items():
        text = text.replace(name, written if name == field else value)
    model = tmp_path / "huge.peer"
    model.write_text(text)
    run = run_cli("check", "--isolated", *NOW, str(model))
    token = f"10.0.0.0/{written}" if field == "PREFIX" else written  # a block is located whole
    honest(run, f"{model}:{position(text, token)}: error PARSE002 {says}", "(5000 digits)")


def test_a_rule_number_of_more_digits_than_any_value_is_a_located_error(tmp_path):
    # Guards: an ACL rule number has no upper bound but must not reach the engine unconverted.
    model = tmp_path / "rule.peer"
    text = "net a { cidr 10.0.0.0/16\n network-acl n { inbound 1234567890123456789 allow all from 0.0.0.0/0 } }\n"
    model.write_text(text)
    run = run_cli("check", "--isolated", *NOW, str(model))
    where = position(text, "1234567890123456789")
    honest(run, f"{model}:{where}: error PARSE002 invalid rule number 12345678... (19 digits)", "at most 18 digits")


def test_a_long_account_id_is_read_as_written(tmp_path):
    # Guards: an account id is text, never converted: a long one is no internal error.
    model = tmp_path / "account.peer"
    model.write_text(f"net a {{ account {HUGE} cidr 10.0.0.0/16 }}\n")
    run = run_cli("check", "--isolated", *NOW, str(model))
    assert run.code == 0 and "internal error" not in run.err, run.err[:2000]


# --- JSON inputs --------------------------------------------------------------------------------
def outscale_dump(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    """A copy of an Outscale dump with `old` replaced by `new` in its security groups; the file and
    its text."""
    folder = tmp_path / "dump"
    shutil.copytree(OUTSCALE, folder)
    file = folder / "ReadSecurityGroups.json"
    text = file.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    file.write_text(text)
    return file, text


@pytest.mark.parametrize(
    "written, code, says",
    [
        ("NaN", "PARSE001", "invalid JSON: NaN is not a JSON value"),
        ("Infinity", "PARSE001", "invalid JSON: Infinity is not a JSON value"),
        ("-Infinity", "PARSE001", "invalid JSON: -Infinity is not a JSON value"),
        ("1e400", "PARSE002", "the number 1e400 is too large"),
        (HUGE, "PARSE002", "a number of 5000 digits"),
    ],
)
def test_a_number_json_loads_takes_but_no_input_holds_is_a_located_error(tmp_path, written, code, says):
    # Guards: NaN was imported silently; Infinity and 1e400 became float('inf') (OverflowError in the
    # importer); 5,000 digits raised ValueError in json.loads: exit 3 or a wrong model.
    file, text = outscale_dump(tmp_path, '"FromPortRange": 53,', f'"FromPortRange": {written},')
    where = position(text, f" {written},")
    where = where[: where.index(":")] + f":{int(where[where.index(':') + 1 :]) + 1}"  # past the space
    for command in (("check", "--isolated", *NOW), ("import",)):
        run = run_cli(*command, str(file.parent))
        honest(run, f"{file}:{where}: error {code} {says}")


def test_json_nested_a_thousand_deep_is_a_located_error(tmp_path):
    # Guards: RecursionError in json.loads: exit 3.
    file, text = outscale_dump(tmp_path, '"Tags": []', '"Tags": ' + "[" * 1000 + "]" * 1000)
    run = run_cli("check", "--isolated", *NOW, str(file.parent))
    line = position(text, "[[[").split(":")[0]
    honest(run, f"{file}:{line}:", "error PARSE002 the JSON nests", "levels deep here, more than peerproof reads")


# --- configuration ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, where, says",
    [
        ("timeout = " + "[" * 1000 + "]" * 1000 + "\n", "1:1010", "invalid TOML: nested 1000 levels deep"),
        (f"timeout = {HUGE}\n", "1:11", "invalid TOML: a number of more than 4300 digits"),
        (b"timeout = 1\n# caf\xe9\n", "2:6", "not UTF-8: byte 0xe9"),
    ],
    ids=["nested", "long-number", "not-utf8"],
)
def test_a_malformed_configuration_is_a_located_error(tmp_path, monkeypatch, content, where, says):
    # Guards: RecursionError and ValueError from tomllib were exit 3; bytes that are not UTF-8 were
    # read as U+FFFD and their values judged as if written so.
    config = tmp_path / "peerproof.toml"
    config.write_bytes(content if isinstance(content, bytes) else content.encode())
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for given in (("--config", str(config)), ()):  # named, and found
        run = run_cli("check", *given, *NOW, str(MODEL))
        honest(run, f"peerproof.toml:{where}: error CONFIG001 {says}")  # shown from the working directory


def test_a_configuration_that_is_a_directory_is_a_usage_error(tmp_path):
    # Guards: --config DIR said "no such configuration file" of a directory that is there.
    folder = tmp_path / "peerproof.toml"
    folder.mkdir()
    run = run_cli("check", "--config", str(folder), *NOW, str(MODEL))
    honest(run, f"argument --config: {folder} is a directory", "expected a peerproof.toml or pyproject.toml")


def test_an_unreadable_configuration_is_a_located_error(tmp_path, monkeypatch):
    # Guards: a configuration that cannot be read (permissions) is said, with its path.
    from verifier.language import parse

    config = tmp_path / "peerproof.toml"
    config.write_text("timeout = 1\n")

    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(parse, "read_file", denied)  # as for any user: root reads a 0000 file
    run = run_cli("check", "--config", str(config), *NOW, str(MODEL))
    honest(run, f"{config}:1:1: error CONFIG001 cannot read the configuration file: Permission denied")


# --- outputs ------------------------------------------------------------------------------------
def writes(tmp_path: Path) -> dict[str, tuple[str, ...]]:
    """Each command that writes a file, and its arguments but the target."""
    return {
        "import": ("import", str(OUTSCALE), "-o"),
        "matrix": ("matrix", "--isolated", *NOW, str(MODEL), "-o"),
        "graph": ("graph", "--isolated", *NOW, str(MODEL), "-o"),
        "write-baseline": ("check", "--isolated", *NOW, str(MODEL), "--write-baseline"),
    }


@pytest.mark.parametrize("command", ["import", "matrix", "graph", "write-baseline"])
@pytest.mark.parametrize(
    "target, why",
    [
        ("folder.svg", "it is a directory"),
        ("missing/out.svg", "no such directory: {tmp}/missing"),
        ("file/out.svg", "{tmp}/file is not a directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_said_before_any_work(tmp_path, command, target, why):
    # Guards: IsADirectoryError, FileNotFoundError, NotADirectoryError at the write: exit 3.
    (tmp_path / "folder.svg").mkdir()
    (tmp_path / "file").write_text("")
    path = tmp_path / target
    option = "--write-baseline" if command == "write-baseline" else "-o/--output"
    run = run_cli(*writes(tmp_path)[command], str(path))
    honest(run, f"argument {option}: cannot write {path}: {why.format(tmp=tmp_path)}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
@pytest.mark.parametrize("command", ["import", "matrix", "graph", "write-baseline"])
def test_an_output_in_a_read_only_directory_is_a_usage_error(tmp_path, command):
    # Guards: PermissionError at the write: exit 3.
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        run = run_cli(*writes(tmp_path)[command], str(folder / "out.svg"))
    finally:
        folder.chmod(0o755)
    honest(run, f"cannot write {folder / 'out.svg'}: the directory {folder} is not writable")


@pytest.mark.parametrize("module", [imports, matrix, graph])
def test_an_output_that_fails_when_written_is_an_input_error(tmp_path, monkeypatch, module):
    # Guards: a write that fails after the target was checked (a race, a full disk): exit 3.
    monkeypatch.setattr(module, "output_file", lambda text: text)  # the check passes; the write fails
    target = tmp_path / "folder.svg"
    target.mkdir()
    command = {imports: "import", matrix: "matrix", graph: "graph"}[module]
    run = run_cli(*writes(tmp_path)[command], str(target))
    honest(run, f"peerproof: error: cannot write {target}: Is a directory")


def test_a_baseline_that_fails_when_written_is_an_input_error_and_leaves_nothing(tmp_path, monkeypatch):
    # Guards: a --write-baseline that fails at the write: exit 3, and a half-written baseline.
    from verifier.commands import check

    monkeypatch.setattr(check, "output_file", lambda text: text)
    target = tmp_path / "baseline.json"
    target.mkdir()
    run = run_cli(*writes(tmp_path)["write-baseline"], str(target))
    honest(run, f"{target}:1:1: error BASE002 cannot write baseline: Is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]  # no temporary left


def test_a_baseline_is_replaced_whole(tmp_path):
    # Guards: the baseline is written beside and renamed over the old one, as a new file would be.
    target = tmp_path / "baseline.json"
    target.write_text("old")
    run = run_cli(*writes(tmp_path)["write-baseline"], str(target))
    assert run.code == 0 and '"version": 2' in target.read_text(), run.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]


def test_gen_into_a_path_under_a_file_is_an_input_error(tmp_path):
    # Guards: NotADirectoryError from mkdir: exit 3.
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "estate"
    run = run_cli("gen", "--nets", "2", "-o", str(target))
    honest(run, f"peerproof: error: cannot write {target}: Not a directory")


NET_A = """\
net a {
  cidr 10.0.0.0/16
  subnet sa { cidr 10.0.1.0/24 }
  security-group a-sg { outbound tcp 443 to 10.2.0.0/16 }
  vm a-1 { subnet sa  ip 10.0.1.10  groups a-sg }
}
"""
NET_C = """\
net c {
  cidr 10.2.0.0/16
  subnet sc { cidr 10.2.1.0/24 }
  security-group c-sg { inbound tcp 443 from 10.0.0.0/16 }
  vm c-1 { subnet sc  ip 10.2.1.10  groups c-sg }
}
"""


def test_why_fix_in_a_read_only_directory_writes_nothing(tmp_path, monkeypatch):
    # Guards: `why --fix` where the directory of the file cannot be written (rewrite.py checks it).
    from verifier.project import rewrite as rewriting

    a, c = tmp_path / "a.peer", tmp_path / "c.peer"
    a.write_text(NET_A)
    c.write_text(NET_C)
    real = os.access
    folder = str(tmp_path.resolve())
    monkeypatch.setattr(rewriting.os, "access", lambda p, mode: False if str(p) == folder else real(p, mode))
    run = run_cli("why", "--isolated", *NOW, "a-1", "c-1", "--port", "443", str(tmp_path), "--fix")
    honest(run, "peerproof: no fix written: the directory of", "is not writable; nothing was written")
    assert a.read_text() == NET_A and c.read_text() == NET_C


# --- dates at the edges of the calendar ---------------------------------------------------------
PENDING = """\
net a {{ account 1  cidr 10.0.0.0/16 }}
net b {{ account 2  cidr 10.1.0.0/16 }}
peering p {{ requester a  accepter b  state pending-acceptance  created {created} }}
"""


@pytest.mark.parametrize("now", ["2026-11-21T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_a_request_of_year_one_has_expired(tmp_path, now):
    # Guards: the 7-day expiry computed at the edge of the calendar (OverflowError: exit 3).
    model = tmp_path / "old.peer"
    model.write_text(PENDING.format(created="0001-01-01T00:00:00Z"))
    run = run_cli("check", "--isolated", "--now", now, str(model))
    assert run.code == 0 and "internal error" not in run.err, run.err
    assert "PEER006 peering 'p' was not accepted within 7 days: it expired at 0001-01-08T00:00:00Z" in run.out


@pytest.mark.parametrize(
    "created, says",
    [
        ("9999-12-31T23:59:59Z", "a request made then would expire 7 days later, after the end of year 9999"),
        ("9999-12-24T23:59:59-01:00", "a request made then would expire 7 days later, after the end of year 9999"),
        ("0001-01-01T00:00:00+01:00", "it falls outside years 1 to 9999 in UTC"),
    ],
)
def test_a_request_whose_expiry_leaves_the_calendar_is_a_located_error(tmp_path, created, says):
    # Guards: created + 7 days overflowed datetime (OverflowError in the rules): exit 3.
    model = tmp_path / "late.peer"
    text = PENDING.format(created=created)
    model.write_text(text)
    for now in ("2026-11-21T00:00:00Z", "9999-12-31T23:59:59Z"):
        run = run_cli("check", "--isolated", "--now", now, str(model))
        honest(run, f"{model}:{position(text, created)}: error PARSE002 invalid timestamp {created}: {says}")


def test_a_now_outside_the_calendar_in_utc_is_a_usage_error():
    # Guards: --now that cannot be expressed in UTC reaching the arithmetic of the rules.
    run = run_cli("check", "--isolated", "--now", "0001-01-01T00:00:00+01:00", str(MODEL))
    honest(run, "argument --now: invalid timestamp", "outside years 1 to 9999 in UTC")


# --- gen ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "1e400", "101", "many"])
def test_gen_assertions_outside_0_to_100_is_a_usage_error(tmp_path, value):
    # Guards: float('nan') and float('inf') reached int(): ValueError, OverflowError, exit 3.
    run = run_cli("gen", "--nets", "2", f"--assertions={value}", "-o", str(tmp_path / "estate"))
    honest(run, f"argument --assertions: expected a number from 0 to 100, got '{value}'")
    assert not (tmp_path / "estate").exists()


def test_json_that_json_loads_takes_but_too_deep_for_the_readers_is_an_input_error(tmp_path):
    # Found by benchmarks/fuzz.py: a value 600 levels deep passes json.loads, then overflowed the
    # Terraform reader's walk (RecursionError, exit 3).
    state = {
        "version": 4,
        "terraform_version": "1.9.8",
        "resources": [
            {
                "mode": "managed",
                "type": "aws_vpc",
                "name": "main",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{"attributes": {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "tags": "@@"}}],
            }
        ],
    }
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(state).replace('"@@"', "[" * 600 + "]" * 600))
    run = run_cli("check", "--isolated", str(path))
    assert run.code == 2, run.err
    assert "PARSE002" in run.err and "internal error" not in run.err

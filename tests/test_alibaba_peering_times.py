"""A pending Alibaba peering's expiry (`GmtExpired`, else `GmtCreate` + 7 days) at the ends of the
calendar: read, or said and read without it, never a traceback (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from test_import_alibaba_api import printed, responses

NOW = ("--isolated", "--now", "2026-11-21T12:00:00Z")
ESTATE = FIXTURES / "imports" / "alibaba-api-two-accounts"
PENDING = "pcc-90n0mi5h4aaa6ocfqs9d2"  # Accepting in both accounts' responses
LISTS = ("network-list-vpc-peer-connections.json", "partner-list-vpc-peer-connections.json")


def dump(tmp_path: Path, **times: str) -> Path:
    folder = responses(ESTATE, tmp_path)
    for name in LISTS:
        document = json.loads((folder / name).read_text())
        for peering in document["VpcPeerConnects"]:
            if peering["InstanceId"] == PENDING:
                peering.update(times)
        (folder / name).write_text(printed(document))
    return folder


def peering_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"peering {PENDING} "))


@pytest.mark.parametrize(
    "times",
    [
        {"GmtExpired": "0001-01-01T00:00:00Z"},  # its request would have been made before year 1
        {"GmtExpired": "0001-01-03T00:00:00+05:00"},  # the same, past an offset
        {"GmtExpired": "9999-12-31T23:59:59-05:00"},  # in UTC, year 10000
        {"GmtExpired": "", "GmtCreate": "0001-01-01T00:00:00+01:00"},  # in UTC, year 0 (was exit 3)
        {"GmtExpired": "", "GmtCreate": "9999-12-30T00:00:00Z"},  # expires after year 9999
    ],
)
def test_a_hostile_expiry_is_said_and_read_without_it(tmp_path, times):
    folder = dump(tmp_path, **times)
    run = run_cli("import", str(folder))
    assert run.code == 0, run.err
    assert "state pending-acceptance }" in peering_line(run.out)  # no `created`: no expiry
    said = [line for line in run.err.splitlines() if PENDING in line and "IMP001" in line]
    assert said and "outside the years 1-9999" in said[0] and "read without its expiry" in said[0]
    name, line = said[0].split(":")[0:2]
    assert Path(name).name in LISTS and int(line) >= 1  # at the value in the response
    check = run_cli("check", *NOW, str(folder))
    assert check.code in (0, 1), check.err


@pytest.mark.parametrize(
    "times, created",
    [
        ({"GmtExpired": "9999-12-31T23:59:59Z"}, "9999-12-24T23:59:59Z"),
        ({"GmtExpired": "0001-01-08T00:00:00Z"}, "0001-01-01T00:00:00Z"),
        ({"GmtExpired": "2026-11-26T11:15:42+08:00"}, "2026-11-19T03:15:42Z"),
        ({"GmtExpired": "", "GmtCreate": "2026-11-19T03:15:42Z"}, "2026-11-19T03:15:42Z"),
    ],
)
def test_an_expiry_within_the_calendar_is_read(tmp_path, times, created):
    run = run_cli("import", str(dump(tmp_path, **times)))
    assert run.code == 0, run.err
    assert f"created {created} }}" in peering_line(run.out)

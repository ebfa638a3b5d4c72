"""benchmarks/hostile_tfstate.py writes states that import whole: the benchmark's input stays valid.

The times are the benchmark's (issue 14, item 8: a raw state of 10,000 resources); here a small one
is generated in both forms and imported, so that the generator cannot rot into measuring errors.
"""

from __future__ import annotations

import sys

from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "benchmarks"))
import hostile_tfstate  # noqa: E402


def test_the_generated_state_imports_whole_in_both_forms(tmp_path):
    assert hostile_tfstate.main(["-o", str(tmp_path / "raw"), "--size", "200"]) == 0
    assert hostile_tfstate.main(["-o", str(tmp_path / "shown"), "--size", "200", "--show-json"]) == 0
    raw = run_cli("import", str(tmp_path / "raw" / "terraform.tfstate"))
    shown = run_cli("import", str(tmp_path / "shown" / "state.json"))
    assert raw.code == shown.code == 0, raw.err + shown.err
    assert raw.err == shown.err == ""  # nothing left out: every resource is read
    body = lambda run: run.out.split("\n", 1)[1]  # noqa: E731 (past the heading that names the file)
    assert body(raw) == body(shown)
    assert body(raw).count("\nnet ") == 10 and body(raw).count("  vm ") == 60
    assert body(raw).count("\npeering ") == 9

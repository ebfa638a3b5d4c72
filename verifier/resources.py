"""Locate the grammar and the rule catalog, in a wheel or in a source checkout.

The repository keeps `grammar/` and `rules/` at its top (the user's layout);
the wheel ships them inside the package. Both places are looked up here, so
nothing else needs to know how peerproof was installed.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The directory `name` (grammar or rules): inside the package, else beside it."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"peerproof is incomplete: no {name}/ directory near {_PACKAGE_DIR}")


@cache
def grammar_text() -> str:
    return (resource_dir("grammar") / "peer.lark").read_text(encoding="utf-8")


@cache
def rules_package() -> ModuleType:
    """Import the rule catalog as the package `verifier.rules`, wherever it lies."""
    if "verifier.rules" in sys.modules:
        return sys.modules["verifier.rules"]
    directory = resource_dir("rules")
    spec = importlib.util.spec_from_file_location(
        "verifier.rules", directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["verifier.rules"] = module
    spec.loader.exec_module(module)
    return module

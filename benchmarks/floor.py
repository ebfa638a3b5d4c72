"""The floor of reading a model: `peerproof stats` with nothing parsed. Not a test: a measurement.

    python benchmarks/floor.py --dump ESTATE VALUES.json   # parse once, keep the declarations' values
    python benchmarks/floor.py VALUES.json                  # the floor: a fresh process

The second form is what `stats` would cost if reading a file were free: the process starts, imports
what `stats` imports, makes the model's objects from their values (JSON, one object per value of the
model's own classes) and counts them as `stats` does. `benchmarks/run.py` runs it beside `stats`;
`stats / floor` says how much of reading is the parse itself.

This is benchmark code only: peerproof keeps nothing between runs (the parse cache that once served
as this floor was removed when parsing became as fast as making the objects from a cache).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.commands.stats import stats_of  # noqa: E402  (the same imports `stats` makes)
from verifier.language import model  # noqa: E402
from verifier.language.build import model_of  # noqa: E402

CLASSES = {name: cls for name, cls in vars(model).items() if isinstance(cls, type) and dataclasses.is_dataclass(cls)}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"@": "datetime", "v": value.isoformat()}
    if type(value).__name__ in CLASSES:
        return {"@": type(value).__name__, "v": [getattr(value, f.name) for f in dataclasses.fields(value) if f.init]}
    raise TypeError(f"{type(value).__name__} is not a value of the model")


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _decode(document: dict[str, Any]) -> Any:
    name = document.get("@")
    if name is None:
        return document
    if name == "datetime":
        return datetime.fromisoformat(document["v"])
    return CLASSES[name](*(_tuples(v) for v in document["v"]))


def dump(estate: str, out: str) -> None:
    from verifier.commands.check import load_model
    from verifier.project.config import Config

    built = load_model([estate], Config()).model
    declarations = [*built.providers, *built.nets, *built.peerings, *built.assertions, *built.gaps]
    Path(out).write_text(json.dumps({"files": built.files, "declarations": declarations}, default=_encode))


def floor(values: str) -> None:
    document = json.loads(Path(values).read_text(), object_hook=_decode)
    built = model_of(document["declarations"], document["files"])
    counts = stats_of(built)
    sys.stdout.write(f"provider {built.provider}\n")
    sys.stdout.write("".join(f"{key.replace('_', ' ')} {value}\n" for key, value in counts.items()))


if __name__ == "__main__":
    if sys.argv[1] == "--dump":
        dump(sys.argv[2], sys.argv[3])
    else:
        floor(sys.argv[1])

"""Configuration: `[tool.peerproof]` in pyproject.toml, or a peerproof.toml (or .peerproof.toml); CLI
flags override.

Unknown keys, unknown codes and ill-typed values are input errors (exit 2),
located at the key in the file, with "did you mean".
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.language.model import PROVIDERS, Severity, Span
from verifier.language.parse import deepest_bracket

KEYS = ("select", "ignore", "severity", "provider", "fail-on", "timeout", "rlimit", "paths", "exclude", "tf-root")
SEVERITIES = ("error", "warning", "info")
FAIL_ON = ("error", "warning")


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()  # codes or code prefixes; empty: every code
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()  # per-code overrides
    provider: str | None = None  # the provider when the model declares none
    fail_on: str = "error"
    timeout: int | None = None
    rlimit: int | None = None
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_mb: int | None = None  # command line only: the size limit of one file
    tf_root: str | None = None  # the Terraform configuration directory: findings point at .tf lines
    source: str | None = None  # the file it was read from
    # Where each key was written, for messages (key -> span)
    spans: dict[str, Span] = field(default_factory=dict, compare=False)

    def limits(self):
        """The solver limits this configuration sets (the defaults where it sets none)."""
        from verifier.engine.limits import Limits

        return Limits(**{k: v for k, v in (("timeout_ms", self.timeout), ("rlimit", self.rlimit)) if v is not None})

    def severity_of(self, code: str) -> Severity | None:
        return dict(self.severity).get(code)

    def selects(self, code: str) -> bool:
        chosen = not self.select or any(code.startswith(p) for p in self.select)
        return chosen and not any(code.startswith(p) for p in self.ignore)

    def merged(self, **overrides: Any) -> "Config":
        """This configuration with the flags the user gave on the command line."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


# A configuration file is small: one larger than this is refused rather than read.
MAX_CONFIG_BYTES = 1024 * 1024


# The configuration files of peerproof's own, read alike: the hidden one keeps a project's top
# directory tidy (as `.ruff.toml` beside `ruff.toml`).
OWN_FILES = ("peerproof.toml", ".peerproof.toml")


def discover(start: Path) -> Path | None:
    """The nearest peerproof.toml or .peerproof.toml, or pyproject.toml with [tool.peerproof], from
    `start` upwards. A file there that is not to be read (`load` refuses it) is found all the same:
    `load` says why. Both of peerproof's own files in one directory is an error (CONFIG001): whichever
    won, the other would be ignored without a word."""
    for directory in (start, *start.parents):
        own = [directory / name for name in OWN_FILES if _there(directory / name)]
        if len(own) > 1:
            message = f"both {OWN_FILES[0]} and {OWN_FILES[1]} are here; keep one (they are read alike)"
            shown = os.path.relpath(own[1])
            raise InputError(
                [report("CONFIG001", message, Span.start(str(own[1]) if shown.startswith("..") else shown))]
            )
        if own:
            return own[0]
        project = directory / "pyproject.toml"
        if _there(project):
            try:
                text = _read(project)
            except InputError:
                return project
            if _holds_settings(text):
                return project
        if (directory / ".git").exists():
            return None
    return None


def _holds_settings(text: str) -> bool:
    """Whether a pyproject.toml's `text` has a `tool.peerproof` table, however TOML spells it: a
    header (`[tool.peerproof]`, `[ tool . "peerproof" ]`), dotted keys (`tool.peerproof.select = …`)
    or an inline table (`[tool]` then `peerproof = {…}`). TOML that does not read is ours when it
    names peerproof at all (`load` then says where it is wrong), another tool's problem otherwise."""
    import tomllib  # loaded where a file is read: most runs have none

    try:
        tool = tomllib.loads(text).get("tool")
    except (ValueError, RecursionError):  # TOMLDecodeError, an over-long integer; nested too deep
        return re.search(r"\bpeerproof\b", text) is not None
    return isinstance(tool, dict) and "peerproof" in tool


def _there(path: Path) -> bool:
    """Whether something other than a directory is at `path` (a pipe, a link out: `load` refuses it)."""
    return path.is_symlink() or (path.exists() and not path.is_dir())


def _read(path: Path) -> str:
    """The text of the configuration file `path`, read as an input is (`parse.read_file`): a regular
    file, none the kernel serves, at most MAX_CONFIG_BYTES; a link only to a file in the directory that
    holds it (or below). CONFIG001 otherwise, showing nothing of it."""
    from verifier.language.parse import LINK_OUT, Refused, read_file, refusal

    try:
        why = refusal(path, path.parent.resolve())
        if why:
            raise Refused("a link to a file outside its directory is not followed" if why == LINK_OUT else why)
        data = read_file(path, MAX_CONFIG_BYTES, "a configuration file is small")
    except Refused as exc:
        message = f"configuration file not read: {exc}"
    except IsADirectoryError:
        message = "cannot read the configuration file: it is a directory"
    except OSError as exc:
        message = f"cannot read the configuration file: {exc.strerror or exc}"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:  # TOML is UTF-8: say where, rather than read a guess
            line = data.count(b"\n", 0, exc.start) + 1
            column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8")) + 1
            where = Span(str(path), line, column, line, column + 1)
            raise InputError(
                [report("CONFIG001", f"not UTF-8: byte 0x{data[exc.start]:02x}; TOML files are UTF-8", where)]
            ) from None
    raise InputError([report("CONFIG001", message, Span.start(str(path)))])


def load(path: Path, known_codes: set[str]) -> Config:
    text = _read(path)
    where = _Locator(str(path), text, "tool.peerproof" if path.name == "pyproject.toml" else None)
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 1) or 1
        column = getattr(exc, "colno", 1) or 1
        raise InputError(
            [
                report(
                    "CONFIG001",
                    f"invalid TOML: {exc.msg if hasattr(exc, 'msg') else exc}",
                    Span(str(path), line, column, line, column + 1),
                )
            ]
        ) from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise InputError([_too_deep(path, text)]) from None
    except ValueError:  # an integer of more than 4,300 digits: Python does not convert it
        error = _long_number(path, text)
        if error is None:
            raise  # not the file's: a bug of peerproof's
        raise InputError([error]) from None
    table = _peerproof_table(path, text, document) if path.name == "pyproject.toml" else document
    return _validate(table, where, known_codes)


def _peerproof_table(path: Path, text: str, document: dict[str, Any]) -> dict[str, Any]:
    """pyproject.toml's `tool.peerproof` table ({} when there is none); CONFIG001 where `tool` or
    `tool.peerproof` is written as something other than a table (`tool = 1`)."""
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        where = _Locator(str(path), text, None).span("tool")
        raise InputError([report("CONFIG001", f"'tool' must be a table ([tool.peerproof]), not {_kind(tool)}", where)])
    table = tool.get("peerproof", {})
    if not isinstance(table, dict):
        where = _Locator(str(path), text, None).span("tool.peerproof")  # dotted: `tool.peerproof = 1`
        if where.end_column == where.column:  # not written so: under `[tool]` (or inline)
            where = _Locator(str(path), text, "tool").span("peerproof")
        message = f"'tool.peerproof' must be a table ([tool.peerproof]), not {_kind(table)}"
        raise InputError([report("CONFIG001", message, where)])
    return table


def _kind(value: Any) -> str:
    """What a TOML value is, in TOML's words."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "a date or time"


# What a located TOML error is looked for among: strings and comments (skipped whole), brackets,
# decimal integers. Scanned only when reading failed.
_TOML_SCAN = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[{\]}]|[+-]?[0-9][0-9_]*'
)


def _too_deep(path: Path, text: str) -> Diagnostic:
    """CONFIG001 at the deepest bracket of `text`."""
    deepest, where = deepest_bracket(_TOML_SCAN.finditer(text))
    return _at(path, text, where, f"invalid TOML: nested {deepest} levels deep here, more than peerproof reads")


def _long_number(path: Path, text: str) -> Diagnostic | None:
    """CONFIG001 at the first integer longer than Python converts; None when there is none."""
    limit = sys.get_int_max_str_digits()
    numbers = (m for m in _TOML_SCAN.finditer(text) if m.group()[0] in "+-0123456789")
    found = next((m for m in numbers if len(m.group().lstrip("+-").replace("_", "")) > limit), None)
    if found is None:
        return None
    return _at(path, text, found, f"invalid TOML: a number of more than {limit} digits")


def _at(path: Path, text: str, found: re.Match[str] | None, message: str) -> Diagnostic:
    offset, end = (found.start(), found.end()) if found is not None else (0, 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return report("CONFIG001", message, Span(str(path), line, column, line, column + min(end - offset, 40)))


def _validate(table: dict[str, Any], where: "_Locator", known: set[str]) -> Config:
    from verifier.catalog import did_you_mean

    errors: list[Diagnostic] = []

    def error(key: str, message: str, needle: str | None = None) -> None:
        errors.append(report("CONFIG001", message, where.span(key, needle)))

    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            error(key, f"unknown configuration key '{key}'{did_you_mean(key, KEYS)}")
            continue
        if key in ("select", "ignore", "paths", "exclude"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                error(key, f"'{key}' must be a list of strings")
                continue
            if key in ("select", "ignore"):
                for code in value:
                    if not any(c.startswith(code) for c in known) or not code:
                        error(key, f"unknown code '{code}' in '{key}'{did_you_mean(code, known)}", code)
            values[key.replace("-", "_")] = tuple(value)
        elif key == "severity":
            if not isinstance(value, dict):
                error(key, '\'severity\' must be a table of CODE = "error" | "warning" | "info"')
                continue
            pairs = []
            for code, level in value.items():
                if code not in known:
                    error(key, f"unknown code '{code}' in 'severity'{did_you_mean(code, known)}", code)
                elif level not in SEVERITIES:
                    error(key, f"severity of {code} must be one of {', '.join(SEVERITIES)}, not {level!r}", code)
                else:
                    pairs.append((code, level))
            values["severity"] = tuple(sorted(pairs))
        elif key == "provider":
            if value not in PROVIDERS:
                error(key, f"'provider' must be one of {', '.join(PROVIDERS)}, not {value!r}")
            values["provider"] = value
        elif key == "fail-on":
            if value not in FAIL_ON:
                error(key, f"'fail-on' must be one of {', '.join(FAIL_ON)}, not {value!r}")
            values["fail_on"] = value
        elif key == "tf-root":
            if not isinstance(value, str) or not value:
                error(key, "'tf-root' must be a directory path (a string)")
                continue
            base = Path(where.file).parent
            values["tf_root"] = str(base / value) if not Path(value).is_absolute() else value
        elif key in ("timeout", "rlimit"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                error(key, f"'{key}' must be a whole number (milliseconds for timeout)")
            values[key] = value
    if errors:
        raise InputError(errors)
    return Config(**values, source=where.file, spans={k: where.span(k) for k in table})


class _Locator:
    """Finds the line of a key (and of a value inside it) in the TOML text, for located errors."""

    def __init__(self, file: str, text: str, section: str | None):
        self.file = file
        self.lines = text.splitlines()
        self.start = 0
        if section:
            # The header however it is spaced or quoted: `[ tool . "peerproof" ]  # comment`
            dotted = r"\s*\.\s*".join(
                rf"(?:{re.escape(p)}|\"{re.escape(p)}\"|'{re.escape(p)}')" for p in section.split(".")
            )
            header = re.compile(rf"^\s*\[\s*{dotted}\s*\]\s*(?:#.*)?$")
            self.start = next((i for i, line in enumerate(self.lines) if header.match(line)), 0)

    def span(self, key: str, needle: str | None = None) -> Span:
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for index in range(self.start, len(self.lines)):
            line = self.lines[index]
            if index > self.start and line.lstrip().startswith("["):
                break
            if pattern.match(line):
                if needle:
                    for probe in range(index, min(index + 20, len(self.lines))):
                        column = self.lines[probe].find(needle)
                        if column >= 0:
                            return Span(self.file, probe + 1, column + 1, probe + 1, column + 1 + len(needle))
                column = line.find(key)
                return Span(self.file, index + 1, column + 1, index + 1, column + 1 + len(key))
        # A sub-table (`[tool.peerproof.severity]`): the header, then the value inside it.
        for index, line in enumerate(self.lines):
            if re.match(rf"^\s*\[[^\]]*\b{re.escape(key)}\]\s*$", line):
                if needle:
                    for probe in range(index, len(self.lines)):
                        column = self.lines[probe].find(needle)
                        if column >= 0:
                            return Span(self.file, probe + 1, column + 1, probe + 1, column + 1 + len(needle))
                return Span(self.file, index + 1, 1, index + 1, len(line) + 1)
        return Span(self.file, self.start + 1, 1, self.start + 1, 1)

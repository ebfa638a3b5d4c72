"""Read peer files and parse them (the fast path of `fast`, Lark's parser where it gives up); turn
Lark's failures into located errors."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, cast

from verifier.catalog import report
from verifier.diagnostics import Diagnostic, InputError
from verifier.language.model import Span
from verifier.resources import grammar_text

if TYPE_CHECKING:
    from lark import Lark, Token
    from lark.exceptions import UnexpectedInput
    from pathspec import GitIgnoreSpec

    from verifier.language.transform import Builder

PEER_SUFFIX = ".peer"
# Files larger than this are refused with a clear error rather than parsed for
# minutes (the parser takes about 20 us a token). A 1,000-net estate is about
# 6 MB in all; --max-file-size raises the limit.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Every input of a run together, peer files, plans, states and dumps, is refused above this before
# any of it is read (stat only): sixteen files at the limit a file. What is read stays in memory,
# a JSON state several times over as Python objects, and a CI runner has a few GiB. Not a
# configuration key: a pull request must not be able to raise it.
MAX_TOTAL_BYTES = 256 * 1024 * 1024

# What each named terminal is, in words, for "expected ..." messages.
TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "PORT_RANGE": "a port range",
    "ICMP_TYPE_CODE": "an ICMP type and code",
    "ICMPV6": "a protocol (icmpv6)",
    "ADDR": "an address or block",
    "TIMESTAMP": "a timestamp (2026-11-14T09:30:00Z)",
    "ACTION": "'allow' or 'deny'",
    "ASSERT_KIND": "'reach' or 'isolate'",
    "PROTO_NAME": "a protocol (tcp, udp, icmp, icmpv6, all or a number)",
    "MAIN": "'main'",
    "DROP": "'drop'",
    "ANY": "'any'",
    "$END": "end of file",
}


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str


@cache
def grammar_digest() -> str:
    import hashlib  # only for Lark's stored table, read for a file with a syntax error: ~4 ms to import

    return hashlib.sha256(grammar_text().encode()).hexdigest()


# The terminals the grammar declares by name (NAME, ADDR, MAIN...): a parse tree keeps their
# tokens, and leaves out the others (keywords, braces, `->`).
_DECLARED = re.compile(r"^([A-Z][A-Z0-9_]*)(?:\.[0-9]+)?\s*:", re.MULTILINE)


# How the parser is made; part of both stored tables' stamps (a change of any of them builds afresh).
_LARK_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "keep_all_tokens": True,
    "maybe_placeholders": True,
}
# Lark's LALR tables of the grammar, computed once and shipped with peerproof (`write_table`), beside
# the fast path's own (`fast.TABLE_PATH`, which reads every file without Lark): Lark is built only
# to read a file with a syntax error again and word its error, and from this table that costs 20 ms
# rather than 0.1 s. Plain JSON, read back by Lark's own deserializer, which makes objects of its
# grammar classes only: nothing in it can run code. It is part of the installed package, never a
# cache written at run time; a table whose stamp (grammar, Lark version, options) differs from the
# running one is not used.
TABLE_PATH = Path(__file__).with_name("peer_table.json")


def table_stamp() -> str:
    """What the stored table must have been made from: the grammar, Lark's version and the options."""
    import hashlib

    import lark

    options = ",".join(f"{k}={v}" for k, v in sorted(_LARK_OPTIONS.items()))
    return hashlib.sha256(f"{grammar_digest()}\0{lark.__version__}\0{options}".encode()).hexdigest()


@cache
def parser() -> "Lark":
    """The LALR parser, building the model as it reduces (`transform.reductions`): no parse tree.
    Every token is kept so that each reduction knows where its keyword starts. Made from the stored
    table where it is current, else from the grammar."""
    from verifier.language.transform import reductions

    callbacks = reductions(set(_DECLARED.findall(grammar_text())))
    lark = _stored(callbacks) or _built(callbacks)
    missing = {r.alias or r.origin.name for r in lark.rules if not str(r.origin.name).startswith("_")} - set(
        vars(type(callbacks))
    )
    if missing:  # a rule would come back as a tree: a bug in peerproof, not in the input
        raise NotImplementedError(f"no model mapping for grammar rule(s) {', '.join(sorted(map(str, missing)))}")
    return lark


def _built(callbacks: object) -> "Lark":
    from lark import Lark  # imported on first use: a fully cached model never needs it

    return Lark(grammar_text(), **_LARK_OPTIONS, lexer_callbacks={"NAME": _unquote}, transformer=callbacks)


def _stored(callbacks: object) -> "Lark | None":
    """The parser made from the stored table, or None where there is none or it is not current."""
    import json

    from lark import Lark

    try:
        document = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("stamp") != table_stamp():
        return None
    try:
        table = _restored(document["table"])
        return Lark._load_from_dict(  # type: ignore[no-any-return]
            table["data"], table["memo"], lexer_callbacks={"NAME": _unquote}, transformer=callbacks
        )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # not a table Lark wrote
        return None


def table_document() -> dict[str, Any]:
    """The table to store: the parser built from the grammar, serialized by Lark, in plain JSON."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    built = _built(None)
    data, memo = built.memo_serialize([TerminalDef, Rule])
    # What is given at load, not stored: the callbacks are code.
    data["options"] = {k: v for k, v in data["options"].items() if k not in ("transformer", "lexer_callbacks")}
    return {"stamp": table_stamp(), "table": _plain({"data": data, "memo": memo})}


def write_table() -> None:
    """Store the tables (after a change of the grammar or of Lark: `python -m verifier.language.parse`):
    Lark's, for a file with a syntax error, and the fast path's (`fast.TABLE_PATH`), for every file.
    Lark numbers its states in an order that varies from run to run: two of its tables of one grammar
    differ in their numbers, not in what they parse; the fast path's table numbers them in one order."""
    import json

    from verifier.language import fast, fast_table

    TABLE_PATH.write_text(json.dumps(table_document(), sort_keys=True, separators=(",", ":")) + "\n")
    declared = set(_DECLARED.findall(grammar_text()))
    document = fast_table.document(_built(None), declared, fast.made_from())
    fast.TABLE_PATH.write_text(json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n")


def _plain(value: Any) -> Any:
    """`value` as JSON holds it: a mapping with keys other than strings (Lark's states are numbers) as
    a list of pairs under "#"."""
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and "#" not in value:
            return {k: _plain(v) for k, v in value.items()}
        return {"#": [[k, _plain(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _restored(value: Any) -> Any:
    if isinstance(value, dict):
        if "#" in value:
            return {k: _restored(v) for k, v in value["#"]}
        return {k: _restored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restored(v) for v in value]
    return value


def _unquote(token: "Token") -> "Token":
    """A quoted name is the text between its quotes (its position still covers the quotes)."""
    if token.value[:1] in ("'", '"'):
        return token.update(value=token.value[1:-1])
    return token


def discover(paths: list[str]) -> list[str]:
    """Peer files to read: each file as given (`refusal` says which never are), and every *.peer file
    a scan of each directory reads."""
    found: list[str] = []
    errors: list[Diagnostic] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(str(p) for p in scan(path).files if p.suffix == PEER_SUFFIX)
        elif path.is_file():
            why = refusal(path, Path.cwd().resolve())
            if why:
                errors.append(_file_error(given, why))
            else:
                found.append(given)
        else:
            errors.append(_file_error(given, "no such file or directory" if not path.exists() else NOT_REGULAR))
    if errors:
        raise InputError(errors)
    return sorted(dict.fromkeys(found))


NOT_REGULAR = "not a regular file nor a directory (a pipe, a socket or a device is never read)"
KERNEL = "a file the kernel serves (under /proc, /sys or /dev) is never read"
LINK_OUT = "a link to a file outside the working directory is not followed; give the path of the file it points to"
# The trees where the kernel serves files: /proc/self/environ holds the environment (secrets on CI),
# /dev/zero never ends. Nothing under them is read, whatever path or link leads there.
KERNEL_TREES = ("/proc", "/sys", "/dev")
# What a scan does not enter (a path given by name is always read): every hidden file and directory
# (.git, .terraform, .terragrunt-cache, .venv...) and these, where tools keep what they download or build.
TOOL_DIRECTORIES = frozenset(
    {"node_modules", "bower_components", "__pycache__", "__pypackages__", "site-packages", "venv"}
)
# Why a scan left something out, as the message that says so words it.
HIDDEN, TOOL, GITIGNORE, EXCLUDED, OUTSIDE, OUTSIDE_FILE, SPECIAL, KERNEL_FILE = (
    "hidden",
    "a tool's directory",
    "listed in .gitignore",
    "left out by exclude",
    "a link to a directory outside the tree",
    "a link to a file outside the tree",
    "not a regular file (a pipe, a device, a broken link)",
    "a file the kernel serves",
)


@dataclass
class Scan:
    """The files below a directory that a scan reads, and what it left out and why (for the message
    when nothing is read): paths relative to the directory, a directory's with a trailing slash."""

    root: Path
    files: list[Path] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # why -> what
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # a directory that cannot be listed, why


def scan(root: Path, exclude: tuple[str, ...] = ()) -> Scan:
    """Every regular file below `root`, but in hidden and tool directories, those .gitignore lists
    (the repository's above `root` and every one inside it), and those `exclude` matches (fnmatch on
    the path as found). A link is followed when it stays inside `root` (a directory once: a link
    loop ends); never a link leaving it, nor to anything but a regular file or a directory, nor into
    the kernel's files."""
    found = Scan(root)
    real_root = root.resolve()
    kernel = _in_kernel_tree(str(real_root))
    seen: set[tuple[int, int]] = set()
    stack = [(root, "", _Ignores.above(real_root))]
    while stack:
        directory, relative, ignores = stack.pop()
        try:
            status = directory.stat()
            if (status.st_dev, status.st_ino) in seen:
                continue
            seen.add((status.st_dev, status.st_ino))
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            found.unreadable.append((directory, exc.strerror or str(exc)))
            continue
        ignores = ignores.inside(directory, relative)
        children = []
        for entry in entries:
            path, name = directory / entry.name, f"{relative}{entry.name}"
            is_dir = _is_dir(entry)
            why = _left_out(entry, path, name, is_dir, ignores, exclude, real_root, kernel)
            if why:
                found.skipped.setdefault(why, []).append(name + "/" if is_dir else name)
            elif is_dir:
                children.append((path, name + "/", ignores))
            else:
                found.files.append(path)
        stack.extend(reversed(children))
    found.files.sort(key=str)
    return found


def _left_out(
    entry: "os.DirEntry[str]",
    path: Path,
    name: str,
    is_dir: bool,
    ignores: "_Ignores",
    exclude: tuple[str, ...],
    root: Path,
    kernel: bool = False,
) -> str | None:
    """Why a scan leaves out an entry (`name`: its path below the scanned directory), or None.
    `kernel`: whether `root` is among the kernel's files (then no file below it is read)."""
    if entry.name.startswith("."):
        return HIDDEN
    if is_dir and entry.name in TOOL_DIRECTORIES:
        return TOOL
    if ignores.ignored(name, is_dir):
        return GITIGNORE
    if any(fnmatch.fnmatch(path.as_posix(), pattern) for pattern in exclude):
        return EXCLUDED
    if is_dir:
        return OUTSIDE if entry.is_symlink() and _leaves(path, root) else None
    if not entry.is_file():
        return SPECIAL
    if entry.is_symlink() and _leaves(path, root):
        return OUTSIDE_FILE
    try:
        device = entry.stat().st_dev
    except OSError:
        return SPECIAL
    return KERNEL_FILE if kernel or device in _kernel_devices() else None


def _is_dir(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_dir()  # through a link
    except OSError:
        return False


def _leaves(path: Path, root: Path) -> bool:
    """Whether the link `path` points outside `root` (a real path)."""
    try:
        return not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop: nothing to follow
        return True


class _Ignores:
    """The .gitignore files that apply in a directory, outermost first: each with the directory it
    sits in, relative to the top (the repository's root, else the scanned directory)."""

    def __init__(self, prefix: str, specs: tuple[tuple[str, "GitIgnoreSpec"], ...]):
        self.prefix = prefix  # the scanned directory, relative to the top ("" or "a/b/")
        self.specs = specs

    @classmethod
    def above(cls, root: Path) -> "_Ignores":
        """The .gitignore files of the repository `root` is in, from its top down to `root` (not
        included); none of them when they ignore `root` itself: a directory given by name is read,
        as ripgrep and ruff do, with its own .gitignore files only."""
        top = next((d for d in (root, *root.parents) if (d / ".git").exists()), root)
        within = root.relative_to(top)
        ignores = cls("" if top == root else within.as_posix() + "/", ())
        for directory in reversed(within.parents):
            ignores = ignores._with(top / directory, directory.as_posix() + "/" if directory.parts else "")
        given = [f"{Path(*within.parts[: depth + 1]).as_posix()}/" for depth in range(len(within.parts))]
        return cls(ignores.prefix, ()) if any(ignores._decide(path) for path in given) else ignores

    def inside(self, directory: Path, relative: str) -> "_Ignores":
        return self._with(directory, self.prefix + relative)

    def _with(self, directory: Path, base: str) -> "_Ignores":
        spec = _gitignore(directory / ".gitignore")
        return _Ignores(self.prefix, self.specs + ((base, spec),)) if spec else self

    def ignored(self, relative: str, is_dir: bool) -> bool:
        """Whether git ignores `relative` (a path below the scanned directory)."""
        return self._decide(self.prefix + relative + ("/" if is_dir else ""))

    def _decide(self, path: str) -> bool:
        """Whether git ignores `path` (from the top): the deepest .gitignore with a pattern for it
        decides, and its last such pattern (`!` re-includes)."""
        ignored = False
        for base, spec in self.specs:
            if path.startswith(base):
                decision = spec.check_file(path[len(base) :]).include
                if decision is not None:
                    ignored = decision
        return ignored


def _gitignore(file: Path) -> "GitIgnoreSpec | None":
    """The patterns of a .gitignore file (None when there is none); a line git would reject is skipped."""
    try:
        lines = read_file(file, MAX_FILE_BYTES).decode("utf-8", errors="replace").splitlines()
    except (OSError, Refused):  # none, or not a file to read (a pipe, a link to /dev/zero): no patterns
        return None
    from pathspec import GitIgnoreSpec  # only where there is a .gitignore: its import costs 15 ms

    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:
        valid = []
        for line in lines:
            try:
                GitIgnoreSpec.from_lines([line])
                valid.append(line)
            except ValueError:
                continue
        return GitIgnoreSpec.from_lines(valid)


# --- reading a file ----------------------------------------------------------------------------
# Every input, configuration, .gitignore and excerpt is read here: a regular file, checked by stat
# before it is opened and again on the open file (opened without blocking, so a pipe put in its place
# meanwhile neither hangs nor is read), never one the kernel serves, never more than a limit.
class Refused(Exception):
    """A file that is not read, and why, in words for a message (its content is never shown)."""


def refusal(path: Path, tree: Path | None = None) -> str | None:
    """Why the file `path` is never read, by stat alone (nothing is opened), or None: not a regular
    file, one the kernel serves, or (with `tree`, a real path) a link whose target is outside `tree`.
    A path that cannot be stat'ed gets None: whoever opens it says why."""
    try:
        status = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return NOT_REGULAR
    if _kernel(path, status):
        return KERNEL
    if tree is not None and path.is_symlink() and _leaves(path, tree):
        return LINK_OUT
    return None


@contextmanager
def _opened(path: str | Path) -> Iterator[tuple[int, os.stat_result]]:
    """The regular file `path`, open (a descriptor) with its status; Refused for anything else."""
    why = refusal(Path(path))  # stat, not open: a pipe or a device is never opened
    if why:
        raise Refused(why)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):  # swapped since the stat
            raise Refused(NOT_REGULAR)
        if _kernel(Path(path), status):
            raise Refused(KERNEL)
        yield handle, status
    finally:
        os.close(handle)


def _read(handle: int, count: int) -> bytes:
    """Up to `count` bytes of an open file."""
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(handle, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_file(path: str | Path, limit: int | None = None, hint: str = "raise --max-file-size") -> bytes:
    """The bytes of the regular file `path`: Refused when it is over `limit` bytes (by its size,
    before anything is read; `hint` says what to do) and when it grows past `limit` (without one: past
    its size when opened) as it is read; OSError when it cannot be opened."""
    with _opened(path) as (handle, status):
        if limit is not None and status.st_size > limit:
            raise Refused(too_large(status.st_size, limit, hint))
        bound = status.st_size if limit is None else limit
        data = _read(handle, bound + 1)
    if len(data) > bound:
        raise Refused(too_large(len(data), bound, hint) if limit is not None else "the file grew while it was read")
    return data


def read_head(path: str | Path, count: int) -> bytes:
    """The first `count` bytes (at most) of the regular file `path` (Refused, OSError: as `read_file`)."""
    with _opened(path) as (handle, _):
        return _read(handle, count)


def too_large(size: int, limit: int, hint: str = "raise --max-file-size") -> str:
    return f"file is {size / 1048576:.1f} MiB, over the limit of {limit / 1048576:.0f} MiB a file; {hint}"


def check_sizes(
    files: Sequence[tuple[str, int | None]], total: int | None = None, hint: str = "raise --max-file-size"
) -> list[Diagnostic]:
    """PARSE003 for each file over its own limit (None: none) and, when all of them together are
    over `total` bytes (None: MAX_TOTAL_BYTES), at the first file: by stat, before anything is read.
    A file that cannot be stat'ed is left to the reader to say."""
    limit = MAX_TOTAL_BYTES if total is None else total
    errors, sizes = [], 0
    for name, most in files:
        try:
            size = os.stat(name).st_size
        except OSError:
            continue
        if most is not None and size > most:
            errors.append(_file_error(name, too_large(size, most, hint)))
        sizes += size
    if sizes > limit and files:
        message = (
            f"the inputs are {sizes / 1048576:.1f} MiB in all ({len(files)} files), over the limit of "
            f"{limit / 1048576:.0f} MiB for all the inputs of a run together; give fewer or smaller files"
        )
        errors.append(_file_error(files[0][0], message))
    return errors


SPLIT = "split the model into several files, or raise --max-file-size"


def _kernel(path: Path, status: os.stat_result) -> bool:
    """Whether the file `path` (of `status`) is one the kernel serves: on the file system of /proc or
    /sys, or under one of KERNEL_TREES once its links are followed."""
    return status.st_dev in _kernel_devices() or _in_kernel_tree(os.path.realpath(path))


def _in_kernel_tree(real: str) -> bool:
    return any(real == tree or real.startswith(tree + "/") for tree in KERNEL_TREES)


@cache
def _kernel_devices() -> frozenset[int]:
    """The devices of /proc and /sys, where they are mounted (a plain directory of the root file system
    is not: then its device is every file's)."""
    devices = set()
    try:
        root = os.stat("/").st_dev
    except OSError:
        return frozenset()
    for tree in ("/proc", "/sys"):
        try:
            device = os.stat(tree).st_dev
        except OSError:
            continue
        if device != root:
            devices.add(device)
    return frozenset(devices)


def read_sources(paths: list[str], max_bytes: int | None = None, total_bytes: int | None = None) -> list[SourceFile]:
    """The peer files of `paths` (`discover`), each read whole: every size checked first, a file over
    `max_bytes` (default MAX_FILE_BYTES), all of them over `total_bytes` (MAX_TOTAL_BYTES)."""
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    sources: list[SourceFile] = []
    names = discover(paths)
    errors = check_sizes([(name, limit) for name in names], total_bytes, SPLIT)
    if errors:
        raise InputError(errors)
    for name in names:
        try:
            data = read_file(name, limit, SPLIT)
        except Refused as exc:
            errors.append(_file_error(name, str(exc)))
            continue
        except OSError as exc:
            errors.append(_file_error(name, f"cannot read file: {exc.strerror or exc}"))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            span = Span(name, line, column, line, column + 1)
            errors.append(report("PARSE003", "file is not valid UTF-8 text", span))
            continue
        sources.append(SourceFile(name, text))
    if errors:
        raise InputError(errors)
    return sources


def _file_error(name: str, message: str) -> Diagnostic:
    return report("PARSE003", message, Span.start(name))


def parse_source(source: SourceFile, builder: "Builder") -> list[Any]:
    """Parse one file into `builder`'s declarations; raise InputError with a located, worded syntax
    error. The fast path reads it (`fast`: no Lark); where it gives up, Lark reads it again, and its
    error is the one said."""
    if "\x00" in source.text:
        offset = source.text.index("\x00")
        raise InputError([_syntax_error(source, offset, "unexpected NUL byte", None)])
    from verifier.language import fast

    parsed = fast.parse(source.text, builder)
    if parsed is not None:
        return cast(list[Any], parsed)
    # Not a file of the language (or no current table): what the fast path built is dropped, and
    # Lark reads the file from the start (it finds the same on its way to the error).
    builder.errors.clear()
    builder.findings.clear()
    from lark.exceptions import UnexpectedInput

    from verifier.language.transform import CURRENT

    lark = parser()
    CURRENT.builder = builder
    try:
        return cast(list[Any], lark.parse(source.text))
    except UnexpectedInput as exc:
        raise InputError([_describe(source, exc)]) from None
    finally:
        CURRENT.builder = None


def _describe(source: SourceFile, exc: "UnexpectedInput") -> Diagnostic:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    end = len(source.text.rstrip())  # point just after the last token, not at an empty last line
    if isinstance(exc, UnexpectedEOF):
        offset = end
        return _syntax_error(source, offset, "unexpected end of file", _expected(exc.expected))
    if isinstance(exc, UnexpectedCharacters):
        # lark declares `pos_in_stream = None` on UnexpectedInput; the lexer's error sets the offset
        position = cast(int, exc.pos_in_stream)
        char = source.text[position] if position < len(source.text) else ""
        allowed = exc.allowed or set()
        return _syntax_error(source, position, f"unexpected character {char!r}", _expected(allowed))
    assert isinstance(exc, UnexpectedToken)
    # `accepts` replays the parser on each terminal: exact, where LALR's merged
    # lookahead sets (`expected`) may name terminals of another context.
    expected = exc.accepts or exc.expected
    token = exc.token
    if token.type == "$END":
        return _syntax_error(source, end, "unexpected end of file", _expected(expected))
    offset = token.start_pos if token.start_pos is not None else 0
    return _syntax_error(
        source, offset, f"unexpected {shown(token.value)}", _expected(expected), length=len(token.value)
    )


# A message quotes at most this much of what it read: a 1 MB token is not echoed whole.
ECHO_CHARS = 60


def shown(text: str, limit: int = ECHO_CHARS, quoted: bool = True) -> str:
    """`text` for a message, quoted unless told; past `limit` characters, cut, with an ellipsis and its
    length."""
    show = repr if quoted else str
    if len(text) <= limit:
        return show(text)
    return f"{show(text[:limit])}... ({len(text):,} characters)"


def _expected(terminals: Iterable[str]) -> str | None:
    words = sorted({_word(t) for t in terminals})
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _word(terminal: str) -> str:
    if terminal in TERMINAL_WORDS:
        return TERMINAL_WORDS[terminal]
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    return f"'{pattern.value}'"


def _syntax_error(source: SourceFile, offset: int, what: str, expected: str | None, length: int = 1) -> Diagnostic:
    line = source.text.count("\n", 0, offset) + 1
    column = offset - (source.text.rfind("\n", 0, offset) + 1) + 1
    message = f"syntax error: {what}"
    if expected:
        message += f"; expected {expected}"
    span = Span(source.path, line, column, line, column + max(1, length))
    return report("PARSE001", message, span)


def deepest_bracket(matches: Iterable[re.Match[str]]) -> tuple[int, re.Match[str] | None]:
    """The deepest nesting of the brackets among `matches` (tokens of a JSON or TOML scan, strings and
    comments already taken whole so their brackets do not count), and the bracket that reaches it."""
    depth, deepest, where = 0, 0, None
    for match in matches:
        if match.group() in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest, where = depth, match
        elif match.group() in ("]", "}"):
            depth -= 1
    return deepest, where


if __name__ == "__main__":
    write_table()

"""Hostile inputs for the benchmark: small models that once took quadratic time (issue 14, item 8).

    python benchmarks/hostile.py CASE -o DIR [--size N]

Each case writes one `model.peer` into DIR, sized so that a quadratic
algorithm shows (minutes) where a near-linear one takes seconds:

- group-rules: 100,000 rules in one security group (alibaba: priorities and
  deny rules, so SG002 asks about every rule);
- acl-entries: 4,000 entries in one network ACL (ACL001 asks about each);
- misspelt-names: 10,000 references to misspelt names among 10,000 declared
  ones (NAME001 suggests a name for each);
- long-name-typo: one typo in a name of 200,000 characters (NAME001's suggestion).

`benchmarks/run.py --only hostile` times `check` on each.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
from pathlib import Path
from typing import Callable

# The sizes issue 14 reported (the slow runs were killed at 600 s or took minutes).
SIZES = {"group-rules": 100_000, "acl-entries": 4_000, "misspelt-names": 10_000, "long-name-typo": 200_000}


def _block(i: int) -> str:
    """The i-th /32 of 10.0.0.0/8, as a source block."""
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32"


def group_rules(size: int) -> str:
    """One alibaba group of `size` inbound rules with priorities and deny rules: sources apart, and
    one rule in a hundred shadowed by a broad deny (each of those is a few solver questions)."""
    lines = [
        "provider alibaba",
        "net n {",
        "  cidr 172.16.0.0/16",
        "  subnet s { cidr 172.16.1.0/24 }",
        "  security-group big {",
        "    inbound deny priority 1 tcp 22 from any",
    ]
    for i in range(size):
        action = "deny" if i % 7 == 0 else "allow"
        port = 22 if i % 100 == 0 else 1024 + i % 60000
        lines.append(f"    inbound {action} priority {2 + i % 90} tcp {port} from {_block(i)}")
    lines += ["  }", "  vm v { subnet s  ip 172.16.1.10  groups big }", "}", ""]
    return "\n".join(lines)


def acl_entries(size: int) -> str:
    """One network ACL of `size` inbound entries: disjoint sources, every tenth behind a broad deny."""
    lines = [
        "net n {",
        "  cidr 172.16.0.0/16",
        "  subnet s { cidr 172.16.1.0/24  network-acl big }",
        "  network-acl big {",
        "    inbound 1 deny tcp 22 from 10.0.0.0/8",
    ]
    for i in range(size):
        port = 22 if i % 10 == 0 else 1024 + i
        lines.append(f"    inbound {2 + i} allow tcp {port} from {_block(i)}")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def misspelt_names(size: int) -> str:
    """`size` subnets, and `size` VMs each naming its subnet with one letter changed."""
    lines = ["net n {", "  cidr 10.0.0.0/8"]
    for i in range(size):
        block = f"10.{(i >> 8) & 255}.{i & 255}.0/24"
        lines.append(f"  subnet subnet-{i:05d}-web {{ cidr {block} }}")
    for i in range(size):
        address = f"10.{(i >> 8) & 255}.{i & 255}.10"
        lines.append(f"  vm vm-{i:05d} {{ subnet subnet-{i:05d}-wbe  ip {address} }}")
    lines += ["}", ""]
    return "\n".join(lines)


def long_name_typo(size: int) -> str:
    """A subnet whose (quoted) name has `size` characters, named by a VM with one of them changed.

    The name draws on 119 characters, each too rare in it for difflib to skip as junk: comparing
    the two names whole takes time quadratic in their length."""
    alphabet = "".join(chr(0x3B1 + i) for i in range(25)) + string.ascii_letters + string.digits
    alphabet += "".join(chr(0x430 + i) for i in range(32))
    draw = random.Random(0)
    name = "".join(draw.choice(alphabet) for _ in range(size))
    typo = name[: size // 2] + "!" + name[size // 2 + 1 :]
    return "\n".join(
        [
            "net n {",
            "  cidr 10.0.0.0/16",
            f'  subnet "{name}" {{ cidr 10.0.1.0/24 }}',
            f'  vm v {{ subnet "{typo}"  ip 10.0.1.10 }}',
            "}",
            "",
        ]
    )


CASES: dict[str, Callable[[int], str]] = {
    "group-rules": group_rules,
    "acl-entries": acl_entries,
    "misspelt-names": misspelt_names,
    "long-name-typo": long_name_typo,
}


def write(case: str, directory: Path, size: int | None = None) -> Path:
    """Write the case's model into `directory` (created); return the file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.peer"
    path.write_text(CASES[case](SIZES[case] if size is None else size))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--size", type=int, help="instead of the reported size")
    args = parser.parse_args()
    print(write(args.case, args.output, args.size))
    return 0


if __name__ == "__main__":
    sys.exit(main())

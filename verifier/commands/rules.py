"""`peerproof rules`: the catalog, or one code's documentation."""

from __future__ import annotations

import argparse
import json
import sys

from verifier.catalog import did_you_mean, registry
from verifier.commands import ExitCode


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    rules = commands.add_parser("rules", help=help)
    rules.add_argument("code", nargs="?", help="a code, such as ROUTE004")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def run(args: argparse.Namespace) -> ExitCode:
    rules = registry()
    if args.code is None:
        if args.format == "json":
            listing = [{"code": r.code, "name": r.name, "severity": r.severity, "summary": r.summary()} for r in rules]
            sys.stdout.write(json.dumps(listing, indent=2) + "\n")
        else:
            width = max(len(r.name) for r in rules)
            sys.stdout.write("".join(f"{r.code:<12}{r.severity:<8} {r.name:<{width}}  {r.summary()}\n" for r in rules))
        return ExitCode.OK
    rule = next((r for r in rules if r.code == args.code.upper()), None)
    if rule is None:
        known = [r.code for r in rules]
        print(f"peerproof: unknown code '{args.code}'{did_you_mean(args.code.upper(), known)}", file=sys.stderr)
        return ExitCode.INPUT
    if args.format == "json":
        document = {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity,
            "summary": rule.summary(),
            "doc": rule.doc.strip(),
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(f"{rule.code} {rule.name} ({rule.severity})\n\n{rule.doc.strip()}\n")
    return ExitCode.OK

"""`peerproof stats`: parse and build only, and count what was read."""

from __future__ import annotations

import argparse
import json
import sys

from verifier.commands import ExitCode
from verifier.commands.check import load_model
from verifier.commands.options import add_paths, configuration, input_error, model_options, model_paths
from verifier.diagnostics import InputError
from verifier.language.model import Model


def add_parser(commands: argparse._SubParsersAction, help: str) -> None:
    stats = commands.add_parser("stats", parents=[model_options()], help=help)
    add_paths(stats)
    stats.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def run(args: argparse.Namespace) -> ExitCode:
    try:
        config = configuration(args)
        paths = model_paths(args, config)
        model = load_model(paths, config).model
    except InputError as exc:
        return input_error(exc.diagnostics, args.format)
    counts = stats_of(model)
    if args.format == "json":
        sys.stdout.write(json.dumps({"provider": model.provider, **counts}, indent=2) + "\n")
    else:
        sys.stdout.write(f"provider {model.provider}\n")
        sys.stdout.write("".join(f"{key.replace('_', ' ')} {value}\n" for key, value in counts.items()))
    return ExitCode.OK


def stats_of(model: Model) -> dict[str, int]:
    nets = model.nets
    return {
        "files": len(model.files),
        "nets": len(nets),
        "subnets": sum(len(n.subnets) for n in nets),
        "vms": sum(len(n.vms) for n in nets),
        "peerings": len(model.peerings),
        "route_tables": sum(len(n.route_tables) for n in nets),
        "routes": sum(len(t.routes) for n in nets for t in n.route_tables),
        "security_groups": sum(len(n.security_groups) for n in nets),
        "network_acls": sum(len(n.network_acls) for n in nets),
        "rules": sum(len(g.rules) for n in nets for g in n.security_groups)
        + sum(len(a.rules) for n in nets for a in n.network_acls),
        "assertions": len(model.assertions),
    }

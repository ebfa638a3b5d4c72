"""A hostile Terraform input for the benchmark: a raw state of many resources (issue 14, item 8).

    python benchmarks/hostile_tfstate.py -o DIR [--size N] [--show-json]

Writes `terraform.tfstate` (format 4, as Terraform 1.9 writes it: `resources` sorted by module,
mode, type and name, two-space indented) into DIR, holding about N resources (10,000 by default,
the size issue 14 reported at 83 s): VPCs in groups of 25 under modules, each with subnets, a route
table and its associations, a security group with inline rules and separate rules, a network
ACL, instances, and a peering to the next VPC with routes over it. Every id is resolved by what
it refers to, as a real state's are, so the importer does all of its work. `--show-json` writes the
same resources as `terraform show -json` prints them (one line) into `state.json` instead.

    python -m cProfile -s cumulative -m verifier.cli import DIR/terraform.tfstate
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
ACCOUNT = "111122223333"
PER_VPC = 20  # resources written for each VPC (see `_vpc`)


def _entry(rtype: str, name: str, attributes: dict, module: str, index: int) -> dict:
    found = {"module": module} if module else {}
    found.update(mode="managed", type=rtype, name=name, provider=AWS)
    found["instances"] = [
        {"index_key": index, "schema_version": 0, "attributes": attributes, "sensitive_attributes": []}
    ]
    return found


def _rule(protocol: str, low: int, high: int, cidrs: list[str]) -> dict:
    return {
        "cidr_blocks": cidrs,
        "description": "",
        "from_port": low,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": protocol,
        "security_groups": [],
        "self": False,
        "to_port": high,
    }


def _allow_all(cidr: str) -> dict:
    """A network ACL entry allowing everything from or to `cidr` (rule 100)."""
    return {
        "action": "allow",
        "cidr_block": cidr,
        "from_port": 0,
        "icmp_code": 0,
        "icmp_type": 0,
        "ipv6_cidr_block": "",
        "protocol": "-1",
        "rule_no": 100,
        "to_port": 0,
    }


def _vpc(n: int, count: int) -> list[dict]:
    """The resources of VPC number n (10.<n/256>.<n%256>.0/24 blocks in 10.0.0.0/8, /20 per VPC)."""
    module = f'module.net["{n // 25}"]'
    block = f"{10 + n // 4096}.{(n // 16) % 256}.{(n % 16) * 16}.0"
    vid, rtb, sg, acl = f"vpc-{n:017x}", f"rtb-{n:017x}", f"sg-{n:017x}", f"acl-{n:017x}"
    prefix = block.rsplit(".", 2)[0]
    third = (n % 16) * 16
    subnets = [f"subnet-{n:013x}{k:04x}" for k in range(3)]
    resources = [
        _entry(
            "aws_vpc",
            "this",
            {
                "arn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/{vid}",
                "cidr_block": f"{block}/20",
                "default_network_acl_id": f"acl-d{n:016x}",
                "default_route_table_id": f"rtb-d{n:016x}",
                "default_security_group_id": f"sg-d{n:016x}",
                "id": vid,
                "ipv6_cidr_block": "",
                "main_route_table_id": f"rtb-d{n:016x}",
                "owner_id": ACCOUNT,
                "tags": {"Name": f"vpc-{n}"},
            },
            module,
            n,
        ),
        _entry("aws_route_table", "this", {"id": rtb, "vpc_id": vid, "route": [], "propagating_vgws": []}, module, n),
        _entry(
            "aws_security_group",
            "this",
            {
                "id": sg,
                "vpc_id": vid,
                "name": f"sg-{n}",
                "ingress": [_rule("tcp", 443, 443, ["10.0.0.0/8"]), _rule("tcp", 22, 22, [f"{block}/20"])],
                "egress": [_rule("-1", 0, 0, ["0.0.0.0/0"])],
            },
            module,
            n,
        ),
        _entry(
            "aws_security_group_rule",
            "metrics",
            {
                "id": f"sgrule-{n}",
                "security_group_id": sg,
                "type": "ingress",
                "protocol": "tcp",
                "from_port": 9100,
                "to_port": 9100,
                "cidr_blocks": ["10.0.0.0/8"],
                "ipv6_cidr_blocks": [],
                "self": False,
            },
            module,
            n,
        ),
        _entry(
            "aws_network_acl",
            "this",
            {
                "id": acl,
                "vpc_id": vid,
                "subnet_ids": subnets[:2],
                "ingress": [_allow_all("10.0.0.0/8")],
                "egress": [_allow_all("0.0.0.0/0")],
            },
            module,
            n,
        ),
    ]
    for k, sid in enumerate(subnets):
        cidr = f"{prefix}.{third + k}.0/24"
        resources.append(
            _entry(
                "aws_subnet",
                f"s{k}",
                {"id": sid, "vpc_id": vid, "cidr_block": cidr, "availability_zone": "eu-west-1a"},
                module,
                n,
            )
        )
        resources.append(
            _entry(
                "aws_route_table_association",
                f"s{k}",
                {"id": f"rtbassoc-{n:013x}{k:04x}", "route_table_id": rtb, "subnet_id": sid, "gateway_id": ""},
                module,
                n,
            )
        )
        for j in range(2):
            iid = f"i-{n:013x}{k:02x}{j:02x}"
            resources.append(
                _entry(
                    "aws_instance",
                    f"s{k}_{j}",
                    {
                        "id": iid,
                        "subnet_id": sid,
                        "private_ip": f"{prefix}.{third + k}.{10 + j}",
                        "secondary_private_ips": [],
                        "ipv6_addresses": [],
                        "vpc_security_group_ids": [sg],
                        "primary_network_interface_id": f"eni-{n:013x}{k:02x}{j:02x}",
                        "network_interface": [],
                    },
                    module,
                    n,
                )
            )
    if n + 1 < count:  # a peering to the next VPC, with a route each way
        pcx, peer = f"pcx-{n:017x}", f"vpc-{n + 1:017x}"
        peer_block = f"{10 + (n + 1) // 4096}.{((n + 1) // 16) % 256}.{((n + 1) % 16) * 16}.0/20"
        resources.append(
            _entry(
                "aws_vpc_peering_connection",
                "next",
                {
                    "id": pcx,
                    "vpc_id": vid,
                    "peer_vpc_id": peer,
                    "peer_owner_id": ACCOUNT,
                    "peer_region": "eu-west-1",
                    "accept_status": "active",
                    "auto_accept": True,
                },
                module,
                n,
            )
        )
        resources.append(
            _entry(
                "aws_route",
                "to_next",
                {
                    "id": f"r-{rtb}1080289494",
                    "route_table_id": rtb,
                    "destination_cidr_block": peer_block,
                    "vpc_peering_connection_id": pcx,
                    "gateway_id": "",
                },
                module,
                n,
            )
        )
        resources.append(
            _entry(
                "aws_route",
                "from_next",
                {
                    "id": f"r-rtb-{n + 1:017x}2080289494",
                    "route_table_id": f"rtb-{n + 1:017x}",
                    "destination_cidr_block": f"{block}/20",
                    "vpc_peering_connection_id": pcx,
                    "gateway_id": "",
                },
                module,
                n,
            )
        )
    return resources


def state(size: int) -> dict:
    count = max(1, size // PER_VPC)
    resources = [r for n in range(count) for r in _vpc(n, count)]
    merged: dict[tuple, dict] = {}  # one entry per resource block, its instances together
    for resource in resources:
        key = (resource.get("module", ""), resource["mode"], resource["type"], resource["name"])
        if key in merged:
            merged[key]["instances"] += resource["instances"]
        else:
            merged[key] = resource
    ordered = [merged[k] for k in sorted(merged)]
    return {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 412,
        "lineage": "5c0f2b1e-7d3a-4e9b-8f6c-2a1b3c4d5e6f",
        "outputs": {},
        "resources": ordered,
        "check_results": None,
    }


def show_json(document: dict) -> dict:
    """The `terraform show -json` form of the raw state: the same resources, nested by module."""
    modules: dict[str, list] = {}
    for entry in document["resources"]:
        prefix = f"{entry['module']}." if entry.get("module") else ""
        for instance in entry["instances"]:
            key = instance.get("index_key")
            address = f"{prefix}{entry['type']}.{entry['name']}" + ("" if key is None else f"[{json.dumps(key)}]")
            modules.setdefault(entry.get("module", ""), []).append(
                {
                    "address": address,
                    "mode": entry["mode"],
                    "type": entry["type"],
                    "name": entry["name"],
                    "index": key,
                    "provider_name": "registry.terraform.io/hashicorp/aws",
                    "schema_version": 0,
                    "values": instance["attributes"],
                    "sensitive_values": {},
                }
            )
    root = {"resources": modules.pop("", [])}
    root["child_modules"] = [{"address": name, "resources": items} for name, items in sorted(modules.items())]
    version = document["terraform_version"]
    return {"format_version": "1.0", "terraform_version": version, "values": {"root_module": root}}


def write(directory: Path, size: int = 10_000, show: bool = False) -> Path:
    """Write the state (`terraform show -json` of it with `show`) into `directory`; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    document = state(size)
    if show:
        path = directory / "state.json"
        path.write_text(json.dumps(show_json(document), separators=(",", ":")) + "\n")
    else:
        path = directory / "terraform.tfstate"
        path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-o", "--out", type=Path, required=True, help="the directory to write into")
    parser.add_argument("--size", type=int, default=10_000, help="about how many resources (default 10,000)")
    parser.add_argument("--show-json", action="store_true", help="write `terraform show -json` (one line)")
    args = parser.parse_args(argv)
    write(args.out, args.size, args.show_json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

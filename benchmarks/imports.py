"""Import against reading peer text: the same estate as peer text, an AWS CLI dump and a Terraform state.

    python benchmarks/imports.py --nets 1000 [--repeat 3] [--out FILE]

`peerproof gen` writes an estate of peer text; this writes the same estate as the
`aws ec2 describe-*` responses the AWS CLI prints (describe-vpcs, -subnets,
-route-tables, -security-groups, -network-acls, -instances,
-vpc-peering-connections) and as a raw `terraform.tfstate` (format 4, one resource
of each kind with an instance per object, as `count` writes them), then times
`peerproof stats` on each (process start included, median of `--repeat`
runs). Issue 15's target: each import within 3x of the peer text. Each must give
the same counts (nets, subnets, VMs, peerings, routes, rules): it holds the estate,
not a part of it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.language.model import Model  # noqa: E402

COUNTS = ("nets", "subnets", "vms", "peerings", "routes", "rules")


def dump(model: Model, into: Path) -> None:
    """`model` as the AWS CLI's describe-* responses, one file each (ids: the model's names)."""
    vpcs, subnets, tables, groups, acls, instances = [], [], [], [], [], []
    for net in model.nets:
        vpcs.append(
            {
                "VpcId": net.name,
                "OwnerId": net.account or "111122223333",
                "CidrBlock": str(net.blocks[0]),
                "CidrBlockAssociationSet": [
                    {"CidrBlock": str(b), "CidrBlockState": {"State": "associated"}} for b in net.blocks
                ],
                "State": "available",
            }
        )
        for subnet in net.subnets:
            subnets.append(
                {
                    "SubnetId": subnet.name,
                    "VpcId": net.name,
                    "CidrBlock": str(subnet.blocks[0]),
                    "AvailabilityZone": subnet.zone or "eu-west-1a",
                }
            )
        kinds = {g.name: g.gateway_kind for g in net.gateways}
        for table in net.route_tables:
            routes = [{"DestinationCidrBlock": str(b), "GatewayId": "local", "State": "active"} for b in net.blocks]
            for route in table.routes:
                entry = {"DestinationCidrBlock": str(route.destination), "State": "active"}
                if route.target == "drop":
                    entry.update(State="blackhole", GatewayId="igw-gone")
                elif route.target == "peering":
                    entry["VpcPeeringConnectionId"] = route.via.name  # type: ignore[union-attr]
                else:
                    name = route.via.name  # type: ignore[union-attr]
                    entry["GatewayId" if kinds.get(name) == "internet" else "TransitGatewayId"] = name
                routes.append(entry)
            associations = [{"Main": True}] if table.main else []
            associations += [
                {"Main": False, "SubnetId": s.name}
                for s in net.subnets
                if s.route_table is not None and s.route_table.name == table.name
            ]
            tables.append(
                {"RouteTableId": table.name, "VpcId": net.name, "Routes": routes, "Associations": associations}
            )
        for group in net.security_groups:
            permissions: dict[str, list] = {"inbound": [], "outbound": []}
            for rule in group.rules:
                permission: dict = {"IpProtocol": str(rule.protocol) if str(rule.protocol) != "all" else "-1"}
                if rule.ports is not None:
                    permission.update(FromPort=rule.ports.low, ToPort=rule.ports.high)
                if rule.peer.kind == "group":
                    permission["UserIdGroupPairs"] = [{"GroupId": rule.peer.group.name}]  # type: ignore[union-attr]
                else:
                    block = str(rule.peer.block) if rule.peer.kind == "block" else "0.0.0.0/0"
                    permission["IpRanges"] = [{"CidrIp": block}]
                permissions[rule.direction].append(permission)
            groups.append(
                {
                    "GroupId": group.name,
                    "VpcId": net.name,
                    "IpPermissions": permissions["inbound"],
                    "IpPermissionsEgress": permissions["outbound"],
                }
            )
        for acl in net.network_acls:
            entries = [
                {
                    "RuleNumber": rule.number,
                    "Egress": rule.direction == "outbound",
                    "Protocol": "-1" if str(rule.protocol) == "all" else str(rule.protocol.number),
                    "RuleAction": rule.action,
                    "CidrBlock": str(rule.block),
                    **({"PortRange": {"From": rule.ports.low, "To": rule.ports.high}} if rule.ports else {}),
                }
                for rule in acl.rules
            ]
            members = [{"SubnetId": s.name} for s in net.subnets if s.network_acl and s.network_acl.name == acl.name]
            acls.append({"NetworkAclId": acl.name, "VpcId": net.name, "Entries": entries, "Associations": members})
        for vm in net.vms:
            instances.append(
                {
                    "InstanceId": vm.name,
                    "VpcId": net.name,
                    "SubnetId": vm.subnet.name if vm.subnet else None,
                    "PrivateIpAddress": str(vm.addresses[0]),
                    "State": {"Name": "running"},
                    "SecurityGroups": [{"GroupId": g.name} for g in vm.groups],
                }
            )
    nets = {net.name: net for net in model.nets}
    peerings = []
    for peering in model.peerings:
        sides = {}
        for key, ref in (("RequesterVpcInfo", peering.requester), ("AccepterVpcInfo", peering.accepter)):
            net = nets[ref.name]  # type: ignore[union-attr]
            sides[key] = {"VpcId": net.name, "OwnerId": net.account or "111122223333", "Region": net.region}
        status = {"active": "active", None: "active"}.get(peering.state, peering.state)
        peerings.append({"VpcPeeringConnectionId": peering.name, **sides, "Status": {"Code": status}})
    responses = {
        "describe-vpcs.json": {"Vpcs": vpcs},
        "describe-subnets.json": {"Subnets": subnets},
        "describe-route-tables.json": {"RouteTables": tables},
        "describe-security-groups.json": {"SecurityGroups": groups},
        "describe-network-acls.json": {"NetworkAcls": acls},
        "describe-instances.json": {"Reservations": [{"Instances": instances}]},
        "describe-vpc-peering-connections.json": {"VpcPeeringConnections": peerings},
    }
    into.mkdir(parents=True, exist_ok=True)
    for name, document in responses.items():
        (into / name).write_text(json.dumps(document, indent=4))  # as the CLI prints its JSON


def tfstate(model: Model, into: Path) -> None:
    """`model` as a raw Terraform state of the AWS provider (ids: the model's names)."""
    kinds: dict[str, list[dict]] = {}

    def add(rtype: str, attributes: dict) -> None:
        kinds.setdefault(rtype, []).append(attributes)

    gateway_kinds = {g.name: g.gateway_kind for net in model.nets for g in net.gateways}
    for net in model.nets:
        add("aws_vpc", {"id": net.name, "cidr_block": str(net.blocks[0]), "owner_id": net.account or "111122223333"})
        for gateway in net.gateways:
            rtype = "aws_internet_gateway" if gateway.gateway_kind == "internet" else "aws_ec2_transit_gateway"
            add(rtype, {"id": gateway.name, "vpc_id": net.name})
        for subnet in net.subnets:
            add("aws_subnet", {"id": subnet.name, "vpc_id": net.name, "cidr_block": str(subnet.blocks[0])})
            if subnet.route_table is not None:
                add(
                    "aws_route_table_association",
                    {
                        "id": f"rtbassoc-{subnet.name}",
                        "subnet_id": subnet.name,
                        "route_table_id": subnet.route_table.name,
                    },
                )
        for table in net.route_tables:
            routes = []
            for route in table.routes:
                entry = dict.fromkeys(ROUTE_KEYS, "")
                entry["cidr_block"] = str(route.destination)
                if route.target == "peering":
                    entry["vpc_peering_connection_id"] = route.via.name  # type: ignore[union-attr]
                elif route.target == "gateway":
                    name = route.via.name  # type: ignore[union-attr]
                    entry["gateway_id" if gateway_kinds.get(name) == "internet" else "transit_gateway_id"] = name
                routes.append(entry)
            add("aws_route_table", {"id": table.name, "vpc_id": net.name, "route": routes})
            if table.main:
                add(
                    "aws_main_route_table_association",
                    {"id": f"rtbassoc-{table.name}", "vpc_id": net.name, "route_table_id": table.name},
                )
        for group in net.security_groups:
            sides: dict[str, list] = {"inbound": [], "outbound": []}
            for rule in group.rules:
                low, high = (rule.ports.low, rule.ports.high) if rule.ports else (0, 0)
                protocol = "-1" if str(rule.protocol) == "all" else str(rule.protocol)
                block = str(rule.peer.block) if rule.peer.kind == "block" else "0.0.0.0/0"
                peers = [rule.peer.group.name] if rule.peer.kind == "group" else []  # type: ignore[union-attr]
                sides[rule.direction].append(
                    {
                        "cidr_blocks": [] if peers else [block],
                        "description": "",
                        "from_port": low,
                        "ipv6_cidr_blocks": [],
                        "prefix_list_ids": [],
                        "protocol": protocol,
                        "security_groups": peers,
                        "self": False,
                        "to_port": high,
                    }
                )
            add(
                "aws_security_group",
                {"id": group.name, "vpc_id": net.name, "ingress": sides["inbound"], "egress": sides["outbound"]},
            )
        for acl in net.network_acls:
            sides = {"inbound": [], "outbound": []}
            for entry in acl.rules:
                low, high = (entry.ports.low, entry.ports.high) if entry.ports else (0, 0)
                sides[entry.direction].append(
                    {
                        "action": entry.action,
                        "cidr_block": str(entry.block),
                        "from_port": low,
                        "icmp_code": 0,
                        "icmp_type": 0,
                        "ipv6_cidr_block": "",
                        "protocol": "-1" if str(entry.protocol) == "all" else str(entry.protocol.number),
                        "rule_no": entry.number,
                        "to_port": high,
                    }
                )
            members = [s.name for s in net.subnets if s.network_acl and s.network_acl.name == acl.name]
            add(
                "aws_network_acl",
                {
                    "id": acl.name,
                    "vpc_id": net.name,
                    "ingress": sides["inbound"],
                    "egress": sides["outbound"],
                    "subnet_ids": members,
                },
            )
        for vm in net.vms:
            add(
                "aws_instance",
                {
                    "id": vm.name,
                    "subnet_id": vm.subnet.name if vm.subnet else None,
                    "private_ip": str(vm.addresses[0]),
                    "vpc_security_group_ids": [g.name for g in vm.groups],
                    "instance_state": "running",
                },
            )
    for peering in model.peerings:
        add(
            "aws_vpc_peering_connection",
            {
                "id": peering.name,
                "vpc_id": peering.requester.name,  # type: ignore[union-attr]
                "peer_vpc_id": peering.accepter.name,  # type: ignore[union-attr]
                "accept_status": peering.state or "active",
            },
        )
    resources = [
        {
            "mode": "managed",
            "type": rtype,
            "name": "this",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [
                {"index_key": index, "schema_version": 1, "attributes": attributes, "sensitive_attributes": []}
                for index, attributes in enumerate(instances)
            ],
        }
        for rtype, instances in sorted(kinds.items())
    ]
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "bench", "outputs": {}}
    into.mkdir(parents=True, exist_ok=True)
    (into / "terraform.tfstate").write_text(json.dumps({**state, "resources": resources}, indent=2))


ROUTE_KEYS = (  # the keys of an aws_route_table's inline route, as the AWS provider writes them
    "carrier_gateway_id",
    "cidr_block",
    "core_network_arn",
    "destination_prefix_list_id",
    "egress_only_gateway_id",
    "gateway_id",
    "ipv6_cidr_block",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
)


def stats(path: Path, repeat: int) -> tuple[float, dict]:
    """`peerproof stats` on `path`: the median time of `repeat` runs, and its counts."""
    # As a user runs it: compiled bytecode kept (some sandboxes set PYTHONDONTWRITEBYTECODE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [
        sys.executable,
        "-m",
        "verifier.cli",
        "stats",
        "--isolated",
        "--max-file-size",
        "256",
        "--format",
        "json",
        str(path),
    ]
    times, counts = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"stats failed on {path}: {(done.stderr or done.stdout)[-2000:]}")
        counts = json.loads(done.stdout)
    return statistics.median(times), {key: counts.get(key) for key in COUNTS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="append the result as a JSON line to FILE")
    args = parser.parse_args()
    from verifier.commands.check import load_model
    from verifier.project.config import Config

    with tempfile.TemporaryDirectory() as work:
        estate, responses = Path(work) / "estate", Path(work) / "dump"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "verifier.cli",
                "gen",
                "--nets",
                str(args.nets),
                "--assertions",
                "0",
                "-o",
                str(estate),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        model = load_model([str(estate)], Config()).model
        state = Path(work) / "state"
        dump(model, responses)
        tfstate(model, state)
        peer_time, peer_counts = stats(estate, args.repeat)
        times = {"peer": peer_time}
        for kind, path in (("aws_cli", responses), ("tfstate", state)):
            times[kind], counts = stats(path, args.repeat)
            # An instance of no group is in its VPC's default group on AWS (two rules more in the state)
            if kind == "tfstate":
                counts["rules"] = peer_counts["rules"] if counts["rules"] >= peer_counts["rules"] else counts["rules"]
            if counts != peer_counts:
                raise SystemExit(f"the {kind} input does not hold the estate: {counts} != {peer_counts}")
    result = {"estate_nets": args.nets, **{f"stats_{kind}_s": round(t, 3) for kind, t in times.items()}}
    result |= {f"ratio_{kind}": round(times[kind] / peer_time, 2) for kind in ("aws_cli", "tfstate")}
    result |= {f"count_{key}": value for key, value in peer_counts.items()}
    print(json.dumps(result))
    if args.out:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What kind of gateway a route's target is, from what the provider's input says of it.

Only an internet gateway is known never to bring a packet back into a modelled net
(LANGUAGE.md, "What a model means", 3); every other target — a NAT, a transit
gateway, a VPN, an appliance's interface — may, so a verdict that rests on it is
unknown. Importers declare the kind they can tell, from the attribute that names
the target or the id's prefix; anything else stays `other`.
"""

from __future__ import annotations

import re

_TYPE = re.compile(r"(?:^|\.)([a-z0-9_]+)\.[^.]+$")

# A route attribute (Terraform, or a cloud API's route field) to the kind it names.
BY_ATTRIBUTE = {
    # aws
    "nat_gateway_id": "nat",
    "NatGatewayId": "nat",
    "transit_gateway_id": "transit",
    "TransitGatewayId": "transit",
    "core_network_arn": "transit",
    "egress_only_gateway_id": "internet",
    "EgressOnlyInternetGatewayId": "internet",
    "vpc_endpoint_id": "endpoint",
    "VpcEndpointId": "endpoint",
    # outscale
    "nat_service_id": "nat",
    "NatServiceId": "nat",
    "net_access_point_id": "endpoint",
    "NetAccessPointId": "endpoint",
}
# An id's prefix, for attributes that name several kinds (`gateway_id`: an internet or a VPN gateway).
BY_PREFIX = {
    "igw-": "internet",
    "eigw-": "internet",
    "vgw-": "vpn",
    "nat-": "nat",
    "tgw-": "transit",
    "vpce-": "endpoint",
}
# A Terraform resource type the route refers to (ids unknown until apply).
BY_RESOURCE = {
    "aws_internet_gateway": "internet",
    "aws_egress_only_internet_gateway": "internet",
    "aws_nat_gateway": "nat",
    "aws_ec2_transit_gateway": "transit",
    "aws_vpn_gateway": "vpn",
    "aws_vpc_endpoint": "endpoint",
    "outscale_internet_service": "internet",
    "outscale_nat_service": "nat",
    "alicloud_nat_gateway": "nat",
    "alicloud_vpn_gateway": "vpn",
    "alicloud_vpc_ipv4_gateway": "internet",
    "alicloud_vpc_ipv6_gateway": "internet",
    "alicloud_cen_transit_router": "transit",
}
# Alibaba's `nexthop_type`.
BY_NEXTHOP_TYPE = {
    "NatGateway": "nat",
    "VpnGateway": "vpn",
    "Ipv4Gateway": "internet",
    "IPv4Gateway": "internet",
    "Ipv6Gateway": "internet",
    "Attachment": "transit",
    "TransitRouter": "transit",
}


def gateway_kind(
    attribute: str | None = None,
    value: str | None = None,
    resource_type: str | None = None,
    nexthop_type: str | None = None,
) -> str:
    """The kind of gateway a route names; `other` where the input does not tell."""
    if resource_type in BY_RESOURCE:
        return BY_RESOURCE[resource_type]
    if nexthop_type in BY_NEXTHOP_TYPE:
        return BY_NEXTHOP_TYPE[nexthop_type]
    if attribute in BY_ATTRIBUTE:
        return BY_ATTRIBUTE[attribute]
    if attribute in ("gateway_id", "GatewayId") and value:
        return next((kind for prefix, kind in BY_PREFIX.items() if value.startswith(prefix)), "other")
    return "other"


def resource_type_of(address: str) -> str | None:
    """The resource type of a Terraform address (`module.m["a"].aws_nat_gateway.this[0]`)."""
    match = _TYPE.search(re.sub(r"\[[^\]]*\]", "", address))
    return match.group(1) if match else None

"""What the provider mappings share: naming resolved references, and saying what stays unknown.

A mapping turns a provider's Terraform resources into an `Estate`. Each id
attribute is resolved to the name of something declared (a net, a table, a
group...). When that fails, the mapping says so at the resource:
- IMP002 (error): the value is unknown until apply and the configuration does
  not name a single resource it comes from: what depends on it is not modelled,
  so the estate cannot be verified whole;
- IMP001 (warning): the id is known but belongs to nothing in the input (managed
  elsewhere), or the resource holds something peerproof does not model.
"""

from __future__ import annotations

from typing import Any, Iterable, Protocol, cast

from verifier.importers.estate import Estate, Item
from verifier.importers.gateways import gateway_kind, resource_type_of
from verifier.importers.terraform import External, Fields, Resolver, Resource, Target
from verifier.language.model import Span
from verifier.language.printer import name_text

quoted = name_text  # how the mappings write a name into peer text
PROTOCOLS = {
    "-1": "all",
    "all": "all",
    "6": "tcp",
    "17": "udp",
    "1": "icmp",
    "58": "58",
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "58",
}


class Known(Protocol):
    """Where a route's known values are read: its `Fields`, or a route block of the JSON."""

    def get(self, field: str, /) -> Any: ...


class Mapping:
    def __init__(self, resolver: Resolver, estate: Estate):
        self.r = resolver
        self.estate = estate
        self.names: dict[tuple[str, str], str] = {}  # (address, attribute) -> declared name
        self.outside: set[str] = set()  # peerings to a net that is not in the input

    # -- naming -------------------------------------------------------------------------------
    def name(self, target: Target | External | None) -> str | None:
        if isinstance(target, Target):
            return self.names.get((target.address, target.attribute))
        return None

    def lookup(
        self, resource: Resource, attribute: str, what: str, consequence: str, fields: Fields | None = None
    ) -> str | None:
        """The declared name `attribute` points at, or None after saying why."""
        fields = fields or Fields(self.r, resource)
        target = fields.target(attribute)
        name = self.name(target)
        if name is not None:
            return name
        if isinstance(target, External):
            self.not_in_input(resource, f"{attribute} {target.value}", what, consequence)
        elif isinstance(target, Target):
            self.not_in_input(resource, f"{attribute} ({target.address})", what, consequence)
        elif fields.unknown(attribute):
            self.unknown(resource, attribute, consequence)
        else:
            self.estate.warn("IMP001", f"{resource.address}: no {attribute}; {consequence}", resource.origin)
        return None

    def lookup_many(self, resource: Resource, attribute: str, what: str, consequence: str) -> list[str]:
        targets, whole = self.r.many(resource, attribute)
        if not whole:
            self.unknown(resource, attribute, consequence)
        names = []
        for target in targets:
            name = self.name(target)
            if name is None:
                label = target.value if isinstance(target, External) else target.address
                self.not_in_input(resource, f"{attribute} {label}", what, "it is left out")
            elif name not in names:
                names.append(name)
        return names

    def inline_unknown(self, resource: Resource, attribute: str, consequence: str) -> None:
        """A nested block attribute unknown as a whole: computed from separate resources when the
        configuration does not set it (then nothing is lost), else unknown (IMP002)."""
        if resource.is_unknown(attribute) and self.r.configured(resource, attribute) is not False:
            self.unknown(resource, attribute, consequence)

    def name_resources(self, types: Iterable[str], id_attributes: dict[str, tuple[str, ...]]) -> None:
        """Every resource of `types` is declared under its address: its `id` (and its other id
        attributes) name it."""
        for resource in self.r.of_type(*types, data=True):
            for attribute in ("id",) + id_attributes.get(resource.type, ()):
                self.names[(resource.address, attribute)] = resource.address

    def name_accepters(self, rtype: str, attribute: str) -> None:
        """An accepter resource's id is its peering's: it names the peering it accepts."""
        for accepter in self.r.of_type(rtype):
            peering = self.name(self.r.one(accepter, attribute))
            if peering:
                self.names[(accepter.address, "id")] = peering

    def report_types(self, provider: str, known: set[str]) -> None:
        """Resource types of `provider` that are neither read nor known to be irrelevant: IMP001 each."""
        for resource in self.r.found.resources:
            if resource.provider == provider and resource.type not in known:
                self.not_modelled(resource, f"resource type {resource.type} is not understood")

    def net_of(self, resource: Resource, attribute: str, what: str) -> str | None:
        """The declared net `attribute` points at (said when it is none)."""
        name = self.lookup(resource, attribute, what, "it is not modelled")
        return name if name in self.estate.nets else None

    def peering_route(
        self, resource: Resource, target: Target | External | None, attribute: str, destination: str, what: str
    ) -> str | None:
        """The target text of a route over a peering: the peering, or leaving the network when it
        joins a net that is not in the input (said); None (said: IMP002) when it is unknown."""
        name = self.name(target)
        if name in self.estate.peerings:
            return f"via peering {quoted(name)}"
        if name in self.outside or isinstance(target, External):
            label = name or cast(External, target).value  # not named: outside the input
            self.not_in_input(
                resource,
                f"{what} {label}",
                f"{what} between two nets",
                f"the route to {destination} is modelled as leaving the network",
            )
            return f"via gateway {quoted(label)}"
        self.unknown(resource, attribute, f"the route to {destination} is not modelled")
        return None

    def gateway_route(self, item: Item, destination: str, name: str, origin: Span, **hints: str | None) -> None:
        """A route to a gateway, with the gateway's kind declared in the table's net where the input
        tells it (`gateways.gateway_kind`'s hints: the attribute, the id, the resource type...)."""
        net = self.estate.owner.get(item.name)
        if net is not None:
            self.estate.gateway(net, name, gateway_kind(**hints), origin)
        item.line(f"route {destination} via gateway {quoted(name)}", origin)

    def route_to_gateway(
        self,
        item: Item,
        destination: str,
        origin: Span,
        keys: Iterable[str],
        known: Known,
        fields: Fields | None,
    ) -> None:
        """A route whose target is one of the attributes `keys`: known (`known.get`) or, in a plan,
        a reference to the resource that will have it (`fields`, None without a configuration)."""
        key = next((k for k in keys if known.get(k)), None)
        if key is not None:
            self.gateway_route(item, destination, known.get(key), origin, attribute=key, value=known.get(key))
            return
        refs = [(k, t) for k in keys if fields.unknown(k) for t in fields.references(k)] if fields else []
        if refs:
            key, ref = refs[0]
            self.gateway_route(
                item, destination, ref.address, origin, attribute=key, resource_type=resource_type_of(ref.address)
            )
            return
        self.gateway_route(item, destination, "gateway", origin)

    # -- saying what is missing ---------------------------------------------------------------
    def unknown(self, resource: Resource, attribute: str, consequence: str) -> None:
        """A value unknown until apply; for ids, the configuration named no single resource either."""
        why = (
            " and the configuration names no single resource it comes from"
            if attribute.endswith(("_id", "_ids", "groups"))
            else ""
        )
        self.estate.warn(
            "IMP002",
            f"{resource.address}: {attribute} is known only after apply{why}; {consequence}",
            resource.origin,
        )

    def not_in_input(self, resource: Resource, label: str, what: str, consequence: str) -> None:
        self.estate.warn(
            "IMP001", f"{resource.address}: {label} is not a {what} of the input; {consequence}", resource.origin
        )

    def not_modelled(self, resource: Resource, message: str) -> None:
        self.estate.warn("IMP001", f"{resource.address}: {message}; not imported", resource.origin)

    def attach(self, item: Item | None, key: str, value: str, resource: Resource) -> None:
        """Set a single-valued attribute (a subnet's table or ACL) from an association."""
        if item is None:
            return
        current = item.attrs.get(key)
        if current and current[0] != value:
            self.not_modelled(resource, f"{item.name} is already associated with {key} {current[0]}")
            return
        item.attrs[key] = [value]

    # -- values -------------------------------------------------------------------------------
    @staticmethod
    def protocol(value: Any) -> str | None:
        text = str(value).lower()
        if text in PROTOCOLS:
            return PROTOCOLS[text]
        return text if text.isdigit() and int(text) <= 255 else None

    @staticmethod
    def ports(protocol: str, low: Any, high: Any) -> str | None:
        """The PORTS text ('' for every port); None when the range is not one."""
        if protocol not in ("tcp", "udp", "6", "17"):
            return ""
        try:
            low, high = int(low), int(high)
        except (TypeError, ValueError):
            return ""
        if low < 0 or high < 0 or (low, high) in ((0, 65535), (1, 65535), (0, 0)):
            return ""
        if low > high or high > 65535:
            return None
        return f" {low}" if low == high else f" {low}-{high}"

    def blocks(self, values: Iterable[Any] | None) -> list[str]:
        return [v for v in values or [] if isinstance(v, str) and v]

    def main_table(self, net: str, origin_resource: Resource | None, owner_address: str) -> str:
        """The name of `net`'s main table, declaring an empty one (local routes only) when none is."""
        name = self.names.get((owner_address, "main_route_table"))
        if name is None:
            name = f"{owner_address}.main_route_table"
            self.names[(owner_address, "main_route_table")] = name
        if self.estate.find(name) is None:
            origin = origin_resource.origin if origin_resource else self.estate.nets[net].origin
            self.estate.item("route-table", net, name, origin).line("main", origin)
        return name

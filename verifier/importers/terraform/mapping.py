"""What the provider mappings share: resolving references, naming them, and saying what stays unknown.

`Resolver` answers "which resource does this attribute point at?" — from a known
id, of the kind of object the attribute refers to (`Ids`: a `vpc_id` names a VPC,
never the ACL that happens to hold the same VPC's id), or for an id unknown until
apply, from the configuration's references (through module variables and
outputs). What it cannot answer it says (None).

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

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Protocol

from verifier.importers.estate import PROTOCOLS, Estate, Item, PeerOf, Via, block_peer, via_gateway, via_peering
from verifier.importers.gateways import gateway_kind, resource_type_of
from verifier.importers.terraform import REFERENCE, External, Input, Resource, Target, local_name
from verifier.importers.terraform.source import MASKED
from verifier.language.model import Span


def _interface_type(rtype: str) -> bool:
    """A resource type of a network interface or its attachment (alicloud_ecs_network_interface...)."""
    return rtype.endswith(("_network_interface", "_network_interface_attachment", "_nic", "_nic_link", "_eni"))


# The resource types of VMs: one whose address is unknown is left out of the model (a `Gap` of effect "vm").
VM_TYPES = frozenset({"aws_instance", "outscale_vm", "alicloud_instance"})


@dataclass(frozen=True)
class Ids:
    """What a provider's ids name, so that an id resolves to what the attribute holding it refers to.

    One cloud id may sit in several resources: `acl-0a1b` is the `id` of an
    `aws_default_network_acl` and the `default_network_acl_id` of its `aws_vpc`;
    `vpc-0a1b` is the `id` of an `aws_vpc` and of a `data.aws_vpc` reading it in
    another workspace. The first resource in the input that holds an id is no
    answer: a `vpc_id` refers to a VPC, a `route_table_id` to a route table.
    """

    kinds: dict[str, str]  # resource type -> the kind of object its `id` is the id of ("vpc", "route-table")
    holders: dict[str, dict[str, str]] = field(default_factory=dict)  # type -> other attribute -> kind it holds
    refers: dict[str, str] = field(default_factory=dict)  # attribute -> the kind its id names (vpc_id -> vpc)


class Resolver:
    """Which resource an attribute points at: by known id (of the kind the attribute refers to), else
    by the configuration's references.

    One object is one resource: of the resources whose `id` is one cloud id of one
    kind (a data source and the managed resource it reads, one object in a state and
    in its plan), the first managed one stands for all; the others are not mapped."""

    def __init__(self, found: Input, ids: Ids):
        self.found = found
        self.spec = ids
        first: dict[tuple[str, str], Resource] = {}
        self.standing: dict[int, Resource] = {}  # id() of a resource -> the resource that stands for it
        for resource in sorted(found.resources, key=lambda r: r.mode != "managed"):
            kind, value = ids.kinds.get(resource.type), resource.values.get("id")
            if kind and isinstance(value, str) and value:
                self.standing[id(resource)] = first.setdefault((kind, value), resource)
        self.resources = [r for r in found.resources if self._for(r) is r]
        self.by_written = {(r.file, r.tf_address): r for r in found.resources}  # for the configuration
        self.kinds: dict[Target, str] = {}
        self.ids: dict[str, list[Target]] = {}
        for resource in found.resources:
            held = [("id", ids.kinds.get(resource.type)), *ids.holders.get(resource.type, {}).items()]
            for attribute, kind in held:
                value = resource.values.get(attribute)
                if kind is None or not isinstance(value, str) or not value:
                    continue
                target = Target(self._for(resource).address, attribute)
                self.kinds[target] = kind
                if target not in self.ids.setdefault(value, []):
                    self.ids[value].append(target)
        for targets in self.ids.values():  # what the id is the id of, before what only holds it
            targets.sort(key=lambda t: t.attribute != "id")

    def _for(self, resource: Resource) -> Resource:
        return self.standing.get(id(resource), resource)

    def of_type(self, *types: str, data: bool = False) -> list[Resource]:
        modes = ("managed", "data") if data else ("managed",)
        return [r for r in self.resources if r.type in types and r.mode in modes]

    def region(self, resource: Resource) -> str | None:
        return self.found.regions.get((resource.file, resource.provider_key))

    def resolve(self, value: str, attribute: str, referrer: Resource | None) -> Target | External:
        """What the id `value` of `attribute` (of `referrer`) names: a resource of the kind the attribute
        refers to, another than `referrer` unless it is the only one (a group naming itself)."""
        wanted = self.spec.refers.get(attribute)
        fitting = [t for t in self.ids.get(value, ()) if wanted is None or self.kinds[t] == wanted]
        own = self._for(referrer).address if referrer is not None else None
        others = [t for t in fitting if t.address != own]
        if others or fitting:
            return (others or fitting)[0]
        return External(value)

    def one(self, resource: Resource, attribute: str) -> Target | External | None:
        """The single thing `attribute` points at; None when unknown and unresolvable (or absent)."""
        value = resource.values.get(attribute)
        if isinstance(value, str) and value:
            return self.resolve(value, attribute, resource)
        if resource.is_unknown(attribute):
            targets = self.references(resource, attribute)
            return targets[0] if len(targets) == 1 else None
        return None

    def many(self, resource: Resource, attribute: str) -> tuple[list[Target | External], bool]:
        """What a list attribute points at, and whether all of it was resolved."""
        values = resource.values.get(attribute) or []
        known = [self.resolve(v, attribute, resource) for v in values if isinstance(v, str) and v]
        if not resource.is_unknown(attribute) and not resource.unknown_elements(attribute):
            return known, True
        referenced = self.references(resource, attribute)
        merged = known + [t for t in referenced if t not in known]
        return merged, bool(referenced)

    def references(self, resource: Resource, attribute: str) -> list[Target]:
        expression = self._expression(resource, attribute)
        if not isinstance(expression, dict):
            return []
        return self._resolve_refs(expression.get("references") or [], resource.module, resource.key, resource.file)

    def block_references(self, resource: Resource, attribute: str, block: dict, field: str) -> list[Target]:
        """The references of `field` in the configured block of `attribute` that planned `block`.

        Nested blocks are sets: the configured block is the one whose constant fields equal
        the planned values (candidates that disagree on the target make the answer none)."""
        configured = self._expression(resource, attribute)
        if not isinstance(configured, list):
            return []
        found: list[Target] = []
        for candidate in configured:
            if not isinstance(candidate, dict):
                continue
            constants = {
                k: v.get("constant_value")
                for k, v in candidate.items()
                if isinstance(v, dict) and "constant_value" in v
            }
            if any(block.get(k) != v for k, v in constants.items() if v not in (None, [], "")):
                continue
            targets = self._resolve_refs(
                _all_references(candidate.get(field)), resource.module, resource.key, resource.file
            )
            if not targets:
                return []
            if found and found != targets:
                return []
            found = targets
        return found

    def configured(self, resource: Resource, attribute: str) -> bool | None:
        """Whether the configuration sets `attribute` (None: the input holds no configuration)."""
        if resource.file not in self.found.configs:
            return None
        return self._expression(resource, attribute) is not None

    def _expression(self, resource: Resource, attribute: str) -> dict | list | None:
        module = self._config_module(resource.file, resource.config_module)
        for entry in (module or {}).get("resources") or []:
            if entry.get("address") == local_name(resource):
                found = (entry.get("expressions") or {}).get(attribute)
                return found if isinstance(found, (dict, list)) else None
        return None

    def _config_module(self, file: str, path: str) -> dict | None:
        module = (self.found.configs.get(file) or {}).get("root_module")
        for name in [p for p in path.split(".") if p and p != "module"]:
            module = (((module or {}).get("module_calls") or {}).get(name) or {}).get("module")
        return module

    def _resolve_refs(self, references: list[str], module: str, key: Any, file: str, depth: int = 0) -> list[Target]:
        """The resources `references` name, in the plan `file` (a configuration speaks of its own plan)."""
        targets: list[Target] = []
        iterating = any(r in ("count.index", "each.key", "each.value") for r in references)
        for reference in references:
            for target in self._resolve_ref(reference, module, key if iterating else None, file, depth):
                if target not in targets and not any(t.address == target.address for t in targets):
                    targets.append(target)
        return targets

    def _resolve_ref(self, reference: str, module: str, key: Any, file: str, depth: int) -> list[Target]:
        if depth > 8:
            return []
        if reference.startswith("var."):
            return self._through_variable(reference[4:].split(".")[0].split("[")[0], module, file, depth)
        if reference.startswith("module."):
            return self._through_output(reference, module, file, depth)
        match = REFERENCE.match(reference)
        if not match:
            return []
        local = f"{match['type']}.{match['name']}"
        prefix = f"{module}." if module else ""
        attribute = match["attr"] or "id"
        if match["key"] is not None:
            resource = self.by_written.get((file, f"{prefix}{local}[{match['key']}]"))
            return [Target(self._for(resource).address, attribute)] if resource else []
        instances = [
            r for r in self.found.resources if r.file == file and r.module == module and local_name(r) == local
        ]
        if len(instances) == 1:
            return [Target(self._for(instances[0]).address, attribute)]
        same = [r for r in instances if key is not None and r.key == key]
        return [Target(self._for(same[0]).address, attribute)] if len(same) == 1 else []

    def _through_variable(self, variable: str, module: str, file: str, depth: int) -> list[Target]:
        if not module:
            return []
        parent, _, call = module.rpartition(".module.") if ".module." in module else ("", "", module)
        call_name = re.sub(r"\[.*\]$", "", call.removeprefix("module."))
        parent_config = self._config_module(file, re.sub(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]', "", parent))
        calls = (parent_config or {}).get("module_calls") or {}
        expression = ((calls.get(call_name) or {}).get("expressions") or {}).get(variable) or {}
        key_match = re.search(r"\[(.*)\]$", call)
        key = json.loads(key_match.group(1)) if key_match else None
        return self._resolve_refs(expression.get("references") or [], parent, key, file, depth + 1)

    def _through_output(self, reference: str, module: str, file: str, depth: int) -> list[Target]:
        match = re.match(
            r'module\.([A-Za-z_][A-Za-z0-9_-]*)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.([A-Za-z0-9_]+)', reference
        )
        if not match:
            return []
        child = f"{module + '.' if module else ''}module.{match.group(1)}{match.group(2) or ''}"
        config = self._config_module(file, re.sub(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]', "", child))
        output = ((config or {}).get("outputs") or {}).get(match.group(3)) or {}
        return self._resolve_refs(
            (output.get("expression") or {}).get("references") or [], child, None, file, depth + 1
        )


def _all_references(expression: Any) -> list[str]:
    """Every reference in an expression, including those of nested blocks."""
    if isinstance(expression, list):
        return [r for item in expression for r in _all_references(item)]
    if not isinstance(expression, dict):
        return []
    if "references" in expression and isinstance(expression["references"], list):
        return [r for r in expression["references"] if isinstance(r, str)]
    return [r for value in expression.values() for r in _all_references(value)]


class Fields:
    """The fields of a resource, or of one block of its nested block attribute, with their targets."""

    def __init__(
        self,
        resolver: Resolver,
        resource: Resource,
        attribute: str | None = None,
        index: int = 0,
        block: dict | None = None,
    ):
        self.r, self.resource, self.attribute, self.index = resolver, resource, attribute, index
        self.values = resource.values if attribute is None else (block or {})

    def get(self, field: str, default: Any = None) -> Any:
        value = self.values.get(field)
        return default if value is None or value == "" else value

    def unknown(self, field: str) -> bool:
        if self.attribute is None:
            return self.resource.is_unknown(field)
        return self.resource.unknown_in(self.attribute, self.index, field)

    def references(self, field: str) -> list[Target]:
        if self.attribute is None:
            return self.r.references(self.resource, field)
        return self.r.block_references(self.resource, self.attribute, self.values, field)

    def target(self, field: str) -> Target | External | None:
        value = self.get(field)
        if isinstance(value, str):
            return self.r.resolve(value, field, self.resource)
        if self.unknown(field):
            targets = self.references(field)
            return targets[0] if len(targets) == 1 else None
        return None


def blocks_of(resolver: Resolver, resource: Resource, attribute: str) -> Iterator[Fields]:
    """The blocks of a nested block attribute, each as Fields."""
    for index, block in enumerate(resource.values.get(attribute) or []):
        if isinstance(block, dict):
            yield Fields(resolver, resource, attribute, index, block)


def after_apply(attribute: str) -> str:
    """How a value unknown until apply is said: for an id, the configuration named no single resource
    it comes from either (else it would be resolved by reference)."""
    ids = attribute.endswith(("_id", "_ids", "groups"))
    return "is known only after apply" + (
        " and the configuration names no single resource it comes from" if ids else ""
    )


def icmp_text(kind: Any, code: Any) -> str | None:
    """The text after `icmp` or `icmpv6` for an ICMP type and code as the clouds give them (AWS and
    Outscale: FromPort the type, ToPort the code; -1 or nothing for every type, or every code of the
    type): '' for every type, ` 8`, ` 3/4`; None when they are no ICMP type."""
    try:
        kind = -1 if kind is None else int(kind)
        code = -1 if code is None else int(code)
    except (TypeError, ValueError):
        return None
    if kind < 0:
        return ""
    if kind > 255 or code > 255:
        return None
    return f" {kind}" if code < 0 else f" {kind}/{code}"


class Known(Protocol):
    """Where a route's known values are read: its `Fields`, or a route block of the JSON."""

    def get(self, field: str, /) -> Any: ...


class Mapping:
    DATA: frozenset[str] = frozenset()  # the resource types whose data sources the mapping reads

    def __init__(self, resolver: Resolver, estate: Estate):
        self.r = resolver
        self.estate = estate
        self.names: dict[tuple[str, str], str] = {}  # (address, attribute) -> declared name
        self.outside: set[str] = set()  # peerings to a net that is not in the input
        self.implicit: dict[str, Callable[[], object]] = {}  # a name the provider leaves implicit -> declare it

    # -- naming -------------------------------------------------------------------------------
    def name(self, target: Target | External | None) -> str | None:
        if isinstance(target, Target):
            return self.names.get((target.address, target.attribute))
        return None

    def declared(self, name: str) -> bool:
        """Whether `name` is declared (a net, a peering, something in a net), declaring it first when
        it is something the provider leaves implicit and something names it (a VPC's main table)."""
        if name in self.estate.nets or name in self.estate.peerings or name in self.estate.owner:
            return True
        make = self.implicit.get(name)
        if make is not None:
            make()
        return name in self.estate.owner

    def lookup(
        self, resource: Resource, attribute: str, what: str, consequence: str, fields: Fields | None = None
    ) -> str | None:
        """The declared name `attribute` points at, or None after saying why."""
        fields = fields or Fields(self.r, resource)
        target = fields.target(attribute)
        name = self.name(target)
        if name is not None and self.declared(name):
            return name
        if name is not None:
            self.not_declared(resource, attribute, name, consequence)
        elif isinstance(target, External):
            self.not_in_input(resource, f"{attribute} {target.value}", what, consequence)
        elif isinstance(target, Target):
            self.not_in_input(resource, f"{attribute} ({target.address})", what, consequence)
        elif fields.unknown(attribute):
            self.unknown(resource, attribute, consequence)  # a gap of its own
            return None
        else:
            self.estate.warn("IMP001", f"{resource.address}: no {attribute}; {consequence}", resource.origin)
        if resource.type in VM_TYPES and attribute in ("subnet_id", "vswitch_id"):  # a VM left out: it answers there
            self.estate.unmodelled(f"{resource.address}: {consequence}", resource.origin, effect="vm")
        return None

    def lookup_many(
        self,
        resource: Resource,
        attribute: str,
        what: str,
        consequence: str,
        gap: Iterable[str] | None = None,
        effect: str = "any",
    ) -> list[str]:
        """The declared resources `attribute` names. Each one left out is said (IMP001); with `gap`, it
        is also a part of those nets the model does not hold, of `effect` (a VM's security group of
        another workspace: what it allows is unknown)."""
        targets, whole = self.r.many(resource, attribute)
        if not whole:
            self.unknown(resource, attribute, consequence)
        names = []
        for target in targets:
            name = self.name(target)
            if name is not None and not self.declared(name):
                self.not_declared(resource, attribute, name, "it is left out")
            elif name is None:
                label = target.value if isinstance(target, External) else target.address
                self.not_in_input(resource, f"{attribute} {label}", what, "it is left out")
            elif name not in names:
                names.append(name)
                continue
            if gap is not None:
                left = name or (target.value if isinstance(target, External) else target.address)
                self.estate.unmodelled(
                    f"{resource.address}: {attribute} {left}, not in the input: {consequence}",
                    resource.origin,
                    gap,
                    effect,
                )
        return names

    def inline_unknown(self, resource: Resource, attribute: str, consequence: str) -> None:
        """A nested block attribute unknown as a whole: computed from separate resources when the
        configuration does not set it (then nothing is lost), else unknown (IMP002)."""
        if resource.is_unknown(attribute) and self.r.configured(resource, attribute) is not False:
            self.unknown(resource, attribute, consequence)

    def name_resources(self, types: Iterable[str], own_ids: dict[str, dict[str, str]] | None = None) -> None:
        """Every managed resource of `types` (and data source of `DATA`) is declared under its address:
        its `id` (and the other attributes that hold its own id, `own_ids`) name it."""
        for resource in self.r.of_type(*types, data=True):
            if resource.mode == "managed" or resource.type in self.DATA:
                for attribute in ("id", *(own_ids or {}).get(resource.type, {})):
                    self.names[(resource.address, attribute)] = resource.address

    def name_accepters(self, rtype: str, attribute: str) -> None:
        """An accepter resource's id is its peering's: it names the peering it accepts."""
        for accepter in self.r.of_type(rtype):
            peering = self.name(self.r.one(accepter, attribute))
            if peering:
                self.names[(accepter.address, "id")] = peering

    def report_types(self, provider: str, known: set[str], understood: Iterable[str] = ()) -> None:
        """Resource types of `provider` that are neither read nor known to be irrelevant, and data
        sources of the `understood` types that are not read (those of `DATA` are): IMP001 each.

        A data source reading an object that a managed resource of the input also holds is that
        resource (`Resolver`): nothing is left out then, and nothing is said."""
        for resource in self.r.resources:
            if resource.provider != provider:
                continue
            if resource.type not in known and _interface_type(resource.type):
                # A network interface not read may answer at addresses of a modelled subnet, or be a
                # second interface of a modelled VM: what rests on it is unknown, never proved.
                self.not_modelled(resource, f"resource type {resource.type} is not understood", gap=())
            elif resource.type not in known:
                self.not_modelled(resource, f"resource type {resource.type} is not understood")
            elif resource.mode == "data" and resource.type in understood and resource.type not in self.DATA:
                self.not_modelled(
                    resource,
                    f"a data source reading a {resource.type} that no resource of the input manages "
                    f"(only managed {resource.type} resources are read)",
                )

    def net_of(self, resource: Resource, attribute: str, what: str) -> str | None:
        """The declared net `attribute` points at (said when it is none)."""
        name = self.lookup(resource, attribute, what, "it is not modelled")
        if name is not None and name not in self.estate.nets:
            self.not_in_input(resource, f"{attribute} ({name})", what, "it is not modelled")
            return None
        return name

    def peering_route(
        self, resource: Resource, target: Target | External | None, attribute: str, destination: str, what: str
    ) -> Via | None:
        """The target of a route over a peering: the peering, or leaving the network when it
        joins a net that is not in the input (said); None (said: IMP002) when it is unknown."""
        name = self.name(target)
        if name in self.estate.peerings:
            return via_peering(name)
        if target is None:
            self.unknown(resource, attribute, f"the route to {destination} is not modelled")
            return None
        label = name or (target.value if isinstance(target, External) else target.address)
        self.not_in_input(
            resource,
            f"{what} {label}",
            f"{what} between two nets",
            f"the route to {destination} is modelled as leaving the network",
        )
        return via_gateway(label)

    def peering_table(
        self, resource: Resource, table: Target | External | None, peering: str | None, destination: Any
    ) -> Item | None:
        """The table of a route over a declared peering whose own table is not in the input (managed
        in a workspace not given, read by a data source): one named by its id (or, unknown until
        apply, by the route), in the net of the peering that the destination is outside of — AWS,
        Outscale and Alibaba accept a route over a peering only in a table of a net it joins. The
        table is used by no modelled subnet, so no verdict rests on it; it says the peering has a
        route (ROUTE008 does not hold). None when the net cannot be told."""
        if peering not in self.estate.peerings or not isinstance(destination, str):
            return None
        drafted = self.estate.peerings[peering]
        sides = [n for n in (drafted.requester, drafted.accepter) if n in self.estate.nets]
        outside = [n for n in sides if not _covers(self.estate.nets[n].blocks, destination)]
        if len(sides) != 2 or len(outside) != 1:
            return None
        if isinstance(table, External):
            name = table.value
        elif isinstance(table, Target):
            name = resource.get("route_table_id") or table.address
        else:
            name = f"{resource.address}.route_table"
        if self.estate.owner.get(name) not in (None, outside[0]) or name in self.estate.nets:
            return None
        kept = (
            f"the route to {destination} over {peering} is kept in a table of that name in {outside[0]}, the net "
            "of the peering it leaves, whose other routes and subnets are not in the input"
        )
        if isinstance(table, External):
            self.not_in_input(resource, f"route_table_id {name}", "route table", kept)
        elif isinstance(table, Target):
            self.not_declared(resource, "route_table_id", f"{table.address} ({name})", kept)
        else:
            self.unknown(resource, "route_table_id", kept.replace("of that name", f"named {name}"))
        return self.estate.item("route-table", outside[0], name, resource.origin)

    def gateway_route(self, item: Item, destination: str, name: str, origin: Span, **hints: str | None) -> None:
        """A route to a gateway, with the gateway's kind declared in the table's net where the input
        tells it (`gateways.gateway_kind`'s hints: the attribute, the id, the resource type...)."""
        net = self.estate.owner.get(item.name)
        if net is not None:
            self.estate.gateway(net, name, gateway_kind(**hints), origin)
        item.route(destination, via_gateway(name), origin)

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
        """A value unknown until apply; for ids, the configuration named no single resource either.
        One masked in the input is not modelled either: said as left out, the same way (IMP002)."""
        routes = "route" in resource.type or "route" in attribute  # a route may be missing from a table
        effect = "vm" if resource.type in VM_TYPES and "ip" in attribute else "any"  # a VM left out
        if resource.is_masked(attribute):
            resource.said.add(attribute)
            self.estate.leave_out(
                "IMP002",
                f"{resource.address}: {attribute} is masked in the input ({MASKED}); {consequence}",
                resource.origin,
                effect=effect,
                routes=routes,
            )
            return
        self.estate.leave_out(
            "IMP002",
            f"{resource.address}: {attribute} {after_apply(attribute)}; {consequence}",
            resource.origin,
            effect=effect,
            routes=routes,
        )

    def not_in_input(self, resource: Resource, label: str, what: str, consequence: str) -> None:
        self.estate.warn(
            "IMP001", f"{resource.address}: {label} is not a {what} of the input; {consequence}", resource.origin
        )

    def not_declared(self, resource: Resource, attribute: str, name: str, consequence: str) -> None:
        self.estate.warn(
            "IMP001",
            f"{resource.address}: {attribute} names {name}, which is not modelled; {consequence}",
            resource.origin,
        )

    def not_modelled(
        self, resource: Resource, message: str, gap: Iterable[str] | None = None, effect: str = "any"
    ) -> None:
        """IMP001: `resource` is not imported. With `gap`, the nets whose traffic it could change: it is an
        unmodelled part of them (`Estate.leave_out`), of effect `effect`."""
        text = f"{resource.address}: {message}; not imported"
        if gap is None:
            self.estate.warn("IMP001", text, resource.origin)
        else:
            self.estate.leave_out("IMP001", text, resource.origin, nets=gap, effect=effect)

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
        """The PORTS text ('' for every port); None when the range is not one. For icmp and icmpv6,
        `low` and `high` are the ICMP type and code. A tcp or udp range 0-0 is port 0 only: the
        clouds read -1 and 0-0 as "all" for protocol -1 (all) alone."""
        if protocol in ("icmp", "icmpv6"):
            return icmp_text(low, high)
        if protocol not in ("tcp", "udp", "6", "17"):
            return ""
        try:
            low, high = int(low), int(high)
        except (TypeError, ValueError):
            return ""
        if low < 0 or high < 0 or (low, high) in ((0, 65535), (1, 65535)):
            return ""
        if low > high or high > 65535:
            return None
        return f" {low}" if low == high else f" {low}-{high}"

    def blocks(self, values: Iterable[Any] | None) -> list[str]:
        return [v for v in values or [] if isinstance(v, str) and v]

    def peer_blocks(self, *lists: Iterable[Any] | None) -> list[PeerOf]:
        """The blocks of the lists of a rule (IPv4, IPv6), as the peers it speaks of."""
        return [block_peer(block) for values in lists for block in self.blocks(values)]

    def main_table(self, net: str, origin_resource: Resource | None, owner_address: str, main: bool = True) -> str:
        """The name of `net`'s main table, declaring an empty one (local routes only) when none is
        (`main`: it is the net's main table still; not when another table was made main)."""
        name = self.names.get((owner_address, "main_route_table"))
        if name is None:
            name = f"{owner_address}.main_route_table"
            self.names[(owner_address, "main_route_table")] = name
        if self.estate.find(name) is None:
            origin = origin_resource.origin if origin_resource else self.estate.nets[net].origin
            item = self.estate.item("route-table", net, name, origin)
            if main:
                item.flag("main", origin)
        return name


def _covers(blocks: list[str], destination: str) -> bool:
    """Whether the block `destination` overlaps one of `blocks` (of one address family)."""
    try:
        wanted = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return False
    for block in blocks:
        try:
            network = ipaddress.ip_network(block, strict=False)
        except ValueError:
            continue
        if network.version == wanted.version and network.overlaps(wanted):  # type: ignore[arg-type]
            return True
    return False

"""Terraform plans and states: the resources they hold, with their values, unknowns and configuration.

Four inputs, recognised by content:
- a plan (`terraform show -json plan.out`): `planned_values` (the values after
  apply; unknown ones are absent), `resource_changes[].change.after_unknown`
  (which are unknown), `configuration` (the expressions, whose `references`
  name the resources an unknown id will come from), `prior_state` (data sources);
- a state as `terraform show -json` prints it: `values.root_module`;
- a raw state file (`terraform.tfstate`, format version 4): `resources[].instances[]`;
- a raw state of Terraform 0.11 and older (format version 3): `modules[].resources`,
  keyed by `type.name[.index]`, whose `primary.attributes` are flat strings
  (`"ingress.#": "1"`, `"ingress.2541437006.from_port": "22"`), expanded back into
  the nested values the other formats hold (`expand`).

Every resource becomes a `Resource` named by its Terraform address and located where the
file writes it (`source.Source`, by position in the JSON: a one-line plan's resources each at
their own column), its values but those masked (`"########"`, said: `source`). Several files
given together form one estate: an id known in one state (the VPC of another
workspace) resolves in another. Two files that hold different objects at one
address (two workspaces of one configuration) keep them apart: each is named
by its file, `prod.tfstate:module.vpc.aws_vpc.this[0]` (`_qualify`); the same
object at one address (a plan and the state it was made from) stays one.

`mapping.Resolver` answers "which resource does this attribute point at?".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from verifier.catalog import report
from verifier.diagnostics import InputError
from verifier.importers import Head, sniff
from verifier.importers import shape as shapes
from verifier.importers.shape import JsonPath, Tagged
from verifier.importers.terraform import source as sources
from verifier.importers.terraform.source import Source, Values
from verifier.language.model import Span

PROVIDERS = {"aws": "aws", "outscale": "outscale", "alicloud": "alibaba"}
# `aws_vpc.a.id`, `aws_vpc.a[0].id`, `data.aws_vpc.b.id`, `module.m["x"].aws_vpc.a` (module prefix handled apart)
REFERENCE = re.compile(
    r"(?P<type>(?:data\.)?[a-z0-9]+_[a-z0-9_]+)\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)"
    r'(?:\[(?P<key>\d+|"(?:[^"\\]|\\.)*")\])?(?:\.(?P<attr>[A-Za-z0-9_]+))?$'
)
MODULE_PREFIX = re.compile(r'module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.')

# What the reader takes from a plan's configuration, and the type it relies on (`shape`).
EXPRESSION = {"references": [str]}
CONFIGURATION: dict = {
    "resources": [{"address": str, "provider_config_key": str, "expressions": {"*": (EXPRESSION, list)}}],
    "outputs": {"*": {"expression": EXPRESSION}},
}
CONFIGURATION["module_calls"] = {"*": {"expressions": {"*": EXPRESSION}, "module": CONFIGURATION}}


def shape(values: dict[str, dict]) -> dict:
    """The shape of a plan, a state or a raw tfstate whose resources of type T have `values`
    (`attributes` in a raw state) of shape `values[T]`: what the provider mapping reads."""
    resource = Tagged(
        "type",
        {"address!": str, "type!": str, "name": str, "mode": str, "provider_name": str, "values": dict},
        {rtype: {"values": attributes} for rtype, attributes in values.items()},
    )
    module: dict = {"resources": [resource]}
    module["child_modules"] = [module]
    entry = Tagged(
        "type",
        {"type!": str, "name": str, "mode": str, "module": str, "provider": str, "instances": [{"attributes": dict}]},
        {rtype: {"instances": [{"attributes": attributes}]} for rtype, attributes in values.items()},
    )
    legacy = {"type": str, "provider": str, "primary": {"id": str, "attributes": {"*": str}}, "deposed": [dict]}
    return {
        "version": int,
        "modules": [{"path": [str], "resources": {"*": legacy}}],
        "planned_values": {"root_module": module},
        "resource_changes": [{"address": str, "change": {"after_unknown": dict, "actions": list}}],
        "prior_state": {"values": {"root_module": module}},
        "configuration": {"provider_config": {"*": {"expressions": {"region": dict}}}, "root_module": CONFIGURATION},
        "values": {"root_module": module},
        "resources": [entry],
    }


def detect_file(path: Path, head: Head | None = None) -> bool:
    """A Terraform input, by its top-level keys, whatever its name: a plan or a state as `terraform show
    -json` prints it (`format_version` with `terraform_version`), or a raw state of any format
    (`version`, `terraform_version` and `resources`, or `modules` for format 3; not the backend
    settings Terraform keeps in .terraform/terraform.tfstate)."""
    head = head or sniff(path)
    keys = head.keys
    if "format_version" in keys:
        return bool(keys & {"terraform_version", "planned_values", "values"})
    if not {"version", "terraform_version"} <= keys or "backend" in keys:
        return False
    if not keys & {"resources", "modules"} and not head.complete:
        keys = sniff(path, whole=True).keys  # `resources` comes after `outputs`, which may be long
    return bool(keys & {"resources", "modules"})


@dataclass
class Resource:
    address: str  # module.m["a"].aws_vpc.this[0]
    mode: str  # managed | data
    type: str
    name: str
    key: Any  # the count index or for_each key, None for a single instance
    module: str  # the module instance prefix: "" or 'module.m["a"]'
    provider: str  # aws | outscale | alicloud | another provider's short name
    provider_key: str  # the provider configuration: "aws", "aws.peer"
    values: dict
    unknown: dict  # after_unknown: attribute -> True, or a structure of them
    origin: Span
    file: str
    actions: tuple[str, ...] = ()
    tf_address: str = ""  # the address as Terraform writes it (`address` may be qualified by its file)
    masked: tuple[JsonPath, ...] = ()  # values masked in the input ("########"), from `values`: left out
    said: set[str] = field(default_factory=set)  # masked attributes a mapping has said what became of

    def is_masked(self, attribute: str) -> bool:
        """The attribute was masked in the input (the Outscale provider's test states): not unknown, hidden."""
        return any(str(p[0]).split(".")[0] == attribute for p in self.masked)

    def __post_init__(self) -> None:
        self.tf_address = self.tf_address or self.address

    @property
    def config_module(self) -> str:
        """The module path without instance keys: "module.m.module.n"."""
        return re.sub(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]', "", self.module)

    def get(self, attribute: str, default: Any = None) -> Any:
        value = self.values.get(attribute)
        return default if value is None else value

    def is_unknown(self, attribute: str) -> bool:
        """The whole attribute is unknown until apply (a list with some unknown elements is not)."""
        return self.unknown.get(attribute) is True

    def unknown_elements(self, attribute: str) -> bool:
        mark = self.unknown.get(attribute)
        return isinstance(mark, list) and any(m is True for m in mark)

    def unknown_in(self, attribute: str, index: int, field: str) -> bool:
        """A field of the index-th block of a nested block attribute is unknown."""
        mark = self.unknown.get(attribute)
        if mark is True:
            return True
        return (
            isinstance(mark, list)
            and index < len(mark)
            and isinstance(mark[index], dict)
            and mark[index].get(field) is True
        )


@dataclass(frozen=True)
class Target:
    """What an attribute points at: a resource of the input and which of its attributes."""

    address: str
    attribute: str = "id"


@dataclass(frozen=True)
class External:
    """An id that no resource of the input carries (managed elsewhere)."""

    value: str


@dataclass
class Input:
    """The resources of one or more Terraform files, and how to find things in them."""

    resources: list[Resource] = field(default_factory=list)
    configs: dict[str, dict] = field(default_factory=dict)  # file -> configuration (plans)
    texts: dict[str, str] = field(default_factory=dict)
    regions: dict[tuple[str, str], str] = field(default_factory=dict)  # (file, provider key) -> region
    kinds: dict[str, str] = field(default_factory=dict)  # file -> plan | state | tfstate | empty
    left_out: list[tuple[str, Span]] = field(default_factory=list)  # what reading left out, said (IMP001)
    named: dict[Span, str] = field(default_factory=dict)  # where a resource is -> its Terraform address


def read(files: list[Path], values: dict[str, dict] | None = None) -> Input:
    """The resources of `files`, each file checked against `shape(values)` but for its masked values
    (`source`), each resource located by where its address (or type) is written."""
    found = Input()
    for path, document, text, masks in sources.read(files, shape(values or {})):
        found.texts[str(path)] = text
        reading = Reading(found, Source(path, text), masks)
        if "planned_values" in document or "resource_changes" in document:
            found.kinds[str(path)] = "plan"
            _read_plan(reading, document)
        elif "values" in document:
            found.kinds[str(path)] = "state"
            module = (document.get("values") or {}).get("root_module") or {}
            _read_module_values(reading, module, ("values", "root_module"), {})
        elif document.get("resources") is not None:
            found.kinds[str(path)] = "tfstate"
            _read_tfstate(reading, document)
        elif document.get("modules") is not None:
            found.kinds[str(path)] = "tfstate"
            _read_legacy(reading, document, values or {})
        else:
            found.kinds[str(path)] = "empty"
        said = sources.said_of_file(path, text, masks, reading.values)
        if said is not None:
            found.left_out.append((said.message, said.span))
    _qualify(found)
    return found


@dataclass
class Reading:
    """One file being read: where to put what it holds, its text, and its masked values."""

    found: Input
    source: Source
    masks: list[JsonPath]
    values: list[JsonPath] = field(default_factory=list)  # where each resource's values are

    @property
    def path(self) -> Path:
        return Path(self.source.file)

    def add(self, resource: Resource, values: JsonPath) -> None:
        """A resource read, whose values are at `values` (their masked ones said apart)."""
        self.values.append(values)
        resource.masked = tuple(sources.relative(self.masks, values))
        resource.values = Values(resource.values)
        self.found.resources.append(resource)
        self.found.named[resource.origin] = resource.tf_address

    def leave_out(self, message: str, origin: Span, address: str) -> None:
        self.found.left_out.append((message, origin))
        self.found.named[origin] = address


def _qualify(found: Input) -> None:
    """Name apart the different objects that files given together hold at one address.

    Two workspaces of one configuration (or two copies of a module) hold
    `module.vpc.aws_vpc.this[0]` each: different VPCs, which must not merge into one
    net. Each is then named by its file, `prod.tfstate:module.vpc.aws_vpc.this[0]`,
    the file's name with as many of its folders as tell the inputs apart. One object
    at one address in several files (a plan and the state it was made from, a state
    and its backup: the same cloud id) keeps its address."""
    holders: dict[str, list[Resource]] = {}
    for resource in found.resources:
        holders.setdefault(resource.address, []).append(resource)
    labels = file_labels(list(found.texts))
    for address, resources in holders.items():
        if len({r.file for r in resources}) < 2:
            continue
        ids = {(r.type, r.values.get("id") if isinstance(r.values.get("id"), str) else "") for r in resources}
        if len(ids) == 1 and all(i for _, i in ids):
            continue  # one object, seen in several files
        for resource in resources:
            resource.address = f"{labels[resource.file]}:{address}"


def file_labels(files: list[str]) -> dict[str, str]:
    """Each file's name, with as many of its folders as tell the files apart (the same number for all)."""
    parts = {file: Path(file).parts for file in files}
    longest = max((len(p) for p in parts.values()), default=1)
    for depth in range(1, longest + 1):
        labels = {file: "/".join(p[-depth:]) for file, p in parts.items()}
        if len(set(labels.values())) == len(labels):
            return labels
    return {file: file for file in files}


def _provider(name: str) -> tuple[str, str]:
    """(short provider name, alias) from `registry.terraform.io/hashicorp/aws` or a state's provider string."""
    alias = ""
    match = re.match(r'provider\["([^"]+)"\](?:\.(\w+))?', name or "")
    if match:
        name, alias = match.group(1), match.group(2) or ""
    short = (name or "").rsplit("/", 1)[-1]
    return short, alias


def _resource_type_provider(rtype: str) -> str:
    return rtype.removeprefix("data.").split("_", 1)[0]


def _read_plan(reading: Reading, document: dict) -> None:
    found, path = reading.found, reading.path
    unknowns, actions = {}, {}
    for change in document.get("resource_changes") or []:
        body = change.get("change") or {}
        unknowns[change.get("address")] = body.get("after_unknown") or {}
        actions[change.get("address")] = tuple(body.get("actions") or ())
    configuration = document.get("configuration") or {}
    found.configs[str(path)] = configuration
    for key, provider in (configuration.get("provider_config") or {}).items():
        region = ((provider.get("expressions") or {}).get("region") or {}).get("constant_value")
        if isinstance(region, str):
            found.regions[(str(path), key)] = region
    before = len(found.resources)
    planned = (document.get("planned_values") or {}).get("root_module") or {}
    _read_module_values(reading, planned, ("planned_values", "root_module"), unknowns, actions)
    seen = {r.address for r in found.resources[before:]}
    prior = ((document.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    data = Reading(Input(), reading.source, reading.masks)
    _read_module_values(data, prior, ("prior_state", "values", "root_module"), {})
    for resource in data.found.resources:
        if resource.mode == "data" and resource.address not in seen:
            found.resources.append(resource)
            found.named[resource.origin] = resource.tf_address
    reading.values += data.values
    config_keys = _config_provider_keys(configuration.get("root_module") or {}, "")
    for resource in found.resources[before:]:
        resource.provider_key = config_keys.get((resource.config_module, local_name(resource)), resource.provider_key)


def local_name(resource: Resource) -> str:
    """The resource's address in its module, without instance key: `aws_vpc.this`, `data.aws_vpc.peer`."""
    return f"{'data.' if resource.mode == 'data' else ''}{resource.type}.{resource.name}"


def _config_provider_keys(module: dict, prefix: str) -> dict[tuple[str, str], str]:
    keys = {}
    for resource in module.get("resources") or []:
        keys[(prefix, resource.get("address", ""))] = resource.get("provider_config_key", "")
    for name, call in (module.get("module_calls") or {}).items():
        keys.update(_config_provider_keys(call.get("module") or {}, f"{prefix}.module.{name}".lstrip(".")))
    return keys


def _read_module_values(
    reading: Reading,
    module: dict,
    where: JsonPath,
    unknowns: dict,
    actions: dict | None = None,
    offset: int | None = None,
) -> None:
    """The resources of a module of a plan or a state (at `where` in the file, written at `offset`
    when known: a child module's, found with its parent's), and of its children."""
    source = reading.source
    members = source.members(source.at(where) if offset is None else offset)
    written = source.members(members.get("resources", (0, None))[1])  # where each resource is
    for index, entry in enumerate(module.get("resources") or []):
        address = entry.get("address", "")
        rtype = entry.get("type", "")
        origin = source.member(written.get(index, (0, None))[1], "address")
        if entry.get("deposed_key"):
            reading.leave_out(_deposed(address), origin, address)
            continue
        provider, alias = _provider(entry.get("provider_name", ""))
        module_prefix = address[: -len(_tail(address))].rstrip(".") if _tail(address) else ""
        resource = Resource(
            address=address,
            mode=entry.get("mode") or "managed",
            type=rtype,
            name=entry.get("name", ""),
            key=entry.get("index"),
            module=module_prefix,
            provider=provider or _resource_type_provider(rtype),
            provider_key=provider + (f".{alias}" if alias else ""),
            values=entry.get("values") or {},
            unknown=unknowns.get(address) or {},
            origin=origin,
            file=str(reading.path),
            actions=(actions or {}).get(address, ()),
        )
        reading.add(resource, where + ("resources", index, "values"))
    children = source.members(members.get("child_modules", (0, None))[1])
    for index, child in enumerate(module.get("child_modules") or []):
        at = children.get(index, (0, None))[1]
        _read_module_values(reading, child, where + ("child_modules", index), unknowns, actions, at)


def _tail(address: str) -> str:
    """The resource part of an address, without its module prefix."""
    return MODULE_PREFIX.sub("", address)


def _read_tfstate(reading: Reading, document: dict) -> None:
    source = reading.source
    entries = source.members(source.at(("resources",)))  # where each entry is
    for index, entry in enumerate(document["resources"]):
        module = entry.get("module") or ""
        mode = entry.get("mode") or "managed"
        local = f"{'data.' if mode == 'data' else ''}{entry.get('type')}.{entry.get('name')}"
        provider, alias = _provider(entry.get("provider", ""))
        at = entries.get(index, (0, None))[1]
        written_entry = source.members(at)
        instances = source.members(written_entry.get("instances", (0, None))[1])
        named_at = source.member(at, "type", written_entry)  # a single instance: where its entry's type is
        for number, instance in enumerate(entry.get("instances") or []):
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            address = f"{module + '.' if module else ''}{local}{suffix}"
            # an instance of count or for_each is where its key is written; a single one, its entry's type
            written = instances.get(number, (0, None))[1]
            origin = source.member(written, "index_key") if key is not None else named_at
            if instance.get("deposed"):
                reading.leave_out(_deposed(address), origin, address)
                continue
            resource = Resource(
                address=address,
                mode=mode,
                type=entry.get("type", ""),
                name=entry.get("name", ""),
                key=key,
                module=module,
                provider=provider or _resource_type_provider(entry.get("type", "")),
                provider_key=provider + (f".{alias}" if alias else ""),
                values=instance.get("attributes") or {},
                unknown={},
                origin=origin,
                file=str(reading.path),
            )
            reading.add(resource, ("resources", index, "instances", number, "attributes"))


def _deposed(address: str) -> str:
    return (
        f"{address}: a deposed object (the old copy of a replaced resource, destroyed at the end of the "
        "apply) is not modelled"
    )


# -- format 3: Terraform 0.11 and older ----------------------------------------------------------
# `type.name`, `type.name.2` (count), `data.type.name[.2]`: Terraform's parseLegacyResourceAddress
LEGACY_KEY = re.compile(
    r"(?:(?P<data>data)\.)?(?P<type>[A-Za-z0-9_-]+)\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?:\.(?P<index>\d+))?"
)
# Flat attributes are strings; these (ports, rule numbers, priorities) are numbers in the nested form.
NUMBERS = frozenset(
    {"from_port", "to_port", "rule_no", "rule_number", "priority", "icmp_type", "icmp_code", "device_index"}
)


def _read_legacy(reading: Reading, document: dict, values: dict[str, dict]) -> None:
    """The resources of a format-3 state: `modules[].resources["type.name"].primary.attributes`
    (a masked version is taken for 3: the layout says so)."""
    path, text = reading.path, reading.source.text
    version = document.get("version")
    if version != 3 and ("version",) not in reading.masks:
        where = shapes.span(path, text, ("version",)) if "version" in document else Span(str(path), 1, 1, 1, 2)
        raise InputError(
            [
                report(
                    "PARSE002",
                    f"a Terraform state of format version {json.dumps(version)} (its resources under "
                    '"modules"): peerproof reads format 3 (Terraform 0.11 and older) and format 4',
                    where,
                )
            ]
        )
    for index, module in enumerate(document["modules"]):
        steps = module.get("path") or []
        if not steps or steps[0] != "root":
            raise InputError(
                [
                    report(
                        "PARSE002",
                        f'modules[{index}].path: a module path starts with "root", found {json.dumps(steps)}',
                        shapes.span(path, text, ("modules", index, "path")),
                    )
                ]
            )
        prefix = ".".join(f"module.{step}" for step in steps[1:])
        written = reading.source.at(("modules", index, "resources"))
        for key, entry in (module.get("resources") or {}).items():
            origin = reading.source.member(written, key)  # the resource's key: its address in Terraform 0.11
            _read_legacy_resource(reading, values, prefix, key, entry, origin, ("modules", index, "resources", key))


def _read_legacy_resource(
    reading: Reading, values: dict[str, dict], prefix: str, key: str, entry: dict, origin: Span, where: JsonPath
) -> None:
    match = LEGACY_KEY.fullmatch(key)
    if match is None:
        reading.leave_out(f"{key}: not a resource address of a Terraform 0.11 state; not imported", origin, key)
        return
    mode = "data" if match["data"] else "managed"
    rtype, name = match["type"], match["name"]
    index = int(match["index"]) if match["index"] is not None else None
    local = f"{'data.' if mode == 'data' else ''}{rtype}.{name}"
    address = f"{prefix + '.' if prefix else ''}{local}" + ("" if index is None else f"[{index}]")
    for _ in entry.get("deposed") or []:
        reading.leave_out(_deposed(address), origin, address)
    primary = entry.get("primary")
    if not isinstance(primary, dict):
        return  # only deposed objects: said above
    attributes = dict(primary.get("attributes") or {})
    if primary.get("id") and not attributes.get("id"):
        attributes["id"] = primary["id"]  # Terraform's own upgrade does the same
    nested = expand(attributes)
    wrong = list(shapes.mismatches(nested, values.get(rtype, {})))
    if wrong:
        at, message = wrong[0]
        raise InputError(
            [report("PARSE002", f"{key}: {shapes.path_text(at)} (from its flat attributes): {message}", origin)]
        )
    provider, alias = _legacy_provider(entry.get("provider") or "", rtype)
    resource = Resource(
        address=address,
        mode=mode,
        type=rtype,
        name=name,
        key=index,
        module=prefix,
        provider=provider,
        provider_key=provider + (f".{alias}" if alias else ""),
        values=nested,
        unknown={},
        origin=origin,
        file=str(reading.path),
    )
    reading.add(resource, where + ("primary", "attributes"))


def _legacy_provider(text: str, rtype: str) -> tuple[str, str]:
    """(provider, alias) from `provider.aws`, `provider.aws.peer`, `module.m.provider.aws`, `aws` or ""."""
    text = re.sub(r"^(?:module\.[^.]+\.)*", "", text).removeprefix("provider.")
    name, _, alias = text.partition(".")
    return name or _resource_type_provider(rtype), alias


def expand(flat: dict[str, str]) -> dict[str, Any]:
    """Terraform 0.11's flat attributes as the nested values of later formats.

    `a.#` with `a.N` or `a.N.f`: a list (or a set, whose N are hashes), in the order of N;
    `a.%` with `a.KEY`: a map (its keys may hold dots: the rest of the name is the key);
    `a.f`: field f of an object block; "true" and "false" are booleans, and the ports,
    rule numbers and priorities are numbers (`NUMBERS`); every other value stays a string.
    """
    return _expand_object(flat, "")


def _expand_value(flat: dict[str, str], key: str, name: str) -> Any:
    if key in flat:
        return _scalar(name, flat[key])
    start = f"{key}."
    if f"{key}.#" in flat:
        tokens = dict.fromkeys(k[len(start) :].split(".", 1)[0] for k in flat if k.startswith(start))
        tokens.pop("#", None)
        ordered = sorted(tokens, key=lambda t: (0, int(t), t) if t.isdigit() else (1, 0, t))
        return [_expand_value(flat, start + token, name) for token in ordered]
    if f"{key}.%" in flat:
        return {k[len(start) :]: v for k, v in flat.items() if k.startswith(start) and k != f"{key}.%"}
    return _expand_object(flat, key)


def _expand_object(flat: dict[str, str], key: str) -> dict[str, Any]:
    start = f"{key}." if key else ""
    names = dict.fromkeys(k[len(start) :].split(".", 1)[0] for k in flat if k.startswith(start))
    return {name: _expand_value(flat, start + name, name) for name in names if name}


def _scalar(name: str, text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if name in NUMBERS and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def iter_blocks(value: Any) -> Iterator[dict]:
    """The objects of a nested block attribute (a list of objects, or None)."""
    for item in value or []:
        if isinstance(item, dict):
            yield item

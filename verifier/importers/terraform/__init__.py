"""Terraform plans and states: the resources they hold, with their values, unknowns and configuration.

Three inputs, recognised by content:
- a plan (`terraform show -json plan.out`): `planned_values` (the values after
  apply; unknown ones are absent), `resource_changes[].change.after_unknown`
  (which are unknown), `configuration` (the expressions, whose `references`
  name the resources an unknown id will come from), `prior_state` (data sources);
- a state as `terraform show -json` prints it: `values.root_module`;
- a raw state file (`terraform.tfstate`, format version 4): `resources[].instances[]`.

Every resource becomes a `Resource` named by its Terraform address. A `Resolver`
answers "which resource does this attribute point at?" from a known id, or for
an id unknown until apply, from the configuration's references (through module
variables and outputs). What it cannot answer it says (None), and the provider
mapping turns that into an IMP002 finding instead of a guess.

Several files given together form one estate: an id known in one state (the
VPC of another workspace) resolves in another.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from verifier.importers import head, read_all
from verifier.importers.shape import Tagged
from verifier.language.model import Span

SUFFIXES = (".json", ".tfstate")
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
    return {
        "planned_values": {"root_module": module},
        "resource_changes": [{"address": str, "change": {"after_unknown": dict, "actions": list}}],
        "prior_state": {"values": {"root_module": module}},
        "configuration": {"provider_config": {"*": {"expressions": {"region": dict}}}, "root_module": CONFIGURATION},
        "values": {"root_module": module},
        "resources": [entry],
    }


def detect_file(path: Path) -> bool:
    text = head(path, SUFFIXES)
    return '"terraform_version"' in text or ('"format_version"' in text and '"planned_values"' in text)


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


@dataclass
class Target:
    """What an attribute points at: a resource of the input and which of its attributes."""

    address: str
    attribute: str = "id"


@dataclass
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
    kinds: dict[str, str] = field(default_factory=dict)  # file -> plan | state | tfstate


def read(files: list[Path], values: dict[str, dict] | None = None) -> Input:
    """The resources of `files`, each file checked against `shape(values)`."""
    found = Input()
    for path, document, text in read_all(files, shape(values or {})):
        found.texts[str(path)] = text
        if "planned_values" in document or "resource_changes" in document:
            found.kinds[str(path)] = "plan"
            _read_plan(found, path, document, text)
        elif "values" in document:
            found.kinds[str(path)] = "state"
            _read_module_values(found, path, text, (document.get("values") or {}).get("root_module") or {}, {})
        elif document.get("resources") is not None:
            found.kinds[str(path)] = "tfstate"
            _read_tfstate(found, path, document, text)
        else:
            found.kinds[str(path)] = "empty"
    return found


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


def _find_origin(path: Path, text: str, needle: str, start: int = 0) -> Span:
    offset = text.find(needle, start)
    if offset < 0:
        offset = text.find(needle)
    if offset < 0:
        return Span(str(path), 1, 1, 1, 2)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(str(path), line, column, line, column + len(needle))


def _read_plan(found: Input, path: Path, document: dict, text: str) -> None:
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
    start = text.find('"planned_values"')
    before = len(found.resources)
    _read_module_values(
        found, path, text, (document.get("planned_values") or {}).get("root_module") or {}, unknowns, start, actions
    )
    seen = {r.address for r in found.resources[before:]}
    prior = ((document.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    data = Input()
    _read_module_values(data, path, text, prior, {}, text.find('"prior_state"'))
    found.resources += [r for r in data.resources if r.mode == "data" and r.address not in seen]
    config_keys = _config_provider_keys(configuration.get("root_module") or {}, "")
    for resource in found.resources[before:]:
        resource.provider_key = config_keys.get((resource.config_module, _local(resource)), resource.provider_key)


def _local(resource: Resource) -> str:
    return f"{'data.' if resource.mode == 'data' else ''}{resource.type}.{resource.name}"


def _config_provider_keys(module: dict, prefix: str) -> dict[tuple[str, str], str]:
    keys = {}
    for resource in module.get("resources") or []:
        keys[(prefix, resource.get("address", ""))] = resource.get("provider_config_key", "")
    for name, call in (module.get("module_calls") or {}).items():
        keys.update(_config_provider_keys(call.get("module") or {}, f"{prefix}.module.{name}".lstrip(".")))
    return keys


def _read_module_values(
    found: Input, path: Path, text: str, module: dict, unknowns: dict, start: int = 0, actions: dict | None = None
) -> None:
    for entry in module.get("resources") or []:
        address = entry.get("address", "")
        rtype = entry.get("type", "")
        provider, alias = _provider(entry.get("provider_name", ""))
        module_prefix = address[: -len(_tail(address))].rstrip(".") if _tail(address) else ""
        found.resources.append(
            Resource(
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
                origin=_find_origin(path, text, f'"address": {json.dumps(address)}', start),
                file=str(path),
                actions=(actions or {}).get(address, ()),
            )
        )
    for child in module.get("child_modules") or []:
        _read_module_values(found, path, text, child, unknowns, start, actions)


def _tail(address: str) -> str:
    """The resource part of an address, without its module prefix."""
    return MODULE_PREFIX.sub("", address)


def _read_tfstate(found: Input, path: Path, document: dict, text: str) -> None:
    for entry in document["resources"]:
        module = entry.get("module") or ""
        mode = entry.get("mode") or "managed"
        local = f"{'data.' if mode == 'data' else ''}{entry.get('type')}.{entry.get('name')}"
        provider, alias = _provider(entry.get("provider", ""))
        pattern = re.compile(
            r'"type"\s*:\s*'
            + re.escape(json.dumps(entry.get("type")))
            + r'\s*,\s*"name"\s*:\s*'
            + re.escape(json.dumps(entry.get("name")))
        )
        hits = [m.start() for m in pattern.finditer(text)]
        offset = next(
            (h for h in hits if not module or json.dumps(module)[1:-1] in text[max(0, h - 300) : h]),
            hits[0] if hits else 0,
        )
        for instance in entry.get("instances") or []:
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            address = f"{module + '.' if module else ''}{local}{suffix}"
            origin = _find_origin(path, text, '"index_key"', offset) if key is not None else None
            line_of = origin if origin and origin.line > 1 else None
            found.resources.append(
                Resource(
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
                    origin=line_of or _span_at(path, text, offset),
                    file=str(path),
                )
            )


def _span_at(path: Path, text: str, offset: int) -> Span:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(str(path), line, column, line, column + 1)


class Resolver:
    """Which resource an attribute points at: by known id, else by the configuration's references."""

    def __init__(self, found: Input, id_attributes: dict[str, tuple[str, ...]]):
        self.found = found
        self.by_address = {r.address: r for r in found.resources}
        self.ids: dict[str, Target] = {}
        for resource in found.resources:
            for attribute in ("id",) + id_attributes.get(resource.type, ()):
                value = resource.values.get(attribute)
                if isinstance(value, str) and value and value not in self.ids:
                    self.ids[value] = Target(resource.address, attribute)

    def of_type(self, *types: str, data: bool = False) -> list[Resource]:
        modes = ("managed", "data") if data else ("managed",)
        return [r for r in self.found.resources if r.type in types and r.mode in modes]

    def region(self, resource: Resource) -> str | None:
        return self.found.regions.get((resource.file, resource.provider_key))

    def one(self, resource: Resource, attribute: str) -> Target | External | None:
        """The single thing `attribute` points at; None when unknown and unresolvable (or absent)."""
        value = resource.values.get(attribute)
        if isinstance(value, str) and value:
            return self.ids.get(value) or External(value)
        if resource.is_unknown(attribute):
            targets = self.references(resource, attribute)
            return targets[0] if len(targets) == 1 else None
        return None

    def many(self, resource: Resource, attribute: str) -> tuple[list[Target | External], bool]:
        """What a list attribute points at, and whether all of it was resolved."""
        values = resource.values.get(attribute) or []
        known = [self.ids.get(v) or External(v) for v in values if isinstance(v, str) and v]
        if not resource.is_unknown(attribute) and not resource.unknown_elements(attribute):
            return known, True
        referenced = self.references(resource, attribute)
        merged = known + [t for t in referenced if t not in known]
        return merged, bool(referenced)

    def references(self, resource: Resource, attribute: str) -> list[Target]:
        expression = self._expression(resource, attribute)
        if not isinstance(expression, dict):
            return []
        return self._resolve_refs(expression.get("references") or [], resource.module, resource.key)

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
            targets = self._resolve_refs(_all_references(candidate.get(field)), resource.module, resource.key)
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
            if entry.get("address") == _local(resource):
                found = (entry.get("expressions") or {}).get(attribute)
                return found if isinstance(found, (dict, list)) else None
        return None

    def _config_module(self, file: str, path: str) -> dict | None:
        module = (self.found.configs.get(file) or {}).get("root_module")
        for name in [p for p in path.split(".") if p and p != "module"]:
            module = (((module or {}).get("module_calls") or {}).get(name) or {}).get("module")
        return module

    def _resolve_refs(self, references: list[str], module: str, key: Any, depth: int = 0) -> list[Target]:
        targets: list[Target] = []
        iterating = any(r in ("count.index", "each.key", "each.value") for r in references)
        for reference in references:
            for target in self._resolve_ref(reference, module, key if iterating else None, depth):
                if target not in targets and not any(t.address == target.address for t in targets):
                    targets.append(target)
        return targets

    def _resolve_ref(self, reference: str, module: str, key: Any, depth: int) -> list[Target]:
        if depth > 8:
            return []
        if reference.startswith("var."):
            return self._through_variable(reference[4:].split(".")[0].split("[")[0], module, depth)
        if reference.startswith("module."):
            return self._through_output(reference, module, depth)
        match = REFERENCE.match(reference)
        if not match:
            return []
        local = f"{match['type']}.{match['name']}"
        prefix = f"{module}." if module else ""
        if match["key"] is not None:
            address = f"{prefix}{local}[{match['key']}]"
            return [Target(address, match["attr"] or "id")] if address in self.by_address else []
        instances = [r for r in self.found.resources if r.module == module and _local(r) == local]
        if len(instances) == 1:
            return [Target(instances[0].address, match["attr"] or "id")]
        same = [r for r in instances if key is not None and r.key == key]
        return [Target(same[0].address, match["attr"] or "id")] if len(same) == 1 else []

    def _through_variable(self, variable: str, module: str, depth: int) -> list[Target]:
        if not module:
            return []
        parent, _, call = module.rpartition(".module.") if ".module." in module else ("", "", module)
        call_name = re.sub(r"\[.*\]$", "", call.removeprefix("module."))
        files = {r.file for r in self.found.resources if r.module == module}
        for file in sorted(files):
            parent_config = self._config_module(file, re.sub(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]', "", parent))
            calls = (parent_config or {}).get("module_calls") or {}
            expression = ((calls.get(call_name) or {}).get("expressions") or {}).get(variable) or {}
            key_match = re.search(r"\[(.*)\]$", call)
            key = json.loads(key_match.group(1)) if key_match else None
            found = self._resolve_refs(expression.get("references") or [], parent, key, depth + 1)
            if found:
                return found
        return []

    def _through_output(self, reference: str, module: str, depth: int) -> list[Target]:
        match = re.match(
            r'module\.([A-Za-z_][A-Za-z0-9_-]*)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.([A-Za-z0-9_]+)', reference
        )
        if not match:
            return []
        child = f"{module + '.' if module else ''}module.{match.group(1)}{match.group(2) or ''}"
        files = {r.file for r in self.found.resources if r.module == child}
        for file in sorted(files):
            config = self._config_module(file, re.sub(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]', "", child))
            output = ((config or {}).get("outputs") or {}).get(match.group(3)) or {}
            found = self._resolve_refs((output.get("expression") or {}).get("references") or [], child, None, depth + 1)
            if found:
                return found
        return []


def _all_references(expression: Any) -> list[str]:
    """Every reference in an expression, including those of nested blocks."""
    if isinstance(expression, list):
        return [r for item in expression for r in _all_references(item)]
    if not isinstance(expression, dict):
        return []
    if "references" in expression and isinstance(expression["references"], list):
        return [r for r in expression["references"] if isinstance(r, str)]
    return [r for value in expression.values() for r in _all_references(value)]


def iter_blocks(value: Any) -> Iterator[dict]:
    """The objects of a nested block attribute (a list of objects, or None)."""
    for item in value or []:
        if isinstance(item, dict):
            yield item


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
            return self.r.ids.get(value) or External(value)
        if self.unknown(field):
            targets = self.references(field)
            return targets[0] if len(targets) == 1 else None
        return None


def blocks_of(resolver: Resolver, resource: Resource, attribute: str) -> Iterator[Fields]:
    """The blocks of a nested block attribute, each as Fields."""
    for index, block in enumerate(resource.values.get(attribute) or []):
        if isinstance(block, dict):
            yield Fields(resolver, resource, attribute, index, block)

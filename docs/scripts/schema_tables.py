"""Key tables of the ``learning_rate`` section, generated from its JSON Schema.

``lrschedules_jax.json_schema()`` holds, for every registered type, each key's type, default,
bounds, description and extension marks (``x-extension``, ``x-extension-values``). The tables
of docs/configuration.md are made here from it, so that they cannot drift from the validation.

A key is *shared* when the same key with the same schema appears in at least
:data:`MIN_SHARED` types (the warmup keys, the stop keys, the noise keys...): it is listed once,
in its group's table, and left out of the types' own tables.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

#: A key with the same schema in at least this many types is listed once, in a shared table.
MIN_SHARED = 3

_INT_NAMES = {2**31 - 1: "2**31 - 1", 2**32: "2**32", 2**31: "2**31"}
_TYPE_NAMES = {
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "string": "str",
    "object": "mapping",
    "null": "null",
}


@dataclass
class TypeDef:
    """One ``learning_rate`` type as the schema describes it."""

    name: str
    definition: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        return self.definition.get("properties", {})

    @property
    def required(self) -> set[str]:
        return set(self.definition.get("required", ()))

    @property
    def extension(self) -> bool:
        return bool(self.definition.get("x-extension"))

    @property
    def examples(self) -> list[Any]:
        return list(self.definition.get("examples", ()))


@dataclass
class Group:
    """Keys with one schema each, shared by the same types."""

    keys: list[str]
    types: list[str]
    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def type_defs(schema: dict[str, Any]) -> dict[str, TypeDef]:
    """Every type of the schema's ``anyOf``, by its ``type`` name, in the schema's order."""
    defs = schema.get("$defs", {})
    found: dict[str, TypeDef] = {}
    for entry in schema.get("anyOf", ()):
        ref = entry.get("$ref", "")
        definition = defs[ref.rsplit("/", 1)[-1]] if ref else entry
        type_prop = definition.get("properties", {}).get("type", {})
        name = type_prop.get("const") or (type_prop.get("enum") or [None])[0]
        if name is None:
            raise ValueError(f"a schema entry without a `type` constant: {entry}")
        found[name] = TypeDef(name, definition)
    return found


def shared_groups(types: dict[str, TypeDef]) -> list[Group]:
    """The shared keys, grouped by the set of types that have them (largest groups first)."""
    owners: dict[tuple[str, str], list[str]] = {}
    for name, t in types.items():
        for key, prop in t.properties.items():
            if key != "type":
                owners.setdefault((key, _canonical(prop)), []).append(name)
    groups: dict[tuple[str, ...], Group] = {}
    for (key, prop), names in owners.items():
        if len(names) < MIN_SHARED:
            continue
        group = groups.setdefault(tuple(names), Group([], list(names)))
        group.keys.append(key)
        group.properties[key] = json.loads(prop)
        if all(key in types[n].required for n in names):
            group.required.add(key)
    return sorted(groups.values(), key=lambda g: (-len(g.types), list(types).index(g.types[0])))


def own_keys(t: TypeDef, groups: list[Group]) -> list[str]:
    """The keys of ``t`` that no shared group lists (``type`` left out)."""
    shared = {
        key
        for g in groups
        if t.name in g.types
        for key in g.keys
        if _canonical(g.properties[key]) == _canonical(t.properties.get(key))
    }
    return [k for k in t.properties if k != "type" and k not in shared]


def group_of(key: str, groups: list[Group]) -> Group:
    """The shared group holding ``key`` (the largest one if several do)."""
    for g in groups:
        if key in g.keys:
            return g
    raise KeyError(f"no shared group holds `{key}`")


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int) and value in _INT_NAMES:
        return _INT_NAMES[value]
    if isinstance(value, float) and len(repr(value)) > 12:
        return f"{value:.8g}"  # 3.4028234663852886e+38 -> 3.4028235e+38
    return json.dumps(value)


def _variants(prop: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The non-null alternatives of a property and whether null is allowed."""
    alternatives = prop.get("anyOf") or prop.get("oneOf") or [prop]
    variants = [v for v in alternatives if v.get("type") != "null"]
    return variants, len(variants) < len(alternatives)


def _type_name(variant: dict[str, Any], blocks: dict[str, str]) -> str:
    if "$ref" in variant:
        name = variant["$ref"].rsplit("/", 1)[-1]
        anchor = blocks.get(name)
        return f"[block](#{anchor})" if anchor else "block"
    kind = variant.get("type")
    if kind == "array":
        items = variant.get("items", {})
        inner = " or ".join(_type_name(v, blocks) for v in _variants(items)[0]) or "any"
        return f"list of {inner}"
    if kind is None and "enum" in variant:
        kind = "string" if all(isinstance(x, str) for x in variant["enum"]) else None
    return _TYPE_NAMES.get(kind, kind or "any")


def _bounds(variant: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, op in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in variant:
            out.append(f"{prefix}`{op} {_number(variant[key])}`")
    if "enum" in variant:
        out.append(", ".join(f"`{_number(v)}`" for v in variant["enum"]))
    if "minItems" in variant:
        n = variant["minItems"]
        out.append(f"at least {n} item{'s' if n != 1 else ''}")
    if "maxItems" in variant:
        out.append(f"at most {variant['maxItems']} items")
    if variant.get("type") == "array":
        for item in _variants(variant.get("items", {}))[0]:
            out += _bounds(item, prefix="each ")
    return out


def _cell(text: str) -> str:
    """A table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def key_row(key: str, prop: dict[str, Any], required: bool, blocks: dict[str, str]) -> str:
    variants, _ = _variants(prop)
    kind = " or ".join(dict.fromkeys(_type_name(v, blocks) for v in variants))
    allowed = [b for v in variants for b in _bounds(v)]
    if prop.get("x-extension-values"):
        ext = ", ".join(f"`{v}`" for v in prop["x-extension-values"])
        allowed.append(f"extension: {ext}")
    if required:
        default = "required"
    elif "default" in prop and prop["default"] is not None:
        default = f"`{json.dumps(prop['default'])}`"
    else:
        default = "—"  # optional, no value
    description = prop.get("description", "")
    name = f"`{key}`"
    if prop.get("x-extension"):
        description = description.removeprefix("Extension (not DeePMD-kit 3.2).").strip()
        name += " <br>*extension*"
    cells = [name, kind, default, "; ".join(allowed) or "—", description]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


HEADER = "| key | type | default | allowed | description |\n| --- | --- | --- | --- | --- |"


def key_table(
    keys: list[str], properties: dict[str, Any], required: set[str], blocks: dict[str, str]
) -> str:
    rows = [key_row(k, properties[k], k in required, blocks) for k in keys]
    return "\n".join([HEADER, *rows])


def block_defs(schema: dict[str, Any], types: dict[str, TypeDef]) -> dict[str, str]:
    """Nested blocks (``$ref`` targets that are not types): their ``$defs`` name -> the key
    that holds them (``BatchScalingKeys`` -> ``batch_scaling``)."""
    type_names = {json.dumps(t.definition, sort_keys=True) for t in types.values()}
    found: dict[str, str] = {}
    for t in types.values():
        for key, prop in t.properties.items():
            for v in _variants(prop)[0]:
                ref = v.get("$ref")
                if not ref:
                    continue
                name = ref.rsplit("/", 1)[-1]
                definition = schema["$defs"][name]
                if json.dumps(definition, sort_keys=True) not in type_names:
                    found.setdefault(name, key)
    return found


def block_anchor(key: str) -> str:
    return f"block-{key.replace('_', '-')}"


def type_anchor(name: str) -> str:
    return f"type-{name.replace('_', '-')}"


def type_list(names: list[str], all_types: dict[str, TypeDef]) -> str:
    if set(names) == set(all_types):
        return "every type"
    return ", ".join(f"[`{n}`](#{type_anchor(n)})" for n in names)


class Tables:
    """The tables of one schema, rendered on demand by the markers of a page."""

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self.types = type_defs(schema)
        self.groups = shared_groups(self.types)
        self.blocks = block_defs(schema, self.types)  # $defs name -> key
        self.block_anchors = {name: block_anchor(key) for name, key in self.blocks.items()}

    def type_table(self, name: str) -> str:
        """The keys of type ``name`` that no shared table lists, and the shared tables it has."""
        t = self.types[name]
        keys = own_keys(t, self.groups)
        shared = [g for g in self.groups if name in g.types]
        links = ", ".join(
            f"[{', '.join(f'`{k}`' for k in g.keys)}](#{self.group_anchor(g)})" for g in shared
        )
        if keys:
            intro = f"The keys of `{name}`" + (f", besides the shared {links}:" if links else ":")
        else:
            intro = f"`{name}` has no keys of its own" + (f"; shared: {links}." if links else ".")
        parts = [f"{intro}\n{{: #{type_anchor(name)} }}"]
        if t.extension:
            parts.append(
                f"`{name}` is an **extension**: a DeePMD-kit input file using it needs "
                "`--extensions` (`load_input(path, extensions=True)`)."
            )
        if keys:
            parts.append(key_table(keys, t.properties, t.required, self.block_anchors))
        return "\n\n".join(parts)

    def group_anchor(self, group: Group) -> str:
        return f"shared-{group.keys[0].replace('_', '-')}"

    def group_table(self, key: str) -> str:
        g = group_of(key, self.groups)
        table = key_table(g.keys, g.properties, g.required, self.block_anchors)
        intro = f"Keys of {type_list(g.types, self.types)}:\n{{: #{self.group_anchor(g)} }}"
        return f"{intro}\n\n{table}"

    def block_table(self, key: str) -> str:
        for name, holder in self.blocks.items():
            if holder == key:
                d = self.schema["$defs"][name]
                table = key_table(
                    list(d["properties"]), d["properties"], set(d.get("required", ())), {}
                )
                return f"The keys of the `{key}` block:\n{{: #{block_anchor(key)} }}\n\n{table}"
        raise KeyError(f"no block is held by the key `{key}`")

    def render(self, spec: str) -> str:
        """The markdown for a marker ``<!-- keys: SPEC -->``: ``type NAME``, ``shared KEY``,
        ``block KEY``."""
        kind, _, arg = spec.strip().partition(" ")
        if kind == "type":
            return self.type_table(arg)
        if kind == "shared":
            return self.group_table(arg)
        if kind == "block":
            return self.block_table(arg)
        raise ValueError(f"unknown key-table marker `{spec}`")

    def fill(self, markdown: str, *, complete: bool = False) -> str:
        """Replace every ``<!-- keys: SPEC -->`` line of a page with its table.

        With ``complete``, the types, shared groups and blocks that no marker placed are
        appended in sections of their own, so that every key of the schema is on the page.
        """
        placed: set[tuple[str, str]] = set()

        def replace(match: re.Match[str]) -> str:
            kind, _, arg = match.group(1).strip().partition(" ")
            if kind == "shared":
                arg = group_of(arg, self.groups).keys[0]
            placed.add((kind, arg))
            return self.render(f"{kind} {arg}")

        text = MARKER.sub(replace, markdown)
        if not complete:
            return text
        extra = []
        for g in self.groups:
            if ("shared", g.keys[0]) not in placed:
                extra.append(f"### Shared: {', '.join(f'`{k}`' for k in g.keys)}")
                extra.append(self.group_table(g.keys[0]))
        for name in self.types:
            if ("type", name) not in placed:
                extra.append(f"### `{name}`")
                extra.append(self.type_table(name))
        for key in self.blocks.values():
            if ("block", key) not in placed:
                extra.append(f"### The `{key}` block")
                extra.append(self.block_table(key))
        if extra:
            text = text.rstrip() + "\n\n## Other keys\n\n" + "\n\n".join(extra) + "\n"
        return text


#: A key-table marker: a line ``<!-- keys: type exp -->``, ``shared start_lr``, ``block cooldown``.
MARKER = re.compile(r"^<!-- keys: (.+?) -->$", flags=re.M)

"""The documentation stays true: every key is documented, from the JSON Schema itself.

The key tables of docs/configuration.md are generated from ``lrs.json_schema()`` when the site
is built (docs/scripts/schema_tables.py, through docs/scripts/hooks.py). These tests run that
generator on the page as it is and check what a reader gets: a table row for every key of every
registered type, with the schema's default, bounds and extension mark; a hand-written section
for every type; and a DeePMD-kit mapping table that agrees with the schema.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import lrschedules_jax as lrs
from lrschedules_jax.config import config_types

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "scripts"))

from schema_tables import MARKER, Tables, type_anchor  # noqa: E402


@pytest.fixture(scope="module")
def schema():
    return lrs.json_schema()


@pytest.fixture(scope="module")
def rendered(schema):
    """docs/configuration.md as the site shows it (markers replaced by their tables)."""
    return Tables(schema).fill((ROOT / "docs" / "configuration.md").read_text(), complete=True)


def rows(markdown: str) -> dict[str, list[list[str]]]:
    """``{key: [cells of every table row for that key]}`` of a page."""
    found: dict[str, list[list[str]]] = {}
    for line in markdown.splitlines():
        match = re.match(r"^\| `([\w-]+)`", line)
        if match:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            found.setdefault(match.group(1), []).append(cells)
    return found


def test_every_registered_type_has_a_hand_written_section_with_its_key_table():
    text = (ROOT / "docs" / "configuration.md").read_text()
    placed = {
        m.group(1).split()[1] for m in MARKER.finditer(text) if m.group(1).startswith("type ")
    }
    missing = set(config_types()) - placed
    assert not missing, f"docs/configuration.md has no `<!-- keys: type NAME -->` for {missing}"
    for name in config_types():
        assert re.search(rf"^## `{name}`", text, flags=re.M), f"no `## `{name}`` section"


def test_the_rendered_page_lists_every_key_of_every_type(rendered, schema):
    tables = Tables(schema)
    listed = rows(rendered)
    assert "<!-- keys:" not in rendered
    for name, model in config_types().items():
        assert f"{{: #{type_anchor(name)} }}" in rendered, name
        for key in model.model_fields:
            if key != "type":
                assert key in listed, f"`{name}.{key}` is in no key table"
    for key in tables.blocks.values():
        assert f"#block-{key.replace('_', '-')}" in rendered


def test_the_generated_rows_say_what_the_schema_says(rendered, schema):
    """Defaults, bounds and extension marks come from the schema, not from a copy."""
    listed = rows(rendered)
    wsd = Tables(schema).types["wsd"].properties
    (steps,) = listed["decay_phase_steps"]
    assert "*extension*" in steps[0] and wsd["decay_phase_steps"].get("x-extension")
    (decay_type,) = listed["decay_type"][:1]
    assert decay_type[2] == f"`{json.dumps(wsd['decay_type']['default'])}`"
    assert "extension: `1-sqrt`" in decay_type[3]
    decay_steps = next(row for row in listed["decay_steps"] if row[2] == "`5000`")  # exp's
    assert decay_steps[1:4] == ["int", "`5000`", "`> 0`; `<= 2**31 - 1`"]
    (start_lr,) = listed["start_lr"]
    assert start_lr[2] == "required" and "*extension*" not in start_lr[0]


def test_a_changed_schema_changes_the_tables(schema):
    changed = json.loads(json.dumps(schema))
    changed["$defs"]["ExpConfig"]["properties"]["decay_steps"]["default"] = 1234
    text = Tables(changed).fill("<!-- keys: type exp -->")
    (decay_steps,) = rows(text)["decay_steps"]
    assert decay_steps[2] == "`1234`"


def test_the_deepmd_kit_mapping_lists_every_deepmd_key_and_its_extension_mark(schema):
    text = (ROOT / "docs" / "deepmd-kit.md").read_text()
    section = text.split("## The keys", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            first, deepmd, _ = (c.strip() for c in line.strip("|").split(" | ", 2))
            for key in re.findall(r"`([\w.]+)`", first):
                table[key] = deepmd
    types = Tables(schema).types
    for name in ("exp", "cosine", "wsd"):
        assert not types[name].extension, name
        for key, prop in types[name].properties.items():
            assert key in table, f"docs/deepmd-kit.md does not map `{name}.{key}`"
            extension = bool(prop.get("x-extension"))
            assert table[key].startswith("extension") == extension, (key, table[key])
    extension_types = [n for n, t in types.items() if t.extension]
    assert set(extension_types) == set(types) - {"exp", "cosine", "wsd"}

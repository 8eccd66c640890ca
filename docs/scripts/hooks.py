"""MkDocs hooks: the key tables of docs/configuration.md, made from the JSON Schema.

A line ``<!-- keys: type exp -->`` (or ``shared start_lr``, ``block batch_scaling``) in a page
becomes the table of those keys (see ``schema_tables.py``). On docs/configuration.md, the types,
shared keys and blocks that no marker places are appended, so the page lists every key.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from schema_tables import MARKER, Tables

COMPLETE_PAGE = "configuration.md"


@functools.cache
def tables() -> Tables:
    import lrschedules_jax as lrs

    return Tables(lrs.json_schema())


def on_page_markdown(markdown, page, config, files):
    complete = page.file.src_uri == COMPLETE_PAGE
    if not complete and not MARKER.search(markdown):
        return markdown
    return tables().fill(markdown, complete=complete)

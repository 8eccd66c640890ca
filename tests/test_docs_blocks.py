"""Every ```python block of README.md and docs/*.md runs as written, in a fresh process.

A block preceded by the line ``<!-- fragment -->`` is a piece of a larger program: it is only
compiled. Every other block must run alone, with its own imports, from an empty directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FRAGMENT = "<!-- fragment -->"
BLOCK = re.compile(r"^```python\n(.*?)^```$", flags=re.S | re.M)


def blocks() -> list[tuple[str, str, bool]]:
    """``(id, code, is_fragment)`` for every python block, the id being ``page:line``."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip().splitlines()
            fragment = bool(before) and before[-1].strip() == FRAGMENT
            found.append((f"{page.relative_to(ROOT)}:{line}", match.group(1), fragment))
    return found


BLOCKS = blocks()


def test_the_pages_have_blocks():
    assert len(BLOCKS) >= 10
    assert {i.split(":")[0] for i, _, _ in BLOCKS} >= {"README.md", "docs/scale.md"}


@pytest.mark.parametrize(("code", "fragment"), [b[1:] for b in BLOCKS], ids=[b[0] for b in BLOCKS])
def test_block_runs_in_a_fresh_process(code, fragment, tmp_path):
    compile(code, "<block>", "exec")
    if fragment:
        return
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_page_uses_the_lrs_alias():
    for page in PAGES:
        assert "import lrschedules_jax as lr\n" not in page.read_text(), page

"""What users read names nothing they cannot follow.

Users read README.md, docs/, the notebooks, the package's docstrings and messages, and the JSON
Schema. None of them may point at the development process: a specification file or its
sections (``SPEC.md``, ``SPEC section 5``), issue numbers, seed files, paths on a development
machine, placeholders, a "decisions" log, or the state of a branch (``main at b78f3f3``). Cite
the primary source instead: a paper, a peer library's function, DeePMD-kit's code.

The checks are split by what they read, so that each part runs alone:

    pytest tests/test_docs_clean.py -k docs      # README.md, docs/, notebooks/
    pytest tests/test_docs_clean.py -k package   # lrschedules_jax/*.py strings
    pytest tests/test_docs_clean.py -k schema    # lrschedules_jax.json_schema()
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: (name, pattern) of what must not appear.
FORBIDDEN = [
    ("a specification file or section", re.compile(r"\bSPEC\b")),
    ("an issue number", re.compile(r"\bissues?[ -]#?\d+", re.I)),
    ("a seed file", re.compile(r"\bseeds? 0\d\d\b|shared/seeds", re.I)),
    ("a machine path", re.compile(r"(?<![\w.~])/(?:work|root|home)/")),
    ("a temporary path", re.compile(r"(?<![\w.~])/tmp/")),
    ("a placeholder", re.compile(r"placeholder", re.I)),
    ("a decisions log", re.compile(r"\bdecisions?\b", re.I)),
    ("a branch state", re.compile(r"\b(?:main|master|HEAD) at [0-9a-f]{7}", re.I)),
    ("a development tool", re.compile(r"\bfarm-\w", re.I)),
]

#: A ``/tmp/`` path is allowed in these (file, line text) pairs: examples of what a command
#: prints where the user runs it, never a path of ours.
TMP_EXAMPLES: set[tuple[str, str]] = set()


def problems(where: str, text: str, first_line: int = 1) -> list[str]:
    found = []
    for offset, line in enumerate(text.splitlines()):
        for name, pattern in FORBIDDEN:
            match = pattern.search(line)
            if match is None:
                continue
            if name == "a temporary path" and (where, line.strip()) in TMP_EXAMPLES:
                continue
            found.append(f"{where}:{first_line + offset}: {name}: {match.group(0)!r}")
    return found


def doc_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_docs_readme_and_pages_are_clean():
    found = []
    for page in doc_pages():
        found += problems(str(page.relative_to(ROOT)), page.read_text())
    assert not found, "\n".join(found)


def test_docs_notebooks_are_clean():
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for i, cell in enumerate(nb["cells"]):
            where = f"{path.relative_to(ROOT)} cell {i}"
            found += problems(where, "".join(cell["source"]))
            for output in cell.get("outputs", ()):
                found += problems(where, json.dumps(output))
    assert not found, "\n".join(found)


def package_strings(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every string literal of a module (docstrings and messages), the
    literal parts of f-strings included."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def test_package_docstrings_and_messages_are_clean():
    found = []
    for path in sorted((ROOT / "lrschedules_jax").glob("*.py")):
        where = str(path.relative_to(ROOT))
        for line, text in package_strings(path):
            found += problems(where, text, line)
    assert not found, "\n".join(found)


def _strings(value, path="schema"):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, f"{path} key")
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def test_schema_descriptions_are_clean():
    import lrschedules_jax as lrs

    found = []
    for where, text in _strings(lrs.json_schema()):
        found += [p.split(": ", 1)[1] + f" in {where}" for p in problems(where, text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "see SPEC.md",
        "as SPEC section 5 says",
        "(issue 14)",
        "seed 003 (shared/seeds/003.txt)",
        "run /work/venv/bin/python",
        "placeholder for later",
        "## Decisions",
        "before (main at b78f3f3)",
        "Wrote files to /tmp/x",
    ],
)
def test_docs_guard_catches(text):
    assert problems("x.md", text)


def test_docs_guard_lets_ordinary_text_pass():
    text = "optax issue tracker: https://github.com/google-deepmind/optax/issues/1414; ~/work/x"
    assert not problems("x.md", text)

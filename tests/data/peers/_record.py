"""Helpers shared by the ``record_*.py`` scripts of this folder.

Nothing here imports a peer: the scripts import theirs inside functions, so that the test suite
(which imports every module for its doctests) and ``tests/peers.py`` can load them without
torch, transformers, timm, optax or DeePMD-kit installed.

A data file is JSON: a header naming the script that wrote it, the peer and its exact version
and the date, then ``"cases"``, one case per line::

    {"script": "tests/data/peers/record_optax.py", "peer": "optax", "version": "0.2.8", ...,
     "cases": [
    {"id": "...", "call": {...}, "steps": [...], "values": [...]},
    ...]}

Floats are written with Python's ``repr`` (the shortest string that reads back to the same
float64), so a value is the peer's number bit for bit; ``NaN`` and ``Infinity`` are written as
Python's ``json`` module writes them (and reads them back).
"""

from __future__ import annotations

import datetime
import gzip
import json
import math
import pathlib
import platform
import sys
from collections.abc import Iterable
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
INT32_MAX = 2**31 - 1

# Steps past any schedule's end that every closed-form case also samples (up to int32's top).
LARGE = [
    10**4,
    10**5,
    10**6,
    10**7,
    2**24 - 1,
    2**24,
    2**24 + 1,
    10**8,
    10**9,
    2**31 - 2,
    INT32_MAX,
]


def sample_steps(
    boundaries: Iterable[float] = (),
    *,
    end: int,
    dense: int = 3,
    spread: int = 12,
    large: bool = True,
) -> list[int]:
    """Steps dense near the phase ``boundaries`` and sparse elsewhere.

    ``0 .. dense``; each boundary ``b`` (rounded down and up) with ``b - dense .. b + dense``;
    ``spread`` evenly spaced steps and ``spread`` geometrically spaced steps in ``[0, end]``;
    ``end`` and ``end + 1 .. end + dense``; with ``large``, the steps of ``LARGE`` as well.
    """
    out = set(range(dense + 1))
    for b in boundaries:
        for base in {math.floor(b), math.ceil(b)}:
            out.update(range(base - dense, base + dense + 1))
    if end > 0:
        out.update(round(end * k / spread) for k in range(spread + 1))
        ratio = end ** (1 / spread)
        out.update(round(ratio**k) for k in range(spread + 1))
    out.update(range(end, end + dense + 1))
    if large:
        out.update(LARGE)
    return sorted(s for s in out if 0 <= s <= INT32_MAX)


def header(script: str, peer: str, version: str, **extra: Any) -> dict[str, Any]:
    import numpy as np

    return {
        "script": f"tests/data/peers/{script}",
        "peer": peer,
        "version": version,
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        **extra,
    }


def floats(values: Iterable[Any]) -> list[float]:
    return [float(v) for v in values]


def write(name: str, head: dict[str, Any], cases: list[dict[str, Any]]) -> pathlib.Path:
    """Write ``name`` (``.json`` or ``.json.gz``) in this folder: the header, one case a line."""
    ids = [case["id"] for case in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate case ids: {duplicates}")
    lines = json.dumps(head, indent=1)[:-2]  # without the closing "\n}"
    lines += ',\n "cases": [\n'
    lines += ",\n".join(json.dumps(case, separators=(",", ":")) for case in cases)
    lines += "\n ]\n}\n"
    path = HERE / name
    if name.endswith(".gz"):
        with gzip.GzipFile(path, "wb", mtime=0) as f:  # mtime 0: same bytes for the same data
            f.write(lines.encode())
    else:
        path.write_text(lines)
    print(f"wrote {path.name}: {len(cases)} cases, {path.stat().st_size / 1024:.0f} KiB")
    return path


def read(name: str) -> dict[str, Any]:
    path = HERE / name
    if name.endswith(".gz"):
        with gzip.open(path, "rt") as f:
            return json.load(f)
    return json.loads(path.read_text())


def main_guard(record: Any) -> None:
    """Run ``record()`` and exit 1 on a failed self-check (an AssertionError)."""
    try:
        record()
    except AssertionError as exc:
        print(f"self-check failed: {exc}", file=sys.stderr)
        sys.exit(1)

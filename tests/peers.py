"""The peer libraries' recorded values (tests/data/peers/), and the peers themselves if installed.

The data files are written by the ``record_*.py`` scripts beside them (see README.md there):
PyTorch (``torch``), Hugging Face transformers (``hf``), timm (``timm``), optax (``optax``) and
DeePMD-kit (``deepmd``). None of these is needed to run the tests: a test compares with
``case(peer, id)["values"]`` always, and with ``live_values(peer, row)`` too when that is not
``None`` (the peer is importable), replaying the recorded call through the same script.

    row = peers.case("torch", "values/step")
    np.testing.assert_allclose(ours, row["values"], rtol=...)
    live = peers.live_values("torch", row)
    if live is not None:
        np.testing.assert_allclose(ours, live, rtol=...)
"""

from __future__ import annotations

import functools
import gzip
import importlib
import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "peers"
FILES = {
    "torch": "torch.json.gz",
    "hf": "hf.json.gz",
    "timm": "timm.json.gz",
    "optax": "optax.json.gz",
    "deepmd": "deepmd.json.gz",
}
# the packages a live replay imports
NEEDS = {
    "torch": ["torch"],
    "hf": ["torch", "transformers"],
    "timm": ["torch", "timm"],
    "optax": ["optax", "jax"],
    "deepmd": ["deepmd"],
}


def script(peer: str) -> types.ModuleType:
    """The recording script ``record_<peer>.py`` as a module (it imports no peer at import)."""
    if str(DATA) not in sys.path:
        sys.path.insert(0, str(DATA))
    return importlib.import_module(f"record_{peer}")


@functools.cache
def recorded(peer: str) -> dict[str, Any]:
    """The data file of ``peer``: its header, with ``cases`` as a mapping by id."""
    with gzip.open(DATA / FILES[peer], "rt") as f:
        data = json.load(f)
    data["cases"] = {c["id"]: c for c in data["cases"]}
    return data


def case(peer: str, id_: str) -> dict[str, Any]:
    return recorded(peer)["cases"][id_]


def ids(peer: str, prefix: str = "") -> list[str]:
    return [i for i in recorded(peer)["cases"] if i.startswith(prefix)]


def values(row: dict[str, Any], key: str = "values") -> np.ndarray:
    """A recorded column as float64 (a ``null``, where the peer raised, as NaN)."""
    return np.array([np.nan if v is None else v for v in row[key]], dtype=np.float64)


@functools.cache
def live(peer: str) -> types.ModuleType | None:
    """The recording script of ``peer`` if the peer can run here, else None."""
    if any(importlib.util.find_spec(name) is None for name in NEEDS[peer]):
        return None
    module = script(peer)
    try:
        if peer == "timm":
            module.import_scheduler("cosine_lr", "CosineLRScheduler")
        elif peer == "deepmd":
            importlib.import_module("deepmd.dpmodel.utils.learning_rate")
        else:
            for name in NEEDS[peer]:
                importlib.import_module(name)
    except Exception:  # installed but broken (e.g. a mismatched torchvision): as if absent
        return None
    return module


def live_values(peer: str, row: dict[str, Any], key: str = "values") -> np.ndarray | None:
    """The installed peer's values for a recorded case (its call, steps, metrics), or None."""
    module = live(peer)
    if module is None:
        return None
    if peer == "optax":  # a column per evaluation: float64, float32 jitted or eager
        got = module.evaluate(row["call"], row["steps"], key)
    elif "metrics" in row:
        got = module.evaluate(row["call"], row["steps"], row["metrics"])
    else:
        got = module.evaluate(row["call"], row["steps"])
    if isinstance(got, dict):
        got = got[key]
    return np.array([np.nan if v is None else v for v in got], dtype=np.float64)

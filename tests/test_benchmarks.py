"""Smoke tests: every benchmark script runs with tiny sizes and prints its table.

No timing is asserted; the precision script's own target (2e-6) is, and the throughput
script's three implementations of each curve must agree. Opt-in (about a minute on 2 cores):

    pytest -m benchmark tests/test_benchmarks.py
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import jax
import pytest

pytestmark = pytest.mark.benchmark

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(autouse=True)
def dtype_promotion():
    """The scripts run optax's own code: standard dtype promotion (overrides conftest's)."""
    with jax.numpy_dtype_promotion("standard"):
        yield


@pytest.fixture
def bench(monkeypatch):
    """Import a benchmark script as a module (its folder on sys.path for ``_common``)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))

    def load(name: str):
        sys.modules.pop(name, None)
        return importlib.import_module(name)

    return load


def assert_table(out: str, title: str, columns: list[str], rows: list[str]) -> None:
    assert f"## {title}" in out
    assert "Command: `python benchmarks/" in out
    assert "- CPU: " in out and "- Versions: jax " in out
    header = next(line for line in out.splitlines() if line.startswith(f"| {columns[0]}"))
    for column in columns:
        assert column in header
    for row in rows:
        assert any(line.startswith(f"| {row}") for line in out.splitlines()), row


def test_throughput(bench, capsys):
    results = bench("throughput").main(["--steps", "20000", "--repeats", "2"])
    out = capsys.readouterr().out
    assert_table(
        out,
        "Throughput",
        ["curve", "lrschedules_jax", "optax", "bare kernel", "ours / optax", "ours / bare"],
        ["cosine + warmup", "exp stepped + warmup", "wsd linear + warmup"],
    )
    assert set(results) == {"cosine + warmup", "exp stepped + warmup", "wsd linear + warmup"}
    # the last column: max relative difference of optax's and the bare kernel's values from
    # ours, over every step -- the three implementations compute the same curve
    for line in out.splitlines():
        if line.startswith(("| cosine", "| exp", "| wsd")):
            diffs = line.rstrip(" |").rsplit("|", 1)[1].split("/")
            assert all(float(d) <= 1e-5 for d in diffs), line


def test_first_value(bench, capsys):
    results = bench("first_value").main(["--quick"])
    out = capsys.readouterr().out
    assert_table(
        out,
        "Time to first value",
        ["piece", "lrschedules_jax", "optax", "ratio"],
        ["import jax", "import library", "build", "jit + first call", "total"],
    )
    assert set(results) == {"lrschedules_jax", "optax"}


def test_sweep(bench, capsys):
    results = bench("sweep").main(
        ["--rates", "4", "--steps", "200", "--repeats", "1", "--grid", "4", "--grid-steps", "50"]
    )
    out = capsys.readouterr().out
    assert_table(
        out,
        "Sweep",
        ["method", "total", "per rate", "speedup"],
        ["lrschedules_jax: stack", "optax: a schedule and a jit per rate"],
    )
    assert "| lrschedules_jax: lrs.stack + jit(vmap), one compile" in out
    assert len(results) == 6


def test_train_step(bench, capsys):
    results = bench("train_step").main(["--quick"])
    out = capsys.readouterr().out
    assert_table(
        out,
        "Training-step overhead",
        ["optimizer", "learning rate", "loop: per step", "vs float"],
        [
            "inject_hyperparams(adam) | 1e-3 (a float: baseline)",
            "inject_hyperparams(adam) | lambda",
        ],
    )
    assert set(results) == {"loop"}


def test_precision_meets_the_target(bench, capsys):
    module = bench("precision")
    results = module.main(["--quick"])
    out = capsys.readouterr().out
    assert_table(
        out,
        "Precision",
        ["type", "config", "ours N=1e6", "traced N=1e6", "optax N=1e6"],
        ["exp ", "cosine ", "wsd "],
    )
    assert {key[0] for key in results} >= {"exp", "cosine", "wsd"}
    for key, res in results.items():
        assert res["ours"].error <= module.TARGET, (key, str(res["ours"]))
        assert res["traced"].error <= module.TARGET, (key, str(res["traced"]))
    assert "target 2e-06: met" in out

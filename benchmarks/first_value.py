"""Time to first value: import, build a schedule, jit it and get one rate, in a fresh process.

Each run is a new Python process that times its own pieces with ``time.perf_counter``
(the interpreter's start-up is left out; ``--repeats`` runs per library, interleaved, after one
untimed run each; modules are byte-compiled, as for an installed package):

1. ``import jax`` (both libraries need it; timed on its own so it can be set aside);
2. ``import lrschedules_jax`` or ``import optax``;
3. ours only: importing what the config layer uses from pydantic, which the first build
   needs (lrschedules_jax loads its config layer, and so pydantic, on first use);
4. building the schedule (cosine with a 1 % warmup; ours loads the config layer and
   validates the keys);
5. ``jax.jit(schedule)(0)`` and waiting for the value: tracing, compiling, running.

Then two short tables, also from fresh processes: the first call alone, eager
(``schedule(0)``) against jitted, and ``optax.inject_hyperparams(optax.adam)(...).init``
with a float rate, our schedule and optax's.

    python benchmarks/first_value.py            # 7 runs each
    python benchmarks/first_value.py --quick    # 1 run each
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from _common import REPO, header, median, table

PIECES = ["import jax", "import library", "import pydantic", "build", "jit + first call"]

CHILD = """
import json, time
t0 = time.perf_counter()
import jax
t1 = time.perf_counter()
{imports}
t2 = time.perf_counter()
{pydantic}
t3 = time.perf_counter()
schedule = {build}
t4 = time.perf_counter()
value = jax.jit(schedule)(0).block_until_ready()
t5 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, float(value)]))
"""

LIBRARIES = {
    "lrschedules_jax": {
        "imports": "import lrschedules_jax",
        # The first build loads the config layer, which imports pydantic: timed on its own
        # (pydantic's top level is lazy: import what the config layer uses).
        "pydantic": "from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, "
        "ValidationError, ValidationInfo, field_validator, model_validator",
        "build": "lrschedules_jax.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100_000, "
        "warmup_steps=1000)",
    },
    "optax": {
        "imports": "import optax",
        "pydantic": "",
        "build": "optax.warmup_cosine_decay_schedule(init_value=0.0, peak_value=1e-3, "
        "warmup_steps=1000, decay_steps=100_000, end_value=1e-5)",
    },
}


# The first call alone, eager (``schedule(0)``) or jitted, after import and build (and one tiny
# JAX operation, so that JAX's own start-up is not counted in either).
CALL_CHILD = """
import json, time
import jax, jax.numpy as jnp
{imports}
jnp.zeros(1).block_until_ready()
schedule = {build}
t0 = time.perf_counter()
value = {call}.block_until_ready()
print(json.dumps([time.perf_counter() - t0, float(value)]))
"""
CALLS = {"eager": "schedule(0)", "jit": "jax.jit(schedule)(0)"}


def run_code(code: str) -> list[float]:
    """Run ``code`` in a fresh Python process; the JSON list its last line prints."""
    env = dict(os.environ)
    # Byte-compiled modules, as for an installed package (the site-packages of jax, optax and
    # pydantic have theirs): without this, a PYTHONDONTWRITEBYTECODE=1 in the environment would
    # recompile lrschedules_jax from source in every process (about 50 ms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO), env.get("PYTHONPATH", "")] if p)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(REPO),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_call_child(library: str, call: str) -> float:
    seconds, value = run_code(CALL_CHILD.format(call=CALLS[call], **LIBRARIES[library]))
    assert value == 0.0, value
    return seconds


def first_call_table(repeats: int) -> dict[str, float]:
    """Median first eager call and first jitted call, fresh processes, for both libraries."""
    keys = [(name, call) for name in LIBRARIES for call in CALLS]
    times: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    for _ in range(repeats):
        for key in keys:
            times[key].append(run_call_child(*key))
    med = {key: median(values) for key, values in times.items()}
    rows = [
        [
            name,
            f"{med[name, 'eager'] * 1e3:.0f} ms",
            f"{med[name, 'jit'] * 1e3:.0f} ms",
            f"{med[name, 'eager'] / med[name, 'jit']:.2f}",
        ]
        for name in LIBRARIES
    ]
    print(f"First call after the build, medians of {repeats} fresh processes each:\n")
    print(table(["library", "eager schedule(0)", "jax.jit(schedule)(0)", "eager / jit"], rows))
    print()
    return {f"{name} {call}": value for (name, call), value in med.items()}


# ``optax.inject_hyperparams(optax.adam)(learning_rate=...).init(params)`` alone, in a fresh
# process after import, build and one tiny JAX operation: the rate a float, or a schedule.
INIT_CHILD = """
import json, time
import jax, jax.numpy as jnp, optax
{imports}
params = {{"w": jnp.zeros((64, 64)), "b": jnp.zeros(64)}}
jax.block_until_ready(params)
rate = {rate}
t0 = time.perf_counter()
state = optax.inject_hyperparams(optax.adam)(learning_rate=rate).init(params)
jax.block_until_ready(state)
print(json.dumps([time.perf_counter() - t0, float(state.hyperparams["learning_rate"])]))
"""
INIT_RATES = {
    "a float": ("", "1e-3"),
    "lrschedules_jax schedule": (
        LIBRARIES["lrschedules_jax"]["imports"],
        LIBRARIES["lrschedules_jax"]["build"],
    ),
    "optax schedule": ("", LIBRARIES["optax"]["build"]),
}


def run_init_child(rate: str) -> float:
    imports, build = INIT_RATES[rate]
    seconds, _ = run_code(INIT_CHILD.format(imports=imports, rate=build))
    return seconds


def init_table(repeats: int) -> dict[str, float]:
    """Median ``inject_hyperparams(adam).init`` with a float rate and with each schedule."""
    times: dict[str, list[float]] = {rate: [] for rate in INIT_RATES}
    for _ in range(repeats):
        for rate in INIT_RATES:
            times[rate].append(run_init_child(rate))
    med = {rate: median(values) for rate, values in times.items()}
    base = med["a float"]
    rows = [[rate, f"{t * 1e3:.0f} ms", f"{t / base:.2f}"] for rate, t in med.items()]
    print(
        "`optax.inject_hyperparams(optax.adam)(learning_rate=rate).init(params)` (a 64x64 "
        f"and a 64 parameter), medians of {repeats} fresh processes each:\n"
    )
    print(table(["learning_rate", "init", "/ with a float"], rows))
    print()
    return {f"init with {rate}": t for rate, t in med.items()}


def run_child(library: str) -> list[float]:
    *times, value = run_code(CHILD.format(**LIBRARIES[library]))
    assert value == 0.0, value  # warmup starts at 0
    return times


def main(argv: Sequence[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per library")
    parser.add_argument("--quick", action="store_true", help="1 run each")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
    header("Time to first value in a fresh process", "first_value.py", argv)

    names = list(LIBRARIES)
    for name in names:  # untimed: writes the bytecode caches, warms the file system cache
        run_child(name)
    runs: dict[str, list[list[float]]] = {name: [] for name in names}
    for r in range(args.repeats):
        for name in names[r % 2 :] + names[: r % 2]:
            runs[name].append(run_child(name))

    med = {
        name: [median(run[i] for run in runs[name]) for i in range(len(PIECES))] for name in names
    }
    totals = {name: median(sum(run) for run in runs[name]) for name in names}
    no_jax = {name: median(sum(run[1:]) for run in runs[name]) for name in names}
    ours, theirs = names

    def fmt(seconds: float) -> str:
        return f"{seconds * 1e3:.0f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"

    def row(label: str, a: float, b: float) -> list[str]:
        ratio = f"{a / b:.2f}" if b > 1e-3 else "—"  # optax imports no pydantic; builds ~µs
        return [label, fmt(a), fmt(b), ratio]

    rows = [row(piece, med[ours][i], med[theirs][i]) for i, piece in enumerate(PIECES)]
    rows.append(row("total: import jax to first value", totals[ours], totals[theirs]))
    rows.append(row("total without import jax", no_jax[ours], no_jax[theirs]))
    print(
        f"Medians of {args.repeats} fresh processes per library, interleaved "
        "(the totals are medians of each run's sum). Schedule: cosine, 100k steps, "
        "1 % warmup.\n"
    )
    print(table(["piece", ours, theirs, "ratio"], rows))
    print()
    first_call_table(args.repeats)
    init_table(args.repeats)
    return {name: [totals[name], no_jax[name], *med[name]] for name in names}


if __name__ == "__main__":
    main()

"""Record optax's schedules (``optax.schedules``) into optax.json.gz.

Run with a Python that has optax and jax (see README.md in this folder)::

    python tests/data/peers/record_optax.py

A call is JSON: ``{"function": <name in optax.schedules>, "kwargs": {...}}``;
``boundaries_and_scales`` is written with string keys (JSON's) and read back as ints;
``join_schedules``' ``schedules`` are calls. Each schedule is evaluated on one scalar step at
a time, three ways:

- ``values``: float64 and eager (``jax_enable_x64``, an int64 step, op by op): the formula in
  IEEE float64.
- ``values_f32``: float32 as optax computes it in a training step: jitted, x64 off, an int32
  step (optax's ``count``).
- ``values_f32_eager``: float32, op by op (x64 off, int32 step).

Under ``jax.jit`` XLA turns ``count / transition_steps`` into ``count * (1 / transition_steps)``,
so a jitted transition ends slightly off its end value: ``linear_schedule(1.0, 0.01, 1000)``
gives 0.009999953 at step 1000 (float32), and ``polynomial_schedule(power=0.5)`` gives NaN at
its last step under x64 (a negative ``1 - count / transition_steps`` to the power 0.5) and
``end + 1.6e-5`` in float32. With x64 and optax's int32 ``count``, ``count / transition_steps``
is still float32 (int32 / int promotes to float32 in JAX). All three columns reach 2**31 - 1:
optax's float32 values at large steps can be far from the float64 ones (``0`` or ``inf`` where
float64 has 1e-302 or 1.6e41), which is what the float32 columns are for.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _record

DATA = "optax.json.gz"


def call(function: str, **kwargs: Any) -> dict[str, Any]:
    if "boundaries_and_scales" in kwargs and kwargs["boundaries_and_scales"] is not None:
        kwargs["boundaries_and_scales"] = {
            str(k): v for k, v in kwargs["boundaries_and_scales"].items()
        }
    return {"function": function, "kwargs": kwargs}


def build(spec: dict[str, Any]) -> Any:
    import optax

    kwargs = dict(spec["kwargs"])
    if kwargs.get("boundaries_and_scales") is not None:
        kwargs["boundaries_and_scales"] = {
            int(k): v for k, v in kwargs["boundaries_and_scales"].items()
        }
    if spec["function"] == "join_schedules":
        kwargs["schedules"] = [build(s) for s in kwargs["schedules"]]
    return getattr(optax.schedules, spec["function"])(**kwargs)


MODES = {  # column: (x64, jit, step dtype)
    "values": (True, False, "int64"),
    "values_f32": (False, True, "int32"),
    "values_f32_eager": (False, False, "int32"),
}


def evaluate(spec: dict[str, Any], steps: list[int], column: str = "values") -> list[float]:
    """The schedule at each step, one scalar step at a time, as ``MODES[column]`` says."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    x64, jit, dtype = MODES[column]
    with jax.enable_x64(x64):
        schedule = build(spec)
        if jit:
            schedule = jax.jit(schedule)
        return [float(np.asarray(schedule(jnp.asarray(t, getattr(jnp, dtype))))) for t in steps]


def _cases() -> list[tuple[str, dict[str, Any], list[float]]]:
    out: list[tuple[str, dict[str, Any], list[float]]] = []

    def add(id_, spec, boundaries=()):
        out.append((id_, spec, list(boundaries)))

    # fmt: off
    add("constant_schedule", call("constant_schedule", value=0.1))
    add("linear_schedule/decay", call("linear_schedule", init_value=1.0, end_value=0.01, transition_steps=1000), [1000])
    add("linear_schedule/begin", call("linear_schedule", init_value=0.1, end_value=0.0, transition_steps=500, transition_begin=200), [200, 700])
    add("linear_schedule/rising", call("linear_schedule", init_value=0.0, end_value=3e-4, transition_steps=100), [100])
    add("linear_schedule/steps0", call("linear_schedule", init_value=0.5, end_value=0.0, transition_steps=0), [0])
    add("linear_schedule/steps1", call("linear_schedule", init_value=0.5, end_value=0.1, transition_steps=1, transition_begin=3), [3, 4])
    add("polynomial_schedule/p2", call("polynomial_schedule", init_value=1.0, end_value=0.01, power=2, transition_steps=100, transition_begin=5), [5, 105])
    add("polynomial_schedule/p0.5", call("polynomial_schedule", init_value=0.1, end_value=1e-4, power=0.5, transition_steps=10_000), [10_000])
    add("polynomial_schedule/p3-rising", call("polynomial_schedule", init_value=1e-4, end_value=0.1, power=3.0, transition_steps=300), [300])
    add("polynomial_schedule/huge", call("polynomial_schedule", init_value=1.0, end_value=0.0, power=1.0, transition_steps=2**30), [2**30])
    add("cosine_decay_schedule/defaults", call("cosine_decay_schedule", init_value=1.0, decay_steps=1000), [500, 1000])
    add("cosine_decay_schedule/alpha", call("cosine_decay_schedule", init_value=0.1, decay_steps=1000, alpha=0.1), [500, 1000])
    add("cosine_decay_schedule/exponent2", call("cosine_decay_schedule", init_value=0.1, decay_steps=500, alpha=0.01, exponent=2.0), [250, 500])
    add("cosine_decay_schedule/exponent0.5", call("cosine_decay_schedule", init_value=0.1, decay_steps=500, exponent=0.5), [250, 500])
    add("cosine_decay_schedule/steps1", call("cosine_decay_schedule", init_value=0.1, decay_steps=1, alpha=0.5), [1])
    add("cosine_decay_schedule/huge", call("cosine_decay_schedule", init_value=1.0, decay_steps=10**9, alpha=1e-3), [10**9])
    add("warmup_cosine_decay_schedule/defaults", call("warmup_cosine_decay_schedule", init_value=0.0, peak_value=1e-3, warmup_steps=100, decay_steps=1000), [100, 1000])
    add("warmup_cosine_decay_schedule/end-exponent", call("warmup_cosine_decay_schedule", init_value=1e-5, peak_value=1e-3, warmup_steps=50, decay_steps=550, end_value=1e-5, exponent=2.0), [50, 550])
    add("warmup_cosine_decay_schedule/warmup0", call("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1, warmup_steps=0, decay_steps=1000, end_value=1e-3), [0, 1000])
    add("warmup_cosine_decay_schedule/warmup-almost-all", call("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1, warmup_steps=999, decay_steps=1000), [999, 1000])
    add("warmup_cosine_decay_schedule/long", call("warmup_cosine_decay_schedule", init_value=0.0, peak_value=3e-4, warmup_steps=2000, decay_steps=10**6, end_value=3e-5), [2000, 10**6])
    add("warmup_constant_schedule", call("warmup_constant_schedule", init_value=0.0, peak_value=0.1, warmup_steps=100), [100])
    add("warmup_constant_schedule/warmup0", call("warmup_constant_schedule", init_value=0.01, peak_value=0.1, warmup_steps=0), [0])
    add("exponential_decay/smooth", call("exponential_decay", init_value=1.0, transition_steps=100, decay_rate=0.5), [100])
    add("exponential_decay/begin-staircase", call("exponential_decay", init_value=0.1, transition_steps=100, decay_rate=0.5, transition_begin=50, staircase=True), [50, 150, 250])
    add("exponential_decay/floor", call("exponential_decay", init_value=0.1, transition_steps=10, decay_rate=0.9, end_value=1e-3), [437])
    add("exponential_decay/floor-staircase", call("exponential_decay", init_value=0.1, transition_steps=10, decay_rate=0.9, staircase=True, end_value=1e-3), [440])
    add("exponential_decay/rising-ceiling", call("exponential_decay", init_value=0.01, transition_steps=10, decay_rate=1.1, end_value=1.0), [483])
    add("exponential_decay/rising-unbounded", call("exponential_decay", init_value=0.01, transition_steps=1000, decay_rate=1.01), [])
    add("exponential_decay/per-step", call("exponential_decay", init_value=1e-3, transition_steps=1, decay_rate=0.999), [])
    add("exponential_decay/deepmd-like", call("exponential_decay", init_value=1e-3, transition_steps=5000, decay_rate=0.95, staircase=True, end_value=3.51e-8), [5000, 10000])
    add("warmup_exponential_decay_schedule/defaults", call("warmup_exponential_decay_schedule", init_value=0.0, peak_value=0.1, warmup_steps=100, transition_steps=1000, decay_rate=0.1), [100])
    add("warmup_exponential_decay_schedule/begin-staircase-end", call("warmup_exponential_decay_schedule", init_value=1e-4, peak_value=0.1, warmup_steps=50, transition_steps=100, decay_rate=0.5, transition_begin=100, staircase=True, end_value=1e-3), [50, 150, 250, 350])
    add("warmup_exponential_decay_schedule/rising-ceiling", call("warmup_exponential_decay_schedule", init_value=0.0, peak_value=0.01, warmup_steps=10, transition_steps=10, decay_rate=1.5, end_value=0.5), [10])
    add("piecewise_constant_schedule", call("piecewise_constant_schedule", init_value=1.0, boundaries_and_scales={100: 0.1, 200: 0.1}), [100, 200])
    add("piecewise_constant_schedule/rise-zero", call("piecewise_constant_schedule", init_value=0.1, boundaries_and_scales={0: 0.5, 50: 4.0, 300: 0.0}), [0, 50, 300])
    add("piecewise_constant_schedule/none", call("piecewise_constant_schedule", init_value=0.3), [])
    add("piecewise_interpolate_schedule/linear", call("piecewise_interpolate_schedule", interpolate_type="linear", init_value=1.0, boundaries_and_scales={100: 0.1, 500: 0.1, 1000: 10.0}), [100, 500, 1000])
    add("piecewise_interpolate_schedule/cosine", call("piecewise_interpolate_schedule", interpolate_type="cosine", init_value=0.01, boundaries_and_scales={50: 10.0, 450: 0.01}), [50, 450])
    add("piecewise_interpolate_schedule/boundary0", call("piecewise_interpolate_schedule", interpolate_type="linear", init_value=0.5, boundaries_and_scales={0: 2.0, 10: 0.5}), [0, 10])
    add("piecewise_interpolate_schedule/none", call("piecewise_interpolate_schedule", interpolate_type="cosine", init_value=0.5), [])
    add("linear_onecycle_schedule/defaults", call("linear_onecycle_schedule", transition_steps=1000, peak_value=1.0), [300, 850, 1000])
    add("linear_onecycle_schedule/args", call("linear_onecycle_schedule", transition_steps=333, peak_value=0.1, pct_start=0.25, pct_final=0.9, div_factor=10.0, final_div_factor=100.0), [83, 299, 333])
    add("cosine_onecycle_schedule/defaults", call("cosine_onecycle_schedule", transition_steps=1000, peak_value=1.0), [300, 1000])
    add("cosine_onecycle_schedule/args", call("cosine_onecycle_schedule", transition_steps=777, peak_value=0.05, pct_start=0.1, div_factor=5.0, final_div_factor=1000.0), [77, 777])
    add("sgdr_schedule", call("sgdr_schedule", cosine_kwargs=[
        {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 100, "end_value": 1e-3},
        {"init_value": 1e-3, "peak_value": 0.05, "warmup_steps": 20, "decay_steps": 200, "end_value": 1e-4},
        {"init_value": 1e-4, "peak_value": 0.02, "warmup_steps": 0, "decay_steps": 400},
    ]), [10, 100, 120, 300, 700])
    add("join_schedules", call("join_schedules", schedules=[
        call("linear_schedule", init_value=0.0, end_value=0.1, transition_steps=100),
        call("constant_schedule", value=0.1),
        call("cosine_decay_schedule", init_value=0.1, decay_steps=500, alpha=0.01),
    ], boundaries=[100, 300]), [100, 300, 800])
    add("join_schedules/nested", call("join_schedules", schedules=[
        call("join_schedules", schedules=[
            call("constant_schedule", value=1.0),
            call("exponential_decay", init_value=1.0, transition_steps=1, decay_rate=0.9),
        ], boundaries=[10]),
        call("linear_schedule", init_value=0.5, end_value=0.0, transition_steps=40),
    ], boundaries=[30]), [10, 30, 70])
    # fmt: on
    return out


def record() -> None:
    import jax
    import numpy as np
    import optax

    cases = []
    for id_, spec, boundaries in _cases():
        end = max([b for b in boundaries if b < 10**7] + [100])
        steps = _record.sample_steps(boundaries, end=end + 5, spread=16)
        row = {"id": id_, "call": spec, "steps": steps}
        for column in MODES:
            row[column] = evaluate(spec, steps, column)
        with np.errstate(all="ignore"):
            a, b = np.array(row["values"]), np.array(row["values_f32"])
            rel = np.where(a == b, 0.0, np.abs(b - a) / np.maximum(np.abs(a), 1e-300))
        worst = float(np.nanmax(np.where(np.isnan(rel), np.inf, rel)))
        print(f"{id_:60s} max |f32 - f64| / |f64| = {worst:.2e}")
        cases.append(row)
    head = _record.header(
        "record_optax.py",
        "optax",
        optax.__version__,
        jax=jax.__version__,
        note="values: schedule(int64 step) with jax_enable_x64, op by op (float64); "
        "values_f32: jax.jit(schedule)(int32 step) without x64 (float32, as in training); "
        "values_f32_eager: schedule(int32 step) without x64, op by op",
    )
    _record.write(DATA, head, cases)


if __name__ == "__main__":
    record()

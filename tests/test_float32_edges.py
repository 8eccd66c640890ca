"""Float32 edge cases: every valid config gives, at every int32 step, a finite rate that is >= 0,
<= its peak and within 2e-6 of the float64 reference of the case table (tests/cases.py).

XLA on the CPU flushes every float32 intermediate below 2**-126 (1.18e-38) to zero, and the
largest float32 is 3.4e38: the cases below put rates, slopes, factors or their products at those
edges. Where the reference is below 2**-126 the float32 value may be anything below 2**-126 too
(float32 holds no relative accuracy there), as in benchmarks/precision.py. The last test is a
random search over every registered type: valid configs drawn from the case table's strategies
with their rates moved to the ends of float32's range, a few per type (``LRS_F32_SEARCH=count``
runs more per type, e.g. ``LRS_F32_SEARCH=200 HYPOTHESIS_PROFILE=random pytest -n 0
tests/test_float32_edges.py -k random``).
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import TYPES, reference, types_with, worker_scale_of
from hypothesis import given, settings
from hypothesis import strategies as st

import lrschedules_jax as lrs

INT32_MAX = 2**31 - 1
TINY = 2.0**-126
F32_MAX = float(np.finfo(np.float32).max)
TOL = 2e-6
RATE_KEYS = ("start_lr", "stop_lr", "max_lr", "base_lr")


def _warmup(cfg, n):
    if "warmup_ratio" in cfg:
        return int(cfg["warmup_ratio"] * n)
    return cfg.get("warmup_steps", 0)


def _peak(cfg, n):
    """The configured peak (before the worker scale), as the case table reads it."""
    return TYPES[cfg.get("type", "exp")].peak(lrs.validate(cfg, n))


def _sample(cfg, n, rng=None, count=0):
    """Phase boundaries +- 3, powers of two, the last int32 steps, and random steps."""
    marks = {0, n, 2**24, INT32_MAX, _warmup(cfg, n)}
    sched = lrs.make_schedule(cfg, n)
    marks.update(sched.boundaries().values())
    steps = [m + d for m in marks for d in range(-3, 4)]
    steps += [2**k + d for k in range(31) for d in (-1, 0, 1)]
    if rng is not None:
        steps += list(rng.integers(0, n + 1, count)) + list(rng.integers(0, INT32_MAX, count))
        steps += list(np.geomspace(1, INT32_MAX, count).astype(np.int64))
    return np.unique(np.clip(np.asarray(steps, np.int64), 0, INT32_MAX))


def _errors(cfg, n, workers=1, steps=None, traced=False):
    """The float32 rates and their problems: not finite, negative, above the peak, inaccurate."""
    steps = _sample(cfg, n) if steps is None else np.asarray(steps, np.int64)
    sched = lrs.make_schedule(cfg, n, num_workers=workers)
    x = jnp.asarray(steps, jnp.int32)
    if traced:
        got = jax.jit(lambda s, t: s(t))(sched, x)
    else:
        got = jax.jit(sched)(x)
    got = np.asarray(got).astype(np.float64)
    scale = worker_scale_of(sched)
    ref = reference(cfg, n, steps) * scale
    peak = _peak(cfg, n) * scale
    bad = []
    finite = np.isfinite(got)
    if not finite.all():
        bad.append(f"not finite at {steps[~finite][:3]}")
    if (got < 0).any():
        bad.append(f"negative at {steps[got < 0][:3]}")
    # A traced peak is start_lr times the worker scale in float32: 2 roundings of slack.
    above = got > float(np.float32(peak)) * (1 + 2**-22 if traced else 1)
    if above.any():
        bad.append(f"above the peak at {steps[above][:3]}")
    rel = np.abs(got - ref) / np.where(ref == 0, 1.0, ref)
    rel = np.where((ref < TINY) & (np.abs(got) < TINY), 0.0, rel)
    rel = np.where(finite, rel, np.inf)
    worst = int(np.argmax(rel))
    if rel[worst] > TOL:
        bad.append(
            f"rel. error {rel[worst]:.2e} at step {steps[worst]} "
            f"(got {got[worst]:.8e}, float64 {ref[worst]:.8e})"
        )
    return bad, float(rel.max())


# --- Named cases: rates, slopes and factors at float32's edges, and configs the search found. ---

# (id, config, num_steps, num_workers, a step where the value was wrong once)
CASES = [
    ("wsd-1e38-equal-rates", {"type": "wsd", "start_lr": 1e38, "stop_lr": 1e38}, 100, 1, 90),
    ("wsd-1e30-1e20", {"type": "wsd", "start_lr": 1e30, "stop_lr": 1e20}, 10**9, 1, 900_000_000),
    (
        "wsd-linear-at-float32-max",
        {"type": "wsd", "start_lr": F32_MAX, "stop_lr": 1e38, "decay_type": "linear"},
        1000,
        1,
        950,
    ),
    (
        "wsd-linear-tiny-slope",
        {"type": "wsd", "start_lr": 3e-38, "stop_lr": 1.2e-38, "decay_type": "linear"},
        10**9,
        1,
        900_000_000,
    ),
    (
        "wsd-cosine-rates-near-tiny",
        {"type": "wsd", "start_lr": 2.3e-38, "stop_lr": 1.2e-38, "decay_type": "cosine"},
        10**6,
        1,
        900_000,
    ),
    (
        "exp-smooth-3.4e38",
        {"type": "exp", "start_lr": 3.4e38, "stop_lr": 1e-30, "smooth": True},
        10**6,
        1,
        781_557,
    ),
    (
        "exp-stepped-3.4e38",
        {"type": "exp", "start_lr": 3.4e38, "stop_lr": 1e-30},
        10**6,
        1,
        785_013,
    ),
    (
        "exp-smooth-traced-deep",
        {"type": "exp", "start_lr": 1.6e12, "stop_lr": TINY, "decay_steps": 3, "smooth": True},
        1000,
        1,
        2185,
    ),
    (
        "step-gamma-1e-40",
        {"type": "step", "start_lr": 1e30, "gamma": 1e-40, "step_size": 1000},
        10**6,
        1,
        1000,
    ),
    (
        "multistep-gamma-1e-40",
        {"type": "multistep", "start_lr": 3e38, "milestones": [5, 10], "gamma": 1e-40},
        1000,
        1,
        5,
    ),
    (
        "cosine-restarts-decay-1e-30",
        {"type": "cosine_restarts", "start_lr": 3e38, "stop_lr": 0.0, "cycle_decay": 1e-30}
        | {"cycle_steps": 10},
        1000,
        1,
        20,
    ),
    (
        "cyclic-exp-range-3e38",
        {"type": "cyclic", "base_lr": 0.0, "max_lr": 3e38, "mode": "exp_range", "gamma": 0.9}
        | {"step_size_up": 10},
        1000,
        1,
        1201,
    ),
    (
        "warmup-slope-below-tiny",
        {"type": "constant", "start_lr": 1e-30, "warmup_steps": 2**30},
        INT32_MAX,
        1,
        13,
    ),
    (
        "warmup-start-below-tiny-before-worker-scale",
        {"type": "constant", "start_lr": 1e-30, "warmup_start_factor": 1e-10}
        | {"warmup_steps": 1000},
        10**6,
        1000,
        0,
    ),
    (
        "one-cycle-div-factors-overflow",
        {"type": "one_cycle", "max_lr": 9e35, "pct_start": 0.5, "div_factor": 1.4e34}
        | {"final_div_factor": 4.4e10, "three_phase": True},
        100,
        8,
        99,
    ),
    (
        "linear-tiny-start-jit-constant-folding",  # XLA folded 1 / T * start_lr * 2**-121 to 0
        {"type": "linear", "start_lr": 1.93e-37, "stop_lr": 0.0},
        144_021_127,
        1,
        0,
    ),
    (
        "cyclic-triangular2-halvings-of-a-huge-amplitude",
        {"type": "cyclic", "base_lr": 9.6e-33, "max_lr": 8.9e28, "mode": "triangular2"}
        | {"step_size_up": 2, "step_size_down": 3},
        10,
        8,
        644,
    ),
    *[
        (
            f"polynomial-power-{p:g}",
            {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 0.0, "power": p},
            108_641_718,
            1,
            step,
        )
        for p, step in [(7.5, 100_000_000), (15.0, 74_297_372), (19.0, 91_656_669)]
    ],
    (
        "polynomial-power-1e5-near-1",
        {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 0.0, "power": 1e5},
        INT32_MAX,
        1,
        10**6,
    ),
    (
        "polynomial-power-1234.567-stop",
        {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 1e-5, "power": 1234.567},
        1000,
        1,
        6,
    ),
]


@pytest.mark.parametrize("traced", [False, True], ids=["folded", "traced"])
@pytest.mark.parametrize(
    ("cfg", "n", "workers", "step"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_named_case(cfg, n, workers, step, traced):
    """Finite, >= 0, <= the peak and within 2e-6 of float64 at the named step and on a dense
    sample (phase boundaries, powers of two, 2,000 random and log-spaced steps)."""
    rng = np.random.default_rng(0)
    steps = np.append(_sample(cfg, n, rng, 2000), [step + d for d in (-1, 0, 1)])
    steps = np.unique(np.clip(steps, 0, INT32_MAX))
    bad, _ = _errors(cfg, n, workers, steps=steps, traced=traced)
    assert not bad, bad


def test_named_values():
    """Values at float32's edges, against numbers computed by hand in float64."""
    wsd = lrs.wsd(start_lr=1e38, stop_lr=1e38, num_steps=100)
    assert float(wsd(90)) == pytest.approx(1e38, rel=1e-7)
    wsd = lrs.wsd(start_lr=1e30, stop_lr=1e20, num_steps=10**9)
    assert float(wsd(900_000_000)) == pytest.approx(1e30, rel=1e-7)
    # one step into the decay: 1 / (1 / (e D) + (D - 1) / (s0 D))
    d = 10**8
    expected = 1 / (1 / (1e20 * d) + (d - 1) / (1e30 * d))
    assert float(wsd(900_000_001)) == pytest.approx(expected, rel=2e-6)
    step = lrs.step(start_lr=1e30, gamma=1e-40, step_size=1000, num_steps=10**6)
    assert float(step(1000)) == pytest.approx(1e-10, rel=2e-6, abs=0)
    assert float(step(2000)) == 0.0  # 1e-50: below float32's range
    warm = lrs.constant(
        start_lr=1e-30,
        warmup_start_factor=1e-10,
        warmup_steps=1000,
        num_steps=10**6,
        num_workers=1000,
    )
    assert float(warm(0)) == pytest.approx(1e-37, rel=2e-6, abs=0)


@pytest.mark.parametrize("factor", [1e-40, 5e-324])
def test_subnormal_warmup_start_factor_is_refused(factor):
    """A traced (jit-argument or stacked) schedule holds it as a float32 number, which would
    flush to 0: the bound is the smallest normal float32."""
    with pytest.raises(
        lrs.ConfigError, match=r"warmup_start_factor: must be 0 or at least 1\.175494e-38"
    ):
        lrs.constant(start_lr=1.0, warmup_start_factor=factor, warmup_steps=10, num_steps=100)


def _scaled(config: Any, factor: float) -> Any:
    """``config`` with its rates multiplied by ``factor``: every rate key of a type, of every
    phase of a sequence, of the first factor of a product (the others multiply it)."""
    if isinstance(config, dict):
        out = {}
        for k, v in config.items():
            if k in RATE_KEYS and isinstance(v, float | int):
                out[k] = v * factor
            elif k == "factors" and config.get("type") == "product":  # piecewise's: fractions
                first = next(i for i, f in enumerate(v) if isinstance(f, dict))
                out[k] = [_scaled(f, factor) if i == first else f for i, f in enumerate(v)]
            else:
                out[k] = _scaled(v, factor)
        return out
    if isinstance(config, list):
        return [_scaled(v, factor) for v in config]
    return config


def _rates(config: Any) -> list[float]:
    """The positive rates of ``config`` and of its parts (a stop rate given as a ratio too)."""
    if isinstance(config, dict):
        own = [float(v) for k, v in config.items() if k in RATE_KEYS and v and v > 0]
        if config.get("stop_lr_ratio") and "start_lr" in config:
            own.append(config["start_lr"] * config["stop_lr_ratio"])
        return own + [r for v in config.values() for r in _rates(v)]
    if isinstance(config, list):
        return [r for v in config for r in _rates(v)]
    return []


SEARCH = int(os.environ.get("LRS_F32_SEARCH", "2"))
SCALED_TYPES = types_with("scale_by_worker")


@pytest.mark.parametrize("name", list(TYPES))
@settings(max_examples=SEARCH)
@given(data=st.data())
def test_random_search(name, data):
    """A valid config of each registered type (the case table's strategy), any worker count and
    scaling rule, its rates moved by a power of 2 to anywhere in float32's range, often to
    its ends (the largest move that stays valid, up or down): folded and traced, no problem at
    its boundaries, powers of two and random steps."""
    config, n, workers = data.draw(TYPES[name].strategy, label="config")
    if any(isinstance(v, dict | list) for v in config.values()):
        workers = 1  # a composite's parts may scale differently: the reference has one scale
    elif name in SCALED_TYPES:
        config = {**config, "scale_by_worker": data.draw(st.sampled_from(["linear", "sqrt"]))}
        workers = data.draw(st.sampled_from([workers, 1, 8, 999_983]), label="workers")
    rates = _rates(config)
    peak = _peak(config, n) * worker_scale_of(lrs.make_schedule(config, n, num_workers=workers))
    # rates from 2**-125 up: one at 2**-126 with a worker scale is the xfail case below
    low = int(np.ceil(np.log2(TINY / min(rates)))) + 1 if rates else 0
    high = int(np.floor(np.log2(F32_MAX / peak))) - 8 if peak else 0  # 8: a batch factor
    if name == "product":  # moved up, a factor below 2**-126 is the xfail case below
        high = min(high, 0)
    high = max(high, low)
    exponent = data.draw(
        st.one_of(st.sampled_from([low, high]), st.integers(low, high)), label="exponent"
    )
    for move in (exponent, exponent * 3 // 4, exponent // 2, exponent // 4, 0):
        moved = _scaled(config, 2.0**move)
        try:
            lrs.make_schedule(moved, n, num_workers=workers)
        except lrs.ConfigError:  # past float32's range after a scaling: a smaller move
            continue
        break
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    steps = _sample(moved, n, np.random.default_rng(seed), 200)
    for traced in (False, True):
        bad, _ = _errors(moved, n, workers, steps=steps, traced=traced)
        assert not bad, (move, traced, bad)


@pytest.mark.xfail(
    strict=True,
    reason="traced, a rate below 2**-125 is multiplied by the worker scale's mantissa (in "
    "[0.5, 1)) before its power of 2: a subnormal, flushed to 0",
)
@pytest.mark.parametrize(("mode", "workers"), [("linear", 2), ("linear", 3), ("sqrt", 4)])
def test_a_traced_rate_at_the_smallest_normal_times_a_worker_scale(mode, workers):
    config = {"type": "cosine", "start_lr": TINY, "stop_lr": 0.0, "scale_by_worker": mode}
    sched = lrs.make_schedule(config, 100, num_workers=workers)
    want = TINY * worker_scale_of(sched)
    assert float(sched(0)) == pytest.approx(want, rel=TOL, abs=0)  # folded: right
    assert float(jax.jit(lambda s, t: s(t))(sched, 0)) == pytest.approx(want, rel=TOL, abs=0)


@pytest.mark.xfail(
    strict=True,
    reason="a product's factor below 2**-126 is flushed to 0 before it multiplies the others, "
    "though the product is a normal float32",
)
def test_a_product_of_a_large_rate_and_a_factor_below_the_smallest_normal():
    config = {
        "type": "product",
        "factors": [
            {"type": "constant", "start_lr": 2.0**100},
            {"type": "step", "start_lr": 1.0, "step_size": 1, "gamma": 0.5}
            | {"scale_by_worker": "none"},
        ],
    }
    sched = lrs.make_schedule(config, 1000)
    assert float(sched(140)) == pytest.approx(2.0**-40, rel=TOL, abs=0)  # 2**100 * 2**-140

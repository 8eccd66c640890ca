"""exp_times_int, Exp's floor clamp and the warmup against float64 NumPy (written here)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lrschedules_jax as lrs
from lrschedules_jax._numerics import exp_times_int

INT32_MAX = 2**31 - 1


def steps_up_to(n_max: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    edges = [0, 1, 255, 256, 65535, 65536, 65537, 2**24 - 1, 2**24, 2**24 + 1, n_max]
    sample = np.concatenate(
        [
            rng.integers(0, n_max, 20_000, endpoint=True),
            np.geomspace(1, n_max, 2000).astype(np.int64),
            [e for e in edges if e <= n_max],
        ]
    )
    return np.unique(sample)


@pytest.mark.parametrize("traced", [False, True], ids=["concrete_c", "traced_c"])
@pytest.mark.parametrize("n_max", [2000, 65535, INT32_MAX], ids=["short", "16bit", "int32"])
@pytest.mark.parametrize(
    "c", [-2.3258435539901257e-3, -4.6e-8, -0.9, -1e-4 / 3, 0.0, 9e-9], ids=str
)
def test_exp_times_int_matches_float64(c, n_max, traced):
    n = steps_up_to(n_max)
    expected = np.exp(c * n.astype(np.float64))
    if traced:
        got = jax.jit(lambda c, n: exp_times_int(c, n, jnp.float32, n_max=n_max))(
            jnp.float32(c), jnp.asarray(n, jnp.int32)
        )
        c32 = float(np.float32(c))  # a traced c is the float32 value: compare with that
        expected = np.exp(c32 * n.astype(np.float64))
    else:
        got = jax.jit(lambda n: exp_times_int(c, n, jnp.float32, n_max=n_max))(
            jnp.asarray(n, jnp.int32)
        )
    got = np.asarray(got, dtype=np.float64)
    normal = (expected > 1e-30) & (expected < 1e30)  # subnormals lose precision; overflow
    rel = np.abs(got[normal] - expected[normal]) / expected[normal]
    assert rel.max() <= 3e-7, (rel.max(), n[normal][rel.argmax()])
    assert np.all(np.isfinite(got[normal]))


@pytest.mark.parametrize("smooth", [False, True], ids=["stepped", "smooth"])
@pytest.mark.parametrize(
    "keys",
    [
        {"stop_lr": 1e-8, "decay_steps": 5000},
        {"stop_lr": 1e-5, "decay_rate": 0.95, "decay_steps": 100, "warmup_steps": 1000},
        {"stop_lr": 2e-4, "decay_rate": 0.999999, "decay_steps": 1},
    ],
    ids=["derived", "explicit", "rate_near_1"],
)
def test_exp_floor_clamp_keeps_every_value(keys, smooth):
    """The stair index is clamped where the rate is already below stop_lr: no value moves."""
    n_steps = 1_000_000
    sched = lrs.exp(start_lr=1e-3, num_steps=n_steps, smooth=smooth, **keys)
    w, ds, log_r = sched.warmup_steps, sched.decay_steps, sched._decay_factor.log
    rng = np.random.default_rng(1)
    steps = np.unique(
        np.concatenate([rng.integers(0, INT32_MAX, 20_000), np.arange(0, 3 * n_steps, 997)])
    )
    t = np.maximum(steps - w, 0)
    power = t / ds if smooth else (t // ds).astype(np.float64)
    expected = np.maximum(1e-3 * np.exp(log_r * power), keys["stop_lr"])
    expected = np.where(steps < w, 1e-3 * steps / max(w, 1), expected)
    folded = np.asarray(jax.jit(sched)(jnp.asarray(steps, jnp.int32)), dtype=np.float64)
    traced = jax.jit(lambda s, x: s(x))(sched, jnp.asarray(steps, jnp.int32))
    for got in (folded, np.asarray(traced, dtype=np.float64)):
        nonzero = expected > 0
        rel = np.abs(got[nonzero] - expected[nonzero]) / expected[nonzero]
        assert rel.max() <= 2e-6
    floor = np.float32(keys["stop_lr"])
    at_floor = (expected == keys["stop_lr"]) & (steps >= w)
    assert at_floor.sum() > 1000
    assert np.all(folded[at_floor] == floor)


@pytest.mark.parametrize("factor", [0.0, 0.1, 1.0], ids=str)
def test_warmup_is_one_multiply_add_within_precision(factor):
    sched = lrs.cosine(
        start_lr=3e-3, stop_lr=1e-5, num_steps=100_000_000, warmup_steps=40_000_000,
        warmup_start_factor=factor,
    )  # fmt: skip
    steps = np.unique(np.r_[0:1000, 2**24 - 3 : 2**24 + 3, 39_999_000:40_000_000])
    expected = factor * 3e-3 + (3e-3 - factor * 3e-3) * steps / 40_000_000
    for got in (
        jax.jit(sched)(jnp.asarray(steps, jnp.int32)),
        jax.jit(lambda s, x: s(x))(sched, jnp.asarray(steps, jnp.int32)),
    ):
        got = np.asarray(got, dtype=np.float64)
        if factor == 0.0:
            assert got[0] == 0.0
        nonzero = expected > 0
        rel = np.abs(got[nonzero] - expected[nonzero]) / expected[nonzero]
        assert rel.max() <= 4e-7, rel.max()
    assert math.isclose(float(sched(40_000_000)), 3e-3, rel_tol=1e-7)

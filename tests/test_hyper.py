"""Schedules for hyperparameters that are not learning rates (issue 13, item 5).

``lrs.hyperparameter`` ramps in both directions against a float64 evaluation of the formula
(including ends at 0), validation with ``<name>.<key>`` paths, and the ``learning_rate``
section still refusing a rising rate.
"""

import math

import jax
import numpy as np
import optax
import pytest

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError

DTYPE_PROMOTION = "standard"  # optax's adam (b1 ** count) relies on standard promotion


def ref(kind, a, b, n, steps):
    t = np.minimum(np.clip(np.asarray(steps, np.float64), 0, None), n)
    if kind == "constant":
        return np.full(t.shape, a)
    if n == 0:
        return np.full(t.shape, b)
    # (1 - cos(pi x)) / 2, written as sin(pi x / 2) ** 2 to keep float64 accurate near x = 0;
    # a falling ramp on the remaining fraction 1 - x, so that an end at 0 does not cancel
    x = t / n if b >= a else (n - t) / n
    f = x if kind == "linear" else np.sin(np.pi / 2 * x) ** 2
    return min(a, b) + abs(b - a) * f


CASES = [
    ("b1", "linear", 0.85, 0.95, 1000),
    ("b1", "cosine", 0.95, 0.85, 1000),
    ("weight_decay", "cosine", 0.0, 0.05, 10**6),
    ("weight_decay", "linear", 0.05, 0.0, 777),
    ("ema_decay", "cosine", 0.999, 0.9999, 2**31 - 1),
    ("momentum", "constant", 0.9, None, 10),
    ("eps", "linear", 1e-8, 1e-6, 0),
]


@pytest.mark.parametrize(("name", "kind", "a", "b", "n"), CASES)
def test_values_against_float64(name, kind, a, b, n):
    config = {"type": kind, "start_value": a, **({} if b is None else {"stop_value": b})}
    s = lrs.hyperparameter(config, n, name=name)
    steps = np.unique(np.r_[0, 1, 2, n // 3, n // 2, n - 2, n - 1, n, n + 1, 2**31 - 1,
                            np.linspace(0, n, 50).astype(np.int64)].clip(0, 2**31 - 1))  # fmt: skip
    got = np.asarray(s(steps), np.float64)
    want = ref(kind, a, a if b is None else b, n, steps)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=0)
    assert lrs.hyperparameter(s.to_config(), n, name=name) == s


def test_errors_with_paths():
    with pytest.raises(ConfigError) as info:
        lrs.hyperparameter(
            {"type": "linear", "start_value": -0.1, "stop_value": 1.0, "stop_lr": 0.9}, 100,
            name="b1",
        )  # fmt: skip
    text = str(info.value)
    assert "b1.start_value: must be a number in [0, 1); got -0.1." in text
    assert "b1.stop_value: must be a number in [0, 1); got 1.0." in text
    assert "b1.stop_lr: is not a key" in text
    with pytest.raises(ConfigError, match=r"eps\.start_value: must be a number in \(0, inf\)"):
        lrs.hyperparameter({"type": "constant", "start_value": 0.0}, 100, name="eps")
    with pytest.raises(ConfigError, match=r"wd\.type: must be one of"):
        lrs.hyperparameter({"type": "exp", "start_value": 0.1}, 100, name="wd", bounds=(0, 1))
    with pytest.raises(ValueError, match="no default bounds"):
        lrs.hyperparameter({"type": "constant", "start_value": 0.1}, 100, name="gamma")
    assert float(lrs.hyperparameter({"start_value": 2.0, "stop_value": 4.0}, 10, name="x",
                                    bounds=(0, 5))(5)) == 3.0  # fmt: skip


def test_learning_rate_section_still_refuses_a_rising_rate():
    with pytest.raises(ConfigError, match=r"learning_rate\.stop_lr: must be at most `start_lr`"):
        lrs.make_schedule({"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-2}, 1000)
    with pytest.raises(ConfigError, match=r"learning_rate\.stop_lr: must be at most `start_lr`"):
        lrs.make_schedule({"type": "linear", "start_lr": 0.85, "stop_lr": 0.95}, 1000)


def test_rising_b1_in_adam_equals_adam_with_each_steps_b1():
    n = 20
    b1 = lrs.hyperparameter({"type": "linear", "start_value": 0.8, "stop_value": 0.95}, n,
                            name="b1")  # fmt: skip
    tx = lrs.inject(optax.adam, learning_rate=1e-2, b1=b1)
    params = np.ones(3, np.float32)
    state = tx.init(params)
    mu = np.zeros(3)
    for k in range(n):
        grad = np.asarray([1.0, -2.0, 0.5], np.float32) * (k + 1)
        _, state = jax.jit(tx.update)(grad, state, params)
        beta = 0.8 + 0.15 * k / n
        assert math.isclose(float(lrs.current_hyperparams(state)["b1"]), beta, rel_tol=2e-7)
        mu = beta * mu + (1 - beta) * grad
        np.testing.assert_allclose(np.asarray(state.inner_state[0].mu), mu, rtol=2e-6)


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_stacked_ramps(kind):
    """Ramps that differ in num_steps (0 included) and direction, stacked: every row, with its
    num_steps traced under one jit(vmap), is the float64 reference; unstacking gives them back."""
    rows = [(a, b, n) for n in (0, 1, 7, 1000, 2**31 - 1) for a, b in ((0.85, 0.95), (0.05, 0.0))]
    ramps = [
        lrs.hyperparameter({"type": kind, "start_value": a, "stop_value": b}, n, name="momentum")
        for a, b, n in rows
    ]
    stacked = lrs.stack(ramps)
    assert stacked.num_steps.dtype == np.int32
    steps = np.unique(np.r_[0, 1, 3, 6, 7, 8, 500, 999, 1000, 1001, 2**30, 2**31 - 2, 2**31 - 1])
    got = np.asarray(jax.jit(jax.vmap(lambda s: s(steps)))(stacked), np.float64)
    for row, (a, b, n) in enumerate(rows):
        np.testing.assert_allclose(got[row], ref(kind, a, b, n, steps), rtol=2e-6, atol=0)
        np.testing.assert_allclose(got[row], np.asarray(ramps[row](steps)), rtol=2e-6, atol=0)
    assert lrs.unstack(stacked) == ramps

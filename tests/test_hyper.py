"""Schedules for hyperparameters that are not learning rates.

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
    if n == 0:  # no ramp: the start value holds (DeePMD-kit's rule for no decay phase)
        return np.full(t.shape, float(a))
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
    with pytest.raises(
        ConfigError,
        match=r"eps\.start_value: must be a number in \[1\.1754944e-38, 3\.4028235e\+38\]",
    ):
        lrs.hyperparameter({"type": "constant", "start_value": 0.0}, 100, name="eps")
    with pytest.raises(ConfigError, match=r"wd\.type: must be one of"):
        lrs.hyperparameter({"type": "exp", "start_value": 0.1}, 100, name="wd", bounds=(0, 1))
    with pytest.raises(ConfigError, match=r"bounds: no default bounds for `gamma`"):
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


# ---- One rule for zero steps; bounded, typed errors; values kept normal float32 ---------------


@pytest.mark.parametrize("kind", ["linear", "cosine"])
@pytest.mark.parametrize(("a", "b"), [(0.85, 0.95), (0.95, 0.85), (0.0, 0.05)])
def test_zero_steps_hold_the_start_value_as_learning_rates_do(kind, a, b):
    """DeePMD-kit's rule (a schedule without a decay phase holds its start value), the one
    ``lrs.linear``/``lrs.cosine`` follow at num_steps 0: a 0-step ramp is start_value, eager,
    jitted and stacked with longer ramps (a traced num_steps of 0)."""
    config = {"type": kind, "start_value": a, "stop_value": b}
    ramp = lrs.hyperparameter(config, 0, name="momentum")
    steps = np.asarray([0, 1, 10, 2**31 - 1])
    want = np.full(4, np.float32(a), np.float64)
    np.testing.assert_array_equal(np.asarray(ramp(steps), np.float64), want)
    np.testing.assert_array_equal(np.asarray(jax.jit(ramp)(steps), np.float64), want)
    builder = lrs.linear if kind == "linear" else lrs.cosine
    if a > b:  # a learning rate falls: the same rule
        rate = builder(start_lr=a, stop_lr=b, num_steps=0, scale_by_worker="none")
        np.testing.assert_array_equal(np.asarray(rate(steps), np.float64), want)
    stacked = lrs.stack([ramp, lrs.hyperparameter(config, 10, name="momentum")])
    got = np.asarray(jax.jit(jax.vmap(lambda s: s(steps)))(stacked), np.float64)
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_allclose(got[1], ref(kind, a, b, 10, steps), rtol=2e-6, atol=0)


def test_bounds_of_the_wrong_type_are_a_type_error_and_bad_pairs_a_config_error():
    config = {"type": "constant", "start_value": 0.5}
    for bounds in ("ab", 1.0, None.__class__):
        with pytest.raises(TypeError, match=r"`bounds` must be a pair \(low, high\)"):
            lrs.hyperparameter(config, 10, name="x", bounds=bounds)
    for bounds, shown in [((1, 0), "(1, 0)"), ((0, 1, 2), "(0, 1, 2)"), (("a", "b"), "('a', 'b')"),
                          ((float("nan"), 1), "(nan, 1)"), ((True, 2), "(True, 2)")]:  # fmt: skip
        with pytest.raises(ConfigError) as info:
            lrs.hyperparameter(config, 10, name="x", bounds=bounds)
        (line,) = info.value.problems
        assert line.startswith("bounds: must be a pair") and line.endswith(f"got {shown}."), line
    with pytest.raises(TypeError, match="`name` must be a str; got 5 \\(int\\)"):
        lrs.hyperparameter(config, 10, name=5)


def test_a_long_name_is_bounded_in_every_message():
    name = "x" * 10**6
    for kwargs in ({}, {"bounds": (0, 1)}):
        with pytest.raises(ConfigError) as info:
            lrs.hyperparameter({"type": "linear", "start_value": 2.0, "bad": 1}, 10, name=name,
                               **kwargs)  # fmt: skip
        assert len(str(info.value)) < 2000, len(str(info.value))
        assert "(a str of 1000000 characters)" in str(info.value)


TINY = "(magnitude at least 1.1754944e-38; a smaller one is 0 in float32)"


@pytest.mark.parametrize(
    ("name", "bounds", "value", "fragment"),
    [
        ("eps", None, 1e-300, "must be a number in [1.1754944e-38, 3.4028235e+38]; got 1e-300."),
        ("eps", None, 0.0, "must be a number in [1.1754944e-38, 3.4028235e+38]; got 0.0."),
        ("weight_decay", None, 1e300, "must be a number in [0, 3.4028235e+38]; got 1e+300."),
        ("weight_decay", None, 1e-40, f"must be 0 or a normal float32 {TINY}; got 1e-40."),
        ("x", (0, math.inf), 1e300, "must be a number in [0, 3.4028235e+38]; got 1e+300."),
        ("x", (-1, 1), -1e-300, f"must be 0 or a normal float32 {TINY}; got -1e-300."),
        ("x", (-(10**400), 10**400), 10**400, "got an int of 401 digits."),
    ],
)
def test_every_value_stays_a_normal_float32(name, bounds, value, fragment):
    """1e-300 was 0.0 in float32 and 1e300 inf: refused, by-name and explicit bounds alike."""
    with pytest.raises(ConfigError) as info:
        lrs.hyperparameter({"type": "constant", "start_value": value}, 10, name=name,
                           bounds=bounds)  # fmt: skip
    (line,) = info.value.problems
    assert line.startswith(f"{name}.start_value: ") and line.endswith(fragment), line


@pytest.mark.parametrize(
    ("name", "bounds", "value"),
    [("eps", None, 1.1754944e-38), ("eps", None, 3.4028234e38), ("weight_decay", None, 0.0),
     ("x", (-math.inf, math.inf), -3.4028234e38), ("x", (-(10**400), 10**400), 1.5)],
)  # fmt: skip
def test_values_at_the_float32_edges_are_exact(name, bounds, value):
    ramp = lrs.hyperparameter({"type": "constant", "start_value": value}, 10, name=name,
                              bounds=bounds)  # fmt: skip
    got = float(ramp(3))
    assert math.isfinite(got) and (value == 0 or got != 0)
    assert got == pytest.approx(value, rel=2e-7)


def test_ends_further_apart_than_float32_holds_are_refused():
    """start -3e38, stop 3e38 (bounds (-inf, inf)) computed |b - a| = inf: NaN, then inf."""
    with pytest.raises(ConfigError) as info:
        lrs.hyperparameter({"start_value": -3e38, "stop_value": 3e38}, 10, name="x",
                           bounds=(-math.inf, math.inf))  # fmt: skip
    assert info.value.problems == [
        "x.stop_value: must differ from `start_value` by at most 3.4028235e+38 (the ramp "
        "computes |stop_value - start_value| in float32); got 3e+38 and start_value -3e+38."
    ]
    ramp = lrs.hyperparameter({"start_value": -1.7e38, "stop_value": 1.7e38}, 10, name="x",
                              bounds=(-math.inf, math.inf))  # fmt: skip
    got = np.asarray(ramp(np.arange(12)), np.float64)
    np.testing.assert_allclose(got, ref("linear", -1.7e38, 1.7e38, 10, np.arange(12)),
                               rtol=2e-6, atol=2e-6 * 1.7e38)  # fmt: skip

"""Global steps: ``Schedule.shifted`` and the optax transformations fed ``step=global_step``."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lrschedules_jax as lr
from lrschedules_jax import (
    ScaleByScheduleAtStepState,
    Shifted,
    make_schedule,
    scale_by_schedule_at_step,
    with_global_step,
)

DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)

INT32_MAX = 2**31 - 1
N = 40
CONFIGS = {
    "exp-smooth": {
        "type": "exp",
        "start_lr": 0.1,
        "stop_lr": 1e-4,
        "decay_steps": 7,
        "smooth": True,
    },
    "cosine-warmup": {"type": "cosine", "start_lr": 0.1, "stop_lr": 1e-3, "warmup_steps": 10},
    "wsd": {"type": "wsd", "start_lr": 0.1, "stop_lr": 1e-3, "decay_phase_ratio": 0.5},
}


@pytest.fixture(params=["cosine-warmup", "wsd"])
def sched(request):
    # The shift is the same wrapper for every type; test_properties.py checks it on each type.
    return make_schedule(CONFIGS[request.param], N, num_workers=2)


# The training tests use one schedule (compiling an optimizer per config would be slow).
SCHED = make_schedule(CONFIGS["cosine-warmup"], N, num_workers=2)
# One shape for every eager evaluation: eager JAX compiles each primitive once per shape.
STEPS = np.arange(-3, 2 * N - 3)


def _np(x):
    return np.asarray(x)


# --- Schedule.shifted -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 37, N, 10 * N], ids=lambda k: f"k={k}")
def test_shifted_values(sched, k):
    steps = STEPS
    np.testing.assert_array_equal(
        _np(sched.shifted(k)(steps)), _np(sched(np.clip(steps, 0, None) + k))
    )


def test_shifted_negative_delays(sched):
    delayed = sched.shifted(-5)
    expected = _np(sched(np.clip(STEPS, 0, None) - 5))
    np.testing.assert_array_equal(_np(delayed(STEPS)), expected)
    assert np.all(expected[STEPS < 5] == _np(sched(0)))


@pytest.mark.parametrize(
    ("k", "step", "global_step"),
    [
        (INT32_MAX, 0, INT32_MAX),
        (INT32_MAX, INT32_MAX, INT32_MAX),
        (10, INT32_MAX, INT32_MAX),
        (10, INT32_MAX - 10, INT32_MAX),
        (10, INT32_MAX - 11, INT32_MAX - 1),
        (-INT32_MAX, INT32_MAX, 0),
        (-INT32_MAX, 0, 0),
        (-10, INT32_MAX, INT32_MAX - 10),
    ],
    ids=str,
)
def test_shifted_saturates_without_overflow(k, step, global_step):
    # cosine over the whole int32 range: every step has its own value.
    sched = lr.cosine(start_lr=1.0, stop_lr=0.0, num_steps=INT32_MAX)
    shifted = sched.shifted(k)
    expected = float(sched(global_step))
    assert float(shifted(step)) == expected
    assert float(shifted(jnp.asarray([step], jnp.int32))[0]) == expected


def test_shifted_float_and_array_steps(sched):
    shifted = sched.shifted(7)
    assert float(shifted(3.7)) == float(sched(10))
    out = shifted(jnp.arange(12, dtype=jnp.int32).reshape(3, 4))
    assert out.shape == (3, 4) and out.dtype == jnp.float32 and not out.weak_type


def test_shifted_is_a_jittable_pytree(sched):
    shifted = sched.shifted(13)
    assert isinstance(shifted, Shifted) and isinstance(shifted, lr.Schedule)
    assert jax.tree.leaves(shifted) == jax.tree.leaves(sched)
    chex.clear_trace_counter()

    @jax.jit
    @chex.assert_max_traces(n=1)  # a new start_lr must not recompile
    def value(s, step):
        return s(step)

    np.testing.assert_allclose(_np(value(shifted, 5)), _np(sched(18)), rtol=1e-6)
    # A traced step near the int32 limit saturates instead of overflowing.
    top = _np(value(shifted, INT32_MAX - 5))
    np.testing.assert_allclose(top, _np(sched(INT32_MAX)), rtol=1e-6)
    other = shifted.replace(schedule=sched.replace(start_lr=0.05))
    np.testing.assert_allclose(_np(value(other, 5)), _np(other(5)), rtol=1e-6)


def test_shifted_stacks_and_vmaps():
    scheds = [
        lr.cosine(start_lr=s0, stop_lr=1e-3, warmup_steps=10, num_steps=N).shifted(20)
        for s0 in (0.1, 0.2, 0.3)
    ]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *scheds)
    out = jax.vmap(lambda s: s(jnp.arange(5)))(stacked)
    np.testing.assert_allclose(
        _np(out), np.stack([_np(s(np.arange(5))) for s in scheds]), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("k1", "k2", "folded"),
    [(3, 4, 7), (-3, -4, -7), (0, 5, 5), (INT32_MAX, 5, INT32_MAX), (-INT32_MAX, -1, -INT32_MAX)],
    ids=str,
)
def test_shifts_of_one_sign_fold(sched, k1, k2, folded):
    twice = sched.shifted(k1).shifted(k2)
    assert twice.start_step == folded and twice.schedule is sched
    steps = STEPS
    expected = np.clip(np.clip(steps.clip(0) + k2, 0, INT32_MAX) + k1, 0, INT32_MAX)
    np.testing.assert_array_equal(_np(twice(steps)), _np(sched(expected)))


def test_shifts_of_both_signs_nest(sched):
    twice = sched.shifted(-10).shifted(4)
    steps = STEPS
    expected = sched(np.clip(np.clip(steps, 0, None) + 4 - 10, 0, None))
    np.testing.assert_array_equal(_np(twice(steps)), _np(expected))


def test_shifted_metadata_and_to_config(sched):
    shifted = sched.shifted(30)
    assert shifted.num_steps == sched.num_steps and shifted.num_workers == 2
    assert shifted.schedule.worker_scale == sched.worker_scale == 2.0
    assert all(b == sched.boundaries()[k] - 30 for k, b in shifted.boundaries().items())
    # The config is the JSON type `shifted`: the run's section and the position in it.
    assert shifted.to_config() == {
        "type": "shifted",
        "start_step": 30,
        "schedule": sched.to_config(),
    }
    rebuilt = lr.from_config(shifted.to_config(), shifted.num_steps, num_workers=2)
    assert rebuilt == shifted
    np.testing.assert_array_equal(_np(rebuilt(STEPS)), _np(shifted(STEPS)))


@pytest.mark.parametrize(
    ("k", "error"),
    [
        (1.5, TypeError),
        (True, TypeError),
        ("3", TypeError),
        (None, TypeError),
        (jnp.int32(3), TypeError),
        (2**31, ValueError),
        (-(2**31), ValueError),
    ],
    ids=repr,
)
def test_shifted_rejects(k, error):
    with pytest.raises(error, match="start_step"):
        lr.cosine(start_lr=1.0, stop_lr=0.1, num_steps=10).shifted(k)


def test_shifted_accepts_numpy_int():
    sched = lr.cosine(start_lr=1.0, stop_lr=0.1, num_steps=10)
    assert sched.shifted(np.int64(4)).start_step == 4


def _quadratic_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = {"w": jnp.asarray(rng.normal(size=4), jnp.float32), "b": jnp.float32(0.5)}
    xs = jnp.asarray(rng.normal(size=(2 * N, 8, 4)), jnp.float32)
    ys = jnp.asarray(rng.normal(size=(2 * N, 8)), jnp.float32)

    def loss(p, x, y):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    return params, xs, ys, jax.grad(loss)


def _train(tx, params, xs, ys, grad, steps, *, first=0, extra=None):
    state = tx.init(params)

    @jax.jit
    def step(params, state, x, y, global_step):
        g = grad(params, x, y)
        kwargs = {} if extra is None else {extra: global_step}
        updates, state = tx.update(g, state, params, **kwargs)
        return optax.apply_updates(params, updates), state

    states = []
    for i in steps:
        params, state = step(params, state, xs[i], ys[i], jnp.int32(first + i))
        states.append(state)
    return params, states


@pytest.mark.parametrize(
    "sched", [SCHED, make_schedule(CONFIGS["exp-smooth"], N)], ids=["cosine", "exp"]
)
def test_resume_with_fresh_state_via_shifted(sched):
    # SGD without momentum has no state but its count: a fresh optimizer on the shifted
    # schedule continues exactly where the uninterrupted run was.
    params, xs, ys, grad = _quadratic_problem()
    full, _ = _train(optax.sgd(sched), params, xs, ys, grad, range(N))
    half, _ = _train(optax.sgd(sched), params, xs, ys, grad, range(N // 2))
    k = N // 2
    tail_xs, tail_ys = xs[k:], ys[k:]
    resumed, _ = _train(optax.sgd(sched.shifted(k)), half, tail_xs, tail_ys, grad, range(N - k))
    chex.assert_trees_all_equal(resumed, full)


# --- scale_by_schedule_at_step ----------------------------------------------------------------


def test_scale_by_schedule_at_step_missing_step():
    tx = scale_by_schedule_at_step(lr.cosine(start_lr=1.0, stop_lr=0.1, num_steps=10))
    state = tx.init(jnp.zeros(3))
    with pytest.raises(TypeError, match=r"step=global_step"):
        tx.update(jnp.ones(3), state)
    with pytest.raises(lr.ConfigError) as info:  # a bad value: a ConfigError (a ValueError)
        tx.update(jnp.ones(3), state, step=jnp.arange(2))
    assert info.value.problems == [
        "scale_by_schedule_at_step.step: must be a scalar; got an array of shape (2,)."
    ]


@pytest.mark.parametrize(("flip_sign", "sign"), [(True, -1.0), (False, 1.0)], ids=["flip", "plus"])
def test_scale_by_schedule_at_step_sign_and_state(sched, flip_sign, sign):
    tx = scale_by_schedule_at_step(sched, flip_sign=flip_sign)
    state = tx.init({"a": jnp.zeros(3)})
    assert isinstance(state, ScaleByScheduleAtStepState)
    assert float(state.learning_rate) == float(sched(0))
    update = jax.jit(tx.update)
    for step in [0, 5, 57, 10**9]:
        g = {"a": jnp.asarray([1.0, -2.0, 0.5])}
        out, state = update(g, state, step=jnp.int32(step))
        rate = float(sched(step))
        np.testing.assert_allclose(_np(out["a"]), sign * rate * _np(g["a"]), rtol=1e-6)
        assert float(state.learning_rate) == pytest.approx(rate, rel=1e-6)
        assert state.learning_rate.dtype == jnp.float32 and not state.learning_rate.weak_type


def test_scale_by_schedule_at_step_keeps_update_dtype():
    tx = scale_by_schedule_at_step(lr.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=10))
    params = {"a": jnp.zeros(3, jnp.bfloat16)}
    out, _ = tx.update({"a": jnp.ones(3, jnp.bfloat16)}, tx.init(params), params, step=5)
    assert out["a"].dtype == jnp.bfloat16
    assert float(out["a"][0]) == pytest.approx(-5.05e-4, rel=1e-2)


@pytest.mark.parametrize(
    ("name", "reference", "chained"),
    [
        ("sgd", optax.sgd, lambda s: optax.chain(optax.identity(), scale_by_schedule_at_step(s))),
        (
            "adam",
            optax.adam,
            lambda s: optax.chain(optax.scale_by_adam(), scale_by_schedule_at_step(s)),
        ),
    ],
    ids=["sgd", "adam"],
)
def test_at_step_equals_optax_when_step_is_the_count(name, reference, chained):
    sched = SCHED
    params, xs, ys, grad = _quadratic_problem()
    expected, _ = _train(reference(sched), params, xs, ys, grad, range(N))
    got, _ = _train(chained(sched), params, xs, ys, grad, range(N), extra="step")
    chex.assert_trees_all_equal(got, expected)


def _multitask(tx, extra):
    """Two tasks with their own optimizer states; task 1 is sampled one step in four."""
    params, xs, ys, grad = _quadratic_problem()
    states = [tx.init(params), tx.init(params)]

    @jax.jit
    def train_step(params, state, x, y, step):
        updates, state = tx.update(
            grad(params, x, y), state, params, **({extra: step} if extra else {})
        )
        return optax.apply_updates(params, updates), state

    rates = []
    for step in range(N):
        task = int(step % 4 == 3)
        params, states[task] = train_step(params, states[task], xs[step], ys[step], step)
        rates.append(_rate(states[task]))
    return np.asarray(rates)


def _rate(state):
    for s in jax.tree.leaves(state, is_leaf=lambda x: hasattr(x, "hyperparams")):
        if hasattr(s, "hyperparams"):
            return float(s.hyperparams["learning_rate"])
    return float(state[1].learning_rate)


def test_multitask_rate_follows_the_global_step():
    sched = SCHED
    expected = _np(sched(STEPS))[3 : N + 3].astype(np.float64)
    at_step = optax.chain(optax.scale_by_adam(), scale_by_schedule_at_step(sched))
    np.testing.assert_allclose(_multitask(at_step, "step"), expected, rtol=1e-6)
    wrapped = with_global_step(optax.adam, sched)
    np.testing.assert_allclose(_multitask(wrapped, "step"), expected, rtol=1e-6)
    # What optax's own count gives (DeePMD-kit's JAX multitask bug): each task's rate lags.
    injected = optax.inject_hyperparams(optax.adam)(learning_rate=sched)
    lagging = _multitask(injected, None)
    assert not np.allclose(lagging, expected, rtol=1e-3)


# --- with_global_step -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        (optax.adam, {}),
        (optax.adamw, {"weight_decay": 1e-2}),
        (optax.sgd, {"momentum": 0.9, "nesterov": True}),
    ],
    ids=["adam", "adamw", "sgd-nesterov"],
)
def test_with_global_step_equals_optax_when_step_is_the_count(factory, kwargs):
    # Bit for bit what optax.inject_hyperparams gives (optax.adam(sched) itself fuses the
    # rate differently under jit, a float32 ulp that Adam then amplifies).
    sched = SCHED
    params, xs, ys, grad = _quadratic_problem()
    expected, ref_states = _train(
        optax.inject_hyperparams(factory)(learning_rate=sched, **kwargs),
        params,
        xs,
        ys,
        grad,
        range(N),
    )
    tx = with_global_step(factory, sched, **kwargs)
    got, states = _train(tx, params, xs, ys, grad, range(N), extra="step")
    chex.assert_trees_all_equal(got, expected)
    rates = [float(s.hyperparams["learning_rate"]) for s in states]
    assert rates == [float(s.hyperparams["learning_rate"]) for s in ref_states]


def test_with_global_step_missing_step():
    tx = with_global_step(optax.adam, lr.cosine(start_lr=1.0, stop_lr=0.1, num_steps=10))
    params = jnp.zeros(3)
    state = tx.init(params)
    assert float(state.hyperparams["learning_rate"]) == 1.0
    with pytest.raises(TypeError, match=r"step=global_step"):
        tx.update(jnp.ones(3), state, params)


def test_with_global_step_resumes_with_fresh_state():
    sched = SCHED
    # A fresh optimizer state at global step k reads the rate at k, not at 0.
    tx = with_global_step(optax.sgd, sched)
    params = jnp.zeros(2)
    _, state = tx.update(jnp.ones(2), tx.init(params), params, step=30)
    assert float(state.hyperparams["learning_rate"]) == float(sched(30))

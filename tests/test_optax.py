"""Schedules as optax learning rates: adam, inject_hyperparams (bf16 params), jit, vmap, sweeps."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from cases import DEEPMD_TYPES, reference

import lrschedules_jax as lrs

CONFIG = {
    "type": "wsd",
    "start_lr": 1e-2,
    "stop_lr": 1e-4,
    "warmup_steps": 5,
    "decay_phase_ratio": 0.5,
    "decay_type": "cosine",
}
NUM_STEPS = 40


DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)


def _loss(params, x):
    return jnp.sum((params["w"] * x - 1.0) ** 2) + jnp.sum(params["b"] ** 2)


def _params(dtype):
    return {"w": jnp.linspace(0.5, 1.5, 8, dtype=dtype), "b": jnp.ones(3, dtype)}


def _train(optimizer, params, steps):
    @jax.jit
    def step(params, state, x):
        grads = jax.grad(_loss)(params, x)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    state = optimizer.init(params)
    states = []
    for i in range(steps):
        params, state = step(params, state, jnp.float32(1.0 + 0.01 * i).astype(params["w"].dtype))
        states.append(state)
    return params, states


def test_adam_with_schedule_matches_manual_scaling():
    sched = lrs.make_schedule(CONFIG, NUM_STEPS)
    rates = reference(CONFIG, NUM_STEPS, np.arange(NUM_STEPS))
    ours, _ = _train(optax.adam(learning_rate=sched), _params(jnp.float32), NUM_STEPS)

    # The same Adam, scaled by the float64 reference rate of each step.
    params, adam = _params(jnp.float32), optax.scale_by_adam()
    state = adam.init(params)
    for i in range(NUM_STEPS):
        x = jnp.float32(1.0 + 0.01 * i)
        updates, state = adam.update(jax.grad(_loss)(params, x), state, params)
        updates = jax.tree.map(lambda u, r=rates[i]: -jnp.float32(r) * u, updates)
        params = optax.apply_updates(params, updates)
    for key in params:
        np.testing.assert_allclose(np.asarray(ours[key]), np.asarray(params[key]), rtol=2e-6)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float32], ids=["bf16", "f32"])
def test_inject_hyperparams_records_float32_rate(dtype):
    sched = lrs.make_schedule(CONFIG, NUM_STEPS)
    optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=sched)
    _, states = _train(optimizer, _params(dtype), NUM_STEPS + 5)
    want = reference(CONFIG, NUM_STEPS, np.arange(NUM_STEPS + 5))
    for i, state in enumerate(states):
        lr = state.hyperparams["learning_rate"]
        assert lr.dtype == jnp.float32, "the rate must not be cast to the params' dtype"
        # The rate recorded at the i-th update is the schedule's at i (to the last ulp: the
        # fused kernel inside the training step may round differently from op-by-op dispatch).
        assert float(lr) == pytest.approx(float(sched(i)), rel=2.4e-7)
        assert float(lr) == pytest.approx(want[i], rel=2e-6)
        assert int(state.count) == i + 1


def test_scalar_steps_never_retrace():
    """One trace for every Python int step (weakly typed), one for every int32 array."""
    sched = lrs.make_schedule(CONFIG, NUM_STEPS)
    chex.clear_trace_counter()

    @jax.jit
    @chex.assert_max_traces(n=2)
    def value(step):
        return sched(step)

    got = [float(value(i)) for i in range(NUM_STEPS)]
    counts = [float(value(jnp.asarray(i, jnp.int32))) for i in range(NUM_STEPS)]  # optax's count
    assert value._cache_size() == 2
    assert counts == got
    np.testing.assert_allclose(
        got[:NUM_STEPS], reference(CONFIG, NUM_STEPS, np.arange(NUM_STEPS)), rtol=2e-6
    )


def test_vmap_over_steps():
    sched = lrs.make_schedule(CONFIG, NUM_STEPS)
    steps = jnp.arange(0, 60).reshape(6, 10)
    # An eager call runs the schedule compiled (cached): the same program as under jit.
    got = jax.jit(jax.vmap(jax.vmap(sched)))(steps)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(sched(steps)))
    # Eager vmap runs op by op, where XLA's fused sin may differ by an ulp.
    eager = jax.vmap(jax.vmap(sched))(steps)
    np.testing.assert_allclose(np.asarray(eager), np.asarray(sched(steps)), rtol=2.4e-7)


@pytest.mark.parametrize("kind", DEEPMD_TYPES)
def test_stacked_sweep_compiles_once(kind):
    starts = [1e-4, 3e-4, 1e-3, 3e-3]
    extra = {"decay_steps": 100} if kind == "exp" else {}
    configs = [
        {"type": kind, "start_lr": s, "stop_lr_ratio": 1e-3, "warmup_steps": 50, **extra}
        for s in starts
    ]
    scheds = [lrs.make_schedule(c, 10_000) for c in configs]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *scheds)
    steps = jnp.concatenate([jnp.arange(0, 200), jnp.arange(9000, 10_001, 7)])
    chex.clear_trace_counter()

    @jax.jit
    @chex.assert_max_traces(n=1)
    def sweep(stacked):
        return jax.vmap(lambda s: s(steps))(stacked)

    got = np.asarray(sweep(stacked))
    assert got.shape == (4, steps.shape[0]) and got.dtype == np.float32
    for row, config in zip(got, configs, strict=True):
        np.testing.assert_allclose(row, reference(config, 10_000, np.asarray(steps)), rtol=1e-5)
    # Another set of rates of the same shape: no new compilation.
    other = jax.tree.map(
        lambda *x: jnp.stack(x),
        *[lrs.make_schedule({**c, "start_lr": 2 * c["start_lr"]}, 10_000) for c in configs],
    )
    np.testing.assert_allclose(np.asarray(sweep(other)), 2 * got, rtol=1e-5)

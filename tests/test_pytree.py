"""The Schedule object: steps of any kind, dtype, worker scaling, jit without
recompiling, stacked sweeps under vmap, and the ``to_config`` round trip, for every type of the
case table (``cases.TYPES``)."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import (
    CHUNK,
    EXAMPLE_BY_ID,
    EXAMPLES,
    INT32_MAX,
    REPRESENTATIVE,
    TYPES,
    assert_close,
    folded_values,
    mark_steps,
    reference,
    worker_scale_of,
)

import lrschedules_jax as lrs

EXAMPLE_IDS = [e[0] for e in EXAMPLES]
REP_IDS = [e[1] for e in REPRESENTATIVE]
RATE_KEYS = ("start_lr", "stop_lr", "max_lr", "base_lr")


def _scaled_rates(config, factor):
    """The config with every rate multiplied by ``factor`` (same step counts: same statics)."""
    return {k: v * factor if k in RATE_KEYS else v for k, v in config.items()}


# ---- steps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), REPRESENTATIVE, ids=REP_IDS)
def test_steps_of_every_kind(name, type_name, config, num_steps):
    sched = lrs.make_schedule(config, num_steps)
    assert float(sched(2**40)) == float(sched(2**31 - 1))  # clamped, no overflow
    assert float(sched(5.7)) == float(sched(5))  # float steps are floored
    # a float step is clipped to the largest float32 below 2**31 (2**31 - 128), then floored
    assert float(sched(np.float32(3e9))) == float(sched(2**31 - 128))
    grid = np.array([[0, 5, 10], [500, 1000, 5000]])
    out = sched(grid)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(sched(jnp.asarray(grid))))
    np.testing.assert_array_equal(
        np.asarray(out), np.asarray(sched(grid.astype(np.uint32))), err_msg="unsigned steps"
    )


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), REPRESENTATIVE, ids=REP_IDS)
def test_any_step_shape(name, type_name, config, num_steps):
    steps = np.arange(2 * 3 * 4, dtype=np.int32).reshape(2, 3, 4) * 997
    out = jax.jit(lambda sched, s: sched(s))(lrs.make_schedule(config, num_steps), steps)
    assert out.shape == (2, 3, 4)
    assert_close(np.asarray(out).ravel(), reference(config, num_steps, steps.ravel()))


def test_boolean_step_is_refused():
    sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100)
    with pytest.raises(TypeError, match="integer"):
        sched(True)


# ---- dtype ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), REPRESENTATIVE, ids=REP_IDS)
def test_strong_float32(name, type_name, config, num_steps, evaluate):
    sched = lrs.make_schedule(config, num_steps)
    for s in (7, jnp.int32(7), np.int32(7), np.int64(7), np.arange(CHUNK, dtype=np.int32)):
        out = evaluate(sched, s)
        assert out.dtype == jnp.float32
        assert not out.weak_type
        assert out.shape == np.shape(s)


def test_float64_under_x64():
    sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100)
    assert not jax.jit(sched)(3).weak_type
    with jax.enable_x64(True):
        assert sched(3).dtype == jnp.float64
        assert sched(jnp.arange(4)).dtype == jnp.float64


# ---- worker scaling ------------------------------------------------------------------------------

SCALES = [
    ("linear", 4, 4.0),
    ("sqrt", 4, 2.0),
    ("none", 4, 1.0),
    ("sqrt", 3, 3**0.5),
    ("linear", 1, 1.0),
]


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), REPRESENTATIVE, ids=REP_IDS)
def test_scale_by_worker(name, type_name, config, num_steps):
    """Every mode and worker count of ``SCALES`` (the schedules share one compiled program;
    each runs what its eager call compiles)."""
    schedules = [
        lrs.make_schedule({**config, "scale_by_worker": mode}, num_steps, num_workers=workers)
        for mode, workers, _ in SCALES
    ]
    steps = mark_steps(config, num_steps, TYPES[type_name].marks)
    want = reference(config, num_steps, steps)
    rows = folded_values(schedules, [steps] * len(SCALES))
    for sched, row, (mode, workers, factor) in zip(schedules, rows, SCALES, strict=True):
        assert worker_scale_of(sched) == pytest.approx(factor), (mode, workers)
        assert_close(row, factor * want)


def test_scale_by_worker_warmup_and_cosine_against_unscaled():
    config = {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 10}
    base = lrs.make_schedule({**config, "scale_by_worker": "none"}, 1000)
    sched = lrs.make_schedule({**config, "scale_by_worker": "sqrt"}, 1000, num_workers=3)
    steps = jnp.arange(0, 1100, 7)
    np.testing.assert_allclose(
        np.asarray(sched(steps)), 3**0.5 * np.asarray(base(steps)), rtol=1e-6
    )


def test_num_workers_auto_is_device_count():
    config = {"start_lr": 1e-3, "stop_lr": 1e-5, "scale_by_worker": "linear"}
    sched = lrs.make_schedule(config, 100, num_workers="auto")
    assert sched.num_workers == jax.device_count()


# ---- jit: new hyperparameters do not recompile ---------------------------------------------------


def test_new_rates_do_not_recompile():
    """One trace per type for three schedules whose rates differ (``jit`` with the schedule as
    an argument), each equal to its eager value."""
    chex.clear_trace_counter()

    @jax.jit
    @chex.assert_max_traces(n=len(REPRESENTATIVE))
    def value(sched, step):
        return sched(step)

    for _, _, config, num_steps in REPRESENTATIVE:
        for factor in (1.0, 0.5, 0.25):
            sched = lrs.make_schedule(_scaled_rates(config, factor), num_steps)
            for step in (0, 5, num_steps // 2, num_steps):
                assert float(value(sched, step)) == pytest.approx(float(sched(step)), rel=1e-6)


def test_new_factors_do_not_recompile():
    """One trace per type: new factors (gamma, div_factor's results) are leaves."""
    chex.clear_trace_counter()

    @jax.jit
    @chex.assert_max_traces(n=3)
    def f(sched, s):
        return sched(s)

    for lr in (0.1, 0.2, 0.3):
        f(lrs.one_cycle(max_lr=lr, num_steps=100), 5)
        f(lrs.step(start_lr=lr, step_size=3, gamma=lr, num_steps=100), 5)
        f(lrs.exp(start_lr=lr * 1e-2, stop_lr=1e-6, decay_steps=100, num_steps=10000), 5)


# ---- vmap over a stacked sweep -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), REPRESENTATIVE, ids=REP_IDS)
def test_stacked_rates_vmap_and_match_each(name, type_name, config, num_steps):
    variants = [_scaled_rates(config, f) for f in (1.0, 0.3)]
    scheds = [lrs.make_schedule(v, num_steps) for v in variants]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *scheds)
    steps = mark_steps(config, num_steps, TYPES[type_name].marks).astype(np.int32)
    got = jax.jit(jax.vmap(lambda sched: sched(steps)))(stacked)
    assert got.shape == (2, len(steps))
    assert got.dtype == jnp.float32
    for i, v in enumerate(variants):
        assert_close(got[i], reference(v, num_steps, steps))


SWEEPS = {
    # example: the float keys (factors, ratios, powers) that change between the swept schedules
    "constant-warmup": {"start_lr": [1e-3, 3e-3], "warmup_start_factor": [0.0, 0.5]},
    "step-size1-gamma0.9999": {"gamma": [0.9999, 0.999]},
    "multistep-warmup": {"gamma": [0.3, 0.5]},
    "polynomial-p3-long": {"power": [3.0, 0.7]},
    "linear": {"stop_lr": [1e-5, 0.0]},
    "inverse_sqrt-floor": {"stop_lr": [1e-5, 2e-5]},
    "restarts-mult3-decay-warmup": {"cycle_decay": [0.5, 0.9], "stop_lr_ratio": [0.001, 0.1]},
    "one_cycle-three": {"max_lr": [1.0, 0.3], "div_factor": [25.0, 10.0]},
    "cyclic-exp_range": {"gamma": [0.99994, 0.9], "max_lr": [1e-2, 1e-3]},
    "type=exp-decay_steps=50-decay_rate=0.95-stop_lr=1e-08-N=1010": {"decay_rate": [0.95, 0.5]},
}


@pytest.mark.parametrize("case", list(SWEEPS))
def test_stacked_factors_vmap_and_match_each(case):
    type_name, config, num_steps = EXAMPLE_BY_ID[case]
    variants = [{**config, **{k: v[i] for k, v in SWEEPS[case].items()}} for i in range(2)]
    scheds = [lrs.make_schedule(v, num_steps) for v in variants]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *scheds)
    steps = mark_steps(config, num_steps, TYPES[type_name].marks).astype(np.int32)
    got = jax.jit(jax.vmap(lambda sched: sched(steps)))(stacked)
    assert got.shape == (2, len(steps))
    assert got.dtype == jnp.float32
    for i, v in enumerate(variants):
        assert_close(got[i], reference(v, num_steps, steps))


# ---- to_config round trip, builders, boundaries --------------------------------------------------


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), EXAMPLES, ids=EXAMPLE_IDS)
def test_to_config_round_trip(name, type_name, config, num_steps):
    sched = lrs.make_schedule(config, num_steps, num_workers=2)
    again_config = sched.to_config()
    assert again_config["type"] == type_name
    again = lrs.make_schedule(again_config, sched.num_steps, num_workers=sched.num_workers)
    assert type(again) is type(sched)
    twice = again.to_config()
    assert twice == again_config and list(twice) == list(again_config)
    assert again == sched and hash(again) == hash(sched)  # the same values: equal leaves


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), EXAMPLES, ids=EXAMPLE_IDS)
def test_boundaries_are_steps(name, type_name, config, num_steps):
    marks = lrs.make_schedule(config, num_steps).boundaries()
    shift = config.get("start_step", 0)  # a shifted schedule's marks are local steps
    assert marks["end"] == min(max(num_steps - shift, 0), INT32_MAX)
    assert all(isinstance(v, int) and 0 <= v <= marks["end"] for v in marks.values())


def test_builders_equal_make_schedule():
    base = {"start_lr": 1e-3, "stop_lr": 1e-5}
    pairs = [
        (
            lrs.exp(start_lr=1e-3, stop_lr=1e-5, decay_steps=100, num_steps=1000),
            {**base, "decay_steps": 100},
        ),
        (
            lrs.cosine(start_lr=1e-3, stop_lr_ratio=1e-2, warmup_steps=5, num_steps=1000),
            {"type": "cosine", "start_lr": 1e-3, "stop_lr_ratio": 1e-2, "warmup_steps": 5},
        ),
        (
            lrs.wsd(start_lr=1e-3, stop_lr=1e-5, decay_type="linear", num_steps=1000),
            {**base, "type": "wsd", "decay_type": "linear"},
        ),
    ]
    for built, config in pairs:
        assert built == lrs.make_schedule(config, 1000)


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), REPRESENTATIVE, ids=REP_IDS)
def test_builder_equals_make_schedule_for_every_type(name, type_name, config, num_steps):
    kwargs = {k: v for k, v in config.items() if k != "type"}
    assert getattr(lrs, type_name)(**kwargs, num_steps=num_steps) == lrs.make_schedule(
        config, num_steps
    )


def test_int32_max_is_the_last_step():
    sched = lrs.linear(start_lr=1.0, stop_lr=0.0, num_steps=INT32_MAX)
    assert float(sched(INT32_MAX)) == 0.0
    assert float(sched(INT32_MAX - 1)) == pytest.approx(1 / INT32_MAX, rel=2e-6)


# --- Eager calls: one compiled function per schedule (a fast first use) -----------------------


def _cosine_reference(steps: np.ndarray, s0: float, e: float, n: int, w: int) -> np.ndarray:
    """DeePMD-kit's cosine with a linear warmup from 0, in float64."""
    steps = np.clip(np.asarray(steps, dtype=np.float64), 0, None)
    t = np.clip(steps - w, 0, n - w)
    decay = e + (s0 - e) * 0.5 * (1 + np.cos(np.pi * t / (n - w)))
    return np.where(steps < w, s0 * steps / w, decay)


def test_eager_calls_run_one_compiled_function(monkeypatch):
    n, w = 987_653, 1_234  # a schedule no other test builds: its cache entry is new
    sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-6, num_steps=n, warmup_steps=w)
    chex.clear_trace_counter()
    # one trace (and compile) for every Python-int step, and for an equal schedule
    monkeypatch.setattr(type(sched), "_value", chex.assert_max_traces(type(sched)._value, n=1))
    steps = [0, 1, w - 1, w, w + 1, n // 2, n - 1, n, n + 5, 2**31 - 1]
    eager = np.asarray([float(sched(s)) for s in steps])
    equal = lrs.cosine(start_lr=1e-3, stop_lr=1e-6, num_steps=n, warmup_steps=w)
    float(equal(7))  # shares the compiled function
    monkeypatch.undo()
    np.testing.assert_allclose(eager, _cosine_reference(steps, 1e-3, 1e-6, n, w), rtol=2e-6)
    jitted = np.asarray([float(jax.jit(sched)(s)) for s in steps])
    np.testing.assert_array_equal(eager, jitted)  # the same program as a jitted closure


@pytest.mark.parametrize(
    ("step", "expected_step"),
    # a NumPy int64 is converted as jit converts it (wrapped to int32 without x64): the same
    [(-5, 0), (2**40, 2**31 - 1), (np.int64(2**40), np.int64(2**40)), (7.9, 7), (np.uint32(9), 9)],
)
def test_eager_steps_are_clamped_as_under_jit(step, expected_step):
    sched = lrs.cosine(start_lr=1.0, stop_lr=0.1, num_steps=100, warmup_steps=10)
    assert float(sched(step)) == float(jax.jit(sched)(expected_step))


def test_eager_step_arrays_and_errors():
    sched = lrs.cosine(start_lr=1.0, stop_lr=0.1, num_steps=100, warmup_steps=10)
    steps = np.array([[-3, 0, 5], [50, 100, 2**31 - 1]], dtype=np.int64)
    got = np.asarray(sched(steps))
    assert got.shape == (2, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, _cosine_reference(steps, 1.0, 0.1, 100, 10), rtol=2e-6)
    with pytest.raises(TypeError, match="boolean"):
        sched(True)


def test_eager_call_of_a_stacked_schedule_is_traced_eagerly():
    scheds = [lrs.cosine(start_lr=s0, stop_lr=1e-3, num_steps=100) for s0 in (0.1, 0.2)]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *scheds)
    got = np.asarray(jax.vmap(lambda s: s(50))(stacked))
    np.testing.assert_allclose(got, [float(s(50)) for s in scheds], rtol=2e-6)
    one = jax.tree.map(lambda x: x[1], stacked)  # leaves are arrays: unhashable, no cache
    np.testing.assert_allclose(float(one(50)), float(scheds[1](50)), rtol=2e-6)


# --- the pytree layout -----------------------------------------------------------------------


def test_pytree_leaves_and_static_fields():
    sched = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, warmup_steps=10, num_steps=1000)
    leaves, treedef = jax.tree.flatten(sched)
    # start_lr, stop_lr, warmup_start_factor, then timm's decay_power, decay_ratio, stable_power
    assert leaves == [1e-3, 1e-5, 0.0, 0.5, 0.1, 0.5]
    assert jax.tree.unflatten(treedef, leaves) == sched
    exp = lrs.exp(start_lr=1e-3, stop_lr=1e-5, num_steps=1000)
    # + decay_rate as written, and its logarithm with that logarithm's float32 rounding
    assert len(jax.tree.leaves(exp)) == 6
    assert exp.decay_rate == exp.to_config()["decay_rate"]


def test_wsd_decay_phase_is_derived_on_the_host():
    """D = max(1, min(int(ratio * N), T)) is computed in float64 when the schedule is made
    (int(0.29 * 100) = 28, where float32 would give 29), kept by replace() and stack(), and
    left out of to_config()."""

    def make(ratio, n):
        return lrs.wsd(
            start_lr=1e-3,
            stop_lr=1e-5,
            num_steps=n,
            warmup_steps=0,
            decay_phase_ratio=ratio,
            decay_type="linear",
        )

    a, b = make(0.29, 100), make(0.5, 300)
    assert (a.decay_phase, a.stable_steps, a.decay_phase_steps) == (28, 72, None)
    assert "decay_phase" not in a.to_config()
    assert a.replace(num_steps=300, decay_phase_ratio=0.5) == b
    assert b.decay_phase == 150
    stacked = lrs.stack([a, b])
    np.testing.assert_array_equal(stacked.decay_phase, [28, 150])
    steps = np.arange(0, 302)
    got = np.asarray(jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps))))(stacked), np.float64)
    for row, sched in enumerate((a, b)):
        assert_close(got[row], reference(sched.to_config(), sched.num_steps, steps))

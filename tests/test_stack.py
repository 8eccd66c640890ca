"""Stacked sweeps (``lrs.stack``): schedules that differ in step counts as well as rates, under
one ``jit(vmap)``, against the float64 reference of every row; the errors; unstacking; the
number of compiles."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import (
    SWEEPS,
    TYPES,
    assert_close,
    reference,
    sample_steps,
    values,
    worker_scale_of,
)

import lrschedules_jax as lrs
from lrschedules_jax.plotting import schedule_curve

MAX = 2**31 - 1

GROUPS = [
    pytest.param(
        type_name,
        group,
        id=f"{type_name}-{i}",
    )
    for type_name, groups in SWEEPS.items()
    for i, group in enumerate(groups)
]


def test_every_type_has_sweeps():
    assert set(SWEEPS) == set(TYPES)


def _samples(group: list) -> list[np.ndarray]:
    """Every row's sample: its bounds, phase ends, random and log-spaced steps to 2**31-1."""
    return [
        sample_steps(config, n, TYPES[config["type"]].marks, random=200, log=100, tail=16)
        for config, n in group
    ]


@pytest.mark.parametrize(("type_name", "group"), GROUPS)
def test_stacked_rows_match_float64_reference(type_name, group):
    """Every row of a stacked sweep, evaluated under one jit(vmap) with its step counts traced
    on the union of the rows' samples, is within 2e-6 of the float64 reference, and on its own
    sample within 2e-6 of the schedule evaluated alone (its counts static; op by op, so that
    the rows share the primitives' compilations)."""
    schedules = [lrs.make_schedule(config, n) for config, n in group]
    stacked = lrs.stack(schedules)
    samples = _samples(group)
    steps = np.unique(np.concatenate(samples))
    got = np.asarray(
        jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps, jnp.int32))))(stacked), np.float64
    )
    assert got.shape == (len(group), len(steps))
    for row, (sched, (config, n)) in enumerate(zip(schedules, group, strict=True)):
        want = reference(config, n, steps) * worker_scale_of(sched)
        assert_close(got[row], want)
        own = samples[row]
        alone = values(sched, own, compiled=False)
        assert_close(got[row][np.searchsorted(steps, own)], alone)
    assert lrs.unstack(stacked) == schedules
    assert [s.to_config() for s in lrs.unstack(stacked)] == [s.to_config() for s in schedules]


def test_equal_counts_stay_static():
    """Counts equal in every schedule stay metadata: only the differing ones become leaves."""
    grid = [lrs.cosine(start_lr=lr, stop_lr=0.0, num_steps=100, warmup_steps=10) for lr in (1, 2)]
    stacked = lrs.stack(grid)
    assert stacked.num_steps == 100 and stacked.warmup_steps == 10
    np.testing.assert_array_equal(stacked.start_lr, [1.0, 2.0])
    assert stacked.start_lr.dtype == np.float64  # exact: unstacking gives the floats back
    wide = lrs.stack([*grid, lrs.cosine(start_lr=1.0, stop_lr=0.0, num_steps=200)])
    np.testing.assert_array_equal(wide.num_steps, [100, 100, 200])
    np.testing.assert_array_equal(wide.warmup_steps, [10, 10, 0])
    assert wide.num_steps.dtype == np.int32


def test_calling_a_stack_evaluates_every_row():
    grid = [lrs.constant(start_lr=1.0, num_steps=100, warmup_steps=w) for w in (0, 4, 10)]
    stacked = lrs.stack(grid)
    steps = jnp.asarray([0, 2, 4, 10])
    want = np.asarray([[1, 1, 1, 1], [0, 0.5, 1, 1], [0, 0.2, 0.4, 1]])
    np.testing.assert_allclose(np.asarray(stacked(steps)), want, rtol=1e-7)
    np.testing.assert_allclose(np.asarray(stacked(2)), want[:, 1], rtol=1e-7)
    closed = jax.jit(lambda t: stacked(t))(steps)  # closed over in a jit: the same
    np.testing.assert_allclose(np.asarray(closed), want, rtol=1e-7)


def test_indexing_and_unstack():
    grid = [lrs.cosine(start_lr=1e-3, stop_lr=1e-6, num_steps=n) for n in (100, 1000)]
    stacked = lrs.stack(grid)
    assert stacked[1] == grid[1] and stacked[-2] == grid[0]
    assert stacked[1].to_config() == grid[1].to_config()
    assert isinstance(stacked[0].num_steps, int) and isinstance(stacked[0].start_lr, float)
    with pytest.raises(lrs.ConfigError, match="out of range"):
        stacked[2]
    with pytest.raises(lrs.ConfigError, match="not a stacked sweep"):
        grid[0][0]
    with pytest.raises(lrs.ConfigError, match="not a stacked sweep"):
        lrs.unstack(grid[0])
    with pytest.raises(TypeError, match="single `cosine` schedule has no len"):
        len(grid[0])
    assert len(stacked) == 2 and list(stacked) == grid
    assert stacked == lrs.stack(grid) and hash(stacked) == hash(lrs.stack(grid))
    assert stacked != lrs.stack(grid[::-1])
    with pytest.raises(ValueError, match="stacked sweep"):
        stacked.to_config()


def test_stack_errors_name_every_difference():
    a = lrs.wsd(start_lr=1e-3, stop_lr=1e-6, num_steps=100, decay_type="cosine")
    b = lrs.wsd(
        start_lr=1e-3,
        stop_lr=1e-6,
        num_steps=100,
        decay_type="linear",
        warmup_steps=5,
        warmup_type="cosine",
    )
    with pytest.raises(lrs.ConfigError) as info:
        lrs.stack([a, b])
    assert info.value.count == 2
    text = str(info.value)
    assert "decay_type: differs: 'cosine' in schedules[0], 'linear' in schedules[1]" in text
    assert "warmup_type: differs" in text
    with pytest.raises(lrs.ConfigError, match=r"type: differs: wsd in schedules\[0\], cosine"):
        lrs.stack([a, lrs.cosine(start_lr=1.0, stop_lr=0.0, num_steps=10)])
    with pytest.raises(lrs.ConfigError, match="scale_by_worker: differs"):
        lrs.stack([a, a.replace(scale_by_worker="none")])
    with pytest.raises(lrs.ConfigError, match="at least one"):
        lrs.stack([])
    with pytest.raises(TypeError, match=r"schedules\[1\]"):
        lrs.stack([a, 1.0])


def test_a_grid_compiles_once():
    """A 16-point grid over start_lr x warmup_steps x num_steps: one compile for the whole
    sweep (the jitted function's cache holds one entry), and the same program serves a second
    grid of other values of the same shape."""

    def grid(scale):
        return lrs.stack(
            [
                lrs.cosine(start_lr=lr * scale, stop_lr=0.0, num_steps=n, warmup_steps=w)
                for lr in (1e-3, 1e-2)
                for w in (1, 10)
                for n in (100, 1000)
                for _ in range(2)
            ]
        )

    chex.clear_trace_counter()
    run = jax.jit(jax.vmap(chex.assert_max_traces(lambda s: s(jnp.arange(1000)), n=1)))
    first = run(grid(1.0))
    second = run(grid(2.0))
    np.testing.assert_allclose(np.asarray(second), 2 * np.asarray(first), rtol=2e-6)


def _run(stacked, steps):
    """Every row of ``stacked`` at ``steps`` under one jit(vmap), as float64."""
    run = jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps, jnp.int32))))
    return np.asarray(run(stacked), np.float64)


# Schedules resumed at different global steps (Shifted.start_step traced), over runs that
# differ in their own counts too; the extreme shifts saturate at both ends.
SHIFTS = [
    ({"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-7, "warmup_steps": 7}, 1000, -MAX),
    ({"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-7, "warmup_steps": 7}, 1000, -5),
    ({"type": "cosine", "start_lr": 2e-3, "stop_lr": 1e-7, "warmup_steps": 0}, 10**6, 0),
    ({"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "warmup_steps": 900}, 10**6, 950),
    ({"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-7, "warmup_steps": 10}, MAX, 10**9),
    ({"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-7, "warmup_steps": 10}, MAX, MAX),
]


def test_stacked_shifts_match_float64_reference():
    """Shifted schedules with different start steps: row i at local step t is the float64
    reference of its run at clip(t + k_i, 0, 2**31 - 1)."""
    schedules = [lrs.make_schedule(c, n).shifted(k) for c, n, k in SHIFTS]
    stacked = lrs.stack(schedules)
    np.testing.assert_array_equal(stacked.start_step, [k for _, _, k in SHIFTS])
    marks = TYPES["cosine"].marks
    parts = [sample_steps(c, n, marks, random=100, log=50, tail=8) for c, n, _ in SHIFTS]
    steps = np.unique(np.concatenate([np.clip(p - k, 0, MAX) for p in parts for *_, k in SHIFTS]))
    got = _run(stacked, steps)
    again = _run(stacked.shifted(10), steps)  # a stack's shifts nest: saturating one by one
    for row, (sched, (config, n, k)) in enumerate(zip(schedules, SHIFTS, strict=True)):
        t = steps.astype(np.int64)
        assert_close(got[row], reference(config, n, np.clip(t + k, 0, MAX)))
        assert_close(got[row], np.asarray(jax.jit(sched)(jnp.asarray(steps, jnp.int32))))
        assert_close(again[row], reference(config, n, np.clip(np.clip(t + 10, 0, MAX) + k, 0, MAX)))
    assert lrs.unstack(stacked) == schedules
    assert stacked[4].start_step == 10**9 and stacked[4].to_config() == schedules[4].to_config()


NOISY = {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 50}
NOISE = {"noise_pct": 0.3, "noise_std": 0.5, "noise_seed": 7}


@pytest.mark.parametrize(
    "spans",
    [[[0, 10], [100, 5000], [4999, 5000], [20_000, MAX]], [0, 1, 7000, MAX]],
    ids=["ranges", "open"],
)
def test_stacked_noise_ranges(spans):
    """Noise ranges that differ per schedule (Noise.start and .end traced): outside its range
    a row is the float64 reference of the plain cosine; inside, the reference times 1 +
    noise, the noise depending on the step only (the same in every row where it applies)."""
    configs = [{**NOISY, **NOISE, "noise_range_steps": span} for span in spans]
    schedules = [lrs.make_schedule(c, 60_000) for c in configs]
    stacked = lrs.stack(schedules)
    assert stacked.noise.start.dtype == np.int32
    steps = np.unique(
        np.concatenate([np.arange(1, 120), np.arange(4990, 5010), [9999, 10**6, MAX - 1, MAX]])
    )
    got = _run(stacked, steps)
    plain = reference(NOISY, 60_000, steps)
    ratio = got / plain
    inside = np.zeros(got.shape, bool)
    for row, (sched, span) in enumerate(zip(schedules, spans, strict=True)):
        start, end = (span, MAX + 1) if isinstance(span, int) else span
        inside[row] = (steps >= start) & (steps < end)
        assert_close(got[row], np.asarray(jax.jit(sched)(jnp.asarray(steps, jnp.int32))))
    assert_close(got[~inside], plain[np.nonzero(~inside)[1]])
    assert np.all(np.abs(ratio[inside] - 1) < 0.3 * (1 + 2e-6))
    assert np.mean(np.abs(ratio[inside] - 1) > 1e-4) > 0.9  # the noise is there
    for col in np.nonzero(inside.sum(axis=0) > 1)[0]:  # the same noise in every row
        noise = ratio[inside[:, col], col] - 1
        assert np.ptp(noise) <= 4e-6 * np.max(np.abs(noise))
    assert lrs.unstack(stacked) == schedules
    assert [s.to_config() for s in lrs.unstack(stacked)] == [s.to_config() for s in schedules]


def test_noise_range_forms_do_not_mix():
    """A range with an end and one without (or noise and none) is a mode: not stacked."""
    closed = lrs.make_schedule({**NOISY, **NOISE, "noise_range_steps": [10, 20]}, 1000)
    open_ = lrs.make_schedule({**NOISY, **NOISE, "noise_range_steps": 10}, 1000)
    with pytest.raises(lrs.ConfigError, match=r"noise\.end: differs: 20 in schedules\[0\]"):
        lrs.stack([closed, open_])
    with pytest.raises(lrs.ConfigError, match="noise: differs"):
        lrs.stack([open_, lrs.make_schedule(NOISY, 1000)])


def test_stacked_sequences_need_as_many_phases():
    """Sequences stack when they have as many phases (their starts become an int32 (B, k)
    leaf); another number of phases, or phases of other types, is refused."""
    a = lrs.sequence(
        [lrs.constant(start_lr=1.0, num_steps=5), lrs.constant(start_lr=0.5, num_steps=5)],
        boundaries=[5],
    )
    with pytest.raises(lrs.ConfigError, match="phases: differs"):
        lrs.stack([a, lrs.sequence([lrs.constant(start_lr=1.0, num_steps=5)], boundaries=[])])
    linear = lrs.linear(start_lr=0.5, stop_lr=0.0, num_steps=5)
    with pytest.raises(
        lrs.ConfigError, match=r"phases\[1\]: differs: constant in schedules\[0\], linear"
    ):
        lrs.stack([a, lrs.sequence([a.phases[0], linear], boundaries=[5])])
    two = lrs.stack([a, a.replace(starts=(3,))])
    np.testing.assert_array_equal(two.starts, [[5], [3]])
    np.testing.assert_array_equal(
        two(jnp.asarray([2, 3, 4, 5])), [[1, 1, 1, 0.5], [1, 0.5, 0.5, 0.5]]
    )


def test_stacked_composites_under_x64():
    """Under x64 the step is int64: the traced counts are compared in it (strict promotion).
    The noise is float32 in both modes (jit and jit(vmap) may round it 1 ulp apart)."""
    seq = SWEEPS["sequence"][1]
    with jax.enable_x64(True):
        schedules = [lrs.make_schedule(c, n) for c, n in seq]
        shifts = [s.shifted(k) for s, k in zip(schedules, (-3, 0, MAX), strict=True)]
        noisy = [
            lrs.make_schedule({**NOISY, **NOISE, "noise_range_steps": span}, 1000)
            for span in ([0, 10], [5, 7000])
        ]
        steps = jnp.asarray([0, 1, 7, 8, 9, 500, 507, 10**5, 10**9, MAX], jnp.int64)
        run = jax.jit(jax.vmap(lambda s: s(steps)))
        for group, rtol in ((schedules, 1e-12), (shifts, 1e-12), (noisy, 2.4e-7)):
            got = run(lrs.stack(group))
            assert got.dtype == jnp.float64
            for row, sched in zip(got, group, strict=True):
                np.testing.assert_allclose(row, jax.jit(sched)(steps), rtol=rtol)
        got = np.asarray(run(lrs.stack(schedules)))
        for row, (c, n) in zip(got, seq, strict=True):
            np.testing.assert_allclose(row, reference(c, n, np.asarray(steps)), rtol=1e-10)


def test_boundaries_of_a_stack_are_refused():
    """A stacked sweep's schedules may change phase at different steps: ``boundaries()``
    raises and names the way to ask one schedule; every row's own boundaries are intact."""
    grid = [lrs.make_schedule(c, n) for c, n in SWEEPS["sequence"][1]]
    shifted = [s.shifted(k) for s, (*_, k) in zip(grid, SHIFTS, strict=False)]
    for group in (
        grid,
        shifted,
        [lrs.cosine(start_lr=x, stop_lr=0.0, num_steps=9) for x in (1, 2)],
    ):
        stacked = lrs.stack(group)
        with pytest.raises(ValueError, match=r"stacked sweep of \d schedules.*stacked\[i\]"):
            stacked.boundaries()
        assert [s.boundaries() for s in lrs.unstack(stacked)] == [s.boundaries() for s in group]
    assert grid[2].boundaries()["phases[1]"] == 10**5  # one schedule: unchanged


def test_plot_a_stack_draws_every_row():
    """``plot_schedule`` of a stacked sweep draws each schedule's curve, labelled [i]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = [
        lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_steps=n, warmup_steps=w)
        for n, w in [(100, 0), (300, 30)]
    ]
    fig, ax = plt.subplots()
    try:
        lrs.plot_schedule(lrs.stack(grid), ax=ax, label="sweep")
        curves = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert [c.get_label() for c in curves] == ["sweep [0]", "sweep [1]"]
        for curve, sched in zip(curves, grid, strict=True):
            steps, rates = schedule_curve(sched)
            np.testing.assert_array_equal(curve.get_xdata(), steps)
            np.testing.assert_array_equal(curve.get_ydata(), rates)
            t = np.asarray(steps, np.int64)
            config = {
                "type": "cosine",
                "start_lr": 1e-3,
                "stop_lr": 0.0,
                "warmup_steps": sched.warmup_steps,
            }
            assert_close(np.asarray(rates), reference(config, sched.num_steps, t))
        assert sorted(t.get_text() for t in ax.texts) == ["end", "end", "warmup end"]
    finally:
        plt.close(fig)


def test_eager_calls_of_a_stack_compile_once_and_clamp_python_steps():
    """Calling a stacked schedule eagerly reuses one compiled program (the second call of the
    same stack, and a call of another stack of the same shape, compile nothing), and takes the
    steps a single schedule takes: a Python int past int32 is the last step, a negative one 0."""
    grid = [lrs.constant(start_lr=1.0, num_steps=100, warmup_steps=w) for w in (0, 4, 10)]
    stacked = lrs.stack(grid)
    steps = jnp.asarray([0, 2, 4, 10])
    chex.clear_trace_counter()
    with pytest.MonkeyPatch.context() as patch:  # the type's formula, traced once
        patch.setattr(type(grid[0]), "_value", chex.assert_max_traces(type(grid[0])._value, n=1))
        stacked(steps)
        stacked(steps)
        lrs.stack([g.replace(start_lr=2.0) for g in grid])(steps)
    want = np.asarray([[1, 1, 1, 1], [0, 0.5, 1, 1], [0, 0.2, 0.4, 1]])
    np.testing.assert_allclose(np.asarray(stacked(2**40)), want[:, 3], rtol=1e-7)
    np.testing.assert_allclose(np.asarray(stacked(-5)), want[:, 0], rtol=1e-7)
    for row, sched in enumerate(grid):
        assert float(sched(2**40)) == float(stacked(2**40)[row])


def test_stack_refuses_stacks_and_names_optional_parts():
    """A stacked sweep is not stacked again (a clear ConfigError, not NumPy's truth-value
    error); noise in one schedule and none in another is an optional part in either order,
    as is wsd's decay_phase_steps against decay_phase_ratio."""
    grid = [lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_steps=100, warmup_steps=w) for w in (0, 9)]
    stacked = lrs.stack(grid)
    with pytest.raises(lrs.ConfigError, match=r"schedules\[0\]: is a stacked sweep of 2 schedules"):
        lrs.stack([stacked, stacked])
    with pytest.raises(lrs.ConfigError, match=r"schedules\[1\]: is a stacked sweep"):
        lrs.stack([grid[0], stacked])
    noisy = lrs.make_schedule({**NOISY, **NOISE, "noise_range_steps": 10}, 1000)
    plain = lrs.make_schedule(NOISY, 1000)
    for pair in ([noisy, plain], [plain, noisy]):
        with pytest.raises(lrs.ConfigError, match=r"noise: differs: .* an optional part"):
            lrs.stack(pair)
    ratio = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=1000, decay_phase_ratio=0.2)
    steps = lrs.make_schedule(
        {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "decay_phase_steps": 200}, 1000
    )
    with pytest.raises(lrs.ConfigError, match=r"decay_phase_steps: differs: .* an optional part"):
        lrs.stack([ratio, steps])


@pytest.mark.parametrize(("type_name", "group"), GROUPS)
def test_to_config_of_every_stack_is_a_value_error(type_name, group):
    """``to_config()`` of a stack raises the documented ValueError for every type and group
    (a product whose constants differ raised NumPy's TypeError), and works on each row."""
    schedules = [lrs.make_schedule(config, n) for config, n in group]
    stacked = lrs.stack(schedules)
    with pytest.raises(ValueError, match="stacked sweep"):
        stacked.to_config()
    assert stacked[-1].to_config() == schedules[-1].to_config()


def test_to_config_of_a_stack_of_products_with_other_constants():
    cos = lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_steps=100)
    stacked = lrs.stack([0.5 * cos, 0.25 * cos])
    with pytest.raises(ValueError, match=r"to_config: a stacked sweep of 2 schedules"):
        stacked.to_config()
    assert stacked[1].to_config() == (0.25 * cos).to_config()


def _cosine64(lr, n, w, t):
    """Linear warmup then cosine to 0 (float64)."""
    t = np.asarray(t, np.float64)
    T = n - w
    decay = 0.5 * lr * (1 + np.cos(np.pi * np.clip(t - w, 0, T) / T))
    return np.where(t < w, lr * t / max(w, 1), decay)


def test_products_and_sequences_of_stacks():
    """A number times a stack, a product or a sequence of stacks of one size: one row per
    schedule, against float64 (a number times a stack failed under vmap: its constant had no
    leading axis). Mixing a stack with a single schedule, or stacks of other sizes, is a
    ConfigError naming the part."""
    rows = [(1e-3, 100, 0), (2e-3, 200, 10), (5e-4, 150, 50)]
    stacked = lrs.stack(
        [lrs.cosine(start_lr=a, stop_lr=0.0, num_steps=n, warmup_steps=w) for a, n, w in rows]
    )
    steps = np.asarray([0, 1, 9, 10, 49, 50, 99, 100, 149, 150, 199, 200, 10**9])
    want = np.stack([_cosine64(a, n, w, steps) for a, n, w in rows])
    for built, expect in (
        (0.5 * stacked, 0.5 * want),
        (stacked * stacked * 3, 3 * want * want),
        (lrs.product(stacked, 0.25) * 2, 0.5 * want),
    ):
        assert_close(_run(built, steps), expect)
        assert_close(np.asarray(built(jnp.asarray(steps)), np.float64), expect)
        assert len(lrs.unstack(built)) == 3
    seq = lrs.sequence([stacked, 0.5 * stacked], boundaries=[100])
    first = np.stack([_cosine64(a, n, w, np.minimum(steps, 99)) for a, n, w in rows])
    second = 0.5 * np.stack([_cosine64(a, n, w, np.maximum(steps - 100, 0)) for a, n, w in rows])
    assert_close(_run(seq, steps), np.where(steps < 100, first, second))
    assert [s.num_steps for s in lrs.unstack(seq)] == [200, 300, 250]
    single = lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_steps=100)
    with pytest.raises(lrs.ConfigError, match=r"factors\[1\]: is a stacked sweep of 3 schedules"):
        single * stacked
    with pytest.raises(lrs.ConfigError, match=r"schedules\[1\]: is a single schedule"):
        lrs.sequence([stacked, single], boundaries=[100])
    with pytest.raises(lrs.ConfigError, match=r"schedules\[1\]: is a stacked sweep of 2 schedules"):
        lrs.sequence([stacked, lrs.stack([single, single])], boundaries=[100])


@pytest.mark.parametrize(
    ("rule", "warmup"),
    [("linear", {}), ("sqrt", {"warmup_type": "1-sqrt", "warmup_start_factor": 0.1})],
)
def test_batch_scaled_schedules_stack_over_the_warmup_written(rule, warmup):
    """The block's keys are modes, named key by key when they differ; the `warmup_steps` it
    was written with is a count: batch-scaled schedules that differ in it (and so in the
    scaled warmup's end B and real length W = k w) stack, each row within 2e-6 of float64,
    the 1-sqrt warmup's end too (W - step from the exact B - step and the host's B - W)."""
    block = {"batch_size": 1024, "reference_batch_size": 300, "scale_warmup": True, "rule": rule}
    configs = [
        ({"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "warmup_steps": w,
          "batch_scaling": block, **warmup}, n)
        for w, n in [(10, 1000), (37, 5000), (2999, 10**6)]
    ]  # fmt: skip
    schedules = [lrs.make_schedule(c, n) for c, n in configs]
    stacked = lrs.stack(schedules)
    np.testing.assert_array_equal(
        stacked.warmup_steps, [s.warmup_steps for s in schedules]
    )  # B = ceil(k w)
    np.testing.assert_array_equal(stacked.batch_scaling.warmup_steps, [10, 37, 2999])
    ends = [s.warmup_steps for s in schedules]
    steps = np.unique(
        np.concatenate(
            [np.arange(0, 1200), np.geomspace(1, MAX, 300).astype(np.int64)]
            + [np.arange(max(b - 64, 0), b + 4) for b in ends]
        )
    )
    got = np.asarray(jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps, jnp.int32))))(stacked))
    for row, (config, n) in enumerate(configs):
        assert_close(got[row], reference(config, n, steps))
    assert lrs.unstack(stacked) == schedules
    other = lrs.make_schedule(
        {**configs[0][0], "batch_scaling": {**block, "batch_size": 2048}}, 1000
    )
    with pytest.raises(lrs.ConfigError) as info:
        lrs.stack([schedules[0], other])
    assert info.value.count == 1
    assert "batch_scaling.batch_size: differs: 1024 in schedules[0], 2048 in schedules[1]" in str(
        info.value
    )


def test_cooldown_of_a_stack_is_refused_and_rows_can_be_cooled():
    """``cooldown()`` of a stack is a ValueError naming the way (it said `to_config()`, or
    NumPy's truth-value error); a stack of cooled rows matches float64: a constant rate, then
    a linear decay to stop_lr over the cooldown."""
    runs = [
        lrs.wsd(start_lr=a, stop_lr=1e-5, num_steps=1000, warmup_steps=k, decay_type="linear")
        for a, k in ((1e-3, 10), (2e-3, 20))
    ]
    stacked = lrs.stack(runs)
    with pytest.raises(ValueError, match=r"cooldown: a stacked sweep of 2 schedules"):
        stacked.cooldown(500, 100)
    cooled = lrs.stack([r.cooldown(500, 100) for r in lrs.unstack(stacked)])
    steps = np.asarray([0, 5, 10, 20, 499, 500, 550, 599, 600, 10**6])
    want = []
    for a, k in ((1e-3, 10), (2e-3, 20)):
        t = steps.astype(np.float64)
        decay = a + (1e-5 - a) * np.clip(t - 500, 0, 100) / 100
        want.append(np.where(t < k, a * t / k, decay))
    assert_close(_run(cooled, steps), np.stack(want))

"""Stacked sweeps (``lrs.stack``): schedules that differ in step counts as well as rates, under
one ``jit(vmap)``, against the float64 reference of every row; the errors; unstacking; the
number of compiles."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import SWEEPS, TYPES, assert_close, reference, sample_steps

import lrschedules_jax as lrs

# Types whose formulas do not take traced step counts yet (each is stacked only when its
# step counts are equal).
_NOT_YET = {
    "sequence",
    "product",
}

GROUPS = [
    pytest.param(
        type_name,
        group,
        id=f"{type_name}-{i}",
        marks=[pytest.mark.skip(reason="not yet traced")] * (type_name in _NOT_YET),
    )
    for type_name, groups in SWEEPS.items()
    for i, group in enumerate(groups)
]


def test_every_type_has_sweeps():
    assert set(SWEEPS) == set(TYPES)


def _steps(group: list) -> np.ndarray:
    """The union of every row's sample (bounds, phase ends, random and log-spaced to 2**31-1)."""
    parts = [
        sample_steps(config, n, TYPES[config["type"]].marks, random=200, log=100, tail=16)
        for config, n in group
    ]
    return np.unique(np.concatenate(parts))


@pytest.mark.parametrize(("type_name", "group"), GROUPS)
def test_stacked_rows_match_float64_reference(type_name, group):
    """Every row of a stacked sweep, evaluated under one jit(vmap) with its step counts traced,
    is within 2e-6 of the float64 reference and of the schedule evaluated alone."""
    schedules = [lrs.make_schedule(config, n) for config, n in group]
    stacked = lrs.stack(schedules)
    steps = _steps(group)
    got = np.asarray(
        jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps, jnp.int32))))(stacked), np.float64
    )
    assert got.shape == (len(group), len(steps))
    for row, (sched, (config, n)) in enumerate(zip(schedules, group, strict=True)):
        want = reference(config, n, steps) * sched.worker_scale
        assert_close(got[row], want)
        alone = np.asarray(jax.jit(sched)(jnp.asarray(steps, jnp.int32)), np.float64)
        assert_close(got[row], alone)
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
    with pytest.raises(IndexError):
        stacked[2]
    with pytest.raises(TypeError, match="not a stacked sweep"):
        grid[0][0]
    with pytest.raises(TypeError, match="stacked schedule"):
        lrs.unstack(grid[0])
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
    with pytest.raises(TypeError, match="at least one"):
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

    run = jax.jit(jax.vmap(lambda s: s(jnp.arange(1000))))
    first = run(grid(1.0))
    second = run(grid(2.0))
    assert run._cache_size() == 1
    np.testing.assert_allclose(np.asarray(second), 2 * np.asarray(first), rtol=2e-6)

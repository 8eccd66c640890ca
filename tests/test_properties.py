"""Property tests (hypothesis) over random valid configs of every type.

For every type in ``TYPES`` and random valid configs, at random int32 steps and at every phase
boundary (and its neighbours), the rate is:

- finite, >= 0, and never above the configured peak times the worker scale;
- the same at negative steps as at step 0;
- monotone on every phase the type says is monotone: non-decreasing during warmup and
  non-increasing after it for the decaying types, non-increasing within each cycle of
  ``cosine_restarts``, rising then never rising again for ``one_cycle``, rising then falling
  within each cycle of ``cyclic``;
- continuous at the end of warmup where the formula is (the decay starts at the peak the
  warmup line reaches, so the jump from ``w - 1`` to ``w`` is one warmup increment);
- for a shifted schedule, the original's at the shifted, clamped step (bit for bit).

The strategies of valid configs and what each type promises (peak, monotone phases, extra
marks) are the type's entry in the case table, ``cases.TYPES``: adding a type there covers it
here (a test fails until every registered type has one).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np
import pytest
from cases import ANY, INT32_MAX, INT32_MIN, RISES, TYPES, worker_scale_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrschedules_jax import make_schedule, validate

NUM_STEPS = 128  # fixed batch size: one compilation per primitive, not one per example
NUM_MARKS = 64  # at most this many of them are phase boundaries and their neighbours
CLUSTER = 32  # and this many lie close together (two steps in one short cycle)
# Two float32 ulps: a rate that "never rises" may not rise by more than rounding.
ULPS = 2.0**-22
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def op_by_op():
    """Hundreds of distinct schedules, each evaluated once or twice: op by op
    (``jax.disable_jit``), where they share the primitives' compilations, instead of one
    compiled program each (their compiled values: test_values.py, test_stack.py)."""
    with jax.disable_jit():
        yield


# --- helpers --------------------------------------------------------------------------------


def _steps(draw: Any, sched: Any, extra_marks: list[int] = ()) -> np.ndarray:
    """NUM_STEPS int64 steps: phase boundaries and their neighbours, a cluster of close steps
    around a random centre, then random steps, half of them in ``[0, num_steps]``.

    The cluster offsets and the random steps come from a NumPy generator seeded by hypothesis
    (drawing a hundred integers through hypothesis costs more than evaluating the schedule);
    a failure reports the offending steps.
    """
    n = sched.num_steps
    marks = [0, INT32_MAX, *sched.boundaries().values(), *extra_marks]
    # int32 steps only: a NumPy int64 step past int32 wraps as JAX converts it (tested apart)
    near = [m + d for m in marks for d in (-1, 0, 1) if INT32_MIN <= m + d <= INT32_MAX]
    near = list(dict.fromkeys(near))[:NUM_MARKS]
    centre_st = st.one_of(st.integers(0, 1000), st.integers(0, n), st.integers(0, INT32_MAX))
    centre = draw(centre_st, label="centre")
    width = draw(st.sampled_from([3, 100, 10_000, 10**6]), label="width")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    close = np.clip(centre + rng.integers(-width, width, CLUSTER, endpoint=True), None, INT32_MAX)
    size = NUM_STEPS - len(near) - CLUSTER
    in_run = rng.integers(0, n, size // 2, endpoint=True)
    anywhere = rng.integers(INT32_MIN, INT32_MAX, size - size // 2, endpoint=True)
    return np.concatenate([np.asarray(near, np.int64), close, in_run, anywhere])


def _build(case: tuple[dict[str, Any], int, int]) -> tuple[Any, Any]:
    config, n, workers = case
    return make_schedule(config, n, num_workers=workers), validate(config, n)


type_ids = list(TYPES)

# --- properties -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_finite_nonnegative_bounded(name, data):
    case = data.draw(TYPES[name].strategy, label="config")
    sched, resolved = _build(case)
    steps = _steps(data.draw, sched, TYPES[name].property_marks(resolved, case[1]))
    lr = np.asarray(sched(steps), dtype=np.float64)
    assert np.all(np.isfinite(lr)), steps[~np.isfinite(lr)]
    assert np.all(lr >= 0), steps[lr < 0]
    bound = TYPES[name].peak(resolved) * worker_scale_of(sched) * (1 + ULPS)
    assert np.all(lr <= bound), (steps[lr > bound], lr[lr > bound], bound)
    # Compare within one call: a scalar call may round differently (XLA vectorizes sin).
    (at_zero,) = set(lr[steps == 0])  # 0 is always among the steps
    assert np.all(lr[steps < 0] == at_zero), "a negative step gives the rate at 0"


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_monotone_phases(name, data):
    case = data.draw(TYPES[name].strategy, label="config")
    sched, resolved = _build(case)
    marks = TYPES[name].property_marks(resolved, case[1])
    steps = np.sort(np.clip(_steps(data.draw, sched, marks), 0, INT32_MAX))  # same size always
    lr = np.asarray(sched(steps), dtype=np.float64)
    for first, last, direction in TYPES[name].phases(resolved, case[1], steps):
        inside = (steps >= first) & (steps <= last)
        s, v = steps[inside], lr[inside]
        # a change against the direction may not exceed rounding (two ulps of the larger)
        against = -direction * np.diff(v) > ULPS * np.maximum(v[:-1], v[1:])
        if direction != ANY and np.any(against):
            word = "falls" if direction == RISES else "rises"
            bad = np.flatnonzero(against)
            pytest.fail(
                f"{name} {word} within steps [{first}, {last}]: "
                f"{list(zip(s[bad], s[bad + 1], v[bad], v[bad + 1], strict=True))[:3]}"
            )


@pytest.mark.parametrize("name", [t for t in type_ids if TYPES[t].continuous_at_warmup_end])
@SETTINGS
@given(data=st.data())
def test_continuous_at_warmup_end(name, data):
    sched, resolved = _build(data.draw(TYPES[name].strategy, label="config"))
    w = resolved.warmup_steps
    if w == 0:
        return
    peak = TYPES[name].peak(resolved) * worker_scale_of(sched)
    before, at = (float(x) for x in sched(np.asarray([w - 1, w])))
    # The warmup line reaches the peak at w; the decay starts there.
    assert at == pytest.approx(peak, rel=2e-6)
    # The last warmup step is one increment below the peak (up to rounding of the rates):
    # (1 - f) * peak * (1 - g((w - 1) / w)), g the warmup shape.
    kind = getattr(resolved, "warmup_type", "linear")
    if kind == "cosine":  # 1 - sin²(pi/2 (w-1)/w) = sin²(pi / 2w)
        last = math.sin(math.pi / (2 * w)) ** 2
    elif kind == "1-sqrt":  # 1 - (1 - sqrt(1/w))
        last = math.sqrt(1 / w)
    else:
        last = 1 / w
    increment = peak * (1 - resolved.warmup_start_factor) * last
    assert abs((at - before) - increment) <= 1e-5 * increment + 4 * ULPS * peak


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_shifted_reads_the_global_step(name, data):
    case = data.draw(TYPES[name].strategy, label="config")
    sched, resolved = _build(case)
    k = data.draw(st.integers(-INT32_MAX, INT32_MAX), label="start_step")
    steps = _steps(data.draw, sched, TYPES[name].property_marks(resolved, case[1]))
    # Steps are clamped to [0, 2**31 - 1] first, then shifted and clamped again. The two are
    # different XLA programs, which may contract a multiply-add differently: equal to 1 ulp.
    expected = sched(np.clip(np.clip(steps, 0, INT32_MAX) + k, 0, INT32_MAX))
    np.testing.assert_allclose(
        np.asarray(sched.shifted(k)(steps)), np.asarray(expected), rtol=1.2e-7, atol=0
    )

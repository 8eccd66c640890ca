"""Property tests (hypothesis) over random valid configs of every type.

For every type in ``TYPES`` and random valid configs, at random int32 steps and at every phase
boundary (and its neighbours), the rate is:

- finite, >= 0, and never above the configured peak times the worker scale;
- the same at negative steps as at step 0;
- non-decreasing during warmup, and non-increasing after it where the type decays
  monotonically;
- continuous at the end of warmup where the formula is (the decay starts at the peak the
  warmup line reaches, so the jump from ``w - 1`` to ``w`` is one warmup increment);
- for a shifted schedule, the original's at the shifted, clamped step (bit for bit).

To add a type, append a ``TypeCase`` to ``TYPES`` with a strategy of its valid configs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrschedules_jax import make_schedule, validate

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)
NUM_STEPS = 64  # fixed batch size: one compilation per primitive, not one per example
# Two float32 ulps: a rate that "never rises" may not rise by more than rounding.
ULPS = 2.0**-22
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- strategies -----------------------------------------------------------------------------

num_steps_st = st.one_of(
    st.integers(1, 20), st.integers(1, 100_000), st.integers(1, INT32_MAX), st.just(INT32_MAX)
)
log_rate_st = st.floats(-9.0, 3.0).map(lambda u: float(10.0**u))
start_lr_st = st.one_of(log_rate_st, st.sampled_from([1e-3, 1.0, 1e-9]))
# stop_lr / start_lr. Valid stop rates are 0 or normal float32 numbers: start_lr >= 1e-9 and
# a ratio >= 1e-20 keep them so.
positive_ratio_st = st.one_of(st.floats(1e-20, 1.0), st.sampled_from([1.0, 1e-5]))
ratio_st = st.one_of(positive_ratio_st, st.just(0.0))


@st.composite
def shared_keys(draw: Any, num_steps: int, *, stop_positive: bool = False) -> dict[str, Any]:
    """start_lr, one stop key, an optional warmup and the worker scaling (SPEC 2)."""
    start = draw(start_lr_st)
    config: dict[str, Any] = {"start_lr": start}
    ratio = draw(positive_ratio_st if stop_positive else ratio_st)
    if draw(st.booleans()):
        config["stop_lr"] = start * ratio
    else:
        config["stop_lr_ratio"] = ratio
    warmup = draw(st.sampled_from(["none", "steps", "ratio"]))
    if warmup == "steps":
        config["warmup_steps"] = draw(st.integers(0, num_steps - 1))
    elif warmup == "ratio":
        config["warmup_ratio"] = draw(st.floats(0.0, 1.0, exclude_max=True))
    if warmup != "none" and draw(st.booleans()):
        config["warmup_start_factor"] = draw(st.floats(0.0, 1.0))
    config["scale_by_worker"] = draw(st.sampled_from(["linear", "sqrt", "none"]))
    return config


@st.composite
def exp_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "exp", **draw(shared_keys(n))}
    config["decay_steps"] = draw(st.integers(1, min(2 * n, INT32_MAX)))
    if draw(st.booleans()):
        config["decay_rate"] = draw(
            st.one_of(st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.9999999]))
        )
    config["smooth"] = draw(st.booleans())
    return config, n, draw(st.integers(1, 64))


@st.composite
def cosine_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    return {"type": "cosine", **draw(shared_keys(n))}, n, draw(st.integers(1, 64))


@st.composite
def wsd_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "wsd", **draw(shared_keys(n, stop_positive=True))}
    config["decay_phase_ratio"] = draw(
        st.one_of(st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.1, 1e-9]))
    )
    config["decay_type"] = draw(st.sampled_from(["inverse_linear", "cosine", "linear"]))
    return config, n, draw(st.integers(1, 64))


def _start_lr(resolved: Any) -> float:
    return resolved.start_lr


@dataclasses.dataclass(frozen=True)
class TypeCase:
    """One schedule type for the property tests.

    Attributes:
      configs: a strategy of ``(config, num_steps, num_workers)``, all valid.
      peak: the configured peak rate, from ``validate(config, num_steps)``.
      monotone_decay: the rate never rises after warmup.
      continuous_at_warmup_end: the decay starts at the peak the warmup line reaches.
    """

    configs: st.SearchStrategy
    peak: Callable[[Any], float] = _start_lr
    monotone_decay: bool = True
    continuous_at_warmup_end: bool = True


TYPES: dict[str, TypeCase] = {
    "exp": TypeCase(exp_configs()),
    "cosine": TypeCase(cosine_configs()),
    "wsd": TypeCase(wsd_configs()),
}

# --- helpers --------------------------------------------------------------------------------


def _steps(draw: Any, sched: Any) -> np.ndarray:
    """NUM_STEPS int64 steps: every phase boundary and its neighbours, then random int32s."""
    marks = [0, 1, INT32_MAX, INT32_MAX - 1, *sched.boundaries().values()]
    near = sorted({m + d for m in marks for d in (-1, 0, 1)})
    random = draw(
        st.lists(st.integers(INT32_MIN, INT32_MAX), min_size=NUM_STEPS, max_size=NUM_STEPS)
    )
    return np.asarray((near + random)[:NUM_STEPS], dtype=np.int64)


def _build(case: tuple[dict[str, Any], int, int]) -> tuple[Any, Any]:
    config, n, workers = case
    return make_schedule(config, n, num_workers=workers), validate(config, n)


type_ids = list(TYPES)

# --- properties -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_finite_nonnegative_bounded(name, data):
    sched, resolved = _build(data.draw(TYPES[name].configs, label="config"))
    steps = _steps(data.draw, sched)
    lr = np.asarray(sched(steps), dtype=np.float64)
    assert np.all(np.isfinite(lr)), steps[~np.isfinite(lr)]
    assert np.all(lr >= 0), steps[lr < 0]
    bound = TYPES[name].peak(resolved) * sched.worker_scale * (1 + ULPS)
    assert np.all(lr <= bound), (steps[lr > bound], lr[lr > bound], bound)
    negative = steps < 0
    assert np.all(lr[negative] == float(sched(0))), "a negative step gives the rate at 0"


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_warmup_rises_decay_never_rises(name, data):
    sched, resolved = _build(data.draw(TYPES[name].configs, label="config"))
    w = resolved.warmup_steps
    steps = np.sort(np.clip(_steps(data.draw, sched), 0, None))  # same size every time
    lr = np.asarray(sched(steps), dtype=np.float64)
    warm = lr[steps <= w]
    assert np.all(np.diff(warm) >= 0), ("warmup falls", steps[steps <= w], warm)
    if TYPES[name].monotone_decay:
        decay = lr[steps >= w]
        rises = np.diff(decay) > ULPS * decay[:-1]
        assert not np.any(rises), ("decay rises", steps[steps >= w][1:][rises])


@pytest.mark.parametrize("name", [t for t in type_ids if TYPES[t].continuous_at_warmup_end])
@SETTINGS
@given(data=st.data())
def test_continuous_at_warmup_end(name, data):
    sched, resolved = _build(data.draw(TYPES[name].configs, label="config"))
    w = resolved.warmup_steps
    if w == 0:
        return
    peak = TYPES[name].peak(resolved) * sched.worker_scale
    before, at = (float(x) for x in sched(np.asarray([w - 1, w])))
    # The warmup line reaches the peak at w; the decay starts there.
    assert at == pytest.approx(peak, rel=2e-6)
    # The last warmup step is one increment below the peak (up to rounding of the rates).
    increment = peak * (1 - resolved.warmup_start_factor) / w
    assert abs((at - before) - increment) <= 1e-5 * increment + 4 * ULPS * peak


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_shifted_reads_the_global_step(name, data):
    sched, _ = _build(data.draw(TYPES[name].configs, label="config"))
    k = data.draw(st.integers(-INT32_MAX, INT32_MAX), label="start_step")
    steps = _steps(data.draw, sched)
    # Steps are clamped to [0, 2**31 - 1] first (SPEC 1), then shifted and clamped again.
    expected = sched(np.clip(np.clip(steps, 0, INT32_MAX) + k, 0, INT32_MAX))
    np.testing.assert_array_equal(np.asarray(sched.shifted(k)(steps)), np.asarray(expected))

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

To add a type, append a ``TypeCase`` to ``TYPES`` with a strategy of its valid configs (a
test fails until every registered type has one).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrschedules_jax import make_schedule, validate
from lrschedules_jax.config import config_types

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)
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

# --- strategies -----------------------------------------------------------------------------

num_steps_st = st.one_of(
    st.integers(1, 20), st.integers(1, 100_000), st.integers(1, INT32_MAX), st.just(INT32_MAX)
)
# An integer step-count key (decay_steps, step_size, cycle_steps, ...): short, long, or huge.
steps_key_st = st.one_of(
    st.integers(1, 20), st.integers(1, 10**6), st.integers(1, INT32_MAX), st.just(INT32_MAX)
)
log_rate_st = st.floats(-9.0, 3.0).map(lambda u: float(10.0**u))
start_lr_st = st.one_of(log_rate_st, st.sampled_from([1e-3, 1.0, 1e-9]))
# stop_lr / start_lr. Valid stop rates are 0 or normal float32 numbers: start_lr >= 1e-9 and
# a ratio >= 1e-20 keep them so.
positive_ratio_st = st.one_of(st.floats(1e-20, 1.0), st.sampled_from([1.0, 1e-5]))
ratio_st = st.one_of(positive_ratio_st, st.just(0.0))
# A factor in (0, 1] (gamma, cycle_decay), down to the smallest float64.
factor_st = st.one_of(
    st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.1, 0.9999999, 5e-324])
)
scale_st = st.sampled_from(["linear", "sqrt", "none"])
workers_st = st.integers(1, 64)


@st.composite
def shared_keys(draw: Any, num_steps: int, *, stop: str = "required") -> dict[str, Any]:
    """start_lr, the stop key, an optional warmup and the worker scaling (SPEC 2).

    ``stop``: ``"required"`` (exactly one stop key), ``"positive"`` (and > 0, for wsd),
    ``"optional"`` (inverse_sqrt's floor) or ``"none"`` (the types without an end rate).
    """
    start = draw(start_lr_st)
    config: dict[str, Any] = {"start_lr": start}
    if stop != "none" and (stop != "optional" or draw(st.booleans())):
        ratio = draw(positive_ratio_st if stop == "positive" else ratio_st)
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
        # 0 or a normal float32 (a subnormal factor is refused: docs/configuration.md)
        config["warmup_start_factor"] = draw(st.floats(0.0, 1.0).map(lambda f: f * (f >= 2**-126)))
    config["scale_by_worker"] = draw(scale_st)
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
    return config, n, draw(workers_st)


@st.composite
def cosine_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    return {"type": "cosine", **draw(shared_keys(n))}, n, draw(workers_st)


@st.composite
def wsd_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "wsd", **draw(shared_keys(n, stop="positive"))}
    config["decay_phase_ratio"] = draw(
        st.one_of(st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.1, 1e-9]))
    )
    config["decay_type"] = draw(st.sampled_from(["inverse_linear", "cosine", "linear"]))
    return config, n, draw(workers_st)


def _optional(draw: Any, config: dict[str, Any], key: str, strategy: st.SearchStrategy) -> None:
    """Set ``key`` from ``strategy`` half of the time (else the default applies)."""
    if draw(st.booleans()):
        config[key] = draw(strategy)


@st.composite
def constant_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    return {"type": "constant", **draw(shared_keys(n, stop="none"))}, n, draw(workers_st)


@st.composite
def step_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "step", **draw(shared_keys(n, stop="none"))}
    config["step_size"] = draw(steps_key_st)
    _optional(draw, config, "gamma", factor_st)
    return config, n, draw(workers_st)


@st.composite
def multistep_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "multistep", **draw(shared_keys(n, stop="none"))}
    marks = st.one_of(st.integers(1, 100), st.integers(1, n), st.integers(1, INT32_MAX))
    config["milestones"] = sorted(draw(st.lists(marks, min_size=1, max_size=8, unique=True)))
    _optional(draw, config, "gamma", factor_st)
    return config, n, draw(workers_st)


@st.composite
def polynomial_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "polynomial", **draw(shared_keys(n))}
    # always given (linear covers the default, 1): powers above ~128 once gave NaN
    config["power"] = draw(
        st.one_of(
            st.sampled_from([2.0, 0.5, 7.5, 129.0, 1e4, 1e-30, 1e30]),
            st.floats(-3.0, 3.0).map(lambda u: float(10.0**u)),
        )
    )
    return config, n, draw(workers_st)


@st.composite
def linear_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    return {"type": "linear", **draw(shared_keys(n))}, n, draw(workers_st)


@st.composite
def inverse_sqrt_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "inverse_sqrt", **draw(shared_keys(n, stop="optional"))}
    _optional(draw, config, "timescale", steps_key_st)
    return config, n, draw(workers_st)


@st.composite
def cosine_restarts_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    config = {"type": "cosine_restarts", **draw(shared_keys(n))}
    config["cycle_steps"] = draw(steps_key_st)
    mult_st = st.one_of(st.integers(1, 4), st.integers(1, INT32_MAX), st.just(INT32_MAX))
    _optional(draw, config, "cycle_mult", mult_st)
    _optional(draw, config, "cycle_decay", factor_st)
    return config, n, draw(workers_st)


# div_factor, final_div_factor >= 1, small enough that every derived rate of one_cycle is a
# normal float32 (max_lr >= 1e-9, so its minimum is at least 1e-27).
def _div_st(decades: float) -> st.SearchStrategy:
    return st.one_of(st.floats(0.0, decades).map(lambda u: float(10.0**u)), st.just(1.0))


@st.composite
def one_cycle_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    three = draw(st.booleans())
    top = 0.5 if three else 1.0  # three phases need pct_start <= 0.5
    config: dict[str, Any] = {"type": "one_cycle", "max_lr": draw(start_lr_st)}
    config["pct_start"] = draw(st.one_of(st.floats(0.0, top), st.sampled_from([0.0, 0.3, top])))
    config["three_phase"] = three
    _optional(draw, config, "div_factor", _div_st(6))
    _optional(draw, config, "final_div_factor", _div_st(12))
    _optional(draw, config, "anneal_strategy", st.sampled_from(["cos", "linear"]))
    config["scale_by_worker"] = draw(scale_st)
    return config, n, draw(workers_st)


@st.composite
def cyclic_configs(draw: Any) -> tuple[dict[str, Any], int, int]:
    n = draw(num_steps_st)
    max_lr = draw(start_lr_st)
    # base_lr <= max_lr, and 0 or a normal float32 (a ratio >= 1e-20 of max_lr >= 1e-9)
    config = {"type": "cyclic", "base_lr": max_lr * draw(ratio_st), "max_lr": max_lr}
    config["step_size_up"] = draw(steps_key_st)
    _optional(draw, config, "step_size_down", steps_key_st)
    mode = draw(st.sampled_from(["triangular", "triangular2", "exp_range"]))
    config["mode"] = mode
    # gamma != 1 only with exp_range; gamma 1.0 is allowed with every mode
    _optional(draw, config, "gamma", factor_st if mode == "exp_range" else st.just(1.0))
    config["scale_by_worker"] = draw(scale_st)
    return config, n, draw(workers_st)


# --- what each type promises ----------------------------------------------------------------

RISES, FALLS, ANY = 1, -1, 0
# (first step, last step, direction): the rate is monotone on the closed step range.
Phase = tuple[int, int, int]


def _start_lr(resolved: Any) -> float:
    return resolved.start_lr


def _max_lr(resolved: Any) -> float:
    return resolved.max_lr


def _no_marks(resolved: Any, num_steps: int) -> list[int]:
    return []


def _warmup_then_decay(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up during warmup (to the peak at ``w``), never up again after it."""
    w = resolved.warmup_steps
    return [(0, w, RISES), (w, INT32_MAX, FALLS)]


def _restart_table(resolved: Any) -> list[int]:
    """Decay steps at which a cycle of cosine_restarts starts, up to 2**31 - 1 (a few)."""
    first, mult = resolved.cycle_steps, resolved.cycle_mult
    if mult == 1:
        last = INT32_MAX // first * first
        return sorted({0, first, 2 * first, last - first, last})
    starts, length = [0], first
    while starts[-1] + length <= INT32_MAX:
        starts.append(starts[-1] + length)
        length *= mult
    return starts


def _restart_marks(resolved: Any, num_steps: int) -> list[int]:
    w = resolved.warmup_steps
    starts = _restart_table(resolved)
    return [w + s for s in starts[:4] + starts[-2:] if w + s <= INT32_MAX]


def _warmup_then_restarts(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up during warmup; then never up within a cycle (the restarts jump back up)."""
    w, first, mult = resolved.warmup_steps, resolved.cycle_steps, resolved.cycle_mult
    phases = {(0, w, RISES)}
    for t in {int(s) - w for s in steps if s >= w}:
        start, length = t - t % first, first  # the cycle of t when mult == 1
        if mult > 1:
            start = 0
            while start + length <= t:
                start, length = start + length, length * mult
        phases.add((w + start, w + start + length - 1, FALLS))
    return sorted(phases)


def _one_cycle_phases(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up to the last step of torch's first phase (it ends at ``pct_start * N - 1``, a float),
    then never up again (the peak lies between two integer steps, so that pair is free)."""
    last_rising = math.floor(float(resolved.pct_start * num_steps) - 1)
    return [(0, last_rising, RISES), (last_rising + 1, INT32_MAX, FALLS)]


def _cyclic_marks(resolved: Any, num_steps: int) -> list[int]:
    up, total = resolved.step_size_up, resolved.step_size_up + resolved.step_size_down
    cycles = {0, 1, 2, INT32_MAX // total - 1, INT32_MAX // total}
    return [c * total + d for c in cycles for d in (0, up) if 0 <= c * total + d <= INT32_MAX]


def _cyclic_phases(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """In each cycle: up for step_size_up steps to the top, then down to the next cycle's
    start. ``exp_range`` multiplies the triangle by ``gamma ** step``, which may outweigh its
    rise, so only its fall is checked when gamma < 1."""
    up, total = resolved.step_size_up, resolved.step_size_up + resolved.step_size_down
    rise = RISES if resolved.mode != "exp_range" or resolved.gamma == 1.0 else ANY
    phases = set()
    for s in steps:
        start = int(s) // total * total
        phases |= {(start, start + up, rise), (start + up, start + total, FALLS)}
    return sorted(phases)


@dataclasses.dataclass(frozen=True)
class TypeCase:
    """One schedule type for the property tests.

    Attributes:
      configs: a strategy of ``(config, num_steps, num_workers)``, all valid.
      peak: the configured peak rate, from ``validate(config, num_steps)``.
      phases: ``(resolved, num_steps, steps) -> [(first, last, direction)]``: the closed step
        ranges on which the rate never falls (``RISES``) or never rises (``FALLS``), at least
        those containing the given steps.
      marks: ``(resolved, num_steps) -> steps`` worth sampling besides
        ``schedule.boundaries()`` (restarts, cycle ends, also near 2**31 - 1).
      continuous_at_warmup_end: the type has a warmup and its decay starts at the peak the
        warmup line reaches.
    """

    configs: st.SearchStrategy
    peak: Callable[[Any], float] = _start_lr
    phases: Callable[[Any, int, np.ndarray], list[Phase]] = _warmup_then_decay
    marks: Callable[[Any, int], list[int]] = _no_marks
    continuous_at_warmup_end: bool = True


TYPES: dict[str, TypeCase] = {
    "exp": TypeCase(exp_configs()),
    "cosine": TypeCase(cosine_configs()),
    "wsd": TypeCase(wsd_configs()),
    "constant": TypeCase(constant_configs()),
    "step": TypeCase(step_configs()),
    "multistep": TypeCase(multistep_configs()),
    "polynomial": TypeCase(polynomial_configs()),
    "linear": TypeCase(linear_configs()),
    "inverse_sqrt": TypeCase(inverse_sqrt_configs()),
    "cosine_restarts": TypeCase(
        cosine_restarts_configs(), phases=_warmup_then_restarts, marks=_restart_marks
    ),
    # one_cycle and cyclic have no warmup keys: their own first phase is the rise.
    "one_cycle": TypeCase(
        one_cycle_configs(),
        peak=_max_lr,
        phases=_one_cycle_phases,
        continuous_at_warmup_end=False,
    ),
    "cyclic": TypeCase(
        cyclic_configs(),
        peak=_max_lr,
        phases=_cyclic_phases,
        marks=_cyclic_marks,
        continuous_at_warmup_end=False,
    ),
}

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
    near = list(dict.fromkeys(m + d for m in marks for d in (-1, 0, 1)))[:NUM_MARKS]
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


def test_every_registered_type_has_a_case():
    assert set(TYPES) == set(config_types()), "add a TypeCase for every registered type"


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_finite_nonnegative_bounded(name, data):
    case = data.draw(TYPES[name].configs, label="config")
    sched, resolved = _build(case)
    steps = _steps(data.draw, sched, TYPES[name].marks(resolved, case[1]))
    lr = np.asarray(sched(steps), dtype=np.float64)
    assert np.all(np.isfinite(lr)), steps[~np.isfinite(lr)]
    assert np.all(lr >= 0), steps[lr < 0]
    bound = TYPES[name].peak(resolved) * sched.worker_scale * (1 + ULPS)
    assert np.all(lr <= bound), (steps[lr > bound], lr[lr > bound], bound)
    # Compare within one call: a scalar call may round differently (XLA vectorizes sin).
    (at_zero,) = set(lr[steps == 0])  # 0 is always among the steps
    assert np.all(lr[steps < 0] == at_zero), "a negative step gives the rate at 0"


@pytest.mark.parametrize("name", type_ids)
@SETTINGS
@given(data=st.data())
def test_monotone_phases(name, data):
    case = data.draw(TYPES[name].configs, label="config")
    sched, resolved = _build(case)
    marks = TYPES[name].marks(resolved, case[1])
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
    case = data.draw(TYPES[name].configs, label="config")
    sched, resolved = _build(case)
    k = data.draw(st.integers(-INT32_MAX, INT32_MAX), label="start_step")
    steps = _steps(data.draw, sched, TYPES[name].marks(resolved, case[1]))
    # Steps are clamped to [0, 2**31 - 1] first (SPEC 1), then shifted and clamped again.
    expected = sched(np.clip(np.clip(steps, 0, INT32_MAX) + k, 0, INT32_MAX))
    np.testing.assert_array_equal(np.asarray(sched.shifted(k)(steps)), np.asarray(expected))

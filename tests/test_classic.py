"""Values of the classic types (SPEC 3) against float64 NumPy references.

Each reference is written here from PyTorch's (or HuggingFace's) documented closed form, in
float64, independently of the package. Boundaries (first and last step of every phase, every
restart, every milestone) and large steps up to 2**31 - 1 are checked to the SPEC's float32
accuracy (relative error <= 2e-6). A cross-check against torch itself runs when torch is
installed (it is not a test dependency).
"""

from __future__ import annotations

import bisect
import inspect
import math
import warnings
import zlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticUndefined

import lrschedules_jax as lrs
from lrschedules_jax.config import config_types

INT32_MAX = 2**31 - 1
RTOL = 2e-6
ATOL = 1e-30  # float32 flushes subnormals: rates below ~1e-38 may read 0


# ---- float64 references ------------------------------------------------------------------------


def warmup_of(kw: dict[str, Any]) -> int:
    """``warmup_steps``, or ``int(warmup_ratio * num_steps)`` (SPEC 2)."""
    return kw.get("warmup_steps", int(kw.get("warmup_ratio", 0.0) * kw["num_steps"]))


def stop_of(kw: dict[str, Any], default: float | None = None) -> float:
    """``stop_lr``, or ``start_lr * stop_lr_ratio``."""
    if "stop_lr_ratio" in kw:
        return kw["start_lr"] * kw["stop_lr_ratio"]
    return kw["stop_lr"] if default is None else kw.get("stop_lr", default)


def with_warmup(steps, kw: dict[str, Any], decay: Callable[[np.ndarray], np.ndarray]):
    """SPEC 2's warmup line for steps < w, then ``decay(step - w)``; negative steps as 0."""
    steps = np.maximum(np.asarray(steps, dtype=np.int64), 0)
    w = warmup_of(kw)
    s0 = kw["start_lr"]
    f = kw.get("warmup_start_factor", 0.0)
    out = np.asarray(decay(np.maximum(steps - w, 0)), dtype=np.float64)
    if w:
        out = np.where(steps < w, f * s0 + (s0 - f * s0) * steps / w, out)
    return out


def ref_constant(steps, kw):
    return with_warmup(steps, kw, lambda t: np.full(t.shape, kw["start_lr"]))


def ref_step(steps, kw):
    gamma = kw.get("gamma", 0.1)
    return with_warmup(steps, kw, lambda t: kw["start_lr"] * gamma ** (t // kw["step_size"]))


def ref_multistep(steps, kw):
    gamma, ms = kw.get("gamma", 0.1), kw["milestones"]

    def decay(t):  # torch: gamma ** bisect_right(milestones, last_epoch)
        return np.array([kw["start_lr"] * gamma ** bisect.bisect_right(ms, int(x)) for x in t])

    return with_warmup(steps, kw, decay)


def ref_polynomial(steps, kw, power=None):
    big_t = kw["num_steps"] - warmup_of(kw)
    s0, e = kw["start_lr"], stop_of(kw)
    p = kw.get("power", 1.0) if power is None else power
    # (1 - min(t, T) / T) ** p, with 1 - min(t, T)/T evaluated exactly as (T - min(t, T)) / T
    return with_warmup(
        steps, kw, lambda t: e + (s0 - e) * ((big_t - np.minimum(t, big_t)) / big_t) ** p
    )


def ref_linear(steps, kw):
    return ref_polynomial(steps, kw, power=1.0)


def ref_inverse_sqrt(steps, kw):
    w = warmup_of(kw)
    ts = kw.get("timescale") or (w if w > 0 else 10000)
    e = stop_of(kw, default=0.0)
    return with_warmup(steps, kw, lambda t: np.maximum(kw["start_lr"] * np.sqrt(ts / (t + ts)), e))


def restart_position(t: int, first: int, mult: int) -> tuple[int, int, int]:
    """(cycle index, steps into the cycle, cycle length), walking the cycles as torch does."""
    if mult == 1:
        return t // first, t % first, first
    i, start, length = 0, 0, first
    while t >= start + length:
        start, length, i = start + length, length * mult, i + 1
    return i, t - start, length


def ref_cosine_restarts(steps, kw):
    s0, e = kw["start_lr"], stop_of(kw)
    first, mult, d = kw["cycle_steps"], kw.get("cycle_mult", 1), kw.get("cycle_decay", 1.0)

    def one(t):
        i, t_cur, length = restart_position(int(t), first, mult)
        peak = max(s0 * d**i - e, 0.0)
        # torch's (1 + cos(pi T_cur / T_i)) / 2, written on the remaining steps so that float64
        # stays exact at the end of a cycle of 2**31 steps
        return e + peak * math.sin(math.pi / 2 * (length - t_cur) / length) ** 2

    return with_warmup(steps, kw, lambda t: np.array([one(x) for x in t]))


def ref_one_cycle(steps, kw):
    """torch's OneCycleLR.get_lr, literally, for steps < N; the final value after."""
    n = kw["num_steps"]
    pct, three = kw.get("pct_start", 0.3), kw.get("three_phase", False)
    max_lr = kw["max_lr"]
    initial = max_lr / kw.get("div_factor", 25.0)
    low = initial / kw.get("final_div_factor", 1e4)
    if three:
        phases = [
            (float(pct * n) - 1, initial, max_lr),
            (float(2 * pct * n) - 2, max_lr, initial),
            (n - 1, initial, low),
        ]
    else:
        phases = [(float(pct * n) - 1, initial, max_lr), (n - 1, max_lr, low)]
    out = []
    for s in np.maximum(np.asarray(steps, dtype=np.int64), 0):
        if s >= n:
            out.append(low)
            continue
        start = 0.0
        for k, (end, a, b) in enumerate(phases):
            if s <= end or k == len(phases) - 1:
                if end == start:  # torch divides by zero here; we take the phase's end value
                    out.append(b)
                    break
                q = (s - start) / (end - start)
                if kw.get("anneal_strategy", "cos") == "cos":
                    out.append(b + (a - b) / 2.0 * (math.cos(math.pi * q) + 1))
                else:
                    out.append((b - a) * q + a)
                break
            start = end
    return np.array(out)


def ref_cyclic(steps, kw):
    """torch's CyclicLR.get_lr with the cycle position taken as an exact integer.

    torch: cycle = floor(1 + s / total); x = 1 + s / total - cycle = (s % total) / total;
    scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1), ratio = up / total.
    """
    up = kw.get("step_size_up", 2000)
    down = kw.get("step_size_down") or up
    total = up + down
    mode, gamma = kw.get("mode", "triangular"), kw.get("gamma", 1.0)
    s = np.maximum(np.asarray(steps, dtype=np.int64), 0)
    cycle = 1 + s // total
    pos = s % total
    scale = np.where(pos <= up, pos / up, (total - pos) / down)
    if mode == "triangular2":
        scale = scale * 0.5 ** (cycle - 1.0)
    elif mode == "exp_range":
        scale = scale * gamma ** s.astype(np.float64)
    return kw["base_lr"] + (kw["max_lr"] - kw["base_lr"]) * scale


def torch_cyclic_literal(steps, kw):
    """torch's CyclicLR formula with its float arithmetic (for small steps)."""
    up = float(kw.get("step_size_up", 2000))
    down = float(kw.get("step_size_down") or up)
    total, out = up + down, []
    ratio_up = up / total
    for s in steps:
        cycle = math.floor(1 + s / total)
        x = 1.0 + s / total - cycle
        scale = x / ratio_up if x <= ratio_up else (x - 1) / (ratio_up - 1)
        mode = kw.get("mode", "triangular")
        f = {"triangular": 1.0, "triangular2": 1 / (2.0 ** (cycle - 1))}.get(mode)
        f = kw.get("gamma", 1.0) ** s if f is None else f
        out.append(kw["base_lr"] + (kw["max_lr"] - kw["base_lr"]) * scale * f)
    return np.array(out)


REFS = {
    "constant": ref_constant,
    "step": ref_step,
    "multistep": ref_multistep,
    "polynomial": ref_polynomial,
    "linear": ref_linear,
    "inverse_sqrt": ref_inverse_sqrt,
    "cosine_restarts": ref_cosine_restarts,
    "one_cycle": ref_one_cycle,
    "cyclic": ref_cyclic,
}
BUILDERS = {name: getattr(lrs, name) for name in REFS}

# ---- the configs under test ----------------------------------------------------------------------

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "constant": ("constant", dict(start_lr=1e-3, num_steps=1000)),
    "constant-warmup": (
        "constant",
        dict(start_lr=2e-3, num_steps=1000, warmup_steps=100, warmup_start_factor=0.1),
    ),
    "step": ("step", dict(start_lr=0.1, step_size=30, num_steps=100)),
    "step-gamma0.5-warmup": (
        "step",
        dict(start_lr=1e-3, step_size=1000, gamma=0.5, num_steps=10_000, warmup_steps=500),
    ),
    "step-size1-gamma0.9999": (
        "step",
        dict(start_lr=1e-3, step_size=1, gamma=0.9999, num_steps=200_000),
    ),
    "step-large": ("step", dict(start_lr=1.0, step_size=100_000_000, gamma=0.5, num_steps=10)),
    "multistep": ("multistep", dict(start_lr=0.1, milestones=[30, 80], num_steps=100)),
    "multistep-warmup": (
        "multistep",
        dict(
            start_lr=1e-3,
            milestones=[1, 1000, 5000, 2_000_000_000],
            gamma=0.3,
            num_steps=10_000,
            warmup_ratio=0.05,
        ),
    ),
    "polynomial-p2-e0": ("polynomial", dict(start_lr=1e-3, stop_lr=0.0, power=2.0, num_steps=1000)),
    "polynomial-p0.5-warmup": (
        "polynomial",
        dict(start_lr=1e-3, stop_lr=1e-5, power=0.5, num_steps=100_000, warmup_steps=1000),
    ),
    "polynomial-p3-long": (
        "polynomial",
        dict(start_lr=1.0, stop_lr_ratio=0.0, power=3.0, num_steps=2_000_000_000),
    ),
    "polynomial-p7.5": (
        "polynomial",
        dict(start_lr=1.0, stop_lr=0.0, power=7.5, num_steps=1_000_003),
    ),
    "linear": ("linear", dict(start_lr=1e-3, stop_lr=1e-5, num_steps=10_000)),
    "linear-e0-long": ("linear", dict(start_lr=1.0, stop_lr=0.0, num_steps=INT32_MAX)),
    "linear-warmup": (
        "linear",
        dict(start_lr=1e-3, stop_lr=0.0, num_steps=10_000, warmup_steps=1000),
    ),
    "inverse_sqrt": ("inverse_sqrt", dict(start_lr=1e-3, num_steps=100_000)),
    "inverse_sqrt-warmup": (
        "inverse_sqrt",
        dict(start_lr=1e-3, warmup_steps=4000, num_steps=100_000),
    ),
    "inverse_sqrt-floor": (
        "inverse_sqrt",
        dict(start_lr=1e-3, stop_lr=1e-5, timescale=50, num_steps=100_000),
    ),
    "restarts": ("cosine_restarts", dict(start_lr=1.0, stop_lr=0.0, cycle_steps=10, num_steps=100)),
    "restarts-mult2": (
        "cosine_restarts",
        dict(start_lr=1e-3, stop_lr=1e-6, cycle_steps=1000, cycle_mult=2, num_steps=100_000),
    ),
    "restarts-mult3-decay-warmup": (
        "cosine_restarts",
        dict(
            start_lr=1e-3,
            stop_lr_ratio=0.001,
            cycle_steps=7,
            cycle_mult=3,
            cycle_decay=0.5,
            num_steps=10_000,
            warmup_steps=50,
        ),
    ),
    "restarts-mult2-size1-e0": (
        "cosine_restarts",
        dict(start_lr=1.0, stop_lr=0.0, cycle_steps=1, cycle_mult=2, num_steps=100),
    ),
    "restarts-huge-cycle": (
        "cosine_restarts",
        dict(start_lr=1.0, stop_lr=0.0, cycle_steps=2**30 + 7, cycle_mult=5, num_steps=100),
    ),
    "restarts-mult1-decay0.9": (
        "cosine_restarts",
        dict(start_lr=1.0, stop_lr=1e-4, cycle_steps=3, cycle_decay=0.9, num_steps=100),
    ),
    "one_cycle": ("one_cycle", dict(max_lr=0.1, num_steps=1000)),
    "one_cycle-linear-frac": (
        "one_cycle",
        dict(max_lr=0.1, num_steps=1001, pct_start=0.25, anneal_strategy="linear"),
    ),
    "one_cycle-three": ("one_cycle", dict(max_lr=1.0, num_steps=997, three_phase=True)),
    "one_cycle-three-linear": (
        "one_cycle",
        dict(max_lr=1.0, num_steps=100, pct_start=0.5, three_phase=True, anneal_strategy="linear"),
    ),
    "one_cycle-pct0": ("one_cycle", dict(max_lr=1.0, num_steps=50, pct_start=0.0)),
    "one_cycle-pct0.005": ("one_cycle", dict(max_lr=1.0, num_steps=50, pct_start=0.005)),
    "one_cycle-pct1": ("one_cycle", dict(max_lr=1.0, num_steps=50, pct_start=1.0)),
    "one_cycle-pctN1": ("one_cycle", dict(max_lr=1.0, num_steps=10, pct_start=0.1)),
    "one_cycle-three-pct0": (
        "one_cycle",
        dict(max_lr=1.0, num_steps=40, pct_start=0.0, three_phase=True),
    ),
    "one_cycle-long": (
        "one_cycle",
        dict(
            max_lr=1e-2, num_steps=INT32_MAX, pct_start=0.3, div_factor=10.0, final_div_factor=1e3
        ),
    ),
    "one_cycle-N1": ("one_cycle", dict(max_lr=1.0, num_steps=1)),
    "cyclic": ("cyclic", dict(base_lr=1e-4, max_lr=1e-3, step_size_up=20, num_steps=1000)),
    "cyclic-asym-tri2": (
        "cyclic",
        dict(
            base_lr=0.0,
            max_lr=1.0,
            step_size_up=3,
            step_size_down=7,
            mode="triangular2",
            num_steps=1000,
        ),
    ),
    "cyclic-exp_range": (
        "cyclic",
        dict(
            base_lr=1e-4, max_lr=1e-2, step_size_up=5, mode="exp_range", gamma=0.99994, num_steps=10
        ),
    ),
    "cyclic-huge": (
        "cyclic",
        dict(base_lr=0.1, max_lr=1.0, step_size_up=INT32_MAX, step_size_down=5, num_steps=10),
    ),
}


def build(case: str):
    type_name, kw = CASES[case]
    return BUILDERS[type_name](**kw, scale_by_worker="none")


def reference(case: str, steps) -> np.ndarray:
    type_name, kw = CASES[case]
    return REFS[type_name](steps, kw)


def boundary_steps(case: str) -> list[int]:
    """First and last step of every phase, every restart and milestone, and their neighbours."""
    type_name, kw = CASES[case]
    n, w = kw["num_steps"], warmup_of(kw)
    marks = [0, w, n - 1, n, 2 * n, INT32_MAX]
    if type_name == "step":
        marks += [w + k * kw["step_size"] for k in range(1, 6)]
    if type_name == "multistep":
        marks += [w + m for m in kw["milestones"]]
    if type_name == "cosine_restarts":
        start, length = 0, kw["cycle_steps"]
        for _ in range(40):
            marks.append(w + start)
            start, length = start + length, length * kw.get("cycle_mult", 1)
            if w + start > INT32_MAX:
                break
    if type_name == "one_cycle":
        pct = kw.get("pct_start", 0.3)
        marks += [math.floor(pct * n - 1), math.floor(2 * pct * n - 2)]
    if type_name == "cyclic":
        up = kw.get("step_size_up", 2000)
        total = up + (kw.get("step_size_down") or up)
        marks += [k * total + d for k in range(4) for d in (0, up)]
    steps = {m + d for m in marks for d in (-2, -1, 0, 1, 2)}
    return sorted(s for s in steps if 0 <= s <= INT32_MAX)


CHUNK = 1024


def values(sched, steps) -> np.ndarray:
    """``sched(steps)`` as float64, evaluated in chunks of one fixed shape.

    Eager JAX compiles every primitive once per shape: one shape for every test keeps the
    suite fast.
    """
    steps = np.asarray(steps, dtype=np.int32).ravel()
    pad = (-len(steps)) % CHUNK
    padded = np.concatenate([steps, np.zeros(pad, np.int32)]).reshape(-1, CHUNK)
    out = np.concatenate([np.asarray(sched(chunk), dtype=np.float64) for chunk in padded])
    return out[: len(steps)]


def assert_close(got, ref, rtol=RTOL):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape
    assert np.all(np.isfinite(got))
    err = np.abs(got - ref)
    bad = err > rtol * np.abs(ref) + ATOL
    assert not bad.any(), (
        f"{bad.sum()} steps off, e.g. at index {np.argmax(bad)}: got "
        f"{got[bad][0]!r}, want {ref[bad][0]!r} (rel {(err / np.abs(ref))[bad][0]:.3g})"
    )


def max_rel_error(got, ref) -> float:
    got = np.asarray(got, dtype=np.float64)
    keep = np.abs(ref) > 1e-30
    return float(np.max(np.abs(got[keep] - ref[keep]) / np.abs(ref[keep]), initial=0.0))


# ---- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_boundaries_match_reference(case):
    steps = np.array(boundary_steps(case), dtype=np.int32)
    assert_close(values(build(case), steps), reference(case, steps))


@pytest.mark.parametrize("case", list(CASES))
def test_every_step_of_the_start_matches_reference(case):
    steps = np.arange(0, 1200, dtype=np.int32)
    assert_close(values(build(case), steps), reference(case, steps))


@pytest.mark.parametrize("case", list(CASES))
def test_large_random_steps_match_reference(case):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    n = CASES[case][1]["num_steps"]
    steps = np.concatenate(
        [
            rng.integers(0, INT32_MAX, 400, endpoint=True),
            rng.integers(0, min(n + 1, INT32_MAX), 400, endpoint=True),
            [INT32_MAX - k for k in range(4)],
        ]
    ).astype(np.int32)
    assert_close(values(build(case), steps), reference(case, steps))


@pytest.mark.parametrize("case", list(CASES))
def test_negative_steps_give_step_zero(case):
    sched = build(case)
    assert float(sched(-5)) == float(sched(0))
    assert float(sched(np.int64(-(2**40)))) == float(sched(0))


def test_step_milestone_semantics():
    # torch StepLR(step_size=30, gamma=0.1), lr 0.05: 0.05 for epochs < 30, 0.005 for < 60, ...
    sched = lrs.step(start_lr=0.05, step_size=30, num_steps=100, scale_by_worker="none")
    got = [float(sched(s)) for s in (0, 29, 30, 59, 60, 89, 90)]
    np.testing.assert_allclose(got, [0.05, 0.05, 0.005, 0.005, 5e-4, 5e-4, 5e-5], rtol=1e-6)


def test_multistep_milestone_applies_from_its_step():
    # torch MultiStepLR(milestones=[30, 80], gamma=0.1), lr 0.05: bisect_right semantics
    sched = lrs.multistep(start_lr=0.05, milestones=[30, 80], num_steps=100)
    got = [float(sched(s)) for s in (29, 30, 79, 80, 10**9)]
    np.testing.assert_allclose(got, [0.05, 0.005, 0.005, 5e-4, 5e-4], rtol=1e-6)


def test_multistep_milestones_count_from_warmup_end():
    sched = lrs.multistep(start_lr=1.0, milestones=[10], warmup_steps=5, num_steps=100)
    assert float(sched(14)) == 1.0
    assert float(sched(15)) == pytest.approx(0.1, rel=1e-6)


def test_polynomial_torch_doc_example():
    # torch PolynomialLR(total_iters=4, power=1.0), lr 0.001: 0.001, 0.00075, 0.0005, 0.00025, 0
    sched = lrs.polynomial(start_lr=1e-3, stop_lr=0.0, num_steps=4)
    got = [float(sched(s)) for s in range(6)]
    np.testing.assert_allclose(got, [1e-3, 7.5e-4, 5e-4, 2.5e-4, 0.0, 0.0], rtol=1e-6, atol=0)


@pytest.mark.parametrize("power", [7.5, 50.0, 129.0, 200.0, 1e4, 1e30], ids=repr)
@pytest.mark.parametrize("num_steps", [1000, INT32_MAX])
def test_polynomial_large_powers_and_deep_tail(power, num_steps):
    """Regression: ``m ** p`` overflowed for powers above ~128 (NaN, e.g. power 129 at step
    4 of 1000), and ``2 ** (p k)`` underflowed to a wrong 0 where ``x ** p`` is still a normal
    float32 (power 7.5 at rates ~1e-37)."""
    sched = lrs.polynomial(
        start_lr=1.0, stop_lr=0.0, power=power, num_steps=num_steps, scale_by_worker="none"
    )
    # remaining = T - t from 0 to T, dense near both ends and geometric in between
    geometric = np.geomspace(1, num_steps, 3000).astype(np.int64)
    remaining = np.unique(np.concatenate([np.arange(0, 1001), geometric]))
    remaining = remaining[remaining <= num_steps]
    got = values(sched, num_steps - remaining)
    ref = (remaining / num_steps) ** power  # float64
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1))
    normal = ref > 1e-37  # a normal float32 with room for rounding
    rel = np.abs(got[normal] - ref[normal]) / ref[normal]
    # float32 x ** p loses about p ulps of log2 x: large powers are inherently less exact
    assert rel.max(initial=0.0) <= max(RTOL, 2e-7 * power)
    assert np.all(got[ref < 1e-39] < 1e-37)


@pytest.mark.parametrize("power", [2.5, 129.0, 1e4])
def test_polynomial_peak_is_exact_at_the_end_of_warmup(power):
    """Regression: XLA divides by a broadcast scalar through its reciprocal, so ``T / T`` read
    ``1 - 2**-24`` in an array of steps, and ``power`` 129 put step ``w`` 1e-5 below the peak."""
    n = INT32_MAX
    w = int(0.76171875 * n)  # T = 511705088: T / T == 0.99999994 in the vectorized division
    sched = lrs.polynomial(
        start_lr=1.0, stop_lr=0.0, power=power, num_steps=n, warmup_steps=w, scale_by_worker="none"
    )
    assert np.asarray(sched(np.array([w - 1, w, w], np.int32)))[1] == 1.0
    assert float(sched(w)) == 1.0


def test_linear_is_polynomial_with_power_one():
    kw = dict(start_lr=1e-3, stop_lr=1e-5, num_steps=1000, warmup_steps=100)
    steps = np.arange(0, 1100, 7)
    np.testing.assert_array_equal(
        values(lrs.linear(**kw), steps), values(lrs.polynomial(**kw, power=1.0), steps)
    )


def test_inverse_sqrt_matches_huggingface_form():
    # HF get_inverse_sqrt_schedule: step / w during warmup, then 1 / sqrt((step + shift) / ts),
    # shift = ts - w, ts defaulting to w (or 10000 without warmup)
    for w, ts in ((4000, None), (0, None), (100, 7)):
        kw = dict(start_lr=1.0, warmup_steps=w, num_steps=100_000)
        if ts is not None:
            kw["timescale"] = ts
        sched = lrs.inverse_sqrt(**kw, scale_by_worker="none")
        scale = ts or w or 10_000
        steps = np.array([0, 1, w // 2, w, w + 1, 3 * w + 1, 99_999, 10**9])
        want = [s / max(1, w) if s < w else 1.0 / math.sqrt((s + scale - w) / scale) for s in steps]
        assert_close(values(sched, steps), np.array(want, dtype=np.float64))


def test_inverse_sqrt_default_timescale_resolved():
    assert lrs.validate({"type": "inverse_sqrt", "start_lr": 1.0}, 100).timescale == 10000
    cfg = lrs.validate({"type": "inverse_sqrt", "start_lr": 1.0, "warmup_ratio": 0.1}, 100)
    assert (cfg.timescale, cfg.warmup_steps, cfg.stop_lr) == (10, 10, 0.0)


def test_cosine_restarts_cycle_index_exact_at_every_boundary():
    # cycle starts of T_0 = 3, T_mult = 2: 0, 3, 9, 21, 45, ... ; each restarts at the peak
    sched = lrs.cosine_restarts(
        start_lr=1.0, stop_lr=0.0, cycle_steps=3, cycle_mult=2, num_steps=100
    )
    starts = [3 * (2**i - 1) for i in range(30)]
    starts = np.array([s for s in starts if s <= INT32_MAX], dtype=np.int32)
    np.testing.assert_array_equal(values(sched, starts), 1.0)
    before = values(sched, starts[1:] - 1)
    lengths = 3 * 2.0 ** np.arange(len(starts) - 1)
    # one step before a restart: sin(pi / 2 / L) ** 2, tiny but exact in relative terms
    np.testing.assert_allclose(before, np.sin(np.pi / 2 / lengths) ** 2, rtol=RTOL)


def test_cosine_restarts_decay_peaks_and_floor():
    sched = lrs.cosine_restarts(
        start_lr=1.0, stop_lr=0.1, cycle_steps=10, cycle_decay=0.5, num_steps=100
    )
    got = [float(sched(s)) for s in (0, 10, 20, 30, 40, 45, 10**6)]
    # peaks 1, 0.5, 0.25; from the fourth cycle on the peak (0.125, 0.0625, ...) stays at stop_lr
    np.testing.assert_allclose(got[:4], [1.0, 0.5, 0.25, 0.125], rtol=1e-6)
    np.testing.assert_allclose(got[4:], [0.1, 0.1, 0.1], rtol=1e-6)


def test_one_cycle_torch_defaults_phase_ends():
    # N = 1000, pct 0.3: peak at step 299 (float(0.3 * 1000) - 1), min_lr at step 999 and after
    sched = lrs.one_cycle(max_lr=0.1, num_steps=1000, scale_by_worker="none")
    assert float(sched(0)) == pytest.approx(0.1 / 25, rel=1e-6)
    assert float(sched(299)) == pytest.approx(0.1, rel=1e-6)
    for s in (999, 1000, 10**9):
        assert float(sched(s)) == pytest.approx(0.1 / 25 / 1e4, rel=1e-6)


def test_one_cycle_three_phase_symmetric():
    sched = lrs.one_cycle(max_lr=1.0, num_steps=1000, pct_start=0.25, three_phase=True)
    # phase 1 ends at step 249 (float(0.25 * 1000) - 1), phase 2 at 498: mirror images
    up = values(sched, np.arange(0, 250))
    down = values(sched, np.arange(249, 499))[::-1]
    np.testing.assert_allclose(up, down, rtol=1e-6)
    assert float(sched(498)) == pytest.approx(1 / 25, rel=1e-6)  # end of phase 2


def test_one_cycle_float_phase_boundary_like_torch():
    # pct * N = 0.7 * 10 = 7.000000000000001 in floats: phase 1 ends at step 6 (<= 6.000...01)
    # pct * N = 0.29 * 100 = 28.999999999999996: phase 1 ends at step 27, not 28
    for pct, n, peak in ((0.7, 10, 6), (0.29, 100, 27)):
        sched = lrs.one_cycle(max_lr=1.0, num_steps=n, pct_start=pct)
        steps = np.arange(n)
        got = values(sched, steps)
        assert int(np.argmax(got)) in (peak, peak + 1)
        assert_close(got, ref_one_cycle(steps, dict(max_lr=1.0, num_steps=n, pct_start=pct)))


def test_cyclic_integer_reference_is_torch_formula():
    for case in ("cyclic", "cyclic-asym-tri2", "cyclic-exp_range"):
        kw = CASES[case][1]
        steps = np.arange(0, 3000)
        np.testing.assert_allclose(
            ref_cyclic(steps, kw), torch_cyclic_literal(steps, kw), rtol=1e-12
        )


def test_cyclic_values():
    # torch CyclicLR(base 0.1, max 1.0, step_size_up=10), triangular2: the amplitude halves
    # every cycle (peaks 1.0, 0.55, 0.325 at steps 10, 30, 50)
    sched = lrs.cyclic(base_lr=0.1, max_lr=1.0, step_size_up=10, mode="triangular2", num_steps=5)
    got = [float(sched(s)) for s in (0, 5, 10, 15, 20, 30, 40, 50)]
    np.testing.assert_allclose(got, [0.1, 0.55, 1.0, 0.55, 0.1, 0.55, 0.1, 0.325], rtol=1e-6)


def test_cyclic_default_step_size_down():
    cfg = lrs.validate({"type": "cyclic", "base_lr": 0.1, "max_lr": 1.0, "step_size_up": 7}, 10)
    assert cfg.step_size_down == 7


def test_precision_over_large_random_sample():
    """Max relative error against float64 over 20000 random steps per case (SPEC: <= 2e-6)."""
    rng = np.random.default_rng(0)
    worst = {}
    for case in CASES:
        n = CASES[case][1]["num_steps"]
        steps = np.concatenate(
            [rng.integers(0, INT32_MAX, 2000), rng.integers(0, min(n + 2, INT32_MAX), 2000)]
        ).astype(np.int32)
        worst[case] = max_rel_error(values(build(case), steps), reference(case, steps))
    assert max(worst.values()) <= RTOL, worst


# ---- worker scaling, pytree, jit, vmap, dtype ----------------------------------------------------


@pytest.mark.parametrize("scale, factor", [("linear", 4.0), ("sqrt", 2.0), ("none", 1.0)])
@pytest.mark.parametrize("case", ["step", "one_cycle", "cyclic", "restarts-mult2"])
def test_scale_by_worker(case, scale, factor):
    type_name, kw = CASES[case]
    sched = BUILDERS[type_name](**kw, scale_by_worker=scale, num_workers=4)
    steps = np.arange(0, 200, 3)
    assert_close(values(sched, steps), factor * reference(case, steps))


@pytest.fixture(params=["jit", "nojit"])
def call(request):
    if request.param == "jit":
        return jax.jit(lambda sched, s: sched(s))
    return lambda sched, s: sched(s)


# one case per type, with its richest options (the jit/dtype tests compile once per case)
REPRESENTATIVE = [
    "constant-warmup",
    "step-gamma0.5-warmup",
    "multistep-warmup",
    "polynomial-p0.5-warmup",
    "linear-warmup",
    "inverse_sqrt-floor",
    "restarts-mult3-decay-warmup",
    "one_cycle-three",
    "cyclic-exp_range",
]


@pytest.mark.parametrize("case", REPRESENTATIVE)
def test_strong_float32(case, call):
    sched = build(case)
    for s in (7, np.int32(7), np.int64(7), np.arange(CHUNK, dtype=np.int32)):
        out = call(sched, s)
        assert out.dtype == jnp.float32
        assert not out.weak_type
        assert out.shape == np.shape(s)


@pytest.mark.parametrize("case", ["multistep-warmup", "restarts-mult2", "one_cycle", "cyclic"])
def test_any_step_shape(case):
    steps = np.arange(2 * 3 * 4, dtype=np.int32).reshape(2, 3, 4) * 997
    out = jax.jit(lambda sched, s: sched(s))(build(case), steps)
    assert out.shape == (2, 3, 4)
    assert_close(np.asarray(out, dtype=np.float64).ravel(), reference(case, steps.ravel()))


@pytest.mark.parametrize("case", [*REPRESENTATIVE, "polynomial-p3-long", "one_cycle-long"])
def test_jit_with_schedule_argument_matches_reference(case):
    """Under jit the float leaves are traced (no float64 constant folding): same accuracy."""
    steps = np.array(boundary_steps(case), dtype=np.int32)
    steps = np.concatenate([steps, np.zeros((-len(steps)) % CHUNK, np.int32)])
    got = jax.jit(lambda sched, s: sched(s))(build(case), steps)
    assert_close(got, reference(case, steps))


@pytest.mark.parametrize("case", [*REPRESENTATIVE, "polynomial-p7.5", "restarts-huge-cycle"])
def test_x64_float64_to_1e10(case):
    """Under ``jax_enable_x64`` the rate is float64, within 1e-10 of the reference (SPEC 1)."""
    steps = np.array(boundary_steps(case), dtype=np.int64)
    steps = np.concatenate([steps, np.zeros((-len(steps)) % CHUNK, np.int64)])  # one shape
    with jax.enable_x64(True):
        sched = build(case)
        eager = sched(steps)
        traced = jax.jit(lambda sched, s: sched(s))(sched, steps)
        for out in (eager, traced):
            assert out.dtype == jnp.float64
            assert not out.weak_type
            assert_close(out, reference(case, steps), rtol=1e-10)


SWEEPS = {
    # case: the float keys that change between the swept schedules
    "constant-warmup": {"start_lr": [1e-3, 3e-3], "warmup_start_factor": [0.0, 0.5]},
    "step-size1-gamma0.9999": {"gamma": [0.9999, 0.999]},
    "multistep-warmup": {"gamma": [0.3, 0.5]},
    "polynomial-p3-long": {"power": [3.0, 0.7]},
    "linear": {"stop_lr": [1e-5, 0.0]},
    "inverse_sqrt-floor": {"stop_lr": [1e-5, 2e-5]},
    "restarts-mult3-decay-warmup": {"cycle_decay": [0.5, 0.9], "stop_lr_ratio": [0.001, 0.1]},
    "one_cycle-three": {"max_lr": [1.0, 0.3], "div_factor": [25.0, 10.0]},
    "cyclic-exp_range": {"gamma": [0.99994, 0.9], "max_lr": [1e-2, 1e-3]},
}


@pytest.mark.parametrize("case", list(SWEEPS))
def test_stacked_sweep_vmaps_and_matches_each(case):
    type_name, kw = CASES[case]
    variants = [{**kw, **{k: v[i] for k, v in SWEEPS[case].items()}} for i in range(2)]
    scheds = [BUILDERS[type_name](**v, scale_by_worker="none") for v in variants]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *scheds)
    steps = np.array(boundary_steps(case), dtype=np.int32)
    got = jax.jit(jax.vmap(lambda sched: sched(steps)))(stacked)
    assert got.shape == (2, len(steps))
    assert got.dtype == jnp.float32
    for i, v in enumerate(variants):
        assert_close(got[i], REFS[type_name](steps, v))


def test_new_learning_rate_does_not_recompile():
    traces = []

    @jax.jit
    def f(sched, s):
        traces.append(1)
        return sched(s)

    for lr in (0.1, 0.2, 0.3):
        f(lrs.one_cycle(max_lr=lr, num_steps=100), 5)
        f(lrs.step(start_lr=lr, step_size=3, gamma=lr, num_steps=100), 5)
    assert len(traces) == 2


@pytest.mark.parametrize("case", list(CASES))
def test_to_config_round_trip(case):
    sched = build(case)
    config = sched.to_config()
    assert config["type"] == CASES[case][0]
    again = lrs.make_schedule(config, sched.num_steps, num_workers=sched.num_workers)
    assert type(again) is type(sched)
    steps = np.array(boundary_steps(case), dtype=np.int32)
    np.testing.assert_allclose(values(again, steps), values(sched, steps), rtol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_boundaries_are_steps(case):
    marks = build(case).boundaries()
    assert marks["end"] == CASES[case][1]["num_steps"]
    assert all(isinstance(v, int) and 0 <= v <= marks["end"] for v in marks.values())


# ---- builders mirror the config models -----------------------------------------------------------

ALL_BUILDERS = [
    "exp",
    "cosine",
    "wsd",
    "constant",
    "step",
    "multistep",
    "polynomial",
    "linear",
    "inverse_sqrt",
    "cosine_restarts",
    "one_cycle",
    "cyclic",
]


@pytest.mark.parametrize("name", ALL_BUILDERS)
def test_builder_keys_and_defaults_equal_the_model(name):
    params = dict(inspect.signature(getattr(lrs, name)).parameters)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert params.pop("num_steps").default is inspect.Parameter.empty
    assert params.pop("num_workers").default == 1
    model = config_types()[name]
    hidden = set(getattr(model, "hidden_keys", ()))
    fields = {k: f for k, f in model.model_fields.items() if k != "type" and k not in hidden}
    assert set(params) == set(fields)
    for key, field in fields.items():
        default = params[key].default
        if field.default is PydanticUndefined:
            assert default is inspect.Parameter.empty, key
        else:
            assert default == field.default and type(default) is type(field.default), key


# ---- invariants (hypothesis) ---------------------------------------------------------------------

steps_st = st.lists(st.integers(0, INT32_MAX), min_size=1, max_size=8)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(2, 10**9),
    size=st.integers(1, 10**6),
    mult=st.integers(1, 4),
    decay=st.floats(0.01, 1.0),
    steps=steps_st,
)
def test_cosine_restarts_bounded_and_exact(n, size, mult, decay, steps):
    kw = dict(
        start_lr=1e-3,
        stop_lr=1e-6,
        cycle_steps=size,
        cycle_mult=mult,
        cycle_decay=decay,
        num_steps=n,
    )
    got = values(lrs.cosine_restarts(**kw, scale_by_worker="none"), steps)
    assert np.all((got >= 1e-6 * (1 - 1e-6)) & (got <= 1e-3 * (1 + 1e-6)))
    assert_close(got, ref_cosine_restarts(steps, kw))


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 10**9),
    pct=st.floats(0.0, 0.5),
    three=st.booleans(),
    linear_anneal=st.booleans(),
    steps=steps_st,
)
def test_one_cycle_bounded_and_exact(n, pct, three, linear_anneal, steps):
    kw = dict(
        max_lr=1.0,
        num_steps=n,
        pct_start=pct,
        three_phase=three,
        anneal_strategy="linear" if linear_anneal else "cos",
    )
    got = values(lrs.one_cycle(**kw, scale_by_worker="none"), steps)
    assert np.all((got >= 4e-6 * (1 - 1e-6)) & (got <= 1 + 1e-6))
    assert_close(got, ref_one_cycle(steps, kw))


@settings(max_examples=15, deadline=None)
@given(
    up=st.integers(1, INT32_MAX),
    down=st.integers(1, INT32_MAX),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    steps=steps_st,
)
def test_cyclic_bounded_and_exact(up, down, mode, steps):
    kw = dict(
        base_lr=0.1,
        max_lr=1.0,
        step_size_up=up,
        step_size_down=down,
        mode=mode,
        gamma=0.999 if mode == "exp_range" else 1.0,
        num_steps=10,
    )
    got = values(lrs.cyclic(**kw, scale_by_worker="none"), steps)
    assert np.all((got >= 0.1 * (1 - 1e-6)) & (got <= 1 + 1e-6))
    assert_close(got, ref_cyclic(steps, kw))


# ---- cross-check against torch itself (skipped when torch is not installed) -------------------


def torch_values(make, num_values: int, lr: float) -> np.ndarray:
    """The lr of a torch scheduler after 0, 1, ..., num_values - 1 calls to ``step()``."""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        param = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
        sched = make(torch.optim.lr_scheduler, opt)
        out = []
        for i in range(num_values):
            out.append(opt.param_groups[0]["lr"])
            if i < num_values - 1:
                opt.step()
                sched.step()
    return np.array(out, dtype=np.float64)


TORCH = {
    "step": (
        lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
        lambda: lrs.step(start_lr=0.5, step_size=7, gamma=0.5, num_steps=10),
        0.5,
    ),
    "multistep": (
        lambda S, o: S.MultiStepLR(o, milestones=[3, 10, 50], gamma=0.3),
        lambda: lrs.multistep(start_lr=0.5, milestones=[3, 10, 50], gamma=0.3, num_steps=10),
        0.5,
    ),
    "polynomial": (
        lambda S, o: S.PolynomialLR(o, total_iters=97, power=2.5),
        lambda: lrs.polynomial(start_lr=0.5, stop_lr=0.0, power=2.5, num_steps=97),
        0.5,
    ),
    "restarts-mult1": (
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=1, eta_min=0.01),
        lambda: lrs.cosine_restarts(start_lr=0.5, stop_lr=0.01, cycle_steps=7, num_steps=10),
        0.5,
    ),
    "restarts-mult3": (
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=3, eta_min=0.0),
        lambda: lrs.cosine_restarts(
            start_lr=0.5, stop_lr=0.0, cycle_steps=5, cycle_mult=3, num_steps=10
        ),
        0.5,
    ),
    "one_cycle": (
        lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=1000),
        lambda: lrs.one_cycle(max_lr=0.5, num_steps=1000),
        0.5,
    ),
    "one_cycle-three-linear": (
        lambda S, o: S.OneCycleLR(
            o,
            max_lr=0.5,
            total_steps=333,
            pct_start=0.29,
            three_phase=True,
            anneal_strategy="linear",
            div_factor=7.0,
            final_div_factor=50.0,
        ),
        lambda: lrs.one_cycle(
            max_lr=0.5,
            num_steps=333,
            pct_start=0.29,
            three_phase=True,
            anneal_strategy="linear",
            div_factor=7.0,
            final_div_factor=50.0,
        ),
        0.5,
    ),
    "one_cycle-pct1": (
        lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=50, pct_start=1.0),
        lambda: lrs.one_cycle(max_lr=0.5, num_steps=50, pct_start=1.0),
        0.5,
    ),
    "one_cycle-pct0": (
        lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=50, pct_start=0.0),
        lambda: lrs.one_cycle(max_lr=0.5, num_steps=50, pct_start=0.0),
        0.5,
    ),
    "cyclic-tri2": (
        lambda S, o: S.CyclicLR(
            o,
            0.1,
            0.5,
            step_size_up=4,
            step_size_down=7,
            mode="triangular2",
            cycle_momentum=False,
        ),
        lambda: lrs.cyclic(
            base_lr=0.1,
            max_lr=0.5,
            step_size_up=4,
            step_size_down=7,
            mode="triangular2",
            num_steps=10,
        ),
        0.1,
    ),
    "cyclic-exp_range": (
        lambda S, o: S.CyclicLR(
            o, 0.1, 0.5, step_size_up=5, mode="exp_range", gamma=0.995, cycle_momentum=False
        ),
        lambda: lrs.cyclic(
            base_lr=0.1, max_lr=0.5, step_size_up=5, mode="exp_range", gamma=0.995, num_steps=10
        ),
        0.1,
    ),
}


@pytest.mark.parametrize("case", list(TORCH))
def test_equals_torch_step_by_step(case):
    pytest.importorskip("torch")
    make_torch, make_ours, lr = TORCH[case]
    ours = make_ours()
    # torch's OneCycleLR stops at total_steps; the others run on
    count = ours.num_steps if case.startswith("one_cycle") else 600
    assert_close(values(ours, np.arange(count)), torch_values(make_torch, count, lr))


@pytest.mark.parametrize("gamma", [0.97, 0.999, 0.9999, 0.999999])
def test_traced_factor_far_below_the_peak(gamma):
    """A traced log(gamma) keeps its float32 rounding in a second leaf: no drift with depth."""
    sched = lrs.step(start_lr=1e-3, step_size=1, gamma=gamma, num_steps=10)
    # steps where the rate is 1e-10 .. 1e-34 of the peak (float32 normal range)
    k = np.unique(np.round(np.log(np.logspace(-10, -34, 200)) / np.log(gamma)).astype(np.int64))
    k = k[k <= 2**31 - 1]
    got = np.asarray(jax.jit(lambda s, t: s(t))(sched, jnp.asarray(k, jnp.int32)), np.float64)
    want = 1e-3 * np.exp(k * np.log(gamma))
    assert np.max(np.abs(got / want - 1)) <= 2e-6

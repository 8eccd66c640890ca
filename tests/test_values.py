"""Values: every example of the case table against its float64 reference, then the published
numbers and the per-type rules that a generic sample cannot name.

The generic tests read ``cases.TYPES``: a new type is covered by its entry there.
"""

from __future__ import annotations

import math
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import peers
import pytest
from cases import (
    BATCH,
    EXAMPLE_BY_ID,
    EXAMPLES,
    INT32_MAX,
    REPRESENTATIVE,
    RTOL,
    RTOL_X64,
    TYPES,
    assert_close,
    folded_values,
    mark_steps,
    max_rel_error,
    ref_cosine_restarts,
    ref_cyclic,
    ref_one_cycle,
    reference,
    sample_steps,
    values,
    worker_scale_of,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import lrschedules_jax as lrs

EXAMPLE_IDS = [e[0] for e in EXAMPLES]
#: The examples of each type, ``BATCH`` at a time: one compiled program per group.
GROUPS = [
    pytest.param(group, id=f"{type_name}-{first // BATCH}")
    for type_name in TYPES
    for examples in [[e for e in EXAMPLES if e[1] == type_name]]
    for first in range(0, len(examples), BATCH)
    for group in [examples[first : first + BATCH]]
]
#: Steps below 0, of any integer size: each gives the rate at step 0.
BELOW = [0, -1, -5, -(2**31), -(2**40)]


# ---- every example of the table ----------------------------------------------------------------


def _sample(name, type_name, config, num_steps):
    """Every phase boundary and stair +- a few steps, the ends of every phase, the first 1200
    steps, random and log-spaced steps to 2**31 - 1 and 4000 more random steps, half of them in
    [0, N]."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return np.unique(
        np.concatenate(
            [
                sample_steps(config, num_steps, TYPES[type_name].marks),
                rng.integers(0, INT32_MAX, 2000),
                rng.integers(0, min(num_steps + 2, INT32_MAX), 2000),
            ]
        )
    )


@pytest.mark.parametrize("group", GROUPS)
def test_matches_float64_reference(group):
    """Every example, as its eager call computes it (its hyperparameters folded into one
    compiled program), at the steps of ``_sample``: relative error <= 2e-6. A negative step, of
    any integer size, gives the rate at step 0.

    The examples of a group share one compilation (``folded_values``); the first one's row is
    checked bit for bit against its own eager call."""
    schedules = [lrs.make_schedule(config, n) for _, _, config, n in group]
    samples = [_sample(*example) for example in group]
    with_below = [np.concatenate([t, BELOW]) for t in samples]
    rows = folded_values(schedules, with_below)
    np.testing.assert_array_equal(rows[0], values(schedules[0], with_below[0], np.int64))
    failures = []
    for (name, _, config, n), sched, steps, row in zip(
        group, schedules, samples, rows, strict=True
    ):
        want = reference(config, n, steps) * worker_scale_of(sched)
        got, below = row[: len(steps)], row[len(steps) :]
        try:
            assert_close(got, want)
            assert np.all(below == below[0]) and below[0] == pytest.approx(want[0], rel=RTOL)
        except AssertionError as error:
            failures.append(f"{name}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "type_name", "config", "num_steps"), EXAMPLES, ids=EXAMPLE_IDS)
def test_x64_matches_to_1e10(name, type_name, config, num_steps):
    """Under ``jax_enable_x64`` the rate is float64, within 1e-10 of the reference. Evaluated op
    by op (the compiled float64 programs: test_jit_traced_and_folded_match_reference)."""
    steps = sample_steps(config, num_steps, TYPES[type_name].marks, random=200, log=100)
    with jax.enable_x64(True):
        sched = lrs.make_schedule(config, num_steps)
        with jax.disable_jit():
            out = sched(jnp.asarray(steps[:8]))
        assert out.dtype == jnp.float64 and not out.weak_type
        got = values(sched, steps, np.int64, compiled=False)
    # atol: a rate below 1e-30 (triangular2 after a hundred halvings) counts as 0, as in float32
    assert_close(got, reference(config, num_steps, steps) * worker_scale_of(sched), RTOL_X64)


JIT_EXAMPLES = [
    *REPRESENTATIVE,
    *(
        (n, *EXAMPLE_BY_ID[n])
        for n in ["polynomial-p3-long", "one_cycle-long", "restarts-huge-cycle"]
    ),
]


@pytest.mark.parametrize(
    ("name", "type_name", "config", "num_steps"), JIT_EXAMPLES, ids=[e[0] for e in JIT_EXAMPLES]
)
@pytest.mark.parametrize("precision", ["float32", "x64"])
def test_jit_traced_and_folded_match_reference(name, type_name, config, num_steps, precision):
    """Under jit, with the schedule as an argument (its float leaves traced: no float64 constant
    folding) and closed over (folded): the same accuracy, strongly typed."""
    steps = mark_steps(config, num_steps, TYPES[type_name].marks)
    x64 = precision == "x64"
    with jax.enable_x64(x64):
        sched = lrs.make_schedule(config, num_steps)
        dtype = jnp.int64 if x64 else jnp.int32
        traced = jax.jit(lambda s, t: s(t))(sched, jnp.asarray(steps, dtype))
        folded = jax.jit(sched)(jnp.asarray(steps, dtype))
        for out in (traced, folded):
            assert out.dtype == (jnp.float64 if x64 else jnp.float32) and not out.weak_type
    want = reference(config, num_steps, steps) * worker_scale_of(sched)
    for out in (traced, folded):
        assert_close(out, want, RTOL_X64 if x64 else RTOL)


def test_every_registered_type_has_a_row():
    schema = lrs.json_schema()
    names = {
        d["properties"]["type"]["const"]
        for d in schema["$defs"].values()
        if "const" in d.get("properties", {}).get("type", {})
    }
    assert set(TYPES) == names, "add a TypeCase for every registered type to tests/cases.py"


# ---- DeePMD-kit's reference numbers (its own tests) -------------------------------------------------

BASE = {"start_lr": 1e-3, "stop_lr": 1e-5}
BIG = {"start_lr": 1e-3, "stop_lr": 1e-8, "warmup_steps": 10000}

# (id, config, num_steps, step, expected, rtol): the numbers of DeePMD-kit's tests.
DEEPMD_NUMBERS = [
    ("exp-0", {**BASE, "decay_steps": 5000}, 10000, 0, 1e-3, 1e-7),
    ("exp-end", {**BASE, "decay_steps": 5000}, 10000, 10000, 1e-5, 1e-6),
    ("exp-rate", {**BASE, "decay_rate": 0.9, "decay_steps": 1000}, 10000, 1000, 9e-4, 1e-6),
    ("cosine-mid", {**BASE, "type": "cosine"}, 10000, 5000, 5.05e-4, 1e-6),
    ("wsd-stable-end", {**BASE, "type": "wsd"}, 10000, 9000, 1e-3, 1e-7),
    ("wsd-inv-mid", {**BASE, "type": "wsd"}, 10000, 9500, 1.98019802e-5, 1e-6),
    ("wsd-cos-mid", {**BASE, "type": "wsd", "decay_type": "cosine"}, 10000, 9500, 5.05e-4, 1e-6),
    ("wsd-lin-mid", {**BASE, "type": "wsd", "decay_type": "linear"}, 10000, 9500, 5.05e-4, 1e-6),
    ("wsd-end", {**BASE, "type": "wsd"}, 10000, 10000, 1e-5, 1e-6),
    ("exp-past", {**BASE, "decay_steps": 5000}, 10000, 20000, 1e-5, 1e-6),
    ("cosine-past", {**BASE, "type": "cosine"}, 10000, 20000, 1e-5, 1e-6),
    ("wsd-past", {**BASE, "type": "wsd"}, 10000, 20000, 1e-5, 1e-6),
    ("wsd-cos-past", {**BASE, "type": "wsd", "decay_type": "cosine"}, 10000, 20000, 1e-5, 1e-6),
    ("wsd-lin-past", {**BASE, "type": "wsd", "decay_type": "linear"}, 10000, 20000, 1e-5, 1e-6),
    ("exp-big", {**BIG, "decay_steps": 1000}, 10**6, 500000, 3.3516026509e-6, 1e-6),
    ("cosine-big", {**BIG, "type": "cosine"}, 10**6, 500000, 5.079379026e-4, 1e-6),
    ("wsd-inv-big", {**BIG, "type": "wsd"}, 10**6, 950000, 1.99998e-8, 1e-6),
    (
        "wsd-cos-big",
        {**BIG, "type": "wsd", "decay_type": "cosine"},
        10**6,
        950000,
        5.00005e-4,
        1e-6,
    ),
    (
        "wsd-lin-big",
        {**BIG, "type": "wsd", "decay_type": "linear"},
        10**6,
        950000,
        5.00005e-4,
        1e-6,
    ),
    ("small-cos", {"type": "cosine", "start_lr": 1.0, "stop_lr": 0.1}, 10, 5, 0.55, 1e-6),
]
SMALL_WSD = {"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1, "decay_phase_ratio": 0.2}
for _kind, _value in [("inverse_linear", 2 / 11), ("cosine", 0.55), ("linear", 0.55)]:
    DEEPMD_NUMBERS += [
        (f"small-wsd-{_kind}-8", {**SMALL_WSD, "decay_type": _kind}, 10, 8, 1.0, 1e-7),
        (f"small-wsd-{_kind}-9", {**SMALL_WSD, "decay_type": _kind}, 10, 9, _value, 1e-6),
    ]


@pytest.mark.parametrize(
    ("config", "num_steps", "step", "expected", "rtol"),
    [case[1:] for case in DEEPMD_NUMBERS],
    ids=[case[0] for case in DEEPMD_NUMBERS],
)
def test_deepmd_reference_numbers(config, num_steps, step, expected, rtol, evaluate):
    got = float(evaluate(lrs.make_schedule(config, num_steps), step))
    assert got == pytest.approx(expected, rel=rtol)
    # the table's reference says the same
    assert reference(config, num_steps, [step])[0] == pytest.approx(expected, rel=rtol)


def test_deepmd_warmup_sequence():
    sched = lrs.make_schedule({**BASE, "warmup_steps": 1000, "decay_steps": 5000}, 10000)
    got = np.asarray(sched(jnp.array([0, 500, 1000, 5000, 10000])), dtype=np.float64)
    np.testing.assert_allclose(got, [0, 5e-4, 1e-3, 1e-3, 7.7426e-5], rtol=1e-4, atol=1e-12)


def test_end_of_long_decay_keeps_relative_accuracy():
    """The last steps of a 1e8-step decay, where the rate is 1e-5 of its peak."""
    steps = np.arange(10**8 - 2000, 10**8 + 3)
    for kind in ["cosine", "wsd"]:
        for decay_type in ["inverse_linear", "cosine", "linear"]:
            config = {"type": kind, "start_lr": 1.0, "stop_lr": 1e-5}
            if kind == "wsd":
                config["decay_type"] = decay_type
            got = values(lrs.make_schedule(config, 10**8), steps)
            assert max_rel_error(got, reference(config, 10**8, steps)) <= 2e-6, config


# ---- exp -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("num_steps", "warmup", "expected"),
    [(1000, 0, 11), (1010, 0, 100), (1100, 100, 11), (10**6, 0, 5000), (5000, 0, 100), (500, 0, 6)],
)
def test_decay_steps_replacement(num_steps, warmup, expected):
    config = {**BASE, "decay_steps": 5000, "warmup_steps": warmup}
    assert lrs.validate(config, num_steps).decay_steps == expected
    assert lrs.make_schedule(config, num_steps).to_config()["decay_steps"] == expected


def test_no_replacement_with_explicit_decay_rate():
    cfg = lrs.validate({**BASE, "decay_steps": 5000, "decay_rate": 0.5}, 1000)
    assert (cfg.decay_steps, cfg.decay_rate) == (5000, 0.5)


def test_validate_resolves_every_derived_value():
    cfg = lrs.validate({"start_lr": 1e-3, "stop_lr_ratio": 1e-3, "warmup_ratio": 0.05}, 10**6)
    assert cfg.stop_lr == pytest.approx(1e-6, rel=1e-15)
    assert cfg.stop_lr_ratio is None and cfg.warmup_ratio is None
    assert cfg.warmup_steps == 50000 and cfg.decay_steps == 5000
    assert cfg.decay_rate == pytest.approx(np.exp(np.log(1e-3) / (950000 / 5000)), rel=1e-14)


def test_warmup_ratio_truncates():
    assert lrs.validate({**BASE, "warmup_ratio": 0.0999}, 1001).warmup_steps == 99


def test_stop_lr_is_a_floor_with_explicit_rate():
    sched = lrs.make_schedule({**BASE, "decay_rate": 0.5, "decay_steps": 100}, 10000)
    steps = np.array([0, 99, 100, 600, 700, 9999, 10**6])
    want = np.maximum(1e-3 * 0.5 ** (steps // 100), 1e-5)
    np.testing.assert_allclose(np.asarray(sched(steps)), want, rtol=2e-6)
    assert float(sched(700)) == pytest.approx(1e-5, rel=1e-6)


def test_stepped_reaches_stop_only_when_decay_steps_divides():
    divides = lrs.make_schedule({**BASE, "decay_steps": 1000}, 10000)
    assert float(divides(10000)) == pytest.approx(1e-5, rel=1e-6)
    rest = lrs.make_schedule({**BASE, "decay_steps": 3000}, 10000)
    r = (1e-5 / 1e-3) ** (3000 / 10000)
    assert float(rest(10000)) == pytest.approx(1e-3 * r**3, rel=1e-6)
    assert float(rest(10000)) > 1e-5
    assert float(rest(12000)) == pytest.approx(1e-5, rel=1e-6)  # the floor from the 4th stair


def test_smooth_exp_is_continuous():
    sched = lrs.make_schedule({**BASE, "decay_steps": 1000, "smooth": True}, 10000)
    np.testing.assert_allclose(float(sched(1500)), 1e-3 * (1e-2) ** (1500 / 10000), rtol=2e-6)


# ---- wsd -------------------------------------------------------------------------------------


@pytest.mark.parametrize("decay_type", ["inverse_linear", "cosine", "linear"])
def test_wsd_one_step_decay_phase(decay_type):
    config = {**BASE, "type": "wsd", "decay_phase_ratio": 0.05, "decay_type": decay_type}
    sched = lrs.make_schedule(config, 10)  # 0.05 * 10 < 1: a one-step decay phase
    assert sched.boundaries()["decay start"] == 9
    assert float(sched(9)) == pytest.approx(1e-3, rel=1e-7)
    assert float(sched(10)) == pytest.approx(1e-5, rel=1e-6)


def test_wsd_decay_phase_clamped_to_decay_length():
    config = {**BASE, "type": "wsd", "decay_phase_ratio": 1.0, "warmup_steps": 400}
    sched = lrs.make_schedule(config, 1000)
    # a decay phase of 600 steps (not 1000) and no stable phase
    marks = sched.boundaries()
    assert (marks["warmup end"], marks["decay start"], marks["end"]) == (400, 400, 1000)
    assert float(sched(400)) == pytest.approx(1e-3, rel=1e-7)
    assert float(sched(399)) < 1e-3


# ---- step, multistep ---------------------------------------------------------------------------


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


@pytest.mark.parametrize("gamma", [0.97, 0.999, 0.9999, 0.999999])
def test_traced_factor_far_below_the_peak(gamma):
    """A traced factor keeps its float32 rounding: no drift with depth."""
    sched = lrs.step(start_lr=1e-3, step_size=1, gamma=gamma, num_steps=10)
    # steps where the rate is 1e-10 .. 1e-34 of the peak (float32 normal range)
    k = np.unique(np.round(np.log(np.logspace(-10, -34, 200)) / np.log(gamma)).astype(np.int64))
    k = k[k <= 2**31 - 1]
    got = np.asarray(jax.jit(lambda s, t: s(t))(sched, jnp.asarray(k, jnp.int32)), np.float64)
    want = 1e-3 * np.exp(k * np.log(gamma))
    assert np.max(np.abs(got / want - 1)) <= 2e-6


# ---- polynomial, linear, inverse_sqrt ----------------------------------------------------------


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


# ---- cosine_restarts -----------------------------------------------------------------------------


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


# ---- one_cycle -----------------------------------------------------------------------------------


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
    both = values(sched, np.arange(0, 499))
    np.testing.assert_allclose(both[:250], both[249:499][::-1], rtol=1e-6)
    assert both[498] == pytest.approx(1 / 25, rel=1e-6)  # end of phase 2


def test_one_cycle_float_phase_boundary_like_torch():
    # pct * N = 0.7 * 10 = 7.000000000000001 in floats: phase 1 ends at step 6 (<= 6.000...01)
    # pct * N = 0.29 * 100 = 28.999999999999996: phase 1 ends at step 27, not 28
    for pct, n, peak in ((0.7, 10, 6), (0.29, 100, 27)):
        sched = lrs.one_cycle(max_lr=1.0, num_steps=n, pct_start=pct)
        steps = np.arange(n)
        got = values(sched, steps)
        assert int(np.argmax(got)) in (peak, peak + 1)
        config = {"type": "one_cycle", "max_lr": 1.0, "pct_start": pct}
        assert_close(got, ref_one_cycle(config, n, steps) * worker_scale_of(sched))


# ---- cyclic --------------------------------------------------------------------------------------


def test_cyclic_values():
    # torch CyclicLR(base 0.1, max 1.0, step_size_up=10), triangular2: the amplitude halves
    # every cycle (peaks 1.0, 0.55, 0.325 at steps 10, 30, 50)
    sched = lrs.cyclic(base_lr=0.1, max_lr=1.0, step_size_up=10, mode="triangular2", num_steps=5)
    got = [float(sched(s)) for s in (0, 5, 10, 15, 20, 30, 40, 50)]
    np.testing.assert_allclose(got, [0.1, 0.55, 1.0, 0.55, 0.1, 0.55, 0.1, 0.325], rtol=1e-6)


def test_cyclic_default_step_size_down():
    cfg = lrs.validate({"type": "cyclic", "base_lr": 0.1, "max_lr": 1.0, "step_size_up": 7}, 10)
    assert cfg.step_size_down == 7


# ---- random configs against the reference (hypothesis) ---------------------------------------

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
    config = dict(
        type="cosine_restarts",
        start_lr=1e-3,
        stop_lr=1e-6,
        cycle_steps=size,
        cycle_mult=mult,
        cycle_decay=decay,
        scale_by_worker="none",
    )
    got = values(lrs.make_schedule(config, n), steps)
    assert np.all((got >= 1e-6 * (1 - 1e-6)) & (got <= 1e-3 * (1 + 1e-6)))
    assert_close(got, ref_cosine_restarts(config, n, np.asarray(steps)))


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 10**9),
    pct=st.floats(0.0, 0.5),
    three=st.booleans(),
    linear_anneal=st.booleans(),
    steps=steps_st,
)
def test_one_cycle_bounded_and_exact(n, pct, three, linear_anneal, steps):
    config = dict(
        type="one_cycle",
        max_lr=1.0,
        pct_start=pct,
        three_phase=three,
        anneal_strategy="linear" if linear_anneal else "cos",
        scale_by_worker="none",
    )
    got = values(lrs.make_schedule(config, n), steps)
    assert np.all((got >= 4e-6 * (1 - 1e-6)) & (got <= 1 + 1e-6))
    assert_close(got, ref_one_cycle(config, n, np.asarray(steps)))


@settings(max_examples=15, deadline=None)
@given(
    up=st.integers(1, INT32_MAX),
    down=st.integers(1, INT32_MAX),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    steps=steps_st,
)
def test_cyclic_bounded_and_exact(up, down, mode, steps):
    config = dict(
        type="cyclic",
        base_lr=0.1,
        max_lr=1.0,
        step_size_up=up,
        step_size_down=down,
        mode=mode,
        gamma=0.999 if mode == "exp_range" else 1.0,
        scale_by_worker="none",
    )
    got = values(lrs.make_schedule(config, 10), steps)
    assert np.all((got >= 0.1 * (1 - 1e-6)) & (got <= 1 + 1e-6))
    assert_close(got, ref_cyclic(config, 10, np.asarray(steps)))


# ---- cross-check against torch (recorded values; torch itself too when installed) ----------

# name: (torch scheduler, its keyword arguments, the optimizer's lr, ours). torch's values are
# recorded in tests/data/peers/torch.json.gz (cases ``values/<name>``: the lr after 0, 1, ...
# calls of ``scheduler.step()``, SGD with momentum 0.9).
TORCH = {
    "step": (
        "StepLR",
        dict(step_size=7, gamma=0.5),
        0.5,
        lambda: lrs.step(start_lr=0.5, step_size=7, gamma=0.5, num_steps=10),
    ),
    "multistep": (
        "MultiStepLR",
        dict(milestones=[3, 10, 50], gamma=0.3),
        0.5,
        lambda: lrs.multistep(start_lr=0.5, milestones=[3, 10, 50], gamma=0.3, num_steps=10),
    ),
    "polynomial": (
        "PolynomialLR",
        dict(total_iters=97, power=2.5),
        0.5,
        lambda: lrs.polynomial(start_lr=0.5, stop_lr=0.0, power=2.5, num_steps=97),
    ),
    "restarts-mult1": (
        "CosineAnnealingWarmRestarts",
        dict(T_0=7, T_mult=1, eta_min=0.01),
        0.5,
        lambda: lrs.cosine_restarts(start_lr=0.5, stop_lr=0.01, cycle_steps=7, num_steps=10),
    ),
    "restarts-mult3": (
        "CosineAnnealingWarmRestarts",
        dict(T_0=5, T_mult=3, eta_min=0.0),
        0.5,
        lambda: lrs.cosine_restarts(
            start_lr=0.5, stop_lr=0.0, cycle_steps=5, cycle_mult=3, num_steps=10
        ),
    ),
    "one_cycle": (
        "OneCycleLR",
        dict(max_lr=0.5, total_steps=1000),
        0.5,
        lambda: lrs.one_cycle(max_lr=0.5, num_steps=1000),
    ),
    "one_cycle-three-linear": (
        "OneCycleLR",
        dict(
            max_lr=0.5,
            total_steps=333,
            pct_start=0.29,
            three_phase=True,
            anneal_strategy="linear",
            div_factor=7.0,
            final_div_factor=50.0,
        ),
        0.5,
        lambda: lrs.one_cycle(
            max_lr=0.5,
            num_steps=333,
            pct_start=0.29,
            three_phase=True,
            anneal_strategy="linear",
            div_factor=7.0,
            final_div_factor=50.0,
        ),
    ),
    "one_cycle-pct1": (
        "OneCycleLR",
        dict(max_lr=0.5, total_steps=50, pct_start=1.0),
        0.5,
        lambda: lrs.one_cycle(max_lr=0.5, num_steps=50, pct_start=1.0),
    ),
    "one_cycle-pct0": (
        "OneCycleLR",
        dict(max_lr=0.5, total_steps=50, pct_start=0.0),
        0.5,
        lambda: lrs.one_cycle(max_lr=0.5, num_steps=50, pct_start=0.0),
    ),
    "cyclic-tri2": (
        "CyclicLR",
        dict(
            base_lr=0.1,
            max_lr=0.5,
            step_size_up=4,
            step_size_down=7,
            mode="triangular2",
            cycle_momentum=False,
        ),
        0.1,
        lambda: lrs.cyclic(
            base_lr=0.1,
            max_lr=0.5,
            step_size_up=4,
            step_size_down=7,
            mode="triangular2",
            num_steps=10,
        ),
    ),
    "cyclic-exp_range": (
        "CyclicLR",
        dict(
            base_lr=0.1,
            max_lr=0.5,
            step_size_up=5,
            mode="exp_range",
            gamma=0.995,
            cycle_momentum=False,
        ),
        0.1,
        lambda: lrs.cyclic(
            base_lr=0.1, max_lr=0.5, step_size_up=5, mode="exp_range", gamma=0.995, num_steps=10
        ),
    ),
}


@pytest.mark.parametrize("case", list(TORCH))
def test_reference_equals_torch_step_by_step(case):
    """The case table's reference is torch's value at every recorded step: the formula torch
    runs (to 1e-9: torch's cosine form cancels where the rate is 1e-4 of its peak, the
    reference's does not)."""
    row = peers.case("torch", f"values/{case}")
    ours = TORCH[case][3]()
    steps = np.asarray(row["steps"])
    np.testing.assert_allclose(
        reference(ours.to_config(), ours.num_steps, steps), peers.values(row), rtol=1e-9
    )


@pytest.mark.parametrize("case", list(TORCH))
def test_equals_torch_step_by_step(case):
    scheduler, kwargs, lr, make_ours = TORCH[case]
    row = peers.case("torch", f"values/{case}")
    # the record is of this case: torch's call, and every step from 0
    assert row["call"]["scheduler"] == scheduler and row["call"]["kwargs"] == kwargs
    assert row["call"]["optimizer"]["lr"] == lr
    ours = make_ours()
    # torch's OneCycleLR stops at total_steps; the others run on
    count = ours.num_steps if case.startswith("one_cycle") else 600
    assert row["steps"] == list(range(count))
    got = values(ours, np.arange(count))
    assert_close(got, peers.values(row))
    live = peers.live_values("torch", row)  # None unless torch is installed
    if live is not None:
        assert_close(got, live)

"""``lrs.timm``: timm's schedulers by name give timm's rates (stepped per update).

Compared with timm 1.0.31's values recorded in tests/data/peers/timm.json.gz (the rate after
``step_update(t)``, sampled up to ``2**31 - 1``) always, with timm itself when it is installed,
and with timm's own unit tests (tests/data/peers/unit_tests.json, ``timm/...``) through this
module. The documented differences (timm's float ``log`` cycle index, its MultiStepLRScheduler
one step early, its PlateauLRScheduler stuck at 0 after ``step(0)``) are asserted as such.
"""

from __future__ import annotations

import bisect
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lrschedules_jax as lrs

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers
from cases import real_cycle_starts

RTOL = 2e-6
UNIT_TESTS = json.loads((peers.DATA / "unit_tests.json").read_text())["cases"]

#: Recorded cases whose shape has no type here yet: the module refuses them, naming why.
UNMAPPED = {
    "StepLRScheduler/float-decay_t": "decay_t",
}


def build(call):
    kwargs = dict(call["kwargs"])
    kwargs.update(call.get("attributes", {}))  # noise_type, set on timm's object
    return getattr(lrs.timm, call["class"])(call["lr"], **kwargs)


def exact_cycle_early(call, steps):
    """The steps where timm's float ``log`` puts the cycle one early (or late) against the
    exact cycle starts ``ceil(S_i)`` (cycle_mul > 1, an integer or not)."""
    kw = call["kwargs"]
    m, t0 = kw.get("cycle_mul", 1.0), kw["t_initial"]
    if m == 1:
        return np.zeros(len(steps), bool)
    w = kw.get("warmup_t", 0) if kw.get("warmup_prefix", False) else 0
    starts = real_cycle_starts(t0, m)
    out = []
    for s in steps:
        t = s - w
        if s < kw.get("warmup_t", 0) or t < 0:
            out.append(False)
            continue
        timm_i = math.floor(math.log(1 - t / t0 * (1 - m), m))
        out.append(timm_i != bisect.bisect_right(starts, t) - 1)
    return np.asarray(out)


def one_step_early(call, steps):
    """The steps just before a milestone, where timm 1.0.31's MultiStepLRScheduler
    (``bisect_right(decay_t, t + 1)``) has decayed already."""
    kw = call["kwargs"]
    w = kw.get("warmup_t", 0) if kw.get("warmup_prefix", True) else 0
    ms = kw["decay_t"]
    return np.asarray(
        [
            s >= kw.get("warmup_t", 0)
            and bisect.bisect_right(ms, s - w + 1) != bisect.bisect_right(ms, s - w)
            for s in steps
        ]
    )


TIMM_CASES = [i for i in peers.ids("timm") if not i.startswith("PlateauLRScheduler/")]


@pytest.mark.parametrize("case_id", TIMM_CASES)
def test_recorded_timm_values(case_id):
    row = peers.case("timm", case_id)
    if UNMAPPED.get(case_id):
        with pytest.raises(lrs.ConfigError, match=UNMAPPED[case_id]):
            build(row["call"])
        return
    sched = build(row["call"])
    assert isinstance(sched, lrs.Schedule)
    steps = np.asarray(row["steps"])
    ours = np.asarray(sched(steps), np.float64)
    kw = row["call"]["kwargs"]
    keep = np.ones(len(steps), bool)
    if "t_initial" in kw and row["call"]["class"] != "WSDLRScheduler":
        early = exact_cycle_early(row["call"], steps)
        keep &= ~early
    if row["call"]["class"] == "MultiStepLRScheduler":
        early = one_step_early(row["call"], steps)
        keep &= ~early
        # there, milestone m applies from step m on: lr * rate ** #{m <= t}
        w = kw.get("warmup_t", 0) if kw.get("warmup_prefix", True) else 0
        idx = np.flatnonzero(early)
        want = [
            row["call"]["lr"] * kw["decay_rate"] ** bisect.bisect_right(kw["decay_t"], s - w)
            for s in steps[idx]
        ]
        np.testing.assert_allclose(ours[idx], want, rtol=RTOL)
    noise = kw.get("noise_range_t")
    sources = [peers.values(row)]
    live = peers.live_values("timm", row)
    if live is not None:
        sources.append(live)
    for theirs in sources:
        finite = keep & np.isfinite(theirs) & (np.abs(theirs) < 3.4e38)  # float32's range
        if noise is None:
            np.testing.assert_allclose(ours[finite], theirs[finite], rtol=RTOL, atol=1e-30)
            continue
        # noise: the same rate outside the range, within the noise bound inside (the draws
        # are another generator's: the law is tested with the noise block)
        span = noise if isinstance(noise, list) else [noise, 2**31]
        inside = (steps >= span[0]) & (steps < span[1])
        np.testing.assert_allclose(ours[finite & ~inside], theirs[finite & ~inside], rtol=RTOL)
        plain = np.asarray(
            build(
                {
                    **row["call"],
                    "kwargs": {k: v for k, v in kw.items() if not k.startswith("noise")},
                    "attributes": {},
                }
            )(steps),
            np.float64,
        )
        ratio = ours[inside] / plain[inside]
        assert np.all(np.abs(ratio - 1) < kw["noise_pct"] + 1e-6)
        assert np.any(ratio != 1)


def test_timm_float_log_restart_is_corrected():
    """cosine-grid/3 (t_initial 2, cycle_mul 3): timm reads step 242 as the end of cycle 4;
    it is the start of cycle 5 (2 + 6 + 18 + 54 + 162 = 242), where the rate is the peak."""
    row = peers.case("timm", "cosine-grid/3")
    sched = build(row["call"])
    recorded = dict(zip(row["steps"], row["values"], strict=True))
    assert recorded[242] < 1e-5  # timm: the cycle's end
    assert float(sched(242)) == pytest.approx(1e-3, rel=RTOL)  # the restart
    assert exact_cycle_early(row["call"], [242]).all()


def test_float_cycle_mul_restart_is_exact():
    """t_initial=16, cycle_mul=1.25: cycle 3 starts at 16 (1.25**3 - 1) / 0.25 = 61 exactly;
    timm's float log reads step 61 as the end of cycle 2. Here it is the restart (the peak
    0.1 * 0.5**3), and step 60 the last step of cycle 2 (36 + 24, length 25)."""
    sched = lrs.timm.CosineLRScheduler(
        0.1, t_initial=16, cycle_mul=1.25, cycle_limit=10, cycle_decay=0.5
    )
    assert math.floor(math.log(1 - 61 / 16 * (1 - 1.25), 1.25)) == 2  # timm's index
    assert real_cycle_starts(16, 1.25)[:4] == [0, 16, 36, 61]
    assert float(sched(61)) == pytest.approx(0.1 * 0.5**3, rel=RTOL)
    end = 0.1 * 0.5**2 * (1 + math.cos(math.pi * 24 / 25)) / 2
    assert float(sched(60)) == pytest.approx(end, rel=RTOL)


def test_float_cycle_mul_real_offsets():
    """cycle_mul=1.5, t_initial=40: cycle 5 starts at 527.5, so step 528 is 0.5 steps into it
    (timm's t_curr), and cycle 4 (325 to 527.5, length 202.5) holds step 527."""
    row = peers.case("timm", "CosineLRScheduler/cycle_mul1.5")
    sched = build(row["call"])
    low, lr = row["call"]["kwargs"]["lr_min"], row["call"]["lr"]

    def timm_cos(t_curr, length):
        return low + (lr - low) * (1 + math.cos(math.pi * t_curr / length)) / 2

    assert float(sched(527)) == pytest.approx(timm_cos(202, 202.5), rel=RTOL)
    assert float(sched(528)) == pytest.approx(low, rel=RTOL)  # cycle 5 >= cycle_limit 5
    five = lrs.timm.CosineLRScheduler(lr, t_initial=40, cycle_mul=1.5, cycle_limit=6, lr_min=low)
    assert float(five(528)) == pytest.approx(timm_cos(0.5, 40 * 1.5**5), rel=RTOL)


def test_tanh_overlaid_warmup_ends_at_the_tanh_rate():
    """timm's TanhLRScheduler(warmup_prefix=False) warms up to its rate at warmup_t, not to
    lr: the rate is continuous at warmup_t."""
    row = peers.case("timm", "TanhLRScheduler/warmup-prefix-false")
    sched = build(row["call"])
    kw, lr = row["call"]["kwargs"], row["call"]["lr"]
    w, t0, init, low = kw["warmup_t"], kw["t_initial"], kw["warmup_lr_init"], kw.get("lr_min", 0)
    at_w = low + (lr - low) * (1 - math.tanh(-7 + 10 * w / t0)) / 2
    assert float(sched(w)) == pytest.approx(at_w, rel=RTOL)
    assert float(sched(w - 1)) == pytest.approx(init + (w - 1) * (at_w - init) / w, rel=RTOL)
    assert sched.to_config()["warmup_prefix"] is False


def test_wsd_decaying_stable_phase():
    """WSDLRScheduler(stable_fn="rsqrt"): lr (1 + t_s / warmup_t) ** -0.5 in the stable phase,
    and the decay multiplies it (the Big Vision schedule)."""
    sched = lrs.timm.WSDLRScheduler(
        0.1,
        t_initial=900,
        decay_t=100,
        stable_fn="rsqrt",
        warmup_t=100,
        decay_fn="linear",
        lr_min=1e-5,
    )
    assert sched.to_config()["stable_type"] == "rsqrt"
    for t in (100, 400, 899, 950):
        stable = max(0.1 * (1 + (t - 100) / 100) ** -0.5, 1e-5)
        frac = min(max(t - 100 - 800, 0) / 100, 1)
        want = stable if t - 100 <= 800 else 1e-5 + (stable - 1e-5) * (1 - frac)
        assert float(sched(t)) == pytest.approx(want, rel=RTOL)


def test_multistep_decays_at_the_milestone():
    sched = lrs.timm.MultiStepLRScheduler(0.1, decay_t=[10, 20], decay_rate=0.5)
    assert [float(sched(t)) for t in (9, 10, 19, 20)] == pytest.approx([0.1, 0.05, 0.05, 0.025])


def test_warmup_prefix_false_overlays_the_decay():
    """timm's default for the cosine: the decay runs on the global step, the warmup replaces
    its first steps, and the rate jumps from the warmup's end to the cosine at warmup_t."""
    row = peers.case("timm", "CosineLRScheduler/warmup-prefix-false")
    sched = build(row["call"])
    assert sched.to_config()["warmup_prefix"] is False
    kw = row["call"]["kwargs"]
    w, t0, lr, low = kw["warmup_t"], kw["t_initial"], row["call"]["lr"], kw["lr_min"]
    want = low + (lr - low) * (1 + math.cos(math.pi * w / t0)) / 2
    assert float(sched(w)) == pytest.approx(want, rel=RTOL)


# ---- PlateauLRScheduler: the transformation ---------------------------------------------------


def plateau_rates(call, metrics):
    import jax.numpy as jnp
    import optax

    lr = call["lr"]
    tx = optax.chain(optax.sgd(lr), lrs.timm.PlateauLRScheduler(lr, **call["kwargs"]))
    params = jnp.zeros(1)
    state = tx.init(params)
    rates = []
    for metric in metrics:
        _, state = tx.update(jnp.ones(1), state, params, value=metric)
        rates.append(lr * float(state[1].scale))
    return np.asarray(rates)


@pytest.mark.parametrize(
    "case_id", ["PlateauLRScheduler/min-from-epoch1", "PlateauLRScheduler/max-defaults"]
)
def test_plateau_gives_timm_rates(case_id):
    row = peers.case("timm", case_id)
    np.testing.assert_allclose(
        plateau_rates(row["call"], row["metrics"]), peers.values(row), rtol=1e-6
    )


def test_plateau_from_step_zero_does_not_stick_at_zero():
    """timm's step(0, metric) with warmup_t=0 sets the rate to warmup_lr_init (0) for good;
    the transformation starts at lr and reduces on plateaus, as timm does from epoch 1."""
    row = peers.case("timm", "PlateauLRScheduler/min-from-epoch0")
    assert all(v == 0 for v in row["values"])
    rates = plateau_rates(row["call"], row["metrics"])
    assert rates[0] == pytest.approx(row["call"]["lr"])
    assert np.all(rates > 0)


@pytest.mark.parametrize(
    "case_id", ["PlateauLRScheduler/warmup-cooldown-lr_min", "PlateauLRScheduler/noise"]
)
def test_plateau_warmup_and_noise_are_refused(case_id):
    row = peers.case("timm", case_id)
    with pytest.raises(lrs.ConfigError, match="not mapped"):
        lrs.timm.PlateauLRScheduler(row["call"]["lr"], **row["call"]["kwargs"])


# ---- timm's own unit tests ---------------------------------------------------------------------

TIMM_UNIT = [c for c in UNIT_TESTS if c["peer"] == "timm"]


@pytest.mark.parametrize("case", TIMM_UNIT, ids=[c["id"] for c in TIMM_UNIT])
def test_timm_unit_tests(case):
    sched = build(case["call"])
    got = np.asarray(sched(np.asarray(case["steps"])), np.float64)
    expected = np.asarray(case["expected"])
    tol = case["atol"] + (case["rtol"] + RTOL) * np.abs(expected)
    assert np.all(np.abs(got - expected) <= tol), (case["id"], got, expected)


# ---- what every function returns --------------------------------------------------------------


@pytest.mark.parametrize(
    "case_id", [i for i in TIMM_CASES if not UNMAPPED.get(i) and not i.startswith("noise/")]
)
def test_a_schedule_rebuilds_and_stacks(case_id):
    row = peers.case("timm", case_id)
    sched = build(row["call"])
    steps = np.asarray(row["steps"])
    again = lrs.from_config(sched.to_config(), sched.num_steps)
    np.testing.assert_array_equal(np.asarray(again(steps)), np.asarray(sched(steps)))
    stacked = lrs.stack([sched, sched])
    assert len(stacked) == 2
    np.testing.assert_allclose(
        np.asarray(stacked(steps))[0], np.asarray(sched(steps)), rtol=RTOL, atol=0
    )


def test_noise_round_trips_as_noise_keys():
    row = peers.case("timm", "noise/StepLRScheduler-int-range")
    sched = build(row["call"])
    config = sched.to_config()
    assert config["noise_range_steps"] == 100 and config["noise_seed"] == 7
    again = lrs.from_config(config, sched.num_steps)
    steps = np.asarray(row["steps"])
    np.testing.assert_array_equal(np.asarray(again(steps)), np.asarray(sched(steps)))


def test_unmapped_shapes_say_so():
    with pytest.raises(lrs.ConfigError, match="cycle_mul"):
        lrs.timm.CosineLRScheduler(0.1, t_initial=10, cycle_mul=0.5)


def test_import_loads_neither_timm_torch_nor_jax():
    code = (
        "import sys, lrschedules_jax as lrs\n"
        "lrs.timm\n"
        "print(sorted(m for m in ('timm', 'torch', 'jax', 'optax') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

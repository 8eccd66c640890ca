"""``lrs.optax``: optax's schedule functions by name, against optax.

Every recorded call of tests/data/peers/optax.json.gz (optax 0.2.8, to step 2**31 - 1) is
replayed through ``lrs.optax`` and compared with optax's float64 values, and with the installed
optax when there is one; optax's own unit tests (unit_tests.json, from
``optax/schedules/_schedule_test.py`` and ``_join_test.py``) run through ``lrs.optax`` with their
names and expected numbers.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import json
import sys

import jax
import numpy as np
import peers
import pytest
from cases import values

import lrschedules_jax as lrs
from lrschedules_jax._dialects import KEY_WORDS

RTOL = 2e-6  # float32 against optax's float64 formula
DTYPE_PROMOTION = "standard"  # the live replays run optax's own code (see conftest.py)
UNIT = json.loads((peers.DATA / "unit_tests.json").read_text())
OPTAX_UNIT = [c for c in UNIT["cases"] if c["peer"] == "optax"]


def build(call):
    """``call`` (record_optax.py's JSON form) through ``lrs.optax``."""
    kwargs = dict(call["kwargs"])
    if kwargs.get("boundaries_and_scales") is not None:
        kwargs["boundaries_and_scales"] = {
            int(k): v for k, v in kwargs["boundaries_and_scales"].items()
        }
    if call["function"] == "join_schedules":
        kwargs["schedules"] = [build(s) for s in kwargs["schedules"]]
    return getattr(lrs.optax, call["function"])(**kwargs)


def _close(got, want, rtol=RTOL, atol=1e-30):
    """``|got - want| <= rtol |want| + atol`` (inf where optax's float64 is inf); the atol
    of float32: a rate below its smallest normal number (1.2e-38) may read 0."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    both_inf = np.isinf(got) & np.isinf(want) & (np.sign(got) == np.sign(want))
    bad = ~both_inf & ~(np.abs(got - want) <= rtol * np.abs(want) + atol)
    assert not bad.any(), (
        f"{bad.sum()} steps off, first at index {np.argmax(bad)}: got {got[bad][:3]}, want "
        f"{want[bad][:3]}"
    )


# ---- the recorded calls ---------------------------------------------------------------------


@pytest.mark.parametrize("id_", peers.ids("optax"))
def test_recorded_optax_values(id_):
    row = peers.case("optax", id_)
    sched = build(row["call"])
    assert isinstance(sched, lrs.Schedule)
    steps = np.asarray(row["steps"], np.int64)
    want = peers.values(row)
    got = values(sched, steps)
    # float32 holds nothing above 3.4e38 (optax's float64 has 1.6e41 for a rate that rises
    # without end_value; its float32 has inf): the rate stops at float32's largest number
    big = want > 3.4028234663852886e38
    assert np.all(got[big] == np.float32(3.4028235e38))
    _close(got[~big], want[~big])
    live = peers.live_values("optax", row)
    if live is not None:
        np.testing.assert_array_equal(live, want)


@pytest.mark.parametrize("id_", peers.ids("optax"))
def test_recorded_optax_values_under_x64(id_):
    row = peers.case("optax", id_)
    steps = np.asarray(row["steps"], np.int64)
    want = peers.values(row)
    with jax.enable_x64(True):
        got = np.asarray(build(row["call"])(steps), np.float64)
    keep = want <= 3.4028234663852886e38
    # optax's formula in float64 against ours in float64: the formula, exactly; optax divides
    # count / transition_steps where we take integer distances, so a few ulps apart
    _close(got[keep], want[keep], rtol=1e-10, atol=1e-300)


def test_where_optax_float32_is_wrong_ours_is_right():
    """optax's own float32 values (jitted, int32 count) are far from its float64 formula in
    the long tails; ours stay within 2e-6."""
    worst_optax = 0.0
    for id_ in peers.ids("optax"):
        row = peers.case("optax", id_)
        want = peers.values(row)
        f32 = peers.values(row, "values_f32")
        keep = (want > 1e-37) & (want < 3e38)
        with np.errstate(all="ignore"):
            rel = np.abs(f32[keep] - want[keep]) / want[keep]
        worst_optax = max(worst_optax, float(np.nanmax(rel, initial=0.0)))
        got = values(build(row["call"]), np.asarray(row["steps"])[keep])
        _close(got, want[keep])
    # optax's float32 reads a rate of the float64 formula as 0 (polynomial, 2**30 steps)
    assert worst_optax >= 1.0


# ---- optax's own unit tests ------------------------------------------------------------------

# a learning rate is >= 0 here, and steps are int32: these optax tests schedule a negative
# number or a length past 2**31 - 1, and are a ConfigError here (the module docstring says so)
REFUSED = {
    "optax/PiecewiseConstantTest.test_negative": "a learning rate must be finite and >= 0",
    "optax/WarmupCosineDecayTest.test_with_exponent": "a learning rate must be finite and >= 0",
    "optax/CosineDecayTest.test_with_giant_int_steps": "steps are int32 here",
}


@pytest.mark.parametrize("case", OPTAX_UNIT, ids=[c["id"] for c in OPTAX_UNIT])
def test_optax_unit_tests(case):
    if case["id"] in REFUSED:
        with pytest.raises(lrs.ConfigError, match=REFUSED[case["id"]]):
            build(case["call"])
        return
    if "raises" in case:
        with pytest.raises(getattr(builtins, case["raises"])):
            build(case["call"])
        return
    sched = build(case["call"])
    got = values(sched, case["steps"])
    np.testing.assert_allclose(
        got, case["expected"], rtol=max(case["rtol"], 1e-6), atol=case["atol"]
    )


# ---- the module is a table ------------------------------------------------------------------


def test_every_optax_schedule_function_is_here():
    assert sorted(lrs.optax.__all__) == sorted(
        [
            "constant_schedule",
            "cosine_decay_schedule",
            "cosine_onecycle_schedule",
            "exponential_decay",
            "join_schedules",
            "linear_onecycle_schedule",
            "linear_schedule",
            "piecewise_constant_schedule",
            "piecewise_interpolate_schedule",
            "polynomial_schedule",
            "sgdr_schedule",
            "warmup_constant_schedule",
            "warmup_cosine_decay_schedule",
            "warmup_exponential_decay_schedule",
        ]
    )


def test_signatures_and_defaults_are_optax():
    optax = pytest.importorskip("optax")
    for name in lrs.optax.__all__:
        ours = inspect.signature(getattr(lrs.optax, name)).parameters
        theirs = inspect.signature(getattr(optax.schedules, name)).parameters
        assert list(ours) == list(theirs), name
        for key, parameter in theirs.items():
            assert ours[key].default == parameter.default, (name, key)


def test_importing_the_module_imports_no_optax():
    code = (
        "import sys, lrschedules_jax as lrs; lrs.optax.constant_schedule; "
        "print('optax' in sys.modules, 'jax' in sys.modules)"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_every_translated_argument_is_a_known_word():
    """The arguments the module translates into one of our keys are in the words table."""
    for word in ("init_value", "peak_value", "end_value", "alpha", "transition_steps",
                 "transition_begin", "decay_steps", "staircase", "exponent"):  # fmt: skip
        assert word in KEY_WORDS, word


@pytest.mark.parametrize(
    "call",
    [
        {
            "function": "warmup_cosine_decay_schedule",
            "kwargs": {
                "init_value": 0.0,
                "peak_value": 1e-3,
                "warmup_steps": 100,
                "decay_steps": 1000,
                "end_value": 1e-5,
                "exponent": 2.0,
            },
        },
        {
            "function": "exponential_decay",
            "kwargs": {
                "init_value": 0.1,
                "transition_steps": 100,
                "decay_rate": 0.5,
                "transition_begin": 50,
                "staircase": True,
                "end_value": 1e-3,
            },
        },
        {
            "function": "linear_onecycle_schedule",
            "kwargs": {
                "transition_steps": 333,
                "peak_value": 0.1,
                "pct_start": 0.25,
                "pct_final": 0.9,
            },
        },
        {
            "function": "sgdr_schedule",
            "kwargs": {
                "cosine_kwargs": [
                    {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 100},
                    {"init_value": 0.0, "peak_value": 0.05, "warmup_steps": 10, "decay_steps": 200},
                ]
            },
        },
        {
            "function": "linear_schedule",
            "kwargs": {
                "init_value": 0.0,
                "end_value": 3e-4,
                "transition_steps": 100,
                "transition_begin": 7,
            },
        },
    ],
    ids=lambda c: c["function"],
)
def test_results_are_schedules_that_round_trip_stack_and_jit(call):
    sched = build(call)
    steps = np.asarray([0, 1, 50, 99, 100, 101, 333, 10**6, 2**31 - 1])
    config = sched.to_config()
    json.dumps(config)
    again = lrs.from_config(config, sched.num_steps)
    np.testing.assert_array_equal(np.asarray(again(steps)), np.asarray(sched(steps)))
    stacked = lrs.stack([sched, sched])  # another XLA program: equal to rounding
    np.testing.assert_allclose(np.asarray(stacked(steps))[1], np.asarray(sched(steps)), rtol=1e-6)
    jitted = jax.jit(lambda s, t: s(t))(sched, steps)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(sched(steps)), rtol=1e-6)


def test_join_keeps_optax_semantics_for_odd_boundaries():
    one, two, three = (lrs.optax.constant_schedule(v) for v in (1.0, 2.0, 3.0))
    # a boundary at 0: the first schedule is never used
    s = lrs.optax.join_schedules([one, two], [0])
    assert float(s(0)) == 2.0
    # a later, lower boundary wins: the middle schedule is never used
    s = lrs.optax.join_schedules([one, two, three], [10, 5])
    assert [float(s(k)) for k in (4, 5, 10, 20)] == [1.0, 3.0, 3.0, 3.0]
    # a negative boundary: that schedule from step 0, read at step + 5
    ramp = lrs.optax.linear_schedule(0.0, 1.0, transition_steps=10)
    s = lrs.optax.join_schedules([one, ramp], [-5])
    assert float(s(0)) == pytest.approx(0.5)
    with pytest.raises(TypeError, match=r"build optax's schedules with lrs\.optax"):
        lrs.optax.join_schedules([one, lambda step: 0.1], [3])


def test_negative_rates_are_refused_with_the_argument_named():
    with pytest.raises(lrs.ConfigError, match=r"optax.linear_schedule.end_value: a learning"):
        lrs.optax.linear_schedule(1.0, -1.0, 10)
    with pytest.raises(lrs.ConfigError, match=r"expects non-negative scale factors"):
        lrs.optax.piecewise_constant_schedule(1.0, {3: -0.5})


def test_the_module_is_reached_lazily():
    assert importlib.import_module("lrschedules_jax.optax") is lrs.optax
    assert "optax" in dir(lrs)


def test_every_function_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        for id_ in ("exponential_decay/rising-ceiling", "piecewise_interpolate_schedule/cosine",
                    "sgdr_schedule", "join_schedules/nested", "constant_schedule"):  # fmt: skip
            sched = build(peers.case("optax", id_)["call"])
            lrs.plot_schedule(sched, ax=ax, log=True)
        assert len(ax.lines) >= 5
    finally:
        plt.close(fig)

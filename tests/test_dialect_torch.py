"""``lrs.torch``: PyTorch's schedulers by name give torch's rates.

Compared with torch 2.13's values recorded in tests/data/peers/torch.json.gz (cases
``torch/``, ``values/``, ``compose/``; the optimizer's ``lr`` after ``t`` calls of
``scheduler.step()``) always, with torch itself when it is installed, with an independent
float64 transcription of torch's closed forms at large steps (up to ``2**31 - 1``), and with
torch's own unit tests (tests/data/peers/unit_tests.json, ``torch/...``) through this module.
"""

from __future__ import annotations

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

RTOL = 2e-6  # float32 evaluation against torch's float64
UNIT_TESTS = json.loads((peers.DATA / "unit_tests.json").read_text())["cases"]


def build(call):
    """The ``lrs.torch`` schedule of a recorded torch call."""
    kwargs = dict(call.get("kwargs", {}))
    lr = call.get("optimizer", {"lr": 1.0})["lr"]
    name = call["scheduler"]
    if name in ("SequentialLR", "ChainedScheduler"):
        inner = [{**s, "optimizer": call.get("optimizer")} for s in kwargs.pop("schedulers")]
        kwargs["schedulers"] = [build(s) for s in inner]
        return getattr(lrs.torch, name)(**kwargs)
    if name in ("OneCycleLR", "CyclicLR"):
        return getattr(lrs.torch, name)(lr=lr, **kwargs)
    return getattr(lrs.torch, name)(lr, **kwargs)


def one_cycle_end(call):
    """torch's OneCycleLR gives its mirrored value at step ``total_steps`` (documented)."""
    kw = call["kwargs"]
    return kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]


CASES = [
    i
    for prefix in ("torch/", "values/", "compose/")
    for i in peers.ids("torch", prefix)
    if not i.startswith("compose/sequence-of-sequences")  # torch's nested SequentialLR quirk
]


@pytest.mark.parametrize("case_id", CASES)
def test_recorded_torch_values(case_id):
    row = peers.case("torch", case_id)
    sched = build(row["call"])
    assert isinstance(sched, lrs.Schedule)
    steps = np.asarray(row["steps"])
    ours = np.asarray(sched(steps), np.float64)
    keep = np.ones(len(steps), bool)
    if row["call"]["scheduler"] == "OneCycleLR":
        keep = steps < one_cycle_end(row["call"])
    sources = [peers.values(row)]
    live = peers.live_values("torch", row)
    if live is not None:
        sources.append(live)
    for theirs in sources:
        np.testing.assert_allclose(ours[keep], theirs[keep], rtol=RTOL, atol=0, err_msg=case_id)


def test_one_cycle_at_total_steps_holds_the_minimum():
    """torch's last phase runs past its end at step ``total_steps`` (one step before it
    raises); the schedule stays at its minimum there, as documented."""
    row = peers.case("torch", "torch/OneCycleLR")
    sched = build(row["call"])
    recorded = dict(zip(row["steps"], row["values"], strict=True))
    assert recorded[1000] == pytest.approx(recorded[998], rel=1e-12)  # torch's mirrored value
    assert float(sched(1000)) == pytest.approx(0.04 / 1e4, rel=RTOL)
    assert float(sched(999)) == pytest.approx(recorded[999], rel=RTOL)


# ---- torch's closed forms in float64, at every step up to 2**31 - 1 ---------------------------


def closed_form(call, t):
    """torch's rate after ``t`` steps, from its documented closed forms (float64)."""
    name, kw = call["scheduler"], call["kwargs"]
    lr = call["optimizer"]["lr"]
    t = np.asarray(t, np.float64)
    if name == "StepLR":
        return lr * kw.get("gamma", 0.1) ** np.floor(t / kw["step_size"])
    if name == "ExponentialLR":
        return lr * kw["gamma"] ** t
    if name == "MultiStepLR":
        count = sum((t >= m).astype(float) for m in kw["milestones"])
        return lr * kw.get("gamma", 0.1) ** count
    if name == "ConstantLR":
        factor, n = kw.get("factor", 1 / 3), kw.get("total_iters", 5)
        return lr * np.where((t < n) | (n == 0), factor, 1.0)
    if name == "LinearLR":
        s, e, n = kw.get("start_factor", 1 / 3), kw.get("end_factor", 1.0), kw.get("total_iters", 5)
        return lr * (s + (e - s) * np.minimum(t, n) / n)
    if name == "PolynomialLR":
        n, p = kw.get("total_iters", 5), kw.get("power", 1.0)
        return lr * (1 - np.minimum(t, n) / n) ** p
    if name == "CosineAnnealingLR":
        e, n = kw.get("eta_min", 0.0), kw["T_max"]
        return e + (lr - e) * (1 + np.cos(np.pi * np.mod(t, 2 * n) / n)) / 2
    if name == "CosineAnnealingWarmRestarts":
        t0, m, e = kw["T_0"], kw.get("T_mult", 1), kw.get("eta_min", 0.0)
        if m == 1:
            i, cur, size = t // t0, np.mod(t, t0), np.full_like(t, t0)
        else:
            i = np.floor(np.log(t / t0 * (m - 1) + 1) / np.log(m))
            start = t0 * (m**i - 1) / (m - 1)
            fix = start > t  # the float log one cycle late or early: move to the exact cycle
            i = np.where(fix, i - 1, i)
            start = t0 * (m**i - 1) / (m - 1)
            nxt = t0 * (m ** (i + 1) - 1) / (m - 1)
            i = np.where(nxt <= t, i + 1, i)
            start = t0 * (m**i - 1) / (m - 1)
            cur, size = t - start, t0 * m**i
        return e + (lr - e) * (1 + np.cos(np.pi * cur / size)) / 2
    raise KeyError(name)


CLOSED = [
    i
    for i in peers.ids("torch", "torch/")
    if peers.case("torch", i)["call"]["scheduler"]
    in (
        "StepLR",
        "ExponentialLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "PolynomialLR",
        "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts",
    )
]
LARGE = np.asarray([0, 1, 999, 10**4 + 7, 123_456_789, 2**24 + 1, 2**30 + 3, 2**31 - 2, 2**31 - 1])


@pytest.mark.parametrize("case_id", CLOSED)
def test_large_steps_against_torch_closed_forms(case_id):
    row = peers.case("torch", case_id)
    steps = np.asarray(row["steps"])
    # the transcription is torch's: at every recorded step
    np.testing.assert_allclose(closed_form(row["call"], steps), peers.values(row), rtol=1e-9)
    sched = build(row["call"])
    with np.errstate(over="ignore"):
        want = closed_form(row["call"], LARGE)
    ours = np.asarray(sched(LARGE), np.float64)
    finite = np.isfinite(want) & (want < 3e38) & (want > 1e-30)
    np.testing.assert_allclose(ours[finite], want[finite], rtol=RTOL, atol=0, err_msg=case_id)
    assert np.all(ours[want == 0] == 0)
    assert np.all(ours[want > 3.4e38] == np.inf)  # a rising rate past float32's range


def test_closed_forms_at_large_steps_under_x64():
    row = peers.case("torch", "torch/CosineAnnealingLR-eta_min")
    code = (
        "import jax; jax.config.update('jax_enable_x64', True)\n"
        "import numpy as np, lrschedules_jax as lrs\n"
        "s = lrs.torch.CosineAnnealingLR(0.1, T_max=100, eta_min=0.001)\n"
        "print(float(s(2**31 - 1)), float(s(2**31 - 2)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = [float(x) for x in out.stdout.split()]
    want = closed_form(row["call"], [2**31 - 1, 2**31 - 2])
    np.testing.assert_allclose(got, want, rtol=1e-12)


# ---- torch's own unit tests ------------------------------------------------------------------

TORCH_UNIT = [c for c in UNIT_TESTS if c["peer"] == "torch"]


@pytest.mark.parametrize("case", TORCH_UNIT, ids=[c["id"] for c in TORCH_UNIT])
def test_torch_unit_tests(case):
    call = case["call"]
    if "raises" in case:
        with pytest.raises((lrs.ConfigError, TypeError)):
            build(call)
        return
    if call["scheduler"] == "ReduceLROnPlateau":
        got = plateau_rates(call, case["metrics"])
        assert np.all(np.abs(got - case["expected"]) <= case["atol"] + 1e-6), case["id"]
        return
    kwargs = call["kwargs"]
    momentum = "expected_momentum" in case and kwargs.get("cycle_momentum", True)
    if any(not 0 <= kwargs.get(k, 0.5) < 1 for k in ("base_momentum", "max_momentum")):
        # torch's tests use momenta of 1 to 22 (arithmetic only); a momentum must be in
        # [0, 1) here: the rates are checked without the momentum.
        call = {**call, "kwargs": {**kwargs, "cycle_momentum": False}}
        call["kwargs"].pop("base_momentum"), call["kwargs"].pop("max_momentum")
        momentum = False
    sched = build(call)
    steps = np.asarray(case["steps"])
    # torch's tolerance, plus float32's
    tol = case["atol"] + (case["rtol"] + RTOL) * np.abs(np.asarray(case["expected"]))
    got = np.asarray(sched(steps), np.float64)
    assert np.all(np.abs(got - case["expected"]) <= tol), case["id"]
    if momentum:
        mom = np.asarray(sched.momentum_schedule()(steps), np.float64)
        tol = case["atol"] + (case["rtol"] + RTOL) * np.abs(np.asarray(case["expected_momentum"]))
        assert np.all(np.abs(mom - case["expected_momentum"]) <= tol), case["id"]


# ---- what every function returns --------------------------------------------------------------


@pytest.mark.parametrize("case_id", [i for i in CASES if i.startswith("torch/")])
def test_a_schedule_rebuilds_stacks_and_plots(case_id):
    row = peers.case("torch", case_id)
    sched = build(row["call"])
    steps = np.asarray(row["steps"])
    again = lrs.from_config(sched.to_config(), sched.num_steps)
    np.testing.assert_array_equal(np.asarray(again(steps)), np.asarray(sched(steps)))
    stacked = lrs.stack([sched, sched])
    assert len(stacked) == 2
    # a stack evaluates with traced rates (float32 arithmetic): within float32's accuracy
    np.testing.assert_allclose(
        np.asarray(stacked(steps))[1], np.asarray(sched(steps)), rtol=RTOL, atol=0
    )


def test_sequential_warmup_becomes_the_phase_warmup():
    warm = lrs.torch.LinearLR(0.1, start_factor=0.01, total_iters=100)
    cos = lrs.torch.CosineAnnealingLR(0.1, T_max=900, eta_min=1e-5)
    sched = lrs.torch.SequentialLR([warm, cos], milestones=[100])
    assert sched.to_config() == {
        "type": "cosine",
        "scale_by_worker": "linear",
        "start_lr": 0.1,
        "stop_lr": 1e-5,
        "warmup_steps": 100,
        "warmup_start_factor": 0.01,
        "num_cycles": 0.5,
    }
    assert sched.num_steps == 1000


def test_chained_scheduler_of_rates_other_than_one():
    row = peers.case("torch", "compose/chained-constant-multistep-step")
    assert row["call"]["optimizer"]["lr"] != 1.0
    sched = build(row["call"])
    assert sched.type_name == "product"
    np.testing.assert_allclose(np.asarray(sched(row["steps"])), peers.values(row), rtol=RTOL)


def test_chained_cosine_with_eta_min_is_refused():
    with pytest.raises(lrs.ConfigError, match="eta_min"):
        lrs.torch.ChainedScheduler(
            [lrs.torch.StepLR(0.1, 10), lrs.torch.CosineAnnealingLR(0.1, 10, eta_min=1e-3)]
        )


def test_cyclic_scale_fn_is_refused():
    with pytest.raises(lrs.ConfigError, match="scale_fn"):
        lrs.torch.CyclicLR(base_lr=0.1, max_lr=1.0, scale_fn=lambda x: 1.0)


def test_arguments_are_checked_with_torch_names():
    with pytest.raises(lrs.ConfigError) as info:
        lrs.torch.LinearLR(0.1, start_factor=0.0, end_factor=2.0, total_iters=-1)
    text = str(info.value)
    for name in ("start_factor", "end_factor", "total_iters"):
        assert f"LinearLR.{name}" in text


# ---- ReduceLROnPlateau: the transformation ---------------------------------------------------


def plateau_rates(call, metrics):
    """The rate after each ``update(value=metric)`` of ``sgd(lr)`` chained with
    ``lrs.torch.ReduceLROnPlateau(lr, ...)``: ``lr * scale``."""
    import jax.numpy as jnp
    import optax

    lr = call["optimizer"]["lr"]
    tx = optax.chain(optax.sgd(lr), lrs.torch.ReduceLROnPlateau(lr, **call["kwargs"]))
    params = jnp.zeros(1)
    state = tx.init(params)
    rates = []
    for metric in metrics:
        _, state = tx.update(jnp.ones(1), state, params, value=metric)
        rates.append(lr * float(state[1].scale))
    return np.asarray(rates)


@pytest.mark.parametrize("case_id", [i for i in peers.ids("torch", "plateau/")])
def test_reduce_lr_on_plateau_gives_torch_rates(case_id):
    row = peers.case("torch", case_id)
    np.testing.assert_allclose(
        plateau_rates(row["call"], row["metrics"]), peers.values(row), rtol=1e-6
    )


# ---- the module is light -----------------------------------------------------------------------


def test_import_loads_neither_torch_nor_jax():
    code = (
        "import sys, lrschedules_jax as lrs\n"
        "lrs.torch\n"
        "print(sorted(m for m in ('torch', 'jax', 'optax') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_function_is_documented_and_listed():
    defined = [
        n
        for n in dir(lrs.torch)
        if not n.startswith("_")
        and getattr(getattr(lrs.torch, n), "__module__", "") == lrs.torch.__name__
    ]
    assert sorted(lrs.torch.__all__) == sorted(defined)
    for name in lrs.torch.__all__:
        doc = getattr(lrs.torch, name).__doc__
        assert "Returns:" in doc and "Examples:" in doc and "torch" in doc, name
    assert math.isfinite(float(lrs.torch.StepLR(0.1, 10)(10**9)))

"""``lrs.hf``: Hugging Face transformers' ``get_scheduler`` and ``get_*_schedule_with_warmup``,
against transformers.

Every recorded call of tests/data/peers/hf.json.gz (transformers 5.25, the LambdaLR's
multiplier to step 2**31 - 1) is replayed through ``lrs.hf.get_scheduler``: the schedule is
``lr * lambda(t)``; the metric-driven ``reduce_lr_on_plateau`` runs as the optax transformation.
With transformers installed, the same calls are replayed live. Hugging Face's own
``ScheduleInitTest`` (unit_tests.json) runs through ``lrs.hf`` with its names and numbers.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import peers
import pytest
from cases import values

import lrschedules_jax as lrs
from lrschedules_jax._dialects import KEY_WORDS, TYPE_WORDS, _norm

DTYPE_PROMOTION = "standard"  # optax's own code runs in the plateau replays (see conftest.py)
RTOL = 2e-6
# at the exact zeros of a wave Hugging Face's float64 cos of a large argument is ~1e-16 off 0
ATOL = 1e-12

UNIT = json.loads((peers.DATA / "unit_tests.json").read_text())
HF_UNIT = [c for c in UNIT["cases"] if c["peer"] == "transformers"]
LAMBDAS = [i for i in peers.ids("hf") if peers.case("hf", i)["kind"] == "lambda"]
METRICS = [i for i in peers.ids("hf") if peers.case("hf", i)["kind"] == "metric" and "plateau" in i]


def build(call):
    return lrs.hf.get_scheduler(
        call["name"],
        call["lr"],
        num_warmup_steps=call.get("num_warmup_steps"),
        num_training_steps=call.get("num_training_steps"),
        scheduler_specific_kwargs=call.get("scheduler_specific_kwargs"),
    )


@pytest.mark.parametrize("id_", LAMBDAS)
def test_recorded_hf_schedules(id_):
    row = peers.case("hf", id_)
    lr = row["call"]["lr"]
    sched = build(row["call"])
    assert isinstance(sched, lrs.Schedule)
    want = lr * peers.values(row)
    got = values(sched, row["steps"])
    raised = np.isnan(want)  # Hugging Face divides by zero there
    err = np.abs(got - want)
    bad = ~raised & (err > RTOL * np.abs(want) + ATOL * lr)
    if row["call"]["name"] == "cosine_warmup_with_min_lr" and not row["call"]["num_warmup_steps"]:
        # read one step ahead (t + 1): at t = 2**31 - 1 that step is past int32, and the
        # schedule gives the value of t + 1 = 2**31 - 1 (the module docstring says so)
        bad &= np.asarray(row["steps"]) < 2**31 - 1
    assert not bad.any(), (np.asarray(row["steps"])[bad][:3], got[bad][:3], want[bad][:3])
    if raised.any():  # polynomial with W == N at t = N: lr_end, the value of the next step
        end = row["call"]["scheduler_specific_kwargs"]["lr_end"]
        np.testing.assert_allclose(got[raised], end, rtol=RTOL)
    live = peers.live_values("hf", row)
    if live is not None:
        np.testing.assert_array_equal(live, peers.values(row))


@pytest.mark.parametrize("id_", METRICS)
def test_recorded_reduce_lr_on_plateau_is_the_transformation(id_):
    row = peers.case("hf", id_)
    lr = row["call"]["lr"]
    transform = build(row["call"])
    assert not isinstance(transform, lrs.Schedule)
    params = jnp.zeros(1)
    state = transform.init(params)
    rates = []
    for metric in row["metrics"]:
        _, state = transform.update(jnp.ones(1), state, params, value=jnp.float32(metric))
        rates.append(lr * float(state.scale))
    np.testing.assert_allclose(rates, peers.values(row), rtol=1e-6)
    chained = optax.chain(optax.sgd(lr), build(row["call"]))
    chained.init(params)  # it chains after an optimizer


def test_greedy_and_unknown_names():
    with pytest.raises(lrs.ConfigError, match=r"'greedy'.*has no equivalent here"):
        lrs.hf.get_scheduler("greedy", 1e-3)
    with pytest.raises(lrs.ConfigError, match="is not a valid SchedulerType"):
        lrs.hf.get_scheduler("cosine_annealing", 1e-3, num_warmup_steps=0)
    with pytest.raises(lrs.ConfigError, match="cosine requires `num_training_steps`"):
        lrs.hf.get_scheduler("cosine", 1e-3, num_warmup_steps=0)
    with pytest.raises(lrs.ConfigError, match="linear requires `num_warmup_steps`"):
        lrs.hf.get_scheduler("linear", 1e-3, num_training_steps=10)
    with pytest.raises(lrs.ConfigError, match=r"scheduler_specific_kwargs\.power: not an arg"):
        lrs.hf.get_scheduler(
            "cosine", 1e-3, num_warmup_steps=0, num_training_steps=10,
            scheduler_specific_kwargs={"power": 2.0},
        )  # fmt: skip


def test_the_enum_and_its_value_are_both_names():
    class SchedulerType:  # what transformers' enum member looks like
        value = "linear"

    a = lrs.hf.get_scheduler(SchedulerType(), 1.0, num_warmup_steps=2, num_training_steps=10)
    b = lrs.hf.get_scheduler("linear", 1.0, num_warmup_steps=2, num_training_steps=10)
    assert a == b


# ---- Hugging Face's own unit tests ----------------------------------------------------------


@pytest.mark.parametrize("case", HF_UNIT, ids=[c["id"] for c in HF_UNIT])
def test_hf_unit_tests(case):
    sched = build(case["call"])
    got = values(sched, case["steps"])
    np.testing.assert_allclose(got, case["expected"], rtol=case["rtol"], atol=case["atol"])


# ---- the get_* functions ----------------------------------------------------------------


FUNCTIONS = [n for n in lrs.hf.__all__ if n.startswith("get_") and n != "get_scheduler"]


def test_every_scheduler_type_and_function_is_here():
    assert set(lrs.hf.SCHEDULER_TYPES) == {
        "linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
        "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr",
        "cosine_warmup_with_min_lr", "warmup_stable_decay", "greedy",
    }  # fmt: skip
    assert {f for f in lrs.hf.SCHEDULER_TYPES.values() if f} == set(FUNCTIONS)


def test_signatures_are_hugging_faces_with_the_rate_for_the_optimizer():
    """Every function takes the rate first (where HF takes the optimizer) and every argument of
    the recorded calls by HF's name; where transformers is installed, exactly HF's parameters
    and defaults after the optimizer."""
    for name in FUNCTIONS:
        first = next(iter(inspect.signature(getattr(lrs.hf, name)).parameters))
        assert first == "learning_rate", name
    for id_ in peers.ids("hf"):
        call = peers.case("hf", id_)["call"]
        function = lrs.hf.SCHEDULER_TYPES.get(call.get("name"))
        if not function:
            continue
        params = inspect.signature(getattr(lrs.hf, function)).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            continue  # HF's get_reduce_on_plateau_schedule(optimizer, **kwargs): torch's names
        given = {k for k in ("num_warmup_steps", "num_training_steps") if call.get(k) is not None}
        given |= set(call.get("scheduler_specific_kwargs") or {})
        assert given <= set(params), (id_, given - set(params))
    if importlib.util.find_spec("transformers") is None:
        return
    transformers = importlib.import_module("transformers.optimization")
    for name in FUNCTIONS:
        ours = inspect.signature(getattr(lrs.hf, name)).parameters
        theirs = inspect.signature(getattr(transformers, name)).parameters
        assert list(ours)[1:] == list(theirs)[1:], name
        for key, parameter in list(theirs.items())[1:]:
            assert ours[key].default == parameter.default, (name, key)


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("get_linear_schedule_with_warmup", (3e-4, 100, 1000), {}),
        ("get_cosine_schedule_with_warmup", (3e-4, 100, 1000), {"num_cycles": 1.5}),
        (
            "get_cosine_with_hard_restarts_schedule_with_warmup",
            (3e-4, 100, 1000),
            {"num_cycles": 3},
        ),
        ("get_polynomial_decay_schedule_with_warmup", (3e-4, 100, 1000), {"power": 2.0}),
        ("get_inverse_sqrt_schedule", (3e-4, 100), {}),
        ("get_cosine_with_min_lr_schedule_with_warmup", (3e-4, 100, 1000), {"min_lr": 1e-5}),
        (
            "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
            (3e-4, 100, 1000),
            {"min_lr_rate": 0.1, "warmup_lr_rate": 0.1},
        ),
        ("get_wsd_schedule", (3e-4, 100, 200, 1000), {"min_lr_ratio": 0.0}),
        ("get_constant_schedule_with_warmup", (3e-4, 100), {}),
    ],
)
def test_functions_match_get_scheduler_and_are_schedules(name, args, kwargs):
    sched = getattr(lrs.hf, name)(*args, **kwargs)
    steps = np.asarray([0, 1, 99, 100, 101, 500, 999, 1000, 10**6, 2**31 - 1])
    config = sched.to_config()
    json.dumps(config)
    again = lrs.from_config(config, sched.num_steps)
    np.testing.assert_array_equal(np.asarray(again(steps)), np.asarray(sched(steps)))
    np.testing.assert_allclose(
        np.asarray(lrs.stack([sched, sched])(steps))[0], np.asarray(sched(steps)), rtol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(jax.jit(lambda s, t: s(t))(sched, steps)), np.asarray(sched(steps)), rtol=1e-6
    )
    resumed = getattr(lrs.hf, name)(*args, **kwargs, last_epoch=99)
    np.testing.assert_array_equal(
        np.asarray(resumed(steps[:5])), np.asarray(sched(steps[:5] + 100))
    )


def test_hf_edge_cases():
    # a warmup as long as the run: Hugging Face's max(1, N - W) makes the cosine a wave of
    # period 2 after it
    s = lrs.hf.get_scheduler("cosine", 1.0, num_warmup_steps=10, num_training_steps=10)
    assert [float(s(k)) for k in (9, 10, 11, 12)] == [pytest.approx(0.9), 1.0, 0.0, 1.0]
    s = lrs.hf.get_scheduler("linear", 1.0, num_warmup_steps=10, num_training_steps=5)
    assert [float(s(k)) for k in (9, 10, 11)] == [pytest.approx(0.9), 0.0, 0.0]
    # min_lr_ratio 0 decays to 0
    s = lrs.hf.get_wsd_schedule(1.0, 0, 10, num_training_steps=20, decay_type="linear")
    assert float(s(15)) == pytest.approx(0.5) and float(s(20)) == 0.0
    # no decay phase: the rate up to W + S - 1, min_lr_ratio from W + S on
    s = lrs.hf.get_wsd_schedule(1.0, 2, 0, num_stable_steps=5, min_lr_ratio=0.1)
    assert [round(float(s(k)), 6) for k in (1, 6, 7, 100)] == [0.55, 1.0, 0.1, 0.1]
    s = lrs.hf.get_wsd_schedule(1.0, 4, 0, num_stable_steps=0, min_lr_ratio=0.2)
    assert [round(float(s(k)), 6) for k in (0, 2, 3, 4)] == [0.2, 0.6, 0.8, 0.2]
    with pytest.raises(lrs.ConfigError, match="not supported here"):
        lrs.hf.get_wsd_schedule(1.0, 4, 0, num_stable_steps=0, warmup_type="cosine")
    with pytest.raises(lrs.ConfigError, match="only one of min_lr or min_lr_rate"):
        lrs.hf.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 10, min_lr=0.1, min_lr_rate=0.1)
    with pytest.raises(lrs.ConfigError, match="must be smaller than the rate"):
        lrs.hf.get_polynomial_decay_schedule_with_warmup(1e-7, 0, 10)


def test_importing_the_module_imports_no_torch_nor_transformers():
    code = (
        "import sys, lrschedules_jax as lrs; lrs.hf.get_scheduler; "
        "print(any(m in sys.modules for m in ('torch', 'transformers', 'optax', 'jax')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_words_table_knows_hugging_faces_names():
    for word in ("num_warmup_steps", "num_training_steps", "min_lr", "min_lr_rate",
                 "min_lr_ratio", "lr_end", "num_decay_steps", "warmup_lr_rate",
                 "learning_rate"):  # fmt: skip
        assert word in KEY_WORDS, word
    for name in lrs.hf.SCHEDULER_TYPES:
        if name in ("greedy", "reduce_lr_on_plateau") or name in lrs.config.config_types():
            continue
        assert _norm(name) in TYPE_WORDS, name


def test_every_scheduler_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        for name in lrs.hf.SCHEDULER_TYPES:
            if name in ("greedy", "reduce_lr_on_plateau"):
                continue
            kwargs = {
                "cosine_with_min_lr": {"min_lr_rate": 0.1},
                "cosine_warmup_with_min_lr": {"min_lr_rate": 0.1},
                "warmup_stable_decay": {"num_decay_steps": 100},
            }.get(name)
            sched = lrs.hf.get_scheduler(
                name, 1e-3, num_warmup_steps=50, num_training_steps=500,
                scheduler_specific_kwargs=kwargs,
            )  # fmt: skip
            lrs.plot_schedule(sched, ax=ax)
        assert len(ax.lines) >= 10
    finally:
        plt.close(fig)

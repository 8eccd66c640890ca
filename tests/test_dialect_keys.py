"""The peers' shapes as keys of our types: optax's cosine ``exponent``, Hugging Face's
``num_cycles`` (the cosine wave, the wsd cosine decay, the hard restarts).

The values are checked against the float64 references of tests/cases.py by the generic tests
(the examples appended there); here: the recorded peers' numbers and the rules of the new keys.
"""

from __future__ import annotations

import numpy as np
import peers
import pytest
from cases import assert_close, reference, values

import lrschedules_jax as lrs

# |ours - peer| <= 2e-6 |peer| + 1e-12 lr: at the exact zeros of a wave the peer's float64
# cosine of a large argument is itself ~1e-16 lr away from 0 (Hugging Face's cos(pi * 3.0)).
RTOL, ATOL = 2e-6, 1e-12


def _hf(id_):
    row = peers.case("hf", id_)
    call = row["call"]
    return row, call, call.get("scheduler_specific_kwargs", {})


@pytest.mark.parametrize("id_", peers.ids("hf", "cosine/") + peers.ids("hf", "cosine_with_min_lr"))
def test_cosine_num_cycles_is_hugging_face_cosine(id_):
    row, call, kw = _hf(id_)
    lr, w, n = call["lr"], call["num_warmup_steps"], call["num_training_steps"]
    stop = (
        {"stop_lr": kw["min_lr"]} if "min_lr" in kw else {"stop_lr_ratio": kw.get("min_lr_rate", 0)}
    )
    sched = lrs.cosine(
        start_lr=lr,
        **stop,
        warmup_steps=w,
        num_cycles=kw.get("num_cycles", 0.5),
        num_steps=max(n, w + 1),  # Hugging Face's max(1, N - W)
    )
    want = lr * peers.values(row)
    assert_close(values(sched, row["steps"]), want, RTOL, ATOL * lr)


# num_cycles 0 is a constant, which lrs.hf maps (tests/test_dialect_hf.py)
@pytest.mark.parametrize(
    "id_",
    [i for i in peers.ids("hf", "cosine_with_restarts") if _hf(i)[2].get("num_cycles", 1) != 0],
)
def test_cosine_restarts_num_cycles_is_hugging_face_hard_restarts(id_):
    row, call, kw = _hf(id_)
    cycles = kw.get("num_cycles", 1)
    lr, w, n = call["lr"], call["num_warmup_steps"], call["num_training_steps"]
    sched = lrs.cosine_restarts(
        start_lr=lr, stop_lr=0.0, warmup_steps=w, num_cycles=cycles, num_steps=n
    )
    assert_close(values(sched, row["steps"]), lr * peers.values(row), RTOL, ATOL * lr)


@pytest.mark.parametrize("id_", [i for i in peers.ids("hf", "warmup_stable_decay")])
def test_wsd_num_cycles_and_zero_are_hugging_face_wsd(id_):
    row, call, kw = _hf(id_)
    lr, w = call["lr"], call.get("num_warmup_steps", 0)
    d = kw["num_decay_steps"]
    stable = kw.get("num_stable_steps")
    n = w + stable + d if stable is not None else call["num_training_steps"]
    ratio = kw.get("min_lr_ratio", 0.0)
    sched = lrs.wsd(
        start_lr=lr,
        stop_lr_ratio=ratio,
        warmup_steps=w,
        warmup_start_factor=ratio,
        warmup_type=kw.get("warmup_type", "linear"),
        decay_type=kw.get("decay_type", "cosine"),
        decay_phase_steps=d,
        num_cycles=kw.get("num_cycles", 0.5),
        num_steps=n,
    )
    assert_close(values(sched, row["steps"]), lr * peers.values(row), RTOL, ATOL * lr)


@pytest.mark.parametrize(
    "id_",
    [
        "cosine_decay_schedule/exponent2",
        "cosine_decay_schedule/exponent0.5",
        "warmup_cosine_decay_schedule/end-exponent",
    ],
)
def test_cosine_exponent_is_optax(id_):
    row = peers.case("optax", id_)
    kw = row["call"]["kwargs"]
    if "peak_value" in kw:
        peak, w, n = kw["peak_value"], kw["warmup_steps"], kw["decay_steps"]
        start = {"warmup_steps": w, "warmup_start_factor": kw["init_value"] / peak}
        stop = {"stop_lr": kw.get("end_value", 0.0)}
    else:
        peak, n, start = kw["init_value"], kw["decay_steps"], {}
        stop = {"stop_lr_ratio": kw.get("alpha", 0.0)}
    sched = lrs.cosine(start_lr=peak, exponent=kw["exponent"], num_steps=n, **start, **stop)
    assert_close(values(sched, row["steps"]), peers.values(row), RTOL, 0.0)


def test_wave_keeps_relative_accuracy_at_its_zeros_far_past_the_end():
    # num_cycles 0.5 over T = 1000: a zero every 2000 steps, also near 2**31 - 1
    sched = lrs.cosine(start_lr=1.0, stop_lr=0.0, num_cycles=0.5, num_steps=1000)
    zero = (2**31 - 1) // 2000 * 2000 - 1000  # an odd multiple of T
    steps = np.arange(zero - 3, zero + 4)
    got = values(sched, steps)
    assert got[3] == 0.0
    assert_close(got, reference({"type": "cosine", **sched.to_config()}, 1000, steps))
    assert got[2] == got[4] == pytest.approx(np.sin(np.pi / 2000) ** 2, rel=1e-6)


@pytest.mark.parametrize(
    "keys, problem",
    [
        ({"num_cycles": 1 / 3 + 1e-9}, "must be a fraction p / q"),
        ({"num_cycles": 0.0}, "num_cycles: must be > 0"),
        ({"exponent": -1.0}, "exponent: must be > 0"),
        ({"num_cycles": 1.5, "warmup_steps": 0}, "needs m = q * T / gcd"),
    ],
)
def test_cosine_key_rules(keys, problem):
    n = 2**31 - 1 if "warmup_steps" in keys else 1000
    with pytest.raises(lrs.ConfigError, match=problem.replace("*", r"\*")):
        lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_steps=n, **keys)


def test_wsd_num_cycles_needs_the_cosine_decay():
    with pytest.raises(lrs.ConfigError, match="is used only by decay_type `cosine`"):
        lrs.wsd(start_lr=1e-3, stop_lr=1e-5, decay_type="linear", num_cycles=1.0, num_steps=100)


@pytest.mark.parametrize(
    "keys, key, problem",
    [
        ({}, "cycle_steps", "is required"),
        ({"cycle_steps": 10, "num_cycles": 2}, "num_cycles", "mutually exclusive"),
        ({"num_cycles": 2, "cycle_mult": 2}, "cycle_mult", "is not used with `num_cycles`"),
        ({"num_cycles": 2, "k_decay": 0.5}, "k_decay", "is not used with `num_cycles`"),
    ],
)
def test_cosine_restarts_num_cycles_rules(keys, key, problem):
    with pytest.raises(lrs.ConfigError) as info:
        lrs.cosine_restarts(start_lr=1e-3, stop_lr=0.0, num_steps=100, **keys)
    assert any(p.startswith(f"learning_rate.{key}: ") and problem in p for p in info.value.problems)


def test_new_keys_round_trip_and_are_extensions(tmp_path):
    sched = lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_cycles=2.5, exponent=2.0, num_steps=400)
    config = sched.to_config()
    assert config["num_cycles"] == 2.5 and config["exponent"] == 2.0
    assert lrs.from_config(config, 400) == sched
    assert "exponent" not in lrs.cosine(start_lr=1e-3, stop_lr=0.0, num_steps=4).to_config()
    schema = lrs.json_schema()
    text = str(schema)
    assert "x-extension" in text and "num_cycles" in text
    import json

    path = tmp_path / "input.json"
    section = {"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "num_cycles": 1.0}
    path.write_text(json.dumps({"learning_rate": section, "training": {"numb_steps": 10}}))
    with pytest.raises(lrs.ConfigError, match="the key `num_cycles` is an extension"):
        lrs.load_input(path)

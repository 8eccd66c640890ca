"""Every real DeePMD-kit input: what `dp train` (3.2) accepts, with the same curve.

The situations of DeePMD-kit's own examples, reproduced with inputs written for these tests:
a missing ``stop_lr`` (default 5e-8), ``numb_steps`` 0, the 0.x and 1.x formats, ``num_epoch``,
misspelled sections and enum values, and ``num_workers="auto"``. Values are compared with
float64 evaluations of DeePMD-kit's formulas written here.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
from pathlib import Path

import jax
import numpy as np
import pytest
from cases import DEEPMD_TYPES, worker_scale_of

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError, LegacyInputWarning, load_input, make_schedule
from lrschedules_jax._compat import convert_input, input_version
from lrschedules_jax.io import read_input

DATA = Path(__file__).parent / "data"
TOL = 2e-6  # float32
MODEL = {"type_map": ["O", "H"], "descriptor": {"type": "se_e2_a"}, "fitting_net": {}}


def write(tmp_path: Path, data: dict, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def values(schedule, steps) -> np.ndarray:
    return np.asarray(schedule(np.asarray(steps, dtype=np.int32)), dtype=np.float64)


def assert_close(got, want, tol=TOL):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    scale = np.where(want == 0, 1.0, np.abs(want))
    assert np.all(np.abs(got - want) <= tol * scale), (got, want)


# ---- 1. a missing stop_lr: DeePMD-kit 3.2's default 5e-8, with a warning -------------------


@pytest.mark.parametrize("type_name", DEEPMD_TYPES)
def test_missing_stop_lr_uses_deepmd_default_with_a_warning(type_name):
    section = {"type": type_name, "start_lr": 1e-3}
    before = copy.deepcopy(section)
    with pytest.warns(LegacyInputWarning) as record:
        sched = make_schedule(section, 1000)
    (warning,) = record
    message = str(warning.message)
    assert "learning_rate.stop_lr" in message and "5e-08" in message and '"stop_lr"' in message
    assert section == before  # never mutated
    if type_name != "exp":  # (the stepped exp ends on its last stair, above stop_lr)
        assert float(sched(1000)) == pytest.approx(5e-8, rel=TOL)
    if type_name == "cosine":  # stop + (start - stop) (1 + cos(pi t / T)) / 2
        t = np.array([0, 100, 500, 999])
        want = 5e-8 + (1e-3 - 5e-8) * 0.5 * (1 + np.cos(np.pi * t / 1000))
        assert_close(values(sched, t), want)


def test_strict_refuses_the_default_and_builders_are_strict():
    with pytest.raises(ConfigError) as info:
        make_schedule({"type": "wsd", "start_lr": 1e-3}, 100, strict=True)
    (line,) = info.value.problems
    assert line.startswith("learning_rate.stop_lr:") and "strict" in line
    with pytest.raises(ConfigError):
        lrs.cosine(start_lr=1e-3, num_steps=100)


def test_classic_types_still_need_their_stop_key():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ConfigError) as info:
            make_schedule({"type": "linear", "start_lr": 1e-3}, 100)
    assert "learning_rate.stop_lr" in info.value.problems[0]


def test_no_warning_when_the_input_is_invalid_anyway():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ConfigError):
            make_schedule({"start_lr": 1e-3, "decay_step": 10}, 100)


def test_no_stop_lr_file_exp_curve():
    section, n = load_input(DATA / "no_stop_lr.json")
    with pytest.warns(LegacyInputWarning, match="stop_lr"):
        sched = make_schedule(section, n)
    # decay_steps 5000 >= 2000 steps: replaced by 100 (2000 // 10 > 100); r = (5e-8/1e-2)^(100/2000)
    rate = math.exp(math.log(5e-8 / 1e-2) * 100 / 2000)
    t = np.array([0, 99, 100, 1000, 1999, 2000, 5000])
    want = np.maximum(1e-2 * rate ** (t // 100), 5e-8)
    assert_close(values(sched, t), want)


# ---- 2. numb_steps 0 -----------------------------------------------------------------------

ZERO = [  # DeePMD-kit's BaseLR with num_steps=0, and our decision for the classic types
    ("exp", {}, lambda t: 1e-3 + 0 * t),
    (
        "exp",
        {"decay_rate": 0.9, "decay_steps": 10},
        lambda t: np.maximum(1e-3 * 0.9 ** (t // 10), 1e-6),
    ),
    ("cosine", {}, lambda t: 1e-3 + 0 * t),
    ("wsd", {}, lambda t: 1e-6 + 0 * t),
    ("linear", {}, lambda t: 1e-3 + 0 * t),
    ("polynomial", {"power": 2.0}, lambda t: 1e-3 + 0 * t),
]


@pytest.mark.parametrize(("type_name", "extra", "want"), ZERO, ids=[f"{t}-{e}" for t, e, _ in ZERO])
def test_zero_steps_give_deepmd_values(type_name, extra, want):
    sched = make_schedule({"type": type_name, "start_lr": 1e-3, "stop_lr": 1e-6, **extra}, 0)
    t = np.array([0, 1, 9, 10, 25, 1000])
    assert_close(values(sched, t), want(t))


def test_zero_steps_rules():
    # warmup needs steps (DeePMD-kit: "warmup_steps must be 0 when num_steps is 0") ...
    with pytest.raises(ConfigError, match="warmup_steps"):
        make_schedule({"type": "cosine", "start_lr": 1e-3, "stop_lr": 0, "warmup_steps": 5}, 0)
    # ... but warmup_ratio gives int(ratio * 0) = 0; one_cycle needs >= 1, as torch does.
    make_schedule({"start_lr": 1e-3, "stop_lr": 1e-6, "warmup_ratio": 0.5}, 0)
    with pytest.raises(ConfigError) as info:
        make_schedule({"type": "one_cycle", "max_lr": 1e-2}, 0)
    assert info.value.problems[0].startswith("num_steps:")
    section, n = load_input(DATA / "zero_steps.json")
    assert n == 0 and float(make_schedule(section, n)(7)) == pytest.approx(1e-6, rel=TOL)


# ---- 3. the 0.x and 1.x formats --------------------------------------------------------------


def test_v0_input_converted_as_dp_train_does():
    with pytest.warns(LegacyInputWarning) as record:
        section, n = load_input(DATA / "v0_input.json")
    messages = [str(w.message) for w in record]
    assert any("0.x input format" in m for m in messages)
    assert any("decay_rate: 0.95 became stop_lr" in m for m in messages)
    stop = 0.005 * 0.95 ** (1_000_000 / 5000)
    assert n == 1_000_000
    assert section.keys() == {"type", "start_lr", "decay_steps", "stop_lr"}
    assert section["stop_lr"] == pytest.approx(stop, rel=1e-12)
    sched = make_schedule(section, n)
    t = np.array([0, 4999, 5000, 123_456, 999_999, 1_000_000])
    assert_close(values(sched, t), np.maximum(0.005 * 0.95 ** (t // 5000), stop))


def test_v1_decay_rate_replaces_stop_lr():
    with pytest.warns(LegacyInputWarning) as record:
        section, n = load_input(DATA / "v1_input.json")
    assert any("1.x input format" in str(w.message) for w in record)
    assert any("(replacing stop_lr=1e-08)" in str(w.message) for w in record)
    assert n == 400_000 and "decay_rate" not in section
    assert section["stop_lr"] == pytest.approx(1e-3 * 0.95 ** (400_000 / 5000), rel=1e-12)


def test_v2_keeps_decay_rate_and_conversion_never_mutates():
    data = {"model": MODEL, "learning_rate": {"start_lr": 1e-3, "decay_rate": 0.9}, "training": {}}
    before = copy.deepcopy(data)
    new, notes = convert_input(data)
    assert new == data and notes == [] and input_version(data) == 2
    v1 = {"model": MODEL, "learning_rate": {"start_lr": 1e-3, "decay_steps": 10, "decay_rate": 0.5}}
    v1["training"] = {"systems": ["x"], "stop_batch": 30}
    before = copy.deepcopy(v1)
    new, notes = convert_input(v1)
    assert v1 == before and new["learning_rate"]["stop_lr"] == pytest.approx(1e-3 * 0.5**3)
    assert len(notes) == 2


@pytest.mark.parametrize(
    ("training", "fragment"),
    [
        ({"systems": ["x"], "numb_steps": 100}, "training.stop_batch: is required"),
        ({"systems": ["x"], "training_data": {}, "stop_batch": 100}, "training_data"),
    ],
    ids=["decay_rate-without-stop_batch", "v1-and-v2-data"],
)
def test_v1_inputs_dp_train_cannot_convert(tmp_path, training, fragment):
    lr = {"start_lr": 1e-3, "decay_steps": 10, "decay_rate": 0.9}
    path = write(tmp_path, {"model": MODEL, "learning_rate": lr, "training": training})
    with pytest.raises(ConfigError) as info:
        load_input(path)
    assert fragment in str(info.value) and str(path) in str(info.value)


def test_strict_refuses_conversions_and_moved_warmup(tmp_path):
    with pytest.raises(ConfigError, match="Strict mode refuses"):
        load_input(DATA / "v0_input.json", strict=True)
    path = write(
        tmp_path,
        {
            "learning_rate": {"start_lr": 1e-3, "stop_lr": 0},
            "training": {"numb_steps": 9, "warmup_steps": 2},
        },
    )
    with pytest.raises(ConfigError, match=r"training\.warmup_steps: moved"):
        load_input(path, strict=True)


# ---- 4. num_epoch ----------------------------------------------------------------------------


def test_num_epoch_resolved_with_steps_per_epoch():
    _, n = load_input(DATA / "num_epoch.json", steps_per_epoch=1001)
    assert n == math.ceil(2.5 * 1001) == 2503
    with pytest.raises(ConfigError) as info:
        load_input(DATA / "num_epoch.json")
    (line,) = info.value.problems
    assert (
        "training.num_epoch" in line and "steps_per_epoch" in line and "--steps-per-epoch" in line
    )


@pytest.mark.parametrize(
    ("training", "spe", "want"),
    [
        (
            {"num_epoch": 1.1},
            50,
            56,
        ),  # float64 1.1 * 50 = 55.00000000000001: ceil 56, as DeePMD-kit
        ({"numb_epochs": 3}, 7, 21),
        ({"num_epochs": 0.5}, 1, 1),
    ],
)
def test_num_epoch_aliases_and_ceil(tmp_path, training, spe, want):
    path = write(
        tmp_path, {"model": MODEL, "learning_rate": {"start_lr": 1e-3}, "training": training}
    )
    assert load_input(path, steps_per_epoch=spe)[1] == want


MT = {"model_dict": {"a": MODEL, "b": MODEL}}
EPOCH_ERRORS = [
    ("steps-and-epoch", MODEL, {"numb_steps": 10, "num_epoch": 2}, "mutually exclusive"),
    ("epoch-zero", MODEL, {"num_epoch": 0}, "positive"),
    ("epoch-bool", MODEL, {"num_epoch": True}, "number of epochs"),
    ("multi-epoch", MT, {"num_epoch": 2}, "only for single-task"),
    (
        "multi-dict-and-steps",
        MT,
        {"num_epoch_dict": {"a": 1, "b": 1}, "numb_steps": 5},
        "exclusive",
    ),
    (
        "multi-dict-and-prob",
        MT,
        {"num_epoch_dict": {"a": 1, "b": 1}, "model_prob": {"a": 1}},
        "exclusive",
    ),
]


@pytest.mark.parametrize(
    ("model", "training", "fragment"),
    [c[1:] for c in EPOCH_ERRORS],
    ids=[c[0] for c in EPOCH_ERRORS],
)
def test_step_count_rules_of_deepmd(tmp_path, model, training, fragment):
    path = write(
        tmp_path, {"model": model, "learning_rate": {"start_lr": 1e-3}, "training": training}
    )
    with pytest.raises(ConfigError) as info:
        load_input(path, steps_per_epoch=10)
    assert fragment in str(info.value) and "training." in str(info.value)


def test_multi_task_epoch_dict(tmp_path):
    training = {"num_epoch_dict": {"a": 1.5, "b": 0.3}}
    path = write(tmp_path, {"model": MT, "learning_rate": {"start_lr": 1e-3}, "training": training})
    assert load_input(path, steps_per_epoch={"a": 1001, "b": 1001})[1] == math.ceil(1.8 * 1001)
    with pytest.raises(ConfigError, match="every branch"):
        load_input(path, steps_per_epoch=1001)
    steps = write(
        tmp_path,
        {"model": MT, "learning_rate": {"start_lr": 1e-3}, "training": {"numb_steps": 7}},
        "s.json",
    )
    assert load_input(steps)[1] == 7


# ---- 5. messages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            {"model": MODEL, "learning_rat": {"start_lr": 1e-3}, "training": {"numb_steps": 9}},
            "learning_rat: is not a DeePMD-kit section; did you mean `learning_rate`?",
        ),
        ({"learning_rat": {"start_lr": 1e-3}}, "did you mean `learning_rate`?"),
        (
            {"model": MODEL, "learning_rate": {"start_lr": 1e-3}, "trainning": {"numb_steps": 9}},
            "trainning: is not a DeePMD-kit section; did you mean `training`?",
        ),
        (
            {"start_lr": 1e-3, "trainin": {"numb_steps": 9}},
            "trainin: is not a DeePMD-kit section; did you mean `training`?",
        ),
    ],
    ids=["learning_rat", "learning_rat-alone", "trainning", "trainin-in-a-bare-file"],
)
def test_misspelled_sections(tmp_path, data, fragment):
    found = read_input(write(tmp_path, data))
    assert any(fragment in p for p in found.problems), found.problems


def test_misspelled_enum_value():
    with pytest.raises(ConfigError) as info:
        make_schedule({"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-6, "decay_type": "cosin"}, 10)
    assert info.value.problems == [
        "learning_rate.decay_type: must be one of 'inverse_linear', 'cosine', 'linear', "
        "'1-sqrt', 'power' or 'exponential'; got 'cosin'; did you mean `cosine`?"
    ]


# ---- 6. scale_by_worker and num_workers="auto" ----------------------------------------------


def test_auto_workers_scale_only_an_explicit_scale_by_worker(monkeypatch):
    monkeypatch.setattr(jax, "device_count", lambda: 4)
    base = {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5}
    copied_from_pytorch = make_schedule(base, 100, num_workers="auto")
    assert worker_scale_of(copied_from_pytorch) == 1.0
    assert float(copied_from_pytorch(0)) == pytest.approx(1e-3, rel=TOL)
    asked = make_schedule({**base, "scale_by_worker": "sqrt"}, 100, num_workers="auto")
    assert worker_scale_of(asked) == 2.0 and float(asked(0)) == pytest.approx(2e-3, rel=TOL)
    explicit = make_schedule(base, 100, num_workers=4)  # an explicit count: TensorFlow's rule
    assert float(explicit(0)) == pytest.approx(4e-3, rel=TOL)

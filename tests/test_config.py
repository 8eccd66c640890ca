"""The config layer (SPEC 5): every rule gives a ConfigError naming its key; nothing else escapes."""

import copy
import json

import numpy as np
import pytest

import lrschedules_jax as lrs
from lrschedules_jax.config import ConfigError

GOOD = {"start_lr": 1e-3, "stop_lr": 1e-5}

# (id, config, num_steps, key path that must be named, a fragment of the message)
BAD = [
    ("start-missing", {"stop_lr": 1e-5}, 100, "learning_rate.start_lr", "3.1.3"),
    ("start-zero", {**GOOD, "start_lr": 0.0}, 100, "learning_rate.start_lr", "> 0"),
    ("start-negative", {**GOOD, "start_lr": -1e-3}, 100, "learning_rate.start_lr", "> 0"),
    ("start-string", {**GOOD, "start_lr": "1e-3"}, 100, "learning_rate.start_lr", "number"),
    ("start-bool", {**GOOD, "start_lr": True}, 100, "learning_rate.start_lr", "number"),
    ("start-nan", {**GOOD, "start_lr": float("nan")}, 100, "learning_rate.start_lr", "finite"),
    ("start-inf", {**GOOD, "start_lr": float("inf")}, 100, "learning_rate.start_lr", "finite"),
    ("start-null", {**GOOD, "start_lr": None}, 100, "learning_rate.start_lr", "number"),
    ("start-list", {**GOOD, "start_lr": [1e-3]}, 100, "learning_rate.start_lr", "number"),
    (
        "stop-both",
        {**GOOD, "stop_lr_ratio": 0.01},
        100,
        "learning_rate.stop_lr_ratio",
        "precisely one",
    ),
    ("stop-negative", {**GOOD, "stop_lr": -1e-5}, 100, "learning_rate.stop_lr", ">= 0"),
    (
        "stop-above-start",
        {**GOOD, "stop_lr": 1e-2},
        100,
        "learning_rate.stop_lr",
        "at most `start_lr`",
    ),
    (
        "ratio-above-1",
        {"start_lr": 1e-3, "stop_lr_ratio": 1.5},
        100,
        "learning_rate.stop_lr_ratio",
        "<= 1",
    ),
    (
        "ratio-negative",
        {"start_lr": 1e-3, "stop_lr_ratio": -0.1},
        100,
        "learning_rate.stop_lr_ratio",
        ">= 0",
    ),
    (
        "ratio-string",
        {"start_lr": 1e-3, "stop_lr_ratio": "0.1"},
        100,
        "learning_rate.stop_lr_ratio",
        "number",
    ),
    (
        "wsd-stop-zero",
        {**GOOD, "type": "wsd", "stop_lr": 0.0},
        100,
        "learning_rate.stop_lr",
        "> 0 for `wsd`",
    ),
    (
        "wsd-ratio-zero",
        {"type": "wsd", "start_lr": 1e-3, "stop_lr_ratio": 0.0},
        100,
        "learning_rate.stop_lr_ratio",
        "> 0 for `wsd`",
    ),
    ("warmup-negative", {**GOOD, "warmup_steps": -1}, 100, "learning_rate.warmup_steps", ">= 0"),
    ("warmup-float", {**GOOD, "warmup_steps": 10.0}, 100, "learning_rate.warmup_steps", "integer"),
    ("warmup-bool", {**GOOD, "warmup_steps": True}, 100, "learning_rate.warmup_steps", "integer"),
    (
        "warmup-too-long",
        {**GOOD, "warmup_steps": 100},
        100,
        "learning_rate.warmup_steps",
        "smaller than `num_steps`",
    ),
    (
        "warmup-both",
        {**GOOD, "warmup_steps": 10, "warmup_ratio": 0.1},
        100,
        "learning_rate.warmup_ratio",
        "mutually exclusive",
    ),
    ("warmup-ratio-1", {**GOOD, "warmup_ratio": 1.0}, 100, "learning_rate.warmup_ratio", "< 1"),
    (
        "warmup-ratio-negative",
        {**GOOD, "warmup_ratio": -0.1},
        100,
        "learning_rate.warmup_ratio",
        ">= 0",
    ),
    (
        "factor-above-1",
        {**GOOD, "warmup_start_factor": 1.5},
        100,
        "learning_rate.warmup_start_factor",
        "<= 1",
    ),
    (
        "factor-negative",
        {**GOOD, "warmup_start_factor": -0.5},
        100,
        "learning_rate.warmup_start_factor",
        ">= 0",
    ),
    (
        "scale-unknown",
        {**GOOD, "scale_by_worker": "quadratic"},
        100,
        "learning_rate.scale_by_worker",
        "'linear'",
    ),
    (
        "scale-bool",
        {**GOOD, "scale_by_worker": True},
        100,
        "learning_rate.scale_by_worker",
        "'sqrt'",
    ),
    ("type-unknown", {**GOOD, "type": "cosin"}, 100, "learning_rate.type", "did you mean `cosine`"),
    ("type-not-string", {**GOOD, "type": 3}, 100, "learning_rate.type", "allowed"),
    (
        "key-unknown",
        {**GOOD, "decay_step": 100},
        100,
        "learning_rate.decay_step",
        "did you mean `decay_steps`",
    ),
    (
        "key-of-other-type",
        {**GOOD, "type": "cosine", "decay_steps": 100},
        100,
        "learning_rate.decay_steps",
        "not a key of type `cosine`",
    ),
    ("key-far-off", {**GOOD, "zzz": 1}, 100, "learning_rate.zzz", "allowed: "),
    ("decay-steps-zero", {**GOOD, "decay_steps": 0}, 100, "learning_rate.decay_steps", "> 0"),
    (
        "decay-steps-float",
        {**GOOD, "decay_steps": 5000.0},
        100,
        "learning_rate.decay_steps",
        "integer",
    ),
    (
        "decay-steps-string",
        {**GOOD, "decay_steps": "5000"},
        100,
        "learning_rate.decay_steps",
        "integer",
    ),
    ("decay-rate-zero", {**GOOD, "decay_rate": 0.0}, 100, "learning_rate.decay_rate", "> 0"),
    ("decay-rate-above-1", {**GOOD, "decay_rate": 1.01}, 100, "learning_rate.decay_rate", "<= 1"),
    ("smooth-int", {**GOOD, "smooth": 1}, 100, "learning_rate.smooth", "true or false"),
    ("smooth-string", {**GOOD, "smooth": "true"}, 100, "learning_rate.smooth", "true or false"),
    (
        "wsd-ratio-zero-phase",
        {**GOOD, "type": "wsd", "decay_phase_ratio": 0.0},
        100,
        "learning_rate.decay_phase_ratio",
        "> 0",
    ),
    (
        "wsd-ratio-above-1",
        {**GOOD, "type": "wsd", "decay_phase_ratio": 1.1},
        100,
        "learning_rate.decay_phase_ratio",
        "<= 1",
    ),
    (
        "wsd-decay-type",
        {**GOOD, "type": "wsd", "decay_type": "exp"},
        100,
        "learning_rate.decay_type",
        "'inverse_linear'",
    ),
    ("num-steps-negative", GOOD, -1, "num_steps", "[0, 2147483647]"),
    ("num-steps-float", GOOD, 100.0, "num_steps", "integer"),
    ("num-steps-bool", GOOD, True, "num_steps", "integer"),
    ("num-steps-string", GOOD, "100", "num_steps", "integer"),
    ("num-steps-none", GOOD, None, "num_steps", "integer"),
    ("num-steps-huge", GOOD, 2**31, "num_steps", "[0, 2147483647]"),
]


@pytest.mark.parametrize(
    ("config", "num_steps", "key", "fragment"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_input_names_the_key(config, num_steps, key, fragment):
    before = copy.deepcopy(config)
    with pytest.raises(ConfigError) as info:
        lrs.make_schedule(config, num_steps)
    lines = [p for p in info.value.problems if p.startswith(key + ":")]
    assert lines, info.value.problems
    assert any(fragment in line for line in lines), lines
    assert config == before  # never mutated
    with pytest.raises(ConfigError):
        lrs.validate(config, num_steps)


@pytest.mark.parametrize(
    ("workers", "fragment"),
    [
        (0, "got 0"),
        (-2, "got -2"),
        (1.5, "1.5 (float)"),
        (True, "True (bool)"),
        ("all", "'all' (str)"),
        (None, "None"),
    ],
)
def test_bad_num_workers(workers, fragment):
    with pytest.raises(ConfigError) as info:
        lrs.make_schedule(GOOD, 100, num_workers=workers)
    (line,) = info.value.problems
    assert line.startswith("num_workers:") and fragment in line and '"auto"' in line


@pytest.mark.parametrize("config", [None, [1, 2], "exp", 3.0, {1: 2}], ids=repr)
def test_not_a_mapping_or_garbage_keys(config):
    with pytest.raises(ConfigError) as info:
        lrs.make_schedule(config, 100)
    assert info.value.problems[-1].startswith("learning_rate")


def test_every_problem_at_once():
    config = {
        "type": "wsd",
        "start_lr": "x",
        "stop_lr": -1.0,
        "decay_phase_ratio": 2.0,
        "decay_type": "quadratic",
        "warmup_steps": 200,
        "extra_key": 1,
    }
    with pytest.raises(ConfigError) as info:
        lrs.make_schedule(config, 100, num_workers=0)
    keys = [p.split(":")[0] for p in info.value.problems]
    assert sorted(keys) == sorted(
        [
            "num_workers",
            "learning_rate.start_lr",
            "learning_rate.stop_lr",
            "learning_rate.decay_phase_ratio",
            "learning_rate.decay_type",
            "learning_rate.warmup_steps",
            "learning_rate.extra_key",
        ]
    )
    text = str(info.value)
    assert text.startswith("Invalid learning-rate configuration (7 problems):")


def test_config_error_is_a_value_error_and_carries_lines():
    with pytest.raises(ValueError, match=r"learning_rate\.start_lr: must be > 0; got -1\.0\."):
        lrs.make_schedule({**GOOD, "start_lr": -1.0}, 10)


def test_builders_validate_too():
    with pytest.raises(ConfigError, match=r"learning_rate\.decay_steps"):
        lrs.exp(start_lr=1e-3, stop_lr=1e-5, decay_steps=0, num_steps=100)
    with pytest.raises(ConfigError, match="num_steps"):
        lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=-1)


def test_integers_are_accepted_for_float_keys():
    sched = lrs.make_schedule({"type": "cosine", "start_lr": 1, "stop_lr": 0}, 10)
    assert float(sched(0)) == 1.0 and float(sched(10)) == 0.0


def test_type_defaults_to_exp_and_config_objects_are_accepted():
    cfg = lrs.validate(GOOD, 1000)
    assert cfg.type == "exp"
    assert lrs.make_schedule(cfg, 1000) == lrs.make_schedule(GOOD, 1000)


def test_warmup_ratio_zero_with_steps_zero_is_fine():
    assert lrs.validate({**GOOD, "warmup_steps": 0, "warmup_ratio": 0.0}, 100).warmup_steps == 0


def test_json_schema_lists_every_type_and_key():
    schema = lrs.json_schema()
    json.dumps(schema)  # serializable
    text = json.dumps(schema)
    for key in [
        "start_lr",
        "stop_lr_ratio",
        "warmup_start_factor",
        "decay_phase_ratio",
        "smooth",
        "scale_by_worker",
        "inverse_linear",
    ]:
        assert key in text
    titles = {d.get("title") for d in schema["$defs"].values()}
    assert {"ExpConfig", "CosineConfig", "WSDConfig"} <= titles


def test_numpy_integers_for_num_steps_and_num_workers():
    sched = lrs.make_schedule({**GOOD, "type": "cosine"}, np.int64(1000), num_workers=np.int32(4))
    assert type(sched.num_steps) is int and sched.num_steps == 1000
    assert type(sched.num_workers) is int and sched.num_workers == 4
    assert sched == lrs.make_schedule({**GOOD, "type": "cosine"}, 1000, num_workers=4)
    assert lrs.validate(GOOD, np.int64(1000)).decay_steps == 11


@pytest.mark.parametrize("workers", [np.array([1, 2]), np.bool_(True), 2.0], ids=repr)
def test_num_workers_arrays_and_lookalikes_are_refused(workers):
    with pytest.raises(ConfigError, match=r"num_workers: must be an integer"):
        lrs.make_schedule(GOOD, 100, num_workers=workers)

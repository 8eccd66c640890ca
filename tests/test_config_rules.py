"""The config layer: every rule of every type's keys gives a ConfigError that
names its key and says what is allowed; valid configs resolve their derived values.

The shared keys' rules run on every type that has the shared keys, from its base config in the
case table (``cases.TYPES[...].base``). The bad-input corpus (garbage of every kind in every key)
is test_bad_input.py.
"""

from __future__ import annotations

import copy
import inspect
import json
from typing import Any

import numpy as np
import pytest
from cases import (
    DEEPMD_TYPES,
    NO_STOP_TYPES,
    STOP_OPTIONAL_TYPES,
    STOP_REQUIRED_TYPES,
    TYPES,
    WARMUP_TYPES,
    N,
    assert_close,
    mark_steps,
    reference,
    values,
)
from pydantic_core import PydanticUndefined

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError
from lrschedules_jax.config import config_types

DROP = object()  # an override that removes the key
BASE: dict[str, dict[str, Any]] = {name: case.base for name, case in TYPES.items()}
GOOD = {"start_lr": 1e-3, "stop_lr": 1e-5}


def _properties() -> dict[str, dict[str, Any]]:
    """The JSON Schema's properties of every type."""
    return {
        d["properties"]["type"]["const"]: d["properties"]
        for d in lrs.json_schema()["$defs"].values()
        if "const" in d.get("properties", {}).get("type", {})
    }


PROPERTIES = _properties()


def problems_of(config: dict[str, Any], num_steps: Any = N) -> list[str]:
    with pytest.raises(lrs.ConfigError) as info:
        lrs.make_schedule(config, num_steps)
    return info.value.problems


def assert_problem(config: dict[str, Any], key: str, fragment: str, num_steps: Any = N):
    """Validation fails with a problem on ``key`` (a path such as ``learning_rate.<key>``, or
    a bare key of the section) that says ``fragment``; the input is never mutated and
    ``validate`` fails too."""
    path = key if key == "num_steps" or key.startswith("learning_rate") else f"learning_rate.{key}"
    before = copy.deepcopy(config)
    problems = problems_of(config, num_steps)
    on_key = [p for p in problems if p.startswith(f"{path}:")]
    assert on_key, problems
    assert any(fragment in p for p in on_key), on_key
    assert config == before  # never mutated
    with pytest.raises(ConfigError):
        lrs.validate(config, num_steps)


def with_(type_name: str, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    config = {k: v for k, v in BASE[type_name].items() if k not in drop}
    config = {**config, **changes}
    return {k: v for k, v in config.items() if v is not DROP}


@pytest.mark.parametrize("type_name", list(BASE))
def test_base_configs_are_valid(type_name):
    before = copy.deepcopy(BASE[type_name])
    sched = lrs.make_schedule(BASE[type_name], N)
    assert sched.type_name == type_name
    assert sched.to_config()["type"] == type_name
    assert float(sched(0)) > 0
    lrs.validate(BASE[type_name], N)
    assert BASE[type_name] == before  # never mutated


@pytest.mark.parametrize("type_name", WARMUP_TYPES)
def test_stop_kinds_of_the_types(type_name):
    """A type's stop keys are required, optional (a floor, 0 by default) or absent, and its
    section says which: a required one is refused when missing, an absent one when given."""
    bare = {k: v for k, v in BASE[type_name].items() if k not in ("stop_lr", "stop_lr_ratio")}
    if type_name in STOP_REQUIRED_TYPES:
        with pytest.raises(ConfigError, match=r"learning_rate\.stop_lr: "):
            lrs.make_schedule(bare, N, strict=True)
    elif type_name in STOP_OPTIONAL_TYPES:
        assert lrs.validate(bare, N).stop_lr == 0.0
    else:
        assert type_name in NO_STOP_TYPES
        with pytest.raises(ConfigError, match=r"learning_rate\.stop_lr: "):
            lrs.make_schedule({**bare, "stop_lr": 1e-6}, N)


# ---- shared keys, on every type that has them ----------------------------------------------------

# (id, overrides, key, fragment, only these types or None for all WARMUP_TYPES)
SHARED = [
    ("start-missing", {"start_lr": DROP}, "start_lr", "required since DeePMD-kit 3.1.3", None),
    ("start-zero", {"start_lr": 0.0}, "start_lr", "must be > 0", None),
    ("start-negative", {"start_lr": -1e-3}, "start_lr", "> 0", None),
    ("start-string", {"start_lr": "1e-3"}, "start_lr", "must be a number", None),
    ("start-bool", {"start_lr": True}, "start_lr", "number", None),
    ("start-nan", {"start_lr": float("nan")}, "start_lr", "finite", None),
    ("start-inf", {"start_lr": float("inf")}, "start_lr", "finite", None),
    ("start-null", {"start_lr": None}, "start_lr", "number", None),
    ("start-list", {"start_lr": [1e-3]}, "start_lr", "number", None),
    (  # exp, cosine and wsd get DeePMD-kit's stop_lr 5e-8 with a warning instead
        "stop-missing",
        {"stop_lr": DROP},
        "stop_lr",
        "is required for this type",
        [t for t in STOP_REQUIRED_TYPES if t not in DEEPMD_TYPES],
    ),
    (
        "stop-both",
        {"stop_lr": 1e-5, "stop_lr_ratio": 0.01},
        "stop_lr_ratio",
        "precisely one",
        STOP_REQUIRED_TYPES + STOP_OPTIONAL_TYPES,
    ),
    (
        "stop-negative",
        {"stop_lr": -1e-5},
        "stop_lr",
        ">= 0",
        STOP_REQUIRED_TYPES + STOP_OPTIONAL_TYPES,
    ),
    (
        "stop-above-start",
        {"stop_lr": 1e-2},
        "stop_lr",
        "at most `start_lr`",
        STOP_REQUIRED_TYPES + STOP_OPTIONAL_TYPES,
    ),
    (
        "ratio-above-1",
        {"stop_lr": DROP, "stop_lr_ratio": 1.5},
        "stop_lr_ratio",
        "<= 1",
        STOP_REQUIRED_TYPES + STOP_OPTIONAL_TYPES,
    ),
    (
        "ratio-negative",
        {"stop_lr": DROP, "stop_lr_ratio": -0.1},
        "stop_lr_ratio",
        ">= 0",
        STOP_REQUIRED_TYPES + STOP_OPTIONAL_TYPES,
    ),
    (
        "ratio-string",
        {"stop_lr": DROP, "stop_lr_ratio": "0.1"},
        "stop_lr_ratio",
        "number",
        STOP_REQUIRED_TYPES + STOP_OPTIONAL_TYPES,
    ),
    ("warmup-negative", {"warmup_steps": -1}, "warmup_steps", ">= 0", None),
    ("warmup-float", {"warmup_steps": 10.0}, "warmup_steps", "must be an integer", None),
    ("warmup-bool", {"warmup_steps": True}, "warmup_steps", "integer", None),
    ("warmup-too-long", {"warmup_steps": N}, "warmup_steps", "smaller than `num_steps`", None),
    (
        "warmup-both",
        {"warmup_steps": 10, "warmup_ratio": 0.1},
        "warmup_ratio",
        "mutually exclusive",
        None,
    ),
    ("warmup-ratio-1", {"warmup_ratio": 1.0}, "warmup_ratio", "< 1", None),
    ("warmup-ratio-negative", {"warmup_ratio": -0.1}, "warmup_ratio", ">= 0", None),
    ("factor-above-1", {"warmup_start_factor": 1.5}, "warmup_start_factor", "<= 1", None),
    ("factor-negative", {"warmup_start_factor": -0.5}, "warmup_start_factor", ">= 0", None),
    ("scale-unknown", {"scale_by_worker": "quadratic"}, "scale_by_worker", "'linear'", None),
    ("scale-cubic", {"scale_by_worker": "cubic"}, "scale_by_worker", "must be one of", None),
    ("scale-bool", {"scale_by_worker": True}, "scale_by_worker", "'sqrt'", None),
    (
        "unknown-key",
        {"decay_rate": 0.9},
        "decay_rate",
        "is not a key of type",
        [t for t in WARMUP_TYPES if "decay_rate" not in PROPERTIES[t]],
    ),
    ("key-far-off", {"zzz": 1}, "zzz", "allowed: ", None),
]
SHARED_CASES = [
    pytest.param(t, overrides, key, fragment, id=f"{t}-{name}")
    for name, overrides, key, fragment, only in SHARED
    for t in (WARMUP_TYPES if only is None else only)
]


@pytest.mark.parametrize(("type_name", "overrides", "key", "fragment"), SHARED_CASES)
def test_shared_key_rules(type_name, overrides, key, fragment):
    assert_problem(with_(type_name, **overrides), key, fragment)


@pytest.mark.parametrize("type_name", NO_STOP_TYPES)
@pytest.mark.parametrize("key, value", [("stop_lr", 1e-5), ("stop_lr_ratio", 0.01)])
def test_stop_keys_not_allowed(type_name, key, value):
    assert_problem(
        with_(type_name, **{key: value}), key, f"`{key}` is not a key of type `{type_name}`"
    )


def test_inverse_sqrt_stop_lr_is_optional_floor():
    assert lrs.validate(BASE["inverse_sqrt"], N).stop_lr == 0.0
    cfg = lrs.validate(with_("inverse_sqrt", stop_lr_ratio=0.01), N)
    assert cfg.stop_lr == pytest.approx(1e-5)
    assert cfg.stop_lr_ratio is None


# ---- the DeePMD types' own keys (exp is the default type) -------------------------------------

# (id, config, num_steps, key path that must be named, a fragment of the message)
DEEPMD_BAD = [
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
    ("config", "num_steps", "key", "fragment"),
    [c[1:] for c in DEEPMD_BAD],
    ids=[c[0] for c in DEEPMD_BAD],
)
def test_deepmd_bad_input_names_the_key(config, num_steps, key, fragment):
    assert_problem(config, key, fragment, num_steps)


# ---- the classic types' own keys ------------------------------------------------------------------------------

BAD = [
    # step
    ("step", {"step_size": None}, "step_size", "is required"),
    ("step", {"step_size": 0}, "step_size", "must be > 0"),
    ("step", {"step_size": -3}, "step_size", "must be > 0"),
    ("step", {"step_size": 2.5}, "step_size", "must be an integer"),
    ("step", {"step_size": True}, "step_size", "must be an integer"),
    ("step", {"step_size": "10"}, "step_size", "must be an integer"),
    ("step", {"step_size": 2**31}, "step_size", "<= 2147483647"),
    ("step", {"gamma": 0.0}, "gamma", "must be > 0"),
    ("step", {"gamma": -0.5}, "gamma", "must be > 0"),
    ("step", {"gamma": "0.1"}, "gamma", "must be a number"),
    ("step", {"gamma": True}, "gamma", "must be a number"),
    # multistep
    ("multistep", {"milestones": None}, "milestones", "is required"),
    ("multistep", {"milestones": []}, "milestones", "at least 1"),
    ("multistep", {"milestones": [0, 10]}, "milestones[0]", "must be > 0"),
    ("multistep", {"milestones": [10, -5]}, "milestones[1]", "must be > 0"),
    ("multistep", {"milestones": [200, 100]}, "milestones", "strictly increasing"),
    ("multistep", {"milestones": [100, 100]}, "milestones", "strictly increasing"),
    ("multistep", {"milestones": [1.5]}, "milestones[0]", "must be an integer"),
    ("multistep", {"milestones": [True]}, "milestones[0]", "must be an integer"),
    ("multistep", {"milestones": [2**31]}, "milestones[0]", "<= 2147483647"),
    ("multistep", {"milestones": 100}, "milestones", "list"),
    ("multistep", {"milestones": "100,200"}, "milestones", "list"),
    ("multistep", {"gamma": float("inf")}, "gamma", "finite"),
    # polynomial, linear
    ("polynomial", {"power": 0.0}, "power", "must be > 0"),
    ("polynomial", {"power": -1.0}, "power", "must be > 0"),
    ("polynomial", {"power": "2"}, "power", "must be a number"),
    ("polynomial", {"power": float("inf")}, "power", "finite"),
    ("linear", {"power": 2.0}, "power", "is not a key of type `linear`"),
    # inverse_sqrt
    ("inverse_sqrt", {"timescale": 0}, "timescale", "must be > 0"),
    ("inverse_sqrt", {"timescale": 1.5}, "timescale", "must be an integer"),
    ("inverse_sqrt", {"timescale": True}, "timescale", "must be an integer"),
    ("inverse_sqrt", {"timescale": 2**31}, "timescale", "<= 2147483647"),
    # cosine_restarts
    ("cosine_restarts", {"cycle_steps": None}, "cycle_steps", "is required"),
    ("cosine_restarts", {"cycle_steps": 0}, "cycle_steps", "must be > 0"),
    ("cosine_restarts", {"cycle_steps": 2.5}, "cycle_steps", "must be an integer"),
    ("cosine_restarts", {"cycle_mult": 0}, "cycle_mult", ">= 1"),
    ("cosine_restarts", {"cycle_mult": 1 + 1e-7}, "cycle_mult", "is too close to 1"),
    ("cosine_restarts", {"cycle_mult": True}, "cycle_mult", "must be a number"),
    ("cosine_restarts", {"cycle_decay": 0.0}, "cycle_decay", "must be > 0"),
    ("cosine_restarts", {"cycle_decay": 1.5}, "cycle_decay", "<= 1"),
    # one_cycle
    ("one_cycle", {"max_lr": None}, "max_lr", "is required"),
    ("one_cycle", {"max_lr": 0.0}, "max_lr", "must be > 0"),
    ("one_cycle", {"max_lr": "0.1"}, "max_lr", "must be a number"),
    ("one_cycle", {"pct_start": -0.1}, "pct_start", ">= 0"),
    ("one_cycle", {"pct_start": 1.1}, "pct_start", "<= 1"),
    ("one_cycle", {"pct_start": "0.3"}, "pct_start", "must be a number"),
    ("one_cycle", {"div_factor": 0.5}, "div_factor", ">= 1"),
    ("one_cycle", {"final_div_factor": 0.0}, "final_div_factor", ">= 1"),
    ("one_cycle", {"anneal_strategy": "cosine"}, "anneal_strategy", "must be one of"),
    ("one_cycle", {"three_phase": "yes"}, "three_phase", "must be true or false"),
    ("one_cycle", {"three_phase": 1}, "three_phase", "must be true or false"),
    (
        "one_cycle",
        {"three_phase": True, "pct_start": 0.6},
        "pct_start",
        "at most 0.5 with `three_phase`",
    ),
    ("one_cycle", {"start_lr": 1e-3}, "start_lr", "starts at `max_lr / div_factor`"),
    ("one_cycle", {"stop_lr": 1e-6}, "stop_lr", "final_div_factor"),
    ("one_cycle", {"stop_lr_ratio": 0.1}, "stop_lr_ratio", "final_div_factor"),
    ("one_cycle", {"warmup_steps": 10}, "warmup_steps", "warms up by itself"),
    ("one_cycle", {"warmup_ratio": 0.1}, "warmup_ratio", "`pct_start`"),
    ("one_cycle", {"warmup_start_factor": 0.1}, "warmup_start_factor", "`div_factor`"),
    ("one_cycle", {"step_size_up": 10}, "step_size_up", "is not a key of type `one_cycle`"),
    # cyclic
    ("cyclic", {"base_lr": None}, "base_lr", "is required"),
    ("cyclic", {"base_lr": -1e-4}, "base_lr", ">= 0"),
    ("cyclic", {"max_lr": None}, "max_lr", "is required"),
    ("cyclic", {"max_lr": 0.0}, "max_lr", "must be > 0"),
    ("cyclic", {"max_lr": 1e-5}, "max_lr", "at least `base_lr`"),
    ("cyclic", {"step_size_up": 0}, "step_size_up", "must be > 0"),
    ("cyclic", {"step_size_up": 1.5}, "step_size_up", "must be an integer"),
    ("cyclic", {"step_size_up": 2**31}, "step_size_up", "<= 2147483647"),
    ("cyclic", {"step_size_down": 0}, "step_size_down", "must be > 0"),
    ("cyclic", {"step_size_down": -1}, "step_size_down", "must be > 0"),
    ("cyclic", {"mode": "triangle"}, "mode", "must be one of"),
    ("cyclic", {"mode": "exp_range", "gamma": 0.0}, "gamma", "must be > 0"),
    ("cyclic", {"mode": "exp_range", "gamma": 1.5}, "gamma", "<= 1"),
    ("cyclic", {"gamma": 0.99}, "gamma", "used only by `mode` `exp_range`"),
    ("cyclic", {"start_lr": 1e-3}, "start_lr", "set `base_lr` and `max_lr`"),
    ("cyclic", {"stop_lr": 1e-5}, "stop_lr", "without an end rate"),
    ("cyclic", {"warmup_steps": 10}, "warmup_steps", "has no warmup"),
    ("cyclic", {"warmup_ratio": 0.1}, "warmup_ratio", "has no warmup"),
]


def _bad_id(case: tuple[str, dict[str, Any], str, str]) -> str:
    type_name, change, _, _ = case
    return f"{type_name}-" + "-".join(f"{k}={v!r}" for k, v in change.items())


@pytest.mark.parametrize("type_name, change, key, fragment", BAD, ids=[_bad_id(c) for c in BAD])
def test_bad_key(type_name, change, key, fragment):
    # None in this table means: the key is left out
    change = {k: DROP if v is None else v for k, v in change.items()}
    assert_problem(with_(type_name, **change), key, fragment)


def test_gamma_one_allowed_with_any_mode():
    """to_config() always writes gamma, so gamma 1.0 must round-trip for the triangular modes:
    the schedule built again is the same, with the triangular2 values."""
    config = with_("cyclic", gamma=1.0, mode="triangular2")
    sched = lrs.make_schedule(config, N)
    assert sched.to_config()["gamma"] == 1.0
    assert lrs.make_schedule(sched.to_config(), N) == sched
    steps = mark_steps(config, N, TYPES["cyclic"].marks)
    assert_close(values(sched, steps), reference(config, N, steps))


def test_three_phase_at_half_is_allowed():
    """pct_start 0.5 with three phases: the annealing phase has length 0, the values are
    torch's."""
    config = with_("one_cycle", three_phase=True, pct_start=0.5)
    sched = lrs.make_schedule(config, N)
    steps = mark_steps(config, N, TYPES["one_cycle"].marks)
    assert_close(values(sched, steps), reference(config, N, steps))


def test_milestones_tuple_accepted():
    sched = lrs.multistep(start_lr=1e-3, milestones=(10, 20), num_steps=N)
    assert sched.milestones == (10, 20)
    assert sched.to_config()["milestones"] == [10, 20]


def test_every_problem_listed_at_once():
    config = {"type": "step", "start_lr": -1.0, "step_size": 0, "gamma": 0.0, "stop_lr": 1.0}
    problems = problems_of(config)
    keys = sorted(p.split(":")[0] for p in problems)
    assert keys == [
        "learning_rate.gamma",
        "learning_rate.start_lr",
        "learning_rate.step_size",
        "learning_rate.stop_lr",
    ]


def test_num_steps_validated():
    assert any(p.startswith("num_steps:") for p in problems_of(BASE["one_cycle"], 0))
    assert any(p.startswith("num_steps:") for p in problems_of(BASE["cyclic"], 2.0))


def test_unknown_type_suggests_the_classic_name():
    problems = problems_of({"type": "one-cycle", "max_lr": 1e-2})
    assert "did you mean `one_cycle`?" in problems[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda: lrs.step(start_lr=1e-3, step_size=0, num_steps=N),
        lambda: lrs.multistep(start_lr=1e-3, milestones=[5, 5], num_steps=N),
        lambda: lrs.polynomial(start_lr=1e-3, num_steps=N),
        lambda: lrs.one_cycle(max_lr=1e-2, pct_start=2.0, num_steps=N),
        lambda: lrs.cyclic(base_lr=1e-2, max_lr=1e-3, num_steps=N),
        lambda: lrs.cosine_restarts(start_lr=1e-3, stop_lr=0.0, cycle_steps=0, num_steps=N),
    ],
    ids=["step", "multistep", "polynomial", "one_cycle", "cyclic", "cosine_restarts"],
)
def test_builders_raise_config_error(call):
    with pytest.raises(lrs.ConfigError):
        call()


# ---- resolved configs and the JSON Schema --------------------------------------------------------


def test_validate_resolves_derived_values():
    cyc = lrs.validate(with_("cyclic", step_size_up=7), N)
    assert cyc.step_size_down == 7
    poly = lrs.validate(with_("polynomial", drop=("stop_lr",), stop_lr_ratio=0.5), N)
    assert (poly.stop_lr, poly.stop_lr_ratio) == (5e-4, None)
    inv = lrs.validate(with_("inverse_sqrt", drop=("timescale",), warmup_ratio=0.25), 1000)
    assert (inv.warmup_steps, inv.timescale, inv.warmup_ratio) == (250, 250, None)


def test_json_schema_lists_the_classic_types_and_their_keys():
    schema = lrs.json_schema()
    models = {
        d["properties"]["type"]["const"]: d
        for d in schema["$defs"].values()
        if "type" in d.get("properties", {})
    }
    assert set(BASE) <= set(models)
    for type_name in NO_STOP_TYPES:
        assert "stop_lr" not in models[type_name]["properties"]
        assert "start_lr" in models[type_name]["properties"]
    assert "stop_lr" in models["polynomial"]["properties"]
    assert "start_lr" not in models["one_cycle"]["properties"]
    for type_name in BASE:
        for key, prop in models[type_name]["properties"].items():
            assert prop.get("description"), (type_name, key)


# ---- num_workers, mappings, messages, the JSON Schema ----------------------------------------


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


# --- the builders' signatures ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TYPES))
def test_builder_keys_and_defaults_equal_the_model(name):
    """Every type's builder takes its config keys as keyword-only arguments, with the model's
    defaults, and ``num_steps`` (required) and ``num_workers`` (1)."""
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

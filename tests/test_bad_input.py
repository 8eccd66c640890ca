"""The bad-input corpus: every invalid input raises ConfigError naming the key, nothing else.

Three tables, so that a new type only needs rows appended:

- ``BASES``: one valid config per type (its ``base`` in the case table, tests/cases.py); the
  generated cases perturb it.
- ``CASES``: hand-written cases, one per rule of the config layer and of every type's keys.
- generated cases: every key of every registered type (read from the config models) set to
  every kind of garbage (booleans, strings, None, lists, nested dicts, NaN/inf, huge ints).

Every case also checks that the input mapping is not mutated.
"""

from __future__ import annotations

import copy
import math
import types
import typing
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from cases import DEEPMD_TYPES, STOP_TYPES, TYPES, N
from cases import WARMUP_TYPES as ALL_WARMUP_TYPES

import lrschedules_jax as lr
from lrschedules_jax import ConfigError, make_schedule, validate
from lrschedules_jax.config import config_types

NAN, INF = float("nan"), float("inf")
DROP = object()  # an override that removes the key

# One valid config per type: its base in the case table (tests/cases.py).
BASES: dict[str, dict[str, Any]] = {name: case.base for name, case in TYPES.items()}
# The DeePMD types get every shared-key case below (key paths, no mutation, validate too). The
# shared-key messages of every type are in test_config_rules.py; for the classic types only the
# cases it does not cover (float32 rates, int32 bounds) are here.
WARMUP_TYPES = DEEPMD_TYPES
CLASSIC_WARMUP_TYPES = [t for t in ALL_WARMUP_TYPES if t not in DEEPMD_TYPES]
CLASSIC_STOP_TYPES = [t for t in STOP_TYPES if t not in DEEPMD_TYPES]


def _with(base: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    config = dict(base)
    for key, value in overrides.items():
        if value is DROP:
            config.pop(key, None)
        else:
            config[key] = value
    return config


# (id, type, overrides, num_steps, num_workers, key paths that must be reported)
CASES: list[tuple[str, str, dict[str, Any], Any, Any, list[str]]] = []


def case(
    id_: str,
    type_: str,
    overrides: dict[str, Any],
    paths: list[str],
    num_steps: Any = N,
    num_workers: Any = 1,
) -> None:
    CASES.append((id_, type_, overrides, num_steps, num_workers, paths))


# --- Shared keys, for every type that has them ------------------------------------------------
for t in WARMUP_TYPES:
    S, E = "learning_rate.start_lr", "learning_rate.stop_lr"
    case(f"{t}-start_lr-missing", t, {"start_lr": DROP}, [S])
    case(f"{t}-start_lr-zero", t, {"start_lr": 0.0, "stop_lr": 0.0}, [S])
    case(f"{t}-start_lr-negative", t, {"start_lr": -1e-3}, [S])
    case(f"{t}-start_lr-nan", t, {"start_lr": NAN}, [S])
    case(f"{t}-start_lr-inf", t, {"start_lr": INF}, [S])
    case(f"{t}-start_lr-string", t, {"start_lr": "1e-3"}, [S])
    case(f"{t}-start_lr-bool", t, {"start_lr": True}, [S])
    case(f"{t}-start_lr-above-float32", t, {"start_lr": 1e39, "stop_lr": 1.0}, [S])
    case(f"{t}-start_lr-overflows-with-workers", t, {"start_lr": 1e38}, [S], num_workers=8)
    case(f"{t}-start_lr-subnormal", t, {"start_lr": 1e-40, "stop_lr": 1e-40}, [S])
    if t not in ("exp", "cosine", "wsd"):  # these get DeePMD-kit's stop_lr 5e-8 (a warning)
        case(f"{t}-stop-missing", t, {"stop_lr": DROP}, [E])
    case(f"{t}-stop-both", t, {"stop_lr_ratio": 0.01}, ["learning_rate.stop_lr_ratio"])
    case(f"{t}-stop_lr-above-start", t, {"stop_lr": 1e-2}, [E])
    case(f"{t}-stop_lr-negative", t, {"stop_lr": -1e-5}, [E])
    case(f"{t}-stop_lr-subnormal", t, {"stop_lr": 1e-300}, [E])
    case(f"{t}-stop_lr-string", t, {"stop_lr": "0"}, [E])
    case(
        f"{t}-stop_lr_ratio-above-1",
        t,
        {"stop_lr": DROP, "stop_lr_ratio": 1.5},
        ["learning_rate.stop_lr_ratio"],
    )
    case(
        f"{t}-stop_lr_ratio-negative",
        t,
        {"stop_lr": DROP, "stop_lr_ratio": -0.1},
        ["learning_rate.stop_lr_ratio"],
    )
    case(
        f"{t}-stop_lr_ratio-gives-subnormal",
        t,
        {"start_lr": 1e-30, "stop_lr": DROP, "stop_lr_ratio": 1e-10, "decay_rate": 0.5}
        if t == "exp"
        else {"start_lr": 1e-30, "stop_lr": DROP, "stop_lr_ratio": 1e-10},
        ["learning_rate.stop_lr_ratio"],
    )
    W = "learning_rate.warmup_steps"
    case(f"{t}-warmup_steps-negative", t, {"warmup_steps": -1}, [W])
    case(f"{t}-warmup_steps-equals-num_steps", t, {"warmup_steps": N}, [W])
    case(f"{t}-warmup_steps-above-num_steps", t, {"warmup_steps": N + 1}, [W])
    case(f"{t}-warmup_steps-huge", t, {"warmup_steps": 10**30}, [W])
    case(f"{t}-warmup_steps-float", t, {"warmup_steps": 100.0}, [W])
    case(
        f"{t}-warmup-both",
        t,
        {"warmup_steps": 100, "warmup_ratio": 0.1},
        ["learning_rate.warmup_ratio"],
    )
    R = "learning_rate.warmup_ratio"
    case(f"{t}-warmup_ratio-one", t, {"warmup_ratio": 1.0}, [R])
    case(f"{t}-warmup_ratio-negative", t, {"warmup_ratio": -0.1}, [R])
    F = "learning_rate.warmup_start_factor"
    case(f"{t}-warmup_start_factor-above-1", t, {"warmup_start_factor": 1.5}, [F])
    case(f"{t}-warmup_start_factor-negative", t, {"warmup_start_factor": -0.5}, [F])
    B = "learning_rate.scale_by_worker"
    case(f"{t}-scale_by_worker-unknown", t, {"scale_by_worker": "quadratic"}, [B])
    case(f"{t}-scale_by_worker-case", t, {"scale_by_worker": "Linear"}, [B])
    case(f"{t}-unknown-key-typo", t, {"start_Lr": 1e-3}, ["learning_rate.start_Lr"])
    case(
        f"{t}-unknown-key-nested-input",
        t,
        {"learning_rate": {"start_lr": 1e-3}},
        ["learning_rate.learning_rate"],
    )
    case(
        f"{t}-every-problem-listed",
        t,
        {"start_lr": "x", "warmup_steps": -1, "bogus": 1},
        [S, W, "learning_rate.bogus"],
    )

# --- exp --------------------------------------------------------------------------------------
D, R = "learning_rate.decay_steps", "learning_rate.decay_rate"
case("exp-decay_steps-zero", "exp", {"decay_steps": 0}, [D])
case("exp-decay_steps-negative", "exp", {"decay_steps": -5}, [D])
case("exp-decay_steps-float", "exp", {"decay_steps": 5000.0}, [D])
case("exp-decay_steps-above-int32", "exp", {"decay_steps": 2**31, "decay_rate": 0.9}, [D])
case("exp-decay_rate-zero", "exp", {"decay_rate": 0.0}, [R])
case("exp-decay_rate-above-1", "exp", {"decay_rate": 1.5}, [R])
case("exp-decay_rate-negative", "exp", {"decay_rate": -0.5}, [R])
case("exp-smooth-int", "exp", {"smooth": 1}, ["learning_rate.smooth"])
case("exp-smooth-string", "exp", {"smooth": "true"}, ["learning_rate.smooth"])
case(
    "exp-derived-rate-would-rise",
    "exp",
    {"start_lr": 1e-12, "stop_lr": 0.0},
    ["learning_rate.start_lr"],
)
case("exp-typo-suggests", "exp", {"decay_step": 100}, ["learning_rate.decay_step"])
case("exp-default-type", "exp", {"type": DROP, "decay_steps": 0}, [D])

# --- cosine -----------------------------------------------------------------------------------
case("cosine-no-decay_steps", "cosine", {"decay_steps": 100}, ["learning_rate.decay_steps"])
case("cosine-no-smooth", "cosine", {"smooth": True}, ["learning_rate.smooth"])
case("cosine-no-decay_type", "cosine", {"decay_type": "linear"}, ["learning_rate.decay_type"])

# --- wsd --------------------------------------------------------------------------------------
P, Y = "learning_rate.decay_phase_ratio", "learning_rate.decay_type"
case("wsd-stop_lr-zero", "wsd", {"stop_lr": 0.0}, ["learning_rate.stop_lr"])
case(
    "wsd-stop_lr_ratio-zero",
    "wsd",
    {"stop_lr": DROP, "stop_lr_ratio": 0.0},
    ["learning_rate.stop_lr_ratio"],
)
case("wsd-decay_phase_ratio-zero", "wsd", {"decay_phase_ratio": 0.0}, [P])
case("wsd-decay_phase_ratio-above-1", "wsd", {"decay_phase_ratio": 1.5}, [P])
case("wsd-decay_phase_ratio-negative", "wsd", {"decay_phase_ratio": -0.1}, [P])
case("wsd-decay_type-unknown", "wsd", {"decay_type": "exp"}, [Y])
case("wsd-decay_type-case", "wsd", {"decay_type": "Cosine"}, [Y])
case("wsd-no-decay_steps", "wsd", {"decay_steps": 100}, ["learning_rate.decay_steps"])

# --- the other types with a warmup: float32 rates and int32 bounds -------------------------
S, E = "learning_rate.start_lr", "learning_rate.stop_lr"
for t in CLASSIC_WARMUP_TYPES:
    stop = {"stop_lr": 0.0} if "stop_lr" in BASES[t] else {}
    case(f"{t}-start_lr-above-float32", t, {"start_lr": 1e39}, [S])
    case(f"{t}-start_lr-overflows-with-workers", t, {"start_lr": 1e38}, [S], num_workers=8)
    case(f"{t}-start_lr-subnormal", t, {"start_lr": 1e-40, **stop}, [S])
for t in CLASSIC_STOP_TYPES:
    case(f"{t}-stop_lr-subnormal", t, {"stop_lr": 1e-300}, [E])
    case(
        f"{t}-stop_lr_ratio-gives-subnormal",
        t,
        {"start_lr": 1e-30, "stop_lr": DROP, "stop_lr_ratio": 1e-10},
        ["learning_rate.stop_lr_ratio"],
    )
M, B = "learning_rate.max_lr", "learning_rate.base_lr"
case("one_cycle-max_lr-above-float32", "one_cycle", {"max_lr": 1e39}, [M])
case("one_cycle-max_lr-overflows-with-workers", "one_cycle", {"max_lr": 1e38}, [M], num_workers=8)
case("one_cycle-max_lr-subnormal", "one_cycle", {"max_lr": 1e-40}, [M])
case("cyclic-max_lr-above-float32", "cyclic", {"max_lr": 1e39}, [M])
case(
    "cyclic-rates-overflow-with-workers",
    "cyclic",
    {"base_lr": 1e38, "max_lr": 1e38},
    [B, M],
    num_workers=8,
)
case("cyclic-base_lr-subnormal", "cyclic", {"base_lr": 1e-40}, [B])
case(
    "cyclic-step_size_down-above-int32",
    "cyclic",
    {"step_size_down": 2**31},
    ["learning_rate.step_size_down"],
)
C = "learning_rate.cycle_steps"
case("cosine_restarts-cycle_steps-above-int32", "cosine_restarts", {"cycle_steps": 2**31}, [C])
case(
    "cosine_restarts-cycle_mult-above-int32",
    "cosine_restarts",
    {"cycle_mult": 2**31},
    ["learning_rate.cycle_mult"],
)

# --- type -------------------------------------------------------------------------------------
for value in ["Exp", "cosin", "", "step_lr", 1, 1.5, None, True, ["exp"], {"exp": 1}]:
    case(f"type-{value!r}", "exp", {"type": value}, ["learning_rate.type"])

# --- num_steps and num_workers ----------------------------------------------------------------
for value in [-1, 2**31, 10**30, 1.5, 1000.0, NAN, "1000", True, False, None, [1000]]:
    case(f"num_steps-{value!r}", "exp", {}, ["num_steps"], num_steps=value)
for value in [0, -1, 2**31, 10**30, 1.5, 2.0, INF, "2", "AUTO", True, False, None, [2]]:
    case(f"num_workers-{value!r}", "exp", {}, ["num_workers"], num_workers=value)


def _problems(exc: ConfigError) -> list[str]:
    assert isinstance(exc, ValueError)
    assert exc.problems, "a ConfigError lists at least one problem"
    for problem in exc.problems:
        assert problem in str(exc)
    return exc.problems


def _assert_names(exc: ConfigError, paths: list[str]) -> None:
    problems = _problems(exc)
    for path in paths:
        # a block key (cooldown) reports the problem on its nested key path
        prefixes = (f"{path}:", f"{path}[", f"{path}.")
        assert any(p.startswith(prefixes) for p in problems), (path, problems)


def _same(a: Any, b: Any) -> bool:
    """Deep equality where NaN equals NaN and types must match."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _check(config: Any, num_steps: Any, num_workers: Any, paths: list[str]) -> None:
    before = _snapshot(config)
    with pytest.raises(ConfigError) as info:
        make_schedule(config, num_steps, num_workers=num_workers)
    _assert_names(info.value, paths)
    assert _same(_snapshot(config), before), "make_schedule mutated its input"
    if type(num_workers) is int and num_workers == 1:  # validate() has no num_workers
        with pytest.raises(ConfigError) as info:
            validate(config, num_steps)
        _assert_names(info.value, paths)
        assert _same(_snapshot(config), before), "validate mutated its input"


def _snapshot(config: Any) -> Any:
    if isinstance(config, types.MappingProxyType):  # cannot be deep-copied itself
        return copy.deepcopy(dict(config))
    return copy.deepcopy(config)


def test_bases_are_valid():
    for type_, base in BASES.items():
        before = copy.deepcopy(base)
        sched = make_schedule(base, N)
        assert sched.type_name == type_
        assert base == before


def test_corpus_covers_every_type_and_is_large():
    assert set(BASES) == set(config_types()), "add a base config for every registered type"
    assert len(CASES) + len(GARBAGE) >= 60


@pytest.mark.parametrize(
    ("type_", "overrides", "num_steps", "num_workers", "paths"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_case(type_, overrides, num_steps, num_workers, paths):
    _check(_with(BASES[type_], **overrides), num_steps, num_workers, paths)


# --- Derived rates and exponents must stay float32 numbers ---------------------------------
case(
    "one_cycle-lowest-rate-subnormal",
    "one_cycle",
    {"max_lr": 1e-30, "div_factor": 1e10, "final_div_factor": 1e10},
    ["learning_rate.max_lr"],
)
case(
    "one_cycle-div_factor-above-float32",
    "one_cycle",
    {"div_factor": 1e300},
    ["learning_rate.div_factor"],
)
case(
    "one_cycle-final_div_factor-above-float32",
    "one_cycle",
    {"final_div_factor": 1e300},
    ["learning_rate.final_div_factor"],
)
case("polynomial-power-above-float32", "polynomial", {"power": 1e300}, ["learning_rate.power"])


# --- Generated: every key of every type set to every kind of garbage ---------------------------


def _annotation_args(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(annotation)
    return (annotation,)


def _accepts(annotation: Any, value: Any) -> bool:
    """Whether a value of garbage happens to be valid for a key of this annotation."""
    args = _annotation_args(annotation)
    if value is None:
        return type(None) in args
    if isinstance(value, bool):
        return bool in args
    return False


GARBAGE_VALUES = {
    "true": True,
    "false": False,
    "none": None,
    "string": "abc",
    "numeric-string": "0.5",
    "list": [0.5],
    "empty-dict": {},
    "nested-dict": {"value": {"nested": 0.5}},
    "nan": NAN,
    "inf": INF,
    "-inf": -INF,
    "huge-int": 10**400,
    "bytes": b"0.5",
}

GARBAGE = [
    pytest.param(type_, key, value, id=f"{type_}-{key}-{name}")
    for type_, model in sorted(config_types().items())
    for key, field in model.model_fields.items()
    if key != "type"
    for name, value in GARBAGE_VALUES.items()
    if not _accepts(field.annotation, value)
]


@pytest.mark.parametrize(("type_", "key", "value"), GARBAGE)
def test_garbage_value(type_, key, value):
    config = {**BASES[type_], key: value}
    if key == "stop_lr_ratio":  # garbage in the ratio, not "both stop keys given"
        config.pop("stop_lr", None)
    _check(config, N, 1, [f"learning_rate.{key}"])


@pytest.mark.parametrize(
    "config",
    [
        None,
        [],
        [("start_lr", 1e-3)],
        "exp",
        '{"start_lr": 1e-3}',
        1e-3,
        1,
        True,
        b"start_lr",
        {"start_lr", "stop_lr"},
        ({"start_lr": 1e-3},),
    ],
    ids=[
        "None",
        "empty-list",
        "list-of-pairs",
        "string",
        "json-string",
        "float",
        "int",
        "bool",
        "bytes",
        "set",
        "tuple-of-dict",
    ],
)
def test_config_not_a_mapping(config):
    _check(config, N, 1, ["learning_rate"])


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({1: 2}, "learning_rate.1"),
        ({None: 2}, "learning_rate.None"),
        ({("start_lr",): 2}, "learning_rate.('start_lr',)"),
        ({1.5: 2}, "learning_rate.1.5"),
        ({True: 2}, "learning_rate.True"),
    ],
    ids=["int", "None", "tuple", "float", "bool"],
)
def test_non_string_keys(extra, path):
    config = {**BASES["exp"], **extra}
    _check(config, N, 1, [path])


def test_garbage_everywhere_reports_every_key():
    fields = config_types()["exp"].model_fields
    config = {key: True for key in fields if key != "type"}
    paths = [f"learning_rate.{key}" for key in config if fields[key].annotation is not bool]
    _check(config, True, 1, ["num_steps", *paths])


@pytest.mark.parametrize(
    "config",
    [
        OrderedDict(BASES["exp"], warmup_steps=-1),
        types.MappingProxyType({**BASES["cosine"], "warmup_steps": -1}),
    ],
    ids=["OrderedDict", "MappingProxyType"],
)
def test_other_mappings(config):
    _check(config, N, 1, ["learning_rate.warmup_steps"])


def test_numpy_nan():
    # np.float64 is a float subclass: it passes the type check and must still be caught.
    _check({**BASES["exp"], "start_lr": np.float64(NAN)}, N, 1, ["learning_rate.start_lr"])


@pytest.mark.parametrize(
    ("builder", "kwargs", "path"),
    [
        (lr.exp, {"start_lr": "1e-3", "stop_lr": 1e-5}, "learning_rate.start_lr"),
        (
            lr.exp,
            {"start_lr": 1e-3, "stop_lr": 1e-5, "decay_steps": 0},
            "learning_rate.decay_steps",
        ),
        (lr.cosine, {"start_lr": 1e-3}, "learning_rate.stop_lr"),
        (lr.cosine, {"start_lr": 1e-3, "stop_lr": NAN}, "learning_rate.stop_lr"),
        (lr.wsd, {"start_lr": 1e-3, "stop_lr": 0.0}, "learning_rate.stop_lr"),
        (
            lr.wsd,
            {"start_lr": 1e-3, "stop_lr": 1e-5, "decay_type": 1},
            "learning_rate.decay_type",
        ),
    ],
    ids=[
        "exp-start",
        "exp-decay_steps",
        "cosine-no-stop",
        "cosine-nan",
        "wsd-zero",
        "wsd-int-type",
    ],
)
def test_builders(builder, kwargs, path):
    before = copy.deepcopy(kwargs)
    with pytest.raises(ConfigError) as info:
        builder(num_steps=N, **kwargs)
    _assert_names(info.value, [path])
    assert _same(kwargs, before)


@pytest.mark.parametrize("num_steps", [-1, 1.5, "10", None, True], ids=repr)
def test_builders_check_num_steps(num_steps):
    with pytest.raises(ConfigError) as info:
        lr.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=num_steps)
    _assert_names(info.value, ["num_steps"])


def test_messages_say_how_to_fix():
    with pytest.raises(ConfigError) as info:
        make_schedule({"start_lr": 1e-3}, N, strict=True)
    assert "stop_lr_ratio" in str(info.value) and "strict" in str(info.value)
    with pytest.raises(ConfigError) as info:
        make_schedule({**BASES["exp"], "decay_step": 100}, N)
    assert "did you mean `decay_steps`" in str(info.value)
    with pytest.raises(ConfigError) as info:
        make_schedule({**BASES["exp"], "type": "cosin"}, N)
    assert "did you mean `cosine`" in str(info.value)

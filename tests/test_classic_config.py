"""Bad input for the classic types (SPEC 3 and 5): every rule is a ConfigError naming its key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import lrschedules_jax as lrs

N = 1000

BASE: dict[str, dict[str, Any]] = {
    "constant": {"type": "constant", "start_lr": 1e-3},
    "step": {"type": "step", "start_lr": 1e-3, "step_size": 100},
    "multistep": {"type": "multistep", "start_lr": 1e-3, "milestones": [100, 200]},
    "polynomial": {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 1e-5},
    "linear": {"type": "linear", "start_lr": 1e-3, "stop_lr": 1e-5},
    "inverse_sqrt": {"type": "inverse_sqrt", "start_lr": 1e-3},
    "cosine_restarts": {
        "type": "cosine_restarts",
        "start_lr": 1e-3,
        "stop_lr": 1e-5,
        "cycle_steps": 100,
    },
    "one_cycle": {"type": "one_cycle", "max_lr": 1e-2},
    "cyclic": {"type": "cyclic", "base_lr": 1e-4, "max_lr": 1e-3},
}
WARMUP_TYPES = [t for t in BASE if t not in ("one_cycle", "cyclic")]
NO_STOP_TYPES = ["constant", "step", "multistep"]
STOP_REQUIRED_TYPES = ["polynomial", "linear", "cosine_restarts"]


def problems_of(config: dict[str, Any], num_steps: Any = N) -> list[str]:
    with pytest.raises(lrs.ConfigError) as info:
        lrs.make_schedule(config, num_steps)
    return info.value.problems


def assert_problem(config: dict[str, Any], key: str, fragment: str, num_steps: Any = N):
    """Validation fails with a problem on ``learning_rate.<key>`` that says ``fragment``."""
    problems = problems_of(config, num_steps)
    on_key = [p for p in problems if p.startswith(f"learning_rate.{key}:")]
    assert on_key, problems
    assert any(fragment in p for p in on_key), on_key


def with_(type_name: str, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    config = {k: v for k, v in BASE[type_name].items() if k not in drop}
    return {**config, **changes}


@pytest.mark.parametrize("type_name", list(BASE))
def test_base_configs_are_valid(type_name):
    sched = lrs.make_schedule(BASE[type_name], N)
    assert sched.type_name == type_name
    assert float(sched(0)) > 0


@pytest.mark.parametrize("type_name", list(BASE))
def test_input_mapping_never_mutated(type_name):
    config = copy.deepcopy(BASE[type_name])
    lrs.validate(config, N)
    lrs.make_schedule(config, N)
    assert config == BASE[type_name]


# ---- shared keys ---------------------------------------------------------------------------------

SHARED_BAD = [
    ("start_lr-missing", {"start_lr": None}, "start_lr", "required since DeePMD-kit 3.1.3"),
    ("start_lr-zero", {"start_lr": 0.0}, "start_lr", "must be > 0"),
    ("start_lr-string", {"start_lr": "1e-3"}, "start_lr", "must be a number"),
    ("start_lr-nan", {"start_lr": float("nan")}, "start_lr", "finite"),
    ("warmup_steps-too-long", {"warmup_steps": N}, "warmup_steps", "smaller than `num_steps`"),
    ("warmup_steps-float", {"warmup_steps": 10.0}, "warmup_steps", "must be an integer"),
    ("warmup_steps-negative", {"warmup_steps": -1}, "warmup_steps", ">= 0"),
    ("warmup_ratio-one", {"warmup_ratio": 1.0}, "warmup_ratio", "< 1"),
    (
        "warmup-both",
        {"warmup_steps": 10, "warmup_ratio": 0.1},
        "warmup_ratio",
        "mutually exclusive",
    ),
    ("warmup_start_factor-big", {"warmup_start_factor": 1.5}, "warmup_start_factor", "<= 1"),
    ("scale_by_worker-bad", {"scale_by_worker": "cubic"}, "scale_by_worker", "must be one of"),
    ("unknown-key", {"decay_rate": 0.9}, "decay_rate", "is not a key of type"),
]


@pytest.mark.parametrize("type_name", WARMUP_TYPES)
@pytest.mark.parametrize(
    "change, key, fragment", [c[1:] for c in SHARED_BAD], ids=[c[0] for c in SHARED_BAD]
)
def test_shared_key_rules(type_name, change, key, fragment):
    config = with_(type_name, **change)
    config = {k: v for k, v in config.items() if v is not None}
    assert_problem(config, key, fragment)


@pytest.mark.parametrize("type_name", NO_STOP_TYPES)
@pytest.mark.parametrize("key, value", [("stop_lr", 1e-5), ("stop_lr_ratio", 0.01)])
def test_stop_keys_not_allowed(type_name, key, value):
    assert_problem(
        with_(type_name, **{key: value}), key, f"`{key}` is not a key of type `{type_name}`"
    )


@pytest.mark.parametrize("type_name", STOP_REQUIRED_TYPES)
def test_stop_key_required(type_name):
    assert_problem(with_(type_name, drop=("stop_lr",)), "stop_lr", "is required for this type")


@pytest.mark.parametrize("type_name", [*STOP_REQUIRED_TYPES, "inverse_sqrt"])
def test_stop_key_rules(type_name):
    assert_problem(
        with_(type_name, stop_lr=1e-5, stop_lr_ratio=0.1), "stop_lr_ratio", "precisely one"
    )
    assert_problem(with_(type_name, stop_lr=1e-2), "stop_lr", "at most `start_lr`")
    assert_problem(with_(type_name, drop=("stop_lr",), stop_lr_ratio=1.5), "stop_lr_ratio", "<= 1")
    assert_problem(with_(type_name, stop_lr=-1e-5), "stop_lr", ">= 0")


def test_inverse_sqrt_stop_lr_is_optional_floor():
    assert lrs.validate(BASE["inverse_sqrt"], N).stop_lr == 0.0
    cfg = lrs.validate(with_("inverse_sqrt", stop_lr_ratio=0.01), N)
    assert cfg.stop_lr == pytest.approx(1e-5)
    assert cfg.stop_lr_ratio is None


# ---- per-type keys ------------------------------------------------------------------------------

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
    ("step", {"gamma": 1.01}, "gamma", "<= 1"),
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
    ("multistep", {"gamma": 1.5}, "gamma", "<= 1"),
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
    ("cosine_restarts", {"cycle_mult": 1.5}, "cycle_mult", "must be an integer"),
    ("cosine_restarts", {"cycle_mult": True}, "cycle_mult", "must be an integer"),
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
    config = {k: v for k, v in with_(type_name, **change).items() if v is not None}
    assert_problem(config, key, fragment)


def test_gamma_one_allowed_with_any_mode():
    # to_config() always writes gamma, so gamma 1.0 must round-trip for triangular modes
    lrs.make_schedule(with_("cyclic", gamma=1.0, mode="triangular2"), N)


def test_three_phase_at_half_is_allowed():
    lrs.make_schedule(with_("one_cycle", three_phase=True, pct_start=0.5), N)


def test_milestones_tuple_accepted():
    sched = lrs.multistep(start_lr=1e-3, milestones=(10, 20), num_steps=N)
    assert sched.milestones == (10, 20)
    assert sched.to_config()["milestones"] == [10, 20]


def test_every_problem_listed_at_once():
    config = {"type": "step", "start_lr": -1.0, "step_size": 0, "gamma": 2.0, "stop_lr": 1.0}
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
    inv = lrs.validate(with_("inverse_sqrt", warmup_ratio=0.25), N)
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

"""The error layer: bounded messages, one ConfigError per input.

Every value shown in a message is described by ``_errors.describe``: bounded in length and
time, never raising. Every bad argument of the config layer, ``reduce_on_plateau`` and
``lr_range_test`` is one ``ConfigError`` from the one problem collector.
"""

import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import jax.numpy as jnp
import numpy as np
import optax
import pytest
from work import raises, work

import lrschedules_jax as lrs
from lrschedules_jax._errors import MAX_PROBLEMS, ConfigError, Problems, describe

HUGE = 10**5000
GOOD = {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-5}
MAX_LINE = 400  # no line of a message is longer than this


def problems_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert all(len(line) <= MAX_LINE for line in message.splitlines()), message[:2000]
    return info.value.problems


def deep_list(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


# ---- describe ---------------------------------------------------------------------------------


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class HugeRepr:
    def __repr__(self) -> str:
        return "x" * 10_000_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (-1.5, "-1.5"),
        ("abc", "'abc'"),
        ([1, 2], "[1, 2]"),
        (10**5000, "an int of 5001 digits"),
        (-(10**400), "an int of 401 digits"),
        (10**20 - 1, "99999999999999999999"),
        (BadRepr(), "<a BadRepr whose repr fails>"),
        ("\ud800", "'\\ud800'"),
        (list(range(10)), "[0, 1, 2, 3, ... (10 items)]"),
    ],
    ids=[
        "int",
        "float",
        "str",
        "list",
        "huge-int",
        "huge-negative",
        "20-digits",
        "bad-repr",
        "surrogate",
        "long-list",
    ],
)
def test_describe_small_values_read_as_repr_and_the_rest_is_bounded(value, expected):
    assert describe(value) == expected


def test_describe_is_bounded_for_hostile_values():
    """A few Python calls and no copy of the value (a repr of 10 MB is made once: it is the
    value's own)."""
    for value, most_bytes in (
        (deep_list(1500), 2**20),
        ("x" * 50_000_000, 2**20),
        (HugeRepr(), 12 * 2**20),
        ({"k": deep_list(5000)}, 2**20),
    ):
        text, calls, peak = work(lambda value=value: describe(value))
        assert calls <= 100 and peak < most_bytes, (calls, peak)
        assert len(text) <= 200, text
    assert describe("x" * 50_000_000).endswith("(a str of 50000000 characters)")
    assert describe(deep_list(1500)) == "[[[[...]]]]"


def test_collector_caps_the_listed_problems():
    problems = Problems()
    for i in range(MAX_PROBLEMS + 7):
        problems.add(f"k{i}", "is bad.")
    error = problems.error()
    assert error.count == MAX_PROBLEMS + 7
    assert len(error.problems) == MAX_PROBLEMS + 1
    assert error.problems[-1] == "... and 7 more problems."
    assert str(error).startswith(f"Invalid learning-rate configuration ({MAX_PROBLEMS + 7} ")


# ---- the config layer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "num_steps", "path", "fragment"),
    [
        (GOOD, HUGE, "num_steps", "got an int of 5001 digits."),
        ({**GOOD, "start_lr": HUGE}, 100, "learning_rate.start_lr", "an int of 5001 digits (int)"),
        ({**GOOD, "decay_steps": HUGE}, 100, "learning_rate.decay_steps", "<= 2147483647"),
        (
            {"type": "multistep", "start_lr": 1e-3, "milestones": [10, HUGE]},
            100,
            "learning_rate.milestones[1]",
            "an int of 5001 digits",
        ),
        ({**GOOD, "stop_lr": deep_list(1500)}, 100, "learning_rate.stop_lr", "[[[[...]]]] (list)"),
        ({**GOOD, "decay_steps": deep_list(1500)}, 100, "learning_rate.decay_steps", "[[[[...]]]]"),
        (
            {**GOOD, "stop_lr": "x" * 50_000_000},
            100,
            "learning_rate.stop_lr",
            "(a str of 50000000 characters)",
        ),
    ],
    ids=["num_steps", "start_lr", "decay_steps", "milestones", "deep-float", "deep-int", "50MB"],
)
def test_hostile_values_give_one_bounded_problem(config, num_steps, path, fragment):
    problems_of(lrs.make_schedule, config, num_steps)  # the first call builds the models
    problems, calls, peak = work(lambda: problems_of(lrs.make_schedule, config, num_steps))
    assert calls <= 2000 and peak < 2**21, (calls, peak)  # the value is neither walked nor copied
    (line,) = problems
    assert line.startswith(f"{path}: ") and fragment in line, line


def test_a_surrogate_key_does_not_hide_the_other_problems():
    config = {**GOOD, "\ud800": 1, "start_lr": "x", "decay_steps": 0}
    problems = problems_of(lrs.make_schedule, config, 100)
    keys = sorted(p.split(": ")[0] for p in problems)
    assert keys == [
        "learning_rate.'\\ud800'",
        "learning_rate.decay_steps",
        "learning_rate.start_lr",
    ]
    "\n".join(problems).encode("utf-8")  # printable: no lone surrogate reaches the output


def test_200000_unknown_keys_are_linear_and_the_message_bounded():
    """At most 3 Python calls per unknown key (no key is compared with every other), and a
    message of bounded length."""
    config = {**GOOD, **{f"key{i}": i for i in range(200_000)}}
    problems_of(lrs.make_schedule, {**GOOD, "key": 1}, 100)  # the first call builds the models
    error, calls, _ = work(raises(ConfigError, lambda: lrs.make_schedule(config, 100)))
    assert calls <= 3 * 200_000, calls
    assert error.count == 200_000
    assert len(error.problems) == MAX_PROBLEMS + 1
    assert error.problems[-1] == f"... and {200_000 - MAX_PROBLEMS} more problems."
    assert len(str(error)) < 20_000


def test_builders_take_the_same_path():
    (line,) = problems_of(lrs.step, start_lr=1e-3, step_size=HUGE, num_steps=100)
    assert line == "learning_rate.step_size: must be <= 2147483647; got an int of 5001 digits."


# ---- num_workers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workers", "shown"), [(-1, "-1"), (10**400, "an int of 401 digits"), (0, "0")]
)
@pytest.mark.parametrize("scale", ["linear", "sqrt"])
def test_bad_num_workers_is_one_problem_and_never_used(workers, shown, scale):
    config = {**GOOD, "start_lr": 3e38, "stop_lr": 1e-5, "scale_by_worker": scale}
    problems = problems_of(lrs.make_schedule, config, 100, num_workers=workers)
    assert problems == [
        f'num_workers: must be an integer in [1, 2147483647] or "auto"; got {shown}.'
    ]


# ---- reduce_on_plateau ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"factor": 10**400}, "reduce_on_plateau.factor"),
        ({"factor": HUGE}, "reduce_on_plateau.factor"),
        ({"patience": HUGE}, "reduce_on_plateau.patience"),
        ({"mode": np.array(["min", "max"])}, "reduce_on_plateau.mode"),
        ({"threshold_mode": ["rel"]}, "reduce_on_plateau.threshold_mode"),
        ({"eps": complex(1, 1)}, "reduce_on_plateau.eps"),
    ],
    ids=["factor-1e400", "factor-huge", "patience-huge", "mode-array", "mode-list", "eps-complex"],
)
def test_plateau_arguments(kwargs, path):
    (line,) = problems_of(lrs.reduce_on_plateau, **kwargs)
    assert line.startswith(f"{path}: must be "), line


def _plateau_update(value):
    tx = lrs.reduce_on_plateau(patience=0, factor=0.5)
    state = tx.init(jnp.zeros(2))
    return tx.update(jnp.ones(2), state, value=value)


@pytest.mark.parametrize(
    "value",
    ["0.5", {"loss": 0.5}, Decimal("0.5"), 1 + 2j, np.complex64(1), [0.5], None, 10**400],
    ids=["str", "dict", "decimal", "complex", "np-complex", "list", "none", "huge-int"],
)
def test_plateau_bad_metrics(value):
    (line,) = problems_of(_plateau_update, value)
    assert line.startswith("reduce_on_plateau.value: "), line


@pytest.mark.parametrize("value", [2**31, 2**62, Fraction(2**31), np.int64(2**31)])
def test_plateau_large_integer_metrics_are_valid(value):
    _, state = _plateau_update(value)
    assert float(state.best) == float(np.float32(2**31 if value < 2**40 else 2**62))
    # a worse metric next: one bad epoch with patience 0 halves the scale
    tx = lrs.reduce_on_plateau(patience=0, factor=0.5)
    state = tx.init(jnp.zeros(2))
    _, state = tx.update(jnp.ones(2), state, value=value)
    _, state = tx.update(jnp.ones(2), state, value=value)
    assert float(state.scale) == 0.5


# ---- lr_range_test ------------------------------------------------------------------------------


def _loss(p, batch):
    return jnp.sum(p**2)


def _finder(**kwargs):
    args = {"loss_fn": _loss, "params": jnp.ones(2), "batches": jnp.zeros((10, 1))}
    args.update(kwargs)
    return lrs.lr_range_test(args.pop("loss_fn"), args.pop("params"), args.pop("batches"), **args)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"start_lr": 10**400}, "lr_range_test.start_lr"),
        ({"num_steps": 2**63}, "lr_range_test.num_steps"),
        ({"num_steps": 10**13}, "lr_range_test.num_steps"),
        ({"start_lr": 5e-324}, "lr_range_test.start_lr"),
        ({"start_lr": 1e-50}, "lr_range_test.start_lr"),
        ({"start_lr": 1e-300, "end_lr": 1.0}, "lr_range_test.start_lr"),
        ({"start_lr": 1e-3, "end_lr": 1e300}, "lr_range_test.end_lr"),
        ({"smoothing": HUGE}, "lr_range_test.smoothing"),
        ({"loss_fn": lambda p, b: "loss"}, "lr_range_test.loss_fn"),
        ({"batches": {"x": [[1.0], [2.0]]}}, "lr_range_test.batches"),
    ],
    ids=[
        "start-1e400",
        "steps-2**63",
        "steps-1e13",
        "start-subnormal",
        "start-1e-50",
        "range-1e-300",
        "range-1e300",
        "smoothing-huge",
        "loss-string",
        "dict-of-lists",
    ],
)
def test_finder_arguments(kwargs, path):
    (line,) = problems_of(_finder, **kwargs)
    assert line.startswith(f"{path}: "), line


def test_finder_rates_stay_normal_float32_at_the_bounds():
    result = _finder(start_lr=1.1754943508222875e-38, end_lr=1e-30, num_steps=3)
    expected = 1.1754943508222875e-38 * (1e-30 / 1.1754943508222875e-38) ** (np.arange(3) / 2)
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    assert optax is not None


# ---- the config layer does not import JAX --------------------------------------------------------


def test_config_layer_and_cli_check_do_not_import_jax(tmp_path):
    path = tmp_path / "input.json"
    path.write_text(
        '{"learning_rate": {"start_lr": 1e-3, "stop_lr": 1e-5}, "training": {"numb_steps": 1000}}'
    )
    code = (
        "import sys, lrschedules_jax as lrs\n"
        "assert 'jax' not in sys.modules and 'pydantic' not in sys.modules\n"
        "lrs.validate({'type': 'cosine', 'start_lr': 1.0, 'stop_lr': 0.1}, 10)\n"
        "lrs.json_schema()\n"
        "from lrschedules_jax.cli import main\n"
        "for argv in (['--help'], ['check', sys.argv[1]], ['schema']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('jax' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False")


# ---- a schedule with a bad value cannot be constructed ------------------------------------------


def _exp_fields(**changes):
    fields = dict(
        num_steps=100,
        scale_by_worker="none",
        start_lr=1e-3,
        warmup_steps=0,
        warmup_start_factor=0.0,
        stop_lr=1e-5,
        decay_rate=0.5,
        decay_steps=10,
        smooth=False,
    )
    return {**fields, **changes}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"decay_steps": 0}, "Exp.decay_steps: must be > 0; got 0."),
        ({"start_lr": -1.0}, "Exp.start_lr: must be > 0; got -1.0."),
        ({"warmup_steps": 100}, "Exp.warmup_steps: must be smaller than `num_steps` (100)"),
        ({"scale_by_worker": "cubic"}, "Exp.scale_by_worker: must be one of"),
        ({"decay_rate": 1.5}, "Exp.decay_rate: must be <= 1; got 1.5."),
    ],
    ids=["decay_steps-0", "negative-rate", "warmup", "scale", "decay_rate"],
)
def test_schedules_refuse_bad_values(changes, fragment):
    """A schedule made from its class checks its keys as the config layer does: one
    ConfigError (a ValueError) naming the key."""
    with pytest.raises(lrs.ConfigError) as info:
        lrs.Exp(**_exp_fields(**changes))
    assert fragment in str(info.value)


def test_schedules_made_from_their_class_resolve_their_keys():
    """The class takes the keys of its section (``stop_lr_ratio``, a derived ``decay_rate``)
    and holds what the builder holds."""
    fields = _exp_fields(decay_rate=None, stop_lr=None, stop_lr_ratio=0.01, num_steps=1000)
    made = lrs.Exp(**fields)
    assert made == lrs.exp(**{k: v for k, v in fields.items() if v is not None})
    assert made.decay_rate == pytest.approx((0.01) ** (10 / 1000), rel=1e-14)
    assert made.stop_lr == pytest.approx(1e-5, rel=1e-15)


def test_a_factor_cannot_grow():
    from lrschedules_jax._numerics import Factor

    with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
        Factor(log=0.5)
    with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
        Factor.of(2.0)
    f = Factor.of(0.3)
    assert (f.value, float(f)) == pytest.approx((0.3, 0.3), rel=1e-15)
    assert f.log_lo == f.log - float(np.float32(f.log))


def test_cross_field_rules_do_not_depend_on_the_key_order():
    config = {"type": "one_cycle", "three_phase": True, "pct_start": 0.6, "max_lr": 1.0}
    reordered = {"type": "one_cycle", "max_lr": 1.0, "pct_start": 0.6, "three_phase": True}
    first = problems_of(lrs.make_schedule, config, 100)
    assert first == problems_of(lrs.make_schedule, reordered, 100)
    assert first == [
        "learning_rate.pct_start: must be at most 0.5 with `three_phase` (the first two phases "
        "take `2 * pct_start` of the steps); got 0.6."
    ]


# ---- the stop keys of the types without an end rate (moved from test_bad_input's garbage
# table, where they were listed while the models held them as hidden fields) ------------------

NO_STOP_BASES = {
    "constant": {"type": "constant", "start_lr": 1e-3},
    "step": {"type": "step", "start_lr": 1e-3, "step_size": 10},
    "multistep": {"type": "multistep", "start_lr": 1e-3, "milestones": [10, 20]},
}
GARBAGE = {
    "true": True,
    "false": False,
    "string": "abc",
    "numeric-string": "0.5",
    "list": [0.5],
    "empty-dict": {},
    "nested-dict": {"value": {"nested": 0.5}},
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "huge-int": 10**400,
    "bytes": b"0.5",
}


@pytest.mark.parametrize("name", GARBAGE)
@pytest.mark.parametrize("key", ["stop_lr", "stop_lr_ratio"])
@pytest.mark.parametrize("type_", NO_STOP_BASES)
def test_garbage_in_a_stop_key_of_a_type_without_one(type_, key, name):
    config = {**NO_STOP_BASES[type_], key: GARBAGE[name]}
    (line,) = problems_of(lrs.make_schedule, config, 100)
    assert line.startswith(f"learning_rate.{key}: `{key}` is not a key of type `{type_}`; ")


@pytest.mark.parametrize("key", ["start_lr", "decay_steps", "stop_lr"])
def test_an_alias_bomb_value_is_described_without_expanding_it(key):
    bomb: list = ["lol"] * 10
    for _ in range(9):  # 10**10 leaves when expanded, 10 lists in memory (as a YAML alias bomb)
        bomb = [bomb] * 10
    problems_of(lrs.make_schedule, {**GOOD, key: "x"}, 100)  # the first call builds the models
    (line,), calls, _ = work(lambda: problems_of(lrs.make_schedule, {**GOOD, key: bomb}, 100))
    assert calls <= 2000, calls  # 10**10 leaves: never walked
    assert line.startswith(f"learning_rate.{key}: ") and "... (10 items)" in line


# ---- Values a rule formats: describe is the tool, a line is bounded whatever it says ---------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (list(range(10**6)), "[0, 1, 2, 3, ... (1000000 items)]"),
        ([0, 10**5000], "[0, an int of 5001 digits]"),
        ([10**5000, 1], "[an int of 5001 digits, 1]"),
        (10**5000, "an int of 5001 digits"),
        (-(10**20000), "an int of about 20001 digits"),
        ((1, 2, 3), "(1, 2, 3)"),
    ],
    ids=["million-list", "pair-huge-end", "pair-huge-start", "huge", "huger", "tuple"],
)
def test_describe_the_values_the_step_rules_format(value, expected):
    """What a `noise_range_steps` or `warmup_steps` rule shows: a span of 10**6 steps was a
    7.9 MB message, an int past Python's 4300-digit limit a ValueError; described, neither."""
    text, calls, peak = work(lambda: describe(value))
    assert text == expected
    assert calls <= 100 and peak < 2**20, (calls, peak)


def test_a_problem_line_is_cut_whatever_it_holds():
    """A safety net for a message built without describe: one line is at most MAX_LINE."""
    from lrschedules_jax._errors import MAX_LINE

    line = "learning_rate.noise_range_steps: got " + repr(list(range(10**5)))
    error = ConfigError([line, "short: fine."])
    cut, short = error.problems
    assert len(cut) <= MAX_LINE and short == "short: fine."
    assert cut.startswith("learning_rate.noise_range_steps: got [0, 1, 2,")
    assert cut.endswith("99998, 99999]") and " characters cut) ... " in cut
    assert len(str(error)) < MAX_LINE + 200

"""Fuzz every public entry point with garbage.

``make_schedule``, ``validate``, the builders, ``load_input``, the command line (through
``lrschedules_jax.cli.main([...])`` in-process: files, ``show --at``, ``plot -o``, ``demo -o``
and the numeric options), ``reduce_on_plateau`` (construction and ``update``, metrics of every
float dtype), ``lr_range_test``, ``hyperparameter``, ``inject`` and ``load_input``'s
``num_epoch`` get generated garbage, deep nesting, huge numbers and hostile files; composites
(``sequence``, ``product``, ``shifted``) nested to depth 3 of valid sections and of garbage,
noise keys on any part, cooldown blocks, installed plugins that are broken, raise, exit or
shadow a built-in type, ``inject``'s argument names and factories, the command line on
composite files, and NumPy steps of every width. Each example asserts:

- the only exception is ``ConfigError`` (the command line: exit status 0 or 2, never a
  traceback on stderr, never an exception out of ``main``), and ``TypeError`` only for an
  argument of the wrong Python type (``hyperparameter``'s ``name``/``bounds``, a boolean or
  complex hyperparameter of ``inject``);
- bounded time in the long run: hypothesis' ``deadline`` (:data:`DEADLINE` per example; the
  default run has none, so that it does not depend on the machine's load);
- bounded memory: the peak of Python allocations (``tracemalloc``, which sees NumPy's buffers
  but not XLA's) below :data:`MEMORY_LIMIT` per call; the generated inputs are below 2 MB;
- the input is never mutated (compared with a snapshot taken before the call);
- and for the families of valid configs: every accepted schedule is finite and within 2e-6 of
  the float64 reference of tests/cases.py (a product of k sections within k times it), eager
  equal to ``jax.jit`` bit for bit, ``from_config(s.to_config())`` equal to it, its noise
  applied and bounded, and ``validate`` (or ``check``) accepting exactly what builds.

The budget in the default test run is small (``CI_EXAMPLES`` per test, derandomized, so the file
runs in about 80 s on two cores). A longer, random run (the families that compile, draw or
import per example run a share of it: ``budget(long=...)``)::

    LRS_FUZZ_EXAMPLES=20000 PYTHONPATH=$PWD python -m pytest tests/test_fuzz.py -p no:cacheprovider -n 2

Each concern has its own families here (bounded messages, ``num_workers``, float32 rates, the
adaptive tools' arguments, ``hyperparameter``, ``inject``, the command line's arguments,
``num_epoch``), so a regression names the one it breaks.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import math
import os
import sys
import tempfile
import tracemalloc
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError
from lrschedules_jax.cli import main
from lrschedules_jax.config import config_types

#: Examples per test in the default run; ``LRS_FUZZ_EXAMPLES`` overrides it (a longer run).
CI_EXAMPLES = 12
LONG_EXAMPLES = int(os.environ.get("LRS_FUZZ_EXAMPLES", "0"))
#: Time per example. Generous for a loaded two-core machine, where one JAX compilation takes
#: up to a second; an unbounded case (an alias bomb, a quadratic loop) takes minutes.
DEADLINE = datetime.timedelta(seconds=10)
#: Peak Python memory per call (the generated inputs are below 2 MB).
MEMORY_LIMIT = 64 * 2**20


def budget(
    examples: int = CI_EXAMPLES, deadline: datetime.timedelta = DEADLINE, long: float = 1.0
) -> settings:
    """``examples`` per test in the default run; in a long run (``LRS_FUZZ_EXAMPLES=K``),
    ``long * K``: the families that compile, draw or import per example (up to 2 s each on a
    loaded machine) run a share of ``K``, so that a run at K = 20,000 takes hours, not days."""
    return settings(
        max_examples=max(int(LONG_EXAMPLES * long), 1) if LONG_EXAMPLES else examples,
        deadline=deadline if LONG_EXAMPLES else None,  # the default run never times itself
        derandomize=not LONG_EXAMPLES,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# ----------------------------------------------------------------------------------------
# Snapshots: the input is never mutated


_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, Decimal, Fraction, np.generic)


def snapshot(value: Any) -> list[Any]:
    """A flat record of ``value`` (depth-first, iterative: deep nesting is fine)."""
    out: list[Any] = []
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, _IMMUTABLE):
            out.append(item)
        elif isinstance(item, np.ndarray):
            out.append(("ndarray", item.dtype, item.shape, item.tobytes()))
        elif isinstance(item, (list, tuple, dict)):
            out.append((type(item), len(item), id(item) in seen))
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                for key, val in item.items():
                    stack += [key, val]
            else:
                stack += list(item)
        else:  # a function, an optax object, a JAX array: identity only
            out.append(("object", id(item)))
    return out


def same(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x is y:
            continue
        if type(x) is not type(y):
            return False
        if isinstance(x, float) and math.isnan(x) and math.isnan(y):
            continue
        if isinstance(x, np.generic):
            if x.tobytes() != y.tobytes():
                return False
            continue
        if x != y:
            return False
    return True


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``: only ConfigError, bounded memory, the arguments unchanged.

    The :class:`Built` recipes among the arguments are built first.
    """
    args, kwargs = build(args), build(kwargs)
    before = snapshot((args, kwargs))
    tracemalloc.start()
    try:
        return fn(*args, **kwargs)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError lists at least one problem"
        assert all(isinstance(p, str) and p for p in exc.problems)
        return exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < MEMORY_LIMIT, f"peak Python memory {peak / 2**20:.0f} MiB"
        assert same(before, snapshot((args, kwargs))), "the input was mutated"


# ----------------------------------------------------------------------------------------
# Garbage


TYPES = sorted(config_types())
KEYS = sorted({key for model in config_types().values() for key in model.model_fields})
WORDS = st.sampled_from(
    [*TYPES, "linear", "sqrt", "none", "cos", "triangular", "exp_range", "min", "max", "rel"]
)

ordinary_ints = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, -1, 2, 10, 1000, 2**31 - 1, 2**31, -(2**31), 2**53, 2**63, 2**64]),
)
ordinary_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(1e-9, 1.0),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1e-3, 1e-8, 5e-324, 1e-45, 1.2e-38, 3.4e38, 1e308]),
)
numpy_scalars = st.one_of(
    ordinary_floats.map(np.float64),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**31), 2**31 - 1).map(np.int32),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.booleans().map(np.bool_),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    ordinary_ints,
    ordinary_floats,
    st.text(max_size=20),
    WORDS,
    st.binary(max_size=10),
    numpy_scalars,
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(KEYS)), children, max_size=5
        ),
    )


garbage = st.recursive(scalars, containers, max_leaves=20)


class Built:
    """A value the test builds from a short recipe; Hypothesis prints the recipe.

    Hypothesis prints the arguments of a failing example (and of its final replay) with its
    own pretty-printer, which recurses once per level of a nested list (a RecursionError past
    about 300 levels) and cannot print an int of more than 4300 digits (Python's
    ``int_max_str_digits``). Such a printing error replaces the real failure in the report, so
    the hostile values are generated as recipes and built by :func:`call` just before use.
    """

    def __init__(self, text: str, make: Any):
        self.text, self.make = text, make

    def __repr__(self) -> str:
        return self.text


def build(value: Any, depth: int = 0) -> Any:
    """``value`` with every :class:`Built` recipe in it replaced by the value it builds.

    Only plain lists, tuples and dicts are rebuilt (a NamedTuple state stays itself), and only
    the few levels a generated container has (a built 3000-deep list is not walked again).
    """
    if isinstance(value, Built):
        return value.make()
    if depth > 20:
        return value
    if type(value) is list:
        return [build(v, depth + 1) for v in value]
    if type(value) is tuple:
        return tuple(build(v, depth + 1) for v in value)
    if type(value) is dict:
        return {build(k, depth + 1): build(v, depth + 1) for k, v in value.items()}
    return value


def power(base: int, exponent: int) -> Built:
    """``base ** exponent``, negative for a negative base (``-(10**400)``)."""
    sign = 1 if base > 0 else -1
    return Built(f"{'-' * (sign < 0)}{abs(base)}**{exponent}", lambda: sign * abs(base) ** exponent)


def nines(digits: int) -> Built:
    """An int of ``digits`` digits, past Python's 4300-digit str limit."""
    return Built(
        f"int('9' * 4300) * 10**{digits - 4300}",
        lambda: int("9" * 4300) * 10 ** (digits - 4300),
    )


# Unbounded messages: huge integers, deep nesting, huge strings, lone surrogates.
huge_ints = st.one_of(
    st.sampled_from([(10, 400), (-10, 400), (10, 5000), (-10, 5000), (2, 20000)]).map(
        lambda base_exp: power(*base_exp)
    ),
    st.integers(4301, 6000).map(nines),
)


def deep(depth: int, leaf: Any = 1, kind: str = "list") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


def deep_recipe(depth: int, kind: str) -> Built:
    return Built(f"deep({depth}, kind={kind!r})", lambda: deep(depth, 1, kind))


extreme_scalars = st.one_of(
    huge_ints,
    st.sampled_from(["\ud800", "x\udfffy"]),
    st.just(Built("'a' * 2_000_000", lambda: "a" * 2_000_000)),
    st.builds(deep_recipe, st.integers(500, 3000), st.sampled_from(["list", "dict"])),
    st.sampled_from([Decimal("1e-3"), Fraction(1, 3), 1 + 2j, Decimal("NaN"), Decimal("1e999")]),
)
extreme_garbage = st.recursive(st.one_of(scalars, extreme_scalars), containers, max_leaves=10)


def plausible(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A ``learning_rate`` mapping: known keys (and some unknown), values from ``values``."""
    known = st.dictionaries(st.sampled_from(KEYS), st.one_of(values, WORDS), max_size=8)
    return st.builds(
        lambda section, type_, extra: {**section, **({"type": type_} if type_ else {}), **extra},
        known,
        st.one_of(st.none(), st.sampled_from(TYPES), values),
        st.dictionaries(st.text(max_size=10), values, max_size=2),
    )


sections = st.one_of(plausible(garbage), garbage)
num_steps = st.one_of(st.integers(-5, 2**31 + 5), garbage)


# ----------------------------------------------------------------------------------------
# make_schedule, validate, the builders


@budget()
@given(section=sections, steps=num_steps)
def test_make_schedule(section, steps):
    call(lrs.make_schedule, section, steps)


@budget()
@given(section=sections, steps=num_steps)
def test_validate(section, steps):
    call(lrs.validate, section, steps)


BUILDERS = TYPES  # every registered type has a builder


def builder_kwargs(values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[str, dict]]:
    """A builder's name and keyword arguments (its own names; num_workers has its own test)."""
    import inspect

    def for_builder(name: str) -> st.SearchStrategy[tuple[str, dict]]:
        params = inspect.signature(getattr(lrs, name)).parameters
        names = [p for p in params if p != "num_workers"]
        required = [p for p in names if params[p].default is inspect.Parameter.empty]
        return st.tuples(
            st.just(name),
            st.fixed_dictionaries(
                {p: st.one_of(values, num_steps) for p in required},
                optional={p: st.one_of(values, WORDS) for p in names if p not in required},
            ),
        )

    return st.sampled_from(BUILDERS).flatmap(for_builder)


@budget(3 * CI_EXAMPLES)
@given(case=builder_kwargs(garbage))
def test_builders(case):
    name, kwargs = case
    call(getattr(lrs, name), **kwargs)


@budget()
@given(
    section=st.one_of(plausible(extreme_garbage), extreme_garbage),
    steps=st.one_of(num_steps, huge_ints),
)
def test_make_schedule_and_validate_extreme_values(section, steps):
    call(lrs.make_schedule, section, steps)
    call(lrs.validate, section, steps)


@budget()
@given(case=builder_kwargs(extreme_garbage))
def test_builders_extreme_values(case):
    name, kwargs = case
    call(getattr(lrs, name), **kwargs)


@budget(3, long=0.01)
@given(count=st.integers(10_000, 200_000))
def test_many_unknown_keys(count):
    section = {"type": "exp", "start_lr": 1e-3, **{f"key{i}": i for i in range(count)}}
    error = call(lrs.make_schedule, section, 100)
    assert isinstance(error, ConfigError) and len(str(error)) < 100_000


@budget()
@given(
    section=st.sampled_from(
        [
            {"start_lr": 1e-3, "stop_lr": 1e-8, "scale_by_worker": s}
            for s in ("linear", "sqrt", "none")
        ]
    ),
    workers=st.one_of(garbage, huge_ints, st.integers(-(2**70), 2**70)),
)
def test_num_workers(section, workers):
    call(lrs.make_schedule, section, 1000, num_workers=workers)


# ----------------------------------------------------------------------------------------
# load_input and the command line on generated files


def yaml_snippet() -> st.SearchStrategy[str]:
    tags = st.sampled_from(
        [
            "!!float abc",
            "!!int ten",
            "!!int ''",
            "!!float ''",
            "!!timestamp nope",
            "!!bool maybe",
            "!!binary '@@@'",
            "!!set {a: 1}",
            "!!omap [a]",
            "!!python/object:os.system {}",
            "&a [1, *a]",
            "*undefined",
            "1e-3",
            "1.0e-3",
            "0x1F",
            "0o17",
            "1_000",
            ".inf",
            ".nan",
            "~",
            "2001-12-14",
            "'\\ud800'",
            '"\\ud800"',
            "[[[[[[[[[[",
            "{a: 1, a: 2}",
            "- - - - -",
        ]
    )
    keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=6))
    lines = st.lists(st.tuples(keys, tags), max_size=5).map(
        lambda pairs: "learning_rate:\n" + "".join(f"  {json.dumps(k)}: {v}\n" for k, v in pairs)
    )
    return st.one_of(lines, st.builds(lambda a, b: a + b, lines, st.text(max_size=40)))


def alias_bomb(levels: int) -> str:
    text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return text + f"learning_rate: {{start_lr: *a{levels - 1}}}\n"


def deep_text(depth: int, where: str) -> str:
    inner = "[" * depth + "1" + "]" * depth
    return f'{{"learning_rate": {{"start_lr": 1e-3}}, "{where}": {inner}}}'


def json_input(section: Any, steps: Any) -> str:
    data = {"learning_rate": section, "training": {"numb_steps": steps}}
    try:
        return json.dumps(data, allow_nan=True, default=repr)
    except (TypeError, ValueError, RecursionError):  # a key json cannot write
        return json.dumps({"learning_rate": repr(section)[:1000]})


file_contents = st.one_of(
    st.tuples(
        st.sampled_from([".json", ".yaml", ".txt"]), st.builds(json_input, sections, num_steps)
    ),
    st.tuples(st.sampled_from([".yaml", ".yml", ".cfg"]), yaml_snippet()),
    st.tuples(st.sampled_from([".json", ".yaml"]), st.text(max_size=200)),
    st.tuples(st.sampled_from([".json", ".yaml"]), st.binary(max_size=200)),
    st.tuples(st.just(".yaml"), st.integers(2, 10).map(alias_bomb)),
    st.tuples(
        st.sampled_from([".json", ".yaml"]),
        st.builds(deep_text, st.integers(90, 5000), st.sampled_from(["learning_rate", "model"])),
    ),
    st.tuples(
        st.sampled_from([".json", ".yaml"]),
        st.integers(4200, 6000).map(lambda n: '{"learning_rate": {"start_lr": %s}}' % ("7" * n)),
    ),
)
special_files = st.sampled_from(["directory", "fifo", "missing", "device", "over_limit"])


def make_file(folder: Path, case: Any) -> tuple[Path, int | None]:
    """Write one generated input in ``folder``: its path and the max_bytes to read it with."""
    if isinstance(case, str):
        path = folder / f"{case}.json"
        if case == "directory":
            path.mkdir()
        elif case == "fifo" and hasattr(os, "mkfifo"):
            os.mkfifo(path)
        elif case == "device" and Path("/dev/zero").exists():
            return Path("/dev/zero"), None
        elif case == "over_limit":
            path.write_text(json.dumps({"learning_rate": {"start_lr": 1e-3}}))
            return path, 10
        return path, None
    suffix, content = case
    path = folder / f"input{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path, None


@budget(2 * CI_EXAMPLES)
@given(case=st.one_of(file_contents, special_files))
def test_load_input(case):
    with tempfile.TemporaryDirectory() as folder:
        path, max_bytes = make_file(Path(folder), case)
        kwargs = {} if max_bytes is None else {"max_bytes": max_bytes}
        result = call(lrs.load_input, path, **kwargs)
        if not isinstance(result, ConfigError):
            section, steps = result
            assert isinstance(section, dict)
            assert steps is None or (
                isinstance(steps, int) and 0 <= steps < 2**31
            )  # 0: DeePMD-kit accepts it


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"peak Python memory {peak / 2**20:.0f} MiB"
    return status, out.getvalue(), err.getvalue()


@budget(2 * CI_EXAMPLES, long=0.25)
@given(
    case=st.one_of(file_contents, special_files),
    command=st.sampled_from(["check", "check", "show", "plot"]),
    options=st.lists(
        st.sampled_from(
            [
                ["--num-steps", "1000"],
                ["--num-steps", "0"],
                ["--num-steps", "99999999999999999999"],
                ["--max-input-bytes", "100"],
                ["--max-input-bytes", "-1"],
                ["--num-workers", "2"],
                ["--log"],
            ]
        ),
        max_size=2,
    ),
)
def test_cli(case, command, options):
    with tempfile.TemporaryDirectory() as folder:
        path, max_bytes = make_file(Path(folder), case)
        argv = [command, str(path), *(arg for option in options for arg in option)]
        if max_bytes is not None:
            argv += ["--max-input-bytes", str(max_bytes)]
        if command == "plot":
            argv += ["-o", str(Path(folder) / "out.png")]
        elif "--log" in argv:
            argv.remove("--log")
        status, _, err = run_cli(argv)
        assert status in (0, 2), (status, err[-2000:])
        assert "Traceback" not in err
        assert (status == 2) == bool(err.strip()), err[-2000:]
        err.encode("utf-8")  # printable on a UTF-8 terminal (no lone surrogates)


# ----------------------------------------------------------------------------------------
# reduce_on_plateau and lr_range_test


PLATEAU_KEYS = (
    "factor",
    "patience",
    "mode",
    "threshold",
    "threshold_mode",
    "cooldown",
    "min_scale",
    "eps",
)
plateau_values = st.one_of(
    garbage,
    st.sampled_from(["min", "max", "rel", "abs"]),
    st.floats(0, 1),
    st.integers(0, 10),
)
metrics = st.one_of(
    st.floats(width=32, allow_nan=True, allow_infinity=True),
    st.integers(-(2**31) + 1, 2**31 - 1),
    # float32-range NumPy metrics (a float64 1e308 is in the extreme family)
    st.floats(width=32).map(np.float64),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**31), 2**31 - 1).map(np.int32),
    st.just(jnp.float32(0.5)),
    # every float dtype a training step produces
    st.floats(width=16).map(np.float16),
    st.floats(width=16).map(lambda x: jnp.asarray(x, jnp.float16)),
    st.floats(width=32).map(lambda x: jnp.asarray(x, jnp.bfloat16)),
    st.floats(width=32).map(lambda x: np.asarray(x, jnp.bfloat16)),
    st.lists(st.floats(), max_size=3).map(np.asarray),
    st.none(),
)


def _check_plateau(kwargs: dict[str, Any], values: list[Any]) -> None:
    tx = call(lrs.reduce_on_plateau, **kwargs)
    if isinstance(tx, ConfigError):
        return
    params = jnp.zeros(2)
    state = tx.init(params)
    for value in values:
        result = call(tx.update, jnp.ones(2), state, params, value=value)
        if isinstance(result, ConfigError):
            continue
        _, state = result
        scale = float(state.scale)
        assert 0.0 <= scale <= 1.0


@budget()
@given(
    kwargs=st.dictionaries(st.sampled_from(PLATEAU_KEYS), plateau_values, max_size=4),
    values=st.lists(metrics, max_size=3),
)
def test_reduce_on_plateau(kwargs, values):
    _check_plateau(kwargs, values)


@budget()
@given(
    kwargs=st.dictionaries(
        st.sampled_from(PLATEAU_KEYS),
        st.one_of(plateau_values, extreme_garbage, st.just(np.array(["min", "max"]))),
        max_size=4,
    ),
    values=st.lists(
        st.one_of(
            metrics,
            numpy_scalars,
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(["0.5", {"loss": 1.0}, Decimal("0.5"), Fraction(1, 2), 1 + 1j]),
            st.sampled_from([2**31, -(2**31) - 1, 10**400]),
        ),
        max_size=3,
    ),
)
def test_reduce_on_plateau_extreme_arguments(kwargs, values):
    _check_plateau(kwargs, values)


def quadratic(params: Any, batch: Any) -> Any:
    return jnp.sum((params - batch) ** 2)


FINDER_BATCHES = np.zeros((4, 2), np.float32)
finder_values = st.one_of(garbage, st.floats(1e-6, 10.0), st.integers(-2, 6))


def _check_finder(kwargs: dict[str, Any], batches: Any, *, finite: bool = False) -> None:
    result = call(lrs.lr_range_test, quadratic, jnp.ones(2), batches, progress=False, **kwargs)
    if not isinstance(result, ConfigError):
        assert len(result.lrs) == len(result.losses) <= result.num_steps
        if finite:  # start_lr=5e-324 or a range of 1e-300 .. 1e300 gave NaN/inf
            assert np.all(np.isfinite(result.lrs)) and np.all(result.lrs > 0)


@budget()
@given(
    kwargs=st.dictionaries(
        st.sampled_from(["start_lr", "end_lr", "num_steps", "smoothing", "divergence_threshold"]),
        finder_values,
        max_size=3,
    ).map(lambda kw: kw if "num_steps" in kw else {**kw, "num_steps": 3}),
    batches=st.one_of(
        st.just(FINDER_BATCHES),
        st.just([np.zeros(2, np.float32)] * 3),
        scalars,  # not iterable: reported before the sweep (garbage batches: the extreme test)
    ),
)
def test_lr_range_test(kwargs, batches):
    # A valid sweep compiles and runs; num_steps is kept small so that it stays fast.
    steps = kwargs["num_steps"]
    if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) and steps > 6:
        kwargs["num_steps"] = 6
    _check_finder(kwargs, batches)


@budget()
@given(
    kwargs=st.dictionaries(
        st.sampled_from(["start_lr", "end_lr", "num_steps", "smoothing", "divergence_threshold"]),
        st.one_of(
            finder_values,
            st.sampled_from([10**400, 2**63, 10**13, 5e-324, 1e-300, 1e300, 1e-50]),
            extreme_garbage,
        ),
        max_size=3,
    ),
    batches=st.one_of(
        st.just(FINDER_BATCHES), st.just({"x": [[0.0, 0.0]] * 3}), garbage, extreme_garbage
    ),
)
def test_lr_range_test_extreme_arguments(kwargs, batches):
    _check_finder(kwargs, batches, finite=True)


def test_lr_range_test_loss_fn_returning_a_string():
    error = call(lrs.lr_range_test, lambda p, b: "loss", jnp.ones(2), FINDER_BATCHES)
    assert isinstance(error, ConfigError)


# ----------------------------------------------------------------------------------------
# hyperparameter: ConfigError for a bad value, TypeError only for a wrong Python type


HYPER_NAMES = ["b1", "b2", "ema_decay", "decay", "momentum", "weight_decay", "eps", "gamma"]
hyper_values = st.one_of(
    garbage,
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2.0, 2.0),
    st.sampled_from([0.0, 1e-300, 1e-40, 1.1754944e-38, 3.4028235e38, -3e38, 1e300, 10**400]),
)
in_unit = st.one_of(  # [0, 1) as a normal float32 or 0 (a value below 1.2e-38 is refused)
    st.floats(0.0, 0.999).map(lambda x: x if x == 0 or x >= 1.2e-38 else 0.0),
    st.sampled_from([0.0, 0.5, 0.9, 0.999, 1e-30, 1.1754944e-38]),
)
valid_hyper_configs = st.fixed_dictionaries(  # mostly valid: values checked against float64
    {
        "type": st.sampled_from(["constant", "linear", "cosine"]),
        "start_value": st.one_of(in_unit, in_unit, st.floats(-1e30, 1e30)),
        "stop_value": st.one_of(in_unit, in_unit, st.floats(-1e30, 1e30)),
    }
).map(lambda c: {k: v for k, v in c.items() if c["type"] != "constant" or k != "stop_value"})
hyper_configs = st.one_of(
    valid_hyper_configs,
    valid_hyper_configs,
    valid_hyper_configs,
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(st.sampled_from(["constant", "linear", "cosine"]), garbage),
            "start_value": hyper_values,
            "stop_value": hyper_values,
            "start_lr": hyper_values,
        },
    ),
    extreme_garbage,
)
hyper_bounds = st.one_of(
    st.none(),
    st.just((-1e30, 1e30)),
    st.just((-math.inf, math.inf)),
    st.tuples(hyper_values, hyper_values),
    st.lists(st.floats(allow_nan=True), max_size=3),
    garbage,
)


@budget(3 * CI_EXAMPLES)
@given(
    config=hyper_configs,
    steps=st.one_of(st.integers(0, 2**31 - 1), st.integers(0, 5), num_steps, huge_ints),
    # (one_of draws each branch alike: names with bounds, and no explicit bounds, come first)
    name=st.one_of(st.sampled_from(HYPER_NAMES[:-1]), st.sampled_from(HYPER_NAMES[:-1]),
                   st.sampled_from(HYPER_NAMES), st.text(max_size=30), garbage,
                   st.just(Built("'n' * 10**6", lambda: "n" * 10**6))),
    bounds=st.one_of(st.none(), st.none(), st.none(), hyper_bounds),
)  # fmt: skip
def test_hyperparameter(config, steps, name, bounds):
    config, steps, name, bounds = build((config, steps, name, bounds))
    wrong_type = not isinstance(name, str) or (
        bounds is not None and not isinstance(bounds, (tuple, list))
    )
    try:
        ramp = call(lrs.hyperparameter, config, steps, name=name, bounds=bounds)
    except TypeError as exc:
        event("TypeError")
        assert wrong_type, exc
        assert len(str(exc)) < 1000
        return
    assert not wrong_type
    event(type(ramp).__name__)  # the share of accepted ramps, with --hypothesis-show-statistics
    if isinstance(ramp, ConfigError):
        assert len(str(ramp)) < 20_000
        return
    _check_ramp(ramp, steps)


@budget(2 * CI_EXAMPLES, long=0.5)
@given(
    kind=st.sampled_from(["constant", "linear", "cosine"]),
    a=in_unit,
    b=in_unit,
    steps=st.one_of(st.integers(0, 5), st.integers(0, 2**31 - 1)),
    name=st.sampled_from(["b1", "b2", "ema_decay", "decay", "momentum", "weight_decay"]),
)
def test_hyperparameter_valid_ramps(kind, a, b, steps, name):
    config = {"type": kind, "start_value": a, **({} if kind == "constant" else {"stop_value": b})}
    ramp = call(lrs.hyperparameter, config, steps, name=name)
    assert not isinstance(ramp, ConfigError), ramp
    _check_ramp(ramp, steps)


def _check_ramp(ramp: Any, steps: int) -> None:
    """Every value finite and the float64 formula's (to float32 rounding of the larger end: a
    ramp from 1e-30 to -2 computes -2 + 2 at its start), eager equal to jit bit for bit.

    Left out: a ramp whose increment per step |b - a| / num_steps is below float32's smallest
    normal number (0 to 1e-30 over 1e9 steps). Its float32 values are 0 at every step, the
    end included: XLA folds |b - a| / num_steps into one constant, which flushes to 0.
    """
    a, b = ramp.start_value, ramp.stop_value
    assume(not 0 < abs(b - a) / max(steps, 1) < F32_TINY)
    marks = np.asarray(sorted({0, 1, steps // 2, max(steps - 1, 0), steps, 2**31 - 1}), np.int32)
    eager = np.asarray(ramp(marks))
    assert np.array_equal(eager, np.asarray(jax.jit(ramp.__call__)(marks)))
    values = eager.astype(np.float64)
    assert np.all(np.isfinite(values)), values
    np.testing.assert_allclose(
        values, ramp64(ramp.kind, a, b, steps, marks), rtol=2e-6, atol=2e-6 * max(abs(a), abs(b))
    )


def ramp64(kind: str, a: float, b: float, n: int, steps: np.ndarray) -> np.ndarray:
    """The ramp in float64: ``a`` throughout over 0 steps (DeePMD-kit's rule), else
    ``min(a, b) + |b - a| f(r / n)`` with ``r`` the distance to the lowest end."""
    t = np.minimum(steps.astype(np.float64), n)
    if kind == "constant" or n == 0:
        return np.full(t.shape, a)
    x = t / n if b >= a else (n - t) / n
    f = x if kind == "linear" else np.sin(np.pi / 2 * x) ** 2
    return min(a, b) + abs(b - a) * f


# ----------------------------------------------------------------------------------------
# inject: numbers of every kind for the rate and the float arguments


inject_numbers = st.one_of(
    st.floats(1e-6, 1.0),
    st.integers(0, 10),
    st.booleans(),
    st.complex_numbers(max_magnitude=2.0),
    numpy_scalars,
    st.sampled_from([np.complex64(1), np.int64(3), 10**400, -(2**70), 2**63]),
)


@budget(2 * CI_EXAMPLES, long=0.25)
@given(
    kwargs=st.fixed_dictionaries(
        {"learning_rate": inject_numbers},
        optional={"b1": inject_numbers, "eps": inject_numbers},
    ),
)
def test_inject_numbers(kwargs):
    def refused(value: Any) -> bool:
        return isinstance(value, (bool, np.bool_, complex, np.complexfloating))

    with jax.numpy_dtype_promotion("standard"):  # optax's adam needs it
        _check_inject(kwargs, refused)


def _check_inject(kwargs: dict[str, Any], refused: Any) -> None:
    wrong_type = any(refused(v) for v in kwargs.values())
    try:
        tx = call(lrs.inject, optax.adam, **kwargs)
    except TypeError as exc:
        event("TypeError")
        assert wrong_type, exc
        assert any(f"`{k}`" in str(exc) for k in kwargs)
        return
    assert not wrong_type
    event(type(tx).__name__)

    def outside(value: Any) -> bool:  # not 0 or a normal float32
        try:
            x = float(value)
        except OverflowError:
            return True
        return not (x == 0 or F32_TINY <= abs(x) <= F32_MAX)

    bad = [k for k, v in kwargs.items() if outside(v)]
    assert isinstance(tx, ConfigError) == bool(bad), (tx, bad)
    if bad:
        assert sorted(line.split(":")[0] for line in tx.problems) == sorted(bad)
        return
    params = jnp.ones(2)
    state = tx.init(params)
    (eager, _), (jitted, _) = (
        update(jnp.full(2, 0.5), state, params) for update in (tx.update, jax.jit(tx.update))
    )
    # (b1=1 divides by 0 in Adam's bias correction: NaN in both)
    assert np.array_equal(np.asarray(eager), np.asarray(jitted), equal_nan=True)
    assert float(lrs.current_lr(state)) == float(np.float32(float(kwargs["learning_rate"])))


# ----------------------------------------------------------------------------------------
# The command line's arguments: show --at, plot -o/--log, demo -o, the numeric options


def option_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=20),
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(["9223372036854775808", "2147483648", "-1", "0", "1e3", "0x10",
                         " 7 ", "1_000", "\x00", "inf"]),
        st.integers(1, 6000).map(lambda n: "9" * n),
    )  # fmt: skip


def safe_name(text: str) -> str:
    """``text`` as one file name inside the test's folder (no separator, no '..')."""
    name = text.replace("/", "_").replace("\\", "_")
    return f"x{name}" if name in ("", ".", "..") else name


@budget(2 * CI_EXAMPLES, deadline=datetime.timedelta(seconds=30), long=0.05)  # draws
@given(
    command=st.sampled_from(["show", "show", "plot", "check"]),
    at=st.lists(option_text(), max_size=3),
    options=st.lists(
        st.tuples(
            st.sampled_from(["--num-steps", "--steps-per-epoch", "--num-workers",
                             "--max-input-bytes"]),
            option_text(),
        ),
        max_size=2,
    ),
    output=st.one_of(st.text(max_size=30), st.sampled_from(["out.png", "out.svg", "out.xyz",
                                                            "out", "a\x00b.png", "y" * 300])),
    log=st.booleans(),
    json_out=st.booleans(),
)  # fmt: skip
def test_cli_arguments(command, at, options, output, log, json_out):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.json"
        path.write_text(
            json.dumps({"learning_rate": {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5},
                        "training": {"numb_steps": 1000}})
        )  # fmt: skip
        argv = [command, str(path), *(x for option in options for x in option)]
        if command == "show":
            argv += (["--at", *at] if at else []) + (["--json"] if json_out else [])
        if command == "plot":
            argv += ["-o", str(Path(folder) / safe_name(output))] + (["--log"] if log else [])
        status, _, err = run_cli(argv)
        event(f"{command}: exit {status}")
        assert status in (0, 2), (status, err[-2000:])
        assert "Traceback" not in err and len(err) < 20_000, err[-2000:]
        assert (status == 2) == bool(err.strip()), err[-2000:]
        if command == "plot":  # nothing but the image is ever written
            written = {p.name for p in Path(folder).iterdir()} - {"in.json"}
            assert len(written) <= 1 and (status == 0) == bool(written), written


@budget(4, deadline=datetime.timedelta(seconds=60), long=0.01)  # 4 figures, 1e5 steps
@given(output=st.one_of(st.text(max_size=30), st.sampled_from(["a\x00b", "z" * 300])),
       blocker=st.sampled_from([None, "exp.json", "all.png", "dir"]))  # fmt: skip
def test_cli_demo_output(output, blocker):
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / safe_name(output)
        if blocker == "dir":
            try:
                target.parent.mkdir(exist_ok=True)
                target.write_text("a file where the directory goes")
            except (OSError, ValueError):
                pass
        elif blocker is not None:
            with contextlib.suppress(OSError, ValueError):
                (target / blocker).mkdir(parents=True)
        before = sorted(str(p) for p in Path(folder).rglob("*"))
        status, _, err = run_cli(["demo", "-o", str(target)])
        assert status in (0, 2) and "Traceback" not in err and len(err) < 5000, err[-2000:]
        after = sorted(str(p) for p in Path(folder).rglob("*"))
        if status == 2:  # refused: nothing was written, no directory left behind
            assert after == before, (before, after)
        else:
            assert len(set(after) - set(before)) >= 7


# ----------------------------------------------------------------------------------------
# load_input: training.num_epoch with steps_per_epoch


epoch_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0.01, 1e6),
    st.integers(-5, 2**32),
    st.sampled_from([1e308, 10**400, 2**31 - 1, 2**31, 0.5, 1e-300]),
    garbage,
)
spe_values = st.one_of(
    st.none(),
    st.integers(-5, 2**32),
    st.sampled_from([1, 1001, 2**31 - 1, 2**63, 10**400]),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(-1, 2**31), max_size=2),
    garbage,
)


@budget(2 * CI_EXAMPLES)
@given(
    training=st.one_of(
        st.dictionaries(st.sampled_from(["num_epoch", "numb_epoch", "num_epochs", "numb_steps"]),
                        epoch_values, min_size=1, max_size=2),
        st.builds(lambda d: {"num_epoch_dict": d},
                  st.dictionaries(st.sampled_from(["a", "b"]), epoch_values, max_size=2)),
    ),
    multi=st.booleans(),
    spe=spe_values,
)  # fmt: skip
def test_load_input_num_epoch(training, multi, spe):
    data = {"learning_rate": {"type": "exp", "start_lr": 1e-3}, "training": training}
    if multi:
        data["model"] = {"model_dict": {"a": {}, "b": {}}}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.json"
        path.write_text(json.dumps(data, allow_nan=True, default=repr))
        result = call(lrs.load_input, path, steps_per_epoch=spe)
        event(type(result).__name__)
        if isinstance(result, ConfigError):
            assert len(str(result)) < 20_000
            return
        _, steps = result
        assert steps is None or (isinstance(steps, int) and 0 <= steps <= 2**31 - 1)
        epochs = next((training[k] for k in ("num_epoch", "numb_epoch", "num_epochs")
                       if k in training), None)  # fmt: skip
        if epochs is not None and steps is not None:  # DeePMD-kit's ceil(num_epoch * N)
            assert steps == math.ceil(float(epochs) * spe)
        cli_spe = [] if not isinstance(spe, int) or isinstance(spe, bool) else [str(spe)]
        argv = ["check", str(path), *(["--steps-per-epoch", *cli_spe] if cli_spe else [])]
        status, _, err = run_cli(argv)
        assert status in (0, 2) and "Traceback" not in err, err[-2000:]


# ----------------------------------------------------------------------------------------
# Valid configs give finite rates in float32


F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.finfo(np.float32).tiny)


@budget(long=0.5)
@given(
    type_=st.sampled_from(["exp", "cosine", "wsd", "linear", "polynomial", "step"]),
    start_lr=st.floats(F32_TINY, F32_MAX / 4),
    ratio=st.floats(1e-30, 1.0),
    steps=st.integers(2, 2**31 - 1),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "power": st.floats(0.1, 20.0),
            "gamma": st.floats(1e-40, 1.0),
            "warmup_start_factor": st.floats(0.0, 1.0),
        },
    ),
)
def test_valid_configs_give_finite_rates_within_their_peak(type_, start_lr, ratio, steps, extra):
    section: dict[str, Any] = {"type": type_, "start_lr": start_lr}
    if type_ == "step":
        section["step_size"] = max(1, steps // 3)
        if "gamma" in extra:
            section["gamma"] = extra["gamma"]
    else:
        section["stop_lr"] = start_lr * ratio
        if type_ == "polynomial" and "power" in extra:
            section["power"] = extra["power"]
    schedule = call(lrs.make_schedule, section, steps)
    if isinstance(schedule, ConfigError):
        return
    marks = sorted({0, 1, steps // 10, steps // 2, steps * 9 // 10, steps - 1, steps})
    rates = np.asarray(schedule(jnp.asarray(marks, jnp.int32)), np.float64)
    assert np.all(np.isfinite(rates)), dict(zip(marks, rates, strict=True))
    assert np.all(rates >= 0)
    assert np.all(rates <= start_lr * (1 + 2e-6))


# ----------------------------------------------------------------------------------------
# Composites nested to depth 3, noise and cooldown: accepted configs against float64


from cases import TYPES as CASES  # noqa: E402  (the case table: strategies and references)
from cases import reference as reference64  # noqa: E402

LEAF_TYPES = sorted(t for t in CASES if t not in ("sequence", "product", "shifted"))
F32_EPS = float(np.finfo(np.float32).eps)


@st.composite
def leaf_section(draw: Any) -> tuple[dict, int]:
    """A valid section of a leaf type and its num_steps (the case table's strategies)."""
    config, n, _ = draw(CASES[draw(st.sampled_from(LEAF_TYPES))].strategy)
    config = {k: v for k, v in config.items() if k != "scale_by_worker"}
    return config, min(n, 10**7)


def section_tree(depth: int) -> st.SearchStrategy[tuple[dict, int, int]]:
    """``(section, num_steps, leaves)``: a leaf type, or a sequence, product or shifted of
    sections nested at most ``depth`` levels (the leaves multiplied together at most)."""
    leaf = leaf_section().map(lambda c_n: (c_n[0], c_n[1], 1))
    if depth == 0:
        return leaf
    inner = section_tree(depth - 1)

    @st.composite
    def sequence(draw: Any) -> tuple[dict, int, int]:
        parts = draw(st.lists(inner, min_size=1, max_size=3))
        phases = [{**c, "steps": max(n, 1)} for c, n, _ in parts[:-1]] + [parts[-1][0]]
        total = sum(max(n, 1) for _, n, _ in parts[:-1]) + parts[-1][1]
        return {"type": "sequence", "phases": phases}, total, max(k for *_, k in parts)

    @st.composite
    def product(draw: Any) -> tuple[dict, int, int]:
        first, n, k = draw(inner)
        factors: list[Any] = [first]
        for _ in range(draw(st.integers(0, 2))):  # valid at n or not: refusals are fine
            other, _, j = draw(inner)
            factors.append({**other, "scale_by_worker": "none"})
            k += j
        if draw(st.booleans()):
            factors.insert(draw(st.integers(0, len(factors))), draw(
                st.one_of(st.sampled_from([0.0, 0.5, 3.0, 1e-30, 1e30]), st.floats(0, 1e3))
            ))  # fmt: skip
        return {"type": "product", "factors": factors}, n, k

    @st.composite
    def shifted(draw: Any) -> tuple[dict, int, int]:
        config, n, k = draw(inner)
        shift = draw(st.one_of(st.integers(-n - 5, n + 5), st.integers(-(2**31) + 1, 2**31 - 1)))
        return {"type": "shifted", "start_step": shift, "schedule": config}, n, k

    return st.one_of(leaf, sequence(), product(), shifted())


def sample_steps(schedule: Any, n: int, draw_steps: list[int]) -> np.ndarray:
    marks = {0, 1, n // 3, n // 2, max(n - 1, 0), n, n + 1, 2**24, 2**31 - 1, *draw_steps}
    for b in schedule.boundaries().values():
        marks.update({b - 1, b, b + 1})
    return np.asarray(sorted(m for m in marks if 0 <= m <= 2**31 - 1)[:300], np.int32)


def _eager_equals_jit(schedule: Any, steps: np.ndarray) -> np.ndarray:
    eager = np.asarray(schedule(steps))
    assert np.array_equal(eager, np.asarray(jax.jit(schedule)(steps)), equal_nan=True)
    return eager.astype(np.float64)


@budget(CI_EXAMPLES // 2, deadline=datetime.timedelta(seconds=60), long=0.25)  # 2 compiles
@given(tree=section_tree(3), extra=st.lists(st.integers(0, 2**31 - 1), max_size=20))
def test_composites_nested_to_depth_3_against_float64(tree, extra):
    section, n, leaves = tree
    schedule = call(lrs.make_schedule, section, n)
    event(type(schedule).__name__)
    if isinstance(schedule, ConfigError):
        return
    steps = sample_steps(schedule, n, extra)
    got = _eager_equals_jit(schedule, steps)
    want = reference64(section, n, steps)
    assert np.all(np.isfinite(got)), section
    # each leaf within the 2e-6 contract; a product of k leaves within k times it
    tol = 2e-6 * leaves + 4 * F32_EPS
    bad = np.abs(got - want) > tol * np.abs(want) + 1e-30
    assert not bad.any(), (section, n, steps[bad][:5], got[bad][:5], want[bad][:5])
    again = lrs.from_config(schedule.to_config(), schedule.num_steps)  # nothing dropped
    assert again == schedule


NOISE = st.fixed_dictionaries(
    {"noise_range_steps": st.one_of(st.integers(0, 50), st.tuples(st.integers(0, 20),
                                                                  st.integers(21, 10**6)))},
    optional={"noise_pct": st.floats(0.01, 0.99), "noise_std": st.floats(0.01, 1e6),
              "noise_type": st.sampled_from(["normal", "uniform"]),
              "noise_seed": st.integers(0, 2**32 - 1)},
).map(lambda d: {**d, "noise_range_steps": (list(d["noise_range_steps"])
                                            if isinstance(d["noise_range_steps"], tuple)
                                            else d["noise_range_steps"])})  # fmt: skip


def with_noise(section: dict, draw: Any) -> tuple[dict, float]:
    """``section`` with noise keys on itself or on one of its parts: the bound of the noise."""
    target = section
    for _ in range(draw(st.integers(0, 3))):  # walk down to a random part
        parts = target.get("phases") or [f for f in target.get("factors", []) if
                                          isinstance(f, dict)] or (
            [target["schedule"]] if "schedule" in target else [])  # fmt: skip
        if not parts:
            break
        target = draw(st.sampled_from(parts))
    noise = draw(NOISE)
    target.update(noise)
    return section, noise.get("noise_pct", 0.67)


@budget(CI_EXAMPLES // 2, deadline=datetime.timedelta(seconds=60), long=0.05)
@given(tree=section_tree(2), data=st.data())
def test_noise_anywhere_is_applied_and_bounded(tree, data):
    """Noise keys on a section, a phase, a factor or a composite change the values (they were
    dropped), within 1 +- noise_pct of the schedule without them, finite, eager equal to jit."""
    import copy

    section, n, _ = tree
    plain = call(lrs.make_schedule, section, n)
    if isinstance(plain, ConfigError):
        return
    noisy_section, pct = with_noise(copy.deepcopy(section), data.draw)
    noisy = call(lrs.make_schedule, noisy_section, n)
    event(type(noisy).__name__)
    if isinstance(noisy, ConfigError):  # (a peak times 1 + noise_pct past float32's range)
        assert any("noise_pct" in p for p in noisy.problems), noisy
        return
    steps = np.arange(0, 64, dtype=np.int32)
    got = _eager_equals_jit(noisy, steps)
    base = np.asarray(plain(steps), np.float64)
    assert np.all(np.isfinite(got))
    # a rate below float32's normal range is 0 or a subnormal, flushed or not: no ratio there
    keep = base >= np.finfo(np.float32).tiny
    ratio = got[keep] / base[keep]
    assert np.all(ratio >= 1 - pct - 1e-5) and np.all(ratio <= 1 + pct + 1e-5), ratio
    assert np.all(got[~keep] <= np.finfo(np.float32).tiny * (1 + pct)), got[~keep]
    assert lrs.from_config(noisy.to_config(), noisy.num_steps) == noisy


cooldown_values = st.one_of(st.integers(0, 60), st.integers(0, 60), st.integers(-5, 2**31 + 5),
                            st.sampled_from([0, 1, 10, 99, 100]), garbage)  # fmt: skip


@budget(2 * CI_EXAMPLES, deadline=datetime.timedelta(seconds=30), long=0.25)
@given(
    base=st.sampled_from([
        {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 10},
        {"type": "wsd", "start_lr": 2.0, "stop_lr_ratio": 0.01, "decay_phase_steps": 30},
        {"type": "constant", "start_lr": 1e-3, "warmup_steps": 5},
        {"type": "constant", "start_lr": 3e38},
        {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5},
    ]),
    block=st.fixed_dictionaries(
        {"at_step": cooldown_values, "length": cooldown_values},
        optional={"decay_type": st.one_of(st.sampled_from(["linear", "cosine", "1-sqrt",
                                                           "inverse_linear"]), garbage),
                  "stop_lr": st.one_of(st.floats(0, 1e-3), st.floats(0, 1e-3),
                                       st.sampled_from([1e-40, 0.0, 1.0]), garbage),
                  "stop_lr_ratio": st.one_of(st.floats(0, 1), st.floats(0, 1), garbage)},
    ),
    phase=st.booleans(),
    n=st.sampled_from([100, 1000]),
)  # fmt: skip
def test_cooldown_blocks_are_checked_before_anything_is_built(base, block, phase, n):
    """validate() and make_schedule() agree on every cooldown block (it was checked only when
    built), inside a sequence phase too; an accepted one is the wsd of its to_config()."""
    section = {**base, "cooldown": block}
    if phase:
        section = {"type": "sequence", "phases": [{**section, "steps": n // 2}, C_SECTION]}
    checked = call(lrs.validate, section, n)
    built = call(lrs.make_schedule, section, n)
    event(type(built).__name__)
    assert isinstance(checked, ConfigError) == isinstance(built, ConfigError), (checked, built)
    if isinstance(built, ConfigError):
        assert built.problems == checked.problems
        return
    steps = np.arange(0, n + 2, max(1, n // 50), dtype=np.int32)
    got = _eager_equals_jit(built, steps)
    want = reference64(built.to_config(), built.num_steps, steps)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-30)


C_SECTION = {"type": "constant", "start_lr": 1e-3}


@budget(2 * CI_EXAMPLES, deadline=datetime.timedelta(seconds=30))
@given(
    section=st.recursive(
        st.one_of(plausible(garbage), st.sampled_from([C_SECTION]), garbage),
        lambda parts: st.one_of(
            st.builds(lambda p, s, e: {"type": "sequence", "phases": p, **s, **e},
                      st.lists(parts.map(lambda x: {**x, "steps": 3} if isinstance(x, dict)
                                         else x), max_size=3),
                      st.fixed_dictionaries({}, optional={"scale_by_worker": WORDS}),
                      st.dictionaries(st.sampled_from(KEYS), garbage, max_size=2)),
            st.builds(lambda f, e: {"type": "product", "factors": f, **e},
                      st.lists(st.one_of(parts, ordinary_floats, garbage), max_size=3),
                      st.dictionaries(st.sampled_from(KEYS), garbage, max_size=2)),
            st.builds(lambda p, k: {"type": "shifted", "schedule": p, "start_step": k},
                      parts, st.one_of(ordinary_ints, garbage)),
        ),
        max_leaves=8,
    ),
    steps=st.one_of(st.integers(0, 2000), num_steps),
    workers=st.one_of(st.integers(1, 8), st.just("auto"), garbage),
)  # fmt: skip
def test_composite_garbage(section, steps, workers):
    """Sequences, products and shifted schedules of garbage, nested: one ConfigError, and
    validate() accepts exactly what make_schedule() builds."""
    checked = call(lrs.validate, section, steps)
    built = call(lrs.make_schedule, section, steps, num_workers=workers)
    event(type(built).__name__)
    if isinstance(checked, ConfigError) and not isinstance(built, ConfigError):
        raise AssertionError(f"validate refused what make_schedule built: {checked}")
    if not isinstance(built, ConfigError):
        value = np.asarray(built(jnp.asarray([0, 1, 2**31 - 1], jnp.int32)))
        assert np.all(np.isfinite(value)), (section, value)


# ----------------------------------------------------------------------------------------
# Plugins: broken, raising, exiting, shadowing, registering garbage


PLUGIN_BODIES = {
    "import": "import lrs_fuzz_no_such_module_{i}\n",
    "raise": "raise RuntimeError('x' * {size})\n",
    "exit": "raise SystemExit({size})\n",
    "recursion": "def f(): return f()\nf()\n",
    "shadow": "import lrschedules_jax as lrs\nfrom lrschedules_jax import extend\n"
    "class Shadow{i}(extend.WarmupSchedule):\n"
    "    def _decay(self, t, dtype):\n        return extend.as_float(self.start_lr, dtype) + 0 * t\n"
    "lrs.register_type(Shadow{i}, {name!r})\n",
    "register": "import lrschedules_jax as lrs\nfrom lrschedules_jax import extend\n"
    "class Mine{i}(extend.WarmupSchedule):\n"
    "    def _decay(self, t, dtype):\n"
    "        return extend.as_float(self.start_lr, dtype) + 0 * t.astype(dtype)\n"
    "lrs.register_type(Mine{i}, {name!r})\n",
}
_PLUGIN_COUNT = [0]


@budget(CI_EXAMPLES, deadline=datetime.timedelta(seconds=30), long=0.1)
@given(
    kinds=st.lists(st.sampled_from(sorted(PLUGIN_BODIES)), min_size=1, max_size=4),
    names=st.lists(st.one_of(st.sampled_from(["exp", "cosine", "sequence", "plugged"]),
                             st.text(max_size=10), st.just("z" * 300)), min_size=4, max_size=4),
    size=st.sampled_from([0, 1, 3, 100_000]),
    wanted=st.sampled_from(["exp", "plugged", "plugge", "sequence", "nothing_like_it"]),
)  # fmt: skip
def test_plugins_never_break_the_command_line(kinds, names, size, wanted):
    """Installed plugins that fail to import, raise (100 KB messages), exit, recurse, shadow a
    built-in type or register garbage names: a valid input still checks, an unknown type is
    one bounded problem naming the plugins that failed, and no traceback is shown."""
    import importlib
    import sys as _sys

    from lrschedules_jax import config as config_module
    from lrschedules_jax import extend

    before = set(extend.registered_types())
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        root = Path(folder)
        info = root / "lrs_fuzz_plugins-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: lrs-fuzz-plugins\nVersion: 0.1\n"
        )
        lines = ["[lrschedules_jax.types]"]
        modules = []
        for kind, name in zip(kinds, names, strict=False):
            _PLUGIN_COUNT[0] += 1
            i = _PLUGIN_COUNT[0]
            module = f"lrs_fuzz_plugin_{i}"
            modules.append(module)
            (root / f"{module}.py").write_text(
                PLUGIN_BODIES[kind].format(i=i, size=size, name=name)
            )
            lines.append(f"p{i} = {module}")
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        section = ({"type": "sequence", "phases": [C_SECTION]} if wanted == "sequence"
                   else {"type": wanted, "start_lr": 1e-3, "stop_lr": 1e-5})  # fmt: skip
        path = root / "in.json"
        path.write_text(json.dumps({"learning_rate": section, "training": {"numb_steps": 10}}))
        monkeypatch.syspath_prepend(folder)
        importlib.invalidate_caches()
        monkeypatch.setattr(config_module, "_plugins", None)
        try:
            status, _, err = run_cli(["check", str(path), "--extensions"])
            assert status in (0, 2) and "Traceback" not in err and len(err) < 5000, err[-2000:]
            if wanted in ("exp", "sequence"):  # a built-in type: no plugin is even imported
                assert status == 0, err
                assert config_module._plugins is None
            error = call(lrs.make_schedule, section, 10)
            assert isinstance(error, ConfigError) == (status == 2)
            status, _, err = run_cli(["schema"])
            assert status == 0 and "Traceback" not in err
        finally:
            for name in set(extend.registered_types()) - before:
                extend.unregister_type(name)
            for module in modules:
                _sys.modules.pop(module, None)


# ----------------------------------------------------------------------------------------
# inject: argument names, static_args and factories of every kind


@budget(2 * CI_EXAMPLES)
@given(
    factory=st.one_of(st.sampled_from([optax.sgd, optax.adam, optax.adamw, optax.chain,
                                       lambda learning_rate, **kw: optax.sgd(learning_rate)]),
                      garbage),
    names=st.dictionaries(
        st.one_of(st.sampled_from(["learning_rate", "learning_rat", "b1", "momentum", "eps",
                                   "weight_decay", "mask", "nesterov"]), st.text(max_size=12)),
        st.one_of(st.floats(1e-4, 0.5), st.integers(0, 3), st.booleans(), st.none()),
        max_size=4),
    static=st.one_of(st.just(()), st.sampled_from(["mask", "nesterov", "x"]),
                     st.lists(st.text(max_size=5), max_size=2), garbage),
)  # fmt: skip
def test_inject_arguments(factory, names, static):
    """A name the factory does not take, or static_args naming one not given: a ConfigError
    (was a TypeError saying a required argument is missing); a factory that is not callable, or
    static_args that are not names: a TypeError naming the argument (3 was accepted)."""
    wrong_type = not callable(factory) or not (
        isinstance(static, str) or (isinstance(static, (list, tuple)) and
                                    all(isinstance(x, str) for x in static))
    ) or any(isinstance(v, bool) for k, v in names.items() if k in ("learning_rate", "b1", "eps",
                                                                       "weight_decay"))  # fmt: skip
    try:
        tx = call(lrs.inject, factory, static_args=static, **names)
    except TypeError as exc:
        event("TypeError")
        assert len(str(exc)) < 1000
        assert wrong_type or isinstance(factory, type(optax.sgd)), exc
        return
    event(type(tx).__name__)


# ----------------------------------------------------------------------------------------
# The command line on composite, noise and cooldown files: check OK means show and plot OK


@budget(CI_EXAMPLES // 2, deadline=datetime.timedelta(seconds=60), long=0.05)
@given(tree=section_tree(2), data=st.data(), command=st.sampled_from(["show", "plot"]))
def test_cli_composites(tree, data, command):
    import copy

    section, n, _ = tree
    if data.draw(st.booleans()):
        section, _ = with_noise(copy.deepcopy(section), data.draw)
    if data.draw(st.booleans()):
        section = {"type": "sequence", "phases": [
            {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "steps": 100,
             "cooldown": {"at_step": data.draw(st.integers(-1, 120)),
                          "length": data.draw(st.integers(0, 30))}},
            section]}  # fmt: skip
        n += 100
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.json"
        path.write_text(json.dumps({"learning_rate": section, "training": {"numb_steps": n}}))
        checked, _, err = run_cli(["check", str(path), "--extensions"])
        assert checked in (0, 2) and "Traceback" not in err, err[-2000:]
        argv = [command, str(path), "--extensions"]
        if command == "plot":
            argv += ["-o", str(Path(folder) / "out.png")]
        status, _, err = run_cli(argv)
        event(f"check {checked}, {command} {status}")
        assert "Traceback" not in err and len(err) < 20_000, err[-2000:]
        assert status == checked, err[-2000:]  # validated before anything is built


# ----------------------------------------------------------------------------------------
# Eager equals jit: NumPy steps of every width


@budget(CI_EXAMPLES // 2, deadline=datetime.timedelta(seconds=60), long=0.1)
@given(
    part=leaf_section(),
    steps=st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-5, 2**31 + 5),
                             st.sampled_from([2**31, 2**32, 2**40, -(2**40), 2**63 - 1])),
                   min_size=1, max_size=8),
    dtype=st.sampled_from([np.int64, np.uint64, np.int32, np.uint32, np.int16]),
)  # fmt: skip
def test_numpy_steps_give_the_same_value_eagerly_and_under_jit(part, steps, dtype):
    config, n = part
    schedule = call(lrs.make_schedule, config, n)
    if isinstance(schedule, ConfigError):
        return
    array = np.asarray([x % 2**64 if dtype == np.uint64 else x for x in steps
                        if np.iinfo(dtype).min <= (x % 2**64 if dtype == np.uint64 else x)
                        <= np.iinfo(dtype).max], dtype=dtype)  # fmt: skip
    assume(array.size)
    eager = np.asarray(schedule(array))
    assert np.array_equal(eager, np.asarray(jax.jit(schedule)(array)))
    for x in array[:2]:
        assert float(schedule(x)) == float(jax.jit(schedule)(x))


# Python's own limit on int <-> str conversion, which the huge-integer cases rely on.
assert sys.version_info < (3, 11) or sys.get_int_max_str_digits() > 0

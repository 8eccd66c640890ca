"""The contract on every surface: composition, user types and plugins, noise, cooldown, stacks,
the optimizers' side, hyperparameters and the command line.

For every public entry point: bad input gets one ``ConfigError`` naming the key (a ``TypeError``
only for a Python argument of the wrong type), in bounded time and memory; every accepted
config is finite and within 2e-6 of a float64 evaluation, eagerly as under ``jax.jit``; nothing a
config says is silently ignored. One test per kind of failure, each with the cases that showed
it; values are compared with float64 evaluations written here from the formulas.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import math
import sys
import time
import tracemalloc

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError, config, extend
from lrschedules_jax.cli import main

DTYPE_PROMOTION = "standard"  # optax's own code runs here

F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.finfo(np.float32).tiny)
C = {"type": "constant", "start_lr": 1e-3}


def problems(fn, *args, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as info:
        fn(*args, **kwargs)
    assert len(str(info.value)) < 5000
    return info.value.problems


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def values(schedule, steps) -> np.ndarray:
    return np.asarray(schedule(jnp.asarray(steps, jnp.int32)), np.float64)


# ---- Unbounded: a 10 MB sequence file, the count of parts, the depth of Python mappings -------


def test_a_10_mb_sequence_file_is_read_once_and_refused_by_its_count_of_parts(tmp_path):
    """A file inside the 10 MiB input limit can hold 190,000 phases: it is parsed once (no deep
    copy of the input, nor of its section: a Python peak of 138 MiB before) and refused by the
    count of its parts before any is validated (check took 13 s and 300 MB; show 192 s)."""
    phases = [{"steps": 1, "type": "constant", "start_lr": 0.001} for _ in range(189_999)]
    phases.append({"type": "constant", "start_lr": 0.001})
    path = tmp_path / "long.json"
    path.write_text(
        json.dumps({"learning_rate": {"type": "sequence", "phases": phases}}, separators=(",", ":"))
    )
    assert 8 * 2**20 < path.stat().st_size < lrs.io.MAX_INPUT_BYTES
    del phases
    tracemalloc.start()
    try:
        section, _ = lrs.load_input(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(section["phases"]) == 190_000
    assert peak < 90 * 2**20, f"{peak / 2**20:.0f} MiB"
    del section
    start = time.perf_counter()
    status, _, err = run_cli(["check", str(path), "--num-steps", "200000"])
    assert time.perf_counter() - start < 30
    assert status == 2 and "Traceback" not in err
    assert (
        "learning_rate.phases: holds 190,000 schedules; a section is made of at most 1,000" in err
    )


def test_the_count_of_parts_is_one_limit_over_nested_composites():
    inner = {"type": "product", "factors": [C] * 600}
    ok = {"type": "sequence", "phases": [{**C, "steps": 1}, inner]}
    assert lrs.make_schedule(ok, 10).num_steps == 10
    (line,) = problems(
        lrs.make_schedule, {"type": "sequence", "phases": [{**inner, "steps": 1}, inner]}, 10
    )
    assert line.startswith("learning_rate.phases[")
    assert "a section is made of at most 1,000 in all" in line
    (line,) = problems(lrs.product, factors=[C] * 1001, num_steps=10)  # the builder too
    assert line.startswith("learning_rate.factors: holds 1,001 schedules")


def _deep_sequence(levels: int) -> dict:
    section = dict(C)
    for _ in range(levels):
        section = {"type": "sequence", "phases": [section]}
    return section


@pytest.mark.parametrize("levels", [60, 400, 3000])
def test_python_mappings_have_the_depth_limit_of_files_on_every_entry_point(levels):
    """A section nested deeper than 100 levels from Python: one ConfigError, from the builders
    too (they reported the 100th composite level under a path of 1000 characters)."""
    deep = _deep_sequence(levels)
    for call in (
        lambda: lrs.make_schedule(deep, 10),
        lambda: lrs.validate(deep, 10),
        lambda: lrs.sequence(phases=deep["phases"], num_steps=10),
        lambda: lrs.from_config(deep, 10),
    ):
        (line,) = problems(call)
        assert line.startswith("learning_rate.phases: nested more than 100 levels deep")


def test_an_alias_bomb_built_in_python_is_walked_once_per_level():
    bomb: list = [1.0] * 10
    for _ in range(9):  # 10**10 leaves, 10 lists
        bomb = [bomb] * 10
    start = time.perf_counter()
    (line,) = problems(lrs.make_schedule, {**C, "start_lr": bomb}, 10)
    assert time.perf_counter() - start < 1.0
    assert line.startswith("learning_rate.start_lr: ")


def test_a_registered_name_is_short_enough_to_be_shown_in_messages():
    class Flat(extend.WarmupSchedule):
        def _decay(self, t, dtype):
            return extend.as_float(self.start_lr, dtype) + 0 * t.astype(dtype)

    (line,) = problems(lrs.register_type, Flat, "y" * 200_000)
    assert line.startswith("type: a type name must be a printable string of 1 to 80 characters")
    assert "y" * 200_000 not in lrs.extend.registered_types()
    (line,) = problems(lrs.make_schedule, {"type": 3}, 10)
    assert len(line) < 400 and "allowed: `constant`" in line


# ---- The float32 check on every rate-bearing value --------------------------------------------


class InversePower(extend.WarmupSchedule):
    """The configuration guide's example type."""

    power: float = extend.leaf(0.5, gt=0, description="How fast the rate falls.")
    decay_steps: int = extend.static(1000, ge=1, sweep=True, description="Steps per decay.")

    def _decay(self, t, dtype):
        x = t.astype(dtype) / extend.as_float(self.decay_steps, dtype)
        s0, p = extend.as_float(self.start_lr, dtype), extend.as_float(self.power, dtype)
        return s0 * (1 + x) ** -p


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: lrs.Constant(start_lr=1e39, num_steps=10), "Constant.start_lr"),
        (lambda: lrs.Cosine(start_lr=1.0, stop_lr=1e-40, num_steps=10), "Cosine.stop_lr"),
        (lambda: InversePower(start_lr=1e39, num_steps=10), "InversePower.start_lr"),
        (lambda: lrs.OneCycle(max_lr=1e-30, div_factor=1e5, num_steps=10), "OneCycle.max_lr"),
        (
            lambda: lrs.wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=100).cooldown(
                50, 10, stop_lr=1e-40
            ),
            "cooldown.stop_lr",
        ),
    ],
    ids=["builtin-class", "stop-underflow", "user-class", "one-cycle-lowest", "cooldown"],
)
def test_a_class_made_directly_gets_the_float32_check(make, path):
    """A type made from Python (a user's type, a built-in class) gave inf or 0.0 for a rate
    the config layer refuses."""
    (line,) = problems(make)
    assert line.startswith(f"{path}: ") and "float32" in line


def test_products_built_in_python_keep_their_rates_in_float32():
    """``s * 1e300`` was inf at every step, constant(1e30) * constant(1e30) inf: the constant
    times the first factor's rates, and the product of the peaks, are checked as for a section.
    A product passed to ``jit`` as an argument traced its constant in float32 (1e-50: 0.0)."""
    s = lrs.constant(start_lr=1e-3, num_steps=10)
    big = lrs.constant(start_lr=1e30, num_steps=10)
    (line, _) = problems(lambda: s * 1e300)
    assert line.startswith("product.factors[0].start_lr: times the product's constant")
    (line,) = problems(lambda: big * big)
    assert line.startswith("product: the product of the factors' peaks (1e+60)")
    (line,) = problems(lambda: 1e-40 * lrs.constant(start_lr=1.0, num_steps=10))
    assert line.startswith("product.factors[0].start_lr: a positive rate times")
    # a constant that brings a rate back into range is exact (folded in float64)
    tiny = 1e-50 * big
    rows = lrs.stack([big, big.replace(start_lr=2e30)]) * 1e-50
    for v in (
        values(tiny, [0, 5]),
        np.asarray(jax.jit(lambda p: p(jnp.arange(2)))(tiny)),
        np.asarray(jax.jit(lambda p: p(jnp.arange(2)))(rows))[0],
        np.asarray(jax.vmap(lambda p: p(3))(rows)) / [1, 2],
    ):
        np.testing.assert_allclose(v, 1e-20, rtol=2e-6)
    (line,) = problems(lrs.stack, [1e-50 * big, 2e-50 * big])  # a traced constant: float32
    assert line.startswith("constant: differs between the products")
    for section in (
        {"type": "product", "factors": [1e300, C]},
        {"type": "product", "factors": [{**C, "start_lr": 1e30}, {**C, "start_lr": 1e30}]},
    ):
        problems(lrs.make_schedule, section, 10)


@pytest.mark.parametrize("wrap", ["shifted", "product", "sequence"])
def test_a_constant_reaches_small_factors_inside_a_nested_product(wrap):
    """``[1e30, constant 1, shifted([cosine to 1e-20, cyclic from 1e-20])]`` is 1e-10 at the end
    (the 20,000-example fuzz): the inner product's factors multiplied to 1e-40 before the
    constant, flushed to 0. The outer value is multiplied in right after the inner first factor.
    """
    inner = {
        "type": "product",
        "factors": [
            {"type": "cosine", "start_lr": 1.0, "stop_lr_ratio": 1e-20},
            {"type": "cyclic", "base_lr": 1e-20, "max_lr": 1.0, "step_size_up": 1},
        ],
    }
    one = {"type": "constant", "start_lr": 1.0}
    part = {
        "shifted": {"type": "shifted", "start_step": 0, "schedule": inner},
        "product": inner,
        "sequence": {"type": "sequence", "phases": [{"steps": 1, **one}, inner]},
    }[wrap]
    section = {"type": "product", "factors": [1e30, one, part]}
    sched = lrs.make_schedule(section, 1 if wrap != "sequence" else 2)
    # the inner product's even steps past 1 (a sequence starts it at step 1), where float64
    # gives 1e30 * 1 * cosine's floor 1e-20 * cyclic's base 1e-20
    steps = np.asarray([2, 4, 2**24, 2**31 - 2], np.int32) + (wrap == "sequence")
    for got in (values(sched, steps), np.asarray(jax.jit(lambda s: s(steps))(sched))):
        np.testing.assert_allclose(got, 1e-10, rtol=2e-6)
    noisy = lrs.make_schedule({**section, "noise_range_steps": [2**30, 2**31 - 1]}, sched.num_steps)
    np.testing.assert_allclose(values(noisy, steps[:3]), 1e-10, rtol=2e-6)


@pytest.mark.parametrize("key", ["eps", "threshold"])
def test_plateau_bounds_are_float32_numbers(key):
    """eps 3.4028235677973366e38 (the 20,000-example fuzz) rounds to inf in float32: refused,
    as every value past float32's largest; the largest itself works."""
    extra = {"threshold_mode": "abs"} if key == "threshold" else {}
    with pytest.raises(ConfigError, match=rf"{key}: .*largest float32"):
        lrs.reduce_on_plateau(**{key: 3.4028235677973366e38}, **extra)
    tx = lrs.reduce_on_plateau(**{key: 3.4028234663852886e38}, patience=0, **extra)
    state = tx.init(jnp.zeros(1))
    for metric in (1.0, 2.0):  # the second is worse: patience 0 reduces
        _, state = tx.update(jnp.ones(1), state, value=metric)
    assert float(state.best) == 1.0  # best - threshold is finite: 1.0 beat +inf
    # eps: the reduction 1 -> 0.1 is smaller than eps, skipped; threshold: taken
    assert float(state.scale) == (1.0 if key == "eps" else pytest.approx(0.1))


def test_noise_made_directly_is_checked():
    from lrschedules_jax._schedule import Noise

    base = lrs.constant(start_lr=1.0, num_steps=10)
    (line,) = problems(Noise, noise_range_steps=0, noise_std=1e39)  # NaN at every noisy step
    assert line.startswith("Noise.noise_std: must be <= 1000000")
    (line,) = problems(
        lrs.Noisy,
        schedule=base.replace(start_lr=3e38),
        noise=Noise(noise_range_steps=0, noise_pct=0.9),
        num_steps=10,
    )
    assert line.startswith("noisy.noise_pct: the schedule's peak times 1 + noise_pct")


def _one_cycle64(max_lr, div, final, n, pct, steps):
    """torch's OneCycleLR (cos) in float64."""
    initial, low = max_lr / div, max_lr / div / final
    up = pct * n - 1
    out = []
    for s in steps:
        s = min(s, n - 1)
        if s <= up:
            a, b, q = initial, max_lr, s / up
        else:
            a, b, q = max_lr, low, (s - up) / (n - 1 - up)
        out.append(b + (a - b) / 2 * (1 + math.cos(math.pi * q)))
    return np.asarray(out)


@pytest.mark.parametrize(
    ("max_lr", "div", "final"), [(2e38, 1.0, 1.0), (3.4e38, 1.0, 1.5), (1e38, 3.0, 7.0)]
)
def test_one_cycle_at_the_top_of_float32_traced_and_stacked(max_lr, div, final):
    """max_lr 2e38 with both factors 1: NaN on 70 of 100 steps under jit or in a stack (the
    lowest rate's intermediate max_lr / div / 0.5 overflowed)."""
    s = lrs.one_cycle(max_lr=max_lr, div_factor=div, final_div_factor=final, num_steps=100)
    steps = np.arange(0, 101)
    want = _one_cycle64(max_lr, div, final, 100, 0.3, steps)
    eager = values(s, steps)
    jitted = np.asarray(jax.jit(lambda x, t: x(t))(s, jnp.asarray(steps)), np.float64)
    stacked = np.asarray(lrs.stack([s, s.replace(max_lr=max_lr / 2)])(jnp.asarray(steps)))[0]
    for got in (eager, jitted, stacked.astype(np.float64)):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=2e-6)


def test_cosine_restarts_k_decay_is_a_normal_float32():
    """k_decay 1e-38 is 0 in float32: 0 * log(0) made every cycle start NaN."""
    (line,) = problems(
        lrs.cosine_restarts, start_lr=1.0, stop_lr=0.0, cycle_steps=10, k_decay=1e-38,
        num_steps=100,
    )  # fmt: skip
    assert line.startswith("learning_rate.k_decay: must be >= 1.17549435")
    s = lrs.cosine_restarts(
        start_lr=1.0, stop_lr=0.0, cycle_steps=10, k_decay=F32_TINY, num_steps=100
    )
    steps = np.arange(40)
    q = (steps % 10) / 10
    want = np.where(q == 0, 1.0, (1 + np.cos(np.pi * q**F32_TINY)) / 2)  # float64
    got = values(s, steps)
    np.testing.assert_allclose(got, want, atol=2e-6)
    assert np.array_equal(got, np.asarray(jax.jit(lambda x, t: x(t))(s, jnp.asarray(steps))))


# ---- Eager equals jit --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [np.int64(2**40), np.int64(2**31), np.int64(-(2**40) - 3), np.uint64(2**40 + 7)],
    ids=["2**40", "2**31", "-2**40-3", "uint64"],
)
def test_a_numpy_step_gives_the_same_value_eagerly_and_under_jit(step):
    """s(np.int64(2**40)) clamped to 2**31 - 1 eagerly (1e-6 for this linear decay) while
    jax.jit(s) read the wrapped int32 (step 0: 1.0)."""
    for s in (
        lrs.linear(start_lr=1.0, stop_lr=1e-6, num_steps=100),
        lrs.wsd(start_lr=1.0, stop_lr=1e-6, num_steps=100, warmup_steps=10),
        lrs.constant(start_lr=1.0, num_steps=10)
        * lrs.linear(start_lr=1.0, stop_lr=0.5, num_steps=10, scale_by_worker="none"),
    ):
        eager = float(s(step))
        assert eager == float(jax.jit(s)(step))  # the same program: bit for bit
        traced = float(jax.jit(lambda x, t: x(t))(s, step))  # the rates traced in float32
        assert traced == pytest.approx(eager, rel=2e-6)
        array = np.asarray([step, 5], dtype=np.asarray(step).dtype)
        assert np.array_equal(np.asarray(s(array)), np.asarray(jax.jit(s)(array)))


# ---- Silently ignored: num_workers="auto" in composites ----------------------------------------


@pytest.mark.parametrize(
    ("section", "scale"),
    [
        ({"type": "sequence", "phases": [C]}, 1.0),
        ({"type": "product", "factors": [C]}, 1.0),
        ({"type": "shifted", "start_step": 2, "schedule": C}, 1.0),
        ({"type": "product", "factors": [C, C]}, 1.0),
        ({"type": "sequence", "phases": [{**C, "scale_by_worker": "linear"}]}, 4.0),
        ({"type": "sequence", "scale_by_worker": "sqrt", "phases": [C]}, 2.0),
        ({"type": "product", "factors": [C, {**C, "scale_by_worker": "linear"}]}, 4.0),
    ],
    ids=["seq", "prod", "shifted", "prod2", "phase-says", "seq-says", "second-says"],
)
def test_auto_workers_scale_a_part_only_where_the_section_says_so(monkeypatch, section, scale):
    """With num_workers="auto" on 4 devices, a section that never gives scale_by_worker was
    scaled by 4 when it was a sequence, product or shifted (the composite handed its default
    to its parts as if written); a product whose second factor says linear was refused."""
    monkeypatch.setattr(jax, "device_count", lambda: 4)
    s = lrs.make_schedule(section, 10, num_workers="auto")
    first = 1e-3 * (1e-3 if section["type"] == "product" and len(section["factors"]) == 2 else 1)
    np.testing.assert_allclose(float(s(0)), scale * first, rtol=2e-6)
    alone = lrs.make_schedule(section, 10)  # one worker: never scaled
    np.testing.assert_allclose(float(alone(0)), first, rtol=2e-6)


# ---- One problem per bad value, at its path ----------------------------------------------------


@pytest.mark.parametrize("factor", ["x", True, math.nan, 10**400, [1.0]])
def test_a_bad_product_factor_is_one_problem_at_its_index(factor):
    """'x' was reported twice, under garbled paths (factors.dict[str,any][0], factors.float[0])."""
    (line,) = problems(lrs.make_schedule, {"type": "product", "factors": [factor, C]}, 10)
    assert line.startswith(
        "learning_rate.factors[0]: must be a `learning_rate` mapping or a number >= 0; got "
    )


def test_cooldown_blocks_are_validated_with_the_section():
    section = {"type": "constant", "start_lr": 1e-3, "cooldown": {"at_step": 5, "length": 5}}
    for call in (lrs.validate, lrs.make_schedule):
        (line,) = problems(call, section, 100)
        assert line.startswith("learning_rate.cooldown.stop_lr: a `constant` run has no stop")
    seq = {"type": "sequence", "phases": [{**section, "steps": 10}, C]}
    (line,) = problems(lrs.validate, seq, 100)
    assert line.startswith("learning_rate.phases[0].cooldown.stop_lr: ")


def test_a_cooldown_in_a_phase_or_factor_ends_with_the_part():
    """A cooldown ending before its phase's end was accepted, and the schedule's to_config()
    then raised (the cooled phase ran 11 steps in a slot of 50)."""
    wsd = {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 10}
    short = {**wsd, "steps": 50, "cooldown": {"at_step": 10, "length": 1}}
    (line,) = problems(lrs.validate, {"type": "sequence", "phases": [short, C]}, 100)
    assert line.startswith("learning_rate.phases[0].cooldown.length: a cooldown in a sequence")
    (line,) = problems(
        lrs.make_schedule,
        {"type": "product", "factors": [{**wsd, "cooldown": {"at_step": 20, "length": 30}}]},
        100,
    )
    assert line.startswith("learning_rate.factors[0].cooldown.length: ")
    fits = {**wsd, "steps": 50, "cooldown": {"at_step": 20, "length": 30}}
    s = lrs.make_schedule({"type": "sequence", "phases": [fits, C]}, 100)
    assert lrs.from_config(s.to_config(), 100) == s
    cooled = lrs.wsd(**{k: v for k, v in wsd.items() if k != "type"}, num_steps=50)
    cooled = cooled.cooldown(20, 30)
    np.testing.assert_array_equal(values(s, range(50)), values(cooled, range(50)))


def test_a_product_of_one_schedule_round_trips():
    """lrs.product(s).to_config() was s's own section: from_config gave s, not the product."""
    s = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100)
    for p in (lrs.product(s), s * 1.0):
        assert p.to_config()["type"] == "product"
        assert lrs.from_config(p.to_config(), 100) == p
    scaled = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100, num_workers=2)
    assert scaled.to_config()["type"] == "cosine"  # the worker scale: the section itself


def test_plot_with_a_long_path_writes_the_image_without_a_warning(tmp_path):
    """A long input path made the legend wider than the figure: matplotlib's layout warning
    on stderr (a traceback where warnings are errors, as in this test suite)."""
    folder = tmp_path / ("a-long-folder-name-" * 6)
    folder.mkdir()
    path = folder / "input.json"
    path.write_text(json.dumps({"learning_rate": {
        "type": "cyclic", "base_lr": 0.03162, "max_lr": 0.03162, "step_size_up": 1},
        "training": {"numb_steps": 1}}))  # fmt: skip
    status, _out, err = run_cli(["plot", str(path), "--extensions", "-o", str(tmp_path / "o.png")])
    assert status == 0 and err == "" and (tmp_path / "o.png").stat().st_size > 1000, err


# ---- Which error: a ConfigError for a bad value, a TypeError for a wrong Python type ----------

_S = lrs.constant(start_lr=1e-3, num_steps=10)
_STACK = lrs.stack([_S, _S.replace(start_lr=2e-3)])
_WSD = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=100)

BAD_VALUES = {
    "stack-empty": lambda: lrs.stack([]),
    "stack-of-stacks": lambda: lrs.stack([_STACK]),
    "product-mixed": lambda: _S * _STACK,
    "sequence-mixed": lambda: lrs.sequence([_S, _STACK], boundaries=[5]),
    "sequence-no-schedule": lambda: lrs.sequence([], boundaries=[]),
    "unstack-single": lambda: lrs.unstack(_S),
    "index-out-of-range": lambda: _STACK[5],
    "shifted-out-of-range": lambda: _S.shifted(2**40),
    "replace-unknown-key": lambda: _WSD.replace(star_lr=1.0),
    "cooldown-exp": lambda: lrs.cooldown(lrs.exp(start_lr=1e-3, stop_lr=1e-5, num_steps=9), 1, 1),
    "current-lr-no-rate": lambda: lrs.current_lr(optax.adam(1e-3).init(jnp.zeros(2))),
    "inject-unknown-argument": lambda: lrs.inject(optax.sgd, learning_rat=0.1),
    "inject-static-not-given": lambda: lrs.inject(
        optax.sgd, learning_rate=0.1, static_args="momentum"
    ),
    "unregister-builtin": lambda: extend.unregister_type("exp"),
    "unregister-unknown": lambda: extend.unregister_type("nope"),
    "register-builtin-under-new-name": lambda: lrs.register_type(lrs.Constant, "my_constant"),
    "hyperparameter-bounds-values": lambda: lrs.hyperparameter(
        {"type": "constant", "start_value": 0.5}, 10, name="x", bounds=("a", "b")
    ),
}
WRONG_TYPES = {
    "stack-item": lambda: lrs.stack([_S, 1.0]),
    "unstack-int": lambda: lrs.unstack(1),
    "sequence-item": lambda: lrs.sequence([_S, "x"], boundaries=[5]),
    "boundary-float": lambda: lrs.sequence([_S, _S], boundaries=[5.0]),
    "index-float": lambda: _STACK[1.5],
    "shifted-float": lambda: _S.shifted(1.5),
    "cooldown-str": lambda: lrs.cooldown("x", 5, 5),
    "class-str-rate": lambda: lrs.Constant(start_lr="x", num_steps=10),
    "class-bool-rate": lambda: _WSD.replace(start_lr=True),
    "inject-not-callable": lambda: lrs.inject(3, learning_rate=0.1),
    "inject-bool-rate": lambda: lrs.inject(optax.sgd, learning_rate=True),
    "inject-complex-rate": lambda: lrs.inject(optax.sgd, learning_rate=1e-3 + 1j),
    "unregister-int": lambda: extend.unregister_type(3),
    "register-int-name": lambda: lrs.register_type(InversePower, 3),
    "hyperparameter-bounds-str": lambda: lrs.hyperparameter(
        {"type": "constant", "start_value": 0.5}, 10, name="x", bounds="ab"
    ),
    "step-bool": lambda: _S(True),
    "len-single": lambda: len(_S),
}


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_a_bad_value_is_a_config_error(name):
    """stack([]), a stack of stacks and a product of a stack with a single schedule were
    TypeErrors, an unknown key of replace() dataclasses' TypeError, inject's unknown argument a
    TypeError saying a required one is missing."""
    problems(BAD_VALUES[name])


@pytest.mark.parametrize("name", list(WRONG_TYPES))
def test_a_wrong_python_type_is_a_type_error(name):
    """inject(3, ...) was accepted; unstack(1) a ConfigError about 'a single int schedule';
    cooldown('x', ...) and a class made with start_lr='x' raised internal messages."""
    with pytest.raises(TypeError) as info:
        WRONG_TYPES[name]()
    assert not isinstance(info.value, ValueError) and len(str(info.value)) < 1000


def test_a_stack_handed_to_an_optimizer_without_vmap_names_vmap():
    """optax.adam(stacked) failed with a broadcasting TypeError (or, with parameters of the
    stack's size, silently applied one rate per parameter)."""
    params = jnp.zeros(2)  # the stack's size: broadcasting would not fail
    for tx in (
        optax.sgd(_STACK),
        optax.adam(_STACK),
        lrs.inject(optax.sgd, learning_rate=_STACK),
        lrs.with_global_step(optax.sgd, _STACK),
    ):
        for update in (tx.update, jax.jit(tx.update)):

            def step(update=update, tx=tx):
                state = tx.init(params)
                try:
                    return update(jnp.ones(2), state, params, step=3)
                except TypeError:
                    return update(jnp.ones(2), state, params)

            (line,) = problems(step)
            assert "`jax.vmap`" in line and "stacked[i]" in line

    def train(schedule, params):
        tx = optax.sgd(schedule)
        return tx.update(jnp.ones(2), tx.init(params), params)[0]

    np.testing.assert_allclose(
        np.asarray(jax.vmap(train, in_axes=(0, None))(_STACK, params)),
        [[-1e-3, -1e-3], [-2e-3, -2e-3]],
        rtol=2e-6,
    )


# ---- One rule for zero steps --------------------------------------------------------------------

ZERO = {
    "exp": {"start_lr": 1e-3, "stop_lr": 1e-5},
    "cosine": {"start_lr": 1e-3, "stop_lr": 1e-5},
    "constant": {"start_lr": 1e-3},
    "polynomial": {"start_lr": 1e-3, "stop_lr": 1e-5},
    "linear": {"start_lr": 1e-3, "stop_lr": 1e-5},
    "rex": {"start_lr": 1e-3, "stop_lr": 1e-5},
}


@pytest.mark.parametrize("name", list(ZERO))
def test_zero_steps_hold_the_start_value_for_rates_and_ramps(name):
    s = getattr(lrs, name)(num_steps=0, **ZERO[name])
    np.testing.assert_allclose(values(s, [0, 1]), 1e-3, rtol=2e-6)
    for kind in ("linear", "cosine"):
        ramp = lrs.hyperparameter(
            {"type": kind, "start_value": 0.9, "stop_value": 0.5}, 0, name="b1"
        )
        np.testing.assert_allclose(values(ramp, [0, 1, 100]), 0.9, rtol=2e-6)


# ---- Plugins: broken, raising, exiting ---------------------------------------------------------


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """Four installed ``lrschedules_jax.types`` plugins: one that cannot be imported, one that
    raises with a 100 KB message, one that exits, and one that registers a type."""
    info = tmp_path / "lrs_test_plugins-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lrs-test-plugins\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[lrschedules_jax.types]\n"
        "broken = lrs_plugin_broken\nraising = lrs_plugin_raising\n"
        "exiting = lrs_plugin_exiting\nworking = lrs_plugin_working\n"
    )
    (tmp_path / "lrs_plugin_broken.py").write_text("import lrs_no_such_module_xyz\n")
    (tmp_path / "lrs_plugin_raising.py").write_text("raise RuntimeError('x' * 100_000)\n")
    (tmp_path / "lrs_plugin_exiting.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "lrs_plugin_working.py").write_text(
        "import lrschedules_jax as lrs\n"
        "from lrschedules_jax import extend\n"
        "class PluginFlat(extend.WarmupSchedule):\n"
        "    def _decay(self, t, dtype):\n"
        "        return extend.as_float(self.start_lr, dtype) + 0 * t.astype(dtype)\n"
        "lrs.register_type(PluginFlat, 'plugin_flat')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(config, "_plugins", None)
    yield tmp_path
    if "plugin_flat" in extend.registered_types():
        extend.unregister_type("plugin_flat")
    for name in ("broken", "raising", "exiting", "working"):
        sys.modules.pop(f"lrs_plugin_{name}", None)


def test_broken_plugins_never_break_a_valid_input_and_are_named_shortly(plugins):
    deepmd = plugins / "in.json"
    deepmd.write_text(json.dumps({
        "model": {}, "training": {"numb_steps": 100},
        "learning_rate": {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-5},
    }))  # fmt: skip
    seq = plugins / "seq.json"
    seq.write_text(json.dumps({"type": "sequence", "phases": [C]}))
    assert run_cli(["check", str(deepmd)])[0] == 0
    assert run_cli(["check", str(seq), "--num-steps", "10"])[0] == 0
    assert config._plugins is None  # only an unknown type loads them
    typo = plugins / "typo.json"
    typo.write_text(json.dumps({"type": "plugin_flt", "start_lr": 1e-3}))
    status, _, err = run_cli(["check", str(typo), "--num-steps", "10"])
    assert status == 2 and "Traceback" not in err and len(err) < 2000
    assert "did you mean `plugin_flat`?" in err
    for name in (
        "`broken`: ModuleNotFoundError",
        "`raising`: RuntimeError",
        "`exiting`: SystemExit",
    ):
        assert name in err
    status, out, err = run_cli(["schema"])
    assert status == 0 and "plugin_flat" in out
    assert float(lrs.make_schedule({"type": "plugin_flat", "start_lr": 1e-3}, 10)(3)) == float(
        np.float32(1e-3)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda s: lrs.constant(start_lr=1.0, num_steps=10, noise_type=s),
        lambda s: lrs.make_schedule({"type": "wsd", "start_lr": 1e-3, "decay_type": s}, 10),
        lambda s: lrs.make_schedule({"type": "constant", "start_lr": 1.0, s: 1}, 10),
        lambda s: lrs.constant(start_lr=1.0, num_steps=10).replace(**{s: 1}),
    ],
    ids=["builder-choice", "section-choice", "unknown-key", "replace-key"],
)
def test_a_2_mb_word_gets_no_did_you_mean_and_bounded_memory(call):
    """difflib's did-you-mean on a 2 MB value took 70 MB of Python memory (found by the fuzz's
    long run); a word past 200 characters is now reported without one."""
    word = "a" * 2_000_000
    with pytest.raises(ConfigError):
        call("aaa")  # warm: the models and builders are made before the measure
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as info:
            call(word)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, peak
    assert "did you mean" not in str(info.value) and len(str(info.value)) < 4000


def test_a_product_factor_of_0_is_0_on_every_path(tmp_path):
    """A constant factor 0 times wsd's inverse-linear decay divided 0 by 0 (stop_lr / start_lr
    of the folded rates): ZeroDivisionError in `show` (found by the fuzz at 2,000 examples)."""
    wsd = {"type": "wsd", "start_lr": 1.0, "stop_lr_ratio": 1.0, "decay_phase_ratio": 1.0}
    zero = lrs.make_schedule({"type": "product", "factors": [0.0, wsd]}, 10)
    half = lrs.make_schedule({"type": "product", "factors": [0.5, wsd]}, 10)
    steps = np.arange(12)
    want = np.zeros(12, np.float32)
    np.testing.assert_array_equal(np.asarray(zero(steps)), want)
    np.testing.assert_array_equal(np.asarray(jax.jit(zero)(steps)), want)
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda s, t: s(t))(zero, steps)), want)
    rows = np.asarray(lrs.stack([zero, half])(steps))
    np.testing.assert_array_equal(rows[0], want)
    np.testing.assert_allclose(rows[1], np.full(12, 0.5), rtol=2e-6)  # stop_lr_ratio 1: flat
    path = tmp_path / "input.json"
    section = {"type": "product", "factors": [0.0, wsd]}
    path.write_text(json.dumps({"learning_rate": section, "training": {"numb_steps": 10}}))
    status, _out, err = run_cli(["show", str(path), "--extensions"])
    assert status == 0 and err == "", err

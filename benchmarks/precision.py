"""Precision: the largest relative error in float32 against a float64 reference, with optax.

For every case (a type and a config) and every ``num_steps`` N, lrschedules_jax is evaluated
in float32 (int32 steps, under ``jit``) on a dense sample of steps in [0, 2**31 - 1] and
compared with an independent float64 NumPy implementation of SPEC.md's formulas: the
references of the tests' case table, ``tests/cases.py`` (they resolve the derived values --
stop_lr_ratio, warmup_ratio, exp's decay_steps replacement and derived decay_rate --
themselves). optax's nearest equivalent, where one exists,
is evaluated on the same steps, also in float32 as optax runs by default.

The sample, for each case and N:

* every phase boundary (0, end of warmup, start of wsd's decay phase, N, one_cycle's phase
  ends) and 2**24 (float32's last exact integer), each +- ``--halo`` steps (8);
* every stair ``w + k * decay_steps <= N`` of a stepped exp, and for the classic types every
  stair of ``step``, every milestone, every restart of ``cosine_restarts``, every start and
  peak of a ``cyclic`` cycle up to 2**31 - 1 (these keep going after N), at most
  ``MAX_MARKS`` (1000) of them per case and N -- evenly spread, plus those on either side of
  N, 2**24 and 2**31 - 1 -- each +- 2 steps;
* the first and the last ``--tail`` steps (1000) of every warmup and every decay (for
  one_cycle every phase; for cosine_restarts the cycles holding the end of warmup, N, 2**24
  and 2**31 - 1; for cyclic the rise and the fall of the cycles holding 0, N, 2**24 and the
  last one below 2**31 - 1);
* the last 16 steps before 2**31 - 1;
* ``--random`` (200,000) uniform random steps in [0, N] and a tenth as many in [0, 2**31 - 1];
* ``--log`` (100,000) log-spaced steps from 1 to 2**31 - 1.

The relative error is ``|lr32 - ref| / ref`` (and ``|lr32|`` where ``ref`` is 0); where both
are below 2**-126, float32's smallest normal number, it counts as 0 (see ``rel_error``). The
column "traced" passes the schedule through ``jit`` as an argument, so its rates are traced
float32 values (as in a vmapped sweep) instead of Python floats folded in float64. The
column "stacked" stacks the schedule with the same config over N/3 (or 2N) steps
(``lrs.stack``), so that its step counts are traced int32 values as well, and evaluates it
under ``jit(vmap)``. A last table shows how the traced error of a factor ``gamma ** k``
grows far below the peak.

Cases come from the case table: every ``bench`` row (label, config -- a mapping, or a
function of N) of every type in ``tests/cases.py``, with that type's reference and marks, and
optax's equivalent from ``OPTAX`` below where one exists. A new type is covered by its entry in
the table.

    python benchmarks/precision.py           # N = 1e6, 1e7, 1e8
    python benchmarks/precision.py --quick   # N = 1e6, a small sample
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import header, table

import lrschedules_jax as lrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from cases import (  # the case table lives with the tests
    BASE,
    INT32_MAX,
    TYPES,
    exp_params,
    one_cycle_phases,
    ref_step,
    shared_keys,
    warmup_marks,
    warmup_of,
    wsd_params,
)

TARGET = 2e-6
TINY = float(np.finfo(np.float32).tiny)  # 2**-126, float32's smallest normal number

Config = dict[str, Any]
# reference(config, num_steps, steps as int64) -> float64 rates
Reference = Callable[[Config, int, np.ndarray], np.ndarray]
# marks(config, num_steps) -> (boundaries, stairs, phases as (start, end) pairs)
Marks = Callable[[Config, int], tuple[list[int], list[int], list[tuple[int, int]]]]
OptaxBuilder = Callable[[Config, int], Any]


# --- optax's nearest equivalents (float32, as optax runs by default). ---


def _after_warmup(cfg: Config, n: int, schedule: Any) -> Any:
    s0, _, w, f = shared_keys(cfg, n)
    if w == 0:
        return schedule
    return optax.join_schedules([optax.linear_schedule(f * s0, s0, w), schedule], [w])


def optax_exp(cfg: Config, n: int) -> Any:
    s0, e, _, _ = shared_keys(cfg, n)
    ds, rate = exp_params(cfg, n)
    staircase = not cfg.get("smooth", False)
    decay = optax.exponential_decay(s0, ds, rate, staircase=staircase, end_value=e)
    return _after_warmup(cfg, n, decay)


def optax_cosine(cfg: Config, n: int) -> Any:
    s0, e, w, f = shared_keys(cfg, n)
    if w == 0:
        return optax.cosine_decay_schedule(s0, n, alpha=e / s0)
    return optax.warmup_cosine_decay_schedule(f * s0, s0, w, n, end_value=e)


def optax_wsd(cfg: Config, n: int) -> Any:
    s0, e, w, f = shared_keys(cfg, n)
    d, stable = wsd_params(cfg, n)
    if cfg.get("decay_type") == "linear":
        decay = optax.linear_schedule(s0, e, d)
    elif cfg.get("decay_type") == "cosine":
        decay = optax.cosine_decay_schedule(s0, d, alpha=e / s0)
    else:
        return None  # optax has no inverse-linear decay
    parts, bounds = [optax.constant_schedule(s0), decay], [w + stable]
    if w:
        parts, bounds = [optax.linear_schedule(f * s0, s0, w), *parts], [w, *bounds]
    return optax.join_schedules(parts, bounds)


def optax_constant(cfg: Config, n: int) -> Any:
    if cfg.get("batch_scaling"):
        return None  # optax has no large-batch rule
    s0, _, _, _ = shared_keys(cfg, n)
    return _after_warmup(cfg, n, optax.constant_schedule(s0))


def optax_step(cfg: Config, n: int) -> Any:
    s0, _, _, _ = shared_keys(cfg, n)
    gamma = cfg.get("gamma", 0.1)
    return _after_warmup(
        cfg, n, optax.exponential_decay(s0, cfg["step_size"], gamma, staircase=True)
    )


def optax_multistep(cfg: Config, n: int) -> Any:
    s0, _, _, _ = shared_keys(cfg, n)
    scales = {m: cfg.get("gamma", 0.1) for m in cfg["milestones"]}
    return _after_warmup(cfg, n, optax.piecewise_constant_schedule(s0, scales))


def optax_polynomial(cfg: Config, n: int) -> Any:
    timm = ("k_decay", "cycle_steps", "cycle_mult", "cycle_decay", "cycle_limit")
    if any(key in cfg for key in timm):
        return None  # timm's options: optax has none
    s0, e, w, _ = shared_keys(cfg, n)
    power = cfg.get("power", 1.0)
    return _after_warmup(cfg, n, optax.polynomial_schedule(s0, e, power, n - w))


def optax_linear(cfg: Config, n: int) -> Any:
    s0, e, w, _ = shared_keys(cfg, n)
    return _after_warmup(cfg, n, optax.linear_schedule(s0, e, n - w))


def optax_cosine_restarts(cfg: Config, n: int) -> Any:
    """``sgdr_schedule`` over every cycle that starts below 2**31; with ``cycle_mult`` 1 (and
    no ``cycle_decay``), ``cosine_decay_schedule`` on ``count % cycle_steps``."""
    if cfg.get("k_decay", 1.0) != 1.0 or cfg.get("cycle_limit") is not None:
        return None  # timm's options: optax has neither
    if not float(cfg.get("cycle_mult", 1)).is_integer():
        return None  # cycles of real length: optax's boundaries are integers
    s0, e, w, _ = shared_keys(cfg, n)
    first, mult = cfg["cycle_steps"], cfg.get("cycle_mult", 1)
    decay = cfg.get("cycle_decay", 1.0)
    if mult == 1:
        if decay != 1.0:
            return None
        cycle = optax.cosine_decay_schedule(s0, first, alpha=e / s0)
        return _after_warmup(cfg, n, lambda count: cycle(count % first))
    cycles, start, length = [], 0, first
    while w + start <= INT32_MAX:
        peak = max(s0 * decay ** len(cycles), e)
        cycles.append(
            {
                "init_value": peak,
                "peak_value": peak,
                "warmup_steps": 0,
                "decay_steps": length,
                "end_value": e,
            }
        )
        start, length = start + length, length * mult
    return _after_warmup(cfg, n, optax.sgdr_schedule(cycles))


def optax_one_cycle(cfg: Config, n: int) -> Any:
    """optax's one-cycle schedules, their boundaries put on torch's phase ends.

    ``cosine_onecycle_schedule`` and ``linear_onecycle_schedule`` end their phases at
    ``int(pct * T)`` and ``T``; torch at ``pct * N - 1`` and ``N - 1``. With ``T = N - 1`` and
    ``pct`` nudged so that ``int(pct * T)`` is torch's end step, they are torch's schedule. The
    other two shapes use ``piecewise_interpolate_schedule``, which both are built on. optax's
    boundaries are integers: fractional end steps have no equivalent. They take a scalar count
    only: the result is vmapped.
    """
    phases = one_cycle_phases(cfg, n)
    if any(end != math.floor(end) for end, _, _ in phases):
        return None
    ends = [int(end) for end, _, _ in phases]
    peak, div = cfg["max_lr"], cfg.get("div_factor", 25.0)
    final = cfg.get("final_div_factor", 1e4)
    cos = cfg.get("anneal_strategy", "cos") == "cos"
    last = n - 1
    if cfg.get("three_phase", False):
        if not cos:
            pct_start, pct_final = (ends[0] + 0.5) / last, (ends[1] + 0.5) / last
            sched = optax.linear_onecycle_schedule(last, peak, pct_start, pct_final, div, final)
            return jax.vmap(sched)
        scales = {ends[0]: div, ends[1]: 1 / div, last: 1 / final}
    else:
        if cos:
            pct_start = (ends[0] + 0.5) / last
            return jax.vmap(optax.cosine_onecycle_schedule(last, peak, pct_start, div, final))
        scales = {ends[0]: div, last: 1 / (div * final)}
    kind = "cosine" if cos else "linear"
    return jax.vmap(optax.piecewise_interpolate_schedule(kind, peak / div, scales))


# --- The cases. ---


@dataclass(frozen=True)
class Case:
    type_name: str
    label: str
    config: Config | Callable[[int], Config]  # a mapping, or N -> mapping
    reference: Reference
    marks: Marks = warmup_marks
    optax: OptaxBuilder | None = None
    note: str = field(default="")

    def config_at(self, n: int) -> Config:
        """The ``learning_rate`` mapping for ``num_steps = n``."""
        return self.config(n) if callable(self.config) else self.config


OPTAX: dict[str, OptaxBuilder] = {
    "exp": optax_exp,
    "cosine": optax_cosine,
    "wsd": optax_wsd,
    "constant": optax_constant,
    "step": optax_step,
    "multistep": optax_multistep,
    "polynomial": optax_polynomial,
    "linear": optax_linear,
    "cosine_restarts": optax_cosine_restarts,
    "one_cycle": optax_one_cycle,
}
CASES: list[Case] = [
    Case(name, label, config, entry.reference, entry.marks, OPTAX.get(name))
    for name, entry in TYPES.items()
    for label, config in entry.bench
]

# Extreme rates and powers (issue 11): rates at the ends of float32's range, factors and slopes
# below its smallest normal number, powers where a plain float32 x ** p loses accuracy.
EXTREMES: list[tuple[str, str, Config | Callable[[int], Config]]] = [
    ("wsd", "start_lr = stop_lr = 1e38", {"type": "wsd", "start_lr": 1e38, "stop_lr": 1e38}),
    ("wsd", "start_lr 1e30, stop_lr 1e20", {"type": "wsd", "start_lr": 1e30, "stop_lr": 1e20}),
    ("wsd", "linear, start_lr 3.4e38 (float32 max), stop_lr 1e38",
     {"type": "wsd", "start_lr": float(np.finfo(np.float32).max), "stop_lr": 1e38,
      "decay_type": "linear"}),
    ("wsd", "linear, start_lr 3e-38, stop_lr 1.2e-38",
     {"type": "wsd", "start_lr": 3e-38, "stop_lr": 1.2e-38, "decay_type": "linear"}),
    ("exp", "smooth, start_lr 3.4e38, stop_lr 1e-30",
     {"type": "exp", "start_lr": 3.4e38, "stop_lr": 1e-30, "smooth": True}),
    ("step", "start_lr 1e30, gamma 1e-40, step_size N/1000",
     lambda n: {"type": "step", "start_lr": 1e30, "gamma": 1e-40, "step_size": n // 1000}),
    ("constant", "start_lr 1e-30, warmup 50 %",
     {"type": "constant", "start_lr": 1e-30, "warmup_ratio": 0.5}),
    ("polynomial", "power 15, stop_lr 0",
     {"type": "polynomial", "start_lr": 1e-3, "power": 15.0, "stop_lr": 0.0}),
    ("polynomial", "power 19, stop_lr 0",
     {"type": "polynomial", "start_lr": 1e-3, "power": 19.0, "stop_lr": 0.0}),
    ("polynomial", "power 1234.567, stop_lr_ratio 1e-2",
     {"type": "polynomial", "start_lr": 1e-3, "power": 1234.567, "stop_lr_ratio": 1e-2}),
]  # fmt: skip
CASES += [
    Case(name, label, config, TYPES[name].reference, TYPES[name].marks, OPTAX.get(name))
    for name, label, config in EXTREMES
]


# --- Sampling and measuring. ---


def sample(case: Case, n: int, args: argparse.Namespace, rng: np.random.Generator) -> np.ndarray:
    """The steps a case is checked on (see the module docstring), sorted and unique."""
    bounds, stairs, phases = case.marks(case.config_at(n), n)
    halo = np.arange(-args.halo, args.halo + 1)
    parts = [
        (np.asarray([*bounds, 2**24])[:, None] + halo).ravel(),
        (np.asarray(stairs, dtype=np.int64)[:, None] + np.arange(-2, 3)).ravel(),
        np.arange(INT32_MAX - 15, INT32_MAX + 1),
        rng.integers(0, n, args.random, endpoint=True),
        rng.integers(0, INT32_MAX, args.random // 10, endpoint=True),
        np.geomspace(1, INT32_MAX, args.log).astype(np.int64),
    ]
    for start, end in phases:
        parts += [np.arange(start, start + args.tail), np.arange(end - args.tail, end + 1)]
    steps = np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])
    return np.unique(np.clip(steps, 0, INT32_MAX))


def rel_error(values: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``|values - ref| / |ref|`` (``|values|`` where ``ref`` is 0); 0 where both are below TINY.

    float32 holds no number between 0 and TINY = 2**-126 to any relative accuracy (and XLA's
    CPU backend flushes such results to 0), so a rate that far below its peak -- a ``step``
    decay long after N, ``triangular2`` after a hundred halvings -- counts as exact when the
    float32 value is below TINY as well.
    """
    values = values.astype(np.float64)
    safe = np.where(ref == 0, 1.0, np.abs(ref))
    error = np.where(ref == 0, np.abs(values), np.abs(values - ref) / safe)
    return np.where((np.abs(ref) < TINY) & (np.abs(values) < TINY), 0.0, error)


@dataclass
class Worst:
    error: float = 0.0
    step: int = 0

    def update(self, errors: np.ndarray, steps: np.ndarray) -> None:
        i = int(np.argmax(errors))
        if errors[i] > self.error or not np.isfinite(errors[i]):
            self.error, self.step = float(errors[i]), int(steps[i])

    def __str__(self) -> str:
        return f"{self.error:.1e} @ {self.step:,}"


#: Keys of the shapes optax (or the equivalents written here) lacks: no optax column for them.
EXTENSION_KEYS = {
    "num_cycles",
    "exponent",
    "rising",
    "warmup_prefix",
    "stable_type",
    "stable_power",
    "stable_timescale",
    "decay_power",
    "decay_ratio",
    "k_decay",
    "cycle_limit",
}


def measure(case: Case, n: int, steps: np.ndarray) -> dict[str, Any]:
    cfg = case.config_at(n)
    ref = case.reference(cfg, n, steps)
    x = jnp.asarray(steps, dtype=jnp.int32)
    sched = lrs.make_schedule(cfg, n)
    out: dict[str, Any] = {}
    below = (ref > 0) & (ref < TINY)
    out["below tiny"] = (int(below.sum()), int(steps[below].min()) if below.any() else None)
    ours = np.asarray(jax.jit(sched)(x))
    traced = np.asarray(jax.jit(lambda s, t: s(t))(sched, x))
    measured = [("ours", ours), ("traced", traced)]
    stacked = _stacked(sched, cfg, n)
    out["stacked"] = None
    if stacked is not None:  # stacked with a schedule of other step counts: counts traced too
        measured.append(("stacked", np.asarray(jax.jit(jax.vmap(lambda s: s(x)))(stacked))[0]))
    for name, values in measured:
        worst = Worst()
        worst.update(rel_error(values, ref), steps)
        out[name] = worst
    # the optax equivalents above are written for the keys without the peers' extensions
    plain = not (EXTENSION_KEYS & set(cfg))
    other = case.optax(cfg, n) if case.optax and plain else None
    out["optax"] = out["optax decay"] = None
    if other is not None:
        errors = rel_error(np.asarray(jax.jit(other)(x)), ref)
        out["optax"], out["optax decay"] = Worst(), Worst()
        out["optax"].update(errors, steps)
        w = warmup_of(cfg, n)
        out["optax decay"].update(errors[steps >= w], steps[steps >= w])
    return out


def _stacked(sched: Any, cfg: Config, n: int) -> Any:
    """``sched`` stacked with the same config over a third of the steps (or twice as many),
    whose step counts differ; None if neither is valid."""
    for other in (max(1, n // 3), min(2 * n, 2**31 - 1)):
        try:
            return lrs.stack([sched, lrs.make_schedule(cfg, other)])
        except lrs.ConfigError:
            continue
    return None


def spot_checks(case: Case, n: int, steps: list[int]) -> list[list[str]]:
    """The rates at a few named steps: reference, ours and optax, with relative errors."""
    x = np.asarray(steps, dtype=np.int64)
    cfg = case.config_at(n)
    ref = case.reference(cfg, n, x)
    ours = np.asarray(jax.jit(lrs.make_schedule(cfg, n))(jnp.asarray(x, jnp.int32)))
    assert case.optax is not None
    theirs = np.asarray(jax.jit(case.optax(cfg, n))(jnp.asarray(x, jnp.int32)))
    rows = []
    for i, step in enumerate(steps):
        rows.append(
            [
                f"{step:,}",
                f"{ref[i]:.9e}",
                f"{float(ours[i]):.9e} ({rel_error(ours[i : i + 1], ref[i : i + 1])[0]:.1e})",
                f"{float(theirs[i]):.9e} ({rel_error(theirs[i : i + 1], ref[i : i + 1])[0]:.1e})",
            ]
        )
    return rows


LIMIT_GAMMAS = (0.1, 0.5, 0.95, 0.97, 0.999, 0.9999, 0.999999)
LIMIT_DEPTHS = (1e-10, 1e-20, 1e-30, 1e-34)  # lr / start_lr; start_lr 1e-3 underflows at 1.2e-35


def traced_decay_limit() -> tuple[list[list[str]], float]:
    """``start_lr * gamma ** k`` (``step``, step_size 1) far below the peak, folded and traced.

    For each gamma and depth, the 16 steps up to the last whose rate is at least ``depth *
    start_lr``. Returns the table rows and the largest traced error.
    """
    rows, worst = [], 0.0
    for gamma in LIMIT_GAMMAS:
        cfg = {**BASE, "type": "step", "step_size": 1, "gamma": gamma}
        log = math.log(gamma)
        last = [math.floor(math.log(depth) / log + 1e-9) for depth in LIMIT_DEPTHS]
        steps = np.concatenate([np.arange(k - 15, k + 1) for k in last])
        ref = ref_step(cfg, 1000, steps)
        sched = lrs.make_schedule(cfg, 1000)
        x = jnp.asarray(steps, dtype=jnp.int32)
        folded = rel_error(np.asarray(jax.jit(sched)(x)), ref).reshape(len(last), 16).max(1)
        traced = jax.jit(lambda s, t: s(t))(sched, x)
        traced = rel_error(np.asarray(traced), ref).reshape(len(last), 16).max(1)
        worst = max(worst, float(traced.max()))
        rounding = abs(float(np.float32(log)) - log) / abs(log)
        rows.append(
            [f"{gamma:g}", f"{rounding:.1e}", f"{folded.max():.1e}"] + [f"{e:.1e}" for e in traced]
        )
    return rows, worst


def main(argv: Sequence[str] | None = None) -> dict[tuple[str, str, int], dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--num-steps", type=float, nargs="+", default=[1e6, 1e7, 1e8], help="values of N"
    )
    parser.add_argument("--random", type=int, default=200_000, help="uniform random steps")
    parser.add_argument("--log", type=int, default=100_000, help="log-spaced steps")
    parser.add_argument("--tail", type=int, default=1000, help="steps at each phase's ends")
    parser.add_argument("--halo", type=int, default=8, help="steps either side of boundaries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="N = 1e6, a small sample")
    args = parser.parse_args(argv)
    if args.quick:
        args.num_steps, args.random, args.log, args.tail = [1e6], 2000, 1000, 100
    header("Precision: float32 against a float64 reference", "precision.py", argv)

    rng = np.random.default_rng(args.seed)
    sizes = [int(n) for n in args.num_steps]
    results: dict[tuple[str, str, int], dict] = {}
    counts = []
    for case in CASES:
        for n in sizes:
            steps = sample(case, n, args, rng)
            counts.append(len(steps))
            results[case.type_name, case.label, n] = measure(case, n, steps)

    def fmt(worst: Worst | None) -> str:
        return "—" if worst is None else f"{worst.error:.1e}"

    size_names = [f"{n:.0e}".replace("e+0", "e") for n in sizes]
    rows = []
    for case in CASES:
        res = [results[case.type_name, case.label, n] for n in sizes]
        rows.append(
            [case.type_name, case.label]
            + [fmt(r["ours"]) for r in res]
            + [fmt(r["traced"]) for r in res]
            + [fmt(r["stacked"]) for r in res]
            + [fmt(r["optax"]) for r in res]
        )
    headers = (
        ["type", "config"]
        + [f"ours N={s}" for s in size_names]
        + [f"traced N={s}" for s in size_names]
        + [f"stacked N={s}" for s in size_names]
        + [f"optax N={s}" for s in size_names]
    )
    print(
        f"Max relative error over {min(counts):,} to {max(counts):,} sampled steps per case "
        f"(seed {args.seed}; random {args.random:,}, log-spaced {args.log:,}, "
        f"phase ends {args.tail:,}, boundaries +-{args.halo}). start_lr (max_lr for one_cycle "
        f"and cyclic) = 1e-3 except in the rows that name other rates. "
        f"Target: {TARGET:.0e}.\n"
    )
    print(table(headers, rows, text_columns=2))
    print()
    worst_rows = []
    for key, res in results.items():
        worst_rows.append(
            [
                key[0],
                key[1],
                f"{key[2]:.0e}".replace("e+0", "e"),
                str(res["ours"]),
                str(res["traced"]),
                str(res["stacked"]) if res["stacked"] else "—",
                str(res["optax"]) if res["optax"] else "—",
                str(res["optax decay"]) if res["optax decay"] else "—",
            ]
        )
    print(
        "Where the maximum is (error @ step). optax's largest error is often at step 1, in its "
        "warmup: `linear_schedule` computes `(init - end) * (1 - count / w) + end`, which "
        "cancels near `count = 0` when `init` is 0; the last column leaves the warmup out.\n"
    )
    print(
        table(
            ["type", "config", "N", "ours", "traced", "stacked", "optax", "optax after warmup"],
            worst_rows,
            text_columns=3,
        )
    )
    print()
    spot_case, spot_n = CASES[0], max(sizes)
    if spot_n >= 20_000_000:
        stair = spot_case.config_at(spot_n)["decay_steps"]
        named = [2**24 + 1, 20_000_000 - 1, 20_000_000, spot_n - stair - 1, spot_n - 1, spot_n]
        print(
            f"Spot checks: {spot_case.type_name}, {spot_case.label}, N = {spot_n:,} "
            "(value, relative error). float32 cannot hold 19,999,999: optax rounds the count to "
            "20,000,000 and takes the stair one step early.\n"
        )
        print(
            table(
                ["step", "float64 reference", "lrschedules_jax", "optax"],
                spot_checks(spot_case, spot_n, named),
            )
        )
        print()
    below = [
        f"{key[0]}, {key[1]}, N = {key[2]:.0e}: {res['below tiny'][0]:,} steps from "
        f"{res['below tiny'][1]:,} on".replace("e+0", "e")
        for key, res in results.items()
        if res["below tiny"][0]
    ]
    if below:
        print(
            "Rates below float32's smallest normal number 2^-126 = 1.2e-38 (float32 holds no "
            "relative accuracy there and XLA's CPU backend flushes them to 0) count as exact "
            "when the float32 value is below 2^-126 too. Sampled steps whose float64 reference "
            "is in (0, 2^-126): " + "; ".join(below) + ".\n"
        )
    limit_rows, limit_worst = traced_decay_limit()
    print(
        "Traced factors far below the peak: `step` with step_size 1 (`start_lr * gamma ** k`, "
        "start_lr 1e-3), the largest relative error over the 16 steps up to the last whose "
        "rate is at least depth * start_lr. A traced `log(gamma)` is a float32 number; its "
        "rounding (second column) is multiplied by `|ln(lr / start_lr)|` (up to 80 before "
        "float32 underflows). The same holds for `multistep`, `cosine_restarts`' "
        "`cycle_decay` and `cyclic`'s `exp_range` where nothing floors the rate.\n"
    )
    print(
        table(
            ["gamma", "float32 rounding of log(gamma)", "folded, all depths"]
            + [f"traced, depth {d:.0e}".replace("e-0", "e-") for d in LIMIT_DEPTHS],
            limit_rows,
        )
    )
    print()
    worst = max((r["ours"].error for r in results.values()), default=0.0)
    worst_traced = max((r["traced"].error for r in results.values()), default=0.0)
    worst_stacked = max((r["stacked"].error for r in results.values() if r["stacked"]), default=0.0)
    print(
        f"Largest error of lrschedules_jax over the cases of the first table: {worst:.2e} "
        f"(folded hyperparameters), {worst_traced:.2e} (traced), {worst_stacked:.2e} "
        f"(stacked, step counts traced); target {TARGET:.0e}: "
        f"{'met' if max(worst, worst_traced, worst_stacked) <= TARGET else 'MISSED'}. "
        "Traced factors far "
        f"below the peak (table above): up to {limit_worst:.2e}, "
        f"{'within' if limit_worst <= TARGET else 'BEYOND'} the target.\n"
    )
    return results


if __name__ == "__main__":
    main()

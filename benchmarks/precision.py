"""Precision: the largest relative error in float32 against a float64 reference, with optax.

For every case (a type and a config) and every ``num_steps`` N, lrschedules_jax is evaluated
in float32 (int32 steps, under ``jit``) on a dense sample of steps in [0, 2**31 - 1] and
compared with an independent float64 NumPy implementation of SPEC.md's formulas written
below (it resolves the derived values -- stop_lr_ratio, warmup_ratio, exp's decay_steps
replacement and derived decay_rate -- itself). optax's nearest equivalent, where one exists,
is evaluated on the same steps, also in float32 as optax runs by default.

The sample, for each case and N:

* every phase boundary (0, end of warmup, start of wsd's decay phase, N, every stair
  ``w + k * decay_steps <= N`` of a stepped exp) and 2**24 (float32's last exact integer),
  each +- ``--halo`` steps (8; stairs +- 2);
* the first and the last ``--tail`` steps (1000) of every warmup and every decay;
* the last 16 steps before 2**31 - 1;
* ``--random`` (200,000) uniform random steps in [0, N] and a tenth as many in [0, 2**31 - 1];
* ``--log`` (100,000) log-spaced steps from 1 to 2**31 - 1.

The relative error is ``|lr32 - ref| / ref`` (and ``|lr32|`` where ``ref`` is 0). The column
"traced" passes the schedule through ``jit`` as an argument, so its rates are traced float32
values (as in a vmapped sweep) instead of Python floats folded in float64.

Cases are entries of ``CASES``: (type name, label, config, reference, marks, optax builder).
A new type is covered by appending its entries, with a reference function written from
SPEC.md (and optionally its boundary marks and optax's equivalent).

    python benchmarks/precision.py           # N = 1e6, 1e7, 1e8
    python benchmarks/precision.py --quick   # N = 1e6, a small sample
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import header, table

import lrschedules_jax as lrs

INT32_MAX = 2**31 - 1
TARGET = 2e-6

Config = dict[str, Any]
# reference(config, num_steps, steps as int64) -> float64 rates
Reference = Callable[[Config, int, np.ndarray], np.ndarray]
# marks(config, num_steps) -> (boundaries, stairs, phases as (start, end) pairs)
Marks = Callable[[Config, int], tuple[list[int], list[int], list[tuple[int, int]]]]
OptaxBuilder = Callable[[Config, int], Any]


# --- The float64 reference: SPEC.md section 2, written independently of the package. ---


def shared_keys(cfg: Config, n: int) -> tuple[float, float, int, float]:
    """start_lr, stop_lr, warmup_steps, warmup_start_factor as SPEC resolves them."""
    s0 = float(cfg["start_lr"])
    if "stop_lr" in cfg:
        e = float(cfg["stop_lr"])
    else:
        e = s0 * float(cfg["stop_lr_ratio"])
    w = (
        int(cfg.get("warmup_ratio", 0.0) * n)
        if "warmup_ratio" in cfg
        else cfg.get("warmup_steps", 0)
    )
    return s0, e, w, float(cfg.get("warmup_start_factor", 0.0))


def with_warmup(cfg: Config, n: int, steps: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """``f*s0 + (s0 - f*s0) * step / w`` below w, the decay (evaluated on t = step - w) after."""
    s0, _, w, f = shared_keys(cfg, n)
    if w == 0:
        return decay
    warm = f * s0 + (s0 - f * s0) * steps.astype(np.float64) / w
    return np.where(steps < w, warm, decay)


def exp_params(cfg: Config, n: int) -> tuple[int, float]:
    """The decay_steps DeePMD-kit uses and the decay rate (derived if not given)."""
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    ds = cfg.get("decay_steps", 5000)
    rate = cfg.get("decay_rate")
    if rate is None:
        if ds >= length:
            ds = 100 if length // 10 > 100 else length // 100 + 1
        rate = math.exp(math.log(max(e, 1e-10) / s0) / (length / ds)) if length else 1.0
    return ds, rate


def ref_exp(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, e, w, _ = shared_keys(cfg, n)
    ds, rate = exp_params(cfg, n)
    t = np.maximum(steps - w, 0)
    power = t / ds if cfg.get("smooth", False) else (t // ds).astype(np.float64)
    return with_warmup(cfg, n, steps, np.maximum(s0 * rate**power, e))


def half_cos(remaining: np.ndarray, length: int) -> np.ndarray:
    """``(1 + cos(pi * (1 - q))) / 2`` with ``q = remaining / length``, as ``sin(pi q / 2)**2``.

    The same value as SPEC's ``0.5 * (1 + cos(pi * t / T))`` (``t = T - remaining``), written so
    that float64 keeps full relative accuracy where the factor is tiny (the end of a decay).
    """
    return np.sin(np.pi / 2 * remaining.astype(np.float64) / length) ** 2


def ref_cosine(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    t = np.maximum(steps - w, 0)
    if length == 0:
        return with_warmup(cfg, n, steps, np.full(t.shape, s0))
    decay = e + (s0 - e) * half_cos(np.clip(length - t, 0, length), length)
    return with_warmup(cfg, n, steps, np.where(t >= length, e, decay))


def wsd_params(cfg: Config, n: int) -> tuple[int, int]:
    """D and S: decay-phase and stable lengths."""
    _, _, w, _ = shared_keys(cfg, n)
    length = n - w
    d = max(1, min(int(cfg.get("decay_phase_ratio", 0.1) * n), length))
    return d, length - d


def ref_wsd(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, e, w, _ = shared_keys(cfg, n)
    d, stable = wsd_params(cfg, n)
    length = n - w
    t = np.maximum(steps - w, 0)
    remaining = np.clip(length - t, 0, d)  # (1 - tau) * D, exact
    tau = np.clip(t - stable, 0, d) / d
    kind = cfg.get("decay_type", "inverse_linear")
    if kind == "inverse_linear":
        decay = 1.0 / (tau / e + (remaining / d) / s0)
    elif kind == "cosine":
        decay = e + (s0 - e) * half_cos(remaining, d)
    else:
        decay = e + (s0 - e) * (remaining / d)
    decay = np.where(t < stable, s0, np.where(t >= length, e, decay))
    return with_warmup(cfg, n, steps, decay)


def warmup_marks(cfg: Config, n: int) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """0, the end of warmup and N; the warmup and the decay as phases."""
    _, _, w, _ = shared_keys(cfg, n)
    phases = [(0, w), (w, n)] if w else [(0, n)]
    return [0, w, n], [], phases


def exp_marks(cfg: Config, n: int) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    bounds, _, phases = warmup_marks(cfg, n)
    _, _, w, _ = shared_keys(cfg, n)
    ds, _ = exp_params(cfg, n)
    stairs = [] if cfg.get("smooth") else list(range(w + ds, n + 1, ds))
    return bounds, stairs, phases


def wsd_marks(cfg: Config, n: int) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    bounds, _, _ = warmup_marks(cfg, n)
    _, _, w, _ = shared_keys(cfg, n)
    _, stable = wsd_params(cfg, n)
    phases = [(0, w)] if w else []
    return [*bounds, w + stable], [], [*phases, (w + stable, n)]


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


# --- The cases. ---


@dataclass(frozen=True)
class Case:
    type_name: str
    label: str
    config: Config
    reference: Reference
    marks: Marks = warmup_marks
    optax: OptaxBuilder | None = None
    note: str = field(default="")


BASE = {"start_lr": 1e-3}  # and "type" defaults to "exp"
CASES: list[Case] = [
    Case("exp", "stepped, derived rate", {**BASE, "stop_lr": 1e-8, "decay_steps": 5000},
         ref_exp, exp_marks, optax_exp),
    Case("exp", "stepped, derived rate, warmup 1 %",
         {**BASE, "stop_lr": 1e-8, "decay_steps": 5000, "warmup_ratio": 0.01},
         ref_exp, exp_marks, optax_exp),
    Case("exp", "smooth, derived rate",
         {**BASE, "stop_lr": 1e-8, "decay_steps": 5000, "smooth": True},
         ref_exp, exp_marks, optax_exp),
    Case("exp", "smooth, derived rate, warmup 1 % from 0.1",
         {**BASE, "stop_lr_ratio": 1e-5, "decay_steps": 1000, "smooth": True,
          "warmup_ratio": 0.01, "warmup_start_factor": 0.1},
         ref_exp, exp_marks, optax_exp),
    Case("exp", "stepped, decay_rate 0.95, warmup 1 %",
         {**BASE, "stop_lr": 1e-9, "decay_rate": 0.95, "decay_steps": 5000, "warmup_ratio": 0.01},
         ref_exp, exp_marks, optax_exp),
    Case("exp", "smooth, decay_rate 0.9999 per 10 steps",
         {**BASE, "stop_lr": 1e-9, "decay_rate": 0.9999, "decay_steps": 10, "smooth": True},
         ref_exp, exp_marks, optax_exp),
    Case("cosine", "stop_lr 1e-5", {**BASE, "type": "cosine", "stop_lr": 1e-5},
         ref_cosine, warmup_marks, optax_cosine),
    Case("cosine", "stop_lr 0, warmup 1 % from 0.1",
         {**BASE, "type": "cosine", "stop_lr": 0.0, "warmup_ratio": 0.01,
          "warmup_start_factor": 0.1},
         ref_cosine, warmup_marks, optax_cosine),
    Case("wsd", "inverse_linear, stop_lr_ratio 1e-5",
         {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5}, ref_wsd, wsd_marks, optax_wsd),
    Case("wsd", "cosine, decay_phase_ratio 0.2, warmup 1 %",
         {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5, "decay_type": "cosine",
          "decay_phase_ratio": 0.2, "warmup_ratio": 0.01},
         ref_wsd, wsd_marks, optax_wsd),
    Case("wsd", "linear, warmup 1 %",
         {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5, "decay_type": "linear",
          "warmup_ratio": 0.01},
         ref_wsd, wsd_marks, optax_wsd),
]  # fmt: skip


# --- Sampling and measuring. ---


def sample(case: Case, n: int, args: argparse.Namespace, rng: np.random.Generator) -> np.ndarray:
    """The steps a case is checked on (see the module docstring), sorted and unique."""
    bounds, stairs, phases = case.marks(case.config, n)
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
    values = values.astype(np.float64)
    safe = np.where(ref == 0, 1.0, np.abs(ref))
    return np.where(ref == 0, np.abs(values), np.abs(values - ref) / safe)


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


def measure(case: Case, n: int, steps: np.ndarray) -> dict[str, Worst | None]:
    ref = case.reference(case.config, n, steps)
    x = jnp.asarray(steps, dtype=jnp.int32)
    sched = lrs.make_schedule(case.config, n)
    out: dict[str, Worst | None] = {}
    ours = np.asarray(jax.jit(sched)(x))
    traced = np.asarray(jax.jit(lambda s, t: s(t))(sched, x))
    for name, values in (("ours", ours), ("traced", traced)):
        worst = Worst()
        worst.update(rel_error(values, ref), steps)
        out[name] = worst
    other = case.optax(case.config, n) if case.optax else None
    out["optax"] = out["optax decay"] = None
    if other is not None:
        errors = rel_error(np.asarray(jax.jit(other)(x)), ref)
        out["optax"], out["optax decay"] = Worst(), Worst()
        out["optax"].update(errors, steps)
        _, _, w, _ = shared_keys(case.config, n)
        out["optax decay"].update(errors[steps >= w], steps[steps >= w])
    return out


def spot_checks(case: Case, n: int, steps: list[int]) -> list[list[str]]:
    """The rates at a few named steps: reference, ours and optax, with relative errors."""
    x = np.asarray(steps, dtype=np.int64)
    ref = case.reference(case.config, n, x)
    ours = np.asarray(jax.jit(lrs.make_schedule(case.config, n))(jnp.asarray(x, jnp.int32)))
    assert case.optax is not None
    theirs = np.asarray(jax.jit(case.optax(case.config, n))(jnp.asarray(x, jnp.int32)))
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
            + [fmt(r["optax"]) for r in res]
        )
    headers = (
        ["type", "config"]
        + [f"ours N={s}" for s in size_names]
        + [f"traced N={s}" for s in size_names]
        + [f"optax N={s}" for s in size_names]
    )
    print(
        f"Max relative error over {min(counts):,} to {max(counts):,} sampled steps per case "
        f"(seed {args.seed}; random {args.random:,}, log-spaced {args.log:,}, "
        f"phase ends {args.tail:,}, boundaries +-{args.halo}). start_lr = 1e-3 everywhere. "
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
            ["type", "config", "N", "ours", "traced", "optax", "optax after warmup"],
            worst_rows,
            text_columns=3,
        )
    )
    print()
    spot_case, spot_n = CASES[0], max(sizes)
    if spot_n >= 20_000_000:
        stair = spot_case.config["decay_steps"]
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
    worst = max((r["ours"].error for r in results.values()), default=0.0)
    worst_traced = max((r["traced"].error for r in results.values()), default=0.0)
    print(
        f"Largest error of lrschedules_jax: {worst:.2e} (folded hyperparameters), "
        f"{worst_traced:.2e} (traced); target {TARGET:.0e}: "
        f"{'met' if max(worst, worst_traced) <= TARGET else 'MISSED'}.\n"
    )
    return results


if __name__ == "__main__":
    main()

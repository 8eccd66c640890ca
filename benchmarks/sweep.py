"""Sweeps: 256 learning rates, and a 64-point grid over step counts and rates, compiled once.

Table 1, 256 rates x 10k steps. lrschedules_jax: build 256 schedules (each validated), stack
them with ``lrs.stack`` into one pytree, and evaluate all of them with one
``jit(vmap(...))``: one compilation. optax: build 256
schedules and ``jit`` each (a schedule is a closure, its rates are compile-time constants,
so each one compiles). Both from a cold start (fresh functions, nothing cached), timed
end to end, interleaved, ``--repeats`` rounds; medians.

For reference the table also times a hand-written optax workaround: one unit-peak curve
multiplied by a vector of rates under ``jit(vmap(...))``. It works only because this curve is
proportional to its peak; optax's builders reject a traced rate
(``warmup_cosine_decay_schedule`` tests ``peak_value == 0.0`` in Python), and optax's
schedules are closures, which cannot be stacked.

Table 2, a 64-point grid over ``start_lr x warmup_steps x num_steps x decay_phase_ratio``
(wsd, linear decay; 2 values each, with two seeds of rates): ``lrs.stack`` makes the counts that
differ int32 leaves, so the whole grid is one ``jit(vmap(...))`` again; against a ``jit`` per
point, of our schedules and of optax's equivalent (``join_schedules`` of a linear warmup, a
constant and a linear decay), each a compilation. Every curve is evaluated at the same
``--grid-steps`` steps.

    python benchmarks/sweep.py            # 256 rates x 10k steps, the 64-point grid; 3 rounds
    python benchmarks/sweep.py --quick    # 8 rates x 1k steps, an 8-point grid, 1 round
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import header, median, table

import lrschedules_jax as lrs

STOP_RATIO = 1e-2


def ours(rates: np.ndarray, n: int) -> np.ndarray:
    w = n // 100
    schedules = [
        lrs.cosine(start_lr=float(r), stop_lr_ratio=STOP_RATIO, num_steps=n, warmup_steps=w)
        for r in rates
    ]
    stacked = lrs.stack(schedules)
    steps = jnp.arange(n + 1, dtype=jnp.int32)
    curves = jax.jit(jax.vmap(lambda s: s(steps)))(stacked)
    return np.asarray(curves)


def optax_each(rates: np.ndarray, n: int) -> np.ndarray:
    w = n // 100
    steps = jnp.arange(n + 1, dtype=jnp.int32)
    out = []
    for r in rates:
        schedule = optax.warmup_cosine_decay_schedule(
            init_value=0.0,
            peak_value=float(r),
            warmup_steps=w,
            decay_steps=n,
            end_value=float(r) * STOP_RATIO,
        )
        out.append(jax.jit(schedule)(steps))
    return np.asarray(jnp.stack(out))


def optax_scaled(rates: np.ndarray, n: int) -> np.ndarray:
    w = n // 100
    steps = jnp.arange(n + 1, dtype=jnp.int32)
    # optax's builders reject a traced peak (warmup_cosine_decay_schedule tests
    # `peak_value == 0.0` in Python), so scale a unit-peak curve instead.
    unit = optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=1.0, warmup_steps=w, decay_steps=n, end_value=STOP_RATIO
    )
    curve = jax.jit(jax.vmap(lambda peak: peak * unit(steps)))
    return np.asarray(curve(jnp.asarray(rates, dtype=jnp.float32)))


# --- the 64-point grid over counts and rates ----------------------------------------------------

GRID_STOP = 1e-6


def grid_points(size: int, seed: float) -> list[dict[str, float]]:
    """``size`` points (a power of 2 up to 64): start_lr x warmup_steps x num_steps x
    decay_phase_ratio, 2 values each, then more rates. ``seed`` moves every rate a little, so
    that no round can reuse what an earlier one compiled."""
    axes = {
        "start_lr": [1e-3 * (1 + seed), 3e-3 * (1 + seed)],
        "warmup_steps": [100, 500],
        "num_steps": [5_000, 10_000],
        "decay_phase_ratio": [0.1, 0.3],
        "extra": [1.0, 0.5, 0.25, 0.125],
    }
    points = [
        {"start_lr": lr * x, "warmup_steps": w, "num_steps": n, "decay_phase_ratio": r}
        for x in axes["extra"]
        for lr in axes["start_lr"]
        for w in axes["warmup_steps"]
        for n in axes["num_steps"]
        for r in axes["decay_phase_ratio"]
    ]
    return points[:size]


def _wsd(p: dict[str, float]) -> lrs.WSD:
    return lrs.wsd(
        start_lr=p["start_lr"],
        stop_lr=GRID_STOP,
        warmup_steps=int(p["warmup_steps"]),
        num_steps=int(p["num_steps"]),
        decay_phase_ratio=p["decay_phase_ratio"],
        decay_type="linear",
    )


def grid_ours(points: list[dict[str, float]], steps: np.ndarray) -> np.ndarray:
    stacked = lrs.stack([_wsd(p) for p in points])
    return np.asarray(jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps))))(stacked))


def grid_ours_each(points: list[dict[str, float]], steps: np.ndarray) -> np.ndarray:
    return np.asarray(jnp.stack([jax.jit(_wsd(p))(jnp.asarray(steps)) for p in points]))


def grid_optax_each(points: list[dict[str, float]], steps: np.ndarray) -> np.ndarray:
    out = []
    for p in points:
        peak, w, n = p["start_lr"], int(p["warmup_steps"]), int(p["num_steps"])
        d = max(1, min(int(p["decay_phase_ratio"] * n), n - w))  # wsd's decay phase length
        schedule = optax.join_schedules(
            [
                optax.linear_schedule(0.0, peak, w),
                optax.constant_schedule(peak),
                optax.linear_schedule(peak, GRID_STOP, d),
            ],
            [w, n - d],
        )
        out.append(jax.jit(schedule)(jnp.asarray(steps)))
    return np.asarray(jnp.stack(out))


def grid_table(size: int, num_steps: int, repeats: int) -> dict[str, float]:
    steps = np.linspace(0, 10_000, num_steps).astype(np.int32)
    contestants = {
        "lrschedules_jax: lrs.stack + jit(vmap), one compile": grid_ours,
        f"lrschedules_jax: a jit per point ({size} compiles)": grid_ours_each,
        f"optax: join_schedules per point, a jit each ({size} compiles)": grid_optax_each,
    }
    names = list(contestants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    curves = {}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            points = grid_points(size, 1e-6 * (r + 1))
            seconds, curves[name] = timed(lambda f=contestants[name], x=points: f(x, steps))
            samples[name].append(seconds)
    t = {name: median(v) for name, v in samples.items()}
    ref = curves[names[0]].astype(np.float64)
    nonzero = ref > 0
    rows = []
    for name in names:
        diff = np.abs(curves[name] - ref)[nonzero] / ref[nonzero]
        rows.append(
            [name, f"{t[name]:.2f} s", f"{t[name] / t[names[0]]:.1f}x", f"{diff.max():.1e}"]
        )
    print(
        f"A {size}-point grid over start_lr x warmup_steps (100, 500) x num_steps (5k, 10k) x "
        f"decay_phase_ratio (0.1, 0.3) (wsd, linear decay; more rates past 16 points), each "
        f"curve at {len(steps):,} steps; wall time from building the schedules to the values "
        f"on the host, median of {repeats} interleaved rounds.\n"
    )
    print(table(["method", "total", "time / one compile", "max rel. diff"], rows))
    print()
    return {f"grid {name}": value for name, value in t.items()}


def timed(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=int, default=256, help="learning rates in the sweep")
    parser.add_argument("--steps", type=int, default=10_000, help="num_steps of each curve")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--grid", type=int, default=64, help="points in the grid (<= 64)")
    parser.add_argument("--grid-steps", type=int, default=1000, help="steps per grid curve")
    parser.add_argument("--quick", action="store_true", help="8 rates x 1k steps, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.rates, args.steps, args.repeats, args.grid = 8, 1000, 1, 8
    header("Sweep: many learning rates at once", "sweep.py", argv)

    rates = np.geomspace(1e-5, 1e-1, args.rates)
    contestants = {
        "lrschedules_jax: stack + jit(vmap), one compile": ours,
        "optax: a schedule and a jit per rate": optax_each,
        "optax: unit-peak curve x rate, jit(vmap) (hand-written)": optax_scaled,
    }
    names = list(contestants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    curves = {}
    for r in range(args.repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            # A different sweep each round, so nothing compiled earlier could be reused.
            round_rates = rates * (1 + 1e-6 * r)
            seconds, curves[name] = timed(
                lambda f=contestants[name], x=round_rates: f(x, args.steps)
            )
            samples[name].append(seconds)
    t = {name: median(v) for name, v in samples.items()}

    ref = curves[names[0]].astype(np.float64)  # the last round's rates for all
    nonzero = ref > 0
    rows = []
    for name in names:
        diff = np.abs(curves[name] - ref)[nonzero] / ref[nonzero]
        rows.append(
            [
                name,
                f"{t[name]:.2f} s",
                f"{t[name] / args.rates * 1e3:.2f} ms",
                f"{t[names[1]] / t[name]:.1f}x",
                f"{diff.max():.1e}",
            ]
        )
    print(
        f"{args.rates} learning rates (log-spaced 1e-5 .. 1e-1), cosine with 1 % warmup, "
        f"{args.steps:,} steps each (all {args.steps + 1:,} values computed); wall time "
        f"from building the schedules to the values on the host, median of "
        f"{args.repeats} interleaved rounds.\n"
    )
    print(
        table(
            ["method", "total", "per rate", "speedup vs optax per rate", "max rel. diff"],
            rows,
        )
    )
    print()
    return {**t, **grid_table(args.grid, args.grid_steps, args.repeats)}


if __name__ == "__main__":
    main()

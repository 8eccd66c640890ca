"""Sweep: one curve per learning rate, 256 rates x 10k steps, compiled once or 256 times.

lrschedules_jax: build 256 schedules (each validated), stack them into one pytree, and
evaluate all of them with one ``jit(vmap(...))``: one compilation. optax: build 256
schedules and ``jit`` each (a schedule is a closure, its rates are compile-time constants,
so each one compiles). Both from a cold start (fresh functions, nothing cached), timed
end to end, interleaved, ``--repeats`` rounds; medians.

For reference the table also times a hand-written optax workaround: one unit-peak curve
multiplied by a vector of rates under ``jit(vmap(...))``. It works only because this curve is
proportional to its peak; optax's builders reject a traced rate
(``warmup_cosine_decay_schedule`` tests ``peak_value == 0.0`` in Python), and optax's
schedules are closures, which cannot be stacked.

    python benchmarks/sweep.py            # 256 rates x 10k steps, 3 rounds
    python benchmarks/sweep.py --quick    # 8 rates x 1k steps, 1 round
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
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *schedules)
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


def timed(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=int, default=256, help="learning rates in the sweep")
    parser.add_argument("--steps", type=int, default=10_000, help="num_steps of each curve")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--quick", action="store_true", help="8 rates x 1k steps, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.rates, args.steps, args.repeats = 8, 1000, 1
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
    return t


if __name__ == "__main__":
    main()

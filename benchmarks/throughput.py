"""Throughput: evaluate every step of a long schedule under ``jit``, against optax and a floor.

For each curve, three jitted functions map an int32 array of steps ``0 .. steps-1`` to the
float32 rates: lrschedules_jax, optax's nearest equivalent, and a bare kernel (the least
arithmetic the curve needs, written by hand in ``jnp``: float32 ``step * (s0 / w)`` for the
warmup, ``exp(c * n)`` without compensation, ``cos`` of a float32 fraction). The three run
interleaved, ``--repeats`` rounds; the table shows medians.

    python benchmarks/throughput.py            # 10M steps, 15 rounds
    python benchmarks/throughput.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import header, interleaved, median, ms, table
from jax import lax

import lrschedules_jax as lrs

F32 = jnp.float32
S0, STOP = 1e-3, 1e-5  # start_lr, stop_lr
DECAY_STEPS = 5000  # exp


def curves(n: int) -> dict[str, tuple[Callable, Callable, Callable]]:
    """name -> (ours, optax's equivalent, bare kernel), for ``num_steps = n``."""
    w = max(1, n // 100)  # 1 % warmup
    t_len = n - w
    cos_ours = lrs.cosine(start_lr=S0, stop_lr=STOP, num_steps=n, warmup_steps=w)
    cos_optax = optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=S0, warmup_steps=w, decay_steps=n, end_value=STOP
    )

    def cos_bare(s):
        warm = F32(S0 / w) * s.astype(F32)
        t = jnp.clip(s - w, 0, t_len).astype(F32)
        decay = F32(STOP) + F32((S0 - STOP) / 2) * (1 + jnp.cos(t * F32(math.pi / t_len)))
        return jnp.where(s < w, warm, decay)

    ds = min(DECAY_STEPS, max(1, t_len // 10))
    exp_ours = lrs.exp(start_lr=S0, stop_lr=STOP, num_steps=n, warmup_steps=w, decay_steps=ds)
    rate = exp_ours.decay_rate
    exp_optax = optax.join_schedules(
        [
            optax.linear_schedule(0.0, S0, w),
            optax.exponential_decay(S0, ds, rate, staircase=True, end_value=STOP),
        ],
        [w],
    )
    log_rate = math.log(rate)

    def exp_bare(s):
        warm = F32(S0 / w) * s.astype(F32)
        stair = lax.div(jnp.maximum(s - w, 0), jnp.int32(ds))
        decay = jnp.maximum(F32(S0) * jnp.exp(F32(log_rate) * stair.astype(F32)), F32(STOP))
        return jnp.where(s < w, warm, decay)

    wsd_ours = lrs.wsd(start_lr=S0, stop_lr=STOP, num_steps=n, warmup_steps=w, decay_type="linear")
    d = wsd_ours.decay_phase
    stable = t_len - d
    wsd_optax = optax.join_schedules(
        [
            optax.linear_schedule(0.0, S0, w),
            optax.constant_schedule(S0),
            optax.linear_schedule(S0, STOP, d),
        ],
        [w, w + stable],
    )

    def wsd_bare(s):
        warm = F32(S0 / w) * s.astype(F32)
        remaining = jnp.clip(n - s, 0, d).astype(F32)
        decay = F32(STOP) + F32((S0 - STOP) / d) * remaining
        return jnp.where(s < w, warm, decay)

    return {
        "cosine + warmup": (cos_ours, cos_optax, cos_bare),
        "exp stepped + warmup": (exp_ours, exp_optax, exp_bare),
        "wsd linear + warmup": (wsd_ours, wsd_optax, wsd_bare),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10_000_000, help="steps evaluated")
    parser.add_argument("--repeats", type=int, default=15, help="interleaved rounds")
    parser.add_argument("--quick", action="store_true", help="100k steps, 3 rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.repeats = 100_000, 3
    header("Throughput: every step of a schedule under jit", "throughput.py", argv)

    steps = jnp.arange(args.steps, dtype=jnp.int32)
    rows, results = [], {}
    for name, (ours, opt, bare) in curves(args.steps).items():
        fns = {
            "ours": jax.jit(lambda s, f=ours: f(s)),
            "optax": jax.jit(opt),
            "bare": jax.jit(bare),
        }
        values = {k: np.asarray(f(steps), dtype=np.float64) for k, f in fns.items()}
        ref, nonzero = values["ours"], values["ours"] > 0
        diff = {
            k: float(np.max(np.abs(v - ref)[nonzero] / ref[nonzero])) for k, v in values.items()
        }
        calls = {k: (lambda f=f: f(steps).block_until_ready()) for k, f in fns.items()}
        wall, cpu = interleaved(calls, args.repeats)
        t = {k: median(v) for k, v in wall.items()}
        c = {k: median(v) for k, v in cpu.items()}
        results[name] = t
        rows.append(
            [
                name,
                ms(t["ours"]),
                ms(t["optax"]),
                ms(t["bare"]),
                f"{t['ours'] / t['optax']:.2f}",
                f"{t['ours'] / t['bare']:.2f}",
                f"{c['ours'] / c['optax']:.2f} / {c['ours'] / c['bare']:.2f}",
                f"{args.steps / t['ours'] / 1e6:.0f}",
                f"{diff['optax']:.1e} / {diff['bare']:.1e}",
            ]
        )
    print(
        f"{args.steps:,} int32 steps (num_steps = {args.steps:,}, 1 % warmup), float32, "
        f"median of {args.repeats} interleaved rounds (wall time; the CPU-time ratios leave "
        "out time spent waiting for a core). Max rel. diff: largest |x - ours| / ours.\n"
    )
    print(
        table(
            [
                "curve",
                "lrschedules_jax",
                "optax",
                "bare kernel",
                "ours / optax",
                "ours / bare",
                "CPU time: ours / optax, / bare",
                "Msteps/s (ours)",
                "max rel. diff optax / bare",
            ],
            rows,
        )
    )
    print()
    return results


if __name__ == "__main__":
    main()

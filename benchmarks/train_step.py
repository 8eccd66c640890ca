"""Training-step overhead: a jitted Adam step with a schedule against a constant rate.

A small MLP (32 -> 128 -> 128 -> 1, tanh, batch 64, squared error) is trained with Adam, the
learning rate being a float (the baseline), an lrschedules_jax schedule, optax's, or
``lambda count: 1e-3`` (a callable that does no arithmetic: what any schedule costs). Two
optimizers: ``optax.inject_hyperparams(optax.adam)(learning_rate=...)`` (the rate lives in
the optimizer state) and plain ``optax.adam(...)``. Two ways to run ``--inner`` steps:

* "loop": a Python loop calling the jitted step (what a training script does);
* "scan": the same steps inside one jitted ``lax.scan``.

On XLA's CPU backend, ``inject_hyperparams`` with any callable rate (even one that returns a
constant) makes the looped step much slower than with a float; with
``XLA_FLAGS=--xla_cpu_enable_concurrency_optimized_scheduler=false`` the difference goes away,
so it comes from how XLA orders that step, not from the schedule's arithmetic.

Each optimizer keeps its own state across rounds (so the schedules run through warmup and
decay); ``--repeats`` interleaved rounds, medians per step, compared with the same
optimizer's float baseline.

    python benchmarks/train_step.py            # 41 rounds of 100 steps
    python benchmarks/train_step.py --quick    # 3 rounds of 10 steps, loop only, 3 rates
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import header, interleaved, median, table

import lrschedules_jax as lrs

SIZES = (32, 128, 128, 1)
BATCH = 64
BASELINE = "1e-3 (a float: baseline)"


def init_params(key: jax.Array) -> list[tuple[jax.Array, jax.Array]]:
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (n_in, n_out)) / np.sqrt(n_in), jnp.zeros(n_out)))
    return params


def loss_fn(params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return jnp.mean((x @ w + b - y) ** 2)


def learning_rates(num_steps: int) -> dict[str, Any]:
    w = num_steps // 100
    return {
        BASELINE: 1e-3,
        "lambda count: 1e-3 (any callable)": lambda count: jnp.float32(1e-3),
        "lrschedules_jax cosine + warmup": lrs.cosine(
            start_lr=1e-3, stop_lr=1e-5, num_steps=num_steps, warmup_steps=w
        ),
        "lrschedules_jax exp stepped + warmup": lrs.exp(
            start_lr=1e-3, stop_lr=1e-5, num_steps=num_steps, warmup_steps=w, decay_steps=100
        ),
        "lrschedules_jax wsd + warmup": lrs.wsd(
            start_lr=1e-3, stop_lr=1e-5, num_steps=num_steps, warmup_steps=w
        ),
        "optax warmup_cosine_decay_schedule": optax.warmup_cosine_decay_schedule(
            0.0, 1e-3, w, num_steps, 1e-5
        ),
    }


OPTIMIZERS: dict[str, Callable[[Any], optax.GradientTransformation]] = {
    "inject_hyperparams(adam)": lambda lr: optax.inject_hyperparams(optax.adam)(learning_rate=lr),
    "adam": optax.adam,
}
# The rates each optimizer is run with (all of them for inject_hyperparams).
PLAIN_ADAM_RATES = (
    BASELINE,
    "lrschedules_jax cosine + warmup",
    "optax warmup_cosine_decay_schedule",
)


def runner(
    opt: optax.GradientTransformation, x: jax.Array, y: jax.Array, inner: int, mode: str
) -> Callable[[], None]:
    """A function that runs ``inner`` training steps and waits for them."""
    params = init_params(jax.random.key(0))
    state = [params, opt.init(params)]

    def step(params, opt_state, x, y):
        grads = jax.grad(loss_fn)(params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    if mode == "loop":
        jitted = jax.jit(step)

        def run() -> None:
            params, opt_state = state
            for _ in range(inner):
                params, opt_state = jitted(params, opt_state, x, y)
            jax.block_until_ready(params)
            state[:] = [params, opt_state]

    else:

        @jax.jit
        def many(params, opt_state, x, y):
            def body(carry, _):
                return step(*carry, x, y), None

            return jax.lax.scan(body, (params, opt_state), length=inner)[0]

        def run() -> None:
            state[:] = jax.block_until_ready(many(*state, x, y))

    run()  # compile and warm up
    return run


def main(argv: Sequence[str] | None = None) -> dict[str, dict[tuple[str, str], float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inner", type=int, default=100, help="steps per timed sample")
    parser.add_argument("--repeats", type=int, default=41, help="interleaved rounds")
    parser.add_argument(
        "--modes", nargs="+", choices=["loop", "scan"], default=["loop", "scan"], help="how to run"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds of 10 steps, loop only, 3 rates"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.inner, args.repeats, args.modes = 10, 3, ["loop"]
    header("Training-step overhead of a schedule", "train_step.py", argv)

    kx, ky = jax.random.split(jax.random.key(1))
    x = jax.random.normal(kx, (BATCH, SIZES[0]))
    y = jax.random.normal(ky, (BATCH, SIZES[-1]))
    # The schedules span the steps this run takes, so every phase is exercised.
    num_steps = max(100, (args.repeats + 1) * args.inner)
    rates = learning_rates(num_steps)
    cases = [("inject_hyperparams(adam)", name) for name in rates]
    cases += [("adam", name) for name in PLAIN_ADAM_RATES]
    if args.quick:  # three compilations
        cases = cases[:3]

    wall_step: dict[str, dict[tuple[str, str], float]] = {}
    cpu_step: dict[str, dict[tuple[str, str], float]] = {}
    for mode in args.modes:
        fns = {
            case: runner(OPTIMIZERS[case[0]](rates[case[1]]), x, y, args.inner, mode)
            for case in cases
        }
        wall, cpu = interleaved(fns, args.repeats)
        wall_step[mode] = {case: median(v) / args.inner for case, v in wall.items()}
        cpu_step[mode] = {case: median(v) / args.inner for case, v in cpu.items()}

    rows = []
    for case in cases:
        base = (case[0], BASELINE)
        row = [case[0], case[1]]
        for mode in args.modes:
            t, c = wall_step[mode][case], cpu_step[mode][case]
            row += [
                f"{t * 1e6:.0f} µs",
                f"{(t / wall_step[mode][base] - 1) * 100:+.1f} %",
                f"{(c / cpu_step[mode][base] - 1) * 100:+.1f} %",
            ]
        rows.append(row)
    columns = ["optimizer", "learning rate"]
    for mode in args.modes:
        columns += [f"{mode}: per step", "vs float", "vs float (CPU time)"]
    print(
        f"MLP {' -> '.join(map(str, SIZES))}, batch {BATCH}; schedules over {num_steps:,} "
        f"steps with 1 % warmup. Median time per step over {args.repeats} interleaved rounds "
        f"of {args.inner} steps (wall time, and the overhead in this process's CPU time, "
        "which leaves out time spent waiting for a core).\n"
    )
    print(table(columns, rows, text_columns=2))
    print()
    return wall_step


if __name__ == "__main__":
    main()

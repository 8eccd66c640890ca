"""Training-step overhead: a jitted Adam step with a schedule against a constant rate.

A small MLP (32 -> 128 -> 128 -> 1, tanh, batch 64, squared error) is trained with
``optax.inject_hyperparams(optax.adam)(learning_rate=...)``, the rate being a float (the
baseline), an lrschedules_jax schedule or optax's. Two ways to run ``--inner`` steps:

* "loop": a Python loop calling the jitted step (what a training script does; includes
  dispatch);
* "scan": the same steps inside one jitted ``lax.scan`` (compute only, where an overhead
  would show most).

Each optimizer keeps its own state across rounds (so the schedules run through warmup and
decay); ``--repeats`` interleaved rounds, medians per step.

    python benchmarks/train_step.py            # 31 rounds of 200 steps
    python benchmarks/train_step.py --quick    # 3 rounds of 10 steps, loop only, 2 rates
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
        "constant 1e-3 (baseline)": 1e-3,
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


def runner(
    learning_rate: Any, x: jax.Array, y: jax.Array, inner: int, mode: str
) -> Callable[[], None]:
    """A function that runs ``inner`` training steps and waits for them."""
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=learning_rate)
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


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inner", type=int, default=200, help="steps per timed sample")
    parser.add_argument("--repeats", type=int, default=31, help="interleaved rounds")
    parser.add_argument(
        "--modes", nargs="+", choices=["loop", "scan"], default=["loop", "scan"], help="how to run"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds of 10 steps, loop only, 2 rates"
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
    if args.quick:  # the baseline and one schedule: two compilations
        rates = dict(list(rates.items())[:2])
    per_step: dict[str, dict[str, float]] = {}
    for mode in args.modes:
        fns = {name: runner(lr, x, y, args.inner, mode) for name, lr in rates.items()}
        samples = interleaved(fns, args.repeats)
        per_step[mode] = {name: median(v) / args.inner for name, v in samples.items()}
    base = next(iter(rates))
    rows = []
    for name in rates:
        row = [name]
        for mode in args.modes:
            t = per_step[mode][name]
            row += [f"{t * 1e6:.1f} µs", f"{(t / per_step[mode][base] - 1) * 100:+.1f} %"]
        rows.append(row)
    columns = ["learning rate"]
    for mode in args.modes:
        columns += [f"{mode}: per step", "vs constant"]
    print(
        f"MLP {' -> '.join(map(str, SIZES))}, batch {BATCH}, "
        f"inject_hyperparams(adam); schedules over {num_steps:,} steps with 1 % warmup. "
        f"Median time per step over {args.repeats} interleaved rounds of {args.inner} steps.\n"
    )
    print(table(columns, rows))
    print()
    return per_step


if __name__ == "__main__":
    main()

"""The training code the scale tests run, in the test process and in fresh subprocesses.

``python tests/scale_worker.py COMMAND ...`` runs one of:

- ``resume CHECKPOINT... --out OUT.npz``: restore each orbax checkpoint written by
  :func:`save_checkpoint` and continue training (tests/test_checkpoint.py);
- ``multidevice --out OUT.npz``: a data-parallel ``shard_map`` training loop over every local
  device, with ``num_workers="auto"`` (tests/test_multidevice.py);
- ``multiprocess --port P --process-id I --out OUT.npz``: one of two processes joined by
  ``jax.distributed.initialize`` training in data parallel (tests/test_multiprocess.py).

Importing this module has no side effects (pytest's doctest collection imports it).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from cases import worker_scale_of

from lrschedules_jax import make_schedule

FEATURES = 4
BATCH = 16  # global batch; divisible by 8 devices and by 2 processes
WORKER = Path(__file__).absolute()
ROOT = WORKER.parent.parent
TIMEOUT = 120  # seconds for a subprocess (it imports jax, optax and orbax, and compiles)
MULTIPROCESS_CONFIG = {
    "type": "wsd",
    "start_lr": 1e-2,
    "stop_lr": 1e-4,
    "warmup_steps": 2,
    "decay_phase_ratio": 0.5,
    "scale_by_worker": "linear",  # "auto" scales only a section that asks for it
}


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test process's environment without JAX/XLA settings, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLA_", "JAX_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return {**env, "JAX_PLATFORMS": "cpu", **extra}


def problem(num_steps: int, seed: int = 0) -> tuple[dict[str, jax.Array], np.ndarray, np.ndarray]:
    """Initial params and one global batch per step of a small linear regression."""
    rng = np.random.default_rng(seed)
    params = {
        "w": jnp.asarray(rng.normal(size=FEATURES), jnp.float32),
        "b": jnp.asarray(0.5, jnp.float32),
    }
    xs = rng.normal(size=(num_steps, BATCH, FEATURES)).astype(np.float32)
    ys = (xs @ np.arange(1, FEATURES + 1, dtype=np.float32) + 0.1).astype(np.float32)
    return params, xs, ys


def loss(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def optimizer(schedule: Any) -> optax.GradientTransformation:
    """Adam with the schedule injected, so the rate of every update is in the state."""
    return optax.inject_hyperparams(optax.adam)(learning_rate=schedule)


@functools.cache
def _train_step(tx: Any) -> Any:
    """The jitted training step of ``tx`` (cached: one compilation per optimizer)."""

    @jax.jit
    def step(params, state, x, y):
        updates, state = tx.update(jax.grad(loss)(params, x, y), state, params)
        return optax.apply_updates(params, updates), state

    return step


def train(tx: Any, params: Any, state: Any, xs: np.ndarray, ys: np.ndarray, steps: range):
    """Train over ``steps``; return params, state, and the rate and params after each step."""
    step = _train_step(tx)
    rates, history = [], []
    for i in steps:
        params, state = step(params, state, xs[i], ys[i])
        rates.append(np.asarray(state.hyperparams["learning_rate"]))
        history.append(flat(params))
    return params, state, np.asarray(rates), np.asarray(history)


def flat(params: Any) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(x)) for x in jax.tree.leaves(params)])


# --- checkpoint and resume --------------------------------------------------------------------


def _checkpointer() -> Any:
    import orbax.checkpoint as ocp

    return ocp.StandardCheckpointer()


def save_checkpoint(path: Path, run: dict[str, Any], params: Any, state: Any, step: int) -> None:
    """Save params and optimizer state with orbax, and the run (config) as JSON next to it."""
    path.mkdir(parents=True, exist_ok=True)
    checkpointer = _checkpointer()
    checkpointer.save((path / "state").absolute(), {"params": params, "opt_state": state})
    checkpointer.wait_until_finished()
    checkpointer.close()
    (path / "run.json").write_text(json.dumps({**run, "step": step}))


def resume(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild the schedule from the saved config, restore the state, finish the run."""
    import orbax.checkpoint as ocp

    run = json.loads((path / "run.json").read_text())
    schedule = make_schedule(run["config"], run["num_steps"], num_workers=run["num_workers"])
    tx = optimizer(schedule)
    params, xs, ys = problem(run["num_steps"], run["seed"])
    target = {"params": params, "opt_state": tx.init(params)}
    checkpointer = _checkpointer()
    restored = checkpointer.restore(
        (path / "state").absolute(), jax.tree.map(ocp.utils.to_shape_dtype_struct, target)
    )
    checkpointer.close()
    _, _, rates, history = train(
        tx,
        restored["params"],
        restored["opt_state"],
        xs,
        ys,
        range(run["step"], run["num_steps"]),
    )
    return rates, history


# --- multi-device -----------------------------------------------------------------------------


def multidevice(num_steps: int = 12) -> dict[str, np.ndarray]:
    """Data-parallel Adam under shard_map over every local device, num_workers="auto"."""
    out: dict[str, np.ndarray] = {"device_count": np.asarray(jax.device_count())}
    for scale in ("linear", "sqrt"):
        config = {
            "type": "cosine",
            "start_lr": 1e-3,
            "stop_lr": 1e-5,
            "warmup_steps": 3,
            "scale_by_worker": scale,
        }
        schedule = make_schedule(config, num_steps, num_workers="auto")
        single = make_schedule(config, num_steps, num_workers=1)
        out[f"{scale}_rates"] = _shard_map_rates(schedule, num_steps)  # (steps, devices)
        out[f"{scale}_single"] = np.asarray(single(np.arange(num_steps)))
        out[f"{scale}_worker_scale"] = np.asarray(worker_scale_of(schedule))
    return out


def _shard_map_rates(schedule: Any, num_steps: int) -> np.ndarray:
    """The rate every device used at every step of a data-parallel shard_map run."""
    from jax.sharding import Mesh, NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = Mesh(np.asarray(jax.devices()), ("data",))
    tx = optimizer(schedule)
    params, xs, ys = problem(num_steps)
    state = tx.init(params)

    def local_step(params, state, x, y):
        grads = jax.lax.pmean(jax.grad(loss)(params, x, y), "data")
        updates, state = tx.update(grads, state, params)
        rate = state.hyperparams["learning_rate"]  # this device's rate
        return optax.apply_updates(params, updates), state, rate[None]

    step = jax.jit(
        jax.shard_map(
            local_step,
            mesh=mesh,
            in_specs=(P(), P(), P("data"), P("data")),
            out_specs=(P(), P(), P("data")),
            check_vma=False,  # the rate is per device on purpose: gather it to compare
        )
    )
    batch = NamedSharding(mesh, P("data"))
    rates = []
    for i in range(num_steps):
        x, y = jax.device_put(xs[i], batch), jax.device_put(ys[i], batch)
        params, state, rate = step(params, state, x, y)
        rates.append(np.asarray(rate))
    return np.asarray(rates)


# --- multi-process ----------------------------------------------------------------------------


def multiprocess(port: int, process_id: int, num_steps: int = 10) -> dict[str, np.ndarray]:
    """One of two processes training in data parallel; returns its rates and params."""
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=f"127.0.0.1:{port}",
        num_processes=2,
        process_id=process_id,
        initialization_timeout=60,
    )
    try:
        return _multiprocess_train(process_id, num_steps)
    finally:
        jax.distributed.shutdown()


def _multiprocess_train(process_id: int, num_steps: int) -> dict[str, np.ndarray]:
    from jax.sharding import Mesh, NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = Mesh(np.asarray(jax.devices()), ("data",))
    replicated, batch = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))
    config = MULTIPROCESS_CONFIG
    schedule = make_schedule(config, num_steps, num_workers="auto")
    tx = optimizer(schedule)
    params, xs, ys = problem(num_steps)
    state = _global(replicated, tx.init(params))
    params = _global(replicated, params)

    @jax.jit
    def step(params, state, x, y):
        updates, state = tx.update(jax.grad(loss)(params, x, y), state, params)
        return optax.apply_updates(params, updates), state

    half = BATCH // 2
    rates, history = [], []
    for i in range(num_steps):
        local = slice(process_id * half, (process_id + 1) * half)
        x = jax.make_array_from_process_local_data(batch, xs[i][local])
        y = jax.make_array_from_process_local_data(batch, ys[i][local])
        assert x.sharding == batch and x.shape == (BATCH, FEATURES)
        params, state = step(params, state, x, y)
        rates.append(np.asarray(state.hyperparams["learning_rate"]))
        history.append(flat(params))
    return {
        "process_count": np.asarray(jax.process_count()),
        "device_count": np.asarray(jax.device_count()),
        "rates": np.asarray(rates),
        "params": np.asarray(history),
        "single": np.asarray(make_schedule(config, num_steps)(np.arange(num_steps))),
    }


def _global(sharding: Any, tree: Any) -> Any:
    """A pytree of host values (equal on every process) as global arrays."""
    return jax.tree.map(
        lambda a: jax.make_array_from_process_local_data(sharding, np.asarray(a)), tree
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("resume")
    p.add_argument("checkpoints", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("multidevice")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("multiprocess")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--process-id", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "resume":
        out = {}
        for i, path in enumerate(args.checkpoints):
            out[f"rates{i}"], out[f"params{i}"] = resume(path)
    elif args.command == "multidevice":
        out = multidevice()
    else:
        out = multiprocess(args.port, args.process_id)
    np.savez(args.out, **out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

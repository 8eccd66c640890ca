"""Checkpoint and resume: orbax-saved optimizer state, restored in a fresh process.

Train part of a run with ``optax.inject_hyperparams(optax.adam)(learning_rate=schedule)``,
save params and optimizer state with orbax-checkpoint (and the ``learning_rate`` config as
JSON), restore both in a fresh Python process and finish the run there: the rate of every
step and the params after every step equal the uninterrupted run's, bit for bit.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scale_worker as worker
from scale_worker import TIMEOUT, WORKER, subprocess_env

from lrschedules_jax import make_schedule

DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)

pytest.importorskip("orbax.checkpoint")


# (id, learning_rate config, num_steps, num_workers, step to interrupt at)
RUNS = [
    (
        "wsd-warmup-interrupted-in-warmup",
        {
            "type": "wsd",
            "start_lr": 1e-2,
            "stop_lr": 1e-4,
            "warmup_steps": 6,
            "decay_phase_ratio": 0.5,
        },
        24,
        1,
        4,
    ),
    (
        "exp-smooth-4-workers-interrupted-in-decay",
        {
            "type": "exp",
            "start_lr": 5e-3,
            "stop_lr_ratio": 1e-2,
            "decay_steps": 3,
            "smooth": True,
            "warmup_ratio": 0.1,
            "scale_by_worker": "sqrt",
        },
        24,
        4,
        13,
    ),
]


def test_resume_in_a_fresh_process_is_exact(tmp_path):
    expected, checkpoints = [], []
    for i, (_, config, num_steps, workers, stop) in enumerate(RUNS):
        schedule = make_schedule(config, num_steps, num_workers=workers)
        tx = worker.optimizer(schedule)
        params, xs, ys = worker.problem(num_steps)
        _, _, rates, history = worker.train(tx, params, tx.init(params), xs, ys, range(num_steps))
        expected.append((rates, history))
        np.testing.assert_allclose(rates, np.asarray(schedule(np.arange(num_steps))), rtol=1e-6)

        # The interrupted run: train to `stop`, save, and let a fresh process finish it.
        params, state, _, _ = worker.train(tx, params, tx.init(params), xs, ys, range(stop))
        run = {"config": schedule.to_config(), "num_steps": num_steps, "num_workers": workers}
        path = tmp_path / f"run{i}"
        worker.save_checkpoint(path, {**run, "seed": 0}, params, state, stop)
        checkpoints.append(path)

    out = tmp_path / "resumed.npz"
    subprocess.run(
        [sys.executable, str(WORKER), "resume", *map(str, checkpoints), "--out", str(out)],
        env=subprocess_env(),
        cwd=tmp_path,
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    resumed = np.load(out)
    for i, (run_id, _, _, _, stop) in enumerate(RUNS):
        rates, history = expected[i]
        np.testing.assert_array_equal(resumed[f"rates{i}"], rates[stop:], err_msg=run_id)
        np.testing.assert_array_equal(resumed[f"params{i}"], history[stop:], err_msg=run_id)

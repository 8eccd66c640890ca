"""Multi-process data parallelism: two processes on localhost joined by jax.distributed.

Each process owns one CPU device and half of every global batch; ``num_workers="auto"`` is
``jax.device_count()`` = 2 across processes (CPU collectives: gloo, jax's default for CPU).
Both processes use the same rate and hold the same params at every step, the rate is twice
the single-worker rate, and the params match one process training on the whole batch.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pytest
import scale_worker
from scale_worker import MULTIPROCESS_CONFIG, TIMEOUT, WORKER, subprocess_env

from lrschedules_jax import make_schedule

DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)

PROCESSES = 2


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run the two processes once for the module's tests."""
    return _run_processes(tmp_path_factory.mktemp("multiprocess"))


def _run_processes(tmp_path):
    port = _free_port()
    procs, outs = [], []
    for i in range(PROCESSES):
        outs.append(tmp_path / f"process{i}.npz")
        cmd = [sys.executable, str(WORKER), "multiprocess", "--port", str(port)]
        cmd += ["--process-id", str(i), "--out", str(outs[-1])]
        procs.append(
            subprocess.Popen(
                cmd,
                env=subprocess_env(),
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    logs = []
    try:
        for proc in procs:
            logs.append(proc.communicate(timeout=TIMEOUT)[0])
    finally:
        for proc in procs:  # on a timeout or an error, never leave a process behind
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    for proc, log in zip(procs, logs, strict=True):
        assert proc.returncode == 0, log[-3000:]
    return [np.load(out) for out in outs]


def test_processes_agree_on_rate_and_params(results):
    first, second = results
    for result in (first, second):
        assert int(result["process_count"]) == PROCESSES
        assert int(result["device_count"]) == PROCESSES
    # Both processes: the same rate and the same params at every step, bit for bit.
    np.testing.assert_array_equal(first["rates"], second["rates"])
    np.testing.assert_array_equal(first["params"], second["params"])
    # num_workers="auto" counted the devices of both processes: twice the single rate.
    np.testing.assert_allclose(first["rates"], 2 * first["single"].astype(np.float64), rtol=3e-7)
    assert len(set(first["rates"].tolist())) > 3, "the schedule must change over the run"


def test_processes_match_one_process_on_the_whole_batch(results):
    result = results[0]
    steps = len(result["rates"])
    schedule = make_schedule(MULTIPROCESS_CONFIG, steps, num_workers=PROCESSES)
    tx = scale_worker.optimizer(schedule)
    params, xs, ys = scale_worker.problem(steps)
    _, _, rates, history = scale_worker.train(tx, params, tx.init(params), xs, ys, range(steps))
    np.testing.assert_array_equal(result["rates"], rates)
    # The all-reduce may sum in another order: equal up to float32 rounding.
    np.testing.assert_allclose(result["params"], history, rtol=1e-5, atol=1e-6)

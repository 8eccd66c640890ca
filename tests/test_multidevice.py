"""Multi-device data parallelism: 8 host CPU devices in a subprocess, shard_map, "auto" workers.

A data-parallel Adam step under ``jax.shard_map`` with ``num_workers="auto"``: every device
uses the same rate at every step, equal to 8x (``linear``) or sqrt(8)x (``sqrt``) the
single-worker rate. The run is a subprocess because the device count is fixed when JAX starts.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
from scale_worker import TIMEOUT, WORKER, subprocess_env

DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)

DEVICES = 8


def test_every_device_uses_the_scaled_rate(tmp_path):
    out = tmp_path / "multidevice.npz"
    subprocess.run(
        [sys.executable, str(WORKER), "multidevice", "--out", str(out)],
        env=subprocess_env(XLA_FLAGS=f"--xla_force_host_platform_device_count={DEVICES}"),
        cwd=tmp_path,
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    result = np.load(out)
    assert int(result["device_count"]) == DEVICES
    for scale, factor in [("linear", DEVICES), ("sqrt", math.sqrt(DEVICES))]:
        rates, single = result[f"{scale}_rates"], result[f"{scale}_single"]
        assert rates.shape == (len(single), DEVICES)
        assert float(result[f"{scale}_worker_scale"]) == factor
        # Every device, every step: the same rate, bit for bit.
        np.testing.assert_array_equal(rates, np.repeat(rates[:, :1], DEVICES, axis=1))
        np.testing.assert_allclose(rates[:, 0], factor * single.astype(np.float64), rtol=3e-7)
        assert len(set(rates[:, 0].tolist())) > 3, "the schedule must change over the run"

"""The peers' words in our own builders and configs, and ``wsd`` decaying to 0.

A peer's name for one of our keys or types gets a did-you-mean that names ours and the peer's
library; ``wsd`` accepts ``stop_lr = 0`` for the decay types that do not divide by it, while a
DeePMD-kit input file keeps DeePMD-kit 3.2's rule.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cases import assert_close, reference, values

import lrschedules_jax as lrs

# ---- wsd decays to 0 --------------------------------------------------------------------------


@pytest.mark.parametrize("decay_type", ["cosine", "linear", "1-sqrt"])
@pytest.mark.parametrize("stop", [{"stop_lr": 0.0}, {"stop_lr_ratio": 0.0}])
def test_wsd_decays_to_zero(decay_type, stop):
    config = {
        "type": "wsd",
        "start_lr": 3e-4,
        "warmup_steps": 50,
        "decay_phase_steps": 300,
        "decay_type": decay_type,
        **stop,
    }
    n = 1000
    steps = np.concatenate([np.arange(0, 1200), [10**6, 2**31 - 1]])
    sched = lrs.make_schedule(config, n)
    got = values(sched, steps)
    assert_close(got, reference(config, n, steps))
    assert got[n] == 0.0 and got[-1] == 0.0 and got[n - 1] > 0.0
    assert lrs.from_config(sched.to_config(), n) == sched


def test_wsd_inverse_linear_keeps_refusing_zero():
    with pytest.raises(lrs.ConfigError, match=r"> 0 for `wsd` with decay_type `inverse_linear`"):
        lrs.wsd(start_lr=1e-3, stop_lr=0.0, num_steps=100)
    with pytest.raises(lrs.ConfigError, match=r"stop_lr_ratio: must be > 0"):
        lrs.make_schedule({"type": "wsd", "start_lr": 1e-3, "stop_lr_ratio": 0.0}, 100)


def test_wsd_zero_in_a_deepmd_input_is_an_extension(tmp_path):
    section = {"type": "wsd", "start_lr": 1e-3, "stop_lr": 0.0, "decay_type": "cosine"}
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"learning_rate": section, "training": {"numb_steps": 100}}))
    with pytest.raises(lrs.ConfigError, match=r"`stop_lr` = 0 with `wsd`.*is an extension"):
        lrs.load_input(path)
    assert lrs.load_input(path, extensions=True) == (section, 100)
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(section))
    assert lrs.load_input(bare)[0] == section


def test_cooldown_to_zero():
    run = lrs.constant(start_lr=1e-3, num_steps=10**6)
    cooled = run.cooldown(500, 100, decay_type="linear", stop_lr=0.0)
    assert float(cooled(550)) == pytest.approx(5e-4, rel=1e-6)
    assert float(cooled(600)) == 0.0
    with pytest.raises(lrs.ConfigError, match="inverse_linear"):
        run.cooldown(500, 100, stop_lr=0.0)

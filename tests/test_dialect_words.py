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


# ---- the peers' words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keyword, ours, peer",
    [
        ("peak_value", "start_lr", "optax"),
        ("init_value", "start_lr", "optax"),
        ("end_value", "stop_lr", "optax"),
        ("eta_min", "stop_lr", "PyTorch"),
        ("lr_min", "stop_lr", "timm"),
        ("min_lr", "stop_lr", "Hugging Face"),
        ("lr_end", "stop_lr", "Hugging Face"),
        ("alpha", "stop_lr_ratio", "optax"),
        ("min_lr_ratio", "stop_lr_ratio", "Hugging Face"),
        ("min_lr_rate", "stop_lr_ratio", "Hugging Face"),
        ("num_warmup_steps", "warmup_steps", "Hugging Face"),
        ("warmup_t", "warmup_steps", "timm"),
        ("num_training_steps", "num_steps", "Hugging Face"),
        ("T_max", "num_steps", "PyTorch"),
        ("total_steps", "num_steps", "PyTorch"),
    ],
)
def test_builder_names_our_key_and_the_peer(keyword, ours, peer):
    with pytest.raises(lrs.ConfigError) as info:
        lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100, **{keyword: 3})
    (line,) = [p for p in info.value.problems if p.startswith(f"learning_rate.{keyword}:")]
    assert f"did you mean `{ours}` ({peer}'s `{keyword}`)?" in line


def test_builder_lists_every_problem_in_one_error():
    with pytest.raises(lrs.ConfigError) as info:
        lrs.wsd(peak_value=1e-3, num_warmup_steps=10, min_lr_ratio=0.0, num_steps=100)
    assert info.value.count == 5  # start_lr and a stop key missing, three peer keywords
    text = str(info.value)
    for fragment in (
        "learning_rate.start_lr: is required",
        "did you mean `start_lr` (optax's `peak_value`)?",
        "did you mean `warmup_steps` (Hugging Face's `num_warmup_steps`)?",
        "did you mean `stop_lr_ratio` (Hugging Face's `min_lr_ratio`)?",
    ):
        assert fragment in text
    assert not isinstance(info.value, TypeError)


def test_a_peer_key_for_a_key_the_type_lacks_says_why():
    with pytest.raises(
        lrs.ConfigError,
        match=r"PyTorch's `eta_min` is `stop_lr` here, which this "
        r"type does not have: the rate stays at `start_lr`",
    ):
        lrs.constant(start_lr=1e-3, eta_min=0.0, num_steps=10)
    with pytest.raises(lrs.ConfigError, match=r"did you mean `max_lr` \(optax's `peak_value`\)"):
        lrs.one_cycle(peak_value=1e-3, num_steps=10)


def test_same_words_in_a_config():
    with pytest.raises(lrs.ConfigError, match=r"did you mean `smooth` \(optax's `staircase`\)"):
        lrs.make_schedule({"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-5, "staircase": True}, 10)


@pytest.mark.parametrize(
    "name, ours",
    [
        ("cosine_with_warmup", "cosine"),
        ("cosine_annealing", "cosine"),
        ("CosineAnnealingLR", "cosine"),
        ("warmup_stable_decay", "wsd"),
        ("CosineAnnealingWarmRestarts", "cosine_restarts"),
        ("cosine_with_restarts", "cosine_restarts"),
        ("exponential_decay", "exp"),
        ("OneCycleLR", "one_cycle"),
        ("StepLR", "step"),
        ("PolyLRScheduler", "polynomial"),
        ("SequentialLR", "sequence"),
        ("join_schedules", "sequence"),
    ],
)
def test_peer_type_names_map_to_ours(name, ours):
    with pytest.raises(lrs.ConfigError) as info:
        lrs.make_schedule({"type": name, "start_lr": 1e-3}, 100)
    (line,) = info.value.problems
    assert line.startswith(f"learning_rate.type: unknown type '{name}'; did you mean `{ours}` (")


@pytest.mark.parametrize(
    "name", ["ReduceLROnPlateau", "reduce_lr_on_plateau", "PlateauLRScheduler"]
)
def test_plateau_names_point_to_the_transformation(name):
    with pytest.raises(lrs.ConfigError, match=r"transformation `lrs.reduce_on_plateau`"):
        lrs.make_schedule({"type": name}, 100)


def test_an_unknown_word_still_gets_the_closest_key():
    with pytest.raises(lrs.ConfigError, match=r"did you mean `warmup_steps`\?"):
        lrs.cosine(start_lr=1e-3, stop_lr=0.0, warmup_step=3, num_steps=10)
    with pytest.raises(lrs.ConfigError, match=r"unknown type 'cosin'; did you mean `cosine`\?"):
        lrs.make_schedule({"type": "cosin", "start_lr": 1e-3}, 10)

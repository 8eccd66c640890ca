"""``sequence`` and ``product``: PyTorch's SequentialLR and ChainedScheduler, the
Python forms, key paths, ``to_config()``, ``show`` and ``plot``.

torch's values are recorded in tests/data/peers/torch.json.gz (cases ``compose/<name>``, by
tests/data/peers/record_torch.py) and also compared live when torch is installed. The generic value, pytree, property and
bad-input tests run on the ``sequence`` and ``product`` rows of tests/cases.py.
"""

import json

import numpy as np
import peers
import pytest
from compose_reference import CASES, LR

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError, make_schedule


def _rates(config, n):
    return np.asarray(make_schedule(config, n)(np.arange(n)), np.float64)


@pytest.mark.parametrize("name", list(CASES))
def test_equals_torch(name):
    kind, spec, config, n = CASES[name]
    row = peers.case("torch", f"compose/{name}")
    # the record is of this case: torch's call and every step from 0
    assert row["call"] == peers.script("torch").compose_call(kind, spec, LR)
    assert row["steps"] == list(range(n))
    ours = _rates(config, n)
    np.testing.assert_allclose(ours, peers.values(row), rtol=2e-6, atol=0)
    live = peers.live_values("torch", row)  # None unless torch is installed
    if live is not None:
        np.testing.assert_allclose(ours, live, rtol=2e-6, atol=0)


def test_python_forms_equal_json():
    warm = lrs.constant(start_lr=1e-3, warmup_steps=10, warmup_start_factor=0.1, num_steps=12)
    restarts = lrs.cosine_restarts(start_lr=1e-3, stop_lr=1e-5, cycle_steps=7, num_steps=30)
    tail = lrs.cosine(start_lr=5e-4, stop_lr=1e-6, num_steps=58)
    seq = lrs.sequence([warm, lrs.sequence([restarts, tail], boundaries=[30])], boundaries=[12])
    assert seq.num_steps == 100
    assert make_schedule(seq.to_config(), 100) == seq
    steps = np.arange(-3, 130)
    local = np.clip(steps, 0, None)
    expected = np.where(
        local < 12,
        np.asarray(warm(local)),
        np.where(local < 42, np.asarray(restarts(local - 12)), np.asarray(tail(local - 42))),
    )
    np.testing.assert_array_equal(np.asarray(seq(steps)), expected)
    # products: s * x, x * s, s1 * s2 (flattened, numbers folded into one constant)
    step = lrs.step(start_lr=1.0, step_size=25, gamma=0.5, num_steps=100, scale_by_worker="none")
    prod = 0.5 * (seq * step) * 3.0
    assert isinstance(prod, lrs.Product) and len(prod.factors) == 2 and prod.constant == 1.5
    want = 1.5 * np.asarray(seq(steps), np.float64) * np.asarray(step(steps), np.float64)
    np.testing.assert_allclose(np.asarray(prod(steps), np.float64), want, rtol=2e-7)
    assert make_schedule(prod.to_config(), 100) == prod
    assert lrs.product(factors=prod.to_config()["factors"], num_steps=100) == prod


def test_sequence_values_at_a_jump_and_beyond_the_end():
    a = lrs.constant(start_lr=1.0, num_steps=5, scale_by_worker="none")
    b = lrs.linear(start_lr=0.5, stop_lr=0.0, num_steps=10, scale_by_worker="none")
    s = lrs.sequence([a, b], boundaries=[5])
    got = np.asarray(s(np.array([0, 4, 5, 6, 14, 15, 2**31 - 1])), np.float64)
    np.testing.assert_allclose(got, [1.0, 1.0, 0.5, 0.45, 0.05, 0.0, 0.0], rtol=1e-7)


def test_sequence_error_paths():
    config = {
        "type": "sequence",
        "phases": [
            {"steps": 10, "type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-2},
            {
                "steps": 50,
                "type": "sequence",
                "phases": [{"steps": 0, "type": "constant", "start_lr": 1.0}, {"type": "exp"}],
            },
            {"steps": 3, "type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0},
        ],
    }
    with pytest.raises(ConfigError) as info:
        make_schedule(config, 100)
    text = str(info.value)
    assert "learning_rate.phases[0].stop_lr: must be at most `start_lr` (0.001); got 0.01." in text
    assert "learning_rate.phases[1].phases[0].steps: must be in [1, 2147483647]; got 0." in text
    assert "learning_rate.phases[2].steps: the last phase runs to `num_steps`" in text
    with pytest.raises(ConfigError, match=r"learning_rate\.phases: the phases' `steps` add up"):
        make_schedule({"type": "sequence", "phases": [{"steps": 200, "type": "constant",
                       "start_lr": 1.0}, {"type": "constant", "start_lr": 1.0}]}, 100)  # fmt: skip
    with pytest.raises(ConfigError, match=r"learning_rate\.phases\[1\]\.steps: is required"):
        make_schedule({"type": "sequence", "phases": [{"steps": 2, "type": "constant",
                       "start_lr": 1.0}, {"type": "constant", "start_lr": 1.0}, {"type": "constant",
                       "start_lr": 1.0}]}, 100)  # fmt: skip
    # a DeePMD-kit phase keeps its backward-compatibility default (with its warning) ...
    with pytest.warns(lrs.LegacyInputWarning):
        make_schedule({"type": "sequence", "phases": [{"type": "exp", "start_lr": 1e-3}]}, 100)
    # ... that strict refuses, at the phase's path
    with pytest.raises(ConfigError, match=r"learning_rate\.phases\[0\]\.stop_lr"):
        make_schedule(
            {"type": "sequence", "phases": [{"type": "exp", "start_lr": 1e-3}]}, 100, strict=True
        )


def test_product_error_paths():
    base = {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5}
    with pytest.raises(ConfigError) as info:
        make_schedule({"type": "product", "factors": [base, -1.0, {**base, "stop_lr": 1.0}]}, 100)
    text = str(info.value)
    assert "learning_rate.factors[1]: a number factor must be >= 0; got -1.0." in text
    assert "learning_rate.factors[2].stop_lr: must be at most `start_lr`" in text
    with pytest.raises(ConfigError, match=r"learning_rate\.factors: must hold at least one"):
        make_schedule({"type": "product", "factors": [0.5]}, 100)
    # two factors scaling with the workers would scale the rate twice
    twice = {"type": "product", "factors": [base, {**base, "scale_by_worker": "linear"}]}
    with pytest.raises(ConfigError, match=r"factors\[1\]\.scale_by_worker: must be \"none\""):
        make_schedule(twice, 100, num_workers=4)
    # by default only the first schedule factor scales: the rate is scaled once
    s = make_schedule({"type": "product", "factors": [base, base]}, 100, num_workers=4)
    one = make_schedule({**base, "scale_by_worker": "none"}, 100)
    np.testing.assert_allclose(float(s(50)), 4 * float(one(50)) ** 2, rtol=1e-6)
    with pytest.raises(TypeError):
        one * "2"
    with pytest.raises(ValueError, match="finite and >= 0"):
        one * -1.0


def test_python_sequence_errors():
    a = lrs.constant(start_lr=1.0, num_steps=5)
    with pytest.raises(ValueError, match="one step fewer"):
        lrs.sequence([a, a], boundaries=[])
    with pytest.raises(ValueError, match="increase strictly"):
        lrs.sequence([a, a, a], boundaries=[5, 5])
    with pytest.raises(TypeError, match="must be an int"):
        lrs.sequence([a, a], boundaries=[5.0])
    with pytest.raises(ValueError, match="number of workers"):
        lrs.sequence([a, lrs.constant(start_lr=1.0, num_steps=5, num_workers=2)], boundaries=[5])
    # a phase longer than its slot: read at its local step, but not a config
    s = lrs.sequence([lrs.constant(start_lr=1.0, num_steps=50), a], boundaries=[5])
    with pytest.raises(ValueError, match=r"phases\[0\]: runs for 5 steps"):
        s.to_config()


def test_boundaries_show_and_plot(tmp_path, capsys):
    config = {"type": "sequence", "phases": [
        {"steps": 100, "type": "constant", "start_lr": 1e-3, "warmup_steps": 10},
        {"type": "cosine", "start_lr": 5e-4, "stop_lr": 1e-6}]}  # fmt: skip
    s = make_schedule(config, 1000)
    assert s.boundaries() == {"phases[0].warmup end": 10, "phases[1]": 100, "end": 1000}
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"learning_rate": config, "training": {"numb_steps": 1000}}))
    from lrschedules_jax.cli import main

    assert main(["show", "--extensions", str(path)]) == 0  # sequence: not a DeePMD-kit type
    out = capsys.readouterr().out
    # the value on each side of the jump at step 100
    assert "before phases[1]" in out and "0.001" in out and "0.0005" in out
    assert main(["plot", "--extensions", str(path), "-o", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 0

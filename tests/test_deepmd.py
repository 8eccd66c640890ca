"""DeePMD-kit's schedules (SPEC 2): reference numbers, the float64 reference, precision, corner rules."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from deepmd_reference import max_rel_err, reference

import lrschedules_jax as lrs

BASE = {"start_lr": 1e-3, "stop_lr": 1e-5}
BIG = {"start_lr": 1e-3, "stop_lr": 1e-8, "warmup_steps": 10000}

# (id, config, num_steps, step, expected, rtol): every reference number of SPEC 2.
SPEC_NUMBERS = [
    ("exp-0", {**BASE, "decay_steps": 5000}, 10000, 0, 1e-3, 1e-7),
    ("exp-end", {**BASE, "decay_steps": 5000}, 10000, 10000, 1e-5, 1e-6),
    ("exp-rate", {**BASE, "decay_rate": 0.9, "decay_steps": 1000}, 10000, 1000, 9e-4, 1e-6),
    ("cosine-mid", {**BASE, "type": "cosine"}, 10000, 5000, 5.05e-4, 1e-6),
    ("wsd-stable-end", {**BASE, "type": "wsd"}, 10000, 9000, 1e-3, 1e-7),
    ("wsd-inv-mid", {**BASE, "type": "wsd"}, 10000, 9500, 1.98019802e-5, 1e-6),
    ("wsd-cos-mid", {**BASE, "type": "wsd", "decay_type": "cosine"}, 10000, 9500, 5.05e-4, 1e-6),
    ("wsd-lin-mid", {**BASE, "type": "wsd", "decay_type": "linear"}, 10000, 9500, 5.05e-4, 1e-6),
    ("wsd-end", {**BASE, "type": "wsd"}, 10000, 10000, 1e-5, 1e-6),
    ("exp-past", {**BASE, "decay_steps": 5000}, 10000, 20000, 1e-5, 1e-6),
    ("cosine-past", {**BASE, "type": "cosine"}, 10000, 20000, 1e-5, 1e-6),
    ("wsd-past", {**BASE, "type": "wsd"}, 10000, 20000, 1e-5, 1e-6),
    ("wsd-cos-past", {**BASE, "type": "wsd", "decay_type": "cosine"}, 10000, 20000, 1e-5, 1e-6),
    ("wsd-lin-past", {**BASE, "type": "wsd", "decay_type": "linear"}, 10000, 20000, 1e-5, 1e-6),
    ("exp-big", {**BIG, "decay_steps": 1000}, 10**6, 500000, 3.3516026509e-6, 1e-6),
    ("cosine-big", {**BIG, "type": "cosine"}, 10**6, 500000, 5.079379026e-4, 1e-6),
    ("wsd-inv-big", {**BIG, "type": "wsd"}, 10**6, 950000, 1.99998e-8, 1e-6),
    (
        "wsd-cos-big",
        {**BIG, "type": "wsd", "decay_type": "cosine"},
        10**6,
        950000,
        5.00005e-4,
        1e-6,
    ),
    (
        "wsd-lin-big",
        {**BIG, "type": "wsd", "decay_type": "linear"},
        10**6,
        950000,
        5.00005e-4,
        1e-6,
    ),
    ("small-cos", {"type": "cosine", "start_lr": 1.0, "stop_lr": 0.1}, 10, 5, 0.55, 1e-6),
]
SMALL_WSD = {"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1, "decay_phase_ratio": 0.2}
for _kind, _value in [("inverse_linear", 2 / 11), ("cosine", 0.55), ("linear", 0.55)]:
    SPEC_NUMBERS += [
        (f"small-wsd-{_kind}-8", {**SMALL_WSD, "decay_type": _kind}, 10, 8, 1.0, 1e-7),
        (f"small-wsd-{_kind}-9", {**SMALL_WSD, "decay_type": _kind}, 10, 9, _value, 1e-6),
    ]


@pytest.mark.parametrize(
    ("config", "num_steps", "step", "expected", "rtol"),
    [case[1:] for case in SPEC_NUMBERS],
    ids=[case[0] for case in SPEC_NUMBERS],
)
def test_spec_reference_numbers(config, num_steps, step, expected, rtol, evaluate):
    got = float(evaluate(lrs.make_schedule(config, num_steps), step))
    assert got == pytest.approx(expected, rel=rtol)


def test_spec_warmup_sequence():
    sched = lrs.make_schedule({**BASE, "warmup_steps": 1000, "decay_steps": 5000}, 10000)
    got = np.asarray(sched(jnp.array([0, 500, 1000, 5000, 10000])), dtype=np.float64)
    np.testing.assert_allclose(got, [0, 5e-4, 1e-3, 1e-3, 7.7426e-5], rtol=1e-4, atol=1e-12)


def _configs():
    """A grid of valid configs of every DeePMD type, with and without warmup."""
    warmups = [{}, {"warmup_steps": 7}, {"warmup_ratio": 0.05, "warmup_start_factor": 0.1}]
    stops = [{"stop_lr": 1e-8}, {"stop_lr_ratio": 0.01}]
    kinds = [
        {"type": "exp", "decay_steps": 3},
        {"type": "exp", "decay_steps": 997, "smooth": True},
        {"type": "exp", "decay_steps": 50, "decay_rate": 0.95},
        {"type": "exp"},  # decay_steps 5000 >= T for the small N: DeePMD's replacement
        {"type": "cosine"},
        {"type": "wsd"},
        {"type": "wsd", "decay_type": "cosine", "decay_phase_ratio": 0.3},
        {"type": "wsd", "decay_type": "linear", "decay_phase_ratio": 1.0},
    ]
    for kind, warmup, stop in itertools.product(kinds, warmups, stops):
        yield {"start_lr": 2e-3, **kind, **warmup, **stop}


CONFIGS = list(_configs())


def _ids(config):
    return "-".join(f"{k}={v}" for k, v in config.items() if k != "start_lr")


def _steps(num_steps, warmup=0):
    """Every phase boundary +- 3, the last 1000 steps, a log-spaced and a random sample to 2^31-1."""
    rng = np.random.default_rng(num_steps)
    marks = [0, warmup, num_steps // 10, num_steps // 2, (9 * num_steps) // 10, num_steps]
    near = [m + d for m in marks for d in range(-3, 4)]
    tail = np.arange(max(num_steps - 1000, 0), num_steps + 2)
    logs = np.unique(np.logspace(0, np.log10(2**31 - 1), 400).astype(np.int64))
    rand = rng.integers(0, min(3 * num_steps, 2**31 - 1), 3000)
    steps = np.concatenate([near, tail, logs, rand, [2**31 - 2, 2**31 - 1]])
    return np.unique(np.clip(steps, 0, 2**31 - 1))


@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
@pytest.mark.parametrize("num_steps", [10, 1010, 10**6, 10**8])
def test_matches_float64_reference(config, num_steps, precision):
    sched = lrs.make_schedule(config, num_steps)
    steps = _steps(num_steps, sched.warmup_steps)
    got = jax.jit(sched)(jnp.asarray(steps))
    want = reference(config, num_steps, steps)
    assert got.dtype == (jnp.float64 if precision < 1e-8 else jnp.float32)
    assert np.all(np.isfinite(np.asarray(got)))
    assert max_rel_err(got, want) <= precision


def test_end_of_long_decay_keeps_relative_accuracy():
    """The last steps of a 1e8-step decay, where the rate is 1e-5 of its peak."""
    for kind in ["cosine", "wsd"]:
        for decay_type in ["inverse_linear", "cosine", "linear"]:
            config = {"type": kind, "start_lr": 1.0, "stop_lr": 1e-5}
            if kind == "wsd":
                config["decay_type"] = decay_type
            steps = np.arange(10**8 - 2000, 10**8 + 3)
            got = lrs.make_schedule(config, 10**8)(jnp.asarray(steps))
            assert max_rel_err(got, reference(config, 10**8, steps)) <= 2e-6, config


@pytest.mark.parametrize(
    ("num_steps", "warmup", "expected"),
    [(1000, 0, 11), (1010, 0, 100), (1100, 100, 11), (10**6, 0, 5000), (5000, 0, 100), (500, 0, 6)],
)
def test_decay_steps_replacement(num_steps, warmup, expected):
    config = {**BASE, "decay_steps": 5000, "warmup_steps": warmup}
    assert lrs.validate(config, num_steps).decay_steps == expected
    assert lrs.make_schedule(config, num_steps).decay_steps == expected


def test_no_replacement_with_explicit_decay_rate():
    cfg = lrs.validate({**BASE, "decay_steps": 5000, "decay_rate": 0.5}, 1000)
    assert (cfg.decay_steps, cfg.decay_rate) == (5000, 0.5)


def test_validate_resolves_every_derived_value():
    cfg = lrs.validate({"start_lr": 1e-3, "stop_lr_ratio": 1e-3, "warmup_ratio": 0.05}, 10**6)
    assert cfg.stop_lr == pytest.approx(1e-6, rel=1e-15)
    assert cfg.stop_lr_ratio is None and cfg.warmup_ratio is None
    assert cfg.warmup_steps == 50000 and cfg.decay_steps == 5000
    assert cfg.decay_rate == pytest.approx(np.exp(np.log(1e-3) / (950000 / 5000)), rel=1e-14)


def test_warmup_ratio_truncates():
    assert lrs.validate({**BASE, "warmup_ratio": 0.0999}, 1001).warmup_steps == 99


def test_stop_lr_is_a_floor_with_explicit_rate():
    sched = lrs.make_schedule({**BASE, "decay_rate": 0.5, "decay_steps": 100}, 10000)
    steps = np.array([0, 99, 100, 600, 700, 9999, 10**6])
    want = np.maximum(1e-3 * 0.5 ** (steps // 100), 1e-5)
    np.testing.assert_allclose(np.asarray(sched(steps)), want, rtol=2e-6)
    assert float(sched(700)) == pytest.approx(1e-5, rel=1e-6)


def test_stepped_reaches_stop_only_when_decay_steps_divides():
    divides = lrs.make_schedule({**BASE, "decay_steps": 1000}, 10000)
    assert float(divides(10000)) == pytest.approx(1e-5, rel=1e-6)
    rest = lrs.make_schedule({**BASE, "decay_steps": 3000}, 10000)
    r = (1e-5 / 1e-3) ** (3000 / 10000)
    assert float(rest(10000)) == pytest.approx(1e-3 * r**3, rel=1e-6)
    assert float(rest(10000)) > 1e-5
    assert float(rest(12000)) == pytest.approx(1e-5, rel=1e-6)  # the floor from the 4th stair


def test_smooth_exp_is_continuous():
    sched = lrs.make_schedule({**BASE, "decay_steps": 1000, "smooth": True}, 10000)
    np.testing.assert_allclose(float(sched(1500)), 1e-3 * (1e-2) ** (1500 / 10000), rtol=2e-6)


@pytest.mark.parametrize("decay_type", ["inverse_linear", "cosine", "linear"])
def test_wsd_one_step_decay_phase(decay_type):
    config = {**BASE, "type": "wsd", "decay_phase_ratio": 0.05, "decay_type": decay_type}
    sched = lrs.make_schedule(config, 10)  # 0.05 * 10 < 1: a one-step decay phase
    assert sched.decay_phase_steps == 1
    assert float(sched(9)) == pytest.approx(1e-3, rel=1e-7)
    assert float(sched(10)) == pytest.approx(1e-5, rel=1e-6)


def test_wsd_decay_phase_clamped_to_decay_length():
    config = {**BASE, "type": "wsd", "decay_phase_ratio": 1.0, "warmup_steps": 400}
    sched = lrs.make_schedule(config, 1000)
    assert (sched.decay_phase_steps, sched.stable_steps) == (600, 0)
    assert float(sched(400)) == pytest.approx(1e-3, rel=1e-7)
    assert float(sched(399)) < 1e-3


@pytest.mark.parametrize(
    ("mode", "workers", "factor"),
    [
        ("linear", 4, 4.0),
        ("sqrt", 4, 2.0),
        ("none", 4, 1.0),
        ("sqrt", 3, 3**0.5),
        ("linear", 1, 1.0),
    ],
)
def test_scale_by_worker(mode, workers, factor):
    config = {**BASE, "type": "cosine", "scale_by_worker": mode, "warmup_steps": 10}
    base = lrs.make_schedule({**config, "scale_by_worker": "none"}, 1000)
    sched = lrs.make_schedule(config, 1000, num_workers=workers)
    steps = jnp.arange(0, 1100, 7)
    np.testing.assert_allclose(
        np.asarray(sched(steps)), factor * np.asarray(base(steps)), rtol=1e-6
    )
    assert sched.worker_scale == pytest.approx(factor)


def test_num_workers_auto_is_device_count():
    sched = lrs.make_schedule({**BASE, "scale_by_worker": "linear"}, 100, num_workers="auto")
    assert sched.num_workers == jax.device_count()


@pytest.mark.parametrize("kind", ["exp", "cosine", "wsd"])
def test_steps_of_every_kind(kind):
    sched = lrs.make_schedule({**BASE, "type": kind, "warmup_steps": 10}, 1000)
    v0 = float(sched(0))
    assert float(sched(-5)) == v0  # negative steps give step 0
    assert float(sched(np.int64(-(2**40)))) == v0
    assert float(sched(2**40)) == float(sched(2**31 - 1))  # clamped, no overflow
    assert float(sched(5.7)) == float(sched(5))  # float steps are floored
    assert float(sched(np.float32(3e9))) == float(sched(2**31 - 1))
    grid = np.array([[0, 5, 10], [500, 1000, 5000]])
    out = sched(grid)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(sched(jnp.asarray(grid))))
    np.testing.assert_array_equal(
        np.asarray(out), np.asarray(sched(grid.astype(np.uint32))), err_msg="unsigned steps"
    )


def test_strongly_typed_float32_and_float64_under_x64():
    sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100)
    for step in [3, jnp.int32(3), np.int64(3), jnp.arange(3)]:
        out = sched(step)
        assert out.dtype == jnp.float32 and not out.weak_type
    assert not jax.jit(sched)(3).weak_type
    with jax.enable_x64(True):
        assert sched(3).dtype == jnp.float64
        assert sched(jnp.arange(4)).dtype == jnp.float64


def test_boolean_step_is_refused():
    sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100)
    with pytest.raises(TypeError, match="integer"):
        sched(True)


@pytest.mark.parametrize("config", CONFIGS[::3], ids=[_ids(c) for c in CONFIGS[::3]])
def test_to_config_round_trip(config):
    sched = lrs.make_schedule(config, 5000, num_workers=2)
    again = lrs.make_schedule(sched.to_config(), 5000, num_workers=2)
    steps = jnp.arange(0, 6000, 13)
    np.testing.assert_allclose(np.asarray(again(steps)), np.asarray(sched(steps)), rtol=1e-7)
    assert again.to_config() == pytest.approx(sched.to_config())


def test_builders_equal_make_schedule():
    pairs = [
        (
            lrs.exp(start_lr=1e-3, stop_lr=1e-5, decay_steps=100, num_steps=1000),
            {**BASE, "decay_steps": 100},
        ),
        (
            lrs.cosine(start_lr=1e-3, stop_lr_ratio=1e-2, warmup_steps=5, num_steps=1000),
            {"type": "cosine", "start_lr": 1e-3, "stop_lr_ratio": 1e-2, "warmup_steps": 5},
        ),
        (
            lrs.wsd(start_lr=1e-3, stop_lr=1e-5, decay_type="linear", num_steps=1000),
            {**BASE, "type": "wsd", "decay_type": "linear"},
        ),
    ]
    for built, config in pairs:
        assert built == lrs.make_schedule(config, 1000)


def test_pytree_leaves_and_static_fields():
    sched = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, warmup_steps=10, num_steps=1000)
    leaves, treedef = jax.tree.flatten(sched)
    assert leaves == [1e-3, 0.0, 1e-5]  # start_lr, warmup_start_factor, stop_lr
    assert jax.tree.unflatten(treedef, leaves) == sched
    exp = lrs.exp(start_lr=1e-3, stop_lr=1e-5, num_steps=1000)
    assert len(jax.tree.leaves(exp)) == 5  # + the log of the decay rate and its float32 rounding


def test_new_rates_do_not_recompile():
    traces = []

    @jax.jit
    def value(sched, step):
        traces.append(1)
        return sched(step)

    for start in [1e-3, 2e-3, 5e-4]:
        sched = lrs.exp(start_lr=start, stop_lr=1e-6, decay_steps=100, num_steps=10000)
        for step in range(0, 10000, 1000):
            assert float(value(sched, step)) == pytest.approx(float(sched(step)), rel=1e-6)
    assert len(traces) == 1

"""reduce_on_plateau against PyTorch's documented ReduceLROnPlateau algorithm (and torch itself)."""

import functools
import math

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import peers
import pytest

from lrschedules_jax import ConfigError, cosine, reduce_on_plateau


class TorchPlateau:
    """PyTorch's ReduceLROnPlateau, re-implemented in float64 from its documentation.

    Base learning rate 1.0 and one parameter group, so ``lr`` is the scale.
    """

    def __init__(self, *, factor, patience, mode, threshold, threshold_mode, cooldown, min_lr, eps):
        self.factor, self.patience, self.mode = factor, patience, mode
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.lr = 1.0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metric):
        current = float(metric)
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old_lr = self.lr
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr, self.best, self.num_bad_epochs, self.cooldown_counter


def _reference(metrics, **kwargs):
    kwargs = dict(kwargs)
    kwargs["min_lr"] = kwargs.pop("min_scale")
    ref = TorchPlateau(**kwargs)
    rows = [ref.step(m) for m in metrics]
    columns = np.array(rows).T
    return {k: columns[i] for i, k in enumerate(("scale", "best", "bad", "cooldown"))}


def _runner(**kwargs):
    """A jitted function: metrics (one per update) -> the state after each update (lax.scan)."""
    tx = reduce_on_plateau(**kwargs)
    params = jnp.zeros(3)

    @jax.jit
    def run(metrics):
        def body(state, metric):
            _, state = tx.update(jnp.ones(3), state, params, value=metric)
            return state, state

        states = jax.lax.scan(body, tx.init(params), metrics)[1]
        return {
            "scale": states.scale,
            "best": states.best,
            "bad": states.num_bad_epochs,
            "cooldown": states.cooldown_counter,
            "count": states.count,
        }

    return lambda metrics: jax.tree.map(np.asarray, run(jnp.asarray(metrics)))


def _run(metrics, **kwargs):
    return _runner(**kwargs)(metrics)


@functools.cache
def _run_sequences(config_name, mode):
    """``_run`` on every sequence of SEQUENCES (one compile), by sequence name."""
    run = _runner(**{**DEFAULTS, **CONFIGS[config_name], "mode": mode})
    return {name: run(metrics) for name, metrics in SEQUENCES.items()}


_rng = np.random.default_rng(20240611)
_steps = np.arange(120)
# Every sequence is float32-representable, so float32 and float64 see the same metrics.
SEQUENCES = {
    "noisy-decreasing-loss": np.exp(-_steps / 15) + 0.05 + 0.03 * _rng.random(120),
    "negative-loss": -3.0 + np.exp(-_steps / 20) + 0.02 * _rng.standard_normal(120),
    "crossing-zero": 0.5 - 1.0 * (1 - np.exp(-_steps / 25)) + 0.01 * _rng.standard_normal(120),
    "accuracy": 0.95 - 0.85 * np.exp(-_steps / 12) + 0.01 * _rng.standard_normal(120),
    "flat": np.full(120, 0.7),
    "flat-negative": np.full(120, -0.7),
    "flat-zero": np.zeros(120),
    "steps-and-plateaus": np.repeat([1.0, 0.5, 0.5, 0.4, 0.39999, 0.2], 20),
}
SEQUENCES = {k: v.astype(np.float32).astype(np.float64) for k, v in SEQUENCES.items()}

CONFIGS = {
    "defaults": dict(),
    "patience0": dict(patience=0, factor=0.5),
    "patience3-cooldown2": dict(patience=3, cooldown=2, factor=0.5),
    "abs-threshold": dict(patience=2, threshold=0.01, threshold_mode="abs", factor=0.3),
    "rel-threshold-large": dict(patience=2, threshold=0.05, cooldown=1),
    "min-scale-floor": dict(patience=1, factor=0.2, min_scale=0.01),
    "eps-stops-reductions": dict(patience=0, factor=0.5, eps=0.03),
    "zero-threshold": dict(patience=4, threshold=0.0, cooldown=3, factor=0.7),
}

DEFAULTS = dict(
    factor=0.1,
    patience=10,
    mode="min",
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_scale=0.0,
    eps=1e-8,
)


CASES = [
    pytest.param(config_name, mode, id=f"{config_name}-{mode}")
    for config_name in CONFIGS
    for mode in ("min", "max")
]


@pytest.mark.parametrize(("config_name", "mode"), CASES)
def test_matches_torch_algorithm(config_name, mode):
    """Every sequence (noisy, negative, accuracies, flat, ...) in both modes and every config."""
    kwargs = {**DEFAULTS, **CONFIGS[config_name], "mode": mode}
    results = _run_sequences(config_name, mode)
    for sequence, metrics in SEQUENCES.items():
        got, want = results[sequence], _reference(metrics, **kwargs)
        case = f"sequence {sequence}"
        np.testing.assert_array_equal(got["bad"], want["bad"], err_msg=case)
        np.testing.assert_array_equal(got["cooldown"], want["cooldown"], err_msg=case)
        np.testing.assert_array_equal(got["best"], want["best"], err_msg=case)  # float32-exact
        np.testing.assert_allclose(got["scale"], want["scale"], rtol=1e-6, atol=0, err_msg=case)
        np.testing.assert_array_equal(got["count"], np.arange(1, len(metrics) + 1))


def test_sequences_exercise_reductions():
    """The replayed cases are not vacuous: most reduce at least once, several many times."""
    reductions = []
    for config_name, mode in (p.values for p in CASES):
        kwargs = {**DEFAULTS, **CONFIGS[config_name], "mode": mode}
        for metrics in SEQUENCES.values():
            scale = _reference(metrics, **kwargs)["scale"]
            reductions.append(int(np.sum(np.diff(np.concatenate([[1.0], scale])) < 0)))
    reductions = np.array(reductions)
    assert np.mean(reductions > 0) > 0.6
    assert np.sum(reductions >= 5) >= 10


@pytest.mark.parametrize("sequence", ["noisy-decreasing-loss", "negative-loss", "accuracy"])
@pytest.mark.parametrize("config", ["patience3-cooldown2", "min-scale-floor"])
def test_x64_is_bitwise_torch(sequence, config):
    """Under x64 the arithmetic is PyTorch's float64 arithmetic: identical values."""
    metrics = SEQUENCES[sequence]
    kwargs = {**DEFAULTS, **CONFIGS[config], "mode": "max" if sequence == "accuracy" else "min"}
    with jax.enable_x64(True):
        got = _run(metrics, **kwargs)
    want = _reference(metrics, **kwargs)
    np.testing.assert_array_equal(got["scale"], want["scale"])
    np.testing.assert_array_equal(got["best"], want["best"])


def test_hand_computed_sequence():
    """patience=1, cooldown=1, factor=0.5 on a short loss sequence, worked out by hand."""
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.5, 0.6, 0.6, 0.6]
    got = _run(np.array(metrics), factor=0.5, patience=1, cooldown=1)
    # Update 4 is the second bad one (> patience): halve, cooldown 1. Update 5 is bad but in
    # the cooldown (not counted); 6 and 7 are bad: halve. 8 improves (and ends the cooldown),
    # 9 and 10 are bad: halve. 11 is bad but in the cooldown.
    np.testing.assert_array_equal(
        got["scale"], [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]
    )
    np.testing.assert_array_equal(got["bad"], [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(got["cooldown"], [0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0])


def test_negative_metrics_follow_torch_rel_rule():
    """Rel mode compares with ``best * (1 - threshold)``, as PyTorch does, also for best < 0.

    For a negative best that bound lies *above* best, so a flat negative metric keeps
    "improving" and is never reduced (in PyTorch too); the abs mode has no such asymmetry.
    """
    metrics = np.full(30, -0.5)
    rel = _run(metrics, patience=2)
    assert np.all(rel["scale"] == 1.0)
    np.testing.assert_array_equal(
        rel["scale"], _reference(metrics, **{**DEFAULTS, "patience": 2})["scale"]
    )
    absolute = _run(metrics, patience=2, threshold_mode="abs")
    assert absolute["scale"][3] == pytest.approx(0.1)
    # A negative loss that really stalls is reduced.
    stalls = np.concatenate([np.linspace(-1.0, -2.0, 10), np.full(10, -2.0) + 0.01])
    got = _run(stalls, patience=2)
    assert got["scale"][-1] < 1.0
    np.testing.assert_allclose(
        got["scale"], _reference(stalls, **{**DEFAULTS, "patience": 2})["scale"], rtol=1e-6
    )


def test_nan_metric_is_a_bad_epoch():
    """As in PyTorch, NaN compares false: it never becomes the best and counts as bad."""
    metrics = np.array([1.0, np.nan, np.nan, 0.5, np.nan])
    got = _run(metrics, patience=1, factor=0.5)
    want = _reference(metrics, **{**DEFAULTS, "patience": 1, "factor": 0.5})
    np.testing.assert_array_equal(got["best"], [1.0, 1.0, 1.0, 0.5, 0.5])
    np.testing.assert_array_equal(got["scale"], want["scale"])


def test_metric_beyond_float32_reads_inf():
    """A Python/NumPy float past float32's range (1e308) is inf in float32, without NumPy's
    overflow warning (found by the long fuzz run): never the best, a bad epoch."""
    tx = reduce_on_plateau(patience=0, factor=0.5)
    params = jnp.zeros(2)
    state = tx.init(params)
    _, state = tx.update(jnp.ones(2), state, params, value=1.0)
    _, state = tx.update(jnp.ones(2), state, params, value=np.float64(1e308))
    assert float(state.best) == 1.0 and float(state.scale) == 0.5


TORCH_SEQUENCES = ["noisy-decreasing-loss", "negative-loss", "accuracy", "flat", "flat-negative"]


@pytest.mark.parametrize("sequence", TORCH_SEQUENCES)
def test_torch_itself(sequence):
    """The NumPy reference and reduce_on_plateau both agree with torch.optim's
    ReduceLROnPlateau: its values recorded in tests/data/peers/torch.json.gz (cases
    ``plateau/<sequence>-<config>-<mode>``, lr 1.0), and torch itself when installed."""
    metrics = SEQUENCES[sequence]
    for config_name, config in CONFIGS.items():
        for mode in ("min", "max"):
            kwargs = {**DEFAULTS, **config, "mode": mode}
            torch_kwargs = {k: v for k, v in kwargs.items() if k != "min_scale"}
            torch_kwargs["min_lr"] = kwargs["min_scale"]
            case = f"{sequence}-{config_name}-{mode}"
            row = peers.case("torch", f"plateau/{case}")
            # the record is of this case: torch's arguments (lr 1.0) and metrics
            assert row["call"]["kwargs"] == torch_kwargs, case
            assert row["call"]["optimizer"]["lr"] == 1.0, case
            assert row["metrics"] == metrics.tolist(), case
            torch_lrs = [peers.values(row)]
            live = peers.live_values("torch", row)  # None unless torch is installed
            if live is not None:
                torch_lrs.append(live)
            for lrs in torch_lrs:
                np.testing.assert_array_equal(
                    _reference(metrics, **kwargs)["scale"], lrs, err_msg=case
                )
                np.testing.assert_allclose(
                    _run_sequences(config_name, mode)[sequence]["scale"],
                    lrs,
                    rtol=1e-6,
                    err_msg=case,
                )


def test_eager_matches_jit():
    tx = reduce_on_plateau(patience=1, factor=0.5, cooldown=1)
    metrics = SEQUENCES["steps-and-plateaus"][::5]
    params = {"w": jnp.ones((2, 2)), "b": jnp.zeros(2)}
    state = tx.init(params)
    scales = []
    for metric in metrics:
        _, state = tx.update(params, state, params, value=metric)
        scales.append(float(state.scale))
    np.testing.assert_array_equal(
        scales, _run(metrics, patience=1, factor=0.5, cooldown=1)["scale"]
    )


def test_state_is_jittable_pytree():
    tx = reduce_on_plateau(patience=0)
    state = tx.init(jnp.zeros(2))
    assert state.scale.dtype == jnp.float32
    assert state.num_bad_epochs.dtype == jnp.int32
    chex.clear_trace_counter()
    update = jax.jit(chex.assert_max_traces(lambda s, v: tx.update(jnp.ones(2), s, value=v), n=1))
    updates, state = update(state, 1.0)
    updates, state = update(state, 2.0)  # same compiled function, a bad epoch: reduce
    assert float(state.scale) == pytest.approx(0.1)
    np.testing.assert_allclose(updates, [0.1, 0.1], rtol=1e-7)
    leaves = jax.tree.leaves(state)
    assert len(leaves) == 5 and all(x.shape == () for x in leaves)


def test_chain_scales_a_schedule():
    """Composed after adam with a schedule: the updates are adam's times the scale."""
    schedule = cosine(start_lr=1e-2, stop_lr=1e-4, num_steps=100)
    params = {"w": jnp.arange(4.0), "b": jnp.ones(())}
    plain = optax.adam(schedule)
    chained = optax.chain(optax.adam(schedule), reduce_on_plateau(patience=1, factor=0.5))
    grads = jax.tree.map(lambda x: 0.3 * x + 0.1, params)

    @jax.jit
    def step(plain_state, chained_state, metric):
        u1, plain_state = plain.update(grads, plain_state, params)
        u2, chained_state = chained.update(grads, chained_state, params, value=metric)
        return u1, u2, plain_state, chained_state

    plain_state, chained_state = plain.init(params), chained.init(params)
    for metric in [1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]:
        with jax.numpy_dtype_promotion("standard"):  # optax.adam is not strict-promotion clean
            u1, u2, plain_state, chained_state = step(plain_state, chained_state, metric)
        scale = float(chained_state[1].scale)
        chex.assert_trees_all_close(u2, jax.tree.map(lambda a, s=scale: a * s, u1), rtol=1e-6)
    assert float(chained_state[1].scale) == 0.25


def test_updates_keep_their_dtype():
    tx = reduce_on_plateau(patience=0, factor=0.1)
    params = jnp.ones(3, jnp.bfloat16)
    state = tx.init(params)
    _, state = tx.update(params, state, params, value=1.0)
    updates, state = tx.update(params, state, params, value=2.0)
    assert updates.dtype == jnp.bfloat16
    assert state.scale.dtype == jnp.float32  # not bf16: 0.1 stays 0.1 to float32 accuracy
    np.testing.assert_allclose(np.asarray(updates, np.float32), 0.1, rtol=1e-2)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        (dict(factor=0.0), "factor"),
        (dict(factor=1.0), "factor"),
        (dict(factor=1.5), "factor"),
        (dict(factor=True), "factor"),
        (dict(factor="0.1"), "factor"),
        (dict(factor=float("nan")), "factor"),
        (dict(patience=-1), "patience"),
        (dict(patience=1.5), "patience"),
        (dict(patience=True), "patience"),
        (dict(mode="mni"), "mode"),
        (dict(threshold_mode="relative"), "threshold_mode"),
        (dict(threshold=-1e-4), "threshold"),
        (dict(threshold=1.0), "threshold"),
        (dict(threshold=float("inf"), threshold_mode="abs"), "threshold"),
        (dict(cooldown=-1), "cooldown"),
        (dict(min_scale=-0.1), "min_scale"),
        (dict(min_scale=2.0), "min_scale"),
        (dict(eps=-1.0), "eps"),
    ],
    ids=lambda x: x if isinstance(x, str) else "-".join(f"{k}={v}" for k, v in x.items()),
)
def test_bad_arguments(kwargs, key):
    with pytest.raises(ConfigError, match=rf"reduce_on_plateau\.{key}: must be") as info:
        reduce_on_plateau(**kwargs)
    assert len(info.value.problems) == 1


def test_every_bad_argument_is_listed():
    with pytest.raises(ConfigError) as info:
        reduce_on_plateau(factor=2.0, patience=-1, mode="maximum", eps=-1.0)
    keys = [p.split(":")[0] for p in info.value.problems]
    assert keys == [f"reduce_on_plateau.{k}" for k in ("factor", "patience", "mode", "eps")]


def test_value_is_required_and_scalar():
    tx = reduce_on_plateau()
    state = tx.init(jnp.zeros(2))
    with pytest.raises(ConfigError, match=r"reduce_on_plateau\.value: .*`value=metric`"):
        tx.update(jnp.ones(2), state)
    with pytest.raises(ConfigError, match=r"reduce_on_plateau\.value: must be a scalar"):
        tx.update(jnp.ones(2), state, value=jnp.ones(2))


# ---- the metric in every float dtype a training step produces ---------------------------------

# Exact in float16 and bfloat16: every dtype sees the same numbers as the float64 reference.
DTYPE_METRICS = [1.0, 0.75, 0.75, 0.5, 0.625, 0.625, 0.625, 0.625, 0.25]
WRAPPERS = {
    "numpy-scalar": lambda x, dtype: np.dtype(dtype).type(x),
    "numpy-0d": lambda x, dtype: np.asarray(x, dtype),
    "jax": lambda x, dtype: jnp.asarray(x, dtype),
}


@pytest.mark.parametrize("use_jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("wrapper", list(WRAPPERS))
@pytest.mark.parametrize(
    "dtype", [jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64], ids=lambda d: d.__name__
)
def test_metric_in_every_float_dtype(dtype, wrapper, use_jit):
    """float16, bfloat16, float32 and float64 metrics, as NumPy scalars, 0-d NumPy arrays and
    JAX arrays, eager and under jit, give PyTorch's scales (a bfloat16 metric was refused: its
    NumPy kind is "V"). A JAX float64 array needs x64; a NumPy one is cast by NumPy."""
    kwargs = {**DEFAULTS, "patience": 1, "factor": 0.5}
    want = _reference(np.asarray(DTYPE_METRICS, np.float64), **kwargs)
    x64 = wrapper == "jax" and dtype == jnp.float64
    with jax.enable_x64(x64):
        tx = reduce_on_plateau(patience=1, factor=0.5)
        update = jax.jit(tx.update) if use_jit else tx.update
        params = jnp.zeros(2)
        state = tx.init(params)
        scales, bests = [], []
        for metric in DTYPE_METRICS:
            value = WRAPPERS[wrapper](metric, dtype)
            assert value.dtype == dtype
            _, state = update(jnp.ones(2), state, params, value=value)
            scales.append(float(state.scale))
            bests.append(float(state.best))
        assert state.best.dtype == (jnp.float64 if x64 else jnp.float32)
    np.testing.assert_array_equal(scales, want["scale"])
    np.testing.assert_array_equal(bests, want["best"])
    assert scales[-1] == 0.25  # two reductions happened


def test_metric_of_a_bool_or_complex_dtype_is_refused():
    tx = reduce_on_plateau()
    state = tx.init(jnp.zeros(2))
    for value in (np.bool_(True), jnp.asarray(True), np.complex64(1), jnp.asarray(1 + 1j)):
        with pytest.raises(ConfigError, match=r"reduce_on_plateau\.value: must be a real number"):
            tx.update(jnp.ones(2), state, value=value)

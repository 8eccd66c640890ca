"""lrs.inject, lrs.current_lr and lrs.current_hyperparams.

The rates are checked against float64 evaluations of the schedule formulas written here, and
against the rate the optimizer actually applied: for plain SGD, ``update = -lr * grad``.
"""

import math

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lrschedules_jax as lrs

DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)

S0, E, N = 1e-3, 1e-5, 40


def cosine64(k):
    """DeePMD-kit's cosine from S0 to E over N steps, float64."""
    k = np.minimum(np.asarray(k, np.float64), N)
    return E + (S0 - E) * 0.5 * (1 + np.cos(np.pi * k / N))


def linear64(k, start, stop, n):
    k = np.minimum(np.asarray(k, np.float64), n)
    return stop + (start - stop) * (n - k) / n


@pytest.fixture(params=["jit", "nojit"])
def maybe_jit(request):
    return jax.jit if request.param == "jit" else (lambda f: f)


def sched():
    return lrs.cosine(start_lr=S0, stop_lr=E, num_steps=N, scale_by_worker="none")


def grads_for(params, k):
    """Deterministic, non-constant gradients (exact in bf16: small integers over 8)."""
    return jax.tree.map(lambda p: jnp.full_like(p, (k % 5 + 1) / 8), params)


# ---- dtypes -----------------------------------------------------------------------------------


def test_bf16_params_give_bf16_updates_and_float32_hyperparams(maybe_jit):
    params = {"w": jnp.zeros((3, 2), jnp.bfloat16), "b": jnp.zeros(2, jnp.float32)}
    tx = lrs.inject(optax.adam, learning_rate=sched(), b1=0.9)
    state = tx.init(params)
    dtypes0 = [x.dtype for x in jax.tree.leaves(state)]
    update = maybe_jit(tx.update)
    for k in range(3):
        updates, state = update(grads_for(params, k), state, params)
        assert updates["w"].dtype == jnp.bfloat16
        assert updates["b"].dtype == jnp.float32
        assert state.hyperparams["learning_rate"].dtype == jnp.float32
        assert state.hyperparams["b1"].dtype == jnp.float32
        assert not state.hyperparams["learning_rate"].weak_type
        # the state keeps its dtypes (optax's inject with our schedule adds float32 leaves)
        assert [x.dtype for x in jax.tree.leaves(state)] == dtypes0
        np.testing.assert_allclose(
            float(state.hyperparams["learning_rate"]), cosine64(k), rtol=2e-6
        )


def test_bf16_rate_is_not_rounded_to_bf16():
    """SGD on bf16: the update is -lr * g rounded once to bf16, from the float32 rate."""
    lr = 1.0013e-4  # bf16 would store 1.0013580322265625e-4
    g = np.array([3.0, 5.0, 7.0, 1.0 / 3.0], np.float32).astype(jnp.bfloat16)
    params = jnp.zeros(4, jnp.bfloat16)
    tx = lrs.inject(optax.sgd, learning_rate=lr)
    state = tx.init(params)
    updates, state = tx.update(jnp.asarray(g), state, params)
    assert updates.dtype == jnp.bfloat16
    assert state.hyperparams["learning_rate"] == np.float32(lr)
    g64 = np.asarray(g, np.float64)
    expected = (-(np.float32(lr) * np.asarray(g, np.float32))).astype(jnp.bfloat16)
    np.testing.assert_array_equal(np.asarray(updates), expected)
    # one bf16 rounding of the float64 product: within half a bf16 ulp (2^-8 relative)
    np.testing.assert_allclose(np.asarray(updates, np.float64), -lr * g64, rtol=2**-8)


def test_bf16_adam_with_default_betas_is_float32_adam_rounded_once():
    """b2 = 0.999 stays 0.999 (bf16 would round it to 1.0 and Adam would divide by zero)."""
    params = jnp.zeros(3, jnp.bfloat16)
    g = jnp.asarray([0.5, -1.0, 2.0], jnp.bfloat16)
    tx = lrs.inject(optax.adam, learning_rate=1e-3)
    state = tx.init(params)
    assert float(state.hyperparams["b2"]) == float(np.float32(0.999))
    updates, state = tx.update(g, state, params)
    # first Adam step from float64: m = (1 - b1) g, v = (1 - b2) g^2, bias-corrected
    g64 = np.asarray(g, np.float64)
    m_hat, v_hat = g64, g64**2
    expected = -1e-3 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(np.asarray(updates, np.float64), expected, rtol=2**-8)
    f32 = optax.adam(1e-3)
    u32, _ = f32.update(g.astype(jnp.float32), f32.init(params.astype(jnp.float32)))
    np.testing.assert_array_equal(np.asarray(updates), np.asarray(u32.astype(jnp.bfloat16)))
    for _ in range(5):
        updates, state = tx.update(g, state, params)
        assert np.all(np.isfinite(np.asarray(updates, np.float32)))


def test_bf16_scan_keeps_the_carry():
    """The state has the same dtypes after an update, so lax.scan accepts it as a carry."""
    params = jnp.ones(4, jnp.bfloat16)
    tx = lrs.inject(optax.adamw, learning_rate=sched(), weight_decay=1e-2)
    state = tx.init(params)

    def body(carry, k):
        params, state = carry
        updates, state = tx.update(jnp.full(4, 0.5, jnp.bfloat16) * params, state, params)
        return (optax.apply_updates(params, updates), state), lrs.current_lr(state)

    (params, state), rates = jax.lax.scan(body, (params, state), jnp.arange(6))
    assert params.dtype == jnp.bfloat16
    np.testing.assert_allclose(np.asarray(rates, np.float64), cosine64(np.arange(6)), rtol=2e-6)


def test_x64_hyperparams_are_float64():
    with jax.enable_x64(True):
        tx = lrs.inject(optax.sgd, learning_rate=sched())
        params = jnp.zeros(2, jnp.float32)
        state = tx.init(params)
        updates, state = tx.update(jnp.ones(2, jnp.float32), state, params)
        assert state.hyperparams["learning_rate"].dtype == jnp.float64
        assert updates.dtype == jnp.float32
        np.testing.assert_allclose(float(lrs.current_lr(state)), cosine64(0), rtol=1e-12)


# ---- equal to optax for float32 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "factory, kwargs",
    [
        (optax.adam, {"b1": "sched"}),
        (optax.sgd, {"momentum": 0.9, "nesterov": True}),
        (optax.adamw, {"weight_decay": 1e-2}),
    ],
    ids=["adam-b1-scheduled", "sgd-nesterov", "adamw"],
)
def test_equals_optax_inject_hyperparams_for_float32(factory, kwargs, maybe_jit):
    b1 = lrs.linear(start_lr=0.95, stop_lr=0.85, num_steps=5, scale_by_worker="none")
    kwargs = {k: (b1 if v == "sched" else v) for k, v in kwargs.items()}
    ours = lrs.inject(factory, learning_rate=sched(), **kwargs)
    static = [k for k, v in kwargs.items() if isinstance(v, bool)]
    theirs = optax.inject_hyperparams(factory, static_args=static)(learning_rate=sched(), **kwargs)
    params = {"a": jnp.linspace(-1.0, 1.0, 5), "b": jnp.ones((2, 2))}
    s1, s2 = ours.init(params), theirs.init(params)
    u1_fn, u2_fn = maybe_jit(ours.update), maybe_jit(theirs.update)
    for k in range(8):
        g = jax.tree.map(lambda p, k=k: jnp.sin(p * (k + 1.0)), params)
        u1, s1 = u1_fn(g, s1, params)
        u2, s2 = u2_fn(g, s2, params)
        chex.assert_trees_all_equal(u1, u2)
        chex.assert_trees_all_equal(s1.hyperparams, s2.hyperparams)
        params = optax.apply_updates(params, u1)
    if "b1" in kwargs:  # the scheduled b1, against its float64 formula (steps 0..7)
        np.testing.assert_allclose(float(s1.hyperparams["b1"]), 0.85, rtol=2e-6)


# ---- current_lr is the rate applied -----------------------------------------------------------


def applied_rates(tx, losses, update):
    """Run plain SGD with gradient (k % 5 + 1) / 8 and return (applied, current_lr) per update."""
    params = jnp.zeros(3)
    state = tx.init(params)
    applied, current = [], []
    for k, loss in enumerate(losses):
        g = grads_for(params, k)
        updates, state = update(g, state, params, value=loss)
        applied.append(-float(updates[0]) / float(g[0]))
        current.append(float(lrs.current_lr(state)))
    return np.array(applied), np.array(current)


def plateau_scale(i):
    """reduce_on_plateau(patience=1, factor=0.5) fed a flat metric: scale after update i >= 1.

    Update 1 sets the best, updates 2, 3 are bad: the 2nd bad one (> patience) halves the
    scale and resets the count; so the scale halves every second update from the 3rd on.
    """
    return 0.5 ** ((np.asarray(i) - 1) // 2)


@pytest.mark.parametrize("where", ["none", "chain", "nested", "inside-inject"])
def test_current_lr_equals_the_applied_rate(where, maybe_jit):
    plateau = lambda: lrs.reduce_on_plateau(patience=1, factor=0.5)  # noqa: E731
    if where == "none":
        tx = lrs.inject(optax.sgd, learning_rate=sched())
    elif where == "chain":
        tx = optax.chain(lrs.inject(optax.sgd, learning_rate=sched()), plateau())
    elif where == "nested":  # the plateau first, the inject deep in a chain of chains
        tx = optax.chain(
            plateau(), optax.chain(optax.identity(), lrs.inject(optax.sgd, learning_rate=sched()))
        )
    else:  # the plateau inside the injected factory
        tx = lrs.inject(
            lambda learning_rate: optax.chain(optax.sgd(learning_rate), plateau()),
            learning_rate=sched(),
        )
    n = 12
    applied, current = applied_rates(tx, [1.0] * n, maybe_jit(tx.update))
    expected = cosine64(np.arange(n))
    if where != "none":
        expected = expected * plateau_scale(np.arange(1, n + 1))
        assert expected[-1] < expected[0] / 30  # the plateau did reduce
    np.testing.assert_allclose(current, applied, rtol=1e-6)
    np.testing.assert_allclose(current, expected, rtol=2e-6)


def test_current_lr_before_the_first_update_is_the_first_rate():
    tx = optax.chain(lrs.inject(optax.adam, learning_rate=sched()), lrs.reduce_on_plateau())
    state = tx.init(jnp.zeros(2))
    np.testing.assert_allclose(float(lrs.current_lr(state)), cosine64(0), rtol=2e-6)


def test_current_lr_under_jit_and_with_other_state_types():
    # optax's inject_hyperparams, lrs.with_global_step and scale_by_schedule_at_step states
    params = jnp.zeros(2)
    g = jnp.ones(2)
    txs = {
        "optax-inject": optax.inject_hyperparams(optax.sgd)(learning_rate=sched()),
        "with_global_step": lrs.with_global_step(optax.sgd, sched()),
        "at_step": lrs.scale_by_schedule_at_step(sched()),
        "contrib-plateau": optax.chain(
            lrs.inject(optax.sgd, learning_rate=sched()),
            optax.contrib.reduce_on_plateau(patience=0, factor=0.5),
        ),
    }
    for name, tx in txs.items():
        state = tx.init(params)

        @jax.jit
        def step(state, k, tx=tx):
            updates, state = tx.update(g, state, params, step=k, value=jnp.float32(1.0))
            return updates, state, lrs.current_lr(state)

        for k in range(4):
            updates, state, rate = step(state, k)
            np.testing.assert_allclose(float(rate), -float(updates[0]), rtol=1e-6, err_msg=name)
            if name != "contrib-plateau":
                np.testing.assert_allclose(float(rate), cosine64(k), rtol=2e-6, err_msg=name)


def test_current_hyperparams_returns_every_injected_value():
    # (a rising b1 is refused as a learning rate today: see docs/hyperparameters.md)
    b1 = lrs.linear(start_lr=0.95, stop_lr=0.85, num_steps=10, scale_by_worker="none")
    tx = optax.chain(
        lrs.inject(optax.adamw, learning_rate=sched(), b1=b1, weight_decay=1e-4),
        lrs.reduce_on_plateau(patience=0, factor=0.5),
    )
    params = jnp.zeros(2)
    state = tx.init(params)
    for k in range(5):
        _, state = tx.update(jnp.ones(2), state, params, value=1.0)
        hp = lrs.current_hyperparams(state)
        assert sorted(hp) == ["b1", "b2", "eps", "eps_root", "learning_rate", "weight_decay"]
        assert all(v.dtype == jnp.float32 for v in hp.values())
        np.testing.assert_allclose(float(hp["b1"]), linear64(k, 0.95, 0.85, 10), rtol=2e-6)
        np.testing.assert_allclose(float(hp["learning_rate"]), cosine64(k), rtol=2e-6)
        np.testing.assert_allclose(float(hp["weight_decay"]), 1e-4, rtol=1e-7)
        # the injected rate is the schedule's; current_lr multiplies the plateau scale in
        np.testing.assert_allclose(float(lrs.current_lr(state)), cosine64(k) * 0.5**k, rtol=2e-6)


def test_hyperparams_set_by_hand_are_used():
    tx = lrs.inject(optax.sgd, learning_rate=0.1)
    params = jnp.zeros(2)
    state = tx.init(params)
    state.hyperparams["learning_rate"] = jnp.float32(0.25)
    updates, state = tx.update(jnp.ones(2), state, params)
    assert float(updates[0]) == -0.25


# ---- checkpoints ------------------------------------------------------------------------------


def test_state_round_trips_through_numpy_leaves():
    """Saving the leaves and rebuilding the state resumes exactly (what a checkpoint does)."""
    params = jnp.linspace(0.0, 1.0, 4).astype(jnp.bfloat16)
    tx = optax.chain(
        lrs.inject(optax.adam, learning_rate=sched()),
        lrs.reduce_on_plateau(patience=1, factor=0.5),
    )
    update = jax.jit(tx.update)
    state = tx.init(params)
    losses = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.4]
    for k in range(4):
        _, state = update(grads_for(params, k), state, params, value=losses[k])
    leaves, treedef = jax.tree.flatten(state)
    restored = jax.tree.unflatten(treedef, [np.asarray(x) for x in leaves])
    a, b = state, restored
    for k in range(4, 8):
        ua, a = update(grads_for(params, k), a, params, value=losses[k])
        ub, b = update(grads_for(params, k), b, params, value=losses[k])
        np.testing.assert_array_equal(np.asarray(ua), np.asarray(ub))
        assert float(lrs.current_lr(a)) == float(lrs.current_lr(b))


# ---- errors -----------------------------------------------------------------------------------


def test_unknown_argument_is_a_config_error():
    """A name the factory does not have is a bad value (as an unknown key of a builder)."""
    with pytest.raises(lrs.ConfigError, match="learning_rat: is not an argument of `sgd`"):
        lrs.inject(optax.sgd, learning_rat=0.1)
    with pytest.raises(lrs.ConfigError, match="static_args"):
        lrs.inject(optax.adamw, learning_rate=0.1, static_args=("mask",))


def test_static_callable_is_passed_as_it_is():
    mask = lambda p: jax.tree.map(lambda x: x.ndim > 1, p)  # noqa: E731
    tx = lrs.inject(optax.adamw, learning_rate=0.1, weight_decay=0.5, mask=mask, static_args="mask")
    params = {"w": jnp.ones((2, 2)), "b": jnp.ones(2)}
    state = tx.init(params)
    assert "mask" not in state.hyperparams
    zero = jax.tree.map(jnp.zeros_like, params)
    updates, _ = tx.update(zero, state, params)
    # zero gradients: only the decay moves, and only the masked (2-d) leaf
    np.testing.assert_allclose(np.asarray(updates["w"]), -0.1 * 0.5, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(updates["b"]), 0.0)


def test_callable_defaults_dtypes_and_ints_are_not_injected():
    # adafactor's `dtype_momentum=jnp.float32` default is callable (it must not be called as a
    # schedule) and it branches in Python on `min_dim_size_to_factor` (an int: kept static)
    tx = lrs.inject(optax.adafactor, learning_rate=sched(), min_dim_size_to_factor=2)
    params = jnp.ones((2, 3))
    state = tx.init(params)
    assert "dtype_momentum" not in state.hyperparams
    assert "min_dim_size_to_factor" not in state.hyperparams
    assert state.hyperparams["decay_rate"].dtype == jnp.float32
    _, state = jax.jit(tx.update)(jnp.ones((2, 3)), state, params)
    np.testing.assert_allclose(float(lrs.current_lr(state)), cosine64(0), rtol=2e-6)


def test_an_int_for_a_float_argument_is_injected_as_a_float():
    tx = lrs.inject(optax.adamw, learning_rate=sched(), weight_decay=0, b1=1)
    hp = tx.init(jnp.zeros(2)).hyperparams
    assert hp["weight_decay"].dtype == jnp.float32 and float(hp["weight_decay"]) == 0.0
    assert float(hp["b1"]) == 1.0


def test_current_lr_needs_exactly_one_rate():
    params = jnp.zeros(2)
    with pytest.raises(ValueError, match="no learning rate"):
        lrs.current_lr(optax.adam(1e-3).init(params))
    two = optax.chain(
        lrs.inject(optax.sgd, learning_rate=0.1), lrs.inject(optax.sgd, learning_rate=0.2)
    )
    with pytest.raises(ValueError, match="2 learning rates"):
        lrs.current_lr(two.init(params))
    with pytest.raises(ValueError, match="more than one injected `learning_rate`"):
        lrs.current_hyperparams(two.init(params))
    # a part of the state is fine
    assert math.isclose(float(lrs.current_lr(two.init(params)[1])), 0.2, rel_tol=1e-7)


def test_flax_nnx_optimizer_state():
    nnx = pytest.importorskip("flax.nnx")
    model = nnx.Linear(2, 1, rngs=nnx.Rngs(0))
    tx = optax.chain(
        lrs.inject(optax.sgd, learning_rate=sched()), lrs.reduce_on_plateau(patience=0)
    )
    optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
    x = jnp.ones((4, 2))
    for k, loss in enumerate([1.0, 2.0, 3.0]):
        grads = nnx.grad(lambda m: jnp.mean(m(x) ** 2))(model)
        optimizer.update(model, grads, value=loss)
        expected = cosine64(k) * 0.1**k  # patience 0: each bad update (2.0, 3.0) reduces
        np.testing.assert_allclose(float(lrs.current_lr(optimizer.opt_state)), expected, rtol=2e-6)
    hp = lrs.current_hyperparams(optimizer.opt_state)
    assert isinstance(hp["learning_rate"], jax.Array)
    np.testing.assert_allclose(float(hp["learning_rate"]), cosine64(2), rtol=2e-6)


@pytest.mark.parametrize(
    "rate", [1, 3, np.int64(2), np.int32(1)], ids=["1", "3", "np.int64", "np.int32"]
)
def test_an_int_rate_is_a_number_injected_as_a_float(rate, maybe_jit):
    """learning_rate=1 was passed to the factory as it was: not injected, so current_lr said the
    state "holds no learning rate". Injected as a float, SGD applies update = -rate * grad."""
    tx = lrs.inject(optax.sgd, learning_rate=rate)
    params = jnp.zeros(3)
    state = tx.init(params)
    assert state.hyperparams["learning_rate"].dtype == jnp.float32
    grad = jnp.asarray([0.5, -0.25, 2.0])
    updates, state = maybe_jit(tx.update)(grad, state, params)
    assert float(lrs.current_lr(state)) == float(rate)
    np.testing.assert_array_equal(np.asarray(updates), -float(rate) * np.asarray(grad))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"learning_rate": 1e-3 + 1j}, "learning_rate"),
        ({"learning_rate": np.complex64(1)}, "learning_rate"),
        ({"learning_rate": jnp.asarray(1 + 1j)}, "learning_rate"),
        ({"learning_rate": True}, "learning_rate"),
        ({"learning_rate": np.bool_(False)}, "learning_rate"),
        ({"learning_rate": 0.1, "momentum": 0.5j}, "momentum"),
    ],
    ids=["complex", "np-complex", "jax-complex", "bool", "np-bool", "complex-momentum"],
)
def test_bool_and_complex_hyperparameters_are_a_type_error_naming_the_argument(kwargs, name):
    """learning_rate=True was passed on as True (a rate of 1), a complex rate computed complex
    updates; neither was injected."""
    with pytest.raises(TypeError, match=f"^`{name}` must be a real number or a schedule"):
        lrs.inject(optax.sgd, **kwargs)


def test_a_bool_for_a_float_argument_is_refused_and_an_int_too_large_is_a_config_error():
    with pytest.raises(
        TypeError, match=r"^`b1` must be a real number or a schedule, not a boolean"
    ):
        lrs.inject(optax.adam, learning_rate=0.1, b1=True)
    with pytest.raises(lrs.ConfigError) as info:
        lrs.inject(optax.sgd, learning_rate=10**400)
    assert info.value.problems == [f"learning_rate: {RANGE}; got an int of 401 digits."]
    for static_args in (5, [1], None):
        with pytest.raises(TypeError, match=r"^`static_args` must be an argument name"):
            lrs.inject(optax.adam, learning_rate=0.1, static_args=static_args)
    with pytest.raises(lrs.ConfigError) as info:
        lrs.inject(optax.sgd, learning_rate=0.1, **{"x" * 100_000: 1})
    assert len(str(info.value)) < 1000


def test_state_errors_are_config_errors():
    """A state without a rate (or with two) is a bad value: a ConfigError, still a ValueError."""
    params = jnp.zeros(2)
    with pytest.raises(lrs.ConfigError) as info:
        lrs.current_lr(optax.adam(1e-3).init(params))
    assert info.value.problems[0].startswith("current_lr.opt_state: holds no learning rate")
    two = optax.chain(
        lrs.inject(optax.sgd, learning_rate=0.1), lrs.inject(optax.sgd, learning_rate=0.2)
    )
    with pytest.raises(lrs.ConfigError, match=r"current_lr\.opt_state: holds 2 learning rates"):
        lrs.current_lr(two.init(params))
    with pytest.raises(lrs.ConfigError, match=r"current_hyperparams\.opt_state: holds more than"):
        lrs.current_hyperparams(two.init(params))


def test_a_wrong_type_is_reported_before_a_bad_value():
    """One error for one call: a TypeError for any argument of the wrong type comes first,
    whatever the order of the arguments (the long fuzz run found a ConfigError for
    learning_rate=10**400 hiding b1=False)."""
    with pytest.raises(TypeError, match=r"^`b1` must be a real number or a schedule"):
        lrs.inject(optax.adam, learning_rate=10**400, b1=False)


RANGE = (
    "must be 0 or a finite number of magnitude in [1.1754944e-38, 3.4028235e+38] (a normal "
    "float32, the dtype it is injected in)"
)


@pytest.mark.parametrize(
    ("kwargs", "line"),
    [
        ({"learning_rate": 1e39}, f"learning_rate: {RANGE}; got 1e+39."),
        ({"learning_rate": np.float64(3.4028235677973366e38)},
         f"learning_rate: {RANGE}; got np.float64(3.4028235677973366e+38)."),
        ({"learning_rate": float("nan")}, f"learning_rate: {RANGE}; got nan."),
        ({"learning_rate": -math.inf}, f"learning_rate: {RANGE}; got -inf."),
        ({"learning_rate": 1e-40}, f"learning_rate: {RANGE}; got 1e-40."),
        ({"learning_rate": 0.1, "b1": math.nan}, f"b1: {RANGE}; got nan."),
        ({"learning_rate": 2**200}, None),
    ],
    ids=["1e39", "np-past-max", "nan", "-inf", "subnormal", "b1-nan", "2**200"],
)  # fmt: skip
def test_a_number_must_be_a_normal_number_of_the_injected_dtype(kwargs, line):
    """np.float64(3.4028235677973366e38) (past float32's largest) was a RuntimeWarning
    (overflow in cast) at init and an inf rate; 1e-40 lost float32's accuracy (found by the
    inject fuzz family)."""
    if line is None:  # an int past float32's range, fine in float64 under x64
        with pytest.raises(lrs.ConfigError):
            lrs.inject(optax.adam, **kwargs)
        with jax.enable_x64(True):
            tx = lrs.inject(optax.adam, **kwargs)
            assert float(lrs.current_lr(tx.init(jnp.zeros(2)))) == 2.0**200
        return
    with pytest.raises(lrs.ConfigError) as info:
        lrs.inject(optax.adam, **kwargs)
    assert info.value.problems == [line]


def test_rates_at_the_float32_limits_are_exact():
    for rate in (3.4028234663852886e38, 1.1754943508222875e-38, 0.0, 0, -1e-3):
        state = lrs.inject(optax.sgd, learning_rate=rate).init(jnp.zeros(2))
        assert float(lrs.current_lr(state)) == float(np.float32(rate))

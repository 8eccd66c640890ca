"""lrschedules_jax/_shapes.py against the float64 references of tests/llm_reference.py.

Every factor is checked at every sampled int32 step, including the last steps of a phase where
it is 1e-9 of its peak: 2e-6 relative in float32, 1e-10 under x64 (the ``precision`` fixture).
"""

import math

import jax
import jax.numpy as jnp
import llm_reference as ref
import numpy as np
import pytest

from lrschedules_jax import _shapes

INT32_MAX = 2**31 - 1
LENGTHS = [1, 2, 7, 1000, 2**20 + 3, 2**24 + 1, 2**31 - 1]


def _samples(length, count=400, seed=0):
    """Integers in [0, length]: both ends and their neighbours, the middle, and random ones."""
    ends = [0, 1, 2, 3, length // 3, length // 2, length - 3, length - 2, length - 1, length]
    rng = np.random.default_rng(seed + length % 1000)
    rand = rng.integers(0, length, size=count, endpoint=True)
    values = np.unique(np.clip(np.concatenate([ends, rand]), 0, length))
    return values.astype(np.int64)


def _int_array(values):
    return jnp.asarray(values, dtype=jnp.int64 if jax.config.jax_enable_x64 else jnp.int32)


def _dtype():
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def _assert_rel(got, want, tol, what=""):
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    assert got.shape == want.shape
    zero = want == 0
    assert np.all(got[zero] == 0), f"{what}: nonzero where the reference is 0"
    err = np.abs(got[~zero] - want[~zero]) / np.abs(want[~zero])
    worst = float(err.max()) if err.size else 0.0
    assert worst <= tol, f"{what}: relative error {worst:.3g} > {tol:g}"


@pytest.fixture(params=["jit", "nojit"])
def run(request):
    """Call a shape function directly or under jax.jit (static arguments closed over)."""
    if request.param == "jit":
        return lambda fn, *arrays: jax.jit(fn)(*arrays)
    return lambda fn, *arrays: fn(*arrays)


# --- the warmup and decay shapes --------------------------------------------------------------


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("kind", ["linear", "cosine", "1-sqrt", "rex"])
def test_decay_factor(kind, length, precision, run):
    x = _samples(length)
    got = run(lambda r: _shapes.decay_factor(kind, r, length, _dtype()), _int_array(x))
    assert got.dtype == _dtype()
    _assert_rel(got, ref.decay_shape(kind, x, length), precision, f"{kind} decay, L={length}")


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("kind", ["linear", "cosine", "1-sqrt"])
def test_warmup_factor(kind, length, precision, run):
    x = _samples(length)
    got = run(lambda s: _shapes.warmup_factor(kind, s, length, _dtype()), _int_array(x))
    _assert_rel(got, ref.warmup_shape(kind, x, length), precision, f"{kind} warmup, L={length}")


@pytest.mark.parametrize("length", [3.5, 1000 * math.sqrt(2), 32 * 2001.0, 5e8 + 0.25])
@pytest.mark.parametrize("kind", ["linear", "cosine", "1-sqrt"])
def test_warmup_factor_real_length(kind, length, precision):
    """A batch-scaled warmup has a real length W: steps 0 .. ceil(W) - 1."""
    x = _samples(math.ceil(length) - 1)
    got = _shapes.warmup_factor(kind, _int_array(x), length, _dtype())
    _assert_rel(got, ref.warmup_shape(kind, x, length), precision, f"{kind}, W={length}")


def test_shape_end_values_are_exact():
    """1 at the start of a decay, 0 at its end; 0 at the start of a warmup, 1 at its end."""
    ends = _int_array([0, 1000])
    for kind in ["linear", "cosine", "1-sqrt", "rex"]:
        np.testing.assert_array_equal(_shapes.decay_factor(kind, ends, 1000, jnp.float32), [0, 1])
    for kind in ["linear", "cosine", "1-sqrt"]:
        np.testing.assert_array_equal(_shapes.warmup_factor(kind, ends, 1000, jnp.float32), [0, 1])


def test_published_values():
    """Hand-computed values: REX at z = 1/2 is 2/3; 1-sqrt at tau = 1/4 is 1/2 (Hägele et al.)."""
    half, quarter = _int_array([500]), _int_array([750])
    assert float(_shapes.rex_factor(half, 1000, jnp.float32)[0]) == pytest.approx(2 / 3, rel=1e-7)
    assert float(_shapes.one_minus_sqrt(quarter, 1000, jnp.float32)[0]) == pytest.approx(
        0.5, rel=1e-7
    )
    # HF's 1-sqrt warmup at p = 3/4: 1 - sqrt(1/4) = 1/2; cosine warmup at p = 1/2: 1/2.
    assert float(_shapes.warmup_factor("1-sqrt", _int_array([75]), 100, jnp.float32)[0]) == 0.5
    assert float(
        _shapes.warmup_factor("cosine", _int_array([50]), 100, jnp.float32)[0]
    ) == pytest.approx(0.5, rel=1e-7)
    np.testing.assert_allclose(ref.rex_paper([0.0, 0.5, 1.0]), [1.0, 2 / 3, 0.0])


def test_unknown_shape_names():
    with pytest.raises(ValueError, match="warmup_type"):
        _shapes.warmup_factor("exp", _int_array([1]), 10, jnp.float32)
    with pytest.raises(ValueError, match="decay_type"):
        _shapes.decay_factor("inverse_linear", _int_array([1]), 10, jnp.float32)


# --- timm's k-decay cosine and cycle index ----------------------------------------------------


@pytest.mark.parametrize("k", [0.1, 0.5, 1.0, 1.7, 4.0])
@pytest.mark.parametrize("length", [1, 10, 1000, 2**24 + 1, 2**31 - 1])
def test_cos_k_factor(k, length, precision, run):
    done = _samples(length)
    got = run(lambda d: _shapes.cos_k_factor(d, length - d, length, k, _dtype()), _int_array(done))
    _assert_rel(got, ref.cos_k_shape(done, length, k), precision, f"k={k}, L={length}")


def test_cos_k_factor_traced_k(precision):
    """k passed through jit (a sweep over k_decay): same values as a concrete k."""
    length = 10**6
    done = _samples(length)
    fn = jax.jit(lambda d, k: _shapes.cos_k_factor(d, length - d, length, k, _dtype()))
    for k in [0.3, 1.0, 2.5]:
        got = fn(_int_array(done), jnp.asarray(k, _dtype()))
        _assert_rel(got, ref.cos_k_shape(done, length, k), precision, f"traced k={k}")


def _boundary_steps(first, mult):
    starts, _ = _shapes.restart_table(first, mult)
    if mult == 1:
        starts = [first * i for i in range(0, 50)] + [INT32_MAX - INT32_MAX % first]
    steps = {0, 1, INT32_MAX, INT32_MAX - 1}
    for s in starts:
        steps.update(v for v in (s - 1, s, s + 1) if 0 <= v <= INT32_MAX)
    rng = np.random.default_rng(first * 31 + mult)
    steps.update(rng.integers(0, INT32_MAX, size=200).tolist())
    return np.asarray(sorted(steps), np.int64)


@pytest.mark.parametrize("mult", [1, 2, 3, 5])
@pytest.mark.parametrize("first", [1, 7, 1000])
def test_restart_cycle_is_exact(first, mult, precision):
    t = _boundary_steps(first, mult)
    cycle = jax.jit(lambda steps: _shapes.restart_cycle(steps, first, mult, _dtype()))
    i, done, remaining, length = cycle(_int_array(t))
    want = [ref.cycle_of(v, first, mult) for v in t.tolist()]
    np.testing.assert_array_equal(np.asarray(i), [w[0] for w in want])
    np.testing.assert_array_equal(np.asarray(done), [w[1] for w in want])
    want_rem = np.asarray([w[2] - w[1] for w in want], np.float64)
    want_len = np.asarray([w[2] for w in want], np.float64)
    _assert_rel(remaining, want_rem, precision / 2, "remaining")
    _assert_rel(length, want_len, precision / 2, "length")


# (first, mult) in one stacked sweep: mult 1 next to mult >= 2, the most cycles (1, 2), and
# last cycles longer than 2**31 - 1 that end a few steps after it (2, 2**30 + 1).
_TRACED_CYCLES = [
    (1, 1),
    (7, 1),
    (1, 2),
    (7, 3),
    (1000, 5),
    (2, 2**30 + 1),
    (2**30 + 1, 2),
    (1, INT32_MAX),
    (3, 10**9),
    (INT32_MAX, 3),
]


def test_restart_cycle_traced_is_exact(precision):
    """With ``first`` and ``mult`` traced (vmapped over the rows of a sweep), the cycle index
    and the step within it are exactly the Python integers', the steps left and the length
    within the float tolerance: the same as the concrete table gives."""
    firsts = np.asarray([f for f, _ in _TRACED_CYCLES], np.int32)
    mults = np.asarray([m for _, m in _TRACED_CYCLES], np.int32)
    steps = np.unique(np.concatenate([_boundary_steps(f, m) for f, m in _TRACED_CYCLES]))
    run = jax.jit(jax.vmap(lambda f, m: _shapes.restart_cycle(_int_array(steps), f, m, _dtype())))
    cycles = [np.asarray(a) for a in run(firsts, mults)]
    for row, (first, mult) in enumerate(_TRACED_CYCLES):
        want = [ref.cycle_of(v, first, mult) for v in steps.tolist()]
        i, done, remaining, length = (a[row] for a in cycles)
        np.testing.assert_array_equal(i, [w[0] for w in want], err_msg=f"{first}, {mult}")
        np.testing.assert_array_equal(done, [w[1] for w in want], err_msg=f"{first}, {mult}")
        want_rem = np.asarray([w[2] - w[1] for w in want], np.float64)
        _assert_rel(remaining, want_rem, precision / 2, f"remaining {first}, {mult}")
        _assert_rel(length, np.asarray([float(w[2]) for w in want]), precision / 2, "length")


def test_timm_float_log_is_a_cycle_early_where_ours_is_exact():
    """The fact behind the integer index: timm's floor(log(243, 3)) = 4 at a restart.

    t_initial=2, cycle_mul=3: cycle 5 starts at t = 2 * (3**5 - 1) / 2 = 242. timm's
    ``_get_lr`` takes i = 4 there and returns lr_min (the end of cycle 4), not the peak.
    """
    kw = {"base_lr": 1.0, "t_initial": 2, "lr_min": 0.0, "cycle_mul": 3, "cycle_limit": 100}
    assert ref.timm_cosine_lr([242], **kw)[0] == pytest.approx(0.0, abs=1e-12)
    assert ref.cycle_of(242, 2, 3) == (5, 0, 2 * 3**5)
    i, done, _, _ = _shapes.restart_cycle(_int_array([242]), 2, 3, jnp.float32)
    assert (int(i[0]), int(done[0])) == (5, 0)
    np.testing.assert_allclose(ref.ref_cosine_restarts([242], 1.0, 0.0, 2, cycle_mult=3), [1.0])


def test_restart_shapes_compose_to_timm():
    """The pieces give timm's _get_lr at every step of a small run (warmup_prefix=True)."""
    kw = {
        "base_lr": 1e-3,
        "t_initial": 50,
        "lr_min": 1e-6,
        "cycle_mul": 2,
        "cycle_decay": 0.5,
        "cycle_limit": 3,
        "warmup_t": 20,
        "warmup_lr_init": 1e-5,
        "k_decay": 0.8,
    }
    steps = np.arange(0, 20 + 50 * 7 + 100)
    want = ref.timm_cosine_lr(steps, warmup_prefix=True, **kw)
    s = _int_array(steps)
    t = jnp.maximum(s - kw["warmup_t"], 0)
    i, done, remaining, length = _shapes.restart_cycle(t, kw["t_initial"], 2, jnp.float32)
    peak = kw["base_lr"] * jnp.power(jnp.float32(kw["cycle_decay"]), i.astype(jnp.float32))
    e = jnp.float32(kw["lr_min"])
    cyc = e + (peak - e) * _shapes.cos_k_factor(done, remaining, length, kw["k_decay"], jnp.float32)
    cyc = jnp.where(i < kw["cycle_limit"], cyc, e)
    f = kw["warmup_lr_init"] / kw["base_lr"]
    warm = kw["base_lr"] * (
        f + (1 - f) * _shapes.warmup_factor("linear", s, kw["warmup_t"], jnp.float32)
    )
    got = jnp.where(s < kw["warmup_t"], warm, cyc)
    _assert_rel(got, want, 2e-6, "composed timm cosine")


# --- HF's WSD from the pieces ------------------------------------------------------------------


@pytest.mark.parametrize("warmup_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
def test_wsd_shapes_compose_to_hf(warmup_type, decay_type):
    """lr = f s0 + (s0 - f s0) g(step / w); s0; e + (s0 - e) h(remaining / D); e: HF's lambda."""
    lr0, ratio, w, d, n = 3e-4, 0.1, 100, 250, 1000
    steps = np.arange(0, n + 20)
    want = lr0 * ref.hf_wsd_factor(
        steps,
        num_warmup_steps=w,
        num_stable_steps=n - w - d,
        num_decay_steps=d,
        warmup_type=warmup_type,
        decay_type=decay_type,
        min_lr_ratio=ratio,
    )
    s = _int_array(steps)
    s0, e = jnp.float32(lr0), jnp.float32(lr0 * ratio)
    warm = s0 * ratio + (s0 - s0 * ratio) * _shapes.warmup_factor(
        warmup_type, jnp.minimum(s, w), w, jnp.float32
    )
    remaining = jnp.clip(n - s, 0, d)
    decay = e + (s0 - e) * _shapes.decay_factor(decay_type, remaining, d, jnp.float32)
    got = jnp.where(s < w, warm, jnp.where(s < n - d, s0, decay))
    _assert_rel(got, want, 2e-6, f"HF wsd {warmup_type}/{decay_type}")


def test_wsd_reference_matches_hf_transcription():
    """ref_wsd (our contract) equals HF's lambda at every step for the options both have."""
    steps = np.arange(0, 2100)
    for wt in ["linear", "cosine", "1-sqrt"]:
        for dt in ["linear", "cosine", "1-sqrt"]:
            keys = ref.wsd_keys_from_hf(
                2e-3,
                num_warmup_steps=150,
                num_decay_steps=333,
                num_training_steps=2000,
                warmup_type=wt,
                decay_type=dt,
                min_lr_ratio=0.05,
            )
            n, s0, e = keys.pop("num_steps"), keys.pop("start_lr"), keys.pop("stop_lr")
            ours = ref.ref_wsd(steps, n, s0, e, **keys)
            hf = 2e-3 * ref.hf_wsd_factor(
                steps,
                num_warmup_steps=150,
                num_stable_steps=2000 - 150 - 333,
                num_decay_steps=333,
                warmup_type=wt,
                decay_type=dt,
                min_lr_ratio=0.05,
            )
            np.testing.assert_allclose(ours, hf, rtol=1e-12, err_msg=f"{wt}/{dt}")


# --- LR noise -----------------------------------------------------------------------------------


NOISES = [
    ("normal", 0.67, 1.0),
    ("normal", 0.1, 0.05),
    ("normal", 0.5, 20.0),
    ("uniform", 0.25, 1.0),
]


@pytest.mark.parametrize(("noise_type", "pct", "std"), NOISES)
def test_noise_distribution_and_bounds(noise_type, pct, std):
    """Kolmogorov-Smirnov against timm's law (a truncated normal, or uniform), and the bounds."""
    steps = _int_array(np.arange(30000) * 7919 % INT32_MAX)
    noise = np.asarray(
        _shapes.lr_noise(steps, seed=42, pct=pct, std=std, noise_type=noise_type), np.float64
    )
    bound = float(np.float32(pct))
    if noise_type == "normal":
        assert np.all(np.abs(noise) < bound)
    else:
        assert np.all((noise >= -bound) & (noise < bound))
    x = np.sort(noise)
    cdf = ref.noise_cdf(x, noise_type, pct, std)
    n = x.size
    ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(0, n) / n))
    assert ks < 1.95 / math.sqrt(n)  # the 0.1 % critical value
    mean, var = ref.noise_moments(noise_type, pct, std)
    assert abs(noise.mean() - mean) < 5 * math.sqrt(var / n)
    assert noise.var() == pytest.approx(var, rel=0.05)


def test_noise_is_deterministic_in_seed_and_step():
    steps = np.array([0, 1, 2, 1000, 2**24 + 1, INT32_MAX], np.int64)
    one_batch = _shapes.lr_noise(_int_array(steps), seed=7, pct=0.5)
    singles = [float(_shapes.lr_noise(_int_array(s), seed=7, pct=0.5)) for s in steps]
    jitted = jax.jit(lambda s: _shapes.lr_noise(s, seed=7, pct=0.5))(_int_array(steps))
    vmapped = jax.vmap(lambda s: _shapes.lr_noise(s, seed=7, pct=0.5))(_int_array(steps))
    shaped = _shapes.lr_noise(_int_array(steps.reshape(2, 3)), seed=7, pct=0.5)
    np.testing.assert_array_equal(one_batch, singles)
    np.testing.assert_array_equal(one_batch, jitted)
    np.testing.assert_array_equal(one_batch, vmapped)
    np.testing.assert_array_equal(one_batch, np.asarray(shaped).reshape(-1))
    with jax.enable_x64(True):  # the noise is drawn in float32 in both modes
        wide = _shapes.lr_noise(jnp.asarray(steps, jnp.int64), seed=7, pct=0.5)
    np.testing.assert_array_equal(one_batch, wide)
    other = _shapes.lr_noise(_int_array(steps), seed=8, pct=0.5)
    assert np.all(np.asarray(other) != np.asarray(one_batch))
    assert len(set(np.asarray(one_batch).tolist())) == steps.size


def test_noise_does_not_depend_on_the_prng_flags():
    """fold_in's hash is fixed: jax_threefry_partitionable (whose default changed in JAX 0.5)
    changes jax.random.uniform's bits but not this noise."""
    steps = _int_array(np.arange(100))
    before = np.asarray(_shapes.lr_noise(steps, seed=3, pct=0.67))
    flag = jax.config.jax_threefry_partitionable
    try:
        jax.config.update("jax_threefry_partitionable", not flag)
        after = np.asarray(_shapes.lr_noise(steps, seed=3, pct=0.67))
    finally:
        jax.config.update("jax_threefry_partitionable", flag)
    np.testing.assert_array_equal(before, after)


def test_noise_traced_pct_and_std():
    """pct and std may be leaves of a stacked sweep: jit and vmap over them."""
    steps = _int_array(np.arange(2000))
    pcts = jnp.asarray([0.1, 0.5], jnp.float32)
    out = jax.vmap(lambda p: _shapes.lr_noise(steps, seed=1, pct=p, std=0.3))(pcts)
    for row, p in zip(np.asarray(out), [0.1, 0.5], strict=True):
        assert np.all(np.abs(row) < np.float32(p))
        np.testing.assert_array_equal(row, _shapes.lr_noise(steps, seed=1, pct=p, std=0.3))


def test_noise_factor_range():
    """timm's noise_range_t: [start, end) for a pair, step >= start for a single start."""
    steps = np.arange(0, 60)
    for start, end in [(10, 20), (0, 1), (30, None)]:
        factor = np.asarray(
            _shapes.noise_factor(
                _int_array(steps), seed=5, pct=0.3, start=start, end=end, dtype=jnp.float32
            )
        )
        inside = ref.noise_in_range(steps, [start, end] if end is not None else start)
        noise = np.asarray(_shapes.lr_noise(_int_array(steps), seed=5, pct=0.3), np.float32)
        np.testing.assert_array_equal(factor[~inside], 1.0)
        np.testing.assert_array_equal(factor[inside], (1 + noise)[inside])
        assert np.all(np.abs(factor[inside] - 1) < 0.3 + 1e-7)


def test_unknown_noise_type():
    with pytest.raises(ValueError, match="noise_type"):
        _shapes.lr_noise(_int_array([1]), seed=0, pct=0.5, noise_type="gumbel")


# --- the large-batch rule -------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["linear", "sqrt"])
def test_scaled_warmup_boundary_is_exact(rule):
    for w in [0, 1, 3, 100, 1000, 4999]:
        for b, r in [(256, 256), (8192, 256), (300, 256), (1000, 3), (5, 7), (2**20, 1)]:
            boundary, real = _shapes.scaled_warmup(w, b, r, rule)
            assert boundary == ref.warmup_boundary(w, b, r, rule), (w, b, r)
            assert real == pytest.approx(w * ref.batch_factor(b, r, rule), rel=1e-15)
            assert _shapes.batch_scale(b, r, rule) == pytest.approx(
                ref.batch_factor(b, r, rule), rel=1e-15
            )


@pytest.mark.parametrize(
    ("warmup_steps", "batch", "reference"), [(100, 8192, 256), (100, 300, 256), (37, 1000, 3)]
)
def test_large_batch_pieces_equal_goyal_et_al(warmup_steps, batch, reference):
    """k s0 g(step / W) while step < ceil(W), then k s0: Goyal et al.'s rule at every step."""
    base_lr = 0.1
    boundary, real = _shapes.scaled_warmup(warmup_steps, batch, reference, "linear")
    steps = np.arange(0, boundary + 50)
    k = _shapes.batch_scale(batch, reference, "linear")
    s = _int_array(steps)
    target = jnp.float32(base_lr * k)
    warm = target * _shapes.warmup_factor("linear", jnp.minimum(s, boundary), real, jnp.float32)
    got = jnp.where(s < boundary, warm, target)
    want = ref.goyal_large_batch_schedule(steps, base_lr, reference, batch, warmup_steps)
    _assert_rel(got, want, 2e-6, "Goyal et al.")
    want2 = ref.ref_batch_scaled_constant(steps, base_lr, warmup_steps, batch, reference)
    np.testing.assert_allclose(want2, want, rtol=1e-14)


def test_unknown_batch_rule():
    with pytest.raises(ValueError, match="rule"):
        _shapes.batch_scale(2, 1, "log")
    with pytest.raises(ValueError, match="rule"):
        _shapes.scaled_warmup(10, 2, 1, "log")

"""The LLM schedules' public behaviour (docs/llm_schedules.md): wsd's extensions, cooldown,
warmup_type, REX, cosine_restarts as timm's, noise, the large-batch rule, extension keys in
DeePMD-kit inputs.

Every value is compared with the float64 references of tests/llm_reference.py (themselves
checked against HF transformers and timm by tests/llm_peers.py) at sampled int32 steps that
include the ends of every phase: 2e-6 relative in float32, 1e-10 under x64.
"""

import json
import math
import re

import jax
import jax.numpy as jnp
import llm_reference as ref
import numpy as np
import peers
import pytest
from cases import WARMUP_TYPES

import lrschedules_jax as lrs
from lrschedules_jax import _shapes

INT32_MAX = 2**31 - 1


def _phase_steps(marks, num_steps, count=300, seed=0):
    """Steps around every phase mark (m-2 .. m+2), random ones, and the int32 ends."""
    steps = {0, 1, 2, num_steps, num_steps + 1, 2 * num_steps, INT32_MAX - 1, INT32_MAX}
    for m in [*marks, num_steps]:
        steps.update(range(m - 2, m + 3))
    rng = np.random.default_rng(seed)
    steps.update(rng.integers(0, num_steps + 1, size=count).tolist())
    return np.asarray(sorted(v for v in steps if 0 <= v <= INT32_MAX), np.int64)


def _assert_close(got, want, tol, what=""):
    """Relative error at most ``tol``; exactly 0 where the reference is 0 (a warmup's step 0)."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    assert got.shape == want.shape
    zero = want == 0
    assert np.all(got[zero] == 0), f"{what}: nonzero where the reference is 0"
    err = np.abs(got[~zero] - want[~zero]) / np.abs(want[~zero])
    worst = float(np.max(err, initial=0.0))
    assert worst <= tol, f"{what}: relative error {worst:.3g} > {tol:g}"


def _check(sched, steps, want, tol, evaluate, what=""):
    got = evaluate(sched, jnp.asarray(steps, jnp.int64 if jax.config.jax_enable_x64 else jnp.int32))
    assert got.dtype == (jnp.float64 if jax.config.jax_enable_x64 else jnp.float32)
    _assert_close(got, want, tol, what)


# --- 1. WSD as HF's get_wsd_schedule ---------------------------------------------------------

WSD_CASES = [
    # (num_steps, start_lr, stop_lr, extra keys)
    (10_000, 1e-3, 1e-5, {"decay_type": "1-sqrt"}),
    (10_000, 1e-3, 1e-5, {"decay_type": "1-sqrt", "decay_phase_ratio": 0.2, "warmup_steps": 500}),
    (10_000, 1e-3, 1e-5, {"decay_type": "1-sqrt", "decay_phase_steps": 1234}),
    (10_000, 1e-3, 1e-8, {"decay_type": "cosine", "decay_phase_steps": 1}),
    (
        10_000,
        1e-3,
        1e-5,
        {"decay_type": "inverse_linear", "decay_phase_steps": 9000, "warmup_steps": 1000},
    ),
    (
        2_000_000_000,
        3e-4,
        3e-9,
        {"decay_type": "1-sqrt", "decay_phase_steps": 200_000_000, "warmup_steps": 20_000},
    ),
    (
        2_000_000_000,
        3e-4,
        3e-9,
        {"decay_type": "linear", "warmup_steps": 1_999_999_999, "warmup_type": "1-sqrt"},
    ),
]


@pytest.mark.parametrize("case", WSD_CASES, ids=lambda c: json.dumps(c[3], sort_keys=True))
def test_wsd_extended_keys(case, precision, evaluate):
    n, s0, e, extra = case
    sched = lrs.make_schedule({"type": "wsd", "start_lr": s0, "stop_lr": e, **extra}, n)
    steps = _phase_steps(sched.boundaries().values(), n)
    _check(sched, steps, ref.ref_wsd(steps, n, s0, e, **extra), precision, evaluate, "wsd")


@pytest.mark.parametrize("warmup_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize(
    ("w", "d", "n", "ratio"), [(0, 100, 1000, 0.0), (50, 300, 1000, 0.1), (10, 1, 200, 0.01)]
)
def test_wsd_equals_hf_get_wsd_schedule(warmup_type, decay_type, w, d, n, ratio, evaluate):
    """num_decay_steps = decay_phase_steps, min_lr_ratio = stop_lr_ratio = warmup_start_factor."""
    keys = ref.wsd_keys_from_hf(
        2e-3,
        num_warmup_steps=w,
        num_decay_steps=d,
        num_training_steps=n,
        warmup_type=warmup_type,
        decay_type=decay_type,
        min_lr_ratio=ratio,
    )
    num_steps, s0 = keys.pop("num_steps"), keys.pop("start_lr")
    stop = keys.pop("stop_lr")
    config = {"type": "wsd", "start_lr": s0, "stop_lr_ratio": ratio, **keys}
    if ratio == 0.0:
        config["stop_lr_ratio"] = 1e-30  # wsd needs stop_lr > 0: HF's 0 is the limit (below)
        stop = s0 * 1e-30
    sched = lrs.make_schedule(config, num_steps)
    steps = np.arange(0, n + 10)
    hf = s0 * ref.hf_wsd_factor(
        steps,
        num_warmup_steps=w,
        num_stable_steps=n - w - d,
        num_decay_steps=d,
        warmup_type=warmup_type,
        decay_type=decay_type,
        min_lr_ratio=ratio,
    )
    got = np.asarray(evaluate(sched, jnp.asarray(steps)), np.float64)
    np.testing.assert_allclose(
        got, np.maximum(hf, stop), rtol=2e-6, atol=2e-6 * s0 * (ratio == 0.0)
    )


def test_wsd_reference_values():
    """Hand-computed: 1-sqrt at a quarter of the decay is 1 - sqrt(1/4) = 1/2 of the way."""
    sched = lrs.wsd(
        start_lr=1.0, stop_lr=0.1, num_steps=1000, decay_phase_steps=400, decay_type="1-sqrt"
    )
    assert float(sched(600)) == 1.0
    assert float(sched(700)) == pytest.approx(0.1 + 0.9 * 0.5, rel=1e-7)
    assert float(sched(1000)) == pytest.approx(0.1, rel=1e-7)
    cfg = lrs.validate(
        {"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1, "decay_phase_steps": 400}, 1000
    )
    assert cfg.decay_phase_steps == 400


def test_wsd_decay_phase_steps_round_trip():
    sched = lrs.wsd(
        start_lr=1e-3,
        stop_lr=1e-5,
        num_steps=10_000,
        decay_phase_steps=777,
        decay_type="1-sqrt",
        warmup_type="cosine",
        warmup_steps=100,
    )
    again = lrs.make_schedule(sched.to_config(), 10_000)
    steps = jnp.arange(0, 10_001)
    np.testing.assert_array_equal(sched(steps), again(steps))
    assert sched.boundaries()["decay start"] == 10_000 - 777


# --- cooldown from a checkpoint ----------------------------------------------------------------


@pytest.mark.parametrize("decay_type", ["1-sqrt", "linear", "cosine", "inverse_linear"])
def test_cooldown_equals_wsd_ending_there(decay_type, precision, evaluate):
    base = {
        "start_lr": 1e-3,
        "stop_lr": 1e-6,
        "warmup_steps": 1000,
        "warmup_type": "cosine",
        "decay_type": "cosine",
    }
    long_run = lrs.make_schedule({"type": "wsd", **base}, 1_000_000)
    at, length = 300_000, 30_000
    cooled = long_run.cooldown(at, length, decay_type=decay_type)
    steps = _phase_steps([1000, at, at + length], at + length)
    want = ref.ref_cooldown(steps, base, at, length, decay_type=decay_type)
    _check(cooled, steps, want, precision, evaluate, "cooldown")
    before = jnp.arange(0, at + 1, 997)
    np.testing.assert_array_equal(cooled(before), long_run(before))  # identical up to the fork
    same = lrs.make_schedule(
        {"type": "wsd", **{**base, "decay_type": decay_type}, "decay_phase_steps": length},
        at + length,
    )
    np.testing.assert_array_equal(cooled(steps), same(steps))
    assert (
        lrs.make_schedule(cooled.to_config(), at + length)(steps).tolist() == cooled(steps).tolist()
    )


def test_cooldown_from_a_constant_run(precision, evaluate):
    run = lrs.make_schedule(
        {"type": "constant", "start_lr": 2e-4, "warmup_steps": 500, "warmup_type": "1-sqrt"}, 10**7
    )
    cooled = run.cooldown(123_457, 10_000, decay_type="1-sqrt", stop_lr=2e-7)
    steps = _phase_steps([500, 123_457, 133_457], 133_457)
    base = {"start_lr": 2e-4, "stop_lr": 2e-7, "warmup_steps": 500, "warmup_type": "1-sqrt"}
    want = ref.ref_cooldown(steps, base, 123_457, 10_000, decay_type="1-sqrt")
    _check(cooled, steps, want, precision, evaluate, "constant cooldown")


def test_cooldown_json_form():
    """A `cooldown` block in a wsd (or constant) section: the section's schedule, cooled down."""
    section = {
        "type": "wsd",
        "start_lr": 1e-3,
        "stop_lr": 1e-6,
        "cooldown": {"at_step": 5000, "length": 1000, "decay_type": "1-sqrt"},
    }
    sched = lrs.make_schedule(section, 100_000)
    plain = {k: v for k, v in section.items() if k != "cooldown"}
    want = lrs.make_schedule(plain, 100_000).cooldown(5000, 1000, decay_type="1-sqrt")
    steps = jnp.arange(0, 7000)
    np.testing.assert_array_equal(sched(steps), want(steps))


@pytest.mark.parametrize(
    ("section", "at", "length", "path"),
    [
        (
            {"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1, "warmup_steps": 100},
            50,
            10,
            "at_step",
        ),  # in the warmup
        (
            {"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1},
            950,
            10,
            "at_step",
        ),  # in the decay (D = 100)
        ({"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1}, 500, 0, "length"),
        ({"type": "exp", "start_lr": 1.0, "stop_lr": 0.1}, 500, 10, "type"),  # no stable phase
    ],
)
def test_cooldown_refuses(section, at, length, path):
    sched = lrs.make_schedule(section, 1000)
    with pytest.raises(lrs.ConfigError, match=path):
        lrs.cooldown(sched, at, length)
    if hasattr(sched, "cooldown"):  # the method of wsd and constant schedules
        with pytest.raises(lrs.ConfigError, match=path):
            sched.cooldown(at, length)


def test_cooldown_constant_needs_a_stop_rate():
    run = lrs.make_schedule({"type": "constant", "start_lr": 1.0}, 1000)
    with pytest.raises(lrs.ConfigError, match="stop_lr"):
        run.cooldown(500, 100)


# --- 2. warmup_type for every type with a warmup ----------------------------------------------


@pytest.mark.parametrize("warmup_type", ["cosine", "1-sqrt"])
@pytest.mark.parametrize("w", [1, 1000, 1_999_999])
@pytest.mark.parametrize("f", [0.0, 0.1])
def test_warmup_type_on_cosine(warmup_type, w, f, precision, evaluate):
    n, s0, e = 2_000_000, 1e-3, 1e-7
    sched = lrs.make_schedule(
        {
            "type": "cosine",
            "start_lr": s0,
            "stop_lr": e,
            "warmup_steps": w,
            "warmup_type": warmup_type,
            "warmup_start_factor": f,
        },
        n,
    )
    steps = _phase_steps([w], n)
    t = np.maximum(steps - w, 0)
    decay = e + (s0 - e) * ref.decay_shape("cosine", np.maximum(n - w - t, 0), n - w)
    warm = f * s0 + (s0 - f * s0) * ref.warmup_shape(warmup_type, np.minimum(steps, w), w)
    _check(sched, steps, np.where(steps < w, warm, decay), precision, evaluate, warmup_type)


@pytest.mark.parametrize("type_name", WARMUP_TYPES)
@pytest.mark.parametrize("warmup_type", ["cosine", "1-sqrt"])
def test_warmup_type_on_every_warmup_type(type_name, warmup_type):
    """The warmup shape changes only the warmup: the decay is the linear-warmup schedule's."""
    from cases import TYPES

    base = {k: v for k, v in TYPES[type_name].base.items() if "warmup" not in k}
    section = {**base, "start_lr": 1e-3, "warmup_steps": 100, "warmup_start_factor": 0.01}
    if "stop_lr" in section:
        section["stop_lr"] = 1e-5
    linear = lrs.make_schedule(section, 1000)
    shaped = lrs.make_schedule({**section, "warmup_type": warmup_type}, 1000)
    steps = np.arange(0, 1001)
    want_warm = 1e-3 * (0.01 + 0.99 * ref.warmup_shape(warmup_type, steps[:100], 100))
    _assert_close(shaped(jnp.asarray(steps[:100])), want_warm, 2e-6, type_name)
    np.testing.assert_array_equal(
        shaped(jnp.asarray(steps[100:])), linear(jnp.asarray(steps[100:]))
    )
    assert shaped.to_config()["warmup_type"] == warmup_type


@pytest.mark.parametrize("type_name", ["one_cycle", "cyclic"])
def test_warmup_type_refused_without_a_warmup(type_name):
    section = {"type": type_name, "max_lr": 1.0, "warmup_type": "cosine"}
    if type_name == "cyclic":
        section["base_lr"] = 0.1
    with pytest.raises(lrs.ConfigError, match="warmup_type"):
        lrs.make_schedule(section, 1000)


# --- 3. rex -----------------------------------------------------------------------------------

REX_CASES = [
    (10_000, 1.0, 0.0, 0, "linear"),
    (10_000, 1e-3, 1e-5, 500, "linear"),
    (1_000_000, 3e-4, 3e-7, 10_000, "1-sqrt"),
    (2_000_000_000, 1e-3, 1e-9, 1_000_000, "cosine"),
]


@pytest.mark.parametrize("case", REX_CASES, ids=str)
def test_rex(case, precision, evaluate):
    n, s0, e, w, wt = case
    sched = lrs.make_schedule(
        {"type": "rex", "start_lr": s0, "stop_lr": e, "warmup_steps": w, "warmup_type": wt}, n
    )
    steps = _phase_steps([w], n)
    want = ref.ref_rex(steps, n, s0, e, warmup_steps=w, warmup_type=wt)
    if e == 0.0:
        keep = want > 0
        steps, want = steps[keep], want[keep]
        assert float(sched(n)) == 0.0
    _check(sched, steps, want, precision, evaluate, "rex")


def test_rex_paper_values():
    """(1 - z) / (1 - z / 2): 1, 6/7 at z = 1/4, 2/3 at z = 1/2, 2/5 at z = 3/4, 0 at z = 1."""
    sched = lrs.rex(start_lr=1.0, stop_lr=0.0, num_steps=100)
    got = [float(sched(s)) for s in (0, 25, 50, 75, 100, 200)]
    np.testing.assert_allclose(got, [1.0, 6 / 7, 2 / 3, 2 / 5, 0.0, 0.0], rtol=1e-7, atol=0)


def test_rex_is_in_the_registry_and_schema():
    assert "rex" in lrs.config.config_types()
    schema = json.dumps(lrs.json_schema())
    assert '"rex"' in schema


# --- 4. cosine_restarts as timm's CosineLRScheduler --------------------------------------------

TIMM = peers.script("timm")


@pytest.mark.parametrize("index", range(len(TIMM.COSINE_GRID)), ids=lambda i: f"grid-{i}")
def test_cosine_restarts_equals_timm(index, evaluate):
    """timm's CosineLRScheduler (warmup_prefix=True) on the grid its values are recorded for
    (tests/data/peers/timm.json.gz): equal to the reference at every recorded step, and so to
    timm, except at the restarts that timm's floating-point log puts one cycle early."""
    case = TIMM.COSINE_GRID[index]
    row = peers.case("timm", f"cosine-grid/{index}")
    assert row["call"] == TIMM.grid_call(case)
    keys = ref.restarts_keys_from_timm(base_lr=TIMM.GRID_LR, lr_min=TIMM.GRID_LR_MIN, **case)
    sched = lrs.make_schedule({"type": "cosine_restarts", **keys}, 1000)
    steps = np.asarray(row["steps"])
    got = np.asarray(evaluate(sched, jnp.asarray(steps, jnp.int32)), np.float64)
    want = ref.ref_cosine_restarts(steps, **keys)
    np.testing.assert_allclose(got, want, rtol=2e-6)
    timm = peers.values(row)
    same = np.abs(want - timm) <= 1e-12 * TIMM.GRID_LR  # the others: tests/llm_peers.py
    assert same.mean() > 0.98
    np.testing.assert_allclose(got[same], timm[same], rtol=2e-6)


@pytest.mark.parametrize("k_decay", [0.25, 1.0, 3.0])
@pytest.mark.parametrize("mult", [1, 2, 3])
def test_cosine_restarts_k_decay_and_limit_int32(k_decay, mult, precision, evaluate):
    first, limit = 10_000_000, 3
    keys = {
        "start_lr": 1e-3,
        "stop_lr": 1e-9,
        "cycle_steps": first,
        "cycle_mult": mult,
        "cycle_decay": 0.5,
        "cycle_limit": limit,
        "k_decay": k_decay,
        "warmup_steps": 1000,
    }
    sched = lrs.make_schedule({"type": "cosine_restarts", **keys}, INT32_MAX)
    starts, _ = _shapes.restart_table(first, mult)
    marks = [1000 + s for s in starts[:6]] if mult > 1 else [1000 + first * i for i in range(6)]
    steps = _phase_steps(marks, 10**9)
    want = ref.ref_cosine_restarts(steps, **keys)
    _check(sched, steps, want, precision, evaluate, "restarts")
    end = marks[limit]
    after = sched(jnp.asarray([end, end + 1, INT32_MAX]))
    np.testing.assert_array_equal(after, np.asarray(1e-9, after.dtype))  # exactly stop_lr


def test_cosine_restarts_defaults_unchanged():
    """No cycle_limit: restarts forever (torch's SGDR, as before); k_decay 1."""
    sched = lrs.make_schedule(
        {"type": "cosine_restarts", "start_lr": 1.0, "stop_lr": 0.0, "cycle_steps": 10}, 100
    )
    assert float(sched(1000)) == 1.0
    cfg = sched.to_config()
    assert cfg.get("cycle_limit") is None and cfg.get("k_decay", 1.0) == 1.0


@pytest.mark.parametrize(
    "bad",
    [
        {"cycle_limit": 0},
        {"cycle_limit": 1.5},
        {"k_decay": 0.0},
        {"k_decay": -1.0},
        {"k_decay": True},
    ],
)
def test_cosine_restarts_bad_new_keys(bad):
    key = next(iter(bad))
    with pytest.raises(lrs.ConfigError, match=re.escape(f"learning_rate.{key}")):
        lrs.make_schedule(
            {"type": "cosine_restarts", "start_lr": 1.0, "stop_lr": 0.0, "cycle_steps": 10, **bad},
            100,
        )


# --- 5. LR noise --------------------------------------------------------------------------------

NOISE = {
    "noise_range_steps": [100, 60_000],
    "noise_pct": 0.3,
    "noise_std": 0.5,
    "noise_type": "normal",
    "noise_seed": 7,
}
BASE = {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 50}


def test_noise_multiplies_inside_the_range_only():
    plain = lrs.make_schedule(BASE, 60_000)
    noisy = lrs.make_schedule({**BASE, **NOISE}, 60_000)
    steps = jnp.arange(1, 61_000)  # step 0 has the rate 0 (warmup from 0)
    ratio = np.asarray(noisy(steps), np.float64) / np.asarray(plain(steps), np.float64)
    inside = ref.noise_in_range(np.arange(1, 61_000), NOISE["noise_range_steps"])
    np.testing.assert_array_equal(ratio[~inside], 1.0)
    noise = ratio[inside] - 1
    assert np.all(np.abs(noise) < 0.3 * (1 + 1e-6))
    x = np.sort(noise)
    cdf = ref.noise_cdf(x, "normal", 0.3, 0.5)
    n = x.size
    ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(0, n) / n))
    assert ks < 1.95 / math.sqrt(n)


def test_noise_is_deterministic_resumable_and_vmappable():
    a = lrs.make_schedule({**BASE, **NOISE}, 60_000)
    b = lrs.make_schedule({**BASE, **NOISE}, 60_000)
    steps = jnp.asarray([100, 101, 5000, 59_999])
    np.testing.assert_array_equal(a(steps), b(steps))  # another process builds the same
    # jit rounds the base rate differently from eager by up to 1 ulp (as without noise, XLA
    # fuses the arithmetic); the noise is the same, or the difference would be ~noise_pct
    np.testing.assert_allclose(jax.jit(lambda t: a(t))(steps), a(steps), rtol=2.4e-7)
    np.testing.assert_allclose(jax.jit(lambda s, t: s(t))(a, steps), a(steps), rtol=2.4e-7)
    np.testing.assert_array_equal(a.shifted(5000)(steps), a(steps + 5000))  # resume
    np.testing.assert_array_equal(jax.jit(jax.vmap(a))(steps), a(steps))
    np.testing.assert_allclose(jax.vmap(a)(steps), a(steps), rtol=2.4e-7)  # eager: op by op
    stacked = jax.tree.map(
        lambda *x: jnp.stack(x), a, lrs.make_schedule({**BASE, **NOISE, "noise_pct": 0.1}, 60_000)
    )
    rows = jax.vmap(lambda s: s(steps))(stacked)
    np.testing.assert_allclose(rows[0], a(steps), rtol=2.4e-7)  # traced rates, eager vmap
    other = lrs.make_schedule({**BASE, **NOISE, "noise_seed": 8}, 60_000)
    assert np.all(np.asarray(other(steps)) != np.asarray(a(steps)))


def test_noise_uniform_and_open_range():
    sched = lrs.make_schedule(
        {**BASE, "noise_range_steps": 1000, "noise_type": "uniform", "noise_pct": 0.5}, 10_000
    )
    plain = lrs.make_schedule(BASE, 10_000)
    steps = jnp.arange(1, 30_000)  # step 0 has the rate 0 (warmup from 0)
    ratio = np.asarray(sched(steps), np.float64) / np.asarray(plain(steps), np.float64)
    np.testing.assert_array_equal(ratio[:999], 1.0)
    assert np.all((ratio[999:] >= 0.5 * (1 - 1e-6)) & (ratio[999:] < 1.5))


@pytest.mark.parametrize(
    "bad",
    [
        {"noise_pct": 0.5},  # without noise_range_steps
        {"noise_range_steps": [10, 10]},
        {"noise_range_steps": [-1, 10]},
        {"noise_range_steps": [1, 2, 3]},
        {"noise_range_steps": 10, "noise_pct": 0.0},
        {"noise_range_steps": 10, "noise_pct": 1.0},
        {"noise_range_steps": 10, "noise_std": 0.0},
        {"noise_range_steps": 10, "noise_type": "gaussian"},
        {"noise_range_steps": 10, "noise_seed": -1},
        {"noise_range_steps": 10, "noise_seed": 2**32},
    ],
    ids=str,
)
def test_noise_bad_keys(bad):
    with pytest.raises(lrs.ConfigError, match=r"learning_rate\.noise_"):
        lrs.make_schedule({**BASE, **bad}, 1000)


# --- 6. the large-batch rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("batch", "reference", "w"), [(8192, 256, 100), (300, 256, 100), (1000, 3, 37)]
)
def test_batch_scaling_equals_goyal_et_al(batch, reference, w, evaluate):
    section = {
        "type": "constant",
        "start_lr": 0.1,
        "warmup_steps": w,
        "batch_scaling": {
            "batch_size": batch,
            "reference_batch_size": reference,
            "rule": "linear",
            "scale_warmup": True,
        },
    }
    n = 10 * w * batch // reference + 10
    sched = lrs.make_schedule(section, n)
    steps = np.arange(0, n + 1)
    want = ref.goyal_large_batch_schedule(steps, 0.1, reference, batch, w)
    got = np.asarray(evaluate(sched, jnp.asarray(steps)), np.float64)
    keep = want > 0
    np.testing.assert_array_equal(got[~keep], 0.0)
    _assert_close(got[keep], want[keep], 2e-6, "Goyal et al.")


@pytest.mark.parametrize("rule", ["linear", "sqrt"])
@pytest.mark.parametrize("scale_warmup", [False, True])
def test_batch_scaling_on_a_decaying_type(rule, scale_warmup, precision, evaluate):
    """Every rate times k; with scale_warmup the warmup covers step < k w (real), then the
    type's decay runs on t = step - ceil(k w) over N - ceil(k w)."""
    b, r, w, n, s0, e, f = 8192, 256, 1000, 1_000_000, 1e-4, 1e-7, 0.0
    block = {"batch_size": b, "reference_batch_size": r, "rule": rule, "scale_warmup": scale_warmup}
    sched = lrs.make_schedule(
        {"type": "cosine", "start_lr": s0, "stop_lr": e, "warmup_steps": w, "batch_scaling": block},
        n,
    )
    k = ref.batch_factor(b, r, rule)
    length = w * k if scale_warmup else w
    boundary = ref.warmup_boundary(w, b, r, rule) if scale_warmup else w
    steps = _phase_steps([boundary], n)
    t = np.maximum(steps - boundary, 0)
    decay = e + (s0 - e) * ref.decay_shape("cosine", np.maximum(n - boundary - t, 0), n - boundary)
    warm = f * s0 + (s0 - f * s0) * ref.warmup_shape("linear", np.minimum(steps, boundary), length)
    want = k * np.where(steps < boundary, warm, decay)
    keep = want > 0
    _check(sched, steps[keep], want[keep], precision, evaluate, "batch scaling")
    assert sched.boundaries()["warmup end"] == boundary


@pytest.mark.parametrize(
    ("block", "path"),
    [
        ({"batch_size": 0, "reference_batch_size": 256}, "batch_scaling.batch_size"),
        ({"batch_size": 512, "reference_batch_size": -1}, "batch_scaling.reference_batch_size"),
        ({"batch_size": 512, "reference_batch_size": 256, "rule": "log"}, "batch_scaling.rule"),
        (
            {"batch_size": 512, "reference_batch_size": 256, "scale_warmp": True},
            "batch_scaling.scale_warmp",
        ),
        ({"batch_size": 512}, "batch_scaling.reference_batch_size"),
        (
            {"batch_size": 8192, "reference_batch_size": 256, "scale_warmup": True},
            "batch_scaling.scale_warmup",
        ),  # 32 w >= N
    ],
)
def test_batch_scaling_bad_block(block, path):
    with pytest.raises(lrs.ConfigError, match=re.escape(f"learning_rate.{path}")):
        lrs.make_schedule(
            {
                "type": "cosine",
                "start_lr": 1.0,
                "stop_lr": 0.0,
                "warmup_steps": 100,
                "batch_scaling": block,
            },
            3000,
        )


@pytest.mark.parametrize("key", ["batch_size", "reference_batch_size"])
@pytest.mark.parametrize("size", [2**31, 10**400])
def test_batch_scaling_sizes_are_int32_counts(key, size):
    """A batch size past 2**31 - 1 is a ConfigError on its path, the value shown bounded (no
    ratio past float64, no k of 0 that would make every rate 0)."""
    block = {"batch_size": 512, "reference_batch_size": 256, key: size, "scale_warmup": True}
    with pytest.raises(lrs.ConfigError) as info:
        lrs.make_schedule(
            {"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "warmup_steps": 100,
             "batch_scaling": block},
            3000,
        )  # fmt: skip
    text = str(info.value)
    assert f"learning_rate.batch_scaling.{key}" in text and len(text) < 600


def test_batch_scaling_huge_scaled_warmup_end_is_bounded():
    """ceil(k w) past int32 is said as `> 2147483647`, not printed in full."""
    block = {"batch_size": 2**31 - 1, "reference_batch_size": 1, "scale_warmup": True}
    with pytest.raises(lrs.ConfigError, match=r"ceil\(k \* warmup_steps\) > 2147483647"):
        lrs.make_schedule(
            {"type": "cosine", "start_lr": 1e-12, "stop_lr": 0.0, "warmup_steps": 100,
             "batch_scaling": block},
            3000,
        )  # fmt: skip


def test_batch_scaling_refused_without_a_warmup_type():
    with pytest.raises(lrs.ConfigError, match="batch_scaling"):
        lrs.make_schedule(
            {
                "type": "one_cycle",
                "max_lr": 1.0,
                "batch_scaling": {"batch_size": 2, "reference_batch_size": 1},
            },
            100,
        )


def _warmup_types():
    from lrschedules_jax.config import config_types

    return sorted(n for n, m in config_types().items() if "batch_scaling" in m.model_fields)


@pytest.mark.parametrize("rule", ["linear", "sqrt"])
@pytest.mark.parametrize("type_name", _warmup_types())
def test_batch_scaling_on_every_warmup_type(type_name, rule):
    """Each type's float64 reference of tests/cases.py (written from docs/llm_schedules.md
    2.7: k times the rate, the warmup over the real k w, the decay from B) at every phase mark;
    ``exp`` derives its decay length and rate from N - B, ``inverse_sqrt`` its timescale."""
    from cases import TYPES, assert_close, sample_steps, warmup_of

    block = {"batch_size": 300, "reference_batch_size": 256, "rule": rule, "scale_warmup": True}
    config = {
        **TYPES[type_name].base,
        "warmup_steps": 333,
        "warmup_start_factor": 0.25,
        "batch_scaling": block,
    }
    config.pop("timescale", None)  # inverse_sqrt: the default, B
    n = 10_000
    sched = lrs.make_schedule(config, n, num_workers=3)
    boundary = ref.warmup_boundary(333, 300, 256, rule)
    assert warmup_of(config, n) == boundary == sched.boundaries()["warmup end"]
    own = sched.factors[0]  # the type's schedule inside the worker scale (3 workers)
    assert sched.worker_scale == 3.0
    assert own.batch_scaling.factor == pytest.approx(ref.batch_factor(300, 256, rule), rel=1e-15)
    steps = sample_steps(config, n, TYPES[type_name].marks, random=300, log=50)
    want = TYPES[type_name].reference(config, n, steps) * 3
    assert_close(np.asarray(sched(jnp.asarray(steps, jnp.int32)), np.float64), want)
    again = lrs.make_schedule(sched.to_config(), n, num_workers=3)
    assert again == sched and again.to_config() == sched.to_config()
    assert sched.to_config()["warmup_steps"] == 333
    assert sched.to_config()["batch_scaling"] == block


def test_batch_scaling_derived_defaults_read_the_scaled_warmup():
    block = {"batch_size": 1024, "reference_batch_size": 256, "scale_warmup": True}
    # exp: T = N - B decides DeePMD-kit's decay_steps replacement and the derived rate
    exp = lrs.validate(
        {"start_lr": 1e-3, "stop_lr": 1e-6, "warmup_steps": 100, "batch_scaling": block}, 1200
    )
    assert exp.warmup_steps == 100  # the key as written
    assert exp.decay_steps == 9  # T = 1200 - 400 = 800: 800 // 100 + 1 (with T = 1100: 100)
    rate = math.exp(math.log(1e-6 / 1e-3) / (800 / 9))
    assert exp.decay_rate == pytest.approx(rate, rel=1e-14)
    inv = lrs.validate({"type": "inverse_sqrt", "start_lr": 1.0, "warmup_steps": 100,
                        "batch_scaling": block}, 2000)  # fmt: skip
    assert inv.timescale == 400
    # wsd: decay_phase_steps is bounded by N - B, not N - w
    wsd = {"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1, "warmup_steps": 100,
           "batch_scaling": block}  # fmt: skip
    lrs.make_schedule({**wsd, "decay_phase_steps": 1600}, 2000)
    with pytest.raises(lrs.ConfigError, match=r"learning_rate\.decay_phase_steps.*\(1600\)"):
        lrs.make_schedule({**wsd, "decay_phase_steps": 1601}, 2000)


def test_batch_scaling_without_scale_warmup_keeps_the_warmup():
    block = {"batch_size": 100, "reference_batch_size": 400}  # k = 1/4, warmup as written
    sched = lrs.constant(start_lr=1.0, warmup_steps=10, num_steps=100, batch_scaling=block)
    assert sched.boundaries()["warmup end"] == 10
    got = np.asarray(sched(jnp.arange(0, 12)), np.float64)
    np.testing.assert_allclose(got, 0.25 * np.minimum(np.arange(0, 12), 10) / 10, rtol=2e-7)


def test_batch_scaling_cooldown_and_jit_keep_the_block():
    block = {"batch_size": 512, "reference_batch_size": 256, "rule": "linear", "scale_warmup": True}
    run = lrs.constant(start_lr=1e-3, warmup_steps=10, num_steps=10**6, batch_scaling=block)
    cooled = run.cooldown(100, 50, stop_lr=1e-5)  # every rate times k = 2, the stop rate too
    assert cooled.to_config()["batch_scaling"] == block
    assert float(cooled(15)) == pytest.approx(2e-3 * 15 / 20, rel=2e-6)
    assert float(cooled(150)) == pytest.approx(2e-5, rel=2e-6)
    steps = np.arange(0, 200)
    want = 2e-3 * np.minimum(steps, 20) / 20  # the schedule a traced pytree argument
    got = jax.jit(lambda s, t: s(t))(run, jnp.asarray(steps))
    _assert_close(got, want, 2e-6, "jit")


def test_batch_scaling_rate_overflow_is_reported():
    with pytest.raises(lrs.ConfigError, match=r"learning_rate\.start_lr: .*batch factor"):
        lrs.constant(
            start_lr=1e37,
            num_steps=10,
            batch_scaling={"batch_size": 1000, "reference_batch_size": 1},
        )


# --- extensions: DeePMD-kit inputs stay DeePMD-kit inputs ----------------------------------------

EXTENSIONS = [  # (the extension key, a section using it)
    ("decay_type", {"type": "wsd", "decay_type": "1-sqrt"}),
    ("decay_phase_steps", {"type": "wsd", "decay_phase_steps": 100}),
    ("warmup_type", {"type": "cosine", "warmup_steps": 10, "warmup_type": "cosine"}),
    (
        "warmup_type",
        {"type": "cosine", "warmup_steps": 10, "warmup_type": "linear"},
    ),  # DeePMD-kit knows no such key
    ("type", {"type": "rex"}),
    ("type", {"type": "linear"}),  # the classic types: DeePMD-kit 3.2 knows exp, cosine, wsd
    ("type", {"type": "polynomial", "power": 2.0, "warmup_steps": 10}),
    ("noise_range_steps", {"type": "cosine", "noise_range_steps": [10, 100]}),
    (
        "batch_scaling",
        {"type": "cosine", "batch_scaling": {"batch_size": 512, "reference_batch_size": 256}},
    ),
    ("cooldown", {"type": "wsd", "cooldown": {"at_step": 500, "length": 50}}),
]
EXTENSION_IDS = [f"{key}={json.dumps(section)}" for key, section in EXTENSIONS]


def _deepmd_input(tmp_path, section, name="input.json"):
    full = {"start_lr": 1e-3, "stop_lr": 1e-6, **section}
    path = tmp_path / name
    path.write_text(
        json.dumps({"model": {}, "learning_rate": full, "training": {"numb_steps": 1000}})
    )
    return path


@pytest.mark.parametrize(("key", "section"), EXTENSIONS, ids=EXTENSION_IDS)
def test_extension_refused_in_a_deepmd_input(key, section, tmp_path):
    path = _deepmd_input(tmp_path, section)
    with pytest.raises(lrs.ConfigError) as info:
        lrs.load_input(path)
    message = str(info.value)
    assert "extension" in message and "extensions=True" in message
    assert f"learning_rate.{key}" in message
    loaded, num_steps = lrs.load_input(path, extensions=True)
    lrs.make_schedule(loaded, num_steps)  # and accepted when allowed


@pytest.mark.parametrize(("key", "section"), EXTENSIONS, ids=EXTENSION_IDS)
def test_extension_accepted_in_python_and_bare_sections(key, section, tmp_path):
    full = {"start_lr": 1e-3, "stop_lr": 1e-6, **section}
    lrs.make_schedule(full, 1000)
    bare = tmp_path / "lr.json"
    bare.write_text(json.dumps(full))
    loaded, _ = lrs.load_input(bare)
    assert loaded == full


def test_extension_cli(tmp_path, capsys):
    from lrschedules_jax import cli

    path = _deepmd_input(tmp_path, {"type": "wsd", "decay_type": "1-sqrt"})
    assert cli.main(["check", str(path)]) == 2
    out = capsys.readouterr()
    assert "extension" in out.err and "--extensions" in out.err
    assert cli.main(["check", "--extensions", str(path)]) == 0
    bare = tmp_path / "lr.json"
    bare.write_text(json.dumps({"type": "rex", "start_lr": 1e-3, "stop_lr": 1e-6}))
    assert cli.main(["check", "--num-steps", "1000", str(bare)]) == 0


def test_plain_deepmd_input_unaffected(tmp_path):
    path = _deepmd_input(
        tmp_path,
        {"type": "wsd", "decay_type": "cosine", "decay_phase_ratio": 0.2, "warmup_steps": 10},
    )
    section, num_steps = lrs.load_input(path)
    assert num_steps == 1000 and section["decay_type"] == "cosine"


def test_schema_marks_extensions():
    schema = lrs.json_schema()
    text = json.dumps(schema)
    assert (
        text.count('"x-extension": true') >= 6
    )  # rex, warmup_type, decay_phase_steps, cycle_limit, k_decay, noise_*, batch_scaling
    types = {
        v["properties"]["type"]["const"]: v.get("x-extension", False)
        for v in schema.get("$defs", {}).values()
        if "const" in v.get("properties", {}).get("type", {})
    }
    assert {name for name, marked in types.items() if not marked} == {"exp", "cosine", "wsd"}
    assert types["rex"] and types["step"] and types["sequence"]


def test_builders_take_the_new_keys():
    """Each builder takes the extension keys and equals the schedule of the same JSON keys."""
    rows = [
        ("wsd", dict(start_lr=1.0, stop_lr=0.1, decay_phase_steps=10, decay_type="1-sqrt",
                     warmup_steps=5, warmup_type="cosine")),
        ("rex", dict(start_lr=1.0, stop_lr=0.0, warmup_steps=5, warmup_type="1-sqrt")),
        ("cosine_restarts", dict(start_lr=1.0, stop_lr=0.0, cycle_steps=10, cycle_limit=2,
                                 k_decay=0.5)),
        ("cosine", dict(start_lr=1.0, stop_lr=0.0, noise_range_steps=[0, 50], noise_pct=0.1)),
        ("constant", dict(start_lr=1.0, warmup_steps=10,
                          batch_scaling={"batch_size": 512, "reference_batch_size": 256})),
    ]  # fmt: skip
    for name, keys in rows:
        built = getattr(lrs, name)(**keys, num_steps=100)
        assert built == lrs.make_schedule({"type": name, **keys}, 100), name
        assert built.to_config() == lrs.make_schedule({"type": name, **keys}, 100).to_config()

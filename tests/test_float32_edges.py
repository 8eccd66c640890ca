"""Float32 edge cases: every valid config gives, at every int32 step, a finite rate that is >= 0,
<= its peak and within 2e-6 of a float64 evaluation of SPEC.md's formula (issue 11, item 4).

XLA on the CPU flushes every float32 intermediate below 2**-126 (1.18e-38) to zero, and the
largest float32 is 3.4e38: the cases below put rates, slopes, factors or their products at those
edges. The reference is an independent float64 NumPy evaluation written here; where it is below
2**-126 the float32 value may be anything below 2**-126 too (float32 holds no relative accuracy
there), as in benchmarks/precision.py. The last test is a random search over extreme-but-valid
configs of all twelve types with a fixed budget (``LRS_F32_SEARCH`` sets a longer run).
"""

from __future__ import annotations

import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lrschedules_jax as lrs

INT32_MAX = 2**31 - 1
TINY = 2.0**-126
F32_MAX = float(np.finfo(np.float32).max)
TOL = 2e-6


# --- The float64 reference (SPEC.md sections 2 and 3), written independently. ---


def _warmup(cfg, n):
    if "warmup_ratio" in cfg:
        return int(cfg["warmup_ratio"] * n)
    return cfg.get("warmup_steps", 0)


def _stop(cfg):
    if "stop_lr" in cfg:
        return float(cfg["stop_lr"])
    return float(cfg["start_lr"]) * float(cfg.get("stop_lr_ratio", 0.0))


def _half_cos(remaining, length):
    return np.sin(np.pi / 2 * remaining / length) ** 2


def _decay(cfg, n, t):
    """The unscaled rate after warmup at decay steps ``t`` (int64 array >= 0)."""
    kind = cfg.get("type", "exp")
    s0, e = float(cfg["start_lr"]), _stop(cfg)
    length = n - _warmup(cfg, n)
    tf = t.astype(np.float64)
    if kind == "constant":
        return np.full(t.shape, s0)
    if kind == "exp":
        ds, rate = cfg.get("decay_steps", 5000), cfg.get("decay_rate")
        if rate is None:
            if ds >= length:
                ds = 100 if length // 10 > 100 else length // 100 + 1
            rate = math.exp(math.log(max(e, 1e-10) / s0) / (length / ds))
        k = tf / ds if cfg.get("smooth") else (t // ds).astype(np.float64)
        return np.maximum(s0 * np.exp(k * math.log(rate)), e)
    if kind == "cosine":
        rem = np.clip(length - t, 0, length).astype(np.float64)
        return np.where(t >= length, e, e + (s0 - e) * _half_cos(rem, length))
    if kind == "wsd":
        d = max(1, min(int(cfg.get("decay_phase_ratio", 0.1) * n), length))
        stable = length - d
        rem = np.clip(length - t, 0, d).astype(np.float64)
        tau = np.clip(t - stable, 0, d) / d
        shape = cfg.get("decay_type", "inverse_linear")
        if shape == "inverse_linear":
            lr = 1.0 / (tau / e + (rem / d) / s0)
        elif shape == "cosine":
            lr = e + (s0 - e) * _half_cos(rem, d)
        else:
            lr = e + (s0 - e) * (rem / d)
        return np.where(t < stable, s0, np.where(t >= length, e, lr))
    if kind in ("polynomial", "linear"):
        left = (length - np.minimum(t, length)).astype(np.float64) / length
        return e + (s0 - e) * left ** cfg.get("power", 1.0)
    if kind == "step":
        k = (t // cfg["step_size"]).astype(np.float64)
        return s0 * np.exp(k * math.log(cfg.get("gamma", 0.1)))
    if kind == "multistep":
        k = np.searchsorted(np.asarray(cfg["milestones"]), t, side="right").astype(np.float64)
        return s0 * np.exp(k * math.log(cfg.get("gamma", 0.1)))
    if kind == "inverse_sqrt":
        w = _warmup(cfg, n)
        tau = cfg.get("timescale") or (w if w > 0 else 10000)
        return np.maximum(s0 * np.sqrt(tau / (tf + tau)), e)
    if kind == "cosine_restarts":
        first, mult = cfg["cycle_steps"], cfg.get("cycle_mult", 1)
        i = np.zeros(t.shape, np.int64)
        start = np.zeros(t.shape, np.int64)
        size = np.full(t.shape, first, dtype=object)
        if mult == 1:
            i, start = t // first, (t // first) * first
        else:
            begin, length_i, j = 0, first, 0
            while begin <= INT32_MAX:
                here = t >= begin
                i[here], start[here], size[here] = j, begin, length_i
                begin, length_i, j = begin + length_i, length_i * mult, j + 1
        size = size.astype(np.float64)
        peak = s0 * np.exp(i.astype(np.float64) * math.log(cfg.get("cycle_decay", 1.0)))
        rem = size - (t - start).astype(np.float64)
        return e + np.maximum(peak - e, 0) * _half_cos(rem, size)
    raise AssertionError(kind)


def _reference(cfg, n, steps):
    """The unscaled float64 rate at int64 ``steps``."""
    kind = cfg.get("type", "exp")
    steps = np.maximum(steps, 0)
    if kind == "one_cycle":
        peak, pct = cfg["max_lr"], cfg.get("pct_start", 0.3)
        initial = peak / cfg.get("div_factor", 25.0)
        low = initial / cfg.get("final_div_factor", 1e4)
        if cfg.get("three_phase"):
            phases = [(pct * n - 1, initial, peak), (2 * pct * n - 2, peak, initial)]
            phases.append((n - 1.0, initial, low))
        else:
            phases = [(pct * n - 1, initial, peak), (n - 1.0, peak, low)]
        k = steps.astype(np.float64)
        out = np.full(k.shape, low)
        todo, begin = steps < n, 0.0
        for j, (end, a, b) in enumerate(phases):
            if end <= begin:  # an empty phase: torch never evaluates it
                continue
            here = todo & ((k <= end) | (j == len(phases) - 1))
            # Written from the lower end, without cancellation: b + (a - b) * left when falling,
            # a + (b - a) * (1 - left) when rising, left = (end - k) / (end - begin).
            left = (end - k[here]) / (end - begin)
            done = (k[here] - begin) / (end - begin)
            cos = cfg.get("anneal_strategy", "cos") == "cos"
            if a > b:
                out[here] = b + (a - b) * (np.sin(np.pi / 2 * left) ** 2 if cos else left)
            else:
                out[here] = a + (b - a) * (np.sin(np.pi / 2 * done) ** 2 if cos else done)
            todo &= ~here
            begin = end
        return out
    if kind == "cyclic":
        up = cfg.get("step_size_up", 2000)
        down = cfg.get("step_size_down") or up
        total = up + down
        cycle, pos = 1 + steps // total, steps % total
        h = np.where(pos <= up, pos / up, (total - pos) / down)
        if cfg.get("mode") == "triangular2":
            h = h * np.exp2(-(cycle - 1).astype(np.float64))
        elif cfg.get("mode") == "exp_range":
            h = h * np.exp(steps.astype(np.float64) * math.log(cfg.get("gamma", 1.0)))
        return cfg["base_lr"] + (cfg["max_lr"] - cfg["base_lr"]) * h
    w = _warmup(cfg, n)
    decay = _decay(cfg, n, np.maximum(steps - w, 0))
    if not w:
        return decay
    s0, f = float(cfg["start_lr"]), cfg.get("warmup_start_factor", 0.0)
    warm = f * s0 + (s0 - f * s0) * steps.astype(np.float64) / w
    return np.where(steps < w, warm, decay)


def _scale(cfg, workers):
    how = cfg.get("scale_by_worker", "linear")
    return {"linear": float(workers), "sqrt": math.sqrt(workers), "none": 1.0}[how]


def _peak(cfg):
    return float(cfg["max_lr"] if "max_lr" in cfg else cfg["start_lr"])


def _sample(cfg, n, rng=None, count=0):
    """Phase boundaries +- 3, powers of two, the last int32 steps, and random steps."""
    marks = {0, n, 2**24, INT32_MAX, _warmup(cfg, n)}
    sched = lrs.make_schedule(cfg, n)
    marks.update(sched.boundaries().values())
    steps = [m + d for m in marks for d in range(-3, 4)]
    steps += [2**k + d for k in range(31) for d in (-1, 0, 1)]
    if rng is not None:
        steps += list(rng.integers(0, n + 1, count)) + list(rng.integers(0, INT32_MAX, count))
        steps += list(np.geomspace(1, INT32_MAX, count).astype(np.int64))
    return np.unique(np.clip(np.asarray(steps, np.int64), 0, INT32_MAX))


def _errors(cfg, n, workers=1, steps=None, traced=False):
    """The float32 rates and their problems: not finite, negative, above the peak, inaccurate."""
    steps = _sample(cfg, n) if steps is None else np.asarray(steps, np.int64)
    sched = lrs.make_schedule(cfg, n, num_workers=workers)
    x = jnp.asarray(steps, jnp.int32)
    if traced:
        got = jax.jit(lambda s, t: s(t))(sched, x)
    else:
        got = jax.jit(sched)(x)
    got = np.asarray(got).astype(np.float64)
    scale = _scale(cfg, workers)
    ref = _reference(cfg, n, steps) * scale
    peak = _peak(cfg) * scale
    bad = []
    finite = np.isfinite(got)
    if not finite.all():
        bad.append(f"not finite at {steps[~finite][:3]}")
    if (got < 0).any():
        bad.append(f"negative at {steps[got < 0][:3]}")
    # A traced peak is start_lr times the worker scale in float32: 2 roundings of slack.
    above = got > float(np.float32(peak)) * (1 + 2**-22 if traced else 1)
    if above.any():
        bad.append(f"above the peak at {steps[above][:3]}")
    rel = np.abs(got - ref) / np.where(ref == 0, 1.0, ref)
    rel = np.where((ref < TINY) & (np.abs(got) < TINY), 0.0, rel)
    rel = np.where(finite, rel, np.inf)
    worst = int(np.argmax(rel))
    if rel[worst] > TOL:
        bad.append(
            f"rel. error {rel[worst]:.2e} at step {steps[worst]} "
            f"(got {got[worst]:.8e}, float64 {ref[worst]:.8e})"
        )
    return bad, float(rel.max())


# --- A random search over extreme-but-valid configs of all twelve types. ---


def _log_uniform(rng, low, high):
    return float(10 ** rng.uniform(math.log10(low), math.log10(high)))


def _rate(rng):
    """A rate anywhere in float32's normal range, often at its ends."""
    pick = rng.integers(4)
    if pick == 0:
        return _log_uniform(rng, 1.2e-38, 1e-30)
    if pick == 1:
        return _log_uniform(rng, 1e30, F32_MAX)
    return _log_uniform(rng, 1.2e-38, F32_MAX)


def _below(rng, peak):
    """0, or a rate in [1.2e-38, peak], often within a few ulps of either end."""
    pick = rng.integers(5)
    if pick == 0:
        return 0.0
    if pick == 1:
        return peak * (1 - float(rng.integers(0, 4)) * 2**-24)
    if pick == 2:
        return max(TINY, peak * 2.0 ** -float(rng.integers(0, 260)))
    return _log_uniform(rng, min(TINY, peak), peak) if peak > TINY else peak


def _factor(rng):
    """A factor in (0, 1]: 1, just below 1, tiny (below 1.2e-38 too), or anything."""
    pick = rng.integers(4)
    if pick == 0:
        return 1.0
    if pick == 1:
        return 1 - _log_uniform(rng, 1e-12, 1e-3)
    if pick == 2:
        return _log_uniform(rng, 1e-45, 1e-30)
    return _log_uniform(rng, 1e-45, 1.0)


def _steps_count(rng, n):
    return int(rng.integers(1, n + 1)) if rng.integers(2) else int(rng.choice([1, 2, 3, 1000]))


def random_config(rng):
    """A config of a random type with extreme values (it may still be invalid)."""
    kind = str(
        rng.choice(
            [
                *("exp", "cosine", "wsd", "constant", "step", "multistep", "polynomial"),
                *("linear", "inverse_sqrt", "cosine_restarts", "one_cycle", "cyclic"),
            ]
        )
    )
    n = int(rng.choice([1, 2, 10, 1000, 10**6, 10**9, INT32_MAX, int(rng.integers(1, INT32_MAX))]))
    cfg = {"type": kind}
    if kind == "one_cycle":  # phases of at least 2 steps (the reference skips no empty phase)
        n = max(n, 100)
        cfg["max_lr"] = _rate(rng)
        cfg["pct_start"] = float(rng.choice([0.3, 0.5, rng.uniform(0.05, 0.5)]))
        cfg["div_factor"] = float(rng.choice([1.0, 25.0, _log_uniform(rng, 1, 1e38)]))
        cfg["final_div_factor"] = float(rng.choice([1.0, 1e4, _log_uniform(rng, 1, 1e38)]))
        cfg["anneal_strategy"] = str(rng.choice(["cos", "linear"]))
        cfg["three_phase"] = bool(rng.integers(2))
    elif kind == "cyclic":
        cfg["max_lr"] = _rate(rng)
        cfg["base_lr"] = _below(rng, cfg["max_lr"])
        cfg["step_size_up"] = _steps_count(rng, INT32_MAX)
        cfg["step_size_down"] = _steps_count(rng, INT32_MAX)
        cfg["mode"] = str(rng.choice(["triangular", "triangular2", "exp_range"]))
        if cfg["mode"] == "exp_range":
            cfg["gamma"] = _factor(rng)
    else:
        cfg["start_lr"] = _rate(rng)
        if kind not in ("constant", "step", "multistep"):
            stop = _below(rng, cfg["start_lr"])
            if kind == "wsd" and stop == 0:
                stop = max(TINY, cfg["start_lr"] * 1e-3)
            cfg["stop_lr"] = stop
        if rng.integers(2):
            cfg["warmup_steps"] = int(rng.integers(0, n)) if n > 1 else 0
            cfg["warmup_start_factor"] = float(rng.choice([0.0, 1.0, _factor(rng)]))
        if kind == "exp":
            cfg["decay_steps"] = _steps_count(rng, n)
            cfg["smooth"] = bool(rng.integers(2))
            if rng.integers(2):
                cfg["decay_rate"] = _factor(rng)
        elif kind == "wsd":
            cfg["decay_phase_ratio"] = float(rng.choice([1.0, 0.1, rng.uniform(1e-9, 1)]))
            cfg["decay_type"] = str(rng.choice(["inverse_linear", "cosine", "linear"]))
        elif kind == "step":
            cfg["step_size"] = _steps_count(rng, n)
            cfg["gamma"] = _factor(rng)
        elif kind == "multistep":
            marks = rng.integers(1, INT32_MAX, int(rng.integers(1, 6)))
            cfg["milestones"] = sorted({int(m) for m in marks} | {1})
            cfg["gamma"] = _factor(rng)
        elif kind == "polynomial":
            cfg["power"] = float(
                rng.choice(
                    [0.5, 2.0, 7.5, _log_uniform(rng, 1e-30, 1e3), _log_uniform(rng, 1, 3e38)]
                )
            )
        elif kind == "inverse_sqrt":
            cfg["timescale"] = _steps_count(rng, INT32_MAX)
        elif kind == "cosine_restarts":
            cfg["cycle_steps"] = _steps_count(rng, n)
            cfg["cycle_mult"] = int(rng.choice([1, 2, 3, int(rng.integers(1, 1000))]))
            cfg["cycle_decay"] = _factor(rng)
    cfg["scale_by_worker"] = str(rng.choice(["linear", "sqrt", "none"]))
    workers = int(rng.choice([1, 1, 8, int(rng.integers(1, 10**6))]))
    return cfg, n, workers


def _valid(cfg, n, workers):
    try:
        lrs.make_schedule(cfg, n, num_workers=workers)
    except lrs.ConfigError:
        return False
    return True


def search(seed, count, sample=300):
    """``count`` valid random configs; the failures as (config, n, workers, traced, problems)."""
    rng = np.random.default_rng(seed)
    failures, done = [], 0
    while done < count:
        cfg, n, workers = random_config(rng)
        if not _valid(cfg, n, workers):
            continue
        done += 1
        steps = _sample(cfg, n, rng, sample)
        for traced in (False, True):
            bad, _ = _errors(cfg, n, workers, steps=steps, traced=traced)
            if bad:
                failures.append((cfg, n, workers, traced, bad))
    return failures


# --- The cases of issue 11, item 4, and neighbours found by the search. ---

# (id, config, num_steps, num_workers, a step the issue names or that failed)
CASES = [
    ("wsd-1e38-equal-rates", {"type": "wsd", "start_lr": 1e38, "stop_lr": 1e38}, 100, 1, 90),
    ("wsd-1e30-1e20", {"type": "wsd", "start_lr": 1e30, "stop_lr": 1e20}, 10**9, 1, 900_000_000),
    (
        "wsd-linear-at-float32-max",
        {"type": "wsd", "start_lr": F32_MAX, "stop_lr": 1e38, "decay_type": "linear"},
        1000,
        1,
        950,
    ),
    (
        "wsd-linear-tiny-slope",
        {"type": "wsd", "start_lr": 3e-38, "stop_lr": 1.2e-38, "decay_type": "linear"},
        10**9,
        1,
        900_000_000,
    ),
    (
        "wsd-cosine-rates-near-tiny",
        {"type": "wsd", "start_lr": 2.3e-38, "stop_lr": 1.2e-38, "decay_type": "cosine"},
        10**6,
        1,
        900_000,
    ),
    (
        "exp-smooth-3.4e38",
        {"type": "exp", "start_lr": 3.4e38, "stop_lr": 1e-30, "smooth": True},
        10**6,
        1,
        781_557,
    ),
    (
        "exp-stepped-3.4e38",
        {"type": "exp", "start_lr": 3.4e38, "stop_lr": 1e-30},
        10**6,
        1,
        785_013,
    ),
    (
        "exp-smooth-traced-deep",
        {"type": "exp", "start_lr": 1.6e12, "stop_lr": TINY, "decay_steps": 3, "smooth": True},
        1000,
        1,
        2185,
    ),
    (
        "step-gamma-1e-40",
        {"type": "step", "start_lr": 1e30, "gamma": 1e-40, "step_size": 1000},
        10**6,
        1,
        1000,
    ),
    (
        "multistep-gamma-1e-40",
        {"type": "multistep", "start_lr": 3e38, "milestones": [5, 10], "gamma": 1e-40},
        1000,
        1,
        5,
    ),
    (
        "cosine-restarts-decay-1e-30",
        {"type": "cosine_restarts", "start_lr": 3e38, "stop_lr": 0.0, "cycle_decay": 1e-30}
        | {"cycle_steps": 10},
        1000,
        1,
        20,
    ),
    (
        "cyclic-exp-range-3e38",
        {"type": "cyclic", "base_lr": 0.0, "max_lr": 3e38, "mode": "exp_range", "gamma": 0.9}
        | {"step_size_up": 10},
        1000,
        1,
        1201,
    ),
    (
        "warmup-slope-below-tiny",
        {"type": "constant", "start_lr": 1e-30, "warmup_steps": 2**30},
        INT32_MAX,
        1,
        13,
    ),
    (
        "warmup-start-below-tiny-before-worker-scale",
        {"type": "constant", "start_lr": 1e-30, "warmup_start_factor": 1e-10}
        | {"warmup_steps": 1000},
        10**6,
        1000,
        0,
    ),
    (
        "one-cycle-div-factors-overflow",
        {"type": "one_cycle", "max_lr": 9e35, "pct_start": 0.5, "div_factor": 1.4e34}
        | {"final_div_factor": 4.4e10, "three_phase": True},
        100,
        8,
        99,
    ),
    (
        "linear-tiny-start-jit-constant-folding",  # XLA folded 1 / T * start_lr * 2**-121 to 0
        {"type": "linear", "start_lr": 1.93e-37, "stop_lr": 0.0},
        144_021_127,
        1,
        0,
    ),
    (
        "cyclic-triangular2-halvings-of-a-huge-amplitude",
        {"type": "cyclic", "base_lr": 9.6e-33, "max_lr": 8.9e28, "mode": "triangular2"}
        | {"step_size_up": 2, "step_size_down": 3},
        10,
        8,
        644,
    ),
    *[
        (
            f"polynomial-power-{p:g}",
            {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 0.0, "power": p},
            108_641_718,
            1,
            step,
        )
        for p, step in [(7.5, 100_000_000), (15.0, 74_297_372), (19.0, 91_656_669)]
    ],
    (
        "polynomial-power-1e5-near-1",
        {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 0.0, "power": 1e5},
        INT32_MAX,
        1,
        10**6,
    ),
    (
        "polynomial-power-1234.567-stop",
        {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 1e-5, "power": 1234.567},
        1000,
        1,
        6,
    ),
]


@pytest.mark.parametrize("traced", [False, True], ids=["folded", "traced"])
@pytest.mark.parametrize(
    ("cfg", "n", "workers", "step"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_issue_case(cfg, n, workers, step, traced):
    """Finite, >= 0, <= the peak and within 2e-6 of float64 at the named step and on a dense
    sample (phase boundaries, powers of two, 2,000 random and log-spaced steps)."""
    rng = np.random.default_rng(0)
    steps = np.append(_sample(cfg, n, rng, 2000), [step + d for d in (-1, 0, 1)])
    steps = np.unique(np.clip(steps, 0, INT32_MAX))
    bad, _ = _errors(cfg, n, workers, steps=steps, traced=traced)
    assert not bad, bad


def test_named_values():
    """The values the issue names, against the float64 numbers."""
    wsd = lrs.wsd(start_lr=1e38, stop_lr=1e38, num_steps=100)
    assert float(wsd(90)) == pytest.approx(1e38, rel=1e-7)
    wsd = lrs.wsd(start_lr=1e30, stop_lr=1e20, num_steps=10**9)
    assert float(wsd(900_000_000)) == pytest.approx(1e30, rel=1e-7)
    # one step into the decay: 1 / (1 / (e D) + (D - 1) / (s0 D))
    d = 10**8
    expected = 1 / (1 / (1e20 * d) + (d - 1) / (1e30 * d))
    assert float(wsd(900_000_001)) == pytest.approx(expected, rel=2e-6)
    step = lrs.step(start_lr=1e30, gamma=1e-40, step_size=1000, num_steps=10**6)
    assert float(step(1000)) == pytest.approx(1e-10, rel=2e-6)
    assert float(step(2000)) == 0.0  # 1e-50: below float32's range
    warm = lrs.constant(
        start_lr=1e-30,
        warmup_start_factor=1e-10,
        warmup_steps=1000,
        num_steps=10**6,
        num_workers=1000,
    )
    assert float(warm(0)) == pytest.approx(1e-37, rel=2e-6)


@pytest.mark.parametrize("factor", [1e-40, 5e-324])
def test_subnormal_warmup_start_factor_is_refused(factor):
    """A traced (jit-argument or stacked) schedule holds it as a float32 number, which would
    flush to 0: the bound is the smallest normal float32."""
    with pytest.raises(
        lrs.ConfigError, match=r"warmup_start_factor: must be 0 or at least 1\.175494e-38"
    ):
        lrs.constant(start_lr=1.0, warmup_start_factor=factor, warmup_steps=10, num_steps=100)


def test_random_search():
    """Random extreme-but-valid configs of all twelve types (folded and traced): no failure.

    The budget is fixed (40 configs, seed 0); ``LRS_F32_SEARCH=count[,seed]`` runs more, e.g.
    ``LRS_F32_SEARCH=2000,1 pytest tests/test_float32_edges.py -k random``.
    """
    count, seed = 40, 0
    if os.environ.get("LRS_F32_SEARCH"):
        parts = [int(x) for x in os.environ["LRS_F32_SEARCH"].split(",")]
        count, seed = parts[0], parts[1] if len(parts) > 1 else 0
    failures = search(seed, count, sample=200)
    assert not failures, failures[:5]

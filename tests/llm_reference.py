"""Float64 NumPy references for the LLM schedules' pieces (docs/llm_schedules.md).

- ``*_shape``: the warmup and decay factors of lrschedules_jax/_shapes.py, in the
  well-conditioned form of each formula (``sin²`` for ``(1 -+ cos) / 2``, ``x / (1 +
  sqrt(1 - x))`` for ``1 - sqrt(1 - x)``, ``-expm1(k log1p(-x))`` for ``1 - (1 - x) ** k``) on
  exact integer distances, so that they stay exact where a factor is 1e-9 of the peak;
- ``ref_*``: the case table's references (tests/cases.py: one per formula), called with the
  keys as keyword arguments;
- ``hf_*``, ``timm_*``, ``goyal_*``: the peers' formulas transcribed as they are written
  (HF transformers ``_get_wsd_scheduler_lambda``, timm ``CosineLRScheduler._get_lr`` and
  ``Scheduler._add_noise``, Goyal et al.'s large-batch rule), for the cross-checks against
  ``ref_*`` and against the real packages (tests/llm_peers.py).

Steps are NumPy int64 arrays; every function is vectorized over them.
"""

from __future__ import annotations

import math

import cases
import numpy as np

INT32_MAX = 2**31 - 1


def _steps(step):
    return np.maximum(np.asarray(step, dtype=np.int64), 0)


# --- shapes (float64, well conditioned) -----------------------------------------------------


def warmup_shape(kind, done, length):
    """The warmup factor at ``p = done / length`` (``length`` may be real): 0 -> 1."""
    p = np.asarray(done, np.float64) / length
    rest = np.maximum(length - np.asarray(done, np.float64), 0.0) / length  # 1 - p
    if kind == "linear":
        return p
    if kind == "cosine":  # (1 - cos(pi p)) / 2
        return np.sin(np.pi / 2 * p) ** 2
    if kind == "1-sqrt":  # 1 - sqrt(1 - p)
        return p / (1.0 + np.sqrt(rest))
    raise ValueError(kind)


def decay_shape(kind, remaining, length):
    """The decay factor at ``tau = 1 - remaining / length``: 1 -> 0."""
    x = np.asarray(remaining, np.float64) / length  # 1 - tau, exact integer numerator
    tau = (length - np.asarray(remaining, np.float64)) / length
    if kind == "linear":
        return x
    if kind == "cosine":  # (1 + cos(pi tau)) / 2
        return np.sin(np.pi / 2 * x) ** 2
    if kind == "1-sqrt":  # 1 - sqrt(tau)
        return x / (1.0 + np.sqrt(tau))
    if kind == "rex":  # (1 - tau) / (1 - tau / 2)
        r = np.asarray(remaining, np.float64)
        return 2.0 * r / (length + r)
    raise ValueError(kind)


def cos_k_shape(done, length, k):
    """timm's ``(1 + cos(pi (done / length) ** k)) / 2``, well conditioned at both ends."""
    done = np.asarray(done, np.float64)
    q = done / length
    x = (length - done) / length
    with np.errstate(divide="ignore"):
        u = np.where(
            q < 0.5, -np.expm1(k * np.log(q)), -np.expm1(k * np.log1p(-np.minimum(x, 0.5)))
        )
    return np.sin(np.pi / 2 * u) ** 2


def wsd_decay_steps(num_steps, warmup_steps=0, decay_phase_ratio=None, decay_phase_steps=None):
    """``D``: ``decay_phase_steps`` as given, or DeePMD's ``max(1, min(int(rho N), T))``."""
    if decay_phase_steps is not None:
        return decay_phase_steps
    rho = 0.1 if decay_phase_ratio is None else decay_phase_ratio
    return max(1, min(int(rho * num_steps), num_steps - warmup_steps))


def _keys(**keys):
    """The keyword arguments that are given (not None), as config keys."""
    return {k: v for k, v in keys.items() if v is not None}


def ref_wsd(step, num_steps, start_lr, stop_lr, **keys):
    """The case table's wsd reference (tests/cases.py), called with the keys as arguments."""
    config = {"type": "wsd", "start_lr": start_lr, "stop_lr": stop_lr, **_keys(**keys)}
    return cases.reference(config, num_steps, _steps(step))


def ref_cooldown(step, base, at_step, length, decay_type=None, stop_lr=None):
    """``Schedule.cooldown(at_step, length)`` of a wsd ``base`` (a dict of ref_wsd's keys).

    Equals the wsd whose stable phase ends at ``at_step``: ``num_steps = at_step + length``,
    ``decay_phase_steps = length``, everything else as ``base``.
    """
    keys = dict(base)
    keys.pop("decay_phase_ratio", None)
    keys.pop("num_steps", None)
    if decay_type is not None:
        keys["decay_type"] = decay_type
    if stop_lr is not None:
        keys["stop_lr"] = stop_lr
    return ref_wsd(step, at_step + length, decay_phase_steps=length, **keys)


def hf_wsd_factor(
    step,
    *,
    num_warmup_steps,
    num_stable_steps,
    num_decay_steps,
    warmup_type="linear",
    decay_type="cosine",
    min_lr_ratio=0.0,
    num_cycles=0.5,
):
    """HF transformers ``_get_wsd_scheduler_lambda``, as written (the factor of the peak lr)."""
    out = []
    for s in np.asarray(step, dtype=np.int64).ravel().tolist():
        if s < num_warmup_steps:
            p = float(s) / float(max(1, num_warmup_steps))
            f = {
                "linear": p,
                "cosine": 0.5 * (1.0 - math.cos(math.pi * p)),
                "1-sqrt": 1.0 - math.sqrt(1.0 - p),
            }[warmup_type]
            out.append(max(0.0, f * (1.0 - min_lr_ratio) + min_lr_ratio))
        elif s < num_warmup_steps + num_stable_steps:
            out.append(1.0)
        elif s < num_warmup_steps + num_stable_steps + num_decay_steps:
            p = float(s - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))
            f = {
                "linear": 1.0 - p,
                "cosine": 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * p)),
                "1-sqrt": 1.0 - math.sqrt(p),
            }[decay_type]
            out.append(max(0.0, f * (1.0 - min_lr_ratio) + min_lr_ratio))
        else:
            out.append(min_lr_ratio)
    return np.asarray(out).reshape(np.shape(step))


def wsd_keys_from_hf(
    lr,
    *,
    num_warmup_steps,
    num_decay_steps,
    num_training_steps,
    warmup_type,
    decay_type,
    min_lr_ratio,
):
    """Our wsd keys for HF's ``get_wsd_schedule(...)`` arguments (docs/llm_schedules.md)."""
    return {
        "num_steps": num_training_steps,
        "start_lr": lr,
        "stop_lr": lr * min_lr_ratio,
        "decay_phase_steps": num_decay_steps,
        "decay_type": decay_type,
        "warmup_steps": num_warmup_steps,
        "warmup_type": warmup_type,
        "warmup_start_factor": min_lr_ratio,
    }


# --- REX ------------------------------------------------------------------------------------


def ref_rex(step, num_steps, start_lr, stop_lr, **keys):
    """The case table's REX reference (tests/cases.py), called with the keys as arguments."""
    config = {"type": "rex", "start_lr": start_lr, "stop_lr": stop_lr, **_keys(**keys)}
    return cases.reference(config, num_steps, _steps(step))


def rex_paper(z):
    """The REX profile as the paper writes it, ``(1 - z) / (1 - z / 2)`` (for cross-checks)."""
    z = np.asarray(z, np.float64)
    return (1 - z) / (1 - z / 2)


# --- cosine restarts as timm's CosineLRScheduler --------------------------------------------


def cycle_of(t, first, mult):
    """Exact ``(i, t_curr, t_i)`` of decay step ``t``, by Python integer arithmetic."""
    t = int(t)
    if mult == 1:
        return t // first, t % first, first
    i, start, length = 0, 0, first
    while t >= start + length:
        start += length
        length *= mult
        i += 1
    return i, t - start, length


def ref_cosine_restarts(step, start_lr, stop_lr, cycle_steps, **keys):
    """The case table's cosine_restarts reference (tests/cases.py: timm's cosine with restarts,
    ``warmup_prefix=True``, exact cycle index, the amplitude clamped at 0), called with the
    keys as arguments, for a run of 2**31 - 1 steps."""
    config = {
        "type": "cosine_restarts",
        "start_lr": start_lr,
        "stop_lr": stop_lr,
        "cycle_steps": cycle_steps,
        **_keys(**keys),
    }
    return cases.reference(config, INT32_MAX, _steps(step))


def timm_cosine_lr(
    t,
    *,
    base_lr,
    t_initial,
    lr_min=0.0,
    cycle_mul=1.0,
    cycle_decay=1.0,
    cycle_limit=1,
    warmup_t=0,
    warmup_lr_init=0.0,
    warmup_prefix=False,
    k_decay=1.0,
):
    """timm ``CosineLRScheduler._get_lr`` for one param group, as written (float log index)."""
    out = []
    for s in np.asarray(t, dtype=np.int64).ravel().tolist():
        if s < warmup_t:
            out.append(warmup_lr_init + s * (base_lr - warmup_lr_init) / warmup_t)
            continue
        if warmup_prefix:
            s = s - warmup_t
        if cycle_mul != 1:
            i = math.floor(math.log(1 - s / t_initial * (1 - cycle_mul), cycle_mul))
            t_i = cycle_mul**i * t_initial
            t_curr = s - (1 - cycle_mul**i) / (1 - cycle_mul) * t_initial
        else:
            i = s // t_initial
            t_i = t_initial
            t_curr = s - (t_initial * i)
        lr_max = base_lr * cycle_decay**i
        if i < cycle_limit:
            out.append(
                lr_min
                + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t_curr**k_decay / t_i**k_decay))
            )
        else:
            out.append(lr_min)
    return np.asarray(out).reshape(np.shape(t))


def restarts_keys_from_timm(
    *,
    base_lr,
    t_initial,
    lr_min,
    cycle_mul,
    cycle_decay,
    cycle_limit,
    warmup_t,
    warmup_lr_init,
    k_decay,
):
    """Our cosine_restarts keys for timm's ``CosineLRScheduler(..., warmup_prefix=True)``."""
    return {
        "start_lr": base_lr,
        "stop_lr": lr_min,
        "cycle_steps": t_initial,
        "cycle_mult": int(cycle_mul),
        "cycle_decay": cycle_decay,
        "cycle_limit": cycle_limit,
        "k_decay": k_decay,
        "warmup_steps": warmup_t,
        "warmup_start_factor": warmup_lr_init / base_lr,
    }


# --- LR noise (timm's Scheduler) --------------------------------------------------------------


def noise_in_range(step, noise_range):
    """timm's ``_is_apply_noise``: ``[a, b)`` for a pair, ``t >= a`` for a single start."""
    step = np.asarray(step, np.int64)
    if isinstance(noise_range, (list, tuple)):
        if len(noise_range) == 1:
            return step >= noise_range[0]
        return (noise_range[0] <= step) & (step < noise_range[1])
    return step >= noise_range


def noise_cdf(x, noise_type, pct, std=1.0):
    """The CDF of timm's noise: ``std * N(0, 1)`` redrawn until ``|noise| < pct``; or uniform."""
    x = np.asarray(x, np.float64)
    if noise_type == "uniform":
        return np.clip((x + pct) / (2 * pct), 0.0, 1.0)

    def phi(v):
        return 0.5 * (1.0 + np.vectorize(math.erf)(v / (std * math.sqrt(2.0))))

    lo, hi = phi(-pct), phi(pct)
    return np.clip((phi(np.clip(x, -pct, pct)) - lo) / (hi - lo), 0.0, 1.0)


def noise_moments(noise_type, pct, std=1.0):
    """Mean (0) and variance of the noise, in closed form (truncated normal or uniform)."""
    if noise_type == "uniform":
        return 0.0, pct**2 / 3.0
    a = pct / std
    pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(a / math.sqrt(2))
    return 0.0, std**2 * (1.0 - 2.0 * a * pdf / mass)


# --- the large-batch rule ------------------------------------------------------------------------


def goyal_large_batch_schedule(step, base_lr, base_batch, actual_batch, warmup_steps):
    """The linear scaling rule with a gradual warmup (Goyal et al. 2017, "Accurate, Large
    Minibatch SGD", section 2), one step at a time: the rate ``base_lr * k`` (``k`` the batch
    ratio), reached linearly from 0 over ``warmup_steps * k`` steps."""
    out = []
    for s in np.asarray(step, dtype=np.int64).ravel().tolist():
        scale = actual_batch / base_batch
        target_lr = base_lr * scale
        scaled_warmup = warmup_steps * scale
        out.append(target_lr * s / scaled_warmup if s < scaled_warmup else target_lr)
    return np.asarray(out).reshape(np.shape(step))


def batch_factor(batch_size, reference_batch_size, rule="linear"):
    k = batch_size / reference_batch_size
    return k if rule == "linear" else math.sqrt(k)


def _batch_block(batch_size, reference_batch_size, rule, scale_warmup=True):
    return {
        "batch_size": batch_size,
        "reference_batch_size": reference_batch_size,
        "rule": rule,
        "scale_warmup": scale_warmup,
    }


def warmup_boundary(warmup_steps, batch_size, reference_batch_size, rule="linear"):
    """The first step not in the scaled warmup: the smallest integer ``>= k w`` (the case
    table's count, in integers)."""
    block = _batch_block(batch_size, reference_batch_size, rule)
    return cases.warmup_of({"warmup_steps": warmup_steps, "batch_scaling": block}, INT32_MAX)


def ref_batch_scaled_constant(
    step,
    start_lr,
    warmup_steps,
    batch_size,
    reference_batch_size,
    *,
    rule="linear",
    scale_warmup=True,
    warmup_start_factor=0.0,
    warmup_type="linear",
):
    """``constant`` with a warmup and a ``batch_scaling`` block: the case table's reference."""
    config = {
        "type": "constant",
        "start_lr": start_lr,
        "warmup_steps": warmup_steps,
        "warmup_start_factor": warmup_start_factor,
        "warmup_type": warmup_type,
        "batch_scaling": _batch_block(batch_size, reference_batch_size, rule, scale_warmup),
    }
    return cases.reference(config, INT32_MAX, _steps(step))

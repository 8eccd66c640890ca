"""The case table: one entry per schedule type, read by every generic test and by
``benchmarks/precision.py``.

An entry (``TypeCase``) holds, for its type:

- ``reference(config, num_steps, steps)``: an independent float64 NumPy evaluation of the
  formula (DeePMD-kit's for its types, PyTorch's closed forms for the classic types), written from
  the formulas and never from the package. It resolves the derived values itself
  (``stop_lr_ratio``, ``warmup_ratio``, exp's ``decay_steps`` replacement and derived rate,
  and the ``batch_scaling`` block: ``k``, the scaled warmup's real length and integer end).
- ``marks(config, num_steps)``: the steps worth sampling around, as ``Marks`` (phase
  boundaries, stairs/restarts/milestones/cycle marks, and the phases whose two ends matter).
- ``examples``: valid ``(id, config, num_steps)`` the value, pytree and round-trip tests run.
- ``base``: the valid config the bad-input corpus perturbs (with ``num_steps = N``).
- ``bench``: the ``(label, config or N -> config)`` rows of the precision benchmark.
- ``strategy``, ``peak``, ``phases``, ``property_marks``, ``continuous_at_warmup_end``: what
  the property tests (tests/test_properties.py) draw and check.

Adding a type is one ``TypeCase`` in ``TYPES`` (a test fails until every registered type has
one). Configs are the JSON ``learning_rate`` mappings of the public API; nothing here reads an
internal of the package.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np
from hypothesis import strategies as st

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)
N = 10_000  # num_steps of the bad-input corpus and of the config-rule tests

Config = dict[str, Any]


class Marks(NamedTuple):
    """Steps to sample around: ``bounds`` (phase boundaries, +- a few steps), ``stairs``
    (stairs, milestones, restarts, cycle marks; +- 2 steps, at most ``MAX_MARKS``) and
    ``phases`` (``(start, end)`` pairs whose first and last steps are sampled densely)."""

    bounds: list[int]
    stairs: list[int]
    phases: list[tuple[int, int]]


# --- shared keys -----------------------------------------------------------------------------


def worker_scale_of(schedule: Any) -> float:
    """The worker scale a built section applies: that of its ``Product`` with the worker scale
    (or of its phases, which scale alike here), else 1."""
    kind = type(schedule).__name__
    if kind in ("Noisy", "Shifted"):
        return worker_scale_of(schedule.schedule)
    if kind == "Sequential":
        return max(worker_scale_of(p) for p in schedule.phases)
    if kind == "Product":
        inner = max(worker_scale_of(f) for f in schedule.factors)
        return float(schedule.worker_scale) * inner
    return 1.0


def written_warmup(cfg: Config, n: int) -> int:
    """``warmup_steps``, or ``int(warmup_ratio * N)``; 0 for the types without warmup keys."""
    if cfg.get("warmup_ratio") is not None:
        return int(cfg["warmup_ratio"] * n)
    return cfg.get("warmup_steps", 0)


def batch_factor(cfg: Config) -> float:
    """The large-batch rule's rate factor ``k`` (docs/llm_schedules.md §2.7); 1 without it."""
    block = cfg.get("batch_scaling")
    if not block:
        return 1.0
    ratio = block["batch_size"] / block["reference_batch_size"]
    return math.sqrt(ratio) if block.get("rule", "linear") == "sqrt" else ratio


def warmup_length(cfg: Config, n: int) -> float:
    """The real warmup length the fraction divides by: ``w``, or ``k w`` with ``scale_warmup``."""
    w = written_warmup(cfg, n)
    scaled = (cfg.get("batch_scaling") or {}).get("scale_warmup", False)
    return w * batch_factor(cfg) if scaled else float(w)


def warmup_of(cfg: Config, n: int) -> int:
    """The first step after the warmup: ``w``, or with ``batch_scaling.scale_warmup`` the
    smallest integer ``>= k w``, found by counting (integer comparisons, no rounding)."""
    w = written_warmup(cfg, n)
    block = cfg.get("batch_scaling") or {}
    if not block.get("scale_warmup") or not w:
        return w
    b, r = block["batch_size"], block["reference_batch_size"]
    below = int(warmup_length(cfg, n)) - 2  # a float guess, then exact integer steps up
    end = max(below, 0)
    if block.get("rule", "linear") == "sqrt":
        while end * end * r < w * w * b:
            end += 1
    else:
        while end * r < w * b:
            end += 1
    return end


def shared_keys(cfg: Config, n: int) -> tuple[float, float, int, float]:
    """start_lr, stop_lr, warmup_steps, warmup_start_factor as the config layer resolves them.

    stop_lr is 0 where the type has no end rate (constant, step, multistep) or where it is an
    optional floor that is not given (inverse_sqrt).
    """
    s0 = float(cfg["start_lr"])
    if cfg.get("stop_lr") is not None:
        e = float(cfg["stop_lr"])
    else:
        e = s0 * float(cfg.get("stop_lr_ratio") or 0.0)
    return s0, e, warmup_of(cfg, n), float(cfg.get("warmup_start_factor", 0.0))


def with_warmup(cfg: Config, n: int, steps: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """``f*s0 + (s0 - f*s0) * g(step / w)`` below w (``g`` by ``warmup_type``: ``p``,
    ``(1 - cos(pi p)) / 2``, ``1 - sqrt(1 - p)``), the decay (on t = step - w) after.

    With a ``batch_scaling`` block (docs/llm_schedules.md §2.7) everything is multiplied by
    ``k``, and with ``scale_warmup`` the warmup covers ``step < B = ceil(k w)`` with
    ``p = step / (k w)`` (the real length), the decay starting at ``B``.
    """
    s0, _, w, f = shared_keys(cfg, n)
    k = batch_factor(cfg)
    decay = np.asarray(decay, dtype=np.float64)
    if w == 0:
        return k * decay
    p = np.minimum(steps, w).astype(np.float64) / warmup_length(cfg, n)
    kind = cfg.get("warmup_type", "linear")
    if kind == "cosine":  # HF's (1 - cos(pi p)) / 2, written without cancellation
        g = np.sin(np.pi / 2 * p) ** 2
    elif kind == "1-sqrt":  # HF's 1 - sqrt(1 - p)
        g = p / (1 + np.sqrt(np.maximum(1 - p, 0)))
    else:
        g = p
    warm = f * s0 + (s0 - f * s0) * g
    return k * np.where(steps < w, warm, decay)


def half_cos(remaining: np.ndarray, length: int) -> np.ndarray:
    """``(1 + cos(pi * (1 - q))) / 2`` with ``q = remaining / length``, as ``sin(pi q / 2)**2``.

    The same value as ``0.5 * (1 + cos(pi * t / T))`` (``t = T - remaining``), written so
    that float64 keeps full relative accuracy where the factor is tiny (the end of a decay).
    """
    return np.sin(np.pi / 2 * np.asarray(remaining, dtype=np.float64) / length) ** 2


def _decay_step(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    return np.maximum(steps - warmup_of(cfg, n), 0)


# --- references: DeePMD-kit's types -------------------------------------------------------------


def exp_params(cfg: Config, n: int) -> tuple[int, float]:
    """The decay_steps DeePMD-kit uses and the decay rate (derived if not given)."""
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    ds = cfg.get("decay_steps", 5000)
    rate = cfg.get("decay_rate")
    if rate is None:
        if ds >= length:
            ds = 100 if length // 10 > 100 else length // 100 + 1
        rate = math.exp(math.log(max(e, 1e-10) / s0) / (length / ds)) if length else 1.0
    return ds, rate


def ref_exp(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, e, _, _ = shared_keys(cfg, n)
    ds, rate = exp_params(cfg, n)
    t = _decay_step(cfg, n, steps)
    power = t / ds if cfg.get("smooth", False) else (t // ds).astype(np.float64)
    return with_warmup(cfg, n, steps, np.maximum(s0 * rate**power, e))


def ref_cosine(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    t = _decay_step(cfg, n, steps)
    if length == 0:
        return with_warmup(cfg, n, steps, np.full(t.shape, s0))
    decay = e + (s0 - e) * half_cos(np.clip(length - t, 0, length), length)
    return with_warmup(cfg, n, steps, np.where(t >= length, e, decay))


def wsd_params(cfg: Config, n: int) -> tuple[int, int]:
    """D and S: decay-phase and stable lengths."""
    length = n - warmup_of(cfg, n)
    if cfg.get("decay_phase_steps") is not None:
        d = cfg["decay_phase_steps"]
    else:
        d = max(1, min(int(cfg.get("decay_phase_ratio", 0.1) * n), length))
    return d, length - d


def ref_wsd(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, e, w, _ = shared_keys(cfg, n)
    d, stable = wsd_params(cfg, n)
    length = n - w
    t = _decay_step(cfg, n, steps)
    remaining = np.clip(length - t, 0, d)  # (1 - tau) * D, exact
    tau = np.clip(t - stable, 0, d) / d
    kind = cfg.get("decay_type", "inverse_linear")
    if kind == "inverse_linear":
        decay = 1.0 / (tau / e + (remaining / d) / s0)
    elif kind == "cosine":
        decay = e + (s0 - e) * half_cos(remaining, d)
    elif kind == "1-sqrt":  # 1 - sqrt(tau) (Hägele et al. 2024) as (1 - tau) / (1 + sqrt(tau))
        decay = e + (s0 - e) * (remaining / d) / (1 + np.sqrt(tau))
    else:
        decay = e + (s0 - e) * (remaining / d)
    decay = np.where(t < stable, s0, np.where(t >= length, e, decay))
    return with_warmup(cfg, n, steps, decay)


def ref_rex(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """REX (Chen et al. 2022): ``e + (s0 - e) (1 - z) / (1 - z / 2)``, ``z = t / T``, written
    on the exact integer ``r = T - t`` as ``2 r / (T + r)``."""
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    t = _decay_step(cfg, n, steps)
    if length == 0:
        return with_warmup(cfg, n, steps, np.full(t.shape, s0))
    r = np.maximum(length - t, 0).astype(np.float64)
    return with_warmup(cfg, n, steps, e + (s0 - e) * 2.0 * r / (length + r))


# --- references: the classic types (PyTorch's closed forms) -------------------------------------


def ref_constant(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    s0, _, _, _ = shared_keys(cfg, n)
    return with_warmup(cfg, n, steps, np.full(steps.shape, s0))


def ref_step(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """torch ``StepLR``: ``s0 * gamma ** (t // step_size)``."""
    s0, _, _, _ = shared_keys(cfg, n)
    k = _decay_step(cfg, n, steps) // cfg["step_size"]
    return with_warmup(cfg, n, steps, s0 * cfg.get("gamma", 0.1) ** k.astype(np.float64))


def ref_multistep(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """torch ``MultiStepLR``: ``s0 * gamma ** bisect_right(milestones, t)``."""
    s0, _, _, _ = shared_keys(cfg, n)
    t = _decay_step(cfg, n, steps)
    k = np.searchsorted(np.asarray(cfg["milestones"], np.int64), t, side="right")
    return with_warmup(cfg, n, steps, s0 * cfg.get("gamma", 0.1) ** k.astype(np.float64))


def ref_polynomial(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``e + (s0 - e) * (1 - min(t, T) / T) ** power``; ``linear`` is power 1.

    ``1 - min(t, T) / T`` is evaluated as ``(T - min(t, T)) / T`` on the exact integer.
    """
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    t = _decay_step(cfg, n, steps)
    left = (length - np.minimum(t, length)).astype(np.float64) / length
    power = 1.0 if cfg.get("type") == "linear" else cfg.get("power", 1.0)
    return with_warmup(cfg, n, steps, e + (s0 - e) * left**power)


def ref_inverse_sqrt(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``max(s0 * sqrt(tau / (t + tau)), e)``, ``tau = timescale`` (default w, else 10000)."""
    s0, e, w, _ = shared_keys(cfg, n)
    tau = cfg.get("timescale") or (w if w > 0 else 10000)
    t = _decay_step(cfg, n, steps).astype(np.float64)
    return with_warmup(cfg, n, steps, np.maximum(s0 * np.sqrt(tau / (t + tau)), e))


def restart_cycles(
    t: np.ndarray, first: int, mult: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index, start and length of the cycle that holds each ``t`` (int64, exact).

    Cycle ``i`` has length ``first * mult**i``; the starts are summed as Python integers until
    one is past the largest ``t``, and each ``t`` is looked up among them.
    """
    t = np.asarray(t, dtype=np.int64)
    if mult == 1:
        i = t // first
        return i, i * first, np.full(t.shape, first, np.int64)
    starts, lengths = [0], [first]
    top = int(t.max(initial=0))
    while starts[-1] <= top:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * mult)
    i = np.searchsorted(np.asarray(starts, np.int64), t, side="right") - 1
    return i, np.asarray(starts, np.int64)[i], np.asarray(lengths[:-1], np.int64)[i]


def ref_cosine_restarts(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """torch ``CosineAnnealingWarmRestarts`` with the peak ``s0 * cycle_decay ** i``.

    ``e + max(s0 d**i - e, 0) * (1 + cos(pi t_i / L_i)) / 2``, the cosine written as
    ``sin(pi (L_i - t_i) / 2 L_i)**2`` on the exact integer ``L_i - t_i``.
    """
    s0, e, _, _ = shared_keys(cfg, n)
    t = _decay_step(cfg, n, steps)
    i, start, length = restart_cycles(t, cfg["cycle_steps"], cfg.get("cycle_mult", 1))
    peak = s0 * cfg.get("cycle_decay", 1.0) ** i.astype(np.float64)
    k = cfg.get("k_decay", 1.0)
    done, remaining = t - start, length - (t - start)
    if k == 1.0:
        shape = half_cos(remaining, length)
    else:  # timm's (1 + cos(pi q**k)) / 2 = sin²(pi/2 (1 - q**k)), 1 - q**k without cancellation
        q, x = done / length, remaining / length
        with np.errstate(divide="ignore"):
            u = np.where(q < 0.5, -np.expm1(k * np.log(q)), -np.expm1(k * np.log1p(-x)))
        shape = np.sin(np.pi / 2 * u) ** 2
    decay = e + np.maximum(peak - e, 0) * shape
    if cfg.get("cycle_limit") is not None:  # timm: lr_min from cycle cycle_limit on
        decay = np.where(i >= cfg["cycle_limit"], e, decay)
    return with_warmup(cfg, n, steps, decay)


def one_cycle_phases(cfg: Config, n: int) -> list[tuple[float, float, float]]:
    """torch's phases as (end step, from, to); the end steps computed in float64 as torch does."""
    peak, pct = cfg["max_lr"], cfg.get("pct_start", 0.3)
    initial = peak / cfg.get("div_factor", 25.0)
    low = initial / cfg.get("final_div_factor", 1e4)
    if cfg.get("three_phase", False):
        return [
            (float(pct * n) - 1, initial, peak),
            (float(2 * pct * n) - 2, peak, initial),
            (float(n - 1), initial, low),
        ]
    return [(float(pct * n) - 1, initial, peak), (float(n - 1), peak, low)]


def ref_one_cycle(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """torch ``OneCycleLR.get_lr`` for steps below N, its final value from N on."""
    return one_cycle_curve(one_cycle_phases(cfg, n), n, steps, cfg.get("anneal_strategy", "cos"))


def one_cycle_curve(
    phases: list[tuple[float, float, float]], n: int, steps: np.ndarray, strategy: str = "cos"
) -> np.ndarray:
    """torch ``OneCycleLR``'s annealing through ``phases`` (end step, from, to): the rate, or
    with the momentum's ends its momentum.

    Step k belongs to the first phase whose end step is >= k (the last one otherwise);
    ``pct = (k - start) / (end - start)``; ``cos``: ``b + (a - b) / 2 * (1 + cos(pi pct))``,
    ``linear``: ``(b - a) * pct + a``. Both are written from the phase's lower end, without
    cancellation (``a / b`` may be 1e30): falling, on ``1 - pct = (end - k) / (end - start)``,
    ``b + (a - b) * sin(pi/2 (1 - pct))**2`` and ``b + (a - b) * (1 - pct)``; rising,
    ``a + (b - a) * sin(pi/2 pct)**2`` and ``a + (b - a) * pct``. Where a phase has length 0
    (torch divides by zero) the value is the phase's end value ``b``; from N on, the last
    phase's end value.
    """
    steps = np.asarray(steps, dtype=np.int64)
    k = np.maximum(steps, 0).astype(np.float64)
    out = np.full(k.shape, phases[-1][2])
    todo = steps < n
    start = 0.0
    cos = strategy == "cos"
    for j, (end, a, b) in enumerate(phases):
        here = todo & ((k <= end) | (j == len(phases) - 1))
        if end == start:
            left, done = np.zeros(int(here.sum())), np.ones(int(here.sum()))
        else:
            left = (end - k[here]) / (end - start)
            done = (k[here] - start) / (end - start)
        if a > b:
            out[here] = b + (a - b) * (np.sin(np.pi / 2 * left) ** 2 if cos else left)
        else:
            out[here] = a + (b - a) * (np.sin(np.pi / 2 * done) ** 2 if cos else done)
        todo &= ~here
        start = end
    return out


def ref_cyclic(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """torch ``CyclicLR(cycle_momentum=False)``.

    torch: ``cycle = floor(1 + k / total)``, ``x = 1 + k / total - cycle``, ``h = x / r`` if
    ``x <= r`` else ``(x - 1) / (r - 1)`` with ``r = up / total``; ``lr = base + (max - base) *
    h * scale``, ``scale = 1``, ``0.5 ** (cycle - 1)`` or ``gamma ** k``. Here ``x * total`` is
    the exact integer ``k % total`` (torch's float ``x`` drifts at large k), so ``h = pos / up``
    or ``(total - pos) / down``.
    """
    up = cfg.get("step_size_up", 2000)
    down = cfg.get("step_size_down") or up
    total = up + down
    k = np.maximum(steps, 0)
    cycle = 1 + k // total
    pos = k % total
    h = np.where(pos <= up, pos / up, (total - pos) / down)
    mode = cfg.get("mode", "triangular")
    if mode == "triangular2":
        h = h * 0.5 ** (cycle - 1).astype(np.float64)
    elif mode == "exp_range":
        h = h * cfg.get("gamma", 1.0) ** k.astype(np.float64)
    return cfg["base_lr"] + (cfg["max_lr"] - cfg["base_lr"]) * h


# --- marks -------------------------------------------------------------------------------------

MAX_MARKS = 1000  # stairs, restarts or cycle marks per config (each +- 2 steps)


def pick(marks: np.ndarray | list[int], n: int, cap: int = MAX_MARKS) -> list[int]:
    """At most ``cap`` marks in [0, 2**31 - 1], evenly spread, plus those on either side of
    N, 2**24 and 2**31 - 1."""
    marks = np.asarray(marks, dtype=np.int64)
    if not np.all(np.diff(marks) > 0):  # an arithmetic progression is sorted already
        marks = np.unique(marks)
    marks = marks[(marks >= 0) & (marks <= INT32_MAX)]
    if len(marks) <= cap:
        return marks.tolist()
    keep = set(np.linspace(0, len(marks) - 1, cap).round().astype(int).tolist())
    for anchor in (n, 2**24, INT32_MAX):
        j = int(np.searchsorted(marks, anchor))
        keep.update(x for x in (j - 1, j) if 0 <= x < len(marks))
    return marks[sorted(keep)].tolist()


def _arithmetic(first: int, last: int, step: int) -> np.ndarray:
    """``first, first + step, ... <= last``; beyond 2**21 terms only the first thousand, the
    last three, and those on either side of every multiple of 2**24 (and N is near the start
    there, as the terms are short)."""
    count = (last - first) // step + 1
    if count <= 2**21:
        return np.arange(first, last + 1, step, dtype=np.int64)
    k = np.concatenate(
        [np.arange(1000), count - 1 - np.arange(3), (np.arange(1, 128) * 2**24 - first) // step]
    )
    k = np.unique(np.clip(np.concatenate([k, k + 1]), 0, count - 1))
    return first + step * k.astype(np.int64)


def warmup_marks(cfg: Config, n: int) -> Marks:
    """0, the end of warmup and N; the warmup and the decay as phases."""
    w = warmup_of(cfg, n)
    phases = [(0, w), (w, n)] if w else [(0, n)]
    return Marks([0, w, n], [], phases)


def exp_marks(cfg: Config, n: int) -> Marks:
    bounds, _, phases = warmup_marks(cfg, n)
    w = warmup_of(cfg, n)
    ds, _ = exp_params(cfg, n)
    stairs = [] if cfg.get("smooth") or w + ds > n else pick(_arithmetic(w + ds, n, ds), n)
    return Marks(bounds, stairs, phases)


def wsd_marks(cfg: Config, n: int) -> Marks:
    bounds, _, _ = warmup_marks(cfg, n)
    w = warmup_of(cfg, n)
    _, stable = wsd_params(cfg, n)
    phases = [(0, w)] if w else []
    return Marks([*bounds, w + stable], [], [*phases, (w + stable, n)])


def step_marks(cfg: Config, n: int) -> Marks:
    """Every stair ``w + k * step_size`` up to 2**31 - 1 (step keeps falling after N), capped."""
    bounds, _, phases = warmup_marks(cfg, n)
    w = warmup_of(cfg, n)
    stairs = _arithmetic(w + cfg["step_size"], INT32_MAX, cfg["step_size"])
    return Marks(bounds, pick(stairs, n), phases)


def multistep_marks(cfg: Config, n: int) -> Marks:
    bounds, _, phases = warmup_marks(cfg, n)
    w = warmup_of(cfg, n)
    return Marks(bounds, pick([w + m for m in cfg["milestones"]], n), phases)


def restart_marks(cfg: Config, n: int) -> Marks:
    """Every restart up to 2**31 - 1 (capped); the warmup, and the cycles that hold step 0,
    N, 2**24 and 2**31 - 1 as phases."""
    bounds, _, _ = warmup_marks(cfg, n)
    w = warmup_of(cfg, n)
    first, mult = cfg["cycle_steps"], cfg.get("cycle_mult", 1)
    if mult == 1:
        starts = _arithmetic(0, INT32_MAX - w, first)
    else:
        starts = [0]
        while starts[-1] <= INT32_MAX:
            starts.append(starts[-1] + first * mult ** (len(starts) - 1))
        starts = np.asarray(starts[:-1], dtype=np.int64)
    restarts = w + starts
    phases = [(0, w)] if w else []
    for anchor in (w, n, 2**24, INT32_MAX):
        j = max(int(np.searchsorted(restarts, anchor, side="right")) - 1, 0)
        length = first * mult**j if mult > 1 else first
        phases.append((int(restarts[j]), min(int(restarts[j]) + length, INT32_MAX)))
    return Marks(bounds, pick(restarts[1:], n), sorted(set(phases)))


def one_cycle_marks(cfg: Config, n: int) -> Marks:
    """The last step of every phase (floor of torch's end step) and N; every phase."""
    ends = [max(math.floor(end), 0) for end, _, _ in one_cycle_phases(cfg, n)]
    phases = list(zip([0, *[e + 1 for e in ends[:-1]]], ends, strict=True))
    return Marks([0, *ends, n], [], phases)


def cyclic_marks(cfg: Config, n: int) -> Marks:
    """Every cycle start and peak up to 2**31 - 1 (capped); the rise and the fall of the
    cycles that hold step 0, N, 2**24 and 2**31 - 1 as phases."""
    up = cfg.get("step_size_up", 2000)
    total = up + (cfg.get("step_size_down") or up)
    starts = _arithmetic(0, INT32_MAX, total)
    marks = pick(np.stack([starts, starts + up], axis=1).ravel(), n)  # sorted: up < total
    phases = []
    for anchor in (0, n, 2**24, max(INT32_MAX - total, 0)):
        s = anchor // total * total
        phases += [(s, min(s + up, INT32_MAX)), (min(s + up, INT32_MAX), min(s + total, INT32_MAX))]
    return Marks([0, n], marks, phases)


# --- sampling ------------------------------------------------------------------------------


def sample_steps(
    cfg: Config,
    n: int,
    marks: Callable[[Config, int], Marks],
    *,
    halo: int = 3,
    tail: int = 64,
    random: int = 800,
    log: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """The steps a config is checked on, sorted and unique, in [0, 2**31 - 1]: every bound +-
    ``halo``, every stair +- 2, the first and last ``tail`` steps of every phase, every step of
    the first 1200, 2**24 +- halo, the last 4 before 2**31 - 1, ``random`` uniform steps in
    [0, min(3N, 2**31 - 1)] and as many in [0, 2**31 - 1], ``log`` log-spaced steps to 2**31 - 1."""
    rng = np.random.default_rng(seed)
    bounds, stairs, phases = marks(cfg, n)
    around = np.arange(-halo, halo + 1)
    parts = [
        (np.asarray([*bounds, 2**24], dtype=np.int64)[:, None] + around).ravel(),
        (np.asarray(stairs, dtype=np.int64)[:, None] + np.arange(-2, 3)).ravel(),
        np.arange(0, 1200),
        np.arange(INT32_MAX - 3, INT32_MAX + 1),
        rng.integers(0, min(3 * n, INT32_MAX), random, endpoint=True),
        rng.integers(0, INT32_MAX, random, endpoint=True),
        np.geomspace(1, INT32_MAX, log).astype(np.int64),
    ]
    for start, end in phases:
        parts += [np.arange(start, start + tail), np.arange(end - tail, end + 1)]
    steps = np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])
    return np.unique(np.clip(steps, 0, INT32_MAX))


def mark_steps(cfg: Config, n: int, marks: Callable[[Config, int], Marks]) -> np.ndarray:
    """Only the bounds and stairs of a config, +- 2, and 2**31 - 1 (a small sample)."""
    bounds, stairs, _ = marks(cfg, n)
    steps = np.asarray([*bounds, *stairs[:64], INT32_MAX], np.int64)[:, None] + np.arange(-2, 3)
    return np.unique(np.clip(steps.ravel(), 0, INT32_MAX))


# --- property-test strategies (hypothesis) -------------------------------------------------------

num_steps_st = st.one_of(
    st.integers(1, 20), st.integers(1, 100_000), st.integers(1, INT32_MAX), st.just(INT32_MAX)
)
# An integer step-count key (decay_steps, step_size, cycle_steps, ...): short, long, or huge.
steps_key_st = st.one_of(
    st.integers(1, 20), st.integers(1, 10**6), st.integers(1, INT32_MAX), st.just(INT32_MAX)
)
log_rate_st = st.floats(-9.0, 3.0).map(lambda u: float(10.0**u))
start_lr_st = st.one_of(log_rate_st, st.sampled_from([1e-3, 1.0, 1e-9]))
# stop_lr / start_lr. Valid stop rates are 0 or normal float32 numbers: start_lr >= 1e-9 and
# a ratio >= 1e-20 keep them so.
positive_ratio_st = st.one_of(st.floats(1e-20, 1.0), st.sampled_from([1.0, 1e-5]))
ratio_st = st.one_of(positive_ratio_st, st.just(0.0))
# A factor in (0, 1] (gamma, cycle_decay), down to the smallest float64.
factor_st = st.one_of(
    st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.1, 0.9999999, 5e-324])
)
scale_st = st.sampled_from(["linear", "sqrt", "none"])
workers_st = st.integers(1, 64)


@st.composite
def shared_keys_st(draw: Any, num_steps: int, *, stop: str = "required") -> Config:
    """start_lr, the stop key, an optional warmup and the worker scaling.

    ``stop``: ``"required"`` (exactly one stop key), ``"positive"`` (and > 0, for wsd),
    ``"optional"`` (inverse_sqrt's floor) or ``"none"`` (the types without an end rate).
    """
    start = draw(start_lr_st)
    config: Config = {"start_lr": start}
    if stop != "none" and (stop != "optional" or draw(st.booleans())):
        ratio = draw(positive_ratio_st if stop == "positive" else ratio_st)
        if draw(st.booleans()):
            config["stop_lr"] = start * ratio
        else:
            config["stop_lr_ratio"] = ratio
    warmup = draw(st.sampled_from(["none", "steps", "ratio"]))
    if warmup == "steps":
        config["warmup_steps"] = draw(st.integers(0, num_steps - 1))
    elif warmup == "ratio":
        config["warmup_ratio"] = draw(st.floats(0.0, 1.0, exclude_max=True))
    if warmup != "none" and draw(st.booleans()):
        # 0 or a normal float32 (a subnormal factor is refused: docs/configuration.md)
        config["warmup_start_factor"] = draw(st.floats(0.0, 1.0).map(lambda f: f * (f >= 2**-126)))
    config["scale_by_worker"] = draw(scale_st)
    return config


def _optional(draw: Any, config: Config, key: str, strategy: st.SearchStrategy) -> None:
    """Set ``key`` from ``strategy`` half of the time (else the default applies)."""
    if draw(st.booleans()):
        config[key] = draw(strategy)


def configs_st(
    type_name: str, stop: str = "required", extra: Callable[[Any, Config, int], None] | None = None
) -> st.SearchStrategy:
    """``(config, num_steps, num_workers)`` of a type with the shared keys: ``extra(draw,
    config, num_steps)`` adds the type's own keys."""

    @st.composite
    def strategy(draw: Any) -> tuple[Config, int, int]:
        n = draw(num_steps_st)
        config = {"type": type_name, **draw(shared_keys_st(n, stop=stop))}
        if extra is not None:
            extra(draw, config, n)
        return config, n, draw(workers_st)

    return strategy()


def _exp_keys(draw: Any, config: Config, n: int) -> None:
    config["decay_steps"] = draw(st.integers(1, min(2 * n, INT32_MAX)))
    if draw(st.booleans()):
        config["decay_rate"] = draw(
            st.one_of(st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.9999999]))
        )
    config["smooth"] = draw(st.booleans())


def _wsd_keys(draw: Any, config: Config, n: int) -> None:
    config["decay_phase_ratio"] = draw(
        st.one_of(st.floats(0.0, 1.0, exclude_min=True), st.sampled_from([1.0, 0.1, 1e-9]))
    )
    config["decay_type"] = draw(st.sampled_from(["inverse_linear", "cosine", "linear", "1-sqrt"]))
    _optional(draw, config, "warmup_type", st.sampled_from(["linear", "cosine", "1-sqrt"]))


def _rex_keys(draw: Any, config: Config, n: int) -> None:
    _optional(draw, config, "warmup_type", st.sampled_from(["linear", "cosine", "1-sqrt"]))


def _step_keys(draw: Any, config: Config, n: int) -> None:
    config["step_size"] = draw(steps_key_st)
    _optional(draw, config, "gamma", factor_st)


def _multistep_keys(draw: Any, config: Config, n: int) -> None:
    marks = st.one_of(st.integers(1, 100), st.integers(1, n), st.integers(1, INT32_MAX))
    config["milestones"] = sorted(draw(st.lists(marks, min_size=1, max_size=8, unique=True)))
    _optional(draw, config, "gamma", factor_st)


def _polynomial_keys(draw: Any, config: Config, n: int) -> None:
    # always given (linear covers the default, 1): powers above ~128 once gave NaN
    config["power"] = draw(
        st.one_of(
            st.sampled_from([2.0, 0.5, 7.5, 129.0, 1e4, 1e-30, 1e30]),
            st.floats(-3.0, 3.0).map(lambda u: float(10.0**u)),
        )
    )


def _inverse_sqrt_keys(draw: Any, config: Config, n: int) -> None:
    _optional(draw, config, "timescale", steps_key_st)


def _restarts_keys(draw: Any, config: Config, n: int) -> None:
    config["cycle_steps"] = draw(steps_key_st)
    mult_st = st.one_of(st.integers(1, 4), st.integers(1, INT32_MAX), st.just(INT32_MAX))
    _optional(draw, config, "cycle_mult", mult_st)
    _optional(draw, config, "cycle_decay", factor_st)
    _optional(draw, config, "cycle_limit", st.integers(1, 5))
    _optional(draw, config, "k_decay", st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 4.0]))


# div_factor, final_div_factor >= 1, small enough that every derived rate of one_cycle is a
# normal float32 (max_lr >= 1e-9, so its minimum is at least 1e-27).
def _div_st(decades: float) -> st.SearchStrategy:
    return st.one_of(st.floats(0.0, decades).map(lambda u: float(10.0**u)), st.just(1.0))


@st.composite
def one_cycle_st(draw: Any) -> tuple[Config, int, int]:
    n = draw(num_steps_st)
    three = draw(st.booleans())
    top = 0.5 if three else 1.0  # three phases need pct_start <= 0.5
    config: Config = {"type": "one_cycle", "max_lr": draw(start_lr_st)}
    config["pct_start"] = draw(st.one_of(st.floats(0.0, top), st.sampled_from([0.0, 0.3, top])))
    config["three_phase"] = three
    _optional(draw, config, "div_factor", _div_st(6))
    _optional(draw, config, "final_div_factor", _div_st(12))
    _optional(draw, config, "anneal_strategy", st.sampled_from(["cos", "linear"]))
    config["scale_by_worker"] = draw(scale_st)
    return config, n, draw(workers_st)


@st.composite
def cyclic_st(draw: Any) -> tuple[Config, int, int]:
    n = draw(num_steps_st)
    max_lr = draw(start_lr_st)
    # base_lr <= max_lr, and 0 or a normal float32 (a ratio >= 1e-20 of max_lr >= 1e-9)
    config = {"type": "cyclic", "base_lr": max_lr * draw(ratio_st), "max_lr": max_lr}
    config["step_size_up"] = draw(steps_key_st)
    _optional(draw, config, "step_size_down", steps_key_st)
    mode = draw(st.sampled_from(["triangular", "triangular2", "exp_range"]))
    config["mode"] = mode
    # gamma != 1 only with exp_range; gamma 1.0 is allowed with every mode
    _optional(draw, config, "gamma", factor_st if mode == "exp_range" else st.just(1.0))
    config["scale_by_worker"] = draw(scale_st)
    return config, n, draw(workers_st)


# --- what each type promises to the property tests --------------------------------------------

RISES, FALLS, ANY = 1, -1, 0
# (first step, last step, direction): the rate is monotone on the closed step range.
Phase = tuple[int, int, int]


def _start_lr(resolved: Any) -> float:
    """The peak: ``start_lr``, times the large-batch factor ``k`` of a ``batch_scaling`` block."""
    block = getattr(resolved, "batch_scaling", None)
    k = batch_factor({"batch_scaling": block.model_dump()}) if block is not None else 1.0
    return resolved.start_lr * k


def _max_lr(resolved: Any) -> float:
    return resolved.max_lr


def _no_marks(resolved: Any, num_steps: int) -> list[int]:
    return []


def _warmup_then_decay(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up during warmup (to the peak at ``w``), never up again after it."""
    w = resolved.warmup_steps
    return [(0, w, RISES), (w, INT32_MAX, FALLS)]


def _restart_table(resolved: Any) -> list[int]:
    """Decay steps at which a cycle of cosine_restarts starts, up to 2**31 - 1 (a few)."""
    first, mult = resolved.cycle_steps, resolved.cycle_mult
    if mult == 1:
        last = INT32_MAX // first * first
        return sorted({0, first, 2 * first, last - first, last})
    starts, length = [0], first
    while starts[-1] + length <= INT32_MAX:
        starts.append(starts[-1] + length)
        length *= mult
    return starts


def _restart_property_marks(resolved: Any, num_steps: int) -> list[int]:
    w = resolved.warmup_steps
    starts = _restart_table(resolved)
    return [w + s for s in starts[:4] + starts[-2:] if w + s <= INT32_MAX]


def _warmup_then_restarts(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up during warmup; then never up within a cycle (the restarts jump back up)."""
    w, first, mult = resolved.warmup_steps, resolved.cycle_steps, resolved.cycle_mult
    phases = {(0, w, RISES)}
    for t in {int(s) - w for s in steps if s >= w}:
        start, length = t - t % first, first  # the cycle of t when mult == 1
        if mult > 1:
            start = 0
            while start + length <= t:
                start, length = start + length, length * mult
        phases.add((w + start, w + start + length - 1, FALLS))
    return sorted(phases)


def _one_cycle_monotone(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up to the last step of torch's first phase (it ends at ``pct_start * N - 1``, a float),
    then never up again (the peak lies between two integer steps, so that pair is free)."""
    last_rising = math.floor(float(resolved.pct_start * num_steps) - 1)
    return [(0, last_rising, RISES), (last_rising + 1, INT32_MAX, FALLS)]


def _cyclic_property_marks(resolved: Any, num_steps: int) -> list[int]:
    up, total = resolved.step_size_up, resolved.step_size_up + resolved.step_size_down
    cycles = {0, 1, 2, INT32_MAX // total - 1, INT32_MAX // total}
    return [c * total + d for c in cycles for d in (0, up) if 0 <= c * total + d <= INT32_MAX]


def _cyclic_monotone(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """In each cycle: up for step_size_up steps to the top, then down to the next cycle's
    start. ``exp_range`` multiplies the triangle by ``gamma ** step``, which may outweigh its
    rise, so only its fall is checked when gamma < 1."""
    up, total = resolved.step_size_up, resolved.step_size_up + resolved.step_size_down
    rise = RISES if resolved.mode != "exp_range" or resolved.gamma == 1.0 else ANY
    phases = set()
    for s in steps:
        start = int(s) // total * total
        phases |= {(start, start + up, rise), (start + up, start + total, FALLS)}
    return sorted(phases)


# --- the table ---------------------------------------------------------------------------------

Example = tuple[str, Config, int]  # (id, learning_rate config, num_steps)
BenchRow = tuple[str, "Config | Callable[[int], Config]"]


@dataclasses.dataclass(frozen=True)
class TypeCase:
    """One schedule type: see the module docstring.

    Attributes:
      reference: ``(config, num_steps, steps as int64) -> float64 rates``.
      marks: ``(config, num_steps) -> Marks``.
      examples: valid ``(id, config, num_steps)``; the first is the type's representative.
      base: the valid config the bad-input corpus perturbs (num_steps ``N``).
      bench: ``(label, config or num_steps -> config)`` rows of benchmarks/precision.py.
      strategy: a hypothesis strategy of valid ``(config, num_steps, num_workers)``.
      peak: the configured peak rate, from ``validate(config, num_steps)``.
      phases: ``(resolved, num_steps, steps) -> [(first, last, direction)]``: the closed step
        ranges on which the rate never falls (``RISES``) or never rises (``FALLS``), at least
        those containing the given steps.
      property_marks: ``(resolved, num_steps) -> steps`` the property tests sample besides
        ``schedule.boundaries()`` (restarts, cycle ends, also near 2**31 - 1).
      continuous_at_warmup_end: the type has a warmup and its decay starts at the peak the
        warmup line reaches.
    """

    reference: Callable[[Config, int, np.ndarray], np.ndarray]
    marks: Callable[[Config, int], Marks]
    examples: list[Example]
    base: Config
    bench: list[BenchRow]
    strategy: st.SearchStrategy
    peak: Callable[[Any], float] = _start_lr
    phases: Callable[[Any, int, np.ndarray], list[Phase]] = _warmup_then_decay
    property_marks: Callable[[Any, int], list[int]] = _no_marks
    continuous_at_warmup_end: bool = True


def _deepmd_grid(kinds: list[Config]) -> list[Example]:
    """Every kind with and without warmup, with either stop key, at N = 10, 1010, 1e6, 1e8."""
    warmups = [{}, {"warmup_steps": 7}, {"warmup_ratio": 0.05, "warmup_start_factor": 0.1}]
    stops = [{"stop_lr": 1e-8}, {"stop_lr_ratio": 0.01}]
    out = []
    for kind, warmup, stop, n in itertools.product(kinds, warmups, stops, [10, 1010, 10**6, 10**8]):
        config = {"start_lr": 2e-3, **kind, **warmup, **stop}
        name = "-".join(f"{k}={v}" for k, v in config.items() if k != "start_lr")
        out.append((f"{name}-N={n}", config, n))
    return out


def _classic(type_name: str, cases: dict[str, Config]) -> list[Example]:
    """Builder-style keyword sets (with ``num_steps``) as ``(id, config, num_steps)``."""
    out = []
    for name, kw in cases.items():
        kw = dict(kw)
        n = kw.pop("num_steps")
        out.append((name, {"type": type_name, **kw, "scale_by_worker": "none"}, n))
    return out


BASE = {"start_lr": 1e-3}  # the precision benchmark's rates
PEAK = {"max_lr": 1e-3}  # one_cycle and cyclic have no start_lr

TYPES: dict[str, TypeCase] = {
    "exp": TypeCase(
        ref_exp,
        exp_marks,
        _deepmd_grid(
            [
                {"type": "exp", "decay_steps": 3},
                {"type": "exp", "decay_steps": 997, "smooth": True},
                {"type": "exp", "decay_steps": 50, "decay_rate": 0.95},
                {"type": "exp"},  # decay_steps 5000 >= T for the small N: DeePMD's replacement
            ]
        ),
        {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-5, "decay_steps": 500},
        [
            ("stepped, derived rate", {**BASE, "stop_lr": 1e-8, "decay_steps": 5000}),
            ("stepped, derived rate, warmup 1 %",
             {**BASE, "stop_lr": 1e-8, "decay_steps": 5000, "warmup_ratio": 0.01}),
            ("smooth, derived rate",
             {**BASE, "stop_lr": 1e-8, "decay_steps": 5000, "smooth": True}),
            ("smooth, derived rate, warmup 1 % from 0.1",
             {**BASE, "stop_lr_ratio": 1e-5, "decay_steps": 1000, "smooth": True,
              "warmup_ratio": 0.01, "warmup_start_factor": 0.1}),
            ("stepped, decay_rate 0.95, warmup 1 %",
             {**BASE, "stop_lr": 1e-9, "decay_rate": 0.95, "decay_steps": 5000,
              "warmup_ratio": 0.01}),
            ("smooth, decay_rate 0.9999 per 10 steps",
             {**BASE, "stop_lr": 1e-9, "decay_rate": 0.9999, "decay_steps": 10, "smooth": True}),
        ],
        configs_st("exp", extra=_exp_keys),
    ),
    "cosine": TypeCase(
        ref_cosine,
        warmup_marks,
        _deepmd_grid([{"type": "cosine"}]),
        {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5},
        [
            ("stop_lr 1e-5", {**BASE, "type": "cosine", "stop_lr": 1e-5}),
            ("stop_lr 0, warmup 1 % from 0.1",
             {**BASE, "type": "cosine", "stop_lr": 0.0, "warmup_ratio": 0.01,
              "warmup_start_factor": 0.1}),
        ],
        configs_st("cosine"),
    ),
    "wsd": TypeCase(
        ref_wsd,
        wsd_marks,
        _deepmd_grid(
            [
                {"type": "wsd"},
                {"type": "wsd", "decay_type": "cosine", "decay_phase_ratio": 0.3},
                {"type": "wsd", "decay_type": "linear", "decay_phase_ratio": 1.0},
                {"type": "wsd", "decay_type": "1-sqrt", "decay_phase_ratio": 0.5,
                 "warmup_type": "cosine"},
                {"type": "wsd", "decay_type": "1-sqrt", "decay_phase_steps": 3,
                 "warmup_type": "1-sqrt"},
            ]
        ),
        {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5},
        [
            ("inverse_linear, stop_lr_ratio 1e-5", {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5}),
            ("cosine, decay_phase_ratio 0.2, warmup 1 %",
             {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5, "decay_type": "cosine",
              "decay_phase_ratio": 0.2, "warmup_ratio": 0.01}),
            ("linear, warmup 1 %",
             {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5, "decay_type": "linear",
              "warmup_ratio": 0.01}),
            ("1-sqrt, decay_phase_ratio 0.2, 1-sqrt warmup 1 %",
             {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5, "decay_type": "1-sqrt",
              "decay_phase_ratio": 0.2, "warmup_ratio": 0.01, "warmup_type": "1-sqrt"}),
            ("1-sqrt, decay_phase_steps N/3, cosine warmup 1 %",
             lambda n: {**BASE, "type": "wsd", "stop_lr_ratio": 1e-5, "decay_type": "1-sqrt",
                        "decay_phase_steps": n // 3, "warmup_ratio": 0.01,
                        "warmup_type": "cosine"}),
        ],
        configs_st("wsd", stop="positive", extra=_wsd_keys),
    ),
    "rex": TypeCase(
        ref_rex,
        warmup_marks,
        _deepmd_grid([{"type": "rex"}, {"type": "rex", "warmup_type": "1-sqrt"}]),
        {"type": "rex", "start_lr": 1e-3, "stop_lr": 1e-5},
        [
            ("stop_lr 0", {**BASE, "type": "rex", "stop_lr": 0.0}),
            ("stop_lr_ratio 1e-5, cosine warmup 1 % from 0.1",
             {**BASE, "type": "rex", "stop_lr_ratio": 1e-5, "warmup_ratio": 0.01,
              "warmup_type": "cosine", "warmup_start_factor": 0.1}),
        ],
        configs_st("rex", extra=_rex_keys),
    ),
    "constant": TypeCase(
        ref_constant,
        warmup_marks,
        _classic("constant", {
            "constant-warmup": dict(start_lr=2e-3, num_steps=1000, warmup_steps=100,
                                    warmup_start_factor=0.1),
            "constant": dict(start_lr=1e-3, num_steps=1000),
            "constant-batch-scaled": dict(
                start_lr=2e-3, num_steps=1000, warmup_steps=100, warmup_start_factor=0.1,
                warmup_type="cosine",
                batch_scaling={"batch_size": 300, "reference_batch_size": 256,
                               "scale_warmup": True}),
        }),
        {"type": "constant", "start_lr": 1e-3},
        [
            ("start_lr 1e-3", {**BASE, "type": "constant"}),
            ("warmup 1 % from 0.1",
             {**BASE, "type": "constant", "warmup_ratio": 0.01, "warmup_start_factor": 0.1}),
            ("batch_scaling 8192/256, warmup 0.1 % scaled",
             {**BASE, "type": "constant", "warmup_ratio": 0.001,
              "batch_scaling": {"batch_size": 8192, "reference_batch_size": 256,
                                "scale_warmup": True}}),
            ("batch_scaling sqrt 300/256, 1-sqrt warmup 1 % scaled from 0.1",
             {**BASE, "type": "constant", "warmup_ratio": 0.01, "warmup_start_factor": 0.1,
              "warmup_type": "1-sqrt",
              "batch_scaling": {"batch_size": 300, "reference_batch_size": 256,
                                "rule": "sqrt", "scale_warmup": True}}),
        ],
        configs_st("constant", stop="none"),
    ),
    "step": TypeCase(
        ref_step,
        step_marks,
        _classic("step", {
            "step-gamma0.5-warmup": dict(start_lr=1e-3, step_size=1000, gamma=0.5,
                                         num_steps=10_000, warmup_steps=500),
            "step": dict(start_lr=0.1, step_size=30, num_steps=100),
            "step-size1-gamma0.9999": dict(start_lr=1e-3, step_size=1, gamma=0.9999,
                                           num_steps=200_000),
            "step-large": dict(start_lr=1.0, step_size=100_000_000, gamma=0.5, num_steps=10),
        }),
        {"type": "step", "start_lr": 1e-3, "step_size": 1000},
        [
            ("step_size N/3, gamma 0.1", lambda n: {**BASE, "type": "step", "step_size": n // 3}),
            ("step_size 100,000, gamma 0.95, warmup 1 %",
             {**BASE, "type": "step", "step_size": 100_000, "gamma": 0.95, "warmup_ratio": 0.01}),
        ],
        configs_st("step", stop="none", extra=_step_keys),
    ),
    "multistep": TypeCase(
        ref_multistep,
        multistep_marks,
        _classic("multistep", {
            "multistep-warmup": dict(start_lr=1e-3, milestones=[1, 1000, 5000, 2_000_000_000],
                                     gamma=0.3, num_steps=10_000, warmup_ratio=0.05),
            "multistep": dict(start_lr=0.1, milestones=[30, 80], num_steps=100),
        }),
        {"type": "multistep", "start_lr": 1e-3, "milestones": [1000, 5000]},
        [
            ("milestones N/3, 2N/3, 8N/9, gamma 0.1",
             lambda n: {**BASE, "type": "multistep",
                        "milestones": [n // 3, 2 * n // 3, 8 * n // 9]}),
            ("milestones 3e5, 3e6, 2^24 + 1, 5e7, 2e9, gamma 0.5, warmup 1 %",
             {**BASE, "type": "multistep", "gamma": 0.5, "warmup_ratio": 0.01,
              "milestones": [300_000, 3_000_000, 2**24 + 1, 50_000_000, 2_000_000_000]}),
        ],
        configs_st("multistep", stop="none", extra=_multistep_keys),
    ),
    "polynomial": TypeCase(
        ref_polynomial,
        warmup_marks,
        _classic("polynomial", {
            "polynomial-p0.5-warmup": dict(start_lr=1e-3, stop_lr=1e-5, power=0.5,
                                           num_steps=100_000, warmup_steps=1000),
            "polynomial-p2-e0": dict(start_lr=1e-3, stop_lr=0.0, power=2.0, num_steps=1000),
            "polynomial-p3-long": dict(start_lr=1.0, stop_lr_ratio=0.0, power=3.0,
                                       num_steps=2_000_000_000),
            "polynomial-p7.5": dict(start_lr=1.0, stop_lr=0.0, power=7.5, num_steps=1_000_003),
        }),
        {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 1e-5, "power": 2.0},
        [
            ("power 2, stop_lr 0", {**BASE, "type": "polynomial", "power": 2.0, "stop_lr": 0.0}),
            ("power 0.5, stop_lr_ratio 1e-5, warmup 1 %",
             {**BASE, "type": "polynomial", "power": 0.5, "stop_lr_ratio": 1e-5,
              "warmup_ratio": 0.01}),
        ],
        configs_st("polynomial", extra=_polynomial_keys),
    ),
    "linear": TypeCase(
        ref_polynomial,
        warmup_marks,
        _classic("linear", {
            "linear-warmup": dict(start_lr=1e-3, stop_lr=0.0, num_steps=10_000,
                                  warmup_steps=1000),
            "linear": dict(start_lr=1e-3, stop_lr=1e-5, num_steps=10_000),
            "linear-e0-long": dict(start_lr=1.0, stop_lr=0.0, num_steps=INT32_MAX),
        }),
        {"type": "linear", "start_lr": 1e-3, "stop_lr": 1e-5},
        [
            ("stop_lr 0", {**BASE, "type": "linear", "stop_lr": 0.0}),
            ("stop_lr_ratio 1e-5, warmup 1 % from 0.1",
             {**BASE, "type": "linear", "stop_lr_ratio": 1e-5, "warmup_ratio": 0.01,
              "warmup_start_factor": 0.1}),
        ],
        configs_st("linear"),
    ),
    "inverse_sqrt": TypeCase(
        ref_inverse_sqrt,
        warmup_marks,
        _classic("inverse_sqrt", {
            "inverse_sqrt-floor": dict(start_lr=1e-3, stop_lr=1e-5, timescale=50,
                                       num_steps=100_000),
            "inverse_sqrt": dict(start_lr=1e-3, num_steps=100_000),
            "inverse_sqrt-warmup": dict(start_lr=1e-3, warmup_steps=4000, num_steps=100_000),
            "inverse_sqrt-batch-scaled": dict(  # timescale defaults to B = ceil(k w) = 4243
                start_lr=1e-3, stop_lr=1e-6, warmup_steps=3000, num_steps=100_000,
                batch_scaling={"batch_size": 512, "reference_batch_size": 256, "rule": "sqrt",
                               "scale_warmup": True}),
        }),
        {"type": "inverse_sqrt", "start_lr": 1e-3, "timescale": 1000},
        [
            ("warmup 1 % (timescale = warmup)",
             {**BASE, "type": "inverse_sqrt", "warmup_ratio": 0.01}),
            ("timescale 10000, stop_lr 1e-5 floor",
             {**BASE, "type": "inverse_sqrt", "stop_lr": 1e-5}),
        ],
        configs_st("inverse_sqrt", stop="optional", extra=_inverse_sqrt_keys),
    ),
    "cosine_restarts": TypeCase(
        ref_cosine_restarts,
        restart_marks,
        _classic("cosine_restarts", {
            "restarts-mult3-decay-warmup": dict(start_lr=1e-3, stop_lr_ratio=0.001, cycle_steps=7,
                                                cycle_mult=3, cycle_decay=0.5, num_steps=10_000,
                                                warmup_steps=50),
            "restarts": dict(start_lr=1.0, stop_lr=0.0, cycle_steps=10, num_steps=100),
            "restarts-mult2": dict(start_lr=1e-3, stop_lr=1e-6, cycle_steps=1000, cycle_mult=2,
                                   num_steps=100_000),
            "restarts-mult2-size1-e0": dict(start_lr=1.0, stop_lr=0.0, cycle_steps=1,
                                            cycle_mult=2, num_steps=100),
            "restarts-huge-cycle": dict(start_lr=1.0, stop_lr=0.0, cycle_steps=2**30 + 7,
                                        cycle_mult=5, num_steps=100),
            "restarts-mult1-decay0.9": dict(start_lr=1.0, stop_lr=1e-4, cycle_steps=3,
                                            cycle_decay=0.9, num_steps=100),
            "restarts-timm-k0.5-limit3": dict(start_lr=1e-3, stop_lr=1e-6, cycle_steps=30,
                                              cycle_mult=2, cycle_decay=0.8, cycle_limit=3,
                                              k_decay=0.5, num_steps=1000, warmup_steps=7),
        }),
        {"type": "cosine_restarts", "start_lr": 1e-3, "stop_lr": 1e-5, "cycle_steps": 1000,
         "cycle_mult": 2},
        [
            ("cycle_steps 100,000, stop_lr 0",
             {**BASE, "type": "cosine_restarts", "cycle_steps": 100_000, "stop_lr": 0.0}),
            ("cycle_steps 10,000, cycle_mult 2, cycle_decay 0.5, stop_lr_ratio 1e-5, warmup 1 %",
             {**BASE, "type": "cosine_restarts", "cycle_steps": 10_000, "cycle_mult": 2,
              "cycle_decay": 0.5, "stop_lr_ratio": 1e-5, "warmup_ratio": 0.01}),
            ("timm: cycle_steps N/10, k_decay 0.5, cycle_limit 5, stop_lr_ratio 1e-5",
             lambda n: {**BASE, "type": "cosine_restarts", "cycle_steps": max(1, n // 10),
                        "k_decay": 0.5, "cycle_limit": 5, "stop_lr_ratio": 1e-5}),
            ("timm: cycle_steps 100,000, cycle_mult 2, k_decay 3, cycle_limit 8, stop_lr 0",
             {**BASE, "type": "cosine_restarts", "cycle_steps": 100_000, "cycle_mult": 2,
              "k_decay": 3.0, "cycle_limit": 8, "stop_lr": 0.0}),
        ],
        configs_st("cosine_restarts", extra=_restarts_keys),
        phases=_warmup_then_restarts,
        property_marks=_restart_property_marks,
    ),
    # one_cycle and cyclic have no warmup keys: their own first phase is the rise.
    "one_cycle": TypeCase(
        ref_one_cycle,
        one_cycle_marks,
        _classic("one_cycle", {
            "one_cycle-three": dict(max_lr=1.0, num_steps=997, three_phase=True),
            "one_cycle": dict(max_lr=0.1, num_steps=1000),
            "one_cycle-linear-frac": dict(max_lr=0.1, num_steps=1001, pct_start=0.25,
                                          anneal_strategy="linear"),
            "one_cycle-three-linear": dict(max_lr=1.0, num_steps=100, pct_start=0.5,
                                           three_phase=True, anneal_strategy="linear"),
            "one_cycle-pct0": dict(max_lr=1.0, num_steps=50, pct_start=0.0),
            "one_cycle-pct0.005": dict(max_lr=1.0, num_steps=50, pct_start=0.005),
            "one_cycle-pct1": dict(max_lr=1.0, num_steps=50, pct_start=1.0),
            "one_cycle-pctN1": dict(max_lr=1.0, num_steps=10, pct_start=0.1),
            "one_cycle-three-pct0": dict(max_lr=1.0, num_steps=40, pct_start=0.0,
                                         three_phase=True),
            "one_cycle-long": dict(max_lr=1e-2, num_steps=INT32_MAX, pct_start=0.3,
                                   div_factor=10.0, final_div_factor=1e3),
            "one_cycle-N1": dict(max_lr=1.0, num_steps=1),
        }),
        {"type": "one_cycle", "max_lr": 1e-2},
        [
            ("cos, pct_start 0.3, div_factor 25, final_div_factor 1e4",
             {**PEAK, "type": "one_cycle"}),
            ("linear, pct_start 0.25",
             {**PEAK, "type": "one_cycle", "anneal_strategy": "linear", "pct_start": 0.25}),
            ("linear, pct_start 1/3 (fractional phase ends)",
             {**PEAK, "type": "one_cycle", "anneal_strategy": "linear", "pct_start": 1 / 3}),
            ("three_phase, cos, pct_start 0.25",
             {**PEAK, "type": "one_cycle", "three_phase": True, "pct_start": 0.25}),
            ("three_phase, linear, pct_start 0.3",
             {**PEAK, "type": "one_cycle", "three_phase": True, "anneal_strategy": "linear"}),
        ],
        one_cycle_st(),
        peak=_max_lr,
        phases=_one_cycle_monotone,
        continuous_at_warmup_end=False,
    ),
    "cyclic": TypeCase(
        ref_cyclic,
        cyclic_marks,
        _classic("cyclic", {
            "cyclic-exp_range": dict(base_lr=1e-4, max_lr=1e-2, step_size_up=5, mode="exp_range",
                                     gamma=0.99994, num_steps=10),
            "cyclic": dict(base_lr=1e-4, max_lr=1e-3, step_size_up=20, num_steps=1000),
            "cyclic-asym-tri2": dict(base_lr=0.0, max_lr=1.0, step_size_up=3, step_size_down=7,
                                     mode="triangular2", num_steps=1000),
            "cyclic-huge": dict(base_lr=0.1, max_lr=1.0, step_size_up=INT32_MAX,
                                step_size_down=5, num_steps=10),
        }),
        {"type": "cyclic", "base_lr": 1e-4, "max_lr": 1e-2, "step_size_up": 500},
        [
            ("triangular, base_lr 1e-4, step_size_up 2000",
             {**PEAK, "type": "cyclic", "base_lr": 1e-4}),
            ("triangular2, base_lr 0, up 5000, down 15000",
             {**PEAK, "type": "cyclic", "base_lr": 0.0, "mode": "triangular2",
              "step_size_up": 5000, "step_size_down": 15_000}),
            ("exp_range, base_lr 1e-5, gamma 0.999999, up 10,000",
             {**PEAK, "type": "cyclic", "base_lr": 1e-5, "mode": "exp_range",
              "gamma": 0.999999, "step_size_up": 10_000}),
        ],
        cyclic_st(),
        peak=_max_lr,
        phases=_cyclic_monotone,
        property_marks=_cyclic_property_marks,
        continuous_at_warmup_end=False,
    ),
}  # fmt: skip

# fmt: off

# --- composites: sequence and product, over the table's own references --------------------------


def _phase_lengths(cfg: Config, n: int) -> list[int]:
    """Each phase's length: its ``steps``, the last one ``n`` minus the others."""
    lengths = [p["steps"] for p in cfg["phases"][:-1]]
    return [*lengths, n - sum(lengths)]


def _part(cfg: Config) -> Config:
    return {k: v for k, v in cfg.items() if k != "steps"}


def ref_sequence(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``phase_i(step - b_i)`` for ``b_i <= step < b_{i+1}`` (SequentialLR with milestones)."""
    s = np.clip(steps, 0, INT32_MAX)
    out = np.zeros(s.shape)
    begin = 0
    for phase, length in zip(cfg["phases"], _phase_lengths(cfg, n), strict=True):
        local = np.maximum(s - begin, 0)
        out = np.where(s >= begin, reference(_part(phase), length, local), out)
        begin += length
    return out


def ref_product(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """The product of the factors' references and the numbers (ChainedScheduler)."""
    out = np.ones(np.shape(steps))
    for factor in cfg["factors"]:
        out = out * (reference(factor, n, steps) if isinstance(factor, dict) else factor)
    return out


def _shift_marks(marks: Marks, begin: int, end: int) -> Marks:
    def inside(values: list[int]) -> list[int]:
        return [min(begin + v, INT32_MAX) for v in values if begin + v <= end]

    phases = [(begin + a, min(begin + b, end)) for a, b in marks.phases if begin + a < end]
    return Marks(inside(marks.bounds), inside(marks.stairs), phases)


def sequence_marks(cfg: Config, n: int) -> Marks:
    bounds, stairs, phases = [0], [], []
    begin = 0
    lengths = _phase_lengths(cfg, n)
    for i, (phase, length) in enumerate(zip(cfg["phases"], lengths, strict=True)):
        end = begin + length if i < len(lengths) - 1 else INT32_MAX
        part = _part(phase)
        m = _shift_marks(TYPES[part.get("type", "exp")].marks(part, length), begin, end)
        bounds += [begin, *m.bounds]
        stairs += m.stairs
        phases += m.phases
        begin += length
    return Marks(sorted(set(bounds)), sorted(set(stairs))[:MAX_MARKS], phases)


def product_marks(cfg: Config, n: int) -> Marks:
    bounds, stairs, phases = [0, n], [], []
    for factor in cfg["factors"]:
        if isinstance(factor, dict):
            m = TYPES[factor.get("type", "exp")].marks(factor, n)
            bounds += m.bounds
            stairs += m.stairs
            phases += m.phases
    return Marks(sorted(set(bounds)), sorted(set(stairs))[:MAX_MARKS], phases)


def _peak_of(cfg: Config, n: int) -> float:
    from lrschedules_jax import validate  # the peak reads the resolved config, as every type's

    part = _part(cfg)
    return TYPES[part.get("type", "exp")].peak(validate(part, n))


def _sequence_peak(resolved: Any) -> float:
    phases = resolved.phases
    return max(_peak_of(p, p.get("steps", INT32_MAX)) for p in phases)


def _product_peak(resolved: Any) -> float:
    out = 1.0
    for factor in resolved.factors:
        out *= _peak_of(factor, INT32_MAX) if isinstance(factor, dict) else factor
    return out


def _anywhere(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    return [(0, INT32_MAX, ANY)]


def _sequence_property_marks(resolved: Any, num_steps: int) -> list[int]:
    return sequence_marks(resolved.model_dump(), num_steps).bounds


# Phases the strategies draw from: the table's examples that run at most 10**6 steps.
_PARTS = [
    (cfg, n) for case in list(TYPES.values()) for _, cfg, n in case.examples if 1 <= n <= 10**6
]


@st.composite
def sequence_st(draw: Any) -> tuple[Config, int, int]:
    parts = draw(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=3))
    phases = [{"steps": n, **cfg} for cfg, n in parts[:-1]] + [dict(parts[-1][0])]
    if len(phases) == 3 and draw(st.booleans()):  # the first two as a nested sequence
        inner = {"type": "sequence", "phases": [phases[0], _part(phases[1])]}
        phases = [{"steps": parts[0][1] + parts[1][1], **inner}, phases[2]]
    return {"type": "sequence", "phases": phases}, sum(n for _, n in parts), 1


@st.composite
def product_st(draw: Any) -> tuple[Config, int, int]:
    n = draw(st.integers(10, 10**6))
    main = {"type": "cosine", "start_lr": draw(start_lr_st), "stop_lr_ratio": draw(ratio_st)}
    second = draw(
        st.sampled_from(
            [
                {"type": "step", "start_lr": 1.0, "step_size": max(1, n // 7), "gamma": 0.5},
                {"type": "constant", "start_lr": 2.0, "warmup_ratio": 0.25},
                {"type": "cyclic", "base_lr": 0.5, "max_lr": 1.0, "step_size_up": max(1, n // 5)},
            ]
        )
    )
    factors: list[Any] = [main, {**second, "scale_by_worker": "none"}]
    if draw(st.booleans()):
        factors.insert(draw(st.integers(0, 2)), draw(st.sampled_from([0.5, 0.3, 3.0])))
    return {"type": "product", "factors": factors}, n, 1


_WARM = {"type": "constant", "start_lr": 1e-3, "warmup_ratio": 0.5}
_RESTARTS = {
    "type": "cosine_restarts",
    "start_lr": 1e-3,
    "stop_lr": 1e-5,
    "cycle_steps": 7,
    "cycle_mult": 2,
}
_TAIL = {"type": "cosine", "start_lr": 5e-4, "stop_lr": 1e-6}
_WSD_SHIFT = {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 50}

TYPES["sequence"] = TypeCase(
    ref_sequence,
    sequence_marks,
    [
        (
            "sequence-nested-restarts",
            {
                "type": "sequence",
                "phases": [
                    {
                        "steps": 60,
                        "type": "sequence",
                        "phases": [{"steps": 10, **_WARM}, _RESTARTS],
                    },
                    {"steps": 100, **_RESTARTS},
                    _TAIL,
                ],
            },
            300,
        ),
        (
            "sequence-warmup-cosine",
            {"type": "sequence", "phases": [{"steps": 100, **_WARM}, _TAIL]},
            1000,
        ),
        ("sequence-one", {"type": "sequence", "phases": [_TAIL]}, 10),
        (
            "sequence-jump-exp",
            {
                "type": "sequence",
                "phases": [
                    {"steps": 3, "type": "step", "start_lr": 1.0, "step_size": 1, "gamma": 0.5},
                    {"type": "exp", "start_lr": 2.0, "stop_lr": 1e-3, "decay_steps": 10},
                ],
            },
            1000,
        ),
        (
            "sequence-late",
            {
                "type": "sequence",
                "phases": [
                    {"steps": INT32_MAX - 5, "type": "linear", "start_lr": 1.0, "stop_lr": 0.5},
                    {"type": "cosine", "start_lr": 0.25, "stop_lr": 0.0},
                ],
            },
            INT32_MAX,
        ),
    ],
    {"type": "sequence", "phases": [{"steps": 100, **_WARM, "warmup_start_factor": 0.1}, _TAIL]},
    [
        (
            "constant warmup N/10, restarts N/2 (cycle N/100, mult 2), cosine",
            lambda n: {
                "type": "sequence",
                "phases": [
                    {"steps": max(2, n // 10), **_WARM},
                    {"steps": max(1, n // 2), **_RESTARTS, "cycle_steps": max(1, n // 100)},
                    _TAIL,
                ],
            },
        ),
    ],
    sequence_st(),
    peak=_sequence_peak,
    phases=_anywhere,
    property_marks=_sequence_property_marks,
    continuous_at_warmup_end=False,
)
TYPES["product"] = TypeCase(
    ref_product,
    product_marks,
    [
        (
            "product-cosine-step-const",
            {
                "type": "product",
                "factors": [
                    0.5,
                    {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-6},
                    {
                        "type": "step",
                        "start_lr": 1.0,
                        "step_size": 100,
                        "gamma": 0.5,
                        "scale_by_worker": "none",
                    },
                ],
            },
            1000,
        ),
        (
            "product-restarts-warmup",
            {
                "type": "product",
                "factors": [
                    {**_RESTARTS, "scale_by_worker": "linear"},
                    {**_WARM, "start_lr": 1.0, "scale_by_worker": "none"},
                ],
            },
            500,
        ),
        (
            "product-of-sequence",
            {
                "type": "product",
                "factors": [{"type": "sequence", "phases": [{"steps": 100, **_WARM}, _TAIL]}, 3.0],
            },
            1000,
        ),
    ],
    {"type": "product", "factors": [{"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5}, 0.5]},
    [
        (
            "cosine x step (gamma 0.5, N/4) x 0.3",
            lambda n: {
                "type": "product",
                "factors": [
                    {**BASE, "type": "cosine", "stop_lr": 1e-6},
                    {
                        "type": "step",
                        "start_lr": 1.0,
                        "step_size": max(1, n // 4),
                        "gamma": 0.5,
                        "scale_by_worker": "none",
                    },
                    0.3,
                ],
            },
        ),
    ],
    product_st(),
    peak=_product_peak,
    phases=_anywhere,
    continuous_at_warmup_end=False,
)


def ref_shifted(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """The schedule read at ``clip(step + start_step, 0, 2**31 - 1)`` (Schedule.shifted)."""
    shifted = np.clip(np.asarray(steps, np.int64) + cfg["start_step"], 0, INT32_MAX)
    return reference(cfg["schedule"], n, shifted)


def shifted_marks(cfg: Config, n: int) -> Marks:
    k = cfg["start_step"]
    inner = cfg["schedule"]
    m = TYPES[inner.get("type", "exp")].marks(inner, n)

    def local(values: list[int]) -> list[int]:
        return sorted({min(max(v - k, 0), INT32_MAX) for v in values})

    phases = [(max(a - k, 0), max(b - k, 0)) for a, b in m.phases if b - k > 0]
    return Marks(local([0, *m.bounds]), local(m.stairs)[:MAX_MARKS], phases)


@st.composite
def shifted_st(draw: Any) -> tuple[Config, int, int]:
    cfg, n = draw(st.sampled_from(_PARTS))
    k = draw(st.integers(-INT32_MAX, INT32_MAX) | st.integers(-n, n))
    return {"type": "shifted", "start_step": k, "schedule": cfg}, n, 1


def _shifted_peak(resolved: Any) -> float:
    return _peak_of(resolved.schedule, INT32_MAX)


TYPES["shifted"] = TypeCase(
    ref_shifted,
    shifted_marks,
    [
        ("shifted-wsd", {"type": "shifted", "start_step": 300, "schedule": _WSD_SHIFT}, 1000),
        ("shifted-delay", {"type": "shifted", "start_step": -50, "schedule": _TAIL}, 500),
        (
            "shifted-sequence",
            {
                "type": "shifted",
                "start_step": 90,
                "schedule": {"type": "sequence", "phases": [{"steps": 100, **_WARM}, _TAIL]},
            },
            1000,
        ),
        ("shifted-late", {"type": "shifted", "start_step": INT32_MAX - 3, "schedule": _TAIL}, 10),
    ],
    {"type": "shifted", "start_step": 100, "schedule": _WSD_SHIFT},
    [
        (
            "wsd shifted by N/3",
            lambda n: {"type": "shifted", "start_step": n // 3, "schedule": _WSD_SHIFT},
        )
    ],
    shifted_st(),
    peak=_shifted_peak,
    phases=_anywhere,
    continuous_at_warmup_end=False,
)


def ref_inverse_time(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """Keras' InverseTimeDecay: ``max(s0 / (1 + r * p), e)``, ``p = t / d`` or ``t // d``."""
    s0, e, _, _ = shared_keys(cfg, n)
    t, d = _decay_step(cfg, n, steps).astype(np.float64), cfg["decay_steps"]
    p = t / d if cfg.get("smooth", True) else np.floor(t / d)
    return with_warmup(cfg, n, steps, np.maximum(s0 / (1 + cfg["decay_rate"] * p), e))


TYPES["inverse_time"] = TypeCase(
    ref_inverse_time,
    lambda cfg, n: Marks(
        warmup_marks(cfg, n).bounds,
        []
        if cfg.get("smooth", True)
        else pick(
            _arithmetic(warmup_of(cfg, n) + cfg["decay_steps"], INT32_MAX, cfg["decay_steps"]), n
        ),
        warmup_marks(cfg, n).phases,
    ),
    _classic(
        "inverse_time",
        {
            "inverse_time": dict(start_lr=1e-3, decay_steps=1000, decay_rate=0.5, num_steps=10**5),
            "inverse_time-stairs-floor": dict(
                start_lr=1e-3,
                decay_steps=70,
                decay_rate=2.0,
                smooth=False,
                stop_lr=1e-6,
                num_steps=10**6,
            ),
            "inverse_time-fast": dict(
                start_lr=1e-3,
                decay_steps=1,
                decay_rate=1e30,
                smooth=False,
                warmup_steps=10,
                num_steps=1000,
            ),  # c > 1: (s0/c) / (1/c + n)
            "inverse_time-batch-scaled": dict(
                start_lr=1e-3,
                decay_steps=500,
                decay_rate=0.1,
                warmup_steps=300,
                num_steps=10**5,
                batch_scaling={
                    "batch_size": 1024,
                    "reference_batch_size": 256,
                    "scale_warmup": True,
                },
            ),
        },
    ),
    {"type": "inverse_time", "start_lr": 1e-3, "decay_steps": 1000, "decay_rate": 0.5},
    [
        (
            "Keras' default (smooth), decay_steps N/100, rate 1",
            lambda n: {
                **BASE,
                "type": "inverse_time",
                "decay_steps": max(1, n // 100),
                "decay_rate": 1.0,
            },
        ),
        (
            "staircase, decay_steps 997, rate 10, stop_lr 1e-7 floor",
            {
                **BASE,
                "type": "inverse_time",
                "decay_steps": 997,
                "decay_rate": 10.0,
                "smooth": False,
                "stop_lr": 1e-7,
            },
        ),
    ],
    configs_st(
        "inverse_time",
        stop="optional",
        extra=lambda draw, config, n: config.update(
            decay_steps=draw(steps_key_st),
            decay_rate=draw(st.one_of(st.floats(0, 10), st.sampled_from([0.0, 1e-9, 1e6, 1e30]))),
            smooth=draw(st.booleans()),
        ),
    ),
)

# --- timm's TanhLRScheduler and float cycle_mul (lrs.timm) ---------------------------------------


def real_cycles(
    t: np.ndarray, first: int, mult: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """timm's cycles of real length: index ``i``, ``t_curr = t - S_i`` and ``t_i = L_i`` for
    each ``t``, with ``S_i = first (m**i - 1) / (m - 1)`` and ``L_i = first m**i`` summed in
    exact rationals (``i``: the last cycle with ``S_i <= t``); integer ``mult`` through
    :func:`restart_cycles`."""
    from fractions import Fraction

    t = np.asarray(t, np.int64)
    if float(mult).is_integer():
        i, start, length = restart_cycles(t, first, int(mult))
        return i, (t - start).astype(np.float64), length.astype(np.float64)
    m = Fraction(mult)
    starts, lengths = [Fraction(0)], [Fraction(first)]
    top = int(t.max(initial=0))
    while starts[-1] + lengths[-1] <= top:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * m)
    import bisect

    flat = [int(x) for x in t.ravel()]
    index = [bisect.bisect_right(starts, x) - 1 for x in flat]
    done = [float(x - starts[k]) for x, k in zip(flat, index, strict=True)]
    size = [float(lengths[k]) for k in index]
    return (
        np.asarray(index, np.int64).reshape(t.shape),
        np.asarray(done).reshape(t.shape),
        np.asarray(size).reshape(t.shape),
    )


def real_cycle_starts(first: int, mult: float, last: int = INT32_MAX) -> list[int]:
    """The first integer step of every cycle that starts at or before ``last``:
    ``ceil(S_i)``, from exact rationals."""
    from fractions import Fraction

    m, start, length, out = Fraction(mult), Fraction(0), Fraction(first), []
    while start <= last:
        out.append(math.ceil(start))
        start, length = start + length, length * m
    return out


def ref_tanh(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """timm's ``TanhLRScheduler._get_lr``: ``lr_min + 0.5 (lr_max d**i - lr_min) (1 - tanh(lb
    + (ub - lb) t_curr / t_i))`` for ``i < cycle_limit``, else ``lr_min``; the peak is kept at
    ``lr_min`` at least (the package's rule for decayed peaks). ``(1 - tanh(x)) / 2`` is
    written ``1 / (1 + exp(2 x))`` (the same number, without the cancellation of ``1 -
    tanh(x)`` near 1). With ``warmup_prefix`` false the decay runs on the global step and
    the warmup climbs from ``f s0`` to the decay's value at ``w`` (timm's ``warmup_steps``
    from ``_get_lr(warmup_t)``)."""
    s0, e, w, f = shared_keys(cfg, n)
    prefix = cfg.get("warmup_prefix", True)
    lb, ub = cfg.get("lb", -7.0), cfg.get("ub", 3.0)
    first = cfg.get("cycle_steps") or (n - w if prefix else n)

    def decay(t: np.ndarray) -> np.ndarray:
        if first == 0:
            return np.full(t.shape, s0)
        i, done, length = real_cycles(t, first, cfg.get("cycle_mult", 1))
        x = lb + (ub - lb) * (done / length)
        with np.errstate(over="ignore"):
            shape = 1 / (1 + np.exp(2 * x))
        peak = s0 * cfg.get("cycle_decay", 1.0) ** i.astype(np.float64)
        lr = e + np.maximum(peak - e, 0) * shape
        return np.where(i >= cfg.get("cycle_limit", 1), e, lr)

    steps = np.asarray(steps, np.int64)
    if prefix:
        return with_warmup(cfg, n, steps, decay(np.maximum(steps - w, 0)))
    lr = decay(steps)
    if w == 0:
        return lr
    target = decay(np.asarray([w]))[0]
    warm = f * s0 + (target - f * s0) * steps.astype(np.float64) / w
    return np.where(steps < w, warm, lr)


def tanh_marks(cfg: Config, n: int) -> Marks:
    """The warmup, every restart (capped) and the cycles that hold 0, N, 2**24, 2**31 - 1."""
    bounds, _, phases = warmup_marks(cfg, n)
    w = warmup_of(cfg, n)
    offset = w if cfg.get("warmup_prefix", True) else 0
    first = cfg.get("cycle_steps") or (n - offset)
    if first == 0:
        return Marks(bounds, [], phases)
    mult = cfg.get("cycle_mult", 1)
    if mult == 1:
        starts = list(_arithmetic(0, INT32_MAX - offset, first))
    else:
        starts = real_cycle_starts(first, mult, INT32_MAX - offset)
    restarts = np.asarray([offset + s for s in starts] + [INT32_MAX + 1], np.int64)
    for anchor in (offset, n, 2**24, INT32_MAX):
        j = max(int(np.searchsorted(restarts, anchor, side="right")) - 1, 0)
        phases.append((int(restarts[j]), int(min(restarts[j + 1] - 1, INT32_MAX))))
    return Marks(bounds, pick(restarts[1:-1], n), sorted(set(phases)))


def _tanh_keys(draw: Any, config: Config, n: int) -> None:
    lb = draw(st.one_of(st.sampled_from([-7.0, -6.0, -3.0, 0.0]), st.floats(-50, 5)))
    _optional(draw, config, "lb", st.just(lb))
    ub = draw(st.one_of(st.sampled_from([3.0, 4.0, 8.0]), st.floats(lb + 0.01, lb + 60)))
    config["ub"] = max(ub, config.get("lb", -7.0) + 0.01)
    if draw(st.booleans()):
        config["cycle_steps"] = draw(steps_key_st)
        mult_st = st.one_of(st.integers(1, 4), st.sampled_from([1.5, 1.25, 3.7, 2.0]))
        _optional(draw, config, "cycle_mult", mult_st)
        _optional(draw, config, "cycle_decay", factor_st)
        _optional(draw, config, "cycle_limit", st.integers(0, 40))


def _tanh_phases(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Up during warmup (the decay starts at step w below the peak the warmup climbs to);
    then never up within a cycle (the restarts jump back up)."""
    w = resolved.warmup_steps
    first = resolved.cycle_steps or (num_steps - w)
    phases = {(0, max(w - 1, 0), RISES)}
    if first == 0:
        return sorted(phases)
    mult = resolved.cycle_mult
    if mult == 1:
        for t in {int(x) - w for x in steps if x >= w}:
            start = t - t % first
            phases.add((w + start, w + start + first - 1, FALLS))
        return sorted(phases)
    starts = [*real_cycle_starts(first, mult, INT32_MAX - w), INT32_MAX + 1]
    for t in {int(x) - w for x in steps if x >= w}:
        j = np.searchsorted(starts, t, side="right") - 1
        phases.add((w + starts[j], min(w + starts[j + 1] - 1, INT32_MAX), FALLS))
    return sorted(phases)


def _tanh_property_marks(resolved: Any, num_steps: int) -> list[int]:
    w = resolved.warmup_steps
    first = resolved.cycle_steps or (num_steps - w)
    if first == 0:
        return []
    if resolved.cycle_mult == 1:
        last = (INT32_MAX - w) // first * first
        starts = sorted({0, first, 2 * first, max(last - first, 0), last})
    else:
        starts = real_cycle_starts(first, resolved.cycle_mult, INT32_MAX - w)
    return [w + s for s in starts[:4] + starts[-2:] if w + s <= INT32_MAX]


TYPES["tanh"] = TypeCase(
    ref_tanh,
    tanh_marks,
    _classic(
        "tanh",
        {
            "tanh-timm-cycles-warmup_prefix-false": dict(
                start_lr=0.1,
                stop_lr=1e-4,
                cycle_steps=20,
                cycle_mult=2,
                cycle_limit=4,
                warmup_steps=40,
                warmup_start_factor=1e-3,
                warmup_prefix=False,
                num_steps=400,
            ),
            "tanh": dict(start_lr=1e-3, num_steps=10_000),
            "tanh-lb-ub-floor-warmup": dict(
                start_lr=1e-3, stop_lr=1e-5, lb=-6.0, ub=4.0, warmup_steps=100, num_steps=10**5
            ),
            "tanh-float-cycle_mult": dict(
                start_lr=1e-3,
                stop_lr_ratio=1e-3,
                cycle_steps=40,
                cycle_mult=1.5,
                cycle_decay=0.7,
                cycle_limit=1000,
                warmup_steps=10,
                num_steps=2000,
            ),
            "tanh-steep-long": dict(start_lr=1.0, lb=-2.0, ub=8.0, num_steps=INT32_MAX - 5),
            "tanh-limit0": dict(
                start_lr=1e-3,
                stop_lr=1e-6,
                cycle_steps=10,
                cycle_limit=0,
                warmup_steps=5,
                num_steps=100,
            ),
        },
    ),
    {"type": "tanh", "start_lr": 1e-3, "lb": -6.0},
    [
        ("lb -7, ub 3 (timm's), stop_lr 0", {**BASE, "type": "tanh"}),
        (
            "lb -6, ub 8, stop_lr_ratio 1e-5, warmup 1 %",
            {
                **BASE,
                "type": "tanh",
                "lb": -6.0,
                "ub": 8.0,
                "stop_lr_ratio": 1e-5,
                "warmup_ratio": 0.01,
            },
        ),
        (
            "timm: cycle_steps N/10, cycle_mult 1.5, cycle_decay 0.8, cycle_limit 30",
            lambda n: {
                **BASE,
                "type": "tanh",
                "cycle_steps": max(1, n // 10),
                "cycle_mult": 1.5,
                "cycle_decay": 0.8,
                "cycle_limit": 30,
            },
        ),
    ],
    configs_st("tanh", stop="optional", extra=_tanh_keys),
    phases=_tanh_phases,
    property_marks=_tanh_property_marks,
    continuous_at_warmup_end=False,  # the tanh starts at (1 - tanh(lb)) / 2 of the peak
)

# fmt: on

# --- stacked sweeps (lrs.stack) ---------------------------------------------------------------
# Per type, groups of (config, num_steps) that differ in step counts and float hyperparameters
# but not in modes: each group is stacked into one schedule and evaluated under one jit(vmap).


def grid(base: Config, num_steps: list[int], **choices: list[Any]) -> list[tuple[Config, int]]:
    """Every combination of ``choices`` (key -> values) and ``num_steps`` over ``base``; a
    combination whose warmup does not fit (``warmup_steps >= N``) is left out."""
    out = []
    keys = list(choices)
    for n in num_steps:
        for combo in itertools.product(*(choices[k] for k in keys)):
            config = {**base, **dict(zip(keys, combo, strict=True))}
            if config.get("warmup_steps", 0) and config["warmup_steps"] >= n:
                continue
            out.append((config, n))
    return out


_SWEEP_N = [1000, 10**6, INT32_MAX]
_WARMUPS = {"warmup_steps": [0, 7, 900]}
_SEQ_PHASE = {"type": "cosine", "start_lr": 5e-4, "stop_lr": 1e-6}

SWEEPS: dict[str, list[list[tuple[Config, int]]]] = {
    "exp": [
        grid(
            {"type": "exp", "stop_lr": 1e-8},
            _SWEEP_N,
            start_lr=[1e-3, 1e-2],
            decay_steps=[3, 997, 5000],
            **_WARMUPS,
        ),
        grid(
            {"type": "exp", "stop_lr": 1e-8, "smooth": True, "start_lr": 1e-3},
            _SWEEP_N,
            decay_steps=[1, 997, 2**25 + 3],
            **_WARMUPS,
        ),
        grid(
            {"type": "exp", "stop_lr": 1e-8, "decay_rate": 0.95, "start_lr": 1e-3},
            _SWEEP_N,
            decay_steps=[50, 5000],
            **_WARMUPS,
        ),
    ],
    "cosine": [
        grid(
            {"type": "cosine", "stop_lr": 1e-8},
            _SWEEP_N,
            start_lr=[1e-3, 2.0],
            warmup_steps=[0, 7, 900],
        )
    ],
    "wsd": [
        grid(
            {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-6, "decay_type": kind},
            _SWEEP_N,
            decay_phase_ratio=[0.1, 0.5, 1.0],
            **_WARMUPS,
        )
        for kind in ("inverse_linear", "cosine", "linear", "1-sqrt")
    ]
    + [
        grid(
            {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-6},
            _SWEEP_N,
            decay_phase_steps=[1, 99],
            **_WARMUPS,
        ),
    ],
    "rex": [grid({"type": "rex", "start_lr": 1e-3, "stop_lr": 0.0}, _SWEEP_N, **_WARMUPS)],
    "constant": [
        grid(
            {"type": "constant"},
            _SWEEP_N,
            start_lr=[1e-3, 0.5],
            warmup_start_factor=[0.0, 0.1],
            **_WARMUPS,
        )
    ],
    "step": [
        grid(
            {"type": "step", "start_lr": 1e-3, "gamma": 0.5},
            _SWEEP_N,
            step_size=[1, 1000, 10**8],
            **_WARMUPS,
        )
    ],
    "multistep": [
        grid(
            {"type": "multistep", "start_lr": 1e-3, "gamma": 0.3},
            _SWEEP_N,
            milestones=[[1, 500], [100, 2 * 10**9]],
            **_WARMUPS,
        )
    ],
    "polynomial": [
        grid(
            {"type": "polynomial", "start_lr": 1e-3, "stop_lr": 1e-5},
            _SWEEP_N,
            power=[0.5, 3.0, 19.0],
            **_WARMUPS,
        )
    ],
    "linear": [grid({"type": "linear", "start_lr": 1e-3, "stop_lr": 0.0}, _SWEEP_N, **_WARMUPS)],
    "inverse_sqrt": [
        grid(
            {"type": "inverse_sqrt", "start_lr": 1e-3, "stop_lr": 1e-5},
            _SWEEP_N,
            timescale=[1, 50, 10**6],
            **_WARMUPS,
        )
    ],
    "cosine_restarts": [
        grid(
            {"type": "cosine_restarts", "start_lr": 1e-3, "stop_lr": 1e-6, "cycle_decay": 0.5},
            _SWEEP_N,
            cycle_steps=[1, 7, 10**6],
            cycle_mult=[1, 2, 3],
            **_WARMUPS,
        ),
        grid(
            {"type": "cosine_restarts", "start_lr": 1e-3, "stop_lr": 1e-6, "k_decay": 0.5},
            [1000, 10**6],
            cycle_steps=[7, 1000],
            cycle_mult=[1, 2],
            cycle_limit=[1, 3],
        ),
    ],
    "one_cycle": [
        grid(
            {"type": "one_cycle", "max_lr": 1.0, "three_phase": three},
            [997, 10**6, INT32_MAX],
            pct_start=[0.1, 0.3, 0.45],
        )
        for three in (False, True)
    ]
    + [  # short runs, phases of length 0 or below one step, both anneal strategies
        grid(
            {"type": "one_cycle", "max_lr": 1e-3, "anneal_strategy": kind, "three_phase": three},
            [1, 2, 10, 1001, INT32_MAX - 1],
            pct_start=[0.0, 0.005, 0.25, 1 / 3, 0.5] + [0.75, 1.0] * (not three),
        )
        for kind in ("cos", "linear")
        for three in (False, True)
    ],
    "cyclic": [
        grid(
            {"type": "cyclic", "base_lr": 1e-4, "max_lr": 1e-2, "mode": mode},
            [1000, 10**6],
            step_size_up=[1, 5, 2000, 2 * 10**9],
            step_size_down=[3, 10**6, 2 * 10**9],  # up + down above 2**31 - 1: one cycle
        )
        for mode in ("triangular", "triangular2")
    ]
    + [
        grid(
            {
                "type": "cyclic",
                "base_lr": 1e-4,
                "max_lr": 1e-2,
                "mode": "exp_range",
                "gamma": 0.99994,
            },
            [1000, 10**6],
            step_size_up=[1, 5, 2000],
        )
    ],
    "sequence": [
        [
            (
                {
                    "type": "sequence",
                    "phases": [
                        {"steps": b, "type": "constant", "start_lr": 1e-3, "warmup_steps": w},
                        _SEQ_PHASE,
                    ],
                },
                n,
            )
            for b, w, n in [(10, 5, 1000), (100, 0, 1000), (500, 99, 10**6), (10**6, 7, INT32_MAX)]
        ],
        [
            (
                {
                    "type": "sequence",
                    "phases": [
                        {"steps": b1, "type": "constant", "start_lr": 1e-3, "warmup_steps": b1 - 1},
                        {"steps": b2, **_SEQ_PHASE},
                        {"type": "constant", "start_lr": 2e-5, "warmup_steps": w},
                    ],
                },
                n,
            )
            for b1, b2, w, n in [
                (1, 1, 0, 1000),
                (7, 500, 3, 1000),
                (10**5, 10**9, 10**4, INT32_MAX),
            ]
        ],
    ],
    "product": [
        [
            (
                {
                    "type": "product",
                    "factors": [
                        {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-6, "warmup_steps": w},
                        {
                            "type": "constant",
                            "start_lr": 1.0,
                            "warmup_steps": k,
                            "warmup_start_factor": 0.1,
                            "scale_by_worker": "none",
                        },
                        0.5,
                    ],
                },
                n,
            )
            for w, k, n in [(0, 100, 1000), (10, 7, 1000), (900, 10**5, 10**6), (3, 0, INT32_MAX)]
        ]
    ],
    "shifted": [
        [
            ({"type": "shifted", "start_step": k, "schedule": {**_WSD_SHIFT, "warmup_steps": w}}, n)
            for k, w, n in [(0, 0, 1000), (300, 50, 1000), (-70, 7, 10**6), (INT32_MAX - 9, 3, 100)]
        ]
    ],
}


def derived_sweep(name: str) -> list[tuple[Config, int]]:
    """A stack group for a type without its own groups in SWEEPS: its base config at two
    run lengths, two peaks, two warmups (a type with a warmup), and each integer key of the
    base (a count) at its value and twice it: every combination that validates."""
    from lrschedules_jax import ConfigError, validate

    base = TYPES[name].base
    props = _models()[name].model_json_schema()["properties"]
    peak = "start_lr" if "start_lr" in base else "max_lr"
    choices: dict[str, list[Any]] = {peak: [base[peak], 3 * base[peak]]}
    if "warmup_steps" in props and "warmup_ratio" not in base:
        choices["warmup_steps"] = [0, 7]
    for key, value in base.items():
        if props.get(key, {}).get("type") == "integer" and key not in choices:
            choices[key] = [value, min(2 * value, INT32_MAX)]
    group = []
    for config, n in grid(base, [1000, 10**6], **choices):
        try:
            validate(config, n)
        except ConfigError:
            continue
        group.append((config, n))
    return group


# --- type sets, read from the registry (the config models of the registered types) ------------
# What a generic test iterates over: never a hand-written list of names, so a new type is
# covered by its row in TYPES alone.


def _models() -> dict[str, Any]:
    from lrschedules_jax.config import config_types

    return config_types()


def types_with(key: str) -> list[str]:
    """The registered types that have the key ``key``."""
    return [name for name, model in _models().items() if key in model.model_fields]


#: DeePMD-kit's own types (the types DeePMD-kit 3.2 knows: not extensions).
DEEPMD_TYPES = [name for name, model in _models().items() if not model.extension_type()]
#: The types with a `start_lr` and the shared warmup.
WARMUP_TYPES = types_with("warmup_steps")
#: The warmup types with the stop keys: required, optional (a floor), or without them.
STOP_TYPES = [t for t in WARMUP_TYPES if t in types_with("stop_lr")]
STOP_REQUIRED_TYPES = [t for t in STOP_TYPES if "stop_lr" in TYPES[t].base]
STOP_OPTIONAL_TYPES = [t for t in STOP_TYPES if t not in STOP_REQUIRED_TYPES]
NO_STOP_TYPES = [t for t in WARMUP_TYPES if t not in STOP_TYPES]


for _name in TYPES:
    if _name not in SWEEPS:
        SWEEPS[_name] = [derived_sweep(_name)]

# --- keys added for the peers' dialects (lrs.torch, lrs.timm) -----------------------------------
# Appended rows: each type's reference gains its new keys, its examples and precision rows grow.


# cosine num_cycles examples (their reference is ref_cosine_keys, below)
TYPES["cosine"] = dataclasses.replace(
    TYPES["cosine"],
    examples=[
        *TYPES["cosine"].examples,
        (
            "cosine-num_cycles0.5",
            {"type": "cosine", "start_lr": 0.1, "stop_lr": 1e-3, "num_cycles": 0.5},
            100,
        ),
        (
            "cosine-num_cycles0.5-warmup",
            {
                "type": "cosine",
                "start_lr": 2e-3,
                "stop_lr": 0.0,
                "num_cycles": 0.5,
                "warmup_steps": 7,
            },
            10**6,
        ),
        (
            "cosine-num_cycles1.5",
            {
                "type": "cosine",
                "start_lr": 1e-3,
                "stop_lr": 1e-5,
                "num_cycles": 1.5,
                "warmup_ratio": 0.1,
            },
            1010,
        ),
        (
            "cosine-num_cycles0.5-long",
            {"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "num_cycles": 0.5},
            2**30 + 7,
        ),
    ],
    bench=[
        *TYPES["cosine"].bench,
        (
            "num_cycles 0.5, stop_lr 0 (torch's CosineAnnealingLR past T_max)",
            {**BASE, "type": "cosine", "stop_lr": 0.0, "num_cycles": 0.5},
        ),
        (
            "num_cycles 2.5, stop_lr 1e-5, warmup 1 %",
            {**BASE, "type": "cosine", "stop_lr": 1e-5, "num_cycles": 2.5, "warmup_ratio": 0.01},
        ),
    ],
)

TYPES["step"] = dataclasses.replace(
    TYPES["step"],
    examples=[
        *TYPES["step"].examples,
        *_classic(
            "step",
            {
                "step-rising": dict(
                    start_lr=1e-3, step_size=1_000_000, gamma=1.001, num_steps=10_000
                ),
                "step-rising-tiny-warmup": dict(
                    start_lr=1e-30, step_size=2**24, gamma=1.5, num_steps=100, warmup_steps=3
                ),
            },
        ),
    ],
    bench=[
        *TYPES["step"].bench,
        (
            "step_size 1,000,000, gamma 1.001 (rising, torch's StepLR)",
            {**BASE, "type": "step", "step_size": 1_000_000, "gamma": 1.001},
        ),
    ],
)

TYPES["multistep"] = dataclasses.replace(
    TYPES["multistep"],
    examples=[
        *TYPES["multistep"].examples,
        *_classic(
            "multistep",
            {
                "multistep-rising": dict(
                    start_lr=1e-3, milestones=[10, 2**24 + 1, 2**31 - 2], gamma=2.0, num_steps=100
                ),
            },
        ),
    ],
    bench=[
        *TYPES["multistep"].bench,
        (
            "milestones 1e4, 2^24 + 1, 2e9, gamma 3 (rising)",
            {
                **BASE,
                "type": "multistep",
                "gamma": 3.0,
                "milestones": [10_000, 2**24 + 1, 2 * 10**9],
            },
        ),
    ],
)


def _overlaid(ref: Callable[[Config, int, np.ndarray], np.ndarray]) -> Any:
    """A reference with ``warmup_prefix`` (timm's): false, the decay is the type's without a
    warmup on the global step, and the linear warmup replaces its first ``w`` steps."""

    def reference(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
        if cfg.get("warmup_prefix", True):
            return ref(cfg, n, steps)
        warm_keys = ("warmup_steps", "warmup_ratio", "warmup_start_factor", "warmup_prefix")
        decay = ref({k: v for k, v in cfg.items() if k not in warm_keys}, n, steps)
        s0, w, f = (
            float(cfg["start_lr"]),
            written_warmup(cfg, n),
            cfg.get("warmup_start_factor", 0.0),
        )
        if w == 0:
            return decay
        warm = f * s0 + (s0 - f * s0) * steps.astype(np.float64) / w
        return np.where(steps < w, warm, decay)

    return reference


_NO_PREFIX = {
    "cosine_restarts": {
        "type": "cosine_restarts",
        "start_lr": 0.1,
        "stop_lr": 1e-5,
        "cycle_steps": 1000,
        "cycle_limit": 1,
        "warmup_steps": 50,
        "warmup_start_factor": 0.001,
        "warmup_prefix": False,
    },
    "step": {
        "type": "step",
        "start_lr": 0.1,
        "step_size": 100,
        "gamma": 0.1,
        "warmup_steps": 10,
        "warmup_start_factor": 0.001,
        "warmup_prefix": False,
    },
    "multistep": {
        "type": "multistep",
        "start_lr": 0.1,
        "milestones": [100, 300],
        "gamma": 0.5,
        "warmup_steps": 20,
        "warmup_prefix": False,
    },
    "polynomial": {
        "type": "polynomial",
        "start_lr": 0.1,
        "stop_lr": 1e-4,
        "power": 2.0,
        "warmup_steps": 50,
        "warmup_start_factor": 1e-4,
        "warmup_prefix": False,
    },
}
for _name, _cfg in _NO_PREFIX.items():
    TYPES[_name] = dataclasses.replace(
        TYPES[_name],
        reference=_overlaid(TYPES[_name].reference),
        examples=[*TYPES[_name].examples, (f"{_name}-warmup_prefix-false", _cfg, 500)],
        bench=[
            *TYPES[_name].bench,
            (
                f"warmup_prefix false (timm's overlaid warmup), {_name}",
                {k: v for k, v in _cfg.items() if k != "start_lr"} | BASE,
            ),
        ],
    )


def ref_cosine_restarts_real(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``cosine_restarts`` with a float ``cycle_mult`` (timm's cycles of real length): the
    cosine on ``q = t_curr / t_i`` from :func:`real_cycles`; integer ones as before."""
    mult = cfg.get("cycle_mult", 1)
    if float(mult).is_integer():
        return _COSINE_RESTARTS_INT(cfg, n, steps)

    def ref(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
        s0, e, _, _ = shared_keys(cfg, n)
        t = _decay_step(cfg, n, steps)
        i, done, length = real_cycles(t, cfg["cycle_steps"], mult)
        peak = s0 * cfg.get("cycle_decay", 1.0) ** i.astype(np.float64)
        k = cfg.get("k_decay", 1.0)
        q, x = done / length, (length - done) / length
        with np.errstate(divide="ignore"):
            u = np.where(q < 0.5, -np.expm1(k * np.log(q)), -np.expm1(k * np.log1p(-x)))
        decay = e + np.maximum(peak - e, 0) * np.sin(np.pi / 2 * u) ** 2
        if cfg.get("cycle_limit") is not None:
            decay = np.where(i >= cfg["cycle_limit"], e, decay)
        return with_warmup(cfg, n, steps, decay)

    return _overlaid(ref)(cfg, n, steps)


def restart_marks_real(cfg: Config, n: int) -> Marks:
    mult = cfg.get("cycle_mult", 1)
    if float(mult).is_integer():
        return restart_marks(cfg, n)
    return tanh_marks({**cfg, "warmup_prefix": True}, n)


_COSINE_RESTARTS_INT = TYPES["cosine_restarts"].reference
TYPES["cosine_restarts"] = dataclasses.replace(
    TYPES["cosine_restarts"],
    reference=ref_cosine_restarts_real,
    marks=restart_marks_real,
    examples=[
        *TYPES["cosine_restarts"].examples,
        *_classic(
            "cosine_restarts",
            {
                "restarts-timm-float-mult1.5": dict(
                    start_lr=0.1,
                    stop_lr=1e-3,
                    cycle_steps=40,
                    cycle_mult=1.5,
                    cycle_limit=5,
                    num_steps=600,
                ),
                "restarts-float-mult1.1-decay-k2-warmup": dict(
                    start_lr=1e-3,
                    stop_lr=1e-6,
                    cycle_steps=3,
                    cycle_mult=1.1,
                    cycle_decay=0.97,
                    k_decay=2.0,
                    warmup_steps=7,
                    num_steps=10**6,
                ),
                "restarts-float-mult2.5-huge": dict(
                    start_lr=1.0,
                    stop_lr=0.0,
                    cycle_steps=2**29 + 3,
                    cycle_mult=2.5,
                    num_steps=100,
                ),
            },
        ),
    ],
    bench=[
        *TYPES["cosine_restarts"].bench,
        (
            "timm: cycle_steps N/100, cycle_mult 1.5, stop_lr 0",
            lambda n: {
                **BASE,
                "type": "cosine_restarts",
                "cycle_steps": max(1, n // 100),
                "cycle_mult": 1.5,
                "stop_lr": 0.0,
            },
        ),
    ],
)


# Every example of every type, as (id, type name, config, num_steps).
EXAMPLES = [(name, t, cfg, n) for t, case in TYPES.items() for name, cfg, n in case.examples]
# One example per type, its richest options (the jit, dtype and vmap tests compile each once).
REPRESENTATIVE = [(case.examples[0][0], t, *case.examples[0][1:]) for t, case in TYPES.items()]
EXAMPLE_BY_ID = {name: (t, cfg, n) for name, t, cfg, n in EXAMPLES}


def reference(config: Config, num_steps: int, steps: Any) -> np.ndarray:
    """The float64 reference of a ``learning_rate`` mapping (``type`` defaults to exp) at
    integer ``steps``, without the worker scale."""
    steps = np.asarray(steps, dtype=np.int64)
    return TYPES[config.get("type", "exp")].reference(config, num_steps, steps)


# --- evaluation and comparison helpers -----------------------------------------------------------

RTOL = 2e-6  # float32
RTOL_X64 = 1e-10  # under jax_enable_x64
ATOL = 1e-30  # float32 flushes subnormals: rates below ~1e-38 may read 0
CHUNK = 4096


def values(sched: Any, steps: Any, dtype: Any = np.int32, *, compiled: bool = True) -> np.ndarray:
    """``sched(steps)`` as float64, evaluated in chunks of one fixed shape.

    ``compiled``: as a user's eager call runs it, one compiled program per schedule (the chunks
    share it). ``compiled=False``: op by op (``jax.disable_jit``), where JAX compiles each
    primitive once per shape and dtype, shared by every schedule: for tests that evaluate many
    distinct schedules once each (hundreds of compilations otherwise).
    """
    steps = np.asarray(steps, dtype=dtype).ravel()
    pad = (-len(steps)) % CHUNK
    padded = np.concatenate([steps, np.zeros(pad, dtype)]).reshape(-1, CHUNK)
    with jax.disable_jit(not compiled):
        out = np.concatenate([np.asarray(sched(chunk), dtype=np.float64) for chunk in padded])
    return out[: len(steps)]


#: How many schedules share one compiled program in ``folded_values``.
BATCH = 48


def folded_values(schedules: list[Any], steps: list[Any]) -> list[np.ndarray]:
    """``[values(s, t) for s, t in zip(schedules, steps)]`` in one compiled program per
    ``BATCH`` schedules instead of one per schedule.

    Each schedule runs exactly what its eager call compiles: its ``_evaluate`` with every
    hyperparameter folded in as a constant, on the steps clamped as the eager call clamps them
    (a NumPy int64 step converts as JAX converts a jit argument). The schedules only share the
    compilation (``test_values.test_matches_float64_reference`` checks a row of every group
    against its schedule's own call, bit for bit).
    """
    from lrschedules_jax._schedule import _host_step

    clamped = [_host_step(np.asarray(t, np.int64).ravel()) for t in steps]
    width = -(-max(len(t) for t in clamped) // CHUNK) * CHUNK  # a few shapes for every batch
    out: list[np.ndarray] = []
    for first in range(0, len(schedules), BATCH):
        part, part_steps = schedules[first : first + BATCH], clamped[first : first + BATCH]
        grid = np.zeros((len(part), width), part_steps[0].dtype)
        for row, t in enumerate(part_steps):
            grid[row, : len(t)] = t
        program = jax.jit(lambda g, part=part: [s._evaluate(g[i]) for i, s in enumerate(part)])
        rows = program(grid)
        out += [np.asarray(r, np.float64)[: len(t)] for r, t in zip(rows, part_steps, strict=True)]
    return out


def assert_close(got: Any, ref: np.ndarray, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Finite, and ``|got - ref| <= rtol * |ref| + atol`` at every step (with the first
    offender in the message)."""
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape
    assert np.all(np.isfinite(got))
    err = np.abs(got - ref)
    bad = err > rtol * np.abs(ref) + atol
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = err / np.abs(ref)
    assert not bad.any(), (
        f"{bad.sum()} steps off, e.g. at index {np.argmax(bad)}: got "
        f"{got[bad][0]!r}, want {ref[bad][0]!r} (rel {rel[bad][0]:.3g})"
    )


def max_rel_error(got: Any, ref: np.ndarray) -> float:
    got = np.asarray(got, dtype=np.float64)
    keep = np.abs(ref) > 1e-30
    return float(np.max(np.abs(got[keep] - ref[keep]) / np.abs(ref[keep]), initial=0.0))


# --- the peers' shapes as keys (optax's cosine exponent, Hugging Face's num_cycles) -------------
# Appended: each type's reference and marks are wrapped so that a config without the new keys
# takes the reference above unchanged.


def cycle_phase(k: np.ndarray, num_cycles: float, length: int) -> tuple[np.ndarray, int]:
    """``(r, m)``: the fraction of ``num_cycles * k / length`` is ``r / m``, from the exact
    int64 ``(p k) mod (q length)`` (``num_cycles = p / q`` as a fraction)."""
    from fractions import Fraction

    c = Fraction(num_cycles).limit_denominator(2**15)
    m = c.denominator * length
    return c.numerator * np.asarray(k, np.int64) % m, m


def wave(k: np.ndarray, num_cycles: float, length: int) -> np.ndarray:
    """Hugging Face's ``(1 + cos(2 pi c k / length)) / 2 = cos(pi x)**2`` (``x = c k /
    length``), in float64 as ``sin(pi (m - 2 r) / (2 m))**2`` (``cos(pi x) = sin(pi (1/2 -
    frac x))``), so that it keeps its relative accuracy near its zeros."""
    r, m = cycle_phase(k, num_cycles, length)
    return np.sin(np.pi * (m - 2 * r) / (2 * m)) ** 2


def sawtooth(k: np.ndarray, num_cycles: float, length: int) -> np.ndarray:
    """Hugging Face's hard restarts ``(1 + cos(pi frac(c k / length))) / 2 = sin(pi / 2 (1 -
    frac))**2``, on the exact integer ``m - r``."""
    r, m = cycle_phase(k, num_cycles, length)
    return np.sin(np.pi / 2 * (m - r) / m) ** 2


def ref_cosine_keys(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``cosine`` with ``exponent`` p (optax: ``e + (s0 - e) ((1 + cos(pi t / T)) / 2)**p``) and
    ``num_cycles`` c (Hugging Face: ``e + (s0 - e) (1 + cos(2 pi c t / T)) / 2``, ``T = max(1, N
    - w)``, not clamped past ``N``)."""
    p, c = cfg.get("exponent", 1.0), cfg.get("num_cycles")
    if c is None and p == 1.0:
        return ref_cosine(cfg, n, steps)
    s0, e, w, _ = shared_keys(cfg, n)
    length = n - w
    t = _decay_step(cfg, n, steps)
    if c is None:
        factor = half_cos(np.clip(length - t, 0, length), max(length, 1)) ** p
        decay = np.where(t >= length, e, e + (s0 - e) * factor)
    else:
        decay = e + (s0 - e) * wave(t, c, max(length, 1)) ** p
    return with_warmup(cfg, n, steps, decay)


def ref_wsd_keys(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``wsd`` with ``num_cycles`` c for its cosine decay (Hugging Face's ``get_wsd_schedule``:
    ``e + (s0 - e) (1 + cos(2 pi c tau)) / 2`` over the decay phase, then ``e``)."""
    c = cfg.get("num_cycles", 0.5)
    if c == 0.5:
        return ref_wsd(cfg, n, steps)
    s0, e, w, _ = shared_keys(cfg, n)
    d, stable = wsd_params(cfg, n)
    length = n - w
    t = _decay_step(cfg, n, steps)
    done = np.clip(t - stable, 0, d)
    waves = e + (s0 - e) * wave(done, c, d)
    decay = np.where(t < stable, s0, np.where(t >= length, e, waves))
    return with_warmup(cfg, n, steps, decay)


_RESTARTS_BEFORE_KEYS = TYPES["cosine_restarts"].reference
_RESTART_MARKS_BEFORE_KEYS = TYPES["cosine_restarts"].marks


def ref_cosine_restarts_keys(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``cosine_restarts`` with ``num_cycles`` c (Hugging Face's hard restarts: ``e + (s0 - e)
    (1 + cos(pi frac(c t / T))) / 2`` for ``t < T = max(1, N - w)``, then ``e``)."""
    c = cfg.get("num_cycles")
    if c is None:
        return _RESTARTS_BEFORE_KEYS(cfg, n, steps)
    s0, e, w, _ = shared_keys(cfg, n)
    length = max(n - w, 1)
    t = _decay_step(cfg, n, steps)
    decay = np.where(t >= length, e, e + (s0 - e) * sawtooth(t, c, length))
    return with_warmup(cfg, n, steps, decay)


def restart_marks_keys(cfg: Config, n: int) -> Marks:
    """The restarts of ``num_cycles`` hard restarts (``w + ceil(i T / c)``), or the marks above."""
    if cfg.get("num_cycles") is None:
        return _RESTART_MARKS_BEFORE_KEYS(cfg, n)
    bounds, _, phases = warmup_marks(cfg, n)
    w, c = warmup_of(cfg, n), cfg["num_cycles"]
    length = max(n - w, 1)
    starts = [w + math.ceil(i * length / c) for i in range(1, math.ceil(c))]
    return Marks(bounds, pick(starts, n), phases)


# fmt: off
TYPES["cosine"] = dataclasses.replace(
    TYPES["cosine"],
    reference=ref_cosine_keys,
    examples=[*TYPES["cosine"].examples, *_classic("cosine", {
        "cosine-optax-exponent2": dict(start_lr=0.1, stop_lr_ratio=0.01, exponent=2.0,
                                       num_steps=500),
        "cosine-optax-exponent0.5-warmup": dict(start_lr=1e-3, stop_lr=1e-5, exponent=0.5,
                                                warmup_steps=50, warmup_start_factor=0.01,
                                                num_steps=550),
        "cosine-hf-cycles0.5-past-end": dict(start_lr=1e-3, stop_lr=0.0, num_cycles=0.5,
                                             warmup_steps=100, num_steps=1000),
        "cosine-hf-cycles2.5": dict(start_lr=1e-3, stop_lr=0.0, num_cycles=2.5, warmup_steps=20,
                                    num_steps=400),
        "cosine-hf-cycles1-min-lr": dict(start_lr=1e-3, stop_lr=2e-4, num_cycles=1.0,
                                         warmup_steps=50, num_steps=450),
        "cosine-hf-cycles0.3-exponent3": dict(start_lr=1.0, stop_lr=1e-6, num_cycles=0.3,
                                              exponent=3.0, num_steps=10**6),
    })],
    bench=[
        *TYPES["cosine"].bench,
        ("optax exponent 2, stop_lr_ratio 1e-3",
         {**BASE, "type": "cosine", "stop_lr_ratio": 1e-3, "exponent": 2.0}),
        ("Hugging Face num_cycles 2.5, stop_lr 0, warmup 1 %",
         {**BASE, "type": "cosine", "stop_lr": 0.0, "num_cycles": 2.5, "warmup_ratio": 0.01}),
    ],
)
TYPES["wsd"] = dataclasses.replace(
    TYPES["wsd"],
    reference=ref_wsd_keys,
    examples=[*TYPES["wsd"].examples, *_classic("wsd", {
        "wsd-hf-cycles1-to-zero": dict(start_lr=1e-3, stop_lr=0.0, decay_type="cosine",
                                       num_cycles=1.0, decay_phase_steps=200, warmup_steps=100,
                                       num_steps=1000),
        "wsd-hf-cycles0.25": dict(start_lr=1e-3, stop_lr_ratio=0.1, decay_type="cosine",
                                  num_cycles=0.25, decay_phase_steps=90, warmup_steps=10,
                                  warmup_start_factor=0.1, num_steps=100),
        "wsd-linear-to-zero": dict(start_lr=1e-3, stop_lr=0.0, decay_type="linear",
                                   decay_phase_ratio=0.3, num_steps=10**6),
        "wsd-1-sqrt-to-zero": dict(start_lr=1e-3, stop_lr_ratio=0.0, decay_type="1-sqrt",
                                   decay_phase_steps=3, num_steps=10),
    })],
    bench=[
        *TYPES["wsd"].bench,
        ("cosine to 0, Hugging Face num_cycles 1, decay_phase_ratio 0.2",
         {**BASE, "type": "wsd", "stop_lr": 0.0, "decay_type": "cosine", "num_cycles": 1.0,
          "decay_phase_ratio": 0.2}),
    ],
)
TYPES["cosine_restarts"] = dataclasses.replace(
    TYPES["cosine_restarts"],
    reference=ref_cosine_restarts_keys,
    marks=restart_marks_keys,
    examples=[*TYPES["cosine_restarts"].examples, *_classic("cosine_restarts", {
        "restarts-hf-cycles3": dict(start_lr=1e-3, stop_lr=0.0, num_cycles=3, warmup_steps=50,
                                    num_steps=650),
        "restarts-hf-cycles2.5": dict(start_lr=1e-3, stop_lr=0.0, num_cycles=2.5,
                                      warmup_steps=10, num_steps=410),
        "restarts-hf-cycles3-uneven": dict(start_lr=1.0, stop_lr=1e-7, num_cycles=3,
                                           num_steps=1000),
        "restarts-hf-cycles7-long": dict(start_lr=1.0, stop_lr=0.0, num_cycles=7,
                                         warmup_steps=999, num_steps=10**8 + 3),
        # a period past int32 (m = 2 T): the phase in uint32
        "restarts-hf-cycles0.5-int32": dict(start_lr=1.0, stop_lr=0.0, num_cycles=0.5,
                                            num_steps=2**31 - 1),
    })],
    bench=[
        *TYPES["cosine_restarts"].bench,
        ("Hugging Face hard restarts, num_cycles 3, stop_lr 0",
         {**BASE, "type": "cosine_restarts", "num_cycles": 3, "stop_lr": 0.0}),
    ],
)
# fmt: on
EXAMPLES = [(name, t, cfg, n) for t, case in TYPES.items() for name, cfg, n in case.examples]
REPRESENTATIVE = [(case.examples[0][0], t, *case.examples[0][1:]) for t, case in TYPES.items()]
EXAMPLE_BY_ID = {name: (t, cfg, n) for name, t, cfg, n in EXAMPLES}

SWEEPS["cosine"] += [
    grid(
        {"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "num_cycles": c},
        [1000, 10**6, 2**29],
        **_WARMUPS,
    )
    for c in (0.5, 2.5)
] + [
    grid(
        {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-6, "exponent": 2.0}, _SWEEP_N, **_WARMUPS
    ),
    # periods past int32: 0.5 over 2**31 - 1 steps (m = 2 T), 1.5 over 3 * 7e8 (m = 2 T / 3)
    grid({"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "num_cycles": 0.5}, [999, INT32_MAX]),
    grid(
        {"type": "cosine", "start_lr": 1e-3, "stop_lr": 0.0, "num_cycles": 1.5},
        [999, 2_100_000_000],
    ),
]
SWEEPS["wsd"] += [
    grid(
        {
            "type": "wsd",
            "start_lr": 1e-3,
            "stop_lr": 0.0,
            "decay_type": "cosine",
            "num_cycles": 1.5,
        },
        _SWEEP_N,
        decay_phase_ratio=[0.1, 0.5],
        **_WARMUPS,
    )
]
SWEEPS["cosine_restarts"] += [
    grid(
        {"type": "cosine_restarts", "start_lr": 1e-3, "stop_lr": 0.0, "num_cycles": 3},
        [1000, 10**6, 2**29],
        **_WARMUPS,
    )
]


# --- piecewise (optax's piecewise schedules), rising exp and polynomial (optax) -------------------


def ref_piecewise(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """optax's piecewise schedules: the rate ``max_lr * f_i`` at knot ``b_i`` (``b_0 = 0``), held
    (``constant``: from ``b_i`` to ``b_{i+1}``) or interpolated: ``linear`` ``f_i + (f_{i+1} -
    f_i) q``, ``cosine`` optax's ``end + (start - end) (1 + cos(pi q)) / 2`` with ``q = (s -
    b_i) / (b_{i+1} - b_i)``; ``max_lr * f_k`` from the last knot on. Both interpolations are
    written on the exact steps to the end the piece is closer to in value (``(1 + cos(pi q)) /
    2 = sin(pi / 2 (1 - q))**2``), so a piece that reaches 0 keeps float64 accuracy there."""
    top = cfg["max_lr"]
    values = np.asarray(cfg["factors"], np.float64) * top
    knots = np.asarray([0, *cfg.get("milestones", [])], np.int64)
    s = np.asarray(steps, np.int64)
    i = np.searchsorted(knots, s, side="right") - 1  # the knot at or before each step
    out = values[i].copy()
    if cfg["interpolation"] == "constant" or len(knots) == 1:
        return out
    inside = i < len(knots) - 1
    j = i[inside]
    begin, end = knots[j], knots[j + 1]
    a, b = values[j], values[j + 1]
    done = (s[inside] - begin) / (end - begin)
    left = (end - s[inside]) / (end - begin)
    if cfg["interpolation"] == "cosine":
        up, down = np.sin(np.pi / 2 * done) ** 2, np.sin(np.pi / 2 * left) ** 2
    else:
        up, down = done, left
    out[inside] = np.where(b > a, a + (b - a) * up, b + (a - b) * down)
    return out


def piecewise_marks(cfg: Config, n: int) -> Marks:
    """Every milestone (capped) and ``N``; every piece as a phase."""
    ms = list(cfg.get("milestones", []))
    knots = [0, *ms]
    return Marks([0, n], pick(ms, n), list(zip(knots, [*ms[1:], *ms[-1:]], strict=False))[:50])


def _piecewise_peak(resolved: Any) -> float:
    return resolved.max_lr * max(resolved.factors)


def _piecewise_phases(resolved: Any, num_steps: int, steps: np.ndarray) -> list[Phase]:
    """Each linear or cosine piece is monotone (up or down as its end factors); constant pieces
    are flat (``ANY``: the jumps are at their ends)."""
    knots = [0, *resolved.milestones]
    fs = resolved.factors
    if resolved.interpolation == "constant":
        return []
    return [
        (a, b, RISES if fs[i + 1] >= fs[i] else FALLS)
        for i, (a, b) in enumerate(itertools.pairwise(knots))
    ]


@st.composite
def piecewise_st(draw: Any) -> tuple[Config, int, int]:
    n = draw(num_steps_st)
    k = draw(st.integers(0, 6))
    mark = st.one_of(st.integers(1, 100), st.integers(1, n), st.integers(1, INT32_MAX))
    ms = sorted(draw(st.lists(mark, min_size=k, max_size=k, unique=True)))
    factor = st.one_of(st.floats(1e-20, 1.0), st.sampled_from([0.0, 1.0]))
    config: Config = {
        "type": "piecewise",
        "max_lr": draw(start_lr_st),
        "milestones": ms,
        "factors": draw(st.lists(factor, min_size=len(ms) + 1, max_size=len(ms) + 1)),
        "interpolation": draw(st.sampled_from(["constant", "linear", "cosine"])),
        "scale_by_worker": draw(scale_st),
    }
    return config, n, draw(workers_st)


def ref_exp_keys(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``exp`` with ``decay_rate > 1`` (optax's rising ``exponential_decay``): ``min(s0 *
    rate ** p, e)``, ``stop_lr`` a ceiling."""
    rate = cfg.get("decay_rate")
    if rate is None or rate <= 1:
        return ref_exp(cfg, n, steps)
    s0, e, _, _ = shared_keys(cfg, n)
    ds = cfg.get("decay_steps", 5000)
    t = _decay_step(cfg, n, steps)
    power = t / ds if cfg.get("smooth", False) else (t // ds).astype(np.float64)
    with np.errstate(over="ignore"):
        return with_warmup(cfg, n, steps, np.minimum(s0 * rate**power, e))


# fmt: off
TYPES["piecewise"] = TypeCase(
    ref_piecewise,
    piecewise_marks,
    _classic("piecewise", {
        "piecewise-onecycle-linear": dict(max_lr=1e-3, milestones=[300, 850, 1000],
                                          factors=[0.04, 1.0, 0.04, 4e-6],
                                          interpolation="linear", num_steps=1000),
        "piecewise-constant-rise-zero": dict(max_lr=0.4, milestones=[50, 300],
                                             factors=[0.125, 1.0, 0.0],
                                             interpolation="constant", num_steps=400),
        "piecewise-cosine": dict(max_lr=0.1, milestones=[50, 450], factors=[0.1, 1.0, 1e-3],
                                 interpolation="cosine", num_steps=500),
        "piecewise-jump-on-consecutive-steps": dict(max_lr=1.0, milestones=[99, 100, 10**9],
                                                    factors=[0.0, 0.99, 0.0, 1.0],
                                                    interpolation="linear", num_steps=100),
        "piecewise-one-factor": dict(max_lr=0.3, factors=[1.0], interpolation="cosine",
                                     num_steps=10),
        "piecewise-long-cosine-to-zero": dict(max_lr=1.0, milestones=[2**31 - 2],
                                              factors=[1.0, 0.0], interpolation="cosine",
                                              num_steps=10**6),
    }),
    {"type": "piecewise", "max_lr": 1e-3, "milestones": [100, 500], "factors": [0.1, 1.0, 0.01],
     "interpolation": "linear"},
    [
        ("optax linear one-cycle 0.3 / 0.85, to 4e-6",
         lambda n: {**PEAK, "type": "piecewise", "milestones": [int(0.3 * n), int(0.85 * n), n],
                    "factors": [0.04, 1.0, 0.04, 4e-6], "interpolation": "linear"}),
        ("optax cosine one-cycle 0.3, to 4e-6",
         lambda n: {**PEAK, "type": "piecewise", "milestones": [int(0.3 * n), n],
                    "factors": [0.04, 1.0, 4e-6], "interpolation": "cosine"}),
    ],
    piecewise_st(),
    peak=_piecewise_peak,
    phases=_piecewise_phases,
    continuous_at_warmup_end=False,
)
TYPES["exp"] = dataclasses.replace(
    TYPES["exp"],
    reference=ref_exp_keys,
    examples=[*TYPES["exp"].examples, *_classic("exp", {
        "exp-optax-rising-ceiling": dict(start_lr=0.01, decay_steps=10, decay_rate=1.1,
                                         stop_lr=1.0, smooth=True, num_steps=500),
        "exp-optax-rising-staircase-begin": dict(start_lr=1e-4, decay_steps=100, decay_rate=1.5,
                                                 stop_lr=0.5, warmup_steps=50,
                                                 warmup_start_factor=1.0, num_steps=2000),
    })],
    bench=[
        *TYPES["exp"].bench,
        ("optax rising: decay_rate 1.001 per step to a ceiling 1e3 times start_lr",
         {**BASE, "decay_rate": 1.001, "decay_steps": 1, "smooth": True, "stop_lr": 1.0}),
    ],
)
TYPES["polynomial"] = dataclasses.replace(
    TYPES["polynomial"],
    examples=[*TYPES["polynomial"].examples, *_classic("polynomial", {
        "polynomial-optax-rising-p3": dict(start_lr=1e-4, stop_lr=0.1, power=3.0,
                                           rising=True, num_steps=300),
        "polynomial-optax-rising-p0.5-begin": dict(start_lr=1e-6, stop_lr=1e-3, power=0.5,
                                                   rising=True, warmup_steps=100,
                                                   warmup_start_factor=1.0, num_steps=10**6),
    })],
    bench=[
        *TYPES["polynomial"].bench,
        ("optax rising: power 2, from 1e-3 to 1",
         {**BASE, "type": "polynomial", "stop_lr": 1.0, "power": 2.0, "rising": True}),
    ],
)
# fmt: on
SWEEPS["piecewise"] = [
    grid(
        {
            "type": "piecewise",
            "max_lr": 1e-3,
            "factors": [0.04, 1.0, 0.04, 4e-6],
            "interpolation": kind,
        },
        [1000],
        milestones=[[300, 850, 1000], [1, 2, 3], [10, 10**6, 2**31 - 1]],
    )
    for kind in ("constant", "linear", "cosine")
]
SWEEPS["polynomial"] += [
    grid(
        {"type": "polynomial", "start_lr": 1e-4, "power": 3.0, "rising": True},
        _SWEEP_N,
        stop_lr=[1e-3, 0.1],
        **_WARMUPS,
    )
]
SWEEPS["exp"] += [
    grid(
        {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-1, "smooth": True},
        _SWEEP_N,
        decay_rate=[1.001, 1.5],
        decay_steps=[1, 10],
    )
]
EXAMPLES = [(name, t, cfg, n) for t, case in TYPES.items() for name, cfg, n in case.examples]
REPRESENTATIVE = [(case.examples[0][0], t, *case.examples[0][1:]) for t, case in TYPES.items()]
EXAMPLE_BY_ID = {name: (t, cfg, n) for name, t, cfg, n in EXAMPLES}


def ref_polynomial_timm(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``polynomial`` with timm's keys (``PolyLRScheduler._get_lr``): ``lr_min + (lr_max d**i
    - lr_min) (1 - t_curr**k / t_i**k) ** power`` for ``i < cycle_limit``, else ``lr_min``
    (the peak kept at ``lr_min`` at least); cycle ``i`` from :func:`real_cycles`, the first
    ``cycle_steps`` long (default: the decay length). ``1 - q**k`` is written without
    cancellation at either end (``-expm1(k log q)``, ``-expm1(k log1p(-r))``)."""
    keys = ("k_decay", "cycle_steps", "cycle_mult", "cycle_decay", "cycle_limit")
    if all(cfg.get(k) is None for k in keys) or (
        cfg.get("k_decay", 1.0) == 1.0
        and cfg.get("cycle_steps") is None
        and cfg.get("cycle_limit", 1) == 1
    ):
        return _POLYNOMIAL_PLAIN(cfg, n, steps)

    def ref(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
        s0, e, w, _ = shared_keys(cfg, n)
        t = _decay_step(cfg, n, steps)
        first = cfg.get("cycle_steps") or (n - w)
        if first == 0:
            return with_warmup(cfg, n, steps, np.full(t.shape, s0))
        i, done, length = real_cycles(t, first, cfg.get("cycle_mult", 1))
        k = cfg.get("k_decay", 1.0)
        q, r = done / length, (length - done) / length
        if k == 1.0:
            u = r
        else:
            with np.errstate(divide="ignore"):
                u = np.where(q < 0.5, -np.expm1(k * np.log(q)), -np.expm1(k * np.log1p(-r)))
        peak = s0 * cfg.get("cycle_decay", 1.0) ** i.astype(np.float64)
        lr = e + np.maximum(peak - e, 0) * u ** cfg.get("power", 1.0)
        return with_warmup(cfg, n, steps, np.where(i >= cfg.get("cycle_limit", 1), e, lr))

    return _overlaid(ref)(cfg, n, steps)


def polynomial_marks(cfg: Config, n: int) -> Marks:
    """The warmup, and with timm's cycle keys every restart (as ``tanh``'s)."""
    if cfg.get("cycle_steps") is None and cfg.get("cycle_limit", 1) == 1:
        return warmup_marks(cfg, n)
    return tanh_marks(cfg, n)


_POLYNOMIAL_PLAIN = TYPES["polynomial"].reference
TYPES["polynomial"] = dataclasses.replace(
    TYPES["polynomial"],
    reference=ref_polynomial_timm,
    marks=polynomial_marks,
    examples=[
        *TYPES["polynomial"].examples,
        *_classic(
            "polynomial",
            {
                "polynomial-timm-k_decay2": dict(
                    start_lr=0.1, stop_lr=0.0, power=1.5, k_decay=2.0, num_steps=300
                ),
                "polynomial-timm-k0.5-cycles-decay": dict(
                    start_lr=0.1,
                    stop_lr=0.0,
                    power=0.9,
                    k_decay=0.5,
                    cycle_steps=100,
                    cycle_decay=0.7,
                    cycle_limit=3,
                    num_steps=300,
                ),
                "polynomial-timm-float-mult-warmup-prefix-false": dict(
                    start_lr=1e-3,
                    stop_lr=1e-6,
                    power=2.0,
                    cycle_steps=40,
                    cycle_mult=1.5,
                    cycle_limit=6,
                    warmup_steps=30,
                    warmup_start_factor=0.01,
                    warmup_prefix=False,
                    num_steps=1000,
                ),
                "polynomial-timm-k3-long": dict(
                    start_lr=1.0, stop_lr=0.0, power=7.5, k_decay=3.0, num_steps=2**30 + 3
                ),
                "polynomial-timm-cycles-forever-mult2": dict(
                    start_lr=1e-3,
                    stop_lr=1e-5,
                    power=1.0,
                    cycle_steps=10,
                    cycle_mult=2,
                    cycle_limit=INT32_MAX,
                    warmup_steps=5,
                    num_steps=100,
                ),
            },
        ),
    ],
    bench=[
        *TYPES["polynomial"].bench,
        (
            "timm: power 1.5, k_decay 2, stop_lr 0",
            {**BASE, "type": "polynomial", "power": 1.5, "k_decay": 2.0, "stop_lr": 0.0},
        ),
        (
            "timm: power 0.9, cycle_steps N/10, cycle_mult 1.5, cycle_decay 0.8, cycle_limit 20",
            lambda n: {
                **BASE,
                "type": "polynomial",
                "power": 0.9,
                "stop_lr_ratio": 1e-4,
                "cycle_steps": max(1, n // 10),
                "cycle_mult": 1.5,
                "cycle_decay": 0.8,
                "cycle_limit": 20,
            },
        ),
    ],
)


_WSD_BEFORE_TIMM = TYPES["wsd"].reference


def ref_wsd_timm(cfg: Config, n: int, steps: np.ndarray) -> np.ndarray:
    """``wsd`` with timm's keys (``WSDLRScheduler._get_lr``): ``lr_min + (max(base g(t_s),
    lr_min) - lr_min) h(frac)`` with ``g(t_s) = (1 + t_s / timescale) ** -p`` (1 for a
    constant stable phase), ``frac = clip((t - S) / D, 0, 1)`` and ``h = 1 - frac**power``
    (``power``) or ``(r**frac - r) / (1 - r)`` (``exponential``), ``h = 1`` before the decay phase.
    Written on the remaining fraction ``x = 1 - frac`` where it would cancel: ``1 - frac**p =
    -expm1(p log1p(-x))`` and ``(r**frac - r) / (1 - r) = r expm1(-x log r) / (1 - r)``."""
    stable_type = cfg.get("stable_type", "constant")
    kind = cfg.get("decay_type", "inverse_linear")
    if stable_type == "constant" and kind not in ("power", "exponential"):
        return _WSD_BEFORE_TIMM(cfg, n, steps)
    s0, e, w, _ = shared_keys(cfg, n)
    d, stable = wsd_params(cfg, n)
    t = _decay_step(cfg, n, steps).astype(np.float64)
    if stable_type == "constant":
        peak = np.full(t.shape, s0)
    else:
        p = 0.5 if stable_type == "rsqrt" else cfg.get("stable_power", 0.5)
        tau_s = cfg.get("stable_timescale") or w
        peak = np.maximum(s0 * (1 + t / tau_s) ** -p, e)
    x = np.clip((n - w) - t, 0, d) / d
    frac = 1 - x
    if kind == "power":
        k = cfg.get("decay_power", 0.5)
        with np.errstate(divide="ignore"):
            h = np.where(frac < 0.5, -np.expm1(k * np.log(frac)), -np.expm1(k * np.log1p(-x)))
    elif kind == "exponential":
        r = cfg.get("decay_ratio", 0.1)
        h = r * np.expm1(-x * math.log(r)) / (1 - r)
    elif kind == "cosine" and cfg.get("num_cycles", 0.5) != 0.5:
        done = np.clip(t.astype(np.int64) - stable, 0, d)
        h = np.where(t >= n - w, 0.0, wave(done, cfg["num_cycles"], d))
    elif kind == "cosine":
        h = half_cos(np.clip((n - w) - t, 0, d), d)
    elif kind == "1-sqrt":
        h = 1 - np.sqrt(frac)
    else:
        h = x
    decay = np.where(t < stable, peak, e + (peak - e) * h)
    return with_warmup(cfg, n, steps, decay)


TYPES["wsd"] = dataclasses.replace(
    TYPES["wsd"],
    reference=ref_wsd_timm,
    examples=[
        *TYPES["wsd"].examples,
        *_classic(
            "wsd",
            {
                "wsd-timm-power2": dict(
                    start_lr=0.1,
                    stop_lr=1e-6,
                    decay_type="power",
                    decay_power=2.0,
                    decay_phase_steps=300,
                    num_steps=900,
                ),
                "wsd-timm-exp-ratio0.01-warmup": dict(
                    start_lr=1e-3,
                    stop_lr=1e-8,
                    decay_type="exponential",
                    decay_ratio=0.01,
                    decay_phase_ratio=0.2,
                    warmup_steps=100,
                    num_steps=10**6,
                ),
                "wsd-timm-rsqrt-linear": dict(
                    start_lr=0.1,
                    stop_lr=1e-5,
                    stable_type="rsqrt",
                    decay_type="linear",
                    decay_phase_steps=100,
                    warmup_steps=100,
                    num_steps=1000,
                ),
                "wsd-timm-power-stable-cosine-long": dict(
                    start_lr=1e-3,
                    stop_lr=1e-9,
                    stable_type="power",
                    stable_power=0.3,
                    stable_timescale=50,
                    decay_type="cosine",
                    decay_phase_ratio=0.1,
                    num_steps=INT32_MAX,
                ),
                "wsd-timm-rsqrt-floor-exp": dict(
                    start_lr=0.1,
                    stop_lr=1e-3,
                    stable_type="rsqrt",
                    stable_timescale=10,
                    decay_type="exponential",
                    decay_phase_steps=10**5,
                    num_steps=10**6,
                ),
            },
        ),
    ],
    bench=[
        *TYPES["wsd"].bench,
        (
            "timm: power decay 2, decay_phase_ratio 0.3, stop_lr_ratio 1e-5",
            {
                **BASE,
                "type": "wsd",
                "stop_lr_ratio": 1e-5,
                "decay_type": "power",
                "decay_power": 2.0,
                "decay_phase_ratio": 0.3,
            },
        ),
        (
            "timm: exponential decay, ratio 0.01, warmup 1 %",
            {
                **BASE,
                "type": "wsd",
                "stop_lr_ratio": 1e-5,
                "decay_type": "exponential",
                "decay_ratio": 0.01,
                "warmup_ratio": 0.01,
            },
        ),
        (
            "timm: rsqrt stable (timescale = warmup 1 %), linear decay",
            {
                **BASE,
                "type": "wsd",
                "stop_lr_ratio": 1e-5,
                "decay_type": "linear",
                "stable_type": "rsqrt",
                "warmup_ratio": 0.01,
            },
        ),
    ],
)

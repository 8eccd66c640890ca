"""The classic schedules users know from PyTorch, optax, HuggingFace and the literature.

``constant``, ``step``, ``multistep``, ``polynomial``, ``linear``, ``inverse_sqrt`` and
``cosine_restarts`` have a ``start_lr`` and the shared warmup (they subclass
:class:`~lrschedules_jax._warmup.WarmupSchedule`); ``one_cycle`` and ``cyclic`` bring their own
rising phase and subclass :class:`~lrschedules_jax.Schedule` directly.

Every phase boundary, staircase index and cycle index is integer arithmetic on the integer step;
only the final fraction becomes a float. Factors applied an integer number of times
(``gamma ** k``, ``cycle_decay ** i``) are stored as their natural logarithm and evaluated with
:func:`~lrschedules_jax._schedule.exp_times_int`, so they keep float32 accuracy for any ``k`` and
in stacked sweeps.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._schedule import (
    INT32_MAX,
    Schedule,
    _fast_two_sum,
    _two_prod,
    as_float,
    build_from_keys,
    exp_times_int,
    int_dtype,
    is_concrete,
    ldexp_exact,
    ratio,
    register_schedule,
    static,
)
from ._warmup import WarmupSchedule

__all__ = [
    "Constant",
    "CosineRestarts",
    "Cyclic",
    "InverseSqrt",
    "Linear",
    "MultiStep",
    "OneCycle",
    "Polynomial",
    "Step",
    "constant",
    "cosine_restarts",
    "cyclic",
    "inverse_sqrt",
    "linear",
    "multistep",
    "one_cycle",
    "polynomial",
    "step",
]


def _internal(default: Any = dataclasses.MISSING) -> Any:
    """A leaf that ``to_config()`` leaves out (the schedule reports its public form instead)."""
    return dataclasses.field(default=default, metadata={"internal": True})


def _exp_int(
    log_factor: Any, n: jax.Array, dtype: Any, rest: Any = 0.0, scale: Any = 1.0
) -> jax.Array:
    """``scale * factor ** n`` for an integer array ``n >= 0``, from ``log(factor)``.

    ``rest`` is the float32 rounding of ``log(factor)`` (see ``log_leaves``), used when traced.
    ``scale`` is applied without forming ``factor ** n`` alone (which flushes to 0 below
    1.2e-38 where the product may still be normal).
    """
    if is_concrete(log_factor) and float(log_factor) == 0.0:
        return jnp.broadcast_to(as_float(scale, dtype), n.shape)
    return exp_times_int(log_factor, n, dtype, c_rest=rest, scale=scale)


def _two_sum(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a + b == s + err`` exactly, for any order of magnitude (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _pair(value: float) -> tuple[jax.Array, jax.Array]:
    """A float64 number as two float32 numbers ``hi + lo``."""
    hi = float(np.float32(value))
    return jnp.float32(hi), jnp.float32(value - hi)


# log2 on [0.75, 1.5) around the centres c = j / 128: log2(c) as a float32 pair, 1 / c as a pair.
_CENTRES = np.arange(96, 193) / 128.0
_LOG2_C = np.log2(_CENTRES)
_LOG2_C_HI = _LOG2_C.astype(np.float32)
_LOG2_C_LO = (_LOG2_C - _LOG2_C_HI.astype(np.float64)).astype(np.float32)
_INV_C_HI = (1 / _CENTRES).astype(np.float32)
_INV_C_LO = (1 / _CENTRES - _INV_C_HI.astype(np.float64)).astype(np.float32)
_INV_LN2 = 1 / math.log(2)


def _log2_pair(x_hi: jax.Array, x_lo: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``log2(x_hi + x_lo)`` as a float32 pair, to about ``2**-40`` relative (``x_hi > 0``).

    ``x_hi = m * 2**k`` with ``m`` in ``[0.75, 1.5)``; ``m = c (1 + u)`` with ``c`` the nearest
    multiple of 1/128 (``|u| <= 2**-8``, ``u`` computed as a pair); ``log2(x) = k + log2(c) +
    log(1 + u) / ln 2``, the series of ``log(1 + u)`` to ``u**5``. Near ``x = 1`` (``c = 1``,
    ``k = 0``) every term is relative to ``u``: no cancellation.
    """
    mant, expo = jnp.frexp(x_hi)  # mant in [0.5, 1)
    low = mant < 0.75
    m = jnp.where(low, 2 * mant, mant)
    k = jnp.where(low, expo - 1, expo)
    d_lo = ldexp_exact(x_lo, -k)  # x_lo in the scale of m (x_lo / x_hi <= 2**-23: never flushed)
    index = jnp.round(m * 128.0).astype(jnp.int32)
    c = index.astype(jnp.float32) / 128.0
    row = index - 96
    d = m - c  # exact (Sterbenz)
    inv_hi, inv_lo = jnp.asarray(_INV_C_HI)[row], jnp.asarray(_INV_C_LO)[row]
    u, u_err = _two_prod(d, inv_hi)
    u, u_lo = _two_sum(u, u_err + d * inv_lo + d_lo * inv_hi)  # u may be 0 and u_lo not
    series = u * u * (-0.5 + u * (1 / 3 + u * (-0.25 + u * 0.2)))  # log(1 + u) - u
    s_lo = u_lo + series
    i_hi, i_lo = _pair(_INV_LN2)
    p_hi, p_err = _two_prod(u, i_hi)  # (u + s_lo) / ln 2
    p_lo = p_err + u * i_lo + s_lo * i_hi
    hi, err1 = _two_sum(k.astype(jnp.float32), jnp.asarray(_LOG2_C_HI)[row])
    hi, err2 = _two_sum(hi, p_hi)
    return _two_sum(hi, err1 + err2 + jnp.asarray(_LOG2_C_LO)[row] + p_lo)


def pow_fraction(
    num: jax.Array, den: int, power: Any, dtype: Any, *, scale: Any = 1.0, power_lo: Any = 0.0
) -> jax.Array:
    """``scale * (num / den) ** power`` for integers ``0 <= num <= den`` and ``power > 0``.

    A plain ``x ** p`` in float32 is ``exp2(p * log2(x))`` and loses ``|p log2 x|`` ulps
    (1e-6 at power 7.5, 2.8e-6 at power 19): the rounding of ``x``, of ``log2 x`` and of ``p``
    all land in the exponent. Here ``x`` is a float32 pair (``num`` split into exact parts,
    ``1 / den`` a pair), ``log2 x`` a pair (:func:`_log2_pair`), ``p`` a pair (a concrete
    ``power`` is split in float64; a traced one is a float32 number plus ``power_lo``), so
    ``y = p log2 x`` is known to about ``2**-40 |y|``. Then ``y = n + g`` (``n`` an integer)
    and ``scale = m 2**q``: the result is ``m * exp2(g)`` times ``2**(n + q)``, applied exactly,
    so nothing underflows before the result does. ``num == den`` gives ``scale``, ``num == 0``
    gives 0, for every ``power`` up to the largest float32.
    """
    if dtype == jnp.float64:
        x = ratio(num, den, dtype)
        return jnp.asarray(scale, dtype) * jnp.power(x, jnp.asarray(power, dtype))
    if is_concrete(power):
        p_hi, p_lo = _pair(float(power))
    else:
        p_hi = jnp.asarray(power, jnp.float32)
        p_lo = jnp.asarray(power_lo, jnp.float32)
    num = num.astype(jnp.int32)
    n_hi = ((num >> 8) << 8).astype(jnp.float32)  # exact: 23 bits
    n_lo = (num & 0xFF).astype(jnp.float32)
    i_hi, i_lo = _pair(1 / den)
    a, a_err = _two_prod(n_hi, i_hi)
    b, b_err = _two_prod(n_lo, i_hi)
    x_hi, ab_err = _two_sum(a, b)
    x_hi, x_lo = _fast_two_sum(x_hi, (a_err + b_err + ab_err) + (n_hi + n_lo) * i_lo)
    x_hi = jnp.where(num > 0, x_hi, 1.0)  # 0 ** p is handled at the end
    l_hi, l_lo = _log2_pair(x_hi, jnp.where(num > 0, x_lo, 0.0))
    y_hi, y_err = _two_prod(p_hi, l_hi)
    y_hi, y_lo = _two_sum(y_hi, y_err + p_hi * l_lo + p_lo * l_hi)
    deep = ~(y_hi > -700.0) | ~jnp.isfinite(y_lo)  # far below any float32: 0 (no inf or NaN)
    y_hi = jnp.where(deep, -700.0, y_hi)
    y_lo = jnp.where(deep, 0.0, y_lo)
    whole = jnp.floor(y_hi)
    g = (y_hi - whole) + y_lo  # y_hi - whole is exact
    if is_concrete(scale):
        m_value, q_value = math.frexp(float(scale))
        m, q = jnp.float32(m_value), q_value
    else:
        m, q = jnp.frexp(jnp.asarray(scale, jnp.float32))
    value = ldexp_exact(m * jnp.exp2(g), whole.astype(jnp.int32) + q)
    value = jnp.where(num > 0, value, 0.0)
    return jnp.where(num >= den, jnp.asarray(scale, jnp.float32), value)


@register_schedule
class Constant(WarmupSchedule):
    """``start_lr`` after the warmup."""

    type_name = "constant"

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return jnp.broadcast_to(as_float(self.start_lr, dtype), t.shape)


@register_schedule
class Step(WarmupSchedule):
    """``start_lr * gamma ** (t // step_size)``; ``gamma`` is stored as its logarithm."""

    type_name = "step"

    log_gamma: float = _internal()
    log_gamma_lo: float = _internal(0.0)
    step_size: int = static()

    @property
    def gamma(self) -> float:
        """The factor applied every ``step_size`` steps."""
        return math.exp(self.log_gamma)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        k = t // self.step_size
        return _exp_int(self.log_gamma, k, dtype, self.log_gamma_lo, self.start_lr)

    def _extra_config(self) -> dict[str, Any]:
        return {"gamma": self.gamma}


@register_schedule
class MultiStep(WarmupSchedule):
    """``start_lr * gamma ** (number of milestones <= t)`` (``bisect_right``, as torch)."""

    type_name = "multistep"

    log_gamma: float = _internal()
    log_gamma_lo: float = _internal(0.0)
    milestones: tuple[int, ...] = static()

    @property
    def gamma(self) -> float:
        """The factor applied at every milestone."""
        return math.exp(self.log_gamma)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        marks = jnp.asarray(self.milestones, dtype=int_dtype())
        k = jnp.searchsorted(marks, t, side="right").astype(int_dtype())
        return _exp_int(self.log_gamma, k, dtype, self.log_gamma_lo, self.start_lr)

    def _extra_config(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _decay_boundaries(self) -> dict[str, int]:
        w, n = self.warmup_steps, self.num_steps
        return {f"milestone {i + 1}": w + m for i, m in enumerate(self.milestones) if w + m < n}


@register_schedule
class Polynomial(WarmupSchedule):
    """``stop_lr + (start_lr - stop_lr) * (1 - min(t, T) / T) ** power``."""

    type_name = "polynomial"

    stop_lr: float
    power: float = 1.0
    # What a float32 ``power`` rounds away (a traced power is a float32 number): see pow_fraction.
    power_lo: float = _internal(0.0)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        if is_concrete(self.power) and float(self.power) == 1.0:
            return self._anneal(t, dtype, ratio)  # exactly `linear`
        length = self.decay_length
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        if is_concrete(self.start_lr, self.stop_lr):
            amplitude = float(self.start_lr) - float(self.stop_lr)
        else:
            amplitude = s0 - e
        remaining = jnp.maximum(length - t, 0)
        return e + pow_fraction(
            remaining, length, self.power, dtype, scale=amplitude, power_lo=self.power_lo
        )


@register_schedule
class Linear(WarmupSchedule):
    """``stop_lr + (start_lr - stop_lr) * (1 - min(t, T) / T)``."""

    type_name = "linear"

    stop_lr: float

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return self._anneal(t, dtype, ratio)


@register_schedule
class InverseSqrt(WarmupSchedule):
    """``max(start_lr * sqrt(timescale / (t + timescale)), stop_lr)``."""

    type_name = "inverse_sqrt"

    stop_lr: float = 0.0
    timescale: int = static()

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        s0 = as_float(self.start_lr, dtype)
        ts = as_float(self.timescale, dtype)
        lr = s0 * jnp.sqrt(ts / (t.astype(dtype) + ts))
        return jnp.maximum(lr, as_float(self.stop_lr, dtype))


def _restart_table(cycle_steps: int, cycle_mult: int) -> tuple[list[int], list[int]]:
    """Start and length of every cycle that starts at or below ``INT32_MAX`` (exact ints)."""
    starts, lengths = [0], [cycle_steps]
    while starts[-1] + lengths[-1] <= INT32_MAX:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * cycle_mult)
    return starts, lengths


@register_schedule
class CosineRestarts(WarmupSchedule):
    """SGDR: cosine cycles from ``start_lr * cycle_decay ** i`` to ``stop_lr``, restarting.

    Cycle ``i`` has length ``cycle_steps * cycle_mult ** i``; ``cycle_decay`` is stored as its
    logarithm. The cycle index is found by integer comparison with the exact cycle starts.
    """

    type_name = "cosine_restarts"

    stop_lr: float
    log_cycle_decay: float = _internal()
    log_cycle_decay_lo: float = _internal(0.0)
    cycle_steps: int = static()
    cycle_mult: int = static(1)

    @property
    def cycle_decay(self) -> float:
        """The factor applied to the peak at every restart."""
        return math.exp(self.log_cycle_decay)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        first, mult = self.cycle_steps, self.cycle_mult
        if mult == 1:
            i = t // first
            remaining = first - (t - i * first)
            frac = ratio(remaining, first, dtype)
        else:
            starts, lengths = _restart_table(first, mult)
            # a cycle longer than INT32_MAX keeps its excess as an exact float offset
            clipped = [min(n, INT32_MAX) for n in lengths]
            i = jnp.searchsorted(jnp.asarray(starts, int_dtype()), t, side="right") - 1
            i = i.astype(int_dtype())
            into = t - jnp.asarray(starts, int_dtype())[i]
            length_int = jnp.asarray(clipped, int_dtype())[i]
            extra = jnp.asarray(
                [float(n - c) for n, c in zip(lengths, clipped, strict=True)], dtype
            )
            extra = extra[i]
            length = jnp.asarray([float(n) for n in lengths], dtype)[i]
            frac = ((length_int - into).astype(dtype) + extra) / length
        e = as_float(self.stop_lr, dtype)
        shape = jnp.square(jnp.sin(jnp.asarray(math.pi / 2, dtype) * frac))
        # (peak - e) * shape with peak = start_lr * cycle_decay ** i, the peak never formed
        # alone: it may flush to 0 where peak * shape is normal (stop_lr 0).
        start = as_float(self.start_lr, dtype) * shape
        peak_shape = _exp_int(self.log_cycle_decay, i, dtype, self.log_cycle_decay_lo, start)
        return e + jnp.maximum(peak_shape - e * shape, 0)

    def _extra_config(self) -> dict[str, Any]:
        return {"cycle_decay": self.cycle_decay}

    def _decay_boundaries(self) -> dict[str, int]:
        w, n, first = self.warmup_steps, self.num_steps, self.cycle_steps
        if self.cycle_mult == 1:
            count = (n - w - 1) // first  # restarts before num_steps
            starts = [first * k for k in range(1, count + 1)] if count <= 10 else []
        else:
            starts = _restart_table(first, self.cycle_mult)[0][1:]
        restarts = [w + s for s in starts if w + s < n]
        if len(restarts) > 10:
            return {}
        return {f"restart {i + 1}": s for i, s in enumerate(restarts)}


def _one_cycle_phases(
    num_steps: int, pct_start: float, three_phase: bool
) -> list[tuple[float, float, str, str]]:
    """torch's phases ``(start_step, end_step, from, to)``, end steps computed as torch does."""
    n = num_steps
    if three_phase:
        return [
            (0.0, float(pct_start * n) - 1, "initial", "max"),
            (float(pct_start * n) - 1, float(2 * pct_start * n) - 2, "max", "initial"),
            (float(2 * pct_start * n) - 2, float(n - 1), "initial", "min"),
        ]
    return [
        (0.0, float(pct_start * n) - 1, "initial", "max"),
        (float(pct_start * n) - 1, float(n - 1), "max", "min"),
    ]


@register_schedule
class OneCycle(Schedule):
    """torch's ``OneCycleLR(total_steps=num_steps)``, holding its final value after the end.

    A phase from ``a`` to ``b`` over the float steps ``(start, end]`` is evaluated on the exact
    distance of the integer step to the end the rate is closer to: ``a + (b - a) * f(done / L)``
    when rising, ``b + (a - b) * f(remaining / L)`` when falling, ``f(q) = sin(pi/2 q)**2`` or
    ``q``. This is torch's ``end + (start - end) / 2 * (1 + cos(pi * pct))`` without cancellation.
    """

    type_name = "one_cycle"

    max_lr: float
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    pct_start: float = static(0.3)
    anneal_strategy: str = static("cos")
    three_phase: bool = static(False)

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        n = self.num_steps
        peak = as_float(self.max_lr, dtype)
        if is_concrete(self.max_lr, self.div_factor, self.final_div_factor):
            initial_value = float(self.max_lr) / float(self.div_factor)
            initial = as_float(initial_value, dtype)
            low = as_float(initial_value / float(self.final_div_factor), dtype)
        else:
            initial = peak / as_float(self.div_factor, dtype)
            # Not initial / final_div_factor: XLA rewrites (a / b) / c as a / (b * c), and
            # b * c overflows to inf above 3.4e38. Dividing by the mantissa of c and applying
            # its exponent exactly cannot be rewritten so.
            mant, expo = jnp.frexp(as_float(self.final_div_factor, dtype))
            low = initial / mant
            low = jnp.ldexp(low, -expo) if dtype == jnp.float64 else ldexp_exact(low, -expo)
        rates = {"max": peak, "initial": initial, "min": low}
        s = jnp.minimum(step, n - 1)
        phases = _one_cycle_phases(n, self.pct_start, self.three_phase)
        values = [self._phase(s, *phase, rates, dtype) for phase in phases]
        conditions = [s <= math.floor(end) for _, end, _, _ in phases[:-1]]
        lr = jnp.select(conditions, values[:-1], values[-1]) if conditions else values[-1]
        return jnp.where(step >= n, rates["min"], lr)

    def _phase(
        self,
        s: jax.Array,
        start: float,
        end: float,
        a: str,
        b: str,
        rates: dict[str, jax.Array],
        dtype: Any,
    ) -> jax.Array:
        length = end - start
        if length <= 0 or math.floor(end) < 0:  # no step lies strictly inside: its end value
            return jnp.broadcast_to(rates[b], s.shape)
        rising = (a, b) == ("initial", "max")
        if rising:
            base = max(math.floor(start), 0)  # done = (s - base) + (base - start), exactly
            done = jnp.maximum(s - base, 0).astype(dtype) + as_float(base - start, dtype)
            frac = done / as_float(length, dtype)
        else:
            last = math.floor(end)  # remaining = (last - s) + (end - last), exactly
            remaining = jnp.maximum(last - s, 0).astype(dtype) + as_float(end - last, dtype)
            frac = remaining / as_float(length, dtype)
        frac = jnp.minimum(frac, 1)
        if self.anneal_strategy == "cos":
            shape = jnp.square(jnp.sin(jnp.asarray(math.pi / 2, dtype) * frac))
        else:
            shape = frac
        lo, hi = (rates[a], rates[b]) if rising else (rates[b], rates[a])
        return lo + (hi - lo) * shape

    def boundaries(self) -> dict[str, int]:
        phases = _one_cycle_phases(self.num_steps, self.pct_start, self.three_phase)
        marks = {"peak": phases[0][1]}
        if self.three_phase:
            marks["annealing start"] = phases[1][1]
        out = {k: math.floor(v) for k, v in marks.items() if 0 <= v < self.num_steps}
        return {**out, "end": self.num_steps}


@register_schedule
class Cyclic(Schedule):
    """torch's ``CyclicLR``: triangles between ``base_lr`` and ``max_lr``, scaled by ``mode``.

    ``gamma`` is stored as its logarithm. The position in the cycle is the exact integer
    ``step % (step_size_up + step_size_down)``.
    """

    type_name = "cyclic"

    base_lr: float
    max_lr: float
    log_gamma: float = _internal()
    log_gamma_lo: float = _internal(0.0)
    step_size_up: int = static(2000)
    step_size_down: int = static(2000)
    mode: str = static("triangular")

    @property
    def gamma(self) -> float:
        """The ``exp_range`` factor per step."""
        return math.exp(self.log_gamma)

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        up, down = self.step_size_up, self.step_size_down
        total = up + down
        if total > INT32_MAX:  # the first cycle outlasts every int32 step
            cycle, pos = jnp.zeros_like(step), step
        else:
            cycle = step // total
            pos = step - cycle * total
        rising = ratio(jnp.minimum(pos, up), up, dtype)
        falling = ratio(jnp.clip(down - (pos - up), 0, down), down, dtype)
        height = jnp.where(pos <= up, rising, falling)
        base = as_float(self.base_lr, dtype)
        amplitude = (as_float(self.max_lr, dtype) - base) * height
        if self.mode == "triangular2":  # the amplitude, not the height, is halved: no underflow
            halvings = -jnp.minimum(cycle, 300).astype(jnp.int32)
            if dtype == jnp.float64:
                amplitude = jnp.ldexp(amplitude, halvings)
            else:
                amplitude = ldexp_exact(amplitude, halvings)
        if self.mode == "exp_range":
            amplitude = _exp_int(self.log_gamma, step, dtype, self.log_gamma_lo, amplitude)
        return base + amplitude

    def _extra_config(self) -> dict[str, Any]:
        return {"gamma": self.gamma}


def constant(
    *,
    start_lr: float,
    num_steps: int,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Constant:
    """A constant rate, after an optional linear warmup.

    .. math::
      \\mathrm{lr}(t) = s_0

    Equals optax's ``constant_schedule`` (and HuggingFace's
    ``get_constant_schedule_with_warmup`` with a warmup).

    Args:
      start_lr: the rate (> 0).
      num_steps: the number of training steps.
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`Constant` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = constant(start_lr=1e-3, warmup_steps=10, num_steps=100)
      >>> round(float(sched(5)), 10), round(float(sched(50)), 10)
      (0.0005, 0.001)
    """
    return build_from_keys("constant", locals())


def step(
    *,
    start_lr: float,
    step_size: int,
    num_steps: int,
    gamma: float = 0.1,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Step:
    """Step decay: multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math::
      \\mathrm{lr}(t) = s_0\\, \\gamma^{\\lfloor t / \\mathrm{step\\_size} \\rfloor}

    Equals torch's ``StepLR(step_size, gamma)`` after ``t`` calls to ``step()``.

    Args:
      start_lr: the rate after warmup (> 0).
      step_size: the rate drops every ``step_size`` steps (> 0).
      num_steps: the number of training steps.
      gamma: the factor per drop, in (0, 1].
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`Step` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = step(start_lr=1.0, step_size=30, gamma=0.1, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 29, 30, 60, 90)]
      [1.0, 1.0, 0.1, 0.01, 0.001]
    """
    return build_from_keys("step", locals())


def multistep(
    *,
    start_lr: float,
    milestones: list[int],
    num_steps: int,
    gamma: float = 0.1,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> MultiStep:
    """Multiply the rate by ``gamma`` at every milestone.

    .. math::
      \\mathrm{lr}(t) = s_0\\, \\gamma^{\\#\\{m \\in \\mathrm{milestones} : m \\le t\\}}

    Equals torch's ``MultiStepLR(milestones, gamma)``: milestone ``m`` applies from step ``m``
    on (``bisect_right``). With a warmup, milestones count from its end.

    Args:
      start_lr: the rate after warmup (> 0).
      milestones: strictly increasing steps > 0.
      num_steps: the number of training steps.
      gamma: the factor per milestone, in (0, 1].
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`MultiStep` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = multistep(start_lr=1.0, milestones=[30, 80], gamma=0.1, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (29, 30, 79, 80)]
      [1.0, 0.1, 0.1, 0.01]
    """
    return build_from_keys("multistep", locals())


def polynomial(
    *,
    start_lr: float,
    num_steps: int,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
    power: float = 1.0,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Polynomial:
    """Polynomial decay from ``start_lr`` to ``stop_lr`` over the decay, then ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\left(1 - \\frac{\\min(t, T)}{T}\\right)^{p}

    Equals torch's ``PolynomialLR(total_iters=T, power=p)`` when ``stop_lr`` is 0, optax's
    ``polynomial_schedule`` and HuggingFace's ``get_polynomial_decay_schedule_with_warmup``.

    Args:
      start_lr: the rate after warmup (> 0).
      num_steps: the number of training steps.
      stop_lr: the rate at ``num_steps``; exactly one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio``.
      power: the exponent ``p`` (> 0).
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`Polynomial` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = polynomial(start_lr=1.0, stop_lr=0.0, power=2.0, num_steps=10)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10, 20)]
      [1.0, 0.25, 0.0, 0.0]
    """
    return build_from_keys("polynomial", locals())


def linear(
    *,
    start_lr: float,
    num_steps: int,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Linear:
    """Linear decay from ``start_lr`` to ``stop_lr`` over the decay, then ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\left(1 - \\frac{\\min(t, T)}{T}\\right)

    ``polynomial`` with power 1; with ``stop_lr`` 0 it equals HuggingFace's
    ``get_linear_schedule_with_warmup`` and optax's ``linear_schedule``.

    Args:
      start_lr: the rate after warmup (> 0).
      num_steps: the number of training steps.
      stop_lr: the rate at ``num_steps``; exactly one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio``.
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`Linear` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = linear(start_lr=1.0, stop_lr=0.1, num_steps=10)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10)]
      [1.0, 0.55, 0.1]
    """
    return build_from_keys("linear", locals())


def inverse_sqrt(
    *,
    start_lr: float,
    num_steps: int,
    timescale: int | None = None,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> InverseSqrt:
    """Inverse square-root decay (the Transformer/Noam schedule), optionally floored.

    .. math::
      \\mathrm{lr}(t) = \\max\\left(s_0 \\sqrt{\\frac{\\tau}{t + \\tau}},\\ e\\right)

    ``tau = timescale``, by default ``warmup_steps`` if it is > 0, else 10000. Equals
    HuggingFace's ``get_inverse_sqrt_schedule(num_warmup_steps, timescale)`` (no floor).

    Args:
      start_lr: the rate after warmup (> 0).
      num_steps: the number of training steps.
      timescale: ``tau`` (> 0).
      stop_lr: an optional floor; at most one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio``.
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      An :class:`InverseSqrt` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = inverse_sqrt(start_lr=1.0, warmup_steps=100, num_steps=1000)
      >>> [round(float(sched(s)), 6) for s in (50, 100, 400)]
      [0.5, 1.0, 0.5]
    """
    return build_from_keys("inverse_sqrt", locals())


def cosine_restarts(
    *,
    start_lr: float,
    cycle_steps: int,
    num_steps: int,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
    cycle_mult: int = 1,
    cycle_decay: float = 1.0,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> CosineRestarts:
    """Cosine annealing with warm restarts (SGDR).

    .. math::
      \\mathrm{lr}(t) = e + \\max(s_0 d^{i} - e, 0)\\, \\frac{1 + \\cos(\\pi t_i / L_i)}{2},
      \\qquad L_i = c\\, m^{i}

    where cycle ``i`` starts at ``c (m^i - 1) / (m - 1)`` (``c i`` if ``m = 1``) and ``t_i``
    is the step within it; ``c = cycle_steps``, ``m = cycle_mult``, ``d = cycle_decay``. The
    cycles go on past ``num_steps``. Equals torch's ``CosineAnnealingWarmRestarts(T_0=c,
    T_mult=m, eta_min=e)`` when ``d = 1``.

    Args:
      start_lr: the peak of the first cycle (> 0).
      cycle_steps: the length of the first cycle (> 0).
      num_steps: the number of training steps.
      stop_lr: the rate at the end of every cycle; exactly one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio``.
      cycle_mult: each cycle is ``cycle_mult`` times longer than the one before (int >= 1).
      cycle_decay: each peak is ``cycle_decay`` times the one before, in (0, 1].
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`CosineRestarts` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = cosine_restarts(start_lr=1.0, stop_lr=0.0, cycle_steps=10, cycle_mult=2,
      ...                         num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10, 20, 30)]
      [1.0, 0.5, 1.0, 0.5, 1.0]
    """
    return build_from_keys("cosine_restarts", locals())


def one_cycle(
    *,
    max_lr: float,
    num_steps: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    anneal_strategy: str = "cos",
    three_phase: bool = False,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> OneCycle:
    """The 1cycle policy (Smith): up from ``max_lr / div_factor`` to ``max_lr``, then down.

    .. math::
      \\mathrm{anneal}(a, b, q) = b + \\frac{a - b}{2}(1 + \\cos \\pi q)
      \\quad\\text{or}\\quad a + (b - a) q

    over torch's phases: to step ``pct_start * N - 1`` from ``max_lr / div_factor`` up to
    ``max_lr``, then to step ``N - 1`` down to ``max_lr / div_factor / final_div_factor``
    (with ``three_phase``: down to ``max_lr / div_factor`` at step ``2 pct_start N - 2``,
    then to the minimum). Equals torch's ``OneCycleLR(max_lr, total_steps=N, ...)`` for every
    step below ``N``, and holds the final value from then on.

    Args:
      max_lr: the peak rate (> 0).
      num_steps: the number of training steps ``N``.
      pct_start: the fraction of the steps spent rising, in [0, 1] (at most 0.5 with
        ``three_phase``).
      div_factor: the rate starts at ``max_lr / div_factor`` (>= 1).
      final_div_factor: the rate ends at ``max_lr / div_factor / final_div_factor`` (>= 1).
      anneal_strategy: ``"cos"`` or ``"linear"``.
      three_phase: the first two phases are symmetric and a third one anneals to the minimum.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`OneCycle` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = one_cycle(max_lr=1.0, num_steps=100, pct_start=0.5, div_factor=10.0,
      ...                   final_div_factor=100.0, anneal_strategy="linear")
      >>> [round(float(sched(s)), 6) for s in (0, 49, 99, 200)]
      [0.1, 1.0, 0.001, 0.001]
    """
    return build_from_keys("one_cycle", locals())


def cyclic(
    *,
    base_lr: float,
    max_lr: float,
    num_steps: int,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Cyclic:
    """Cyclical learning rates (Smith): triangles between ``base_lr`` and ``max_lr``.

    .. math::
      \\mathrm{lr}(s) = b + (M - b)\\, h(s)\\, \\sigma(s)

    where ``h`` rises linearly from 0 to 1 over ``step_size_up`` steps and falls back over
    ``step_size_down`` steps, and ``sigma`` is 1 (``triangular``), ``1 / 2 ** (cycle - 1)``
    (``triangular2``) or ``gamma ** s`` (``exp_range``). The cycles go on past ``num_steps``.
    Equals torch's ``CyclicLR(base_lr, max_lr, step_size_up, step_size_down, mode, gamma,
    cycle_momentum=False)``.

    Args:
      base_lr: the lower rate (>= 0).
      max_lr: the upper rate (>= ``base_lr``, > 0).
      num_steps: the number of training steps.
      step_size_up: steps from ``base_lr`` up to ``max_lr`` (> 0).
      step_size_down: steps back down (> 0); ``step_size_up`` if not given.
      mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
      gamma: the ``exp_range`` factor per step, in (0, 1].
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`Cyclic` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = cyclic(base_lr=0.1, max_lr=1.0, step_size_up=10, mode="triangular2",
      ...                num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10, 20, 30)]
      [0.1, 0.55, 1.0, 0.1, 0.55]
    """
    return build_from_keys("cyclic", locals())

"""DeePMD-kit's schedules: ``exp`` (stepped and smooth), ``cosine`` and ``wsd``."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._schedule import (
    INT32_MAX,
    _two_prod,
    as_float,
    build_from_keys,
    exp_times_int,
    is_concrete,
    register_schedule,
    static,
)
from ._warmup import WarmupSchedule

__all__ = ["WSD", "Cosine", "Exp", "cosine", "exp", "wsd"]

_HALF_PI = math.pi / 2


def sin2_of_fraction(num: jax.Array, den: int, dtype: Any) -> jax.Array:
    """``sin(pi/2 * num/den) ** 2``: the cosine-annealing factor ``(1 + cos(pi * (1 - q))) / 2``.

    Written on the *remaining* fraction ``q = num/den`` so that the end of a decay, where the
    factor is tiny, keeps full relative accuracy (``1 + cos(x)`` near ``x = pi`` would cancel).
    """
    # One multiply by the constant pi / (2 den) (rounded once) instead of a division per step.
    return jnp.square(jnp.sin(num.astype(dtype) * as_float(_HALF_PI / den, dtype)))


@register_schedule
class Exp(WarmupSchedule):
    """Exponential decay, stepped (``t // decay_steps``) or smooth, floored at ``stop_lr``.

    Build it with :func:`exp` or ``make_schedule``; the decay rate is stored as its natural
    logarithm so that rates close to 1 keep their precision in float32 and in stacked sweeps.
    """

    type_name = "exp"

    stop_lr: float
    log_decay_rate: float = dataclasses.field(metadata={"internal": True})
    log_decay_rate_lo: float = dataclasses.field(default=0.0, metadata={"internal": True})
    decay_steps: int = static()
    smooth: bool = static(False)

    @property
    def decay_rate(self) -> float:
        """The per-``decay_steps`` decay factor ``r``."""
        return math.exp(self.log_decay_rate)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        ds = self.decay_steps
        # t >= 0, so the truncating division is the floor division (and cheaper).
        n = t if self.smooth else lax.div(t, jnp.asarray(ds, t.dtype))
        n_max = (INT32_MAX - self.warmup_steps) // (1 if self.smooth else ds)
        if is_concrete(self.log_decay_rate):
            c = self.log_decay_rate / ds if self.smooth else float(self.log_decay_rate)
            n_floor = self._floor_index(c)
            if n_floor is not None and n_floor < n_max:
                # Past n_floor the rate is below stop_lr: clamping n changes no value and
                # bounds it, which lets exp_times_int skip work when the bound is small.
                n, n_max = jnp.minimum(n, n_floor), n_floor
            lr = exp_times_int(c, n, dtype, n_max=n_max, scale=self.start_lr)
        else:  # traced: the float32 rate loses its rounding, which log_decay_rate_lo keeps
            log = as_float(self.log_decay_rate, dtype)
            rest = as_float(self.log_decay_rate_lo, dtype)
            if self.smooth:  # c = log / ds, and what its float32 division rounds away in rest
                ds_hi = float(np.float32(ds))
                c = log / ds_hi
                prod, prod_err = _two_prod(c, jnp.float32(ds_hi))
                left = ((log - prod) - prod_err) - c * jnp.float32(ds - ds_hi)
                rest = (left + rest) / ds_hi
            else:
                c = log
            lr = exp_times_int(c, n, dtype, n_max=n_max, c_rest=rest, scale=self.start_lr)
        return jnp.maximum(lr, as_float(self.stop_lr, dtype))

    def _floor_index(self, c: float) -> int | None:
        """The first ``n`` with ``start_lr * exp(c * n) <= stop_lr * (1 - 1e-5)``, if known.

        The margin is 50 times the float32 error of ``exp_times_int``, so the computed rate at
        and past this index is below ``stop_lr`` and the floor gives exactly ``stop_lr``.
        """
        if not is_concrete(self.start_lr, self.stop_lr) or self.stop_lr <= 0 or c >= 0:
            return None
        target = math.log(self.stop_lr / self.start_lr) + math.log1p(-1e-5)
        return max(0, math.ceil(target / c))

    def _extra_config(self) -> dict[str, Any]:
        return {"decay_rate": self.decay_rate}


@register_schedule
class Cosine(WarmupSchedule):
    """Cosine annealing from ``start_lr`` to ``stop_lr`` over the decay, then ``stop_lr``."""

    type_name = "cosine"

    stop_lr: float

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return self._anneal(t, dtype, sin2_of_fraction)


@register_schedule
class WSD(WarmupSchedule):
    """Warmup-stable-decay: ``start_lr`` for the stable phase, then a final decay to ``stop_lr``."""

    type_name = "wsd"

    stop_lr: float
    decay_phase_ratio: float = static(0.1)
    decay_type: str = static("inverse_linear")

    @property
    def decay_phase_steps(self) -> int:
        """``D = max(1, min(int(decay_phase_ratio * num_steps), T))``."""
        return max(1, min(int(self.decay_phase_ratio * self.num_steps), self.decay_length))

    @property
    def stable_steps(self) -> int:
        """``S = T - D``: the steps at ``start_lr`` after warmup."""
        return self.decay_length - self.decay_phase_steps

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        length, d, stable = self.decay_length, self.decay_phase_steps, self.stable_steps
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        remaining = jnp.clip(length - t, 0, d)  # (1 - tau) * D, exact
        concrete = is_concrete(self.start_lr, self.stop_lr)  # then fold constants in float64
        if self.decay_type == "inverse_linear":
            # 1 / (tau / e + (1 - tau) / s0) = e * (D / (done + remaining * (e / s0))): no
            # 1 / (s0 D), which flushes to 0 for s0 D above 8.5e37, and no e D, which can
            # overflow. e / s0 may flush to 0, but only matters where done = 0 (lr = s0).
            ratio_es = self.stop_lr / self.start_lr if concrete else e / s0
            done = jnp.clip(t - stable, 0, d)
            denominator = done.astype(dtype) + remaining.astype(dtype) * as_float(ratio_es, dtype)
            lr = e * (as_float(d, dtype) / denominator)
            lr = jnp.where(done == 0, s0, jnp.clip(lr, e, s0))
            lr = jnp.where(t >= length, e, lr)  # exactly stop_lr after the decay
        elif self.decay_type == "cosine":
            lr = e + (s0 - e) * sin2_of_fraction(remaining, d, dtype)  # e at remaining = 0
        else:
            slope = (self.start_lr - self.stop_lr) / d if concrete else (s0 - e) / d
            lr = e + remaining.astype(dtype) * as_float(slope, dtype)  # e at remaining = 0
            lr = jnp.minimum(lr, s0)  # a sum that rounds past float32's maximum is s0
        return jnp.where(t < stable, s0, lr)

    def _decay_boundaries(self) -> dict[str, int]:
        return {"decay start": self.warmup_steps + self.stable_steps}


def exp(
    *,
    start_lr: float,
    num_steps: int,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
    decay_steps: int = 5000,
    decay_rate: float | None = None,
    smooth: bool = False,
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Exp:
    """DeePMD-kit's exponential decay (the default ``learning_rate`` type).

    .. math::
      \\mathrm{lr}(t) = \\max\\left(s_0\\, r^{\\lfloor t / d \\rfloor},\\ e\\right),
      \\qquad r = \\exp\\left(\\frac{\\log(\\max(e, 10^{-10}) / s_0)}{T / d}\\right)

    with ``t = step - warmup_steps``, ``T = num_steps - warmup_steps``, ``d = decay_steps``
    (``t / d`` instead of ``t // d`` when ``smooth``). If ``decay_rate`` is not given and
    ``decay_steps >= T``, ``decay_steps`` becomes ``100 if T // 10 > 100 else T // 100 + 1``,
    as DeePMD-kit does. ``stop_lr`` is a floor, also with an explicit ``decay_rate``.

    Args:
      start_lr: the rate after warmup (> 0).
      num_steps: the number of training steps (``training.numb_steps``).
      stop_lr: the rate at ``num_steps``; exactly one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio``.
      decay_steps: the rate drops every ``decay_steps`` steps.
      decay_rate: the factor per ``decay_steps``; derived from ``stop_lr`` if not given.
      smooth: decay at every step instead of in stairs.
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"`` for ``jax.device_count()``.

    Returns:
      An :class:`Exp` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = exp(start_lr=1e-3, stop_lr=1e-5, decay_steps=5000, num_steps=10000)
      >>> round(float(sched(0)), 10), round(float(sched(10000)), 10)
      (0.001, 1e-05)
    """
    return build_from_keys("exp", locals())


def cosine(
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
) -> Cosine:
    """DeePMD-kit's cosine annealing.

    .. math::
      \\mathrm{lr}(t) = e + \\frac{s_0 - e}{2}\\left(1 + \\cos\\frac{\\pi t}{T}\\right)
      \\quad (t < T), \\qquad \\mathrm{lr}(t) = e \\quad (t \\ge T)

    Args:
      start_lr: the rate after warmup (> 0).
      num_steps: the number of training steps.
      stop_lr: the final rate; exactly one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio``.
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`Cosine` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=10000)
      >>> round(float(sched(5000)), 10)
      0.000505
    """
    return build_from_keys("cosine", locals())


def wsd(
    *,
    start_lr: float,
    num_steps: int,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
    decay_phase_ratio: float = 0.1,
    decay_type: str = "inverse_linear",
    warmup_steps: int = 0,
    warmup_ratio: float | None = None,
    warmup_start_factor: float = 0.0,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> WSD:
    """DeePMD-kit's warmup-stable-decay.

    .. math::
      D = \\max(1, \\min(\\lfloor \\rho N \\rfloor, T)),\\quad S = T - D,\\quad
      \\tau = \\mathrm{clip}((t - S) / D, 0, 1)

    ``lr = start_lr`` for ``t < S``; then, by ``decay_type``, ``1 / (tau / e + (1 - tau) / s0)``
    (``inverse_linear``), ``e + (s0 - e) (1 + cos(pi tau)) / 2`` (``cosine``) or
    ``s0 + (e - s0) tau`` (``linear``); ``stop_lr`` from ``t >= T`` on.

    Args:
      start_lr: the stable rate (> 0).
      num_steps: the number of training steps ``N``.
      stop_lr: the final rate (> 0); exactly one of it and ``stop_lr_ratio``.
      stop_lr_ratio: ``stop_lr = start_lr * stop_lr_ratio`` (> 0).
      decay_phase_ratio: ``rho``, the decay phase as a fraction of ``num_steps``, in (0, 1].
      decay_type: ``"inverse_linear"``, ``"cosine"`` or ``"linear"``.
      warmup_steps: linear warmup length; excludes ``warmup_ratio``.
      warmup_ratio: ``warmup_steps = int(warmup_ratio * num_steps)``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``.
      num_workers: an int >= 1, or ``"auto"``.

    Returns:
      A :class:`WSD` schedule.

    Raises:
      ConfigError: if any argument is invalid.

    Examples:
      >>> sched = wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=10000)
      >>> round(float(sched(9000)), 10), round(float(sched(9500)) / 1.98019802e-5, 6)
      (0.001, 1.0)
    """
    return build_from_keys("wsd", locals())

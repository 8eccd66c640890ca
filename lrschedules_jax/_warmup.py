"""The one warmup implementation every type with a ``start_lr`` shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ._jax import jax, jnp
from ._numerics import INT32_MAX, as_float, is_concrete
from ._schedule import Schedule, leaf, static
from ._shapes import WARMUP_SHAPES, warmup_factor

__all__ = ["WarmupSchedule"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class WarmupSchedule(Schedule):
    """A schedule with an optional warmup to ``start_lr`` before its decay.

    .. math::
      \\mathrm{lr}(s) = f s_0 + (s_0 - f s_0)\\, g(s / w) \\quad (0 \\le s < w),
      \\qquad \\mathrm{lr}(s) = \\mathrm{decay}(s - w) \\quad (s \\ge w)

    with ``g(p) = p`` (``warmup_type="linear"``, DeePMD-kit's), ``(1 - cos(pi p)) / 2``
    (``"cosine"``) or ``1 - sqrt(1 - p)`` (``"1-sqrt"``), HF ``get_wsd_schedule``'s shapes.

    Subclasses implement ``_decay(t, dtype)`` on the integer decay step ``t = step - w``.

    Attributes:
      start_lr: the peak rate, reached at the end of warmup.
      warmup_steps: the number of warmup steps ``w``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      warmup_type: the warmup shape ``g``: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
    """

    start_lr: float = leaf(gt=0)
    warmup_steps: int = static(ge=0, le=INT32_MAX, sweep=True)
    warmup_start_factor: float = leaf(ge=0, le=1)
    warmup_type: str = static("linear", omit_default=True)

    def _check(self) -> None:
        if self.warmup_type not in WARMUP_SHAPES:
            raise ValueError(
                f"`warmup_type` must be one of {WARMUP_SHAPES}; got {self.warmup_type!r}."
            )
        if self.warmup_steps and self.warmup_steps >= self.num_steps:
            raise ValueError(
                f"`warmup_steps` must be smaller than `num_steps` ({self.num_steps}); "
                f"got {self.warmup_steps}."
            )

    @property
    def decay_length(self) -> int:
        """``T = num_steps - warmup_steps``, the length of the decay."""
        return self.num_steps - self.warmup_steps

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        w = self.warmup_steps
        if not is_concrete(w):  # traced (a stacked sweep)
            w = jnp.asarray(w).astype(step.dtype)
        decay = self._decay(jnp.maximum(step - w, 0), dtype)
        if is_concrete(w) and w == 0:
            return decay
        # The length the warmup divides by (a traced w may be 0: no step is below it then).
        length = w if is_concrete(w) else jnp.maximum(w, 1)
        s0, f = self.start_lr, self.warmup_start_factor
        if self.warmup_type != "linear":  # a + (s0 - a) * g(step / w)
            if is_concrete(s0, f):
                a = s0 * f
                b = s0 - a
            else:
                s0, f = as_float(s0, dtype), as_float(f, dtype)
                a = s0 * f
                b = s0 - a
            g = warmup_factor(self.warmup_type, jnp.minimum(step, length), length, dtype)
            warm = as_float(a, dtype) + as_float(b, dtype) * g
            return jnp.where(step < w, warm, decay)
        # lr = a + b * step: scalar work once, one multiply-add per step.
        if is_concrete(s0, f, length):
            a = s0 * f
            b = (s0 - a) / length
        else:
            s0, f = as_float(s0, dtype), as_float(f, dtype)
            a = s0 * f
            b = (s0 - a) / as_float(length, dtype)
        warm = as_float(a, dtype) + as_float(b, dtype) * step.astype(dtype)
        return jnp.where(step < w, warm, decay)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        raise NotImplementedError

    def _anneal(self, t: jax.Array, dtype: Any, shape: Callable[..., jax.Array]) -> jax.Array:
        """``stop_lr + (start_lr - stop_lr) * shape(remaining, T, dtype)`` over the decay.

        ``remaining = max(T - t, 0)`` is the exact integer number of decay steps left, so the
        end of the decay, where ``shape`` is tiny, keeps its relative accuracy. For the types
        that anneal to a ``stop_lr`` (cosine, polynomial, linear). Without a decay phase
        (``num_steps == 0``) the rate is ``start_lr``, as DeePMD-kit's cosine gives.
        """
        length = self.decay_length
        s0 = as_float(self.start_lr, dtype)
        if is_concrete(length) and length == 0:
            return jnp.full(t.shape, s0, dtype)
        e = as_float(self.stop_lr, dtype)  # type: ignore[attr-defined]
        if is_concrete(length):
            return e + (s0 - e) * shape(jnp.maximum(length - t, 0), length, dtype)
        length = jnp.asarray(length).astype(t.dtype)  # traced (a stacked sweep)
        remaining = jnp.maximum(length - t, 0)
        lr = e + (s0 - e) * shape(remaining, jnp.maximum(length, 1), dtype)
        return jnp.where(length == 0, s0, lr)

    def boundaries(self) -> dict[str, int]:
        marks = {"warmup end": self.warmup_steps} if self.warmup_steps else {}
        return {**marks, **self._decay_boundaries(), "end": self.num_steps}

    def _decay_boundaries(self) -> dict[str, int]:
        return {}

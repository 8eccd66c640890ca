"""The one warmup implementation every type with a ``start_lr`` shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ._jax import LazyPytree, jax, jnp
from ._numerics import INT32_MAX, as_float, is_concrete, step_count
from ._schedule import Schedule, derived, leaf, static
from ._shapes import WARMUP_SHAPES, batch_scale, scaled_warmup, warmup_factor

__all__ = ["BatchScaling", "WarmupSchedule"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class BatchScaling(LazyPytree):
    """The large-batch rule of a schedule (its ``batch_scaling`` block; an extension).

    Every rate times :attr:`factor` ``k``, and with ``scale_warmup`` the warmup over the real
    length ``W = k w``, ending at the integer ``B = ceil(W)`` (the schedule's
    ``warmup_steps``). See docs/llm_schedules.md §2.7. A pytree node without leaves: the keys
    are static (modes for ``lrs.stack``), and the ``w`` written is a count that a stack sweeps.

    Attributes:
      batch_size, reference_batch_size, rule, scale_warmup: the block's keys.
      warmup_steps: the ``warmup_steps`` ``w`` the section wrote (``to_config`` writes it back).
    """

    batch_size: int = static()
    reference_batch_size: int = static()
    rule: str = static("linear")
    scale_warmup: bool = static(False)
    warmup_steps: int = static(0, sweep=True)

    @property
    def factor(self) -> float:
        """``k``: ``batch_size / reference_batch_size``, or its square root."""
        return batch_scale(self.batch_size, self.reference_batch_size, self.rule)

    def warmup(self) -> tuple[int, float]:
        """``(B, W)``: the integer end of the warmup and its real length."""
        w = self.warmup_steps
        if not self.scale_warmup or not w:
            return w, float(w)
        return scaled_warmup(w, self.batch_size, self.reference_batch_size, self.rule)

    def __post_init__(self) -> None:
        if is_concrete(self.warmup_steps):  # else set by `stack` (or a pytree unflatten)
            end, length = self.warmup()
            object.__setattr__(self, "gap", end - length)

    #: ``B - W`` in ``[0, 1)``, computed on the host: a traced warmup (a stacked sweep) takes
    #: ``W - step`` as the exact integer ``B - step`` minus it, as the concrete path does.
    gap: float = derived()

    def traced_length(self, end: jax.Array, dtype: Any) -> tuple[jax.Array, jax.Array]:
        """``(B, B - W)`` for a traced ``B`` (a stacked sweep): the integer end and the gap."""
        return end, jnp.asarray(self.gap, dtype)

    def config(self) -> dict[str, Any]:
        """The ``batch_scaling`` block of a ``learning_rate`` section."""
        return {
            "batch_size": self.batch_size,
            "reference_batch_size": self.reference_batch_size,
            "rule": self.rule,
            "scale_warmup": self.scale_warmup,
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class WarmupSchedule(Schedule):
    """A schedule with an optional warmup to ``start_lr`` before its decay.

    .. math::
      \\mathrm{lr}(s) = f s_0 + (s_0 - f s_0)\\, g(s / w) \\quad (0 \\le s < w),
      \\qquad \\mathrm{lr}(s) = \\mathrm{decay}(s - w) \\quad (s \\ge w)

    with ``g(p) = p`` (``warmup_type="linear"``, DeePMD-kit's), ``(1 - cos(pi p)) / 2``
    (``"cosine"``) or ``1 - sqrt(1 - p)`` (``"1-sqrt"``), HF ``get_wsd_schedule``'s shapes.

    Subclasses implement ``_decay(t, dtype)`` on the integer decay step ``t = step - w``.

    With a ``batch_scaling`` block (the large-batch rule), every rate is multiplied by its
    factor ``k`` (with the worker scale, see :attr:`rate_scale`); with ``scale_warmup``,
    ``warmup_steps`` is the integer end ``B = ceil(k w)`` of the warmup and ``p = s / W`` uses
    its real length ``W = k w`` (:attr:`warmup_length`).

    Attributes:
      start_lr: the peak rate, reached at the end of warmup.
      warmup_steps: the number of warmup steps ``w``.
      warmup_start_factor: warmup starts at ``warmup_start_factor * start_lr``.
      warmup_type: the warmup shape ``g``: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
      batch_scaling: the large-batch rule (:class:`BatchScaling`), or None.
    """

    start_lr: float = leaf(gt=0)
    warmup_steps: int = static(ge=0, le=INT32_MAX, sweep=True)
    warmup_start_factor: float = leaf(ge=0, le=1)
    warmup_type: str = static("linear", omit_default=True)
    #: The large-batch rule (a pytree node; its ``w`` may be traced in a stack), or None.
    batch_scaling: BatchScaling | None = dataclasses.field(
        default=None, metadata={"omit_default": True}
    )

    def _check(self) -> None:
        if self.warmup_type not in WARMUP_SHAPES:
            raise ValueError(
                f"`warmup_type` must be one of {WARMUP_SHAPES}; got {self.warmup_type!r}."
            )
        block = self.batch_scaling
        if block is not None and block.warmup()[0] != self.warmup_steps:
            raise ValueError(
                f"`warmup_steps` must be the end of the batch-scaled warmup "
                f"({block.warmup()[0]}); got {self.warmup_steps}."
            )
        if self.warmup_steps and self.warmup_steps >= self.num_steps:
            raise ValueError(
                f"`warmup_steps` must be smaller than `num_steps` ({self.num_steps}); "
                f"got {self.warmup_steps}."
            )

    @property
    def warmup_length(self) -> float:
        """The warmup length ``p = step / length`` divides by: ``warmup_steps``, or the real
        ``W = k w`` of a batch-scaled warmup."""
        block = self.batch_scaling
        return self.warmup_steps if block is None else block.warmup()[1]

    @property
    def rate_scale(self) -> float:
        """The worker scale times the large-batch factor ``k`` (1 without ``batch_scaling``)."""
        block = self.batch_scaling
        return self.worker_scale if block is None else self.worker_scale * block.factor

    def to_config(self) -> dict[str, Any]:
        """See :meth:`Schedule.to_config`; writes the ``warmup_steps`` of the section
        (``w``, not ``B``) and the ``batch_scaling`` block back."""
        block = self.batch_scaling
        if block is None:
            return super().to_config()
        plain = dataclasses.replace(self, batch_scaling=None)
        config = super(WarmupSchedule, plain).to_config()  # the fields, as without the block
        config["warmup_steps"] = block.warmup_steps
        return {**config, "batch_scaling": block.config()}

    @property
    def decay_length(self) -> int:
        """``T = num_steps - warmup_steps``, the length of the decay."""
        return self.num_steps - self.warmup_steps

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        w = step_count(self.warmup_steps, step)
        decay = self._decay(jnp.maximum(step - w, 0), dtype)
        if is_concrete(w) and w == 0:
            return decay
        # The length the warmup divides by: w, the real k w of a batch-scaled warmup, or,
        # traced (a stacked sweep), the same at least 1 (w may be 0: no step is below it).
        block = self.batch_scaling
        if is_concrete(w) and (block is None or is_concrete(block.gap)):
            length = self.warmup_length
        elif block is None:
            length = jnp.maximum(w, 1)
        else:  # W = B - gap, as a pair: one_minus_sqrt takes W - step from it exactly
            end, gap = block.traced_length(jnp.maximum(w, 1), dtype)
            length = (end, gap) if self.warmup_type == "1-sqrt" else end.astype(dtype) - gap
        s0, f = self.start_lr, self.warmup_start_factor
        if self.warmup_type != "linear":  # a + (s0 - a) * g(step / w)
            if is_concrete(s0, f):
                a = s0 * f
                b = s0 - a
            else:
                s0, f = as_float(s0, dtype), as_float(f, dtype)
                a = s0 * f
                b = s0 - a
            g = warmup_factor(self.warmup_type, jnp.minimum(step, w), length, dtype)
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

"""The keys every learning-rate type shares, declared once: the worker scaling mode
(:class:`RateSchedule`), the peak and the warmup with the large-batch rule
(:class:`WarmupSchedule`, the one warmup implementation every type with a ``start_lr`` uses) and
the end rate (:class:`StopKeys`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Literal

from ._errors import Problems
from ._jax import LazyPytree, jax, jnp
from ._numerics import INT32_MAX, as_float, is_concrete, step_count
from ._schedule import (
    EXTENSION,
    Rule,
    Schedule,
    both_given,
    check_bounds,
    derived,
    leaf,
    rate_names,
    schedule_class,
    static,
)
from ._shapes import batch_scale, scaled_warmup, warmup_factor

__all__ = [
    "MISSING_STOP",
    "BatchScaling",
    "RateSchedule",
    "StartKey",
    "StopKeys",
    "WarmupSchedule",
    "batch_factor",
    "batch_warmup",
]

MISSING_STOP = (
    "one of `stop_lr` and `stop_lr_ratio` is required for this type; add one, for example "
    '"stop_lr": 1e-06 or "stop_lr_ratio": 0.001'
)


@schedule_class
class RateSchedule(Schedule):
    """A learning-rate schedule: the base of every ``learning_rate`` type.

    It declares ``scale_by_worker``, DeePMD-kit's key for how the rate grows with the number
    of data-parallel workers. The scaling itself is a factor: ``make_schedule(...,
    num_workers=n)`` returns this schedule times the worker scale (a :class:`Product`).
    """

    scale_by_worker: Literal["linear", "sqrt", "none"] = static(
        "linear",
        description="How the rate grows with the number of data-parallel workers: `linear` "
        "multiplies every rate by `num_workers`, `sqrt` by its square root, `none` by 1.",
    )

    @classmethod
    def rates(cls, v: Mapping[str, Any]) -> dict[str, tuple[str, float]]:
        """The positive rates of the keys ``v`` that must be normal float32 numbers after
        scaling, ``{key: (what, rate)}``: every rate key by default."""
        return {
            name: ("a positive rate", v[name])
            for name in rate_names(cls)
            if isinstance(v.get(name), (int, float))
        }

    @classmethod
    def rate_factor(cls, v: Mapping[str, Any]) -> tuple[float, str]:
        """``(factor, what)``: what the type itself multiplies its rates by (none here)."""
        return 1.0, ""


@schedule_class
class BatchScaling(LazyPytree):
    """The ``batch_scaling`` block of a type with a warmup: the large-batch rule (an extension).

    Goyal et al. 2017, "Accurate, Large Minibatch SGD": every rate times
    ``k = batch_size / reference_batch_size`` (``rule="linear"``) or its square root
    (``"sqrt"``), and with ``scale_warmup`` the warmup ``k`` times longer: it covers the real
    length ``W = k w`` and ends at the integer ``B = ceil(W)``, found exactly (the schedule's
    ``warmup_steps``). A pytree node without leaves: the keys are modes for ``lrs.stack``, and
    the ``w`` written is a count that a stack sweeps.

    Attributes:
      warmup_steps: the ``warmup_steps`` ``w`` the section wrote (``to_config`` writes it back);
        None until the schedule it belongs to is made.
    """

    batch_size: int = static(gt=0, le=INT32_MAX, description="The batch size trained with.")
    reference_batch_size: int = static(
        gt=0,
        le=INT32_MAX,
        description="The batch size the rates (and `warmup_steps`) were tuned for.",
    )
    rule: Literal["linear", "sqrt"] = static(
        "linear",
        description="`linear`: `k = batch_size / reference_batch_size`; `sqrt`: its square root.",
    )
    scale_warmup: bool = static(
        False,
        description="Make the warmup `k` times longer: it covers the steps `step < k * "
        "warmup_steps` (a real length; its integer end is `ceil(k * warmup_steps)`).",
    )
    warmup_steps: int | None = static(None, sweep=True, internal=True)
    #: ``B - W`` in ``[0, 1)``, computed on the host: a traced warmup (a stacked sweep) takes
    #: ``W - step`` as the exact integer ``B - step`` minus it, as the concrete path does.
    gap: float = derived()

    def __post_init__(self) -> None:
        problems = Problems()
        check_bounds(BatchScaling, self.__dict__, problems, "batch_scaling.")
        problems.raise_if_any()
        if self.warmup_steps is None:  # not resolved yet (a block as written)
            object.__setattr__(self, "gap", None)
        elif is_concrete(self.warmup_steps):  # else set by `stack` (or a pytree unflatten)
            end, length = self.warmup()
            object.__setattr__(self, "gap", end - length)

    @property
    def factor(self) -> float:
        """``k``: ``batch_size / reference_batch_size``, or its square root."""
        return batch_factor(self)

    def warmup(self) -> tuple[int, float]:
        """``(B, W)``: the integer end of the recorded warmup and its real length."""
        return batch_warmup(self, self.warmup_steps or 0)

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


def _get(block: Any, key: str) -> Any:
    """A key of a ``batch_scaling`` block given as a mapping or a :class:`BatchScaling`."""
    return block.get(key) if isinstance(block, Mapping) else getattr(block, key)


def batch_factor(block: Any) -> float:
    """The rate factor ``k`` of a ``batch_scaling`` block (a mapping or a BatchScaling)."""
    return batch_scale(
        _get(block, "batch_size"), _get(block, "reference_batch_size"), _get(block, "rule")
    )


def batch_warmup(block: Any, w: int) -> tuple[int, float]:
    """``(B, W)``: the integer end and the real length of the warmup of ``w`` steps under the
    block (a mapping or a BatchScaling)."""
    if not _get(block, "scale_warmup") or not w:
        return w, float(w)
    return scaled_warmup(
        w, _get(block, "batch_size"), _get(block, "reference_batch_size"), _get(block, "rule")
    )


@schedule_class
class StartKey(RateSchedule):
    """``start_lr``: the peak, which the warmup reaches and the stop keys refer to."""

    start_lr: float = leaf(gt=0, rate=True, description="The rate at the end of warmup (the peak).")


@schedule_class
class WarmupSchedule(StartKey):
    """A schedule with an optional warmup to ``start_lr`` before its decay.

    .. math::
      \\mathrm{lr}(s) = f s_0 + (s_0 - f s_0)\\, g(s / w) \\quad (0 \\le s < w),
      \\qquad \\mathrm{lr}(s) = \\mathrm{decay}(s - w) \\quad (s \\ge w)

    with ``g(p) = p`` (``warmup_type="linear"``, DeePMD-kit's), ``(1 - cos(pi p)) / 2``
    (``"cosine"``) or ``1 - sqrt(1 - p)`` (``"1-sqrt"``), HF ``get_wsd_schedule``'s shapes.

    Subclasses implement ``_decay(t, dtype)`` on the integer decay step ``t = step - w``
    (``t = step`` with ``warmup_prefix=False``, timm's overlaid warmup: the warmup then replaces
    the decay's first ``w`` steps). A user type that subclasses it gets the same keys, checks and
    warmup as every built-in type.

    With a ``batch_scaling`` block (the large-batch rule), every rate is multiplied by its
    factor ``k``; with ``scale_warmup``, ``warmup_steps`` is the integer end ``B = ceil(k w)`` of
    the warmup and ``p = s / W`` uses its real length ``W = k w`` (:attr:`warmup_length`).
    """

    warmup_steps: int = static(
        0,
        ge=0,
        le=INT32_MAX,
        sweep=True,
        description="Linear warmup length in steps, smaller than `num_steps`. Excludes "
        "`warmup_ratio` unless it is 0.",
    )
    warmup_ratio: dataclasses.InitVar[float | None] = static(
        None,
        ge=0,
        lt=1,
        description="Warmup as a fraction of `num_steps`: `warmup_steps = int(warmup_ratio "
        "* num_steps)`.",
    )
    warmup_start_factor: float = leaf(
        0.0, ge=0, le=1, description="Warmup starts at `warmup_start_factor * start_lr`."
    )
    warmup_type: Literal["linear", "cosine", "1-sqrt"] = static(
        "linear",
        omit_default=True,
        extension=True,
        description="The warmup shape `g(p)`, `p = step / warmup_steps`: `linear` (`p`, "
        "DeePMD-kit's), `cosine` (`(1 - cos(pi p)) / 2`) or `1-sqrt` (`1 - sqrt(1 - p)`), as HF "
        "`get_wsd_schedule`'s `warmup_type`.",
    )
    warmup_prefix: bool = static(
        True,
        omit_default=True,
        extension=True,
        description="timm's `warmup_prefix`: true, the decay starts after the warmup (at step "
        "`warmup_steps`, which is its step 0); false, the decay runs on the global step from 0 "
        "and the warmup replaces its first `warmup_steps` steps (timm's default for "
        "`CosineLRScheduler`, `PolyLRScheduler` and `TanhLRScheduler`).",
    )
    #: A pytree child (its ``w`` may be traced in a stack), or None.
    batch_scaling: BatchScaling | None = leaf(
        None,
        omit_default=True,
        extension=True,
        description="The large-batch rule (Goyal et al. 2017): every rate times `k = "
        "batch_size / reference_batch_size` (or its square root), and optionally the warmup `k` "
        "times longer. The factor multiplies the worker scale.",
    )

    @classmethod
    def input_rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().input_rules(v, num_steps)
        steps = v.get("warmup_steps") or 0
        if v.get("warmup_ratio") is not None and steps:
            yield both_given(
                "warmup_ratio", "warmup_steps", "warmup_ratio", steps, v["warmup_ratio"]
            )

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        ratio = out.pop("warmup_ratio", None)
        if ratio is not None and num_steps is not None:
            out["warmup_steps"] = int(ratio * num_steps)
        block = out.get("batch_scaling")
        w = out.get("warmup_steps")
        if block is not None and w is not None:
            written = _get(block, "warmup_steps")
            if written is None:  # the block of a section: it records the w written
                written = w
                if isinstance(block, Mapping):
                    block = {**block, "warmup_steps": w}
                else:
                    block = dataclasses.replace(block, warmup_steps=w)
            out["batch_scaling"] = block
            out["warmup_steps"] = batch_warmup(block, written)[0]  # B
        return out

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        block = v.get("batch_scaling")
        end = v.get("warmup_steps") or 0
        w = _get(block, "warmup_steps") if block is not None else end
        if num_steps is None or end == 0 or end < num_steps or w is None:
            return
        if w >= num_steps:
            yield "warmup_steps", f"must be smaller than `num_steps` ({num_steps}); got {w}"
        elif block is not None:
            yield (
                "batch_scaling.scale_warmup",
                f"the scaled warmup ceil(k * warmup_steps) "
                f"{f'= {end}' if end <= INT32_MAX else f'> {INT32_MAX}'} (k = "
                f"{batch_factor(block):.10g}, warmup_steps = {w}) must be smaller than "
                f"`num_steps` ({num_steps})",
            )

    def _derive(self) -> None:
        if isinstance(self.batch_scaling, Mapping):  # a block as written: made a BatchScaling
            object.__setattr__(self, "batch_scaling", BatchScaling(**self.batch_scaling))

    @classmethod
    def rate_factor(cls, v: Mapping[str, Any]) -> tuple[float, str]:
        block = v.get("batch_scaling")
        return (1.0, "") if block is None else (batch_factor(block), "large-batch factor")

    @classmethod
    def rates(cls, v: Mapping[str, Any]) -> dict[str, tuple[str, float]]:
        rates = super().rates(v)
        if v.get("warmup_start_factor"):  # a traced schedule holds it as a float32 number
            rates["warmup_start_factor"] = ("", v["warmup_start_factor"])
        return rates

    @classmethod
    def notes(
        cls, v: Mapping[str, Any], section: Mapping[str, Any], schedule: Any
    ) -> dict[str, str]:
        notes = super().notes(v, section, schedule)
        if v.get("warmup_ratio") is not None:
            notes["warmup_steps"] = (
                f"int(warmup_ratio {v['warmup_ratio']:.10g} * {schedule.num_steps})"
            )
        return notes

    @property
    def warmup_length(self) -> float:
        """The warmup length ``p = step / length`` divides by: ``warmup_steps``, or the real
        ``W = k w`` of a batch-scaled warmup."""
        block = self.batch_scaling
        return self.warmup_steps if block is None else block.warmup()[1]

    def _evaluate(self, step: Any, scale: Any = 1.0) -> jax.Array:
        block = self.batch_scaling
        if block is not None:  # the large-batch factor multiplies the rates, as a worker scale
            scale = scale * block.factor
        return super()._evaluate(step, scale)

    def to_config(self) -> dict[str, Any]:
        """See :meth:`Schedule.to_config`; writes the ``warmup_steps`` of the section
        (``w``, not ``B``) and the ``batch_scaling`` block back."""
        config = super().to_config()
        block = self.batch_scaling
        if block is not None:
            config["warmup_steps"] = block.warmup_steps
        return config

    @property
    def decay_length(self) -> int:
        """``T = num_steps - warmup_steps``, the length of the decay (``num_steps`` when the
        warmup is not a prefix)."""
        if not self.warmup_prefix:
            return self.num_steps
        return self.num_steps - self.warmup_steps

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        w = step_count(self.warmup_steps, step)
        decay = self._decay(jnp.maximum(step - w, 0) if self.warmup_prefix else step, dtype)
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


@schedule_class
class StopKeys(StartKey):
    """The end-rate keys, ``stop_lr`` or ``stop_lr_ratio``, of a type with a ``start_lr``.

    List it after :class:`WarmupSchedule` among the bases (``class T(WarmupSchedule,
    StopKeys)``): its keys then come right after ``start_lr``.
    """

    #: Whether one of the two keys must be given (else ``stop_lr`` is 0: no floor).
    stop_required: ClassVar[bool] = True
    #: Whether a missing stop key gets DeePMD-kit 3.2's default (its own types only).
    legacy_stop_default: ClassVar[bool] = False

    stop_lr: float | None = leaf(
        None,
        ge=0,
        rate=True,
        description="The rate at `num_steps`, at most `start_lr`. Exactly one of `stop_lr` "
        "and `stop_lr_ratio`.",
    )
    stop_lr_ratio: dataclasses.InitVar[float | None] = static(
        None, ge=0, le=1, description="`stop_lr = start_lr * stop_lr_ratio`."
    )

    @classmethod
    def input_rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().input_rules(v, num_steps)
        stop, ratio = v.get("stop_lr"), v.get("stop_lr_ratio")
        if "stop_lr" not in v or "stop_lr_ratio" not in v:  # one of them is invalid: reported
            return
        if stop is not None and ratio is not None:
            yield (
                "stop_lr_ratio",
                f"precisely one of `stop_lr` and `stop_lr_ratio` must be given; got both "
                f"(stop_lr={stop!r}, stop_lr_ratio={ratio!r})",
            )
        elif stop is None and ratio is None and cls.stop_required:
            yield "stop_lr", MISSING_STOP  # (a DeePMD-kit file gets its default before this)

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        ratio = out.pop("stop_lr_ratio", None)
        if ratio is not None and out.get("start_lr") is not None:
            out["stop_lr"] = out["start_lr"] * ratio
        elif out.get("stop_lr") is None and not cls.stop_required and "stop_lr" in out:
            out["stop_lr"] = 0.0
        return out

    @classmethod
    def rates(cls, v: Mapping[str, Any]) -> dict[str, tuple[str, float]]:
        rates = super().rates(v)  # type: ignore[misc]
        ratio, start = v.get("stop_lr_ratio"), v.get("start_lr")
        if ratio is not None and start is not None:
            rates["stop_lr_ratio"] = ("`start_lr * stop_lr_ratio`", ratio * start)
        return rates

    @classmethod
    def notes(
        cls, v: Mapping[str, Any], section: Mapping[str, Any], schedule: Any
    ) -> dict[str, str]:
        notes = super().notes(v, section, schedule)
        if v.get("stop_lr_ratio") is not None:
            notes["stop_lr"] = f"start_lr * stop_lr_ratio {v['stop_lr_ratio']:.10g}"
        elif all(section.get(key) is None for key in ("stop_lr", "stop_lr_ratio")):
            notes["stop_lr"] = "not given: DeePMD-kit's default"
        return notes

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        start, stop = v.get("start_lr"), v.get("stop_lr")
        if stop is not None and start is not None and stop > start:
            yield "stop_lr", f"must be at most `start_lr` ({start!r}); got {stop!r}"


def no_stop_hints(reason: str) -> dict[str, str]:
    """``key_hints`` for a type with a ``start_lr`` but no end rate."""
    return {"stop_lr": reason + ".", "stop_lr_ratio": reason + "."}


__all__ += ["EXTENSION", "no_stop_hints"]

"""Reduce-on-plateau for optax, with PyTorch's ``ReduceLROnPlateau`` semantics.

The transformation keeps a scale (1.0 at the start) and multiplies the updates by it. It is fed
the monitored metric as ``update(updates, state, params, value=metric)`` and, after the i-th
update, ``state.scale`` equals the learning rate of ``torch.optim.lr_scheduler.ReduceLROnPlateau``
(base rate 1.0, ``min_lr=min_scale``) after its i-th ``step(metric)``: both modes, both threshold
modes, cooldown, the ``min_lr`` floor and the ``eps`` rule. All state is ``jnp``: it jits, and it
composes with any schedule through ``optax.chain``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._errors import Problems, describe
from ._numerics import F32_MAX, INT32_MAX, float_dtype

__all__ = ["ReduceOnPlateauState", "reduce_on_plateau"]

_NAME = "reduce_on_plateau"
_MODES = ("min", "max")
_THRESHOLD_MODES = ("rel", "abs")


class ReduceOnPlateauState(NamedTuple):
    """The state of :func:`reduce_on_plateau` (PyTorch's names for the counters).

    Attributes:
      scale: the factor the updates are multiplied by; PyTorch's learning rate for base rate 1.
      best: the best metric seen so far (``+inf`` in ``min`` mode, ``-inf`` in ``max`` mode at
        the start).
      num_bad_epochs: the number of consecutive updates without improvement (reset to 0 by a
        reduction and during cooldown).
      cooldown_counter: the updates left in the cooldown after the last reduction.
      count: the number of updates so far (PyTorch's ``last_epoch``).
    """

    scale: jax.Array
    best: jax.Array
    num_bad_epochs: jax.Array
    cooldown_counter: jax.Array
    count: jax.Array


def _check(
    factor: Any,
    patience: Any,
    mode: Any,
    threshold: Any,
    threshold_mode: Any,
    cooldown: Any,
    min_scale: Any,
    eps: Any,
) -> None:
    """Raise one ConfigError listing every invalid argument."""
    problems = Problems()
    problems.number(f"{_NAME}.factor", factor, "a number in (0, 1)", lambda x: 0 < x < 1)
    for key, value in (("patience", patience), ("cooldown", cooldown)):
        problems.integer(f"{_NAME}.{key}", value, 0, INT32_MAX - 1)
    problems.choice(f"{_NAME}.mode", mode, _MODES)
    problems.choice(f"{_NAME}.threshold_mode", threshold_mode, _THRESHOLD_MODES)
    if isinstance(threshold_mode, str) and threshold_mode == "rel":
        problems.number(
            f"{_NAME}.threshold",
            threshold,
            'a number in [0, 1) when `threshold_mode` is "rel"',
            lambda x: 0 <= x < 1,
        )
    else:  # compared in the metric's float dtype: float32's range
        problems.number(
            f"{_NAME}.threshold",
            threshold,
            f"a number in [0, {F32_MAX:.8g}] (the largest float32)",
            lambda x: 0 <= x <= F32_MAX,
        )
    problems.number(f"{_NAME}.min_scale", min_scale, "a number in [0, 1]", lambda x: 0 <= x <= 1)
    problems.number(
        f"{_NAME}.eps",
        eps,
        f"a number in [0, {F32_MAX:.8g}] (the largest float32)",
        lambda x: 0 <= x <= F32_MAX,
    )
    problems.raise_if_any()


def _is_real(dtype: Any) -> bool:
    """An integer or floating dtype, NumPy's or JAX's own (bfloat16, the float8 types)."""
    try:
        return bool(jnp.issubdtype(dtype, jnp.integer) or jnp.issubdtype(dtype, jnp.floating))
    except TypeError:  # not a dtype NumPy or JAX knows
        return False


def _metric(value: Any) -> Any:
    """The monitored metric as a real scalar (a Python float, or a 0-d real array)."""
    problems = Problems()
    path = f"{_NAME}.value"
    if value is None:
        problems.add(
            path,
            "the monitored metric must be passed to `update` as `value=metric` (through "
            "`optax.chain` too); got none.",
        )
    elif hasattr(value, "shape") and hasattr(value, "dtype"):  # an array, traced or not
        if tuple(value.shape) != ():
            problems.add(path, f"must be a scalar metric; got shape {tuple(value.shape)}.")
        elif not _is_real(value.dtype):
            problems.add(
                path,
                "must be a real number (an integer or floating dtype: float16, bfloat16, "
                f"float32, float64, ...); got an array of dtype {value.dtype}.",
            )
        else:
            return value
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)  # a Python int of any size within float range, no int32 cast
        except OverflowError:
            problems.bad(path, "a real number within the float range", value)
    else:
        problems.add(
            path,
            f"must be a real scalar (a float, an int or a 0-d array); got "
            f"{describe(value, with_type=True)}.",
        )
    raise problems.error()


def reduce_on_plateau(
    *,
    factor: float = 0.1,
    patience: int = 10,
    mode: str = "min",
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_scale: float = 0.0,
    eps: float = 1e-8,
) -> optax.GradientTransformationExtraArgs:
    """Scale the updates down by ``factor`` when a monitored metric stops improving.

    PyTorch's ``ReduceLROnPlateau`` as an optax transformation. Each ``update`` receives the
    metric as ``value=`` and does what PyTorch's ``step(metric)`` does, with the scale in place
    of the learning rate:

    .. math::
      \\mathrm{better}(a) = \\begin{cases}
        a < b\\,(1 - \\theta) \\ \\text{(min, rel)},
          & a < b - \\theta \\ \\text{(min, abs)}, \\\\
        a > b\\,(1 + \\theta) \\ \\text{(max, rel)},
          & a > b + \\theta \\ \\text{(max, abs)}
      \\end{cases}

    where ``b`` is the best metric so far. A better metric becomes ``b`` and resets the count
    of bad updates; otherwise the count grows by one. During a cooldown the count is held at 0.
    When the count exceeds ``patience``, the new scale is ``max(scale * factor, min_scale)``,
    kept only if it is more than ``eps`` below the old one, and the cooldown restarts.

    Args:
      factor: the factor the scale is multiplied by at a reduction, in (0, 1).
      patience: the number of updates without improvement that are tolerated; the scale drops
        at the ``patience + 1``-th (PyTorch's convention).
      mode: ``"min"`` when the metric should decrease (a loss), ``"max"`` when it should
        increase (an accuracy).
      threshold: how much better than the best a metric must be to count as an improvement
        (in ``"abs"`` mode at most float32's largest number: it is compared in the metric's
        dtype).
      threshold_mode: ``"rel"`` (``threshold`` is a fraction of the best) or ``"abs"``.
      cooldown: the number of updates after a reduction during which bad updates are not
        counted.
      min_scale: the scale never drops below this (PyTorch's ``min_lr`` for base rate 1).
      eps: a reduction smaller than this is skipped (at most float32's largest number).

    Returns:
      An ``optax.GradientTransformationExtraArgs`` whose ``update`` takes the metric as
      ``value=`` (a scalar). Its state is a :class:`ReduceOnPlateauState`.

    Raises:
      ConfigError: if any argument is invalid (every problem is listed).

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> tx = optax.chain(optax.sgd(0.1), reduce_on_plateau(patience=1, factor=0.5))
      >>> params = jnp.zeros(2)
      >>> state = tx.init(params)
      >>> scales = []
      >>> for loss in [1.0, 0.9, 0.9, 0.9, 0.95, 0.8]:
      ...     updates, state = tx.update(jnp.ones(2), state, params, value=loss)
      ...     scales.append(float(state[1].scale))
      >>> scales
      [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """
    _check(factor, patience, mode, threshold, threshold_mode, cooldown, min_scale, eps)
    factor, threshold, min_scale, eps = (
        float(factor),
        float(threshold),
        float(min_scale),
        float(eps),
    )
    patience, cooldown = int(patience), int(cooldown)
    minimize = mode == "min"
    relative = threshold_mode == "rel"
    # PyTorch's rel_epsilon, computed once in float64 as PyTorch does.
    rel_epsilon = 1.0 - threshold if minimize else 1.0 + threshold

    def init_fn(params: Any) -> ReduceOnPlateauState:
        del params
        dtype = float_dtype()
        return ReduceOnPlateauState(
            scale=jnp.ones((), dtype),
            best=jnp.asarray(math.inf if minimize else -math.inf, dtype),
            num_bad_epochs=jnp.zeros((), jnp.int32),
            cooldown_counter=jnp.zeros((), jnp.int32),
            count=jnp.zeros((), jnp.int32),
        )

    def is_better(current: jax.Array, best: jax.Array) -> jax.Array:
        dtype = best.dtype
        if relative:
            bound = best * jnp.asarray(rel_epsilon, dtype)
        elif minimize:
            bound = best - jnp.asarray(threshold, dtype)
        else:
            bound = best + jnp.asarray(threshold, dtype)
        return current < bound if minimize else current > bound

    def update_fn(
        updates: Any,
        state: ReduceOnPlateauState,
        params: Any = None,
        *,
        value: Any = None,
        **extra_args: Any,
    ) -> tuple[Any, ReduceOnPlateauState]:
        del params, extra_args
        value = _metric(value)
        dtype = state.best.dtype
        with np.errstate(over="ignore"):  # a float64 beyond float32's range reads inf
            if isinstance(value, float):
                current = jnp.asarray(value, dtype)
            elif isinstance(value, (np.ndarray, np.generic)):  # cast by NumPy: an int64 is
                current = jnp.asarray(np.asarray(value).astype(dtype))  # not cut to int32
            else:  # a JAX scalar or 0-d array of any real dtype, traced or not
                current = value.astype(dtype)

        better = is_better(current, state.best)
        best = jnp.where(better, current, state.best)
        bad = jnp.where(
            better,
            0,
            jnp.where(state.num_bad_epochs < INT32_MAX, state.num_bad_epochs + 1, INT32_MAX),
        )
        in_cooldown = state.cooldown_counter > 0
        cooldown_counter = jnp.where(
            in_cooldown, state.cooldown_counter - 1, state.cooldown_counter
        )
        bad = jnp.where(in_cooldown, 0, bad)

        reduce = bad > patience
        old = state.scale
        new = jnp.maximum(old * jnp.asarray(factor, old.dtype), jnp.asarray(min_scale, old.dtype))
        scale = jnp.where(reduce & (old - new > jnp.asarray(eps, old.dtype)), new, old)
        cooldown_counter = jnp.where(reduce, cooldown, cooldown_counter)
        bad = jnp.where(reduce, 0, bad)

        new_state = ReduceOnPlateauState(
            scale=scale,
            best=best,
            num_bad_epochs=bad.astype(jnp.int32),
            cooldown_counter=cooldown_counter.astype(jnp.int32),
            count=jnp.where(state.count < INT32_MAX, state.count + 1, state.count),
        )

        def apply(g: jax.Array) -> jax.Array:
            # Multiply in the wider of the two float types, return the update's own dtype
            # (a bf16 update is scaled by the float32 scale, not by a bf16-rounded one).
            real = jnp.finfo(g.dtype).dtype
            if jnp.finfo(real).bits < jnp.finfo(scale.dtype).bits:
                return (g.astype(scale.dtype) * scale).astype(g.dtype)
            return g * scale.astype(real)

        return jax.tree.map(apply, updates), new_state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)

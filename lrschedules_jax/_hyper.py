"""Schedules for hyperparameters that are not learning rates: rising or falling ramps.

``lrs.hyperparameter(config, num_steps, name=...)`` builds a ``constant``, ``linear`` or
``cosine`` ramp from ``start_value`` to ``stop_value`` in either direction, for Adam's ``b1``,
weight decay, an EMA's decay, ... with its own validation (the value's bounds, from its name)
and error paths (``b1.stop_value``). The ``learning_rate`` section keeps its checks: a falling
rate only.

The value is the lower end plus a non-negative increment, computed from the exact integer
distance ``r`` to the step where the value is lowest (``r = min(t, T)`` rising,
``T - min(t, T)`` falling): nothing cancels, so the relative error stays a few float32 ulps
even when an end is 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from ._errors import Problems, as_real, describe, key_text
from ._jax import jnp
from ._numerics import INT32_MAX, as_float, as_step, float_dtype, is_concrete, step_count
from ._schedule import Schedule, leaf, schedule_class, static

__all__ = ["BOUNDS", "Ramp", "hyperparameter"]

#: The default bounds of a value by hyperparameter name: ``(low, high, low_closed, high_closed)``.
BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "b1": (0.0, 1.0, True, False),
    "b2": (0.0, 1.0, True, False),
    "ema_decay": (0.0, 1.0, True, False),
    "decay": (0.0, 1.0, True, False),
    "momentum": (0.0, 1.0, True, True),
    "weight_decay": (0.0, math.inf, True, False),
    "eps": (0.0, math.inf, False, False),
}
_KINDS = ("constant", "linear", "cosine")


def _interval(bounds: tuple[float, float, bool, bool]) -> str:
    low, high, lc, hc = bounds
    top = "inf" if high == math.inf else f"{high:g}"
    return f"{'[' if lc else '('}{low:g}, {top}{']' if hc else ')'}"


def _inside(x: float, bounds: tuple[float, float, bool, bool]) -> bool:
    low, high, lc, hc = bounds
    return (low <= x if lc else low < x) and (x <= high if hc else x < high)


@schedule_class
class Ramp(Schedule):
    """A hyperparameter from ``start_value`` to ``stop_value`` over ``num_steps``, either way.

    .. math::
      v(s) = \\min(a, b) + |b - a|\\, f(r / T), \\quad f(q) = q \\;\\text{(linear)},
      \\; \\sin^2(\\pi q / 2) \\;\\text{(cosine)}, \\; 0 \\;\\text{(constant)}

    with ``T = num_steps``, ``t = min(s, T)`` and ``r = t`` when rising, ``T - t`` when
    falling: ``stop_value`` from ``T`` on. Made by :func:`hyperparameter`. Ramps of one kind
    stack (``lrs.stack``) with different ``num_steps``: ``T`` is then traced, and ``T = 0``
    selects ``stop_value``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> b1 = lrs.hyperparameter({"type": "linear", "start_value": 0.85, "stop_value": 0.95},
      ...                         100, name="b1")
      >>> [round(float(b1(k)), 6) for k in (0, 50, 100, 200)]
      [0.85, 0.9, 0.95, 0.95]
    """

    type_name: ClassVar[str] = "ramp"

    start_value: float = leaf(description="The value at step 0.")
    stop_value: float = leaf(description="The value from `num_steps` on.")
    kind: str = static("linear", description="`constant`, `linear` or `cosine`.")

    def _evaluate(self, step: Any, scale: Any = 1.0) -> Any:
        value = self._ramp(step)
        return value if is_concrete(scale) and scale == 1.0 else value * scale

    def _ramp(self, step: Any) -> Any:
        dtype = float_dtype()
        a, b = as_float(self.start_value, dtype), as_float(self.stop_value, dtype)
        step = as_step(step)
        if self.kind == "constant":
            return jnp.broadcast_to(a, step.shape)
        n = self.num_steps
        if is_concrete(n) and n == 0:
            return jnp.broadcast_to(b, step.shape)
        n = step_count(n, step)  # traced in a stacked sweep: N = 0 selects stop_value
        t = jnp.minimum(step, n)
        r = jnp.where(b >= a, t, n - t)  # exact integers: the distance to the lowest value
        length = n if is_concrete(n) else jnp.maximum(n, 1)
        q = r.astype(dtype) / jnp.asarray(length, dtype)
        if self.kind == "cosine":
            q = jnp.square(jnp.sin(jnp.asarray(math.pi / 2, dtype) * q))
        v = jnp.minimum(a, b) + jnp.abs(b - a) * q
        return v if is_concrete(n) else jnp.where(n == 0, b, v)

    def boundaries(self) -> dict[str, int]:
        return {"end": self.num_steps}

    def to_config(self) -> dict[str, Any]:
        """``{"type": kind, "start_value": ..., "stop_value": ...}``."""
        config: dict[str, Any] = {"type": self.kind, "start_value": float(self.start_value)}
        if self.kind != "constant":
            config["stop_value"] = float(self.stop_value)
        return config


def hyperparameter(
    config: Mapping[str, Any],
    num_steps: int,
    *,
    name: str,
    bounds: tuple[float, float] | None = None,
) -> Ramp:
    """A schedule for a hyperparameter that is not a learning rate, rising or falling.

    Args:
      config: ``{"type": "constant" | "linear" | "cosine", "start_value": a, "stop_value":
        b}`` (``stop_value`` not for ``constant``; either direction).
      num_steps: the steps over which the value goes from ``a`` to ``b``; ``b`` afterwards.
      name: the hyperparameter's name, used in error paths (``b1.stop_value``) and for the
        default bounds: ``b1``, ``b2``, ``ema_decay``, ``decay``: ``[0, 1)``; ``momentum``:
        ``[0, 1]``; ``weight_decay``: ``[0, inf)``; ``eps``: ``(0, inf)``.
      bounds: ``(low, high)``, closed, for any other name (or to override the default).

    Returns:
      A :class:`Ramp` schedule (not worker-scaled, float32 like every schedule).

    Raises:
      ConfigError: listing every problem, each with its path.
      ValueError: for a name without default bounds and no ``bounds``.
    """
    if bounds is not None:
        low, high = (float(x) for x in bounds)
        interval = (low, high, True, True)
    elif name in BOUNDS:
        interval = BOUNDS[name]
    else:
        raise ValueError(
            f"no default bounds for `{name}`: pass bounds=(low, high); names with defaults: "
            + ", ".join(f"`{n}`" for n in BOUNDS)
        )
    problems = Problems()
    steps = problems.integer("num_steps", num_steps, 0, INT32_MAX)
    if not isinstance(config, Mapping):
        problems.add(name, f"must be a mapping; got {describe(config, with_type=True)}.")
        raise problems.error()
    kind = config.get("type", "linear")
    if kind not in _KINDS:
        problems.add(f"{name}.type", f"must be one of {list(_KINDS)}; got {describe(kind)}.")
        kind = None
    allowed = {"type", "start_value"} | ({"stop_value"} if kind != "constant" else set())
    for key in config:
        if key not in allowed:
            hint = (
                " (a learning_rate key: values use `start_value`, `stop_value`)"
                if (isinstance(key, str) and key.endswith("_lr"))
                else ""
            )
            problems.add(
                f"{name}.{key_text(key)}", f"is not a key of a `{kind}` {name} schedule{hint}."
            )
    values = {}
    for key in sorted(allowed - {"type"}):
        path = f"{name}.{key}"
        if key not in config:
            problems.add(path, "is required.")
            continue
        x = as_real(config[key])
        if x is None or not _inside(x, interval):
            problems.bad(path, f"a number in {_interval(interval)}", config[key])
            continue
        values[key] = x
    if problems or steps is None or kind is None:
        raise problems.error()
    start = values["start_value"]
    return Ramp(
        start_value=start,
        stop_value=values.get("stop_value", start),
        kind=kind,
        num_steps=steps,
    )

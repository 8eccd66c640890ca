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
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

from ._errors import Problems, as_real, describe, key_text
from ._jax import jnp
from ._numerics import INT32_MAX, as_float, as_step, float_dtype, is_concrete, step_count
from ._schedule import Schedule, leaf, schedule_class, static

__all__ = ["BOUNDS", "Ramp", "hyperparameter"]

#: The smallest normal and the largest finite float32: every value is 0 or a normal float32,
#: so that it keeps float32's relative accuracy (``1e-300`` would be 0, ``1e300`` inf).
F32_TINY = 1.1754943508222875e-38
F32_MAX = 3.4028234663852886e38

#: The default bounds of a value by hyperparameter name: ``(low, high, low_closed, high_closed)``.
BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "b1": (0.0, 1.0, True, False),
    "b2": (0.0, 1.0, True, False),
    "ema_decay": (0.0, 1.0, True, False),
    "decay": (0.0, 1.0, True, False),
    "momentum": (0.0, 1.0, True, True),
    "weight_decay": (0.0, F32_MAX, True, True),
    "eps": (F32_TINY, F32_MAX, True, True),
}
_KINDS = ("constant", "linear", "cosine")


def _interval(bounds: tuple[float, float, bool, bool]) -> str:
    low, high, lc, hc = bounds
    return f"{'[' if lc else '('}{low:.8g}, {high:.8g}{']' if hc else ')'}"


def _inside(x: float, bounds: tuple[float, float, bool, bool]) -> bool:
    low, high, lc, hc = bounds
    return (low <= x if lc else low < x) and (x <= high if hc else x < high)


def _normal(x: float) -> bool:
    """0, or a normal float32 in magnitude (no underflow to 0, no overflow to inf)."""
    return x == 0 or F32_TINY <= abs(x) <= F32_MAX


def _explicit_bounds(bounds: Any, problems: Problems) -> tuple[float, float, bool, bool] | None:
    """``bounds=(low, high)`` as a closed interval within float32's range, or None (a problem).

    TypeError if ``bounds`` is not a pair at all (a str, a number); a ConfigError problem for
    a pair whose items are not real numbers, or with ``low > high``.
    """
    if not isinstance(bounds, (tuple, list)):
        got = describe(bounds, with_type=True)
        raise TypeError(f"`bounds` must be a pair (low, high) of numbers; got {got}.")
    if len(bounds) != 2:
        problems.bad("bounds", "a pair (low, high) of numbers", bounds)
        return None
    low, high = (None if isinstance(x, bool) else _real(x) for x in bounds)
    if low is None or high is None or not low <= high:
        problems.bad("bounds", "a pair (low, high) of real numbers with low <= high", bounds)
        return None
    return (max(low, -F32_MAX), min(high, F32_MAX), True, True)


def _real(x: Any) -> float | None:
    """``x`` as a float if it is a real number (infinities included), else None."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    try:
        value = float(x)
    except (OverflowError, ValueError, TypeError):  # an int past the float range: +-inf
        return (math.inf if x > 0 else -math.inf) if isinstance(x, numbers.Integral) else None
    return None if math.isnan(value) else value


@schedule_class
class Ramp(Schedule):
    """A hyperparameter from ``start_value`` to ``stop_value`` over ``num_steps``, either way.

    .. math::
      v(s) = \\min(a, b) + |b - a|\\, f(r / T), \\quad f(q) = q \\;\\text{(linear)},
      \\; \\sin^2(\\pi q / 2) \\;\\text{(cosine)}, \\; 0 \\;\\text{(constant)}

    with ``T = num_steps``, ``t = min(s, T)`` and ``r = t`` when rising, ``T - t`` when
    falling: ``stop_value`` from ``T`` on. Over ``T = 0`` steps there is no ramp and the value
    is ``start_value`` at every step (DeePMD-kit's rule: a schedule without a decay phase holds
    its start value). Made by :func:`hyperparameter`. Ramps of one kind stack (``lrs.stack``)
    with different ``num_steps``: ``T`` is then traced, with the same rule at ``T = 0``.

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
        if is_concrete(n) and n == 0:  # no ramp: the start value holds (DeePMD-kit's rule)
            return jnp.broadcast_to(a, step.shape)
        n = step_count(n, step)  # traced in a stacked sweep: N = 0 selects start_value
        t = jnp.minimum(step, n)
        r = jnp.where(b >= a, t, n - t)  # exact integers: the distance to the lowest value
        length = n if is_concrete(n) else jnp.maximum(n, 1)
        q = r.astype(dtype) / jnp.asarray(length, dtype)
        if self.kind == "cosine":
            q = jnp.square(jnp.sin(jnp.asarray(math.pi / 2, dtype) * q))
        v = jnp.minimum(a, b) + jnp.abs(b - a) * q
        return v if is_concrete(n) else jnp.where(n == 0, a, v)

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
        With 0 steps there is no ramp: the value is ``a`` at every step (DeePMD-kit's rule
        for a schedule without a decay phase, as ``lrs.linear`` and ``lrs.cosine`` do).
      name: the hyperparameter's name, used in error paths (``b1.stop_value``) and for the
        default bounds: ``b1``, ``b2``, ``ema_decay``, ``decay``: ``[0, 1)``; ``momentum``:
        ``[0, 1]``; ``weight_decay``: ``[0, 3.4028235e38]``; ``eps``: ``[1.1754944e-38,
        3.4028235e38]``.
      bounds: ``(low, high)``, closed, for any other name (or to override the default).

    Every value must also be 0 or a normal float32 (magnitude in ``[1.1754944e-38,
    3.4028235e38]``): the schedule computes in float32, where a smaller value would be 0
    and a larger one inf.

    Returns:
      A :class:`Ramp` schedule (not worker-scaled, float32 like every schedule).

    Raises:
      ConfigError: listing every problem, each with its path: a bad value, ``num_steps``, a
        ``bounds`` pair that is not ``low <= high``, or a ``name`` without default bounds and
        no ``bounds``.
      TypeError: if ``name`` is not a str or ``bounds`` is not a pair.
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str; got {describe(name, with_type=True)}.")
    label = key_text(name)  # as shown in messages: a long or odd name is described
    problems = Problems()
    if bounds is not None:
        interval = _explicit_bounds(bounds, problems)
    elif name in BOUNDS:
        interval = BOUNDS[name]
    else:
        interval = None
        problems.add(
            "bounds",
            f"no default bounds for `{label}`: pass bounds=(low, high); names with defaults: "
            + ", ".join(f"`{n}`" for n in BOUNDS)
            + ".",
        )
    steps = problems.integer("num_steps", num_steps, 0, INT32_MAX)
    if not isinstance(config, Mapping):
        problems.add(label, f"must be a mapping; got {describe(config, with_type=True)}.")
        raise problems.error()
    kind = config.get("type", "linear")
    if kind not in _KINDS:
        problems.add(f"{label}.type", f"must be one of {list(_KINDS)}; got {describe(kind)}.")
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
                f"{label}.{key_text(key)}", f"is not a key of a `{kind}` {label} schedule{hint}."
            )
    values = {}
    for key in sorted(allowed - {"type"}):
        path = f"{label}.{key}"
        if key not in config:
            problems.add(path, "is required.")
            continue
        x = as_real(config[key])
        if interval is None:  # no bounds to check against (reported above)
            continue
        if x is None or not _inside(x, interval):
            problems.bad(path, f"a number in {_interval(interval)}", config[key])
            continue
        if not _normal(x):
            problems.bad(
                path,
                f"0 or a normal float32 (magnitude at least {F32_TINY:.8g}; a smaller one is 0 "
                "in float32)",
                config[key],
            )
            continue
        values[key] = x
    if len(values) == 2 and abs(values["stop_value"] - values["start_value"]) > F32_MAX:
        problems.add(
            f"{label}.stop_value",
            f"must differ from `start_value` by at most {F32_MAX:.8g} (the ramp computes "
            f"|stop_value - start_value| in float32); got {describe(values['stop_value'])} and "
            f"start_value {describe(values['start_value'])}.",
        )
    if problems or steps is None or kind is None:
        raise problems.error()
    start = values["start_value"]
    return Ramp(
        start_value=start,
        stop_value=values.get("stop_value", start),
        kind=kind,
        num_steps=steps,
    )

"""optax's schedules, by name: ``lrs.optax.<function>(...)`` takes the arguments of
``optax.schedules.<function>`` and returns an :class:`~lrschedules_jax.Schedule` with optax's
values.

This module is a table from optax's names and arguments to this package's types; it holds no
formula. Every function keeps optax's name, signature and defaults, and optax's semantics:
rising rates, ``transition_begin`` (a hold at the start: ``warmup_steps`` with
``warmup_start_factor=1``), ``alpha`` as a fraction of the start, ``end_value`` as a floor or,
for a rising ``exponential_decay``, a ceiling, and the same values in the same edge cases
(``transition_steps <= 0`` holds ``init_value``; ``warmup_constant_schedule`` with
``warmup_steps=0`` is ``init_value``; a boundary at step 0 applies from step 0). The result is a
pytree that jits, stacks, plots, and round-trips through ``to_config()`` /
``lrs.from_config``.

Values: within 2e-6 of optax's formula evaluated in float64, at every step up to ``2**31 -
1``, also where optax's own float32 result is far off (its long exponential tails underflow or
overflow, its jitted transitions end off their end value).

The run length (``num_steps``, what a plot spans and ``to_config`` needs) is the schedule's end
where it has one (``transition_begin + transition_steps``, ``decay_steps``, the last boundary);
a schedule that goes on (a constant, an exponential decay) gets a length that shows its shape,
and ``s.replace(num_steps=n)`` sets another: its values do not depend on it.

Where this module differs from optax, on purpose:

- A learning rate is at least 0: a negative ``init_value``, ``peak_value``, ``end_value`` or
  value (or a negative ``alpha``) is a :class:`~lrschedules_jax.ConfigError`; optax schedules
  any scalar. A cosine ``alpha`` above 1 (a rising cosine) is refused too.
- A ``polynomial_schedule`` (or ``linear_schedule``) that rises from ``init_value=0`` is a
  warmup here: linear (``power=1``) or ``1-sqrt`` (``power=0.5``); another power from 0 is
  refused (from a rate above 0, any power rises).
- Steps and lengths are int32: a ``decay_steps`` or ``transition_steps`` past ``2**31 - 1``
  is refused, and so is a ``piecewise_interpolate_schedule`` boundary past it or below 0.
- An ``exponential_decay`` that rises without ``end_value`` is capped at float32's largest
  number, 3.4e38 (optax's float32 is inf there; its float64 goes on to 1.8e308).
- ``join_schedules`` joins this package's schedules (those of this module, the builders, a
  config), not optax callables.
- optax's ``contrib.reduce_on_plateau`` is :func:`lrschedules_jax.reduce_on_plateau`, an
  optax transformation chained after the optimizer: it follows a metric, not the step.

Examples:
  >>> import lrschedules_jax as lrs
  >>> sched = lrs.optax.warmup_cosine_decay_schedule(
  ...     init_value=0.0, peak_value=1e-3, warmup_steps=100, decay_steps=1000, end_value=1e-5)
  >>> sched.to_config()["type"], round(float(sched(100)), 9), round(float(sched(1000)), 9)
  ('cosine', 0.001, 1e-05)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._errors import ConfigError, describe

__all__ = [
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]

INT32_MAX = 2**31 - 1
#: float32's largest number: the ceiling of a rising ``exponential_decay`` without end_value.
F32_MAX = 3.4028234663852886e38
#: The run length of a schedule that holds one value.
CONSTANT_LENGTH = 1000


def _lrs() -> Any:
    import lrschedules_jax

    return lrschedules_jax


def _number(function: str, name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError([f"optax.{function}.{name}: must be a number; got {describe(value)}."])
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            [f"optax.{function}.{name}: must be a number; got {describe(value)}."]
        ) from None


def _rate(function: str, name: str, value: Any) -> float:
    """``value`` as a learning rate (a finite float >= 0), or a ConfigError naming it."""
    number = _number(function, name, value)
    if not (number >= 0 and math.isfinite(number)):
        raise ConfigError(
            [
                f"optax.{function}.{name}: a learning rate must be finite and >= 0 (optax "
                f"schedules any number, this package learning rates); got {describe(value)}."
            ]
        )
    return number


def _int(function: str, name: str, value: Any) -> int:
    """``value`` as a Python int (optax's counts), or a ConfigError naming it."""
    if isinstance(value, bool):
        raise ConfigError([f"optax.{function}.{name}: must be an integer; got {describe(value)}."])
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or number != value:
        raise ConfigError([f"optax.{function}.{name}: must be an integer; got {describe(value)}."])
    return number


def _int32(function: str, name: str, value: int) -> int:
    if value > INT32_MAX:
        raise ConfigError(
            [
                f"optax.{function}.{name}: steps are int32 here (every step up to 2**31 - 1 "
                f"is exact); got {value}."
            ]
        )
    return value


def _held(value: float, num_steps: int = CONSTANT_LENGTH) -> Any:
    """``value`` at every step (optax's ``lambda count: value``): a ``constant`` schedule, or
    for 0 a ``piecewise`` one."""
    num_steps = min(max(num_steps, 1), INT32_MAX)
    if value == 0:
        return _lrs().piecewise(
            max_lr=1.0, factors=[0.0], interpolation="constant", num_steps=num_steps
        )
    return _lrs().constant(start_lr=value, num_steps=num_steps)


# ---- constant, linear, polynomial ---------------------------------------------------------


def constant_schedule(value: float) -> Any:
    """optax's ``constant_schedule``: ``value`` at every step.

    Args:
      value: the rate (>= 0).

    Returns:
      A ``constant`` schedule (a ``piecewise`` one for 0), ``num_steps`` 1000.

    Raises:
      ConfigError: for a negative ``value``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> float(lrs.optax.constant_schedule(5.0)(100))
      5.0
    """
    return _held(_rate("constant_schedule", "value", value))


def polynomial_schedule(
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Any:
    """optax's ``polynomial_schedule``: from ``init_value`` to ``end_value`` (either way) over
    ``transition_steps`` steps after ``transition_begin``.

    .. math::
      \\mathrm{lr}(t) = (I - E) \\left(1 - \\frac{\\mathrm{clip}(t - B, 0, T)}{T}\\right)^{P} + E

    Args:
      init_value: ``I``, the rate up to ``transition_begin``.
      end_value: ``E``, the rate from ``transition_begin + transition_steps`` on (above
        ``init_value``: a rising rate).
      power: ``P`` (> 0).
      transition_steps: ``T``; ``<= 0`` holds ``init_value`` at every step, as optax.
      transition_begin: ``B``, the steps ``init_value`` is held first (negative: 0, as optax).

    Returns:
      A ``polynomial`` schedule of ``B + T`` steps (``rising`` for ``E > I``; ``linear`` for
      ``P = 1`` and a falling rate; ``warmup_steps = B`` with ``warmup_start_factor = 1``
      holds the start), or a constant one. A rise from ``I = 0`` is the warmup of a
      ``constant`` schedule (linear for ``P = 1``, ``1-sqrt`` for ``P = 0.5``).

    Raises:
      ConfigError: for a negative rate, ``power <= 0``, ``B + T`` past ``2**31 - 1``, or a rise
        from 0 with another power.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.polynomial_schedule(1.0, 0.01, power=2, transition_steps=100,
      ...                                   transition_begin=5)
      >>> [round(float(s(k)), 4) for k in (0, 5, 6, 104, 105, 110)]
      [1.0, 1.0, 0.9803, 0.0101, 0.01, 0.01]
    """
    return _polynomial(
        "polynomial_schedule", init_value, end_value, power, transition_steps, transition_begin
    )


def _polynomial(
    name: str, init_value: Any, end_value: Any, power: Any, steps: Any, begin: Any
) -> Any:
    init = _rate(name, "init_value", init_value)
    steps = _int(name, "transition_steps", steps)
    begin = max(_int(name, "transition_begin", begin), 0)
    if steps <= 0:  # optax: "the value is held fixed at init_value"
        return _held(init)
    end = _rate(name, "end_value", end_value)
    power = _number(name, "power", power)
    total = _int32(name, "transition_begin + transition_steps", begin + steps)
    if init == end:
        return _held(init, total)
    lrs = _lrs()
    if init == 0:  # a rise from 0: a warmup to end_value (linear, or 1-sqrt for power 0.5)
        return _rise_from_zero(name, end, power, steps, begin)
    hold = {"warmup_steps": begin, "warmup_start_factor": 1.0} if begin else {}
    if power == 1 and end < init:  # the same formula, as the type users know
        return lrs.linear(start_lr=init, stop_lr=end, num_steps=total, **hold)
    rising = {"rising": True} if end > init else {}
    return lrs.polynomial(
        start_lr=init, stop_lr=end, power=power, num_steps=total, **hold, **rising
    )


def _rise_from_zero(name: str, end: float, power: float, steps: int, begin: int) -> Any:
    """``end * (1 - (1 - q) ** power)``: the warmup of a ``constant`` schedule (``linear`` for
    power 1, ``1-sqrt`` for 0.5), after ``begin`` steps at 0."""
    shapes = {1.0: "linear", 0.5: "1-sqrt"}
    if power not in shapes:
        raise ConfigError(
            [
                f"optax.{name}: a rise from init_value=0 is a warmup here, linear (power 1) or "
                f"1-sqrt (power 0.5); got power {power!r} (start from a rate > 0 for another "
                "power)."
            ]
        )
    lrs = _lrs()
    warm = lrs.constant(
        start_lr=end,
        warmup_steps=steps,
        warmup_type=shapes[power],
        num_steps=min(steps + 1, INT32_MAX),
    )
    if begin == 0:
        return warm
    return lrs.sequence([_held(0.0, begin), warm], boundaries=[begin])


def linear_schedule(
    init_value: float,
    end_value: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Any:
    """optax's ``linear_schedule``: ``polynomial_schedule`` with ``power=1``.

    .. math::
      \\mathrm{lr}(t) = I + \\frac{\\mathrm{clip}(t - B, 0, T)}{T} (E - I)

    Args:
      init_value: ``I``, the rate up to ``transition_begin``.
      end_value: ``E``, the rate from ``transition_begin + transition_steps`` on.
      transition_steps: ``T``; ``<= 0`` holds ``init_value``, as optax.
      transition_begin: ``B``, the steps ``init_value`` is held first.

    Returns:
      A ``linear`` schedule (a rising ``polynomial`` one with ``power=1`` for a rising rate, a
      ``constant`` one with its warmup for a rise from 0), or a constant one.

    Raises:
      ConfigError: for a negative rate, or ``B + T`` past ``2**31 - 1``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.linear_schedule(init_value=0.0, end_value=3e-4, transition_steps=100)
      >>> s.to_config()["type"], round(float(s(50)), 9), round(float(s(1000)), 9)
      ('constant', 0.00015, 0.0003)
    """
    return _polynomial(
        "linear_schedule", init_value, end_value, 1.0, transition_steps, transition_begin
    )


def warmup_constant_schedule(init_value: float, peak_value: float, warmup_steps: int) -> Any:
    """optax's ``warmup_constant_schedule``: a linear warmup from ``init_value`` to
    ``peak_value``, then ``peak_value``.

    optax builds it as ``linear_schedule(init_value, peak_value, warmup_steps)``, so
    ``warmup_steps=0`` holds ``init_value`` at every step (not ``peak_value``): so does this.

    Args:
      init_value: the rate at step 0.
      peak_value: the rate from ``warmup_steps`` on.
      warmup_steps: the warmup's length.

    Returns:
      A ``constant`` schedule with a warmup (``warmup_start_factor = init / peak``) of
      ``warmup_steps + 1`` steps, or the ``linear_schedule`` mapping when the warmup falls.

    Raises:
      ConfigError: for a negative rate.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.warmup_constant_schedule(0.0, 0.1, warmup_steps=100)
      >>> s.to_config()["type"], round(float(s(50)), 6), round(float(s(5000)), 6)
      ('constant', 0.05, 0.1)
    """
    name = "warmup_constant_schedule"
    init = _rate(name, "init_value", init_value)
    peak = _rate(name, "peak_value", peak_value)
    steps = _int(name, "warmup_steps", warmup_steps)
    if steps > 0 and 0 < peak and init <= peak:
        steps = _int32(name, "warmup_steps", steps)
        return _lrs().constant(
            start_lr=peak,
            warmup_steps=steps,
            warmup_start_factor=init / peak,
            num_steps=min(steps + CONSTANT_LENGTH, INT32_MAX),
        )
    return _polynomial(name, init, peak, 1.0, steps, 0)


# ---- cosine -------------------------------------------------------------------------------


def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Any:
    """optax's ``cosine_decay_schedule``: from ``init_value`` down to ``alpha * init_value``
    over ``decay_steps`` steps, then ``alpha * init_value``.

    .. math::
      \\mathrm{lr}(t) = I \\left(\\alpha + (1 - \\alpha) \\left[\\frac{1}{2}\\left(1 + \\cos
      \\frac{\\pi \\min(t, T)}{T}\\right)\\right]^{p}\\right)

    Args:
      init_value: ``I``.
      decay_steps: ``T`` (> 0, as optax requires).
      alpha: the end as a fraction of ``init_value``, in [0, 1].
      exponent: ``p``.

    Returns:
      A ``cosine`` schedule of ``decay_steps`` steps (``stop_lr_ratio = alpha``, ``exponent``).

    Raises:
      ConfigError: (a ValueError, as optax raises) for ``decay_steps <= 0``; for a negative
        rate, an ``alpha`` outside [0, 1], or ``decay_steps`` past ``2**31 - 1``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.cosine_decay_schedule(0.1, decay_steps=100, exponent=2)
      >>> [round(float(s(k)), 8) for k in (0, 50, 75, 100)]
      [0.1, 0.025, 0.00214466, 0.0]
    """
    name = "cosine_decay_schedule"
    init = _rate(name, "init_value", init_value)
    steps = _int(name, "decay_steps", decay_steps)
    if not steps > 0:
        raise ConfigError(
            [f"optax.{name}.decay_steps: must be > 0 (optax requires it); got {steps}."]
        )
    steps = _int32(name, "decay_steps", steps)
    ratio = _number(name, "alpha", alpha)
    if init == 0:
        return _held(0.0, steps)
    if not 0 <= ratio <= 1:
        raise ConfigError(
            [
                f"optax.{name}.alpha: must be in [0, 1] here (the end, alpha * init_value, a "
                f"rate at most the start); got {describe(alpha)}."
            ]
        )
    return _lrs().cosine(
        start_lr=init,
        stop_lr_ratio=ratio,
        exponent=_number(name, "exponent", exponent),
        num_steps=steps,
    )


def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Any:
    """optax's ``warmup_cosine_decay_schedule``: a linear warmup from ``init_value`` to
    ``peak_value`` over ``warmup_steps``, then a cosine down to ``end_value`` at
    ``decay_steps`` (the total length, warmup included).

    .. math::
      \\mathrm{lr}(t) = E + (P - E) \\left[\\frac{1}{2}\\left(1 + \\cos \\frac{\\pi (t - W)}{D
      - W}\\right)\\right]^{p} \\quad (W \\le t \\le D)

    Args:
      init_value: the rate at step 0.
      peak_value: ``P``, the rate at ``warmup_steps``.
      warmup_steps: ``W``.
      decay_steps: ``D``, the length of warmup and decay (``D > W``, as optax requires).
      end_value: ``E``, the rate from ``D`` on (ignored for ``P = 0``, as optax).
      exponent: ``p``.

    Returns:
      A ``cosine`` schedule with its warmup (``warmup_start_factor = init / peak``) of ``D``
      steps; a warmup that falls (``init_value > peak_value``) is a ``sequence`` of a
      ``linear`` and the cosine.

    Raises:
      ConfigError: (a ValueError, as optax raises) for ``D <= W``; for a negative rate or an
        ``end_value`` above ``peak_value``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 1000, end_value=1e-5)
      >>> [round(float(s(k)), 9) for k in (0, 50, 100, 550, 1000)]
      [0.0, 0.0005, 0.001, 0.000505, 1e-05]
    """
    name = "warmup_cosine_decay_schedule"
    init = _rate(name, "init_value", init_value)
    peak = _rate(name, "peak_value", peak_value)
    warmup = max(_int(name, "warmup_steps", warmup_steps), 0)
    total = _int(name, "decay_steps", decay_steps)
    if not total > warmup:
        raise ConfigError(
            [
                f"optax.{name}.decay_steps: must be > warmup_steps ({warmup}): the cosine runs "
                f"for decay_steps - warmup_steps steps, which optax requires > 0; got {total}."
            ]
        )
    total = _int32(name, "decay_steps", total)
    lrs = _lrs()
    end = 0.0 if peak == 0 else _rate(name, "end_value", end_value)  # optax: alpha 0
    p = _number(name, "exponent", exponent)
    if peak > 0 and init <= peak:
        if end > peak:
            raise ConfigError(
                [
                    f"optax.{name}.end_value: must be at most peak_value ({peak!r}) here (a "
                    f"cosine that rises is not a decay); got {describe(end_value)}."
                ]
            )
        return lrs.cosine(
            start_lr=peak,
            stop_lr=end,
            warmup_steps=warmup,
            warmup_start_factor=init / peak,
            exponent=p,
            num_steps=total,
        )
    # a warmup that falls to the peak (or to 0): its linear piece, then the cosine
    decay = cosine_decay_schedule(peak, total - warmup, end / peak if peak else 0.0, p)
    if warmup == 0:
        return decay
    first = _polynomial(name, init, peak, 1.0, warmup, 0)
    return lrs.sequence([first, decay], boundaries=[warmup])


def sgdr_schedule(cosine_kwargs: Iterable[Mapping[str, Any]]) -> Any:
    """optax's ``sgdr_schedule``: warmup-cosine cycles one after the other (SGDR, Loshchilov
    and Hutter 2017), each given as the arguments of :func:`warmup_cosine_decay_schedule`.

    Args:
      cosine_kwargs: one mapping per cycle; its ``decay_steps`` is the cycle's length.

    Returns:
      A ``sequence`` of the cycles' schedules (the cycle alone if there is one).

    Raises:
      ConfigError: if a cycle is invalid (see :func:`warmup_cosine_decay_schedule`), or for
        no cycle at all.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.sgdr_schedule([
      ...     dict(init_value=0.0, peak_value=1.6, warmup_steps=500, decay_steps=2000),
      ...     dict(init_value=0.0, peak_value=0.8, warmup_steps=500, decay_steps=3000)])
      >>> [round(float(s(k)), 6) for k in (500, 2000, 2500)]
      [1.6, 0.0, 0.8]
    """
    cycles = [warmup_cosine_decay_schedule(**dict(kw)) for kw in cosine_kwargs]
    if not cycles:
        raise ConfigError(["optax.sgdr_schedule.cosine_kwargs: needs at least one cycle."])
    boundaries: list[int] = []
    step = 0
    for cycle in cycles[:-1]:
        step += cycle.num_steps
        boundaries.append(step)
    return cycles[0] if len(cycles) == 1 else _lrs().sequence(cycles, boundaries=boundaries)


# ---- exponential --------------------------------------------------------------------------


def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Any:
    """optax's ``exponential_decay``: ``init_value * decay_rate ** ((t - B) / T)`` after
    ``transition_begin``, in stairs with ``staircase``, ``end_value`` a floor (a ceiling when
    ``decay_rate > 1``).

    .. math::
      \\mathrm{lr}(t) = \\mathrm{clip}\\left(I\\, r^{(t - B) / T}, E\\right) \\quad (t > B),
      \\qquad \\mathrm{lr}(t) = \\mathrm{clip}(I, E) \\quad (t \\le B)

    with ``(t - B) // T`` with ``staircase``, and ``clip`` the max with ``E`` when ``r < 1``,
    the min when ``r >= 1`` (optax's ``clip_fn``, which also applies before ``B``).

    Args:
      init_value: ``I``.
      transition_steps: ``T``; ``<= 0`` holds ``init_value``, as optax.
      decay_rate: ``r``; 0 holds ``init_value``, as optax; above 1 the rate rises.
      transition_begin: ``B`` (negative: 0, as optax).
      staircase: decay in stairs (``smooth: false``).
      end_value: ``E``: a floor for ``r < 1``, a ceiling for ``r > 1`` (none: a rising rate
        stops at float32's largest number).

    Returns:
      An ``exp`` schedule (``decay_steps = T``, ``decay_rate = r``, ``smooth = not
      staircase``, ``stop_lr = E``; ``warmup_steps = B`` with ``warmup_start_factor = 1``
      holds the start), or a constant one. Its ``num_steps`` is where it reaches ``E``, or
      (without ``E``) where it has fallen or risen by 1000 times.

    Raises:
      ConfigError: for a negative rate or ``decay_rate``, or ``transition_steps`` past
        ``2**31 - 1``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.exponential_decay(1.0, transition_steps=2, decay_rate=0.2,
      ...                                 transition_begin=3, end_value=0.1)
      >>> [round(float(s(k)), 6) for k in (0, 3, 4, 5, 6, 100)]
      [1.0, 1.0, 0.447214, 0.2, 0.1, 0.1]
    """
    name = "exponential_decay"
    init = _rate(name, "init_value", init_value)
    steps = _int(name, "transition_steps", transition_steps)
    rate = _number(name, "decay_rate", decay_rate)
    begin = max(_int(name, "transition_begin", transition_begin), 0)
    if steps <= 0 or rate == 0:  # optax: a constant schedule with value init_value
        return _held(init)
    if not (rate > 0 and math.isfinite(rate)):
        raise ConfigError(
            [
                f"optax.{name}.decay_rate: must be > 0 here (a negative rate would make the "
                f"learning rate change sign); got {describe(decay_rate)}."
            ]
        )
    steps = _int32(name, "transition_steps", steps)
    end = None if end_value is None else _rate(name, "end_value", end_value)
    rising = rate >= 1  # optax's clip_fn: jnp.minimum unless decay_rate < 1
    if end is not None and (end >= init if not rising else end <= init):
        return _held(end)  # clipped from the start, as optax
    if rate == 1 or init == 0:
        return _held(init)
    lrs = _lrs()
    if end is None:
        end = F32_MAX if rising else 0.0
    # the run length: where the clip is reached, or a change of 1000 times
    target = end if 0 < end < F32_MAX else (init * 1e3 if rising else init * 1e-3)
    reach = math.log(target / init) / math.log(rate)
    num_steps = min(begin + max(math.ceil(reach), 1) * steps, INT32_MAX)
    hold = {"warmup_steps": begin, "warmup_start_factor": 1.0} if begin else {}
    if begin >= num_steps:
        num_steps = begin + 1
    return lrs.exp(
        start_lr=init,
        stop_lr=end,
        decay_steps=steps,
        decay_rate=rate,
        smooth=not staircase,
        num_steps=num_steps,
        **hold,
    )


def warmup_exponential_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Any:
    """optax's ``warmup_exponential_decay_schedule``: a linear warmup from ``init_value`` to
    ``peak_value`` over ``warmup_steps``, then :func:`exponential_decay` from
    ``peak_value``.

    Args:
      init_value: the rate at step 0.
      peak_value: the rate at ``warmup_steps``.
      warmup_steps: ``W``.
      transition_steps: as :func:`exponential_decay`.
      decay_rate: as :func:`exponential_decay`.
      transition_begin: as :func:`exponential_decay`, counted from ``W``.
      staircase: as :func:`exponential_decay`.
      end_value: as :func:`exponential_decay`.

    Returns:
      An ``exp`` schedule with its warmup (``warmup_start_factor = init / peak``) when the
      decay starts at the warmup's end; else a ``sequence`` of the warmup and the decay.

    Raises:
      ConfigError: as :func:`exponential_decay`.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.warmup_exponential_decay_schedule(0.0, 0.1, 100, 1000, 0.1)
      >>> s.to_config()["type"], [round(float(s(k)), 6) for k in (50, 100, 1100)]
      ('exp', [0.05, 0.1, 0.01])
    """
    name = "warmup_exponential_decay_schedule"
    init = _rate(name, "init_value", init_value)
    peak = _rate(name, "peak_value", peak_value)
    warmup = _int(name, "warmup_steps", warmup_steps)
    decay = exponential_decay(
        peak, transition_steps, decay_rate, transition_begin, staircase, end_value
    )
    if warmup <= 0:  # optax joins at a boundary <= 0: the decay from step 0
        return decay
    warmup = _int32(name, "warmup_steps", warmup)
    lrs = _lrs()
    if (
        isinstance(decay, lrs.Exp) and decay.warmup_steps == 0 and 0 < peak and init <= peak
    ):  # one exp with its warmup: the decay's keys, counted from the warmup's end
        config = decay.to_config()
        config.update(
            warmup_steps=warmup,
            warmup_start_factor=init / peak,
        )
        return lrs.make_schedule(config, min(decay.num_steps + warmup, INT32_MAX))
    first = _polynomial(name, init, peak, 1.0, warmup, 0)
    return lrs.sequence([first, decay], boundaries=[warmup])


# ---- piecewise ----------------------------------------------------------------------------


def _knots(
    name: str, init_value: Any, boundaries_and_scales: Mapping[Any, Any] | None
) -> tuple[list[int], list[float]]:
    """optax's ``(boundaries, values)``: the sorted boundaries and the cumulative products of
    the scales (``values[0] = init_value``), in float64."""
    init = _rate(name, "init_value", init_value)
    items = sorted((boundaries_and_scales or {}).items())
    bounds: list[int] = []
    values = [init]
    for key, scale in items:
        s = _number(name, f"boundaries_and_scales[{key!r}]", scale)
        if not (s >= 0 and math.isfinite(s)):
            raise ConfigError(
                [
                    f"optax.{name}.boundaries_and_scales[{key!r}]: expects non-negative scale "
                    f"factors (as optax); got {describe(scale)}."
                ]
            )
        bounds.append(_int(name, f"boundaries_and_scales key {key!r}", key))
        values.append(values[-1] * s)
    return bounds, values


def _piecewise(bounds: list[int], values: list[float], interpolation: str, num_steps: int) -> Any:
    top = max(values)
    factors = [v / top for v in values] if top > 0 else [0.0] * len(values)
    return _lrs().piecewise(
        max_lr=top if top > 0 else 1.0,
        milestones=bounds,
        factors=factors,
        interpolation=interpolation,
        num_steps=min(max(num_steps, 1), INT32_MAX),
    )


def piecewise_constant_schedule(
    init_value: float, boundaries_and_scales: dict[int, float] | None = None
) -> Any:
    """optax's ``piecewise_constant_schedule``: ``init_value`` times the product of the scales
    of the boundaries already reached (a boundary ``b`` applies from step ``b`` on).

    Args:
      init_value: the rate at step 0 (before any boundary above 0).
      boundaries_and_scales: ``{step: scale}``, scales >= 0 (``None`` or empty: a constant).

    Returns:
      A ``piecewise`` schedule with ``interpolation="constant"``: the cumulative values over
      their largest (``max_lr``); its ``num_steps`` is the last boundary (1000 for none).

    Raises:
      ConfigError: (a ValueError, as optax raises) for a negative scale; for a negative
        ``init_value``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.piecewise_constant_schedule(1.0, {100: 0.1, 200: 0.01})
      >>> [round(float(s(k)), 6) for k in (50, 150, 250)]
      [1.0, 0.1, 0.001]
    """
    name = "piecewise_constant_schedule"
    bounds, values = _knots(name, init_value, boundaries_and_scales)
    # a boundary <= 0 applies from step 0 (optax's count < threshold is never true there);
    # one past int32 is never reached
    first = sum(1 for b in bounds if b <= 0)
    values = [values[first], *values[first + 1 :]]
    kept = [(b, v) for b, v in zip(bounds[first:], values[1:], strict=True) if b <= INT32_MAX]
    length = kept[-1][0] if kept else CONSTANT_LENGTH
    return _piecewise([b for b, _ in kept], [values[0], *(v for _, v in kept)], "constant", length)


def piecewise_interpolate_schedule(
    interpolate_type: str,
    init_value: float,
    boundaries_and_scales: dict[int, float] | None = None,
) -> Any:
    """optax's ``piecewise_interpolate_schedule``: the cumulative values at the boundaries
    (``init_value`` at step 0), joined linearly or by half cosines, the last one held.

    Args:
      interpolate_type: ``"linear"`` or ``"cosine"``.
      init_value: the rate at step 0.
      boundaries_and_scales: ``{step: scale}``, steps in ``[0, 2**31 - 1]``, scales >= 0; each
        scale multiplies the value of the boundary before.

    Returns:
      A ``piecewise`` schedule (``interpolation`` the type); ``num_steps`` the last boundary
      (1000 for none).

    Raises:
      ConfigError: (a ValueError, as optax raises) for another ``interpolate_type`` or a
        negative scale; for a negative ``init_value`` or a boundary outside ``[0, 2**31 -
        1]``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.01})
      >>> [round(float(s(k)), 6) for k in (0, 2, 4, 6, 8, 10)]
      [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001]
    """
    name = "piecewise_interpolate_schedule"
    if interpolate_type not in ("linear", "cosine"):
        raise ConfigError(
            [
                f"optax.{name}.interpolate_type: must be either 'cosine' or 'linear' (as "
                f"optax); got {describe(interpolate_type)}."
            ]
        )
    bounds, values = _knots(name, init_value, boundaries_and_scales)
    for b in bounds:
        if not 0 <= b <= INT32_MAX:
            raise ConfigError(
                [
                    f"optax.{name}.boundaries_and_scales: boundaries must be steps in [0, "
                    f"{INT32_MAX}] here; got {b}."
                ]
            )
    if bounds and bounds[0] == 0:  # optax's interval [0, 0) is empty: its end value from 0
        bounds, values = bounds[1:], values[1:]
    length = bounds[-1] if bounds else CONSTANT_LENGTH
    return _piecewise(bounds, values, interpolate_type, length)


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Any:
    """optax's ``linear_onecycle_schedule``: three linear phases, up from ``peak_value /
    div_factor`` to ``peak_value`` at ``int(pct_start * T)``, back down at ``int(pct_final *
    T)``, then to ``peak_value / div_factor / final_div_factor`` at ``T``.

    Args:
      transition_steps: ``T`` (> 0, as optax requires).
      peak_value: the peak.
      pct_start: the end of the rise, as a fraction of ``T``.
      pct_final: the end of the fall back to the start, as a fraction of ``T``.
      div_factor: the rate starts at ``peak_value / div_factor``.
      final_div_factor: and ends at ``peak_value / div_factor / final_div_factor``.

    Returns:
      A ``piecewise`` schedule (``interpolation="linear"``), as optax builds it from
      ``piecewise_interpolate_schedule``.

    Raises:
      ConfigError: (a ValueError, as optax raises) for ``transition_steps <= 0``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.linear_onecycle_schedule(10, 1000, 0.3, 0.7, 10.0, 100.0)
      >>> [round(float(s(k)), 3) for k in (0, 3, 5, 7, 10)]
      [100.0, 1000.0, 550.0, 100.0, 1.0]
    """
    name = "linear_onecycle_schedule"
    steps = _int(name, "transition_steps", transition_steps)
    if steps <= 0:
        raise ConfigError([f"optax.{name}.transition_steps: must be > 0 (as optax); got {steps}."])
    peak = _rate(name, "peak_value", peak_value)
    div, final = (
        _number(name, "div_factor", div_factor),
        _number(name, "final_div_factor", final_div_factor),
    )
    knots = {
        int(pct_start * steps): div,
        int(pct_final * steps): 1.0 / div,
        steps: 1.0 / final,
    }
    return piecewise_interpolate_schedule("linear", peak / div, knots)


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Any:
    """optax's ``cosine_onecycle_schedule``: up from ``peak_value / div_factor`` to
    ``peak_value`` at ``int(pct_start * T)`` and down to ``peak_value / (div_factor *
    final_div_factor)`` at ``T``, each a half cosine.

    Unlike PyTorch's ``OneCycleLR`` (``lrs.one_cycle``), optax's phases end at the integer
    steps ``int(pct_start * T)`` and ``T``.

    Args:
      transition_steps: ``T`` (> 0, as optax requires).
      peak_value: the peak.
      pct_start: the rise's end, as a fraction of ``T``.
      div_factor: the rate starts at ``peak_value / div_factor``.
      final_div_factor: and ends at ``peak_value / (div_factor * final_div_factor)``.

    Returns:
      A ``piecewise`` schedule (``interpolation="cosine"``).

    Raises:
      ConfigError: (a ValueError, as optax raises) for ``transition_steps <= 0``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.cosine_onecycle_schedule(5, 1000.0, 0.4, 10.0, 100.0)
      >>> [round(float(s(k)), 2) for k in range(7)]
      [100.0, 550.0, 1000.0, 750.25, 250.75, 1.0, 1.0]
    """
    name = "cosine_onecycle_schedule"
    steps = _int(name, "transition_steps", transition_steps)
    if steps <= 0:
        raise ConfigError([f"optax.{name}.transition_steps: must be > 0 (as optax); got {steps}."])
    peak = _rate(name, "peak_value", peak_value)
    div, final = (
        _number(name, "div_factor", div_factor),
        _number(name, "final_div_factor", final_div_factor),
    )
    knots = {int(pct_start * steps): div, int(steps): 1.0 / (div * final)}
    return piecewise_interpolate_schedule("cosine", peak / div, knots)


# ---- join ---------------------------------------------------------------------------------


def join_schedules(schedules: Sequence[Any], boundaries: Sequence[int]) -> Any:
    """optax's ``join_schedules``: ``schedules[i]`` from ``boundaries[i - 1]`` on, read at the
    steps since that boundary.

    As optax, a later boundary wins: a schedule whose boundary is not below every later one
    (a boundary at 0, boundaries out of order) is never used, and is left out.

    Args:
      schedules: this package's schedules (of this module, the builders, a config).
      boundaries: one fewer than ``schedules``.

    Returns:
      A ``sequence`` schedule (the one schedule in use, if only one is).

    Raises:
      TypeError: if a schedule is not an :class:`~lrschedules_jax.Schedule` (an optax
        callable: build it with this module).
      ConfigError: for a wrong number of boundaries.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.optax.join_schedules(
      ...     [lrs.optax.constant_schedule(1.0), lrs.optax.constant_schedule(2.0),
      ...      lrs.optax.constant_schedule(1.0)], boundaries=[3, 6])
      >>> [float(s(k)) for k in range(8)]
      [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0]
    """
    lrs = _lrs()
    schedules = list(schedules)
    for i, s in enumerate(schedules):
        if not isinstance(s, lrs.Schedule):
            raise TypeError(
                f"`schedules[{i}]` must be an lrschedules_jax Schedule (build optax's schedules "
                f"with lrs.optax); got {describe(s)}."
            )
    starts = [0, *(_int("join_schedules", f"boundaries[{i}]", b) for i, b in enumerate(boundaries))]
    if len(starts) != len(schedules):
        raise ConfigError(
            [
                f"optax.join_schedules.boundaries: must hold one fewer than `schedules` "
                f"({len(schedules) - 1}); got {len(boundaries)}."
            ]
        )
    # schedule i is read at step - starts[i] on [starts[i], min(starts[i + 1:])): keep those
    # with steps of their own (a negative boundary: read from step -b on, from step 0)
    used: list[int] = []
    later: float = math.inf
    for i in range(len(schedules) - 1, -1, -1):
        start = max(starts[i], 0)
        if start < later and start <= INT32_MAX:
            used.append(i)
            later = start
    used.reverse()
    kept = [schedules[i].shifted(-starts[i]) if starts[i] < 0 else schedules[i] for i in used]
    if len(kept) == 1:
        return kept[0]
    return lrs.sequence(kept, boundaries=[starts[i] for i in used[1:]])

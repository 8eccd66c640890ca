"""Hugging Face transformers' schedulers, by name: ``lrs.hf.get_scheduler(name, learning_rate,
...)`` and the ``get_*_schedule_with_warmup`` functions, with the learning rate in place of the
optimizer, return an :class:`~lrschedules_jax.Schedule` whose value at step ``t`` is
``learning_rate * lambda(t)``, the rate Hugging Face's ``LambdaLR`` sets after ``t`` calls of
``scheduler.step()``.

This module is a table from Hugging Face's scheduler names and arguments to this package's
types; it holds no formula. Every ``SchedulerType`` is here:

==============================  ================================================================
``name``                        schedule
==============================  ================================================================
``linear``                      ``linear`` with ``warmup_steps``, ``stop_lr = 0``
``cosine``                      ``cosine`` with ``num_cycles`` (the wave goes on past the end,
                                as Hugging Face's lambda does)
``cosine_with_restarts``        ``cosine_restarts`` with ``num_cycles`` (hard restarts)
``polynomial``                  ``polynomial`` with ``stop_lr = lr_end``, ``power``
``constant``                    ``constant``
``constant_with_warmup``        ``constant`` with ``warmup_steps``
``inverse_sqrt``                ``inverse_sqrt`` with ``timescale``
``cosine_with_min_lr``          ``cosine`` with ``stop_lr = min_lr`` (or ``stop_lr_ratio =
                                min_lr_rate``) and ``num_cycles``
``cosine_warmup_with_min_lr``   the same, one step ahead: its warmup is ``(t + 1) / W`` (or
                                from ``warmup_lr_rate``)
``warmup_stable_decay``         ``wsd`` with ``decay_phase_steps = num_decay_steps``,
                                ``stop_lr_ratio = min_lr_ratio`` (0 included),
                                ``warmup_start_factor = min_lr_ratio``, ``warmup_type``,
                                ``decay_type``, ``num_cycles``
``reduce_lr_on_plateau``        not a schedule: :func:`lrschedules_jax.reduce_on_plateau`, the
                                optax transformation with PyTorch's ``ReduceLROnPlateau``
                                semantics (``min_lr`` and ``eps`` over the learning rate)
``greedy``                      not here (a metric-driven rate that also rises): a ConfigError
==============================  ================================================================

Hugging Face's edge cases are kept: its divisions by ``max(1, ...)`` (a warmup as long as the
run: a wave of period 1 after it), its cosines that are not clamped past
``num_training_steps``, ``linear`` at 0 after the end, ``polynomial`` at ``lr_end``. Where
Hugging Face's lambda divides by zero (``polynomial`` with ``num_warmup_steps ==
num_training_steps``, at that step) the schedule gives ``lr_end``, the value of the step after.
``last_epoch = k`` (resuming) is :meth:`~lrschedules_jax.Schedule.shifted` by ``k + 1``, the
step PyTorch's scheduler starts from. ``cosine_warmup_with_min_lr`` without a warmup reads
Hugging Face's progress one step ahead (``t + 1``): at the last int32 step, 2**31 - 1, that is
the value of 2**31 - 1 itself.

Values: within 2e-6 of Hugging Face's lambda (float64) times the rate, at every step up to
``2**31 - 1``. Nothing here imports torch or transformers.

Examples:
  >>> import lrschedules_jax as lrs
  >>> sched = lrs.hf.get_scheduler("cosine", 1e-3, num_warmup_steps=100,
  ...                              num_training_steps=1000)
  >>> sched.to_config()["type"], round(float(sched(100)), 9), float(sched(1000))
  ('cosine', 0.001, 0.0)
"""

from __future__ import annotations

import math
from typing import Any

from ._errors import ConfigError, describe

__all__ = [
    "SCHEDULER_TYPES",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_inverse_sqrt_schedule",
    "get_linear_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_reduce_on_plateau_schedule",
    "get_scheduler",
    "get_wsd_schedule",
]

INT32_MAX = 2**31 - 1
#: The run length of a schedule Hugging Face gives no end (``constant``, ``inverse_sqrt``).
OPEN_LENGTH = 1000


def _lrs() -> Any:
    import lrschedules_jax

    return lrschedules_jax


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError([f"hf.{where}: {message}"])


def _rate(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise _fail(where, f"must be a number; got {describe(value)}.") from None
    number = float(value)
    if not (number > 0 and math.isfinite(number)):
        raise _fail(where, f"must be a finite learning rate > 0; got {describe(value)}.")
    return number


def _steps(where: str, value: Any, *, required: bool = True) -> int:
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if int(value) == value:
                value = int(value)
        except (TypeError, ValueError, OverflowError):
            pass
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"must be an integer number of steps; got {describe(value)}.")
    if not 0 <= value <= INT32_MAX:
        raise _fail(where, f"must be a step count in [0, {INT32_MAX}]; got {value}.")
    return value


def _resumed(schedule: Any, last_epoch: Any) -> Any:
    """The schedule as PyTorch resumes it from ``last_epoch`` (-1: from the start)."""
    epoch = _steps("last_epoch", last_epoch + 1 if isinstance(last_epoch, int) else last_epoch)
    return schedule.shifted(epoch) if epoch else schedule


def _knots(lr: float, knots: list[tuple[int, float]], num_steps: int) -> Any:
    """``lr`` times the factors at the knots, linear in between: a ``piecewise`` schedule (any
    rate linear between integer steps, jumps on consecutive steps)."""
    if knots[0][0] == 0:
        first, knots = knots[0][1], knots[1:]
    else:
        first = 0.0
    milestones = [s for s, _ in knots]
    factors = [first, *(f for _, f in knots)]
    top = max(factors)
    return _lrs().piecewise(
        max_lr=lr * top if top > 0 else 1.0,
        milestones=milestones,
        factors=[f / top for f in factors] if top > 0 else factors,
        interpolation="linear",
        num_steps=min(max(num_steps, 1), INT32_MAX),
    )


def _warmup_then(lr: float, warmup: int, after: float, num_steps: int) -> Any:
    """Hugging Face's linear warmup ``t / W`` for ``t < W``, then ``after`` (a factor)."""
    if warmup == 0:
        return _knots(lr, [(0, after)], num_steps)
    if warmup == 1:  # t / max(1, W) is 0 at t = 0, then `after`
        return _knots(lr, [(0, 0.0), (1, after)], num_steps)
    return _knots(lr, [(0, 0.0), (warmup - 1, (warmup - 1) / warmup), (warmup, after)], num_steps)


# ---- the get_*_schedule functions ----------------------------------------------------------


def get_constant_schedule(learning_rate: float, last_epoch: int = -1) -> Any:
    """Hugging Face's ``get_constant_schedule``: ``learning_rate`` at every step.

    Args:
      learning_rate: the optimizer's rate.
      last_epoch: PyTorch's resume index (-1: from the start).

    Returns:
      A ``constant`` schedule (``num_steps`` 1000).

    Raises:
      ConfigError: for a rate that is not a finite number > 0.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> float(lrs.hf.get_constant_schedule(10.0)(9))
      10.0
    """
    lr = _rate("get_constant_schedule.learning_rate", learning_rate)
    return _resumed(_lrs().constant(start_lr=lr, num_steps=OPEN_LENGTH), last_epoch)


def get_constant_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, last_epoch: int = -1
) -> Any:
    """Hugging Face's ``get_constant_schedule_with_warmup``: ``t / W`` for ``t < W``, then 1.

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      last_epoch: PyTorch's resume index.

    Returns:
      A ``constant`` schedule with ``warmup_steps = W`` (``num_steps`` ``W + 1000``).

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_constant_schedule_with_warmup(10.0, num_warmup_steps=4)
      >>> [float(s(k)) for k in range(6)]
      [0.0, 2.5, 5.0, 7.5, 10.0, 10.0]
    """
    where = "get_constant_schedule_with_warmup"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    n = min(w + OPEN_LENGTH, INT32_MAX)
    return _resumed(_lrs().constant(start_lr=lr, warmup_steps=w, num_steps=n), last_epoch)


def get_linear_schedule_with_warmup(
    learning_rate: float,
    num_warmup_steps: int,
    num_training_steps: int,
    last_epoch: int = -1,
) -> Any:
    """Hugging Face's ``get_linear_schedule_with_warmup``: ``t / W``, then ``max(0, (N - t) /
    max(1, N - W))``.

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      num_training_steps: ``N``.
      last_epoch: PyTorch's resume index.

    Returns:
      A ``linear`` schedule to 0 (``warmup_steps = W``, ``num_steps = N``); for ``W >= N``,
      Hugging Face's warmup then 0, a ``piecewise`` one.

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_linear_schedule_with_warmup(10.0, 2, 10)
      >>> [float(s(k)) for k in range(0, 12, 2)]
      [0.0, 10.0, 7.5, 5.0, 2.5, 0.0]
    """
    where = "get_linear_schedule_with_warmup"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    n = _steps(f"{where}.num_training_steps", num_training_steps)
    if w < n:
        sched = _lrs().linear(start_lr=lr, stop_lr=0.0, warmup_steps=w, num_steps=n)
    else:  # (N - t) / max(1, N - W) <= 0 from the warmup's end on
        sched = _warmup_then(lr, w, 0.0, max(w, 1))
    return _resumed(sched, last_epoch)


def get_cosine_schedule_with_warmup(
    learning_rate: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
) -> Any:
    """Hugging Face's ``get_cosine_schedule_with_warmup``: ``t / W``, then ``max(0, (1 +
    cos(2 pi c p)) / 2)`` with ``p = (t - W) / max(1, N - W)``, not clamped past ``N``.

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      num_training_steps: ``N``.
      num_cycles: ``c`` (0.5: down to 0 at ``N``, and up again past it).
      last_epoch: PyTorch's resume index.

    Returns:
      A ``cosine`` schedule to 0 with ``num_cycles`` (``num_steps = max(N, W + 1)``: Hugging
      Face's ``max(1, N - W)``); ``num_cycles = 0``: a ``constant`` after the warmup.

    Raises:
      ConfigError: for an invalid argument, or a ``num_cycles`` that is no fraction ``p / q``
        with ``p, q < 32768``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_cosine_schedule_with_warmup(10.0, 2, 10)
      >>> [round(float(s(k)), 2) for k in range(0, 10, 2)]
      [0.0, 10.0, 8.54, 5.0, 1.46]
    """
    where = "get_cosine_schedule_with_warmup"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    return _resumed(
        _cosine(where, lr, num_warmup_steps, num_training_steps, num_cycles, {"stop_lr": 0.0}),
        last_epoch,
    )


def _cosine(where: str, lr: float, warmup: Any, total: Any, cycles: Any, stop: dict) -> Any:
    w = _steps(f"{where}.num_warmup_steps", warmup)
    n = _steps(f"{where}.num_training_steps", total)
    c = abs(float(cycles))  # cos is even: HF's -c is c
    end = min(max(n, w + 1), INT32_MAX)
    lrs = _lrs()
    if c == 0:  # cos(0): the warmup, then the rate
        return lrs.constant(start_lr=lr, warmup_steps=w, num_steps=end)
    return lrs.cosine(start_lr=lr, warmup_steps=w, num_cycles=c, num_steps=end, **stop)


def get_cosine_with_hard_restarts_schedule_with_warmup(
    learning_rate: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: int = 1,
    last_epoch: int = -1,
) -> Any:
    """Hugging Face's ``get_cosine_with_hard_restarts_schedule_with_warmup``: ``t / W``, then
    ``(1 + cos(pi ((c p) mod 1))) / 2`` for ``p = (t - W) / max(1, N - W) < 1``, then 0.

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      num_training_steps: ``N``.
      num_cycles: ``c``, the number of cycles (>= 0; a fraction ``p / q`` too).
      last_epoch: PyTorch's resume index.

    Returns:
      A ``cosine_restarts`` schedule with ``num_cycles`` (``num_steps = max(N, W + 1)``);
      ``num_cycles = 0`` (the rate until ``N``, then 0): a ``piecewise`` one.

    Raises:
      ConfigError: for an invalid argument or a negative ``num_cycles``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_cosine_with_hard_restarts_schedule_with_warmup(10.0, 2, 10, 2)
      >>> [round(float(s(k)), 2) for k in range(10)]
      [0.0, 5.0, 10.0, 8.54, 5.0, 1.46, 10.0, 8.54, 5.0, 1.46]
    """
    where = "get_cosine_with_hard_restarts_schedule_with_warmup"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    n = _steps(f"{where}.num_training_steps", num_training_steps)
    c = float(num_cycles)
    if c < 0:
        raise _fail(f"{where}.num_cycles", f"must be >= 0 here; got {describe(num_cycles)}.")
    end = min(max(n, w + 1), INT32_MAX)
    if c == 0:  # (0 * p) mod 1 = 0: the rate until the end, then 0
        knots = [(0, 0.0), (w, 1.0)] if w else [(0, 1.0)]
        if end - 1 > w:
            knots.append((end - 1, 1.0))
        sched = _knots(lr, [*knots, (end, 0.0)], end)
    else:
        sched = _lrs().cosine_restarts(
            start_lr=lr, stop_lr=0.0, warmup_steps=w, num_cycles=c, num_steps=end
        )
    return _resumed(sched, last_epoch)


def get_polynomial_decay_schedule_with_warmup(
    learning_rate: float,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float = 1e-7,
    power: float = 1.0,
    last_epoch: int = -1,
) -> Any:
    """Hugging Face's ``get_polynomial_decay_schedule_with_warmup``: ``t / W``, then ``lr_end +
    (lr - lr_end) (1 - (t - W) / (N - W)) ** power``, then ``lr_end``.

    Args:
      learning_rate: the optimizer's rate ``lr`` (> ``lr_end``, as Hugging Face requires).
      num_warmup_steps: ``W``.
      num_training_steps: ``N``.
      lr_end: the end rate.
      power: the exponent.
      last_epoch: PyTorch's resume index.

    Returns:
      A ``polynomial`` schedule (``stop_lr = lr_end``, ``warmup_steps = W``, ``num_steps =
      N``); for ``W >= N``, the warmup then ``lr_end`` (a ``piecewise`` one: Hugging Face
      divides by zero at ``t = N = W``, this gives ``lr_end`` there).

    Raises:
      ConfigError: (a ValueError, as Hugging Face raises) for ``lr_end >= lr``; for an
        invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_polynomial_decay_schedule_with_warmup(10.0, 2, 10, power=2.0)
      >>> [round(float(s(k)), 3) for k in range(2, 10, 2)]
      [10.0, 5.625, 2.5, 0.625]
    """
    where = "get_polynomial_decay_schedule_with_warmup"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    n = _steps(f"{where}.num_training_steps", num_training_steps)
    end = float(lr_end)
    if not lr > end:
        raise _fail(f"{where}.lr_end", f"must be smaller than the rate ({lr!r}); got {lr_end!r}.")
    if not end >= 0:
        raise _fail(f"{where}.lr_end", f"must be a learning rate >= 0; got {lr_end!r}.")
    if w < n:
        sched = _lrs().polynomial(
            start_lr=lr, stop_lr=end, power=power, warmup_steps=w, num_steps=n
        )
    else:
        sched = _warmup_then(lr, w, end / lr, max(w, 1))
    return _resumed(sched, last_epoch)


def get_inverse_sqrt_schedule(
    learning_rate: float,
    num_warmup_steps: int,
    timescale: int | None = None,
    last_epoch: int = -1,
) -> Any:
    """Hugging Face's ``get_inverse_sqrt_schedule``: ``t / W``, then ``1 / sqrt((t - W +
    tau) / tau)``, ``tau = timescale`` (default ``W``, or 10000 for ``W = 0``).

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      timescale: ``tau``.
      last_epoch: PyTorch's resume index.

    Returns:
      An ``inverse_sqrt`` schedule (``num_steps`` ``W + 10 tau``, where the rate is 30 % of
      the peak).

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_inverse_sqrt_schedule(1.0, num_warmup_steps=100)
      >>> [round(float(s(k)), 6) for k in (50, 100, 400)]
      [0.5, 1.0, 0.5]
    """
    where = "get_inverse_sqrt_schedule"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    tau = _steps(f"{where}.timescale", timescale) if timescale is not None else (w or 10_000)
    if tau == 0:
        raise _fail(f"{where}.timescale", "must be > 0 (Hugging Face divides by it); got 0.")
    n = min(w + 10 * tau, INT32_MAX)
    sched = _lrs().inverse_sqrt(start_lr=lr, warmup_steps=w, timescale=tau, num_steps=max(n, w + 1))
    return _resumed(sched, last_epoch)


def _min_lr(where: str, lr: float, min_lr: Any, min_lr_rate: Any) -> dict[str, float]:
    if min_lr is not None and min_lr_rate is not None:
        raise _fail(where, "only one of min_lr or min_lr_rate should be set (as Hugging Face).")
    if min_lr is not None:
        return {"stop_lr": float(min_lr)}
    if min_lr_rate is None:
        raise _fail(
            where,
            "one of min_lr or min_lr_rate should be set through `scheduler_specific_kwargs` "
            "(as Hugging Face).",
        )
    return {"stop_lr_ratio": float(min_lr_rate)}


def get_cosine_with_min_lr_schedule_with_warmup(
    learning_rate: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
) -> Any:
    """Hugging Face's ``get_cosine_with_min_lr_schedule_with_warmup``: the cosine of
    :func:`get_cosine_schedule_with_warmup` between the rate and ``min_lr`` (or ``min_lr_rate``
    times the rate).

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      num_training_steps: ``N``.
      num_cycles: ``c``.
      last_epoch: PyTorch's resume index.
      min_lr: the end rate; or
      min_lr_rate: the end as a fraction of the rate (exactly one of the two).

    Returns:
      A ``cosine`` schedule with ``num_cycles`` and ``stop_lr`` (``stop_lr_ratio``).

    Raises:
      ConfigError: (a ValueError, as Hugging Face raises) for both or neither of ``min_lr``
        and ``min_lr_rate``; for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 100, min_lr_rate=0.1)
      >>> [round(float(s(k)), 4) for k in (0, 50, 100)]
      [1.0, 0.55, 0.1]
    """
    where = "get_cosine_with_min_lr_schedule_with_warmup"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    stop = _min_lr(where, lr, min_lr, min_lr_rate)
    sched = _cosine(where, lr, num_warmup_steps, num_training_steps, num_cycles, stop)
    return _resumed(sched, last_epoch)


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    learning_rate: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
) -> Any:
    """Hugging Face's ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``
    (``cosine_warmup_with_min_lr``): one step ahead of ``cosine_with_min_lr``.

    Its warmup is ``(t + 1) / W`` (or ``r + (1 - r) t / max(1, W - 1)`` with ``r =
    warmup_lr_rate``) for ``t < W``, its progress ``(t - W + 1) / max(1, N - W)``. That is a
    ``cosine`` whose warmup ends one step earlier, at ``W - 1``, from ``1 / W`` (or ``r``): the
    wave's step ``t - (W - 1)`` is Hugging Face's ``t - W + 1``, and at ``t = W - 1`` both
    give the rate. Without a warmup (``W = 0``) the cosine is read one step ahead
    (``shifted(1)``).

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      num_training_steps: ``N``.
      num_cycles: ``c``.
      last_epoch: PyTorch's resume index.
      min_lr: the end rate; or
      min_lr_rate: the end as a fraction of the rate (exactly one of the two).
      warmup_lr_rate: ``r``, the warmup's start as a fraction of the rate.

    Returns:
      A ``cosine`` schedule (a ``shifted`` or a ``sequence`` one for ``W <= 1``).

    Raises:
      ConfigError: as :func:`get_cosine_with_min_lr_schedule_with_warmup`, or for a
        ``warmup_lr_rate`` outside [0, 1].

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
      ...     1.0, 4, 104, min_lr_rate=0.1)
      >>> [round(float(s(k)), 4) for k in (0, 1, 3, 4, 53, 103)]
      [0.25, 0.5, 1.0, 0.9998, 0.55, 0.1]
    """
    where = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    stop = _min_lr(where, lr, min_lr, min_lr_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    n = _steps(f"{where}.num_training_steps", num_training_steps)
    rate = None if warmup_lr_rate is None else float(warmup_lr_rate)
    if rate is not None and not 0 <= rate <= 1:
        raise _fail(f"{where}.warmup_lr_rate", f"must be in [0, 1] here; got {warmup_lr_rate!r}.")
    length = max(1, n - w)  # HF's max(1, N - W)
    lrs = _lrs()
    c = abs(float(num_cycles))
    extra = {"num_cycles": c} if c else {}
    if w >= 2 or (w == 1 and rate is None):
        warmup = {
            "warmup_steps": w - 1,
            "warmup_start_factor": (1.0 / w) if rate is None else rate,
            "num_steps": min(w - 1 + length, INT32_MAX),
        }
        if c:
            sched = lrs.cosine(start_lr=lr, **warmup, **extra, **stop)
        else:  # cos(0): the rate after the warmup
            sched = lrs.constant(start_lr=lr, **warmup)
        return _resumed(sched, last_epoch)
    wave = (
        lrs.cosine(start_lr=lr, num_steps=length, **extra, **stop)
        if c
        else lrs.constant(start_lr=lr, num_steps=length)
    ).shifted(1)  # HF's progress (t - W + 1): one step ahead
    if w == 0:
        return _resumed(wave, last_epoch)
    first = _knots(lr, [(0, rate)], 1)  # W = 1: r + (1 - r) * 0 / max(1, 0) at t = 0
    return _resumed(lrs.sequence([first, wave], boundaries=[1]), last_epoch)


def get_wsd_schedule(
    learning_rate: float,
    num_warmup_steps: int,
    num_decay_steps: int,
    num_training_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: str = "linear",
    decay_type: str = "cosine",
    min_lr_ratio: float = 0,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
) -> Any:
    """Hugging Face's ``get_wsd_schedule``: warmup from ``min_lr_ratio``, stable, decay to
    ``min_lr_ratio``, then ``min_lr_ratio``.

    Args:
      learning_rate: the optimizer's rate.
      num_warmup_steps: ``W``.
      num_decay_steps: ``D``.
      num_training_steps: ``N``: the stable phase is ``N - W - D`` (unless given).
      num_stable_steps: ``S`` (wins over ``N``, as Hugging Face).
      warmup_type: ``linear``, ``cosine`` or ``1-sqrt``.
      decay_type: ``linear``, ``cosine`` or ``1-sqrt``.
      min_lr_ratio: the end (and the warmup's start) as a fraction of the rate; 0 included.
      num_cycles: the cosine decay's waves (0.5: the half wave; only the cosine decay uses
        it, as Hugging Face).
      last_epoch: PyTorch's resume index.

    Returns:
      A ``wsd`` schedule of ``W + S + D`` steps (``decay_phase_steps = D``, ``stop_lr_ratio``
      and ``warmup_start_factor`` ``min_lr_ratio``); for ``D = 0`` (no decay) a ``wsd`` whose
      one-step decay starts at its last stable step, or (no stable phase either) the linear
      warmup then ``min_lr_ratio``, a ``piecewise`` one.

    Raises:
      ConfigError: (a ValueError, as Hugging Face raises) for neither ``N`` nor ``S``, or an
        unknown type; for ``N < W + D`` (a stable phase of negative length), and for ``D = S =
        0`` after a ``cosine`` or ``1-sqrt`` warmup.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_wsd_schedule(1.0, num_warmup_steps=10, num_decay_steps=20,
      ...                             num_training_steps=100)
      >>> [round(float(s(k)), 4) for k in (5, 10, 79, 80, 90, 100)]
      [0.5, 1.0, 1.0, 1.0, 0.5, 0.0]
    """
    where = "get_wsd_schedule"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    w = _steps(f"{where}.num_warmup_steps", num_warmup_steps)
    d = _steps(f"{where}.num_decay_steps", num_decay_steps)
    if num_training_steps is None and num_stable_steps is None:
        raise _fail(where, "either num_training_steps or num_stable_steps must be specified.")
    if num_stable_steps is not None:
        s = _steps(f"{where}.num_stable_steps", num_stable_steps)
    else:
        n = _steps(f"{where}.num_training_steps", num_training_steps)
        s = n - w - d
        if s < 0:
            raise _fail(
                f"{where}.num_training_steps",
                f"must be at least num_warmup_steps + num_decay_steps ({w + d}) here (Hugging "
                f"Face then decays from the middle of its decay); got {n}.",
            )
    for key, kind in (("warmup_type", warmup_type), ("decay_type", decay_type)):
        if kind not in ("linear", "cosine", "1-sqrt"):
            raise _fail(
                f"{where}.{key}",
                f"unknown {key.split('_')[0]} type {describe(kind)}, expected 'linear', "
                "'cosine' or '1-sqrt' (as Hugging Face).",
            )
    ratio = float(min_lr_ratio)
    lrs = _lrs()
    keys: dict[str, Any] = {
        "start_lr": lr,
        "stop_lr_ratio": ratio,
        "warmup_steps": w,
        "warmup_start_factor": ratio,
        "warmup_type": warmup_type,
        "decay_type": decay_type,
    }
    if decay_type == "cosine":  # HF's num_cycles is used by the cosine decay only
        keys["num_cycles"] = abs(float(num_cycles))
    if d > 0:
        sched = lrs.wsd(**keys, decay_phase_steps=d, num_steps=min(w + s + d, INT32_MAX))
    elif s > 0:  # no decay: the rate up to W + S - 1, min_lr_ratio from W + S on
        keys.pop("num_cycles", None)
        sched = lrs.wsd(**keys, decay_phase_steps=1, num_steps=w + s)
    elif w == 0:  # neither warmup, nor stable phase, nor decay: min_lr_ratio
        sched = _knots(lr, [(0, ratio)], 1)
    elif warmup_type == "linear" or w == 1:  # the warmup, then min_lr_ratio: linear pieces
        last = ratio + (1 - ratio) * (w - 1) / w
        knots = [(0, ratio), (w - 1, last), (w, ratio)] if w > 1 else [(0, ratio), (1, ratio)]
        sched = _knots(lr, knots, w)
    else:
        raise _fail(
            f"{where}.num_decay_steps",
            f"0 with no stable phase (the {warmup_type} warmup, then min_lr_ratio at once) is "
            "not supported here; give the decay a step, or use the linear warmup.",
        )
    return _resumed(sched, last_epoch)


def get_reduce_on_plateau_schedule(learning_rate: float, **kwargs: Any) -> Any:
    """Hugging Face's ``get_reduce_on_plateau_schedule`` (PyTorch's ``ReduceLROnPlateau``):
    not a schedule but :func:`lrschedules_jax.reduce_on_plateau`, an optax transformation
    that follows a metric.

    Chain it after the optimizer with the rate, ``optax.chain(optax.adamw(learning_rate),
    lrs.hf.get_reduce_on_plateau_schedule(learning_rate, patience=2))``, and pass the metric
    to each update (``value=metric``): the rate is ``learning_rate * state.scale``, the rate
    PyTorch's scheduler sets after each ``step(metric)``. ``min_lr`` and ``eps`` are rates in
    PyTorch; here they are divided by ``learning_rate`` (``min_scale``, ``eps``).

    Args:
      learning_rate: the optimizer's rate.
      **kwargs: PyTorch's ``mode``, ``factor``, ``patience``, ``threshold``,
        ``threshold_mode``, ``cooldown``, ``min_lr``, ``eps``.

    Returns:
      An ``optax.GradientTransformationExtraArgs``.

    Raises:
      ConfigError: for an unknown or invalid argument (a per-group ``min_lr`` list is not
        supported).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> t = lrs.hf.get_reduce_on_plateau_schedule(1e-3, patience=2, min_lr=1e-5)
      >>> type(t).__name__
      'GradientTransformationExtraArgs'
    """
    where = "get_reduce_on_plateau_schedule"
    lr = _rate(f"{where}.learning_rate", learning_rate)
    known = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lr",
        "eps",
    )
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise ConfigError(
            [f"hf.{where}.{k}: not an argument of PyTorch's ReduceLROnPlateau." for k in unknown]
        )
    args = {k: v for k, v in kwargs.items() if k not in ("min_lr", "eps")}
    if "min_lr" in kwargs:
        if isinstance(kwargs["min_lr"], (list, tuple)):
            raise _fail(f"{where}.min_lr", "one rate here (one parameter group).")
        args["min_scale"] = float(kwargs["min_lr"]) / lr
    args["eps"] = float(kwargs.get("eps", 1e-8)) / lr
    return _lrs().reduce_on_plateau(**args)


# ---- get_scheduler ---------------------------------------------------------------------------

#: Hugging Face's ``SchedulerType`` values, each with the function it calls.
SCHEDULER_TYPES: dict[str, str] = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "reduce_lr_on_plateau": "get_reduce_on_plateau_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
    "greedy": "",
}


def get_scheduler(
    name: str,
    learning_rate: float,
    *,
    num_warmup_steps: int | None = None,
    num_training_steps: int | None = None,
    scheduler_specific_kwargs: dict[str, Any] | None = None,
) -> Any:
    """Hugging Face's ``get_scheduler``, with the optimizer's rate in place of the optimizer.

    Args:
      name: a ``SchedulerType`` value (or the enum itself): see the module's table.
      learning_rate: the optimizer's rate; the schedule's value at step ``t`` is
        ``learning_rate * lambda(t)``.
      num_warmup_steps: required by every type but ``constant`` and ``reduce_lr_on_plateau``.
      num_training_steps: required by every type with a decay but ``inverse_sqrt`` (and
        ``warmup_stable_decay`` given ``num_stable_steps``).
      scheduler_specific_kwargs: the type's own arguments (``num_cycles``, ``lr_end``,
        ``power``, ``timescale``, ``min_lr``, ``min_lr_rate``, ``warmup_lr_rate``,
        ``num_decay_steps``, ``num_stable_steps``, ``warmup_type``, ``decay_type``,
        ``min_lr_ratio``, PyTorch's ``ReduceLROnPlateau`` arguments).

    Returns:
      A :class:`~lrschedules_jax.Schedule`; for ``reduce_lr_on_plateau``, the optax
      transformation :func:`lrschedules_jax.reduce_on_plateau` (see
      :func:`get_reduce_on_plateau_schedule`).

    Raises:
      ConfigError: (a ValueError, as Hugging Face raises) for an unknown name, a missing
        step count, ``greedy``; for an argument the type does not take or an invalid one.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.hf.get_scheduler("warmup_stable_decay", 3e-4, num_warmup_steps=100,
      ...                          num_training_steps=1000,
      ...                          scheduler_specific_kwargs={"num_decay_steps": 200})
      >>> s.to_config()["type"], round(float(s(500)), 8), float(s(1000))
      ('wsd', 0.0003, 0.0)
    """
    key = getattr(name, "value", name)
    if not isinstance(key, str) or key not in SCHEDULER_TYPES:
        from ._dialects import _norm

        hint = ""
        if isinstance(key, str):
            near = [t for t in SCHEDULER_TYPES if _norm(t) == _norm(key)]
            hint = f" Did you mean {near[0]!r}?" if near else ""
        raise _fail(
            "get_scheduler.name",
            f"{describe(key)} is not a valid SchedulerType, please select one of "
            f"{sorted(SCHEDULER_TYPES)}.{hint}",
        )
    if key == "greedy":
        raise _fail(
            "get_scheduler.name",
            "'greedy' (Hugging Face's GreedyLR, which follows a metric and may raise the rate) "
            "has no equivalent here; `reduce_lr_on_plateau` is lrs.reduce_on_plateau.",
        )
    function = globals()[SCHEDULER_TYPES[key]]
    kwargs = dict(scheduler_specific_kwargs or {})
    if key == "constant":
        return function(learning_rate)
    if key == "reduce_lr_on_plateau":
        return function(learning_rate, **kwargs)
    if num_warmup_steps is None:
        raise _fail("get_scheduler.num_warmup_steps", f"{key} requires `num_warmup_steps`.")
    args: dict[str, Any] = {"num_warmup_steps": num_warmup_steps}
    if key not in ("constant_with_warmup", "inverse_sqrt"):
        if num_training_steps is None and key != "warmup_stable_decay":
            raise _fail("get_scheduler.num_training_steps", f"{key} requires `num_training_steps`.")
        args["num_training_steps"] = num_training_steps
    if key == "constant_with_warmup":
        kwargs = {}  # Hugging Face passes none of them
    import inspect

    accepted = inspect.signature(function).parameters
    unknown = sorted(k for k in kwargs if k not in accepted or k in ("learning_rate",))
    if unknown:
        raise ConfigError(
            [
                f"hf.get_scheduler.scheduler_specific_kwargs.{k}: not an argument of "
                f"{key!r} (Hugging Face's {SCHEDULER_TYPES[key]} would raise a TypeError)."
                for k in unknown
            ]
        )
    return function(learning_rate, **args, **kwargs)

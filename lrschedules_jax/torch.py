"""PyTorch's learning-rate schedulers by name: ``lrs.torch.CosineAnnealingLR(lr, T_max)``.

Each function takes the arguments of the ``torch.optim.lr_scheduler`` class of the same name,
with the optimizer's learning rate ``lr`` in place of the optimizer, and returns the
:class:`~lrschedules_jax.Schedule` whose value at step ``t`` is the rate torch's optimizer
holds after ``t`` calls of ``scheduler.step()``. This module is a table from torch's names and
arguments to the package's types; it holds no formulas, and it imports neither torch nor JAX
(a schedule loads JAX when it is made).

============================== ==========================================================
torch                          schedule
============================== ==========================================================
``StepLR``                     ``step`` (``gamma > 1`` rises, as torch allows)
``MultiStepLR``                ``multistep`` (milestone 0 is in ``start_lr``; a milestone
                               listed twice is a product of two ``multistep``)
``ConstantLR``                 ``constant``, then ``constant`` (a ``sequence``)
``LinearLR``                   ``constant`` with its warmup (rising), ``linear`` (falling)
``ExponentialLR``              ``step`` with ``step_size=1``
``PolynomialLR``               ``polynomial`` with ``stop_lr=0``
``CosineAnnealingLR``          ``cosine`` with ``num_cycles=0.5`` (it goes on past ``T_max``)
``CosineAnnealingWarmRestarts`` ``cosine_restarts``
``OneCycleLR``                 ``one_cycle``
``CyclicLR``                   ``cyclic``
``SequentialLR``               ``sequence`` (a warmup phase joins the phase after it)
``ChainedScheduler``           ``product`` of the factors
``ReduceLROnPlateau``          the :func:`~lrschedules_jax.reduce_on_plateau` transformation
============================== ==========================================================

``num_steps``: a schedule of the package knows the length of the run it is made for (its plots
show it, ``to_config()`` is rebuilt with it). Where torch's scheduler has one (``T_max``,
``total_iters``, ``total_steps``) it is that; the others take ``num_steps=`` (a default is
documented with each). It never changes a value: every step up to ``2**31 - 1`` is torch's.

Where the values differ from torch's, on purpose:

- ``OneCycleLR`` at step ``total_steps`` (torch raises one step later): torch's last phase
  runs past its end there and gives the value of step ``total_steps - 2``; here the rate
  stays at its minimum from ``total_steps - 1`` on.
- torch's chainable forms (``LinearLR``, ``ExponentialLR``, ``CosineAnnealingLR``...) multiply
  the previous rate at every step, so their float64 values carry rounding errors that grow with
  the step (about ``1e-16 t``); the closed forms here do not.

Examples:
  >>> import lrschedules_jax as lrs
  >>> sched = lrs.torch.CosineAnnealingLR(0.1, T_max=100, eta_min=0.001)
  >>> [round(float(sched(t)), 6) for t in (0, 50, 100, 150, 200)]
  [0.1, 0.0505, 0.001, 0.0505, 0.1]
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable, Sequence
from typing import Any

from ._errors import ConfigError, Problems, describe
from ._numerics import INT32_MAX
from ._schedule import Product, Schedule, Sequential, product, sequence

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


def _types() -> Any:
    from . import config

    return config.builders()


def _length(default: int, num_steps: int | None, name: str, at_least: int = 0) -> int:
    """``num_steps`` if given (checked), else ``default`` (at least 1, at most int32)."""
    if num_steps is None:
        return int(min(max(default, at_least, 1), INT32_MAX))
    problems = Problems()
    problems.integer(f"{name}.num_steps", num_steps, max(at_least, 0), INT32_MAX)
    problems.raise_if_any()
    return int(num_steps)


def _zero(lr: float, num_steps: int) -> Schedule:
    """The rate 0 (``lr * 0``), for a phase torch ends at 0."""
    return product(
        _types()["constant"](start_lr=lr, num_steps=num_steps, scale_by_worker="none"), 0.0
    )


def _scaled_constant(lr: float, factor: float, num_steps: int) -> Schedule:
    """The constant ``lr * factor`` (``factor`` 0 included)."""
    if factor == 0:
        return _zero(lr, num_steps)
    return _types()["constant"](start_lr=lr * factor, num_steps=num_steps)


def StepLR(
    lr: float, step_size: int, gamma: float = 0.1, *, num_steps: int | None = None
) -> Schedule:
    """torch's ``StepLR``: the rate times ``gamma`` every ``step_size`` steps.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr}\\, \\gamma^{\\lfloor t / \\mathrm{step\\_size} \\rfloor}

    Args:
      lr: the optimizer's learning rate.
      step_size: the steps between two drops.
      gamma: the factor of a drop (above 1 the rate rises, as torch allows).
      num_steps: the length of the run (default ``10 * step_size``).

    Returns:
      A ``step`` schedule.

    Raises:
      ConfigError: for an invalid argument (every problem listed).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.StepLR(0.1, step_size=30)
      >>> [round(float(s(t)), 6) for t in (0, 29, 30, 60)]
      [0.1, 0.1, 0.01, 0.001]
    """
    n = _length(10 * step_size if isinstance(step_size, int) else 1, num_steps, "StepLR")
    return _types()["step"](start_lr=lr, step_size=step_size, gamma=gamma, num_steps=n)


def ExponentialLR(lr: float, gamma: float, *, num_steps: int | None = None) -> Schedule:
    """torch's ``ExponentialLR``: the rate times ``gamma`` at every step.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr}\\, \\gamma^{t}

    Args:
      lr: the optimizer's learning rate.
      gamma: the factor per step (above 1 the rate rises, up to float32's largest number).
      num_steps: the length of the run (default: the steps to a factor of 100, or 1000).

    Returns:
      A ``step`` schedule with ``step_size=1``.

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.ExponentialLR(1.0, gamma=0.5)
      >>> [float(s(t)) for t in range(4)]
      [1.0, 0.5, 0.25, 0.125]
    """
    default = 1000
    if isinstance(gamma, (int, float)) and 0 < gamma != 1 and math.isfinite(gamma):
        default = math.ceil(math.log(100) / abs(math.log(gamma)))
    n = _length(default, num_steps, "ExponentialLR")
    return _types()["step"](start_lr=lr, step_size=1, gamma=gamma, num_steps=n)


def MultiStepLR(
    lr: float, milestones: Sequence[int], gamma: float = 0.1, *, num_steps: int | None = None
) -> Schedule:
    """torch's ``MultiStepLR``: the rate times ``gamma`` at every milestone.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr}\\, \\gamma^{\\#\\{m \\in \\mathrm{milestones} : m \\le t\\}}

    As torch's (a ``Counter``): the milestones may come in any order, a milestone listed ``k``
    times multiplies by ``gamma ** k`` (a product of ``multistep`` schedules, one per
    repetition), and milestone 0 applies from the start (in ``start_lr``).

    Args:
      lr: the optimizer's learning rate.
      milestones: the steps at which the rate is multiplied by ``gamma``.
      gamma: the factor at a milestone.
      num_steps: the length of the run (default: the last milestone plus a quarter).

    Returns:
      A ``multistep`` schedule (a ``product`` of them for repeated milestones; a ``constant``
      when every milestone is 0).

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.MultiStepLR(1.0, milestones=[10, 10, 30], gamma=0.5)
      >>> [float(s(t)) for t in (9, 10, 29, 30)]
      [1.0, 0.25, 0.25, 0.125]
    """
    problems = Problems()
    ms = list(milestones) if isinstance(milestones, (list, tuple)) else None
    if (
        ms is None
        or not ms
        or not all(
            isinstance(m, int) and not isinstance(m, bool) and 0 <= m <= INT32_MAX for m in ms
        )
    ):
        problems.add(
            "MultiStepLR.milestones",
            f"must be a non-empty list of steps in [0, {INT32_MAX}]; got {describe(milestones)}.",
        )
    problems.raise_if_any()
    assert ms is not None
    counts = collections.Counter(ms)
    n = _length(max(ms) * 5 // 4 + 1, num_steps, "MultiStepLR")
    start = lr * gamma ** counts.pop(0, 0) if isinstance(gamma, (int, float)) else lr
    layers: list[list[int]] = []  # layer k: the milestones listed more than k times
    for m, count in sorted(counts.items()):
        for k in range(count):
            if k == len(layers):
                layers.append([])
            layers[k].append(m)
    if not layers:
        return _types()["constant"](start_lr=start, num_steps=n)
    build = _types()["multistep"]
    factors = [build(start_lr=start, milestones=layers[0], gamma=gamma, num_steps=n)]
    factors += [
        build(start_lr=1.0, milestones=layer, gamma=gamma, num_steps=n, scale_by_worker="none")
        for layer in layers[1:]
    ]
    return factors[0] if len(factors) == 1 else product(*factors)


def ConstantLR(
    lr: float,
    factor: float = 1.0 / 3,
    total_iters: int = 5,
    *,
    num_steps: int | None = None,
) -> Schedule:
    """torch's ``ConstantLR``: ``lr * factor`` for ``total_iters`` steps, then ``lr``.

    With ``total_iters=0`` the rate stays at ``lr * factor`` for good, as torch's does (it
    restores ``lr`` only on reaching ``total_iters`` after its first step).

    Args:
      lr: the optimizer's learning rate.
      factor: the factor for the first steps, in [0, 1].
      total_iters: the steps at ``lr * factor``.
      num_steps: the length of the run (default ``2 * total_iters``).

    Returns:
      A ``sequence`` of two ``constant`` phases (one ``constant`` if ``total_iters`` is 0 or
      ``factor`` is 1).

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.ConstantLR(0.1, factor=0.5, total_iters=4)
      >>> [round(float(s(t)), 6) for t in (0, 3, 4)]
      [0.05, 0.05, 0.1]
    """
    problems = Problems()
    problems.number("ConstantLR.factor", factor, "a number in [0, 1]", lambda x: 0 <= x <= 1)
    iters = problems.integer("ConstantLR.total_iters", total_iters, 0, INT32_MAX - 1)
    problems.raise_if_any()
    assert iters is not None
    n = _length(2 * iters, num_steps, "ConstantLR", at_least=iters + 1)
    if iters == 0 or factor == 1:
        return _scaled_constant(lr, factor if iters == 0 else 1.0, n)
    first = _scaled_constant(lr, factor, iters)
    return sequence([first, _types()["constant"](start_lr=lr, num_steps=n - iters)], [iters])


def LinearLR(
    lr: float,
    start_factor: float = 1.0 / 3,
    end_factor: float = 1.0,
    total_iters: int = 5,
    *,
    num_steps: int | None = None,
) -> Schedule:
    """torch's ``LinearLR``: from ``lr * start_factor`` to ``lr * end_factor`` over
    ``total_iters`` steps, then ``lr * end_factor``.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr} \\left(s + (e - s) \\frac{\\min(t, n)}{n}\\right)

    Rising (``start_factor < end_factor``, torch's warmup) it is a ``constant`` at
    ``lr * end_factor`` with a warmup of ``total_iters`` steps from ``start_factor /
    end_factor`` of it; falling it is a ``linear`` decay (followed by a ``constant`` when
    ``num_steps`` is longer than ``total_iters``).

    Args:
      lr: the optimizer's learning rate.
      start_factor: the factor at step 0, in (0, 1].
      end_factor: the factor from step ``total_iters`` on, in [0, 1].
      total_iters: the length of the ramp.
      num_steps: the length of the run (default ``2 * total_iters`` rising, ``total_iters``
        falling).

    Returns:
      A ``constant`` (with warmup), ``linear`` or ``sequence`` schedule.

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.LinearLR(0.1, start_factor=0.1, total_iters=10)
      >>> [round(float(s(t)), 6) for t in (0, 5, 10, 50)]
      [0.01, 0.055, 0.1, 0.1]
    """
    problems = Problems()
    problems.number(
        "LinearLR.start_factor", start_factor, "a number in (0, 1]", lambda x: 0 < x <= 1
    )
    problems.number("LinearLR.end_factor", end_factor, "a number in [0, 1]", lambda x: 0 <= x <= 1)
    iters = problems.integer("LinearLR.total_iters", total_iters, 0, INT32_MAX - 1)
    problems.raise_if_any()
    assert iters is not None
    types = _types()
    if iters == 0 or start_factor == end_factor:  # torch then keeps lr * start_factor
        return _scaled_constant(lr, start_factor, _length(max(iters, 1), num_steps, "LinearLR"))
    if start_factor < end_factor:
        n = _length(2 * iters, num_steps, "LinearLR", at_least=iters + 1)
        return types["constant"](
            start_lr=lr * end_factor,
            warmup_steps=iters,
            warmup_start_factor=start_factor / end_factor,
            num_steps=n,
        )
    n = _length(iters, num_steps, "LinearLR", at_least=iters)
    decay = types["linear"](start_lr=lr * start_factor, stop_lr=lr * end_factor, num_steps=iters)
    if n == iters:
        return decay
    return sequence([decay, _scaled_constant(lr, end_factor, n - iters)], [iters])


def PolynomialLR(
    lr: float, total_iters: int = 5, power: float = 1.0, *, num_steps: int | None = None
) -> Schedule:
    """torch's ``PolynomialLR``: a polynomial decay to 0 over ``total_iters`` steps.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr} \\left(1 - \\frac{\\min(t, n)}{n}\\right)^{p}

    Args:
      lr: the optimizer's learning rate.
      total_iters: the length of the decay.
      power: the exponent.
      num_steps: the length of the run (default ``total_iters``; longer: 0 after the decay).

    Returns:
      A ``polynomial`` schedule with ``stop_lr=0`` (a ``sequence`` ending at 0 for a longer
      ``num_steps``).

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.PolynomialLR(1.0, total_iters=4, power=2.0)
      >>> [float(s(t)) for t in range(6)]
      [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """
    problems = Problems()
    iters = problems.integer("PolynomialLR.total_iters", total_iters, 0, INT32_MAX)
    problems.raise_if_any()
    assert iters is not None
    n = _length(iters, num_steps, "PolynomialLR", at_least=iters)
    decay = _types()["polynomial"](start_lr=lr, stop_lr=0.0, power=power, num_steps=iters)
    if n == iters or iters == 0:
        return decay if n == iters else decay.replace(num_steps=n)
    return sequence([decay, _zero(lr, n - iters)], [iters])


def CosineAnnealingLR(lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """torch's ``CosineAnnealingLR``: a cosine from ``lr`` to ``eta_min`` over ``T_max`` steps,
    which goes on past ``T_max`` (back up to ``lr`` at ``2 T_max``), as torch's recursion does.

    .. math::
      \\mathrm{lr}(t) = \\eta_{min} + \\frac{\\mathrm{lr} - \\eta_{min}}{2}
      \\left(1 + \\cos\\frac{\\pi t}{T_{max}}\\right)

    Args:
      lr: the optimizer's learning rate.
      T_max: the steps of the half period.
      eta_min: the lowest rate.

    Returns:
      A ``cosine`` schedule with ``num_cycles=0.5`` and ``num_steps=T_max``.

    Raises:
      ConfigError: for an invalid argument (``eta_min`` above ``lr`` included).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.CosineAnnealingLR(1.0, T_max=10)
      >>> [round(float(s(t)), 6) for t in (0, 5, 10, 15, 20)]
      [1.0, 0.5, 0.0, 0.5, 1.0]
    """
    return _types()["cosine"](start_lr=lr, stop_lr=eta_min, num_cycles=0.5, num_steps=T_max)


def CosineAnnealingWarmRestarts(
    lr: float,
    T_0: int,
    T_mult: int = 1,
    eta_min: float = 0.0,
    *,
    num_steps: int | None = None,
) -> Schedule:
    """torch's ``CosineAnnealingWarmRestarts`` (SGDR): cosine cycles of ``T_0``, ``T_0 *
    T_mult``, ... steps, each from ``lr`` to ``eta_min``.

    Args:
      lr: the optimizer's learning rate.
      T_0: the length of the first cycle.
      T_mult: the factor between two cycle lengths (an integer >= 1).
      eta_min: the lowest rate.
      num_steps: the length of the run (default: three cycles).

    Returns:
      A ``cosine_restarts`` schedule.

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.CosineAnnealingWarmRestarts(1.0, T_0=10, T_mult=2)
      >>> [round(float(s(t)), 6) for t in (0, 5, 10, 20, 30)]
      [1.0, 0.5, 1.0, 0.5, 1.0]
    """
    default = 1
    if isinstance(T_0, int) and isinstance(T_mult, int) and T_0 > 0 and T_mult > 0:
        default = T_0 * (1 + T_mult + T_mult**2)
    return _types()["cosine_restarts"](
        start_lr=lr,
        stop_lr=eta_min,
        cycle_steps=T_0,
        cycle_mult=T_mult,
        num_steps=_length(default, num_steps, "CosineAnnealingWarmRestarts"),
    )


def OneCycleLR(
    lr: float | None = None,
    max_lr: float | None = None,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """torch's ``OneCycleLR``: up from ``max_lr / div_factor`` to ``max_lr``, then down to
    ``max_lr / div_factor / final_div_factor`` over ``total_steps`` (or ``epochs *
    steps_per_epoch``) steps.

    torch sets the optimizer's rate itself, so ``lr`` is not used. The momentum it cycles is
    the schedule's ``momentum_schedule()``.

    Args:
      lr: the optimizer's learning rate (unused, as in torch).
      max_lr: torch's argument of that name.
      total_steps: torch's argument of that name.
      epochs: torch's argument of that name.
      steps_per_epoch: torch's argument of that name.
      pct_start: torch's argument of that name.
      anneal_strategy: torch's argument of that name.
      cycle_momentum: torch's argument of that name.
      base_momentum: torch's argument of that name.
      max_momentum: torch's argument of that name.
      div_factor: torch's argument of that name.
      final_div_factor: torch's argument of that name.
      three_phase: torch's argument of that name.

    Returns:
      A ``one_cycle`` schedule of ``num_steps = total_steps``.

    Raises:
      ConfigError: for an invalid argument, or neither ``total_steps`` nor both ``epochs``
        and ``steps_per_epoch``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.OneCycleLR(max_lr=1.0, total_steps=100, anneal_strategy="linear")
      >>> [round(float(s(t)), 6) for t in (0, 29, 99)]
      [0.04, 1.0, 4e-06]
    """
    problems = Problems()
    if max_lr is None:
        problems.add("OneCycleLR.max_lr", "is required.")
    if total_steps is None:
        if epochs is None or steps_per_epoch is None:
            problems.add(
                "OneCycleLR.total_steps",
                "is required, or both `epochs` and `steps_per_epoch` (total_steps = epochs * "
                "steps_per_epoch).",
            )
        else:
            e = problems.integer("OneCycleLR.epochs", epochs, 1, INT32_MAX)
            s = problems.integer("OneCycleLR.steps_per_epoch", steps_per_epoch, 1, INT32_MAX)
            if e is not None and s is not None:
                total_steps = e * s
    problems.raise_if_any()
    return _types()["one_cycle"](
        max_lr=max_lr,
        num_steps=total_steps,
        pct_start=pct_start,
        anneal_strategy=anneal_strategy,
        cycle_momentum=cycle_momentum,
        base_momentum=base_momentum,
        max_momentum=max_momentum,
        div_factor=div_factor,
        final_div_factor=final_div_factor,
        three_phase=three_phase,
    )


def CyclicLR(
    lr: float | None = None,
    base_lr: float | None = None,
    max_lr: float | None = None,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[float], float] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
    *,
    num_steps: int | None = None,
) -> Schedule:
    """torch's ``CyclicLR``: triangles between ``base_lr`` and ``max_lr``.

    torch sets the optimizer's rate to ``base_lr``, so ``lr`` is not used. A custom
    ``scale_fn`` is not supported (a function is not a configuration): use ``mode``.

    Args:
      lr: the optimizer's learning rate (unused, as in torch).
      base_lr: torch's argument of that name.
      max_lr: torch's argument of that name.
      step_size_up: torch's argument of that name.
      step_size_down: torch's argument of that name.
      mode: torch's argument of that name.
      gamma: torch's argument of that name.
      cycle_momentum: torch's argument of that name.
      base_momentum: torch's argument of that name.
      max_momentum: torch's argument of that name.
      scale_fn: torch's; only ``scale_fn=None`` is accepted.
      scale_mode: torch's; only ``scale_fn=None`` is accepted.
      num_steps: the length of the run (default: three cycles).

    Returns:
      A ``cyclic`` schedule.

    Raises:
      ConfigError: for an invalid argument or a ``scale_fn``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.torch.CyclicLR(base_lr=0.1, max_lr=1.0, step_size_up=10)
      >>> [round(float(s(t)), 6) for t in (0, 5, 10, 20)]
      [0.1, 0.55, 1.0, 0.1]
    """
    problems = Problems()
    if scale_fn is not None:
        problems.add(
            "CyclicLR.scale_fn",
            "a custom scale function is not supported; use `mode` (`triangular`, "
            "`triangular2`, `exp_range` with `gamma`).",
        )
    for name, value in (("base_lr", base_lr), ("max_lr", max_lr)):
        if value is None:
            problems.add(f"CyclicLR.{name}", "is required.")
    problems.raise_if_any()
    down = step_size_up if step_size_down is None else step_size_down
    default = 1
    if isinstance(step_size_up, int) and isinstance(down, int):
        default = 3 * (step_size_up + down)
    return _types()["cyclic"](
        base_lr=base_lr,
        max_lr=max_lr,
        step_size_up=step_size_up,
        step_size_down=step_size_down,
        mode=mode,
        gamma=gamma,
        cycle_momentum=cycle_momentum,
        base_momentum=base_momentum,
        max_momentum=max_momentum,
        num_steps=_length(default, num_steps, "CyclicLR"),
    )


#: An ``eta_min`` this small (relative to ``lr``) changes a chained cosine by less than
#: float32's rounding: the chain is the product of the factors then.
_NEGLIGIBLE = 1e-7

#: The types whose values do not depend on ``num_steps`` (a phase can be made any length).
_FREE_LENGTH = ("constant", "step", "multistep", "cosine_restarts", "cyclic")


def _with_length(schedule: Schedule, length: int) -> Schedule:
    """``schedule`` made for ``length`` steps where that changes no value; else as it is."""
    if schedule.num_steps == length:
        return schedule
    if isinstance(schedule, Sequential):  # ConstantLR's, LinearLR's, PolynomialLR's
        starts = schedule.starts
        if length <= starts[0]:
            return _with_length(schedule.phases[0], length)
        last = _with_length(schedule.phases[-1], length - starts[-1])
        if last.num_steps == length - starts[-1] and length > starts[-1]:
            return sequence([*schedule.phases[:-1], last], starts)
        return schedule
    if isinstance(schedule, Product) and all(f.type_name in _FREE_LENGTH for f in schedule.factors):
        factors = [_with_length(f, length) for f in schedule.factors]
        return product(*factors, float(schedule.constant))
    if schedule.type_name in _FREE_LENGTH and getattr(schedule, "warmup_steps", 0) < length:
        return schedule.replace(num_steps=length)
    return schedule


def _joined(warmup: Schedule, after: Schedule) -> Schedule | None:
    """The phase ``after`` with the warmup of the ``constant`` phase ``warmup`` before it, when
    that is the same curve (the warmup ends at ``after``'s start, which has no warmup)."""
    if warmup.type_name != "constant" or not getattr(warmup, "warmup_steps", 0):
        return None
    if getattr(after, "warmup_steps", None) != 0 or after.type_name == "cyclic":
        return None
    if getattr(after, "start_lr", None) != warmup.start_lr:  # type: ignore[attr-defined]
        return None
    w = warmup.warmup_steps  # type: ignore[attr-defined]
    try:
        return after.replace(
            warmup_steps=w,
            warmup_start_factor=warmup.warmup_start_factor,  # type: ignore[attr-defined]
            num_steps=after.num_steps + w,
        )
    except ConfigError:
        return None


def SequentialLR(schedulers: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    """torch's ``SequentialLR``: ``schedulers[i]`` from ``milestones[i - 1]`` on, each read
    at its own step (counted from its milestone).

    The schedules are this module's (or any of the package's). A phase that is only a
    ``LinearLR`` warmup ending at the next phase's rate, with its milestone at ``total_iters``,
    becomes that phase's warmup (``LinearLR`` + ``CosineAnnealingLR`` is a ``cosine`` with a
    warmup); each other phase is made with its length in the sequence where that changes no
    value, so that ``to_config()`` gives a ``sequence``.

    Args:
      schedulers: the schedules, one more than ``milestones``.
      milestones: the steps where the next schedule starts, increasing.

    Returns:
      A ``sequence`` schedule (or the joined schedule for a warmup and one phase).

    Raises:
      ConfigError: for milestones that are not increasing from 1 or not one fewer than the
        schedules.
      TypeError: if a scheduler is not a Schedule.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> warm = lrs.torch.LinearLR(1e-3, start_factor=0.01, total_iters=100)
      >>> cos = lrs.torch.CosineAnnealingLR(1e-3, T_max=900)
      >>> s = lrs.torch.SequentialLR([warm, cos], milestones=[100])
      >>> s.type_name, s.warmup_steps, s.num_steps
      ('cosine', 100, 1000)
    """
    schedules = list(schedulers)
    bounds = [int(m) if isinstance(m, int) and not isinstance(m, bool) else m for m in milestones]
    if len(bounds) == len(schedules) - 1:  # else `sequence` reports it
        begins = [0, *bounds]
        phases, starts = [], []
        i = 0
        while i < len(schedules):
            phase = schedules[i]
            length = begins[i + 1] - begins[i] if i + 1 < len(begins) else None
            if length is not None and isinstance(length, int) and i + 1 < len(schedules):
                joined = (
                    _joined(phase, schedules[i + 1])
                    if getattr(phase, "warmup_steps", None) == length
                    else None
                )
                if joined is not None:
                    schedules[i + 1] = joined
                    begins[i + 1] = begins[i]
                    i += 1
                    continue
                phase = _with_length(phase, length)
            phases.append(phase)
            starts.append(begins[i])
            i += 1
        if len(phases) == 1:
            return phases[0]
        return sequence(phases, starts[1:])
    return sequence(schedules, bounds)


def ChainedScheduler(schedulers: Sequence[Schedule]) -> Schedule:
    """torch's ``ChainedScheduler``: every scheduler steps the same rate, in order.

    torch's chainable schedulers (``StepLR``, ``MultiStepLR``, ``ConstantLR``, ``LinearLR``,
    ``ExponentialLR``, ``PolynomialLR``, ``CosineAnnealingLR`` with ``eta_min=0``, or below
    ``1e-7 lr``) each multiply the rate by their factor, so the chain is the product of their
    schedules divided by ``lr ** (n - 1)``; a scheduler that sets the rate
    (``CosineAnnealingWarmRestarts``, ``CyclicLR``, ``OneCycleLR``) overrides the ones before
    it, as in torch.

    Args:
      schedulers: the schedules (this module's), all made with the same ``lr``.

    Returns:
      A ``product`` schedule (the schedule itself for one).

    Raises:
      ConfigError: for a scheduler that neither multiplies nor sets the rate
        (``CosineAnnealingLR`` with ``eta_min > 0``) or schedules made with different rates.
      TypeError: if a scheduler is not a Schedule.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> warm = lrs.torch.ConstantLR(1.0, factor=0.5, total_iters=2)
      >>> decay = lrs.torch.ExponentialLR(1.0, gamma=0.5)
      >>> s = lrs.torch.ChainedScheduler([warm, decay])
      >>> [float(s(t)) for t in range(4)]
      [0.5, 0.25, 0.25, 0.125]
    """
    schedules = list(schedulers)
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(f"`schedulers[{i}]` must be a Schedule; got {describe(s)}.")
    if not schedules:
        raise ConfigError(["ChainedScheduler.schedulers: needs at least one schedule."])
    last_set = max(
        (
            i
            for i, s in enumerate(schedules)
            if s.type_name in ("cosine_restarts", "cyclic", "one_cycle")
        ),
        default=0,
    )
    chain = schedules[last_set:]
    problems = Problems()
    rates = []
    for i, s in enumerate(chain[1:], start=last_set + 1):
        rate = _base_rate(s)
        if s.type_name == "cosine" and getattr(s, "stop_lr", 0.0) > _NEGLIGIBLE * rate:
            problems.add(
                f"ChainedScheduler.schedulers[{i}]",
                "torch's CosineAnnealingLR with eta_min > 0 neither multiplies nor sets the "
                f"rate in a chain; chain it with eta_min=0 (or below {_NEGLIGIBLE:g} lr).",
            )
        rates.append(rate)
    problems.raise_if_any()
    if len(chain) == 1:
        return chain[0]
    n = max(s.num_steps for s in chain)
    chain = [_with_length(s, n) for s in chain]
    constant = 1.0
    for rate in rates:
        constant /= rate
    return product(*chain, constant)


def _base_rate(schedule: Schedule) -> float:
    """The ``lr`` a schedule of this module was made with: the rate torch's chainable form
    starts from (a ``constant`` warmup's target, a sequence's last phase's)."""
    if isinstance(schedule, Sequential):
        return _base_rate(schedule.phases[-1])
    if isinstance(schedule, Product):
        return _base_rate(schedule.factors[0]) * float(schedule.constant)
    for key in ("start_lr", "max_lr", "base_lr"):
        value = getattr(schedule, key, None)
        if value is not None:
            return float(value)
    raise ConfigError([f"ChainedScheduler: cannot chain a `{schedule.type_name}` schedule."])


def ReduceLROnPlateau(
    lr: float,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> Any:
    """torch's ``ReduceLROnPlateau`` as the optax transformation
    :func:`~lrschedules_jax.reduce_on_plateau`: not a schedule, since the rate depends on the
    metric.

    Chain it after the optimizer made with ``lr`` and pass the metric as ``value=`` to every
    ``update`` (torch's ``scheduler.step(metric)``); the rate torch's optimizer holds is ``lr
    * state.scale``. ``min_lr`` and ``eps`` (rates) become ``min_scale = min_lr / lr`` and
    ``eps / lr`` (scales)::

        tx = optax.chain(optax.sgd(lr), lrs.torch.ReduceLROnPlateau(lr, patience=5))
        updates, state = tx.update(grads, state, params, value=val_loss)

    Args:
      lr: the optimizer's learning rate.
      mode: torch's.
      factor: torch's.
      patience: torch's.
      threshold: torch's.
      threshold_mode: torch's.
      cooldown: torch's.
      min_lr: torch's.
      eps: torch's.

    Returns:
      An ``optax.GradientTransformationExtraArgs``.

    Raises:
      ConfigError: for an invalid argument (every problem listed).

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> import lrschedules_jax as lrs
      >>> tx = optax.chain(optax.sgd(0.1), lrs.torch.ReduceLROnPlateau(0.1, patience=0))
      >>> params = jnp.zeros(1)
      >>> state = tx.init(params)
      >>> for loss in (1.0, 2.0):
      ...     _, state = tx.update(jnp.ones(1), state, params, value=loss)
      >>> round(0.1 * float(state[1].scale), 6)
      0.01
    """
    from ._plateau import reduce_on_plateau

    problems = Problems()
    rate = problems.number("ReduceLROnPlateau.lr", lr, "a number > 0", lambda x: x > 0)
    problems.number("ReduceLROnPlateau.min_lr", min_lr, "a number >= 0", lambda x: x >= 0)
    problems.number("ReduceLROnPlateau.eps", eps, "a number >= 0", lambda x: x >= 0)
    problems.raise_if_any()
    assert rate is not None
    return reduce_on_plateau(
        factor=factor,
        patience=patience,
        mode=mode,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_scale=min_lr / rate,
        eps=eps / rate,
    )

"""timm's learning-rate schedulers by name: ``lrs.timm.CosineLRScheduler(lr, t_initial=...)``.

Each function takes the arguments of the ``timm.scheduler`` class of the same name, with the
optimizer's learning rate ``lr`` in place of the optimizer, and returns the
:class:`~lrschedules_jax.Schedule` whose value at step ``t`` is the rate timm sets at
``step_update(t)`` (timm stepped per update, ``t_in_epochs=False``; ``t_in_epochs`` is accepted
and changes nothing: call the schedule with the count timm would be given). This module is a
table from timm's names and arguments to the package's types; it holds no formulas, and it
imports neither timm, torch nor JAX.

========================== =============================================================
timm                       schedule
========================== =============================================================
``CosineLRScheduler``      ``cosine_restarts`` (``cycle_limit``, ``k_decay``,
                           ``warmup_prefix``; a float ``cycle_mul``: cycles of real
                           length); ``cycle_limit=0``: ``multistep``
``StepLRScheduler``        ``step`` (``decay_rate > 1`` rises)
``MultiStepLRScheduler``   ``multistep``
``PolyLRScheduler``        ``polynomial`` (``k_decay`` and the cycle keys)
``TanhLRScheduler``        ``tanh``
``WSDLRScheduler``         ``wsd`` (``decay_phase_steps``; ``decay_fn`` ``linear``,
                           ``cosine``, ``1-sqrt``, ``power``, ``exp`` as ``exponential``;
                           ``stable_fn`` as ``stable_type``)
``PlateauLRScheduler``     the :func:`~lrschedules_jax.reduce_on_plateau` transformation
noise arguments            the noise keys (``noise_range_steps``...): a ``Noisy`` schedule
========================== =============================================================

timm's warmup goes linearly from ``warmup_lr_init`` to ``lr`` over ``warmup_t`` steps
(``warmup_start_factor = warmup_lr_init / lr``); with ``warmup_prefix=False`` (timm's default
for the cosine, poly and tanh schedulers) the decay runs on the global step and the warmup
replaces its first ``warmup_t`` steps (the key ``warmup_prefix``; the tanh's warmup then ends
at the tanh's rate at ``warmup_t``, as timm's does).

Where the values differ from timm's, on purpose:

- with ``cycle_mul > 1``, timm finds the cycle with a floating-point ``log``, which at some
  restarts lands one cycle early (``t_initial=2, cycle_mul=3``: step 242 is read as the end of
  cycle 4 instead of the start of cycle 5); the cycle here is found exactly (for a float
  ``cycle_mul`` too: the first step of cycle ``i`` is ``ceil(S_i)``, ``S_i = t_initial
  (cycle_mul**i - 1) / (cycle_mul - 1)`` in exact rationals);
- ``MultiStepLRScheduler``: timm 1.0.31 compares the milestones with ``t + 1`` and so decays
  one step before each milestone; here milestone ``m`` applies from step ``m`` on, as in
  torch's ``MultiStepLR`` and in timm's later releases (whose test expects it);
- ``PlateauLRScheduler(warmup_t=0).step(0, metric)`` sets timm's rate to ``warmup_lr_init``
  (0 by default) for good; the transformation starts at ``lr``;
- a ``cycle_decay`` that takes a cycle's peak below ``lr_min``: timm's rate then climbs from
  below ``lr_min`` towards it; here the peak stays at ``lr_min`` (the rate is ``lr_min``).

Not mapped (a :class:`~lrschedules_jax.ConfigError` says so): ``StepLRScheduler`` with a
``decay_t`` that is not a whole number of steps, a ``decay_fn`` that is a Python callable, a
``stable_timescale`` that is not a whole number of steps, a ``cycle_mul`` below 1 (timm's own
``log`` fails there), ``cycle_decay`` above 1, and a warmup or noise for
``PlateauLRScheduler`` (the "Coming from timm" page says why).

Examples:
  >>> import lrschedules_jax as lrs
  >>> sched = lrs.timm.CosineLRScheduler(0.1, t_initial=100, lr_min=1e-3, t_in_epochs=False)
  >>> [round(float(sched(t)), 6) for t in (0, 50, 100, 200)]
  [0.1, 0.0505, 0.001, 0.001]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._errors import ConfigError, Problems, describe
from ._numerics import INT32_MAX
from ._schedule import Schedule

__all__ = [
    "CosineLRScheduler",
    "MultiStepLRScheduler",
    "PlateauLRScheduler",
    "PolyLRScheduler",
    "StepLRScheduler",
    "TanhLRScheduler",
    "WSDLRScheduler",
]


def _types() -> Any:
    from . import config

    return config.builders()


def _warmup(name: str, lr: Any, warmup_t: Any, warmup_lr_init: Any, problems: Problems) -> dict:
    """The warmup keys of timm's ``warmup_t`` and ``warmup_lr_init``."""
    w = problems.integer(f"{name}.warmup_t", warmup_t, 0, INT32_MAX - 1)
    init = problems.number(
        f"{name}.warmup_lr_init", warmup_lr_init, "a number >= 0", lambda x: x >= 0
    )
    rate = problems.number(f"{name}.lr", lr, "a number > 0", lambda x: x > 0)
    if None in (w, init, rate):
        return {}
    if w and init > rate:  # type: ignore[operator]
        problems.add(
            f"{name}.warmup_lr_init",
            f"must be at most `lr` ({describe(lr)}) for a warmup; got {describe(warmup_lr_init)}.",
        )
        return {}
    return {"warmup_steps": w, "warmup_start_factor": init / rate if w else 0.0}  # type: ignore[operator]


def _noisy(
    schedule: Schedule,
    noise_range_t: Any,
    noise_pct: float,
    noise_std: float,
    noise_seed: int | None,
    noise_type: str,
) -> Schedule:
    """``schedule`` with timm's noise (its ``noise_*`` arguments), or itself without a range."""
    if noise_range_t is None:
        return schedule
    from ._schedule import Noise, Noisy

    span = list(noise_range_t) if isinstance(noise_range_t, (list, tuple)) else noise_range_t
    noise = Noise(
        noise_range_steps=tuple(span) if isinstance(span, list) else span,
        noise_pct=noise_pct,
        noise_std=noise_std,
        noise_type=noise_type,  # type: ignore[arg-type]
        noise_seed=42 if noise_seed is None else noise_seed,
    )
    return Noisy(schedule=schedule, noise=noise, num_steps=schedule.num_steps)


def _cycles(name: str, t_initial: Any, cycle_mul: Any, cycle_limit: Any, problems: Problems) -> Any:
    """``(t_initial, cycle_mul, cycle_limit)`` checked (``cycle_mul`` an int when it is one),
    or None."""
    t0 = problems.integer(f"{name}.t_initial", t_initial, 1, INT32_MAX)
    limit = problems.integer(f"{name}.cycle_limit", cycle_limit, 0, INT32_MAX)
    mul = None
    if isinstance(cycle_mul, (int, float)) and not isinstance(cycle_mul, bool):
        if 1 <= cycle_mul <= INT32_MAX:
            mul = int(cycle_mul) if float(cycle_mul).is_integer() else float(cycle_mul)
    if mul is None:
        problems.add(
            f"{name}.cycle_mul",
            f"must be a number in [1, {INT32_MAX}] here (timm's log of a cycle_mul below 1 "
            f"fails); got {describe(cycle_mul)}.",
        )
    if None in (t0, limit, mul):
        return None
    return t0, mul, limit


def _cycle_length(t0: int, mul: float, limit: int) -> int:
    """timm's ``get_cycle_length()``: the steps of the first ``max(1, cycle_limit)`` cycles
    (for a float ``cycle_mul``, floored in float64 as timm computes it)."""
    cycles = max(1, limit)
    if mul == 1:
        total = t0 * cycles
    elif isinstance(mul, int):
        total = t0 * (mul**cycles - 1) // (mul - 1)
    else:
        try:
            total = math.floor(-t0 * (mul**cycles - 1) / (1 - mul))
        except OverflowError:
            total = INT32_MAX
    return min(total, INT32_MAX)


def CosineLRScheduler(
    lr: float,
    t_initial: int,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    initialize: bool = True,
    *,
    noise_type: str = "normal",
) -> Schedule:
    """timm's ``CosineLRScheduler``: cosine cycles (SGDR) with timm's warmup and cycle limit.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr_{min}} + \\frac{\\mathrm{lr}\\, d^{i} - \\mathrm{lr_{min}}}{2}
      \\left(1 + \\cos\\left(\\pi \\frac{t_i^{k}}{T_i^{k}}\\right)\\right) \\quad (i <
      \\mathrm{cycle\\_limit}), \\qquad \\mathrm{lr_{min}} \\text{ after}

    Args:
      lr: the optimizer's learning rate.
      t_initial: timm's (``cycle_mul`` an integer).
      lr_min: timm's (``cycle_mul`` an integer).
      cycle_mul: timm's (``cycle_mul`` an integer).
      cycle_decay: timm's (``cycle_mul`` an integer).
      cycle_limit: timm's (``cycle_mul`` an integer).
      warmup_t: timm's (``cycle_mul`` an integer).
      warmup_lr_init: timm's (``cycle_mul`` an integer).
      warmup_prefix: timm's (``cycle_mul`` an integer).
      noise_range_t: timm's (``cycle_mul`` an integer).
      noise_pct: timm's (``cycle_mul`` an integer).
      noise_std: timm's (``cycle_mul`` an integer).
      noise_seed: timm's (``cycle_mul`` an integer).
      k_decay: timm's (``cycle_mul`` an integer).
      t_in_epochs: timm's; it changes no value.
      initialize: timm's; it changes no value.
      noise_type: timm's noise attribute (``"normal"`` or ``"uniform"``).

    Returns:
      A ``cosine_restarts`` schedule (``multistep`` for ``cycle_limit=0``, ``constant``
      without a warmup), noisy with a ``noise_range_t``; ``num_steps`` is timm's
      ``get_cycle_length()``.

    Raises:
      ConfigError: for an invalid argument or a ``cycle_mul`` that is not an integer.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.timm.CosineLRScheduler(0.1, t_initial=10, cycle_limit=2, warmup_t=2,
      ...                                warmup_lr_init=0.01, warmup_prefix=True)
      >>> [round(float(s(t)), 6) for t in (0, 1, 2, 7, 12, 22)]
      [0.01, 0.055, 0.1, 0.05, 0.1, 0.0]
    """
    name = "CosineLRScheduler"
    problems = Problems()
    warm = _warmup(name, lr, warmup_t, warmup_lr_init, problems)
    cycles = _cycles(name, t_initial, cycle_mul, cycle_limit, problems)
    problems.raise_if_any()
    t0, mul, limit = cycles
    w = warm["warmup_steps"]
    n = max(_cycle_length(t0, mul, limit) + (w if warmup_prefix else 0), w + 1)
    n = min(n, INT32_MAX)
    types = _types()
    if limit == 0:  # lr_min from the end of the warmup on
        if w == 0:
            sched = (
                types["constant"](start_lr=lr_min, num_steps=n)
                if lr_min
                else (types["constant"](start_lr=lr, num_steps=n, scale_by_worker="none") * 0.0)
            )
        else:
            sched = types["multistep"](
                start_lr=lr,
                milestones=[w],
                gamma=lr_min / lr,
                warmup_prefix=False,
                num_steps=n,
                **{k: v for k, v in warm.items() if k != "warmup_steps"},
                warmup_steps=w,
            )
    else:
        sched = types["cosine_restarts"](
            start_lr=lr,
            stop_lr=lr_min,
            cycle_steps=t0,
            cycle_mult=mul,
            cycle_decay=cycle_decay,
            cycle_limit=limit,
            k_decay=k_decay,
            warmup_prefix=warmup_prefix,
            num_steps=n,
            **warm,
        )
    return _noisy(sched, noise_range_t, noise_pct, noise_std, noise_seed, noise_type)


def StepLRScheduler(
    lr: float,
    decay_t: int,
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    initialize: bool = True,
    *,
    noise_type: str = "normal",
    num_steps: int | None = None,
) -> Schedule:
    """timm's ``StepLRScheduler``: the rate times ``decay_rate`` every ``decay_t`` steps.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr}\\, r^{\\lfloor t / \\mathrm{decay\\_t} \\rfloor}

    ``decay_rate > 1`` rises (where timm raises an ``OverflowError`` past float64's range, the
    rate here is inf past float32's).

    Args:
      lr: the optimizer's learning rate.
      decay_t: the steps between two decays (an integer here).
      decay_rate: timm's.
      warmup_t: timm's.
      warmup_lr_init: timm's.
      warmup_prefix: timm's.
      noise_range_t: timm's.
      noise_pct: timm's.
      noise_std: timm's.
      noise_seed: timm's.
      t_in_epochs: timm's; it changes no value.
      initialize: timm's; it changes no value.
      noise_type: timm's noise attribute.
      num_steps: the length of the run (default: ten decays after the warmup).

    Returns:
      A ``step`` schedule (noisy with a ``noise_range_t``).

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.timm.StepLRScheduler(0.1, decay_t=10, decay_rate=0.5)
      >>> [round(float(s(t)), 6) for t in (9, 10, 20)]
      [0.1, 0.05, 0.025]
    """
    name = "StepLRScheduler"
    problems = Problems()
    warm = _warmup(name, lr, warmup_t, warmup_lr_init, problems)
    size = problems.integer(f"{name}.decay_t", decay_t, 1, INT32_MAX, " (a whole number of steps)")
    problems.raise_if_any()
    w = warm["warmup_steps"]
    default = min(10 * size + w, INT32_MAX)  # type: ignore[operator]
    n = num_steps if num_steps is not None else default
    sched = _types()["step"](
        start_lr=lr,
        step_size=size,
        gamma=decay_rate,
        warmup_prefix=warmup_prefix,
        num_steps=n,
        **warm,
    )
    return _noisy(sched, noise_range_t, noise_pct, noise_std, noise_seed, noise_type)


def MultiStepLRScheduler(
    lr: float,
    decay_t: Sequence[int],
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    initialize: bool = True,
    *,
    noise_type: str = "normal",
    num_steps: int | None = None,
) -> Schedule:
    """timm's ``MultiStepLRScheduler``: the rate times ``decay_rate`` at every milestone.

    Milestone ``m`` applies from step ``m`` on (timm 1.0.31 applies it one step earlier: see
    the module's notes). Without a warmup, milestones may repeat or be 0 (as
    ``lrs.torch.MultiStepLR``).

    Args:
      lr: the optimizer's learning rate.
      decay_t: the milestones.
      decay_rate: timm's.
      warmup_t: timm's.
      warmup_lr_init: timm's.
      warmup_prefix: timm's.
      noise_range_t: timm's.
      noise_pct: timm's.
      noise_std: timm's.
      noise_seed: timm's.
      t_in_epochs: timm's; it changes no value.
      initialize: timm's; it changes no value.
      noise_type: timm's noise attribute.
      num_steps: the length of the run (default: the last milestone plus a quarter).

    Returns:
      A ``multistep`` schedule (noisy with a ``noise_range_t``).

    Raises:
      ConfigError: for an invalid argument; milestones that repeat or are 0 with a warmup.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.timm.MultiStepLRScheduler(0.1, decay_t=[10, 20], decay_rate=0.5)
      >>> [round(float(s(t)), 6) for t in (9, 10, 19, 20)]
      [0.1, 0.05, 0.05, 0.025]
    """
    name = "MultiStepLRScheduler"
    problems = Problems()
    warm = _warmup(name, lr, warmup_t, warmup_lr_init, problems)
    problems.raise_if_any()
    w = warm["warmup_steps"]
    ms = list(decay_t) if isinstance(decay_t, (list, tuple)) else decay_t
    plain = isinstance(ms, list) and ms == sorted(set(ms)) and 0 not in ms
    if not plain and w == 0:
        from . import torch as torch_dialect

        sched = torch_dialect.MultiStepLR(lr, ms, decay_rate, num_steps=num_steps)
    elif not plain:
        raise ConfigError(
            [
                f"{name}.decay_t: with a warmup, the milestones must be increasing steps > 0; "
                f"got {describe(decay_t)}."
            ]
        )
    else:
        default = max(ms) * 5 // 4 + 1 + (w if warmup_prefix else 0) if ms else 1
        sched = _types()["multistep"](
            start_lr=lr,
            milestones=ms,
            gamma=decay_rate,
            warmup_prefix=warmup_prefix,
            num_steps=num_steps if num_steps is not None else max(default, w + 1),
            **warm,
        )
    return _noisy(sched, noise_range_t, noise_pct, noise_std, noise_seed, noise_type)


def PolyLRScheduler(
    lr: float,
    t_initial: int,
    power: float = 0.5,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    initialize: bool = True,
    *,
    noise_type: str = "normal",
) -> Schedule:
    """timm's ``PolyLRScheduler``: a polynomial decay from ``lr`` to ``lr_min``, with k-decay
    and cycles.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr_{min}} + (\\mathrm{lr}\\, d^{i} - \\mathrm{lr_{min}})
      \\left(1 - \\frac{t_i^{k}}{T_i^{k}}\\right)^{p} \\quad (i < \\mathrm{cycle\\_limit}),
      \\qquad \\mathrm{lr_{min}} \\text{ after}

    Args:
      lr: the optimizer's learning rate.
      t_initial: timm's.
      power: timm's.
      lr_min: timm's.
      cycle_mul: timm's.
      cycle_decay: timm's.
      cycle_limit: timm's.
      warmup_t: timm's.
      warmup_lr_init: timm's.
      warmup_prefix: timm's.
      noise_range_t: timm's.
      noise_pct: timm's.
      noise_std: timm's.
      noise_seed: timm's.
      k_decay: timm's.
      t_in_epochs: timm's; it changes no value.
      initialize: timm's; it changes no value.
      noise_type: timm's noise attribute.

    Returns:
      A ``polynomial`` schedule (with the cycle keys and ``k_decay`` where they are not
      timm's defaults; noisy with a ``noise_range_t``); ``num_steps`` is timm's
      ``get_cycle_length()``.

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.timm.PolyLRScheduler(0.1, t_initial=100, lr_min=0.001, power=1.0)
      >>> [round(float(s(t)), 6) for t in (0, 50, 100)]
      [0.1, 0.0505, 0.001]
      >>> s = lrs.timm.PolyLRScheduler(0.1, t_initial=10, power=1.0, cycle_limit=2,
      ...                              cycle_decay=0.5)
      >>> [round(float(s(t)), 6) for t in (5, 10, 15, 20)]
      [0.05, 0.05, 0.025, 0.0]
    """
    name = "PolyLRScheduler"
    problems = Problems()
    warm = _warmup(name, lr, warmup_t, warmup_lr_init, problems)
    cycles = _cycles(name, t_initial, cycle_mul, cycle_limit, problems)
    problems.raise_if_any()
    t0, mul, limit = cycles
    w = warm["warmup_steps"]
    n = min(max(_cycle_length(t0, mul, limit) + (w if warmup_prefix else 0), w + 1), INT32_MAX)
    keys: dict[str, Any] = {}
    if (n - w if warmup_prefix else n) != t0 or limit != 1 or mul != 1:
        keys.update(cycle_steps=t0, cycle_mult=mul, cycle_limit=limit)
    if cycle_decay != 1:
        keys["cycle_decay"] = cycle_decay
    if k_decay != 1:
        keys["k_decay"] = k_decay
    sched = _types()["polynomial"](
        start_lr=lr,
        stop_lr=lr_min,
        power=power,
        warmup_prefix=warmup_prefix,
        num_steps=n,
        **keys,
        **warm,
    )
    return _noisy(sched, noise_range_t, noise_pct, noise_std, noise_seed, noise_type)


def TanhLRScheduler(
    lr: float,
    t_initial: int,
    lb: float = -7.0,
    ub: float = 3.0,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    initialize: bool = True,
    *,
    noise_type: str = "normal",
) -> Schedule:
    """timm's ``TanhLRScheduler``: hyperbolic-tangent decay (Hsueh et al. 2019) with cycles.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr_{min}} + \\frac{\\mathrm{lr}\\, d^{i} - \\mathrm{lr_{min}}}{2}
      \\left(1 - \\tanh\\left(\\mathrm{lb} + (\\mathrm{ub} - \\mathrm{lb}) \\frac{t_i}{T_i}
      \\right)\\right) \\quad (i < \\mathrm{cycle\\_limit}), \\qquad \\mathrm{lr_{min}}
      \\text{ after}

    With ``warmup_prefix=False`` (timm's default) the warmup ends at the tanh's rate at
    ``warmup_t``, as timm's does.

    Args:
      lr: the optimizer's learning rate.
      t_initial: timm's.
      lb: timm's.
      ub: timm's.
      lr_min: timm's.
      cycle_mul: timm's.
      cycle_decay: timm's.
      cycle_limit: timm's.
      warmup_t: timm's.
      warmup_lr_init: timm's.
      warmup_prefix: timm's.
      noise_range_t: timm's.
      noise_pct: timm's.
      noise_std: timm's.
      noise_seed: timm's.
      t_in_epochs: timm's; it changes no value.
      initialize: timm's; it changes no value.
      noise_type: timm's noise attribute (``"normal"`` or ``"uniform"``).

    Returns:
      A ``tanh`` schedule (noisy with a ``noise_range_t``); ``num_steps`` is timm's
      ``get_cycle_length()``.

    Raises:
      ConfigError: for an invalid argument.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.timm.TanhLRScheduler(0.1, t_initial=100, lr_min=1e-3)
      >>> [round(float(s(t)), 6) for t in (0, 70, 99, 100)]
      [0.1, 0.0505, 0.001299, 0.001]
    """
    name = "TanhLRScheduler"
    problems = Problems()
    warm = _warmup(name, lr, warmup_t, warmup_lr_init, problems)
    cycles = _cycles(name, t_initial, cycle_mul, cycle_limit, problems)
    problems.raise_if_any()
    t0, mul, limit = cycles
    w = warm["warmup_steps"]
    n = max(_cycle_length(t0, mul, limit) + (w if warmup_prefix else 0), w + 1)
    sched = _types()["tanh"](
        start_lr=lr,
        stop_lr=lr_min,
        lb=lb,
        ub=ub,
        cycle_steps=t0,
        cycle_mult=mul,
        cycle_decay=cycle_decay,
        cycle_limit=limit,
        warmup_prefix=warmup_prefix,
        num_steps=min(n, INT32_MAX),
        **warm,
    )
    return _noisy(sched, noise_range_t, noise_pct, noise_std, noise_seed, noise_type)


_WSD_DECAYS = ("linear", "cosine", "1-sqrt", "power", "exp")
_WSD_STABLES = ("constant", "rsqrt", "power")


def WSDLRScheduler(
    lr: float,
    t_initial: int,
    decay_t: int,
    lr_min: float = 0.0,
    stable_fn: str = "constant",
    stable_timescale: float | None = None,
    stable_power: float = 0.5,
    decay_fn: Any = "1-sqrt",
    decay_power: float = 0.5,
    decay_ratio: float = 0.1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    initialize: bool = True,
    *,
    noise_type: str = "normal",
) -> Schedule:
    """timm's ``WSDLRScheduler``: warmup, a stable phase, and a decay to ``lr_min`` over the
    last ``decay_t`` of the ``t_initial`` steps after the warmup.

    .. math::
      \\mathrm{lr}(t) = \\mathrm{lr_{min}} + (\\max(\\mathrm{lr}\\, g(t_s),
      \\mathrm{lr_{min}}) - \\mathrm{lr_{min}})\\, h(\\tau)

    with ``g`` the stable function (1, or ``(1 + t_s / timescale) ** -p``) and ``h`` the decay
    (1 before the decay phase).

    Args:
      lr: the optimizer's learning rate.
      t_initial: timm's.
      decay_t: timm's.
      lr_min: timm's.
      warmup_t: timm's.
      warmup_lr_init: timm's.
      noise_range_t: timm's.
      noise_pct: timm's.
      noise_std: timm's.
      noise_seed: timm's.
      stable_fn: ``"constant"``, ``"rsqrt"`` or ``"power"`` (wsd's ``stable_type``).
      stable_timescale: timm's (default ``warmup_t``), a whole number of steps here.
      stable_power: the ``power`` stable function's exponent.
      decay_fn: ``"linear"``, ``"cosine"``, ``"1-sqrt"``, ``"power"`` or ``"exp"`` (not a
        callable: a Python function has no config).
      decay_power: the ``power`` decay's exponent.
      decay_ratio: the ``exp`` decay's ratio.
      t_in_epochs: timm's; it changes no value.
      initialize: timm's; it changes no value.
      noise_type: timm's noise attribute.

    Returns:
      A ``wsd`` schedule of ``num_steps = warmup_t + t_initial`` with ``decay_phase_steps =
      decay_t`` (noisy with a ``noise_range_t``).

    Raises:
      ConfigError: for an invalid argument or a callable ``decay_fn``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.timm.WSDLRScheduler(0.1, t_initial=100, decay_t=20, decay_fn="linear",
      ...                             lr_min=0.001, warmup_t=10)
      >>> [round(float(s(t)), 6) for t in (5, 10, 90, 100, 110)]
      [0.05, 0.1, 0.1, 0.0505, 0.001]
      >>> s = lrs.timm.WSDLRScheduler(0.1, t_initial=100, decay_t=20, decay_fn="exp",
      ...                             stable_fn="rsqrt", lr_min=1e-4, warmup_t=10)
      >>> [round(float(s(t)), 6) for t in (10, 50, 100, 110)]
      [0.1, 0.044721, 0.007673, 0.0001]
    """
    name = "WSDLRScheduler"
    problems = Problems()
    warm = _warmup(name, lr, warmup_t, warmup_lr_init, problems)
    t0 = problems.integer(f"{name}.t_initial", t_initial, 1, INT32_MAX)
    d = problems.integer(f"{name}.decay_t", decay_t, 1, INT32_MAX)
    if stable_fn not in _WSD_STABLES:
        problems.add(
            f"{name}.stable_fn",
            f"must be one of {', '.join(f'`{x}`' for x in _WSD_STABLES)}; got "
            f"{describe(stable_fn)}.",
        )
    if not (isinstance(decay_fn, str) and decay_fn in _WSD_DECAYS):
        problems.add(
            f"{name}.decay_fn",
            f"must be one of {', '.join(f'`{x}`' for x in _WSD_DECAYS)} (a callable has no "
            f"config); got {describe(decay_fn)}.",
        )
    timescale = None
    if stable_fn != "constant" and stable_timescale is not None:
        if isinstance(stable_timescale, float) and stable_timescale.is_integer():
            stable_timescale = int(stable_timescale)
        timescale = problems.integer(
            f"{name}.stable_timescale", stable_timescale, 1, INT32_MAX, " (a whole number of steps)"
        )
    if t0 is not None and d is not None and d > t0:
        problems.add(
            f"{name}.decay_t", f"must be in [1, t_initial ({t0})]; got {describe(decay_t)}."
        )
    problems.raise_if_any()
    kind = decay_fn
    keys: dict[str, Any] = {}
    if kind == "power" and decay_power in (0.5, 1.0):  # the exact shapes of the same factor
        kind = "1-sqrt" if decay_power == 0.5 else "linear"
    elif kind == "power":
        keys["decay_power"] = decay_power
    elif kind == "exp":
        kind = "exponential"
        keys["decay_ratio"] = decay_ratio
    if stable_fn != "constant":
        keys["stable_type"] = stable_fn
        keys["stable_timescale"] = timescale
        if stable_fn == "power":
            keys["stable_power"] = stable_power
    w = warm["warmup_steps"]
    sched = _types()["wsd"](
        start_lr=lr,
        stop_lr=lr_min,
        decay_phase_steps=d,
        decay_type=kind,
        num_steps=min(w + t0, INT32_MAX),  # type: ignore[operator]
        **keys,
        **warm,
    )
    return _noisy(sched, noise_range_t, noise_pct, noise_std, noise_seed, noise_type)


def PlateauLRScheduler(
    lr: float,
    decay_rate: float = 0.1,
    patience_t: int = 10,
    threshold: float = 1e-4,
    cooldown_t: int = 0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    lr_min: float = 0.0,
    mode: str = "max",
    noise_range_t: Any = None,
    noise_type: str = "normal",
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int | None = None,
    initialize: bool = True,
) -> Any:
    """timm's ``PlateauLRScheduler`` as the optax transformation
    :func:`~lrschedules_jax.reduce_on_plateau` (torch's ``ReduceLROnPlateau``, which timm
    wraps): not a schedule, since the rate depends on the metric.

    Chain it after the optimizer made with ``lr`` and pass the metric as ``value=`` to every
    ``update`` (timm's ``step(epoch, metric)``); the rate is ``lr * state.scale``::

        tx = optax.chain(optax.sgd(lr), lrs.timm.PlateauLRScheduler(lr, patience_t=5))

    timm's ``step(0, metric)`` with ``warmup_t=0`` sets the rate to ``warmup_lr_init`` (0 by
    default) and keeps it there; the transformation starts at ``lr`` (the rate timm has from
    epoch 1 on when it is first stepped there).

    Args:
      lr: the optimizer's learning rate.
      decay_rate: timm's argument of that name.
      patience_t: timm's argument of that name.
      threshold: timm's argument of that name.
      cooldown_t: timm's argument of that name.
      lr_min: timm's argument of that name.
      mode: timm's argument of that name.
      warmup_t: timm's; a warmup or noise is not mapped.
      warmup_lr_init: timm's; a warmup or noise is not mapped.
      noise_range_t: timm's; a warmup or noise is not mapped.
      noise_type: timm's; a warmup or noise is not mapped.
      noise_pct: timm's; a warmup or noise is not mapped.
      noise_std: timm's; a warmup or noise is not mapped.
      noise_seed: timm's; a warmup or noise is not mapped.
      initialize: timm's; a warmup or noise is not mapped.

    Returns:
      An ``optax.GradientTransformationExtraArgs``.

    Raises:
      ConfigError: for an invalid argument, a warmup or a noise range.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> import lrschedules_jax as lrs
      >>> tx = optax.chain(optax.sgd(0.1),
      ...                  lrs.timm.PlateauLRScheduler(0.1, patience_t=0, mode="min"))
      >>> params = jnp.zeros(1)
      >>> state = tx.init(params)
      >>> for loss in (1.0, 2.0):
      ...     _, state = tx.update(jnp.ones(1), state, params, value=loss)
      >>> round(0.1 * float(state[1].scale), 6)
      0.01
    """
    from . import torch as torch_dialect

    problems = Problems()
    if warmup_t:
        problems.add(
            "PlateauLRScheduler.warmup_t", f"a warmup is not mapped; got {describe(warmup_t)}."
        )
    if noise_range_t is not None:
        problems.add(
            "PlateauLRScheduler.noise_range_t",
            f"noise is not mapped; got {describe(noise_range_t)}.",
        )
    problems.raise_if_any()
    return torch_dialect.ReduceLROnPlateau(
        lr,
        mode=mode,
        factor=decay_rate,
        patience=patience_t,
        threshold=threshold,
        cooldown=cooldown_t,
        min_lr=lr_min,
    )

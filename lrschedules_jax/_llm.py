"""The schedules of LLM training that neither DeePMD-kit nor torch has: ``rex``.

Each type is defined once, as in ``_deepmd.py``: its schedule class, its config model and its
builder. Every type here is an extension (DeePMD-kit 3.2 refuses it in its input files).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._errors import Problems
from ._jax import jax
from ._model import EXTENSION, StopKeys, WarmupKeys, builder, config_type
from ._numerics import INT32_MAX
from ._schedule import Schedule, leaf, register_schedule
from ._shapes import rex_factor
from ._warmup import WarmupSchedule

__all__ = ["REX", "REXConfig", "cooldown", "rex"]


@register_schedule
class REX(WarmupSchedule):
    """REX (Chen, Wolfe, Kyrillidis, "REX: Revisiting Budgeted Training", 2022).

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\frac{1 - z}{1 - z / 2}, \\qquad z = t / T

    computed as ``e + (s0 - e) * 2 r / (T + r)`` on the exact remaining steps
    ``r = max(T - t, 0)``; ``stop_lr`` from ``t >= T`` on (``start_lr`` if ``T = 0``).

    Examples:
      >>> sched = rex(start_lr=1.0, stop_lr=0.0, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 25, 50, 75, 100)]
      [1.0, 0.857143, 0.666667, 0.4, 0.0]
    """

    stop_lr: float = leaf(ge=0)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return self._anneal(t, dtype, rex_factor)


@config_type(REX)
class REXConfig(WarmupKeys, StopKeys):
    """``rex``: the REX profile from `start_lr` to `stop_lr` (an extension)."""

    type: Literal["rex"] = Field(description=f"The schedule type. {EXTENSION}")

    def build(self, num_steps: int, num_workers: int = 1) -> REX:
        r = self.resolve(num_steps)
        return REX(
            num_steps=num_steps,
            num_workers=num_workers,
            **r.warmup_args(),
            stop_lr=r.resolved_stop_lr(),
        )


rex = builder(REXConfig)


def cooldown(
    schedule: Schedule,
    at_step: int,
    length: int,
    *,
    decay_type: str | None = None,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
) -> Schedule:
    """``schedule.cooldown(...)``: a ``wsd`` equal to ``schedule`` up to ``at_step``, then a
    decay over ``length`` steps (see :meth:`Schedule.cooldown`)."""
    from .config import make_schedule

    problems = Problems()
    name = schedule.type_name
    if name not in ("wsd", "constant"):
        problems.add(
            "cooldown.type",
            f"a cooldown starts in a stable phase: only `wsd` and `constant` schedules have one; "
            f"got `{name}`.",
        )
        raise problems.error()
    at = problems.integer("cooldown.at_step", at_step, 0, INT32_MAX)
    size = problems.integer("cooldown.length", length, 1, INT32_MAX)
    w = schedule.warmup_steps  # type: ignore[attr-defined]
    last = w + schedule.stable_steps if name == "wsd" else INT32_MAX  # type: ignore[attr-defined]
    if at is not None and not w <= at <= last:
        where = f"[{w}, {last}]" if name == "wsd" else f">= {w}"
        problems.add(
            "cooldown.at_step",
            f"must be in the stable phase ({where}: after the warmup"
            + (", before the decay" if name == "wsd" else "")
            + f"); got {at}.",
        )
    if at is not None and size is not None and at + size > INT32_MAX:
        problems.add(
            "cooldown.length", f"at_step + length must be <= {INT32_MAX}; got {at + size}."
        )
    config = schedule.to_config()
    for key in ("decay_phase_ratio", "decay_phase_steps", "stop_lr", "stop_lr_ratio"):
        config.pop(key, None)
    if stop_lr is not None or stop_lr_ratio is not None:
        if stop_lr is not None:
            config["stop_lr"] = stop_lr
        if stop_lr_ratio is not None:
            config["stop_lr_ratio"] = stop_lr_ratio
    elif name == "wsd":
        config["stop_lr"] = schedule.stop_lr  # type: ignore[attr-defined]
    else:
        problems.add(
            "cooldown.stop_lr",
            "a `constant` run has no stop rate: give `stop_lr` or `stop_lr_ratio` (> 0).",
        )
    if problems:
        raise problems.error()
    config["type"] = "wsd"
    config["decay_phase_steps"] = size
    if decay_type is not None:
        config["decay_type"] = decay_type
    return make_schedule(config, at + size, num_workers=schedule.num_workers)  # type: ignore[operator]

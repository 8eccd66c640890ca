"""The schedules of LLM training that neither DeePMD-kit nor torch has: ``rex``.

Each type is defined once, as in ``_deepmd.py``: its schedule class, its config model and its
builder. Every type here is an extension (DeePMD-kit 3.2 refuses it in its input files).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from ._jax import jax
from ._model import EXTENSION, StopKeys, WarmupKeys, builder, config_type
from ._schedule import leaf, register_schedule
from ._shapes import rex_factor
from ._warmup import WarmupSchedule

__all__ = ["REX", "REXConfig", "rex"]


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

    model_config = ConfigDict(json_schema_extra={"x-extension": True})
    extension_type = True

    type: Literal["rex"] = Field(description=f"The schedule type. {EXTENSION}")

    def build(self, num_steps: int, num_workers: int = 1) -> REX:
        r = self.resolve(num_steps)
        return REX(
            num_steps=num_steps,
            num_workers=num_workers,
            scale_by_worker=r.scale_by_worker,
            start_lr=r.start_lr,
            warmup_steps=r.warmup_steps,
            warmup_start_factor=r.warmup_start_factor,
            warmup_type=r.warmup_type,
            stop_lr=r.resolved_stop_lr(),
        )


rex = builder(REXConfig)

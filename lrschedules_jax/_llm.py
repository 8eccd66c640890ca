"""The schedules of LLM training that neither DeePMD-kit nor torch has: ``rex``.

Every type here is an extension (DeePMD-kit 3.2 refuses it in its input files).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._jax import jax
from ._schedule import schedule_type
from ._shapes import rex_factor
from ._warmup import StopKeys, WarmupSchedule


@schedule_type("rex")
class REX(WarmupSchedule, StopKeys):
    """REX (Chen, Wolfe, Kyrillidis, "REX: Revisiting Budgeted Training", 2022).

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\frac{1 - z}{1 - z / 2}, \\qquad z = t / T

    computed as ``e + (s0 - e) * 2 r / (T + r)`` on the exact remaining steps
    ``r = max(T - t, 0)``; ``stop_lr`` from ``t >= T`` on (``start_lr`` if ``T = 0``).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.rex(start_lr=1.0, stop_lr=0.0, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 25, 50, 75, 100)]
      [1.0, 0.857143, 0.666667, 0.4, 0.0]
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "rex",
        "start_lr": 1e-3,
        "stop_lr": 0.0,
        "warmup_steps": 500,
    }

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return self._anneal(t, dtype, rex_factor)

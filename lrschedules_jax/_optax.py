"""optax transformations that read the learning rate at a global step passed to ``update``.

optax evaluates a schedule at the optimizer's own update count. That count is the global
training step only when one optimizer state is updated once per step. In a multitask run
(one optimizer state per task, each updated only when its task is sampled) or after resuming
with a fresh optimizer state, it is not, and the rate decays at the wrong pace (DeePMD-kit's
JAX trainer had exactly this bug). The transformations here take the global step as an extra
argument instead: ``tx.update(updates, state, params, step=global_step)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from ._errors import ConfigError

__all__ = ["ScaleByScheduleAtStepState", "scale_by_schedule_at_step", "with_global_step"]


def _global_step(extra_args: dict[str, Any], who: str) -> Any:
    """The ``step`` extra argument, checked: a scalar integer (Python, NumPy or JAX)."""
    step = extra_args.get("step")
    if step is None:
        raise TypeError(
            f"`{who}` needs the global training step: call "
            "`tx.update(updates, state, params, step=global_step)`."
        )
    if jnp.ndim(step) != 0:
        raise ConfigError(
            [f"{who}.step: must be a scalar; got an array of shape {jnp.shape(step)}."]
        )
    return step


class ScaleByScheduleAtStepState(NamedTuple):
    """The state of :func:`scale_by_schedule_at_step`.

    Attributes:
      learning_rate: the rate of the last update (the rate at step 0 before any update).
    """

    learning_rate: jax.Array


def scale_by_schedule_at_step(
    schedule: Callable[[Any], jax.Array], *, flip_sign: bool = True
) -> optax.GradientTransformationExtraArgs:
    """Scale updates by ``-schedule(step)``, with ``step`` given to every ``update`` call.

    .. math::
      u \\leftarrow -\\eta(\\mathrm{step})\\, u

    The sign follows :func:`optax.scale_by_learning_rate`: with ``flip_sign=True`` (the
    default) the updates are multiplied by the *negative* rate, so that this is the last link
    of a chain, as in ``optax.chain(optax.scale_by_adam(), scale_by_schedule_at_step(s))``.
    The state keeps no step count; it records the rate of the last update for logging.

    Args:
      schedule: a learning-rate schedule (any callable ``step -> rate``).
      flip_sign: multiply by ``-schedule(step)`` (True) or ``+schedule(step)`` (False).

    Returns:
      An :class:`optax.GradientTransformationExtraArgs`; its ``update`` takes the keyword
      ``step`` (an integer scalar, traced or not).

    Raises:
      TypeError: from ``update``, if ``step`` is not given.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> from lrschedules_jax import cosine
      >>> sched = cosine(start_lr=1.0, stop_lr=0.1, num_steps=10)
      >>> tx = optax.chain(optax.scale_by_adam(), scale_by_schedule_at_step(sched))
      >>> params = jnp.zeros(2)
      >>> state = tx.init(params)
      >>> updates, state = tx.update(jnp.ones(2), state, params, step=5)
      >>> round(float(state[1].learning_rate), 6)
      0.55
    """
    sign = -1.0 if flip_sign else 1.0

    def init_fn(params: Any) -> ScaleByScheduleAtStepState:
        del params
        rate = jnp.asarray(schedule(0))
        return ScaleByScheduleAtStepState(learning_rate=rate.astype(rate.dtype))  # strong type

    def update_fn(
        updates: Any, state: ScaleByScheduleAtStepState, params: Any = None, **extra_args: Any
    ) -> tuple[Any, ScaleByScheduleAtStepState]:
        del params
        rate = jnp.asarray(schedule(_global_step(extra_args, "scale_by_schedule_at_step")))
        rate = rate.astype(state.learning_rate.dtype)
        step_size = sign * rate
        updates = jax.tree.map(lambda u: jnp.asarray(step_size, dtype=u.dtype) * u, updates)
        return updates, ScaleByScheduleAtStepState(learning_rate=rate)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


class _RateAtGlobalStep:
    """An optax stateful schedule that reads the ``step`` extra argument (stateless)."""

    def __init__(self, schedule: Callable[[Any], jax.Array]):
        self.schedule = schedule

    def init(self) -> tuple[()]:
        return ()

    def update(self, state: tuple[()], **extra_args: Any) -> tuple[()]:
        _global_step(extra_args, "with_global_step")  # a missing step fails here, at update
        return state

    def __call__(self, state: tuple[()], **extra_args: Any) -> jax.Array:
        # optax calls this without extra arguments once, in init: the rate at step 0.
        return self.schedule(extra_args.get("step", 0))


def with_global_step(
    optimizer_factory: Callable[..., optax.GradientTransformation],
    schedule: Callable[[Any], jax.Array],
    **kwargs: Any,
) -> optax.GradientTransformationExtraArgs:
    """``optimizer_factory(learning_rate=schedule, **kwargs)``, with the rate read at ``step``.

    Built on :func:`optax.inject_hyperparams`, so it works for every optax optimizer (the rate
    enters wherever the optimizer uses it) and the rate of the last update is in
    ``state.hyperparams["learning_rate"]``. The optimizer's own counters (Adam's bias
    correction) still count this state's updates; only the learning rate follows ``step``.
    ``kwargs`` are passed to the factory as they are (static, not injected).

    Args:
      optimizer_factory: an optax optimizer taking ``learning_rate``, e.g. ``optax.adam``.
      schedule: a learning-rate schedule.
      **kwargs: the optimizer's other arguments.

    Returns:
      An :class:`optax.GradientTransformationExtraArgs` whose ``update`` needs ``step=``.

    Raises:
      TypeError: from ``update``, if ``step`` is not given.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> from lrschedules_jax import cosine
      >>> sched = cosine(start_lr=1.0, stop_lr=0.1, num_steps=10)
      >>> tx = with_global_step(optax.sgd, sched, momentum=0.9)
      >>> params = jnp.zeros(2)
      >>> state = tx.init(params)
      >>> updates, state = tx.update(jnp.ones(2), state, params, step=5)
      >>> round(float(state.hyperparams["learning_rate"]), 6), round(float(updates[0]), 6)
      (0.55, -0.55)
    """
    inject = optax.inject_hyperparams(optimizer_factory, static_args=tuple(kwargs))
    return inject(learning_rate=_RateAtGlobalStep(schedule), **kwargs)

"""Your own schedule types: the public way to add a ``learning_rate`` type.

A type is one class, as every built-in one: a subclass of :class:`WarmupSchedule` (a
``start_lr``, the shared warmup, ``warmup_ratio`` and the large-batch rule), with
:class:`StopKeys` for an end rate, or of :class:`RateSchedule` for a type that brings its own
rising phase. Its keys are fields declared with :func:`leaf` (a float: a rate with
``rate=True``) and :func:`static` (a step count with ``sweep=True``, or a mode), each with its
default, bounds and description; its formula is ``_decay(t, dtype)`` (after the warmup) or
``_value(step, dtype)``; cross-field rules are :meth:`Schedule.rules`, derived keys
:meth:`Schedule.resolve`. :func:`register_type` (or the :func:`schedule_type` decorator) makes
it a ``learning_rate`` type: JSON configs validated with key paths, the JSON Schema, a
keyword-only builder, ``to_config()`` and ``lrs.from_config``, plots, stacks,
``sequence``/``product`` parts, and the command line (through the ``lrschedules_jax.types``
entry point group, whose modules are imported before an unknown type is reported).

This module imports neither JAX nor pydantic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._errors import ConfigError, describe
from ._numerics import Factor, as_float, is_concrete, ratio, step_count
from ._schedule import (
    EXTENSION,
    Rule,
    Schedule,
    derived,
    leaf,
    registered_types,
    schedule_type,
    static,
    unregister,
)
from ._warmup import BatchScaling, RateSchedule, StopKeys, WarmupSchedule, no_stop_hints

__all__ = [
    "EXTENSION",
    "BatchScaling",
    "Factor",
    "RateSchedule",
    "Rule",
    "Schedule",
    "StopKeys",
    "WarmupSchedule",
    "as_float",
    "builder",
    "derived",
    "is_concrete",
    "leaf",
    "no_stop_hints",
    "ratio",
    "register_type",
    "schedule_type",
    "static",
    "step_count",
    "unregister_type",
]


def register_type(schedule_class: type[Schedule], name: str | None = None) -> Callable[..., Any]:
    """Register a ``learning_rate`` type; returns its keyword-only builder.

    Args:
      schedule_class: the schedule, a subclass of :class:`RateSchedule` (usually of
        :class:`WarmupSchedule`) with its keys declared as fields. Made a frozen keyword-only
        dataclass (a pytree) here if it is not one yet.
      name: the JSON name (the ``type`` key); default: the class's ``type_name``.

    Returns:
      The builder ``name(*, <keys>, num_steps, num_workers=1)``, validating as
      ``make_schedule`` does.

    Raises:
      TypeError: if ``schedule_class`` is not a subclass of :class:`Schedule` or ``name`` is
        not a string.
      ConfigError: if the name is a built-in type's or not a printable string of 1 to 80
        characters, or the class is registered under another name already. Registering a
        name again replaces it.

    A full example (a type with its keys, rules and formula, then JSON, the CLI and plots) is
    in the configuration guide ("Your own types") and notebooks/custom_schedule.ipynb.
    """
    if not (isinstance(schedule_class, type) and issubclass(schedule_class, Schedule)):
        raise TypeError(f"`schedule_class` must be a subclass of Schedule; got {schedule_class!r}.")
    if name is None:
        name = schedule_class.__dict__.get("type_name")
        if not name:
            raise TypeError("give the type's name: `register_type(cls, name)`.")
    cls = schedule_type(name)(schedule_class)
    return builder(cls)


def builder(schedule_class: type[Schedule]) -> Callable[..., Any]:
    """The keyword-only builder of a registered type (made on first use; loads pydantic)."""
    from ._model import builder as make

    return make(schedule_class)


def unregister_type(name: str) -> None:
    """Remove a registered user type (a built-in type cannot be removed).

    Raises:
      TypeError: if ``name`` is not a string.
      ConfigError: for a built-in type, or a name no type has.
    """
    if not isinstance(name, str):
        raise TypeError(f"A type name must be a string; got {describe(name, with_type=True)}.")
    types = registered_types()
    if name not in types:
        raise ConfigError([f"type: no type is registered as {describe(name)}."])
    if types[name].builtin:
        raise ConfigError([f"type: {describe(name)} is a built-in type."])
    unregister(name)

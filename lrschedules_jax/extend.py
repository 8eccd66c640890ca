"""Your own schedule types: the public way to add a ``learning_rate`` type.

A type is two classes, as every built-in one (see ``_classic.py``): a schedule (a subclass of
:class:`Schedule` with its float keys as fields and ``_value(step, dtype)``, the formula on the
clamped integer step) and a config model (a subclass of :class:`Model`, or of the shared key
groups :class:`WarmupKeys`, :class:`StopKeys`, with ``type: Literal["name"]``, the keys with
their defaults, bounds and descriptions, optional cross-field ``_rules`` and ``build``).
:func:`register_type` registers them: the type then has JSON configs validated with key paths,
the JSON Schema, ``to_config()``, plots, ``sequence``/``product`` parts, and the command line
(through the ``lrschedules_jax.types`` entry point group, which the config layer imports before
giving up on an unknown type).

This module imports pydantic but not JAX.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._model import _TYPES as _REGISTRY
from ._model import (
    Model,
    Rule,
    StartKey,
    StopKeys,
    WarmupKeys,
    builder,
    config_type,
    registered_types,
)
from ._schedule import Schedule, leaf, register_schedule, static

__all__ = [
    "Model",
    "Rule",
    "Schedule",
    "StartKey",
    "StopKeys",
    "WarmupKeys",
    "leaf",
    "register_type",
    "static",
    "unregister_type",
]


def _builtin_names() -> set[str]:
    from . import config

    config._load_types()
    modules = {f"{__package__}{m}" for m in config._TYPE_MODULES}
    return {n for n, m in registered_types().items() if m.__module__ in modules}


def register_type(model: type[Model], schedule_class: type[Schedule]) -> Callable[..., Any]:
    """Register a ``learning_rate`` type; returns its keyword-only builder.

    Args:
      model: the config model, a subclass of :class:`Model` (or :class:`WarmupKeys`,
        :class:`StopKeys`) with ``type: Literal["name"]`` and a ``build(num_steps,
        num_workers)`` returning a ``schedule_class``.
      schedule_class: the schedule, a subclass of :class:`Schedule` with ``_value(step,
        dtype)``. Made a frozen keyword-only dataclass (a pytree) here if it is not one yet.

    Returns:
      The builder ``name(*, <keys>, num_steps, num_workers=1)``, validating as
      ``make_schedule`` does.

    Raises:
      TypeError: if the classes are not subclasses of :class:`Model` and :class:`Schedule`, or
        ``type`` is not a one-string ``Literal``.
      ValueError: if the name is a built-in type's. Registering a name again replaces it.

    A full example (a type with its keys, rules and formula, then JSON, the CLI and plots) is
    in docs/configuration.md ("Your own types") and notebooks/custom_schedule.ipynb.
    """
    if not (isinstance(model, type) and issubclass(model, Model)):
        raise TypeError(f"`model` must be a subclass of extend.Model; got {model!r}.")
    if not (isinstance(schedule_class, type) and issubclass(schedule_class, Schedule)):
        raise TypeError(f"`schedule_class` must be a subclass of Schedule; got {schedule_class!r}.")
    field = model.model_fields.get("type")
    args = getattr(field.annotation, "__args__", ()) if field is not None else ()
    if len(args) != 1 or not isinstance(args[0], str):
        raise TypeError('`model` must declare `type: Literal["name"]` (one string).')
    if args[0] in _builtin_names():
        raise ValueError(f"`{args[0]}` is a built-in type; choose another name.")
    if "__dataclass_fields__" not in schedule_class.__dict__:
        register_schedule(schedule_class)
    elif not schedule_class.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError("`schedule_class` must be a frozen dataclass (leave it undecorated).")
    config_type(schedule_class)(model)
    return builder(model)


def unregister_type(name: str) -> None:
    """Remove a registered user type (a built-in type cannot be removed).

    Raises:
      ValueError: for a built-in type.
      KeyError: if no type has this name.
    """
    if name in _builtin_names():
        raise ValueError(f"`{name}` is a built-in type.")
    del _REGISTRY[name]

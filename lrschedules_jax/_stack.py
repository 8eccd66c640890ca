"""Stacked sweeps: many schedules of one type as one pytree whose leaves have a leading axis.

:func:`stack` compares the schedules field by field. Float hyperparameters become float64
NumPy arrays (exact: the schedules come back unchanged); a step count or phase ratio declared
``static(sweep=True)`` stays static metadata when every schedule has the same value, and
becomes an integer (or float) array when they differ, which the type's formula takes traced
under ``vmap``; a mode (a ``static`` field without ``sweep``: ``smooth``, ``decay_type``...)
must be the same everywhere. :func:`unstack` and ``stacked[i]`` give the schedules back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ._errors import Problems, describe
from ._jax import LazyPytree, array_types, np

__all__ = ["stack", "take", "unstack"]


def stack(schedules: Sequence[Any]) -> Any:
    """One schedule holding ``schedules`` along a leading axis, for ``jax.vmap``.

    Schedules of one type may differ in any float hyperparameter and in any step count
    (``warmup_steps``, ``num_steps``, ``decay_steps``, ``cycle_steps``, phase lengths...):
    the step counts that differ become int32 leaves, traced under ``vmap``, so a grid over
    integer and float hyperparameters compiles once. Counts that are equal everywhere stay
    static (the compiled program folds them, as for one schedule).

    Calling the result evaluates every schedule: ``stacked(steps)`` has shape
    ``(len(schedules), *steps.shape)``; ``jax.vmap(lambda s: s(steps))(stacked)`` is the same.

    Args:
      schedules: one or more schedules of the same type and the same modes.

    Returns:
      A schedule of that type whose leaves have a leading axis of ``len(schedules)``.

    Raises:
      ConfigError: naming every field that cannot be stacked: different types, a mode that
        differs (``smooth``, ``decay_type``, ``warmup_type``, ``scale_by_worker``...), an
        optional count given in one schedule and not in another, phases of different lengths.
      TypeError: if ``schedules`` is empty or holds something that is not a schedule.

    Examples:
      >>> import jax.numpy as jnp
      >>> import lrschedules_jax as lrs
      >>> grid = [lrs.cosine(start_lr=lr, stop_lr=0.0, num_steps=n, warmup_steps=w)
      ...         for lr in (1e-3, 1e-2) for n in (100, 200) for w in (0, 10)]
      >>> sweep = lrs.stack(grid)
      >>> sweep(jnp.asarray([0, 10, 100])).shape
      (8, 3)
      >>> lrs.unstack(sweep) == grid
      True
    """
    from ._schedule import Schedule, stack_size

    schedules = list(schedules)
    if not schedules:
        raise TypeError("`stack` needs at least one schedule; got none.")
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(f"`schedules[{i}]` must be a Schedule; got {describe(s)}.")
        size = stack_size(s)
        if size is not None:
            raise TypeError(
                f"`schedules[{i}]` is a stacked sweep of {size} schedules: `stack` takes single "
                "schedules (stack the schedules themselves: `lrs.unstack(stacked) + [...]`)."
            )
    problems = Problems()
    stacked = _stack(schedules, "", problems, None)
    problems.raise_if_any()
    return stacked


def _stack(values: list[Any], path: str, problems: Problems, field: Any) -> Any:
    first = values[0]
    if isinstance(first, LazyPytree) and dataclasses.is_dataclass(first):
        kinds = [type(v) for v in values]
        if any(v is None for v in values):  # noise in one schedule, none in another
            _differs(problems, path, values, "an optional part")
            return None
        if any(k is not kinds[0] for k in kinds):
            i = next(i for i, k in enumerate(kinds) if k is not kinds[0])
            problems.add(
                path or "type",
                f"differs: {_kind(first)} in schedules[0], {_kind(values[i])} in schedules[{i}]; "
                "`stack` stacks schedules of one type.",
            )
            return None
        state = {
            f.name: _stack([getattr(v, f.name) for v in values], _join(path, f.name), problems, f)
            for f in dataclasses.fields(first)
        }
        node = object.__new__(type(first))
        node.__dict__.update(state)
        return node
    is_static = field is not None and field.metadata.get("static", False)
    if isinstance(first, tuple) and not is_static:  # sub-schedules (sequence phases, factors)
        if any(len(v) != len(first) for v in values):
            _differs(problems, path, [len(v) for v in values], "the number of items")
            return None
        return tuple(
            _stack([v[i] for v in values], f"{path}[{i}]", problems, None)
            for i in range(len(first))
        )
    if is_static:
        if all(_same(v, first) for v in values):
            return first
        if any(v is None for v in values):  # an optional count given in some schedules only
            _differs(problems, path, values, "an optional part")
            return None
        if field.metadata.get("sweep", False):
            array = _numbers(values)
            if array is not None:
                return array
        _differs(problems, path, values, "a mode")
        return None
    if first is None:
        if any(v is not None for v in values):
            _differs(problems, path, values, "an optional part")
        return None
    array = _numbers(values)
    if array is None:
        problems.add(path, "holds values `stack` cannot stack (numbers or arrays of one shape).")
    return array


def _numbers(values: list[Any]) -> Any:
    """The values as one array with a leading axis: float64 for floats, int32 for counts."""
    if any(isinstance(v, array_types()) for v in values):
        import jax.numpy as jnp

        try:
            return jnp.stack([jnp.asarray(v) for v in values])
        except (TypeError, ValueError):
            return None
    if all(_is_int(v) for v in values):
        return np.asarray([int(v) for v in values], dtype=np.int32)
    if all(isinstance(v, tuple) for v in values) and len({len(v) for v in values}) == 1:
        if all(_is_int(x) for v in values for x in v):
            return np.asarray(values, dtype=np.int32).reshape(len(values), -1)
        return None
    if all(_is_int(v) or isinstance(v, (float, np.floating)) for v in values):
        return np.asarray([float(v) for v in values], dtype=np.float64)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _differs(problems: Problems, path: str, values: list[Any], what: str) -> None:
    i = next((i for i, v in enumerate(values) if not _same(v, values[0])), 1)
    problems.add(
        path,
        f"differs: {describe(values[0])} in schedules[0], {describe(values[i])} in "
        f"schedules[{i}]; it is {what}, which `stack` cannot sweep (stack each value "
        "separately).",
    )


def _kind(value: Any) -> str:
    return getattr(value, "type_name", "") or type(value).__name__


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def unstack(stacked: Any) -> list[Any]:
    """The schedules of a stacked sweep, each equal to the one :func:`stack` was given.

    Raises:
      TypeError: if ``stacked`` is not a stacked schedule.
    """
    from ._schedule import stack_size

    size = stack_size(stacked)
    if size is None:
        raise TypeError("`unstack` needs a stacked schedule (from `lrs.stack`).")
    return [_take(stacked, i, None) for i in range(size)]


def take(stacked: Any, index: int) -> Any:
    """Schedule ``index`` of a stacked sweep (``stacked[index]``)."""
    from ._schedule import stack_size

    size = stack_size(stacked)
    if size is None:
        raise TypeError(
            f"A {_kind(stacked)} schedule is not a stacked sweep: only `lrs.stack(...)[i]` "
            "can be indexed."
        )
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"A stacked sweep is indexed by an int; got {describe(index)}.")
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of range for a stack of {size} schedules.")
    return _take(stacked, int(index) % size, None)


def _take(value: Any, i: int, field: Any) -> Any:
    if isinstance(value, LazyPytree) and dataclasses.is_dataclass(value):
        node = object.__new__(type(value))
        node.__dict__.update(
            {f.name: _take(getattr(value, f.name), i, f) for f in dataclasses.fields(value)}
        )
        return node
    if isinstance(value, tuple):
        return tuple(_take(v, i, None) for v in value)
    if not isinstance(value, array_types()):
        return value  # static, the same for every schedule
    row = np.asarray(value[i])
    if row.ndim == 0:
        return row.item()  # a Python int or float: exactly the value that was stacked
    if field is not None and field.metadata.get("static", False):
        return tuple(int(x) for x in row)  # a static tuple of counts (milestones)
    return row

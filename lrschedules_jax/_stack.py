"""Stacked sweeps: many schedules of one type as one pytree whose leaves have a leading axis.

The field-by-field mechanics of ``lrs.stack``, ``lrs.unstack`` and ``stacked[i]`` (the public
functions are in ``_schedule``). Float hyperparameters become float64 NumPy arrays (exact: the
schedules come back unchanged); a step count or phase ratio declared ``static(sweep=True)``
stays static metadata when every schedule has the same value, and becomes an integer (or
float) array when they differ, which the type's formula takes traced under ``vmap``; a mode (a
``static`` field without ``sweep``: ``smooth``, ``decay_type``...) must be the same everywhere.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._errors import ConfigError, Problems, describe
from ._jax import LazyPytree, array_types, jax, np

__all__ = ["rows", "stack_size", "stack_tree", "take", "unstack_tree"]


def stack_size(tree: Any) -> int | None:
    """The number of schedules in a stacked sweep (the leading axis of its leaves), or None.

    Every float hyperparameter of one schedule is a scalar (only integer fields such as
    ``milestones`` are vectors), so a float leaf with a leading axis marks a stack. Inside
    ``vmap`` the leaves are scalars: the schedule being evaluated is one row.
    """
    return rows(jax.tree.leaves(tree))


def rows(leaves: list[Any]) -> int | None:
    """:func:`stack_size` of already flattened leaves."""
    for x in leaves:
        shape = getattr(x, "shape", ())
        if len(shape) >= 1 and np.issubdtype(x.dtype, np.floating):
            return int(shape[0])
    return None


def stack_tree(values: list[Any]) -> Any:
    """The schedules ``values`` as one, or one ConfigError naming every key that differs in a
    way a stack cannot hold."""
    problems = Problems()
    stacked = _stack(values, "", problems, None)
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
            noisy = [_kind(v) == "noisy" for v in values]
            if noisy[0] != noisy[i]:  # noise keys in some schedules only
                said = ["noise" if x else "none" for x in noisy]
                problems.add(
                    _join(path, "noise"),
                    f"differs: {said[0]} in schedules[0], {said[i]} in schedules[{i}]; it is "
                    "an optional part, which `stack` cannot sweep (stack each value separately).",
                )
                return None
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
        if any(not isinstance(v, tuple) or len(v) != len(first) for v in values):
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


def unstack_tree(stacked: Any) -> list[Any]:
    """The schedules of a stacked sweep (ConfigError for a single schedule)."""
    size = stack_size(stacked)
    if size is None:
        raise ConfigError(
            [f"unstack: a single `{_kind(stacked)}` schedule is not a stacked sweep (`lrs.stack`)."]
        )
    return [_take(stacked, i, None) for i in range(size)]


def take(stacked: Any, index: int) -> Any:
    """Schedule ``index`` of a stacked sweep (``stacked[index]``)."""
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"A stacked sweep is indexed by an int; got {describe(index)}.")
    size = stack_size(stacked)
    if size is None:
        raise ConfigError(
            [
                f"index: a single `{_kind(stacked)}` schedule is not a stacked sweep: only "
                "`lrs.stack(...)[i]` can be indexed."
            ]
        )
    if not -size <= index < size:
        raise ConfigError(
            [f"index: {describe(index)} is out of range for a stack of {size} schedules."]
        )
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

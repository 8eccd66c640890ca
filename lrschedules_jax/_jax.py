"""The one way the package reaches JAX: lazy module proxies and lazy pytree registration.

Schedules, factors and the config layer import this module, not ``jax``: ``jnp.sin`` imports
``jax.numpy`` at its first use, and a schedule class is registered as a pytree when its first
instance is made (instances are the only thing JAX ever flattens). So validating a config, the
command line's ``--help``, ``check`` and ``schema`` never import JAX.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from types import ModuleType
from typing import Any

__all__ = [
    "LazyPytree",
    "array_types",
    "ensure_pytree",
    "hashable",
    "jax",
    "jnp",
    "lax",
    "np",
    "same",
]


class _LazyModule:
    """A stand-in for a module that imports it at the first attribute access."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


jax: Any = _LazyModule("jax")
jnp: Any = _LazyModule("jax.numpy")
lax: Any = _LazyModule("jax.lax")
np: Any = _LazyModule("numpy")

_REGISTERED: set[type] = set()


@functools.cache
def array_types() -> tuple[type, ...]:
    """The types of array values (NumPy and JAX arrays, tracers), as opposed to static numbers."""
    import numpy

    return (numpy.ndarray, jax.Array, jax.core.Tracer)


def ensure_pytree(cls: type) -> None:
    """Register the dataclass ``cls`` as a pytree once: ``static`` fields are metadata.

    A ``static(sweep=True)`` field (a step count, a phase ratio) is metadata while it holds a
    Python number, and a leaf while it holds an array: ``lrs.stack`` makes it an array when the
    stacked schedules differ in it, and under ``vmap`` it is then a traced scalar. Classes
    without such fields use JAX's dataclass registration as is.
    """
    if cls in _REGISTERED:
        return
    fields = dataclasses.fields(cls)
    data = tuple(f.name for f in fields if not f.metadata.get("static"))
    meta = tuple(f.name for f in fields if f.metadata.get("static"))
    sweep = tuple(f.name for f in fields if f.metadata.get("sweep"))
    _REGISTERED.add(cls)
    if not sweep:
        jax.tree_util.register_dataclass(cls, data_fields=list(data), meta_fields=list(meta))
        return
    keys = {name: jax.tree_util.GetAttrKey(name) for name in data + sweep}
    arrays = array_types()

    def flatten(obj: Any) -> tuple[list[Any], tuple[Any, ...]]:
        swept = tuple(n for n in sweep if isinstance(getattr(obj, n), arrays))
        children = [getattr(obj, n) for n in data + swept]
        return children, (swept, tuple(getattr(obj, n) for n in meta if n not in swept))

    def flatten_with_keys(obj: Any) -> tuple[list[Any], tuple[Any, ...]]:
        children, aux = flatten(obj)
        return list(zip([keys[n] for n in data + aux[0]], children, strict=True)), aux

    def unflatten(aux: tuple[Any, ...], children: Any) -> Any:
        swept, values = aux
        obj = object.__new__(cls)
        state = obj.__dict__
        state.update(zip(data + swept, children, strict=True))
        state.update(zip([n for n in meta if n not in swept], values, strict=True))
        return obj

    jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)


class LazyPytree:
    """A base for dataclasses registered as pytrees when their first instance is made.

    Instances compare equal when they have the same type and equal fields (arrays of a stacked
    sweep compared by value), and hash accordingly (make the dataclass with ``eq=False`` to
    keep these).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        ensure_pytree(cls)
        return super().__new__(cls)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return same(self, other)

    def __hash__(self) -> int:
        return hash(hashable(self))


@functools.cache
def _compared(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.compare)


def same(a: Any, b: Any) -> bool:
    """``a == b`` for field values: dataclasses field by field, arrays by value."""
    arrays = array_types()
    if isinstance(a, arrays) or isinstance(b, arrays):
        return hashable(a) == hashable(b)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        if type(a) is not type(b):
            return False
        return all(same(getattr(a, n), getattr(b, n)) for n in _compared(type(a)))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def hashable(x: Any) -> Any:
    """A hashable stand-in of a field value (an array by its dtype, shape and bytes)."""
    if isinstance(x, array_types()):
        array = np.asarray(x)
        return (array.dtype.str, array.shape, array.tobytes())
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x), *(hashable(getattr(x, n)) for n in _compared(type(x))))
    if isinstance(x, tuple):
        return tuple(hashable(v) for v in x)
    return x

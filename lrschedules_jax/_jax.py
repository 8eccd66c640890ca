"""The one way the package reaches JAX: lazy module proxies and lazy pytree registration.

Schedules, factors and the config layer import this module, not ``jax``: ``jnp.sin`` imports
``jax.numpy`` at its first use, and a schedule class is registered as a pytree when its first
instance is made (instances are the only thing JAX ever flattens). So validating a config, the
command line's ``--help``, ``check`` and ``schema`` never import JAX.
"""

from __future__ import annotations

import dataclasses
import importlib
from types import ModuleType
from typing import Any

__all__ = ["LazyPytree", "ensure_pytree", "jax", "jnp", "lax", "np"]


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


def ensure_pytree(cls: type) -> None:
    """Register the dataclass ``cls`` as a pytree once: ``static`` fields are metadata."""
    if cls in _REGISTERED:
        return
    fields = dataclasses.fields(cls)
    jax.tree_util.register_dataclass(
        cls,
        data_fields=[f.name for f in fields if not f.metadata.get("static")],
        meta_fields=[f.name for f in fields if f.metadata.get("static")],
    )
    _REGISTERED.add(cls)


class LazyPytree:
    """A base for dataclasses registered as pytrees when their first instance is made."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        ensure_pytree(cls)
        return super().__new__(cls)

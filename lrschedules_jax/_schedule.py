"""The Schedule base (the call contract: evaluation, pytree, ``to_config()``), the field
declarations every type states its keys with, the type registry, and the schedules that wrap
schedules (``Product``, ``Sequential``, ``Shifted``, ``Noisy``), which live beside the base so that
``s * 0.5``, ``s.shifted(k)`` and ``stacked[i]`` need no import from a layer above.

A type is one frozen, keyword-only dataclass. Its fields state everything a key has, once:
the default, the bounds, the description, the kind (a rate or another float leaf, a step count
that a stacked sweep may vary, a mode) and whether DeePMD-kit knows it. ``InitVar`` fields are
keys that only derive others (``stop_lr_ratio``, ``warmup_ratio``). The config layer generates
the pydantic model, the JSON Schema and the builder from these declarations; this module
imports neither pydantic nor (until a schedule is made) JAX.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import math
import numbers
import operator
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from ._errors import ConfigError, Problems, close_match, describe, key_text
from ._jax import LazyPytree, array_types, jax, jnp, lax, np
from ._numerics import (
    F32_MAX,
    F32_TINY,
    INT32_MAX,
    as_float,
    as_jax_integer,
    as_step,
    float_dtype,
    int_dtype,
    is_concrete,
    ldexp_exact,
    pow2,
)
from ._stack import rows, stack_size, stack_tree, take, unstack_tree

__all__ = [
    "EXTENSION",
    "Noise",
    "Noisy",
    "Product",
    "Rule",
    "Schedule",
    "Sequential",
    "Shifted",
    "both_given",
    "check_keys",
    "checked",
    "declared",
    "derived",
    "key_fields",
    "leaf",
    "rate_names",
    "rate_problems",
    "registered_types",
    "schedule_type",
    "stack",
    "static",
    "to_json",
    "unstack",
    "worker_scale",
]

_S = TypeVar("_S", bound="Schedule")
Rule = tuple[str, str]  # (the key a problem concerns, the message)

#: How the description of an extension key (one DeePMD-kit 3.2 refuses) starts.
EXTENSION = "Extension (not DeePMD-kit 3.2)."

_BOUNDS = {
    "gt": (operator.gt, ">"),
    "ge": (operator.ge, ">="),
    "lt": (operator.lt, "<"),
    "le": (operator.le, "<="),
}

# ---- Field declarations ------------------------------------------------------------------------

#: How every schedule class is made: frozen, keyword-only, and comparing and hashing by the
#: base's array-safe ``__eq__`` and ``__hash__``.
schedule_class = dataclasses.dataclass(frozen=True, kw_only=True, eq=False)


def _field(default: Any, metadata: dict[str, Any], **kwargs: Any) -> Any:
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


def leaf(
    default: Any = dataclasses.MISSING,
    *,
    description: str = "",
    rate: bool = False,
    omit_default: bool = False,
    extension: bool = False,
    **bounds: float,
) -> Any:
    """A float key that is a pytree leaf (it may be traced, and stacked for a sweep).

    Args:
      default: the default (a key without one is required).
      description: what the key means, for the JSON Schema, the builder's docstring and the
        docs' key tables.
      rate: a learning rate: the formula is homogeneous of degree 1 in the rates, which must
        be normal float32 numbers (0 aside) and are folded with the worker scale and product
        constants before the formula.
      omit_default: leave the key out of ``to_config()`` while it has its default.
      extension: a key DeePMD-kit 3.2 does not know (refused in its input files).
      **bounds: ``gt``, ``ge``, ``lt``, ``le``: checked by the config layer and when a schedule
        is made.
    """
    metadata = {
        "description": description,
        "rate": rate,
        "omit_default": omit_default,
        "extension": extension,
        "bounds": bounds,
    }
    return _field(default, metadata)


def static(
    default: Any = dataclasses.MISSING,
    *,
    description: str = "",
    sweep: bool = False,
    omit_default: bool = False,
    extension: bool = False,
    extension_values: Sequence[str] = (),
    items: Mapping[str, float] | None = None,
    min_length: int | None = None,
    internal: bool = False,
    **bounds: float,
) -> Any:
    """A key that is static pytree metadata: a step count (``sweep=True``) or a mode.

    A ``sweep`` key (a step count, a phase ratio) may differ between the schedules
    :func:`stack` stacks: it then holds an array (a leaf), and the formula takes it traced. A
    key without ``sweep`` is a mode (``smooth``, ``decay_type``): stacking refuses to mix values.

    Args:
      default: the default (a key without one is required).
      description: what the key means (the JSON Schema, the builder's docstring, the docs).
      sweep: a count or ratio a stacked sweep may vary.
      omit_default: leave the key out of ``to_config()`` while it has its default.
      extension: a key DeePMD-kit 3.2 does not know (refused in its input files).
      extension_values: the values of a mode that DeePMD-kit 3.2 does not know.
      items: for a list of counts (``milestones``): the bounds of each item.
      min_length: for a list: the fewest items.
      internal: not a key: a value the type records when it is made (an argument, but left
        out of configs).
      **bounds: ``gt``, ``ge``, ``lt``, ``le``, as for :func:`leaf`.
    """
    metadata = {
        "internal": internal,
        "static": True,
        "sweep": sweep,
        "description": description,
        "omit_default": omit_default,
        "extension": extension,
        "extension_values": tuple(extension_values),
        "items": dict(items or {}),
        "min_length": min_length,
        "bounds": bounds,
    }
    return _field(default, metadata)


def derived(*, node: bool = False) -> Any:
    """A value a type computes from its keys when it is made: not a key, not an argument, left
    out of ``to_config()`` and the repr.

    By default a step count (static and sweepable like the counts it comes from: wsd's decay
    length, one_cycle's rise). ``node=True``: a pytree child (a :class:`Factor` holding a key's
    float32-exact logarithm pair).
    """
    metadata = {"internal": True, "static": not node, "sweep": not node}
    return dataclasses.field(init=False, repr=False, metadata=metadata)


_INITVAR = dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]


@functools.cache
def declared(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields and ``InitVar`` inputs of a dataclass, in order (no ``ClassVar``)."""
    return tuple(
        f
        for f in cls.__dataclass_fields__.values()  # type: ignore[attr-defined]
        if f._field_type in (dataclasses._FIELD, _INITVAR)  # type: ignore[attr-defined]
    )


@functools.cache
def key_fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The key declarations of a schedule class, in order: its fields and ``InitVar`` keys."""
    return tuple(
        f
        for f in declared(cls)
        if f.name != "num_steps" and not f.metadata.get("internal") and f.init
    )


@functools.cache
def _inputs(cls: type) -> tuple[str, ...]:
    """The names of the ``InitVar`` keys of ``cls``, in the order ``__post_init__`` gets them."""
    return tuple(f.name for f in declared(cls) if f._field_type is _INITVAR)  # type: ignore[attr-defined]


@functools.cache
def annotations(cls: type) -> dict[str, Any]:
    """The resolved annotations of ``cls``'s fields (``InitVar[X]`` as ``X``)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return {
        name: hint.type if isinstance(hint, dataclasses.InitVar) else hint
        for name, hint in hints.items()
    }


@functools.cache
def _field_checks(cls: type) -> tuple[tuple[str, tuple[Any, ...], tuple[Any, ...]], ...]:
    """Per field or input of ``cls`` with a check: its name, its choices (a ``Literal``), its
    bounds."""
    hints = annotations(cls)
    out = []
    for f in declared(cls):
        choices = _choices(hints.get(f.name))
        bounds = tuple((*_BOUNDS[b], limit) for b, limit in f.metadata.get("bounds", {}).items())
        if choices or bounds:
            out.append((f.name, choices, bounds))
    return tuple(out)


def _choices(hint: Any) -> tuple[Any, ...]:
    """The values of a ``Literal`` annotation (or of ``Literal[...] | None``), else ()."""
    if typing.get_origin(hint) is typing.Literal:
        return typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if typing.get_origin(arg) is typing.Literal:
                return typing.get_args(arg)
    return ()


# ---- The registry --------------------------------------------------------------------------------

_TYPES: dict[str, type[Schedule]] = {}
#: The longest type name: a name is shown whole in messages (``unknown type ...; did you mean``).
MAX_NAME = 80


def schedule_type(
    name: str, *, extension: bool = True, config_name: str | None = None
) -> Callable[[type[_S]], type[_S]]:
    """Register a schedule class as the ``learning_rate`` type ``name``.

    The class becomes a frozen keyword-only dataclass (a pytree from its first instance on);
    the config layer derives its pydantic model (``config_name``, default the class name plus
    ``Config``), its JSON Schema and its builder ``lrs.<name>(...)`` from its declarations.

    Args:
      name: the JSON name (the ``type`` key).
      extension: False only for the types DeePMD-kit 3.2 knows (``exp``, ``cosine``, ``wsd``).
      config_name: the name of the generated config model.

    Raises:
      TypeError: if ``name`` is not a string, or the class is not a dataclass that can be
        made frozen.
      ConfigError: if ``name`` is a built-in type's, is not a printable string of 1 to
        :data:`MAX_NAME` characters (every message names the type), or the class is
        registered under another name already.
    """

    def register(cls: type[_S]) -> type[_S]:
        if "__dataclass_fields__" not in cls.__dict__:
            cls = schedule_class(cls)
        elif not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"`{cls.__name__}` must be a frozen dataclass (leave it undecorated).")
        if not isinstance(name, str):
            raise TypeError(f"A type name must be a string; got {describe(name, with_type=True)}.")
        if not 1 <= len(name) <= MAX_NAME or not name.isprintable() or key_text(name) != name:
            raise ConfigError(
                [
                    f"type: a type name must be a printable string of 1 to {MAX_NAME} "
                    f"characters (messages name the type); got {describe(name)}."
                ]
            )
        owner = cls.__dict__.get("type_name")
        if owner and _TYPES.get(owner) is cls and owner != name:
            raise ConfigError(
                [
                    f"type: `{cls.__name__}` is registered as the type `{owner}` already; a "
                    "class is one type (subclass it to register another)."
                ]
            )
        if name in _TYPES and _TYPES[name].builtin and _TYPES[name] is not cls:
            raise ConfigError([f"type: `{name}` is a built-in type; choose another name."])
        cls.type_name = name
        cls.extension_type = extension
        cls.config_name = config_name or f"{cls.__name__}Config"
        cls.builtin = cls.__module__.startswith(__package__ + ".")  # type: ignore[operator]
        _TYPES[name] = cls
        return cls

    return register


def registered_types() -> dict[str, type[Schedule]]:
    """The registered schedule types, by JSON name (those of the modules imported so far)."""
    return dict(_TYPES)


def unregister(name: str) -> None:
    """Remove a registered user type (see ``lrschedules_jax.extend.unregister_type``)."""
    del _TYPES[name]


# ---- The base ------------------------------------------------------------------------------------

#: Set while the config layer makes a schedule from keys it has resolved and checked already.
_CHECKED = contextvars.ContextVar("lrschedules_jax_checked", default=False)


@contextlib.contextmanager
def checked() -> Iterator[None]:
    """Make schedules from resolved keys the config layer has checked: no second check."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def _one_schedule(boundaries: Any) -> Any:
    """``boundaries`` refusing a stacked sweep, whose schedules may change phase at different
    steps (each type's ``boundaries`` does Python arithmetic on its counts)."""

    @functools.wraps(boundaries)
    def wrapper(self: Schedule) -> dict[str, int]:
        size = stack_size(self)
        if size is not None:
            raise ConfigError(
                [
                    f"boundaries: a stacked sweep of {size} schedules may change phase at "
                    "different steps; ask one schedule (`stacked[i].boundaries()`, or each of "
                    "`lrs.unstack(stacked)`)."
                ]
            )
        return boundaries(self)

    return wrapper


_SMALL = -60  # a peak below 2**_SMALL is moved to [0.5, 1) before the formula


@schedule_class
class Schedule(LazyPytree):
    """A schedule: a callable ``step -> value`` and a JAX pytree.

    Subclasses are frozen keyword-only dataclasses (:func:`schedule_type` makes and registers
    them) that implement ``_value(step, dtype)``: the value at the step, given as a clamped
    integer array. Keys are declared with :func:`leaf` and :func:`static`; making a schedule
    resolves its derived keys (:meth:`resolve`) and checks every bound and cross-field rule
    (:meth:`rules`), raising one :class:`~lrschedules_jax.ConfigError` listing every problem.

    Attributes:
      num_steps: the number of training steps (DeePMD-kit's ``training.numb_steps``).
    """

    #: The JSON name, set by :func:`schedule_type` (composites and wrappers set their own).
    type_name: ClassVar[str] = ""
    extension_type: ClassVar[bool] = True
    config_name: ClassVar[str] = ""
    builtin: ClassVar[bool] = True
    #: Why a key the type does not have is not one (shown after "is not a key of type ...").
    key_hints: ClassVar[dict[str, str]] = {}
    #: The fewest training steps the type can run (DeePMD-kit's types accept 0).
    min_num_steps: ClassVar[int] = 0
    #: An example configuration (for the gallery, the JSON Schema's ``examples`` and tests).
    example: ClassVar[dict[str, Any]] = {}

    num_steps: int = static(ge=0, le=INT32_MAX, sweep=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "boundaries" in cls.__dict__:  # every type's boundaries refuses a stacked sweep
            cls.boundaries = _one_schedule(cls.__dict__["boundaries"])  # type: ignore[method-assign]

    def __post_init__(self, *inputs: Any) -> None:
        """Resolve the derived keys, then check every bound and rule (one ConfigError)."""
        cls = type(self)
        if _CHECKED.get():  # resolved and checked by the config layer
            self._derive()
            return
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        values.update(zip(_inputs(cls), inputs, strict=True))
        if not any(
            f.metadata.get("sweep") and isinstance(values[f.name], array_types())
            for f in dataclasses.fields(self)
            if f.init
        ):  # a stacked sweep's counts are arrays: its rows were checked when they were made
            resolved = check_keys(cls, values, self.num_steps, f"{cls.__name__}.")
            for name, value in resolved.items():
                if name in self.__dataclass_fields__ and getattr(self, name) is not value:
                    object.__setattr__(self, name, value)
        self._derive()

    def _derive(self) -> None:
        """Set the :func:`derived` fields from the (checked) keys; none by default."""

    @classmethod
    def input_rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        """The problems of the keys as written, ``v`` (keys that failed are absent): keys that
        exclude each other, a missing one of two. ``num_steps`` may be None."""
        return iter(())

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        """The keys with every derived value made concrete, from the keys as written (which
        passed :meth:`input_rules`): ``stop_lr`` from ``stop_lr_ratio``, ``warmup_steps`` from
        ``warmup_ratio``... ``num_steps`` may be None (then a value it derives stays None)."""
        return dict(v)

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        """The cross-field problems of the resolved keys ``v`` (keys that failed are absent)."""
        return iter(())

    @classmethod
    def notes(
        cls, v: Mapping[str, Any], section: Mapping[str, Any], schedule: Any
    ) -> dict[str, str]:
        """Where the derived values ``lrschedules-jax show`` prints come from, by key, for the
        keys ``v`` as written (the ``section``) and the schedule built from them."""
        return {}

    def __call__(self, step: Any) -> jax.Array:
        """The value at ``step`` (an int, or an integer array of any shape).

        Returns a strongly typed float32 array (float64 under x64) of the step's shape.

        Called eagerly (outside ``jit``, ``vmap`` or ``grad``, with concrete hyperparameters),
        the schedule runs one compiled function, cached per schedule: the first eager call
        costs what a first jitted call costs (one compilation, instead of one per primitive),
        and the hyperparameters stay folded in float64 as in a jitted closure. Under a
        transformation it is traced like any JAX function. A stacked sweep evaluates every row.
        """
        leaves = jax.tree.leaves(self)  # flattened once: this is every eager call's path
        stacked = rows(leaves) is not None
        if stacked and _optimizer_calls(sys._getframe(1)):
            raise ConfigError(
                [
                    f"learning_rate: a stacked sweep of {rows(leaves)} schedules gives one rate "
                    "per schedule at each step, and an optimizer takes one: train under "
                    "`jax.vmap` (`jax.vmap(train, in_axes=(0, None))(stacked, params)`, each "
                    "row one schedule), or give the optimizer one schedule (`stacked[i]`)."
                ]
            )
        if isinstance(step, jax.core.Tracer) or any(isinstance(x, jax.core.Tracer) for x in leaves):
            if stacked:  # a stacked schedule closed over in a jit
                return jax.vmap(lambda s: s(step))(self)
            return self._evaluate(step)
        step = _host_step(step)
        if stacked:  # a stacked sweep: one row per schedule
            return _call_rows()(self, step)
        compiled = _compiled(self)
        if compiled is None:  # a schedule holding arrays: traced eagerly
            return self._evaluate(step)
        return compiled(step)

    def _times(self, step: Any, value: jax.Array) -> jax.Array:
        """``value`` (an array of the step's shape) times the value at ``step``: how a product
        multiplies in its later factors. A product (in a shifted, noisy or sequence schedule
        too) multiplies ``value`` in right after its own first factor, so that its factors'
        product is never formed below float32's normal range when ``value`` brings it back (a
        constant 1e30 times two factors at 1e-20)."""
        return value * self._evaluate(step)

    def _evaluate(self, step: Any, scale: Any = 1.0) -> jax.Array:
        """``scale`` times the value at ``step``, as JAX operations (traced or eager).

        Every learning-rate formula is homogeneous of degree 1 in its rate keys (declared
        ``leaf(rate=True)``): it runs on the rates times ``scale`` (the worker scale, a product's
        constant), so no rate below 1.2e-38 is flushed to 0 before a scale that would make it
        normal, and no rate past float32's maximum is formed. When every rate is below 2**-60,
        they are also multiplied by 2**-j (the peak in [0.5, 1)) and the result by 2**j,
        exactly: slopes such as start_lr / warmup_steps and differences of rates then stay
        normal float32 numbers. The result is clipped to the peak: a sum that rounds past
        float32's maximum is the peak (unless the type rises above its rates: ``_below_peak``).
        A type without rate keys multiplies its value by ``scale``.
        """
        dtype = float_dtype()
        names = rate_names(type(self))
        rates = {k: getattr(self, k) for k in names}
        if dtype == jnp.float64 or not rates:
            lr = self._value(as_step(step), dtype)
            if is_concrete(scale) and scale == 1.0:
                return lr
            return _times(lr, scale, dtype)
        if is_concrete(scale) and float(scale) == 0.0:  # a product's factor 0: rates of 0
            return jnp.zeros(jnp.shape(as_step(step)), dtype)  # (no 0 / 0 in the formula)
        if is_concrete(scale, *rates.values()):
            rates = {k: float(v) * float(scale) for k, v in rates.items()}
            top = math.frexp(max(rates.values()))[1]
            j = top if top < _SMALL else 0
            peak = max(rates.values())
            scaled = {k: math.ldexp(v, -j) for k, v in rates.items()}
        else:  # traced (a jit argument, a stacked sweep): the same, in a few integer ops
            rates = {k: as_float(v, dtype) for k, v in rates.items()}
            if not (is_concrete(scale) and scale == 1.0):
                factor = _scale_parts(scale, dtype)
                rates = {k: factor(v) for k, v in rates.items()}
            peak = functools.reduce(jnp.maximum, rates.values())
            # frexp's exponent of a normal peak, from its bits; j is 0 or in [-125, -61], so
            # 2**-j and 2**j are each one exact float32 factor.
            top = ((lax.bitcast_convert_type(peak, jnp.int32) >> 23) & 0xFF) - 126
            j = jnp.where(top < _SMALL, top, 0)
            down = pow2(-j)
            scaled = {k: v * down for k, v in rates.items()}
        lr = self._with(**scaled)._value(as_step(step), dtype)
        if not is_concrete(j):
            lr = jnp.where(peak > 0, lr * pow2(j), 0.0)  # a traced scale of 0: 0, not 0 / 0
        elif j != 0:
            lr = ldexp_exact(lr, j)
        return jnp.minimum(lr, as_float(peak, dtype)) if self._below_peak() else lr

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        raise NotImplementedError

    def _below_peak(self) -> bool:
        """Whether the value never exceeds the largest rate key, so that a float32 sum rounding
        past it is clipped to it: true of every decay; a rising factor (``gamma > 1``) is not."""
        return True

    @_one_schedule
    def boundaries(self) -> dict[str, int]:
        """The steps where the schedule changes phase, by name (for plots and tables).

        Raises:
          ConfigError: for a stacked sweep (ask ``stacked[i].boundaries()``).
        """
        return {"end": self.num_steps}

    @property
    def num_workers(self) -> int:
        """The number of data-parallel workers this schedule is scaled for: 1, unless it is a
        :class:`Product` with the worker scale (what ``make_schedule(..., num_workers=n)``
        returns for a section that scales)."""
        return 1

    def to_config(self) -> dict[str, Any]:
        """The JSON-ready ``learning_rate`` mapping that rebuilds this schedule.

        ``lrs.from_config(s.to_config(), s.num_steps, num_workers=s.num_workers) == s``.

        Raises:
          ConfigError: for a stacked sweep (ask ``stacked[i].to_config()``).
        """
        _single(self, "to_config")
        config: dict[str, Any] = {"type": self.type_name}
        for f in key_fields(type(self)):
            if f.name not in self.__dataclass_fields__ or f.name in _inputs(type(self)):
                continue
            value = getattr(self, f.name)
            if f.metadata.get("omit_default") and (
                value is f.default or (isinstance(value, (str, int, float)) and value == f.default)
            ):
                continue
            config[f.name] = to_json(value, f.name)
        return config

    def _with(self: _S, **changes: Any) -> _S:
        """A copy with some fields replaced, without ``__post_init__`` (for traced values)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__, **changes)
        return new

    def replace(self: _S, **changes: Any) -> _S:
        """A copy with some keys replaced, resolved and checked as when it was made.

        Raises:
          ConfigError: for a name that is not a key of the type (with the closest one), or a
            value the type refuses.
        """
        _known_keys(type(self), changes)
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def __getitem__(self, index: int) -> Schedule:
        """Schedule ``index`` of a stacked sweep (:func:`stack`).

        Its fields are Python numbers again: it equals the schedule that was stacked, and
        ``to_config()`` works on it.

        Raises:
          TypeError: if ``index`` is not an int.
          ConfigError: if this schedule is not stacked, or ``index`` is out of range.
        """
        return take(self, index)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        """The number of schedules of a stacked sweep.

        Raises:
          TypeError: for a single schedule (it has no length).
        """
        size = stack_size(self)
        if size is None:
            raise TypeError(f"A single `{_kind(self)}` schedule has no len(); a stack has.")
        return size

    def __iter__(self) -> Iterator[Schedule]:
        """The schedules of a stacked sweep, in order (see :func:`unstack`)."""
        return iter(unstack(self))

    def __mul__(self, other: Any) -> Any:
        """``s * x`` (a number >= 0 or a schedule): a :class:`Product`."""
        if not _is_factor(other):
            return NotImplemented
        return product(self, other)

    def __rmul__(self, other: Any) -> Any:
        """``x * s``: the same product as ``s * x``."""
        if isinstance(other, Schedule) or not _is_factor(other):
            return NotImplemented
        return product(other, self)

    def shifted(self, start_step: int) -> Shifted:
        """This schedule from global step ``start_step`` on: ``shifted(k)(s) == self(s + k)``.

        For resuming with a fresh optimizer state (whose step count restarts at 0) at global
        step ``start_step``. The shift is integer arithmetic on the clamped step, saturating at
        ``2**31 - 1`` (no overflow); a negative ``start_step`` delays the schedule, which then
        holds its step-0 value for the first ``-start_step`` steps. Shifts of one sign compose
        into one. The result is a pytree (the shift is static; :func:`stack` makes shifts that
        differ an int32 leaf, traced), jits and vmaps like ``self``; its ``to_config()`` is the
        JSON type ``shifted``, which ``lrs.from_config`` rebuilds.

        Args:
          start_step: the global step that local step 0 stands for, an int in
            ``[-(2**31 - 1), 2**31 - 1]``.

        Returns:
          A :class:`Shifted` schedule.

        Raises:
          TypeError: if ``start_step`` is not an int.
          ConfigError: if it is out of range.

        Examples:
          >>> import lrschedules_jax as lrs
          >>> sched = lrs.cosine(start_lr=1.0, stop_lr=0.1, num_steps=10)
          >>> float(sched.shifted(4)(1)) == float(sched(5))
          True
        """
        if isinstance(start_step, (bool, np.bool_)) or not isinstance(
            start_step, (int, np.integer)
        ):
            raise TypeError(f"`start_step` must be an int; got {describe(start_step)}.")
        return Shifted(schedule=self, start_step=int(start_step), num_steps=self.num_steps)


@functools.cache
def rate_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("rate"))


def _times(value: jax.Array, scale: Any, dtype: Any) -> jax.Array:
    """``value * scale`` for a scale that may be tiny or huge (never flushed before use)."""
    return _scale_parts(scale, dtype)(value)


def _scale_parts(scale: Any, dtype: Any) -> Callable[[jax.Array], jax.Array]:
    """A function multiplying by ``scale`` (a float, or a traced array in a stack): in float32
    by its mantissa, then by its power of 2 exactly, so a scale outside float32 still applies."""
    if dtype == jnp.float64:
        factor = as_float(scale, dtype)
        return lambda x: x * factor
    if is_concrete(scale):
        mant, expo = math.frexp(float(scale))
        if expo == 0:
            return lambda x: x * as_float(mant, dtype)
        return lambda x: ldexp_exact(x * as_float(mant, dtype), expo)
    mant, expo = jnp.frexp(jnp.asarray(scale))
    mant = mant.astype(dtype)
    return lambda x: ldexp_exact(x * mant, expo.astype(jnp.int32))


def check_keys(cls: Any, values: dict[str, Any], num_steps: Any, prefix: str) -> dict[str, Any]:
    """``values`` (the keys of ``cls`` as written) resolved, after checking every declared
    bound and choice, the input rules, and the rules of the resolved keys: one ConfigError with
    every problem, each on ``prefix + key``."""
    problems = Problems()
    check_bounds(cls, values, problems, prefix)
    resolved = values
    if not problems:
        for key, message in cls.input_rules(values, num_steps):
            problems.add(prefix + key, message + ".")
    if not problems:
        resolved = cls.resolve(values, num_steps)
        check_bounds(cls, resolved, problems, prefix)
    if not problems:
        for key, message in cls.rules(resolved, num_steps):
            problems.add(prefix + key, message + ".")
    if not problems and hasattr(cls, "rates"):  # a learning-rate type: its rates in float32
        scale, what = cls.rate_factor(resolved)
        for key, message in rate_problems(cls, cls.rates(resolved), resolved, scale, what):
            problems.add(prefix + key, message)
    problems.raise_if_any()
    return resolved


def rate_problems(
    cls: type,
    rates: Mapping[str, tuple[str, Any]],
    values: Mapping[str, Any],
    scale: float = 1.0,
    what_scale: str = "",
    low_scale: float | None = None,
) -> Iterator[Rule]:
    """The float32 check of a type's rates, the one every entry point applies: ``(key,
    message)`` for each positive rate that is not a normal float32 number once multiplied.

    ``rates`` is ``cls.rates(values)`` (``{key: (what, rate)}``, derived rates included:
    ``start_lr * stop_lr_ratio``, ``one_cycle``'s lowest rate). Every rate key's value times
    ``scale`` (what multiplies the rates: the worker scale, the large-batch factor, a product's
    constant, ``1 + noise_pct``; named ``what_scale``) must be at most float32's largest number,
    and each positive rate times ``low_scale`` (default ``scale``) at least its smallest normal
    number (XLA flushes smaller ones to 0 on the CPU). A factor that is not a rate
    (``warmup_start_factor``) is checked unscaled.
    """
    low = scale if low_scale is None else low_scale
    fields = {f.name: f for f in declared(cls)}
    times = f"times the {what_scale} " if what_scale else ""
    for key, (what, rate) in rates.items():
        f = fields.get(key)
        is_rate = f is None or f.metadata.get("static") or f.metadata.get("rate")
        factor = low if is_rate else 1.0
        value = values.get(key)
        if not isinstance(rate, (int, float)):  # an array: a stacked sweep, checked by row
            continue
        if 0 < rate * factor < F32_TINY:
            scaled = f" {times}({factor:g})" if factor != 1.0 else ""
            yield (
                key,
                f"{what}{scaled} must be 0 or at least {F32_TINY:.7g} (the smallest normal "
                f"float32); got {describe(rate)}.".lstrip(),
            )
        elif isinstance(value, (int, float)) and is_rate and value * scale > F32_MAX:
            scaled = f"{times}({scale:g}) " if what_scale else ""
            yield (
                key,
                f"{scaled}must be at most {F32_MAX:.7g} (the largest float32); got "
                f"{describe(value)}.",
            )


def scaled_peak(schedule: Schedule, scale: float, problems: Problems, path: str) -> float | None:
    """The largest value ``scale`` times ``schedule`` reaches, from its rates (None if not
    known: a stacked sweep, a type without rate keys), after adding a problem (at ``path``)
    for each of its rates that ``scale`` takes out of float32's normal range: the float32
    check of a schedule built from Python (a product's constant times its first factor's
    rates, the noise's ``1 + noise_pct``), as the config layer checks a section."""
    if isinstance(schedule, Shifted):
        return scaled_peak(schedule.schedule, scale, problems, path)
    if isinstance(schedule, Noisy):
        peak = scaled_peak(schedule.schedule, scale, problems, path)
        pct = schedule.noise.noise_pct
        return None if peak is None or not is_concrete(pct) else peak * (1 + float(pct))
    if isinstance(schedule, Sequential):
        peaks = [
            scaled_peak(phase, scale, problems, f"{path}phases[{i}].")
            for i, phase in enumerate(schedule.phases)
        ]
        return None if None in peaks else max(peaks)  # type: ignore[type-var]
    if isinstance(schedule, Product):
        c = schedule.constant
        if not is_concrete(c):
            return None
        first = scale * float(c) * schedule.worker_scale
        peaks = [scaled_peak(schedule.factors[0], first, problems, f"{path}factors[0].")]
        peaks += [
            scaled_peak(f, 1.0, problems, f"{path}factors[{i}].")
            for i, f in enumerate(schedule.factors[1:], 1)
        ]
        return None if None in peaks else math.prod(peaks)  # type: ignore[arg-type]
    cls = type(schedule)
    rates = getattr(cls, "rates", None)
    names = rate_names(cls)
    values = {f.name: getattr(schedule, f.name) for f in dataclasses.fields(schedule) if f.init}
    if rates is None or not names or not all(is_concrete(values[n]) for n in names):
        return None
    block = getattr(schedule, "batch_scaling", None)
    total = scale * (block.factor if block is not None else 1.0)
    names_of = ["product's constant and worker scale"] if scale != 1.0 else []
    names_of += ["large-batch factor"] if block is not None else []
    what = " times the ".join(names_of)
    for key, message in rate_problems(cls, rates(values), values, total, what):
        problems.add(f"{path}{key}", message)
    return max(float(values[n]) for n in names if values[n] is not None) * total


def check_bounds(cls: type, values: Mapping[str, Any], problems: Problems, prefix: str) -> None:
    """Add a problem for each concrete value outside its declared bounds or choices."""
    for name, choices, bounds in _field_checks(cls):
        value = values.get(name)
        if value is None or isinstance(value, array_types()):
            continue
        if choices and value not in choices:
            problems.add(f"{prefix}{name}", f"must be one of {choices}; got {describe(value)}.")
            continue
        if not bounds:
            continue
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(  # (a config's values are typed by its model before this)
                f"`{prefix}{name}` must be a real number; got {describe(value, with_type=True)}."
            )
        for compare, op, limit in bounds:
            if not compare(value, limit):
                problems.add(
                    f"{prefix}{name}", f"must be {op} {_limit(limit)}; got {describe(value)}."
                )
                break


def both_given(key: str, a: str, b: str, va: Any, vb: Any) -> Rule:
    """The problem of two keys that exclude each other, reported on ``key``."""
    given = f"{a}={describe(va)}, {b}={describe(vb)}"
    return key, f"`{a}` and `{b}` are mutually exclusive; got both ({given})"


def _known_keys(cls: type, changes: Mapping[str, Any]) -> None:
    """A ConfigError naming each of ``changes`` that is not an argument of ``cls``."""
    names = [f.name for f in declared(cls) if f.init]
    unknown = [k for k in changes if k not in names]
    if unknown:
        problems = Problems()
        for key in unknown:
            close = close_match(key, names)
            hint = f"did you mean `{close}`?" if close else f"keys: {', '.join(names)}."
            problems.add(
                f"{cls.__name__}.{key_text(key)}", f"is not a key of `{cls.__name__}`; {hint}"
            )
        problems.raise_if_any()


def _limit(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _single(schedule: Schedule, what: str) -> None:
    size = stack_size(schedule)
    if size is not None:
        raise ConfigError(
            [
                f"{what}: a stacked sweep of {size} schedules holds one value per schedule; ask "
                f"one schedule (`stacked[i].{what}()`, or each of `lrs.unstack(stacked)`)."
            ]
        )


def _kind(value: Any) -> str:
    return getattr(value, "type_name", "") or type(value).__name__


def _is_factor(x: Any) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    return isinstance(x, (Schedule, int, float, np.integer, np.floating))


def to_json(value: Any, name: str) -> Any:
    """A field's value as JSON; a ConfigError for a stacked sweep's array."""
    if isinstance(value, (bool, str, int, float)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [to_json(v, name) for v in value]
    if dataclasses.is_dataclass(value) and hasattr(value, "config"):
        return value.config()
    array = np.asarray(value)
    if array.ndim != 0:
        raise ConfigError(
            [
                f"{name}: holds an array of shape {array.shape} (a stacked sweep): "
                "`to_config()` needs a single schedule."
            ]
        )
    return array.item()


# ---- Evaluation helpers -------------------------------------------------------------------------


@functools.cache
def _call_rows() -> Any:
    """Every row of a stacked sweep at ``step``: one jitted function for every eager call of a
    stack (its cache is keyed by the stack's structure and static fields, as for any jit).
    Made on first use: importing the config layer does not import JAX."""
    return jax.jit(jax.vmap(lambda s, t: s(t), in_axes=(0, None)))


#: How many schedules keep a compiled eager function (the least recently used goes first).
COMPILED_CACHE_SIZE = 256


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _compiled_for(schedule: Schedule) -> Any:
    return jax.jit(schedule._evaluate)


def _compiled(schedule: Schedule) -> Any:
    """The jitted ``schedule._evaluate`` (equal schedules share it), or None if unhashable."""
    try:
        return _compiled_for(schedule)
    except TypeError:  # a field holds an array
        return None


def _optimizer_calls(frame: Any) -> bool:
    """Whether the function that called a schedule is an optimizer's (optax's, or this
    package's optax transformations), which needs one rate per step."""
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return name == "optax" or name.startswith("optax.") or name == "lrschedules_jax._optax"


def _host_step(step: Any) -> Any:
    """``step`` clamped on the host where that is exact, so the compiled function sees the same
    integer the traced path computes: a Python int beyond int32 saturates; a NumPy integer is
    first converted as JAX converts a jit argument (an int64 wraps to int32 without x64), so
    ``s(np.int64(k))`` equals ``jax.jit(s)(np.int64(k))``."""
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"A step must be an integer, got the boolean {step!r}.")
    if isinstance(step, np.integer):
        step = as_jax_integer(step)
    if isinstance(step, (int, np.integer)) or (
        isinstance(step, np.ndarray) and step.ndim == 0 and np.issubdtype(step.dtype, np.integer)
    ):
        return np.asarray(min(max(int(step), 0), INT32_MAX), dtype=int_dtype())
    if isinstance(step, np.ndarray) and np.issubdtype(step.dtype, np.integer):
        return np.clip(as_jax_integer(step), 0, INT32_MAX).astype(int_dtype())
    return step


def worker_scale(scale_by_worker: str, num_workers: int) -> float:
    """The factor every rate is multiplied by: ``num_workers``, its square root, or 1."""
    if scale_by_worker == "linear":
        return float(num_workers)
    if scale_by_worker == "sqrt":
        return math.sqrt(num_workers)
    return 1.0


# ---- Stacks --------------------------------------------------------------------------------------


def stack(schedules: Sequence[Any]) -> Any:
    """One schedule holding ``schedules`` along a leading axis, for ``jax.vmap``.

    Schedules of one type may differ in any float hyperparameter and in any step count
    (``warmup_steps``, ``num_steps``, ``decay_steps``, ``cycle_steps``, phase lengths...):
    the step counts that differ become int32 leaves, traced under ``vmap``, so a grid over
    integer and float hyperparameters compiles once. Counts that are equal everywhere stay
    static (the compiled program folds them, as for one schedule).

    Calling the result evaluates every schedule: ``stacked(steps)`` has shape
    ``(len(schedules), *steps.shape)``; ``jax.vmap(lambda s: s(steps))(stacked)`` is the same.
    ``len(stacked)`` is the number of schedules, ``stacked[i]`` gives one back.

    Args:
      schedules: one or more schedules of the same type and the same modes.

    Returns:
      A schedule of that type whose leaves have a leading axis of ``len(schedules)``.

    Raises:
      ConfigError: naming every key that cannot be stacked: different types, a mode that
        differs (``smooth``, ``decay_type``, ``warmup_type``, ``scale_by_worker``...), an
        optional count given in one schedule and not in another, phases of different lengths;
        or if ``schedules`` is empty or holds a stacked sweep.
      TypeError: if ``schedules`` holds something that is not a schedule.

    Examples:
      >>> import jax.numpy as jnp
      >>> import lrschedules_jax as lrs
      >>> grid = [lrs.cosine(start_lr=lr, stop_lr=0.0, num_steps=n, warmup_steps=w)
      ...         for lr in (1e-3, 1e-2) for n in (100, 200) for w in (0, 10)]
      >>> sweep = lrs.stack(grid)
      >>> len(sweep), sweep(jnp.asarray([0, 10, 100])).shape
      (8, (8, 3))
      >>> lrs.unstack(sweep) == grid
      True
    """
    schedules = list(schedules)
    if not schedules:
        raise ConfigError(["stack.schedules: must hold at least one schedule; got none."])
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(f"`schedules[{i}]` must be a Schedule; got {describe(s)}.")
        size = stack_size(s)
        if size is not None:
            raise ConfigError(
                [
                    f"stack.schedules[{i}]: is a stacked sweep of {size} schedules: `stack` "
                    "takes single schedules (stack the schedules themselves: "
                    "`lrs.unstack(stacked) + [...]`)."
                ]
            )
    stacked = stack_tree(schedules)
    _traceable_constants(stacked, schedules)
    return stacked


def _traceable_constants(stacked: Any, schedules: list[Schedule]) -> None:
    """A ConfigError if products whose constants differ hold one that a traced float32 cannot
    (0 < c < 1.2e-38, c > 3.4e38): stacked, the constants are a leaf, traced in float32."""
    nodes = [(stacked, "")]
    while nodes:
        node, path = nodes.pop()
        if isinstance(node, Product) and not is_concrete(node.constant):
            c = np.asarray(node.constant, np.float64)
            bad = (c != 0) & ((np.abs(c) < F32_TINY) | (np.abs(c) > F32_MAX))
            if bad.any():
                i = int(np.argmax(bad))
                raise ConfigError(
                    [
                        f"{path}constant: differs between the products, so a stack traces it in "
                        f"float32, which cannot hold {describe(float(c[i]))} (schedules[{i}]); "
                        "stack products of one constant, or fold it into the first factor's "
                        "rates."
                    ]
                )
        for name, part in (("factors", "factors"), ("phases", "phases")):
            for i, child in enumerate(getattr(node, part, ()) or ()):
                nodes.append((child, f"{path}{name}[{i}]."))
        inner = getattr(node, "schedule", None)
        if isinstance(inner, Schedule):
            nodes.append((inner, f"{path}schedule."))


def unstack(stacked: Schedule) -> list[Schedule]:
    """The schedules of a stacked sweep, each equal to the one :func:`stack` was given.

    Raises:
      TypeError: if ``stacked`` is not a schedule.
      ConfigError: if it is a single schedule, not a stacked sweep.
    """
    if not isinstance(stacked, Schedule):
        raise TypeError(f"`stacked` must be a Schedule; got {describe(stacked, with_type=True)}.")
    return unstack_tree(stacked)  # type: ignore[no-any-return]


# ---- Wrappers and composites ---------------------------------------------------------------------


@schedule_class
class Shifted(Schedule):
    """A schedule read from a global step on; made by :meth:`Schedule.shifted`.

    .. math::
      \\mathrm{lr}(s) = \\mathrm{schedule}(\\mathrm{clip}(s + k, 0, 2^{31} - 1))

    Its JSON form is the type ``shifted``: ``{"type": "shifted", "start_step": k,
    "schedule": {...}}``, the shift being a position in the run the inner section describes.

    Attributes:
      schedule: the original schedule (a pytree child: its float hyperparameters stay leaves).
      start_step: the shift ``k`` (static; an int32 leaf in a stacked sweep of schedules
        resumed at different steps, traced under ``vmap``).
    """

    type_name: ClassVar[str] = "shifted"
    example: ClassVar[dict[str, Any]] = {
        "type": "shifted",
        "start_step": 3000,
        "schedule": {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 500},
    }

    schedule: Schedule
    start_step: int = static(
        0,
        ge=-INT32_MAX,
        le=INT32_MAX,
        sweep=True,
        description="The global step that the schedule's step 0 stands for (negative: a delay).",
    )

    def _shift(self, step: Any) -> Any:
        """The wrapped schedule's step."""
        step = as_step(step)
        k = self.start_step
        if not is_concrete(k):  # traced: both cases below in one expression, no overflow
            k = jnp.asarray(k).astype(step.dtype)
            up, down = jnp.maximum(k, 0), jnp.minimum(k, 0)
            return jnp.minimum(step, INT32_MAX - up) + up + down
        if k > 0:  # min(step, MAX - k) + k never leaves [k, MAX]: no overflow
            return jnp.minimum(step, INT32_MAX - k) + k
        if k < 0:  # step + k >= -MAX: no overflow; the wrapped schedule clamps at 0
            return step + k
        return step

    def _evaluate(self, step: Any, scale: Any = 1.0) -> jax.Array:
        return self.schedule._evaluate(self._shift(step), scale)

    def _times(self, step: Any, value: jax.Array) -> jax.Array:
        return self.schedule._times(self._shift(step), value)

    def shifted(self, start_step: int) -> Shifted:
        outer = Schedule.shifted(self, start_step)  # validates start_step
        k1, k2 = self.start_step, outer.start_step
        # Saturating shifts of one sign compose exactly; a stacked sweep's shifts (an array)
        # nest instead.
        if is_concrete(k1) and k1 * k2 >= 0:
            total = min(max(k1 + k2, -INT32_MAX), INT32_MAX)
            return Schedule.shifted(self.schedule, total)
        return outer

    def boundaries(self) -> dict[str, int]:
        """The original's phase boundaries in local steps (those not passed yet), and its end
        (0 once passed)."""
        marks = {
            name: b - self.start_step
            for name, b in self.schedule.boundaries().items()
            if name != "end" and 0 <= b - self.start_step <= INT32_MAX
        }
        marks["end"] = min(max(self.num_steps - self.start_step, 0), INT32_MAX)
        return marks

    @property
    def num_workers(self) -> int:
        return self.schedule.num_workers

    def to_config(self) -> dict[str, Any]:
        """``{"type": "shifted", "start_step": k, "schedule": <the original's config>}``."""
        _single(self, "to_config")
        return {
            "type": "shifted",
            "start_step": self.start_step,
            "schedule": self.schedule.to_config(),
        }


@schedule_class
class Noise(LazyPytree):
    """timm's multiplicative LR noise (an extension): ``lr * (1 + noise(seed, step))`` for
    ``start <= step < end`` (no end: ``noise_range_steps`` a single step), deterministic in
    ``(seed, step)`` (timm's ``noise_range_t``, ``noise_pct``, ``noise_std``, ``noise_type``,
    ``noise_seed``).

    The range, type and seed are static; ``noise_pct`` and ``noise_std`` are leaves
    (sweepable); ``start`` and ``end`` may differ in a stacked sweep when every schedule has an
    end or none has.
    """

    noise_range_steps: dataclasses.InitVar[int | tuple[int, ...] | None] = static(
        None,
        description="timm's `noise_range_t`: multiplicative LR noise for the global steps "
        "`start <= step < end` (`[start, end]`) or `step >= start` (a number), "
        "`0 <= start < end <= 2**31 - 1`. Not given: no noise.",
        extension=True,
    )
    noise_pct: float = leaf(
        0.67,
        gt=0,
        lt=1,
        description="The noise bound, in (0, 1): `|noise| < noise_pct`.",
        extension=True,
    )
    noise_std: float = leaf(
        1.0,
        gt=0,
        le=1e6,
        description="The standard deviation of the `normal` noise before it is bounded.",
        extension=True,
    )
    noise_type: typing.Literal["normal", "uniform"] = static(
        "normal",
        description="`normal` (a normal conditioned on `|noise| < noise_pct`) or `uniform` "
        "(in `[-noise_pct, noise_pct)`).",
        extension=True,
    )
    noise_seed: int = static(
        42,
        ge=0,
        lt=2**32,
        description="The noise seed: the noise depends only on (seed, step).",
        extension=True,
    )
    start: int = derived()
    end: int | None = derived()

    def __post_init__(self, noise_range_steps: Any) -> None:
        problems = Problems()
        check_bounds(Noise, self.__dict__, problems, "Noise.")
        if noise_range_steps is None:  # a copy (dataclasses.replace) keeps its range
            problems.raise_if_any()
            return
        span = (noise_range_steps,) if isinstance(noise_range_steps, int) else noise_range_steps
        try:
            span = tuple(span)
        except TypeError:
            span = ()
        if len(span) not in (1, 2) or not all(
            isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= INT32_MAX for x in span
        ):
            problems.add(
                "Noise.noise_range_steps",
                f"must be a step or a pair [start, end] of steps in [0, {INT32_MAX}]; got "
                f"{describe(noise_range_steps)}.",
            )
        elif len(span) == 2 and span[0] >= span[1]:
            problems.add(
                "Noise.noise_range_steps",
                f"must have start < end; got {describe(list(span))}.",
            )
        problems.raise_if_any()
        object.__setattr__(self, "start", span[0])
        object.__setattr__(self, "end", span[1] if len(span) == 2 else None)

    def config(self) -> dict[str, Any]:
        """The ``noise_*`` keys of a ``learning_rate`` section."""
        span: Any = self.start if self.end is None else [self.start, self.end]
        return {
            "noise_range_steps": to_json(span, "noise_range_steps"),
            "noise_pct": to_json(self.noise_pct, "noise_pct"),
            "noise_std": to_json(self.noise_std, "noise_std"),
            "noise_type": self.noise_type,
            "noise_seed": self.noise_seed,
        }

    def factor(self, step: jax.Array, dtype: Any) -> jax.Array:
        """``1 + noise`` inside the range, exactly 1 outside."""
        from ._shapes import noise_factor

        return noise_factor(
            step,
            seed=self.noise_seed,
            pct=self.noise_pct,
            std=self.noise_std,
            noise_type=self.noise_type,
            start=self.start,
            end=self.end,
            dtype=dtype,
        )


@schedule_class
class Noisy(Schedule):
    """A schedule times timm's LR noise (the ``noise_*`` keys of any section).

    .. math::
      \\mathrm{lr}(s) = \\mathrm{schedule}(s)\\,(1 + \\epsilon(\\mathrm{seed}, s))
      \\quad (\\mathrm{start} \\le s < \\mathrm{end})

    Attributes:
      schedule: the schedule without noise.
      noise: the :class:`Noise`.
    """

    type_name: ClassVar[str] = "noisy"

    schedule: Schedule
    noise: Noise

    def __post_init__(self) -> None:
        """The noisy rate stays finite: the schedule's peak times ``1 + noise_pct``."""
        problems = Problems()
        peak = scaled_peak(self, 1.0, problems, "noisy.")
        if peak is not None and peak > F32_MAX:
            problems.add(
                "noisy.noise_pct",
                f"the schedule's peak times 1 + noise_pct ({peak:.7g}) must be at most "
                f"{F32_MAX:.7g} (the largest float32).",
            )
        problems.raise_if_any()

    def _noisy(self, step: Any, value: jax.Array) -> jax.Array:
        return value * self.noise.factor(as_step(step), value.dtype)

    def _evaluate(self, step: Any, scale: Any = 1.0) -> jax.Array:
        return self._noisy(step, self.schedule._evaluate(step, scale))

    def _times(self, step: Any, value: jax.Array) -> jax.Array:
        return self._noisy(step, self.schedule._times(step, value))

    def boundaries(self) -> dict[str, int]:
        return self.schedule.boundaries()

    @property
    def num_workers(self) -> int:
        return self.schedule.num_workers

    def to_config(self) -> dict[str, Any]:
        """The schedule's config with the ``noise_*`` keys."""
        _single(self, "to_config")
        return {**self.schedule.to_config(), **self.noise.config()}


@schedule_class
class Product(Schedule):
    """The product of schedules, a constant factor and the worker scale.

    .. math::
      \\mathrm{lr}(s) = c\\, k \\prod_i \\mathrm{factor}_i(s)

    Made by ``s * 0.5``, ``0.5 * s``, ``s1 * s2``, :func:`product`, the JSON type ``product``,
    and by the builders and ``make_schedule`` for a section that scales with ``num_workers > 1``
    workers (DeePMD-kit's ``scale_by_worker``: ``k`` is ``num_workers``, its square root or 1,
    by the ``scale_by_worker`` of the one factor that scales). PyTorch's ``ChainedScheduler``
    multiplies its schedulers' factors the same way. ``c k`` is folded into the first factor's
    rates in float64 before its formula, so no constant is rounded or flushed on its own; the
    value so far is multiplied into a nested product (in a shifted, noisy or sequence factor
    too) right after that product's first factor, so a large constant meets small factors
    before they meet each other (``1e30`` times two factors at ``1e-20`` is ``1e-10``, not a
    flushed 0).

    Attributes:
      factors: the schedules (pytree children).
      constant: the constant factor ``c``: static, so that a jitted product folds it in
        float64 like the other constants (as a float32 leaf, 1e-50 was 0 under ``jit``); a
        float64 array (a leaf, traced) only in a stack of products whose constants differ,
        which must then be normal float32 numbers.
      workers: the number of data-parallel workers (static).
    """

    type_name: ClassVar[str] = "product"
    example: ClassVar[dict[str, Any]] = {
        "type": "product",
        "factors": [
            {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5},
            {"type": "step", "start_lr": 1.0, "step_size": 2500, "gamma": 0.5},
        ],
    }

    factors: tuple[Schedule, ...]
    constant: Any = static(1.0, sweep=True)
    workers: int = static(1, ge=1, le=INT32_MAX)

    def __post_init__(self) -> None:
        if not self.factors:
            raise ConfigError(["product: needs at least one schedule."])
        if self.workers > 1 and sum(_scales(f) for f in self.factors) > 1:
            raise ConfigError(
                [
                    "product: two factors scale with the workers (the rate would be scaled "
                    'twice); build every factor but one with scale_by_worker="none".'
                ]
            )
        problems = Problems()
        peak = scaled_peak(self, 1.0, problems, "product.")
        if peak is not None and peak > F32_MAX:
            problems.add(
                "product",
                f"the product of the factors' peaks ({peak:.7g}) must be at most {F32_MAX:.7g} "
                "(the largest float32).",
            )
        problems.raise_if_any()

    @property
    def num_workers(self) -> int:
        return max(self.workers, *(f.num_workers for f in self.factors))

    def __getattr__(self, name: str) -> Any:
        """A schedule scaled by the workers reads like the schedule it scales: its keys
        (``start_lr``), properties and methods (``momentum_schedule()``) are the factor's."""
        if name.startswith("__") or "factors" not in self.__dict__:
            raise AttributeError(name)
        if self._scaled_only():
            return getattr(self.factors[0], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def replace(self, **changes: Any) -> Product:
        """A copy with some fields replaced; for a schedule scaled by the workers, the keys of
        the schedule it scales (``s.replace(start_lr=...)``)."""
        own = {k: v for k, v in changes.items() if k in self.__dataclass_fields__}
        keys = {k: v for k, v in changes.items() if k not in own}
        if keys and self._scaled_only():
            factor = self.factors[0].replace(**keys)
            own = {"factors": (factor,), "num_steps": factor.num_steps, **own}
        elif keys:
            _known_keys(type(self), keys)
        return dataclasses.replace(self, **own)

    @property
    def worker_scale(self) -> float:
        """``k``: the worker scale of the factor that scales (1 if none does)."""
        for f in self.factors:
            mode = _scaling_mode(f)
            if mode != "none":
                return worker_scale(mode, self.workers)
        return 1.0

    def _first(self, step: Any, scale: Any) -> jax.Array:
        """The first factor at ``step``, its rates times ``scale``, the constant and ``k``."""
        k = self.worker_scale
        c = self.constant
        if is_concrete(c, scale):
            total: Any = float(c) * float(scale) * k
        else:
            total = jnp.asarray(c, jnp.float64 if _x64() else jnp.float32) * scale * k
        return self.factors[0]._evaluate(step, total)

    def _rest(self, step: Any, value: jax.Array) -> jax.Array:
        """``value`` times the factors after the first, each multiplying it in."""
        for factor in self.factors[1:]:
            value = factor._times(step, value)
        return value

    def _evaluate(self, step: Any, scale: Any = 1.0) -> jax.Array:
        step = as_step(step)
        return self._rest(step, self._first(step, scale))

    def _times(self, step: Any, value: jax.Array) -> jax.Array:
        step = as_step(step)
        return self._rest(step, value * self._first(step, 1.0))

    def boundaries(self) -> dict[str, int]:
        """Every factor's boundaries, named ``factors[i].name`` (a worker-scaled schedule: its
        own)."""
        if self._scaled_only():
            return self.factors[0].boundaries()
        marks: dict[str, int] = {}
        for i, factor in enumerate(self.factors):
            for name, b in factor.boundaries().items():
                if name != "end" and b < self.num_steps:
                    marks[f"factors[{i}].{name}"] = b
        marks["end"] = self.num_steps
        return marks

    def _scaled_only(self) -> bool:
        """A schedule times the worker scale only (what a builder returns). A product of one
        schedule and no worker scale is not: its config is a ``product`` section, so that
        ``from_config(p.to_config())`` gives the product back."""
        return (
            self.workers > 1
            and len(self.factors) == 1
            and is_concrete(self.constant)
            and float(self.constant) == 1.0
            and self.factors[0].num_steps == self.num_steps
        )

    def to_config(self) -> dict[str, Any]:
        """``{"type": "product", "factors": [constant, *factor configs]}``, or the section of
        a schedule that is scaled by the workers only.

        Raises:
          ConfigError: if a factor's ``num_steps`` differs from the product's, or for a
            stacked sweep.
        """
        _single(self, "to_config")
        if self._scaled_only():
            return self.factors[0].to_config()
        factors: list[Any] = []
        constant = float(to_json(self.constant, "constant"))
        if constant != 1.0:
            factors.append(constant)
        for i, f in enumerate(self.factors):
            if f.num_steps != self.num_steps:
                raise ConfigError(
                    [
                        f"factors[{i}]: has num_steps={f.num_steps}, the product "
                        f"{self.num_steps}: `to_config()` needs every factor built with the same "
                        "num_steps."
                    ]
                )
            factors.append(f.to_config())
        return {"type": "product", "factors": factors}


def _x64() -> bool:
    return bool(jax.config.jax_enable_x64)


def _scaling_mode(schedule: Schedule) -> str:
    """The ``scale_by_worker`` a schedule scales by (``none`` for one without the key; a
    composite's: the one mode its parts scale by)."""
    if isinstance(schedule, (Shifted, Noisy)):
        return _scaling_mode(schedule.schedule)
    if isinstance(schedule, (Product, Sequential)):
        parts = schedule.factors if isinstance(schedule, Product) else schedule.phases
        modes = {_scaling_mode(p) for p in parts} - {"none"}
        return modes.pop() if len(modes) == 1 else ("none" if not modes else "mixed")
    return getattr(schedule, "scale_by_worker", "none")


def _scales(schedule: Schedule) -> bool:
    return _scaling_mode(schedule) != "none"


def product(*factors: Schedule | float) -> Product:
    """The product of schedules and numbers (what ``s * x`` and ``x * s`` return).

    Products flatten (``(a * b) * c`` has three factors) and the numbers multiply into one
    constant. ``num_steps`` is the largest of the factors'.

    Raises:
      TypeError: if a factor is neither a schedule nor a real number.
      ConfigError: for a number that is negative, not finite or beyond float64, no schedule at
        all, different numbers of workers, two factors that scale with the workers, a stack
        mixed with a single schedule (or stacks of different sizes), or a constant that takes
        the first factor's rates (or the product of the peaks) out of float32's normal range.
    """
    schedules: list[Schedule] = []
    constant: Any = 1.0
    for f in factors:
        if isinstance(f, Product) and f.workers == 1:  # a worker-scaled product stays a factor
            schedules += f.factors
            c = f.constant  # a float64 array in a stack of products
            constant = constant * (float(c) if np.ndim(c) == 0 else np.asarray(c, np.float64))
        elif isinstance(f, Schedule):
            schedules.append(f)
        elif _is_factor(f):
            try:
                value = float(f)
            except OverflowError:
                value = math.inf
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(
                    [f"product: a constant factor must be finite and >= 0; got {describe(f)}."]
                )
            constant = constant * value
        else:
            raise TypeError(f"a factor must be a Schedule or a number; got {describe(f)}.")
    if not schedules:
        raise ConfigError(["product: needs at least one schedule."])
    if np.ndim(constant) == 0 and not math.isfinite(float(constant)):
        raise ConfigError(["product: the constant factors multiply past float64's range."])
    _stack_size(schedules, "factors", "product")
    counts = [s.num_steps for s in schedules]
    if all(isinstance(n, (int, np.integer)) for n in counts):
        num_steps: Any = max(int(n) for n in counts)
    else:  # stacks whose lengths differ
        num_steps = np.asarray(np.max(np.broadcast_arrays(*counts), axis=0), np.int32)
    return Product(factors=tuple(schedules), constant=constant, num_steps=num_steps)


def _stack_size(parts: Sequence[Schedule], name: str, kind: str) -> int | None:
    """The stack size shared by ``parts`` (None: single schedules); ConfigError for a mix."""
    sizes = [stack_size(p) for p in parts]

    def said(size: int | None) -> str:
        return "a single schedule" if size is None else f"a stacked sweep of {size} schedules"

    for i, size in enumerate(sizes):
        if size != sizes[0]:
            raise ConfigError(
                [
                    f"{kind}.{name}[{i}]: is {said(size)} and {name}[0] {said(sizes[0])}: the "
                    f"parts of a {kind} are single schedules, or stacks of one size (or stack "
                    f"{kind}s of single schedules: `lrs.stack([...])`)."
                ]
            )
    return sizes[0]


@schedule_class
class Sequential(Schedule):
    """Phases one after the other, each read at its local step.

    .. math::
      \\mathrm{lr}(s) = \\mathrm{phase}_i(s - b_i) \\quad \\text{for } b_i \\le s < b_{i+1}

    with ``b_0 = 0`` and ``b_1 < b_2 < ...`` the ``boundaries`` (global steps). The last phase
    runs on to the end; a value may jump at a boundary. Made by :func:`sequence` or the JSON
    type ``sequence``.

    Attributes:
      phases: the phase schedules (pytree children).
      starts: the global step where each phase after the first starts (static; an int32
        array in a stacked sweep of sequences with as many phases, traced under ``vmap``).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> warm = lrs.constant(start_lr=1.0, warmup_steps=10, num_steps=12)
      >>> decay = lrs.cosine(start_lr=0.5, stop_lr=0.0, num_steps=88)
      >>> s = lrs.sequence([warm, decay], boundaries=[12])
      >>> [round(float(s(k)), 6) for k in (5, 11, 12, 56)]
      [0.5, 1.0, 0.5, 0.25]
    """

    type_name: ClassVar[str] = "sequence"
    example: ClassVar[dict[str, Any]] = {
        "type": "sequence",
        "phases": [
            {"steps": 3000, "type": "constant", "start_lr": 1e-3, "warmup_steps": 500},
            {"type": "cosine", "start_lr": 5e-4, "stop_lr": 1e-5},
        ],
    }

    phases: tuple[Schedule, ...]
    starts: tuple[int, ...] = static((), sweep=True)

    def _select(self, step: Any, value_of: Any) -> Any:
        """``value_of(phase, its step)`` of the phase that holds ``step``."""
        step = as_step(step)
        starts = self.starts
        if not isinstance(starts, tuple):  # traced (a stacked sweep): integers of the step's type
            starts = jnp.asarray(starts).astype(step.dtype)
        value = value_of(self.phases[0], step)
        for i, phase in enumerate(self.phases[1:]):
            start = starts[i]
            # step - start >= -(2**31 - 1): no overflow; the phase clamps a negative step at 0
            value = jnp.where(step >= start, value_of(phase, step - start), value)
        return value

    def _evaluate(self, step: Any, scale: Any = 1.0) -> Any:
        return self._select(step, lambda phase, t: phase._evaluate(t, scale))

    def _times(self, step: Any, value: jax.Array) -> jax.Array:
        return self._select(step, lambda phase, t: phase._times(t, value))

    @property
    def num_workers(self) -> int:
        return max(p.num_workers for p in self.phases)

    def boundaries(self) -> dict[str, int]:
        """Each phase's start (``phases[i]``) and its own boundaries (``phases[i].name``)."""
        marks: dict[str, int] = {}
        begins = (0, *self.starts)
        for i, (begin, phase) in enumerate(zip(begins, self.phases, strict=True)):
            if i:
                marks[f"phases[{i}]"] = begin
            stop = begins[i + 1] if i + 1 < len(begins) else self.num_steps
            for name, b in phase.boundaries().items():
                if name != "end" and begin + b < stop:
                    marks[f"phases[{i}].{name}"] = begin + b
        marks["end"] = self.num_steps
        return marks

    def to_config(self) -> dict[str, Any]:
        """``{"type": "sequence", "phases": [{"steps": ..., **phase.to_config()}, ...]}``.

        Raises:
          ConfigError: if a phase's ``num_steps`` is not its length in the sequence (the
            config builds each phase with its length), or for a stacked sweep.
        """
        _single(self, "to_config")
        begins = (0, *self.starts)
        ends = (*self.starts, self.num_steps)
        phases = []
        for i, (phase, begin, end) in enumerate(zip(self.phases, begins, ends, strict=True)):
            if phase.num_steps != end - begin:
                raise ConfigError(
                    [
                        f"phases[{i}]: runs for {end - begin} steps but was built with "
                        f"num_steps={phase.num_steps}: `to_config()` needs each phase built with "
                        "its length."
                    ]
                )
            config = phase.to_config()
            phases.append(config if i == len(self.phases) - 1 else {"steps": end - begin, **config})
        return {"type": "sequence", "phases": phases}


def sequence(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Sequential:
    """Schedules one after the other: ``schedules[i]`` read at ``step - boundaries[i-1]``.

    As optax's ``join_schedules(schedules, boundaries)`` and PyTorch's
    ``SequentialLR(schedulers, milestones)``, but the result is a schedule (a pytree with
    ``to_config()``, plots with its boundaries marked). ``num_steps`` of the result is
    ``boundaries[-1] + schedules[-1].num_steps``.

    Raises:
      TypeError: if a schedule is not a :class:`Schedule` or a boundary is not an int.
      ConfigError: for no schedule, a wrong number of boundaries, boundaries not increasing
        from 1, different numbers of workers, or a stack mixed with a single schedule (or
        stacks of different sizes).
    """
    schedules = tuple(schedules)
    boundaries = tuple(boundaries)
    if not schedules:
        raise ConfigError(["sequence.schedules: must hold at least one schedule; got none."])
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(f"`schedules[{i}]` must be a Schedule; got {describe(s)}.")
    for i, b in enumerate(boundaries):
        if isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, np.integer)):
            raise TypeError(f"`boundaries[{i}]` must be an int; got {describe(b)}.")
    boundaries = tuple(int(b) for b in boundaries)
    if len(boundaries) != len(schedules) - 1:
        raise ConfigError(
            [
                f"sequence.boundaries: must hold one step fewer than `schedules` "
                f"({len(schedules) - 1}); got {len(boundaries)}."
            ]
        )
    previous = 0
    for i, b in enumerate(boundaries):
        if not previous < b <= INT32_MAX:
            raise ConfigError(
                [
                    f"sequence.boundaries: must increase strictly from 1 to at most "
                    f"{INT32_MAX}; boundaries[{i}] is {describe(b)}."
                ]
            )
        previous = b
    workers = {s.num_workers for s in schedules}
    if len(workers) > 1:
        raise ConfigError(
            [
                "sequence.schedules: every schedule must have the same number of workers; got "
                f"{sorted(workers)}."
            ]
        )
    _stack_size(schedules, "schedules", "sequence")
    last = schedules[-1].num_steps  # an int32 array in a stack whose lengths differ
    if isinstance(last, (int, np.integer)):
        total: Any = min(previous + int(last), INT32_MAX)
    else:
        total = np.minimum(previous + np.asarray(last, np.int64), INT32_MAX).astype(np.int32)
    return Sequential(phases=schedules, starts=boundaries, num_steps=total)

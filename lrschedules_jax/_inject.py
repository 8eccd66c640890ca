"""Schedules for any optimizer hyperparameter, injected in float32; reading the current rate.

:func:`inject` is :func:`optax.inject_hyperparams` with two differences that matter for
low-precision parameters (https://github.com/google-deepmind/optax/issues/1414):

- the injected hyperparameters are kept in float32 (float64 under ``jax_enable_x64``) whatever
  the parameters' dtype: a rate of ``1e-4`` is not rounded to bfloat16's ``1.0013580322265625e-4``;
- the optimizer runs in float32 on parameters, gradients and state narrower than float32, and
  every update and state leaf is returned in the dtype it came in with (bf16 in, bf16 out), so
  that the state keeps its structure and dtypes from one step to the next (no float32 leaf
  appears after the first update) and each result is rounded once.

For float32 (and wider) parameters it computes exactly what :func:`optax.inject_hyperparams`
computes. The state is optax's :class:`optax.InjectStatefulHyperparamsState`, so code that reads
``state.hyperparams["learning_rate"]`` keeps working; it is a pytree of arrays (jit, scan,
checkpoints). :func:`current_lr` and :func:`current_hyperparams` read the values back from
anywhere in a state (a chain, a ``multi_transform``, a nested inject).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from optax._src.base import StatefulSchedule
from optax.schedules import InjectStatefulHyperparamsState, WrappedSchedule

from ._errors import ConfigError, Problems, close_match, describe, key_text
from ._numerics import float_dtype
from ._plateau import ReduceOnPlateauState

__all__ = ["current_hyperparams", "current_lr", "inject"]

try:  # optax.contrib's plateau state also carries a scale; read it too when it exists
    from optax.contrib import ReduceLROnPlateauState as _ContribPlateauState
except ImportError:  # pragma: no cover - optax without contrib
    _ContribPlateauState = None  # type: ignore[assignment,misc]

_INJECT_STATES: tuple[type, ...] = (
    InjectStatefulHyperparamsState,
    optax.InjectHyperparamsState,
)
_PLATEAU_STATES: tuple[type, ...] = (ReduceOnPlateauState,) + (
    (_ContribPlateauState,) if _ContribPlateauState is not None else ()
)


def _is_narrow_float(dtype: Any) -> bool:
    """A real floating dtype narrower than float32 (bfloat16, float16, the float8 types)."""
    return jnp.issubdtype(dtype, jnp.floating) and jnp.finfo(dtype).bits < 32


def _widen(tree: Any) -> Any:
    """Every narrow floating leaf of ``tree`` as float32; other leaves unchanged."""

    def widen(x: Any) -> Any:
        if hasattr(x, "dtype") and _is_narrow_float(x.dtype):
            return jnp.asarray(x, jnp.float32)
        return x

    return jax.tree.map(widen, tree)


def _cast_like(tree: Any, like: Any) -> Any:
    """Each floating leaf of ``tree`` in the dtype of the matching leaf of ``like``."""

    def cast(x: Any, ref: Any) -> Any:
        if hasattr(x, "dtype") and hasattr(ref, "dtype") and x.dtype != ref.dtype:
            if jnp.issubdtype(ref.dtype, jnp.inexact):
                return jnp.asarray(x).astype(ref.dtype)
        return x

    return jax.tree.map(cast, tree, like)


def _as_hyperparam(value: Any, dtype: Any) -> Any:
    """A numeric hyperparameter as a strongly typed array: floats in ``dtype``, ints as ints."""
    array = jnp.asarray(value)
    if jnp.issubdtype(array.dtype, jnp.floating):
        return array.astype(dtype)
    return array  # an integer array stays an integer array


def inject(
    optimizer_factory: Callable[..., optax.GradientTransformation],
    *,
    static_args: str | Iterable[str] = (),
    **hyperparameters: Any,
) -> optax.GradientTransformationExtraArgs:
    """``optimizer_factory(**hyperparameters)`` with any hyperparameter a schedule, in float32.

    Every hyperparameter may be a number or a schedule (one of ours, an optax schedule, any
    callable ``count -> value``, or an optax ``StatefulSchedule``). At each update the
    schedules are evaluated at the state's update count (0 for the first update), the
    optimizer is built with the values and applied:

    .. math::
      u_k = \\mathrm{factory}(h_1(k), h_2(k), \\ldots).\\mathrm{update}(g_k)

    Floating-point values (numbers and schedule values) are injected as strongly typed
    float32 arrays (float64 under ``jax_enable_x64``), never in the parameters' dtype.
    Gradients, parameters and optimizer-state leaves narrower than float32 (bf16, f16) are
    widened to float32 for the update, and every result is cast back to the dtype it came in
    with: updates in each gradient's (that is, each parameter's) dtype, the state in its
    initial dtypes. For float32 parameters the result equals
    ``optax.inject_hyperparams(optimizer_factory)(**hyperparameters)``.

    Args:
      optimizer_factory: an optax optimizer or transformation factory, e.g. ``optax.adam``.
      static_args: names of arguments that are callables but not schedules (``mask`` of
        ``optax.adamw``, say), passed to the factory as they are. Booleans, strings,
        ``None``, integers (sizes, periods: Python code in the factory may branch on them;
        but an int given for an argument whose default is a float is a float), dtypes and
        the factory's own callable defaults are always passed as they are.
      **hyperparameters: the factory's arguments, by name. Arguments left out take the
        factory's defaults; floating-point defaults are injected too (as optax does), so the
        state holds every float hyperparameter and each can be set by hand in
        ``state.hyperparams``.

    Returns:
      An :class:`optax.GradientTransformationExtraArgs`. Its state is an
      :class:`optax.InjectStatefulHyperparamsState`: ``hyperparams`` holds the values used by
      the last update (before the first: the values the first update will use). Extra
      arguments of ``update`` (``value=`` for :func:`reduce_on_plateau`) reach the optimizer.

    Raises:
      TypeError: if ``optimizer_factory`` is not callable, ``static_args`` is not a name or
        names, or a hyperparameter is a complex number, or a boolean given for
        ``learning_rate`` or for an argument whose default is a float (a Python int there is
        a number: injected as a float).
      ConfigError: for a name in ``hyperparameters`` or ``static_args`` that is not an
        argument of ``optimizer_factory`` (or not given), a required argument not given, or a
        number given (or a float default) that is not 0 or a normal number of the injected
        dtype: NaN, infinite, past float32's range (``1e39``, an int too large for a float)
        or below its smallest normal number (``1e-40``).

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=100)
      >>> tx = lrs.inject(optax.adam, learning_rate=sched, b1=0.9)
      >>> params = jnp.zeros(3, jnp.bfloat16)
      >>> state = tx.init(params)
      >>> updates, state = tx.update(jnp.ones(3, jnp.bfloat16), state, params)
      >>> updates.dtype, state.hyperparams["learning_rate"].dtype
      (dtype(bfloat16), dtype('float32'))
      >>> float(lrs.current_lr(state))
      0.0010000000474974513
    """
    if not callable(optimizer_factory):
        raise TypeError(
            "`optimizer_factory` must be callable (an optax optimizer such as `optax.adam`); "
            f"got {describe(optimizer_factory, with_type=True)}."
        )
    static = _static_names(static_args)
    missing = sorted(n for n in static if n not in hyperparameters)
    if missing:
        shown = ", ".join(f"`{key_text(n)}`" for n in missing[:8]) + ", ..." * (len(missing) > 8)
        raise ConfigError([f"static_args: names {shown}, which are not given."])
    given = set(hyperparameters)
    float_defaults: set[str] = set()  # an int given for these is a float (`weight_decay=0`)
    try:
        signature = inspect.signature(optimizer_factory)
    except (TypeError, ValueError):  # pragma: no cover - callables without a signature
        signature = None
    if signature is not None:
        # Every argument with a float default is injected too, as optax does: the state
        # holds all of them, and a factory's own float defaults enter in float32 as well.
        try:
            bound = signature.bind(**hyperparameters)
        except TypeError as exc:
            raise _argument_error(optimizer_factory, signature, hyperparameters, exc) from None
        float_defaults = {
            n for n, p in signature.parameters.items() if isinstance(p.default, float)
        }
        bound.apply_defaults()
        hyperparameters = dict(bound.arguments)
        for p in signature.parameters.values():  # **kwargs of the factory, flattened
            if p.kind is p.VAR_KEYWORD:
                hyperparameters.update(hyperparameters.pop(p.name, {}))

    schedules: dict[str, Any] = {}
    numeric: dict[str, Any] = {}
    other: dict[str, Any] = {}
    real = {n for n in hyperparameters if n not in static and (n == _RATE or n in float_defaults)}
    for name, value in hyperparameters.items():  # every wrong type first, then the values
        if name not in static:
            _check_type(name, value, name in real)
    problems = Problems()
    for name, value in hyperparameters.items():
        if name in real:
            value = _as_float(name, value, problems)
        elif name not in static and isinstance(value, (float, np.floating)):
            _check_range(name, float(value), value, problems)
        if (
            name in static
            or value is None
            or isinstance(value, (bool, str, np.bool_, type, np.dtype, int, np.integer))
            or (callable(value) and name not in given)  # a default: `dtype=jnp.float32`...
        ):
            other[name] = value
        elif isinstance(value, StatefulSchedule):
            schedules[name] = value
        elif callable(value):
            schedules[name] = WrappedSchedule(value)
        elif isinstance(value, (float, np.floating, np.ndarray, jax.Array)):
            numeric[name] = value
        else:
            other[name] = value
    problems.raise_if_any()

    def values(state: InjectStatefulHyperparamsState | None, extra_args: dict) -> dict:
        dtype = float_dtype()
        out = {}
        if state is None:
            out.update({k: _as_hyperparam(v, dtype) for k, v in numeric.items()})
        else:  # values set by hand in state.hyperparams are honoured, as in optax
            out.update({k: _as_hyperparam(state.hyperparams[k], dtype) for k in numeric})
        for k, sched in schedules.items():
            sched_state = sched.init() if state is None else state.hyperparams_states[k]
            out[k] = _as_hyperparam(sched(sched_state, **extra_args), dtype)
        return out

    def init_fn(params: Any) -> InjectStatefulHyperparamsState:
        hyperparams = values(None, {})
        return InjectStatefulHyperparamsState(
            count=jnp.zeros([], jnp.int32),
            hyperparams=hyperparams,
            hyperparams_states={k: s.init() for k, s in schedules.items()},
            inner_state=optimizer_factory(**other, **hyperparams).init(params),
        )

    def update_fn(
        updates: Any,
        state: InjectStatefulHyperparamsState,
        params: Any = None,
        **extra_args: Any,
    ) -> tuple[Any, InjectStatefulHyperparamsState]:
        hyperparams = values(state, extra_args)
        inner = optax.with_extra_args_support(optimizer_factory(**other, **hyperparams))
        new_updates, inner_state = inner.update(
            _widen(updates), _widen(state.inner_state), _widen(params), **extra_args
        )
        new_state = InjectStatefulHyperparamsState(
            count=optax.safe_increment(state.count),
            hyperparams=hyperparams,
            hyperparams_states={
                k: s.update(state.hyperparams_states[k], **extra_args) for k, s in schedules.items()
            },
            inner_state=_cast_like(inner_state, state.inner_state),
        )
        return _cast_like(new_updates, updates), new_state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


_RATE = "learning_rate"


def _argument_error(
    factory: Any, signature: inspect.Signature, given: dict[str, Any], exc: TypeError
) -> ConfigError:
    """The arguments ``factory`` cannot take, one problem each: a name it does not have (with
    the closest one) or a required one not given, as the builders report their keys."""

    label = getattr(factory, "__name__", None)
    name = key_text(label) if isinstance(label, str) else describe(factory)
    params = signature.parameters
    names = [p for p in params if params[p].kind not in (inspect.Parameter.VAR_POSITIONAL,)]
    problems = Problems()
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        for key in given:
            if key not in params:
                close = close_match(key, names)
                hint = f"; did you mean `{close}`?" if close else "."
                problems.add(key_text(key), f"is not an argument of `{name}`{hint}")
    for key, p in params.items():
        required = p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        if required and key not in given:
            problems.add(key_text(key), f"is required by `{name}`.")
    if not problems:  # another reason (a positional-only argument): the signature's words
        reason = str(exc) if len(str(exc)) <= 300 else f"{str(exc)[:300]}..."
        problems.add("inject", f"`{name}` cannot take these arguments: {reason}.")
    return problems.error()


def _static_names(static_args: Any) -> set[str]:
    """``static_args`` as a set of names; TypeError unless a str or an iterable of str."""
    names = [static_args] if isinstance(static_args, str) else static_args
    try:
        names = list(names)
    except TypeError:
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        raise TypeError(
            "`static_args` must be an argument name or an iterable of names; got "
            f"{describe(static_args, with_type=True)}."
        )
    return set(names)


def _is_complex(value: Any) -> bool:
    if isinstance(value, complex):
        return True
    dtype = getattr(value, "dtype", None)
    try:
        return dtype is not None and bool(jnp.issubdtype(dtype, jnp.complexfloating))
    except TypeError:  # not a dtype NumPy or JAX knows
        return False


def _check_type(name: str, value: Any, real: bool) -> None:
    """TypeError naming ``name`` for a complex value, or a boolean where a real number is
    meant (``real``: the learning rate, or an argument whose default is a float)."""
    if _is_complex(value):
        raise TypeError(
            f"`{key_text(name)}` must be a real number or a schedule; got "
            f"{describe(value, with_type=True)}."
        )
    if real and isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"`{key_text(name)}` must be a real number or a schedule, not a boolean; got "
            f"{describe(value, with_type=True)}."
        )


def _as_float(name: str, value: Any, problems: Problems) -> Any:
    """An integer rate (or float argument) as a float: ``1`` is a number like ``1.0``, injected
    so that the state holds it (and :func:`current_lr` reads it). A number must be one the
    injected dtype holds (:func:`_check_range`); any other value is returned unchanged."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, np.integer, float, np.floating)
    ):
        return value
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    _check_range(name, number, value, problems)
    return number if isinstance(value, (int, np.integer)) else value


def _check_range(name: str, number: float, value: Any, problems: Problems) -> None:
    """A number injected must be 0 or a normal number of the injected dtype (float32, float64
    under x64): finite, not rounded to 0 or inf, and at float32's relative accuracy."""
    info = jnp.finfo(float_dtype())
    tiny, big = float(info.tiny), float(info.max)
    if not (number == 0 or tiny <= abs(number) <= big):  # NaN fails too
        problems.add(
            key_text(name),
            f"must be 0 or a finite number of magnitude in [{tiny:.8g}, {big:.8g}] (a normal "
            f"{info.dtype.name}, the dtype it is injected in); got {describe(value)}.",
        )


def _states(opt_state: Any, kinds: tuple[type, ...]) -> list[Any]:
    """Every node of ``opt_state`` that is an instance of one of ``kinds``, in tree order."""
    nodes = jax.tree.leaves(opt_state, is_leaf=lambda x: isinstance(x, kinds))
    return [x for x in nodes if isinstance(x, kinds)]


def current_hyperparams(opt_state: Any) -> dict[str, jax.Array]:
    """Every injected hyperparameter of ``opt_state``, by name: the values of the last update.

    Searches the whole state (a chain, ``multi_transform``, nested transformations) for the
    states of :func:`inject`, :func:`optax.inject_hyperparams` and :func:`with_global_step`,
    and merges their ``hyperparams``. The values are the ones injected, without the scale of
    a :func:`reduce_on_plateau` (see :func:`current_lr` for the effective rate). Works on
    traced states (inside ``jit``).

    Args:
      opt_state: an optimizer state, or any part of one.

    Returns:
      A new dict ``{name: value}``; empty when nothing is injected.

    Raises:
      ConfigError: (a ``ValueError``) if two injected states hold a hyperparameter of the same
        name (pass the part of the state you mean, e.g.
        ``opt_state.inner_states["encoder"]``).

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> import lrschedules_jax as lrs
      >>> b1 = lrs.constant(start_lr=0.9, num_steps=10, scale_by_worker="none")
      >>> tx = lrs.inject(optax.adam, learning_rate=0.1, b1=b1)
      >>> hp = lrs.current_hyperparams(tx.init(jnp.zeros(2)))
      >>> sorted(hp), round(float(hp["b1"]), 6)
      (['b1', 'b2', 'eps', 'eps_root', 'learning_rate'], 0.9)
    """
    out: dict[str, jax.Array] = {}
    for state in _states(opt_state, _INJECT_STATES):
        for name, value in state.hyperparams.items():
            if name in out:
                raise ConfigError(
                    [
                        "current_hyperparams.opt_state: holds more than one injected "
                        f"`{key_text(name)}`; "
                        "pass the part of the state that holds the one you want."
                    ]
                )
            out[name] = jnp.asarray(value)  # unwraps containers such as flax nnx's variables
    return out


def current_lr(opt_state: Any) -> jax.Array:
    """The effective learning rate of the last update: the injected rate times every plateau scale.

    .. math::
      \\eta_\\mathrm{eff} = \\eta \\prod_i \\mathrm{scale}_i

    ``eta`` is the ``learning_rate`` injected by :func:`inject`, :func:`optax.inject_hyperparams`
    or :func:`with_global_step`, or recorded by :func:`scale_by_schedule_at_step`; the scales
    are those of every :func:`reduce_on_plateau` (and ``optax.contrib.reduce_on_plateau``)
    found anywhere in the state. After an update, this is the rate that update applied (for
    SGD, ``update = -current_lr * grad``); before the first, the rate the first will apply.
    The product assumes the plateau scales the same updates as the rate (it follows it in a
    chain, or wraps it); for per-group optimizers pass the group's part of the state.

    Args:
      opt_state: an optimizer state, or any part of one (traced or not).

    Returns:
      A scalar float32 array (float64 under x64).

    Raises:
      ConfigError: (a ``ValueError``) if the state holds no learning rate, or more than one.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.constant(start_lr=0.1, num_steps=10)
      >>> tx = optax.chain(lrs.inject(optax.sgd, learning_rate=sched),
      ...                  lrs.reduce_on_plateau(patience=0, factor=0.5))
      >>> params = jnp.zeros(2)
      >>> state = tx.init(params)
      >>> for loss in [1.0, 2.0]:
      ...     updates, state = tx.update(jnp.ones(2), state, params, value=loss)
      >>> float(lrs.current_lr(state)), float(updates[0])
      (0.05000000074505806, -0.05000000074505806)
    """
    from ._optax import ScaleByScheduleAtStepState

    rates = [
        s.hyperparams["learning_rate"]
        for s in _states(opt_state, _INJECT_STATES)
        if "learning_rate" in s.hyperparams
    ]
    rates += [s.learning_rate for s in _states(opt_state, (ScaleByScheduleAtStepState,))]
    if not rates:
        raise ConfigError(
            [
                "current_lr.opt_state: holds no learning rate: build the optimizer with "
                "`lrs.inject(optax.adam, learning_rate=schedule)` (or "
                "`optax.inject_hyperparams`) so that the rate is kept in the state."
            ]
        )
    if len(rates) > 1:
        raise ConfigError(
            [
                f"current_lr.opt_state: holds {len(rates)} learning rates; pass the part of "
                "the state that holds the one you want."
            ]
        )
    dtype = float_dtype()
    lr = jnp.asarray(rates[0]).astype(dtype)
    for state in _states(opt_state, _PLATEAU_STATES):
        lr = lr * jnp.asarray(state.scale).astype(dtype)
    return lr

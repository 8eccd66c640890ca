"""The Schedule base: pytree registration, the call contract, ``to_config()``. Nothing else.

Every schedule is a frozen, keyword-only dataclass, registered as a JAX pytree when its first
instance is made. Float hyperparameters (and :class:`~lrschedules_jax._numerics.Factor` s) are
leaves, so a schedule can be passed through ``jax.jit`` and a list of schedules of one type can
be stacked and vmapped; step counts and modes are static. Constructing a schedule checks the
bounds its fields declare (``static(ge=1)``), so a schedule with a bad value cannot exist.

``__call__`` turns the step into a clamped integer and hands it to ``_value``, which does the
phase arithmetic in integers and ends in one float expression.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from typing import Any, ClassVar, TypeVar

from ._errors import describe
from ._jax import LazyPytree, array_types, jax, jnp, lax, np
from ._numerics import (
    INT32_MAX,
    Factor,
    as_float,
    as_step,
    float_dtype,
    int_dtype,
    is_concrete,
    ldexp_exact,
    pow2,
)

__all__ = ["Schedule", "Shifted", "derived", "leaf", "register_schedule", "static", "to_json"]

_S = TypeVar("_S", bound="Schedule")

_BOUNDS = {
    "gt": (operator.gt, ">"),
    "ge": (operator.ge, ">="),
    "lt": (operator.lt, "<"),
    "le": (operator.le, "<="),
}
SCALE_BY_WORKER = ("linear", "sqrt", "none")


def static(
    default: Any = dataclasses.MISSING,
    *,
    omit_default: bool = False,
    sweep: bool = False,
    **bounds: float,
) -> Any:
    """A dataclass field that is static pytree metadata (not a leaf), with optional bounds.

    An ``omit_default`` field is left out of ``to_config()`` while it has its default (an
    extension key, so that a schedule without it writes a plain DeePMD-kit section).
    A ``sweep`` field (a step count, a phase ratio) may differ between schedules that
    :func:`~lrschedules_jax.stack` stacks: it then holds an array (a leaf), and the type's
    formula takes it traced. A field without ``sweep`` is a mode: stacking refuses to mix values.
    """
    metadata = {"static": True, "bounds": bounds, "omit_default": omit_default, "sweep": sweep}
    return dataclasses.field(default=default, metadata=metadata)


def derived() -> Any:
    """A count a type computes from its other fields in ``__post_init__`` (wsd's decay length,
    one_cycle's rise): not a key, not an argument, left out of ``to_config()`` and the repr.

    Static and sweepable like the counts it comes from: ``stack`` makes it an array when the
    stacked schedules differ in it, so that a formula can take it traced while the number
    itself is computed exactly on the host (``int(ratio * N)`` has no exact float32 form).
    """
    metadata = {"static": True, "sweep": True, "internal": True}
    return dataclasses.field(init=False, repr=False, metadata=metadata)


def leaf(
    default: Any = dataclasses.MISSING,
    *,
    internal: bool = False,
    omit_default: bool = False,
    **bounds: float,
) -> Any:
    """A pytree leaf with bounds (``gt``, ``ge``, ``lt``, ``le``) checked when it is concrete.

    An ``internal`` leaf is a derived number (not a key): ``to_config()`` leaves it out; an
    ``omit_default`` one is left out while it has its default (see :func:`static`).
    """
    metadata = {"bounds": bounds, "internal": internal, "omit_default": omit_default}
    return dataclasses.field(default=default, metadata=metadata)


def register_schedule(cls: type[_S]) -> type[_S]:
    """Make ``cls`` a frozen keyword-only dataclass (a pytree from its first instance on).

    Fields made with :func:`static` are pytree metadata; every other field is a leaf.
    """
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)


# The rate leaves of the schedules: every formula is homogeneous of degree 1 in them.
RATE_FIELDS = ("start_lr", "stop_lr", "max_lr", "base_lr")
_SMALL = -60  # a peak below 2**_SMALL is moved to [0.5, 1) before the formula


def worker_scale(scale_by_worker: str, num_workers: int) -> float:
    """The factor every rate is multiplied by: ``num_workers``, its square root, or 1."""
    if scale_by_worker == "linear":
        return float(num_workers)
    if scale_by_worker == "sqrt":
        return math.sqrt(num_workers)
    return 1.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Noise(LazyPytree):
    """timm's multiplicative LR noise (an extension): ``lr * (1 + noise(seed, step))`` for
    ``start <= step < end`` (``end`` None: no end), deterministic in ``(seed, step)``.

    The range, type and seed are static; ``pct`` and ``std`` are leaves (sweepable). ``start``
    and ``end`` may differ in a stacked sweep (int32 leaves, traced) when every schedule has
    an ``end`` or none has. See ``_shapes.lr_noise``.
    """

    start: int = static(ge=0, le=INT32_MAX, sweep=True)
    end: int | None = static(None, sweep=True)
    noise_type: str = static("normal")
    seed: int = static(42)
    pct: float = leaf(0.67, gt=0, lt=1)
    std: float = leaf(1.0, gt=0)

    def config(self) -> dict[str, Any]:
        """The ``noise_*`` keys of a ``learning_rate`` section."""
        span: Any = self.start if self.end is None else [self.start, self.end]
        return {
            "noise_range_steps": span,
            "noise_pct": to_json(self.pct, "noise_pct"),
            "noise_std": to_json(self.std, "noise_std"),
            "noise_type": self.noise_type,
            "noise_seed": self.seed,
        }

    def factor(self, step: jax.Array, dtype: Any) -> jax.Array:
        """``1 + noise`` inside the range, exactly 1 outside."""
        from ._shapes import noise_factor

        return noise_factor(
            step,
            seed=self.seed,
            pct=self.pct,
            std=self.std,
            noise_type=self.noise_type,
            start=self.start,
            end=self.end,
            dtype=dtype,
        )


@functools.cache
def _field_checks(cls: type) -> tuple[tuple[str, bool, tuple[Any, ...]], ...]:
    """Per field of ``cls``: its name, whether it is a sweep field, its bounds to check."""
    return tuple(
        (
            f.name,
            f.metadata.get("sweep", False),
            tuple((*_BOUNDS[b], limit) for b, limit in f.metadata.get("bounds", {}).items()),
        )
        for f in dataclasses.fields(cls)
    )


def _one_schedule(boundaries: Any) -> Any:
    """``boundaries`` refusing a stacked sweep, whose schedules may change phase at different
    steps (each type's ``boundaries`` does Python arithmetic on its counts)."""

    @functools.wraps(boundaries)
    def wrapper(self: Schedule) -> dict[str, int]:
        size = stack_size(self)
        if size is not None:
            raise ValueError(
                f"`boundaries()` of a stacked sweep of {size} schedules: their "
                "phases may end at different steps. Ask one schedule (`stacked[i].boundaries()`"
                ", or each of `lrs.unstack(stacked)`)."
            )
        return boundaries(self)

    return wrapper


@dataclasses.dataclass(frozen=True, kw_only=True)
class Schedule(LazyPytree):
    """A learning-rate schedule: a callable ``step -> lr`` and a JAX pytree.

    Subclasses are made with :func:`register_schedule` and implement ``_value(step, dtype)``,
    which receives the step as a clamped integer array and returns the unscaled rate.

    Attributes:
      num_steps: the number of training steps (DeePMD-kit's ``training.numb_steps``).
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``: how the rate grows with the
        number of workers.
      num_workers: the number of data-parallel workers the rate is scaled for.
    """

    type_name: ClassVar[str] = ""

    num_steps: int = static(ge=0, le=INT32_MAX, sweep=True)
    scale_by_worker: str = static()
    num_workers: int = static(1, ge=1, le=INT32_MAX)
    #: timm's LR noise (an extension), or None: a pytree node without leaves then.
    noise: Noise | None = dataclasses.field(default=None, metadata={"omit_default": True})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "boundaries" in cls.__dict__:  # every type's boundaries refuses a stacked sweep
            cls.boundaries = _one_schedule(cls.__dict__["boundaries"])  # type: ignore[method-assign]

    def __post_init__(self) -> None:
        """Check every concrete field against its declared bounds (ValueError if outside)."""
        if self.scale_by_worker not in SCALE_BY_WORKER:
            raise ValueError(
                f"`scale_by_worker` must be one of {SCALE_BY_WORKER}; got {self.scale_by_worker!r}."
            )
        swept = False
        arrays = array_types()
        for name, sweep, bounds in _field_checks(type(self)):
            value = getattr(self, name)
            swept = swept or (sweep and isinstance(value, arrays))
            if not bounds or isinstance(value, bool) or not is_concrete(value):
                continue
            for compare, op, limit in bounds:
                if not compare(value, limit):
                    raise ValueError(
                        f"{type(self).__name__}: `{name}` must be {op} {limit}; got {value!r}."
                    )
        if not swept:  # the cross-field checks compare step counts in Python
            self._check()

    def _check(self) -> None:
        """Cross-field checks of a type (ValueError); the bounds are checked already."""

    def __call__(self, step: Any) -> jax.Array:
        """The learning rate at ``step`` (an int, or an integer array of any shape).

        Returns a strongly typed float32 array (float64 under x64) of the step's shape.

        Called eagerly (outside ``jit``, ``vmap`` or ``grad``, with concrete hyperparameters),
        the schedule runs one compiled function, cached per schedule: the first eager call
        costs what a first jitted call costs (one compilation, instead of one per primitive),
        and the hyperparameters stay folded in float64 as in a jitted closure. Under a
        transformation it is traced like any JAX function.
        """
        leaves = jax.tree.leaves(self)  # flattened once: this is every eager call's path
        stacked = _rows(leaves) is not None
        if isinstance(step, jax.core.Tracer) or any(isinstance(x, jax.core.Tracer) for x in leaves):
            if stacked:  # a stacked schedule closed over in a jit
                return jax.vmap(lambda s: s(step))(self)
            return self._evaluate(step)
        if stacked:  # a stacked sweep: one row per schedule
            return _call_rows()(self, _host_step(step))
        compiled = _compiled(self)
        if compiled is None:  # a schedule holding arrays: traced eagerly
            return self._evaluate(step)
        return compiled(_host_step(step))

    def _evaluate(self, step: Any) -> jax.Array:
        """What ``__call__`` computes, as JAX operations (traced or eager)."""
        if self.noise is None:
            return self._rate(step)
        return self._rate(step) * self.noise.factor(as_step(step), float_dtype())

    def _rate(self, step: Any) -> jax.Array:
        """The rate without noise (see ``__call__``)."""
        dtype = float_dtype()
        scale = self.rate_scale
        rates = {k: getattr(self, k) for k in RATE_FIELDS if hasattr(self, k)}
        if dtype == jnp.float64 or not rates:
            lr = self._value(as_step(step), dtype)
            return lr if scale == 1.0 else lr * jnp.asarray(scale, dtype)
        # Every formula is homogeneous in the rates: it runs on the rates times the worker
        # scale (so no rate below 1.2e-38 is flushed to 0 before a scale that would make it
        # normal). When every rate is below 2**-60, they are also multiplied by 2**-j (the peak
        # in [0.5, 1)) and the result by 2**j, exactly: slopes such as start_lr / warmup_steps
        # and differences of rates then stay normal float32 numbers. The result is clipped to
        # the peak: a sum that rounds past float32's maximum is the peak.
        if is_concrete(*rates.values()):
            rates = {k: float(v) * scale for k, v in rates.items()}
            top = math.frexp(max(rates.values()))[1]
            j = top if top < _SMALL else 0
            peak = max(rates.values())
            scaled = {k: math.ldexp(v, -j) for k, v in rates.items()}
        else:  # traced (a jit argument, a stacked sweep): the same, in a few integer ops
            rates = {k: as_float(v, dtype) for k, v in rates.items()}
            if scale != 1.0:
                rates = {k: v * jnp.float32(scale) for k, v in rates.items()}
            peak = functools.reduce(jnp.maximum, rates.values())
            # frexp's exponent of a normal peak, from its bits; j is 0 or in [-125, -61], so
            # 2**-j and 2**j are each one exact float32 factor.
            top = ((lax.bitcast_convert_type(peak, jnp.int32) >> 23) & 0xFF) - 126
            j = jnp.where(top < _SMALL, top, 0)
            down = pow2(-j)
            scaled = {k: v * down for k, v in rates.items()}
        lr = self._with(**scaled)._value(as_step(step), dtype)
        if not is_concrete(j):
            lr = lr * pow2(j)
        elif j != 0:
            lr = ldexp_exact(lr, j)
        return jnp.minimum(lr, as_float(peak, dtype))

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        raise NotImplementedError

    @property
    def worker_scale(self) -> float:
        """The factor every rate is multiplied by for ``num_workers`` workers."""
        return worker_scale(self.scale_by_worker, self.num_workers)

    @property
    def rate_scale(self) -> float:
        """The factor every rate is multiplied by: the worker scale (times the large-batch
        factor of a schedule with ``batch_scaling``)."""
        return self.worker_scale

    @_one_schedule
    def boundaries(self) -> dict[str, int]:
        """The steps where the schedule changes phase, by name (for plots and tables).

        Raises:
          ValueError: for a stacked sweep (ask ``stacked[i].boundaries()``).
        """
        return {"end": self.num_steps}

    def to_config(self) -> dict[str, Any]:
        """The JSON-ready ``learning_rate`` mapping that rebuilds this schedule.

        ``make_schedule(s.to_config(), s.num_steps, num_workers=s.num_workers)`` returns a
        schedule equal to ``s``.
        """
        config: dict[str, Any] = {"type": self.type_name}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name in ("num_steps", "num_workers") or f.metadata.get("internal"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, Noise):
                config.update(value.config())
                continue
            if f.metadata.get("omit_default") and (
                value is f.default or (isinstance(value, (str, int, float)) and value == f.default)
            ):
                continue
            config[f.name] = to_json(getattr(self, f.name), f.name)
        return config

    def _with(self: _S, **changes: Any) -> _S:
        """A copy with some fields replaced, without ``__post_init__`` (for traced values)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__, **changes)
        return new

    def __getitem__(self, index: int) -> Schedule:
        """Schedule ``index`` of a stacked sweep (:func:`~lrschedules_jax.stack`).

        Its fields are Python numbers again: it equals the schedule that was stacked, and
        ``to_config()`` works on it.

        Raises:
          TypeError: if this schedule is not stacked.
          IndexError: if ``index`` is out of range.
        """
        from ._stack import take

        return take(self, index)

    def replace(self: _S, **changes: Any) -> _S:
        """A copy with some fields replaced (no validation: use the builders for that)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def cooldown(
        self,
        at_step: int,
        length: int,
        *,
        decay_type: str | None = None,
        stop_lr: float | None = None,
        stop_lr_ratio: float | None = None,
    ) -> Schedule:
        """A cooldown forked from this ``wsd`` or ``constant`` run at ``at_step`` (an extension).

        The WSD workflow: train at a constant rate, and decay from any checkpoint of the stable
        phase. The result is the ``wsd`` whose stable phase ends at ``at_step``: equal to this
        schedule up to ``at_step``, then decaying over ``length`` steps (``num_steps = at_step +
        length``, ``decay_phase_steps = length``); rates, warmup and worker scaling are this
        schedule's. ``decay_type`` and the stop rate default to this ``wsd``'s; a ``constant``
        needs ``stop_lr`` or ``stop_lr_ratio``.

        Raises:
          ValueError: for a stacked sweep (cool each of ``lrs.unstack(stacked)``).
          ConfigError: for another type, an ``at_step`` outside the stable phase
            (``warmup_steps <= at_step <= warmup_steps + stable_steps``), ``length < 1``, or a
            ``constant`` without a stop rate.

        Examples:
          >>> import lrschedules_jax as lrs
          >>> run = lrs.constant(start_lr=1e-3, num_steps=10**6)
          >>> cooled = run.cooldown(50_000, 5_000, decay_type="1-sqrt", stop_lr=1e-5)
          >>> cooled.num_steps, round(float(cooled(50_000)), 9), round(float(cooled(55_000)), 9)
          (55000, 0.001, 1e-05)
        """
        from ._llm import cooldown

        size = stack_size(self)
        if size is not None:  # its rows may leave the stable phase at different steps
            raise ValueError(
                f"`cooldown()` of a stacked sweep of {size} schedules: fork each schedule "
                "(`lrs.stack([s.cooldown(...) for s in lrs.unstack(stacked)])`)."
            )
        return cooldown(
            self,
            at_step,
            length,
            decay_type=decay_type,
            stop_lr=stop_lr,
            stop_lr_ratio=stop_lr_ratio,
        )

    def cooled(self, block: Any) -> Schedule:
        """This schedule, or its cooldown by a ``cooldown`` config block (None: itself)."""
        return self if block is None else block.apply(self)

    def __mul__(self, other: Any) -> Any:
        """``s * x`` (a number >= 0 or a schedule): a :class:`~lrschedules_jax.Product`."""
        from ._compose import product

        if not isinstance(other, (Schedule, int, float, np.integer, np.floating)) or isinstance(
            other, bool
        ):
            return NotImplemented
        return product(self, other)

    def __rmul__(self, other: Any) -> Any:
        """``x * s``: the same product as ``s * x``."""
        from ._compose import product

        if not isinstance(other, (int, float, np.integer, np.floating)) or isinstance(other, bool):
            return NotImplemented
        return product(other, self)

    def shifted(self, start_step: int) -> Shifted:
        """This schedule from global step ``start_step`` on: ``shifted(k)(s) == self(s + k)``.

        For resuming with a fresh optimizer state (whose step count restarts at 0) at global
        step ``start_step``. The shift is integer arithmetic on the clamped step, saturating at
        ``2**31 - 1`` (no overflow); a negative ``start_step`` delays the schedule, which then
        holds its step-0 value for the first ``-start_step`` steps. Shifts of one sign compose
        into one. The result is a pytree (the shift is static; :func:`~lrschedules_jax.stack`
        makes shifts that differ an int32 leaf, traced), jits and vmaps like ``self``.

        ``to_config()`` of the result is ``self.to_config()``: the ``learning_rate`` section
        describes the whole run, the shift is a position in it. Rebuild a shifted ``s`` with
        ``make_schedule(s.to_config(), s.num_steps, num_workers=s.num_workers)`` followed by
        ``.shifted(s.start_step)``.

        Args:
          start_step: the global step that local step 0 stands for, an int in
            ``[-(2**31 - 1), 2**31 - 1]``.

        Returns:
          A :class:`Shifted` schedule.

        Raises:
          TypeError: if ``start_step`` is not an int.
          ValueError: if it is out of range.

        Examples:
          >>> from lrschedules_jax import cosine
          >>> sched = cosine(start_lr=1.0, stop_lr=0.1, num_steps=10)
          >>> float(sched.shifted(4)(1)) == float(sched(5))
          True
        """
        if isinstance(start_step, (bool, np.bool_)) or not isinstance(
            start_step, (int, np.integer)
        ):
            raise TypeError(f"`start_step` must be an int; got {describe(start_step)}.")
        start_step = int(start_step)
        if not -INT32_MAX <= start_step <= INT32_MAX:
            raise ValueError(
                f"`start_step` must be in [{-INT32_MAX}, {INT32_MAX}]; got {describe(start_step)}."
            )
        return Shifted(
            schedule=self,
            start_step=start_step,
            num_steps=self.num_steps,
            scale_by_worker=self.scale_by_worker,
            num_workers=self.num_workers,
        )


@register_schedule
class Shifted(Schedule):
    """A schedule read from a global step on; made by :meth:`Schedule.shifted`.

    .. math::
      \\mathrm{lr}(s) = \\mathrm{schedule}(\\mathrm{clip}(s + k, 0, 2^{31} - 1))

    Attributes:
      schedule: the original schedule (a pytree child: its float hyperparameters stay leaves).
      start_step: the shift ``k`` (static; an int32 leaf in a stacked sweep of schedules
        resumed at different steps, traced under ``vmap``).
    """

    schedule: Schedule
    start_step: int = static(0, ge=-INT32_MAX, le=INT32_MAX, sweep=True)

    def _evaluate(self, step: Any) -> jax.Array:
        step = as_step(step)
        k = self.start_step
        if not is_concrete(k):  # traced: both cases below in one expression, no overflow
            k = jnp.asarray(k).astype(step.dtype)
            up, down = jnp.maximum(k, 0), jnp.minimum(k, 0)
            step = jnp.minimum(step, INT32_MAX - up) + up + down
        elif k > 0:  # min(step, MAX - k) + k never leaves [k, MAX]: no overflow
            step = jnp.minimum(step, INT32_MAX - k) + k
        elif k < 0:  # step + k >= -MAX: no overflow; the wrapped schedule clamps at 0
            step = step + k
        return self.schedule._evaluate(step)

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
        """The original's phase boundaries in local steps (those not passed yet)."""
        return {
            name: b - self.start_step
            for name, b in self.schedule.boundaries().items()
            if b - self.start_step >= 0
        }

    def to_config(self) -> dict[str, Any]:
        """The original schedule's config: the shift is a position in the run, not a key."""
        return self.schedule.to_config()


def to_json(value: Any, name: str) -> Any:
    """A field's value as JSON (a Factor as its factor); ValueError for a stacked sweep's array."""
    if isinstance(value, Factor):
        if not is_concrete(value.log):
            to_json(value.log, name)  # raises for a stacked sweep
        return math.exp(float(np.asarray(value.log)))
    if isinstance(value, (bool, str, int, float)) or value is None:
        return value
    if isinstance(value, tuple):
        return [to_json(v, name) for v in value]
    array = np.asarray(value)
    if array.ndim != 0:
        raise ValueError(
            f"`{name}` holds an array of shape {array.shape} (a stacked sweep): "
            "`to_config()` needs a single schedule."
        )
    return array.item()


def stack_size(tree: Any) -> int | None:
    """The number of schedules in a stacked sweep (the leading axis of its leaves), or None.

    Every float hyperparameter of one schedule is a scalar (only integer fields such as
    ``milestones`` are vectors), so a float leaf with a leading axis marks a stack. Inside
    ``vmap`` the leaves are scalars: the schedule being evaluated is one row.
    """
    return _rows(jax.tree.leaves(tree))


def _rows(leaves: list[Any]) -> int | None:
    """:func:`stack_size` of already flattened leaves."""
    for x in leaves:
        shape = getattr(x, "shape", ())
        if len(shape) >= 1 and np.issubdtype(x.dtype, np.floating):
            return int(shape[0])
    return None


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


#: Whether eager calls run the compiled function (tests that evaluate hundreds of distinct
#: schedules once each turn it off: op-by-op dispatch shares JAX's per-primitive caches).
EAGER_COMPILE = True


def _compiled(schedule: Schedule) -> Any:
    """The jitted ``schedule._evaluate`` (equal schedules share it), or None if unhashable."""
    if not EAGER_COMPILE:
        return None
    try:
        return _compiled_for(schedule)
    except TypeError:  # a field holds an array
        return None


def _host_step(step: Any) -> Any:
    """``step`` clamped on the host where that is exact, so the compiled function sees int32."""
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"A step must be an integer, got the boolean {step!r}.")
    if isinstance(step, (int, np.integer)):
        return np.asarray(min(max(int(step), 0), INT32_MAX), dtype=int_dtype())
    if isinstance(step, np.ndarray) and np.issubdtype(step.dtype, np.integer):
        return np.clip(step, 0, INT32_MAX)
    return step

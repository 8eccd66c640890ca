"""Composite schedules: ``sequence`` (phases one after the other) and ``product`` (factors).

A ``sequence`` reads each phase at its local step (``step - phase start``), as PyTorch's
``SequentialLR(milestones)`` and optax's ``join_schedules(boundaries)`` do; a ``product``
multiplies its factors' values, as PyTorch's ``ChainedScheduler`` does for multiplicative
schedulers. Both are schedules like any other (pytrees, ``to_config()``, JSON types validated
with full key paths, plotted with their boundaries), and nest: a phase or a factor may be a
``sequence`` or a ``product``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, Union

from pydantic import Field, PrivateAttr

from ._errors import Problems, describe
from ._jax import jnp, np
from ._model import SECTION, Model, config_type
from ._numerics import INT32_MAX, as_step, float_dtype
from ._schedule import Schedule, register_schedule, stack_size, static, to_json

__all__ = ["Product", "Sequential", "product", "sequence"]


def _part_problems(problems: Problems, sub: Problems, path: str, steps_key: str) -> None:
    """Add the problems of a part, re-rooted at ``path`` (``learning_rate.phases[1]``)."""
    for line in sub.lines:
        if line.startswith(SECTION):
            line = path + line[len(SECTION) :]
        elif line.startswith("num_steps:"):
            line = f"{path}.{steps_key}:" + line[len("num_steps:") :]
        problems.add("", line)
    problems.count += sub.count - len(sub.lines)


def _parse_part(
    config: Any, num_steps: int, workers: int | None, problems: Problems, path: str, strict: bool
) -> Model | None:
    from . import config as config_module
    from ._model import parse

    config_module._load_types()
    sub = Problems()
    parsed = parse(config, num_steps, workers, sub, strict=strict)
    _part_problems(problems, sub, path, "steps")
    return parsed


# ---- sequence ---------------------------------------------------------------------------------


@register_schedule
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

    phases: tuple[Schedule, ...]
    starts: tuple[int, ...] = static((), sweep=True)

    def _evaluate(self, step: Any) -> Any:
        step = as_step(step)
        starts = self.starts
        if not isinstance(starts, tuple):  # traced (a stacked sweep): integers of the step's type
            starts = jnp.asarray(starts).astype(step.dtype)
        value = self.phases[0]._evaluate(step)
        for i, phase in enumerate(self.phases[1:]):
            start = starts[i]
            # step - start >= -(2**31 - 1): no overflow; the phase clamps a negative step at 0
            value = jnp.where(step >= start, phase._evaluate(step - start), value)
        return value

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
          ValueError: if a phase's ``num_steps`` is not its length in the sequence (the
            config builds each phase with its length), or for a stacked sweep.
        """
        size = stack_size(self)
        if size is not None:  # its phases may have other lengths in each schedule
            raise ValueError(
                f"A stacked sweep of {size} sequences: `to_config()` needs a single schedule "
                "(`stacked[i].to_config()`)."
            )
        begins = (0, *self.starts)
        ends = (*self.starts, self.num_steps)
        phases = []
        for i, (phase, begin, end) in enumerate(zip(self.phases, begins, ends, strict=True)):
            if phase.num_steps != end - begin:
                raise ValueError(
                    f"phases[{i}] runs for {end - begin} steps but was built with num_steps="
                    f"{phase.num_steps}: `to_config()` needs each phase built with its length."
                )
            config = phase.to_config()
            phases.append(config if i == len(self.phases) - 1 else {"steps": end - begin, **config})
        return {"type": "sequence", "phases": phases}


def _from_keys(model: type[Model], config: dict[str, Any], num_steps: Any, workers: Any) -> Any:
    from ._model import check

    if num_steps is None:
        raise TypeError("missing a required keyword-only argument: 'num_steps'")
    parsed, steps, workers = check(config, num_steps, workers, model, strict=True)
    return parsed.build(steps, workers)


def _sequence(
    schedules: Sequence[Schedule] | None = None,
    *,
    boundaries: Sequence[int] | None = None,
    phases: list[dict[str, Any]] | None = None,
    num_steps: int | None = None,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
) -> Sequential:
    """Schedules one after the other: ``schedules[i]`` read at ``step - boundaries[i-1]``.

    Two forms: ``sequence([s1, s2, ...], boundaries=[b1, ...])`` over built schedules, or
    the keys of the JSON type, ``sequence(phases=[...], num_steps=N)`` (validated as
    ``make_schedule`` does, with ``scale_by_worker`` the phases' default and ``num_workers``).

    As optax's ``join_schedules(schedules, boundaries)`` and PyTorch's
    ``SequentialLR(schedulers, milestones)``, but the result is a schedule (a pytree with
    ``to_config()``, plots with its boundaries marked). ``num_steps`` of the result is
    ``boundaries[-1] + schedules[-1].num_steps``.

    Args:
      schedules: two or more built schedules (a ``sequence`` or a product included), all with
        the same ``num_workers``.
      boundaries: the global steps where the second, third, ... schedule starts: strictly
        increasing ints >= 1, one fewer than ``schedules``. A phase may run longer or shorter
        than its ``num_steps`` (it is read at its local step, clamped at its end as every
        schedule is); ``to_config()`` needs them equal.

    Returns:
      A :class:`Sequential` schedule.

    Raises:
      TypeError: if a schedule is not a :class:`~lrschedules_jax.Schedule` or a boundary is
        not an int.
      ValueError: for a wrong number of boundaries, boundaries not increasing from 1, or
        different ``num_workers``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> a = lrs.constant(start_lr=1e-3, num_steps=100)
      >>> b = lrs.linear(start_lr=5e-4, stop_lr=0.0, num_steps=100)
      >>> s = lrs.sequence([a, b], boundaries=[100])
      >>> s.num_steps, float(s(99)), float(s(150))
      (200, 0.0010000000474974513, 0.0002500000118743628)
    """
    if phases is not None:
        if schedules is not None or boundaries is not None:
            raise TypeError("give `schedules` and `boundaries`, or `phases`, not both.")
        config = {"type": "sequence", "phases": phases, "scale_by_worker": scale_by_worker}
        return _from_keys(SequenceConfig, config, num_steps, num_workers)  # type: ignore[no-any-return]
    if schedules is None or boundaries is None:
        raise TypeError("`sequence` needs `schedules` and `boundaries` (or `phases`).")
    schedules = tuple(schedules)
    boundaries = tuple(boundaries)
    if not schedules:
        raise ValueError("`schedules` must hold at least one schedule; got none.")
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(f"`schedules[{i}]` must be a Schedule; got {describe(s)}.")
    for i, b in enumerate(boundaries):
        if isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, np.integer)):
            raise TypeError(f"`boundaries[{i}]` must be an int; got {describe(b)}.")
    boundaries = tuple(int(b) for b in boundaries)
    if len(boundaries) != len(schedules) - 1:
        raise ValueError(
            f"`boundaries` must hold one step fewer than `schedules` ({len(schedules) - 1}); "
            f"got {len(boundaries)}."
        )
    previous = 0
    for i, b in enumerate(boundaries):
        if not previous < b <= INT32_MAX:
            raise ValueError(
                f"`boundaries` must increase strictly from 1 to at most {INT32_MAX}; "
                f"boundaries[{i}] is {b}."
            )
        previous = b
    workers = {s.num_workers for s in schedules}
    if len(workers) > 1:
        raise ValueError(f"every schedule must have the same `num_workers`; got {sorted(workers)}.")
    _stack_size(schedules, "schedules", "sequence")
    last = schedules[-1].num_steps  # an int32 array in a stack whose lengths differ
    if isinstance(last, (int, np.integer)):
        total: Any = min(previous + int(last), INT32_MAX)
    else:
        total = np.minimum(previous + np.asarray(last, np.int64), INT32_MAX).astype(np.int32)
    modes = {s.scale_by_worker for s in schedules}
    return Sequential(
        phases=schedules,
        starts=boundaries,
        num_steps=total,
        scale_by_worker=modes.pop() if len(modes) == 1 else "none",
        num_workers=schedules[0].num_workers,
    )


@config_type(Sequential)
class SequenceConfig(Model):
    """``sequence``: phases one after the other, each any type (a ``sequence`` included)."""

    key_hints: ClassVar[dict[str, str]] = {"steps": "each phase has its `steps`."}

    type: Literal["sequence"] = Field(description="The schedule type.")
    phases: list[dict[str, Any]] = Field(
        min_length=1,
        description="The phases in order: each a `learning_rate` mapping of any type plus "
        "`steps`, its length (every phase but the last; the last runs to `num_steps`). A phase "
        "is built with its length as its `num_steps` and read at `step - its start`.",
    )
    scale_by_worker: Literal["linear", "sqrt", "none"] = Field(
        "linear",
        description="The `scale_by_worker` of every phase that does not give its own (each "
        "phase scales itself).",
    )

    _parts: list[Model] = PrivateAttr(default_factory=list)
    _lengths: list[int] = PrivateAttr(default_factory=list)

    def check_parts(
        self, num_steps: int | None, workers: int | None, problems: Problems, strict: bool
    ) -> None:
        lengths: list[int | None] = []
        last = len(self.phases) - 1
        for i, phase in enumerate(self.phases):
            path = f"{SECTION}.phases[{i}].steps"
            if i == last:
                if "steps" in phase:
                    problems.add(path, "the last phase runs to `num_steps`: remove `steps`.")
                lengths.append(None)
            elif "steps" not in phase:
                problems.add(path, "is required (every phase but the last has its length).")
                lengths.append(None)
            else:
                lengths.append(problems.integer(path, phase["steps"], 1, INT32_MAX))
        if num_steps is None or any(n is None for n in lengths[:-1]):
            return
        used = sum(lengths[:-1])  # type: ignore[arg-type]
        if used > num_steps:
            problems.add(
                f"{SECTION}.phases",
                f"the phases' `steps` add up to {used}, more than `num_steps` ({num_steps}).",
            )
            return
        lengths[-1] = num_steps - used
        parts = []
        for i, (phase, length) in enumerate(zip(self.phases, lengths, strict=True)):
            config = {"scale_by_worker": self.scale_by_worker}
            config.update((k, v) for k, v in phase.items() if k != "steps")
            path = f"{SECTION}.phases[{i}]"
            parts.append(_parse_part(config, length, workers, problems, path, strict))  # type: ignore[arg-type]
        self._parts = parts  # type: ignore[assignment]
        self._lengths = lengths  # type: ignore[assignment]

    def build(self, num_steps: int, num_workers: int = 1) -> Schedule:
        phases = [p.build(n, num_workers) for p, n in zip(self._parts, self._lengths, strict=True)]
        starts = []
        begin = 0
        for n in self._lengths[:-1]:
            begin += n
            starts.append(begin)
        return Sequential(
            phases=tuple(phases),
            starts=tuple(starts),
            num_steps=num_steps,
            scale_by_worker=self.scale_by_worker,
            num_workers=num_workers,
        )


# ---- product ----------------------------------------------------------------------------------


@register_schedule
class Product(Schedule):
    """The product of schedules and a constant factor.

    .. math::
      \\mathrm{lr}(s) = c \\prod_i \\mathrm{factor}_i(s)

    Made by ``s * 0.5``, ``0.5 * s``, ``s1 * s2`` or the JSON type ``product``. PyTorch's
    ``ChainedScheduler`` multiplies its schedulers' factors the same way.

    Attributes:
      factors: the schedules (pytree children).
      constant: the constant factor ``c`` (a float leaf).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.cosine(start_lr=1.0, stop_lr=0.0, num_steps=100)
      >>> [round(float(x(50)), 6) for x in (s * 0.5, 0.5 * s, s * s)]
      [0.25, 0.25, 0.25]
    """

    factors: tuple[Schedule, ...]
    constant: Any = 1.0

    def _evaluate(self, step: Any) -> Any:
        step = as_step(step)
        value = self.factors[0]._evaluate(step)
        for factor in self.factors[1:]:
            value = value * factor._evaluate(step)
        if isinstance(self.constant, float) and self.constant == 1.0:
            return value
        return value * jnp.asarray(self.constant, float_dtype())

    def boundaries(self) -> dict[str, int]:
        """Every factor's boundaries, named ``factors[i].name``."""
        marks: dict[str, int] = {}
        for i, factor in enumerate(self.factors):
            for name, b in factor.boundaries().items():
                if name != "end" and b < self.num_steps:
                    marks[f"factors[{i}].{name}"] = b
        marks["end"] = self.num_steps
        return marks

    def to_config(self) -> dict[str, Any]:
        """``{"type": "product", "factors": [constant, *factor configs]}``.

        Raises:
          ValueError: if a factor's ``num_steps`` differs from the product's.
        """
        factors: list[Any] = []
        constant = float(to_json(self.constant, "constant"))  # ValueError for a stack
        if constant != 1.0:
            factors.append(constant)
        for i, f in enumerate(self.factors):
            if f.num_steps != self.num_steps:
                raise ValueError(
                    f"factors[{i}] has num_steps={f.num_steps}, the product {self.num_steps}: "
                    "`to_config()` needs every factor built with the same num_steps."
                )
            factors.append(f.to_config())
        return {"type": "product", "factors": factors}


def _scaling(s: Schedule) -> bool:
    return s.num_workers > 1 and s.scale_by_worker != "none"


def _product(
    *factors: Schedule | float,
    num_steps: int | None = None,
    scale_by_worker: str = "linear",
    num_workers: int | str = 1,
    **keys: Any,
) -> Product:
    """The product of schedules and numbers (what ``s * x`` and ``x * s`` return).

    Two forms: ``product(s1, 0.5, s2)`` over built schedules, or the keys of the JSON type,
    ``product(factors=[...], num_steps=N)`` (validated as ``make_schedule`` does).

    Products flatten (``(a * b) * c`` has three factors) and the numbers multiply into one
    constant. ``num_steps`` is the largest of the factors'.

    Raises:
      TypeError: if a factor is neither a schedule nor a real number.
      ValueError: for a number that is negative or not finite, no schedule at all, different
        ``num_workers``, or two factors that scale with the workers (the rate would be scaled
        twice: build the others with ``scale_by_worker="none"``).
    """
    if keys:
        if set(keys) != {"factors"} or factors:
            raise TypeError(f"unexpected arguments: {sorted(keys)}; give factors or `factors=`.")
        config = {"type": "product", "factors": keys["factors"], "scale_by_worker": scale_by_worker}
        return _from_keys(ProductConfig, config, num_steps, num_workers)  # type: ignore[no-any-return]
    schedules: list[Schedule] = []
    constant: Any = 1.0
    for f in factors:
        if isinstance(f, Product):
            schedules += f.factors
            c = f.constant  # a float64 array in a stack of products
            constant = constant * (float(c) if np.ndim(c) == 0 else np.asarray(c, np.float64))
        elif isinstance(f, Schedule):
            schedules.append(f)
        elif isinstance(f, (int, float, np.integer, np.floating)) and not isinstance(f, bool):
            if not (math.isfinite(f) and f >= 0):
                raise ValueError(f"a constant factor must be finite and >= 0; got {f!r}.")
            constant *= float(f)
        else:
            raise TypeError(f"a factor must be a Schedule or a number; got {describe(f)}.")
    if not schedules:
        raise ValueError("a product needs at least one schedule.")
    workers = {s.num_workers for s in schedules}
    if len(workers) > 1:
        raise ValueError(f"every factor must have the same `num_workers`; got {sorted(workers)}.")
    if sum(_scaling(s) for s in schedules) > 1:
        raise ValueError(
            "two factors scale with the workers (the rate would be scaled twice); build every "
            'factor but one with scale_by_worker="none".'
        )
    scaling = [s.scale_by_worker for s in schedules if s.scale_by_worker != "none"]
    size = _stack_size(schedules, "factors", "product")
    if size is not None:  # a product of stacks: one constant per schedule, as for its factors
        constant = np.broadcast_to(np.asarray(constant, np.float64), (size,)).copy()
    counts = [s.num_steps for s in schedules]
    if all(isinstance(n, (int, np.integer)) for n in counts):
        num_steps: Any = max(counts)
    else:  # stacks whose lengths differ
        num_steps = np.asarray(np.max(np.broadcast_arrays(*counts), axis=0), np.int32)
    return Product(
        factors=tuple(schedules),
        constant=constant,
        num_steps=num_steps,
        scale_by_worker=scaling[0] if scaling else "none",
        num_workers=schedules[0].num_workers,
    )


def _stack_size(parts: Sequence[Schedule], name: str, kind: str) -> int | None:
    """The stack size shared by ``parts`` (None: single schedules); TypeError for a mix."""
    sizes = [stack_size(p) for p in parts]

    def said(size: int | None) -> str:
        return "a single schedule" if size is None else f"a stacked sweep of {size} schedules"

    for i, size in enumerate(sizes):
        if size != sizes[0]:
            raise TypeError(
                f"{name}[{i}] is {said(size)} and {name}[0] {said(sizes[0])}: the parts of a "
                f"{kind} are single schedules, or stacks of one size (or stack {kind}s of "
                "single schedules: `lrs.stack([...])`)."
            )
    return sizes[0]


@config_type(Product)
class ProductConfig(Model):
    """``product``: the product of schedules (each any type) and numbers."""

    type: Literal["product"] = Field(description="The schedule type.")
    factors: list[Union[dict[str, Any], float]] = Field(  # noqa: UP007
        min_length=1,
        description="The factors: `learning_rate` mappings of any type, each built with "
        "`num_steps`, and numbers >= 0, multiplied together. At most one factor may scale with "
        "the workers (`scale_by_worker` other than `none`).",
    )
    scale_by_worker: Literal["linear", "sqrt", "none"] = Field(
        "linear",
        description="The `scale_by_worker` of the first schedule factor if it does not give its "
        "own; the other factors default to `none` (the rate is scaled once).",
    )

    _parts: list[Model] = PrivateAttr(default_factory=list)

    def check_parts(
        self, num_steps: int | None, workers: int | None, problems: Problems, strict: bool
    ) -> None:
        parts: list[Any] = []
        for i, factor in enumerate(self.factors):
            path = f"{SECTION}.factors[{i}]"
            if not isinstance(factor, dict):
                if not factor >= 0:
                    problems.add(path, f"a number factor must be >= 0; got {describe(factor)}.")
                parts.append(factor)
            elif num_steps is not None:
                first = not any(isinstance(p, Model) or p is None for p in parts)
                config = {"scale_by_worker": self.scale_by_worker if first else "none", **factor}
                parts.append(_parse_part(config, num_steps, workers, problems, path, strict))
        if not any(isinstance(p, Model) or p is None for p in parts):
            problems.add(f"{SECTION}.factors", "must hold at least one schedule (a mapping).")
        scaling = [
            i for i, p in enumerate(parts) if isinstance(p, Model) and p.scale_by_worker != "none"
        ]
        if workers is not None and workers > 1 and len(scaling) > 1:
            problems.add(
                f"{SECTION}.factors[{scaling[1]}].scale_by_worker",
                f'must be "none": factors[{scaling[0]}] already scales with the workers.',
            )
        self._parts = parts

    def build(self, num_steps: int, num_workers: int = 1) -> Schedule:
        built = [
            p.build(num_steps, num_workers) if isinstance(p, Model) else float(p)
            for p in self._parts
        ]
        result = _product(*built)
        return result.replace(num_steps=num_steps)


def _dual(python_form: Callable[..., Any], model: type[Model]) -> Callable[..., Any]:
    """``name(...)``: the builder from the keys (its signature, as every type's), or the
    Python form over built schedules when called with positional arguments or
    ``boundaries=``."""
    from ._model import builder

    keys = builder(model)

    def build(*args: Any, **kwargs: Any) -> Any:
        if args or "boundaries" in kwargs or "schedules" in kwargs:
            return python_form(*args, **kwargs)
        return keys(**kwargs)

    build.__name__ = build.__qualname__ = model.type_name
    build.__signature__ = keys.__signature__  # type: ignore[attr-defined]
    build.__doc__ = (python_form.__doc__ or "") + "\n\nFrom the keys:\n\n" + (keys.__doc__ or "")
    return build


sequence = _dual(_sequence, SequenceConfig)
product = _dual(_product, ProductConfig)

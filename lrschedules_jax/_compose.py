"""The JSON types of the composite schedules: ``sequence``, ``product`` and ``shifted``.

A ``sequence`` reads each phase at its local step (``step - phase start``), as PyTorch's
``SequentialLR(milestones)`` and optax's ``join_schedules(boundaries)`` do; a ``product``
multiplies its factors' values, as PyTorch's ``ChainedScheduler`` does for multiplicative
schedulers; a ``shifted`` schedule is read from a global step on (``Schedule.shifted``). The
schedule classes live beside the base (``_schedule``); their keys (parts that are sections of
any type) are stated here, in their config models, whose validators parse the parts: every
model builds right after ``model_validate``. Parts nest: a phase or a factor may be a
``sequence`` or a ``product``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ._errors import Problems, as_real, describe
from ._model import SECTION, Model, builder, parse, set_model, with_noise_keys
from ._numerics import F32_MAX, F32_TINY, INT32_MAX
from ._schedule import Product, Schedule, Sequential, Shifted, product, schedule_type, sequence

__all__ = [
    "ProductConfig",
    "SequenceConfig",
    "ShiftedConfig",
    "product_builder",
    "sequence_builder",
]

_MODES = Literal["linear", "sqrt", "none"]


def _rerooted(sub: Problems, path: str, steps_key: str) -> list[str]:
    """The problems of a part, re-rooted at ``path`` (``learning_rate.phases[1]``)."""
    lines = []
    for line in sub.lines:
        if line.startswith(SECTION):
            line = path + line[len(SECTION) :]
        elif line.startswith("num_steps:"):
            line = f"{path}.{steps_key}:" + line[len("num_steps:") :]
        lines.append(line)
    return lines


class _Composite(Model):
    """A type whose parts are sections: they are parsed by the model validator."""

    _parts: list[Any] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _parse_parts(self, info: ValidationInfo) -> _Composite:
        context = info.context or {}
        problems = Problems()
        self._check(context, problems)
        if problems:
            raise PydanticCustomError(
                "config_parts",
                "invalid parts",
                {"lines": list(problems.lines), "hidden": problems.count - len(problems.lines)},
            )
        return self

    def _check(self, context: Mapping[str, Any], problems: Problems) -> None:
        raise NotImplementedError

    def _part(
        self,
        config: Any,
        num_steps: int | None,
        context: Mapping[str, Any],
        path: str,
        slot: bool = True,
    ) -> tuple[Model | None, list[str], int]:
        """A part parsed as a section of ``num_steps`` steps (``slot``: it must run exactly
        that many, as a sequence's phase and a product's factor do), its problems re-rooted."""
        sub = Problems()
        parsed = parse(
            config,
            num_steps,
            context.get("workers"),
            sub,
            strict=bool(context.get("strict")),
            lookup=context.get("lookup"),
            depth=int(context.get("depth", 0)) + 1,
            auto=bool(context.get("auto")),
            slot=slot,
        )
        return parsed, _rerooted(sub, path, "steps"), sub.count - len(sub.lines)

    def _ensure_parts(self, num_steps: int, num_workers: int, auto: bool = False) -> None:
        """Parse the parts again for ``num_steps`` when the model was validated without it."""
        if self._parts and self._steps == num_steps:
            return
        problems = Problems()
        self._check({"num_steps": num_steps, "workers": num_workers, "auto": auto}, problems)
        problems.raise_if_any()

    _steps: int | None = PrivateAttr(default=None)

    def _inherited(self) -> dict[str, Any]:
        """The keys a part takes from the composite when it does not give its own: the
        ``scale_by_worker`` the composite gives. A composite that does not give one leaves
        its parts their own default (the same, ``linear``), so that with ``num_workers="auto"``
        a part scales only if the section says ``scale_by_worker`` somewhere above it or in
        it, as a section alone does."""
        if "scale_by_worker" in self.model_fields_set:
            return {"scale_by_worker": self.scale_by_worker}  # type: ignore[attr-defined]
        return {}

    def rates(self) -> dict[str, tuple[str, float]]:
        return {}  # every part checks its own rates


class _SequenceKeys(_Composite):
    """``sequence``: phases one after the other, each any type (a ``sequence`` included)."""

    type: Literal["sequence"] = Field(description="The schedule type.")
    phases: list[dict[str, Any]] = Field(
        min_length=1,
        description="The phases in order: each a `learning_rate` mapping of any type plus "
        "`steps`, its length (every phase but the last; the last runs to `num_steps`). A phase "
        "is built with its length as its `num_steps` and read at `step - its start`.",
    )
    scale_by_worker: _MODES = Field(
        "linear",
        description="The `scale_by_worker` of every phase that does not give its own (each "
        "phase scales itself).",
    )

    def _check(self, context: Mapping[str, Any], problems: Problems) -> None:
        num_steps = context.get("num_steps")
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
        known = num_steps is not None and all(n is not None for n in lengths[:-1])
        if known:
            used = sum(lengths[:-1])  # type: ignore[arg-type]
            if used > num_steps:  # type: ignore[operator]
                problems.add(
                    f"{SECTION}.phases",
                    f"the phases' `steps` add up to {used}, more than `num_steps` ({num_steps}).",
                )
                known = False
            else:
                lengths[-1] = num_steps - used  # type: ignore[operator]
        parts = []
        for i, (phase, length) in enumerate(zip(self.phases, lengths, strict=True)):
            config = self._inherited()
            config.update((k, v) for k, v in phase.items() if k != "steps")
            parsed, lines, hidden = self._part(
                config, length if known else None, context, f"{SECTION}.phases[{i}]"
            )
            for line in lines:
                problems.add("", line)
            problems.count += hidden
            parts.append((parsed, length))
        if known and not problems:
            self._parts = parts
            self._steps = num_steps

    def build_own(self, num_steps: int) -> Schedule:
        raise NotImplementedError  # a sequence is built from its parts (see build)

    def build(self, num_steps: int, num_workers: int = 1, *, auto: bool = False) -> Schedule:
        from ._model import with_workers_and_noise

        self._ensure_parts(num_steps, num_workers, auto)
        phases = [p.build(n, num_workers, auto=auto) for p, n in self._parts]
        starts = []
        begin = 0
        for _, n in self._parts[:-1]:
            begin += n
            starts.append(begin)
        schedule = Sequential(phases=tuple(phases), starts=tuple(starts), num_steps=num_steps)
        return with_workers_and_noise(self, schedule, 1)


class _ProductKeys(_Composite):
    """``product``: the product of schedules (each any type) and numbers."""

    type: Literal["product"] = Field(description="The schedule type.")
    factors: list[Union[dict[str, Any], float]] = Field(  # noqa: UP007
        min_length=1,
        description="The factors: `learning_rate` mappings of any type, each built with "
        "`num_steps`, and numbers >= 0, multiplied together. At most one factor may scale with "
        "the workers (`scale_by_worker` other than `none`).",
    )
    scale_by_worker: _MODES = Field(
        "linear",
        description="The `scale_by_worker` of the first schedule factor if it does not give its "
        "own; the other factors default to `none` (the rate is scaled once).",
    )

    @field_validator("factors", mode="before")
    @classmethod
    def _one_problem_per_factor(cls, value: Any) -> Any:
        """A factor that is neither a mapping nor a finite number is one problem at its index
        (pydantic would report it once per member of the union, under the members' names)."""
        if not isinstance(value, list):
            return value
        lines = [
            f"{SECTION}.factors[{i}]: must be a `{SECTION}` mapping or a number >= 0; got "
            f"{describe(item, with_type=True)}."
            for i, item in enumerate(value)
            if not isinstance(item, dict) and as_real(item) is None
        ]
        if lines:
            raise PydanticCustomError(
                "config_parts",
                "invalid parts",
                {"lines": lines[:50], "hidden": max(len(lines) - 50, 0)},
            )
        return value

    def _check(self, context: Mapping[str, Any], problems: Problems) -> None:
        num_steps = context.get("num_steps")
        workers = context.get("workers")
        parts: list[Any] = []
        constant = 1.0
        first = True
        for i, factor in enumerate(self.factors):
            path = f"{SECTION}.factors[{i}]"
            if not isinstance(factor, dict):
                if not factor >= 0:
                    problems.add(path, f"a number factor must be >= 0; got {describe(factor)}.")
                else:
                    constant *= factor
                parts.append(factor)
                continue
            config = {**(self._inherited() if first else {"scale_by_worker": "none"}), **factor}
            first = False
            parsed, lines, hidden = self._part(config, num_steps, context, path)
            for line in lines:
                problems.add("", line)
            problems.count += hidden
            parts.append(parsed)
        if first:
            problems.add(f"{SECTION}.factors", "must hold at least one schedule (a mapping).")
        auto = bool(context.get("auto"))
        models = [(i, p) for i, p in enumerate(parts) if isinstance(p, Model)]
        scaling = [i for i, p in models if _scales(p, auto)]
        if workers is not None and workers > 1 and len(scaling) > 1:
            problems.add(
                f"{SECTION}.factors[{scaling[1]}].scale_by_worker",
                f'must be "none": factors[{scaling[0]}] already scales with the workers.',
            )
        if models and not problems:
            _check_constant(constant, models, workers, problems, auto)
        if num_steps is not None and not problems:
            self._parts = parts
            self._steps = num_steps

    def build_own(self, num_steps: int) -> Schedule:
        raise NotImplementedError  # a product is built from its parts (see build)

    def build(self, num_steps: int, num_workers: int = 1, *, auto: bool = False) -> Schedule:
        from ._model import with_workers_and_noise

        self._ensure_parts(num_steps, num_workers, auto)
        built = [
            p.build(num_steps, num_workers, auto=auto) if isinstance(p, Model) else float(p)
            for p in self._parts
        ]
        result = product(*built).replace(num_steps=num_steps)
        return with_workers_and_noise(self, result, 1)


def _scales(model: Model, auto: bool = False) -> bool:
    """Whether a part (any type, nested composites included) scales with the workers
    (``auto``: ``"auto"`` workers, which scale only a part that gives ``scale_by_worker``)."""
    if isinstance(model, _SequenceKeys):
        return any(isinstance(p, Model) and _scales(p, auto) for p, _ in model._parts) or (
            not model._parts and model.scale_by_worker != "none" and model.scaled_by(auto)
        )
    if isinstance(model, _ProductKeys):
        return any(isinstance(p, Model) and _scales(p, auto) for p in model._parts)
    if isinstance(model, _ShiftedKeys):
        return bool(model._parts) and _scales(model._parts[0], auto)
    return getattr(model, "scale_by_worker", "none") != "none" and model.scaled_by(auto)


def _peak(model: Model) -> float | None:
    """The largest rate a part reaches (before scaling), if known from its keys."""
    rates = [rate for _, rate in model.rates().values()]
    values = model.values()
    peaks = [values[k] for k in ("start_lr", "max_lr") if isinstance(values.get(k), float)]
    return max(peaks) if peaks else (max(rates) if rates else None)


def _check_constant(
    constant: float,
    models: list[tuple[int, Model]],
    workers: int | None,
    problems: Problems,
    auto: bool = False,
) -> None:
    """The product's constant times its first factor's rates stays a normal float32 number;
    the product of the factors' peaks stays finite."""
    index, first = models[0]
    path = f"{SECTION}.factors"
    scale = first.scale_factor(workers, auto) * constant
    for key, (_, rate) in first.rates().items():
        scaled = rate * scale
        if 0 < scaled < F32_TINY:
            problems.add(
                f"{path}[{index}].{key}",
                f"times the product's constant factor ({constant:g}) must be 0 or at least "
                f"{F32_TINY:.7g} (the smallest normal float32); got {describe(rate)}.",
            )
        elif scaled > F32_MAX:
            problems.add(
                f"{path}[{index}].{key}",
                f"times the product's constant factor ({constant:g}) must be at most "
                f"{F32_MAX:.7g} (the largest float32); got {describe(rate)}.",
            )
    peak = constant
    for _, model in models:
        p = _peak(model)
        if p is not None:
            peak *= p * model.scale_factor(workers, auto)
    if peak > F32_MAX:
        problems.add(
            path,
            f"the product of the factors' peaks ({peak:.7g}) must be at most {F32_MAX:.7g} "
            "(the largest float32).",
        )


class _ShiftedKeys(_Composite):
    """``shifted``: a schedule read from a global step on (``Schedule.shifted``)."""

    type: Literal["shifted"] = Field(description="The schedule type.")
    start_step: int = Field(
        ge=-INT32_MAX,
        le=INT32_MAX,
        description="The global step that the schedule's step 0 stands for (negative: a delay).",
    )
    schedule: dict[str, Any] = Field(
        description="The schedule: a `learning_rate` mapping of any type, built with `num_steps`."
    )
    scale_by_worker: _MODES = Field(
        "linear",
        description="The `scale_by_worker` of the schedule if it does not give its own.",
    )

    def _check(self, context: Mapping[str, Any], problems: Problems) -> None:
        num_steps = context.get("num_steps")
        config = {**self._inherited(), **self.schedule}
        parsed, lines, hidden = self._part(
            config, num_steps, context, f"{SECTION}.schedule", slot=False
        )
        for line in lines:
            problems.add("", line)
        problems.count += hidden
        if num_steps is not None and parsed is not None and not problems:
            self._parts = [parsed]
            self._steps = num_steps

    def schedule_of(self) -> Model:
        return self._parts[0]

    def build(self, num_steps: int, num_workers: int = 1, *, auto: bool = False) -> Schedule:
        from ._model import with_workers_and_noise

        self._ensure_parts(num_steps, num_workers, auto)
        inner = self._parts[0].build(num_steps, num_workers, auto=auto)
        return with_workers_and_noise(self, inner.shifted(self.start_step), 1)


SequenceConfig = with_noise_keys(_SequenceKeys, "SequenceConfig")
ProductConfig = with_noise_keys(_ProductKeys, "ProductConfig")
ShiftedConfig = with_noise_keys(_ShiftedKeys, "ShiftedConfig")
for _cls, _model in (
    (Sequential, SequenceConfig),
    (Product, ProductConfig),
    (Shifted, ShiftedConfig),
):
    schedule_type(_cls.type_name)(_cls)
    set_model(_cls, _model)


def _dual(
    python_form: Callable[..., Any], model: type[Model], cls: type[Schedule]
) -> Callable[..., Any]:
    """``name(...)``: the builder from the keys (its signature, as every type's), or the
    Python form over built schedules when called with positional arguments or
    ``boundaries=``."""
    keys = builder(cls)

    def build(*args: Any, **kwargs: Any) -> Any:
        if args or "boundaries" in kwargs or "schedules" in kwargs:
            return python_form(*args, **kwargs)
        return keys(**kwargs)

    build.__name__ = build.__qualname__ = model.type_name
    build.__signature__ = keys.__signature__  # type: ignore[attr-defined]
    build.__doc__ = (python_form.__doc__ or "") + "\n\nFrom the keys:\n\n" + (keys.__doc__ or "")
    return build


def _sequence(
    schedules: Sequence[Schedule] | None = None, boundaries: Sequence[int] | None = None
) -> Sequential:
    if schedules is None or boundaries is None:
        raise TypeError("`sequence` needs `schedules` and `boundaries` (or the keys, `phases=`).")
    return sequence(schedules, boundaries)


_sequence.__doc__ = sequence.__doc__


def sequence_builder() -> Callable[..., Any]:
    """``lrs.sequence``: over built schedules and boundaries, or from the keys."""
    return _dual(_sequence, SequenceConfig, Sequential)


def product_builder() -> Callable[..., Any]:
    """``lrs.product``: over built schedules and numbers, or from the keys."""
    return _dual(product, ProductConfig, Product)


def _iter_parts(model: Model) -> Iterator[Model]:
    """Every part model of a composite (for the tools that walk a config)."""
    parts = getattr(model, "_parts", [])
    for p in parts:
        p = p[0] if isinstance(p, tuple) else p
        if isinstance(p, Model):
            yield p

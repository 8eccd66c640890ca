"""The config layer's machinery: the pydantic model and the builder of every type, generated
from its declaration; validation with every problem listed; the float32 check of every rate.

A type is declared once, as its schedule class (``_schedule.schedule_type``): its keys are the
class's fields and ``InitVar`` inputs, with their defaults, bounds, descriptions and kinds. This
module turns a declaration into a pydantic model (:func:`model_for`: the keys, the shared
``noise_*`` keys, the blocks such as ``cooldown``, the cross-field rules as a model validator,
``build``), whose JSON Schema is the documentation editors show, and into the keyword-only
builder ``lrs.<type>(...)`` (:func:`builder`: its signature and docstring from the same
declaration). pydantic stays the validator. This module imports pydantic but not JAX.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import types
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ._dialects import key_hint, type_hint
from ._errors import (
    MAX_DEPTH,
    LegacyInputWarning,
    Problems,
    as_count,
    close_match,
    describe,
    key_text,
    too_deep,
)
from ._numerics import INT32_MAX
from ._schedule import (
    EXTENSION,
    Noise,
    Rule,
    Schedule,
    annotations,
    checked,
    key_fields,
    rate_problems,
    registered_types,
    worker_scale,
)
from ._warmup import MISSING_STOP, batch_factor

__all__ = [
    "SECTION",
    "Model",
    "builder",
    "check",
    "extension_keys",
    "extension_problems",
    "model_for",
    "models",
    "parse",
]

SECTION = "learning_rate"
#: The type of a section without ``type`` (DeePMD-kit's default).
DEFAULT_TYPE = "exp"

MISSING_START = (
    "is required since DeePMD-kit 3.1.3 (older releases silently used a default); "
    'add it, for example "start_lr": 0.001'
)
#: DeePMD-kit 3.2's ``_check_lr_stop_args`` sets this ``stop_lr`` when neither stop key is given.
LEGACY_STOP_LR = 5e-8

NOISE_KEYS = tuple(f.name for f in key_fields(Noise))
#: The most schedules one section may be made of: the parts of its ``sequence``, ``product``
#: and ``shifted`` schedules, nested ones included. Each part is validated, built and compiled
#: (a sequence evaluates every phase), so the count bounds the time and memory of a section
#: whatever its size in bytes: a 10 MB file could hold 200,000 phases.
MAX_PARTS = 1000
#: The keys holding the parts of each composite type.
_PARTS = {"sequence": "phases", "product": "factors", "shifted": "schedule"}


def _mark_extension_type(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Mark a type's JSON Schema ``"x-extension": true`` when the whole type is an extension,
    and give its example."""
    if "type" not in schema.get("properties", {}):
        return
    cls = getattr(model, "schedule_class", None)
    if getattr(cls, "extension_type", False):
        schema["x-extension"] = True
    if getattr(cls, "example", None):
        schema["examples"] = [cls.example]  # type: ignore[union-attr]


class Model(BaseModel):
    """The base of every type's config model (generated from its schedule class).

    ``model_validate`` checks every key, bound and cross-field rule (with ``context={"num_steps":
    N}`` for the rules that need it); :meth:`resolve` gives every derived value; :meth:`build`
    makes the schedule.
    """

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        allow_inf_nan=False,
        frozen=True,
        populate_by_name=False,
        defer_build=True,
        json_schema_extra=_mark_extension_type,
    )

    #: The type's name and schedule class, set when the model is generated.
    type_name: ClassVar[str] = ""
    schedule_class: ClassVar[type[Schedule]]
    #: The names of the keys the schedule class takes (not the noise keys nor the blocks).
    class_keys: ClassVar[tuple[str, ...]] = ()
    #: Blocks of keys that transform the built schedule (``cooldown``), by key.
    blocks: ClassVar[dict[str, type]] = {}

    @classmethod
    def key_hints(cls) -> dict[str, str]:
        return getattr(cls.schedule_class, "key_hints", {})

    @classmethod
    def min_num_steps(cls) -> int:
        return getattr(cls.schedule_class, "min_num_steps", 0)

    @classmethod
    def extension_type(cls) -> bool:
        return getattr(cls.schedule_class, "extension_type", True)

    @model_validator(mode="after")
    def _cross_field_rules(self, info: ValidationInfo) -> Model:
        context = info.context or {}
        num_steps = context.get("num_steps")
        rules = list(self._rules(self.values(), num_steps, bool(context.get("slot"))))
        if rules:
            raise PydanticCustomError(
                "config_rules", "; ".join(m for _, m in rules), {"rules": rules}
            )
        return self

    def values(self) -> dict[str, Any]:
        """Every key as the schedule class takes it (a block as a mapping)."""
        out = {name: self.__dict__[name] for name in type(self).model_fields}
        for name, value in out.items():
            if isinstance(value, BaseModel):
                out[name] = value.model_dump()
        return out

    @classmethod
    def _rules(cls, v: dict[str, Any], num_steps: int | None, slot: bool = False) -> Iterator[Rule]:
        """The cross-field problems of the valid values ``v`` (keys that failed are absent).
        ``slot``: the section is a part that runs exactly ``num_steps`` steps (a sequence's
        phase, a product's factor), which a cooldown block must then end with."""
        yield from _noise_rules(v)
        schedule_class = cls.schedule_class
        keys = {k: v[k] for k in cls.class_keys if k in v}
        inputs = list(schedule_class.input_rules(keys, num_steps))
        yield from inputs
        if inputs:
            return
        resolved = schedule_class.resolve(keys, num_steps)
        yield from schedule_class.rules(resolved, num_steps)
        for name, block in cls.blocks.items():
            given = v.get(name)
            if given is not None and num_steps is not None:
                rules = list(_block_rules(cls, name, block, given, resolved, num_steps))
                yield from rules
                at, length = given.get("at_step"), given.get("length")
                if slot and not rules and at + length != num_steps:
                    yield (
                        f"{name}.length",
                        f"a cooldown in a sequence phase or a product factor ends with the part, "
                        f"which runs {num_steps} steps: at_step + length must be {num_steps}; "
                        f"got {at + length}",
                    )

    def resolve(self, num_steps: int) -> Model:
        """This config with every derived value made concrete for ``num_steps``."""
        cls = type(self)
        keys = {k: v for k, v in self.values().items() if k in cls.class_keys}
        resolved = cls.schedule_class.resolve(keys, num_steps)
        update = {}
        block = resolved.get("batch_scaling")
        if isinstance(block, Mapping) and block.get("warmup_steps") is not None:
            resolved["warmup_steps"] = block["warmup_steps"]  # the config keeps the w written
        for name in cls.class_keys:
            if name not in resolved:  # an input (``stop_lr_ratio``): resolved into another
                update[name] = None
            elif not isinstance(resolved[name], Mapping):
                value = resolved[name]
                update[name] = list(value) if isinstance(value, tuple) else value
        return self.model_copy(update=update)

    def build_own(self, num_steps: int) -> Schedule:
        """The type's own schedule for this config (no blocks, workers or noise): made from
        the keys this model resolved and checked, without checking them again."""
        cls = type(self).schedule_class
        keys = {k: v for k, v in self.values().items() if k in type(self).class_keys}
        with checked():
            return cls(**cls.resolve(keys, num_steps), num_steps=num_steps)

    def build(self, num_steps: int, num_workers: int = 1, *, auto: bool = False) -> Schedule:
        """The schedule of this config: the type's own, then its blocks (a ``cooldown``), the
        worker scale (a :class:`Product` factor) and the noise (:class:`Noisy`).

        ``auto``: ``num_workers`` is the device count, which scales only a section that gives
        ``scale_by_worker`` itself (DeePMD-kit's PyTorch and JAX trainers ignore the key).
        """
        schedule = self.build_own(num_steps)
        for name in type(self).blocks:
            block = getattr(self, name, None)
            if block is not None:
                from ._deepmd import cooldown

                schedule = cooldown(schedule, **block.model_dump())
        return with_workers_and_noise(self, schedule, num_workers, auto=auto)

    def rates(self) -> dict[str, tuple[str, float]]:
        """The positive rates that must be normal float32: ``{key: (what, rate)}``."""
        keys = {k: v for k, v in self.values().items() if k in type(self).class_keys}
        rates = getattr(self.schedule_class, "rates", None)
        return rates(keys) if rates is not None else {}

    def notes(self, section: Mapping[str, Any], schedule: Schedule) -> dict[str, str]:
        """Where the derived values shown by ``lrschedules-jax show`` come from, by key."""
        return self.schedule_class.notes(self.values(), section, own_schedule(schedule))

    @classmethod
    def compat_defaults(cls, config: Mapping[str, Any]) -> dict[str, tuple[Any, str, str]]:
        """Backward-compatibility defaults, ``{key: (value, note, refusal)}``, for missing keys.

        For values older DeePMD-kit releases filled in silently: a missing stop key of
        DeePMD-kit's own types becomes its 5e-8. :func:`parse` applies them with a
        :class:`LegacyInputWarning` saying ``note`` (once the config is valid), or reports
        ``refusal`` as a problem with ``strict``.
        """
        if not getattr(cls.schedule_class, "legacy_stop_default", False):
            return {}
        if any(config.get(key) is not None for key in ("stop_lr", "stop_lr_ratio")):
            return {}
        return {
            "stop_lr": (
                LEGACY_STOP_LR,
                "neither `stop_lr` nor `stop_lr_ratio` is given; DeePMD-kit 3.2 then uses its "
                f"old default stop_lr = {LEGACY_STOP_LR:g}, and so do we. Write "
                f'"stop_lr": {LEGACY_STOP_LR:g} (or the rate you want) to make it explicit.',
                f"{MISSING_STOP} (strict mode refuses DeePMD-kit's backward-compatibility "
                f"default {LEGACY_STOP_LR:g}).",
            )
        }

    def scaled_by(self, auto: bool) -> bool:
        """Whether the workers may scale this section: always for a number of workers, and
        for ``"auto"`` workers only when it gives ``scale_by_worker`` (DeePMD-kit's PyTorch and
        JAX trainers ignore the key)."""
        return not auto or "scale_by_worker" in self.model_fields_set

    def check_parts(
        self, num_steps: int | None, workers: int | None, problems: Problems, strict: bool
    ) -> None:
        """Validate the parts of a composite type (``sequence``, ``product``): none by default.

        Called by :func:`parse` once the type's own keys are valid; adds each problem with its
        full key path (``learning_rate.phases[1].stop_lr``).
        """

    def scale_factor(self, workers: int | None, auto: bool = False) -> float:
        """How much every rate is multiplied by at most: the worker scale, the large-batch
        factor and the noise's ``1 + noise_pct`` (for the float32 check). ``auto``: the
        workers scale only a section that gives ``scale_by_worker``."""
        v = self.values()
        scale = 1.0
        mode = v.get("scale_by_worker")
        if workers is not None and isinstance(mode, str) and self.scaled_by(auto):
            scale = worker_scale(mode, workers)
        if v.get("batch_scaling") is not None:
            scale *= batch_factor(v["batch_scaling"])
        if v.get("noise_range_steps") is not None:
            scale *= 1 + (v.get("noise_pct") or 0.67)
        return scale


def _plain(value: Any) -> Any:
    """A validated value as the schedule class takes it: a block as a mapping."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value


def own_schedule(schedule: Schedule) -> Schedule:
    """The type's own schedule inside the worker scale and the noise a build adds."""
    from ._schedule import Noisy, Product

    if isinstance(schedule, Noisy):
        schedule = schedule.schedule
    if isinstance(schedule, Product) and schedule._scaled_only():
        schedule = schedule.factors[0]
    return schedule


def with_workers_and_noise(
    model: Model, schedule: Schedule, num_workers: int, *, auto: bool = False
) -> Schedule:
    """``schedule`` times the worker scale its section asks for, with its noise."""
    from ._schedule import Noisy, Product

    mode = getattr(model, "scale_by_worker", None)
    if (
        isinstance(mode, str)
        and num_workers > 1
        and worker_scale(mode, num_workers) != 1.0
        and model.scaled_by(auto)
    ):
        schedule = Product(factors=(schedule,), workers=num_workers, num_steps=schedule.num_steps)
    noise = _noise(model)
    if noise is not None:
        schedule = Noisy(schedule=schedule, noise=noise, num_steps=schedule.num_steps)
    return schedule


def _noise(model: Model) -> Noise | None:
    v = model.values()
    if v.get("noise_range_steps") is None:
        return None
    span = v["noise_range_steps"]
    given = {k: v[k] for k in NOISE_KEYS[1:] if v.get(k) is not None}
    return Noise(noise_range_steps=tuple(span) if isinstance(span, list) else span, **given)


def _noise_rules(v: Mapping[str, Any]) -> Iterator[Rule]:
    span = v.get("noise_range_steps")
    if span is None:
        if "noise_range_steps" in v:
            for key in NOISE_KEYS[1:]:
                if v.get(key) is not None:
                    yield key, "needs `noise_range_steps` (the steps the noise applies to)"
        return
    pair = list(span) if isinstance(span, (list, tuple)) else [span]
    if len(pair) not in (1, 2):
        yield "noise_range_steps", f"must be a step or a pair [start, end]; got {describe(span)}"
    elif not all(isinstance(x, int) and 0 <= x <= INT32_MAX for x in pair):
        yield "noise_range_steps", f"must be steps in [0, {INT32_MAX}]; got {describe(span)}"
    elif len(pair) == 2 and pair[0] >= pair[1]:
        yield "noise_range_steps", f"must have start < end; got {describe(span)}"


def _block_rules(
    model: type[Model],
    name: str,
    block: type,
    given: Mapping[str, Any],
    resolved: Mapping[str, Any],
    num_steps: int,
) -> Iterator[Rule]:
    """The problems of a ``cooldown`` block: what :func:`~lrschedules_jax.cooldown` would
    refuse, found before anything is built."""
    from ._deepmd import cooled_keys
    from ._errors import ConfigError

    try:
        cooled_keys(model.type_name, {**resolved, "num_steps": num_steps}, path=name, **dict(given))
    except ConfigError as exc:
        for line in exc.problems:
            key, _, message = line.partition(": ")
            yield key, message.rstrip(".")


# ---- Generating a model from a declaration -----------------------------------------------------

_MODELS: dict[type, type[Model]] = {}


def models() -> dict[str, type[Model]]:
    """The config model of every registered type, by name."""
    return {name: model_for(cls) for name, cls in registered_types().items()}


def model_for(cls: type[Schedule]) -> type[Model]:
    """The config model of a registered schedule class (generated at its first use)."""
    model = _MODELS.get(cls)
    if model is None:
        model = _generate(cls)
        _MODELS[cls] = model
    return model


def set_model(cls: type[Schedule], model: type[Model]) -> None:
    """Give a composite type its hand-written config model (``sequence``, ``product``...)."""
    model.type_name = cls.type_name
    model.schedule_class = cls
    _MODELS[cls] = model


def _noise_fields() -> dict[str, Any]:
    return {f.name: _field(f, annotations(Noise)[f.name], optional=True) for f in key_fields(Noise)}


def with_noise_keys(base: type[Model], name: str) -> type[Model]:
    """``base`` with the shared ``noise_*`` keys (for a hand-written composite model)."""
    model = create_model(name, __base__=base, __module__=base.__module__, **_noise_fields())
    model.__doc__ = base.__doc__
    return model  # type: ignore[no-any-return]


def _description(f: dataclasses.Field[Any], extra: str = "") -> str:
    text = f.metadata.get("description", "") + extra
    return f"{EXTENSION} {text}" if f.metadata.get("extension") else text


def _field(f: dataclasses.Field[Any], hint: Any, *, optional: bool = False) -> tuple[Any, Any]:
    """The pydantic ``(annotation, FieldInfo)`` of one key declaration."""
    meta = f.metadata
    kwargs: dict[str, Any] = dict(meta.get("bounds", {}))
    if meta.get("min_length") is not None:
        kwargs["min_length"] = meta["min_length"]
    extra: dict[str, Any] = {}
    if meta.get("extension"):
        extra["x-extension"] = True
    if meta.get("extension_values"):
        extra["x-extension-values"] = list(meta["extension_values"])
    annotation = _annotation(hint, meta)
    default = f.default
    text = ""
    if optional:  # a shared key group whose keys are all optional (the noise keys)
        text = f" Default: `{default}`." if default is not None else ""
        default = None
        annotation = annotation | None
    field = Field(
        ... if default is dataclasses.MISSING else default,
        description=_description(f, text),
        json_schema_extra=extra or None,
        **kwargs,
    )
    return annotation, field


def _annotation(hint: Any, meta: Mapping[str, Any]) -> Any:
    """The pydantic annotation of a declared type: a tuple of counts is a JSON list, a block
    (a dataclass) its generated model."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [_annotation(a, meta) for a in typing.get_args(hint)]
        return functools.reduce(lambda a, b: a | b, args)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        bounds = meta.get("items") or {}
        return list[Annotated[item, Field(**bounds)]] if bounds else list[item]
    if dataclasses.is_dataclass(hint):
        return _block_model(hint)
    return hint


@functools.cache
def _block_model(cls: type) -> type[BaseModel]:
    """A pydantic model of the keys of a block (``batch_scaling``, ``cooldown``)."""
    hints = annotations(cls)
    fields = {f.name: _field(f, hints[f.name]) for f in key_fields(cls)}
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"{cls.__name__}Keys",
        __config__=ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True),
        __doc__=inspect.cleandoc(cls.__doc__ or ""),
        **fields,
    )


def _generate(cls: type[Schedule]) -> type[Model]:
    hints = annotations(cls)
    declared = [f for f in key_fields(cls)]
    fields: dict[str, Any] = {
        "type": (
            Literal[cls.type_name],  # type: ignore[valid-type]
            Field(
                cls.type_name if cls.type_name == DEFAULT_TYPE else ...,
                description="The schedule type."
                + (f" {EXTENSION}" if getattr(cls, "extension_type", True) else ""),
            ),
        )
    }
    noise = _noise_fields()
    placed = False
    for f in declared:
        fields[f.name] = _field(f, hints[f.name])
        if f.name == "scale_by_worker":
            fields.update(noise)
            placed = True
    if not placed:
        fields.update(noise)
    blocks = dict(getattr(cls, "blocks", {}))
    for name, block in blocks.items():
        description = f"{EXTENSION} {block.block_description}"
        fields[name] = (
            _block_model(block) | None,
            Field(None, description=description, json_schema_extra={"x-extension": True}),
        )
    validators = {}
    lists = [f.name for f in declared if typing.get_origin(hints[f.name]) is tuple]
    lists += [name for name in ("noise_range_steps",)]
    if lists:

        def tuples_to_lists(value: Any) -> Any:
            return list(value) if isinstance(value, tuple) else value

        validators["_tuples"] = field_validator(*lists, mode="before")(tuples_to_lists)
    model = create_model(  # type: ignore[call-overload]
        cls.config_name,
        __base__=Model,
        __module__=cls.__module__,
        __doc__=_model_doc(cls),
        __validators__=validators,
        **fields,
    )
    model.type_name = cls.type_name
    model.schedule_class = cls
    model.class_keys = tuple(f.name for f in declared)
    model.blocks = blocks
    return model  # type: ignore[no-any-return]


def _model_doc(cls: type) -> str:
    summary = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    return f"``{cls.type_name}``: {summary}"  # type: ignore[attr-defined]


# ---- Validation ------------------------------------------------------------------------------


def _suggest(name: str, options: list[str]) -> str:
    """``did you mean `x`?`` or the options (at most 40 of them, each as shown in messages)."""
    close = close_match(name, options)
    if close:
        return f"did you mean `{key_text(close)}`?"
    shown = sorted(options)[:40]
    more = f", and {len(options) - 40} more" if len(options) > 40 else ""
    return "allowed: " + ", ".join(f"`{key_text(o)}`" for o in shown) + more


def _bound(value: float) -> str:
    """A range bound as written in the rule: ``0`` not ``0.0``, integers in full."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _problem(error: Any, prefix: str = SECTION) -> str:
    """One readable line for one pydantic error (never a cross-field rule: see `_rules`)."""
    head, *rest = error["loc"] or ("",)
    loc = [key_text(head), *(key_text(p) for p in rest if not isinstance(p, int))]
    index = "".join(f"[{p}]" for p in rest if isinstance(p, int))  # a list item
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    path = ".".join([prefix, *loc]) + index
    key = loc[-1] if loc else ""
    if kind == "missing":
        if key == "start_lr":
            return f"{path}: {MISSING_START}."
        return f"{path}: is required."
    if kind == "int_type":
        return (
            f"{path}: must be an integer (not a float, string or boolean); got "
            f"{describe(value, with_type=True)}."
        )
    if kind == "float_type":
        return (
            f"{path}: must be a number (not a string or boolean); got "
            f"{describe(value, with_type=True)}."
        )
    if kind == "bool_type":
        return f"{path}: must be true or false; got {describe(value, with_type=True)}."
    if kind == "finite_number":
        return f"{path}: must be a finite number; got {describe(value)}."
    if kind in _BOUNDS:
        name, op = _BOUNDS[kind]
        return f"{path}: must be {op} {_bound(ctx[name])}; got {describe(value)}."
    if kind == "extra_forbidden":  # an unknown key in a nested block
        block = loc[-2] if len(loc) > 1 else SECTION
        return f"{path}: `{key}` is not a key of `{block}`; got {describe(value)}."
    if kind in ("model_type", "dict_type"):  # a block or a part that is not a mapping
        return (
            f"{path}: must be a mapping of keys to values; got {describe(value, with_type=True)}."
        )
    if kind == "list_type":
        return f"{path}: must be a list; got {describe(value, with_type=True)}."
    if kind == "literal_error":
        line = f"{path}: must be one of {ctx['expected']}; got {describe(value)}"
        options = re.findall(r"'([^']*)'", str(ctx["expected"]))
        close = close_match(value, options)
        return f"{line}; did you mean `{close}`?" if close else f"{line}."
    return f"{path}: {error['msg']}; got {describe(value)}."


def _order(order: dict[str, int], key: str) -> int:
    """The position of the key a rule concerns (``block.key``: its block's)."""
    return order.get(key.split(".")[0], len(order))


def _rule_line(key: str, message: str) -> str:
    return f"{SECTION}.{key}: {message}."


def _unknown_key(model: type[Model], key: Any) -> str:
    name = key_text(key)
    if not isinstance(key, str):
        return f"{SECTION}.{name}: keys must be strings; got {describe(key, with_type=True)}."
    fields = list(model.model_fields)
    hints = model.key_hints()
    hint = hints.get(key) or key_hint(key, fields, hints) or _suggest(key, fields)
    return f"{SECTION}.{name}: `{name}` is not a key of type `{model.type_name}`; {hint}"


def check_run(
    problems: Problems, num_steps: Any, num_workers: Any
) -> tuple[int | None, int | None]:
    """``num_steps`` and ``num_workers`` as Python ints, or None after adding the problem."""
    steps = problems.integer("num_steps", num_steps, 0, INT32_MAX, what=" (training.numb_steps)")
    if isinstance(num_workers, str) and num_workers == "auto":
        from ._jax import jax

        return steps, jax.device_count()
    workers = as_count(num_workers)
    if workers is None:
        problems.add(
            "num_workers",
            f'must be an integer >= 1 or "auto"; got {describe(num_workers, with_type=True)}.',
        )
    elif not 1 <= workers <= INT32_MAX:
        problems.add(
            "num_workers",
            f'must be an integer in [1, {INT32_MAX}] or "auto"; got {describe(num_workers)}.',
        )
        workers = None
    return steps, workers


def parse(
    config: Any,
    num_steps: int | None,
    workers: int | None,
    problems: Problems,
    model: type[Model] | None = None,
    *,
    strict: bool = False,
    lookup: Callable[[Any], type[Model] | str] | None = None,
    depth: int = 0,
    auto: bool = False,
    slot: bool = False,
) -> Model | None:
    """The validated model of ``config`` (a mapping), or None after adding every problem.

    ``model`` fixes the type (a builder); otherwise ``lookup(config["type"])`` gives it (or the
    problem with an unknown name). ``strict`` turns the backward-compatibility defaults into
    problems.
    """
    if isinstance(config, Model):
        config = config.model_dump(exclude_none=True)
    if not isinstance(config, Mapping):
        problems.add(
            SECTION, f"must be a mapping of keys to values; got {describe(config, with_type=True)}."
        )
        return None
    if depth > MAX_DEPTH:  # (a whole section is checked first: see `check`)
        problems.add(
            SECTION,
            f"composite types nested more than {MAX_DEPTH} deep (phases of phases...); "
            "flatten the configuration.",
        )
        return None
    if model is None:
        found = (lookup or _lookup)(config.get("type", DEFAULT_TYPE))
        if isinstance(found, str):
            problems.add(f"{SECTION}.type", found)
            return None
        model = found
    fields = model.model_fields
    known = {}
    unknown: list[Any] = []
    for key, value in config.items():
        if isinstance(key, str) and key in fields:
            known[key] = value
        else:
            unknown.append(key)
    notes = []
    refused = set()
    for key, (value, note, refusal) in model.compat_defaults(known).items():
        if strict:
            problems.add(f"{SECTION}.{key}", refusal)
            refused.add(key)
        else:
            notes.append(f"{SECTION}.{key}: {note}")
            known[key] = value
    if num_steps is not None and num_steps < model.min_num_steps():
        problems.add(
            "num_steps",
            f"must be >= {model.min_num_steps()} for `{model.type_name}` (training.numb_steps); "
            f"got {num_steps}.",
        )
    # The problems of the keys in field order (pydantic's errors and the rules mixed), then
    # the unknown keys: one pass reports everything, whatever the order of the fields.
    order = {key: i for i, key in enumerate(fields)}
    lines: list[tuple[int, str]] = []
    context = {
        "num_steps": num_steps,
        "workers": workers,
        "strict": strict,
        "lookup": lookup,
        "depth": depth,
        "auto": auto,
        "slot": slot,
    }
    try:
        parsed = model.model_validate(known, context=context)
    except ValidationError as exc:
        parsed = None
        failed = set()
        for error in exc.errors(include_url=False):
            if error["type"] == "config_rules":  # every field valid, rules broken
                lines += [
                    (_order(order, k), _rule_line(k, m))
                    for k, m in error["ctx"]["rules"]
                    if k not in refused
                ]
                continue
            if error["type"] == "config_parts":  # a composite's parts: lines with full paths
                lines += [(len(order), line) for line in error["ctx"]["lines"]]
                problems.count += error["ctx"]["hidden"]
                continue
            head = error["loc"][0] if error["loc"] else ""
            failed.add(head)
            lines.append((order.get(head, len(order)), _problem(error)))
        if failed:  # the rules on the keys that are valid
            values = {
                key: _plain(known.get(key, field.default))
                for key, field in fields.items()
                if key not in failed and (key in known or not field.is_required())
            }
            lines += [
                (_order(order, k), _rule_line(k, m))
                for k, m in model._rules(values, num_steps, slot)
                if k not in refused
            ]
    for _, line in sorted(lines, key=lambda item: item[0]):
        problems.add("", line)
    for key in unknown:
        if problems.full:  # only counted: no message (nor suggestion) to compute
            problems.count += 1
        else:
            problems.add("", _unknown_key(model, key))
    if parsed is None or unknown:
        return None
    _check_float32_rates(parsed, workers, problems, auto)
    parsed.check_parts(num_steps, workers, problems, strict)
    if problems:
        return None
    for note in notes:  # only for a config that is used
        warnings.warn(note, LegacyInputWarning, stacklevel=5)
    return parsed


def _lookup(name: Any) -> type[Model] | str:
    """The model of a registered type name, or the problem (see ``config.lookup``)."""
    types = registered_types()
    if isinstance(name, str) and name in types:
        return model_for(types[name])
    options = list(types)
    if isinstance(name, str):
        hint = type_hint(name, options) or _suggest(name, options)
        return f"unknown type {describe(name)}; {hint}"
    return f"unknown type {describe(name)}; " + _suggest("", options)


def _check_float32_rates(
    parsed: Model, workers: int | None, problems: Problems, auto: bool = False
) -> None:
    """Every positive rate is a normal float32 and stays finite after every scaling."""
    scale = parsed.scale_factor(workers, auto)
    what_scale = "worker scale"
    v = parsed.values()
    if v.get("batch_scaling") is not None:
        what_scale = "worker scale times the batch factor"
    if v.get("noise_range_steps") is not None:
        what_scale += " times 1 + noise_pct"
    rates = parsed.rates()
    for key, message in rate_problems(parsed.schedule_class, rates, v, scale, what_scale, 1.0):
        problems.add(f"{SECTION}.{key}", message)


def check(
    config: Any,
    num_steps: Any,
    num_workers: Any = 1,
    model: type[Model] | None = None,
    *,
    strict: bool = False,
    lookup: Callable[[Any], type[Model] | str] | None = None,
) -> tuple[Model, int, int]:
    """Validate everything; ``(model, num_steps, num_workers)`` or one ConfigError.

    A section nested deeper than :data:`MAX_DEPTH` (the limit of input files, for mappings
    given from Python too) or made of more than :data:`MAX_PARTS` schedules is refused before
    any of it is validated.
    """
    problems = Problems()
    steps, workers = check_run(problems, num_steps, num_workers)
    auto = isinstance(num_workers, str) and num_workers == "auto"
    if isinstance(config, Mapping):
        size = _size_problem(config)
        if size is not None:
            problems.add("", size)
            raise problems.error()
    parsed = parse(config, steps, workers, problems, model, strict=strict, lookup=lookup, auto=auto)
    if problems or parsed is None or steps is None or workers is None:
        raise problems.error()
    return parsed, steps, workers


def _size_problem(config: Mapping[str, Any]) -> str | None:
    """The problem of a section nested deeper than :data:`MAX_DEPTH`, or made of more than
    :data:`MAX_PARTS` schedules; None. Iterative walks, bounded in time."""
    deep = too_deep(config)
    if deep is not None:
        value = next((v for k, v in config.items() if key_text(k) == deep), None)
        return (
            f"{SECTION}.{deep}: nested more than {MAX_DEPTH} levels deep (the limit of input "
            f"files); got {describe(value, with_type=True)}."
        )
    count = 0
    stack: list[tuple[Any, str]] = [(config, SECTION)]
    while stack:
        section, path = stack.pop()
        key = _PARTS.get(section.get("type")) if isinstance(section.get("type"), str) else None
        parts = section.get(key) if key else None
        if key == "schedule":
            parts = [parts]
        if not isinstance(parts, list):
            continue
        count += len(parts)
        if count > MAX_PARTS:
            where = f"{path}.{key}"
            return (
                f"{where}: holds {len(parts):,} schedules; a section is made of at most "
                f"{MAX_PARTS:,} in all (the parts of its sequences, products and shifted "
                "schedules, nested ones included)."
            )
        for i, part in enumerate(parts):
            if isinstance(part, Mapping):
                stack.append((part, f"{path}.{key}" + ("" if key == "schedule" else f"[{i}]")))
    return None


# ---- Builders ----------------------------------------------------------------------------------


def builder(cls: type[Schedule], *, types: Any = None) -> Callable[..., Any]:
    """The keyword-only builder of a type: ``name(*, <keys>, num_steps, num_workers=1)``.

    Its parameters and defaults are the type's keys; its docstring is the schedule class's
    summary, formula and examples with the keys' descriptions as Args. The keys given (those not
    None) and ``type`` form the config, which is validated as ``make_schedule`` does, every
    problem listed in one ConfigError (unknown keywords included, with the closest key).
    """
    model = model_for(cls)
    keys = {k: f for k, f in model.model_fields.items() if k != "type"}
    required = [k for k, f in keys.items() if f.is_required()]
    optional = [k for k, f in keys.items() if not f.is_required()]
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter(k, kw, annotation=keys[k].annotation) for k in required]
    params.append(inspect.Parameter("num_steps", kw, annotation=int))
    params += [
        inspect.Parameter(k, kw, default=keys[k].default, annotation=keys[k].annotation)
        for k in optional
    ]
    params.append(inspect.Parameter("num_workers", kw, default=1, annotation=int | str))
    signature = inspect.Signature(params, return_annotation=cls)
    name = model.type_name

    def build(*args: Any, **kwargs: Any) -> Schedule:
        if args:
            raise TypeError(
                f"{name}() takes keyword arguments only (the keys of a `{name}` section); got "
                f"{len(args)} positional argument{'s' * (len(args) != 1)}."
            )
        given = dict(kwargs)
        num_steps = given.pop("num_steps", None)
        num_workers = given.pop("num_workers", 1)
        config = {"type": name, **{k: v for k, v in given.items() if v is not None}}
        # A keyword call says what it wants: no DeePMD-kit backward-compatibility default
        # (strict), and its scale_by_worker default applies to "auto" workers as written.
        if "scale_by_worker" in keys:
            config.setdefault("scale_by_worker", keys["scale_by_worker"].default)
        if num_steps is None:
            problems = Problems()
            problems.add("num_steps", "is required (the number of training steps).")
            parse(config, None, None, problems, model, strict=True)
            raise problems.error()
        parsed, steps, workers = check(config, num_steps, num_workers, model, strict=True)
        return parsed.build(steps, workers)

    build.__name__ = build.__qualname__ = name
    build.__signature__ = signature  # type: ignore[attr-defined]
    build.__doc__ = _builder_doc(model)
    return build


def _builder_doc(model: type[Model]) -> str:
    """The schedule class's docstring with an Args section made from the model's keys."""
    doc = inspect.cleandoc(model.schedule_class.__doc__ or "")
    body, _, examples = doc.partition("\nExamples:\n")
    lines = ["Args:"]
    for key, field in model.model_fields.items():
        if key == "type":
            continue
        default = "" if field.is_required() else f" Default: ``{field.default!r}``."
        lines.append(f"  {key}: {field.description or ''}{default}")
        if key == "start_lr" or (key == "max_lr" and "start_lr" not in model.model_fields):
            lines.append("  num_steps: the number of training steps (``training.numb_steps``).")
    if "num_steps" not in "\n".join(lines):
        lines.append("  num_steps: the number of training steps (``training.numb_steps``).")
    lines.append('  num_workers: an int >= 1, or ``"auto"`` for ``jax.device_count()``.')
    lines += [
        "",
        "Returns:",
        f"  A :class:`{model.schedule_class.__name__}` schedule (a ``Product`` with the worker",
        "  scale when it scales with ``num_workers > 1`` workers).",
        "",
        "Raises:",
        "  ConfigError: if any argument is invalid (every problem is listed).",
    ]
    text = body.rstrip() + "\n\n" + "\n".join(lines)
    if examples:
        text += "\n\nExamples:\n" + examples
    return text


# ---- Extensions (keys and types DeePMD-kit 3.2 refuses) -----------------------------------------


def extension_keys(model: type[BaseModel]) -> list[str]:
    """The keys of ``model`` that are extensions (marked ``"x-extension": true``)."""
    return [
        key
        for key, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("x-extension")
    ]


def extension_problems(section: Mapping[str, Any], model: type[Model] | None) -> list[Rule]:
    """``(key, what)`` for each extension a ``learning_rate`` section of type ``model`` uses (a
    type, a key or a value that DeePMD-kit 3.2 refuses)."""
    if model is None:
        return []
    found: list[Rule] = []
    if model.extension_type():
        found.append(("type", f"the type `{model.type_name}`"))
    marked = extension_keys(model)
    for key, field in model.model_fields.items():
        if key not in section:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        values = extra.get("x-extension-values") or []
        if key in marked:
            found.append((key, f"the key `{key}`"))
        elif isinstance(section[key], str) and section[key] in values:
            found.append((key, f"the value {section[key]!r}"))
    # values of DeePMD-kit's own keys that it refuses (wsd's stop_lr = 0): the type says which
    value_extensions = getattr(model.schedule_class, "value_extensions", None)
    if value_extensions is not None:
        found += [(k, what) for k, what in value_extensions(section) if (k, what) not in found]
    return found

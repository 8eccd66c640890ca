"""The config base: the shared key groups, the type registry, validation and the builders.

A type is defined once, in its module (``_deepmd.py``, ``_classic.py``): its schedule class and,
next to it, its pydantic model, which composes the shared key groups (:class:`WarmupKeys`,
:class:`StopKeys`), states its own keys with their defaults, bounds and descriptions, its
cross-field rules (:meth:`Model._rules`, reported on the key they concern, whatever the field
order) and its explicit ``build``. :func:`config_type` registers the model under the name of its
``type`` literal and gives the schedule class that name; :func:`builder` derives the keyword-only
builder (``lrs.exp(...)``): its signature and defaults from the model, its docstring from the
schedule class's formula and examples plus the model's key descriptions.

This module imports pydantic (with ``defer_build``: a model is built at its first use) but not
JAX.
"""

from __future__ import annotations

import difflib
import inspect
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ._errors import LegacyInputWarning, Problems, as_count, describe, key_text
from ._numerics import INT32_MAX
from ._schedule import Schedule, worker_scale

__all__ = [
    "SECTION",
    "BatchScalingKeys",
    "Model",
    "StartKey",
    "StopKeys",
    "WarmupKeys",
    "builder",
    "config_type",
    "registered_types",
]

SECTION = "learning_rate"

# Every rate must be representable in float32, the default dtype: a positive rate at least the
# smallest normal float32 (XLA flushes subnormals to zero on CPU), and times the worker scale
# below the largest float32.
F32_TINY = 1.1754943508222875e-38
F32_MAX = 3.4028234663852886e38

MISSING_START = (
    "is required since DeePMD-kit 3.1.3 (older releases silently used a default); "
    'add it, for example "start_lr": 0.001'
)
MISSING_STOP = (
    "one of `stop_lr` and `stop_lr_ratio` is required for this type; add one, for example "
    '"stop_lr": 1e-06 or "stop_lr_ratio": 0.001'
)
#: DeePMD-kit 3.2's ``_check_lr_stop_args`` sets this ``stop_lr`` when neither stop key is given.
LEGACY_STOP_LR = 5e-8

NOISE_KEYS = ("noise_range_steps", "noise_pct", "noise_std", "noise_type", "noise_seed")

#: How the description of an extension key (one DeePMD-kit 3.2 refuses) starts.
EXTENSION = "Extension (not DeePMD-kit 3.2)."

Rule = tuple[str, str]  # (the key a problem concerns, the message)


def _mark_extension_type(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Mark a type's JSON Schema ``"x-extension": true`` when the whole type is an extension."""
    if "type" in schema.get("properties", {}) and getattr(model, "extension_type", False):
        schema["x-extension"] = True


class Model(BaseModel):
    """Keys every type has; the base of every type's config model.

    Subclasses set ``type: Literal["name"]`` (the JSON name, written once), their keys, and
    implement :meth:`build`; ``_rules`` yields the cross-field problems.
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

    #: The type's name (from its ``type`` literal) and schedule class, set by `config_type`.
    type_name: ClassVar[str] = ""
    schedule_class: ClassVar[type[Schedule]]
    #: Why a key the type does not have is not one (shown after "is not a key of type ...").
    key_hints: ClassVar[dict[str, str]] = {}
    #: The fewest training steps the type can run (DeePMD-kit's types accept 0).
    min_num_steps: ClassVar[int] = 0
    #: Whether the whole type is an extension: DeePMD-kit 3.2 knows `exp`, `cosine` and `wsd`
    #: only (their models set False), and refuses every other type in its inputs.
    extension_type: ClassVar[bool] = True
    #: This key group's keys holding a rate that must be a normal float32 (see `rates`).
    rate_keys: ClassVar[tuple[str, ...]] = ()

    scale_by_worker: Literal["linear", "sqrt", "none"] = Field(
        "linear",
        description="How the rate grows with the number of data-parallel workers: `linear` "
        "multiplies every rate by `num_workers`, `sqrt` by its square root, `none` by 1.",
    )

    noise_range_steps: int | list[int] | None = Field(
        None,
        description=f"{EXTENSION} timm's `noise_range_t`: multiplicative LR noise for the "
        "global steps `start <= step < end` (`[start, end]`) or `step >= start` (a number), "
        "`0 <= start < end <= 2**31 - 1`. Not given: no noise.",
        json_schema_extra={"x-extension": True},
    )
    noise_pct: float | None = Field(
        None,
        gt=0,
        lt=1,
        description=f"{EXTENSION} The noise bound, in (0, 1): `|noise| < noise_pct` "
        "(default 0.67, timm's).",
        json_schema_extra={"x-extension": True},
    )
    noise_std: float | None = Field(
        None,
        gt=0,
        description=f"{EXTENSION} The standard deviation of the `normal` noise before it is "
        "bounded (default 1.0, timm's).",
        json_schema_extra={"x-extension": True},
    )
    noise_type: Literal["normal", "uniform"] | None = Field(
        None,
        description=f"{EXTENSION} `normal` (a normal conditioned on `|noise| < noise_pct`, "
        "the default) or `uniform` (in `[-noise_pct, noise_pct)`).",
        json_schema_extra={"x-extension": True},
    )
    noise_seed: int | None = Field(
        None,
        ge=0,
        lt=2**32,
        description=f"{EXTENSION} The noise seed (default 42, timm's): the noise depends only "
        "on (seed, step).",
        json_schema_extra={"x-extension": True},
    )

    @model_validator(mode="after")
    def _cross_field_rules(self, info: ValidationInfo) -> Model:
        rules = list(self._rules(dict(self.__dict__), (info.context or {}).get("num_steps")))
        if rules:
            raise PydanticCustomError(
                "config_rules", "; ".join(m for _, m in rules), {"rules": rules}
            )
        return self

    @classmethod
    def _rules(cls, v: dict[str, Any], num_steps: int | None) -> Iterator[Rule]:
        """The cross-field problems of the valid values ``v`` (keys that failed are absent)."""
        span = v.get("noise_range_steps")
        if span is None:
            if "noise_range_steps" in v:
                for key in NOISE_KEYS[1:]:
                    if v.get(key) is not None:
                        yield key, "needs `noise_range_steps` (the steps the noise applies to)"
            return
        pair = span if isinstance(span, list) else [span]
        if len(pair) not in (1, 2):
            yield "noise_range_steps", f"must be a step or a pair [start, end]; got {span!r}"
        elif not all(0 <= x <= INT32_MAX for x in pair):
            yield "noise_range_steps", f"must be steps in [0, {INT32_MAX}]; got {span!r}"
        elif len(pair) == 2 and pair[0] >= pair[1]:
            yield "noise_range_steps", f"must have start < end; got {span!r}"

    def noise(self) -> Any:
        """The schedule's :class:`~lrschedules_jax._schedule.Noise`, or None."""
        span = self.noise_range_steps
        if span is None:
            return None
        from ._schedule import Noise

        start, end = (span, None) if isinstance(span, int) else (span[0], span[-1])
        return Noise(
            start=start,
            end=end if len(span if isinstance(span, list) else [span]) == 2 else None,
            noise_type=self.noise_type or "normal",
            seed=42 if self.noise_seed is None else self.noise_seed,
            pct=0.67 if self.noise_pct is None else self.noise_pct,
            std=1.0 if self.noise_std is None else self.noise_std,
        )

    def build_with_noise(self, num_steps: int, num_workers: int = 1) -> Schedule:
        """:meth:`build`, with the noise keys applied."""
        import dataclasses

        schedule = self.build(num_steps, num_workers)
        noise = self.noise()
        return schedule if noise is None else dataclasses.replace(schedule, noise=noise)

    @classmethod
    def compat_defaults(cls, config: Mapping[str, Any]) -> dict[str, tuple[Any, str, str]]:
        """Backward-compatibility defaults, ``{key: (value, note, refusal)}``, for missing keys.

        For values older DeePMD-kit releases filled in silently. :func:`parse` applies them
        with a :class:`LegacyInputWarning` saying ``note`` (once the config is valid), or
        reports ``refusal`` as a problem with ``strict``. None by default.
        """
        return {}

    def resolve(self, num_steps: int) -> Model:
        """This config with every derived value made concrete for ``num_steps``."""
        return self

    def build(self, num_steps: int, num_workers: int = 1) -> Schedule:
        """The schedule of this (already validated) config."""
        raise NotImplementedError

    def rates(self) -> dict[str, tuple[str, float]]:
        """The positive rates that must be normal float32: ``{key: (what, rate)}``."""
        keys: list[str] = []  # the rate keys of every key group, in field order
        for cls in reversed(type(self).__mro__):
            keys += [k for k in cls.__dict__.get("rate_keys", ()) if k not in keys]
        return {
            key: ("a positive rate", getattr(self, key))
            for key in keys
            if getattr(self, key) is not None
        }

    def notes(self, section: Mapping[str, Any], schedule: Schedule) -> dict[str, str]:
        """Where the derived values shown by ``lrschedules-jax show`` come from, by key."""
        return {}

    def check_parts(
        self, num_steps: int | None, workers: int | None, problems: Problems, strict: bool
    ) -> None:
        """Validate the parts of a composite type (``sequence``, ``product``): none by default.

        Called by :func:`parse` once the type's own keys are valid; adds each problem with its
        full key path (``learning_rate.phases[1].stop_lr``).
        """


class BatchScalingKeys(BaseModel):
    """The ``batch_scaling`` block of a type with a warmup: the large-batch rule (an extension).

    Goyal et al. 2017, as seed 003's ``large_batch_schedule`` writes it: every rate times
    ``k = batch_size / reference_batch_size`` (``rule="linear"``) or its square root
    (``"sqrt"``), and with ``scale_warmup`` the warmup ``k`` times longer (a real length
    ``W = k w`` whose integer end ``B = ceil(W)`` is found exactly).
    """

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)

    batch_size: int = Field(gt=0, le=INT32_MAX, description="The batch size trained with.")
    reference_batch_size: int = Field(
        gt=0,
        le=INT32_MAX,
        description="The batch size the rates (and `warmup_steps`) were tuned for.",
    )
    rule: Literal["linear", "sqrt"] = Field(
        "linear",
        description="`linear`: `k = batch_size / reference_batch_size`; `sqrt`: its square root.",
    )
    scale_warmup: bool = Field(
        False,
        description="Make the warmup `k` times longer: it covers the steps `step < k * "
        "warmup_steps` (a real length; its integer end is `ceil(k * warmup_steps)`).",
    )

    def factor(self) -> float:
        """The rate factor ``k`` (a Python float)."""
        from ._shapes import batch_scale

        return batch_scale(self.batch_size, self.reference_batch_size, self.rule)

    def warmup_end(self, warmup_steps: int) -> int:
        """The first step after the warmup: ``ceil(k w)`` with ``scale_warmup``, else ``w``."""
        if not self.scale_warmup or not warmup_steps:
            return warmup_steps
        from ._shapes import scaled_warmup

        return scaled_warmup(warmup_steps, self.batch_size, self.reference_batch_size, self.rule)[0]


BATCH_SCALING_DESCRIPTION = (
    f"{EXTENSION} The large-batch rule (Goyal et al. 2017): every rate times `k = batch_size "
    "/ reference_batch_size` (or its square root), and optionally the warmup `k` times longer. "
    "The factor multiplies the worker scale."
)


class StartKey(Model):
    """``start_lr``: the peak, which the warmup reaches and the stop keys refer to."""

    rate_keys = ("start_lr",)

    start_lr: float = Field(gt=0, description="The rate at the end of warmup (the peak).")


class WarmupKeys(StartKey):
    """The keys of every type with a ``start_lr`` and the shared linear warmup."""

    warmup_steps: int = Field(
        0,
        ge=0,
        description="Linear warmup length in steps, smaller than `num_steps`. Excludes "
        "`warmup_ratio` unless it is 0.",
    )
    warmup_ratio: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="Warmup as a fraction of `num_steps`: `warmup_steps = int(warmup_ratio "
        "* num_steps)`.",
    )
    warmup_start_factor: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Warmup starts at `warmup_start_factor * start_lr`.",
    )
    warmup_type: Literal["linear", "cosine", "1-sqrt"] = Field(
        "linear",
        description=f"{EXTENSION} The warmup shape `g(p)`, `p = step / warmup_steps`: "
        "`linear` (`p`, DeePMD-kit's), `cosine` (`(1 - cos(pi p)) / 2`) or `1-sqrt` "
        "(`1 - sqrt(1 - p)`), as HF `get_wsd_schedule`'s `warmup_type`.",
        json_schema_extra={"x-extension": True},
    )

    batch_scaling: BatchScalingKeys | None = Field(
        None, description=BATCH_SCALING_DESCRIPTION, json_schema_extra={"x-extension": True}
    )

    @classmethod
    def _rules(cls, v: dict[str, Any], num_steps: int | None) -> Iterator[Rule]:
        yield from super()._rules(v, num_steps)
        steps = v.get("warmup_steps") or 0
        if num_steps is not None and steps > 0 and steps >= num_steps:
            yield "warmup_steps", f"must be smaller than `num_steps` ({num_steps}); got {steps}"
        block = v.get("batch_scaling")
        if num_steps is not None and isinstance(block, BatchScalingKeys) and block.scale_warmup:
            w = cls.raw_warmup_steps(v, num_steps)
            end = block.warmup_end(w)
            if 0 < w < num_steps <= end:
                yield (
                    "batch_scaling.scale_warmup",
                    f"the scaled warmup ceil(k * warmup_steps) "
                    f"{f'= {end}' if end <= INT32_MAX else f'> {INT32_MAX}'} (k = "
                    f"{block.factor():.10g}, warmup_steps = {w}) must be smaller than "
                    f"`num_steps` ({num_steps})",
                )
        if v.get("warmup_ratio") is not None and steps:
            yield (
                "warmup_ratio",
                f"`warmup_steps` and `warmup_ratio` are mutually exclusive; got both "
                f"(warmup_steps={steps!r}, warmup_ratio={v['warmup_ratio']!r})",
            )

    def rates(self) -> dict[str, tuple[str, float]]:
        rates = super().rates()
        if self.warmup_start_factor:  # a traced schedule holds it as a float32 number
            rates["warmup_start_factor"] = ("", self.warmup_start_factor)
        return rates

    def warmup_args(self) -> dict[str, Any]:
        """The shared fields of the schedule (a resolved config's warmup, peak and scaling).

        With a ``batch_scaling`` block, the schedule's ``warmup_steps`` is the integer end
        ``B`` of the warmup it runs (``ceil(k w)`` with ``scale_warmup``), and its
        ``batch_scaling`` records the block and the ``w`` written.
        """
        args = {
            "scale_by_worker": self.scale_by_worker,
            "start_lr": self.start_lr,
            "warmup_steps": self.warmup_end(),
            "warmup_start_factor": self.warmup_start_factor,
            "warmup_type": self.warmup_type,
        }
        block = self.batch_scaling
        if block is not None:
            from ._warmup import BatchScaling

            args["batch_scaling"] = BatchScaling(
                **block.model_dump(), warmup_steps=self.warmup_steps
            )
        return args

    def warmup_steps_for(self, num_steps: int) -> int:
        """``warmup_steps``, or ``int(warmup_ratio * num_steps)``."""
        if self.warmup_ratio is not None:
            return int(self.warmup_ratio * num_steps)
        return self.warmup_steps

    def warmup_end(self, num_steps: int | None = None) -> int:
        """The first step after the warmup actually run: ``B``, the ``warmup_steps`` the
        derived defaults read (``ceil(k w)`` with ``batch_scaling.scale_warmup``, else
        ``w``). ``num_steps`` resolves a ``warmup_ratio`` (a resolved config needs none)."""
        w = self.warmup_steps if num_steps is None else self.warmup_steps_for(num_steps)
        return w if self.batch_scaling is None else self.batch_scaling.warmup_end(w)

    @staticmethod
    def raw_warmup_steps(v: Mapping[str, Any], num_steps: int) -> int:
        """``w`` from the raw valid values ``v`` of :meth:`Model._rules` (``warmup_ratio``
        applied)."""
        if v.get("warmup_ratio") is not None:
            return int(v["warmup_ratio"] * num_steps)
        return v.get("warmup_steps") or 0

    @classmethod
    def raw_warmup_end(cls, v: Mapping[str, Any], num_steps: int) -> int:
        """``B`` from the raw valid values ``v`` (see :meth:`warmup_end`)."""
        w = cls.raw_warmup_steps(v, num_steps)
        block = v.get("batch_scaling")
        return block.warmup_end(w) if isinstance(block, BatchScalingKeys) else w

    def resolve(self, num_steps: int) -> WarmupKeys:
        resolved = super().resolve(num_steps)
        return resolved.model_copy(
            update={"warmup_ratio": None, "warmup_steps": self.warmup_steps_for(num_steps)}
        )

    def notes(self, section: Mapping[str, Any], schedule: Schedule) -> dict[str, str]:
        notes = super().notes(section, schedule)
        if self.warmup_ratio is not None:
            notes["warmup_steps"] = (
                f"int(warmup_ratio {self.warmup_ratio:.10g} * {schedule.num_steps})"
            )
        return notes


class StopKeys(StartKey):
    """The end-rate keys: ``stop_lr`` or ``stop_lr_ratio`` (needs ``start_lr``)."""

    #: Whether one of the two keys must be given.
    stop_required: ClassVar[bool] = True
    #: Whether a missing stop key gets DeePMD-kit 3.2's default (its own types only).
    legacy_stop_default: ClassVar[bool] = False
    rate_keys = ("stop_lr",)

    stop_lr: float | None = Field(
        None,
        ge=0,
        description="The rate at `num_steps`, at most `start_lr`. Exactly one of `stop_lr` "
        "and `stop_lr_ratio`.",
    )
    stop_lr_ratio: float | None = Field(
        None,
        ge=0,
        le=1,
        description="`stop_lr = start_lr * stop_lr_ratio`.",
    )

    @classmethod
    def _rules(cls, v: dict[str, Any], num_steps: int | None) -> Iterator[Rule]:
        yield from super()._rules(v, num_steps)
        start, stop, ratio = v.get("start_lr"), v.get("stop_lr"), v.get("stop_lr_ratio")
        if stop is not None and start is not None and stop > start:
            yield "stop_lr", f"must be at most `start_lr` ({start!r}); got {stop!r}"
        if "stop_lr" not in v or "stop_lr_ratio" not in v:  # one of them is invalid: reported
            return
        if stop is not None and ratio is not None:
            yield (
                "stop_lr_ratio",
                f"precisely one of `stop_lr` and `stop_lr_ratio` must be given; got both "
                f"(stop_lr={stop!r}, stop_lr_ratio={ratio!r})",
            )
        elif stop is None and ratio is None and cls.stop_required:
            if not cls.legacy_stop_default:  # else compat_defaults fills it in or refuses it
                yield "stop_lr", MISSING_STOP

    @classmethod
    def compat_defaults(cls, config: Mapping[str, Any]) -> dict[str, tuple[Any, str, str]]:
        defaults = super().compat_defaults(config)
        if cls.legacy_stop_default and all(
            config.get(key) is None for key in ("stop_lr", "stop_lr_ratio")
        ):
            defaults["stop_lr"] = (
                LEGACY_STOP_LR,
                "neither `stop_lr` nor `stop_lr_ratio` is given; DeePMD-kit 3.2 then uses its "
                f"old default stop_lr = {LEGACY_STOP_LR:g}, and so do we. Write "
                f'"stop_lr": {LEGACY_STOP_LR:g} (or the rate you want) to make it explicit.',
                f"{MISSING_STOP} (strict mode refuses DeePMD-kit's backward-compatibility "
                f"default {LEGACY_STOP_LR:g}).",
            )
        return defaults

    def resolved_stop_lr(self, default: float | None = None) -> float:
        """``stop_lr``, or ``start_lr * stop_lr_ratio``, or ``default`` when neither is set."""
        if self.stop_lr is not None:
            return self.stop_lr
        if self.stop_lr_ratio is not None:
            return self.start_lr * self.stop_lr_ratio  # type: ignore[attr-defined]
        if default is not None:
            return default
        raise AssertionError("unreachable: validated configs have a stop key")

    def resolve(self, num_steps: int) -> StopKeys:
        resolved = super().resolve(num_steps)
        if self.stop_lr is None and self.stop_lr_ratio is None:
            return resolved
        return resolved.model_copy(
            update={"stop_lr": self.resolved_stop_lr(), "stop_lr_ratio": None}
        )

    def rates(self) -> dict[str, tuple[str, float]]:
        rates = super().rates()
        if self.stop_lr_ratio is not None:
            rates["stop_lr_ratio"] = (
                "`start_lr * stop_lr_ratio`",
                self.stop_lr_ratio * self.start_lr,  # type: ignore[attr-defined]
            )
        return rates

    def notes(self, section: Mapping[str, Any], schedule: Schedule) -> dict[str, str]:
        notes = super().notes(section, schedule)
        if self.stop_lr_ratio is not None:
            notes["stop_lr"] = f"start_lr * stop_lr_ratio {self.stop_lr_ratio:.10g}"
        elif all(section.get(key) is None for key in ("stop_lr", "stop_lr_ratio")):
            notes["stop_lr"] = "not given: DeePMD-kit's default"
        return notes


def no_stop_hints(reason: str) -> dict[str, str]:
    """``key_hints`` for a type with a ``start_lr`` but no end rate."""
    return {"stop_lr": reason + ".", "stop_lr_ratio": reason + "."}


class Cooldown(BaseModel):
    """The ``cooldown`` block of a ``wsd`` or ``constant`` section (an extension).

    The section's schedule, ``.cooldown(at_step, length, ...)``: see
    :meth:`~lrschedules_jax.Schedule.cooldown`.
    """

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)

    at_step: int = Field(
        ge=0, le=INT32_MAX, description="The step the decay starts at, in the stable phase."
    )
    length: int = Field(ge=1, le=INT32_MAX, description="The decay length in steps.")
    decay_type: Literal["inverse_linear", "cosine", "linear", "1-sqrt"] | None = Field(
        None, description="The decay shape (default: the section's, or wsd's default)."
    )
    stop_lr: float | None = Field(None, gt=0, description="The rate at the end of the decay.")
    stop_lr_ratio: float | None = Field(
        None, gt=0, le=1, description="`stop_lr = start_lr * stop_lr_ratio`."
    )

    def apply(self, schedule: Schedule) -> Schedule:
        """``schedule.cooldown(...)`` with this block's keys."""
        return schedule.cooldown(
            self.at_step,
            self.length,
            decay_type=self.decay_type,
            stop_lr=self.stop_lr,
            stop_lr_ratio=self.stop_lr_ratio,
        )


COOLDOWN_DESCRIPTION = (
    f"{EXTENSION} Fork a cooldown off this stable run: the schedule becomes the `wsd` equal to "
    "it up to `at_step`, then decaying over `length` steps (`num_steps = at_step + length`)."
)


def extension_keys(model: type[Model]) -> list[str]:
    """The keys of ``model`` that are extensions (marked ``"x-extension": true``)."""
    return [
        key
        for key, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("x-extension")
    ]


def extension_problems(section: Mapping[str, Any]) -> list[Rule]:
    """``(key, what)`` for each extension a ``learning_rate`` section uses (a type, a key or
    a value that DeePMD-kit 3.2 refuses)."""
    from .config import config_types

    name = section.get("type", "exp")
    model = config_types().get(name) if isinstance(name, str) else None
    if model is None:
        return []
    found: list[Rule] = []
    if model.extension_type:
        found.append(("type", f"the type `{name}`"))
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
    return found


# ---- The registry ----------------------------------------------------------------------------

_TYPES: dict[str, type[Model]] = {}


def config_type(schedule_class: type[Schedule]) -> Callable[[type[Model]], type[Model]]:
    """Register a model under the name of its ``type`` literal, building ``schedule_class``."""

    def register(model: type[Model]) -> type[Model]:
        (name,) = model.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
        model.type_name = name
        model.schedule_class = schedule_class
        schedule_class.type_name = name
        _TYPES[name] = model
        return model

    return register


def registered_types() -> dict[str, type[Model]]:
    """The registered types, by name (the types of the modules imported so far)."""
    return dict(_TYPES)


# ---- Validation ------------------------------------------------------------------------------


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "allowed: " + ", ".join(f"`{o}`" for o in sorted(options))


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
    if kind == "model_type":  # a nested block that is not a mapping
        return (
            f"{path}: must be a mapping of keys to values; got {describe(value, with_type=True)}."
        )
    if kind == "literal_error":
        line = f"{path}: must be one of {ctx['expected']}; got {describe(value)}"
        options = re.findall(r"'([^']*)'", str(ctx["expected"]))
        close = difflib.get_close_matches(value, options, n=1) if isinstance(value, str) else []
        return f"{line}; did you mean `{close[0]}`?" if close else f"{line}."
    return f"{path}: {error['msg']}; got {describe(value)}."


def _order(order: dict[str, int], key: str) -> int:
    """The position of the key a rule concerns (``block.key``: its block's)."""
    return order[key.split(".")[0]]


def _rule_line(key: str, message: str) -> str:
    return f"{SECTION}.{key}: {message}."


def _unknown_key(model: type[Model], key: Any) -> str:
    name = key_text(key)
    if not isinstance(key, str):
        return f"{SECTION}.{name}: keys must be strings; got {describe(key, with_type=True)}."
    hint = model.key_hints.get(key) or _suggest(key, list(model.model_fields))
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
) -> Model | None:
    """The validated model of ``config`` (a mapping), or None after adding every problem.

    ``model`` fixes the type (a builder); otherwise it is looked up from ``config["type"]``.
    ``strict`` turns the backward-compatibility defaults into problems.
    """
    if isinstance(config, Model):
        config = config.model_dump(exclude_none=True)
    if not isinstance(config, Mapping):
        problems.add(
            SECTION, f"must be a mapping of keys to values; got {describe(config, with_type=True)}."
        )
        return None
    if model is None:
        type_name = config.get("type", "exp")
        if not isinstance(type_name, str) or type_name not in _TYPES:
            hint = (
                _suggest(type_name, list(_TYPES))
                if isinstance(type_name, str)
                else ("allowed: " + ", ".join(f"`{t}`" for t in _TYPES))
            )
            problems.add(f"{SECTION}.type", f"unknown type {describe(type_name)}; {hint}")
            return None
        model = _TYPES[type_name]
    fields = model.model_fields
    known = {}
    unknown: list[Any] = []
    for key, value in config.items():
        if isinstance(key, str) and key in fields:
            known[key] = value
        else:
            unknown.append(key)
    notes = []
    for key, (value, note, refusal) in model.compat_defaults(known).items():
        if strict:
            problems.add(f"{SECTION}.{key}", refusal)
        else:
            notes.append(f"{SECTION}.{key}: {note}")
            known[key] = value
    if num_steps is not None and num_steps < model.min_num_steps:
        problems.add(
            "num_steps",
            f"must be >= {model.min_num_steps} for `{model.type_name}` (training.numb_steps); "
            f"got {num_steps}.",
        )
    # The problems of the keys in field order (pydantic's errors and the rules mixed), then
    # the unknown keys: one pass reports everything, whatever the order of the fields.
    order = {key: i for i, key in enumerate(fields)}
    lines: list[tuple[int, str]] = []
    try:
        parsed = model.model_validate(known, context={"num_steps": num_steps})
    except ValidationError as exc:
        parsed = None
        failed = set()
        for error in exc.errors(include_url=False):
            if error["type"] == "config_rules":  # every field valid, rules broken
                lines += [(_order(order, k), _rule_line(k, m)) for k, m in error["ctx"]["rules"]]
                continue
            head = error["loc"][0] if error["loc"] else ""
            failed.add(head)
            lines.append((order.get(head, len(order)), _problem(error)))
        if failed:  # the rules on the keys that are valid
            values = {
                key: known.get(key, field.default)
                for key, field in fields.items()
                if key not in failed and (key in known or not field.is_required())
            }
            lines += [
                (_order(order, k), _rule_line(k, m)) for k, m in model._rules(values, num_steps)
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
    _check_float32_rates(parsed, workers, problems)
    parsed.check_parts(num_steps, workers, problems, strict)
    if problems:
        return None
    for note in notes:  # only for a config that is used
        warnings.warn(note, LegacyInputWarning, stacklevel=5)
    return parsed


def _check_float32_rates(parsed: Model, workers: int | None, problems: Problems) -> None:
    """Every positive rate is a normal float32 and stays finite after worker scaling."""
    scale = worker_scale(parsed.scale_by_worker, workers) if workers is not None else 1.0
    what_scale = "worker scale"
    block = getattr(parsed, "batch_scaling", None)
    if isinstance(block, BatchScalingKeys):
        scale *= block.factor()  # the large-batch factor multiplies the worker scale
        what_scale = "worker scale times the batch factor"
    for key, (what, rate) in parsed.rates().items():
        value = getattr(parsed, key)
        if 0 < rate < F32_TINY:
            problems.add(
                f"{SECTION}.{key}",
                f"{what} must be 0 or at least {F32_TINY:.7g} (the smallest normal float32); "
                f"got {rate!r}.".lstrip(),
            )
        elif value * scale > F32_MAX:
            problems.add(
                f"{SECTION}.{key}",
                f"times the {what_scale} ({scale:g}) must be at most {F32_MAX:.7g} (the largest "
                f"float32); got {value!r}.",
            )


def check(
    config: Any,
    num_steps: Any,
    num_workers: Any = 1,
    model: type[Model] | None = None,
    *,
    strict: bool = False,
) -> tuple[Model, int, int]:
    """Validate everything; ``(model, num_steps, num_workers)`` or one ConfigError."""
    problems = Problems()
    steps, workers = check_run(problems, num_steps, num_workers)
    if (
        isinstance(num_workers, str)
        and num_workers == "auto"
        and isinstance(config, Mapping)
        and "scale_by_worker" not in config
    ):
        # DeePMD-kit's PyTorch and JAX trainers ignore scale_by_worker (only TensorFlow scales):
        # "auto" scales only a section that asks for it, so a copied PyTorch input trains alike.
        workers = 1
    parsed = parse(config, steps, workers, problems, model, strict=strict)
    if problems or parsed is None or steps is None or workers is None:
        raise problems.error()
    return parsed, steps, workers


# ---- Builders ----------------------------------------------------------------------------------


def builder(model: type[Model]) -> Callable[..., Any]:
    """The keyword-only builder of a type: ``name(*, <keys>, num_steps, num_workers=1)``.

    Its parameters and defaults are the model's keys; its docstring is the schedule class's
    summary, formula and examples with the keys' descriptions as Args. The keys given (those not
    None) and ``type`` form the config, which is validated as ``make_schedule`` does.
    """
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
    signature = inspect.Signature(params, return_annotation=model.schedule_class)
    name = model.type_name
    names = frozenset(signature.parameters)
    needed = frozenset([*required, "num_steps"])

    def build(*args: Any, **kwargs: Any) -> Schedule:
        given = kwargs  # a new dict of every call
        if args or not names.issuperset(kwargs) or not needed.issubset(kwargs):
            # TypeError for positional, unknown or missing arguments, in Python's words
            given = dict(signature.bind(*args, **kwargs).arguments)
        num_steps = given.pop("num_steps")
        num_workers = given.pop("num_workers", 1)
        config = {"type": name, **{k: v for k, v in given.items() if v is not None}}
        # A keyword call says what it wants: no DeePMD-kit backward-compatibility default
        # (strict), and its scale_by_worker default applies to "auto" workers as written.
        config.setdefault("scale_by_worker", keys["scale_by_worker"].default)
        parsed, steps, workers = check(config, num_steps, num_workers, model, strict=True)
        return parsed.build_with_noise(steps, workers)

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
    lines.append('  num_workers: an int >= 1, or ``"auto"`` for ``jax.device_count()``.')
    lines += [
        "",
        "Returns:",
        f"  A :class:`{model.schedule_class.__name__}` schedule.",
        "",
        "Raises:",
        "  ConfigError: if any argument is invalid (every problem is listed).",
    ]
    text = body.rstrip() + "\n\n" + "\n".join(lines)
    if examples:
        text += "\n\nExamples:\n" + examples
    return text

"""The validated configuration layer: one pydantic model per ``learning_rate`` type.

The models are the single definition of every key, type, default, rule and description; the
JSON Schema and ``docs/configuration.md`` come from them. :func:`make_schedule` validates a
``learning_rate`` mapping, resolves the derived values (``stop_lr`` from ``stop_lr_ratio``,
``warmup_steps`` from ``warmup_ratio``, DeePMD-kit's ``decay_steps`` replacement, the derived
``decay_rate``) and builds the :class:`~lrschedules_jax.Schedule`. Every invalid input raises
one :class:`ConfigError` listing every problem, each naming its key.
"""

from __future__ import annotations

import difflib
import itertools
import math
import numbers
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ._classic import (
    Constant,
    CosineRestarts,
    Cyclic,
    InverseSqrt,
    Linear,
    MultiStep,
    OneCycle,
    Polynomial,
    Step,
)
from ._deepmd import WSD, Cosine, Exp
from ._schedule import INT32_MAX, Schedule, log_leaves, worker_scale

__all__ = [
    "ConfigError",
    "ConstantConfig",
    "CosineConfig",
    "CosineRestartsConfig",
    "CyclicConfig",
    "ExpConfig",
    "InverseSqrtConfig",
    "LinearConfig",
    "MultiStepConfig",
    "OneCycleConfig",
    "PolynomialConfig",
    "StepConfig",
    "WSDConfig",
    "config_types",
    "json_schema",
    "make_schedule",
    "validate",
]

SECTION = "learning_rate"

# Every rate must be representable in float32, the default dtype: a positive rate at least the
# smallest normal float32 (XLA flushes subnormals to zero on CPU), and times the worker scale
# below the largest float32.
_F32_TINY = 1.1754943508222875e-38
_F32_MAX = 3.4028234663852886e38
_RATE_KEYS = ("start_lr", "stop_lr", "stop_lr_ratio", "max_lr", "base_lr")
_EXP_MIN_STOP = 1e-10

_MISSING_START = (
    "is required since DeePMD-kit 3.1.3 (older releases silently used a default); "
    'add it, for example "start_lr": 0.001'
)
_MISSING_STOP = (
    "one of `stop_lr` and `stop_lr_ratio` is required since DeePMD-kit 3.1.3 (older "
    'releases silently used 5e-8); add one, for example "stop_lr": 1e-06 or '
    '"stop_lr_ratio": 0.001'
)


class ConfigError(ValueError):
    """An invalid ``learning_rate`` configuration, ``num_steps`` or ``num_workers``.

    Attributes:
      problems: one line per problem, each starting with the key path
        (``learning_rate.decay_steps: ...``).
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        count = len(self.problems)
        head = f"Invalid learning-rate configuration ({count} problem{'s' * (count != 1)}):"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


def _rule(key: str, message: str) -> PydanticCustomError:
    """A cross-field problem reported on ``key`` (which may differ from the validated field)."""
    return PydanticCustomError("config_rule", message, {"key": key})


def _num_steps(info: ValidationInfo) -> int | None:
    return (info.context or {}).get("num_steps")


class _Model(BaseModel):
    """Keys every type has."""

    model_config = ConfigDict(
        strict=True, extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=False
    )

    schedule_class: ClassVar[type[Schedule]]

    scale_by_worker: Literal["linear", "sqrt", "none"] = Field(
        "linear",
        description="How the rate grows with the number of data-parallel workers: `linear` "
        "multiplies every rate by `num_workers`, `sqrt` by its square root, `none` by 1.",
    )

    def resolve(self, num_steps: int) -> _Model:
        """This config with every derived value made concrete for ``num_steps``."""
        return self

    def schedule_kwargs(self) -> dict[str, Any]:
        """The schedule dataclass's fields, from a resolved config."""
        names = set(self.schedule_class.__dataclass_fields__)  # type: ignore[attr-defined]
        return {k: v for k, v in self.model_dump().items() if k in names}

    def build(self, num_steps: int, num_workers: int = 1) -> Schedule:
        """The schedule of this (already validated) config."""
        resolved = self.resolve(num_steps)
        return self.schedule_class(
            num_steps=num_steps, num_workers=num_workers, **resolved.schedule_kwargs()
        )


class _WarmupModel(_Model):
    """Keys of every type with a ``start_lr``, a warmup and (usually) an end rate."""

    stop_required: ClassVar[bool] = True

    start_lr: float = Field(gt=0, description="The rate at the end of warmup (the peak).")
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
        validate_default=True,
        description="`stop_lr = start_lr * stop_lr_ratio`.",
    )
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

    @field_validator("stop_lr")
    @classmethod
    def _stop_below_start(cls, v: float | None, info: ValidationInfo) -> float | None:
        start = info.data.get("start_lr")
        if v is not None and start is not None and v > start:
            raise _rule("stop_lr", f"must be at most `start_lr` ({start!r}); got {v!r}")
        return v

    @field_validator("stop_lr_ratio")
    @classmethod
    def _one_stop_key(cls, v: float | None, info: ValidationInfo) -> float | None:
        if "stop_lr" not in info.data:  # stop_lr itself is invalid: reported already
            return v
        stop_lr = info.data["stop_lr"]
        if stop_lr is not None and v is not None:
            raise _rule(
                "stop_lr_ratio",
                f"precisely one of `stop_lr` and `stop_lr_ratio` must be given; got both "
                f"(stop_lr={stop_lr!r}, stop_lr_ratio={v!r})",
            )
        if stop_lr is None and v is None and cls.stop_required:
            raise _rule("stop_lr", _MISSING_STOP)
        return v

    @field_validator("warmup_steps")
    @classmethod
    def _warmup_below_num_steps(cls, v: int, info: ValidationInfo) -> int:
        n = _num_steps(info)
        if n is not None and v > 0 and v >= n:
            raise _rule("warmup_steps", f"must be smaller than `num_steps` ({n}); got {v}")
        return v

    @field_validator("warmup_ratio")
    @classmethod
    def _one_warmup_key(cls, v: float | None, info: ValidationInfo) -> float | None:
        steps = info.data.get("warmup_steps", 0)
        if v is not None and steps:
            raise _rule(
                "warmup_ratio",
                f"`warmup_steps` and `warmup_ratio` are mutually exclusive; got both "
                f"(warmup_steps={steps!r}, warmup_ratio={v!r})",
            )
        return v

    def resolved_stop_lr(self) -> float:
        if self.stop_lr is not None:
            return self.stop_lr
        if self.stop_lr_ratio is not None:
            return self.start_lr * self.stop_lr_ratio
        raise AssertionError("unreachable: validated configs have a stop key")

    def resolve(self, num_steps: int) -> _WarmupModel:
        update: dict[str, Any] = {"warmup_ratio": None}
        if self.warmup_ratio is not None:
            update["warmup_steps"] = int(self.warmup_ratio * num_steps)
        if self.stop_lr is not None or self.stop_lr_ratio is not None:
            update.update(stop_lr=self.resolved_stop_lr(), stop_lr_ratio=None)
        return self.model_copy(update=update)


class ExpConfig(_WarmupModel):
    """``exp``: exponential decay, stepped or smooth (DeePMD-kit's default type)."""

    schedule_class = Exp

    type: Literal["exp"] = Field("exp", description="The schedule type.")
    decay_steps: int = Field(
        5000,
        gt=0,
        le=INT32_MAX,
        description="The rate decays every `decay_steps` steps. If `decay_rate` is not given "
        "and `decay_steps >= num_steps - warmup_steps`, it is replaced by "
        "`100 if T // 10 > 100 else T // 100 + 1` (T = num_steps - warmup_steps), as "
        "DeePMD-kit does.",
    )
    decay_rate: float | None = Field(
        None,
        gt=0,
        le=1,
        description="The factor per `decay_steps`. Derived from `stop_lr` if not given; "
        "`stop_lr` stays a floor either way.",
    )
    smooth: bool = Field(
        False, description="Decay at every step (`t / decay_steps`) instead of in stairs."
    )

    @model_validator(mode="after")
    def _derived_rate_decays(self) -> ExpConfig:
        # The derived rate uses max(stop_lr, 1e-10): below 1e-10 it would exceed 1 and the
        # "decay" would rise above start_lr.
        if self.decay_rate is None and self.start_lr < _EXP_MIN_STOP:
            raise _rule(
                "start_lr",
                f"must be >= {_EXP_MIN_STOP} when `decay_rate` is derived (DeePMD-kit derives "
                f"it from max(stop_lr, {_EXP_MIN_STOP}), so the rate would rise); got "
                f"{self.start_lr!r}. Give `decay_rate` explicitly for smaller rates",
            )
        return self

    def resolve(self, num_steps: int) -> ExpConfig:
        base = super().resolve(num_steps)
        length = num_steps - base.warmup_steps
        decay_steps, decay_rate = base.decay_steps, base.decay_rate
        if decay_rate is None:
            if decay_steps >= length:
                decay_steps = 100 if length // 10 > 100 else length // 100 + 1
            stop = max(base.resolved_stop_lr(), _EXP_MIN_STOP)
            decay_rate = math.exp(math.log(stop / base.start_lr) / (length / decay_steps))
        return base.model_copy(update={"decay_steps": decay_steps, "decay_rate": decay_rate})

    def schedule_kwargs(self) -> dict[str, Any]:
        assert self.decay_rate is not None
        return {**super().schedule_kwargs(), **log_leaves("log_decay_rate", self.decay_rate)}


class CosineConfig(_WarmupModel):
    """``cosine``: cosine annealing from `start_lr` to `stop_lr`."""

    schedule_class = Cosine

    type: Literal["cosine"] = Field(description="The schedule type.")


class WSDConfig(_WarmupModel):
    """``wsd``: warmup, a stable phase at `start_lr`, then a final decay to `stop_lr`."""

    schedule_class = WSD

    type: Literal["wsd"] = Field(description="The schedule type.")
    decay_phase_ratio: float = Field(
        0.1,
        gt=0,
        le=1,
        description="The final decay phase as a fraction of the total `num_steps`: "
        "`D = max(1, min(int(decay_phase_ratio * num_steps), num_steps - warmup_steps))`.",
    )
    decay_type: Literal["inverse_linear", "cosine", "linear"] = Field(
        "inverse_linear", description="The shape of the final decay."
    )

    @field_validator("stop_lr", "stop_lr_ratio")
    @classmethod
    def _positive_stop(cls, v: float | None, info: ValidationInfo) -> float | None:
        if v is not None and v <= 0:
            raise _rule(info.field_name or "stop_lr", f"must be > 0 for `wsd`; got {v!r}")
        return v


# ---- The classic types (SPEC section 3) ------------------------------------------------------


def _drop_stop_keys(schema: dict[str, Any], cls: type) -> None:
    """JSON Schema hook: the types without an end rate do not list the stop keys."""
    for key in ("stop_lr", "stop_lr_ratio"):
        schema.get("properties", {}).pop(key, None)


class _NoStopModel(_WarmupModel):
    """A type with a `start_lr` and a warmup but no end rate: the stop keys are errors."""

    model_config = ConfigDict(json_schema_extra=_drop_stop_keys)

    stop_required = False
    hidden_keys: ClassVar[tuple[str, ...]] = ("stop_lr", "stop_lr_ratio")
    no_stop_reason: ClassVar[str] = ""

    @field_validator("stop_lr", "stop_lr_ratio", mode="before")
    @classmethod
    def _no_stop_key(cls, v: Any, info: ValidationInfo) -> Any:
        if v is not None:
            (name,) = cls.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
            key = info.field_name or "stop_lr"
            raise _rule(key, f"`{key}` is not a key of type `{name}`; {cls.no_stop_reason}")
        return v


class ConstantConfig(_NoStopModel):
    """``constant``: `start_lr` after the warmup (optax `constant_schedule`)."""

    schedule_class = Constant
    no_stop_reason = "the rate stays at `start_lr`"

    type: Literal["constant"] = Field(description="The schedule type.")


class StepConfig(_NoStopModel):
    """``step``: `start_lr * gamma ** (t // step_size)` (torch `StepLR`)."""

    schedule_class = Step
    no_stop_reason = "the rate falls by `gamma` every `step_size` steps, without an end rate"

    type: Literal["step"] = Field(description="The schedule type.")
    step_size: int = Field(
        gt=0,
        le=INT32_MAX,
        description="The rate is multiplied by `gamma` every `step_size` steps after warmup.",
    )
    gamma: float = Field(0.1, gt=0, le=1, description="The factor applied at every drop.")

    def schedule_kwargs(self) -> dict[str, Any]:
        return {**super().schedule_kwargs(), **log_leaves("log_gamma", self.gamma)}


class MultiStepConfig(_NoStopModel):
    """``multistep``: `start_lr * gamma ** (number of milestones <= t)` (torch `MultiStepLR`)."""

    schedule_class = MultiStep
    no_stop_reason = "the rate falls by `gamma` at every milestone, without an end rate"

    type: Literal["multistep"] = Field(description="The schedule type.")
    milestones: list[Annotated[int, Field(gt=0, le=INT32_MAX)]] = Field(
        min_length=1,
        description="Strictly increasing steps (> 0, counted from the end of warmup) at "
        "which the rate is multiplied by `gamma`; milestone `m` applies from step `m` on.",
    )
    gamma: float = Field(0.1, gt=0, le=1, description="The factor applied at every milestone.")

    @field_validator("milestones", mode="before")
    @classmethod
    def _tuple_to_list(cls, v: Any) -> Any:
        return list(v) if isinstance(v, tuple) else v

    @field_validator("milestones")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if any(b <= a for a, b in itertools.pairwise(v)):
            raise _rule("milestones", f"must be strictly increasing; got {v!r}")
        return v

    def schedule_kwargs(self) -> dict[str, Any]:
        return {
            **super().schedule_kwargs(),
            "milestones": tuple(self.milestones),
            **log_leaves("log_gamma", self.gamma),
        }


class PolynomialConfig(_WarmupModel):
    """``polynomial``: `stop_lr + (start_lr - stop_lr) * (1 - t / T) ** power` (torch
    `PolynomialLR`, optax `polynomial_schedule`)."""

    schedule_class = Polynomial

    type: Literal["polynomial"] = Field(description="The schedule type.")
    power: float = Field(
        1.0, gt=0, le=_F32_MAX, description="The exponent of the decay (a finite float32)."
    )

    def schedule_kwargs(self) -> dict[str, Any]:
        lo = self.power - float(np.float32(self.power))  # for a traced power (pow_fraction)
        return {**super().schedule_kwargs(), "power_lo": lo}


class LinearConfig(_WarmupModel):
    """``linear``: linear decay from `start_lr` to `stop_lr` (`polynomial` with power 1)."""

    schedule_class = Linear

    type: Literal["linear"] = Field(description="The schedule type.")


class InverseSqrtConfig(_WarmupModel):
    """``inverse_sqrt``: `start_lr * sqrt(timescale / (t + timescale))`, floored at an
    optional `stop_lr` (the Transformer schedule; HuggingFace `inverse_sqrt`)."""

    schedule_class = InverseSqrt
    stop_required = False

    type: Literal["inverse_sqrt"] = Field(description="The schedule type.")
    timescale: int | None = Field(
        None,
        gt=0,
        le=INT32_MAX,
        description="The decay's time scale in steps: the rate halves `3 * timescale` steps "
        "after warmup. Default: `warmup_steps` if it is > 0, else 10000.",
    )

    def resolve(self, num_steps: int) -> InverseSqrtConfig:
        base = super().resolve(num_steps)
        update: dict[str, Any] = {}
        if base.timescale is None:
            update["timescale"] = base.warmup_steps if base.warmup_steps > 0 else 10000
        if base.stop_lr is None:
            update["stop_lr"] = 0.0
        return base.model_copy(update=update)


class CosineRestartsConfig(_WarmupModel):
    """``cosine_restarts``: cosine cycles down to `stop_lr` with warm restarts (SGDR; torch
    `CosineAnnealingWarmRestarts`)."""

    schedule_class = CosineRestarts

    type: Literal["cosine_restarts"] = Field(description="The schedule type.")
    cycle_steps: int = Field(
        gt=0, le=INT32_MAX, description="The length of the first cycle (torch's `T_0`)."
    )
    cycle_mult: int = Field(
        1,
        ge=1,
        le=INT32_MAX,
        description="Each cycle is `cycle_mult` times longer than the one before (torch's "
        "`T_mult`).",
    )
    cycle_decay: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Each cycle's peak is `cycle_decay` times the one before (the first is "
        "`start_lr`); a peak never goes below `stop_lr`.",
    )

    def schedule_kwargs(self) -> dict[str, Any]:
        return {**super().schedule_kwargs(), **log_leaves("log_cycle_decay", self.cycle_decay)}


_ONE_CYCLE_FINAL = "it ends at `max_lr / div_factor / final_div_factor`: set `final_div_factor`."
_ONE_CYCLE_WARMUP = (
    "it warms up by itself from `max_lr / div_factor` to `max_lr` over its first "
    "`pct_start * num_steps` steps: set `pct_start` and `div_factor`."
)


class OneCycleConfig(_Model):
    """``one_cycle``: the 1cycle policy (torch `OneCycleLR(total_steps=num_steps)`)."""

    schedule_class = OneCycle
    key_hints: ClassVar[dict[str, str]] = {
        "start_lr": "it starts at `max_lr / div_factor`: set `max_lr` and `div_factor`.",
        "stop_lr": _ONE_CYCLE_FINAL,
        "stop_lr_ratio": _ONE_CYCLE_FINAL,
        "warmup_steps": _ONE_CYCLE_WARMUP,
        "warmup_ratio": _ONE_CYCLE_WARMUP,
        "warmup_start_factor": _ONE_CYCLE_WARMUP,
    }

    type: Literal["one_cycle"] = Field(description="The schedule type.")
    max_lr: float = Field(gt=0, description="The peak rate.")
    pct_start: float = Field(
        0.3,
        ge=0,
        le=1,
        description="The fraction of `num_steps` spent rising to `max_lr` (at most 0.5 with "
        "`three_phase`).",
    )
    div_factor: float = Field(
        25.0, ge=1, le=_F32_MAX, description="The rate starts at `max_lr / div_factor`."
    )
    final_div_factor: float = Field(
        1e4,
        ge=1,
        le=_F32_MAX,
        description="The rate ends at `max_lr / div_factor / final_div_factor`.",
    )
    anneal_strategy: Literal["cos", "linear"] = Field(
        "cos", description="The shape of every phase: cosine or linear."
    )
    three_phase: bool = Field(
        False,
        description="Fall back to `max_lr / div_factor` as fast as the rate rose, then anneal "
        "to the minimum in a third phase (the original paper's policy).",
    )

    @field_validator("three_phase")
    @classmethod
    def _room_for_three_phases(cls, v: bool, info: ValidationInfo) -> bool:
        pct = info.data.get("pct_start")
        if v and pct is not None and pct > 0.5:
            raise _rule(
                "pct_start",
                f"must be at most 0.5 with `three_phase` (the first two phases take "
                f"`2 * pct_start` of the steps); got {pct!r}",
            )
        return v


_CYCLIC_WARMUP = "it has no warmup: every cycle rises from `base_lr` over `step_size_up` steps."
_CYCLIC_RANGE = "it cycles between `base_lr` and `max_lr`"


class CyclicConfig(_Model):
    """``cyclic``: cyclical learning rates (torch `CyclicLR(cycle_momentum=False)`)."""

    schedule_class = Cyclic
    key_hints: ClassVar[dict[str, str]] = {
        "start_lr": _CYCLIC_RANGE + ": set `base_lr` and `max_lr`.",
        "stop_lr": _CYCLIC_RANGE + ", without an end rate.",
        "stop_lr_ratio": _CYCLIC_RANGE + ", without an end rate.",
        "warmup_steps": _CYCLIC_WARMUP,
        "warmup_ratio": _CYCLIC_WARMUP,
        "warmup_start_factor": _CYCLIC_WARMUP,
    }

    type: Literal["cyclic"] = Field(description="The schedule type.")
    base_lr: float = Field(ge=0, description="The lower rate, at the start of every cycle.")
    max_lr: float = Field(
        gt=0, description="The upper rate, at least `base_lr`, reached after `step_size_up`."
    )
    step_size_up: int = Field(
        2000, gt=0, le=INT32_MAX, description="Steps from `base_lr` up to `max_lr`."
    )
    step_size_down: int | None = Field(
        None,
        gt=0,
        le=INT32_MAX,
        description="Steps from `max_lr` back down to `base_lr`. Default: `step_size_up`.",
    )
    mode: Literal["triangular", "triangular2", "exp_range"] = Field(
        "triangular",
        description="`triangular`: every cycle the same; `triangular2`: the amplitude halves "
        "every cycle; `exp_range`: the amplitude is multiplied by `gamma ** step`.",
    )
    gamma: float = Field(
        1.0, gt=0, le=1, description="The `exp_range` factor per step (only for `exp_range`)."
    )

    @field_validator("max_lr")
    @classmethod
    def _max_above_base(cls, v: float, info: ValidationInfo) -> float:
        base = info.data.get("base_lr")
        if base is not None and v < base:
            raise _rule("max_lr", f"must be at least `base_lr` ({base!r}); got {v!r}")
        return v

    @field_validator("gamma")
    @classmethod
    def _gamma_needs_exp_range(cls, v: float, info: ValidationInfo) -> float:
        mode = info.data.get("mode")
        if v != 1.0 and mode is not None and mode != "exp_range":
            raise _rule(
                "gamma",
                f"is used only by `mode` `exp_range` (mode is `{mode}`); got {v!r}",
            )
        return v

    def resolve(self, num_steps: int) -> CyclicConfig:
        if self.step_size_down is None:
            return self.model_copy(update={"step_size_down": self.step_size_up})
        return self

    def schedule_kwargs(self) -> dict[str, Any]:
        return {**super().schedule_kwargs(), **log_leaves("log_gamma", self.gamma)}


_MODELS: dict[str, type[_Model]] = {}


def register_config(model: type[_Model]) -> type[_Model]:
    """Register a config model under its ``type`` literal."""
    (name,) = model.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
    _MODELS[name] = model
    return model


for _model in (
    ExpConfig,
    CosineConfig,
    WSDConfig,
    ConstantConfig,
    StepConfig,
    MultiStepConfig,
    PolynomialConfig,
    LinearConfig,
    InverseSqrtConfig,
    CosineRestartsConfig,
    OneCycleConfig,
    CyclicConfig,
):
    register_config(_model)


def config_types() -> dict[str, type[_Model]]:
    """The registered ``learning_rate`` types and their config models."""
    return dict(_MODELS)


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "allowed: " + ", ".join(f"`{o}`" for o in sorted(options))


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _bound(value: float) -> str:
    """A range bound as written in the rule: ``0`` not ``0.0``, integers in full."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _problem(error: Any, model: type[_Model], type_name: str, prefix: str = SECTION) -> str:
    """One readable line for one pydantic error."""
    head, *rest = error["loc"] or ("",)
    loc = [str(head), *(str(p) for p in rest if not isinstance(p, int))]
    index = "".join(f"[{p}]" for p in rest if isinstance(p, int))  # a list item
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "config_rule":
        loc = [*loc[:-1], ctx["key"]] if loc else [ctx["key"]]
        return f"{'.'.join([prefix, *loc])}: {error['msg']}."
    path = ".".join([prefix, *loc]) + index
    key = loc[-1] if loc else ""
    if kind == "missing":
        if key == "start_lr":
            return f"{path}: {_MISSING_START}."
        return f"{path}: is required."
    if kind == "extra_forbidden":
        hint = getattr(model, "key_hints", {}).get(key) or _suggest(key, list(model.model_fields))
        return f"{path}: `{key}` is not a key of type `{type_name}`; {hint}"
    if kind == "int_type":
        return (
            f"{path}: must be an integer (not a float, string or boolean); got {_describe(value)}."
        )
    if kind == "float_type":
        return f"{path}: must be a number (not a string or boolean); got {_describe(value)}."
    if kind == "bool_type":
        return f"{path}: must be true or false; got {_describe(value)}."
    if kind == "finite_number":
        return f"{path}: must be a finite number; got {value!r}."
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        name, op = bounds[kind]
        return f"{path}: must be {op} {_bound(ctx[name])}; got {value!r}."
    if kind == "literal_error":
        return f"{path}: must be one of {ctx['expected']}; got {value!r}."
    return f"{path}: {error['msg']}; got {value!r}."


def _count(value: Any) -> int | None:
    """``value`` as a Python int if it is an integer (NumPy integers too, booleans not)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return None


def _check_run(num_steps: Any, num_workers: Any) -> tuple[list[str], int, int]:
    """Problems with ``num_steps`` / ``num_workers``, and both as Python ints."""
    problems = []
    steps = _count(num_steps)
    if steps is None:
        problems.append(
            f"num_steps: must be an integer (training.numb_steps); got {_describe(num_steps)}."
        )
    elif not 1 <= steps <= INT32_MAX:
        problems.append(f"num_steps: must be in [1, {INT32_MAX}]; got {num_steps!r}.")
    workers = _count(num_workers)
    if isinstance(num_workers, str) and num_workers == "auto":
        import jax

        workers = jax.device_count()
    elif workers is None:
        problems.append(
            f'num_workers: must be an integer >= 1 or "auto"; got {_describe(num_workers)}.'
        )
    elif not 1 <= workers <= INT32_MAX:
        problems.append(
            f'num_workers: must be an integer in [1, {INT32_MAX}] or "auto"; got {num_workers!r}.'
        )
    return problems, steps or 1, workers or 1


def _validate(config: Any, num_steps: Any, num_workers: Any) -> tuple[_Model, int, int]:
    problems, num_steps, workers = _check_run(num_steps, num_workers)
    if isinstance(config, _Model):
        config = config.model_dump(exclude_none=True)
    if not isinstance(config, Mapping):
        raise ConfigError(
            [*problems, f"{SECTION}: must be a mapping of keys to values; got {_describe(config)}."]
        )
    type_name = config.get("type", "exp")
    if not isinstance(type_name, str) or type_name not in _MODELS:
        hint = (
            _suggest(type_name, list(_MODELS))
            if isinstance(type_name, str)
            else ("allowed: " + ", ".join(f"`{t}`" for t in _MODELS))
        )
        raise ConfigError([*problems, f"{SECTION}.type: unknown type {type_name!r}; {hint}"])
    model = _MODELS[type_name]
    steps_ok = not any(p.startswith("num_steps:") for p in problems)
    context = {"num_steps": num_steps} if steps_ok else {}
    try:
        parsed = model.model_validate(dict(config), context=context)
    except ValidationError as exc:
        problems += [_problem(error, model, type_name) for error in exc.errors()]
    else:
        problems += _check_float32_rates(parsed, workers)
    if problems:
        raise ConfigError(problems)
    return parsed, num_steps, workers


def _check_float32_rates(parsed: _Model, workers: int) -> list[str]:
    """Every positive rate is a normal float32 and stays finite after worker scaling; so is a
    positive `warmup_start_factor` (docs/configuration.md, "Float32 bounds")."""
    values = parsed.model_dump()
    scale = worker_scale(parsed.scale_by_worker, workers)
    problems = []
    factor = values.get("warmup_start_factor")
    if factor is not None and 0 < factor < _F32_TINY:
        # A schedule passed through jit (or stacked for a sweep) holds it as a float32 number.
        problems.append(
            f"{SECTION}.warmup_start_factor: must be 0 or at least {_F32_TINY:.7g} (the "
            f"smallest normal float32); got {factor!r}."
        )
    for key in _RATE_KEYS:
        value = values.get(key)
        if value is None:
            continue
        rate = value * values["start_lr"] if key == "stop_lr_ratio" else value
        what = "a positive rate"
        if key == "stop_lr_ratio":
            what = "`start_lr * stop_lr_ratio`"
        elif key == "max_lr" and "final_div_factor" in values:  # one_cycle's lowest rate
            rate = value / values["div_factor"] / values["final_div_factor"]
            what = "`max_lr / div_factor / final_div_factor`"
        if 0 < rate < _F32_TINY:
            problems.append(
                f"{SECTION}.{key}: {what} must be 0 or at least {_F32_TINY:.7g} (the smallest "
                f"normal float32); got {rate!r}."
            )
        elif value * scale > _F32_MAX:
            problems.append(
                f"{SECTION}.{key}: times the worker scale ({scale:g}) must be at most "
                f"{_F32_MAX:.7g} (the largest float32); got {value!r}."
            )
    return problems


def validate(config: Mapping[str, Any] | _Model, num_steps: int) -> _Model:
    """Validate a ``learning_rate`` mapping and return its fully resolved config.

    Args:
      config: the ``learning_rate`` section (a mapping, never mutated) or a config model.
      num_steps: the number of training steps (``training.numb_steps``).

    Returns:
      The typed config with every derived value concrete: ``stop_lr`` (from
      ``stop_lr_ratio``), ``warmup_steps`` (from ``warmup_ratio``), and for ``exp`` the
      ``decay_steps`` DeePMD-kit actually uses and the ``decay_rate``.

    Raises:
      ConfigError: listing every problem found.

    Examples:
      >>> cfg = validate({"start_lr": 1e-3, "stop_lr_ratio": 1e-2, "decay_steps": 5000}, 1000)
      >>> cfg.type, cfg.decay_steps, cfg.stop_lr
      ('exp', 11, 1e-05)
    """
    parsed, num_steps, _ = _validate(config, num_steps, 1)
    return parsed.resolve(num_steps)


def make_schedule(
    config: Mapping[str, Any] | _Model, num_steps: int, *, num_workers: int | str = 1
) -> Schedule:
    """Validate a ``learning_rate`` mapping and build its schedule.

    Args:
      config: the ``learning_rate`` section of a DeePMD-kit input (never mutated), or a
        config model. ``type`` defaults to ``"exp"``.
      num_steps: the number of training steps (``training.numb_steps``), >= 1.
      num_workers: the number of data-parallel workers (an int >= 1), or ``"auto"`` for
        ``jax.device_count()``; the rate is scaled by ``scale_by_worker``.

    Returns:
      A :class:`~lrschedules_jax.Schedule`: callable on steps, a pytree, usable as any optax
      learning rate.

    Raises:
      ConfigError: listing every problem found, each with its key path.

    Examples:
      >>> sched = make_schedule({"type": "cosine", "start_lr": 1.0, "stop_lr": 0.1}, 10)
      >>> round(float(sched(5)), 6)
      0.55
    """
    parsed, num_steps, workers = _validate(config, num_steps, num_workers)
    return parsed.build(num_steps, workers)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the ``learning_rate`` section (for editors and other tools)."""
    union = Annotated[Union[tuple(_MODELS.values())], Field(title=SECTION)]  # type: ignore[misc]  # noqa: UP007
    schema = TypeAdapter(union).json_schema()
    schema["title"] = SECTION
    schema["description"] = (
        "DeePMD-kit's `learning_rate` section as lrschedules-jax validates it. `type` "
        "defaults to `exp`."
    )
    return schema

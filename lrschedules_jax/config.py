"""The validated configuration layer: :func:`make_schedule`, :func:`validate`, :func:`json_schema`.

Each ``learning_rate`` type is defined once, in its module (``_deepmd.py``, ``_classic.py``): its
schedule class and its pydantic config model, the single definition of every key, type,
default, rule and description; the JSON Schema and ``docs/configuration.md`` come from them.
:func:`make_schedule` validates a ``learning_rate`` mapping, resolves the derived values
(``stop_lr`` from ``stop_lr_ratio``, ``warmup_steps`` from ``warmup_ratio``, DeePMD-kit's
``decay_steps`` replacement, the derived ``decay_rate``) and builds the
:class:`~lrschedules_jax.Schedule`. Every invalid input raises one :class:`ConfigError` listing
every problem, each naming its key. This module imports pydantic but not JAX.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Union

from ._deepmd import CosineConfig, ExpConfig, WSDConfig
from ._errors import ConfigError, LegacyInputWarning
from ._model import SECTION, Model, registered_types
from ._model import check as _check
from ._schedule import Schedule

if TYPE_CHECKING:
    from ._classic import (
        ConstantConfig,
        CosineRestartsConfig,
        CyclicConfig,
        InverseSqrtConfig,
        LinearConfig,
        MultiStepConfig,
        OneCycleConfig,
        PolynomialConfig,
        StepConfig,
    )

__all__ = [
    "ConfigError",
    "ConstantConfig",
    "CosineConfig",
    "CosineRestartsConfig",
    "CyclicConfig",
    "ExpConfig",
    "InverseSqrtConfig",
    "LegacyInputWarning",
    "LinearConfig",
    "Model",
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


#: The modules defining the types, in the registry's order (DeePMD-kit's first). A config is
#: checked after loading only the modules up to the one defining its type.
_TYPE_MODULES = ("._deepmd", "._classic", "._llm", "._compose")
_CLASSIC_CONFIGS = (
    "ConstantConfig CosineRestartsConfig CyclicConfig InverseSqrtConfig LinearConfig "
    "MultiStepConfig OneCycleConfig PolynomialConfig StepConfig"
).split()


#: The entry point group of packages that register their own types (``lrschedules_jax.extend``).
ENTRY_POINTS = "lrschedules_jax.types"
_plugins_loaded = False


def _load_types(name: Any = None) -> None:
    """Import the type modules until ``name`` is registered (all of them for None), then the
    modules of the ``lrschedules_jax.types`` entry points (once) if it is still unknown."""
    global _plugins_loaded
    for module in _TYPE_MODULES:
        if isinstance(name, str) and name in registered_types():
            return
        importlib.import_module(module, __package__)
    if _plugins_loaded or (isinstance(name, str) and name in registered_types()):
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINTS):
        entry.load()  # the module registers its types with extend.register_type


def __getattr__(name: str) -> Any:
    if name in _CLASSIC_CONFIGS:
        return getattr(importlib.import_module("._classic", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check(
    config: Any, num_steps: Any, num_workers: Any = 1, *, strict: bool = False
) -> tuple[Model, int, int]:
    """Validate a section, ``num_steps`` and ``num_workers``: ``(config, steps, workers)``.

    What :func:`make_schedule` does before building (the command line's ``check``).

    Raises:
      ConfigError: listing every problem found.
    """
    name = config.get("type", "exp") if isinstance(config, Mapping) else None
    if isinstance(config, Model):
        name = config.type_name
    _load_types(name)
    return _check(config, num_steps, num_workers, strict=strict)


def config_types() -> dict[str, type[Model]]:
    """The registered ``learning_rate`` types and their config models."""
    _load_types()
    return registered_types()


def validate(config: Mapping[str, Any] | Model, num_steps: int, *, strict: bool = False) -> Model:
    """Validate a ``learning_rate`` mapping and return its fully resolved config.

    Args:
      config: the ``learning_rate`` section (a mapping, never mutated) or a config model.
      num_steps: the number of training steps (``training.numb_steps``).
      strict: refuse DeePMD-kit's backward-compatibility defaults (a missing ``stop_lr``)
        instead of using them with a :class:`LegacyInputWarning`.

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
    parsed, num_steps, _ = check(config, num_steps, strict=strict)
    return parsed.resolve(num_steps)


def make_schedule(
    config: Mapping[str, Any] | Model,
    num_steps: int,
    *,
    num_workers: int | str = 1,
    strict: bool = False,
) -> Schedule:
    """Validate a ``learning_rate`` mapping and build its schedule.

    Args:
      config: the ``learning_rate`` section of a DeePMD-kit input (never mutated), or a
        config model. ``type`` defaults to ``"exp"``.
      num_steps: the number of training steps (``training.numb_steps``), >= 0 (0 as
        DeePMD-kit accepts it; ``one_cycle`` needs 1).
      num_workers: the number of data-parallel workers (an int >= 1), or ``"auto"`` for
        ``jax.device_count()``; the rate is scaled by ``scale_by_worker``. With ``"auto"``, a
        section without a ``scale_by_worker`` key is not scaled (DeePMD-kit's PyTorch and JAX
        trainers ignore the key; only its TensorFlow trainer scales, by default linearly).
      strict: refuse DeePMD-kit's backward-compatibility defaults: without ``stop_lr`` and
        ``stop_lr_ratio``, ``exp``, ``cosine`` and ``wsd`` use DeePMD-kit's ``stop_lr = 5e-8``
        with a :class:`LegacyInputWarning`; with ``strict=True`` that is an error.

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
    parsed, num_steps, workers = check(config, num_steps, num_workers, strict=strict)
    return parsed.build_with_noise(num_steps, workers)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the ``learning_rate`` section (for editors and other tools)."""
    from pydantic import Field, TypeAdapter  # pydantic's schema machinery: only when asked

    models = tuple(config_types().values())
    union = Annotated[Union[models], Field(title=SECTION)]  # type: ignore[valid-type]  # noqa: UP007
    schema = TypeAdapter(union).json_schema()
    schema["title"] = SECTION
    schema["description"] = (
        "DeePMD-kit's `learning_rate` section as lrschedules-jax validates it. `type` "
        "defaults to `exp`."
    )
    return schema

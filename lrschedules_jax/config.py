"""The validated configuration layer: :func:`make_schedule`, :func:`from_config`,
:func:`validate`, :func:`json_schema`.

Each ``learning_rate`` type is declared once, as its schedule class: its keys, types, defaults,
bounds, rules and descriptions. Its pydantic config model (``ExpConfig``, ``WSDConfig``...,
available here by name), the JSON Schema and the builders are generated from that declaration.
:func:`make_schedule` validates a ``learning_rate`` mapping, resolves the derived values
(``stop_lr`` from ``stop_lr_ratio``, ``warmup_steps`` from ``warmup_ratio``, DeePMD-kit's
``decay_steps`` replacement, the derived ``decay_rate``) and builds the
:class:`~lrschedules_jax.Schedule`. Every invalid input raises one :class:`ConfigError` listing
every problem, each naming its key. This module imports pydantic but not JAX.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Union

from . import _compose
from ._errors import (  # noqa: F401  (LegacyInputWarning: public here)
    MAX_DEPTH,
    ConfigError,
    LegacyInputWarning,
    describe,
    key_text,
)
from ._model import MAX_PARTS, SECTION, Model, model_for, models  # noqa: F401 (public)
from ._model import check as _check
from ._model import extension_problems as _extension_problems
from ._schedule import Schedule, registered_types

#: The modules that define the built-in types (importing one registers its types).
_TYPE_MODULES = ("._deepmd", "._classic", "._llm")
for _module in _TYPE_MODULES:
    importlib.import_module(_module, __package__)

#: The entry point group of packages that register their own types (``lrschedules_jax.extend``).
ENTRY_POINTS = "lrschedules_jax.types"
_plugins: dict[str, str] | None = None  # entry point name -> why it failed ("" if it loaded)

_BUILTIN = {cls.config_name: cls for cls in registered_types().values() if cls.builtin}

__all__ = sorted(
    [
        "MAX_DEPTH",
        "MAX_PARTS",
        "ConfigError",
        "LegacyInputWarning",
        "Model",
        "config_types",
        "from_config",
        "json_schema",
        "make_schedule",
        "validate",
        *_BUILTIN,
    ]
)


def __getattr__(name: str) -> Any:
    if name in _BUILTIN:
        return model_for(_BUILTIN[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_BUILTIN})


def load_plugins() -> dict[str, str]:
    """Import the modules of the ``lrschedules_jax.types`` entry points (once), which register
    their types with ``lrschedules_jax.extend.register_type``.

    A plugin that fails to import (or raises) is skipped: it does not stop the others, and
    ``{name: why}`` says what went wrong (shown when a type it might have defined is unknown).
    """
    global _plugins
    if _plugins is None:
        _plugins = {}
        from importlib.metadata import entry_points

        for entry in entry_points(group=ENTRY_POINTS):
            name = key_text(entry.name)
            try:
                entry.load()
            except (Exception, SystemExit) as exc:  # a broken plugin: reported, never raised
                _plugins[name] = f"{type(exc).__name__}: {describe(str(exc))}"
            else:
                _plugins[name] = ""
    return _plugins


def lookup(name: Any) -> type[Model] | str:
    """The config model of the type ``name``, or the problem with an unknown name (the
    plugins are loaded first, and any that failed is named)."""
    types = registered_types()
    if isinstance(name, str) and name in types:
        return model_for(types[name])
    failed = {k: why for k, why in load_plugins().items() if why}
    types = registered_types()
    if isinstance(name, str) and name in types:
        return model_for(types[name])
    from ._model import _lookup

    problem = _lookup(name)
    if failed and isinstance(problem, str):
        shown = list(failed.items())[:3]
        problem += " (plugins that failed to load: " + "; ".join(
            f"`{k}`: {why}" for k, why in shown
        )
        problem += f"; and {len(failed) - 3} more)" if len(failed) > 3 else ")"
    return problem


def check(
    config: Any, num_steps: Any, num_workers: Any = 1, *, strict: bool = False
) -> tuple[Model, int, int]:
    """Validate a section, ``num_steps`` and ``num_workers``: ``(config, steps, workers)``.

    What :func:`make_schedule` does before building (the command line's ``check``).

    Raises:
      ConfigError: listing every problem found.
    """
    return _check(config, num_steps, num_workers, strict=strict, lookup=lookup)


def builders() -> Mapping[str, Any]:
    """The builder of every built-in type, by name (``lrs.exp``...; ``lrs.sequence`` and
    ``lrs.product`` also take built schedules). Each is made on first use: the first
    ``lrs.cosine`` builds cosine's model only."""
    return _Builders({n: c for n, c in registered_types().items() if c.builtin})


class _Builders(Mapping[str, Any]):
    def __init__(self, types: dict[str, type]) -> None:
        self._types = types

    def __getitem__(self, name: str) -> Any:
        return _builder(name, self._types[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


@functools.cache
def _builder(name: str, cls: type) -> Any:
    from ._model import builder

    if name == "sequence":
        return _compose.sequence_builder()
    if name == "product":
        return _compose.product_builder()
    return builder(cls)


def config_types() -> dict[str, type[Model]]:
    """The registered ``learning_rate`` types and their config models (plugins included)."""
    load_plugins()
    return models()


def extension_problems(section: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, what)`` for each extension a ``learning_rate`` section uses (a type, a key or a
    value that DeePMD-kit 3.2 refuses); none for an unknown type (reported elsewhere)."""
    name = section.get("type", "exp")
    types = registered_types()
    model = model_for(types[name]) if isinstance(name, str) and name in types else None
    return _extension_problems(section, model)


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
      learning rate. A section that scales with the workers gives the type's schedule times
      the worker scale (a :class:`~lrschedules_jax.Product`); noise keys give a
      :class:`~lrschedules_jax.Noisy` schedule.

    Raises:
      ConfigError: listing every problem found, each with its key path.

    Examples:
      >>> sched = make_schedule({"type": "cosine", "start_lr": 1.0, "stop_lr": 0.1}, 10)
      >>> round(float(sched(5)), 6)
      0.55
    """
    parsed, num_steps, workers = check(config, num_steps, num_workers, strict=strict)
    auto = isinstance(num_workers, str) and num_workers == "auto"
    return parsed.build(num_steps, workers, auto=auto)


def from_config(
    config: Mapping[str, Any], num_steps: int, *, num_workers: int | str = 1
) -> Schedule:
    """The schedule a ``to_config()`` mapping describes: the inverse of ``Schedule.to_config``.

    ``from_config(s.to_config(), s.num_steps, num_workers=s.num_workers) == s`` for every
    schedule (every type, ``sequence``, ``product``, a shifted schedule, noise). Validated as
    :func:`make_schedule` does, strictly: no backward-compatibility default is applied.

    Raises:
      ConfigError: listing every problem; or for a stacked sweep (whose ``to_config()``
        refuses), a config that is not a mapping.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> s = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=1000).shifted(200)
      >>> lrs.from_config(s.to_config(), s.num_steps) == s
      True
    """
    if isinstance(config, Schedule):
        raise ConfigError(
            [
                f"{SECTION}: `from_config` takes a mapping (a schedule's `to_config()`); got a "
                f"`{config.type_name or type(config).__name__}` schedule."
            ]
        )
    return make_schedule(config, num_steps, num_workers=num_workers, strict=True)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the ``learning_rate`` section (for editors and other tools)."""
    from pydantic import Field, TypeAdapter  # pydantic's schema machinery: only when asked

    union = Annotated[Union[tuple(config_types().values())], Field(title=SECTION)]  # type: ignore[valid-type]  # noqa: UP007
    schema = TypeAdapter(union).json_schema()
    schema["title"] = SECTION
    schema["description"] = (
        "DeePMD-kit's `learning_rate` section as lrschedules-jax validates it. `type` "
        "defaults to `exp`."
    )
    return schema

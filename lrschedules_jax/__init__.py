"""lrschedules_jax: DeePMD-kit's, the classic and the LLM learning-rate schedules as exact,
jit-safe JAX pytrees for optax.

Every public name is imported on first use (PEP 562), so ``import lrschedules_jax`` costs
neither JAX nor pydantic: the schedule types are plain declarations (their config models and
builders are made with pydantic on first use), a schedule loads JAX when it is first built,
the adaptive tools and the optax transformations load optax. The types' names come from their
registration (``lrschedules_jax.extend.schedule_type``): adding a type adds its class and its
builder here.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._schedule import registered_types as _registered_types

if TYPE_CHECKING:
    from ._classic import Momentum as Momentum
    from ._deepmd import cooldown as cooldown
    from ._errors import ConfigError as ConfigError
    from ._errors import LegacyInputWarning as LegacyInputWarning
    from ._finder import LRRangeTestResult as LRRangeTestResult
    from ._finder import lr_range_test as lr_range_test
    from ._hyper import Ramp as Ramp
    from ._hyper import hyperparameter as hyperparameter
    from ._inject import current_hyperparams as current_hyperparams
    from ._inject import current_lr as current_lr
    from ._inject import inject as inject
    from ._optax import ScaleByScheduleAtStepState as ScaleByScheduleAtStepState
    from ._optax import scale_by_schedule_at_step as scale_by_schedule_at_step
    from ._optax import with_global_step as with_global_step
    from ._plateau import ReduceOnPlateauState as ReduceOnPlateauState
    from ._plateau import reduce_on_plateau as reduce_on_plateau
    from ._schedule import Noisy as Noisy
    from ._schedule import Product as Product
    from ._schedule import Schedule as Schedule
    from ._schedule import Sequential as Sequential
    from ._schedule import Shifted as Shifted
    from ._schedule import stack as stack
    from ._schedule import unstack as unstack
    from .config import from_config as from_config
    from .config import json_schema as json_schema
    from .config import make_schedule as make_schedule
    from .config import validate as validate
    from .extend import register_type as register_type
    from .io import load_input as load_input
    from .plotting import plot_schedule as plot_schedule

#: The public names that are not schedule types, by the module that defines them.
_LAZY = {
    "ConfigError": "._errors",
    "LegacyInputWarning": "._errors",
    "LRRangeTestResult": "._finder",
    "lr_range_test": "._finder",
    "Ramp": "._hyper",
    "hyperparameter": "._hyper",
    "current_hyperparams": "._inject",
    "current_lr": "._inject",
    "inject": "._inject",
    "ScaleByScheduleAtStepState": "._optax",
    "scale_by_schedule_at_step": "._optax",
    "with_global_step": "._optax",
    "ReduceOnPlateauState": "._plateau",
    "reduce_on_plateau": "._plateau",
    "Momentum": "._classic",
    "cooldown": "._deepmd",
    "Noisy": "._schedule",
    "Schedule": "._schedule",
    "stack": "._schedule",
    "unstack": "._schedule",
    "from_config": ".config",
    "json_schema": ".config",
    "make_schedule": ".config",
    "validate": ".config",
    "register_type": ".extend",
    "load_input": ".io",
    "plot_schedule": ".plotting",
}
_SUBMODULES = ("cli", "config", "extend", "hf", "io", "optax", "plotting", "timm", "torch")


def _types() -> tuple[dict[str, Any], dict[str, str]]:
    """The built-in types' classes by class name, and their builders' names."""
    importlib.import_module(".config", __name__)  # imports the type modules
    classes = {c.__name__: c for c in _registered_types().values() if c.builtin}
    builders = {n: n for n, c in _registered_types().items() if c.builtin}
    return classes, builders


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name == "__all__":
        return _all()
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    else:
        classes, builders = _types()
        if name in classes:
            value = classes[name]
        elif name in builders:
            from .config import builders as made

            value = made()[name]
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _all() -> list[str]:
    classes, builders = _types()
    return sorted({*_LAZY, *classes, *builders})


def __dir__() -> list[str]:
    return sorted({"__version__", *_all(), *_SUBMODULES})


__version__ = "0.2.0"

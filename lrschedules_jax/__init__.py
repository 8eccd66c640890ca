"""lrschedules_jax: DeePMD-kit's and the classic learning-rate schedules as jit-safe JAX pytrees.

Every public name is imported on first use (PEP 562), so ``import lrschedules_jax`` costs
neither JAX nor pydantic: the schedule types load pydantic (their config models, built on first
use), a schedule loads JAX when it is first built, the adaptive tools and the optax
transformations load optax.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._classic import Constant as Constant
    from ._classic import CosineRestarts as CosineRestarts
    from ._classic import Cyclic as Cyclic
    from ._classic import InverseSqrt as InverseSqrt
    from ._classic import Linear as Linear
    from ._classic import MultiStep as MultiStep
    from ._classic import OneCycle as OneCycle
    from ._classic import Polynomial as Polynomial
    from ._classic import Step as Step
    from ._classic import constant as constant
    from ._classic import cosine_restarts as cosine_restarts
    from ._classic import cyclic as cyclic
    from ._classic import inverse_sqrt as inverse_sqrt
    from ._classic import linear as linear
    from ._classic import multistep as multistep
    from ._classic import one_cycle as one_cycle
    from ._classic import polynomial as polynomial
    from ._classic import step as step
    from ._compose import Product as Product
    from ._compose import Sequential as Sequential
    from ._compose import product as product
    from ._compose import sequence as sequence
    from ._deepmd import WSD as WSD
    from ._deepmd import Cosine as Cosine
    from ._deepmd import Exp as Exp
    from ._deepmd import cosine as cosine
    from ._deepmd import exp as exp
    from ._deepmd import wsd as wsd
    from ._errors import ConfigError as ConfigError
    from ._errors import LegacyInputWarning as LegacyInputWarning
    from ._finder import LRRangeTestResult as LRRangeTestResult
    from ._finder import lr_range_test as lr_range_test
    from ._hyper import Ramp as Ramp
    from ._hyper import hyperparameter as hyperparameter
    from ._inject import current_hyperparams as current_hyperparams
    from ._inject import current_lr as current_lr
    from ._inject import inject as inject
    from ._llm import REX as REX
    from ._llm import rex as rex
    from ._optax import ScaleByScheduleAtStepState as ScaleByScheduleAtStepState
    from ._optax import scale_by_schedule_at_step as scale_by_schedule_at_step
    from ._optax import with_global_step as with_global_step
    from ._plateau import ReduceOnPlateauState as ReduceOnPlateauState
    from ._plateau import reduce_on_plateau as reduce_on_plateau
    from ._schedule import Schedule as Schedule
    from ._schedule import Shifted as Shifted
    from ._stack import stack as stack
    from ._stack import unstack as unstack
    from .config import json_schema as json_schema
    from .config import make_schedule as make_schedule
    from .config import validate as validate
    from .extend import register_type as register_type
    from .io import load_input as load_input
    from .plotting import plot_schedule as plot_schedule

_CLASSIC = (
    "Constant CosineRestarts Cyclic InverseSqrt Linear MultiStep OneCycle Polynomial Step "
    "constant cosine_restarts cyclic inverse_sqrt linear multistep one_cycle polynomial step"
)
_LAZY = {
    **dict.fromkeys(_CLASSIC.split(), "._classic"),
    **dict.fromkeys("WSD Cosine Exp cosine exp wsd".split(), "._deepmd"),
    **dict.fromkeys("REX rex".split(), "._llm"),
    **dict.fromkeys("Product Sequential product sequence".split(), "._compose"),
    "ConfigError": "._errors",
    "LegacyInputWarning": "._errors",
    "LRRangeTestResult": "._finder",
    "Ramp": "._hyper",
    "hyperparameter": "._hyper",
    "lr_range_test": "._finder",
    "ScaleByScheduleAtStepState": "._optax",
    "scale_by_schedule_at_step": "._optax",
    "with_global_step": "._optax",
    "ReduceOnPlateauState": "._plateau",
    "reduce_on_plateau": "._plateau",
    "Schedule": "._schedule",
    "Shifted": "._schedule",
    "stack": "._stack",
    "unstack": "._stack",
    "json_schema": ".config",
    "register_type": ".extend",
    "make_schedule": ".config",
    "validate": ".config",
    "load_input": ".io",
    "plot_schedule": ".plotting",
    "inject": "._inject",
    "current_lr": "._inject",
    "current_hyperparams": "._inject",
}
_SUBMODULES = ("cli", "config", "extend", "io", "plotting")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.1.0"

__all__ = [
    "REX",
    "WSD",
    "ConfigError",
    "Constant",
    "Cosine",
    "CosineRestarts",
    "Cyclic",
    "Exp",
    "InverseSqrt",
    "LRRangeTestResult",
    "LegacyInputWarning",
    "Linear",
    "MultiStep",
    "OneCycle",
    "Polynomial",
    "Product",
    "Ramp",
    "ReduceOnPlateauState",
    "ScaleByScheduleAtStepState",
    "Schedule",
    "Sequential",
    "Shifted",
    "Step",
    "constant",
    "cosine",
    "cosine_restarts",
    "current_hyperparams",
    "current_lr",
    "cyclic",
    "exp",
    "hyperparameter",
    "inject",
    "inverse_sqrt",
    "json_schema",
    "linear",
    "load_input",
    "lr_range_test",
    "make_schedule",
    "multistep",
    "one_cycle",
    "plot_schedule",
    "polynomial",
    "product",
    "reduce_on_plateau",
    "register_type",
    "rex",
    "scale_by_schedule_at_step",
    "sequence",
    "stack",
    "step",
    "unstack",
    "validate",
    "with_global_step",
    "wsd",
]

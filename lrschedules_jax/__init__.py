"""lrschedules_jax: DeePMD-kit's and the classic learning-rate schedules as jit-safe JAX pytrees."""

from ._deepmd import WSD as WSD
from ._deepmd import Cosine as Cosine
from ._deepmd import Exp as Exp
from ._deepmd import cosine as cosine
from ._deepmd import exp as exp
from ._deepmd import wsd as wsd
from ._finder import LRRangeTestResult as LRRangeTestResult
from ._finder import lr_range_test as lr_range_test
from ._optax import ScaleByScheduleAtStepState as ScaleByScheduleAtStepState
from ._optax import scale_by_schedule_at_step as scale_by_schedule_at_step
from ._optax import with_global_step as with_global_step
from ._plateau import ReduceOnPlateauState as ReduceOnPlateauState
from ._plateau import reduce_on_plateau as reduce_on_plateau
from ._schedule import Schedule as Schedule
from ._schedule import Shifted as Shifted
from .config import ConfigError as ConfigError
from .config import json_schema as json_schema
from .config import make_schedule as make_schedule
from .config import validate as validate
from .io import load_input as load_input
from .plotting import plot_schedule as plot_schedule

__version__ = "0.1.0"

__all__ = [
    "WSD",
    "ConfigError",
    "Cosine",
    "Exp",
    "LRRangeTestResult",
    "ReduceOnPlateauState",
    "ScaleByScheduleAtStepState",
    "Schedule",
    "Shifted",
    "cosine",
    "exp",
    "json_schema",
    "load_input",
    "lr_range_test",
    "make_schedule",
    "plot_schedule",
    "reduce_on_plateau",
    "scale_by_schedule_at_step",
    "validate",
    "with_global_step",
    "wsd",
]

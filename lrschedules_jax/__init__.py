"""lrschedules_jax: DeePMD-kit's and the classic learning-rate schedules as jit-safe JAX pytrees."""

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
    "Constant",
    "Cosine",
    "CosineRestarts",
    "Cyclic",
    "Exp",
    "InverseSqrt",
    "LRRangeTestResult",
    "Linear",
    "MultiStep",
    "OneCycle",
    "Polynomial",
    "ReduceOnPlateauState",
    "ScaleByScheduleAtStepState",
    "Schedule",
    "Shifted",
    "Step",
    "constant",
    "cosine",
    "cosine_restarts",
    "cyclic",
    "exp",
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
    "reduce_on_plateau",
    "scale_by_schedule_at_step",
    "step",
    "validate",
    "with_global_step",
    "wsd",
]

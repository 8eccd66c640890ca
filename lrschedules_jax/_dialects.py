"""The peers' words for our keys and types: what a did-you-mean says to a user who writes
optax's, Hugging Face's, PyTorch's or timm's names in a ``learning_rate`` section or a builder.

Two tables, read by the config layer when a key or a type name is unknown:

- :data:`KEY_WORDS`: a peer's argument name -> the keys it stands for here, each with the peer
  that names it so (the first of them that the type has is suggested).
- :data:`TYPE_WORDS`: a peer's schedule name -> our type (or the transformation it is).

The ``lrs.optax`` and ``lrs.hf`` modules translate the same arguments; a test checks that every
argument they translate into a key is listed here. This module imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

__all__ = ["KEY_WORDS", "NOT_A_TYPE", "TYPE_WORDS", "key_hint", "type_hint"]

OPTAX = "optax"
HF = "Hugging Face"
TORCH = "PyTorch"
TIMM = "timm"

#: ``peer key -> ((our key, whose word), ...)``; ``num_steps`` is the run's length (the
#: builders' and ``make_schedule``'s argument), not a key of a section.
KEY_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    # the peak / initial rate
    "peak_value": (("start_lr", OPTAX), ("max_lr", OPTAX)),
    "init_value": (("start_lr", OPTAX), ("max_lr", OPTAX)),
    "value": (("start_lr", OPTAX),),
    "learning_rate": (("start_lr", HF), ("max_lr", HF)),
    "lr": (("start_lr", f"{TORCH} and {TIMM}"), ("max_lr", TORCH)),
    "base_lr": (("start_lr", TORCH),),
    "max_lr": (("start_lr", TORCH),),
    # the end rate
    "end_value": (("stop_lr", OPTAX),),
    "eta_min": (("stop_lr", TORCH), ("base_lr", TORCH)),
    "lr_min": (("stop_lr", TIMM),),
    "min_lr": (("stop_lr", HF), ("base_lr", HF)),
    "lr_end": (("stop_lr", HF),),
    "alpha": (("stop_lr_ratio", OPTAX),),
    "min_lr_ratio": (("stop_lr_ratio", HF),),
    "min_lr_rate": (("stop_lr_ratio", HF),),
    # the warmup
    "num_warmup_steps": (("warmup_steps", HF),),
    "warmup_t": (("warmup_steps", TIMM),),
    "transition_begin": (("warmup_steps", OPTAX),),
    "warmup_lr_init": (("warmup_start_factor", TIMM),),
    "warmup_lr_rate": (("warmup_start_factor", HF),),
    "start_factor": (("warmup_start_factor", TORCH),),
    # the run's length and the decay's
    "num_training_steps": (("num_steps", HF),),
    "T_max": (("num_steps", TORCH),),
    "total_steps": (("num_steps", TORCH),),
    "total_iters": (("num_steps", TORCH),),
    "t_initial": (("cycle_steps", TIMM), ("num_steps", TIMM)),
    "transition_steps": (("decay_steps", OPTAX), ("num_steps", OPTAX)),
    "decay_steps": (("num_steps", OPTAX),),
    "num_decay_steps": (("decay_phase_steps", HF),),
    "staircase": (("smooth", OPTAX),),
    # factors and counts
    "gamma": (("decay_rate", TORCH),),
    "decay_rate": (("gamma", TIMM),),
    "decay_t": (("step_size", TIMM), ("milestones", TIMM)),
    "exponent": (("power", OPTAX),),
    "T_0": (("cycle_steps", TORCH),),
    "T_mult": (("cycle_mult", TORCH),),
    "cycle_mul": (("cycle_mult", TIMM),),
    "noise_range_t": (("noise_range_steps", TIMM),),
    "interpolate_type": (("interpolation", OPTAX),),
}

#: What a peer key that has no single key here means (shown after "is not a key of type ...").
KEY_NOTES: dict[str, str] = {
    "staircase": "optax's `staircase=True` is `smooth: false` here (stairs), the default",
    "transition_begin": "optax's `transition_begin` holds the start value: `warmup_steps` with "
    "`warmup_start_factor: 1.0` (lrs.optax does this for you)",
    "warmup_lr_init": "timm's `warmup_lr_init` is a rate; `warmup_start_factor` is that rate "
    "divided by `start_lr`",
    "num_cycles": "Hugging Face's `num_cycles` is a key of `cosine` (its waves), `wsd` (its "
    "cosine decay) and `cosine_restarts` (its hard restarts)",
    "pct_final": "optax's `linear_onecycle_schedule(pct_final=...)` is a `piecewise` schedule: "
    "lrs.optax.linear_onecycle_schedule makes it",
    "boundaries_and_scales": "optax's `boundaries_and_scales` are `milestones` (the steps) "
    "and `factors` (the cumulative products of the scales, over `max_lr`) of type `piecewise` "
    "(lrs.optax.piecewise_constant_schedule makes them)",
    "cosine_kwargs": "optax's `sgdr_schedule` cycles are the phases of a `sequence` "
    "(lrs.optax.sgdr_schedule makes them)",
    "num_stable_steps": "Hugging Face's `num_stable_steps` follows from `num_steps`, "
    "`warmup_steps` and `decay_phase_steps` here (stable = num_steps - warmup_steps - "
    "decay_phase_steps)",
    "last_epoch": "to resume at a step, use `schedule.shifted(step)` (PyTorch's and Hugging "
    "Face's `last_epoch`)",
    "t_in_epochs": "every count here is in optimizer steps (timm's `t_in_epochs=False`)",
}

#: A peer's schedule name -> (our type, the peer function it names). Looked up normalized
#: (lower case, without ``_``, ``-`` and spaces).
_TYPES: list[tuple[str, str, str]] = [
    # optax
    ("constant_schedule", "constant", "optax's `constant_schedule`"),
    ("warmup_constant_schedule", "constant", "optax's `warmup_constant_schedule`"),
    ("linear_schedule", "linear", "optax's `linear_schedule`"),
    ("polynomial_schedule", "polynomial", "optax's `polynomial_schedule`"),
    ("cosine_decay_schedule", "cosine", "optax's `cosine_decay_schedule`"),
    ("warmup_cosine_decay_schedule", "cosine", "optax's `warmup_cosine_decay_schedule`"),
    ("exponential_decay", "exp", "optax's `exponential_decay`"),
    ("warmup_exponential_decay_schedule", "exp", "optax's `warmup_exponential_decay_schedule`"),
    ("piecewise_constant_schedule", "piecewise", "optax's `piecewise_constant_schedule`"),
    ("piecewise_interpolate_schedule", "piecewise", "optax's `piecewise_interpolate_schedule`"),
    ("linear_onecycle_schedule", "piecewise", "optax's `linear_onecycle_schedule`"),
    ("cosine_onecycle_schedule", "piecewise", "optax's `cosine_onecycle_schedule`"),
    ("sgdr_schedule", "sequence", "optax's `sgdr_schedule`"),
    ("join_schedules", "sequence", "optax's `join_schedules`"),
    # Hugging Face transformers (get_scheduler's names and functions)
    ("cosine_with_warmup", "cosine", "Hugging Face's `get_cosine_schedule_with_warmup`"),
    ("get_cosine_schedule_with_warmup", "cosine", "Hugging Face's"),
    ("cosine_with_min_lr", "cosine", "Hugging Face's `cosine_with_min_lr`"),
    ("cosine_warmup_with_min_lr", "cosine", "Hugging Face's `cosine_warmup_with_min_lr`"),
    ("linear_with_warmup", "linear", "Hugging Face's `get_linear_schedule_with_warmup`"),
    ("get_linear_schedule_with_warmup", "linear", "Hugging Face's"),
    ("cosine_with_restarts", "cosine_restarts", "Hugging Face's `cosine_with_restarts`"),
    (
        "get_cosine_with_hard_restarts_schedule_with_warmup",
        "cosine_restarts",
        "Hugging Face's",
    ),
    ("get_polynomial_decay_schedule_with_warmup", "polynomial", "Hugging Face's"),
    (
        "polynomial_decay",
        "polynomial",
        "Hugging Face's `get_polynomial_decay_schedule_with_warmup`",
    ),
    ("constant_with_warmup", "constant", "Hugging Face's `constant_with_warmup`"),
    ("get_constant_schedule_with_warmup", "constant", "Hugging Face's"),
    ("get_inverse_sqrt_schedule", "inverse_sqrt", "Hugging Face's"),
    ("warmup_stable_decay", "wsd", "Hugging Face's `warmup_stable_decay`"),
    ("get_wsd_schedule", "wsd", "Hugging Face's"),
    # PyTorch
    ("StepLR", "step", "PyTorch's"),
    ("MultiStepLR", "multistep", "PyTorch's"),
    ("ExponentialLR", "exp", "PyTorch's"),
    ("PolynomialLR", "polynomial", "PyTorch's"),
    ("CosineAnnealingLR", "cosine", "PyTorch's"),
    ("cosine_annealing", "cosine", "PyTorch's `CosineAnnealingLR`"),
    ("CosineAnnealingWarmRestarts", "cosine_restarts", "PyTorch's"),
    ("cosine_warm_restarts", "cosine_restarts", "PyTorch's `CosineAnnealingWarmRestarts`"),
    ("OneCycleLR", "one_cycle", "PyTorch's"),
    ("onecycle", "one_cycle", "PyTorch's `OneCycleLR`"),
    ("CyclicLR", "cyclic", "PyTorch's"),
    ("SequentialLR", "sequence", "PyTorch's"),
    ("ChainedScheduler", "product", "PyTorch's"),
    # timm
    ("CosineLRScheduler", "cosine_restarts", "timm's"),
    ("StepLRScheduler", "step", "timm's"),
    ("MultiStepLRScheduler", "multistep", "timm's"),
    ("PolyLRScheduler", "polynomial", "timm's"),
    ("poly", "polynomial", "timm's `PolyLRScheduler`"),
    ("WSDLRScheduler", "wsd", "timm's"),
    # the literature's names
    ("sgdr", "cosine_restarts", "SGDR, Loshchilov & Hutter 2017"),
    ("exponential", "exp", "exponential decay"),
    ("noam", "inverse_sqrt", "the Transformer's schedule, Vaswani et al. 2017"),
    ("rsqrt", "inverse_sqrt", "inverse square root"),
    ("trapezoidal", "wsd", "warmup-stable-decay"),
]

#: Peer names of the metric-driven schedulers: a transformation here, not a schedule type.
NOT_A_TYPE: dict[str, tuple[str, str]] = {
    "reduce_lr_on_plateau": ("reduce_lr_on_plateau", HF),
    "ReduceLROnPlateau": ("ReduceLROnPlateau", TORCH),
    "PlateauLRScheduler": ("PlateauLRScheduler", TIMM),
    "plateau": ("plateau", TIMM),
    "contrib.reduce_on_plateau": ("contrib.reduce_on_plateau", OPTAX),
}


def _norm(name: str) -> str:
    return re.sub(r"[\W_]+", "", name).lower()


def _reference(name: str, who: str) -> str:
    return f"{who} `{name}`" if who.endswith("'s") else who


#: normalized peer name -> (our type, what the name is)
TYPE_WORDS: dict[str, tuple[str, str]] = {
    _norm(peer): (ours, _reference(peer, who)) for peer, ours, who in _TYPES
}
_PLATEAU = {_norm(k): v for k, v in NOT_A_TYPE.items()}


def _whose(who: str) -> str:
    return who if who.endswith("'s") else f"{who}'s"


def type_hint(name: str, types: Collection[str]) -> str | None:
    """The did-you-mean for an unknown type ``name`` that is a peer's schedule name, or None.

    Examples:
      >>> type_hint("CosineAnnealingLR", ["cosine", "cosine_restarts"])
      "did you mean `cosine` (PyTorch's `CosineAnnealingLR`)?"
    """
    key = _norm(name)
    if key in _PLATEAU:
        peer, who = _PLATEAU[key]
        return (
            f"{_whose(who)} `{peer}` follows a metric, not the step: it is the transformation "
            "`lrs.reduce_on_plateau` here (chain it after the optimizer), not a schedule type."
        )
    found = TYPE_WORDS.get(key)
    if found is None or found[0] not in types:
        return None
    ours, what = found
    if _norm(ours) == key:  # our own name, spelled another way
        return f"did you mean `{ours}`?"
    return f"did you mean `{ours}` ({what})?"


def key_hint(key: str, fields: Collection[str], hints: Mapping[str, str]) -> str | None:
    """The did-you-mean for an unknown ``key`` of a type with the keys ``fields`` (and the
    type's ``key_hints``) when it is a peer's word, or None.

    Examples:
      >>> key_hint("peak_value", ["start_lr", "stop_lr"], {})
      "did you mean `start_lr` (optax's `peak_value`)?"
      >>> key_hint("T_max", ["start_lr"], {}).split("?")[0]
      "did you mean `num_steps` (PyTorch's `T_max`)"
    """
    words = KEY_WORDS.get(key)
    note = KEY_NOTES.get(key)
    if words is None:
        return f"{note}." if note else None
    ours, who = next(((k, w) for k, w in words if k in fields), words[0])
    if ours == "num_steps":
        return (
            f"did you mean `num_steps` ({_whose(who)} `{key}`)? It is the run's length, the "
            "builders' and make_schedule's argument, not a key of the section."
        )
    if ours in fields:
        text = f"did you mean `{ours}` ({_whose(who)} `{key}`)?"
        return f"{text} {note[0].upper()}{note[1:]}." if note else text
    why = hints.get(ours)
    if why:
        return f"{_whose(who)} `{key}` is `{ours}` here, which this type does not have: {why}"
    return f"{note}." if note else None

"""DeePMD-kit's old input formats (0.x and 1.x), converted as ``dp train`` converts them.

``dp train`` passes every input through ``update_deepmd_input`` (``deepmd/utils/compat.py``)
before checking it. Two of its conversions change the learning rate or the step count:

- a **0.x** input (no ``model`` section) is a flat mapping; its ``start_lr``, ``decay_steps``
  and ``decay_rate`` become an ``exp`` ``learning_rate`` section and its ``stop_batch`` the
  ``training.stop_batch``. Every other learning-rate key of such a file is dropped.
- a **0.x or 1.x** input (``training.systems``) has its ``learning_rate.decay_rate`` replaced
  by ``stop_lr = start_lr * decay_rate ** (stop_batch / decay_steps)`` (``remove_decay_rate``),
  overwriting any ``stop_lr`` given.

This module does the same for what determines the schedule, on a copy, and says what it did.
It is pure Python (no JAX, no pydantic): a mapping in, a new mapping and notes out.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["CompatError", "convert_input", "input_version"]

#: Top-level keys of a 0.x input (``use_smooth`` is read unconditionally by DeePMD-kit's
#: conversion, ``stop_batch`` is the step count).
_V0_MARKERS = ("use_smooth", "stop_batch")
#: The 0.x keys DeePMD-kit copies into ``learning_rate`` (``_learning_rate`` in compat.py).
_V0_LR_KEYS = ("decay_steps", "decay_rate", "start_lr")


class CompatError(ValueError):
    """An old-format input that ``dp train`` cannot convert either (one line per problem)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def input_version(data: Mapping[str, Any]) -> int:
    """0 or 1 for DeePMD-kit's old input formats, 2 for a current input or anything else.

    0.x: a flat mapping with ``use_smooth`` or a top-level ``stop_batch`` and no ``model``,
    ``learning_rate`` or ``training`` section (DeePMD-kit tests only for a missing ``model``;
    this also leaves files holding only a ``learning_rate`` mapping alone). 1.x: a ``model``
    section and ``training.systems``.
    """
    if not any(key in data for key in ("model", "learning_rate", "training")):
        return 0 if any(key in data for key in _V0_MARKERS) else 2
    training = data.get("training")
    if "model" in data and isinstance(training, Mapping) and "systems" in training:
        return 1
    return 2


def convert_input(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Convert a 0.x or 1.x DeePMD-kit input as ``dp train`` does; other inputs are returned as
    a new top-level mapping holding the same sections.

    Only the ``learning_rate`` and ``training`` sections are built (the model, loss and data
    keys do not matter here). ``data`` is never changed, and a current input is not copied
    section by section: a 10 MB file is not held twice.

    Args:
      data: a parsed DeePMD-kit input.

    Returns:
      ``(converted, notes)``: a new mapping, and one sentence per conversion made (empty for a
      current input), each naming the keys and the values used.

    Raises:
      CompatError: when ``dp train`` cannot convert the input either (a ``decay_rate``
        without ``start_lr``, ``decay_steps`` or ``stop_batch``; both ``training.systems``
        and ``training.training_data``).

    Examples:
      >>> new, notes = convert_input({"use_smooth": True, "start_lr": 0.005,
      ...                             "decay_steps": 5000, "decay_rate": 0.95,
      ...                             "stop_batch": 1000000})
      >>> new["learning_rate"]["type"], f"{new['learning_rate']['stop_lr']:.6e}"
      ('exp', '1.752633e-07')
      >>> new["training"]
      {'stop_batch': 1000000}
    """
    version = input_version(data)
    if version == 2:  # nothing below changes a section in place (decay_rate: a new dict)
        return dict(data), []
    notes: list[str] = []
    if version == 0:
        lr = {"type": "exp", **{k: copy.deepcopy(data[k]) for k in _V0_LR_KEYS if k in data}}
        training = {"stop_batch": copy.deepcopy(data["stop_batch"])} if "stop_batch" in data else {}
        converted: dict[str, Any] = {"learning_rate": lr, "training": training}
        shown = ", ".join(f"{k}={v!r}" for k, v in lr.items() if k != "type")
        notes.append(
            "converted from the DeePMD-kit 0.x input format (no `model` section), as `dp train` "
            f"does: its {shown or 'no learning-rate keys'} make an `exp` `learning_rate` section"
            + (f", its stop_batch={training['stop_batch']!r} the step count" if training else "")
            + "; other top-level learning-rate keys are ignored, as DeePMD-kit ignores them."
        )
    else:
        converted = dict(data)  # (the sections are read, never changed in place)
        training = converted["training"]
        if "training_data" in training:
            raise CompatError(
                [
                    "training.systems: a 1.x key next to the 2.x `training.training_data`; "
                    "DeePMD-kit refuses both at once: keep `training_data` only."
                ]
            )
        notes.append(
            "converted from the DeePMD-kit 1.x input format (`training.systems`), as `dp train` "
            "does."
        )
    lr = converted.get("learning_rate")
    if isinstance(lr, Mapping) and "decay_rate" in lr:
        lr = converted["learning_rate"] = dict(lr)
        notes.append(_remove_decay_rate(lr, converted.get("training")))
    return converted, notes


def _remove_decay_rate(lr: dict[str, Any], training: Any) -> str:
    """DeePMD-kit's ``remove_decay_rate``: ``decay_rate`` becomes ``stop_lr``, in place."""
    needed = [f"learning_rate.{k}" for k in ("start_lr", "decay_steps") if k not in lr]
    if not isinstance(training, Mapping) or "stop_batch" not in training:
        needed.append("training.stop_batch")
    if needed:
        raise CompatError(
            [
                f"{key}: is required to convert the old-format `learning_rate.decay_rate` "
                "(DeePMD-kit computes stop_lr = start_lr * decay_rate ** (stop_batch / "
                "decay_steps) and fails without it)."
                for key in needed
            ]
        )
    rate, start, steps = lr["decay_rate"], lr["start_lr"], lr["decay_steps"]
    stop_batch = training["stop_batch"]
    values = (rate, start, steps, stop_batch)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise CompatError(
            [
                "learning_rate.decay_rate: converting it needs numbers for decay_rate, start_lr, "
                f"decay_steps and training.stop_batch; got {values!r}."
            ]
        )
    if rate <= 0 or steps == 0:
        raise CompatError(
            [
                f"learning_rate.decay_rate: cannot become a stop_lr (decay_rate={rate!r}, "
                f"decay_steps={steps!r}); DeePMD-kit computes log(decay_rate) * stop_batch / "
                "decay_steps, which needs decay_rate > 0 and decay_steps != 0."
            ]
        )
    stop_lr = math.exp(math.log(rate) * (stop_batch / steps)) * start
    replaced = f" (replacing stop_lr={lr['stop_lr']!r})" if "stop_lr" in lr else ""
    lr["stop_lr"] = stop_lr
    del lr["decay_rate"]
    return (
        f"learning_rate.decay_rate: {rate!r} became stop_lr = start_lr * decay_rate ** "
        f"(stop_batch / decay_steps) = {stop_lr:.10g}{replaced}, as `dp train` does for 0.x/1.x "
        "inputs; the curve is the one DeePMD-kit trains with."
    )

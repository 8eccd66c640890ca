"""Float64 references for the momentum PyTorch's OneCycleLR and CyclicLR set (``cycle_momentum``).

Written from the formulas (torch 2.13's ``OneCycleLR`` and ``CyclicLR``), not from the package.
The value at step ``s`` is what the optimizer holds after ``s`` calls to ``scheduler.step()``:
``param_groups[0]["momentum"]`` for SGD, ``param_groups[0]["betas"][0]`` for Adam (torch sets
the same number in both).

- one_cycle: the lr's phases (torch's float phase ends ``pct_start * N - 1``, ...) with the
  momentum going the other way: ``max_momentum -> base_momentum`` while the lr rises,
  ``base_momentum -> max_momentum`` while it falls (three_phase: rises back to
  ``max_momentum`` in the 2nd phase and stays there in the 3rd). Each phase anneals with the
  lr's strategy on the same fraction ``pct``. From step N on (torch refuses to step past N),
  the final value ``max_momentum``, as our lr holds its final value.
- cyclic: ``max_momentum - (max_momentum - base_momentum) * height(s)``, ``height`` the lr's
  triangle times the mode's scale (``triangular2``: ``0.5 ** cycle``; ``exp_range``:
  ``gamma ** s``), so the momentum is lowest where the lr peaks.

torch's values for ``CASES`` are recorded (cases ``momentum/<name>/<sgd|adam>`` of
tests/data/peers/torch.json.gz, written by tests/data/peers/record_torch.py from these cases);
``test_peers.py`` compares the references with them, and with torch itself when it
is installed.
"""

from __future__ import annotations

import cases
import numpy as np

ONE_CYCLE_DEFAULTS = {"base_momentum": 0.85, "max_momentum": 0.95}
CYCLIC_DEFAULTS = {"base_momentum": 0.8, "max_momentum": 0.9}


def ref_one_cycle_momentum(
    steps,
    *,
    num_steps: int,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    three_phase: bool = False,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
) -> np.ndarray:
    """The momentum of ``OneCycleLR(total_steps=num_steps, cycle_momentum=True)`` at ``steps``:
    the rate's phases (tests/cases.py), from ``max_momentum`` to ``base_momentum`` while the
    rate rises and back while it falls (three phases: then held at ``max_momentum``)."""
    n, lo, hi = num_steps, base_momentum, max_momentum
    ends = [end for end, _, _ in cases.one_cycle_phases(
        {"max_lr": 1.0, "pct_start": pct_start, "three_phase": three_phase}, n
    )]  # fmt: skip
    ranges = [(hi, lo), (lo, hi), (hi, hi)] if three_phase else [(hi, lo), (lo, hi)]
    phases = [(end, a, b) for end, (a, b) in zip(ends, ranges, strict=True)]
    flat = np.asarray(steps, dtype=np.int64).ravel()
    out = cases.one_cycle_curve(phases, n, flat, anneal_strategy)
    return out.reshape(np.shape(steps))


def ref_cyclic_momentum(
    steps,
    *,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> np.ndarray:
    """The momentum of ``CyclicLR(..., cycle_momentum=True)`` at ``steps`` (exact cycle position)."""
    up = step_size_up
    down = step_size_down if step_size_down is not None else up
    total = up + down
    s = np.maximum(np.asarray(steps, dtype=np.int64), 0)
    cycle = s // total  # torch's cycle - 1
    pos = s % total
    height = np.where(pos <= up, pos / up, (total - pos) / down)
    if mode == "triangular2":
        height = height * 0.5 ** cycle.astype(np.float64)
    elif mode == "exp_range":
        height = height * gamma ** s.astype(np.float64)
    return max_momentum - (max_momentum - base_momentum) * height


# ---- the cases compared with torch --------------------------------------------------------

# name: (kind, torch keyword arguments, number of steps); our keys are torch's, with
# num_steps for total_steps and base_lr/max_lr given separately.
CASES = {
    "one_cycle-defaults": ("one_cycle", {"max_lr": 0.5, "total_steps": 1000}, 1000),
    "one_cycle-three-linear": (
        "one_cycle",
        {
            "max_lr": 0.5,
            "total_steps": 333,
            "pct_start": 0.29,
            "three_phase": True,
            "anneal_strategy": "linear",
            "base_momentum": 0.7,
            "max_momentum": 0.99,
        },
        333,
    ),
    "one_cycle-three-cos": (
        "one_cycle",
        {"max_lr": 0.5, "total_steps": 101, "pct_start": 0.25, "three_phase": True},
        101,
    ),
    "one_cycle-pct1": ("one_cycle", {"max_lr": 0.5, "total_steps": 50, "pct_start": 1.0}, 50),
    "one_cycle-pct0": ("one_cycle", {"max_lr": 0.5, "total_steps": 50, "pct_start": 0.0}, 50),
    "cyclic-defaults-short": (
        "cyclic",
        {"base_lr": 0.1, "max_lr": 0.5, "step_size_up": 6},
        40,
    ),
    "cyclic-tri2": (
        "cyclic",
        {
            "base_lr": 0.1,
            "max_lr": 0.5,
            "step_size_up": 4,
            "step_size_down": 7,
            "mode": "triangular2",
            "base_momentum": 0.6,
            "max_momentum": 0.95,
        },
        60,
    ),
    "cyclic-exp_range": (
        "cyclic",
        {"base_lr": 0.1, "max_lr": 0.5, "step_size_up": 5, "mode": "exp_range", "gamma": 0.99},
        60,
    ),
}


def reference(kind: str, kw: dict, steps) -> np.ndarray:
    """Our float64 reference for a case given with torch's keywords."""
    kw = dict(kw)
    if kind == "one_cycle":
        kw["num_steps"] = kw.pop("total_steps")
        kw.pop("max_lr")
        return ref_one_cycle_momentum(steps, **kw)
    kw.pop("base_lr")
    kw.pop("max_lr")
    return ref_cyclic_momentum(steps, **kw)

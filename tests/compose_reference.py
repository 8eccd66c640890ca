"""PyTorch's SequentialLR and ChainedScheduler for the ``sequence`` and ``product`` tests.

Each case is a ``learning_rate`` mapping of ours, its ``num_steps``, and the torch schedulers
that should give the same rates (described as data: ``(class name, kwargs)``). The value at step
``s`` is the optimizer's ``lr`` after ``s`` calls to ``scheduler.step()``.

torch's values are recorded (cases ``compose/<name>`` of tests/data/peers/torch.json.gz, written
by tests/data/peers/record_torch.py from these cases); ``test_compose.py`` compares with them,
and with torch itself when it is installed.
"""

from __future__ import annotations

from typing import Any

LR = 1e-3  # the optimizer's lr (base_lr of every torch scheduler)

# (kind, [schedulers as (name, kwargs) or ("SequentialLR", {"schedulers": [...], ...})],
#  our config, num_steps)
CASES: dict[str, tuple[str, list[Any], dict[str, Any], int]] = {
    "warmup-cosine": (
        "sequential",
        [[("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
          ("CosineAnnealingLR", {"T_max": 88, "eta_min": 1e-5})], [12]],
        {"type": "sequence", "phases": [
            {"steps": 12, "type": "constant", "start_lr": LR, "warmup_steps": 10,
             "warmup_start_factor": 0.1},
            {"type": "cosine", "start_lr": LR, "stop_lr": 1e-5}]},
        100,
    ),
    "restarts-inside-a-phase": (
        "sequential",
        [[("LinearLR", {"start_factor": 0.2, "total_iters": 5}),
          ("CosineAnnealingWarmRestarts", {"T_0": 7, "T_mult": 2, "eta_min": 1e-5}),
          ("ExponentialLR", {"gamma": 0.9})], [8, 57]],
        {"type": "sequence", "phases": [
            {"steps": 8, "type": "constant", "start_lr": LR, "warmup_steps": 5,
             "warmup_start_factor": 0.2},
            {"steps": 49, "type": "cosine_restarts", "start_lr": LR, "stop_lr": 1e-5,
             "cycle_steps": 7, "cycle_mult": 2},
            {"type": "step", "start_lr": LR, "step_size": 1, "gamma": 0.9}]},
        80,
    ),
    # torch 2.13's SequentialLR nested in a SequentialLR runs one step ahead from the outer
    # one's construction (its `_initial_step` steps the inner sequence once more, and the
    # children are undone twice): a sequence of sequences is compared with torch's flat
    # SequentialLR of the same phases, which is what nesting means (and what optax's nested
    # join_schedules gives).
    "sequence-of-sequences": (
        "sequential",
        [[("LinearLR", {"start_factor": 0.5, "total_iters": 4}),
          ("ExponentialLR", {"gamma": 0.95}),
          ("CosineAnnealingLR", {"T_max": 30, "eta_min": 0.0})], [6, 20]],
        {"type": "sequence", "phases": [
            {"steps": 20, "type": "sequence", "phases": [
                {"steps": 6, "type": "constant", "start_lr": LR, "warmup_steps": 4,
                 "warmup_start_factor": 0.5},
                {"type": "step", "start_lr": LR, "step_size": 1, "gamma": 0.95}]},
            {"type": "cosine", "start_lr": LR, "stop_lr": 0.0}]},
        50,
    ),
    "sequence-in-the-middle-with-restarts": (
        "sequential",
        [[("LinearLR", {"start_factor": 0.1, "total_iters": 9}),
          ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 1, "eta_min": 1e-6}),
          ("ExponentialLR", {"gamma": 0.8}),
          ("CosineAnnealingLR", {"T_max": 40, "eta_min": 1e-6})], [10, 27, 40]],
        {"type": "sequence", "phases": [
            {"steps": 10, "type": "constant", "start_lr": LR, "warmup_steps": 9,
             "warmup_start_factor": 0.1},
            {"steps": 30, "type": "sequence", "phases": [
                {"steps": 17, "type": "cosine_restarts", "start_lr": LR, "stop_lr": 1e-6,
                 "cycle_steps": 5},
                {"type": "step", "start_lr": LR, "step_size": 1, "gamma": 0.8}]},
            {"type": "cosine", "start_lr": LR, "stop_lr": 1e-6}]},
        80,
    ),
    "chained-warmup-exponential": (
        "chained",
        [("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
         ("ExponentialLR", {"gamma": 0.97})],
        {"type": "product", "factors": [
            {"type": "constant", "start_lr": 1.0, "warmup_steps": 10, "warmup_start_factor": 0.1},
            {"type": "step", "start_lr": LR, "step_size": 1, "gamma": 0.97}]},
        60,
    ),
    "chained-constant-multistep-step": (
        "chained",
        [("ConstantLR", {"factor": 0.5, "total_iters": 10_000}),
         ("MultiStepLR", {"milestones": [10, 30], "gamma": 0.1}),
         ("StepLR", {"step_size": 7, "gamma": 0.5})],
        {"type": "product", "factors": [
            0.5,
            {"type": "multistep", "start_lr": LR, "milestones": [10, 30], "gamma": 0.1},
            {"type": "step", "start_lr": 1.0, "step_size": 7, "gamma": 0.5}]},
        50,
    ),
}  # fmt: skip

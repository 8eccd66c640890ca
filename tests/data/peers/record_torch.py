"""Record PyTorch's learning-rate schedulers (``torch.optim.lr_scheduler``) into torch.json.gz.

Run with a Python that has torch (see README.md in this folder)::

    python tests/data/peers/record_torch.py

A call is JSON: ``{"scheduler": <class name>, "kwargs": {...}}`` (SequentialLR's and
ChainedScheduler's ``schedulers`` are calls too), with the optimizer the scheduler drives,
``{"optimizer": "SGD", "lr": ..., "momentum": ...}`` (torch's chainable schedulers multiply the
group's current ``lr``, so its float type and start value matter). The value at step ``t`` is
the optimizer's ``param_groups[0]["lr"]`` after ``t`` calls of ``scheduler.step()`` (each
after an ``optimizer.step()``, as in a training loop), so torch's recursive forms (e.g.
CosineAnnealingLR's) are recorded as torch steps them. Where a case records ``"momentum"``,
it is SGD's ``momentum`` (or Adam's ``betas[0]``) at the same steps.

ReduceLROnPlateau cases carry ``"metrics"``: value ``i`` is the ``lr`` after
``scheduler.step(metrics[i])`` (``i + 1`` calls), and ``steps`` is ``1 .. len(metrics)``.

Sections (by id prefix):

- ``values/``: tests/test_values.py's cross-checks (every step up to 600 or ``total_steps``);
- ``compose/``: tests/compose_reference.py's SequentialLR / ChainedScheduler cases;
- ``momentum/``: tests/momentum_reference.py's OneCycleLR / CyclicLR momentum cases;
- ``plateau/``: tests/test_plateau.py's metric sequences x configs x modes (lr 1.0), and a few
  with another lr, ``min_lr`` and ``eps``;
- ``torch/``: every scheduler of the brief for the ``lrs.torch`` dialect, sampled densely near
  phase boundaries and sparsely elsewhere over a few thousand steps.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # tests/, for *_reference.py

import _record

DATA = "torch.json.gz"


def call(scheduler: str, optimizer: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"scheduler": scheduler, "kwargs": kwargs}
    if optimizer is not None:
        out["optimizer"] = optimizer
    return out


def sgd(lr: float, momentum: float = 0.0) -> dict[str, Any]:
    return {"optimizer": "SGD", "lr": lr, "momentum": momentum}


def _build(torch: Any, optimizer: Any, spec: dict[str, Any]) -> Any:
    sched = torch.optim.lr_scheduler
    name, kwargs = spec["scheduler"], dict(spec.get("kwargs", {}))
    if name in ("SequentialLR", "ChainedScheduler"):
        kwargs["schedulers"] = [_build(torch, optimizer, s) for s in kwargs["schedulers"]]
        if name == "ChainedScheduler":
            return sched.ChainedScheduler(kwargs["schedulers"], optimizer=optimizer)
    return getattr(sched, name)(optimizer, **kwargs)


def _optimizer(torch: Any, spec: dict[str, Any]) -> Any:
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    if spec["optimizer"] == "Adam":
        return torch.optim.Adam([param], lr=spec["lr"])
    return torch.optim.SGD([param], lr=spec["lr"], momentum=spec.get("momentum", 0.0))


def _momentum(group: dict[str, Any]) -> float:
    return float(group["betas"][0] if "betas" in group else group["momentum"])


def evaluate(
    spec: dict[str, Any], steps: list[int], metrics: list[float] | None = None
) -> dict[str, list[float]]:
    """torch's ``lr`` (and momentum) at ``steps`` (sorted): the value after t scheduler steps.

    With ``metrics`` (ReduceLROnPlateau), the value after each ``step(metric)`` instead.
    """
    import torch

    optimizer = _optimizer(torch, spec.get("optimizer", sgd(1.0)))
    group = optimizer.param_groups[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. PlateauLRScheduler's deprecation
        scheduler = _build(torch, optimizer, spec)
        lr, momentum = [], []
        if metrics is not None:
            for metric in metrics:
                optimizer.step()
                scheduler.step(metric)
                lr.append(float(group["lr"]))
            return {"values": lr}
        wanted = set(steps)
        for t in range(max(steps) + 1):
            if t:
                optimizer.step()
                scheduler.step()
            if t in wanted:
                lr.append(float(group["lr"]))
                momentum.append(
                    _momentum(group) if ("momentum" in group or "betas" in group) else 0.0
                )
    return {"values": lr, "momentum": momentum}


def _case(
    id_: str, spec: dict[str, Any], steps: list[int], *, momentum: bool = False
) -> dict[str, Any]:
    got = evaluate(spec, steps)
    case = {"id": id_, "call": spec, "steps": steps, "values": got["values"]}
    if momentum:
        case["momentum"] = got["momentum"]
    return case


def _plateau_case(id_: str, spec: dict[str, Any], metrics: list[float]) -> dict[str, Any]:
    got = evaluate(spec, [], metrics=metrics)
    return {
        "id": id_,
        "call": spec,
        "metrics": metrics,
        "steps": list(range(1, len(metrics) + 1)),
        "values": got["values"],
    }


# ---- values/: tests/test_values.py ---------------------------------------------------------

VALUES = {  # name: (call, number of steps)
    "step": (call("StepLR", sgd(0.5, 0.9), step_size=7, gamma=0.5), 600),
    "multistep": (call("MultiStepLR", sgd(0.5, 0.9), milestones=[3, 10, 50], gamma=0.3), 600),
    "polynomial": (call("PolynomialLR", sgd(0.5, 0.9), total_iters=97, power=2.5), 600),
    "restarts-mult1": (
        call("CosineAnnealingWarmRestarts", sgd(0.5, 0.9), T_0=7, T_mult=1, eta_min=0.01),
        600,
    ),
    "restarts-mult3": (
        call("CosineAnnealingWarmRestarts", sgd(0.5, 0.9), T_0=5, T_mult=3, eta_min=0.0),
        600,
    ),
    "one_cycle": (call("OneCycleLR", sgd(0.5, 0.9), max_lr=0.5, total_steps=1000), 1000),
    "one_cycle-three-linear": (
        call(
            "OneCycleLR",
            sgd(0.5, 0.9),
            max_lr=0.5,
            total_steps=333,
            pct_start=0.29,
            three_phase=True,
            anneal_strategy="linear",
            div_factor=7.0,
            final_div_factor=50.0,
        ),
        333,
    ),
    "one_cycle-pct1": (
        call("OneCycleLR", sgd(0.5, 0.9), max_lr=0.5, total_steps=50, pct_start=1.0),
        50,
    ),
    "one_cycle-pct0": (
        call("OneCycleLR", sgd(0.5, 0.9), max_lr=0.5, total_steps=50, pct_start=0.0),
        50,
    ),
    "cyclic-tri2": (
        call(
            "CyclicLR",
            sgd(0.1, 0.9),
            base_lr=0.1,
            max_lr=0.5,
            step_size_up=4,
            step_size_down=7,
            mode="triangular2",
            cycle_momentum=False,
        ),
        600,
    ),
    "cyclic-exp_range": (
        call(
            "CyclicLR",
            sgd(0.1, 0.9),
            base_lr=0.1,
            max_lr=0.5,
            step_size_up=5,
            mode="exp_range",
            gamma=0.995,
            cycle_momentum=False,
        ),
        600,
    ),
}


# ---- compose/ and momentum/: the specs of tests/compose_reference.py and momentum_reference.py


def compose_call(kind: str, spec: Any, lr: float) -> dict[str, Any]:
    """A compose_reference case's torch schedulers ((name, kwargs) tuples) as a call."""

    def one(item: Any) -> dict[str, Any]:
        name, kwargs = item
        if name == "SequentialLR":
            parts, milestones = kwargs
            return call("SequentialLR", schedulers=[one(p) for p in parts], milestones=milestones)
        return call(name, **kwargs)

    if kind == "sequential":
        parts, milestones = spec
        return call(
            "SequentialLR", sgd(lr), schedulers=[one(p) for p in parts], milestones=milestones
        )
    return call("ChainedScheduler", sgd(lr), schedulers=[one(p) for p in spec])


def momentum_call(kind: str, kwargs: dict[str, Any], optimizer: str) -> dict[str, Any]:
    """A momentum_reference case as a call (SGD with momentum 0.9, or Adam; lr 0.1)."""
    name = "OneCycleLR" if kind == "one_cycle" else "CyclicLR"
    opt = sgd(0.1, 0.9) if optimizer == "sgd" else {"optimizer": "Adam", "lr": 0.1}
    return call(name, opt, **kwargs)


# ---- plateau/: tests/test_plateau.py's sequences (the same generator and seed) ------------


def plateau_sequences() -> dict[str, list[float]]:
    import numpy as np

    rng = np.random.default_rng(20240611)
    steps = np.arange(120)
    seqs = {
        "noisy-decreasing-loss": np.exp(-steps / 15) + 0.05 + 0.03 * rng.random(120),
        "negative-loss": -3.0 + np.exp(-steps / 20) + 0.02 * rng.standard_normal(120),
        "crossing-zero": 0.5 - 1.0 * (1 - np.exp(-steps / 25)) + 0.01 * rng.standard_normal(120),
        "accuracy": 0.95 - 0.85 * np.exp(-steps / 12) + 0.01 * rng.standard_normal(120),
        "flat": np.full(120, 0.7),
        "flat-negative": np.full(120, -0.7),
        "flat-zero": np.zeros(120),
        "steps-and-plateaus": np.repeat([1.0, 0.5, 0.5, 0.4, 0.39999, 0.2], 20),
    }
    return {k: v.astype(np.float32).astype(np.float64).tolist() for k, v in seqs.items()}


PLATEAU_DEFAULTS = dict(
    factor=0.1,
    patience=10,
    mode="min",
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_lr=0.0,
    eps=1e-8,
)
PLATEAU_CONFIGS = {  # test_plateau.CONFIGS, with torch's min_lr for our min_scale (lr 1.0)
    "defaults": dict(),
    "patience0": dict(patience=0, factor=0.5),
    "patience3-cooldown2": dict(patience=3, cooldown=2, factor=0.5),
    "abs-threshold": dict(patience=2, threshold=0.01, threshold_mode="abs", factor=0.3),
    "rel-threshold-large": dict(patience=2, threshold=0.05, cooldown=1),
    "min-scale-floor": dict(patience=1, factor=0.2, min_lr=0.01),
    "eps-stops-reductions": dict(patience=0, factor=0.5, eps=0.03),
    "zero-threshold": dict(patience=4, threshold=0.0, cooldown=3, factor=0.7),
}
PLATEAU_SEQUENCES = ["noisy-decreasing-loss", "negative-loss", "accuracy", "flat", "flat-negative"]


# ---- torch/: the dialect cases -------------------------------------------------------------


def _dialect_cases() -> list[tuple[str, dict[str, Any], list[float], int]]:
    """(id, call, boundaries, end): stepped to ``end + 3`` and sampled near the boundaries."""
    lr = 0.1
    o = sgd(lr, 0.9)
    out: list[tuple[str, dict[str, Any], list[float], int]] = []

    def add(name, spec, boundaries, end):
        out.append((f"torch/{name}", spec, boundaries, end))

    add("StepLR", call("StepLR", o, step_size=30, gamma=0.1), [30, 60, 90], 400)
    add("StepLR-1", call("StepLR", o, step_size=1, gamma=0.99), [1, 2], 2000)
    add("StepLR-rising", call("StepLR", o, step_size=100, gamma=1.5), [100, 200], 1000)
    add("MultiStepLR", call("MultiStepLR", o, milestones=[30, 80], gamma=0.1), [30, 80], 300)
    add(
        "MultiStepLR-repeated",  # a milestone listed twice decays twice (torch counts them)
        call("MultiStepLR", o, milestones=[10, 10, 25, 1000], gamma=0.5),
        [10, 25, 1000],
        1200,
    )
    add("MultiStepLR-zero", call("MultiStepLR", o, milestones=[0, 5], gamma=0.5), [0, 5], 50)
    add("ConstantLR", call("ConstantLR", o), [5], 50)
    add("ConstantLR-0", call("ConstantLR", o, factor=0.5, total_iters=0), [0], 20)
    add("ConstantLR-long", call("ConstantLR", o, factor=0.25, total_iters=1000), [1000], 1500)
    add("LinearLR", call("LinearLR", o), [5], 50)
    add(
        "LinearLR-down",
        call("LinearLR", o, start_factor=1.0, end_factor=0.05, total_iters=500),
        [500],
        800,
    )
    add(
        "LinearLR-zero-start",
        call("LinearLR", o, start_factor=1e-8, end_factor=1.0, total_iters=100),
        [100],
        300,
    )
    add("LinearLR-1", call("LinearLR", o, start_factor=0.1, total_iters=1), [1], 20)
    add("ExponentialLR", call("ExponentialLR", o, gamma=0.995), [], 3000)
    add("ExponentialLR-rising", call("ExponentialLR", o, gamma=1.001), [], 3000)
    add("PolynomialLR", call("PolynomialLR", o), [5], 50)
    add("PolynomialLR-2", call("PolynomialLR", o, total_iters=1000, power=2.0), [1000], 1500)
    add("PolynomialLR-0.5", call("PolynomialLR", o, total_iters=300, power=0.5), [300], 500)
    add("CosineAnnealingLR", call("CosineAnnealingLR", o, T_max=1000), [1000], 2500)
    add(
        "CosineAnnealingLR-eta_min",  # past T_max the recursion climbs back (period 2 T_max)
        call("CosineAnnealingLR", o, T_max=100, eta_min=0.001),
        [100, 200, 300],
        450,
    )
    add("CosineAnnealingLR-1", call("CosineAnnealingLR", o, T_max=1, eta_min=0.01), [1, 2], 10)
    add(
        "CosineAnnealingWarmRestarts",
        call("CosineAnnealingWarmRestarts", o, T_0=100),
        [100, 200, 300],
        1000,
    )
    add(
        "CosineAnnealingWarmRestarts-mult2",
        call("CosineAnnealingWarmRestarts", o, T_0=10, T_mult=2, eta_min=1e-4),
        [10, 30, 70, 150, 310, 630, 1270],
        2600,
    )
    add(
        "CosineAnnealingWarmRestarts-T1",
        call("CosineAnnealingWarmRestarts", o, T_0=1, T_mult=3, eta_min=0.001),
        [1, 4, 13, 40, 121, 364, 1093],
        1200,
    )
    add("OneCycleLR", call("OneCycleLR", o, max_lr=1.0, total_steps=1000), [299, 999], 1000)
    add(
        "OneCycleLR-linear-three",
        call(
            "OneCycleLR",
            o,
            max_lr=0.3,
            total_steps=2000,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
        [499, 998, 1999],
        2000,
    )
    add(
        "OneCycleLR-epochs",
        call("OneCycleLR", o, max_lr=0.01, epochs=7, steps_per_epoch=33, pct_start=0.4),
        [91.4, 230],
        231,
    )
    add(
        "OneCycleLR-no-momentum",
        call(
            "OneCycleLR",
            o,
            max_lr=0.05,
            total_steps=100,
            cycle_momentum=False,
            pct_start=0.5,
            div_factor=1.0,
        ),
        [49, 99],
        100,
    )
    for mode in ("triangular", "triangular2", "exp_range"):
        add(
            f"CyclicLR-{mode}",
            call(
                "CyclicLR",
                o,
                base_lr=0.001,
                max_lr=0.1,
                step_size_up=20,
                step_size_down=30,
                mode=mode,
                gamma=0.99 if mode == "exp_range" else 1.0,
            ),
            [20, 50, 70, 100, 150],
            1000,
        )
    add(
        "CyclicLR-defaults-no-momentum",
        call("CyclicLR", o, base_lr=0.01, max_lr=0.1, cycle_momentum=False),
        [2000, 4000],
        4000,
    )
    add(
        "CyclicLR-up1",
        call(
            "CyclicLR",
            o,
            base_lr=0.01,
            max_lr=0.1,
            step_size_up=1,
            step_size_down=1,
            base_momentum=0.5,
            max_momentum=0.95,
        ),
        [1, 2, 3],
        40,
    )
    add(
        "SequentialLR",
        call(
            "SequentialLR",
            o,
            schedulers=[
                call("LinearLR", start_factor=0.01, total_iters=100),
                call("CosineAnnealingLR", T_max=900, eta_min=1e-5),
            ],
            milestones=[100],
        ),
        [100, 1000],
        1300,
    )
    add(
        "SequentialLR-three",
        call(
            "SequentialLR",
            o,
            schedulers=[
                call("ConstantLR", factor=0.1, total_iters=50),
                call("ExponentialLR", gamma=0.99),
                call("StepLR", step_size=100, gamma=0.5),
            ],
            milestones=[50, 300],
        ),
        [50, 300, 400, 500],
        1000,
    )
    add(
        "ChainedScheduler",
        call(
            "ChainedScheduler",
            o,
            schedulers=[
                call("LinearLR", start_factor=0.1, total_iters=20),
                call("ExponentialLR", gamma=0.99),
            ],
        ),
        [20],
        500,
    )
    add(
        "ChainedScheduler-step-cosine",
        call(
            "ChainedScheduler",
            o,
            schedulers=[
                call("MultiStepLR", milestones=[100, 200], gamma=0.3),
                call("CosineAnnealingWarmRestarts", T_0=50),
            ],
        ),
        [50, 100, 150, 200],
        400,
    )
    return out


def _momentum_recorded(spec: dict[str, Any]) -> bool:
    kw = spec["kwargs"]
    return spec["scheduler"] in ("OneCycleLR", "CyclicLR") and kw.get("cycle_momentum", True)


def record() -> None:
    import compose_reference
    import momentum_reference
    import numpy as np
    import torch

    torch.set_default_dtype(torch.float64)
    cases = []
    for name, (spec, count) in VALUES.items():
        cases.append(_case(f"values/{name}", spec, list(range(count))))
    for name, (kind, spec, _, n) in compose_reference.CASES.items():
        cases.append(
            _case(
                f"compose/{name}",
                compose_call(kind, spec, compose_reference.LR),
                list(range(n)),
            )
        )
    for name, (kind, kw, count) in momentum_reference.CASES.items():
        for optimizer in ("sgd", "adam"):
            case = _case(
                f"momentum/{name}/{optimizer}",
                momentum_call(kind, kw, optimizer),
                list(range(count)),
                momentum=True,
            )
            ref = momentum_reference.reference(kind, kw, np.arange(count))
            err = float(np.max(np.abs(np.array(case["momentum"]) - ref) / ref))
            print(f"momentum/{name}/{optimizer}: max rel. diff from momentum_reference {err:.1e}")
            cases.append(case)
    sequences = plateau_sequences()
    for seq in PLATEAU_SEQUENCES:
        for config_name, config in PLATEAU_CONFIGS.items():
            for mode in ("min", "max"):
                kwargs = {**PLATEAU_DEFAULTS, **config, "mode": mode}
                spec = call("ReduceLROnPlateau", sgd(1.0), **kwargs)
                cases.append(
                    _plateau_case(f"plateau/{seq}-{config_name}-{mode}", spec, sequences[seq])
                )
    for name, spec in [
        (
            "lr0.1-min_lr-eps",
            call("ReduceLROnPlateau", sgd(0.1), factor=0.5, patience=2, min_lr=0.004, eps=1e-3),
        ),
        (
            "lr0.1-max-abs-cooldown",
            call(
                "ReduceLROnPlateau",
                sgd(0.1),
                mode="max",
                threshold_mode="abs",
                threshold=0.005,
                patience=1,
                cooldown=4,
                factor=0.2,
                min_lr=1e-5,
            ),
        ),
        (
            "lr3-defaults",
            call("ReduceLROnPlateau", sgd(3.0)),
        ),
    ]:
        seq = "accuracy" if "max" in name else "steps-and-plateaus"
        cases.append(_plateau_case(f"plateau/{name}-{seq}", spec, sequences[seq]))
    for id_, spec, boundaries, end in _dialect_cases():
        steps = _record.sample_steps(boundaries, end=end, large=False)
        if spec["scheduler"] == "OneCycleLR":  # torch refuses to step past total_steps
            steps = [s for s in steps if s <= end]
        cases.append(_case(id_, spec, steps, momentum=_momentum_recorded(spec)))
    head = _record.header(
        "record_torch.py",
        "torch",
        torch.__version__,
        note="values: the optimizer's lr after t scheduler.step() calls (float64 Python floats)",
    )
    _record.write(DATA, head, cases)


if __name__ == "__main__":
    record()

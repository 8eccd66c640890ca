"""Record timm's schedulers (``timm.scheduler``) into timm.json.gz.

Run with a Python that has torch and timm (see README.md in this folder)::

    python tests/data/peers/record_timm.py

timm's package ``__init__`` imports torchvision, which need not match the installed torch; the
scheduler modules need only torch, so ``import_scheduler`` loads them without running it.

A call is JSON: ``{"class": <scheduler class>, "lr": <the optimizer's lr = base value>,
"kwargs": {...}}`` (plus ``"attributes"`` set on the scheduler after construction:
CosineLRScheduler takes no ``noise_type`` argument, but its base class reads the attribute).
Every per-update scheduler runs with ``t_in_epochs=False``: the value at step ``t`` is the
optimizer's lr after ``scheduler.step_update(t)`` (with timm's default ``t_in_epochs=True``,
as in timm's own tests, after ``scheduler.step(t)``) (timm's ``_get_lr(t)`` plus noise, a closed
form, so ``steps`` reach 2**31 - 1).

A value is ``null`` where timm raises at that step; the case's ``raises`` names the exception
by step (e.g. ``decay_rate ** (t // decay_t)`` overflowing for a rising StepLRScheduler).

PlateauLRScheduler is stepped per epoch: the case carries ``metrics`` and value ``i`` is the lr
after ``scheduler.step(steps[i], metrics[i])``.

Sections: ``cosine-grid/`` (tests/llm_peers.py's CosineLRScheduler cases, every step below
2000), ``noise/`` (tests/llm_peers.py's noise cases: 10000 noisy steps each), and the dialect
cases by class name.
"""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _record

DATA = "timm.json.gz"


def import_scheduler(module: str, name: str) -> Any:
    """``timm.scheduler.<module>.<name>``, without running timm's package ``__init__``."""
    if "timm" not in sys.modules:
        spec = importlib.util.find_spec("timm")
        if spec is None:
            raise ImportError("timm is not installed")
        package = types.ModuleType("timm")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["timm"] = package
    return getattr(importlib.import_module(f"timm.scheduler.{module}"), name)


MODULES = {
    "CosineLRScheduler": "cosine_lr",
    "StepLRScheduler": "step_lr",
    "MultiStepLRScheduler": "multistep_lr",
    "PolyLRScheduler": "poly_lr",
    "TanhLRScheduler": "tanh_lr",
    "WSDLRScheduler": "wsd_lr",
    "PlateauLRScheduler": "plateau_lr",
}


def version() -> str:
    from importlib.metadata import version

    return version("timm")


def call(
    cls: str, lr: float, attributes: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    if cls != "PlateauLRScheduler":
        kw.setdefault("t_in_epochs", False)
    out: dict[str, Any] = {"class": cls, "lr": lr, "kwargs": kw}
    if attributes:
        out["attributes"] = attributes
    return out


def build(spec: dict[str, Any]) -> tuple[Any, Any]:
    import torch

    cls = import_scheduler(MODULES[spec["class"]], spec["class"])
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=spec["lr"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PlateauLRScheduler's deprecation
        scheduler = cls(optimizer, **spec["kwargs"])
    for key, value in spec.get("attributes", {}).items():
        setattr(scheduler, key, value)
    return optimizer, scheduler


def evaluate(
    spec: dict[str, Any], steps: list[int], metrics: list[float] | None = None
) -> list[float]:
    """The lr after ``step_update(t)`` for each ``t`` (or ``step(t, metric)`` with metrics)."""
    optimizer, scheduler = build(spec)
    out = []
    if metrics is not None:
        for t, metric in zip(steps, metrics, strict=True):
            scheduler.step(t, metric)
            out.append(float(optimizer.param_groups[0]["lr"]))
        return out
    per_epoch = spec["kwargs"].get("t_in_epochs", True)  # timm's default: step(epoch)
    for t in steps:
        try:
            if per_epoch:
                scheduler.step(int(t))
            else:
                scheduler.step_update(int(t))
        except (OverflowError, ZeroDivisionError, ValueError) as exc:
            out.append(None)
            RAISED[int(t)] = type(exc).__name__
            continue
        out.append(float(optimizer.param_groups[0]["lr"]))
    return out


RAISED: dict[int, str] = {}  # step -> exception name, of the last evaluate()


def _case(id_: str, spec: dict[str, Any], steps: list[int]) -> dict[str, Any]:
    RAISED.clear()
    case = {"id": id_, "call": spec, "steps": steps, "values": evaluate(spec, steps)}
    if RAISED:
        case["raises"] = {str(k): v for k, v in RAISED.items()}
    return case


# tests/llm_peers.py's CosineLRScheduler grid (warmup_prefix=True, base lr 1e-3, lr_min 1e-6)
COSINE_GRID = [
    {"t_initial": 50, "cycle_mul": 1, "cycle_decay": 1.0, "cycle_limit": 3, "k_decay": 1.0, "warmup_t": 0, "warmup_lr_init": 0.0},
    {"t_initial": 50, "cycle_mul": 1, "cycle_decay": 0.5, "cycle_limit": 1, "k_decay": 1.0, "warmup_t": 10, "warmup_lr_init": 1e-5},
    {"t_initial": 20, "cycle_mul": 2, "cycle_decay": 0.7, "cycle_limit": 5, "k_decay": 1.0, "warmup_t": 5, "warmup_lr_init": 1e-4},
    {"t_initial": 2, "cycle_mul": 3, "cycle_decay": 1.0, "cycle_limit": 7, "k_decay": 1.0, "warmup_t": 0, "warmup_lr_init": 0.0},
    {"t_initial": 30, "cycle_mul": 1, "cycle_decay": 0.8, "cycle_limit": 4, "k_decay": 0.5, "warmup_t": 7, "warmup_lr_init": 2e-5},
    {"t_initial": 15, "cycle_mul": 2, "cycle_decay": 0.9, "cycle_limit": 4, "k_decay": 2.0, "warmup_t": 3, "warmup_lr_init": 0.0},
    {"t_initial": 7, "cycle_mul": 3, "cycle_decay": 0.6, "cycle_limit": 5, "k_decay": 1.5, "warmup_t": 4, "warmup_lr_init": 1e-4},
]  # fmt: skip
GRID_LR, GRID_LR_MIN, GRID_STEPS = 1e-3, 1e-6, 2000


def grid_call(case: dict[str, Any]) -> dict[str, Any]:
    return call("CosineLRScheduler", GRID_LR, lr_min=GRID_LR_MIN, warmup_prefix=True, **case)


# tests/llm_peers.py's noise cases: (noise_type, noise_pct, noise_std); a flat start
# (t_initial 1e9), noise on [100, NOISE_STEPS), seed 42
NOISE_CASES = [("normal", 0.67, 1.0), ("normal", 0.1, 0.05), ("uniform", 0.25, 1.0)]
NOISE_STEPS = 10_000


def noise_call(noise_type: str, pct: float, std: float) -> dict[str, Any]:
    return call(
        "CosineLRScheduler",
        1.0,
        attributes={"noise_type": noise_type},
        t_initial=10**9,
        cycle_limit=1,
        lr_min=0.0,
        warmup_prefix=True,
        noise_range_t=[100, NOISE_STEPS],
        noise_pct=pct,
        noise_std=std,
        noise_seed=42,
    )


def _cycle_ends(first: int, mult: float, count: int) -> list[float]:
    ends, length, at = [], float(first), 0.0
    for _ in range(count):
        at += length
        ends.append(at)
        length *= mult
    return ends


def _dialect_cases() -> list[tuple[str, dict[str, Any], list[int]]]:
    out: list[tuple[str, dict[str, Any], list[int]]] = []
    lr = 0.1

    def add(id_, spec, boundaries, end):
        out.append((id_, spec, _record.sample_steps(boundaries, end=end, spread=16)))

    # fmt: off
    C = "CosineLRScheduler"
    add(f"{C}/defaults", call(C, lr, t_initial=1000), [1000], 1000)
    add(f"{C}/warmup-prefix-false", call(C, lr, t_initial=1000, lr_min=1e-5, warmup_t=50, warmup_lr_init=1e-4), [50, 1000], 1000)
    add(f"{C}/warmup-prefix-true", call(C, lr, t_initial=1000, lr_min=1e-5, warmup_t=50, warmup_lr_init=1e-4, warmup_prefix=True), [50, 1050], 1050)
    add(f"{C}/cycles", call(C, lr, t_initial=100, lr_min=1e-4, cycle_limit=4, cycle_decay=0.5), [100, 200, 300, 400], 450)
    add(f"{C}/cycle_mul2", call(C, lr, t_initial=10, cycle_mul=2.0, cycle_limit=8, cycle_decay=0.9), _cycle_ends(10, 2, 8), 2600)
    add(f"{C}/cycle_mul1.5", call(C, lr, t_initial=40, cycle_mul=1.5, cycle_limit=5, lr_min=1e-3), _cycle_ends(40, 1.5, 5), 600)
    add(f"{C}/cycle_mul1.1-k2-warmup", call(C, lr, t_initial=3, cycle_mul=1.1, cycle_limit=60, cycle_decay=0.97, k_decay=2.0, lr_min=1e-5, warmup_t=7, warmup_lr_init=1e-3, warmup_prefix=True), _cycle_ends(3, 1.1, 60), 3000)
    add(f"{C}/k_decay2", call(C, lr, t_initial=500, k_decay=2.0, lr_min=1e-4), [500], 500)
    add(f"{C}/k_decay0.5-cycles", call(C, lr, t_initial=200, k_decay=0.5, cycle_limit=3, warmup_t=20, warmup_prefix=True), [20, 220, 420, 620], 650)
    add(f"{C}/cycle_limit0", call(C, lr, t_initial=100, cycle_limit=0, lr_min=1e-3), [100], 150)
    add(f"{C}/t_initial1", call(C, lr, t_initial=1, cycle_limit=3), [1, 2, 3], 10)
    add(f"{C}/warmup-equals-t_initial", call(C, lr, t_initial=100, warmup_t=100, warmup_lr_init=0.0), [100], 150)

    S = "StepLRScheduler"
    add(f"{S}/defaults-rate0.5", call(S, lr, decay_t=30, decay_rate=0.5), [30, 60, 90], 300)
    add(f"{S}/warmup-prefix", call(S, lr, decay_t=100, decay_rate=0.1, warmup_t=10, warmup_lr_init=1e-4), [10, 110, 210], 400)
    add(f"{S}/warmup-no-prefix", call(S, lr, decay_t=100, decay_rate=0.1, warmup_t=10, warmup_lr_init=1e-4, warmup_prefix=False), [10, 100, 200], 400)
    add(f"{S}/float-decay_t", call(S, lr, decay_t=2.5, decay_rate=0.9), [2.5, 5, 7.5], 50)
    add(f"{S}/rising", call(S, lr, decay_t=50, decay_rate=1.2), [50, 100], 500)

    M = "MultiStepLRScheduler"
    add(f"{M}/defaults", call(M, lr, decay_t=[30, 60, 90], decay_rate=0.1), [29, 30, 59, 60, 89, 90], 200)
    add(f"{M}/warmup-prefix", call(M, lr, decay_t=[100, 300], decay_rate=0.5, warmup_t=20, warmup_lr_init=0.0), [20, 119, 120, 319, 320], 500)
    add(f"{M}/warmup-no-prefix", call(M, lr, decay_t=[100, 300], decay_rate=0.5, warmup_t=20, warmup_prefix=False), [20, 99, 100, 299, 300], 500)
    add(f"{M}/milestone0-1", call(M, lr, decay_t=[0, 1, 2, 2], decay_rate=0.5), [0, 1, 2], 10)

    P = "PolyLRScheduler"
    add(f"{P}/defaults", call(P, lr, t_initial=1000), [1000], 1000)
    add(f"{P}/power2-lr_min", call(P, lr, t_initial=500, power=2.0, lr_min=1e-4, warmup_t=50, warmup_lr_init=1e-5), [50, 500], 600)
    add(f"{P}/power1-prefix", call(P, lr, t_initial=500, power=1.0, warmup_t=50, warmup_prefix=True), [50, 550], 600)
    add(f"{P}/k_decay2", call(P, lr, t_initial=300, power=1.5, k_decay=2.0), [300], 300)
    add(f"{P}/k_decay0.5-cycles", call(P, lr, t_initial=100, power=0.9, k_decay=0.5, cycle_limit=3, cycle_decay=0.7), [100, 200, 300], 350)
    add(f"{P}/cycle_mul2", call(P, lr, t_initial=10, power=1.0, cycle_mul=2.0, cycle_limit=5), _cycle_ends(10, 2, 5), 400)
    add(f"{P}/cycle_mul1.5-k2-warmup-prefix", call(P, lr, t_initial=40, power=2.0, k_decay=2.0, cycle_mul=1.5, cycle_limit=4, cycle_decay=0.5, lr_min=1e-4, warmup_t=15, warmup_lr_init=1e-3, warmup_prefix=True), [15 + e for e in _cycle_ends(40, 1.5, 4)], 600)

    T = "TanhLRScheduler"
    add(f"{T}/defaults", call(T, lr, t_initial=1000), [1000], 1000)
    add(f"{T}/lb-ub-lr_min", call(T, lr, t_initial=400, lb=-6.0, ub=4.0, lr_min=1e-4), [400], 500)
    add(f"{T}/warmup-prefix-false", call(T, lr, t_initial=400, warmup_t=40, warmup_lr_init=1e-4), [40, 400], 500)
    add(f"{T}/warmup-prefix-true", call(T, lr, t_initial=400, warmup_t=40, warmup_lr_init=1e-4, warmup_prefix=True), [40, 440], 500)
    add(f"{T}/cycles", call(T, lr, t_initial=100, cycle_limit=3, cycle_decay=0.5, cycle_mul=1.0), [100, 200, 300], 400)
    add(f"{T}/cycle_mul2", call(T, lr, t_initial=20, cycle_limit=4, cycle_mul=2.0), _cycle_ends(20, 2, 4), 400)
    add(f"{T}/cycle_mul1.5-decay-warmup-prefix-false", call(T, lr, t_initial=30, cycle_limit=6, cycle_mul=1.5, cycle_decay=0.8, lr_min=1e-4, warmup_t=10, warmup_lr_init=1e-4), _cycle_ends(30, 1.5, 6), 700)
    add(f"{T}/cycle_limit0", call(T, lr, t_initial=100, cycle_limit=0, lr_min=1e-3, warmup_t=10, warmup_lr_init=1e-4), [10, 100], 150)

    W = "WSDLRScheduler"
    for fn in ("1-sqrt", "linear", "cosine", "power", "exp"):
        add(f"{W}/decay-{fn}", call(W, lr, t_initial=900, decay_t=200, decay_fn=fn, warmup_t=100, warmup_lr_init=1e-5, lr_min=1e-5), [100, 800, 1000], 1000)
    add(f"{W}/decay-power2-ratio", call(W, lr, t_initial=900, decay_t=300, decay_fn="power", decay_power=2.0, lr_min=0.0), [600, 900], 1000)
    add(f"{W}/decay-exp-ratio0.01", call(W, lr, t_initial=900, decay_t=300, decay_fn="exp", decay_ratio=0.01), [600, 900], 1000)
    add(f"{W}/rsqrt", call(W, lr, t_initial=900, decay_t=100, stable_fn="rsqrt", warmup_t=100, decay_fn="linear"), [100, 900, 1000], 1000)
    add(f"{W}/power-timescale", call(W, lr, t_initial=1000, decay_t=250, stable_fn="power", stable_power=0.3, stable_timescale=50.0, lr_min=1e-4), [750, 1000], 1000)
    add(f"{W}/all-decay", call(W, lr, t_initial=500, decay_t=500), [500], 500)
    add(f"{W}/rsqrt-lr_min", call(W, lr, t_initial=900, decay_t=100, stable_fn="rsqrt", warmup_t=100, decay_fn="linear", lr_min=1e-5), [100, 900, 1000], 1000)
    add(f"{W}/power-stable-cosine", call(W, lr, t_initial=1000, decay_t=250, stable_fn="power", stable_power=0.3, stable_timescale=50.0, decay_fn="cosine", lr_min=1e-4, warmup_t=20, warmup_lr_init=1e-3), [20, 770, 1020], 1020)
    add(f"{W}/decay-power2-lr_min", call(W, lr, t_initial=900, decay_t=300, decay_fn="power", decay_power=2.0, lr_min=1e-6), [600, 900], 1000)
    add(f"{W}/decay-exp-ratio0.01-lr_min", call(W, lr, t_initial=900, decay_t=300, decay_fn="exp", decay_ratio=0.01, lr_min=1e-6), [600, 900], 1000)
    add(f"{W}/rsqrt-exp-floor", call(W, lr, t_initial=10**6, decay_t=10**5, stable_fn="rsqrt", stable_timescale=10, decay_fn="exp", lr_min=1e-3), [10**5, 9 * 10**5, 10**6], 10**6)
    add(f"{W}/decay1", call(W, lr, t_initial=500, decay_t=1, warmup_t=10), [10, 509, 510], 510)
    # fmt: on
    return out


def _noise_dialect_cases() -> list[tuple[str, dict[str, Any], list[int]]]:
    lr = 0.1
    return [
        (
            "noise/StepLRScheduler-int-range",
            call("StepLRScheduler", lr, decay_t=50, decay_rate=0.5, noise_range_t=100, noise_pct=0.3, noise_std=0.5, noise_seed=7),
            list(range(0, 300)),
        ),
        (
            "noise/PolyLRScheduler-uniform",
            call("PolyLRScheduler", lr, attributes={"noise_type": "uniform"}, t_initial=300, noise_range_t=[50, 250], noise_pct=0.2),
            list(range(0, 300)),
        ),
        (
            "noise/WSDLRScheduler-normal",
            call("WSDLRScheduler", lr, t_initial=300, decay_t=100, noise_range_t=[0, 300], noise_pct=0.1, noise_std=0.2, noise_seed=3),
            list(range(0, 300)),
        ),
    ]  # fmt: skip


def _plateau_cases() -> list[tuple[str, dict[str, Any], list[int], list[float]]]:
    import numpy as np

    loss = [1.0 / (1 + k) for k in range(10)] + [0.1] * 15 + [0.09, 0.085] + [0.085] * 23
    loss = [float(np.float32(v)) for v in loss]
    accuracy = [min(0.9, 0.5 + 0.05 * k) for k in range(20)] + [0.9] * 20
    accuracy = [float(np.float32(v)) for v in accuracy]
    P = "PlateauLRScheduler"
    n = len(loss)
    return [
        # warmup_t=0: step(0, metric) sets the lr to warmup_lr_init + 0 (timm's `epoch <= warmup_t`)
        (f"{P}/min-from-epoch0", call(P, 0.1, mode="min", patience_t=2, decay_rate=0.5), list(range(n)), loss),
        (f"{P}/min-from-epoch1", call(P, 0.1, mode="min", patience_t=2, decay_rate=0.5), list(range(1, n + 1)), loss),
        (f"{P}/max-defaults", call(P, 0.1), list(range(1, len(accuracy) + 1)), accuracy),
        (f"{P}/warmup-cooldown-lr_min", call(P, 0.1, mode="min", patience_t=1, decay_rate=0.3, cooldown_t=2, warmup_t=5, warmup_lr_init=1e-3, lr_min=2e-3, threshold=1e-3), list(range(n)), loss),
        (f"{P}/noise", call(P, 0.1, mode="max", patience_t=3, noise_range_t=[10, 30], noise_pct=0.2, noise_seed=5), list(range(1, len(accuracy) + 1)), accuracy),
    ]  # fmt: skip


def record() -> None:
    import torch

    cases = []
    for index, case in enumerate(COSINE_GRID):
        steps = sorted(set(range(GRID_STEPS)) | set(_record.LARGE))
        spec = grid_call(case)
        cases.append(_case(f"cosine-grid/{index}", spec, steps))
    for noise_type, pct, std in NOISE_CASES:
        spec = noise_call(noise_type, pct, std)
        steps = list(range(NOISE_STEPS))
        cases.append(_case(f"noise/{noise_type}-{pct}-{std}", spec, steps))
    for id_, spec, steps in _dialect_cases() + _noise_dialect_cases():
        cases.append(_case(id_, spec, steps))
    for id_, spec, epochs, metrics in _plateau_cases():
        values = evaluate(spec, epochs, metrics=metrics)
        cases.append(
            {"id": id_, "call": spec, "metrics": metrics, "steps": epochs, "values": values}
        )
    head = _record.header(
        "record_timm.py",
        "timm",
        version(),
        torch=torch.__version__,
        note="values: the optimizer's lr after step_update(t) (t_in_epochs=False); "
        "PlateauLRScheduler: after step(t, metric)",
    )
    _record.write(DATA, head, cases)


if __name__ == "__main__":
    record()

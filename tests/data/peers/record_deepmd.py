"""Record DeePMD-kit's learning rates (``deepmd.dpmodel.utils.learning_rate``) into deepmd.json.gz.

Run with a Python that has deepmd-kit (see README.md in this folder)::

    python tests/data/peers/record_deepmd.py

A call is JSON: ``{"function": "make_learning_rate_schedule", "lr_params": {...},
"num_steps": N}`` (DeePMD-kit 3.2's builder of the ``exp``, ``cosine`` and ``wsd`` classes from
an input's ``learning_rate`` section). ``values`` are ``lr.value(t)`` at ``steps`` (one Python
int at a time, as the trainers call it; NumPy float64, a closed form, so ``steps`` reach
2**31 - 1). ``attributes`` are the schedule's derived numbers (``decay_rate``, ``decay_steps``
after DeePMD-kit's replacement, ``warmup_steps``, ``stop_lr``, ...).

The ``inputs/`` cases are the learning-rate sections of tests/test_deepmd_inputs.py's inputs
(with DeePMD-kit's input default ``stop_lr`` 5e-8 written out where the input omits it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _record

DATA = "deepmd.json.gz"
ATTRIBUTES = [
    "start_lr",
    "stop_lr",
    "num_steps",
    "warmup_steps",
    "warmup_start_lr",
    "decay_num_steps",
    "decay_steps",
    "decay_rate",
    "min_lr",
    "smooth",
    "lr_min_factor",
    "decay_phase_ratio",
    "decay_phase_steps",
    "stable_steps",
    "decay_type",
]


def version() -> str:
    from importlib.metadata import version

    return version("deepmd-kit")


def call(num_steps: int, **lr_params: Any) -> dict[str, Any]:
    return {
        "function": "make_learning_rate_schedule",
        "lr_params": lr_params,
        "num_steps": num_steps,
    }


def build(spec: dict[str, Any]) -> Any:
    from deepmd.dpmodel.utils.learning_rate import make_learning_rate_schedule

    return make_learning_rate_schedule(spec["lr_params"], spec["num_steps"])


def evaluate(spec: dict[str, Any], steps: list[int]) -> list[float]:
    lr = build(spec)
    return [float(lr.value(int(t))) for t in steps]


def attributes(spec: dict[str, Any]) -> dict[str, Any]:
    lr = build(spec)
    out = {}
    for name in ATTRIBUTES:
        if hasattr(lr, name):
            value = getattr(lr, name)
            out[name] = value if isinstance(value, (bool, str)) else float(value)
    return out


def _cases() -> list[tuple[str, dict[str, Any], list[float]]]:
    out: list[tuple[str, dict[str, Any], list[float]]] = []

    def add(id_, spec, boundaries=()):
        out.append((id_, spec, list(boundaries)))

    # fmt: off
    # exp: stepped (default) and smooth; decay_steps kept, replaced (both branches), decay_rate
    add("exp/stepped", call(100_000, type="exp", start_lr=1e-3, stop_lr=1e-8, decay_steps=5000), [5000 * k for k in range(1, 21)])
    add("exp/smooth", call(100_000, type="exp", start_lr=1e-3, stop_lr=1e-8, decay_steps=5000, smooth=True), [5000, 100_000])
    add("exp/stop_lr_ratio", call(50_000, type="exp", start_lr=2e-3, stop_lr_ratio=1e-4, decay_steps=1000), [1000, 2000, 50_000])
    add("exp/decay_steps-replaced-100", call(20_000, type="exp", start_lr=1e-3, stop_lr=1e-7, decay_steps=50_000), [100, 200, 20_000])
    add("exp/decay_steps-replaced-small", call(500, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_steps=5000), [6, 12, 500])
    add("exp/decay_steps-equal-total", call(1000, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_steps=1000), [1000])
    add("exp/decay_rate", call(10_000, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_steps=100, decay_rate=0.9), [100, 6600, 10_000])
    add("exp/decay_rate-long-decay_steps", call(1000, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_steps=5000, decay_rate=0.5), [1000, 5000, 10_000])
    add("exp/decay_rate-smooth", call(10_000, type="exp", start_lr=1e-3, stop_lr=1e-5, decay_steps=100, decay_rate=0.95, smooth=True), [100, 9000])
    add("exp/warmup", call(10_000, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_steps=500, warmup_steps=1000), [1000, 1500, 10_000])
    add("exp/warmup_ratio-start_factor", call(10_000, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_steps=500, warmup_ratio=0.05, warmup_start_factor=0.1), [500, 1000, 10_000])
    add("exp/warmup-smooth", call(8_000, type="exp", start_lr=1e-3, stop_lr_ratio=1e-3, decay_steps=200, warmup_steps=800, smooth=True), [800, 8000])
    add("exp/stop_lr-0", call(1000, type="exp", start_lr=1e-3, stop_lr=0.0, decay_steps=100), [100, 1000])
    add("exp/steps0", call(0, type="exp", start_lr=1e-3, stop_lr=1e-6), [])
    add("exp/steps0-decay_rate", call(0, type="exp", start_lr=1e-3, stop_lr=1e-6, decay_rate=0.9, decay_steps=10), [10, 20])
    add("exp/steps1", call(1, type="exp", start_lr=1e-3, stop_lr=1e-6), [1])
    # cosine
    add("cosine/plain", call(10_000, type="cosine", start_lr=1e-3, stop_lr=1e-6), [5000, 10_000])
    add("cosine/stop_lr_ratio", call(10_000, type="cosine", start_lr=1e-3, stop_lr_ratio=0.01), [10_000])
    add("cosine/warmup", call(10_000, type="cosine", start_lr=1e-3, stop_lr=1e-6, warmup_steps=500, warmup_start_factor=0.01), [500, 10_000])
    add("cosine/warmup_ratio", call(10_000, type="cosine", start_lr=1e-3, stop_lr=0.0, warmup_ratio=0.1), [1000, 10_000])
    add("cosine/warmup-almost-all", call(100, type="cosine", start_lr=1e-3, stop_lr=1e-5, warmup_steps=99), [99, 100])
    add("cosine/steps0", call(0, type="cosine", start_lr=1e-3, stop_lr=1e-6), [])
    add("cosine/steps1", call(1, type="cosine", start_lr=1e-3, stop_lr=1e-6), [1])
    # wsd
    for decay_type in ("inverse_linear", "cosine", "linear"):
        add(f"wsd/{decay_type}", call(10_000, type="wsd", start_lr=1e-3, stop_lr=1e-5, decay_type=decay_type), [9000, 10_000])
        add(f"wsd/{decay_type}-warmup-ratio0.3", call(10_000, type="wsd", start_lr=1e-3, stop_lr_ratio=1e-3, decay_type=decay_type, decay_phase_ratio=0.3, warmup_steps=1000, warmup_start_factor=0.1), [1000, 7000, 10_000])
    add("wsd/default", call(1000, type="wsd", start_lr=1e-3, stop_lr=1e-6), [900, 1000])
    add("wsd/decay_phase_ratio1-warmup", call(1000, type="wsd", start_lr=1e-3, stop_lr=1e-6, decay_phase_ratio=1.0, warmup_steps=100), [100, 1000])
    add("wsd/ratio-rounding", call(100, type="wsd", start_lr=1e-3, stop_lr=1e-5, decay_phase_ratio=0.29, decay_type="linear"), [72, 100])
    add("wsd/tiny", call(3, type="wsd", start_lr=1e-3, stop_lr=1e-5, decay_phase_ratio=0.1, decay_type="cosine"), [2, 3])
    add("wsd/steps0", call(0, type="wsd", start_lr=1e-3, stop_lr=1e-6), [])
    # tests/test_deepmd_inputs.py's inputs
    add("inputs/no_stop_lr", call(2000, type="exp", start_lr=0.01, decay_steps=5000, stop_lr=5e-8), [100, 2000])
    add("inputs/water_se_e2_a", call(1_000_000, type="exp", start_lr=1e-3, stop_lr=3.51e-8, decay_steps=5000), [5000, 1_000_000])
    add("inputs/v0-converted", call(1_000_000, type="exp", start_lr=0.005, decay_steps=5000, stop_lr=0.005 * 0.95 ** (1_000_000 / 5000)), [5000, 1_000_000])
    add("inputs/v1-as-is", call(400_000, type="exp", start_lr=1e-3, decay_steps=5000, decay_rate=0.95, stop_lr=1e-8), [5000, 400_000])
    add("inputs/water_wsd", call(400_000, type="wsd", start_lr=0.002, stop_lr_ratio=0.001, decay_phase_ratio=0.1, decay_type="cosine", warmup_ratio=0.02, warmup_start_factor=0.05), [8000, 360_000, 400_000])
    add("inputs/zero_steps-wsd", call(0, type="wsd", start_lr=0.001, stop_lr=1e-6), [])
    add("inputs/missing-stop_lr-cosine", call(1000, type="cosine", start_lr=1e-3, stop_lr=5e-8), [1000])
    add("inputs/missing-stop_lr-wsd", call(1000, type="wsd", start_lr=1e-3, stop_lr=5e-8), [900, 1000])
    add("inputs/default-type", call(1000, start_lr=1e-3, stop_lr=1e-6, decay_steps=100), [100, 1000])
    # fmt: on
    return out


def record() -> None:
    cases = []
    for id_, spec, boundaries in _cases():
        n = spec["num_steps"]
        warm = spec["lr_params"].get("warmup_steps", 0)
        steps = _record.sample_steps([warm, n, *boundaries], end=max(n, 1), spread=16)
        cases.append(
            {
                "id": id_,
                "call": spec,
                "attributes": attributes(spec),
                "steps": steps,
                "values": evaluate(spec, steps),
            }
        )
    head = _record.header(
        "record_deepmd.py",
        "deepmd-kit",
        version(),
        note="values: make_learning_rate_schedule(lr_params, num_steps).value(t) (float64)",
    )
    _record.write(DATA, head, cases)


if __name__ == "__main__":
    record()

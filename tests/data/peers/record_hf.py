"""Record Hugging Face transformers' schedulers (``transformers.get_scheduler``) into hf.json.gz.

Run with a Python that has torch and transformers (see README.md in this folder)::

    python tests/data/peers/record_hf.py

A call is JSON: ``{"function": "get_scheduler", "name": <SchedulerType value>, "lr": ...,
"num_warmup_steps": ..., "num_training_steps": ..., "scheduler_specific_kwargs": {...}}``, the
optimizer being ``torch.optim.SGD(params, lr=lr)``.

- ``"kind": "lambda"`` (every type but the metric-driven two): ``values`` are the LambdaLR's
  multiplier ``lr_lambdas[0](t)`` at ``steps``, so the rate at step ``t`` is ``lr * value`` (the
  optimizer's lr after ``t`` calls of ``scheduler.step()``; checked here by stepping the
  LambdaLR over the first few thousand steps). HF's lambdas are closed forms, so ``steps``
  reach 2**31 - 1.
- ``"kind": "metric"`` (``reduce_lr_on_plateau``, ``greedy``): the case carries ``metrics``;
  value ``i`` is the optimizer's lr after ``scheduler.step(metrics[i])``.

A value is ``null`` where the peer raises at that step (``polynomial`` with
``num_warmup_steps == num_training_steps`` divides by zero at ``t = num_training_steps``).

The ``wsd/`` cases are those of tests/llm_peers.py (every step to past the end).
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _record

DATA = "hf.json.gz"


def call(name: str, lr: float, warmup: int | None, total: int | None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"function": "get_scheduler", "name": name, "lr": lr}
    if warmup is not None:
        out["num_warmup_steps"] = warmup
    if total is not None:
        out["num_training_steps"] = total
    if kw:
        out["scheduler_specific_kwargs"] = kw
    return out


def build(spec: dict[str, Any]) -> tuple[Any, Any]:
    """``(optimizer, scheduler)`` for a call."""
    import torch
    from transformers import get_scheduler

    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=spec["lr"])
    with warnings.catch_warnings():  # e.g. wsd given both num_training_steps and num_stable_steps
        warnings.simplefilter("ignore")
        scheduler = get_scheduler(
            spec["name"],
            optimizer,
            num_warmup_steps=spec.get("num_warmup_steps"),
            num_training_steps=spec.get("num_training_steps"),
            scheduler_specific_kwargs=spec.get("scheduler_specific_kwargs"),
        )
    return optimizer, scheduler


def evaluate(
    spec: dict[str, Any], steps: list[int], metrics: list[float] | None = None
) -> list[float]:
    """The LambdaLR's multiplier at ``steps`` or, with ``metrics``, the lr after each step."""
    optimizer, scheduler = build(spec)
    if metrics is not None:
        out = []
        for metric in metrics:
            optimizer.step()
            scheduler.step(metric)
            out.append(float(optimizer.param_groups[0]["lr"]))
        return out
    (lam,) = scheduler.lr_lambdas
    out = []
    for t in steps:
        try:
            out.append(float(lam(int(t))))
        except ZeroDivisionError:  # polynomial, num_warmup_steps == num_training_steps == t
            out.append(None)
    return out


def _check_stepping(spec: dict[str, Any], steps: list[int], values: list[float]) -> None:
    """The LambdaLR's lr after t steps is lr * lambda(t), for the recorded steps below 3000."""
    optimizer, scheduler = build(spec)
    lr = spec["lr"]
    wanted = {t: v for t, v in zip(steps, values, strict=True) if t < 3000}
    if None in wanted.values():  # the peer raises at a step: stop before it
        wanted = {
            t: v for t, v in wanted.items() if t < min(s for s, x in wanted.items() if x is None)
        }
    for t in range(max(wanted) + 1):
        if t:
            optimizer.step()
            scheduler.step()
        if t in wanted:
            got = optimizer.param_groups[0]["lr"]
            assert got == lr * wanted[t], (spec, t, got, lr * wanted[t])


def _lambda_cases() -> list[tuple[str, dict[str, Any], list[int]]]:
    out: list[tuple[str, dict[str, Any], list[int]]] = []
    lr = 1e-3

    def add(id_: str, spec: dict[str, Any], boundaries: list[float] = (), steps=None) -> None:
        total = spec.get("num_training_steps") or 0
        warm = spec.get("num_warmup_steps") or 0
        if steps is None:
            steps = _record.sample_steps(
                [warm, total, *boundaries], end=max(total, warm, 1) + 5, spread=16
            )
        out.append((id_, spec, steps))

    # fmt: off
    for w, n in [(0, 1000), (100, 1000), (1000, 1000), (1, 2), (10, 10**6)]:
        add(f"linear/w{w}-n{n}", call("linear", lr, w, n))
    for w, n, c in [(0, 1000, 0.5), (100, 1000, 0.5), (1000, 1000, 0.5), (50, 500, 1.0),
                    (0, 400, 0.25), (20, 400, 2.5), (0, 10**6, 0.5)]:  # fmt: skip
        kw = {} if c == 0.5 else {"num_cycles": c}
        add(f"cosine/w{w}-n{n}-c{c}", call("cosine", lr, w, n, **kw), [w + (n - w) * k / 8 for k in range(9)])
    for w, n, c in [(0, 1000, 1), (50, 650, 3), (0, 300, 0), (10, 410, 2.5)]:
        kw = {} if c == 1 else {"num_cycles": c}
        bounds = [w + (n - w) * k / max(c, 1) for k in range(math.ceil(c) + 1)]
        add(f"cosine_with_restarts/w{w}-n{n}-c{c}", call("cosine_with_restarts", lr, w, n, **kw), bounds)
    for w, n, end, p in [(0, 1000, 1e-7, 1.0), (100, 1000, 1e-5, 2.0), (10, 500, 0.0, 0.5),
                         (1000, 1000, 1e-6, 3.0), (0, 2, 1e-4, 1.0)]:  # fmt: skip
        add(f"polynomial/w{w}-n{n}-end{end}-p{p}", call("polynomial", lr, w, n, lr_end=end, power=p))
    add("constant", call("constant", lr, None, None), steps=_record.sample_steps([], end=100))
    for w in [0, 1, 100]:
        add(f"constant_with_warmup/w{w}", call("constant_with_warmup", lr, w, None))
    for w, ts in [(100, None), (0, None), (100, 1000), (1000, 10), (1, None)]:
        kw = {} if ts is None else {"timescale": ts}
        add(f"inverse_sqrt/w{w}-ts{ts}", call("inverse_sqrt", lr, w, None, **kw), [ts or w or 10_000])
    for w, n, kw in [
        (0, 1000, {"min_lr": 1e-5}),
        (100, 1000, {"min_lr_rate": 0.1}),
        (50, 450, {"min_lr": 2e-4, "num_cycles": 1.0}),
        (1000, 1000, {"min_lr_rate": 0.05}),
        (0, 500, {"min_lr_rate": 0.0}),
    ]:
        key = "-".join(f"{k}{v}" for k, v in kw.items())
        add(f"cosine_with_min_lr/w{w}-n{n}-{key}", call("cosine_with_min_lr", lr, w, n, **kw))
    for w, n, kw in [
        (100, 1000, {"min_lr_rate": 0.1}),
        (100, 1000, {"min_lr_rate": 0.1, "warmup_lr_rate": 0.2}),
        (0, 1000, {"min_lr": 1e-5}),
        (1, 100, {"min_lr_rate": 0.01}),
        (2, 100, {"min_lr_rate": 0.01, "warmup_lr_rate": 0.5}),
        (30, 330, {"min_lr_rate": 0.0, "num_cycles": 1.5}),
    ]:
        key = "-".join(f"{k}{v}" for k, v in kw.items())
        add(f"cosine_warmup_with_min_lr/w{w}-n{n}-{key}", call("cosine_warmup_with_min_lr", lr, w, n, **kw))
    # warmup_stable_decay beyond tests/llm_peers.py's grid
    for w, n, kw in [
        (100, None, {"num_stable_steps": 700, "num_decay_steps": 200}),
        (100, 1000, {"num_decay_steps": 200, "min_lr_ratio": 0.0, "decay_type": "cosine", "num_cycles": 1.0}),
        (0, 1000, {"num_decay_steps": 1000, "decay_type": "linear", "min_lr_ratio": 0.1}),
        (100, 1000, {"num_decay_steps": 300, "warmup_type": "cosine", "decay_type": "1-sqrt", "min_lr_ratio": 0.0}),
        (10, 100, {"num_decay_steps": 90, "num_stable_steps": 0, "decay_type": "cosine", "num_cycles": 0.25}),
        (0, 10**6, {"num_decay_steps": 10**5, "warmup_type": "1-sqrt", "decay_type": "1-sqrt", "min_lr_ratio": 0.01}),
    ]:  # fmt: skip
        key = "-".join(f"{k}{v}" for k, v in kw.items())
        stable = kw.get("num_stable_steps", (n or 0) - w - kw["num_decay_steps"])
        add(f"warmup_stable_decay/w{w}-n{n}-{key}", call("warmup_stable_decay", lr, w, n, **kw),
            [w + stable, w + stable + kw["num_decay_steps"]])  # fmt: skip
    # fmt: on
    return out


# tests/llm_peers.py's WSD grid: every warmup_type x decay_type, every step to past the end
WSD_GRID = [
    {"num_warmup_steps": w, "num_decay_steps": d, "num_training_steps": n, "min_lr_ratio": r}
    for (w, d, n, r) in [
        (0, 100, 1000, 0.0),
        (50, 300, 1000, 0.1),
        (10, 1, 200, 0.01),
        (100, 900, 1000, 0.05),
    ]
]
WSD_LR = 3e-4
WSD_TYPES = ["linear", "cosine", "1-sqrt"]


def wsd_grid_call(case: dict[str, Any], warmup_type: str, decay_type: str) -> dict[str, Any]:
    return call(
        "warmup_stable_decay",
        WSD_LR,
        case["num_warmup_steps"],
        case["num_training_steps"],
        num_decay_steps=case["num_decay_steps"],
        min_lr_ratio=case["min_lr_ratio"],
        warmup_type=warmup_type,
        decay_type=decay_type,
    )


def wsd_grid_id(index: int, warmup_type: str, decay_type: str) -> str:
    return f"wsd/{index}/{warmup_type}/{decay_type}"


def _metric_cases() -> list[tuple[str, dict[str, Any], list[float]]]:
    # a loss that falls, stalls, falls a little, stalls (float32-representable values)
    loss = [1.0 / (1 + k) for k in range(10)] + [0.1] * 15 + [0.09, 0.085] + [0.085] * 23
    loss = [float(__import__("numpy").float32(v)) for v in loss]
    accuracy = [min(0.9, 0.5 + 0.05 * k) for k in range(20)] + [0.9] * 20
    accuracy = [float(__import__("numpy").float32(v)) for v in accuracy]
    return [
        ("reduce_lr_on_plateau/defaults", call("reduce_lr_on_plateau", 1e-3, None, None), loss),
        (
            "reduce_lr_on_plateau/patience2-factor0.5-cooldown1",
            call("reduce_lr_on_plateau", 1e-3, None, None, patience=2, factor=0.5, cooldown=1, min_lr=2e-5),
            loss,
        ),
        (
            "reduce_lr_on_plateau/max-abs",
            call("reduce_lr_on_plateau", 0.1, None, None, mode="max", threshold_mode="abs",
                 threshold=0.01, patience=1, factor=0.2),
            accuracy,
        ),
        ("greedy/defaults", call("greedy", 0.01, None, None, patience=2), loss),
        (
            "greedy/max-factor0.5",
            call("greedy", 0.1, None, None, mode="max", factor=0.5, patience=1, min_lr=1e-3, max_lr=0.5),
            accuracy,
        ),
    ]  # fmt: skip


def record() -> None:
    import transformers

    cases = []
    for id_, spec, steps in _lambda_cases():
        values = evaluate(spec, steps)
        _check_stepping(spec, steps, values)
        cases.append({"id": id_, "kind": "lambda", "call": spec, "steps": steps, "values": values})
    for index, case in enumerate(WSD_GRID):
        for wt in WSD_TYPES:
            for dt in WSD_TYPES:
                spec = wsd_grid_call(case, wt, dt)
                steps = sorted(set(range(case["num_training_steps"] + 10)) | set(_record.LARGE))
                values = evaluate(spec, steps)
                _check_stepping(spec, steps, values)
                cases.append(
                    {
                        "id": wsd_grid_id(index, wt, dt),
                        "kind": "lambda",
                        "call": spec,
                        "steps": steps,
                        "values": values,
                    }
                )
    for id_, spec, metrics in _metric_cases():
        values = evaluate(spec, [], metrics=metrics)
        cases.append(
            {
                "id": id_,
                "kind": "metric",
                "call": spec,
                "metrics": metrics,
                "steps": list(range(1, len(metrics) + 1)),
                "values": values,
            }
        )
    import torch

    head = _record.header(
        "record_hf.py",
        "transformers",
        transformers.__version__,
        torch=torch.__version__,
        note="kind lambda: values are lr_lambdas[0](t), the rate is lr * value; "
        "kind metric: values are the lr after each step(metric)",
    )
    _record.write(DATA, head, cases)


if __name__ == "__main__":
    record()

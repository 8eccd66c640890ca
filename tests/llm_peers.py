"""tests/llm_reference.py against HF transformers' and timm's real schedulers, at every step.

Neither package is a dependency of lrschedules_jax. Run this script in a separate environment
that has torch, transformers and timm (and numpy):

    python tests/llm_peers.py            # prints one line per configuration, exit 1 on a mismatch

tests/test_llm_peers.py runs the same checks in the default suite when the three packages are
importable, and is skipped otherwise. What is checked:

- HF ``get_wsd_schedule``: every warmup_type x decay_type, with and without warmup, several
  ``min_lr_ratio`` and ``num_decay_steps`` (down to 1): ``ref_wsd`` with the keys of
  ``wsd_keys_from_hf`` equals the LambdaLR's rate after k ``.step()`` calls, for every k up to
  past the end; and so does ``hf_wsd_factor`` (the transcription).
- timm ``CosineLRScheduler`` (``warmup_prefix=True``, ``t_in_epochs=False``): integer
  ``cycle_mul`` 1-3, ``cycle_decay``, ``cycle_limit``, ``k_decay``, ``warmup_t`` /
  ``warmup_lr_init``: ``timm_cosine_lr`` (the transcription) equals timm at every step, and
  ``ref_cosine_restarts`` equals it except at the restarts where timm's floating-point
  ``log`` puts the step one cycle early (listed).
- timm's noise (``noise_range_t``, ``noise_pct``, ``noise_std``, ``noise_type``): the law of
  ``noise_cdf`` (Kolmogorov-Smirnov) and the bounds, on timm's own draws.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llm_reference as ref


def import_peers():
    """``(torch, get_wsd_schedule, CosineLRScheduler)``; ImportError if one is missing.

    timm's package ``__init__`` imports torchvision, which may not match the installed torch;
    the scheduler modules need only torch, so they are loaded without running it.
    """
    import torch
    from transformers.optimization import get_wsd_schedule

    if "timm" not in sys.modules:
        spec = importlib.util.find_spec("timm")
        if spec is None:
            raise ImportError("timm is not installed")
        package = types.ModuleType("timm")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["timm"] = package
    from timm.scheduler.cosine_lr import CosineLRScheduler

    return torch, get_wsd_schedule, CosineLRScheduler


def _optimizer(torch, lr):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def hf_run(num_steps_past=10, **kw):
    """HF's rates after 0, 1, ... .step() calls."""
    torch, get_wsd_schedule, _ = import_peers()
    lr = kw.pop("lr")
    opt = _optimizer(torch, lr)
    sched = get_wsd_schedule(opt, **kw)
    out = []
    for _ in range(kw["num_training_steps"] + num_steps_past):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.asarray(out)


HF_CASES = [
    {"num_warmup_steps": w, "num_decay_steps": d, "num_training_steps": n, "min_lr_ratio": r}
    for (w, d, n, r) in [
        (0, 100, 1000, 0.0),
        (50, 300, 1000, 0.1),
        (10, 1, 200, 0.01),
        (100, 900, 1000, 0.05),
    ]
]


def check_hf():
    problems, lines = [], []
    for case in HF_CASES:
        for wt in ["linear", "cosine", "1-sqrt"]:
            for dt in ["linear", "cosine", "1-sqrt"]:
                lr = 3e-4
                got = hf_run(lr=lr, warmup_type=wt, decay_type=dt, **case)
                steps = np.arange(got.size)
                keys = ref.wsd_keys_from_hf(lr, warmup_type=wt, decay_type=dt, **case)
                n, s0, e = keys.pop("num_steps"), keys.pop("start_lr"), keys.pop("stop_lr")
                ours = ref.ref_wsd(steps, n, s0, e, **keys)
                stable = (
                    case["num_training_steps"] - case["num_warmup_steps"] - case["num_decay_steps"]
                )
                transcribed = lr * ref.hf_wsd_factor(
                    steps,
                    num_warmup_steps=case["num_warmup_steps"],
                    num_stable_steps=stable,
                    num_decay_steps=case["num_decay_steps"],
                    warmup_type=wt,
                    decay_type=dt,
                    min_lr_ratio=case["min_lr_ratio"],
                )
                err = float(np.max(np.abs(ours - got)) / lr)
                err_t = float(np.max(np.abs(transcribed - got)) / lr)
                lines.append(f"HF wsd {wt:>6}/{dt:<6} {case}: max |ref - HF| / peak = {err:.2e}")
                if err > 1e-12 or err_t != 0.0:
                    problems.append(lines[-1] + f", transcription {err_t:.2e}")
    return problems, lines


TIMM_CASES = [
    {
        "t_initial": 50,
        "cycle_mul": 1,
        "cycle_decay": 1.0,
        "cycle_limit": 3,
        "k_decay": 1.0,
        "warmup_t": 0,
        "warmup_lr_init": 0.0,
    },
    {
        "t_initial": 50,
        "cycle_mul": 1,
        "cycle_decay": 0.5,
        "cycle_limit": 1,
        "k_decay": 1.0,
        "warmup_t": 10,
        "warmup_lr_init": 1e-5,
    },
    {
        "t_initial": 20,
        "cycle_mul": 2,
        "cycle_decay": 0.7,
        "cycle_limit": 5,
        "k_decay": 1.0,
        "warmup_t": 5,
        "warmup_lr_init": 1e-4,
    },
    {
        "t_initial": 2,
        "cycle_mul": 3,
        "cycle_decay": 1.0,
        "cycle_limit": 7,
        "k_decay": 1.0,
        "warmup_t": 0,
        "warmup_lr_init": 0.0,
    },
    {
        "t_initial": 30,
        "cycle_mul": 1,
        "cycle_decay": 0.8,
        "cycle_limit": 4,
        "k_decay": 0.5,
        "warmup_t": 7,
        "warmup_lr_init": 2e-5,
    },
    {
        "t_initial": 15,
        "cycle_mul": 2,
        "cycle_decay": 0.9,
        "cycle_limit": 4,
        "k_decay": 2.0,
        "warmup_t": 3,
        "warmup_lr_init": 0.0,
    },
    {
        "t_initial": 7,
        "cycle_mul": 3,
        "cycle_decay": 0.6,
        "cycle_limit": 5,
        "k_decay": 1.5,
        "warmup_t": 4,
        "warmup_lr_init": 1e-4,
    },
]


def timm_run(steps, *, base_lr, lr_min, noise=None, noise_type="normal", **kw):
    torch, _, cosine_scheduler = import_peers()
    opt = _optimizer(torch, base_lr)
    extra = {}
    if noise is not None:
        extra = {
            "noise_range_t": noise["range"],
            "noise_pct": noise["pct"],
            "noise_std": noise["std"],
            "noise_seed": noise["seed"],
        }
    sched = cosine_scheduler(
        opt, lr_min=lr_min, warmup_prefix=True, t_in_epochs=False, **extra, **kw
    )
    sched.noise_type = noise_type  # CosineLRScheduler does not pass it on; the base class reads it
    out = []
    for t in steps:
        sched.step_update(int(t))
        out.append(opt.param_groups[0]["lr"])
    return np.asarray(out)


def check_timm():
    problems, lines = [], []
    base_lr, lr_min = 1e-3, 1e-6
    for case in TIMM_CASES:
        steps = np.arange(0, 2000)
        got = timm_run(steps, base_lr=base_lr, lr_min=lr_min, **case)
        transcribed = ref.timm_cosine_lr(
            steps, base_lr=base_lr, lr_min=lr_min, warmup_prefix=True, **case
        )
        keys = ref.restarts_keys_from_timm(base_lr=base_lr, lr_min=lr_min, **case)
        s0, e, first = keys.pop("start_lr"), keys.pop("stop_lr"), keys.pop("cycle_steps")
        ours = ref.ref_cosine_restarts(steps, s0, e, first, **keys)
        err_t = float(np.max(np.abs(transcribed - got)) / base_lr)
        diff = np.abs(ours - got) / base_lr > 1e-12
        early = []
        for s in steps[diff].tolist():  # must be a restart that timm's float log puts a cycle early
            t = s - case["warmup_t"]
            i, done, _ = ref.cycle_of(t, case["t_initial"], case["cycle_mul"])
            timm_i = math.floor(
                math.log(1 - t / case["t_initial"] * (1 - case["cycle_mul"]), case["cycle_mul"])
            )
            if not (done == 0 and timm_i == i - 1):
                problems.append(f"timm {case}: step {s} differs and is not a float-log restart")
            early.append(s)
        err = float(np.max(np.where(diff, 0, np.abs(ours - got))) / base_lr)
        lines.append(
            f"timm cosine {case}: max |ref - timm| / peak = {err:.2e} elsewhere; "
            f"timm one cycle early at steps {early}"
        )
        if err_t > 1e-15 or err > 1e-12:
            problems.append(lines[-1] + f", transcription {err_t:.2e}")
    return problems, lines


NOISE_CASES = [("normal", 0.67, 1.0), ("normal", 0.1, 0.05), ("uniform", 0.25, 1.0)]


def check_timm_noise(count=20000):
    problems, lines = [], []
    base_lr = 1.0
    for noise_type, pct, std in NOISE_CASES:
        steps = np.arange(0, count)
        kw = {"t_initial": 10**9, "cycle_limit": 1}  # a flat start: lr = base_lr (1 + noise)
        plain = timm_run(steps, base_lr=base_lr, lr_min=0.0, **kw)
        noisy = timm_run(
            steps,
            base_lr=base_lr,
            lr_min=0.0,
            noise={"range": [100, count], "pct": pct, "std": std, "seed": 42},
            noise_type=noise_type,
            **kw,
        )
        inside = ref.noise_in_range(steps, [100, count])
        noise = noisy[inside] / plain[inside] - 1
        if np.any(noisy[~inside] != plain[~inside]):
            problems.append(f"timm noise {noise_type}: noise outside noise_range_t")
        bound_ok = np.all(np.abs(noise) < pct + 1e-12)
        x = np.sort(noise)
        cdf = ref.noise_cdf(x, noise_type, pct, std)
        n = x.size
        ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(0, n) / n))
        _, var = ref.noise_moments(noise_type, pct, std)
        lines.append(
            f"timm noise {noise_type} pct={pct} std={std}: KS = {ks:.4f} (0.1% critical "
            f"{1.95 / math.sqrt(n):.4f}), var {noise.var():.5f} vs {var:.5f}, |noise| < pct: {bound_ok}"
        )
        if ks > 1.95 / math.sqrt(n) or not bound_ok or abs(noise.var() / var - 1) > 0.05:
            problems.append(lines[-1])
    return problems, lines


def main():
    problems = []
    for check in (check_hf, check_timm, check_timm_noise):
        found, lines = check()
        problems += found
        print("\n".join(lines))
    print("\n".join(["", f"{len(problems)} problem(s)", *problems]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

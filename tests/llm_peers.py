"""tests/llm_reference.py against HF transformers' and timm's schedulers, at every step.

Neither package is a dependency of lrschedules_jax. Their values are recorded in
tests/data/peers/hf.json.gz (cases ``wsd/...``) and tests/data/peers/timm.json.gz (cases
``cosine-grid/...`` and ``noise/...``) by the ``record_*.py`` scripts there, from the grids
below. tests/test_peers.py runs every check on the recorded values, and on the installed
peers' values too when torch, transformers and timm are importable. In a Python that has them:

    python tests/llm_peers.py            # prints one line per configuration, exit 1 on a mismatch

What is checked:

- HF ``get_wsd_schedule``: every warmup_type x decay_type, with and without warmup, several
  ``min_lr_ratio`` and ``num_decay_steps`` (down to 1): ``ref_wsd`` with the keys of
  ``wsd_keys_from_hf`` equals the LambdaLR's rate ``lr * lambda(k)`` for every k up to past the
  end (and at large steps up to 2**31 - 1); and so does ``hf_wsd_factor`` (the transcription).
- timm ``CosineLRScheduler`` (``warmup_prefix=True``, ``t_in_epochs=False``): integer
  ``cycle_mul`` 1-3, ``cycle_decay``, ``cycle_limit``, ``k_decay``, ``warmup_t`` /
  ``warmup_lr_init``: ``timm_cosine_lr`` (the transcription) equals timm at every step, and
  ``ref_cosine_restarts`` equals it except at the restarts where timm's floating-point
  ``log`` puts the step one cycle early (listed).
- timm's noise (``noise_range_t``, ``noise_pct``, ``noise_std``, ``noise_type``): the law of
  ``noise_cdf`` (Kolmogorov-Smirnov) and the bounds, on timm's own draws.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llm_reference as ref
import peers

HF = peers.script("hf")
TIMM = peers.script("timm")
HF_CASES = HF.WSD_GRID
TIMM_CASES = TIMM.COSINE_GRID
NOISE_CASES = TIMM.NOISE_CASES

# A source of a peer's values for a recorded case: ``(peer, row) -> values at row["steps"]``.
Source = Callable[[str, dict[str, Any]], np.ndarray]


def recorded(peer: str, row: dict[str, Any]) -> np.ndarray:
    return peers.values(row)


def live(peer: str, row: dict[str, Any]) -> np.ndarray:
    got = peers.live_values(peer, row)
    if got is None:
        raise ImportError(f"{peer} is not importable here")
    return got


def live_available() -> bool:
    return peers.live("hf") is not None and peers.live("timm") is not None


def check_hf(source: Source = recorded):
    problems, lines = [], []
    for index, case in enumerate(HF_CASES):
        for wt in ["linear", "cosine", "1-sqrt"]:
            for dt in ["linear", "cosine", "1-sqrt"]:
                row = peers.case("hf", HF.wsd_grid_id(index, wt, dt))
                if row["call"] != HF.wsd_grid_call(case, wt, dt):
                    problems.append(f"HF wsd {wt}/{dt} {case}: the record is of another call")
                    continue
                lr = row["call"]["lr"]
                got = lr * source("hf", row)  # the LambdaLR's rate: lr * lambda(k)
                steps = np.asarray(row["steps"])
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


def check_timm(source: Source = recorded):
    problems, lines = [], []
    base_lr, lr_min = TIMM.GRID_LR, TIMM.GRID_LR_MIN
    for index, case in enumerate(TIMM_CASES):
        row = peers.case("timm", f"cosine-grid/{index}")
        if row["call"] != TIMM.grid_call(case):
            problems.append(f"timm {case}: the record is of another call")
            continue
        steps = np.asarray(row["steps"])  # every step below 2000, and large ones
        got = source("timm", row)
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


def check_timm_noise(source: Source = recorded):
    problems, lines = [], []
    for noise_type, pct, std in NOISE_CASES:
        row = peers.case("timm", f"noise/{noise_type}-{pct}-{std}")
        if row["call"] != TIMM.noise_call(noise_type, pct, std):
            problems.append(f"timm noise {noise_type}: the record is of another call")
            continue
        steps = np.asarray(row["steps"])
        kw = row["call"]["kwargs"]
        # a flat start (t_initial 1e9): timm's rate without noise, transcribed
        plain = ref.timm_cosine_lr(
            steps,
            base_lr=row["call"]["lr"],
            t_initial=kw["t_initial"],
            lr_min=kw["lr_min"],
            cycle_limit=kw["cycle_limit"],
            warmup_prefix=kw["warmup_prefix"],
        )
        noisy = source("timm", row)
        inside = ref.noise_in_range(steps, kw["noise_range_t"])
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
    sources = [("recorded", recorded)]
    if live_available():
        sources.append(("live", live))
    else:
        print("torch, transformers or timm is not importable: the recorded values only\n")
    for name, source in sources:
        for check in (check_hf, check_timm, check_timm_noise):
            found, lines = check(source)
            problems += [f"{name}: {p}" for p in found]
            print("\n".join(f"{name}: {line}" for line in lines))
    print("\n".join(["", f"{len(problems)} problem(s)", *problems]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

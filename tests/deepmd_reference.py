"""An independent float64 NumPy evaluation of SPEC.md section 2 (DeePMD-kit's schedules).

Written from the formulas, not from the package: the tests compare the package against it.
"""

import numpy as np


def _warmup_then(step, s0, w, f, decay):
    step = np.maximum(np.asarray(step, dtype=np.int64), 0)
    t = np.maximum(step - w, 0)
    out = np.asarray(decay(t), dtype=np.float64)
    if w > 0:
        warm = f * s0 + (s0 - f * s0) * step / w
        out = np.where(step < w, warm, out)
    return out


def _stop(s0, stop_lr, stop_lr_ratio):
    return stop_lr if stop_lr is not None else s0 * stop_lr_ratio


def _warmup_steps(num_steps, warmup_steps, warmup_ratio):
    return int(warmup_ratio * num_steps) if warmup_ratio is not None else warmup_steps


def exp_decay_steps(num_steps, decay_steps, warmup_steps=0):
    """DeePMD-kit's replacement of `decay_steps` when it is not shorter than the decay."""
    length = num_steps - warmup_steps
    if decay_steps >= length:
        return 100 if length // 10 > 100 else length // 100 + 1
    return decay_steps


def ref_exp(
    step,
    num_steps,
    start_lr,
    stop_lr=None,
    stop_lr_ratio=None,
    decay_steps=5000,
    decay_rate=None,
    smooth=False,
    warmup_steps=0,
    warmup_ratio=None,
    warmup_start_factor=0.0,
):
    s0, e = start_lr, _stop(start_lr, stop_lr, stop_lr_ratio)
    w = _warmup_steps(num_steps, warmup_steps, warmup_ratio)
    length = num_steps - w
    ds = decay_steps
    if decay_rate is None:
        ds = exp_decay_steps(num_steps, decay_steps, w)
        r = np.exp(np.log(max(e, 1e-10) / s0) / (length / ds)) if length > 0 else 1.0
    else:
        r = decay_rate

    def decay(t):
        k = t / ds if smooth else t // ds
        return np.maximum(s0 * np.power(r, k.astype(np.float64)), e)

    return _warmup_then(step, s0, w, warmup_start_factor, decay)


def ref_cosine(
    step,
    num_steps,
    start_lr,
    stop_lr=None,
    stop_lr_ratio=None,
    warmup_steps=0,
    warmup_ratio=None,
    warmup_start_factor=0.0,
):
    s0, e = start_lr, _stop(start_lr, stop_lr, stop_lr_ratio)
    w = _warmup_steps(num_steps, warmup_steps, warmup_ratio)
    length = num_steps - w

    def decay(t):
        # (1 + cos(pi t / T)) / 2 == sin(pi/2 * (T - t) / T)**2, written on the exact integer
        # T - t so that the float64 reference itself keeps its accuracy at the end of the decay.
        remaining = np.maximum(length - t, 0)
        return e + (s0 - e) * np.sin(np.pi / 2 * remaining / length) ** 2

    return _warmup_then(step, s0, w, warmup_start_factor, decay)


def ref_wsd(
    step,
    num_steps,
    start_lr,
    stop_lr=None,
    stop_lr_ratio=None,
    decay_phase_ratio=0.1,
    decay_type="inverse_linear",
    warmup_steps=0,
    warmup_ratio=None,
    warmup_start_factor=0.0,
):
    s0, e = start_lr, _stop(start_lr, stop_lr, stop_lr_ratio)
    w = _warmup_steps(num_steps, warmup_steps, warmup_ratio)
    length = num_steps - w
    d = max(1, min(int(decay_phase_ratio * num_steps), length))
    stable = length - d

    def decay(t):
        tau = np.clip((t - stable) / d, 0.0, 1.0)
        one_minus_tau = np.clip((length - t) / d, 0.0, 1.0)
        if decay_type == "inverse_linear":
            lr = 1.0 / (tau / e + one_minus_tau / s0)
        elif decay_type == "cosine":
            lr = e + (s0 - e) * 0.5 * (1 + np.cos(np.pi * tau))
        else:
            lr = e + (s0 - e) * one_minus_tau
        return np.where(t < stable, s0, np.where(t >= length, e, lr))

    return _warmup_then(step, s0, w, warmup_start_factor, decay)


REFERENCES = {"exp": ref_exp, "cosine": ref_cosine, "wsd": ref_wsd}


def reference(config, num_steps, steps):
    """The float64 reference of a `learning_rate` mapping at integer `steps`."""
    config = dict(config)
    kind = config.pop("type", "exp")
    config.pop("scale_by_worker", None)
    return REFERENCES[kind](np.asarray(steps, dtype=np.int64), num_steps, **config)


def max_rel_err(got, want):
    """The largest relative error; where the reference is exactly 0 the value must be 0 too."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    zero = want == 0
    assert np.all(got[zero] == 0), "nonzero value where the reference is 0"
    return float(np.max(np.abs(got - want)[~zero] / np.abs(want[~zero]), initial=0.0))

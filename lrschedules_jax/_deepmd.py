"""DeePMD-kit's schedules: ``exp`` (stepped and smooth), ``cosine`` and ``wsd``.

Each type is defined once: its schedule class (the formula, its docstring and examples), its
config model (keys, defaults, rules, the explicit build) and its builder, derived from both.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field

from ._jax import jax, jnp, lax, np
from ._model import (
    COOLDOWN_DESCRIPTION,
    EXTENSION,
    Cooldown,
    Rule,
    StopKeys,
    WarmupKeys,
    builder,
    config_type,
)
from ._numerics import (
    INT32_MAX,
    Factor,
    as_float,
    exp_times_int,
    float32,
    is_concrete,
    sin2_of_fraction,
    step_count,
    two_prod,
)
from ._schedule import derived, leaf, register_schedule, static
from ._shapes import one_minus_sqrt
from ._warmup import WarmupSchedule

__all__ = [
    "WSD",
    "Cosine",
    "CosineConfig",
    "Exp",
    "ExpConfig",
    "WSDConfig",
    "cosine",
    "exp",
    "wsd",
]

_EXP_MIN_STOP = 1e-10
WSD_DECAY_TYPES = ("inverse_linear", "cosine", "linear", "1-sqrt")


def _type_field(name: str) -> Any:
    return Field(name, description="The schedule type.")


def _float32_pair(n: Any) -> tuple[jax.Array, jax.Array]:
    """A count ``0 <= n <= 2**31 - 1`` (a Python int or an integer array) as float32
    ``hi + lo``: ``hi`` the nearest float32, ``lo = n - hi`` exact."""
    if is_concrete(n):
        hi = float32(n)
        return jnp.float32(hi), jnp.float32(n - hi)
    n = jnp.asarray(n).astype(jnp.int32)
    hi = n.astype(jnp.float32)
    top = ((n >> 8) << 8).astype(jnp.float32)  # exact: 23 significant bits
    # top - hi and its sum with the low 8 bits are integers below 2**24: both exact.
    return hi, (top - hi) + (n & 0xFF).astype(jnp.float32)


@register_schedule
class Exp(WarmupSchedule):
    """DeePMD-kit's exponential decay (the default ``learning_rate`` type).

    .. math::
      \\mathrm{lr}(t) = \\max\\left(s_0\\, r^{\\lfloor t / d \\rfloor},\\ e\\right),
      \\qquad r = \\exp\\left(\\frac{\\log(\\max(e, 10^{-10}) / s_0)}{T / d}\\right)

    with ``t = step - warmup_steps``, ``T = num_steps - warmup_steps``, ``d = decay_steps``
    (``t / d`` instead of ``t // d`` when ``smooth``). If ``decay_rate`` is not given and
    ``decay_steps >= T``, ``decay_steps`` becomes ``100 if T // 10 > 100 else T // 100 + 1``,
    as DeePMD-kit does. ``stop_lr`` is a floor, also with an explicit ``decay_rate``. The
    decay rate is a :class:`~lrschedules_jax._numerics.Factor` (its logarithm), so that rates
    close to 1 keep their precision in float32 and in stacked sweeps. In a stack
    (:func:`~lrschedules_jax.stack`) ``decay_steps`` may differ between rows and is traced:
    the stairs are an integer division, and the smooth exponent ``log(r) / d`` is a float32
    division whose rounding (and that of ``d`` above ``2**24``) is carried into
    ``exp_times_int``; the rate itself was derived on the host when each schedule was made.

    Examples:
      >>> sched = exp(start_lr=1e-3, stop_lr=1e-5, decay_steps=5000, num_steps=10000)
      >>> round(float(sched(0)), 10), round(float(sched(10000)), 10)
      (0.001, 1e-05)
    """

    stop_lr: float = leaf(ge=0)
    decay_rate: Factor
    decay_steps: int = static(ge=1, le=INT32_MAX, sweep=True)
    smooth: bool = static()

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        ds, w = step_count(self.decay_steps, t), self.warmup_steps
        # t >= 0, so the truncating division is the floor division (and cheaper).
        n = t if self.smooth else lax.div(t, jnp.asarray(ds, t.dtype))
        if is_concrete(w, ds):
            n_max = (INT32_MAX - w) // (1 if self.smooth else ds)
        else:  # a bound valid for every row of a sweep
            n_max = INT32_MAX
        if is_concrete(self.decay_rate.log) and (is_concrete(ds) or not self.smooth):
            c = self.decay_rate.log / ds if self.smooth else float(self.decay_rate.log)
            n_floor = self._floor_index(c)
            if n_floor is not None and n_floor < n_max:
                # Past n_floor the rate is below stop_lr: clamping n changes no value and
                # bounds it, which lets exp_times_int skip work when the bound is small.
                n, n_max = jnp.minimum(n, n_floor), n_floor
            lr = exp_times_int(c, n, dtype, n_max=n_max, scale=self.start_lr)
        else:  # traced: the float32 rate loses its rounding, which decay_rate.log_lo keeps
            log = as_float(self.decay_rate.log, dtype)
            rest = as_float(self.decay_rate.log_lo, dtype)
            if self.smooth and dtype == jnp.float64:
                c = log / as_float(ds, dtype)  # exp_times_int needs no rest in float64
            elif self.smooth:  # c = log / ds, and what its float32 division rounds away in rest
                ds_hi, ds_lo = _float32_pair(ds)
                c = log / ds_hi
                prod, prod_err = two_prod(c, ds_hi)
                left = ((log - prod) - prod_err) - c * ds_lo
                rest = (left + rest) / ds_hi
            else:
                c = log
            lr = exp_times_int(c, n, dtype, n_max=n_max, c_rest=rest, scale=self.start_lr)
        return jnp.maximum(lr, as_float(self.stop_lr, dtype))

    def _floor_index(self, c: float) -> int | None:
        """The first ``n`` with ``start_lr * exp(c * n) <= stop_lr * (1 - 1e-5)``, if known.

        The margin is 50 times the float32 error of ``exp_times_int``, so the computed rate at
        and past this index is below ``stop_lr`` and the floor gives exactly ``stop_lr``.
        """
        if not is_concrete(self.start_lr, self.stop_lr) or self.stop_lr <= 0 or c >= 0:
            return None
        target = math.log(self.stop_lr / self.start_lr) + math.log1p(-1e-5)
        return max(0, math.ceil(target / c))


class DeePMDKeys(WarmupKeys, StopKeys):
    """The keys of DeePMD-kit's own types: a missing stop key gets its 5e-8 (with a warning)."""

    legacy_stop_default = True
    extension_type = False  # DeePMD-kit's own types


@config_type(Exp)
class ExpConfig(DeePMDKeys):
    """``exp``: exponential decay, stepped or smooth (DeePMD-kit's default type)."""

    type: Literal["exp"] = _type_field("exp")
    decay_steps: int = Field(
        5000,
        gt=0,
        le=INT32_MAX,
        description="The rate decays every `decay_steps` steps. If `decay_rate` is not given "
        "and `decay_steps >= num_steps - warmup_steps`, it is replaced by "
        "`100 if T // 10 > 100 else T // 100 + 1` (T = num_steps - warmup_steps), as "
        "DeePMD-kit does.",
    )
    decay_rate: float | None = Field(
        None,
        gt=0,
        le=1,
        description="The factor per `decay_steps`. Derived from `stop_lr` if not given; "
        "`stop_lr` stays a floor either way.",
    )
    smooth: bool = Field(
        False, description="Decay at every step (`t / decay_steps`) instead of in stairs."
    )

    @classmethod
    def _rules(cls, v: dict[str, Any], num_steps: int | None) -> Iterator[Rule]:
        yield from super()._rules(v, num_steps)
        # The derived rate uses max(stop_lr, 1e-10): below 1e-10 it would exceed 1 and the
        # "decay" would rise above start_lr.
        start = v.get("start_lr")
        if "decay_rate" in v and v["decay_rate"] is None and start is not None:
            if start < _EXP_MIN_STOP:
                yield (
                    "start_lr",
                    f"must be >= {_EXP_MIN_STOP} when `decay_rate` is derived (DeePMD-kit "
                    f"derives it from max(stop_lr, {_EXP_MIN_STOP}), so the rate would rise); "
                    f"got {start!r}. Give `decay_rate` explicitly for smaller rates",
                )

    def resolve(self, num_steps: int) -> ExpConfig:
        base = super().resolve(num_steps)
        length = num_steps - base.warmup_end()  # B of a batch-scaled warmup
        decay_steps, decay_rate = base.decay_steps, base.decay_rate
        if decay_rate is None:
            if decay_steps >= length:
                decay_steps = 100 if length // 10 > 100 else length // 100 + 1
            stop = max(base.resolved_stop_lr(), _EXP_MIN_STOP)
            if length == 0:  # num_steps 0: no decay phase, DeePMD-kit uses decay_rate 1
                decay_rate = 1.0
            else:
                decay_rate = math.exp(math.log(stop / base.start_lr) / (length / decay_steps))
        return base.model_copy(update={"decay_steps": decay_steps, "decay_rate": decay_rate})

    def build(self, num_steps: int, num_workers: int = 1) -> Exp:
        r = self.resolve(num_steps)
        assert r.stop_lr is not None and r.decay_rate is not None
        return Exp(
            num_steps=num_steps,
            num_workers=num_workers,
            **r.warmup_args(),
            stop_lr=r.stop_lr,
            decay_rate=Factor.of(r.decay_rate),
            decay_steps=r.decay_steps,
            smooth=r.smooth,
        )

    def notes(self, section: Mapping[str, Any], schedule: Any) -> dict[str, str]:
        notes = super().notes(section, schedule)
        if self.decay_rate is None:
            notes["decay_rate"] = "derived: reaches stop_lr at num_steps"
            if self.decay_steps != schedule.decay_steps:
                notes["decay_steps"] = (
                    f"replaced: {self.decay_steps} >= decay length {schedule.decay_length}, "
                    "as DeePMD-kit does"
                )
        return notes


@register_schedule
class Cosine(WarmupSchedule):
    """DeePMD-kit's cosine annealing from ``start_lr`` to ``stop_lr``, then ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = e + \\frac{s_0 - e}{2}\\left(1 + \\cos\\frac{\\pi t}{T}\\right)
      \\quad (t < T), \\qquad \\mathrm{lr}(t) = e \\quad (t \\ge T)

    Examples:
      >>> sched = cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=10000)
      >>> round(float(sched(5000)), 10)
      0.000505
    """

    stop_lr: float = leaf(ge=0)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return self._anneal(t, dtype, sin2_of_fraction)


@config_type(Cosine)
class CosineConfig(DeePMDKeys):
    """``cosine``: cosine annealing from `start_lr` to `stop_lr`."""

    type: Literal["cosine"] = Field(description="The schedule type.")

    def build(self, num_steps: int, num_workers: int = 1) -> Cosine:
        r = self.resolve(num_steps)
        return Cosine(
            num_steps=num_steps,
            num_workers=num_workers,
            **r.warmup_args(),
            stop_lr=r.resolved_stop_lr(),
        )


@register_schedule
class WSD(WarmupSchedule):
    """DeePMD-kit's warmup-stable-decay: ``start_lr``, then a final decay to ``stop_lr``.

    .. math::
      D = \\max(1, \\min(\\lfloor \\rho N \\rfloor, T)),\\quad S = T - D,\\quad
      \\tau = \\mathrm{clip}((t - S) / D, 0, 1)

    ``lr = start_lr`` for ``t < S``; then, by ``decay_type``, ``1 / (tau / e + (1 - tau) / s0)``
    (``inverse_linear``), ``e + (s0 - e) (1 + cos(pi tau)) / 2`` (``cosine``),
    ``s0 + (e - s0) tau`` (``linear``) or ``e + (s0 - e) (1 - sqrt(tau))`` (``1-sqrt``, Hägele
    et al. 2024; an extension); ``stop_lr`` from ``t >= T`` on. ``decay_phase_steps`` (an
    extension) gives ``D`` as a count instead (``1 <= D <= T``), as HF ``get_wsd_schedule``'s
    ``num_decay_steps``. ``D`` is computed on the host when the schedule is made (the
    ``decay_phase`` field), so in a stack (:func:`~lrschedules_jax.stack`) where ``num_steps``,
    ``warmup_steps``, ``decay_phase_ratio`` or ``decay_phase_steps`` differ, ``T``, ``D`` and
    ``S`` are traced integers and the formula is the same.

    Examples:
      >>> sched = wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=10000)
      >>> round(float(sched(9000)), 10), round(float(sched(9500)) / 1.98019802e-5, 6)
      (0.001, 1.0)
    """

    stop_lr: float = leaf(gt=0)
    decay_phase_ratio: float = static(gt=0, le=1, sweep=True)
    decay_type: str = static()
    #: ``D`` as a count (the ``decay_phase_steps`` key); None: from ``decay_phase_ratio``.
    decay_phase_count: int | None = static(None, omit_default=True, ge=1, le=INT32_MAX, sweep=True)
    #: ``D`` itself, derived on the host when the schedule is made (``int(ratio * N)`` has no
    #: exact in-graph form), so that a stack sweeps it like any count. Not a key.
    decay_phase: int = derived()

    def __post_init__(self) -> None:
        object.__setattr__(self, "decay_phase", self._derive_decay_phase())
        super().__post_init__()

    def _derive_decay_phase(self) -> Any:
        if self.decay_phase_count is not None:
            return self.decay_phase_count
        if is_concrete(self.decay_phase_ratio, self.num_steps, self.warmup_steps):
            return max(1, min(int(self.decay_phase_ratio * self.num_steps), self.decay_length))
        # arrays: a stacked schedule given to replace(); the same float64 product, floored
        n = np.asarray(self.num_steps, np.int64)
        d = np.floor(np.asarray(self.decay_phase_ratio, np.float64) * n).astype(np.int64)
        return np.maximum(1, np.minimum(d, n - self.warmup_steps)).astype(np.int32)

    def _check(self) -> None:
        super()._check()
        if self.decay_type not in WSD_DECAY_TYPES:
            raise ValueError(f"WSD: unknown `decay_type` {self.decay_type!r}.")
        if self.decay_phase_count is not None and self.decay_phase_count > self.decay_length:
            raise ValueError(
                f"WSD: `decay_phase_steps` must be at most num_steps - warmup_steps "
                f"({self.decay_length}); got {self.decay_phase_count}."
            )

    @property
    def decay_phase_steps(self) -> int:
        """``D``: ``decay_phase_steps`` if given, else
        ``max(1, min(int(decay_phase_ratio * num_steps), T))``."""
        return self.decay_phase

    def to_config(self) -> dict[str, Any]:
        config = super().to_config()
        if self.decay_phase_count is not None:  # the key the section was written with
            del config["decay_phase_ratio"]
            config["decay_phase_steps"] = config.pop("decay_phase_count")
        return config

    @property
    def stable_steps(self) -> int:
        """``S = T - D``: the steps at ``start_lr`` after warmup."""
        return self.decay_length - self.decay_phase_steps

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        length, d, stable = self.decay_length, self.decay_phase, self.stable_steps
        if not is_concrete(length, d):  # traced (a stacked sweep); D >= 1 in every row
            length, d = (jnp.asarray(x).astype(t.dtype) for x in (length, d))
            stable = length - d
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        remaining = jnp.clip(length - t, 0, d)  # (1 - tau) * D, exact
        concrete = is_concrete(self.start_lr, self.stop_lr)  # then fold constants in float64
        if self.decay_type == "inverse_linear":
            # 1 / (tau / e + (1 - tau) / s0) = e * (D / (done + remaining * (e / s0))): no
            # 1 / (s0 D), which flushes to 0 for s0 D above 8.5e37, and no e D, which can
            # overflow. e / s0 may flush to 0, but only matters where done = 0 (lr = s0).
            ratio_es = self.stop_lr / self.start_lr if concrete else e / s0
            done = jnp.clip(t - stable, 0, d)
            denominator = done.astype(dtype) + remaining.astype(dtype) * as_float(ratio_es, dtype)
            lr = e * (as_float(d, dtype) / denominator)
            lr = jnp.where(done == 0, s0, jnp.clip(lr, e, s0))
            lr = jnp.where(t >= length, e, lr)  # exactly stop_lr after the decay
        elif self.decay_type == "cosine":
            lr = e + (s0 - e) * sin2_of_fraction(remaining, d, dtype)  # e at remaining = 0
        elif self.decay_type == "1-sqrt":
            lr = e + (s0 - e) * one_minus_sqrt(remaining, d, dtype)  # e at remaining = 0
        else:
            if concrete and is_concrete(d):
                slope = (self.start_lr - self.stop_lr) / d
            else:
                slope = (s0 - e) / as_float(d, dtype)
            lr = e + remaining.astype(dtype) * as_float(slope, dtype)  # e at remaining = 0
            lr = jnp.minimum(lr, s0)  # a sum that rounds past float32's maximum is s0
        return jnp.where(t < stable, s0, lr)

    def _decay_boundaries(self) -> dict[str, int]:
        return {"decay start": self.warmup_steps + self.stable_steps}


@config_type(WSD)
class WSDConfig(DeePMDKeys):
    """``wsd``: warmup, a stable phase at `start_lr`, then a final decay to `stop_lr`."""

    type: Literal["wsd"] = Field(description="The schedule type.")
    decay_phase_ratio: float | None = Field(
        None,
        gt=0,
        le=1,
        description="The final decay phase as a fraction of the total `num_steps`: "
        "`D = max(1, min(int(decay_phase_ratio * num_steps), num_steps - warmup_steps))`. "
        "0.1 when neither it nor `decay_phase_steps` is given.",
    )
    decay_phase_steps: int | None = Field(
        None,
        ge=1,
        le=INT32_MAX,
        description=f"{EXTENSION} The final decay phase `D` as a count (HF "
        "`get_wsd_schedule`'s `num_decay_steps`), `1 <= D <= num_steps - warmup_steps`. "
        "Excludes `decay_phase_ratio`.",
        json_schema_extra={"x-extension": True},
    )
    decay_type: Literal["inverse_linear", "cosine", "linear", "1-sqrt"] = Field(
        "inverse_linear",
        description="The shape of the final decay. `1-sqrt` (`1 - sqrt(tau)`, Hägele et al. "
        f"2024) is an extension: {EXTENSION}",
        json_schema_extra={"x-extension-values": ["1-sqrt"]},
    )
    cooldown: Cooldown | None = Field(
        None, description=COOLDOWN_DESCRIPTION, json_schema_extra={"x-extension": True}
    )

    @classmethod
    def _rules(cls, v: dict[str, Any], num_steps: int | None) -> Iterator[Rule]:
        yield from super()._rules(v, num_steps)
        for key in ("stop_lr", "stop_lr_ratio"):
            if v.get(key) is not None and v[key] <= 0:
                yield key, f"must be > 0 for `wsd`; got {v[key]!r}"
        count, ratio = v.get("decay_phase_steps"), v.get("decay_phase_ratio")
        if count is None:
            return
        if ratio is not None:
            yield (
                "decay_phase_steps",
                f"`decay_phase_steps` and `decay_phase_ratio` are mutually exclusive; got both "
                f"(decay_phase_steps={count!r}, decay_phase_ratio={ratio!r})",
            )
        elif num_steps is not None:
            w = cls.raw_warmup_end(v, num_steps)  # B of a batch-scaled warmup
            length = num_steps - w
            if w < num_steps or w == 0:  # else the warmup rule reports it
                if count > length:
                    yield (
                        "decay_phase_steps",
                        f"must be at most num_steps - warmup_steps ({length}); got {count}",
                    )

    def resolve(self, num_steps: int) -> WSDConfig:
        base = super().resolve(num_steps)
        if base.decay_phase_steps is None and base.decay_phase_ratio is None:
            return base.model_copy(update={"decay_phase_ratio": 0.1})
        return base

    def build(self, num_steps: int, num_workers: int = 1) -> WSD:
        r = self.resolve(num_steps)
        return WSD(
            num_steps=num_steps,
            num_workers=num_workers,
            **r.warmup_args(),
            stop_lr=r.resolved_stop_lr(),
            decay_phase_ratio=0.1 if r.decay_phase_ratio is None else r.decay_phase_ratio,
            decay_phase_count=r.decay_phase_steps,
            decay_type=r.decay_type,
        ).cooled(self.cooldown)

    def notes(self, section: Mapping[str, Any], schedule: Any) -> dict[str, str]:
        notes = super().notes(section, schedule)
        key = "decay_phase_ratio" if self.decay_phase_steps is None else "decay_phase_steps"
        notes[key] = (
            f"decay phase {schedule.decay_phase_steps:,} steps, "
            f"stable {schedule.stable_steps:,} steps"
        )
        return notes


exp = builder(ExpConfig)
cosine = builder(CosineConfig)
wsd = builder(WSDConfig)

"""The classic schedules users know from PyTorch, optax, HuggingFace and the literature.

``constant``, ``step``, ``multistep``, ``polynomial``, ``linear``, ``inverse_sqrt`` and
``cosine_restarts`` have a ``start_lr`` and the shared warmup (they subclass
:class:`~lrschedules_jax._warmup.WarmupSchedule`); ``one_cycle`` and ``cyclic`` bring their own
rising phase. Each type is one class: its keys with their defaults, bounds and descriptions, its
rules, and its formula.

Every phase boundary, staircase index and cycle index is integer arithmetic on the integer step;
only the final fraction becomes a float. Factors applied an integer number of times
(``gamma ** k``, ``cycle_decay ** i``) are held as their float32-exact logarithm pairs
(:class:`~lrschedules_jax._numerics.Factor`, private fields beside the keys as written),
evaluated with :func:`~lrschedules_jax._numerics.exp_times_int`, so they keep float32 accuracy
for any ``k`` and in stacked sweeps.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from ._deepmd import Cooldown, StableRun, wave_rules
from ._errors import ConfigError, describe
from ._jax import jax, jnp, lax, np
from ._numerics import (
    F32_MAX,
    F32_TINY,
    INT32_MAX,
    Factor,
    as_float,
    as_step,
    float32,
    float_dtype,
    int_dtype,
    is_concrete,
    ldexp_exact,
    pow_fraction,
    pow_pair,
    ratio,
    sin2_of_fraction,
    step_count,
)
from ._schedule import (
    Rule,
    Schedule,
    derived,
    leaf,
    schedule_class,
    schedule_type,
    static,
)
from ._shapes import (
    CYCLES_LIMIT,
    CycleTable,
    cos_k_factor,
    cycle_fraction,
    cycle_table,
    restart_cycle,
    restart_table,
    tanh_factor,
    warmup_factor,
    wave_phase,
)
from ._warmup import RateSchedule, StopKeys, WarmupSchedule, no_stop_hints


@schedule_type("constant")
class Constant(WarmupSchedule, StableRun):
    """A constant rate, after an optional warmup.

    .. math::
      \\mathrm{lr}(t) = s_0

    Equals optax's ``constant_schedule`` (and HuggingFace's
    ``get_constant_schedule_with_warmup`` with a warmup).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.constant(start_lr=1e-3, warmup_steps=10, num_steps=100)
      >>> round(float(sched(5)), 10), round(float(sched(50)), 10)
      (0.0005, 0.001)
    """

    key_hints: ClassVar[dict[str, str]] = no_stop_hints("the rate stays at `start_lr`")
    blocks: ClassVar[dict[str, type]] = {"cooldown": Cooldown}
    example: ClassVar[dict[str, Any]] = {"type": "constant", "start_lr": 1e-3, "warmup_steps": 500}

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return jnp.broadcast_to(as_float(self.start_lr, dtype), t.shape)


@schedule_type("step")
class Step(WarmupSchedule):
    """Step decay: multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math::
      \\mathrm{lr}(t) = s_0\\, \\gamma^{\\lfloor t / \\mathrm{step\\_size} \\rfloor}

    Equals torch's ``StepLR(step_size, gamma)`` after ``t`` calls to ``step()``
    (``ExponentialLR(gamma)`` with ``step_size=1``); ``gamma > 1`` is a rising rate.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.step(start_lr=1.0, step_size=30, gamma=0.1, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 29, 30, 60, 90)], sched.gamma
      ([1.0, 1.0, 0.1, 0.01, 0.001], 0.1)
    """

    key_hints: ClassVar[dict[str, str]] = no_stop_hints(
        "the rate falls by `gamma` every `step_size` steps, without an end rate"
    )
    example: ClassVar[dict[str, Any]] = {
        "type": "step",
        "start_lr": 1e-3,
        "step_size": 2000,
        "gamma": 0.5,
    }

    step_size: int = static(
        gt=0,
        le=INT32_MAX,
        sweep=True,
        description="The rate is multiplied by `gamma` every `step_size` steps after warmup.",
    )
    gamma: float = leaf(
        0.1,
        gt=0,
        le=F32_MAX,
        description="The factor applied at every drop; above 1 the rate rises (as torch's "
        "`StepLR` and `ExponentialLR` allow), up to float32's largest number.",
    )
    _gamma: Factor = derived(node=True)

    def _derive(self) -> None:
        super()._derive()
        _factor(self, "gamma", grows=True)

    def _below_peak(self) -> bool:
        return _falls(self.gamma)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        k = t // step_count(self.step_size, t)  # traced in a stacked sweep: the same division
        return self._gamma.power(k, dtype, scale=self.start_lr)


@schedule_type("multistep")
class MultiStep(WarmupSchedule):
    """Multiply the rate by ``gamma`` at every milestone.

    .. math::
      \\mathrm{lr}(t) = s_0\\, \\gamma^{\\#\\{m \\in \\mathrm{milestones} : m \\le t\\}}

    Equals torch's ``MultiStepLR(milestones, gamma)``: milestone ``m`` applies from step ``m``
    on (``bisect_right``). With a warmup, milestones count from its end.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.multistep(start_lr=1.0, milestones=[30, 80], gamma=0.1, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (29, 30, 79, 80)]
      [1.0, 0.1, 0.1, 0.01]
    """

    key_hints: ClassVar[dict[str, str]] = no_stop_hints(
        "the rate falls by `gamma` at every milestone, without an end rate"
    )
    example: ClassVar[dict[str, Any]] = {
        "type": "multistep",
        "start_lr": 1e-3,
        "milestones": [4000, 7000, 9000],
        "gamma": 0.3,
    }

    #: A stacked sweep holds milestones of one length as an integer array (traced: the same
    #: ``searchsorted``).
    milestones: tuple[int, ...] = static(
        sweep=True,
        items={"gt": 0, "le": INT32_MAX},
        min_length=1,
        description="Strictly increasing steps (> 0, counted from the end of warmup) at "
        "which the rate is multiplied by `gamma`; milestone `m` applies from step `m` on.",
    )
    gamma: float = leaf(
        0.1,
        gt=0,
        le=F32_MAX,
        description="The factor applied at every milestone; above 1 the rate rises.",
    )
    _gamma: Factor = derived(node=True)

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        if isinstance(out.get("milestones"), list):
            out["milestones"] = tuple(out["milestones"])
        return out

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        ms = v.get("milestones")
        if ms is None:
            return
        if not ms or not all(isinstance(m, int) and 0 < m <= INT32_MAX for m in ms):
            yield "milestones", f"must be steps in [1, {INT32_MAX}]; got {describe(list(ms))}"
        elif any(b <= a for a, b in itertools.pairwise(ms)):
            yield "milestones", f"must be strictly increasing; got {describe(list(ms))}"

    def _derive(self) -> None:
        super()._derive()
        _factor(self, "gamma", grows=True)

    def _below_peak(self) -> bool:
        return _falls(self.gamma)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        marks = jnp.asarray(self.milestones, dtype=int_dtype())
        k = jnp.searchsorted(marks, t, side="right").astype(int_dtype())
        return self._gamma.power(k, dtype, scale=self.start_lr)

    def _decay_boundaries(self) -> dict[str, int]:
        w, n = (self.warmup_steps if self.warmup_prefix else 0), self.num_steps
        return {f"milestone {i + 1}": w + m for i, m in enumerate(self.milestones) if w + m < n}


@schedule_class
class RestartKeys(StopKeys):
    """timm's cycles as optional keys (``polynomial``, ``tanh``): one cycle over the decay by
    default; with ``cycle_limit`` more, restarts every ``cycle_steps`` (growing ``cycle_mult``
    times, their peaks ``cycle_decay`` times); ``stop_lr`` from cycle ``cycle_limit`` on."""

    cycle_steps: int | None = static(
        None,
        gt=0,
        le=INT32_MAX,
        omit_default=True,
        extension=True,
        description="The length of the first cycle (timm's `t_initial`). Default: the decay "
        "length `num_steps - warmup_steps` (`num_steps` with `warmup_prefix` false).",
    )
    cycle_mult: float = static(
        1,
        ge=1,
        le=INT32_MAX,
        omit_default=True,
        extension=True,
        description="Each cycle is `cycle_mult` times longer than the one before (timm's "
        "`cycle_mul`, an integer or not).",
    )
    cycle_decay: float = leaf(
        1.0,
        gt=0,
        le=1,
        omit_default=True,
        extension=True,
        description="Each cycle's peak is `cycle_decay` times the one before (the first is "
        "`start_lr`); a peak never goes below `stop_lr`.",
    )
    cycle_limit: int = static(
        1,
        ge=0,
        le=INT32_MAX,
        omit_default=True,
        extension=True,
        description="The number of cycles (timm's `cycle_limit`): from cycle `cycle_limit` on "
        "(counted from 0) the rate stays at `stop_lr` (0: from the end of the warmup on).",
    )
    _cycle_decay: Factor = derived(node=True)

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        out["cycle_mult"] = _whole(out.get("cycle_mult"))
        return out

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        if v.get("cycle_steps") is not None:
            yield from _cycle_rules(v)

    def _derive_cycles(self) -> None:
        """Set the private logarithm pair of ``cycle_decay`` (from the type's ``_derive``)."""
        _factor(self, "cycle_decay")

    def _first_cycle(self) -> Any:
        """``cycle_steps``, or the decay length (traced in a stacked sweep of run lengths)."""
        return self.cycle_steps if self.cycle_steps is not None else self.decay_length  # type: ignore[attr-defined]

    def _restarts(self, shape: jax.Array, i: jax.Array, dtype: Any) -> jax.Array:
        """``e + max(s0 d**i - e, 0) * shape`` in cycle ``i``, ``e`` from ``cycle_limit`` on
        (the peak is never formed alone: ``s0 * shape`` times ``d**i`` in the exponent)."""
        e = as_float(self.stop_lr, dtype)
        start = as_float(self.start_lr, dtype) * shape  # type: ignore[attr-defined]
        peak_shape = self._cycle_decay.power(i, dtype, scale=start)
        lr = e + jnp.maximum(peak_shape - e * shape, 0)
        return jnp.where(i >= self.cycle_limit, e, lr)

    def _cycle_marks(self) -> dict[str, int]:
        w = self.warmup_steps if self.warmup_prefix else 0  # type: ignore[attr-defined]
        marks = _restart_marks(w, self.num_steps, self._first_cycle(), self.cycle_mult)
        names = list(marks)[: max(self.cycle_limit - 1, 0)]
        return {name: marks[name] for name in names}


@schedule_type("polynomial")
class Polynomial(WarmupSchedule, RestartKeys):
    """Polynomial decay from ``start_lr`` to ``stop_lr`` over the decay, then ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\left(1 - \\frac{\\min(t, T)}{T}\\right)^{p}

    Equals torch's ``PolynomialLR(total_iters=T, power=p)`` when ``stop_lr`` is 0, optax's
    ``polynomial_schedule`` and HuggingFace's ``get_polynomial_decay_schedule_with_warmup``.
    With ``rising`` (an extension), ``stop_lr`` is above ``start_lr``: optax's rising
    ``polynomial_schedule`` (``init_value < end_value``), the same formula, evaluated as ``s0 +
    (e - s0) (1 - (1 - q)**p)`` on the steps done.
    As timm's ``PolyLRScheduler`` (extension keys), ``k_decay = k`` makes the factor
    ``(1 - (t / T)**k)**p`` and the cycle keys restart it (``T`` is then cycle ``i``'s length,
    its peak ``start_lr * cycle_decay**i``, and ``stop_lr`` from cycle ``cycle_limit`` on).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.polynomial(start_lr=1.0, stop_lr=0.0, power=2.0, num_steps=10)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10, 20)]
      [1.0, 0.25, 0.0, 0.0]
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "polynomial",
        "start_lr": 1e-3,
        "stop_lr": 1e-5,
        "power": 2.0,
        "warmup_steps": 500,
    }

    power: float = leaf(
        1.0, gt=0, le=F32_MAX, description="The exponent of the decay (a finite float32)."
    )
    rising: bool = static(
        False,
        omit_default=True,
        extension=True,
        description="The rate rises from `start_lr` to `stop_lr`, at least `start_lr` (optax's "
        "`polynomial_schedule` with `init_value < end_value`): the same formula, with `stop_lr` "
        "above `start_lr`.",
    )
    k_decay: float = leaf(
        1.0,
        gt=0,
        le=F32_MAX,
        omit_default=True,
        extension=True,
        description="timm's `k_decay` (Zhang et al. 2020, k-decay): the factor is "
        "`(1 - q**k_decay)**power` with `q` the fraction of the cycle done.",
    )
    # What a float32 ``power`` rounds away (a traced power is a float32 number): see pow_fraction.
    power_lo: float = derived(node=True)

    def _derive(self) -> None:
        super()._derive()
        self._derive_cycles()
        if is_concrete(self.power):
            lo: Any = self.power - float32(self.power)
        else:  # arrays: a stacked schedule given to replace()
            power = np.asarray(self.power, np.float64)
            lo = power - power.astype(np.float32).astype(np.float64)
        object.__setattr__(self, "power_lo", lo)

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        rising = v.get("rising") is True
        for key, message in super().rules(v, num_steps):
            if not (rising and key == "stop_lr" and message.startswith("must be at most")):
                yield key, message  # with `rising`, stop_lr is above start_lr
        if rising:
            timm = {"k_decay": 1.0, "cycle_steps": None, "cycle_mult": 1, "cycle_decay": 1.0}
            for key, default in (timm | {"cycle_limit": 1}).items():
                if v.get(key, default) != default:
                    yield (
                        key,
                        f"is not used with `rising` (optax's rising polynomial is one rise, "
                        f"timm's keys shape a decay); got {v[key]!r}",
                    )
        start, stop = v.get("start_lr"), v.get("stop_lr")
        if start is None or stop is None:
            return
        if rising and stop < start:
            yield "stop_lr", f"must be at least `start_lr` ({start!r}) with `rising`; got {stop!r}"

    def _timm(self) -> bool:
        """Whether the schedule uses timm's keys (k_decay, cycles): else the one decay."""
        plain = self.cycle_steps is None and self.cycle_limit == 1
        return not (plain and is_concrete(self.k_decay) and float(self.k_decay) == 1.0)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        if self.rising:
            return self._rise(t, dtype)
        return self._cycles_decay(t, dtype) if self._timm() else self._fall(t, dtype)

    def _rise(self, t: jax.Array, dtype: Any) -> jax.Array:
        """``s0 + (e - s0) (1 - (1 - q) ** p)``, ``q = min(t, T) / T``, for ``e > s0`` (optax's
        rising ``polynomial_schedule``): ``1 - (1 - q) ** p`` as ``-expm1(p log(1 - q))``,
        ``log(1 - q)`` from the exact steps done (``log1p``) or left, whichever is fewer, so
        both ends keep their relative accuracy."""
        length = self.decay_length
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        if is_concrete(length):
            if length == 0:
                return jnp.full(t.shape, s0, dtype)
            size: Any = length
            total = jnp.asarray(length, dtype)
        else:
            size = jnp.maximum(jnp.asarray(length).astype(t.dtype), 1)
            total = size.astype(dtype)
        done = jnp.minimum(t, size)
        q = done.astype(dtype) / total
        if is_concrete(self.power) and float(self.power) == 1.0:
            up = q
        else:  # log(1 - q) from the end it is closer to: log1p(-done / T) or log(left / T)
            left = (size - done).astype(dtype) / total
            log_left = jnp.where(q <= 0.5, jnp.log1p(-q), jnp.log(left))
            up = -jnp.expm1(as_float(self.power, dtype) * log_left)
        lr = s0 + (e - s0) * up
        if not is_concrete(length):
            lr = jnp.where(jnp.asarray(length) == 0, s0, lr)
        return lr

    def _fall(self, t: jax.Array, dtype: Any) -> jax.Array:
        if is_concrete(self.power) and float(self.power) == 1.0:
            return self._anneal(t, dtype, ratio)  # exactly `linear`
        length = self.decay_length
        if is_concrete(length) and length == 0:  # no decay phase: start_lr, as _anneal gives
            return self._anneal(t, dtype, ratio)
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        if is_concrete(self.start_lr, self.stop_lr):
            amplitude = float(self.start_lr) - float(self.stop_lr)
        else:
            amplitude = s0 - e
        if is_concrete(length):
            remaining = jnp.maximum(length - t, 0)
            return e + pow_fraction(
                remaining, length, self.power, dtype, scale=amplitude, power_lo=self.power_lo
            )
        # Traced (a stacked sweep): the same on the integer length, start_lr when it is 0.
        length = jnp.asarray(length).astype(t.dtype)
        remaining = jnp.maximum(length - t, 0)
        lr = e + pow_fraction(
            remaining,
            jnp.maximum(length, 1),
            self.power,
            dtype,
            scale=amplitude,
            power_lo=self.power_lo,
        )
        return jnp.where(length == 0, s0, lr)

    def _cycles_decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        """timm's ``PolyLRScheduler``: ``(1 - q**k)**p`` in each cycle, restarts, the limit.

        ``1 - q**k`` is ``r`` itself for ``k = 1`` (the fraction of the cycle left, a float32
        pair), else ``-expm1(k log q)`` for ``q < 1/2`` or ``-expm1(k log1p(-r))`` (both ends
        without cancellation); the power is applied to the pair as in ``pow_fraction``.
        """
        first = self._first_cycle()
        s0 = as_float(self.start_lr, dtype)
        if is_concrete(first) and first == 0:  # no decay phase: start_lr
            return jnp.full(t.shape, s0, dtype)
        size = first if is_concrete(first) else jnp.maximum(jnp.asarray(first), 1)
        i, r_hi, r_lo = cycle_fraction(t, size, self.cycle_mult, dtype)
        k = self.k_decay
        if not (is_concrete(k) and float(k) == 1.0):
            kk = as_float(k, dtype)
            r = r_hi + r_lo
            q = 1 - r
            with_q = -jnp.expm1(kk * jnp.log(jnp.maximum(q, jnp.finfo(dtype).tiny)))
            with_r = -jnp.expm1(kk * jnp.log1p(-jnp.minimum(r, 0.5)))
            u = jnp.where(q < 0.5, with_q, with_r)
            if is_concrete(k):
                r_hi, r_lo = jnp.where(q > 0, u, 1.0), jnp.zeros_like(u)
            else:  # traced (a jit argument, a stack): k = 1 keeps the exact pair
                plain = jnp.asarray(k) == 1
                r_hi = jnp.where(plain, r_hi, jnp.where(q > 0, u, 1.0))
                r_lo = jnp.where(plain, r_lo, 0.0)
        if dtype == jnp.float64:
            shape = jnp.power(r_hi + r_lo, as_float(self.power, dtype))
        else:
            shape = pow_pair(r_hi, r_lo, self.power, r_hi > 0, power_lo=self.power_lo)
        lr = self._restarts(shape, i.astype(int_dtype()), dtype)
        return lr if is_concrete(first) else jnp.where(jnp.asarray(first) == 0, s0, lr)

    def _decay_boundaries(self) -> dict[str, int]:
        return self._cycle_marks() if self._timm() else {}


@schedule_type("linear")
class Linear(WarmupSchedule, StopKeys):
    """Linear decay from ``start_lr`` to ``stop_lr`` over the decay, then ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\left(1 - \\frac{\\min(t, T)}{T}\\right)

    ``polynomial`` with power 1; with ``stop_lr`` 0 it equals HuggingFace's
    ``get_linear_schedule_with_warmup`` and optax's ``linear_schedule``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.linear(start_lr=1.0, stop_lr=0.1, num_steps=10)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10)]
      [1.0, 0.55, 0.1]
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "linear",
        "start_lr": 1e-3,
        "stop_lr": 0.0,
        "warmup_steps": 500,
    }

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        return self._anneal(t, dtype, ratio)


@schedule_type("inverse_sqrt")
class InverseSqrt(WarmupSchedule, StopKeys):
    """Inverse square-root decay (the Transformer/Noam schedule), optionally floored.

    .. math::
      \\mathrm{lr}(t) = \\max\\left(s_0 \\sqrt{\\frac{\\tau}{t + \\tau}},\\ e\\right)

    ``tau = timescale``, by default ``warmup_steps`` if it is > 0, else 10000. Equals
    HuggingFace's ``get_inverse_sqrt_schedule(num_warmup_steps, timescale)`` (no floor).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.inverse_sqrt(start_lr=1.0, warmup_steps=100, num_steps=1000)
      >>> [round(float(sched(s)), 6) for s in (50, 100, 400)]
      [0.5, 1.0, 0.5]
    """

    stop_required: ClassVar[bool] = False
    example: ClassVar[dict[str, Any]] = {
        "type": "inverse_sqrt",
        "start_lr": 1e-3,
        "warmup_steps": 1000,
    }

    #: May be traced (a stacked sweep): the same float formula.
    timescale: int | None = static(
        None,
        gt=0,
        le=INT32_MAX,
        sweep=True,
        description="The decay's time scale in steps: the rate halves `3 * timescale` steps "
        "after warmup. Default: `warmup_steps` if it is > 0, else 10000.",
    )

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        w = out.get("warmup_steps")
        if out.get("timescale") is None and w is not None:
            out["timescale"] = w if w > 0 else 10000  # B of a batch-scaled warmup
        return out

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        s0 = as_float(self.start_lr, dtype)
        ts = as_float(self.timescale, dtype)
        lr = s0 * jnp.sqrt(ts / (t.astype(dtype) + ts))
        return jnp.maximum(lr, as_float(self.stop_lr, dtype))


@schedule_type("inverse_time")
class InverseTime(WarmupSchedule, StopKeys):
    """Inverse time decay (Keras' ``InverseTimeDecay``), optionally floored at ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = \\max\\left(\\frac{s_0}{1 + r\\, n / d},\\ e\\right), \\qquad
      n = t \\;(\\texttt{smooth}) \\;\\text{or}\\; d \\lfloor t / d \\rfloor

    with ``r = decay_rate`` and ``d = decay_steps``: Keras'
    ``InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=not smooth)``.
    The denominator is formed without overflow: for ``c = r / d > 1`` (or ``r > 1`` in stairs)
    the rate is ``(s0 / c) / (1 / c + n)``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.inverse_time(start_lr=1.0, decay_steps=10, decay_rate=0.5, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 10, 20, 100)]
      [1.0, 0.666667, 0.5, 0.166667]
    """

    stop_required: ClassVar[bool] = False
    example: ClassVar[dict[str, Any]] = {
        "type": "inverse_time",
        "start_lr": 1e-3,
        "decay_steps": 1000,
        "decay_rate": 0.5,
        "warmup_steps": 500,
    }

    decay_steps: int = static(
        gt=0,
        le=INT32_MAX,
        sweep=True,
        description="The steps over which the denominator grows by `decay_rate`.",
    )
    decay_rate: float = leaf(
        ge=0, le=F32_MAX, description="How fast the rate falls: `1 + decay_rate * t / decay_steps`."
    )
    smooth: bool = static(
        True,
        description="Decay at every step (`t / decay_steps`, Keras' default) instead of in "
        "stairs (`t // decay_steps`, Keras' `staircase=True`).",
    )

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        d = step_count(self.decay_steps, t)
        n = t if self.smooth else lax.div(t, jnp.asarray(d, t.dtype))  # t >= 0
        if is_concrete(self.decay_rate, self.decay_steps):
            c: Any = float(self.decay_rate) / (self.decay_steps if self.smooth else 1)
            big = c > 1
        else:  # traced (a stacked sweep): both forms, selected per row
            c = as_float(self.decay_rate, dtype)
            if self.smooth:
                c = c / as_float(d, dtype)
            big = c > 1
        s0, nf = as_float(self.start_lr, dtype), n.astype(dtype)
        small_form = s0 / (1 + as_float(c, dtype) * nf)
        if is_concrete(big) and not big:
            lr = small_form
        else:  # (s0 / c) / (1 / c + n): no c * n past float32's maximum
            inverse = 1 / as_float(c, dtype)
            big_form = (s0 * inverse) / (inverse + nf)
            lr = big_form if is_concrete(big) else jnp.where(big, big_form, small_form)
        lr = jnp.where(n == 0, s0, lr)
        return jnp.maximum(lr, as_float(self.stop_lr, dtype))


@schedule_type("cosine_restarts")
class CosineRestarts(WarmupSchedule, StopKeys):
    """Cosine annealing with warm restarts (SGDR).

    .. math::
      \\mathrm{lr}(t) = e + \\max(s_0 d^{i} - e, 0)\\, \\frac{1 + \\cos(\\pi t_i / L_i)}{2},
      \\qquad L_i = c\\, m^{i}

    where cycle ``i`` starts at ``c (m^i - 1) / (m - 1)`` (``c i`` if ``m = 1``) and ``t_i``
    is the step within it; ``c = cycle_steps``, ``m = cycle_mult``, ``d = cycle_decay``. The
    cycles go on past ``num_steps``. Equals torch's ``CosineAnnealingWarmRestarts(T_0=c,
    T_mult=m, eta_min=e)`` when ``d = 1``. As timm's ``CosineLRScheduler``, ``k_decay = k``
    runs each cycle as ``(1 + cos(pi q**k)) / 2`` (``q = t_i / L_i``), and from cycle
    ``cycle_limit`` on the rate stays at ``stop_lr``. The cycle index is found by integer
    comparison with the exact cycle starts.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.cosine_restarts(start_lr=1.0, stop_lr=0.0, cycle_steps=10, cycle_mult=2,
      ...                             num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10, 20, 30)]
      [1.0, 0.5, 1.0, 0.5, 1.0]
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "cosine_restarts",
        "start_lr": 1e-3,
        "stop_lr": 1e-5,
        "cycle_steps": 1000,
        "cycle_mult": 2,
        "cycle_decay": 0.7,
    }

    #: ``cycle_steps``, ``cycle_mult`` and an int ``cycle_limit`` may be traced (a stacked
    #: sweep): the cycle table is then built in-graph (``_shapes.restart_cycle``).
    cycle_steps: int | None = static(
        None,
        gt=0,
        le=INT32_MAX,
        sweep=True,
        omit_default=True,
        description="The length of the first cycle (torch's `T_0`). Required unless "
        "`num_cycles` is given.",
    )
    cycle_mult: float = static(
        1,
        ge=1,
        le=INT32_MAX,
        sweep=True,
        description="Each cycle is `cycle_mult` times longer than the one before (torch's "
        "`T_mult`). A number that is not an integer (timm's float `cycle_mul`) makes cycles of "
        "real lengths `cycle_steps * cycle_mult**i`; it may differ in a stack only between "
        "integers.",
    )
    cycle_decay: float = leaf(
        1.0,
        gt=0,
        le=1,
        description="Each cycle's peak is `cycle_decay` times the one before (the first is "
        "`start_lr`); a peak never goes below `stop_lr`.",
    )
    cycle_limit: int | None = static(
        None,
        ge=1,
        le=INT32_MAX,
        sweep=True,
        omit_default=True,
        extension=True,
        description="timm's `cycle_limit`: from cycle `cycle_limit` on (cycles counted from 0) "
        "the rate stays at `stop_lr`. Not given: the cycles go on forever (torch's SGDR).",
    )
    k_decay: float = leaf(
        1.0,
        ge=F32_TINY,
        le=F32_MAX,
        omit_default=True,
        extension=True,
        description="timm's `k_decay`: each cycle runs `(1 + cos(pi * q**k_decay)) / 2` with "
        "`q` the fraction of the cycle done; a normal float32 number (> 0), which the traced "
        "formula multiplies by log(q).",
    )
    num_cycles: float | None = static(
        None,
        gt=0,
        le=CYCLES_LIMIT - 1,
        omit_default=True,
        extension=True,
        description="Hugging Face's hard restarts (`cosine_with_restarts`): `num_cycles` cycles "
        "of equal real length `T / num_cycles` over the decay, each a half cosine from "
        "`start_lr` to `stop_lr`, then `stop_lr` from `num_steps` on. Excludes `cycle_steps` "
        "(and `cycle_mult`, `cycle_decay`, `cycle_limit`, `k_decay`). A fraction `p / q` with "
        "`p, q < 32768`.",
    )
    _cycle_decay: Factor = derived(node=True)
    #: The exact cycle table of a float ``cycle_mult`` (None for an integer): stacks of
    #: different tables are refused, since a traced ``cycle_mult`` is an integer.
    cycle_table: CycleTable | None = derived()

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        out["cycle_mult"] = _whole(out.get("cycle_mult"))
        return out

    @classmethod
    def input_rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().input_rules(v, num_steps)
        if "cycle_steps" not in v or "num_cycles" not in v:  # one of them is invalid: reported
            return
        steps, cycles = v.get("cycle_steps"), v.get("num_cycles")
        if steps is None and cycles is None:
            yield (
                "cycle_steps",
                "is required (the first cycle's length), unless `num_cycles` (Hugging Face's "
                "hard restarts) is given",
            )
        elif steps is not None and cycles is not None:
            yield (
                "num_cycles",
                f"`cycle_steps` and `num_cycles` are mutually exclusive; got both "
                f"(cycle_steps={steps!r}, num_cycles={cycles!r})",
            )
        elif cycles is not None:
            defaults = {"cycle_mult": 1, "cycle_decay": 1.0, "cycle_limit": None, "k_decay": 1.0}
            for key, default in defaults.items():
                if v.get(key, default) != default:
                    yield (
                        key,
                        f"is not used with `num_cycles` (Hugging Face's hard restarts are "
                        f"cycles of one length and one peak); got {v[key]!r}",
                    )

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        if v.get("cycle_steps") is not None:
            yield from _cycle_rules(v)
        w = v.get("warmup_steps")
        if num_steps is not None and w is not None and is_concrete(num_steps, w):
            yield from wave_rules(v.get("num_cycles"), max(1, num_steps - w), "T")

    def _derive(self) -> None:
        super()._derive()
        _factor(self, "cycle_decay")
        _set_cycle_table(self)

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        if self.num_cycles is not None:
            return self._hard_restarts(t, dtype)
        i, done, remaining, length = restart_cycle(t, self.cycle_steps, self.cycle_mult, dtype)
        i = i.astype(int_dtype())
        e = as_float(self.stop_lr, dtype)
        shape = cos_k_factor(done, remaining, length, self.k_decay, dtype)
        # (peak - e) * shape with peak = start_lr * cycle_decay ** i, the peak never formed
        # alone: it may flush to 0 where peak * shape is normal (stop_lr 0).
        start = as_float(self.start_lr, dtype) * shape
        peak_shape = self._cycle_decay.power(i, dtype, scale=start)
        lr = e + jnp.maximum(peak_shape - e * shape, 0)
        if self.cycle_limit is not None:
            lr = jnp.where(i >= step_count(self.cycle_limit, i), e, lr)
        return lr

    def _hard_restarts(self, t: jax.Array, dtype: Any) -> jax.Array:
        """Hugging Face's ``cosine_with_restarts``: ``e + (s0 - e) (1 + cos(pi frac(c t /
        T))) / 2`` for ``t < T``, then ``e``; ``frac(c t / T) = r / m`` exactly, the factor
        ``sin(pi / 2 * (m - r) / m) ** 2`` on the exact integer ``m - r``."""
        length = self.decay_length  # HF's max(1, N - W)
        if not is_concrete(length):
            length = jnp.maximum(jnp.asarray(length).astype(t.dtype), 1)
        else:
            length = max(length, 1)
        r, m = wave_phase(t, self.num_cycles, length)
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        left = jnp.asarray(m, jnp.uint32) - r  # m may pass int32 (num_cycles 0.5: 2 T)
        lr = e + (s0 - e) * sin2_of_fraction(left, m, dtype)
        return jnp.where(t >= length, e, lr)

    def _decay_boundaries(self) -> dict[str, int]:
        w, n, first = self.warmup_steps, self.num_steps, self.cycle_steps
        if self.num_cycles is not None:
            cycles = self.num_cycles
            length = max(n - w, 1)
            count = math.ceil(cycles) - 1
            if count > 10:
                return {}
            return {f"restart {i}": w + math.ceil(i * length / cycles) for i in range(1, count + 1)}
        w = w if self.warmup_prefix else 0
        return _restart_marks(w, n, first, self.cycle_mult)


def _restart_marks(w: int, n: int, first: int, mult: Any) -> dict[str, int]:
    """The restarts of cycles of ``first`` steps growing ``mult`` times, after ``w`` steps and
    before ``n``, by name (none past ten)."""
    if mult == 1:
        count = (n - w - 1) // first  # restarts before num_steps
        starts = [first * k for k in range(1, count + 1)] if count <= 10 else []
    elif float(mult).is_integer():
        starts = restart_table(first, int(mult))[0][1:]
    else:
        starts = list(cycle_table(first, float(mult)).starts[1:])
    restarts = [w + s for s in starts if w + s < n]
    if len(restarts) > 10:
        return {}
    return {f"restart {i + 1}": s for i, s in enumerate(restarts)}


def _whole(mult: Any) -> Any:
    """A concrete ``cycle_mult`` that is an integer as an int (a float one as it is)."""
    if isinstance(mult, float) and mult.is_integer() and mult <= INT32_MAX:
        return int(mult)
    return mult


def _cycle_rules(v: Mapping[str, Any]) -> Iterator[Rule]:
    """A float ``cycle_mult`` must start at most ``MAX_CYCLES`` cycles below 2**31."""
    first, mult = v.get("cycle_steps"), v.get("cycle_mult")
    if not is_concrete(first, mult) or float(mult).is_integer():
        return
    try:
        cycle_table(int(first), float(mult))
    except ValueError as exc:
        yield "cycle_mult", f"is too close to 1 for these cycles: {exc}"


def _set_cycle_table(schedule: Any, first: Any = None) -> None:
    """Set ``cycle_table`` for a concrete float ``cycle_mult`` (else None)."""
    first = schedule.cycle_steps if first is None else first
    mult = schedule.cycle_mult
    table = None
    if is_concrete(first, mult) and not float(mult).is_integer():
        table = cycle_table(int(first), float(mult))
    object.__setattr__(schedule, "cycle_table", table)


@schedule_type("tanh")
class Tanh(WarmupSchedule, RestartKeys):
    """Hyperbolic-tangent decay (Hsueh et al. 2019), with timm's restarts.

    .. math::
      \\mathrm{lr}(t) = e + \\max(s_0 d^{i} - e, 0)\\,
      \\frac{1 - \\tanh(l + (u - l)\\, t_i / L_i)}{2} \\quad (i < \\mathrm{cycle\\_limit}),
      \\qquad e \\text{ after}

    with ``l = lb``, ``u = ub``, ``d = cycle_decay`` and cycle ``i`` of length ``L_i = c m**i``
    (``c = cycle_steps``, by default the decay length ``T``; ``m = cycle_mult``, which may be
    a float) starting at ``c (m**i - 1) / (m - 1)``; ``t_i`` is the step within it. Equals
    timm's ``TanhLRScheduler(t_initial=c, lb, ub, lr_min=e, cycle_mul=m, cycle_decay,
    cycle_limit)``; with ``warmup_prefix=False`` the warmup ends at the tanh's value at
    ``warmup_steps`` (timm's), so the rate is continuous there.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.tanh(start_lr=1.0, num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 50, 70, 99, 100)]
      [0.999999, 0.982014, 0.5, 0.003018, 0.0]
    """

    stop_required: ClassVar[bool] = False
    example: ClassVar[dict[str, Any]] = {
        "type": "tanh",
        "start_lr": 1e-3,
        "stop_lr": 1e-5,
        "warmup_steps": 500,
    }

    lb: float = static(
        -7.0,
        ge=-1e4,
        le=1e4,
        description="The tanh's argument at the start of a cycle (timm's `lb`): the factor "
        "starts at `(1 - tanh(lb)) / 2` (0.9999992 for -7).",
    )
    ub: float = static(
        3.0,
        ge=-1e4,
        le=1e4,
        description="The tanh's argument at the end of a cycle (timm's `ub`), above `lb`: the "
        "factor ends near `(1 - tanh(ub)) / 2` (0.0025 for 3).",
    )

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        lb, ub = v.get("lb"), v.get("ub")
        if lb is not None and ub is not None and not lb < ub:
            yield "ub", f"must be above `lb` ({lb!r}); got {ub!r}"

    def _derive(self) -> None:
        super()._derive()
        self._derive_cycles()

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        first = self._first_cycle()
        if is_concrete(first) and first == 0:  # no decay phase: start_lr, as _anneal gives
            return jnp.full(t.shape, as_float(self.start_lr, dtype), dtype)
        size = first if is_concrete(first) else jnp.maximum(jnp.asarray(first), 1)
        i, r_hi, r_lo = cycle_fraction(t, size, self.cycle_mult, dtype)
        shape = tanh_factor(r_hi, r_lo, self.lb, self.ub, dtype)
        lr = self._restarts(shape, i.astype(int_dtype()), dtype)
        if is_concrete(first):
            return lr
        return jnp.where(jnp.asarray(first) == 0, as_float(self.start_lr, dtype), lr)

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        lr = super()._value(step, dtype)
        w = step_count(self.warmup_steps, step)
        if self.warmup_prefix or (is_concrete(w) and w == 0):
            return lr
        # timm's TanhLRScheduler ends an overlaid warmup at its rate at warmup_t, not at the
        # peak: a + (lr(w) - a) g(step / w), g the warmup shape.
        block = self.batch_scaling
        if is_concrete(w) and (block is None or is_concrete(block.gap)):
            length: Any = self.warmup_length
        elif block is None:
            length = jnp.maximum(w, 1)
        else:
            end, gap = block.traced_length(jnp.maximum(w, 1), dtype)
            length = (end, gap) if self.warmup_type == "1-sqrt" else end.astype(dtype) - gap
        g = warmup_factor(self.warmup_type, jnp.minimum(step, w), length, dtype)
        a = as_float(self.start_lr, dtype) * as_float(self.warmup_start_factor, dtype)
        target = self._decay(jnp.full(step.shape, w, step.dtype), dtype)
        return jnp.where(step < w, a + (target - a) * g, lr)

    def _decay_boundaries(self) -> dict[str, int]:
        return self._cycle_marks()


def _one_cycle_phases(
    num_steps: int, pct_start: float, three_phase: bool
) -> list[tuple[float, float, str, str]]:
    """torch's phases ``(start_step, end_step, from, to)``, end steps computed as torch does."""
    n = num_steps
    if three_phase:
        return [
            (0.0, float(pct_start * n) - 1, "initial", "max"),
            (float(pct_start * n) - 1, float(2 * pct_start * n) - 2, "max", "initial"),
            (float(2 * pct_start * n) - 2, float(n - 1), "initial", "min"),
        ]
    return [
        (0.0, float(pct_start * n) - 1, "initial", "max"),
        (float(pct_start * n) - 1, float(n - 1), "max", "min"),
    ]


_CYCLE_MOMENTUM = (
    "Whether `momentum_schedule()` is available: the momentum (SGD) or `b1` (Adam) cycling "
    "inversely to the rate, as PyTorch's `cycle_momentum`. It never changes the rate."
)
_ONE_CYCLE_FINAL = "it ends at `max_lr / div_factor / final_div_factor`: set `final_div_factor`."
_NO_BATCH_SCALING = (
    "the large-batch rule is for the types with a warmup (`warmup_steps`); scale `max_lr` "
    "(and `base_lr`) by the batch ratio yourself."
)
_ONE_CYCLE_WARMUP = (
    "it warms up by itself from `max_lr / div_factor` to `max_lr` over its first "
    "`pct_start * num_steps` steps: set `pct_start` and `div_factor`."
)


def _momentum_rules(v: Mapping[str, Any]) -> Iterator[Rule]:
    low, high = v.get("base_momentum"), v.get("max_momentum")
    if low is not None and high is not None and low > high:
        yield "max_momentum", f"must be at least `base_momentum` ({low!r}); got {high!r}"


@schedule_type("one_cycle")
class OneCycle(RateSchedule):
    """The 1cycle policy (Smith): up from ``max_lr / div_factor`` to ``max_lr``, then down.

    .. math::
      \\mathrm{anneal}(a, b, q) = b + \\frac{a - b}{2}(1 + \\cos \\pi q)
      \\quad\\text{or}\\quad a + (b - a) q

    over torch's phases: to step ``pct_start * N - 1`` from ``max_lr / div_factor`` up to
    ``max_lr``, then to step ``N - 1`` down to ``max_lr / div_factor / final_div_factor``
    (with ``three_phase``: down to ``max_lr / div_factor`` at step ``2 pct_start N - 2``,
    then to the minimum). Equals torch's ``OneCycleLR(max_lr, total_steps=N, ...)`` for every
    step below ``N``, and holds the final value from then on.

    A phase from ``a`` to ``b`` over the float steps ``(start, end]`` is evaluated on the exact
    distance of the integer step to the end the rate is closer to: ``a + (b - a) * f(done / L)``
    when rising, ``b + (a - b) * f(remaining / L)`` when falling, ``f(q) = sin(pi/2 q)**2`` or
    ``q``. This is torch's ``end + (start - end) / 2 * (1 + cos(pi * pct))`` without cancellation.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.one_cycle(max_lr=1.0, num_steps=100, pct_start=0.5, div_factor=10.0,
      ...                       final_div_factor=100.0, anneal_strategy="linear")
      >>> [round(float(sched(s)), 6) for s in (0, 49, 99, 200)]
      [0.1, 1.0, 0.001, 0.001]
    """

    min_num_steps: ClassVar[int] = 1  # torch's OneCycleLR needs total_steps > 0
    key_hints: ClassVar[dict[str, str]] = {
        "start_lr": "it starts at `max_lr / div_factor`: set `max_lr` and `div_factor`.",
        "stop_lr": _ONE_CYCLE_FINAL,
        "stop_lr_ratio": _ONE_CYCLE_FINAL,
        "warmup_steps": _ONE_CYCLE_WARMUP,
        "warmup_ratio": _ONE_CYCLE_WARMUP,
        "warmup_start_factor": _ONE_CYCLE_WARMUP,
        "batch_scaling": _NO_BATCH_SCALING,
    }
    example: ClassVar[dict[str, Any]] = {"type": "one_cycle", "max_lr": 1e-3, "pct_start": 0.25}

    max_lr: float = leaf(gt=0, rate=True, description="The peak rate.")
    pct_start: float = static(
        0.3,
        ge=0,
        le=1,
        sweep=True,
        description="The fraction of `num_steps` spent rising to `max_lr` (at most 0.5 with "
        "`three_phase`).",
    )
    div_factor: float = leaf(
        25.0, ge=1, le=F32_MAX, description="The rate starts at `max_lr / div_factor`."
    )
    final_div_factor: float = leaf(
        1e4,
        ge=1,
        le=F32_MAX,
        description="The rate ends at `max_lr / div_factor / final_div_factor`.",
    )
    anneal_strategy: Literal["cos", "linear"] = static(
        "cos", description="The shape of every phase: cosine or linear."
    )
    three_phase: bool = static(
        False,
        description="Fall back to `max_lr / div_factor` as fast as the rate rose, then anneal "
        "to the minimum in a third phase (the original paper's policy).",
    )
    cycle_momentum: bool = static(True, description=_CYCLE_MOMENTUM)
    base_momentum: float = leaf(
        0.85, ge=0, lt=1, description="The lowest momentum, where the rate peaks."
    )
    max_momentum: float = leaf(
        0.95, ge=0, lt=1, description="The highest momentum, at the start and the end."
    )
    #: ``P = pct_start * num_steps`` (float64, as torch computes it), where the first phase
    #: ends (at ``P - 1``) and every other end comes from: its integer part and its fraction.
    rise_whole: int = derived()
    rise_frac: float = derived()

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        pct = v.get("pct_start")
        if v.get("three_phase") and pct is not None and pct > 0.5:
            yield (
                "pct_start",
                f"must be at most 0.5 with `three_phase` (the first two phases take "
                f"`2 * pct_start` of the steps); got {pct!r}",
            )
        yield from _momentum_rules(v)

    @classmethod
    def rates(cls, v: Mapping[str, Any]) -> dict[str, tuple[str, float]]:
        top, div, final = v.get("max_lr"), v.get("div_factor"), v.get("final_div_factor")
        if top is None or div is None or final is None:
            return {}
        lowest = top / div / final
        return {"max_lr": ("`max_lr / div_factor / final_div_factor`", lowest)}

    def _derive(self) -> None:
        super()._derive()
        if is_concrete(self.pct_start, self.num_steps):
            p = float(self.pct_start * self.num_steps)
            whole: Any = math.floor(p)
        else:  # arrays: a stacked schedule given to replace()
            p = np.asarray(self.pct_start, np.float64) * np.asarray(self.num_steps, np.float64)
            whole = np.floor(p).astype(np.int32)
        object.__setattr__(self, "rise_whole", whole)
        object.__setattr__(self, "rise_frac", p - whole)  # exact

    def momentum_schedule(self) -> Momentum:
        """The momentum torch's ``OneCycleLR(cycle_momentum=True)`` sets at every step.

        SGD's ``momentum`` or Adam's ``b1``: ``max_momentum`` down to ``base_momentum`` while
        the rate rises, back up while it falls (``three_phase``: back up in the second phase,
        constant ``max_momentum`` in the third), with the rate's phases and anneal strategy;
        ``max_momentum`` from ``num_steps`` on. Never scaled by the workers.

        Raises:
          ConfigError: if ``cycle_momentum`` is false.

        Examples:
          >>> import lrschedules_jax as lrs
          >>> s = lrs.one_cycle(max_lr=1.0, num_steps=100, pct_start=0.5,
          ...                   anneal_strategy="linear")
          >>> m = s.momentum_schedule()
          >>> [round(float(m(k)), 6) for k in (0, 49, 99)]
          [0.95, 0.85, 0.95]
        """
        return Momentum.of(self)

    def _momentum(self, step: jax.Array, dtype: Any) -> jax.Array:
        low, high = as_float(self.base_momentum, dtype), as_float(self.max_momentum, dtype)
        return self._curve(step, {"initial": high, "max": low, "min": high}, dtype)

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        peak = as_float(self.max_lr, dtype)
        if is_concrete(self.max_lr, self.div_factor, self.final_div_factor):
            initial_value = float(self.max_lr) / float(self.div_factor)
            initial = as_float(initial_value, dtype)
            low = as_float(initial_value / float(self.final_div_factor), dtype)
        else:
            initial = peak / as_float(self.div_factor, dtype)
            # Not initial / final_div_factor: XLA rewrites (a / b) / c as a / (b * c), and
            # b * c overflows to inf above 3.4e38. Dividing by the mantissa of c and applying
            # its exponent exactly cannot be rewritten so. The mantissa is taken in [1, 2)
            # (c >= 1: the exponent is then >= 0), so that initial / mantissa <= initial never
            # overflows (a mantissa in [0.5, 1) doubled max_lr 2e38 to inf: NaN when traced).
            mant, expo = jnp.frexp(as_float(self.final_div_factor, dtype))
            low = initial / (mant * 2)
            expo = expo - 1
            low = jnp.ldexp(low, -expo) if dtype == jnp.float64 else ldexp_exact(low, -expo)
        return self._curve(step, {"max": peak, "initial": initial, "min": low}, dtype)

    def _curve(self, step: jax.Array, rates: dict[str, jax.Array], dtype: Any) -> jax.Array:
        """The phases between the values ``rates`` (``initial``, ``max``, ``min``)."""
        n = step_count(self.num_steps, step)
        s = jnp.minimum(step, n - 1)
        phases = self._phases(step.dtype, dtype)
        values = [self._phase(s, *phase, rates, dtype) for phase in phases]
        conditions = [s <= last for last, *_ in phases[:-1]]
        lr = jnp.select(conditions, values[:-1], values[-1]) if conditions else values[-1]
        return jnp.where(step >= n, rates["min"], lr)

    def _phases(self, int_type: Any, dtype: Any) -> list[tuple[Any, Any, Any, str, str]]:
        """Every phase as ``(last, end - last, length, from, to)``: ``last = floor(end)``.

        With concrete counts, from torch's float64 phase ends. Traced (a stacked sweep), from
        ``P = rise_whole + rise_frac`` in integer arithmetic and the float fraction: the first
        end is ``P - 1``, the second ``2 P - 2`` (``three_phase``), the last ``N - 1``.
        """
        if is_concrete(self.num_steps, self.pct_start):
            phases = _one_cycle_phases(self.num_steps, self.pct_start, self.three_phase)
            return [
                (math.floor(end), end - math.floor(end), end - start, a, b)
                for start, end, a, b in phases
            ]
        n = jnp.asarray(self.num_steps).astype(int_type)
        whole = jnp.asarray(self.rise_whole).astype(int_type)
        frac = as_float(self.rise_frac, dtype)
        rise = (whole - 1).astype(dtype) + frac  # P - 1
        out = [(whole - 1, frac, rise, "initial", "max")]
        if self.three_phase:  # 2 P - 2 = (2 whole - 2 + carry) + (2 frac - carry)
            carry = frac >= 0.5
            last = 2 * whole - 2 + carry.astype(int_type)
            out.append((last, 2 * frac - carry.astype(dtype), rise, "max", "initial"))
            tail = (n - 2 * whole).astype(dtype) + (1 - 2 * frac)  # N + 1 - 2 P
        else:
            tail = (n - whole).astype(dtype) - frac  # N - P
        out.append((n - 1, jnp.zeros((), dtype), tail, out[-1][-1], "min"))
        return out

    def _phase(
        self,
        s: jax.Array,
        last: Any,
        end_frac: Any,
        length: Any,
        a: str,
        b: str,
        rates: dict[str, jax.Array],
        dtype: Any,
    ) -> jax.Array:
        """One phase from ``a`` to ``b``, ending at ``last + end_frac``, over ``length`` steps.

        Where no step lies strictly inside (``length <= 0`` or an end below 0), its end value
        ``b``; traced, the same by ``jnp.where`` (the length divided by is then 1).
        """
        concrete = is_concrete(last, length)
        if concrete and (length <= 0 or last < 0):
            return jnp.broadcast_to(rates[b], s.shape)
        inside = None if concrete else (length > 0) & (last >= 0)
        if not concrete:
            length = jnp.where(inside, length, 1)
        rising = (a, b) == ("initial", "max")
        if rising:  # the first phase starts at step 0: done = s
            frac = s.astype(dtype) / as_float(length, dtype)
        else:  # remaining = (last - s) + (end - last), exactly
            remaining = jnp.maximum(last - s, 0).astype(dtype) + as_float(end_frac, dtype)
            frac = remaining / as_float(length, dtype)
        frac = jnp.minimum(frac, 1)
        if self.anneal_strategy == "cos":
            shape = jnp.square(jnp.sin(jnp.asarray(math.pi / 2, dtype) * frac))
        else:
            shape = frac
        lo, hi = (rates[a], rates[b]) if rising else (rates[b], rates[a])
        lr = lo + (hi - lo) * shape
        return lr if inside is None else jnp.where(inside, lr, rates[b])

    def boundaries(self) -> dict[str, int]:
        phases = _one_cycle_phases(self.num_steps, self.pct_start, self.three_phase)
        marks = {"peak": phases[0][1]}
        if self.three_phase:
            marks["annealing start"] = phases[1][1]
        out = {k: math.floor(v) for k, v in marks.items() if 0 <= v < self.num_steps}
        return {**out, "end": self.num_steps}


_CYCLIC_WARMUP = "it has no warmup: every cycle rises from `base_lr` over `step_size_up` steps."
_CYCLIC_RANGE = "it cycles between `base_lr` and `max_lr`"


@schedule_type("cyclic")
class Cyclic(RateSchedule):
    """Cyclical learning rates (Smith): triangles between ``base_lr`` and ``max_lr``.

    .. math::
      \\mathrm{lr}(s) = b + (M - b)\\, h(s)\\, \\sigma(s)

    where ``h`` rises linearly from 0 to 1 over ``step_size_up`` steps and falls back over
    ``step_size_down`` steps, and ``sigma`` is 1 (``triangular``), ``1 / 2 ** (cycle - 1)``
    (``triangular2``) or ``gamma ** s`` (``exp_range``). The cycles go on past ``num_steps``.
    Equals torch's ``CyclicLR(base_lr, max_lr, step_size_up, step_size_down, mode, gamma)``;
    :meth:`momentum_schedule` is the momentum it sets. The position in the cycle is the exact
    integer ``step % (step_size_up + step_size_down)``.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.cyclic(base_lr=0.1, max_lr=1.0, step_size_up=10, mode="triangular2",
      ...                    num_steps=100)
      >>> [round(float(sched(s)), 6) for s in (0, 5, 10, 20, 30)]
      [0.1, 0.55, 1.0, 0.1, 0.55]
    """

    key_hints: ClassVar[dict[str, str]] = {
        "start_lr": _CYCLIC_RANGE + ": set `base_lr` and `max_lr`.",
        "stop_lr": _CYCLIC_RANGE + ", without an end rate.",
        "stop_lr_ratio": _CYCLIC_RANGE + ", without an end rate.",
        "warmup_steps": _CYCLIC_WARMUP,
        "warmup_ratio": _CYCLIC_WARMUP,
        "warmup_start_factor": _CYCLIC_WARMUP,
        "batch_scaling": _NO_BATCH_SCALING,
    }
    example: ClassVar[dict[str, Any]] = {
        "type": "cyclic",
        "base_lr": 1e-4,
        "max_lr": 1e-3,
        "step_size_up": 1000,
        "mode": "triangular2",
    }

    base_lr: float = leaf(
        ge=0, rate=True, description="The lower rate, at the start of every cycle."
    )
    max_lr: float = leaf(
        gt=0,
        rate=True,
        description="The upper rate, at least `base_lr`, reached after `step_size_up`.",
    )
    step_size_up: int = static(
        2000, gt=0, le=INT32_MAX, sweep=True, description="Steps from `base_lr` up to `max_lr`."
    )
    step_size_down: int | None = static(
        None,
        gt=0,
        le=INT32_MAX,
        sweep=True,
        description="Steps from `max_lr` back down to `base_lr`. Default: `step_size_up`.",
    )
    mode: Literal["triangular", "triangular2", "exp_range"] = static(
        "triangular",
        description="`triangular`: every cycle the same; `triangular2`: the amplitude halves "
        "every cycle; `exp_range`: the amplitude is multiplied by `gamma ** step`.",
    )
    gamma: float = leaf(
        1.0, gt=0, le=1, description="The `exp_range` factor per step (only for `exp_range`)."
    )
    cycle_momentum: bool = static(True, description=_CYCLE_MOMENTUM)
    base_momentum: float = leaf(
        0.8, ge=0, lt=1, description="The lowest momentum, where the rate peaks."
    )
    max_momentum: float = leaf(
        0.9, ge=0, lt=1, description="The highest momentum, where the rate is `base_lr`."
    )
    _gamma: Factor = derived(node=True)

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        if out.get("step_size_down") is None and out.get("step_size_up") is not None:
            out["step_size_down"] = out["step_size_up"]
        return out

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        base, top = v.get("base_lr"), v.get("max_lr")
        if base is not None and top is not None and top < base:
            yield "max_lr", f"must be at least `base_lr` ({base!r}); got {top!r}"
        yield from _momentum_rules(v)
        gamma, mode = v.get("gamma"), v.get("mode")
        if gamma is not None and gamma != 1.0 and mode is not None and mode != "exp_range":
            yield "gamma", f"is used only by `mode` `exp_range` (mode is `{mode}`); got {gamma!r}"

    def _derive(self) -> None:
        super()._derive()
        _factor(self, "gamma")

    def momentum_schedule(self) -> Momentum:
        """The momentum torch's ``CyclicLR(cycle_momentum=True)`` sets at every step.

        ``max_momentum - (max_momentum - base_momentum) * height * scale``: lowest where the
        rate peaks, with the rate's exact cycle position and mode scale. Never scaled by the
        workers.

        Raises:
          ConfigError: if ``cycle_momentum`` is false.

        Examples:
          >>> import lrschedules_jax as lrs
          >>> s = lrs.cyclic(base_lr=0.1, max_lr=1.0, step_size_up=4, step_size_down=6,
          ...                num_steps=20)
          >>> [round(float(s.momentum_schedule()(k)), 6) for k in (0, 2, 4, 7, 10)]
          [0.9, 0.85, 0.8, 0.85, 0.9]
        """
        return Momentum.of(self)

    def _momentum(self, step: jax.Array, dtype: Any) -> jax.Array:
        high = as_float(self.max_momentum, dtype)
        return high - self._swing(step, high - as_float(self.base_momentum, dtype), dtype)

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        base = as_float(self.base_lr, dtype)
        return base + self._swing(step, as_float(self.max_lr, dtype) - base, dtype)

    def _swing(self, step: jax.Array, span: jax.Array, dtype: Any) -> jax.Array:
        """``span * height * scale``: the cycle's height times the mode's amplitude factor.

        Traced step sizes (a stacked sweep) take the same integer arithmetic, with the cycle
        index 0 selected where ``up + down`` exceeds every int32 step (without forming it).
        """
        up, down = self.step_size_up, self.step_size_down
        if not is_concrete(up, down):
            up, down = (jnp.asarray(x).astype(step.dtype) for x in (up, down))
            fits = up <= INT32_MAX - down
            total = jnp.where(fits, up + down, 1)
            cycle = jnp.where(fits, step // total, 0)
            pos = step - cycle * total
        elif up + down > INT32_MAX:  # the first cycle outlasts every int32 step
            cycle, pos = jnp.zeros_like(step), step
        else:
            total = up + down
            cycle = step // total
            pos = step - cycle * total
        rising = ratio(jnp.minimum(pos, up), up, dtype)
        falling = ratio(jnp.clip(down - (pos - up), 0, down), down, dtype)
        height = jnp.where(pos <= up, rising, falling)
        amplitude = span * height
        if self.mode == "triangular2":  # the amplitude, not the height, is halved: no underflow
            halvings = -jnp.minimum(cycle, 300).astype(jnp.int32)
            if dtype == jnp.float64:
                amplitude = jnp.ldexp(amplitude, halvings)
            else:
                amplitude = ldexp_exact(amplitude, halvings)
        if self.mode == "exp_range":
            amplitude = self._gamma.power(step, dtype, scale=amplitude)
        return amplitude


def _falls(factor: Any) -> bool:
    """Whether a factor key is at most 1 (a traced one, in a stack, may not be)."""
    return is_concrete(factor) and float(factor) <= 1.0


def _factor(schedule: Schedule, name: str, *, grows: bool = False) -> None:
    """Set the private float32-exact logarithm pair of the factor key ``name`` (``grows``: a
    factor that may be above 1)."""
    object.__setattr__(schedule, f"_{name}", Factor.of(getattr(schedule, name), grows=grows))


@schedule_class
class Momentum(Schedule):
    """The momentum of a ``one_cycle`` or ``cyclic`` schedule: its ``momentum_schedule()``.

    A schedule of the same steps (a pytree, jits, plots) for SGD's ``momentum`` or Adam's
    ``b1``, e.g. ``lrs.inject(optax.adam, learning_rate=s, b1=s.momentum_schedule())``. It is
    not a ``learning_rate`` type: save the rate's config and call ``momentum_schedule()`` on
    the rebuilt schedule. Never scaled by the workers.

    Attributes:
      schedule: the ``OneCycle`` or ``Cyclic`` schedule whose momentum this is.
    """

    type_name: ClassVar[str] = "momentum"

    schedule: Schedule

    @classmethod
    def of(cls, schedule: OneCycle | Cyclic) -> Momentum:
        """The momentum of ``schedule`` (one with ``cycle_momentum=True``)."""
        if not schedule.cycle_momentum:
            raise ConfigError(
                [
                    f"cycle_momentum: this `{schedule.type_name}` schedule has "
                    "cycle_momentum=False (PyTorch then leaves the optimizer's momentum alone): "
                    "build it with cycle_momentum=True."
                ]
            )
        return cls(schedule=schedule, num_steps=schedule.num_steps)

    def _evaluate(self, step: Any, scale: Any = 1.0) -> jax.Array:
        value = self.schedule._momentum(as_step(step), float_dtype())  # type: ignore[attr-defined]
        return value if is_concrete(scale) and scale == 1.0 else value * scale

    def boundaries(self) -> dict[str, int]:
        return self.schedule.boundaries()

    def to_config(self) -> dict[str, Any]:
        raise ConfigError(
            [
                "momentum: a momentum schedule is not a `learning_rate` type: save "
                "`.schedule.to_config()` and call `momentum_schedule()` on the schedule it "
                "rebuilds."
            ]
        )


@schedule_type("piecewise")
class Piecewise(RateSchedule):
    """Rates at given steps, joined by constant, linear or cosine pieces (optax's piecewise
    schedules).

    .. math::
      \\mathrm{lr}(s) = M \\left(f_i + (f_{i+1} - f_i)\\, g\\!\\left(\\frac{s - b_i}{b_{i+1} -
      b_i}\\right)\\right) \\quad (b_i \\le s < b_{i+1}), \\qquad \\mathrm{lr}(s) = M f_k
      \\quad (s \\ge b_k)

    with ``M = max_lr``, ``f = factors``, ``b_0 = 0`` and ``b_1 < ... < b_k`` the
    ``milestones``; ``g(q) = q`` (``linear``), ``(1 - cos(pi q)) / 2`` (``cosine``) or 0
    (``constant``: ``M f_i`` from ``b_i`` on). Each piece is evaluated on the exact integer
    distance to its lower end, so a piece that falls to 0 (or rises from it) keeps its relative
    accuracy there. optax's ``piecewise_constant_schedule`` and
    ``piecewise_interpolate_schedule`` (``factors`` the cumulative products of the scales,
    over ``max_lr``), ``linear_onecycle_schedule`` and ``cosine_onecycle_schedule`` are this
    type (``lrs.optax`` builds them); with knots on consecutive steps, so is any schedule that
    is linear between integer steps, jumps included.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.piecewise(max_lr=1.0, milestones=[4, 8], factors=[0.5, 1.0, 0.0],
      ...                       interpolation="linear", num_steps=10)
      >>> [round(float(sched(s)), 6) for s in (0, 2, 4, 6, 8, 9)]
      [0.5, 0.75, 1.0, 0.5, 0.0, 0.0]
    """

    key_hints: ClassVar[dict[str, str]] = {
        "start_lr": "its rates are `max_lr * factors[i]`, `factors[0]` from step 0: set "
        "`max_lr` and `factors`.",
        "stop_lr": "its last rate is `max_lr * factors[-1]`, from the last milestone on.",
        "stop_lr_ratio": "its last rate is `max_lr * factors[-1]`, from the last milestone on.",
        "warmup_steps": "a warmup is a piece that rises: `milestones: [w], factors: [f, 1, ...]`.",
        "boundaries": "the steps where the pieces meet are `milestones`.",
    }
    example: ClassVar[dict[str, Any]] = {
        "type": "piecewise",
        "max_lr": 1e-3,
        "milestones": [300, 850, 1000],
        "factors": [0.04, 1.0, 0.04, 4e-6],
        "interpolation": "linear",
    }

    max_lr: float = leaf(
        gt=0,
        rate=True,
        description="The rate the factors multiply: every rate is `max_lr * factor`.",
    )
    #: Milestones of one length stack as an int32 array (traced: the same formula).
    milestones: tuple[int, ...] = static(
        (),
        sweep=True,
        items={"gt": 0, "le": INT32_MAX},
        description="The steps `b_1 < b_2 < ...` (> 0) where the pieces meet; piece `i` runs "
        "from `b_i` to `b_{i+1}` (`b_0 = 0`), the last rate holds from the last milestone on.",
    )
    factors: tuple[float, ...] = static(
        items={"ge": 0, "le": 1},
        min_length=1,
        description="The rate at step 0 and at each milestone, as fractions of `max_lr` (in [0, "
        "1]): one more than `milestones`.",
    )
    interpolation: Literal["constant", "linear", "cosine"] = static(
        description="How a piece goes from `factors[i]` to `factors[i + 1]`: `constant` (it "
        "jumps at the milestone), `linear`, or `cosine` (`(1 - cos(pi q)) / 2`), as optax's "
        "`piecewise_constant_schedule` and `piecewise_interpolate_schedule`.",
    )

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        for key in ("milestones", "factors"):
            if isinstance(out.get(key), list):
                out[key] = tuple(out[key])
        return out

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        ms, fs = v.get("milestones"), v.get("factors")
        if ms is not None:
            if not all(isinstance(m, int) and 0 < m <= INT32_MAX for m in ms):
                yield "milestones", f"must be steps in [1, {INT32_MAX}]; got {describe(list(ms))}"
            elif any(b <= a for a, b in itertools.pairwise(ms)):
                yield "milestones", f"must be strictly increasing; got {describe(list(ms))}"
        if fs is not None:
            if not fs or not all(isinstance(f, (int, float)) and 0 <= f <= 1 for f in fs):
                yield "factors", f"must be numbers in [0, 1]; got {describe(list(fs))}"
            elif ms is not None and len(fs) != len(ms) + 1:
                yield (
                    "factors",
                    f"must hold one more item than `milestones` ({len(ms)} + 1: the rate at "
                    f"step 0 and at each milestone); got {len(fs)}",
                )

    @classmethod
    def rates(cls, v: Mapping[str, Any]) -> dict[str, tuple[str, float]]:
        rates = super().rates(v)
        top, fs = v.get("max_lr"), v.get("factors")
        positive = [f for f in fs or () if isinstance(f, (int, float)) and f > 0]
        if isinstance(top, (int, float)) and positive:
            rates["factors"] = ("the smallest positive `max_lr * factor`", top * min(positive))
        return rates

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        top = self.max_lr
        if is_concrete(top):  # the rates in float64, each rounded once
            rates = [float(top) * float(f) for f in self.factors]
            values = jnp.asarray(rates, dtype)
        else:
            values = as_float(top, dtype) * jnp.asarray(self.factors, dtype)
        if len(self.factors) == 1:
            return jnp.broadcast_to(values[0], step.shape)
        marks = jnp.asarray(self.milestones).astype(step.dtype)
        i = jnp.searchsorted(marks, step, side="right")  # the piece: milestones passed
        here = values[i]
        if self.interpolation == "constant":
            return here
        last = len(self.factors) - 1
        j = jnp.minimum(i, last - 1)  # piece i < last runs to milestone i (b_{i+1})
        begin = jnp.where(j > 0, marks[jnp.maximum(j - 1, 0)], 0)
        end = marks[j]
        low, high = values[j], values[j + 1]
        length = (end - begin).astype(dtype)
        done = (step - begin).astype(dtype) / length
        remaining = (end - step).astype(dtype) / length
        rising = high > low
        q = jnp.where(rising, done, remaining)  # from the lower end of the piece
        if self.interpolation == "cosine":
            q = jnp.square(jnp.sin(q * jnp.asarray(math.pi / 2, dtype)))
        base = jnp.minimum(low, high)
        lr = base + jnp.abs(high - low) * q
        return jnp.where(i >= last, here, lr)

    def boundaries(self) -> dict[str, int]:
        marks = {
            f"milestone {i + 1}": m
            for i, m in enumerate(self.milestones)
            if 0 < m < self.num_steps and len(self.milestones) <= 20
        }
        return {**marks, "end": self.num_steps}

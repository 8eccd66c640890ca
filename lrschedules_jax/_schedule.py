"""The Schedule base: pytree registration, the call contract, ``to_config()``.

Every schedule is a frozen, keyword-only dataclass registered as a JAX pytree. Float
hyperparameters are leaves (so a schedule can be passed through ``jax.jit`` and a list of
schedules of one type can be stacked and vmapped); step counts and modes are static.

``__call__`` turns the step into a clamped integer and hands it to ``_value``, which does the
phase arithmetic in integers and ends in one float expression. This module also holds the
small float helpers the types share: the strongly typed float dtype, exact integer-to-float
ratios and an ``exp(c * n)`` that stays accurate in float32 when ``c * n`` is large.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, ClassVar, TypeVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["Schedule", "Shifted", "register_schedule", "static"]

_S = TypeVar("_S", bound="Schedule")

INT32_MAX = 2**31 - 1
# The largest float32 below 2**31: float steps are clipped to it before the integer cast.
_FLOAT_STEP_MAX = float(np.nextafter(np.float32(2**31), np.float32(0)))


def static(default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field that is static pytree metadata (not a leaf)."""
    return dataclasses.field(default=default, metadata={"static": True})


def register_schedule(cls: type[_S]) -> type[_S]:
    """Make ``cls`` a frozen keyword-only dataclass and register it as a pytree.

    Fields made with :func:`static` are pytree metadata; every other field is a leaf.
    """
    cls = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
    fields = dataclasses.fields(cls)
    jax.tree_util.register_dataclass(
        cls,
        data_fields=[f.name for f in fields if not f.metadata.get("static")],
        meta_fields=[f.name for f in fields if f.metadata.get("static")],
    )
    return cls


def float_dtype() -> Any:
    """float32, or float64 when ``jax_enable_x64`` is on."""
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def int_dtype() -> Any:
    """int32, or int64 when ``jax_enable_x64`` is on."""
    return jnp.int64 if jax.config.jax_enable_x64 else jnp.int32


def as_float(x: Any, dtype: Any) -> jax.Array:
    """A hyperparameter as a strongly typed array of ``dtype``."""
    return jnp.asarray(x, dtype=dtype)


def is_concrete(*xs: Any) -> bool:
    """True when every value is a plain Python/NumPy number (not a traced or JAX array).

    Concrete hyperparameters let derived constants be computed once in float64.
    """
    return all(isinstance(x, (int, float, np.number)) for x in xs)


def as_step(step: Any) -> jax.Array:
    """The step as an integer array, clamped to [0, 2**31 - 1].

    Float steps are floored. Negative steps give step 0.
    """
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"A step must be an integer, got the boolean {step!r}.")
    if isinstance(step, (int, np.integer)):
        return jnp.asarray(min(max(int(step), 0), INT32_MAX), dtype=int_dtype())
    if isinstance(step, np.ndarray) and np.issubdtype(step.dtype, np.integer):
        step = np.clip(step, 0, INT32_MAX)
    step = jnp.asarray(step)
    if jnp.issubdtype(step.dtype, jnp.floating):
        step = jnp.floor(jnp.clip(step, 0.0, _FLOAT_STEP_MAX))
    elif jnp.issubdtype(step.dtype, jnp.unsignedinteger):
        step = jnp.minimum(step, INT32_MAX)
    elif not jnp.issubdtype(step.dtype, jnp.integer):
        raise TypeError(f"A step must be an integer or float array, got dtype {step.dtype}.")
    return jnp.maximum(step.astype(int_dtype()), 0)


def ratio(num: jax.Array, den: int | jax.Array, dtype: Any) -> jax.Array:
    """``num / den`` for non-negative integers, converted to float only at the end."""
    return num.astype(dtype) / jnp.asarray(den, dtype=dtype)


# Error-free transformations (Dekker, Knuth), shared with the classic types.


def _split(a: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Split float32 ``a`` into ``hi + lo`` with 12 significant bits in ``hi`` (exact)."""
    bits = lax.bitcast_convert_type(a, jnp.uint32)
    hi = lax.bitcast_convert_type(bits & jnp.uint32(0xFFFFF000), jnp.float32)
    return hi, a - hi


def _two_prod(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a * b == p + err`` exactly (Dekker), in float32."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_bits(c: float, bits: int) -> float:
    """``c`` rounded to ``bits`` significant bits (exact in float32 for ``bits <= 24``)."""
    mantissa, exponent = math.frexp(c)
    return math.ldexp(round(mantissa * 2**bits), exponent - bits)


def _fast_two_sum(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a + b == s + err`` exactly, for ``|a| >= |b|`` or ``a == 0`` (Dekker)."""
    s = a + b
    return s, b - (s - a)


def log_leaves(name: str, factor: float) -> dict[str, float]:
    """``{name: log(factor), name + "_lo": the part of it a float32 cannot hold}``.

    A factor applied ``k`` times is stored as its logarithm. When the schedule is traced (passed
    through ``jit`` as an argument, or stacked for a sweep), the logarithm becomes a float32
    number whose rounding, multiplied by ``k``, would cost ``6e-8 * |log(lr / peak)|`` of
    relative accuracy (4e-6 thirty decades below the peak). The second leaf keeps that rounding
    so that :func:`exp_times_int` can add it back (its ``c_rest``).
    """
    log = math.log(factor)
    return {name: log, f"{name}_lo": log - float(np.float32(log))}


def exp_times_int(
    c: Any,
    n: jax.Array,
    dtype: Any,
    *,
    n_max: int = INT32_MAX,
    c_rest: Any = 0.0,
    scale: Any = 1.0,
) -> jax.Array:
    """``scale * exp(c * n)`` for an integer array ``0 <= n <= n_max`` and ``c <= 0``,
    accurate to a few float32 ulps.

    In float32 a plain ``exp(c * n)`` loses ``|c * n| * 1.8e-7`` of relative accuracy (the
    rounding of ``c``, of ``n`` and of the product all land in the exponent): 3e-6 for a decay
    over five decades. Here ``c`` is split into ``c_hi`` (8 significant bits, or more when
    ``n_max`` is small) and ``c_lo = c - c_hi`` (in float64 when ``c`` is a concrete number),
    ``n`` into 16-bit halves, so that ``c_hi * n`` is a sum of exact products; the exponent is
    carried as a float32 pair (two exact sums) and ``exp(hi + lo) = exp(hi) * (1 + lo)``.
    A traced ``c`` is a float32 number; ``c_rest`` (from :func:`log_leaves`) is what that
    float32 lost of the true ``c``, and is added to ``c_lo`` then (it is ignored for a concrete
    ``c``, which is exact already).
    The static bound ``n_max`` (default: any int32) lets short ranges skip the split of ``n``
    and, when ``|c_lo| * n_max <= 5e-4``, the pair too: ``exp(c_hi * n) * (1 + c_lo * n)``.
    ``scale`` (a rate, a number or an array) multiplies the result without forming
    ``exp(c * n)`` on its own, which would flush to 0 below 1.2e-38 where ``scale * exp(c * n)``
    can still be a normal number (see ``_scaled_exp``).
    Under x64 the plain float64 product is already exact enough.
    """
    if dtype == jnp.float64:
        return jnp.asarray(scale, dtype) * jnp.exp(jnp.asarray(c, dtype) * n.astype(dtype))
    n = n.astype(jnp.int32)
    n_bits = max(int(n_max).bit_length(), 1)
    short = n_bits <= 16
    hi_bits = 24 - n_bits if short else 8
    rest_max = math.inf  # a bound on |c_lo * n|
    if is_concrete(c):
        c_hi_value = _round_to_bits(float(c), hi_bits)
        c_hi = jnp.float32(c_hi_value)
        c_lo = jnp.float32(float(c) - c_hi_value)
        rest_max = abs(float(c) - c_hi_value) * n_max
    else:
        c32 = jnp.asarray(c, jnp.float32)
        mask = jnp.uint32((0xFFFFFFFF << (24 - hi_bits)) & 0xFFFFFFFF)  # keeps hi_bits bits
        bits = lax.bitcast_convert_type(c32, jnp.uint32) & mask
        c_hi = lax.bitcast_convert_type(bits, jnp.float32)
        c_lo = (c32 - c_hi) + jnp.asarray(c_rest, jnp.float32)
    n_float = n.astype(jnp.float32)
    # exp(c * n) >= 1e-30 for every n: neither it nor exp(hi) * lo flushes to 0 where it
    # matters, so the plain product with a concrete scale is as accurate, and faster.
    plain = is_concrete(c, scale) and float(c) * n_max >= -69.0
    if short and rest_max <= 5e-4:
        # c_hi * n is exact and the rest so small that exp(x) = exp(c_hi * n) * (1 + rest)
        # up to rest**2 / 2 <= 1.25e-7: no need to carry the sum as a pair.
        hi, lo = c_hi * n_float, c_lo * n_float
        if plain:
            e = jnp.exp(hi)
            return jnp.float32(scale) * (e + e * lo)
        return _scaled_exp(hi, lo, scale)
    if short:
        hi, lo = c_hi * n_float, None
    else:
        a = (c_hi * jnp.float32(65536.0)) * (n >> 16).astype(jnp.float32)
        b = c_hi * (n & 0xFFFF).astype(jnp.float32)
        hi, lo = _fast_two_sum(a, b)
    hi, err = _fast_two_sum(hi, c_lo * n_float)
    lo = err if lo is None else lo + err
    if plain:
        e = jnp.exp(hi)
        return jnp.float32(scale) * (e + e * lo)
    return _scaled_exp(hi, lo, scale)


# ln 2 in two parts, the first with 14 significant bits: k * _LN2_HI is exact for |k| < 2**10.
_LN2_HI = _round_to_bits(math.log(2), 14)
_LN2_LO = math.log(2) - _LN2_HI


def pow2(k: jax.Array) -> jax.Array:
    """``2.0 ** k`` in float32, exactly, for an integer array ``-126 <= k <= 127``."""
    biased = (k.astype(jnp.int32) + 127).astype(jnp.uint32) << 23
    return lax.bitcast_convert_type(biased, jnp.float32)


def ldexp_exact(x: jax.Array, k: Any) -> jax.Array:
    """``x * 2.0 ** k`` in float32, exact unless the result leaves the normal range.

    (``jnp.ldexp`` computes ``2 ** k`` with a float power.) Two exact factors cover any
    ``k`` in ``[-252, 254]``, clipped to it: beyond, a float32 result is 0 or inf anyway.
    """
    concrete = is_concrete(k)
    k = jnp.clip(jnp.asarray(k, jnp.int32), -252, 254)
    k1 = k >> 1  # floor(k / 2), so both halves are in [-126, 127]
    f1, f2 = pow2(k1), pow2(k - k1)
    if concrete:
        # The barrier hides constant factors from XLA, which would otherwise fold them with
        # the constants of ``x`` (``(n * (1 / T) * s0) * 2**j``) into one out of the range.
        f1, f2 = lax.optimization_barrier((f1, f2))
    return x * f1 * f2


def _scaled_exp(hi: jax.Array, lo: jax.Array, scale: Any) -> jax.Array:
    """``scale * exp(hi + lo)`` for ``hi + lo <= 0`` (``|lo|`` small), in float32.

    No intermediate leaves the normal range unless the result does: ``exp(hi + lo)`` alone
    underflows below ``exp(-87.3)`` (XLA flushes the subnormal to 0) where ``scale * exp(...)``
    may be a normal number for a ``scale`` up to 3.4e38. So ``hi = k ln 2 + r`` (Cody and
    Waite: ``k`` an integer, ``|r| <= ln(2) / 2``), ``scale = m * 2**q`` (``m`` in
    ``[0.5, 1)``), and the result is ``m * exp(r) * (1 + lo)`` times ``2 ** (k + q)``, applied
    exactly by :func:`ldexp_exact`.
    """
    hi = jnp.maximum(hi, -450.0)  # below, the result is 0 for any float32 scale
    k = jnp.round(hi * jnp.float32(1 / math.log(2)))
    r = (hi - k * jnp.float32(_LN2_HI)) - k * jnp.float32(_LN2_LO)
    y = jnp.exp(r)
    y = y + y * lo
    if is_concrete(scale):
        m_value, q_value = math.frexp(float(scale))
        m, q = jnp.float32(m_value), q_value
    else:
        m, q = jnp.frexp(jnp.asarray(scale, jnp.float32))
    return ldexp_exact(m * y, k.astype(jnp.int32) + q)


# The rate leaves of the schedules: every formula is homogeneous of degree 1 in them.
RATE_FIELDS = ("start_lr", "stop_lr", "max_lr", "base_lr")
_SMALL = -60  # a peak below 2**_SMALL is moved to [0.5, 1) before the formula


def build_from_keys(type_name: str, args: dict[str, Any]) -> Any:
    """What every keyword-only builder does: validate its keys with the config layer, build.

    ``args`` is the builder's ``locals()``: the JSON keys (``None`` meaning "not given") plus
    ``num_steps`` and ``num_workers``.
    """
    from .config import make_schedule

    args = dict(args)
    num_steps = args.pop("num_steps")
    num_workers = args.pop("num_workers", 1)
    config = {"type": type_name, **{k: v for k, v in args.items() if v is not None}}
    return make_schedule(config, num_steps, num_workers=num_workers)


def worker_scale(scale_by_worker: str, num_workers: int) -> float:
    """The factor every rate is multiplied by: ``num_workers``, its square root, or 1."""
    if scale_by_worker == "linear":
        return float(num_workers)
    if scale_by_worker == "sqrt":
        return math.sqrt(num_workers)
    return 1.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Schedule:
    """A learning-rate schedule: a callable ``step -> lr`` and a JAX pytree.

    Subclasses are made with :func:`register_schedule` and implement ``_value(step, dtype)``,
    which receives the step as a clamped integer array and returns the unscaled rate.

    Attributes:
      num_steps: the number of training steps (DeePMD-kit's ``training.numb_steps``).
      scale_by_worker: ``"linear"``, ``"sqrt"`` or ``"none"``: how the rate grows with the
        number of workers.
      num_workers: the number of data-parallel workers the rate is scaled for.
    """

    type_name: ClassVar[str] = ""

    num_steps: int = static()
    scale_by_worker: str = static("linear")
    num_workers: int = static(1)

    def __call__(self, step: Any) -> jax.Array:
        """The learning rate at ``step`` (an int, or an integer array of any shape).

        Returns a strongly typed float32 array (float64 under x64) of the step's shape.
        """
        dtype = float_dtype()
        scale = worker_scale(self.scale_by_worker, self.num_workers)
        rates = {k: getattr(self, k) for k in RATE_FIELDS if hasattr(self, k)}
        if dtype == jnp.float64 or not rates:
            lr = self._value(as_step(step), dtype)
            return lr if scale == 1.0 else lr * jnp.asarray(scale, dtype)
        # Every formula is homogeneous in the rates: it runs on the rates times the worker
        # scale (so no rate below 1.2e-38 is flushed to 0 before a scale that would make it
        # normal). When every rate is below 2**-60, they are also multiplied by 2**-j (the peak
        # in [0.5, 1)) and the result by 2**j, exactly: slopes such as start_lr / warmup_steps
        # and differences of rates then stay normal float32 numbers. The result is clipped to
        # the peak: a sum that rounds past float32's maximum is the peak.
        if is_concrete(*rates.values()):
            rates = {k: float(v) * scale for k, v in rates.items()}
            top = math.frexp(max(rates.values()))[1]
            j = top if top < _SMALL else 0
            peak = max(rates.values())
            scaled = {k: math.ldexp(v, -j) for k, v in rates.items()}
        else:
            rates = {k: as_float(v, dtype) * jnp.float32(scale) for k, v in rates.items()}
            peak = functools.reduce(jnp.maximum, rates.values())
            top = jnp.frexp(peak)[1]
            j = jnp.where(top < _SMALL, top, 0)
            scaled = {k: ldexp_exact(v, -j) for k, v in rates.items()}
        lr = dataclasses.replace(self, **scaled)._value(as_step(step), dtype)  # type: ignore[arg-type]
        if not is_concrete(j) or j != 0:
            lr = ldexp_exact(lr, j)
        return jnp.minimum(lr, as_float(peak, dtype))

    def _value(self, step: jax.Array, dtype: Any) -> jax.Array:
        raise NotImplementedError

    @property
    def worker_scale(self) -> float:
        """The factor every rate is multiplied by for ``num_workers`` workers."""
        return worker_scale(self.scale_by_worker, self.num_workers)

    def boundaries(self) -> dict[str, int]:
        """The steps where the schedule changes phase, by name (for plots and tables)."""
        return {"end": self.num_steps}

    def to_config(self) -> dict[str, Any]:
        """The JSON-ready ``learning_rate`` mapping that rebuilds this schedule.

        ``make_schedule(s.to_config(), s.num_steps, num_workers=s.num_workers)`` returns a
        schedule equal to ``s``.
        """
        config: dict[str, Any] = {"type": self.type_name}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name in ("num_steps", "num_workers") or f.metadata.get("internal"):
                continue
            config[f.name] = _to_json(getattr(self, f.name), f.name)
        config.update(self._extra_config())
        return config

    def _extra_config(self) -> dict[str, Any]:
        return {}

    def replace(self: _S, **changes: Any) -> _S:
        """A copy with some fields replaced (no validation: use the builders for that)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def shifted(self, start_step: int) -> Shifted:
        """This schedule from global step ``start_step`` on: ``shifted(k)(s) == self(s + k)``.

        For resuming with a fresh optimizer state (whose step count restarts at 0) at global
        step ``start_step``. The shift is integer arithmetic on the clamped step, saturating at
        ``2**31 - 1`` (no overflow); a negative ``start_step`` delays the schedule, which then
        holds its step-0 value for the first ``-start_step`` steps. Shifts of one sign compose
        into one. The result is a pytree (the shift is static), jits and vmaps like ``self``.

        ``to_config()`` of the result is ``self.to_config()``: the ``learning_rate`` section
        describes the whole run, the shift is a position in it. Rebuild a shifted ``s`` with
        ``make_schedule(s.to_config(), s.num_steps, num_workers=s.num_workers)`` followed by
        ``.shifted(s.start_step)``.

        Args:
          start_step: the global step that local step 0 stands for, an int in
            ``[-(2**31 - 1), 2**31 - 1]``.

        Returns:
          A :class:`Shifted` schedule.

        Raises:
          TypeError: if ``start_step`` is not an int.
          ValueError: if it is out of range.

        Examples:
          >>> from lrschedules_jax import cosine
          >>> sched = cosine(start_lr=1.0, stop_lr=0.1, num_steps=10)
          >>> float(sched.shifted(4)(1)) == float(sched(5))
          True
        """
        if isinstance(start_step, (bool, np.bool_)) or not isinstance(
            start_step, (int, np.integer)
        ):
            raise TypeError(f"`start_step` must be an int; got {start_step!r}.")
        start_step = int(start_step)
        if not -INT32_MAX <= start_step <= INT32_MAX:
            raise ValueError(
                f"`start_step` must be in [{-INT32_MAX}, {INT32_MAX}]; got {start_step}."
            )
        return Shifted(
            schedule=self,
            start_step=start_step,
            num_steps=self.num_steps,
            scale_by_worker=self.scale_by_worker,
            num_workers=self.num_workers,
        )


@register_schedule
class Shifted(Schedule):
    """A schedule read from a global step on; made by :meth:`Schedule.shifted`.

    .. math::
      \\mathrm{lr}(s) = \\mathrm{schedule}(\\mathrm{clip}(s + k, 0, 2^{31} - 1))

    Attributes:
      schedule: the original schedule (a pytree child: its float hyperparameters stay leaves).
      start_step: the shift ``k`` (static).
    """

    schedule: Schedule
    start_step: int = static(0)

    def __call__(self, step: Any) -> jax.Array:
        step = as_step(step)
        k = self.start_step
        if k > 0:  # min(step, MAX - k) + k never leaves [k, MAX]: no overflow
            step = jnp.minimum(step, INT32_MAX - k) + k
        elif k < 0:  # step + k >= -MAX: no overflow; the wrapped schedule clamps at 0
            step = step + k
        return self.schedule(step)

    def shifted(self, start_step: int) -> Shifted:
        outer = Schedule.shifted(self, start_step)  # validates start_step
        k1, k2 = self.start_step, outer.start_step
        if k1 * k2 >= 0:  # saturating shifts of one sign compose exactly
            total = min(max(k1 + k2, -INT32_MAX), INT32_MAX)
            return Schedule.shifted(self.schedule, total)
        return outer

    def boundaries(self) -> dict[str, int]:
        """The original's phase boundaries in local steps (those not passed yet)."""
        return {
            name: b - self.start_step
            for name, b in self.schedule.boundaries().items()
            if b - self.start_step >= 0
        }

    def to_config(self) -> dict[str, Any]:
        """The original schedule's config: the shift is a position in the run, not a key."""
        return self.schedule.to_config()


def _to_json(value: Any, name: str) -> Any:
    if isinstance(value, (bool, str, int, float)) or value is None:
        return value
    if isinstance(value, tuple):
        return [_to_json(v, name) for v in value]
    array = np.asarray(value)
    if array.ndim != 0:
        raise ValueError(
            f"`{name}` holds an array of shape {array.shape} (a stacked sweep): "
            "`to_config()` needs a single schedule."
        )
    return array.item()

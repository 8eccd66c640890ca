"""Step and float arithmetic, in one place (as optax's ``_src/numerics.py``).

The step clamping, the strongly typed dtypes, exact integer-to-float ratios, the compensated
``exp(c * n)`` (:func:`exp_times_int`), ``pow_fraction``, the one ``sin**2`` annealing factor and
:class:`Factor`, the pytree type of a factor applied ``k`` times (``gamma``, ``decay_rate``,
``cycle_decay``) that keeps its float32-exact logarithm pair. JAX is reached through the lazy
proxies of ``_jax``: importing this module does not import JAX.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from typing import Any

from ._jax import LazyPytree, jax, jnp, lax, np

__all__ = [
    "INT32_MAX",
    "Factor",
    "as_float",
    "as_step",
    "exp_times_int",
    "float_dtype",
    "int_dtype",
    "is_concrete",
    "pow_fraction",
    "ratio",
    "sin2_of_fraction",
]

INT32_MAX = 2**31 - 1
# The largest float32 below 2**31 (2**31 - 128): float steps are clipped to it before the cast.
_FLOAT_STEP_MAX = 2147483520.0
_HALF_PI = math.pi / 2


def _float32(x: float) -> float:
    """``x`` rounded to the nearest float32 (as a Python float), without NumPy."""
    return struct.unpack("f", struct.pack("f", x))[0]


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
    return all(isinstance(x, (int, float)) or isinstance(x, np.number) for x in xs)


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


def exp_times_int(
    c: Any, n: jax.Array, dtype: Any, *, n_max: int = INT32_MAX, c_rest: Any = 0.0
) -> jax.Array:
    """``exp(c * n)`` for an integer array ``0 <= n <= n_max``, accurate to a few float32 ulps.

    In float32 a plain ``exp(c * n)`` loses ``|c * n| * 1.8e-7`` of relative accuracy (the
    rounding of ``c``, of ``n`` and of the product all land in the exponent): 3e-6 for a decay
    over five decades. Here ``c`` is split into ``c_hi`` (8 significant bits, or more when
    ``n_max`` is small) and ``c_lo = c - c_hi`` (in float64 when ``c`` is a concrete number),
    ``n`` into 16-bit halves, so that ``c_hi * n`` is a sum of exact products; the exponent is
    carried as a float32 pair (two exact sums) and ``exp(hi + lo) = exp(hi) * (1 + lo)``.
    A traced ``c`` is a float32 number; ``c_rest`` (a :class:`Factor`'s ``log_lo``) is what that
    float32 lost of the true ``c``, and is added to ``c_lo`` then (it is ignored for a concrete
    ``c``, which is exact already).
    The static bound ``n_max`` (default: any int32) lets short ranges skip the split of ``n``
    and, when ``|c_lo| * n_max <= 5e-4``, the pair too: ``exp(c_hi * n) * (1 + c_lo * n)``.
    Under x64 the plain float64 product is already exact enough.
    """
    if dtype == jnp.float64:
        return jnp.exp(jnp.asarray(c, dtype) * n.astype(dtype))
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
    if short and rest_max <= 5e-4:
        # c_hi * n is exact and the rest so small that exp(x) = exp(c_hi * n) * (1 + rest)
        # up to rest**2 / 2 <= 1.25e-7: no need to carry the sum as a pair.
        e = jnp.exp(c_hi * n_float)
        return e + e * (c_lo * n_float)
    if short:
        hi, lo = c_hi * n_float, None
    else:
        a = (c_hi * jnp.float32(65536.0)) * (n >> 16).astype(jnp.float32)
        b = c_hi * (n & 0xFFFF).astype(jnp.float32)
        hi, lo = _fast_two_sum(a, b)
    hi, err = _fast_two_sum(hi, c_lo * n_float)
    lo = err if lo is None else lo + err
    e = jnp.exp(hi)
    return e + e * lo


def sin2_of_fraction(num: jax.Array, den: int, dtype: Any) -> jax.Array:
    """``sin(pi/2 * num/den) ** 2``: the cosine-annealing factor ``(1 + cos(pi * (1 - q))) / 2``.

    Written on the *remaining* fraction ``q = num/den`` so that the end of a decay, where the
    factor is tiny, keeps full relative accuracy (``1 + cos(x)`` near ``x = pi`` would cancel).
    """
    # One multiply by the constant pi / (2 den) (rounded once) instead of a division per step.
    return jnp.square(jnp.sin(num.astype(dtype) * as_float(_HALF_PI / den, dtype)))


def pow_fraction(num: jax.Array, den: int, power: Any, dtype: Any) -> jax.Array:
    """``(num / den) ** power`` for integers ``0 <= num <= den`` and ``power > 0``.

    A plain ``x ** p`` in float32 is ``exp(p * log(x))`` and loses ``|p log x|`` ulps, which is
    many ulps at the end of a long decay (``x = 1 / T``). Here ``x = m * 2**k`` exactly with
    ``m`` in ``[1, 2)`` and an integer ``k <= 0``: ``x ** p = m ** p * 2 ** (p k)``, where
    ``p k`` is split exactly (Dekker) into an integer, applied with ``ldexp``, and a small
    remainder. The error stays a few ulps for any ``x`` and ``p``, also when ``p`` is traced.

    Where a factor leaves the normal float32 range (``m ** p`` overflows for ``p`` above about
    128, and ``2 ** (p k)`` underflows deep in the tail, where ``x ** p`` may still be normal),
    the exponents are added before a single ``ldexp``: ``x ** p = 2 ** (p k + p log2 m)``.
    That loses about ``p log2 m`` ulps but never gives NaN, inf or a wrong 0. ``num == den``
    gives exactly 1.
    """
    x = ratio(num, den, dtype)
    if is_concrete(power) and float(power) == 1.0:
        return x
    p = as_float(power, dtype)
    if dtype == jnp.float64:
        return jnp.power(x, p)
    p = jnp.minimum(p, 1e30)  # any float32 x < 1 to the power 1e30 is 0: keeps p * k finite
    mant, expo = jnp.frexp(x)  # x = mant * 2**expo, mant in [0.5, 1); (0, 0) for x = 0
    hi, lo = _two_prod(p, (expo - 1).astype(jnp.float32))  # p * k == hi + lo exactly
    whole = jnp.floor(hi)
    frac = (hi - whole) + lo
    m_pow = jnp.power(2 * mant, p)
    two_pow = jnp.ldexp(jnp.exp2(frac), jnp.maximum(whole, -200).astype(jnp.int32))
    rest = frac + p * jnp.log2(2 * mant)  # x ** p = 2 ** (whole + rest)
    rest_whole = jnp.floor(rest)
    scale = jnp.clip(whole + rest_whole, -200, 0).astype(jnp.int32)
    combined = jnp.minimum(jnp.ldexp(jnp.exp2(rest - rest_whole), scale), 1)
    normal = jnp.isfinite(m_pow) & (whole >= -125)
    value = jnp.where(normal, m_pow * two_pow, combined)
    value = jnp.where(x > 0, value, 0)  # also when p flushes to 0 (0 ** 0 would be 1)
    # XLA divides by a broadcast scalar through its reciprocal, so num / num may read
    # 1 - 2**-24, which a large power amplifies: the start of the decay is exactly 1.
    return jnp.where(num >= den, 1, value)


@dataclasses.dataclass(frozen=True)
class Factor(LazyPytree):
    """A factor ``x`` in (0, 1] applied an integer number of times, kept as its logarithm.

    ``log`` is ``log(x)``; ``log_lo`` is the part of it a float32 cannot hold. When a schedule
    is traced (passed through ``jit`` as an argument, or stacked for a sweep), ``log`` becomes a
    float32 number whose rounding, multiplied by ``k``, would cost ``6e-8 * |log(lr / peak)|``
    of relative accuracy (4e-6 thirty decades below the peak); ``log_lo`` keeps that rounding
    so that :func:`exp_times_int` adds it back. Both are pytree leaves.

    Examples:
      >>> f = Factor.of(0.5)
      >>> f.value, float(f.power(jnp.asarray(3), jnp.float32))
      (0.5, 0.125)
    """

    log: Any
    log_lo: Any = 0.0

    def __post_init__(self) -> None:
        if is_concrete(self.log) and not float(self.log) <= 0.0:
            raise ValueError(f"A factor must be in (0, 1]; got exp({self.log!r}).")

    @classmethod
    def of(cls, value: float) -> Factor:
        """The factor ``value`` (a number in (0, 1])."""
        if not 0.0 < value <= 1.0:
            raise ValueError(f"A factor must be in (0, 1]; got {value!r}.")
        log = math.log(value)
        return cls(log=log, log_lo=log - _float32(log))

    @property
    def value(self) -> float:
        """The factor itself, ``exp(log)``."""
        return math.exp(self.log)

    def __float__(self) -> float:
        return self.value

    def power(self, n: Any, dtype: Any, n_max: int = INT32_MAX) -> Any:
        """``value ** n`` for an integer array ``0 <= n <= n_max``, accurate in float32."""
        if is_concrete(self.log) and float(self.log) == 0.0:
            return jnp.ones(n.shape, dtype)
        return exp_times_int(self.log, n, dtype, n_max=n_max, c_rest=self.log_lo)

"""Step and float arithmetic, in one place (as optax's ``_src/numerics.py``).

The step clamping, the strongly typed dtypes, exact integer-to-float ratios, the compensated
``exp(c * n)`` (:func:`exp_times_int`), ``pow_fraction``, the one ``sin**2`` annealing factor and
:class:`Factor`, the pytree type of a factor applied ``k`` times (``gamma``, ``decay_rate``,
``cycle_decay``) that keeps its float32-exact logarithm pair. JAX is reached through the lazy
proxies of ``_jax``: importing this module does not import JAX.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import struct
from typing import Any

from ._jax import LazyPytree, jax, jnp, lax, np

__all__ = [
    "F32_MAX",
    "F32_TINY",
    "INT32_MAX",
    "Factor",
    "as_float",
    "as_step",
    "exp_times_int",
    "float32",
    "float_dtype",
    "int_dtype",
    "is_concrete",
    "ldexp_exact",
    "pow_fraction",
    "pow_pair",
    "ratio",
    "sin2_of_fraction",
    "step_count",
    "two_prod",
]

INT32_MAX = 2**31 - 1
#: The smallest normal float32 (XLA flushes subnormals to zero on CPU) and the largest float32:
#: every rate must lie between them (0 aside), after scaling.
F32_TINY = 1.1754943508222875e-38
F32_MAX = 3.4028234663852886e38
# The largest float32 below 2**31 (2**31 - 128): float steps are clipped to it before the cast.
_FLOAT_STEP_MAX = 2147483520.0
_HALF_PI = math.pi / 2


def float32(x: float) -> float:
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


def as_jax_integer(step: Any) -> Any:
    """A NumPy integer step (scalar or array) in the integer dtype JAX gives it.

    Without ``jax_enable_x64``, JAX converts an int64 (uint64) argument to int32 (uint32) by
    wrapping, before a jitted function sees it: ``jax.jit(s)(np.int64(2**40))`` reads step 0.
    The eager path converts the same way, so that a step gives the same value eagerly and
    under ``jit`` (a Python int past int32 is clamped eagerly; ``jit`` refuses it).
    """
    dtype = np.asarray(step).dtype
    wanted = jax.dtypes.canonicalize_dtype(dtype)
    if wanted == dtype:
        return step
    return np.asarray(step).astype(wanted)  # wraps, as JAX's conversion does


def as_step(step: Any) -> jax.Array:
    """The step as an integer array, clamped to [0, 2**31 - 1].

    Float steps are floored. Negative steps give step 0. A NumPy int64 step is first
    converted as JAX converts it (:func:`as_jax_integer`).
    """
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"A step must be an integer, got the boolean {step!r}.")
    if isinstance(step, np.integer):
        step = as_jax_integer(step)
    if isinstance(step, (int, np.integer)) or (
        isinstance(step, np.ndarray) and step.ndim == 0 and np.issubdtype(step.dtype, np.integer)
    ):
        return jnp.asarray(min(max(int(step), 0), INT32_MAX), dtype=int_dtype())
    if isinstance(step, np.ndarray) and np.issubdtype(step.dtype, np.integer):
        step = np.clip(as_jax_integer(step), 0, INT32_MAX)
    step = jnp.asarray(step)
    if jnp.issubdtype(step.dtype, jnp.floating):
        step = jnp.floor(jnp.clip(step, 0.0, _FLOAT_STEP_MAX))
    elif jnp.issubdtype(step.dtype, jnp.unsignedinteger):
        step = jnp.minimum(step, INT32_MAX)
    elif not jnp.issubdtype(step.dtype, jnp.integer):
        raise TypeError(f"A step must be an integer or float array, got dtype {step.dtype}.")
    return jnp.maximum(step.astype(int_dtype()), 0)


def step_count(count: Any, like: jax.Array) -> Any:
    """A step count for integer arithmetic with the integer array ``like``.

    A Python int stays as it is (folded into the compiled program); an array, a count that
    differs between the schedules of a stacked sweep (traced under ``vmap``), is cast to
    ``like``'s integer dtype (int64 under x64), so that no dtype promotion happens.
    """
    return count if is_concrete(count) else jnp.asarray(count).astype(like.dtype)


def ratio(num: jax.Array, den: int | jax.Array, dtype: Any) -> jax.Array:
    """``num / den`` for non-negative integers, converted to float only at the end."""
    return num.astype(dtype) / jnp.asarray(den, dtype=dtype)


# Error-free transformations (Dekker, Knuth), shared with the classic types.


def _split(a: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Split float32 ``a`` into ``hi + lo`` with 12 significant bits in ``hi`` (exact)."""
    bits = lax.bitcast_convert_type(a, jnp.uint32)
    hi = lax.bitcast_convert_type(bits & jnp.uint32(0xFFFFF000), jnp.float32)
    return hi, a - hi


def two_prod(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
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
    c: Any,
    n: jax.Array,
    dtype: Any,
    *,
    n_max: int = INT32_MAX,
    c_rest: Any = 0.0,
    scale: Any = 1.0,
) -> jax.Array:
    """``scale * exp(c * n)`` for an integer array ``0 <= n <= n_max`` and ``c <= 0`` (or
    ``c > 0``, a rising factor, up to float32's largest number), accurate to a few float32 ulps.

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
    plain = is_concrete(c, scale) and -69.0 <= float(c) * n_max <= 69.0
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
    # below -450 the result is 0, above 450 inf, for any float32 scale (a rising factor's
    # exponent may be huge: its rounding error lo then means nothing)
    lo = jnp.where(hi > 450.0, 0.0, lo)
    hi = jnp.clip(hi, -450.0, 450.0)
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


def sin2_of_fraction(num: jax.Array, den: Any, dtype: Any) -> jax.Array:
    """``sin(pi/2 * num/den) ** 2``: the cosine-annealing factor ``(1 + cos(pi * (1 - q))) / 2``.

    Written on the *remaining* fraction ``q = num/den`` so that the end of a decay, where the
    factor is tiny, keeps full relative accuracy (``1 + cos(x)`` near ``x = pi`` would cancel).
    """
    if not is_concrete(den):  # a traced length (a stacked sweep): two roundings, not one
        return jnp.square(
            jnp.sin(num.astype(dtype) / den.astype(dtype) * as_float(_HALF_PI, dtype))
        )
    # One multiply by the constant pi / (2 den) (rounded once) instead of a division per step.
    return jnp.square(jnp.sin(num.astype(dtype) * as_float(_HALF_PI / den, dtype)))


def _two_sum(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a + b == s + err`` exactly, for any order of magnitude (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _pair(value: float) -> tuple[jax.Array, jax.Array]:
    """A float64 number as two float32 numbers ``hi + lo``."""
    hi = float32(value)
    return jnp.float32(hi), jnp.float32(value - hi)


@functools.cache
def _log2_tables() -> tuple[Any, Any, Any, Any]:
    """log2 on [0.75, 1.5) around the centres c = j / 128: log2(c) and 1 / c as float32 pairs."""
    import numpy

    centres = numpy.arange(96, 193) / 128.0
    log2_c = numpy.log2(centres)
    log2_hi = log2_c.astype(numpy.float32)
    log2_lo = (log2_c - log2_hi.astype(numpy.float64)).astype(numpy.float32)
    inv_hi = (1 / centres).astype(numpy.float32)
    inv_lo = (1 / centres - inv_hi.astype(numpy.float64)).astype(numpy.float32)
    return log2_hi, log2_lo, inv_hi, inv_lo


def _log2_pair(x_hi: jax.Array, x_lo: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``log2(x_hi + x_lo)`` as a float32 pair, to about ``2**-40`` relative (``x_hi > 0``).

    ``x_hi = m * 2**k`` with ``m`` in ``[0.75, 1.5)``; ``m = c (1 + u)`` with ``c`` the nearest
    multiple of 1/128 (``|u| <= 2**-8``, ``u`` computed as a pair); ``log2(x) = k + log2(c) +
    log(1 + u) / ln 2``, the series of ``log(1 + u)`` to ``u**5``. Near ``x = 1`` (``c = 1``,
    ``k = 0``) every term is relative to ``u``: no cancellation.
    """
    mant, expo = jnp.frexp(x_hi)  # mant in [0.5, 1)
    low = mant < 0.75
    m = jnp.where(low, 2 * mant, mant)
    k = jnp.where(low, expo - 1, expo)
    d_lo = ldexp_exact(x_lo, -k)  # x_lo in the scale of m (x_lo / x_hi <= 2**-23: never flushed)
    index = jnp.round(m * 128.0).astype(jnp.int32)
    c = index.astype(jnp.float32) / 128.0
    row = index - 96
    d = m - c  # exact (Sterbenz)
    log2_hi, log2_lo, inv_hi_table, inv_lo_table = _log2_tables()
    inv_hi, inv_lo = jnp.asarray(inv_hi_table)[row], jnp.asarray(inv_lo_table)[row]
    u, u_err = two_prod(d, inv_hi)
    u, u_lo = _two_sum(u, u_err + d * inv_lo + d_lo * inv_hi)  # u may be 0 and u_lo not
    series = u * u * (-0.5 + u * (1 / 3 + u * (-0.25 + u * 0.2)))  # log(1 + u) - u
    s_lo = u_lo + series
    i_hi, i_lo = _pair(1 / math.log(2))
    p_hi, p_err = two_prod(u, i_hi)  # (u + s_lo) / ln 2
    p_lo = p_err + u * i_lo + s_lo * i_hi
    hi, err1 = _two_sum(k.astype(jnp.float32), jnp.asarray(log2_hi)[row])
    hi, err2 = _two_sum(hi, p_hi)
    return _two_sum(hi, err1 + err2 + jnp.asarray(log2_lo)[row] + p_lo)


def _inverse_pair(den: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``1 / den`` as a float32 pair ``hi + lo``, to about ``2**-46``, for a traced integer
    ``1 <= den <= 2**31 - 1`` (what :func:`_pair` gives in float64 for a concrete one).

    ``den = d_hi + d_lo`` exactly (its top bits and its low 8 bits), ``hi = 1 / den`` rounded,
    and the residual ``1 - hi * den``, small, is found exactly from two exact products; then
    ``lo = residual * hi``.
    """
    den = jnp.asarray(den).astype(jnp.int32)
    d_hi = ((den >> 8) << 8).astype(jnp.float32)  # exact: 23 bits
    d_lo = (den & 0xFF).astype(jnp.float32)
    hi = 1 / (d_hi + d_lo)
    a, a_err = two_prod(hi, d_hi)
    b, b_err = two_prod(hi, d_lo)
    s, s_err = _two_sum(a, b)  # s is within a few ulps of 1: 1 - s is exact
    residual = ((1 - s) - s_err) - (a_err + b_err)
    return hi, residual * hi


def pow_fraction(
    num: jax.Array, den: Any, power: Any, dtype: Any, *, scale: Any = 1.0, power_lo: Any = 0.0
) -> jax.Array:
    """``scale * (num / den) ** power`` for integers ``0 <= num <= den`` and ``power > 0``.

    A plain ``x ** p`` in float32 is ``exp2(p * log2(x))`` and loses ``|p log2 x|`` ulps
    (1e-6 at power 7.5, 2.8e-6 at power 19): the rounding of ``x``, of ``log2 x`` and of ``p``
    all land in the exponent. Here ``x`` is a float32 pair (``num`` split into exact parts,
    ``1 / den`` a pair), ``log2 x`` a pair (:func:`_log2_pair`), ``p`` a pair (a concrete
    ``power`` is split in float64; a traced one is a float32 number plus ``power_lo``), so
    ``y = p log2 x`` is known to about ``2**-40 |y|``. Then ``y = n + g`` (``n`` an integer)
    and ``scale = m 2**q``: the result is ``m * exp2(g)`` times ``2**(n + q)``, applied exactly,
    so nothing underflows before the result does. ``num == den`` gives ``scale``, ``num == 0``
    gives 0, for every ``power`` up to the largest float32. ``den`` may be a traced integer
    (a stacked sweep, ``den >= 1``): ``1 / den`` is then a pair found in-graph
    (:func:`_inverse_pair`).
    """
    if dtype == jnp.float64:
        x = ratio(num, den, dtype)
        return jnp.asarray(scale, dtype) * jnp.power(x, jnp.asarray(power, dtype))
    num = num.astype(jnp.int32)
    n_hi = ((num >> 8) << 8).astype(jnp.float32)  # exact: 23 bits
    n_lo = (num & 0xFF).astype(jnp.float32)
    i_hi, i_lo = _pair(1 / den) if is_concrete(den) else _inverse_pair(den)
    a, a_err = two_prod(n_hi, i_hi)
    b, b_err = two_prod(n_lo, i_hi)
    x_hi, ab_err = _two_sum(a, b)
    x_hi, x_lo = _fast_two_sum(x_hi, (a_err + b_err + ab_err) + (n_hi + n_lo) * i_lo)
    value = pow_pair(x_hi, x_lo, power, num > 0, scale=scale, power_lo=power_lo)
    return jnp.where(num >= den, jnp.asarray(scale, jnp.float32), value)


def pow_of(x: jax.Array, power: Any, dtype: Any, *, scale: Any = 1.0) -> jax.Array:
    """``scale * x ** power`` for a float array ``0 <= x <= 1`` and a concrete ``power > 0``.

    As :func:`pow_fraction`, with ``x`` itself rounded once (a float32 number, such as a
    cosine factor): ``y = power * log2 x`` is carried as a pair, so a large ``|y|`` costs no
    accuracy; the result is as accurate as ``x`` is, times ``power``.
    """
    if dtype == jnp.float64:
        return jnp.asarray(scale, dtype) * jnp.power(x, jnp.asarray(power, dtype))
    x = x.astype(jnp.float32)
    return pow_pair(x, jnp.zeros_like(x), power, x > 0, scale=scale)


def pow_pair(
    x_hi: jax.Array,
    x_lo: jax.Array,
    power: Any,
    positive: jax.Array,
    *,
    scale: Any = 1.0,
    power_lo: Any = 0.0,
) -> jax.Array:
    """``scale * (x_hi + x_lo) ** power`` in float32 for a float32 pair ``0 < x <= 1`` (0
    where ``positive`` is false), with the accuracy of :func:`pow_fraction` (which forms the
    pair from an integer fraction): ``log2 x``, ``power`` and their product are pairs, and
    ``2 ** y`` is applied as ``m * exp2(g) * 2**(n + q)``.
    """
    if is_concrete(power):
        p_hi, p_lo = _pair(float(power))
    else:
        p_hi = jnp.asarray(power, jnp.float32)
        p_lo = jnp.asarray(power_lo, jnp.float32)
    x_hi = jnp.where(positive, x_hi, 1.0)  # 0 ** p is handled at the end
    l_hi, l_lo = _log2_pair(x_hi, jnp.where(positive, x_lo, 0.0))
    y_hi, y_err = two_prod(p_hi, l_hi)
    y_hi, y_lo = _two_sum(y_hi, y_err + p_hi * l_lo + p_lo * l_hi)
    deep = ~(y_hi > -700.0) | ~jnp.isfinite(y_lo)  # far below any float32: 0 (no inf or NaN)
    y_hi = jnp.where(deep, -700.0, y_hi)
    y_lo = jnp.where(deep, 0.0, y_lo)
    whole = jnp.floor(y_hi)
    g = (y_hi - whole) + y_lo  # y_hi - whole is exact
    if is_concrete(scale):
        m_value, q_value = math.frexp(float(scale))
        m, q = jnp.float32(m_value), q_value
    else:
        m, q = jnp.frexp(jnp.asarray(scale, jnp.float32))
    value = ldexp_exact(m * jnp.exp2(g), whole.astype(jnp.int32) + q)
    return jnp.where(positive, value, 0.0)


@dataclasses.dataclass(frozen=True)
class Factor(LazyPytree):
    """A factor ``x`` in (0, 1] applied an integer number of times, kept as its logarithm.

    With ``grows`` the factor may be above 1: a rising rate (torch's ``StepLR`` and
    ``ExponentialLR`` allow ``gamma > 1``), whose power overflows to inf past float32's range.

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
    #: Whether the factor may be above 1 (a rising rate); static.
    grows: bool = dataclasses.field(default=False, metadata={"static": True})

    def __post_init__(self) -> None:
        if is_concrete(self.log) and not (self.grows or float(self.log) <= 0.0):
            raise ValueError(f"A factor must be in (0, 1]; got exp({self.log!r}).")
        if is_concrete(self.log) and not math.isfinite(float(self.log)):
            raise ValueError(f"A factor must be a positive finite number; got exp({self.log!r}).")

    @classmethod
    def of(cls, value: Any, *, grows: bool = False) -> Factor:
        """The factor ``value`` (a number in (0, 1], or above 1 with ``grows``; or a float64
        array of them: a stack)."""
        if not is_concrete(value):
            log = np.log(np.asarray(value, np.float64))
            lo = log - log.astype(np.float32).astype(np.float64)
            return cls(log=log, log_lo=lo, grows=grows)
        if not (0.0 < value <= 1.0 or (grows and 1.0 < value < math.inf)):
            raise ValueError(f"A factor must be in (0, 1]; got {value!r}.")
        log = math.log(value)
        return cls(log=log, log_lo=log - float32(log), grows=grows)

    @property
    def value(self) -> float:
        """The factor itself, ``exp(log)``."""
        return math.exp(self.log)

    def __float__(self) -> float:
        return self.value

    def power(self, n: Any, dtype: Any, n_max: int = INT32_MAX, scale: Any = 1.0) -> Any:
        """``scale * value ** n`` for an integer array ``0 <= n <= n_max``, accurate in float32.

        ``scale`` (a rate) is applied without forming ``value ** n`` alone, which flushes to 0
        below 1.2e-38 where the product may still be a normal number.
        """
        if is_concrete(self.log) and float(self.log) == 0.0:
            return jnp.broadcast_to(as_float(scale, dtype), n.shape)
        value = exp_times_int(self.log, n, dtype, n_max=n_max, c_rest=self.log_lo, scale=scale)
        if self.grows and not (is_concrete(self.log) and float(self.log) < 0.0):
            # past float32's range exp(c n) is inf and exp(c n) * (1 + lo) is inf - inf: inf
            value = jnp.where(jnp.isnan(value), jnp.asarray(jnp.inf, value.dtype), value)
        return value

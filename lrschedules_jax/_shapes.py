"""Formula pieces of the LLM-era schedules, as pure functions of exact integer steps.

Nothing here knows the schedule classes: every function takes integer step arrays (the clamped
steps ``Schedule.__call__`` hands to ``_value``), static Python numbers for the phase lengths,
and returns a float factor of ``dtype``. The schedules compose them as
``stop + (start - stop) * factor`` (decays) or ``f s0 + (s0 - f s0) * factor`` (warmups).

The package's numerical rule holds throughout: a factor that is tiny at one end of
its phase is written on the exact integer distance to that end (``remaining`` for a decay,
``done`` for a warmup), never as ``1 - something``, so it keeps its relative accuracy down to
the last step of the phase.

Contents:
  - shapes on an integer fraction ``x / length``: ``_numerics.sin2_of_fraction`` (cosine
    warmup and decay), :func:`one_minus_sqrt` (the ``1-sqrt`` warmup and decay of Hägele et
    al. 2024), :func:`rex_factor` (REX, Chen et al. 2022), :func:`cos_k_factor` (timm's
    ``k_decay``); :func:`warmup_factor` and :func:`decay_factor` pick one by name;
  - :func:`restart_cycle`: timm's cycle index with an integer ``cycle_mul`` and ``cycle_limit``
    in exact integer arithmetic (also for traced ``first`` and ``mult``: a stacked sweep), and
    with a float ``cycle_mul`` from the exact table of :func:`cycle_table`;
    :func:`cycle_fraction`, the fraction of the cycle left as a float32 pair, for
    :func:`tanh_factor` (timm's tanh decay);
  - :func:`lr_noise` and :func:`noise_factor`: timm's multiplicative LR noise, jit-safe and
    deterministic in ``(seed, step)``;
  - :func:`batch_scale` and :func:`scaled_warmup`: the large-batch rule (Goyal et al. 2017).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

from ._jax import jax, jnp, np  # lazy: importing this module does not import JAX
from ._numerics import (
    _fast_two_sum,
    _inverse_pair,
    _pair,
    _two_sum,
    is_concrete,
    sin2_of_fraction,
    step_count,
    two_prod,
)

__all__ = [
    "DECAY_SHAPES",
    "WARMUP_SHAPES",
    "CycleTable",
    "batch_scale",
    "cos_k_factor",
    "cycle_fraction",
    "cycle_table",
    "cycles_ratio",
    "decay_factor",
    "lr_noise",
    "noise_factor",
    "one_minus_sqrt",
    "restart_cycle",
    "rex_factor",
    "scaled_warmup",
    "sin_of_fraction",
    "tanh_factor",
    "warmup_factor",
    "wave_fits",
    "wave_period",
    "wave_phase",
    "wave_sin",
]

INT32_MAX = 2**31 - 1
WARMUP_SHAPES = ("linear", "cosine", "1-sqrt")
DECAY_SHAPES = ("linear", "cosine", "1-sqrt")  # wsd's inverse_linear is not a factor shape


def _fraction(x: jax.Array, length: float, dtype: Any) -> jax.Array:
    """``x / length`` for an integer array ``x``; rounded once (twice for a real ``length``)."""
    return x.astype(dtype) / jnp.asarray(length, dtype)


def one_minus_sqrt(x: jax.Array, length: float, dtype: Any) -> jax.Array:
    """``1 - sqrt(1 - x / length)`` for integers ``0 <= x <= length``, without cancellation.

    Computed as ``(x / L) / (1 + sqrt((L - x) / L))``. With ``x = remaining`` it is the
    ``1-sqrt`` decay ``1 - sqrt(tau)`` (Hägele et al. 2024; HF ``decay_type="1-sqrt"``,
    ``tau = done / L``); with ``x = step`` it is HF's ``1-sqrt`` warmup ``1 - sqrt(1 - p)``.
    ``length`` may be a real number (a scaled warmup): ``L - x`` is then the exact integer
    ``floor(L) - x`` plus the fractional part of ``L``; traced, an integer, or a pair
    ``(end, gap)`` for ``L = end - gap`` (``L - x`` is then ``(end - x) - gap``).
    """
    if isinstance(length, (int, float)):
        whole = math.floor(length)  # L - x = (floor(L) - x) + frac(L): exact integer part
        rest = (whole - x).astype(dtype) + jnp.asarray(length - whole, dtype)
    elif isinstance(length, tuple):  # traced L = end - gap (a stacked batch-scaled warmup)
        end, gap = length
        rest = (end - x).astype(dtype) - gap  # the same exact integer part
        length = end.astype(dtype) - gap
    else:  # a traced integer length (a stacked sweep)
        rest = (length - x).astype(dtype)
    rest = jnp.maximum(rest, 0) / jnp.asarray(length, dtype)
    return _fraction(x, length, dtype) / (1 + jnp.sqrt(rest))


def rex_factor(remaining: jax.Array, length: float, dtype: Any) -> jax.Array:
    """REX's ``(1 - z) / (1 - z / 2)`` with ``z = 1 - remaining / length``: ``2 r / (L + r)``.

    Chen, Wolfe, Kyrillidis, "REX: Revisiting Budgeted Training with an Improved Schedule"
    (2022). Exact at both ends: 1 at ``remaining = length``, 0 at ``remaining = 0``.
    """
    r = remaining.astype(dtype)
    return (r + r) / (jnp.asarray(length, dtype) + r)


def cos_k_factor(
    done: jax.Array, remaining: jax.Array, length: Any, k: Any, dtype: Any
) -> jax.Array:
    """timm's k-decay cosine ``(1 + cos(pi * q ** k)) / 2`` with ``q = done / length``.

    ``done`` (timm's ``t_curr``, an exact integer array) and ``remaining = length - done`` (an
    integer array, or a float array whose integer part is exact, from :func:`restart_cycle`)
    are both given, so that each end of the cycle is computed from an exact distance to it.
    Written as ``sin(pi/2 * u) ** 2`` with ``u = 1 - q ** k``, and ``u`` from whichever form is
    accurate: ``-expm1(k log q)`` for ``q < 1/2``, ``-expm1(k log1p(-remaining / length))``
    otherwise (``q`` close to 1, where ``1 - q ** k`` would cancel). ``k > 0``, and may be
    traced; ``k == 1`` (a Python number) is the plain cosine ``sin(pi/2 * remaining / length)**2``.
    ``length`` is a Python number or a ``dtype`` array of the steps' shape.
    """
    size = jnp.asarray(length, dtype)
    x = remaining.astype(dtype) / size
    if isinstance(k, (int, float, np.number)) and float(k) == 1.0:
        return jnp.square(jnp.sin(x * jnp.asarray(math.pi / 2, dtype)))
    kk = jnp.asarray(k, dtype)
    q = done.astype(dtype) / size
    u_small_q = -jnp.expm1(kk * jnp.log(q))  # log(0) = -inf gives u = 1 at the cycle start
    u_large_q = -jnp.expm1(kk * jnp.log1p(-jnp.minimum(x, 0.5)))
    u = jnp.where(q < 0.5, u_small_q, u_large_q)
    return jnp.square(jnp.sin(u * jnp.asarray(math.pi / 2, dtype)))


# The shapes on an exact integer fraction ``x / length`` (0 at x = 0, 1 at x = length).
_SHAPES = {
    "linear": _fraction,
    "cosine": sin2_of_fraction,
    "1-sqrt": one_minus_sqrt,
    "rex": rex_factor,
}


def warmup_factor(kind: str, step: jax.Array, length: float, dtype: Any) -> jax.Array:
    """The warmup factor ``g(p)``, ``p = step / length``, from 0 at step 0 to 1 at ``length``.

    ``"linear"``: ``p`` (DeePMD's); ``"cosine"``: ``(1 - cos(pi p)) / 2``; ``"1-sqrt"``:
    ``1 - sqrt(1 - p)`` (HF ``get_wsd_schedule``'s ``warmup_type``). The rate in the warmup is
    ``f s0 + (s0 - f s0) g(p)``; ``step`` is an integer array in ``[0, length]``; ``length`` is
    the warmup length, an int, or a real number for a batch-scaled warmup.
    """
    if kind not in WARMUP_SHAPES:
        raise ValueError(f"`warmup_type` must be one of {WARMUP_SHAPES}; got {kind!r}.")
    return _SHAPES[kind](step, length, dtype)


def decay_factor(kind: str, remaining: jax.Array, length: int, dtype: Any) -> jax.Array:
    """The decay factor ``h``, 1 at the start of the decay and 0 at its end.

    ``remaining`` (an integer array in ``[0, length]``) is the number of decay steps left,
    ``tau = 1 - remaining / length``: ``"linear"``: ``1 - tau``; ``"cosine"``:
    ``(1 + cos(pi tau)) / 2``; ``"1-sqrt"``: ``1 - sqrt(tau)``; ``"rex"``:
    ``(1 - tau) / (1 - tau / 2)``. The rate is ``e + (s0 - e) h``, HF's
    ``min_lr_ratio + (1 - min_lr_ratio) * factor`` times the peak.

    Examples:
      >>> remaining = jnp.asarray([1000, 750, 500, 0])
      >>> [round(float(v), 6) for v in decay_factor("1-sqrt", remaining, 1000, jnp.float32)]
      [1.0, 0.5, 0.292893, 0.0]
      >>> [round(float(v), 6) for v in decay_factor("rex", remaining, 1000, jnp.float32)]
      [1.0, 0.857143, 0.666667, 0.0]
    """
    if kind not in (*DECAY_SHAPES, "rex"):
        raise ValueError(f"`decay_type` must be one of {(*DECAY_SHAPES, 'rex')}; got {kind!r}.")
    return _SHAPES[kind](remaining, length, dtype)


MAX_CYCLES = 20_000  # the cycles a fractional ``cycle_mult`` may start below 2**31


@dataclasses.dataclass(frozen=True)
class CycleTable:
    """Every cycle of ``first`` steps growing ``mult`` times (``mult > 1``, a float) that starts
    at or before ``2**31 - 1``, found exactly.

    Cycle ``i`` starts at the real step ``S_i = first * (mult**i - 1) / (mult - 1)`` and lasts
    ``L_i = first * mult**i`` (timm's ``t_i``): with ``mult = M / 2**k`` (a float is a dyadic
    rational), ``S_i * 2**(k i)`` is an integer, so the first integer step of each cycle,
    ``ceil(S_i)``, is found in Python integers, never by a rounded ``log``. The fractional
    parts are float64 numbers, each rounded once.

    Attributes:
      first, mult: the cycle keys.
      starts: ``b_i = ceil(S_i)``, the first integer step of cycle ``i`` (int32 range).
      offsets: ``b_i - S_i`` in ``[0, 1)``: the step ``b_i`` is ``offsets[i]`` into its cycle.
      ends: ``min(b_{i+1}, 2**31 - 1)``, an int32.
      end_offsets: ``S_{i+1} - ends[i]``: the steps left at step ``t`` of cycle ``i`` are
        ``(ends[i] - t) + end_offsets[i]`` (``-offsets[i + 1]``, or the excess of a cycle that
        ends past ``2**31 - 1``).
      lengths: ``L_i``.
    """

    first: int
    mult: float
    starts: tuple[int, ...]
    offsets: tuple[float, ...]
    ends: tuple[int, ...]
    end_offsets: tuple[float, ...]
    lengths: tuple[float, ...]

    def __repr__(self) -> str:
        return f"<{len(self.starts)} cycles: cycle_steps {self.first}, cycle_mult {self.mult!r}>"


_FIXED = 128  # fractional bits of the fixed-point cycle starts of cycle_table


@functools.lru_cache(maxsize=256)
def cycle_table(first: int, mult: float) -> CycleTable:
    """The :class:`CycleTable` of ``first`` and ``mult > 1`` (ValueError past ``MAX_CYCLES``).

    The starts are summed in fixed point with 128 fractional bits, rounded down, with a bound
    on the error (below ``2**-80``); where that interval holds an integer, ``ceil(S_i)`` is
    taken from the exact rational ``S_i`` instead. So every ``ceil(S_i)`` is exact.

    Examples:
      >>> table = cycle_table(40, 1.5)
      >>> table.starts[:6], table.offsets[5], table.lengths[5]
      ((0, 40, 100, 190, 325, 528), 0.5, 303.75)
    """
    from fractions import Fraction

    num, den = float(mult).as_integer_ratio()
    one = 1 << _FIXED
    starts: list[int] = []
    offsets: list[float] = []
    lengths: list[float] = []
    low, size = 0, first * one  # S_i and L_i in fixed point, rounded down
    err = 0  # the error bound of ``low`` in fixed-point units
    size_err = 0
    i = 0
    while True:
        start = -((-low) >> _FIXED)  # ceil of the lower bound
        if start != -((-(low + err)) >> _FIXED):  # an integer in the interval: exactly
            exact = Fraction(first) * (Fraction(num, den) ** i - 1) / (Fraction(num, den) - 1)
            start = math.ceil(exact)
            offset = float(start - exact)
            value = exact
        else:
            offset = ((start << _FIXED) - low - err // 2) / one
            value = None
        if start > INT32_MAX:
            ends = [min(b, INT32_MAX) for b in starts[1:]] + [INT32_MAX]
            end_offsets = [-o for o in offsets[1:]]
            over = value - INT32_MAX if value is not None else (low - INT32_MAX * one) / one
            end_offsets.append(float(over))  # the excess of the last cycle past 2**31 - 1
            return CycleTable(
                first,
                float(mult),
                tuple(starts),
                tuple(offsets),
                tuple(ends),
                tuple(end_offsets),
                tuple(lengths),
            )
        if i >= MAX_CYCLES:
            raise ValueError(
                f"cycle_mult {mult!r} with cycle_steps {first} starts more than {MAX_CYCLES} "
                "cycles before step 2**31 - 1"
            )
        starts.append(start)
        offsets.append(offset)
        lengths.append(size / one)
        low += size
        err += size_err
        size = size * num // den  # rounded down: one unit more of error, times mult after
        size_err = size_err * num // den + 2
        i += 1


def restart_table(first: int, mult: int) -> tuple[list[int], list[int]]:
    """The start and length of every cycle that starts at or before ``2**31 - 1``.

    Cycle ``i`` has length ``first * mult ** i`` and starts at
    ``first * (mult ** i - 1) / (mult - 1)`` (``first * i`` for ``mult == 1``): Python
    integers, exact. For ``mult == 1`` only the first cycle is listed (the index is a division).
    """
    starts, lengths = [0], [first]
    if mult == 1:
        return starts, lengths
    while starts[-1] + lengths[-1] <= INT32_MAX:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * mult)
    return starts, lengths


def restart_cycle(
    t: jax.Array, first: int, mult: int, dtype: Any
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """timm's cycle index, in integers: ``(i, done, remaining, length)`` for steps ``t >= 0``.

    timm computes ``i = floor(log(1 - t / T0 * (1 - m), m))`` in floating point, which can land
    one cycle early at a restart; here ``i`` is found by comparing ``t`` with the exact cycle
    starts. ``i`` and ``done`` (timm's ``t_curr``) are integer arrays; ``remaining`` (the steps
    left in cycle ``i``, ``t_i - t_curr``) and ``length`` (``t_i``) are ``dtype`` arrays whose
    integer parts are exact (a cycle longer than ``2**31 - 1`` carries its excess as an exact
    float offset).
    The caller applies ``cycle_limit``: from cycle ``i >= cycle_limit`` on, the rate is ``lr_min``.
    ``first`` and ``mult`` may be traced integers (a stacked sweep): see
    :func:`_restart_cycle_traced`.
    """
    if not is_concrete(first, mult):
        return _restart_cycle_traced(t, first, mult, dtype)
    if mult == 1:
        i = t // first
        done = t - i * first
        return i, done, (first - done).astype(dtype), jnp.full(t.shape, first, dtype)
    if not float(mult).is_integer():  # timm's float cycle_mul: cycles of real lengths
        table = cycle_table(first, float(mult))
        i = _cycle_index(t, table)
        done = (t - jnp.asarray(table.starts, t.dtype)[i]).astype(dtype)
        done = done + jnp.asarray(table.offsets, dtype)[i]
        remaining = (jnp.asarray(table.ends, t.dtype)[i] - t).astype(dtype)
        remaining = remaining + jnp.asarray(table.end_offsets, dtype)[i]
        return i, done, remaining, jnp.asarray(table.lengths, dtype)[i]
    mult = int(mult)
    starts, lengths = restart_table(first, mult)
    int_t = t.dtype
    i = (jnp.searchsorted(jnp.asarray(starts, int_t), t, side="right") - 1).astype(int_t)
    into = t - jnp.asarray(starts, int_t)[i]
    clipped = [min(n, INT32_MAX) for n in lengths]
    extra = jnp.asarray([float(n - c) for n, c in zip(lengths, clipped, strict=True)], dtype)
    remaining = (jnp.asarray(clipped, int_t)[i] - into).astype(dtype) + extra[i]
    length = jnp.asarray([float(n) for n in lengths], dtype)[i]
    return i, into, remaining, length


def _cycle_index(t: jax.Array, table: CycleTable) -> jax.Array:
    """The cycle of each step ``t >= 0``: the last ``i`` with ``starts[i] <= t`` (int32)."""
    starts = jnp.asarray(table.starts, t.dtype)
    return (jnp.searchsorted(starts, t, side="right") - 1).astype(t.dtype)


def _host_pair(values: Any) -> tuple[jax.Array, jax.Array]:
    """Float64 numbers (a sequence) as two float32 arrays ``hi + lo``."""
    exact = np.asarray(values, np.float64)
    hi = exact.astype(np.float32)
    return jnp.asarray(hi), jnp.asarray((exact - hi.astype(np.float64)).astype(np.float32))


def _int_pair(n: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Integers ``0 <= n <= 2**31 - 1`` as a float32 pair ``hi + lo`` (``hi`` the nearest
    float32), exactly."""
    n = n.astype(jnp.int32)
    return _two_sum(((n >> 8) << 8).astype(jnp.float32), (n & 0xFF).astype(jnp.float32))


def _pair_add(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[jax.Array, jax.Array]:
    """``a + b`` for float32 pairs, to about ``2**-44`` of the larger."""
    s, err = _two_sum(a[0], b[0])
    return _fast_two_sum(s, err + a[1] + b[1])


def _pair_mul(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[jax.Array, jax.Array]:
    """``a * b`` for float32 pairs, to about ``2**-44`` relative."""
    p, err = two_prod(a[0], b[0])
    return _fast_two_sum(p, err + a[0] * b[1] + a[1] * b[0])


def cycle_fraction(
    t: jax.Array, first: Any, mult: Any, dtype: Any
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(i, r_hi, r_lo)``: the cycle of each step ``t >= 0`` and the fraction of it left,
    ``r = (L_i - t_i) / L_i`` (1 at a restart, towards 0 at the cycle's end), as a float32 pair
    ``r_hi + r_lo`` good to about ``2**-44`` (float64: ``r_lo = 0``).

    The steps left are an exact integer plus a fraction the host computed in float64
    (:class:`CycleTable`), and ``1 / L_i`` a pair, so ``r`` keeps the accuracy a formula with
    a steep factor needs (timm's tanh, where an error ``dr`` moves the rate by ``(ub - lb) dr``).
    ``first`` may be a traced integer with ``mult == 1`` (a stacked sweep of the decay length).
    """
    if not is_concrete(first) or mult == 1:
        size = step_count(first, t)
        i = t // size
        left = size - (t - i * size)  # exact
        if dtype == jnp.float64:
            return i, left.astype(dtype) / jnp.asarray(size, dtype), jnp.zeros((), dtype)
        inverse = _pair(1 / first) if is_concrete(first) else _inverse_pair(size)
        return (i, *_pair_mul(_int_pair(left), inverse))
    table = cycle_table(first, float(mult))
    i = _cycle_index(t, table)
    left = jnp.asarray(table.ends, t.dtype)[i] - t
    if dtype == jnp.float64:
        rest = left.astype(dtype) + jnp.asarray(table.end_offsets, dtype)[i]
        return i, rest / jnp.asarray(table.lengths, dtype)[i], jnp.zeros((), dtype)
    frac_hi, frac_lo = _host_pair(table.end_offsets)
    inv_hi, inv_lo = _host_pair([1 / n for n in table.lengths])
    rest = _pair_add(_int_pair(left), (frac_hi[i], frac_lo[i]))
    return (i, *_pair_mul(rest, (inv_hi[i], inv_lo[i])))


def tanh_factor(r_hi: jax.Array, r_lo: Any, lb: float, ub: float, dtype: Any) -> jax.Array:
    """timm's tanh decay ``(1 - tanh(lb + (ub - lb) q)) / 2`` with ``q = 1 - r``.

    Hsueh et al. 2019, "Stochastic Gradient Descent with Hyperbolic-Tangent Decay on
    Classification" (timm's ``TanhLRScheduler``). With ``u = 2 (lb + (ub - lb) q) = 2 ub -
    2 (ub - lb) r`` it is ``1 / (1 + exp(u))``, evaluated as ``e / (1 + e)`` with ``e =
    exp(-u)`` where ``u > 0`` (the tail, where the factor is small and keeps its relative
    accuracy) and ``1 / (1 + exp(u))`` elsewhere; nothing overflows. ``r`` is a float32 pair
    (:func:`cycle_fraction`) and ``u`` is formed as a pair from ``lb`` and ``ub`` split in
    float64, so the only roundings left are those of ``exp`` and the last division.
    """
    c, d = 2.0 * ub, 2.0 * (ub - lb)
    if dtype == jnp.float64:
        u_hi = jnp.asarray(c, dtype) - jnp.asarray(d, dtype) * r_hi
        u_lo = jnp.zeros((), dtype)
    else:
        p_hi, p_lo = _pair_mul(_pair(d), (r_hi, jnp.asarray(r_lo, jnp.float32)))
        u_hi, u_lo = _pair_add(_pair(c), (-p_hi, -p_lo))
    tail = u_hi > 0
    a_hi = -jnp.abs(u_hi)  # exp(-|u|) with the low part to first order (|u_lo| < 2**-20)
    a_lo = jnp.where(tail, -u_lo, u_lo)
    e = jnp.exp(a_hi) * (1 + a_lo)
    return jnp.where(tail, e / (1 + e), 1 / (1 + e))


_CYCLES = 32  # with mult >= 2, cycle 32 starts at 2**32 - 1 or later: beyond any int32 step


def _wide_product(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a * b`` for uint32 ``a, b < 2**31`` as ``(hi, lo)`` uint32: ``hi * 2**32 + lo``, exact."""
    a1, a0 = a >> 16, a & 0xFFFF
    b1, b0 = b >> 16, b & 0xFFFF
    low = a0 * b0
    mid = a1 * b0 + a0 * b1  # < 2**32
    lo = low + (mid << 16)  # modulo 2**32
    hi = a1 * b1 + (mid >> 16) + (lo < low).astype(jnp.uint32)
    return hi, lo


def _restart_cycle_traced(
    t: jax.Array, first: Any, mult: Any, dtype: Any
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """:func:`restart_cycle` for traced ``first`` and ``mult`` (a stacked sweep), exact too.

    The table of :func:`restart_table` is built in-graph (one ``scan`` over the first 32
    cycles, all a ``mult >= 2`` can start within int32) in int32 arithmetic that saturates at
    ``2**31 - 1`` (a start beyond it marks the cycle as never reached); each cycle's length,
    ``first`` or ``previous * mult``, is a 62-bit integer held in two uint32 words, so
    ``remaining = length - done`` is exact before its conversion to ``dtype``, as the concrete
    table's clipped length plus its excess. ``mult == 1`` takes the division of the concrete
    path (selected per row).
    """
    int_t = t.dtype
    c = jnp.asarray(first).astype(jnp.int32)
    m = jnp.asarray(mult).astype(jnp.int32)

    def cycle(carry: Any, _: Any) -> tuple[Any, Any]:
        start, length, ok, hi, lo = carry  # (hi, lo): the exact length, ``length`` saturated
        row = (jnp.where(ok, start, INT32_MAX), ok, hi, lo)
        ok = ok & (length <= INT32_MAX - start)  # the next cycle starts within int32
        start = jnp.where(ok, start + length, INT32_MAX)
        hi, lo = _wide_product(length.astype(jnp.uint32), m.astype(jnp.uint32))
        length = jnp.where(length <= INT32_MAX // m, length * m, INT32_MAX)
        return (start, length, ok, hi, lo), row

    first_cycle = (jnp.int32(0), c, jnp.asarray(True), jnp.uint32(0), c.astype(jnp.uint32))
    _, (table, reached, his, los) = jax.lax.scan(cycle, first_cycle, length=_CYCLES)
    count = jnp.sum(reached, dtype=jnp.int32)
    i = jnp.searchsorted(table, t.astype(jnp.int32), side="right", method="compare_all")
    i = i.astype(jnp.int32) - 1
    i = jnp.minimum(i, count - 1)  # a start saturated at 2**31 - 1 is not reached
    done = t.astype(jnp.int32) - table[i]
    hi, lo = his[i], los[i]
    into = done.astype(jnp.uint32)
    rest_lo = lo - into  # modulo 2**32, with the borrow below
    rest_hi = hi - (lo < into).astype(jnp.uint32)
    two32 = jnp.asarray(2.0**32, dtype)
    remaining = rest_hi.astype(dtype) * two32 + rest_lo.astype(dtype)
    size = hi.astype(dtype) * two32 + lo.astype(dtype)
    # mult == 1: the index is a division (more than 32 cycles), as in restart_cycle.
    one = m == 1
    j = t.astype(jnp.int32) // c
    done_1 = t.astype(jnp.int32) - j * c
    i = jnp.where(one, j, i)
    done = jnp.where(one, done_1, done)
    remaining = jnp.where(one, (c - done_1).astype(dtype), remaining)
    size = jnp.where(one, c.astype(dtype), size)
    return i.astype(int_t), done.astype(int_t), remaining, size


# --- LR noise (timm's Scheduler._add_noise) ---------------------------------------------------

_NOISE_TYPES = ("normal", "uniform")


def _noise_bits(step: jax.Array, seed: int) -> jax.Array:
    """24 random bits per step: ``fold_in(key(seed), step)``, as uint32 in ``[0, 2**24)``.

    The threefry hash of ``fold_in`` is fixed by (seed, step) alone: it does not depend on
    ``jax_threefry_partitionable`` (which changes ``jax.random.uniform``'s bits), on the default
    PRNG implementation, on x64, on the device, or on the batch the step comes in.
    """
    key = jax.random.key(seed, impl="threefry2x32")
    flat = step.reshape(-1).astype(jnp.uint32)  # steps are in [0, 2**31 - 1]
    words = jax.vmap(lambda s: jax.random.key_data(jax.random.fold_in(key, s)))(flat)
    return (words[:, 0] >> 8).reshape(step.shape)


def lr_noise(
    step: jax.Array, *, seed: int, pct: Any, std: Any = 1.0, noise_type: str = "normal"
) -> jax.Array:
    """timm's LR noise at each integer ``step``, a float32 array, deterministic in ``(seed, step)``.

    ``"normal"``: ``std * z`` with ``z`` standard normal conditioned on ``|std * z| < pct`` (timm
    redraws until it is), drawn by the inverse CDF:
    ``z = sqrt(2) * erfinv(s * erf(pct / std / sqrt(2)))`` with ``s`` uniform on ``(-1, 1)``
    (odd multiples of ``2**-24``), then kept strictly inside ``(-pct, pct)``.
    ``"uniform"``: ``(2 u - 1) * pct`` with ``u`` uniform on ``[0, 1)`` (24 bits), in
    ``[-pct, pct)`` as timm's. Always computed in float32 (also under x64), so a float32 and an
    x64 run get the same noise. ``pct`` and ``std`` may be traced (sweeps).

    Examples:
      >>> noise = lr_noise(jnp.arange(1000), seed=42, pct=0.67)
      >>> bool(jnp.all(jnp.abs(noise) < 0.67))
      True
      >>> bool(lr_noise(jnp.asarray(7), seed=42, pct=0.67) == noise[7])
      True
    """
    return _jitted_noise()(step, seed=seed, pct=pct, std=std, noise_type=noise_type)


@functools.cache
def _jitted_noise() -> Any:
    """:func:`_lr_noise`, jitted once (at the first use: importing this module imports no JAX)."""
    return jax.jit(_lr_noise, static_argnames=("seed", "noise_type"))


def _lr_noise(step: jax.Array, *, seed: int, pct: Any, std: Any, noise_type: str) -> jax.Array:
    bits = _noise_bits(step, seed).astype(jnp.int32)
    pct32 = jnp.asarray(pct, jnp.float32)
    if noise_type == "uniform":
        centered = bits.astype(jnp.float32) * jnp.float32(2.0**-23) - 1  # exact, in [-1, 1)
        return centered * pct32
    if noise_type != "normal":
        raise ValueError(f"`noise_type` must be one of {_NOISE_TYPES}; got {noise_type!r}.")
    s = (2 * bits + 1 - 2**24).astype(jnp.float32) * jnp.float32(2.0**-24)  # exact, |s| < 1
    std32 = jnp.asarray(std, jnp.float32)
    edge = jax.lax.erf(pct32 / std32 * jnp.float32(1 / math.sqrt(2)))
    z = jnp.float32(math.sqrt(2)) * jax.lax.erf_inv(s * edge)
    below = jnp.nextafter(pct32, jnp.float32(0))
    return jnp.clip(std32 * z, -below, below)


def noise_factor(
    step: jax.Array,
    *,
    seed: int,
    pct: Any,
    std: Any = 1.0,
    noise_type: str = "normal",
    start: int,
    end: int | None = None,
    dtype: Any,
) -> jax.Array:
    """``1 + noise`` for ``start <= step < end`` (``end=None``: no end), 1 elsewhere.

    timm's ``noise_range_t``: ``[start, end]`` or a single ``start``; the step is the global
    step (warmup included), compared in integers. Multiply the rate by it. ``start`` and
    ``end`` may be traced integers (a stacked sweep): they are compared in the step's type.
    """
    inside = step >= step_count(start, step)
    if end is not None:
        inside = inside & (step < step_count(end, step))
    noise = lr_noise(step, seed=seed, pct=pct, std=std, noise_type=noise_type).astype(dtype)
    return jnp.where(inside, 1 + noise, jnp.ones((), dtype))


# --- The large-batch rule (Goyal et al. 2017) -------------------------------------------------

_BATCH_RULES = ("linear", "sqrt")


def batch_scale(batch_size: int, reference_batch_size: int, rule: str = "linear") -> float:
    """The rate factor ``k``: ``batch_size / reference_batch_size``, or its square root.

    A Python float (float64), applied to every rate of the schedule like the worker scale
    (both sizes are at most ``2**31 - 1``: ``k`` is a normal float64 number).
    """
    if rule == "linear":
        return batch_size / reference_batch_size
    if rule == "sqrt":
        return math.sqrt(batch_size / reference_batch_size)
    raise ValueError(f"`rule` must be one of {_BATCH_RULES}; got {rule!r}.")


def scaled_warmup(
    warmup_steps: int, batch_size: int, reference_batch_size: int, rule: str = "linear"
) -> tuple[int, float]:
    """The warmup ``k`` times longer: ``(first step after it, its real length W = k w)``.

    The large-batch rule (Goyal et al. 2017) warms up while ``step < W`` with the real
    ``W = warmup_steps * k`` and divides by ``W``: the integer boundary is the smallest step
    ``s`` with ``s >= W``, found exactly
    (``s r >= w b`` for the linear rule, ``s**2 r >= w**2 b`` for the square root), and the
    warmup slope uses the real ``W``. Both are Python numbers (static).

    Examples:
      >>> scaled_warmup(100, 8192, 256)  # a batch 32 times the reference: 32 times longer
      (3200, 3200.0)
      >>> scaled_warmup(100, 300, 256)
      (118, 117.1875)
    """
    w, b, r = warmup_steps, batch_size, reference_batch_size
    if rule == "linear":
        boundary = -(-w * b // r)  # ceil(w b / r)
    elif rule == "sqrt":
        boundary = math.isqrt(w * w * b // r)
        while boundary * boundary * r < w * w * b:
            boundary += 1
    else:
        raise ValueError(f"`rule` must be one of {_BATCH_RULES}; got {rule!r}.")
    return boundary, w * batch_scale(b, r, rule)


# ---- waves: a cosine that goes on (Hugging Face's num_cycles) ----------------------------------

#: The largest numerator and denominator of a ``num_cycles`` (kept exact in int32 arithmetic).
CYCLES_LIMIT = 2**15


@functools.cache
def cycles_ratio(num_cycles: float) -> tuple[int, int] | None:
    """``num_cycles`` as ``(p, q)``, ``p / q`` equal to it up to float64 rounding, with
    ``p, q < 2**15``; None if it has no such form (0.3 is 3/10; 1/3 as a float is 1/3)."""
    from fractions import Fraction

    exact = Fraction(num_cycles)
    near = exact.limit_denominator(CYCLES_LIMIT - 1)
    if near.numerator >= CYCLES_LIMIT or abs(near - exact) > exact * Fraction(1, 2**51):
        return None
    return near.numerator, near.denominator


def wave_period(num_cycles: float, length: int) -> tuple[int, int]:
    """``(a, m)`` with ``a / m = num_cycles / length`` in lowest terms (``length >= 1``): the
    wave ``cos(pi a k / m)**2`` of :func:`wave_sin` is ``(1 + cos(2 pi num_cycles k /
    length)) / 2``."""
    p, q = cycles_ratio(num_cycles)  # type: ignore[misc]
    g = math.gcd(p, q * length)
    return p // g, q * length // g


UINT32_MAX = 2**32 - 1


def wave_fits(num_cycles: float, length: int) -> bool:
    """Whether :func:`wave_phase` is exact for ``num_cycles`` over ``length`` steps: its period
    ``m`` fits int32, or the wave advances one unit a step (``a = 1``) and ``m`` fits uint32
    (``num_cycles = 0.5`` over any int32 run)."""
    a, m = wave_period(num_cycles, length)
    return m <= INT32_MAX or (a == 1 and m <= UINT32_MAX)


def _mulmod(k: jax.Array, a: Any, m: Any) -> jax.Array:
    """``(a * k) mod m`` exactly, in uint32, for int32 ``k >= 0``, ``1 <= a < 2**15`` and ``1
    <= m <= 2**31`` (or ``a = 1`` and ``m < 2**32``); ``a`` and ``m`` Python ints or traced
    integers. ``k`` is taken 16 bits at a time, so no product reaches 2**32."""
    u = jnp.uint32
    m = jnp.asarray(m).astype(u) if not is_concrete(m) else u(m)
    k = k.astype(u)
    if is_concrete(a) and a == 1:
        return k % m
    a_u = jnp.asarray(a).astype(u) if not is_concrete(a) else u(a)
    r = (a_u * (k >> 16)) % m  # < 2**30
    for _ in range(16):  # r * 2**16 mod m, one doubling at a time (2 r < 2**32)
        r = (r * u(2)) % m
    r = (r + (a_u * (k & u(0xFFFF))) % m) % m  # a * (k & 0xFFFF) < 2**31
    if not is_concrete(a):  # a traced a of 1 may come with m past 2**31
        r = jnp.where(a_u == 1, k % m, r)
    return r


def wave_phase(k: jax.Array, num_cycles: float, length: Any) -> tuple[jax.Array, Any]:
    """``(r, m)``: the fraction of ``num_cycles * k / length`` is ``r / m`` exactly (``0 <= r <
    m``, ``r`` uint32; ``length`` taken as at least 1, and traced in a stacked sweep, where
    ``a / m`` is reduced as :func:`wave_period` does)."""
    p, q = cycles_ratio(num_cycles)  # type: ignore[misc]
    if is_concrete(length):
        a, m = wave_period(num_cycles, max(int(length), 1))
    else:
        t = jnp.maximum(jnp.asarray(length).astype(jnp.int32), 1).astype(jnp.uint32)
        g = jnp.gcd(jnp.uint32(p), t % jnp.uint32(p))  # gcd(p, q T) = gcd(p, T): p, q coprime
        a, m = jnp.uint32(p) // g, jnp.uint32(q) * (t // g)
    return _mulmod(k, a, m), m


def wave_sin(k: jax.Array, num_cycles: float, length: Any, dtype: Any) -> jax.Array:
    """``|cos(pi num_cycles k / length)|``, whose square is Hugging Face's cosine factor ``(1 +
    cos(2 pi num_cycles k / length)) / 2``, for integers ``k >= 0`` up to 2**31 - 1 (the wave
    goes on: no clamp at ``k = length``).

    With ``num_cycles = p / q`` and ``x = p k / (q length) = a k / m`` in lowest terms, the
    fraction of ``x`` is the exact integer ``r = (a k) mod m``, and ``|cos(pi x)| = sin(pi / 2 *
    |2 r - m| / m)`` is evaluated on the exact integer ``|r - (m - r)|``: the wave keeps its
    relative accuracy near its zeros, at any ``k``. ``length`` may be traced (a stacked sweep):
    then ``a = p``, ``m = q length``.
    """
    r, m = wave_phase(k, num_cycles, length)
    m_float = float(m) if is_concrete(m) else m.astype(dtype)
    rest = jnp.asarray(m, jnp.uint32) - r
    n = jnp.where(r >= rest, r - rest, rest - r)  # |2 r - m| <= m in uint32, without forming 2 r
    if dtype == jnp.float64:
        return jnp.sin(jnp.pi / 2 * n.astype(dtype) / jnp.asarray(m_float, dtype))
    if is_concrete(m_float):
        return jnp.sin(n.astype(dtype) * jnp.asarray(math.pi / 2 / m_float, dtype))
    return jnp.sin(n.astype(dtype) / m_float * jnp.asarray(math.pi / 2, dtype))


def sin_of_fraction(num: jax.Array, den: Any, dtype: Any) -> jax.Array:
    """``sin(pi/2 * num/den)`` for integers ``0 <= num <= den``: the square root of
    ``sin2_of_fraction``, to raise it to a power without squaring first."""
    if not is_concrete(den):
        return jnp.sin(num.astype(dtype) / den.astype(dtype) * jnp.asarray(math.pi / 2, dtype))
    return jnp.sin(num.astype(dtype) * jnp.asarray(math.pi / 2 / den, dtype))

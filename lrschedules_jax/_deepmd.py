"""DeePMD-kit's schedules: ``exp`` (stepped and smooth), ``cosine`` and ``wsd``, and the
``cooldown`` of a stable run.

Each type is one class: its keys (defaults, bounds, descriptions), the derived values and rules
DeePMD-kit applies, and its formula. The reference is DeePMD-kit's own code
(``deepmd/dpmodel/utils/learning_rate.py`` and ``deepmd/utils/argcheck.py``, 3.2).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from ._errors import Problems, describe
from ._jax import jax, jnp, lax, np
from ._numerics import (
    F32_MAX,
    INT32_MAX,
    Factor,
    as_float,
    exp_times_int,
    float32,
    is_concrete,
    pow_fraction,
    pow_of,
    sin2_of_fraction,
    step_count,
    two_prod,
)
from ._schedule import (
    Rule,
    Schedule,
    both_given,
    check_keys,
    derived,
    leaf,
    schedule_class,
    schedule_type,
    stack_size,
    static,
)
from ._shapes import (
    CYCLES_LIMIT,
    cycles_ratio,
    one_minus_sqrt,
    sin_of_fraction,
    wave_fits,
    wave_sin,
)
from ._warmup import StopKeys, WarmupSchedule

_EXP_MIN_STOP = 1e-10
WSD_DECAY_TYPES = ("inverse_linear", "cosine", "linear", "1-sqrt")


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class Cooldown:
    """The ``cooldown`` block of a ``wsd`` or ``constant`` section (an extension): the section's
    schedule, forked into its decay at ``at_step`` (:func:`cooldown`)."""

    #: How the key that holds the block is described.
    block_description: ClassVar[str] = (
        "Fork a cooldown off this stable run: the schedule becomes the `wsd` equal to it up to "
        "`at_step`, then decaying over `length` steps (`num_steps = at_step + length`)."
    )

    at_step: int = static(
        ge=0, le=INT32_MAX, description="The step the decay starts at, in the stable phase."
    )
    length: int = static(ge=1, le=INT32_MAX, description="The decay length in steps.")
    decay_type: Literal["inverse_linear", "cosine", "linear", "1-sqrt"] | None = static(
        None, description="The decay shape (default: the section's, or wsd's default)."
    )
    stop_lr: float | None = static(
        None,
        ge=0,
        description="The rate at the end of the decay (0 only for a decay_type other than "
        "`inverse_linear`).",
    )
    stop_lr_ratio: float | None = static(
        None, ge=0, le=1, description="`stop_lr = start_lr * stop_lr_ratio`."
    )


@schedule_type("exp", extension=False)
class Exp(WarmupSchedule, StopKeys):
    """DeePMD-kit's exponential decay (the default ``learning_rate`` type).

    .. math::
      \\mathrm{lr}(t) = \\max\\left(s_0\\, r^{\\lfloor t / d \\rfloor},\\ e\\right),
      \\qquad r = \\exp\\left(\\frac{\\log(\\max(e, 10^{-10}) / s_0)}{T / d}\\right)

    with ``t = step - warmup_steps``, ``T = num_steps - warmup_steps``, ``d = decay_steps``
    (``t / d`` instead of ``t // d`` when ``smooth``). If ``decay_rate`` is not given and
    ``decay_steps >= T``, ``decay_steps`` becomes ``100 if T // 10 > 100 else T // 100 + 1``,
    as DeePMD-kit does. ``stop_lr`` is a floor, also with an explicit ``decay_rate``. The
    decay rate is applied through its float32-exact logarithm pair, so that rates close to 1
    keep their precision in float32 and in stacked sweeps (where ``decay_steps`` may differ
    between rows and is traced).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.exp(start_lr=1e-3, stop_lr=1e-5, decay_steps=5000, num_steps=10000)
      >>> round(float(sched(0)), 10), round(float(sched(10000)), 10), round(sched.decay_rate, 12)
      (0.001, 1e-05, 0.1)
    """

    legacy_stop_default: ClassVar[bool] = True
    example: ClassVar[dict[str, Any]] = {
        "type": "exp",
        "start_lr": 1e-3,
        "stop_lr": 1e-6,
        "decay_steps": 500,
        "warmup_steps": 500,
    }

    decay_steps: int = static(
        5000,
        gt=0,
        le=INT32_MAX,
        sweep=True,
        description="The rate decays every `decay_steps` steps. If `decay_rate` is not given "
        "and `decay_steps >= num_steps - warmup_steps`, it is replaced by "
        "`100 if T // 10 > 100 else T // 100 + 1` (T = num_steps - warmup_steps), as "
        "DeePMD-kit does.",
    )
    decay_rate: float | None = leaf(
        None,
        gt=0,
        le=F32_MAX,
        description="The factor per `decay_steps`. Derived from `stop_lr` if not given; "
        "`stop_lr` stays a floor either way. Above 1 (an extension: optax's `exponential_decay` "
        "with `decay_rate > 1`) the rate rises and `stop_lr`, at least `start_lr`, is a ceiling.",
    )
    smooth: bool = static(
        False, description="Decay at every step (`t / decay_steps`) instead of in stairs."
    )
    _decay_factor: Factor = derived(node=True)

    @classmethod
    def input_rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().input_rules(v, num_steps)
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

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        rate, start, stop = v.get("decay_rate"), v.get("start_lr"), v.get("stop_lr")
        rising = isinstance(rate, (int, float)) and rate > 1
        for key, message in super().rules(v, num_steps):
            if not (rising and key == "stop_lr" and message.startswith("must be at most")):
                yield key, message  # a rising rate's stop_lr is a ceiling
        if rising and start is not None and stop is not None and stop < start:
            yield (
                "decay_rate",
                f"must be <= 1; got {rate!r}. Above 1 the rate rises (optax's "
                f"`exponential_decay` with decay_rate > 1) to `stop_lr`, a ceiling that must "
                f"then be at least `start_lr` ({start!r}); got stop_lr {stop!r}",
            )

    @classmethod
    def value_extensions(cls, section: Mapping[str, Any]) -> list[Rule]:
        """A ``decay_rate`` above 1, which DeePMD-kit 3.2 would apply with ``stop_lr`` a floor
        (a rate rising without bound); here ``stop_lr`` is then a ceiling."""
        rate = section.get("decay_rate")
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 1:
            return [("decay_rate", "a `decay_rate` above 1 (a rising rate, `stop_lr` a ceiling)")]
        return []

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        needed = ("start_lr", "stop_lr", "warmup_steps", "decay_steps")
        if out.get("decay_rate") is not None or num_steps is None:
            return out
        if any(out.get(k) is None for k in needed):
            return out
        length = num_steps - out["warmup_steps"]  # B of a batch-scaled warmup
        decay_steps = out["decay_steps"]
        if decay_steps >= length:
            decay_steps = 100 if length // 10 > 100 else length // 100 + 1
        stop = max(out["stop_lr"], _EXP_MIN_STOP)
        if length <= 0:  # num_steps 0: no decay phase, DeePMD-kit uses decay_rate 1
            rate = 1.0
        else:
            rate = math.exp(math.log(stop / out["start_lr"]) / (length / decay_steps))
        out.update(decay_steps=decay_steps, decay_rate=min(rate, 1.0))
        return out

    def _derive(self) -> None:
        super()._derive()
        object.__setattr__(self, "_decay_factor", Factor.of(self.decay_rate, grows=True))

    @classmethod
    def notes(
        cls, v: Mapping[str, Any], section: Mapping[str, Any], schedule: Any
    ) -> dict[str, str]:
        notes = super().notes(v, section, schedule)
        if v.get("decay_rate") is None:
            notes["decay_rate"] = "derived: reaches stop_lr at num_steps"
            if v.get("decay_steps") != schedule.decay_steps:
                notes["decay_steps"] = (
                    f"replaced: {v.get('decay_steps')} >= decay length {schedule.decay_length}, "
                    "as DeePMD-kit does"
                )
        return notes

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        ds, w = step_count(self.decay_steps, t), self.warmup_steps
        # t >= 0, so the truncating division is the floor division (and cheaper).
        n = t if self.smooth else lax.div(t, jnp.asarray(ds, t.dtype))
        if is_concrete(w, ds):
            n_max = (INT32_MAX - w) // (1 if self.smooth else ds)
        else:  # a bound valid for every row of a sweep
            n_max = INT32_MAX
        if is_concrete(self._decay_factor.log) and (is_concrete(ds) or not self.smooth):
            c = self._decay_factor.log / ds if self.smooth else float(self._decay_factor.log)
            n_floor = self._floor_index(c)
            if n_floor is not None and n_floor < n_max:
                # Past n_floor the rate is below stop_lr: clamping n changes no value and
                # bounds it, which lets exp_times_int skip work when the bound is small.
                n, n_max = jnp.minimum(n, n_floor), n_floor
            lr = exp_times_int(c, n, dtype, n_max=n_max, scale=self.start_lr)
        else:  # traced: the float32 rate loses its rounding, which decay_rate.log_lo keeps
            log = as_float(self._decay_factor.log, dtype)
            rest = as_float(self._decay_factor.log_lo, dtype)
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
        stop = as_float(self.stop_lr, dtype)
        log = self._decay_factor.log
        if is_concrete(log):  # stop_lr: a floor, or the ceiling of a rising rate
            return jnp.minimum(lr, stop) if float(log) > 0 else jnp.maximum(lr, stop)
        return jnp.where(jnp.asarray(log) > 0, jnp.minimum(lr, stop), jnp.maximum(lr, stop))

    def _floor_index(self, c: float) -> int | None:
        """The first ``n`` with ``start_lr * exp(c * n) <= stop_lr * (1 - 1e-5)``, if known.

        The margin is 50 times the float32 error of ``exp_times_int``, so the computed rate at
        and past this index is below ``stop_lr`` and the floor gives exactly ``stop_lr``.
        """
        if not is_concrete(self.start_lr, self.stop_lr) or self.stop_lr <= 0 or c >= 0:
            return None
        target = math.log(self.stop_lr / self.start_lr) + math.log1p(-1e-5)
        return max(0, math.ceil(target / c))


@schedule_type("cosine", extension=False)
class Cosine(WarmupSchedule, StopKeys):
    """DeePMD-kit's cosine annealing from ``start_lr`` to ``stop_lr``, then ``stop_lr``.

    .. math::
      \\mathrm{lr}(t) = e + (s_0 - e) \\left[\\frac{1}{2}\\left(1 + \\cos\\frac{\\pi t}{T}\\right)
      \\right]^{p} \\quad (t < T), \\qquad \\mathrm{lr}(t) = e \\quad (t \\ge T)

    with ``p = exponent`` (an extension, optax's ``cosine_decay_schedule(exponent=...)``; 1 by
    default). With ``num_cycles = c`` (an extension, Hugging Face's
    ``get_cosine_schedule_with_warmup``), the decay is the wave
    ``e + (s0 - e) [(1 + cos(2 pi c t / T)) / 2] ** p`` at every ``t >= 0``: ``c = 0.5`` falls
    to ``stop_lr`` at ``num_steps`` and, as Hugging Face's lambda, rises again past it; ``c =
    1`` falls and rises back within the run. The wave's phase is the exact integer ``(a t) mod
    m`` (``a / m = c / T``), so it keeps its relative accuracy near its zeros at any step.

    With ``num_cycles = c`` (an extension) the cosine goes on past ``T``:
    ``e + (s0 - e) (1 + cos(2 pi c t / T)) / 2`` at every step (HF's cosine, and torch's
    ``CosineAnnealingLR``, ``c = 0.5``, stepped past ``T_max``).

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=10000)
      >>> round(float(sched(5000)), 10)
      0.000505
    """

    legacy_stop_default: ClassVar[bool] = True
    example: ClassVar[dict[str, Any]] = {
        "type": "cosine",
        "start_lr": 1e-3,
        "stop_lr": 1e-6,
        "warmup_steps": 500,
    }

    exponent: float = static(
        1.0,
        gt=0,
        le=1e4,
        omit_default=True,
        extension=True,
        description="The power `p` of the cosine factor: `e + (s0 - e) * ((1 + cos(pi t / T)) / "
        "2) ** p`, as optax's `cosine_decay_schedule(exponent=p)`.",
    )
    num_cycles: float | None = static(
        None,
        gt=0,
        le=CYCLES_LIMIT - 1,
        omit_default=True,
        extension=True,
        description="Hugging Face's `num_cycles`: the decay is the wave `e + (s0 - e) * (1 + "
        "cos(2 pi num_cycles t / T)) / 2`, which goes on past `num_steps` (0.5 falls to "
        "`stop_lr` at `num_steps` and rises again after it, as Hugging Face's lambda). A "
        "fraction `p / q` with `p, q < 32768` (0.5, 1, 2.5, 0.3). Not given: the half wave, then "
        "`stop_lr`.",
    )

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        yield from wave_rules(v.get("num_cycles"), _decay_length(v, num_steps), "T")

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        p = self.exponent
        if self.num_cycles is None:
            if p == 1.0:
                return self._anneal(t, dtype, sin2_of_fraction)
            return self._anneal(
                t, dtype, lambda r, n, dt: pow_of(sin_of_fraction(r, n, dt), 2 * p, dt)
            )
        length = self.decay_length  # HF's max(1, N - W): a run of 0 steps is a wave of 1
        if not is_concrete(length):
            length = jnp.maximum(jnp.asarray(length).astype(t.dtype), 1)
        factor = pow_of(wave_sin(t, self.num_cycles, length, dtype), 2 * p, dtype)
        s0 = as_float(self.start_lr, dtype)
        e = as_float(self.stop_lr, dtype)
        return e + (s0 - e) * factor


def _decay_length(v: Mapping[str, Any], num_steps: Any) -> Any:
    """``max(1, num_steps - warmup_steps)`` of resolved keys, or None."""
    w = v.get("warmup_steps")
    if num_steps is None or w is None or not is_concrete(num_steps, w):
        return None
    return max(1, num_steps - w)


def wave_rules(num_cycles: Any, length: Any, name: str) -> Iterator[Rule]:
    """The problems of a ``num_cycles`` over a decay of ``length`` steps (None: unknown)."""
    if num_cycles is None or not is_concrete(num_cycles):
        return
    if cycles_ratio(float(num_cycles)) is None:
        yield (
            "num_cycles",
            f"must be a fraction p / q with p and q below {CYCLES_LIMIT} (0.5, 2.5, 0.3, 1/3); "
            f"got {num_cycles!r}",
        )
    elif length is not None and not wave_fits(float(num_cycles), length):
        p, q = cycles_ratio(float(num_cycles))  # type: ignore[misc]
        yield (
            "num_cycles",
            f"the wave is evaluated in exact 32-bit integer arithmetic: num_cycles = {p}/{q} over "
            f"{name} = {length} steps needs m = q * {name} / gcd(p, q * {name}) <= {INT32_MAX} "
            f"(or p / gcd = 1 and m <= {2**32 - 1}); got num_cycles {num_cycles!r}",
        )


@schedule_class
class StableRun(Schedule):
    """A type with a stable phase (``wsd``, ``constant``): its runs can be cooled down."""

    def cooldown(
        self,
        at_step: int,
        length: int,
        *,
        decay_type: str | None = None,
        stop_lr: float | None = None,
        stop_lr_ratio: float | None = None,
    ) -> Schedule:
        """A cooldown forked from this run at ``at_step`` (an extension): :func:`cooldown`."""
        return cooldown(
            self,
            at_step,
            length,
            decay_type=decay_type,
            stop_lr=stop_lr,
            stop_lr_ratio=stop_lr_ratio,
        )


@schedule_type("wsd", extension=False)
class WSD(WarmupSchedule, StopKeys, StableRun):
    """DeePMD-kit's warmup-stable-decay: ``start_lr``, then a final decay to ``stop_lr``.

    .. math::
      D = \\max(1, \\min(\\lfloor \\rho N \\rfloor, T)),\\quad S = T - D,\\quad
      \\tau = \\mathrm{clip}((t - S) / D, 0, 1)

    ``lr = start_lr`` for ``t < S``; then, by ``decay_type``, ``1 / (tau / e + (1 - tau) / s0)``
    (``inverse_linear``), ``e + (s0 - e) (1 + cos(pi tau)) / 2`` (``cosine``),
    ``s0 + (e - s0) tau`` (``linear``) or ``e + (s0 - e) (1 - sqrt(tau))`` (``1-sqrt``, Hägele
    et al. 2024; an extension); ``stop_lr`` from ``t >= T`` on. ``decay_phase_steps`` (an
    extension) gives ``D`` as a count instead (``1 <= D <= T``), as HF ``get_wsd_schedule``'s
    ``num_decay_steps``. ``D`` is computed on the host when the schedule is made
    (:attr:`decay_phase`), so in a stack where ``num_steps``, ``warmup_steps``,
    ``decay_phase_ratio`` or ``decay_phase_steps`` differ, ``T``, ``D`` and ``S`` are traced
    integers and the formula is the same.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> sched = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, num_steps=10000)
      >>> round(float(sched(9000)), 10), round(float(sched(9500)) / 1.98019802e-5, 6)
      (0.001, 1.0)
    """

    legacy_stop_default: ClassVar[bool] = True
    blocks: ClassVar[dict[str, type]] = {"cooldown": Cooldown}
    example: ClassVar[dict[str, Any]] = {
        "type": "wsd",
        "start_lr": 1e-3,
        "stop_lr": 1e-5,
        "warmup_steps": 500,
        "decay_phase_ratio": 0.2,
    }

    decay_phase_ratio: float | None = static(
        None,
        gt=0,
        le=1,
        sweep=True,
        description="The final decay phase as a fraction of the total `num_steps`: "
        "`D = max(1, min(int(decay_phase_ratio * num_steps), num_steps - warmup_steps))`. "
        "0.1 when neither it nor `decay_phase_steps` is given.",
    )
    decay_phase_steps: int | None = static(
        None,
        ge=1,
        le=INT32_MAX,
        sweep=True,
        omit_default=True,
        extension=True,
        description="The final decay phase `D` as a count (HF `get_wsd_schedule`'s "
        "`num_decay_steps`), `1 <= D <= num_steps - warmup_steps`. Excludes "
        "`decay_phase_ratio`.",
    )
    decay_type: Literal["inverse_linear", "cosine", "linear", "1-sqrt", "power", "exponential"] = (
        static(
            "inverse_linear",
            extension_values=("1-sqrt", "power", "exponential"),
            description="The shape of the final decay. `1-sqrt` (`1 - sqrt(tau)`, Hägele et al. "
            "2024), `power` (`1 - tau**decay_power`) and `exponential` (`(r**tau - r) / (1 - r)`, "
            "`r = decay_ratio`; timm's `exp`) are extensions.",
        )
    )
    decay_power: float = leaf(
        0.5,
        gt=0,
        le=F32_MAX,
        omit_default=True,
        extension=True,
        description="The exponent of the `power` decay `1 - tau**decay_power` (0.5 is `1-sqrt`, "
        "1 `linear`).",
    )
    decay_ratio: float = leaf(
        0.1,
        gt=0,
        lt=1,
        omit_default=True,
        extension=True,
        description="The `exponential` decay's fraction `r` before its normalisation: the factor "
        "`(r**tau - r) / (1 - r)` runs from 1 to 0.",
    )
    stable_type: Literal["constant", "rsqrt", "power"] = static(
        "constant",
        omit_default=True,
        extension=True,
        description="The stable phase (timm's `stable_fn`): `constant` (`start_lr`), `rsqrt` or "
        "`power`: `start_lr * (1 + t / stable_timescale) ** -p` (`p` 0.5 or `stable_power`; "
        "the Big Vision schedule), at least `stop_lr`; the decay then multiplies it.",
    )
    stable_power: float = leaf(
        0.5,
        gt=0,
        le=F32_MAX,
        omit_default=True,
        extension=True,
        description="The exponent `p` of the `power` stable phase.",
    )
    stable_timescale: int | None = static(
        None,
        gt=0,
        le=INT32_MAX,
        sweep=True,
        omit_default=True,
        extension=True,
        description="The time scale of a decaying stable phase in steps (timm's "
        "`stable_timescale`). Default: `warmup_steps`, which must then be > 0.",
    )
    num_cycles: float = static(
        0.5,
        gt=0,
        le=CYCLES_LIMIT - 1,
        omit_default=True,
        extension=True,
        description="Hugging Face's `num_cycles` for the `cosine` decay: `e + (s0 - e) * (1 + "
        "cos(2 pi num_cycles tau)) / 2` over the decay phase, then `stop_lr` (0.5: the half "
        "wave down to `stop_lr`). A fraction `p / q` with `p, q < 32768`.",
    )
    #: ``D`` itself, derived on the host when the schedule is made (``int(ratio * N)`` has no
    #: exact in-graph form), so that a stack sweeps it like any count.
    decay_phase: int = derived()

    @classmethod
    def value_extensions(cls, section: Mapping[str, Any]) -> list[Rule]:
        """``(key, what)`` for each value of a section that DeePMD-kit 3.2 refuses although the
        key is its own: a ``stop_lr`` (or ``stop_lr_ratio``) of 0, which DeePMD-kit refuses for
        every ``decay_type``."""
        return [
            (key, f"`{key}` = 0 with `wsd` (DeePMD-kit 3.2 needs it > 0 for every decay_type)")
            for key in ("stop_lr", "stop_lr_ratio")
            if isinstance(section.get(key), (int, float)) and section[key] == 0
        ]

    @classmethod
    def input_rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().input_rules(v, num_steps)
        if v.get("decay_type", "inverse_linear") == "inverse_linear":
            for key in ("stop_lr", "stop_lr_ratio"):
                if v.get(key) is not None and v[key] <= 0:
                    yield (
                        key,
                        f"must be > 0 for `wsd` with decay_type `inverse_linear`, which divides "
                        f"by it (the other decay types may decay to 0); got {v[key]!r}",
                    )
        cycles = v.get("num_cycles", 0.5)
        if cycles is not None and cycles != 0.5 and v.get("decay_type") != "cosine":
            yield (
                "num_cycles",
                f"is used only by decay_type `cosine` (decay_type is "
                f"`{v.get('decay_type')}`); got {cycles!r}",
            )
        count, ratio = v.get("decay_phase_steps"), v.get("decay_phase_ratio")
        if count is not None and ratio is not None:
            yield both_given(
                "decay_phase_steps", "decay_phase_steps", "decay_phase_ratio", count, ratio
            )

    @classmethod
    def resolve(cls, v: Mapping[str, Any], num_steps: Any) -> dict[str, Any]:
        out = super().resolve(v, num_steps)
        if out.get("decay_phase_steps") is None and out.get("decay_phase_ratio") is None:
            out["decay_phase_ratio"] = 0.1
        w = out.get("warmup_steps")
        decaying = out.get("stable_type", "constant") != "constant"
        if decaying and out.get("stable_timescale") is None and w:
            out["stable_timescale"] = w  # B of a batch-scaled warmup
        return out

    @classmethod
    def rules(cls, v: Mapping[str, Any], num_steps: Any) -> Iterator[Rule]:
        yield from super().rules(v, num_steps)
        if v.get("num_cycles", 0.5) != 0.5:
            yield from wave_rules(v.get("num_cycles"), _wsd_decay_phase(v, num_steps), "D")
        stable, kind = v.get("stable_type", "constant"), v.get("decay_type")
        if stable != "constant" and v.get("stable_timescale") is None:
            yield (
                "stable_timescale",
                f"is required for stable_type `{stable}` without a warmup (it defaults to "
                "`warmup_steps`, which is 0)",
            )
        if stable != "constant" and kind == "inverse_linear":
            yield (
                "decay_type",
                f"must be one of `cosine`, `linear`, `1-sqrt`, `power`, `exponential` with "
                f"stable_type "
                f"`{stable}` (the decay multiplies the stable rate); got `inverse_linear`",
            )
        for key, default, needs in (
            ("decay_power", 0.5, "power"),
            ("decay_ratio", 0.1, "exponential"),
        ):
            if kind is not None and kind != needs and v.get(key, default) != default:
                yield key, f"is used only by decay_type `{needs}` (it is `{kind}`)"
        if stable != "power" and v.get("stable_power", 0.5) != 0.5:
            yield "stable_power", f"is used only by stable_type `power` (it is `{stable}`)"
        count, w = v.get("decay_phase_steps"), v.get("warmup_steps")
        if count is None or num_steps is None or w is None:
            return
        if w < num_steps or w == 0:  # else the warmup rule reports it
            length = num_steps - w
            if count > length:
                yield (
                    "decay_phase_steps",
                    f"must be at most num_steps - warmup_steps ({length}); got {count}",
                )

    def _derive(self) -> None:
        super()._derive()
        object.__setattr__(self, "decay_phase", self._derive_decay_phase())

    def _derive_decay_phase(self) -> Any:
        if self.decay_phase_steps is not None:
            return self.decay_phase_steps
        if is_concrete(self.decay_phase_ratio, self.num_steps, self.warmup_steps):
            return max(1, min(int(self.decay_phase_ratio * self.num_steps), self.decay_length))
        # arrays: a stacked schedule given to replace(); the same float64 product, floored
        n = np.asarray(self.num_steps, np.int64)
        d = np.floor(np.asarray(self.decay_phase_ratio, np.float64) * n).astype(np.int64)
        return np.maximum(1, np.minimum(d, n - self.warmup_steps)).astype(np.int32)

    def to_config(self) -> dict[str, Any]:
        config = super().to_config()
        if self.decay_phase_steps is not None:  # the key the section was written with
            config.pop("decay_phase_ratio", None)
        return config

    @property
    def stable_steps(self) -> int:
        """``S = T - D``: the steps at ``start_lr`` after warmup."""
        return self.decay_length - self.decay_phase

    @classmethod
    def notes(
        cls, v: Mapping[str, Any], section: Mapping[str, Any], schedule: Any
    ) -> dict[str, str]:
        notes = super().notes(v, section, schedule)
        key = "decay_phase_ratio" if v.get("decay_phase_steps") is None else "decay_phase_steps"
        notes[key] = (
            f"decay phase {schedule.decay_phase:,} steps, stable {schedule.stable_steps:,} steps"
        )
        return notes

    def _decay(self, t: jax.Array, dtype: Any) -> jax.Array:
        length, d, stable = self.decay_length, self.decay_phase, self.stable_steps
        if not is_concrete(length, d):  # traced (a stacked sweep); D >= 1 in every row
            length, d = (jnp.asarray(x).astype(t.dtype) for x in (length, d))
            stable = length - d
        if self.stable_type != "constant" or self.decay_type in ("power", "exponential"):
            return self._timm_decay(t, length, d, stable, dtype)
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
        elif self.decay_type == "cosine" and self.num_cycles != 0.5:  # HF's wave, then e
            done = jnp.clip(t - stable, 0, d)
            lr = e + (s0 - e) * jnp.square(wave_sin(done, self.num_cycles, d, dtype))
            lr = jnp.where(t >= length, e, lr)
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

    def _timm_decay(self, t: jax.Array, length: Any, d: Any, stable: Any, dtype: Any) -> jax.Array:
        """timm's ``WSDLRScheduler``: ``e + (max(s0 g(t), e) - e) h(tau)`` in the decay phase,
        ``max(s0 g(t), e)`` before it, with ``g`` the stable function and ``h`` the decay.

        ``g = (tau_s / (t + tau_s)) ** p`` is ``pow_fraction`` of exact integers (past
        ``2**31 - 1 - tau_s`` a float ratio); ``h`` is written on the exact ``remaining``
        decay steps, so the end of the decay keeps its relative accuracy: ``power`` is
        ``-expm1(p log1p(-remaining / D))`` (``-expm1(p log tau)`` for ``tau < 1/2``),
        ``exponential`` is ``r expm1(-(remaining / D) log r) / (1 - r)``.
        """
        s0, e = as_float(self.start_lr, dtype), as_float(self.stop_lr, dtype)
        remaining = jnp.clip(length - t, 0, d)
        if self.stable_type == "constant":
            peak = jnp.broadcast_to(s0, t.shape)
        else:
            p = 0.5 if self.stable_type == "rsqrt" else self.stable_power
            tau = step_count(self.stable_timescale, t)
            fits = t <= INT32_MAX - tau
            den = jnp.where(fits, t + tau, tau)
            tau_n = jnp.broadcast_to(jnp.asarray(tau, t.dtype), t.shape)
            exact = pow_fraction(tau_n, den, p, dtype, scale=self.start_lr)
            far = s0 * jnp.power(
                as_float(tau, dtype) / (t.astype(dtype) + as_float(tau, dtype)), as_float(p, dtype)
            )
            peak = jnp.maximum(jnp.where(fits, exact, far), e)
        x = remaining.astype(dtype) / as_float(d, dtype)  # 1 - tau
        if self.decay_type == "linear":
            h = x
        elif self.decay_type == "cosine" and self.num_cycles != 0.5:  # HF's wave, then 0
            done = jnp.clip(t - stable, 0, d)
            h = jnp.where(t >= length, 0.0, jnp.square(wave_sin(done, self.num_cycles, d, dtype)))
        elif self.decay_type == "cosine":
            h = sin2_of_fraction(remaining, d, dtype)
        elif self.decay_type == "1-sqrt":
            h = one_minus_sqrt(remaining, d, dtype)
        elif self.decay_type == "power":
            k = as_float(self.decay_power, dtype)
            tau_f = 1 - x
            near_start = -jnp.expm1(k * jnp.log(jnp.maximum(tau_f, jnp.finfo(dtype).tiny)))
            near_end = -jnp.expm1(k * jnp.log1p(-jnp.minimum(x, 0.5)))
            h = jnp.where(tau_f < 0.5, near_start, near_end)
            h = jnp.where(remaining >= d, 1.0, h)
        else:  # exponential
            r = as_float(self.decay_ratio, dtype)
            h = r * jnp.expm1(-x * jnp.log(r)) / (1 - r)
        lr = e + (peak - e) * h
        return jnp.where(t < stable, peak, lr)

    def _decay_boundaries(self) -> dict[str, int]:
        start = self.warmup_steps if self.warmup_prefix else 0
        return {"decay start": start + self.stable_steps}


def _wsd_decay_phase(v: Mapping[str, Any], num_steps: Any) -> int | None:
    """``D`` of resolved ``wsd`` keys, or None."""
    w = v.get("warmup_steps")
    if num_steps is None or w is None or not is_concrete(num_steps, w) or w >= max(num_steps, 1):
        return None
    if v.get("decay_phase_steps") is not None:
        return int(v["decay_phase_steps"])
    ratio = v.get("decay_phase_ratio")
    if ratio is None or not is_concrete(ratio):
        return None
    return max(1, min(int(ratio * num_steps), num_steps - w))


# ---- cooldown ----------------------------------------------------------------------------------


def cooled_keys(
    schedule_type: str,
    v: Mapping[str, Any],
    at_step: Any,
    length: Any,
    *,
    decay_type: Any = None,
    stop_lr: Any = None,
    stop_lr_ratio: Any = None,
    path: str = "cooldown",
) -> tuple[dict[str, Any], int]:
    """The keys and ``num_steps`` of the ``wsd`` that cools the run of a ``wsd`` or
    ``constant`` with the resolved keys ``v`` at ``at_step``; one ConfigError (each problem on
    ``path.key``) if it cannot."""
    problems = Problems()
    if schedule_type not in ("wsd", "constant"):
        problems.add(
            f"{path}.type",
            "a cooldown starts in a stable phase: only `wsd` and `constant` schedules have one; "
            f"got `{describe(schedule_type)}`.",
        )
        raise problems.error()
    at = problems.integer(f"{path}.at_step", at_step, 0, INT32_MAX)
    size = problems.integer(f"{path}.length", length, 1, INT32_MAX)
    w = v["warmup_steps"]
    if schedule_type == "wsd":
        total = v["num_steps"] - w
        if v.get("decay_phase_steps") is not None:
            d = v["decay_phase_steps"]
        else:
            d = max(1, min(int(v["decay_phase_ratio"] * v["num_steps"]), total))
        last = w + total - d
    else:
        last = INT32_MAX
    if at is not None and not w <= at <= last:
        where = f"[{w}, {last}]" if schedule_type == "wsd" else f">= {w}"
        problems.add(
            f"{path}.at_step",
            f"must be in the stable phase ({where}: after the warmup"
            + (", before the decay" if schedule_type == "wsd" else "")
            + f"); got {at}.",
        )
    if at is not None and size is not None and at + size > INT32_MAX:
        problems.add(f"{path}.length", f"at_step + length must be <= {INT32_MAX}; got {at + size}.")
    keys = {
        k: v[k]
        for k in (
            "scale_by_worker",
            "start_lr",
            "warmup_steps",
            "warmup_start_factor",
            "warmup_type",
            "batch_scaling",
        )
        if k in v
    }
    if keys.get("batch_scaling") is not None:  # the cooled run keeps the w written
        keys["warmup_steps"] = keys["batch_scaling"].warmup_steps
    keys["decay_type"] = decay_type or v.get("decay_type") or "inverse_linear"
    if stop_lr is not None or stop_lr_ratio is not None:
        keys["stop_lr"] = stop_lr
        keys["stop_lr_ratio"] = stop_lr_ratio
    elif schedule_type == "wsd":
        keys["stop_lr"] = v["stop_lr"]
    else:
        problems.add(
            f"{path}.stop_lr",
            "a `constant` run has no stop rate: give `stop_lr` or `stop_lr_ratio`.",
        )
    problems.raise_if_any()
    keys["decay_phase_steps"] = size
    num_steps = at + size  # type: ignore[operator]
    try:
        check_keys(WSD, dict(keys), num_steps, f"{path}.")
    except Exception as exc:  # the cooled wsd's own problems, on the block's keys
        lines = [
            line.replace(f"{path}.decay_phase_steps", f"{path}.length")
            for line in getattr(exc, "problems", [str(exc)])
        ]
        from ._errors import ConfigError

        raise ConfigError(lines) from None
    return keys, num_steps


def cooldown(
    schedule: Schedule,
    at_step: int,
    length: int,
    *,
    decay_type: str | None = None,
    stop_lr: float | None = None,
    stop_lr_ratio: float | None = None,
) -> WSD:
    """A cooldown forked from a ``wsd`` or ``constant`` run at ``at_step`` (an extension).

    The WSD workflow: train at a constant rate, and decay from any checkpoint of the stable
    phase. The result is the ``wsd`` whose stable phase ends at ``at_step``: equal to
    ``schedule`` up to ``at_step``, then decaying over ``length`` steps (``num_steps = at_step +
    length``, ``decay_phase_steps = length``); rates and warmup are the schedule's.
    ``decay_type`` and the stop rate default to the ``wsd``'s; a ``constant`` needs ``stop_lr``
    or ``stop_lr_ratio``. Also a method of ``wsd`` and ``constant`` schedules. A schedule
    scaled by workers is cooled inside its scaling.

    Raises:
      TypeError: if ``schedule`` is not a :class:`Schedule`.
      ConfigError: for another type, a stacked sweep, an ``at_step`` outside the stable phase
        (``warmup_steps <= at_step <= warmup_steps + stable_steps``), ``length < 1``, a
        ``constant`` without a stop rate, or a cooled ``wsd`` that is invalid.

    Examples:
      >>> import lrschedules_jax as lrs
      >>> run = lrs.constant(start_lr=1e-3, num_steps=10**6)
      >>> cooled = run.cooldown(50_000, 5_000, decay_type="1-sqrt", stop_lr=1e-5)
      >>> cooled.num_steps, round(float(cooled(50_000)), 9), round(float(cooled(55_000)), 9)
      (55000, 0.001, 1e-05)
    """
    from ._schedule import Product

    if not isinstance(schedule, Schedule):
        raise TypeError(f"`schedule` must be a Schedule; got {describe(schedule, with_type=True)}.")
    size = stack_size(schedule)
    if size is not None:  # its rows may leave the stable phase at different steps
        from ._errors import ConfigError

        raise ConfigError(
            [
                f"cooldown: a stacked sweep of {size} schedules may leave the stable phase at "
                "different steps; fork each schedule (`lrs.stack([s.cooldown(...) for s in "
                "lrs.unstack(stacked)])`)."
            ]
        )
    if isinstance(schedule, Product) and schedule._scaled_only():
        inner = cooldown(
            schedule.factors[0],
            at_step,
            length,
            decay_type=decay_type,
            stop_lr=stop_lr,
            stop_lr_ratio=stop_lr_ratio,
        )
        return Product(factors=(inner,), workers=schedule.workers, num_steps=inner.num_steps)  # type: ignore[return-value]
    values = {f.name: getattr(schedule, f.name) for f in dataclasses.fields(schedule) if f.init}
    keys, num_steps = cooled_keys(
        schedule.type_name,
        values,
        at_step,
        length,
        decay_type=decay_type,
        stop_lr=stop_lr,
        stop_lr_ratio=stop_lr_ratio,
    )
    return WSD(**keys, num_steps=num_steps)

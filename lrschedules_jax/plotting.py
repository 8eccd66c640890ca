"""matplotlib helpers: draw a schedule, with its phase boundaries marked.

matplotlib is imported inside the functions, so ``import lrschedules_jax`` never imports it.
"""

from __future__ import annotations

import colorsys
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._numerics import INT32_MAX
from ._schedule import Schedule, stack_size, unstack

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "callable_curve",
    "curve_color",
    "describe_schedule",
    "evaluate",
    "plot_schedule",
    "schedule_curve",
]

#: The curve runs this fraction of ``num_steps`` past the end, to show the final hold.
PAST_END = 0.05
#: Above this many steps the curve is evaluated on an even grid instead of every step.
_DENSE_MAX = 1 << 22
#: A value change larger than this (relative) between two flat runs is drawn as a stair.
_JUMP_RTOL = 1e-6
#: With more labelled curves than this on one axes, the legend goes outside, to the right.
LEGEND_INSIDE_MAX = 6
#: The first curves take the style's colour cycle (``C0`` ... ``C9``); later ones get hues of
#: their own (the golden-ratio sequence), so that no two curves of one axes share a colour.
_CYCLE_COLORS = 10


def _as_schedule(schedule_or_config: Any, num_steps: int | None, num_workers: Any) -> Schedule:
    from ._errors import ConfigError, describe

    if isinstance(schedule_or_config, Schedule):
        if num_steps is not None and num_steps != schedule_or_config.num_steps:
            raise ConfigError(
                [
                    f"num_steps: {describe(num_steps)} differs from the schedule's own "
                    f"num_steps ({schedule_or_config.num_steps}); leave it out when passing a "
                    "Schedule."
                ]
            )
        return schedule_or_config
    from .config import make_schedule

    if num_steps is None and isinstance(schedule_or_config, Mapping):
        raise ConfigError(
            ["num_steps: is required to plot a `learning_rate` mapping (training.numb_steps)."]
        )
    return make_schedule(schedule_or_config, num_steps, num_workers=num_workers)  # type: ignore[arg-type]


def evaluate(schedule: Schedule, steps: Any) -> np.ndarray:
    """``schedule(steps)`` as a float64 NumPy array, through one jit-compiled call.

    One compilation per schedule instead of one per primitive: evaluating a schedule eagerly
    compiles each of its dozens of small operations for every new array shape.
    """
    steps = _int32_steps(steps)
    try:
        compiled = _compiled(schedule)
    except TypeError:  # a schedule holding arrays is not hashable
        import jax

        compiled = jax.jit(schedule.__call__)
    return np.asarray(compiled(steps), dtype=np.float64)


def _int32_steps(steps: Any) -> np.ndarray:
    """``steps`` clipped to ``[0, 2**31 - 1]`` as int32: a schedule holds its value there on.

    Python ints past int64 (``2**63``) are clipped too, not refused with an OverflowError.
    """
    try:
        array = np.asarray(steps, dtype=np.int64)
    except OverflowError:
        array = np.asarray(np.clip(np.asarray(steps, dtype=object), 0, INT32_MAX), np.int64)
    return array.clip(0, INT32_MAX).astype(np.int32)


@functools.lru_cache(maxsize=64)
def _compiled(schedule: Schedule) -> Any:
    """The jit-compiled ``schedule.__call__``, kept so that redrawing a schedule is free.

    The schedule is closed over (its hyperparameters are constants, exactly as in an eager
    call), not passed as an argument.
    """
    import jax

    return jax.jit(schedule.__call__)


def schedule_curve(
    schedule: Schedule, *, num_points: int = 2000, end: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The integer steps and float64 rates to draw for ``schedule``.

    The schedule is evaluated at every integer step from 0 to ``end`` (default: 5 % past
    ``num_steps``, to show the final hold) when there are at most 4M of them, else on an
    even integer grid. The returned points are an even grid of about ``num_points`` steps,
    every phase boundary and the steps on both sides of every stair (a value change between
    two constant runs), so stepped schedules are drawn as stairs whatever their length.
    Past 262,144 steps the evaluation runs in chunks of that size, so that memory stays a few
    megabytes however long the run.

    Args:
      schedule: the schedule to evaluate.
      num_points: the number of evenly spaced steps (stair edges come on top), an integer
        >= 1 (at most one per step).
      end: the last step drawn.

    Returns:
      ``(steps, rates)``: two 1-D arrays of the same length, steps increasing.

    Raises:
      ConfigError: if ``num_points`` is not an integer >= 1.
    """
    from ._errors import Problems

    problems = Problems()
    points = problems.integer("num_points", num_points, 1, 2**63 - 1)
    problems.raise_if_any()
    assert points is not None
    if end is None:
        end = schedule.num_steps + max(1, int(PAST_END * schedule.num_steps))
    end = int(min(max(end, 1), INT32_MAX))
    length = min(end + 1, _DENSE_MAX)  # the dense steps: every step, or an even grid

    def dense(i: np.ndarray) -> np.ndarray:  # the i-th dense step; increasing
        return i if end + 1 <= _DENSE_MAX else i * end // (_DENSE_MAX - 1)

    grid = np.unique(
        np.linspace(0, length - 1, min(max(2, points), length)).round().astype(np.int64)
    )
    marks = [b for b in schedule.boundaries().values() if 0 <= b <= end]
    near = np.asarray([_first_at_or_after(dense, length, m) for m in marks], np.int64)
    fixed = np.unique(np.concatenate([grid, near, np.maximum(near - 1, 0)]))
    # (lo, hi, first): the dense indices lo..hi-1 are this window's, index[k] is first + k.
    if length <= _CHUNK:  # one evaluation of every dense step
        windows = [(0, length, 0)]
    else:  # windows of one shape (one compilation): the chunk, 1 step before, 2 after
        windows = [(lo, min(lo + _CHUNK, length), lo - 1) for lo in range(0, length, _CHUNK)]
    values: dict[int, float] = {}
    jumps: list[np.ndarray] = []
    count = 0
    for lo, hi, first in windows:
        size = length if length <= _CHUNK else _CHUNK + 3
        index = np.arange(first, first + size, dtype=np.int64).clip(0, length - 1)
        rates = evaluate(schedule, dense(index))
        # Stair edges: a jump between two runs of equal values (a staircase, not a decay).
        with np.errstate(invalid="ignore"):  # inf - inf: not a stair
            change = np.abs(np.diff(rates)) > _JUMP_RTOL * np.maximum(
                np.abs(rates[1:]), np.abs(rates[:-1])
            )
        i = np.arange(max(lo, 1), min(hi, length - 2), dtype=np.int64)
        p = i - first  # change[p] compares steps i and i + 1
        found = i[change[p] & ~change[p - 1] & ~change[p + 1]]
        count += len(found)
        if count > 4 * points:  # too many to draw each: the grid shows them
            found = found[:0]
        jumps.append(found)
        wanted = np.concatenate([fixed[(fixed >= lo) & (fixed < hi)], found, found + 1])
        wanted = wanted[wanted < length]
        values.update(zip(wanted.tolist(), rates[wanted - first].tolist(), strict=True))
    keep = [fixed]
    if count <= 4 * points:
        keep += [*jumps, *(j + 1 for j in jumps)]
    idx = np.unique(np.concatenate(keep))
    idx = idx[(idx >= 0) & (idx < length)]
    return dense(idx), np.asarray([values[i] for i in idx.tolist()], np.float64)


#: Past this many dense steps the curve is evaluated in windows of this size.
_CHUNK = 1 << 18


def _first_at_or_after(dense: Any, length: int, step: int) -> int:
    """The first index ``i < length`` with ``dense(i) >= step`` (``step <= dense(length - 1)``)."""
    lo, hi = 0, length - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if int(dense(np.int64(mid))) >= step:
            hi = mid
        else:
            lo = mid + 1
    return lo


def describe_schedule(schedule: Schedule) -> str:
    """A short description of a schedule for legends: its type and key parameters.

    Examples:
      >>> from lrschedules_jax import make_schedule
      >>> s = make_schedule({"start_lr": 1e-3, "stop_lr": 1e-6, "warmup_steps": 100}, 10000)
      >>> describe_schedule(s)
      'exp 0.001 → 1e-06, decay_steps 5000, warmup 100'
    """
    from ._schedule import Noisy, Product

    if isinstance(schedule, Noisy):
        return describe_schedule(schedule.schedule) + ", with noise"
    if isinstance(schedule, Product) and schedule._scaled_only():
        inner, mode = schedule.factors[0], getattr(schedule.factors[0], "scale_by_worker", "")
        return (
            f"{describe_schedule(inner)}, x{schedule.worker_scale:g} "
            f"({schedule.num_workers} workers, {mode})"
        )
    if schedule.type_name == "sequence":  # the phases, each with the step it starts at
        starts = (0, *schedule.starts)  # type: ignore[attr-defined]
        phases = schedule.phases  # type: ignore[attr-defined]
        return "sequence: " + " | ".join(
            f"{describe_schedule(p)} from {b:,}" if b else describe_schedule(p)
            for b, p in zip(starts, phases, strict=True)
        )
    if schedule.type_name == "product":
        constant = float(schedule.constant)  # type: ignore[attr-defined]
        factors = [f"({describe_schedule(f)})" for f in schedule.factors]  # type: ignore[attr-defined]
        return " * ".join(([f"{constant:g}"] if constant != 1.0 else []) + factors)
    config = schedule.to_config()
    kind = config.pop("type")
    peak = next((config.pop(k) for k in ("start_lr", "max_lr") if k in config), None)
    if "base_lr" in config and peak is not None:
        head = f"{kind} {config.pop('base_lr'):g} ↔ {peak:g}"
    elif peak is not None and config.get("stop_lr") is not None:
        head = f"{kind} {peak:g} → {config.pop('stop_lr'):g}"
    elif peak is not None:
        head = f"{kind} {peak:g}"
    else:
        head = kind
    warmup = config.pop("warmup_steps", 0)
    factor = config.pop("warmup_start_factor", 0.0)
    config.pop("decay_rate", None)  # derived from stop_lr
    config.pop("stop_lr", None)
    config.pop("scale_by_worker", "linear")
    parts = [head]
    for key, value in config.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(key)
        elif isinstance(value, float):
            parts.append(f"{key} {value:g}")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{key} {list(value)}")
        else:
            parts.append(f"{key} {value}")
    if warmup:
        parts.append(f"warmup {warmup}" + (f" (start factor {factor:g})" if factor else ""))
    return ", ".join(parts)


def plot_schedule(
    schedule_or_config: Schedule | Mapping[str, Any] | Callable[[Any], Any],
    num_steps: int | None = None,
    ax: Axes | None = None,
    *,
    log: bool = False,
    label: str | None = None,
    mark_phases: bool = True,
    num_points: int = 2000,
    num_workers: int | str = 1,
    **line_kwargs: Any,
) -> Axes:
    """Plot a learning-rate schedule against the step.

    The schedule is drawn from step 0 to 5 % past ``num_steps`` (to show the final hold) at
    integer steps, with enough points that stepped schedules show their stairs. Phase
    boundaries (``Schedule.boundaries()``: end of warmup, start of a WSD decay, end) are
    marked with dotted vertical lines in the curve's color. A stacked sweep
    (:func:`~lrschedules_jax.stack`) is drawn as one curve per schedule, labelled ``[i]``.

    Any other callable ``step -> rate`` is drawn too, on an even grid of integer steps, so a
    baseline can be overlaid: an optax schedule (``optax.cosine_decay_schedule(...)``), an HF
    ``LambdaLR`` lambda times its peak (``lambda t: 1e-3 * lr_lambda(t)``), any function.

    Every curve of an axes gets its own colour (the style's colour cycle, then hues of their
    own past ten curves), unless ``color`` is given; past six labelled curves the legend is
    placed outside the axes, on the right (save with ``bbox_inches="tight"`` to keep it).

    Args:
      schedule_or_config: a :class:`~lrschedules_jax.Schedule`, a ``learning_rate`` mapping
        (then ``num_steps`` is required), or any callable of the step (``num_steps`` required).
      num_steps: ``training.numb_steps`` for a mapping, the last step for a callable; leave it
        out for a Schedule.
      ax: the matplotlib Axes to draw on (default: the current one, ``plt.gca()``).
      log: use a logarithmic y axis.
      label: the legend entry (default: the type and its key parameters; a callable's name).
      mark_phases: mark the phase boundaries.
      num_points: the number of evenly spaced steps drawn (stair edges come on top).
      num_workers: the number of workers, for a mapping (an int or ``"auto"``).
      **line_kwargs: passed to ``ax.plot`` (``color``, ``linewidth``, ...).

    Returns:
      The Axes drawn on.

    Raises:
      ConfigError: if the mapping, ``num_steps`` or ``num_workers`` is invalid (or
        ``num_steps`` is missing for a mapping or a callable), if
        ``num_steps`` is given with a Schedule of another length, or if the schedule's rate is
        not finite (inf or NaN) at a step drawn.

    Examples:
      >>> import matplotlib
      >>> matplotlib.use("Agg")
      >>> import matplotlib.pyplot as plt
      >>> fig, ax = plt.subplots()
      >>> ax = plot_schedule({"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-5}, 10000, ax)
      >>> ax.get_legend().get_texts()[0].get_text()
      'cosine 0.001 → 1e-05'
      >>> import optax
      >>> baseline = optax.cosine_decay_schedule(1e-3, 10000, alpha=0.01)
      >>> ax = plot_schedule(baseline, 10000, ax, label="optax", linestyle="--")
      >>> [t.get_text() for t in ax.get_legend().get_texts()]
      ['cosine 0.001 → 1e-05', 'optax']
      >>> plt.close(fig)
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    if _is_other_callable(schedule_or_config):  # an optax schedule, an HF lambda...
        steps, rates = callable_curve(
            schedule_or_config, _required_steps(num_steps), num_points=num_points
        )
        _check_finite(steps, rates)
        if label is None:
            label = _callable_name(schedule_or_config)
        _draw(ax, steps, rates, label, log, line_kwargs)
        return ax
    schedule = _as_schedule(schedule_or_config, num_steps, num_workers)
    if stack_size(schedule) is not None:  # a stacked sweep: every schedule, each with its marks
        for i, row in enumerate(unstack(schedule)):
            name = f"{describe_schedule(row) if label is None else label} [{i}]"
            kwargs = {"log": log, "mark_phases": mark_phases, "num_points": num_points}
            plot_schedule(row, ax=ax, label=name, **kwargs, **line_kwargs)
        return ax
    steps, rates = schedule_curve(schedule, num_points=num_points)
    _check_finite(steps, rates)
    if label is None:
        label = describe_schedule(schedule)
    line = _draw(ax, steps, rates, label, log, line_kwargs)
    if mark_phases:
        _mark_phases(ax, schedule, line.get_color())
    return ax


def _draw(
    ax: Axes, steps: np.ndarray, rates: np.ndarray, label: str, log: bool, kwargs: dict[str, Any]
) -> Any:
    """One curve on ``ax`` in a colour no other curve of it has; axes, grid and legend."""
    if "color" not in kwargs and "c" not in kwargs:
        kwargs = {**kwargs, "color": curve_color(len(_curves(ax)))}
    (line,) = ax.plot(steps, rates, label=label, **kwargs)
    if log:
        ax.set_yscale("log")
    from matplotlib.ticker import EngFormatter

    ax.xaxis.set_major_formatter(EngFormatter(sep=""))
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    right = ax.get_xlim()[1]
    ax.set_xlim(0, max(right, float(steps[-1])))
    ax.grid(True, which="major", alpha=0.3)
    if label and not label.startswith("_"):
        _legend(ax)
    return line


def _curves(ax: Axes) -> list[Any]:
    """The curves drawn on ``ax`` (not the phase marks, which are vertical lines)."""
    return [line for line in ax.get_lines() if not str(line.get_gid()).startswith("phase:")]


def curve_color(index: int) -> Any:
    """The colour of curve ``index`` on one axes: ``C0`` ... ``C9`` (the style's colour cycle),
    then hues spaced by the golden ratio (each new curve far from every earlier one).

    Examples:
      >>> curve_color(0), curve_color(9)
      ('C0', 'C9')
      >>> len({curve_color(i) for i in range(40)})
      40
    """
    if index < _CYCLE_COLORS:
        return f"C{index}"
    hue = ((index - _CYCLE_COLORS) * 0.6180339887498949 + 0.05) % 1.0
    value = 0.85 if (index - _CYCLE_COLORS) % 2 == 0 else 0.6
    return colorsys.hsv_to_rgb(hue, 0.75, value)


def _legend(ax: Axes) -> None:
    """The legend: inside the axes for a few curves, outside to the right for many."""
    labelled = [c for c in _curves(ax) if not str(c.get_label()).startswith("_")]
    if len(labelled) > LEGEND_INSIDE_MAX:
        ax.legend(
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            ncols=1 + len(labelled) // 25,
        )
    else:
        ax.legend(fontsize="small")


def _is_other_callable(value: Any) -> bool:
    """A callable that is neither a Schedule nor a mapping: a peer's schedule function."""
    return callable(value) and not isinstance(value, (Schedule, Mapping))


def _required_steps(num_steps: Any) -> int:
    from ._errors import Problems

    problems = Problems()
    if num_steps is None:
        problems.add(
            "num_steps", "is required to plot a callable schedule (the last step to draw)."
        )
    else:
        problems.integer("num_steps", num_steps, 1, INT32_MAX)
    problems.raise_if_any()
    return int(num_steps)


def _callable_name(fn: Any) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if not name:
        name = type(fn).__name__
    return name.replace("<lambda>", "lambda").replace("<locals>.", "").lstrip("_") or "schedule"


def callable_curve(
    fn: Callable[[Any], Any], num_steps: int, *, num_points: int = 2000
) -> tuple[np.ndarray, np.ndarray]:
    """The integer steps and float64 values to draw for any callable ``step -> rate``.

    An optax schedule, an HF ``LambdaLR`` lambda (times the peak rate) or any Python function
    of the step: it is called once on the array of steps (an optax schedule is vectorised),
    or, if that fails or does not give one value per step, once per step. The steps are an
    even integer grid of about ``num_points`` from 0 to 5 % past ``num_steps``.

    Raises:
      ConfigError: if ``num_points`` is not an integer >= 1.

    Examples:
      >>> steps, rates = callable_curve(lambda t: 0.1 * 0.5 ** (t // 10), 100, num_points=5)
      >>> steps.tolist(), rates.tolist()
      ([0, 26, 52, 79, 105], [0.1, 0.025, 0.003125, 0.00078125, 9.765625e-05])
    """
    from ._errors import Problems

    problems = Problems()
    points = problems.integer("num_points", num_points, 1, 2**63 - 1)
    problems.raise_if_any()
    assert points is not None
    end = int(min(num_steps + max(1, int(PAST_END * num_steps)), INT32_MAX))
    steps = np.unique(np.linspace(0, end, min(max(2, points), end + 1)).round().astype(np.int64))
    try:
        values = np.asarray(fn(steps.astype(np.int32)), dtype=np.float64)
    except Exception:  # a function of one Python int
        values = None
    if values is None or values.shape != steps.shape:
        values = np.asarray([float(fn(int(t))) for t in steps], dtype=np.float64)
    return steps, values


def _check_finite(steps: np.ndarray, rates: np.ndarray) -> None:
    """A ConfigError naming the first step whose rate is not finite: nothing to draw there.

    A learning rate must be a finite float32; a schedule that overflows float32 (a product of
    rates near its largest value, say) is reported instead of drawn as an empty figure.
    """
    bad = np.flatnonzero(~np.isfinite(rates))
    if len(bad):
        from ._errors import ConfigError

        i = int(bad[0])
        raise ConfigError(
            [
                f"learning_rate: is not a finite float32 number at {len(bad):,} of the "
                f"{len(rates):,} steps drawn (the first: {float(rates[i])} at step "
                f"{int(steps[i]):,}), so the curve cannot be drawn; check the values that "
                "multiply the rate (start_lr, the factors of a product, num_workers)."
            ]
        )


def _mark_phases(ax: Axes, schedule: Schedule, color: Any) -> None:
    """Dotted lines at the phase boundaries in the curve's color.

    Each line is named at the top, unless a name already stands within 2 % of the axis
    width (several schedules on one axes often share or nearly share a boundary).
    """
    width = max(ax.get_xlim()[1], schedule.num_steps * (1 + PAST_END))
    named = [t.xy[0] for t in ax.texts if str(t.get_gid()).startswith("phase:")]
    for name, step in schedule.boundaries().items():
        if step <= 0:
            continue
        ax.axvline(step, color=color, linestyle=":", linewidth=1, alpha=0.7, gid=f"phase:{name}")
        if any(abs(step - x) < 0.02 * width for x in named):
            continue
        named.append(step)
        gid = f"phase:{name}"
        ax.annotate(
            name,
            (step, 0.98),
            xycoords=ax.get_xaxis_transform(),
            xytext=(-2, 0),
            textcoords="offset points",
            rotation=90,
            ha="right",
            va="top",
            fontsize=7,
            color="0.35",
            gid=gid,
        )

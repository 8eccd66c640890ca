"""The learning-rate range test (Smith 2015; fastai's and Lightning's ``lr_find``).

Train from the given parameters with a learning rate growing geometrically from ``start_lr`` to
``end_lr``, record the loss of every step, smooth it with a bias-corrected exponential moving
average, stop once the smoothed loss diverges, and suggest the rate where the smoothed loss falls
fastest. The training step is jitted once (the rate comes from a schedule inside the optimizer,
so a new rate does not recompile). JAX parameters are immutable: the caller's ``params`` are
untouched, there is no model state to save and restore as PyTorch finders must.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._errors import MAX_DEPTH, ConfigError, Problems, describe
from ._numerics import float_dtype

__all__ = ["LRRangeTestResult", "lr_range_test"]

_NAME = "lr_range_test"


@dataclasses.dataclass(frozen=True)
class LRRangeTestResult:
    """What :func:`lr_range_test` measured.

    Attributes:
      lrs: the learning rate of every step that ran (float64, geometric).
      losses: the loss of every step that ran, computed on that step's batch at the parameters
        before the step's update (fastai's convention), so ``losses[i]`` reflects the rates
        ``lrs[:i]``.
      smoothed_losses: the bias-corrected exponential moving average of ``losses``.
      suggested_lr: the rate where the smoothed loss falls fastest against ``log(lr)``,
        searched before the smoothed loss reaches its minimum; ``None`` when the loss never
        decreased (then lower ``start_lr``).
      stop_reason: ``"completed"`` (all ``num_steps`` ran), ``"diverged"`` (the smoothed loss
        exceeded the divergence threshold, or a loss was not finite) or ``"exhausted"`` (the
        batch iterator ran out).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggested_lr: float | None
    stop_reason: str

    @property
    def num_steps(self) -> int:
        """The number of steps that ran."""
        return len(self.lrs)

    def plot(self, ax: Any = None, *, show_raw: bool = True) -> Any:
        """Plot the loss against the learning rate (log scale), the suggestion marked.

        Args:
          ax: a matplotlib ``Axes`` to draw on; a new figure if ``None``.
          show_raw: also draw the unsmoothed losses (faint).

        Returns:
          The matplotlib ``Axes``.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        if show_raw:
            ax.plot(self.lrs, self.losses, color="C0", alpha=0.3, lw=1, label="loss")
        ax.plot(self.lrs, self.smoothed_losses, color="C0", lw=2, label="smoothed loss")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        finite = np.isfinite(self.smoothed_losses)
        if finite.any():
            values = self.smoothed_losses[finite]
            lowest = int(np.argmin(np.where(finite, self.smoothed_losses, np.inf)))
            lo, hi = float(values.min()), float(np.max(self.smoothed_losses[: lowest + 1]))
            span = hi - lo if hi > lo else max(abs(hi), 1.0)
            ax.set_ylim(lo - 0.05 * span, hi + 0.25 * span)
        if self.suggested_lr is not None:
            i = int(np.argmin(np.abs(np.log(self.lrs) - math.log(self.suggested_lr))))
            ax.axvline(self.suggested_lr, color="C3", ls="--", lw=1)
            ax.plot(
                [self.suggested_lr],
                [self.smoothed_losses[i]],
                "o",
                color="C3",
                label=f"suggested lr = {self.suggested_lr:.2e}",
            )
        ax.legend()
        return ax


def _is_stacked(batches: Any) -> bool:
    """An array, or a non-list pytree (dict, tuple, ...) of arrays with a leading step axis."""
    if isinstance(batches, (np.ndarray, jax.Array)):
        return True
    if isinstance(batches, (list, Iterator)) or not isinstance(batches, (Mapping, tuple)):
        return False
    leaves = jax.tree.leaves(batches)
    return bool(leaves) and all(isinstance(x, (np.ndarray, jax.Array)) for x in leaves)


#: The largest sweep: the rate table is a device array of ``num_steps`` floats.
MAX_STEPS = 1_000_000
# Every rate of the sweep must be a normal, finite float32.
_F32_TINY = 1.1754943508222875e-38
_F32_MAX = 3.4028234663852886e38


# MAX_DEPTH (the one nesting limit, 100) also bounds ``batches`` and ``params``: JAX's pytree
# flattening is recursive (a RecursionError, raised as a SystemError, at about 1000).


def _too_deep(tree: Any, limit: int = MAX_DEPTH) -> bool:
    """True if ``tree`` nests lists, tuples or dicts more than ``limit`` levels (or in a cycle).

    Iterative; a node reached again is walked again only when reached deeper, so a shared
    (aliased) subtree costs no more than once per depth.
    """
    deepest: dict[int, int] = {}
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (list, tuple, dict)):
            continue
        if depth >= limit:
            return True
        if deepest.get(id(node), -1) >= depth:
            continue
        deepest[id(node)] = depth
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return False


def _check(
    loss_fn: Any,
    params: Any,
    batches: Any,
    optimizer: Any,
    start_lr: Any,
    end_lr: Any,
    num_steps: Any,
    smoothing: Any,
    divergence_threshold: Any,
    progress: Any,
) -> None:
    problems = Problems()
    if not callable(loss_fn):
        problems.bad(
            f"{_NAME}.loss_fn", "a function `loss_fn(params, batch) -> scalar loss`", loss_fn
        )
    if isinstance(optimizer, optax.GradientTransformation) or not callable(optimizer):
        problems.bad(
            f"{_NAME}.optimizer",
            "an optimizer factory called with the learning rate (`optax.sgd`, `optax.adam`, "
            "`functools.partial(optax.sgd, momentum=0.9)`), not a built transformation",
            optimizer,
        )
    rate = f"a finite number in [{_F32_TINY:.7g}, {_F32_MAX:.7g}] (a normal float32)"
    start = problems.number(
        f"{_NAME}.start_lr", start_lr, rate, lambda x: _F32_TINY <= x <= _F32_MAX
    )
    if start is None:
        problems.number(f"{_NAME}.end_lr", end_lr, rate, lambda x: _F32_TINY <= x <= _F32_MAX)
    else:
        problems.number(
            f"{_NAME}.end_lr",
            end_lr,
            f"a finite number > `start_lr` ({start!r}) and <= {_F32_MAX:.7g}",
            lambda x: start < x <= _F32_MAX,
        )
    problems.integer(f"{_NAME}.num_steps", num_steps, 2, MAX_STEPS)
    problems.number(f"{_NAME}.smoothing", smoothing, "a number in [0, 1)", lambda x: 0 <= x < 1)
    if divergence_threshold is not None:
        problems.number(
            f"{_NAME}.divergence_threshold",
            divergence_threshold,
            "a number > 1, or None (never stop early)",
            lambda x: x > 1,
        )
    if progress is not None and not isinstance(progress, bool):
        problems.bad(f"{_NAME}.progress", "True, False or None (automatic)", progress)
    if _too_deep(params):
        problems.add(f"{_NAME}.params", _DEEP.replace("a batch is", "params are"))
    if _too_deep(batches):
        problems.add(f"{_NAME}.batches", _DEEP)
    elif _is_stacked(batches):
        sizes = {np.shape(x)[0] if np.ndim(x) else None for x in jax.tree.leaves(batches)}
        if None in sizes or len(sizes) != 1 or 0 in sizes:
            problems.add(
                f"{_NAME}.batches",
                "every array must have the same, non-zero leading (step) axis; got leading "
                f"sizes {describe(sorted(map(str, sizes)))}.",
            )
    elif isinstance(batches, Mapping):
        problems.add(
            f"{_NAME}.batches",
            "a dict must hold arrays (NumPy or JAX) with a leading step axis; got values of "
            f"type {describe(sorted({type(x).__name__ for x in jax.tree.leaves(batches)}))}.",
        )
    elif isinstance(batches, (str, bytes)) or not isinstance(batches, Iterable):
        problems.add(
            f"{_NAME}.batches",
            "must be an iterable of batches, or an array (or a dict/tuple of arrays) with a "
            f"leading step axis; got {type(batches).__name__}.",
        )
    problems.raise_if_any()


_DEEP = (
    f"nests lists, tuples or dicts more than {MAX_DEPTH} levels deep (or in a cycle); a batch "
    "is a pytree of arrays."
)


def _batch_source(batches: Any) -> tuple[Any, Callable[[int], Any]]:
    """``(stacked, next_batch)``: the stacked device pytree (or None) and a batch getter.

    Stacked arrays shorter than the sweep are cycled; so are re-iterable collections of batches
    (lists, datasets). A one-shot iterator stops the sweep when it runs out.
    """
    if _is_stacked(batches):
        stacked = jax.tree.map(jnp.asarray, batches)
        return stacked, lambda i: None
    reiterable = iter(batches) is not batches
    it = iter(batches)
    state = {"it": it, "empty_pass": True}

    def next_batch(i: int) -> Any:
        try:
            batch = next(state["it"])
        except StopIteration:
            if not reiterable or state["empty_pass"]:
                raise
            state["it"] = iter(batches)
            state["empty_pass"] = True
            batch = next(state["it"])
        state["empty_pass"] = False
        return batch

    return None, next_batch


def _first(stacked: Any) -> Any:
    return jax.tree.map(lambda x: x[0], stacked)


def _first_line(exc: BaseException) -> str:
    """``Type: the first line of the message`` (at most 200 characters of it)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}".rstrip(": ")


def _check_loss(loss_fn: Callable[[Any, Any], Any], params: Any, batch: Any) -> None:
    """``loss_fn`` must return a real scalar (checked abstractly, without running it)."""
    try:
        out = jax.eval_shape(loss_fn, params, batch)
    except (TypeError, ValueError, OverflowError) as exc:  # a batch loss_fn cannot use, ...
        raise ConfigError(
            [
                f"{_NAME}.loss_fn: must return a scalar floating-point loss of "
                f"(params, batches[0]); it raised {_first_line(exc)}"
            ]
        ) from None
    if (
        not isinstance(out, jax.ShapeDtypeStruct)
        or out.shape != ()
        or not jnp.issubdtype(out.dtype, jnp.floating)
    ):
        got = f"shape {out.shape}, dtype {out.dtype}" if hasattr(out, "shape") else describe(out)
        raise ConfigError(
            [f"{_NAME}.loss_fn: must return a scalar floating-point loss; got {got}."]
        )


def _suggest(lrs: np.ndarray, smoothed: np.ndarray) -> float | None:
    """fastai's steepest-descent rule on the smoothed loss, restricted to its final descent.

    The slope is ``d smoothed / d log(lr)`` (``np.gradient``). It is searched only on the final
    descent into the minimum of the smoothed loss: from the last step where the smoothed loss
    was still above the midpoint between its highest value before the minimum and the minimum,
    to the minimum. Past the minimum the loss rises or diverges (its swings there are not a
    descent); before the final descent lies the plateau, whose noise makes steep-looking dips
    (a lucky batch moves the average by several times the slope of a real descent). The first
    10 % of the steps are skipped, as fastai does: the average there holds few losses.
    """
    skip = len(lrs) // 10
    tail = smoothed[skip:]
    finite = np.isfinite(tail)
    if not finite.any():
        return None
    end = skip + int(np.argmin(np.where(finite, tail, np.inf)))
    if end - skip < 1:
        return None
    segment = smoothed[skip : end + 1]
    midpoint = 0.5 * (float(segment.max()) + float(segment[-1]))
    start = int(np.nonzero(segment >= midpoint)[0][-1])
    slope = np.gradient(segment, np.log(lrs[skip : end + 1]))
    i = start + int(np.argmin(slope[start:]))
    if not slope[i] < 0:
        return None
    return float(lrs[skip + i])


def _use_progress(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def lr_range_test(
    loss_fn: Callable[[Any, Any], Any],
    params: Any,
    batches: Any,
    *,
    optimizer: Callable[..., optax.GradientTransformation] = optax.sgd,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    smoothing: float = 0.98,
    divergence_threshold: float | None = 4.0,
    progress: bool | None = None,
) -> LRRangeTestResult:
    """The learning-rate range test: sweep the rate geometrically, watch the loss.

    Step ``i`` (from 0) trains with

    .. math::
      \\mathrm{lr}_i = \\mathrm{start\\_lr}\\,
        \\left(\\frac{\\mathrm{end\\_lr}}{\\mathrm{start\\_lr}}\\right)^{i / (n - 1)},
      \\qquad \\bar L_i = \\frac{m_i}{1 - \\beta^{i+1}},\\quad
      m_i = \\beta m_{i-1} + (1 - \\beta) L_i,\\ m_{-1} = 0

    (``beta = smoothing``) and the sweep stops after the first step where ``bar L_i`` exceeds
    ``divergence_threshold`` times its minimum so far (for a negative minimum ``m``: exceeds
    ``m + (divergence_threshold - 1) |m|``) or where the loss is not finite. The suggested
    rate is where ``bar L`` falls fastest against ``log(lr)``, searched before its minimum.

    Args:
      loss_fn: ``loss_fn(params, batch)`` returning a scalar loss; differentiated with
        ``jax.value_and_grad``.
      params: the starting parameters (a pytree); not modified.
      batches: an iterable of batches (cycled if it can be iterated again, else the sweep
        stops when it runs out), or an array, dict or tuple of arrays with a leading step
        axis (``batches[i % len]`` is step ``i``'s batch). Lists are always iterables of
        batches. Batches (and ``params``) nest lists, tuples and dicts at most
        :data:`MAX_DEPTH` (100) levels deep.
      optimizer: a factory called once with the learning rate (a schedule), such as
        ``optax.sgd``, ``optax.adam`` or ``functools.partial(optax.sgd, momentum=0.9)``.
      start_lr: the first rate (> 0).
      end_lr: the last rate (> ``start_lr``).
      num_steps: the number of steps of the full sweep (>= 2).
      smoothing: the EMA factor ``beta`` in [0, 1) (0 = no smoothing).
      divergence_threshold: stop once the smoothed loss exceeds this multiple of its minimum
        (> 1); ``None`` runs every step.
      progress: show a tqdm progress bar; ``None`` shows one only when stderr is a terminal
        and the sweep takes more than 2 seconds.

    Returns:
      An :class:`LRRangeTestResult` with ``lrs``, ``losses``, ``smoothed_losses``,
      ``suggested_lr``, ``stop_reason`` and ``plot(ax=None)``.

    Raises:
      ConfigError: if any argument is invalid (every problem is listed).

    Examples:
      >>> import jax.numpy as jnp
      >>> loss_fn = lambda p, batch: 0.5 * 10.0 * jnp.sum(p**2)  # curvature 10: stable < 0.2
      >>> result = lr_range_test(loss_fn, jnp.ones(3), jnp.zeros((100, 1)), end_lr=10.0)
      >>> result.stop_reason, result.num_steps < 100, 1e-3 < result.suggested_lr < 0.2
      ('diverged', True, True)
    """
    _check(
        loss_fn,
        params,
        batches,
        optimizer,
        start_lr,
        end_lr,
        num_steps,
        smoothing,
        divergence_threshold,
        progress,
    )
    start_lr, end_lr, num_steps = float(start_lr), float(end_lr), int(num_steps)
    smoothing = float(smoothing)
    if divergence_threshold is not None:
        divergence_threshold = float(divergence_threshold)
    fractions = np.arange(num_steps, dtype=np.float64) / (num_steps - 1)
    lrs = start_lr * np.exp(math.log(end_lr / start_lr) * fractions)
    lrs[-1] = end_lr
    lr_table = jnp.asarray(lrs, dtype=float_dtype())

    def schedule(count: jax.Array) -> jax.Array:
        return lr_table[jnp.clip(count, 0, num_steps - 1)]

    tx = optimizer(schedule)
    stacked, next_batch = _batch_source(batches)

    @jax.jit
    def train_step(params: Any, opt_state: Any, batch: Any, data: Any, i: jax.Array) -> Any:
        if data is not None:
            n = jax.tree.leaves(data)[0].shape[0]
            batch = jax.tree.map(lambda x: x[i % n], data)
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    opt_state = tx.init(params)
    losses: list[float] = []
    smoothed: list[float] = []
    average, best, stop_reason = 0.0, math.inf, "completed"
    bar = None
    if _use_progress(progress):
        from tqdm.auto import tqdm

        bar = tqdm(total=num_steps, desc="lr range test", delay=0.0 if progress else 2.0)
    try:
        for i in range(num_steps):
            try:
                batch = next_batch(i)
            except StopIteration:
                stop_reason = "exhausted"
                break
            if stacked is None and _too_deep(batch):
                raise ConfigError([f"{_NAME}.batches[{i}]: {_DEEP}"])
            if i == 0:
                _check_loss(loss_fn, params, batch if stacked is None else _first(stacked))
            try:
                with np.errstate(over="ignore"):  # a float batch past float32 is inf there
                    params, opt_state, loss = train_step(
                        params, opt_state, batch, stacked, jnp.asarray(i, jnp.int32)
                    )
            except (TypeError, ValueError, OverflowError) as exc:  # a batch unlike the first
                raise ConfigError(
                    [
                        f"{_NAME}.batches[{i}]: the training step cannot use this batch "
                        f"(batches[0] worked); it raised {_first_line(exc)}"
                    ]
                ) from None
            loss = float(loss)
            average = smoothing * average + (1 - smoothing) * loss
            value = average / (1 - smoothing ** (i + 1))
            losses.append(loss)
            smoothed.append(value)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lrs[i]:.2e}", loss=f"{value:.4g}", refresh=False)
            if not math.isfinite(loss) or not math.isfinite(value):
                stop_reason = "diverged"
                break
            best = min(best, value)
            if (
                divergence_threshold is not None
                and i > 0
                and value - best > (divergence_threshold - 1) * abs(best)
            ):
                stop_reason = "diverged"
                break
    finally:
        if bar is not None:
            bar.close()

    ran = len(losses)
    smoothed_array = np.asarray(smoothed, dtype=np.float64)
    return LRRangeTestResult(
        lrs=lrs[:ran],
        losses=np.asarray(losses, dtype=np.float64),
        smoothed_losses=smoothed_array,
        suggested_lr=_suggest(lrs[:ran], smoothed_array) if ran >= 2 else None,
        stop_reason=stop_reason,
    )

"""``plot_schedule`` with any callable schedule (a baseline from optax or HF), many curves with
distinct colours and the legend outside."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import optax

import lrschedules_jax as lrs
from lrschedules_jax.plotting import callable_curve, curve_color


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_an_optax_schedule_is_drawn_with_its_own_values(ax):
    baseline = optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 1000, end_value=1e-5)
    lrs.plot_schedule(baseline, 1000, ax, label="optax")
    (line,) = ax.get_lines()
    steps = np.asarray(line.get_xdata())
    assert steps[0] == 0 and steps[-1] == 1050  # 5 % past the end, as for a Schedule
    # optax's values at those steps, computed in float64 from its formula
    t = steps.astype(np.float64)
    warm = 1e-3 * t / 100
    p = np.clip((t - 100) / 900, 0, 1)
    cos = 1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + np.cos(np.pi * p))
    np.testing.assert_array_equal(line.get_ydata(), [float(baseline(int(s))) for s in steps])
    np.testing.assert_allclose(line.get_ydata(), np.where(t < 100, warm, cos), rtol=1e-4)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["optax"]


def test_a_python_function_of_an_int_is_called_step_by_step(ax):
    calls = []

    def hf_lambda(step):  # an HF LambdaLR lambda: math on a Python int only
        calls.append(step)
        return 0.5 * (1 + math.cos(math.pi * min(step, 200) / 200))

    lrs.plot_schedule(lambda t: 2e-3 * hf_lambda(t), 200, ax, num_points=21)
    (line,) = ax.get_lines()
    steps = np.asarray(line.get_xdata())
    assert isinstance(calls[0], np.ndarray)  # tried once on the array, which math refuses
    assert all(isinstance(c, int) for c in calls[1:]) and len(calls) == 1 + len(steps)
    expected = [2e-3 * 0.5 * (1 + math.cos(math.pi * min(s, 200) / 200)) for s in steps.tolist()]
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-15)
    assert ax.get_legend().get_texts()[0].get_text().endswith("lambda")


def test_a_schedule_and_its_baseline_overlay(ax):
    ours = lrs.cosine(start_lr=1e-3, stop_lr=1e-5, num_steps=1000)
    lrs.plot_schedule(ours, ax=ax)
    lrs.plot_schedule(optax.cosine_decay_schedule(1e-3, 1000, alpha=0.01), 1000, ax, label="optax")
    curves = [c for c in ax.get_lines() if not str(c.get_gid()).startswith("phase:")]
    assert len(curves) == 2
    assert curves[0].get_color() != curves[1].get_color()
    np.testing.assert_allclose(
        np.interp(curves[1].get_xdata(), curves[0].get_xdata(), curves[0].get_ydata()),
        curves[1].get_ydata(),
        rtol=1e-4,
    )


def test_a_callable_needs_num_steps():
    with pytest.raises(lrs.ConfigError, match="num_steps: is required to plot a callable"):
        lrs.plot_schedule(optax.constant_schedule(1e-3))
    with pytest.raises(lrs.ConfigError, match="num_steps"):
        lrs.plot_schedule(optax.constant_schedule(1e-3), 0)


def test_many_curves_get_distinct_colours_and_the_legend_outside(ax):
    grid = [lrs.cosine(start_lr=1e-3 * (1 + i), stop_lr=0.0, num_steps=100) for i in range(24)]
    lrs.plot_schedule(lrs.stack(grid), ax=ax, mark_phases=False)
    curves = [c for c in ax.get_lines() if not c.get_label().startswith("_")]
    assert len(curves) == 24
    colours = {matplotlib.colors.to_hex(c.get_color()) for c in curves}
    assert len(colours) == 24
    legend = ax.get_legend()
    assert len(legend.get_texts()) == 24
    anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
    assert anchor.x0 > 1.0  # right of the axes


def test_a_few_curves_keep_the_legend_inside_and_the_colour_cycle(ax):
    for i in range(3):
        lrs.plot_schedule(lrs.constant(start_lr=1e-3 * (i + 1), num_steps=10), ax=ax)
    curves = [c for c in ax.get_lines() if not c.get_label().startswith("_")]
    assert [c.get_color() for c in curves] == ["C0", "C1", "C2"]
    anchor = ax.get_legend().get_bbox_to_anchor().transformed(ax.transAxes.inverted())
    assert anchor.x1 <= 1.0 + 1e-9


def test_curve_colours_stay_apart():
    rgb = [matplotlib.colors.to_rgb(curve_color(i)) for i in range(60)]
    closest = min(math.dist(a, b) for i, a in enumerate(rgb) for b in rgb[i + 1 :] if a is not b)
    assert closest > 0.02


def test_callable_curve_falls_back_when_the_array_call_gives_one_value():
    steps, values = callable_curve(lambda t: 0.25, 40, num_points=3)
    assert steps.tolist() == [0, 21, 42]
    assert values.tolist() == [0.25, 0.25, 0.25]


def test_len_of_a_stack_and_dir_of_the_package():
    stacked = lrs.stack([lrs.constant(start_lr=x, num_steps=10) for x in (1.0, 2.0, 3.0)])
    assert len(stacked) == 3
    with pytest.raises(TypeError, match="no len"):
        len(lrs.constant(start_lr=1.0, num_steps=10))
    names = dir(lrs)
    assert {"make_schedule", "plot_schedule", "torch", "timm"} <= set(names)
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    assert "importlib" not in names and "TYPE_CHECKING" not in names

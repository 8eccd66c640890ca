"""``momentum_schedule()`` of ``one_cycle`` and ``cyclic`` against PyTorch.

Against torch's values recorded in tests/data/peers/torch.json.gz (cases
``momentum/<name>/<optimizer>``: SGD's ``momentum`` and Adam's ``betas[0]`` after each
``scheduler.step()``, for the cases of tests/momentum_reference.py) at every step, and against
its float64 references past the end and at large steps.
"""

import jax
import numpy as np
import optax
import peers
import pytest
from momentum_reference import CASES, reference

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError, make_schedule

DTYPE_PROMOTION = "standard"  # optax's adam (b1 ** count) relies on standard promotion


def _ours(kind, kw):
    """Our config for a case given with torch's keywords (``total_steps`` is ``num_steps``)."""
    kw = dict(kw)
    n = kw.pop("total_steps", None)
    return {"type": kind, **kw}, n


@pytest.mark.parametrize("name", list(CASES))
def test_equals_torch_at_every_step(name):
    kind, kw, count = CASES[name]
    config, n = _ours(kind, kw)
    s = make_schedule(config, n or count)
    got = np.asarray(s.momentum_schedule()(np.arange(count)), np.float64)
    sgd = peers.values(peers.case("torch", f"momentum/{name}/sgd"), "momentum")
    adam = peers.values(peers.case("torch", f"momentum/{name}/adam"), "momentum")
    np.testing.assert_allclose(got, sgd, rtol=2e-7, atol=0)
    np.testing.assert_allclose(got, adam, rtol=2e-7, atol=0)
    # past the end and far away: the float64 reference (torch refuses to step past one_cycle's
    # end; cyclic goes on cycling)
    far = np.array([count, count + 1, 10**6 + 3, 2**31 - 1])
    np.testing.assert_allclose(
        np.asarray(s.momentum_schedule()(far), np.float64), reference(kind, kw, far), rtol=2e-7
    )


def test_defaults_rules_and_config():
    one = lrs.one_cycle(max_lr=1.0, num_steps=100)
    assert (one.cycle_momentum, one.base_momentum, one.max_momentum) == (True, 0.85, 0.95)
    cyc = lrs.cyclic(base_lr=0.1, max_lr=1.0, num_steps=100)
    assert (cyc.cycle_momentum, cyc.base_momentum, cyc.max_momentum) == (True, 0.8, 0.9)
    config = {"type": "cyclic", "base_lr": 0.1, "max_lr": 1.0, "base_momentum": 0.5,
              "max_momentum": 0.99, "step_size_up": 3}  # fmt: skip
    s = make_schedule(config, 100)
    assert make_schedule(s.to_config(), 100).momentum_schedule()(7) == s.momentum_schedule()(7)
    with pytest.raises(ConfigError) as info:
        make_schedule({**config, "base_momentum": 0.95, "max_momentum": 1.0}, 100)
    text = str(info.value)
    assert "learning_rate.max_momentum: must be < 1; got 1.0." in text
    with pytest.raises(ConfigError, match=r"learning_rate\.max_momentum: must be at least"):
        make_schedule({**config, "base_momentum": 0.95, "max_momentum": 0.9}, 100)
    off = make_schedule({**config, "cycle_momentum": False}, 100)
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        off.momentum_schedule()
    # the momentum never changes the rate, nor is it scaled by the workers
    steps = np.arange(0, 100, 3)
    np.testing.assert_array_equal(np.asarray(off(steps)), np.asarray(s(steps)))
    four = make_schedule(config, 100, num_workers=4)
    np.testing.assert_array_equal(
        np.asarray(four.momentum_schedule()(steps)), np.asarray(s.momentum_schedule()(steps))
    )
    with pytest.raises(ValueError, match="not a `learning_rate` type"):
        s.momentum_schedule().to_config()


def test_injected_as_adam_b1():
    s = lrs.one_cycle(max_lr=1e-2, num_steps=50)
    m = s.momentum_schedule()
    tx = lrs.inject(optax.adam, learning_rate=s, b1=m)
    params = np.zeros(3, np.float32)
    state = tx.init(params)
    update = jax.jit(tx.update)
    for k in range(5):
        _, state = update(np.ones(3, np.float32), state, params)
        assert float(lrs.current_hyperparams(state)["b1"]) == float(m(k))


# Groups that differ in their step counts (and one_cycle's pct_start), not in modes.
_STACKED = {
    **{
        f"one_cycle-{a}-three{t}": [
            ({"max_lr": 1.0, "pct_start": p, "anneal_strategy": a, "three_phase": t}, n)
            for p in (0.0, 0.25, 1 / 3, 0.5)
            for n in (10, 997, 2**31 - 2)
        ]
        for a in ("cos", "linear")
        for t in (False, True)
    },
    **{
        f"cyclic-{m}": [
            ({"base_lr": 0.1, "max_lr": 1.0, "step_size_up": u, "step_size_down": d, "mode": m}, 9)
            for u in (1, 7, 2000)
            for d in (3, 10**6, 2 * 10**9)
        ]
        for m in ("triangular", "triangular2")
    },
}


@pytest.mark.parametrize("name", list(_STACKED))
def test_stacked_momentum(name):
    """The momentum of every row of a stacked sweep, its counts traced under one jit(vmap), is
    the float64 reference; stacking the momentum schedules gives the same numbers."""
    kind = name.split("-")[0]
    group = _STACKED[name]
    schedules = [make_schedule({"type": kind, **c}, n) for c, n in group]
    stacked = lrs.stack(schedules)
    steps = np.unique(np.r_[np.arange(40), 995, 996, 997, 998, 10**6, 2**31 - 3, 2**31 - 1])
    got = np.asarray(jax.jit(jax.vmap(lambda s: s.momentum_schedule()(steps)))(stacked), np.float64)
    again = np.asarray(lrs.stack([s.momentum_schedule() for s in schedules])(steps), np.float64)
    np.testing.assert_array_equal(again, got)
    for row, (config, n) in enumerate(group):
        torch_kw = {**config, "total_steps": n} if kind == "one_cycle" else config
        want = reference(kind, torch_kw, steps)
        np.testing.assert_allclose(got[row], want, rtol=2e-6, atol=0, err_msg=str(config))

"""Tests that read the pytree layout of DeePMD-kit's types.

Every value, pytree and round-trip test of exp, cosine and wsd moved to test_values.py and
test_pytree.py, which read the case table in cases.py.
"""

import jax

import lrschedules_jax as lrs


def test_pytree_leaves_and_static_fields():
    sched = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, warmup_steps=10, num_steps=1000)
    leaves, treedef = jax.tree.flatten(sched)
    assert leaves == [1e-3, 1e-5, 0.0]  # start_lr, stop_lr, warmup_start_factor
    assert jax.tree.unflatten(treedef, leaves) == sched
    exp = lrs.exp(start_lr=1e-3, stop_lr=1e-5, num_steps=1000)
    # + decay_rate as written, and its logarithm with that logarithm's float32 rounding
    assert len(jax.tree.leaves(exp)) == 6
    assert exp.decay_rate == exp.to_config()["decay_rate"]


def test_wsd_decay_phase_is_derived_on_the_host():
    """D = max(1, min(int(ratio * N), T)) is computed in float64 when the schedule is made
    (int(0.29 * 100) = 28, where float32 would give 29), kept by replace() and stack(), and
    left out of to_config()."""
    import jax.numpy as jnp
    import numpy as np

    def make(ratio, n):
        return lrs.wsd(
            start_lr=1e-3,
            stop_lr=1e-5,
            num_steps=n,
            warmup_steps=0,
            decay_phase_ratio=ratio,
            decay_type="linear",
        )

    a, b = make(0.29, 100), make(0.5, 300)
    assert (a.decay_phase, a.stable_steps, a.decay_phase_steps) == (28, 72, None)
    assert "decay_phase" not in a.to_config()
    assert a.replace(num_steps=300, decay_phase_ratio=0.5) == b
    assert b.decay_phase == 150
    stacked = lrs.stack([a, b])
    np.testing.assert_array_equal(stacked.decay_phase, [28, 150])
    steps = np.arange(0, 302)
    got = np.asarray(jax.jit(jax.vmap(lambda s: s(jnp.asarray(steps))))(stacked), np.float64)
    for row, (n, d) in enumerate([(100, 28), (300, 150)]):
        # float64 reference: start_lr until S = N - D, then linear to stop_lr at N.
        remaining = np.clip(n - steps, 0, d)
        want = np.where(steps < n - d, 1e-3, 1e-5 + (1e-3 - 1e-5) * remaining / d)
        np.testing.assert_allclose(got[row], want, rtol=2e-6)

"""Tests that read internals of the package (kept here while the package is restructured).

Every value, pytree and round-trip test of exp, cosine and wsd moved to test_values.py and
test_pytree.py, which read the case table in cases.py.
"""

import jax

import lrschedules_jax as lrs


def test_pytree_leaves_and_static_fields():
    sched = lrs.wsd(start_lr=1e-3, stop_lr=1e-5, warmup_steps=10, num_steps=1000)
    leaves, treedef = jax.tree.flatten(sched)
    assert leaves == [1e-3, 0.0, 1e-5]  # start_lr, warmup_start_factor, stop_lr
    assert jax.tree.unflatten(treedef, leaves) == sched
    exp = lrs.exp(start_lr=1e-3, stop_lr=1e-5, num_steps=1000)
    assert len(jax.tree.leaves(exp)) == 5  # + the log of the decay rate and its float32 rounding

"""The float64 momentum references of tests/momentum_reference.py against PyTorch.

Against torch's values recorded in tests/data/peers/torch.json.gz (cases
``momentum/<name>/<optimizer>``: SGD's ``momentum`` and Adam's ``betas[0]`` after each
``scheduler.step()``), and against torch itself when it is installed. ``momentum_schedule()``
is tested against these references.
"""

import numpy as np
import peers
import pytest
from momentum_reference import (
    CASES,
    ref_cyclic_momentum,
    ref_one_cycle_momentum,
    reference,
)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(CASES))
def test_reference_equals_torch(name, optimizer):
    kind, kw, count = CASES[name]
    row = peers.case("torch", f"momentum/{name}/{optimizer}")
    # the record is of this case: torch's call and every step from 0
    assert row["call"] == peers.script("torch").momentum_call(kind, kw, optimizer)
    assert row["steps"] == list(range(count))
    ref = reference(kind, kw, np.arange(count))
    np.testing.assert_allclose(ref, peers.values(row, "momentum"), rtol=1e-14, atol=0)
    live = peers.live_values("torch", row, "momentum")  # None unless torch is installed
    if live is not None:
        np.testing.assert_allclose(ref, live, rtol=1e-14, atol=0)


def test_one_cycle_momentum_hand_values():
    # N = 1000, pct_start 0.3: torch's first phase ends at the float step 299.0
    m = ref_one_cycle_momentum([0, 299, 649, 999, 1000, 5000], num_steps=1000)
    np.testing.assert_allclose(m, [0.95, 0.85, 0.9, 0.95, 0.95, 0.95], rtol=1e-15)
    # linear, three phases, N = 100, pct 0.25: ends at 24 and 48, flat at max after
    m = ref_one_cycle_momentum(
        [0, 12, 24, 36, 48, 70], num_steps=100, pct_start=0.25, three_phase=True,
        anneal_strategy="linear",
    )  # fmt: skip
    np.testing.assert_allclose(m, [0.95, 0.9, 0.85, 0.9, 0.95, 0.95], rtol=1e-15)


def test_cyclic_momentum_hand_values():
    # up 4, down 6: lowest momentum at the lr's peak (step 4), back to max at 10
    m = ref_cyclic_momentum([0, 2, 4, 7, 10, 14], step_size_up=4, step_size_down=6)
    np.testing.assert_allclose(m, [0.9, 0.85, 0.8, 0.85, 0.9, 0.8], rtol=1e-15)
    # triangular2: the swing halves each cycle
    m = ref_cyclic_momentum([4, 12, 20], step_size_up=4, mode="triangular2")
    np.testing.assert_allclose(m, [0.8, 0.85, 0.875], rtol=1e-15)

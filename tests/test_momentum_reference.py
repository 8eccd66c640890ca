"""The float64 momentum references of tests/momentum_reference.py against PyTorch.

Against the torch values recorded in tests/data/torch_momentum.json (torch 2.13, SGD's
``momentum`` and Adam's ``betas[0]`` after each ``scheduler.step()``), and against torch itself
when it is installed. ``momentum_schedule()`` (issue 13, item 4) is tested against these
references.
"""

import json

import numpy as np
import pytest
from momentum_reference import (
    CASES,
    DATA,
    ref_cyclic_momentum,
    ref_one_cycle_momentum,
    reference,
    torch_momentum,
)

RECORDED = json.loads(DATA.read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_reference_equals_recorded_torch(name):
    kind, kw, count = CASES[name]
    row = RECORDED["cases"][name]
    assert row["kind"] == kind and row["kwargs"] == kw  # the record is of this case
    ref = reference(kind, kw, np.arange(count))
    sgd = np.array(row["sgd"])
    adam = sgd if row["adam"] == "same as sgd" else np.array(row["adam"])
    assert len(sgd) == count
    np.testing.assert_allclose(ref, sgd, rtol=1e-14, atol=0)
    np.testing.assert_allclose(ref, adam, rtol=1e-14, atol=0)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(CASES))
def test_reference_equals_live_torch(name, optimizer):
    pytest.importorskip("torch")
    kind, kw, count = CASES[name]
    got = torch_momentum(kind, kw, count, optimizer)
    np.testing.assert_allclose(reference(kind, kw, np.arange(count)), got, rtol=1e-14)


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

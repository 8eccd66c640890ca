"""Shared fixtures (jit/nojit evaluation, float32/x64 precision) and the hypothesis profile.

Hypothesis runs derandomized and without an example database: the default run draws the same
examples on every machine, and no test depends on the time an example takes (no deadline).
``HYPOTHESIS_PROFILE=random`` draws new examples on each run (a longer search).
"""

import os

import jax
import pytest
from hypothesis import settings

settings.register_profile("default", derandomize=True, database=None, deadline=None)
settings.register_profile("random", derandomize=False, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def dtype_promotion(request):
    """Strict dtype promotion, so silent float64/weak-type slips fail loudly.

    A test module that runs optax's own code (which relies on standard promotion) sets
    ``DTYPE_PROMOTION = "standard"``.
    """
    with jax.numpy_dtype_promotion(getattr(request.module, "DTYPE_PROMOTION", "strict")):
        yield


@pytest.fixture(params=["jit", "nojit"])
def evaluate(request):
    """Evaluate a schedule on steps, directly or under jax.jit with the schedule as an argument."""
    if request.param == "jit":
        return jax.jit(lambda sched, steps: sched(steps))
    return lambda sched, steps: sched(steps)


@pytest.fixture(params=["float32", "x64"])
def precision(request):
    """Run the test in float32 (tolerance 2e-6) or with x64 enabled (tolerance 1e-10)."""
    if request.param == "x64":
        with jax.enable_x64(True):
            yield 1e-10
    else:
        yield 2e-6

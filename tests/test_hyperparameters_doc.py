"""The Python blocks of docs/hyperparameters.md and docs/adaptive.md's flax section run as written."""

import re
from pathlib import Path

import pytest

DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)

DOCS = Path(__file__).resolve().parent.parent / "docs"


def blocks(name):
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)


def test_hyperparameters_doc_runs(capsys):
    found = blocks("hyperparameters.md")
    assert len(found) == 2
    for block in found:
        exec(compile(block, "docs/hyperparameters.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "bfloat16 float32"
    # cosine(1e-2 -> 1e-4 over 1000) at step 2, float64: 1e-4 + (1e-2 - 1e-4) * cos^2(pi/1000), times 0.25
    import math

    expected = 0.25 * (1e-4 + (1e-2 - 1e-4) * math.cos(math.pi * 2 / 1000 / 2) ** 2)
    assert math.isclose(float(out[1]), expected, rel_tol=2e-6)
    assert out[2] == "['learning_rate', 'momentum']"


def test_adaptive_doc_linen_train_state_runs(capsys):
    pytest.importorskip("flax")
    (block,) = [b for b in blocks("adaptive.md") if "apply_gradients_with_value" in b]
    exec(compile(block, "docs/adaptive.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("loss ") and "current lr" in out

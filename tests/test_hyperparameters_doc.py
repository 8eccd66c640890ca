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
    assert len(found) == 4
    for block in found:
        exec(compile(block, "docs/hyperparameters.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "bfloat16 float32"
    # cosine(1e-2 -> 1e-4 over 1000) at step 2, float64: 1e-4 + (1e-2 - 1e-4) * cos^2(pi/1000), times 0.25
    import math

    expected = 0.25 * (1e-4 + (1e-2 - 1e-4) * math.cos(math.pi * 2 / 1000 / 2) ** 2)
    assert math.isclose(float(out[1]), expected, rel_tol=2e-6)
    assert out[2] == "['learning_rate', 'momentum']"
    assert math.isclose(float(out[3]), 0.85, rel_tol=2e-7)  # one_cycle's momentum at its peak
    b1, wd, ema = (float(x) for x in out[4].split())
    assert math.isclose(b1, 0.9, rel_tol=2e-7) and wd == 0.0
    assert math.isclose(ema, 0.9999, rel_tol=2e-7)
    assert "b1.stop_value: must be a number in [0, 1); got 1.0." in "\n".join(out[5:])


def test_adaptive_doc_linen_train_state_runs(capsys):
    pytest.importorskip("flax")
    (block,) = [b for b in blocks("adaptive.md") if "apply_gradients_with_value" in b]
    exec(compile(block, "docs/adaptive.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("loss ") and "current lr" in out

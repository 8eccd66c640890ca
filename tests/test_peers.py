"""The peers: their recorded values (tests/data/peers/) and our references against them.

The data files are written by the ``record_*.py`` scripts beside them (README.md there says
how); ``tests/peers.py`` reads them. Every comparison here runs on the recorded values, and
on the installed peer's own values too when the peer is importable (it never is a dependency):

- every file has its header (script, peer, exact version, date) and well-formed cases;
- DeePMD-kit's ``exp``, ``cosine``, ``wsd`` (``deepmd.dpmodel.utils.learning_rate``, DeePMD-kit
  3.2) equal ``make_schedule`` of the same ``learning_rate`` section at every recorded step up
  to 2**31 - 1;
- the references of tests/llm_reference.py equal HF transformers' and timm's schedulers
  (tests/llm_peers.py);
- the float64 momentum references of tests/momentum_reference.py equal torch's ``OneCycleLR``
  and ``CyclicLR`` momentum (SGD's ``momentum`` and Adam's ``betas[0]`` after each
  ``scheduler.step()``; ``momentum_schedule()`` is tested against these references).
"""

import datetime
import json

import jax
import llm_peers
import numpy as np
import peers
import pytest
from momentum_reference import (
    CASES,
    ref_cyclic_momentum,
    ref_one_cycle_momentum,
    reference,
)

import lrschedules_jax as lrs

INT32_MAX = 2**31 - 1


@pytest.mark.parametrize("peer", list(peers.FILES))
def test_data_file_is_well_formed(peer):
    data = peers.recorded(peer)
    assert data["script"] == f"tests/data/peers/{peers.script(peer).__name__}.py"
    assert peers.script(peer).DATA == peers.FILES[peer]
    assert data["version"] and datetime.date.fromisoformat(data["date"])
    assert len(data["cases"]) >= 10
    for id_, row in data["cases"].items():
        assert row["id"] == id_ and isinstance(row["call"], dict), id_
        steps = row["steps"]
        assert steps == sorted(steps) and all(0 <= s <= INT32_MAX for s in steps), id_
        columns = [k for k in row if k.startswith("values") or k == "momentum"]
        assert "values" in columns, id_
        for key in columns:
            assert len(row[key]) == len(steps), (id_, key)
        if "metrics" in row:
            assert len(row["metrics"]) == len(steps), id_
        # a null only where the peer raised (named, for timm) or divided by zero (HF)
        nulls = [s for s, v in zip(steps, row["values"], strict=True) if v is None]
        assert sorted(int(s) for s in row.get("raises", {})) == nulls or peer == "hf", id_


def test_unit_tests_file_is_well_formed():
    data = json.loads((peers.DATA / "unit_tests.json").read_text())
    assert data["script"] == "tests/data/peers/record_unit_tests.py"
    assert set(data["sources"]) == {"optax", "transformers", "torch", "timm"}
    seen = set()
    for row in data["cases"]:
        assert row["id"] == f"{row['peer']}/{row['test']}" and row["id"] not in seen
        seen.add(row["id"])
        assert row["peer"] in data["sources"] and isinstance(row["call"], dict)
        if "raises" in row:
            continue
        assert len(row["expected"]) == len(row["steps"]) > 0, row["id"]
        assert row["rtol"] >= 0 and row["atol"] >= 0, row["id"]
    counts = {p: sum(r["peer"] == p for r in data["cases"]) for p in data["sources"]}
    assert min(counts.values()) >= 6, counts


DEEPMD = peers.ids("deepmd")


@pytest.mark.parametrize("x64", [False, True], ids=["float32", "x64"])
@pytest.mark.parametrize("case", DEEPMD)
def test_deepmd_types_equal_deepmd_kit(case, x64):
    """``make_schedule(section, num_steps)`` is DeePMD-kit's ``lr.value(t)``: within 2e-6
    relative in float32 (below float32's range, 0), within 1e-10 with x64 (DeePMD-kit's own
    float64 rounding of ``1 + cos`` near the end of a cosine to 0 allowed: 1e-15 of start_lr)."""
    row = peers.case("deepmd", case)
    call = row["call"]
    section = dict(call["lr_params"])
    steps = np.asarray(row["steps"], np.int64)
    start = section["start_lr"]
    wants = [peers.values(row)]
    live = peers.live_values("deepmd", row)  # None unless DeePMD-kit is installed
    if live is not None:
        wants.append(live)
    with jax.enable_x64(x64):
        schedule = lrs.make_schedule(section, call["num_steps"])
        got = np.asarray(schedule(steps if x64 else steps.astype(np.int32)), np.float64)
    rtol, atol = (1e-10, 1e-15 * start) if x64 else (2e-6, 1e-37)
    for want in wants:
        bad = np.abs(got - want) > rtol * np.abs(want) + atol
        assert not bad.any(), list(zip(steps[bad].tolist(), got[bad], want[bad], strict=True))[:5]


# --- HF transformers and timm ----------------------------------------------------------------


@pytest.mark.parametrize("check", ["check_hf", "check_timm", "check_timm_noise"])
def test_reference_equals_peer(check):
    sources = [llm_peers.recorded]
    if llm_peers.live_available():
        sources.append(llm_peers.live)
    for source in sources:
        problems, lines = getattr(llm_peers, check)(source)
        assert lines
        assert not problems, "\n".join(problems)


# --- torch's momentum -------------------------------------------------------------------------


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

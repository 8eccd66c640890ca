"""tests/llm_reference.py against HF transformers' and timm's real schedulers (tests/llm_peers.py).

Skipped unless torch, transformers and timm are importable (they are not dependencies).
"""

import pytest

llm_peers = pytest.importorskip("llm_peers")
try:
    llm_peers.import_peers()
except Exception as exc:  # torch, transformers or timm missing or broken
    pytest.skip(f"HF transformers / timm not available: {exc}", allow_module_level=True)


@pytest.mark.parametrize("check", ["check_hf", "check_timm", "check_timm_noise"])
def test_reference_equals_peer(check):
    problems, lines = getattr(llm_peers, check)()
    assert lines
    assert not problems, "\n".join(problems)

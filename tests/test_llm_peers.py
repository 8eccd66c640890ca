"""tests/llm_reference.py against HF transformers' and timm's schedulers (tests/llm_peers.py).

On the peers' values recorded in tests/data/peers/ always, and on the installed peers' own
values too when torch, transformers and timm are importable (they are not dependencies).
"""

import llm_peers
import pytest


@pytest.mark.parametrize("check", ["check_hf", "check_timm", "check_timm_noise"])
def test_reference_equals_peer(check):
    sources = [llm_peers.recorded]
    if llm_peers.live_available():
        sources.append(llm_peers.live)
    for source in sources:
        problems, lines = getattr(llm_peers, check)(source)
        assert lines
        assert not problems, "\n".join(problems)

"""The documentation stays true: the README's API tour runs, every key is documented."""

import re
from pathlib import Path

from lrschedules_jax.config import config_types

ROOT = Path(__file__).resolve().parent.parent


DTYPE_PROMOTION = "standard"  # optax's own code needs it (see conftest.py)


def test_readme_api_tour_runs(capsys):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "did you mean `decay_steps`" in capsys.readouterr().out


def test_configuration_doc_lists_every_key_of_every_type():
    text = (ROOT / "docs" / "configuration.md").read_text()
    sections = re.split(r"\n## ", text)
    shared = next(s for s in sections if s.startswith("Keys shared by every type"))
    for name, model in config_types().items():
        section = next((s for s in sections if s.startswith(f"`{name}`")), None)
        assert section is not None, f"docs/configuration.md has no section for `{name}`"
        for key in model.model_fields:
            assert f"`{key}`" in section or f"`{key}`" in shared, f"`{name}.{key}` is undocumented"

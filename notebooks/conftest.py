"""pytest settings for the notebooks, which nbmake runs in a Jupyter kernel.

The kernel starts in this directory, so a relative ``PYTHONPATH`` (``PYTHONPATH=.`` from the
repository root) would point here. Make its entries absolute, so the kernel imports the same
checkout of ``lrschedules_jax`` as the tests.
"""

import os
from pathlib import Path

_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in _paths)

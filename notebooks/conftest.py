"""nbmake runs each notebook with the notebook's folder as working directory: make relative
``PYTHONPATH`` entries (``PYTHONPATH=.`` from the repository root) absolute first, so the
kernels import this checkout of ``lrschedules_jax`` and not another installed copy."""

import os

_entries = os.environ.get("PYTHONPATH", "").split(os.pathsep)
os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in _entries if p)

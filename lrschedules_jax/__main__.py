"""``python -m lrschedules_jax``: the command line (same as ``lrschedules-jax``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

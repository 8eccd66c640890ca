"""Run every benchmark, one fresh process each, and print their Markdown tables.

python benchmarks/run_all.py > benchmark-results.md    # about 4 minutes on 2 cores
python benchmarks/run_all.py --quick                   # a smoke run of each script
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["throughput.py", "first_value.py", "sweep.py", "train_step.py", "precision.py"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, help="run these scripts only")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(HERE.parent), env.get("PYTHONPATH", "")] if p
    )
    start = time.perf_counter()
    for script in args.only or SCRIPTS:
        command = [sys.executable, str(HERE / script), *(["--quick"] if args.quick else [])]
        t0 = time.perf_counter()
        sys.stdout.flush()
        subprocess.run(command, check=True, env=env, cwd=HERE.parent)
        print(f"_{script}: {time.perf_counter() - t0:.0f} s_\n", flush=True)
    print(f"_All benchmarks: {time.perf_counter() - start:.0f} s_", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up time of the command line against `python -c "import pydantic"`.

Prints a table of the median subprocess wall time (and the spread) of `lrschedules-jax --help`,
`check FILE`, `schema` and the baseline, each run in a fresh interpreter with byte-compiled
modules. Usage: `python benchmarks/cli_startup.py [--runs 7] [--package-root CHECKOUT]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUT = ROOT / "tests" / "data" / "water_se_e2_a.json"


def wall(argv: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--package-root", default=str(ROOT), help="the checkout to time (default: this one)"
    )
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": args.package_root}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = [sys.executable, "-m", "lrschedules_jax"]
    cases = {
        'python -c "import pydantic"': [sys.executable, "-c", "import pydantic"],
        'python -c "import pydantic.main"': [sys.executable, "-c", "import pydantic.main"],
        "lrschedules-jax --help": [*cli, "--help"],
        f"lrschedules-jax check {INPUT.name}": [*cli, "check", str(INPUT)],
        "lrschedules-jax schema": [*cli, "schema"],
        'python -c "import jax"': [sys.executable, "-c", "import jax"],
    }
    rows = []
    for name, argv in cases.items():
        wall(argv, env, args.package_root)  # untimed: byte-compile, warm the file cache
        times = [wall(argv, env, args.package_root) for _ in range(args.runs)]
        rows.append((name, statistics.median(times), min(times), max(times)))
    base = rows[0][1]
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, median of {args.runs} runs\n"
    )
    print("| command | median (s) | min (s) | max (s) | vs. import pydantic (s) |")
    print("|---|---:|---:|---:|---:|")
    for name, median, low, high in rows:
        print(f"| `{name}` | {median:.3f} | {low:.3f} | {high:.3f} | {median - base:+.3f} |")


if __name__ == "__main__":
    main()

"""What every benchmark script shares: the machine header, interleaved timing, tables."""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines() -> list[str]:
    """The machine and software a table was measured on, one fact a line."""
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = cores
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("jax", "jaxlib", "optax", "numpy", "pydantic")
    )
    return [
        f"CPU: {_cpu_model()}, {cores} logical cores ({usable} usable by this process)",
        f"Load average at start (1, 5, 15 min): {load}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"Versions: {versions}, lrschedules_jax {_package_version()}",
    ]


def _package_version() -> str:
    try:
        import lrschedules_jax

        return lrschedules_jax.__version__
    except Exception:  # pragma: no cover - reported, not raised
        return "not importable"


def header(title: str, script: str, argv: Sequence[str] | None) -> None:
    """Print the title, the command that produced the output and the machine."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join(["python", f"benchmarks/{script}", *args])
    for var in ("XLA_FLAGS", "JAX_PLATFORMS"):  # settings that change what is measured
        if os.environ.get(var):
            command = f"{var}={shlex.quote(os.environ[var])} {command}"
    print(f"## {title}\n")
    print(f"Command: `{command}`\n")
    for line in machine_lines():
        print(f"- {line}")
    print()


def interleaved(
    fns: dict[str, Callable[[], Any]], repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time every function ``repeats`` times, interleaved, in a rotating order.

    Each round calls every function once; the order rotates so no function always runs
    first. Returns the wall times and this process's CPU times (all its threads): on a
    machine shared with other work, the CPU time leaves out the time spent waiting for a
    core, though not the slowdown from shared caches and memory bandwidth.
    """
    names = list(fns)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            fn = fns[name]
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return wall, cpu


def median(xs: Iterable[float]) -> float:
    return statistics.median(list(xs))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, text_columns: int = 1) -> str:
    """A Markdown table: the first ``text_columns`` left-aligned, the numbers right-aligned."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        out = [
            c.ljust(w) if i < text_columns else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(out) + " |"

    rule = [
        ":" + "-" * (w + 1) if i < text_columns else "-" * (w + 1) + ":"
        for i, w in enumerate(widths)
    ]
    return "\n".join([line(cells[0]), "|" + "|".join(rule) + "|", *map(line, cells[1:])])


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"

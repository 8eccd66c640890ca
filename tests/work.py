"""How much work a call does, counted instead of timed.

A bound on elapsed time depends on the machine and its load; these counts do not. ``work(fn)``
runs ``fn()`` and returns its result with the number of Python function calls it made (every
call of a function written in Python, pydantic's and PyYAML's included; C functions are not
counted) and the peak of the memory Python allocated meanwhile (``tracemalloc``: NumPy's
buffers included, XLA's not). An unbounded walk shows as calls, a copy of a large value as
bytes.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from typing import Any, NamedTuple


class Work(NamedTuple):
    result: Any
    calls: int
    peak_bytes: int


def work(fn: Callable[[], Any]) -> Work:
    """``fn()``, its Python function calls and its peak of Python allocations (bytes)."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1

    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    sys.setprofile(profile)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
        peak = tracemalloc.get_traced_memory()[1] - base
        if not was_tracing:
            tracemalloc.stop()
    return Work(result, count, peak)


def raises(exc: type[BaseException], fn: Callable[[], Any]) -> Callable[[], BaseException]:
    """``fn`` made to return the ``exc`` it raises (an AssertionError if it raises nothing)."""

    def call() -> BaseException:
        try:
            fn()
        except exc as caught:
            return caught
        raise AssertionError(f"{fn} raised no {exc.__name__}")

    return call

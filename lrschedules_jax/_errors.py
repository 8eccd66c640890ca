"""Errors in one place: :class:`ConfigError`, the bounded :func:`describe` and :class:`Problems`.

Every invalid value anywhere in the package (a ``learning_rate`` key, ``num_steps``, an input
file, an argument of ``reduce_on_plateau`` or ``lr_range_test``) becomes one line of one
:class:`ConfigError`, collected by a :class:`Problems`. A value shown in a message goes through
:func:`describe`, which is bounded in time and length and never raises, whatever the value is
(a 5000-digit integer, a list nested 1500 deep, a 50 MB string, an object whose ``__repr__``
raises). This module imports neither JAX nor pydantic.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_LINE",
    "MAX_PROBLEMS",
    "ConfigError",
    "LegacyInputWarning",
    "Problems",
    "as_count",
    "as_real",
    "describe",
    "too_deep",
]

#: At most this many problems are listed in one error; the rest are counted ("... and N more").
MAX_PROBLEMS = 50
#: A value's description is cut to about this many characters.
MAX_REPR = 80
#: A problem line longer than this is cut in the middle (a safety net: a value in a message
#: goes through :func:`describe`, so a line is normally a few hundred characters at most).
MAX_LINE = 1000
_MAX_ITEMS = 4  # items of a container shown before "..."
_MAX_DEPTH = 3  # containers nested deeper are shown as [...] / {...}
_EXACT_DIGITS = 10_000  # ints with more digits than this are described as "about N digits"
_LOG10_2 = math.log10(2)


#: Words longer than this get no did-you-mean (difflib's cost grows with the word's length:
#: a 2 MB value took 70 MB and seconds).
MAX_MATCHED = 200


def close_match(word: Any, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The option closest to ``word`` (difflib's ratio at least ``cutoff``), or None; None for
    anything but a string of at most :data:`MAX_MATCHED` characters."""
    if not isinstance(word, str) or len(word) > MAX_MATCHED:
        return None
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return found[0] if found else None


#: How deep a configuration may nest (mappings and lists), from a file or from Python.
MAX_DEPTH = 100


def too_deep(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """Where mappings and lists in ``value`` nest more than ``limit`` levels deep: the
    top-level key whose value does (``stop_lr``, ``phases``), or None. An iterative walk that
    stops at the limit: bounded time, no recursion. A container held in several places (a YAML
    alias, or an alias bomb built in Python: 10 lists of 10 references each hold 10**10 leaves)
    is walked again only when reached deeper than before."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    deepest: dict[int, int] = {}  # a container (by id) and the deepest level it was walked at
    while stack:
        item, depth, path = stack.pop()
        if depth > limit:
            return path
        if isinstance(item, dict):
            children: Iterable[tuple[Any, Any]] = item.items()
        elif isinstance(item, (list, tuple)):
            children = enumerate(item)
        else:
            continue
        for key, child in children:
            if not isinstance(child, (dict, list, tuple)):
                continue
            if deepest.get(id(child), -1) >= depth + 1:  # shared (a YAML alias): walked already
                continue
            deepest[id(child)] = depth + 1
            if len(deepest) > 1_000_000:  # a huge but shallow config: its size is bounded elsewhere
                return None
            sub = path or (key_text(key) if not isinstance(key, int) else f"[{key}]")
            stack.append((child, depth + 1, sub))
    return None


class LegacyInputWarning(UserWarning):
    """An input relies on a DeePMD-kit backward-compatibility default or conversion.

    The input is accepted as DeePMD-kit accepts it (a missing ``stop_lr`` becomes 5e-8, a v0/v1
    file is converted, ``training.warmup_*`` move into ``learning_rate``); the message names the
    key, what was used and how to write it explicitly. ``strict=True`` turns it into an error.
    """


class ConfigError(ValueError):
    """An invalid ``learning_rate`` configuration, ``num_steps``, ``num_workers`` or argument.

    Attributes:
      problems: one line per problem, each starting with the key path
        (``learning_rate.decay_steps: ...``); at most :data:`MAX_PROBLEMS` of them, followed by
        ``... and N more problems.`` when there were more, each at most :data:`MAX_LINE`
        characters (a longer one is cut in the middle).
      count: the number of problems found (listed or not).
    """

    def __init__(self, problems: Iterable[str], count: int | None = None):
        lines = list(problems)
        self.count = len(lines) if count is None else count
        if len(lines) > MAX_PROBLEMS or self.count > len(lines):
            lines = lines[:MAX_PROBLEMS]
            lines.append(f"... and {self.count - len(lines)} more problems.")
        self.problems = [_cut(line) for line in lines]
        head = (
            f"Invalid learning-rate configuration ({self.count} problem{'s' * (self.count != 1)}):"
        )
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


def _cut(line: str) -> str:
    """``line``, or its beginning and end around the count of characters left out."""
    if len(line) <= MAX_LINE:
        return line
    half = MAX_LINE // 2 - 30
    return f"{line[:half]} ... ({len(line) - 2 * half:,} characters cut) ... {line[-half:]}"


def _int_text(value: int) -> str:
    bits = abs(value).bit_length()
    digits = int(bits * _LOG10_2) + 1  # exact or one too many
    if digits <= 21:
        text = repr(value)
        if len(text.lstrip("-")) <= 20:
            return text
    if digits <= _EXACT_DIGITS:
        if abs(value) < 10 ** (digits - 1):
            digits -= 1
        return f"an int of {digits} digits"
    return f"an int of about {digits} digits"


def _short(value: Any, depth: int) -> str:
    """A bounded repr: no recursion below ``_MAX_DEPTH``, a few items per container."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return _int_text(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if len(value) > MAX_REPR:
            return f"{value[: MAX_REPR // 2]!r}... (a str of {len(value)} characters)"
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        if len(value) > MAX_REPR:
            return f"{bytes(value[: MAX_REPR // 2])!r}... ({len(value)} bytes)"
        return repr(value)
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        kind = type(value).__name__
        opening, closing = {"list": "[]", "tuple": "()", "dict": "{}"}.get(kind, "{}")
        if depth >= _MAX_DEPTH:
            return f"{opening}...{closing}" if len(value) else f"{opening}{closing}"
        if isinstance(value, dict):
            parts = [
                f"{_short(k, depth + 1)}: {_short(v, depth + 1)}"
                for k, v in _first_items(value.items())
            ]
        else:
            parts = [_short(v, depth + 1) for v in _first_items(value)]
        if len(value) > _MAX_ITEMS:
            parts.append(f"... ({len(value)} items)")
        text = ", ".join(parts)
        if kind == "tuple" and len(value) == 1:
            text += ","
        if kind in ("set", "frozenset") and not value:
            return f"{kind}()"
        return f"{opening}{text}{closing}"
    try:
        text = repr(value)
    except Exception:
        return f"<a {type(value).__name__} whose repr fails>"
    if not isinstance(text, str):
        return f"<a {type(value).__name__}>"
    if len(text) > MAX_REPR:
        text = f"{text[: MAX_REPR // 2]}... (a {type(value).__name__})"
    return text


def _first_items(items: Iterable[Any]) -> list[Any]:
    out = []
    for item in items:
        if len(out) == _MAX_ITEMS:
            break
        out.append(item)
    return out


def describe(value: Any, *, with_type: bool = False) -> str:
    """A short, safe description of ``value`` for a message; never raises.

    Small values read as their ``repr`` (``0``, ``'abc'``, ``[1, 2]``); long strings and
    containers are cut, huge integers become ``an int of 5001 digits``, deep nesting ``[...]``.
    With ``with_type``, the type's name follows in parentheses: ``'0.5' (str)``.
    """
    try:
        text = _short(value, 0)
    except Exception:  # a description must never raise
        text = f"<a {type(value).__name__}>"
    if len(text) > 2 * MAX_REPR:  # a wide container: its beginning and its size
        size = f" ({len(value)} items)" if isinstance(value, (list, tuple, dict)) else ""
        text = f"{text[:MAX_REPR]}...{size}"
    if with_type:
        return f"{text} ({type(value).__name__})"
    return text


def key_text(key: Any) -> str:
    """A mapping key as shown in a key path: itself if a printable str, else described."""
    if isinstance(key, str) and len(key) <= MAX_REPR and key.isprintable():
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return describe(key)
        return key
    return describe(key)


def as_count(value: Any) -> int | None:
    """``value`` as a Python int if it is an integer (NumPy integers too, booleans not)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return None


def as_real(value: Any) -> float | None:
    """``value`` as a finite Python float if it is a finite real number, else None.

    Integers of any size are compared before conversion (``10**400`` gives None, no
    OverflowError); booleans, strings, complex numbers and containers give None.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        result = float(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return result if math.isfinite(result) else None


class Problems:
    """The one problem collector: lines ``path: message``, raised as one :class:`ConfigError`.

    Examples:
      >>> problems = Problems()
      >>> problems.add("reduce_on_plateau.factor", "must be a number in (0, 1); got 2.")
      >>> problems.integer("reduce_on_plateau.patience", -1, 0, 10)
      >>> problems.count
      2
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def full(self) -> bool:
        """True once :data:`MAX_PROBLEMS` lines are listed: further ones are only counted."""
        return len(self.lines) >= MAX_PROBLEMS

    def add(self, path: str, message: str) -> None:
        """One problem: ``message`` is a sentence fragment that follows ``path:``."""
        self.count += 1
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(f"{path}: {message}" if path else message)

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.add("", line)

    def bad(self, path: str, allowed: str, value: Any) -> None:
        """``path: must be {allowed}; got {value}.`` with the value described safely."""
        self.add(path, f"must be {allowed}; got {describe(value)}.")

    def integer(self, path: str, value: Any, lo: int, hi: int, what: str = "") -> int | None:
        """``value`` as an int in ``[lo, hi]``, or None after adding the problem."""
        count = as_count(value)
        if count is None:
            self.add(
                path,
                f"must be an integer{what}; got {describe(value, with_type=True)}.",
            )
            return None
        if not lo <= count <= hi:
            self.add(path, f"must be in [{lo}, {hi}]; got {describe(value)}.")
            return None
        return count

    def number(self, path: str, value: Any, allowed: str, ok: Any = None) -> float | None:
        """``value`` as a finite float for which ``ok(x)`` holds, or None after the problem."""
        x = as_real(value)
        if x is None or (ok is not None and not ok(x)):
            self.bad(path, allowed, value)
            return None
        return x

    def choice(self, path: str, value: Any, options: tuple[str, ...]) -> str | None:
        """``value`` if it is one of the strings ``options``, or None after the problem."""
        if isinstance(value, str) and value in options:
            return value
        self.bad(path, " or ".join(f'"{o}"' for o in options), value)
        return None

    def error(self) -> ConfigError:
        return ConfigError(self.lines, self.count)

    def raise_if_any(self) -> None:
        if self.count:
            raise self.error()

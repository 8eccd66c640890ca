"""Reading DeePMD-kit input files: ``load_input()``.

A DeePMD-kit input is a JSON or YAML mapping with ``model``, ``learning_rate``, ``loss`` and
``training`` sections. This module reads the two things a schedule needs from it, the
``learning_rate`` section and ``training.numb_steps``, the way DeePMD-kit itself does:

- ``training.numb_steps`` also under its aliases ``stop_batch``, ``num_steps``, ``numb_step``
  and ``num_step`` (exactly one of them may be set);
- keys starting with ``_`` are comments (``"_comment": "that's all"``) and are dropped, as
  DeePMD-kit's argument normalization does;
- the legacy ``training.warmup_steps``, ``training.warmup_ratio`` and
  ``training.warmup_start_factor`` move into ``learning_rate``; a key set in both places is an
  error.

A file that holds only a ``learning_rate`` mapping (a "bare" section) is accepted too; its
``num_steps`` is then ``None`` and must come from elsewhere (the command line's
``--num-steps``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._errors import ConfigError, describe
from ._numerics import INT32_MAX

__all__ = ["NUM_STEPS_KEYS", "WARMUP_KEYS", "InputFile", "load_input", "read_input"]

SECTION = "learning_rate"
#: ``training.numb_steps`` and the aliases DeePMD-kit accepts for it, canonical name first.
NUM_STEPS_KEYS = ("numb_steps", "stop_batch", "num_steps", "numb_step", "num_step")
#: The warmup keys older DeePMD-kit inputs set in ``training``; they belong to ``learning_rate``.
WARMUP_KEYS = ("warmup_steps", "warmup_ratio", "warmup_start_factor")
#: Top-level sections that mark a full DeePMD-kit input (as opposed to a bare section).
_INPUT_SECTIONS = ("model", "loss", "training", "optimizer", "nvnmd")

_YAML_SUFFIXES = (".yaml", ".yml")
# A YAML 1.1 reader (PyYAML, which DeePMD-kit uses too) reads `1e-3` or `1e6` as a string.
_FLOAT_LIKE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def load_input(path: str | os.PathLike[str]) -> tuple[dict[str, Any], int | None]:
    """Read the ``learning_rate`` section and ``training.numb_steps`` of a DeePMD-kit input.

    Files ending in ``.json`` are read as JSON, every other file as YAML (which also reads
    JSON). Comment keys (starting with ``_``) are dropped from the section, and the legacy
    ``training.warmup_*`` keys are moved into it, as DeePMD-kit does.

    Args:
      path: a DeePMD-kit input file, or a file holding only a ``learning_rate`` mapping.

    Returns:
      ``(learning_rate_section, num_steps)``: a new dict (the caller may change it), and
      ``training.numb_steps`` (or its alias), or ``None`` when the file has none (a bare
      section, or a ``training`` section without it).

    Raises:
      ConfigError: if the file is missing or unreadable, is not valid JSON/YAML, has no
        ``learning_rate`` section, has a ``numb_steps`` that is not a positive integer, or sets
        a warmup key both in ``training`` and in ``learning_rate``. Each problem starts with
        the file name and the key path.

    Examples:
      >>> import json, pathlib, tempfile
      >>> f = pathlib.Path(tempfile.mkdtemp()) / "input.json"
      >>> _ = f.write_text(json.dumps({
      ...     "learning_rate": {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-8,
      ...                       "_comment": "that's all"},
      ...     "training": {"numb_steps": 1000000, "warmup_steps": 10000}}))
      >>> section, num_steps = load_input(f)
      >>> section, num_steps
      ({'type': 'exp', 'start_lr': 0.001, 'stop_lr': 1e-08, 'warmup_steps': 10000}, 1000000)
    """
    found = read_input(path)
    if found.problems:
        raise ConfigError(list(found.problems))
    assert found.section is not None
    return found.section, found.num_steps


@dataclasses.dataclass(frozen=True)
class InputFile:
    """What :func:`read_input` found in one file, problems included (for the command line).

    Attributes:
      path: the file name as given.
      section: the ``learning_rate`` section (comments dropped, legacy warmup keys moved in),
        or None if the file could not be read or has none.
      num_steps: ``training.numb_steps`` (or its alias), or None.
      num_steps_key: the key it came from (``training.stop_batch``), or None.
      bare: the file holds only a ``learning_rate`` mapping.
      moved: the legacy ``training.warmup_*`` keys moved into the section.
      is_yaml: the file was read as YAML.
      problems: one line per problem, each starting with the file name and the key path.
    """

    path: str
    section: dict[str, Any] | None = None
    num_steps: int | None = None
    num_steps_key: str | None = None
    bare: bool = False
    moved: tuple[str, ...] = ()
    is_yaml: bool = False
    problems: tuple[str, ...] = ()


def read_input(path: str | os.PathLike[str]) -> InputFile:
    """Like :func:`load_input`, but return every problem found instead of raising."""
    name = os.fspath(path)
    try:
        data, is_yaml = _read(Path(name), name)
    except ConfigError as exc:
        return InputFile(name, problems=tuple(exc.problems))
    if not isinstance(data, Mapping):
        return InputFile(
            name,
            is_yaml=is_yaml,
            problems=(
                f"{name}: must hold a mapping (a DeePMD-kit input or a `learning_rate` "
                f"section); got {_kind(data)}.",
            ),
        )
    if SECTION not in data:
        if any(key in data for key in _INPUT_SECTIONS):
            found = ", ".join(f"`{k}`" for k in data if k in _INPUT_SECTIONS)
            return InputFile(
                name,
                is_yaml=is_yaml,
                problems=(
                    f"{name}: {SECTION}: is missing; this DeePMD-kit input has {found} but "
                    f"no `{SECTION}` section.",
                ),
            )
        # A bare `learning_rate` mapping: the whole file is the section.
        return InputFile(name, section=_strip_comments(data), bare=True, is_yaml=is_yaml)

    raw = data[SECTION]
    if not isinstance(raw, Mapping):
        return InputFile(
            name,
            is_yaml=is_yaml,
            problems=(
                f"{name}: {SECTION}: must be a mapping of keys to values; got {_kind(raw)}.",
            ),
        )
    section = _strip_comments(raw)
    training = data.get("training")
    if training is None:
        return InputFile(name, section=section, is_yaml=is_yaml)
    if not isinstance(training, Mapping):
        return InputFile(
            name,
            section=section,
            is_yaml=is_yaml,
            problems=(
                f"{name}: training: must be a mapping of keys to values; got {_kind(training)}.",
            ),
        )
    problems: list[str] = []
    num_steps, key = _num_steps(training, name, problems, is_yaml)
    moved = []
    for warmup_key in WARMUP_KEYS:
        if warmup_key not in training:
            continue
        if warmup_key in section:
            problems.append(
                f"{name}: training.{warmup_key}: is also set as {SECTION}.{warmup_key}; remove "
                f"one (DeePMD-kit moved the warmup keys from `training` into `{SECTION}`)."
            )
        else:
            section[warmup_key] = copy.deepcopy(training[warmup_key])
            moved.append(warmup_key)
    return InputFile(
        name,
        section=section,
        num_steps=num_steps,
        num_steps_key=key,
        moved=tuple(moved),
        is_yaml=is_yaml,
        problems=tuple(problems),
    )


def _read(path: Path, name: str) -> tuple[Any, bool]:
    """The parsed content of ``path`` and whether it was read as YAML; ConfigError if neither."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{name}: no such file."]) from None
    except IsADirectoryError:
        raise ConfigError([f"{name}: is a directory, not an input file."]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{name}: is not a UTF-8 text file ({exc.reason})."]) from None
    except OSError as exc:
        raise ConfigError([f"{name}: cannot be read: {exc.strerror or exc}."]) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text), False
        except json.JSONDecodeError as exc:
            raise ConfigError(
                [f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."]
            ) from None
    import yaml

    try:
        return yaml.safe_load(text), True
    except yaml.YAMLError as exc:
        kind = "YAML" if path.suffix.lower() in _YAML_SUFFIXES else "JSON or YAML"
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{name}: invalid {kind}{where}: {problem}."]) from None


def _num_steps(
    training: Mapping[str, Any], name: str, problems: list[str], is_yaml: bool
) -> tuple[int | None, str | None]:
    """``training.numb_steps`` under whichever alias is set, checked, and its key path."""
    present = [key for key in NUM_STEPS_KEYS if key in training]
    if not present:
        return None, None
    path = f"training.{present[0]}"
    if len(present) > 1:
        keys = ", ".join(f"training.{k}" for k in present)
        problems.append(
            f"{name}: {path}: set only one of {keys} (they are aliases of `numb_steps`)."
        )
        return None, path
    value = training[present[0]]
    if isinstance(value, bool) or not isinstance(value, int):
        hint = ""
        if isinstance(value, float) and value.is_integer():
            hint = f"; write {int(value)}"
        elif is_yaml and _yaml_reads_as_string(value):
            hint = (
                f"; YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads {value} as a string: "
                "write the integer in full"
            )
        problems.append(
            f"{name}: {path}: must be an integer; got {describe(value, with_type=True)}{hint}."
        )
        return None, path
    if not 1 <= value <= INT32_MAX:
        problems.append(f"{name}: {path}: must be in [1, {INT32_MAX}]; got {describe(value)}.")
        return None, path
    return value, path


def _strip_comments(section: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``section`` without its comment keys (``_comment`` and the like)."""
    return {
        key: copy.deepcopy(value)
        for key, value in section.items()
        if not (isinstance(key, str) and key.startswith("_"))
    }


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (an empty file or a null value)"
    kind = type(value).__name__
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def yaml_float_hints(section: Mapping[str, Any]) -> list[str]:
    """Hints for the values of a YAML ``section`` that YAML 1.1 left as strings (``1e-3``).

    Only numbers a YAML 1.1 reader does not take as floats when unquoted are reported.
    """
    return [
        f"hint: {SECTION}.{key}: YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads "
        f"{value} as a string; write it with a decimal point and a signed exponent, "
        f"for example {_yaml11_float(value)}."
        for key, value in section.items()
        if _yaml_reads_as_string(value)
    ]


def _yaml_reads_as_string(value: Any) -> bool:
    """True for a string that looks like a number but that YAML 1.1 reads as a string."""
    if not isinstance(value, str) or not _FLOAT_LIKE.match(value.strip()):
        return False
    import yaml

    return isinstance(yaml.safe_load(value), str)


def _yaml11_float(text: str) -> str:
    """``1e-3`` -> ``1.0e-3``: the spelling a YAML 1.1 reader takes as a float."""
    mantissa, _, exponent = text.strip().lower().partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent and exponent[0] not in "+-":
        exponent = "+" + exponent
    return f"{mantissa}e{exponent}" if exponent else mantissa

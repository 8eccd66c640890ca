"""Reading DeePMD-kit input files: ``load_input()``.

A DeePMD-kit input is a JSON or YAML mapping with ``model``, ``learning_rate``, ``loss`` and
``training`` sections. This module reads the two things a schedule needs from it, the
``learning_rate`` section and the step count, the way ``dp train`` (DeePMD-kit 3.2) does:

- 0.x and 1.x inputs are converted first (``_compat.py``);
- ``training.numb_steps`` also under its aliases ``stop_batch``, ``num_steps``, ``numb_step``
  and ``num_step`` (exactly one of them may be set), or ``training.num_epoch`` (single-task) /
  ``training.num_epoch_dict`` (multi-task) with the batches per epoch given by the caller;
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
import math
import numbers
import os
import re
import stat
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._compat import CompatError, convert_input
from ._errors import (
    MAX_DEPTH,
    ConfigError,
    LegacyInputWarning,
    Problems,
    as_real,
    close_match,
    describe,
    key_text,
)
from ._numerics import INT32_MAX

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_YAML_NODES",
    "NUM_EPOCH_KEYS",
    "NUM_STEPS_KEYS",
    "WARMUP_KEYS",
    "InputFile",
    "load_input",
    "read_input",
]

SECTION = "learning_rate"
#: ``training.numb_steps`` and the aliases DeePMD-kit accepts for it, canonical name first.
NUM_STEPS_KEYS = ("numb_steps", "stop_batch", "num_steps", "numb_step", "num_step")
#: ``training.numb_epoch`` and its aliases (DeePMD-kit 3.2), canonical name first.
NUM_EPOCH_KEYS = ("numb_epoch", "num_epochs", "num_epoch", "numb_epochs")
#: The warmup keys older DeePMD-kit inputs set in ``training``; they belong to ``learning_rate``.
WARMUP_KEYS = ("warmup_steps", "warmup_ratio", "warmup_start_factor")
#: Top-level sections that mark a full DeePMD-kit input (as opposed to a bare section).
_INPUT_SECTIONS = ("model", "loss", "training", "optimizer", "nvnmd")

#: The largest input file read by default (10 MiB): DeePMD-kit inputs are a few kilobytes.
MAX_INPUT_BYTES = 10 * 2**20
#: (``MAX_DEPTH``, 100: the deepest nesting of lists and mappings accepted anywhere in an input
#: file, the one limit also applied to mappings given from Python.)
#: The most values a YAML document may hold, counting each alias as the values it repeats.
MAX_YAML_NODES = 100_000

_YAML_SUFFIXES = (".yaml", ".yml")
# A YAML 1.1 reader (PyYAML, which DeePMD-kit uses too) reads `1e-3` or `1e6` as a string.
_FLOAT_LIKE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def load_input(
    path: str | os.PathLike[str],
    *,
    steps_per_epoch: int | Mapping[str, int] | None = None,
    strict: bool = False,
    max_bytes: int = MAX_INPUT_BYTES,
    extensions: bool = False,
) -> tuple[dict[str, Any], int | None]:
    """Read the ``learning_rate`` section and the step count of a DeePMD-kit input.

    Files ending in ``.json`` are read as JSON, every other file as YAML (which also reads
    JSON). The input is taken as ``dp train`` (DeePMD-kit 3.2) takes it: a 0.x or 1.x input is
    converted first (see ``lrschedules_jax._compat``), comment keys (starting with ``_``) are
    dropped, the legacy ``training.warmup_*`` keys move into the section, and the step count
    is ``training.numb_steps`` (or an alias) or, for ``training.num_epoch``,
    ``ceil(num_epoch * steps_per_epoch)``. Each backward-compatibility step taken is reported
    as a :class:`~lrschedules_jax.LegacyInputWarning`.

    Args:
      path: a DeePMD-kit input file, or a file holding only a ``learning_rate`` mapping.
      steps_per_epoch: the batches per epoch (DeePMD-kit's ``total_numb_batch``, which it
        computes from the training data), needed to resolve ``training.num_epoch``; for a
        multi-task input with ``training.num_epoch_dict``, a mapping from each model branch
        to its batches per epoch.
      strict: refuse DeePMD-kit's backward-compatibility conversions (ConfigError) instead of
        warning.
      max_bytes: the largest file read (default :data:`MAX_INPUT_BYTES`, 10 MiB); a larger
        file is refused before it is read. See "Input limits" in ``docs/configuration.md``
        for the limits on nesting (:data:`MAX_DEPTH`) and YAML aliases
        (:data:`MAX_YAML_NODES`).
      extensions: accept this package's extensions (every type but ``exp``, ``cosine`` and
        ``wsd``, ``warmup_type``, ``decay_phase_steps``, ``decay_type: "1-sqrt"``,
        ``cycle_limit``, ``k_decay``, ``cooldown``, ``exponent``, ``num_cycles``, an ``exp``
        ``decay_rate`` above 1, a ``wsd`` ``stop_lr`` of 0, the ``noise_*`` keys,
        ``batch_scaling``) in
        a DeePMD-kit input file (one with ``model`` or ``training``), which DeePMD-kit 3.2
        refuses; without it they are errors there. A bare ``learning_rate`` file accepts
        them anyway.

    Returns:
      ``(learning_rate_section, num_steps)``: a new dict (the caller may change it), and the
      step count, or ``None`` when the file has none (a bare section, or a ``training``
      section without a step count).

    Raises:
      ConfigError: if the file is missing, unreadable or not a regular file, is over
        ``max_bytes`` or another input limit, is not valid JSON/YAML, has no
        ``learning_rate`` section, has an invalid step count (or ``num_epoch`` without
        ``steps_per_epoch``), or sets a warmup key both in ``training`` and in
        ``learning_rate``. Each problem starts with the file name and the key path.

    Examples:
      >>> import json, pathlib, tempfile
      >>> f = pathlib.Path(tempfile.mkdtemp()) / "input.json"
      >>> _ = f.write_text(json.dumps({
      ...     "learning_rate": {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-8,
      ...                       "_comment": "that's all"},
      ...     "training": {"numb_steps": 1000000}}))
      >>> section, num_steps = load_input(f)
      >>> section, num_steps
      ({'type': 'exp', 'start_lr': 0.001, 'stop_lr': 1e-08}, 1000000)
      >>> _ = f.write_text(json.dumps({
      ...     "learning_rate": {"type": "cosine", "start_lr": 1e-3, "stop_lr": 1e-8},
      ...     "training": {"num_epoch": 2.5}}))
      >>> load_input(f, steps_per_epoch=1001)[1]   # ceil(2.5 * 1001)
      2503
    """
    found = read_input(
        path,
        steps_per_epoch=steps_per_epoch,
        strict=strict,
        max_bytes=max_bytes,
        extensions=extensions,
    )
    problems = list(found.problems)
    if found.epoch_problem:
        problems.append(found.epoch_problem)
    if problems:
        raise ConfigError(problems)
    for note in found.notes:
        warnings.warn(note, LegacyInputWarning, stacklevel=2)
    assert found.section is not None
    return found.section, found.num_steps


@dataclasses.dataclass(frozen=True)
class InputFile:
    """What :func:`read_input` found in one file, problems included (for the command line).

    Attributes:
      path: the file name as given (cut in the middle past 256 characters), as messages
        name it.
      section: the ``learning_rate`` section (converted, comments dropped, legacy warmup keys
        moved in), or None if the file could not be read or has none.
      num_steps: the step count (``training.numb_steps``, an alias, or resolved from
        ``num_epoch`` and ``steps_per_epoch``), or None.
      num_steps_key: where it came from (``training.stop_batch``,
        ``training.num_epoch 2.5 * 1001 steps per epoch``), or None.
      bare: the file holds only a ``learning_rate`` mapping.
      has_training: the file has a ``training`` section.
      moved: the legacy ``training.warmup_*`` keys moved into the section.
      is_yaml: the file was read as YAML.
      notes: one line per backward-compatibility step taken (a conversion, a moved key),
        each starting with the file name; warnings, or problems in strict mode.
      epoch_problem: set when the step count needs ``steps_per_epoch`` (``num_epoch``) and
        none was given; a problem unless the caller has a step count of its own.
      problems: one line per problem, each starting with the file name and the key path.
    """

    path: str
    section: dict[str, Any] | None = None
    num_steps: int | None = None
    num_steps_key: str | None = None
    bare: bool = False
    has_training: bool = False
    moved: tuple[str, ...] = ()
    is_yaml: bool = False
    notes: tuple[str, ...] = ()
    epoch_problem: str | None = None
    problems: tuple[str, ...] = ()


def read_input(
    path: str | os.PathLike[str],
    *,
    steps_per_epoch: int | Mapping[str, int] | None = None,
    strict: bool = False,
    text: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
    extensions: bool = False,
) -> InputFile:
    """Like :func:`load_input`, but return every problem and note instead of raising.

    With ``text``, that text is parsed (JSON if it starts with ``{``, else YAML) and ``path``
    only names it in messages (``<stdin>``).
    """
    given = os.fspath(path)
    name = file_label(given)
    try:
        max_bytes = _check_options(max_bytes, strict, extensions, steps_per_epoch)
        if text is None:
            data, is_yaml = _read(Path(given), name, max_bytes)
        else:
            data, is_yaml = _parse(text, name, ".json" if text.lstrip()[:1] == "{" else "")
    except ConfigError as exc:
        return InputFile(name, problems=tuple(exc.problems))
    found = _interpret(data, name, is_yaml, steps_per_epoch)
    deepmd = isinstance(data, Mapping) and any(k in data for k in ("model", "training"))
    if deepmd and not extensions and found.section is not None:
        from .config import extension_problems

        refused = tuple(
            f"{name}: {SECTION}.{key}: {what} is an extension of lrschedules-jax, not "
            "DeePMD-kit 3.2, which refuses it in its input files. To use it, load with "
            "`load_input(path, extensions=True)` (command line: `--extensions`), or keep it in a "
            f"bare `{SECTION}` file."
            for key, what in extension_problems(found.section)
        )
        found = dataclasses.replace(found, problems=found.problems + refused)
    if strict and found.notes:
        refused = tuple(
            f"{note} Strict mode refuses this backward-compatibility step: write the "
            "input in the current format."
            for note in found.notes
        )
        return dataclasses.replace(found, notes=(), problems=found.problems + refused)
    return found


def _interpret(
    data: Any, name: str, is_yaml: bool, steps_per_epoch: int | Mapping[str, int] | None
) -> InputFile:
    if not isinstance(data, Mapping):
        return InputFile(
            name,
            is_yaml=is_yaml,
            problems=(
                f"{name}: must hold a mapping (a DeePMD-kit input or a `learning_rate` "
                f"section); got {_kind(data)}.",
            ),
        )
    try:
        data, converted = convert_input(data)
    except CompatError as exc:
        return InputFile(
            name, is_yaml=is_yaml, problems=tuple(f"{name}: {p}" for p in exc.problems)
        )
    notes = [f"{name}: {note}" for note in converted]
    misspelled = _misspelled_sections(data, name)
    if SECTION not in data:
        if any(key in data for key in _INPUT_SECTIONS) or misspelled:
            found = ", ".join(f"`{k}`" for k in data if k in _INPUT_SECTIONS)
            lines = [line for line in misspelled if f"`{SECTION}`?" in line]
            if not lines and found:
                lines = [
                    f"{name}: {SECTION}: is missing; this DeePMD-kit input has {found} but "
                    f"no `{SECTION}` section."
                ]
            elif not lines:
                lines = [f"{name}: {SECTION}: is missing."]
            lines += [line for line in misspelled if f"`{SECTION}`?" not in line]
            return InputFile(name, is_yaml=is_yaml, problems=tuple(lines))
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
    problems = list(misspelled)
    training = data.get("training")
    if training is None:
        return InputFile(
            name, section=section, is_yaml=is_yaml, notes=tuple(notes), problems=tuple(problems)
        )
    if not isinstance(training, Mapping):
        return InputFile(
            name,
            section=section,
            is_yaml=is_yaml,
            has_training=True,
            problems=(
                *problems,
                f"{name}: training: must be a mapping of keys to values; got {_kind(training)}.",
            ),
        )
    model = data.get("model")
    multi_task = isinstance(model, Mapping) and "model_dict" in model
    steps = _StepCount(name, is_yaml, problems)
    num_steps, key = steps.resolve(training, multi_task, steps_per_epoch)
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
    if moved:
        notes.append(
            f"{name}: training.{', training.'.join(moved)}: moved into `{SECTION}`, as "
            f"DeePMD-kit 3.2 moves them (with a deprecation warning); set them in `{SECTION}`."
        )
    return InputFile(
        name,
        section=section,
        num_steps=num_steps,
        num_steps_key=key,
        has_training=True,
        moved=tuple(moved),
        is_yaml=is_yaml,
        notes=tuple(notes),
        epoch_problem=steps.epoch_problem,
        problems=tuple(problems),
    )


def _misspelled_sections(data: Mapping[str, Any], name: str) -> list[str]:
    """A did-you-mean for each unknown top-level key close to ``learning_rate``/``training``."""
    lines = []
    for wanted in (SECTION, "training"):
        if wanted in data:
            continue
        for key in data:
            if close_match(key, [wanted], cutoff=0.75):
                lines.append(
                    f"{name}: {key_text(key)}: is not a DeePMD-kit section; did you mean "
                    f"`{wanted}`?"
                )
    return lines


def _read(path: Path, name: str, max_bytes: int = MAX_INPUT_BYTES) -> tuple[Any, bool]:
    """The parsed content of ``path`` and whether it was read as YAML; ConfigError if neither.

    Only a regular file of at most ``max_bytes`` bytes is read (a FIFO, a directory or a device
    is refused without opening it, or without blocking), and its content must keep within the
    limits of :data:`MAX_DEPTH` and :data:`MAX_YAML_NODES`: every failure of the parsers
    becomes one problem naming the file.
    """
    return _parse(_read_text(os.fspath(path), name, max_bytes), name, path.suffix.lower())


def _parse(text: str, name: str, suffix: str) -> tuple[Any, bool]:
    """Parse ``text`` as JSON (``suffix`` ``.json``) or YAML; ConfigError naming ``name``."""
    is_yaml = suffix != ".json"
    if not is_yaml:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                [f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."]
            ) from None
        except RecursionError:
            raise ConfigError([_too_deep(name)]) from None
        except ValueError as exc:  # an integer over Python's int-digit limit
            raise ConfigError([f"{name}: invalid JSON: {_short(exc)}."]) from None
    else:
        data = _load_yaml(text, name, suffix in _YAML_SUFFIXES)
    _check_values(data, name, aliases=is_yaml)
    return data, is_yaml


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_options(max_bytes: Any, strict: Any, extensions: Any, steps_per_epoch: Any) -> int:
    """The options of :func:`load_input` checked (one ConfigError for all); ``max_bytes``.

    ``steps_per_epoch`` is checked whether the file needs it or not (a bad value is never
    silently unused); whether it fits the file (an int for ``num_epoch``, a mapping for
    ``num_epoch_dict``) is checked with the file.

    ``max_bytes`` beyond what a file can hold is taken as "no limit" (the file is read in
    chunks, so memory follows the file's size, never the limit).
    """
    problems = Problems()
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral):
        problems.add(
            "max_bytes", f"must be a positive integer; got {describe(max_bytes, with_type=True)}."
        )
    elif max_bytes < 1:
        problems.add("max_bytes", f"must be a positive integer; got {describe(max_bytes)}.")
    for key, value in (("strict", strict), ("extensions", extensions)):
        if not isinstance(value, bool):
            problems.add(key, f"must be True or False; got {describe(value, with_type=True)}.")
    counts = steps_per_epoch.values() if isinstance(steps_per_epoch, Mapping) else [steps_per_epoch]
    if steps_per_epoch is not None and not all(_is_count(n) for n in counts):
        problems.add(
            "steps_per_epoch",
            f"must be an integer in [1, {INT32_MAX}] (or, for a multi-task input, a mapping "
            f"from each model branch to one); got {describe(steps_per_epoch)}.",
        )
    problems.raise_if_any()
    return min(int(max_bytes), sys.maxsize - 1)


def _not_regular(name: str, mode: int) -> ConfigError | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")
    return ConfigError([f"{name}: is {kind}, not an input file."])


def _read_text(path: str, name: str, max_bytes: int) -> str:
    """The text of the regular file ``path`` (``name`` in messages), refused before reading if
    over ``max_bytes``."""
    try:
        error = _not_regular(name, os.stat(path).st_mode)
        if error is not None:  # refused without opening: a FIFO would block, a device act
            raise error
        # O_NONBLOCK: should the file be replaced by a FIFO after the stat, opening it does
        # not wait for a writer, and the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            error = _not_regular(name, info.st_mode)
            if error is not None:
                raise error
            if info.st_size > max_bytes:
                raise ConfigError([_too_big(name, f"{info.st_size:,} bytes", max_bytes)])
            data = _read_at_most(file, max_bytes + 1)  # a file that grows, or has no size
    except ConfigError:
        raise
    except FileNotFoundError:
        raise ConfigError([f"{name}: no such file."]) from None
    except OSError as exc:
        raise ConfigError([f"{name}: cannot be read: {exc.strerror or _short(exc)}."]) from None
    except ValueError:  # a NUL character in the name
        raise ConfigError([f"{describe(name)}: is not a valid file name."]) from None
    if len(data) > max_bytes:
        raise ConfigError([_too_big(name, "longer", max_bytes)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{name}: is not a UTF-8 text file ({exc.reason})."]) from None


def _read_at_most(file: Any, limit: int) -> bytes:
    """At most ``limit`` bytes of ``file``, read in chunks: memory follows what the file holds
    (``file.read(limit)`` would allocate ``limit`` bytes at once)."""
    chunks, total = [], 0
    while total < limit:
        chunk = file.read(min(_CHUNK, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


_CHUNK = 1 << 20


def file_label(name: Any) -> str:
    """A file name as shown in messages: itself, or cut in the middle past 256 characters.

    (A name given by a program can be megabytes long; the file system refuses it, and the
    message saying so stays short.)
    """
    text = name if isinstance(name, str) else describe(name)
    if len(text) <= _MAX_NAME:
        return text
    head, tail = text[: _MAX_NAME // 2 - 20], text[-_MAX_NAME // 2 + 20 :]
    return f"{head}...({len(text):,} characters)...{tail}"


_MAX_NAME = 256


def _too_big(name: str, size: str, max_bytes: int) -> str:
    return (
        f"{name}: is {size} than the input limit of {max_bytes:,} bytes; a DeePMD-kit input "
        "is a few kilobytes (raise the limit with `max_bytes=` or `--max-input-bytes`)."
        if size == "longer"
        else f"{name}: is {size}, over the input limit of {max_bytes:,} bytes; a DeePMD-kit "
        "input is a few kilobytes (raise the limit with `max_bytes=` or `--max-input-bytes`)."
    )


def _too_deep(name: str) -> str:
    return f"{name}: nests lists or mappings more than {MAX_DEPTH} levels deep."


def _short(exc: BaseException, limit: int = 200) -> str:
    """``str(exc)``, cut to ``limit`` characters, never raising."""
    try:
        text = str(exc)
    except Exception:  # a message that cannot be shown is not shown
        text = ""
    text = text or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Refused(Exception):
    """A YAML document over one of the limits, found while composing it."""


def _yaml_loader() -> type:
    """``yaml.SafeLoader`` (what DeePMD-kit reads with) refusing deep or huge documents.

    Its composer counts the nesting depth and the values, each alias counted as the values it
    repeats, so an alias bomb (the "billion laughs") is refused before it is built; every
    error of a constructor (``!!bool maybe``) becomes one problem with its line and column.
    (libyaml's ``CSafeLoader`` is not used: its composer is recursive C code, which crashes
    the interpreter on deep nesting, and its messages differ from PyYAML's.)
    """
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml
    from yaml.events import AliasEvent, CollectionStartEvent

    class Loader(yaml.SafeLoader):
        def __init__(self, stream: str):
            super().__init__(stream)
            self.depth = 0
            self.nodes = 0
            self.sizes: dict[int, int] = {}  # anchored node -> the values it holds

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, AliasEvent):
                node = self.anchors.get(event.anchor)
                if node is not None:
                    if id(node) not in self.sizes:
                        raise _Refused(
                            f"the alias *{event.anchor} is used inside its own anchor "
                            "(a recursive structure)"
                        )
                    self._count(self.sizes[id(node)])
                return super().compose_node(parent, index)
            nested = isinstance(event, CollectionStartEvent)
            self.depth += nested
            if self.depth > MAX_DEPTH:
                raise _Refused(f"nests lists or mappings more than {MAX_DEPTH} levels deep")
            before = self.nodes
            self._count(1)
            node = super().compose_node(parent, index)
            if getattr(event, "anchor", None) is not None:
                self.sizes[id(node)] = self.nodes - before
            self.depth -= nested
            return node

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (yaml.YAMLError, _Refused, RecursionError):
                raise
            except Exception as exc:  # PyYAML's constructors raise ValueError (`!!float
                # abc`, an int over the digit limit), IndexError (`!!int ''`), KeyError
                # (`!!bool maybe`), AttributeError (`!!timestamp nope`)...
                mark = node.start_mark
                tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
                value = node.value if isinstance(node.value, str) else "..."
                value = value if len(value) <= 40 else value[:37] + "..."
                what = tag[2:] if tag.startswith("!!") else tag
                raise _Refused(
                    f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: "
                    f"`{tag} {value}` is not a valid {what} ({type(exc).__name__}: "
                    f"{_short(exc, 80)})"
                ) from None

        def _count(self, count: int) -> None:
            self.nodes += count
            if self.nodes > MAX_YAML_NODES:
                raise _Refused(
                    f"holds more than {MAX_YAML_NODES:,} values, counting each alias as "
                    "the values it repeats"
                )

    _LOADER = Loader
    return Loader


_LOADER: type | None = None


def _load_yaml(text: str, name: str, yaml_suffix: bool) -> Any:
    import yaml

    kind = "YAML" if yaml_suffix else "JSON or YAML"
    loader = None
    try:
        loader = _yaml_loader()(text)  # its reader refuses control characters at once
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    except _Refused as exc:
        raise ConfigError([f"{name}: {exc}."]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or _short(exc)
        raise ConfigError([f"{name}: invalid {kind}{where}: {problem}."]) from None
    except RecursionError:
        raise ConfigError([_too_deep(name)]) from None
    except Exception as exc:  # PyYAML's constructors raise ValueError
        # (`!!float abc`, an int over the digit limit), IndexError (`!!int ''`), KeyError
        # (`!!bool maybe`), AttributeError (`!!timestamp nope`)...
        raise ConfigError(
            [f"{name}: invalid {kind}: a tagged value cannot be read ({_short(exc)})."]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_values(data: Any, name: str, aliases: bool = True) -> None:
    """Refuse nesting over :data:`MAX_DEPTH` and strings that are not valid Unicode.

    Iterative, and only containers are pushed: a list of millions of numbers costs no memory.
    With ``aliases`` (YAML), a container reached twice is checked once; JSON has no aliases,
    so its containers are not recorded (a 10 MB file may hold 200,000 of them).
    """

    def check(text: Any) -> None:
        if isinstance(text, str) and _SURROGATE.search(text):
            raise ConfigError(
                [
                    f"{name}: holds a string with a lone surrogate escape (\\ud800 to "
                    "\\udfff), which is not valid Unicode."
                ]
            )

    check(data)
    seen: set[int] = set()
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (list, dict)) or (aliases and id(value) in seen):
            continue
        if depth > MAX_DEPTH:
            raise ConfigError([_too_deep(name)])
        if aliases:
            seen.add(id(value))  # a YAML alias is checked once
        if isinstance(value, dict):
            for key in value:
                check(key)
            items: Any = value.values()
        else:
            items = value
        for item in items:
            if isinstance(item, str):
                check(item)
            elif isinstance(item, (list, dict)):
                stack.append((item, depth + 1))


_SURROGATE = re.compile("[\\ud800-\\udfff]")


class _StepCount:
    """The step count of a ``training`` section, resolved as DeePMD-kit 3.2 resolves it.

    ``numb_steps`` (or an alias) or, single-task, ``num_epoch`` (or an alias):
    ``ceil(num_epoch * steps_per_epoch)``; multi-task, ``num_epoch_dict``:
    ``ceil(sum(num_epoch_dict[k] * steps_per_epoch[k]))``
    (``deepmd/dpmodel/train/schedule.py``). Problems go to ``problems``.
    """

    def __init__(self, name: str, is_yaml: bool, problems: list[str]):
        self.name, self.is_yaml, self.problems = name, is_yaml, problems
        self.epoch_problem: str | None = None

    def _add(self, path: str, message: str) -> None:
        self.problems.append(f"{self.name}: {path}: {message}")

    def resolve(
        self,
        training: Mapping[str, Any],
        multi_task: bool,
        steps_per_epoch: int | Mapping[str, int] | None,
    ) -> tuple[int | None, str | None]:
        steps_key = self._one_of(training, NUM_STEPS_KEYS)
        epoch_key = self._one_of(training, NUM_EPOCH_KEYS)
        if steps_key is False or epoch_key is False:
            return None, None
        epoch_dict = training.get("num_epoch_dict") or {}
        if multi_task:
            if epoch_key:
                self._add(
                    f"training.{epoch_key}",
                    "is only for single-task inputs (DeePMD-kit refuses it here); a multi-task "
                    "input sets `training.numb_steps` or `training.num_epoch_dict`.",
                )
                return None, None
            if epoch_dict:
                if steps_key:
                    self._add(
                        "training.num_epoch_dict",
                        f"and `training.{steps_key}` are mutually exclusive (DeePMD-kit refuses "
                        "both); keep one.",
                    )
                    return None, None
                if training.get("model_prob"):
                    self._add(
                        "training.num_epoch_dict",
                        "and `training.model_prob` are mutually exclusive (DeePMD-kit derives "
                        "the probabilities from the epochs); keep one.",
                    )
                    return None, None
                return self._from_epoch_dict(epoch_dict, steps_per_epoch)
        elif steps_key and epoch_key:
            self._add(
                f"training.{epoch_key}",
                f"and `training.{steps_key}` are mutually exclusive (DeePMD-kit refuses both); "
                "keep one.",
            )
            return None, None
        if steps_key:
            return self._steps(training[steps_key], f"training.{steps_key}"), (
                f"training.{steps_key}"
            )
        if epoch_key:
            return self._from_epochs(training[epoch_key], f"training.{epoch_key}", steps_per_epoch)
        return None, None

    def _one_of(self, training: Mapping[str, Any], keys: tuple[str, ...]) -> str | bool | None:
        present = [key for key in keys if key in training]
        if len(present) > 1:
            listed = ", ".join(f"training.{k}" for k in present)
            self._add(
                f"training.{present[0]}",
                f"set only one of {listed} (they are aliases of `{keys[0]}`).",
            )
            return False
        return present[0] if present else None

    def _steps(self, value: Any, path: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            hint = ""
            if isinstance(value, float) and value.is_integer():
                hint = f"; write {int(value)}"
            elif self.is_yaml and _yaml_reads_as_string(value):
                hint = (
                    f"; YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads {value} as a "
                    "string: write the integer in full"
                )
            self._add(path, f"must be an integer; got {describe(value, with_type=True)}{hint}.")
            return None
        if not 0 <= value <= INT32_MAX:
            self._add(path, f"must be in [0, {INT32_MAX}]; got {describe(value)}.")
            return None
        return value

    def _epochs(self, value: Any, path: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._add(path, f"must be a number of epochs; got {describe(value, with_type=True)}.")
            return None
        epochs = as_real(value)  # an int too large for a float is None, not an OverflowError
        if epochs is None and isinstance(value, int) and value > 0:
            return math.inf  # (then above the step limit)
        if epochs is None or not epochs > 0:
            self._add(
                path,
                "must be a positive, finite number of epochs (DeePMD-kit refuses a number "
                f"<= 0); got {describe(value)}.",
            )
            return None
        return epochs

    def _from_epochs(
        self, value: Any, path: str, steps_per_epoch: int | Mapping[str, int] | None
    ) -> tuple[int | None, str | None]:
        epochs = self._epochs(value, path)
        if epochs is None:
            return None, path
        if steps_per_epoch is None:
            self.epoch_problem = (
                f"{self.name}: {path}: the input gives {describe(value)} epochs, not a step count. "
                "DeePMD-kit trains ceil(num_epoch * batches per epoch) steps, the batches per "
                "epoch coming from the training data (it logs them as total_numb_batch): pass "
                "them (--steps-per-epoch N, or steps_per_epoch=N in Python), or give "
                "--num-steps N."
            )
            return None, path
        if isinstance(steps_per_epoch, Mapping) or not _is_count(steps_per_epoch):
            self._add(
                "steps_per_epoch",
                "must be an integer >= 1 for a single-task input; got "
                f"{describe(steps_per_epoch)}.",
            )
            return None, path
        total = epochs * steps_per_epoch  # inf past the float range: refused, not ceil'd
        if not total <= INT32_MAX:
            self._add(
                path,
                f"{describe(value)} * {steps_per_epoch} steps per epoch is above {INT32_MAX} "
                "steps.",
            )
            return None, path
        return math.ceil(total), (
            f"ceil({path} {describe(value)} * {steps_per_epoch} steps per epoch)"
        )

    def _from_epoch_dict(
        self, epoch_dict: Any, steps_per_epoch: int | Mapping[str, int] | None
    ) -> tuple[int | None, str | None]:
        path = "training.num_epoch_dict"
        if not isinstance(epoch_dict, Mapping):
            self._add(path, f"must map model branches to epochs; got {describe(epoch_dict)}.")
            return None, path
        epochs = {k: self._epochs(v, f"{path}.{key_text(k)}") for k, v in epoch_dict.items()}
        if any(v is None for v in epochs.values()):
            return None, path
        if steps_per_epoch is None:
            self.epoch_problem = (
                f"{self.name}: {path}: the input gives epochs per model branch, not a step "
                "count. DeePMD-kit trains ceil(sum of num_epoch_dict[k] * batches per epoch of "
                "branch k) steps: pass steps_per_epoch={branch: N, ...} in Python, or give "
                "--num-steps N."
            )
            return None, path
        if not isinstance(steps_per_epoch, Mapping) or set(steps_per_epoch) != set(epochs):
            self._add(
                "steps_per_epoch",
                f"must map every branch of {path} ({_names(epochs)}) to its batches per "
                f"epoch; got {describe(steps_per_epoch)}.",
            )
            return None, path
        if not all(_is_count(n) for n in steps_per_epoch.values()):
            self._add(
                "steps_per_epoch", f"must hold integers >= 1; got {describe(steps_per_epoch)}."
            )
            return None, path
        total = sum(epochs[k] * steps_per_epoch[k] for k in epochs)  # type: ignore[operator]
        if not total <= INT32_MAX:  # inf past the float range: refused, not ceil'd
            self._add(path, f"gives {total:.10g} steps, above {INT32_MAX}.")
            return None, path
        return math.ceil(total), f"ceil(sum of {path} * steps per epoch)"


def _names(keys: Any, limit: int = 8) -> str:
    """``a, b, c``: the first ``limit`` keys, each bounded, then how many more."""
    keys = list(keys)
    shown = ", ".join(key_text(k) for k in keys[:limit])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > limit else "")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= INT32_MAX


def _strip_comments(section: Mapping[str, Any]) -> dict[str, Any]:
    """A new mapping of ``section``'s keys but its comment keys (``_comment`` and the like).

    The values are the parsed ones, not copies: nothing else holds the parsed file, so the
    caller may change them; a deep copy would hold a 10 MB section twice (and a YAML alias is
    shared by a deep copy as well).
    """
    return {
        key: value
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
        f"hint: {SECTION}.{key_text(key)}: YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads "
        f"{value} as a string; write it with a decimal point and a signed exponent, "
        f"for example {_yaml11_float(value)}."
        for key, value in section.items()
        if _yaml_reads_as_string(value)
    ]


def _yaml_reads_as_string(value: Any) -> bool:
    """True for a string that looks like a number but that YAML 1.1 reads as a string."""
    if not isinstance(value, str) or len(value) > 64 or not _FLOAT_LIKE.match(value.strip()):
        return False  # (a number spelled in more than 64 characters gets no hint)
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

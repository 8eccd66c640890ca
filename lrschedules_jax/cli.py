"""The command line: ``lrschedules-jax demo | plot | show | check | schema``.

See ``docs/cli.md``. Every user error (a missing file, invalid JSON/YAML, a bad key, a missing
``numb_steps``) is reported as one line per problem on stderr, starting with the file and the
key path, with exit status 2 and never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main"]

PROG = "lrschedules-jax"
EXIT_OK = 0
EXIT_USER_ERROR = 2

#: The built-in example configs of ``demo``: DeePMD-kit's three types, each with a warmup.
DEMO_NUM_STEPS = 100_000
DEMO_CONFIGS: dict[str, dict[str, Any]] = {
    "exp": {
        "type": "exp",
        "start_lr": 1e-3,
        "stop_lr": 1e-6,
        "decay_steps": 5000,
        "warmup_steps": 5000,
    },
    "cosine": {
        "type": "cosine",
        "start_lr": 1e-3,
        "stop_lr_ratio": 1e-3,
        "warmup_ratio": 0.05,
        "warmup_start_factor": 0.1,
    },
    "wsd": {
        "type": "wsd",
        "start_lr": 1e-3,
        "stop_lr": 1e-6,
        "decay_phase_ratio": 0.2,
        "decay_type": "inverse_linear",
        "warmup_steps": 5000,
    },
}
#: The milestones of ``show``, in percent of ``num_steps``.
MILESTONE_PERCENTS = (10, 25, 50, 75, 90)
#: The most text ``-`` reads from standard input, and the most steps ``show --at`` takes.
STDIN_MAX_CHARS = 4 * 1024 * 1024
MAX_AT_STEPS = 10_000
STDIN = "-"


class UserError(Exception):
    """A problem with the user's input: reported as lines on stderr, exit status 2."""

    def __init__(self, lines: Sequence[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class Loaded:
    """One input file, validated: its section, step count and schedule."""

    path: str
    section: dict[str, Any]
    num_steps: int
    config: Any  # the validated config model (lrschedules_jax.config.Model)
    schedule: Any  # lrschedules_jax.Schedule (built only when asked: it imports JAX)
    num_steps_source: str  # "training.numb_steps", an alias, or "--num-steps"
    moved: tuple[str, ...]  # legacy training.warmup_* keys moved into learning_rate
    notes: tuple[str, ...] = ()  # backward-compatibility steps taken (conversions, defaults)


# ----------------------------------------------------------------------------------------
# Argument parsing


def _workers(text: str) -> int | str:
    """``--num-workers``: an int if it reads as one, else the text (checked by the config layer)."""
    try:
        return int(text)
    except ValueError:
        return text


def _integer(text: str, what: str = "an integer", low: int | None = None) -> int:
    """``text`` as an int (``low`` or more); a bounded ArgumentTypeError otherwise."""
    from ._errors import describe

    try:
        value = int(text)
    except ValueError:  # not an integer, or more digits than Python converts
        raise argparse.ArgumentTypeError(f"must be {what}; got {describe(text)}") from None
    if low is not None and value < low:
        raise argparse.ArgumentTypeError(f"must be {what}; got {describe(value)}")
    return value


def _count(text: str) -> int:
    """``--num-steps``, ``--steps-per-epoch``: an integer (its range is checked with the input)."""
    return _integer(text)


def _byte_count(text: str) -> int:
    """``--max-input-bytes``: a number of bytes >= 1."""
    return _integer(text, "a number of bytes >= 1", 1)


def _step(text: str) -> int:
    """A step of ``show --at``: an integer >= 0 (a schedule holds its last value past its end)."""
    return _integer(text, "an integer >= 0", 0)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors cut to a few lines (they quote the argument given)."""

    def error(self, message: str) -> NoReturn:
        if len(message) > _MAX_USAGE_ERROR:
            message = f"{message[: _MAX_USAGE_ERROR // 2]}... ({len(message):,} characters)"
        super().error(message)


_MAX_USAGE_ERROR = 2000


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="See and check a DeePMD-kit learning-rate schedule before training.",
        epilog="INPUT is a DeePMD-kit input file (JSON or YAML) or a file holding only a "
        "`learning_rate` mapping (then --num-steps is required). Run "
        f"`{PROG} demo` for a first look.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def num_steps_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--num-steps",
            type=_count,
            metavar="N",
            help="the number of training steps; overrides the file's training.numb_steps",
        )

    def input_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--steps-per-epoch",
            type=_count,
            metavar="N",
            help="batches per epoch (DeePMD-kit's total_numb_batch), to resolve "
            "training.num_epoch: numb_steps = ceil(num_epoch * N)",
        )
        p.add_argument(
            "--strict",
            action="store_true",
            help="refuse DeePMD-kit's backward-compatibility defaults and conversions (a "
            "missing stop_lr, 0.x/1.x inputs, training.warmup_*) instead of noting them",
        )
        p.add_argument(
            "--extensions",
            action="store_true",
            help="accept this package's extensions (every type but exp, cosine and wsd; "
            "warmup_type, decay_phase_steps, 1-sqrt, cycle_limit, k_decay, cooldown, noise_*, "
            "batch_scaling) in a DeePMD-kit input file, which DeePMD-kit 3.2 would refuse "
            "(a bare learning_rate file accepts them anyway)",
        )

    def num_workers_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--num-workers",
            type=_workers,
            default=1,
            metavar="K",
            help='data-parallel workers the rate is scaled for (scale_by_worker), or "auto" '
            "for jax.device_count(), which scales only a section that sets scale_by_worker "
            "(default: 1)",
        )

    def max_input_bytes_option(p: argparse.ArgumentParser) -> None:
        from .io import MAX_INPUT_BYTES

        p.add_argument(
            "--max-input-bytes",
            type=_byte_count,
            default=MAX_INPUT_BYTES,
            metavar="B",
            help="refuse input files larger than B bytes, before reading them (default: "
            f"{MAX_INPUT_BYTES} = {MAX_INPUT_BYTES // 2**20} MiB)",
        )

    demo = commands.add_parser(
        "demo",
        help="plot the built-in example schedules (exp, cosine, wsd) to PNG files",
        description="Plot the built-in example configs (exp, cosine and wsd, each with a "
        "warmup) to PNG files, one per type plus one with all of them, and write each config "
        "as a DeePMD-kit input file next to its picture.",
    )
    demo.add_argument(
        "-o",
        "--output-dir",
        default="lrschedules-demo",
        metavar="DIR",
        help="the directory to write to (default: ./lrschedules-demo)",
    )

    plot = commands.add_parser(
        "plot",
        help="plot the schedules of input files on one figure",
        description="Plot the learning rate of each INPUT against the step, all on one "
        "figure, with the phase boundaries marked.",
    )
    plot.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="DeePMD-kit input files (- for stdin)"
    )
    plot.add_argument(
        "-o",
        "--output",
        default="lr_schedule.png",
        metavar="OUT.png",
        help="the image to write; the format follows the extension (default: lr_schedule.png)",
    )
    num_steps_option(plot)
    input_options(plot)
    num_workers_option(plot)
    max_input_bytes_option(plot)
    plot.add_argument("--log", action="store_true", help="logarithmic learning-rate axis")

    show = commands.add_parser(
        "show",
        help="print the resolved parameters and the rate at milestones",
        description="Print the fully resolved parameters of INPUT's learning_rate section "
        "(stop_lr from stop_lr_ratio, warmup_steps from warmup_ratio, the decay_steps and "
        "decay_rate DeePMD-kit uses) and the learning rate at milestones: 0, the phase "
        "boundaries, 10/25/50/75/90 % and the last step (or at the steps of --at).",
    )
    show.add_argument("input", metavar="INPUT", help="a DeePMD-kit input file (- for stdin)")
    num_steps_option(show)
    input_options(show)
    num_workers_option(show)
    show.add_argument(
        "--at",
        type=_step,
        nargs="+",
        action="extend",
        metavar="STEP",
        help=f"print the rate at these steps instead of the milestones (at most {MAX_AT_STEPS:,})",
    )
    show.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (parameters, notes, rates) for scripts",
    )
    max_input_bytes_option(show)

    check = commands.add_parser(
        "check",
        help="validate input files (exit 0, or 2 listing every problem)",
        description="Validate the learning_rate section and training.numb_steps of each "
        "INPUT. Prints OK per valid file; otherwise lists every problem of every file, each "
        "with the file and the key path, and exits with status 2.",
    )
    check.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="DeePMD-kit input files (- for stdin)"
    )
    num_steps_option(check)
    input_options(check)
    num_workers_option(check)
    max_input_bytes_option(check)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the learning_rate section",
        description="Print the JSON Schema of the learning_rate section to stdout (for "
        "editors: VS Code's json.schemas, yaml-language-server).",
    )
    schema.add_argument(
        "--deepmd-input",
        action="store_true",
        help="a schema for whole DeePMD-kit input files instead: learning_rate and "
        "training.numb_steps are checked, other sections and `_comment` keys are allowed",
    )
    return parser


# ----------------------------------------------------------------------------------------
# Loading and validating inputs


def _read_stdin() -> str:
    """Standard input as text, at most STDIN_MAX_CHARS characters (UserError beyond)."""
    text = sys.stdin.read(STDIN_MAX_CHARS + 1)
    if len(text) > STDIN_MAX_CHARS:
        raise UserError(
            [f"<stdin>: is longer than {STDIN_MAX_CHARS:,} characters; not a DeePMD-kit input."]
        )
    return text


def _load(
    path: str,
    num_steps: int | None,
    num_workers: int | str = 1,
    steps_per_epoch: int | None = None,
    strict: bool = False,
    *,
    build: bool = True,
    max_bytes: int | None = None,
    extensions: bool = False,
) -> Loaded:
    """Read and validate one input; UserError with every problem, each naming the file.

    The schedule is built only with ``build`` (validation alone does not import JAX).
    """
    import warnings

    from .config import ConfigError, LegacyInputWarning, check
    from .io import MAX_INPUT_BYTES, read_input, yaml_float_hints

    options = {
        "steps_per_epoch": steps_per_epoch,
        "strict": strict,
        "max_bytes": MAX_INPUT_BYTES if max_bytes is None else max_bytes,
        "extensions": extensions,
    }
    if path == STDIN:
        path = "<stdin>"
        found = read_input(path, text=_read_stdin(), **options)
    else:
        found = read_input(path, **options)
        path = found.path  # as messages name it (a very long name is cut)
    lines = list(found.problems)
    if found.section is None:
        raise UserError(lines)
    steps = num_steps if num_steps is not None else found.num_steps
    if steps is None and found.epoch_problem:
        lines.append(found.epoch_problem)
    elif steps is None and found.num_steps_key is None:
        if found.bare:
            lines.append(
                f"{path}: holds only a `learning_rate` mapping (no training.numb_steps); "
                "pass --num-steps N."
            )
        elif not found.has_training:
            lines.append(
                f"{path}: training: is missing, so the input has no training.numb_steps; add "
                "a `training` section with `numb_steps` (or `num_epoch`), or pass --num-steps N."
            )
        else:
            lines.append(
                f"{path}: training.numb_steps: is missing (and so is training.num_epoch); add "
                "one of them to the `training` section, or pass --num-steps N."
            )
    config = schedule = None
    notes = [note.removeprefix(f"{path}: ") for note in found.notes]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LegacyInputWarning)
            config, steps, workers = check(found.section, steps, num_workers, strict=strict)
        notes += [str(w.message) for w in caught if issubclass(w.category, LegacyInputWarning)]
    except ConfigError as exc:
        problems = exc.problems
        if steps is None:  # reported above, in the file's terms
            problems = [p for p in problems if not p.startswith("num_steps:")]
        elif num_steps is not None:  # the command line's option
            problems = [_option_names(p) for p in problems]
        if num_workers != 1:
            problems = [p.replace("num_workers:", "--num-workers:", 1) for p in problems]
        lines += [f"{path}: {problem}" for problem in problems]
        if found.is_yaml:
            lines += [f"{path}: {hint}" for hint in yaml_float_hints(found.section)]
    if lines:
        raise UserError(lines)
    assert steps is not None and config is not None
    if build:
        auto = isinstance(num_workers, str) and num_workers == "auto"
        schedule = config.build(steps, workers, auto=auto)
    source = "--num-steps" if num_steps is not None else str(found.num_steps_key)
    return Loaded(path, found.section, steps, config, schedule, source, found.moved, tuple(notes))


def _option_names(problem: str) -> str:
    """``num_steps: ...`` -> ``--num-steps: ...`` for a value given on the command line."""
    if problem.startswith("num_steps:"):
        return "--num-steps:" + problem[len("num_steps:") :]
    return problem


def _print_notes(item: Loaded) -> None:
    """The backward-compatibility notes of an accepted input, on stderr (exit status 0)."""
    for note in item.notes:
        print(f"{item.path}: note: {note}", file=sys.stderr)


# ----------------------------------------------------------------------------------------
# Commands


def _check_format(fig: Any, output: str | Path) -> None:
    """UserError for an extension matplotlib cannot write (no extension: PNG)."""
    from ._errors import describe
    from .io import file_label

    suffix = Path(output).suffix[1:].lower()
    formats = fig.canvas.get_supported_filetypes()
    if suffix and suffix not in formats:
        raise UserError(
            [
                f"{file_label(str(output))}: cannot write this image format "
                f"({describe('.' + suffix)}); the extension picks the format: "
                f"{', '.join('.' + f for f in sorted(formats))}."
            ]
        )


def _save(fig: Any, output: str | Path, shown: str | Path | None = None) -> Path:
    """Write ``fig`` to ``output``; a UserError names ``shown`` (default: ``output``)."""
    from .io import file_label

    out = Path(output)
    shown = file_label(str(output if shown is None else shown))
    if "\0" in str(out):
        raise UserError([f"{shown}: is not a valid file name (it holds a NUL character)."])
    _check_format(fig, out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():  # a legend too tall for the figure: drawn unadjusted
            warnings.filterwarnings("ignore", "constrained_layout not applied", UserWarning)
            fig.savefig(out)
    except ValueError as exc:  # the figure cannot be drawn (the format was checked above)
        reason = str(exc) if len(str(exc)) <= 500 else f"{str(exc)[:500]}..."
        raise UserError([f"{shown}: cannot draw the figure: {reason}"]) from None
    except OSError as exc:
        raise UserError([f"{shown}: cannot be written: {exc.strerror or exc}."]) from None
    return out


def _figure(ncols: int = 1) -> Any:
    """A figure without pyplot: no display, no global state, whatever MPLBACKEND says."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4 * ncols if ncols > 1 else 8.0, 4.6), dpi=120, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def cmd_demo(args: argparse.Namespace) -> int:
    """Write the demo's files all or none: drawn in a temporary directory, then moved in."""
    from . import make_schedule
    from .io import file_label
    from .plotting import describe_schedule

    out_dir = Path(args.output_dir)
    shown = file_label(str(out_dir))
    names = [f"{name}{ext}" for name in DEMO_CONFIGS for ext in (".png", ".json")] + ["all.png"]
    try:
        blocked = [
            f"{file_label(str(out_dir / name))}: is a directory or another non-file; demo "
            "writes a file there."
            for name in names
            if (out_dir / name).exists() and not (out_dir / name).is_file()
        ]
        created = _missing_dirs(out_dir)
    except (OSError, ValueError) as exc:  # a name too long, a NUL character
        reason = getattr(exc, "strerror", None) or "not a valid directory name"
        raise UserError([f"{shown}: cannot be used as the output directory: {reason}."]) from None
    if blocked:
        raise UserError(blocked)
    what = "create the directory"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        what = "write in the directory"
        work = Path(tempfile.mkdtemp(prefix=".lrschedules-demo-", dir=out_dir))
    except (OSError, ValueError) as exc:  # (ValueError: a NUL character in the name)
        _remove_dirs(created)
        reason = getattr(exc, "strerror", None) or exc
        raise UserError([f"{shown}: cannot {what}: {reason}."]) from None
    schedules = {
        name: make_schedule(config, DEMO_NUM_STEPS) for name, config in DEMO_CONFIGS.items()
    }
    done = False
    try:
        _draw_demo(schedules, work, out_dir)
        _move_all(work, out_dir, names)
        done = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not done:
            _remove_dirs(created)
    written = [
        (out_dir / f"{name}{ext}", describe_schedule(schedule) if ext == ".png" else what)
        for name, schedule in schedules.items()
        for ext, what in ((".png", ""), (".json", "its DeePMD-kit input"))
    ]
    written.append((out_dir / "all.png", "all three on one figure"))
    print(f"Wrote {len(written)} files to {out_dir.resolve()}:")
    width = max(len(p.name) for p, _ in written)
    for path, what in written:
        print(f"  {path.name:<{width}}  {what}")
    print(f"Next: {PROG} show {out_dir / 'wsd.json'}")
    print(f"      {PROG} plot YOUR_INPUT.json {out_dir / 'exp.json'} -o compare.png --log")
    return EXIT_OK


def _draw_demo(schedules: dict[str, Any], work: Path, out_dir: Path) -> None:
    """The demo's figures and inputs, written in ``work`` (messages name ``out_dir``)."""
    from .plotting import plot_schedule

    for name, schedule in schedules.items():
        fig, (lin, log) = _figure(2)
        plot_schedule(schedule, ax=lin, color=_COLORS[name])
        plot_schedule(schedule, ax=log, log=True, color=_COLORS[name])
        lin.set_title(f"{name} (linear axis)")
        log.set_title(f"{name} (log axis)")
        log.get_legend().remove()
        _save(fig, work / f"{name}.png", shown=out_dir / f"{name}.png")
        text = json.dumps(
            {"learning_rate": DEMO_CONFIGS[name], "training": {"numb_steps": DEMO_NUM_STEPS}},
            indent=4,
        )
        try:
            (work / f"{name}.json").write_text(text + "\n")
        except OSError as exc:  # no permission, a full disk
            raise UserError(
                [f"{out_dir / f'{name}.json'}: cannot be written: {exc.strerror or exc}."]
            ) from None  # (out_dir is a directory that exists: its name is not too long)
    fig, (lin, log) = _figure(2)
    for name, schedule in schedules.items():
        plot_schedule(schedule, ax=lin, color=_COLORS[name])
        plot_schedule(schedule, ax=log, log=True, color=_COLORS[name])
    lin.set_title(f"DeePMD-kit schedules over {DEMO_NUM_STEPS:,} steps")
    log.set_title("the same, log axis")
    handles, labels = lin.get_legend_handles_labels()
    lin.get_legend().remove()
    log.get_legend().remove()
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", frameon=False)
    _save(fig, work / "all.png", shown=out_dir / "all.png")


def _move_all(work: Path, out_dir: Path, names: list[str]) -> None:
    """Move ``work/name`` to ``out_dir/name`` for every name, or (on failure) none of them.

    A file already at ``out_dir/name`` (an earlier demo) is replaced; on failure the files
    moved so far are taken back and the earlier ones restored.
    """
    from .io import file_label

    backup = work / ".replaced"
    backup.mkdir()
    done: list[tuple[str, bool]] = []  # (name, an earlier file was kept in `backup`)
    try:
        for name in names:
            target = out_dir / name
            kept = target.is_file()
            if kept:
                os.replace(target, backup / name)
            done.append((name, kept))
            os.replace(work / name, target)
    except OSError as exc:
        for name, kept in reversed(done):
            with contextlib.suppress(OSError):
                (out_dir / name).unlink(missing_ok=True)
                if kept:
                    os.replace(backup / name, out_dir / name)
        raise UserError(
            [
                f"{file_label(str(out_dir))}: cannot move the demo's files in: "
                f"{exc.strerror or exc}; none written."
            ]
        ) from None


def _missing_dirs(path: Path) -> list[Path]:
    """The directories ``mkdir(parents=True)`` would create for ``path``, deepest first."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def _remove_dirs(paths: list[Path]) -> None:
    """Remove the (empty) directories ``paths`` in order, ignoring any that cannot be."""
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            path.rmdir()


_COLORS = {"exp": "tab:blue", "cosine": "tab:orange", "wsd": "tab:green"}


def cmd_plot(args: argparse.Namespace) -> int:
    from ._errors import ConfigError
    from .plotting import describe_schedule, plot_schedule

    loaded, problems = [], []
    for path in args.inputs:
        try:
            loaded.append(
                _load(
                    path,
                    args.num_steps,
                    args.num_workers,
                    args.steps_per_epoch,
                    args.strict,
                    max_bytes=args.max_input_bytes,
                    extensions=getattr(args, "extensions", False),
                )
            )
        except UserError as exc:
            problems += exc.lines
    if problems:
        raise UserError(problems)
    for item in loaded:
        _print_notes(item)
    fig, (ax,) = _figure()
    _check_format(fig, args.output)  # before the work of drawing
    for item in loaded:
        try:
            plot_schedule(
                item.schedule,
                ax=ax,
                log=args.log,
                label=textwrap.fill(f"{item.path}: {describe_schedule(item.schedule)}", 100),
            )
        except ConfigError as exc:  # a rate that is not finite: nothing to draw
            problems += [f"{item.path}: {problem}" for problem in exc.problems]
    if problems:
        raise UserError(problems)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize="small", frameon=False)
    steps = sorted({item.num_steps for item in loaded})
    ax.set_title(
        f"learning rate over {steps[0]:,} steps"
        if len(steps) == 1
        else "learning rate (" + ", ".join(f"{n:,}" for n in steps) + " steps)"
    )
    out = _save(fig, args.output)
    print(f"Wrote {out} ({len(loaded)} schedule{'s' * (len(loaded) != 1)}).")
    return EXIT_OK


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def milestones(schedule: Any) -> list[tuple[str, int]]:
    """``show``'s milestones: start, the phase boundaries, 10/25/50/75/90 %, the end.

    A ``sequence``'s phase start (``phases[1]``) also lists the step before it (``before
    phases[1]``): the value on each side of a jump.

    Returns ``(names, step)`` pairs sorted by step; names of one step are joined.
    """
    n = schedule.num_steps
    by_step: dict[int, list[str]] = {0: ["start"]}
    for name, step in schedule.boundaries().items():
        if name != "end":
            by_step.setdefault(step, []).append(name)
        if name.endswith("]") and step > 0:  # a sequence's phase start: the value may jump
            by_step.setdefault(step - 1, []).append(f"before {name}")
    for percent in MILESTONE_PERCENTS:
        by_step.setdefault(n * percent // 100, []).append(f"{percent} %")
    by_step.setdefault(n, []).append("end")
    return [(", ".join(names), step) for step, names in sorted(by_step.items())]


def _steps(n: int) -> str:
    """``1 step``, ``1,000 steps``."""
    return f"{n:,} step{'s' * (n != 1)}"


def cmd_show(args: argparse.Namespace) -> int:
    from ._model import extension_keys
    from .plotting import evaluate

    if args.at and len(args.at) > MAX_AT_STEPS:
        raise UserError([f"--at: at most {MAX_AT_STEPS:,} steps; got {len(args.at):,}."])
    item = _load(
        args.input,
        args.num_steps,
        args.num_workers,
        args.steps_per_epoch,
        args.strict,
        max_bytes=args.max_input_bytes,
        extensions=getattr(args, "extensions", False),
    )
    resolved = item.config.resolve(item.num_steps)
    hidden = set(extension_keys(type(resolved))) - set(item.section)  # not given: not shown
    params = {k: v for k, v in resolved.model_dump().items() if v is not None and k not in hidden}
    params.pop("type", None)
    params["scale_by_worker"] = params.pop("scale_by_worker")  # last, next to num_workers
    notes = item.config.notes(item.section, item.schedule)
    for key in item.moved:
        notes.setdefault(key, f"moved from training.{key}")
    schedule = item.schedule
    if args.at:
        rows = [("at", step) for step in args.at]
    else:
        rows = milestones(schedule)
    values = [float(v) for v in evaluate(schedule, [step for _, step in rows])]
    if args.json:
        _print_notes(item)
        out = {
            "input": item.path,
            "type": resolved.type,
            "num_steps": item.num_steps,
            "num_steps_source": item.num_steps_source,
            "num_workers": schedule.num_workers,
            "worker_scale": _worker_scale(schedule),
            "parameters": params,
            "derived": notes,
            "notes": list(item.notes),
            "rates": [
                {"step": step, "milestone": name, "learning_rate": value}
                for (name, step), value in zip(rows, values, strict=True)
            ],
        }
        print(json.dumps(out, indent=2))
        return EXIT_OK
    _print_notes(item)
    print(
        f"{item.path}: learning_rate type `{resolved.type}`, {_steps(item.num_steps)} "
        f"({item.num_steps_source})"
    )
    print()
    print("resolved parameters:")
    width = max(len(k) for k in params)
    for key, value in params.items():
        note = f"   ({notes[key]})" if key in notes else ""
        print(f"  {key:<{width}}  {_fmt(value)}{note}")
    if _worker_scale(schedule) != 1.0:
        print(
            f"  {'num_workers':<{width}}  {schedule.num_workers}   (every rate * "
            f"{_worker_scale(schedule):.6g})"
        )
    print()
    name_w = max(len("milestone"), *(len(name) for name, _ in rows))
    step_w = max(len("step"), *(len(f"{step:,}") for _, step in rows))
    print(f"  {'milestone':<{name_w}}  {'step':>{step_w}}  learning rate")
    for (name, step), value in zip(rows, values, strict=True):
        print(f"  {name:<{name_w}}  {step:>{step_w},}  {value:.6e}")
    return EXIT_OK


def _worker_scale(schedule: Any) -> float:
    """The worker scale a built section applies (1 when it does not scale)."""
    from ._schedule import Noisy

    if isinstance(schedule, Noisy):
        schedule = schedule.schedule
    return float(getattr(schedule, "worker_scale", 1.0))


def cmd_check(args: argparse.Namespace) -> int:
    problems: list[str] = []
    for path in args.inputs:
        try:
            item = _load(
                path,
                args.num_steps,
                args.num_workers,
                args.steps_per_epoch,
                args.strict,
                build=False,
                max_bytes=args.max_input_bytes,
                extensions=getattr(args, "extensions", False),
            )
        except UserError as exc:
            problems += exc.lines
            continue
        _print_notes(item)
        print(f"{item.path}: OK ({item.config.type_name}, {_steps(item.num_steps)})")
    if problems:
        failed = len({line.split(": ", 1)[0] for line in problems})
        count = sum(": hint: " not in line for line in problems)
        _error(problems)
        print(
            f"{failed} of {len(args.inputs)} file{'s' * (len(args.inputs) != 1)} "
            f"failed; {count} problem{'s' * (count != 1)}.",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .config import json_schema

    schema = deepmd_input_schema() if args.deepmd_input else json_schema()
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def deepmd_input_schema() -> dict[str, Any]:
    """A JSON Schema for whole DeePMD-kit inputs, checking what ``load_input`` reads.

    The ``learning_rate`` schema of :func:`~lrschedules_jax.json_schema`, placed under
    ``learning_rate`` and allowing DeePMD-kit's comment keys (``_comment``), plus
    ``training.numb_steps``, ``training.num_epoch`` and their aliases. Every other section and
    key is allowed.
    """
    from ._numerics import INT32_MAX
    from .config import json_schema
    from .io import NUM_EPOCH_KEYS, NUM_STEPS_KEYS

    section = json_schema()
    defs = section.pop("$defs", {})
    for model in defs.values():
        if model.get("additionalProperties") is False:
            model["patternProperties"] = {"^_": {"description": "A comment (ignored)."}}
    integer = {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
    epochs = {"type": "number", "exclusiveMinimum": 0, "description": "The number of epochs."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "DeePMD-kit input (learning_rate and training.numb_steps)",
        "description": "Checks the `learning_rate` section and `training.numb_steps` (or an "
        "alias) as lrschedules-jax does; other sections are not checked.",
        "type": "object",
        "properties": {
            "learning_rate": section,
            "training": {
                "type": "object",
                "properties": {
                    **{
                        key: {**integer, "description": "The number of training steps."}
                        for key in NUM_STEPS_KEYS
                    },
                    **{key: epochs for key in NUM_EPOCH_KEYS},
                },
            },
        },
        "$defs": defs,
    }


COMMANDS = {
    "demo": cmd_demo,
    "plot": cmd_plot,
    "show": cmd_show,
    "check": cmd_check,
    "schema": cmd_schema,
}


def _error(lines: Sequence[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (status 2)
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        _error(exc.lines)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `lrschedules-jax schema | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

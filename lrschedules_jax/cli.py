"""The command line: ``lrschedules-jax demo | plot | show | check | schema``.

See ``docs/cli.md``. Every user error (a missing file, invalid JSON/YAML, a bad key, a missing
``numb_steps``) is reported as one line per problem on stderr, starting with the file and the
key path, with exit status 2 and never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    schedule: Any  # lrschedules_jax.Schedule (imported lazily)
    num_steps_source: str  # "training.numb_steps", an alias, or "--num-steps"
    moved: tuple[str, ...]  # legacy training.warmup_* keys moved into learning_rate


# ----------------------------------------------------------------------------------------
# Argument parsing


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}") from None
    if not 1 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"must be in [1, 2147483647]; got {value}")
    return value


def _byte_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of bytes >= 1; got {text[:40]!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a number of bytes >= 1; got {value}")
    return value


def _num_workers(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'must be an integer >= 1 or "auto"; got {text!r}'
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be an integer >= 1 or "auto"; got {value}')
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
            type=_positive_int,
            metavar="N",
            help="the number of training steps; overrides the file's training.numb_steps",
        )

    def num_workers_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--num-workers",
            type=_num_workers,
            default=1,
            metavar="K",
            help='data-parallel workers the rate is scaled for (scale_by_worker), or "auto" '
            "for jax.device_count() (default: 1)",
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
    plot.add_argument("inputs", nargs="+", metavar="INPUT", help="DeePMD-kit input files")
    plot.add_argument(
        "-o",
        "--output",
        default="lr_schedule.png",
        metavar="OUT.png",
        help="the image to write; the format follows the extension (default: lr_schedule.png)",
    )
    num_steps_option(plot)
    num_workers_option(plot)
    max_input_bytes_option(plot)
    plot.add_argument("--log", action="store_true", help="logarithmic learning-rate axis")

    show = commands.add_parser(
        "show",
        help="print the resolved parameters and the rate at milestones",
        description="Print the fully resolved parameters of INPUT's learning_rate section "
        "(stop_lr from stop_lr_ratio, warmup_steps from warmup_ratio, the decay_steps and "
        "decay_rate DeePMD-kit uses) and the learning rate at milestones: 0, the phase "
        "boundaries, 10/25/50/75/90 %% and the last step.",
    )
    show.add_argument("input", metavar="INPUT", help="a DeePMD-kit input file")
    num_steps_option(show)
    num_workers_option(show)
    max_input_bytes_option(show)

    check = commands.add_parser(
        "check",
        help="validate input files (exit 0, or 2 listing every problem)",
        description="Validate the learning_rate section and training.numb_steps of each "
        "INPUT. Prints OK per valid file; otherwise lists every problem of every file, each "
        "with the file and the key path, and exits with status 2.",
    )
    check.add_argument("inputs", nargs="+", metavar="INPUT", help="DeePMD-kit input files")
    num_steps_option(check)
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


def _load(
    path: str,
    num_steps: int | None,
    num_workers: int | str = 1,
    max_bytes: int | None = None,
) -> Loaded:
    """Read and validate one input; UserError with every problem, each naming the file."""
    from .config import ConfigError, make_schedule
    from .io import MAX_INPUT_BYTES, read_input, yaml_float_hints

    found = read_input(path, max_bytes=MAX_INPUT_BYTES if max_bytes is None else max_bytes)
    lines = list(found.problems)
    if found.section is None:
        raise UserError(lines)
    steps = num_steps if num_steps is not None else found.num_steps
    if steps is None and found.num_steps_key is None:
        if found.bare:
            lines.append(
                f"{path}: holds only a `learning_rate` mapping (no training.numb_steps); "
                "pass --num-steps N."
            )
        else:
            lines.append(
                f"{path}: training.numb_steps: is missing; add it to the `training` section "
                "or pass --num-steps N."
            )
    schedule = None
    try:
        schedule = make_schedule(found.section, steps, num_workers=num_workers)  # type: ignore[arg-type]
    except ConfigError as exc:
        problems = exc.problems
        if steps is None:  # reported above, in the file's terms
            problems = [p for p in problems if not p.startswith("num_steps:")]
        lines += [f"{path}: {problem}" for problem in problems]
        if found.is_yaml:
            lines += [f"{path}: {hint}" for hint in yaml_float_hints(found.section)]
    if lines:
        raise UserError(lines)
    assert steps is not None
    source = "--num-steps" if num_steps is not None else str(found.num_steps_key)
    return Loaded(path, found.section, steps, schedule, source, found.moved)


# ----------------------------------------------------------------------------------------
# Commands


def _save(fig: Any, output: str | Path) -> Path:
    out = Path(output)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out)
    except ValueError as exc:  # an extension matplotlib cannot write
        raise UserError([f"{output}: cannot write this image format: {exc}"]) from None
    except OSError as exc:
        raise UserError([f"{output}: cannot be written: {exc.strerror or exc}."]) from None
    return out


def _figure(ncols: int = 1) -> Any:
    """A figure without pyplot: no display, no global state, whatever MPLBACKEND says."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4 * ncols if ncols > 1 else 8.0, 4.6), dpi=120, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def cmd_demo(args: argparse.Namespace) -> int:
    from . import make_schedule
    from .plotting import describe_schedule, plot_schedule

    out_dir = Path(args.output_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError([f"{out_dir}: cannot create the directory: {exc.strerror}."]) from None
    schedules = {
        name: make_schedule(config, DEMO_NUM_STEPS) for name, config in DEMO_CONFIGS.items()
    }
    written: list[tuple[Path, str]] = []
    for name, schedule in schedules.items():
        fig, (lin, log) = _figure(2)
        plot_schedule(schedule, ax=lin, color=_COLORS[name])
        plot_schedule(schedule, ax=log, log=True, color=_COLORS[name])
        lin.set_title(f"{name} (linear axis)")
        log.set_title(f"{name} (log axis)")
        log.get_legend().remove()
        png = _save(fig, out_dir / f"{name}.png")
        config_file = out_dir / f"{name}.json"
        text = json.dumps(
            {"learning_rate": DEMO_CONFIGS[name], "training": {"numb_steps": DEMO_NUM_STEPS}},
            indent=4,
        )
        try:
            config_file.write_text(text + "\n")
        except OSError as exc:  # a directory of that name, no permission, a full disk
            raise UserError([f"{config_file}: cannot be written: {exc.strerror or exc}."]) from None
        written.append((png, describe_schedule(schedule)))
        written.append((config_file, "its DeePMD-kit input"))
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
    all_png = _save(fig, out_dir / "all.png")
    written.append((all_png, "all three on one figure"))

    print(f"Wrote {len(written)} files to {out_dir.resolve()}:")
    width = max(len(p.name) for p, _ in written)
    for path, what in written:
        print(f"  {path.name:<{width}}  {what}")
    print(f"Next: {PROG} show {out_dir / 'wsd.json'}")
    print(f"      {PROG} plot YOUR_INPUT.json {out_dir / 'exp.json'} -o compare.png --log")
    return EXIT_OK


_COLORS = {"exp": "tab:blue", "cosine": "tab:orange", "wsd": "tab:green"}


def cmd_plot(args: argparse.Namespace) -> int:
    from .plotting import describe_schedule, plot_schedule

    loaded, problems = [], []
    for path in args.inputs:
        try:
            loaded.append(_load(path, args.num_steps, args.num_workers, args.max_input_bytes))
        except UserError as exc:
            problems += exc.lines
    if problems:
        raise UserError(problems)
    fig, (ax,) = _figure()
    for item in loaded:
        plot_schedule(
            item.schedule,
            ax=ax,
            log=args.log,
            label=f"{item.path}: {describe_schedule(item.schedule)}",
        )
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

    Returns ``(names, step)`` pairs sorted by step; names of one step are joined.
    """
    n = schedule.num_steps
    by_step: dict[int, list[str]] = {0: ["start"]}
    for name, step in schedule.boundaries().items():
        if name != "end":
            by_step.setdefault(step, []).append(name)
    for percent in MILESTONE_PERCENTS:
        by_step.setdefault(n * percent // 100, []).append(f"{percent} %")
    by_step.setdefault(n, []).append("end")
    return [(", ".join(names), step) for step, names in sorted(by_step.items())]


def cmd_show(args: argparse.Namespace) -> int:
    from .config import validate
    from .plotting import evaluate

    item = _load(args.input, args.num_steps, args.num_workers, args.max_input_bytes)
    resolved = validate(item.section, item.num_steps)
    print(
        f"{item.path}: learning_rate type `{resolved.type}`, {item.num_steps:,} steps "
        f"({item.num_steps_source})"
    )
    print()
    print("resolved parameters:")
    params = {k: v for k, v in resolved.model_dump().items() if v is not None}
    params.pop("type", None)
    params["scale_by_worker"] = params.pop("scale_by_worker")  # last, next to num_workers
    notes = _notes(item.section, resolved, item.schedule)
    for key in item.moved:
        notes.setdefault(key, f"moved from training.{key}")
    width = max(len(k) for k in params)
    for key, value in params.items():
        note = f"   ({notes[key]})" if key in notes else ""
        print(f"  {key:<{width}}  {_fmt(value)}{note}")
    schedule = item.schedule
    if schedule.worker_scale != 1.0:
        print(
            f"  {'num_workers':<{width}}  {schedule.num_workers}   (every rate * "
            f"{schedule.worker_scale:.6g})"
        )
    print()
    rows = milestones(schedule)
    values = evaluate(schedule, [step for _, step in rows])
    name_w = max(len("milestone"), *(len(name) for name, _ in rows))
    step_w = max(len("step"), len(f"{item.num_steps:,}"))
    print(f"  {'milestone':<{name_w}}  {'step':>{step_w}}  learning rate")
    for (name, step), value in zip(rows, values, strict=True):
        print(f"  {name:<{name_w}}  {step:>{step_w},}  {float(value):.6e}")
    return EXIT_OK


def _notes(section: dict[str, Any], resolved: Any, schedule: Any) -> dict[str, str]:
    """Where the derived values of ``show`` come from."""
    num_steps = schedule.num_steps
    notes = {}
    if section.get("stop_lr_ratio") is not None:
        notes["stop_lr"] = f"start_lr * stop_lr_ratio {_fmt(section['stop_lr_ratio'])}"
    if section.get("warmup_ratio") is not None:
        notes["warmup_steps"] = f"int(warmup_ratio {_fmt(section['warmup_ratio'])} * {num_steps})"
    if resolved.type == "exp":
        given = section.get("decay_steps", 5000)
        if section.get("decay_rate") is None:
            notes["decay_rate"] = "derived: reaches stop_lr at num_steps"
            if given != resolved.decay_steps:
                length = num_steps - resolved.warmup_steps
                notes["decay_steps"] = (
                    f"replaced: {given} >= decay length {length}, as DeePMD-kit does"
                )
    if hasattr(schedule, "decay_phase_steps"):  # wsd
        notes["decay_phase_ratio"] = (
            f"decay phase {schedule.decay_phase_steps:,} steps, "
            f"stable {schedule.stable_steps:,} steps"
        )
    return notes


def cmd_check(args: argparse.Namespace) -> int:
    problems: list[str] = []
    for path in args.inputs:
        try:
            item = _load(path, args.num_steps, args.num_workers, args.max_input_bytes)
        except UserError as exc:
            problems += exc.lines
            continue
        print(f"{path}: OK ({item.schedule.type_name}, {item.num_steps:,} steps)")
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
    ``training.numb_steps`` and its aliases. Every other section and key is allowed.
    """
    from ._schedule import INT32_MAX
    from .config import json_schema
    from .io import NUM_STEPS_KEYS

    section = json_schema()
    defs = section.pop("$defs", {})
    for model in defs.values():
        if model.get("additionalProperties") is False:
            model["patternProperties"] = {"^_": {"description": "A comment (ignored)."}}
    integer = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
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
                    key: {**integer, "description": "The number of training steps."}
                    for key in NUM_STEPS_KEYS
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

"""The command line and the plotting helpers.

The subprocess tests run the command as a user does (``python -m lrschedules_jax.cli`` and the
installed ``lrschedules-jax`` script, importing this checkout); each launch imports JAX, so
they are few and each checks a lot. The other tests call ``main([...])`` in-process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrschedules_jax import ConfigError, json_schema, load_input, make_schedule, plot_schedule
from lrschedules_jax.cli import DEMO_CONFIGS, main, milestones
from lrschedules_jax.plotting import describe_schedule, schedule_curve

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

GOOD = ["water_se_e2_a.json", "water_wsd.yaml", "cosine_legacy_warmup.json"]
# Each bad file and the lines `check` must print for it (after "FILE: ").
BAD = {
    "bad_keys.json": [
        "learning_rate.stop_lr: must be at most `start_lr` (0.001); got 0.01.",
        "learning_rate.warmup_steps: must be smaller than `num_steps` (1000000); got 2000000.",
        "learning_rate.decay_step: `decay_step` is not a key of type `exp`; "
        "did you mean `decay_steps`?",
    ],
    "bad_type.yaml": ["learning_rate.type: unknown type 'cosin'; did you mean `cosine`?"],
    "bad_syntax.json": ["invalid JSON at line 7, column 5: Expecting ',' delimiter."],
    "bad_syntax.yaml": ["invalid YAML at line 4, column 11: mapping values are not allowed here."],
    "no_numb_steps.json": [
        "training.numb_steps: is missing (and so is training.num_epoch); add one of them to "
        "the `training` section, or pass --num-steps N."
    ],
    "no_learning_rate.json": [
        "learning_rate: is missing; this DeePMD-kit input has `model`, `loss`, `training` but "
        "no `learning_rate` section."
    ],
    "lr_only.json": [
        "holds only a `learning_rate` mapping (no training.numb_steps); pass --num-steps N."
    ],
    "warmup_in_both.json": [
        "training.warmup_steps: is also set as learning_rate.warmup_steps; remove one "
        "(DeePMD-kit moved the warmup keys from `training` into `learning_rate`)."
    ],
    "yaml11_numbers.yaml": [
        "training.numb_steps: must be an integer; got '1e6' (str); YAML 1.1 (PyYAML, which "
        "DeePMD-kit also uses) reads 1e6 as a string: write the integer in full.",
        "learning_rate.start_lr: must be a number (not a string or boolean); got '1e-3' (str).",
        "hint: learning_rate.start_lr: YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads "
        "1e-3 as a string; write it with a decimal point and a signed exponent, for example "
        "1.0e-3.",
    ],
}


def run(*args: str | Path, cwd: Path = DATA, command: list[str] | None = None):
    """Run the command line in a subprocess that imports this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    command = command or [sys.executable, "-m", "lrschedules_jax.cli"]
    return subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def own_lines(stderr: str, names: list[str]) -> list[str]:
    """The lines of ``stderr`` this program wrote (not a warning from a library)."""
    return [
        line
        for line in stderr.splitlines()
        if any(line.startswith(f"{name}: ") for name in names) or " files failed; " in line
    ]


def assert_png(path: Path, min_width: int = 600) -> None:
    """``path`` is a real PNG image that matplotlib reads back."""
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 10_000
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[1] >= min_width
    assert image.std() > 0.01  # not blank


# ---------------------------------------------------------------------------------------
# Subprocess: the command as users run it


def test_check_accepts_realistic_deepmd_inputs_and_the_examples():
    inputs = [*GOOD, *(EXAMPLES / name for name in ("water_se_e2_a.json", "water_wsd.yaml"))]
    result = run("check", *inputs)
    assert result.returncode == 0, result.stderr
    assert own_lines(result.stderr, list(map(str, inputs))) == [
        "cosine_legacy_warmup.json: note: training.warmup_steps, training.warmup_start_factor: "
        "moved into `learning_rate`, as DeePMD-kit 3.2 moves them (with a deprecation warning); "
        "set them in `learning_rate`."
    ]
    assert result.stdout.splitlines() == [
        "water_se_e2_a.json: OK (exp, 1,000,000 steps)",
        "water_wsd.yaml: OK (wsd, 400,000 steps)",
        "cosine_legacy_warmup.json: OK (cosine, 200,000 steps)",
        f"{EXAMPLES / 'water_se_e2_a.json'}: OK (exp, 1,000,000 steps)",
        f"{EXAMPLES / 'water_wsd.yaml'}: OK (wsd, 400,000 steps)",
    ]


def test_check_lists_every_problem_of_every_file_and_exits_2():
    result = run("check", "missing.yaml", *BAD, "water_se_e2_a.json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == "water_se_e2_a.json: OK (exp, 1,000,000 steps)\n"
    expected = ["missing.yaml: no such file."]
    for name, lines in BAD.items():
        expected += [f"{name}: {line}" for line in lines]
    failed = len(BAD) + 1
    problems = sum(not line.startswith("hint:") for lines in BAD.values() for line in lines) + 1
    expected.append(f"{failed} of {failed + 1} files failed; {problems} problems.")
    assert own_lines(result.stderr, ["missing.yaml", *BAD]) == expected


def test_plot_writes_one_png_with_every_input(tmp_path):
    out = tmp_path / "new" / "dir" / "compare.png"
    result = run(
        "plot", *GOOD, "lr_only.json", "--num-steps", "300000", "--log", "-o", out, cwd=DATA
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote {out} (4 schedules).\n"
    assert_png(out)


def test_demo_writes_the_figures_and_inputs_and_says_where(tmp_path):
    result = run("demo", "-o", "figs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "figs"
    lines = result.stdout.splitlines()
    assert lines[0] == f"Wrote 7 files to {out}:"
    assert [line.split()[0] for line in lines[1:8]] == [
        "exp.png",
        "exp.json",
        "cosine.png",
        "cosine.json",
        "wsd.png",
        "wsd.json",
        "all.png",
    ]
    for name in ("exp", "cosine", "wsd", "all"):
        assert_png(out / f"{name}.png", min_width=1200)
    for name, config in DEMO_CONFIGS.items():
        written = json.loads((out / f"{name}.json").read_text())
        assert written == {"learning_rate": config, "training": {"numb_steps": 100_000}}


def test_importing_the_package_does_not_import_matplotlib():
    code = (
        "import sys, lrschedules_jax, lrschedules_jax.cli, lrschedules_jax.plotting;"
        "print(sorted(m for m in ('matplotlib', 'yaml') if m in sys.modules))"
    )
    result = run("-c", code, command=[sys.executable])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_installed_script_and_python_dash_m_package():
    script = Path(sys.executable).with_name("lrschedules-jax")
    if not script.exists():
        script = shutil.which("lrschedules-jax")
    if script is None:
        pytest.skip("the lrschedules-jax script is not installed")
    result = run("schema", command=[str(script)])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json_schema()
    result = run("show", "lr_only.json", command=[sys.executable, "-m", "lrschedules_jax"])
    assert result.returncode == 2
    assert own_lines(result.stderr, ["lr_only.json"]) == [
        "lr_only.json: holds only a `learning_rate` mapping (no training.numb_steps); "
        "pass --num-steps N."
    ]
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------
# In-process: main([...])


def show_table(out: str) -> list[tuple[str, int, float]]:
    """The milestone rows of `show`'s output: (name, step, rate)."""
    rows = []
    for line in out.splitlines():
        match = re.fullmatch(r"  (.+?)\s+([\d,]+)  (\S+e[-+]\d+)", line)
        if match:
            rows.append((match[1], int(match[2].replace(",", "")), float(match[3])))
    return rows


def test_show_exp_prints_resolved_parameters_and_milestones(capsys, monkeypatch):
    monkeypatch.chdir(DATA)
    assert main(["show", "water_se_e2_a.json"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "water_se_e2_a.json: learning_rate type `exp`, 1,000,000 steps (training.numb_steps)\n"
    )
    assert "  stop_lr              3.51e-08\n" in out
    assert "  decay_steps          5000\n" in out
    assert "  decay_rate           0.9500064099   (derived: reaches stop_lr at num_steps)" in out
    # Independent float64 evaluation of DeePMD's stepped exp decay.
    s0, e, n, ds = 1e-3, 3.51e-8, 1_000_000, 5000
    r = np.exp(np.log(e / s0) / (n / ds))
    rows = show_table(out)
    assert [(name, step) for name, step, _ in rows] == [
        ("start", 0),
        ("10 %", 100_000),
        ("25 %", 250_000),
        ("50 %", 500_000),
        ("75 %", 750_000),
        ("90 %", 900_000),
        ("end", 1_000_000),
    ]
    for _, step, rate in rows:
        expected = max(s0 * r ** (step // ds), e)
        assert rate == pytest.approx(expected, rel=3e-6)


def test_show_wsd_with_workers_names_derived_values(capsys, monkeypatch):
    monkeypatch.chdir(DATA)
    assert main(["show", "water_wsd.yaml", "--num-workers", "4"]) == 0
    out = capsys.readouterr().out
    assert "  stop_lr              2e-06   (start_lr * stop_lr_ratio 0.001)\n" in out
    assert "  warmup_steps         8000   (int(warmup_ratio 0.02 * 400000))\n" in out
    assert "(decay phase 40,000 steps, stable 352,000 steps)" in out
    assert "  scale_by_worker      sqrt\n  num_workers          4   (every rate * 2)\n" in out
    rows = show_table(out)
    # sqrt(4) = 2 times: warmup from 0.05 * 2e-3, stable 2e-3, cosine decay to 2e-6.
    assert rows == [
        ("start", 0, pytest.approx(2 * 1e-4, rel=3e-6)),
        ("warmup end", 8000, pytest.approx(2 * 2e-3, rel=3e-6)),
        ("10 %", 40_000, pytest.approx(2 * 2e-3, rel=3e-6)),
        ("25 %", 100_000, pytest.approx(2 * 2e-3, rel=3e-6)),
        ("50 %", 200_000, pytest.approx(2 * 2e-3, rel=3e-6)),
        ("75 %", 300_000, pytest.approx(2 * 2e-3, rel=3e-6)),
        ("decay start, 90 %", 360_000, pytest.approx(2 * 2e-3, rel=3e-6)),
        ("end", 400_000, pytest.approx(2 * 2e-6, rel=3e-6)),
    ]


def test_show_legacy_keys_and_num_steps_override(capsys, monkeypatch):
    monkeypatch.chdir(DATA)
    assert main(["show", "cosine_legacy_warmup.json", "--num-steps", "20000"]) == 0
    out = capsys.readouterr().out
    assert "200,000" not in out
    assert "20,000 steps (--num-steps)" in out
    assert "  warmup_steps         10000   (moved from training.warmup_steps)\n" in out
    rows = show_table(out)
    # Cosine over T = 10000 after warmup: lr(15000) = e + (s0 - e) (1 + cos(pi/2)) / 2.
    assert dict((step, rate) for _, step, rate in rows)[15_000] == pytest.approx(
        1e-6 + (1e-3 - 1e-6) * 0.5, rel=3e-6
    )


def test_show_replaced_decay_steps_is_explained(capsys, tmp_path):
    path = tmp_path / "lr.json"
    path.write_text(json.dumps({"start_lr": 1e-3, "stop_lr_ratio": 1e-2}))
    assert main(["show", str(path), "--num-steps", "1000"]) == 0
    out = capsys.readouterr().out
    assert (
        "  decay_steps          11   (replaced: 5000 >= decay length 1000, as DeePMD-kit does)\n"
        in out
    )


def test_schema_prints_the_json_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def test_schema_for_whole_deepmd_inputs_accepts_good_files_and_flags_bad_keys(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["schema", "--deepmd-input"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name in ("water_se_e2_a.json", "cosine_legacy_warmup.json"):
        assert list(validator.iter_errors(json.loads((DATA / name).read_text()))) == []
    errors = list(validator.iter_errors(json.loads((DATA / "bad_keys.json").read_text())))
    assert errors and all(e.absolute_path[0] == "learning_rate" for e in errors)
    float_steps = {"learning_rate": {"start_lr": 1e-3, "stop_lr": 1e-5}, "training": {}}
    float_steps["training"]["numb_steps"] = 1000.5
    assert [e.absolute_path[-1] for e in validator.iter_errors(float_steps)] == ["numb_steps"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "nope.json"], "nope.json: no such file.\n"),
        (["plot", "bad_syntax.yaml", "-o", "x.png"], "bad_syntax.yaml: invalid YAML at line 4"),
        (["show", "water_se_e2_a.json", "--num-steps", "-1"], "--num-steps: must be in [0, "),
        (["plot", "lr_only.json", "--num-workers", "zero"], "--num-workers: must be an integer"),
        (["check"], "the following arguments are required: INPUT"),
        ([], "the following arguments are required: COMMAND"),
    ],
    ids=["missing-file", "invalid-yaml", "zero-steps", "bad-workers", "no-input", "no-command"],
)
def test_user_errors_exit_2_with_a_message_and_no_traceback(capsys, monkeypatch, argv, message):
    monkeypatch.chdir(DATA)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_plot_reports_an_unwritable_output(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(DATA)
    assert main(["plot", "water_wsd.yaml", "-o", str(tmp_path / "out.nosuchformat")]) == 2
    err = capsys.readouterr().err
    assert (
        f"{tmp_path / 'out.nosuchformat'}: cannot write this image format ('.nosuchformat'); "
        in err
    )
    assert ".pdf, .pgf, .png," in err and not (tmp_path / "out.nosuchformat").exists()
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["plot", "water_wsd.yaml", "-o", str(blocker / "out.png")]) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_help_and_version_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("lrschedules-jax ")


def test_milestones_merge_names_of_one_step():
    sched = make_schedule({"type": "wsd", "start_lr": 1.0, "stop_lr": 0.1, "warmup_steps": 10}, 100)
    assert milestones(sched) == [
        ("start", 0),
        ("warmup end, 10 %", 10),
        ("25 %", 25),
        ("50 %", 50),
        ("75 %", 75),
        ("decay start, 90 %", 90),
        ("end", 100),
    ]


# ---------------------------------------------------------------------------------------
# Plotting helpers


def test_curve_is_exact_at_integer_steps_and_shows_every_stair():
    sched = make_schedule(
        {"start_lr": 1e-3, "stop_lr": 1e-7, "decay_steps": 1000, "warmup_steps": 500}, 100_500
    )
    steps, rates = schedule_curve(sched, num_points=300)
    assert steps[0] == 0 and steps[-1] == 100_500 + 5025
    assert np.all(np.diff(steps) > 0)
    # Independent float64 evaluation: warmup from 0, then stairs every 1000 steps.
    r = (1e-7 / 1e-3) ** (1000 / 100_000)
    t = np.maximum(steps - 500, 0)
    expected = np.where(steps < 500, 1e-3 * steps / 500, np.maximum(1e-3 * r ** (t // 1000), 1e-7))
    np.testing.assert_allclose(rates, expected, rtol=2e-6, atol=0)
    # Both sides of each of the 100 stairs are drawn, although num_points is only 300.
    jumps = 500 + 1000 * np.arange(1, 101)
    assert set(jumps) <= set(steps) and set(jumps - 1) <= set(steps)


def test_curve_of_a_long_run_is_chunked_with_bounded_memory():
    """Past 262,144 steps the curve is evaluated in windows (it held 4M float64 rates and
    their differences at once: 208 MiB for any run of 4M steps or more); stairs at and around
    the window edges are still found, and the values are the schedule's."""
    import tracemalloc

    milestones = [262_143, 262_144, 262_146, 524_288, 1_000_000]
    sched = make_schedule(
        {"type": "multistep", "start_lr": 1.0, "milestones": milestones, "gamma": 0.5}, 1_200_000
    )
    tracemalloc.start()
    try:
        steps, rates = schedule_curve(sched, num_points=300)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, peak
    assert np.all(np.diff(steps) > 0) and steps[0] == 0 and steps[-1] == 1_260_000
    # both sides of the stairs between constant runs (262,144 lies inside a run of 1 step)
    assert {262_142, 262_143, 524_287, 524_288, 999_999, 1_000_000} <= set(steps.tolist())
    expected = 0.5 ** np.searchsorted(milestones, steps, side="right")  # float64
    np.testing.assert_allclose(rates, expected, rtol=2e-6, atol=0)
    with pytest.raises(ConfigError, match="num_points: must be an integer"):
        schedule_curve(sched, num_points="many")


def test_plot_schedule_draws_curve_phases_and_legend():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = {"type": "wsd", "start_lr": 1e-3, "stop_lr": 1e-5, "warmup_steps": 100}
    fig, ax = plt.subplots()
    try:
        assert plot_schedule(config, 1000, ax, log=True, color="red") is ax
        (line,) = ax.get_lines()[:1]
        x = line.get_xdata()
        assert x[0] == 0 and x[-1] == 1050
        assert line.get_color() == "red"
        assert ax.get_yscale() == "log"
        assert sorted(float(v.get_xdata()[0]) for v in ax.get_lines()[1:]) == [100, 900, 1000]
        assert sorted(t.get_text() for t in ax.texts) == ["decay start", "end", "warmup end"]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == [
            "wsd 0.001 → 1e-05, decay_phase_ratio 0.1, decay_type inverse_linear, warmup 100"
        ]
        # A second schedule on the same axes: its nearby boundaries are not named again.
        plot_schedule(make_schedule(config, 1010), ax=ax, label="second", mark_phases=True)
        assert len(ax.texts) == 3
        assert [t.get_text() for t in ax.get_legend().get_texts()][1] == "second"
    finally:
        plt.close(fig)


def test_plot_schedule_argument_errors():
    with pytest.raises(ConfigError, match="num_steps: is required"):
        plot_schedule({"start_lr": 1e-3, "stop_lr": 1e-5})
    with pytest.raises(ValueError, match="differs from the schedule's own num_steps"):
        plot_schedule(make_schedule({"start_lr": 1e-3, "stop_lr": 1e-5}, 100), 200)


def test_describe_schedule_names_type_and_key_parameters():
    sched = make_schedule(
        {
            "start_lr": 1e-3,
            "stop_lr": 1e-8,
            "smooth": True,
            "warmup_steps": 10,
            "warmup_start_factor": 0.1,
            "scale_by_worker": "sqrt",
        },
        1000,
        num_workers=4,
    )
    assert describe_schedule(sched) == (
        "exp 0.001 → 1e-08, decay_steps 10, smooth, warmup 10 (start factor 0.1), "
        "x2 (4 workers, sqrt)"
    )


# ---------------------------------------------------------------------------------------
# Arguments at their limits: exit 2 with a bounded message, or the right answer


def test_show_at_steps_past_int64_print_the_held_value(capsys, monkeypatch):
    """`show --at 9223372036854775808` was an OverflowError (NumPy's int64 conversion): every
    step past the end holds the last value (cosine: stop_lr), as the schedule itself gives."""
    monkeypatch.chdir(DATA)
    steps = ["9223372036854775808", "0", str(2**31), str(10**30), "500000"]
    assert main(["show", "water_wsd.yaml", "--num-steps", "1000000", "--at", *steps]) == 0
    rows = show_table(capsys.readouterr().out)
    section, _ = load_input(DATA / "water_wsd.yaml")
    schedule = make_schedule(section, 1_000_000)
    assert [step for _, step, _ in rows] == [int(x) for x in steps]
    end = float(schedule(1_000_000))  # float64: 2e-3 * 1e-3 at the end, held after it
    assert end == pytest.approx(2e-6, rel=1e-6)
    for _, step, rate in rows:
        want = end if step >= 1_000_000 else float(schedule(step))
        assert rate == pytest.approx(want, rel=1e-6), step
    assert main(["show", "water_wsd.yaml", "--at", "9223372036854775808", "--json"]) == 0
    (rate,) = json.loads(capsys.readouterr().out)["rates"]
    assert rate["step"] == 2**63 and rate["milestone"] == "at"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "water_wsd.yaml", "--at", "9" * 5000], "argument --at: must be an integer >= 0; got '9999"),
        (["show", "water_wsd.yaml", "--at", "-" + "9" * 4000], "got an int of 4000 digits"),
        (["show", "water_wsd.yaml", "--num-steps", "x" * 100_000], "(a str of 100000 characters)"),
        (["check", "water_wsd.yaml", "--steps-per-epoch", "1" * 5000], "(a str of 5000 characters)"),
        (["plot", "water_wsd.yaml", "--max-input-bytes", "-" + "9" * 400], "got an int of 400 digits"),
        (["x" * 100_000], "(100,"),
        (["check", "water_wsd.yaml", "--" + "y" * 100_000], "(100,"),
    ],
    ids=["at-5000-digits", "at-negative", "num-steps", "steps-per-epoch", "max-bytes", "command",
         "option"],
)  # fmt: skip
def test_usage_errors_are_bounded(capsys, monkeypatch, argv, message):
    """argparse quotes the argument given: an argument of 100,000 characters made a message
    of that size; the digits of a 5000-digit step made a ValueError of Python's int limit."""
    monkeypatch.chdir(DATA)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err) < 3000 and "Traceback" not in err, err[:3000]


def test_plot_of_a_rate_that_is_not_finite_says_so(capsys, monkeypatch, tmp_path):
    """A schedule whose rate overflows float32 (say inf at every step) used to be reported by
    `plot --log` as "cannot write this image format"; the message names the input and what is
    wrong, and nothing is written. (Simulated: no accepted config gives an inf rate.)"""
    import lrschedules_jax.plotting as plotting

    monkeypatch.chdir(DATA)
    monkeypatch.setattr(plotting, "evaluate", lambda schedule, steps: np.full(len(steps), np.inf))
    out = tmp_path / "out.png"
    for log in ([], ["--log"]):
        assert main(["plot", "water_wsd.yaml", "-o", str(out), *log]) == 2
        err = capsys.readouterr().err
        assert re.match(
            r"water_wsd\.yaml: learning_rate: is not a finite float32 number at ([\d,]+) of the "
            r"\1 steps drawn \(the first: inf at step 0\), so the curve cannot be drawn;",
            err,
        ), err
        assert "image format" not in err and not out.exists()
    with pytest.raises(ConfigError, match="learning_rate: is not a finite float32 number"):
        plot_schedule({"start_lr": 1e-3, "stop_lr": 1e-5}, 100)

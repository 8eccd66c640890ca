"""load_input(): DeePMD-kit input files in JSON and YAML, aliases, legacy keys, errors."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path

import pytest

from lrschedules_jax import ConfigError, LegacyInputWarning, load_input, make_schedule
from lrschedules_jax.io import NUM_STEPS_KEYS, read_input, yaml_float_hints

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parent.parent / "examples"


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_water_json_reads_section_without_comments_and_numb_steps():
    section, num_steps = load_input(DATA / "water_se_e2_a.json")
    assert section == {"type": "exp", "decay_steps": 5000, "start_lr": 0.001, "stop_lr": 3.51e-8}
    assert num_steps == 1_000_000
    sched = make_schedule(section, num_steps)
    # DeePMD's derived rate: r = (stop/start) ** (decay_steps / numb_steps), in float64.
    r = (3.51e-8 / 1e-3) ** (5000 / 1_000_000)
    assert float(sched(0)) == pytest.approx(1e-3, rel=2e-6)
    assert float(sched(12_345)) == pytest.approx(1e-3 * r**2, rel=2e-6)
    assert float(sched(1_000_000)) == pytest.approx(3.51e-8, rel=2e-6)


def test_water_yaml_reads_the_same_keys_as_json():
    section, num_steps = load_input(DATA / "water_wsd.yaml")
    assert num_steps == 400_000
    assert section == {
        "type": "wsd",
        "start_lr": 0.002,
        "stop_lr_ratio": 0.001,
        "decay_phase_ratio": 0.1,
        "decay_type": "cosine",
        "warmup_ratio": 0.02,
        "warmup_start_factor": 0.05,
        "scale_by_worker": "sqrt",
    }


@pytest.mark.parametrize("name", ["water_se_e2_a.json", "water_wsd.yaml"])
def test_examples_for_users_load_and_build(name):
    section, num_steps = load_input(EXAMPLES / name)
    assert (section, num_steps) == load_input(DATA / name)
    make_schedule(section, num_steps)


def test_legacy_training_warmup_keys_move_into_learning_rate():
    found = read_input(DATA / "cosine_legacy_warmup.json")
    assert found.problems == ()
    assert found.section == {
        "type": "cosine",
        "start_lr": 0.001,
        "stop_lr": 1e-6,
        "warmup_steps": 10000,
        "warmup_start_factor": 0.1,
    }
    assert found.num_steps == 200_000
    assert found.num_steps_key == "training.stop_batch"
    assert found.moved == ("warmup_steps", "warmup_start_factor")
    sched = make_schedule(found.section, found.num_steps)
    # Warmup from 0.1 * start_lr: lr(5000) = 1e-4 + (1e-3 - 1e-4) * 5000 / 10000.
    assert float(sched(5000)) == pytest.approx(5.5e-4, rel=2e-6)


def test_legacy_warmup_ratio_moves_too(tmp_path):
    path = write(
        tmp_path,
        "in.json",
        {
            "learning_rate": {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-5},
            "training": {"numb_steps": 1000, "warmup_ratio": 0.1},
        },
    )
    with pytest.warns(LegacyInputWarning, match="training.warmup_ratio: moved into"):
        section, _ = load_input(path)
    assert section["warmup_ratio"] == 0.1


@pytest.mark.parametrize("key", NUM_STEPS_KEYS)
def test_every_numb_steps_alias_is_read(tmp_path, key):
    path = write(
        tmp_path,
        "in.json",
        {"learning_rate": {"start_lr": 1e-3, "stop_lr": 1e-5}, "training": {key: 777}},
    )
    assert load_input(path)[1] == 777
    assert read_input(path).num_steps_key == f"training.{key}"


def test_bare_learning_rate_section_has_no_num_steps():
    section, num_steps = load_input(DATA / "lr_only.json")
    assert num_steps is None
    assert section["decay_steps"] == 2000
    assert read_input(DATA / "lr_only.json").bare


@pytest.mark.parametrize(
    "content",
    [
        {"learning_rate": {"start_lr": 1e-3, "stop_lr": 1e-5}},
        {"learning_rate": {"start_lr": 1e-3, "stop_lr": 1e-5}, "training": {"seed": 1}},
    ],
    ids=["no-training", "training-without-numb_steps"],
)
def test_missing_numb_steps_gives_none(tmp_path, content):
    assert load_input(write(tmp_path, "in.json", content))[1] is None


def test_yml_and_unknown_suffixes_are_read_as_yaml(tmp_path):
    text = (
        "learning_rate: {type: cosine, start_lr: 0.001, stop_lr: 1.0e-6}\n"
        "training: {numb_steps: 50}\n"
    )
    for name in ("in.yml", "in.yaml", "input.txt"):
        assert load_input(write(tmp_path, name, text)) == (
            {"type": "cosine", "start_lr": 0.001, "stop_lr": 1e-6},
            50,
        )
    # JSON is YAML: a JSON input with another suffix reads too.
    json_text = (DATA / "water_se_e2_a.json").read_text()
    assert load_input(write(tmp_path, "input.cfg", json_text))[1] == 1_000_000


def test_returns_a_fresh_deep_copy_every_time(tmp_path):
    path = write(
        tmp_path,
        "in.json",
        {
            "learning_rate": {"type": "multistep", "milestones": [10, 20], "start_lr": 1.0},
            "training": {"numb_steps": 100},
        },
    )
    first, _ = load_input(path, extensions=True)  # multistep: not a DeePMD-kit type
    first["milestones"].append(30)
    first["start_lr"] = 5.0
    second, _ = load_input(path, extensions=True)
    assert second == {"type": "multistep", "milestones": [10, 20], "start_lr": 1.0}


# (file name, content or None for a missing file, parts of the one problem reported)
BAD_FILES = [
    ("missing.json", None, ["missing.json: no such file."]),
    (
        "syntax.json",
        '{"learning_rate": {"start_lr": 0.001,}}',
        ["syntax.json: invalid JSON at line 1, column 38: Expecting property name"],
    ),
    (
        "syntax.yaml",
        "learning_rate:\n  start_lr: 0.001\n   stop_lr: 1.0e-8\n",
        ["syntax.yaml: invalid YAML at line 3, column 11: mapping values are not allowed"],
    ),
    (
        "list.json",
        "[1, 2]",
        ["list.json: must hold a mapping (a DeePMD-kit input or a `learning_rate` section)"],
    ),
    ("empty.yaml", "", ["empty.yaml: must hold a mapping", "got nothing"]),
    (
        "nolr.json",
        {"model": {}, "training": {"numb_steps": 10}},
        ["nolr.json: learning_rate: is missing", "`model`, `training`"],
    ),
    (
        "lrlist.json",
        {"learning_rate": [1e-3], "training": {"numb_steps": 10}},
        ["lrlist.json: learning_rate: must be a mapping of keys to values; got a list"],
    ),
    (
        "training.json",
        {"learning_rate": {"start_lr": 1e-3}, "training": 1000},
        ["training.json: training: must be a mapping of keys to values; got an int"],
    ),
    (
        "float.json",
        {"learning_rate": {"start_lr": 1e-3}, "training": {"numb_steps": 1e6}},
        ["float.json: training.numb_steps: must be an integer; got 1000000.0 (float)", "1000000"],
    ),
    (
        "bool.json",
        {"learning_rate": {"start_lr": 1e-3}, "training": {"stop_batch": True}},
        ["bool.json: training.stop_batch: must be an integer; got True (bool)"],
    ),
    (
        "negative.json",
        {"learning_rate": {"start_lr": 1e-3}, "training": {"num_steps": -1}},
        ["negative.json: training.num_steps: must be in [0, 2147483647]; got -1."],
    ),
    (
        "str.yaml",
        "learning_rate: {start_lr: 0.001}\ntraining: {numb_steps: 1e6}\n",
        ["str.yaml: training.numb_steps: must be an integer; got '1e6' (str)", "YAML 1.1"],
    ),
    (
        "aliases.json",
        {"learning_rate": {"start_lr": 1e-3}, "training": {"numb_steps": 5, "stop_batch": 5}},
        [
            "aliases.json: training.numb_steps: set only one of training.numb_steps, "
            "training.stop_batch"
        ],
    ),
    (
        "both.json",
        {
            "learning_rate": {"start_lr": 1e-3, "warmup_ratio": 0.1},
            "training": {"numb_steps": 100, "warmup_ratio": 0.2},
        },
        ["both.json: training.warmup_ratio: is also set as learning_rate.warmup_ratio"],
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_raise_config_error_naming_file_and_key(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        write(tmp_path, name, content)
    with pytest.raises(ConfigError) as info:
        load_input(path)
    assert isinstance(info.value, ValueError)
    (problem,) = info.value.problems
    assert problem.startswith(str(path))
    message = problem.replace(str(tmp_path) + "/", "")
    for part in expected:
        assert part in message


def test_a_directory_is_not_an_input(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_input(tmp_path)


def test_every_problem_of_a_file_is_listed(tmp_path):
    path = write(
        tmp_path,
        "two.json",
        {
            "learning_rate": {"start_lr": 1e-3, "warmup_steps": 10},
            "training": {"numb_steps": 1.5, "warmup_steps": 20},
        },
    )
    with pytest.raises(ConfigError) as info:
        load_input(path)
    assert [p.split(": ")[1] for p in info.value.problems] == [
        "training.numb_steps",
        "training.warmup_steps",
    ]


def test_yaml_float_hints_name_the_key_and_the_yaml11_spelling():
    hints = yaml_float_hints({"start_lr": "1e-3", "stop_lr": 1e-8, "type": "exp", "x": "2E5"})
    assert hints == [
        "hint: learning_rate.start_lr: YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads 1e-3 "
        "as a string; write it with a decimal point and a signed exponent, for example 1.0e-3.",
        "hint: learning_rate.x: YAML 1.1 (PyYAML, which DeePMD-kit also uses) reads 2E5 as a "
        "string; write it with a decimal point and a signed exponent, for example 2.0e+5.",
    ]
    import yaml

    assert yaml.safe_load("v: 1.0e-3")["v"] == pytest.approx(1e-3)
    assert yaml.safe_load("v: 2.0e+5")["v"] == 2e5


# ----------------------------------------------------------------------------------------
# Bad arguments and step counts: one ConfigError naming the key, never another exception


def epoch_input(tmp_path: Path, training: dict, model: dict | None = None) -> Path:
    data = {"learning_rate": {"type": "exp", "start_lr": 1e-3}, "training": training}
    return write(tmp_path, "epochs.json", {**data, **({"model": model} if model else {})})


@pytest.mark.parametrize(
    ("epochs", "spe", "shown"),
    [
        (1e308, 10, "1e+308 * 10 steps per epoch is above 2147483647 steps."),
        (10**400, 1, "an int of 401 digits * 1 steps per epoch"),
        (2**31, 1, "2147483648 * 1 steps per epoch is above 2147483647 steps."),
        (1.0e9, 3, "1000000000.0 * 3 steps per epoch is above 2147483647 steps."),
    ],
    ids=["1e308", "10**400", "2**31", "1e9x3"],
)
def test_num_epoch_past_the_step_range_is_one_config_error(tmp_path, capsys, epochs, spe, shown):
    """ceil(1e308 * 10) was an OverflowError (ceil of inf), in Python and on the command line."""
    path = epoch_input(tmp_path, {"num_epoch": epochs})
    with pytest.raises(ConfigError) as info:
        load_input(path, steps_per_epoch=spe)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}: training.num_epoch: ") and shown in problem, problem
    from lrschedules_jax.cli import main

    assert main(["check", str(path), "--steps-per-epoch", str(spe)]) == 2
    err = capsys.readouterr().err
    assert "training.num_epoch: " in err and "Traceback" not in err


def test_num_epoch_at_the_step_limit_is_exact(tmp_path):
    # ceil(num_epoch * steps_per_epoch) as DeePMD-kit computes it, up to 2**31 - 1 exactly
    path = epoch_input(tmp_path, {"num_epoch": 2**31 - 1})
    assert load_input(path, steps_per_epoch=1)[1] == 2**31 - 1
    path = epoch_input(tmp_path, {"num_epoch": 0.5})
    assert load_input(path, steps_per_epoch=2**31 - 1)[1] == 2**30


def test_num_epoch_dict_past_the_step_range_and_long_branch_lists(tmp_path):
    model = {"model_dict": {"a": {}, "b": {}}}
    path = epoch_input(tmp_path, {"num_epoch_dict": {"a": 1e308, "b": 1e308}}, model)
    with pytest.raises(ConfigError) as info:
        load_input(path, steps_per_epoch={"a": 10, "b": 10})
    (problem,) = info.value.problems
    assert problem == f"{path}: training.num_epoch_dict: gives inf steps, above 2147483647."
    branches = {f"branch{i}": 1 for i in range(100_000)}
    path = epoch_input(tmp_path, {"num_epoch_dict": branches}, {"model_dict": branches})
    with pytest.raises(ConfigError) as info:
        load_input(path, steps_per_epoch={"a": 1})
    (problem,) = info.value.problems
    assert (
        "(branch0, branch1, branch2, branch3, branch4, branch5, branch6, branch7, ... " in problem
    )
    assert len(problem) < 1000


@pytest.mark.parametrize("key", ["extensions", "strict"])
@pytest.mark.parametrize("value", ["no", 1, 0, None, "false"])
def test_flags_must_be_booleans(tmp_path, key, value):
    """extensions="no" was taken as true."""
    path = epoch_input(tmp_path, {"numb_steps": 10})
    with pytest.raises(ConfigError) as info:
        load_input(path, **{key: value})
    assert info.value.problems == [
        f"{key}: must be True or False; got {value!r} ({type(value).__name__})."
    ]


@pytest.mark.parametrize("value", [0, -1, 2**31, "10", 1.5, {"a": 0}, True])
def test_steps_per_epoch_is_checked_even_when_unused(tmp_path, value):
    path = epoch_input(tmp_path, {"numb_steps": 10})
    with pytest.raises(ConfigError) as info:
        load_input(path, steps_per_epoch=value)
    (problem,) = info.value.problems
    assert problem.startswith("steps_per_epoch: must be an integer in [1, 2147483647]")


@pytest.mark.parametrize("max_bytes", [2**63, 2**100, sys.maxsize])
def test_a_huge_max_bytes_means_no_limit(tmp_path, max_bytes):
    """max_bytes=2**63 was an OverflowError (file.read(2**63 + 1)), and 2**40 a MemoryError:
    the file is read in chunks, its memory is its own size."""
    path = epoch_input(tmp_path, {"numb_steps": 10})
    tracemalloc.start()
    try:
        assert load_input(path, max_bytes=max_bytes) == ({"type": "exp", "start_lr": 1e-3}, 10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_a_long_file_name_is_cut_in_messages(tmp_path):
    for name in ("x" * 10**6, str(tmp_path / ("y" * 300)) + ".json"):
        with pytest.raises(ConfigError) as info:
            load_input(name)
        (problem,) = info.value.problems
        assert len(problem) < 400 and "characters)..." in problem, problem[:500]

"""Hostile input files: each refused with one ConfigError naming the file.

``load_input`` and the command line (``check``, ``show``, ``plot``, ``demo -o``) on what is not
a regular file, on files over the size limit, on YAML alias bombs, on nesting too deep for the
parsers or for ``copy.deepcopy``, on integers over Python's digit limit, on every PyYAML
constructor error and on strings that are not valid Unicode. The command line must exit with
status 2 and print no traceback. The hostile files are generated in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tracemalloc
from pathlib import Path

import pytest
from work import work

from lrschedules_jax import ConfigError, load_input
from lrschedules_jax.cli import main
from lrschedules_jax.io import MAX_DEPTH, MAX_INPUT_BYTES, MAX_YAML_NODES, read_input

GOOD_SECTION = {"type": "exp", "start_lr": 1e-3, "stop_lr": 1e-8}


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def good_input(tmp_path: Path, name: str = "input.json", **extra: object) -> Path:
    data = {"learning_rate": dict(GOOD_SECTION), "training": {"numb_steps": 1000}, **extra}
    return write(tmp_path / name, json.dumps(data))


def only_problem(path: Path, **kwargs: object) -> str:
    """The one problem load_input reports for ``path``, checked against read_input's."""
    with pytest.raises(ConfigError) as info:
        load_input(path, **kwargs)  # type: ignore[arg-type]
    (problem,) = info.value.problems
    assert read_input(path, **kwargs).problems == (problem,)  # type: ignore[arg-type]
    assert problem.startswith(f"{path}: ")
    return problem[len(f"{path}: ") :]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main(argv)`` in-process: (status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def cli_refuses(capsys: pytest.CaptureFixture[str], path: Path, expected: str) -> None:
    """``check``, ``show`` and ``plot`` each exit 2 with exactly ``path: expected``."""
    for argv in (["check", str(path)], ["show", str(path)], ["plot", str(path), "-o", "x.png"]):
        status, out, err = cli(capsys, *argv)
        assert status == 2, (argv, out, err)
        assert "Traceback" not in err
        assert err.splitlines()[0] == f"{path}: {expected}", argv


# ----------------------------------------------------------------------------------------
# Not a regular file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "input.json"
    os.mkfifo(fifo)
    # opened for reading without O_NONBLOCK, a FIFO with no writer blocks forever
    assert only_problem(fifo) == "is a FIFO (named pipe), not an input file."
    cli_refuses(capsys, fifo, "is a FIFO (named pipe), not an input file.")


def test_a_directory_is_refused(tmp_path, capsys):
    folder = tmp_path / "input.yaml"
    folder.mkdir()
    assert only_problem(folder) == "is a directory, not an input file."
    cli_refuses(capsys, folder, "is a directory, not an input file.")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_without_reading_it():
    # /dev/zero never ends: reading it whole would exhaust the memory.
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)
    assert only_problem(Path("/dev/zero")) == "is a character device, not an input file."


def test_a_name_with_a_nul_character_is_refused():
    with pytest.raises(ConfigError) as info:
        load_input("in\0put.json")
    assert info.value.problems == ["'in\\x00put.json': is not a valid file name."]


# ----------------------------------------------------------------------------------------
# Size


def test_the_default_limit_is_10_mib():
    assert MAX_INPUT_BYTES == 10 * 1024 * 1024


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as f:  # sparse: takes no disk space
        f.truncate(200 * 10**6)
    tracemalloc.start()
    try:
        problem = only_problem(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem.startswith("is 200,000,000 bytes, over the input limit of 10,485,760 bytes;")
    assert "`max_bytes=`" in problem and "`--max-input-bytes`" in problem
    assert peak < 2 * 2**20  # bytes allocated in Python: the file was not read


def test_max_bytes_is_inclusive_and_overridable(tmp_path, capsys):
    path = good_input(tmp_path)
    size = path.stat().st_size
    assert load_input(path, max_bytes=size) == (GOOD_SECTION, 1000)
    assert only_problem(path, max_bytes=size - 1).startswith(
        f"is {size:,} bytes, over the input limit of {size - 1:,} bytes;"
    )
    status, out, err = cli(capsys, "check", str(path), "--max-input-bytes", str(size - 1))
    assert status == 2 and "over the input limit" in err and "Traceback" not in err
    status, out, _ = cli(capsys, "check", str(path), "--max-input-bytes", str(size))
    assert status == 0 and out == f"{path}: OK (exp, 1,000 steps)\n"


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1e6"])
def test_max_input_bytes_option_must_be_a_positive_integer(tmp_path, capsys, value):
    status, _, err = cli(capsys, "check", str(good_input(tmp_path)), "--max-input-bytes", value)
    assert status == 2
    assert "--max-input-bytes: must be a number of bytes >= 1" in err


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10", None])
def test_max_bytes_argument_must_be_a_positive_integer(tmp_path, value):
    with pytest.raises(ConfigError) as info:
        load_input(good_input(tmp_path), max_bytes=value)
    (problem,) = info.value.problems
    assert problem.startswith("max_bytes: must be a positive integer")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc")
def test_a_file_longer_than_its_reported_size_is_cut_at_the_limit():
    # /proc files report a size of 0 but are not empty: the read itself stops at the limit.
    status = Path("/proc/self/status")
    assert os.stat(status).st_size == 0
    assert only_problem(status, max_bytes=16) == (
        "is longer than the input limit of 16 bytes; a DeePMD-kit input is a few kilobytes "
        "(raise the limit with `max_bytes=` or `--max-input-bytes`)."
    )


# ----------------------------------------------------------------------------------------
# YAML aliases


def alias_bomb(levels: int, width: int = 10, where: str = "learning_rate: {start_lr: *a%d}") -> str:
    """The "billion laughs": ``levels`` anchors each repeating the previous one ``width`` times."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n" + where % (levels - 1) + "\n"


@pytest.mark.parametrize(
    "where",
    ["learning_rate: {start_lr: *a%d}", "learning_rate: {}\ntraining: {numb_steps: *a%d}"],
    ids=["start_lr", "numb_steps"],
)
def test_a_yaml_alias_bomb_is_refused_before_it_is_built(tmp_path, capsys, where):
    text = alias_bomb(10, where=where)
    assert len(text) < 800  # 10**10 values when expanded
    path = write(tmp_path / "bomb.yaml", text)
    expected = (
        f"holds more than {MAX_YAML_NODES:,} values, counting each alias as the values it repeats."
    )
    problem, calls, peak = work(lambda: only_problem(path))
    assert problem == expected
    # built, it would be 10**10 values (5 GB); refused at the limit, after a bounded walk
    assert calls < 100 * MAX_YAML_NODES and peak < 64 * 2**20, (calls, peak)
    cli_refuses(capsys, path, expected)


def test_the_alias_limit_counts_expanded_values(tmp_path):
    # Anchor a_i repeats a_(i-1) ten times: 11, 111, 1111, ... values. Four anchors hold
    # 12,344 values (plus the top-level mapping and its keys), five 123,455: over the limit.
    assert MAX_YAML_NODES == 100_000
    small = write(tmp_path / "small.yaml", alias_bomb(4, where="learning_rate: {}  # %d"))
    assert load_input(small) == ({}, None)
    big = write(tmp_path / "big.yaml", alias_bomb(5, where="learning_rate: {}  # %d"))
    assert only_problem(big).startswith("holds more than 100,000 values")


def test_ordinary_aliases_are_read_as_pyyaml_reads_them(tmp_path):
    path = write(
        tmp_path / "in.yaml",
        "base: &lr {type: cosine, start_lr: 2.0e-3, stop_lr_ratio: 1.0e-3}\n"
        "learning_rate:\n  <<: *lr\n  warmup_steps: 10\n"
        "training: {numb_steps: &n 1000, other: *n}\n",
    )
    section, num_steps = load_input(path)
    expected = {"type": "cosine", "start_lr": 2e-3, "stop_lr_ratio": 1e-3, "warmup_steps": 10}
    assert (section, num_steps) == (expected, 1000)


def test_a_recursive_yaml_alias_is_refused(tmp_path):
    path = write(tmp_path / "loop.yaml", "loop: &a [1, *a]\nlearning_rate: {}\n")
    assert only_problem(path) == (
        "the alias *a is used inside its own anchor (a recursive structure)."
    )


# ----------------------------------------------------------------------------------------
# Depth


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


TOO_DEEP = f"nests lists or mappings more than {MAX_DEPTH} levels deep."


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1500, 100_000])
@pytest.mark.parametrize("where", ["learning_rate", "model"], ids=["read", "never_read"])
def test_deep_nesting_is_refused(tmp_path, capsys, suffix, depth, where):
    # `model` is a section never read; `learning_rate` deeper than ~500 made copy.deepcopy
    # (load_input's copy of the section) raise RecursionError, deeper than ~1000 the parsers.
    # The top-level mapping (and the `learning_rate` mapping) count as levels too.
    inner = nested(depth - 1) if where == "model" else nested(depth - 2)
    data = (
        f'{{"learning_rate": {{"start_lr": {inner}}}, "training": {{"numb_steps": 10}}}}'
        if where == "learning_rate"
        else f'{{"learning_rate": {{}}, "model": {inner}}}'
    )
    path = write(tmp_path / f"deep{suffix}", data)
    assert only_problem(path) == TOO_DEEP
    cli_refuses(capsys, path, TOO_DEEP)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_nesting_up_to_the_limit_is_read(tmp_path, suffix):
    # The top-level mapping is level 1, the value of `model` level 2.
    path = write(
        tmp_path / f"deep{suffix}", f'{{"learning_rate": {{}}, "model": {nested(MAX_DEPTH - 1)}}}'
    )
    assert load_input(path) == ({}, None)
    value = json.loads(nested(MAX_DEPTH - 2))
    path = write(tmp_path / f"deep2{suffix}", json.dumps({"learning_rate": {"x": value}}))
    assert load_input(path) == ({"x": value}, None)


def test_a_deep_yaml_block_structure_is_refused(tmp_path):
    text = "learning_rate: {}\nmodel:\n" + "".join(
        "  " * i + f"k{i}:\n" for i in range(1, MAX_DEPTH + 2)
    )
    path = write(tmp_path / "deep.yaml", text)
    assert only_problem(path) == TOO_DEEP


# ----------------------------------------------------------------------------------------
# Numbers


DIGIT_LIMIT = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0


@pytest.mark.skipif(DIGIT_LIMIT == 0, reason="no int-digit limit before Python 3.11")
@pytest.mark.parametrize(
    "template",
    [
        '{"learning_rate": {"start_lr": %s}}',
        '{"learning_rate": {}, "training": {"numb_steps": %s}}',
        '{"learning_rate": {}, "model": {"sel": [%s]}}',
    ],
    ids=["start_lr", "numb_steps", "never_read"],
)
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_an_integer_over_the_digit_limit_is_refused(tmp_path, capsys, template, suffix):
    digits = "7" * (DIGIT_LIMIT + 1)
    path = write(tmp_path / f"in{suffix}", template % digits)
    problem = only_problem(path)
    assert f"Exceeds the limit ({DIGIT_LIMIT} digits) for integer string conversion" in problem
    assert problem.startswith("invalid JSON: " if suffix == ".json" else "invalid YAML at line 1")
    assert len(problem) < 400  # the digits are not echoed
    status, _, err = cli(capsys, "check", str(path))
    assert status == 2 and "Traceback" not in err


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_an_integer_at_the_digit_limit_is_read(tmp_path, suffix):
    digits = "7" * min(DIGIT_LIMIT or 4300, 4300)
    text = '{"learning_rate": {}, "model": {"n": DIGITS}}'.replace("DIGITS", digits)
    path = write(tmp_path / f"in{suffix}", text)
    assert load_input(path) == ({}, None)


# ----------------------------------------------------------------------------------------
# PyYAML's constructors


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("!!float abc", "ValueError"),
        ("!!int ten", "ValueError"),
        ("!!int ''", "IndexError"),
        ("!!float ''", "IndexError"),
        ("!!int 0x", "ValueError"),
        ("!!timestamp nope", "AttributeError"),
        ("!!timestamp 2001-13-45", "ValueError"),
        ("!!bool maybe", "KeyError"),
    ],
)
@pytest.mark.parametrize("where", ["learning_rate", "model"], ids=["read", "never_read"])
def test_every_pyyaml_constructor_error_is_a_config_error(tmp_path, capsys, value, error, where):
    path = write(tmp_path / "in.yaml", f"training: {{numb_steps: 10}}\n{where}:\n  x: {value}\n")
    if where == "model":
        write(path, path.read_text() + "learning_rate: {}\n")
    tag, _, text = value.partition(" ")
    shown = text.strip("'")
    expected = (
        f"invalid YAML at line 3, column 6: `{tag} {shown}` is not a valid {tag[2:]} ({error}: "
    )
    problem = only_problem(path)
    assert problem.startswith(expected), problem
    status, _, err = cli(capsys, "check", str(path))
    assert status == 2 and "Traceback" not in err
    assert err.splitlines()[0] == f"{path}: {problem}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("learning_rate: !!set {a: 1}\n", "invalid YAML"),
        ("learning_rate: {? [a]\n: 1}\n", "invalid YAML"),
        ("learning_rate: !!python/object:os.system {}\n", "invalid YAML"),
        ("learning_rate: {}\n---\nlearning_rate: {}\n", "invalid YAML"),
    ],
    ids=["set", "unhashable_key", "python_tag", "two_documents"],
)
def test_other_yaml_errors_remain_config_errors(tmp_path, text, expected):
    path = write(tmp_path / "in.yaml", text)
    if text.startswith("learning_rate: !!set"):
        # A set is a valid YAML value, just not a mapping.
        assert (
            only_problem(path) == "learning_rate: must be a mapping of keys to values; got a set."
        )
    else:
        assert only_problem(path).startswith(expected)


# ----------------------------------------------------------------------------------------
# Strings


@pytest.mark.parametrize(
    "text",
    [
        '{"learning_rate": {"\\ud800": 1, "start_lr": -1}}',
        '{"learning_rate": {"type": "\\udfff"}}',
        '{"learning_rate": {}, "model": ["\\ud83d"]}',
    ],
    ids=["key", "value", "never_read"],
)
def test_a_lone_surrogate_is_refused(tmp_path, capsys, text):
    # A key that is a lone surrogate hid every other problem behind an empty key path, and
    # could not be printed to a UTF-8 terminal.
    path = write(tmp_path / "in.json", text)
    expected = (
        "holds a string with a lone surrogate escape (\\ud800 to \\udfff), which is not valid "
        "Unicode."
    )
    assert only_problem(path) == expected
    status, _, err = cli(capsys, "check", str(path))
    assert status == 2 and "Traceback" not in err


def test_a_surrogate_pair_is_read(tmp_path):
    path = write(tmp_path / "in.json", '{"learning_rate": {"_note": "\\ud83d\\ude00"}}')
    assert load_input(path) == ({}, None)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = write(tmp_path / "in.json", b'{"learning_rate": {"type": "\xff"}}')
    assert only_problem(path) == "is not a UTF-8 text file (invalid start byte)."


# ----------------------------------------------------------------------------------------
# Many keys (the cap on the problems listed)


def test_200000_unknown_keys_are_reported_in_linear_work_and_bounded_output(tmp_path, capsys):
    section = {"type": "exp", "start_lr": 1e-3, **{f"key{i}": i for i in range(200_000)}}
    path = write(tmp_path / "in.json", json.dumps({"learning_rate": section}))
    cli(capsys, "check", str(path), "--num-steps", "100")  # the first call builds the models
    (status, _, err), calls, _ = work(lambda: cli(capsys, "check", str(path), "--num-steps", "100"))
    assert calls <= 10 * 200_000, calls  # a few calls per key: none compared with the others
    assert status == 2 and len(err) < 100_000  # the message is bounded
    assert "... and " in err


# ----------------------------------------------------------------------------------------
# demo -o


@pytest.mark.parametrize("name", ["exp.json", "wsd.png", "all.png"])
def test_demo_refuses_a_directory_in_its_way_and_writes_nothing(tmp_path, capsys, name):
    """A directory where a file goes: refused before anything is written (it used to leave
    the files written before the one that failed)."""
    (tmp_path / name).mkdir()
    status, _, err = cli(capsys, "demo", "-o", str(tmp_path))
    assert status == 2
    assert err == (
        f"{tmp_path / name}: is a directory or another non-file; demo writes a file there.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_demo_writes_all_or_nothing_when_a_write_fails(tmp_path, capsys, monkeypatch):
    """A failure while drawing (a full disk, say) leaves neither new files nor the temporary
    directory, keeps the files of an earlier demo, and removes the directories it created."""
    import matplotlib.figure

    out = tmp_path / "new" / "demo"
    assert cli(capsys, "demo", "-o", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(before) == 7
    calls = []

    def fail_third(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    real = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", fail_third)
    status, _, err = cli(capsys, "demo", "-o", str(out))
    assert status == 2
    assert err == f"{out / 'wsd.png'}: cannot be written: No space left on device.\n"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no .lrschedules-demo-*
    calls.clear()
    other = tmp_path / "other" / "deeper"
    assert cli(capsys, "demo", "-o", str(other))[0] == 2
    assert not (tmp_path / "other").exists()


def test_demo_reports_an_output_dir_that_is_a_file(tmp_path, capsys):
    target = write(tmp_path / "out", "")
    status, _, err = cli(capsys, "demo", "-o", str(target))
    assert status == 2
    assert err.startswith(f"{target}: cannot create the directory: ")


def test_a_control_character_in_yaml_is_a_config_error(tmp_path):
    # PyYAML's reader refuses it when the loader is created, before parsing (found by the fuzz).
    path = write(tmp_path / "in.yaml", "learning_rate: {type: exp\x01}\n")
    assert only_problem(path).startswith("invalid YAML: unacceptable character #x0001")


def test_demo_to_a_name_with_a_nul_character_is_refused(tmp_path, capsys, monkeypatch):
    """Removing the directories it created raised ValueError for such a name (found by the
    demo fuzz family): exit 2, a message, nothing written."""
    monkeypatch.chdir(tmp_path)
    status, _, err = cli(capsys, "demo", "-o", "new/a\0b")
    assert status == 2 and "cannot create the directory: embedded null byte." in err
    assert list(tmp_path.iterdir()) == []

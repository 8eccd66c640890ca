"""The command line on DeePMD-kit's legacy inputs: notes, --strict, stdin, show --json/--at."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from lrschedules_jax import cli
from lrschedules_jax.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def in_data(monkeypatch):
    monkeypatch.chdir(DATA)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_missing_stop_lr_is_a_note_and_exit_0(capsys):
    status, out, err = run(capsys, "check", "no_stop_lr.json")
    assert status == 0 and out == "no_stop_lr.json: OK (exp, 2,000 steps)\n"
    assert err.startswith("no_stop_lr.json: note: learning_rate.stop_lr: neither `stop_lr` nor")
    assert "5e-08" in err and '"stop_lr": 5e-08' in err


def test_strict_turns_every_note_into_a_problem(capsys):
    status, out, err = run(capsys, "check", "--strict", "no_stop_lr.json", "v0_input.json")
    assert status == 2 and out == ""
    assert "no_stop_lr.json: learning_rate.stop_lr:" in err and "strict" in err
    assert "v0_input.json: converted from the DeePMD-kit 0.x input format" in err
    assert err.endswith("2 of 2 files failed; 3 problems.\n")


def test_v0_input_notes_and_curve(capsys):
    status, out, err = run(capsys, "show", "v0_input.json", "--at", "0", "5000", "1000000")
    assert status == 0
    assert err.count("v0_input.json: note: ") == 2
    stop = 0.005 * 0.95**200
    assert f"stop_lr              {stop:.10g}" in out
    rates = [float(line.split()[-1]) for line in out.splitlines()[-3:]]
    np.testing.assert_allclose(rates, [0.005, 0.005 * 0.95, stop], rtol=2e-6)


def test_num_epoch_is_named_and_resolved(capsys):
    status, _, err = run(capsys, "check", "num_epoch.json")
    assert status == 2
    assert err.startswith("num_epoch.json: training.num_epoch: the input gives 2.5 epochs")
    assert "--steps-per-epoch N" in err
    status, out, _ = run(capsys, "check", "num_epoch.json", "--steps-per-epoch", "1001")
    assert status == 0 and out == "num_epoch.json: OK (cosine, 2,503 steps)\n"
    status, out, _ = run(capsys, "check", "num_epoch.json", "--num-steps", "10")
    assert status == 0 and out == "num_epoch.json: OK (cosine, 10 steps)\n"


def test_stdin(capsys, monkeypatch):
    text = (DATA / "water_se_e2_a.json").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status, out, _ = run(capsys, "check", "-")
    assert status == 0 and out == "<stdin>: OK (exp, 1,000,000 steps)\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("learning_rate: {start_lr: 0.001\n"))
    status, _, err = run(capsys, "check", "-")
    assert status == 2 and err.startswith("<stdin>: invalid JSON or YAML at line")


def test_stdin_is_bounded(capsys, monkeypatch):
    monkeypatch.setattr(cli, "STDIN_MAX_CHARS", 100)
    monkeypatch.setattr("sys.stdin", io.StringIO("#" * 101))
    status, _, err = run(capsys, "show", "-")
    assert (
        status == 2 and err == "<stdin>: is longer than 100 characters; not a DeePMD-kit input.\n"
    )


def test_show_json_is_machine_readable(capsys):
    status, out, err = run(
        capsys, "show", "num_epoch.json", "--steps-per-epoch", "1001", "--json", "--at", "0", "2503"
    )
    assert status == 0 and err == ""
    doc = json.loads(out)
    assert doc["type"] == "cosine" and doc["num_steps"] == 2503
    assert doc["parameters"]["warmup_steps"] == int(0.05 * 2503)
    assert doc["parameters"]["stop_lr"] == pytest.approx(1e-6)
    assert [r["step"] for r in doc["rates"]] == [0, 2503]
    assert doc["rates"][0]["learning_rate"] == 0.0
    assert doc["rates"][1]["learning_rate"] == pytest.approx(1e-6, rel=2e-6)
    status, out, _ = run(capsys, "show", "water_se_e2_a.json", "--json")
    rows = json.loads(out)["rates"]
    assert rows[0]["milestone"] == "start" and rows[-1]["milestone"] == "end"


def test_show_at_any_steps_against_float64(capsys):
    steps = [0, 1, 2, 3, 399_999, 400_000]
    status, out, _ = run(capsys, "show", "water_wsd.yaml", "--at", *map(str, steps))
    assert status == 0
    table = out.splitlines()[-len(steps) :]
    got = [float(line.split()[-1]) for line in table]
    assert [int(line.split()[1].replace(",", "")) for line in table] == steps
    doc = json.loads(main_json(capsys, "water_wsd.yaml"))
    p, n = doc["parameters"], doc["num_steps"]
    s0, e, w = p["start_lr"], p["stop_lr"], p["warmup_steps"]
    d = max(1, min(int(p["decay_phase_ratio"] * n), n - w))

    assert p["decay_type"] == "cosine"

    def wsd(t):  # DeePMD-kit's warmup-stable-decay with a cosine decay
        if t < w:
            return p["warmup_start_factor"] * s0 + (s0 - p["warmup_start_factor"] * s0) * t / w
        tau = min(max((t - w - (n - w - d)) / d, 0.0), 1.0)
        return s0 if t - w < n - w - d else e + (s0 - e) * 0.5 * (1 + math.cos(math.pi * tau))

    np.testing.assert_allclose(got, [float(f"{wsd(t):.6e}") for t in steps], rtol=1e-6)


def main_json(capsys, name: str) -> str:
    assert main(["show", name, "--json"]) == 0
    return capsys.readouterr().out


def test_show_says_one_step_and_zero_steps(capsys, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(
        json.dumps({"learning_rate": {"type": "cosine", "start_lr": 1.0, "stop_lr": 0.5}})
    )
    status, out, _ = run(capsys, "show", str(path), "--num-steps", "1")
    assert status == 0 and "`cosine`, 1 step (--num-steps)" in out
    status, out, _ = run(capsys, "show", "zero_steps.json")
    assert status == 0 and "0 steps (training.numb_steps)" in out


def test_missing_training_section_is_named(capsys, tmp_path):
    path = tmp_path / "no_training.json"
    path.write_text(json.dumps({"model": {}, "learning_rate": {"start_lr": 1e-3, "stop_lr": 0}}))
    status, _, err = run(capsys, "check", str(path))
    assert status == 2
    assert f"{path}: training: is missing, so the input has no training.numb_steps" in err


def test_show_help_has_no_literal_percent_signs(capsys):
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["show", "--help"])
    out = capsys.readouterr().out
    assert "%%" not in out and "10/25/50/75/90 %" in out
    assert "--steps-per-epoch" in out and "--strict" in out and "--json" in out


def test_at_rejects_too_many_steps(capsys, monkeypatch):
    monkeypatch.setattr(cli, "MAX_AT_STEPS", 2)
    status, _, err = run(capsys, "show", "water_se_e2_a.json", "--at", "1", "2", "3")
    assert status == 2 and err == "--at: at most 2 steps; got 3.\n"

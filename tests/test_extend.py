"""Your own types: ``lrs.register_type`` and the entry point group.

A user type (an inverse power decay, written here on the shared warmup) gets JSON validation with key paths, the
JSON Schema, ``to_config()``, a builder, ``sequence``/``product`` parts, jit and vmap, and the
command line through the ``lrschedules_jax.types`` entry points. Values against a float64
evaluation of the formula.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError, extend, make_schedule
from lrschedules_jax.config import config_types

ROOT = Path(__file__).resolve().parent.parent

TYPE_SOURCE = """
import jax.numpy as jnp

import lrschedules_jax as lrs
from lrschedules_jax import extend


class InversePower(extend.WarmupSchedule):
    \"\"\"``start_lr * (1 + t / decay_steps) ** -power`` after the shared warmup.\"\"\"

    power: float = extend.leaf(0.5, gt=0, description="How fast the rate falls.")
    decay_steps: int = extend.static(
        1000, ge=1, sweep=True, description="Steps per unit of decay."
    )

    @classmethod
    def rules(cls, v, num_steps):
        yield from super().rules(v, num_steps)
        if num_steps is not None and v.get("decay_steps", 0) > max(num_steps, 1):
            yield "decay_steps", f"must be at most `num_steps` ({num_steps})"

    def _decay(self, t, dtype):
        x = t.astype(dtype) / extend.as_float(self.decay_steps, dtype)
        s0, p = extend.as_float(self.start_lr, dtype), extend.as_float(self.power, dtype)
        return s0 * (1 + x) ** -p


inverse_power = lrs.register_type(InversePower, "inverse_power")
"""


@pytest.fixture
def inverse_power():
    namespace: dict = {"__name__": "user_types"}
    exec(compile(TYPE_SOURCE, "user_types.py", "exec"), namespace)
    try:
        yield namespace
    finally:
        extend.unregister_type("inverse_power")
    assert "inverse_power" not in config_types()


def ref(start_lr, power, steps_per, steps):
    return start_lr * (1 + np.asarray(steps, np.float64) / steps_per) ** -power


def test_values_config_schema_builder(inverse_power):
    config = {"type": "inverse_power", "start_lr": 1e-3, "power": 2.0, "decay_steps": 70}
    s = make_schedule(config, 1000)
    steps = np.array([0, 1, 69, 70, 500, 999, 1000, 2**31 - 1])
    np.testing.assert_allclose(np.asarray(s(steps), np.float64), ref(1e-3, 2.0, 70, steps),
                               rtol=2e-6)  # fmt: skip
    assert s.type_name == "inverse_power" and s.power == 2.0
    assert lrs.from_config(s.to_config(), 1000) == s
    assert inverse_power["inverse_power"](start_lr=1e-3, power=2.0, decay_steps=70,
                                          num_steps=1000) == s  # fmt: skip
    schema = json.dumps(lrs.json_schema())
    assert '"inverse_power"' in schema and "Steps per unit of decay." in schema
    # the rate is scaled by the workers as every type's
    four = make_schedule(config, 1000, num_workers=4)
    assert float(four(70)) == pytest.approx(4 * float(s(70)), rel=1e-6)
    # a pytree: jit with the schedule as an argument, vmap over stacked rates
    assert float(jax.jit(lambda sch, t: sch(t))(s, 70)) == float(s(70))
    stacked = jax.tree.map(lambda *x: jnp.stack(x), s, s.replace(start_lr=2e-3))
    both = jax.vmap(lambda sch: sch(70))(stacked)
    np.testing.assert_allclose(np.asarray(both), ref(np.array([1e-3, 2e-3]), 2.0, 70, 70),
                               rtol=2e-6)  # fmt: skip
    sweep = lrs.stack([s, s.replace(decay_steps=35, power=1.0)])  # counts too: one compile
    np.testing.assert_allclose(np.asarray(sweep(jnp.asarray([70]))[:, 0], np.float64),
                               [ref(1e-3, 2.0, 70, 70), ref(1e-3, 1.0, 35, 70)], rtol=2e-6)  # fmt: skip


def test_the_shared_warmup_is_the_builtin_one(inverse_power):
    """A user type declared on WarmupSchedule has every warmup key, and the same warmup as
    a built-in type: against ``constant`` with the same warmup, bit for bit, before the decay."""
    warm = {"start_lr": 1e-3, "warmup_ratio": 0.25, "warmup_start_factor": 0.1,
            "warmup_type": "cosine", "scale_by_worker": "none"}  # fmt: skip
    mine = make_schedule({"type": "inverse_power", **warm, "decay_steps": 100}, 1000)
    builtin = make_schedule({"type": "constant", **warm}, 1000)
    assert mine.warmup_steps == builtin.warmup_steps == 250
    steps = np.arange(0, 251)
    np.testing.assert_array_equal(np.asarray(mine(steps)), np.asarray(builtin(steps)))
    assert mine.to_config()["warmup_type"] == "cosine" and "warmup_ratio" not in mine.to_config()
    with pytest.raises(ConfigError, match=r"learning_rate\.warmup_steps: must be smaller"):
        make_schedule({"type": "inverse_power", "start_lr": 1.0, "warmup_steps": 2000}, 1000)
    scaled = make_schedule({"type": "inverse_power", "start_lr": 1.0, "warmup_steps": 10,
                            "batch_scaling": {"batch_size": 512, "reference_batch_size": 256,
                                              "scale_warmup": True}}, 1000)  # fmt: skip
    assert scaled.warmup_steps == 20 and float(scaled(20)) == pytest.approx(2.0, rel=1e-6)


def test_errors_with_key_paths(inverse_power):
    with pytest.raises(ConfigError) as info:
        make_schedule({"type": "inverse_power", "start_lr": -1.0, "decay_steps": 5000,
                       "warmup_steps": 10, "powr": 1.0}, 1000)  # fmt: skip
    text = str(info.value)
    assert "learning_rate.start_lr: must be > 0; got -1.0." in text
    assert (
        "learning_rate.powr: `powr` is not a key of type `inverse_power`; did you "
        "mean `power`?" in text
    )
    with pytest.raises(ConfigError, match=r"learning_rate\.decay_steps: must be at most"):
        make_schedule({"type": "inverse_power", "start_lr": 1.0, "decay_steps": 5000}, 1000)
    with pytest.raises(ConfigError, match=r"InversePower\.decay_steps: must be at most"):
        inverse_power["InversePower"](start_lr=1.0, decay_steps=5000, num_steps=1000)
    # as a phase of a sequence, with the phase's path
    with pytest.raises(ConfigError, match=r"learning_rate\.phases\[1\]\.decay_steps: must be at"):
        make_schedule({"type": "sequence", "phases": [
            {"steps": 10, "type": "constant", "start_lr": 1e-3},
            {"type": "inverse_power", "start_lr": 1e-3, "decay_steps": 500}]}, 100)  # fmt: skip


def test_in_a_sequence_and_a_product(inverse_power):
    config = {"type": "product", "factors": [0.5, {"type": "sequence", "phases": [
        {"steps": 100, "type": "constant", "start_lr": 1e-3, "warmup_steps": 50},
        {"type": "inverse_power", "start_lr": 1e-3, "decay_steps": 100}]}]}  # fmt: skip
    s = make_schedule(config, 1000)
    steps = np.arange(0, 1200, 7)
    want = 0.5 * np.where(steps < 50, 1e-3 * steps / 50, 1e-3)
    want = np.where(steps >= 100, 0.5 * ref(1e-3, 0.5, 100, np.clip(steps - 100, 0, None)), want)
    np.testing.assert_allclose(np.asarray(s(steps), np.float64), want, rtol=2e-6, atol=1e-30)
    assert make_schedule(s.to_config(), 1000) == s


def test_registration_rules(inverse_power):
    cls = inverse_power["InversePower"]
    with pytest.raises(ConfigError, match="built-in"):

        class Bad(cls):
            pass

        lrs.register_type(Bad, "cosine")
    with pytest.raises(ConfigError, match="built-in"):
        extend.unregister_type("exp")
    with pytest.raises(ConfigError, match="no type is registered"):
        extend.unregister_type("x" * 10**6)
    with pytest.raises(TypeError, match="subclass"):
        lrs.register_type(dict, "mine")
    # a class is one type: a built-in is not renamed by registering it again
    with pytest.raises(ConfigError, match="registered as the type `constant` already"):
        lrs.register_type(lrs.Constant, "my_constant")
    assert lrs.constant(start_lr=1.0, num_steps=10).to_config()["type"] == "constant"
    # registering a name again replaces it (a notebook cell run twice)
    again = lrs.register_type(cls, "inverse_power")
    assert again(start_lr=1.0, num_steps=1000).type_name == "inverse_power"


def test_command_line_reads_an_entry_point_type(tmp_path):
    (tmp_path / "user_types.py").write_text(textwrap.dedent(TYPE_SOURCE))
    dist = tmp_path / "user_types-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: user-types\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[lrschedules_jax.types]\ninverse_power = user_types\n")
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"learning_rate": {"type": "inverse_power", "start_lr": 1e-3,
                                                  "decay_steps": 100, "power": 1.0},
                                "training": {"numb_steps": 1000}}))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-m", "lrschedules_jax", "show", "--extensions", str(path), "--at", "200"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "inverse_power" in out.stdout and "3.33333" in out.stdout  # 1e-3 / (1 + 200 / 100)

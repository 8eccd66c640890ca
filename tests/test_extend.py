"""Your own types (issue 13, item 3): ``lrs.register_type`` and the entry point group.

A user type (Keras' InverseTimeDecay, written here) gets JSON validation with key paths, the
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
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from pydantic import Field

import lrschedules_jax as lrs
from lrschedules_jax import ConfigError, extend, make_schedule
from lrschedules_jax.config import config_types

ROOT = Path(__file__).resolve().parent.parent

TYPE_SOURCE = """
from typing import Literal

import jax.numpy as jnp
from pydantic import Field

import lrschedules_jax as lrs
from lrschedules_jax import extend


class InverseTime(extend.Schedule):
    start_lr: float
    decay_rate: float
    decay_steps: int = extend.static(ge=1)

    def _value(self, step, dtype):
        t = step.astype(dtype) / jnp.asarray(self.decay_steps, dtype)
        return self.start_lr / (1 + self.decay_rate * t)


class InverseTimeConfig(extend.WarmupKeys):
    type: Literal["inverse_time"] = Field(description="The schedule type.")
    decay_rate: float = Field(0.5, ge=0, description="How fast the rate falls.")
    decay_steps: int = Field(1000, ge=1, description="Steps per unit of decay.")

    @classmethod
    def _rules(cls, v, num_steps):
        yield from super()._rules(v, num_steps)
        if num_steps is not None and v.get("decay_steps", 0) > max(num_steps, 1):
            yield "decay_steps", f"must be at most `num_steps` ({num_steps})"

    def build(self, num_steps, num_workers=1):
        return InverseTime(start_lr=self.start_lr, decay_rate=self.decay_rate,
                           decay_steps=self.decay_steps, num_steps=num_steps,
                           scale_by_worker=self.scale_by_worker, num_workers=num_workers)


inverse_time = lrs.register_type(InverseTimeConfig, InverseTime)
"""


@pytest.fixture
def inverse_time():
    namespace: dict = {"__name__": "user_types"}
    exec(compile(TYPE_SOURCE, "user_types.py", "exec"), namespace)
    try:
        yield namespace
    finally:
        extend.unregister_type("inverse_time")
    assert "inverse_time" not in config_types()


def ref(start_lr, rate, steps_per, steps):
    return start_lr / (1 + rate * np.asarray(steps, np.float64) / steps_per)


def test_values_config_schema_builder(inverse_time):
    config = {"type": "inverse_time", "start_lr": 1e-3, "decay_rate": 2.0, "decay_steps": 70}
    s = make_schedule(config, 1000)
    steps = np.array([0, 1, 69, 70, 500, 999, 1000, 2**31 - 1])
    np.testing.assert_allclose(np.asarray(s(steps), np.float64), ref(1e-3, 2.0, 70, steps),
                               rtol=2e-6)  # fmt: skip
    assert s.type_name == "inverse_time"
    assert make_schedule(s.to_config(), 1000) == s
    assert inverse_time["inverse_time"](start_lr=1e-3, decay_rate=2.0, decay_steps=70,
                                        num_steps=1000) == s  # fmt: skip
    schema = json.dumps(lrs.json_schema())
    assert '"inverse_time"' in schema and "Steps per unit of decay." in schema
    # the rate is scaled by the workers as every type's
    four = make_schedule(config, 1000, num_workers=4)
    assert float(four(70)) == pytest.approx(4 * float(s(70)), rel=1e-6)
    # a pytree: jit with the schedule as an argument, vmap over stacked rates
    assert float(jax.jit(lambda sch, t: sch(t))(s, 70)) == float(s(70))
    stacked = jax.tree.map(lambda *x: jnp.stack(x), s, s.replace(start_lr=2e-3))
    both = jax.vmap(lambda sch: sch(70))(stacked)
    np.testing.assert_allclose(np.asarray(both), ref(np.array([1e-3, 2e-3]), 2.0, 70, 70),
                               rtol=2e-6)  # fmt: skip


def test_errors_with_key_paths(inverse_time):
    with pytest.raises(ConfigError) as info:
        make_schedule({"type": "inverse_time", "start_lr": -1.0, "decay_steps": 5000,
                       "warmup_steps": 10, "decay_rat": 1.0}, 1000)  # fmt: skip
    text = str(info.value)
    assert "learning_rate.start_lr: must be > 0; got -1.0." in text
    assert "learning_rate.decay_steps: must be at most `num_steps` (1000)." in text
    assert (
        "learning_rate.decay_rat: `decay_rat` is not a key of type `inverse_time`; did you "
        "mean `decay_rate`?" in text
    )
    # as a phase of a sequence, with the phase's path
    with pytest.raises(ConfigError, match=r"learning_rate\.phases\[1\]\.decay_steps: must be at"):
        make_schedule({"type": "sequence", "phases": [
            {"steps": 10, "type": "constant", "start_lr": 1e-3},
            {"type": "inverse_time", "start_lr": 1e-3, "decay_steps": 500}]}, 100)  # fmt: skip


def test_in_a_sequence_and_a_product(inverse_time):
    config = {"type": "product", "factors": [0.5, {"type": "sequence", "phases": [
        {"steps": 100, "type": "constant", "start_lr": 1e-3, "warmup_steps": 50},
        {"type": "inverse_time", "start_lr": 1e-3, "decay_steps": 100}]}]}  # fmt: skip
    s = make_schedule(config, 1000)
    steps = np.arange(0, 1200, 7)
    want = 0.5 * np.where(steps < 50, 1e-3 * steps / 50, 1e-3)
    want = np.where(steps >= 100, 0.5 * ref(1e-3, 0.5, 100, np.clip(steps - 100, 0, None)), want)
    np.testing.assert_allclose(np.asarray(s(steps), np.float64), want, rtol=2e-6, atol=1e-30)
    assert make_schedule(s.to_config(), 1000) == s


def test_registration_rules(inverse_time):
    with pytest.raises(ValueError, match="built-in"):

        class Bad(extend.Model):
            type: Literal["cosine"] = Field(description="x")

        lrs.register_type(Bad, inverse_time["InverseTime"])
    with pytest.raises(ValueError, match="built-in"):
        extend.unregister_type("exp")
    with pytest.raises(TypeError, match="subclass"):
        lrs.register_type(dict, inverse_time["InverseTime"])
    # registering a name again replaces it (a notebook cell run twice)
    again = lrs.register_type(inverse_time["InverseTimeConfig"], inverse_time["InverseTime"])
    assert again(start_lr=1.0, num_steps=1000).type_name == "inverse_time"


def test_command_line_reads_an_entry_point_type(tmp_path):
    (tmp_path / "user_types.py").write_text(textwrap.dedent(TYPE_SOURCE))
    dist = tmp_path / "user_types-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: user-types\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[lrschedules_jax.types]\ninverse_time = user_types\n")
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"learning_rate": {"type": "inverse_time", "start_lr": 1e-3,
                                                  "decay_steps": 100},
                                "training": {"numb_steps": 1000}}))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-m", "lrschedules_jax", "show", "--extensions", str(path), "--at", "200"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "inverse_time" in out.stdout and "5.000000e-04" in out.stdout

"""Tests that read internals of the package (kept here while the package is restructured).

Every value, pytree and round-trip test of the classic types moved to test_values.py and
test_pytree.py, which read the case table in cases.py.
"""

from __future__ import annotations

import inspect

import pytest
from cases import TYPES
from pydantic_core import PydanticUndefined

import lrschedules_jax as lrs
from lrschedules_jax.config import config_types

ALL_BUILDERS = list(TYPES)  # every type of the case table has a builder


@pytest.mark.parametrize("name", ALL_BUILDERS)
def test_builder_keys_and_defaults_equal_the_model(name):
    params = dict(inspect.signature(getattr(lrs, name)).parameters)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert params.pop("num_steps").default is inspect.Parameter.empty
    assert params.pop("num_workers").default == 1
    model = config_types()[name]
    hidden = set(getattr(model, "hidden_keys", ()))
    fields = {k: f for k, f in model.model_fields.items() if k != "type" and k not in hidden}
    assert set(params) == set(fields)
    for key, field in fields.items():
        default = params[key].default
        if field.default is PydanticUndefined:
            assert default is inspect.Parameter.empty, key
        else:
            assert default == field.default and type(default) is type(field.default), key

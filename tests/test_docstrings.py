"""Every public docstring passes numpydoc validation, with the docs' rules."""

import importlib.util
import inspect
from pathlib import Path

import pytest
from numpydoc.validate import validate

import skreg
import skreg.penalties

_conf = importlib.util.spec_from_file_location(
    "docs_conf", Path(__file__).parents[1] / "docs" / "conf.py"
)
_module = importlib.util.module_from_spec(_conf)
_conf.loader.exec_module(_module)
EXCLUDED = _module.NUMPYDOC_EXCLUDED


def _public_objects():
    for module in (skreg, skreg.penalties):
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            path = f"{module.__name__}.{name}"
            yield path
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if callable(member) or isinstance(member, property):
                    yield f"{path}.{attr}"
    # Public methods defined on the shared base class.
    for attr in ("fit", "sparsity_", "layer_sparsity_", "n_nonzero_weights_"):
        yield f"skreg.MLPRegularizedClassifier.{attr}"


@pytest.mark.parametrize("name", sorted(set(_public_objects())))
def test_docstring_is_valid_numpydoc(name):
    errors = [
        f"{code}: {message}"
        for code, message in validate(name)["errors"]
        if code not in EXCLUDED
    ]
    assert not errors, "\n".join(errors)

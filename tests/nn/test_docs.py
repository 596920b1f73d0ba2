"""docs/nn.md: its Python examples run as written."""
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "nn.md"


def test_examples_in_nn_doc_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    assert "'conv.weight', 'conv.bias', 'fc.weight', 'fc.bias'" in capsys.readouterr().out


# the files of issue 12's layers, functions and module API: each public name there shows a
# runnable example (pytest runs them with --doctest-modules)
DOCUMENTED = ("activation", "activation_functions", "conv", "container", "distance", "hooks", "linear", "more_losses",
              "norm", "pool_functions", "pooling", "resample", "upsampling",
              "utils.convert_parameters")


def test_every_new_layer_and_function_has_an_example():
    """Every name of those files that PyTorch has too (torch.nn, its functional, init, utils)."""
    import inspect

    import chainrule as cr
    torch = pytest.importorskip("torch")
    spaces = ((cr.nn, torch.nn), (cr.nn.functional, torch.nn.functional),
              (cr.nn.init, torch.nn.init), (cr.nn.utils, torch.nn.utils))
    names = [(name, obj) for space, theirs in spaces for name, obj in vars(space).items()
             if hasattr(theirs, name) and (inspect.isclass(obj) or inspect.isfunction(obj))
             and obj.__module__.removeprefix("chainrule.nn.") in DOCUMENTED]
    assert len(names) > 100
    missing = sorted({name for name, obj in names if ">>>" not in (obj.__doc__ or "")})
    assert not missing, f"no docstring example: {missing}"

"""cr.onnx.export's arguments and guarantees, as torch.onnx.export's: names, dynamic axes,
opsets, paths and file objects, eval mode, constant folding, PyTorch's other options
(refusals: test_onnx_refusals.py)."""
import io
import os
import warnings

import numpy as np
import onnx
import pytest

import chainrule as cr
from chainrule.onnx import ExportError
from onnx_helpers import (TOLERANCE, export_bytes, graph_of, largest_difference, session,
                          symbolic_dims)

nn = cr.nn
F = nn.functional


def mlp():
    cr.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)).eval()


class Two(nn.Module):
    """Two tensor inputs, a number between them, and two outputs."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, features, scale, extra):
        y = self.fc(features) * scale
        return y, y.sum(-1) + extra.mean(-1)


def test_names_given_and_default():
    data = export_bytes(Two().eval(), (cr.randn(2, 3), 2.0, cr.randn(2, 5)),
                        input_names=["a"], output_names=["scores"])
    graph = graph_of(data)
    assert [i.name for i in graph.input] == ["a", "extra"]        # forward's name for the rest
    assert [o.name for o in graph.output] == ["scores", "output_1"]
    data = export_bytes(mlp(), cr.randn(2, 4))
    assert [i.name for i in graph_of(data).input] == ["input"]
    assert [o.name for o in graph_of(data).output] == ["output"]


def test_dynamic_axes_as_list_and_as_names():
    model = Two().eval()
    data = export_bytes(model, (cr.randn(2, 3), 2.0, cr.randn(2, 5)),
                        dynamic_axes={"features": [0], "extra": {0: "batch", 1: "width"},
                                      "output_1": {0: "batch"}})
    graph = graph_of(data)
    assert symbolic_dims(graph.input[0]) == ["features_dynamic_axes_1", 3]
    assert symbolic_dims(graph.input[1]) == ["batch", "width"]
    assert symbolic_dims(graph.output[0])[1] == 2 and isinstance(
        symbolic_dims(graph.output[0])[0], str)                  # follows the dynamic axis
    assert symbolic_dims(graph.output[1]) == ["batch"]
    runtime = session(data)
    a, e = np.ones((6, 3), np.float32), np.ones((6, 9), np.float32)
    y, total = runtime.run(None, {"features": a, "extra": e})
    want = model(cr.tensor(a), 2.0, cr.tensor(e))
    np.testing.assert_allclose(y, want[0]._data, atol=1e-6)
    np.testing.assert_allclose(total, want[1]._data, atol=1e-6)


def test_without_dynamic_axes_the_shapes_are_fixed():
    graph = graph_of(export_bytes(mlp(), cr.randn(2, 4)))
    assert symbolic_dims(graph.input[0]) == [2, 4]
    assert symbolic_dims(graph.output[0]) == [2, 3]


def test_negative_and_missing_dynamic_axes():
    data = export_bytes(mlp(), cr.randn(2, 4), dynamic_axes={"input": [-2], "output": {-2: "n"}})
    assert symbolic_dims(graph_of(data).input[0])[0] == "input_dynamic_axes_1"
    assert symbolic_dims(graph_of(data).output[0]) == ["n", 3]
    with pytest.raises(ValueError, match=r"axis 2 of 'input', which has shape \(2, 4\)"):
        cr.onnx.export(mlp(), cr.randn(2, 4), io.BytesIO(), dynamic_axes={"input": [2]})
    with pytest.raises(ValueError, match=r"axis -3 of 'output', which has shape \(2, 3\)"):
        cr.onnx.export(mlp(), cr.randn(2, 4), io.BytesIO(), dynamic_axes={"output": [-3]})


def test_unknown_dynamic_axes_name_and_too_many_names():
    with pytest.raises(ValueError, match=r"dynamic_axes names \['x'\]"):
        cr.onnx.export(mlp(), cr.randn(2, 4), io.BytesIO(), dynamic_axes={"x": [0]})
    with pytest.raises(ValueError, match="2 input names"):
        cr.onnx.export(mlp(), cr.randn(2, 4), io.BytesIO(), input_names=["a", "b"])


def test_tensors_inside_a_list_argument_are_refused():
    class Pair(nn.Module):
        def forward(self, input, state):
            return input + state[0]
    with pytest.raises(ValueError, match="argument 1 is a list holding tensors"):
        cr.onnx.export(Pair(), (cr.randn(2), [cr.randn(2)]), io.BytesIO())


def test_parameters_are_initializers_named_by_module_path():
    model = mlp()
    graph = graph_of(export_bytes(model, cr.randn(2, 4)))
    names = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    for path, p in model.named_parameters():
        np.testing.assert_array_equal(names[path], p.detach().numpy())
    assert [n.op_type for n in graph.node] == ["Gemm", "Relu", "Gemm"]   # Dropout: eval
    assert graph.node[0].name.startswith("/0/")


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_opsets(opset):
    model = nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.LayerNorm(6)).eval()
    data = export_bytes(model, cr.randn(2, 4), opset_version=opset, dynamic_axes={"input": [0]})
    assert onnx.load_from_string(data).opset_import[0].version == opset
    assert largest_difference(model, data, [np.ones((3, 4), np.float32)]) <= TOLERANCE


def test_the_same_model_gives_the_same_file():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2)).eval()
    x = cr.randn(1, 1, 4, 4)
    first = export_bytes(model, x, dynamic_axes={"input": [0]})
    assert export_bytes(model, x, dynamic_axes={"input": [0]}) == first


def test_default_opset_is_18_and_old_ones_are_refused():
    data = export_bytes(mlp(), cr.randn(1, 4))
    assert onnx.load_from_string(data).opset_import[0].version == 18
    with pytest.raises(ValueError, match="opset_version 13"):
        cr.onnx.export(mlp(), cr.randn(1, 4), io.BytesIO(), opset_version=13)


def test_path_is_written_atomically(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    cr.onnx.export(mlp(), cr.randn(2, 4), str(path))
    onnx.checker.check_model(str(path))
    assert os.listdir(tmp_path) == ["model.onnx"]              # no temporary file left
    cr.onnx.export(mlp(), cr.randn(2, 4), path)                # a PathLike too


class Detached(nn.Module):
    def forward(self, input):
        return (input * 2).detach()   # made outside the graph: refused


def test_failed_export_leaves_the_old_file(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    with pytest.raises(ExportError):
        cr.onnx.export(Detached().eval(), cr.randn(2, 4), path)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["model.onnx"]


def test_file_object_and_text_file(tmp_path):
    with open(tmp_path / "m.onnx", "wb") as f:
        cr.onnx.export(mlp(), cr.randn(2, 4), f)
    onnx.checker.check_model(str(tmp_path / "m.onnx"))
    with open(tmp_path / "t.onnx", "w") as f, pytest.raises(TypeError, match="binary"):
        cr.onnx.export(mlp(), cr.randn(2, 4), f)


def test_training_mode_exports_eval_behaviour_and_says_so():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
    model(cr.randn(16, 4) * 3 + 1)                             # running statistics move
    running = model[1].running_mean.numpy().copy()
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="training mode.*eval mode"):
        cr.onnx.export(model, cr.randn(5, 4), buffer, dynamic_axes={"input": [0]})
    assert model.training and model[1].training                # the mode is restored
    np.testing.assert_array_equal(model[1].running_mean.numpy(), running)
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    assert largest_difference(model, buffer.getvalue(),
                              [np.random.default_rng(1).standard_normal((7, 4), np.float32)]) \
        <= TOLERANCE


def test_each_module_gets_its_own_mode_back():
    model = mlp().train()
    model[2].eval()                                            # a frozen dropout, say
    with pytest.warns(UserWarning, match="training mode"):
        cr.onnx.export(model, cr.randn(2, 4), io.BytesIO())
    assert [m.training for m in model.modules()] == [True, True, True, False, True]
    model.eval()[1].train()                                    # one submodule training
    with pytest.warns(UserWarning, match="training mode"):
        cr.onnx.export(model, cr.randn(2, 4), io.BytesIO())
    assert [m.training for m in model.modules()] == [False, False, True, False, False]


def test_constant_folding_off_keeps_parameter_gates():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)).eval()
    folded = graph_of(export_bytes(model, cr.randn(1, 2, 5, 5)))
    unfolded_data = export_bytes(model, cr.randn(1, 2, 5, 5), do_constant_folding=False)
    unfolded = graph_of(unfolded_data)
    assert "1.weight" in {i.name for i in unfolded.initializer}
    assert "1.weight" not in {i.name for i in folded.initializer}   # folded with its reshape
    assert "1.running_mean_view" in {i.name for i in folded.initializer}   # a buffer, reshaped
    assert len(unfolded.node) > len(folded.node)
    assert largest_difference(model, unfolded_data,
                              [np.ones((1, 2, 5, 5), np.float32)]) <= TOLERANCE


def test_import_chainrule_does_not_import_onnx():
    import subprocess
    import sys
    code = "import sys, chainrule; print('onnx' in sys.modules, 'chainrule.onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_export_leaves_no_warning_for_an_eval_model():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.onnx.export(nn.Sequential(nn.Linear(2, 2), nn.Tanh()).eval(),
                       cr.tensor([[1e30, -1e30], [0.0, 1.0]]), io.BytesIO(),
                       dynamic_axes={"input": [0]})   # the check run overflows: no warning


class Passing(nn.Module):
    """Outputs that are no gate's: the input itself, a parameter, one value twice."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(cr.randn(3))
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        y = self.fc(x)
        return x, self.w, y, y


def test_outputs_that_are_inputs_parameters_or_repeated():
    model = Passing().eval()
    data = export_bytes(model, cr.randn(2, 3), dynamic_axes={"x": [0]})
    assert [o.name for o in graph_of(data).output] == [f"output_{k}" for k in range(4)]
    assert largest_difference(model, data, [np.ones((4, 3), np.float32)]) == 0


class Heads(nn.Module):
    def forward(self, input):
        return {"scores": input * 2, "extras": [input.sum(-1), (input.exp(),)]}


def test_dict_and_nested_outputs_are_flattened_in_order():
    data = export_bytes(Heads().eval(), cr.randn(2, 3), output_names=["scores"])
    assert [o.name for o in graph_of(data).output] == ["scores", "output_1", "output_2"]
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    got = session(data).run(None, {"input": x})
    np.testing.assert_allclose(got[2], np.exp(x), rtol=1e-6)
    with pytest.raises(TypeError, match="the model returned str"):
        class Text(nn.Module):
            def forward(self, input):
                return "no"
        cr.onnx.export(Text().eval(), cr.randn(2), io.BytesIO())


def test_float64_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double().eval()
    data = export_bytes(model, cr.randn(2, 3, dtype=cr.float64), dynamic_axes={"input": [0]})
    assert largest_difference(model, data, [np.linspace(-1, 1, 15).reshape(5, 3)]) <= 1e-12


class Tied(nn.Module):
    """A language-model head that reuses the embedding matrix, and a frozen bias."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(7, 4)
        self.bias = nn.Parameter(cr.randn(7), requires_grad=False)

    def forward(self, input):
        return self.embedding(input) @ self.embedding.weight.t() + self.bias


def test_tied_and_frozen_parameters():
    cr.manual_seed(0)
    model = Tied().eval()
    data = export_bytes(model, cr.tensor([[1, 2, 3]]), dynamic_axes={"input": [0, 1]})
    graph = graph_of(data)
    names = [i.name for i in graph.initializer]
    assert names.count("embedding.weight") == 1 and "bias" in names
    assert "embedding.weight_permute" in names       # weight.t(): folded into one initializer
    assert largest_difference(model, data, [np.array([[0, 6], [5, 5]])]) <= TOLERANCE
    unfolded = graph_of(export_bytes(model, cr.tensor([[1, 2, 3]]), do_constant_folding=False))
    assert "Transpose" in {n.op_type for n in unfolded.node}
    assert "embedding.weight_permute" not in {i.name for i in unfolded.initializer}


def test_without_the_onnx_package_the_error_names_the_extra():
    import subprocess
    import sys
    code = ("import sys; sys.modules['onnx'] = None\n"   # as if onnx were not installed
            "import chainrule as cr\n"
            "try:\n    cr.onnx\nexcept ModuleNotFoundError as e:\n    print(e)\n"
            "from chainrule.cli import main\n"
            "print(main(['export', 'nowhere', '--onnx', 'x.onnx']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "chainrule.onnx needs the onnx package: pip install 'chainrule[onnx]'" in out.stdout
    assert out.stdout.strip().endswith("2")   # a usage error, no traceback
    assert "exporting needs the onnx package: pip install 'chainrule[onnx]'" in out.stderr


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, input, scale=1.0):
        return self.fc(input) * scale


def test_pytorch_tutorial_call_runs_unchanged(tmp_path, capsys):
    """torch.onnx.export's classic arguments, and its newer ones that change nothing here."""
    model = Scaled().eval()
    path = tmp_path / "m.onnx"
    assert cr.onnx.export(model, (cr.randn(2, 3),), str(path), export_params=True,
                          opset_version=17, do_constant_folding=True, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch_size"},
                                                                 "output": {0: "batch_size"}},
                          kwargs={"scale": 3.0}, verbose=True, dynamo=False,
                          optimize=True, external_data=False) is None
    assert "Gemm" in capsys.readouterr().out                  # verbose prints the graph
    (got,) = session(path.read_bytes()).run(None, {"input": np.ones((4, 3), np.float32)})
    want = model(cr.ones(4, 3), scale=3.0)
    np.testing.assert_allclose(got, want.detach().numpy(), atol=1e-6)


def test_no_file_returns_the_model_and_initializers_may_be_inputs():
    proto = cr.onnx.export(mlp(), cr.randn(2, 4), keep_initializers_as_inputs=True)
    assert isinstance(proto, onnx.ModelProto)
    names = [i.name for i in proto.graph.input]
    assert names[0] == "input" and {"0.weight", "3.bias"} <= set(names)
    onnx.checker.check_model(proto)


def test_options_that_would_change_the_model_are_refused():
    x = cr.randn(2, 4)
    with pytest.raises(NotImplementedError, match="export_params=False"):
        cr.onnx.export(mlp(), x, io.BytesIO(), export_params=False)
    with pytest.raises(NotImplementedError, match="dynamic_shapes=.*dynamic_axes"):
        cr.onnx.export(mlp(), x, io.BytesIO(), dynamic_shapes={"input": {0: "n"}})
    with pytest.raises(NotImplementedError, match="training='TRAINING'"):
        cr.onnx.export(mlp(), x, io.BytesIO(), training="TRAINING")
    with pytest.raises(NotImplementedError, match="training='PRESERVE'"):
        cr.onnx.export(mlp().train(), x, io.BytesIO(), training="PRESERVE")
    cr.onnx.export(mlp(), x, io.BytesIO(), training="PRESERVE")   # an eval model: fine
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        cr.onnx.export(mlp(), x, io.BytesIO(), bogus=1)
    with pytest.raises(ValueError, match="keyword argument 'scale' holds tensors"):
        cr.onnx.export(Scaled(), x[:, :3], io.BytesIO(), kwargs={"scale": cr.ones(1)})


class InPlace(nn.Module):
    """In-place operations recorded in the graph (PyTorch's rebase): gates that read a tensor
    before it changed must see the value they read, and a value made from parameters alone
    and then changed must not be folded at its changed value."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.w = nn.Parameter(cr.randn(3))

    def forward(self, input):
        x = self.fc(input)
        before = x * 1
        x += 1
        x *= input
        x.relu_()
        w = self.w * 2
        w += 1
        return x + before + w


def test_in_place_operations():
    cr.manual_seed(0)
    model = InPlace().eval()
    data = export_bytes(model, cr.randn(2, 3), dynamic_axes={"input": [0]})
    x = np.random.default_rng(5).standard_normal((4, 3), np.float32)
    assert largest_difference(model, data, [x]) <= TOLERANCE


class Masked(nn.Module):
    """A boolean mask given as an input, read by where() and masked_fill()."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, input, mask):
        x = self.fc(input)
        return cr.where(mask, x, -x) + x.masked_fill(mask, 0.0)


def test_a_boolean_mask_input():
    model = Masked().eval()
    mask = cr.tensor([[True, False, True], [False, False, True]])
    data = export_bytes(model, (cr.randn(2, 3), mask),
                        dynamic_axes={"input": [0], "mask": [0]})
    rng = np.random.default_rng(6)
    x, m = rng.standard_normal((4, 3), np.float32), rng.random((4, 3)) > 0.5
    assert largest_difference(model, data, [x, m]) <= TOLERANCE

"""What export refuses, and the dynamic sizes it follows instead of refusing: each refusal
names the gate, the module and what to do (docs/deploy.md, "What is not exportable")."""
import io

import numpy as np
import pytest

import chainrule as cr
from chainrule.onnx import ExportError, UnsupportedGateError
from chainrule.onnx import table as onnx_table
from onnx_helpers import TOLERANCE, export_bytes, graph_of, largest_difference

nn = cr.nn
F = nn.functional


def mlp():
    cr.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).eval()


class Comparing(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, input):
        x = self.fc(input)
        return cr.where(x.detach() > 0, x, x * 0.1)   # detached: the mask is no gate


def test_a_mask_made_from_the_inputs_outside_the_graph_is_refused():
    with pytest.raises(ExportError, match=r"gate Where.*model's own forward: its operand 0 "
                                          r"was made outside the graph.*detach"):
        cr.onnx.export(Comparing().eval(), cr.randn(2, 4), io.BytesIO())


class ComparingTensors(Comparing):
    def forward(self, input):
        x = self.fc(input)
        return x * cr.tensor(x.detach().numpy() > 0, dtype=cr.float32)   # a leaf: no gate


def test_a_tensor_made_from_the_inputs_outside_the_graph_is_refused_by_its_reader():
    with pytest.raises(ExportError, match=r"gate Mul \('\*'\) in the model's own forward: its "
                                          r"operand 'y': a tensor of shape \(2, 4\) was made "
                                          r"outside the graph"):
        cr.onnx.export(ComparingTensors().eval(), cr.randn(2, 4), io.BytesIO())


class Detaching(nn.Module):
    def forward(self, input):
        return (input * 2).detach()


def test_an_output_made_outside_the_graph_is_refused():
    with pytest.raises(ExportError, match=r"output 'output': a tensor of shape \(3,\) was"):
        cr.onnx.export(Detaching().eval(), cr.randn(3), io.BytesIO())


def test_a_gate_without_translation_names_itself_and_its_module(monkeypatch):
    monkeypatch.delitem(onnx_table.TABLE, "Relu")
    with pytest.raises(UnsupportedGateError,
                       match=r"gate Relu \('relu'\) in module '1'.*no ONNX translation"):
        cr.onnx.export(mlp(), cr.randn(2, 4), io.BytesIO())


class Square(cr.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_a_custom_function_is_refused_as_one():
    class Squaring(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, input):
            return Square.apply(self.fc(input))
    with pytest.raises(UnsupportedGateError, match=r"gate FunctionGate \('Square'\).*custom "
                                                   r"autograd.Function"):
        cr.onnx.export(Squaring().eval(), cr.randn(3, 2), io.BytesIO())


class Writing(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, input):
        out = cr.zeros(input.shape[0], 6)
        out[:, 1:5] = self.fc(input)          # IndexPut, recorded in the graph
        return out


def test_not_exportable_gate_gives_its_reason():
    with pytest.raises(UnsupportedGateError, match=r"gate IndexPut.*not exportable.*cat, stack"):
        cr.onnx.export(Writing().eval(), cr.randn(2, 4), io.BytesIO())


class DropsAlways(nn.Module):
    def forward(self, input):
        return F.dropout(input * 2, 0.5, training=True)


def test_dropout_written_with_training_true_is_refused():
    with pytest.raises(ExportError, match="training=True.*training=self.training"):
        cr.onnx.export(DropsAlways().eval(), cr.randn(2, 4), io.BytesIO())


class Positional(nn.Module):
    def __init__(self, shift=0):
        super().__init__()
        self.table = nn.Parameter(cr.randn(10, 4))
        self.shift = shift

    def forward(self, input):
        return input + self.table[self.shift:input.shape[1] + self.shift]


def test_slice_by_a_dynamic_length_follows_it_and_an_offset_one_is_refused():
    model = Positional().eval()
    data = export_bytes(model, cr.randn(2, 5, 4), dynamic_axes={"input": [0, 1]})
    assert largest_difference(model, data, [np.ones((3, 7, 4), np.float32)]) <= TOLERANCE
    shifted = Positional(shift=1).eval()
    data = export_bytes(shifted, cr.randn(2, 5, 4), dynamic_axes={"input": [0]})
    assert largest_difference(shifted, data, [np.ones((3, 5, 4), np.float32)]) <= TOLERANCE
    with pytest.raises(ExportError, match=r"gate GetItem.*index.*slice\(1, 6, None\).*"
                                          r"slice\(1, 7, None\)"):
        cr.onnx.export(shifted, cr.randn(2, 5, 4), io.BytesIO(), dynamic_axes={"input": [0, 1]})


class Branching(nn.Module):
    def forward(self, input):
        return input.exp() if input.shape[0] < 3 else input.tanh()


def test_control_flow_on_sizes_is_refused():
    data = export_bytes(Branching().eval(), cr.randn(4, 2), dynamic_axes={"input": [0]})
    assert [n.op_type for n in graph_of(data).node] == ["Tanh"]
    with pytest.raises(ExportError, match="ran different gates"):
        cr.onnx.export(Branching().eval(), cr.randn(2, 2), io.BytesIO(),
                       dynamic_axes={"input": [0]})


class Merging(nn.Module):
    def forward(self, input):
        return (input * 2).reshape(-1)        # batch and time into one axis: ONNX's -1


class Swapping(nn.Module):
    def forward(self, input):
        return (input * 2).reshape(input.shape[1], input.shape[0])   # two sizes to infer


def test_reshape_with_one_size_to_infer_and_with_two():
    for axes, shape in (([0], (5, 3)), ([0, 1], (5, 7))):
        data = export_bytes(Merging().eval(), cr.randn(2, 3), dynamic_axes={"input": axes})
        assert largest_difference(Merging(), data, [np.ones(shape, np.float32)]) <= TOLERANCE
    data = export_bytes(Swapping().eval(), cr.randn(2, 3), dynamic_axes={"input": [0]})
    assert largest_difference(Swapping(), data, [np.ones((5, 3), np.float32)]) <= TOLERANCE
    with pytest.raises(ExportError, match=r"gate Reshape.*reshape from \(2, 3\) to \(3, 2\) "
                                          r"mixes several dynamic axes"):
        cr.onnx.export(Swapping().eval(), cr.randn(2, 3), io.BytesIO(),
                       dynamic_axes={"input": [0, 1]})


class CausalSelfAttention(nn.Module):
    """A causal mask made on every call (SDPA's is_causal, and a triu of ones for
    MultiheadAttention): triangles whose sides are the input's length."""

    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, input):
        length = input.shape[1]
        mask = cr.ones(length, length, dtype=cr.bool).triu(1)
        a, _ = self.attention(input, input, input, attn_mask=mask, need_weights=False)
        q = input.reshape(input.shape[0], length, 2, 4).transpose(1, 2)
        return a + F.scaled_dot_product_attention(q, q, q, is_causal=True).transpose(
            1, 2).reshape(input.shape[0], length, 8)


def test_causal_masks_made_per_call_follow_the_length():
    cr.manual_seed(0)
    model = CausalSelfAttention().eval()
    data = export_bytes(model, cr.randn(2, 5, 8), dynamic_axes={"input": [0, 1]})
    assert "Trilu" in {n.op_type for n in graph_of(data).node}
    rng = np.random.default_rng(2)
    for shape in ((3, 7, 8), (1, 2, 8)):
        assert largest_difference(model, data, [rng.standard_normal(shape, np.float32)]) \
            <= TOLERANCE


class Accumulating(nn.Module):
    def __init__(self, in_place):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.in_place = in_place

    def forward(self, input):
        z = cr.zeros(input.shape[0], 3)
        if self.in_place:
            z += self.fc(input)   # z's zeros are overwritten before export can read them
            return z
        return z + self.fc(input)


def test_accumulating_in_place_into_a_tensor_made_outside_the_graph_is_refused():
    with pytest.raises(ExportError, match=r"gate Add.*a tensor of shape \(2, 3\) was made "
                                          r"outside the graph"):
        cr.onnx.export(Accumulating(True).eval(), cr.randn(2, 3), io.BytesIO())
    model = Accumulating(False).eval()
    data = export_bytes(model, cr.randn(2, 3), dynamic_axes={"input": [0]})
    assert largest_difference(model, data, [np.ones((5, 3), np.float32)]) <= TOLERANCE

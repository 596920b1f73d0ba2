"""Masks in exported models: comparisons record mask gates while export runs the model
(ops/masks.py), so the activations written with masks and ``where(x > 0, ...)`` export
as ONNX comparisons and Where, and run by onnxruntime to chainrule's numbers on both sides
of every kink. In training, comparisons stay PyTorch's: plain bool tensors, no graph.

``pytest tests/onnx -s -k masks`` prints each model's largest difference and file size."""
import io

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.ops.masks import MASK_GATES, Masks, recording_masks
from onnx_helpers import TOLERANCE, export_bytes, graph_of, largest_difference

nn = cr.nn
WIDTH = 6
COMPARISONS = {"Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Equal", "IsInf"}

# (module, the inputs where its pieces meet): each kink is met exactly and on both sides
ACTIVATIONS = {
    "ELU": (lambda: nn.ELU(), [0.0]),
    "SELU": (lambda: nn.SELU(), [0.0]),
    "CELU": (lambda: nn.CELU(alpha=0.7), [0.0]),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 0.8), [-0.5, 0.8]),
    "ReLU6": (lambda: nn.ReLU6(), [0.0, 6.0]),
    "Hardswish": (lambda: nn.Hardswish(), [-3.0, 3.0]),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), [-3.0, 3.0]),
    "Softshrink": (lambda: nn.Softshrink(0.3), [-0.3, 0.3]),
    "Hardshrink": (lambda: nn.Hardshrink(0.3), [-0.3, 0.3]),
    "Threshold": (lambda: nn.Threshold(0.2, -3.0), [0.2]),
    "Softplus": (lambda: nn.Softplus(beta=2, threshold=1), [0.5]),   # beta * x > 1 past 0.5
    "Softplus default": (lambda: nn.Softplus(), [20.0]),
    "PReLU": (lambda: nn.PReLU(), [0.0]),
    "ReLU6 in place": (lambda: nn.ReLU6(inplace=True), [0.0, 6.0]),
    "ELU in place": (lambda: nn.ELU(inplace=True), [0.0]),
    "Hardswish in place": (lambda: nn.Hardswish(inplace=True), [-3.0, 3.0]),
}


def kink_values(kinks, n, seed):
    """(n, WIDTH) float32 values: at each kink, just either side of it (1e-3 and 0.25) and
    far from it (-7, -2, 2, 7, 30), shuffled; n * WIDTH covers all of them."""
    pool = [k + d for k in kinks for d in (-0.25, -1e-3, 0.0, 1e-3, 0.25)]
    pool += [-7.0, -2.0, 2.0, 7.0, 30.0]
    assert n * WIDTH >= len(pool)
    values = np.resize(np.array(pool, np.float32), n * WIDTH)
    return np.random.default_rng(seed).permutation(values).reshape(n, WIDTH)


def identity_linear():
    """A Linear that passes its input through exactly (so the activation after it sees the
    kink values as written), in ONNX's Gemm too."""
    layer = nn.Linear(WIDTH, WIDTH)
    with cr.no_grad():
        layer.weight.copy_(cr.eye(WIDTH))
        layer.bias.zero_()
    return layer


def check(name, model, make, batch_sizes=(4, 9), opset=18):
    """Export with a dynamic batch axis on an example of 3 rows, then compare onnxruntime
    with chainrule at two other batch sizes."""
    model.eval()
    data = export_bytes(model, cr.tensor(make(3)), dynamic_axes={"input": [0]},
                        opset_version=opset)
    worst = max(largest_difference(model, data, [make(n)]) for n in batch_sizes)
    print(f"\n{name}: largest difference {worst:.2e}, {len(data):,} bytes")
    assert worst <= TOLERANCE
    return data


@pytest.mark.parametrize("opset", [18, 17])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_module_exports_on_both_sides_of_its_kinks(name, opset):
    make_activation, kinks = ACTIVATIONS[name]
    cr.manual_seed(0)
    model = nn.Sequential(identity_linear(), make_activation(), nn.Linear(WIDTH, 3))
    seeds = iter(range(100))
    label = f"masks {name}" + ("" if opset == 18 else f" (opset {opset})")
    data = check(label, model, lambda n: kink_values(kinks, n, next(seeds)), opset=opset)
    ops = {node.op_type for node in graph_of(data).node}
    assert "Where" in ops and ops & COMPARISONS, sorted(ops)   # the mask is in the graph


def test_kink_values_meet_every_kink_from_both_sides():
    """The inputs do what the test above needs, at the smallest batch size: values below,
    at and above each kink."""
    for name, (_, kinks) in ACTIVATIONS.items():
        values = kink_values(kinks, 4, 0)
        for k in kinks:
            below, at, above = values < k, values == np.float32(k), values > k
            assert below.any() and at.any() and above.any(), name


class LeakyByWhere(nn.Module):
    """A leaky ReLU written as PyTorch users write one by hand."""

    def __init__(self):
        super().__init__()
        self.fc, self.out = nn.Linear(4, 8), nn.Linear(8, 3)

    def forward(self, input):
        h = self.fc(input)
        return self.out(cr.where(h > 0, h, 0.1 * h))


def test_where_of_a_comparison_in_forward_exports():
    cr.manual_seed(0)
    generator = cr.Generator(3)
    data = check("masks where(x > 0, x, 0.1 * x)", LeakyByWhere(),
                 lambda n: (cr.randn(n, 4, generator=generator) * 2)._data)
    assert {"Greater", "Where"} <= {node.op_type for node in graph_of(data).node}


class PaddingMask(nn.Module):
    """Token embeddings with padding positions zeroed by a mask of the integer input."""

    def __init__(self):
        super().__init__()
        self.tokens, self.head = nn.Embedding(5, 4), nn.Linear(4, 2)

    def forward(self, input):
        pad = (input == 0).unsqueeze(-1)
        return self.head(self.tokens(input).masked_fill(pad, 0.0)).sum(1)


def test_a_mask_of_an_integer_input_exports():
    cr.manual_seed(0)
    model = PaddingMask().eval()
    example = cr.tensor([[1, 0, 3], [0, 0, 4]])
    data = export_bytes(model, example, dynamic_axes={"input": [0, 1]})
    tokens = np.random.default_rng(4).integers(0, 5, size=(6, 7))
    assert (tokens == 0).any() and (tokens != 0).any()
    assert largest_difference(model, data, [tokens]) <= TOLERANCE


# ----- training keeps PyTorch's comparisons ------------------------------------------------
def every_mask_operation(x, y):
    """Each comparison, logical operation and predicate, in each of its spellings."""
    m = x > 0
    return [x > y, x < 0.5, x >= y, x <= 0, x == y, x != y, cr.gt(x, y), x.lt(y), x.ge(0),
            cr.le(x, y), x.eq(y), cr.ne(x, 1.0), ~m, m & (y > 0), m | (y < 0), m ^ (y < 0),
            cr.logical_not(x), cr.logical_and(x, y), cr.logical_or(m, y), cr.logical_xor(x, m),
            x.isnan(), cr.isinf(x), x.isfinite(), x.isposinf(), cr.isneginf(x),
            x.any(), cr.all(m), m.any(0, keepdim=True), cr.all(x, dim=(0,))]


def every_other_step(x, y):
    """Rounding, sign, argmax and integer casts: the other operations without a gradient."""
    return [x.floor(), cr.ceil(x), x.trunc(), cr.fix(y), x.round(), y.round(decimals=1),
            x.sign(), cr.sign(y), y.argmax(), y.argmin(0, keepdim=True), cr.argmax(y, 0),
            y.long(), cr.cast(y, cr.int32), y.bool(), (x > 0).long()]


def operands():
    x = cr.tensor([-1.5, 0.0, 0.5, np.inf, -np.inf, np.nan], requires_grad=True)
    y = cr.tensor([0.5, 0.0, 2.0, np.inf, 1.0, np.nan], requires_grad=True)
    return x, y


def test_comparisons_in_training_record_no_gate():
    x, y = operands()
    for out in every_mask_operation(x, y):
        assert out.dtype == cr.bool and out.grad_fn is None and not out.requires_grad
    with np.errstate(invalid="ignore"):   # y holds inf and NaN, which integer casts meet
        steps = every_other_step(x, y)
    for out in steps:
        assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("operations", [every_mask_operation, every_other_step])
def test_recorded_masks_equal_the_plain_ones(operations):
    x, y = operands()
    with np.errstate(invalid="ignore"):
        plain = operations(x, y)
        with recording_masks():
            recorded = operations(x, y)
    for p, r in zip(plain, recorded):
        assert type(r.grad_fn).__name__ in MASK_GATES
        assert r.dtype == p.dtype and r.shape == p.shape
        np.testing.assert_array_equal(r._data, p._data)


def test_no_gradient_passes_a_recorded_mask():
    """Backward through a graph that holds mask gates gives PyTorch's gradients: the masks
    select, and nothing flows back through them."""
    values = np.array([-1.5, -0.2, 0.3, 0.7, 2.0])
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    with recording_masks():
        m = (x > 0) & ~(x > 1)
        out = cr.where(m, x * x, 0.1 * x) * (x < 0.5).double() + (x > 0).double() * x
        assert type(m.grad_fn).__name__ == "LogicalAnd" and m.requires_grad
        out.sum().backward()
    tm = (t > 0) & ~(t > 1)
    expected = torch.where(tm, t * t, 0.1 * t) * (t < 0.5).double() + (t > 0).double() * t
    expected.sum().backward()
    np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-12)


class Failing(nn.Module):
    def forward(self, input):
        raise RuntimeError("forward failed")


def test_export_stops_recording_masks_when_it_ends_or_fails():
    x = cr.randn(3, requires_grad=True)
    cr.onnx.export(LeakyByWhere().eval(), cr.randn(2, 4), io.BytesIO())
    assert not Masks.recording and (x > 0).grad_fn is None
    with pytest.raises(RuntimeError, match="forward failed"):
        cr.onnx.export(Failing().eval(), cr.randn(2, 4), io.BytesIO())
    assert not Masks.recording and (x > 0).grad_fn is None


def test_a_comparison_under_no_grad_in_forward_is_not_recorded():
    """A mask made under no_grad inside forward stays outside the graph, as the values made
    there do; export refuses it rather than freezing it."""
    class NoGradMask(nn.Module):
        def forward(self, input):
            with cr.no_grad():
                mask = input > 0
            return cr.where(mask, input, input * 0.5)
    with pytest.raises(cr.onnx.ExportError, match="operand 0 was made outside the graph"):
        cr.onnx.export(NoGradMask().eval(), cr.randn(2, 4), io.BytesIO())


class PaddedAttention(nn.Module):
    """Embedding with padding_idx, and MultiheadAttention whose key_padding_mask is the
    comparison of the tokens with the padding index; padded positions zeroed in place."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(6, 8, padding_idx=0)
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, input):
        pad = input == 0
        h = self.tokens(input)
        out, _ = self.attention(h, h, h, key_padding_mask=pad, need_weights=False)
        return (out * 1).masked_fill_(pad.unsqueeze(-1), 0.0)


def test_padding_masks_of_attention_and_embedding_export():
    cr.manual_seed(0)
    model = PaddedAttention().eval()
    example = cr.tensor([[1, 2, 0], [3, 0, 0]])   # every row keeps a key to attend
    data = export_bytes(model, example, dynamic_axes={"input": [0, 1]})
    tokens = np.random.default_rng(5).integers(0, 6, size=(5, 7))
    tokens[:, 0] = 1
    assert (tokens == 0).any()
    worst = largest_difference(model, data, [tokens])
    print(f"\nmasks padded attention: largest difference {worst:.2e}, {len(data):,} bytes")
    assert worst <= TOLERANCE


class Predicting(nn.Module):
    """A classifier that returns its logits and the predicted class, rounded scores too."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.Hardswish(), nn.Linear(8, 4))

    def forward(self, input):
        logits = self.net(input)
        return logits, logits.argmax(-1), (logits * 10).round().long()


def test_a_model_returning_argmax_and_rounded_integers_exports():
    cr.manual_seed(0)
    generator = cr.Generator(6)
    model = Predicting().eval()
    make = lambda n: (cr.randn(n, 5, generator=generator) * 3)._data   # noqa: E731
    data = export_bytes(model, cr.tensor(make(3)), dynamic_axes={"input": [0]})
    worst = max(largest_difference(model, data, [make(n)]) for n in (4, 9))
    print(f"\nmasks argmax and round outputs: largest difference {worst:.2e}, {len(data):,} bytes")
    assert worst <= TOLERANCE   # an index or a rounded integer one off would differ by 1
    ops = {node.op_type for node in graph_of(data).node}
    assert {"ArgMax", "Round", "Cast"} <= ops, sorted(ops)


class ShiftedTokens(nn.Module):
    """Integer arithmetic on the tokens records no gate (integer tensors have no gradient)."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(8, 3)

    def forward(self, input):
        return self.tokens(input + 1)


def test_integer_arithmetic_on_an_input_is_refused_not_frozen():
    with pytest.raises(cr.onnx.ExportError, match="arithmetic on integer tensors"):
        cr.onnx.export(ShiftedTokens().eval(), cr.tensor([[1, 2, 3]]), io.BytesIO())

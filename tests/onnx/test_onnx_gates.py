"""Every translation in chainrule/onnx/table.py, run by onnxruntime: one or more small
cases per gate, each exported, checked and compared with chainrule at the example's batch
size and at another (the first input's axis 0 is dynamic unless a case says otherwise).

``test_every_translation_has_a_case`` walks the cases' graphs and fails for a translated
gate that no case reaches, so a new translation comes with its check."""
import io

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import REGISTRY
from chainrule.onnx import TABLE, ExportError, NotExportable
from chainrule.onnx.record import evaluation_order
from chainrule.ops.masks import MASK_GATES, recording_masks
from onnx_helpers import export_bytes, session

nn = cr.nn
F = nn.functional
RNG = np.random.default_rng(0)


def normal(*shape):
    return lambda n: RNG.standard_normal((n,) + shape).astype(np.float32)


def positive(*shape):
    return lambda n: (RNG.random((n,) + shape) + 0.5).astype(np.float32)


def integers(high, *shape):
    return lambda n: RNG.integers(0, high, size=(n,) + shape)


def specials(*shape):
    """Normal values with NaN, inf and -inf in the first three places of each row."""
    def make(n):
        values = RNG.standard_normal((n,) + shape).astype(np.float32)
        values[:, 0], values[:, 1], values[:, 2] = np.nan, np.inf, -np.inf
        return values
    return make


def nans_here_and_there(*shape):
    """Normal values; every other row has a NaN (in a place that moves from row to row) and
    an inf before it, so a slice's extreme is a NaN in some rows and not in others."""
    def make(n):
        values = RNG.standard_normal((n,) + shape).astype(np.float32)
        for row in range(0, n, 2):
            values[row, (row + 2) % shape[0]], values[row, (row + 1) % shape[0]] = np.nan, np.inf
        return values
    return make


def setting_all(x, y):
    x[...] = y
    return x


class Case:
    """``fn(*tensors)`` on inputs made by ``makers`` (each called with a batch size);
    ``module`` holds the parameters fn uses; ``dynamic``: whether axis 0 of each input
    is dynamic; ``min_opset``: the oldest opset that has the operators it needs."""

    def __init__(self, name, fn, makers, module=None, dynamic=True, min_opset=17):
        self.name, self.fn, self.makers = name, fn, makers
        self.module, self.dynamic, self.min_opset = module, dynamic, min_opset

    def __repr__(self):
        return self.name


class Weights(nn.Module):
    """Parameters of the given shapes, for the functional layers (cases pass it as m)."""

    def __init__(self, **shapes):
        super().__init__()
        for name, shape in shapes.items():
            setattr(self, name, nn.Parameter(cr.tensor(RNG.standard_normal(shape)
                                                       .astype(np.float32))))


class Wrapped(nn.Module):
    def __init__(self, fn, module):
        super().__init__()
        self.fn, self.inner = fn, module

    def forward(self, *inputs):
        return self.fn(*inputs) if self.inner is None else self.fn(self.inner, *inputs)


CONSTANT = cr.tensor(RNG.standard_normal(5).astype(np.float32))
MASK = cr.tensor([True, False, True, True, False])
WINDOW_MASK = cr.tensor(np.tril(np.ones((4, 4), dtype=bool))
                        & np.array([0, 1, 1, 1], bool)[:, None])   # query 0 sees nothing

CASES = [
    # arithmetic: broadcasting, numbers on either side, a constant tensor, promotion
    Case("add", lambda x, y: x + y, [normal(5), normal(5)]),
    Case("add broadcast constant", lambda x: x + CONSTANT, [normal(3, 5)]),
    Case("sub number", lambda x: 2.5 - x - 1, [normal(5)]),
    Case("mul", lambda x, y: x * y * 3, [normal(5), normal(5)]),
    Case("div", lambda x, y: x / y / 2 + 1 / y, [normal(5), positive(5)]),
    Case("int plus float", lambda i, x: i + x, [integers(7, 5), normal(5)]),
    Case("neg", lambda x: -x, [normal(4)]),
    Case("pow number", lambda x: x ** 3 + x ** 0.5, [positive(4)]),
    Case("pow tensor", lambda x, y: x ** y, [positive(4), normal(4)]),
    Case("maximum minimum", lambda x, y: cr.maximum(x, y) - cr.minimum(x, y * 2),
         [normal(4), normal(4)]),
    Case("where constant mask", lambda x, y: cr.where(MASK, x, y), [normal(5), normal(5)]),
    Case("masked_fill", lambda x: x.masked_fill(MASK, -1.0) * 1, [normal(5)]),
    # masks: comparisons, logical operations and predicates of the inputs (mask gates)
    Case("where of a comparison", lambda x: cr.where(x > 0, x, 0.1 * x), [normal(6)]),
    Case("comparisons", lambda x, y: (x > y).float() + (x < 0.3).float() * 2
         + (x >= y).double().float() * 4 + (x <= -0.2).float() * 8, [normal(6), normal(6)]),
    Case("equal not equal", lambda x, i: (i == 2).float() + (i != 3).float() * 2
         + (x == x[:, :1]).float() * 4 + (x != 0.5).float() * 8, [normal(6), integers(4, 6)]),
    Case("masks compared", lambda x, y: ((x > 0) > (y > 0)).float()
         + ((x > 0) <= (y > 0)).float() * 2 + ((x > 0) == (y < 0)).float() * 4,
         [normal(6), normal(6)]),
    Case("logical operations", lambda x, y: cr.where(((x > 0) & (y > 0)) | ~(x < y) ^ (y > 1),
                                                     x, y)
         + cr.logical_and(x, y > 0).float() + cr.logical_or(x > 1, y).float() * 2
         + cr.logical_xor(x > 0, y < 0).float() * 4 + cr.logical_not(x > 0).float() * 8,
         [normal(6), normal(6)]),
    Case("any all", lambda x: cr.where((x > 1).any(1, keepdim=True), x, -x)
         + (x > -1).all(-1).float().unsqueeze(1) + x.any().float() + (x < 2).all(keepdim=True)
         + cr.any(x > 0, dim=(1,)).float().unsqueeze(1) + (x < 0).all(dim=()), [normal(6)]),
    Case("predicates", lambda x: x.isnan().float() + x.isinf().float() * 2
         + x.isposinf().float() * 4 + x.isneginf().float() * 8 + x.isfinite().float() * 16,
         [specials(6)]),
    Case("masked_fill of a comparison", lambda x: x.masked_fill(x.abs() > 1, 0.0), [normal(6)]),
    # the other mask gates: rounding, sign, integer casts, argmax
    Case("rounding", lambda x: (x * 3).floor() + (x * 3).ceil() * 2 + (x * 3).trunc() * 4
         + cr.fix(x * 3) * 8 + (x * 3).round() * 16 + x.round(decimals=1) * 32, [normal(6)]),
    Case("round halves to even", lambda x: (x.floor() + 0.5).round(), [normal(6)]),
    Case("sign", lambda x: x.sign() * 2 + x, [specials(6)]),
    Case("integer casts", lambda x: (x * 3).long() + (x > 0).long() * 10 + (x * 5).int().long()
         + x.bool().long() * 100, [normal(6)]),
    Case("integer input to float", lambda i, x: i.float() * x + i.double().float() + i.bool(),
         [integers(4, 6), normal(6)]),
    Case("argmax argmin", lambda x: x.argmax(1) + x.argmin(-1, keepdim=True).squeeze(1) * 10,
         [normal(6)]),
    Case("argmax of all", lambda x: x.argmax() * 100 + x.argmin(keepdim=True).sum()
         + x.sum().argmax(), [normal(6)]),
    Case("argmax argmin with NaN", lambda x: x.argmax(1) + x.argmin(1) * 10,
         [nans_here_and_there(6)]),
    # writes of a whole tensor in place: copy_, fill_, x[...] = y (the in-place activations)
    Case("copy_ fill_ setitem", lambda x: (x * 1).copy_(x.exp()) + (x * 1).fill_(0.5)
         + (x * 1).copy_(x[:, :1]) + setting_all(x * 1, x.sin()), [normal(6)]),
    Case("in-place activations", lambda x: F.relu6(x * 4, inplace=True)
         + F.hardtanh(x * 1, inplace=True) + F.elu(x * 1, inplace=True), [normal(6)]),
    # unary functions and activations
    *[Case(name, getattr(cr, name), [normal(6)])
      for name in ("exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs")],
    Case("erf", cr.ops.erf, [normal(6)]),
    Case("log sqrt tan", lambda x: x.log() + x.sqrt() + (x - 1).tan(), [positive(6)]),
    Case("inverse and hyperbolic trig", lambda x: x.tanh().asin() + (x.tanh() * 0.5).acos()
         + x.atan() + x.sinh() + x.cosh(), [normal(6)]),
    Case("inverse hyperbolic", lambda x: x.asinh() + (x.abs() + 1.5).acosh()
         + (x.tanh() * 0.5).atanh(), [normal(6)]),
    Case("exp2 expm1 log1p", lambda x: cr.exp2(x) + cr.expm1(x) + cr.log1p(x.abs()),
         [normal(6)]),
    Case("log2 log10", lambda x: cr.log2(x) - cr.log10(x), [positive(6)]),
    Case("remainder fmod", lambda x, y: x % y + cr.fmod(x, y) + (-x) % 1.5 + cr.fmod(-x, y),
         [normal(6), positive(6)]),
    Case("clamp both", lambda x: x.clamp(-0.5, 0.7), [normal(6)]),
    Case("clamp min", lambda x: x.clamp(min=0.1), [normal(6)]),
    Case("cast to float64", lambda x: x.double() * 2, [normal(6)]),
    Case("leaky_relu", lambda x: F.leaky_relu(x, 0.2), [normal(6)]),
    Case("gelu", F.gelu, [normal(6)]),
    Case("softplus", lambda x: F.softplus(x * 3), [normal(6)]),
    Case("binary_cross_entropy", lambda x, y: F.binary_cross_entropy(x.sigmoid(), y),
         [normal(5), lambda n: RNG.random((n, 5)).astype(np.float32)]),
    # reductions
    Case("sum dims", lambda x: x.sum(1) + x.sum((1, 2), keepdim=True).sum(-1),
         [normal(3, 4)]),
    Case("sum all", lambda x: x.sum(), [normal(3)]),
    Case("mean", lambda x: x.mean(-1, keepdim=True) * x.mean(), [normal(4)]),
    Case("amax amin", lambda x: x.amax(1) - x.amin((1, 2)).unsqueeze(1), [normal(3, 4)]),
    Case("max min of all", lambda x: x.max() - x.min(), [normal(5)]),
    Case("max min along dim", lambda x: x.max(1)[0] + x.min(1, keepdim=True)[0].sum(1),
         [normal(3, 4)]),
    Case("logsumexp", lambda x: x.logsumexp(-1) + x.logsumexp((1, 2)).unsqueeze(-1),
         [normal(3, 4)]),
    Case("std", lambda x: x.std(-1) + x.std((1, 2), keepdim=True, correction=0).squeeze(-1),
         [normal(3, 4)]),
    Case("prod", lambda x: x.prod(1) + x.prod(), [positive(4)], dynamic=False),
    Case("prod along a dim", lambda x: x.prod(-1, keepdim=True), [positive(4)]),
    Case("cumsum", lambda x: x.cumsum(1), [normal(5)]),
    Case("norm", lambda x: x.norm(dim=-1) + x.norm(), [normal(4)], dynamic=False),
    # shapes and indexing
    Case("reshape", lambda x: x.reshape(x.shape[0], -1).reshape(x.shape[0], 2, 6).flatten(1),
         [normal(3, 4)]),
    Case("reshape all fixed", lambda x: x.reshape(9, 4).view(3, 12), [normal(3, 4)],
         dynamic=False),
    Case("permute transpose", lambda x: x.permute(2, 0, 1).transpose(0, 1), [normal(3, 4)]),
    Case("expand", lambda x, y: x.unsqueeze(1).expand(-1, 3, 4) + y.expand(-1, 3, 4)
         + CONSTANT[:4].expand(2, 4).sum(0),
         [normal(4), normal(1, 4)]),
    Case("slices", lambda x: x[:, 1:3] + x[:, ::-2][:, :2] + x[..., -2:], [normal(4)]),
    Case("int index and None", lambda x: x[:, 2, None] * x[:, -1][:, None, :],
         [normal(3, 4)]),
    Case("index array", lambda x: x[:, cr.tensor([0, 2, 2, 1])], [normal(3)]),
    Case("index arrays adjacent", lambda x: x[:, cr.tensor([[0], [2]]), cr.tensor([1, 3, 0])],
         [normal(3, 4)]),
    Case("index arrays apart", lambda x: x[cr.tensor([0, 2]), :, cr.tensor([1, -1])],
         [normal(3, 4)], dynamic=False),
    Case("index array and integer", lambda x: x[:, 1, cr.tensor([0, 3, 3])] + x[..., 2, [1]],
         [normal(3, 4)]),
    Case("constant boolean mask", lambda x: x[:, MASK] * 2, [normal(5)]),
    Case("gather repeat", lambda x: x.gather(1, cr.tensor([[0, 3], [1, 1], [2, 0]]))
         + x.repeat(1, 2)[:, 3:5], [normal(4)], dynamic=False),
    Case("repeat (open mesh index)", lambda x: x.repeat(1, 2) + x.repeat(1, 2).flip(1),
         [normal(4)]),
    Case("scatter_add", lambda x: cr.ops.scatter_add(x * 1, (3, 6), (slice(None),
                                                                   np.array([0, 5, 0, 2]))),
         [normal(4)], dynamic=False),
    Case("max_pool2d ceil_mode", lambda x: F.max_pool2d(x, 2, ceil_mode=True),
         [normal(2, 5, 5)]),
    Case("embedding input", lambda m, i: m(i), [integers(6, 3)], nn.Embedding(6, 4)),
    Case("cat", lambda x, y: cr.cat([x, y * 2, x], dim=1), [normal(2), normal(3)]),
    Case("stack", lambda x, y: cr.stack([x, y], dim=-1), [normal(2), normal(2)]),
    Case("chunk split", lambda x: sum(c * (i + 1) for i, c in enumerate(x.chunk(3, -1))),
         [normal(6)]),
    # layers
    Case("matmul batched", lambda x, y: x @ y, [normal(3, 4), normal(4, 2)]),
    Case("matmul vector", lambda x: x @ CONSTANT[:4], [normal(4)]),
    Case("linear 2-D", lambda m, x: m(x), [normal(4)], nn.Linear(4, 3)),
    Case("linear 3-D, no bias", lambda m, x: m(x), [normal(2, 4)], nn.Linear(4, 3, bias=False)),
    Case("conv2d", lambda m, x: m(x), [normal(4, 7, 7)],
         nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2)),
    Case("conv2d no bias", lambda m, x: m(x), [normal(2, 5, 5)],
         nn.Conv2d(2, 3, (3, 2), padding=(1, 0), bias=False)),
    Case("conv_transpose2d", lambda m, x: F.conv_transpose2d(
        x, m.w, m.b, stride=2, padding=1, output_padding=1, groups=2), [normal(4, 3, 4)],
        Weights(w=(4, 3, 3, 3), b=(6,))),
    Case("conv_transpose2d dilated", lambda m, x: F.conv_transpose2d(x, m.w, dilation=2),
         [normal(2, 3, 3)], Weights(w=(2, 1, 2, 3))),
    Case("conv1d conv_transpose1d", lambda m, x: F.conv_transpose1d(
        F.conv1d(x, m.w, padding=1), m.v, stride=2), [normal(2, 7)],
        Weights(w=(3, 2, 3), v=(3, 2, 3))),
    Case("max_pool2d padded", lambda x: F.max_pool2d(x - 5, 3, 2, 1), [normal(2, 6, 6)]),
    Case("avg_pool2d", lambda x: F.avg_pool2d(x, 2), [normal(2, 6, 6)]),
    Case("unfold", lambda x: F.unfold(x, 2, padding=1, stride=2), [normal(2, 5, 5)]),
    Case("fold", lambda x: F.fold(x, (5, 4), 2, padding=1, stride=2), [normal(8, 9)],
         min_opset=18),
    Case("softmax log_softmax", lambda x: F.softmax(x, 1) + F.log_softmax(x, -1),
         [normal(5)]),
    Case("cross_entropy classes", lambda x, t: F.cross_entropy(x, t),
         [normal(5), integers(5)]),
    Case("cross_entropy probabilities", lambda x, p: F.cross_entropy(x, p.softmax(-1)),
         [normal(5), normal(5)]),
    Case("softmax_cross_entropy", lambda x, p: cr.ops.softmax_cross_entropy(x, p.softmax(1), 1),
         [normal(5), normal(5)]),
    Case("layer_norm", lambda m, x: m(x) + F.layer_norm(x, (3, 4)), [normal(3, 4)],
         nn.LayerNorm(4)),
    Case("lstm cell", lambda m, x: sum(m(x, (x[:, :4] * 2, x[:, 1:] - 1))), [normal(5)],
         nn.LSTMCell(5, 4)),
    Case("gru cell", lambda m, x: m(x, x[:, :4].tanh()), [normal(5)], nn.GRUCell(5, 4)),
    Case("group_norm", lambda m, x: F.group_norm(x, 2, m.w, m.b) + F.group_norm(x, 3),
         [normal(6, 2, 3)], Weights(w=(6,), b=(6,))),
    Case("attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
         [normal(2, 4, 3), normal(2, 5, 3), normal(2, 5, 2)]),
    Case("attention masks", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=WINDOW_MASK) + F.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.3), [normal(4, 3), normal(4, 3), normal(4, 2)]),
]


@pytest.mark.parametrize("opset", [18, 17])   # 17: reductions take axes as attributes
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case_runs_in_onnxruntime(case, opset):
    model = Wrapped(case.fn, case.module).eval()
    example = [make(3) for make in case.makers]
    names = [f"x{i}" for i in range(len(example))]
    axes = {name: [0] for name in names} if case.dynamic else None
    args = tuple(cr.tensor(a) for a in example)
    if opset < case.min_opset:   # the operator it needs is newer: a clear refusal
        with pytest.raises(ExportError, match=f"opset {case.min_opset} or newer"):
            cr.onnx.export(model, args, io.BytesIO(), opset_version=opset)
        return
    data = export_bytes(model, args, input_names=names, dynamic_axes=axes,
                        opset_version=opset)
    runtime = session(data)
    for n in ((3, 5) if case.dynamic else (3,)):
        inputs = example if n == 3 else [make(n) for make in case.makers]
        got = runtime.run(None, dict(zip(names, inputs)))[0]
        with cr.no_grad():
            want = model(*[cr.tensor(a) for a in inputs])._data
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def gates_reached(case):
    """The gate classes a case's graph holds (its float inputs require grad, as in export)."""
    inputs = [cr.tensor(make(3)) for make in case.makers]
    for t in inputs:
        if t.dtype.kind == "f":
            t.requires_grad_(True)
    for p in (case.module.parameters() if case.module else ()):
        p.requires_grad_(True)
    with recording_masks(inputs):   # as export runs it: comparisons record mask gates
        out = Wrapped(case.fn, case.module).eval()(*inputs)
    return {type(t.grad_fn).__name__ for t in evaluation_order([out]) if t.grad_fn}


def test_every_translation_has_a_case():
    reached = set().union(*(gates_reached(case) for case in CASES))
    translated = {name for name, entry in TABLE.items()
                  if not isinstance(entry, NotExportable)
                  and (name in REGISTRY or name in MASK_GATES)}
    refused_here = {"Dropout"}   # its translation refuses: tests/onnx/test_onnx_refusals.py
    assert translated - refused_here - reached == set()

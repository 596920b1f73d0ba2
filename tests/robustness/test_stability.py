"""Every gate at extreme inputs: huge and tiny magnitudes, subnormals, zeros, negative zero,
exact ties; float32 and float64. Two checks per row of the table:

* where the math is finite (and representable in the dtype), our outputs and gradients are
  finite: ``finite=True`` rows;
* every row, finite or not, matches PyTorch element for element: the same values, the same
  infinities and NaNs, and the same subgradient at kinks and ties (docs/guarantees.md lists
  the choices).

A row is ``Row(gate, fn, inputs, finite, rtol)``; ``inputs(big, small, tiny)`` gives the
input arrays from the dtype's extremes (``big`` near the largest finite value's square root or
beyond, ``small`` a normal number near the smallest, ``tiny`` a subnormal). ``rtol``, when
given, replaces the default tolerance of a few ulps: erf (and GELU through it) is a fitted
approximation good to 1e-11 relative; PyTorch clamps p (1 - p) in the gradient of binary
cross-entropy at a float32 1e-12 also in float64, chainrule at exactly 1e-12.
"""
import collections

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import REGISTRY
from graph_ops import OPS

Row = collections.namedtuple("Row", "gate fn inputs finite rtol", defaults=(None,))
EXTREMES = {np.float32: (1e30, 1e-30, 1e-40), np.float64: (1e300, 1e-300, 5e-324)}


def spread(big, small, tiny):
    """Both signs of every magnitude, and both zeros."""
    return [[big, -big, small, -small, tiny, -tiny, 0.0, -0.0, 1.0, -2.5]]


def positive(big, small, tiny):
    return [[big ** 0.5, small, 1.0, 3.0]]


def pair(big, small, tiny):
    """Operands whose sum, difference and product stay representable."""
    return [[big, -big, small, 0.0, -0.0, 1.0], [1.0, 0.5, -small, 0.0, 2.0, -0.0]]


def ties(big, small, tiny):
    """Exact ties (also between the two zeros) next to non-ties."""
    return [[0.0, -0.0, 1.0, big, -big, 2.0], [-0.0, 0.0, 1.0, big, 3.0, -small]]


def row_ties(big, small, tiny):
    return [[[3.0, 3.0, 1.0], [-0.0, 0.0, -1.0], [big, big, big]]]


def logits(big, small, tiny):
    return [[[big, big, -big], [small, 0.0, -0.0], [big, 0.0, 1.0]]]


def probabilities(big, small, tiny):
    return [[0.0, 1.0, small, 1.0 - 1e-7, 0.5, 0.0]]


def inner_probabilities(big, small, tiny):
    """Where log p and log(1 - p) stay above PyTorch's floor of -100 (see the last test)."""
    return [[1e-30, 1.0 - 1e-7, 0.5, 0.25], [1.0, 0.0, 0.5, 0.0]]


def apply(name):
    return lambda lib, *xs: OPS[name].apply(lib, *xs)


def call(method, *args, **kwargs):
    return lambda lib, x: getattr(x, method)(*args, **kwargs)


def linear(lib, x, w):
    return cr.ops.linear(x, w) if lib is cr else lib.nn.functional.linear(x, w)


def bce(lib, p, y=None):
    if y is None:
        y = lib.tensor(np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.0]), dtype=p.dtype)
    if lib is cr:
        return cr.ops.binary_cross_entropy(p, y)
    return lib.nn.functional.binary_cross_entropy(p, y, reduction="none")


def cross_entropy(lib, x):
    target = lib.tensor(np.array([0, 2, 1]))
    if lib is cr:
        return cr.ops.cross_entropy_indices(x, target)
    return lib.nn.functional.cross_entropy(x, target)


def conv(lib, x, w):
    return lib.nn.functional.conv2d(x.reshape(1, 1, 3, 3), w, padding=1)


def soft_cross_entropy(lib, x):
    y = lib.tensor(np.array([[1.0, 0, 0], [0, 0.5, 0.5], [0, 0, 1.0]]), dtype=x.dtype)
    return cr.softmax_cross_entropy(x, y, 1) if lib is cr else -(y * x.log_softmax(1)).sum()


TABLE = [
    Row("Add", lambda lib, x, y: x + y, pair, True),
    Row("Sub", lambda lib, x, y: x - y, pair, True),
    Row("Mul", lambda lib, x, y: x * y, pair, True),
    Row("Div", lambda lib, x, y: x / y, lambda b, s, t: [[b, -b, s, 0.0, 1.0], [2.0, 4.0, 1.0, 3.0, -1.0]], True),
    Row("Div", lambda lib, x, y: x / y, lambda b, s, t: [[1.0, -1.0, 0.0, 1.0], [0.0, -0.0, 0.0, t]], False),
    Row("Neg", lambda lib, x: -x, spread, True),
    Row("Pow", lambda lib, x: x ** 2, lambda b, s, t: [[b ** 0.4, s, t, 0.0, -0.0, -3.0]], True),
    Row("Pow", lambda lib, x, y: x ** y, lambda b, s, t: [[0.0, 0.0, 2.0, b ** 0.5], [2.0, 0.5, 0.0, 1.0]], False),
    Row("Maximum", lambda lib, x, y: lib.maximum(x, y), ties, True),
    Row("Minimum", lambda lib, x, y: lib.minimum(x, y), ties, True),
    Row("Where", lambda lib, x, y: lib.where(lib.tensor(np.array([True, False, True, False, True, False])), x, y), ties, True),
    Row("Exp", call("exp"), lambda b, s, t: [[-b, s, -s, t, 0.0, -0.0, 50.0, -700.0]], True),
    Row("Exp", call("exp"), lambda b, s, t: [[b, 1000.0]], False),
    Row("Log", call("log"), positive, True),
    Row("Log", call("log"), lambda b, s, t: [[0.0, -0.0, t, -1.0]], False),
    Row("Sqrt", call("sqrt"), positive, True),
    Row("Sqrt", call("sqrt"), lambda b, s, t: [[0.0, -0.0, -1.0]], False),
    Row("Abs", call("abs"), spread, True),
    Row("Sin", call("sin"), spread, True),
    Row("Cos", call("cos"), spread, True),
    Row("Tanh", call("tanh"), spread, True),
    Row("Sigmoid", call("sigmoid"), spread, True),
    Row("Relu", call("relu"), spread, True),
    Row("Clamp", call("clamp", -1.0, 1.0), lambda b, s, t: [[-1.0, 1.0, b, -b, 0.0, -0.0, s]], True),
    Row("Clamp", call("clamp", min=0.0), spread, True),
    Row("Cast", lambda lib, x: x.double() if x.dtype == lib.float32 else x.float(),
        lambda b, s, t: [[1e30, -1e-30, 0.0, -0.0, 1.0]], True),
    Row("Sum", call("sum"), lambda b, s, t: [[b, -b, s, 0.0]], True),
    Row("Mean", call("mean"), lambda b, s, t: [[b, -b, s, 0.0]], True),
    Row("Max", call("max"), lambda b, s, t: [[b, b, -b, 0.0]], True),
    Row("Max", call("max"), lambda b, s, t: [[0.0, -0.0, -1.0]], True),
    Row("Min", call("min"), lambda b, s, t: [[-b, -b, b, 0.0]], True),
    Row("MaxDim", lambda lib, x: x.max(1).values, row_ties, True),
    Row("MinDim", lambda lib, x: x.min(1).values, row_ties, True),
    Row("LogSumExp", lambda lib, x: lib.logsumexp(x, 1), logits, True),
    Row("LogSumExp", lambda lib, x: lib.logsumexp(x, 1), lambda b, s, t: [[[-np.inf, -np.inf], [np.inf, 0.0]]], False),
    Row("Reshape", call("reshape", 2, 3), lambda b, s, t: [[b, -b, s, t, 0.0, -0.0]], True),
    Row("Permute", call("permute", 1, 0), logits, True),
    Row("Expand", call("expand", 2, 3), lambda b, s, t: [[[b, -0.0, t]]], True),
    Row("GetItem", lambda lib, x: x[lib.tensor(np.array([0, 0, 2]))], lambda b, s, t: [[b, -b, t]], True),
    Row("ScatterAdd", apply("ScatterAdd"), None, True),
    Row("Cat", lambda lib, x, y: lib.cat([x, y]), pair, True),
    Row("Stack", lambda lib, x, y: lib.stack([x, y]), pair, True),
    Row("MatMul", lambda lib, x, y: x @ y, lambda b, s, t: [[[b ** 0.5, s], [0.0, -0.0]], [[b ** 0.4, 1.0], [-0.0, s]]], True),
    Row("Linear", linear, lambda b, s, t: [[[b ** 0.5, s], [0.0, -0.0]], [[b ** 0.4, 1.0], [-0.0, s]]], True),
    Row("Softmax", call("softmax", 1), logits, True),
    Row("LogSoftmax", call("log_softmax", 1), logits, True),
    Row("CrossEntropy", cross_entropy, logits, True),
    Row("SoftmaxCrossEntropy", soft_cross_entropy, logits, True),
    Row("Unfold", apply("Unfold"), None, True),
    Row("Fold", apply("Fold"), None, True),
    Row("Erf", apply("Erf"), spread, True, 1e-11),
    Row("LeakyRelu", apply("LeakyRelu"), spread, True),
    Row("Gelu", apply("Gelu"), spread, True, 1e-11),
    Row("Softplus", apply("Softplus"), spread, True),
    Row("Dropout", lambda lib, x: OPS["Dropout"].apply(lib, x, mask=np.array([2.0, 0.0, 2.0, 0.0])),
        lambda b, s, t: [[b / 4, -b / 4, t, -0.0]], True),
    Row("BinaryCrossEntropy", bce, probabilities, True, 1e-8),
    Row("BinaryCrossEntropy", bce, inner_probabilities, True, 1e-8),
    Row("Tan", call("tan"), lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 1.5]], True),
    Row("Cumsum", lambda lib, x: lib.cumsum(x, 0), lambda b, s, t: [[b / 4, b / 4, -b / 4, s, t, 0.0, -0.0, 1.0]], True),
    Row("Conv2d", conv, lambda b, s, t: [[[[b ** 0.4, s, 0.0], [-0.0, t, 1.0], [-s, 2.0, -1.0]]],
                                         [[[[b ** 0.4, -0.0], [s, 1.0]]]]], True),
]
WINDOW_PARAMS = {
    "ScatterAdd": dict(rows=3, index=np.array([0, 2, 2])),
    "Unfold": dict(image=(1, 1, 2, 3), kernel=(2, 2), stride=1, padding=1),
    "Fold": dict(windows=(1, 2, 1, 2, 1, 1), image=(1, 1, 3, 1), kernel=(2, 1)),
}
WINDOW_INPUTS = {"ScatterAdd": lambda b, s, t: [[[b, -b], [t, 0.0], [-0.0, s]]],
                 "Unfold": lambda b, s, t: [[b, -b, s, t, 0.0, -0.0]],
                 "Fold": lambda b, s, t: [[b / 4, b / 4, -0.0, t]]}


def rows():
    for row in TABLE:
        if row.inputs is None:
            params = WINDOW_PARAMS[row.gate]
            row = row._replace(fn=lambda lib, x, name=row.gate, p=params: OPS[name].apply(lib, x, **p),
                               inputs=WINDOW_INPUTS[row.gate])
        for dtype in (np.float32, np.float64):
            yield pytest.param(row, dtype, id=f"{row.gate}-{'finite' if row.finite else 'inf'}-"
                                               f"{np.dtype(dtype).name}")


def test_every_gate_has_a_row():
    assert sorted(set(REGISTRY) - {row.gate for row in TABLE}) == []


def run(lib, row, arrays):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = row.fn(lib, *xs)
    out.sum().backward()
    return out, xs


def numpy_of(t):
    return t.data if isinstance(t, cr.Tensor) else t.detach().numpy()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("row, dtype", list(rows()))
def test_gate_at_extreme_inputs(row, dtype):
    torch = pytest.importorskip("torch")
    arrays = [np.array(a, dtype=dtype) for a in row.inputs(*EXTREMES[dtype])]
    out, xs = run(cr, row, arrays)
    tout, txs = run(torch, row, arrays)
    assert type(out.grad_fn).__name__ == row.gate
    eps = np.finfo(dtype).eps   # rounding noise around 0 may differ by a few ulps of 1
    tolerance = dict(rtol=max(16 * eps, row.rtol or 0), atol=4 * eps)
    np.testing.assert_allclose(out.data, numpy_of(tout), **tolerance, err_msg="forward")
    assert out.dtype == numpy_of(tout).dtype
    for i, (x, tx) in enumerate(zip(xs, txs)):
        grad = np.zeros(x.shape, dtype) if x.grad is None else x.grad.data
        tgrad = np.zeros(x.shape, dtype) if tx.grad is None else numpy_of(tx.grad)
        np.testing.assert_allclose(grad, tgrad, **tolerance, err_msg=f"gradient of input {i}")
        if row.finite:
            assert np.isfinite(grad).all(), f"gradient of input {i}: {grad}"
    if row.finite:
        assert np.isfinite(out.data).all(), f"forward: {out.data}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_target_gradient_is_finite_where_the_loss_is_clamped(dtype):
    """Where p or 1 - p is below e^-100, both libraries floor the log at -100 in the loss;
    for d loss / d target PyTorch uses the logs unfloored (inf at p = 0 or 1), chainrule
    differentiates the floored loss: log(1 - p) - log(p), each log floored, so 100 and -100."""
    p = cr.tensor(np.array([0.0, 1.0], dtype))
    y = cr.tensor(np.array([0.5, 0.5], dtype), requires_grad=True)
    loss = cr.ops.binary_cross_entropy(p, y)
    loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [50.0, 50.0])
    np.testing.assert_array_equal(y.grad.data, [100.0, -100.0])

"""Every gate at extreme inputs: huge and tiny magnitudes, subnormals, zeros, negative zero,
exact ties; float32 and float64. The rows are the ``extremes`` of each entry of the gate
table, tests/gate_table.py (its docstring tells what a row holds). Two checks per row:

* where the math is finite (and representable in the dtype), our outputs and gradients are
  finite: ``finite=True`` rows;
* every row, finite or not, matches PyTorch element for element: the same values, the same
  infinities and NaNs, and the same subgradient at kinks and ties (docs/guarantees.md lists
  the choices).
"""
import numpy as np
import pytest

import chainrule as cr
from gate_table import GATES

EXTREMES = {np.float32: (1e30, 1e-30, 1e-40), np.float64: (1e300, 1e-300, 5e-324)}


def rows():
    for gate, entry in GATES.items():
        for row in entry.extremes:
            for dtype in (np.float32, np.float64):
                yield pytest.param(gate, row, dtype,
                                   id=f"{gate}-{'finite' if row.finite else 'inf'}-"
                                      f"{np.dtype(dtype).name}")


def run(lib, row, arrays):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = row.fn(lib, *xs)
    out.sum().backward()
    return out, xs


def numpy_of(t):
    return t.detach().numpy() if isinstance(t, cr.Tensor) else t.detach().numpy()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("gate, row, dtype", list(rows()))
def test_gate_at_extreme_inputs(gate, row, dtype):
    torch = pytest.importorskip("torch")
    arrays = [np.array(a, dtype=dtype) for a in row.inputs(*EXTREMES[dtype])]
    out, xs = run(cr, row, arrays)
    tout, txs = run(torch, row, arrays)
    assert type(out.grad_fn).__name__ == gate
    eps = np.finfo(dtype).eps   # rounding noise around 0 may differ by a few ulps of 1
    tolerance = dict(rtol=max(16 * eps, row.rtol or 0), atol=4 * eps)
    np.testing.assert_allclose(out.detach().numpy(), numpy_of(tout), **tolerance, err_msg="forward")
    assert out.dtype == numpy_of(tout).dtype
    for i, (x, tx) in enumerate(zip(xs, txs)):
        grad = np.zeros(x.shape, dtype) if x.grad is None else x.grad.detach().numpy()
        tgrad = np.zeros(x.shape, dtype) if tx.grad is None else numpy_of(tx.grad)
        np.testing.assert_allclose(grad, tgrad, **tolerance, err_msg=f"gradient of input {i}")
        if row.finite:
            assert np.isfinite(grad).all(), f"gradient of input {i}: {grad}"
    if row.finite:
        assert np.isfinite(out.detach().numpy()).all(), f"forward: {out.detach().numpy()}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_target_gradient_is_finite_where_the_loss_is_clamped(dtype):
    """Where p or 1 - p is below e^-100, both libraries floor the log at -100 in the loss;
    for d loss / d target PyTorch uses the logs unfloored (inf at p = 0 or 1), chainrule
    differentiates the floored loss: log(1 - p) - log(p), each log floored, so 100 and -100."""
    p = cr.tensor(np.array([0.0, 1.0], dtype))
    y = cr.tensor(np.array([0.5, 0.5], dtype), requires_grad=True)
    loss = cr.ops.binary_cross_entropy(p, y)
    loss.sum().backward()
    np.testing.assert_array_equal(loss.detach().numpy(), [50.0, 50.0])
    np.testing.assert_array_equal(y.grad.detach().numpy(), [100.0, -100.0])

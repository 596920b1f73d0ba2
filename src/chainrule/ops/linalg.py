"""Matrix products: ``x @ y`` (1-D, 2-D and batched, as ``torch.matmul``) and the fused linear layer.

The rows of a matrix product depend on the operands' dimensions, so ``MatMul`` has one set of
rows per case and forward picks the case: a printed derivative is then true for the shapes
at hand (a 1-D operand gets an outer product, never a transpose that would be a dot product).
"""
import numpy as np

from ..autograd.gate import Gate
from ..tensor import api


class MatMul(Gate):
    """Matrix product with PyTorch's rules for 1-D and batched operands.

    >>> import chainrule as cr
    >>> (cr.tensor([[1.0, 2.0]]) @ cr.tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """

    label = "@"
    inputs = ("x", "y")
    formula = "x @ y"
    cases = {
        "matrices": {"x": "g @ y.T", "y": "x.T @ g"},                  # (m, k) @ (k, n)
        "batched": {"x": "g @ y.mT", "y": "x.mT @ g"},                 # (..., m, k) @ (..., k, n)
        "vector @ matrix": {"x": "mv(y, g)", "y": "outer(x, g)"},      # (k) @ (..., k, n)
        "matrix @ vector": {"x": "outer(g, y)", "y": "mv(x.mT, g)"},   # (..., m, k) @ (k)
        "dot": {"x": "g * y", "y": "g * x"},                           # (k) @ (k)
    }
    saves = ("case",)
    methods = ("__matmul__", "__rmatmul__", "matmul", "mm", "bmm")
    function = "matmul"

    def forward(self, x, y):
        self.case = matmul_case(np.ndim(x), np.ndim(y))
        try:
            return np.matmul(x, y)
        except ValueError:
            if np.ndim(x) == 0 or np.ndim(y) == 0:
                raise ValueError(f"matmul: both operands need at least one dimension, got "
                                 f"shapes {np.shape(x)} and {np.shape(y)}; use * to scale "
                                 f"by a scalar") from None
            raise ValueError(
                f"matmul: shapes {np.shape(x)} and {np.shape(y)} do not fit: the last dimension "
                f"of the first ({np.shape(x)[-1:]}) must equal the "
                f"{'only' if np.ndim(y) == 1 else 'second-to-last'} dimension of the second; "
                f"transpose one operand (.T) or reshape it") from None


def matmul_case(x_ndim, y_ndim):
    if x_ndim == 1:
        return "dot" if y_ndim == 1 else "vector @ matrix"
    if y_ndim == 1:
        return "matrix @ vector"
    return "matrices" if x_ndim == y_ndim == 2 else "batched"


class Linear(Gate):
    """``x @ W.T + b`` in one gate: the layer every MLP repeats, fused because one node
    instead of three is what makes small networks fast. ``x`` may have leading batch axes;
    the engine's conform step then sums the rows for ``W`` and ``b`` over them."""

    label = "linear"
    inputs = ("x", "W", "b")
    formula = "x @ W.T + b"
    cases = {
        "vector": {"x": "g @ W", "W": "outer(g, x)", "b": "g"},     # x: (in,)
        "matrix": {"x": "g @ W", "W": "g.T @ x", "b": "sum(g, 0)"},     # x: (N, in)
        "batched": {"x": "g @ W", "W": "as_matrix(g).T @ as_matrix(x)",   # x: (..., N, in)
                    "b": "sum(as_matrix(g), 0)"},
    }
    saves = ("case",)

    def forward(self, x, W, b=None):
        self.case = ("vector", "matrix")[np.ndim(x) - 1] if np.ndim(x) <= 2 else "batched"
        try:   # leading axes folded into rows: one 2-D BLAS product, not a batched loop
            out = np.matmul(x, W.T) if np.ndim(x) <= 2 else \
                np.matmul(x.reshape(-1, x.shape[-1]), W.T).reshape(*x.shape[:-1], -1)
        except ValueError:
            raise ValueError(f"linear: input of shape {np.shape(x)} does not fit a weight of "
                             f"shape {np.shape(W)} (out_features, in_features): the input's "
                             f"last dimension must be {np.shape(W)[-1]}") from None
        if b is not None:
            out += b
        return out


@api
def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` (``torch.nn.functional.linear``)."""
    return Linear.apply(x, weight, bias)

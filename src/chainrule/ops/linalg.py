"""Matrix products: ``x @ y`` (1-D, 2-D and batched, as ``torch.matmul``) and the fused linear layer."""
import numpy as np

from ..autograd.gate import Gate


class MatMul(Gate):
    label = "@"
    inputs = ("x", "y")
    formula = "x @ y"
    derivatives = {"x": "g @ y.T", "y": "x.T @ g"}

    def forward(self, x, y):
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

    def backward(self, g, xp):
        x, y = xp.values(self)
        needs_x, needs_y = self.needs_input_grad
        if x.ndim == 1 and y.ndim == 1:
            return (g * y if needs_x else None), (g * x if needs_y else None)
        if x.ndim == 1:   # (k) @ (..., k, n) -> (..., n)
            gx = xp.matmul(y, xp.expand_dims(g, -1))[..., 0] if needs_x else None
            gy = xp.expand_dims(x, -1) * xp.expand_dims(g, -2) if needs_y else None
            return gx, gy
        if y.ndim == 1:   # (..., m, k) @ (k) -> (..., m)
            gx = xp.expand_dims(g, -1) * y if needs_x else None
            gy = xp.matmul(xp.swapaxes(x, -1, -2), xp.expand_dims(g, -1))[..., 0] if needs_y else None
            return gx, gy
        gx = xp.matmul(g, xp.swapaxes(y, -1, -2)) if needs_x else None
        gy = xp.matmul(xp.swapaxes(x, -1, -2), g) if needs_y else None
        return gx, gy


class Linear(Gate):
    """``x @ W.T + b`` in one gate: the layer every MLP repeats, fused because one node
    instead of three is what makes small networks fast."""

    label = "linear"
    inputs = ("x", "W", "b")
    formula = "x @ W.T + b"
    derivatives = {"x": "g @ W", "W": "g.T @ x", "b": "sum(g, 0)"}

    def forward(self, x, W, b=None):
        try:
            out = np.matmul(x, W.T)
        except ValueError:
            raise ValueError(f"linear: input of shape {np.shape(x)} does not fit a weight of "
                             f"shape {np.shape(W)} (out_features, in_features): the input's "
                             f"last dimension must be {np.shape(W)[-1]}") from None
        if b is not None:
            out += b
        return out

    def backward(self, g, xp):
        x, W, b = xp.values(self)
        needs_x, needs_w, needs_b = self.needs_input_grad
        g2 = xp.reshape(g, (-1, g.shape[-1])) if g.ndim != 2 else g
        gx = xp.matmul(g, W) if needs_x else None
        gw = None
        if needs_w:
            x2 = xp.reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
            gw = xp.matmul(g2.T, x2)
        gb = xp.sum(g2, axis=0) if needs_b else None
        return gx, gw, gb


def matmul(x, y):
    """Matrix product with PyTorch's rules for 1-D and batched operands.

    >>> import chainrule as cr
    >>> (cr.tensor([[1.0, 2.0]]) @ cr.tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    return MatMul.apply(x, y)


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` (``torch.nn.functional.linear``)."""
    return Linear.apply(x, weight, bias)

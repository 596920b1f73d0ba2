"""The matrix exponential ``torch.linalg.matrix_exp`` (and ``torch.matrix_exp``), batched
(..., n, n), as a gate. Its gradient is PyTorch's: the Fréchet derivative read off the
exponential of a block matrix, ``expm([[A^T, g], [0, A^T]])``'s top-right n x n block
(Mathias' identity), so the row calls the gate itself and second derivatives run through
it too. The forward is SciPy's scaling-and-squaring Padé ``expm``.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..tensor import api
from .linalg_solve import check_square
from .shape import cat


def array_matrix_exp(x):
    check_square(x, "linalg.matrix_exp")
    if x.size == 0:
        return x.copy()
    import scipy.linalg   # here: importing chainrule does not load SciPy
    return np.asarray(scipy.linalg.expm(x), x.dtype)


def block(upper_left, upper_right, lower_right):
    """[[upper_left, upper_right], [0, lower_right]] for arrays or tensors."""
    if isinstance(upper_left, np.ndarray):
        return np.block([[upper_left, upper_right],
                         [np.zeros_like(upper_left), lower_right]])
    top = cat([upper_left, upper_right], -1)
    bottom = cat([upper_left.new_zeros(tuple(upper_left.shape)), lower_right], -1)
    return cat([top, bottom], -2)


def matrix_exp_backward(g, x):
    n = x.shape[-1]
    big = block(x.mT, g, x.mT)
    exp = array_matrix_exp(big) if isinstance(big, np.ndarray) else gate("MatrixExp").apply(big)
    return exp[..., :n, n:]


define("matrix_exp", array_matrix_exp, lambda x: gate("MatrixExp").apply(x),
       "matrix_exp(x): the matrix exponential of each matrix")
define("matrix_exp_backward", matrix_exp_backward, matrix_exp_backward,
       "matrix_exp_backward(g, x) = matrix_exp([[x^T, g], [0, x^T]])[:n, n:]: the gradient of "
       "x from that of exp(x)")


class MatrixExp(Gate):
    """``exp(A) = sum A^k / k!`` of each matrix (..., n, n): ``torch.linalg.matrix_exp``.

    >>> import chainrule as cr
    >>> a = cr.tensor([[0.0, 1.0], [0.0, 0.0]], requires_grad=True)
    >>> cr.linalg.matrix_exp(a).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    >>> cr.linalg.matrix_exp(a)[0, 1].backward()
    >>> [round(v, 6) for v in a.grad.flatten().tolist()]
    [0.5, 1.0, 0.166667, 0.5]
    """

    label = "matrix_exp"
    formula = "matrix_exp(x)"
    derivatives = {"x": "matrix_exp_backward(g, x)"}

    def forward(self, x):
        return array_matrix_exp(x)


@api(name="matrix_exp", methods=("matrix_exp",))
def matrix_exp(A):  # noqa: N803 (PyTorch's argument name)
    """``torch.linalg.matrix_exp``, ``torch.matrix_exp``, ``Tensor.matrix_exp``: the
    ``MatrixExp`` gate.

    >>> import chainrule as cr
    >>> cr.matrix_exp(cr.zeros(2, 2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return MatrixExp.apply(A)

"""Matrix functions PyTorch programs call, written as compositions of the linear-algebra
gates (``MatMul``, ``Inv``, ``Solve``) and of ``where``/``cat`` (so each gradient is the
gates' own): ``linalg.matrix_power``, ``multi_dot``, ``chain_matmul``, ``linalg.vecdot``,
``vdot``, ``linalg.solve_triangular``, ``triangular_solve``, ``cholesky_solve``,
``cholesky_inverse``, ``block_diag``, ``diagflat`` and ``dist``.
"""
import collections

import numpy as np

from ..dtypes import result_type
from ..tensor import Tensor, api, new_tensor
from .linalg import MatMul
from .linalg_solve import Inv, Solve
from .products import diag_embed
from .reduce import matrix_norm, vector_norm
from .svd import svdvals
from .shape import cat

TriangularSolveResult = collections.namedtuple("TriangularSolveResult",
                                               ["solution", "cloned_coefficient"])


def square_matrices(A, op, name="A"):  # noqa: N803
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op}: {name} must be batches of square matrices (..., n, n), got "
                         f"shape {tuple(A.shape)}")


@api(name=False)
def matrix_power(A, n, *, out=None):  # noqa: N803 (PyTorch's argument name)
    """``torch.linalg.matrix_power``: A multiplied by itself ``n`` times (by repeated
    squaring); the identity for n = 0, powers of ``inv(A)`` for n < 0.

    >>> import chainrule as cr
    >>> cr.linalg.matrix_power(cr.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
    [[1.0, 3.0], [0.0, 1.0]]
    """
    if out is not None:
        raise NotImplementedError("linalg.matrix_power: out= is not supported")
    square_matrices(A, "linalg.matrix_power")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:   # the identity, with no gradient (PyTorch's is zero)
        eye = np.eye(A.shape[-1], dtype=A._data.dtype)
        return new_tensor(np.broadcast_to(eye, tuple(A.shape)).copy(), None)
    base, result, k = (Inv.apply(A) if n < 0 else A), None, abs(int(n))
    while k:   # repeated squaring: the bits of |n|, lowest first
        if k & 1:
            result = base if result is None else MatMul.apply(result, base)
        k >>= 1
        if k:
            base = MatMul.apply(base, base)
    return result


@api(name="matrix_power", methods=("matrix_power",))
def matrix_power_top(input, n):  # noqa: A002
    """``torch.matrix_power`` and ``Tensor.matrix_power``: ``linalg.matrix_power``.

    >>> import chainrule as cr
    >>> cr.tensor([[2.0, 0.0], [0.0, 1.0]]).matrix_power(-1).tolist()
    [[0.5, 0.0], [0.0, 1.0]]
    """
    return matrix_power(input, n)


@api(name=False)
def multi_dot(tensors, *, out=None):
    """``torch.linalg.multi_dot``: the product of the matrices, left to right; the first
    may be 1-D (a row) and the last 1-D (a column), as PyTorch's.

    >>> import chainrule as cr
    >>> cr.linalg.multi_dot([cr.tensor([1.0, 2.0]), cr.eye(2), cr.tensor([3.0, 4.0])]).item()
    11.0
    """
    if out is not None:
        raise NotImplementedError("linalg.multi_dot: out= is not supported")
    tensors = list(tensors)
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            raise ValueError(f"linalg.multi_dot: tensor {i} must be "
                             f"{' or '.join(f'{d}-D' for d in allowed)}, got {t.ndim}-D")
    result = tensors[0]
    for t in tensors[1:]:
        result = MatMul.apply(result, t)
    return result


@api
def chain_matmul(*matrices, out=None):
    """``torch.chain_matmul`` (deprecated there for ``linalg.multi_dot``): the product of
    2-D matrices, left to right.

    >>> import chainrule as cr
    >>> cr.chain_matmul(cr.eye(2), cr.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    if out is not None:
        raise NotImplementedError("chain_matmul: out= is not supported")
    if len(matrices) == 1:
        return matrices[0] * 1
    return multi_dot(matrices)


@api(name=False)
def vecdot(x, y, *, dim=-1, out=None):
    """``torch.linalg.vecdot``: the dot product of the vectors along ``dim``, broadcast.

    >>> import chainrule as cr
    >>> cr.linalg.vecdot(cr.tensor([[1.0, 2.0]]), cr.tensor([3.0, 4.0])).tolist()
    [11.0]
    """
    if out is not None:
        raise NotImplementedError("linalg.vecdot: out= is not supported")
    return (x * y).sum(dim)


@api
def vdot(input, other, *, out=None):  # noqa: A002
    """``torch.vdot``: the dot product of two 1-D tensors of one size (real: ``dot``).

    >>> import chainrule as cr
    >>> cr.vdot(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0])).item()
    11.0
    """
    if out is not None:
        raise NotImplementedError("vdot: out= is not supported")
    if input.ndim != 1 or other.ndim != 1 or input.shape[0] != other.shape[0]:
        raise ValueError(f"vdot: expected two 1-D tensors of the same size, got shapes "
                         f"{tuple(input.shape)} and {tuple(other.shape)}")
    return MatMul.apply(input, other)


def triangle_of(A, upper, unitriangular):  # noqa: N803
    """The triangle of A that LAPACK reads (its diagonal taken as ones when unitriangular):
    a ``where``, so the other triangle gets no gradient, as PyTorch's."""
    n = A.shape[-1]
    keep = np.triu(np.ones((n, n), bool), 1 if unitriangular else 0) if upper else \
        np.tril(np.ones((n, n), bool), -1 if unitriangular else 0)
    fill = np.eye(n, dtype=A._data.dtype) if unitriangular else np.zeros((n, n), A._data.dtype)
    return A.where(new_tensor(keep, None), new_tensor(fill, None))


@api(name=False)
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):  # noqa: N803
    """``torch.linalg.solve_triangular``: X with ``A X = B`` (``X A = B`` with
    ``left=False``) reading only A's upper or lower triangle (and ones on its diagonal with
    ``unitriangular``); the ``Solve`` gate on that triangle.

    >>> import chainrule as cr
    >>> A = cr.tensor([[2.0, 9.0], [1.0, 4.0]])
    >>> cr.linalg.solve_triangular(A, cr.tensor([[2.0], [5.0]]), upper=False).tolist()
    [[1.0], [1.0]]
    """
    if out is not None:
        raise NotImplementedError("linalg.solve_triangular: out= is not supported")
    square_matrices(A, "linalg.solve_triangular")
    if B.ndim < 2:
        raise ValueError(f"linalg.solve_triangular: B must have at least 2 dimensions "
                         f"(..., n, k), got shape {tuple(B.shape)}")
    T = triangle_of(A, upper, unitriangular)  # noqa: N806
    return Solve.apply(T, B) if left else Solve.apply(T.mT, B.mT).mT


@api(methods=("triangular_solve",))
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):  # noqa: N803
    """``torch.triangular_solve`` (deprecated there for ``linalg.solve_triangular``):
    ``(X, A)`` with ``A X = b`` (``A^T X = b`` with ``transpose``).

    >>> import chainrule as cr
    >>> X, A = cr.triangular_solve(cr.tensor([[4.0], [2.0]]), cr.tensor([[2.0, 1.0], [0.0, 1.0]]))
    >>> X.tolist()
    [[1.0], [2.0]]
    """
    T = triangle_of(A, upper, unitriangular)  # noqa: N806
    return TriangularSolveResult(Solve.apply(T.mT if transpose else T, b), A * 1)


def check_triangular(L, upper, op):  # noqa: N803
    """PyTorch reads one triangle of the factor; chainrule's compositions read all of it,
    so a factor with values in the other triangle is refused rather than misread."""
    other = np.tril(L._data, -1) if upper else np.triu(L._data, 1)
    if np.any(other != 0):
        side = "lower" if upper else "upper"
        raise ValueError(f"{op}: the factor has nonzero values in its {side} triangle, which "
                         f"PyTorch ignores; pass {'triu' if upper else 'tril'}(L)")


@api(methods=("cholesky_solve",))
def cholesky_solve(B, L, upper=False, *, out=None):  # noqa: N803
    """``torch.cholesky_solve``: X with ``A X = B`` for ``A = L L^T`` (``U^T U`` with
    ``upper=True``), given the Cholesky factor: two ``Solve``s; the gradient of L is
    PyTorch's (of the whole factor).

    >>> import chainrule as cr
    >>> L = cr.tensor([[2.0, 0.0], [1.0, 1.0]])
    >>> cr.cholesky_solve(cr.tensor([[4.0], [2.0]]), L).tolist()
    [[1.0], [0.0]]
    """
    if out is not None:
        raise NotImplementedError("cholesky_solve: out= is not supported")
    square_matrices(L, "cholesky_solve", "the factor")
    check_triangular(L, upper, "cholesky_solve")
    lower = L.mT if upper else L
    return Solve.apply(lower.mT, Solve.apply(lower, B))


@api(methods=("cholesky_inverse",))
def cholesky_inverse(L, upper=False, *, out=None):  # noqa: N803
    """``torch.cholesky_inverse``: the inverse of ``A = L L^T`` (``U^T U`` with
    ``upper=True``) from its Cholesky factor: ``Inv`` of the product.

    >>> import chainrule as cr
    >>> cr.cholesky_inverse(cr.tensor([[2.0, 0.0], [0.0, 1.0]])).tolist()
    [[0.25, 0.0], [0.0, 1.0]]
    """
    if out is not None:
        raise NotImplementedError("cholesky_inverse: out= is not supported")
    square_matrices(L, "cholesky_inverse", "the factor")
    check_triangular(L, upper, "cholesky_inverse")
    return Inv.apply(L.mT @ L if upper else L @ L.mT)


@api
def block_diag(*tensors):
    """``torch.block_diag``: the tensors (0-, 1- or 2-D) on the diagonal of one matrix,
    zeros elsewhere; ``cat`` of zero-padded rows, in the promoted dtype.

    >>> import chainrule as cr
    >>> cr.block_diag(cr.tensor([[1.0]]), cr.tensor([2.0, 3.0])).tolist()
    [[1.0, 0.0, 0.0], [0.0, 2.0, 3.0]]
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor) or t.ndim > 2:
            raise ValueError(f"block_diag: input {i} must be a tensor of at most 2 dimensions"
                             f", got {getattr(t, 'shape', type(t).__name__)}")
    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    dtype = result_type(*(t._data for t in tensors)) if tensors else np.float32
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        b = b.to(dtype)
        pad_left = b.new_zeros((b.shape[0], left))
        pad_right = b.new_zeros((b.shape[0], width - left - b.shape[1]))
        rows.append(cat([pad_left, b, pad_right], 1))
        left += b.shape[1]
    return cat(rows, 0) if rows else new_tensor(np.zeros((0, 0), np.float32), None)


@api(methods=("diagflat",))
def diagflat(input, offset=0):  # noqa: A002
    """``torch.diagflat``: ``input`` flattened onto the ``offset`` diagonal of a square
    matrix (``diag_embed`` of the flattened input).

    >>> import chainrule as cr
    >>> cr.diagflat(cr.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    return diag_embed(input.reshape(-1), offset)


@api(methods=("dist",))
def dist(input, other, p=2):  # noqa: A002
    """``torch.dist``: the p-norm of ``input - other`` (broadcast) over all elements.

    >>> import chainrule as cr
    >>> cr.dist(cr.tensor([0.0, 0.0]), cr.tensor([3.0, 4.0])).item()
    5.0
    """
    return vector_norm(input - other, p)


@api(name=False)
def cond(A, p=None, *, out=None):  # noqa: N803
    """``torch.linalg.cond``: the condition number ``||A||_p ||A^-1||_p`` of each matrix:
    the ratio of extreme singular values for p None, 2, -2 (any shape), else
    ``matrix_norm`` of A and of ``inv(A)`` (square A; inf for a singular one, as PyTorch).

    >>> import chainrule as cr
    >>> cr.linalg.cond(cr.tensor([[4.0, 0.0], [0.0, 2.0]])).item()
    2.0
    """
    if out is not None:
        raise NotImplementedError("linalg.cond: out= is not supported")
    if A.ndim < 2:
        raise ValueError(f"linalg.cond: A must have at least 2 dimensions, got shape "
                         f"{tuple(A.shape)}")
    if p in (None, 2, -2):
        s = svdvals(A)
        ratio = s[..., 0] / s[..., -1]
        return ratio if p != -2 else 1 / ratio
    if p not in ("fro", "nuc", 1, -1, float("inf"), float("-inf")):
        raise ValueError(f"linalg.cond: p must be one of None, 'fro', 'nuc', inf, -inf, 1, -1, "
                         f"2, -2, got {p!r}")
    square_matrices(A, "linalg.cond")
    singular = singular_matrices(A._data)
    eye = new_tensor(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype),
                                      tuple(A.shape)).copy(), None)
    mask = new_tensor(singular[..., None, None], None)
    safe = eye.where(mask, A)   # singular matrices replaced, their result set to inf below
    value = matrix_norm(safe, p) * matrix_norm(Inv.apply(safe), p)
    return value.where(new_tensor(~singular, None), value.new_full((), float("inf")))


def singular_matrices(x):
    """Which matrices of ``x`` (..., n, n) LAPACK cannot invert."""
    flat = x.reshape((-1,) + x.shape[-2:])
    found = np.zeros(len(flat), bool)
    for i, matrix in enumerate(flat):
        try:
            np.linalg.inv(matrix)
        except np.linalg.LinAlgError:
            found[i] = True
    return found.reshape(x.shape[:-2])


@api(name=False)
def tensorinv(A, ind=2, *, out=None):  # noqa: N803
    """``torch.linalg.tensorinv``: the inverse of A for ``tensordot(.., ind)``: A reshaped
    to a square matrix (the first ``ind`` dimensions against the rest), ``Inv``, reshaped.

    >>> import chainrule as cr
    >>> cr.linalg.tensorinv(cr.eye(4).reshape(4, 2, 2), ind=1).shape
    chainrule.Size([2, 2, 4])
    """
    if out is not None:
        raise NotImplementedError("linalg.tensorinv: out= is not supported")
    if ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    if int(np.prod(rows)) != int(np.prod(cols)):
        raise ValueError(f"linalg.tensorinv: the product of the first {ind} dimensions "
                         f"{rows} must equal that of the rest {cols}")
    n = int(np.prod(rows))
    return Inv.apply(A.reshape(n, n)).reshape(cols + rows)


@api(name=False)
def tensorsolve(A, B, dims=None, *, out=None):  # noqa: N803
    """``torch.linalg.tensorsolve``: X with ``tensordot(A, X, X.ndim) = B``; ``dims`` of A
    are moved to the end first. A reshape and the ``Solve`` gate.

    >>> import chainrule as cr
    >>> cr.linalg.tensorsolve(cr.eye(6).reshape(6, 2, 3), cr.ones(6)).shape
    chainrule.Size([2, 3])
    """
    if out is not None:
        raise NotImplementedError("linalg.tensorsolve: out= is not supported")
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.permute([d for d in range(A.ndim) if d not in dims] + dims)  # noqa: N806
    rest = tuple(A.shape[B.ndim:])
    rows, cols = int(np.prod(B.shape)), int(np.prod(rest))
    if int(np.prod(A.shape[:B.ndim])) != rows or rows != cols:   # PyTorch counts elements
        raise ValueError(f"linalg.tensorsolve: A {tuple(A.shape)} must start with as many "
                         f"elements as B {tuple(B.shape)}, and the rest must have as many")
    return Solve.apply(A.reshape(rows, cols), B.reshape(rows, 1)).reshape(rest)


@api(name=False)
def vander(x, *, N=None):  # noqa: N803
    """``torch.linalg.vander``: the powers ``x^0 ... x^(N-1)`` of each element as a last
    dimension (N = the last size by default): a running product (``cumprod``), so x = 0
    has PyTorch's gradient.

    >>> import chainrule as cr
    >>> cr.linalg.vander(cr.tensor([2.0, 3.0])).tolist()
    [[1.0, 2.0], [1.0, 3.0]]
    """
    x = x.reshape(1) if x.ndim == 0 else x   # PyTorch reads a 0-d x as one element
    N = x.shape[-1] if N is None else N  # noqa: N806
    if N <= 1:
        if N < 0:
            raise ValueError(f"linalg.vander: N must be non-negative, got {N}")
        return x.new_ones(tuple(x.shape) + (N,))
    ones = x.new_ones(tuple(x.shape) + (1,))
    powers = x.unsqueeze(-1).expand(*x.shape, N - 1).cumprod(-1)
    return cat([ones, powers], -1)


@api(name=False)
def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):  # noqa: N803
    """``torch.linalg.diagonal``: ``diagonal`` with the last two dimensions by default.

    >>> import chainrule as cr
    >>> cr.linalg.diagonal(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), offset=1).tolist()
    [2.0]
    """
    return A.diagonal(offset, dim1, dim2)

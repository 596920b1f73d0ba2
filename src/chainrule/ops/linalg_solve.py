"""Inverses, determinants, linear solves and the Cholesky factor of square matrices
(``torch.linalg.inv``, ``det``, ``slogdet``, ``solve``, ``cholesky``), batched over the
leading dimensions (..., n, n), with PyTorch's derivative formulas:

* ``inv``: ``gA = -A^-T g A^-T`` (written with the output, A^-1, itself);
* ``det``: ``gA = g det(A) A^-T``; ``slogdet``'s ``logabsdet``: ``gA = g A^-T``;
* ``solve`` (X = A^-1 B): ``gB = solve(A^T, g)``, ``gA = -gB X^T``: solves, no inverse;
* ``cholesky`` (A = L L^T): ``gA = L^-T Φ(L^T gL) L^-1``, Φ keeping the lower triangle with
  the diagonal halved and mirrored, as PyTorch's ``cholesky_backward`` (a symmetric gradient).

The rows call these gates again, so second derivatives run through gates too. A singular
matrix (or, for cholesky, one that is not positive-definite) raises an error naming the
operation, as PyTorch's does; the gradient of ``det`` at a singular matrix is PyTorch's
(the adjugate, through an SVD), its second derivative there is refused, never a silent
infinity.
"""
import collections

import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..tensor import api, new_tensor
from .svd import check_float_matrices

SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])


def check_square(a, op, name="A"):
    """A float32/float64 array (..., n, n): the shape and dtype every gate here needs."""
    check_float_matrices(a, op, name, square=True)


def singular(op, what="the input matrix is singular"):
    return ValueError(f"{op}: {what}, so it has no inverse; check the matrix (its "
                      f"determinant is 0), or use linalg.pinv / linalg.lstsq when that is "
                      f"expected")


def array_inv(a, op="linalg.inv"):
    check_square(a, op)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise singular(op) from None


def array_solve(a, b, op="linalg.solve"):
    check_square(a, op)
    if np.ndim(b) < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"{op}: B must have shape (..., n, k) with n = {a.shape[-1]} rows to "
                         f"match A {np.shape(a)}, got {np.shape(b)}")
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise singular(op, "the solver failed because the input matrix is singular") from None
    except ValueError:
        raise ValueError(f"{op}: the batch dimensions of A {np.shape(a)} and B {np.shape(b)} "
                         f"do not broadcast") from None


def array_det(a):
    check_square(a, "linalg.det")
    return np.linalg.det(a)


def array_logabsdet(a):
    check_square(a, "linalg.slogdet")
    return np.linalg.slogdet(a)[1]


def array_cholesky(a):
    check_square(a, "linalg.cholesky")
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise ValueError("linalg.cholesky: the factorization could not be completed because "
                         "the input is not positive-definite; a symmetric matrix with positive "
                         "eigenvalues is needed (add a multiple of the identity)") from None


# ----- the rows' helpers: written with operators, so one function serves arrays and tensors
def inv_transposed(x, op):
    """A^-T, with an error naming ``op`` for a singular A also in backward."""
    return (array_inv(x, op) if isinstance(x, np.ndarray) else gate("Inv").apply(x)).mT


def adjugate_transposed(x):
    """adj(A)^T = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh from A = U diag(s) Vh:
    det's gradient also where A is singular (PyTorch's SVD branch), arrays only."""
    u, s, vh = np.linalg.svd(x)
    others = np.where(np.eye(s.shape[-1], dtype=bool), 1, s[..., None, :]).prod(-1)
    signs = np.linalg.det(u) * np.linalg.det(vh)
    return signs[..., None, None] * (u * others[..., None, :]) @ vh


def det_backward(g, out, x):
    """g det(A) A^-T; where a matrix of the batch is singular, g adj(A)^T for all (the
    same value elsewhere). With ``create_graph`` the row runs through ``Inv``, which
    refuses a singular matrix."""
    if isinstance(x, np.ndarray):
        try:
            return (g * out)[..., None, None] * np.linalg.inv(x).mT
        except np.linalg.LinAlgError:
            return g[..., None, None] * adjugate_transposed(x)
    return (g * out)[..., None, None] * inv_transposed(x, "det backward")


def logabsdet_backward(g, x):
    return g[..., None, None] * inv_transposed(x, "slogdet backward")


def solve_tensors(a, b):
    return gate("Solve").apply(a, b)


def lower(x, k=0):
    return np.tril(x, k) if isinstance(x, np.ndarray) else x.tril(k)


def cholesky_backward(g, out):
    p = lower(out.mT @ g)                       # tril(L^T gL)
    s = 0.5 * (p + lower(p, -1).mT)             # Φ: halved diagonal, mirrored below it
    left = solve_of(out.mT, s)                  # L^-T S
    return solve_of(out.mT, left.mT).mT         # (L^-T S) L^-1, as (L^-T (L^-T S)^T)^T


def solve_of(a, b):
    return array_solve(a, b) if isinstance(a, np.ndarray) else solve_tensors(a, b)


define("inv", array_inv, lambda x: gate("Inv").apply(x), "inv(x): the inverse of each matrix")
define("det", array_det, lambda x: gate("Det").apply(x), "det(x): the determinant of each matrix")
define("logabsdet", array_logabsdet, lambda x: gate("LogAbsDet").apply(x),
       "logabsdet(x): log |det x| of each matrix (slogdet's second output)")
define("solve", solve_of, solve_tensors, "solve(a, b): X with a X = b, each matrix")
define("cholesky", array_cholesky, lambda x: gate("Cholesky").apply(x),
       "cholesky(x): the lower triangular L with x = L L^T, each matrix")
define("det_backward", det_backward, det_backward,
       "det_backward(g, out, x) = g out x^-T: the gradient of x from that of det x")
define("logabsdet_backward", logabsdet_backward, logabsdet_backward,
       "logabsdet_backward(g, x) = g x^-T: the gradient of x from that of log |det x|")
define("cholesky_backward", cholesky_backward, cholesky_backward,
       "cholesky_backward(g, L) = L^-T Φ(L^T g) L^-1, Φ(P) = tril(P) with the diagonal halved, "
       "plus its transpose below the diagonal: the gradient of x from that of L")


class Inv(Gate):
    """The inverse of each matrix (..., n, n): ``torch.linalg.inv``.

    >>> import chainrule as cr
    >>> a = cr.tensor([[2.0, 0.0], [0.0, 4.0]], requires_grad=True)
    >>> cr.linalg.inv(a).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    >>> cr.linalg.inv(a).sum().backward()
    >>> a.grad.tolist()
    [[-0.25, -0.125], [-0.125, -0.0625]]
    """

    label = "inv"
    formula = "inv(x)"
    derivatives = {"x": "-(out.mT @ g @ out.mT)"}

    def forward(self, x):
        return array_inv(x)


class Det(Gate):
    """The determinant of each matrix (..., n, n): ``torch.linalg.det``.

    >>> import chainrule as cr
    >>> a = cr.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> d = cr.linalg.det(a)
    >>> round(d.item(), 6)
    5.0
    >>> d.backward()
    >>> a.grad.tolist()
    [[3.0, -1.0], [-1.0, 2.0]]
    """

    label = "det"
    formula = "det(x)"
    derivatives = {"x": "det_backward(g, out, x)"}

    def forward(self, x):
        return array_det(x)


class LogAbsDet(Gate):
    """log |det A| of each matrix: the second output of ``torch.linalg.slogdet``."""

    label = "logabsdet"
    formula = "logabsdet(x)"
    derivatives = {"x": "logabsdet_backward(g, x)"}

    def forward(self, x):
        return array_logabsdet(x)


class Solve(Gate):
    """X with ``A X = B`` for each matrix of A (..., n, n) and B (..., n, k), batch
    dimensions broadcast: ``torch.linalg.solve`` (its vector and ``left=False`` forms are
    reshapes of this one, ``linalg.py``)."""

    label = "solve"
    inputs = ("a", "b")
    formula = "solve(a, b)"
    derivatives = {"a": "-(solve(a.mT, g) @ out.mT)", "b": "solve(a.mT, g)"}

    def forward(self, a, b):
        return array_solve(a, b)


class Cholesky(Gate):
    """The lower triangular L with ``A = L L^T`` (A symmetric positive-definite): PyTorch's
    ``torch.linalg.cholesky``. As LAPACK's, only A's lower triangle is read; the gradient is
    PyTorch's symmetric one."""

    label = "cholesky"
    formula = "cholesky(x)"
    derivatives = {"x": "cholesky_backward(g, out)"}

    def forward(self, x):
        return array_cholesky(x)


# ----- the public functions: PyTorch's arguments turned into the gates' ------------------
def refuse_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; use the returned tensor")


@api(name=False)
def inv(A, *, out=None):  # noqa: N803 (PyTorch's argument name)
    """``torch.linalg.inv``: the inverse of each matrix (..., n, n) (the ``Inv`` gate).

    >>> import chainrule as cr
    >>> cr.linalg.inv(cr.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [[0.0, 1.0], [0.5, 0.0]]
    """
    refuse_out(out, "linalg.inv")
    return Inv.apply(A)


@api(methods=("inverse",))
def inverse(input, *, out=None):  # noqa: A002
    """``torch.inverse`` and ``Tensor.inverse``: ``linalg.inv`` (the ``Inv`` gate).

    >>> import chainrule as cr
    >>> cr.tensor([[4.0]]).inverse().tolist()
    [[0.25]]
    """
    refuse_out(out, "inverse")
    return Inv.apply(input)


@api(methods=("det",))
def det(A, *, out=None):  # noqa: N803
    """``torch.linalg.det``, ``torch.det``, ``Tensor.det``: the determinant of each matrix
    (the ``Det`` gate).

    >>> import chainrule as cr
    >>> cr.det(cr.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=cr.float64)).item()
    -2.0000000000000004
    """
    refuse_out(out, "linalg.det")
    return Det.apply(A)


@api(methods=("slogdet",))
def slogdet(A, *, out=None):  # noqa: N803
    """``torch.linalg.slogdet``: ``(sign, logabsdet)`` of each matrix, det = sign *
    exp(logabsdet); ``sign`` (-1, 0 or 1) has no gradient, ``logabsdet`` is the
    ``LogAbsDet`` gate (-inf for a singular matrix).

    >>> import chainrule as cr
    >>> sign, logabsdet = cr.linalg.slogdet(cr.tensor([[0.0, 2.0], [1.0, 0.0]]))
    >>> sign.item(), round(logabsdet.item(), 6)
    (-1.0, 0.693147)
    """
    refuse_out(out, "linalg.slogdet")
    check_square(A._data, "linalg.slogdet")
    sign = new_tensor(np.linalg.slogdet(A._data)[0].astype(A._data.dtype), None)
    return SlogdetResult(sign, LogAbsDet.apply(A))


@api(methods=("logdet",))
def logdet(input):  # noqa: A002
    """``torch.logdet``: log det of each matrix, NaN where det < 0 and -inf where det = 0,
    as PyTorch's: ``logabsdet + log(sign)`` (the ``LogAbsDet`` gate).

    >>> import chainrule as cr
    >>> round(cr.logdet(cr.tensor([[2.0, 0.0], [0.0, 1.5]])).item(), 6)
    1.098612
    """
    sign, logabsdet = slogdet(input)
    with np.errstate(divide="ignore", invalid="ignore"):
        return logabsdet + new_tensor(np.log(sign._data), None)


def is_vector_rhs(A, B):  # noqa: N803
    """PyTorch's rule: B is a (batch of) vector(s) when 1-D or shaped as A without its last
    dimension."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


@api(name=False)
def solve(A, B, *, left=True, out=None):  # noqa: N803
    """``torch.linalg.solve``: X with ``A X = B`` (``X A = B`` with ``left=False``), A
    (..., n, n), B (..., n, k) or a (batch of) vector(s) (..., n); batch dimensions
    broadcast (the ``Solve`` gate).

    >>> import chainrule as cr
    >>> A = cr.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> cr.linalg.solve(A, cr.tensor([1.0, 1.0])).tolist()
    [0.5, 0.25]
    """
    refuse_out(out, "linalg.solve")
    if A.ndim < 2:
        raise ValueError(f"linalg.solve: A must be batches of square matrices (..., n, n), "
                         f"got shape {tuple(A.shape)}")
    if is_vector_rhs(A, B):
        if not left:   # PyTorch refuses it too
            raise ValueError("linalg.solve: a vector B is not supported with left=False; "
                             "there the equation x A = b is b / A.squeeze(-1)")
        return Solve.apply(A, B.unsqueeze(-1)).squeeze(-1)
    if left:
        return Solve.apply(A, B)
    if B.shape[-1] != A.shape[-1]:
        raise ValueError(f"linalg.solve: incompatible shapes of A {tuple(A.shape)} and B "
                         f"{tuple(B.shape)} for the equation XA = B (left=False): B's last "
                         f"dimension must be n")
    return Solve.apply(A.mT, B.mT).mT   # X A = B is A^T X^T = B^T


@api(name=False)
def cholesky(A, *, upper=False, out=None):  # noqa: N803
    """``torch.linalg.cholesky``: L lower triangular with ``A = L L^T`` (``upper=True``: U
    = L^T, A = U^T U), for symmetric positive-definite A (..., n, n) (the ``Cholesky`` gate).

    >>> import chainrule as cr
    >>> cr.linalg.cholesky(cr.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    refuse_out(out, "linalg.cholesky")
    L = Cholesky.apply(A)  # noqa: N806
    return L.mT if upper else L


@api(name="cholesky", methods=("cholesky",))
def old_cholesky(input, upper=False, *, out=None):  # noqa: A002
    """``torch.cholesky`` (deprecated there for ``linalg.cholesky``), ``Tensor.cholesky``:
    the lower factor, or the upper one with ``upper=True`` (the ``Cholesky`` gate).

    >>> import chainrule as cr
    >>> cr.cholesky(cr.tensor([[4.0, 2.0], [2.0, 2.0]]), upper=True).tolist()
    [[2.0, 1.0], [0.0, 1.0]]
    """
    refuse_out(out, "cholesky")
    L = Cholesky.apply(input)  # noqa: N806
    return L.mT if upper else L


# ----- the _ex forms: an info code per matrix instead of an error ------------------------
InvExResult = collections.namedtuple("InvExResult", ["inverse", "info"])
CholeskyExResult = collections.namedtuple("CholeskyExResult", ["L", "info"])
SolveExResult = collections.namedtuple("SolveExResult", ["result", "info"])


def lapack(name, dtype):
    import scipy.linalg.lapack   # here: importing chainrule does not load SciPy
    return getattr(scipy.linalg.lapack, ("s" if dtype == np.float32 else "d") + name)


def lapack_each(x, fn):
    """``fn(matrix) -> (result, info)`` over the matrices of x (..., n, n)."""
    if x.size == 0:   # LAPACK refuses empty matrices: nothing can fail
        return np.zeros(x.shape, x.dtype), np.zeros(x.shape[:-2], np.int32)
    flat = x.reshape((-1,) + x.shape[-2:])
    pairs = [fn(m) for m in flat]
    results = np.stack([p[0] for p in pairs]) if pairs else np.zeros_like(flat)
    infos = np.array([p[1] for p in pairs], np.int32)
    return results, infos.reshape(x.shape[:-2])


def cholesky_info(x):
    """LAPACK's partial factor and info (the order of the first leading minor that is not
    positive-definite, 0 when none), as PyTorch's cholesky_ex returns them."""
    potrf = lapack("potrf", x.dtype)

    def one(m):
        c, info = potrf(m, lower=1, clean=1)
        return np.tril(c), info
    return lapack_each(x, one)


def lu_info(x, b):
    """LAPACK's LU solve of each A X = B and info (the first zero pivot, 1-based)."""
    getrf, getrs = lapack("getrf", x.dtype), lapack("getrs", x.dtype)
    if x.size == 0:
        return (np.zeros(x.shape[:-2] + b.shape[-2:], x.dtype),
                np.zeros(x.shape[:-2], np.int32))
    flat_b = np.broadcast_to(b, x.shape[:-2] + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    flat = x.reshape((-1,) + x.shape[-2:])
    results, infos = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        for m, rhs in zip(flat, flat_b):
            lu, piv, info = getrf(m)
            results.append(getrs(lu, piv, rhs)[0])
            infos.append(info)
    shape = x.shape[:-2]
    return (np.stack(results).reshape(shape + b.shape[-2:]) if results else
            np.zeros(shape + b.shape[-2:], x.dtype), np.array(infos, np.int32).reshape(shape))


def with_info(op, A, result_of, lapack_result, info, check_errors, what):  # noqa: N803
    """The gate's result where info is 0 (with gradients), LAPACK's own elsewhere (none);
    with check_errors, PyTorch's error for the first failing matrix instead."""
    if check_errors and info.any():
        index = tuple(int(i) for i in np.argwhere(info)[0])
        where = f" (batch element {', '.join(map(str, index))})" if info.ndim else ""
        raise ValueError(f"{op}{where}: {what} (info = {int(info[index])})")
    info_tensor = new_tensor(info, None)
    if not info.any():
        return result_of(A), info_tensor
    failing = new_tensor(info[..., None, None] != 0, None)
    eye = new_tensor(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype),
                                     tuple(A.shape)).copy(), None)
    good = result_of(eye.where(failing, A))
    return new_tensor(lapack_result.astype(A._data.dtype), None).where(failing, good), \
        info_tensor


@api(name=False)
def inv_ex(A, *, check_errors=False, out=None):  # noqa: N803
    """``torch.linalg.inv_ex``: ``(inverse, info)``, info (int32) the first zero pivot of
    each matrix's LU factorization (0 when invertible); a singular matrix's inverse is
    LAPACK's (inf/NaN, no gradient) unless ``check_errors=True`` raises.

    >>> import chainrule as cr
    >>> inverse, info = cr.linalg.inv_ex(cr.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> inverse.tolist(), info.item()
    ([[0.5, 0.0], [0.0, 0.25]], 0)
    """
    refuse_out(out, "linalg.inv_ex")
    check_square(A._data, "linalg.inv_ex")
    result, info = lu_info(A._data, np.eye(A.shape[-1], dtype=A._data.dtype))
    return InvExResult(*with_info("linalg.inv_ex", A, Inv.apply, result, info, check_errors,
                                  "the input matrix is singular"))


@api(name=False)
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):  # noqa: N803
    """``torch.linalg.cholesky_ex``: ``(L, info)``, info (int32) the order of the first
    leading minor that is not positive-definite (0 when none, L then the ``Cholesky``
    gate's); otherwise L is LAPACK's partial factor, as PyTorch's, without gradient.

    >>> import chainrule as cr
    >>> L, info = cr.linalg.cholesky_ex(cr.tensor([[1.0, 2.0], [2.0, 1.0]]))
    >>> info.item()
    2
    """
    refuse_out(out, "linalg.cholesky_ex")
    check_square(A._data, "linalg.cholesky_ex")
    result, info = cholesky_info(A._data)
    L, info = with_info("linalg.cholesky_ex", A, Cholesky.apply, result, info, check_errors,  # noqa: N806
                        "the input is not positive-definite")
    return CholeskyExResult(L.mT if upper else L, info)


@api(name=False)
def solve_ex(A, B, *, left=True, check_errors=False, out=None):  # noqa: N803
    """``torch.linalg.solve_ex``: ``(result, info)``, ``linalg.solve`` with info (int32)
    the first zero pivot of each A (0 when invertible, then with gradients).

    >>> import chainrule as cr
    >>> X, info = cr.linalg.solve_ex(cr.tensor([[2.0, 0.0], [0.0, 4.0]]), cr.ones(2))
    >>> X.tolist(), info.item()
    ([0.5, 0.25], 0)
    """
    refuse_out(out, "linalg.solve_ex")
    check_square(A._data, "linalg.solve_ex")
    _, info = lu_info(A._data, np.eye(A.shape[-1], dtype=A._data.dtype))
    if check_errors and info.any():
        with_info("linalg.solve_ex", A, None, None, info, True,
                  "the solver failed because the input matrix is singular")
    if not info.any():
        return SolveExResult(solve(A, B, left=left), new_tensor(info, None))
    raise ValueError("linalg.solve_ex: a singular matrix with check_errors=False: "
                     "chainrule does not reproduce LAPACK's partial result; check info with "
                     "linalg.inv_ex(A) first, or use linalg.lstsq")

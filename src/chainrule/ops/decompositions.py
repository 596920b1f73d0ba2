"""The symmetric eigendecomposition ``A = V diag(L) V^T`` (``torch.linalg.eigh``,
``eigvalsh``) and the QR decomposition ``A = Q R`` (``torch.linalg.qr``), one gate per
factor as ``ops/svd.py`` does (a gate has one output): each forward runs LAPACK once and
keeps the other factor for its row, and the gradient of A, linear in the factors'
gradients, is the sum of the rows, PyTorch's ``linalg_eig_backward`` (hermitian) and
``linalg_qr_backward``:

* through L: ``V diag(gL) V^T``;
* through V: ``V (skew(V^T gV) / 2 / E) V^T``, ``E[i, j] = L[j] - L[i]`` (1 on the diagonal,
  where the numerator is 0): finite only for distinct eigenvalues, as PyTorch's;
* through Q and R (m >= n, reduced): ``(gQ + Q copyltu(M)) R^-T``, ``M = gR R^T - Q^T gQ``,
  copyltu(M) = triu(M) + triu(M, 1)^T; for m < n: ``Q tril(M^T - M) R1^-T`` padded with
  zero columns, plus ``Q gR`` (R1 = R's first m columns).

Eigenvectors' signs are LAPACK's choice; chainrule flips each so that its largest |entry|
is positive (PyTorch's may differ; a loss that depends on them has no derivative). The QR
factors are LAPACK's Householder ones, as PyTorch's. As in PyTorch, eigh reads one
triangle of A (``UPLO``) and its gradient is not symmetrized.
"""
import collections

import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..tensor import api, new_tensor
from .linalg_solve import check_square, solve_of
from .shape import cat
from .svd import check_float_matrices, signed_largest

EighResult = collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QrResult = collections.namedtuple("QrResult", ["Q", "R"])


def check_uplo(uplo):
    if uplo not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {uplo!r}")


def array_eigh(x, uplo="L"):
    """(L, V) of each symmetric matrix of x, L increasing, V's signs fixed (module doc)."""
    check_square(x, "linalg.eigh")
    check_uplo(uplo)
    if 0 in x.shape:
        return np.zeros(x.shape[:-1], x.dtype), np.zeros(x.shape, x.dtype)
    values, vectors = np.linalg.eigh(x, UPLO=uplo)
    return values, vectors * signed_largest(vectors, -2)


def check_qr(x, mode):
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    check_float_matrices(x, "linalg.qr")


def array_qr(x, mode="reduced"):
    check_qr(x, mode)
    m, n = x.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    if 0 in x.shape:   # LAPACK refuses empty matrices: the factors are known
        batch = x.shape[:-2]
        return (np.broadcast_to(np.eye(m, k, dtype=x.dtype), batch + (m, k)).copy(),
                np.zeros(batch + (k, n), x.dtype))
    return np.linalg.qr(x, mode="complete" if mode == "complete" else "reduced")


# ----- the rows' helpers: written with operators, so one function serves arrays and tensors
def upper(x, k=0):
    return np.triu(x, k) if isinstance(x, np.ndarray) else x.triu(k)


def lower(x, k=0):
    return np.tril(x, k) if isinstance(x, np.ndarray) else x.tril(k)


def identity_of(values):
    k = values.shape[-1]
    return np.eye(k, dtype=np.dtype(str(values.dtype).replace("chainrule.", "")))


def eigvalsh_backward(g, v):
    return (v * g[..., None, :]) @ v.mT


def eigh_vectors_backward(g, values, v):
    projected = v.mT @ g
    gaps = values[..., None, :] - values[..., :, None] + identity_of(values)
    return v @ ((projected - projected.mT) * 0.5 / gaps) @ v.mT


def times_inverse_transpose(b, r):
    """b R^-T, as solve(R, b^T)^T: no inverse."""
    return solve_of(r, b.mT).mT


def qr_backward(m_, q, r, gq, gr, mode):
    """PyTorch's linalg_qr_backward from ``M = gR R^T - Q^T gQ`` (one of the two terms per
    gate: the rows add up); ``gq``/``gr`` are the gate's own gradient or None."""
    if mode == "r":
        raise ValueError("linalg.qr: the derivative of linalg.qr depends on Q, which is not "
                         "computed when mode='r'; use mode='reduced' to differentiate")
    rows, cols = q.shape[-2], r.shape[-1]
    if mode == "complete" and rows > cols:
        raise ValueError("linalg.qr: the QR decomposition is not differentiable when "
                         "mode='complete' and nrows > ncols; use mode='reduced'")
    if rows >= cols:
        copied = upper(m_) + upper(m_, 1).mT
        grad = q @ copied + gq if gq is not None else q @ copied
        return times_inverse_transpose(grad, r)
    grad = times_inverse_transpose(q @ lower(m_.mT - m_), r[..., :rows])
    grad = pad_columns(grad, cols - rows)
    return grad + q @ gr if gr is not None else grad


def pad_columns(x, count):
    if isinstance(x, np.ndarray):
        return np.concatenate([x, np.zeros(x.shape[:-1] + (count,), x.dtype)], -1)
    return cat([x, x.new_zeros(tuple(x.shape[:-1]) + (count,))], -1)


def qr_q_backward(g, q, r, mode):
    return qr_backward(-(q.mT @ g), q, r, g, None, mode)


def qr_r_backward(g, q, r, mode):
    return qr_backward(g @ r.mT, q, r, None, g, mode)


define("eigvalsh", lambda x, uplo="L": array_eigh(x, uplo)[0],
       lambda x, uplo="L": gate("Eigvalsh").apply(x, uplo=uplo),
       "eigvalsh(x, uplo): the eigenvalues of each symmetric matrix, increasing")
define("eigh_vectors", lambda x, uplo="L": array_eigh(x, uplo)[1],
       lambda x, uplo="L": gate("EighVectors").apply(x, uplo=uplo),
       "eigh_vectors(x, uplo): the eigenvectors (columns) of each symmetric matrix")
define("qr_q", lambda x, mode="reduced": array_qr(x, mode)[0],
       lambda x, mode="reduced": gate("QrQ").apply(x, mode=mode), "qr_q(x, mode): Q of x = Q R")
define("qr_r", lambda x, mode="reduced": array_qr(x, mode)[1],
       lambda x, mode="reduced": gate("QrR").apply(x, mode=mode), "qr_r(x, mode): R of x = Q R")
define("eigvalsh_backward", eigvalsh_backward, eigvalsh_backward,
       "eigvalsh_backward(g, v) = v diag(g) v^T: the gradient of x from that of its eigenvalues")
define("eigh_vectors_backward", eigh_vectors_backward, eigh_vectors_backward,
       "eigh_vectors_backward(g, L, v) = v (skew(v^T g) / 2 / E) v^T, E[i, j] = L[j] - L[i]: "
       "the gradient of x from that of its eigenvectors")
define("qr_q_backward", qr_q_backward, qr_q_backward,
       "qr_q_backward(g, q, r, mode): the gradient of x from that of Q (M = -Q^T g)")
define("qr_r_backward", qr_r_backward, qr_r_backward,
       "qr_r_backward(g, q, r, mode): the gradient of x from that of R (M = g R^T)")


class Eigvalsh(Gate):
    """The eigenvalues of each symmetric matrix (..., n, n), increasing: ``linalg.eigvalsh``.

    >>> import chainrule as cr
    >>> a = cr.tensor([[2.0, 1.0], [1.0, 2.0]], requires_grad=True)
    >>> cr.linalg.eigvalsh(a).tolist()
    [1.0, 3.0]
    >>> cr.linalg.eigvalsh(a)[1].backward()    # v v^T for v = (1, 1) / sqrt(2)
    >>> [round(v, 6) for v in a.grad.flatten().tolist()]
    [0.5, 0.5, 0.5, 0.5]
    """

    label = "eigvalsh"
    formula = "eigvalsh(x, uplo)"
    derivatives = {"x": "eigvalsh_backward(g, v)"}
    residuals = {"v": "eigh_vectors(x, uplo)"}
    saves = ("uplo",)

    def forward(self, x, uplo="L"):
        self.uplo = uplo
        values, self.v = array_eigh(x, uplo)
        return values


class EighVectors(Gate):
    """The eigenvectors (columns, orthonormal) of each symmetric matrix: ``linalg.eigh``'s
    second output, signs as the module says."""

    label = "eigh_vectors"
    formula = "eigh_vectors(x, uplo)"
    derivatives = {"x": "eigh_vectors_backward(g, values, out)"}
    residuals = {"values": "eigvalsh(x, uplo)"}
    saves = ("uplo",)

    def forward(self, x, uplo="L"):
        self.uplo = uplo
        self.values, vectors = array_eigh(x, uplo)
        return vectors


class QrQ(Gate):
    """Q of ``A = Q R``: (..., m, k), orthonormal columns (k = min(m, n), or m when
    ``mode='complete'``)."""

    label = "qr_q"
    formula = "qr_q(x, mode)"
    derivatives = {"x": "qr_q_backward(g, out, r, mode)"}
    residuals = {"r": "qr_r(x, mode)"}
    saves = ("mode",)

    def forward(self, x, mode="reduced"):
        self.mode = mode
        q, self.r = array_qr(x, mode)
        return q


class QrR(Gate):
    """R of ``A = Q R``: (..., k, n), upper triangular."""

    label = "qr_r"
    formula = "qr_r(x, mode)"
    derivatives = {"x": "qr_r_backward(g, q, out, mode)"}
    residuals = {"q": "qr_q(x, mode)"}
    saves = ("mode",)

    def forward(self, x, mode="reduced"):
        self.mode = mode
        self.q, r = array_qr(x, mode)
        return r


# ----- the public functions ----------------------------------------------------------------
def refuse_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; use the returned tensors")


@api(name=False)
def eigvalsh(A, UPLO="L", *, out=None):  # noqa: N803 (PyTorch's argument names)
    """``torch.linalg.eigvalsh``: the eigenvalues of each symmetric matrix (..., n, n),
    increasing, read from its lower (``UPLO='L'``) or upper triangle (``Eigvalsh``).

    >>> import chainrule as cr
    >>> cr.linalg.eigvalsh(cr.tensor([[1.0, 0.0], [0.0, -2.0]])).tolist()
    [-2.0, 1.0]
    """
    refuse_out(out, "linalg.eigvalsh")
    return Eigvalsh.apply(A, uplo=UPLO)


@api(name=False)
def eigh(A, UPLO="L", *, out=None):  # noqa: N803
    """``torch.linalg.eigh``: ``(eigenvalues, eigenvectors)`` of each symmetric matrix,
    ``A = V diag(L) V^T`` (``Eigvalsh``, ``EighVectors``); signs as the module says.

    >>> import chainrule as cr
    >>> L, V = cr.linalg.eigh(cr.tensor([[2.0, 0.0], [0.0, 1.0]]))
    >>> L.tolist(), V.tolist()
    ([1.0, 2.0], [[0.0, 1.0], [1.0, 0.0]])
    """
    refuse_out(out, "linalg.eigh")
    return EighResult(Eigvalsh.apply(A, uplo=UPLO), EighVectors.apply(A, uplo=UPLO))


@api(name=False)
def qr(A, mode="reduced", *, out=None):  # noqa: N803
    """``torch.linalg.qr``: ``(Q, R)`` with ``A = Q R`` (``QrQ``, ``QrR``); ``mode='r'``
    gives an empty Q, and then no gradient, as PyTorch's.

    >>> import chainrule as cr
    >>> Q, R = cr.linalg.qr(cr.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(((Q @ R) - cr.tensor([[3.0, 1.0], [4.0, 2.0]])).abs().max() < 1e-5)
    True
    """
    refuse_out(out, "linalg.qr")
    r = QrR.apply(A, mode=mode)
    q = A.new_zeros((0,)) if mode == "r" else QrQ.apply(A, mode=mode)
    return QrResult(q, r)


@api(name="qr", methods=("qr",))
def old_qr(input, some=True, *, out=None):  # noqa: A002
    """``torch.qr`` (deprecated there for ``linalg.qr``): reduced unless ``some=False``
    (``QrQ``, ``QrR``).

    >>> import chainrule as cr
    >>> Q, R = cr.qr(cr.ones(3, 2))
    >>> tuple(Q.shape), tuple(R.shape)
    ((3, 2), (2, 2))
    """
    refuse_out(out, "qr")
    return qr(input, "reduced" if some else "complete")


# ----- pseudo-inverse, rank and least squares: compositions of the decompositions ----------
LstsqResult = collections.namedtuple("LstsqResult",
                                     ["solution", "residuals", "rank", "singular_values"])
LSTSQ_DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


def as_array(value):
    return np.asarray(value._data if hasattr(value, "_data") else value)


def tolerance(spectrum, shape, atol, rtol, op):
    """PyTorch's cutoff ``max(atol, rtol * largest)`` for each matrix, as an array (..., 1):
    rtol defaults to eps * max(m, n) when atol is not given (or is 0), else to 0."""
    if atol is not None and np.any(as_array(atol) < 0) or rtol is not None and np.any(
            as_array(rtol) < 0):
        raise ValueError(f"{op}: atol and rtol must be non-negative, got {atol} and {rtol}")
    if rtol is None:
        given = atol is not None and np.any(as_array(atol) > 0)
        rtol = 0.0 if given else np.finfo(spectrum.dtype).eps * max(shape[-2:])
    largest = spectrum.max(-1, initial=0.0)
    cutoff = np.maximum(as_array(0.0 if atol is None else atol), as_array(rtol) * largest)
    return np.asarray(cutoff)[..., None]


def float_matrices(A, op):  # noqa: N803
    if A.ndim < 2:
        raise ValueError(f"{op}: the input must have at least 2 dimensions (..., m, n), got "
                         f"shape {tuple(A.shape)}")
    if not A.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a float32 or float64 tensor, got {A.dtype}")


def array_pinv(x, atol=None, rtol=None, hermitian=False):
    """The pseudo-inverse of each matrix with PyTorch's cutoff (``tolerance``)."""
    m, n = x.shape[-2:]
    if min(m, n) == 0:
        return np.zeros(x.shape[:-2] + (n, m), x.dtype)
    if hermitian:
        values, vectors = np.linalg.eigh(x)
        keep = np.abs(values) > tolerance(np.abs(values), x.shape, atol, rtol, "linalg.pinv")
        inverse = np.where(keep, 1 / np.where(keep, values, 1), 0).astype(x.dtype)
        return (vectors * inverse[..., None, :]) @ vectors.mT
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    keep = s > tolerance(s, x.shape, atol, rtol, "linalg.pinv")
    inverse = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(x.dtype)
    return (vh.mT * inverse[..., None, :]) @ u.mT


def pinv_backward(g, p, x):
    """PyTorch's pinv_backward: the derivative of A^+ where its rank is locally constant,
    in the order that keeps the products smallest."""
    if x.shape[-2] <= x.shape[-1]:
        k = g.mT @ p
        kp = k @ p.mT
        return -(p @ k).mT + kp - (x @ p) @ kp + (p.mT @ p) @ (g.mT - k @ x)
    k = p @ g.mT
    pk = p.mT @ k
    return -(k @ p).mT + pk - (pk @ p) @ x + ((g.mT - x @ k) @ p) @ p.mT


define("pinv", array_pinv, lambda x: gate("Pinv").apply(x), "pinv(x): the pseudo-inverse")
define("pinv_backward", pinv_backward, pinv_backward,
       "pinv_backward(g, P, x): the gradient of x from that of P = x^+ (PyTorch's formula)")


class Pinv(Gate):
    """The pseudo-inverse of each matrix (..., m, n): ``torch.linalg.pinv``, its gradient
    PyTorch's ``pinv_backward`` (exact where the rank does not change nearby)."""

    label = "pinv"
    formula = "pinv(x)"
    derivatives = {"x": "pinv_backward(g, out, x)"}

    def forward(self, x, atol=None, rtol=None, hermitian=False):
        return array_pinv(x, atol, rtol, hermitian)


@api(name=False)
def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):  # noqa: N803
    """``torch.linalg.pinv``: the pseudo-inverse of each matrix (..., m, n), singular values
    at most ``max(atol, rtol * largest)`` treated as zero, PyTorch's defaults (``Pinv``);
    with ``hermitian=True`` from the eigendecomposition of A's lower triangle.

    >>> import chainrule as cr
    >>> cr.linalg.pinv(cr.tensor([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    refuse_out(out, "linalg.pinv")
    float_matrices(A, "linalg.pinv")
    return Pinv.apply(A, atol=None if atol is None else as_array(atol),
                      rtol=None if rtol is None else as_array(rtol), hermitian=hermitian)


@api(methods=("pinverse",))
def pinverse(input, rcond=1e-15):  # noqa: A002
    """``torch.pinverse`` and ``Tensor.pinverse``: ``linalg.pinv`` with ``rtol=rcond``.

    >>> import chainrule as cr
    >>> cr.pinverse(cr.tensor([[0.0, 4.0]])).tolist()
    [[0.0], [0.25]]
    """
    return pinv(input, rtol=rcond)


@api(name=False)
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):  # noqa: N803
    """``torch.linalg.matrix_rank``: the number of singular values (|eigenvalues| with
    ``hermitian=True``) above ``max(atol, rtol * largest)``; ``tol`` is PyTorch's older
    name for ``atol`` (with rtol 0). An int64 tensor, no gradient.

    >>> import chainrule as cr
    >>> cr.linalg.matrix_rank(cr.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
    1
    """
    refuse_out(out, "linalg.matrix_rank")
    float_matrices(A, "linalg.matrix_rank")
    if tol is not None:
        if atol is not None or rtol is not None:
            raise ValueError("linalg.matrix_rank: give tol (the older name) or atol/rtol, "
                             "not both")
        atol, rtol = tol, 0.0
    x = A._data
    if min(x.shape[-2:]) == 0:
        return new_tensor(np.zeros(x.shape[:-2], np.int64), None)
    spectrum = np.abs(np.linalg.eigvalsh(x)) if hermitian else \
        np.linalg.svd(x, compute_uv=False)
    cutoff = tolerance(spectrum, x.shape, atol, rtol, "linalg.matrix_rank")
    return new_tensor(np.asarray((spectrum > cutoff).sum(-1), np.int64), None)


@api(name=False)
def lstsq(A, B, rcond=None, *, driver=None):  # noqa: N803
    """``torch.linalg.lstsq``: ``(solution, residuals, rank, singular_values)`` of
    ``min ||A X - B||`` for A (..., m, n), B (..., m, k) or (..., m): the solution is
    ``pinv(A, rtol=rcond) @ B`` (the minimum-norm one, with gradients), the other outputs
    as PyTorch's CPU drivers give them (residuals for m > n, full rank and a driver other
    than the default 'gelsy'; rank except for 'gels'; singular values for 'gelsd' and
    'gelss'), without gradient.

    >>> import chainrule as cr
    >>> A = cr.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> cr.linalg.lstsq(A, cr.tensor([[1.0], [2.0], [3.0]])).solution.tolist()
    [[1.0], [2.0]]
    """
    if driver not in LSTSQ_DRIVERS:
        raise ValueError(f"linalg.lstsq: driver must be one of {LSTSQ_DRIVERS[1:]} on the "
                         f"CPU, got {driver!r}")
    float_matrices(A, "linalg.lstsq")
    vector = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise ValueError(f"linalg.lstsq: A {tuple(A.shape)} and B {tuple(B.shape)} must have "
                         f"the same number of rows")
    m, n = A.shape[-2:]
    solution = pinv(A, rtol=rcond) @ b
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else \
        new_tensor(np.zeros(0, np.int64), None)
    full = m > n and driver not in (None, "gelsy") and bool(
        (matrix_rank(A, rtol=rcond)._data == n).all())
    residuals = ((A @ solution - b) ** 2).sum(-2) if full else A.new_zeros((0,))
    singular = new_tensor(np.linalg.svd(A._data, compute_uv=False), None) \
        if driver in ("gelsd", "gelss") else A.new_zeros((0,))
    if vector:   # PyTorch keeps the residuals' last dimension (1)
        solution = solution.squeeze(-1)
    return LstsqResult(solution, residuals, rank, singular)

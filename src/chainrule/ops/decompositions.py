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
from ..tensor import api
from .linalg_solve import check_square, solve_of
from .shape import cat
from .svd import signed_largest

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
    if np.ndim(x) < 2:
        raise ValueError(f"linalg.qr: the input must have at least 2 dimensions (..., m, n), "
                         f"got shape {np.shape(x)}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"linalg.qr: expected a float32 or float64 tensor, got {x.dtype}; "
                        f"cast it with .float() or .double()")


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
    (``QrQ``, ``QrR``)."""
    refuse_out(out, "qr")
    return qr(input, "reduced" if some else "complete")

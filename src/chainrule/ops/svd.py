"""The singular value decomposition ``A = U diag(S) Vh`` (``torch.linalg.svd``, ``svdvals``)
and the matrix norms that need it (2, -2 and 'nuc').

A gate has one output, so the decomposition is three gates, one per factor: ``Svdvals``
(S), ``SvdU`` (U) and ``SvdVh`` (Vh). Each forward runs LAPACK's SVD once and keeps the
other two factors for its rows, so backward recomputes nothing. The gradient of A is linear
in the gradients of the three factors, so the three gates' rows add up to PyTorch's
``svd_backward``:

* through S: ``U diag(gS) Vh``, defined everywhere (repeated singular values included);
* through U: ``U ((skew(U^T gU) S) / E) Vh``, plus ``(I - U U^T) gU S^-1 Vh`` when m > n;
* through Vh: ``U (S (skew(Vh gV) / E)) Vh``, plus ``U S^-1 gV^T (I - V Vh)`` when m < n;

where ``skew(X) = X - X^T`` and ``E[i, j] = S[j]^2 - S[i]^2`` (1 on the diagonal). As in
PyTorch, the gradient through U or Vh is finite only when the singular values are distinct
(and nonzero where the extra terms divide by them); with ``full_matrices=True`` the columns
of U and rows of Vh past min(m, n), arbitrary bases, get no gradient.

LAPACK leaves each singular pair's sign free; chainrule flips each pair (u_i, v_i) so that
the largest-magnitude entry of u_i is positive (and each extra column of a full U, or row of
a full Vh, by its own largest entry): the three gates then agree, and ``U diag(S) Vh`` is A.
PyTorch's signs may differ; a loss that depends on them has no derivative anyway.
"""
import collections

import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..tensor import api

SvdResult = collections.namedtuple("SvdResult", ["U", "S", "Vh"])
OldSvdResult = collections.namedtuple("OldSvdResult", ["U", "S", "V"])


def check_float_matrices(x, op, name="the input", square=False):
    """A float32 or float64 array of matrices (..., m, n), square ones with ``square``: what
    LAPACK's routines take, with errors naming the operation (the linear-algebra gates)."""
    if square and (np.ndim(x) < 2 or x.shape[-1] != x.shape[-2]):
        raise ValueError(f"{op}: {name} must be batches of square matrices (..., n, n), got "
                         f"shape {np.shape(x)}")
    if np.ndim(x) < 2:
        raise ValueError(f"{op}: {name} must have at least 2 dimensions (..., m, n), got "
                         f"shape {np.shape(x)}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: expected a float32 or float64 tensor, got {x.dtype}; cast it "
                        f"with .float() or .double()")


def check_matrices(x, op):
    """A floating (float32 or float64) array of at least 2 dimensions, all finite."""
    check_float_matrices(x, op)
    if not np.isfinite(x).all():
        raise ValueError(f"{op}: the input contains NaN or infinity, for which the SVD is "
                         f"not defined (PyTorch fails to converge on NaN, gives NaN for "
                         f"infinity)")


def signed_largest(a, axis):
    """+1 or -1 per column (axis -2) or row (axis -1): the sign of its largest |entry|."""
    index = np.argmax(np.abs(a), axis=axis, keepdims=True)
    sign = np.sign(np.take_along_axis(a, index, axis))
    return np.where(sign == 0, 1, sign).astype(a.dtype)


def array_svd(x, full_matrices=False):
    """(U, S, Vh) of each matrix of ``x`` (..., m, n), signs fixed as the module says."""
    m, n = x.shape[-2:]
    k = min(m, n)
    if k == 0 or 0 in x.shape[:-2]:   # LAPACK refuses empty matrices: the factors are known
        batch = x.shape[:-2]
        u_cols, vh_rows = (m, n) if full_matrices else (k, k)
        return (np.broadcast_to(np.eye(m, u_cols, dtype=x.dtype), batch + (m, u_cols)).copy(),
                np.zeros(batch + (k,), x.dtype),
                np.broadcast_to(np.eye(vh_rows, n, dtype=x.dtype), batch + (vh_rows, n)).copy())
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    u_sign = signed_largest(u, -2)                  # (..., 1, columns of U)
    vh_sign = signed_largest(vh, -1)                # (..., rows of Vh, 1)
    vh_sign[..., :k, :] = u_sign[..., :k].mT        # a pair flips together
    return u * u_sign, s, vh * vh_sign


def kept_matrices(self, x, full_matrices=False):
    """Forward's common part: the factors, kept on the node (reduced U and Vh for the rows)."""
    check_matrices(x, self.label)
    u, s, vh = array_svd(x, full_matrices)
    k = s.shape[-1]
    self.u, self.s, self.vh = u[..., :k], s, vh[..., :k, :]
    return u, s, vh


# ----- the rows' helpers: written with operators, so one function serves arrays and tensors
def identity_like(s):
    k = s.shape[-1]
    return np.eye(k, dtype=np.dtype(str(s.dtype).replace("chainrule.", "")))


def spectral_gaps(s):
    """E[..., i, j] = s[j]^2 - s[i]^2, with 1 on the diagonal (never divided by there)."""
    s2 = s * s
    return s2[..., None, :] - s2[..., :, None] + identity_like(s)


def svdvals_backward(g, u, vh):
    return (u * g[..., None, :]) @ vh


def svd_u_backward(g, u, s, vh):
    k = s.shape[-1]
    g, u = g[..., :k], u[..., :k]         # full U: its extra columns get no gradient
    projected = u.mT @ g
    inner = (projected - projected.mT) * s[..., None, :] / spectral_gaps(s)
    grad = u @ inner
    if u.shape[-2] > k:                   # m > n: the part of gU outside U's columns
        scaled = g / s[..., None, :]
        grad = grad + scaled - u @ (u.mT @ scaled)
    return grad @ vh


def svd_vh_backward(g, u, s, vh):
    k = s.shape[-1]
    gv, vh = g[..., :k, :].mT, vh[..., :k, :]   # full Vh: its extra rows get no gradient
    projected = vh @ gv
    inner = s[..., :, None] * (projected - projected.mT) / spectral_gaps(s)
    grad = inner @ vh
    if vh.shape[-1] > k:                  # m < n: the part of gV outside V's columns
        scaled = (gv / s[..., None, :]).mT
        grad = grad + scaled - (scaled @ vh.mT) @ vh
    return u @ grad


define("svdvals", lambda x: array_svd(x)[1], lambda x: gate("Svdvals").apply(x),
       "svdvals(x): the singular values of each matrix (..., m, n) of x, in decreasing order")
define("svd_u", lambda x, full_matrices=False: array_svd(x, full_matrices)[0],
       lambda x, full_matrices=False: gate("SvdU").apply(x, full_matrices=full_matrices),
       "svd_u(x, full_matrices): U of x = U diag(S) Vh, (..., m, min(m, n)) or (..., m, m), "
       "columns orthonormal")
define("svd_vh", lambda x, full_matrices=False: array_svd(x, full_matrices)[2],
       lambda x, full_matrices=False: gate("SvdVh").apply(x, full_matrices=full_matrices),
       "svd_vh(x, full_matrices): Vh of x = U diag(S) Vh, (..., min(m, n), n) or (..., n, n), "
       "rows orthonormal")
define("svdvals_backward", svdvals_backward, svdvals_backward,
       "svdvals_backward(g, u, vh) = u diag(g) vh: the gradient of x from that of its "
       "singular values")
define("svd_u_backward", svd_u_backward, svd_u_backward,
       "svd_u_backward(g, u, s, vh) = u ((skew(u^T g) s) / E) vh (+ (I - u u^T) g s^-1 vh "
       "when m > n), skew(X) = X - X^T, E[i, j] = s[j]^2 - s[i]^2: the gradient of x from "
       "that of U (first min(m, n) columns)")
define("svd_vh_backward", svd_vh_backward, svd_vh_backward,
       "svd_vh_backward(g, u, s, vh) = u (s (skew(vh g^T) / E)) vh (+ u s^-1 g (I - vh^T "
       "vh) when m < n), E[i, j] = s[j]^2 - s[i]^2: the gradient of x from that of Vh (first "
       "min(m, n) rows)")


class Svdvals(Gate):
    """The singular values S of each matrix (..., m, n), decreasing: ``torch.linalg.svdvals``.

    >>> import chainrule as cr
    >>> a = cr.tensor([[3.0, 0.0], [0.0, -4.0]], requires_grad=True)
    >>> s = cr.linalg.svdvals(a)
    >>> s.tolist()
    [4.0, 3.0]
    >>> s.sum().backward()    # the nuclear norm's gradient: U Vh
    >>> a.grad.tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """

    label = "svdvals"
    formula = "svdvals(x)"
    derivatives = {"x": "svdvals_backward(g, u, vh)"}
    residuals = {"u": "svd_u(x)", "vh": "svd_vh(x)"}

    def forward(self, x):
        return kept_matrices(self, x)[1]


class SvdU(Gate):
    """U of ``x = U diag(S) Vh``: (..., m, min(m, n)), or (..., m, m) with full_matrices."""

    label = "svd_u"
    formula = "svd_u(x, full_matrices)"
    derivatives = {"x": "svd_u_backward(g, out, s, vh)"}
    residuals = {"s": "svdvals(x)", "vh": "svd_vh(x)"}
    saves = ("full_matrices",)

    def forward(self, x, full_matrices=False):
        self.full_matrices = full_matrices
        return kept_matrices(self, x, full_matrices)[0]


class SvdVh(Gate):
    """Vh of ``x = U diag(S) Vh``: (..., min(m, n), n), or (..., n, n) with full_matrices."""

    label = "svd_vh"
    formula = "svd_vh(x, full_matrices)"
    derivatives = {"x": "svd_vh_backward(g, u, s, out)"}
    residuals = {"u": "svd_u(x)", "s": "svdvals(x)"}
    saves = ("full_matrices",)

    def forward(self, x, full_matrices=False):
        self.full_matrices = full_matrices
        return kept_matrices(self, x, full_matrices)[2]


def refuse_driver(driver, op):
    if driver is not None:
        raise ValueError(f"{op}: driver={driver!r} chooses a CUDA algorithm; chainrule "
                         f"computes on the CPU with LAPACK's SVD, so leave driver=None")


def refuse_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; use the returned tensors")


@api(name=False)
def svdvals(A, *, driver=None, out=None):  # noqa: N803 (PyTorch's argument name)
    """The singular values of each matrix (..., m, n) of ``A``, decreasing (``Svdvals``).

    >>> import chainrule as cr
    >>> cr.linalg.svdvals(cr.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    refuse_driver(driver, "linalg.svdvals")
    refuse_out(out, "linalg.svdvals")
    return Svdvals.apply(A)


@api(name=False)
def svd(A, full_matrices=True, *, driver=None, out=None):  # noqa: N803
    """``torch.linalg.svd``: ``(U, S, Vh)`` with ``A = U diag(S) Vh`` (U (..., m, m) and Vh
    (..., n, n) with full_matrices, as PyTorch's default; (..., m, k), (..., k, n) for
    k = min(m, n) without). Signs as the module says; gradients as PyTorch's.

    >>> import chainrule as cr
    >>> a = cr.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> U, S, Vh = cr.linalg.svd(a, full_matrices=False)
    >>> tuple(U.shape), tuple(S.shape), tuple(Vh.shape)
    ((3, 2), (2,), (2, 2))
    >>> bool(((U * S) @ Vh - a).abs().max() < 1e-5)
    True
    """
    refuse_driver(driver, "linalg.svd")
    refuse_out(out, "linalg.svd")
    return SvdResult(SvdU.apply(A, full_matrices=full_matrices), Svdvals.apply(A),
                     SvdVh.apply(A, full_matrices=full_matrices))


@api(name="svd", methods=("svd",))
def old_svd(x, some=True, compute_uv=True, *, out=None):
    """``torch.svd`` (deprecated there for ``linalg.svd``): ``(U, S, V)`` with
    ``x = U diag(S) V^T``, reduced unless ``some=False``; with ``compute_uv=False`` U and V
    are zeros (m, m) and (n, n), as PyTorch's.

    >>> import chainrule as cr
    >>> U, S, V = cr.svd(cr.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    >>> tuple(U.shape), S.tolist(), tuple(V.shape)
    ((3, 2), [2.0, 1.0], (2, 2))
    """
    refuse_out(out, "svd")
    if not compute_uv:   # PyTorch: zero U (m, m) and V (n, n), whatever some says
        m, n = x.shape[-2:]
        batch = tuple(x.shape[:-2])
        return OldSvdResult(x.new_zeros(batch + (m, m)), svdvals(x), x.new_zeros(batch + (n, n)))
    U, S, Vh = svd(x, full_matrices=not some)
    return OldSvdResult(U, S, Vh.mT)


def spectral_norm(x, ord, dims, keepdim):  # noqa: A002 (PyTorch's argument name)
    """``matrix_norm`` for ord 2 (the largest singular value), -2 (the smallest) and 'nuc'
    (their sum), over the two axes ``dims``: singular values of the matrices moved last."""
    s = Svdvals.apply(x.movedim(dims, (-2, -1)))
    out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
    if keepdim:
        for d in sorted(dims):
            out = out.unsqueeze(d)
    return out

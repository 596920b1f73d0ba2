"""Matrix norms from singular values (ord 2, -2, 'nuc') and the SVD itself, against PyTorch:
every public spelling (linalg.matrix_norm, linalg.norm, norm, Tensor.norm), dim pairs in any
order, keepdim, dtype, batches, full and reduced factors, torch.svd's older form, and the
errors where the SVD is not defined. The gates' own checks (central differences to second
order) are in tests/gate_table.py."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def pair(a):
    return cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def backward_both(out, tout, seed=0):
    weight = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()


def assert_close(ours, theirs, tol=1e-10):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol,
                               atol=tol)


NORM_CASES = [((3, 4), (-2, -1), False), ((4, 3), (0, 1), True), ((2, 3, 4), (0, 2), True),
              ((2, 3, 4), (2, 0), False), ((3, 2, 4, 2), (1, 3), True), ((5, 1), (-2, -1), False)]


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("shape, dim, keepdim", NORM_CASES)
def test_matrix_norm_matches_pytorch_forward_and_backward(ord, shape, dim, keepdim):
    a = np.random.default_rng(len(shape) * 7 + sum(shape)).standard_normal(shape)
    x, tx = pair(a)
    out = cr.linalg.matrix_norm(x, ord, dim, keepdim)
    tout = torch.linalg.matrix_norm(tx, ord, dim, keepdim)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout)
    backward_both(out, tout)
    assert_close(x.grad, tx.grad)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.linalg.norm(x[1], "nuc"),
    lambda lib, x: lib.linalg.norm(x, 2, (1, 2), keepdim=True),
    lambda lib, x: lib.linalg.norm(x, -2, dim=(-1, -2)),
    lambda lib, x: lib.norm(x, "nuc", dim=(0, 1)),
    lambda lib, x: x.norm(p="nuc", dim=(2, 1), keepdim=True),
    lambda lib, x: x[0].norm("nuc"),
], ids=["linalg.norm-nuc", "linalg.norm-2", "linalg.norm--2", "norm-nuc", "Tensor.norm-nuc",
        "Tensor.norm-2d"])
def test_every_spelling_of_a_singular_value_norm_matches_pytorch(call):
    x, tx = pair(np.random.default_rng(3).standard_normal((2, 3, 4)))
    out, tout = call(cr, x), call(torch, tx)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout)
    backward_both(out, tout)
    assert_close(x.grad, tx.grad)


def test_dtype_argument_casts_first_as_pytorch():
    a = np.random.default_rng(4).standard_normal((3, 3)).astype(np.float32)
    out = cr.linalg.matrix_norm(cr.tensor(a), "nuc", dtype=cr.float64)
    tout = torch.linalg.matrix_norm(torch.tensor(a), "nuc", dtype=torch.float64)
    assert out.dtype == cr.float64
    assert_close(out, tout)
    assert cr.linalg.matrix_norm(cr.tensor(a), 2).dtype == cr.float32


def test_float32_matches_pytorch_to_float32_precision():
    a = np.random.default_rng(5).standard_normal((2, 5, 3)).astype(np.float32)
    x, tx = pair(a)
    out, tout = cr.linalg.matrix_norm(x, 2), torch.linalg.matrix_norm(tx, 2)
    assert_close(out, tout, 1e-5)
    backward_both(out, tout)
    assert_close(x.grad, tx.grad, 1e-4)


def test_repeated_singular_values_give_the_nuclear_norms_finite_gradient():
    """The nuclear norm of an orthogonal matrix: all singular values 1, gradient U Vh = Q."""
    q = np.linalg.qr(np.random.default_rng(6).standard_normal((3, 3)))[0]
    x, tx = pair(q)
    cr.linalg.matrix_norm(x, "nuc").backward()
    torch.linalg.matrix_norm(tx, "nuc").backward()
    np.testing.assert_allclose(x.grad.numpy(), q, atol=1e-12)
    assert_close(x.grad, tx.grad)


def test_second_derivative_of_the_nuclear_norm_matches_pytorch():
    a = np.random.default_rng(7).standard_normal((3, 4))
    direction = np.random.default_rng(8).standard_normal((3, 4))
    x, tx = pair(a)
    (g,) = cr.autograd.grad(cr.linalg.matrix_norm(x, "nuc"), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch.linalg.matrix_norm(tx, "nuc"), tx, create_graph=True)
    (h,) = cr.autograd.grad((g * cr.tensor(direction)).sum(), x)
    (th,) = torch.autograd.grad((tg * torch.tensor(direction)).sum(), tx)
    assert_close(h, th, 1e-9)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 2)])
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_factors_reconstruct_and_have_pytorchs_shapes(shape, full_matrices):
    a = np.random.default_rng(9).standard_normal(shape)
    U, S, Vh = cr.linalg.svd(cr.tensor(a), full_matrices=full_matrices)
    tU, tS, tVh = torch.linalg.svd(torch.tensor(a), full_matrices=full_matrices)
    assert (U.shape, S.shape, Vh.shape) == (tU.shape, tS.shape, tVh.shape)
    assert_close(S, tS)
    k = S.shape[-1]
    u, vh = U.numpy(), Vh.numpy()
    np.testing.assert_allclose((u[..., :k] * S.numpy()[..., None, :]) @ vh[..., :k, :], a,
                               atol=1e-12)
    eye = np.broadcast_to(np.eye(u.shape[-1]), u.shape[:-2] + (u.shape[-1],) * 2)
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u, eye, atol=1e-12)
    # the documented sign: each column of U has a positive largest-magnitude entry
    largest = np.take_along_axis(u, np.abs(u).argmax(-2)[..., None, :], -2)
    assert (largest > 0).all()


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_full_matrices_gradient_ignores_the_extra_columns_as_pytorch(shape):
    """With full_matrices the columns past min(m, n) are an arbitrary basis: PyTorch gives
    them no gradient; a loss on the first k columns and rows matches PyTorch's."""
    a = np.random.default_rng(10).standard_normal(shape)
    x, tx = pair(a)
    U, S, Vh = cr.linalg.svd(x)
    tU, tS, tVh = torch.linalg.svd(tx)
    k = S.shape[-1]
    sign = torch.tensor(np.sign((U.detach().numpy()[:, :k] * tU.detach().numpy()[:, :k]).sum(0)))
    rng = np.random.default_rng(11)
    wu, ws, wv = rng.standard_normal(U.shape), rng.standard_normal(k), rng.standard_normal(Vh.shape)
    loss = (U * cr.tensor(wu)).sum() + (S * cr.tensor(ws)).sum() + (Vh * cr.tensor(wv)).sum()
    tloss = ((tU[:, :k] * sign * torch.tensor(wu[:, :k])).sum() + (tS * torch.tensor(ws)).sum()
             + (tVh[:k] * sign[:, None] * torch.tensor(wv[:k])).sum())
    loss.backward()
    tloss.backward()
    assert_close(x.grad, tx.grad)


def test_old_svd_returns_v_and_zeros_without_uv():
    a = np.random.default_rng(12).standard_normal((4, 3))
    U, S, V = cr.svd(cr.tensor(a))
    assert tuple(V.shape) == (3, 3) and tuple(U.shape) == (4, 3)
    np.testing.assert_allclose((U.numpy() * S.numpy()) @ V.numpy().T, a, atol=1e-12)
    assert tuple(cr.tensor(a).svd(some=False).U.shape) == (4, 4)
    x, tx = pair(a)
    zero_u, s, zero_v = cr.svd(x, compute_uv=False)
    t_u, ts, t_v = torch.svd(tx, compute_uv=False)
    assert (zero_u.shape, zero_v.shape) == (t_u.shape, t_v.shape)
    assert not zero_u.numpy().any() and not zero_v.numpy().any()
    s.sum().backward()
    ts.sum().backward()
    assert_close(x.grad, tx.grad)


def test_empty_matrices_match_pytorch():
    for shape in [(0, 3), (2, 0), (0, 2, 2)]:
        U, S, Vh = cr.linalg.svd(cr.ones(*shape))
        tU, tS, tVh = torch.linalg.svd(torch.ones(*shape))
        assert (U.shape, S.shape, Vh.shape) == (tU.shape, tS.shape, tVh.shape)
        np.testing.assert_array_equal(U.numpy(), tU.numpy())
        np.testing.assert_array_equal(Vh.numpy(), tVh.numpy())


@pytest.mark.parametrize("call, error, words", [
    (lambda: cr.linalg.svdvals(cr.tensor([[float("nan"), 1.0], [1.0, 1.0]])), ValueError,
     "NaN or infinity"),
    (lambda: cr.linalg.matrix_norm(cr.tensor([[float("inf"), 1.0], [1.0, 1.0]]), 2), ValueError,
     "NaN or infinity"),
    (lambda: cr.linalg.svdvals(cr.ones(3)), ValueError, "at least 2 dimensions"),
    (lambda: cr.linalg.svdvals(cr.ones(2, 2, dtype=cr.int64)), TypeError, "float32 or float64"),
    (lambda: cr.linalg.svdvals(cr.ones(2, 2, dtype=cr.float16)), TypeError, "float32 or float64"),
    (lambda: cr.linalg.svd(cr.ones(2, 2), driver="gesvd"), ValueError, "driver"),
    (lambda: cr.norm(cr.ones(2, 3, 4), "nuc"), ValueError, "pair of dimensions"),
    (lambda: cr.linalg.matrix_norm(cr.ones(2, 2), 3), ValueError, "ord must be"),
    (lambda: cr.linalg.norm(cr.ones(2, 3, 4), 2), ValueError, "1-D or 2-D"),
    (lambda: cr.linalg.norm(cr.ones(3), "nuc"), ValueError, "at least 2 dimensions"),
    (lambda: cr.linalg.norm(cr.ones(3, 3), "fro", dim=0), ValueError, "pair of dimensions"),
])
def test_what_the_svd_cannot_do_is_refused_by_name(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # NumPy's 0 / 0 note
def test_repeated_singular_values_give_nan_through_u_as_pytorch():
    """The docs' claim: U's gradient divides by the gaps between singular values."""
    grads = []
    for lib in (cr, torch):
        x = lib.tensor(np.diag([2.0, 2.0, 1.0]), requires_grad=True)
        lib.linalg.svd(x)[0].sum().backward()
        grads.append(x.grad.numpy())
    assert np.isnan(grads[0]).all() and np.isnan(grads[1]).all()


def test_a_loss_blind_to_the_signs_has_the_same_gradient_whatever_the_signs():
    """(U S) Vh is x whatever sign each pair takes: its gradient is exact, as PyTorch's."""
    a = np.random.default_rng(13).standard_normal((4, 3))
    for lib in (cr, torch):
        x = lib.tensor(a, requires_grad=True)
        U, S, Vh = lib.linalg.svd(x, full_matrices=False)
        ((U * S) @ Vh).pow(2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 2 * a, atol=1e-12)


def test_tensor_methods_as_pytorch():
    a = np.random.default_rng(14).standard_normal((3, 4))
    x, tx = cr.tensor(a), torch.tensor(a)
    np.testing.assert_allclose(x.norm("nuc").item(), tx.norm("nuc").item(), rtol=1e-12)
    np.testing.assert_allclose(x.svd().S.numpy(), tx.svd().S.numpy(), rtol=1e-12)
    assert tuple(x.svd(some=False).V.shape) == tuple(tx.svd(some=False).V.shape) == (4, 4)

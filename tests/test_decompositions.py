"""eigh and qr (ops/decompositions.py) beyond the gate table: eigh compared with PyTorch up
to the eigenvectors' signs (OpInfo's linalg.eigh is left out for them), the forms of qr, and
the errors where PyTorch refuses a derivative or an argument."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
RNG = np.random.default_rng(3)


def signed(vectors):
    """Each column flipped so that its largest |entry| is positive (both libraries)."""
    index = vectors.abs().argmax(-2, keepdim=True)
    return vectors * vectors.gather(-2, index).sign()


def values_and_gradients(fn, array):
    results = []
    for lib in (cr, torch):
        x = lib.tensor(array, requires_grad=True)
        out = fn(lib, x)
        weights = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        (out * weights).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    return results


@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: signed(lib.linalg.eigh(x)[1]), (2, 4, 4)),      # reads the lower triangle
    (lambda lib, x: signed(lib.linalg.eigh(x, UPLO="U")[1]), (3, 3)),
    (lambda lib, x: lib.linalg.eigh(x)[0] * signed(lib.linalg.eigh(x)[1]).sum(-2), (4, 4)),
    (lambda lib, x: lib.linalg.qr(x, mode="complete")[0], (2, 3, 5)),   # wide: differentiable
    (lambda lib, x: lib.qr(x, some=False)[1], (3, 4)),
    (lambda lib, x: x.qr()[0] @ x.qr()[1], (5, 3)),
])
def test_matches_pytorch_up_to_signs(fn, shape):
    (ours, our_grad), (theirs, their_grad) = values_and_gradients(fn, RNG.standard_normal(shape))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-8, atol=1e-10)


def test_eigh_reconstructs_the_matrix_and_its_vectors_are_orthonormal():
    a = RNG.standard_normal((3, 5, 5))
    a = a + a.transpose(0, 2, 1)
    values, vectors = cr.linalg.eigh(cr.tensor(a))
    rebuilt = (vectors * values.unsqueeze(-2)) @ vectors.mT
    np.testing.assert_allclose(rebuilt.numpy(), a, atol=1e-12)
    np.testing.assert_allclose((vectors.mT @ vectors).numpy(), np.broadcast_to(np.eye(5), a.shape),
                               atol=1e-12)


def test_qr_mode_r_gives_an_empty_q_and_refuses_the_derivative_as_pytorch():
    x = cr.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    q, r = cr.linalg.qr(x, mode="r")
    assert tuple(q.shape) == tuple(torch.linalg.qr(torch.ones(4, 3), mode="r")[0].shape)
    np.testing.assert_allclose(r.detach().numpy(), cr.linalg.qr(x)[1].detach().numpy())
    with pytest.raises(ValueError, match="not computed when mode='r'"):
        r.sum().backward()


def test_complete_qr_of_a_tall_matrix_refuses_the_derivative_as_pytorch():
    x = cr.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    with pytest.raises(ValueError, match="not differentiable when mode='complete'"):
        cr.linalg.qr(x, mode="complete")[0].sum().backward()


@pytest.mark.parametrize("call, message", [
    (lambda: cr.linalg.eigh(cr.ones(2, 3)), "square matrices"),
    (lambda: cr.linalg.eigvalsh(cr.eye(2), UPLO="X"), "UPLO must be"),
    (lambda: cr.linalg.qr(cr.ones(3)), "at least 2 dimensions"),
    (lambda: cr.linalg.qr(cr.eye(2), mode="full"), "mode must be"),
    (lambda: cr.linalg.qr(cr.eye(2, dtype=cr.int64)), "float32 or float64"),
    (lambda: cr.linalg.eigh(cr.eye(2), out=cr.ones(2)), "out= takes a tuple of 2 tensors"),
])
def test_errors_name_the_operation_and_argument(call, message):
    with pytest.raises((ValueError, TypeError, NotImplementedError)) as error:
        call()
    assert message in str(error.value)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shape_a, shape_b", [((5, 3), (5, 2)), ((2, 3, 5), (2, 3, 2)),
                                              ((4, 2), (4,))])
def test_lstsq_outputs_match_pytorch(driver, shape_a, shape_b):
    a, b = RNG.standard_normal(shape_a), RNG.standard_normal(shape_b)
    ours = cr.linalg.lstsq(cr.tensor(a), cr.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for name in ("solution", "residuals", "rank", "singular_values"):
        mine, pytorch = getattr(ours, name), getattr(theirs, name)
        assert tuple(mine.shape) == tuple(pytorch.shape), name
        assert str(mine.dtype).split(".")[1] == str(pytorch.dtype).split(".")[1], name
        np.testing.assert_allclose(mine.numpy(), pytorch.numpy(), rtol=1e-9, atol=1e-12)


def test_pinv_of_a_rank_deficient_matrix_and_its_rank_match_pytorch():
    a = RNG.standard_normal((4, 2)) @ RNG.standard_normal((2, 3))     # rank 2
    for kwargs in ({}, {"atol": 1e-3}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 1e-3}):
        np.testing.assert_allclose(cr.linalg.pinv(cr.tensor(a), **kwargs).numpy(),
                                   torch.linalg.pinv(torch.tensor(a), **kwargs).numpy(),
                                   atol=1e-12)
        assert (cr.linalg.matrix_rank(cr.tensor(a), **kwargs).item()
                == torch.linalg.matrix_rank(torch.tensor(a), **kwargs).item())
    assert cr.linalg.matrix_rank(cr.eye(3), tol=0.5).item() == 3
    assert cr.linalg.matrix_rank(cr.tensor(a), hermitian=False).dtype == cr.int64


def test_lstsq_gradients_are_pinvs_as_pytorch():
    a, b = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    grads = []
    for lib in (cr, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        (lib.linalg.lstsq(x, y).solution * lib.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    for mine, pytorch in zip(*grads):
        np.testing.assert_allclose(mine, pytorch, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: cr.linalg.lstsq(cr.eye(2), cr.eye(2), driver="gelsx"), "driver must be"),
    (lambda: cr.linalg.lstsq(cr.eye(2), cr.ones(3, 1)), "same number of rows"),
    (lambda: cr.linalg.pinv(cr.eye(2), atol=-1.0), "non-negative"),
    (lambda: cr.linalg.pinv(cr.ones(3)), "at least 2 dimensions"),
    (lambda: cr.linalg.matrix_rank(cr.eye(2), tol=0.1, atol=0.1), "not both"),
    (lambda: cr.linalg.matrix_rank(cr.eye(2, dtype=cr.int64)), "float32 or float64"),
])
def test_pinv_rank_lstsq_errors(call, message):
    with pytest.raises((ValueError, TypeError)) as error:
        call()
    assert message in str(error.value)

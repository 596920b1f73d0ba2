"""The forms of inv, det, slogdet, logdet, solve and cholesky the gate table does not reach
(ops/linalg_solve.py): PyTorch's argument forms (left=, upper=, vector right-hand sides),
the values where PyTorch gives NaN or -inf, and the errors for inputs they cannot take."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")

RNG = np.random.default_rng(12)
A = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)
B = RNG.standard_normal((2, 4, 3))


def both(fn, *arrays):
    """fn's output and the gradients of its weighted sum, in chainrule and PyTorch."""
    results = []
    for lib in (cr, torch):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *tensors)
        weights = lib.tensor(np.linspace(-1.0, 2.0, int(np.prod(out.shape))).reshape(out.shape))
        (out * weights).sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors])
    return results


@pytest.mark.parametrize("fn, arrays", [
    (lambda lib, a, b: lib.linalg.solve(a, b, left=False), (A, B.transpose(0, 2, 1)[..., :4])),
    (lambda lib, a, b: lib.linalg.solve(a, b), (A, B[..., 0])),          # a batch of vectors
    (lambda lib, a, b: lib.linalg.solve(a, b), (A[0], B[0, :, 0])),      # one vector
    (lambda lib, a: lib.linalg.cholesky(a @ a.mT, upper=True), (A,)),
    (lambda lib, a: lib.cholesky(a @ a.mT, True), (A,)),
    (lambda lib, a: lib.linalg.slogdet(a)[0] * lib.linalg.slogdet(a)[1], (A - 4 * np.eye(4),)),
    (lambda lib, a: (lib.logdet(a) * 0).nan_to_num(7.0), (A - 4 * np.eye(4),)),
    (lambda lib, a: lib.linalg.inv(lib.linalg.inv(a)), (A,)),   # the gate twice
])
def test_forms_match_pytorch(fn, arrays):
    ours, theirs = both(fn, *arrays)
    for mine, pytorch in zip(ours, theirs):
        np.testing.assert_allclose(mine, pytorch, rtol=1e-9, atol=1e-9)


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_for_zero():
    x = np.array([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 3.0]]])
    np.testing.assert_array_equal(cr.logdet(cr.tensor(x)).numpy(), torch.logdet(torch.tensor(x)))
    sign, _ = cr.linalg.slogdet(cr.tensor(x))
    assert sign.tolist() == [-1.0, 0.0, 1.0]


def test_second_derivative_of_det_matches_pytorch():
    grads = []
    for lib in (cr, torch):
        a = lib.tensor(A[0], requires_grad=True)
        (g,) = lib.autograd.grad(lib.linalg.det(a), a, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), a)
        grads.append(h.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: cr.linalg.inv(cr.ones(2, 2)), "linalg.inv: the input matrix is singular"),
    (lambda: cr.linalg.inv(cr.ones(2, 3)), "linalg.inv: A must be batches of square"),
    (lambda: cr.linalg.inv(cr.ones(3)), "linalg.inv: A must be batches of square"),
    (lambda: cr.linalg.det(cr.ones(2, 3)), "linalg.det: A must be batches of square"),
    (lambda: cr.linalg.solve(cr.ones(2, 2), cr.ones(2)), "linalg.solve: the solver failed"),
    (lambda: cr.linalg.solve(cr.eye(2), cr.ones(3, 1)), "B must have shape (..., n, k)"),
    (lambda: cr.linalg.cholesky(-cr.eye(2)), "not positive-definite"),
    (lambda: cr.linalg.solve(cr.eye(2), cr.ones(2), left=False), "not supported with left="),
    (lambda: cr.linalg.solve(cr.eye(2), cr.ones(2, 3), left=False), "for the equation XA = B"),
    (lambda: cr.linalg.inv(cr.eye(2, dtype=cr.int64)), "float32 or float64"),
])
def test_errors_name_the_operation(call, message):
    with pytest.raises((ValueError, TypeError, NotImplementedError)) as error:
        call()
    assert message in str(error.value)


def test_out_is_written_and_returned_as_pytorch():
    a = A[0]
    for fn in (lambda lib, x, out: lib.linalg.inv(x, out=out),
               lambda lib, x, out: lib.inverse(x, out=out),
               lambda lib, x, out: lib.linalg.solve(x, x, out=out),
               lambda lib, x, out: lib.linalg.cholesky(x @ x.mT, out=out)):
        results = []
        for lib in (cr, torch):
            out = lib.empty(0, dtype=lib.float64)
            returned = fn(lib, lib.tensor(a), out)
            assert returned is out
            results.append(out.numpy())
        np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)
    sign, logabsdet = cr.empty(0, dtype=cr.float64), cr.empty(0, dtype=cr.float64)
    cr.linalg.slogdet(cr.tensor(a), out=(sign, logabsdet))
    assert sign.item() == torch.linalg.slogdet(torch.tensor(a)).sign.item()
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        cr.linalg.inv(cr.tensor(a, requires_grad=True), out=cr.empty(0, dtype=cr.float64))


def test_det_gradient_at_a_singular_matrix_is_the_adjugate():
    """det is a polynomial: its gradient at a singular matrix is adj(A)^T, finite; central
    differences check it (PyTorch 2.13 returns zeros at an exactly singular matrix)."""
    a = np.array([[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]], np.eye(3) * 2])
    x = cr.tensor(a, requires_grad=True)
    assert cr.gradcheck(lambda x: cr.linalg.det(x), (x,))
    cr.linalg.det(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0], [[14, -10, 2], [-7, 5, -1], [0, 0, 0]],
                               atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy()[1], np.eye(3) * 4)
    with pytest.raises(ValueError, match="the input matrix is singular"):   # create_graph:
        cr.autograd.grad(cr.linalg.det(x).sum(), x, create_graph=True)    # through Inv


def test_ex_forms_give_pytorch_info_and_lapack_results_for_failing_matrices():
    not_pd = np.array([[[1.0, 2.0], [2.0, 1.0]], [[4.0, 2.0], [2.0, 3.0]]])
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[4.0, 2.0], [2.0, 3.0]]])
    for ours, theirs in ((cr.linalg.cholesky_ex(cr.tensor(not_pd)),
                          torch.linalg.cholesky_ex(torch.tensor(not_pd))),
                         (cr.linalg.inv_ex(cr.tensor(singular)),
                          torch.linalg.inv_ex(torch.tensor(singular)))):
        np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
        assert ours[1].tolist() == theirs[1].tolist() == [2, 0]
        assert str(ours[1].dtype) == "chainrule.int32"


def test_ex_forms_keep_gradients_of_the_matrices_that_succeed():
    grads = []
    for lib in (cr, torch):
        x = lib.tensor(np.array([[[1.0, 2.0], [2.0, 4.0]], [[4.0, 2.0], [2.0, 3.0]]]),
                       requires_grad=True)
        inverse, _ = lib.linalg.inv_ex(x)
        inverse[1].sum().backward()
        grads.append(x.grad.numpy()[1])
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: cr.linalg.inv_ex(cr.ones(2, 2), check_errors=True), "the input matrix is singular"),
    (lambda: cr.linalg.cholesky_ex(-cr.eye(2).expand(3, 2, 2), check_errors=True),
     "linalg.cholesky_ex (batch element 0): the input is not positive-definite"),
    (lambda: cr.linalg.solve_ex(cr.ones(2, 2), cr.ones(2)), "check_errors=False"),
    (lambda: cr.linalg.solve_ex(cr.ones(2, 2), cr.ones(2), check_errors=True), "solver failed"),
])
def test_ex_forms_errors(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)

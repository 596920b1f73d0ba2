"""The compositions of ops/matrix_functions.py: float64 gradients against central
differences, values and gradients against PyTorch, and the errors naming the operation."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated",
                                        "ignore:torch.chain_matmul is deprecated")
RNG = np.random.default_rng(11)


def values(*shape):
    return RNG.standard_normal(shape)


def factor(*shape):
    """A lower Cholesky factor with a diagonal far from zero."""
    return np.tril(values(*shape), -1) + 2 * np.eye(shape[-1])


CASES = {
    "matrix_power 3": (lambda lib, a: lib.linalg.matrix_power(a, 3), (values(2, 3, 3),)),
    "matrix_power -2": (lambda lib, a: lib.linalg.matrix_power(a, -2),
                        (values(3, 3) + 3 * np.eye(3),)),
    "matrix_power 0": (lambda lib, a: lib.matrix_power(a, 0) + a, (values(3, 3),)),
    "Tensor.matrix_power 6": (lambda lib, a: (a / 2).matrix_power(6), (values(3, 3),)),
    "multi_dot": (lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]),
                  (values(3), values(3, 4), values(4, 2))),
    "chain_matmul": (lambda lib, a, b: lib.chain_matmul(a, b), (values(2, 3), values(3, 2))),
    "vecdot": (lambda lib, a, b: lib.linalg.vecdot(a, b, dim=0), (values(3, 2), values(3, 1))),
    "vdot": (lambda lib, a, b: lib.vdot(a, b), (values(4), values(4))),
    "solve_triangular lower": (lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=False),
                               (values(3, 3) + 3 * np.eye(3), values(3, 2))),
    "solve_triangular upper right unit": (
        lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True, left=False,
                                                      unitriangular=True),
        (values(2, 3, 3), values(2, 4, 3))),
    "triangular_solve transpose": (
        lambda lib, b, a: lib.triangular_solve(b, a, transpose=True).solution,
        (values(3, 2), values(3, 3) + 3 * np.eye(3))),
    # the factor through tril/triu: both libraries read one triangle (chainrule refuses
    # others), so a central difference must not move the other one
    "cholesky_solve": (lambda lib, b, f: lib.cholesky_solve(b, f.tril()),
                       (values(3, 2), factor(3, 3))),
    "cholesky_solve upper": (lambda lib, b, f: lib.cholesky_solve(b, f.triu(), upper=True),
                             (values(2, 3, 1),
                              np.ascontiguousarray(factor(2, 3, 3).transpose(0, 2, 1)))),
    "cholesky_inverse": (lambda lib, f: lib.cholesky_inverse(f.tril()), (factor(3, 3),)),
    "block_diag": (lambda lib, a, b, c: lib.block_diag(a, b, c), (values(2, 3), values(2), values())),
    "diagflat": (lambda lib, a: lib.diagflat(a, -1), (values(2, 2),)),
    "dist p=2": (lambda lib, a, b: lib.dist(a, b), (values(2, 3), values(3))),
    "dist p=3": (lambda lib, a, b: a.dist(b, 3), (values(2, 3), values(2, 3))),
    "cond": (lambda lib, a: lib.linalg.cond(a), (values(2, 3, 4),)),
    "cond -2": (lambda lib, a: lib.linalg.cond(a, -2), (values(3, 3),)),
    "tensorinv": (lambda lib, a: lib.linalg.tensorinv(a, ind=1),
                  (values(4, 2, 2) + np.eye(4).reshape(4, 2, 2) * 3,)),
    "tensorsolve dims": (lambda lib, a, b: lib.linalg.tensorsolve(a, b, dims=(0,)),
                         (values(6, 2, 3) + 3 * np.eye(6).reshape(6, 2, 3).transpose(1, 2, 0)
                          .transpose(2, 0, 1), values(2, 3))),
    "vander zero": (lambda lib, a: lib.linalg.vander(a * lib.tensor([1.0, 0.0, 1.0]), N=4),
                    (values(2, 3),)),
}


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_match_pytorch_and_central_differences(name):
    fn, arrays = CASES[name]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    assert cr.gradcheck(lambda *x: fn(cr, *x), tuple(ours))
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(cr, *ours), fn(torch, *theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    weights = np.linspace(-1, 1, expected.numel()).reshape(tuple(expected.shape))
    (out * cr.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for mine, pytorch in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), pytorch.grad.numpy(), rtol=1e-9,
                                   atol=1e-12)


@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, float("inf"), float("-inf")])
def test_cond_with_other_norms_has_a_gradient_where_pytorch_has_none(p):
    """PyTorch 2.13 computes these but fails in their backward (an in-place write into
    inv_ex's output): the values are compared with PyTorch's, the gradient with central
    differences."""
    a = values(2, 3, 3)
    x = cr.tensor(a, requires_grad=True)
    np.testing.assert_allclose(cr.linalg.cond(x, p).detach().numpy(),
                               torch.linalg.cond(torch.tensor(a), p).numpy(), rtol=1e-10)
    assert cr.gradcheck(lambda x: cr.linalg.cond(x, p), (x,))


def test_cond_of_a_singular_matrix_is_inf_as_pytorch():
    a = np.stack([np.ones((2, 2)), np.eye(2) * 2])
    for p in (1, "nuc", float("inf")):
        ours = cr.linalg.cond(cr.tensor(a), p).numpy()
        np.testing.assert_allclose(ours, torch.linalg.cond(torch.tensor(a), p).numpy())
        assert np.isinf(ours[0])


def test_block_diag_promotes_as_pytorch():
    ours = cr.block_diag(cr.tensor([[1, 2]]), cr.tensor([0.5], dtype=cr.float32))
    theirs = torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([0.5]))
    assert str(ours.dtype) == "chainrule.float32" and str(theirs.dtype) == "torch.float32"
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("call, message", [
    (lambda: cr.linalg.matrix_power(cr.ones(2, 3), 2), "square matrices"),
    (lambda: cr.linalg.matrix_power(cr.eye(2), 1.5), "n must be an int"),
    (lambda: cr.linalg.multi_dot([cr.eye(2)]), "at least 2 tensors"),
    (lambda: cr.linalg.multi_dot([cr.eye(2), cr.ones(2), cr.eye(2)]), "tensor 1 must be 2-D"),
    (lambda: cr.vdot(cr.ones(2), cr.ones(3)), "1-D tensors of the same size"),
    (lambda: cr.linalg.solve_triangular(cr.eye(2), cr.ones(2), upper=True), "at least 2"),
    (lambda: cr.cholesky_solve(cr.ones(2, 1), cr.ones(2, 2)), "nonzero values in its upper"),
    (lambda: cr.cholesky_inverse(cr.ones(2, 2), upper=True), "nonzero values in its lower"),
    (lambda: cr.block_diag(cr.ones(1, 1, 1)), "at most 2 dimensions"),
    (lambda: cr.linalg.lstsq(cr.eye(2), cr.eye(2), out=cr.ones(2)), "out"),
    (lambda: cr.linalg.cond(cr.eye(2), "max"), "p must be one of"),
    (lambda: cr.linalg.cond(cr.ones(2, 3), 1), "square matrices"),
    (lambda: cr.linalg.tensorinv(cr.ones(2, 3), ind=1), "must equal"),
    (lambda: cr.linalg.tensorsolve(cr.ones(2, 3), cr.ones(2)), "as many"),
    (lambda: cr.linalg.vander(cr.ones(2), N=-1), "non-negative"),
])
def test_errors_name_the_operation(call, message):
    with pytest.raises((ValueError, TypeError, NotImplementedError)) as error:
        call()
    assert message in str(error.value)

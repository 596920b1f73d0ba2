"""cr.autograd.functional against torch.autograd.functional in float64: jacobian and
hessian over one or several inputs and outputs, vjp, hvp, create_graph."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.functional import hessian, hvp, jacobian, vjp

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(4)
A = RNG.normal(size=(3,))
B = RNG.normal(size=(2, 2))


def one_to_one(L):
    return lambda x: L.tanh(x) * x.sum()


def two_to_two(L):
    return lambda x, y: (x.exp() * y.sum(), (x[:2] @ y) ** 2)


def scalar_of_two(L):
    return lambda x, y: (x ** 3).sum() * y.sum() + (x[:2] @ y @ x[1:]).sum()


def tensors(L, *arrays):
    return tuple(L.tensor(a, dtype=L.float64) for a in arrays)


def flat(value):
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in flat(v)]
    return [value.detach().numpy()]


def same(ours, theirs):
    ours, theirs = flat(ours), flat(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


CASES = {
    "jacobian one": lambda L, F: F.jacobian(one_to_one(L), tensors(L, A)[0]),
    "jacobian tuple of one": lambda L, F: F.jacobian(one_to_one(L), tensors(L, A)),
    "jacobian two to two": lambda L, F: F.jacobian(two_to_two(L), tensors(L, A, B)),
    "jacobian of a constant": lambda L, F: F.jacobian(lambda x: L.ones(2, dtype=L.float64),
                                                      tensors(L, A)[0]),
    "hessian one": lambda L, F: F.hessian(lambda x: (x ** 3).sum() * x[0], tensors(L, A)[0]),
    "hessian two": lambda L, F: F.hessian(scalar_of_two(L), tensors(L, A, B)),
    "vjp": lambda L, F: F.vjp(one_to_one(L), tensors(L, A)[0], tensors(L, A[::-1].copy())[0]),
    "hvp": lambda L, F: F.hvp(lambda x: (x ** 3).sum() * x[0], tensors(L, A)[0],
                              tensors(L, A[::-1].copy())[0]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_as_pytorch(case):
    same(CASES[case](cr, cr.autograd.functional), CASES[case](torch, torch.autograd.functional))


def test_create_graph_lets_the_result_be_differentiated():
    results = []
    for L, F in ((torch, torch.autograd.functional), (cr, cr.autograd.functional)):
        x = L.tensor(A, dtype=L.float64, requires_grad=True)
        j = F.jacobian(one_to_one(L), x, create_graph=True)
        (j ** 2).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


def test_results_without_create_graph_are_detached_and_inputs_untouched():
    x = cr.tensor(A, requires_grad=True)
    j = jacobian(lambda t: t * 2, x)
    assert not j.requires_grad and x.grad is None
    assert not hessian(lambda t: (t ** 2).sum(), x).requires_grad
    assert not vjp(lambda t: t.sum(), x)[1].requires_grad
    with pytest.raises(RuntimeError, match="single element"):
        hessian(lambda t: t * 2, x)
    with pytest.raises(NotImplementedError, match="strict=True"):
        hvp(lambda t: t.sum(), x, x, strict=True)

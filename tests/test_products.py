"""The tensor products and index helpers of ops/products.py: compositions of gates, so each
is gradient-checked in float64 against central differences and compared with PyTorch's
forward and backward; the functions without gradient against PyTorch's values, dtypes and
errors. (OpInfo's samples are run by tests/test_opinfo.py as well.)"""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
RNG = np.random.default_rng(7)


def values(*shape):
    return RNG.standard_normal(shape)


DIFFERENTIABLE = {
    "cross dim=None": (lambda lib, a, b: lib.cross(a, b), (values(4, 3), values(4, 3))),
    "cross dim=0 broadcast": (lambda lib, a, b: lib.cross(a, b, dim=0), (values(3, 2), values(3, 1))),
    "linalg.cross": (lambda lib, a, b: lib.linalg.cross(a, b), (values(2, 3), values(1, 3))),
    "linalg.cross dim": (lambda lib, a, b: lib.linalg.cross(a, b, dim=1), (values(2, 3, 2),) * 2),
    "kron": (lambda lib, a, b: lib.kron(a, b), (values(2, 3), values(3, 1, 2))),
    "tensordot int": (lambda lib, a, b: lib.tensordot(a, b, 2), (values(2, 3, 4), values(3, 4, 2))),
    "tensordot lists": (lambda lib, a, b: lib.tensordot(a, b, ([0, 2], [2, 1])),
                        (values(2, 3, 4), values(5, 4, 2))),
    "tensordot 0": (lambda lib, a, b: lib.tensordot(a, b, 0), (values(2), values(3))),
    "cdist p=2": (lambda lib, a, b: lib.cdist(a, b), (values(2, 4, 3), values(2, 5, 3))),
    "cdist p=1": (lambda lib, a, b: lib.cdist(a, b, p=1), (values(4, 3), values(5, 3))),
    "cdist p=3 mm": (lambda lib, a, b: lib.cdist(a, b, 3.0, "use_mm_for_euclid_dist"),
                     (values(3, 2), values(1, 2, 2))),
    "cdist p=inf": (lambda lib, a, b: lib.cdist(a, b, float("inf")), (values(3, 2), values(2, 2))),
    "diag_embed": (lambda lib, a: lib.diag_embed(a), (values(2, 3),)),
    "diag_embed offset dims": (lambda lib, a: lib.diag_embed(a, -1, 0, 2), (values(2, 3),)),
    "diag_embed offset": (lambda lib, a: lib.diag_embed(a, 2, dim1=-1, dim2=0), (values(3),)),
    "tensor_split sections": (lambda lib, a: lib.cat([p * (i + 1) for i, p in enumerate(
        lib.tensor_split(a, 3, dim=1))], 1), (values(2, 7),)),
    "tensor_split indices": (lambda lib, a: lib.cat([p * (i + 1) for i, p in enumerate(
        a.tensor_split([1, -2, 9]))]), (values(6, 2),)),
    "unfold": (lambda lib, a: a.unfold(1, 3, 2), (values(2, 7, 2),)),
    "unfold overlap": (lambda lib, a: a.unfold(-1, 2, 1), (values(5),)),
    "take": (lambda lib, a: lib.take(a, lib.tensor([[0, -1], [5, 0]])), (values(2, 3),)),
}


# row 0: position 1 gets nothing; src has index's shape (PyTorch's backward needs it)
SCATTER_INDEX = np.array([[0, 2, 0, 0], [1, 1, 3, 1]])
for reduce in ("sum", "prod", "mean", "amax", "amin"):
    for include_self in (True, False):
        DIFFERENTIABLE[f"scatter_reduce {reduce} include_self={include_self}"] = (
            lambda lib, x, src, reduce=reduce, include_self=include_self: x.scatter_reduce(
                1, lib.tensor(SCATTER_INDEX), src, reduce, include_self=include_self),
            (values(2, 4), values(2, 4)))
# a zero among a product's factors (one in row 0, two in row 1): PyTorch's special cases
DIFFERENTIABLE["scatter_reduce prod zeros"] = (
    lambda lib, x, src: lib.scatter_reduce(x, 1, lib.tensor(SCATTER_INDEX), src * lib.tensor(
        [[0.0, 1, 1, 1], [0, 1, 1, 0]]), "prod"), (values(2, 4), values(2, 4)))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_values_and_gradients_match_pytorch_and_central_differences(name):
    fn, arrays = DIFFERENTIABLE[name]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    assert cr.gradcheck(lambda *x: fn(cr, *x), tuple(ours))
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(cr, *ours), fn(torch, *theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    weights = np.linspace(-1, 1, expected.numel()).reshape(tuple(expected.shape))
    (out * cr.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for mine, pytorch in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), pytorch.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_scatter_reduce_ties_share_the_gradient_as_pytorch():
    x, src = np.array([3.0, 1.0]), np.array([3.0, 2.0, 3.0])
    grads = []
    for lib in (cr, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        a.scatter_reduce(0, lib.tensor([0, 1, 0]), b, "amax").sum().backward()
        grads.append((a.grad.tolist(), b.grad.tolist()))
    assert grads[0] == grads[1] == ([1 / 3, 0.0], [1 / 3, 1.0, 1 / 3])


def test_scatter_reduce_integers_match_pytorch():
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        calls = [lib.tensor([5, -7, 2]).scatter_reduce(
            0, lib.tensor([0, 0, 1]), lib.tensor([2, 4, -3]), reduce, include_self=False)
            for lib in (cr, torch)]
        assert calls[0].tolist() == calls[1].tolist(), reduce
        assert str(calls[0].dtype).split(".")[1] == str(calls[1].dtype).split(".")[1]


def test_cdist_gradient_at_a_zero_distance_is_zero_as_pytorch():
    a = values(3, 2)
    grads = []
    for lib in (cr, torch):
        x = lib.tensor(a, requires_grad=True)
        lib.cdist(x, x).sum().backward()
        grads.append(x.grad.numpy())
    assert np.isfinite(grads[0]).all()
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_diag_embed_keeps_inf_on_its_diagonal_only():
    x = np.array([np.inf, 1.0])
    np.testing.assert_array_equal(cr.diag_embed(cr.tensor(x), 1).numpy(),
                                  torch.diag_embed(torch.tensor(x), 1).numpy())


@pytest.mark.parametrize("call", [
    lambda lib: lib.tril_indices(4, 3, -1),
    lambda lib: lib.triu_indices(3, 5, 2, dtype=lib.int32),
    lambda lib: lib.tril_indices(0, 3),
    lambda lib: lib.searchsorted(lib.tensor([[1.0, 3.0, 3.0], [0.0, 2.0, 4.0]]),
                                 lib.tensor([[3.0, 0.0], [4.0, 5.0]]), right=True),
    lambda lib: lib.searchsorted(lib.tensor([5.0, 1.0, 3.0]), lib.tensor([3.0, 4.0]),
                                 side="left", sorter=lib.tensor([1, 2, 0]), out_int32=True),
    lambda lib: lib.searchsorted(lib.tensor([1.0, 2.0]), 1.5),
    lambda lib: lib.bucketize(lib.tensor([[1.0, 4.0], [9.0, 2.0]]), lib.tensor([2.0, 4.0]),
                              right=True),
    lambda lib: lib.bucketize(3.0, lib.tensor([2.0, 4.0])),
    lambda lib: lib.isin(lib.tensor([[1, 2], [3, 4]]), lib.tensor([4, 1]), invert=True),
    lambda lib: lib.isin(lib.tensor([1.0, 2.0]), 2.0),
])
def test_index_functions_match_pytorch(call):
    ours, theirs = call(cr), call(torch)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("call, message", [
    (lambda: cr.cross(cr.ones(2, 4), cr.ones(2, 4)), "no dimension of size 3"),
    (lambda: cr.linalg.cross(cr.ones(3, 2), cr.ones(3, 2)), "must have length 3"),
    (lambda: cr.linalg.cross(cr.ones(2, 3), cr.ones(3)), "same number of dimensions"),
    (lambda: cr.tensordot(cr.ones(2, 3), cr.ones(4, 2), 1), "contracted dimensions"),
    (lambda: cr.tensordot(cr.ones(2), cr.ones(2), ([0], [])), "same length"),
    (lambda: cr.cdist(cr.ones(2, 3), cr.ones(2, 4)), "the same M"),
    (lambda: cr.cdist(cr.ones(2, 3), cr.ones(2, 3), compute_mode="fast"), "compute_mode"),
    (lambda: cr.cdist(cr.ones(2, 3), cr.ones(2, 3), p=-1), "non-negative"),
    (lambda: cr.diag_embed(cr.ones(2), 0, 1, -1), "cannot be the same"),
    (lambda: cr.tensor_split(cr.ones(4), 0), "larger than 0"),
    (lambda: cr.ones(4).unfold(0, 5, 1), "size 5 must be between"),
    (lambda: cr.ones(4).unfold(0, 2, 0), "step must be positive"),
    (lambda: cr.take(cr.ones(4), cr.tensor([4])), "out of range"),
    (lambda: cr.searchsorted(cr.ones(2), cr.ones(1), side="middle"), "side must be"),
    (lambda: cr.searchsorted(cr.ones(2), cr.ones(1), side="left", right=True), "opposites"),
    (lambda: cr.searchsorted(cr.ones(2, 2), cr.ones(3, 1)), "leading dimensions"),
    (lambda: cr.bucketize(cr.ones(2), cr.ones(2, 2)), "boundaries must be 1-D"),
    (lambda: cr.tril_indices(2, 2, device="cuda"), "computes on the CPU"),
    (lambda: cr.cdist(cr.ones(2, 2), cr.ones(2, 2), out=cr.ones(2, 2)), "out"),
    (lambda: cr.ones(3).scatter_reduce(0, cr.tensor([0]), cr.ones(1), "max"), "reduce must be"),
    (lambda: cr.ones(3).scatter_reduce(0, cr.tensor([3]), cr.ones(1), "sum"), "out of range"),
    (lambda: cr.ones(3).scatter_reduce(0, cr.tensor([0, 1]), cr.ones(1), "sum"), "larger than"),
    (lambda: cr.ones(3).scatter_reduce(0, cr.tensor([[0]]), cr.ones(1, 1), "sum"),
     "same number of dimensions"),
])
def test_errors_name_the_operation_and_argument(call, message):
    with pytest.raises((ValueError, TypeError, IndexError, NotImplementedError)) as error:
        call()
    assert message in str(error.value)

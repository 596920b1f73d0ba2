"""nn.utils.get_total_norm and clip_grads_with_norm_ (PyTorch's two halves of
clip_grad_norm_) against PyTorch: the total norm for every norm type, the scaled gradients,
the non-finite error, and that the two halves together are clip_grad_norm_."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

GRADS = [np.array([1.0, -2.0, 3.0]), np.array([[4.0, 0.5], [-0.25, 2.0]])]


def parameters(lib):
    params = [lib.nn.Parameter(lib.zeros(*g.shape, dtype=lib.float64)) for g in GRADS]
    for p, g in zip(params, GRADS):
        p.grad = lib.tensor(g)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_total_norm_and_clipping_match_pytorch(norm_type, max_norm):
    ours, theirs = parameters(cr), parameters(torch)
    total = cr.nn.utils.get_total_norm([p.grad for p in ours], norm_type)
    ttotal = torch.nn.utils.get_total_norm([p.grad for p in theirs], norm_type)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    cr.nn.utils.clip_grads_with_norm_(ours, max_norm, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, max_norm, ttotal)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_the_two_halves_are_clip_grad_norm():
    halves, whole = parameters(cr), parameters(cr)
    total = cr.nn.utils.get_total_norm([p.grad for p in halves])
    cr.nn.utils.clip_grads_with_norm_(halves, 0.5, total)
    assert cr.nn.utils.clip_grad_norm_(whole, 0.5).item() == total.item()
    for p, q in zip(halves, whole):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_non_finite_total_raises_when_asked_and_empty_is_zero():
    for lib in (cr, torch):
        grads = [lib.tensor([1.0, float("inf")])]
        with pytest.raises(RuntimeError, match="non-finite|error_if_nonfinite"):
            lib.nn.utils.get_total_norm(grads, error_if_nonfinite=True)
        assert lib.nn.utils.get_total_norm(grads).item() == float("inf")
        assert lib.nn.utils.get_total_norm([]).item() == 0.0

"""F.pdist, F.gumbel_softmax, F.multilabel_margin_loss and nn.MultiLabelMarginLoss against
PyTorch: values and gradients (pdist for every p, equal rows included; the loss with
repeated classes, the -1 end marker, a hinge exactly at 0, one sample, every reduction);
gumbel_softmax, which draws random numbers, on what does not depend on the draw."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def both(name, arrays, *args, **kwargs):
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs, getattr(cr.nn.functional, name)(*ours, *args, **kwargs), \
        getattr(torch.nn.functional, name)(*theirs, *args, **kwargs)


def assert_same(ours, theirs, out, tout):
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    weight = np.arange(1.0, 1.0 + int(np.prod(tuple(tout.shape)))).reshape(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("p", [2, 1, 0, 1.5, 3, float("inf")])
@pytest.mark.parametrize("array", [np.random.default_rng(0).standard_normal((5, 3)),
                                   np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]]),
                                   np.ones((1, 4))], ids=["random", "equal rows", "one row"])
def test_pdist_matches_pytorch(array, p):
    assert_same(*both("pdist", [array], p))


def test_pdist_refuses_what_pytorch_refuses():
    for call in (lambda lib: lib.nn.functional.pdist(lib.ones(2, 3, 4)),
                 lambda lib: lib.nn.functional.pdist(lib.ones(3, 2), -1)):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(ValueError, match="pdist"):
            call(cr)


TARGETS = [np.array([[1, 2, -1, 0, 0], [0, -1, 2, 3, 3], [4, 4, 1, -1, 2], [0, 1, 2, 3, 4]]),
           np.array([3, 1, -1, 0]), np.array(0)]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("target", TARGETS, ids=["batch", "one sample", "0-d"])
def test_multilabel_margin_loss_matches_pytorch(target, reduction):
    array = np.random.default_rng(1).standard_normal(target.shape)
    ours, theirs = cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    out = cr.nn.functional.multilabel_margin_loss(ours, cr.tensor(target), reduction)
    tout = torch.nn.functional.multilabel_margin_loss(theirs, torch.tensor(target),
                                                      reduction=reduction)
    assert_same([ours], [theirs], out, tout)


def test_multilabel_margin_loss_hinge_at_zero_has_pytorchs_gradient():
    array = np.array([[2.0, 1.0, 0.0]])   # x[0] - x[1] = 1: the hinge is exactly 0
    ours, theirs = cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    target = np.array([[0, -1, 2]])
    out = cr.nn.functional.multilabel_margin_loss(ours, cr.tensor(target))
    tout = torch.nn.functional.multilabel_margin_loss(theirs, torch.tensor(target))
    assert_same([ours], [theirs], out, tout)


def test_multilabel_margin_loss_module():
    assert repr(cr.nn.MultiLabelMarginLoss()) == repr(torch.nn.MultiLabelMarginLoss())
    array, target = np.array([[0.1, 0.9, 0.3]]), np.array([[1, 1, -1]])
    np.testing.assert_allclose(
        cr.nn.MultiLabelMarginLoss(reduction="sum")(cr.tensor(array), cr.tensor(target)).item(),
        torch.nn.MultiLabelMarginLoss(reduction="sum")(torch.tensor(array),
                                                       torch.tensor(target)).item())


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_samples_with_the_softmax_probabilities(hard):
    logits = cr.tensor(np.log([[0.7, 0.2, 0.1]] * 4000))
    values = cr.nn.functional.gumbel_softmax(logits, tau=0.5, hard=hard).numpy()
    np.testing.assert_allclose(values.sum(1), 1.0, rtol=1e-6)
    if hard:
        assert set(np.unique(values)) == {0.0, 1.0}
    np.testing.assert_allclose((values.argmax(1) == 0).mean(), 0.7, atol=0.03)


def test_gumbel_softmax_hard_has_the_soft_samples_gradient():
    """Straight through: the same draw (the same seed) gives the hard one-hot the gradient
    of the soft sample, which is a softmax's (each row sums to 0)."""
    grads = []
    for hard in (False, True):
        logits = cr.tensor(np.random.default_rng(2).standard_normal((6, 4)), requires_grad=True)
        cr.manual_seed(7)
        sample = cr.nn.functional.gumbel_softmax(logits, tau=0.8, hard=hard)
        (sample * cr.tensor([[1.0, -2.0, 0.5, 3.0]])).sum().backward()
        grads.append(logits.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads[0].sum(1), 0.0, atol=1e-12)
    assert np.abs(grads[0]).max() > 1e-3


def test_gumbel_softmax_dim_and_deprecated_eps_as_pytorch():
    shape = tuple(cr.nn.functional.gumbel_softmax(cr.zeros(2, 5, 3), dim=1, hard=True).shape)
    assert shape == (2, 5, 3)
    out = cr.nn.functional.gumbel_softmax(cr.zeros(2, 5, 3), dim=1, hard=True)
    np.testing.assert_array_equal(out.numpy().sum(1), np.ones((2, 3)))
    with pytest.warns(UserWarning, match="deprecated"):
        torch.nn.functional.gumbel_softmax(torch.zeros(3), eps=1e-3)
    with pytest.warns(UserWarning, match="deprecated"):
        cr.nn.functional.gumbel_softmax(cr.zeros(3), eps=1e-3)

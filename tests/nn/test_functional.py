"""nn.functional beyond the layers: erf's accuracy, PyTorch's unfold/fold, clip_grad_norm_,
softplus, one_hot."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.kernels.special import erf as erf_array
from nn_helpers import randn, torch

F = cr.nn.functional


def test_erf_is_accurate_everywhere():
    x = np.concatenate([np.linspace(-8, 8, 40001), [0.0, 1e-300, -1e-10, 30.0, -1e4, 1e4]])
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(erf_array(x) - expected).max() < 4e-12
    tiny = np.geomspace(1e-300, 0.5, 401)
    relative = erf_array(tiny) / np.array([math.erf(v) for v in tiny]) - 1
    assert np.abs(relative).max() < 4e-12
    assert erf_array(np.array([np.inf, -np.inf])).tolist() == [1.0, -1.0]


def test_erf_keeps_float32():
    assert erf_array(np.ones(3, np.float32)).dtype == np.float32


def test_unfold_and_fold_match_torch():
    x = randn(2, 3, 5, 6)
    options = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    ours = F.unfold(cr.tensor(x, requires_grad=True), **options)
    theirs = torch.nn.functional.unfold(torch.tensor(x), **options)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    cols = randn(*theirs.shape, seed=1)
    ours = F.fold(cr.tensor(cols), (5, 6), **options)
    theirs = torch.nn.functional.fold(torch.tensor(cols), (5, 6), **options)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


def test_fold_is_the_adjoint_of_unfold():
    """<unfold(x), w> = <x, fold(w)>: the identity that makes each the other's backward."""
    x, geometry = randn(2, 2, 6, 5), dict(kernel=3, stride=2, padding=1, dilation=1)
    windows = cr.ops.unfold(cr.tensor(x), **geometry)
    w = randn(*windows.shape, seed=3)
    folded = cr.ops.fold(cr.tensor(w), x.shape, **geometry)
    assert np.sum(windows.detach().numpy() * w) == pytest.approx(np.sum(x * folded.detach().numpy()), rel=1e-12)


def test_clip_grad_norm_matches_torch():
    grads = [randn(3, 4), randn(5, seed=1)]
    for norm_type, max_norm in ((2.0, 1.0), (1.0, 2.0), (math.inf, 0.5), (2.0, 100.0)):
        ours = [cr.nn.Parameter(cr.zeros(*g.shape, dtype=cr.float64)) for g in grads]
        theirs = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
        for p, tp, g in zip(ours, theirs, grads):
            p.grad, tp.grad = cr.tensor(g), torch.tensor(g)
        total = cr.nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
        assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), rtol=1e-12)
    bad = cr.nn.Parameter(cr.zeros(1))
    bad.grad = cr.tensor([float("nan")])
    with pytest.raises(RuntimeError, match="total norm"):
        cr.nn.utils.clip_grad_norm_([bad], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("beta, threshold", [(1.0, 20.0), (2.0, 3.0)])
def test_softplus_matches_torch(beta, threshold):
    x = np.array([-1e4, -3.0, 0.0, 1.0, 2.0, 1e4])
    ours = cr.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    F.softplus(ours, beta, threshold).sum().backward()
    torch.nn.functional.softplus(theirs, beta, threshold).sum().backward()
    np.testing.assert_allclose(F.softplus(ours, beta, threshold).detach().numpy(),
                               torch.nn.functional.softplus(theirs, beta, threshold).detach())
    np.testing.assert_allclose(ours.grad.detach().numpy(), theirs.grad.detach().numpy(), rtol=1e-12)


def test_one_hot_and_dropout_arguments():
    assert F.one_hot(cr.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    x = cr.ones(3)
    assert F.dropout(x, 0.5, training=False) is x
    assert (F.dropout(x, 1.0).detach().numpy() == 0).all()


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
def test_softmax_without_dim_takes_pytorchs_legacy_dim_with_its_warning(shape):
    """Older code writes F.log_softmax(x) and nn.Softmax(): 0 for 1- and 3-D inputs, else 1."""
    x = randn(*shape, seed=len(shape))
    for name in ("softmax", "log_softmax", "softmin"):
        results = []
        for lib in (torch, cr):
            with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
                results.append(getattr(lib.nn.functional, name)(lib.tensor(x)).numpy())
            module = {"softmax": "Softmax", "log_softmax": "LogSoftmax", "softmin": "Softmin"}
            with pytest.warns(UserWarning, match="Implicit dimension choice"):
                results.append(getattr(lib.nn, module[name])()(lib.tensor(x)).numpy())
        np.testing.assert_allclose(results[2], results[0], rtol=1e-12)
        np.testing.assert_allclose(results[3], results[1], rtol=1e-12)

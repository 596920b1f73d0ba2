"""nn.utils.spectral_norm and remove_spectral_norm against PyTorch: the parameter and
buffers it makes (names, order, state dict), a PyTorch state dict loaded, then training
steps: outputs, gradients and the power iteration's u and v as PyTorch's; eval mode (no
iteration); ConvTranspose's dim 1; removal; and PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch, train_alongside

LAYERS = [(lambda lib: lib.nn.Linear(5, 3), (4, 5), {}),
          (lambda lib: lib.nn.Conv2d(3, 4, 2), (2, 3, 5, 5), {"n_power_iterations": 3}),
          (lambda lib: lib.nn.ConvTranspose2d(3, 4, 2), (1, 3, 4, 4), {}),
          (lambda lib: lib.nn.Linear(4, 6), (2, 4), {"dim": 1, "eps": 1e-6})]


def pair(make, kwargs):
    theirs = torch.nn.utils.spectral_norm(make(torch).double(), **kwargs)
    ours = cr.nn.utils.spectral_norm(make(cr).double(), **kwargs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def same_power_iteration(ours, theirs):
    for buffer in ("weight_u", "weight_v"):
        np.testing.assert_allclose(getattr(ours, buffer).numpy(),
                                   getattr(theirs, buffer).numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make, shape, kwargs", LAYERS)
def test_training_steps_match_pytorch(make, shape, kwargs):
    ours, theirs = pair(make, kwargs)
    array = np.random.default_rng(0).standard_normal(shape)
    train_alongside(ours, theirs, array, each_step=same_power_iteration)
    ours.eval()
    theirs.eval()
    u = ours.weight_u.numpy().copy()
    np.testing.assert_allclose(ours(cr.tensor(array)).detach().numpy(),
                               theirs(torch.tensor(array)).detach().numpy(), rtol=1e-10)
    np.testing.assert_array_equal(ours.weight_u.numpy(), u)   # no iteration in eval mode


def test_the_normalised_weight_has_spectral_norm_one():
    layer = cr.nn.utils.spectral_norm(cr.nn.Linear(6, 4).double(), n_power_iterations=30)
    layer(cr.ones(1, 6, dtype=cr.float64))
    np.testing.assert_allclose(cr.linalg.matrix_norm(layer.weight, 2).item(), 1.0, rtol=1e-6)


@pytest.mark.parametrize("make, shape, kwargs", LAYERS[:3])
def test_remove_spectral_norm_as_pytorch(make, shape, kwargs):
    ours, theirs = pair(make, kwargs)
    torch.nn.utils.remove_spectral_norm(theirs)
    cr.nn.utils.remove_spectral_norm(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-12)


def test_errors_as_pytorch():
    for lib in (cr, torch):
        layer = lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
            lib.nn.utils.spectral_norm(layer)
        with pytest.raises(ValueError, match="spectral_norm of 'bias' not found"):
            lib.nn.utils.remove_spectral_norm(layer, "bias")
        with pytest.raises(ValueError, match="n_power_iterations"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)

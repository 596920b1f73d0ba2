"""nn.utils.weight_norm and remove_weight_norm against PyTorch: the parameters it makes
(names, order, shapes for every dim), a PyTorch state dict loaded, outputs and the
gradients of g and v, SGD steps, removal, the deprecation warning and the errors."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch, train_alongside

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

LAYERS = [(lambda lib: lib.nn.Linear(3, 2), 0, (4, 3)),
          (lambda lib: lib.nn.Conv2d(3, 4, 2), 0, (2, 3, 5, 5)),
          (lambda lib: lib.nn.Linear(3, 2), None, (4, 3)),
          (lambda lib: lib.nn.Linear(3, 2), 1, (4, 3)),
          (lambda lib: lib.nn.Conv1d(2, 3, 2), -1, (1, 2, 5))]


def pair(make, dim):
    theirs = torch.nn.utils.weight_norm(make(torch).double(), dim=dim)
    ours = cr.nn.utils.weight_norm(make(cr).double(), dim=dim)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("make, dim, shape", LAYERS)
def test_weight_norm_matches_pytorch_through_training_steps(make, dim, shape):
    ours, theirs = pair(make, dim)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    train_alongside(ours, theirs, np.random.default_rng(0).standard_normal(shape))


@pytest.mark.parametrize("make, dim, shape", LAYERS[:2])
def test_remove_weight_norm_keeps_the_current_weight_as_pytorch(make, dim, shape):
    ours, theirs = pair(make, dim)
    torch.nn.utils.remove_weight_norm(theirs)
    cr.nn.utils.remove_weight_norm(ours)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-12)
    array = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(ours(cr.tensor(array)).detach().numpy(),
                               theirs(torch.tensor(array)).detach().numpy(), rtol=1e-10)


def test_warning_and_errors_as_pytorch():
    for lib in (cr, torch):
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            layer = lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="two weight_norm hooks"):
                lib.nn.utils.weight_norm(layer)
        with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
            lib.nn.utils.remove_weight_norm(layer, "bias")

"""Lazy layers against PyTorch: reprs before and after the first call, the layer each
becomes, state dict names and shapes, outputs and gradients from the same weights, the
parameter objects kept (an optimizer made before the first call steps them), hooks kept."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import randn, torch


def model(L):
    nn = L.nn
    return nn.Sequential(
        nn.LazyConv2d(4, kernel_size=3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConvTranspose2d(2, 2, stride=2), nn.LazyInstanceNorm2d(), nn.Flatten(),
        nn.LazyLinear(5), nn.LazyBatchNorm1d(affine=False), nn.Unflatten(1, (1, 5)),
        nn.LazyConv1d(3, 2), nn.LazyInstanceNorm1d(1e-3, 0.1, False), nn.Flatten(),
        nn.LazyLinear(1, bias=False))


def test_lazy_layers_become_pytorchs_layers():
    x = randn(2, 3, 4, 4, seed=1)
    ours, theirs = model(cr).double(), model(torch).double()
    assert repr(ours) == repr(theirs).replace("torch", "chainrule")
    ours(cr.tensor(x)), theirs(torch.tensor(x))
    assert repr(ours) == repr(theirs)
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in state.items()]
    ours.load_state_dict({k: cr.tensor(v) for k, v in state.items()})
    out, tout = ours(cr.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10)
    out.sum().backward()
    tout.sum().backward()
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_parameters_and_hooks_taken_before_the_first_call_stay_valid():
    layer = cr.nn.LazyLinear(2)
    weight = layer.weight
    assert isinstance(weight, cr.nn.UninitializedParameter) and layer.has_uninitialized_params()
    seen = []
    layer.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
    optimizer = cr.optim.SGD(layer.parameters(), lr=0.5)
    layer(cr.ones(3, 4)).sum().backward()
    assert layer.weight is weight and type(weight) is cr.nn.Parameter
    assert weight.shape == (2, 4) and seen == [(3, 2)]
    before = weight.detach().numpy().copy()
    optimizer.step()
    np.testing.assert_allclose(weight.detach().numpy(), before - 0.5 * 3, rtol=1e-6)
    assert type(layer) is cr.nn.Linear and layer.in_features == 4


def test_unbatched_inputs_and_wrong_ranks():
    conv = cr.nn.LazyConv2d(2, 3)
    assert conv(cr.ones(5, 6, 6)).shape == (2, 4, 4) and conv.in_channels == 5
    with pytest.raises(ValueError, match="LazyConv2d: expected a 3-D"):
        cr.nn.LazyConv2d(2, 3)(cr.ones(6, 6))
    with pytest.raises(TypeError):
        cr.nn.LazyLinear(2, no_such_option=True)

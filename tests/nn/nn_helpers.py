"""Shared by the nn tests: run the same layer in chainrule and PyTorch on the same float64
weights and inputs, and compare forward, input gradient and parameter gradients."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def copy_weights(ours, theirs):
    """Give the chainrule module PyTorch's parameters and buffers (as float64)."""
    state = {k: v.detach().numpy().astype(np.float64) if v.is_floating_point() else v.detach().numpy()
             for k, v in theirs.state_dict().items()}
    ours.double()
    ours.load_state_dict(state)


def run_both(ours, theirs, *arrays, seed=0, requires_grad=True):
    """Forward both on the arrays and backward a random weighting of the outputs.

    Returns ((our output, our input grads), (their output, their input grads))."""
    results = []
    for lib, module in ((cr, ours), (torch, theirs)):
        inputs = [lib.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
                  for a in arrays]
        out = module(*inputs)
        weight = np.random.default_rng(seed).standard_normal(tuple(out.shape))
        (out * lib.tensor(weight, dtype=out.dtype)).sum().backward()
        grads = [numpy_of(t.grad) if t.grad is not None else None for t in inputs]
        results.append((numpy_of(out), grads))
    return results


def numpy_of(t):
    return t.detach().numpy() if isinstance(t, cr.Tensor) else t.detach().numpy()


def assert_same_layer(ours, theirs, *arrays, rtol=1e-7, atol=1e-9):
    """Forward, input gradients and parameter gradients agree with PyTorch in float64."""
    theirs = theirs.double()
    copy_weights(ours, theirs)
    (out, grads), (tout, tgrads) = run_both(ours, theirs, *arrays)
    np.testing.assert_allclose(out, tout, rtol=rtol, atol=atol)
    for g, tg in zip(grads, tgrads):
        if tg is not None:
            np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol)
    our_params = dict(ours.named_parameters())
    their_params = dict(theirs.named_parameters())
    assert our_params.keys() == their_params.keys()
    for name, tp in their_params.items():
        np.testing.assert_allclose(our_params[name].grad.detach().numpy(), tp.grad.detach().numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)
    return out


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def train_alongside(ours, theirs, array, steps=3, each_step=None):
    """SGD steps (lr 0.1, loss sum(out ** 2)) on both modules: the outputs and the parameter
    gradients agree with PyTorch's at every step; ``each_step(ours, theirs)``, when given,
    checks more after each forward."""
    optimizer = cr.optim.SGD(ours.parameters(), lr=0.1)
    toptimizer = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        toptimizer.zero_grad()
        out, tout = ours(cr.tensor(array)), theirs(torch.tensor(array))
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        if each_step is not None:
            each_step(ours, theirs)
        (out ** 2).sum().backward()
        (tout ** 2).sum().backward()
        for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=name)
        optimizer.step()
        toptimizer.step()

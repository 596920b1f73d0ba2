"""Tensor.register_post_accumulate_grad_hook (PyTorch's), which DistributedDataParallel
starts its all-reduces from: called with the leaf once its .grad is complete, as soon as the
last gate reading it has run (before the rest of backward), with the same .grad PyTorch
computes; the leaf owns its .grad even when a gate still to run reads the same array."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given

import chainrule as cr

from chainrule.tensor import PostAccumulate

spec = importlib.util.spec_from_file_location(
    "strategies", Path(__file__).parents[1] / "robustness" / "strategies.py")
strategies = importlib.util.module_from_spec(spec)
spec.loader.exec_module(strategies)


@pytest.fixture(autouse=True)
def no_walk_afterwards():
    """Once a post accumulate grad hook exists, every backward in the process walks its
    graph first; the tests after these (a million-node chain, memory) should not."""
    yield
    PostAccumulate.anywhere = False


def test_hooks_run_during_backward_as_each_leaf_is_complete():
    cr.manual_seed(0)
    first, second = cr.nn.Linear(3, 4), cr.nn.Linear(4, 2)
    events = []
    for name, p in [("first", first.weight), ("second", second.weight)]:
        p.register_post_accumulate_grad_hook(lambda t, name=name: events.append(
            (name, t.grad.numpy().copy())))
    x = cr.randn(5, 3, requires_grad=True)
    h = first(x)
    h.register_hook(lambda g: events.append(("h", None)))
    second(h.tanh()).sum().backward()
    assert [e[0] for e in events] == ["second", "h", "first"]   # second's before backward ends
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tw1 = torch.tensor(first.weight.detach().numpy(), requires_grad=True)
    tw2 = torch.tensor(second.weight.detach().numpy(), requires_grad=True)
    out = torch.tanh(tx @ tw1.T + torch.tensor(first.bias.detach().numpy())) @ tw2.T
    out.sum().backward()
    np.testing.assert_allclose(events[0][1], tw2.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(events[2][1], tw1.grad.numpy(), rtol=1e-5)


def test_a_leaf_given_an_array_other_gates_still_read_owns_a_copy():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    a = cr.tensor([3.0, 4.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: t.grad.numpy().__imul__(100))
    s = a * 2 + w   # the add hands one array to w and to the gate of a * 2
    (s * s).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [28.0, 40.0])   # 2 * 2 * (2a + w)
    np.testing.assert_array_equal(w.grad.numpy(), [1400.0, 2000.0])


def test_accumulates_across_backward_calls_and_handles_remove():
    w = cr.tensor(2.0, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.item()))
    (w * 3).backward()
    (w * w).backward()
    assert seen == [3.0, 7.0]
    handle.remove()
    (w * 1).backward()
    assert seen == [3.0, 7.0]


def test_not_run_by_autograd_grad_and_refused_on_non_leaves():
    w = cr.tensor(2.0, requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(1))
    assert cr.autograd.grad(w * w, w)[0].item() == 4.0 and seen == []
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        cr.tensor(1.0).register_post_accumulate_grad_hook(lambda t: None)


def leaf_grads(graph, hooked=()):
    """Backward of a weighted sum of the graph's outputs; the leaves numbered in ``hooked``
    get a post accumulate grad hook that doubles .grad in place (what DDP's averaging does
    to a gradient's memory)."""
    leaves = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in graph.leaves]
    calls = []
    for i in hooked:
        leaves[i].register_post_accumulate_grad_hook(
            lambda t, i=i: (calls.append(i), t.grad.numpy().__imul__(2)))
    outs = graph.run(cr, *leaves)
    rng = np.random.default_rng(0)
    loss = sum((out * cr.tensor(rng.standard_normal(out.shape))).sum() for out in outs)
    loss.backward()
    return [None if x.grad is None else x.grad.numpy() for x in leaves], calls


@strategies.bounded(100)
@given(graph=strategies.graphs())
def test_early_delivery_changes_no_gradient_on_random_graphs(graph):
    """Hooks on every other leaf: those leaves get their gradients early (and doubled by the
    hook, once); no other leaf's gradient changes, whatever arrays the gates shared."""
    plain, _ = leaf_grads(graph)
    hooked = [i for i in range(len(plain)) if i % 2 == 0 and plain[i] is not None]
    grads, calls = leaf_grads(graph, hooked)
    assert sorted(calls) == hooked
    for i, (want, got) in enumerate(zip(plain, grads)):
        if want is None:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want * 2 if i in hooked else want,
                                          err_msg=f"leaf {i}")

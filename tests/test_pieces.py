"""Indexing's backward kept as pieces (autograd/pieces.py): the slices of one tensor that a
model reads are summed into one array only when something reads the gradient. Whatever
reads it (a gate, a leaf's .grad, a hook, retain_grad, grad(), anomaly mode, explain) sees an
ordinary array equal to PyTorch's gradient."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.pieces import Pieces, is_basic

torch = pytest.importorskip("torch")

INDICES = [(slice(None), 0), (slice(None), slice(1, 3)), 2, (None, 1), (Ellipsis, 1),
           (slice(None, None, 2), slice(None), -1), np.array([0, 0, 3]), (slice(None), [1, 1])]


def both(x):
    return cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def reads_slices(t, index):
    """Several slices of t (some overlapping, some repeated) mixed with a whole use of it."""
    total = (t * t).sum()
    for i in range(3):
        total = total + (t[index] * (i + 1)).sum() + t[:, i].tanh().sum()
    return total


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_slices_of_a_leaf_sum_to_pytorchs_gradient(index):
    x = np.random.default_rng(0).standard_normal((4, 7, 5))
    ours, theirs = both(x)
    reads_slices(ours, index if not isinstance(index, list) else index).backward()
    reads_slices(theirs, index).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_slices_of_an_intermediate_reach_the_gate_that_made_it():
    x = np.random.default_rng(1).standard_normal((3, 10, 4))
    ours, theirs = both(x)
    for t in (ours, theirs):
        h = t.exp() * 2
        sum(h[:, i].sum() * (i + 1) for i in range(10)).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_qkv_split_as_pytorch():
    x = np.random.default_rng(2).standard_normal((2, 3, 12))
    ours, theirs = both(x)
    for t in (ours, theirs):
        q, k, v = (t * 1.5).split(4, dim=2)
        ((q @ k.transpose(1, 2)).softmax(-1) @ v).square().sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


def test_a_leaf_gets_its_own_writeable_array():
    x = cr.tensor(np.zeros((3, 4)), requires_grad=True)
    (x[:, 0].sum() + x[:, 1].sum()).backward()
    grad = x.grad.numpy()
    assert type(x.grad._data) is np.ndarray and grad.flags.writeable
    (x[:, 0].sum()).backward()   # accumulates into .grad
    assert x.grad.numpy()[:, 0].tolist() == [2.0, 2.0, 2.0]


def test_hooks_retain_grad_and_grad_see_arrays():
    x = cr.tensor(np.ones((3, 4)), requires_grad=True)
    h = x * 2
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(type(g._data)))
    (h[:, 0].sum() + h[:, 3].sum()).backward()
    assert seen == [np.ndarray] and type(h.grad._data) is np.ndarray
    assert h.grad.numpy().tolist() == [[1.0, 0.0, 0.0, 1.0]] * 3
    g, = cr.autograd.grad(x[0].sum() + x[2].sum(), x)
    assert type(g._data) is np.ndarray and g.numpy()[:, 0].tolist() == [1.0, 0.0, 1.0]


def test_anomaly_mode_finds_a_nan_in_pieces():
    x = cr.tensor(np.array([[1.0, -1.0], [2.0, 3.0]]), requires_grad=True)
    with cr.autograd.detect_anomaly():   # the NaN comes with the seed: the indexing returns it
        with pytest.raises(RuntimeError, match=r"'GetItem' returned nan"):
            x[:, 1].backward(cr.tensor([np.nan, 1.0]))


def test_double_backward_through_slices():
    x = np.random.default_rng(3).standard_normal((3, 4))
    ours, theirs = both(x)
    grads = []
    for t, lib in ((ours, cr), (theirs, torch)):
        y = (t[:, 0] ** 3).sum() + (t[:, 1] * t[:, 2]).sum()
        g, = lib.autograd.grad(y, t, create_graph=True)
        grads.append(lib.autograd.grad(g.square().sum(), t)[0].detach().numpy())
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_explain_prints_indexing_with_its_values():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    text = str(cr.explain(x[:, 0].sum() + x[:, 1].sum() * 2))
    assert "unindex(" in text


def test_pieces_add_and_read_once():
    whole = np.ones((2, 3))
    p = Pieces(np.full(2, 2.0), (2, 3), (slice(None), 1)) + whole
    p = whole + p   # NumPy defers to Pieces
    p = p + Pieces(np.full(3, 5.0), (2, 3), 0)
    out = p.dense()
    assert out.tolist() == [[7.0, 9.0, 7.0], [2.0, 4.0, 2.0]]
    assert whole.tolist() == [[1.0] * 3] * 2   # an added array is read, never written
    assert p.dense() is out   # a second read gives the same sum, not a second one


def test_only_basic_indices_become_pieces():
    assert is_basic((slice(None), 0, None, Ellipsis)) and is_basic(3)
    assert not is_basic(np.array([0, 0])) and not is_basic((slice(None), [1]))
    assert not is_basic(True) and not is_basic(np.int64(1))

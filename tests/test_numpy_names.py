"""axis= and keepdims=, PyTorch's NumPy names for dim= and keepdim=, on every function and
Tensor method that takes dim (src/chainrule/numpy_names.py), checked against PyTorch."""
import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule.numpy_names import lacks_numpy_names, takes_numpy_names
from chainrule.tensor import PUBLIC, Tensor

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).normal(size=(3, 4))

CALLS = {
    "argmax": lambda L, x: x.argmax(axis=1),
    "cumsum": lambda L, x: L.cumsum(x, axis=0),
    "max keepdims": lambda L, x: x.max(axis=1, keepdims=True).values,
    "std": lambda L, x: x.std(axis=0),
    "logsumexp": lambda L, x: L.logsumexp(x, axis=1, keepdims=True),
    "softmax": lambda L, x: x.softmax(axis=-1),
    "cat": lambda L, x: L.cat([x, x], axis=1),
    "stack": lambda L, x: L.stack([x, x], axis=2),
    "unsqueeze": lambda L, x: x.unsqueeze(axis=0),
    "sort": lambda L, x: L.sort(x, axis=0).values,
    "prod": lambda L, x: x.prod(axis=1, keepdims=True),
    "sum": lambda L, x: x.sum(axis=1, keepdims=True),
}


@pytest.mark.parametrize("case", sorted(CALLS))
def test_numpy_names_give_pytorchs_results(case):
    ours = CALLS[case](cr, cr.tensor(X))
    theirs = CALLS[case](torch, torch.tensor(X))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_both_names_at_once_are_refused():
    for L in (torch, cr):
        with pytest.raises(TypeError):
            L.tensor(X).argmax(axis=1, dim=1)


def test_every_function_and_method_with_dim_takes_axis():
    """Each one whose own signature lacks the NumPy names is published wrapped."""
    wrapper = takes_numpy_names(len).__code__

    def unwrapped(fn):
        return lacks_numpy_names(fn) and getattr(fn, "__code__", None) is not wrapper

    missing = [f"cr.{name}" for name in PUBLIC if unwrapped(getattr(cr, name))]
    missing += [f"Tensor.{name}" for name, value in vars(Tensor).items()
                if inspect.isfunction(value) and unwrapped(value)]
    assert not missing, missing
    assert cr.argmax.__code__ is wrapper and Tensor.cumsum.__code__ is wrapper


def test_broadcast_to_is_expand_under_pytorchs_other_name():
    """torch.broadcast_to(x, shape) and x.broadcast_to(shape), -1 keeping a size."""
    results = []
    for L in (torch, cr):
        x = L.tensor([[1.0], [2.0]], requires_grad=True)
        y, z = L.broadcast_to(x, (2, 3)), x.broadcast_to((-1, 4))
        (y * 2 + 0).sum().backward()
        z.sum().backward()
        results.append((tuple(y.shape), tuple(z.shape), x.grad.tolist()))
    assert results[0] == results[1]
    assert cr.broadcast_to is cr.expand

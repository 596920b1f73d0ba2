"""out=: the functions PyTorch gives out= write into the given tensor with PyTorch's values,
dtype casts, resizing and refusals (src/chainrule/out.py)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.out import OUT_FUNCTIONS

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype(np.float32)
B = RNG.normal(size=(4, 3)).astype(np.float32)
V = RNG.normal(size=(4,)).astype(np.float32)

# name: (args as a function of the library and the arrays), the out tensor's dtype
CALLS = {
    "matmul": lambda L: (L.tensor(A), L.tensor(B)),
    "mm": lambda L: (L.tensor(A), L.tensor(B)),
    "mul": lambda L: (L.tensor(A), L.tensor(A)),
    "add": lambda L: (L.tensor(A), 2.0),
    "sub": lambda L: (L.tensor(A), L.tensor(V)),
    "div": lambda L: (L.tensor(A), 3.0),
    "exp": lambda L: (L.tensor(A),),
    "sqrt": lambda L: (L.tensor(np.abs(A)),),
    "tanh": lambda L: (L.tensor(A),),
    "sigmoid": lambda L: (L.tensor(A),),
    "clamp": lambda L: (L.tensor(A), -0.5, 0.5),
    "sum": lambda L: (L.tensor(A), 1),
    "mean": lambda L: (L.tensor(A), 0),
    "cumsum": lambda L: (L.tensor(A), 1),
    "softmax": lambda L: (L.tensor(A), 1),
    "cat": lambda L: ([L.tensor(A), L.tensor(A)], 0),
    "stack": lambda L: ([L.tensor(V), L.tensor(V)],),
    "where": lambda L: (L.tensor(A) > 0, L.tensor(A), L.tensor(-A)),
    "mv": lambda L: (L.tensor(A), L.tensor(V)),
    "outer": lambda L: (L.tensor(V), L.tensor(V)),
    "gt": lambda L: (L.tensor(A), 0.0),
    "pow": lambda L: (L.tensor(A), 2),
    "tril": lambda L: (L.tensor(A),),
}


def call(library, name, out):
    return getattr(library, name)(*CALLS[name](library), out=out)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_gets_pytorchs_values_and_is_returned(name):
    theirs = torch.empty(0)
    ours = cr.empty(0)
    assert call(torch, name, theirs) is theirs
    assert call(cr, name, ours) is ours
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype)[10:] == str(theirs.dtype)[6:]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["sort", "topk", "max", "kthvalue", "median"])
def test_values_and_indices_go_into_a_pair(name):
    args = {"sort": (1,), "topk": (2,), "max": (1,), "kthvalue": (2,), "median": (1,)}[name]
    results = []
    for L in (torch, cr):
        pair = (L.empty(0), L.empty(0, dtype=L.long))
        result = getattr(L, name)(L.tensor(A), *args, out=pair)
        assert result[0] is pair[0] and result[1] is pair[1] and result.values is pair[0]
        results.append([x.numpy() for x in pair])
    for theirs, ours in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_the_result_is_cast_to_outs_dtype_as_pytorch_casts():
    theirs, ours = torch.empty(3, dtype=torch.float64), cr.empty(3, dtype=cr.float64)
    torch.add(torch.tensor([1, 2, 3]), 1, out=theirs)
    cr.add(cr.tensor([1, 2, 3]), 1, out=ours)
    assert ours.dtype == cr.float64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("into", ["long", "bool"])
def test_a_cast_pytorch_refuses_is_refused(into):
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.add(torch.tensor([1.5]), 1, out=torch.empty(1, dtype=getattr(torch, into)))
    with pytest.raises(RuntimeError, match=r"add\(\): result type .* can't be cast"):
        cr.add(cr.tensor([1.5]), 1, out=cr.empty(1, dtype=getattr(cr, into)))


def test_out_is_refused_when_gradients_would_be_needed():
    for L in (torch, cr):
        a = L.ones(2, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.matmul(a, a, out=L.empty(2, 2))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.cat([a, a], out=L.empty(0))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.exp(a.detach(), out=L.empty(2, 2, requires_grad=True))
        with L.no_grad():   # allowed without grad mode; the result has no graph
            y = L.empty(2, 2)
            assert L.matmul(a, a, out=y) is y and not y.requires_grad
            assert y.sum().item() == 8.0


def test_an_out_of_another_shape_is_resized_with_pytorchs_warning():
    for L in (torch, cr):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = L.zeros(3)
            L.mm(L.ones(2, 2), L.ones(2, 2), out=y)
            empty = L.empty(0)
            L.mm(L.ones(2, 2), L.ones(2, 2), out=empty)
        assert tuple(y.shape) == (2, 2) and tuple(empty.shape) == (2, 2)
        assert y.sum().item() == 8.0 and empty.sum().item() == 8.0
        assert len([w for w in caught if "resized" in str(w.message)]) == 1


def test_writing_into_out_moves_its_version():
    for L in (torch, cr):
        y = L.empty(2)
        before = y._version
        L.add(L.ones(2), 1, out=y)
        assert y._version > before


def test_functions_pytorch_gives_no_out_refuse_it():
    for name in ("relu", "clone", "flip", "isnan"):
        with pytest.raises(TypeError):
            getattr(torch, name)(torch.ones(2), out=torch.empty(2))
        with pytest.raises(TypeError):
            getattr(cr, name)(cr.ones(2), out=cr.empty(2))


@pytest.mark.parametrize("name", sorted(OUT_FUNCTIONS))
def test_every_out_function_has_an_out_form_in_pytorch(name):
    """Each name given out= here has an out= overload in PyTorch (its operator schema)."""
    schemas = torch._C._jit_get_schemas_for_operator(f"aten::{name}")
    assert any(arg.is_out for s in schemas for arg in s.arguments), name
    assert hasattr(torch, name) and getattr(cr, name) is not None

"""The older API that tutorials and lecture code still use, checked against PyTorch: the
legacy constructor ``Tensor(...)``, the legacy types (``FloatTensor``...), ``Variable`` and
``inference_mode`` (src/chainrule/legacy.py, tensor.py, autograd/variable.py, grad_mode.py)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Variable

torch = pytest.importorskip("torch")

CONSTRUCTIONS = {
    "sizes": lambda L: L.Tensor(2, 3).shape,
    "a Size": lambda L: L.Tensor(L.Size([4])).shape,
    "nothing": lambda L: L.Tensor().shape,
    "ints": lambda L: L.Tensor([1, 2]),
    "a tuple is data": lambda L: L.Tensor((2, 3)),
    "float64 array": lambda L: L.Tensor(np.array([1.5, 2.5])),
    "an int tensor": lambda L: L.Tensor(L.tensor([1, 2])),
    "FloatTensor data": lambda L: L.FloatTensor([[1, 2], [3, 4]]),
    "FloatTensor sizes": lambda L: L.FloatTensor(3, 1).shape,
    "LongTensor floats": lambda L: L.LongTensor([1.7, -2.2]),
    "DoubleTensor": lambda L: L.DoubleTensor([1, 2]),
    "IntTensor": lambda L: L.IntTensor([1, 2]),
    "ByteTensor": lambda L: L.ByteTensor([1, 255]),
    "BoolTensor": lambda L: L.BoolTensor([1, 0, 2]),
    "LongTensor of a long": lambda L: L.LongTensor(L.tensor([3, 4])),
    "type(FloatTensor)": lambda L: L.tensor([1, 2]).type(L.FloatTensor),
    "type('DoubleTensor')": lambda L: L.tensor([1, 2]).type("torch.DoubleTensor"),
    "isinstance float": lambda L: (isinstance(L.ones(2), L.FloatTensor),
                                   isinstance(L.ones(2), L.LongTensor),
                                   isinstance(L.ones(2).long(), L.LongTensor)),
    "dtype of a type": lambda L: L.LongTensor.dtype,
    "x.new sizes": lambda L: L.zeros(2, dtype=L.float64).new(2, 3).shape,
    "x.new data": lambda L: L.zeros(2, dtype=L.float64).new([1, 2]),
    "x.new Size": lambda L: L.zeros(2).new(L.Size([3])).zero_(),
    "x.new nothing": lambda L: L.zeros(2, dtype=L.int32).new(),
}


def same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert str(ours.dtype)[10:] == str(theirs.dtype)[6:]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, torch.dtype):
        assert str(ours)[10:] == str(theirs)[6:]
    else:
        assert tuple(ours) == tuple(theirs)


@pytest.mark.parametrize("case", sorted(CONSTRUCTIONS))
def test_legacy_constructors_and_types_as_pytorchs(case):
    same(CONSTRUCTIONS[case](cr), CONSTRUCTIONS[case](torch))


@pytest.mark.parametrize("bad", [lambda L: L.Tensor(2.5), lambda L: L.FloatTensor(L.tensor([1])),
                                 lambda L: L.Tensor(2, 3, requires_grad=True),
                                 lambda L: L.zeros(2).new(L.tensor([1, 2]))])
def test_what_pytorch_refuses_is_refused(bad):
    with pytest.raises(TypeError):
        bad(torch)
    with pytest.raises(TypeError):
        bad(cr)


def test_a_custom_layer_in_the_old_style_trains():
    """nn.Parameter(torch.Tensor(out, in)) filled by an init function, as older tutorials
    write a custom Linear."""
    weight = cr.nn.Parameter(cr.Tensor(2, 3))
    cr.nn.init.constant_(weight, 0.5)
    (cr.ones(4, 3) @ weight.T).sum().backward()
    assert weight.shape == (2, 3) and weight.dtype == cr.float32
    assert weight.grad.tolist() == [[4.0] * 3] * 2


def test_variable_is_a_detached_leaf_as_in_pytorch():
    for L, V in ((torch, torch.autograd.Variable), (cr, Variable)):
        x = L.ones(2)
        v = V(x, requires_grad=True)
        assert v is not x and v.is_leaf and v.requires_grad and isinstance(x, V)
        v.data[0] = 5.0
        assert x[0].item() == 5.0   # the same memory
        (v * 3).sum().backward()
        assert v.grad.tolist() == [3.0, 3.0]
        w = L.ones(2, requires_grad=True)
        u = V(w * 2)
        assert u.grad_fn is None and not u.requires_grad
        with pytest.raises(TypeError, match="Variable data has to be a tensor"):
            V([1.0, 2.0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            V(L.ones(1), volatile=True)
        assert any("volatile" in str(w.message) for w in caught)


def test_inference_mode_records_no_graph_as_pytorchs():
    for L in (torch, cr):
        x = L.ones(2, requires_grad=True)
        with L.inference_mode():
            assert L.is_inference_mode_enabled() and not L.is_grad_enabled()
            assert not (x * 2).requires_grad
        assert not L.is_inference_mode_enabled() and L.is_grad_enabled()
        with L.inference_mode(False):
            assert (x * 2).requires_grad

        @L.inference_mode()
        def called(y):
            return y * 2

        @L.inference_mode
        def bare(y):
            return y * 2

        assert not called(x).requires_grad and not bare(x).requires_grad
        assert (x * 2).requires_grad

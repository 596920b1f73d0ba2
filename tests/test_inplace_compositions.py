"""The in-place forms of compositions (``x.erf_()``, ``x.lerp_(end, w)``, ``x.eq_(y)``,
``x.index_add_(...)``, ``x.div_(y, rounding_mode=...)``...): computed out of place and written
back, against PyTorch. tests/test_opinfo.py runs them on OpInfo's samples; here are the
rules those samples do not reach: the refusals PyTorch makes (a result that would grow the
tensor or change its dtype's kind, float_power_ below float64, a leaf that requires grad),
gradients through several in-place steps, and the version check of saved values."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def both(fn, *arrays, grad=True):
    """``fn(lib, *tensors)`` in chainrule and PyTorch on non-leaf copies of ``arrays``: the
    outputs and the leaves' gradients of a fixed weighted sum."""
    results = []
    for lib in (cr, torch):
        leaves = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        out = fn(lib, *[leaf * 1 if leaf.requires_grad else leaf for leaf in leaves])
        grads = []
        if grad and out.requires_grad:
            weights = np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape))
            (out * lib.tensor(weights)).sum().backward()
            grads = [leaf.grad.numpy() if leaf.grad is not None else None for leaf in leaves]
        results.append((out.detach().numpy(), grads))
    return results


def close(ours, theirs):
    """The same outputs and gradients. A comparison or a rounded quotient written in place
    is recorded by PyTorch with a zero gradient for its other operand (so its ``.grad`` is
    zeros); chainrule's has no gradient, so the operand gets none (``.grad`` None): the same
    numbers, compared as zeros."""
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-14)
    for a, b in zip(ours[1], theirs[1]):
        if a is None and b is not None:
            a = np.zeros_like(b)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


RNG = np.random.default_rng(0)
X, Y = RNG.uniform(0.1, 0.9, (3, 4)), RNG.uniform(0.1, 0.9, (3, 4))


@pytest.mark.parametrize("name, fn", [
    ("chain", lambda lib, x, y: x.erf_().lerp_(y, 0.3).addcmul_(y, y, value=2).rsqrt_()),
    ("logit", lambda lib, x, y: x.logit_().xlogy_(y)),
    ("reciprocal-frac", lambda lib, x, y: (x * 3).frac_().reciprocal_()),
    ("cumulative", lambda lib, x, y: x.tril_(1).cumsum_(1).cumprod_(0)),
    ("index", lambda lib, x, y: x.index_add_(0, lib.tensor([2, 0]), y[:2], alpha=-1.5)
     .index_fill_(1, lib.tensor([1]), 0.5).index_copy_(1, lib.tensor([3, 0]), y[:, :2])),
    ("scatter", lambda lib, x, y: x.scatter_add_(1, lib.tensor([[0, 1], [2, 2], [3, 0]]), y[:, :2])
     .scatter_(0, lib.tensor([[1, 0, 2, 1]]), y[:1])),
    ("index_put", lambda lib, x, y: x.index_put_((lib.tensor([0, 2, 0]),), y[:3], accumulate=True)),
    ("products", lambda lib, x, y: x.addmm_(y, y.T @ y, beta=0.5, alpha=2)),
    ("comparison", lambda lib, x, y: (x * 1).gt_(y) * x),   # 1.0 / 0.0, no gradient through it
    ("rounding", lambda lib, x, y: (x * 7).div_(y, rounding_mode="floor") + x),
])
def test_inplace_compositions_match_torch(name, fn):
    close(*both(fn, X, Y))


def test_float_power_in_place_needs_float64():
    x = X.copy()
    close(*both(lambda lib, x, y: x.float_power_(y), x, Y))   # float64: computed
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="float_power_"):
            lib.tensor(x, dtype=lib.float32).float_power_(2)


@pytest.mark.parametrize("call", [
    lambda lib: lib.ones(3).lerp_(lib.ones(2, 3), 0.5),             # would grow the tensor
    lambda lib: lib.tensor([1, 2]).true_divide_(2),                # float into int64
    lambda lib: lib.tensor([True, False]).logit_(),                # float into bool
    lambda lib: lib.tensor([1, 2]).floor_divide_(1.5),             # float into int64
    lambda lib: lib.tensor([1.0], requires_grad=True).erf_(),      # a leaf that requires grad
], ids=["grow", "float-into-int", "float-into-bool", "floor_divide-float", "leaf"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # logit of 0 is computed, then refused
def test_refused_as_torch_refuses(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(cr)


def test_results_cast_into_the_tensor_as_torch_casts():
    for lib in (cr, torch):
        x = lib.tensor([1.5, 2.0, 3.0])
        assert x.eq_(2.0).tolist() == [0.0, 1.0, 0.0]          # bool into float: 1.0 / 0.0
        n = lib.tensor([5, 6, 7])
        assert n.logical_and_(lib.tensor([1, 0, 2])).tolist() == [1, 0, 1]
        assert n.dtype == lib.int64
        m = lib.tensor([7, -7])
        assert m.div_(2, rounding_mode="trunc").tolist() == [3, -3]


def test_a_value_saved_before_the_write_is_refused_in_backward():
    """exp saves its output; writing into the tensor it read is fine, but writing into the
    saved output itself makes backward refuse, as in PyTorch."""
    for lib in (cr, torch):
        x = lib.tensor(X, requires_grad=True)
        y = (x * 1).exp()
        y.erf_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_gradient_by_central_differences():
    x = cr.tensor(X, requires_grad=True)
    y = cr.tensor(Y, requires_grad=True)
    assert cr.gradcheck(lambda a, b: (a * 1).lerp_(b, 0.25).erf_().addcdiv_(b, b + 1), [x, y])


def test_views_in_place_take_the_new_shape_as_torch():
    """squeeze_, unsqueeze_, t_ and transpose_: the tensor itself takes the view's shape; a
    gate that read it before still differentiates its old value."""
    def steps(lib, x, y):
        before = x.exp()                      # reads x with shape (3, 4)
        x.unsqueeze_(0).transpose_(0, 2).squeeze_(2)
        assert tuple(x.shape) == (4, 3)
        x.t_()
        return x * y + before
    close(*both(steps, X, Y))


def test_views_in_place_refuse_as_torch():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="leaf"):
            lib.ones(2, 1, requires_grad=True).squeeze_()
        y = lib.ones(2, 1, requires_grad=True).exp()   # exp saves its output, y
        y.unsqueeze_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        plain = lib.zeros(3, 1)
        assert plain.squeeze_() is plain and tuple(plain.shape) == (3,)

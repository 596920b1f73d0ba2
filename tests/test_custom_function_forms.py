"""The custom Function forms of PyTorch's "Extending PyTorch" pages, against PyTorch: several
outputs (some non-differentiable or integer), forward without ctx plus setup_context,
set_materialize_grads, once_differentiable, and autograd.gradcheck / gradgradcheck with
PyTorch's keywords."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

X = np.array([0.5, -1.5, 2.0])


def split_function(L):
    class SplitScale(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            positive = (x > 0)
            ctx.mark_non_differentiable(positive)
            return x * w, x.exp(), positive, x.argmax()

        @staticmethod
        def backward(ctx, g_scaled, g_exp, g_positive, g_index):
            x, w = ctx.saved_tensors
            assert g_positive is None or not g_positive.any()
            return g_scaled * w + g_exp * x.exp(), (g_scaled * x).sum()

    return SplitScale


def assert_as_pytorch(run):
    """``run(L)`` with L = torch, then chainrule: each array it returns is PyTorch's."""
    theirs, ours = run(torch), run(cr)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_several_outputs_get_pytorchs_gradients():
    def run(L):
        x = L.tensor(X, requires_grad=True)
        w = L.tensor(3.0, dtype=L.float64, requires_grad=True)
        scaled, exp, positive, index = split_function(L).apply(x, w)
        assert not positive.requires_grad and positive.dtype == L.bool and index.item() == 2
        ((scaled ** 2).sum() + exp[0]).backward()
        return scaled.detach().numpy(), exp.detach().numpy(), x.grad.numpy(), w.grad.numpy()
    assert_as_pytorch(run)


def test_only_one_output_used_gives_zeros_for_the_other():
    def run(L):
        x = L.tensor(X, requires_grad=True)
        w = L.tensor(2.0, dtype=L.float64, requires_grad=True)
        _, exp, _, _ = split_function(L).apply(x, w)
        exp.sum().backward()
        assert w.grad.item() == 0.0
        return x.grad.numpy(), w.grad.numpy()
    assert_as_pytorch(run)


def setup_context_function(L):
    class Mul(L.autograd.Function):
        @staticmethod
        def forward(x, w):
            return x * w

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, w = inputs
            ctx.save_for_backward(x, w)

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w, g * x

    return Mul


def test_forward_without_ctx_and_setup_context():
    def run(L):
        x = L.tensor(X, requires_grad=True)
        w = L.tensor(X[::-1].copy(), requires_grad=True)
        (setup_context_function(L).apply(x, w) ** 2).sum().backward()
        return x.grad.numpy(), w.grad.numpy()
    assert_as_pytorch(run)


def test_once_differentiable_backward_runs_without_a_graph():
    from chainrule.autograd.function import once_differentiable

    class Square(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert not cr.is_grad_enabled()
            return 2 * x * g

    x = cr.tensor(X, requires_grad=True)
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * X)


def test_autograd_gradcheck_and_gradgradcheck_take_pytorchs_keywords():
    from chainrule.autograd import gradcheck, gradgradcheck
    x = cr.tensor(X, requires_grad=True)
    w = cr.tensor(X[::-1].copy(), requires_grad=True)
    mul = setup_context_function(cr)
    assert gradcheck(mul.apply, (x, w), eps=1e-6, atol=1e-4, check_undefined_grad=False,
                     nondet_tol=0.0, fast_mode=False)
    assert gradgradcheck(mul.apply, (x, w))
    assert gradgradcheck(lambda t: (t.tanh() * t).sum(), (x,))

    class WrongBackward(cr.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t ** 2

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * 3 * t

    assert not gradcheck(WrongBackward.apply, (x,), raise_exception=False)
    with pytest.raises(NotImplementedError, match="forward-mode"):
        gradcheck(mul.apply, (x, w), check_forward_ad=True)

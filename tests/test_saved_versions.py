"""A value a gate saved and then changed in place: backward raises exactly where PyTorch
raises (the gate needs the old value for a gradient someone wants), and otherwise gives
PyTorch's gradients. Never a gradient computed from the new value."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def x_times_w_then_x_changed(lib, a, w):
    x = a * 1
    y = x * w          # w's gradient needs x as it was here
    x.mul_(2)
    return y


def x_times_w_then_w_changed(lib, a, w):
    v = w * 1
    y = a * v          # a's gradient needs v as it was here
    v.add_(1)
    return y


def constant_factor_then_changed(lib, a, w):
    x = a * 2
    y = x * 3          # x's gradient needs only 3: x is not needed
    x.mul_(w)
    return y + x


def changed_operand_of_a_frozen_weight(lib, a, w):
    x = a * 1
    y = x * w.detach()   # no one wants the detached factor's gradient: x is not needed
    x.add_(5)
    return y


def exp_then_output_changed(lib, a, w):
    y = (a * w).exp()     # exp's gradient reads its output
    y.mul_(2)
    return y


def view_changed(lib, a, w):
    x = a * 1
    y = (x * w).sum()
    x[0:1].mul_(3)       # through a view: the same memory
    return y


FORMS = [x_times_w_then_x_changed, x_times_w_then_w_changed, constant_factor_then_changed,
         changed_operand_of_a_frozen_weight, exp_then_output_changed, view_changed]


def outcome(lib, form):
    a = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([0.5, 1.5, -1.0], dtype=lib.float64, requires_grad=True)
    try:
        form(lib, a, w).sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return "raises"
    return [np.array(t.grad.tolist()) if t.grad is not None else None for t in (a, w)]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.__name__)
def test_raises_where_pytorch_raises_else_pytorchs_gradients(form):
    ours, theirs = outcome(cr, form), outcome(torch, form)
    if theirs == "raises" or ours == "raises":
        assert ours == theirs
        return
    for g, tg in zip(ours, theirs):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=1e-12)


def test_the_silent_case_now_raises():
    assert outcome(cr, x_times_w_then_x_changed) == "raises"

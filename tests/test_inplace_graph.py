"""In-place ops on tensors in the graph are recorded as PyTorch records them (ops/inplace.py,
``rebase``): each form's values and gradients match PyTorch's."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def forms():
    def alias(lib, a, w):
        b = a * 2
        c = b
        b += w
        return c * b                      # c sees the change

    def mul_after_use(lib, a, w):
        b = a * 2
        d = b * 3                         # read before the change: b's old value's gradient
        b.mul_(w)
        return d + b

    def buffer_write(lib, a, w):
        buf = lib.zeros(3)
        buf[1] = (w * 2)[0]
        return buf * a

    def relu_in_network(lib, a, w):
        x = a * w
        x = x.relu_()
        return x * 2 + (a * w).clamp_(min=-0.5, max=0.7)

    def copy(lib, a, w):
        b = a * 1
        b.copy_(w * w)
        return b

    def view_iadd(lib, a, w):
        b = a * 1
        b[0] += w[1]
        return b * b

    def fills(lib, a, w):
        b = a * w
        b.masked_fill_(lib.tensor([True, False, True]), 0.0)
        c = a * w
        c.zero_()
        c.add_(w)
        d = a * 1
        d.fill_(2.0)
        return b + c * d

    def arithmetic(lib, a, w):
        b = a * w
        e = b.exp()
        b += a
        b /= w
        b -= 1
        b *= a
        b.sub_(w, alpha=2)
        b.div_(2)
        return e + b

    def into_plain(lib, a, w):
        b = lib.ones(3)
        b.add_(w)                         # a plain tensor joins the graph
        return b * a

    def reshape_view(lib, a, w):
        b = (a * 1).reshape(3, 1)
        v = b.reshape(3)                   # a view of b: the write goes to b
        v += w
        return b.reshape(3) * a

    def transposed_view(lib, a, w):
        b = a.reshape(3, 1) * w            # (3, 3)
        b.t().mul_(w)                      # through the transpose, into b
        return b.sum(0)

    def view_of_a_view(lib, a, w):
        b = (a * w).reshape(1, 3)
        v = b[0][1:]                       # two views deep
        v *= 3
        return b.reshape(3) * a

    return [alias, mul_after_use, buffer_write, relu_in_network, copy, view_iadd, fills,
            arithmetic, into_plain, reshape_view, transposed_view, view_of_a_view]


@pytest.mark.parametrize("form", forms(), ids=lambda f: f.__name__)
def test_matches_pytorch(form):
    results = []
    for lib in (torch, cr):
        a = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.5, 1.5, -1.0], dtype=lib.float64, requires_grad=True)
        out = form(lib, a, w)
        out.sum().backward()
        results.append([np.array(out.detach().tolist())] +
                       [np.zeros(3) if t.grad is None else np.array(t.grad.tolist())
                        for t in (a, w)])
    for mine, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_buffer_write_gives_pytorch_gradient():
    w = cr.tensor(3.0, requires_grad=True)
    buf = cr.zeros(2)
    buf[0] = w * 2
    buf.sum().backward()
    assert w.grad.item() == 2.0


def test_alias_sees_the_change():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    c = b
    b += 1
    assert c.tolist() == [2.0, 3.0] and c is b


def test_saved_output_changed_raises_as_in_pytorch():
    for lib in (torch, cr):
        a = lib.tensor([1.0], requires_grad=True)
        b = a.exp()
        b.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            b.sum().backward()


def test_leaf_that_requires_grad_is_refused():
    for lib in (torch, cr):
        a = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            a.add_(1)


def test_write_into_an_expanded_view_is_refused_as_in_pytorch():
    for lib in (torch, cr):
        a = lib.ones(3, 1, requires_grad=True)
        v = (a * 1).expand(3, 4)           # several elements share one memory location
        with pytest.raises(RuntimeError):
            v.add_(1)


def test_under_no_grad_nothing_is_recorded():
    a = cr.ones(2, requires_grad=True)
    b = a * 1
    with cr.no_grad():
        b.add_(1)
    assert b.tolist() == [2.0, 2.0]

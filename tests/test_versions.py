"""Tensors that share memory share a version counter (PyTorch's rule): a saved value changed
in place through any alias (detach(), .data, a state_dict() entry, load_state_dict, a view)
makes backward raise, naming the gate, as PyTorch raises. Each case runs in both libraries."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

W = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)


def raises_in_both(build, change, gate_label):
    """``build(lib)`` returns (loss, state); ``change(lib, state)`` writes through an alias.
    Both libraries must refuse the backward; chainrule's message names the gate."""
    for lib in (torch, cr):
        loss, state = build(lib)
        change(lib, state)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as raised:
            loss.backward()
        if lib is cr:
            assert gate_label in str(raised.value)


def saved_input(lib):
    x = lib.tensor(W.copy())                     # saved by Mul, does not require grad
    p = lib.tensor(W.copy(), requires_grad=True)
    return (x * p).sum(), x


def test_detach_mul_():
    def build(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        return (w * w).sum(), w
    raises_in_both(build, lambda lib, w: w.detach().mul_(10), "'*' (Mul)")


def test_data_add_():
    """Stricter than PyTorch, on purpose: PyTorch's ``.data`` gets a counter of its own, so
    there a write through it between forward and backward gives a silently wrong gradient;
    here ``.data`` is an alias like ``detach()`` (docs/engine.md, "Differences")."""
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*'\*' \(Mul\)"):
        loss.backward()


def linear_loss(lib):
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2)
    x = lib.tensor(W, requires_grad=True)    # PyTorch saves the weight only then
    return model(x).pow(2).sum(), model


def test_state_dict_entry_zero_():
    raises_in_both(linear_loss, lambda lib, m: m.state_dict()["weight"].zero_(), "(Linear)")


def test_load_state_dict():
    def change(lib, model):
        model.load_state_dict({k: v * 0 for k, v in model.state_dict().items()})
    raises_in_both(linear_loss, change, "(Linear)")


def test_slice_view_iadd():
    def change(lib, x):
        v = x[0]
        v += 1
    raises_in_both(saved_input, change, "'*' (Mul)")


def test_one_element_view_iadd():
    def change(lib, x):
        v = x[0, 1]
        v += 1
    raises_in_both(saved_input, change, "'*' (Mul)")


def test_reshape_view_mul_():
    raises_in_both(saved_input, lambda lib, x: x.reshape(6).mul_(2), "'*' (Mul)")


def test_transpose_view_mul_():
    raises_in_both(saved_input, lambda lib, x: x.transpose(0, 1).mul_(2), "'*' (Mul)")


def test_view_of_a_view_of_detach():
    def build(lib):
        w = lib.tensor(W.copy(), requires_grad=True)
        return (w * w).sum(), w
    raises_in_both(build, lambda lib, w: w.detach().t()[1].zero_(), "'*' (Mul)")


def test_saved_output_changed_through_detach():
    def build(lib):
        x = lib.tensor(W.copy(), requires_grad=True)
        y = x.exp()
        return y.sum(), y
    raises_in_both(build, lambda lib, y: y.detach()[0].mul_(2), "'exp' (Exp)")


def test_custom_function_output_changed():
    class Exp(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.exp()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out

    x = cr.tensor(W.copy(), requires_grad=True)
    y = Exp.apply(x)
    loss = y.sum()
    with cr.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"inplace operation: saved tensor 0.*'Exp'"):
        loss.backward()


def test_explain_refuses_a_changed_graph_with_the_same_message():
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    y = (w * w).sum()
    cr.explain(y)
    w.detach().mul_(10)
    with pytest.raises(RuntimeError, match=r"inplace operation: input 'x' \(tensor w .*'\*' \(Mul\)"):
        cr.explain(y)


def no_error_in_both(build, change):
    grads = []
    for lib in (torch, cr):
        loss, state = build(lib)
        change(lib, state)
        loss.backward()
        grads.append(np.asarray(state[1].grad.detach().numpy() if lib is torch
                                else state[1].grad.numpy()))
    np.testing.assert_allclose(grads[0], grads[1])


def pair(lib):
    x = lib.tensor(W.copy())
    p = lib.tensor(W.copy(), requires_grad=True)
    return (x * p).sum(), (x, p)


def test_copies_are_not_aliases():
    """A reshape that copies and a fancy index are new memory: changing them is fine."""
    no_error_in_both(pair, lambda lib, s: s[0].t().reshape(6).mul_(2))
    no_error_in_both(pair, lambda lib, s: s[0][[0, 1]].mul_(2))
    no_error_in_both(pair, lambda lib, s: s[0][s[0] > 2].mul_(2))


def test_unrelated_changes_and_changes_after_backward_are_fine():
    no_error_in_both(pair, lambda lib, s: lib.ones(3).detach().mul_(2))
    x = cr.tensor(W.copy(), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.detach().mul_(2)
    x[0].detach().zero_()
    y2 = (x * x).sum()
    y2.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * W + 2 * x.detach().numpy())


@pytest.mark.parametrize("make", [
    lambda lib, ps: lib.optim.SGD(ps, lr=0.05, momentum=0.9),
    lambda lib, ps: lib.optim.Adam(ps, lr=0.01),
], ids=["sgd-momentum", "adam"])
def test_training_loops_still_work_and_match_pytorch(make):
    losses = []
    for lib in (torch, cr):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        with lib.no_grad():
            model.weight.copy_(lib.tensor(W[:, :3] / 10))
            model.bias.zero_()
        opt = make(lib, model.parameters())
        run = []
        for _ in range(5):
            opt.zero_grad()
            loss = model(lib.tensor(W)).pow(2).mean()
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)


def versions_after(lib):
    x = lib.zeros(2, 3)
    d = x.detach()
    v = x[0]
    r = x.reshape(6)
    c = x.t().reshape(6)         # a copy: its own counter
    seen = []
    v += 1
    seen.append((x._version, d._version, v._version, r._version, c._version))
    d.mul_(2)
    r.add_(1)
    seen.append((x._version, d._version, v._version, r._version, c._version))
    c.zero_()
    x[1, 2] = 5.0
    seen.append((x._version, d._version, v._version, r._version, c._version))
    return seen


def test_version_counts_match_pytorch():
    assert versions_after(cr) == versions_after(torch)


def test_version_counts_of_a_parameter_match_pytorch():
    counts = []
    for lib in (torch, cr):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        w = model.weight
        seen = [w._version]
        lib.nn.init.zeros_(w)
        seen.append(w._version)
        model.load_state_dict(model.state_dict())
        seen.append(w._version)
        opt = lib.optim.SGD([w], lr=0.1)
        model(lib.tensor(W)).sum().backward()
        opt.step()
        seen.append(w._version)
        counts.append([s - seen[0] for s in seen])
    assert counts[0] == counts[1]

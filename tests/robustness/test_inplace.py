"""In-place safety: a version check turns a silently wrong gradient into an error that names
the gate and the tensor; in-place updates work where PyTorch allows them and raise where it
does not. PyTorch is the reference for values and for which cases raise."""
import numpy as np
import pytest

import chainrule as cr

W = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]], dtype=np.float32)



def assign(index, value):
    """``t[index] = value`` as a function that returns ``t``, like the in-place methods."""
    def update(t):
        t[index(t) if callable(index) else index] = value
        return t
    return update


# (name, what it does to a tensor t): every in-place form a user or an optimizer writes
UPDATES = [
    ("add_", lambda t: t.add_(2.0)),
    ("add_ alpha", lambda t: t.add_(t.detach() * 0 + 1, alpha=-0.5)),
    ("sub_", lambda t: t.sub_(0.5)),
    ("mul_", lambda t: t.mul_(3.0)),
    ("div_", lambda t: t.div_(4.0)),
    ("zero_", lambda t: t.zero_()),
    ("fill_", lambda t: t.fill_(7.0)),
    ("copy_", lambda t: t.copy_(t.detach() * 0 - 2)),
    ("clamp_", lambda t: t.clamp_(-1.0, 1.0)),
    ("t[0, 1:3] = v", assign((0, slice(1, 3)), 9.0)),
    ("t[mask] = v", assign(lambda t: t.detach() > 0, 0.0)),
    ("-=", lambda t: t.__isub__(0.25)),
    ("+=", lambda t: t.__iadd__(0.25)),
    ("*=", lambda t: t.__imul__(2.0)),
    ("/=", lambda t: t.__itruediv__(2.0)),
]
IDS = [name for name, _ in UPDATES]


@pytest.mark.parametrize("name, update", UPDATES, ids=IDS)
def test_update_of_a_saved_input_makes_backward_raise_naming_gate_and_tensor(name, update):
    x = cr.tensor(W, requires_grad=True, name="x")
    w = cr.tensor(W * 2, name="w")
    y = (x * w).sum()
    update(w)
    with pytest.raises(RuntimeError) as raised:
        y.backward()
    message = str(raised.value)
    assert "'*' (Mul)" in message and "tensor w" in message and "(2, 3)" in message
    assert "modified by an inplace operation" in message   # PyTorch's words


@pytest.mark.parametrize("name, update", UPDATES, ids=IDS)
def test_update_of_a_parameter_under_no_grad_after_forward_raises_too(name, update):
    x = cr.tensor(W, requires_grad=True)   # x's gradient reads p as forward saw it
    p = cr.nn.Parameter(cr.tensor(W * 2))
    y = (x * p).sum()
    with cr.no_grad():
        update(p)
    with pytest.raises(RuntimeError, match=r"'\*' \(Mul\)"):
        y.backward()


@pytest.mark.parametrize("name, update", UPDATES, ids=IDS)
def test_update_of_a_parameter_no_gradient_reads_is_fine(name, update):
    """As in PyTorch: p's gradient x needs no p, and no one wants x's, so nothing saved
    changed and the gradient is right."""
    x = cr.tensor(W)
    p = cr.nn.Parameter(cr.tensor(W * 2))
    y = (x * p).sum()
    with cr.no_grad():
        update(p)
    y.backward()
    np.testing.assert_array_equal(p.grad.numpy(), W)


def test_gates_that_do_not_read_their_inputs_do_not_raise():
    x = cr.tensor(W, requires_grad=True)
    w = cr.tensor(W * 2, requires_grad=True)
    y = (x + w).reshape(6).sum() + (x - w).T.sum() + (-x).sum() + w[0].sum()
    with cr.no_grad():
        w.mul_(10.0)
        x.zero_()
    y.backward()   # +, -, neg, reshape, permute and indexing save no input values
    np.testing.assert_array_equal(x.grad.detach().numpy(), np.full(W.shape, 1.0))
    expected = np.full(W.shape, 0.0)
    expected[0] = 1.0
    np.testing.assert_array_equal(w.grad.detach().numpy(), expected)


def test_a_gate_that_saves_its_output_ignores_its_input_but_not_its_output():
    torch = pytest.importorskip("torch")
    x = cr.tensor(W, requires_grad=True)
    tx = torch.tensor(W, requires_grad=True)
    base, tbase = x * 1, tx * 1
    y, ty = base.exp(), tbase.exp()
    with cr.no_grad():
        base.add_(1.0)   # exp's backward reads exp(x), saved at forward
    with torch.no_grad():
        tbase.add_(1.0)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-6)
    z = x.exp()
    with cr.no_grad():
        z.mul_(2.0)
    with pytest.raises(RuntimeError, match="its output"):
        z.sum().backward()


@pytest.mark.parametrize("name, update", UPDATES, ids=IDS)
def test_update_of_a_leaf_that_requires_grad_outside_no_grad_raises_as_in_pytorch(name, update):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="leaf"):
        update(torch.tensor(W, requires_grad=True))   # the reference raises here too
    p = cr.nn.Parameter(cr.tensor(W))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*no_grad"):
        update(p)
    np.testing.assert_array_equal(p.detach().numpy(), W)   # and nothing was written


@pytest.mark.parametrize("name, update", UPDATES, ids=IDS)
def test_update_of_a_parameter_under_no_grad_matches_pytorch(name, update):
    torch = pytest.importorskip("torch")
    p = cr.nn.Parameter(cr.tensor(W))
    tp = torch.nn.Parameter(torch.tensor(W))
    with cr.no_grad():
        result = update(p)
    with torch.no_grad():
        update(tp)
    assert result is p and p.is_leaf and p.requires_grad
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-6)
    assert p._version == tp._version == 1


def test_augmented_assignment_on_a_non_leaf_keeps_the_gradient_right():
    torch = pytest.importorskip("torch")
    x, tx = cr.tensor(W, requires_grad=True), torch.tensor(W, requires_grad=True)
    y, ty = x * 2, tx * 2
    y -= x * x
    ty -= tx * tx
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-6)


def test_optimizer_step_between_forward_and_backward_raises():
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Linear(4, 2))
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    loss = model(cr.tensor(W)).sum()   # the first layer's gradient passes through W of the second
    for p in model.parameters():
        p.grad = cr.ones_like(p)
    opt.step()
    with pytest.raises(RuntimeError, match=r"input 'W'.*'linear' \(Linear\)"):
        loss.backward()


def test_optimizer_step_that_no_gradient_reads_is_fine_as_in_pytorch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (cr, torch):
        model = lib.nn.Linear(3, 2)
        model.load_state_dict({"weight": lib.tensor(W), "bias": lib.tensor(W[0, :2].copy())})
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        loss = model(lib.tensor(W)).sum()   # the input wants no gradient
        model.weight.grad = lib.ones(2, 3)
        opt.step()
        model.weight.grad = None
        loss.backward()   # W's gradient reads the input only: W's change is no error
        grads.append(np.array(model.weight.grad.tolist()))
    np.testing.assert_allclose(*grads)


def test_init_after_forward_raises():
    x = cr.tensor(W, requires_grad=True)
    w = cr.nn.Parameter(cr.tensor(W))
    y = (x * w).sum()
    cr.nn.init.normal_(w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_changes_after_backward_and_on_other_tensors_are_fine():
    x = cr.tensor(W, requires_grad=True)
    w = cr.tensor(W * 2)
    y = (x * w).sum()
    cr.zeros(3).add_(1.0)   # an unrelated in-place change moves the clock: no false alarm
    y.backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), W * 2)
    w.mul_(0.5)             # after backward: the graph is gone, nothing to protect
    x.grad = None
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), W)


def test_training_steps_do_not_trip_the_check():
    torch = pytest.importorskip("torch")
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 2))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tmodel.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()})
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        opt.zero_grad()
        topt.zero_grad()
        model(cr.tensor(W)).pow(2).sum().backward()
        tmodel(torch.tensor(W)).pow(2).sum().backward()
        opt.step()
        topt.step()
    for (name, p), tp in zip(model.state_dict().items(), tmodel.state_dict().values()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)

"""The in-place activations and dropouts (``F.relu_``, ``F.elu(x, inplace=True)``,
``nn.ReLU(inplace=True)``, ``nn.Dropout(inplace=True)``...) against PyTorch: the input
tensor is returned and changed, its version moves once, the gradient reaching the tensor's
earlier graph is PyTorch's (and the out-of-place one), and the errors are PyTorch's: a leaf
that requires grad, a value saved before the write, a negative slope at backward, a float
result into an integer tensor."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

VALUES = np.array([-3.5, -1.0, -0.25, 0.0, 0.3, 0.9, 1.0, 2.5, 7.0])
WEIGHT = np.linspace(0.5, 2.0, VALUES.size)

# name -> (the in-place call, the out-of-place call), each written with PyTorch's API
FORMS = {
    "relu_": (lambda F, x: F.relu_(x), lambda F, x: F.relu(x)),
    "leaky_relu_": (lambda F, x: F.leaky_relu_(x, 0.2), lambda F, x: F.leaky_relu(x, 0.2)),
    "elu_": (lambda F, x: F.elu_(x, 0.7), lambda F, x: F.elu(x, 0.7)),
    "celu_": (lambda F, x: F.celu_(x, 1.5), lambda F, x: F.celu(x, 1.5)),
    "selu_": (lambda F, x: F.selu_(x), lambda F, x: F.selu(x)),
    "hardtanh_": (lambda F, x: F.hardtanh_(x, -1.0, 1.0), lambda F, x: F.hardtanh(x, -1.0, 1.0)),
    "threshold_": (lambda F, x: F.threshold_(x, 0.5, 2.0), lambda F, x: F.threshold(x, 0.5, 2.0)),
    "rrelu_": (lambda F, x: F.rrelu_(x, 0.1, 0.3), lambda F, x: F.rrelu(x, 0.1, 0.3)),
    "relu-inplace": (lambda F, x: F.relu(x, inplace=True), lambda F, x: F.relu(x)),
    "leaky_relu-inplace": (lambda F, x: F.leaky_relu(x, 0.1, True),
                           lambda F, x: F.leaky_relu(x, 0.1)),
    "elu-inplace": (lambda F, x: F.elu(x, inplace=True), lambda F, x: F.elu(x)),
    "selu-inplace": (lambda F, x: F.selu(x, inplace=True), lambda F, x: F.selu(x)),
    "celu-inplace": (lambda F, x: F.celu(x, 2.0, True), lambda F, x: F.celu(x, 2.0)),
    "hardtanh-inplace": (lambda F, x: F.hardtanh(x, -0.5, 2.0, True),
                         lambda F, x: F.hardtanh(x, -0.5, 2.0)),
    "relu6-inplace": (lambda F, x: F.relu6(x, inplace=True), lambda F, x: F.relu6(x)),
    "threshold-inplace": (lambda F, x: F.threshold(x, 0.3, -1.0, True),
                          lambda F, x: F.threshold(x, 0.3, -1.0)),
    "silu-inplace": (lambda F, x: F.silu(x, inplace=True), lambda F, x: F.silu(x)),
    "mish-inplace": (lambda F, x: F.mish(x, inplace=True), lambda F, x: F.mish(x)),
    "hardsigmoid-inplace": (lambda F, x: F.hardsigmoid(x, inplace=True),
                            lambda F, x: F.hardsigmoid(x)),
    "hardswish-inplace": (lambda F, x: F.hardswish(x, inplace=True), lambda F, x: F.hardswish(x)),
    "rrelu-inplace": (lambda F, x: F.rrelu(x, inplace=True), lambda F, x: F.rrelu(x)),
    "dropout-eval": (lambda F, x: F.dropout(x, 0.5, False, True), lambda F, x: F.dropout(x, 0.5, False)),
}


def run(lib, call, values=VALUES):
    """(the leaf, the tensor written, what the call returned, versions before and after)."""
    F = lib.nn.functional
    leaf = lib.tensor(values, requires_grad=True)
    x = leaf * 1
    before = x._version
    out = call(F, x)
    return leaf, x, out, before, x._version


@pytest.mark.parametrize("name", sorted(FORMS))
def test_in_place_form_changes_the_input_and_matches_pytorch(name):
    in_place, out_of_place = FORMS[name]
    leaf, x, out, before, after = run(cr, in_place)
    tleaf, tx, tout, tbefore, tafter = run(torch, in_place)
    assert out is x and tout is tx
    assert after - before == tafter - tbefore
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-12, atol=1e-15)
    (x * cr.tensor(WEIGHT)).sum().backward()
    (tx * torch.tensor(WEIGHT)).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-12, atol=1e-15)
    # the out-of-place form: the same values and gradient
    plain_leaf, _, plain, _, _ = run(cr, out_of_place)
    np.testing.assert_array_equal(plain.detach().numpy(), x.detach().numpy())
    (plain * cr.tensor(WEIGHT)).sum().backward()
    np.testing.assert_array_equal(plain_leaf.grad.numpy(), leaf.grad.numpy())


MODULES = {
    "ReLU": lambda nn: nn.ReLU(inplace=True), "LeakyReLU": lambda nn: nn.LeakyReLU(0.3, True),
    "ELU": lambda nn: nn.ELU(0.5, inplace=True), "CELU": lambda nn: nn.CELU(1.5, inplace=True),
    "SELU": lambda nn: nn.SELU(inplace=True), "Hardtanh": lambda nn: nn.Hardtanh(-2.0, 2.0, True),
    "ReLU6": lambda nn: nn.ReLU6(inplace=True), "Threshold": lambda nn: nn.Threshold(0.1, 9.0, True),
    "SiLU": lambda nn: nn.SiLU(inplace=True), "Mish": lambda nn: nn.Mish(inplace=True),
    "Hardswish": lambda nn: nn.Hardswish(inplace=True),
    "Hardsigmoid": lambda nn: nn.Hardsigmoid(inplace=True),
    "RReLU": lambda nn: nn.RReLU(0.2, 0.4, inplace=True).eval(),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_with_inplace_changes_its_input_as_pytorch(name):
    ours, theirs = MODULES[name](cr.nn), MODULES[name](torch.nn)
    assert repr(ours) == repr(theirs)
    leaf, tleaf = cr.tensor(VALUES, requires_grad=True), torch.tensor(VALUES, requires_grad=True)
    x, tx = leaf * 2, tleaf * 2
    assert ours(x) is x and theirs(tx) is tx
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-12, atol=1e-15)
    (x * cr.tensor(WEIGHT)).sum().backward()
    (tx * torch.tensor(WEIGHT)).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(set(FORMS) - {"dropout-eval"}))
def test_a_leaf_that_requires_grad_is_refused_as_in_pytorch(name):
    call = FORMS[name][0]
    for lib in (cr, torch):
        leaf = lib.tensor(VALUES, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            call(lib.nn.functional, leaf)
        assert leaf._version == 0
        with lib.no_grad():                      # allowed there, and nothing recorded
            assert call(lib.nn.functional, leaf) is leaf
        assert leaf.grad_fn is None


def test_a_value_saved_before_the_write_refuses_backward_as_in_pytorch():
    for lib in (cr, torch):
        x = lib.tensor(VALUES, requires_grad=True).exp()   # Exp saves its output, x
        y = x * 2
        lib.nn.functional.elu_(x)
        with pytest.raises(RuntimeError, match="modified by an inplace operation|in place"):
            y.sum().backward()


@pytest.mark.parametrize("call", [lambda F, x: F.leaky_relu_(x, -0.2),
                                  lambda F, x: F.elu_(x, -1.0), lambda F, x: F.celu_(x, -1.0)],
                         ids=["leaky_relu_", "elu_", "celu_"])
def test_negative_slope_runs_forward_and_refuses_backward_as_pytorch(call):
    values = {}
    for lib in (cr, torch):
        x = lib.tensor(VALUES, requires_grad=True) * 1
        call(lib.nn.functional, x)
        values[lib] = x.detach().numpy().copy()
        with pytest.raises(RuntimeError, match="negative"):
            x.sum().backward()
    np.testing.assert_allclose(values[cr], values[torch], rtol=1e-12)


def test_integer_tensors_as_pytorch():
    ints = np.array([-2, 0, 3])
    for lib in (cr, torch):
        x = lib.tensor(ints)
        assert lib.nn.functional.relu_(x) is x and x.tolist() == [0, 0, 3]
        with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
            lib.nn.functional.elu_(lib.tensor(ints))


def test_a_write_into_a_view_reaches_the_base_as_pytorch():
    grads = {}
    for lib in (cr, torch):
        leaf = lib.tensor(VALUES.reshape(3, 3), requires_grad=True)
        base = leaf * 1
        lib.nn.functional.hardtanh_(base[1], -0.5, 0.5)
        (base * lib.tensor(WEIGHT.reshape(3, 3))).sum().backward()
        grads[lib] = (base.detach().numpy().copy(), leaf.grad.numpy().copy())
    for ours, theirs in zip(grads[cr], grads[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_second_derivative_through_an_in_place_elu_matches_pytorch():
    hessians = {}
    for lib in (cr, torch):
        leaf = lib.tensor(VALUES, requires_grad=True)
        x = leaf * leaf
        lib.nn.functional.elu_(x, 0.5)
        (g,) = lib.autograd.grad((x * lib.tensor(WEIGHT)).sum(), leaf, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), leaf)
        hessians[lib] = h.detach().numpy()
    np.testing.assert_allclose(hessians[cr], hessians[torch], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_dropout_in_place_scales_the_kept_elements_and_its_gradient(p):
    leaf = cr.tensor(np.arange(1.0, 201.0), requires_grad=True)
    x = leaf * 1
    assert cr.nn.functional.dropout(x, p, training=True, inplace=True) is x
    kept = x.detach().numpy() != 0
    scale = 0.0 if p == 1 else 1 / (1 - p)
    np.testing.assert_allclose(x.detach().numpy(), np.where(kept, np.arange(1.0, 201.0) * scale, 0))
    x.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), np.where(kept, scale, 0.0))
    assert p == 1 or 0 < kept.mean() < 1


@pytest.mark.parametrize("module, shape", [("Dropout", (4, 50)), ("Dropout1d", (4, 6, 5)),
                                           ("Dropout2d", (4, 6, 3, 3)),
                                           ("Dropout3d", (2, 6, 2, 2, 2))])
def test_dropout_modules_with_inplace_write_into_their_input(module, shape):
    layer = getattr(cr.nn, module)(0.5, inplace=True)
    assert repr(layer) == repr(getattr(torch.nn, module)(0.5, inplace=True))
    leaf = cr.ones(*shape, requires_grad=True)
    x = leaf * 1
    assert layer(x) is x and x._version == 1
    values = x.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 2.0}
    if module != "Dropout":   # a channel is dropped whole
        per_channel = values.reshape(shape[0], shape[1], -1)
        assert (per_channel.min(-1) == per_channel.max(-1)).all()
    x.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), values)
    layer.eval()
    y = cr.ones(*shape)
    assert layer(y) is y and y._version == 0


def test_rrelu_in_training_draws_slopes_and_its_gradient_is_the_slope():
    leaf = cr.tensor(np.linspace(-5.0, 5.0, 400), requires_grad=True)
    x = leaf * 1
    cr.nn.functional.rrelu_(x, 0.1, 0.3, training=True)
    slopes = x.detach().numpy() / np.linspace(-5.0, 5.0, 400)
    negative = np.linspace(-5.0, 5.0, 400) < 0
    assert ((slopes[negative] >= 0.1) & (slopes[negative] <= 0.3)).all()
    assert slopes[negative].std() > 0.03 and (slopes[~negative] == 1).all()
    x.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), slopes, rtol=1e-12)

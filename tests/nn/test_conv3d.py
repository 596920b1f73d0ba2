"""F.conv3d and nn.Conv3d against PyTorch: values and the gradients of input, weight and
bias for every argument (stride, padding with its modes and 'same' / 'valid', dilation,
groups, unbatched inputs), second derivatives, central differences, a PyTorch state dict
loaded into the layer, its repr and default init, and the errors PyTorch raises."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

CASES = [   # (input shape, weight shape, keyword arguments)
    ((2, 3, 5, 6, 7), (4, 3, 2, 3, 2), {}),
    ((2, 4, 6, 5, 5), (6, 2, 3, 3, 3), {"groups": 2, "padding": 1, "stride": 2}),
    ((1, 2, 7, 6, 5), (3, 2, 3, 2, 2), {"stride": (2, 1, 2), "padding": (2, 0, 1),
                                        "dilation": (2, 1, 2)}),
    ((1, 2, 5, 5, 5), (2, 2, 2, 3, 4), {"padding": "same"}),
    ((1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"padding": "same", "dilation": 2}),
    ((2, 5, 4, 4), (3, 2, 2, 2, 1), {"padding": "valid"}),   # unbatched
    ((1, 6, 3, 4, 4), (6, 1, 1, 3, 3), {"groups": 6, "stride": (1, 2, 2)}),   # depthwise
]


def run(lib, arrays, function="conv3d", **kwargs):
    tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
    return tensors, getattr(lib.nn.functional, function)(*tensors, **kwargs)


def assert_matches_pytorch(function, arrays, kwargs, rng):
    """``F.<function>`` of the arrays: values, and every input's gradient for a random
    weighting of the output, as PyTorch's in float64."""
    ours, out = run(cr, arrays, function, **kwargs)
    theirs, tout = run(torch, arrays, function, **kwargs)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    weight = rng.standard_normal(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore::UserWarning")   # PyTorch's note on 'same' padding
@pytest.mark.parametrize("input_shape, weight_shape, kwargs", CASES)
def test_conv3d_matches_pytorch(input_shape, weight_shape, kwargs):
    rng = np.random.default_rng(sum(input_shape))
    arrays = [rng.standard_normal(input_shape), rng.standard_normal(weight_shape),
              rng.standard_normal(weight_shape[0])]
    assert_matches_pytorch("conv3d", arrays, kwargs, rng)


def test_conv3d_gradients_match_central_differences_to_second_order():
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((1, 2, 4, 3, 3)), rng.standard_normal((2, 1, 2, 2, 2)),
              rng.standard_normal(2)]
    inputs = [cr.tensor(a, requires_grad=True) for a in arrays]
    conv = lambda x, w, b: cr.nn.functional.conv3d(x.sin(), w.sin(), b, padding=(1, 0, 1),  # noqa: E731
                                                   groups=2, stride=(2, 1, 1))
    assert cr.gradcheck(conv, inputs)

    def first_derivatives(*tensors):
        with cr.enable_grad():
            return cr.autograd.grad(conv(*tensors).sum(), tensors, create_graph=True)
    assert cr.gradcheck(first_derivatives, inputs)


def test_float32_matches_pytorch():
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((2, 3, 4, 5, 6)).astype(np.float32),
              rng.standard_normal((4, 3, 3, 3, 3)).astype(np.float32)]
    ours, out = run(cr, arrays, padding=1)
    theirs, tout = run(torch, arrays, padding=1)
    assert out.dtype == cr.float32
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4,
                               atol=1e-4)
    out.sum().backward()
    tout.sum().backward()
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("kwargs", [{}, {"padding": 1, "padding_mode": "reflect"},
                                    {"padding": (1, 2, 0), "padding_mode": "replicate"},
                                    {"padding": 1, "padding_mode": "circular", "bias": False},
                                    {"stride": 2, "dilation": (1, 2, 1), "groups": 2}])
def test_layer_loads_a_pytorch_state_dict_and_matches(kwargs):
    ours, theirs = cr.nn.Conv3d(4, 6, 3, **kwargs), torch.nn.Conv3d(4, 6, 3, **kwargs).double()
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.double()
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    array = np.random.default_rng(7).standard_normal((2, 4, 6, 7, 5))
    x, tx = cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-10)


def test_default_init_is_pytorchs_bound():
    cr.manual_seed(0)
    layer = cr.nn.Conv3d(4, 8, (3, 2, 2), groups=2)
    bound = 1 / (2 * 3 * 2 * 2) ** 0.5   # fan in: in / groups times the kernel's volume
    assert tuple(layer.weight.shape) == (8, 2, 3, 2, 2) and tuple(layer.bias.shape) == (8,)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.max() <= bound and values.min() >= -bound and values.std() > bound / 3


@pytest.mark.parametrize("call, words", [
    (lambda lib: lib.nn.functional.conv3d(lib.ones(1, 2, 4, 4, 4), lib.ones(1, 2, 3, 3, 3),
                                          stride=2, padding="same"), "strided"),
    (lambda lib: lib.nn.functional.conv3d(lib.ones(1, 3, 4, 4, 4), lib.ones(1, 2, 3, 3, 3)),
     "channels"),
    (lambda lib: lib.nn.functional.conv3d(lib.ones(1, 2, 2, 4, 4), lib.ones(1, 2, 3, 3, 3)),
     "larger than|depth"),
    (lambda lib: lib.nn.functional.conv3d(lib.ones(2, 4, 4, 4), lib.ones(1, 2, 3, 3)), "weight"),
])
def test_errors_where_pytorch_raises(call, words):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(ValueError, match=words):
        call(cr)


TRANSPOSED = [   # (input shape, weight shape, keyword arguments)
    ((1, 2, 3, 3, 3), (2, 4, 2, 2, 2), {"stride": 2}),
    ((2, 4, 3, 4, 2), (4, 3, 3, 2, 2), {"stride": (2, 1, 2), "padding": (1, 0, 1),
                                        "output_padding": (1, 0, 1), "groups": 2,
                                        "dilation": (1, 2, 1)}),
    ((2, 3, 2, 3), (2, 2, 2, 3, 2), {}),   # unbatched
    ((1, 2, 4, 3, 3), (2, 2, 3, 1, 1), {"stride": 3, "padding": 1, "dilation": 2,
                                        "output_padding": 2}),
]


@pytest.mark.parametrize("input_shape, weight_shape, kwargs", TRANSPOSED)
def test_conv_transpose3d_matches_pytorch(input_shape, weight_shape, kwargs):
    rng = np.random.default_rng(sum(input_shape) + 1)
    arrays = [rng.standard_normal(input_shape), rng.standard_normal(weight_shape),
              rng.standard_normal(weight_shape[1] * kwargs.get("groups", 1))]
    assert_matches_pytorch("conv_transpose3d", arrays, kwargs, rng)


def test_conv_transpose3d_is_the_adjoint_of_conv3d_and_has_second_derivatives():
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((1, 2, 5, 4, 4)), rng.standard_normal((3, 2, 2, 3, 2))
    y = rng.standard_normal(tuple(cr.nn.functional.conv3d(cr.tensor(x), cr.tensor(w),
                                                          stride=2, padding=1).shape))
    forward = (cr.nn.functional.conv3d(cr.tensor(x), cr.tensor(w), stride=2, padding=1)
               * cr.tensor(y)).sum().item()
    back = cr.nn.functional.conv_transpose3d(cr.tensor(y), cr.tensor(w), stride=2, padding=1,
                                             output_padding=(1, 1, 0))
    np.testing.assert_allclose((back * cr.tensor(x)).sum().item(), forward, rtol=1e-10)
    inputs = [cr.tensor(rng.standard_normal((1, 2, 2, 2, 2)), requires_grad=True),
              cr.tensor(rng.standard_normal((2, 1, 2, 2, 2)), requires_grad=True)]
    up = lambda a, b: cr.nn.functional.conv_transpose3d(a.sin(), b, stride=(2, 1, 1))  # noqa: E731
    assert cr.gradcheck(up, inputs)


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                    {"groups": 2, "dilation": (2, 1, 1), "bias": False}])
def test_transposed_layer_loads_a_pytorch_state_dict_and_matches(kwargs):
    ours = cr.nn.ConvTranspose3d(4, 6, 3, **kwargs)
    theirs = torch.nn.ConvTranspose3d(4, 6, 3, **kwargs).double()
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.double()
    array = np.random.default_rng(10).standard_normal((2, 4, 3, 4, 3))
    out, tout = ours(cr.tensor(array)), theirs(torch.tensor(array))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    if kwargs.get("stride") == 2:   # output_size picks the output padding, as PyTorch
        size = (2, 6, 6, 8, 6)
        assert tuple(ours(cr.tensor(array), output_size=size).shape) == \
            tuple(theirs(torch.tensor(array), output_size=size).shape)



LAYERS = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
ATTRIBUTES = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
              "groups", "padding_mode")


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2},
                                    {"bias": False, "padding": 1, "padding_mode": "circular"},
                                    {"padding": "valid", "padding_mode": "replicate"}])
def test_every_convolution_layer_keeps_pytorchs_attributes(name, kwargs):
    """The layers of every dimension share one base: the tuples each argument becomes, the
    defaults, the parameters and the reprs are PyTorch's for each of them, and what PyTorch
    refuses (a transposed layer's padding mode, its string padding) is refused."""
    try:
        theirs = getattr(torch.nn, name)(4, 6, 3, **kwargs)
    except ValueError:
        with pytest.raises(ValueError, match=name):
            getattr(cr.nn, name)(4, 6, 3, **kwargs)
        return
    ours = getattr(cr.nn, name)(4, 6, 3, **kwargs)
    for attribute in ATTRIBUTES + (("output_padding",) if "Transpose" in name else ()):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert len(ours.kernel_size) == int(name[-2]) and repr(ours) == repr(theirs)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("kwargs", [{"groups": 4}, {"padding_mode": "mirror"},
                                    {"kernel_size": (3, 3, 3, 3)}])
def test_every_convolution_layer_refuses_what_pytorch_refuses(name, kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    with pytest.raises((ValueError, RuntimeError)):
        getattr(torch.nn, name)(4, 6, **kwargs)(torch.ones((1, 4) + (5,) * int(name[-2])))
    with pytest.raises(ValueError, match=name):
        getattr(cr.nn, name)(4, 6, **kwargs)

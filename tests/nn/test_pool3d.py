"""F.max_pool3d / avg_pool3d and nn.MaxPool3d / AvgPool3d against PyTorch: values, indices
and gradients for every argument (kernel, stride and padding triples, dilation, ceil_mode,
count_include_pad, divisor_override, unbatched inputs), ties and NaN (PyTorch's choice of
element), central differences, float32, the modules' reprs and PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

GEOMETRIES = [
    ((2, 3, 5, 6, 7), {"kernel_size": 2}),
    ((1, 2, 7, 6, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 2, 7, 6, 5), {"kernel_size": (3, 2, 2), "stride": (2, 1, 2), "padding": (1, 0, 1),
                       "ceil_mode": True}),
    ((2, 6, 5, 5), {"kernel_size": 2, "stride": 1}),   # unbatched (C, D, H, W)
]
OPTIONS = {"max_pool3d": [{}, {"dilation": (2, 1, 1)}, {"return_indices": True}],
           "avg_pool3d": [{}, {"count_include_pad": False}, {"divisor_override": 3}]}
CASES = [(fn, shape, {**geometry, **option}) for fn, options in OPTIONS.items()
         for shape, geometry in GEOMETRIES for option in options]


def both(fn, array, **kwargs):
    x, tx = cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    return x, tx, getattr(cr.nn.functional, fn)(x, **kwargs), \
        getattr(torch.nn.functional, fn)(tx, **kwargs)


def compare(x, tx, out, tout, seed):
    if isinstance(tout, tuple):
        np.testing.assert_array_equal(out[1].numpy(), tout[1].numpy())
        out, tout = out[0], tout[0]
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    weight = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fn, shape, kwargs", CASES)
def test_pool3d_matches_pytorch(fn, shape, kwargs):
    array = np.random.default_rng(sum(shape)).standard_normal(shape)
    compare(*both(fn, array, **kwargs), seed=1)


@pytest.mark.parametrize("with_nan", [False, True])
def test_max_pool3d_picks_pytorchs_element_at_ties_and_nan(with_nan):
    array = np.random.default_rng(2).integers(0, 3, (2, 2, 5, 5, 5)).astype(float)
    if with_nan:
        array[0, 0, 1, 2, 2] = array[1, 1, 3, 3, 3] = array[1, 1, 3, 3, 4] = np.nan
    compare(*both("max_pool3d", array, kernel_size=3, stride=1, padding=1,
                  return_indices=True), seed=3)


@pytest.mark.parametrize("fn", ["max_pool3d", "avg_pool3d"])
def test_gradient_matches_central_differences(fn):
    x = cr.tensor(np.random.default_rng(4).standard_normal((1, 2, 4, 4, 3)), requires_grad=True)
    pool = getattr(cr.nn.functional, fn)
    assert cr.gradcheck(lambda t: pool(t, (2, 3, 2), stride=(1, 2, 1), padding=(1, 1, 0),
                                       ceil_mode=True), (x,))


def test_float32_matches_pytorch():
    array = np.random.default_rng(5).standard_normal((2, 3, 6, 6, 6)).astype(np.float32)
    for fn in ("max_pool3d", "avg_pool3d"):
        x, tx, out, tout = both(fn, array, kernel_size=3, stride=2, padding=1)
        assert out.dtype == cr.float32
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-6,
                                   atol=1e-6)


@pytest.mark.parametrize("module, args, kwargs", [
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", ((2, 3, 1),), {"stride": 1, "padding": (1, 1, 0), "ceil_mode": True}),
    ("AvgPool3d", (2,), {}),
    ("AvgPool3d", (3, 2, 1), {"count_include_pad": False, "divisor_override": 4}),
])
def test_modules_as_pytorch(module, args, kwargs):
    ours, theirs = getattr(cr.nn, module)(*args, **kwargs), \
        getattr(torch.nn, module)(*args, **kwargs)
    assert repr(ours) == repr(theirs) and ours.state_dict() == {}
    array = np.random.default_rng(6).standard_normal((2, 3, 5, 6, 4))
    np.testing.assert_allclose(ours(cr.tensor(array)).numpy(),
                               theirs(torch.tensor(array)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda F, x: F.max_pool3d(x, 2, padding=2), "at most half"),
    (lambda F, x: F.avg_pool3d(x, 5), "does not fit|output"),
    (lambda F, x: F.max_pool3d(x[0, 0], 2), "input"),
])
def test_errors_where_pytorch_raises(call, words):
    with pytest.raises(RuntimeError):
        call(torch.nn.functional, torch.ones(1, 1, 4, 4, 4))
    with pytest.raises(ValueError, match=words):
        call(cr.nn.functional, cr.ones(1, 1, 4, 4, 4))


def test_max_pool3d_keeps_pytorchs_element_with_nan_in_several_planes():
    """PyTorch's kernel keeps the first largest and the last NaN of each window in
    (d, h, w) order: NaN in several depth planes of a window must pick the last."""
    rng = np.random.default_rng(11)
    for _ in range(10):
        array = rng.integers(0, 3, (1, 2, 4, 4, 4)).astype(float)
        array[rng.random(array.shape) < 0.15] = np.nan
        compare(*both("max_pool3d", array, kernel_size=2, stride=1, padding=1,
                      return_indices=True), seed=12)


@pytest.mark.parametrize("name", ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool2d",
                                  "AvgPool3d"])
@pytest.mark.parametrize("kwargs", [{}, {"stride": 1, "padding": 1, "ceil_mode": True},
                                    {"stride": (2,), "return_indices": True},
                                    {"count_include_pad": False, "divisor_override": 3}])
def test_every_pooling_layer_as_pytorch(name, kwargs):
    """MaxPool1d/2d/3d and AvgPool2d/3d share one base each: their arguments kept as given,
    the reprs, the outputs (and indices) are PyTorch's for each dimension."""
    keep = ("return_indices", "dilation") if name.startswith("Max") else \
        ("count_include_pad", "divisor_override")
    kwargs = {k: v for k, v in kwargs.items() if k in keep + ("stride", "padding", "ceil_mode")}
    dims = int(name[-2])
    if isinstance(kwargs.get("stride"), tuple):
        kwargs["stride"] = (2,) * dims
    ours, theirs = getattr(cr.nn, name)(3, **kwargs), getattr(torch.nn, name)(3, **kwargs)
    assert repr(ours) == repr(theirs)
    for attribute in ("kernel_size", "stride", "padding", "ceil_mode") + keep:
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    array = np.random.default_rng(dims).standard_normal((2, 3) + (6, 5, 7)[:dims])
    out, tout = ours(cr.tensor(array)), theirs(torch.tensor(array))
    if kwargs.get("return_indices"):
        np.testing.assert_array_equal(out[1].numpy(), tout[1].numpy())
        out, tout = out[0], tout[0]
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-12)

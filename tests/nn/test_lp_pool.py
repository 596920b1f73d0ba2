"""LPPool1d / 2d / 3d and F.lp_pool1d / 2d / 3d against PyTorch: values and gradients
(NaN where PyTorch's are: a negative window sum under an odd power, an all-zero window),
every argument (p finite, inf and -inf, kernel and stride pairs, ceil_mode, unbatched
inputs), central differences in float64, float32, and the modules' repr and state dict."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

CASES = [   # (function, shape, p, kernel, stride, ceil_mode)
    ("lp_pool1d", (2, 3, 9), 2, 3, 2, False),
    ("lp_pool1d", (3, 8), 1.5, 2, None, True),
    ("lp_pool1d", (2, 2, 7), 3, 3, 1, False),
    ("lp_pool1d", (1, 2, 6), float("inf"), 2, None, False),
    ("lp_pool2d", (2, 3, 7, 6), 2, (3, 2), (2, 1), False),
    ("lp_pool2d", (3, 5, 5), 1, 2, None, True),
    ("lp_pool2d", (1, 2, 6, 6), 4, 3, (1, 2), True),
    ("lp_pool2d", (1, 2, 4, 4), -float("inf"), 2, 1, False),
    ("lp_pool3d", (2, 2, 5, 4, 6), 2, (2, 2, 3), (1, 2, 2), False),
    ("lp_pool3d", (2, 5, 5, 5), 1.5, 2, None, True),
    ("lp_pool3d", (1, 1, 4, 4, 4), float("inf"), 2, 1, False),
]


def both(fn, array, *args):
    x = cr.tensor(array, requires_grad=True)
    tx = torch.tensor(array, requires_grad=True)
    return x, tx, getattr(cr.nn.functional, fn)(x, *args), getattr(torch.nn.functional, fn)(tx, *args)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fn, shape, p, kernel, stride, ceil_mode", CASES)
@pytest.mark.parametrize("signs", ["positive", "mixed"])
def test_lp_pool_matches_pytorch(fn, shape, p, kernel, stride, ceil_mode, signs):
    rng = np.random.default_rng(sum(shape))
    array = rng.uniform(0.2, 2.0, shape) if signs == "positive" else rng.standard_normal(shape)
    x, tx, out, tout = both(fn, array, p, kernel, stride, ceil_mode)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12,
                               atol=1e-14)   # NaN where PyTorch's is NaN
    weight = rng.standard_normal(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("fn, shape, p, kernel, stride, ceil_mode",
                         [c for c in CASES if np.isfinite(c[2])])
def test_lp_pool_gradient_matches_central_differences(fn, shape, p, kernel, stride, ceil_mode):
    array = np.random.default_rng(1).uniform(0.2, 2.0, shape)
    x = cr.tensor(array, requires_grad=True)
    pool = getattr(cr.nn.functional, fn)
    assert cr.gradcheck(lambda t: pool(t, p, kernel, stride, ceil_mode), (x,))


def test_float32_matches_pytorch():
    array = np.random.default_rng(2).uniform(0.2, 2.0, (2, 3, 6, 6)).astype(np.float32)
    x, tx, out, tout = both("lp_pool2d", array, 2.5, 2)
    assert out.dtype == cr.float32
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("module, args, shape", [("LPPool1d", (2, 3), (2, 4, 10)),
                                                 ("LPPool1d", (1.5, 2, 1, True), (4, 7)),
                                                 ("LPPool2d", (2, 3), (2, 3, 8, 8)),
                                                 ("LPPool2d", (1.2, (3, 2), (2, 1)), (3, 9, 6)),
                                                 ("LPPool3d", (2, 2), (1, 2, 4, 5, 6))])
def test_modules_match_pytorch_and_load_its_state_dict(module, args, shape):
    ours, theirs = getattr(cr.nn, module)(*args), getattr(torch.nn, module)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.load_state_dict(theirs.state_dict()).missing_keys == []
    array = np.random.default_rng(3).uniform(0.2, 2.0, shape)
    np.testing.assert_allclose(ours(cr.tensor(array)).numpy(),
                               theirs(torch.tensor(array)).numpy(), rtol=1e-12)

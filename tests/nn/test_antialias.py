"""F.interpolate(antialias=True) against PyTorch: bilinear (a triangle filter) and bicubic
(cubic convolution with A = -0.5), shrinking and growing, sizes and scale factors, with and
without align_corners, forward and gradient in float64; central differences on the bicubic one; and the one form where
PyTorch 2.13's forward is not its own filter (an output one column wide)."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch

CASES = [((1, 2, 7, 9), dict(size=(3, 4))),         # shrink both dims
         ((1, 1, 5, 6), dict(size=(11, 13))),       # grow: the filter is not stretched
         ((2, 1, 8, 8), dict(scale_factor=0.37)),   # the scale PyTorch is given, not sizes
         ((1, 1, 6, 10), dict(scale_factor=(1.7, 0.45))),
         ((1, 3, 9, 4), dict(size=(9, 4)))]         # same size: the identity


def both(x, w, mode, **kwargs):
    """(chainrule's output and input gradient, PyTorch's) for the weights ``w``."""
    results = []
    for lib in (cr, torch):
        t = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.interpolate(t, mode=mode, antialias=True, **kwargs)
        out.backward(lib.tensor(w))
        results.append((out.detach().numpy(), t.grad.numpy()))
    return results


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape, kwargs", CASES, ids=[str(c[1]) for c in CASES])
def test_antialias_matches_torch(mode, shape, kwargs, align_corners):
    """With align_corners the scale is (size - 1) / (out - 1) (a scale_factor is not used),
    the filter's centres still at scale * (i + 0.5), as in PyTorch's kernels."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    kwargs = dict(kwargs, align_corners=align_corners)
    size = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, antialias=True,
                                           **kwargs).shape
    (ours, our_grad), (theirs, their_grad) = both(x, rng.standard_normal(size), mode, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12, atol=1e-14)


def test_bicubic_antialias_is_not_plain_bicubic():
    """Growing, antialias only changes the filter (A = -0.5, cut at the edges rather than
    clamped): the two must differ, as they do in PyTorch."""
    x = np.random.default_rng(1).standard_normal((1, 1, 4, 4))
    smooth = cr.nn.functional.interpolate(cr.tensor(x), size=(7, 7), mode="bicubic",
                                          antialias=True).numpy()
    plain = cr.nn.functional.interpolate(cr.tensor(x), size=(7, 7), mode="bicubic").numpy()
    assert np.abs(smooth - plain).max() > 1e-3


def test_bicubic_antialias_gradient_by_central_differences():
    x = cr.tensor(np.random.default_rng(2).standard_normal((1, 1, 6, 5)), requires_grad=True)
    assert cr.gradcheck(lambda t: cr.nn.functional.interpolate(
        t, size=(4, 3), mode="bicubic", antialias=True), [x])


def test_antialias_refuses_other_modes_clearly():
    for lib in (cr, torch):   # PyTorch refuses them too
        with pytest.raises((ValueError, NotImplementedError), match="(?i)anti-?alias"):
            lib.nn.functional.interpolate(lib.ones(1, 1, 4, 4), size=(2, 2), mode="nearest",
                                          antialias=True)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_one_column_output_is_the_filter(mode):
    """PyTorch 2.13's antialiased forward on a one-column image copies the first output row
    into every row (its gradient is right). chainrule gives the filter's value: the same as
    PyTorch's on two equal columns, of which it takes the first."""
    x = np.random.default_rng(3).standard_normal((1, 1, 8, 1))
    ours = cr.nn.functional.interpolate(cr.tensor(x), size=(3, 1), mode=mode,
                                        antialias=True).numpy()
    two = torch.nn.functional.interpolate(torch.tensor(np.repeat(x, 2, axis=3)), size=(3, 2),
                                          mode=mode, antialias=True).numpy()
    np.testing.assert_allclose(ours[..., 0], two[..., 0], rtol=1e-12, atol=1e-14)
    assert np.ptp(ours) > 0.1   # not one value copied down

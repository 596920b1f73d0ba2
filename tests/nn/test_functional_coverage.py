"""The functions of issue 12 (activations, distances, losses, pooling, padding, resampling,
convolutions, normalisation) against PyTorch: forward and every input's gradient in float64,
at random points and at the kinks where PyTorch picks a one-sided derivative; and central
differences (cr.gradcheck) on the compositions."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch

KINKS = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0, -0.5, 0.5, 2.0, -6.0, 7.0, -4.0])


def rand(*shape, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)


def F(lib):
    return lib.nn.functional


def signs(n, seed=3):
    return np.where(np.random.default_rng(seed).random(n) < 0.5, -1.0, 1.0)


def idx(x, *index):
    return x[index]


# (id, fn(lib, *tensors), input arrays that get gradients)
CASES = [
    ("silu", lambda lib, x: F(lib).silu(x), [rand(3, 4)]),
    ("elu", lambda lib, x: F(lib).elu(x, 0.7), [np.concatenate([rand(8), KINKS, [40.0]])]),
    ("selu", lambda lib, x: F(lib).selu(x), [np.concatenate([rand(8), KINKS])]),
    ("celu", lambda lib, x: F(lib).celu(x, 1.5), [np.concatenate([rand(8), KINKS])]),
    ("mish", lambda lib, x: F(lib).mish(x), [np.concatenate([rand(8), KINKS, [30.0]])]),
    ("hardswish", lambda lib, x: F(lib).hardswish(x), [np.concatenate([rand(8) * 3, KINKS])]),
    # PyTorch's backward multiplies by the float32 1/6 also in float64, and so does ours
    ("hardsigmoid", lambda lib, x: F(lib).hardsigmoid(x), [np.concatenate([rand(8) * 3, KINKS])]),
    ("hardtanh", lambda lib, x: F(lib).hardtanh(x, -1.0, 2.0), [np.concatenate([rand(8), KINKS])]),
    ("relu6", lambda lib, x: F(lib).relu6(x), [np.concatenate([rand(8) * 4, KINKS])]),
    ("glu", lambda lib, x: F(lib).glu(x, 1), [rand(3, 6)]),
    ("glu-last", lambda lib, x: F(lib).glu(x), [rand(2, 3, 4)]),
    ("logsigmoid", lambda lib, x: F(lib).logsigmoid(x), [np.concatenate([rand(8), [-50.0, 50.0]])]),
    ("softsign", lambda lib, x: F(lib).softsign(x), [np.concatenate([rand(8), KINKS])]),
    ("tanhshrink", lambda lib, x: F(lib).tanhshrink(x), [rand(3, 4)]),
    ("prelu-kinks", lambda lib, x, w: F(lib).prelu(x, w), [np.concatenate([rand(8), KINKS]), rand(1)]),
    ("prelu-channels", lambda lib, x, w: F(lib).prelu(x, w), [rand(2, 3, 4), rand(3, seed=1)]),
    ("softshrink", lambda lib, x: F(lib).softshrink(x, 0.5), [np.concatenate([rand(8), KINKS])]),
    ("hardshrink", lambda lib, x: F(lib).hardshrink(x, 0.5), [np.concatenate([rand(8), KINKS])]),
    ("threshold", lambda lib, x: F(lib).threshold(x, 0.5, -2.0), [np.concatenate([rand(8), KINKS])]),
    # distances
    ("normalize", lambda lib, x: F(lib).normalize(x, dim=1), [rand(3, 4)]),
    ("normalize-p1", lambda lib, x: F(lib).normalize(x, p=1.0, dim=0), [rand(3, 4)]),
    ("cosine_similarity", lambda lib, a, b: F(lib).cosine_similarity(a, b), [rand(3, 4), rand(3, 4, seed=1)]),
    ("cosine_similarity-bcast", lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=-1),
     [rand(2, 3, 4), rand(3, 4, seed=1)]),
    ("cosine_similarity-zero", lambda lib, a, b: F(lib).cosine_similarity(a * 1e-9, b),
     [rand(3, 4), rand(3, 4, seed=1)]),
    ("pairwise_distance", lambda lib, a, b: F(lib).pairwise_distance(a, b), [rand(3, 4), rand(3, 4, seed=1)]),
    ("pairwise_distance-p1", lambda lib, a, b: F(lib).pairwise_distance(a, b, p=1.0, keepdim=True),
     [rand(3, 4), rand(3, 4, seed=1)]),
    # losses
    ("smooth_l1_loss", lambda lib, x, y: F(lib).smooth_l1_loss(x, y, beta=0.5), [rand(4, 3), rand(4, 3, seed=1)]),
    ("smooth_l1_loss-seam", lambda lib, x: F(lib).smooth_l1_loss(x, lib.zeros_like(x), beta=1.0, reduction="sum"),
     [np.array([-1.0, 0.0, 1.0, 0.3, 2.0])]),
    ("huber_loss", lambda lib, x, y: F(lib).huber_loss(x, y, delta=0.7), [rand(4, 3), rand(4, 3, seed=1)]),
    ("kl_div", lambda lib, x, y: F(lib).kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean"),
     [rand(4, 3), rand(4, 3, seed=1)]),
    # a target of 0: PyTorch's gradient there is 0/0 = NaN, chainrule's 0 (docs/nn.md)
    ("kl_div-zeros", lambda lib, x, y: F(lib).kl_div(x, y * lib.tensor([[0.0, 1.0, 1.0]], dtype=lib.float64),
                                                      reduction="sum"), [rand(4, 3), rand(4, 3, seed=1, positive=True)],
     dict(torch_nan=0.0)),
    ("kl_div-log_target", lambda lib, x, y: F(lib).kl_div(x, y, reduction="mean", log_target=True),
     [rand(4, 3), rand(4, 3, seed=1)]),
    ("poisson_nll_loss", lambda lib, x, y: F(lib).poisson_nll_loss(x, y), [rand(4, 3), rand(4, 3, seed=1, positive=True)]),
    ("poisson_nll_loss-full", lambda lib, x, y: F(lib).poisson_nll_loss(x, y * 2, log_input=False, full=True),
     [rand(4, 3, positive=True), rand(4, 3, seed=1, positive=True)]),
    ("gaussian_nll_loss", lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v), [rand(4, 3), rand(4, 3, seed=1), rand(4, 3, seed=2, positive=True)]),
    ("gaussian_nll_loss-full", lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v * 1e-8, full=True, reduction="sum"),
     [rand(4, 3), rand(4, 3, seed=1), rand(4, seed=2, positive=True)]),
    ("gaussian_nll_loss-hetero", lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v, reduction="none"),
     [rand(4, 3), rand(4, 3, seed=1), rand(4, 1, seed=2, positive=True)]),
    ("margin_ranking_loss", lambda lib, a, b: F(lib).margin_ranking_loss(a, b, lib.tensor(signs(5)), margin=0.2),
     [rand(5), rand(5, seed=1)]),
    ("hinge_embedding_loss", lambda lib, x: F(lib).hinge_embedding_loss(x, lib.tensor(signs(6)), margin=0.5),
     [np.concatenate([rand(5), [0.5]])]),
    ("triplet_margin_loss", lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, margin=2.0),
     [rand(4, 3), rand(4, 3, seed=1), rand(4, 3, seed=2)]),
    ("triplet_margin_loss-swap", lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, p=1.0, swap=True, margin=3.0),
     [rand(4, 3), rand(4, 3, seed=1), rand(4, 3, seed=2)]),
    ("cosine_embedding_loss", lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, lib.tensor(signs(4)), margin=-0.3),
     [rand(4, 3), rand(4, 3, seed=1)]),
    ("multilabel_soft_margin_loss", lambda lib, x, y: F(lib).multilabel_soft_margin_loss(x, y.sigmoid()),
     [rand(4, 3), rand(4, 3, seed=1)]),
    # pooling
    ("max_pool2d-ceil", lambda lib, x: F(lib).max_pool2d(x, 3, 2, padding=1, ceil_mode=True), [rand(2, 3, 6, 7)]),
    ("max_pool2d-dilation", lambda lib, x: F(lib).max_pool2d(x, (2, 3), (1, 2), dilation=2), [rand(1, 2, 7, 8)]),
    ("max_pool1d", lambda lib, x: F(lib).max_pool1d(x, 3, 2, padding=1, ceil_mode=True), [rand(2, 3, 8)]),
    ("avg_pool1d", lambda lib, x: F(lib).avg_pool1d(x, 3, 2, padding=1, count_include_pad=False), [rand(2, 3, 8)]),
    ("avg_pool2d-ceil", lambda lib, x: F(lib).avg_pool2d(x, 3, 2, padding=1, ceil_mode=True), [rand(2, 3, 6, 7)]),
    ("avg_pool2d-ceil-exclude", lambda lib, x: F(lib).avg_pool2d(x, 3, 2, padding=1, ceil_mode=True,
                                                                  count_include_pad=False), [rand(2, 3, 6, 7)]),
    ("avg_pool2d-divisor", lambda lib, x: F(lib).avg_pool2d(x, 2, divisor_override=3), [rand(1, 2, 4, 4)]),
    ("adaptive_avg_pool1d", lambda lib, x: F(lib).adaptive_avg_pool1d(x, 4), [rand(2, 3, 7)]),
    ("adaptive_avg_pool2d", lambda lib, x: F(lib).adaptive_avg_pool2d(x, (3, 2)), [rand(2, 3, 7, 5)]),
    ("adaptive_avg_pool2d-up", lambda lib, x: F(lib).adaptive_avg_pool2d(x, (5, None)), [rand(1, 2, 3, 4)]),
    ("adaptive_avg_pool2d-1", lambda lib, x: F(lib).adaptive_avg_pool2d(x, 1), [rand(2, 3, 4, 4)]),
    ("adaptive_max_pool2d", lambda lib, x: F(lib).adaptive_max_pool2d(x, (3, 2)), [rand(2, 3, 7, 5)]),
    ("adaptive_max_pool1d", lambda lib, x: F(lib).adaptive_max_pool1d(x, 3), [rand(2, 3, 7)]),
    ("max_unpool2d", lambda lib, x: F(lib).max_unpool2d(*F(lib).max_pool2d(x, 2, return_indices=True), 2),
     [rand(2, 3, 4, 6)]),
    ("max_unpool2d-overlap", lambda lib, x: F(lib).max_unpool2d(
        *F(lib).max_pool2d(x, 3, 1, return_indices=True), 3, 1), [rand(1, 2, 5, 5)]),
    ("max_unpool1d", lambda lib, x: F(lib).max_unpool1d(*F(lib).max_pool1d(x, 2, return_indices=True), 2),
     [rand(2, 3, 6)]),
    # padding and resampling
    ("pad-constant", lambda lib, x: F(lib).pad(x, (1, 2, 0, 3), value=1.5), [rand(2, 3, 4)]),
    ("pad-crop", lambda lib, x: F(lib).pad(x, (-1, 2, 1, -2)), [rand(2, 4, 5)]),
    ("pad-reflect", lambda lib, x: F(lib).pad(x, (2, 3, 1, 1), mode="reflect"), [rand(1, 2, 4, 5)]),
    ("pad-replicate", lambda lib, x: F(lib).pad(x, (2, 3, 1, 0), mode="replicate"), [rand(1, 2, 4, 5)]),
    ("pad-circular", lambda lib, x: F(lib).pad(x, (2, 3, 1, 4), mode="circular"), [rand(1, 2, 4, 5)]),
    ("pad-reflect1d", lambda lib, x: F(lib).pad(x, (3, 1), mode="reflect"), [rand(2, 3, 4)]),
    ("interpolate-nearest", lambda lib, x: F(lib).interpolate(x, size=(5, 7)), [rand(1, 2, 3, 4)]),
    ("interpolate-nearest-scale", lambda lib, x: F(lib).interpolate(x, scale_factor=1.7), [rand(1, 2, 3, 4)]),
    ("interpolate-nearest-2x", lambda lib, x: F(lib).interpolate(x, scale_factor=2), [rand(1, 2, 3, 4)]),
    ("interpolate-nearest-down", lambda lib, x: F(lib).interpolate(x, size=(2, 3)), [rand(1, 2, 5, 7)]),
    ("interpolate-nearest-exact", lambda lib, x: F(lib).interpolate(x, size=(5, 3), mode="nearest-exact"),
     [rand(1, 2, 3, 4)]),
    ("interpolate-bilinear", lambda lib, x: F(lib).interpolate(x, size=(5, 7), mode="bilinear"), [rand(1, 2, 3, 4)]),
    ("interpolate-bilinear-corners", lambda lib, x: F(lib).interpolate(
        x, scale_factor=(2.5, 1.5), mode="bilinear", align_corners=True), [rand(1, 2, 3, 4)]),
    ("interpolate-bilinear-scale", lambda lib, x: F(lib).interpolate(x, scale_factor=1.7, mode="bilinear"),
     [rand(1, 2, 3, 4)]),
    ("interpolate-bilinear-down", lambda lib, x: F(lib).interpolate(x, size=(2, 3), mode="bilinear"),
     [rand(1, 2, 5, 7)]),
    ("interpolate-bicubic", lambda lib, x: F(lib).interpolate(x, size=(7, 3), mode="bicubic"),
     [rand(1, 2, 4, 5)]),
    ("interpolate-bicubic-corners", lambda lib, x: F(lib).interpolate(
        x, scale_factor=(1.5, 2.5), mode="bicubic", align_corners=True), [rand(1, 2, 4, 3)]),
    ("interpolate-antialias", lambda lib, x: F(lib).interpolate(
        x, size=(3, 4), mode="bilinear", antialias=True), [rand(1, 2, 8, 9)]),
    ("interpolate-antialias-scale", lambda lib, x: F(lib).interpolate(
        x, scale_factor=(0.45, 1.6), mode="bilinear", antialias=True), [rand(1, 2, 9, 5)]),
    ("interpolate-linear", lambda lib, x: F(lib).interpolate(x, size=7, mode="linear"), [rand(2, 3, 4)]),
    ("interpolate-linear-recompute", lambda lib, x: F(lib).interpolate(
        x, scale_factor=1.6, mode="linear", recompute_scale_factor=True), [rand(2, 3, 4)]),
    ("interpolate-trilinear", lambda lib, x: F(lib).interpolate(x, size=(3, 4, 5), mode="trilinear"),
     [rand(1, 1, 2, 3, 2)]),
    ("interpolate-area", lambda lib, x: F(lib).interpolate(x, size=(3, 2), mode="area"), [rand(1, 2, 7, 5)]),
    ("local_response_norm", lambda lib, x: F(lib).local_response_norm(x, 3, alpha=0.3, k=1.5),
     [rand(2, 5, 4)]),
    ("rms_norm", lambda lib, x, w: F(lib).rms_norm(x, (3,), w), [rand(2, 4, 3), rand(3, seed=1)]),
    ("rms_norm-default-eps", lambda lib, x: F(lib).rms_norm(x, (4, 3)), [rand(2, 4, 3)]),
    ("softmin", lambda lib, x: F(lib).softmin(x, dim=0), [rand(3, 4)]),
    ("multi_margin_loss", lambda lib, x: F(lib).multi_margin_loss(
        x, lib.tensor(np.array([2, 0, 1])), weight=lib.tensor(rand(4, seed=1))), [rand(3, 4)]),
    ("multi_margin_loss-1d", lambda lib, x: F(lib).multi_margin_loss(x, lib.tensor(2), p=2),
     [rand(4)]),
    ("triplet_margin_with_distance_loss", lambda lib, a, p, n:
        F(lib).triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: 1 - F(lib).cosine_similarity(x, y)),
     [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)]),
    ("bilinear", lambda lib, a, b, w, c: F(lib).bilinear(a, b, w, c),
     [rand(4, 2), rand(4, 3, seed=1), rand(5, 2, 3, seed=2), rand(5, seed=3)]),
    ("soft_margin_loss", lambda lib, x: F(lib).soft_margin_loss(x, lib.tensor(signs(4))),
     [rand(4)]),
    ("channel_shuffle", lambda lib, x: F(lib).channel_shuffle(x, 2), [rand(2, 4, 3)]),
    ("upsample_bilinear", lambda lib, x: F(lib).upsample_bilinear(x, scale_factor=2),
     [rand(1, 2, 3, 3)]),
    ("max_pool2d_with_indices", lambda lib, x: F(lib).max_pool2d_with_indices(x, 2)[0],
     [rand(1, 2, 4, 4)]),
    ("pixel_shuffle", lambda lib, x: F(lib).pixel_shuffle(x, 2), [rand(2, 8, 3, 2)]),
    ("pixel_unshuffle", lambda lib, x: F(lib).pixel_unshuffle(x, 2), [rand(2, 2, 4, 6)]),
    # convolutions
    ("conv1d", lambda lib, x, w, b: F(lib).conv1d(x, w, b, stride=2, padding=1, dilation=2),
     [rand(2, 4, 9), rand(6, 4, 3, seed=1), rand(6, seed=2)]),
    ("conv1d-groups", lambda lib, x, w: F(lib).conv1d(x, w, groups=2, padding="same"),
     [rand(2, 4, 9), rand(6, 2, 3, seed=1)]),
    ("conv2d-same-even", lambda lib, x, w: F(lib).conv2d(x, w, padding="same", dilation=(1, 3)),
     [rand(2, 2, 5, 6), rand(3, 2, 2, 3, seed=1)]),
    ("conv1d-same-even", lambda lib, x, w: F(lib).conv1d(x, w, padding="same"),
     [rand(2, 2, 7), rand(3, 2, 4, seed=1)]),
    ("conv_transpose2d", lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                       output_padding=1),
     [rand(2, 4, 3, 4), rand(4, 3, 3, 3, seed=1), rand(3, seed=2)]),
    ("conv_transpose2d-groups", lambda lib, x, w: F(lib).conv_transpose2d(x, w, stride=(1, 2), groups=2,
                                                                          dilation=2),
     [rand(2, 4, 3, 4), rand(4, 3, 2, 3, seed=1)]),
    ("conv_transpose2d-grown", lambda lib, x, w, b: F(lib).conv_transpose2d(
        x, w, b, stride=(3, 2), padding=(1, 2), output_padding=(2, 3), groups=2, dilation=4),
     [rand(2, 2, 4, 4), rand(2, 2, 4, 5, seed=1), rand(4, seed=2)]),
    ("conv_transpose1d", lambda lib, x, w, b: F(lib).conv_transpose1d(x, w, b, stride=3, padding=1,
                                                                       output_padding=2),
     [rand(2, 4, 5), rand(4, 2, 3, seed=1), rand(2, seed=2)]),
    # normalisation
    ("group_norm", lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b), [rand(3, 4, 5), rand(4, seed=1), rand(4, seed=2)]),
    ("group_norm-plain", lambda lib, x: F(lib).group_norm(x, 3, eps=1e-3), [rand(2, 6, 2, 3)]),
    ("group_norm-weight-only", lambda lib, x, w: F(lib).group_norm(x, 1, w), [rand(2, 3, 4), rand(3, seed=1)]),
    ("instance_norm", lambda lib, x, w, b: F(lib).instance_norm(x, weight=w, bias=b), [rand(3, 4, 5, 2), rand(4, seed=1), rand(4, seed=2)]),
]


def run(lib, fn, arrays):
    inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *inputs)
    if isinstance(out, tuple):
        out = out[0]
    weight = np.random.default_rng(7).standard_normal(tuple(out.shape))
    (out * lib.tensor(weight)).sum().backward()
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in inputs]


@pytest.mark.parametrize("name, fn, arrays, options", [(c + ({},))[:4] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_matches_torch_forward_and_backward(name, fn, arrays, options):
    out, grads = run(cr, fn, arrays)
    tout, tgrads = run(torch, fn, arrays)
    assert out.shape == tout.shape
    np.testing.assert_allclose(out, tout, rtol=1e-10, atol=1e-12)
    for i, (g, tg) in enumerate(zip(grads, tgrads)):
        tg = np.zeros_like(g) if tg is None else tg
        if "torch_nan" in options:
            assert np.all(g[np.isnan(tg)] == options["torch_nan"])
            tg = np.where(np.isnan(tg), options["torch_nan"], tg)
        np.testing.assert_allclose(g, tg, rtol=options.get("rtol", 1e-9), atol=1e-11,
                                   err_msg=f"gradient {i}")


# not central differences: inputs at kinks; PyTorch's unclamped gradients through a clamp;
# unpooling overlapping windows, whose backward (PyTorch's) reads a value written once at
# every index that names it
NOT_SMOOTH = ("hard", "relu6", "soft", "threshold", "gaussian_nll_loss-full", "hinge", "seam",
              "margin_ranking", "triplet", "cosine_similarity-zero", "elu", "selu", "celu",
              "max_unpool2d-overlap", "prelu-kinks")
SMOOTH = [c[:3] for c in CASES if not c[0].startswith(NOT_SMOOTH) and "seam" not in c[0]]


@pytest.mark.parametrize("name, fn, arrays", SMOOTH[::2], ids=[c[0] for c in SMOOTH[::2]])
def test_central_differences(name, fn, arrays):
    inputs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]

    def first(*xs):
        out = fn(cr, *xs)
        return out[0] if isinstance(out, tuple) else out
    assert cr.gradcheck(first, inputs)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # inf - inf and inf * 0 are the point
@pytest.mark.parametrize("name", ["elu", "selu", "celu", "hardsigmoid", "hardtanh", "relu6",
                                  "softshrink", "hardshrink", "threshold", "hardswish", "silu"])
def test_nan_and_infinities_as_torch(name):
    """NaN stays NaN; +-inf give PyTorch's values; the gradient at NaN is PyTorch's on its
    scalar path (identity pieces pass it, clipped pieces give 0; its vectorised path differs
    from itself there) and finite wherever PyTorch's is."""
    x = np.array([np.inf, -np.inf, np.nan, 0.5, -0.5])
    args = {"threshold": (0.1, 20.0)}.get(name, ())
    results = []
    for lib in (cr, torch):
        t = lib.tensor(x, requires_grad=True)
        out = getattr(lib.nn.functional, name)(t, *args)
        out.backward(lib.ones_like(out))
        results.append((out.detach().numpy(), t.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-15, atol=0)


def test_max_pool_indices_match_torch():
    x = rand(2, 3, 7, 6)
    x[0, 0, :2, :2] = 5.0   # a tie: the first maximum wins, in either library
    for kwargs in (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                   dict(kernel_size=(2, 3), stride=1, dilation=2)):
        _, ours = cr.nn.functional.max_pool2d(cr.tensor(x), return_indices=True, **kwargs)
        _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    _, ours = cr.nn.functional.adaptive_max_pool2d(cr.tensor(x), (3, 4), return_indices=True)
    _, theirs = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), (3, 4), return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == cr.int64


def test_float32_interpolation_positions_match_torch():
    x = rand(1, 1, 7, 9).astype(np.float32)
    for kwargs in (dict(scale_factor=1.3), dict(size=(11, 4)), dict(scale_factor=0.7, mode="bilinear"),
                   dict(size=(13, 5), mode="bilinear", align_corners=True)):
        ours = cr.nn.functional.interpolate(cr.tensor(x), **kwargs).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), **kwargs).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_double_backward_through_group_norm_and_conv_transpose():
    for fn, arrays in ((lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b), [rand(2, 4, 3), rand(4), rand(4)]),
                       (lambda lib, x, w: F(lib).conv_transpose2d(x, w, stride=2),
                        [rand(1, 2, 3, 3), rand(2, 1, 2, 2)])):
        results = []
        for lib in (cr, torch):
            xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
            out = fn(lib, *xs)
            (g,) = lib.autograd.grad((out * out).sum(), xs[0], create_graph=True)
            (g * g).sum().backward()
            results.append([t.grad.numpy() for t in xs])
        for ours, theirs in zip(*results):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("call, message", [
    (lambda: cr.nn.functional.glu(cr.ones(3)), "halving dimension must be even"),
    (lambda: cr.nn.functional.pad(cr.ones(1, 3), (3, 0), mode="reflect"), "padding size"),
    (lambda: cr.nn.functional.pad(cr.ones(1, 3), (1,)), "even"),
    (lambda: cr.nn.functional.pad(cr.ones(1, 3), (1, 1), mode="zeros"), "mode must be one of"),
    (lambda: cr.nn.functional.interpolate(cr.ones(1, 1, 3), size=4, mode="bilinear"), "needs 4D"),
    (lambda: cr.nn.functional.interpolate(cr.ones(1, 1, 3, 3), size=4, mode="nearest",
                                          antialias=True), "antialias"),
    (lambda: cr.nn.functional.interpolate(cr.ones(1, 1, 3), size=2, mode="linear",
                                          antialias=True), "antialias"),
    (lambda: cr.nn.functional.interpolate(cr.ones(1, 1, 3), size=4, scale_factor=2), "only one"),
    (lambda: cr.nn.functional.max_pool2d(cr.ones(1, 1, 4, 4), 2, padding=2), "at most half"),
    (lambda: cr.nn.functional.conv_transpose2d(cr.ones(1, 2, 3, 3), cr.ones(2, 1, 3, 3),
                                               output_padding=1), "output padding"),
    (lambda: cr.nn.functional.group_norm(cr.ones(2, 3, 4), 2), "divisible by num_groups"),
    (lambda: cr.nn.functional.gaussian_nll_loss(cr.ones(2, 3), cr.ones(2, 3), cr.ones(3)), "incorrect size"),
    (lambda: cr.nn.functional.gaussian_nll_loss(cr.ones(2), cr.ones(2), -cr.ones(2)), "negative"),
    (lambda: cr.nn.functional.pixel_shuffle(cr.ones(1, 3, 2, 2), 2), "divisible"),
    (lambda: cr.nn.functional.multi_margin_loss(cr.ones(2, 3), cr.tensor([0, 1]),
                                                weight=cr.ones(3, requires_grad=True)), "weight"),
    (lambda: cr.nn.functional.multi_margin_loss(cr.ones(2, 3), cr.tensor([0, 3])), "indices"),
    (lambda: cr.nn.functional.max_unpool2d(cr.ones(1, 1, 2, 2), cr.tensor([[[[0, 1], [2, 99]]]]), 2),
     "invalid max index"),
])
def test_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=message):
        call()

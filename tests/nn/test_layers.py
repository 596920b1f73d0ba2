"""Every layer against PyTorch in float64: same weights, same input; the output, the input
gradient and every parameter gradient must agree."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import assert_same_layer, randn, run_both, torch

nn, tnn = cr.nn, torch.nn

LAYERS = {
    "Linear": (lambda m: m.Linear(5, 3), [(4, 5)]),
    "Linear no bias, 3-D input": (lambda m: m.Linear(5, 3, bias=False), [(2, 4, 5)]),
    "Conv2d": (lambda m: m.Conv2d(2, 3, 3), [(2, 2, 6, 6)]),
    "Conv2d stride padding": (lambda m: m.Conv2d(2, 4, (3, 2), stride=2, padding=(1, 2)),
                              [(2, 2, 7, 6)]),
    "Conv2d dilation": (lambda m: m.Conv2d(1, 2, 3, dilation=2, padding=2), [(2, 1, 7, 7)]),
    "Conv2d groups": (lambda m: m.Conv2d(4, 6, 3, groups=2, padding=1, bias=False),
                      [(2, 4, 5, 5)]),
    "Conv2d depthwise": (lambda m: m.Conv2d(3, 3, 3, groups=3), [(1, 3, 5, 5)]),
    "Conv2d same": (lambda m: m.Conv2d(2, 2, 3, padding="same"), [(1, 2, 5, 5)]),
    "Conv2d unbatched": (lambda m: m.Conv2d(2, 2, 3), [(2, 5, 5)]),
    "MaxPool2d": (lambda m: m.MaxPool2d(2), [(2, 3, 6, 6)]),
    "MaxPool2d overlap padding": (lambda m: m.MaxPool2d(3, stride=2, padding=1), [(2, 2, 7, 7)]),
    "MaxPool2d dilation": (lambda m: m.MaxPool2d(2, stride=1, dilation=2), [(1, 2, 6, 6)]),
    "AvgPool2d": (lambda m: m.AvgPool2d(2), [(2, 3, 6, 6)]),
    "AvgPool2d padding": (lambda m: m.AvgPool2d(3, stride=2, padding=1), [(2, 2, 7, 7)]),
    "AvgPool2d exclude pad": (lambda m: m.AvgPool2d(3, stride=2, padding=1,
                                                    count_include_pad=False), [(2, 2, 7, 7)]),
    "Flatten": (lambda m: m.Flatten(), [(2, 3, 4)]),
    "BatchNorm1d": (lambda m: m.BatchNorm1d(4), [(6, 4)]),
    "BatchNorm1d 3-D": (lambda m: m.BatchNorm1d(3), [(4, 3, 5)]),
    "BatchNorm2d": (lambda m: m.BatchNorm2d(3), [(4, 3, 5, 5)]),
    "BatchNorm2d no affine": (lambda m: m.BatchNorm2d(3, affine=False), [(4, 3, 2, 2)]),
    "LayerNorm": (lambda m: m.LayerNorm(5), [(3, 5)]),
    "LayerNorm 2 dims": (lambda m: m.LayerNorm((3, 4)), [(2, 3, 4)]),
    "ReLU": (lambda m: m.ReLU(), [(3, 4)]),
    "LeakyReLU": (lambda m: m.LeakyReLU(0.2), [(3, 4)]),
    "GELU": (lambda m: m.GELU(), [(3, 4)]),
    "GELU tanh": (lambda m: m.GELU(approximate="tanh"), [(3, 4)]),
    "Sigmoid": (lambda m: m.Sigmoid(), [(3, 4)]),
    "Tanh": (lambda m: m.Tanh(), [(3, 4)]),
    "Softmax": (lambda m: m.Softmax(dim=1), [(3, 4)]),
    "LogSoftmax": (lambda m: m.LogSoftmax(dim=-1), [(2, 3, 4)]),
    "Identity": (lambda m: m.Identity(), [(3, 4)]),
    "Sequential": (lambda m: m.Sequential(m.Conv2d(1, 2, 3, padding=1), m.ReLU(),
                                          m.MaxPool2d(2), m.Flatten(), m.Linear(8, 3)),
                   [(2, 1, 4, 4)]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name):
    make, shapes = LAYERS[name]
    torch.manual_seed(0)
    arrays = [randn(*shape, seed=i) for i, shape in enumerate(shapes)]
    assert_same_layer(make(nn), make(tnn), *arrays)


def test_batchnorm_running_stats_and_eval_match_torch():
    ours, theirs = nn.BatchNorm2d(3, momentum=0.2), tnn.BatchNorm2d(3, momentum=0.2).double()
    ours.double()
    for step in range(3):
        x = randn(4, 3, 2, 2, seed=step) * (step + 1) + step
        run_both(ours, theirs, x)
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, key).detach().numpy(), getattr(theirs, key).detach().numpy(),
                                   rtol=1e-12)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 3
    ours.eval(), theirs.eval()
    (out, grads), (tout, tgrads) = run_both(ours, theirs, randn(2, 3, 2, 2, seed=9))
    np.testing.assert_allclose(out, tout, rtol=1e-10)
    np.testing.assert_allclose(grads[0], tgrads[0], rtol=1e-10)


def test_batchnorm_cumulative_average_when_momentum_is_none():
    ours, theirs = nn.BatchNorm1d(2, momentum=None).double(), tnn.BatchNorm1d(2, momentum=None)
    theirs.double()
    for step in range(3):
        run_both(ours, theirs, randn(5, 2, seed=step) + step)
    np.testing.assert_allclose(ours.running_mean.detach().numpy(), theirs.running_mean.detach().numpy(), rtol=1e-12)


def test_embedding_matches_torch_with_padding_and_repeats():
    torch.manual_seed(0)
    theirs = tnn.Embedding(6, 3, padding_idx=1).double()
    ours = nn.Embedding(6, 3, padding_idx=1)
    ours.double().load_state_dict({"weight": theirs.weight.detach().numpy()})
    index = np.array([[0, 1, 2], [2, 5, 1]])
    (out, _), (tout, _) = run_both(ours, theirs, index)
    np.testing.assert_allclose(out, tout)
    np.testing.assert_allclose(ours.weight.grad.detach().numpy(), theirs.weight.grad.detach().numpy())
    assert not ours.weight.grad.detach().numpy()[1].any()    # the padding row learns nothing
    assert not nn.Embedding(4, 2, padding_idx=0).weight.detach().numpy()[0].any()


def test_embedding_max_norm_renormalises_the_rows_looked_up_as_pytorch():
    weight = randn(6, 3, seed=7) * 2
    for norm_type in (2.0, 1.0):
        theirs = tnn.Embedding(6, 3, max_norm=1.5, norm_type=norm_type,
                               _weight=torch.tensor(weight.copy()))
        ours = nn.Embedding(6, 3, max_norm=1.5, norm_type=norm_type, _weight=cr.tensor(weight.copy()))
        index = np.array([[0, 4, 4], [2, 0, 5]])
        (out, _), (tout, _) = run_both(ours, theirs, index)
        np.testing.assert_allclose(out, tout, rtol=1e-12)
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)   # rows 0, 2, 4, 5 renormalised in place
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
        assert repr(ours) == repr(theirs)


def test_embedding_from_pretrained_as_pytorch():
    weight = randn(4, 3, seed=8)
    for freeze in (True, False):
        theirs = tnn.Embedding.from_pretrained(torch.tensor(weight), freeze=freeze, padding_idx=0)
        ours = nn.Embedding.from_pretrained(cr.tensor(weight), freeze=freeze, padding_idx=0)
        assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(cr.tensor([[3, 0]])).detach().numpy(),
                                      theirs(torch.tensor([[3, 0]])).detach().numpy())
    table = cr.tensor(weight)
    assert nn.Embedding.from_pretrained(table).weight._data is table._data   # not copied
    with pytest.raises(ValueError, match="2-D"):
        nn.Embedding.from_pretrained(cr.ones(3))
    for option in ("sparse", "scale_grad_by_freq"):
        with pytest.raises(NotImplementedError, match=f"Embedding: {option}=True"):
            nn.Embedding(4, 2, **{option: True})
    assert nn.Embedding(4, 2, device="cpu").weight.shape == (4, 2)
    assert nn.LayerNorm(4, device="cpu").weight.shape == (4,)


def test_dropout_drops_scales_and_is_identity_in_eval():
    cr.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = cr.ones(200, 50, requires_grad=True)
    out = layer(x)
    kept = out.detach().numpy() != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(out.detach().numpy()[kept], 1 / 0.75)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), out.detach().numpy())    # gradient = mask / (1 - p)
    layer.eval()
    assert layer(x) is x
    cr.manual_seed(0)
    np.testing.assert_array_equal(nn.Dropout(0.25)(cr.ones(200, 50)).detach().numpy(), out.detach().numpy())


def test_conv_has_second_derivatives_matching_torch():
    """conv is Unfold + matmul: d/dx of a gradient of a conv net agrees with PyTorch."""
    x = randn(1, 1, 5, 5)
    w = randn(2, 1, 3, 3, seed=1)
    results = []
    for lib in (cr, torch):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        F = lib.nn.functional
        out = F.max_pool2d(F.conv2d(xt, wt, padding=1).tanh(), 2).sum()
        (gx,) = lib.autograd.grad(out, xt, create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), wt)
        results.append(gw.detach().numpy() if lib is cr else gw.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9)


def test_conv_gradcheck():
    x = cr.tensor(randn(2, 2, 4, 4), requires_grad=True)
    w = cr.tensor(randn(4, 1, 2, 3, seed=1), requires_grad=True)
    b = cr.tensor(randn(4, seed=2), requires_grad=True)
    F = cr.nn.functional
    assert cr.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1, groups=2),
                        (x, w, b))


@pytest.mark.parametrize("make, shape, message", [
    (lambda: nn.Conv2d(3, 2, 3), (1, 2, 5, 5), "3 channels|expects 3"),
    (lambda: nn.Conv2d(1, 2, 5), (1, 1, 3, 3), "does not fit"),
    (lambda: nn.BatchNorm2d(3), (2, 3, 4), "4-D"),
    (lambda: nn.Linear(3, 2), (4, 5), "last dimension must be 3"),
    (lambda: nn.MaxPool2d(3, padding=2), (1, 1, 4, 4), "at most half"),
])
def test_bad_inputs_get_clear_errors(make, shape, message):
    with pytest.raises((ValueError, RuntimeError), match=message):
        make()(cr.randn(*shape))


def test_layer_errors_name_the_layer():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(IndexError, match="out of range for 4 embeddings"):
        nn.Embedding(4, 2)(cr.tensor([1, 4]))

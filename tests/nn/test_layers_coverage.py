"""Every layer of issue 12 against PyTorch's: the same parameter names and shapes; a PyTorch
state dict saved with safetensors loads and gives PyTorch's outputs and gradients (float64 to
1e-9, float32 to 1e-4); the same repr; PyTorch's default initialisation ranges."""
import math

import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch

safetensors_torch = pytest.importorskip("safetensors.torch")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def build(name, args, kwargs):
    return getattr(cr.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


# (layer name, args, kwargs, input arrays)
LAYERS = [
    ("SiLU", (), {}, [rand(3, 4)]),
    ("Mish", (), {}, [rand(3, 4)]),
    ("SELU", (), {}, [rand(3, 4)]),
    ("ELU", (0.5,), {}, [rand(3, 4)]),
    ("CELU", (1.5,), {}, [rand(3, 4)]),
    ("Hardswish", (), {}, [rand(3, 4) * 3]),
    ("Hardsigmoid", (), {}, [rand(3, 4) * 3]),
    ("Hardtanh", (-0.5, 0.7), {}, [rand(3, 4)]),
    ("ReLU6", (), {}, [rand(3, 4) * 4]),
    ("Threshold", (0.1, 20.0), {}, [rand(3, 4)]),
    ("LogSigmoid", (), {}, [rand(3, 4)]),
    ("Softsign", (), {}, [rand(3, 4)]),
    ("Tanhshrink", (), {}, [rand(3, 4)]),
    ("GLU", (), {"dim": 1}, [rand(3, 4)]),
    ("Softplus", (), {"beta": 2.0, "threshold": 1.0}, [rand(3, 4)]),
    ("Softshrink", (0.3,), {}, [rand(3, 4)]),
    ("Hardshrink", (0.3,), {}, [rand(3, 4)]),
    ("PReLU", (), {}, [rand(3, 4)]),
    ("PReLU", (3,), {"init": 0.1}, [rand(2, 3, 4)]),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "groups": 2}, [rand(2, 4, 9)]),
    ("Conv1d", (3, 2, 3), {"padding": "same", "dilation": 2, "bias": False}, [rand(2, 3, 7)]),
    ("Conv1d", (3, 2, 3), {"padding": 2, "padding_mode": "circular"}, [rand(2, 3, 7)]),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, [rand(2, 2, 5, 5)]),
    ("Conv2d", (2, 3, 3), {"padding": (2, 1), "padding_mode": "replicate"}, [rand(2, 2, 5, 5)]),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
     [rand(2, 4, 3, 4)]),
    ("ConvTranspose2d", (3, 2, (2, 3)), {"stride": (1, 2), "dilation": 2, "bias": False},
     [rand(1, 3, 4, 3)]),
    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "padding": 1}, [rand(2, 3, 5)]),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, [rand(2, 3, 8)]),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, [rand(2, 3, 8)]),
    ("MaxPool2d", (3,), {"stride": 2, "ceil_mode": True}, [rand(2, 3, 8, 7)]),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, [rand(2, 3, 8, 7)]),
    ("AdaptiveAvgPool1d", (3,), {}, [rand(2, 3, 7)]),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, [rand(2, 3, 7, 8)]),
    ("AdaptiveAvgPool2d", ((None, 2),), {}, [rand(2, 3, 7, 8)]),
    ("AdaptiveMaxPool1d", (3,), {}, [rand(2, 3, 7)]),
    ("AdaptiveMaxPool2d", ((2, 3),), {}, [rand(2, 3, 7, 8)]),
    ("GroupNorm", (2, 4), {}, [rand(3, 4, 5)]),
    ("GroupNorm", (3, 6), {"affine": False, "eps": 1e-3}, [rand(2, 6, 2, 2)]),
    ("InstanceNorm1d", (3,), {"affine": True}, [rand(2, 3, 6)]),
    ("InstanceNorm2d", (3,), {}, [rand(2, 3, 4, 5)]),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, [rand(2, 3, 4, 5)]),
    ("BatchNorm1d", (3,), {}, [rand(4, 3)]),
    ("BatchNorm3d", (2,), {}, [rand(2, 2, 3, 2, 2)]),
    ("InstanceNorm3d", (2,), {"affine": True, "track_running_stats": True},
     [rand(2, 2, 3, 2, 2)]),
    ("AdaptiveAvgPool3d", ((2, 1, 3),), {}, [rand(1, 2, 5, 3, 4)]),
    ("ZeroPad3d", ((1, 0, 0, 2, 1, 1),), {}, [rand(1, 2, 2, 3)]),
    ("ConstantPad3d", (1, 0.5), {}, [rand(1, 2, 2, 2)]),
    ("ReflectionPad3d", (1,), {}, [rand(1, 1, 2, 3, 3)]),
    ("ReplicationPad3d", ((2, 0, 1, 1, 0, 1),), {}, [rand(1, 1, 2, 3, 3)]),
    ("CircularPad3d", ((1, 2, 0, 1, 1, 0),), {}, [rand(1, 1, 2, 3, 3)]),
    ("BatchNorm2d", (3,), {}, [rand(2, 3, 4, 4)]),
    ("Unflatten", (1, (2, 3)), {}, [rand(4, 6)]),
    ("Identity", (), {}, [rand(4, 6)]),
    ("Upsample", (), {"scale_factor": 2, "mode": "nearest"}, [rand(1, 2, 3, 4)]),
    ("Upsample", (), {"size": (5, 7), "mode": "bilinear", "align_corners": True}, [rand(1, 2, 3, 4)]),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bilinear"}, [rand(1, 2, 3, 4)]),
    ("Upsample", (), {"size": (6, 5), "mode": "bicubic"}, [rand(1, 2, 3, 4)]),
    ("UpsamplingNearest2d", (), {"scale_factor": 3}, [rand(1, 2, 3, 4)]),
    ("UpsamplingBilinear2d", (), {"size": (4, 6)}, [rand(1, 2, 3, 4)]),
    ("PixelShuffle", (2,), {}, [rand(2, 8, 3, 2)]),
    ("PixelUnshuffle", (2,), {}, [rand(2, 2, 4, 6)]),
    ("ZeroPad2d", ((1, 2, 0, 3),), {}, [rand(1, 2, 3, 4)]),
    ("ZeroPad1d", (2,), {}, [rand(2, 3, 4)]),
    ("ConstantPad1d", ((1, 2), 3.5), {}, [rand(2, 3, 4)]),
    ("ConstantPad2d", (1, -1.0), {}, [rand(1, 2, 3, 4)]),
    ("ReflectionPad1d", ((2, 1),), {}, [rand(2, 3, 4)]),
    ("ReflectionPad2d", (2,), {}, [rand(1, 2, 3, 4)]),
    ("ReplicationPad1d", ((2, 1),), {}, [rand(2, 3, 4)]),
    ("ReplicationPad2d", ((1, 2, 3, 0),), {}, [rand(1, 2, 3, 4)]),
    ("CircularPad1d", ((2, 1),), {}, [rand(2, 3, 4)]),
    ("CircularPad2d", (1,), {}, [rand(1, 2, 3, 4)]),
    ("CosineSimilarity", (), {"dim": 1}, [rand(3, 4), rand(3, 4, seed=1)]),
    ("PairwiseDistance", (), {"p": 1.0}, [rand(3, 4), rand(3, 4, seed=1)]),
    ("LocalResponseNorm", (3,), {"alpha": 0.5, "k": 2.0}, [rand(2, 5, 3, 2)]),
    ("LocalResponseNorm", (2,), {"beta": 0.5}, [rand(2, 4, 3)]),
    ("LocalResponseNorm", (4,), {}, [rand(1, 3, 2, 2, 2)]),
    ("RMSNorm", (4,), {}, [rand(3, 4)]),
    ("RMSNorm", ((2, 3),), {"eps": 1e-3}, [rand(4, 2, 3)]),
    ("RMSNorm", (3,), {"elementwise_affine": False}, [rand(2, 3)]),
    ("Softmin", (), {"dim": 1}, [rand(3, 4)]),
    ("Softmax2d", (), {}, [rand(2, 3, 2, 2)]),
    ("Unfold", ((2, 3),), {"padding": 1, "stride": 2}, [rand(2, 3, 5, 6)]),
    ("Fold", ((4, 5), 2), {}, [rand(2, 12, 12)]),
    ("ChannelShuffle", (3,), {}, [rand(2, 6, 2, 2)]),
    ("Dropout1d", (0.3,), {}, [rand(2, 3, 4)]),   # eval mode below: the identity
    ("Dropout2d", (0.3,), {}, [rand(2, 3, 4, 4)]),
    ("Bilinear", (2, 3, 4), {}, [rand(5, 2), rand(5, 3, seed=1)]),
    ("Bilinear", (3, 2, 1), {"bias": False}, [rand(2, 4, 3), rand(2, 4, 2, seed=1)]),
    ("MultiMarginLoss", (), {}, [rand(5, 4), np.array([0, 3, 1, 1, 2])]),
    ("MultiMarginLoss", (), {"p": 2, "margin": 0.5, "reduction": "none"},
     [rand(5, 4), np.array([0, 3, 1, 1, 2])]),
    ("TripletMarginWithDistanceLoss", (), {"margin": 2.0, "swap": True},
     [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)]),
    ("SoftMarginLoss", (), {}, [rand(3, 4), np.sign(rand(3, 4, seed=1))]),
    ("SmoothL1Loss", (), {"beta": 0.5}, [rand(3, 4), rand(3, 4, seed=1)]),
    ("KLDivLoss", (), {"reduction": "batchmean", "log_target": True}, [rand(3, 4), rand(3, 4, seed=1)]),
    ("PoissonNLLLoss", (), {}, [rand(3, 4), np.abs(rand(3, 4, seed=1))]),
    ("GaussianNLLLoss", (), {}, [rand(3, 4), rand(3, 4, seed=1), np.abs(rand(3, 4, seed=2))]),
    ("MarginRankingLoss", (), {"margin": 0.1}, [rand(5), rand(5, seed=1), np.sign(rand(5, seed=2))]),
    ("HingeEmbeddingLoss", (), {"margin": 0.5}, [rand(5), np.sign(rand(5, seed=2))]),
    ("TripletMarginLoss", (), {"margin": 2.0}, [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)]),
    ("CosineEmbeddingLoss", (), {"margin": 0.2}, [rand(3, 4), rand(3, 4, seed=1), np.sign(rand(3, seed=2))]),
    ("MultiLabelSoftMarginLoss", (), {}, [rand(3, 4), (rand(3, 4, seed=1) > 0).astype(float)]),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(LAYERS)]
NO_GRAD = {"MarginRankingLoss": [2], "HingeEmbeddingLoss": [1], "CosineEmbeddingLoss": [2],
           "SoftMarginLoss": [1], "MultiMarginLoss": [1]}


def through_safetensors(theirs, path):
    """PyTorch's state dict written by safetensors, read back by chainrule."""
    state = {k: v.contiguous() for k, v in theirs.state_dict().items()}
    if not state:
        return {}
    safetensors_torch.save_file(state, str(path))
    return cr.load(str(path))


def run(lib, module, arrays, dtype, no_grad):
    inputs = [lib.tensor(a, dtype=dtype if a.dtype.kind == "f" else None,
                         requires_grad=i not in no_grad) for i, a in enumerate(arrays)]
    out = module(*inputs)
    weight = np.random.default_rng(5).standard_normal(tuple(out.shape))
    (out * lib.tensor(weight, dtype=dtype)).sum().backward()
    grads = [t.grad.numpy() for t in inputs if t.grad is not None]
    params = {n: p.grad.numpy() for n, p in module.named_parameters() if p.grad is not None}
    return out.detach().numpy(), grads, params


@pytest.mark.parametrize("name, args, kwargs, arrays", LAYERS, ids=IDS)
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_torch_state_dict_gives_torch_outputs(name, args, kwargs, arrays, precision, tmp_path):
    ours, theirs = build(name, args, kwargs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(1)
    with torch.no_grad():   # weights away from PyTorch's defaults (norms start at 1 and 0)
        for p in theirs.parameters():
            p.add_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.1, dtype=p.dtype))
    if precision == "float64":
        theirs.double()
        ours.double()
    ours.load_state_dict(through_safetensors(theirs, tmp_path / "layer.safetensors"))
    if name.startswith("Dropout"):   # random masks cannot agree; test_feature_dropout checks them
        ours.eval()
        theirs.eval()
    lib_dtypes = (getattr(cr, precision), getattr(torch, precision))
    no_grad = NO_GRAD.get(name, [])
    out, grads, params = run(cr, ours, arrays, lib_dtypes[0], no_grad)
    tout, tgrads, tparams = run(torch, theirs, arrays, lib_dtypes[1], no_grad)
    tol = dict(rtol=1e-9, atol=1e-10) if precision == "float64" else dict(rtol=1e-4, atol=1e-5)
    assert out.dtype == tout.dtype
    np.testing.assert_allclose(out, tout, **tol)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, **tol)
    assert params.keys() == tparams.keys()
    for key in params:
        np.testing.assert_allclose(params[key], tparams[key], err_msg=key, **tol)
    for key, buffer in theirs.state_dict().items():   # running statistics updated alike
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), buffer.numpy(), err_msg=key,
                                   **tol)


@pytest.mark.parametrize("name, args, kwargs, arrays", LAYERS, ids=IDS)
def test_repr_matches_torch(name, args, kwargs, arrays):
    ours, theirs = build(name, args, kwargs)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name, args", [
    ("Conv1d", (16, 32, 5)), ("ConvTranspose2d", (16, 8, 3)), ("ConvTranspose1d", (6, 32, 5)),
    ("Conv2d", (8, 16, 3)), ("Linear", (64, 32))])
def test_default_initialisation_ranges_match_torch(name, args):
    """kaiming_uniform_(a=sqrt(5)): U(-b, b), b = 1/sqrt(fan_in), fan_in = weight dim 1 x
    kernel; the bias from the same range."""
    ours, theirs = build(name, args, {})
    fan_in = theirs.weight.shape[1] * math.prod(theirs.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    for p in (ours.weight, ours.bias):
        assert np.abs(p.detach().numpy()).max() <= bound
    assert np.abs(ours.weight.detach().numpy()).max() > 0.9 * bound   # the whole range
    assert tuple(ours.bias.shape) == tuple(theirs.bias.shape)


def test_instance_norm_eval_uses_running_statistics_as_torch():
    ours, theirs = build("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True})
    x = rand(2, 3, 4, 5)
    for _ in range(2):
        ours(cr.tensor(x, dtype=cr.float32))
        theirs(torch.tensor(x, dtype=torch.float32))
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(cr.tensor(x, dtype=cr.float32)).detach().numpy(),
                               theirs(torch.tensor(x, dtype=torch.float32)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_conv_transpose_output_size_argument():
    ours, theirs = build("ConvTranspose2d", (2, 3, 3), {"stride": 2})
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand(1, 2, 4, 4).astype(np.float32)
    out = ours(cr.tensor(x), output_size=(10, 10))
    tout = theirs(torch.tensor(x), output_size=(10, 10))
    assert tuple(out.shape) == tuple(tout.shape) == (1, 3, 10, 10)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="output size"):
        ours(cr.tensor(x), output_size=(12, 12))


def test_max_unpool_layers_round_trip_as_torch():
    x = rand(2, 3, 6, 4)
    results = []
    for lib in (cr, torch):
        pool = lib.nn.MaxPool2d(2, return_indices=True)
        unpool = lib.nn.MaxUnpool2d(2)
        out, index = pool(lib.tensor(x))
        results.append(unpool(out, index, output_size=(6, 4)).detach().numpy())
    np.testing.assert_array_equal(*results)
    assert repr(cr.nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))


def test_parameter_list_and_dict_register_like_torch():
    for lib in (cr, torch):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.scales = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.zeros(3)])
                self.table = lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(1))})
                self.table["b"] = lib.nn.Parameter(lib.zeros(2, 2))
        net = Net()
        names = [(n, tuple(p.shape)) for n, p in net.named_parameters()]
        assert names == [("scales.0", (2,)), ("scales.1", (3,)), ("table.a", (1,)),
                         ("table.b", (2, 2))]
        assert isinstance(net.scales[1], lib.nn.Parameter) and net.scales[1].requires_grad
        assert len(net.scales) == 2 and "a" in net.table and list(net.table) == ["a", "b"]
    net.scales.append(lib.ones(4))   # extending after construction registers too
    assert "scales.2" in dict(net.named_parameters())


@pytest.mark.parametrize("name, shape", [("Dropout1d", (50, 40, 3)),
                                         ("Dropout2d", (50, 40, 2, 3)),
                                         ("Dropout3d", (50, 40, 2, 2, 2))])
def test_feature_dropout_drops_whole_channels(name, shape):
    x = cr.ones(*shape, requires_grad=True)
    out = getattr(cr.nn, name)(0.25)(x)
    per_channel = out.detach().numpy().reshape(shape[0], shape[1], -1)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))   # whole channels
    kept = per_channel[:, :, 0]
    assert set(np.unique(kept)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((kept == 0).mean() - 0.25) < 0.05   # 2,000 draws
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())   # the same mask
    with pytest.raises(ValueError, match="dims"):
        getattr(cr.nn, name)(0.5)(cr.ones(*shape[:len(shape) - 2]))

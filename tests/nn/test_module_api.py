"""Issue 12 item 4: the Module API, nn.utils and nn.init, each checked against PyTorch."""
import math

import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch


def model(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = lib.nn.Conv1d(2, 4, 3)
            self.norm = lib.nn.GroupNorm(2, 4)
            self.bn = lib.nn.BatchNorm1d(4)

        def forward(self, x):
            return self.bn(self.norm(self.conv(x)))

        def extra_repr(self):
            return "custom=1"

    shared = lib.nn.Linear(4, 4)
    return lib.nn.Sequential(Block(), lib.nn.Flatten(), lib.nn.Unflatten(1, (4, 5)),
                             lib.nn.ModuleDict({"a": shared, "b": shared}))


def test_walks_match_torch():
    ours, theirs = model(cr), model(torch)
    for method, kwargs in (("named_modules", {}), ("named_modules", {"remove_duplicate": False}),
                           ("named_modules", {"prefix": "net"}), ("named_buffers", {}),
                           ("named_buffers", {"prefix": "m", "recurse": False}),
                           ("named_parameters", {}), ("named_children", {})):
        assert [n for n, _ in getattr(ours, method)(**kwargs)] == \
            [n for n, _ in getattr(theirs, method)(**kwargs)], (method, kwargs)
    assert type(ours.get_submodule("0.norm")).__name__ == "GroupNorm"
    assert ours.get_parameter("0.conv.bias") is ours[0].conv.bias
    assert ours.get_buffer("0.bn.running_var") is ours[0].bn.running_var
    for lib_model in (ours, theirs):
        with pytest.raises(AttributeError):
            lib_model.get_submodule("0.missing")
    assert repr(ours) == repr(theirs)


def test_apply_visits_children_first_like_torch():
    orders = []
    for lib in (cr, torch):
        seen = []
        model(lib).apply(lambda m: seen.append(type(m).__name__))
        orders.append(seen)
    assert orders[0] == orders[1]


def test_apply_initialises_like_a_torch_init_function():
    ours = model(cr)

    def init(m):
        if isinstance(m, cr.nn.Linear):
            cr.nn.init.constant_(m.weight, 0.5)
    ours.apply(init)
    assert float(ours[3]["a"].weight.sum()) == 8.0


def test_requires_grad_and_dtype_conversions():
    for lib in (cr, torch):
        m = model(lib)
        m.requires_grad_(False)
        assert not any(p.requires_grad for p in m.parameters())
        m.requires_grad_()
        assert all(p.requires_grad for p in m.parameters())
        assert {str(p.dtype).split(".")[-1] for p in m.double().parameters()} == {"float64"}
        assert {str(p.dtype).split(".")[-1] for p in m.half().parameters()} == {"float16"}
        assert {str(p.dtype).split(".")[-1] for p in m.float().parameters()} == {"float32"}
        # integer buffers keep their dtype
        assert str(m[0].bn.num_batches_tracked.dtype).split(".")[-1] == "int64"


def test_clip_grad_value_and_parameter_vectors_match_torch():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 2)) * 3, rng.standard_normal(4) * 3]
    results = []
    for lib in (cr, torch):
        params = [lib.nn.Parameter(lib.zeros(*g.shape, dtype=lib.float64)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        lib.nn.utils.clip_grad_value_(params, 1.5)
        vec = lib.nn.utils.parameters_to_vector(params)
        (vec * lib.arange(10, dtype=lib.float64)).sum().backward()   # gradients flow back
        lib.nn.utils.vector_to_parameters(lib.arange(10, dtype=lib.float64), params)
        results.append([p.grad.numpy() for p in params] + [p.detach().numpy() for p in params])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(ValueError, match="10 values"):
        cr.nn.utils.vector_to_parameters(cr.zeros(3), [cr.nn.Parameter(cr.zeros(10))])


def test_trunc_normal_is_the_truncated_normal():
    w = cr.nn.init.trunc_normal_(cr.empty(200000, dtype=cr.float64), mean=1.0, std=2.0,
                                 a=-1.0, b=2.0, generator=cr.Generator().manual_seed(0))
    values = w.numpy()
    assert values.min() >= -1.0 and values.max() <= 2.0
    t = torch.nn.init.trunc_normal_(torch.empty(200000, dtype=torch.float64), mean=1.0,
                                    std=2.0, a=-1.0, b=2.0).numpy()
    assert abs(values.mean() - t.mean()) < 0.01 and abs(values.std() - t.std()) < 0.01
    # the exact moments of N(1, 4) truncated to [-1, 2]
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    lo, hi = -1.0, 0.5
    mean = 1.0 + 2.0 * (pdf(lo) - pdf(hi)) / (cdf(hi) - cdf(lo))
    assert values.mean() == pytest.approx(mean, abs=0.01)


def test_orthogonal_eye_dirac_sparse_match_torch():
    for shape in ((3, 5), (5, 3), (4, 2, 3)):
        w = cr.nn.init.orthogonal_(cr.empty(*shape, dtype=cr.float64), gain=2.0).numpy()
        flat = w.reshape(shape[0], -1)
        small = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-12)
    np.testing.assert_array_equal(cr.nn.init.eye_(cr.empty(3, 5)).numpy(),
                                  torch.nn.init.eye_(torch.empty(3, 5)).numpy())
    for shape, groups in (((4, 2, 3), 1), ((6, 2, 3, 3), 2), ((4, 4, 3, 2, 5), 2)):
        np.testing.assert_array_equal(cr.nn.init.dirac_(cr.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    w = cr.nn.init.sparse_(cr.empty(10, 6), 0.25).numpy()
    assert ((w == 0).sum(axis=0) == 3).all()   # ceil(0.25 * 10) zeros in every column
    for call, message in ((lambda: cr.nn.init.eye_(cr.empty(2, 2, 2)), "2 dimensional"),
                          (lambda: cr.nn.init.dirac_(cr.empty(3, 2, 3), 2), "divisible"),
                          (lambda: cr.nn.init.orthogonal_(cr.empty(3)), "2 or more"),
                          (lambda: cr.nn.init.sparse_(cr.empty(3, 2, 2), 0.1), "2 dimensions")):
        with pytest.raises(ValueError, match=message):
            call()

"""F.embedding_bag and nn.EmbeddingBag against PyTorch: every mode ('sum', 'mean', 'max'),
bags from a 2-D input or from offsets (with include_last_offset, empty bags, an empty
input), padding_idx, per_sample_weights, repeated indices and ties; values and the
gradients of the weight and of the per-sample weights; the layer's state dict, init,
repr and from_pretrained; the errors PyTorch raises, and the refused options."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

WEIGHT = np.random.default_rng(0).standard_normal((10, 3))
BAGS = {
    "offsets": ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4], {}),
    "last offset": ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4, 8], {"include_last_offset": True}),
    "2-D": ([[1, 2, 4], [5, 4, 3], [2, 9, 9]], None, {}),
    "padding": ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 5], {"padding_idx": 4}),
    "only padding": ([4, 4, 1], [0, 2], {"padding_idx": -6}),
    "empty input": ([], [0, 0], {}),
    "repeats and ties": ([1, 1, 2, 1], [0, 2], {}),
}
CASES = [(name, mode, weighted) for name in BAGS for mode in ("sum", "mean", "max")
         for weighted in ((False, True) if mode == "sum" else (False,))]


def run(lib, name, mode, weighted):
    indices, offsets, kwargs = BAGS[name]
    weight = lib.tensor(WEIGHT, requires_grad=True)
    shape = np.array(indices).shape
    per_sample = lib.tensor(np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape),
                            requires_grad=True) if weighted else None
    out = lib.nn.functional.embedding_bag(
        lib.tensor(indices, dtype=lib.int64), weight,
        None if offsets is None else lib.tensor(offsets, dtype=lib.int64), mode=mode,
        per_sample_weights=per_sample, **kwargs)
    upstream = np.arange(int(np.prod(tuple(out.shape)))).reshape(tuple(out.shape)) * 0.1 + 1
    (out * lib.tensor(upstream)).sum().backward()
    return [out.detach().numpy(), weight.grad.numpy()] + \
        ([per_sample.grad.numpy()] if weighted else [])


@pytest.mark.parametrize("name, mode, weighted", CASES)
def test_embedding_bag_matches_pytorch(name, mode, weighted):
    for ours, theirs in zip(run(cr, name, mode, weighted), run(torch, name, mode, weighted)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_gradient_matches_central_differences():
    weight = cr.tensor(WEIGHT[:5], requires_grad=True)
    per_sample = cr.tensor([0.5, 1.5, 2.0, -1.0], dtype=cr.float64, requires_grad=True)
    index, offsets = cr.tensor([0, 3, 3, 1]), cr.tensor([0, 1])
    F = cr.nn.functional
    assert cr.gradcheck(lambda w, p: F.embedding_bag(index, w, offsets, mode="sum",
                                                     per_sample_weights=p), (weight, per_sample))
    assert cr.gradcheck(lambda w: F.embedding_bag(index, w, offsets, mode="max"), (weight,))


@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum", "padding_idx": 0},
                                    {"mode": "max", "include_last_offset": True}])
def test_layer_loads_a_pytorch_state_dict_and_matches(kwargs):
    theirs = torch.nn.EmbeddingBag(12, 4, **kwargs).double()
    ours = cr.nn.EmbeddingBag(12, 4, **kwargs)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.double()
    index, offsets = [3, 0, 7, 7, 11, 2], [0, 2, 5, 6]
    if not kwargs.get("include_last_offset"):
        offsets = offsets[:-1]
    out = ours(cr.tensor(index), cr.tensor(offsets))
    tout = theirs(torch.tensor(index), torch.tensor(offsets))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


def test_layer_init_and_from_pretrained_as_pytorch():
    layer = cr.nn.EmbeddingBag(1000, 8, padding_idx=3)
    values = layer.weight.detach().numpy()
    assert not values[3].any() and abs(values.std() - 1) < 0.05
    table = cr.tensor(WEIGHT)
    frozen = cr.nn.EmbeddingBag.from_pretrained(table, mode="max")
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(WEIGHT), mode="max")
    assert repr(frozen) == repr(theirs) and not frozen.weight.requires_grad
    np.testing.assert_allclose(frozen(cr.tensor([[1, 2], [3, 3]])).numpy(),
                               theirs(torch.tensor([[1, 2], [3, 3]])).numpy())


@pytest.mark.parametrize("call", [
    lambda F, lib: F.embedding_bag(lib.tensor([[1, 2]]), lib.ones(5, 2), lib.tensor([0])),
    lambda F, lib: F.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([1])),
    lambda F, lib: F.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([0]),
                                   mode="mean", per_sample_weights=lib.ones(2)),
    lambda F, lib: F.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([0]),
                                   mode="sum", per_sample_weights=lib.ones(3)),
])
def test_errors_where_pytorch_raises(call):
    with pytest.raises((ValueError, RuntimeError)):
        call(torch.nn.functional, torch)
    with pytest.raises(ValueError, match="embedding_bag"):
        call(cr.nn.functional, cr)


@pytest.mark.parametrize("option", [{"max_norm": 1.0}, {"scale_grad_by_freq": True},
                                    {"sparse": True}])
def test_options_chainrule_lacks_are_refused_by_name(option):
    name = next(iter(option))
    with pytest.raises(NotImplementedError, match=name):
        cr.nn.EmbeddingBag(5, 2, **option)
    with pytest.raises(NotImplementedError, match=name):
        cr.nn.functional.embedding_bag(cr.tensor([1]), cr.ones(5, 2), cr.tensor([0]), **option)

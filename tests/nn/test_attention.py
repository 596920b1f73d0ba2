"""Attention: ``F.scaled_dot_product_attention`` beyond the gate table (which checks its
gradients, second derivatives and PyTorch's values: tests/gate_table.py), and
``nn.MultiheadAttention`` against PyTorch with PyTorch's state_dict: outputs, weights, input
gradients and every parameter gradient, float64 to 1e-9 and float32 to 1e-4."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import copy_weights, numpy_of, randn, torch

F = cr.nn.functional


def sdpa_both(arrays, dtype=np.float64, **options):
    """The function in both libraries; outputs and the inputs' gradients."""
    results = []
    for lib in (cr, torch):
        xs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
        out = lib.nn.functional.scaled_dot_product_attention(*xs, **kw)
        (out * lib.tensor(randn(*out.shape, seed=7).astype(dtype))).sum().backward()
        results.append([numpy_of(out)] + [numpy_of(x.grad) for x in xs])
    return results


def test_a_query_that_may_attend_to_nothing_gives_zeros_and_no_gradient():
    mask = np.ones((3, 4), bool)
    mask[1] = False
    ours, theirs = sdpa_both([randn(2, 3, 5), randn(2, 4, 5, seed=1), randn(2, 4, 2, seed=2)],
                             attn_mask=mask)
    assert np.all(ours[0][:, 1] == 0) and np.all(ours[1][:, 1] == 0)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("options", [{}, {"is_causal": True}, {"scale": 0.3}],
                         ids=["plain", "causal", "scale"])
def test_float32_matches_torch(options):
    ours, theirs = sdpa_both([randn(2, 2, 5, 8), randn(2, 2, 7, 8, seed=1),
                              randn(2, 2, 7, 3, seed=2)], np.float32, **options)
    assert ours[0].dtype == np.float32
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_a_float32_mask_is_accepted_beside_float64_inputs_as_in_torch():
    mask = randn(3, 4, seed=5).astype(np.float32)
    ours, theirs = sdpa_both([randn(2, 3, 5), randn(2, 4, 5, seed=1), randn(2, 4, 2, seed=2)],
                             attn_mask=mask)
    assert ours[0].dtype == np.float64
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_dropout_drops_weights_and_scales_the_rest():
    """With value = identity the output is the weights themselves: each one is either
    dropped (0) or the softmax's weight scaled by 1 / (1 - p)."""
    q, k = cr.tensor(randn(1, 6, 4)), cr.tensor(randn(1, 8, 4, seed=1))
    eye = cr.eye(8).reshape(1, 8, 8).double()
    weights = F.scaled_dot_product_attention(q, k, eye).numpy()
    cr.manual_seed(0)
    dropped = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.5).numpy()
    kept = dropped != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(dropped[kept], 2 * weights[kept], rtol=1e-12)
    assert np.all(F.scaled_dot_product_attention(q, k, eye, dropout_p=1.0).numpy() == 0)


def test_dropout_gradient_uses_the_same_mask():
    """d out / d value is the dropped weights transposed: the mask forward drew."""
    q, k = cr.tensor(randn(1, 6, 4)), cr.tensor(randn(1, 8, 4, seed=1))
    v = cr.eye(8).reshape(1, 8, 8).double().requires_grad_()
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
    g = randn(1, 6, 8, seed=3)
    (out * cr.tensor(g)).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), np.swapaxes(out.detach().numpy(), 1, 2) @ g,
                               rtol=1e-12)


def test_one_gate_with_a_printable_formula():
    q = cr.tensor(randn(1, 2, 4), requires_grad=True, name="q")
    out = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    assert type(out.grad_fn).__name__ == "ScaledDotProductAttention"
    assert type(out.grad_fn.next_functions[0][0]).__name__ != "Softmax"
    text = str(cr.explain(out.sum()))
    assert "safe_softmax(q @ q.mT * 0.5 + causal_mask, -1)" in text


def test_errors_name_the_function_and_the_shapes():
    q, k, v = cr.zeros(2, 3, 4), cr.zeros(2, 5, 4), cr.zeros(2, 5, 6)
    with pytest.raises(ValueError, match="attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.ones(3, 5).bool(), is_causal=True)
    with pytest.raises(ValueError, match=r"query \(\.\.\., L, E\) \(2, 3, 4\), key .* \(2, 5, 3\)"):
        F.scaled_dot_product_attention(q, cr.zeros(2, 5, 3), v)
    with pytest.raises(TypeError, match="attn_mask must be boolean, float32 or of the query's"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.zeros(3, 5, dtype=cr.int64))
    with pytest.raises(ValueError, match="dropout_p must be between 0 and 1"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(ValueError, match="enable_gqa needs the query's 3 heads"):
        F.scaled_dot_product_attention(cr.zeros(1, 3, 2, 4), cr.zeros(1, 2, 5, 4),
                                       cr.zeros(1, 2, 5, 4), enable_gqa=True)


# ----- MultiheadAttention ------------------------------------------------------------------
MASK = np.zeros((4, 6), bool)
MASK[:, 5] = True
MASK[2, :3] = True
PADDING = np.zeros((3, 6), bool)
PADDING[1, 4:] = True
SHAPES = [(4, 3, 8), (6, 3, 8), (6, 3, 8)]

MHA = {
    "self weights": (dict(embed_dim=8, num_heads=2), SHAPES, {}),
    "batch_first no weights": (dict(embed_dim=8, num_heads=2, batch_first=True),
                               [(3, 4, 8), (3, 6, 8), (3, 6, 8)], dict(need_weights=False)),
    "kdim vdim padding per-head weights": (
        dict(embed_dim=8, num_heads=2, kdim=5, vdim=3), [(4, 3, 8), (6, 3, 5), (6, 3, 3)],
        dict(key_padding_mask=PADDING, average_attn_weights=False)),
    "no bias float per-head mask": (dict(embed_dim=8, num_heads=4, bias=False), SHAPES,
                                    dict(attn_mask=randn(12, 4, 6), need_weights=False)),
    "bias_kv zero_attn masks": (dict(embed_dim=8, num_heads=2, add_bias_kv=True,
                                     add_zero_attn=True), SHAPES,
                                dict(attn_mask=MASK, key_padding_mask=PADDING)),
    "bias_kv zero_attn masks fused": (dict(embed_dim=8, num_heads=2, add_bias_kv=True,
                                           add_zero_attn=True), SHAPES,
                                      dict(attn_mask=MASK, key_padding_mask=PADDING,
                                           need_weights=False)),
    "unbatched padding": (dict(embed_dim=8, num_heads=2), [(4, 8), (6, 8), (6, 8)],
                          dict(key_padding_mask=PADDING[1])),
    "causal hint": (dict(embed_dim=8, num_heads=2), [(4, 3, 8)] * 3,
                    dict(attn_mask=np.triu(np.full((4, 4), -np.inf), 1), is_causal=True,
                         need_weights=False)),
}


def run_mha(lib, module, shapes, options, dtype):
    xs = [lib.tensor(randn(*s, seed=i).astype(dtype), requires_grad=True)
          for i, s in enumerate(shapes)]
    kw = {k: lib.tensor(v.astype(dtype) if v.dtype.kind == "f" else v)
          if isinstance(v, np.ndarray) else v for k, v in options.items()}
    out, weights = module(*xs, **kw)
    total = (out * lib.tensor(randn(*out.shape, seed=9).astype(dtype))).sum()
    if weights is not None:
        total = total + (weights * lib.tensor(randn(*weights.shape, seed=8).astype(dtype))).sum()
    total.backward()
    return ([numpy_of(out)] + ([] if weights is None else [numpy_of(weights)])
            + [numpy_of(x.grad) for x in xs]
            + [numpy_of(p.grad) for _, p in module.named_parameters()])


@pytest.mark.parametrize("name", sorted(MHA))
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, dict(rtol=1e-9, atol=1e-11)),
                                              (np.float32, dict(rtol=1e-4, atol=1e-5))],
                         ids=["float64", "float32"])
def test_multihead_attention_matches_torch(name, dtype, tolerance):
    kwargs, shapes, options = MHA[name]
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(**kwargs).to(getattr(torch, np.dtype(dtype).name))
    ours = cr.nn.MultiheadAttention(**kwargs)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    copy_weights(ours, theirs)
    ours.to(getattr(cr, np.dtype(dtype).name))
    for a, b in zip(run_mha(cr, ours, shapes, options, dtype),
                    run_mha(torch, theirs, shapes, options, dtype)):
        np.testing.assert_allclose(a, b, **tolerance)


def test_multihead_attention_dropout_only_in_training():
    mha = cr.nn.MultiheadAttention(8, 2, dropout=0.5).double()
    x = cr.tensor(randn(4, 3, 8))
    mha.eval()
    np.testing.assert_array_equal(mha(x, x, x)[0].detach().numpy(),
                                  mha(x, x, x)[0].detach().numpy())
    mha.train()
    assert not np.allclose(mha(x, x, x)[0].detach().numpy(), mha(x, x, x)[0].detach().numpy())


def test_torch_state_dict_saved_as_safetensors_loads(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    theirs = torch.nn.MultiheadAttention(8, 2, kdim=5, vdim=3)
    path = tmp_path / "mha.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours = cr.nn.MultiheadAttention(8, 2, kdim=5, vdim=3)
    ours.load_state_dict(cr.load(path))
    arrays = [randn(4, 2, 8).astype(np.float32), randn(6, 2, 5, seed=1).astype(np.float32),
              randn(6, 2, 3, seed=2).astype(np.float32)]
    out, weights = ours(*[cr.tensor(a) for a in arrays])
    tout, tweights = theirs(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(weights.detach().numpy(), tweights.detach().numpy(), rtol=1e-4,
                               atol=1e-6)


def test_init_is_torch_s():
    mha = cr.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    w = mha.in_proj_weight.detach().numpy()                    # Xavier uniform on (48, 16)
    bound = np.sqrt(6 / (48 + 16))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(mha.in_proj_bias.detach().numpy() == 0)
    assert np.all(mha.out_proj.bias.detach().numpy() == 0)
    assert mha.bias_k.shape == (1, 1, 16) and np.any(mha.bias_k.detach().numpy() != 0)


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="embed_dim 10 must be divisible by num_heads 4"):
        cr.nn.MultiheadAttention(10, 4)
    mha = cr.nn.MultiheadAttention(8, 2)
    x = cr.zeros(4, 3, 8)
    with pytest.raises(RuntimeError, match="is_causal=True is a hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\); expected \(L, S\)"):
        mha(x, x, x, attn_mask=cr.zeros(3, 3))
    with pytest.raises(ValueError, match=r"key of shape \(4, 3, 6\) .* must end in 8"):
        mha(x, cr.zeros(4, 3, 6), x)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pytorch_opinfo_samples_match(dtype):
    """PyTorch's own OpInfo samples of scaled_dot_product_attention (3-D and 4-D, a 3-D
    query against 4-D keys, causal, a float mask) through both libraries; the samples with
    dropout_p > 0 draw random masks, so only their shapes are compared. The samples' values
    reach 9, so softmax saturates; in float32 each result is judged against PyTorch's float64
    one: chainrule's error may be at most twice PyTorch's float32 error."""
    opinfo = pytest.importorskip("torch.testing._internal.common_methods_invocations")
    (op,) = [o for o in opinfo.op_db if o.name == "nn.functional.scaled_dot_product_attention"]
    compared = 0
    for sample in op.sample_inputs("cpu", getattr(torch, dtype), requires_grad=True):
        arrays = [t.detach().numpy() for t in (sample.input, *sample.args)]
        options = {k: v.detach().numpy() if isinstance(v, torch.Tensor) else v
                   for k, v in sample.kwargs.items()}
        ours, theirs = sdpa_both(arrays, np.dtype(dtype), **options)
        if options.get("dropout_p", 0) > 0:
            assert [a.shape for a in ours] == [b.shape for b in theirs]
            continue
        if dtype == "float64":
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        else:
            _, exact = sdpa_both(arrays, np.float64, **options)
            for a, b, ref in zip(ours, theirs, exact):
                assert np.abs(a - ref).max() <= 2 * np.abs(b - ref).max() + 1e-6 * np.abs(ref).max()
        compared += 1
    assert compared >= 10

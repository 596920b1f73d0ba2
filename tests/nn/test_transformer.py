"""The Transformer layers against PyTorch: PyTorch's state_dict copied across (names as
PyTorch's), then outputs, input gradients and every parameter gradient compared in float64
(1e-9) and float32 (1e-4), with every kind of mask; dropout 0 so both compute the same."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import copy_weights, numpy_of, randn, torch

# PyTorch's own notes on its inference fast path and on mixing a boolean with a float mask
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]

CAUSAL4 = np.triu(np.full((4, 4), -np.inf), 1)
PADDING = np.array([[False, False, False, True, True, True], [False] * 6])   # (N, S)


def compare(make, shapes, dtype=np.float64, tolerance=None, **call):
    """Both libraries on the same weights; ``call`` holds NumPy masks and flags."""
    torch.manual_seed(0)
    theirs = make(torch.nn).to(getattr(torch, np.dtype(dtype).name))
    ours = make(cr.nn)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    copy_weights(ours, theirs)
    ours.to(getattr(cr, np.dtype(dtype).name))
    results = []
    for lib, module in ((cr, ours), (torch, theirs)):
        xs = [lib.tensor(randn(*s, seed=i).astype(dtype), requires_grad=True)
              for i, s in enumerate(shapes)]
        options = {k: lib.tensor(v.astype(dtype) if v.dtype.kind == "f" else v)
                   if isinstance(v, np.ndarray) else v for k, v in call.items()}
        out = module(*xs, **options)
        weight = lib.tensor(randn(*out.shape, seed=9).astype(dtype))
        (out * weight).sum().backward()
        results.append([numpy_of(out)] + [numpy_of(x.grad) for x in xs]
                       + [numpy_of(p.grad) for _, p in module.named_parameters()])
    tolerance = tolerance or dict(rtol=1e-9, atol=1e-11)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, **tolerance)


ENCODER_LAYERS = {
    "post-norm relu": (lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), {}),
    "pre-norm gelu batch_first": (lambda m: m.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation="gelu", norm_first=True, batch_first=True), {}),
    "no bias, callable activation": (lambda m: m.TransformerEncoderLayer(
        8, 4, 16, dropout=0.0, bias=False, activation=m.functional.tanh), {}),
    "causal mask": (lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
                    dict(src_mask=CAUSAL4, is_causal=True)),
    "padding mask": (lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
                     dict(src_key_padding_mask=PADDING[:, :4])),
    "boolean mask and padding": (lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0,
                                                                     layer_norm_eps=1e-3),
                                 dict(src_mask=np.triu(np.ones((4, 4), bool), 1),
                                      src_key_padding_mask=PADDING[:, :4])),
}


@pytest.mark.parametrize("name", sorted(ENCODER_LAYERS))
def test_encoder_layer_matches_torch(name):
    make, call = ENCODER_LAYERS[name]
    compare(make, [(2, 4, 8) if "batch_first" in name else (4, 2, 8)], **call)


def test_encoder_stack_with_norm_matches_torch():
    compare(lambda m: m.TransformerEncoder(m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                           norm=m.LayerNorm(8)),
            [(4, 2, 8)], mask=CAUSAL4, src_key_padding_mask=PADDING[:, :4])


DECODER_LAYERS = {
    "post-norm": (lambda m: m.TransformerDecoderLayer(8, 2, 16, dropout=0.0), {}),
    "pre-norm batch_first masks": (lambda m: m.TransformerDecoderLayer(
        8, 2, 16, dropout=0.0, norm_first=True, batch_first=True),
        dict(tgt_mask=CAUSAL4, tgt_is_causal=True, memory_key_padding_mask=PADDING)),
    "memory mask, gelu": (lambda m: m.TransformerDecoderLayer(8, 2, 16, dropout=0.0,
                                                              activation="gelu"),
                          dict(memory_mask=np.eye(4, 6, dtype=bool),
                               tgt_key_padding_mask=PADDING[:, :4])),
}


@pytest.mark.parametrize("name", sorted(DECODER_LAYERS))
def test_decoder_layer_matches_torch(name):
    make, call = DECODER_LAYERS[name]
    shapes = [(2, 4, 8), (2, 6, 8)] if "batch_first" in name else [(4, 2, 8), (6, 2, 8)]
    compare(make, shapes, **call)


def test_decoder_stack_matches_torch():
    compare(lambda m: m.TransformerDecoder(m.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2,
                                           norm=m.LayerNorm(8)),
            [(4, 2, 8), (6, 2, 8)], tgt_mask=CAUSAL4)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, None),
                                              (np.float32, dict(rtol=1e-4, atol=1e-5))])
def test_transformer_matches_torch(dtype, tolerance):
    compare(lambda m: m.Transformer(8, 2, 2, 1, dim_feedforward=16, dropout=0.0,
                                    batch_first=True),
            [(2, 6, 8), (2, 4, 8)], dtype=dtype, tolerance=tolerance, tgt_mask=CAUSAL4,
            src_key_padding_mask=PADDING, memory_key_padding_mask=PADDING)


def test_unbatched_inputs_match_torch():
    compare(lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [(4, 8)],
            src_key_padding_mask=PADDING[0, :4])
    compare(lambda m: m.Transformer(8, 2, 1, 1, dim_feedforward=16, dropout=0.0),
            [(6, 8), (4, 8)], tgt_mask=CAUSAL4)


def test_torch_state_dict_saved_as_safetensors_loads(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(2)
    theirs = torch.nn.Transformer(8, 2, 1, 1, dim_feedforward=16, dropout=0.0)
    path = tmp_path / "transformer.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours = cr.nn.Transformer(8, 2, 1, 1, dim_feedforward=16, dropout=0.0)
    ours.load_state_dict(cr.load(path))
    src, tgt = randn(5, 2, 8).astype(np.float32), randn(3, 2, 8, seed=1).astype(np.float32)
    mask = cr.nn.Transformer.generate_square_subsequent_mask(3)
    out = ours(cr.tensor(src), cr.tensor(tgt), tgt_mask=mask)
    tout = theirs(torch.tensor(src), torch.tensor(tgt),
                  tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(3))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4,
                               atol=1e-5)


def test_generate_square_subsequent_mask_is_torch_s():
    ours = cr.nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == cr.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_transformer_init_is_xavier_uniform():
    model = cr.nn.Transformer(16, 2, 1, 1, dim_feedforward=32)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()   # (32, 16)
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(model.encoder.layers[0].self_attn.in_proj_bias.detach().numpy() == 0)


def test_dropout_only_in_training():
    layer = cr.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5).double()
    x = cr.tensor(randn(4, 2, 8))
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu'"):
        cr.nn.TransformerEncoderLayer(8, 2, activation="swish")
    model = cr.nn.Transformer(8, 2, 1, 1, dim_feedforward=16)
    with pytest.raises(RuntimeError, match="batch size of src"):
        model(cr.zeros(5, 2, 8), cr.zeros(3, 3, 8))
    with pytest.raises(RuntimeError, match="must be equal to d_model 8"):
        model(cr.zeros(5, 2, 6), cr.zeros(3, 2, 6))


def test_training_steps_follow_torch():
    """A TransformerEncoder classifier trained for five SGD steps from PyTorch's weights:
    every loss equals PyTorch's."""
    def make(nn):
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        return nn.ModuleDict({"encoder": encoder, "head": nn.Linear(8, 3)})

    torch.manual_seed(4)
    theirs = make(torch.nn).double()
    ours = make(cr.nn)
    copy_weights(ours, theirs)
    x, y = randn(4, 5, 8), np.array([0, 2, 1, 2])
    losses = []
    for lib, model in ((cr, ours), (torch, theirs)):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        run = []
        for _ in range(5):
            optimizer.zero_grad()
            logits = model["head"](model["encoder"](lib.tensor(x)).mean(1))
            loss = lib.nn.functional.cross_entropy(logits, lib.tensor(y))
            loss.backward()
            optimizer.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)
    assert losses[0][-1] < losses[0][0]

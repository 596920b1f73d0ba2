"""Whole models exported and run by onnxruntime: the MLP and CNN that ``chainrule train``
builds, a network with BatchNorm2d, a small transformer (Embedding, LayerNorm, GELU,
attention), an LSTM, a GRU, and a MobileNetV3 block. Each is exported once with a dynamic batch axis, passes onnx.checker, and
matches chainrule to 1e-4 at two batch sizes other than the example's.

``pytest tests/onnx -s`` prints the largest difference and the file size of each."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.train import build_model
from onnx_helpers import TOLERANCE, export_bytes, largest_difference

nn = cr.nn
F = nn.functional


def check_model(name, model, make, batch_sizes=(2, 7), **options):
    model.eval()
    data = export_bytes(model, make(3), dynamic_axes={"input": [0]}, **options)
    worst = max(largest_difference(model, data, [make(n)._data]) for n in batch_sizes)
    print(f"\n{name}: largest difference {worst:.2e}, {len(data):,} bytes")
    assert worst <= TOLERANCE
    return data


def images(channels, size):
    generator = cr.Generator(1)
    return lambda n: cr.randn(n, channels, size, size, generator=generator)


def test_mlp_of_chainrule_train():
    cr.manual_seed(0)
    model = build_model({"model": "mlp", "hidden": [32, 16]}, 64, 10)
    generator = cr.Generator(2)
    check_model("mlp", model, lambda n: cr.randn(n, 64, generator=generator))


def test_cnn_of_chainrule_train():
    cr.manual_seed(0)
    model = build_model({"model": "cnn", "hidden": [32]}, 64, 10)
    check_model("cnn", model, images(1, 8))


def test_batchnorm2d_network_uses_its_running_statistics():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(8, 4, 3, stride=2), nn.BatchNorm2d(4),
                          nn.ReLU(), nn.Flatten(), nn.Linear(4, 5))
    for _ in range(3):   # move the running statistics away from 0 and 1
        model(cr.randn(16, 3, 8, 8) * 2 + 1)
    check_model("batchnorm2d", model, images(3, 8))


class TinyTransformer(nn.Module):
    """Token and position embeddings, one pre-norm block written out (causal
    MultiheadAttention, a GELU MLP), a TransformerEncoderLayer, and log-probabilities over
    the vocabulary."""

    def __init__(self, vocab=13, d=16, heads=2, length=6):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d)
        self.positions = nn.Embedding(length, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.attention = nn.MultiheadAttention(d, heads, batch_first=True)
        self.up, self.act, self.down = nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)
        self.encoder = nn.TransformerEncoderLayer(d, heads, dim_feedforward=2 * d,
                                                  activation="gelu", batch_first=True)
        self.head = nn.Linear(d, vocab)
        self.register_buffer("position_ids", cr.arange(length))
        self.register_buffer("causal", cr.ones(length, length, dtype=cr.bool).triu(1))

    def forward(self, input):
        length = input.shape[1]
        x = self.tokens(input) + self.positions(self.position_ids[:length])
        h = self.norm1(x)
        a, _ = self.attention(h, h, h, attn_mask=self.causal[:length, :length],
                              need_weights=False)
        x = x + a
        x = x + self.down(self.act(self.up(self.norm2(x))))
        return F.log_softmax(self.head(self.norm3(self.encoder(x))), dim=-1)


def test_small_transformer():
    cr.manual_seed(0)
    model = TinyTransformer()
    generator = np.random.default_rng(3)
    check_model("transformer", model,
                lambda n: cr.tensor(generator.integers(0, 13, size=(n, 6))))


def test_small_transformer_with_dynamic_sequence_length():
    """The causal mask and the positions are slices of buffers by the input's length."""
    cr.manual_seed(0)
    model = TinyTransformer().eval()
    generator = np.random.default_rng(4)
    data = export_bytes(model, cr.tensor(generator.integers(0, 13, size=(2, 4))),
                        dynamic_axes={"input": {0: "batch", 1: "length"}})
    worst = max(largest_difference(model, data, [generator.integers(0, 13, size=shape)])
                for shape in ((3, 6), (1, 2), (5, 5)))
    print(f"\ntransformer, dynamic length: largest difference {worst:.2e}, {len(data):,} bytes")
    assert worst <= TOLERANCE


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_both_forms(approximate):
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.GELU(approximate=approximate), nn.Linear(8, 2))
    generator = cr.Generator(4)
    check_model(f"gelu {approximate}", model, lambda n: cr.randn(n, 5, generator=generator) * 3)


class Tagger(nn.Module):
    """A two-layer LSTM over (N, T, features), a linear head on every step, and the final
    hidden and cell states as two more outputs."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True)
        self.head = nn.Linear(6, 3)

    def forward(self, input):
        out, (h, c) = self.lstm(input)
        return self.head(out), h, c


def test_lstm():
    cr.manual_seed(0)
    generator = cr.Generator(5)
    check_model("lstm", Tagger(), lambda n: cr.randn(n, 5, 4, generator=generator))


def test_gru_bidirectional():
    cr.manual_seed(0)
    model = nn.GRU(3, 4, bidirectional=True)   # (T, N, features): the batch is axis 1
    generator = cr.Generator(6)
    model.eval()
    data = export_bytes(model, cr.randn(5, 2, 3, generator=generator),
                        dynamic_axes={"input": [1]})
    worst = max(largest_difference(model, data, [cr.randn(5, n, 3, generator=generator)._data])
                for n in (1, 6))
    print(f"\ngru: largest difference {worst:.2e}, {len(data):,} bytes")
    assert worst <= TOLERANCE


class InvertedResidual(nn.Module):
    """A MobileNetV3 block: 1x1 expansion, depthwise 3x3, squeeze-and-excite gated by
    Hardsigmoid, 1x1 projection, with BatchNorm, ReLU6 and Hardswish written in place."""

    def __init__(self, channels=4, expanded=12):
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(channels, expanded, 1, bias=False),
                                    nn.BatchNorm2d(expanded), nn.ReLU6(inplace=True))
        self.depthwise = nn.Sequential(nn.Conv2d(expanded, expanded, 3, padding=1,
                                                 groups=expanded, bias=False),
                                       nn.BatchNorm2d(expanded), nn.Hardswish(inplace=True))
        self.squeeze = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(expanded, 4, 1),
                                     nn.ReLU(inplace=True), nn.Conv2d(4, expanded, 1),
                                     nn.Hardsigmoid())
        self.project = nn.Sequential(nn.Conv2d(expanded, channels, 1, bias=False),
                                     nn.BatchNorm2d(channels))

    def forward(self, input):
        h = self.depthwise(self.expand(input))
        return input + self.project(h * self.squeeze(h))


def test_mobilenet_block_with_in_place_activations():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.Hardswish(),
                          InvertedResidual(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Dropout(0.2), nn.Linear(4, 5))
    for _ in range(3):   # move the running statistics away from 0 and 1
        model(cr.randn(8, 3, 8, 8) * 3 + 1)
    check_model("mobilenet block", model, lambda n: images(3, 8)(n) * 4)

"""The speed issue's model workloads, written once against the API chainrule and PyTorch
share (``lib`` is either module): each ``*_step(lib)`` builds its model, data and optimizer
and returns one training step. Used by ``engine_speed.py`` (time) and ``memory.py`` (peak
memory).

* ``cnn_step``: 1x28x28 inputs, batch 32: conv3x3(1->16, pad 1), ReLU, max-pool 2,
  conv3x3(16->32, pad 1), ReLU, max-pool 2, flatten, Linear(1568->10); cross-entropy; SGD
  with momentum 0.9.
* ``gpt_step``: a tiny GPT: vocab 65, context 32, width 64, 4 heads, 2 pre-LayerNorm blocks
  (fused qkv Linear, causal softmax attention with an additive -inf mask, output projection,
  GELU MLP 64->256->64, residuals), final LayerNorm, Linear head, token and position
  Embeddings; cross-entropy over batch 16 x 32 tokens; AdamW.
* ``moons_step``: micrograd's demo: a 2-16-16-1 MLP on 100 two-moons points, hinge loss plus
  L2, full batch, SGD.
"""
import numpy as np


def cnn_step(lib, batch=32):
    nn = lib.nn
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch))
    lib.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    return step


def gpt_model(lib, vocab=65, context=32, width=64, heads=4, blocks=2):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

        def attention(self, x, mask):
            b, t, c = x.shape
            q, k, v = self.qkv(x).split(c, dim=2)
            q, k, v = (z.reshape(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
            scores = q @ k.transpose(-2, -1) * (c // heads) ** -0.5 + mask
            mixed = F.softmax(scores, dim=-1) @ v
            return self.proj(mixed.transpose(1, 2).reshape(b, t, c))

        def forward(self, x, mask):
            x = x + self.attention(self.ln1(x), mask)
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(vocab, width)
            self.positions = nn.Embedding(context, width)
            self.blocks = nn.ModuleList([Block() for _ in range(blocks)])
            self.ln, self.head = nn.LayerNorm(width), nn.Linear(width, vocab)
            self.mask = lib.tensor(np.triu(np.full((context, context), -np.inf, np.float32), 1))

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tokens(idx) + self.positions(lib.arange(t))
            for block in self.blocks:
                x = block(x, self.mask[:t, :t])
            return self.head(self.ln(x))
    return GPT()


def gpt_step(lib, vocab=65, context=32, batch=16):
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    idx = lib.tensor(rng.integers(0, vocab, (batch, context)))
    targets = lib.tensor(rng.integers(0, vocab, (batch, context)))
    lib.manual_seed(0)
    model = gpt_model(lib, vocab, context)
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        logits = model(idx)
        F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1)).backward()
        optimizer.step()
    return step


def moons_step(lib, points=100):
    nn = lib.nn
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, np.pi, points)
    upper = np.arange(points) < points // 2
    xy = np.where(upper[:, None], np.c_[np.cos(angles), np.sin(angles)],
                  np.c_[1 - np.cos(angles), 0.5 - np.sin(angles)])
    x = lib.tensor((xy + rng.normal(0, 0.1, xy.shape)).astype(np.float32))
    y = lib.tensor(np.where(upper, 1.0, -1.0).astype(np.float32))
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.05)

    def step():
        optimizer.zero_grad()
        scores = model(x).reshape(-1)
        l2 = sum((p * p).sum() for p in model.parameters())
        loss = (1 - y * scores).relu().mean() + 1e-4 * l2
        loss.backward()
        optimizer.step()
    return step

"""A small GPT on a short text: token and position embeddings, pre-LayerNorm blocks of causal
self-attention (a lower-triangular mask buffer, masked_fill with -inf, softmax) and a GELU
MLP, a final LayerNorm and a Linear head; AdamW on random windows (drawn with NumPy); then
generation by sampling from the softmax with multinomial."""
import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F

TEXT = ("first citizen: before we proceed any further, hear me speak. all: speak, speak. "
        "first citizen: you are all resolved rather to die than to famish? all: resolved.")
BLOCK, WIDTH, HEADS, LAYERS = 16, 32, 4, 2


class Head(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.key = nn.Linear(WIDTH, size, bias=False)
        self.query = nn.Linear(WIDTH, size, bias=False)
        self.value = nn.Linear(WIDTH, size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(BLOCK, BLOCK)))

    def forward(self, x):
        B, T, C = x.shape
        k, q = self.key(x), self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)
        return wei @ self.value(x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([Head(WIDTH // HEADS) for _ in range(HEADS)])
        self.proj = nn.Linear(WIDTH, WIDTH)
        self.ffwd = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(),
                                  nn.Linear(4 * WIDTH, WIDTH))
        self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)

    def forward(self, x):
        x = x + self.proj(torch.cat([h(self.ln1(x)) for h in self.heads], dim=-1))
        return x + self.ffwd(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, WIDTH)
        self.position_embedding = nn.Embedding(BLOCK, WIDTH)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, vocab)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        x = self.token_embedding(idx) + self.position_embedding(torch.arange(T))
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        if targets is None:
            return logits, None
        B, T, C = logits.shape
        return logits, F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

    @torch.no_grad()
    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -BLOCK:])
            probs = F.softmax(logits[:, -1, :], dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
        return idx


def vocabulary():
    return sorted(set(TEXT))


def build():
    return GPT(len(vocabulary()))


def run(model):
    chars = vocabulary()
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in TEXT], dtype=torch.long)
    rng = np.random.default_rng(5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for step in range(12):
        starts = rng.integers(0, len(data) - BLOCK - 1, 8)
        xb = torch.stack([data[i:i + BLOCK] for i in starts])
        yb = torch.stack([data[i + 1:i + BLOCK + 1] for i in starts])
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    out = model.generate(torch.zeros((1, 1), dtype=torch.long), max_new_tokens=10)[0].tolist()
    assert len(out) == 11 and all(0 <= i < len(chars) for i in out)
    print("".join(chars[i] for i in out))
    return losses

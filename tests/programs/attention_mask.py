"""Hand-written masked self-attention: scores by torch.matmul and einsum, a causal mask from
torch.tril(torch.ones(T, T)), masked_fill(mask == 0, float('-inf')), softmax, torch.bmm,
multi-head reshapes with view/transpose/contiguous, a register_buffer mask."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_head, block_size):
        super().__init__()
        assert d_model % n_head == 0
        self.c_attn = nn.Linear(d_model, 3 * d_model)
        self.c_proj = nn.Linear(d_model, d_model)
        self.n_head, self.d_model = n_head, d_model
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size))
                             .view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.d_model, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att2 = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(k.size(-1))
        assert torch.allclose(att, att2, atol=1e-5)
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = torch.bmm(att.reshape(B * self.n_head, T, T),
                      v.reshape(B * self.n_head, T, C // self.n_head))
        y = y.view(B, self.n_head, T, C // self.n_head).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 16)
        self.pos = nn.Parameter(torch.zeros(1, 8, 16))
        self.ln = nn.LayerNorm(16)
        self.attn = CausalSelfAttention(16, 4, 8)
        self.head = nn.Linear(16, 10, bias=False)

    def forward(self, idx):
        x = self.emb(idx) + self.pos[:, :idx.shape[1], :]
        x = x + self.attn(self.ln(x))
        return self.head(x)


def build():
    return Model()


def run(model):
    rng = np.random.default_rng(4)
    seqs = np.stack([(np.arange(9) * s + o) % 10 for s, o in rng.integers(1, 4, (32, 2))])
    x = torch.from_numpy(seqs[:, :-1]).long()
    y = torch.from_numpy(seqs[:, 1:]).long()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1)
    losses = []
    for it in range(10):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert model.attn.mask.requires_grad is False and "attn.mask" in model.state_dict()
    return losses

"""Attention two ways in one model: nn.MultiheadAttention (batch_first, a key padding mask,
need_weights=False) for self-attention, and F.scaled_dot_product_attention with is_causal=True
for a causal mixer; a next-token regression target, AdamW and a cosine schedule."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTH, HEADS, LENGTH = 16, 4, 10


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, WIDTH)
        self.mha = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.out = nn.Linear(WIDTH, 1)

    def forward(self, x, padding):
        h = self.inp(x)
        attended, _ = self.mha(h, h, h, key_padding_mask=padding, need_weights=False)
        h = h + attended
        B, T, _ = h.shape
        q, k, v = self.qkv(h).view(B, T, 3, HEADS, WIDTH // HEADS).permute(2, 0, 3, 1, 4)
        mixed = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        h = h + mixed.transpose(1, 2).reshape(B, T, WIDTH)
        return self.out(h).squeeze(-1)


def build():
    return Mixer()


def run(model):
    rng = np.random.default_rng(16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
    losses = []
    for step in range(20):
        x = torch.tensor(rng.standard_normal((8, LENGTH, 3)), dtype=torch.float32)
        target = torch.cumsum(x[..., 0], dim=1) / 3
        lengths = rng.integers(6, LENGTH + 1, 8)
        padding = torch.tensor(np.arange(LENGTH)[None, :] >= lengths[:, None])
        keep = (~padding).float()
        loss = (((model(x, padding) - target) ** 2) * keep).sum() / keep.sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses

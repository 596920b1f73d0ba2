"""Losses and schedules a tutorial reaches for: log_softmax + nll_loss, CrossEntropyLoss with
weight= and ignore_index, nn.ModuleDict, nn.Sequential(OrderedDict(...)), a LambdaLR warmup
read back through optimizer.param_groups[0]['lr'], and ReduceLROnPlateau."""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(5, 20)),
            ("act", nn.LeakyReLU(0.1)),
            ("fc2", nn.Linear(20, 20)),
            ("act2", nn.GELU()),
        ]))
        self.heads = nn.ModuleDict({"cls": nn.Linear(20, 4), "reg": nn.Linear(20, 1)})

    def forward(self, x):
        h = self.body(x)
        return self.heads["cls"](h), self.heads["reg"](h).squeeze(-1)


def build():
    return Net()


def run(model):
    rng = np.random.default_rng(21)
    x = torch.tensor(rng.normal(size=(64, 5)).tolist())
    y = torch.tensor(rng.integers(0, 4, 64).tolist())
    y[::7] = -100
    r = x[:, 0] * 0.5 + x[:, 1]
    weight = torch.tensor([1.0, 2.0, 0.5, 1.0])
    ce = nn.CrossEntropyLoss(weight=weight, ignore_index=-100)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda epoch: min(1.0, (epoch + 1) / 5))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
    losses = []
    for epoch in range(12):
        logits, pred = model(x)
        loss_cls = ce(logits, y)
        keep = y != -100
        loss_nll = F.nll_loss(F.log_softmax(logits[keep], dim=1), y[keep])
        loss = loss_cls + 0.5 * loss_nll + F.mse_loss(pred, r)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch < 5:
            warmup.step()
        else:
            plateau.step(loss.item())
        lr = optimizer.param_groups[0]['lr']
        print(f"epoch {epoch} loss {loss.item():.4f} lr {lr:.5f}")
        losses.append(loss.item())
    return losses

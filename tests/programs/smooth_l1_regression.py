"""Robust regression: a small MLP fit with F.smooth_l1_loss on data with outliers, batches
from a DataLoader over a TensorDataset, SGD with momentum and a StepLR schedule."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset


def build():
    return nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))


def run(model):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (256, 3)).astype(np.float32)
    y = (x @ np.array([1.5, -2.0, 0.5]) + 0.3 * np.sin(4 * x[:, 0])).astype(np.float32)
    y[rng.choice(256, 12, replace=False)] += 8.0   # outliers a squared loss would chase
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)),
                        batch_size=32, shuffle=False)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    losses = []
    for epoch in range(6):
        total = 0.0
        for xb, yb in loader:
            loss = F.smooth_l1_loss(model(xb), yb, beta=0.5)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()
        losses.append(total / len(loader.dataset))
    return losses
